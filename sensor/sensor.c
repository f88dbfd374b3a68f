/*
 * sensor.c - start-up, the capture loop, and shutdown.
 *
 * sensor_run is the list of the phases, in order.  Start-up order matters:
 * rules and configuration are checked first (exit 2 on any error), the capture
 * handles are opened next (the step that needs root), then the files that may
 * belong to root: the device key is read (and created), the flow log and events
 * file opened, the spool folder created for the user to come.  Privileges are
 * dropped before any thread is started, and only then are Redis, spool files
 * and packets touched.  Spool files from an earlier run are replayed before the
 * first packet so that counts reach Redis in order.  The statistics file is
 * written once before the first packet: it is rewritten by rename, so its
 * folder must be writable by the user the sensor runs as, and a sensor that
 * cannot report its losses does not start.
 *
 * What the capture thread does with each packet is dispatch.c's.  Live, signals
 * are handled by the capture thread alone (the other threads block them), so a
 * stop interrupts its poll at once; the packets the kernel had already taken
 * are read before the pipeline is taken down.
 */
#include "sensor.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "daemon.h"
#include "dispatch.h"
#include "dns_cache.h"
#include "dpi.h"
#include "events.h"
#include "flowlog.h"
#include "flusher.h"
#include "geo.h"
#include "leases.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "privdrop.h"
#include "quic.h"
#include "unknown.h"
#include "pseudonym.h"
#include "rules.h"
#include "spool.h"
#include "schema.h"
#include "stats.h"
#include "store.h"
#include "worker.h"

struct sensor_signals sensor_signals;

#define STOP_DRAIN_MS 2000 /* live: longest read of the backlog after a stop */
/* STUN endpoints remembered for call media (peers.h): a call's media follows its
 * STUN exchange within seconds; an hour covers calls whose path is renegotiated. */
#define PEER_SLOTS      65536
#define PEER_LIFETIME_S 3600
/* Devices that used encrypted DNS: a flow of theirs nothing names is said to
 * be hidden by it for a day after each new connection to a resolver
 * (docs/reports.md, visibility).  A browser set to DoH keeps one connection
 * open for hours, so an hour would forget most of them. */
#define DNS_BYPASS_SLOTS      16384
#define DNS_BYPASS_LIFETIME_S 86400

struct sensor {
    const struct sensor_config *cfg;
    struct rules *rules;
    struct capture *capture;
    struct siphash_key device_key;
    struct dns_cache *dns;
    struct leases *leases; /* DHCP leases, NULL when dhcp.max_leases is 0 */
    struct peers *peers;
    struct peers *dns_bypass; /* devices that used encrypted DNS (port 0 notes) */
    struct dispatch *dispatch;
    struct geo *geo;
    struct flowlog *flowlog;
    struct events *events;
    struct store *store;
    struct flusher *flusher;
    struct metrics *metrics;
    struct worker **workers;
    unsigned nworkers;
    unsigned started; /* worker threads running */
    uint64_t reloads, reload_failures;
    struct assignments_stamp feed_stamp; /* the feed file when last read */
    /* The feed's Redis hash: read through a connection of the capture
     * thread's own (the store's belongs to the flusher), installed when what
     * it holds changed (feed_digest: SipHash of its fields; 0: install the
     * next read). */
    struct redis_target feed_target;
    bool feed_target_ok;
    redisContext *feed_redis;
    uint64_t feed_digest;
    struct assignments_hash_counts feed_counts;
    uint64_t feed_reloads, feed_failures; /* reads of a changed feed file */
    uint64_t started_unix;
    bool spool_waiting; /* spool files an earlier run left are not stored yet */
    char sensor_id[128];
};

static uint64_t wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* For intervals of seconds: the coarse clock is a few milliseconds behind but
 * costs a few nanoseconds, cheap enough to read per packet when live. */
static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Hands a new rule set to every part that reads one; the old set goes when
 * the last of them lets go. */
static void install_rules(struct sensor *s, struct rules *r)
{
    for (unsigned i = 0; i < s->nworkers; i++)
        worker_send_rules(s->workers[i], rules_retain(r));
    dispatch_set_rules(s->dispatch, r);
    rules_release(s->rules);
    s->rules = r;
    if (s->events)
        events_set_rules(s->events, r);
}

/* The rules folder and the assignment feed, as one set.  The feed's stamp is
 * taken before it is read, so that a file changed during the read is read
 * again by the next check_feed. */
static struct rules *read_rules(struct sensor *s, struct diag *d)
{
    const char *feed = s->cfg->departments_assignments;
    if (feed[0])
        assignments_stamp_update(feed, &s->feed_stamp);
    return rules_load_with(s->cfg->rules_dir, feed, d);
}

static void reload_rules(struct sensor *s)
{
    struct diag d;
    diag_init(&d);
    struct rules *r = read_rules(s, &d);
    if (!r) {
        diag_log(&d);
        if (s->cfg->departments_assignments[0])
            log_error("rules in %s or the assignment feed %s have errors; keeping the rules in use",
                      s->cfg->rules_dir, s->cfg->departments_assignments);
        else
            log_error("rules in %s have errors; keeping the rules in use", s->cfg->rules_dir);
        s->reload_failures++;
        diag_free(&d);
        return;
    }
    diag_free(&d);
    install_rules(s, r);
    s->feed_digest = 0; /* the new set has no hash table: read it again */
    s->reloads++;
    log_info("rules reloaded from %s: %zu services, %zu departments", s->cfg->rules_dir,
             catalog_count(r->catalog), departments_count(r->departments));
}

/* At each flush interval: the assignment feed file, read again when it changed
 * since it was last read (docs/rules.md).  A good one goes to the workers in a
 * set that shares the rules in use; one with errors is logged once (it is not
 * read again until it changes) and the feed in use is kept. */
static void check_feed(struct sensor *s)
{
    const char *feed = s->cfg->departments_assignments;
    if (!feed[0] || !assignments_stamp_update(feed, &s->feed_stamp))
        return;
    struct diag d;
    diag_init(&d);
    struct assignments *a = assignments_load(feed, s->rules->departments, &d);
    size_t entries = assignments_count(a);
    struct rules *r =
        a ? rules_with_assignments(s->rules, a, assignments_retain(s->rules->assignments_hash))
          : NULL;
    if (r) {
        install_rules(s, r);
        s->feed_reloads++;
        log_info("assignment feed %s read again: %zu entries", feed, entries);
    } else {
        diag_log(&d);
        log_error("assignment feed %s %s; keeping the %zu entries in use", feed,
                  a ? "cannot be used (out of memory)" : "has errors",
                  assignments_count(s->rules->assignments));
        s->feed_failures++;
    }
    diag_free(&d);
}

/* The fields of an HGETALL reply, and their digest; NULL out of memory. */
static struct assignments_field *hash_fields(const struct sensor *s, const redisReply *r, size_t *n,
                                             uint64_t *digest)
{
    struct assignments_field *f = calloc(r->elements / 2 + 1, sizeof(*f));
    *n = 0;
    *digest = 1;
    for (size_t i = 0; f && i + 1 < r->elements; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        f[(*n)++] = (struct assignments_field){k->str, k->len, v->str, v->len};
        /* order-independent: Redis may list a hash in any order */
        *digest += siphash24(&s->device_key, k->str, k->len) ^
                   (siphash24(&s->device_key, v->str, v->len) * 0x9e3779b97f4a7c15ULL);
    }
    return f;
}

/* At each flush interval: the assignment feed's Redis hash, which an
 * organisation's own script keeps (docs/rules.md).  Installed in a set that
 * shares the rules in use when it changed; Redis away: the table in use is
 * kept.  Skipped fields are counted and logged when their counts change,
 * never named. */
static void check_feed_hash(struct sensor *s)
{
    char err[256];
    if (!s->feed_target_ok)
        return;
    if (!s->feed_redis &&
        !(s->feed_redis = redis_target_connect(&s->feed_target, err, sizeof(err))))
        return;
    redisReply *r = redisCommand(s->feed_redis, "HGETALL %s", schema_key_assignments);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        redisFree(s->feed_redis); /* connect again next time */
        s->feed_redis = NULL;
        return;
    }
    size_t n;
    uint64_t digest;
    struct assignments_field *fields = hash_fields(s, r, &n, &digest);
    struct assignments_hash_counts counts = {0};
    struct assignments *a = fields && digest != s->feed_digest
                                ? assignments_from_hash(s->rules->departments, fields, n, &counts)
                                : NULL;
    struct rules *nr =
        a ? rules_with_assignments(s->rules, assignments_retain(s->rules->assignments), a) : NULL;
    if (nr) {
        install_rules(s, nr);
        s->feed_digest = digest;
        char line[256];
        if (memcmp(&counts, &s->feed_counts, sizeof(counts)) != 0 &&
            assignments_hash_describe(&counts, schema_key_assignments, line, sizeof(line)))
            log_warning("%s", line);
        s->feed_counts = counts;
    }
    free(fields);
    freeReplyObject(r);
}

/* ---- statistics ---- */

/* A stats_view and the figures it points to, gathered from every part. */
struct view {
    struct stats_view v;
    struct worker_stats *workers; /* freed by the caller */
    struct capture_counters capture;
    struct dns_cache_stats dns;
    struct leases_stats leases;
    struct store_stats store;
    struct flusher_stats flusher;
};

/* Returns -1 when out of memory. */
static int collect_view(struct sensor *s, struct view *g, bool threads_done)
{
    g->workers = calloc(s->nworkers, sizeof(*g->workers));
    if (!g->workers)
        return -1;
    memset(&g->dns, 0, sizeof(g->dns));
    memset(&g->store, 0, sizeof(g->store));
    struct stats_view *v = &g->v;
    memset(v, 0, sizeof(*v));
    for (unsigned i = 0; i < s->nworkers; i++)
        worker_get_stats(s->workers[i], &g->workers[i]);
    capture_get_counters(s->capture, &g->capture);
    if (s->dns)
        dns_cache_get_stats(s->dns, &g->dns);
    if (s->leases)
        leases_get_stats(s->leases, &g->leases);
    flusher_get_stats(s->flusher, &g->flusher);
    /* The store belongs to the flusher thread: while it runs, use the copy it
     * publishes after each send. */
    if (threads_done)
        store_get_stats(s->store, &g->store);
    else
        g->store = g->flusher.store;
    v->sensor_id = s->sensor_id;
    v->source = s->cfg->read_file[0] ? s->cfg->read_file : s->cfg->interfaces;
    v->live = capture_is_live(s->capture);
    v->started_unix = s->started_unix;
    v->now_unix = (uint64_t)time(NULL);
    v->capture = &g->capture;
    v->dispatch = dispatch_get_stats(s->dispatch);
    v->reloads = s->reloads;
    v->stun_notes = peers_notes(s->peers);
    v->stun_notes_dropped = peers_dropped(s->peers);
    v->reload_failures = s->reload_failures;
    v->feed_entries =
        assignments_count(s->rules->assignments) + assignments_count(s->rules->assignments_hash);
    v->feed_reloads = s->feed_reloads;
    v->feed_failures = s->feed_failures;
    v->workers = g->workers;
    v->nworkers = s->nworkers;
    v->dns = s->dns ? &g->dns : NULL;
    v->leases = s->leases ? &g->leases : NULL;
    v->store = &g->store;
    v->flusher = &g->flusher;
    v->dpi_memory = dpi_memory_in_use();
    v->dpi_memory_peak = dpi_memory_peak();
    v->dpi_refused = dpi_flows_refused();
    if (s->flowlog) {
        v->flowlog_lines = flowlog_lines(s->flowlog);
        v->flowlog_errors = flowlog_errors(s->flowlog);
    }
    return 0;
}

/* The health figures to the sensor's Redis hash: through the flusher while it
 * runs (it owns the connection), directly once it has ended. */
static void publish_health(struct sensor *s, const struct stats_view *v, bool threads_done)
{
    struct flusher_health h[FLUSHER_MAX_HEALTH];
    size_t n = stats_health(v, h, FLUSHER_MAX_HEALTH);
    if (!threads_done) {
        flusher_post_health(s->flusher, h, n);
        return;
    }
    if (!store_is_connected(s->store))
        return;
    const char *names[FLUSHER_MAX_HEALTH];
    uint64_t values[FLUSHER_MAX_HEALTH];
    char err[256];
    for (size_t i = 0; i < n; i++) {
        names[i] = h[i].name;
        values[i] = h[i].value;
    }
    if (store_write_health(s->store, names, values, n, err, sizeof(err)) != 0)
        log_debug("final health figures not written: %s", err);
}

/* The Prometheus text, for the metrics server to serve. */
static void update_metrics(struct sensor *s, const struct stats_view *v)
{
    char *text = stats_prometheus(v);
    if (text)
        metrics_update(s->metrics, text);
    free(text);
}

/* Statistics file; with log_line (the interval has come, or the end) also the
 * log line and the Redis health hash; the Prometheus text when it is served.
 * Returns -1 (errno set) if the statistics file could not be written. */
static int report_stats(struct sensor *s, bool threads_done, bool log_line)
{
    struct view g;
    if (collect_view(s, &g, threads_done) != 0)
        return -1;
    if (log_line) {
        char line[512];
        stats_log_line(&g.v, line, sizeof(line));
        log_info("%s", line);
    }
    int rc = 0;
    if (s->cfg->stats_file[0] && stats_write_file(s->cfg->stats_file, &g.v) != 0) {
        log_warning("%s: cannot write statistics: %s", s->cfg->stats_file, strerror(errno));
        rc = -1;
    }
    if (log_line)
        publish_health(s, &g.v, threads_done);
    if (s->metrics)
        update_metrics(s, &g.v);
    free(g.workers);
    return rc;
}

/* The Prometheus text alone, refreshed every second while it is served. */
static void refresh_metrics(struct sensor *s)
{
    struct view g;
    if (collect_view(s, &g, false) != 0)
        return;
    update_metrics(s, &g.v);
    free(g.workers);
}

/* ---- the capture loop ---- */

/* When the capture loop next does its periodic work (mono_ms). */
struct loop_timers {
    uint64_t next_flush, next_stats, next_metrics;
};

/* Between packets: flushes to the workers, statistics, metrics, each when due. */
static void run_timers(struct sensor *s, struct loop_timers *t)
{
    const struct sensor_config *cfg = s->cfg;
    uint64_t now = mono_ms();
    if (now >= t->next_flush) {
        for (unsigned i = 0; i < s->nworkers; i++)
            worker_send_flush(s->workers[i]);
        /* A SIEM tailing the flow log sees a flow's line within an interval
         * of its end, not when a buffer happens to fill. */
        if (s->flowlog)
            flowlog_flush(s->flowlog);
        check_feed(s);
        check_feed_hash(s);
        t->next_flush = now + cfg->flush_interval * 1000u;
    }
    if (now >= t->next_stats) {
        report_stats(s, false, true);
        t->next_stats = now + cfg->stats_interval * 1000u;
        t->next_metrics = now + 1000u;
    } else if (s->metrics && now >= t->next_metrics) {
        refresh_metrics(s);
        t->next_metrics = now + 1000u;
    }
}

/* Live, a stop does not end the loop at once: the packets the kernel had taken
 * by then (capture_backlog) are read first, for at most STOP_DRAIN_MS, so that
 * what the statistics say was received was also counted. */
struct stop_drain {
    bool draining;
    uint64_t until_ms, until_packets;
};

/* After a stop signal: true when the loop should end now. */
static bool stop_is_due(struct sensor *s, bool live, struct stop_drain *dr)
{
    if (!live)
        return true;
    uint64_t packets = dispatch_get_stats(s->dispatch)->packets;
    if (!dr->draining) {
        dr->draining = true;
        dr->until_ms = mono_ms() + STOP_DRAIN_MS;
        dr->until_packets = packets + capture_backlog(s->capture);
    }
    return packets >= dr->until_packets || mono_ms() >= dr->until_ms;
}

/* Returns 0 at the end of input or on a stop signal, -1 on a capture error. */
static int capture_loop(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    struct loop_timers timers = {
        .next_flush = mono_ms() + cfg->flush_interval * 1000u,
        .next_stats = mono_ms() + cfg->stats_interval * 1000u,
        .next_metrics = mono_ms() + 1000u,
    };
    bool live = capture_is_live(s->capture);
    unsigned since_clock = 0;
    struct stop_drain drain = {false, 0, 0};
    for (;;) {
        if (sensor_signals.stop && stop_is_due(s, live, &drain))
            return 0;
        if (sensor_signals.reload) {
            sensor_signals.reload = 0;
            reload_rules(s);
        }
        struct capture_packet cp;
        enum capture_result r = capture_next(s->capture, &cp);
        if (r == CAPTURE_PACKET) {
            dispatch_packet(s->dispatch, &cp);
            /* Offline the clock is read every 256 packets, not per packet; live,
             * per packet, or a slow trickle would hold flushes back. */
            if (!live && ++since_clock < 256)
                continue;
        } else if (r == CAPTURE_TIMEOUT) {
            if (live)
                dispatch_tick(s->dispatch, wall_us());
        } else if (r == CAPTURE_END) {
            if (capture_error(s->capture)[0])
                log_warning("%s; the packets before it are counted", capture_error(s->capture));
            return 0;
        } else {
            log_error("%s", capture_error(s->capture));
            return -1;
        }
        since_clock = 0;
        run_timers(s, &timers);
    }
}

/* ---- start-up phases: each returns 0 to go on, or the exit status to end with ---- */

static void name_sensor(struct sensor *s, const struct sensor_config *cfg)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->started_unix = (uint64_t)time(NULL);
    if (cfg->sensor_id[0])
        snprintf(s->sensor_id, sizeof(s->sensor_id), "%s", cfg->sensor_id);
    else if (gethostname(s->sensor_id, sizeof(s->sensor_id) - 1) != 0)
        snprintf(s->sensor_id, sizeof(s->sensor_id), "sensor");
}

static int load_rules(struct sensor *s)
{
    struct diag d;
    diag_init(&d);
    s->rules = read_rules(s, &d);
    if (!s->rules)
        diag_print(&d, stderr);
    diag_free(&d);
    return s->rules ? 0 : SENSOR_EXIT_USAGE;
}

static int open_capture(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    struct capture_config cc = {
        .filter = cfg->filter,
        .snaplen = (int)cfg->snaplen,
        .buffer_bytes = (int)cfg->buffer_bytes,
        .timeout_ms = (int)cfg->read_timeout_ms,
        .promiscuous = cfg->promiscuous != 0,
        .immediate = false,
    };
    char err[1024];
    if (cfg->read_file[0])
        s->capture = capture_open_file(cfg->read_file, &cc, err, sizeof(err));
    else
        s->capture = capture_open_live(cfg->interfaces, &cc, err, sizeof(err));
    if (!s->capture) {
        log_error("%s", err);
        return SENSOR_EXIT_FAILURE;
    }
    return 0;
}

static int ensure_parent_dir(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The files that may be root's, while the sensor may still be root: the device
 * key (created if missing), the flow log, the events file. */
static int open_root_files(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    char err[1024];
    err[0] = '\0';
    errno = 0;
    if (ensure_parent_dir(cfg->device_key_file) != 0 ||
        pseudonym_key_load(cfg->device_key_file, true, &s->device_key, err, sizeof(err)) != 0) {
        log_error("%s", err[0] ? err : strerror(errno));
        return SENSOR_EXIT_FAILURE;
    }
    if (cfg->flow_log[0]) {
        s->flowlog = flowlog_open(cfg->flow_log);
        if (!s->flowlog) {
            log_error("%s: cannot open the flow log: %s", cfg->flow_log, strerror(errno));
            return SENSOR_EXIT_FAILURE;
        }
    }
    s->events = events_open(cfg->events_file, s->sensor_id, cfg->upload_threshold,
                            cfg->other_tenant_threshold);
    if (!s->events) {
        log_error("%s: cannot open the events file: %s", cfg->events_file, strerror(errno));
        return SENSOR_EXIT_FAILURE;
    }
    events_set_rules(s->events, s->rules);
    return 0;
}

/* A folder the sensor writes once it runs as user: created now, while it can,
 * owned by that user.  A folder that exists is left as it is (the operator's). */
static int make_dir_for_user(const char *dir, uid_t uid, gid_t gid)
{
    if (mkdir(dir, 0700) == 0)
        return chown(dir, uid, gid);
    return errno == EEXIST ? 0 : -1;
}

/* Everything that needs root is done: drop it before reading a packet. */
static int drop_privileges(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    char err[1024];
    if (cfg->user[0]) {
        uid_t uid;
        gid_t gid;
        if (privdrop_lookup(cfg->user, &uid, &gid, err, sizeof(err)) != 0) {
            log_error("cannot drop privileges: %s", err);
            return SENSOR_EXIT_FAILURE;
        }
        if (cfg->spool_dir[0] && geteuid() == 0 && make_dir_for_user(cfg->spool_dir, uid, gid))
            log_warning("%s: cannot create the spool folder for user %s: %s", cfg->spool_dir,
                        cfg->user, strerror(errno));
        if (privdrop_to(cfg->user, err, sizeof(err)) != 0) {
            log_error("cannot drop privileges: %s", err);
            return SENSOR_EXIT_FAILURE;
        }
        log_info("running as user %s", cfg->user);
    } else if (geteuid() == 0 && capture_is_live(s->capture)) {
        log_warning("running as root; use -Z USER to drop privileges after opening capture");
    }
    if (geteuid() != 0 && privdrop_capabilities(err, sizeof(err)) != 0) {
        log_error("cannot drop capabilities: %s", err);
        return SENSOR_EXIT_FAILURE;
    }
    if (cfg->spool_dir[0] && access(cfg->spool_dir, W_OK | X_OK) != 0 && errno != ENOENT)
        log_warning("%s: the spool folder is not writable (%s): counts still unstored at exit "
                    "would be lost",
                    cfg->spool_dir, strerror(errno));
    return 0;
}

static int start_metrics(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    if (!cfg->metrics_listen[0])
        return 0;
    char err[1024];
    s->metrics = metrics_start(cfg->metrics_listen, err, sizeof(err));
    if (!s->metrics) {
        log_error("%s", err);
        return SENSOR_EXIT_USAGE;
    }
    log_info("serving Prometheus metrics on http://%s/metrics", cfg->metrics_listen);
    return 0;
}

static int open_geo(struct sensor *s)
{
    char err[1024];
    s->geo = geo_open(s->cfg->geoip_country_db, s->cfg->geoip_asn_db, err, sizeof(err));
    if (!s->geo) {
        log_error("%s", err);
        return SENSOR_EXIT_USAGE;
    }
    bool geo_missing;
    const char *geo_note = geo_absent_note(s->geo, &geo_missing);
    if (geo_note[0] && geo_missing)
        log_warning("GeoIP: %s", geo_note);
    else if (geo_note[0])
        log_info("GeoIP: %s", geo_note);
    return 0;
}

/* The capture thread's tables: the DNS cache and STUN peers it fills for the
 * workers, and its packet step (with the fragment table). */
static int make_capture_tables(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    struct dns_cache_config dc = {(size_t)cfg->dns_max_entries, (uint32_t)cfg->dns_min_ttl,
                                  (uint32_t)cfg->dns_grace};
    s->dns = dns_cache_new(&dc);
    /* A key of its own for the STUN table, derived from the device key: secret,
     * so endpoints cannot be aimed at one slot, and the same on every run, so
     * that which endpoints share a slot is too (peers.h). */
    static const char purpose[] = "shadowtap peers table";
    struct siphash_key peers_key = {siphash24(&s->device_key, purpose, sizeof(purpose) - 1),
                                    siphash24(&s->device_key, purpose, sizeof(purpose))};
    s->peers = peers_new(PEER_SLOTS, PEER_LIFETIME_S, &peers_key);
    /* Devices that used an encrypted-DNS resolver: the same table, noted under
     * port 0, for an hour after each use (resolvers.h). */
    static const char bypass_purpose[] = "shadowtap encrypted-dns devices";
    struct siphash_key bypass_key = {
        siphash24(&s->device_key, bypass_purpose, sizeof(bypass_purpose) - 1),
        siphash24(&s->device_key, bypass_purpose, sizeof(bypass_purpose))};
    s->dns_bypass = peers_new(DNS_BYPASS_SLOTS, DNS_BYPASS_LIFETIME_S, &bypass_key);
    if (cfg->dhcp_max_leases) {
        struct leases_config lc = {(size_t)cfg->dhcp_max_leases, (uint32_t)cfg->dhcp_lease_time};
        s->leases = leases_new(&lc);
    }
    s->dispatch = dispatch_new(s->dns, s->peers, DISPATCH_TO_RINGS);
    if (s->dispatch) {
        dispatch_set_rules(s->dispatch, s->rules);
        dispatch_set_dns_bypass(s->dispatch, s->dns_bypass);
        dispatch_set_leases(s->dispatch, s->leases);
    }
    if (!s->dns || !s->dispatch || !s->peers || !s->dns_bypass ||
        (cfg->dhcp_max_leases && !s->leases)) {
        log_error("out of memory");
        return SENSOR_EXIT_FAILURE;
    }
    return 0;
}

/* The store, connected if Redis answers, and the spool files an earlier run
 * left stored first. */
static int open_store(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    char err[1024];
    struct store_config sc;
    memset(&sc, 0, sizeof(sc));
    if (redis_target_parse(cfg->redis_url, &sc.target, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return SENSOR_EXIT_USAGE;
    }
    if (cfg->redis_password[0])
        snprintf(sc.target.password, sizeof(sc.target.password), "%s", cfg->redis_password);
    sc.target.connect_timeout_ms = (int)cfg->redis_connect_timeout_ms;
    sc.target.command_timeout_ms = (int)cfg->redis_command_timeout_ms;
    s->feed_target = sc.target;
    s->feed_target_ok = true;
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "%s", s->sensor_id);
    sc.day_retention_days = (uint32_t)cfg->day_retention_days;
    sc.month_retention_days = (uint32_t)cfg->month_retention_days;
    sc.cells_per_batch = (uint32_t)cfg->cells_per_batch;
    sc.upload_threshold = cfg->upload_threshold;
    sc.other_tenant_threshold = cfg->other_tenant_threshold;
    sc.stream_maxlen = (uint32_t)cfg->stream_maxlen;
    sc.on_event = events_write;
    sc.event_ctx = s->events;
    s->store = store_new(&sc);
    if (!s->store) {
        log_error("out of memory");
        return SENSOR_EXIT_USAGE;
    }
    char desc[512];
    redis_target_describe(&sc.target, desc, sizeof(desc));
    if (store_connect(s->store, err, sizeof(err)) != 0)
        log_warning("Redis (%s) is not reachable: %s; counting in memory until it is", desc, err);
    else
        log_info("storing counts in Redis at %s as sensor \"%s\"", desc, s->sensor_id);
    s->spool_waiting = cfg->spool_dir[0] != '\0';
    if (cfg->spool_dir[0] && store_is_connected(s->store)) {
        int n = spool_replay(cfg->spool_dir, s->sensor_id, s->store, err, sizeof(err));
        if (n < 0)
            log_warning("spool replay failed (%s); the files stay until Redis answers", err);
        else
            s->spool_waiting = false;
    }
    return 0;
}

/* One worker per core the sensor may run on: the cores of its affinity mask
 * (taskset, systemd's CPUAffinity=), not all the machine's. */
static unsigned worker_count(const struct sensor_config *cfg)
{
    if (cfg->workers)
        return (unsigned)cfg->workers;
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) > 0)
        return (unsigned)CPU_COUNT(&cpus);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* The flusher and the workers, not yet running; the packet step delivers to
 * the workers. */
static int make_workers(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    s->nworkers = worker_count(cfg);
    dpi_global_init((size_t)cfg->dpi_memory_cap);
    if (!quic_global_init())
        log_warning("libgcrypt is unusable: QUIC names beyond nDPI's are not read");
    if (!unknown_init())
        log_warning("no public suffix list (package publicsuffix): unknown host names are "
                    "grouped by their whole name, not by registrable domain");
    s->flusher = flusher_new(s->store, s->nworkers);
    s->workers = calloc(s->nworkers, sizeof(*s->workers));
    if (!s->flusher || !s->workers) {
        log_error("out of memory");
        return SENSOR_EXIT_FAILURE;
    }
    flusher_set_spill(s->flusher, (size_t)cfg->max_pending_cells, cfg->spool_dir, s->sensor_id,
                      s->spool_waiting);
    struct worker_config wc = {
        .max_flows =
            (uint32_t)(cfg->max_flows / s->nworkers > 16 ? cfg->max_flows / s->nworkers : 16),
        .timeouts = {{(uint32_t)cfg->tcp_timeout, (uint32_t)cfg->tcp_closing_timeout,
                      (uint32_t)cfg->udp_timeout, (uint32_t)cfg->other_timeout}},
        .dpi = {(uint32_t)cfg->dpi_max_packets, (uint32_t)cfg->dpi_max_bytes},
        .ring_bytes = (size_t)cfg->ring_bytes,
        .sensor_id = s->sensor_id,
        .device_key = s->device_key,
        .dns_bypass = s->dns_bypass,
        .leases = s->leases,
        .log_device_names = cfg->flow_log_device_names != 0,
    };
    for (unsigned i = 0; i < s->nworkers; i++) {
        s->workers[i] =
            worker_new(i, &wc, s->rules, s->dns, s->peers, s->flowlog, s->flusher, s->geo);
        if (!s->workers[i]) {
            log_error("cannot create worker %u (out of memory?)", i);
            return SENSOR_EXIT_FAILURE;
        }
    }
    dispatch_set_workers(s->dispatch, s->workers, s->nworkers);
    return 0;
}

/* The flusher thread, then the worker threads (s->started of them), then the
 * signal mask the capture thread had.  A worker that does not start is
 * reported by run_capture. */
static int start_threads(struct sensor *s, const sigset_t *old_mask)
{
    int flusher_rc = flusher_start(s->flusher);
    for (; flusher_rc == 0 && s->started < s->nworkers; s->started++) {
        if (worker_start(s->workers[s->started]) != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, old_mask, NULL);
    if (flusher_rc != 0) {
        log_error("cannot start the flusher thread");
        return SENSOR_EXIT_FAILURE;
    }
    char desc[512];
    capture_describe(s->capture, desc, sizeof(desc));
    log_info("capturing from %s with %u workers; rules from %s (%zu services)", desc, s->nworkers,
             s->cfg->rules_dir, catalog_count(s->rules->catalog));
    return 0;
}

/* Threads from here on: none may exist before the drop (capabilities are per
 * thread), and all start with stop and reload signals blocked, which are the
 * capture thread's: they interrupt its poll.  The mask is restored once the
 * threads run (not on an earlier failure: the sensor then ends). */
static int start_pipeline(struct sensor *s)
{
    sigset_t signals, old_mask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
    int status = start_metrics(s);
    if (status == 0)
        status = open_geo(s);
    if (status == 0)
        status = make_capture_tables(s);
    if (status == 0)
        status = open_store(s);
    if (status == 0)
        status = make_workers(s);
    if (status == 0)
        status = start_threads(s, &old_mask);
    return status;
}

/* ---- running and shutdown phases ---- */

/* The first statistics, then packets until the end or a stop.  Returns 0 when
 * the capture ended well, -1 otherwise. */
static int run_capture(struct sensor *s)
{
    if (s->started != s->nworkers) {
        log_error("cannot start worker threads");
        return -1;
    }
    check_feed_hash(s); /* the feed's Redis hash counts from the first packet */
    if (report_stats(s, false, false) != 0) {
        log_error("%s: its folder must be writable by the user the sensor runs as; not "
                  "starting without statistics",
                  s->cfg->stats_file);
        return -1;
    }
    daemon_ready(); /* with -D: the shell that started it gets its "ok" now */
    return capture_loop(s);
}

/* Every worker ends its flows and hands its last tally over; the flusher then
 * stores what it can in the time allowed.  Returns flusher_finish's result:
 * nonzero when counts remain in the store's queue. */
static int drain_pipeline(struct sensor *s)
{
    uint64_t now_us = dispatch_clock(s->dispatch);
    for (unsigned i = 0; i < s->started; i++)
        worker_send_stop(s->workers[i], now_us);
    for (unsigned i = 0; i < s->started; i++)
        worker_join(s->workers[i]);
    for (unsigned i = s->started; i < s->nworkers; i++)
        flusher_submit(s->flusher, i, tally_new(), true); /* never ran: nothing to count */
    if (s->flowlog)
        flowlog_flush(s->flowlog);
    return flusher_finish(s->flusher, (unsigned)s->cfg->final_flush_timeout * 1000u);
}

/* Counts Redis did not take go to the spool, for the next start.  Returns the
 * exit status: status (how the capture ended), or what the spool made of it. */
static int spool_unstored(struct sensor *s, int unstored, int status)
{
    const struct sensor_config *cfg = s->cfg;
    if (!unstored)
        return status;
    if (store_queued(s->store) == 0) {
        /* Redis never came back after the cap sent counts to the spool. */
        log_warning("Redis is unreachable: the counts not stored are in the spool files of %s; "
                    "they are stored at the next start",
                    cfg->spool_dir);
        return status == SENSOR_EXIT_OK ? SENSOR_EXIT_SPOOLED : status;
    }
    char path[4096], err[1024];
    if (!cfg->spool_dir[0]) {
        log_error("Redis is unreachable and no spool directory is set: %zu batches of counts "
                  "are lost",
                  store_queued(s->store));
        return SENSOR_EXIT_FAILURE;
    }
    if (spool_write(cfg->spool_dir, s->sensor_id, s->store, path, sizeof(path), err, sizeof(err)) !=
        0) {
        log_error("cannot write the spool: %s; counts are lost", err);
        return SENSOR_EXIT_FAILURE;
    }
    log_warning("Redis is unreachable: %zu batches of counts written to %s; they are stored at "
                "the next start",
                store_queued(s->store), path);
    store_drop_queue(s->store);
    return status == SENSOR_EXIT_OK ? SENSOR_EXIT_SPOOLED : status;
}

static void teardown(struct sensor *s)
{
    if (s->workers) {
        for (unsigned i = 0; i < s->nworkers; i++)
            worker_free(s->workers[i]);
        free(s->workers);
    }
    metrics_stop(s->metrics);
    flusher_free(s->flusher);
    store_free(s->store);
    if (s->feed_redis)
        redisFree(s->feed_redis);
    if (s->flowlog && flowlog_close(s->flowlog) != 0)
        log_error("errors writing the flow log %s", s->cfg->flow_log);
    if (events_close(s->events) != 0)
        log_error("errors writing the events file %s", s->cfg->events_file);
    geo_close(s->geo);
    dispatch_free(s->dispatch);
    peers_free(s->peers);
    peers_free(s->dns_bypass);
    dns_cache_free(s->dns);
    leases_free(s->leases);
    capture_close(s->capture);
    rules_release(s->rules);
}

int sensor_run(const struct sensor_config *cfg)
{
    struct sensor s;
    name_sensor(&s, cfg);
    if (load_rules(&s) != 0)
        return SENSOR_EXIT_USAGE;
    int status = open_capture(&s);
    if (status == 0)
        status = open_root_files(&s);
    if (status == 0)
        status = drop_privileges(&s);
    if (status == 0)
        status = start_pipeline(&s);
    if (status == 0) {
        int loop_rc = run_capture(&s);
        int unstored = drain_pipeline(&s);
        status = spool_unstored(&s, unstored, loop_rc == 0 ? SENSOR_EXIT_OK : SENSOR_EXIT_FAILURE);
        report_stats(&s, true, true);
    }
    teardown(&s);
    return status;
}

int sensor_check_config(const struct sensor_config *cfg)
{
    struct diag d;
    diag_init(&d);
    config_check(cfg, &d);
    struct rules *r = rules_load_with(cfg->rules_dir, cfg->departments_assignments, &d);
    struct redis_target t;
    char err[512];
    if (redis_target_parse(cfg->redis_url, &t, err, sizeof(err)) != 0)
        diag_error(&d, "configuration", 0, "redis.url: %s", err);
    if (cfg->metrics_listen[0] && metrics_check_address(cfg->metrics_listen, err, sizeof(err)) != 0)
        diag_error(&d, "configuration", 0, "%s", err);
    struct geo *geo = geo_open(cfg->geoip_country_db, cfg->geoip_asn_db, err, sizeof(err));
    if (!geo)
        diag_error(&d, "configuration", 0, "%s", err);
    geo_close(geo);
    diag_print(&d, stderr);
    int status = d.errors ? SENSOR_EXIT_USAGE : SENSOR_EXIT_OK;
    if (r) {
        printf("rules in %s: %zu services, %zu departments\n", cfg->rules_dir,
               catalog_count(r->catalog), departments_count(r->departments));
        if (r->assignments_file)
            printf("assignment feed %s: %zu addresses, %zu MACs\n", r->assignments_file,
                   assignments_count_addresses(r->assignments),
                   assignments_count_macs(r->assignments));
    }
    if (status == SENSOR_EXIT_OK)
        printf("configuration OK\n");
    rules_release(r);
    diag_free(&d);
    return status;
}
