/*
 * report_section.h - the parts of a report document several reports share,
 * built from a view (report_view.h) with the pieces of report_json.h.
 *
 * Every report opens with the same head, lists services the same way in its
 * services section, and lists a department with its cells the same way in
 * its departments section; each report adds its own fields after these.
 * Every function returns a new reference.
 */
#ifndef SHADOWTAP_REPORT_SECTION_H
#define SHADOWTAP_REPORT_SECTION_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>

#include "report_data.h"
#include "report_view.h"

/* {report: kind, generated, period, sensors, privacy}: the head of a report
 * over the days first_day..last_day seen through v. */
json_t *report_section_head(const char *kind, redisContext *c, uint32_t first_day,
                            uint32_t last_day, const struct report_view *v);

/* A service group of v: described (report_json_describe_service), its
 * visible cells' figures, devices (null when every cell is hidden),
 * departments, hidden_cells, countries, first and last seen. */
json_t *report_section_service(const struct report_view *v, const struct report_view_group *g,
                               const struct report_seen *seen);

/* Adds a report's own fields to a department's cell. */
typedef void (*report_section_cell_fields)(json_t *cell, const struct report_view_cell *vc,
                                           const void *ctx);

/* A department group of v: id, name, the figures of all its cells, devices,
 * services (each cell as report_json_cell gives it, with add's fields; the
 * visible ones first, each part sorted by the integer member sort_by, or by
 * bytes up and down when sort_by is NULL) and other (its hidden cells). */
json_t *report_section_department(const struct report_view *v, const struct report_view_group *g,
                                  const struct report_seen *seen, report_section_cell_fields add,
                                  const void *ctx, const char *sort_by);

#endif
