/*
 * hostname.c - bounded, validated copies of host names from the wire.
 */
#include "hostname.h"

#include <string.h>

size_t hostname_normalize(const char *in, size_t len, char *out, size_t outsz)
{
    if (outsz == 0)
        return 0;
    out[0] = '\0';
    /* HTTP Host may carry a port; a bracketed IPv6 literal is not a name. */
    const char *colon = memchr(in, ':', len);
    if (colon)
        len = (size_t)(colon - in);
    if (len > 0 && in[len - 1] == '.')
        len--;
    if (len == 0 || len > HOSTNAME_MAX || len >= outsz)
        return 0;

    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c == '.') {
            if (label == 0)
                return out[0] = '\0', 0;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
            if (++label > 63)
                return out[0] = '\0', 0;
        } else {
            return out[0] = '\0', 0;
        }
        out[i] = c;
    }
    if (label == 0) /* "example.com.." less its one trailing dot ends in an empty label */
        return out[0] = '\0', 0;
    out[len] = '\0';
    return len;
}

size_t hostname_printable(const char *in, size_t len, char *out, size_t outsz)
{
    if (outsz == 0)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < len && in[i] && n + 1 < outsz && n < HOSTNAME_MAX; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return n;
}
