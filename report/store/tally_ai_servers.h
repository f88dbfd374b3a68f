/*
 * tally_ai_servers.h - the notes of model servers inside the network.
 *
 * A flow to an internal server that spoke a model API (classify/model_api.h)
 * and was answered is never cloud usage, so no tally cell counts it; it is
 * noted here instead, per (day, server, port, API, server's department,
 * client's department): bytes each way, flows, request lines and the
 * client device pseudonyms.  A server is its pseudonym (the keyed hash of
 * its address, as devices are), never its address.
 *
 * The table is bounded (TALLY_AI_SERVERS_MAX entries): a flow under a new
 * key beyond it is refused and counted in dropped.  tally_notes.h carries
 * one table with the other notes of a tally, and merges, clears and frees it
 * with them.
 *
 * Not thread-safe: a table has the owner of its tally.
 */
#ifndef SHADOWTAP_TALLY_AI_SERVERS_H
#define SHADOWTAP_TALLY_AI_SERVERS_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_AI_SERVERS_MAX 4096u /* (day, server, port, api, departments) entries */

/* One (day, server, port, api, server department, client department). */
struct tally_ai_server_note {
    uint32_t day;    /* days since 1970-01-01 */
    uint64_t server; /* pseudonym of the server's address */
    uint16_t port;   /* the server's TCP port */
    uint8_t api;     /* enum model_api_kind */
    uint32_t server_dept_sym, client_dept_sym;
    uint64_t bytes_up, bytes_down; /* client to server, server to client */
    uint32_t flows, requests;
    const uint64_t *devices; /* client pseudonyms: open addressing, devices_cap slots, 0 = empty */
    uint32_t devices_cap;
};

struct tally_ai_servers;

/* NULL on allocation failure. */
struct tally_ai_servers *tally_ai_servers_new(void);
void tally_ai_servers_free(struct tally_ai_servers *t); /* accepts NULL */
void tally_ai_servers_clear(struct tally_ai_servers *t);

/* Adds the counters of note (its devices and devices_cap ignored) and the
 * devices[0, ndevices_cap) that are not 0 under note's key.  Returns 0, or
 * -1 when the key is new and the table full or memory short (nothing added,
 * the flows counted in dropped), or when a device could not be added (the
 * counters were). */
int tally_ai_servers_add(struct tally_ai_servers *t, const struct tally_ai_server_note *note,
                         const uint64_t *devices, uint32_t ndevices_cap);
/* Adds every entry of from (NULL: none) and its dropped into into, within
 * into's bound.  Returns 0, or -1 when something did not fit. */
int tally_ai_servers_merge(struct tally_ai_servers *into, const struct tally_ai_servers *from);

size_t tally_ai_servers_count(const struct tally_ai_servers *t); /* 0 for NULL */
/* Flows refused for want of room (or memory); 0 for NULL. */
uint64_t tally_ai_servers_dropped(const struct tally_ai_servers *t);
/* Calls fn for each entry, in no particular order; NULL t: none. */
void tally_ai_servers_each(const struct tally_ai_servers *t,
                           void (*fn)(void *ctx, const struct tally_ai_server_note *note),
                           void *ctx);

#endif
