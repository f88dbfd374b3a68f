/*
 * tally_notes.h - what a flush carries besides the counters.
 *
 * Small tables travel with a tally (tally.h) to the flusher and into the flush
 * script (docs/redis-schema.md):
 *
 *   - the owner of each autonomous system that unclassified traffic went to,
 *     so that a report can say "Unclassified, hosted at Example Cloud, Inc."
 *     for the service id "unclassified:AS64500";
 *   - the unclassified flows that carried a host name, per day, department and
 *     host (classify/unknown.h): for a candidate service its registrable
 *     domain, bytes, flows, first and last second and device pseudonyms, so a
 *     report can rank the domains no catalog entry knows; names counted apart
 *     (address literals, special-use names, resolver names) by kind only;
 *   - per day and department, the devices that used an encrypted-DNS resolver;
 *   - the flows to another customer's tenant of a service (tally.h's
 *     TALLY_TENANT_OTHER), per day, department, service and tenant, with
 *     bytes, flows and devices, so a report can name the tenants;
 *   - the flows to model servers inside the network (tally_ai_servers.h).
 *
 * Host names come from the network, so every table is bounded: beyond its
 * limit a table takes no new entry, only more counts for the ones it holds,
 * and counts what it dropped.  Then the unknown flows' counts go to one
 * entry per (day, department) of kind TALLY_UNKNOWN_OVERFLOW, so that the
 * candidates and what is counted apart still add up to every unclassified
 * named byte.  The cells' counters never depend on notes.
 *
 * Not thread-safe: notes have the owner of their tally.
 */
#ifndef SHADOWTAP_TALLY_NOTES_H
#define SHADOWTAP_TALLY_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "tally_ai_servers.h"

#define TALLY_NOTES_MAX_UNKNOWN 4096u /* (day, department, host) entries */
#define TALLY_NOTES_MAX_ASNS    4096u
#define TALLY_NOTES_MAX_EDNS    4096u /* (day, department, device) entries */
#define TALLY_NOTES_MAX_TENANTS 4096u /* (day, department, service, tenant) entries */
#define TALLY_NOTES_ORG_MAX     95u   /* as geo.h's as_org */

/* The kinds of unknown notes: classify/unknown.h's, and one more for what did
 * not fit. */
enum tally_unknown_kind {
    TALLY_UNKNOWN_CANDIDATE = 0,
    TALLY_UNKNOWN_IP_LITERAL,
    TALLY_UNKNOWN_SPECIAL_USE,
    TALLY_UNKNOWN_RESOLVER,
    TALLY_UNKNOWN_PUBLIC_SUFFIX,
    TALLY_UNKNOWN_OVERFLOW, /* entries the table had no room for */
    TALLY_UNKNOWN_KIND_COUNT
};

/* One (day, department, kind, host) of unknown notes.  domain and host are
 * "" for every kind but CANDIDATE. */
struct tally_unknown_note {
    uint32_t day; /* days since 1970-01-01 */
    uint32_t dept_sym;
    uint8_t kind; /* enum tally_unknown_kind */
    const char *domain, *host;
    uint64_t bytes_up, bytes_down;
    uint32_t flows;
    uint32_t first_seen, last_seen; /* unix seconds */
    const uint64_t *devices;        /* open-addressing set of devices_cap slots, 0 = empty */
    uint32_t devices_cap;
};

struct tally_notes;

/* NULL on allocation failure. */
struct tally_notes *tally_notes_new(void);
void tally_notes_free(struct tally_notes *n); /* accepts NULL */
void tally_notes_clear(struct tally_notes *n);

/* Notes the owner of an autonomous system (the newest name wins).  org is
 * printable ASCII (geo.h), cut at TALLY_NOTES_ORG_MAX.  Returns 0, or -1 when
 * the table is full or memory is short (counted in dropped). */
int tally_notes_add_asn(struct tally_notes *n, uint32_t asn, const char *org);

/* Adds one unclassified flow with a host name.  For a candidate, domain is its
 * registrable domain and host the (normalized) host name; for the other kinds
 * both are ignored.  device (a pseudonym) is noted for candidates.  Returns 0,
 * or -1 when the flow went to the overflow entry of its day and department
 * (or, short of memory, nowhere: counted in dropped). */
int tally_notes_add_unknown(struct tally_notes *n, const struct tally_unknown_note *flow,
                            uint64_t device);

/* Adds one flow to another customer's tenant: flow->domain is the service id,
 * flow->host the tenant, kind is ignored.  Beyond the table's limit the flow
 * is not named (its bytes stay in the cells' "other" counters): returns -1,
 * counted in dropped. */
int tally_notes_add_tenant(struct tally_notes *n, const struct tally_unknown_note *flow,
                           uint64_t device);

/* Notes that device used an encrypted-DNS resolver on day in department.
 * Returns 0, or -1 as tally_notes_add_asn. */
int tally_notes_add_edns_device(struct tally_notes *n, uint32_t day, uint32_t dept_sym,
                                uint64_t device);

/* Adds everything of from into into (within into's bounds).  Returns 0, or -1
 * when something did not fit. */
int tally_notes_merge(struct tally_notes *into, const struct tally_notes *from);

size_t tally_notes_count(const struct tally_notes *n); /* entries of all tables; 0 for NULL */
uint64_t tally_notes_dropped(const struct tally_notes *n);

void tally_notes_each_asn(const struct tally_notes *n,
                          void (*fn)(void *ctx, uint32_t asn, const char *org), void *ctx);
void tally_notes_each_unknown(const struct tally_notes *n,
                              void (*fn)(void *ctx, const struct tally_unknown_note *note),
                              void *ctx);
void tally_notes_each_tenant(const struct tally_notes *n,
                             void (*fn)(void *ctx, const struct tally_unknown_note *note),
                             void *ctx);
void tally_notes_each_edns(const struct tally_notes *n,
                           void (*fn)(void *ctx, uint32_t day, uint32_t dept_sym, uint64_t device),
                           void *ctx);

/* ---- model servers inside (tally_ai_servers.h) ---- */

/* Adds one flow to an internal model server: flow's counters under its key,
 * and device (the client's pseudonym).  Returns 0, or -1 when it did not fit
 * (at most TALLY_AI_SERVERS_MAX keys; counted in
 * tally_notes_ai_servers_dropped, not in tally_notes_dropped) or memory is
 * short. */
int tally_notes_add_ai_server(struct tally_notes *n, const struct tally_ai_server_note *flow,
                              uint64_t device);
/* Flows to model servers that did not fit; 0 for NULL. */
uint64_t tally_notes_ai_servers_dropped(const struct tally_notes *n);
void tally_notes_each_ai_server(const struct tally_notes *n,
                                void (*fn)(void *ctx, const struct tally_ai_server_note *note),
                                void *ctx);

#endif
