/*
 * geo.h - destination country and network owner from MaxMind-format databases.
 *
 * Two optional databases: a country database (GeoIP2/GeoLite2-Country or City:
 * country.iso_code) and an ASN database (GeoLite2-ASN:
 * autonomous_system_number and autonomous_system_organization).  Either may be
 * absent; look-ups then report nothing for that part.  Databases are opened
 * memory-mapped and only read, so look-ups are safe from any thread.
 */
#ifndef SHADOWTAP_GEO_H
#define SHADOWTAP_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct geo_result {
    char country[3];   /* ISO 3166-1 alpha-2, "" if unknown */
    uint32_t asn;      /* 0 if unknown */
    char as_org[96];   /* "" if unknown; printable ASCII */
};

struct geo;

/* Opens whichever paths are not NULL or "".  A database is allowed to be
 * absent: a path that is not set, or names no file, leaves that part out (see
 * geo_absent_note).  Returns NULL with the reason in err (naming the setting,
 * the path and the fault) when a file is there but is not a usable MaxMind DB
 * (corrupt, truncated, unreadable), or when out of memory. */
struct geo *geo_open(const char *country_db, const char *asn_db, char *err, size_t errlen);
void geo_close(struct geo *g);
bool geo_has_country(const struct geo *g);
bool geo_has_asn(const struct geo *g);
/* One line that says which databases are absent and what is therefore not
 * reported, for the log at start; "" when both are open.  *configured_missing
 * is set when a path was given but names no file (worth a warning, while a
 * path never set is a choice).  Valid until geo_close(). */
const char *geo_absent_note(const struct geo *g, bool *configured_missing);

/* Fills out; returns true when anything was found. */
bool geo_lookup(const struct geo *g, const struct netaddr *addr, struct geo_result *out);

#endif
