/*
 * peers.h - which service a client's UDP port was talking to before.
 *
 * Real-time media (WebRTC, Zoom, Teams, WhatsApp and Signal calls) finds its
 * path with ICE: the client sends STUN binding requests from a local port to the
 * service's STUN server, then carries the call from that same port, often
 * straight to the other party, whose address names nothing.  The capture thread
 * records each client (address, port) that sent a STUN binding request and the
 * server it sent it to; when a later UDP flow starts from that (address, port),
 * the worker classifies the STUN server (address ranges, DNS names) and gives
 * the flow the same service.
 *
 * Like the DNS cache (dns_cache.h), entries carry the capture sequence number of
 * the packet that made them, and a look-up for packet s ignores entries made at
 * or after s, so results do not depend on how far ahead the capture thread runs;
 * each slot keeps its older notes for the look-ups still to come (see
 * peers_set_horizon).  A fixed table: a new endpoint takes over the slot it
 * hashes to.  One writer (the capture thread), many readers; internally locked.
 */
#ifndef SHADOWTAP_PEERS_H
#define SHADOWTAP_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "siphash.h"
#include "stun.h"

struct peers;

/* slots: table size (rounded up to a power of two); lifetime_s: how long after
 * the STUN request a flow from the endpoint still counts; key: the hash key
 * that places endpoints in slots (NULL: a random one, so that which endpoints
 * collide changes from run to run).  NULL on failure. */
struct peers *peers_new(size_t slots, uint32_t lifetime_s, const struct siphash_key *key);
void peers_free(struct peers *p);

/* What a client's STUN requests said of the call beyond the server they went
 * to: the application their attributes mark (stun.h), and the service their
 * REALM names (a catalog symbol, symbol.h; 0 when none). */
struct peer_hint {
    enum stun_app app;
    uint32_t realm_service;
};

/* Records that client:port sent a STUN request to server at now_us, packet seq,
 * with what it said (hint; NULL: nothing).  A later request from the endpoint
 * that says nothing keeps what the earlier ones said. */
void peers_note(struct peers *p, const struct netaddr *client, uint16_t port,
                const struct netaddr *server, const struct peer_hint *hint, uint64_t now_us,
                uint64_t seq);

/* Tells the table that no look-up to come carries a sequence number below seq.
 * Writer only (the capture thread). */
void peers_set_horizon(struct peers *p, uint64_t seq);

/* Notes made, and previous notes overwritten while a look-up to come might
 * still have needed them (0 unless the workers fall far behind). */
uint64_t peers_notes(struct peers *p);
uint64_t peers_dropped(struct peers *p);
/* Older notes held now for look-ups still to come. */
uint64_t peers_older_notes(struct peers *p);

/* The STUN server client:port last talked to before packet seq, within the
 * lifetime, and (hint, when not NULL) what its requests said.  False if none. */
bool peers_lookup(struct peers *p, const struct netaddr *client, uint16_t port, uint64_t now_us,
                  uint64_t seq, struct netaddr *server, struct peer_hint *hint);

#endif
