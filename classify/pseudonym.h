/*
 * pseudonym.h - devices as keyed pseudonyms, never as addresses.
 *
 * A device is named by SipHash-2-4 of its internal address under a secret
 * 128-bit key kept in a file readable only by the sensor (mode 0600).  The same
 * address gives the same pseudonym across runs and sensors sharing the key, so
 * distinct devices can be counted over a month; without the key a pseudonym
 * cannot be turned back into an address by trying every internal address.
 */
#ifndef SHADOWTAP_PSEUDONYM_H
#define SHADOWTAP_PSEUDONYM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "siphash.h"

#define PSEUDONYM_STRLEN 17 /* 16 hex digits and the NUL */

/* Reads the key from path (32 hex digits).  When the file does not exist and
 * create is true, writes a new random key with mode 0600.  Returns 0, or -1
 * with the reason in err.  A key file that others can read is refused. */
int pseudonym_key_load(const char *path, bool create, struct siphash_key *key, char *err,
                       size_t errlen);

uint64_t pseudonym_device(const struct siphash_key *key, const struct netaddr *addr);
/* 16 lower-case hex digits. */
void pseudonym_format(uint64_t device, char buf[PSEUDONYM_STRLEN]);

#endif
