/*
 * leases.h - which device held an address at a time, from DHCP.
 *
 * Fed by the DHCP messages the capture thread reads (dhcp.h), read when a flow
 * starts: the lease of the flow's client address at the flow's time gives the
 * device's MAC, the host name it gave itself and its client identifier, which
 * department rules can match where subnets do not tell.  Keyed by address
 * (IPv4 or IPv6).
 *
 * What changes a lease (leases_update):
 *  - a grant (DHCPACK, DHCPv6 Reply with an address) starts one, or renews the
 *    one the same device holds: a renewal keeps the lease's start and moves
 *    its end.  A grant to another device replaces the lease from then on: the
 *    device moved, or the address went to someone else;
 *  - a release (DHCPRELEASE, DHCPv6 Release or a Reply withdrawing the
 *    address) or a decline from the device holding the lease ends it then;
 *  - a request carrying a host name for an address whose lease the same
 *    device holds (a renewing DHCPREQUEST, an INFORM, a DHCPv6 Renew with its
 *    Client FQDN) gives the lease that host name from then on.
 * "The same device": the same client identifier (v4 option 61, v6 DUID) when
 * both messages carry one, else the same MAC; what cannot be compared is not
 * the same device.  Servers seldom repeat the host name in their grants, so
 * the table keeps the last few requests (LEASES_PENDING, for
 * LEASES_PENDING_S seconds of packet time): a grant takes the host name, the
 * client identifier and a relay's MAC of the request with its transaction id
 * from the same device.  Offers, naks and everything else change nothing.
 *
 * Time is the packet time in microseconds.  A lease holds from its start
 * until just before its end; a grant without a lease time lasts
 * default_lease_s; lease times are capped at LEASES_MAX_LEASE_S (infinite
 * ones included), so a forged grant cannot pin an entry for ever.  Memory is
 * bounded by max_entries, allocated at creation: when full, the entry whose
 * leases end soonest is evicted, and evictions are counted.
 *
 * Determinism across worker threads, as in dns_cache.h: the capture thread
 * updates in packet order, workers look up later.  Each change carries the
 * capture sequence number of its packet, and a look-up for packet s ignores
 * the changes made at or after s.  An entry keeps its earlier leases for the
 * look-ups still to come, for as long as the horizon (leases_set_horizon)
 * says one may need them.  Of the changes a look-up may see, the newest that
 * had started by its time decides: a device that moved is found before the
 * move at its old lease, after it at its new one.
 *
 * Thread safety: one writer (leases_update, leases_set_horizon,
 * leases_expire) and any number of readers (leases_lookup, leases_get_stats)
 * may run concurrently; the table locks internally (a reader-writer lock; it
 * is touched per DHCP message and per new flow, never per packet).
 *
 * Privacy: MAC addresses, host names and client identifiers live here in
 * memory only; nothing here logs, writes or sends them.
 */
#ifndef SHADOWTAP_LEASES_H
#define SHADOWTAP_LEASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp.h"
#include "netaddr.h"

#define LEASES_MIN_ENTRIES 16
#define LEASES_MAX_LEASE_S (30u * 86400u) /* longer lease times are held this long */
#define LEASES_DEFAULT_S   3600u          /* default_lease_s when the config says 0 */
#define LEASES_PENDING     64             /* requests remembered for their grants */
#define LEASES_PENDING_S   60u            /* ... for this many seconds */

struct leases_config {
    size_t max_entries;       /* addresses held at once; raised to LEASES_MIN_ENTRIES */
    uint32_t default_lease_s; /* lifetime of a grant that states none; 0: LEASES_DEFAULT_S */
};

/* One lease: who held addr from start_us until before end_us. */
struct lease {
    struct netaddr addr;
    bool has_mac;
    uint8_t mac[6];
    char hostname[DHCP_HOSTNAME_MAX + 1];  /* "" when none was given */
    uint8_t client_id[DHCP_CLIENT_ID_MAX]; /* v4 option 61 or v6 DUID, cut as dhcp.h */
    uint8_t client_id_len;
    uint64_t start_us, end_us; /* packet time */
    uint64_t seq;              /* capture sequence number of the packet that made it */
};

/* What leases_update did. */
enum leases_change {
    LEASES_UNCHANGED = 0,  /* the message changes no lease */
    LEASES_GRANTED,        /* a lease started: a new address, or another device */
    LEASES_RENEWED,        /* the device's lease moved its end (its host name may change) */
    LEASES_RELEASED,       /* the device's lease ended */
    LEASES_NAME_REFRESHED, /* the device's lease took the host name of its request */
};

struct leases_stats {
    size_t entries, entries_peak; /* addresses held; most at once (<= max_entries) */
    size_t versions;              /* earlier leases kept for look-ups still to come */
    size_t memory_bytes;          /* everything the table holds, fixed at creation */
    uint64_t inserted;            /* entries made: addresses taken in */
    uint64_t granted, renewed, released, names_refreshed; /* by enum leases_change */
    uint64_t unchanged;                                   /* messages given that changed nothing */
    uint64_t evicted, expired; /* entries dropped: to make room, or ended */
    /* Earlier leases dropped because every version slot held ones that
     * look-ups to come may need: 0 unless the workers fall far behind. */
    uint64_t versions_dropped;
    uint64_t lookups, hits, misses;
};

struct leases;

/* Allocates the whole table.  Returns NULL on allocation failure, when the
 * kernel gives no random hash key, or for max_entries over 2^24.  Free with
 * leases_free(). */
struct leases *leases_new(const struct leases_config *cfg);
/* Accepts NULL. */
void leases_free(struct leases *t);

/* Applies a parsed DHCP message (dhcp_parse() returned 0) seen at ts_us in
 * the packet with sequence number seq (strictly increasing across calls).
 * Writer only. */
enum leases_change leases_update(struct leases *t, const struct dhcp_message *m, uint64_t ts_us,
                                 uint64_t seq);

/* Tells the table that no look-up to come carries a sequence number below seq
 * (dns_cache_set_horizon).  Earlier leases only look-ups below seq could see
 * are then freed at the next change of their entry.  Writer only. */
void leases_set_horizon(struct leases *t, uint64_t seq);

/* The lease of addr at ts_us for the packet with sequence number seq (see the
 * top): copies it into *out and returns true, or returns false when no lease
 * held addr then. */
bool leases_lookup(struct leases *t, const struct netaddr *addr, uint64_t ts_us, uint64_t seq,
                   struct lease *out);

/* Drops the entries none of whose leases holds at or after now_us.  Writer
 * only; called at the slowest worker's clock, as dns_cache_expire. */
void leases_expire(struct leases *t, uint64_t now_us);

void leases_get_stats(struct leases *t, struct leases_stats *out);

#endif
