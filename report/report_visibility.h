/*
 * report_visibility.h - what named a report's traffic, or why nothing could.
 *
 * The sensor counts every internet flow's bytes and flows under one kind
 * (tally.h's enum tally_vis): the evidence that named its catalog service
 * (sni, quic-sni, http-host, dns, ip-range, stun, ndpi, protocol), a host
 * name the catalog does not know (unknown: the candidate services), or, for
 * a flow that carried no name, the reason (ech, encrypted-dns, no-handshake,
 * ip-only, other).  Per department and day or month, in the visibility hashes
 * (schema_key_visibility), so the kinds of a period sum exactly to its
 * totals.  It also notes, per department, the devices that used an
 * encrypted-DNS resolver (schema_key_edns HyperLogLogs).
 *
 * This module reads those for a report's period and scope and builds the
 * report's "visibility" member (docs/reports.md), the same for every report.
 *
 * Functions returning int return 0, or -1 with the reason in err.
 */
#ifndef SHADOWTAP_REPORT_VISIBILITY_H
#define SHADOWTAP_REPORT_VISIBILITY_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_data.h"
#include "rules.h"
#include "tally.h"

struct report_visibility_dept {
    char *id;
    uint64_t edns_devices; /* devices that used encrypted DNS */
};

struct report_visibility {
    uint64_t bytes[TALLY_VIS_COUNT], flows[TALLY_VIS_COUNT];
    uint64_t edns_devices;                /* over every department in scope */
    struct report_visibility_dept *depts; /* in scope, with any count; by id */
    size_t ndepts;
};

/* Reads the visibility hashes of the parts (a period's month and day keys,
 * report_data.h), only the fields of only_dept when it is not NULL, and
 * counts the encrypted-DNS devices: one union over the departments in scope
 * (those of the fields read, and only_dept), and one per department.  Free
 * with report_visibility_free(), also after a failure. */
int report_visibility_read(redisContext *c, const struct report_part *parts, size_t nparts,
                           const char *only_dept, struct report_visibility *out, char *err,
                           size_t errlen);
void report_visibility_free(struct report_visibility *v);

/* The "visibility" member: bytes, flows, by_evidence, not_in_catalog,
 * unnamed, named, hidden, encrypted_dns_devices and, with by_department,
 * encrypted_dns_by_department (most devices first).  A device count below
 * min_devices (not 0) is null.  A new reference. */
json_t *report_visibility_json(const struct report_visibility *v, const struct rules *r,
                               uint64_t min_devices, bool by_department);

/* Both: the member of a report over parts, NULL with the reason in err. */
json_t *report_visibility_section(redisContext *c, const struct report_part *parts, size_t nparts,
                                  const char *only_dept, const struct rules *r,
                                  uint64_t min_devices, char *err, size_t errlen);

#endif
