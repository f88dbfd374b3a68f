/*
 * rules.h - one consistent set of rules: catalog, departments and policy, and
 * the assignment feed.
 *
 * The three files of a rules folder (services.conf, departments.conf,
 * policy.conf) are loaded together because the policy refers to the other two;
 * the assignment feed (assignments.h; the setting departments.assignments)
 * with them because it refers to the departments.  A rule set is immutable once
 * loaded and reference-counted: on reload the sensor loads a new set beside
 * the old one, hands it to every worker, and the old set is freed when the last
 * worker lets go of it.
 *
 * The feed changes more often than the folder.  rules_with_assignments makes
 * a new set that shares a set's catalog, departments, policy and resolvers
 * (held by a reference of their own) and has other assignment tables, so that
 * a new feed is handed to the workers the way a reload is, without reading the
 * folder again.
 */
#ifndef SHADOWTAP_RULES_H
#define SHADOWTAP_RULES_H

#include <stdatomic.h>
#include <stdint.h>

#include "assignments.h"
#include "catalog.h"
#include "departments.h"
#include "diag.h"
#include "policy.h"
#include "resolvers.h"

#define RULES_SERVICES_FILE    "services.conf"
#define RULES_DEPARTMENTS_FILE "departments.conf"
#define RULES_POLICY_FILE      "policy.conf"
#define RULES_RESOLVERS_FILE   "resolvers.conf" /* optional (resolvers.h) */

struct rules_parts; /* what sets made by rules_with_assignments share */

struct rules {
    struct catalog *catalog;
    struct departments *departments;
    struct policy *policy;
    struct resolvers *resolvers;
    /* The assignment feed: the file's entries (NULL when departments.assignments
     * is not set) and the Redis hash's (NULL until the sensor has read it).
     * Both built against departments. */
    struct assignments *assignments;
    struct assignments *assignments_hash;
    const char *dir;              /* the folder; these two live as long as the set */
    const char *assignments_file; /* the feed file, or NULL */
    struct rules_parts *parts;
    atomic_int refs;
};

/* Loads the files of dir (the resolvers file may be absent) and, when
 * assignments_file is neither NULL nor "", the feed file against the
 * departments (which must load for the feed to be checked).  Returns NULL if
 * any file has an error; every error is recorded in d.  The new set holds one
 * reference. */
struct rules *rules_load_with(const char *dir, const char *assignments_file, struct diag *d);
/* rules_load_with(dir, NULL, d): the folder alone. */
struct rules *rules_load(const char *dir, struct diag *d);
/* A new set with r's catalog, departments, policy, resolvers, folder and feed
 * file name, and the assignment tables file and hash, which it takes over (one
 * reference each; either may be NULL).  To keep one of r's tables, pass
 * assignments_retain(r->assignments) (or r->assignments_hash).  Both tables must
 * have been built against r->departments.  Returns the set holding one
 * reference, or NULL when out of memory (the tables are then released). */
struct rules *rules_with_assignments(struct rules *r, struct assignments *file,
                                     struct assignments *hash);
struct rules *rules_retain(struct rules *r);
/* Drops a reference; frees the set with the last one.  Accepts NULL. */
void rules_release(struct rules *r);

/* What is known of a flow's client, for rules_department. */
struct department_query {
    const struct netaddr *client; /* the client's address; never NULL */
    uint16_t vlan;                /* the packet's 802.1Q id, 0 when untagged */
    const uint8_t *mac;           /* the client's 6-byte MAC (its DHCP lease's), or NULL */
    const char *dhcp_name;        /* the host name of its DHCP lease, or NULL */
    uint64_t unix_s;              /* the time of the flow, against the feed's expiries */
};

/* The department of a flow's client, strongest evidence first (docs/rules.md,
 * "Precedence"):
 *   1. the assignment feed: the file's entry for the address, then for the
 *      MAC; then the Redis hash's, in the same order (expired entries do not
 *      count);
 *   2. a "macs" rule against the MAC, then a "dhcp_names" rule against the
 *      host name (departments_match_device);
 *   3. the VLAN (departments_lookup_vlan);
 *   4. the longest network prefix holding the address
 *      (departments_lookup_network).
 * Returns the department index, or -1 for unassigned; *how (when not NULL)
 * says which gave it.  No allocation, lock or system call. */
int rules_department(const struct rules *r, const struct department_query *q,
                     enum department_source *how);

#endif
