/*
 * proto_names.c - bounded readers of the names a few protocols carry in clear.
 *
 * Each reader checks the shape of its protocol's message before it takes a
 * name from it, so that an unrelated payload is rarely read as one: a name is a
 * claim that ends up in the flow log and the catalog match.  Binary formats are
 * read through a cursor (cursor.h); text formats line by line within the
 * payload's length, never relying on a terminating NUL.
 */
#include "proto_names.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "cursor.h"
#include "hostname.h"

enum {
    PROTO_NAMES_STUN = 1 << 0,         /* STUN seen, no REALM yet */
    PROTO_NAMES_FASTCGI = 1 << 1,      /* FastCGI request begun, no host yet */
    PROTO_NAMES_HTTP_WAIT = 1 << 2,    /* the server spoke HTTP before any request */
    PROTO_NAMES_DNS_FAILED = 1 << 3,   /* a DNS response without answers came */
    PROTO_NAMES_CLIENT_SPOKE = 1 << 4, /* TCP: the client has sent a payload */
    PROTO_NAMES_HTTP_HEADERS = 1 << 5, /* a request's headers go on in the next segment */
    PROTO_NAMES_HTTP_LINE = 1 << 6,    /* ... and the last segment ended a line */
};

/* ---- small helpers ---- */

static bool starts_with(const uint8_t *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

/* Length of the first line (without CR LF). */
static size_t line_length(const uint8_t *p, size_t len)
{
    const uint8_t *nl = memchr(p, '\n', len);
    size_t n = nl ? (size_t)(nl - p) : len;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    return n;
}

/* A host name, or an IPv4 or IPv6 address literal (possibly in brackets, which
 * are dropped: HTTP's IPv6 form, MGCP's for both), then an optional ":port". */
static size_t host_or_address(const char *in, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    char buf[64];
    if (len > 0 && in[0] == '[') {
        const char *close = memchr(in, ']', len);
        if (!close)
            return 0;
        size_t n = (size_t)(close - in) - 1;
        /* inet_pton stops at a NUL: one inside the brackets would let what
         * follows it through as part of the address. */
        if (n == 0 || n >= sizeof(buf) || memchr(in + 1, '\0', n))
            return 0;
        memcpy(buf, in + 1, n);
        buf[n] = '\0';
        struct in6_addr a6;
        struct in_addr a4;
        if ((inet_pton(AF_INET6, buf, &a6) != 1 && inet_pton(AF_INET, buf, &a4) != 1) || n >= outsz)
            return 0;
        for (size_t i = 0; i < n; i++)
            out[i] = (char)(buf[i] >= 'A' && buf[i] <= 'Z' ? buf[i] - 'A' + 'a' : buf[i]);
        out[n] = '\0';
        return n;
    }
    /* hostname_normalize drops a ":port"; an IPv4 literal is a valid name to it. */
    return hostname_normalize(in, len, out, outsz);
}

/* ---- Agora SD-RTN ---- */

/*
 * The client's hello, as seen on UDP 8130 and others: a kind byte (0 for the
 * handshake), a 3-byte session id, two zero bytes, the message type (0x0021,
 * little-endian), the 4-byte id of the peer (zero before the server answered)
 * and a version byte, then tagged values: a 4-byte ASCII tag and a
 * little-endian 16-bit length before each.  The first tag is "SNI\0".
 */
#define AGORA_HELLO_TYPE 0x0021
#define AGORA_TAGS_AT    13

size_t proto_names_agora_sni(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    struct cursor c = cursor_make(p, len);
    uint8_t kind, zero[2];
    uint16_t type;
    if (!cur_u8(&c, &kind) || kind != 0 || !cur_skip(&c, 3) || !cur_bytes(&c, zero, 2) || zero[0] ||
        zero[1] || !cur_le16(&c, &type) || type != AGORA_HELLO_TYPE ||
        !cur_skip(&c, AGORA_TAGS_AT - 8))
        return 0;
    uint8_t tag[4];
    uint16_t n;
    if (!cur_bytes(&c, tag, 4) || memcmp(tag, "SNI\0", 4) != 0 || !cur_le16(&c, &n) || n == 0 ||
        n > HOSTNAME_MAX || c.left < n)
        return 0;
    return hostname_normalize((const char *)c.p, n, out, outsz);
}

/* ---- MGCP ---- */

size_t proto_names_mgcp(const uint8_t *p, size_t len, char *out, size_t outsz, bool *to_gateway)
{
    static const char *const agent_verbs[] = {"EPCF", "CRCX", "MDCX", "DLCX",
                                              "RQNT", "AUEP", "AUCX"};
    static const char *const gateway_verbs[] = {"NTFY", "RSIP"};
    if (outsz)
        out[0] = '\0';
    size_t n = line_length(p, len);
    if (n < 5 || p[4] != ' ')
        return 0;
    bool agent = false, known = false;
    for (size_t i = 0; i < sizeof(agent_verbs) / sizeof(agent_verbs[0]); i++)
        if (memcmp(p, agent_verbs[i], 4) == 0)
            known = agent = true;
    for (size_t i = 0; i < sizeof(gateway_verbs) / sizeof(gateway_verbs[0]); i++)
        if (memcmp(p, gateway_verbs[i], 4) == 0)
            known = true;
    if (!known)
        return 0;
    /* VERB SP transaction-id (1-9 digits) SP endpoint SP "MGCP" SP version */
    size_t i = 5, digits = 0;
    while (i < n && p[i] >= '0' && p[i] <= '9')
        i++, digits++;
    if (digits == 0 || digits > 9 || i >= n || p[i] != ' ')
        return 0;
    size_t ep = ++i;
    while (i < n && p[i] != ' ')
        i++;
    size_t ep_end = i;
    if (i + 5 > n || memcmp(p + i, " MGCP", 5) != 0)
        return 0;
    const uint8_t *at = memchr(p + ep, '@', ep_end - ep);
    if (!at)
        return 0;
    size_t off = (size_t)(at - p) + 1;
    *to_gateway = agent;
    return host_or_address((const char *)p + off, ep_end - off, out, outsz);
}

/* ---- Munin ---- */

size_t proto_names_munin(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    static const char banner[] = "# munin node at ";
    if (outsz)
        out[0] = '\0';
    size_t n = line_length(p, len);
    size_t b = sizeof(banner) - 1;
    if (n <= b || memcmp(p, banner, b) != 0)
        return 0;
    return hostname_normalize((const char *)p + b, n - b, out, outsz);
}

/* ---- 220 greetings ---- */

size_t proto_names_greeting(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    size_t n = line_length(p, len);
    if (n < 5 || memcmp(p, "220", 3) != 0 || (p[3] != ' ' && p[3] != '-'))
        return 0;
    size_t i = 4;
    while (i < n && p[i] == ' ')
        i++;
    size_t start = i;
    while (i < n && p[i] != ' ')
        i++;
    if (i == start)
        return 0;
    return hostname_printable((const char *)p + start, i - start, out, outsz);
}

/* ---- HTTP requests ---- */

/* A request line: method, target, version.  A line longer than the segment
 * (a long URL) is taken on its start alone. */
static bool is_http_request(const uint8_t *p, size_t len)
{
    static const char *const methods[] = {"GET ",    "POST ",    "HEAD ",  "PUT ",
                                          "DELETE ", "OPTIONS ", "PATCH ", "CONNECT "};
    size_t m = 0;
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]) && !m; i++)
        if (starts_with(p, len, methods[i]))
            m = strlen(methods[i]);
    if (!m || m >= len || p[m] == ' ' || p[m] == '\r' || p[m] == '\n')
        return false;
    size_t n = line_length(p, len);
    if (!memchr(p, '\n', len))
        return true; /* the line goes on in the next segment */
    for (size_t i = m; i + 7 <= n; i++)
        if (memcmp(p + i, " HTTP/1", 7) == 0)
            return true;
    return false;
}

/* Scans header lines for Host.  from_line_start false: p begins inside a line
 * (the request continues from an earlier segment), which is skipped.  Sets
 * *done when the headers end in p, *at_line_start when p ends with a line. */
static size_t http_scan_host(const uint8_t *p, size_t len, bool from_line_start, char *out,
                             size_t outsz, bool *done, bool *at_line_start)
{
    size_t pos = 0;
    *done = false;
    *at_line_start = len > 0 && p[len - 1] == '\n';
    if (!from_line_start) {
        const uint8_t *nl = memchr(p, '\n', len);
        if (!nl)
            return 0;
        pos = (size_t)(nl - p) + 1;
    }
    while (pos < len) {
        const uint8_t *line = p + pos;
        const uint8_t *nl = memchr(line, '\n', len - pos);
        size_t n = line_length(line, len - pos);
        pos = nl ? (size_t)(nl - p) + 1 : len;
        if (n == 0 && nl) {
            *done = true; /* end of the headers */
            break;
        }
        if (nl && n > 5 && strncasecmp((const char *)line, "host:", 5) == 0) {
            size_t i = 5, end = n;
            while (i < end && (line[i] == ' ' || line[i] == '\t'))
                i++;
            while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
                end--;
            *done = true;
            return host_or_address((const char *)line + i, end - i, out, outsz);
        }
    }
    return 0;
}

size_t proto_names_http_host(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    if (!is_http_request(p, len))
        return 0;
    bool done, at_line_start;
    return http_scan_host(p, len, true, out, outsz, &done, &at_line_start);
}

/* ---- FastCGI ---- */

#define FCGI_VERSION        1
#define FCGI_BEGIN_REQUEST  1
#define FCGI_PARAMS         4
#define FCGI_HEADER_LEN     8
#define FCGI_BEGIN_BODY_LEN 8

static bool fcgi_length(struct cursor *c, uint32_t *v)
{
    uint8_t b;
    if (!cur_peek_u8(c, 0, &b))
        return false;
    if (!(b & 0x80))
        return cur_u8(c, &b) && (*v = b, true);
    uint32_t four;
    if (!cur_be32(c, &four))
        return false;
    *v = four & 0x7fffffffu;
    return true;
}

/* Name-value pairs of one PARAMS record's content.  Returns true with the name
 * of the better param found (HTTP_HOST over SERVER_NAME). */
static int fcgi_params(const uint8_t *p, size_t len, char *out, size_t outsz, bool *have_host)
{
    struct cursor c = cursor_make(p, len);
    int got = 0;
    uint32_t nl, vl;
    while (fcgi_length(&c, &nl) && fcgi_length(&c, &vl)) {
        if (c.left < nl || c.left - nl < vl)
            break; /* the pair continues in the next record */
        const char *name = (const char *)c.p, *value = name + nl;
        bool host = nl == 9 && memcmp(name, "HTTP_HOST", 9) == 0;
        bool server = nl == 11 && memcmp(name, "SERVER_NAME", 11) == 0;
        if ((host || (server && !*have_host)) && vl > 0) {
            char tmp[HOSTNAME_MAX + 1];
            size_t n = host_or_address(value, vl, tmp, sizeof(tmp));
            if (n > 0 && n < outsz) {
                memcpy(out, tmp, n + 1);
                got = (int)n;
                *have_host = *have_host || host;
            }
        }
        cur_skip(&c, (size_t)nl + vl);
    }
    return got;
}

int proto_names_fastcgi_host(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    struct cursor c = cursor_make(p, len);
    int got = 0, records = 0;
    bool have_host = false;
    while (c.left >= FCGI_HEADER_LEN) {
        uint8_t version, type, padding, reserved;
        uint16_t id, content;
        if (!cur_u8(&c, &version) || !cur_u8(&c, &type) || !cur_be16(&c, &id) ||
            !cur_be16(&c, &content) || !cur_u8(&c, &padding) || !cur_u8(&c, &reserved))
            break;
        if (version != FCGI_VERSION || id == 0 || reserved != 0)
            break;
        if (type == FCGI_BEGIN_REQUEST && content != FCGI_BEGIN_BODY_LEN)
            break;
        if (type != FCGI_BEGIN_REQUEST && type != FCGI_PARAMS)
            break; /* only what a web server sends first */
        records++;
        size_t body = content < c.left ? content : c.left;
        if (type == FCGI_PARAMS) {
            int n = fcgi_params(c.p, body, out, outsz, &have_host);
            if (n > 0)
                got = n;
        }
        if (!cur_skip(&c, body) ||
            (body == content && !cur_skip(&c, padding < c.left ? padding : c.left)))
            break;
    }
    if (records == 0)
        return 0;
    return got > 0 ? got : -1;
}

/* ---- STUN ---- */

#define STUN_COOKIE     0x2112a442u
#define STUN_HEADER_LEN 20
#define STUN_REALM      0x0014

int proto_names_stun_realm(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    struct cursor c = cursor_make(p, len);
    uint16_t type, body;
    uint32_t cookie;
    if (!cur_be16(&c, &type) || (type & 0xc000) || !cur_be16(&c, &body) || (body & 3) ||
        !cur_be32(&c, &cookie) || cookie != STUN_COOKIE || !cur_skip(&c, 12) || c.left < body)
        return 0;
    c.left = body; /* what follows (another message on TCP) is not this one's */
    uint16_t at, n;
    while (cur_be16(&c, &at) && cur_be16(&c, &n)) {
        if (c.left < n)
            break;
        if (at == STUN_REALM && n > 0) {
            const char *v = (const char *)c.p;
            size_t vl = n;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') /* quoted-string */
                v++, vl -= 2;
            size_t got = hostname_normalize(v, vl, out, outsz);
            return got > 0 ? (int)got : -1;
        }
        if (!cur_skip(&c, ((size_t)n + 3) & ~(size_t)3))
            break;
    }
    return -1;
}

/* ---- DNS answers ---- */

/* The header's flags and answer count, and the question name as text (not
 * normalized).  Returns the name's length, 0 when the message is not one
 * standard query or response with one plain (uncompressed) question. */
static size_t dns_question(const uint8_t *p, size_t len, char *name, size_t namesz, uint16_t *flags,
                           uint16_t *answers)
{
    struct cursor c = cursor_make(p, len);
    uint16_t id, qd;
    if (!cur_be16(&c, &id) || !cur_be16(&c, flags) || !cur_be16(&c, &qd) ||
        !cur_be16(&c, answers) || !cur_skip(&c, 4))
        return 0;
    if (((*flags >> 11) & 0xf) != 0 || qd != 1)
        return 0;
    size_t n = 0;
    uint8_t label = 0;
    while (cur_u8(&c, &label) && label != 0) {
        if (label > 63 || n + label + 1 >= namesz || c.left < label)
            return 0; /* compressed or oversized: not a question we read */
        if (n)
            name[n++] = '.';
        cur_bytes(&c, name + n, label);
        n += label;
    }
    if (label != 0)
        return 0;
    name[n] = '\0';
    return n;
}

int proto_names_dns_answered(const uint8_t *p, size_t len, char *out, size_t outsz)
{
    if (outsz)
        out[0] = '\0';
    char name[HOSTNAME_MAX + 2];
    uint16_t flags, answers;
    size_t n = dns_question(p, len, name, sizeof(name), &flags, &answers);
    if (n == 0 || !(flags & 0x8000))
        return 0;
    if ((flags & 0xf) != 0 || answers == 0)
        return -1;
    size_t got = hostname_normalize(name, n, out, outsz);
    return got > 0 ? (int)got : -1;
}

/* FNV-1a of a name, case-folded: tells two questions apart without keeping them. */
static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        h = (h ^ (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c)) * 16777619u;
    }
    return h;
}

/* ---- per flow ---- */

static bool found(struct proto_name *out, enum dpi_name_source source, size_t n)
{
    if (n == 0 || !out->name[0])
        return false;
    out->source = source;
    return true;
}

static bool read_udp(struct proto_names_state *st, const struct proto_names_packet *pk,
                     const uint8_t *p, size_t len, struct proto_name *out)
{
    char *name = out->name;
    size_t sz = sizeof(out->name);
    if (pk->from_client && found(out, DPI_NAME_PROTOCOL, proto_names_agora_sni(p, len, name, sz)))
        return true;
    bool to_gateway = false;
    size_t n = proto_names_mgcp(p, len, name, sz, &to_gateway);
    if (n > 0) {
        /* The endpoint names the gateway: the flow's destination only when the
         * command goes to the server, or comes from it.  Otherwise it is the
         * client's own name, which is not the flow's destination. */
        if (to_gateway == pk->from_client)
            return found(out, DPI_NAME_PROTOCOL, n);
        name[0] = '\0';
        return false;
    }
    int r = proto_names_stun_realm(p, len, name, sz);
    if (r > 0) {
        st->flags &= (uint8_t)~PROTO_NAMES_STUN;
        return found(out, DPI_NAME_STUN, (size_t)r);
    }
    if (r < 0) {
        st->flags |= PROTO_NAMES_STUN;
        return false;
    }
    if (pk->server_port == 53) {
        if (pk->from_client) {
            uint16_t flags, answers;
            size_t qn = dns_question(p, len, name, sz, &flags, &answers);
            if (st->dns_queries == 0 && qn > 0 && !(flags & 0x8000))
                st->dns_first = name_hash(name, qn);
            if (st->dns_queries < 255)
                st->dns_queries++;
            name[0] = '\0';
            return false;
        }
        if (st->dns_responses < 255)
            st->dns_responses++;
        r = proto_names_dns_answered(p, len, name, sz);
        if (r > 0) {
            st->flags &= (uint8_t)~PROTO_NAMES_DNS_FAILED;
            /* nDPI names the flow by its first question (cut to its buffer):
             * only another question's answer changes that. */
            out->replaces_ndpi = name_hash(name, (size_t)r) != st->dns_first;
            return found(out, DPI_NAME_DNS_QUERY, (size_t)r);
        }
        if (r < 0)
            st->flags |= PROTO_NAMES_DNS_FAILED;
    }
    return false;
}

static bool read_tcp(struct proto_names_state *st, const struct proto_names_packet *pk,
                     const uint8_t *p, size_t len, struct proto_name *out)
{
    char *name = out->name;
    size_t sz = sizeof(out->name);
    int r;
    if (pk->from_client) {
        bool first = !(st->flags & PROTO_NAMES_CLIENT_SPOKE);
        st->flags |= PROTO_NAMES_CLIENT_SPOKE;
        bool request = is_http_request(p, len), more = (st->flags & PROTO_NAMES_HTTP_HEADERS) != 0;
        if (request || more) {
            /* A long request line (a capture that began mid-connection shows
             * many) puts the Host header in a later segment: follow the lines
             * across segments without keeping the bytes. */
            bool done, at_line_start;
            size_t n = http_scan_host(p, len, request || (st->flags & PROTO_NAMES_HTTP_LINE), name,
                                      sz, &done, &at_line_start);
            st->flags &= (uint8_t) ~(PROTO_NAMES_HTTP_WAIT | PROTO_NAMES_HTTP_HEADERS |
                                     PROTO_NAMES_HTTP_LINE);
            if (found(out, DPI_NAME_HTTP_HOST, n))
                return true;
            if (!done)
                st->flags |= (uint8_t)(PROTO_NAMES_HTTP_HEADERS |
                                       (at_line_start ? PROTO_NAMES_HTTP_LINE : 0));
            name[0] = '\0';
            return false;
        }
        if (first || (st->flags & PROTO_NAMES_FASTCGI)) {
            r = proto_names_fastcgi_host(p, len, name, sz);
            if (r > 0) {
                st->flags &= (uint8_t)~PROTO_NAMES_FASTCGI;
                return found(out, DPI_NAME_PROTOCOL, (size_t)r);
            }
            if (r < 0) {
                st->flags |= PROTO_NAMES_FASTCGI;
                return false;
            }
        }
    } else {
        if (found(out, DPI_NAME_PROTOCOL, proto_names_munin(p, len, name, sz)))
            return true;
        size_t n = proto_names_greeting(p, len, name, sz);
        if (n > 0) {
            /* An SMTP greeting starts with the server's domain (RFC 5321); an
             * FTP one with whatever the server likes, often its software. */
            char host[HOSTNAME_MAX + 1];
            if (pk->server_port != 21 && memchr(name, '.', n) &&
                hostname_normalize(name, n, host, sizeof(host)) == n)
                return found(out, DPI_NAME_PROTOCOL, n);
            return found(out, DPI_NAME_BANNER, n);
        }
        if (!(st->flags & PROTO_NAMES_CLIENT_SPOKE) && starts_with(p, len, "HTTP/1."))
            st->flags |= PROTO_NAMES_HTTP_WAIT; /* the capture began after the request */
    }
    r = proto_names_stun_realm(p, len, name, sz);
    if (r > 0) {
        st->flags &= (uint8_t)~PROTO_NAMES_STUN;
        return found(out, DPI_NAME_STUN, (size_t)r);
    }
    if (r < 0)
        st->flags |= PROTO_NAMES_STUN;
    name[0] = '\0';
    return false;
}

bool proto_names_read(struct proto_names_state *st, const struct proto_names_packet *pk,
                      const uint8_t *payload, size_t len, struct proto_name *out)
{
    out->source = DPI_NAME_NONE;
    out->replaces_ndpi = false;
    out->name[0] = '\0';
    if (!payload || len == 0)
        return false;
    bool got = false;
    if (pk->transport == IPPROTO_UDP)
        got = read_udp(st, pk, payload, len, out);
    else if (pk->transport == IPPROTO_TCP)
        got = read_tcp(st, pk, payload, len, out);
    if (!got) {
        out->name[0] = '\0';
        out->source = DPI_NAME_NONE;
    }
    return got;
}

bool proto_names_waiting(const struct proto_names_state *st)
{
    /* A question is still unanswered: its answer may name the flow. */
    bool dns = st->dns_queries > st->dns_responses;
    return dns || (st->flags & (PROTO_NAMES_STUN | PROTO_NAMES_FASTCGI | PROTO_NAMES_HTTP_WAIT |
                                PROTO_NAMES_HTTP_HEADERS)) != 0;
}
