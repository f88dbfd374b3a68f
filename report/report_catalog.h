/*
 * report_catalog.h - the service catalog as JSON (shadowtap-report catalog).
 */
#ifndef SHADOWTAP_REPORT_CATALOG_H
#define SHADOWTAP_REPORT_CATALOG_H

#include <jansson.h>

#include "rules.h"

json_t *report_catalog(const struct rules *r);

#endif
