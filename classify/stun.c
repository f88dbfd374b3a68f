/*
 * stun.c - STUN requests and the application attributes they carry.
 *
 * The attribute numbers are those applications are seen to send: WhatsApp's
 * calls put 0x4000, 0x4001 or 0x4002 in their TURN requests, Zoom 0x0103,
 * Google's clients 0xFF03, and Microsoft's Teams and Skype the MS-ICE2 and
 * MS-TURN extensions ([MS-ICE2] CANDIDATE-IDENTIFIER 0x8054 with a 4-byte
 * value, IMPLEMENTATION-VERSION 0x8070, and 0x8055, 0x8006, 0x8095).
 * Attributes every WebRTC client sends (PRIORITY, ICE-CONTROLLING, the
 * NETWORK-INFO of 0xC057, REALM) say nothing about which application sent
 * them and are passed over.
 */
#include "stun.h"

#include <string.h>

#include "cursor.h"

#define STUN_HEADER     20
#define STUN_CLASS_MASK 0x0110u

static const uint8_t magic_cookie[4] = {0x21, 0x12, 0xa4, 0x42};

bool stun_is_request(const uint8_t *b, size_t len)
{
    if (len < STUN_HEADER || (b[0] & 0xc0) != 0)
        return false;
    uint16_t type = (uint16_t)(b[0] << 8 | b[1]);
    uint16_t mlen = (uint16_t)(b[2] << 8 | b[3]);
    if ((size_t)mlen + STUN_HEADER != len)
        return false;
    /* With the cookie and a length that matches, a message is STUN even when
     * its length is not a multiple of 4 as RFC 5389 wants: WhatsApp's TURN
     * requests are 106 bytes. */
    if (memcmp(b + 4, magic_cookie, 4) == 0)
        return (type & 0x0100) == 0; /* class bits 0x0110: request 00 or indication 01 */
    /* RFC 3489 STUN, still used by Zoom, has no cookie: accept its Binding
     * Request only, the one message a client sends. */
    return type == 0x0001 && (mlen & 3) == 0;
}

static enum stun_app app_of_attribute(uint16_t type, uint16_t len)
{
    switch (type) {
    case 0x4000:
    case 0x4001:
    case 0x4002:
        return STUN_APP_WHATSAPP;
    case 0x0103:
        return STUN_APP_ZOOM;
    case 0xff03:
        return STUN_APP_GOOGLE;
    case 0x8054: /* CANDIDATE-IDENTIFIER */
        return len == 4 ? STUN_APP_MICROSOFT : STUN_APP_NONE;
    case 0x8070: /* IMPLEMENTATION-VERSION */
    case 0x8055: /* MS-SERVICE-QUALITY */
    case 0x8006: /* MS-VERSION */
    case 0x8095: /* MS-MULTIPLEXED-TURN-SESSION-ID */
        return STUN_APP_MICROSOFT;
    default:
        return STUN_APP_NONE;
    }
}

enum stun_app stun_application(const uint8_t *b, size_t len)
{
    struct cursor c = cursor_make(b, len);
    uint16_t type, mlen;
    if (!cur_be16(&c, &type) || !cur_be16(&c, &mlen) || !cur_skip(&c, STUN_HEADER - 4))
        return STUN_APP_NONE;
    if (c.left > mlen)
        c.left = mlen;
    uint16_t at, alen;
    while (cur_be16(&c, &at) && cur_be16(&c, &alen)) {
        enum stun_app app = app_of_attribute(at, alen);
        if (app != STUN_APP_NONE)
            return app;
        if (!cur_skip(&c, ((size_t)alen + 3) & ~(size_t)3))
            break;
    }
    return STUN_APP_NONE;
}

const char *stun_app_ndpi_name(enum stun_app app)
{
    static const char *const names[STUN_APP_COUNT] = {NULL, "WhatsAppCall", "Zoom",
                                                      "GoogleHangoutDuo", "SkypeCall"};
    return (unsigned)app < STUN_APP_COUNT ? names[app] : NULL;
}
