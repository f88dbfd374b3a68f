/*
 * test_quic.c - QUIC Initial decryption and ClientHello reassembly: the
 * specification's test vectors, Initials built here, and hostile datagrams.
 *
 * The vectors of RFC 9001 A.2 (QUIC v1) and RFC 9369 A.2 (QUIC v2) are the
 * client Initials published with those RFCs: their ClientHello names
 * "example.com".  The other Initials are protected here with libgcrypt and
 * the keys quic_initial_keys() derives (checked against the RFCs first), so
 * that each test can cut a ClientHello the way browsers do: over two or three
 * packets, in CRYPTO frames out of order and overlapping, in coalesced
 * datagrams, under a changed connection ID.  Hostile inputs go through heap
 * buffers of exactly their size so that AddressSanitizer sees any overrun.
 */
#include "quic.h"

#include <gcrypt.h>
#include <ndpi_api.h>
#include <stdlib.h>

#include "test.h"
#include "tls_hello.h"

/* --- RFC test vectors ------------------------------------------------------------ */

static const uint8_t rfc_dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};

/* RFC 9001 A.2: the protected client Initial, 1200 bytes. */
static const char rfc9001_a2_hex[] =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11"
    "d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399"
    "1c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df6212"
    "30c83711b39343fa028cea7f7fb5ff89eac2308249a02252155e2347b63d58c5"
    "457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec"
    "4e15daf8500a6ef69ec4e3feb6b1d98e610ac8b7ec3faf6ad760b7bad1db4ba3"
    "485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c"
    "7b4378e846d29f37ed7b4ea9ec5d82e7961b7f25a9323851f681d582363aa5f8"
    "9937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c74"
    "68449a13d8e3b95811a198f3491de3e7fe942b330407abf82a4ed7c1b311663a"
    "c69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632"
    "291d6a418211cc2962e20fe47feb3edf330f2c603a9d48c0fcb5699dbfe58964"
    "25c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ff"
    "ef132eef2fa09346aee33c28eb130ff28f5b766953334113211996d20011a198"
    "e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73"
    "203a4a13e96f5432ec0fd4a1ee65accdd5e3904df54c1da510b0ff20dcc0c77f"
    "cb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03ade"
    "a2e1fbc5aa463d08ca19896d2bf59a071b851e6c239052172f296bfb5e724047"
    "90a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f4"
    "40591f355e12d439ff150aab7613499dbd49adabc8676eef023b15b65bfc5ca0"
    "6948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0"
    "be79e2fb8f5d5fbbe2e30ecadd220723c8c0aea8078cdfcb3868263ff8f09400"
    "54da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9"
    "f96f3ca9ec1dde434da7d2d392b905ddf3d1f9af93d1af5950bd493f5aa731b4"
    "056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241"
    "e221af44860018ab0856972e194cd934";

/* RFC 9369 A.2: the same ClientHello under QUIC v2, 1200 bytes. */
static const char rfc9369_a2_hex[] =
    "d76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485"
    "dd04de806071bf03dceebfa162e75d6c96058bdbfb127cdfcbf903388e99ad04"
    "9f9a3dd4425ae4d0992cfff18ecf0fdb5a842d09747052f17ac2053d21f57c5d"
    "250f2c4f0e0202b70785b7946e992e58a59ac52dea6774d4f03b55545243cf1a"
    "12834e3f249a78d395e0d18f4d766004f1a2674802a747eaa901c3f10cda5500"
    "cb9122faa9f1df66c392079a1b40f0de1c6054196a11cbea40afb6ef5253cd68"
    "18f6625efce3b6def6ba7e4b37a40f7732e093daa7d52190935b8da58976ff33"
    "12ae50b187c1433c0f028edcc4c2838b6a9bfc226ca4b4530e7a4ccee1bfa2a3"
    "d396ae5a3fb512384b2fdd851f784a65e03f2c4fbe11a53c7777c023462239dd"
    "6f7521a3f6c7d5dd3ec9b3f233773d4b46d23cc375eb198c63301c21801f6520"
    "bcfb7966fc49b393f0061d974a2706df8c4a9449f11d7f3d2dcbb90c6b877045"
    "636e7c0c0fe4eb0f697545460c806910d2c355f1d253bc9d2452aaa549e27a1f"
    "ac7cf4ed77f322e8fa894b6a83810a34b361901751a6f5eb65a0326e07de7c12"
    "16ccce2d0193f958bb3850a833f7ae432b65bc5a53975c155aa4bcb4f7b2c4e5"
    "4df16efaf6ddea94e2c50b4cd1dfe06017e0e9d02900cffe1935e0491d77ffb4"
    "fdf85290fdd893d577b1131a610ef6a5c32b2ee0293617a37cbb08b847741c3b"
    "8017c25ca9052ca1079d8b78aebd47876d330a30f6a8c6d61dd1ab5589329de7"
    "14d19d61370f8149748c72f132f0fc99f34d766c6938597040d8f9e2bb522ff9"
    "9c63a344d6a2ae8aa8e51b7b90a4a806105fcbca31506c446151adfeceb51b91"
    "abfe43960977c87471cf9ad4074d30e10d6a7f03c63bd5d4317f68ff325ba3bd"
    "80bf4dc8b52a0ba031758022eb025cdd770b44d6d6cf0670f4e990b22347a7db"
    "848265e3e5eb72dfe8299ad7481a408322cac55786e52f633b2fb6b614eaed18"
    "d703dd84045a274ae8bfa73379661388d6991fe39b0d93debb41700b41f90a15"
    "c4d526250235ddcd6776fc77bc97e7a417ebcb31600d01e57f32162a8560cacc"
    "7e27a096d37a1a86952ec71bd89a3e9a30a2a26162984d7740f81193e8238e61"
    "f6b5b984d4d3dfa033c1bb7e4f0037febf406d91c0dccf32acf423cfa1e70710"
    "10d3f270121b493ce85054ef58bada42310138fe081adb04e2bd901f2f13458b"
    "3d6758158197107c14ebb193230cd1157380aa79cae1374a7c1e5bbcb80ee23e"
    "06ebfde206bfb0fcbc0edc4ebec309661bdd908d532eb0c6adc38b7ca7331dce"
    "8dfce39ab71e7c32d318d136b6100671a1ae6a6600e3899f31f0eed19e3417d1"
    "34b90c9058f8632c798d4490da4987307cba922d61c39805d072b589bd52fdf1"
    "e86215c2d54e6670e07383a27bbffb5addf47d66aa85a0c6f9f32e59d85a44dd"
    "5d3b22dc2be80919b490437ae4f36a0ae55edf1d0b5cb4e9a3ecabee93dfc6e3"
    "8d209d0fa6536d27a5d6fbb17641cde27525d61093f1b28072d111b2b4ae5f89"
    "d5974ee12e5cf7d5da4d6a31123041f33e61407e76cffcdcfd7e19ba58cf4b53"
    "6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb19"
    "9a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96b"
    "a18b2faa745b6fe189cf772a9f84cbfc";

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = hex; p[0] && p[1] && n < cap; p += 2) {
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1)
            abort();
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void check_hex(const uint8_t *got, size_t len, const char *want, const char *what)
{
    uint8_t w[64];
    size_t n = unhex(want, w, sizeof(w));
    test_checks++;
    if (n != len || memcmp(got, w, len) != 0)
        TEST_FAIL_AT(__FILE__, __LINE__, "%s differs from the RFC", what);
}

/* Feeds a heap copy of exactly len bytes. */
static enum quic_status feed(struct quic_state *q, const uint8_t *p, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, p, len);
    enum quic_status st = quic_feed(q, copy, len);
    free(copy);
    return st;
}

/* --- builders ------------------------------------------------------------------------ */

struct buf {
    uint8_t b[70000];
    size_t len;
};

static void put8(struct buf *m, unsigned v)
{
    if (m->len >= sizeof(m->b)) {
        fprintf(stderr, "test buffer too small\n");
        abort();
    }
    m->b[m->len++] = (uint8_t)v;
}

static void put16(struct buf *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void put_bytes(struct buf *m, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(m, ((const uint8_t *)p)[i]);
}

/* A varint of exactly size bytes (1, 2, 4, 8): non-minimal forms too. */
static void put_varint_n(struct buf *m, uint64_t v, unsigned size)
{
    unsigned code = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
    for (unsigned i = 0; i < size; i++) {
        uint8_t byte = (uint8_t)(v >> (8 * (size - 1 - i)));
        if (i == 0)
            byte = (uint8_t)((byte & 0x3f) | code << 6);
        put8(m, byte);
    }
}

static void put_varint(struct buf *m, uint64_t v)
{
    put_varint_n(m, v, v < 64 ? 1 : v < 16384 ? 2 : v < (1u << 30) ? 4 : 8);
}

static size_t open_len(struct buf *m, unsigned n)
{
    size_t at = m->len;
    for (unsigned i = 0; i < n; i++)
        put8(m, 0);
    return at;
}

static void close_len(struct buf *m, size_t at, unsigned n)
{
    size_t v = m->len - at - n;
    for (unsigned i = 0; i < n; i++)
        m->b[at + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* A ClientHello as a browser with a post-quantum key share sends it:
 * 1216 + 32 key share bytes make it span two Initials. */
static void build_hello(struct buf *m, const char *sni, size_t key_share_len)
{
    m->len = 0;
    put8(m, 1);
    size_t body = open_len(m, 3);
    put16(m, 0x0303);
    for (int i = 0; i < 32; i++)
        put8(m, 0x11 * (unsigned)i);
    put8(m, 0);
    put16(m, 6);
    put16(m, 0x1301);
    put16(m, 0x1302);
    put16(m, 0x1303);
    put8(m, 1);
    put8(m, 0);
    size_t exts = open_len(m, 2);
    put16(m, 0x4a4a); /* GREASE */
    put16(m, 0);
    put16(m, 51); /* key_share */
    size_t ks = open_len(m, 2);
    for (size_t i = 0; i < key_share_len; i++)
        put8(m, (unsigned)(i * 7));
    close_len(m, ks, 2);
    if (sni) {
        put16(m, 0);
        size_t ext = open_len(m, 2);
        size_t list = open_len(m, 2);
        put8(m, 0);
        size_t n = open_len(m, 2);
        put_bytes(m, sni, strlen(sni));
        close_len(m, n, 2);
        close_len(m, list, 2);
        close_len(m, ext, 2);
    }
    put16(m, 16); /* ALPN "h3" */
    put16(m, 5);
    put16(m, 3);
    put8(m, 2);
    put_bytes(m, "h3", 2);
    put16(m, 57); /* quic_transport_parameters */
    put16(m, 4);
    put_bytes(m, "\x01\x02\x40\x64", 4);
    close_len(m, exts, 2);
    close_len(m, body, 3);
}

static void frame_crypto(struct buf *f, const struct buf *hello, size_t from, size_t to)
{
    put8(f, 0x06);
    put_varint(f, from);
    put_varint(f, to - from);
    put_bytes(f, hello->b + from, to - from);
}

struct initial {
    uint32_t version;
    const uint8_t *dcid; /* on the wire */
    size_t dcid_len;
    const uint8_t *key_dcid; /* keys from; NULL: dcid */
    size_t key_dcid_len;
    uint64_t pn;
    unsigned pn_len;
    size_t min_size; /* PADDING up to this packet size */
    const uint8_t *token;
    size_t token_len;
};

static const uint8_t dcid_a[8] = {0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
static const uint8_t dcid_b[8] = {0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8};
static const uint8_t dcid_c[20] = {0xc0, 1,  2,  3,  4,  5,  6,  7,  8,  9,
                                   10,   11, 12, 13, 14, 15, 16, 17, 18, 19};
static const uint8_t scid[8] = {0x5c, 0x1d, 0x5c, 0x1d, 0x5c, 0x1d, 0x5c, 0x1d};

/* Appends one protected Initial carrying frames to d (RFC 9001 5). */
static void add_initial(struct buf *d, const struct initial *s, const uint8_t *frames, size_t n)
{
    struct quic_initial_keys k;
    const uint8_t *kd = s->key_dcid ? s->key_dcid : s->dcid;
    size_t kd_len = s->key_dcid ? s->key_dcid_len : s->dcid_len;
    unsigned pn_len = s->pn_len ? s->pn_len : 2;
    if (!quic_initial_keys(s->version, kd, kd_len, false, &k))
        abort();

    size_t start = d->len;
    unsigned type_bits = s->version == QUIC_VERSION_2 ? 1 : 0;
    put8(d, 0xc0 | type_bits << 4 | (pn_len - 1));
    put8(d, s->version >> 24);
    put8(d, (s->version >> 16) & 0xff);
    put8(d, (s->version >> 8) & 0xff);
    put8(d, s->version & 0xff);
    put8(d, (unsigned)s->dcid_len);
    put_bytes(d, s->dcid, s->dcid_len);
    put8(d, sizeof(scid));
    put_bytes(d, scid, sizeof(scid));
    put_varint(d, s->token_len);
    put_bytes(d, s->token, s->token_len);
    size_t hdr_len = d->len - start + 2; /* a 2-byte Length follows */
    size_t payload = n;
    if (pn_len + payload < 4)
        payload = 4 - pn_len; /* room for the header protection sample */
    if (hdr_len + pn_len + payload + 16 < s->min_size)
        payload = s->min_size - hdr_len - pn_len - 16;
    put_varint_n(d, pn_len + payload + 16, 2);
    size_t pn_off = d->len;
    for (unsigned i = 0; i < pn_len; i++)
        put8(d, (unsigned)(s->pn >> (8 * (pn_len - 1 - i))) & 0xff);
    size_t aad_len = d->len - start;
    uint8_t *plain = calloc(1, payload);
    memcpy(plain, frames, n);

    uint8_t nonce[12];
    memcpy(nonce, k.iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(s->pn >> (8 * i));
    gcry_cipher_hd_t gcm, ecb;
    if (d->len + payload + 16 > sizeof(d->b) ||
        gcry_cipher_open(&gcm, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_GCM, 0) ||
        gcry_cipher_setkey(gcm, k.key, 16) || gcry_cipher_setiv(gcm, nonce, 12) ||
        gcry_cipher_authenticate(gcm, d->b + start, aad_len) ||
        gcry_cipher_encrypt(gcm, d->b + d->len, payload, plain, payload) ||
        gcry_cipher_gettag(gcm, d->b + d->len + payload, 16))
        abort();
    gcry_cipher_close(gcm);
    free(plain);
    d->len += payload + 16;

    uint8_t mask[16];
    if (gcry_cipher_open(&ecb, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0) ||
        gcry_cipher_setkey(ecb, k.hp, 16) ||
        gcry_cipher_encrypt(ecb, mask, 16, d->b + pn_off + 4, 16))
        abort();
    gcry_cipher_close(ecb);
    d->b[start] ^= mask[0] & 0x0f;
    for (unsigned i = 0; i < pn_len; i++)
        d->b[pn_off + i] ^= mask[1 + i];
}

static struct initial v1_a(uint64_t pn)
{
    struct initial s = {
        .version = QUIC_VERSION_1, .dcid = dcid_a, .dcid_len = 8, .pn = pn, .min_size = 1200};
    return s;
}

/* A long-header packet of another type with junk inside. */
static void add_long_other(struct buf *d, unsigned type_bits, size_t payload)
{
    put8(d, 0xc0 | type_bits << 4);
    put_bytes(d, "\x00\x00\x00\x01", 4);
    put8(d, 8);
    put_bytes(d, dcid_a, 8);
    put8(d, 0);
    put_varint_n(d, payload, 2);
    for (size_t i = 0; i < payload; i++)
        put8(d, (unsigned)(i * 31 + 7));
}

static struct buf hello, frames, d1, d2, d3;

/* --- derivation and the RFC packets ------------------------------------------ */

TEST(rfc9001_keys)
{
    struct quic_initial_keys k;
    CHECK(quic_initial_keys(QUIC_VERSION_1, rfc_dcid, 8, false, &k));
    check_hex(k.key, 16, "1f369613dd76d5467730efcbe3b1a22d", "client key");
    check_hex(k.iv, 12, "fa044b2f42a3fd3b46fb255c", "client iv");
    check_hex(k.hp, 16, "9f50449e04a0e810283a1e9933adedd2", "client hp");
    CHECK(quic_initial_keys(QUIC_VERSION_1, rfc_dcid, 8, true, &k));
    check_hex(k.key, 16, "cf3a5331653c364c88f0f379b6067e37", "server key");
    check_hex(k.iv, 12, "0ac1493ca1905853b0bba03e", "server iv");
    check_hex(k.hp, 16, "c206b8d9b9f0f37644430b490eeaa314", "server hp");
}

TEST(rfc9369_keys)
{
    struct quic_initial_keys k;
    CHECK(quic_initial_keys(QUIC_VERSION_2, rfc_dcid, 8, false, &k));
    check_hex(k.key, 16, "8b1a0bc121284290a29e0971b5cd045d", "client key");
    check_hex(k.iv, 12, "91f73e2351d8fa91660e909f", "client iv");
    check_hex(k.hp, 16, "45b95e15235d6f45a6b19cbcb0294ba9", "client hp");
    CHECK(quic_initial_keys(QUIC_VERSION_2, rfc_dcid, 8, true, &k));
    check_hex(k.key, 16, "82db637861d55e1d011f19ea71d5d2a7", "server key");
    check_hex(k.iv, 12, "dd13c276499c0249d3310652", "server iv");
    check_hex(k.hp, 16, "edf6d05c83121201b436e16877593c3a", "server hp");
}

TEST(keys_refused)
{
    struct quic_initial_keys k;
    uint8_t long_cid[21] = {0};
    CHECK(!quic_initial_keys(0x12345678, rfc_dcid, 8, false, &k));
    CHECK(!quic_initial_keys(0x1a2a3a4a, rfc_dcid, 8, false, &k)); /* forces negotiation */
    CHECK(!quic_initial_keys(0xff000016, rfc_dcid, 8, false, &k)); /* draft-22 */
    CHECK(!quic_initial_keys(0xfaceb001, rfc_dcid, 8, false, &k)); /* mvfst draft-22 */
    CHECK(!quic_initial_keys(0x54303531, rfc_dcid, 8, false, &k)); /* Google T051 */
    CHECK(!quic_initial_keys(QUIC_VERSION_1, long_cid, 21, false, &k));
    CHECK(quic_initial_keys(QUIC_VERSION_1, long_cid, 20, false, &k));
    CHECK(quic_initial_keys(QUIC_VERSION_1, NULL, 0, false, &k));
}

static void rfc_packet(int v2, struct buf *out)
{
    out->len = unhex(v2 ? rfc9369_a2_hex : rfc9001_a2_hex, out->b, sizeof(out->b));
}

TEST(rfc9001_client_initial)
{
    rfc_packet(0, &d1);
    CHECK_INT(d1.len, 1200);
    CHECK(quic_is_initial(d1.b, d1.len));
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "example.com");
    CHECK_STR(quic_alpn(q), "alpn");
    CHECK_INT(quic_version(q), QUIC_VERSION_1);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_NONE);
    /* a verdict is final: more datagrams change nothing */
    CHECK_INT(feed(q, (const uint8_t *)"\x40junk", 5), QUIC_FOUND);
    CHECK_INT(quic_get_status(q), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "example.com");
    quic_state_free(q);
}

TEST(rfc9369_client_initial)
{
    rfc_packet(1, &d1);
    CHECK_INT(d1.len, 1200);
    CHECK(quic_is_initial(d1.b, d1.len));
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "example.com");
    CHECK_INT(quic_version(q), QUIC_VERSION_2);
    quic_state_free(q);
}

TEST(rfc_packet_with_wrong_version_opens_nothing)
{
    /* v1 bytes labelled v2 (and so read with v2's salt and type bits) */
    rfc_packet(0, &d1);
    memcpy(d1.b + 1, "\x6b\x33\x43\xcf", 4);
    d1.b[0] = (uint8_t)((d1.b[0] & 0xcf) | 0x10);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_STR(quic_sni(q), "");
    CHECK_INT(quic_version(q), 0);
    quic_state_free(q);
}

TEST(is_initial)
{
    rfc_packet(0, &d1);
    CHECK(quic_is_initial(d1.b, 5));
    CHECK(!quic_is_initial(d1.b, 4));
    CHECK(!quic_is_initial(NULL, 0));
    d1.b[0] = 0xd0; /* v1 0-RTT */
    CHECK(!quic_is_initial(d1.b, d1.len));
    d1.b[0] = 0x40; /* short header */
    CHECK(!quic_is_initial(d1.b, d1.len));
    rfc_packet(1, &d1);
    d1.b[0] = 0xc0; /* v2 Retry bits */
    CHECK(!quic_is_initial(d1.b, d1.len));
    memcpy(d1.b + 1, "\xff\x00\x00\x1d", 4); /* draft-29, Initial bits */
    CHECK(quic_is_initial(d1.b, d1.len));
    memcpy(d1.b + 1, "\x51\x30\x35\x30", 4); /* gQUIC Q050 */
    CHECK(!quic_is_initial(d1.b, d1.len));
    memcpy(d1.b + 1, "\x00\x00\x00\x00", 4); /* version negotiation */
    CHECK(!quic_is_initial(d1.b, d1.len));
}

/* --- ClientHellos cut up ------------------------------------------------------------- */

TEST(two_packets_out_of_order)
{
    build_hello(&hello, "pq.example.org", 1216 + 32);
    CHECK(hello.len > 1300);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 900, hello.len);
    frame_crypto(&frames, &hello, 0, 300);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    s.pn = 1;
    frames.len = 0;
    frame_crypto(&frames, &hello, 300, 900);
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);

    for (int order = 0; order < 2; order++) {
        struct quic_state *q = quic_state_new();
        CHECK_INT(feed(q, order ? d2.b : d1.b, order ? d2.len : d1.len), QUIC_MORE);
        CHECK_STR(quic_sni(q), "");
        CHECK_INT(feed(q, order ? d1.b : d2.b, order ? d1.len : d2.len), QUIC_FOUND);
        CHECK_STR(quic_sni(q), "pq.example.org");
        CHECK_STR(quic_alpn(q), "h3");
        quic_state_free(q);
    }
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
    /* xorshift64*: deterministic, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* Chrome's way: the ClientHello in many small CRYPTO frames, shuffled over
 * npkt packets with PING and PADDING frames between them. */
static void shuffled_packets(const struct buf *h, int npkt, const struct initial *base,
                             struct buf *out, size_t *out_len)
{
    size_t cuts[64], ncut = 0, from = 0;
    while (from < h->len && ncut < 63) {
        size_t n = 1 + rng() % 120;
        from = from + n < h->len ? from + n : h->len;
        cuts[ncut++] = from;
    }
    if (cuts[ncut - 1] != h->len)
        cuts[ncut++] = h->len;
    size_t order[64];
    for (size_t i = 0; i < ncut; i++)
        order[i] = i;
    for (size_t i = ncut - 1; i > 0; i--) {
        size_t j = rng() % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (int p = 0; p < npkt; p++) {
        struct buf *f = malloc(sizeof(*f));
        f->len = 0;
        for (size_t i = (size_t)p; i < ncut; i += (size_t)npkt) {
            size_t k = order[i];
            size_t a = k ? cuts[k - 1] : 0, b = cuts[k];
            if (rng() % 3 == 0)
                put8(f, 0x01); /* PING */
            if (rng() % 3 == 0)
                for (size_t z = rng() % 8; z > 0; z--)
                    put8(f, 0x00);
            frame_crypto(f, h, a, b);
        }
        struct initial s = *base;
        s.pn = base->pn + (uint64_t)p;
        out[p].len = 0;
        add_initial(&out[p], &s, f->b, f->len);
        out_len[p] = out[p].len;
        free(f);
    }
}

TEST(three_packets_shuffled)
{
    static struct buf pkts[3];
    size_t lens[3];
    build_hello(&hello, "www.shuffled.example", 2400);
    for (int round = 0; round < 50; round++) {
        struct initial s = v1_a(0);
        shuffled_packets(&hello, 3, &s, pkts, lens);
        struct quic_state *q = quic_state_new();
        /* deliver 2, 0, 1: the verdict comes only with the last */
        CHECK_INT(feed(q, pkts[2].b, lens[2]), QUIC_MORE);
        CHECK_INT(feed(q, pkts[0].b, lens[0]), QUIC_MORE);
        CHECK_INT(feed(q, pkts[1].b, lens[1]), QUIC_FOUND);
        CHECK_STR(quic_sni(q), "www.shuffled.example");
        quic_state_free(q);
    }
}

TEST(overlapping_frames)
{
    build_hello(&hello, "overlap.example", 1500);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 400, 1000);
    frame_crypto(&frames, &hello, 100, 200);
    frame_crypto(&frames, &hello, 0, 500);
    frame_crypto(&frames, &hello, 150, 160);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    frames.len = 0;
    frame_crypto(&frames, &hello, 900, hello.len);
    frame_crypto(&frames, &hello, 0, hello.len); /* all of it again */
    s.pn = 1;
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "overlap.example");
    quic_state_free(q);
}

TEST(overlap_cannot_rewrite_the_name)
{
    /* The second packet repeats the bytes of the name with other ones: the
     * first copy stands. */
    build_hello(&hello, "first.example", 1500);
    size_t at = 0;
    for (size_t i = 0; i + 13 <= hello.len; i++)
        if (memcmp(hello.b + i, "first.example", 13) == 0)
            at = i;
    CHECK(at > 0);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, at + 13);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct buf *evil = malloc(sizeof(*evil));
    *evil = hello;
    memcpy(evil->b + at, "evill.example", 13);
    frames.len = 0;
    frame_crypto(&frames, evil, at - 20, hello.len);
    s.pn = 1;
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "first.example");
    quic_state_free(q);
    free(evil);
}

TEST(coalesced_packets)
{
    build_hello(&hello, "coalesced.example", 1216 + 32);
    struct initial s = v1_a(0);
    s.min_size = 0;
    d1.len = 0;
    frames.len = 0;
    frame_crypto(&frames, &hello, 700, hello.len);
    add_initial(&d1, &s, frames.b, frames.len);
    add_long_other(&d1, 1, 40); /* 0-RTT */
    add_long_other(&d1, 2, 60); /* Handshake */
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, 700);
    s.pn = 1;
    add_initial(&d1, &s, frames.b, frames.len);
    put_bytes(&d1, "\x41\x01\x02\x03 short header packet", 24);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "coalesced.example");
    quic_state_free(q);

    /* the Initials after a short header packet are not read: it runs to the end */
    d2.len = 0;
    put_bytes(&d2, "\x41\x01\x02\x03", 4);
    put_bytes(&d2, d1.b, d1.len);
    q = quic_state_new();
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_MORE);
    quic_state_free(q);
}

TEST(later_initial_uses_the_server_connection_id)
{
    /* quic_frags_different_dcid: the client's second Initial goes to the
     * server's connection ID under the keys of its first. */
    build_hello(&hello, "cdnjs.example", 1216 + 32);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, 1000);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    s.pn = 1;
    s.dcid = dcid_c;
    s.dcid_len = sizeof(dcid_c);
    s.key_dcid = dcid_a;
    s.key_dcid_len = 8;
    frames.len = 0;
    frame_crypto(&frames, &hello, 1000, hello.len);
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "cdnjs.example");
    quic_state_free(q);
}

TEST(client_starts_over_under_a_new_connection_id)
{
    /* After a Retry or a version negotiation the client derives its keys
     * from the new DCID and sends its ClientHello again: the stream starts
     * over, and a late packet of the first attempt is ignored. */
    static struct buf first, second;
    build_hello(&first, "first-attempt.example", 1216 + 32);
    build_hello(&second, "second-attempt.example", 1216 + 32);
    struct initial a = v1_a(0), b = v1_a(0);
    b.dcid = dcid_b;
    b.token = (const uint8_t *)"retry token from the server";
    b.token_len = 27;

    frames.len = 0;
    frame_crypto(&frames, &first, 0, 600);
    d1.len = 0;
    add_initial(&d1, &a, frames.b, frames.len);
    frames.len = 0;
    frame_crypto(&frames, &second, 0, 700);
    d2.len = 0;
    add_initial(&d2, &b, frames.b, frames.len);
    frames.len = 0;
    frame_crypto(&frames, &first, 600, first.len); /* the rest of attempt one */
    a.pn = 1;
    d3.len = 0;
    add_initial(&d3, &a, frames.b, frames.len);

    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_MORE);
    CHECK_INT(feed(q, d3.b, d3.len), QUIC_MORE); /* would complete attempt one */
    frames.len = 0;
    frame_crypto(&frames, &second, 700, second.len);
    b.pn = 1;
    d3.len = 0;
    add_initial(&d3, &b, frames.b, frames.len);
    CHECK_INT(feed(q, d3.b, d3.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "second-attempt.example");
    quic_state_free(q);
}

TEST(noise_before_the_first_initial)
{
    /* An Initial-shaped datagram that opens with no key comes first. */
    build_hello(&hello, "after-noise.example", 200);
    d1.len = 0;
    put8(&d1, 0xc3);
    put_bytes(&d1, "\x00\x00\x00\x01", 4);
    put8(&d1, 8);
    put_bytes(&d1, dcid_b, 8);
    put8(&d1, 0);
    put8(&d1, 0);
    put_varint_n(&d1, 1100, 2);
    for (int i = 0; i < 1100; i++)
        put8(&d1, (unsigned)rng());
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, hello.len);
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "after-noise.example");
    quic_state_free(q);
}

TEST(versions)
{
    static const uint32_t versions[] = {QUIC_VERSION_1, QUIC_VERSION_2, 0xff00001d,
                                        0xff000020,     0xff00001b,     0xff000017,
                                        0xff000022,     0xfaceb002,     0xfaceb00e};
    build_hello(&hello, "versions.example", 1216 + 32);
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        struct initial s = v1_a(0);
        s.version = versions[i];
        frames.len = 0;
        frame_crypto(&frames, &hello, 800, hello.len);
        d1.len = 0;
        add_initial(&d1, &s, frames.b, frames.len);
        frames.len = 0;
        frame_crypto(&frames, &hello, 0, 800);
        s.pn = 1;
        d2.len = 0;
        add_initial(&d2, &s, frames.b, frames.len);
        struct quic_state *q = quic_state_new();
        CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
        CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
        CHECK_STR(quic_sni(q), "versions.example");
        CHECK_INT(quic_version(q), versions[i]);
        quic_state_free(q);
    }
}

TEST(packet_number_lengths)
{
    build_hello(&hello, "pn.example", 100);
    for (unsigned pn_len = 1; pn_len <= 4; pn_len++) {
        struct initial s = v1_a(pn_len * 1000 + 7);
        s.pn_len = pn_len;
        s.pn &= (1ull << (8 * pn_len)) - 1;
        s.min_size = 0;
        frames.len = 0;
        frame_crypto(&frames, &hello, 0, hello.len);
        d1.len = 0;
        add_initial(&d1, &s, frames.b, frames.len);
        struct quic_state *q = quic_state_new();
        CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
        quic_state_free(q);
    }
}

TEST(ack_ping_close_frames_skipped)
{
    build_hello(&hello, "frames.example", 300);
    struct initial s = v1_a(0);
    frames.len = 0;
    put8(&frames, 0x02); /* ACK: largest 5, delay 0, 2 more ranges */
    put_bytes(&frames, "\x05\x00\x02\x01\x00\x00\x00\x00", 8);
    put8(&frames, 0x03); /* ACK with ECN counts */
    put_bytes(&frames, "\x05\x00\x00\x01\x01\x02\x03", 7);
    put8(&frames, 0x01);
    put8(&frames, 0x1c); /* CONNECTION_CLOSE: error 0, frame 6, "bye" */
    put_bytes(&frames, "\x00\x06\x03", 3);
    put_bytes(&frames, "bye", 3);
    put8(&frames, 0x1d);
    put_bytes(&frames, "\x00\x00", 2);
    frame_crypto(&frames, &hello, 0, hello.len);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "frames.example");
    quic_state_free(q);
}

TEST(unexpected_frame_ends_the_packet)
{
    build_hello(&hello, "stream.example", 300);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, 10);  /* before: kept */
    put_bytes(&frames, "\x08\x00\x04", 3); /* STREAM: not in an Initial */
    put_bytes(&frames, "data", 4);
    frame_crypto(&frames, &hello, 10, hello.len);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    frames.len = 0;
    frame_crypto(&frames, &hello, 10, hello.len);
    s.pn = 1;
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "stream.example");
    quic_state_free(q);
}

TEST(complete_without_sni)
{
    build_hello(&hello, NULL, 1500);
    struct initial s = v1_a(0);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, hello.len);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_NO_SNI);
    CHECK_STR(quic_sni(q), "");
    CHECK_STR(quic_alpn(q), "h3");
    quic_state_free(q);
}

TEST(crypto_stream_not_a_client_hello)
{
    struct initial s = v1_a(0);
    frames.len = 0;
    put_bytes(&frames, "\x06\x00\x08\x02\x00\x00\x04\x03\x03\x00\x00", 11); /* ServerHello */
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FAILED);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_TLS_MALFORMED);
    CHECK_STR(quic_fail_reason_name(quic_fail_reason(q)), "tls-malformed");
    quic_state_free(q);
}

/* --- bounds ----------------------------------------------------------------------------- */

TEST(initial_limit)
{
    struct quic_state *q = quic_state_new();
    for (int i = 0; i < QUIC_MAX_INITIALS; i++) {
        struct initial s = v1_a((uint64_t)i);
        d1.len = 0;
        add_initial(&d1, &s, (const uint8_t *)"\x01", 1);
        enum quic_status st = feed(q, d1.b, d1.len);
        CHECK_INT(st, i + 1 < QUIC_MAX_INITIALS ? QUIC_MORE : QUIC_FAILED);
    }
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_TOO_MANY_INITIALS);
    rfc_packet(0, &d1);
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FAILED);
    CHECK_STR(quic_sni(q), "");
    quic_state_free(q);
}

TEST(datagram_limit)
{
    struct quic_state *q = quic_state_new();
    for (int i = 0; i < QUIC_MAX_DATAGRAMS; i++)
        CHECK_INT(feed(q, (const uint8_t *)"\x40\x01\x02\x03", 4), QUIC_MORE);
    rfc_packet(0, &d1);
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FAILED);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_TOO_MANY_DATAGRAMS);
    quic_state_free(q);
}

static enum quic_status one_packet(const struct buf *f, struct quic_state **qp)
{
    struct initial s = v1_a(0);
    d1.len = 0;
    add_initial(&d1, &s, f->b, f->len);
    *qp = quic_state_new();
    return feed(*qp, d1.b, d1.len);
}

TEST(crypto_offsets_at_the_limit)
{
    struct quic_state *q;
    /* the last byte the buffer holds */
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint(&frames, QUIC_CRYPTO_MAX - 1);
    put_varint(&frames, 1);
    put8(&frames, 0xaa);
    CHECK_INT(one_packet(&frames, &q), QUIC_MORE);
    quic_state_free(q);
    /* one byte further */
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint(&frames, QUIC_CRYPTO_MAX - 1);
    put_varint(&frames, 2);
    put_bytes(&frames, "\xaa\xbb", 2);
    CHECK_INT(one_packet(&frames, &q), QUIC_FAILED);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_CRYPTO_TOO_LONG);
    quic_state_free(q);
    /* the largest offset a varint holds */
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint_n(&frames, 0x3fffffffffffffffull, 8);
    put_varint(&frames, 1);
    put8(&frames, 0xaa);
    CHECK_INT(one_packet(&frames, &q), QUIC_FAILED);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_CRYPTO_TOO_LONG);
    quic_state_free(q);
    /* the largest length: more than the packet holds, the frame is dropped */
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint(&frames, 0);
    put_varint_n(&frames, 0x3fffffffffffffffull, 8);
    put_bytes(&frames, "\x01\x00", 2);
    CHECK_INT(one_packet(&frames, &q), QUIC_MORE);
    quic_state_free(q);
    /* offset + length past 2^62 */
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint_n(&frames, 0x3ffffffffffffff0ull, 8);
    put_varint(&frames, 0x20);
    for (int i = 0; i < 0x20; i++)
        put8(&frames, 0);
    CHECK_INT(one_packet(&frames, &q), QUIC_FAILED);
    quic_state_free(q);
}

TEST(client_hello_declared_too_long)
{
    struct quic_state *q;
    frames.len = 0;
    put_bytes(&frames, "\x06\x00\x04\x01\x01\x00\x00", 7); /* 65536-byte body */
    CHECK_INT(one_packet(&frames, &q), QUIC_FAILED);
    CHECK_INT(quic_fail_reason(q), QUIC_FAIL_CRYPTO_TOO_LONG);
    quic_state_free(q);
    /* once the header has told the length, data past the end is dropped */
    build_hello(&hello, "end.example", 100);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, 4);
    CHECK_INT(one_packet(&frames, &q), QUIC_MORE);
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint(&frames, hello.len + 100);
    put_varint(&frames, 3);
    put_bytes(&frames, "xyz", 3);
    put8(&frames, 0x06);
    put_varint(&frames, hello.len - 2);
    put_varint(&frames, 10);
    put_bytes(&frames, hello.b + hello.len - 2, 2);
    put_bytes(&frames, "12345678", 8);
    frame_crypto(&frames, &hello, 4, hello.len - 2);
    struct initial s = v1_a(1);
    d2.len = 0;
    add_initial(&d2, &s, frames.b, frames.len);
    CHECK_INT(feed(q, d2.b, d2.len), QUIC_FOUND);
    CHECK_STR(quic_sni(q), "end.example");
    quic_state_free(q);
}

TEST(varints_at_their_limits)
{
    struct quic_state *q;
    /* ACK claiming 2^62 - 1 ranges: runs out of packet, not of time */
    frames.len = 0;
    put8(&frames, 0x02);
    put_varint(&frames, 1000);
    put_varint(&frames, 0);
    put_varint_n(&frames, 0x3fffffffffffffffull, 8);
    put_varint(&frames, 0);
    CHECK_INT(one_packet(&frames, &q), QUIC_MORE);
    quic_state_free(q);
    /* a varint cut by the end of the payload (no PADDING after it) */
    struct initial s = v1_a(0);
    s.min_size = 0;
    for (unsigned size = 2; size <= 8; size *= 2) {
        frames.len = 0;
        put_bytes(&frames, "\x01\x01\x01\x01\x06", 5);
        put_varint_n(&frames, 5, size);
        frames.len--;
        d1.len = 0;
        add_initial(&d1, &s, frames.b, frames.len);
        q = quic_state_new();
        CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
        quic_state_free(q);
    }
    /* non-minimal encodings of offset and length are still numbers */
    build_hello(&hello, "varint.example", 100);
    frames.len = 0;
    put8(&frames, 0x06);
    put_varint_n(&frames, 0, 8);
    put_varint_n(&frames, hello.len, 4);
    put_bytes(&frames, hello.b, hello.len);
    CHECK_INT(one_packet(&frames, &q), QUIC_FOUND);
    quic_state_free(q);
    /* a frame type in two bytes (0x4006) is not CRYPTO: the packet ends */
    frames.len = 0;
    put_bytes(&frames, "\x40\x06", 2);
    put_varint(&frames, 0);
    put_varint(&frames, hello.len);
    put_bytes(&frames, hello.b, hello.len);
    CHECK_INT(one_packet(&frames, &q), QUIC_MORE);
    quic_state_free(q);
}

TEST(long_header_fields_at_their_limits)
{
    build_hello(&hello, "cid.example", 100);
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, hello.len);
    /* 20-byte connection IDs and a long token */
    struct initial s = v1_a(0);
    s.dcid = dcid_c;
    s.dcid_len = 20;
    uint8_t token[300];
    memset(token, 0x7e, sizeof(token));
    s.token = token;
    s.token_len = sizeof(token);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    quic_state_free(q);
    /* a 21-byte DCID is not v1 */
    d1.b[5] = 21;
    q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    quic_state_free(q);
    /* a token length larger than the datagram */
    rfc_packet(0, &d1);
    d1.b[5 + 1 + 8 + 1] = 0x80 | 0x3f; /* 4-byte varint, huge */
    q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    quic_state_free(q);
    /* a Length larger than the datagram, and one too small for a sample */
    rfc_packet(0, &d1);
    d1.b[16] = 0x44;
    d1.b[17] = 0xb0;
    q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    quic_state_free(q);
    rfc_packet(0, &d1);
    d1.b[16] = 0x40;
    d1.b[17] = 19;
    q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_MORE);
    quic_state_free(q);
}

/* --- hostile datagrams ------------------------------------------------------------------- */

TEST(every_truncation)
{
    for (int v2 = 0; v2 < 2; v2++) {
        rfc_packet(v2, &d1);
        struct quic_state *q = quic_state_new();
        for (size_t len = 0; len < d1.len; len++) {
            /* one state for all: a truncated packet frames as nothing and
             * costs no Initial; the datagram budget is what it uses up */
            if (len % QUIC_MAX_DATAGRAMS == 0) {
                quic_state_free(q);
                q = quic_state_new();
            }
            CHECK_INT(feed(q, d1.b, len), QUIC_MORE);
        }
        quic_state_free(q);
    }
    /* a coalesced datagram: the first packet alone suffices */
    build_hello(&hello, "trunc.example", 400);
    struct initial s = v1_a(0);
    s.min_size = 0;
    frames.len = 0;
    frame_crypto(&frames, &hello, 0, hello.len);
    d1.len = 0;
    add_initial(&d1, &s, frames.b, frames.len);
    size_t first = d1.len;
    add_long_other(&d1, 2, 300);
    for (size_t len = 0; len <= d1.len; len++) {
        struct quic_state *q = quic_state_new();
        CHECK_INT(feed(q, d1.b, len), len >= first ? QUIC_FOUND : QUIC_MORE);
        quic_state_free(q);
    }
}

TEST(random_flips_of_protected_packets)
{
    unsigned found = 0;
    static struct buf orig;
    for (int iter = 0; iter < 6000; iter++) {
        rfc_packet(iter % 2, &orig);
        d1 = orig;
        int flips = 1 + (int)(rng() % 3);
        for (int i = 0; i < flips; i++)
            d1.b[rng() % d1.len] ^= (uint8_t)(1 + rng() % 255);
        struct quic_state *q = quic_state_new();
        enum quic_status st = feed(q, d1.b, d1.len);
        CHECK(st == QUIC_MORE || st == QUIC_FOUND);
        if (st == QUIC_FOUND) {
            found++;
            CHECK_STR(quic_sni(q), "example.com");
        }
        quic_state_free(q);
    }
    /* only flips outside what the AEAD covers can leave the name readable,
     * and a v1 packet has none: every bit is header or ciphertext */
    CHECK_INT(found, 0);
}

/* Frames made hostile before protection: the frame parser and the stream
 * see whatever the mutation made of them, behind a valid AEAD tag. */
TEST(random_plaintext_mutations)
{
    static struct buf f;
    unsigned found = 0, failed = 0;
    build_hello(&hello, "mutant.example", 1216 + 32);
    for (int iter = 0; iter < 5000; iter++) {
        struct quic_state *q = quic_state_new();
        enum quic_status st = QUIC_MORE;
        for (uint64_t p = 0; p < 3 && st == QUIC_MORE; p++) {
            f.len = 0;
            size_t a = rng() % hello.len, b = a + rng() % (hello.len - a + 1);
            if (rng() % 4 == 0)
                put_bytes(&f, "\x02\x05\x00\x01\x00\x00\x00", 7);
            frame_crypto(&f, &hello, 0, a);
            frame_crypto(&f, &hello, b, hello.len);
            frame_crypto(&f, &hello, a, b);
            int flips = (int)(rng() % 6);
            for (int i = 0; i < flips; i++) {
                size_t at = rng() % f.len;
                switch (rng() % 3) {
                case 0:
                    f.b[at] ^= (uint8_t)(1u << (rng() % 8));
                    break;
                case 1:
                    f.b[at] = (uint8_t)rng();
                    break;
                default:
                    f.b[at] = (uint8_t)(0xc0 | (rng() & 0x3f)); /* an 8-byte varint */
                    break;
                }
            }
            struct initial s = v1_a(p);
            d1.len = 0;
            add_initial(&d1, &s, f.b, f.len);
            st = feed(q, d1.b, d1.len);
        }
        if (st == QUIC_FOUND)
            found++;
        if (st == QUIC_FAILED)
            failed++;
        CHECK(strlen(quic_sni(q)) <= HOSTNAME_MAX);
        quic_state_free(q);
    }
    CHECK(found > 0 && failed > 0);
}

TEST(random_datagrams)
{
    /* Initial-shaped headers of every version over random bytes. */
    static const uint32_t versions[] = {1, QUIC_VERSION_2, 0xff00001d, 0xff000017, 0x51303530};
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = rng() % 1400;
        for (size_t i = 0; i < len; i++)
            d1.b[i] = (uint8_t)rng();
        if (len > 8 && rng() % 4) {
            uint32_t v = versions[rng() % 5];
            d1.b[0] |= 0x80;
            d1.b[1] = (uint8_t)(v >> 24);
            d1.b[2] = (uint8_t)(v >> 16);
            d1.b[3] = (uint8_t)(v >> 8);
            d1.b[4] = (uint8_t)v;
            d1.b[5] = (uint8_t)(rng() % 21);
        }
        struct quic_state *q = quic_state_new();
        enum quic_status st = feed(q, d1.b, len);
        CHECK(st == QUIC_MORE || st == QUIC_FAILED);
        quic_state_free(q);
    }
}

/* --- libgcrypt alongside nDPI ------------------------------------------------------------ */

TEST(gcrypt_shared_with_ndpi)
{
    /* The sensor's order: nDPI's module is set up first (dpi_new) and
     * initialises libgcrypt; quic_global_init() then finds that done and
     * leaves it.  main() runs this first, before anything here touches
     * libgcrypt. */
    CHECK(!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P));
    struct ndpi_detection_module_struct *ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    CHECK(ndpi != NULL);
    CHECK(gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P));
    CHECK(quic_global_init());
    CHECK(quic_global_init());
    rfc_packet(0, &d1);
    struct quic_state *q = quic_state_new();
    CHECK_INT(feed(q, d1.b, d1.len), QUIC_FOUND);
    quic_state_free(q);
    if (ndpi)
        ndpi_exit_detection_module(ndpi);
    quic_state_free(NULL);
}

int main(void)
{
    RUN(gcrypt_shared_with_ndpi);
    RUN(rfc9001_keys);
    RUN(rfc9369_keys);
    RUN(keys_refused);
    RUN(rfc9001_client_initial);
    RUN(rfc9369_client_initial);
    RUN(rfc_packet_with_wrong_version_opens_nothing);
    RUN(is_initial);
    RUN(two_packets_out_of_order);
    RUN(three_packets_shuffled);
    RUN(overlapping_frames);
    RUN(overlap_cannot_rewrite_the_name);
    RUN(coalesced_packets);
    RUN(later_initial_uses_the_server_connection_id);
    RUN(client_starts_over_under_a_new_connection_id);
    RUN(noise_before_the_first_initial);
    RUN(versions);
    RUN(packet_number_lengths);
    RUN(ack_ping_close_frames_skipped);
    RUN(unexpected_frame_ends_the_packet);
    RUN(complete_without_sni);
    RUN(crypto_stream_not_a_client_hello);
    RUN(initial_limit);
    RUN(datagram_limit);
    RUN(crypto_offsets_at_the_limit);
    RUN(client_hello_declared_too_long);
    RUN(varints_at_their_limits);
    RUN(long_header_fields_at_their_limits);
    RUN(every_truncation);
    RUN(random_flips_of_protected_packets);
    RUN(random_plaintext_mutations);
    RUN(random_datagrams);
    return test_report();
}
