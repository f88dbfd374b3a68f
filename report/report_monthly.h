/*
 * report_monthly.h - the IT leader's monthly report, as a JSON document.
 */
#ifndef SHADOWTAP_REPORT_MONTHLY_H
#define SHADOWTAP_REPORT_MONTHLY_H

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "rules.h"

/* Builds the report for month ("YYYY-MM").  Returns a new JSON object, or NULL
 * with the reason in err. */
json_t *report_monthly(redisContext *c, const struct rules *r, const char *month, char *err,
                       size_t errlen);

#endif
