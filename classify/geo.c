/*
 * geo.c - libmaxminddb look-ups for country and ASN.
 *
 * IPv4 addresses are looked up as IPv4 (libmaxminddb maps them into the IPv6
 * tree of a combined database itself), so both kinds of database work.
 *
 * A database that is not there is allowed (a sensor is useful without GeoIP,
 * and the files are often installed later by geoipupdate); one that is there
 * but unusable is a configuration error, so that a broken download is noticed
 * at start rather than as reports without countries.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct geo {
    MMDB_s country;
    MMDB_s asn;
    bool have_country, have_asn;
    bool configured_missing;
    char note[1024];
};

enum open_result { OPENED, ABSENT, BROKEN };

static enum open_result open_db(const char *path, const char *setting, MMDB_s *db, char *err,
                                size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT)
        return ABSENT;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s is not a file (expected a MaxMind DB file, .mmdb)", setting,
                 path);
        return BROKEN;
    }
    int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc == MMDB_SUCCESS)
        return OPENED;
    const char *why = MMDB_strerror(rc);
    char sys[128] = "";
    if (rc == MMDB_IO_ERROR || rc == MMDB_FILE_OPEN_ERROR)
        snprintf(sys, sizeof(sys), " (%s)", strerror(errno));
    if (rc == MMDB_INVALID_METADATA_ERROR || rc == MMDB_INVALID_DATA_ERROR ||
        rc == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR || rc == MMDB_CORRUPT_SEARCH_TREE_ERROR)
        snprintf(err, errlen,
                 "%s: %s is not a usable MaxMind DB file (%s); replace it with a good copy "
                 "(.mmdb, e.g. from geoipupdate) or unset %s",
                 setting, path, why, setting);
    else
        snprintf(err, errlen, "%s: cannot open %s: %s%s", setting, path, why, sys);
    return BROKEN;
}

/* Adds "what: why" to the note, separated by "; ". */
static void note_add(struct geo *g, const char *setting, const char *path, const char *lost)
{
    size_t n = strlen(g->note);
    if (n)
        n += (size_t)snprintf(g->note + n, sizeof(g->note) - n, "; ");
    if (n >= sizeof(g->note))
        return;
    if (path && *path)
        snprintf(g->note + n, sizeof(g->note) - n, "%s %s: no such file, %s", setting, path, lost);
    else
        snprintf(g->note + n, sizeof(g->note) - n, "%s not set, %s", setting, lost);
}

struct geo *geo_open(const char *country_db, const char *asn_db, char *err, size_t errlen)
{
    struct geo *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (country_db && *country_db) {
        enum open_result country = open_db(country_db, "geoip.country_db", &g->country, err, errlen);
        if (country == BROKEN) {
            free(g);
            return NULL;
        }
        g->have_country = country == OPENED;
    }
    if (asn_db && *asn_db) {
        enum open_result asn = open_db(asn_db, "geoip.asn_db", &g->asn, err, errlen);
        if (asn == BROKEN) {
            geo_close(g);
            return NULL;
        }
        g->have_asn = asn == OPENED;
    }
    if (!g->have_country)
        note_add(g, "geoip.country_db", country_db, "destination countries are not reported");
    if (!g->have_asn)
        note_add(g, "geoip.asn_db", asn_db,
                 "network owners are not reported and unclassified traffic is not "
                 "attributed to them");
    g->configured_missing =
        (country_db && *country_db && !g->have_country) || (asn_db && *asn_db && !g->have_asn);
    return g;
}

const char *geo_absent_note(const struct geo *g, bool *configured_missing)
{
    if (configured_missing)
        *configured_missing = g && g->configured_missing;
    return g ? g->note : "";
}

void geo_close(struct geo *g)
{
    if (!g)
        return;
    if (g->have_country)
        MMDB_close(&g->country);
    if (g->have_asn)
        MMDB_close(&g->asn);
    free(g);
}

bool geo_has_country(const struct geo *g)
{
    return g && g->have_country;
}

bool geo_has_asn(const struct geo *g)
{
    return g && g->have_asn;
}

static bool lookup(const MMDB_s *db, const struct netaddr *addr, MMDB_lookup_result_s *res)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (netaddr_is_v4(addr)) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
        sin->sin_family = AF_INET;
        memcpy(&sin->sin_addr, addr->b + 12, 4);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, addr->b, 16);
    }
    int mmdb_error = 0;
    *res = MMDB_lookup_sockaddr(db, (struct sockaddr *)&ss, &mmdb_error);
    return mmdb_error == MMDB_SUCCESS && res->found_entry;
}

/* Copies a UTF-8 string value keeping printable ASCII only: it ends up in JSON
 * and Redis fields, and an organisation name needs no more. */
static void copy_printable(char *dst, size_t dstlen, const char *src, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < dstlen; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x20 && c < 0x7f)
            dst[j++] = (char)c;
    }
    dst[j] = '\0';
}

bool geo_lookup(const struct geo *g, const struct netaddr *addr, struct geo_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!g)
        return false;
    bool found = false;
    MMDB_lookup_result_s res;
    MMDB_entry_data_s data;
    if (g->have_country && lookup(&g->country, addr, &res)) {
        if (MMDB_get_value(&res.entry, &data, "country", "iso_code", NULL) == MMDB_SUCCESS &&
            data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size == 2) {
            char cc[3] = {data.utf8_string[0], data.utf8_string[1], 0};
            if (cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z') {
                memcpy(out->country, cc, 3);
                found = true;
            }
        }
    }
    if (g->have_asn && lookup(&g->asn, addr, &res)) {
        if (MMDB_get_value(&res.entry, &data, "autonomous_system_number", NULL) == MMDB_SUCCESS &&
            data.has_data && data.type == MMDB_DATA_TYPE_UINT32) {
            out->asn = data.uint32;
            found = true;
        }
        if (MMDB_get_value(&res.entry, &data, "autonomous_system_organization", NULL) ==
                MMDB_SUCCESS &&
            data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING)
            copy_printable(out->as_org, sizeof(out->as_org), data.utf8_string, data.data_size);
    }
    return found;
}
