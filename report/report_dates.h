/*
 * report_dates.h - the calendar of reports: months, days, "--since 7d".
 *
 * Days are numbered as in the tallies (days since 1970-01-01, UTC; tally.h),
 * and every period is a run of whole UTC days, as the Redis keys are.
 */
#ifndef SHADOWTAP_REPORT_DATES_H
#define SHADOWTAP_REPORT_DATES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REPORT_MONTH_LEN 8 /* "YYYY-MM" and the NUL */
#define REPORT_DAY_LEN   11
#define REPORT_TIME_LEN  21 /* "YYYY-MM-DDTHH:MM:SSZ" */

/* Parses "YYYY-MM" (1970 <= YYYY <= 9999).  Returns 0 and the first and last
 * day of the month, or -1. */
int report_month_parse(const char *s, uint32_t *first_day, uint32_t *last_day);
/* The month holding day, as "YYYY-MM". */
void report_month_of(uint32_t day, char buf[REPORT_MONTH_LEN]);
/* The month before month ("YYYY-MM"), as "YYYY-MM".  Returns 0; 1 when that
 * month lies before day 0 (month is 1970-01: captures from clocks never set),
 * so it holds no data and has no day numbers; -1 if month is not a month. */
int report_month_previous(const char *month, char buf[REPORT_MONTH_LEN]);
/* The period object of reports (report_json_period) for a month before day 0. */
#define REPORT_MONTH_BEFORE_EPOCH "1969-12"

/* First and last day of the month holding day. */
uint32_t report_month_first(uint32_t day);
uint32_t report_month_last(uint32_t day);

/* Parses "YYYY-MM-DD" strictly.  Returns 0, or -1. */
int report_day_parse(const char *s, uint32_t *day);
void report_day_format(uint32_t day, char buf[REPORT_DAY_LEN]);
/* Today (UTC). */
uint32_t report_today(void);

/* Parses a --since value relative to today: "Nd" (the last N days, today
 * included: today - N + 1) or "YYYY-MM-DD".  Returns 0, or -1. */
int report_since_parse(const char *s, uint32_t today, uint32_t *day);

/* Unix seconds as "YYYY-MM-DDTHH:MM:SSZ". */
void report_time_format(uint64_t unix_seconds, char buf[REPORT_TIME_LEN]);

#endif
