/*
 * cursor.h - bounded reads of packet bytes.
 *
 * Every field of a packet is read through a cursor: a pointer and the number of
 * bytes left.  A read that would pass the end fails, returns false and leaves
 * the cursor and the output untouched, so a decoder cannot overrun a buffer
 * however the packet lies about its lengths.  Multi-byte reads are big-endian
 * (network order) unless named _le.
 */
#ifndef SHADOWTAP_CURSOR_H
#define SHADOWTAP_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
    const uint8_t *p;
    size_t left;
};

static inline struct cursor cursor_make(const uint8_t *p, size_t len)
{
    struct cursor c = {p, len};
    return c;
}

static inline bool cur_u8(struct cursor *c, uint8_t *v)
{
    if (c->left < 1)
        return false;
    *v = c->p[0];
    c->p += 1;
    c->left -= 1;
    return true;
}

static inline bool cur_be16(struct cursor *c, uint16_t *v)
{
    if (c->left < 2)
        return false;
    *v = (uint16_t)(c->p[0] << 8 | c->p[1]);
    c->p += 2;
    c->left -= 2;
    return true;
}

static inline bool cur_le16(struct cursor *c, uint16_t *v)
{
    if (c->left < 2)
        return false;
    *v = (uint16_t)(c->p[1] << 8 | c->p[0]);
    c->p += 2;
    c->left -= 2;
    return true;
}

static inline bool cur_be32(struct cursor *c, uint32_t *v)
{
    if (c->left < 4)
        return false;
    *v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
    c->p += 4;
    c->left -= 4;
    return true;
}

static inline bool cur_le32(struct cursor *c, uint32_t *v)
{
    if (c->left < 4)
        return false;
    *v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[1] << 8 | c->p[0];
    c->p += 4;
    c->left -= 4;
    return true;
}

static inline bool cur_bytes(struct cursor *c, void *out, size_t n)
{
    if (c->left < n)
        return false;
    for (size_t i = 0; i < n; i++)
        ((uint8_t *)out)[i] = c->p[i];
    c->p += n;
    c->left -= n;
    return true;
}

static inline bool cur_skip(struct cursor *c, size_t n)
{
    if (c->left < n)
        return false;
    c->p += n;
    c->left -= n;
    return true;
}

/* Reads a byte at offset off without moving; false if beyond the end. */
static inline bool cur_peek_u8(const struct cursor *c, size_t off, uint8_t *v)
{
    if (off >= c->left)
        return false;
    *v = c->p[off];
    return true;
}

#endif
