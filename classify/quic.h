/*
 * quic.h - the server name of a QUIC connection, from the client's Initials.
 *
 * A QUIC client opens with its TLS ClientHello in CRYPTO frames of Initial
 * packets, encrypted with keys anyone can derive from the packet's
 * Destination Connection ID (RFC 9001 5.2).  This module holds, per flow, what
 * it takes to read that ClientHello however the client cut it up: over
 * several Initial packets (a post-quantum key share does not fit one), in
 * CRYPTO frames out of order and overlapping, in datagrams that coalesce
 * several packets.  Feed it the client's UDP payloads; once the ClientHello is
 * complete it yields the server name (tls_hello.h, normalized).
 *
 * Versions read: QUIC v1 (RFC 9000, 9001), v2 (RFC 9369), the IETF drafts 23
 * to 34 and mvfst's draft-27 versions (0xfaceb002, 0xfaceb00e).  Other
 * versions (Google QUIC, those that force version negotiation) are skipped,
 * packet by packet.
 *
 * The bytes come from the network: every field is bounds-checked, the work
 * per flow is bounded (QUIC_MAX_INITIALS packets decrypted, QUIC_MAX_DATAGRAMS
 * datagrams looked at, QUIC_CRYPTO_MAX bytes of CRYPTO stream) and a flow that
 * passes a bound fails rather than waits.
 *
 * Threads: a quic_state belongs to one thread at a time.  libgcrypt must be
 * initialised before use, and its manual asks for that before threads start:
 * call quic_global_init() from the main thread at start-up (it is safe before
 * or after nDPI's ndpi_init_detection_module(), which initialises libgcrypt
 * too unless it finds that done).  quic_state_new() calls it as well, once.
 *
 * Use, per UDP flow:
 *
 *     quic_global_init();                  (once, at start-up)
 *     ...
 *     if (!q && quic_is_initial(payload, len))   (client to server only)
 *         q = quic_state_new();
 *     if (q && quic_get_status(q) == QUIC_MORE &&
 *         quic_feed(q, payload, len) == QUIC_FOUND)
 *         use quic_sni(q) (and quic_alpn(q));
 *     ...
 *     quic_state_free(q);                  (at the verdict, or when the flow ends)
 */
#ifndef SHADOWTAP_QUIC_H
#define SHADOWTAP_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define QUIC_MAX_INITIALS  16    /* Initial packets tried per flow before giving up */
#define QUIC_MAX_DATAGRAMS 64    /* datagrams looked at per flow before giving up */
#define QUIC_CRYPTO_MAX    65536 /* CRYPTO stream bytes held; data beyond fails the flow */
#define QUIC_CID_MAX       20    /* connection ID length limit of v1 and v2 */

#define QUIC_VERSION_1 0x00000001u
#define QUIC_VERSION_2 0x6b3343cfu

struct quic_state;

enum quic_status {
    QUIC_MORE = 0, /* no verdict yet: feed the client's next datagram */
    QUIC_FOUND,    /* the ClientHello is complete and names a server: quic_sni() */
    QUIC_NO_SNI,   /* the ClientHello is complete, with no usable server name */
    QUIC_FAILED,   /* given up for good: quic_fail_reason() says why */
};

enum quic_fail_reason {
    QUIC_FAIL_NONE = 0,
    QUIC_FAIL_TOO_MANY_INITIALS,  /* QUIC_MAX_INITIALS Initials, ClientHello still incomplete */
    QUIC_FAIL_TOO_MANY_DATAGRAMS, /* QUIC_MAX_DATAGRAMS datagrams, same */
    QUIC_FAIL_CRYPTO_TOO_LONG,    /* CRYPTO data or a ClientHello beyond QUIC_CRYPTO_MAX */
    QUIC_FAIL_TLS_MALFORMED,      /* the CRYPTO stream does not hold a ClientHello */
    QUIC_FAIL_NO_MEMORY,
};

/* Initialises libgcrypt unless nDPI (or anyone) has: once per process,
 * thread-safe.  Returns false if libgcrypt is unusable (older than the
 * headers this was built with); quic_state_new() then returns NULL. */
bool quic_global_init(void);

/* True if the UDP payload starts with a long-header Initial packet of a
 * version this module reads: a cheap test before creating a state. */
bool quic_is_initial(const uint8_t *payload, size_t len);

/* A state for one flow; NULL when out of memory or libgcrypt is unusable.
 * Free it with quic_state_free().  Its buffers grow with the CRYPTO stream
 * (4 KiB to QUIC_CRYPTO_MAX) and are released as soon as there is a verdict,
 * leaving a small struct that holds the results. */
struct quic_state *quic_state_new(void);

/*
 * Reads one UDP payload the client sent (client to server only: the server's
 * packets use other keys and would only use up QUIC_MAX_INITIALS).  Initial
 * packets are decrypted and their CRYPTO frames gathered; 0-RTT and Handshake
 * packets are stepped over; a short-header packet, an unknown version or a
 * Retry ends the reading of the datagram.  Initial keys come from the
 * Destination Connection ID of the client's first Initial, which the
 * client's later Initials still use after the server has given it another
 * connection ID; a packet those keys do not open is tried with keys from its
 * own Destination Connection ID (the client starts over after a Retry or a
 * version negotiation; the CRYPTO stream then starts over too).
 *
 * Returns the flow's status; once it is not QUIC_MORE, further calls do
 * nothing and return it again.
 */
enum quic_status quic_feed(struct quic_state *q, const uint8_t *payload, size_t len);

/* The status quic_feed() last returned (QUIC_MORE before the first call). */
enum quic_status quic_get_status(const struct quic_state *q);

/* The server name when the status is QUIC_FOUND, else "".  Owned by q. */
const char *quic_sni(const struct quic_state *q);

/* True when the ClientHello (status QUIC_FOUND or QUIC_NO_SNI) carries
 * encrypted_client_hello: the server name is then the ECH provider's. */
bool quic_ech(const struct quic_state *q);

/* The offered ALPN protocols ("h3"), "" if none or no verdict.  Owned by q. */
const char *quic_alpn(const struct quic_state *q);

/* The version of the Initials that carried the ClientHello, 0 until one
 * decrypted. */
uint32_t quic_version(const struct quic_state *q);

/* Why the status is QUIC_FAILED, else QUIC_FAIL_NONE. */
enum quic_fail_reason quic_fail_reason(const struct quic_state *q);

/* "none", "too-many-initials", "too-many-datagrams", "crypto-too-long",
 * "tls-malformed", "no-memory". */
const char *quic_fail_reason_name(enum quic_fail_reason reason);

/* Accepts NULL. */
void quic_state_free(struct quic_state *q);

/* The Initial packet protection keys of one side (RFC 9001 5.2, RFC 9369 3.3),
 * for version and a Destination Connection ID of at most QUIC_CID_MAX bytes.
 * Returns false for an unknown version or a crypto failure.  quic_feed()
 * derives its own; this is for tests and tools. */
struct quic_initial_keys {
    uint8_t key[16]; /* AEAD_AES_128_GCM */
    uint8_t iv[12];
    uint8_t hp[16]; /* AES-128 header protection */
};
bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                       struct quic_initial_keys *out);

#endif
