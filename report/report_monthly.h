/*
 * report_monthly.h - the IT leader's monthly report, as a JSON document.
 *
 * What the organisation used in a month (every service and department with
 * its figures), what is new, what changed from the month before, what is
 * widely adopted and low-risk enough to sanction, and how much went up to
 * generative-AI services.  Sections and fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_MONTHLY_H
#define SHADOWTAP_REPORT_MONTHLY_H

#include <jansson.h>

#include "report_options.h"

/* Builds the report for rq->month ("YYYY-MM").  Returns a new JSON object, or
 * NULL with the reason in err. */
json_t *report_monthly(const struct report_request *rq, char *err, size_t errlen);

#endif
