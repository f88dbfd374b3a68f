/*
 * tls_hello.c - the server name and ALPN of a TLS ClientHello.
 *
 * One pass over the message with a cursor per nested vector: the handshake
 * body, then the extensions block, then each extension's data.  A vector's
 * length must fit the vector that holds it, and an inner vector must fill its
 * extension exactly: a ClientHello whose lengths disagree is reported as
 * malformed rather than read with a guess, since a guess is where a parser
 * and the server it stands beside start to see different names.  For the
 * same reason a second server_name (or ALPN) extension, or a second host_name
 * in the list, is malformed (RFC 8446 4.2 and RFC 6066 3 forbid both): a
 * sensor that took the first while the server took the last could be led to
 * file a flow under the wrong service.
 *
 * What is lenient: unknown extensions, GREASE code points and server_name
 * entries of an unknown type are skipped, as a server would; a server_name
 * extension with no data at all (which no client sends, but some servers
 * echo) counts as absent.
 *
 * Records (TCP): a ClientHello inside its first record, the usual case, is
 * parsed where it lies.  One that spans records is copied, record by record,
 * into the caller's scratch buffer until the handshake header's length is
 * there.  Record framing is checked as strictly as the message: every record
 * up to the end of the ClientHello must be a non-empty handshake record of
 * at most 2^14 bytes.
 */
#include "tls_hello.h"

#include <stdbool.h>
#include <string.h>

#include "cursor.h"

#define HANDSHAKE_CLIENT_HELLO 1
#define RECORD_HANDSHAKE       22
#define RECORD_HEADER_LEN      5
#define EXT_SERVER_NAME        0
#define EXT_ALPN               16
#define EXT_ECH                0xfe0d /* encrypted_client_hello */
#define SNI_HOST_NAME          0

/* Takes the next n bytes of c as a cursor of their own. */
static bool cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
    if (c->left < n)
        return false;
    *sub = cursor_make(c->p, n);
    c->p += n;
    c->left -= n;
    return true;
}

static bool cur_be24(struct cursor *c, uint32_t *v)
{
    uint8_t b[3];
    if (!cur_bytes(c, b, sizeof(b)))
        return false;
    *v = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
    return true;
}

/* A vector with a 1- or 2-byte length prefix, which must fit c. */
static bool cur_vec8(struct cursor *c, struct cursor *vec)
{
    uint8_t n;
    struct cursor save = *c;
    if (!cur_u8(c, &n) || !cur_sub(c, n, vec))
        return *c = save, false;
    return true;
}

static bool cur_vec16(struct cursor *c, struct cursor *vec)
{
    uint16_t n;
    struct cursor save = *c;
    if (!cur_be16(c, &n) || !cur_sub(c, n, vec))
        return *c = save, false;
    return true;
}

/* server_name (RFC 6066 3): ServerName server_name_list<1..2^16-1>, each a
 * name_type byte and a HostName<1..2^16-1>.  Returns false if malformed. */
static bool parse_server_name(struct cursor ext, struct tls_hello *out)
{
    struct cursor list;
    bool seen_host = false;

    if (ext.left == 0)
        return true;
    if (!cur_vec16(&ext, &list) || ext.left != 0 || list.left == 0)
        return false;
    while (list.left > 0) {
        uint8_t type;
        struct cursor name;
        if (!cur_u8(&list, &type) || !cur_vec16(&list, &name) || name.left == 0)
            return false;
        if (type != SNI_HOST_NAME)
            continue;
        if (seen_host)
            return false;
        seen_host = true;
        /* hostname_normalize() drops an HTTP ":port"; in a server_name a
         * colon means the name is not a host name at all. */
        if (memchr(name.p, ':', name.left))
            continue;
        hostname_normalize((const char *)name.p, name.left, out->sni, sizeof(out->sni));
    }
    return true;
}

/* ALPN (RFC 7301 3.1): ProtocolName protocol_name_list<2..2^16-1>, each
 * opaque<1..2^8-1>.  Returns false if malformed. */
static bool parse_alpn(struct cursor ext, struct tls_hello *out)
{
    struct cursor list;
    size_t used = 0;

    if (!cur_vec16(&ext, &list) || ext.left != 0 || list.left < 2)
        return false;
    while (list.left > 0) {
        struct cursor name;
        if (!cur_vec8(&list, &name) || name.left == 0)
            return false;
        bool printable = true;
        for (size_t i = 0; i < name.left; i++)
            if (name.p[i] < 0x21 || name.p[i] > 0x7e || name.p[i] == ',')
                printable = false;
        size_t need = name.left + (used > 0); /* the name and its separator */
        if (!printable || used + need >= sizeof(out->alpn))
            continue; /* keep checking the framing of the rest */
        if (used > 0)
            out->alpn[used++] = ',';
        memcpy(out->alpn + used, name.p, name.left);
        used += name.left;
        out->alpn[used] = '\0';
    }
    return true;
}

enum tls_hello_status tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *out)
{
    struct cursor c = cursor_make(msg, len), body, ext_block;
    uint8_t type;
    uint32_t body_len;
    uint16_t version;

    out->sni[0] = '\0';
    out->alpn[0] = '\0';
    out->msg_len = 0;
    out->ech = false;

    if (!cur_u8(&c, &type))
        return TLS_HELLO_NEED_MORE;
    if (type != HANDSHAKE_CLIENT_HELLO)
        return TLS_HELLO_MALFORMED;
    if (!cur_be24(&c, &body_len))
        return TLS_HELLO_NEED_MORE;
    if (body_len > TLS_HELLO_BODY_MAX)
        return TLS_HELLO_MALFORMED;
    out->msg_len = 4 + (size_t)body_len;
    if (!cur_sub(&c, body_len, &body))
        return TLS_HELLO_NEED_MORE;

    /* legacy_version is 0x0303 in TLS 1.3; anything not 3.x is not TLS. */
    struct cursor vec;
    if (!cur_be16(&body, &version) || version >> 8 != 3 || !cur_skip(&body, 32))
        goto malformed;
    if (!cur_vec8(&body, &vec) || vec.left > 32) /* legacy_session_id */
        goto malformed;
    if (!cur_vec16(&body, &vec) || vec.left < 2 || vec.left % 2 != 0) /* cipher_suites */
        goto malformed;
    if (!cur_vec8(&body, &vec) || vec.left < 1) /* legacy_compression_methods */
        goto malformed;
    if (body.left == 0) /* TLS 1.2 and earlier may end here */
        return TLS_HELLO_NO_SNI;
    if (!cur_vec16(&body, &ext_block) || body.left != 0)
        goto malformed;

    bool seen_sni = false, seen_alpn = false;
    while (ext_block.left > 0) {
        uint16_t ext_type;
        struct cursor ext;
        if (!cur_be16(&ext_block, &ext_type) || !cur_vec16(&ext_block, &ext))
            goto malformed;
        if (ext_type == EXT_SERVER_NAME) {
            if (seen_sni || !parse_server_name(ext, out))
                goto malformed;
            seen_sni = true;
        } else if (ext_type == EXT_ALPN) {
            if (seen_alpn || !parse_alpn(ext, out))
                goto malformed;
            seen_alpn = true;
        } else if (ext_type == EXT_ECH) {
            out->ech = true;
        }
    }
    return out->sni[0] ? TLS_HELLO_FOUND : TLS_HELLO_NO_SNI;

malformed:
    out->sni[0] = '\0';
    out->alpn[0] = '\0';
    out->msg_len = 0;
    out->ech = false;
    return TLS_HELLO_MALFORMED;
}

/* Checks the record header at c (all or part of it): false if what is there
 * cannot start a handshake record. */
static bool record_header_ok(struct cursor c)
{
    uint8_t type, major;
    if (cur_peek_u8(&c, 0, &type) && type != RECORD_HANDSHAKE)
        return false;
    if (cur_peek_u8(&c, 1, &major) && major != 3)
        return false;
    return true;
}

enum tls_hello_status tls_hello_from_records(const uint8_t *stream, size_t len, uint8_t *scratch,
                                             size_t scratch_size, struct tls_hello *out)
{
    struct cursor c = cursor_make(stream, len);
    size_t gathered = 0;
    enum tls_hello_status st;

    out->sni[0] = '\0';
    out->alpn[0] = '\0';
    out->msg_len = 0;
    out->ech = false;

    for (;;) {
        uint16_t rec_len;
        if (!record_header_ok(c))
            return TLS_HELLO_MALFORMED;
        if (c.left < RECORD_HEADER_LEN)
            return TLS_HELLO_NEED_MORE;
        cur_skip(&c, 3);
        cur_be16(&c, &rec_len);
        if (rec_len == 0 || rec_len > TLS_RECORD_MAX)
            return TLS_HELLO_MALFORMED;
        bool partial = c.left < rec_len; /* the record goes on past what we have */
        size_t have = partial ? c.left : rec_len;

        if (gathered == 0) {
            /* The usual case: the whole message in its first record. */
            st = tls_hello_parse(c.p, have, out);
            if (st != TLS_HELLO_NEED_MORE)
                return st;
            if (partial)
                return TLS_HELLO_NEED_MORE;
            if (out->msg_len > scratch_size)
                return TLS_HELLO_TOO_LONG;
        }
        /* Only the bytes up to the message's end matter; the rest of this
         * record may be the next handshake message. */
        size_t take = have;
        if (out->msg_len > 0 && take > out->msg_len - gathered)
            take = out->msg_len - gathered;
        if (take > scratch_size - gathered)
            return TLS_HELLO_TOO_LONG; /* header still incomplete and scratch full */
        if (take > 0)
            memcpy(scratch + gathered, c.p, take);
        gathered += take;
        st = tls_hello_parse(scratch, gathered, out);
        if (st != TLS_HELLO_NEED_MORE)
            return st;
        if (out->msg_len > scratch_size)
            return TLS_HELLO_TOO_LONG;
        if (partial)
            return TLS_HELLO_NEED_MORE;
        cur_skip(&c, rec_len);
    }
}

const char *tls_hello_status_name(enum tls_hello_status status)
{
    switch (status) {
    case TLS_HELLO_FOUND:
        return "found";
    case TLS_HELLO_NO_SNI:
        return "no-sni";
    case TLS_HELLO_NEED_MORE:
        return "need-more";
    case TLS_HELLO_MALFORMED:
        return "malformed";
    case TLS_HELLO_TOO_LONG:
        return "too-long";
    }
    return "unknown";
}
