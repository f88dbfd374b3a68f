/*
 * fuzz_flow.c - the flow path as a whole: a packet sequence through decoding,
 * the capture thread's DNS and STUN sniffing, the flow table, nDPI, the
 * classifier and the tally, as sensor/sensor.c handle_packet drives it, but
 * with the worker run in this thread (worker_feed_packet).
 *
 * Input: [link][options] then [delta:2][length:2][frame] records (fuzz.h).
 * Every input gets its own worker, flow table, DNS cache, STUN peers table,
 * fragment table and flusher, and all are freed at its end, so nothing carries
 * over from one input to the next but the rules and the nDPI module.
 *
 * The nDPI module is the exception because setting one up costs ~100 ms under
 * the sanitizers: the link step wraps dpi_new and dpi_free (-Wl,--wrap, see
 * tests/CMakeLists.txt) so that every worker shares one module made once.  The
 * sensor does the same, one module for all the flows of a worker's life.
 *
 * Every flow that ends is written to the flow log, an in-memory file; each line
 * must be a JSON object, and a destination.domain in it a normalized host name.
 *
 * The rules are the shipped rules/ folder, or the folder named by the
 * environment variable SHADOWTAP_FUZZ_RULES.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "decode.h"
#include "dns.h"
#include "dns_cache.h"
#include "dpi.h"
#include "flow.h"
#include "flowlog.h"
#include "flusher.h"
#include "fragment.h"
#include "fuzz.h"
#include "hostname.h"
#include "peers.h"
#include "rules.h"
#include "store.h"
#include "worker.h"

#ifndef SHADOWTAP_SOURCE_DIR
#error "SHADOWTAP_SOURCE_DIR must name the source tree (for the rules folder)"
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TICK_US 1000000ULL /* as sensor.c */

/* ---- one nDPI module for every worker ---- */

struct dpi *__real_dpi_new(const struct dpi_limits *limits);
struct dpi *__wrap_dpi_new(const struct dpi_limits *limits);
void __real_dpi_free(struct dpi *d);
void __wrap_dpi_free(struct dpi *d);

static struct dpi *shared_dpi[2]; /* by max_packets: 32, 4 */

struct dpi *__wrap_dpi_new(const struct dpi_limits *limits)
{
    int i = limits->max_packets == 32 ? 0 : 1;
    if (!shared_dpi[i])
        shared_dpi[i] = __real_dpi_new(limits);
    return shared_dpi[i];
}

void __wrap_dpi_free(struct dpi *d)
{
    (void)d; /* kept for the next input; freed at exit */
}

/* ---- state shared by all inputs, made once ---- */

static struct rules *rules;
static struct store *store;
static struct flowlog *flowlog;
static int flowlog_fd = -1;

static void at_exit(void)
{
    flowlog_close(flowlog);
    if (flowlog_fd >= 0)
        close(flowlog_fd);
    store_free(store);
    rules_release(rules);
    for (int i = 0; i < 2; i++)
        __real_dpi_free(shared_dpi[i]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct diag d;
    diag_init(&d);
    const char *dir = getenv("SHADOWTAP_FUZZ_RULES");
    rules = rules_load(dir && *dir ? dir : SHADOWTAP_SOURCE_DIR "/rules", &d);
    if (!rules) {
        diag_print(&d, stderr);
        abort();
    }
    diag_free(&d);
    dpi_global_init(0);
    flow_hash_seed();
    struct store_config sc;
    memset(&sc, 0, sizeof(sc)); /* never connected: Redis is not contacted */
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "fuzz");
    sc.cells_per_batch = 500;
    store = store_new(&sc);
    flowlog_fd = memfd_create("flowlog", 0);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", flowlog_fd);
    flowlog = flowlog_fd >= 0 ? flowlog_open(path) : NULL;
    if (!store || !flowlog)
        abort();
    atexit(at_exit);
    return 0;
}

/* ---- the capture thread's part (sensor.c) ---- */

struct input {
    struct dns_cache *dns;
    struct peers *peers;
    struct fragment_table *fragments;
    struct worker *worker;
    uint64_t seq;
    uint64_t next_tick_us;
};

struct dns_ctx {
    struct input *in;
    const struct netaddr *client;
    uint64_t ts_us, seq;
};

static void on_dns_answer(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct dns_ctx *c = ctx;
    dns_cache_insert(c->in->dns, c->client, addr, name, ttl, c->ts_us, c->seq);
}

/* sensor.c sniff_dns */
static void sniff_dns(struct input *in, const struct packet *p, uint64_t ts_us)
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
    struct dns_ctx ctx = {in, &p->dst, ts_us, in->seq};
    dns_parse_response(msg, len, on_dns_answer, &ctx);
}

/* sensor.c handle_packet, with one worker fed in this thread */
static void handle_packet(struct input *in, int link, const uint8_t *frame, uint32_t caplen,
                          uint64_t ts_us)
{
    struct packet p;
    if (decode_packet(link, frame, caplen, &p) != DECODE_OK)
        return;
    fragment_track(in->fragments, &p, ts_us);
    if (in->dns)
        sniff_dns(in, &p, ts_us);
    if (p.l4_proto == 17 && p.payload && peers_is_stun_request(p.payload, p.payload_caplen))
        peers_note(in->peers, &p.src, p.sport, &p.dst, ts_us, in->seq);

    struct flow_key key;
    bool from_1;
    flow_key_make(&key, &p.src, &p.dst, p.sport, p.dport, p.l4_proto, p.vlan, &from_1);
    uint64_t hash = flow_key_hash(&key);
    worker_feed_packet(in->worker, &p, &key, from_1, hash, ts_us, in->seq++);

    if (ts_us >= in->next_tick_us) {
        if (in->next_tick_us) {
            worker_feed_tick(in->worker, ts_us);
            if (in->dns)
                dns_cache_expire(in->dns, ts_us); /* the worker is never behind */
        }
        in->next_tick_us = ts_us + TICK_US;
    }
}

/* ---- the flow log's lines ---- */

static void check_flowlog(void)
{
    flowlog_flush(flowlog);
    off_t size = lseek(flowlog_fd, 0, SEEK_END);
    if (size <= 0)
        return;
    char *text = malloc((size_t)size);
    if (!text || pread(flowlog_fd, text, (size_t)size, 0) != size)
        abort();
    const char *p = text, *end = text + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            abort(); /* lines are written whole */
        json_error_t jerr;
        json_t *o = json_loadb(p, (size_t)(nl - p), 0, &jerr);
        if (!o || !json_is_object(o)) {
            fprintf(stderr, "flow log line is not a JSON object: %s: %.*s\n", jerr.text,
                    (int)(nl - p), p);
            abort();
        }
        json_t *dest = json_object_get(o, "destination");
        const char *dom = json_string_value(json_object_get(dest, "domain"));
        if (dom) {
            char norm[HOSTNAME_MAX + 1];
            size_t n = strlen(dom);
            if (n > HOSTNAME_MAX || hostname_normalize(dom, n, norm, sizeof(norm)) != n ||
                strcmp(norm, dom) != 0) {
                fprintf(stderr, "flow log domain is not a normalized host name: %s\n", dom);
                abort();
            }
        }
        json_decref(o);
        p = nl + 1;
    }
    free(text);
    if (ftruncate(flowlog_fd, 0) != 0) /* the log appends: the next line starts at 0 */
        abort();
}

/* ---- one input ---- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int link = fuzz_links[data[0] % FUZZ_NLINKS];
    uint8_t options = data[1];

    struct input in;
    memset(&in, 0, sizeof(in));
    struct dns_cache_config dc = {64, 300, 600};
    if (!(options & FUZZ_FLOW_NO_DNS))
        in.dns = dns_cache_new(&dc);
    in.peers = peers_new(64, 3600);
    in.fragments = fragment_table_new();
    struct flusher *flusher = flusher_new(store, 1); /* its thread never starts */
    struct worker_config wc = {
        .max_flows = options & FUZZ_FLOW_BIG_TABLE ? 4096 : 16,
        .timeouts = {{300, 15, 60, 30}},
        .dpi = {options & FUZZ_FLOW_DPI_SHORT ? 4 : 32, 256 * 1024},
        .ring_bytes = 1 << 16,
        .sensor_id = "fuzz",
    };
    memset(&wc.device_key, 0x5a, sizeof(wc.device_key));
    if (in.peers && in.fragments && flusher)
        in.worker = worker_new(0, &wc, rules, in.dns, in.peers, flowlog, flusher, NULL);
    if (in.worker) {
        uint64_t ts = FUZZ_FLOW_T0_US;
        size_t pos = 2;
        for (int n = 0; n < FUZZ_FLOW_MAX_PACKETS && size - pos >= 4; n++) {
            ts += fuzz_delta_us(be16(data + pos));
            size_t len = be16(data + pos + 2);
            pos += 4;
            if (len > size - pos)
                len = size - pos;
            /* A copy of exactly the frame's size, so ASan sees any read past it. */
            uint8_t *frame = malloc(len ? len : 1);
            if (!frame)
                break;
            memcpy(frame, data + pos, len);
            handle_packet(&in, link, frame, (uint32_t)len, ts);
            free(frame);
            pos += len;
        }
        worker_finish(in.worker);
        worker_free(in.worker);
    }
    flusher_free(flusher);
    fragment_table_free(in.fragments);
    peers_free(in.peers);
    dns_cache_free(in.dns);
    check_flowlog();
    return 0;
}
