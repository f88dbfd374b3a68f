/*
 * store.h - tallies into Redis, each exactly once.
 *
 * A flush turns a tally into batches of at most cells_per_batch cells.  Each
 * batch is applied by one Lua script call (loaded once, called by SHA), which
 * is atomic in Redis and checks the batch's sequence number against the
 * sensor's last applied one (schema_key_sensor(), field schema_field_seq):
 *
 *   seq <= last          already applied (a retry after a lost reply): skipped
 *   prev != last         an earlier batch is missing: refused, resent in order
 *   otherwise            applied, and last := seq
 *
 * A batch gets its sequence number when first sent and keeps it until Redis
 * has acknowledged it, so no retry can count it twice.  Numbers start above
 * both the wall clock in microseconds and the last one Redis holds, so they
 * keep growing across restarts.  Batches are pipelined; a refused one and those
 * behind it are resent after the gap is filled.
 *
 * Batches not yet acknowledged stay queued in the store across failures; the
 * caller decides when to retry, and can write the queue to a spool file.
 *
 * The script also raises the events of docs/events.md (new services, use of
 * unsanctioned ones, upload spikes) in the same atomic step, so an event exists
 * exactly when its batch was applied; they go to the Redis stream and, through
 * on_event, to the caller.
 *
 * The Redis schema is documented in docs/redis-schema.md and named in code
 * only by schema.h.  Not thread-safe: one thread (the flusher) owns a store.
 */
#ifndef SHADOWTAP_STORE_H
#define SHADOWTAP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redis_conn.h"
#include "tally.h"

/* Host names of unclassified flows kept per month (schema_key_unmatched(), of
 * sensors before the candidate services), those with the most bytes. */
#define STORE_UNMATCHED_MAX 1000
/* Candidate services kept per month (schema_key_unknown()), those with the
 * most bytes; a domain trimmed out leaves its counts in the apart hash.  And
 * the host names kept per candidate domain. */
#define STORE_UNKNOWN_DOMAINS_MAX 1000
#define STORE_UNKNOWN_HOSTS_MAX   20
/* Other customers' tenants named per month and service (the most bytes kept;
 * the rest stay in the "other" counters, unnamed). */
#define STORE_TENANT_NAMES_MAX 500

/* An event the flush script raised while applying a batch (docs/events.md).
 * The strings live only during the callback. */
struct store_event {
    const char *action; /* "service-first-seen", "service-first-seen-in-department",
                           "unsanctioned-use", "upload-spike" */
    const char *department;
    const char *service;
    const char *status; /* policy status when counted */
    const char *hour;   /* YYYY-MM-DDTHH of the traffic */
    const char *value;  /* first-seen second, bytes uploaded, or the hour's upload total */
};

typedef void (*store_event_fn)(void *ctx, const struct store_event *e);

struct store_config {
    struct redis_target target;
    char sensor_id[128];
    /* Day keys expire this long after their day, month keys this long after
     * their month; a day or month already past it when the run began, this
     * long after the run's start (an old capture's report stays readable);
     * 0 = never. */
    uint32_t day_retention_days;
    uint32_t month_retention_days;
    uint32_t cells_per_batch;  /* >= 1 */
    uint64_t upload_threshold; /* bytes per department, service and hour; 0 = no event */
    /* bytes per department and hour uploaded to other customers' tenants of
     * one sanctioned service; 0 = no event */
    uint64_t other_tenant_threshold;
    uint32_t stream_maxlen;  /* approximate length kept of schema_key_events */
    store_event_fn on_event; /* called for each event of an applied batch; may be NULL */
    void *event_ctx;
};

struct store_stats {
    uint64_t batches_applied, batches_duplicate, batches_refused, cells_applied;
    uint64_t connects, connect_failures, flush_failures;
    uint64_t last_flush_unix; /* last time the queue was emptied, 0 if never */
    uint64_t last_flush_latency_us;
    size_t queued_batches, queued_cells;
};

struct store;

struct store *store_new(const struct store_config *cfg);
void store_free(struct store *s);

/* Connects (or reconnects) and loads the script.  Returns 0, or -1 with the
 * reason in err. */
int store_connect(struct store *s, char *err, size_t errlen);
bool store_is_connected(const struct store *s);
/* Drops the connection (used when a command failed, and by tests). */
void store_disconnect(struct store *s);

/* Turns every cell of t, and its notes (tally_notes.h), into queued batches
 * (t is left unchanged; the caller clears it).  Returns 0, or -1 on allocation
 * failure. */
int store_enqueue(struct store *s, const struct tally *t);
/* Sends queued batches until the queue is empty (0) or a failure (-1, reason in
 * err; the unacknowledged batches stay queued and the connection is dropped
 * when it is the cause). */
int store_send(struct store *s, char *err, size_t errlen);
size_t store_queued(const struct store *s);

void store_get_stats(const struct store *s, struct store_stats *out);

/* Writes figures to the hash schema_key_sensor_health() (HSET, with the
 * field schema_field_updated set to now).  Returns 0, or -1 with the reason in err (the
 * connection is dropped if it failed). */
int store_write_health(struct store *s, const char *const *names, const uint64_t *values, size_t n,
                       char *err, size_t errlen);

/* The flush script as the store loads it: the schema's Lua preamble
 * (schema_lua_preamble()), then report/store/store_script.lua.  For tools and
 * tests that call it with EVAL.  The caller frees it; NULL when out of
 * memory. */
char *store_script_source(void);

/* Serialized batches, for the spool: each batch as its argument vector. */
struct store_batch;
typedef int (*store_batch_fn)(void *ctx, uint64_t seq, uint64_t prev, int argc,
                              const char *const *argv, const size_t *argvlen);
/* Calls fn for every queued batch, oldest first. */
int store_each_queued(const struct store *s, store_batch_fn fn, void *ctx);
/* Queues a batch read back from a spool (argv as given to fn above). */
int store_enqueue_raw(struct store *s, uint64_t seq, uint64_t prev, int argc,
                      const char *const *argv, const size_t *argvlen);
/* Gives every queued batch without a sequence number its number now (before
 * spooling, so a replayed file always carries the same numbers). */
void store_assign_seqs(struct store *s);
/* Forgets every queued batch (after spooling them). */
void store_drop_queue(struct store *s);

#endif
