/*
 * dns.h - read the addresses a DNS response gives for the name a client asked.
 *
 * The sensor learns which name a client meant by an address from the DNS
 * answers it sees: a later flow to that address with no SNI or Host header
 * (encrypted client hello, QUIC without a readable Initial, resumed TLS, plain
 * IP) still gets a name.  The parser reads RFC 1035 wire format with name
 * compression, follows CNAME chains from the question name to the A and AAAA
 * records at their end, and reads the ipv4hint and ipv6hint parameters of
 * HTTPS and SVCB records (RFC 9460).  Every address is reported against the
 * question name: the name the client asked for is the one its TLS SNI would
 * carry, not the CDN name a CNAME points to.
 *
 * The message comes from the network: every read is bounds-checked, compression
 * pointers may only point backwards and are followed at most DNS_MAX_POINTERS
 * times per name, and a malformed message stops the parse with an error,
 * keeping the addresses already reported.
 */
#ifndef SHADOWTAP_DNS_H
#define SHADOWTAP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define DNS_MAX_POINTERS 32 /* compression jumps within one name */
#define DNS_MAX_CNAME    16 /* links followed in one CNAME chain */

enum dns_error {
    DNS_ERR_NONE = 0,
    DNS_ERR_TRUNCATED = -1, /* the message ends inside a field */
    DNS_ERR_MALFORMED = -2, /* bad label, pointer loop or forward pointer, bad counts */
    DNS_ERR_NOT_RESPONSE = -3, /* QR bit clear, opcode not QUERY, or RCODE not NOERROR */
    DNS_ERR_NO_QUESTION = -4,  /* QDCOUNT is not 1 */
};

/* One address for the question name.  name is normalized (hostname.h) and lives
 * only during the call; ttl is that of the address record (for HTTPS/SVCB hints,
 * that of the HTTPS/SVCB record). */
typedef void (*dns_answer_fn)(void *ctx, const char *name, const struct netaddr *addr,
                              uint32_t ttl);

/* Parses a DNS message as carried in UDP (for TCP, strip the 2-byte length
 * first).  Calls fn once per address reachable from the question name.  Returns
 * the number of addresses reported (>= 0), or a negative enum dns_error; on an
 * error after some answers, those answers have still been reported. */
int dns_parse_response(const uint8_t *msg, size_t len, dns_answer_fn fn, void *ctx);

const char *dns_error_name(int err);

#endif
