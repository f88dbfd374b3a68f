/*
 * quic.c - the ClientHello of a QUIC connection, from the client's Initials.
 *
 * Per datagram: walk the coalesced long-header packets by their Length
 * fields; for each Initial, remove header protection, open the AEAD, and
 * copy the data of its CRYPTO frames into the flow's CRYPTO stream at their
 * offsets.  When the contiguous prefix of the stream grows, tls_hello_parse()
 * says whether the ClientHello is complete.  nDPI 4.2 reads only a ClientHello
 * that fits one packet with its CRYPTO frames in order; browsers now split it
 * over two or three Initials and shuffle the frames, which is why this exists.
 *
 * The stream: a byte buffer and a bitmap of the bytes received, both grown
 * on demand (4 KiB, doubling, up to QUIC_CRYPTO_MAX) and freed at the
 * verdict, so that a flow costs a few KiB while its handshake is read and a
 * few hundred bytes after.  The first copy of a byte wins: an overlapping
 * frame cannot rewrite what an earlier one delivered.  Data beyond the
 * ClientHello's declared end is dropped (a client's Initial stream holds
 * nothing else).
 *
 * Keys: two key sets.  The first is derived from the Destination Connection
 * ID of the first Initial seen and is tried first on every packet, since the
 * client keeps those keys after switching to the server's connection ID
 * (quic_frags_different_dcid).  A packet they do not open is tried with keys
 * from the second key set, and then with keys derived from its own DCID
 * into the second key set (after a Retry or a version negotiation the client
 * derives new keys from the new DCID).  When keys other than those that
 * filled the CRYPTO stream so far open a packet, the client has started its
 * handshake over: the stream starts over, and packets the first keys open
 * after that are leftovers of the abandoned attempt.  (If the first
 * "Initial" was noise, its keys open nothing and the client's own keys end
 * up in the second set: one wasted trial per packet, no more.)  Each key set
 * holds its own AES-ECB and AES-GCM handles, opened once per flow; at most
 * three trials and one derivation per packet.
 *
 * Crypto is libgcrypt's (nDPI links it already): HKDF is HMAC-SHA256 through
 * gcry_md_hash_buffers(), header protection AES-128-ECB, payload
 * AES-128-GCM.  Nothing is written by hand but the HKDF-Expand-Label framing.
 *
 * Bounds: QUIC_MAX_INITIALS Initial packets decrypted (at most three key trials
 * and one key derivation each) and QUIC_MAX_DATAGRAMS datagrams per flow; a
 * CRYPTO frame past QUIC_CRYPTO_MAX fails the flow.  Every frame's varints
 * and lengths are checked against the decrypted payload; an unexpected frame
 * type ends the packet (its earlier frames stand: the AEAD vouched for them).
 */
#include "quic.h"

#include <gcrypt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "tls_hello.h"

#define SALT_LEN      20
#define SECRET_LEN    32 /* SHA-256 */
#define SAMPLE_LEN    16
#define TAG_LEN       16
#define PN_MAX_LEN    4
#define CRYPTO_START  4096
#define PN_SPACE_BITS 62

/* Packet types after the version's mapping of the two type bits. */
enum packet_type { PT_INITIAL, PT_0RTT, PT_HANDSHAKE, PT_RETRY };

/* Frame types of an Initial packet (RFC 9000 12.4, 19). */
#define FRAME_PADDING         0x00
#define FRAME_PING            0x01
#define FRAME_ACK             0x02
#define FRAME_ACK_ECN         0x03
#define FRAME_CRYPTO          0x06
#define FRAME_CLOSE_TRANSPORT 0x1c
#define FRAME_CLOSE_APP       0x1d

struct version_params {
    uint32_t first, last; /* range of version numbers */
    uint8_t salt[SALT_LEN];
    bool v2; /* RFC 9369 labels and packet type bits */
};

/* clang-format off */
static const struct version_params versions[] = {
    {QUIC_VERSION_1, QUIC_VERSION_1,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     false},
    {QUIC_VERSION_2, QUIC_VERSION_2,
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     true},
    /* Drafts 33 and 34 already used the salt of v1. */
    {0xff000021, 0xff000022,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     false},
    /* Drafts 29 to 32 (Chrome shipped draft-29 for a long time). */
    {0xff00001d, 0xff000020,
     {0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97,
      0x86, 0xf1, 0x9c, 0x61, 0x11, 0xe0, 0x43, 0x90, 0xa8, 0x99},
     false},
    /* Drafts 23 to 28. */
    {0xff000017, 0xff00001c,
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02},
     false},
    /* Facebook's mvfst on draft-27 and its experimental version: the
     * draft-27 layout and salt (older Facebook and Instagram apps). */
    {0xfaceb002, 0xfaceb002,
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02},
     false},
    {0xfaceb00e, 0xfaceb00e,
     {0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7,
      0xd2, 0x43, 0x2b, 0xb4, 0x63, 0x65, 0xbe, 0xf9, 0xf5, 0x02},
     false},
};
/* clang-format on */

static const struct version_params *version_lookup(uint32_t version)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
        if (version >= versions[i].first && version <= versions[i].last)
            return &versions[i];
    return NULL;
}

struct keyset {
    bool derived;
    uint32_t version;
    uint8_t dcid[QUIC_CID_MAX];
    uint8_t dcid_len;
    uint64_t next_pn; /* largest packet number opened + 1 */
    uint8_t iv[12];
    gcry_cipher_hd_t hp;   /* AES-128-ECB */
    gcry_cipher_hd_t aead; /* AES-128-GCM */
};

struct quic_state {
    enum quic_status status;
    enum quic_fail_reason reason;
    uint32_t version;
    unsigned initials, datagrams;

    struct keyset keys[2]; /* [0]: from the first Initial's DCID; [1]: another DCID's */
    /* Which keys' packets fill the stream: their version and DCID. */
    bool owner_set;
    uint32_t owner_version;
    uint8_t owner_dcid[QUIC_CID_MAX];
    uint8_t owner_dcid_len;

    uint8_t *crypto;   /* the CRYPTO stream, [0, cap) */
    uint8_t *received; /* bitmap: byte i of the stream has arrived */
    size_t cap;
    size_t contig; /* bytes [0, contig) have all arrived */

    uint8_t *scratch; /* one packet: unprotected header, then its plaintext */
    size_t scratch_cap;

    struct tls_hello hello;
};

/* --- libgcrypt ------------------------------------------------------------ */

static pthread_once_t gcrypt_once = PTHREAD_ONCE_INIT;
static bool gcrypt_ok;

static void gcrypt_init(void)
{
    /* nDPI 4.2 does the same in ndpi_init_detection_module() unless it finds
     * this flag set, so whichever comes first initialises and the other one
     * leaves it be. */
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
        if (!gcry_check_version(GCRYPT_VERSION))
            return;
        gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    }
    gcrypt_ok = true;
}

bool quic_global_init(void)
{
    pthread_once(&gcrypt_once, gcrypt_init);
    return gcrypt_ok;
}

static bool hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
                        uint8_t out[SECRET_LEN])
{
    /* With GCRY_MD_FLAG_HMAC the first buffer is the key. */
    gcry_buffer_t iov[2] = {
        {.size = key_len, .off = 0, .len = key_len, .data = (void *)key},
        {.size = msg_len, .off = 0, .len = msg_len, .data = (void *)msg},
    };
    return gcry_md_hash_buffers(GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC, out, iov, 2) == 0;
}

/* HKDF-Expand-Label(secret, label, "", len) of TLS 1.3 (RFC 8446 7.1), for
 * len <= 32: one HMAC block, T(1) = HMAC(secret, HkdfLabel || 0x01). */
static bool hkdf_expand_label(const uint8_t secret[SECRET_LEN], const char *label, uint8_t *out,
                              size_t len)
{
    static const char prefix[] = "tls13 ";
    uint8_t info[2 + 1 + 32 + 1 + 1], block[SECRET_LEN];
    size_t label_len = strlen(label), n = 0;

    if (len > SECRET_LEN || sizeof(prefix) - 1 + label_len > 32)
        return false;
    info[n++] = (uint8_t)(len >> 8);
    info[n++] = (uint8_t)len;
    info[n++] = (uint8_t)(sizeof(prefix) - 1 + label_len);
    memcpy(info + n, prefix, sizeof(prefix) - 1);
    n += sizeof(prefix) - 1;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = 0;    /* empty context */
    info[n++] = 0x01; /* HKDF-Expand block counter */
    if (!hmac_sha256(secret, SECRET_LEN, info, n, block))
        return false;
    memcpy(out, block, len);
    return true;
}

bool quic_initial_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len, bool server,
                       struct quic_initial_keys *out)
{
    const struct version_params *vp = version_lookup(version);
    uint8_t initial[SECRET_LEN], secret[SECRET_LEN];

    if (!vp || dcid_len > QUIC_CID_MAX || !quic_global_init())
        return false;
    /* HKDF-Extract(salt, cid) is HMAC with the salt as key. */
    if (!hmac_sha256(vp->salt, SALT_LEN, dcid, dcid_len, initial))
        return false;
    if (!hkdf_expand_label(initial, server ? "server in" : "client in", secret, SECRET_LEN))
        return false;
    return hkdf_expand_label(secret, vp->v2 ? "quicv2 key" : "quic key", out->key,
                             sizeof(out->key)) &&
           hkdf_expand_label(secret, vp->v2 ? "quicv2 iv" : "quic iv", out->iv, sizeof(out->iv)) &&
           hkdf_expand_label(secret, vp->v2 ? "quicv2 hp" : "quic hp", out->hp, sizeof(out->hp));
}

/* Derives ks for (version, dcid), opening its cipher handles the first time. */
static bool keyset_derive(struct keyset *ks, uint32_t version, const uint8_t *dcid, size_t dcid_len)
{
    struct quic_initial_keys k;

    ks->derived = false;
    if (!quic_initial_keys(version, dcid, dcid_len, false, &k))
        return false;
    if (!ks->hp && gcry_cipher_open(&ks->hp, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0))
        return ks->hp = NULL, false;
    if (!ks->aead && gcry_cipher_open(&ks->aead, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0))
        return ks->aead = NULL, false;
    if (gcry_cipher_setkey(ks->hp, k.hp, sizeof(k.hp)) ||
        gcry_cipher_setkey(ks->aead, k.key, sizeof(k.key)))
        return false;
    memcpy(ks->iv, k.iv, sizeof(ks->iv));
    memcpy(ks->dcid, dcid, dcid_len);
    ks->dcid_len = (uint8_t)dcid_len;
    ks->version = version;
    ks->next_pn = 0;
    ks->derived = true;
    return true;
}

static bool keyset_is(const struct keyset *ks, uint32_t version, const uint8_t *dcid,
                      size_t dcid_len)
{
    return ks->derived && ks->version == version && ks->dcid_len == dcid_len &&
           memcmp(ks->dcid, dcid, dcid_len) == 0;
}

static void keyset_close(struct keyset *ks)
{
    gcry_cipher_close(ks->hp); /* accepts NULL */
    gcry_cipher_close(ks->aead);
    ks->hp = ks->aead = NULL;
    ks->derived = false;
}

/* --- state ----------------------------------------------------------------- */

struct quic_state *quic_state_new(void)
{
    if (!quic_global_init())
        return NULL;
    return calloc(1, sizeof(struct quic_state));
}

static void release_buffers(struct quic_state *q)
{
    free(q->crypto);
    free(q->received);
    free(q->scratch);
    q->crypto = q->received = q->scratch = NULL;
    q->cap = q->contig = q->scratch_cap = 0;
    keyset_close(&q->keys[0]);
    keyset_close(&q->keys[1]);
}

void quic_state_free(struct quic_state *q)
{
    if (!q)
        return;
    release_buffers(q);
    free(q);
}

static void finish(struct quic_state *q, enum quic_status status, enum quic_fail_reason reason)
{
    q->status = status;
    q->reason = reason;
    if (status != QUIC_FOUND) {
        q->hello.sni[0] = '\0';
        if (status == QUIC_FAILED)
            q->hello.alpn[0] = '\0';
    }
    release_buffers(q);
}

enum quic_status quic_get_status(const struct quic_state *q)
{
    return q->status;
}

const char *quic_sni(const struct quic_state *q)
{
    return q->status == QUIC_FOUND ? q->hello.sni : "";
}

bool quic_ech(const struct quic_state *q)
{
    return (q->status == QUIC_FOUND || q->status == QUIC_NO_SNI) && q->hello.ech;
}

const char *quic_alpn(const struct quic_state *q)
{
    return q->status == QUIC_FOUND || q->status == QUIC_NO_SNI ? q->hello.alpn : "";
}

uint32_t quic_version(const struct quic_state *q)
{
    return q->version;
}

enum quic_fail_reason quic_fail_reason(const struct quic_state *q)
{
    return q->reason;
}

const char *quic_fail_reason_name(enum quic_fail_reason reason)
{
    switch (reason) {
    case QUIC_FAIL_NONE:
        return "none";
    case QUIC_FAIL_TOO_MANY_INITIALS:
        return "too-many-initials";
    case QUIC_FAIL_TOO_MANY_DATAGRAMS:
        return "too-many-datagrams";
    case QUIC_FAIL_CRYPTO_TOO_LONG:
        return "crypto-too-long";
    case QUIC_FAIL_TLS_MALFORMED:
        return "tls-malformed";
    case QUIC_FAIL_NO_MEMORY:
        return "no-memory";
    }
    return "unknown";
}

/* --- the CRYPTO stream ------------------------------------------------------ */

static bool crypto_reserve(struct quic_state *q, size_t need)
{
    if (need <= q->cap)
        return true;
    size_t cap = q->cap ? q->cap : CRYPTO_START;
    while (cap < need)
        cap *= 2;
    if (cap > QUIC_CRYPTO_MAX)
        cap = QUIC_CRYPTO_MAX;
    uint8_t *crypto = realloc(q->crypto, cap);
    if (!crypto)
        return false;
    q->crypto = crypto;
    uint8_t *received = realloc(q->received, cap / 8);
    if (!received)
        return false;
    memset(received + q->cap / 8, 0, (cap - q->cap) / 8);
    q->received = received;
    q->cap = cap;
    return true;
}

static void crypto_restart(struct quic_state *q)
{
    if (q->received)
        memset(q->received, 0, q->cap / 8);
    q->contig = 0;
    q->hello.msg_len = 0;
}

#define BIT_SET(map, i) ((map)[(i) / 8] & (1u << ((i) % 8)))

/* Adds stream bytes [off, off + len).  Returns false when the flow failed. */
static bool crypto_add(struct quic_state *q, uint64_t off, const uint8_t *data, uint64_t len)
{
    if (len == 0)
        return true;
    if (off >= QUIC_CRYPTO_MAX || len > QUIC_CRYPTO_MAX - off) {
        finish(q, QUIC_FAILED, QUIC_FAIL_CRYPTO_TOO_LONG);
        return false;
    }
    size_t start = (size_t)off, end = (size_t)(off + len);
    if (q->hello.msg_len > 0 && end > q->hello.msg_len) {
        if (start >= q->hello.msg_len)
            return true;
        end = q->hello.msg_len;
    }
    if (!crypto_reserve(q, end)) {
        finish(q, QUIC_FAILED, QUIC_FAIL_NO_MEMORY);
        return false;
    }
    for (size_t i = start; i < end; i++) {
        if (!BIT_SET(q->received, i)) {
            q->crypto[i] = data[i - start];
            q->received[i / 8] |= (uint8_t)(1u << (i % 8));
        }
    }
    while (q->contig < q->cap && BIT_SET(q->received, q->contig))
        q->contig++;
    return true;
}

/* Asks tls_hello whether the contiguous prefix holds the whole ClientHello. */
static void crypto_check(struct quic_state *q)
{
    switch (tls_hello_parse(q->crypto, q->contig, &q->hello)) {
    case TLS_HELLO_FOUND:
        finish(q, QUIC_FOUND, QUIC_FAIL_NONE);
        break;
    case TLS_HELLO_NO_SNI:
        finish(q, QUIC_NO_SNI, QUIC_FAIL_NONE);
        break;
    case TLS_HELLO_NEED_MORE:
        if (q->hello.msg_len > QUIC_CRYPTO_MAX)
            finish(q, QUIC_FAILED, QUIC_FAIL_CRYPTO_TOO_LONG);
        break;
    case TLS_HELLO_MALFORMED:
    case TLS_HELLO_TOO_LONG:
        finish(q, QUIC_FAILED, QUIC_FAIL_TLS_MALFORMED);
        break;
    }
}

/* --- frames ------------------------------------------------------------------ */

/* A variable-length integer (RFC 9000 16): 1, 2, 4 or 8 bytes, 62 bits. */
static bool cur_varint(struct cursor *c, uint64_t *v)
{
    uint8_t first;
    if (!cur_peek_u8(c, 0, &first))
        return false;
    size_t n = (size_t)1 << (first >> 6);
    if (c->left < n)
        return false;
    uint64_t x = first & 0x3f;
    for (size_t i = 1; i < n; i++)
        x = x << 8 | c->p[i];
    cur_skip(c, n);
    *v = x;
    return true;
}

static bool skip_varints(struct cursor *c, unsigned n)
{
    uint64_t v;
    while (n-- > 0)
        if (!cur_varint(c, &v))
            return false;
    return true;
}

/* Skips a byte string whose varint length comes first. */
static bool skip_varint_bytes(struct cursor *c)
{
    uint64_t n;
    return cur_varint(c, &n) && n <= c->left && cur_skip(c, (size_t)n);
}

static bool skip_ack(struct cursor *c, bool ecn)
{
    uint64_t ranges;
    /* Largest Acknowledged, ACK Delay, then the count of further ranges. */
    if (!skip_varints(c, 2) || !cur_varint(c, &ranges) || !skip_varints(c, 1))
        return false;
    /* Each range is two varints, at least two bytes: a huge count runs out of
     * packet long before it runs out of loop. */
    for (uint64_t i = 0; i < ranges; i++)
        if (!skip_varints(c, 2))
            return false;
    return !ecn || skip_varints(c, 3);
}

static void parse_frames(struct quic_state *q, const uint8_t *payload, size_t len)
{
    struct cursor c = cursor_make(payload, len);
    uint8_t type;

    /* Frame types are varints in their shortest form (RFC 9000 12.4): every
     * type an Initial may carry is one byte, so a byte >= 0x40 ends it. */
    while (cur_u8(&c, &type)) {
        switch (type) {
        case FRAME_PADDING:
        case FRAME_PING:
            break;
        case FRAME_ACK:
        case FRAME_ACK_ECN:
            if (!skip_ack(&c, type == FRAME_ACK_ECN))
                return;
            break;
        case FRAME_CRYPTO: {
            uint64_t off, n;
            if (!cur_varint(&c, &off) || !cur_varint(&c, &n) || n > c.left)
                return;
            const uint8_t *data = c.p;
            cur_skip(&c, (size_t)n);
            if (!crypto_add(q, off, data, n))
                return;
            break;
        }
        case FRAME_CLOSE_TRANSPORT:
            /* Error Code, Frame Type, Reason Phrase. */
            if (!skip_varints(&c, 2) || !skip_varint_bytes(&c))
                return;
            break;
        case FRAME_CLOSE_APP:
            if (!skip_varints(&c, 1) || !skip_varint_bytes(&c))
                return;
            break;
        default:
            return;
        }
    }
}

/* --- packets ----------------------------------------------------------------- */

struct long_packet {
    const uint8_t *start; /* first byte */
    size_t pn_off;        /* offset of the packet number */
    size_t length;        /* the Length field: packet number and payload */
    uint32_t version;
    enum packet_type type;
    const uint8_t *dcid;
    uint8_t dcid_len;
};

/* Reads the long header at c and steps over its packet.  False when the rest
 * of the datagram cannot be framed: a short header (it runs to the end), a
 * version without a known layout, a Retry (no Length), a truncation. */
static bool next_long_packet(struct cursor *c, struct long_packet *pkt)
{
    uint8_t first, dcid_len, scid_len;
    uint32_t version;
    uint64_t n;
    const uint8_t *start = c->p;

    if (!cur_u8(c, &first) || !(first & 0x80) || !cur_be32(c, &version))
        return false;
    const struct version_params *vp = version_lookup(version);
    if (!vp)
        return false;
    if (!cur_u8(c, &dcid_len) || dcid_len > QUIC_CID_MAX)
        return false;
    pkt->dcid = c->p;
    if (!cur_skip(c, dcid_len) || !cur_u8(c, &scid_len) || scid_len > QUIC_CID_MAX ||
        !cur_skip(c, scid_len))
        return false;
    unsigned bits = (first >> 4) & 3;
    /* RFC 9369 3.2 rotates the type bits: Initial 0b01, 0-RTT 0b10,
     * Handshake 0b11, Retry 0b00. */
    pkt->type = vp->v2 ? (enum packet_type)((bits + 3) & 3) : (enum packet_type)bits;
    if (pkt->type == PT_RETRY)
        return false;
    if (pkt->type == PT_INITIAL && (!cur_varint(c, &n) || n > c->left || !cur_skip(c, (size_t)n)))
        return false;
    if (!cur_varint(c, &n) || n > c->left)
        return false;
    pkt->start = start;
    pkt->pn_off = (size_t)(c->p - start);
    pkt->length = (size_t)n;
    pkt->version = version;
    pkt->dcid_len = dcid_len;
    cur_skip(c, (size_t)n);
    return true;
}

/* RFC 9000 A.3: the full packet number closest to the next one expected. */
static uint64_t decode_pn(uint64_t expected, uint64_t truncated, unsigned bits)
{
    uint64_t win = (uint64_t)1 << bits, hwin = win / 2, mask = win - 1;
    uint64_t candidate = (expected & ~mask) | truncated;
    if (candidate + hwin <= expected && candidate < ((uint64_t)1 << PN_SPACE_BITS) - win)
        return candidate + win;
    if (candidate > expected + hwin && candidate >= win)
        return candidate - win;
    return candidate;
}

/* Removes header protection and opens the payload with ks.  On success
 * *plain points into q->scratch.  The packet itself is left as it is. */
static bool open_packet(struct quic_state *q, struct keyset *ks, const struct long_packet *pkt,
                        const uint8_t **plain, size_t *plain_len)
{
    size_t total = pkt->pn_off + pkt->length;
    uint8_t mask[16], nonce[12];

    if (q->scratch_cap < total) {
        uint8_t *s = realloc(q->scratch, total);
        if (!s)
            return false;
        q->scratch = s;
        q->scratch_cap = total;
    }
    uint8_t *hdr = q->scratch;
    memcpy(hdr, pkt->start, pkt->pn_off + PN_MAX_LEN);

    /* The sample starts 4 bytes after the packet number's start, whatever
     * its length (RFC 9001 5.4.2); the caller checked it is there. */
    if (gcry_cipher_encrypt(ks->hp, mask, sizeof(mask), pkt->start + pkt->pn_off + PN_MAX_LEN,
                            SAMPLE_LEN))
        return false;
    hdr[0] ^= mask[0] & 0x0f; /* long header: 4 protected bits */
    size_t pn_len = (size_t)(hdr[0] & 0x03) + 1;
    uint64_t truncated = 0;
    for (size_t i = 0; i < pn_len; i++) {
        hdr[pkt->pn_off + i] ^= mask[1 + i];
        truncated = truncated << 8 | hdr[pkt->pn_off + i];
    }
    size_t aad_len = pkt->pn_off + pn_len;
    if (pkt->length < pn_len + TAG_LEN + 1)
        return false;
    size_t ct_len = pkt->length - pn_len - TAG_LEN;
    uint64_t pn = decode_pn(ks->next_pn, truncated, (unsigned)pn_len * 8);

    /* nonce = iv XOR the packet number, left-padded to 12 bytes. */
    memcpy(nonce, ks->iv, sizeof(nonce));
    for (size_t i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));

    const uint8_t *ct = pkt->start + aad_len;
    uint8_t *out = hdr + aad_len;
    if (gcry_cipher_reset(ks->aead) || gcry_cipher_setiv(ks->aead, nonce, sizeof(nonce)) ||
        gcry_cipher_authenticate(ks->aead, hdr, aad_len) ||
        gcry_cipher_decrypt(ks->aead, out, ct_len, ct, ct_len) ||
        gcry_cipher_checktag(ks->aead, ct + ct_len, TAG_LEN))
        return false;
    if (pn + 1 > ks->next_pn)
        ks->next_pn = pn + 1;
    *plain = out;
    *plain_len = ct_len;
    return true;
}

/* Opens pkt with ks if ks is for the packet's version. */
static bool try_open(struct quic_state *q, struct keyset *ks, const struct long_packet *pkt,
                     const uint8_t **plain, size_t *plain_len)
{
    return ks->derived && ks->version == pkt->version && open_packet(q, ks, pkt, plain, plain_len);
}

static void set_owner(struct quic_state *q, const struct keyset *ks)
{
    q->owner_set = true;
    q->owner_version = ks->version;
    memcpy(q->owner_dcid, ks->dcid, ks->dcid_len);
    q->owner_dcid_len = ks->dcid_len;
    q->version = ks->version;
}

static void read_initial(struct quic_state *q, const struct long_packet *pkt)
{
    struct keyset *first = &q->keys[0], *other = &q->keys[1], *ks = NULL;
    const uint8_t *plain = NULL;
    size_t plain_len = 0;

    /* Header protection needs 4 + 16 bytes after the packet number's start. */
    if (pkt->length < PN_MAX_LEN + SAMPLE_LEN)
        return;
    q->initials++;

    if (!first->derived && !keyset_derive(first, pkt->version, pkt->dcid, pkt->dcid_len))
        return;
    /* The client's keys first (whatever DCID it now sends to), then those of
     * a later attempt, then keys from this packet's own DCID. */
    if (try_open(q, first, pkt, &plain, &plain_len))
        ks = first;
    else if (try_open(q, other, pkt, &plain, &plain_len))
        ks = other;
    else if (!keyset_is(first, pkt->version, pkt->dcid, pkt->dcid_len) &&
             !keyset_is(other, pkt->version, pkt->dcid, pkt->dcid_len) &&
             keyset_derive(other, pkt->version, pkt->dcid, pkt->dcid_len) &&
             try_open(q, other, pkt, &plain, &plain_len))
        ks = other;
    if (!ks)
        return;

    if (!q->owner_set) {
        set_owner(q, ks);
    } else if (!keyset_is(ks, q->owner_version, q->owner_dcid, q->owner_dcid_len)) {
        /* Keys other than those that filled the stream: the client has
         * started over (Retry, version negotiation), unless these are the
         * first keys, whose packets are then leftovers of the attempt it gave
         * up. */
        if (ks == first)
            return;
        crypto_restart(q);
        set_owner(q, ks);
    }

    size_t before = q->contig;
    parse_frames(q, plain, plain_len);
    if (q->status == QUIC_MORE && q->contig > before)
        crypto_check(q);
}

enum quic_status quic_feed(struct quic_state *q, const uint8_t *payload, size_t len)
{
    if (q->status != QUIC_MORE)
        return q->status;
    if (++q->datagrams > QUIC_MAX_DATAGRAMS) {
        finish(q, QUIC_FAILED, QUIC_FAIL_TOO_MANY_DATAGRAMS);
        return q->status;
    }

    struct cursor c = cursor_make(payload, len);
    struct long_packet pkt;
    while (q->status == QUIC_MORE && next_long_packet(&c, &pkt)) {
        if (pkt.type != PT_INITIAL)
            continue;
        read_initial(q, &pkt);
        if (q->status == QUIC_MORE && q->initials >= QUIC_MAX_INITIALS)
            finish(q, QUIC_FAILED, QUIC_FAIL_TOO_MANY_INITIALS);
    }
    return q->status;
}

bool quic_is_initial(const uint8_t *payload, size_t len)
{
    struct cursor c = cursor_make(payload, len);
    uint8_t first;
    uint32_t version;

    if (!cur_u8(&c, &first) || !(first & 0x80) || !cur_be32(&c, &version))
        return false;
    const struct version_params *vp = version_lookup(version);
    if (!vp)
        return false;
    unsigned bits = (first >> 4) & 3;
    return (vp->v2 ? (bits + 3) & 3 : bits) == PT_INITIAL;
}
