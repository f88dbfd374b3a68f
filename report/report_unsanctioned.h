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

#include <jansson.h>

#include "report_options.h"

/* Builds the report over the days rq->first_day..rq->last_day.  Returns a
 * new JSON object, or NULL with the reason in err. */
json_t *report_unsanctioned(const struct report_request *rq, char *err, size_t errlen);

#endif
