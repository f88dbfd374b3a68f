/*
 * stats.h - what the sensor saw, lost and did, as one JSON object.
 *
 * Written to the --stats file every interval and at exit (to a temporary name,
 * then renamed, so a reader never sees half a file), and summarised in one log
 * line.  Field reference: docs/operations.md.
 */
#ifndef SHADOWTAP_STATS_H
#define SHADOWTAP_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "dispatch.h"
#include "dns_cache.h"
#include "leases.h"
#include "flusher.h"
#include "store.h"
#include "worker.h"

struct stats_view {
    const char *sensor_id;
    const char *source; /* file or interfaces */
    bool live;
    uint64_t started_unix, now_unix;
    const struct capture_counters *capture;
    const struct dispatch_stats *dispatch; /* the capture thread's packet step */
    uint64_t reloads, reload_failures;     /* of the rules, on SIGHUP */
    uint64_t feed_entries;                 /* assignment feed entries in use */
    uint64_t feed_reloads, feed_failures;  /* reads of a changed feed file */
    const struct worker_stats *workers;
    unsigned nworkers;
    const struct dns_cache_stats *dns;
    const struct leases_stats *leases; /* NULL when DHCP is not read */
    uint64_t stun_notes, stun_notes_dropped; /* the STUN peers table (peers.h) */
    const struct store_stats *store;
    const struct flusher_stats *flusher;
    uint64_t dpi_memory, dpi_memory_peak, dpi_refused;
    uint64_t flowlog_lines, flowlog_errors;
};

/* Writes the view as JSON to path atomically.  Returns 0, or -1 (errno set). */
int stats_write_file(const char *path, const struct stats_view *v);
/* One human line for the log. */
void stats_log_line(const struct stats_view *v, char *buf, size_t len);

/* The health figures (packets, drops, flows, evictions, flush latency, spool
 * backlog, last successful flush, ...) as name/value pairs for the sensor's
 * Redis hash.  Returns how many were written (at most max). */
size_t stats_health(const struct stats_view *v, struct flusher_health *out, size_t max);
/* The same figures in Prometheus text exposition format, labelled with the
 * sensor id.  The caller frees the text; NULL on allocation failure. */
char *stats_prometheus(const struct stats_view *v);

#endif
