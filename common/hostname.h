/*
 * hostname.h - make a host name from the wire safe to store and compare.
 *
 * SNI, HTTP Host and DNS names are chosen by whoever sends the packet.  Before a
 * name reaches a flow log, a Redis key or the catalog matcher it is copied with
 * an explicit bound, lower-cased, stripped of a trailing dot and of an HTTP
 * ":port", and checked to hold only the characters of a host name.
 */
#ifndef SHADOWTAP_HOSTNAME_H
#define SHADOWTAP_HOSTNAME_H

#include <stddef.h>

#define HOSTNAME_MAX 253 /* RFC 1035 limit on a name's text form */

/* Normalizes in[0..len) into out (outsz bytes, NUL-terminated).  Accepts
 * letters, digits, '-', '_' and '.', with no empty label.  Returns the length
 * written, or 0 when the input is not a plausible host name (the output is
 * then the empty string). */
size_t hostname_normalize(const char *in, size_t len, char *out, size_t outsz);

/* A looser copy for names that are not host names (NetBIOS and LLMNR names,
 * DHCP host names, SSH banners, SSDP Host values): printable ASCII kept and
 * lower-cased, every other byte replaced by '?' (as nDPI shows them), cut at
 * the first NUL, at most HOSTNAME_MAX bytes, trailing spaces dropped.  Returns
 * the length written (0 for an empty result). */
size_t hostname_printable(const char *in, size_t len, char *out, size_t outsz);

#endif
