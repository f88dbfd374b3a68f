/*
 * flusher.h - the thread that gathers the workers' tallies and stores them.
 *
 * Workers hand over their whole tally at each flush marker and at the end.  The
 * flusher merges what it receives into one pending tally; when every worker has
 * handed over its tally for a round, the pending cells become store batches
 * (report/store.h) and are sent.  If Redis is away, batches stay queued and
 * new tallies keep merging in memory; the flusher retries with capped
 * exponential back-off, and logs the outage once when it begins and once when
 * it ends.
 *
 * Memory while Redis is away is bounded (flusher_set_spill): when the cells
 * waiting in memory would pass the cap, the queued batches, oldest first, go
 * to a spool file (report/spool.h) and leave memory.  When Redis answers
 * again, the spool files are stored first, in the order they were written,
 * and only then what came after them, so every batch reaches Redis in
 * sequence order and none is skipped as "already applied".  Nothing is
 * dropped: without a spool folder, or if writing fails, the counts stay in
 * memory past the cap and an error says so.
 */
#ifndef SHADOWTAP_FLUSHER_H
#define SHADOWTAP_FLUSHER_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "tally.h"

struct flusher_stats {
    uint64_t rounds, submissions, merge_failures;
    uint64_t outages, outage_seconds;
    bool in_outage;
    size_t pending_cells;
    size_t pending_cells_peak; /* most cells held for Redis at once (queued and merged) */
    uint64_t spills, spilled_batches, spilled_cells; /* moved to spool files past the cap */
    uint64_t spill_failures;  /* cap passed but nothing could be spooled: kept in memory */
    bool spool_waiting;       /* spool files wait for Redis */
    struct store_stats store; /* the store's figures after the last send */
};

/* One figure for the sensor's health hash in Redis. */
struct flusher_health {
    char name[48];
    uint64_t value;
};

struct flusher;

/* The flusher uses store but does not own it.  NULL on allocation failure. */
struct flusher *flusher_new(struct store *store, unsigned nworkers);
void flusher_free(struct flusher *f);
/* Caps the cells held in memory for Redis at max_cells (0: no cap) by writing
 * the queue to spool files in spool_dir ("" for none) under sensor_id;
 * spool_waiting says files of an earlier run are already waiting there (they
 * are stored before anything newer).  Call before flusher_start; the strings
 * are copied. */
void flusher_set_spill(struct flusher *f, size_t max_cells, const char *spool_dir,
                       const char *sensor_id, bool spool_waiting);
int flusher_start(struct flusher *f);

/* Hands a tally over (the flusher frees it).  Thread-safe.  final marks the
 * worker's last tally. */
void flusher_submit(struct flusher *f, unsigned worker, struct tally *t, bool final);

/* Waits until every worker has sent its final tally, then tries to store
 * everything for up to timeout_ms.  Stops the thread.  Returns 0 when every
 * count is in Redis, 1 when some remain queued in the store (the caller spools
 * them). */
int flusher_finish(struct flusher *f, unsigned timeout_ms);

void flusher_get_stats(struct flusher *f, struct flusher_stats *out);

/* Hands the latest health figures to the flusher, which writes them to the
 * hash shadowtap:sensor:<id>:health when it next talks to Redis (the flusher
 * owns the connection).  Thread-safe; n <= FLUSHER_MAX_HEALTH. */
#define FLUSHER_MAX_HEALTH 48
void flusher_post_health(struct flusher *f, const struct flusher_health *h, size_t n);

#endif
