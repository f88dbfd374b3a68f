/*
 * report_csv.h - reports as CSV, one row per (department, service).
 *
 * Every report has the same columns (docs/reports.md), so rows from several
 * reports can go into one spreadsheet: the period, the department, the
 * service and its facts, devices, bytes, flows, first and last seen, whether
 * it is new, its trend and its sanctioned alternative.  A cell hidden by
 * privacy.min_devices reads "fewer than k" devices with empty figures, and
 * each department with hidden cells gets an "other" row with their sum.
 * The last column, "row", says what a row is: "service" for those, and
 * "candidate" for a department's use of a candidate service (monthly,
 * department and unknown reports), traffic already counted in the
 * unclassified service rows; and "ai-server" for a client department's use
 * of a model server inside (monthly report), traffic in no service row.
 * The catalog report has its own columns, one row per service.
 */
#ifndef SHADOWTAP_REPORT_CSV_H
#define SHADOWTAP_REPORT_CSV_H

#include <jansson.h>
#include <stdio.h>

/* Writes doc (any report's JSON) as CSV.  Returns 0, or -1 on a write error. */
int report_csv_write(FILE *out, json_t *doc);

/* Writes one field, quoted when it holds a comma, quote or line break; text
 * that a spreadsheet would run as a formula (= + - @ at the start) is
 * prefixed with an apostrophe. */
void report_csv_field(FILE *out, const char *text);

#endif
