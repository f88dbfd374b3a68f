/*
 * pcap_multiply.c - many Ethernet captures merged into one, repeated N times
 * with shifted addresses: the benchmark capture of scripts/bench.
 *
 * pcap-multiply reads pcap or pcapng files (Ethernet only: others are skipped
 * with a note) and writes one pcap holding the packets of every input, in the
 * order given, repeated --copies times.  Copy k is copy 0 with every unicast
 * address moved by k, so that each copy is a new set of hosts and flows and a
 * flow table sees N times the flows, not the same flows N times.
 *
 * Addresses.  An IPv4 address moves by k in its second octet, staying in its
 * class (netaddr_is_private()):
 *  - 10/8 and 127/8: second octet + k (mod 256);
 *  - 172.16/12: the low 4 bits of the second octet + k (mod 16), 100.64/10:
 *    the low 6 bits + k (mod 64);
 *  - 192.168/16 and 169.254/16 have one second octet: their third octet moves;
 *  - public addresses: the second octet steps k times through the values that
 *    keep a.b public for that first octet (172.16-31, 100.64-127, 192.168 and
 *    169.254 are stepped over), so public stays public;
 *  - 0/8, multicast, 240/4 and broadcast stay as they are (a group or the
 *    broadcast address is the same in every copy; its sender is not).
 * Each rule is a rotation, so one copy never maps two addresses to one, and
 * copies 0..15 give distinct addresses (172.16/12, with 16 values, is the
 * tightest): hence at most 16 copies.  An IPv6 address moves by k in its fourth
 * 16-bit group (bits 48-63, the subnet), which keeps every prefix up to /48:
 * global stays global, ULA stays ULA, link-local stays link-local; ::/8
 * (unspecified, loopback, mapped) and ff00::/8 stay as they are.
 *
 * Headers rewritten: the first IP header after Ethernet, 802.1Q/802.1ad tags
 * (any number), MPLS labels and PPPoE, and, when decode_packet() finds a tunnel,
 * the innermost IP header too.  The IPv4 header checksum and the TCP, UDP and
 * ICMPv6 checksums are updated incrementally (RFC 1624), so a checksum right in
 * the input stays right and one that was wrong stays wrong by the same amount;
 * they need only the checksum field to be captured.  Non-IP frames (ARP, LLDP,
 * ...) are copied as they are, and so are addresses inside payloads (DNS
 * answers, ICMP errors, ARP): a copy's DNS answers still name copy 0's servers.
 *
 * Time, "evenly": the output's clock starts at --start and never runs back.
 *  - Inside one input capture each packet follows the one before it by the
 *    same interval as in the input, except that an interval longer than
 *    --max-gap (1 s by default) is shortened to --max-gap and a backward step
 *    becomes 0: many reference captures were pieced together from sessions
 *    days or years apart, and the merged capture should be traffic, not
 *    silence.
 *  - The next capture's first packet comes --gap (1 s) after the previous
 *    capture's last; the next copy's first packet --gap after the previous
 *    copy's last.  So every copy lasts the same D seconds, and copy k is copy 0
 *    moved by k * (D + gap) with its addresses shifted.
 *  - With --spacing S, every packet comes S after the one before it, across
 *    captures and copies: a steady link, on which flows of different captures
 *    overlap in time as they would on a busy mirror port.
 *  - With --duration S, the output stops at the first packet more than S after
 *    the first one: the opening slice of the merged capture.
 * Frame lengths (the record's wire length) are kept as they are.
 *
 * Deterministic: the same inputs and options give the same bytes.
 *
 * --count reads the files and prints their totals without writing; --self-test
 * checks the address rules over the whole IPv4 space.  The last line printed
 * (standard output) is "packets N captured_bytes C wire_bytes W seconds S
 * captures I skipped J", read by scripts/bench.  Wire bytes sum each frame's
 * length on the wire, except that a frame claiming more than 262144 bytes (a
 * fuzzed header, impossible on a wire) counts its captured bytes.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "decode.h"
#include "netaddr.h"

#define MAX_COPIES     16
#define OUT_SNAPLEN    262144
#define MAX_WIRE_FRAME 262144u
#define ETHER_HEADER   14u
#define US_PER_S       1000000LL
#define DEFAULT_START  1793577600LL /* 2026-11-02 00:00:00 UTC, gen-sample's day */
#define PPPOE_SESSION  0x8864

struct totals {
    uint64_t packets, captured_bytes, wire_bytes;
    uint64_t ip_rewritten, inner_rewritten;
    unsigned captures, skipped, read_errors;
    uint64_t too_long; /* frames left out by --max-frame */
};

struct options {
    const char *out;
    unsigned copies;
    int64_t start_us, gap_us, max_gap_us;
    int64_t spacing_us;  /* > 0: every packet this long after the one before */
    int64_t duration_us; /* > 0: no packet later than this after the first */
    uint32_t max_frame;  /* > 0: frames a link cannot carry are left out: longer than
                          * this (captured or on the wire), shorter than a header */
    bool count_only;
};

/* ------------------------------------------------------------------------ */
/* Address shifts                                                           */
/* ------------------------------------------------------------------------ */

/* True when a.b.x.y is public for every x.y (the /16 is not one of the private
 * ranges of netaddr_is_private() that split a first octet). */
static bool v4_public16(uint8_t a, uint8_t b)
{
    return !((a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168) || (a == 169 && b == 254) ||
             (a == 100 && (b & 0xc0) == 64));
}

/* Moves a (4 bytes, network order) to its copy k.  See the file comment. */
static void shift_v4(uint8_t *a, unsigned k)
{
    if (k == 0 || a[0] == 0 || a[0] >= 224)
        return;
    if (a[0] == 10 || a[0] == 127)
        a[1] = (uint8_t)(a[1] + k);
    else if (a[0] == 172 && (a[1] & 0xf0) == 16)
        a[1] = (uint8_t)(16 | ((a[1] + k) & 15));
    else if (a[0] == 100 && (a[1] & 0xc0) == 64)
        a[1] = (uint8_t)(64 | ((a[1] + k) & 63));
    else if ((a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254))
        a[2] = (uint8_t)(a[2] + k);
    else
        for (unsigned step = 0; step < k;) {
            a[1] = (uint8_t)(a[1] + 1);
            if (v4_public16(a[0], a[1]))
                step++;
        }
}

/* Moves a (16 bytes) to its copy k: + k in bytes 6-7, outside ::/8 and ff00::/8. */
static void shift_v6(uint8_t *a, unsigned k)
{
    if (k == 0 || a[0] == 0 || a[0] == 0xff)
        return;
    uint16_t g = (uint16_t)((a[6] << 8 | a[7]) + k);
    a[6] = (uint8_t)(g >> 8);
    a[7] = (uint8_t)g;
}

/* ------------------------------------------------------------------------ */
/* Checksums                                                                */
/* ------------------------------------------------------------------------ */

/* One's complement sum of the 16-bit words of old replaced by new (n even). */
static uint32_t csum_delta(const uint8_t *old, const uint8_t *new, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (uint16_t) ~(old[i] << 8 | old[i + 1]);
        sum += (uint16_t)(new[i] << 8 | new[i + 1]);
    }
    return sum;
}

/* Applies a delta to the checksum at field (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
 * zero_means_none: UDP, where 0 says "no checksum" and is left alone. */
static void csum_apply(uint8_t *field, uint32_t delta, bool zero_means_none)
{
    uint16_t hc = (uint16_t)(field[0] << 8 | field[1]);
    if (zero_means_none && hc == 0)
        return;
    uint32_t sum = (uint16_t)~hc + delta;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t out = (uint16_t)~sum;
    if (zero_means_none && out == 0)
        out = 0xffff;
    field[0] = (uint8_t)(out >> 8);
    field[1] = (uint8_t)out;
}

/* Offset of the checksum in a transport header, or -1 for protocols without one
 * covering the addresses. */
static int l4_csum_offset(uint8_t proto)
{
    switch (proto) {
    case 6:
        return 16; /* TCP */
    case 17:
        return 6; /* UDP */
    case 58:
        return 2; /* ICMPv6 */
    default:
        return -1;
    }
}

static void l4_fix(uint8_t *l4, size_t left, uint8_t proto, uint32_t delta)
{
    int off = l4_csum_offset(proto);
    if (off < 0 || left < (size_t)off + 2)
        return;
    csum_apply(l4 + off, delta, proto == 17);
}

/* Rewrites the IP header at ip (len captured bytes from it) for copy k.
 * Returns false when it is not a whole-enough IP header to rewrite.  When
 * l4_off is not NULL it receives the offset of the transport header from ip
 * (0 when there is none) and *l4_proto its protocol. */
static bool rewrite_ip(uint8_t *ip, size_t len, unsigned k, size_t *l4_off, uint8_t *l4_proto)
{
    size_t dummy_off;
    uint8_t dummy_proto;
    if (!l4_off)
        l4_off = &dummy_off;
    if (!l4_proto)
        l4_proto = &dummy_proto;
    *l4_off = 0;
    if (len < 1)
        return false;
    if (ip[0] >> 4 == 4) {
        if (len < 20)
            return false;
        uint8_t old[8];
        memcpy(old, ip + 12, 8);
        shift_v4(ip + 12, k);
        shift_v4(ip + 16, k);
        uint32_t delta = csum_delta(old, ip + 12, 8);
        csum_apply(ip + 10, delta, false);
        size_t ihl = (size_t)(ip[0] & 15) * 4;
        bool later_fragment = ((ip[6] << 8 | ip[7]) & 0x1fff) != 0;
        if (ihl >= 20 && ihl <= len && !later_fragment) {
            l4_fix(ip + ihl, len - ihl, ip[9], delta);
            *l4_off = ihl;
            *l4_proto = ip[9];
        }
        return true;
    }
    if (ip[0] >> 4 == 6) {
        if (len < 40)
            return false;
        uint8_t old[32];
        memcpy(old, ip + 8, 32);
        shift_v6(ip + 8, k);
        shift_v6(ip + 24, k);
        uint32_t delta = csum_delta(old, ip + 8, 32);
        /* Extension headers before the transport header.  A routing header makes
         * the pseudo-header use the final destination, which is not rewritten:
         * such checksums end up off (rare; nothing here checks them). */
        uint8_t nh = ip[6];
        size_t off = 40;
        for (int depth = 0; depth < 8; depth++) {
            if (nh == 0 || nh == 43 || nh == 60) {
                if (len < off + 2)
                    return true;
                uint8_t next = ip[off];
                off += ((size_t)ip[off + 1] + 1) * 8;
                nh = next;
            } else if (nh == 44) {
                if (len < off + 8 || ((ip[off + 2] << 8 | ip[off + 3]) & 0xfff8) != 0)
                    return true; /* a later fragment: no transport header */
                nh = ip[off];
                off += 8;
            } else {
                break;
            }
        }
        if (off <= len) {
            l4_fix(ip + off, len - off, nh, delta);
            *l4_off = off;
            *l4_proto = nh;
        }
        return true;
    }
    return false;
}

/* Offset of the first IP header of an Ethernet frame, or -1 when the frame
 * carries none (ARP, LLDP, ...) or is cut short. */
static long first_ip_offset(const uint8_t *p, size_t len)
{
    size_t off = 12;
    if (len < off + 2)
        return -1;
    uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);
    off += 2;
    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (len < off + 4)
            return -1;
        type = (uint16_t)(p[off + 2] << 8 | p[off + 3]);
        off += 4;
    }
    if (type == 0x8847 || type == 0x8848) { /* MPLS: labels to the bottom of stack */
        for (;;) {
            if (len < off + 4)
                return -1;
            bool bottom = p[off + 2] & 1;
            off += 4;
            if (bottom)
                break;
        }
        if (len < off + 1)
            return -1;
        type = p[off] >> 4 == 4 ? 0x0800 : p[off] >> 4 == 6 ? 0x86dd : 0;
    } else if (type == PPPOE_SESSION) {
        if (len < off + 8)
            return -1;
        uint16_t ppp = (uint16_t)(p[off + 6] << 8 | p[off + 7]);
        off += 8;
        type = ppp == 0x0021 ? 0x0800 : ppp == 0x0057 ? 0x86dd : 0;
    }
    if (type != 0x0800 && type != 0x86dd)
        return -1;
    return (long)off;
}

/* Rewrites one Ethernet frame in place for copy k. */
static void rewrite_frame(uint8_t *p, uint32_t caplen, unsigned k, struct totals *t)
{
    long outer = first_ip_offset(p, caplen);
    if (outer < 0)
        return;
    size_t outer_l4 = 0;
    uint8_t outer_proto = 0;
    if (rewrite_ip(p + outer, caplen - (size_t)outer, k, &outer_l4, &outer_proto))
        t->ip_rewritten++;
    /* A tunnel: the flow the sensor keys on is the innermost packet's. */
    struct packet pkt;
    if (decode_packet(DLT_EN10MB, p, caplen, &pkt) != DECODE_OK || pkt.l3 == p + outer)
        return;
    size_t inner = (size_t)(pkt.l3 - p);
    if (inner >= caplen)
        return;
    /* The outer transport checksum (UDP of VXLAN, GTP-U, ...) covers the inner
     * packet: it gets the delta of every byte the inner rewrite changes, summed
     * in words aligned on the outer transport header. */
    static uint8_t before[OUT_SNAPLEN];
    memcpy(before, p, caplen);
    if (!rewrite_ip(p + inner, caplen - inner, k, NULL, NULL))
        return;
    t->inner_rewritten++;
    size_t l4 = (size_t)outer + outer_l4;
    int field = outer_l4 ? l4_csum_offset(outer_proto) : -1;
    if (field < 0 || l4 + (size_t)field + 2 > caplen || inner < l4 + (size_t)field + 2)
        return;
    size_t from = l4 + ((inner - l4) & ~(size_t)1);
    uint32_t delta = 0;
    for (size_t i = from; i < caplen; i += 2) {
        uint16_t o = (uint16_t)(before[i] << 8 | (i + 1 < caplen ? before[i + 1] : 0));
        uint16_t n = (uint16_t)(p[i] << 8 | (i + 1 < caplen ? p[i + 1] : 0));
        if (o != n) {
            delta += (uint16_t)~o;
            delta += n;
        }
    }
    while (delta >> 16)
        delta = (delta & 0xffff) + (delta >> 16);
    csum_apply(p + l4 + field, delta, outer_proto == 17);
}

/* ------------------------------------------------------------------------ */
/* Reading and writing                                                      */
/* ------------------------------------------------------------------------ */

static uint64_t wire_length(const struct pcap_pkthdr *h)
{
    if (h->len > MAX_WIRE_FRAME || h->len < h->caplen)
        return h->caplen;
    return h->len;
}

/* Copies one input capture into out (NULL: count only) as copy k, its first
 * packet at *clock_us; leaves *clock_us at its last packet.  Returns false when
 * the file cannot be opened or is not Ethernet (noted on copy 0 only). */
static bool copy_capture(const char *path, unsigned k, pcap_dumper_t *out,
                         const struct options *opt, int64_t *clock_us, struct totals *t)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(path, err);
    if (!in) {
        if (k == 0)
            fprintf(stderr, "pcap-multiply: %s: %s: skipped\n", path, err);
        return false;
    }
    int dlt = pcap_datalink(in);
    if (dlt != DLT_EN10MB) {
        if (k == 0) {
            const char *name = pcap_datalink_val_to_name(dlt);
            fprintf(stderr, "pcap-multiply: %s: link type %s (%d) is not Ethernet: skipped\n", path,
                    name ? name : "?", dlt);
        }
        pcap_close(in);
        return false;
    }
    static uint8_t buf[OUT_SNAPLEN];
    struct pcap_pkthdr *h;
    const u_char *data;
    int64_t prev_in = 0, now = *clock_us;
    bool first = true;
    int rc;
    while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
        int64_t ts = (int64_t)h->ts.tv_sec * US_PER_S + h->ts.tv_usec;
        if (!first && opt->spacing_us > 0) {
            now += opt->spacing_us;
        } else if (!first) {
            int64_t d = ts - prev_in;
            now += d < 0 ? 0 : d > opt->max_gap_us ? opt->max_gap_us : d;
        }
        first = false;
        prev_in = ts;
        if (opt->duration_us > 0 && now - opt->start_us > opt->duration_us)
            break;
        uint32_t caplen = h->caplen > OUT_SNAPLEN ? OUT_SNAPLEN : h->caplen;
        if (opt->max_frame &&
            (caplen > opt->max_frame || h->len > opt->max_frame || caplen < ETHER_HEADER)) {
            t->too_long++;
            continue;
        }
        t->packets++;
        t->captured_bytes += caplen;
        t->wire_bytes += wire_length(h);
        if (!out)
            continue;
        memcpy(buf, data, caplen);
        rewrite_frame(buf, caplen, k, t);
        struct pcap_pkthdr oh = {.caplen = caplen, .len = h->len};
        oh.ts.tv_sec = (time_t)(now / US_PER_S);
        oh.ts.tv_usec = (suseconds_t)(now % US_PER_S);
        pcap_dump((u_char *)out, &oh, buf);
    }
    if (rc == -1) {
        /* A cut-off file (the corpus has fuzzed ones): keep what was read. */
        if (k == 0) {
            fprintf(stderr, "pcap-multiply: %s: %s: kept the packets before it\n", path,
                    pcap_geterr(in));
            t->read_errors++;
        }
    }
    pcap_close(in);
    *clock_us = now;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Self-test of the address rules                                           */
/* ------------------------------------------------------------------------ */

/* Over every a.b.c.0 (c stepping through a few values) and every copy: the class
 * is kept, and copies of one address differ.  Returns the failures. */
static unsigned self_test(void)
{
    unsigned failures = 0;
    static const uint8_t thirds[] = {0, 1, 128, 255};
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (size_t ci = 0; ci < sizeof(thirds); ci++) {
                uint8_t orig[4] = {(uint8_t)a, (uint8_t)b, thirds[ci], 7};
                struct netaddr na;
                netaddr_from_v4(&na, orig);
                bool priv = netaddr_is_private(&na);
                uint8_t seen[MAX_COPIES][4];
                for (unsigned k = 0; k < MAX_COPIES; k++) {
                    memcpy(seen[k], orig, 4);
                    shift_v4(seen[k], k);
                    struct netaddr nk;
                    netaddr_from_v4(&nk, seen[k]);
                    if (netaddr_is_private(&nk) != priv) {
                        fprintf(stderr, "self-test: %u.%u.%u.7 copy %u changes class\n", a, b,
                                thirds[ci], k);
                        failures++;
                    }
                    bool fixed = a == 0 || a >= 224; /* kept as they are by design */
                    for (unsigned j = 0; j < k && !fixed; j++)
                        if (memcmp(seen[j], seen[k], 4) == 0) {
                            fprintf(stderr, "self-test: %u.%u.%u.7 copies %u and %u meet\n", a, b,
                                    thirds[ci], j, k);
                            failures++;
                        }
                }
            }
    /* Injective within a copy: per first octet, the rotated second octets (or
     * third, for the /16 ranges) are a permutation. */
    for (unsigned k = 1; k < MAX_COPIES; k++)
        for (unsigned a = 1; a < 224; a++) {
            uint8_t hit[256][256 / 8] = {{0}};
            for (unsigned b = 0; b < 256; b++)
                for (unsigned c = 0; c < 256; c++) {
                    uint8_t x[4] = {(uint8_t)a, (uint8_t)b, (uint8_t)c, 1};
                    shift_v4(x, k);
                    if (hit[x[1]][x[2] / 8] & (1u << (x[2] % 8))) {
                        fprintf(stderr, "self-test: copy %u maps two addresses to %u.%u.%u.1\n", k,
                                x[0], x[1], x[2]);
                        failures++;
                    }
                    hit[x[1]][x[2] / 8] |= (uint8_t)(1u << (x[2] % 8));
                }
        }
    /* IPv6: class kept for a few addresses of each kind. */
    static const char *const v6[] = {
        "2001:db8::1", "fe80::1", "fd00:1:2:3::4",   "ff02::fb",
        "::1",         "::",      "::ffff:10.1.2.3", "2a00:1450:4001:81d::200e"};
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
        struct netaddr na, nk;
        if (!netaddr_parse(v6[i], &na)) {
            fprintf(stderr, "self-test: cannot parse %s\n", v6[i]);
            failures++;
            continue;
        }
        for (unsigned k = 1; k < MAX_COPIES; k++) {
            nk = na;
            if (!netaddr_is_v4(&na))
                shift_v6(nk.b, k);
            if (netaddr_is_private(&nk) != netaddr_is_private(&na)) {
                fprintf(stderr, "self-test: %s copy %u changes class\n", v6[i], k);
                failures++;
            }
        }
    }
    /* Checksums: an IPv4+UDP header with right checksums stays right. */
    uint8_t pkt[28] = {0x45, 0, 0, 28, 0, 1, 0,    0,    64, 17, 0, 0, 172, 20,
                       1,    2, 8, 8,  4, 4, 0x30, 0x39, 0,  53, 0, 8, 0,   0};
    for (unsigned pass = 0; pass < 2; pass++) {
        uint32_t s = 0;
        for (int i = 0; i < 20; i += 2)
            s += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
        while (s >> 16)
            s = (s & 0xffff) + (s >> 16);
        if (pass == 0) {
            pkt[10] = (uint8_t)(~s >> 8);
            pkt[11] = (uint8_t)~s;
            /* UDP over the pseudo-header, then the header itself. */
            uint32_t u = 17 + 8;
            for (int i = 12; i < 20; i += 2)
                u += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
            for (int i = 20; i < 28; i += 2)
                u += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
            while (u >> 16)
                u = (u & 0xffff) + (u >> 16);
            pkt[26] = (uint8_t)(~u >> 8);
            pkt[27] = (uint8_t)~u;
            rewrite_ip(pkt, sizeof(pkt), 5, NULL, NULL);
        } else {
            uint32_t u = 17 + 8;
            for (int i = 12; i < 28; i += 2)
                u += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
            while (u >> 16)
                u = (u & 0xffff) + (u >> 16);
            if (s != 0xffff || u != 0xffff) {
                fprintf(stderr, "self-test: checksums wrong after the shift (ip %04x udp %04x)\n",
                        s, u);
                failures++;
            }
        }
    }
    return failures;
}

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fputs("usage: pcap-multiply -o OUT.pcap [--copies N] [--gap S] [--max-gap S]\n"
          "                     [--spacing S] [--duration S] [--max-frame N] [--start UNIX]\n"
          "                     FILE...\n"
          "       pcap-multiply --count FILE...\n"
          "       pcap-multiply --self-test\n"
          "\n"
          "Merges Ethernet captures (pcap or pcapng; others are skipped) into one pcap,\n"
          "repeated N times, each copy with its addresses shifted, time running forward.\n"
          "\n"
          "  -o, --output FILE  the merged capture (pcap, microsecond timestamps)\n"
          "  -n, --copies N     copies of the inputs, 1-16, default 1; copy 0 is unchanged\n"
          "      --gap S        seconds between one capture (or copy) and the next, default 1\n"
          "      --max-gap S    longest silence kept inside a capture, default 1\n"
          "      --spacing S    every packet S seconds after the one before (e.g. 0.0005),\n"
          "                     across files and copies; --gap and --max-gap are ignored\n"
          "      --duration S   stop at the first packet more than S seconds after the\n"
          "                     first (a slice of the merged capture)\n"
          "      --max-frame N  leave out frames longer than N bytes, captured or on the\n"
          "                     wire, and those shorter than an Ethernet header: what\n"
          "                     a link of that MTU cannot carry\n"
          "      --start UNIX   time of the first packet, default 1793577600 (2026-11-02)\n"
          "      --count        only count the packets and bytes of the files (seconds:\n"
          "                     their own spans, silences kept, plus --gap between files)\n"
          "      --self-test    check the address rules and checksum updates, then exit\n"
          "  -h, --help         this text\n"
          "\n"
          "Prints, last on standard output: packets N captured_bytes C wire_bytes W\n"
          "seconds S captures I skipped J.  Same inputs, same bytes.\n",
          f);
}

static bool parse_seconds(const char *s, int64_t *us)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0) || v > 1e9)
        return false;
    *us = (int64_t)(v * US_PER_S + 0.5);
    return true;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},   {"copies", required_argument, NULL, 'n'},
        {"gap", required_argument, NULL, 'g'},      {"max-gap", required_argument, NULL, 'G'},
        {"start", required_argument, NULL, 's'},    {"spacing", required_argument, NULL, 'S'},
        {"duration", required_argument, NULL, 'D'}, {"max-frame", required_argument, NULL, 'M'},
        {"count", no_argument, NULL, 'c'},          {"self-test", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct options opt = {.copies = 1,
                          .start_us = DEFAULT_START * US_PER_S,
                          .gap_us = US_PER_S,
                          .max_gap_us = US_PER_S};
    int ch;
    while ((ch = getopt_long(argc, argv, "o:n:h", longopts, NULL)) != -1) {
        char *end;
        unsigned long v;
        switch (ch) {
        case 'o':
            opt.out = optarg;
            break;
        case 'n':
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v < 1 || v > MAX_COPIES) {
                fprintf(stderr,
                        "pcap-multiply: --copies %s: expected 1 to %d (copies beyond "
                        "16 would repeat 172.16/12 addresses)\n",
                        optarg, MAX_COPIES);
                return 2;
            }
            opt.copies = (unsigned)v;
            break;
        case 'g':
        case 'G':
            if (!parse_seconds(optarg, ch == 'g' ? &opt.gap_us : &opt.max_gap_us)) {
                fprintf(stderr, "pcap-multiply: --%s %s: expected seconds, like 1 or 0.5\n",
                        ch == 'g' ? "gap" : "max-gap", optarg);
                return 2;
            }
            break;
        case 'S':
            if (!parse_seconds(optarg, &opt.spacing_us) || opt.spacing_us == 0) {
                fprintf(stderr,
                        "pcap-multiply: --spacing %s: expected seconds above 0, like "
                        "0.0005\n",
                        optarg);
                return 2;
            }
            break;
        case 'M':
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v < 14 || v > OUT_SNAPLEN) {
                fprintf(stderr, "pcap-multiply: --max-frame %s: expected 14 to %d bytes\n", optarg,
                        OUT_SNAPLEN);
                return 2;
            }
            opt.max_frame = (uint32_t)v;
            break;
        case 'D':
            if (!parse_seconds(optarg, &opt.duration_us) || opt.duration_us == 0) {
                fprintf(stderr, "pcap-multiply: --duration %s: expected seconds above 0\n", optarg);
                return 2;
            }
            break;
        case 's':
            if (!parse_seconds(optarg, &opt.start_us)) {
                fprintf(stderr, "pcap-multiply: --start %s: expected a unix time\n", optarg);
                return 2;
            }
            break;
        case 'c':
            opt.count_only = true;
            break;
        case 'T': {
            unsigned failures = self_test();
            printf("pcap-multiply self-test: %s\n", failures ? "FAILED" : "ok");
            return failures ? 1 : 0;
        }
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind >= argc || (!opt.out && !opt.count_only)) {
        fputs("pcap-multiply: needs -o OUT.pcap (or --count) and at least one input\n", stderr);
        usage(stderr);
        return 2;
    }
    if (opt.count_only) { /* the inputs' own span: no silence is shortened */
        opt.copies = 1;
        opt.max_gap_us = INT64_MAX / 4;
        opt.spacing_us = 0;
    }
    if (opt.spacing_us > 0)
        opt.gap_us = opt.spacing_us; /* evenly across files and copies too */

    pcap_t *dead = NULL;
    pcap_dumper_t *out = NULL;
    if (!opt.count_only) {
        dead = pcap_open_dead(DLT_EN10MB, OUT_SNAPLEN);
        out = dead ? pcap_dump_open(dead, opt.out) : NULL;
        if (!out) {
            fprintf(stderr, "pcap-multiply: %s: %s\n", opt.out,
                    dead ? pcap_geterr(dead) : "cannot open libpcap");
            if (dead)
                pcap_close(dead);
            return 1;
        }
    }

    struct totals t = {0};
    int64_t clock_us = opt.start_us;
    bool any = false; /* a packet has been written: the next capture waits --gap */
    for (unsigned k = 0; k < opt.copies; k++)
        for (int i = optind; i < argc; i++) {
            int64_t start = any ? clock_us + opt.gap_us : clock_us;
            int64_t clock_after = start;
            uint64_t before = t.packets;
            if (!copy_capture(argv[i], k, out, &opt, &clock_after, &t)) {
                if (k == 0)
                    t.skipped++;
                continue;
            }
            if (k == 0)
                t.captures++;
            if (t.packets > before) {
                clock_us = clock_after;
                any = true;
            }
        }

    int rc = 0;
    if (out) {
        if (pcap_dump_flush(out) != 0 || ferror(pcap_dump_file(out))) {
            fprintf(stderr, "pcap-multiply: %s: write failed\n", opt.out);
            rc = 1;
        }
        pcap_dump_close(out);
        pcap_close(dead);
    }
    if (t.captures == 0) {
        fputs("pcap-multiply: no Ethernet capture among the inputs\n", stderr);
        rc = 1;
    }
    double seconds = (double)(clock_us - opt.start_us) / US_PER_S;
    if (!opt.count_only)
        fprintf(stderr,
                "pcap-multiply: %u captures x %u copies: %" PRIu64 " IP headers "
                "rewritten, %" PRIu64 " inner (tunnelled) ones, %u files cut short, %" PRIu64
                " frames over --max-frame left out\n",
                t.captures, opt.copies, t.ip_rewritten, t.inner_rewritten, t.read_errors,
                t.too_long);
    printf("packets %" PRIu64 " captured_bytes %" PRIu64 " wire_bytes %" PRIu64
           " seconds %.6f captures %u skipped %u\n",
           t.packets, t.captured_bytes, t.wire_bytes, seconds, t.captures, t.skipped);
    return rc;
}
