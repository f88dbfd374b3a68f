/*
 * report_new.h - services first seen in a period, as a JSON document.
 *
 * New to the organisation (first traffic ever counted falls in the period)
 * and new to each department.  Sections and fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_NEW_H
#define SHADOWTAP_REPORT_NEW_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdint.h>

#include "report_options.h"
#include "rules.h"

/* Builds the report over the days first_day..last_day.  Returns a new JSON
 * object, or NULL with the reason in err. */
json_t *report_new(redisContext *c, const struct rules *r, uint32_t first_day, uint32_t last_day,
                   const struct report_options *opt, char *err, size_t errlen);

#endif
