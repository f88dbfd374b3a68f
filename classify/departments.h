/*
 * departments.h - which department a client device belongs to.
 *
 * Loaded from rules/departments.conf (docs/rules.md).  A department owns
 * networks (IPv4 and IPv6 CIDR prefixes) and VLAN ids.  The department of an
 * address is that of the longest prefix holding it; an address in no prefix
 * takes the department of its 802.1Q VLAN id if one is listed; otherwise it is
 * "unassigned".  Department networks, and the extra ranges listed under
 * "internal", are internal: a flow between two internal addresses is not
 * cloud usage.
 *
 * A loaded table is immutable and may be read by any number of threads.
 */
#ifndef SHADOWTAP_DEPARTMENTS_H
#define SHADOWTAP_DEPARTMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "netaddr.h"

#define DEPARTMENT_UNASSIGNED      "unassigned" /* id of traffic from no listed range */
#define DEPARTMENT_UNASSIGNED_NAME "Unassigned" /* its display name in reports */

struct department {
    uint32_t sym;   /* interned id */
    const char *id;
    char *name;     /* display name */
    int line;
};

struct departments;

/* Returns NULL if the file has any error (all recorded in d). */
struct departments *departments_load(const char *path, struct diag *d);
struct departments *departments_load_buffer(const char *name, const char *buf, size_t len,
                                            struct diag *d);
void departments_free(struct departments *t);

size_t departments_count(const struct departments *t);
const struct department *departments_get(const struct departments *t, int idx);
int departments_find(const struct departments *t, const char *id); /* -1 if none */

/* Index of the client's department, or -1 for unassigned.  vlan is the 802.1Q id
 * of the packet, 0 when untagged.  A listed VLAN decides before the networks
 * (the longest prefix); *by_vlan says whether it did. */
int departments_lookup_how(const struct departments *t, const struct netaddr *client, uint16_t vlan,
                           bool *by_vlan);
int departments_lookup(const struct departments *t, const struct netaddr *client, uint16_t vlan);
/* True when a is in a department network or an "internal" range. */
bool departments_is_internal(const struct departments *t, const struct netaddr *a);

#endif
