/*
 * report_dates.c - month and day arithmetic in UTC, without the local zone.
 */
#include "report_dates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECONDS_PER_DAY 86400

static uint32_t day_of(int year, int month, int mday)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = mday};
    return (uint32_t)(timegm(&tm) / SECONDS_PER_DAY);
}

static void split_day(uint32_t day, int *year, int *month)
{
    time_t t = (time_t)day * SECONDS_PER_DAY;
    struct tm tm;
    gmtime_r(&t, &tm);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
    }
    return 1;
}

int report_month_parse(const char *s, uint32_t *first_day, uint32_t *last_day)
{
    if (strlen(s) != 7 || s[4] != '-' || !all_digits(s, 4) || !all_digits(s + 5, 2))
        return -1;
    int y = atoi(s), m = atoi(s + 5);
    if (y < 1970 || m < 1 || m > 12)
        return -1;
    *first_day = day_of(y, m, 1);
    *last_day = day_of(y, m + 1, 1) - 1; /* timegm normalises month 13 */
    return 0;
}

void report_month_of(uint32_t day, char buf[REPORT_MONTH_LEN])
{
    char d[REPORT_DAY_LEN];
    report_day_format(day, d);
    memcpy(buf, d, 7);
    buf[7] = '\0';
}

int report_month_previous(const char *month, char buf[REPORT_MONTH_LEN])
{
    uint32_t first, last;
    if (report_month_parse(month, &first, &last) != 0)
        return -1;
    if (first == 0) {
        snprintf(buf, REPORT_MONTH_LEN, "%s", REPORT_MONTH_BEFORE_EPOCH);
        return 1;
    }
    report_month_of(first - 1, buf);
    return 0;
}

uint32_t report_month_first(uint32_t day)
{
    int y, m;
    split_day(day, &y, &m);
    return day_of(y, m, 1);
}

uint32_t report_month_last(uint32_t day)
{
    int y, m;
    split_day(day, &y, &m);
    return day_of(y, m + 1, 1) - 1;
}

int report_day_parse(const char *s, uint32_t *day)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s, 4) ||
        !all_digits(s + 5, 2) || !all_digits(s + 8, 2))
        return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    uint32_t v = day_of(y, m, d);
    char back[REPORT_DAY_LEN];
    report_day_format(v, back);
    if (strcmp(back, s) != 0)
        return -1; /* 2026-02-30 */
    *day = v;
    return 0;
}

#define LAST_DAY 2932896u /* 9999-12-31: dates keep their ten characters */

void report_day_format(uint32_t day, char buf[REPORT_DAY_LEN])
{
    time_t t = (time_t)(day > LAST_DAY ? LAST_DAY : day) * SECONDS_PER_DAY;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, REPORT_DAY_LEN, "%Y-%m-%d", &tm);
}

uint32_t report_today(void)
{
    return (uint32_t)(time(NULL) / SECONDS_PER_DAY);
}

int report_since_parse(const char *s, uint32_t today, uint32_t *day)
{
    size_t n = strlen(s);
    if (n >= 2 && n <= 5 && s[n - 1] == 'd' && all_digits(s, n - 1)) {
        unsigned long days = strtoul(s, NULL, 10);
        if (days < 1 || days > today + 1)
            return -1;
        *day = today - (uint32_t)days + 1;
        return 0;
    }
    return report_day_parse(s, day);
}

void report_time_format(uint64_t unix_seconds, char buf[REPORT_TIME_LEN])
{
    if (unix_seconds > 253402300799ULL) /* 9999-12-31T23:59:59Z: the text keeps its shape */
        unix_seconds = 253402300799ULL;
    time_t t = (time_t)unix_seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, REPORT_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
