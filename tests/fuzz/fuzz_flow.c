/*
 * fuzz_flow.c - the flow path as a whole: a packet sequence through the
 * capture thread's step (sensor/dispatch.h: decoding, fragments, DNS and STUN
 * sniffing, ticks), the flow table, nDPI, the classifier and the tally, as the
 * sensor runs it, but with the one worker run in this thread
 * (DISPATCH_IN_THREAD).
 *
 * Input: [link][options] then [delta:2][length:2][frame] records (fuzz.h).
 * Every input gets its own packet step (with its fragment table), worker, flow
 * table, DNS cache, STUN peers table and flusher, and all are freed at its end,
 * so nothing carries over from one input to the next but the rules and the
 * nDPI module.
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

#include "dispatch.h"
#include "dns_cache.h"
#include "dpi.h"
#include "flow.h"
#include "flowlog.h"
#include "flusher.h"
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

/* The input's packet records through the step, each frame in a copy of
 * exactly its size, so ASan sees any read past it. */
static void feed_records(struct dispatch *step, int link, const uint8_t *data, size_t size)
{
    uint64_t ts = FUZZ_FLOW_T0_US;
    size_t pos = 2;
    for (int n = 0; n < FUZZ_FLOW_MAX_PACKETS && size - pos >= 4; n++) {
        ts += fuzz_delta_us(be16(data + pos));
        size_t len = be16(data + pos + 2);
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + pos, len);
        struct capture_packet cp = {.data = frame,
                                    .caplen = (uint32_t)len,
                                    .len = (uint32_t)len,
                                    .ts_us = ts,
                                    .linktype = link};
        dispatch_packet(step, &cp);
        free(frame);
        pos += len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    int link = fuzz_links[data[0] % FUZZ_NLINKS];
    uint8_t options = data[1];

    struct dns_cache_config dc = {64, 300, 600};
    struct dns_cache *dns = options & FUZZ_FLOW_NO_DNS ? NULL : dns_cache_new(&dc);
    struct peers *peers = peers_new(64, 3600, NULL);
    struct dispatch *step = peers ? dispatch_new(dns, peers, DISPATCH_IN_THREAD) : NULL;
    struct flusher *flusher = flusher_new(store, 1); /* its thread never starts */
    struct worker_config wc = {
        .max_flows = options & FUZZ_FLOW_BIG_TABLE ? 4096 : 16,
        .timeouts = {{300, 15, 60, 30}},
        .dpi = {options & FUZZ_FLOW_DPI_SHORT ? 4 : 32, 256 * 1024},
        .ring_bytes = 1 << 16,
        .sensor_id = "fuzz",
    };
    memset(&wc.device_key, 0x5a, sizeof(wc.device_key));
    struct worker *worker = NULL;
    if (step && flusher)
        worker = worker_new(0, &wc, rules, dns, peers, flowlog, flusher, NULL);
    if (worker) {
        dispatch_set_workers(step, &worker, 1);
        feed_records(step, link, data, size);
        worker_finish(worker, dispatch_clock(step));
        worker_free(worker);
    }
    flusher_free(flusher);
    dispatch_free(step);
    peers_free(peers);
    dns_cache_free(dns);
    check_flowlog();
    return 0;
}
