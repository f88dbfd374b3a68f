/*
 * dns.c - the addresses a DNS response gives for its question name.
 *
 * Two passes over the resource records.  The first checks the framing of every
 * record (owner name, fixed fields, rdata inside the message) and notes where
 * the CNAME records of the answer section are; an error ends it, and only the
 * records before that error are used afterwards.  The CNAME chain is then
 * followed from the question name over the noted records in whatever order
 * they came, since a server need not list the chain in order.  The second pass
 * reports the A, AAAA, HTTPS and SVCB records of every section whose owner is
 * on the chain: the additional section sometimes carries the addresses at the
 * end of a chain.  CNAMEs outside the answer section do not extend the chain;
 * they describe other names.
 *
 * What stops the parse and what skips a record:
 *  - Names are structure.  A bad label type, a forward or looping pointer, a
 *    name over 255 bytes, a name that runs out of the message or out of its
 *    CNAME rdata: the parse stops with DNS_ERR_MALFORMED or _TRUNCATED, since
 *    nothing after it can be trusted to mean what it says.
 *  - Rdata contents are per record.  An A whose rdlength is not 4, an AAAA not
 *    16, an SVCB/HTTPS whose parameters do not add up (RFC 9460 2.2: keys in
 *    increasing order, hints a whole number of addresses, TargetName without
 *    compression): that record is skipped, since rdlength still frames the
 *    next one.
 *  - A well-formed name that is not a host name (a label holding a dot, a
 *    colon, a space, a byte above 127, or the root) can be neither compared nor
 *    stored: its record is skipped.  Labels are checked before joining them, so
 *    a label "a.b" cannot pass for two labels, nor "x:443" for "x" once
 *    hostname_normalize() strips what it takes for a port.
 *
 * Compression pointers must lead strictly before the start of the stretch of
 * labels that holds them (the name's start, then each pointer's target), so
 * every jump goes backwards and no name can loop whatever its bytes say;
 * DNS_MAX_POINTERS bounds the work on long backward chains.  The cost of a
 * hostile message is thus linear in its size times a small constant (one name
 * is at most 255 bytes and 32 jumps).
 *
 * TTLs with the top bit set are read as 0 (RFC 2181 8).
 */
#include "dns.h"

#include <stdbool.h>
#include <string.h>

#include "cursor.h"
#include "hostname.h"

#define DNS_HEADER_LEN    12
#define DNS_NAME_WIRE_MAX 255 /* RFC 1035 3.1: labels, their length bytes and the root */
#define DNS_CNAME_SLOTS   (4 * DNS_MAX_CNAME) /* CNAME records considered per message */

#define DNS_FLAG_QR   0x8000
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)
#define DNS_RCODE(f)  ((f)&0xf)

#define DNS_TYPE_A     1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA  28
#define DNS_TYPE_SVCB  64
#define DNS_TYPE_HTTPS 65
#define DNS_CLASS_IN   1

#define SVC_KEY_IPV4HINT 4
#define SVC_KEY_IPV6HINT 6

/* A name from the message, normalized; "" when it is not a host name. */
struct dns_name {
    char text[HOSTNAME_MAX + 1];
};

/* Where a resource record sits and its fixed fields. */
struct dns_rr {
    size_t owner; /* offset of the owner name */
    size_t rdata; /* offset of the rdata */
    uint16_t type, rclass, rdlength;
    uint32_t ttl;
};

/* A CNAME record of the answer section, its owner's hash first checked before
 * the owner is decoded again to follow the chain. */
struct dns_cname {
    size_t owner, target, target_end;
    uint32_t owner_hash;
};

/* The question name and the names its CNAME chain leads to. */
struct dns_chain {
    struct dns_name names[DNS_MAX_CNAME + 1];
    size_t count;
};

static bool is_host_char(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Only a filter: equal hashes are confirmed by decoding the name again. */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/*
 * Reads the name at msg[off].  Its labels up to the first pointer must lie
 * before end (the end of the message, or of the rdata holding the name); what
 * pointers lead to may lie anywhere before.  Stores in *next the offset just
 * past that first stretch, and the normalized name in *out.  Returns 0 or a
 * negative enum dns_error.
 */
static int name_read(const uint8_t *msg, size_t len, size_t off, size_t end, struct dns_name *out,
                     size_t *next)
{
    char raw[DNS_NAME_WIRE_MAX];
    size_t raw_len = 0, wire = 1; /* the root label's length byte */
    size_t stretch = off;         /* pointers must lead before this */
    unsigned jumps = 0;
    bool host_chars = true;
    struct cursor c = cursor_make(msg, end);

    out->text[0] = '\0';
    if (!cur_skip(&c, off))
        return DNS_ERR_TRUNCATED;
    for (;;) {
        uint8_t b;
        if (!cur_u8(&c, &b))
            return DNS_ERR_TRUNCATED;
        if ((b & 0xc0) == 0xc0) {
            uint8_t lo;
            if (!cur_u8(&c, &lo))
                return DNS_ERR_TRUNCATED;
            size_t target = (size_t)(b & 0x3f) << 8 | lo;
            if (target >= stretch || ++jumps > DNS_MAX_POINTERS)
                return DNS_ERR_MALFORMED;
            if (jumps == 1)
                *next = (size_t)(c.p - msg);
            stretch = target;
            c = cursor_make(msg, len);
            if (!cur_skip(&c, target))
                return DNS_ERR_TRUNCATED;
            continue;
        }
        if (b & 0xc0)
            return DNS_ERR_MALFORMED; /* 0x40 (retired by RFC 6891) and 0x80 are not labels */
        if (b == 0)
            break;
        wire += 1u + b;
        if (wire > DNS_NAME_WIRE_MAX)
            return DNS_ERR_MALFORMED;
        /* raw_len stays wire - 2 <= 253: the dot and the label fit. */
        if (raw_len > 0)
            raw[raw_len++] = '.';
        if (!cur_bytes(&c, raw + raw_len, b))
            return DNS_ERR_TRUNCATED;
        for (size_t i = raw_len; i < raw_len + b; i++)
            host_chars = host_chars && is_host_char((uint8_t)raw[i]);
        raw_len += b;
    }
    if (jumps == 0)
        *next = (size_t)(c.p - msg);
    if (host_chars && raw_len > 0)
        hostname_normalize(raw, raw_len, out->text, sizeof(out->text));
    return DNS_ERR_NONE;
}

/* Moves past a name that name_read() has accepted, without following pointers. */
static bool name_skip(struct cursor *c)
{
    for (;;) {
        uint8_t b;
        if (!cur_u8(c, &b))
            return false;
        if ((b & 0xc0) == 0xc0)
            return cur_skip(c, 1);
        if (b == 0)
            return true;
        if ((b & 0xc0) || !cur_skip(c, b))
            return false;
    }
}

/*
 * Reads the record at *pos and moves *pos past it.  With owner not NULL the
 * owner name is decoded and checked; without, it is only stepped over (for a
 * record the first pass has already checked).
 */
static int rr_read(const uint8_t *msg, size_t len, size_t *pos, struct dns_rr *rr,
                   struct dns_name *owner)
{
    struct cursor c = cursor_make(msg, len);
    if (!cur_skip(&c, *pos) || c.left == 0)
        return DNS_ERR_MALFORMED; /* the counts promise more records than there are */
    rr->owner = *pos;
    if (owner) {
        size_t next;
        int err = name_read(msg, len, *pos, len, owner, &next);
        if (err)
            return err;
        c = cursor_make(msg, len);
        if (!cur_skip(&c, next))
            return DNS_ERR_TRUNCATED;
    } else if (!name_skip(&c)) {
        return DNS_ERR_TRUNCATED;
    }
    if (!cur_be16(&c, &rr->type) || !cur_be16(&c, &rr->rclass) || !cur_be32(&c, &rr->ttl) ||
        !cur_be16(&c, &rr->rdlength))
        return DNS_ERR_TRUNCATED;
    rr->rdata = (size_t)(c.p - msg);
    if (!cur_skip(&c, rr->rdlength))
        return DNS_ERR_TRUNCATED;
    *pos = (size_t)(c.p - msg);
    return DNS_ERR_NONE;
}

static bool chain_has(const struct dns_chain *chain, const char *name)
{
    for (size_t i = 0; i < chain->count; i++)
        if (strcmp(chain->names[i].text, name) == 0)
            return true;
    return false;
}

/* Follows CNAMEs from the question name (chain->names[0]), at most
 * DNS_MAX_CNAME links.  A loop ends the chain where it closes: the names met so
 * far still count, there is just no further end to reach. */
static void chain_follow(const uint8_t *msg, size_t len, const struct dns_cname *cnames,
                         size_t ncnames, struct dns_chain *chain)
{
    while (chain->count <= DNS_MAX_CNAME) {
        const char *tail = chain->names[chain->count - 1].text;
        uint32_t h = name_hash(tail);
        struct dns_name *next = &chain->names[chain->count];
        bool linked = false;
        for (size_t i = 0; i < ncnames && !linked; i++) {
            struct dns_name owner;
            size_t end;
            if (cnames[i].owner_hash != h ||
                name_read(msg, len, cnames[i].owner, len, &owner, &end) != DNS_ERR_NONE ||
                strcmp(owner.text, tail) != 0)
                continue;
            /* A second CNAME for one owner is illegal (RFC 2181 10.1); the first wins. */
            linked = name_read(msg, len, cnames[i].target, cnames[i].target_end, next, &end) ==
                     DNS_ERR_NONE;
        }
        if (!linked || chain_has(chain, next->text))
            return;
        chain->count++;
    }
}

static void emit(dns_answer_fn fn, void *ctx, const char *qname, const struct netaddr *a,
                 uint32_t ttl)
{
    if (fn)
        fn(ctx, qname, a, ttl);
}

/* Steps over an SVCB TargetName, which RFC 9460 2.2 forbids to compress. */
static bool svcb_skip_target(struct cursor *rd)
{
    size_t wire = 1;
    for (;;) {
        uint8_t b;
        if (!cur_u8(rd, &b) || (b & 0xc0))
            return false;
        if (b == 0)
            return true;
        wire += 1u + b;
        if (wire > DNS_NAME_WIRE_MAX || !cur_skip(rd, b))
            return false;
    }
}

/* Reports the ipv4hint and ipv6hint addresses of an SVCB or HTTPS record in
 * ServiceMode.  The whole parameter list is checked before anything is
 * reported: a record malformed anywhere is not trusted anywhere. */
static int svcb_report(struct cursor rd, const char *qname, uint32_t ttl, dns_answer_fn fn,
                       void *ctx)
{
    uint16_t priority;
    if (!cur_be16(&rd, &priority) || !svcb_skip_target(&rd))
        return 0;
    if (priority == 0)
        return 0; /* AliasMode: RFC 9460 2.4.2 has clients ignore its SvcParams */

    struct cursor check = rd;
    long last_key = -1;
    while (check.left > 0) {
        uint16_t key, vlen;
        if (!cur_be16(&check, &key) || !cur_be16(&check, &vlen) || !cur_skip(&check, vlen))
            return 0;
        if ((long)key <= last_key)
            return 0;
        if ((key == SVC_KEY_IPV4HINT && (vlen == 0 || vlen % 4 != 0)) ||
            (key == SVC_KEY_IPV6HINT && (vlen == 0 || vlen % 16 != 0)))
            return 0;
        last_key = key;
    }

    int reported = 0;
    while (rd.left > 0) {
        uint16_t key, vlen;
        if (!cur_be16(&rd, &key) || !cur_be16(&rd, &vlen))
            break;
        size_t width = key == SVC_KEY_IPV4HINT ? 4 : key == SVC_KEY_IPV6HINT ? 16 : 0;
        if (width == 0) {
            if (!cur_skip(&rd, vlen))
                break;
            continue;
        }
        for (size_t n = vlen / width; n > 0; n--) {
            uint8_t b[16];
            struct netaddr a;
            if (!cur_bytes(&rd, b, width))
                return reported;
            if (width == 4)
                netaddr_from_v4(&a, b);
            else
                netaddr_from_v6(&a, b);
            emit(fn, ctx, qname, &a, ttl);
            reported++;
        }
    }
    return reported;
}

/* Reports what one record owned by a name on the chain says; returns how many
 * addresses.  rd covers exactly its rdata. */
static int rr_report(const struct dns_rr *rr, struct cursor rd, const char *qname, dns_answer_fn fn,
                     void *ctx)
{
    uint32_t ttl = rr->ttl > INT32_MAX ? 0 : rr->ttl;
    uint8_t b[16];
    struct netaddr a;

    switch (rr->type) {
    case DNS_TYPE_A:
        if (rr->rdlength != 4 || !cur_bytes(&rd, b, 4))
            return 0;
        netaddr_from_v4(&a, b);
        break;
    case DNS_TYPE_AAAA:
        if (rr->rdlength != 16 || !cur_bytes(&rd, b, 16))
            return 0;
        netaddr_from_v6(&a, b);
        break;
    case DNS_TYPE_SVCB:
    case DNS_TYPE_HTTPS:
        return svcb_report(rd, qname, ttl, fn, ctx);
    default:
        return 0;
    }
    emit(fn, ctx, qname, &a, ttl);
    return 1;
}

int dns_parse_response(const uint8_t *msg, size_t len, dns_answer_fn fn, void *ctx)
{
    struct cursor c = cursor_make(msg, len);
    uint16_t id, flags, qdcount, ancount, nscount, arcount;
    if (!cur_be16(&c, &id) || !cur_be16(&c, &flags) || !cur_be16(&c, &qdcount) ||
        !cur_be16(&c, &ancount) || !cur_be16(&c, &nscount) || !cur_be16(&c, &arcount))
        return DNS_ERR_TRUNCATED;
    if (!(flags & DNS_FLAG_QR) || DNS_OPCODE(flags) != 0 || DNS_RCODE(flags) != 0)
        return DNS_ERR_NOT_RESPONSE;
    if (qdcount != 1)
        return DNS_ERR_NO_QUESTION;

    struct dns_chain chain = {.count = 1};
    size_t start;
    int err = name_read(msg, len, DNS_HEADER_LEN, len, &chain.names[0], &start);
    if (err)
        return err;
    c = cursor_make(msg, len);
    if (!cur_skip(&c, start) || !cur_skip(&c, 4)) /* QTYPE, QCLASS */
        return DNS_ERR_TRUNCATED;
    start += 4;
    if (chain.names[0].text[0] == '\0')
        return 0; /* nothing could be reported against it */

    /* Pass 1: framing, and the CNAMEs of the answer section. */
    struct dns_cname cnames[DNS_CNAME_SLOTS];
    size_t ncnames = 0, framed = 0, pos = start;
    size_t total = (size_t)ancount + nscount + arcount;
    int status = DNS_ERR_NONE;
    for (; framed < total; framed++) {
        struct dns_rr rr;
        struct dns_name owner, target;
        status = rr_read(msg, len, &pos, &rr, &owner);
        if (status)
            break;
        if (framed >= ancount || rr.type != DNS_TYPE_CNAME || rr.rclass != DNS_CLASS_IN)
            continue;
        size_t end = rr.rdata + rr.rdlength, next = 0;
        status = name_read(msg, len, rr.rdata, end, &target, &next);
        if (status == DNS_ERR_TRUNCATED || (status == DNS_ERR_NONE && next != end))
            status = DNS_ERR_MALFORMED; /* the name and its rdlength disagree */
        if (status)
            break;
        if (owner.text[0] && target.text[0] && ncnames < DNS_CNAME_SLOTS)
            cnames[ncnames++] = (struct dns_cname){rr.owner, rr.rdata, end, name_hash(owner.text)};
    }

    chain_follow(msg, len, cnames, ncnames, &chain);

    /* Pass 2: the addresses of the names on the chain, from the records framed. */
    int reported = 0;
    pos = start;
    for (size_t i = 0; i < framed; i++) {
        struct dns_rr rr;
        struct dns_name owner;
        size_t end;
        if (rr_read(msg, len, &pos, &rr, NULL) != DNS_ERR_NONE)
            break;
        if (rr.rclass != DNS_CLASS_IN || (rr.type != DNS_TYPE_A && rr.type != DNS_TYPE_AAAA &&
                                          rr.type != DNS_TYPE_SVCB && rr.type != DNS_TYPE_HTTPS))
            continue;
        if (name_read(msg, len, rr.owner, len, &owner, &end) != DNS_ERR_NONE ||
            owner.text[0] == '\0' || !chain_has(&chain, owner.text))
            continue;
        struct cursor rd = cursor_make(msg, rr.rdata + rr.rdlength);
        if (!cur_skip(&rd, rr.rdata))
            break;
        reported += rr_report(&rr, rd, chain.names[0].text, fn, ctx);
    }
    return status ? status : reported;
}

const char *dns_error_name(int err)
{
    switch (err) {
    case DNS_ERR_TRUNCATED:
        return "truncated";
    case DNS_ERR_MALFORMED:
        return "malformed";
    case DNS_ERR_NOT_RESPONSE:
        return "not_response";
    case DNS_ERR_NO_QUESTION:
        return "no_question";
    default:
        return err >= 0 ? "ok" : "unknown";
    }
}
