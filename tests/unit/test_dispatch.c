/*
 * test_dispatch.c - the capture thread's packet step on real frames: DNS
 * answers over UDP and TCP reach the DNS cache, STUN requests the peers table,
 * both directions of a flow reach one worker, the one the flow hash picks,
 * frames that do not decode are counted by reason, and ticks expire DNS
 * answers, never past the slowest worker's clock.
 *
 * Frames are Ethernet, IPv4 and a UDP or TCP segment, built field by field with
 * their lengths and checksums.  The workers are real: run in this thread
 * (DISPATCH_IN_THREAD, as the fuzz target runs them) or in their own threads
 * behind their rings (DISPATCH_TO_RINGS, as the sensor runs them).
 */
#include "dispatch.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/dlt.h>

#include "dns_cache.h"
#include "flow.h"
#include "flusher.h"
#include "netaddr.h"
#include "peers.h"
#include "rules.h"
#include "store.h"
#include "test.h"
#include "worker.h"

#define T0_US       (1793606400ULL * 1000000ULL) /* 2026-11-02 08:00:00 UTC */
#define SECOND_US   1000000ULL
#define MAX_WORKERS 4
#define LOOKUP_SEQ  1000000 /* after every packet a test sends */

#define CLIENT      "10.10.1.5"
#define RESOLVER    "192.0.2.53"
#define SERVER      "198.51.100.20"
#define SERVER_2    "198.51.100.30"
#define STUN_SERVER "203.0.113.7"

static struct rules *rules;
static struct store *store;

/* ---- frames ---- */

struct frame {
    uint8_t b[1600];
    size_t n;
};

static void put(struct frame *f, const void *bytes, size_t n)
{
    if (n > sizeof(f->b) - f->n) {
        fprintf(stderr, "test frame larger than %zu bytes\n", sizeof(f->b));
        abort();
    }
    if (n) /* bytes may be NULL then */
        memcpy(f->b + f->n, bytes, n);
    f->n += n;
}

static void put16(struct frame *f, unsigned v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    put(f, b, 2);
}

static void put32(struct frame *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}

static void set16(struct frame *f, size_t at, unsigned v)
{
    f->b[at] = (uint8_t)(v >> 8);
    f->b[at + 1] = (uint8_t)v;
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* The Internet checksum of n bytes, added to sum; fold() finishes it. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static unsigned fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

struct segment {
    unsigned proto; /* IPPROTO_UDP or IPPROTO_TCP */
    const char *src, *dst;
    unsigned sport, dport;
    unsigned tcp_flags;
    const void *payload;
    size_t len;
};

/* An Ethernet frame with an IPv4 packet carrying the segment. */
static void ipv4_frame(struct frame *f, const struct segment *s)
{
    static const uint8_t macs[12] = {0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5d,
                                     0x02, 0x42, 0xac, 0x11, 0x00, 0x02};
    f->n = 0;
    put(f, macs, sizeof(macs));
    put16(f, 0x0800);
    size_t ip = f->n;
    put16(f, 0x4500);     /* version 4, 20-byte header */
    put16(f, 0);          /* total length, below */
    put32(f, 0x12344000); /* identification, don't fragment */
    put16(f, 64u << 8 | s->proto);
    put16(f, 0); /* checksum, below */
    struct netaddr src = addr(s->src), dst = addr(s->dst);
    put(f, src.b + 12, 4);
    put(f, dst.b + 12, 4);
    size_t l4 = f->n;
    put16(f, s->sport);
    put16(f, s->dport);
    size_t csum;
    if (s->proto == IPPROTO_TCP) {
        put32(f, 0x01020304);                               /* sequence */
        put32(f, (s->tcp_flags & TH_ACK) ? 0x0a0b0c0d : 0); /* acknowledgement */
        put16(f, 5u << 12 | s->tcp_flags);
        put16(f, 64240); /* window */
        csum = f->n;
        put32(f, 0); /* checksum, urgent pointer */
    } else {
        put16(f, (unsigned)(8 + s->len));
        csum = f->n;
        put16(f, 0);
    }
    put(f, s->payload, s->len);
    set16(f, ip + 2, (unsigned)(f->n - ip));
    set16(f, ip + 10, fold(sum16(0, f->b + ip, 20)));
    size_t l4_len = f->n - l4;
    uint32_t pseudo = sum16(0, f->b + ip + 12, 8) + s->proto + (uint32_t)l4_len;
    unsigned c = fold(sum16(pseudo, f->b + l4, l4_len));
    set16(f, csum, s->proto == IPPROTO_UDP && c == 0 ? 0xffff : c);
}

static void send_frame(struct dispatch *d, const struct frame *f, uint64_t ts_us)
{
    struct capture_packet cp = {.data = f->b,
                                .caplen = (uint32_t)f->n,
                                .len = (uint32_t)f->n,
                                .ts_us = ts_us,
                                .linktype = DLT_EN10MB};
    dispatch_packet(d, &cp);
}

static void send_segment(struct dispatch *d, const struct segment *s, uint64_t ts_us)
{
    struct frame f;
    ipv4_frame(&f, s);
    send_frame(d, &f, ts_us);
}

/* A DNS response saying name has the IPv4 address a, for ttl seconds; over
 * TCP with the 2-byte length in front. */
static void dns_response(struct frame *m, bool tcp, const char *name, const char *a, uint32_t ttl)
{
    m->n = 0;
    if (tcp)
        put16(m, 0); /* the length, below */
    size_t start = m->n;
    put16(m, 0x4a1f); /* id */
    put16(m, 0x8180); /* response, recursion desired and available, no error */
    put16(m, 1);      /* questions */
    put16(m, 1);      /* answers */
    put32(m, 0);      /* authority, additional */
    for (const char *label = name; *label;) {
        size_t n = strcspn(label, ".");
        uint8_t len = (uint8_t)n;
        put(m, &len, 1);
        put(m, label, n);
        label += n + (label[n] == '.');
    }
    put(m, "", 1);
    put32(m, 1u << 16 | 1); /* type A, class IN */
    put16(m, 0xc00c);       /* the question's name */
    put32(m, 1u << 16 | 1);
    put32(m, ttl);
    put16(m, 4);
    struct netaddr addr4 = addr(a);
    put(m, addr4.b + 12, 4);
    if (tcp)
        set16(m, 0, (unsigned)(m->n - start));
}

/* The answer from the resolver to CLIENT:port. */
static void send_dns_response(struct dispatch *d, bool tcp, unsigned port, const char *name,
                              const char *a, uint32_t ttl, uint64_t ts_us)
{
    struct frame m;
    dns_response(&m, tcp, name, a, ttl);
    struct segment s = {
        tcp ? IPPROTO_TCP : IPPROTO_UDP, RESOLVER, CLIENT, 53, port, TH_PUSH | TH_ACK, m.b, m.n};
    send_segment(d, &s, ts_us);
}

/* ---- the step with its workers ---- */

struct rig {
    struct dns_cache *dns;
    struct peers *peers;
    struct flusher *flusher;
    struct worker *workers[MAX_WORKERS];
    unsigned nworkers;
    bool started;
    struct dispatch *d;
};

static bool rig_open(struct rig *r, unsigned nworkers, enum dispatch_delivery how)
{
    memset(r, 0, sizeof(*r));
    struct dns_cache_config dc = {64, 0, 0}; /* answers live their TTL exactly */
    r->dns = dns_cache_new(&dc);
    r->peers = peers_new(64, 3600, NULL);
    r->flusher = flusher_new(store, nworkers); /* its thread never starts */
    r->d = dispatch_new(r->dns, r->peers, how);
    r->nworkers = nworkers;
    struct worker_config wc = {
        .max_flows = 256,
        .timeouts = {{300, 15, 60, 30}},
        .dpi = {32, 256 * 1024},
        .ring_bytes = 1 << 16,
        .sensor_id = "test",
    };
    memset(&wc.device_key, 0x5a, sizeof(wc.device_key));
    bool ok = r->dns && r->peers && r->flusher && r->d;
    for (unsigned i = 0; ok && i < nworkers; i++) {
        r->workers[i] = worker_new(i, &wc, rules, r->dns, r->peers, NULL, r->flusher, NULL);
        ok = r->workers[i] != NULL;
    }
    CHECK(ok);
    if (ok)
        dispatch_set_workers(r->d, r->workers, nworkers);
    return ok;
}

static void rig_start(struct rig *r)
{
    for (unsigned i = 0; i < r->nworkers; i++)
        CHECK_INT(worker_start(r->workers[i]), 0);
    r->started = true;
}

/* Every worker ends its flows and publishes its counters. */
static void rig_finish(struct rig *r, struct worker_stats *ws)
{
    for (unsigned i = 0; i < r->nworkers; i++) {
        if (r->started)
            worker_send_stop(r->workers[i], dispatch_clock(r->d));
        else
            worker_finish(r->workers[i], dispatch_clock(r->d));
    }
    for (unsigned i = 0; i < r->nworkers; i++) {
        worker_join(r->workers[i]);
        worker_get_stats(r->workers[i], &ws[i]);
    }
    r->started = false;
}

static void rig_close(struct rig *r)
{
    if (r->started) {
        struct worker_stats ws[MAX_WORKERS];
        rig_finish(r, ws);
    }
    for (unsigned i = 0; i < r->nworkers; i++)
        worker_free(r->workers[i]);
    dispatch_free(r->d);
    flusher_free(r->flusher);
    peers_free(r->peers);
    dns_cache_free(r->dns);
}

static bool cached_name(struct rig *r, const char *server, uint64_t ts_us, char *name, size_t len)
{
    struct netaddr client = addr(CLIENT), a = addr(server);
    return dns_cache_lookup(r->dns, &client, &a, ts_us, LOOKUP_SEQ, name, len, NULL);
}

static size_t cache_entries(struct rig *r)
{
    struct dns_cache_stats st;
    dns_cache_get_stats(r->dns, &st);
    return st.entries;
}

/* ---- tests ---- */

TEST(dns_answers_over_udp_and_tcp_reach_the_cache)
{
    struct rig r;
    if (!rig_open(&r, 1, DISPATCH_IN_THREAD)) {
        rig_close(&r);
        return;
    }
    send_dns_response(r.d, false, 40000, "files.example.com", SERVER, 300, T0_US);
    send_dns_response(r.d, true, 40001, "chat.example.org", SERVER_2, 300, T0_US + 1000);
    /* a UDP response whose answer is cut: read, refused by the parser */
    struct frame m;
    dns_response(&m, false, "cut.example.net", SERVER, 300);
    struct segment cut = {IPPROTO_UDP, RESOLVER, CLIENT, 53, 40002, 0, m.b, m.n - 6};
    send_segment(r.d, &cut, T0_US + 2000);
    /* over TCP, a message longer than the segment is not read at all */
    dns_response(&m, true, "long.example.net", SERVER, 300);
    struct segment part = {IPPROTO_TCP, RESOLVER, CLIENT, 53, 40003, TH_ACK, m.b, m.n - 1};
    send_segment(r.d, &part, T0_US + 3000);

    char name[256] = "";
    CHECK(cached_name(&r, SERVER, T0_US + SECOND_US, name, sizeof(name)));
    CHECK_STR(name, "files.example.com");
    CHECK(cached_name(&r, SERVER_2, T0_US + SECOND_US, name, sizeof(name)));
    CHECK_STR(name, "chat.example.org");
    const struct dispatch_stats *st = dispatch_get_stats(r.d);
    CHECK_INT(st->packets, 4);
    CHECK_INT(st->decode[DECODE_OK], 4);
    CHECK_INT(st->dns_responses, 3);
    CHECK_INT(st->dns_answers, 2);
    CHECK_INT(st->dns_errors, 1);
    rig_close(&r);
}

TEST(dns_message_in_a_port_53_payload)
{
    struct frame m, f;
    struct packet p;
    const uint8_t *msg;
    size_t len;
    dns_response(&m, true, "files.example.com", SERVER, 300);
    struct segment tcp = {IPPROTO_TCP, RESOLVER, CLIENT, 53, 40000, TH_ACK, m.b, m.n};
    ipv4_frame(&f, &tcp);
    CHECK_INT(decode_packet(DLT_EN10MB, f.b, (uint32_t)f.n, &p), DECODE_OK);
    CHECK(dispatch_dns_message(&p, &msg, &len));
    CHECK(msg == p.payload + 2);
    CHECK_INT(len, m.n - 2);

    struct segment udp = {IPPROTO_UDP, RESOLVER, CLIENT, 53, 40000, 0, m.b + 2, m.n - 2};
    ipv4_frame(&f, &udp);
    CHECK_INT(decode_packet(DLT_EN10MB, f.b, (uint32_t)f.n, &p), DECODE_OK);
    CHECK(dispatch_dns_message(&p, &msg, &len));
    CHECK(msg == p.payload);
    CHECK_INT(len, m.n - 2);

    /* a query (to port 53, not from it), a payload shorter than a DNS header,
     * a TCP segment shorter than the length it announces */
    struct segment query = {IPPROTO_UDP, CLIENT, RESOLVER, 40000, 53, 0, m.b + 2, m.n - 2};
    struct segment shorter = {IPPROTO_UDP, RESOLVER, CLIENT, 53, 40000, 0, m.b + 2, 11};
    struct segment cut = {IPPROTO_TCP, RESOLVER, CLIENT, 53, 40000, TH_ACK, m.b, 20};
    const struct segment *refused[] = {&query, &shorter, &cut};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ipv4_frame(&f, refused[i]);
        CHECK_INT(decode_packet(DLT_EN10MB, f.b, (uint32_t)f.n, &p), DECODE_OK);
        CHECK(!dispatch_dns_message(&p, &msg, &len));
    }
}

TEST(stun_requests_reach_the_peers_table)
{
    struct rig r;
    if (!rig_open(&r, 1, DISPATCH_IN_THREAD)) {
        rig_close(&r);
        return;
    }
    /* a binding request: type, length 0, magic cookie, transaction id */
    static const uint8_t stun[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                     3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
    struct segment req = {IPPROTO_UDP, CLIENT, STUN_SERVER, 50000, 3478, 0, stun, sizeof(stun)};
    send_segment(r.d, &req, T0_US);
    static const uint8_t media[20] = {0x80, 0x60, 0x12, 0x34};
    struct segment rtp = {IPPROTO_UDP, CLIENT, STUN_SERVER, 50002, 3478, 0, media, sizeof(media)};
    send_segment(r.d, &rtp, T0_US + 1000);

    struct netaddr client = addr(CLIENT), server, want = addr(STUN_SERVER);
    CHECK(peers_lookup(r.peers, &client, 50000, T0_US + SECOND_US, LOOKUP_SEQ, &server, NULL));
    CHECK(netaddr_cmp(&server, &want) == 0);
    CHECK(!peers_lookup(r.peers, &client, 50002, T0_US + SECOND_US, LOOKUP_SEQ, &server, NULL));
    rig_close(&r);
}

/* 32 TCP connections, each a handshake and a reply: every packet of a flow
 * must reach the worker its flow hash picks, so each worker sees exactly the
 * flows and packets predicted for it, and makes one flow of each. */
static void check_flows_reach_their_worker(enum dispatch_delivery how)
{
    struct rig r;
    if (!rig_open(&r, MAX_WORKERS, how)) {
        rig_close(&r);
        return;
    }
    if (how == DISPATCH_TO_RINGS)
        rig_start(&r);
    uint64_t want_packets[MAX_WORKERS] = {0}, want_flows[MAX_WORKERS] = {0};
    struct netaddr client = addr(CLIENT), server = addr(SERVER);
    uint64_t ts = T0_US;
    for (unsigned i = 0; i < 32; i++) {
        unsigned port = 40000 + i;
        struct segment up = {IPPROTO_TCP, CLIENT, SERVER, port, 443, TH_SYN, NULL, 0};
        struct segment down = {IPPROTO_TCP, SERVER, CLIENT, 443, port, TH_SYN | TH_ACK, NULL, 0};
        send_segment(r.d, &up, ts += 1000);
        send_segment(r.d, &down, ts += 1000);
        up.tcp_flags = TH_ACK;
        down.tcp_flags = TH_PUSH | TH_ACK;
        down.payload = "HTTP/1.1 200 OK\r\n";
        down.len = 17;
        send_segment(r.d, &up, ts += 1000);
        send_segment(r.d, &down, ts += 1000);

        struct flow_key key;
        bool from_1;
        flow_key_make(&key, &server, &client, 443, (uint16_t)port, IPPROTO_TCP, 0, &from_1);
        unsigned w = (uint32_t)(flow_key_hash(&key) >> 32) % MAX_WORKERS;
        want_packets[w] += 4;
        want_flows[w]++;
    }
    struct worker_stats ws[MAX_WORKERS];
    rig_finish(&r, ws);
    unsigned busy = 0;
    for (unsigned i = 0; i < MAX_WORKERS; i++) {
        CHECK_INT(ws[i].packets, want_packets[i]);
        CHECK_INT(ws[i].flows_created, want_flows[i]);
        busy += ws[i].packets > 0;
    }
    CHECK(busy > 1); /* 32 flows all on one worker: the hash would not spread */
    CHECK_INT(dispatch_get_stats(r.d)->packets, 128);
    rig_close(&r);
}

/* What a request says of the call travels with its note: the application its
 * attributes mark, and the catalog service its REALM names. */
TEST(stun_requests_carry_their_hints)
{
    struct rig r;
    if (!rig_open(&r, 1, DISPATCH_IN_THREAD)) {
        rig_close(&r);
        return;
    }
    dispatch_set_rules(r.d, rules);
    /* an Allocate request with WhatsApp's attribute 0x4000 (and an odd length) */
    static const uint8_t wa[26] = {0x00, 0x03, 0x00, 0x06, 0x21, 0x12, 0xa4, 0x42, 1,
                                   2,    3,    4,    5,    6,    7,    8,    9,    10,
                                   11,   12,   0x40, 0x00, 0x00, 0x01, 0x01, 0x00};
    struct segment req = {IPPROTO_UDP, CLIENT, STUN_SERVER, 50010, 3478, 0, wa, sizeof(wa)};
    send_segment(r.d, &req, T0_US);
    /* a request with REALM "signal.org" (quoted, as some servers write it) */
    static const uint8_t realm[36] = {0x00, 0x03, 0x00, 0x10, 0x21, 0x12, 0xa4, 0x42, 1,
                                      2,    3,    4,    5,    6,    7,    8,    9,    10,
                                      11,   12,   0x00, 0x14, 0x00, 0x0c, '"',  's',  'i',
                                      'g',  'n',  'a',  'l',  '.',  'o',  'r',  'g',  '"'};
    struct segment req2 = {IPPROTO_UDP, CLIENT, STUN_SERVER, 50011, 3478, 0, realm, sizeof(realm)};
    send_segment(r.d, &req2, T0_US + 10);
    /* a plain binding request from the first port: says nothing, keeps the hint */
    static const uint8_t plain[20] = {0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1,  2,
                                      3,    4,    5,    6,    7,    8,    9,    10,   11, 12};
    struct segment req3 = {IPPROTO_UDP, CLIENT, "192.0.2.55", 50010,
                           19302,       0,      plain,        sizeof(plain)};
    send_segment(r.d, &req3, T0_US + 20);

    struct netaddr client = addr(CLIENT), server;
    struct peer_hint hint;
    CHECK(peers_lookup(r.peers, &client, 50010, T0_US + SECOND_US, LOOKUP_SEQ, &server, &hint));
    CHECK(hint.app == STUN_APP_WHATSAPP);
    CHECK(hint.realm_service == 0);
    CHECK(peers_lookup(r.peers, &client, 50011, T0_US + SECOND_US, LOOKUP_SEQ, &server, &hint));
    CHECK(hint.app == STUN_APP_NONE);
    const struct service *signal =
        catalog_service(rules->catalog, catalog_find(rules->catalog, "signal"));
    CHECK(signal && hint.realm_service == signal->sym);
    rig_close(&r);
}

TEST(both_directions_reach_one_worker_in_thread)
{
    check_flows_reach_their_worker(DISPATCH_IN_THREAD);
}

TEST(both_directions_reach_one_worker_through_rings)
{
    check_flows_reach_their_worker(DISPATCH_TO_RINGS);
}

TEST(decode_failures_are_counted_by_reason)
{
    struct rig r;
    if (!rig_open(&r, 1, DISPATCH_IN_THREAD)) {
        rig_close(&r);
        return;
    }
    struct frame ok, f;
    struct segment s = {IPPROTO_UDP, CLIENT, SERVER, 40000, 443, 0, "hello", 5};
    ipv4_frame(&ok, &s);
    struct capture_packet cp = {.data = ok.b,
                                .caplen = (uint32_t)ok.n,
                                .len = (uint32_t)ok.n + 100, /* 100 bytes beyond the snap length */
                                .ts_us = T0_US,
                                .linktype = DLT_EN10MB};
    dispatch_packet(r.d, &cp);
    cp.caplen = 10; /* not even an Ethernet header */
    dispatch_packet(r.d, &cp);
    cp.caplen = (uint32_t)ok.n;
    cp.linktype = DLT_IEEE802_11;
    dispatch_packet(r.d, &cp);

    f = ok;
    set16(&f, 12, 0x0806); /* ARP */
    cp = (struct capture_packet){f.b, (uint32_t)f.n, (uint32_t)f.n, T0_US, DLT_EN10MB};
    dispatch_packet(r.d, &cp);
    set16(&f, 12, 0x88b5); /* IEEE local experimental ethertype */
    dispatch_packet(r.d, &cp);
    f = ok;
    f.b[14] = 0x44; /* IPv4 with a 16-byte header */
    dispatch_packet(r.d, &cp);

    const struct dispatch_stats *st = dispatch_get_stats(r.d);
    CHECK_INT(st->packets, 6);
    CHECK_INT(st->bytes, 6 * ok.n + 3 * 100); /* on the wire, not as captured */
    CHECK_INT(st->decode[DECODE_OK], 1);
    CHECK_INT(st->decode[DECODE_TRUNCATED], 1);
    CHECK_INT(st->decode[DECODE_UNSUPPORTED_LINK], 1);
    CHECK_INT(st->decode[DECODE_NOT_IP], 1);
    CHECK_INT(st->decode[DECODE_UNSUPPORTED], 1);
    CHECK_INT(st->decode[DECODE_BAD_HEADER], 1);
    CHECK_INT(st->decode[DECODE_TOO_DEEP], 0);
    struct worker_stats ws;
    rig_finish(&r, &ws);
    CHECK_INT(ws.packets, 1); /* only what decoded went on */
    rig_close(&r);
}

TEST(ticks_expire_dns_answers)
{
    struct rig r;
    if (!rig_open(&r, 1, DISPATCH_IN_THREAD)) {
        rig_close(&r);
        return;
    }
    char name[256];
    send_dns_response(r.d, false, 40000, "files.example.com", SERVER, 10, T0_US);
    dispatch_tick(r.d, T0_US + 5 * SECOND_US);
    CHECK(cached_name(&r, SERVER, T0_US + 5 * SECOND_US, name, sizeof(name)));
    CHECK(cache_entries(&r) > 0);
    dispatch_tick(r.d, T0_US + 11 * SECOND_US);
    CHECK_INT(cache_entries(&r), 0);

    /* the tick packets bring, once a second of packet time has passed */
    send_dns_response(r.d, false, 40001, "chat.example.org", SERVER_2, 10, T0_US + 20 * SECOND_US);
    CHECK(cache_entries(&r) > 0); /* ticked at 20 s, before the answer expires */
    struct segment s = {IPPROTO_UDP, CLIENT, SERVER, 40000, 443, 0, "hello", 5};
    send_segment(r.d, &s, T0_US + 29 * SECOND_US);
    CHECK(cache_entries(&r) > 0);
    send_segment(r.d, &s, T0_US + 31 * SECOND_US);
    CHECK_INT(cache_entries(&r), 0);
    rig_close(&r);
}

/* True once every worker has handled all it was sent (within 10 s). */
static bool workers_caught_up(struct rig *r)
{
    for (int wait = 0; wait < 10000; wait++) {
        unsigned done = 0;
        for (unsigned i = 0; i < r->nworkers; i++)
            done += worker_clock(r->workers[i]) == UINT64_MAX;
        if (done == r->nworkers)
            return true;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
    return false;
}

TEST(dns_answers_wait_for_the_slowest_worker)
{
    struct rig r;
    if (!rig_open(&r, 2, DISPATCH_TO_RINGS)) {
        rig_close(&r);
        return;
    }
    /* The response is itself a packet for a worker that has not run yet: its
     * clock stands before the answer, which must stay for it. */
    send_dns_response(r.d, false, 40000, "files.example.com", SERVER, 10, T0_US);
    dispatch_tick(r.d, T0_US + 60 * SECOND_US);
    CHECK(cache_entries(&r) > 0);
    rig_start(&r);
    CHECK(workers_caught_up(&r));
    dispatch_tick(r.d, T0_US + 60 * SECOND_US);
    CHECK_INT(cache_entries(&r), 0);
    rig_close(&r);
}

int main(void)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/rules", src ? src : ".");
    struct diag d;
    diag_init(&d);
    rules = rules_load(dir, &d);
    diag_print(&d, stderr);
    diag_free(&d);
    struct store_config sc;
    memset(&sc, 0, sizeof(sc)); /* never connected: Redis is not contacted */
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "test");
    sc.cells_per_batch = 500;
    store = store_new(&sc);
    if (!rules || !store) {
        fprintf(stderr, "test_dispatch: no rules in %s, or no memory\n", dir);
        return 1;
    }
    dpi_global_init(0);

    RUN(dns_answers_over_udp_and_tcp_reach_the_cache);
    RUN(dns_message_in_a_port_53_payload);
    RUN(stun_requests_reach_the_peers_table);
    RUN(stun_requests_carry_their_hints);
    RUN(both_directions_reach_one_worker_in_thread);
    RUN(both_directions_reach_one_worker_through_rings);
    RUN(decode_failures_are_counted_by_reason);
    RUN(ticks_expire_dns_answers);
    RUN(dns_answers_wait_for_the_slowest_worker);

    store_free(store);
    rules_release(rules);
    return test_report();
}
