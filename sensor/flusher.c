/*
 * flusher.c - merge worker tallies; store them; ride out Redis outages.
 */
#include "flusher.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "spool.h"
#include "tally_notes.h"

#define RETRY_MIN_MS 250
#define RETRY_MAX_MS 30000

struct submission {
    struct submission *next;
    unsigned worker;
    struct tally *tally;
    bool final;
};

struct flusher {
    struct store *store;
    unsigned nworkers;
    pthread_t thread;
    bool started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct submission *inbox_head, *inbox_tail; /* under lock */
    bool finishing;                             /* under lock */
    unsigned finish_timeout_ms;
    /* owned by the thread */
    struct tally *pending;
    uint64_t *rounds_in; /* tallies received per worker */
    bool *finished;
    uint64_t rounds_done;
    unsigned retry_ms;
    struct timespec next_retry;
    time_t outage_since;
    int result;
    struct flusher_stats stats;                       /* under lock for readers */
    struct flusher_health health[FLUSHER_MAX_HEALTH]; /* under lock */
    size_t nhealth;
    bool health_posted;
    /* the cap on cells held for Redis, and where they go past it */
    size_t max_cells;
    char spool_dir[4096];
    char sensor_id[128];
    bool spool_waiting;
    bool warned_spill, warned_cap;
    bool warned_notes;
    bool warned_ai_servers;
};

static struct timespec now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts;
}

static struct timespec after_ms(unsigned ms)
{
    struct timespec ts = now_mono();
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static bool passed(struct timespec t)
{
    struct timespec n = now_mono();
    return n.tv_sec > t.tv_sec || (n.tv_sec == t.tv_sec && n.tv_nsec >= t.tv_nsec);
}

struct flusher *flusher_new(struct store *store, unsigned nworkers)
{
    struct flusher *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->store = store;
    f->nworkers = nworkers;
    f->pending = tally_new();
    f->rounds_in = calloc(nworkers, sizeof(*f->rounds_in));
    f->finished = calloc(nworkers, sizeof(*f->finished));
    if (!f->pending || !f->rounds_in || !f->finished) {
        flusher_free(f);
        return NULL;
    }
    pthread_mutex_init(&f->lock, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&f->cond, &attr);
    pthread_condattr_destroy(&attr);
    f->retry_ms = RETRY_MIN_MS;
    return f;
}

void flusher_free(struct flusher *f)
{
    if (!f)
        return;
    while (f->inbox_head) {
        struct submission *s = f->inbox_head;
        f->inbox_head = s->next;
        tally_free(s->tally);
        free(s);
    }
    tally_free(f->pending);
    free(f->rounds_in);
    free(f->finished);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f);
}

void flusher_submit(struct flusher *f, unsigned worker, struct tally *t, bool final)
{
    struct submission *s;
    /* A few dozen bytes: waiting for them beats losing a tally. */
    while ((s = calloc(1, sizeof(*s))) == NULL) {
        struct timespec pause = {0, 10 * 1000000L};
        nanosleep(&pause, NULL);
    }
    *s = (struct submission){NULL, worker, t, final};
    pthread_mutex_lock(&f->lock);
    if (f->inbox_tail)
        f->inbox_tail->next = s;
    else
        f->inbox_head = s;
    f->inbox_tail = s;
    f->stats.submissions++;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

void flusher_set_spill(struct flusher *f, size_t max_cells, const char *spool_dir,
                       const char *sensor_id, bool spool_waiting)
{
    f->max_cells = max_cells;
    snprintf(f->spool_dir, sizeof(f->spool_dir), "%s", spool_dir ? spool_dir : "");
    snprintf(f->sensor_id, sizeof(f->sensor_id), "%s", sensor_id ? sensor_id : "");
    f->spool_waiting = spool_waiting && f->spool_dir[0];
    f->stats.spool_waiting = f->spool_waiting;
}

static size_t queued_cells(const struct flusher *f)
{
    struct store_stats ss;
    store_get_stats(f->store, &ss);
    return ss.queued_cells;
}

/* Moves every queued batch to a new spool file.  Returns 0, or -1 (logged
 * once; the batches stay queued). */
static int spool_queue(struct flusher *f, const char *why)
{
    size_t batches = store_queued(f->store), cells = queued_cells(f);
    if (batches == 0)
        return 0;
    char path[4200], err[512];
    if (!f->spool_dir[0] || spool_write(f->spool_dir, f->sensor_id, f->store, path, sizeof(path),
                                        err, sizeof(err)) != 0) {
        if (!f->warned_cap)
            log_error("%zu cells wait for Redis, more than redis.max_pending_cells (%zu), but %s: "
                      "they stay in memory",
                      cells, f->max_cells,
                      f->spool_dir[0] ? err : "no spool folder is set (output.spool_dir)");
        f->warned_cap = true;
        pthread_mutex_lock(&f->lock);
        f->stats.spill_failures++;
        pthread_mutex_unlock(&f->lock);
        return -1;
    }
    store_drop_queue(f->store);
    f->spool_waiting = true;
    if (!f->warned_spill)
        log_warning("%s: %zu cells (%zu batches) written to %s; they are stored when Redis "
                    "answers, before newer counts",
                    why, cells, batches, path);
    else
        log_debug("%zu cells (%zu batches) written to %s", cells, batches, path);
    f->warned_spill = true;
    pthread_mutex_lock(&f->lock);
    f->stats.spills++;
    f->stats.spilled_batches += batches;
    f->stats.spilled_cells += cells;
    f->stats.spool_waiting = true;
    pthread_mutex_unlock(&f->lock);
    return 0;
}

static void enqueue_pending(struct flusher *f);

/* Keeps the cells held for Redis within the cap: once the queue and the
 * tally being merged pass it, both go to the spool (a part of a round is as
 * good a batch as a whole one: every counter adds up).  Called after each
 * tally a worker hands over, so only that one tally is ever held beyond. */
static void enforce_cap(struct flusher *f)
{
    if (!f->max_cells || queued_cells(f) + tally_count(f->pending) <= f->max_cells)
        return;
    enqueue_pending(f);
    char why[160];
    snprintf(why, sizeof(why),
             "Redis is away and the counts waiting for it passed "
             "redis.max_pending_cells (%zu)",
             f->max_cells);
    spool_queue(f, why);
}

/* Before anything newer reaches Redis, the spool files: the queue joins them
 * as the newest file, then all are replayed oldest first.  Returns 0, or -1
 * with the reason in err (the files stay). */
static int store_spooled(struct flusher *f, char *err, size_t errlen)
{
    if (!store_is_connected(f->store) && store_connect(f->store, err, errlen) != 0)
        return -1;
    if (spool_queue(f, "Redis answers again; the spool files go first") != 0) {
        snprintf(err, errlen, "cannot spool the queue behind the waiting spool files");
        return -1;
    }
    int n = spool_replay(f->spool_dir, f->sensor_id, f->store, err, errlen);
    if (n < 0)
        return -1;
    f->spool_waiting = false;
    f->warned_spill = false;
    pthread_mutex_lock(&f->lock);
    f->stats.spool_waiting = false;
    pthread_mutex_unlock(&f->lock);
    log_info("Redis answers again: %d spool files stored", n);
    return 0;
}

static void publish_store_stats(struct flusher *f)
{
    struct store_stats ss;
    store_get_stats(f->store, &ss);
    pthread_mutex_lock(&f->lock);
    f->stats.store = ss;
    pthread_mutex_unlock(&f->lock);
}

/* Writes the posted health figures, if any, while Redis is reachable. */
static void write_health(struct flusher *f)
{
    struct flusher_health h[FLUSHER_MAX_HEALTH];
    size_t n = 0;
    pthread_mutex_lock(&f->lock);
    if (f->health_posted) {
        n = f->nhealth;
        memcpy(h, f->health, n * sizeof(h[0]));
        f->health_posted = false;
    }
    pthread_mutex_unlock(&f->lock);
    if (n == 0 || !store_is_connected(f->store))
        return;
    const char *names[FLUSHER_MAX_HEALTH];
    uint64_t values[FLUSHER_MAX_HEALTH];
    for (size_t i = 0; i < n; i++) {
        names[i] = h[i].name;
        values[i] = h[i].value;
    }
    char err[256];
    if (store_write_health(f->store, names, values, n, err, sizeof(err)) != 0)
        log_debug("health figures not written: %s", err);
}

void flusher_post_health(struct flusher *f, const struct flusher_health *h, size_t n)
{
    if (n > FLUSHER_MAX_HEALTH)
        n = FLUSHER_MAX_HEALTH;
    pthread_mutex_lock(&f->lock);
    memcpy(f->health, h, n * sizeof(h[0]));
    f->nhealth = n;
    f->health_posted = true;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

/* Sends what the store has queued; handles outage bookkeeping and back-off. */
static void try_send(struct flusher *f)
{
    char err[512];
    int rc = f->spool_waiting ? store_spooled(f, err, sizeof(err)) : 0;
    if (rc == 0)
        rc = store_send(f->store, err, sizeof(err));
    publish_store_stats(f);
    if (rc == 0) {
        if (f->outage_since) {
            log_warning("Redis is reachable again after %lld s; the counts kept in memory are "
                        "stored",
                        (long long)(time(NULL) - f->outage_since));
            pthread_mutex_lock(&f->lock);
            f->stats.outage_seconds += (uint64_t)(time(NULL) - f->outage_since);
            f->stats.in_outage = false;
            pthread_mutex_unlock(&f->lock);
            f->outage_since = 0;
        }
        f->retry_ms = RETRY_MIN_MS;
        return;
    }
    if (!f->outage_since) {
        f->outage_since = time(NULL);
        log_warning("cannot store counts in Redis (%s); counting in memory and retrying", err);
        pthread_mutex_lock(&f->lock);
        f->stats.outages++;
        f->stats.in_outage = true;
        pthread_mutex_unlock(&f->lock);
    } else {
        log_debug("Redis still unreachable: %s", err);
    }
    f->next_retry = after_ms(f->retry_ms);
    f->retry_ms = f->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : f->retry_ms * 2;
}

static bool round_complete(const struct flusher *f)
{
    for (unsigned i = 0; i < f->nworkers; i++) {
        if (f->rounds_in[i] <= f->rounds_done && !f->finished[i])
            return false;
    }
    return true;
}

static bool all_finished(const struct flusher *f)
{
    for (unsigned i = 0; i < f->nworkers; i++) {
        if (!f->finished[i])
            return false;
    }
    return true;
}

static void enqueue_pending(struct flusher *f)
{
    const struct tally_notes *notes = tally_notes_peek(f->pending);
    if (tally_notes_dropped(notes) && !f->warned_notes) {
        log_warning("more host names of unclassified flows than a flush keeps (%u): the flows "
                    "beyond are counted under \"overflow\" among the names counted apart, not "
                    "as candidate services (counts are not affected)",
                    TALLY_NOTES_MAX_UNKNOWN);
        f->warned_notes = true;
    }
    if (tally_notes_ai_servers_dropped(notes) && !f->warned_ai_servers) {
        log_warning("more model servers inside than a flush keeps (%u (day, server, port, api, "
                    "department) entries): flows beyond are not in internal_ai_servers (counts "
                    "are not affected)",
                    TALLY_AI_SERVERS_MAX);
        f->warned_ai_servers = true;
    }
    if (tally_count(f->pending) == 0 && tally_notes_count(notes) == 0)
        return;
    if (store_enqueue(f->store, f->pending) != 0) {
        log_error("out of memory while preparing a flush; counts stay in memory");
        return;
    }
    tally_clear(f->pending);
}

static void *flusher_main(void *arg)
{
    struct flusher *f = arg;
    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!f->inbox_head && !f->health_posted && !(f->finishing && all_finished(f))) {
            if (store_queued(f->store) > 0) {
                if (pthread_cond_timedwait(&f->cond, &f->lock, &f->next_retry) == ETIMEDOUT)
                    break;
            } else {
                pthread_cond_wait(&f->cond, &f->lock);
            }
        }
        struct submission *list = f->inbox_head;
        f->inbox_head = f->inbox_tail = NULL;
        bool finishing = f->finishing;
        pthread_mutex_unlock(&f->lock);

        while (list) {
            struct submission *s = list;
            list = s->next;
            if (tally_merge(f->pending, s->tally) != 0) {
                pthread_mutex_lock(&f->lock);
                f->stats.merge_failures++;
                pthread_mutex_unlock(&f->lock);
            }
            f->rounds_in[s->worker]++;
            if (s->final)
                f->finished[s->worker] = true;
            tally_free(s->tally);
            free(s);
            enforce_cap(f);
        }
        bool round = round_complete(f);
        if (round) {
            f->rounds_done++;
            enqueue_pending(f);
            pthread_mutex_lock(&f->lock);
            f->stats.rounds++;
            pthread_mutex_unlock(&f->lock);
        }
        if ((store_queued(f->store) > 0 || f->spool_waiting) && (round || passed(f->next_retry)))
            try_send(f);
        write_health(f);

        pthread_mutex_lock(&f->lock);
        f->stats.pending_cells = tally_count(f->pending);
        size_t held = f->stats.pending_cells + queued_cells(f);
        if (held > f->stats.pending_cells_peak)
            f->stats.pending_cells_peak = held;
        if (finishing && all_finished(f) && !f->inbox_head) {
            pthread_mutex_unlock(&f->lock);
            enqueue_pending(f);
            struct timespec deadline = after_ms(f->finish_timeout_ms);
            while ((store_queued(f->store) > 0 || f->spool_waiting) && !passed(deadline)) {
                try_send(f);
                if (store_queued(f->store) == 0 && !f->spool_waiting)
                    break;
                struct timespec pause = {0, 200 * 1000000L};
                nanosleep(&pause, NULL);
            }
            f->result =
                store_queued(f->store) > 0 || tally_count(f->pending) > 0 || f->spool_waiting ? 1
                                                                                              : 0;
            return NULL;
        }
    }
}

int flusher_start(struct flusher *f)
{
    if (pthread_create(&f->thread, NULL, flusher_main, f) != 0)
        return -1;
    pthread_setname_np(f->thread, "st-flusher"); /* names show in top -H and perf */
    f->started = true;
    return 0;
}

int flusher_finish(struct flusher *f, unsigned timeout_ms)
{
    pthread_mutex_lock(&f->lock);
    f->finishing = true;
    f->finish_timeout_ms = timeout_ms;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    if (f->started) {
        pthread_join(f->thread, NULL);
        f->started = false;
    }
    return f->result;
}

void flusher_get_stats(struct flusher *f, struct flusher_stats *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->stats;
    pthread_mutex_unlock(&f->lock);
}
