/*
 * test_tls_hello.c - ClientHello parsing: server name, ALPN, reassembly across
 * TLS records, and hostile messages.
 *
 * ClientHellos are built byte by byte with the builder below, so each test
 * shows the layout it exercises.  Truncated and mutated inputs are parsed
 * from heap buffers of exactly their size, so that AddressSanitizer sees any
 * read past the end.
 */
#include "tls_hello.h"

#include <stdlib.h>

#include "test.h"

/* --- builder ------------------------------------------------------------------ */

struct msg {
    uint8_t b[140000];
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

static void put_bytes(struct msg *m, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(m, ((const uint8_t *)p)[i]);
}

static void put_str(struct msg *m, const char *s)
{
    put_bytes(m, s, strlen(s));
}

/* Opens a length field of n bytes, to be filled by close_len(). */
static size_t open_len(struct msg *m, unsigned n)
{
    size_t at = m->len;
    for (unsigned i = 0; i < n; i++)
        put8(m, 0);
    return at;
}

static void close_len(struct msg *m, size_t at, unsigned n)
{
    size_t v = m->len - at - n;
    for (unsigned i = 0; i < n; i++)
        m->b[at + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* The fixed part of a ClientHello up to (not including) the extensions. */
static size_t hello_begin(struct msg *m)
{
    put8(m, 1); /* client_hello */
    size_t body = open_len(m, 3);
    put16(m, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(m, 0x40 + i); /* random */
    put8(m, 32);           /* legacy_session_id */
    for (int i = 0; i < 32; i++)
        put8(m, 0xe0 + (i & 15));
    put16(m, 6); /* cipher_suites, one GREASE */
    put16(m, 0x3a3a);
    put16(m, 0x1301);
    put16(m, 0x1302);
    put8(m, 1); /* compression: null */
    put8(m, 0);
    return body;
}

static void ext_sni(struct msg *m, const char *name)
{
    put16(m, 0); /* server_name */
    size_t ext = open_len(m, 2);
    size_t list = open_len(m, 2);
    put8(m, 0); /* host_name */
    size_t n = open_len(m, 2);
    put_str(m, name);
    close_len(m, n, 2);
    close_len(m, list, 2);
    close_len(m, ext, 2);
}

/* names: NUL-separated, ending with an empty name. */
static void ext_alpn(struct msg *m, const char *names)
{
    put16(m, 16);
    size_t ext = open_len(m, 2);
    size_t list = open_len(m, 2);
    for (const char *p = names; *p; p += strlen(p) + 1) {
        put8(m, (unsigned)strlen(p));
        put_str(m, p);
    }
    close_len(m, list, 2);
    close_len(m, ext, 2);
}

static void ext_opaque(struct msg *m, unsigned type, size_t len, uint8_t fill)
{
    put16(m, type);
    put16(m, (unsigned)len);
    for (size_t i = 0; i < len; i++)
        put8(m, fill);
}

/* A typical modern ClientHello: GREASE, supported_versions, a key share of
 * key_share_len bytes, the server name, ALPN. */
static void build_hello(struct msg *m, const char *sni, size_t key_share_len)
{
    m->len = 0;
    size_t body = hello_begin(m);
    size_t exts = open_len(m, 2);
    ext_opaque(m, 0x0a0a, 0, 0);            /* GREASE, empty */
    ext_opaque(m, 43, 3, 0x03);             /* supported_versions (contents irrelevant) */
    ext_opaque(m, 51, key_share_len, 0x5a); /* key_share */
    if (sni)
        ext_sni(m, sni);
    ext_alpn(m, "h2\0http/1.1\0");
    ext_opaque(m, 0xfafa, 1, 0); /* GREASE, one byte */
    close_len(m, exts, 2);
    close_len(m, body, 3);
}

/* Parses a heap copy of exactly len bytes. */
static enum tls_hello_status parse_exact(const uint8_t *p, size_t len, struct tls_hello *out)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum tls_hello_status st = tls_hello_parse(copy, len, out);
    free(copy);
    return st;
}

/* Wraps m in TLS records, cutting the message after each offset in cuts[]. */
static void wrap_records(const struct msg *m, const size_t *cuts, size_t ncuts, struct msg *out)
{
    size_t from = 0;
    out->len = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : m->len;
        put8(out, 22);
        put16(out, 0x0301);
        put16(out, (unsigned)(to - from));
        put_bytes(out, m->b + from, to - from);
        from = to;
    }
}

static struct msg m, r;

/* --- ClientHello -------------------------------------------------------------- */

TEST(sni_found)
{
    struct tls_hello h;
    build_hello(&m, "Www.Example.COM.", 32);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "www.example.com");
    CHECK_STR(h.alpn, "h2,http/1.1");
    CHECK_INT(h.msg_len, m.len);
}

/* encrypted_client_hello (0xfe0d): the outer SNI is the ECH provider's, and
 * the reader says so. */
TEST(ech_extension_seen)
{
    struct tls_hello h;
    build_hello(&m, "cloudflare-ech.com", 32);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK(!h.ech);
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    ext_sni(&m, "cloudflare-ech.com");
    ext_opaque(&m, 0xfe0d, 90, 0x11); /* outer ECH: config id, enc, payload */
    ext_alpn(&m, "h2\0");
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK(h.ech);
    CHECK_STR(h.sni, "cloudflare-ech.com");
    /* cut short: no verdict, and no ECH claimed */
    CHECK_INT(tls_hello_parse(m.b, m.len - 10, &h), TLS_HELLO_NEED_MORE);
    CHECK(!h.ech);
}

TEST(no_extensions_at_all)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
    CHECK_STR(h.sni, "");
    CHECK_STR(h.alpn, "");
    CHECK_INT(h.msg_len, m.len);
}

TEST(extensions_without_sni)
{
    struct tls_hello h;
    build_hello(&m, NULL, 1216 + 32);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
    CHECK_STR(h.sni, "");
    CHECK_STR(h.alpn, "h2,http/1.1");
}

TEST(empty_extension_block)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    put16(&m, 0);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
}

TEST(sni_first_and_last)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    ext_sni(&m, "first.example");
    ext_opaque(&m, 51, 100, 1);
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "first.example");

    m.len = 0;
    body = hello_begin(&m);
    exts = open_len(&m, 2);
    ext_opaque(&m, 51, 100, 1);
    ext_opaque(&m, 0x2a2a, 0, 0);
    ext_sni(&m, "last.example");
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "last.example");
}

TEST(grease_everywhere)
{
    /* RFC 8701 values in cipher suites, extension types, ALPN. */
    struct tls_hello h;
    static const unsigned grease[] = {0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a,
                                      0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba,
                                      0xcaca, 0xdada, 0xeaea, 0xfafa};
    m.len = 0;
    put8(&m, 1);
    size_t body = open_len(&m, 3);
    put16(&m, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(&m, 0);
    put8(&m, 0);
    put16(&m, 2 * 16);
    for (int i = 0; i < 16; i++)
        put16(&m, grease[i]);
    put8(&m, 1);
    put8(&m, 0);
    size_t exts = open_len(&m, 2);
    for (int i = 0; i < 16; i++)
        ext_opaque(&m, grease[i], (size_t)i, (uint8_t)grease[i]);
    ext_sni(&m, "grease.example");
    ext_alpn(&m, "\x3a\x3a\0h3\0");
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "grease.example");
    CHECK_STR(h.alpn, "::,h3");
}

TEST(alpn_names_filtered_and_bounded)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    ext_sni(&m, "a.example");
    /* a name with a space, one with a comma, one with a high byte: left out */
    ext_alpn(&m, "h3\0bad name\0a,b\0\xff\xfe\0http/1.1\0"
                 "0123456789012345678901234567890123456789\0"
                 "this-one-no-longer-fits-in-64-bytes\0x\0");
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.alpn, "h3,http/1.1,0123456789012345678901234567890123456789,x");
    CHECK(strlen(h.alpn) < TLS_HELLO_ALPN_MAX);
}

TEST(server_name_entries_of_other_types_skipped)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    put16(&m, 0);
    size_t ext = open_len(&m, 2);
    size_t list = open_len(&m, 2);
    put8(&m, 7); /* an unknown name type */
    put16(&m, 3);
    put_str(&m, "xyz");
    put8(&m, 0);
    put16(&m, 11);
    put_str(&m, "example.net");
    close_len(&m, list, 2);
    close_len(&m, ext, 2);
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "example.net");
}

TEST(names_that_are_not_host_names)
{
    static const char *const bad[] = {
        "exa mple.com",         "a..b",  "example.com:443", ".", "ex\x01mple.com",
        "\xc3\xa9t\xc3\xa9.fr", "[::1]", "under_score..x"};
    struct tls_hello h;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        build_hello(&m, bad[i], 32);
        CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
        CHECK_STR(h.sni, "");
    }
    /* A NUL inside the name must not cut it short into a valid one. */
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    put16(&m, 0);
    put16(&m, 2 + 1 + 2 + 13);
    put16(&m, 1 + 2 + 13);
    put8(&m, 0);
    put16(&m, 13);
    put_bytes(&m, "good.com\0evil", 13);
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);

    /* Longest acceptable name, and one byte over. */
    char name[300];
    memset(name, 'a', sizeof(name));
    for (int i = 63; i < 253; i += 64)
        name[i] = '.';
    name[253] = '\0';
    build_hello(&m, name, 32);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_INT(strlen(h.sni), 253);
    name[253] = 'a';
    name[254] = '\0';
    build_hello(&m, name, 32);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
}

TEST(empty_server_name_extension_is_absent)
{
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    ext_opaque(&m, 0, 0, 0);
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_NO_SNI);
}

TEST(bytes_after_the_message_ignored)
{
    struct tls_hello h;
    build_hello(&m, "after.example", 32);
    size_t len = m.len;
    put_bytes(&m, "\x02\x00\x00\x10garbage", 11);
    CHECK_INT(tls_hello_parse(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "after.example");
    CHECK_INT(h.msg_len, len);
}

TEST(truncated_at_every_length)
{
    struct tls_hello h;
    build_hello(&m, "trunc.example", 1216);
    for (size_t len = 0; len < m.len; len++) {
        enum tls_hello_status st = parse_exact(m.b, len, &h);
        CHECK_INT(st, TLS_HELLO_NEED_MORE);
        CHECK_INT(h.msg_len, len >= 4 ? m.len : 0);
        CHECK_STR(h.sni, "");
        if (st != TLS_HELLO_NEED_MORE)
            break;
    }
    CHECK_INT(parse_exact(m.b, m.len, &h), TLS_HELLO_FOUND);
}

/* Builds the hello, lets edit() spoil it, and expects MALFORMED. */
static void expect_malformed(const char *what, void (*edit)(struct msg *))
{
    struct tls_hello h;
    build_hello(&m, "x.example", 32);
    edit(&m);
    enum tls_hello_status st = parse_exact(m.b, m.len, &h);
    if (st != TLS_HELLO_MALFORMED)
        TEST_FAIL_AT(__FILE__, __LINE__, "%s: status %s", what, tls_hello_status_name(st));
    test_checks++;
    CHECK_STR(h.sni, "");
}

/* Offsets in build_hello()'s output. */
#define OFF_VERSION  4
#define OFF_SID_LEN  (4 + 2 + 32)
#define OFF_CS_LEN   (OFF_SID_LEN + 1 + 32)
#define OFF_COMP_LEN (OFF_CS_LEN + 2 + 6)
#define OFF_EXT_LEN  (OFF_COMP_LEN + 1 + 1)
#define OFF_EXT0     (OFF_EXT_LEN + 2)

static void set_body_len(struct msg *x, size_t v)
{
    x->b[1] = (uint8_t)(v >> 16);
    x->b[2] = (uint8_t)(v >> 8);
    x->b[3] = (uint8_t)v;
}
static void e_type(struct msg *x)
{
    x->b[0] = 2;
}
static void e_body_huge(struct msg *x)
{
    set_body_len(x, 0xffffff);
}
static void e_body_short(struct msg *x)
{
    /* declares fewer bytes than its fields need: they overrun the body */
    set_body_len(x, x->len - 4 - 10);
    x->len -= 10;
}
static void e_version(struct msg *x)
{
    x->b[OFF_VERSION] = 2;
}
static void e_session_id(struct msg *x)
{
    x->b[OFF_SID_LEN] = 33;
}
static void e_cipher_odd(struct msg *x)
{
    x->b[OFF_CS_LEN + 1] = 5;
}
static void e_cipher_empty(struct msg *x)
{
    x->b[OFF_CS_LEN + 1] = 0;
}
static void e_compression_empty(struct msg *x)
{
    x->b[OFF_COMP_LEN] = 0;
}
static void e_ext_block_long(struct msg *x)
{
    x->b[OFF_EXT_LEN + 1]++;
}
static void e_ext_block_short(struct msg *x)
{
    x->b[OFF_EXT_LEN + 1]--; /* leaves a byte after the extensions */
}
static void e_first_ext_long(struct msg *x)
{
    x->b[OFF_EXT0 + 3] = 0xff; /* the GREASE extension now overruns the block */
}
static void e_trailing_byte(struct msg *x)
{
    put8(x, 0);
    set_body_len(x, x->len - 4);
}

/* For the server_name and ALPN edits: find the server_name extension. */
static size_t find_ext(const struct msg *x, unsigned type)
{
    size_t at = OFF_EXT0;
    while (at + 4 <= x->len) {
        unsigned t = (unsigned)x->b[at] << 8 | x->b[at + 1];
        unsigned n = (unsigned)x->b[at + 2] << 8 | x->b[at + 3];
        if (t == type)
            return at;
        at += 4 + n;
    }
    abort();
}
static void e_sni_list_long(struct msg *x)
{
    x->b[find_ext(x, 0) + 5]++;
}
static void e_sni_list_short(struct msg *x)
{
    x->b[find_ext(x, 0) + 5]--;
}
static void e_sni_name_long(struct msg *x)
{
    x->b[find_ext(x, 0) + 8]++;
}
static void e_sni_name_empty(struct msg *x)
{
    /* list: one host_name of length 0 */
    size_t at = find_ext(x, 0);
    uint8_t *p = x->b + at;
    size_t old = 4 + ((size_t)p[2] << 8 | p[3]);
    static const uint8_t ext[] = {0, 0, 0, 5, 0, 3, 0, 0, 0};
    memmove(p + sizeof(ext), p + old, x->len - at - old);
    memcpy(p, ext, sizeof(ext));
    x->len = x->len - old + sizeof(ext);
    size_t exts = x->len - OFF_EXT0;
    x->b[OFF_EXT_LEN] = (uint8_t)(exts >> 8);
    x->b[OFF_EXT_LEN + 1] = (uint8_t)exts;
    set_body_len(x, x->len - 4);
}
static void e_sni_list_empty(struct msg *x)
{
    size_t at = find_ext(x, 0);
    uint8_t *p = x->b + at;
    size_t old = 4 + ((size_t)p[2] << 8 | p[3]);
    static const uint8_t ext[] = {0, 0, 0, 2, 0, 0};
    memmove(p + sizeof(ext), p + old, x->len - at - old);
    memcpy(p, ext, sizeof(ext));
    x->len = x->len - old + sizeof(ext);
    size_t exts = x->len - OFF_EXT0;
    x->b[OFF_EXT_LEN] = (uint8_t)(exts >> 8);
    x->b[OFF_EXT_LEN + 1] = (uint8_t)exts;
    set_body_len(x, x->len - 4);
}
static void append_ext(struct msg *x, void (*add)(struct msg *))
{
    add(x);
    size_t exts = x->len - OFF_EXT0;
    x->b[OFF_EXT_LEN] = (uint8_t)(exts >> 8);
    x->b[OFF_EXT_LEN + 1] = (uint8_t)exts;
    set_body_len(x, x->len - 4);
}
static void add_sni_other(struct msg *x)
{
    ext_sni(x, "other.example");
}
static void e_sni_twice(struct msg *x)
{
    append_ext(x, add_sni_other);
}
static void add_alpn(struct msg *x)
{
    ext_alpn(x, "h3\0");
}
static void e_alpn_twice(struct msg *x)
{
    append_ext(x, add_alpn);
}
static void add_two_host_names(struct msg *x)
{
    put16(x, 0);
    size_t ext = open_len(x, 2);
    size_t list = open_len(x, 2);
    put8(x, 0);
    put16(x, 1);
    put8(x, 'a');
    put8(x, 0);
    put16(x, 1);
    put8(x, 'b');
    close_len(x, list, 2);
    close_len(x, ext, 2);
}
static void e_two_host_names(struct msg *x)
{
    /* replace the SNI extension: simplest is to build anew */
    x->len = 0;
    size_t body = hello_begin(x);
    size_t exts = open_len(x, 2);
    add_two_host_names(x);
    close_len(x, exts, 2);
    close_len(x, body, 3);
}
static void e_alpn_empty_name(struct msg *x)
{
    x->b[find_ext(x, 16) + 6] = 0; /* first name's length: 0 */
}
static void e_alpn_name_long(struct msg *x)
{
    x->b[find_ext(x, 16) + 6] = 200;
}
static void e_alpn_list_tiny(struct msg *x)
{
    size_t at = find_ext(x, 16);
    x->b[at + 3] = 3; /* extension of 3 bytes: a list length and one byte */
    x->b[at + 4] = 0;
    x->b[at + 5] = 1;
    /* the rest of the old ALPN data now reads as extensions: make sure it is
     * the list length mismatch that is caught, by cutting the message here */
    x->len = at + 7;
    size_t exts = x->len - OFF_EXT0;
    x->b[OFF_EXT_LEN] = (uint8_t)(exts >> 8);
    x->b[OFF_EXT_LEN + 1] = (uint8_t)exts;
    set_body_len(x, x->len - 4);
}

TEST(malformed_messages)
{
    expect_malformed("handshake type", e_type);
    expect_malformed("body length over the maximum", e_body_huge);
    expect_malformed("fields overrun the body", e_body_short);
    expect_malformed("legacy_version", e_version);
    expect_malformed("session id over 32", e_session_id);
    expect_malformed("odd cipher_suites length", e_cipher_odd);
    expect_malformed("empty cipher_suites", e_cipher_empty);
    expect_malformed("empty compression_methods", e_compression_empty);
    expect_malformed("extension block overruns", e_ext_block_long);
    expect_malformed("byte after extension block", e_ext_block_short);
    expect_malformed("extension overruns block", e_first_ext_long);
    expect_malformed("trailing byte", e_trailing_byte);
    expect_malformed("server_name list overruns", e_sni_list_long);
    expect_malformed("server_name list short", e_sni_list_short);
    expect_malformed("host_name overruns", e_sni_name_long);
    expect_malformed("empty host_name", e_sni_name_empty);
    expect_malformed("empty server_name list", e_sni_list_empty);
    expect_malformed("server_name twice", e_sni_twice);
    expect_malformed("ALPN twice", e_alpn_twice);
    expect_malformed("two host_names", e_two_host_names);
    expect_malformed("empty ALPN name", e_alpn_empty_name);
    expect_malformed("ALPN name overruns", e_alpn_name_long);
    expect_malformed("ALPN list under 2 bytes", e_alpn_list_tiny);
}

TEST(declared_length_limits)
{
    struct tls_hello h;
    uint8_t hdr[4] = {1, 0x02, 0x01, 0x44}; /* TLS_HELLO_BODY_MAX == 131396 == 0x020144 */
    CHECK_INT(TLS_HELLO_BODY_MAX, 0x020144);
    CHECK_INT(parse_exact(hdr, 4, &h), TLS_HELLO_NEED_MORE);
    CHECK_INT(h.msg_len, 4 + TLS_HELLO_BODY_MAX);
    hdr[3] = 0x45;
    CHECK_INT(parse_exact(hdr, 4, &h), TLS_HELLO_MALFORMED);
    CHECK_INT(h.msg_len, 0);
    /* A type byte alone is enough to refuse. */
    CHECK_INT(parse_exact((const uint8_t *)"\x16", 1, &h), TLS_HELLO_MALFORMED);
    CHECK_INT(parse_exact((const uint8_t *)"\x01", 1, &h), TLS_HELLO_NEED_MORE);
    CHECK_INT(tls_hello_parse(NULL, 0, &h), TLS_HELLO_NEED_MORE);
}

TEST(largest_hello)
{
    /* Extensions filling their 16-bit block: still parsed, in one piece. */
    struct tls_hello h;
    m.len = 0;
    size_t body = hello_begin(&m);
    size_t exts = open_len(&m, 2);
    ext_sni(&m, "big.example");
    ext_opaque(&m, 51, 65535 - 4 - (m.len - exts - 2) - 4, 7);
    close_len(&m, exts, 2);
    close_len(&m, body, 3);
    CHECK_INT(m.b[OFF_EXT_LEN] << 8 | m.b[OFF_EXT_LEN + 1], 65535 - 4);
    CHECK_INT(parse_exact(m.b, m.len, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "big.example");
}

/* --- records -------------------------------------------------------------------- */

static enum tls_hello_status records_exact(const struct msg *x, size_t len, size_t scratch_size,
                                           struct tls_hello *h)
{
    uint8_t *copy = malloc(len ? len : 1);
    uint8_t *scratch = scratch_size ? malloc(scratch_size) : NULL;
    memcpy(copy, x->b, len);
    enum tls_hello_status st = tls_hello_from_records(copy, len, scratch, scratch_size, h);
    free(copy);
    free(scratch);
    return st;
}

TEST(one_record)
{
    struct tls_hello h;
    build_hello(&m, "tcp.example", 32);
    wrap_records(&m, NULL, 0, &r);
    CHECK_INT(records_exact(&r, r.len, 0, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "tcp.example");
    CHECK_STR(h.alpn, "h2,http/1.1");
    /* followed by application data, and by a second record: both ignored */
    put_bytes(&r, "\x17\x03\x03\x00\x02hi", 7);
    CHECK_INT(records_exact(&r, r.len, 0, &h), TLS_HELLO_FOUND);
}

TEST(hello_split_across_two_records)
{
    struct tls_hello h;
    build_hello(&m, "split.example", 1216 + 32);
    /* every cut point, including inside the 4-byte handshake header */
    for (size_t cut = 1; cut < m.len; cut++) {
        wrap_records(&m, &cut, 1, &r);
        enum tls_hello_status st = records_exact(&r, r.len, 16384, &h);
        CHECK_INT(st, TLS_HELLO_FOUND);
        if (st != TLS_HELLO_FOUND) {
            fprintf(stderr, "  cut at %zu\n", cut);
            break;
        }
        CHECK_STR(h.sni, "split.example");
    }
}

TEST(hello_over_many_records)
{
    struct tls_hello h;
    size_t cuts[64];
    build_hello(&m, "many.example", 3000);
    size_t n = 0;
    for (size_t at = 7; at < m.len && n < 64; at += 7 + n * 13)
        cuts[n++] = at;
    wrap_records(&m, cuts, n, &r);
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_FOUND);
    CHECK_STR(h.sni, "many.example");
    /* one byte per record for the first 100 bytes */
    for (n = 0; n < 64; n++)
        cuts[n] = n + 1;
    wrap_records(&m, cuts, 64, &r);
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_FOUND);
}

TEST(records_every_prefix)
{
    struct tls_hello h;
    size_t cut = 700;
    build_hello(&m, "prefix.example", 1216 + 32);
    wrap_records(&m, &cut, 1, &r);
    for (size_t len = 0; len < r.len; len++) {
        enum tls_hello_status st = records_exact(&r, len, 16384, &h);
        CHECK_INT(st, TLS_HELLO_NEED_MORE);
        if (st != TLS_HELLO_NEED_MORE) {
            fprintf(stderr, "  prefix of %zu\n", len);
            break;
        }
    }
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_FOUND);
}

TEST(record_framing_errors)
{
    struct tls_hello h;
    size_t cut = 300;
    build_hello(&m, "frame.example", 1000);

    wrap_records(&m, NULL, 0, &r);
    r.b[0] = 23; /* application data first */
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);
    CHECK_INT(records_exact(&r, 1, 16384, &h), TLS_HELLO_MALFORMED);
    r.b[0] = 22;
    r.b[1] = 2; /* SSL 2 / not TLS */
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);
    CHECK_INT(records_exact(&r, 2, 16384, &h), TLS_HELLO_MALFORMED);

    /* an alert between the two fragments */
    wrap_records(&m, &cut, 1, &r);
    r.b[5 + 300] = 21;
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);

    /* an empty handshake record */
    r.len = 0;
    put_bytes(&r, "\x16\x03\x01\x00\x00", 5);
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);

    /* a record over 2^14 */
    r.len = 0;
    put_bytes(&r, "\x16\x03\x01\x40\x01", 5);
    put_bytes(&r, m.b, m.len);
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);

    /* the message inside is not a ClientHello */
    build_hello(&m, "frame.example", 100);
    m.b[0] = 2;
    wrap_records(&m, NULL, 0, &r);
    CHECK_INT(records_exact(&r, r.len, 16384, &h), TLS_HELLO_MALFORMED);
}

TEST(scratch_too_small)
{
    struct tls_hello h;
    size_t cut = 500;
    build_hello(&m, "small.example", 2000);
    wrap_records(&m, &cut, 1, &r);
    CHECK_INT(records_exact(&r, r.len, 0, &h), TLS_HELLO_TOO_LONG);
    CHECK_INT(records_exact(&r, r.len, m.len - 1, &h), TLS_HELLO_TOO_LONG);
    CHECK_INT(records_exact(&r, r.len, m.len, &h), TLS_HELLO_FOUND);
    /* known early: the first record already tells the length */
    CHECK_INT(records_exact(&r, 5 + 500, 1000, &h), TLS_HELLO_TOO_LONG);
    /* a cut inside the handshake header, scratch too small for even that */
    cut = 2;
    wrap_records(&m, &cut, 1, &r);
    CHECK_INT(records_exact(&r, r.len, 1, &h), TLS_HELLO_TOO_LONG);
    CHECK_INT(records_exact(&r, r.len, m.len, &h), TLS_HELLO_FOUND);
}

/* --- hostile input --------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

TEST(random_mutations)
{
    struct tls_hello h;
    struct msg *orig = malloc(sizeof(*orig));
    unsigned found = 0, other = 0;
    build_hello(orig, "mutant.example", 600);
    for (int iter = 0; iter < 20000; iter++) {
        m = *orig;
        int flips = 1 + (int)(rng() % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = rng() % m.len;
            if (rng() % 2)
                m.b[at] ^= (uint8_t)(1u << (rng() % 8));
            else
                m.b[at] = (uint8_t)rng();
        }
        size_t len = rng() % 8 ? m.len : rng() % (m.len + 1);
        enum tls_hello_status st = parse_exact(m.b, len, &h);
        CHECK(st <= TLS_HELLO_MALFORMED);
        CHECK(strlen(h.sni) <= HOSTNAME_MAX && strlen(h.alpn) < TLS_HELLO_ALPN_MAX);
        CHECK(st == TLS_HELLO_FOUND || h.sni[0] == '\0');
        if (st == TLS_HELLO_FOUND)
            found++;
        else
            other++;
        /* the same bytes through the record layer, cut in two */
        size_t cut = 1 + rng() % (m.len - 1);
        wrap_records(&m, &cut, 1, &r);
        if (rng() % 4 == 0)
            r.b[rng() % r.len] ^= (uint8_t)rng();
        st = records_exact(&r, rng() % 8 ? r.len : rng() % (r.len + 1), 4096, &h);
        CHECK(st <= TLS_HELLO_TOO_LONG);
    }
    CHECK(found > 0 && other > 0);
    free(orig);
}

TEST(random_bytes)
{
    struct tls_hello h;
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rng() % 300;
        for (size_t i = 0; i < len; i++)
            m.b[i] = (uint8_t)rng();
        /* a plausible start more often than chance gives one */
        if (len >= 4 && rng() % 2) {
            m.b[0] = 1;
            m.b[1] = 0;
            m.b[2] = (uint8_t)((len - 4) >> 8);
            m.b[3] = (uint8_t)(len - 4);
        }
        enum tls_hello_status st = parse_exact(m.b, len, &h);
        CHECK(st <= TLS_HELLO_MALFORMED);
        r.len = 0;
        put_bytes(&r, "\x16\x03\x01", 3);
        put16(&r, (unsigned)len);
        put_bytes(&r, m.b, len);
        st = records_exact(&r, r.len, 512, &h);
        CHECK(st <= TLS_HELLO_TOO_LONG);
    }
}

int main(void)
{
    RUN(sni_found);
    RUN(ech_extension_seen);
    RUN(no_extensions_at_all);
    RUN(extensions_without_sni);
    RUN(empty_extension_block);
    RUN(sni_first_and_last);
    RUN(grease_everywhere);
    RUN(alpn_names_filtered_and_bounded);
    RUN(server_name_entries_of_other_types_skipped);
    RUN(names_that_are_not_host_names);
    RUN(empty_server_name_extension_is_absent);
    RUN(bytes_after_the_message_ignored);
    RUN(truncated_at_every_length);
    RUN(malformed_messages);
    RUN(declared_length_limits);
    RUN(largest_hello);
    RUN(one_record);
    RUN(hello_split_across_two_records);
    RUN(hello_over_many_records);
    RUN(records_every_prefix);
    RUN(record_framing_errors);
    RUN(scratch_too_small);
    RUN(random_mutations);
    RUN(random_bytes);
    return test_report();
}
