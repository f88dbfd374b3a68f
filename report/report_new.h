/*
 * report_new.h - services first seen in a period, as a JSON document.
 *
 * New to the organisation (first traffic ever counted falls in the period)
 * and new to each department.  Sections and fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_NEW_H
#define SHADOWTAP_REPORT_NEW_H

#include <jansson.h>

#include "report_options.h"

/* Builds the report over the days rq->first_day..rq->last_day.  Returns a
 * new JSON object, or NULL with the reason in err. */
json_t *report_new(const struct report_request *rq, char *err, size_t errlen);

#endif
