/*
 * tally_notes.h - what a flush carries besides the counters.
 *
 * Two small tables travel with a tally (tally.h) to the flusher and into the
 * flush script (docs/redis-schema.md):
 *
 *   - the owner of each autonomous system that unclassified traffic went to,
 *     so that a report can say "Unclassified, hosted at Example Cloud, Inc."
 *     for the service id "unclassified:AS64500";
 *   - the host names of unclassified flows (server names no catalog entry
 *     matched) with the bytes they carried, per day, so that an analyst sees
 *     which names to add to the catalog.
 *
 * Host names come from the network, so both tables are bounded: beyond
 * TALLY_NOTES_MAX_HOSTS names (or TALLY_NOTES_MAX_ASNS systems) a table takes
 * no new entry, only more bytes for the ones it holds, and counts what it
 * dropped.  A hint for analysts may lose a rare name; the counters never do.
 *
 * Not thread-safe: notes have the owner of their tally.
 */
#ifndef SHADOWTAP_TALLY_NOTES_H
#define SHADOWTAP_TALLY_NOTES_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_NOTES_MAX_HOSTS 4096u
#define TALLY_NOTES_MAX_ASNS  4096u
#define TALLY_NOTES_ORG_MAX   95u /* as geo.h's as_org */

struct tally_notes;

/* NULL on allocation failure. */
struct tally_notes *tally_notes_new(void);
void tally_notes_free(struct tally_notes *n); /* accepts NULL */
void tally_notes_clear(struct tally_notes *n);

/* Notes the owner of an autonomous system (the newest name wins).  org is
 * printable ASCII (geo.h), cut at TALLY_NOTES_ORG_MAX.  Returns 0, or -1 when
 * the table is full or memory is short (counted in dropped). */
int tally_notes_add_asn(struct tally_notes *n, uint32_t asn, const char *org);
/* Adds bytes to a host name on a day (days since 1970-01-01).  host is a
 * normalized host name (hostname.h).  Returns 0, or -1 as above. */
int tally_notes_add_host(struct tally_notes *n, uint32_t day, const char *host, uint64_t bytes);
/* Adds everything of from into into (within into's bounds).  Returns 0, or -1
 * when something did not fit. */
int tally_notes_merge(struct tally_notes *into, const struct tally_notes *from);

size_t tally_notes_count(const struct tally_notes *n); /* systems + host names; 0 for NULL */
uint64_t tally_notes_dropped(const struct tally_notes *n);

void tally_notes_each_asn(const struct tally_notes *n,
                          void (*fn)(void *ctx, uint32_t asn, const char *org), void *ctx);
void tally_notes_each_host(const struct tally_notes *n,
                           void (*fn)(void *ctx, uint32_t day, const char *host, uint64_t bytes),
                           void *ctx);

#endif
