/*
 * report_catalog.h - the service catalog as JSON (shadowtap-report catalog).
 */
#ifndef SHADOWTAP_REPORT_CATALOG_H
#define SHADOWTAP_REPORT_CATALOG_H

#include <jansson.h>

#include "report_options.h"

/* The catalog and policy of rq->rules (reads no counts).  Returns a new JSON
 * object, or NULL when out of memory. */
json_t *report_catalog(const struct report_request *rq, char *err, size_t errlen);

#endif
