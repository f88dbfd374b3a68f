/*
 * test_siphash.c - SipHash-2-4 against the test vectors of the reference
 * paper's appendix (key 00 01 .. 0f, messages 00 01 02 .. of lengths 0 to 63).
 *
 * The 64 expected values are computed here by a second, deliberately plain
 * implementation written from the specification (section 2 of Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF", 2012): the message is padded
 * into a buffer first, the state is an array, and rounds are a function.  A
 * few values of the published table are spelled out as well, so that the two
 * implementations cannot agree on the same mistake unnoticed.
 */
#include "siphash.h"

#include <stdlib.h>

#include "test.h"

/* ---- the reference implementation, straight from the specification ---- */

static uint64_t ref_rotl(uint64_t x, unsigned b)
{
    return (x << b) | (x >> (64 - b));
}

/* One SipRound over v[0..3], as drawn in figure 2.1 of the paper. */
static void ref_sipround(uint64_t v[4])
{
    v[0] = v[0] + v[1];
    v[2] = v[2] + v[3];
    v[1] = ref_rotl(v[1], 13);
    v[3] = ref_rotl(v[3], 16);
    v[1] ^= v[0];
    v[3] ^= v[2];
    v[0] = ref_rotl(v[0], 32);
    v[2] = v[2] + v[1];
    v[0] = v[0] + v[3];
    v[1] = ref_rotl(v[1], 17);
    v[3] = ref_rotl(v[3], 21);
    v[1] ^= v[2];
    v[3] ^= v[0];
    v[2] = ref_rotl(v[2], 32);
}

static uint64_t ref_word(const uint8_t *p)
{
    uint64_t w = 0;
    for (int i = 7; i >= 0; i--)
        w = (w << 8) | p[i]; /* little-endian */
    return w;
}

static uint64_t ref_siphash24(const uint8_t key[16], const uint8_t *msg, size_t len)
{
    /* Padding: the message, zeros up to one byte short of a multiple of 8, then
     * the length modulo 256 as the last byte. */
    size_t padded = (len / 8 + 1) * 8;
    uint8_t *m = calloc(padded, 1);
    memcpy(m, msg, len);
    m[padded - 1] = (uint8_t)(len & 0xff);

    uint64_t k0 = ref_word(key), k1 = ref_word(key + 8);
    uint64_t v[4] = {
        k0 ^ 0x736f6d6570736575ULL, /* "somepseu" */
        k1 ^ 0x646f72616e646f6dULL, /* "dorandom" */
        k0 ^ 0x6c7967656e657261ULL, /* "lygenera" */
        k1 ^ 0x7465646279746573ULL, /* "tedbytes" */
    };
    for (size_t i = 0; i < padded; i += 8) {
        uint64_t mi = ref_word(m + i);
        v[3] ^= mi;
        for (int c = 0; c < 2; c++)
            ref_sipround(v);
        v[0] ^= mi;
    }
    v[2] ^= 0xff;
    for (int d = 0; d < 4; d++)
        ref_sipround(v);
    free(m);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* ---- tests ---- */

static const uint8_t paper_key[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

static struct siphash_key module_key(const uint8_t k[16])
{
    /* k0 and k1 are the key's two halves read little-endian */
    struct siphash_key key = {ref_word(k), ref_word(k + 8)};
    return key;
}

TEST(paper_example)
{
    /* Appendix A: key 00..0f, the 15-byte message 00..0e. */
    uint8_t msg[15];
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    struct siphash_key key = module_key(paper_key);
    CHECK(key.k0 == 0x0706050403020100ULL);
    CHECK(key.k1 == 0x0f0e0d0c0b0a0908ULL);
    CHECK(ref_siphash24(paper_key, msg, 15) == 0xa129ca6149be45e5ULL);
    CHECK(siphash24(&key, msg, 15) == 0xa129ca6149be45e5ULL);
}

TEST(published_vectors_spelled_out)
{
    /* Entries of the vector table (vectors.h, 64-bit output, bytes shown as a
     * little-endian word). */
    static const struct {
        size_t len;
        uint64_t hash;
    } known[] = {
        {0, 0x726fdb47dd0e0e31ULL},
        {1, 0x74f839c593dc67fdULL},
        {2, 0x0d6c8009d9a94f5aULL},
        {3, 0x85676696d7fb7e2dULL},
        {15, 0xa129ca6149be45e5ULL},
        {63, 0x958a324ceb064572ULL},
    };
    uint8_t msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    struct siphash_key key = module_key(paper_key);
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        uint64_t ref = ref_siphash24(paper_key, msg, known[i].len);
        uint64_t got = siphash24(&key, msg, known[i].len);
        if (ref != known[i].hash || got != known[i].hash) {
            CHECK(!"published vector mismatch");
            fprintf(stderr, "    len %zu: reference %016" PRIx64 ", module %016" PRIx64
                            ", published %016" PRIx64 "\n",
                    known[i].len, ref, got, known[i].hash);
        }
    }
}

TEST(all_64_vectors)
{
    uint8_t msg[64];
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    struct siphash_key key = module_key(paper_key);
    for (size_t len = 0; len < 64; len++) {
        uint64_t want = ref_siphash24(paper_key, msg, len);
        uint64_t got = siphash24(&key, msg, len);
        if (got != want) {
            CHECK(!"siphash24 differs from the reference");
            fprintf(stderr, "    len %zu: %016" PRIx64 ", expected %016" PRIx64 "\n", len, got,
                    want);
        }
    }
}

TEST(random_keys_and_lengths)
{
    uint64_t s = 0x243f6a8885a308d3ULL;
    uint8_t buf[300];
    for (int round = 0; round < 2000; round++) {
        uint8_t k[16];
        for (int i = 0; i < 16; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            k[i] = (uint8_t)(s >> 56);
        }
        size_t len = (size_t)(s >> 33) % sizeof(buf);
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = (uint8_t)(s >> 56);
        }
        /* an unaligned start, as packet data often is */
        size_t off = round % 8;
        if (len + off > sizeof(buf))
            len = sizeof(buf) - off;
        struct siphash_key key = module_key(k);
        if (siphash24(&key, buf + off, len) != ref_siphash24(k, buf + off, len)) {
            CHECK(!"siphash24 differs from the reference");
            fprintf(stderr, "    round %d, len %zu\n", round, len);
            break;
        }
    }
}

TEST(key_and_message_matter)
{
    struct siphash_key a = {1, 2}, b = {1, 3}, c = {2, 2};
    const char *m = "shadowtap";
    CHECK(siphash24(&a, m, 9) != siphash24(&b, m, 9));
    CHECK(siphash24(&a, m, 9) != siphash24(&c, m, 9));
    CHECK(siphash24(&a, m, 9) != siphash24(&a, m, 8));
    CHECK(siphash24(&a, m, 9) == siphash24(&a, "shadowtap", 9));
    /* a zero byte appended changes the hash (the length is mixed in) */
    uint8_t z[2] = {0, 0};
    CHECK(siphash24(&a, z, 1) != siphash24(&a, z, 2));
}

TEST(random_key)
{
    struct siphash_key k1 = {0, 0}, k2 = {0, 0};
    CHECK_INT(siphash_key_random(&k1), 0);
    CHECK_INT(siphash_key_random(&k2), 0);
    CHECK(k1.k0 != k2.k0 || k1.k1 != k2.k1);
    CHECK(k1.k0 != 0 || k1.k1 != 0);
}

int main(void)
{
    RUN(paper_example);
    RUN(published_vectors_spelled_out);
    RUN(all_64_vectors);
    RUN(random_keys_and_lengths);
    RUN(key_and_message_matter);
    RUN(random_key);
    return test_report();
}
