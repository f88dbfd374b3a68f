/*
 * fragment.h - ports for the later fragments of a fragmented datagram.
 *
 * Only the first fragment of a datagram carries the TCP/UDP header, yet every
 * fragment belongs to the flow and its bytes must be counted there.  The
 * capture thread remembers the ports of each first fragment, keyed by
 * (source, destination, protocol, identification), and gives them to the later
 * fragments, so all of them hash to the flow and worker of the first.  Later
 * fragments seen before their first one cannot be placed and are counted.
 *
 * A fixed table: a new datagram overwrites the slot it hashes to.  Entries live
 * FRAGMENT_LIFETIME_US (RFC 791 suggests reassembly timeouts of 15-120 s).
 */
#ifndef SHADOWTAP_FRAGMENT_H
#define SHADOWTAP_FRAGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"

#define FRAGMENT_SLOTS       4096
#define FRAGMENT_LIFETIME_US (30ULL * 1000000ULL)

struct fragment_table;

struct fragment_table *fragment_table_new(void);
void fragment_table_free(struct fragment_table *t);

/* For a FRAGMENT_FIRST packet: remembers its ports.  For FRAGMENT_LATER: sets
 * p->sport and p->dport from its first fragment and returns true, or returns
 * false when the first fragment is unknown.  Other packets: returns true. */
bool fragment_track(struct fragment_table *t, struct packet *p, uint64_t now_us);

#endif
