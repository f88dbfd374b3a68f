/*
 * test_report_dates.c - months, days and --since values in UTC: bounds of
 * months (leap years, December), the month before, strict day parsing, "Nd"
 * relative to the last day, and times as text.
 */
#include "report_dates.h"

#include "test.h"

static uint32_t day(const char *s)
{
    uint32_t d = 0;
    CHECK_INT(report_day_parse(s, &d), 0);
    return d;
}

TEST(parses_months)
{
    uint32_t first, last;
    CHECK_INT(report_month_parse("2026-11", &first, &last), 0);
    CHECK_INT(first, day("2026-11-01"));
    CHECK_INT(last, day("2026-11-30"));
    CHECK_INT(report_month_parse("2028-02", &first, &last), 0);
    CHECK_INT(last - first + 1, 29);
    CHECK_INT(report_month_parse("2026-12", &first, &last), 0);
    CHECK_INT(last, day("2026-12-31"));
    const char *bad[] = {"2026-13",    "2026-00", "26-11",   "2026-1", "2026/11",
                         "2026-11-01", "1969-12", "abcd-ef", "",       "2026-11x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(report_month_parse(bad[i], &first, &last), -1);
}

TEST(knows_the_month_before)
{
    char buf[REPORT_MONTH_LEN];
    CHECK_INT(report_month_previous("2026-11", buf), 0);
    CHECK_STR(buf, "2026-10");
    CHECK_INT(report_month_previous("2027-01", buf), 0);
    CHECK_STR(buf, "2026-12");
    /* Captures from clocks never set land in 1970-01: its previous month has
     * no day numbers, and is said so rather than refused. */
    CHECK_INT(report_month_previous("1970-01", buf), 1);
    CHECK_STR(buf, "1969-12");
    CHECK_INT(report_month_previous("1969-12", buf), -1);
    report_month_of(day("2026-02-28"), buf);
    CHECK_STR(buf, "2026-02");
    CHECK_INT(report_month_first(day("2026-02-14")), day("2026-02-01"));
    CHECK_INT(report_month_last(day("2026-02-14")), day("2026-02-28"));
}

TEST(parses_days_strictly)
{
    uint32_t d;
    CHECK_INT(report_day_parse("1970-01-01", &d), 0);
    CHECK_INT(d, 0);
    const char *bad[] = {"2026-02-30",    "2026-13-01", "2026-11-31", "2026-1-01",
                         "2026-11-01T00", "20261101",   "",           "2026-11-0a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_INT(report_day_parse(bad[i], &d), -1);
    char buf[REPORT_DAY_LEN];
    report_day_format(day("2028-02-29"), buf);
    CHECK_STR(buf, "2028-02-29");
}

TEST(counts_back_from_the_last_day)
{
    uint32_t until = day("2026-11-02"), since;
    CHECK_INT(report_since_parse("7d", until, &since), 0);
    CHECK_INT(since, day("2026-10-27"));
    CHECK_INT(report_since_parse("1d", until, &since), 0);
    CHECK_INT(since, until);
    CHECK_INT(report_since_parse("2026-10-01", until, &since), 0);
    CHECK_INT(since, day("2026-10-01"));
    CHECK_INT(report_since_parse("0d", until, &since), -1);
    CHECK_INT(report_since_parse("d", until, &since), -1);
    CHECK_INT(report_since_parse("-7d", until, &since), -1);
    CHECK_INT(report_since_parse("7 d", until, &since), -1);
    CHECK_INT(report_since_parse("99999d", until, &since), -1);
}

TEST(writes_times)
{
    char buf[REPORT_TIME_LEN];
    report_time_format(0, buf);
    CHECK_STR(buf, "1970-01-01T00:00:00Z");
    report_time_format(1793577600 + 3661, buf);
    CHECK_STR(buf, "2026-11-02T01:01:01Z");
    report_time_format(UINT64_MAX, buf); /* a corrupt value keeps the shape */
    CHECK_STR(buf, "9999-12-31T23:59:59Z");
}

int main(void)
{
    RUN(parses_months);
    RUN(knows_the_month_before);
    RUN(parses_days_strictly);
    RUN(counts_back_from_the_last_day);
    RUN(writes_times);
    return test_report();
}
