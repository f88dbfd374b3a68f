/*
 * test_tally.c - usage cells: look-up and creation, device sets (duplicates,
 * growth), first/last seen, merging workers' tallies, clearing, and the day
 * numbers of keys (format and parse, leap years, bad dates).
 */
#include "tally.h"

#include <stdlib.h>

#include "test.h"

static struct tally_key key(uint32_t day, uint32_t dept, uint32_t service, const char *cc)
{
    struct tally_key k;
    memset(&k, 0, sizeof(k));
    k.hour = day;
    k.dept_sym = dept;
    k.service_sym = service;
    k.country = cc ? (uint16_t)((uint8_t)cc[0] << 8 | (uint8_t)cc[1]) : 0;
    return k;
}

TEST(cells)
{
    struct tally *t = tally_new();
    CHECK(t != NULL);
    CHECK_INT(tally_count(t), 0);
    size_t empty_memory = tally_memory(t);
    CHECK(empty_memory > 0);

    struct tally_key k1 = key(20000, 1, 2, "US"), k2 = key(20000, 1, 2, "DE");
    struct tally_cell *c1 = tally_cell(t, &k1);
    CHECK(c1 != NULL);
    CHECK(memcmp(&c1->key, &k1, sizeof(k1)) == 0);
    CHECK(c1->bytes_up == 0 && c1->flows == 0 && c1->ndevices == 0 && c1->first_seen == 0);
    c1->bytes_up = 100;
    c1->flows = 1;
    CHECK(tally_cell(t, &k1) == c1);
    CHECK_INT(tally_cell(t, &k1)->bytes_up, 100);
    struct tally_cell *c2 = tally_cell(t, &k2);
    CHECK(c2 != c1);
    CHECK_INT(tally_count(t), 2);
    CHECK(tally_memory(t) > empty_memory);

    /* each part of the key makes its own cell */
    tally_cell(t, &(struct tally_key){.hour = 20001, .dept_sym = 1, .service_sym = 2});
    tally_cell(t, &(struct tally_key){.hour = 20000, .dept_sym = 3, .service_sym = 2});
    tally_cell(t, &(struct tally_key){.hour = 20000, .dept_sym = 1, .service_sym = 4});
    tally_cell(t, &(struct tally_key){.hour = 20000, .dept_sym = 1, .service_sym = 2});
    CHECK_INT(tally_count(t), 6);

    /* many cells: the table grows and every pointer stays valid */
    struct tally_cell *cells[5000];
    for (uint32_t i = 0; i < 5000; i++) {
        struct tally_key k = key(19000 + i % 7, i, i * 31, "FR");
        cells[i] = tally_cell(t, &k);
        cells[i]->packets_up = i;
    }
    CHECK_INT(tally_count(t), 5006);
    int moved = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        struct tally_key k = key(19000 + i % 7, i, i * 31, "FR");
        if (tally_cell(t, &k) != cells[i] || cells[i]->packets_up != i)
            moved++;
    }
    CHECK_INT(moved, 0);
    CHECK(c1->bytes_up == 100); /* the first cell survived every growth */
    CHECK_INT(tally_alloc_failures(t), 0);

    tally_clear(t);
    CHECK_INT(tally_count(t), 0);
    CHECK_INT(tally_memory(t), tally_memory(t)); /* still answers */
    c1 = tally_cell(t, &k1);
    CHECK_INT(c1->bytes_up, 0);
    tally_free(t);
    tally_free(NULL);
}

TEST(device_sets)
{
    struct tally *t = tally_new();
    struct tally_key k = key(20000, 1, 2, NULL);
    struct tally_cell *c = tally_cell(t, &k);
    CHECK_INT(tally_cell_add_device(c, 0xabcdef), 0);
    CHECK_INT(tally_cell_add_device(c, 0xabcdef), 0);
    CHECK_INT(c->ndevices, 1);
    CHECK_INT(tally_cell_add_device(c, 42), 0);
    CHECK_INT(c->ndevices, 2);
    /* growth: thousands of devices, each added twice */
    int failed = 0;
    for (uint64_t d = 1; d <= 3000; d++)
        failed += tally_cell_add_device(c, d * 0x9e3779b97f4a7c15ULL) != 0;
    CHECK_INT(failed, 0);
    for (uint64_t d = 1; d <= 3000; d++)
        tally_cell_add_device(c, d * 0x9e3779b97f4a7c15ULL);
    CHECK_INT(c->ndevices, 3002);
    CHECK(c->devices_cap >= 2 * c->ndevices);
    CHECK_INT(c->devices_cap & (c->devices_cap - 1), 0); /* a power of two */
    /* every device is in the set exactly once */
    uint32_t found = 0;
    for (uint32_t i = 0; i < c->devices_cap; i++)
        found += c->devices[i] != 0;
    CHECK_INT(found, 3002);
    /* devices that collide in the low bits are still distinct */
    struct tally_cell *c2 = tally_cell(t, &(struct tally_key){.hour = 1});
    for (uint64_t d = 1; d <= 100; d++)
        tally_cell_add_device(c2, d << 40);
    CHECK_INT(c2->ndevices, 100);
    /* 0 marks an empty slot; a pseudonym of 0 still counts as a device */
    struct tally_cell *c3 = tally_cell(t, &(struct tally_key){.hour = 2});
    CHECK_INT(tally_cell_add_device(c3, 0), 0);
    CHECK_INT(c3->ndevices, 1);
    tally_free(t);
}

TEST(seen)
{
    struct tally *t = tally_new();
    struct tally_cell *c = tally_cell(t, &(struct tally_key){.hour = 5});
    tally_cell_seen(c, 1000);
    CHECK_INT(c->first_seen, 1000);
    CHECK_INT(c->last_seen, 1000);
    tally_cell_seen(c, 1500);
    tally_cell_seen(c, 800);
    tally_cell_seen(c, 1200);
    CHECK_INT(c->first_seen, 800);
    CHECK_INT(c->last_seen, 1500);
    tally_free(t);
}

struct sum {
    uint64_t bytes_up, flows;
    size_t cells;
};

static void add_up(void *ctx, const struct tally_cell *c)
{
    struct sum *s = ctx;
    s->bytes_up += c->bytes_up;
    s->flows += c->flows;
    s->cells++;
}

TEST(merge)
{
    struct tally *a = tally_new(), *b = tally_new();
    struct tally_key shared = key(20000, 1, 2, "US"), only_a = key(20000, 1, 3, NULL),
                     only_b = key(20001, 4, 2, "GB");
    struct tally_cell *ca = tally_cell(a, &shared);
    ca->bytes_up = 10;
    ca->bytes_down = 20;
    ca->packets_up = 1;
    ca->packets_down = 2;
    ca->flows = 1;
    tally_cell_seen(ca, 5000);
    tally_cell_seen(ca, 6000);
    tally_cell_add_device(ca, 111);
    tally_cell_add_device(ca, 222);
    tally_cell(a, &only_a)->flows = 7;

    struct tally_cell *cb = tally_cell(b, &shared);
    cb->bytes_up = 1;
    cb->bytes_down = 2;
    cb->packets_up = 3;
    cb->packets_down = 4;
    cb->flows = 5;
    tally_cell_seen(cb, 4000);
    tally_cell_seen(cb, 5500);
    tally_cell_add_device(cb, 222);
    tally_cell_add_device(cb, 333);
    struct tally_cell *cbo = tally_cell(b, &only_b);
    cbo->bytes_up = 99;
    /* a cell that never saw traffic leaves the times alone */
    tally_cell(b, &only_a);

    CHECK_INT(tally_merge(a, b), 0);
    CHECK_INT(tally_count(a), 3);
    struct tally_cell *m = tally_cell(a, &shared);
    CHECK(m == ca);
    CHECK_INT(m->bytes_up, 11);
    CHECK_INT(m->bytes_down, 22);
    CHECK_INT(m->packets_up, 4);
    CHECK_INT(m->packets_down, 6);
    CHECK_INT(m->flows, 6);
    CHECK_INT(m->first_seen, 4000);
    CHECK_INT(m->last_seen, 6000);
    CHECK_INT(m->ndevices, 3);
    CHECK_INT(tally_cell(a, &only_b)->bytes_up, 99);
    CHECK_INT(tally_cell(a, &only_a)->flows, 7);
    CHECK_INT(tally_cell(a, &only_a)->first_seen, 0);
    /* from is unchanged */
    CHECK_INT(tally_count(b), 3);
    CHECK_INT(cb->bytes_up, 1);
    CHECK_INT(cb->ndevices, 2);

    /* merging into an empty tally copies; merging twice doubles the counters
     * but not the devices */
    struct tally *e = tally_new();
    CHECK_INT(tally_merge(e, b), 0);
    CHECK_INT(tally_merge(e, b), 0);
    CHECK_INT(tally_cell(e, &shared)->bytes_up, 2);
    CHECK_INT(tally_cell(e, &shared)->ndevices, 2);
    struct sum s = {0, 0, 0};
    tally_each(e, add_up, &s);
    CHECK_INT(s.cells, 3);
    CHECK_INT(s.bytes_up, 2 * (1 + 99));
    CHECK_INT(s.flows, 2 * 5);
    tally_free(a);
    tally_free(b);
    tally_free(e);
}

/* ---- days ---- */

static const char *fmt_day(uint32_t day)
{
    static char buf[16];
    memset(buf, 'x', sizeof(buf));
    tally_day_format(day, buf);
    return buf;
}

static long parse_day(const char *s)
{
    uint32_t day = 0xdeadbeef;
    if (tally_day_parse(s, &day) != 0) {
        CHECK(day == 0xdeadbeef); /* untouched on failure */
        return -1;
    }
    return (long)day;
}

TEST(day_format_and_parse)
{
    CHECK_STR(fmt_day(0), "1970-01-01");
    CHECK_STR(fmt_day(1), "1970-01-02");
    CHECK_STR(fmt_day(365), "1971-01-01");
    CHECK_STR(fmt_day(19723), "2024-01-01");
    CHECK_STR(fmt_day(20000), "2024-10-04");
    CHECK_STR(fmt_day(10956), "1999-12-31");
    CHECK_STR(fmt_day(10957), "2000-01-01");
    CHECK_INT(parse_day("1970-01-01"), 0);
    CHECK_INT(parse_day("2024-10-04"), 20000);
    CHECK_INT(parse_day("2000-01-01"), 10957);
    CHECK_INT(parse_day("2038-01-19"), 24855);
    CHECK_INT(parse_day("2038-01-20"), 24856); /* past 32-bit seconds */
    CHECK_INT(parse_day("2100-12-31"), 47846);
    /* every day of a few decades survives the round trip */
    int bad = 0;
    for (uint32_t day = 0; day < 60000; day += 1) {
        char buf[16];
        tally_day_format(day, buf);
        uint32_t back = 0;
        if (tally_day_parse(buf, &back) != 0 || back != day) {
            if (bad++ < 3)
                fprintf(stderr, "    day %u -> %s -> %u\n", day, buf, back);
        }
    }
    CHECK_INT(bad, 0);
}

TEST(leap_years)
{
    CHECK(parse_day("2024-02-29") >= 0);
    CHECK_INT(parse_day("2024-03-01") - parse_day("2024-02-28"), 2);
    CHECK_INT(parse_day("2023-02-29"), -1);
    CHECK_INT(parse_day("2023-03-01") - parse_day("2023-02-28"), 1);
    CHECK(parse_day("2000-02-29") >= 0);  /* divisible by 400 */
    CHECK_INT(parse_day("2100-02-29"), -1); /* divisible by 100, not by 400 */
    CHECK(parse_day("1972-02-29") >= 0);
    CHECK_STR(fmt_day((uint32_t)parse_day("2024-02-29")), "2024-02-29");
    CHECK_STR(fmt_day((uint32_t)parse_day("2024-02-29") + 1), "2024-03-01");
    CHECK_INT(parse_day("2024-12-31") - parse_day("2024-01-01"), 365);
    CHECK_INT(parse_day("2023-12-31") - parse_day("2023-01-01"), 364);
}

TEST(bad_dates)
{
    static const char *const bad[] = {
        "",            "2024",        "2024-01",      "2024-1-01",   "2024-01-1",
        "24-01-01",    "2024-00-10",  "2024-13-01",   "2024-01-00",  "2024-01-32",
        "2024-04-31",  "2024-06-31",  "2023-02-29",   "2024-02-30",  "1969-12-31",
        "2024/01/01",  "2024-01-01x", "2024-01-01 ",  " 2024-01-01", "x024-01-01",
        "2024-01-+1",  "2024-+1-01",  "2024- 1-01",   "2024-01- 1",  "+024-01-01",
        "2024-0a-01",  "20240101",    "2024-01-01T00", "abcd-ef-gh", "2024--1-01",
        "2024-1--01",  "9999-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (parse_day(bad[i]) != -1) {
            CHECK(!"accepted a bad date");
            fprintf(stderr, "    \"%s\"\n", bad[i]);
        }
    }
}

int main(void)
{
    RUN(cells);
    RUN(device_sets);
    RUN(seen);
    RUN(merge);
    RUN(day_format_and_parse);
    RUN(leap_years);
    RUN(bad_dates);
    return test_report();
}
