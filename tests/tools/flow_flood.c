/*
 * flow_flood.c - a capture of millions of distinct short flows, for the flow
 * flood test of scripts/bench.
 *
 * flow-flood writes a pcap of --flows short flows (2,000,000 by default) from
 * 60,000 clients in the sample office's department networks (and one network
 * no department owns) to public servers, one flow starting every 1/--rate
 * seconds of capture time (100,000 a second: 20 s for the default), so that a
 * flow table sees far more live flows than any sane limit before the first
 * idle timeout.  Flow i is one of four kinds, i mod 4:
 *   0  HTTP: SYN, SYN-ACK, a GET with a Host header, a 204 answer;
 *   1  TLS: SYN, SYN-ACK, a ClientHello with an SNI, the server's ACK;
 *   2  DNS: an A query to a public resolver and its answer (an address the
 *      flood's servers use, so later flows may be named by it);
 *   3  a refused connection: SYN, RST-ACK.
 * No flow closes with FIN: they end idle (or evicted), as a flood's do.  Half
 * of the names are domains of the shipped catalog, half are unique
 * (h<n>.flood.example), so the sensor both matches and misses.
 *
 * The flows are distinct: flow i's client is i mod 60000 and its source port
 * 10000 + i / 60000, so (client, port) never repeats below 3.3 billion flows.
 * Packets have right IPv4, TCP and UDP checksums.  Deterministic: the same
 * options give the same bytes.  The last line printed (standard output) is
 * "packets N captured_bytes C wire_bytes W seconds S flows F", like
 * pcap-multiply's.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#define DEFAULT_FLOWS 2000000u
#define DEFAULT_RATE  100000u
#define DEFAULT_START 1793606400LL /* 2026-11-02 08:00:00 UTC */
#define NCLIENTS      60000u
#define NSERVERS      131072u /* 198.18.0.0/15 */
#define US_PER_S      1000000LL
#define FRAME_MAX     1514

/* Client networks: the departments of rules/departments.conf, and one of none. */
static const uint8_t CLIENT_NETS[][2] = {{10, 10}, {10, 20}, {10, 30},
                                         {10, 40}, {10, 50}, {10, 128}};
#define NNETS (sizeof(CLIENT_NETS) / sizeof(CLIENT_NETS[0]))

/* Catalog domains (rules/services.conf) the flood names half of its flows after. */
static const char *const KNOWN_NAMES[] = {
    "www.dropbox.com",  "api.github.com",       "chatgpt.com",
    "drive.google.com", "teams.microsoft.com",  "slack.com",
    "zoom.us",          "www.box.com",          "web.whatsapp.com",
    "s3.amazonaws.com", "login.salesforce.com", "www.canva.com",
    "app.asana.com",    "www.notion.so",        "mega.nz",
    "wetransfer.com",
};
#define NKNOWN (sizeof(KNOWN_NAMES) / sizeof(KNOWN_NAMES[0]))

struct writer {
    pcap_dumper_t *out;
    uint64_t packets, bytes;
};

struct endpoint {
    uint8_t mac[6];
    uint8_t ip[4];
    uint16_t port;
};

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes Ethernet + IPv4 + the transport header and payload already placed at
 * frame + 34 (l4len bytes), filling lengths and checksums. */
static void emit(struct writer *w, uint8_t *frame, const struct endpoint *src,
                 const struct endpoint *dst, uint8_t proto, size_t l4len, int64_t ts_us)
{
    memcpy(frame, dst->mac, 6);
    memcpy(frame + 6, src->mac, 6);
    put16(frame + 12, 0x0800);
    uint8_t *ip = frame + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, (uint16_t)(w->packets * 2654435761u >> 16));
    put16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0);
    memcpy(ip + 12, src->ip, 4);
    memcpy(ip + 16, dst->ip, 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
    uint8_t *l4 = ip + 20;
    size_t field = proto == 6 ? 16 : 6;
    put16(l4 + field, 0);
    uint32_t pseudo = sum16(ip + 12, 8, 0) + proto + (uint32_t)l4len;
    uint16_t c = fold(sum16(l4, l4len, pseudo));
    put16(l4 + field, proto == 17 && c == 0 ? 0xffff : c);

    size_t len = 34 + l4len;
    struct pcap_pkthdr h = {.caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len};
    h.ts.tv_sec = (time_t)(ts_us / US_PER_S);
    h.ts.tv_usec = (suseconds_t)(ts_us % US_PER_S);
    pcap_dump((u_char *)w->out, &h, frame);
    w->packets++;
    w->bytes += len;
}

enum { TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10 };

static void tcp(struct writer *w, const struct endpoint *src, const struct endpoint *dst,
                uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data, size_t n,
                int64_t ts_us)
{
    uint8_t frame[FRAME_MAX];
    uint8_t *t = frame + 34;
    put16(t, src->port);
    put16(t + 2, dst->port);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = 5 << 4;
    t[13] = flags;
    put16(t + 14, 64240);
    put16(t + 18, 0);
    if (n)
        memcpy(t + 20, data, n);
    emit(w, frame, src, dst, 6, 20 + n, ts_us);
}

static void udp(struct writer *w, const struct endpoint *src, const struct endpoint *dst,
                const uint8_t *data, size_t n, int64_t ts_us)
{
    uint8_t frame[FRAME_MAX];
    uint8_t *u = frame + 34;
    put16(u, src->port);
    put16(u + 2, dst->port);
    put16(u + 4, (uint16_t)(8 + n));
    memcpy(u + 8, data, n);
    emit(w, frame, src, dst, 17, 8 + n, ts_us);
}

/* A DNS name in wire form; returns its length. */
static size_t dns_name(uint8_t *out, const char *name)
{
    size_t n = 0;
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t len = dot ? (size_t)(dot - name) : strlen(name);
        out[n++] = (uint8_t)len;
        memcpy(out + n, name, len);
        n += len;
        name += len + (dot ? 1 : 0);
    }
    out[n++] = 0;
    return n;
}

/* A TLS 1.3-style ClientHello carrying name in its SNI; returns its length. */
static size_t client_hello(uint8_t *out, const char *name, uint64_t rnd)
{
    size_t nl = strlen(name), n = 0;
    uint8_t *p = out;
    p[n++] = 0x16; /* handshake record */
    put16(p + n, 0x0301);
    n += 2;
    size_t rec_len_at = n;
    n += 2;
    p[n++] = 0x01; /* ClientHello */
    size_t hs_len_at = n;
    n += 3;
    put16(p + n, 0x0303);
    n += 2;
    for (int i = 0; i < 32; i++)
        p[n++] = (uint8_t)(splitmix64(rnd + (uint64_t)i) >> 24);
    p[n++] = 0; /* no session id */
    put16(p + n, 6);
    put16(p + n + 2, 0x1301);
    put16(p + n + 4, 0x1302);
    put16(p + n + 6, 0xc02f);
    n += 8;
    p[n++] = 1; /* compression: null */
    p[n++] = 0;
    size_t ext_len_at = n;
    n += 2;
    size_t ext_start = n;
    put16(p + n, 0x0000); /* server_name */
    put16(p + n + 2, (uint16_t)(nl + 5));
    put16(p + n + 4, (uint16_t)(nl + 3));
    p[n + 6] = 0;
    put16(p + n + 7, (uint16_t)nl);
    n += 9;
    memcpy(p + n, name, nl);
    n += nl;
    put16(p + n, 0x002b); /* supported_versions: TLS 1.3, 1.2 */
    put16(p + n + 2, 5);
    p[n + 4] = 4;
    put16(p + n + 5, 0x0304);
    put16(p + n + 7, 0x0303);
    n += 9;
    put16(p + ext_len_at, (uint16_t)(n - ext_start));
    size_t hs_len = n - hs_len_at - 3;
    p[hs_len_at] = (uint8_t)(hs_len >> 16);
    put16(p + hs_len_at + 1, (uint16_t)hs_len);
    put16(p + rec_len_at, (uint16_t)(n - rec_len_at - 2));
    return n;
}

static void server_addr(uint32_t idx, uint8_t ip[4])
{
    uint32_t s = (uint32_t)(((uint64_t)idx * 40503u) % NSERVERS); /* a permutation */
    ip[0] = 198;
    ip[1] = (uint8_t)(18 + (s >> 16));
    ip[2] = (uint8_t)(s >> 8);
    ip[3] = (uint8_t)s;
}

static void one_flow(struct writer *w, uint64_t i, int64_t t0)
{
    uint32_t c = (uint32_t)(i % NCLIENTS);
    struct endpoint cl = {
        .mac = {0x02, 0x00, 0x0f, (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c}};
    uint32_t host = c / NNETS + 1;
    cl.ip[0] = CLIENT_NETS[c % NNETS][0];
    cl.ip[1] = CLIENT_NETS[c % NNETS][1];
    cl.ip[2] = (uint8_t)(host >> 8);
    cl.ip[3] = (uint8_t)host;
    cl.port = (uint16_t)(10000 + i / NCLIENTS);
    struct endpoint sv = {.mac = {0x02, 0x00, 0x0e, 0x00, 0x00, 0x01}};
    server_addr((uint32_t)(i % NSERVERS), sv.ip);

    uint64_t j = i / 4;
    char name[64];
    if (j % 2 == 0)
        snprintf(name, sizeof(name), "%s", KNOWN_NAMES[(j / 2) % NKNOWN]);
    else
        snprintf(name, sizeof(name), "h%" PRIu64 ".flood.example", j);
    uint64_t r = splitmix64(i);
    uint32_t cseq = (uint32_t)r, sseq = (uint32_t)(r >> 32);
    uint8_t data[512];
    size_t n;

    switch (i % 4) {
    case 0:
        sv.port = 80;
        n = (size_t)snprintf((char *)data, sizeof(data),
                             "GET / HTTP/1.1\r\nHost: %s\r\nUser-Agent: flow-flood/1\r\n"
                             "Accept: */*\r\n\r\n",
                             name);
        tcp(w, &cl, &sv, cseq, 0, TH_SYN, NULL, 0, t0);
        tcp(w, &sv, &cl, sseq, cseq + 1, TH_SYN | TH_ACK, NULL, 0, t0 + 1);
        tcp(w, &cl, &sv, cseq + 1, sseq + 1, TH_PSH | TH_ACK, data, n, t0 + 2);
        {
            static const char ok[] = "HTTP/1.1 204 No Content\r\nServer: flood\r\n\r\n";
            tcp(w, &sv, &cl, sseq + 1, cseq + 1 + (uint32_t)n, TH_PSH | TH_ACK, (const uint8_t *)ok,
                sizeof(ok) - 1, t0 + 3);
        }
        break;
    case 1:
        sv.port = 443;
        n = client_hello(data, name, r);
        tcp(w, &cl, &sv, cseq, 0, TH_SYN, NULL, 0, t0);
        tcp(w, &sv, &cl, sseq, cseq + 1, TH_SYN | TH_ACK, NULL, 0, t0 + 1);
        tcp(w, &cl, &sv, cseq + 1, sseq + 1, TH_PSH | TH_ACK, data, n, t0 + 2);
        tcp(w, &sv, &cl, sseq + 1, cseq + 1 + (uint32_t)n, TH_ACK, NULL, 0, t0 + 3);
        break;
    case 2: {
        sv.port = 53;
        uint16_t id = (uint16_t)r;
        uint8_t q[300];
        put16(q, id);
        put16(q + 2, 0x0100); /* standard query, recursion desired */
        put16(q + 4, 1);
        put16(q + 6, 0);
        put16(q + 8, 0);
        put16(q + 10, 0);
        n = 12 + dns_name(q + 12, name);
        put16(q + n, 1); /* A */
        put16(q + n + 2, 1);
        n += 4;
        udp(w, &cl, &sv, q, n, t0);
        put16(q + 2, 0x8180); /* response, no error */
        put16(q + 6, 1);
        put16(q + n, 0xc00c); /* the question's name */
        put16(q + n + 2, 1);
        put16(q + n + 4, 1);
        put32(q + n + 6, 300);
        put16(q + n + 10, 4);
        server_addr((uint32_t)((i + 1) % NSERVERS), q + n + 12);
        n += 16;
        udp(w, &sv, &cl, q, n, t0 + 1);
        break;
    }
    default:
        sv.port = (uint16_t)(1 + r % 1024);
        tcp(w, &cl, &sv, cseq, 0, TH_SYN, NULL, 0, t0);
        tcp(w, &sv, &cl, 0, cseq + 1, TH_RST | TH_ACK, NULL, 0, t0 + 1);
        break;
    }
}

static void usage(FILE *f)
{
    fputs("usage: flow-flood -o OUT.pcap [--flows N] [--rate N] [--start UNIX]\n"
          "\n"
          "Writes N distinct short flows (HTTP, TLS, DNS, refused TCP) from 60,000\n"
          "clients to public servers, one starting every 1/rate seconds.\n"
          "\n"
          "  -o, --output FILE  the capture (pcap)\n"
          "  -n, --flows N      flows, default 2000000\n"
          "      --rate N       flows started per second of capture time, default 100000\n"
          "      --start UNIX   time of the first packet, default 1793606400 (2026-11-02 08:00)\n"
          "  -h, --help         this text\n",
          f);
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"flows", required_argument, NULL, 'n'},
        {"rate", required_argument, NULL, 'R'},   {"start", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    uint64_t flows = DEFAULT_FLOWS, rate = DEFAULT_RATE, start = DEFAULT_START;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:n:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            path = optarg;
            break;
        case 'n':
            if (!parse_u64(optarg, 1, 1000000000, &flows)) {
                fprintf(stderr, "flow-flood: --flows %s: expected 1 to 1000000000\n", optarg);
                return 2;
            }
            break;
        case 'R':
            if (!parse_u64(optarg, 1, 250000, &rate)) {
                fprintf(stderr, "flow-flood: --rate %s: expected 1 to 250000 (a flow takes 4 us)\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            if (!parse_u64(optarg, 0, 4000000000u, &start)) {
                fprintf(stderr, "flow-flood: --start %s: expected a unix time\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!path || optind < argc) {
        fputs("flow-flood: needs -o OUT.pcap and no other argument\n", stderr);
        usage(stderr);
        return 2;
    }
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    struct writer w = {.out = dead ? pcap_dump_open(dead, path) : NULL};
    if (!w.out) {
        fprintf(stderr, "flow-flood: %s: %s\n", path, dead ? pcap_geterr(dead) : "no libpcap");
        if (dead)
            pcap_close(dead);
        return 1;
    }
    int64_t t = (int64_t)start * US_PER_S, last = t;
    for (uint64_t i = 0; i < flows; i++) {
        /* Exact spacing without drift: flow i starts at i * 1e6 / rate us. */
        last = t + (int64_t)(i * (uint64_t)US_PER_S / rate);
        one_flow(&w, i, last);
    }
    int rc = 0;
    if (pcap_dump_flush(w.out) != 0 || ferror(pcap_dump_file(w.out))) {
        fprintf(stderr, "flow-flood: %s: write failed\n", path);
        rc = 1;
    }
    pcap_dump_close(w.out);
    pcap_close(dead);
    printf("packets %" PRIu64 " captured_bytes %" PRIu64 " wire_bytes %" PRIu64
           " seconds %.6f flows %" PRIu64 "\n",
           w.packets, w.bytes, w.bytes, (double)(last - t) / US_PER_S, flows);
    return rc;
}
