/*
 * plaintext.h - names from plain-text protocols that nDPI 4.2 does not read.
 *
 * Small, bounded readers for a few text protocols whose first packet carries a
 * name worth logging.  Each takes a transport payload and returns the name, or
 * nothing; none keeps state.
 */
#ifndef SHADOWTAP_PLAINTEXT_H
#define SHADOWTAP_PLAINTEXT_H

#include <stddef.h>
#include <stdint.h>

/* The Host header of an SSDP request (UDP, "M-SEARCH * HTTP/1.1" or "NOTIFY *
 * HTTP/1.1"), as a printable string (hostname_printable), e.g.
 * "239.255.255.250:1900".  Returns its length, 0 when the payload is not such a
 * request or has no Host. */
size_t plaintext_ssdp_host(const uint8_t *payload, size_t len, char *out, size_t outsz);

#endif
