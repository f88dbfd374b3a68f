/*
 * tally.h - usage counters per (day, department, service, country).
 *
 * Each worker thread counts into its own tally without locks; on a flush it
 * hands the whole table to the flusher and starts a new one, and the flusher
 * merges the workers' tables before writing them to Redis.  A cell holds the
 * counters of one (hour, department, service, destination country), the set of
 * device pseudonyms seen in it (for Redis HyperLogLogs), the first and last
 * second it saw traffic, and the policy status the service had for the
 * department when the cell was made.  Redis keeps days and months; the hour is
 * kept here for the events that count per hour (store.h).
 *
 * Ids are symbols (classify/symbol.h) so a tally stays meaningful across a
 * rules reload.  Cells are allocated when first used, which happens per new
 * (flow, day), not per packet; the worker caches the cell pointer in the flow.
 *
 * Not thread-safe: a tally has one owner at a time.
 */
#ifndef SHADOWTAP_TALLY_H
#define SHADOWTAP_TALLY_H

#include <stddef.h>
#include <stdint.h>

struct tally_key {
    uint32_t hour; /* hours since 1970-01-01T00 (UTC) */
    uint32_t dept_sym;
    uint32_t service_sym;
    uint16_t country; /* two ASCII letters ('U' << 8 | 'S'), 0 when unknown */
    uint8_t tenant;      /* enum tally_tenant */
    uint8_t dept_source; /* enum tally_dept_source */
};

/* What gave the client its department (docs/rules.md, precedence): an entry
 * of the assignment feed, a DHCP rule (the lease's MAC or host name), the
 * VLAN, the client's network, or nothing (unassigned). */
enum tally_dept_source {
    TALLY_DEPT_UNASSIGNED = 0,
    TALLY_DEPT_NETWORK,
    TALLY_DEPT_VLAN,
    TALLY_DEPT_DHCP,
    TALLY_DEPT_ASSIGNMENT,
    TALLY_DEPT_SOURCE_COUNT
};

/* Whose instance of the service the traffic went to, for services whose host
 * names carry the customer's tenant (classify/catalog.h, "tenants"): the
 * organisation's own (policy.conf "tenant ="), another customer's, or a host
 * of the service that names no tenant.  NA for every other service. */
enum tally_tenant {
    TALLY_TENANT_NA = 0,
    TALLY_TENANT_NONE,
    TALLY_TENANT_OWN,
    TALLY_TENANT_OTHER,
    TALLY_TENANT_COUNT
};

/* What named the service of a cell's bytes, or why nothing did: a report's
 * "visibility" (docs/reports.md).  The first group is the evidence of a named
 * service (classify.h's match kinds); the rest is unclassified traffic, which
 * either carried a host name the catalog does not know (UNKNOWN: the
 * candidate services) or none, for the reason given. */
enum tally_vis {
    TALLY_VIS_SNI,
    TALLY_VIS_QUIC_SNI,
    TALLY_VIS_HTTP_HOST,
    TALLY_VIS_DNS,      /* the name the client resolved, or a DNS flow's query */
    TALLY_VIS_IP_RANGE, /* the server address in a service's ranges */
    TALLY_VIS_STUN,     /* a STUN realm, or the STUN server of the client's port */
    TALLY_VIS_NDPI,
    TALLY_VIS_PROTOCOL,     /* a server name another protocol carries */
    TALLY_VIS_UNKNOWN,      /* unclassified, with a host name */
    TALLY_VIS_ECH,          /* unclassified and unnamed: encrypted ClientHello */
    TALLY_VIS_EDNS,         /* ... the device used encrypted DNS before */
    TALLY_VIS_NO_HANDSHAKE, /* ... a TCP flow seen from its middle */
    TALLY_VIS_IP_ONLY,      /* ... a TCP or UDP flow that carried no name */
    TALLY_VIS_OTHER,        /* ... another IP protocol */
    TALLY_VIS_COUNT
};
#define TALLY_VIS_FIRST_UNCLASSIFIED TALLY_VIS_UNKNOWN

struct tally_cell {
    struct tally_key key;
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
    /* The same bytes (up + down) and flows by what named them: they sum to
     * the counters above. */
    uint64_t vis_bytes[TALLY_VIS_COUNT];
    uint32_t vis_flows[TALLY_VIS_COUNT];
    uint32_t first_seen, last_seen; /* unix seconds */
    uint8_t status;                 /* enum policy_status when made; the newest wins a merge */
    uint32_t ndevices, devices_cap; /* open-addressing set; 0 marks an empty slot */
    uint64_t *devices;
    struct tally_cell *next; /* hash chain */
};

struct tally;

struct tally *tally_new(void);
void tally_free(struct tally *t);

/* The cell of key, created empty if absent.  NULL only on allocation failure.
 * The pointer stays valid until the tally is freed or cleared. */
struct tally_cell *tally_cell(struct tally *t, const struct tally_key *key);
/* Adds a device pseudonym to a cell's set.  Returns 0, or -1 on allocation
 * failure (the device is then not counted; the failure is counted). */
int tally_cell_add_device(struct tally_cell *c, uint64_t device);
/* The set underneath, for other tables of pseudonyms (tally_notes.h): an
 * open-addressing array of *cap slots (0 = empty), *count of them used, grown
 * to stay at most half full.  Returns 0, or -1 on allocation failure. */
int tally_device_set_add(uint64_t **slots, uint32_t *count, uint32_t *cap, uint64_t device);
/* Notes traffic at unix second ts in first_seen/last_seen. */
static inline void tally_cell_seen(struct tally_cell *c, uint32_t ts)
{
    if (c->first_seen == 0 || ts < c->first_seen)
        c->first_seen = ts;
    if (ts > c->last_seen)
        c->last_seen = ts;
}

/* The tally's notes (tally_notes.h: owners of autonomous systems, host names
 * of unclassified flows), made when first asked for; NULL only on allocation
 * failure.  They are merged, cleared and freed with the tally. */
struct tally_notes *tally_notes(struct tally *t);
/* The notes if any were made, else NULL. */
const struct tally_notes *tally_notes_peek(const struct tally *t);

/* Adds every cell (and note) of from into into.  Returns 0, or -1 on
 * allocation failure (into then holds part of from). */
int tally_merge(struct tally *into, const struct tally *from);
/* Removes every cell. */
void tally_clear(struct tally *t);

size_t tally_count(const struct tally *t);
size_t tally_memory(const struct tally *t);
uint64_t tally_alloc_failures(const struct tally *t);

/* "sni", "quic-sni", "http-host", "dns", "ip-range", "stun", "ndpi",
 * "protocol", "unknown", "ech", "encrypted-dns", "no-handshake", "ip-only",
 * "other" (docs/redis-schema.md); NULL out of range. */
const char *tally_vis_name(enum tally_vis v);
/* "unassigned", "network", "vlan", "dhcp", "assignment"; NULL out of range. */
const char *tally_dept_source_name(enum tally_dept_source s);
/* "none", "own", "other"; NULL for TALLY_TENANT_NA and out of range. */
const char *tally_tenant_name(enum tally_tenant t);

/* Calls fn for every cell, in no particular order. */
void tally_each(const struct tally *t, void (*fn)(void *ctx, const struct tally_cell *c),
                void *ctx);

static inline uint32_t tally_hour_of(uint64_t us)
{
    return (uint32_t)(us / 3600000000ULL);
}

static inline uint32_t tally_day_of_hour(uint32_t hour)
{
    return hour / 24;
}

/* Formats a day number as YYYY-MM-DD into buf (at least 11 bytes). */
void tally_day_format(uint32_t day, char *buf);
/* Parses YYYY-MM-DD; returns 0 and sets *day, or -1. */
int tally_day_parse(const char *s, uint32_t *day);

#endif
