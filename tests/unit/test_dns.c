/*
 * test_dns.c - DNS response parsing: answers, chains, compression, SVCB hints,
 * and hostile messages.
 *
 * Messages are built byte by byte with the small builder below, so each test
 * shows the layout it exercises.  Hostile inputs are parsed from buffers of
 * exactly their size on the heap, so that AddressSanitizer sees any overrun.
 */
#include "dns.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "hostname.h"
#include "netaddr.h"
#include "test.h"

/* --- message builder -------------------------------------------------------- */

#define FLAGS_RESPONSE 0x8180 /* QR, RD, RA, NOERROR */
#define FLAGS_NXDOMAIN 0x8183
#define FLAGS_QUERY    0x0100
#define TYPE_A         1
#define TYPE_NS        2
#define TYPE_CNAME     5
#define TYPE_NULL      10
#define TYPE_AAAA      28
#define TYPE_OPT       41
#define TYPE_SVCB      64
#define TYPE_HTTPS     65
#define NO_PTR         (-1)

struct msg {
    uint8_t b[8192];
    size_t len;
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

static void put_ptr(struct msg *m, size_t off)
{
    put16(m, 0xc000 | (unsigned)off);
}

/* Writes the labels of a dotted name ("" for none), then a pointer to ptr or,
 * with NO_PTR, the root label.  Returns the offset the name starts at. */
static size_t put_name(struct msg *m, const char *dotted, long ptr)
{
    size_t start = m->len;
    const char *p = dotted;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        put8(m, (unsigned)n);
        for (size_t i = 0; i < n; i++)
            put8(m, (uint8_t)p[i]);
        p += n;
        if (*p == '.')
            p++;
    }
    if (ptr == NO_PTR)
        put8(m, 0);
    else
        put_ptr(m, (size_t)ptr);
    return start;
}

static void put_header(struct msg *m, unsigned flags, unsigned qd, unsigned an, unsigned ns,
                       unsigned ar)
{
    m->len = 0;
    put16(m, 0x1234);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}

/* A response header and question; the question name is at offset 12. */
static void put_query(struct msg *m, unsigned an, unsigned ns, unsigned ar, const char *qname,
                      unsigned qtype)
{
    put_header(m, FLAGS_RESPONSE, 1, an, ns, ar);
    put_name(m, qname, NO_PTR);
    put16(m, qtype);
    put16(m, 1);
}

/* Writes a record's owner and fixed fields; returns where its rdlength goes,
 * for rr_end() to fill in once the rdata is written. */
static size_t rr_begin(struct msg *m, const char *owner, long ptr, unsigned type, uint32_t ttl)
{
    put_name(m, owner, ptr);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    size_t at = m->len;
    put16(m, 0);
    return at;
}

static void rr_end(struct msg *m, size_t at)
{
    size_t n = m->len - at - 2;
    m->b[at] = (uint8_t)(n >> 8);
    m->b[at + 1] = (uint8_t)n;
}

static void put_a(struct msg *m, const char *owner, long ptr, uint32_t ttl, unsigned a, unsigned b,
                  unsigned c, unsigned d)
{
    size_t at = rr_begin(m, owner, ptr, TYPE_A, ttl);
    put8(m, a);
    put8(m, b);
    put8(m, c);
    put8(m, d);
    rr_end(m, at);
}

/* Returns the offset of the target name. */
static size_t put_cname(struct msg *m, const char *owner, long ptr, uint32_t ttl,
                        const char *target, long target_ptr)
{
    size_t at = rr_begin(m, owner, ptr, TYPE_CNAME, ttl);
    size_t off = put_name(m, target, target_ptr);
    rr_end(m, at);
    return off;
}

static void put_aaaa(struct msg *m, const char *owner, long ptr, uint32_t ttl, const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    size_t at = rr_begin(m, owner, ptr, TYPE_AAAA, ttl);
    for (int i = 0; i < 16; i++)
        put8(m, a.b[i]);
    rr_end(m, at);
}

/* --- what the parser reports ------------------------------------------------ */

#define MAX_ANSWERS 64

struct answers {
    int n;
    char name[MAX_ANSWERS][HOSTNAME_MAX + 1];
    char addr[MAX_ANSWERS][NETADDR_STRLEN];
    uint32_t ttl[MAX_ANSWERS];
};

static void collect(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct answers *r = ctx;
    if (r->n < MAX_ANSWERS) {
        snprintf(r->name[r->n], sizeof(r->name[r->n]), "%s", name);
        netaddr_format(addr, r->addr[r->n], sizeof(r->addr[r->n]));
        r->ttl[r->n] = ttl;
    }
    r->n++;
}

/* Parses from a heap buffer of exactly the message's size. */
static int parse_exact(const uint8_t *bytes, size_t len, dns_answer_fn fn, void *ctx)
{
    uint8_t *copy = NULL;
    if (len > 0) {
        copy = malloc(len);
        if (!copy)
            abort();
        memcpy(copy, bytes, len);
    }
    int rc = dns_parse_response(copy, len, fn, ctx);
    free(copy);
    return rc;
}

static int parse(const struct msg *m, struct answers *r)
{
    memset(r, 0, sizeof(*r));
    int rc = parse_exact(m->b, m->len, collect, r);
    if (rc >= 0 && rc != r->n)
        fprintf(stderr, "parse returned %d after %d answers\n", rc, r->n);
    return rc;
}

/* --- well-formed answers ---------------------------------------------------- */

TEST(simple_a_answer)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 300, 192, 0, 2, 10);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.name[0], "www.example.com");
    CHECK_STR(r.addr[0], "192.0.2.10");
    CHECK_INT(r.ttl[0], 300);
}

TEST(aaaa_answer)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "v6.example.org", TYPE_AAAA);
    put_aaaa(&m, "v6.example.org", NO_PTR, 60, "2001:db8::1:2");
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.name[0], "v6.example.org");
    CHECK_STR(r.addr[0], "2001:db8::1:2");
    CHECK_INT(r.ttl[0], 60);
}

TEST(several_a_records)
{
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "multi.example.com", TYPE_A);
    put_a(&m, "", 12, 10, 198, 51, 100, 1);
    put_a(&m, "", 12, 20, 198, 51, 100, 2);
    put_a(&m, "", 12, 30, 198, 51, 100, 3);
    CHECK_INT(parse(&m, &r), 3);
    CHECK_STR(r.addr[0], "198.51.100.1");
    CHECK_STR(r.addr[1], "198.51.100.2");
    CHECK_STR(r.addr[2], "198.51.100.3");
    CHECK_INT(r.ttl[2], 30);
}

TEST(cname_chain_reports_question_name)
{
    struct msg m;
    struct answers r;
    put_query(&m, 5, 0, 0, "app.example.com", TYPE_A);
    size_t t1 = put_cname(&m, "", 12, 300, "app.cdn-one.net", NO_PTR);
    size_t t2 = put_cname(&m, "", (long)t1, 300, "edge.cdn-two.net", NO_PTR);
    size_t t3 = put_cname(&m, "", (long)t2, 300, "e1234.a.cdn-three.net", NO_PTR);
    put_a(&m, "", (long)t3, 20, 203, 0, 113, 7);
    put_a(&m, "", (long)t3, 20, 203, 0, 113, 8);
    CHECK_INT(parse(&m, &r), 2);
    CHECK_STR(r.name[0], "app.example.com");
    CHECK_STR(r.name[1], "app.example.com");
    CHECK_STR(r.addr[0], "203.0.113.7");
    CHECK_INT(r.ttl[0], 20);
}

TEST(cname_chain_out_of_order)
{
    /* The addresses come first and the links in reverse: order is not promised. */
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "a.example", TYPE_A);
    put_a(&m, "c.example", NO_PTR, 5, 192, 0, 2, 3);
    put_cname(&m, "b.example", NO_PTR, 5, "c.example", NO_PTR);
    put_cname(&m, "a.example", NO_PTR, 5, "b.example", NO_PTR);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.name[0], "a.example");
    CHECK_STR(r.addr[0], "192.0.2.3");
}

TEST(addresses_of_intermediate_names)
{
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "a.example", TYPE_A);
    put_cname(&m, "a.example", NO_PTR, 5, "b.example", NO_PTR);
    put_a(&m, "b.example", NO_PTR, 5, 192, 0, 2, 1);
    put_a(&m, "a.example", NO_PTR, 5, 192, 0, 2, 2);
    CHECK_INT(parse(&m, &r), 2);
    CHECK_STR(r.name[0], "a.example");
    CHECK_STR(r.name[1], "a.example");
}

TEST(compressed_names)
{
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "www.shop.example.com", TYPE_A);
    /* Owner: a pointer to the question.  Target: a label, then a pointer to the
     * middle of the question ("example.com" at 12 + 4 + 5). */
    size_t target = put_cname(&m, "", 12, 60, "edge", 12 + 4 + 5);
    /* Owner: a pointer to the target, which itself ends in a pointer. */
    put_a(&m, "", (long)target, 60, 192, 0, 2, 44);
    /* Owner: a label then a pointer to the mid-name suffix "shop.example.com":
     * "www.shop.example.com" again, spelled differently. */
    put_a(&m, "www", 12 + 4, 60, 192, 0, 2, 45);
    CHECK_INT(parse(&m, &r), 2);
    CHECK_STR(r.name[0], "www.shop.example.com");
    CHECK_STR(r.addr[0], "192.0.2.44");
    CHECK_STR(r.addr[1], "192.0.2.45");
}

TEST(unrelated_owners_ignored)
{
    struct msg m;
    struct answers r;
    put_query(&m, 2, 2, 3, "www.example.com", TYPE_A);
    put_a(&m, "other.example.com", NO_PTR, 60, 192, 0, 2, 99); /* not ours */
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    /* Authority: an NS, and a CNAME, which must not extend the chain. */
    size_t at = rr_begin(&m, "example.com", NO_PTR, TYPE_NS, 60);
    size_t ns = put_name(&m, "ns1.example.com", NO_PTR);
    rr_end(&m, at);
    put_cname(&m, "", 12, 60, "elsewhere.example.net", NO_PTR);
    /* Additional: glue for the NS, an address for the CNAME above, an OPT. */
    put_a(&m, "", (long)ns, 60, 192, 0, 2, 53);
    put_a(&m, "elsewhere.example.net", NO_PTR, 60, 192, 0, 2, 77);
    at = rr_begin(&m, "", NO_PTR, TYPE_OPT, 0);
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.1");
}

TEST(additional_section_addresses)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 1, "www.example.com", TYPE_A);
    size_t target = put_cname(&m, "", 12, 60, "cdn.example.net", NO_PTR);
    put_a(&m, "", (long)target, 30, 192, 0, 2, 5);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.name[0], "www.example.com");
    CHECK_STR(r.addr[0], "192.0.2.5");
}

TEST(other_class_ignored)
{
    struct msg m;
    struct answers r;
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put_name(&m, "", 12);
    put16(&m, TYPE_A);
    put16(&m, 3); /* CHAOS */
    put32(&m, 60);
    put16(&m, 4);
    put32(&m, 0x01020304);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.1");
}

/* SVCB/HTTPS rdata: priority, target, then (key, length, value) parameters. */
static size_t svcb_begin(struct msg *m, unsigned type, long owner_ptr, unsigned priority,
                         const char *target)
{
    size_t at = rr_begin(m, "", owner_ptr, type, 120);
    put16(m, priority);
    put_name(m, target, NO_PTR);
    return at;
}

static void put_param(struct msg *m, unsigned key, const uint8_t *value, size_t len)
{
    put16(m, key);
    put16(m, (unsigned)len);
    for (size_t i = 0; i < len; i++)
        put8(m, value[i]);
}

static const uint8_t alpn_h2_h3[] = {2, 'h', '2', 2, 'h', '3'};
static const uint8_t v4hints[] = {192, 0, 2, 80, 192, 0, 2, 81};
static const uint8_t v6hint[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80};

TEST(https_hints)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "svc.example.com", TYPE_HTTPS);
    size_t at = svcb_begin(&m, TYPE_HTTPS, 12, 1, "");
    put_param(&m, 1, alpn_h2_h3, sizeof(alpn_h2_h3));
    put_param(&m, 4, v4hints, sizeof(v4hints));
    put_param(&m, 6, v6hint, sizeof(v6hint));
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), 3);
    CHECK_STR(r.name[0], "svc.example.com");
    CHECK_STR(r.addr[0], "192.0.2.80");
    CHECK_STR(r.addr[1], "192.0.2.81");
    CHECK_STR(r.addr[2], "2001:db8::80");
    CHECK_INT(r.ttl[2], 120);
}

TEST(svcb_service_mode_with_target)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "_dns.resolver.example", TYPE_SVCB);
    size_t at = svcb_begin(&m, TYPE_SVCB, 12, 1, "dot.resolver.example");
    put_param(&m, 4, v4hints, 4);
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.80");
}

TEST(svcb_alias_mode)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "example.com", TYPE_HTTPS);
    /* Parameters in AliasMode are to be ignored (RFC 9460 2.4.2). */
    size_t at = svcb_begin(&m, TYPE_HTTPS, 12, 0, "pool.svc.example.net");
    put_param(&m, 4, v4hints, sizeof(v4hints));
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), 0);
    CHECK_INT(r.n, 0);
}

TEST(svcb_malformed_params_skip_record)
{
    struct msg m;
    struct answers r;
    put_query(&m, 5, 0, 0, "svc.example.com", TYPE_HTTPS);
    /* ipv4hint of 6 bytes */
    size_t at = svcb_begin(&m, TYPE_HTTPS, 12, 1, "");
    put_param(&m, 4, v4hints, 6);
    rr_end(&m, at);
    /* keys out of order */
    at = svcb_begin(&m, TYPE_HTTPS, 12, 1, "");
    put_param(&m, 6, v6hint, sizeof(v6hint));
    put_param(&m, 4, v4hints, 4);
    rr_end(&m, at);
    /* a parameter running past the rdata */
    at = svcb_begin(&m, TYPE_HTTPS, 12, 1, "");
    put_param(&m, 4, v4hints, 4);
    put16(&m, 6);
    put16(&m, 16);
    put32(&m, 0);
    rr_end(&m, at);
    /* a compressed TargetName */
    at = rr_begin(&m, "", 12, TYPE_HTTPS, 120);
    put16(&m, 1);
    put_ptr(&m, 12);
    put_param(&m, 4, v4hints, 4);
    rr_end(&m, at);
    /* then a good one: only it is reported */
    at = svcb_begin(&m, TYPE_HTTPS, 12, 1, "");
    put_param(&m, 4, v4hints + 4, 4);
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.81");
}

TEST(uppercase_names_normalized)
{
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "WWW.Example.COM", TYPE_A);
    put_cname(&m, "www.EXAMPLE.com", NO_PTR, 60, "CDN.Example.NET", NO_PTR);
    put_a(&m, "cdn.example.net", NO_PTR, 60, 192, 0, 2, 1);
    put_a(&m, "WWW.EXAMPLE.COM", NO_PTR, 60, 192, 0, 2, 2);
    CHECK_INT(parse(&m, &r), 2);
    CHECK_STR(r.name[0], "www.example.com");
    CHECK_STR(r.name[1], "www.example.com");
    CHECK_STR(r.addr[0], "192.0.2.1");
    CHECK_STR(r.addr[1], "192.0.2.2");
}

TEST(names_that_are_not_host_names)
{
    struct msg m;
    struct answers r;
    /* One label holding dots must not pass for the three labels it spells. */
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put8(&m, 15);
    for (const char *p = "www.example.com"; *p; p++)
        put8(&m, (uint8_t)*p);
    put8(&m, 0);
    put16(&m, TYPE_A);
    put16(&m, 1);
    put32(&m, 60);
    put16(&m, 4);
    put32(&m, 0xc0000201);
    put_a(&m, "www.example\x01", NO_PTR, 60, 192, 0, 2, 2); /* a control byte */
    CHECK_INT(parse(&m, &r), 0);

    /* A colon would make hostname_normalize() cut the name at a "port". */
    put_query(&m, 1, 0, 0, "www.example.com:8443", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), 0);

    /* The root as question: nothing to report against. */
    put_query(&m, 1, 0, 0, "", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), 0);
}

TEST(ttl_with_top_bit_is_zero)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 0x80000001u, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_INT(r.ttl[0], 0);
}

TEST(longest_name_accepted)
{
    /* 63 + 63 + 63 + 61 bytes of labels: 255 on the wire, 253 as text. */
    char name[HOSTNAME_MAX + 2];
    memset(name, 'a', sizeof(name));
    name[63] = name[127] = name[191] = '.';
    name[253] = '\0';
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, name, TYPE_A);
    CHECK_INT(m.len, 12 + 255 + 4);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_INT(strlen(r.name[0]), 253);
}

/* --- responses that are not answers ------------------------------------------ */

TEST(query_is_not_response)
{
    struct msg m;
    struct answers r;
    put_header(&m, FLAGS_QUERY, 1, 0, 0, 0);
    put_name(&m, "www.example.com", NO_PTR);
    put16(&m, TYPE_A);
    put16(&m, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_NOT_RESPONSE);
}

TEST(nxdomain_is_not_response)
{
    struct msg m;
    struct answers r;
    put_query(&m, 0, 0, 0, "nope.example.com", TYPE_A);
    m.b[3] = FLAGS_NXDOMAIN & 0xff;
    CHECK_INT(parse(&m, &r), DNS_ERR_NOT_RESPONSE);
    /* Even with an answer in it. */
    put_query(&m, 1, 0, 0, "nope.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    m.b[3] = FLAGS_NXDOMAIN & 0xff;
    CHECK_INT(parse(&m, &r), DNS_ERR_NOT_RESPONSE);
    CHECK_INT(r.n, 0);
}

TEST(other_opcode_is_not_response)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    m.b[2] |= 5 << 3; /* UPDATE */
    CHECK_INT(parse(&m, &r), DNS_ERR_NOT_RESPONSE);
}

TEST(question_count_not_one)
{
    struct msg m;
    struct answers r;
    put_header(&m, FLAGS_RESPONSE, 0, 1, 0, 0);
    put_a(&m, "www.example.com", NO_PTR, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_NO_QUESTION);

    put_header(&m, FLAGS_RESPONSE, 2, 1, 0, 0);
    put_name(&m, "www.example.com", NO_PTR);
    put16(&m, TYPE_A);
    put16(&m, 1);
    put_name(&m, "", 12);
    put16(&m, TYPE_AAAA);
    put16(&m, 1);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_NO_QUESTION);
    CHECK_INT(r.n, 0);
}

TEST(error_names)
{
    CHECK_STR(dns_error_name(DNS_ERR_TRUNCATED), "truncated");
    CHECK_STR(dns_error_name(DNS_ERR_MALFORMED), "malformed");
    CHECK_STR(dns_error_name(DNS_ERR_NOT_RESPONSE), "not_response");
    CHECK_STR(dns_error_name(DNS_ERR_NO_QUESTION), "no_question");
    CHECK_STR(dns_error_name(3), "ok");
    CHECK_STR(dns_error_name(-99), "unknown");
}

/* --- hostile messages ---------------------------------------------------------- */

TEST(zero_length_and_short_header)
{
    struct answers r;
    memset(&r, 0, sizeof(r));
    CHECK_INT(parse_exact(NULL, 0, collect, &r), DNS_ERR_TRUNCATED);
    static const uint8_t eleven[11] = {0x12, 0x34, 0x81, 0x80, 0, 1};
    CHECK_INT(parse_exact(eleven, sizeof(eleven), collect, &r), DNS_ERR_TRUNCATED);
    CHECK_INT(r.n, 0);
}

TEST(pointer_to_itself)
{
    struct msg m;
    struct answers r;
    /* The question name is a pointer to its own offset. */
    put_header(&m, FLAGS_RESPONSE, 1, 0, 0, 0);
    put_ptr(&m, 12);
    put16(&m, TYPE_A);
    put16(&m, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);

    /* A label, then a pointer back to the start of the same name. */
    put_header(&m, FLAGS_RESPONSE, 1, 0, 0, 0);
    put_name(&m, "loop", 12);
    put16(&m, TYPE_A);
    put16(&m, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);

    /* An answer owner pointing at itself, after a good answer. */
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    put_a(&m, "", (long)m.len, 60, 192, 0, 2, 2);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
    CHECK_INT(r.n, 1); /* what came before stays reported */
}

TEST(two_pointer_cycle)
{
    struct msg m;
    struct answers r;
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    /* A NULL record whose rdata holds two pointers at each other: R -> R+2, R+2 -> R. */
    size_t at = rr_begin(&m, "", 12, TYPE_NULL, 60);
    size_t rdata = m.len;
    put_ptr(&m, rdata + 2);
    put_ptr(&m, rdata);
    rr_end(&m, at);
    put_a(&m, "", (long)rdata + 2, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
    CHECK_INT(r.n, 0);
}

TEST(forward_pointer)
{
    struct msg m;
    struct answers r;
    put_header(&m, FLAGS_RESPONSE, 1, 0, 0, 0);
    put_ptr(&m, 18); /* to the "example" label below */
    put16(&m, TYPE_A);
    put16(&m, 1);
    put_name(&m, "example.com", NO_PTR);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
}

TEST(pointer_beyond_end)
{
    struct msg m;
    struct answers r;
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 0x3fff, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);

    /* A pointer whose second byte is missing. */
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put8(&m, 0xc0);
    CHECK_INT(parse(&m, &r), DNS_ERR_TRUNCATED);
}

TEST(pointer_jump_limit)
{
    /* A NULL record's rdata holds p[0] -> question, p[k] -> p[k-1]: a long
     * backward chain.  Reaching the question through p[k] takes k + 2 jumps. */
    for (int k = 29; k <= 31; k++) {
        struct msg m;
        struct answers r;
        put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
        size_t at = rr_begin(&m, "", 12, TYPE_NULL, 60);
        size_t rdata = m.len;
        put_ptr(&m, 12);
        for (int i = 1; i <= 31; i++)
            put_ptr(&m, rdata + 2 * (size_t)(i - 1));
        rr_end(&m, at);
        put_a(&m, "", (long)(rdata + 2 * (size_t)k), 60, 192, 0, 2, 1);
        int want = k + 2 <= DNS_MAX_POINTERS ? 1 : DNS_ERR_MALFORMED;
        CHECK_INT(parse(&m, &r), want);
    }
}

TEST(label_runs_past_end)
{
    struct msg m;
    struct answers r;
    put_header(&m, FLAGS_RESPONSE, 1, 0, 0, 0);
    put8(&m, 63);
    put8(&m, 'a');
    put8(&m, 'b');
    CHECK_INT(parse(&m, &r), DNS_ERR_TRUNCATED);

    /* In an answer owner, after a good answer. */
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    put8(&m, 40);
    put8(&m, 'x');
    CHECK_INT(parse(&m, &r), DNS_ERR_TRUNCATED);
    CHECK_INT(r.n, 1);
}

TEST(reserved_label_types)
{
    static const unsigned types[] = {0x40, 0x41, 0x80, 0xbf};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        struct msg m;
        struct answers r;
        put_header(&m, FLAGS_RESPONSE, 1, 0, 0, 0);
        put_name(&m, "www", NO_PTR);
        m.len--; /* replace the root by the bad byte */
        put8(&m, types[i]);
        put8(&m, 0);
        put8(&m, 0);
        put16(&m, TYPE_A);
        put16(&m, 1);
        CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
    }
}

TEST(name_longer_than_255)
{
    char name[5 * 64];
    memset(name, 'a', sizeof(name));
    for (int i = 1; i < 5; i++)
        name[64 * i - 1] = '.';
    name[sizeof(name) - 1] = '\0'; /* five labels of 63: 321 bytes on the wire */
    struct msg m;
    struct answers r;
    put_query(&m, 0, 0, 0, name, TYPE_A);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);

    /* 256 bytes: one more than the longest. */
    name[63] = name[127] = name[191] = '.';
    name[254] = '\0';
    put_query(&m, 0, 0, 0, name, TYPE_A);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);

    /* Too long only once a pointer adds the question's 197 bytes to 63 more. */
    name[191] = '\0';
    strcat(name, ".abc");
    put_query(&m, 1, 0, 0, name, TYPE_A);
    char label[63];
    memset(label, 'x', sizeof(label) - 1);
    label[sizeof(label) - 1] = '\0';
    put_a(&m, label, 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
}

TEST(cname_loop)
{
    struct msg m;
    struct answers r;
    put_query(&m, 4, 0, 0, "a.example", TYPE_A);
    put_cname(&m, "a.example", NO_PTR, 60, "b.example", NO_PTR);
    put_cname(&m, "b.example", NO_PTR, 60, "a.example", NO_PTR);
    put_a(&m, "b.example", NO_PTR, 60, 192, 0, 2, 2);
    put_a(&m, "c.example", NO_PTR, 60, 192, 0, 2, 3);
    /* The loop ends the chain; the names on it keep their addresses. */
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.2");

    /* A name that is its own CNAME. */
    put_query(&m, 2, 0, 0, "self.example", TYPE_A);
    put_cname(&m, "", 12, 60, "", 12);
    put_a(&m, "", 12, 60, 192, 0, 2, 4);
    CHECK_INT(parse(&m, &r), 1);
}

TEST(cname_chain_limit)
{
    /* n0 -> n1 -> ... -> n20, with an address on every name: those reachable
     * in DNS_MAX_CNAME links count. */
    struct msg m;
    struct answers r;
    put_query(&m, 41, 0, 0, "n0.example", TYPE_A);
    for (int i = 0; i < 20; i++) {
        char owner[32], target[32];
        snprintf(owner, sizeof(owner), "n%d.example", i);
        snprintf(target, sizeof(target), "n%d.example", i + 1);
        put_cname(&m, owner, NO_PTR, 60, target, NO_PTR);
    }
    for (int i = 0; i <= 20; i++) {
        char owner[32];
        snprintf(owner, sizeof(owner), "n%d.example", i);
        put_a(&m, owner, NO_PTR, 60, 10, 0, 0, (unsigned)i);
    }
    CHECK_INT(parse(&m, &r), DNS_MAX_CNAME + 1);
    CHECK_STR(r.addr[DNS_MAX_CNAME], "10.0.0.16");
}

TEST(counts_larger_than_records)
{
    struct msg m;
    struct answers r;
    put_query(&m, 3, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
    CHECK_INT(r.n, 1);

    put_query(&m, 1, 1, 1, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
    CHECK_INT(r.n, 1);

    /* Huge counts over a short message end quickly. */
    put_query(&m, 0xffff, 0xffff, 0xffff, "www.example.com", TYPE_A);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
}

TEST(rdlength_past_end)
{
    struct msg m;
    struct answers r;
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    put_a(&m, "", 12, 60, 192, 0, 2, 2);
    m.b[m.len - 5] = 0x40; /* rdlength 64, with 4 bytes left */
    CHECK_INT(parse(&m, &r), DNS_ERR_TRUNCATED);
    CHECK_INT(r.n, 1);

    /* The message ends inside the fixed fields. */
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    put_ptr(&m, 12);
    put16(&m, TYPE_A);
    put16(&m, 1);
    put16(&m, 0);
    CHECK_INT(parse(&m, &r), DNS_ERR_TRUNCATED);
}

TEST(address_rdata_of_wrong_size_skipped)
{
    struct msg m;
    struct answers r;
    put_query(&m, 4, 0, 0, "www.example.com", TYPE_A);
    size_t at = rr_begin(&m, "", 12, TYPE_A, 60);
    put32(&m, 0xc0000201);
    put8(&m, 0);
    rr_end(&m, at); /* A with rdlength 5 */
    at = rr_begin(&m, "", 12, TYPE_A, 60);
    rr_end(&m, at); /* A with rdlength 0 */
    at = rr_begin(&m, "", 12, TYPE_AAAA, 60);
    put32(&m, 0xc0000201);
    rr_end(&m, at); /* AAAA with rdlength 4 */
    put_a(&m, "", 12, 60, 192, 0, 2, 9);
    CHECK_INT(parse(&m, &r), 1);
    CHECK_STR(r.addr[0], "192.0.2.9");
}

TEST(cname_rdata_disagrees_with_name)
{
    struct msg m;
    struct answers r;
    /* The target name runs past the CNAME's rdlength. */
    put_query(&m, 2, 0, 0, "www.example.com", TYPE_A);
    put_a(&m, "", 12, 60, 192, 0, 2, 1);
    size_t at = rr_begin(&m, "", 12, TYPE_CNAME, 60);
    put_name(&m, "cdn.example.net", NO_PTR);
    rr_end(&m, at);
    m.b[at + 1] -= 3;
    CHECK_INT(parse(&m, &r) < 0, 1);
    CHECK_INT(r.n, 1);

    /* Bytes left over after the target name. */
    put_query(&m, 1, 0, 0, "www.example.com", TYPE_A);
    at = rr_begin(&m, "", 12, TYPE_CNAME, 60);
    put_name(&m, "cdn.example.net", NO_PTR);
    put8(&m, 0);
    rr_end(&m, at);
    CHECK_INT(parse(&m, &r), DNS_ERR_MALFORMED);
}

/* --- every prefix, and random damage ------------------------------------------ */

#define SAMPLES 6

static void build_samples(struct msg *s)
{
    put_query(&s[0], 1, 0, 0, "www.example.com", TYPE_A);
    put_a(&s[0], "", 12, 300, 192, 0, 2, 10);

    put_query(&s[1], 4, 0, 1, "app.example.com", TYPE_A);
    size_t t1 = put_cname(&s[1], "", 12, 300, "edge", 12 + 4);
    size_t t2 = put_cname(&s[1], "", (long)t1, 300, "e1.cdn.example.net", NO_PTR);
    put_a(&s[1], "", (long)t2, 20, 203, 0, 113, 7);
    put_aaaa(&s[1], "", (long)t2, 20, "2001:db8::7");
    put_a(&s[1], "", (long)t1, 20, 203, 0, 113, 8);

    put_query(&s[2], 2, 0, 0, "svc.example.com", TYPE_HTTPS);
    size_t at = svcb_begin(&s[2], TYPE_HTTPS, 12, 1, "");
    put_param(&s[2], 1, alpn_h2_h3, sizeof(alpn_h2_h3));
    put_param(&s[2], 4, v4hints, sizeof(v4hints));
    put_param(&s[2], 6, v6hint, sizeof(v6hint));
    rr_end(&s[2], at);
    at = svcb_begin(&s[2], TYPE_HTTPS, 12, 0, "alias.example.net");
    rr_end(&s[2], at);

    put_query(&s[3], 3, 1, 2, "a.example", TYPE_A);
    put_cname(&s[3], "", 12, 5, "b", 14);
    put_a(&s[3], "b.example", NO_PTR, 5, 192, 0, 2, 1);
    put_a(&s[3], "", 12, 5, 192, 0, 2, 2);
    size_t ns_at = rr_begin(&s[3], "", 14, TYPE_NS, 60);
    size_t ns = put_name(&s[3], "ns", 14);
    rr_end(&s[3], ns_at);
    put_a(&s[3], "", (long)ns, 60, 192, 0, 2, 53);
    at = rr_begin(&s[3], "", NO_PTR, TYPE_OPT, 0);
    rr_end(&s[3], at);

    put_query(&s[4], 3, 0, 0, "x.example", TYPE_SVCB);
    at = svcb_begin(&s[4], TYPE_SVCB, 12, 2, "y.example");
    put_param(&s[4], 4, v4hints, 4);
    rr_end(&s[4], at);
    put_cname(&s[4], "", 12, 5, "z", 14);
    put_aaaa(&s[4], "z.example", NO_PTR, 60, "2001:db8::9");

    put_query(&s[5], 2, 0, 0, "Mixed.Case.Example", TYPE_A);
    put_a(&s[5], "", 12, 1, 10, 1, 2, 3);
    put_a(&s[5], "mixed.case.example", NO_PTR, 1, 10, 1, 2, 4);
}

static const int sample_answers[SAMPLES] = {1, 3, 3, 2, 2, 2};

TEST(samples_parse)
{
    struct msg s[SAMPLES];
    build_samples(s);
    for (int i = 0; i < SAMPLES; i++) {
        struct answers r;
        CHECK_INT(parse(&s[i], &r), sample_answers[i]);
    }
}

TEST(every_prefix)
{
    struct msg s[SAMPLES];
    build_samples(s);
    for (int i = 0; i < SAMPLES; i++) {
        for (size_t n = 0; n <= s[i].len; n++) {
            struct answers r;
            memset(&r, 0, sizeof(r));
            int rc = parse_exact(s[i].b, n, collect, &r);
            if (n < 12)
                CHECK_INT(rc, DNS_ERR_TRUNCATED);
            CHECK(rc >= DNS_ERR_NO_QUESTION);
            CHECK(r.n <= sample_answers[i]);
            if (rc >= 0)
                CHECK_INT(rc, r.n);
        }
    }
}

struct mutation_check {
    long calls;
    int bad_names;
};

static void check_answer(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct mutation_check *mc = ctx;
    char norm[HOSTNAME_MAX + 1];
    size_t len = strlen(name);
    if (len == 0 || hostname_normalize(name, len, norm, sizeof(norm)) != len ||
        strcmp(norm, name) != 0 || ttl > INT32_MAX)
        mc->bad_names++;
    mc->calls++;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rng(void)
{
    /* xorshift64*: deterministic, so a failure is reproducible */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

TEST(random_mutations)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc0,
                                          0xff, 0x0c, 0x04, 0x10, 0x05, 0x41, 0x1c};
    struct msg s[SAMPLES];
    build_samples(s);
    long iterations = 300000, results[5] = {0};
    struct mutation_check mc = {0, 0};
    int bad_counts = 0;
    for (long it = 0; it < iterations; it++) {
        const struct msg *base = &s[rng() % SAMPLES];
        size_t len = base->len;
        uint8_t *buf = malloc(len);
        if (!buf)
            abort();
        memcpy(buf, base->b, len);
        int flips = 1 + (int)(rng() % 4);
        for (int f = 0; f < flips; f++) {
            size_t at = rng() % len;
            uint32_t how = rng() % 4;
            if (how == 0)
                buf[at] = (uint8_t)rng();
            else if (how == 1)
                buf[at] ^= (uint8_t)(1u << (rng() % 8));
            else if (how == 2)
                buf[at] = interesting[rng() % sizeof(interesting)];
            else if (at + 1 < len) { /* a pointer to somewhere */
                buf[at] = 0xc0;
                buf[at + 1] = (uint8_t)(rng() % len);
            }
        }
        /* Sometimes also cut the message short (the buffer stays exact). */
        size_t use = len;
        if (rng() % 8 == 0)
            use = rng() % (len + 1);
        uint8_t *cut = use ? malloc(use) : NULL;
        if (use && !cut)
            abort();
        if (use)
            memcpy(cut, buf, use);
        long before = mc.calls;
        int rc = dns_parse_response(cut, use, check_answer, &mc);
        if (rc >= 0 && rc != mc.calls - before)
            bad_counts++;
        results[rc >= 0 ? 0 : -rc]++;
        free(cut);
        free(buf);
    }
    CHECK_INT(mc.bad_names, 0);
    CHECK_INT(bad_counts, 0);
    CHECK_INT(results[0] + results[1] + results[2] + results[3] + results[4], iterations);
    fprintf(stderr,
            "random_mutations: %ld ok, %ld truncated, %ld malformed, %ld not response, "
            "%ld no question, %ld addresses\n",
            results[0], results[1], results[2], results[3], results[4], mc.calls);
}

TEST(large_message_bounded_work)
{
    /* 64 KiB of records whose owners each take the longest pointer chain
     * allowed: must still finish promptly (the alarm in main() guards it). */
    static uint8_t big[65535];
    struct msg m;
    put_query(&m, 0, 0, 0, "www.example.com", TYPE_A);
    size_t at = rr_begin(&m, "", 12, TYPE_NULL, 60);
    size_t rdata = m.len;
    put_ptr(&m, 12);
    for (int i = 1; i < 31; i++)
        put_ptr(&m, rdata + 2 * (size_t)(i - 1));
    rr_end(&m, at);
    memcpy(big, m.b, m.len);
    size_t len = m.len;
    /* One A record, its owner a pointer to p[30]: 32 jumps to the question. */
    struct msg a;
    a.len = 0;
    put_a(&a, "", (long)(rdata + 60), 60, 192, 0, 2, 1);
    unsigned records = 1;
    while (len + a.len <= sizeof(big)) {
        memcpy(big + len, a.b, a.len);
        len += a.len;
        records++;
    }
    big[6] = (uint8_t)(records >> 8);
    big[7] = (uint8_t)records;
    struct answers r;
    memset(&r, 0, sizeof(r));
    CHECK_INT(parse_exact(big, len, collect, &r), (int)records - 1);
}

int main(void)
{
    alarm(600); /* a hang is a failure, not a stuck CI job */
    RUN(simple_a_answer);
    RUN(aaaa_answer);
    RUN(several_a_records);
    RUN(cname_chain_reports_question_name);
    RUN(cname_chain_out_of_order);
    RUN(addresses_of_intermediate_names);
    RUN(compressed_names);
    RUN(unrelated_owners_ignored);
    RUN(additional_section_addresses);
    RUN(other_class_ignored);
    RUN(https_hints);
    RUN(svcb_service_mode_with_target);
    RUN(svcb_alias_mode);
    RUN(svcb_malformed_params_skip_record);
    RUN(uppercase_names_normalized);
    RUN(names_that_are_not_host_names);
    RUN(ttl_with_top_bit_is_zero);
    RUN(longest_name_accepted);
    RUN(query_is_not_response);
    RUN(nxdomain_is_not_response);
    RUN(other_opcode_is_not_response);
    RUN(question_count_not_one);
    RUN(error_names);
    RUN(zero_length_and_short_header);
    RUN(pointer_to_itself);
    RUN(two_pointer_cycle);
    RUN(forward_pointer);
    RUN(pointer_beyond_end);
    RUN(pointer_jump_limit);
    RUN(label_runs_past_end);
    RUN(reserved_label_types);
    RUN(name_longer_than_255);
    RUN(cname_loop);
    RUN(cname_chain_limit);
    RUN(counts_larger_than_records);
    RUN(rdlength_past_end);
    RUN(address_rdata_of_wrong_size_skipped);
    RUN(cname_rdata_disagrees_with_name);
    RUN(samples_parse);
    RUN(every_prefix);
    RUN(random_mutations);
    RUN(large_message_bounded_work);
    return test_report();
}
