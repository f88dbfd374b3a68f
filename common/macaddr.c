/*
 * macaddr.c - parse a MAC address or a prefix of one.
 *
 * Hand-written rather than left to ether_aton, which takes one-digit octets
 * ("0:1b:63:...") and no '-' or prefixes.
 */
#include "macaddr.h"

#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int macaddr_parse_prefix(const char *s, uint8_t out[MACADDR_LEN])
{
    memset(out, 0, MACADDR_LEN);
    char sep = '\0';
    int n = 0;
    for (;;) {
        int hi = hex_value(s[0]);
        int lo = hi < 0 ? -1 : hex_value(s[1]);
        if (lo < 0)
            break;
        out[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
        if (*s == '\0')
            return n;
        if (n == MACADDR_LEN || (*s != ':' && *s != '-') || (sep && *s != sep))
            break;
        sep = *s++;
    }
    memset(out, 0, MACADDR_LEN);
    return 0;
}
