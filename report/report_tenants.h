/*
 * report_tenants.h - whose instance of a service the traffic reached: the
 * organisation's own tenants, other customers' tenants, or hosts that name
 * none, read back for a report.
 *
 * For services whose host names carry the customer's tenant (services.conf
 * "tenants"), the sensor counts every cell again by tenant class (tally.h:
 * own, other, none) per day and month, with a device HyperLogLog per class,
 * and per month and service the names of other customers' tenants (the most
 * bytes kept, STORE_TENANT_NAMES_MAX) with their counters and devices per
 * department, and a HyperLogLog of every other tenant's name
 * (docs/redis-schema.md, "Tenants").
 *
 * Two members of the reports come from here (docs/reports.md, "Tenants"):
 *   - "tenants" in a service's entry: own, other and none, each with bytes,
 *     flows and devices; for other, the status "other-tenant", the number of
 *     distinct tenants, the names seen from at least privacy.min_devices
 *     devices (the others counted, not shown) and what the kept names do not
 *     cover; and the same per department (a department with fewer devices is
 *     folded into other_departments);
 *   - "other_tenant_uploads": per department and service whose status for the
 *     department is sanctioned, what went to other customers' tenants.
 * Names are noted when a flow ends and per the month of its first packet;
 * the class counters follow the traffic hour by hour: over whole months of
 * ended flows they agree.
 */
#ifndef SHADOWTAP_REPORT_TENANTS_H
#define SHADOWTAP_REPORT_TENANTS_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "report_data.h"
#include "rules.h"

struct report_tenants;

/* Reads the period's tenant counts (its parts: days or months, as the
 * report's counts) and the names of the months from first_day to last_day,
 * of one department (only_dept) or all (NULL).  NULL with the reason in err
 * (err empty: out of memory). */
struct report_tenants *report_tenants_read(redisContext *c, const struct report_part *parts,
                                           size_t nparts, uint32_t first_day, uint32_t last_day,
                                           const char *only_dept, const struct rules *r,
                                           uint64_t min_devices, char *err, size_t errlen);
void report_tenants_free(struct report_tenants *t);

/* Sets "tenants" in every entry of services (an array of objects with "id")
 * whose service had traffic counted by tenant class.  Returns 0, or -1 when
 * out of memory. */
int report_tenants_attach(const struct report_tenants *t, json_t *services);

/* The "other_tenant_uploads" member: {bytes_up, bytes_down, flows, rows:
 * [{department, service, status, bytes_up, bytes_down, flows, devices,
 * tenants}], other}.  A new reference, NULL when out of memory. */
json_t *report_tenants_uploads_section(const struct report_tenants *t);

/* All of the above: reads the tenants of a report's period and scope, sets
 * "tenants" in the entries of services (when not NULL) and returns the
 * "other_tenant_uploads" member; NULL with the reason in err (err empty: out
 * of memory). */
json_t *report_tenants_section(redisContext *c, const struct report_part *parts, size_t nparts,
                               uint32_t first_day, uint32_t last_day, const char *only_dept,
                               const struct rules *r, uint64_t min_devices, json_t *services,
                               char *err, size_t errlen);

#endif
