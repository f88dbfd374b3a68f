/*
 * report_dept_sources.h - what gave the clients their department, read back:
 * the bytes, flows and devices of a period per source (tally.h: an
 * assignment-feed entry, a DHCP rule, the VLAN, the network, or nothing), so
 * that a reader sees how much is unassigned and why (docs/reports.md).
 */
#ifndef SHADOWTAP_REPORT_DEPT_SOURCES_H
#define SHADOWTAP_REPORT_DEPT_SOURCES_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "report_data.h"

/* {SOURCE: {bytes_up, bytes_down, flows, devices}} for every source, of the
 * period's parts; devices (the union over the departments) null when below
 * min_devices.  A device that got its department from two sources in the
 * period counts in both.  NULL with the reason in err (empty: out of
 * memory). */
json_t *report_dept_sources_section(redisContext *c, const struct report_part *parts, size_t nparts,
                                    uint64_t min_devices, char *err, size_t errlen);

#endif
