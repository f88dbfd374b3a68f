/*
 * tls_hello.h - read the server name out of a TLS ClientHello.
 *
 * The ClientHello is the one message of a TLS or QUIC handshake that names the
 * server in clear: the server_name extension (RFC 6066 3), and with it the
 * application protocols the client offers (ALPN, RFC 7301).  Both come from
 * whoever sent the packet: every length is checked against the bytes that
 * hold it, and the name is normalized (hostname.h) before it is returned.
 *
 * Two entry points:
 *  - tls_hello_parse() reads one handshake message, as carried in a QUIC
 *    CRYPTO stream or after the 5-byte record header of TLS over TCP;
 *  - tls_hello_from_records() reads the first bytes a TCP client sent (TLS
 *    records) and gathers a ClientHello that spans several records.
 *
 * A parse that is short of bytes says so (TLS_HELLO_NEED_MORE) and, once the
 * 4-byte handshake header is there, how long the whole message is, so that a
 * caller can keep reassembling until it has it.  Nothing is allocated.
 */
#ifndef SHADOWTAP_TLS_HELLO_H
#define SHADOWTAP_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

/* The largest ClientHello body the TLS vectors can frame: version, random,
 * session_id<0..32>, cipher_suites<2..2^16-2>, compression_methods<1..2^8-1>,
 * extensions<0..2^16-1>.  A header declaring more is not a ClientHello. */
#define TLS_HELLO_BODY_MAX (2 + 32 + 1 + 32 + 2 + 65534 + 1 + 255 + 2 + 65535)

/* Room for the offered ALPN protocol names, comma-separated ("h2,http/1.1"). */
#define TLS_HELLO_ALPN_MAX 64

#define TLS_RECORD_MAX 16384 /* largest TLSPlaintext fragment (RFC 8446 5.1) */

enum tls_hello_status {
    TLS_HELLO_FOUND = 0, /* complete; sni holds the server name */
    TLS_HELLO_NO_SNI,    /* complete; no server_name, or one that is not a host name */
    TLS_HELLO_NEED_MORE, /* the message is longer than the bytes given; no verdict yet */
    TLS_HELLO_MALFORMED, /* not a ClientHello, or its lengths do not add up */
    TLS_HELLO_TOO_LONG,  /* tls_hello_from_records() only: the ClientHello spans records
                            and does not fit the caller's scratch buffer */
};

struct tls_hello {
    /* The host_name of server_name, normalized (lower case, no trailing dot);
     * "" unless the status is TLS_HELLO_FOUND. */
    char sni[HOSTNAME_MAX + 1];
    /* The ALPN protocol names in the client's order, joined by ','.  Names
     * with bytes outside 0x21-0x7e (or a ',') are left out, and so are the
     * names that no longer fit; "" when there is no ALPN extension. */
    char alpn[TLS_HELLO_ALPN_MAX];
    /* The whole handshake message's length (4-byte header included) once the
     * header has been seen, else 0.  Set with every status but MALFORMED. */
    size_t msg_len;
    /* The ClientHello carries encrypted_client_hello (draft-ietf-tls-esni,
     * type 0xfe0d): the real server name is encrypted, and sni is the ECH
     * provider's public name, not the service's.  Set with FOUND and NO_SNI. */
    bool ech;
};

/*
 * Parses the handshake message at msg[0..len).  Bytes after the message (the
 * next handshake message) are ignored.  Fills *out (always: on any status
 * other than TLS_HELLO_FOUND, sni is "") and returns:
 *   TLS_HELLO_FOUND      the message is complete and names a server;
 *   TLS_HELLO_NO_SNI     the message is complete; it has no server_name, or
 *                        its host_name is not a plausible host name (an IP
 *                        literal with a port, bytes outside the host name
 *                        alphabet, an empty label);
 *   TLS_HELLO_NEED_MORE  the header says the message is longer than len (or
 *                        len < 4); out->msg_len says how long once len >= 4;
 *   TLS_HELLO_MALFORMED  the first byte is not 1 (client_hello), the header
 *                        declares more than TLS_HELLO_BODY_MAX, or a length
 *                        inside does not fit its enclosing field, or the
 *                        server_name or ALPN extension is repeated or
 *                        inconsistent.
 * Unknown extensions, GREASE values (RFC 8701) and server_name entries of
 * another type than host_name are skipped.
 */
enum tls_hello_status tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *out);

/*
 * Reads the ClientHello from the first bytes a client sent on a TCP
 * connection: stream[0..len), from the start of the stream, in order.  The
 * message may span records (a large post-quantum key share, or a client that
 * fragments on purpose); when it does, the handshake bytes are gathered into
 * scratch[0..scratch_size), which the caller owns (it need not outlive the
 * call; 16 KiB holds every ClientHello seen in practice).  A ClientHello that
 * fits its first record is read in place and scratch is not touched; scratch
 * may then be NULL with scratch_size 0.
 *
 * Returns as tls_hello_parse(), and also TLS_HELLO_MALFORMED when the stream
 * does not start with a handshake record (type 22, version 3.x) or a record
 * before the end of the ClientHello is not one or is empty or longer than
 * TLS_RECORD_MAX, and TLS_HELLO_TOO_LONG when the message spans records and
 * is longer than scratch_size.  TLS_HELLO_NEED_MORE means: call again with
 * more of the stream (from its start).
 */
enum tls_hello_status tls_hello_from_records(const uint8_t *stream, size_t len, uint8_t *scratch,
                                             size_t scratch_size, struct tls_hello *out);

/* "found", "no-sni", "need-more", "malformed", "too-long". */
const char *tls_hello_status_name(enum tls_hello_status status);

#endif
