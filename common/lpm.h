/*
 * lpm.h - longest-prefix match over 128-bit addresses.
 *
 * A binary trie, one node per prefix bit, stored in one array so that it is
 * freed in one call and walked without pointer chasing across the heap.  Used
 * for department ranges, internal networks and service IP ranges: tables of a
 * few thousand prefixes looked up once per flow, not per packet.
 */
#ifndef SHADOWTAP_LPM_H
#define SHADOWTAP_LPM_H

#include <stdint.h>

#include "netaddr.h"

struct lpm;

/* Returns NULL on allocation failure.  Free with lpm_free(). */
struct lpm *lpm_new(void);
void lpm_free(struct lpm *t);
/* Maps the prefix to value (>= 0).  Returns the value the prefix had before,
 * -1 if it was new, or -2 on allocation failure. */
int32_t lpm_insert(struct lpm *t, const struct netprefix *p, int32_t value);
/* Returns the value of the longest prefix containing a, or -1. */
int32_t lpm_lookup(const struct lpm *t, const struct netaddr *a);
/* Bytes held by the table. */
size_t lpm_memory(const struct lpm *t);

#endif
