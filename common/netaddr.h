/*
 * netaddr.h - IP addresses and prefixes in one 128-bit form.
 *
 * An IPv4 address is held as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, so
 * flow keys, prefix tables and caches have a single code path for both
 * families.  A prefix length always counts bits of the 128-bit form; the
 * parser turns "10.0.0.0/8" into ::ffff:10.0.0.0/104.
 */
#ifndef SHADOWTAP_NETADDR_H
#define SHADOWTAP_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NETADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

struct netaddr {
    uint8_t b[16];
};

struct netprefix {
    struct netaddr addr; /* host bits are zero */
    uint8_t len;         /* 0..128, in bits of the 128-bit form */
};

static inline bool netaddr_is_v4(const struct netaddr *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, mapped, 12) == 0;
}

static inline void netaddr_from_v4(struct netaddr *a, const uint8_t v4[4])
{
    memset(a->b, 0, 10);
    a->b[10] = 0xff;
    a->b[11] = 0xff;
    memcpy(a->b + 12, v4, 4);
}

static inline void netaddr_from_v6(struct netaddr *a, const uint8_t v6[16])
{
    memcpy(a->b, v6, 16);
}

static inline int netaddr_cmp(const struct netaddr *a, const struct netaddr *b)
{
    return memcmp(a->b, b->b, 16);
}

/* Parses a dotted IPv4 or an IPv6 address.  False on anything else. */
bool netaddr_parse(const char *s, struct netaddr *out);
/* Formats as dotted IPv4 for mapped addresses, RFC 5952 IPv6 otherwise.
 * buf must hold NETADDR_STRLEN bytes; returns buf. */
char *netaddr_format(const struct netaddr *a, char *buf, size_t len);

/* Parses "addr/len" or a bare address (a host prefix).  On failure returns false
 * and, when why is not NULL, points it at a short reason. */
bool netprefix_parse(const char *s, struct netprefix *out, const char **why);
bool netprefix_contains(const struct netprefix *p, const struct netaddr *a);
/* Formats as "addr/len" with the length in the address's own family. */
char *netprefix_format(const struct netprefix *p, char *buf, size_t len);

/* True for addresses that cannot belong to a cloud service: RFC 1918, loopback,
 * link-local, CGNAT, ULA, multicast, broadcast and unspecified. */
bool netaddr_is_private(const struct netaddr *a);

#endif
