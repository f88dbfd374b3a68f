/*
 * departments.h - which department a client device belongs to.
 *
 * Loaded from rules/departments.conf (docs/rules.md).  A department owns
 * networks (IPv4 and IPv6 CIDR prefixes), VLAN ids, and device rules: MACs or
 * MAC prefixes ("macs") and patterns of DHCP host names ("dhcp_names"), matched
 * against what a client's DHCP lease says of it.  departments_lookup answers
 * from the VLAN and the address: the VLAN if listed, else the longest prefix
 * holding the address, else "unassigned".  departments_match_device answers
 * from the device rules.  How the answers of these and of the assignment feed
 * (assignments.h) are ranked is rules_department's (rules.h).  Department
 * networks, and the extra ranges listed under "internal", are internal: a flow
 * between two internal addresses is not cloud usage.
 *
 * A loaded table is immutable and may be read by any number of threads; no
 * lookup allocates, locks or makes a system call.
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

#define DEPARTMENT_PATTERN_MAX   63    /* characters of one dhcp_names pattern */
#define DEPARTMENT_HOSTNAME_MAX  255   /* longer DHCP host names match no pattern */
#define DEPARTMENTS_MAX_PATTERNS 1024  /* dhcp_names patterns in a file, all departments */
#define DEPARTMENTS_MAX_MACS     65536 /* macs entries in a file, all departments */

/* What gave a client its department, strongest first (docs/rules.md,
 * "Precedence").  The flow log's shadowtap.department_source is its name. */
enum department_source {
    DEPARTMENT_SOURCE_NONE,       /* nothing: unassigned */
    DEPARTMENT_SOURCE_ASSIGNMENT, /* an entry of the assignment feed (assignments.h) */
    DEPARTMENT_SOURCE_DHCP_MAC,   /* a "macs" rule, against the MAC of the client's lease */
    DEPARTMENT_SOURCE_DHCP_NAME,  /* a "dhcp_names" rule, against the lease's host name */
    DEPARTMENT_SOURCE_VLAN,       /* "vlans", the packet's 802.1Q id */
    DEPARTMENT_SOURCE_NETWORK,    /* "networks", the longest prefix holding the address */
};
#define DEPARTMENT_SOURCES 6 /* how many */

/* The word the flow log and Redis use for a source (report/store/tally.h's
 * tally_dept_source_name): "unassigned", "assignment", "dhcp" (for both DHCP
 * sources), "vlan", "network"; "unassigned" for a value out of range. */
const char *department_source_name(enum department_source s);

struct department {
    uint32_t sym; /* interned id */
    const char *id;
    char *name; /* display name */
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
 * (the longest prefix). */
int departments_lookup(const struct departments *t, const struct netaddr *client, uint16_t vlan);
/* The department of the longest "networks" prefix holding client, or -1,
 * whatever the VLAN: departments_lookup's second half. */
int departments_lookup_network(const struct departments *t, const struct netaddr *client);
/* The department that lists VLAN id vlan, or -1 (also for 0, untagged, and ids
 * above 4094). */
int departments_lookup_vlan(const struct departments *t, uint16_t vlan);

/* True when some department has "macs" or "dhcp_names": without, a caller need
 * not look for the client's DHCP lease at all. */
bool departments_has_device_rules(const struct departments *t);
/* The department of a device by its DHCP lease, or -1.  mac is the client's
 * 6-byte MAC (the lease's hardware address), or NULL when unknown; dhcp_name
 * its DHCP host name (option 12, NUL-terminated, any case), or NULL.  A "macs"
 * rule is tried first, the longest prefix of the MAC winning (a whole MAC
 * before its OUI); then the "dhcp_names" patterns in file order, the first
 * department with a matching pattern winning.  *how (when how is not NULL) is
 * set to DEPARTMENT_SOURCE_DHCP_MAC, _DHCP_NAME or _NONE. */
int departments_match_device(const struct departments *t, const char *dhcp_name, const uint8_t *mac,
                             enum department_source *how);

/* True when a is in a department network or an "internal" range. */
bool departments_is_internal(const struct departments *t, const struct netaddr *a);

#endif
