/*
 * test_decode.c - the packet decoder on hand-built frames, whole and cut short.
 *
 * Every frame is assembled here header by header, with real layouts, lengths
 * and checksums, so a test reads as the packet it sends.  Each frame a test
 * decodes is also kept, and the truncation sweep at the end feeds every prefix
 * of every kept frame to the decoder from a heap buffer of exactly that size,
 * so AddressSanitizer sees any read past the capture.
 *
 * The builder records where the last header it put ends (hdr_end): a capture
 * shorter than that must not decode, and one at least that long must decode
 * to the same packet as the whole frame.
 */
#include "decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "netaddr.h"
#include "test.h"

#define FRAME_MAX   2048
#define SAMPLES_MAX 160

struct frame {
    uint8_t b[FRAME_MAX];
    size_t n;
    size_t hdr_end; /* end of the last header put: a shorter capture must not decode */
    bool lenient;   /* past hdr_end the decoder may still need bytes (tunnel or plain UDP?) */
};

/* ---- the frame builder ---- */

static void put8(struct frame *f, unsigned v)
{
    if (f->n >= FRAME_MAX) {
        fprintf(stderr, "test frame larger than %d bytes\n", FRAME_MAX);
        abort();
    }
    f->b[f->n++] = (uint8_t)v;
}

static void put16(struct frame *f, unsigned v)
{
    put8(f, (v >> 8) & 0xff);
    put8(f, v & 0xff);
}

static void put32(struct frame *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}

static void put16le(struct frame *f, unsigned v)
{
    put8(f, v & 0xff);
    put8(f, (v >> 8) & 0xff);
}

static void put32le(struct frame *f, uint32_t v)
{
    put16le(f, v & 0xffff);
    put16le(f, v >> 16);
}

static void put_bytes(struct frame *f, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(f, ((const uint8_t *)p)[i]);
}

static void put_zeros(struct frame *f, size_t n)
{
    while (n--)
        put8(f, 0);
}

static void put_text(struct frame *f, const char *s)
{
    put_bytes(f, s, strlen(s));
}

static void set16(struct frame *f, size_t off, unsigned v)
{
    f->b[off] = (uint8_t)(v >> 8);
    f->b[off + 1] = (uint8_t)v;
}

static void mark(struct frame *f)
{
    f->hdr_end = f->n;
}

static void put_addr(struct frame *f, const char *s, bool v6)
{
    struct netaddr a;
    if (!netaddr_parse(s, &a)) {
        fprintf(stderr, "bad test address %s\n", s);
        abort();
    }
    if (v6)
        put_bytes(f, a.b, 16);
    else
        put_bytes(f, a.b + 12, 4);
}

/* The Internet checksum: one's complement sum of 16-bit words. */
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

static const uint8_t MAC_DST[6] = {0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5d};
static const uint8_t MAC_SRC[6] = {0x02, 0x42, 0xac, 0x11, 0x00, 0x02};

static void eth(struct frame *f, unsigned type)
{
    put_bytes(f, MAC_DST, 6);
    put_bytes(f, MAC_SRC, 6);
    put16(f, type);
}

/* The tag control information of an 802.1Q/802.1ad tag, then the next type. */
static void vlan(struct frame *f, unsigned pcp, unsigned vid, unsigned type)
{
    put16(f, pcp << 13 | vid);
    put16(f, type);
}

static void mpls(struct frame *f, uint32_t label, bool bottom)
{
    put32(f, label << 12 | (bottom ? 0x100u : 0) | 64);
}

#define IP_ID    0x1234 /* identification of the innermost IPv4 packets */
#define OUTER_ID 0x0bad /* and of the tunnels around them */

static size_t ipv4_begin_opts(struct frame *f, unsigned proto, const char *src, const char *dst,
                              const uint8_t *opts, size_t optlen)
{
    size_t ip = f->n;
    put8(f, 0x40 | (unsigned)(5 + optlen / 4));
    put8(f, 0);  /* DSCP, ECN */
    put16(f, 0); /* total length: ipv4_end */
    put16(f, IP_ID);
    put16(f, 0x4000); /* don't fragment */
    put8(f, 64);
    put8(f, proto);
    put16(f, 0); /* checksum: ipv4_end */
    put_addr(f, src, false);
    put_addr(f, dst, false);
    put_bytes(f, opts, optlen);
    mark(f);
    return ip;
}

static size_t ipv4_begin(struct frame *f, unsigned proto, const char *src, const char *dst)
{
    return ipv4_begin_opts(f, proto, src, dst, NULL, 0);
}

static void ipv4_checksum(struct frame *f, size_t ip)
{
    size_t hlen = (f->b[ip] & 0x0fu) * 4;
    set16(f, ip + 10, 0);
    set16(f, ip + 10, fold(sum16(0, f->b + ip, hlen)));
}

static void ipv4_end(struct frame *f, size_t ip)
{
    set16(f, ip + 2, (unsigned)(f->n - ip));
    ipv4_checksum(f, ip);
}

static size_t ipv6_begin(struct frame *f, unsigned next, const char *src, const char *dst)
{
    size_t ip = f->n;
    put32(f, 0x60000000 | 0x12345); /* version 6, flow label */
    put16(f, 0);                    /* payload length: ipv6_end */
    put8(f, next);
    put8(f, 64);
    put_addr(f, src, true);
    put_addr(f, dst, true);
    mark(f);
    return ip;
}

static void ipv6_end(struct frame *f, size_t ip)
{
    set16(f, ip + 4, (unsigned)(f->n - ip - 40));
}

/* Hop-by-hop or destination options of len bytes (a multiple of 8), padded
 * with a PadN option. */
static void ipv6_options(struct frame *f, unsigned next, size_t len)
{
    put8(f, next);
    put8(f, (unsigned)(len / 8 - 1));
    put8(f, 1); /* PadN */
    put8(f, (unsigned)(len - 4));
    put_zeros(f, len - 4);
    mark(f);
}

static void ipv6_fragment(struct frame *f, unsigned next, unsigned offset, bool more, uint32_t id)
{
    put8(f, next);
    put8(f, 0);
    put16(f, offset << 3 | (more ? 1 : 0));
    put32(f, id);
    mark(f);
}

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

static size_t tcp_put(struct frame *f, unsigned sport, unsigned dport, unsigned flags, bool options)
{
    static const uint8_t mss_sackok[8] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2};
    size_t l4 = f->n;
    put16(f, sport);
    put16(f, dport);
    put32(f, 0x01020304); /* sequence */
    put32(f, flags & TCP_ACK ? 0x0a0b0c0d : 0);
    put8(f, (options ? 7u : 5u) << 4);
    put8(f, flags);
    put16(f, 64240); /* window */
    put16(f, 0);     /* checksum: l4_end */
    put16(f, 0);     /* urgent pointer */
    if (options)
        put_bytes(f, mss_sackok, sizeof mss_sackok);
    mark(f);
    return l4;
}

static size_t udp_put(struct frame *f, unsigned sport, unsigned dport)
{
    size_t l4 = f->n;
    put16(f, sport);
    put16(f, dport);
    put16(f, 0); /* length: l4_end */
    put16(f, 0); /* checksum: l4_end */
    mark(f);
    return l4;
}

/* Sets a UDP length and the TCP or UDP checksum over the pseudo-header of
 * the IP header at ip (proto given: IPv6 extension headers may sit between). */
static void l4_end(struct frame *f, size_t ip, size_t l4, unsigned proto)
{
    size_t len = f->n - l4;
    size_t csum = proto == 6 ? 16 : 6;
    if (proto == 17)
        set16(f, l4 + 4, (unsigned)len);
    set16(f, l4 + csum, 0);
    uint32_t sum = f->b[ip] >> 4 == 4 ? sum16(0, f->b + ip + 12, 8) : sum16(0, f->b + ip + 8, 32);
    sum += proto + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff);
    unsigned c = fold(sum16(sum, f->b + l4, len));
    set16(f, l4 + csum, proto == 17 && c == 0 ? 0xffff : c);
}

/* A GRE header with its optional words (checksum+reserved, key, sequence,
 * or PPTP's key, sequence, acknowledgement) in order. */
static size_t gre_put(struct frame *f, unsigned flags, unsigned proto, const uint32_t *opt,
                      size_t nopt)
{
    size_t gre = f->n;
    put16(f, flags);
    put16(f, proto);
    for (size_t i = 0; i < nopt; i++)
        put32(f, opt[i]);
    mark(f);
    return gre;
}

/* ---- the packets most tests carry innermost ---- */

#define CLIENT4    "192.0.2.10"
#define SERVER4    "198.51.100.20"
#define CLIENT6    "2001:db8:1::10"
#define SERVER6    "2001:db8:2::53"
#define OUTER_SRC4 "203.0.113.1"
#define OUTER_DST4 "203.0.113.2"
#define OUTER_SRC6 "2001:db8:ffff::1"
#define OUTER_DST6 "2001:db8:ffff::2"

static const char HTTP_REQUEST[] = "GET / HTTP/1.1\r\n";
#define HTTP_LEN (sizeof HTTP_REQUEST - 1)
static const uint8_t DNS_QUERY[12] = {0x4a, 0x1f, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};

static bool span_within(const uint8_t *p, uint32_t len, const uint8_t *base, size_t size)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;
    return a >= b && a - b <= size && len <= size - (a - b);
}

/* True when the payload is these bytes; safe on a packet the decoder left unset. */
static bool payload_is(const struct packet *p, const struct frame *f, const void *bytes, size_t n)
{
    return p->payload_caplen == n && span_within(p->payload, (uint32_t)n, f->b, f->n) &&
           memcmp(p->payload, bytes, n) == 0;
}

#define CHECK_ADDR(a, s)                                                                           \
    do {                                                                                           \
        char addr_buf_[NETADDR_STRLEN];                                                            \
        CHECK_STR(netaddr_format(&(a), addr_buf_, sizeof addr_buf_), s);                           \
    } while (0)

/* A client's HTTP request over IPv4; returns the offset of its IP header. */
static size_t put_tcp4(struct frame *f)
{
    size_t ip = ipv4_begin(f, 6, CLIENT4, SERVER4);
    size_t l4 = tcp_put(f, 49152, 80, TCP_PSH | TCP_ACK, false);
    put_text(f, HTTP_REQUEST);
    l4_end(f, ip, l4, 6);
    ipv4_end(f, ip);
    return ip;
}

static void check_tcp4(const struct packet *p, const struct frame *f, size_t ip)
{
    size_t len = 20 + 20 + HTTP_LEN;
    CHECK_INT(p->ip_version, 4);
    CHECK_ADDR(p->src, CLIENT4);
    CHECK_ADDR(p->dst, SERVER4);
    CHECK(p->l3 == f->b + ip);
    CHECK_INT(p->ip_len, len);
    CHECK_INT(p->l3_caplen, len);
    CHECK(p->l4 == f->b + ip + 20);
    CHECK_INT(p->l4_caplen, len - 20);
    CHECK_INT(p->l4_proto, 6);
    CHECK_INT(p->sport, 49152);
    CHECK_INT(p->dport, 80);
    CHECK_INT(p->tcp_flags, TCP_PSH | TCP_ACK);
    CHECK_INT(p->fragment, FRAGMENT_NONE);
    CHECK_INT(p->frag_id, IP_ID);
    CHECK(p->payload == f->b + ip + 40);
    CHECK_INT(p->payload_caplen, HTTP_LEN);
    CHECK(payload_is(p, f, HTTP_REQUEST, HTTP_LEN));
}

/* A DNS query over IPv6; returns the offset of its IP header. */
static size_t put_udp6(struct frame *f)
{
    size_t ip = ipv6_begin(f, 17, CLIENT6, SERVER6);
    size_t l4 = udp_put(f, 53000, 53);
    put_bytes(f, DNS_QUERY, sizeof DNS_QUERY);
    l4_end(f, ip, l4, 17);
    ipv6_end(f, ip);
    return ip;
}

/* hdrs: bytes of IPv6 extension headers between the fixed header and UDP. */
static void check_udp6_ext(const struct packet *p, const struct frame *f, size_t ip, size_t hdrs)
{
    size_t len = 40 + hdrs + 8 + sizeof DNS_QUERY;
    CHECK_INT(p->ip_version, 6);
    CHECK_ADDR(p->src, CLIENT6);
    CHECK_ADDR(p->dst, SERVER6);
    CHECK(p->l3 == f->b + ip);
    CHECK_INT(p->ip_len, len);
    CHECK_INT(p->l3_caplen, len);
    CHECK(p->l4 == f->b + ip + 40 + hdrs);
    CHECK_INT(p->l4_caplen, 8 + sizeof DNS_QUERY);
    CHECK_INT(p->l4_proto, 17);
    CHECK_INT(p->sport, 53000);
    CHECK_INT(p->dport, 53);
    CHECK_INT(p->tcp_flags, 0);
    CHECK_INT(p->fragment, FRAGMENT_NONE);
    CHECK_INT(p->frag_id, 0);
    CHECK(p->payload == f->b + ip + 40 + hdrs + 8);
    CHECK_INT(p->payload_caplen, sizeof DNS_QUERY);
    CHECK(payload_is(p, f, DNS_QUERY, sizeof DNS_QUERY));
}

static void check_udp6(const struct packet *p, const struct frame *f, size_t ip)
{
    check_udp6_ext(p, f, ip, 0);
}

/* ---- decoding, and keeping every frame for the truncation sweep ---- */

struct sample {
    const char *test;
    int linktype;
    struct frame f;
};

static struct sample samples[SAMPLES_MAX];
static size_t sample_count;

/* What every decoded packet must satisfy: its spans nest inside the capture. */
static bool packet_within(const struct packet *p, const uint8_t *data, size_t caplen)
{
    if (!span_within(p->l3, p->l3_caplen, data, caplen) || p->l3_caplen > p->ip_len)
        return false;
    if (p->fragment == FRAGMENT_LATER)
        return !p->l4 && !p->payload && !p->l4_caplen && !p->payload_caplen && !p->sport &&
               !p->dport;
    if (!p->l4 || !span_within(p->l4, p->l4_caplen, p->l3, p->l3_caplen))
        return false;
    if (!p->payload)
        return p->payload_caplen == 0;
    return p->payload_caplen > 0 && span_within(p->payload, p->payload_caplen, p->l4, p->l4_caplen);
}

static enum decode_status decode_frame(int linktype, const struct frame *f, struct packet *p)
{
    memset(p, 0xa5, sizeof(*p)); /* a field the decoder forgets cannot pass by luck */
    enum decode_status st = decode_packet(linktype, f->b, (uint32_t)f->n, p);
    if (sample_count == SAMPLES_MAX) {
        fprintf(stderr, "more than %d samples: raise SAMPLES_MAX\n", SAMPLES_MAX);
        abort();
    }
    samples[sample_count].test = test_current;
    samples[sample_count].linktype = linktype;
    samples[sample_count].f = *f;
    sample_count++;
    if (st == DECODE_OK)
        CHECK(packet_within(p, f->b, f->n));
    return st;
}

/* ---- Ethernet, IPv4, IPv6 ---- */

TEST(ethernet_ipv4_tcp)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.vlan, 0);
    CHECK_INT(p.encap, 0);
}

TEST(ethernet_ipv6_udp)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = put_udp6(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, 0);
}

TEST(ipv6_hop_by_hop_and_destination_options)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = ipv6_begin(&f, 0, CLIENT6, SERVER6);
    ipv6_options(&f, 60, 8);
    ipv6_options(&f, 17, 16);
    size_t l4 = udp_put(&f, 53000, 53);
    put_bytes(&f, DNS_QUERY, sizeof DNS_QUERY);
    l4_end(&f, ip, l4, 17);
    ipv6_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6_ext(&p, &f, ip, 24);
}

TEST(ipv6_routing_and_authentication_headers)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = ipv6_begin(&f, 43, CLIENT6, SERVER6);
    /* a segment routing header (type 4) with one segment, none left */
    put8(&f, 51);
    put8(&f, 2); /* (2 + 1) * 8 = 24 bytes */
    put8(&f, 4);
    put8(&f, 0);
    put8(&f, 0);
    put8(&f, 0);
    put16(&f, 0);
    put_addr(&f, SERVER6, true);
    /* AH: payload length (6 - 2) in 4-byte units, SPI, sequence, 12-byte ICV */
    put8(&f, 17);
    put8(&f, 4);
    put16(&f, 0);
    put32(&f, 0x00001000);
    put32(&f, 1);
    put_zeros(&f, 12);
    size_t l4 = udp_put(&f, 53000, 53);
    put_bytes(&f, DNS_QUERY, sizeof DNS_QUERY);
    l4_end(&f, ip, l4, 17);
    ipv6_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6_ext(&p, &f, ip, 24 + 24);
}

TEST(ipv4_with_options)
{
    static struct frame f;
    struct packet p;
    static const uint8_t router_alert[4] = {0x94, 0x04, 0x00, 0x00};
    eth(&f, 0x0800);
    size_t ip = ipv4_begin_opts(&f, 6, CLIENT4, SERVER4, router_alert, sizeof router_alert);
    size_t l4 = tcp_put(&f, 49152, 80, TCP_SYN, true);
    l4_end(&f, ip, l4, 6);
    ipv4_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_ADDR(p.src, CLIENT4);
    CHECK_ADDR(p.dst, SERVER4);
    CHECK_INT(p.ip_len, 24 + 28);
    CHECK(p.l4 == f.b + ip + 24);
    CHECK_INT(p.l4_caplen, 28);
    CHECK_INT(p.sport, 49152);
    CHECK_INT(p.dport, 80);
    CHECK_INT(p.tcp_flags, TCP_SYN);
    CHECK(p.payload == NULL);
    CHECK_INT(p.payload_caplen, 0);
}

TEST(other_transport_protocols)
{
    static struct frame icmp, icmp6, esp, none;
    struct packet p;

    eth(&icmp, 0x0800);
    size_t ip = ipv4_begin(&icmp, 1, CLIENT4, SERVER4);
    put8(&icmp, 8); /* echo request */
    put8(&icmp, 0);
    put16(&icmp, 0);
    put32(&icmp, 0x00010001);
    put_text(&icmp, "ping");
    set16(&icmp, ip + 22, fold(sum16(0, icmp.b + ip + 20, 12)));
    ipv4_end(&icmp, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &icmp, &p), DECODE_OK);
    CHECK_INT(p.l4_proto, 1);
    CHECK(p.l4 == icmp.b + ip + 20);
    CHECK_INT(p.l4_caplen, 12);
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.dport, 0);
    CHECK(p.payload == NULL);
    CHECK_INT(p.payload_caplen, 0);

    eth(&icmp6, 0x86dd);
    ip = ipv6_begin(&icmp6, 58, CLIENT6, SERVER6);
    put8(&icmp6, 128); /* echo request; the checksum is not read */
    put8(&icmp6, 0);
    put16(&icmp6, 0);
    put32(&icmp6, 0x00010001);
    ipv6_end(&icmp6, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &icmp6, &p), DECODE_OK);
    CHECK_INT(p.l4_proto, 58);
    CHECK(p.l4 == icmp6.b + ip + 40);
    CHECK_INT(p.l4_caplen, 8);
    CHECK_INT(p.sport, 0);
    CHECK(p.payload == NULL);

    eth(&esp, 0x86dd);
    ip = ipv6_begin(&esp, 0, CLIENT6, SERVER6);
    ipv6_options(&esp, 50, 8);
    put32(&esp, 0x00001001); /* SPI */
    put32(&esp, 7);          /* sequence */
    put_zeros(&esp, 24);     /* encrypted */
    ipv6_end(&esp, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &esp, &p), DECODE_OK);
    CHECK_INT(p.l4_proto, 50);
    CHECK(p.l4 == esp.b + ip + 48);
    CHECK_INT(p.l4_caplen, 32);
    CHECK(p.payload == NULL);

    eth(&none, 0x86dd);
    ip = ipv6_begin(&none, 59, CLIENT6, SERVER6);
    ipv6_end(&none, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &none, &p), DECODE_OK);
    CHECK_INT(p.l4_proto, 59);
    CHECK_INT(p.ip_len, 40);
    CHECK_INT(p.l4_caplen, 0);
}

/* ---- VLAN, MPLS, PPPoE ---- */

TEST(single_vlan)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8100);
    vlan(&f, 3, 100, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.vlan, 100);
    CHECK_INT(p.encap, ENCAP_VLAN);
}

TEST(qinq)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x88a8);
    vlan(&f, 0, 200, 0x8100);
    vlan(&f, 5, 300, 0x86dd);
    size_t ip = put_udp6(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.vlan, 300);
    CHECK_INT(p.encap, ENCAP_VLAN | ENCAP_QINQ);
}

TEST(three_tags_with_0x9100)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x9100);
    vlan(&f, 0, 10, 0x88a8);
    vlan(&f, 0, 20, 0x8100);
    vlan(&f, 0, 4094, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.vlan, 4094);
    CHECK_INT(p.encap, ENCAP_VLAN | ENCAP_QINQ);
}

TEST(mpls_two_labels_ipv4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8847);
    mpls(&f, 1000, false);
    mpls(&f, 2000, true);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_MPLS);
}

TEST(mpls_ipv6)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8847);
    mpls(&f, 16, true);
    size_t ip = put_udp6(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_MPLS);
}

TEST(mpls_control_word_ethernet)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8847);
    mpls(&f, 100, false);
    mpls(&f, 3000, true);
    put32(&f, 0x00000001); /* control word: sequence 1 */
    eth(&f, 0x8100);
    vlan(&f, 0, 77, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 8 + 4 + 18);
    CHECK_INT(p.vlan, 77);
    CHECK_INT(p.encap, ENCAP_MPLS | ENCAP_VLAN);
}

static size_t pppoe_begin(struct frame *f, unsigned ppp_proto)
{
    size_t h = f->n;
    put8(f, 0x11); /* version 1, type 1 */
    put8(f, 0);    /* code: session data */
    put16(f, 0x1a2b);
    put16(f, 0); /* length: pppoe_end */
    put16(f, ppp_proto);
    return h;
}

static void pppoe_end(struct frame *f, size_t h)
{
    set16(f, h + 4, (unsigned)(f->n - h - 6));
}

TEST(pppoe_session_ipv4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8864);
    size_t h = pppoe_begin(&f, 0x0021);
    size_t ip = put_tcp4(&f);
    pppoe_end(&f, h);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_PPPOE);
}

TEST(pppoe_session_ipv6)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8100);
    vlan(&f, 0, 35, 0x8864);
    size_t h = pppoe_begin(&f, 0x0057);
    size_t ip = put_udp6(&f);
    pppoe_end(&f, h);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.vlan, 35);
    CHECK_INT(p.encap, ENCAP_PPPOE | ENCAP_VLAN);
}

TEST(pppoe_lcp_and_discovery_are_not_ip)
{
    static struct frame lcp, padi;
    struct packet p;
    eth(&lcp, 0x8864);
    size_t h = pppoe_begin(&lcp, 0xc021);
    put8(&lcp, 9); /* echo request */
    put8(&lcp, 1);
    put16(&lcp, 8);
    put32(&lcp, 0x12345678); /* magic */
    pppoe_end(&lcp, h);
    put_zeros(&lcp, 60 - lcp.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &lcp, &p), DECODE_NOT_IP);

    eth(&padi, 0x8863);
    put8(&padi, 0x11);
    put8(&padi, 0x09); /* PADI */
    put16(&padi, 0);
    put16(&padi, 4);
    put16(&padi, 0x0101); /* service name, empty */
    put16(&padi, 0);
    put_zeros(&padi, 60 - padi.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &padi, &p), DECODE_NOT_IP);
}

/* ---- GRE and ERSPAN ---- */

static size_t outer_ipv4(struct frame *f, unsigned proto)
{
    size_t ip = ipv4_begin(f, proto, OUTER_SRC4, OUTER_DST4);
    set16(f, ip + 4, OUTER_ID);
    return ip;
}

TEST(gre_ipv4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0, 0x0800, NULL, 0);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 4);
    CHECK_INT(p.encap, ENCAP_GRE);
}

TEST(gre_checksum_key_sequence_ipv6)
{
    static struct frame f;
    struct packet p;
    static const uint32_t opt[3] = {0, 0x0000abcd, 7}; /* checksum+reserved, key, sequence */
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    size_t gre = gre_put(&f, 0xb000, 0x86dd, opt, 3);
    size_t ip = put_udp6(&f);
    set16(&f, gre + 4, fold(sum16(0, f.b + gre, f.n - gre)));
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 16);
    CHECK_INT(p.encap, ENCAP_GRE);
}

TEST(gre_transparent_ethernet_bridging)
{
    static struct frame f;
    struct packet p;
    static const uint32_t key = 42;
    eth(&f, 0x86dd);
    size_t outer = ipv6_begin(&f, 47, OUTER_SRC6, OUTER_DST6);
    gre_put(&f, 0x2000, 0x6558, &key, 1);
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    ipv6_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_GRE);
}

TEST(gre_mpls)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0, 0x8847, NULL, 0);
    mpls(&f, 500, true);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_MPLS);
}

TEST(gre_unsupported_forms)
{
    static struct frame routing, version2, wccp;
    struct packet p;
    static const uint32_t routing_words[2] = {0, 0};

    eth(&routing, 0x0800);
    size_t outer = outer_ipv4(&routing, 47);
    gre_put(&routing, 0x4000, 0x0800, routing_words, 2);
    put_tcp4(&routing);
    ipv4_end(&routing, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &routing, &p), DECODE_UNSUPPORTED);

    eth(&version2, 0x0800);
    outer = outer_ipv4(&version2, 47);
    gre_put(&version2, 0x0002, 0x0800, NULL, 0);
    put_tcp4(&version2);
    ipv4_end(&version2, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &version2, &p), DECODE_UNSUPPORTED);

    eth(&wccp, 0x0800);
    outer = outer_ipv4(&wccp, 47);
    gre_put(&wccp, 0, 0x883e, NULL, 0);
    put32(&wccp, 0);
    put_tcp4(&wccp);
    ipv4_end(&wccp, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &wccp, &p), DECODE_UNSUPPORTED);
}

TEST(erspan_type1)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0, 0x88be, NULL, 0);
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 4 + 14);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_ERSPAN);
}

TEST(erspan_type2)
{
    static struct frame f;
    struct packet p;
    static const uint32_t seq = 1;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0x1000, 0x88be, &seq, 1);
    put16(&f, 1u << 12 | 12); /* version 1, VLAN 12 */
    put16(&f, 100);           /* CoS 0, En 0, T 0, session 100 */
    put32(&f, 0x00000007);    /* reserved, index */
    eth(&f, 0x8100);
    vlan(&f, 0, 812, 0x86dd);
    size_t ip = put_udp6(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 8 + 8 + 18);
    CHECK_INT(p.vlan, 812);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_ERSPAN | ENCAP_VLAN);
}

/* ERSPAN type III header: version 2, session 101, a timestamp, SGT, and in
 * the last 16 bits P, frame type, hardware id 3, D, granularity, O. */
static void erspan3(struct frame *f, unsigned frame_type, bool subheader)
{
    put16(f, 2u << 12 | 13); /* version 2, VLAN 13 */
    put16(f, 101);           /* CoS, BSO, T, session */
    put32(f, 0x5f5e1000);    /* timestamp */
    put16(f, 0);             /* SGT */
    put16(f, frame_type << 10 | 3u << 4 | (subheader ? 1u : 0));
    if (subheader) {
        put16(f, 3u << 10 | 0x0042); /* platform id 3, switch id */
        put16(f, 0x0007);            /* port/index */
        put32(f, 0x00000001);        /* upper timestamp */
    }
}

TEST(erspan_type3)
{
    static struct frame f;
    struct packet p;
    static const uint32_t seq = 9;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0x1000, 0x22eb, &seq, 1);
    erspan3(&f, 0, false);
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 8 + 12 + 14);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_ERSPAN);
}

TEST(erspan_type3_platform_subheader)
{
    static struct frame f;
    struct packet p;
    static const uint32_t seq = 10;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0x1000, 0x22eb, &seq, 1);
    erspan3(&f, 0, true);
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 8 + 12 + 8 + 14);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_ERSPAN);
}

TEST(erspan_type3_ip_frame)
{
    static struct frame f;
    struct packet p;
    static const uint32_t seq = 11;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 47);
    gre_put(&f, 0x1000, 0x22eb, &seq, 1);
    erspan3(&f, 2, false);
    size_t ip = put_udp6(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_GRE | ENCAP_ERSPAN);
}

/* PPTP's GRE: K, S, version 1; key = PPP payload length and call id. */
static size_t pptp_begin(struct frame *f, bool ack)
{
    /* payload length 0 (pptp_end) and call id 1; sequence 1; acknowledgement 5 */
    static const uint32_t opt[3] = {0x00000001, 1, 5};
    return gre_put(f, ack ? 0x3081 : 0x3001, 0x880b, opt, ack ? 3 : 2);
}

static void pptp_end(struct frame *f, size_t gre, bool ack)
{
    set16(f, gre + 4, (unsigned)(f->n - gre - (ack ? 16 : 12)));
}

TEST(pptp_gre_ppp_ipv4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = ipv4_begin(&f, 47, "10.0.0.1", "10.0.0.2");
    size_t gre = pptp_begin(&f, true);
    put8(&f, 0xff);
    put8(&f, 0x03);
    put16(&f, 0x0021);
    size_t ip = put_tcp4(&f);
    pptp_end(&f, gre, true);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 16 + 4);
    CHECK_INT(p.encap, ENCAP_GRE);
}

TEST(pptp_compressed_ppp_header)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = ipv4_begin(&f, 47, "10.0.0.1", "10.0.0.2");
    size_t gre = pptp_begin(&f, false);
    put8(&f, 0x57); /* address and control left out, protocol in one byte */
    size_t ip = put_udp6(&f);
    pptp_end(&f, gre, false);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 12 + 1);
    CHECK_INT(p.encap, ENCAP_GRE);
}

TEST(pptp_acknowledgement_is_the_gre_packet)
{
    static struct frame f;
    struct packet p;
    static const uint32_t opt[2] = {0x00000001, 5}; /* length 0, call id 1; ack 5 */
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 47, "10.0.0.1", "10.0.0.2");
    gre_put(&f, 0x2081, 0x880b, opt, 2);
    ipv4_end(&f, ip);
    put_zeros(&f, 60 - f.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_ADDR(p.src, "10.0.0.1");
    CHECK_ADDR(p.dst, "10.0.0.2");
    CHECK_INT(p.l4_proto, 47);
    CHECK(p.l4 == f.b + ip + 20);
    CHECK_INT(p.l4_caplen, 12);
    CHECK_INT(p.ip_len, 32);
    CHECK(p.payload == NULL);
    CHECK_INT(p.encap, 0);
}

/* ---- UDP tunnels ---- */

TEST(vxlan)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x8100);
    vlan(&f, 0, 10, 0x0800);
    size_t outer = outer_ipv4(&f, 17);
    size_t udp = udp_put(&f, 54321, 4789);
    put32(&f, 0x08000000); /* I flag */
    put32(&f, 5000u << 8); /* VNI */
    eth(&f, 0x8100);
    vlan(&f, 0, 42, 0x0800);
    size_t ip = put_tcp4(&f);
    l4_end(&f, outer, udp, 17);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    /* one tag in each frame: the inner one wins, and that is no QinQ */
    CHECK_INT(p.vlan, 42);
    CHECK_INT(p.encap, ENCAP_VXLAN | ENCAP_VLAN);
}

TEST(vxlan_port_without_vxlan_is_udp)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 17, CLIENT4, SERVER4);
    size_t udp = udp_put(&f, 50000, 4789);
    put32(&f, 0x00000000); /* a VXLAN-like header without the I flag */
    put32(&f, 5000u << 8);
    put_text(&f, "0123456789");
    l4_end(&f, ip, udp, 17);
    ipv4_end(&f, ip);
    f.lenient = true;
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK(p.l3 == f.b + ip);
    CHECK_INT(p.l4_proto, 17);
    CHECK_INT(p.sport, 50000);
    CHECK_INT(p.dport, 4789);
    CHECK_INT(p.payload_caplen, 18);
    CHECK_INT(p.encap, 0);
}

TEST(geneve_with_option)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t outer = ipv6_begin(&f, 17, OUTER_SRC6, OUTER_DST6);
    size_t udp = udp_put(&f, 40000, 6081);
    put8(&f, 2); /* version 0, 8 bytes of options */
    put8(&f, 0);
    put16(&f, 0x6558);
    put32(&f, 0x00abcd00); /* VNI */
    put16(&f, 0x0103);     /* option class */
    put8(&f, 0x01);        /* type */
    put8(&f, 1);           /* 4 bytes of data */
    put32(&f, 0xfeedf00d);
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    l4_end(&f, outer, udp, 17);
    ipv6_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 40 + 8 + 16 + 14);
    CHECK_INT(p.encap, ENCAP_GENEVE);
}

TEST(geneve_ip_payload)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 17);
    size_t udp = udp_put(&f, 40001, 6081);
    put8(&f, 0);
    put8(&f, 0);
    put16(&f, 0x86dd);
    put32(&f, 0x00000100);
    size_t ip = put_udp6(&f);
    l4_end(&f, outer, udp, 17);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_GENEVE);
}

static size_t gtp_begin(struct frame *f, unsigned flags, unsigned type)
{
    size_t h = f->n;
    put8(f, flags);
    put8(f, type);
    put16(f, 0); /* length after the first 8 bytes: gtp_end */
    put32(f, 0x1234abcd);
    return h;
}

static void gtp_end(struct frame *f, size_t h)
{
    set16(f, h + 2, (unsigned)(f->n - h - 8));
}

TEST(gtp_u)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 17);
    size_t udp = udp_put(&f, 2152, 2152);
    size_t gtp = gtp_begin(&f, 0x30, 0xff);
    size_t ip = put_tcp4(&f);
    gtp_end(&f, gtp);
    l4_end(&f, outer, udp, 17);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 8 + 8);
    CHECK_INT(p.encap, ENCAP_GTP);
}

TEST(gtp_u_extension_header)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 17);
    size_t udp = udp_put(&f, 2152, 2152);
    size_t gtp = gtp_begin(&f, 0x34, 0xff); /* E */
    put16(&f, 0);                           /* sequence */
    put8(&f, 0);                            /* N-PDU */
    put8(&f, 0x85);                         /* next: PDU session container */
    put8(&f, 1);                            /* 4 bytes */
    put8(&f, 0x10);                         /* UL PDU session information */
    put8(&f, 0x09);                         /* QFI 9 */
    put8(&f, 0x00);                         /* no more */
    size_t ip = put_udp6(&f);
    gtp_end(&f, gtp);
    l4_end(&f, outer, udp, 17);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(ip, 14 + 20 + 8 + 16);
    CHECK_INT(p.encap, ENCAP_GTP);
}

TEST(gtp_echo_is_the_udp_packet)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = outer_ipv4(&f, 17);
    size_t udp = udp_put(&f, 2152, 2152);
    size_t gtp = gtp_begin(&f, 0x32, 1); /* S; echo request */
    put16(&f, 0x0042);
    put8(&f, 0);
    put8(&f, 0);
    gtp_end(&f, gtp);
    l4_end(&f, ip, udp, 17);
    ipv4_end(&f, ip);
    f.lenient = true;
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_ADDR(p.src, OUTER_SRC4);
    CHECK_ADDR(p.dst, OUTER_DST4);
    CHECK_INT(p.frag_id, OUTER_ID);
    CHECK_INT(p.l4_proto, 17);
    CHECK_INT(p.dport, 2152);
    CHECK(p.payload == f.b + gtp);
    CHECK_INT(p.payload_caplen, 12);
    CHECK_INT(p.encap, 0);
}

/* ---- IP in IP ---- */

TEST(ip_in_ip_4in4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 4);
    size_t ip = put_tcp4(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_IPIP);
}

TEST(ip_in_ip_6in4)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 41);
    size_t ip = put_udp6(&f);
    ipv4_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_IPIP);
}

TEST(ip_in_ip_4in6)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t outer = ipv6_begin(&f, 4, OUTER_SRC6, OUTER_DST6);
    size_t ip = put_tcp4(&f);
    ipv6_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_IPIP);
}

TEST(ip_in_ip_6in6)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t outer = ipv6_begin(&f, 41, OUTER_SRC6, OUTER_DST6);
    size_t ip = put_udp6(&f);
    ipv6_end(&f, outer);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(p.encap, ENCAP_IPIP);
}

/* levels encapsulations of IPv4 in IPv4 around the HTTP request. */
static size_t nested_4in4(struct frame *f, int levels)
{
    size_t outer[16];
    eth(f, 0x0800);
    for (int i = 0; i < levels; i++)
        outer[i] = outer_ipv4(f, 4);
    size_t ip = put_tcp4(f);
    for (int i = levels - 1; i >= 0; i--)
        ipv4_end(f, outer[i]);
    return ip;
}

TEST(nesting_depth_limit)
{
    static struct frame deepest, too_deep;
    struct packet p;
    size_t ip = nested_4in4(&deepest, DECODE_MAX_DEPTH);
    CHECK_INT(decode_frame(DLT_EN10MB, &deepest, &p), DECODE_OK);
    check_tcp4(&p, &deepest, ip);
    CHECK_INT(p.encap, ENCAP_IPIP);

    nested_4in4(&too_deep, DECODE_MAX_DEPTH + 1);
    CHECK_INT(decode_frame(DLT_EN10MB, &too_deep, &p), DECODE_TOO_DEEP);
}

TEST(tunnel_in_fragment_is_not_followed)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t outer = outer_ipv4(&f, 4);
    set16(&f, outer + 6, 0x2000); /* more fragments */
    put_tcp4(&f);
    ipv4_end(&f, outer);
    f.hdr_end = outer + 20; /* the outer header is all the decoder reads */
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_ADDR(p.src, OUTER_SRC4);
    CHECK_INT(p.fragment, FRAGMENT_FIRST);
    CHECK_INT(p.l4_proto, 4);
    CHECK(p.l4 == f.b + outer + 20);
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.encap, 0);
}

/* ---- fragments ---- */

TEST(ipv4_first_fragment)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 17, CLIENT4, SERVER4);
    set16(&f, ip + 4, 0xbeef);
    set16(&f, ip + 6, 0x2000); /* MF, offset 0 */
    size_t udp = udp_put(&f, 5004, 5005);
    for (unsigned i = 0; i < 100; i++)
        put8(&f, i);
    set16(&f, udp + 4, 8 + 2000); /* the whole datagram's length */
    ipv4_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.fragment, FRAGMENT_FIRST);
    CHECK_INT(p.frag_id, 0xbeef);
    CHECK_INT(p.ip_len, 128);
    CHECK_INT(p.l4_proto, 17);
    CHECK(p.l4 == f.b + ip + 20);
    CHECK_INT(p.sport, 5004);
    CHECK_INT(p.dport, 5005);
    CHECK(p.payload == f.b + udp + 8);
    CHECK_INT(p.payload_caplen, 100);
}

TEST(ipv4_later_fragment)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 17, CLIENT4, SERVER4);
    set16(&f, ip + 4, 0xbeef);
    set16(&f, ip + 6, 1480 / 8); /* last fragment */
    for (unsigned i = 0; i < 100; i++)
        put8(&f, i);
    ipv4_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.fragment, FRAGMENT_LATER);
    CHECK_INT(p.frag_id, 0xbeef);
    CHECK_INT(p.ip_len, 120);
    CHECK_INT(p.l3_caplen, 120);
    CHECK_INT(p.l4_proto, 17);
    CHECK(p.l4 == NULL);
    CHECK_INT(p.l4_caplen, 0);
    CHECK(p.payload == NULL);
    CHECK_INT(p.payload_caplen, 0);
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.dport, 0);
    CHECK_ADDR(p.src, CLIENT4);
    CHECK_ADDR(p.dst, SERVER4);
}

TEST(ipv6_first_fragment)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = ipv6_begin(&f, 44, CLIENT6, SERVER6);
    ipv6_fragment(&f, 17, 0, true, 0xdeadbeef);
    size_t udp = udp_put(&f, 5004, 5005);
    set16(&f, udp + 4, 8 + 3000);
    for (unsigned i = 0; i < 64; i++)
        put8(&f, i);
    ipv6_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.fragment, FRAGMENT_FIRST);
    CHECK_INT(p.frag_id, 0xdeadbeef);
    CHECK_INT(p.ip_len, 40 + 8 + 8 + 64);
    CHECK_INT(p.l4_proto, 17);
    CHECK(p.l4 == f.b + ip + 48);
    CHECK_INT(p.sport, 5004);
    CHECK_INT(p.dport, 5005);
    CHECK_INT(p.payload_caplen, 64);
}

TEST(ipv6_later_fragment)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = ipv6_begin(&f, 0, CLIENT6, SERVER6);
    ipv6_options(&f, 44, 8);
    ipv6_fragment(&f, 6, 1448 / 8, true, 0x01020304);
    for (unsigned i = 0; i < 64; i++)
        put8(&f, i);
    ipv6_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.fragment, FRAGMENT_LATER);
    CHECK_INT(p.frag_id, 0x01020304);
    CHECK_INT(p.ip_len, 40 + 16 + 64);
    CHECK_INT(p.l4_proto, 6);
    CHECK(p.l4 == NULL);
    CHECK(p.payload == NULL);
    CHECK_INT(p.sport, 0);
    CHECK_INT(p.dport, 0);
    CHECK_ADDR(p.src, CLIENT6);
}

TEST(ipv6_atomic_fragment_is_whole)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = ipv6_begin(&f, 44, CLIENT6, SERVER6);
    ipv6_fragment(&f, 17, 0, false, 77);
    size_t l4 = udp_put(&f, 53000, 53);
    put_bytes(&f, DNS_QUERY, sizeof DNS_QUERY);
    l4_end(&f, ip, l4, 17);
    ipv6_end(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    check_udp6_ext(&p, &f, ip, 8);
}

/* ---- link types ---- */

TEST(link_linux_sll)
{
    static struct frame f;
    struct packet p;
    put16(&f, 0); /* to us */
    put16(&f, 1); /* ARPHRD_ETHER */
    put16(&f, 6);
    put_bytes(&f, MAC_SRC, 6);
    put16(&f, 0);
    put16(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_LINUX_SLL, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 16);
}

TEST(link_linux_sll2)
{
    static struct frame f;
    struct packet p;
    put16(&f, 0x86dd);
    put16(&f, 0); /* reserved */
    put32(&f, 3); /* interface index */
    put16(&f, 1); /* ARPHRD_ETHER */
    put8(&f, 4);  /* outgoing */
    put8(&f, 6);
    put_bytes(&f, MAC_SRC, 6);
    put16(&f, 0);
    size_t ip = put_udp6(&f);
    CHECK_INT(decode_frame(DECODE_LINK_SLL2, &f, &p), DECODE_OK);
    check_udp6(&p, &f, ip);
    CHECK_INT(ip, 20);
}

TEST(link_raw)
{
    static const int raw[] = {DECODE_LINK_RAW, DECODE_LINK_RAW_FILE, DECODE_LINK_RAW_BSD};
    static struct frame v4, v6;
    struct packet p;
    size_t ip4 = put_tcp4(&v4);
    size_t ip6 = put_udp6(&v6);
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        CHECK_INT(decode_frame(raw[i], &v4, &p), DECODE_OK);
        check_tcp4(&p, &v4, ip4);
        CHECK_INT(decode_frame(raw[i], &v6, &p), DECODE_OK);
        check_udp6(&p, &v6, ip6);
    }
    CHECK_INT(decode_frame(DECODE_LINK_IPV4, &v4, &p), DECODE_OK);
    check_tcp4(&p, &v4, ip4);
    CHECK_INT(decode_frame(DECODE_LINK_IPV6, &v6, &p), DECODE_OK);
    check_udp6(&p, &v6, ip6);
}

TEST(link_raw_not_ip)
{
    static struct frame f;
    struct packet p;
    put_tcp4(&f);
    f.b[0] = 0x55;
    CHECK_INT(decode_frame(DECODE_LINK_RAW, &f, &p), DECODE_BAD_HEADER);
}

TEST(link_null_both_byte_orders)
{
    static struct frame little, big, darwin;
    struct packet p;
    put32le(&little, 2); /* AF_INET written by a little-endian machine */
    size_t ip = put_tcp4(&little);
    CHECK_INT(decode_frame(DLT_NULL, &little, &p), DECODE_OK);
    check_tcp4(&p, &little, ip);

    put32(&big, 24); /* AF_INET6 (NetBSD, OpenBSD) from a big-endian machine */
    ip = put_udp6(&big);
    CHECK_INT(decode_frame(DLT_NULL, &big, &p), DECODE_OK);
    check_udp6(&p, &big, ip);

    put32le(&darwin, 30); /* AF_INET6 on macOS */
    ip = put_udp6(&darwin);
    CHECK_INT(decode_frame(DLT_NULL, &darwin, &p), DECODE_OK);
    check_udp6(&p, &darwin, ip);
}

TEST(link_null_unknown_family)
{
    static struct frame f;
    struct packet p;
    put32le(&f, 17); /* AF_LINK-ish: not IP */
    put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_NULL, &f, &p), DECODE_UNSUPPORTED);
}

TEST(link_loop)
{
    static struct frame v4, v6;
    struct packet p;
    put32(&v4, 2);
    size_t ip = put_tcp4(&v4);
    CHECK_INT(decode_frame(DECODE_LINK_LOOP, &v4, &p), DECODE_OK);
    check_tcp4(&p, &v4, ip);

    put32(&v6, 24);
    ip = put_udp6(&v6);
    CHECK_INT(decode_frame(DECODE_LINK_LOOP, &v6, &p), DECODE_OK);
    check_udp6(&p, &v6, ip);
}

TEST(link_ppp)
{
    static struct frame framed, bare, lcp;
    struct packet p;
    put8(&framed, 0xff);
    put8(&framed, 0x03);
    put16(&framed, 0x0021);
    size_t ip = put_tcp4(&framed);
    CHECK_INT(decode_frame(DLT_PPP, &framed, &p), DECODE_OK);
    check_tcp4(&p, &framed, ip);

    put16(&bare, 0x0057); /* address and control compressed away */
    ip = put_udp6(&bare);
    CHECK_INT(decode_frame(DLT_PPP, &bare, &p), DECODE_OK);
    check_udp6(&p, &bare, ip);

    put8(&lcp, 0xff);
    put8(&lcp, 0x03);
    put16(&lcp, 0xc021);
    put8(&lcp, 1); /* configure request */
    put8(&lcp, 1);
    put16(&lcp, 4);
    CHECK_INT(decode_frame(DLT_PPP, &lcp, &p), DECODE_NOT_IP);
}

TEST(link_ppp_serial)
{
    static struct frame hdlc_like, cisco;
    struct packet p;
    put8(&hdlc_like, 0xff);
    put8(&hdlc_like, 0x03);
    put16(&hdlc_like, 0x0057);
    size_t ip = put_udp6(&hdlc_like);
    CHECK_INT(decode_frame(DLT_PPP_SERIAL, &hdlc_like, &p), DECODE_OK);
    check_udp6(&p, &hdlc_like, ip);

    put8(&cisco, 0x0f); /* Cisco PPP with HDLC framing */
    put8(&cisco, 0x00);
    put16(&cisco, 0x0800);
    ip = put_tcp4(&cisco);
    CHECK_INT(decode_frame(DLT_PPP_SERIAL, &cisco, &p), DECODE_OK);
    check_tcp4(&p, &cisco, ip);
}

TEST(link_cisco_hdlc)
{
    static struct frame unicast, multicast;
    struct packet p;
    put8(&unicast, 0x0f);
    put8(&unicast, 0x00);
    put16(&unicast, 0x0800);
    size_t ip = put_tcp4(&unicast);
    CHECK_INT(decode_frame(DLT_C_HDLC, &unicast, &p), DECODE_OK);
    check_tcp4(&p, &unicast, ip);

    put8(&multicast, 0x8f);
    put8(&multicast, 0x00);
    put16(&multicast, 0x86dd);
    ip = put_udp6(&multicast);
    CHECK_INT(decode_frame(DLT_C_HDLC, &multicast, &p), DECODE_OK);
    check_udp6(&p, &multicast, ip);
}

/* PPI header with one 802.11-common field (type 2, 20 bytes), wrapping dlt. */
static void ppi(struct frame *f, uint32_t dlt)
{
    put8(f, 0); /* version */
    put8(f, 0); /* flags */
    put16le(f, 8 + 4 + 20);
    put32le(f, dlt);
    put16le(f, 2);
    put16le(f, 20);
    put_zeros(f, 20);
}

TEST(link_ppi_ethernet)
{
    static struct frame f;
    struct packet p;
    ppi(&f, DLT_EN10MB);
    eth(&f, 0x8100);
    vlan(&f, 0, 7, 0x0800);
    size_t ip = put_tcp4(&f);
    CHECK_INT(decode_frame(DLT_PPI, &f, &p), DECODE_OK);
    check_tcp4(&p, &f, ip);
    CHECK_INT(ip, 32 + 18);
    CHECK_INT(p.vlan, 7);
}

TEST(link_ppi_not_ethernet)
{
    static struct frame f;
    struct packet p;
    ppi(&f, 105); /* 802.11 */
    put_zeros(&f, 24);
    CHECK_INT(decode_frame(DLT_PPI, &f, &p), DECODE_UNSUPPORTED_LINK);
}

TEST(link_unknown)
{
    static struct frame f;
    struct packet p;
    put_tcp4(&f);
    CHECK_INT(decode_frame(147, &f, &p), DECODE_UNSUPPORTED_LINK); /* DLT_USER0 */
    CHECK_INT(decode_frame(-1, &f, &p), DECODE_UNSUPPORTED_LINK);
}

TEST(link_supported)
{
    static const int yes[] = {DLT_EN10MB,
                              DLT_LINUX_SLL,
                              DECODE_LINK_SLL2,
                              DECODE_LINK_RAW,
                              DECODE_LINK_RAW_BSD,
                              DECODE_LINK_RAW_FILE,
                              DECODE_LINK_IPV4,
                              DECODE_LINK_IPV6,
                              DLT_NULL,
                              DECODE_LINK_LOOP,
                              DLT_PPP,
                              DLT_PPP_SERIAL,
                              DLT_C_HDLC,
                              DLT_PPI};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        CHECK(decode_link_supported(yes[i]));
    CHECK(!decode_link_supported(105)); /* 802.11 */
    CHECK(!decode_link_supported(127)); /* radiotap */
    CHECK(!decode_link_supported(147));
    CHECK(!decode_link_supported(-1));
}

/* ---- what is not IP, or not read ---- */

TEST(arp_is_not_ip)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0806);
    put16(&f, 1);      /* Ethernet */
    put16(&f, 0x0800); /* IPv4 */
    put8(&f, 6);
    put8(&f, 4);
    put16(&f, 1); /* request */
    put_bytes(&f, MAC_SRC, 6);
    put_addr(&f, CLIENT4, false);
    put_zeros(&f, 6);
    put_addr(&f, SERVER4, false);
    put_zeros(&f, 60 - f.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_NOT_IP);
}

TEST(stp_802_3_is_not_ip)
{
    static struct frame f;
    static const uint8_t stp_dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
    struct packet p;
    put_bytes(&f, stp_dst, 6);
    put_bytes(&f, MAC_SRC, 6);
    put16(&f, 3 + 35); /* 802.3 length: LLC and a configuration BPDU */
    put8(&f, 0x42);    /* LLC: DSAP, SSAP, UI */
    put8(&f, 0x42);
    put8(&f, 0x03);
    put16(&f, 0); /* protocol */
    put8(&f, 0);  /* version */
    put8(&f, 0);  /* configuration */
    put8(&f, 0);  /* flags */
    put16(&f, 0x8000);
    put_bytes(&f, MAC_SRC, 6); /* root */
    put32(&f, 4);              /* path cost */
    put16(&f, 0x8000);
    put_bytes(&f, MAC_SRC, 6); /* bridge */
    put16(&f, 0x8001);         /* port */
    put16(&f, 0);              /* message age */
    put16(&f, 20 * 256);       /* max age */
    put16(&f, 2 * 256);        /* hello */
    put16(&f, 15 * 256);       /* forward delay */
    CHECK_INT(f.n, 14 + 38);
    put_zeros(&f, 60 - f.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_NOT_IP);
}

TEST(lldp_is_not_ip)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x88cc);
    put16(&f, 1 << 9 | 7); /* chassis id: MAC */
    put8(&f, 4);
    put_bytes(&f, MAC_SRC, 6);
    put16(&f, 2 << 9 | 3); /* port id: local "p1" */
    put8(&f, 7);
    put_text(&f, "p1");
    put16(&f, 3 << 9 | 2); /* TTL */
    put16(&f, 120);
    put16(&f, 0); /* end */
    put_zeros(&f, 60 - f.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_NOT_IP);
}

TEST(unknown_ethertype_is_unsupported)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x88b5); /* local experimental */
    put_text(&f, "experimental payload bytes here");
    put_zeros(&f, 60 - f.n);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_UNSUPPORTED);
}

/* ---- impossible headers ---- */

TEST(ipv4_ihl_below_5)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    f.b[ip] = 0x44;
    ipv4_checksum(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_BAD_HEADER);
}

TEST(ipv4_ethertype_with_ipv6_inside)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    put_udp6(&f);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_BAD_HEADER);
}

TEST(ipv4_total_length_below_header)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    set16(&f, ip + 2, 16);
    ipv4_checksum(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_BAD_HEADER);
}

TEST(tcp_data_offset_below_5)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    f.b[ip + 20 + 12] = 4 << 4;
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_BAD_HEADER);
}

TEST(udp_length_below_8)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = put_udp6(&f);
    set16(&f, ip + 40 + 4, 7);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_BAD_HEADER);
}

TEST(udp_length_bounds_payload)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x86dd);
    size_t ip = put_udp6(&f);
    set16(&f, ip + 40 + 4, 8 + 5); /* shorter than the IP payload: the UDP length wins */
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.payload_caplen, 5);
    CHECK_INT(p.l4_caplen, 8 + sizeof DNS_QUERY);
}

/* ---- lengths ---- */

TEST(ethernet_padding_trimmed)
{
    static struct frame f;
    struct packet p;
    static const uint8_t rtp_ish[4] = {0x80, 0x00, 0x12, 0x34};
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 17, CLIENT4, SERVER4);
    size_t udp = udp_put(&f, 40000, 50000);
    put_bytes(&f, rtp_ish, 4);
    l4_end(&f, ip, udp, 17);
    ipv4_end(&f, ip);
    put_zeros(&f, 60 - f.n); /* the minimum Ethernet frame */
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.ip_len, 32);
    CHECK_INT(p.l3_caplen, 32);
    CHECK_INT(p.l4_caplen, 12);
    CHECK_INT(p.payload_caplen, 4);
    CHECK(payload_is(&p, &f, rtp_ish, 4));
}

TEST(tso_total_length_zero)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = ipv4_begin(&f, 6, CLIENT4, SERVER4);
    size_t l4 = tcp_put(&f, 49152, 443, TCP_ACK, false);
    for (unsigned i = 0; i < 1000; i++)
        put8(&f, 'a' + i % 26);
    l4_end(&f, ip, l4, 6);
    set16(&f, ip + 2, 0); /* as the kernel hands an offloaded segment to the capture */
    ipv4_checksum(&f, ip);
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.ip_len, 1040);
    CHECK_INT(p.l3_caplen, 1040);
    CHECK_INT(p.l4_caplen, 1020);
    CHECK_INT(p.payload_caplen, 1000);
    CHECK_INT(p.dport, 443);
}

TEST(snap_length_cuts_payload)
{
    static struct frame f;
    struct packet p;
    eth(&f, 0x0800);
    size_t ip = put_tcp4(&f);
    f.n -= 10; /* as captured with a snap length: the IP header still says 56 */
    CHECK_INT(decode_frame(DLT_EN10MB, &f, &p), DECODE_OK);
    CHECK_INT(p.ip_len, 56);
    CHECK_INT(p.l3_caplen, 46);
    CHECK_INT(p.payload_caplen, HTTP_LEN - 10);
    CHECK(p.payload == f.b + ip + 40);
}

TEST(status_names)
{
    CHECK_STR(decode_status_name(DECODE_OK), "ok");
    CHECK_STR(decode_status_name(DECODE_TRUNCATED), "truncated");
    CHECK_STR(decode_status_name(DECODE_UNSUPPORTED_LINK), "unsupported_link");
    CHECK_STR(decode_status_name(DECODE_NOT_IP), "not_ip");
    CHECK_STR(decode_status_name(DECODE_UNSUPPORTED), "unsupported");
    CHECK_STR(decode_status_name(DECODE_BAD_HEADER), "bad_header");
    CHECK_STR(decode_status_name(DECODE_TOO_DEEP), "too_deep");
    CHECK_STR(decode_status_name(DECODE_STATUS_COUNT), "unknown");
}

/* ---- every prefix of every frame above ---- */

/* The IP header's own length field, 0 when segmentation offload left it so. */
static unsigned ip_length_field(const struct packet *p)
{
    return p->ip_version == 4 ? (unsigned)(p->l3[2] << 8 | p->l3[3])
                              : (unsigned)(p->l3[4] << 8 | p->l3[5]);
}

static ptrdiff_t offset_in(const uint8_t *p, const uint8_t *base)
{
    return p ? p - base : -1;
}

/* Why decoding the first caplen bytes of s went wrong, or NULL if it did not. */
static const char *sweep_verdict(const struct sample *s, enum decode_status full_st,
                                 const struct packet *full, const uint8_t *buf, size_t caplen,
                                 enum decode_status st, const struct packet *p)
{
    if ((unsigned)st >= DECODE_STATUS_COUNT)
        return "not a status";
    if (full_st != DECODE_OK)
        return st == DECODE_OK ? "a prefix of an undecodable frame decoded" : NULL;
    if (caplen < s->f.hdr_end)
        return st == DECODE_OK ? "decoded without all its headers" : NULL;
    if (st != DECODE_OK)
        return s->f.lenient ? NULL : "not decoded with all its headers captured";
    if (!packet_within(p, buf, caplen))
        return "points outside the capture";
    if (offset_in(p->l3, buf) != offset_in(full->l3, s->f.b) ||
        offset_in(p->l4, buf) != offset_in(full->l4, s->f.b))
        return "headers found elsewhere";
    if (p->payload && offset_in(p->payload, buf) != offset_in(full->payload, s->f.b))
        return "payload found elsewhere";
    if (p->payload_caplen > full->payload_caplen)
        return "more payload than the whole frame";
    if (netaddr_cmp(&p->src, &full->src) || netaddr_cmp(&p->dst, &full->dst) ||
        p->sport != full->sport || p->dport != full->dport || p->l4_proto != full->l4_proto ||
        p->ip_version != full->ip_version || p->tcp_flags != full->tcp_flags ||
        p->fragment != full->fragment || p->frag_id != full->frag_id || p->vlan != full->vlan ||
        p->encap != full->encap)
        return "a different packet than the whole frame";
    if (ip_length_field(full) != 0 && p->ip_len != full->ip_len)
        return "a different ip_len";
    return NULL;
}

TEST(truncation_sweep)
{
    CHECK(sample_count > 50);
    for (size_t i = 0; i < sample_count; i++) {
        const struct sample *s = &samples[i];
        struct packet full;
        enum decode_status full_st = decode_packet(s->linktype, s->f.b, (uint32_t)s->f.n, &full);
        for (size_t caplen = 0; caplen <= s->f.n; caplen++) {
            /* exactly caplen bytes on the heap, so any read past them is caught */
            uint8_t *buf = malloc(caplen);
            if (!buf && caplen) {
                fprintf(stderr, "out of memory\n");
                abort();
            }
            if (caplen)
                memcpy(buf, s->f.b, caplen);
            struct packet p;
            memset(&p, 0xa5, sizeof p);
            enum decode_status st = decode_packet(s->linktype, buf, (uint32_t)caplen, &p);
            const char *why = sweep_verdict(s, full_st, &full, buf, caplen, st, &p);
            test_checks++;
            if (why)
                TEST_FAIL_AT(__FILE__, __LINE__, "%s (sample %zu, %zu bytes) cut to %zu: %s (%s)",
                             s->test, i, s->f.n, caplen, why, decode_status_name(st));
            free(buf);
        }
    }
}

int main(void)
{
    RUN(ethernet_ipv4_tcp);
    RUN(ethernet_ipv6_udp);
    RUN(ipv6_hop_by_hop_and_destination_options);
    RUN(ipv6_routing_and_authentication_headers);
    RUN(ipv4_with_options);
    RUN(other_transport_protocols);
    RUN(single_vlan);
    RUN(qinq);
    RUN(three_tags_with_0x9100);
    RUN(mpls_two_labels_ipv4);
    RUN(mpls_ipv6);
    RUN(mpls_control_word_ethernet);
    RUN(pppoe_session_ipv4);
    RUN(pppoe_session_ipv6);
    RUN(pppoe_lcp_and_discovery_are_not_ip);
    RUN(gre_ipv4);
    RUN(gre_checksum_key_sequence_ipv6);
    RUN(gre_transparent_ethernet_bridging);
    RUN(gre_mpls);
    RUN(gre_unsupported_forms);
    RUN(erspan_type1);
    RUN(erspan_type2);
    RUN(erspan_type3);
    RUN(erspan_type3_platform_subheader);
    RUN(erspan_type3_ip_frame);
    RUN(pptp_gre_ppp_ipv4);
    RUN(pptp_compressed_ppp_header);
    RUN(pptp_acknowledgement_is_the_gre_packet);
    RUN(vxlan);
    RUN(vxlan_port_without_vxlan_is_udp);
    RUN(geneve_with_option);
    RUN(geneve_ip_payload);
    RUN(gtp_u);
    RUN(gtp_u_extension_header);
    RUN(gtp_echo_is_the_udp_packet);
    RUN(ip_in_ip_4in4);
    RUN(ip_in_ip_6in4);
    RUN(ip_in_ip_4in6);
    RUN(ip_in_ip_6in6);
    RUN(nesting_depth_limit);
    RUN(tunnel_in_fragment_is_not_followed);
    RUN(ipv4_first_fragment);
    RUN(ipv4_later_fragment);
    RUN(ipv6_first_fragment);
    RUN(ipv6_later_fragment);
    RUN(ipv6_atomic_fragment_is_whole);
    RUN(link_linux_sll);
    RUN(link_linux_sll2);
    RUN(link_raw);
    RUN(link_raw_not_ip);
    RUN(link_null_both_byte_orders);
    RUN(link_null_unknown_family);
    RUN(link_loop);
    RUN(link_ppp);
    RUN(link_ppp_serial);
    RUN(link_cisco_hdlc);
    RUN(link_ppi_ethernet);
    RUN(link_ppi_not_ethernet);
    RUN(link_unknown);
    RUN(link_supported);
    RUN(arp_is_not_ip);
    RUN(stp_802_3_is_not_ip);
    RUN(lldp_is_not_ip);
    RUN(unknown_ethertype_is_unsupported);
    RUN(ipv4_ihl_below_5);
    RUN(ipv4_ethertype_with_ipv6_inside);
    RUN(ipv4_total_length_below_header);
    RUN(tcp_data_offset_below_5);
    RUN(udp_length_below_8);
    RUN(udp_length_bounds_payload);
    RUN(ethernet_padding_trimmed);
    RUN(tso_total_length_zero);
    RUN(snap_length_cuts_payload);
    RUN(status_names);
    RUN(truncation_sweep); /* last: it replays every frame decoded above */
    return test_report();
}
