/*
 * siphash.h - SipHash-2-4, a keyed hash (Aumasson and Bernstein, 2012).
 *
 * Used wherever an attacker on the network chooses the input: flow and cache
 * hash tables (a random key per run makes collision flooding impractical) and
 * device pseudonyms (a secret key file makes them unlinkable to addresses).
 */
#ifndef SHADOWTAP_SIPHASH_H
#define SHADOWTAP_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
    uint64_t k0, k1;
};

uint64_t siphash24(const struct siphash_key *key, const void *data, size_t len);

/* Fills key with random bytes from the kernel.  Returns 0, or -1 if none. */
int siphash_key_random(struct siphash_key *key);

#endif
