/*
 * test_dhcp.c - DHCPv4 and DHCPv6 parsing: each message type and what it
 * means for the lease table, the identity options (MAC, DUID, client id, host
 * name), relays, and hostile messages; then every DHCP datagram of the
 * reference corpus, when it is there.
 *
 * Messages are built field by field with the small builders below, so each
 * test shows the layout it exercises.  Hostile inputs are parsed from heap
 * buffers of exactly their size, so that AddressSanitizer sees any overrun.
 * No test prints a host name or a MAC (the privacy rule holds for the
 * tests' output too: the corpus captures are real).
 */
#include "dhcp.h"

#include <dirent.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "decode.h"
#include "netaddr.h"
#include "test.h"

/* ---- builders -------------------------------------------------------------- */

struct msg {
    uint8_t b[4096];
    size_t len;
    size_t bounds[64]; /* offsets where a top-level v6 option ends (a valid prefix) */
    size_t nbounds;
};

static void put8(struct msg *m, unsigned v)
{
    if (m->len >= sizeof(m->b)) {
        fprintf(stderr, "test message too long\n");
        abort();
    }
    m->b[m->len++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(m, ((const uint8_t *)p)[i]);
}

static void put_zeros(struct msg *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(m, 0);
}

static void put_v4(struct msg *m, const char *dotted)
{
    struct netaddr a;
    if (!netaddr_parse(dotted, &a) || !netaddr_is_v4(&a))
        abort();
    put_bytes(m, a.b + 12, 4);
}

static void put_v6(struct msg *m, const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    put_bytes(m, a.b, 16);
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* MACs in a chaddr field's 16 bytes, so a header with any hlen can copy them. */
static const uint8_t MAC1[16] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x31};
static const uint8_t MAC2[16] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x32};

/* --- DHCPv4 --- */

#define OP_REQUEST 1
#define OP_REPLY   2
#define DISCOVER   1
#define OFFER      2
#define REQUEST    3
#define DECLINE    4
#define ACK        5
#define NAK        6
#define RELEASE    7
#define INFORM     8

struct v4_header {
    unsigned op, htype, hlen;
    uint32_t xid;
    const char *ciaddr, *yiaddr, *giaddr;
    const uint8_t *chaddr; /* hlen bytes (at most 16 read) */
};

/* The BOOTP header and the magic cookie; options follow. */
static void v4_begin(struct msg *m, const struct v4_header *h)
{
    memset(m, 0, sizeof(*m));
    put8(m, h->op);
    put8(m, h->htype);
    put8(m, h->hlen);
    put8(m, 0); /* hops */
    put32(m, h->xid);
    put16(m, 3);      /* secs */
    put16(m, 0x8000); /* flags: broadcast */
    put_v4(m, h->ciaddr ? h->ciaddr : "0.0.0.0");
    put_v4(m, h->yiaddr ? h->yiaddr : "0.0.0.0");
    put_v4(m, "0.0.0.0"); /* siaddr */
    put_v4(m, h->giaddr ? h->giaddr : "0.0.0.0");
    size_t n = h->chaddr ? (h->hlen < 16 ? h->hlen : 16) : 0;
    put_bytes(m, h->chaddr, n);
    put_zeros(m, 16 - n);
    put_zeros(m, 64 + 128); /* sname, file */
    put32(m, 0x63825363);
}

static void v4_opt(struct msg *m, unsigned code, const void *data, size_t len)
{
    put8(m, code);
    put8(m, (unsigned)len);
    put_bytes(m, data, len);
}

static void v4_opt8(struct msg *m, unsigned code, unsigned v)
{
    uint8_t b = (uint8_t)v;
    v4_opt(m, code, &b, 1);
}

static void v4_opt32(struct msg *m, unsigned code, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    v4_opt(m, code, b, 4);
}

static void v4_opt_addr(struct msg *m, unsigned code, const char *dotted)
{
    struct netaddr a = addr(dotted);
    v4_opt(m, code, a.b + 12, 4);
}

static void v4_opt_str(struct msg *m, unsigned code, const char *s)
{
    v4_opt(m, code, s, strlen(s));
}

/* A client message of type t from MAC1 with a host name and a client id
 * (type 1, the MAC), as Windows and most Linux clients send. */
static void v4_client(struct msg *m, unsigned t, const char *ciaddr, const char *requested,
                      const char *hostname)
{
    struct v4_header h = {OP_REQUEST, 1, 6, 0x3903f326, ciaddr, NULL, NULL, MAC1};
    v4_begin(m, &h);
    v4_opt8(m, 53, t);
    uint8_t cid[7] = {1};
    memcpy(cid + 1, MAC1, 6);
    v4_opt(m, 61, cid, sizeof(cid));
    if (requested)
        v4_opt_addr(m, 50, requested);
    if (hostname)
        v4_opt_str(m, 12, hostname);
    uint8_t prl[] = {1, 3, 6, 15, 119, 252};
    v4_opt(m, 55, prl, sizeof(prl));
    put8(m, 255);
}

/* A server reply of type t to MAC1 giving yiaddr. */
static void v4_server(struct msg *m, unsigned t, const char *yiaddr, uint32_t lease_s)
{
    struct v4_header h = {OP_REPLY, 1, 6, 0x3903f326, NULL, yiaddr, NULL, MAC1};
    v4_begin(m, &h);
    v4_opt8(m, 53, t);
    v4_opt_addr(m, 54, "192.0.2.1");
    if (lease_s)
        v4_opt32(m, 51, lease_s);
    v4_opt_addr(m, 1, "255.255.255.0");
    v4_opt_addr(m, 3, "192.0.2.1");
    put8(m, 255);
    put_zeros(m, 20); /* padding after END, as servers send */
}

/* --- DHCPv6 --- */

#define SOLICIT    1
#define ADVERTISE  2
#define REQUEST6   3
#define CONFIRM    4
#define RENEW      5
#define REBIND     6
#define REPLY      7
#define RELEASE6   8
#define DECLINE6   9
#define RECONF     10
#define INFO_REQ   11
#define RELAY_FORW 12
#define RELAY_REPL 13

static void v6_begin(struct msg *m, unsigned type, uint32_t xid)
{
    memset(m, 0, sizeof(*m));
    put8(m, type);
    put8(m, xid >> 16);
    put16(m, xid & 0xffff);
    m->bounds[m->nbounds++] = m->len;
}

/* Starts an option; returns where its length goes, for opt_end. */
static size_t opt_begin(struct msg *m, unsigned code)
{
    put16(m, code);
    size_t at = m->len;
    put16(m, 0);
    return at;
}

static void opt_end(struct msg *m, size_t at)
{
    size_t n = m->len - at - 2;
    m->b[at] = (uint8_t)(n >> 8);
    m->b[at + 1] = (uint8_t)n;
}

/* A top-level option ends: a prefix that stops here is a whole message. */
static void top_end(struct msg *m, size_t at)
{
    opt_end(m, at);
    m->bounds[m->nbounds++] = m->len;
}

static void v6_opt(struct msg *m, unsigned code, const void *data, size_t len)
{
    size_t at = opt_begin(m, code);
    put_bytes(m, data, len);
    top_end(m, at);
}

/* Client identifier: DUID-LLT of an Ethernet MAC. */
static void v6_duid_llt(struct msg *m, const uint8_t mac[6])
{
    size_t at = opt_begin(m, 1);
    put16(m, 1);
    put16(m, 1);
    put32(m, 0x2a5c1b3d);
    put_bytes(m, mac, 6);
    top_end(m, at);
}

static void v6_server_id(struct msg *m)
{
    uint8_t duid[] = {0, 2, 0, 0, 0x01, 0x37, 's', 'r', 'v', '1'}; /* DUID-EN */
    v6_opt(m, 2, duid, sizeof(duid));
}

/* Client FQDN: flags, then dotted as wire-format labels, ended by the root. */
static void v6_fqdn(struct msg *m, const char *dotted)
{
    size_t at = opt_begin(m, 39);
    put8(m, 0x01); /* S: the server updates AAAA */
    const char *p = dotted;
    while (*p) {
        size_t n = strcspn(p, ".");
        put8(m, (unsigned)n);
        put_bytes(m, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
    put8(m, 0);
    top_end(m, at);
}

static void v6_iaaddr(struct msg *m, const char *address, uint32_t preferred, uint32_t valid)
{
    size_t at = opt_begin(m, 5);
    put_v6(m, address);
    put32(m, preferred);
    put32(m, valid);
    opt_end(m, at);
}

/* IA_NA with one address (NULL: none). */
static void v6_ia_na(struct msg *m, const char *address, uint32_t valid)
{
    size_t at = opt_begin(m, 3);
    put32(m, 0x0e000001); /* IAID */
    put32(m, valid / 2);
    put32(m, valid / 5 * 4);
    if (address)
        v6_iaaddr(m, address, valid / 2, valid);
    top_end(m, at);
}

/* A client or server message with client DUID-LLT(MAC1), an IA_NA for
 * address (NULL: none) and, when hostname is not NULL, a Client FQDN. */
static void v6_message(struct msg *m, unsigned type, const char *address, uint32_t valid,
                       const char *hostname)
{
    v6_begin(m, type, 0x7d3a11);
    v6_duid_llt(m, MAC1);
    if (type == REPLY || type == ADVERTISE)
        v6_server_id(m);
    uint8_t elapsed[2] = {0, 0};
    v6_opt(m, 8, elapsed, 2);
    v6_ia_na(m, address, valid);
    if (hostname)
        v6_fqdn(m, hostname);
}

/* Wraps inner in a relay message of type t; with ll, the relay's Client
 * Link-Layer Address option.  out may not be inner.  Its bounds are those of
 * the relay's own options: a relay with no option is no message. */
static void v6_relay(struct msg *out, unsigned t, const struct msg *inner, const uint8_t *ll)
{
    memset(out, 0, sizeof(*out));
    put8(out, t);
    put8(out, 0);                 /* hop count */
    put_v6(out, "2001:db8:1::1"); /* link-address */
    put_v6(out, "fe80::1");       /* peer-address */
    size_t at = opt_begin(out, 9);
    put_bytes(out, inner->b, inner->len);
    top_end(out, at);
    if (ll) {
        at = opt_begin(out, 79);
        put16(out, 1);
        put_bytes(out, ll, 6);
        top_end(out, at);
    }
}

/* ---- parsing --------------------------------------------------------------- */

/* Parses from a heap copy of exactly len bytes. */
static int parse_exact(enum dhcp_kind kind, const uint8_t *b, size_t len, struct dhcp_message *out)
{
    uint8_t *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            abort();
        memcpy(copy, b, len);
    }
    int rc = dhcp_parse(kind, copy, len, out);
    free(copy);
    return rc;
}

static int parse4(const struct msg *m, struct dhcp_message *out)
{
    return parse_exact(DHCP_KIND_V4, m->b, m->len, out);
}

static int parse6(const struct msg *m, struct dhcp_message *out)
{
    return parse_exact(DHCP_KIND_V6, m->b, m->len, out);
}

static bool addr_is(const struct dhcp_message *d, const char *text)
{
    struct netaddr a = addr(text);
    return d->has_address && netaddr_cmp(&d->address, &a) == 0;
}

/* ---- DHCPv4 ---------------------------------------------------------------- */

TEST(v4_discover)
{
    struct msg m;
    struct dhcp_message d;
    v4_client(&m, DISCOVER, NULL, NULL, "FIN-LAPTOP-07");
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.kind, DHCP_KIND_V4);
    CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    CHECK_INT(d.msg_type, DISCOVER);
    CHECK_INT(d.op, OP_REQUEST);
    CHECK_INT(d.xid, 0x3903f326);
    CHECK_INT(d.mac_source, DHCP_MAC_CHADDR);
    CHECK(memcmp(d.mac, MAC1, 6) == 0);
    CHECK_STR(d.hostname, "FIN-LAPTOP-07");
    CHECK_INT(d.client_id_len, 7);
    CHECK_INT(d.client_id[0], 1);
    CHECK(memcmp(d.client_id + 1, MAC1, 6) == 0);
    CHECK(!d.has_address); /* no option 50, ciaddr zero */
    CHECK(!d.relayed);
    CHECK_INT(d.notes, 0);
}

TEST(v4_request_selecting_and_renewing)
{
    struct msg m;
    struct dhcp_message d;
    /* SELECTING / INIT-REBOOT: the address is in option 50. */
    v4_client(&m, REQUEST, NULL, "192.0.2.57", "fin-laptop-07");
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    CHECK(addr_is(&d, "192.0.2.57"));
    CHECK(d.has_requested);
    /* RENEWING: ciaddr, no option 50. */
    v4_client(&m, REQUEST, "192.0.2.58", NULL, "fin-laptop-07");
    CHECK_INT(parse4(&m, &d), 0);
    CHECK(addr_is(&d, "192.0.2.58"));
    CHECK(!d.has_requested);
    /* INFORM: ciaddr, whatever option 50 says. */
    v4_client(&m, INFORM, "192.0.2.59", "192.0.2.99", NULL);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    CHECK(addr_is(&d, "192.0.2.59"));
    CHECK_STR(d.hostname, "");
}

TEST(v4_ack_grants)
{
    struct msg m;
    struct dhcp_message d;
    v4_server(&m, ACK, "192.0.2.57", 86400);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK_INT(d.op, OP_REPLY);
    CHECK(addr_is(&d, "192.0.2.57"));
    CHECK(d.has_lease_time);
    CHECK_INT(d.lease_s, 86400);
    CHECK(d.has_server_id);
    struct netaddr sid = addr("192.0.2.1");
    CHECK(netaddr_cmp(&d.server_id, &sid) == 0);
    CHECK_INT(d.mac_source, DHCP_MAC_CHADDR);
    CHECK(memcmp(d.mac, MAC1, 6) == 0);
    struct netaddr yi = addr("192.0.2.57");
    CHECK(netaddr_cmp(&d.yiaddr, &yi) == 0);

    /* An ACK without a lease time still grants; the table picks the default. */
    v4_server(&m, ACK, "192.0.2.57", 0);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK(!d.has_lease_time);
    /* Infinite. */
    v4_server(&m, ACK, "192.0.2.57", DHCP_LEASE_INFINITE);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.lease_s, DHCP_LEASE_INFINITE);
}

TEST(v4_ack_to_inform_grants_nothing)
{
    struct msg m;
    struct dhcp_message d;
    v4_server(&m, ACK, NULL, 0);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
    CHECK(!d.has_address);
}

TEST(v4_offer_nak_release_decline)
{
    struct msg m;
    struct dhcp_message d;
    v4_server(&m, OFFER, "192.0.2.60", 3600);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OFFER);
    CHECK(addr_is(&d, "192.0.2.60"));

    v4_server(&m, NAK, NULL, 0);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_NAK);
    CHECK(!d.has_address);

    v4_client(&m, RELEASE, "192.0.2.57", NULL, NULL);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_RELEASE);
    CHECK(addr_is(&d, "192.0.2.57"));

    v4_client(&m, DECLINE, NULL, "192.0.2.61", NULL);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_DECLINE);
    CHECK(addr_is(&d, "192.0.2.61"));

    /* A later message type (10, LEASEQUERY family): read, about nothing. */
    v4_client(&m, 10, NULL, NULL, NULL);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
}

TEST(v4_relayed_and_other_hardware)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REPLY, 1, 6, 7, NULL, "10.9.8.7", "10.9.8.1", MAC2};
    v4_begin(&m, &h);
    v4_opt8(&m, 53, ACK);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK(d.relayed);
    CHECK(memcmp(d.mac, MAC2, 6) == 0);

    /* InfiniBand (htype 32, hlen 0): no MAC; the client id tells the device. */
    struct v4_header ib = {OP_REQUEST, 32, 0, 7, NULL, NULL, NULL, NULL};
    v4_begin(&m, &ib);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
    CHECK_INT(d.htype, 32);
    /* Ethernet type with another length: not a MAC either. */
    static const uint8_t eui64[16] = {0x02, 0x00, 0x5e, 0xff, 0xfe, 0x10, 0x20, 0x31};
    struct v4_header odd = {OP_REQUEST, 1, 8, 7, NULL, NULL, NULL, eui64};
    v4_begin(&m, &odd);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
}

/* Parses a DISCOVER whose option 12 holds exactly name[0..len). */
static int v4_with_hostname(const void *name, size_t len, struct dhcp_message *d)
{
    struct msg m;
    struct v4_header h = {OP_REQUEST, 1, 6, 1, NULL, NULL, NULL, MAC1};
    v4_begin(&m, &h);
    v4_opt8(&m, 53, DISCOVER);
    v4_opt(&m, 12, name, len);
    put8(&m, 255);
    return parse4(&m, d);
}

TEST(v4_hostname_rules)
{
    struct dhcp_message d;
    CHECK_INT(v4_with_hostname("acct-pc\0", 8, &d), 0); /* NUL-terminated */
    CHECK_STR(d.hostname, "acct-pc");
    CHECK_INT(d.notes, 0);
    CHECK_INT(v4_with_hostname("  Living Room TV \0\0", 19, &d), 0);
    CHECK_STR(d.hostname, "Living Room TV");
    CHECK_INT(v4_with_hostname("Mixed.Case_name~1", 17, &d), 0);
    CHECK_STR(d.hostname, "Mixed.Case_name~1");

    /* 63 bytes: kept; 64 and 200: cut to 63, noted. */
    char long_name[201];
    memset(long_name, 'a', sizeof(long_name));
    memcpy(long_name, "FIN-", 4);
    CHECK_INT(v4_with_hostname(long_name, 63, &d), 0);
    CHECK_INT(strlen(d.hostname), 63);
    CHECK_INT(d.notes, 0);
    CHECK_INT(v4_with_hostname(long_name, 64, &d), 0);
    CHECK_INT(strlen(d.hostname), 63);
    CHECK_INT(d.notes, DHCP_NOTE_HOSTNAME_CUT);
    CHECK_INT(v4_with_hostname(long_name, 200, &d), 0);
    CHECK_INT(strlen(d.hostname), 63);
    CHECK(strncmp(d.hostname, "FIN-aaa", 7) == 0);
    /* Cut just after a space: the space goes too. */
    memcpy(long_name + 62, " x", 2);
    CHECK_INT(v4_with_hostname(long_name, 64, &d), 0);
    CHECK_INT(strlen(d.hostname), 62);

    /* Anything not printable ASCII rejects the whole name: the message stays. */
    static const char *const bad[] = {"tab\there",        "nul\0inside", "del\x7f",
                                      "J\xc3\xbcrgen-PC", "bell\a",      "nl\n"};
    static const size_t bad_len[] = {8, 10, 4, 10, 5, 3};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_INT(v4_with_hostname(bad[i], bad_len[i], &d), 0);
        CHECK_STR(d.hostname, "");
        CHECK_INT(d.notes, DHCP_NOTE_HOSTNAME_REJECTED);
        CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    }
    /* Empty, all NULs, all spaces: no name, nothing to note. */
    CHECK_INT(v4_with_hostname("", 0, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(v4_with_hostname("\0\0\0", 3, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(v4_with_hostname("   ", 3, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(d.notes, 0);
}

TEST(v4_client_id_bounded)
{
    struct msg m;
    struct dhcp_message d;
    uint8_t cid[255];
    for (size_t i = 0; i < sizeof(cid); i++)
        cid[i] = (uint8_t)i;
    struct v4_header h = {OP_REQUEST, 1, 6, 1, NULL, NULL, NULL, MAC1};
    v4_begin(&m, &h);
    v4_opt8(&m, 53, REQUEST);
    v4_opt(&m, 61, cid, 255);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.client_id_len, DHCP_CLIENT_ID_MAX);
    CHECK(memcmp(d.client_id, cid, DHCP_CLIENT_ID_MAX) == 0);
    CHECK_INT(d.notes, DHCP_NOTE_CLIENT_ID_CUT);

    v4_begin(&m, &h);
    v4_opt8(&m, 53, REQUEST);
    v4_opt(&m, 61, cid, DHCP_CLIENT_ID_MAX);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.client_id_len, DHCP_CLIENT_ID_MAX);
    CHECK_INT(d.notes, 0);
}

TEST(v4_first_option_counts)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REQUEST, 1, 6, 1, NULL, NULL, NULL, MAC1};
    v4_begin(&m, &h);
    v4_opt_str(&m, 12, "first"); /* before the message type: order is free */
    v4_opt8(&m, 53, REQUEST);
    put8(&m, 0); /* pads between options */
    put8(&m, 0);
    v4_opt8(&m, 53, RELEASE);
    v4_opt_str(&m, 12, "second");
    v4_opt_addr(&m, 50, "192.0.2.5");
    v4_opt_addr(&m, 50, "192.0.2.6");
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.msg_type, REQUEST);
    CHECK_STR(d.hostname, "first");
    CHECK(addr_is(&d, "192.0.2.5"));
}

TEST(v4_options_of_the_wrong_size_ignored)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REPLY, 1, 6, 1, NULL, "192.0.2.9", NULL, MAC1};
    v4_begin(&m, &h);
    v4_opt8(&m, 53, ACK);
    uint8_t three[3] = {0, 1, 2};
    v4_opt(&m, 51, three, 3);
    v4_opt(&m, 54, three, 3);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK(!d.has_lease_time);
    CHECK(!d.has_server_id);
    CHECK_INT(d.notes, DHCP_NOTE_BAD_OPTION);

    /* A message type of two bytes is no message type: BOOTP. */
    v4_begin(&m, &h);
    uint8_t two[2] = {5, 5};
    v4_opt(&m, 53, two, 2);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_NOT_DHCP);
    v4_begin(&m, &h);
    v4_opt8(&m, 53, 0);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_NOT_DHCP);
}

TEST(v4_overload_noted)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REPLY, 1, 6, 1, NULL, "192.0.2.9", NULL, MAC1};
    v4_begin(&m, &h);
    v4_opt8(&m, 53, ACK);
    v4_opt8(&m, 52, 3);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), 0);
    CHECK_INT(d.notes, DHCP_NOTE_OVERLOAD);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
}

TEST(v4_refused)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REQUEST, 1, 6, 1, NULL, NULL, NULL, MAC1};

    /* Bad cookies: zero (BOOTP vendor area), byte-swapped, one bit off. */
    static const uint32_t cookies[] = {0, 0x63538263, 0x63825362, 0xffffffff};
    for (size_t i = 0; i < sizeof(cookies) / sizeof(cookies[0]); i++) {
        v4_begin(&m, &h);
        m.len -= 4;
        put32(&m, cookies[i]);
        v4_opt8(&m, 53, DISCOVER);
        put8(&m, 255);
        CHECK_INT(parse4(&m, &d), DHCP_ERR_BAD_COOKIE);
    }
    /* BOOTP: the cookie, but no message type. */
    v4_begin(&m, &h);
    v4_opt_str(&m, 12, "bootp");
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_NOT_DHCP);
    /* op 3, hlen 17. */
    struct v4_header bad_op = h, bad_hlen = h;
    bad_op.op = 3;
    bad_hlen.hlen = 17;
    v4_begin(&m, &bad_op);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_MALFORMED);
    v4_begin(&m, &bad_hlen);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_MALFORMED);
    /* An ACK in a BOOTREQUEST, a REQUEST in a BOOTREPLY. */
    v4_begin(&m, &h);
    v4_opt8(&m, 53, ACK);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_MALFORMED);
    struct v4_header reply = h;
    reply.op = OP_REPLY;
    v4_begin(&m, &reply);
    v4_opt8(&m, 53, REQUEST);
    put8(&m, 255);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_MALFORMED);
}

TEST(v4_framing)
{
    struct msg m;
    struct dhcp_message d;
    struct v4_header h = {OP_REQUEST, 1, 6, 1, NULL, NULL, NULL, MAC1};
    /* An option whose length runs past the end, by one byte and by 255. */
    v4_begin(&m, &h);
    v4_opt8(&m, 53, DISCOVER);
    v4_opt_str(&m, 12, "abc");
    m.b[m.len - 4] = 4;
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    m.b[m.len - 4] = 255;
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    /* No END. */
    v4_begin(&m, &h);
    v4_opt8(&m, 53, DISCOVER);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    /* Only pads, no END. */
    put_zeros(&m, 30);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    /* An option code with no length byte. */
    v4_begin(&m, &h);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 12);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    /* What follows END is not read, whatever it is. */
    v4_begin(&m, &h);
    v4_opt8(&m, 53, DISCOVER);
    put8(&m, 255);
    put8(&m, 12);
    put8(&m, 200);
    CHECK_INT(parse4(&m, &d), 0);
    /* The header alone, the header without its cookie, nothing. */
    v4_begin(&m, &h);
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    m.len -= 4;
    CHECK_INT(parse4(&m, &d), DHCP_ERR_TRUNCATED);
    CHECK_INT(parse_exact(DHCP_KIND_V4, NULL, 0, &d), DHCP_ERR_TRUNCATED);
    CHECK_INT(parse_exact(DHCP_KIND_NONE, m.b, m.len, &d), DHCP_ERR_NOT_DHCP);
}

/* ---- DHCPv6 ---------------------------------------------------------------- */

TEST(v6_reply_grants)
{
    struct msg m;
    struct dhcp_message d;
    v6_message(&m, REPLY, "2001:db8:10::57", 7200, "fin-laptop-07.corp.example");
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.kind, DHCP_KIND_V6);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK_INT(d.msg_type, REPLY);
    CHECK_INT(d.xid, 0x7d3a11);
    CHECK(addr_is(&d, "2001:db8:10::57"));
    CHECK(d.has_lease_time);
    CHECK_INT(d.lease_s, 7200);
    CHECK_STR(d.hostname, "fin-laptop-07");
    CHECK_INT(d.mac_source, DHCP_MAC_DUID);
    CHECK(memcmp(d.mac, MAC1, 6) == 0);
    CHECK_INT(d.client_id_len, 14);
    CHECK_INT(d.client_id[1], 1); /* DUID-LLT */
    CHECK(!d.relayed);
    CHECK(!d.has_server_id); /* a DUID, not an address */
    CHECK_INT(d.notes, 0);
}

TEST(v6_client_messages)
{
    static const unsigned requests[] = {SOLICIT, REQUEST6, CONFIRM, RENEW, REBIND, INFO_REQ};
    struct msg m;
    struct dhcp_message d;
    for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
        v6_message(&m, requests[i], "2001:db8:10::57", 0, "acct-7");
        CHECK_INT(parse6(&m, &d), 0);
        CHECK_INT(d.event, DHCP_EVENT_REQUEST);
        CHECK_INT(d.msg_type, requests[i]);
        CHECK(addr_is(&d, "2001:db8:10::57"));
        CHECK_STR(d.hostname, "acct-7");
    }
    v6_message(&m, SOLICIT, NULL, 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    CHECK(!d.has_address);
    CHECK_STR(d.hostname, "");

    v6_message(&m, ADVERTISE, "2001:db8:10::58", 3600, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OFFER);
    v6_message(&m, RELEASE6, "2001:db8:10::57", 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_RELEASE);
    CHECK(addr_is(&d, "2001:db8:10::57"));
    v6_message(&m, DECLINE6, "2001:db8:10::59", 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_DECLINE);
    v6_message(&m, RECONF, NULL, 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
    v6_message(&m, 200, NULL, 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
}

TEST(v6_reply_addresses)
{
    struct msg m;
    struct dhcp_message d;
    /* Valid lifetime 0: the server takes the address back. */
    v6_message(&m, REPLY, "2001:db8:10::57", 0, NULL);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_RELEASE);
    CHECK(addr_is(&d, "2001:db8:10::57"));

    /* Two IA_NAs: a withdrawn address, then a live one; the live one counts. */
    v6_begin(&m, REPLY, 1);
    v6_duid_llt(&m, MAC1);
    v6_ia_na(&m, "2001:db8:10::1", 0);
    size_t at = opt_begin(&m, 3);
    put32(&m, 2);
    put32(&m, 0);
    put32(&m, 0);
    v6_iaaddr(&m, "2001:db8:10::2", 100, 0);
    v6_iaaddr(&m, "2001:db8:10::3", 100, 200);
    v6_iaaddr(&m, "2001:db8:10::4", 100, 300);
    top_end(&m, at);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK(addr_is(&d, "2001:db8:10::3"));
    CHECK_INT(d.lease_s, 200);

    /* IA_NA with NoAddrsAvail and no address: a refusal. */
    v6_begin(&m, REPLY, 1);
    v6_duid_llt(&m, MAC1);
    at = opt_begin(&m, 3);
    put32(&m, 1);
    put32(&m, 0);
    put32(&m, 0);
    size_t st = opt_begin(&m, 13);
    put16(&m, 2);
    put_bytes(&m, "none", 4);
    opt_end(&m, st);
    top_end(&m, at);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_NAK);
    CHECK(!d.has_address);

    /* A Reply to Information-request: nothing about a lease. */
    v6_begin(&m, REPLY, 1);
    v6_duid_llt(&m, MAC1);
    v6_server_id(&m);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);

    /* An IAADDR too short, an IA_NA too short: ignored, noted. */
    v6_begin(&m, REPLY, 1);
    at = opt_begin(&m, 3);
    put32(&m, 1);
    put32(&m, 0);
    put32(&m, 0);
    st = opt_begin(&m, 5);
    put_v6(&m, "2001:db8::1");
    opt_end(&m, st);
    top_end(&m, at);
    uint8_t short_ia[4] = {0};
    v6_opt(&m, 3, short_ia, 4);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
    CHECK_INT(d.notes, DHCP_NOTE_BAD_OPTION);
}

TEST(v6_duids)
{
    struct msg m;
    struct dhcp_message d;
    /* DUID-LL of Ethernet. */
    v6_begin(&m, SOLICIT, 1);
    uint8_t ll[10] = {0, 3, 0, 1};
    memcpy(ll + 4, MAC2, 6);
    v6_opt(&m, 1, ll, sizeof(ll));
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_DUID);
    CHECK(memcmp(d.mac, MAC2, 6) == 0);
    /* DUID-LL of another hardware type; DUID-EN; DUID-UUID: no MAC. */
    ll[3] = 6;
    v6_begin(&m, SOLICIT, 1);
    v6_opt(&m, 1, ll, sizeof(ll));
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
    CHECK_INT(d.client_id_len, 10);
    uint8_t uuid[18] = {0, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    v6_begin(&m, SOLICIT, 1);
    v6_opt(&m, 1, uuid, sizeof(uuid));
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
    CHECK_INT(d.client_id_len, 18);
    /* A DUID-LLT with a longer link-layer address (not Ethernet's 6 bytes). */
    uint8_t llt8[16] = {0, 1, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
    v6_begin(&m, SOLICIT, 1);
    v6_opt(&m, 1, llt8, sizeof(llt8));
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
    /* 128 bytes (the most RFC 8415 allows): the first 32 kept. */
    uint8_t big[128] = {0, 2};
    v6_begin(&m, SOLICIT, 1);
    v6_opt(&m, 1, big, sizeof(big));
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.client_id_len, DHCP_CLIENT_ID_MAX);
    CHECK_INT(d.notes, DHCP_NOTE_CLIENT_ID_CUT);
    /* Two client ids: the first counts; a short one is kept, without a MAC. */
    v6_begin(&m, SOLICIT, 1);
    v6_opt(&m, 1, "\x00", 1);
    v6_duid_llt(&m, MAC1);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.client_id_len, 1);
    CHECK_INT(d.mac_source, DHCP_MAC_NONE);
}

TEST(v6_client_fqdn)
{
    struct msg m;
    struct dhcp_message d;
    v6_begin(&m, REQUEST6, 1);
    v6_fqdn(&m, "Acct-PC");
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "Acct-PC");
    /* Flags only; the empty name. */
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x01", 1);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "");
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x01\x00", 2);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(d.notes, 0);
    /* A partial name (no root label) still gives its first label. */
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x00\x04host\x03lab", 10);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "host");
    /* A label running past the option, a compression pointer: noted, no name. */
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x00\x09host", 6);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(d.notes, DHCP_NOTE_BAD_OPTION);
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x00\xc0\x0c", 3);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_INT(d.notes, DHCP_NOTE_BAD_OPTION);
    /* A label with a control byte: rejected as in v4. */
    v6_begin(&m, REQUEST6, 1);
    v6_opt(&m, 39, "\x00\x03\x61\x01\x62", 5);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, "");
    CHECK_INT(d.notes, DHCP_NOTE_HOSTNAME_REJECTED);
    /* The longest label, 63. */
    char label[64];
    memset(label, 'x', 63);
    label[63] = '\0';
    v6_begin(&m, REQUEST6, 1);
    v6_fqdn(&m, label);
    CHECK_INT(parse6(&m, &d), 0);
    CHECK_STR(d.hostname, label);
}

TEST(v6_relays)
{
    struct msg inner, outer, outer2;
    struct dhcp_message d;
    v6_message(&inner, REPLY, "2001:db8:10::57", 3600, "eng-ws-3");
    v6_relay(&outer, RELAY_REPL, &inner, NULL);
    CHECK_INT(parse6(&outer, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_GRANT);
    CHECK_INT(d.msg_type, REPLY);
    CHECK(d.relayed);
    CHECK(addr_is(&d, "2001:db8:10::57"));
    CHECK_STR(d.hostname, "eng-ws-3");
    CHECK_INT(d.mac_source, DHCP_MAC_DUID);

    /* The relay's link-layer address beats the DUID's. */
    v6_message(&inner, REQUEST6, "2001:db8:10::57", 0, "eng-ws-3");
    v6_relay(&outer, RELAY_FORW, &inner, MAC2);
    CHECK_INT(parse6(&outer, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_REQUEST);
    CHECK_INT(d.mac_source, DHCP_MAC_RELAY);
    CHECK(memcmp(d.mac, MAC2, 6) == 0);
    /* Two levels: the inner relay, next to the client, says it. */
    v6_relay(&outer2, RELAY_FORW, &outer, MAC1);
    CHECK_INT(parse6(&outer2, &d), 0);
    CHECK(memcmp(d.mac, MAC2, 6) == 0);

    /* DHCP_V6_MAX_RELAY levels pass; one more is refused. */
    v6_message(&inner, REPLY, "2001:db8:10::57", 3600, NULL);
    struct msg *a = &inner, *b = &outer;
    for (int level = 1; level <= DHCP_V6_MAX_RELAY + 1; level++) {
        v6_relay(b, RELAY_REPL, a, NULL);
        struct msg *t = a;
        a = b;
        b = t;
        CHECK_INT(parse6(a, &d), level <= DHCP_V6_MAX_RELAY ? 0 : DHCP_ERR_MALFORMED);
    }

    /* A relay without its message; a relay message cut inside. */
    v6_relay(&outer, RELAY_FORW, &inner, NULL);
    outer.b[34] = 0x00;
    outer.b[35] = 0x0a; /* option 10 instead of 9 */
    CHECK_INT(parse6(&outer, &d), DHCP_ERR_MALFORMED);
    v6_message(&inner, REPLY, "2001:db8:10::57", 3600, NULL);
    inner.len -= 3;
    v6_relay(&outer, RELAY_REPL, &inner, NULL);
    CHECK_INT(parse6(&outer, &d), DHCP_ERR_TRUNCATED);
}

TEST(v6_framing)
{
    struct msg m;
    struct dhcp_message d;
    /* A top-level option past the end: truncated. */
    v6_message(&m, REPLY, "2001:db8:10::57", 3600, NULL);
    m.b[m.bounds[3] + 2] = 0xff; /* the IA_NA's length, high byte (after DUID, server
                                    id and elapsed time) */
    CHECK_INT(parse6(&m, &d), DHCP_ERR_TRUNCATED);
    /* An IAADDR past its IA_NA, which itself fits: malformed. */
    v6_begin(&m, REPLY, 1);
    size_t at = opt_begin(&m, 3);
    put32(&m, 1);
    put32(&m, 0);
    put32(&m, 0);
    put16(&m, 5);
    put16(&m, 24);
    put_v6(&m, "2001:db8::1");
    top_end(&m, at);
    v6_duid_llt(&m, MAC1);
    CHECK_INT(parse6(&m, &d), DHCP_ERR_MALFORMED);
    /* Under four bytes; one byte of an option header. */
    CHECK_INT(parse_exact(DHCP_KIND_V6, (const uint8_t *)"\x07\x00\x01", 3, &d),
              DHCP_ERR_TRUNCATED);
    CHECK_INT(parse_exact(DHCP_KIND_V6, (const uint8_t *)"\x07\x00\x01\x02\x00", 5, &d),
              DHCP_ERR_TRUNCATED);
    CHECK_INT(parse_exact(DHCP_KIND_V6, NULL, 0, &d), DHCP_ERR_TRUNCATED);
    /* Just the header: a message with nothing in it. */
    CHECK_INT(parse_exact(DHCP_KIND_V6, (const uint8_t *)"\x07\x00\x01\x02", 4, &d), 0);
    CHECK_INT(d.event, DHCP_EVENT_OTHER);
}

/* ---- the rest of the contract ------------------------------------------------ */

TEST(kind_of_ports)
{
    CHECK_INT(dhcp_kind_of_ports(68, 67), DHCP_KIND_V4);
    CHECK_INT(dhcp_kind_of_ports(67, 68), DHCP_KIND_V4);
    CHECK_INT(dhcp_kind_of_ports(67, 67), DHCP_KIND_V4);
    CHECK_INT(dhcp_kind_of_ports(68, 68), DHCP_KIND_NONE);
    CHECK_INT(dhcp_kind_of_ports(5353, 67), DHCP_KIND_NONE);
    CHECK_INT(dhcp_kind_of_ports(67, 5353), DHCP_KIND_NONE);
    CHECK_INT(dhcp_kind_of_ports(546, 547), DHCP_KIND_V6);
    CHECK_INT(dhcp_kind_of_ports(547, 546), DHCP_KIND_V6);
    CHECK_INT(dhcp_kind_of_ports(547, 547), DHCP_KIND_V6);
    CHECK_INT(dhcp_kind_of_ports(546, 546), DHCP_KIND_NONE);
    CHECK_INT(dhcp_kind_of_ports(547, 40000), DHCP_KIND_NONE);
}

TEST(names)
{
    CHECK_STR(dhcp_error_name(0), "ok");
    CHECK_STR(dhcp_error_name(DHCP_ERR_TRUNCATED), "truncated");
    CHECK_STR(dhcp_error_name(DHCP_ERR_MALFORMED), "malformed");
    CHECK_STR(dhcp_error_name(DHCP_ERR_BAD_COOKIE), "bad_cookie");
    CHECK_STR(dhcp_error_name(DHCP_ERR_NOT_DHCP), "not_dhcp");
    CHECK_STR(dhcp_error_name(-99), "unknown");
    CHECK_STR(dhcp_event_name(DHCP_EVENT_GRANT), "grant");
    CHECK_STR(dhcp_event_name(DHCP_EVENT_NAK), "nak");
    CHECK_STR(dhcp_event_name(DHCP_EVENT_COUNT), "unknown");
}

/* ---- every prefix, and random damage ------------------------------------------ */

#define V4_SAMPLES 6
#define V6_SAMPLES 5

static void build_v4_samples(struct msg *s)
{
    v4_client(&s[0], DISCOVER, NULL, NULL, "FIN-LAPTOP-07");
    v4_client(&s[1], REQUEST, NULL, "192.0.2.57", "FIN-LAPTOP-07");
    v4_server(&s[2], ACK, "192.0.2.57", 86400);
    v4_client(&s[3], RELEASE, "192.0.2.57", NULL, NULL);
    v4_server(&s[4], NAK, NULL, 0);
    struct v4_header h = {OP_REPLY, 1, 6, 7, NULL, "10.9.8.7", "10.9.8.1", MAC2};
    v4_begin(&s[5], &h);
    v4_opt8(&s[5], 53, ACK);
    v4_opt8(&s[5], 52, 1);
    v4_opt32(&s[5], 51, 600);
    put8(&s[5], 255);
}

/* The last two are relayed. */
#define RELAY_HEADER 34 /* msg-type, hop-count, link- and peer-address */

static void build_v6_samples(struct msg *s)
{
    v6_message(&s[0], SOLICIT, NULL, 0, "acct-7.corp.example");
    v6_message(&s[1], REQUEST6, "2001:db8:10::57", 0, "acct-7.corp.example");
    v6_message(&s[2], REPLY, "2001:db8:10::57", 7200, "acct-7.corp.example");
    struct msg inner;
    v6_message(&inner, RENEW, "2001:db8:10::57", 0, "acct-7");
    v6_relay(&s[3], RELAY_FORW, &inner, MAC2);
    v6_message(&inner, REPLY, "2001:db8:10::57", 7200, "acct-7");
    struct msg mid;
    v6_relay(&mid, RELAY_REPL, &inner, NULL);
    v6_relay(&s[4], RELAY_REPL, &mid, NULL);
}

static bool is_boundary(const struct msg *m, size_t n)
{
    for (size_t i = 0; i < m->nbounds; i++)
        if (m->bounds[i] == n)
            return true;
    return false;
}

TEST(every_prefix)
{
    static struct msg v4[V4_SAMPLES], v6[V6_SAMPLES];
    struct dhcp_message d;
    build_v4_samples(v4);
    build_v6_samples(v6);
    for (int i = 0; i < V4_SAMPLES; i++) {
        size_t end = v4[i].len;
        while (v4[i].b[end - 1] == 0) /* the padding after END */
            end--;
        CHECK_INT(parse4(&v4[i], &d), 0);
        int refused = 0;
        for (size_t n = 0; n < end; n++)
            refused += parse_exact(DHCP_KIND_V4, v4[i].b, n, &d) == DHCP_ERR_TRUNCATED;
        CHECK_INT(refused, end);
    }
    for (int i = 0; i < V6_SAMPLES; i++) {
        CHECK_INT(parse6(&v6[i], &d), 0);
        int wrong = 0;
        for (size_t n = 0; n < v6[i].len; n++) {
            int rc = parse_exact(DHCP_KIND_V6, v6[i].b, n, &d);
            int expect = is_boundary(&v6[i], n)        ? 0
                         : n == RELAY_HEADER && i >= 3 ? DHCP_ERR_MALFORMED
                                                       : DHCP_ERR_TRUNCATED;
            wrong += rc != expect;
        }
        CHECK_INT(wrong, 0);
    }
}

/* What every successful parse must give, whatever the input. */
static bool result_sane(const struct dhcp_message *d)
{
    size_t n = strnlen(d->hostname, sizeof(d->hostname));
    if (n > DHCP_HOSTNAME_MAX || (n > 0 && (d->hostname[0] == ' ' || d->hostname[n - 1] == ' ')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (d->hostname[i] < 0x20 || d->hostname[i] > 0x7e)
            return false;
    return d->client_id_len <= DHCP_CLIENT_ID_MAX && (unsigned)d->event < DHCP_EVENT_COUNT &&
           (d->kind == DHCP_KIND_V4 || d->kind == DHCP_KIND_V6) &&
           (d->event != DHCP_EVENT_GRANT || d->has_address);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

TEST(random_mutations)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x03, 0x05, 0x07, 0x09, 0x0c, 0x0d,
                                          0x27, 0x35, 0x3d, 0x4f, 0x7f, 0x80, 0xc0, 0xff};
    static struct msg s[V4_SAMPLES + V6_SAMPLES];
    build_v4_samples(s);
    build_v6_samples(s + V4_SAMPLES);
    long iterations = 200000, ok = 0, insane = 0, by_error[5] = {0};
    for (long it = 0; it < iterations; it++) {
        int which = (int)(rng() % (V4_SAMPLES + V6_SAMPLES));
        const struct msg *base = &s[which];
        uint8_t *buf = malloc(base->len);
        if (!buf)
            abort();
        memcpy(buf, base->b, base->len);
        for (int f = 1 + (int)(rng() % 4); f > 0; f--) {
            size_t at = rng() % base->len;
            uint32_t how = rng() % 3;
            if (how == 0)
                buf[at] = (uint8_t)rng();
            else if (how == 1)
                buf[at] ^= (uint8_t)(1u << (rng() % 8));
            else
                buf[at] = interesting[rng() % sizeof(interesting)];
        }
        size_t use = rng() % 8 == 0 ? rng() % (base->len + 1) : base->len;
        struct dhcp_message d;
        int rc = parse_exact(which < V4_SAMPLES ? DHCP_KIND_V4 : DHCP_KIND_V6, buf, use, &d);
        if (rc == 0) {
            ok++;
            insane += !result_sane(&d);
        } else if (rc < 0 && rc >= DHCP_ERR_NOT_DHCP) {
            by_error[-rc]++;
        }
        free(buf);
    }
    CHECK_INT(insane, 0);
    CHECK_INT(ok + by_error[1] + by_error[2] + by_error[3] + by_error[4], iterations);
    fprintf(stderr,
            "random_mutations: %ld ok, %ld truncated, %ld malformed, %ld bad cookie, "
            "%ld not dhcp\n",
            ok, by_error[1], by_error[2], by_error[3], by_error[4]);
}

/* ---- the reference corpus ----------------------------------------------------- */

struct corpus_count {
    long files, with_dhcp, v4, v6, by_event[DHCP_EVENT_COUNT], refused, cut, named, macs;
};

/* Every UDP datagram between DHCP ports in one capture: must parse. */
static void corpus_file(const char *path, const char *name, struct corpus_count *cc)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, errbuf);
    if (!pc)
        return;
    cc->files++;
    int link = pcap_datalink(pc);
    struct pcap_pkthdr *h;
    const uint8_t *frame;
    long here = 0;
    while (pcap_next_ex(pc, &h, &frame) == 1) {
        struct packet p;
        if (decode_packet(link, frame, h->caplen, &p) != DECODE_OK || p.l4_proto != IPPROTO_UDP ||
            !p.payload || p.fragment != FRAGMENT_NONE)
            continue;
        enum dhcp_kind kind = dhcp_kind_of_ports(p.sport, p.dport);
        if (kind == DHCP_KIND_NONE)
            continue;
        /* A datagram the capture cut short is not a message to judge. */
        if (p.l4_caplen < 8 || p.payload_caplen + 8u < ((unsigned)p.l4[4] << 8 | p.l4[5])) {
            cc->cut++;
            continue;
        }
        struct dhcp_message d;
        int rc = dhcp_parse(kind, p.payload, p.payload_caplen, &d);
        here++;
        if (rc != 0) {
            cc->refused++;
            fprintf(stderr, "corpus: %s: packet at %ld.%06ld: %s\n", name, (long)h->ts.tv_sec,
                    (long)h->ts.tv_usec, dhcp_error_name(rc));
            continue;
        }
        CHECK(result_sane(&d));
        cc->by_event[d.event]++;
        cc->named += d.hostname[0] != '\0';
        cc->macs += d.mac_source != DHCP_MAC_NONE;
        if (kind == DHCP_KIND_V4)
            cc->v4++;
        else
            cc->v6++;
    }
    cc->with_dhcp += here > 0;
    pcap_close(pc);
}

TEST(reference_corpus)
{
    char dir[4096];
    const char *corpus = getenv("SHADOWTAP_CORPUS"), *src = getenv("SHADOWTAP_SOURCE_DIR");
    if (corpus && *corpus)
        snprintf(dir, sizeof(dir), "%s/pcap", corpus);
    else
        snprintf(dir, sizeof(dir), "%s/../shared/corpus/ndpi/pcap", src && *src ? src : "..");
    DIR *dp = opendir(dir);
    if (!dp) {
        fprintf(stderr, "reference_corpus: skipped: no corpus at %s\n", dir);
        return;
    }
    struct corpus_count cc;
    memset(&cc, 0, sizeof(cc));
    struct dirent *e;
    while ((e = readdir(dp)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        corpus_file(path, e->d_name, &cc);
    }
    closedir(dp);
    fprintf(stderr,
            "reference_corpus: %ld captures, %ld with DHCP: %ld v4 and %ld v6 messages "
            "(%ld grant, %ld offer, %ld request, %ld release, %ld decline, %ld nak, %ld other), "
            "%ld with a host name, %ld with a MAC; %ld refused, %ld cut by the capture\n",
            cc.files, cc.with_dhcp, cc.v4, cc.v6, cc.by_event[DHCP_EVENT_GRANT],
            cc.by_event[DHCP_EVENT_OFFER], cc.by_event[DHCP_EVENT_REQUEST],
            cc.by_event[DHCP_EVENT_RELEASE], cc.by_event[DHCP_EVENT_DECLINE],
            cc.by_event[DHCP_EVENT_NAK], cc.by_event[DHCP_EVENT_OTHER], cc.named, cc.macs,
            cc.refused, cc.cut);
    CHECK(cc.v4 > 0);
    CHECK(cc.v6 > 0);
    CHECK_INT(cc.refused, 0);
}

int main(void)
{
    alarm(600);
    RUN(v4_discover);
    RUN(v4_request_selecting_and_renewing);
    RUN(v4_ack_grants);
    RUN(v4_ack_to_inform_grants_nothing);
    RUN(v4_offer_nak_release_decline);
    RUN(v4_relayed_and_other_hardware);
    RUN(v4_hostname_rules);
    RUN(v4_client_id_bounded);
    RUN(v4_first_option_counts);
    RUN(v4_options_of_the_wrong_size_ignored);
    RUN(v4_overload_noted);
    RUN(v4_refused);
    RUN(v4_framing);
    RUN(v6_reply_grants);
    RUN(v6_client_messages);
    RUN(v6_reply_addresses);
    RUN(v6_duids);
    RUN(v6_client_fqdn);
    RUN(v6_relays);
    RUN(v6_framing);
    RUN(kind_of_ports);
    RUN(names);
    RUN(every_prefix);
    RUN(random_mutations);
    RUN(reference_corpus);
    return test_report();
}
