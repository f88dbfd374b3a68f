/*
 * geo.c - libmaxminddb look-ups for country and ASN.
 *
 * IPv4 addresses are looked up as IPv4 (libmaxminddb maps them into the IPv6
 * tree of a combined database itself), so both kinds of database work.
 */
#include "geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct geo {
    MMDB_s country;
    MMDB_s asn;
    bool have_country, have_asn;
};

static int open_db(const char *path, MMDB_s *db, const char *what, char *err, size_t errlen)
{
    int rc = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: cannot open the %s database: %s", path, what,
                 MMDB_strerror(rc));
        return -1;
    }
    return 0;
}

struct geo *geo_open(const char *country_db, const char *asn_db, char *err, size_t errlen)
{
    struct geo *g = calloc(1, sizeof(*g));
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (country_db && *country_db) {
        if (open_db(country_db, &g->country, "country", err, errlen) != 0) {
            free(g);
            return NULL;
        }
        g->have_country = true;
    }
    if (asn_db && *asn_db) {
        if (open_db(asn_db, &g->asn, "ASN", err, errlen) != 0) {
            geo_close(g);
            return NULL;
        }
        g->have_asn = true;
    }
    return g;
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
