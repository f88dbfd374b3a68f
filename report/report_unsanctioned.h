/*
 * report_unsanctioned.h - the security team's report, as a JSON document.
 *
 * Unsanctioned and prohibited services in use over a run of days: per service
 * and per department, since when, how many devices, how much data went up
 * and to which countries, and the sanctioned alternative.  Sections and
 * fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_UNSANCTIONED_H
#define SHADOWTAP_REPORT_UNSANCTIONED_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>

#include "report_options.h"
#include "rules.h"

/* Builds the report over the days first_day..last_day.  Returns a new JSON
 * object, or NULL with the reason in err. */
json_t *report_unsanctioned(redisContext *c, const struct rules *r, uint32_t first_day,
                            uint32_t last_day, const struct report_options *opt, char *err,
                            size_t errlen);

#endif
