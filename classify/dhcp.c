/*
 * dhcp.c - DHCPv4 and DHCPv6 messages read for the lease table.
 *
 * Both versions are read in one pass over their options through a cursor,
 * with what the lease table needs copied into the result as it comes: the
 * fixed BOOTP header (v4), the message type, the device's identity (MAC,
 * client identifier or DUID, host name) and the address and lease time.  The
 * event (grant, request, release, ...) is decided at the end, from the type
 * and what the options said, since a DHCPv4 message type may come after the
 * options it qualifies and a DHCPv6 Reply means a grant or a withdrawal by its
 * addresses' lifetimes.
 *
 * Framing is structure and stops the parse: option lengths decide where the
 * next option starts, so once one is wrong nothing after it means anything.
 * Content is per option: an option of the wrong size for its code is skipped
 * (and noted), since its length still frames the next one.  The cost is
 * linear in the message: no option is read twice, and relay nesting is
 * bounded by DHCP_V6_MAX_RELAY.
 *
 * Nothing here logs: the names and identifiers read are personal (dhcp.h).
 */
#include "dhcp.h"

#include <string.h>

#include "cursor.h"

/* DHCPv4 (RFC 2131, 2132) */
#define V4_FIXED_LEN   236 /* op .. file, before the magic cookie */
#define V4_SNAME_FILE  (64 + 128)
#define V4_COOKIE      0x63825363u
#define V4_CHADDR_LEN  16
#define V4_OP_REQUEST  1
#define V4_OP_REPLY    2
#define V4_HTYPE_ETHER 1

#define V4_OPT_PAD       0
#define V4_OPT_HOSTNAME  12
#define V4_OPT_REQUESTED 50
#define V4_OPT_LEASE     51
#define V4_OPT_OVERLOAD  52
#define V4_OPT_MSG_TYPE  53
#define V4_OPT_SERVER_ID 54
#define V4_OPT_CLIENT_ID 61
#define V4_OPT_END       255

#define V4_DISCOVER 1
#define V4_OFFER    2
#define V4_REQUEST  3
#define V4_DECLINE  4
#define V4_ACK      5
#define V4_NAK      6
#define V4_RELEASE  7
#define V4_INFORM   8

/* DHCPv6 (RFC 8415, 4704, 6939) */
#define V6_SOLICIT    1
#define V6_ADVERTISE  2
#define V6_REQUEST    3
#define V6_CONFIRM    4
#define V6_RENEW      5
#define V6_REBIND     6
#define V6_REPLY      7
#define V6_RELEASE    8
#define V6_DECLINE    9
#define V6_INFO_REQ   11
#define V6_RELAY_FORW 12
#define V6_RELAY_REPL 13

#define V6_OPT_CLIENTID    1
#define V6_OPT_IA_NA       3
#define V6_OPT_IAADDR      5
#define V6_OPT_RELAY_MSG   9
#define V6_OPT_STATUS_CODE 13
#define V6_OPT_CLIENT_FQDN 39
#define V6_OPT_CLIENT_LL   79

#define V6_IA_NA_FIXED    12 /* IAID, T1, T2 */
#define V6_IAADDR_FIXED   24 /* address, preferred and valid lifetimes */
#define V6_RELAY_FIXED    33 /* hop-count, link-address, peer-address (after msg-type) */
#define V6_DUID_LLT       1
#define V6_DUID_LL        3
#define V6_HW_ETHERNET    1
#define V6_STATUS_SUCCESS 0

/* ---- what both versions share -------------------------------------------- */

static bool is_name_byte(uint8_t b)
{
    return b >= 0x20 && b <= 0x7e;
}

/* Keeps a host name from the wire by the rules at the top of dhcp.h. */
static void hostname_take(const uint8_t *s, size_t n, struct dhcp_message *out)
{
    while (n > 0 && s[n - 1] == '\0')
        n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    while (n > 0 && s[0] == ' ') {
        s++;
        n--;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_name_byte(s[i])) {
            out->notes |= DHCP_NOTE_HOSTNAME_REJECTED;
            return;
        }
    }
    if (n > DHCP_HOSTNAME_MAX) {
        n = DHCP_HOSTNAME_MAX;
        out->notes |= DHCP_NOTE_HOSTNAME_CUT;
        while (n > 0 && s[n - 1] == ' ')
            n--;
    }
    memcpy(out->hostname, s, n);
    out->hostname[n] = '\0';
}

static void client_id_take(const uint8_t *s, size_t n, struct dhcp_message *out)
{
    if (n > DHCP_CLIENT_ID_MAX) {
        n = DHCP_CLIENT_ID_MAX;
        out->notes |= DHCP_NOTE_CLIENT_ID_CUT;
    }
    memcpy(out->client_id, s, n);
    out->client_id_len = (uint8_t)n;
}

static void mac_take(const uint8_t *mac, enum dhcp_mac_source source, struct dhcp_message *out)
{
    memcpy(out->mac, mac, 6);
    out->mac_source = source;
}

static bool v4_is_zero(const struct netaddr *a)
{
    return a->b[12] == 0 && a->b[13] == 0 && a->b[14] == 0 && a->b[15] == 0;
}

static void address_set(struct dhcp_message *out, const struct netaddr *a)
{
    out->has_address = true;
    out->address = *a;
}

/* ---- DHCPv4 ---------------------------------------------------------------- */

/* The fixed BOOTP header and the magic cookie. */
static int v4_header(struct cursor *c, struct dhcp_message *out)
{
    uint8_t hops, ci[4], yi[4], si[4], gi[4], chaddr[V4_CHADDR_LEN];
    uint16_t secs, flags;
    uint32_t cookie;
    if (!cur_u8(c, &out->op) || !cur_u8(c, &out->htype) || !cur_u8(c, &out->hlen) ||
        !cur_u8(c, &hops) || !cur_be32(c, &out->xid) || !cur_be16(c, &secs) ||
        !cur_be16(c, &flags) || !cur_bytes(c, ci, 4) || !cur_bytes(c, yi, 4) ||
        !cur_bytes(c, si, 4) || !cur_bytes(c, gi, 4) || !cur_bytes(c, chaddr, sizeof(chaddr)) ||
        !cur_skip(c, V4_SNAME_FILE))
        return DHCP_ERR_TRUNCATED;
    if ((out->op != V4_OP_REQUEST && out->op != V4_OP_REPLY) || out->hlen > V4_CHADDR_LEN)
        return DHCP_ERR_MALFORMED;
    if (!cur_be32(c, &cookie))
        return DHCP_ERR_TRUNCATED;
    if (cookie != V4_COOKIE)
        return DHCP_ERR_BAD_COOKIE;

    netaddr_from_v4(&out->ciaddr, ci);
    netaddr_from_v4(&out->yiaddr, yi);
    out->relayed = gi[0] | gi[1] | gi[2] | gi[3];
    if (out->htype == V4_HTYPE_ETHER && out->hlen == 6)
        mac_take(chaddr, DHCP_MAC_CHADDR, out);
    return DHCP_ERR_NONE;
}

/* A 4-byte option into an address; false (and noted) when not 4 bytes. */
static bool v4_address_option(const uint8_t *data, size_t len, struct netaddr *a,
                              struct dhcp_message *out)
{
    if (len != 4) {
        out->notes |= DHCP_NOTE_BAD_OPTION;
        return false;
    }
    netaddr_from_v4(a, data);
    return true;
}

/* One option, the first of its code in the message. */
static void v4_option(uint8_t code, const uint8_t *data, size_t len, struct dhcp_message *out)
{
    switch (code) {
    case V4_OPT_MSG_TYPE:
        if (len == 1 && data[0] != 0)
            out->msg_type = data[0];
        else
            out->notes |= DHCP_NOTE_BAD_OPTION;
        break;
    case V4_OPT_HOSTNAME:
        hostname_take(data, len, out);
        break;
    case V4_OPT_CLIENT_ID:
        client_id_take(data, len, out);
        break;
    case V4_OPT_LEASE:
        if (len == 4) {
            out->has_lease_time = true;
            out->lease_s = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
                           (uint32_t)data[2] << 8 | data[3];
        } else {
            out->notes |= DHCP_NOTE_BAD_OPTION;
        }
        break;
    case V4_OPT_REQUESTED:
        out->has_requested = v4_address_option(data, len, &out->requested, out);
        break;
    case V4_OPT_SERVER_ID:
        out->has_server_id = v4_address_option(data, len, &out->server_id, out);
        break;
    case V4_OPT_OVERLOAD:
        out->notes |= DHCP_NOTE_OVERLOAD;
        break;
    default:
        break;
    }
}

/* The options up to END; the first of each code counts. */
static int v4_options(struct cursor *c, struct dhcp_message *out)
{
    uint64_t seen[4] = {0};
    for (;;) {
        uint8_t code, len;
        if (!cur_u8(c, &code))
            return DHCP_ERR_TRUNCATED; /* no END */
        if (code == V4_OPT_PAD)
            continue;
        if (code == V4_OPT_END)
            return DHCP_ERR_NONE;
        if (!cur_u8(c, &len))
            return DHCP_ERR_TRUNCATED;
        const uint8_t *data = c->p;
        if (!cur_skip(c, len))
            return DHCP_ERR_TRUNCATED;
        uint64_t bit = 1ull << (code & 63);
        if (seen[code >> 6] & bit)
            continue;
        seen[code >> 6] |= bit;
        v4_option(code, data, len, out);
    }
}

/* What the message is, and the address it is about (dhcp.h). */
static int v4_event(struct dhcp_message *out)
{
    uint8_t t = out->msg_type;
    if (t == 0)
        return DHCP_ERR_NOT_DHCP;
    bool reply = t == V4_OFFER || t == V4_ACK || t == V4_NAK;
    if (t <= V4_INFORM && reply != (out->op == V4_OP_REPLY))
        return DHCP_ERR_MALFORMED;

    const struct netaddr *addr = NULL;
    switch (t) {
    case V4_DISCOVER:
    case V4_REQUEST:
    case V4_INFORM:
        out->event = DHCP_EVENT_REQUEST;
        addr = out->has_requested && t != V4_INFORM ? &out->requested : &out->ciaddr;
        break;
    case V4_OFFER:
        out->event = DHCP_EVENT_OFFER;
        addr = &out->yiaddr;
        break;
    case V4_ACK:
        /* An ACK to an INFORM grants nothing: its yiaddr is zero. */
        out->event = v4_is_zero(&out->yiaddr) ? DHCP_EVENT_OTHER : DHCP_EVENT_GRANT;
        addr = &out->yiaddr;
        break;
    case V4_NAK:
        out->event = DHCP_EVENT_NAK;
        break;
    case V4_RELEASE:
        out->event = DHCP_EVENT_RELEASE;
        addr = &out->ciaddr;
        break;
    case V4_DECLINE:
        out->event = DHCP_EVENT_DECLINE;
        addr = out->has_requested ? &out->requested : NULL;
        break;
    default: /* FORCERENEW, LEASEQUERY and later: nothing about a lease here */
        out->event = DHCP_EVENT_OTHER;
        break;
    }
    if (addr && !v4_is_zero(addr))
        address_set(out, addr);
    return DHCP_ERR_NONE;
}

static int v4_parse(const uint8_t *msg, size_t len, struct dhcp_message *out)
{
    struct cursor c = cursor_make(msg, len);
    int err = v4_header(&c, out);
    if (err == DHCP_ERR_NONE)
        err = v4_options(&c, out);
    if (err == DHCP_ERR_NONE)
        err = v4_event(out);
    return err;
}

/* ---- DHCPv6 ---------------------------------------------------------------- */

/* The address a message reports among its IA_NA options (dhcp.h). */
struct v6_addresses {
    bool have, live; /* one seen; the one kept has a non-zero valid lifetime */
    bool refused;    /* an IA_NA status code other than Success */
    struct netaddr addr;
    uint32_t valid;
};

/* Reads one option header and steps over its data, which *data then points
 * to.  False when the option runs past the cursor's end. */
static bool v6_option_next(struct cursor *c, uint16_t *code, uint16_t *len, const uint8_t **data)
{
    if (!cur_be16(c, code) || !cur_be16(c, len))
        return false;
    *data = c->p;
    return cur_skip(c, *len);
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* An IA_NA option's addresses and status. */
static int v6_ia_na(const uint8_t *data, size_t len, struct v6_addresses *a,
                    struct dhcp_message *out)
{
    struct cursor c = cursor_make(data, len);
    if (!cur_skip(&c, V6_IA_NA_FIXED)) {
        out->notes |= DHCP_NOTE_BAD_OPTION;
        return DHCP_ERR_NONE;
    }
    while (c.left > 0) {
        uint16_t code, n;
        const uint8_t *d;
        if (!v6_option_next(&c, &code, &n, &d))
            return DHCP_ERR_MALFORMED; /* runs past its IA_NA */
        if (code == V6_OPT_STATUS_CODE) {
            if (n >= 2 && (d[0] << 8 | d[1]) != V6_STATUS_SUCCESS)
                a->refused = true;
            continue;
        }
        if (code != V6_OPT_IAADDR)
            continue;
        if (n < V6_IAADDR_FIXED) {
            out->notes |= DHCP_NOTE_BAD_OPTION;
            continue;
        }
        uint32_t valid = be32_at(d + 20);
        if (!a->have || (!a->live && valid > 0)) {
            netaddr_from_v6(&a->addr, d);
            a->valid = valid;
            a->have = true;
            a->live = valid > 0;
        }
    }
    return DHCP_ERR_NONE;
}

/* The client DUID: kept as the client identifier, and its MAC when it has one. */
static void v6_duid(const uint8_t *d, size_t n, struct dhcp_message *out)
{
    client_id_take(d, n, out);
    if (n < 4 || out->mac_source != DHCP_MAC_NONE)
        return; /* a relay's option 79 says it better */
    unsigned type = (unsigned)d[0] << 8 | d[1], hw = (unsigned)d[2] << 8 | d[3];
    if (hw != V6_HW_ETHERNET)
        return;
    if (type == V6_DUID_LLT && n == 8 + 6)
        mac_take(d + 8, DHCP_MAC_DUID, out);
    else if (type == V6_DUID_LL && n == 4 + 6)
        mac_take(d + 4, DHCP_MAC_DUID, out);
}

/* Client FQDN (RFC 4704): a flags byte, then a domain name in wire format,
 * uncompressed, maybe partial.  Its first label is the host name. */
static void v6_fqdn(const uint8_t *d, size_t n, struct dhcp_message *out)
{
    if (n < 2 || d[1] == 0)
        return; /* flags only, or the empty name */
    size_t label = d[1];
    if (label > DHCP_HOSTNAME_MAX || 2 + label > n) {
        out->notes |= DHCP_NOTE_BAD_OPTION; /* a pointer, a reserved type, or cut */
        return;
    }
    hostname_take(d + 2, label, out);
}

/* Steps through relay messages to the message they carry; *type is then its
 * msg-type, and the cursor is past it. */
static int v6_unwrap(struct cursor *c, uint8_t *type, struct dhcp_message *out)
{
    for (unsigned depth = 0;; depth++) {
        if (!cur_u8(c, type))
            return DHCP_ERR_TRUNCATED;
        if (*type != V6_RELAY_FORW && *type != V6_RELAY_REPL)
            return DHCP_ERR_NONE;
        if (depth == DHCP_V6_MAX_RELAY)
            return DHCP_ERR_MALFORMED;
        out->relayed = true;
        if (!cur_skip(c, V6_RELAY_FIXED))
            return DHCP_ERR_TRUNCATED;
        struct cursor inner = {NULL, 0};
        bool found = false;
        while (c->left > 0) {
            uint16_t code, n;
            const uint8_t *d;
            if (!v6_option_next(c, &code, &n, &d))
                return DHCP_ERR_TRUNCATED;
            if (code == V6_OPT_RELAY_MSG && !found) {
                inner = cursor_make(d, n);
                found = true;
            } else if (code == V6_OPT_CLIENT_LL && n == 2 + 6 &&
                       ((unsigned)d[0] << 8 | d[1]) == V6_HW_ETHERNET) {
                /* Each level may say it; the innermost relay is next to the client. */
                mac_take(d + 2, DHCP_MAC_RELAY, out);
            }
        }
        if (!found)
            return DHCP_ERR_MALFORMED;
        *c = inner;
    }
}

static void v6_event(struct dhcp_message *out, const struct v6_addresses *a)
{
    switch (out->msg_type) {
    case V6_SOLICIT:
    case V6_REQUEST:
    case V6_CONFIRM:
    case V6_RENEW:
    case V6_REBIND:
    case V6_INFO_REQ:
        out->event = DHCP_EVENT_REQUEST;
        break;
    case V6_ADVERTISE:
        out->event = DHCP_EVENT_OFFER;
        break;
    case V6_REPLY:
        out->event = a->have      ? (a->live ? DHCP_EVENT_GRANT : DHCP_EVENT_RELEASE)
                     : a->refused ? DHCP_EVENT_NAK
                                  : DHCP_EVENT_OTHER;
        break;
    case V6_RELEASE:
        out->event = DHCP_EVENT_RELEASE;
        break;
    case V6_DECLINE:
        out->event = DHCP_EVENT_DECLINE;
        break;
    default:
        out->event = DHCP_EVENT_OTHER;
        break;
    }
    if (a->have) {
        address_set(out, &a->addr);
        out->has_lease_time = true;
        out->lease_s = a->valid;
    }
}

static int v6_parse(const uint8_t *msg, size_t len, struct dhcp_message *out)
{
    struct cursor c = cursor_make(msg, len);
    uint8_t tid[3];
    int err = v6_unwrap(&c, &out->msg_type, out);
    if (err)
        return err;
    if (!cur_bytes(&c, tid, 3))
        return DHCP_ERR_TRUNCATED;
    out->xid = (uint32_t)tid[0] << 16 | (uint32_t)tid[1] << 8 | tid[2];

    struct v6_addresses addrs = {0};
    bool have_duid = false, have_fqdn = false;
    while (c.left > 0) {
        uint16_t code, n;
        const uint8_t *d;
        if (!v6_option_next(&c, &code, &n, &d))
            return DHCP_ERR_TRUNCATED;
        if (code == V6_OPT_CLIENTID && !have_duid) {
            v6_duid(d, n, out);
            have_duid = true;
        } else if (code == V6_OPT_CLIENT_FQDN && !have_fqdn) {
            v6_fqdn(d, n, out);
            have_fqdn = true;
        } else if (code == V6_OPT_IA_NA && (err = v6_ia_na(d, n, &addrs, out)) != 0) {
            return err;
        }
    }
    v6_event(out, &addrs);
    return DHCP_ERR_NONE;
}

/* ---- the contract ---------------------------------------------------------- */

enum dhcp_kind dhcp_kind_of_ports(uint16_t sport, uint16_t dport)
{
    if ((sport == DHCP_V4_SERVER_PORT &&
         (dport == DHCP_V4_CLIENT_PORT || dport == DHCP_V4_SERVER_PORT)) ||
        (dport == DHCP_V4_SERVER_PORT && sport == DHCP_V4_CLIENT_PORT))
        return DHCP_KIND_V4;
    if ((sport == DHCP_V6_SERVER_PORT &&
         (dport == DHCP_V6_CLIENT_PORT || dport == DHCP_V6_SERVER_PORT)) ||
        (dport == DHCP_V6_SERVER_PORT && sport == DHCP_V6_CLIENT_PORT))
        return DHCP_KIND_V6;
    return DHCP_KIND_NONE;
}

int dhcp_parse(enum dhcp_kind kind, const uint8_t *msg, size_t len, struct dhcp_message *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = kind;
    if (kind == DHCP_KIND_V4)
        return v4_parse(msg, len, out);
    if (kind == DHCP_KIND_V6)
        return v6_parse(msg, len, out);
    return DHCP_ERR_NOT_DHCP;
}

const char *dhcp_error_name(int err)
{
    switch (err) {
    case DHCP_ERR_TRUNCATED:
        return "truncated";
    case DHCP_ERR_MALFORMED:
        return "malformed";
    case DHCP_ERR_BAD_COOKIE:
        return "bad_cookie";
    case DHCP_ERR_NOT_DHCP:
        return "not_dhcp";
    default:
        return err >= 0 ? "ok" : "unknown";
    }
}

const char *dhcp_event_name(enum dhcp_event ev)
{
    static const char *const names[DHCP_EVENT_COUNT] = {"other",   "grant",   "offer", "request",
                                                        "release", "decline", "nak"};
    return (unsigned)ev < DHCP_EVENT_COUNT ? names[ev] : "unknown";
}
