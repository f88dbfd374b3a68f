/*
 * dns_cache.h - which name a client resolved to reach an address.
 *
 * Fed by DNS answers (classify/dns.h), read when a flow starts.  Keyed by
 * (client, server address), with a second entry keyed by the server address
 * alone, so that a lookup first finds what this very client resolved (two
 * clients may resolve different names to one CDN address) and otherwise what
 * any client resolved.
 *
 * Time is the packet time in microseconds, so offline runs are reproducible.  An
 * entry lives for max(ttl, min_ttl) + grace seconds: clients keep using an
 * address after its TTL (connection pools, OS caches), and the sensor must still
 * name those flows.  Memory is bounded by max_entries; when full, the entry that
 * expires soonest is evicted, and evictions are counted.
 *
 * Determinism across worker threads: the capture thread inserts answers in
 * packet order, while workers look up later.  Each insertion carries the
 * sequence number of the packet it came from, and a lookup for a packet with
 * sequence s ignores what was inserted at or after s, so the answer does not
 * depend on how far ahead the capture thread has run.  Each entry keeps the
 * names it held before for that purpose, for as long as the horizon (below)
 * says a lookup may still need them.
 *
 * Thread safety: one writer (dns_cache_insert, dns_cache_expire) and any number
 * of readers (dns_cache_lookup) may run concurrently; the cache locks
 * internally (a reader-writer lock; inserts and lookups are per DNS answer and
 * per new flow, not per packet).
 */
#ifndef SHADOWTAP_DNS_CACHE_H
#define SHADOWTAP_DNS_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct dns_cache_config {
    size_t max_entries; /* bound on entries of both kinds together; >= 16 */
    uint32_t min_ttl;   /* seconds; answers with shorter TTLs live this long */
    uint32_t grace;     /* seconds added to every lifetime */
};

struct dns_cache_stats {
    uint64_t inserts, lookups, hits_client, hits_any, misses, expired, evicted;
    size_t entries, memory_bytes;
    size_t entries_peak; /* most entries held at once: never above max_entries */
    size_t versions;     /* older names kept for lookups still to come */
    /* Older names dropped because every version slot was taken by ones that
     * lookups to come may need: a lookup may then miss a name it would have
     * found with less lag.  0 unless the workers fall far behind. */
    uint64_t versions_dropped;
};

struct dns_cache;

/* Returns NULL on allocation failure.  Free with dns_cache_free(). */
struct dns_cache *dns_cache_new(const struct dns_cache_config *cfg);
void dns_cache_free(struct dns_cache *c);

/* Records that client resolved name to server at time now_us (packet time) with
 * the given TTL, from the packet with sequence number seq (strictly increasing
 * across calls).  name must be normalized (hostname.h). */
void dns_cache_insert(struct dns_cache *c, const struct netaddr *client,
                      const struct netaddr *server, const char *name, uint32_t ttl, uint64_t now_us,
                      uint64_t seq);

/* Tells the cache that no lookup to come carries a sequence number below seq
 * (the capture thread knows how far every worker has got).  Older names that
 * only lookups below seq could see are then freed at the next insert into
 * their entry.  Writer only.  Never calling it keeps every older name until
 * the version pool is full. */
void dns_cache_set_horizon(struct dns_cache *c, uint64_t seq);

/* Finds the name for a flow from client to server starting at now_us with packet
 * sequence number seq.  Copies it into name (namesz bytes, NUL-terminated) and
 * returns true; false if none is known and alive.  per_client, when not NULL,
 * tells whether the name came from this client's own answer. */
bool dns_cache_lookup(struct dns_cache *c, const struct netaddr *client,
                      const struct netaddr *server, uint64_t now_us, uint64_t seq, char *name,
                      size_t namesz, bool *per_client);

/* Drops entries expired at now_us.  Called by the writer now and then. */
void dns_cache_expire(struct dns_cache *c, uint64_t now_us);

void dns_cache_get_stats(struct dns_cache *c, struct dns_cache_stats *out);

#endif
