/*
 * netaddr.c - parse, format and test IPv4/IPv6 addresses and prefixes.
 *
 * Parsing is left to inet_pton, which is strict (no octal, no short forms),
 * because rules files are reviewed by people and "010.1.1.1" should be an error
 * rather than a surprise.
 */
#include "netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

bool netaddr_parse(const char *s, struct netaddr *out)
{
    uint8_t buf[16];
    if (inet_pton(AF_INET, s, buf) == 1) {
        netaddr_from_v4(out, buf);
        return true;
    }
    if (inet_pton(AF_INET6, s, buf) == 1) {
        netaddr_from_v6(out, buf);
        return true;
    }
    return false;
}

/* RFC 5952 text of an IPv6 address: lower-case hex groups without leading
 * zeros, and the longest run of two or more zero groups (the first of equal
 * runs) written "::".  Written here rather than left to inet_ntop, which uses
 * the deprecated IPv4-compatible form for some addresses (::1:2 becomes
 * ::0.1.0.2), a form RFC 5952 does not use. */
static bool format_v6(const uint8_t *b, char *buf, size_t len)
{
    unsigned group[8];
    int best = -1, best_len = 1, run = 0;
    for (int i = 0; i < 8; i++) {
        group[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
        run = group[i] == 0 ? run + 1 : 0;
        if (run > best_len) {
            best_len = run;
            best = i - run + 1;
        }
    }
    char out[NETADDR_STRLEN];
    size_t n = 0;
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            out[n++] = ':';
            out[n++] = ':';
            i += best_len - 1;
            continue;
        }
        if (n > 0 && out[n - 1] != ':')
            out[n++] = ':';
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%x", group[i]);
    }
    out[n] = '\0';
    if (n >= len)
        return false;
    memcpy(buf, out, n + 1);
    return true;
}

char *netaddr_format(const struct netaddr *a, char *buf, size_t len)
{
    bool ok;
    if (netaddr_is_v4(a))
        ok = inet_ntop(AF_INET, a->b + 12, buf, (socklen_t)len) != NULL;
    else
        ok = format_v6(a->b, buf, len);
    if (!ok && len > 0)
        buf[0] = '\0';
    return buf;
}

static void mask_host_bits(struct netaddr *a, unsigned len)
{
    for (unsigned i = 0; i < 16; i++) {
        unsigned bit = i * 8;
        if (bit >= len)
            a->b[i] = 0;
        else if (bit + 8 > len)
            a->b[i] &= (uint8_t)(0xff << (8 - (len - bit)));
    }
}

bool netprefix_parse(const char *s, struct netprefix *out, const char **why)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(addr)) {
        if (why)
            *why = "not an address";
        return false;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    struct netaddr a;
    if (!netaddr_parse(addr, &a)) {
        if (why)
            *why = "not an IPv4 or IPv6 address";
        return false;
    }
    bool v4 = strchr(addr, ':') == NULL;
    unsigned max = v4 ? 32 : 128;
    unsigned len = max;
    if (slash) {
        const char *p = slash + 1;
        if (*p < '0' || *p > '9' || strlen(p) > 3) {
            if (why)
                *why = "prefix length is not a number";
            return false;
        }
        len = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9') {
                if (why)
                    *why = "prefix length is not a number";
                return false;
            }
            len = len * 10 + (unsigned)(*p - '0');
        }
        if (len > max) {
            if (why)
                *why = v4 ? "IPv4 prefix length is above 32" : "IPv6 prefix length is above 128";
            return false;
        }
    }
    if (v4)
        len += 96;
    struct netaddr masked = a;
    mask_host_bits(&masked, len);
    if (netaddr_cmp(&masked, &a) != 0) {
        if (why)
            *why = "address has bits set beyond the prefix length";
        return false;
    }
    out->addr = masked;
    out->len = (uint8_t)len;
    return true;
}

bool netprefix_contains(const struct netprefix *p, const struct netaddr *a)
{
    unsigned full = p->len / 8, rest = p->len % 8;
    if (memcmp(p->addr.b, a->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (p->addr.b[full] & mask) == (a->b[full] & mask);
}

char *netprefix_format(const struct netprefix *p, char *buf, size_t len)
{
    char a[NETADDR_STRLEN];
    netaddr_format(&p->addr, a, sizeof(a));
    unsigned plen = p->len;
    if (netaddr_is_v4(&p->addr) && plen >= 96)
        plen -= 96;
    snprintf(buf, len, "%s/%u", a, plen);
    return buf;
}

bool netaddr_is_private(const struct netaddr *a)
{
    const uint8_t *b = a->b;
    if (netaddr_is_v4(a)) {
        const uint8_t *v4 = b + 12;
        return v4[0] == 10 || v4[0] == 127 || v4[0] == 0 || v4[0] >= 224 ||
               (v4[0] == 172 && (v4[1] & 0xf0) == 16) || (v4[0] == 192 && v4[1] == 168) ||
               (v4[0] == 169 && v4[1] == 254) || (v4[0] == 100 && (v4[1] & 0xc0) == 64);
    }
    static const uint8_t zero[15];
    if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
        return true;                                        /* :: and ::1 */
    return (b[0] & 0xfe) == 0xfc ||                          /* fc00::/7 */
           (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||         /* fe80::/10 */
           b[0] == 0xff;                                      /* ff00::/8 */
}
