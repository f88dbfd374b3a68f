/*
 * fuzz_seeds.c - seed inputs for the fuzz targets (tests/fuzz/), cut from real
 * captures and written by the real spool writer, in the formats of
 * tests/fuzz/fuzz.h.  tests/fuzz/make-seeds runs it; nothing it writes is kept
 * in the repository.
 *
 *   fuzz-seeds packets CAPTURE OUTDIR [MAX]
 *       writes into OUTDIR/decode, OUTDIR/dns, OUTDIR/flow and OUTDIR/tls_hello:
 *       - decode: single frames, each distinct kind (decode status, link,
 *         encapsulation, transport, fragment) and the first frames;
 *       - dns: the DNS responses' messages;
 *       - flow: the first packets of each flow, and windows of consecutive
 *         packets (which interleave DNS answers with the flows they name);
 *       - tls_hello: TCP payloads that start a ClientHello record, as a stream
 *         (mode 0) and as the handshake message alone (mode 1).
 *       MAX bounds the seeds of each kind (default 64).
 *   fuzz-seeds dhcp CAPTURE OUTDIR [MAX]
 *       writes into OUTDIR/dhcp each DHCP message of the whole capture alone
 *       (at most MAX), and all of them (up to FUZZ_DHCP_MAX_RECORDS) in order
 *       as one sequence, so the lease table sees the capture's exchanges.
 *   fuzz-seeds spool OUTDIR
 *       writes spool files made by spool_write into OUTDIR/spool, each as is
 *       (mode 0) and without its end line (mode 1, the target appends it).
 *
 * Seeds are named by a hash of their bytes, so rerunning adds no duplicates.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "../fuzz/fuzz.h"
#include "decode.h"
#include "dhcp.h"
#include "dispatch.h"
#include "flow.h"
#include "spool.h"
#include "store.h"
#include "symbol.h"
#include "tally.h"

#define FLOW_SEED_PACKETS 24 /* first packets of one flow */
#define WINDOW_PACKETS    48 /* consecutive packets of the capture */
#define MAX_TRACKED_FLOWS 1024
#define MAX_FRAME         4096 /* longer frames are cut: seeds stay small */

static int usage(void)
{
    fprintf(stderr, "usage: fuzz-seeds packets CAPTURE OUTDIR [MAX]\n"
                    "       fuzz-seeds dhcp CAPTURE OUTDIR [MAX]\n"
                    "       fuzz-seeds spool OUTDIR\n");
    return 2;
}

static uint64_t fnv1a(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "fuzz-seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes OUTDIR/KIND/PREFIX-HASH; returns 0 or -1. */
static int write_seed(const char *outdir, const char *kind, const char *prefix, const void *data,
                      size_t len)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s-%016" PRIx64, outdir, kind, prefix, fnv1a(data, len));
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "fuzz-seeds: %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    return 0;
}

/* ---- growing byte buffers ---- */

struct bytes {
    uint8_t *p;
    size_t len, cap;
    unsigned packets;
};

static int bytes_put(struct bytes *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
    return 0;
}

/* Appends one flow record: delta, length, frame. */
static int bytes_put_record(struct bytes *b, uint64_t delta_us, const uint8_t *frame,
                            uint32_t caplen)
{
    uint16_t code = fuzz_delta_code(delta_us);
    uint16_t len = (uint16_t)(caplen > MAX_FRAME ? MAX_FRAME : caplen);
    uint8_t head[4] = {(uint8_t)(code >> 8), (uint8_t)code, (uint8_t)(len >> 8), (uint8_t)len};
    b->packets++;
    return bytes_put(b, head, 4) || bytes_put(b, frame, len) ? -1 : 0;
}

/* ---- packets ---- */

struct tracked_flow {
    struct flow_key key;
    struct bytes seq;
    uint64_t last_us;
    bool written;
};

struct cutter {
    const char *outdir, *prefix;
    int link_index;
    unsigned max;
    unsigned decode_seeds, dns_seeds, flow_seeds, window_seeds, windows, tls_seeds, dhcp_seeds;
    struct bytes dhcp_sequence; /* every DHCP message, as fuzz.h's dhcp records */
    uint64_t dhcp_last_us;
    uint32_t kinds_seen[1024]; /* a small set of decode kinds */
    struct tracked_flow *flows;
    size_t nflows;
    struct bytes window;
    uint64_t window_last_us;
    unsigned packet_no;
};

static bool kind_new(struct cutter *c, uint32_t kind)
{
    uint32_t slot = (kind * 2654435761u) % 1024;
    for (uint32_t i = 0; i < 1024; i++, slot = (slot + 1) % 1024) {
        if (c->kinds_seen[slot] == kind + 1)
            return false;
        if (!c->kinds_seen[slot]) {
            c->kinds_seen[slot] = kind + 1;
            return true;
        }
    }
    return false;
}

static void flow_seed_start(struct bytes *b, int link_index)
{
    uint8_t head[2] = {(uint8_t)link_index, 0};
    bytes_put(b, head, 2);
}

static void cut_decode(struct cutter *c, const uint8_t *frame, uint32_t caplen,
                       enum decode_status st, const struct packet *p)
{
    if (c->decode_seeds >= c->max)
        return;
    uint32_t kind = (uint32_t)st << 24;
    if (st == DECODE_OK)
        kind |= (uint32_t)p->encap << 10 | (uint32_t)p->l4_proto << 2 | p->fragment;
    if (c->packet_no >= 8 && !kind_new(c, kind))
        return;
    uint32_t len = caplen > MAX_FRAME ? MAX_FRAME : caplen;
    uint8_t *seed = malloc((size_t)len + 1);
    if (!seed)
        return;
    seed[0] = (uint8_t)c->link_index;
    memcpy(seed + 1, frame, len);
    if (write_seed(c->outdir, "decode", c->prefix, seed, (size_t)len + 1) == 0)
        c->decode_seeds++;
    free(seed);
}

static void cut_dns(struct cutter *c, const struct packet *p)
{
    const uint8_t *msg;
    size_t len;
    if (c->dns_seeds >= c->max || !dispatch_dns_message(p, &msg, &len))
        return;
    if (len >= 12 && (msg[2] & 0x80) && write_seed(c->outdir, "dns", c->prefix, msg, len) == 0)
        c->dns_seeds++;
}

static void cut_tls(struct cutter *c, const struct packet *p)
{
    const uint8_t *pl = p->payload;
    size_t len = p->payload_caplen;
    if (c->tls_seeds >= c->max || p->l4_proto != IPPROTO_TCP || !pl || len < 9 || pl[0] != 0x16 ||
        pl[1] != 0x03 || pl[5] != 0x01)
        return;
    if (len > MAX_FRAME)
        len = MAX_FRAME;
    uint8_t *seed = malloc(len + 1);
    if (!seed)
        return;
    seed[0] = 0; /* the stream, with no scratch buffer */
    memcpy(seed + 1, pl, len);
    if (write_seed(c->outdir, "tls_hello", c->prefix, seed, len + 1) == 0)
        c->tls_seeds++;
    seed[5] = 1; /* the handshake message alone */
    write_seed(c->outdir, "tls_hello", c->prefix, seed + 5, len + 1 - 5);
    free(seed);
}

/* A DHCP message (by its ports): a seed of its own, and a record of the
 * capture's sequence. */
static void cut_dhcp(struct cutter *c, const struct packet *p, uint64_t ts_us)
{
    enum dhcp_kind kind = dhcp_kind_of_ports(p->sport, p->dport);
    if (p->l4_proto != IPPROTO_UDP || !p->payload || kind == DHCP_KIND_NONE)
        return;
    struct bytes *seq = &c->dhcp_sequence;
    uint64_t gap_s = seq->packets ? (ts_us - c->dhcp_last_us) / 1000000u : 0;
    size_t len = p->payload_caplen > MAX_FRAME ? MAX_FRAME : p->payload_caplen;
    uint8_t head[4] = {kind == DHCP_KIND_V6 ? FUZZ_DHCP_V6 : 0,
                       (uint8_t)(gap_s > 255 ? 255 : gap_s), (uint8_t)(len >> 8), (uint8_t)len};
    if (seq->packets < FUZZ_DHCP_MAX_RECORDS && bytes_put(seq, head, 4) == 0 &&
        bytes_put(seq, p->payload, len) == 0) {
        seq->packets++;
        c->dhcp_last_us = ts_us;
    }
    if (c->dhcp_seeds >= c->max)
        return;
    head[1] = 0;
    struct bytes one = {0};
    if (bytes_put(&one, head, 4) == 0 && bytes_put(&one, p->payload, len) == 0 &&
        write_seed(c->outdir, "dhcp", c->prefix, one.p, one.len) == 0)
        c->dhcp_seeds++;
    free(one.p);
}

static void write_flow_seed(struct cutter *c, struct bytes *b, unsigned *count)
{
    if (*count < c->max && b->packets > 0 &&
        write_seed(c->outdir, "flow", c->prefix, b->p, b->len) == 0)
        (*count)++;
}

static void cut_flow(struct cutter *c, const uint8_t *frame, uint32_t caplen, uint64_t ts_us,
                     const struct packet *p)
{
    struct flow_key key;
    bool from_1;
    flow_key_make(&key, &p->src, &p->dst, p->sport, p->dport, p->l4_proto, p->vlan, &from_1);
    struct tracked_flow *f = NULL;
    for (size_t i = 0; i < c->nflows; i++) {
        if (memcmp(&c->flows[i].key, &key, sizeof(key)) == 0) {
            f = &c->flows[i];
            break;
        }
    }
    if (!f && c->nflows < MAX_TRACKED_FLOWS) {
        f = &c->flows[c->nflows++];
        memset(f, 0, sizeof(*f));
        f->key = key;
        flow_seed_start(&f->seq, c->link_index);
        f->last_us = ts_us;
    }
    if (f && !f->written) {
        bytes_put_record(&f->seq, ts_us - f->last_us, frame, caplen);
        f->last_us = ts_us;
        if (f->seq.packets >= FLOW_SEED_PACKETS) {
            write_flow_seed(c, &f->seq, &c->flow_seeds);
            f->written = true;
            free(f->seq.p);
            memset(&f->seq, 0, sizeof(f->seq));
        }
    }
}

static void cut_window(struct cutter *c, const uint8_t *frame, uint32_t caplen, uint64_t ts_us)
{
    if (c->window_seeds >= c->max)
        return;
    if (c->window.packets == 0) {
        c->window.len = 0;
        flow_seed_start(&c->window, c->link_index);
        c->window_last_us = ts_us;
    }
    bytes_put_record(&c->window, ts_us - c->window_last_us, frame, caplen);
    c->window_last_us = ts_us;
    if (c->window.packets >= WINDOW_PACKETS) {
        /* The first windows, then ever sparser ones: a long capture is sampled
         * across its length, not only at its start. */
        unsigned i = c->windows++;
        if (i < 16 || (i & (i - 1)) == 0 || i % 64 == 0)
            write_flow_seed(c, &c->window, &c->window_seeds);
        c->window.packets = 0;
    }
}

static int cut_packets(const char *capture, const char *outdir, unsigned max)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(capture, errbuf);
    if (!pc) {
        fprintf(stderr, "fuzz-seeds: %s: %s\n", capture, errbuf);
        return 1;
    }
    struct cutter c;
    memset(&c, 0, sizeof(c));
    c.outdir = outdir;
    c.max = max;
    c.link_index = fuzz_link_index(pcap_datalink(pc));
    if (c.link_index < 0) {
        fprintf(stderr, "fuzz-seeds: %s: link type %d is not one the fuzz targets read\n", capture,
                pcap_datalink(pc));
        pcap_close(pc);
        return 0;
    }
    /* The capture's base name, without extension, prefixes its seeds. */
    const char *base = strrchr(capture, '/');
    base = base ? base + 1 : capture;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(base, "."), base);
    c.prefix = prefix;
    c.flows = calloc(MAX_TRACKED_FLOWS, sizeof(*c.flows));
    const char *kinds[] = {"decode", "dns", "flow", "tls_hello"};
    for (size_t i = 0; i < 4; i++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", outdir, kinds[i]);
        if (make_dir(dir) != 0)
            return 1;
    }
    if (!c.flows) {
        pcap_close(pc);
        return 1;
    }

    struct pcap_pkthdr *h;
    const uint8_t *frame;
    while (pcap_next_ex(pc, &h, &frame) == 1) {
        uint64_t ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
        struct packet p;
        enum decode_status st = decode_packet(fuzz_links[c.link_index], frame, h->caplen, &p);
        cut_decode(&c, frame, h->caplen, st, &p);
        cut_window(&c, frame, h->caplen, ts_us);
        if (st == DECODE_OK) {
            cut_dns(&c, &p);
            cut_tls(&c, &p);
            cut_flow(&c, frame, h->caplen, ts_us, &p);
        }
        c.packet_no++;
        if (c.decode_seeds >= max && c.dns_seeds >= max && c.flow_seeds >= max &&
            c.window_seeds >= max)
            break;
    }
    /* Flows shorter than FLOW_SEED_PACKETS, and the last window, as they are. */
    for (size_t i = 0; i < c.nflows; i++) {
        if (!c.flows[i].written)
            write_flow_seed(&c, &c.flows[i].seq, &c.flow_seeds);
        free(c.flows[i].seq.p);
    }
    if (c.window.packets)
        write_flow_seed(&c, &c.window, &c.window_seeds);
    free(c.window.p);
    free(c.flows);
    pcap_close(pc);
    printf("%s: %u decode, %u dns, %u flow, %u window, %u tls_hello seeds\n", capture,
           c.decode_seeds, c.dns_seeds, c.flow_seeds, c.window_seeds, c.tls_seeds);
    return 0;
}

/* Every DHCP message of the whole capture (cut_dhcp), read to its end: DHCP
 * is rare and may come late. */
static int cut_dhcp_capture(const char *capture, const char *outdir, unsigned max)
{
    char errbuf[PCAP_ERRBUF_SIZE], dir[4096];
    pcap_t *pc = pcap_open_offline(capture, errbuf);
    if (!pc) {
        fprintf(stderr, "fuzz-seeds: %s: %s\n", capture, errbuf);
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s/dhcp", outdir);
    if (make_dir(dir) != 0) {
        pcap_close(pc);
        return 1;
    }
    const char *base = strrchr(capture, '/');
    base = base ? base + 1 : capture;
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%.*s", (int)strcspn(base, "."), base);
    struct cutter c;
    memset(&c, 0, sizeof(c));
    c.outdir = outdir;
    c.prefix = prefix;
    c.max = max;
    int link = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const uint8_t *frame;
    while (pcap_next_ex(pc, &h, &frame) == 1) {
        struct packet p;
        if (decode_packet(link, frame, h->caplen, &p) == DECODE_OK)
            cut_dhcp(&c, &p, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
    }
    pcap_close(pc);
    if (c.dhcp_sequence.packets > 1 &&
        write_seed(outdir, "dhcp", prefix, c.dhcp_sequence.p, c.dhcp_sequence.len) == 0)
        c.dhcp_seeds++;
    free(c.dhcp_sequence.p);
    if (c.dhcp_seeds)
        printf("%s: %u dhcp seeds\n", capture, c.dhcp_seeds);
    return 0;
}

/* ---- spool files ---- */

static int read_file(const char *path, struct bytes *b)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t buf[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (bytes_put(b, buf, n) != 0)
            rc = -1;
    }
    fclose(f);
    return rc;
}

/* Spools a store holding `cells` cells in batches of `per_batch`, and writes
 * the file as two seeds. */
static int spool_seed(const char *outdir, const char *tmpdir, unsigned cells, unsigned per_batch)
{
    struct store_config sc;
    memset(&sc, 0, sizeof(sc));
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "%s", FUZZ_SPOOL_SENSOR);
    sc.cells_per_batch = per_batch;
    struct store *s = store_new(&sc);
    struct tally *t = tally_new();
    if (!s || !t)
        return -1;
    static const char *const depts[] = {"engineering", "sales", "unassigned"};
    static const char *const services[] = {"dropbox", "chatgpt", "slack", "unclassified", "zoom"};
    for (unsigned i = 0; i < cells; i++) {
        struct tally_key k = {20759 + i % 3, symbol_intern(depts[i % 3]),
                              symbol_intern(services[i % 5]), i % 2 ? ('D' << 8 | 'E') : 0, 0, 0};
        struct tally_cell *cell = tally_cell(t, &k);
        if (!cell)
            return -1;
        cell->bytes_up = 1000u * i + 17;
        cell->bytes_down = 50000u * i;
        cell->packets_up = 3 + i;
        cell->packets_down = 5 + i;
        cell->flows = 1 + i % 4;
        tally_cell_seen(cell, 1793606400u + i);
        tally_cell_add_device(cell, 0x1234567890abcdefULL + i);
    }
    if (cells && store_enqueue(s, t) != 0)
        return -1;
    char path[4096], err[512];
    int rc = -1;
    if (spool_write(tmpdir, FUZZ_SPOOL_SENSOR, s, path, sizeof(path), err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz-seeds: spool_write: %s\n", err);
        goto out;
    }
    struct bytes file = {0};
    uint8_t mode = 0;
    bytes_put(&file, &mode, 1);
    if (read_file(path, &file) != 0 || file.len < 14) {
        free(file.p);
        goto out;
    }
    unlink(path);
    rc = write_seed(outdir, "spool", "spool", file.p, file.len);
    /* Mode 1: the same without its end line. */
    file.p[0] = FUZZ_SPOOL_FIX_END;
    if (rc == 0)
        rc = write_seed(outdir, "spool", "spool-noend", file.p, file.len - 13);
    free(file.p);
out:
    tally_free(t);
    store_free(s);
    return rc;
}

static int make_spools(const char *outdir)
{
    char dir[4096], tmpdir[] = "/tmp/fuzz-seeds.XXXXXX";
    snprintf(dir, sizeof(dir), "%s/spool", outdir);
    if (make_dir(dir) != 0 || !mkdtemp(tmpdir))
        return 1;
    static const unsigned shapes[][2] = {{0, 500}, {1, 500}, {3, 1}, {7, 3}, {20, 500}};
    int rc = 0;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        if (spool_seed(outdir, tmpdir, shapes[i][0], shapes[i][1]) != 0)
            rc = 1;
    }
    rmdir(tmpdir);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "packets") == 0) {
        unsigned max = argc >= 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 64;
        return cut_packets(argv[2], argv[3], max ? max : 64);
    }
    if (argc >= 4 && strcmp(argv[1], "dhcp") == 0) {
        unsigned max = argc >= 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 64;
        return cut_dhcp_capture(argv[2], argv[3], max ? max : 64);
    }
    if (argc == 3 && strcmp(argv[1], "spool") == 0)
        return make_spools(argv[2]);
    return usage();
}
