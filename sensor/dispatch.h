/*
 * dispatch.h - the capture thread's step for one packet: from the captured
 * bytes to the worker that owns its flow.
 *
 *   decode -> ports for later fragments (fragment.h) -> DNS answers into the
 *   DNS cache -> STUN requests into the peers table -> flow key and symmetric
 *   hash -> the worker hash % nworkers, with the packet's sequence number
 *
 * and, once a second of packet time, a tick to every worker, after which DNS
 * answers expire at the slowest worker's clock (worker_clock): workers look
 * answers up for packets the capture thread passed long ago.
 *
 * The sensor delivers to each worker's ring (worker_send_packet, _tick) and the
 * workers run in their own threads; tests and fuzz targets run the workers in
 * the calling thread (worker_feed_packet, _tick).  The way is chosen once, at
 * creation; the per-packet cost of the choice is one predictable branch.
 *
 * Nothing is allocated, locked or formatted per packet.  A dispatch belongs to
 * one thread (the capture thread): it is not thread-safe.
 */
#ifndef SHADOWTAP_DISPATCH_H
#define SHADOWTAP_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "decode.h"

struct leases;

struct dns_cache;
struct peers;
struct rules;
struct worker;

enum dispatch_delivery {
    DISPATCH_TO_RINGS, /* worker_send_*: each worker runs in its own thread */
    DISPATCH_IN_THREAD /* worker_feed_*: the caller's thread does the workers' work */
};

/* What the capture thread saw, counted in the statistics as "packets" and "dns". */
struct dispatch_stats {
    uint64_t packets, bytes;              /* handed to dispatch_packet; bytes on the wire */
    uint64_t decode[DECODE_STATUS_COUNT]; /* by decode status; only DECODE_OK goes on */
    uint64_t fragments_unmatched;         /* later fragments before their first one */
    uint64_t dns_responses;               /* DNS messages from port 53 read */
    uint64_t dns_answers;                 /* addresses they named, into the DNS cache */
    uint64_t dns_errors;                  /* messages the DNS parser refused */
    uint64_t dhcp_messages;               /* DHCP and DHCPv6 messages read (ports 67/68, 546/547) */
    uint64_t dhcp_errors;                 /* messages the DHCP parser refused */
    uint64_t dhcp_changes;                /* leases granted, renewed, released or renamed */
};

struct dispatch;

/* Creates the step with its own fragment table.  dns may be NULL: DNS answers
 * are then not read.  peers must not be NULL.  Both are shared with the
 * workers and stay the caller's.  NULL on allocation failure. */
struct dispatch *dispatch_new(struct dns_cache *dns, struct peers *peers,
                              enum dispatch_delivery delivery);
/* Frees the step and its fragment table; accepts NULL.  The workers, DNS cache
 * and peers table are not touched. */
void dispatch_free(struct dispatch *d);

/* The table of devices that used an encrypted-DNS resolver (a peers table,
 * noted under port 0 with the resolver as the server); the rules' resolvers
 * (resolvers.h) say which flows those are.  NULL (the default): not noted. */
void dispatch_set_dns_bypass(struct dispatch *d, struct peers *table);

/* The lease table DHCP and DHCPv6 messages go into (classify/leases.h),
 * shared with the workers; NULL (the default): DHCP is not read. */
void dispatch_set_leases(struct dispatch *d, struct leases *leases);

/* The rules whose catalog names the services of STUN realms (peers.h); the
 * caller keeps them alive until it sets others.  NULL (the default): realms are
 * not read. */
void dispatch_set_rules(struct dispatch *d, const struct rules *rules);

/* The workers to deliver to, n >= 1; set before the first packet.  The array is
 * the caller's and must outlive the step. */
void dispatch_set_workers(struct dispatch *d, struct worker *const *workers, unsigned n);

/* One captured frame: counted, decoded, and delivered to its flow's worker if
 * it decodes.  A tick goes to every worker when a second of packet time has
 * passed since the last (the first packet only starts the clock). */
void dispatch_packet(struct dispatch *d, const struct capture_packet *cp);

/* A tick to every worker at now_us (live, when no packets come), then DNS
 * answers expire up to the slowest worker's clock. */
void dispatch_tick(struct dispatch *d, uint64_t now_us);

/* The capture thread's clock: the time of the last packet or tick, 0 before
 * any.  What the workers are told at the end (worker_send_stop). */
uint64_t dispatch_clock(const struct dispatch *d);

/* The counters; valid while d lives, read from the capture thread. */
const struct dispatch_stats *dispatch_get_stats(const struct dispatch *d);

/* The DNS message a decoded packet from port 53 carries: the UDP payload, or
 * over TCP the message after its 2-byte length when the segment holds it
 * whole.  True with *msg and *len set (*len may be below a DNS header over
 * TCP); false for other packets, payloads under 12 bytes, and cut messages. */
bool dispatch_dns_message(const struct packet *p, const uint8_t **msg, size_t *len);

#endif
