/*
 * macaddr.h - Ethernet MAC addresses and MAC prefixes as people write them.
 *
 * Rules and the assignment feed name devices by MAC ("00:1b:63:84:45:e6") and
 * vendors by a prefix of it ("00:1b:63", an OUI).  One parser for both, strict
 * so that a typo is an error rather than a rule that never matches: one to six
 * octets of exactly two hex digits, any case, separated throughout by ':' or
 * throughout by '-'.  Nothing here formats a MAC: MACs name devices, and no
 * message of shadowtap prints one (docs/rules.md, privacy).
 */
#ifndef SHADOWTAP_MACADDR_H
#define SHADOWTAP_MACADDR_H

#include <stdint.h>

#define MACADDR_LEN 6 /* octets of a whole MAC */

/* Parses a MAC or a prefix of one into out (octets past the prefix are set to
 * zero).  Returns the number of octets, 1 to MACADDR_LEN, or 0 when s is not
 * one (out is then all zero). */
int macaddr_parse_prefix(const char *s, uint8_t out[MACADDR_LEN]);

#endif
