/*
 * assignments.h - the assignment feed: devices the organisation itself puts in
 * a department.
 *
 * What only the organisation knows (RADIUS accounting, the asset inventory,
 * logon events) reaches the sensor as entries "ADDRESS-or-MAC DEPARTMENT
 * [UNTIL]": from the file named by the setting departments.assignments, and
 * from a Redis hash an organisation's script keeps (schema_key_assignments).
 * An entry is the strongest evidence of a client's department (rules.h,
 * rules_department; docs/rules.md, "Precedence").
 *
 *     # address or MAC       department    until (optional; UTC or unix seconds)
 *     10.20.30.40            finance       2026-11-30T18:00:00Z
 *     fd00:20::17            sales
 *     00:1b:63:84:45:e6      engineering   1790000000
 *
 * A table is built against one departments table (its entries hold department
 * indices) and must only be used with it: with the rules set whose departments
 * it was built from.  Once built it is immutable and reference-counted, read by
 * any number of threads; lookups do not allocate, lock or make system calls.
 * Bounded: at most ASSIGNMENTS_MAX_ENTRIES entries, from files of at most
 * 64 MiB.
 *
 * Entries name devices, and through them people: no message of this module
 * quotes an address, a MAC or an expiry.  An error says the line and what is
 * wrong; a Redis entry that is wrong is only counted.
 */
#ifndef SHADOWTAP_ASSIGNMENTS_H
#define SHADOWTAP_ASSIGNMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "departments.h"
#include "diag.h"
#include "netaddr.h"

#define ASSIGNMENTS_MAX_ENTRIES 262144          /* addresses and MACs together, per table */
#define ASSIGNMENTS_NO_EXPIRY   UINT64_MAX      /* "until" of an entry without one */
#define ASSIGNMENTS_UNTIL_MAX   253402300799ULL /* 9999-12-31T23:59:59Z */

struct assignments;

/* Parses the feed file at path against the departments deps.  Returns a table
 * holding one reference, or NULL when the file could not be read or has any
 * error (every error recorded in d as "file:line: message"). */
struct assignments *assignments_load(const char *path, const struct departments *deps,
                                     struct diag *d);
/* The same over a buffer (need not be NUL-terminated); name is used in messages. */
struct assignments *assignments_load_buffer(const char *name, const char *buf, size_t len,
                                            const struct departments *deps, struct diag *d);

/* One field of an HGETALL reply of the Redis hash and its value: the field an
 * address or MAC, the value "DEPARTMENT [UNTIL]".  Neither need be
 * NUL-terminated. */
struct assignments_field {
    const char *field;
    size_t field_len;
    const char *value;
    size_t value_len;
};

/* What became of the fields of a Redis hash. */
struct assignments_hash_counts {
    size_t fields;             /* fields given */
    size_t taken;              /* entries in the table */
    size_t bad_key;            /* field not an address or a whole MAC */
    size_t bad_value;          /* value not "DEPARTMENT [UNTIL]" */
    size_t unknown_department; /* department not in departments.conf, or "unassigned" */
    size_t bad_time;           /* UNTIL not a time */
    size_t duplicate;          /* the same device as another field (another spelling of it):
                                  every field of such a device is skipped */
    size_t over_limit;         /* beyond ASSIGNMENTS_MAX_ENTRIES */
};

/* Builds a table from the n fields of a Redis hash, validated as file lines
 * are; fields that fail are skipped and counted in *counts (which is always
 * filled).  Returns a table holding one reference (possibly empty), or NULL
 * when out of memory. */
struct assignments *assignments_from_hash(const struct departments *deps,
                                          const struct assignments_field *fields, size_t n,
                                          struct assignments_hash_counts *counts);
/* Fields skipped, all reasons together. */
size_t assignments_hash_skipped(const struct assignments_hash_counts *c);
/* One line for the log about the skipped fields of hash key, naming none of
 * them: "KEY: 3 of 120 entries skipped (2 bad address or MAC, 1 unknown
 * department)".  Writes "" and returns 0 when none was skipped; else returns
 * the length (truncated to len - 1). */
size_t assignments_hash_describe(const struct assignments_hash_counts *c, const char *key,
                                 char *buf, size_t len);

/* Reference counting: a table is freed with its last reference.  Both accept
 * NULL (retain returns it). */
struct assignments *assignments_retain(struct assignments *a);
void assignments_release(struct assignments *a);

/* Entries of the table, by address and by MAC; 0 for NULL. */
size_t assignments_count(const struct assignments *a);
size_t assignments_count_addresses(const struct assignments *a);
size_t assignments_count_macs(const struct assignments *a);

/* The department index of the entry for address addr (IPv4 or IPv6) or for
 * the 6-byte mac, at unix second now: -1 when the table (which may be NULL)
 * has none, or when its entry's until is not after now (an entry with until T
 * holds for now < T). */
int assignments_lookup_address(const struct assignments *a, const struct netaddr *addr,
                               uint64_t now);
int assignments_lookup_mac(const struct assignments *a, const uint8_t *mac, uint64_t now);

/* Parses an UNTIL: "YYYY-MM-DDTHH:MM:SSZ" (UTC) or unix seconds, at most
 * ASSIGNMENTS_UNTIL_MAX.  False on anything else. */
bool assignments_parse_time(const char *s, uint64_t *out);

/* What a feed file looked like when last read: a change of any part means it
 * was rewritten (or replaced by rename) since. */
struct assignments_stamp {
    bool exists;
    uint64_t dev, ino, size;
    int64_t mtime_ns;
};

/* Takes the stamp of path now; returns true when it differs from *st, and
 * stores it in *st.  A zeroed stamp is "never read": an existing file differs
 * from it.  One stat(2); for a periodic check, not the packet path. */
bool assignments_stamp_update(const char *path, struct assignments_stamp *st);

#endif
