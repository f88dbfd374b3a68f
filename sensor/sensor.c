/*
 * sensor.c - start-up, the capture loop, and shutdown.
 *
 * Start-up order matters: rules and configuration are checked first (exit 2
 * on any error), the capture handles are opened next (the step that needs
 * root), then the files that may belong to root: the device key is read (and
 * created), the flow log and events file opened, the spool folder created for
 * the user to come.  Privileges are dropped before any thread is started, and
 * only then are Redis, spool files and packets touched.  Spool files from an earlier run are replayed before the first
 * packet so that counts reach Redis in order.  The statistics file is written
 * once before the first packet: it is rewritten by rename, so its folder must be
 * writable by the user the sensor runs as, and a sensor that cannot report its
 * losses does not start.
 *
 * Live, signals are handled by the capture thread alone (the other threads
 * block them), so a stop interrupts its poll at once; the packets the kernel
 * had already taken are read before the pipeline is taken down.
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
#include "decode.h"
#include "dns.h"
#include "dns_cache.h"
#include "dpi.h"
#include "events.h"
#include "flow.h"
#include "flowlog.h"
#include "flusher.h"
#include "fragment.h"
#include "geo.h"
#include "log.h"
#include "metrics.h"
#include "peers.h"
#include "privdrop.h"
#include "quic.h"
#include "pseudonym.h"
#include "rules.h"
#include "spool.h"
#include "stats.h"
#include "store.h"
#include "worker.h"

struct sensor_signals sensor_signals;

#define TICK_US       1000000ULL /* packet-time tick to workers */
#define STOP_DRAIN_MS 2000       /* live: longest read of the backlog after a stop */
/* STUN endpoints remembered for call media (peers.h): a call's media follows its
 * STUN exchange within seconds; an hour covers calls whose path is renegotiated. */
#define PEER_SLOTS      65536
#define PEER_LIFETIME_S 3600

struct sensor {
    const struct sensor_config *cfg;
    struct rules *rules;
    struct capture *capture;
    struct dns_cache *dns;
    struct peers *peers;
    struct fragment_table *fragments;
    struct geo *geo;
    struct flowlog *flowlog;
    struct events *events;
    struct store *store;
    struct flusher *flusher;
    struct metrics *metrics;
    struct worker **workers;
    unsigned nworkers;
    struct capture_thread_stats stats;
    uint64_t seq;
    uint64_t next_tick_us;
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

/* ---- DNS answers seen by the capture thread ---- */

struct dns_ctx {
    struct sensor *s;
    const struct netaddr *client;
    uint64_t ts_us, seq;
};

static void on_dns_answer(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct dns_ctx *c = ctx;
    dns_cache_insert(c->s->dns, c->client, addr, name, ttl, c->ts_us, c->seq);
    c->s->stats.dns_answers++;
}

/* DNS responses come from port 53; over TCP a 2-byte length leads the message
 * (only messages whole in one segment are read). */
static void sniff_dns(struct sensor *s, const struct packet *p, uint64_t ts_us)
{
    if (p->sport != 53 || !p->payload || p->payload_caplen < 12)
        return;
    const uint8_t *msg = p->payload;
    size_t len = p->payload_caplen;
    if (p->l4_proto == 6) {
        if (len < 14)
            return;
        size_t n = (size_t)msg[0] << 8 | msg[1];
        if (n + 2 > len)
            return;
        msg += 2;
        len = n;
    } else if (p->l4_proto != 17) {
        return;
    }
    struct dns_ctx ctx = {s, &p->dst, ts_us, s->seq};
    s->stats.dns_responses++;
    if (dns_parse_response(msg, len, on_dns_answer, &ctx) < 0)
        s->stats.dns_errors++;
}

/* ---- the capture loop ---- */

static void send_all_tick(struct sensor *s, uint64_t now_us)
{
    /* DNS answers expire at the slowest worker's time, not ours: workers look
     * answers up for packets we passed long ago. */
    uint64_t oldest = now_us;
    for (unsigned i = 0; i < s->nworkers; i++) {
        uint64_t t = worker_clock(s->workers[i]);
        if (t < oldest)
            oldest = t;
        worker_send_tick(s->workers[i], now_us);
    }
    if (s->dns)
        dns_cache_expire(s->dns, oldest);
}

static void handle_packet(struct sensor *s, const struct capture_packet *cp)
{
    s->stats.packets++;
    s->stats.bytes += cp->len;
    struct packet p;
    enum decode_status ds = decode_packet(cp->linktype, cp->data, cp->caplen, &p);
    s->stats.decode[ds]++;
    if (ds != DECODE_OK)
        return;
    if (!fragment_track(s->fragments, &p, cp->ts_us))
        s->stats.fragments_unmatched++; /* counted under a port-less flow */
    if (s->dns)
        sniff_dns(s, &p, cp->ts_us);
    if (p.l4_proto == 17 && p.payload && peers_is_stun_request(p.payload, p.payload_caplen))
        peers_note(s->peers, &p.src, p.sport, &p.dst, cp->ts_us, s->seq);

    struct flow_key key;
    bool from_1;
    flow_key_make(&key, &p.src, &p.dst, p.sport, p.dport, p.l4_proto, p.vlan, &from_1);
    uint64_t hash = flow_key_hash(&key);
    struct worker *w = s->workers[(uint32_t)(hash >> 32) % s->nworkers];
    worker_send_packet(w, &p, &key, from_1, hash, cp->ts_us, s->seq++);

    if (cp->ts_us >= s->next_tick_us) {
        if (s->next_tick_us)
            send_all_tick(s, cp->ts_us);
        s->next_tick_us = cp->ts_us + TICK_US;
    }
}

static void reload_rules(struct sensor *s)
{
    struct diag d;
    diag_init(&d);
    struct rules *r = rules_load(s->cfg->rules_dir, &d);
    if (!r) {
        diag_log(&d);
        log_error("rules in %s have errors; keeping the rules in use", s->cfg->rules_dir);
        s->stats.reload_failures++;
        diag_free(&d);
        return;
    }
    diag_free(&d);
    for (unsigned i = 0; i < s->nworkers; i++)
        worker_send_rules(s->workers[i], rules_retain(r));
    rules_release(s->rules);
    s->rules = r;
    if (s->events)
        events_set_rules(s->events, r);
    s->stats.reloads++;
    log_info("rules reloaded from %s: %zu services, %zu departments", s->cfg->rules_dir,
             catalog_count(r->catalog), departments_count(r->departments));
}

static void collect_view(struct sensor *s, struct stats_view *v, struct worker_stats *ws,
                         struct capture_counters *cc, struct dns_cache_stats *ds,
                         struct store_stats *ss, struct flusher_stats *fs, bool threads_done)
{
    memset(v, 0, sizeof(*v));
    for (unsigned i = 0; i < s->nworkers; i++)
        worker_get_stats(s->workers[i], &ws[i]);
    capture_get_counters(s->capture, cc);
    if (s->dns)
        dns_cache_get_stats(s->dns, ds);
    flusher_get_stats(s->flusher, fs);
    /* The store belongs to the flusher thread: while it runs, use the copy it
     * publishes after each send. */
    if (threads_done)
        store_get_stats(s->store, ss);
    else
        *ss = fs->store;
    v->sensor_id = s->sensor_id;
    v->source = s->cfg->read_file[0] ? s->cfg->read_file : s->cfg->interfaces;
    v->live = capture_is_live(s->capture);
    v->started_unix = s->started_unix;
    v->now_unix = (uint64_t)time(NULL);
    v->capture = cc;
    v->reader = &s->stats;
    v->workers = ws;
    v->nworkers = s->nworkers;
    v->dns = s->dns ? ds : NULL;
    v->store = ss;
    v->flusher = fs;
    v->dpi_memory = dpi_memory_in_use();
    v->dpi_memory_peak = dpi_memory_peak();
    v->dpi_refused = dpi_flows_refused();
    if (s->flowlog) {
        v->flowlog_lines = flowlog_lines(s->flowlog);
        v->flowlog_errors = flowlog_errors(s->flowlog);
    }
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

/* Statistics file; with log_line (the interval has come, or the end) also the
 * log line and the Redis health hash; the Prometheus text when it is served.
 * Returns -1 (errno set) if the statistics file could not be written. */
static int report_stats(struct sensor *s, bool threads_done, bool log_line)
{
    struct stats_view v;
    struct worker_stats *ws = calloc(s->nworkers, sizeof(*ws));
    struct capture_counters cc;
    struct dns_cache_stats ds;
    struct store_stats ss;
    struct flusher_stats fs;
    if (!ws)
        return -1;
    memset(&ds, 0, sizeof(ds));
    memset(&ss, 0, sizeof(ss));
    collect_view(s, &v, ws, &cc, &ds, &ss, &fs, threads_done);
    if (log_line) {
        char line[512];
        stats_log_line(&v, line, sizeof(line));
        log_info("%s", line);
    }
    int rc = 0;
    if (s->cfg->stats_file[0] && stats_write_file(s->cfg->stats_file, &v) != 0) {
        log_warning("%s: cannot write statistics: %s", s->cfg->stats_file, strerror(errno));
        rc = -1;
    }
    if (log_line)
        publish_health(s, &v, threads_done);
    if (s->metrics) {
        char *text = stats_prometheus(&v);
        if (text)
            metrics_update(s->metrics, text);
        free(text);
    }
    free(ws);
    return rc;
}

/* The Prometheus text alone, refreshed every second while it is served. */
static void refresh_metrics(struct sensor *s)
{
    struct stats_view v;
    struct worker_stats *ws = calloc(s->nworkers, sizeof(*ws));
    struct capture_counters cc;
    struct dns_cache_stats ds;
    struct store_stats ss;
    struct flusher_stats fs;
    if (!ws)
        return;
    memset(&ds, 0, sizeof(ds));
    collect_view(s, &v, ws, &cc, &ds, &ss, &fs, false);
    char *text = stats_prometheus(&v);
    if (text)
        metrics_update(s->metrics, text);
    free(text);
    free(ws);
}

/* Returns 0 at the end of input or on a stop signal, -1 on a capture error.
 *
 * Live, a stop does not end the loop at once: the packets the kernel had taken
 * by then (capture_backlog) are read first, for at most STOP_DRAIN_MS, so that
 * what the statistics say was received was also counted. */
static int capture_loop(struct sensor *s)
{
    const struct sensor_config *cfg = s->cfg;
    uint64_t next_flush = mono_ms() + cfg->flush_interval * 1000u;
    uint64_t next_stats = mono_ms() + cfg->stats_interval * 1000u;
    uint64_t next_metrics = mono_ms() + 1000u;
    bool live = capture_is_live(s->capture);
    unsigned since_clock = 0;
    bool draining = false;
    uint64_t drain_until_ms = 0, drain_until_packets = 0;
    for (;;) {
        if (sensor_signals.stop) {
            if (!live)
                return 0;
            if (!draining) {
                draining = true;
                drain_until_ms = mono_ms() + STOP_DRAIN_MS;
                drain_until_packets = s->stats.packets + capture_backlog(s->capture);
            }
            if (s->stats.packets >= drain_until_packets || mono_ms() >= drain_until_ms)
                return 0;
        }
        if (sensor_signals.reload) {
            sensor_signals.reload = 0;
            reload_rules(s);
        }
        struct capture_packet cp;
        enum capture_result r = capture_next(s->capture, &cp);
        if (r == CAPTURE_PACKET) {
            handle_packet(s, &cp);
            /* Offline the clock is read every 256 packets, not per packet; live,
             * per packet, or a slow trickle would hold flushes back. */
            if (!live && ++since_clock < 256)
                continue;
        } else if (r == CAPTURE_TIMEOUT) {
            if (live)
                send_all_tick(s, wall_us());
        } else if (r == CAPTURE_END) {
            if (capture_error(s->capture)[0])
                log_warning("%s; the packets before it are counted", capture_error(s->capture));
            return 0;
        } else {
            log_error("%s", capture_error(s->capture));
            return -1;
        }
        since_clock = 0;
        uint64_t now = mono_ms();
        if (now >= next_flush) {
            for (unsigned i = 0; i < s->nworkers; i++)
                worker_send_flush(s->workers[i]);
            next_flush = now + cfg->flush_interval * 1000u;
        }
        if (now >= next_stats) {
            report_stats(s, false, true);
            next_stats = now + cfg->stats_interval * 1000u;
            next_metrics = now + 1000u;
        } else if (s->metrics && now >= next_metrics) {
            refresh_metrics(s);
            next_metrics = now + 1000u;
        }
    }
}

/* ---- start-up and shutdown ---- */

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

static int open_capture(struct sensor *s, char *err, size_t errlen)
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
    if (cfg->read_file[0])
        s->capture = capture_open_file(cfg->read_file, &cc, err, errlen);
    else
        s->capture = capture_open_live(cfg->interfaces, &cc, err, errlen);
    return s->capture ? 0 : -1;
}

/* A folder the sensor writes once it runs as user: created now, while it can,
 * owned by that user.  A folder that exists is left as it is (the operator's). */
static int make_dir_for_user(const char *dir, uid_t uid, gid_t gid)
{
    if (mkdir(dir, 0700) == 0)
        return chown(dir, uid, gid);
    return errno == EEXIST ? 0 : -1;
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

static int setup_store(struct sensor *s, char *err, size_t errlen)
{
    const struct sensor_config *cfg = s->cfg;
    struct store_config sc;
    memset(&sc, 0, sizeof(sc));
    if (redis_target_parse(cfg->redis_url, &sc.target, err, errlen) != 0)
        return -1;
    if (cfg->redis_password[0])
        snprintf(sc.target.password, sizeof(sc.target.password), "%s", cfg->redis_password);
    sc.target.connect_timeout_ms = (int)cfg->redis_connect_timeout_ms;
    sc.target.command_timeout_ms = (int)cfg->redis_command_timeout_ms;
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "%s", s->sensor_id);
    sc.day_retention_days = (uint32_t)cfg->day_retention_days;
    sc.month_retention_days = (uint32_t)cfg->month_retention_days;
    sc.cells_per_batch = (uint32_t)cfg->cells_per_batch;
    sc.upload_threshold = cfg->upload_threshold;
    sc.stream_maxlen = (uint32_t)cfg->stream_maxlen;
    sc.on_event = events_write;
    sc.event_ctx = s->events;
    s->store = store_new(&sc);
    if (!s->store) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char desc[512];
    redis_target_describe(&sc.target, desc, sizeof(desc));
    if (store_connect(s->store, err, errlen) != 0)
        log_warning("Redis (%s) is not reachable: %s; counting in memory until it is", desc,
                    err);
    else
        log_info("storing counts in Redis at %s as sensor \"%s\"", desc, s->sensor_id);
    s->spool_waiting = cfg->spool_dir[0] != '\0';
    if (cfg->spool_dir[0] && store_is_connected(s->store)) {
        int n = spool_replay(cfg->spool_dir, s->sensor_id, s->store, err, errlen);
        if (n < 0)
            log_warning("spool replay failed (%s); the files stay until Redis answers", err);
        else
            s->spool_waiting = false;
    }
    return 0;
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
    if (s->flowlog && flowlog_close(s->flowlog) != 0)
        log_error("errors writing the flow log %s", s->cfg->flow_log);
    if (events_close(s->events) != 0)
        log_error("errors writing the events file %s", s->cfg->events_file);
    geo_close(s->geo);
    fragment_table_free(s->fragments);
    peers_free(s->peers);
    dns_cache_free(s->dns);
    capture_close(s->capture);
    rules_release(s->rules);
}

int sensor_run(const struct sensor_config *cfg)
{
    struct sensor s;
    memset(&s, 0, sizeof(s));
    s.cfg = cfg;
    s.started_unix = (uint64_t)time(NULL);
    char err[1024];
    int status = SENSOR_EXIT_FAILURE;

    if (cfg->sensor_id[0])
        snprintf(s.sensor_id, sizeof(s.sensor_id), "%s", cfg->sensor_id);
    else if (gethostname(s.sensor_id, sizeof(s.sensor_id) - 1) != 0)
        snprintf(s.sensor_id, sizeof(s.sensor_id), "sensor");

    struct diag d;
    diag_init(&d);
    s.rules = rules_load(cfg->rules_dir, &d);
    if (!s.rules) {
        diag_print(&d, stderr);
        diag_free(&d);
        return SENSOR_EXIT_USAGE;
    }
    diag_free(&d);

    if (open_capture(&s, err, sizeof(err)) != 0) {
        log_error("%s", err);
        goto out;
    }
    /* The files that may be root's, while the sensor may still be root. */
    struct siphash_key device_key;
    err[0] = '\0';
    errno = 0;
    if (ensure_parent_dir(cfg->device_key_file) != 0 ||
        pseudonym_key_load(cfg->device_key_file, true, &device_key, err, sizeof(err)) != 0) {
        log_error("%s", err[0] ? err : strerror(errno));
        goto out;
    }
    if (cfg->flow_log[0]) {
        s.flowlog = flowlog_open(cfg->flow_log);
        if (!s.flowlog) {
            log_error("%s: cannot open the flow log: %s", cfg->flow_log, strerror(errno));
            goto out;
        }
    }
    s.events = events_open(cfg->events_file, s.sensor_id, cfg->upload_threshold);
    if (!s.events) {
        log_error("%s: cannot open the events file: %s", cfg->events_file, strerror(errno));
        goto out;
    }
    events_set_rules(s.events, s.rules);
    /* Everything that needs root is done: drop it before reading a packet. */
    if (cfg->user[0]) {
        uid_t uid;
        gid_t gid;
        if (privdrop_lookup(cfg->user, &uid, &gid, err, sizeof(err)) != 0) {
            log_error("cannot drop privileges: %s", err);
            goto out;
        }
        if (cfg->spool_dir[0] && geteuid() == 0 && make_dir_for_user(cfg->spool_dir, uid, gid))
            log_warning("%s: cannot create the spool folder for user %s: %s", cfg->spool_dir,
                        cfg->user, strerror(errno));
        if (privdrop_to(cfg->user, err, sizeof(err)) != 0) {
            log_error("cannot drop privileges: %s", err);
            goto out;
        }
        log_info("running as user %s", cfg->user);
    } else if (geteuid() == 0 && capture_is_live(s.capture)) {
        log_warning("running as root; use -Z USER to drop privileges after opening capture");
    }
    if (geteuid() != 0 && privdrop_capabilities(err, sizeof(err)) != 0) {
        log_error("cannot drop capabilities: %s", err);
        goto out;
    }
    if (cfg->spool_dir[0] && access(cfg->spool_dir, W_OK | X_OK) != 0 && errno != ENOENT)
        log_warning("%s: the spool folder is not writable (%s): counts still unstored at exit "
                    "would be lost",
                    cfg->spool_dir, strerror(errno));

    /* Threads from here on: none may exist before the drop (capabilities are
     * per thread), and all start with stop and reload signals blocked, which
     * are the capture thread's: they interrupt its poll. */
    sigset_t signals, old_mask;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
    if (cfg->metrics_listen[0]) {
        s.metrics = metrics_start(cfg->metrics_listen, err, sizeof(err));
        if (!s.metrics) {
            log_error("%s", err);
            status = SENSOR_EXIT_USAGE;
            goto out;
        }
        log_info("serving Prometheus metrics on http://%s/metrics", cfg->metrics_listen);
    }

    s.geo = geo_open(cfg->geoip_country_db, cfg->geoip_asn_db, err, sizeof(err));
    if (!s.geo) {
        log_error("%s", err);
        status = SENSOR_EXIT_USAGE;
        goto out;
    }
    bool geo_missing;
    const char *geo_note = geo_absent_note(s.geo, &geo_missing);
    if (geo_note[0] && geo_missing)
        log_warning("GeoIP: %s", geo_note);
    else if (geo_note[0])
        log_info("GeoIP: %s", geo_note);

    struct dns_cache_config dc = {(size_t)cfg->dns_max_entries, (uint32_t)cfg->dns_min_ttl,
                                  (uint32_t)cfg->dns_grace};
    s.dns = dns_cache_new(&dc);
    s.fragments = fragment_table_new();
    s.peers = peers_new(PEER_SLOTS, PEER_LIFETIME_S);
    if (!s.dns || !s.fragments || !s.peers) {
        log_error("out of memory");
        goto out;
    }
    if (setup_store(&s, err, sizeof(err)) != 0) {
        log_error("%s", err);
        status = SENSOR_EXIT_USAGE;
        goto out;
    }

    s.nworkers = worker_count(cfg);
    dpi_global_init((size_t)cfg->dpi_memory_cap);
    if (!quic_global_init())
        log_warning("libgcrypt is unusable: QUIC names beyond nDPI's are not read");
    s.flusher = flusher_new(s.store, s.nworkers);
    s.workers = calloc(s.nworkers, sizeof(*s.workers));
    if (!s.flusher || !s.workers) {
        log_error("out of memory");
        goto out;
    }
    flusher_set_spill(s.flusher, (size_t)cfg->max_pending_cells, cfg->spool_dir, s.sensor_id,
                      s.spool_waiting);
    struct worker_config wc = {
        .max_flows = (uint32_t)(cfg->max_flows / s.nworkers > 16 ? cfg->max_flows / s.nworkers
                                                                 : 16),
        .timeouts = {{(uint32_t)cfg->tcp_timeout, (uint32_t)cfg->tcp_closing_timeout,
                      (uint32_t)cfg->udp_timeout, (uint32_t)cfg->other_timeout}},
        .dpi = {(uint32_t)cfg->dpi_max_packets, (uint32_t)cfg->dpi_max_bytes},
        .ring_bytes = (size_t)cfg->ring_bytes,
        .sensor_id = s.sensor_id,
        .device_key = device_key,
    };
    for (unsigned i = 0; i < s.nworkers; i++) {
        s.workers[i] = worker_new(i, &wc, s.rules, s.dns, s.peers, s.flowlog, s.flusher, s.geo);
        if (!s.workers[i]) {
            log_error("cannot create worker %u (out of memory?)", i);
            goto out;
        }
    }
    int flusher_rc = flusher_start(s.flusher);
    unsigned started = 0;
    for (; flusher_rc == 0 && started < s.nworkers; started++) {
        if (worker_start(s.workers[started]) != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    if (flusher_rc != 0) {
        log_error("cannot start the flusher thread");
        goto out;
    }
    char desc[512];
    capture_describe(s.capture, desc, sizeof(desc));
    log_info("capturing from %s with %u workers; rules from %s (%zu services)", desc, s.nworkers,
             cfg->rules_dir, catalog_count(s.rules->catalog));

    int loop_rc = -1;
    if (started != s.nworkers)
        log_error("cannot start worker threads");
    else if (report_stats(&s, false, false) != 0)
        log_error("%s: its folder must be writable by the user the sensor runs as; not "
                  "starting without statistics",
                  cfg->stats_file);
    else {
        daemon_ready(); /* with -D: the shell that started it gets its "ok" now */
        loop_rc = capture_loop(&s);
    }

    for (unsigned i = 0; i < started; i++)
        worker_send_stop(s.workers[i]);
    for (unsigned i = 0; i < started; i++)
        worker_join(s.workers[i]);
    for (unsigned i = started; i < s.nworkers; i++)
        flusher_submit(s.flusher, i, tally_new(), true); /* never ran: nothing to count */
    if (s.flowlog)
        flowlog_flush(s.flowlog);
    int unstored = flusher_finish(s.flusher, (unsigned)cfg->final_flush_timeout * 1000u);
    status = loop_rc == 0 ? SENSOR_EXIT_OK : SENSOR_EXIT_FAILURE;
    if (unstored && store_queued(s.store) == 0) {
        /* Redis never came back after the cap sent counts to the spool. */
        log_warning("Redis is unreachable: the counts not stored are in the spool files of %s; "
                    "they are stored at the next start",
                    cfg->spool_dir);
        if (status == SENSOR_EXIT_OK)
            status = SENSOR_EXIT_SPOOLED;
    } else if (unstored) {
        char path[4096];
        if (!cfg->spool_dir[0]) {
            log_error("Redis is unreachable and no spool directory is set: %zu batches of counts "
                      "are lost",
                      store_queued(s.store));
            status = SENSOR_EXIT_FAILURE;
        } else if (spool_write(cfg->spool_dir, s.sensor_id, s.store, path, sizeof(path), err,
                               sizeof(err)) != 0) {
            log_error("cannot write the spool: %s; counts are lost", err);
            status = SENSOR_EXIT_FAILURE;
        } else {
            log_warning("Redis is unreachable: %zu batches of counts written to %s; they are "
                        "stored at the next start",
                        store_queued(s.store), path);
            store_drop_queue(s.store);
            if (status == SENSOR_EXIT_OK)
                status = SENSOR_EXIT_SPOOLED;
        }
    }
    report_stats(&s, true, true);
out:
    teardown(&s);
    return status;
}

int sensor_check_config(const struct sensor_config *cfg)
{
    struct diag d;
    diag_init(&d);
    config_check(cfg, &d);
    struct rules *r = rules_load(cfg->rules_dir, &d);
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
    }
    if (status == SENSOR_EXIT_OK)
        printf("configuration OK\n");
    rules_release(r);
    diag_free(&d);
    return status;
}
