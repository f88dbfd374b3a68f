/*
 * report_json.h - the pieces every JSON report is built from.
 *
 * One vocabulary for all reports (docs/report.schema.json): a service is
 * described by id, name, vendor, category, risk, reasons and status; figures
 * are bytes_up, bytes_down, packets_up, packets_down and flows; a device
 * count is an integer, or null when privacy.min_devices hides it; times are
 * "YYYY-MM-DDTHH:MM:SSZ" or null.  Every function returns a new reference (or
 * fills the object it is given).
 */
#ifndef SHADOWTAP_REPORT_JSON_H
#define SHADOWTAP_REPORT_JSON_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "report_data.h"
#include "report_view.h"
#include "rules.h"

json_t *report_json_u64(uint64_t v);
/* A unix time as text, or null for 0. */
json_t *report_json_time(uint64_t unix_seconds);
/* Sets bytes_up, bytes_down, packets_up, packets_down and flows. */
void report_json_set_figures(json_t *o, const struct report_figures *f);
/* Sets id, name, vendor, category, risk, reasons and status (for dept_idx,
 * -1 for the organisation's default). */
void report_json_describe_service(json_t *o, const struct rules *r, const char *id, int dept_idx);
/* The same without vendor and reasons, for the many rows of cells (the
 * services section carries them once per service). */
void report_json_describe_cell(json_t *o, const struct rules *r, const char *id, int dept_idx);
/* A string for an id, shared by every place that names it. */
json_t *report_json_id(const char *id);
/* Reads the owners of autonomous systems the sensors noted (hash
 * shadowtap:asn), which name the services "unclassified:AS<n>": unclassified
 * traffic counted where it is hosted.  Returns 0, or -1 with the reason in
 * err (the names then read "Unclassified, hosted at AS<n>"). */
int report_json_load_networks(redisContext *c, char *err, size_t errlen);
/* The display name of a service id "unclassified:AS<n>" into buf:
 * "Unclassified, hosted at <owner>" (or "... at AS<n>" when the owner is not
 * known); NULL for any other id. */
const char *report_json_hosted_name(const char *id, char *buf, size_t len);
/* Drops the shared values (names, categories, ids) kept between calls; call
 * once the documents are freed, and before using other rules.  Values still
 * referenced by a document stay valid. */
void report_json_release(void);
/* The sanctioned alternative the policy names for service id, as {id, name,
 * status}, or null. */
json_t *report_json_alternative(const struct rules *r, const char *id, int dept_idx);
/* A department's display name ("Unassigned" for unassigned, the id when the
 * rules no longer know it). */
const char *report_dept_name(const struct rules *r, const char *id);
/* {start, end} (and month when the period is exactly one month). */
json_t *report_json_period(uint32_t first_day, uint32_t last_day);
/* The same for December 1969, the month before day 0 (it never holds data). */
json_t *report_json_period_before_epoch(void);
/* Sensors that contributed to the months overlapping the period, with their
 * last flush: [{id, last_flush}]. */
json_t *report_json_sensors(redisContext *c, uint32_t first_day, uint32_t last_day);
/* {min_devices, hidden_cells}. */
json_t *report_json_privacy(const struct report_view *v);
/* A device count, or null when the view may not show it. */
json_t *report_json_devices(const struct report_view *v, uint64_t devices);
/* [{code, bytes_up, bytes_down}]. */
json_t *report_json_countries(const struct report_country *c, size_t n);
/* A department/service cell: the service described for the department
 * (report_json_describe_cell), bytes_up, bytes_down, flows, devices and
 * countries (null figures and no countries when hidden), hidden, first and
 * last seen (when seen is not NULL). */
json_t *report_json_cell(const struct report_view *v, const struct report_view_cell *vc,
                         const struct report_seen *seen);
/* The "other" line of hidden cells: {cells, bytes_up, bytes_down, packets_up,
 * packets_down, flows}. */
json_t *report_json_other(size_t cells, const struct report_figures *f);
/* The time now, as text. */
json_t *report_json_now(void);

/* Writes v as JSON, indented by two spaces, non-ASCII escaped: the text
 * json_dumpf(v, out, JSON_INDENT(2) | JSON_ENSURE_ASCII) gives, written in
 * large blocks.  Returns 0, or -1 on a write error. */
int report_json_write(FILE *out, json_t *v);

/* Sorts an array of objects by bytes_up + bytes_down (null counts as 0),
 * largest first, then by id. */
void report_json_sort_by_bytes(json_t *array);
/* Sorts by an integer member, largest first, then by id. */
void report_json_sort_by(json_t *array, const char *member);

#endif
