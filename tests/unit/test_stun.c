/*
 * test_stun.c - STUN requests and the application attributes they carry:
 * RFC 5389 and RFC 3489 requests, WhatsApp's odd-length TURN requests, each
 * application's attributes, and messages cut anywhere.
 */
#include "stun.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

/* A STUN message of type, with the magic cookie (or not), and the given
 * attribute bytes; its length field is what the attributes take. */
static size_t message(uint8_t *out, uint16_t type, bool cookie, const uint8_t *attrs,
                      size_t attrs_len)
{
    static const uint8_t magic[4] = {0x21, 0x12, 0xa4, 0x42};
    out[0] = (uint8_t)(type >> 8);
    out[1] = (uint8_t)type;
    out[2] = (uint8_t)(attrs_len >> 8);
    out[3] = (uint8_t)attrs_len;
    memcpy(out + 4, cookie ? magic : (const uint8_t *)"\x01\x02\x03\x04", 4);
    memset(out + 8, 0x77, 12); /* transaction id */
    if (attrs_len)
        memcpy(out + 20, attrs, attrs_len);
    return 20 + attrs_len;
}

TEST(requests_and_indications)
{
    uint8_t m[64];
    size_t n = message(m, 0x0001, true, NULL, 0);
    CHECK(stun_is_request(m, n)); /* Binding Request */
    n = message(m, 0x0011, true, NULL, 0);
    CHECK(stun_is_request(m, n)); /* Binding Indication */
    n = message(m, 0x0101, true, NULL, 0);
    CHECK(!stun_is_request(m, n)); /* success response */
    n = message(m, 0x0111, true, NULL, 0);
    CHECK(!stun_is_request(m, n)); /* error response */
    n = message(m, 0x0003, true, NULL, 0);
    CHECK(stun_is_request(m, n)); /* TURN Allocate */
    n = message(m, 0x0001, false, NULL, 0);
    CHECK(stun_is_request(m, n)); /* RFC 3489 Binding Request */
    n = message(m, 0x0003, false, NULL, 0);
    CHECK(!stun_is_request(m, n)); /* without the cookie, only that */
    n = message(m, 0x0001, true, NULL, 0);
    CHECK(!stun_is_request(m, n - 1)); /* shorter than its header */
    m[0] = 0x80;
    CHECK(!stun_is_request(m, n)); /* top bits set: RTP, not STUN */
}

TEST(length_must_match)
{
    uint8_t m[64];
    const uint8_t attr[8] = {0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4}; /* PRIORITY */
    size_t n = message(m, 0x0001, true, attr, sizeof(attr));
    CHECK(stun_is_request(m, n));
    CHECK(!stun_is_request(m, n - 2));
    /* WhatsApp's TURN requests: a length that is no multiple of 4, with the
     * cookie, is still STUN; without it, not. */
    const uint8_t odd[6] = {0x40, 0x00, 0x00, 0x01, 0x01, 0x00};
    n = message(m, 0x0003, true, odd, sizeof(odd));
    CHECK(stun_is_request(m, n));
    n = message(m, 0x0001, false, odd, sizeof(odd));
    CHECK(!stun_is_request(m, n));
}

TEST(applications)
{
    uint8_t m[64];
    struct {
        uint8_t attr[8];
        enum stun_app want;
    } cases[] = {
        {{0x40, 0x00, 0x00, 0x01, 0x01, 0, 0, 0}, STUN_APP_WHATSAPP},
        {{0x40, 0x02, 0x00, 0x00}, STUN_APP_WHATSAPP},
        {{0x01, 0x03, 0x00, 0x02, 0x00, 0x01, 0, 0}, STUN_APP_ZOOM},
        {{0xff, 0x03, 0x00, 0x00}, STUN_APP_GOOGLE},
        {{0x80, 0x54, 0x00, 0x04, 0x31, 0, 0, 0}, STUN_APP_MICROSOFT},
        {{0x80, 0x54, 0x00, 0x02, 0x31, 0, 0, 0}, STUN_APP_NONE}, /* not its length */
        {{0x80, 0x70, 0x00, 0x04, 0, 0, 0, 2}, STUN_APP_MICROSOFT},
        {{0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4}, STUN_APP_NONE}, /* PRIORITY: anyone's */
        {{0xc0, 0x57, 0x00, 0x04, 0, 1, 0, 0}, STUN_APP_NONE}, /* NETWORK-INFO: WebRTC's */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t alen = (size_t)(cases[i].attr[2] << 8 | cases[i].attr[3]);
        size_t n = message(m, 0x0001, true, cases[i].attr, 4 + ((alen + 3) & ~(size_t)3));
        if (stun_application(m, n) != cases[i].want)
            TEST_FAIL_AT(__FILE__, __LINE__, "case %zu: got %d, want %d", i,
                         (int)stun_application(m, n), (int)cases[i].want);
    }
    /* The marking attribute after others: still found. */
    const uint8_t two[12] = {0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4, 0x40, 0x01, 0x00, 0x00};
    size_t n = message(m, 0x0003, true, two, sizeof(two));
    CHECK(stun_application(m, n) == STUN_APP_WHATSAPP);
    CHECK_STR(stun_app_ndpi_name(STUN_APP_WHATSAPP), "WhatsAppCall");
    CHECK_STR(stun_app_ndpi_name(STUN_APP_MICROSOFT), "SkypeCall");
    CHECK(stun_app_ndpi_name(STUN_APP_NONE) == NULL);
    CHECK(stun_app_ndpi_name(STUN_APP_COUNT) == NULL);
}

/* Every prefix of a message, and a length field that claims more than there
 * is: the reader stops at what it was given (ASan checks every read). */
TEST(cut_anywhere)
{
    const uint8_t attrs[16] = {0x00, 0x24, 0x00, 0x04, 1, 2, 3, 4,
                               0x40, 0x00, 0x00, 0x04, 9, 9, 9, 9};
    uint8_t full[64];
    size_t n = message(full, 0x0003, true, attrs, sizeof(attrs));
    for (size_t k = 0; k <= n; k++) {
        uint8_t *cut = malloc(k ? k : 1);
        memcpy(cut, full, k);
        enum stun_app app = stun_application(cut, k);
        CHECK((unsigned)app < STUN_APP_COUNT);
        if (k < 28) /* the marking attribute is not all there */
            CHECK(app == STUN_APP_NONE);
        free(cut);
    }
    full[3] = 0xff; /* claims 255 bytes of attributes */
    CHECK(stun_application(full, n) == STUN_APP_WHATSAPP);
    CHECK(!stun_is_request(full, n));
}

int main(void)
{
    RUN(requests_and_indications);
    RUN(length_must_match);
    RUN(applications);
    RUN(cut_anywhere);
    return test_report();
}
