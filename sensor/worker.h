/*
 * worker.h - a worker thread: flows, DPI, classification and tallies for the
 * packets the capture thread sends it.
 *
 * The capture thread sends each packet to the worker chosen by the symmetric
 * hash of its flow key, so both directions of a flow meet in one worker and a
 * worker owns its flows, its nDPI module and its tally outright: no locks on
 * the packet path.  Besides packets, the ring carries control records that take
 * effect exactly between two packets, in capture order:
 *
 *   TICK   the time is now T (expire idle flows even when no packets come)
 *   FLUSH  hand the tally over to the flusher and start a new one
 *   RULES  switch to a new rule set (the worker drops its reference to the old)
 *   STOP   end every flow, hand over the last tally, exit
 *
 * Shared, read-only or internally locked: the rule set (reference-counted), the
 * DNS cache (classify/dns_cache.h), the flow log, the pseudonym key.
 */
#ifndef SHADOWTAP_WORKER_H
#define SHADOWTAP_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "dns_cache.h"
#include "dpi.h"
#include "peers.h"
#include "flow.h"
#include "flowlog.h"
#include "flusher.h"
#include "rules.h"
#include "siphash.h"

struct geo;

struct worker_config {
    uint32_t max_flows;
    struct flow_timeouts timeouts;
    struct dpi_limits dpi;
    size_t ring_bytes;
    const char *sensor_id;
    struct siphash_key device_key;
    /* Devices that used an encrypted-DNS resolver, noted by the capture thread
     * under port 0 (dispatch.h); NULL: not looked at. */
    struct peers *dns_bypass;
    /* DHCP leases the capture thread keeps (classify/leases.h): the device
     * behind a client address, for departments' DHCP rules; NULL: none. */
    struct leases *leases;
    /* The names devices give themselves (DHCP, NetBIOS, mDNS, LLMNR) often
     * name a person: kept out of the flow log unless this is set. */
    bool log_device_names;
};

struct worker_stats {
    uint64_t packets, bytes;
    uint64_t flows_created, flows_ended[FLOW_END_REASON_COUNT];
    uint64_t flows_internal, flows_classified, flows_unclassified;
    uint64_t dpi_decided, dpi_gave_up, dpi_refused;
    uint64_t dns_named_flows;
    uint64_t tally_failures, flowlog_errors;
    uint64_t ring_waits;
    uint32_t flows_active, flows_peak;
    /* Flows whose service is not decided yet, and the bytes they carried: in
     * no tally until the decision (a SIGKILL loses them, docs/operations.md). */
    uint64_t flows_undecided, bytes_undecided;
    size_t flow_memory, tally_cells;
};

struct worker;

/* Creates a worker (not yet running).  The worker takes a reference to rules.
 * dns, peers, log and geo may be NULL.  Create workers from one thread: nDPI's module set-up
 * is not thread-safe. */
struct worker *worker_new(unsigned id, const struct worker_config *cfg, struct rules *rules,
                          struct dns_cache *dns, struct peers *peers, struct flowlog *log,
                          struct flusher *flusher, const struct geo *geo);
int worker_start(struct worker *w);
/* Waits for the thread to end (after worker_send_stop). */
void worker_join(struct worker *w);
void worker_free(struct worker *w);

/* Capture-thread side.  The packet's bytes from p->l3 are copied into the ring.
 * seq numbers packets in capture order. */
void worker_send_packet(struct worker *w, const struct packet *p, const struct flow_key *key,
                        bool from_1, uint64_t hash, uint64_t ts_us, uint64_t seq);
void worker_send_tick(struct worker *w, uint64_t now_us);
void worker_send_flush(struct worker *w);
/* Passes one reference to rules to the worker. */
void worker_send_rules(struct worker *w, struct rules *rules);
/* Ends the worker: flows idle at now_us (the capture thread's clock, the same
 * for every worker) end as idle, the others as shut down; then the last tally
 * goes to the flusher and the thread ends. */
void worker_send_stop(struct worker *w, uint64_t now_us);

/* The same work without a thread, in the caller's thread, for tests and fuzz
 * targets: worker_feed_packet handles one packet as the thread would (the
 * worker must not be started); worker_feed_tick expires flows; worker_finish
 * ends every flow and hands the tally to the flusher as the final one. */
void worker_feed_packet(struct worker *w, const struct packet *p, const struct flow_key *key,
                        bool from_1, uint64_t hash, uint64_t ts_us, uint64_t seq);
void worker_feed_tick(struct worker *w, uint64_t now_us);
void worker_finish(struct worker *w, uint64_t now_us);

/* The packet time the worker has reached: the time of the last packet or tick
 * it processed, or UINT64_MAX when it has processed everything sent to it.
 * The capture thread expires shared state (DNS answers) only up to the slowest
 * worker's time, since it runs ahead of them. */
uint64_t worker_clock(struct worker *w);

/* The lowest sequence number a look-up the worker has still to make can carry
 * (its DNS and STUN look-ups are for packets it has not handled yet): the
 * sequence number after the last packet it handled, or next_seq (the number
 * the capture thread gives its next packet) when it has handled everything
 * sent to it.  The capture thread tells the shared tables the lowest over all
 * workers (dns_cache_set_horizon, peers_set_horizon), so that they keep every
 * older version those look-ups may see. */
uint64_t worker_horizon(struct worker *w, uint64_t next_seq);

/* A snapshot of the worker's counters; safe from any thread (values are read
 * with relaxed atomics and may be a moment old). */
void worker_get_stats(struct worker *w, struct worker_stats *out);

#endif
