/*
 * test_geo.c - country and ASN look-ups in the test databases that
 * tests/tools/make_test_mmdb.pl writes (GeoLite2-Country and GeoLite2-ASN
 * record shapes), IPv4 and IPv6; addresses in neither; absent databases
 * (allowed, and said in one note) against broken ones (an error naming the
 * setting and the file).
 */
#include "geo.h"

#include <stdlib.h>
#include <unistd.h>

#include "test.h"

static char dir[] = "/tmp/shadowtap-test-geo.XXXXXX";
static char country_db[512], asn_db[512];

static int make_databases(void)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    if (!src || !mkdtemp(dir))
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "perl '%s/tests/tools/make_test_mmdb.pl' '%s'", src, dir);
    if (system(cmd) != 0)
        return -1;
    snprintf(country_db, sizeof(country_db), "%s/country.mmdb", dir);
    snprintf(asn_db, sizeof(asn_db), "%s/asn.mmdb", dir);
    return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(data, 1, len, f);
        fclose(f);
    }
}

static struct geo_result look(const struct geo *g, const char *addr)
{
    struct netaddr a;
    struct geo_result r;
    memset(&r, 0x55, sizeof(r));
    CHECK(netaddr_parse(addr, &a));
    geo_lookup(g, &a, &r);
    return r;
}

TEST(looks_up_ipv4_and_ipv6)
{
    char err[512] = "";
    struct geo *g = geo_open(country_db, asn_db, err, sizeof(err));
    CHECK(g != NULL);
    if (!g) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK(geo_has_country(g) && geo_has_asn(g));
    CHECK_STR(geo_absent_note(g, NULL), "");

    struct geo_result r = look(g, "192.0.2.15");
    CHECK_STR(r.country, "US");
    CHECK_INT(r.asn, 64500);
    CHECK_STR(r.as_org, "Example Cloud, Inc.");
    r = look(g, "198.51.100.250");
    CHECK_STR(r.country, "DE");
    CHECK_INT(r.asn, 64501);
    CHECK_STR(r.as_org, "Beispiel Hosting GmbH");
    r = look(g, "203.0.113.20");
    CHECK_STR(r.country, "JP");
    CHECK_INT(r.asn, 64502);
    r = look(g, "2001:db8:100:10::1");
    CHECK_STR(r.country, "US");
    CHECK_INT(r.asn, 64500);
    r = look(g, "2001:db8:300:f0::2");
    CHECK_STR(r.country, "IE");
    CHECK_INT(r.asn, 64503);
    CHECK_STR(r.as_org, "Example Networks Ltd");

    /* In neither database: nothing found, everything cleared. */
    struct netaddr a;
    CHECK(netaddr_parse("203.0.113.123", &a));
    memset(&r, 0x55, sizeof(r));
    CHECK(!geo_lookup(g, &a, &r));
    CHECK_STR(r.country, "");
    CHECK_INT(r.asn, 0);
    CHECK_STR(r.as_org, "");
    CHECK(netaddr_parse("2001:db8:400::1", &a));
    CHECK(!geo_lookup(g, &a, &r));
    geo_close(g);
}

TEST(one_database_only)
{
    char err[512] = "";
    struct geo *g = geo_open(NULL, asn_db, err, sizeof(err));
    CHECK(g != NULL);
    CHECK(!geo_has_country(g) && geo_has_asn(g));
    bool missing = true;
    const char *note = geo_absent_note(g, &missing);
    CHECK(!missing); /* not set is a choice, not a fault */
    CHECK(strstr(note, "geoip.country_db not set") != NULL);
    CHECK(strstr(note, "destination countries are not reported") != NULL);
    CHECK(strstr(note, "asn_db") == NULL);
    struct geo_result r = look(g, "192.0.2.15");
    CHECK_STR(r.country, "");
    CHECK_INT(r.asn, 64500);
    geo_close(g);
}

TEST(absent_databases_are_allowed)
{
    char err[512] = "", missing_path[600];
    snprintf(missing_path, sizeof(missing_path), "%s/no-such.mmdb", dir);
    struct geo *g = geo_open(missing_path, "", err, sizeof(err));
    CHECK(g != NULL);
    CHECK(!geo_has_country(g) && !geo_has_asn(g));
    bool missing = false;
    const char *note = geo_absent_note(g, &missing);
    CHECK(missing);
    CHECK(strstr(note, "geoip.country_db") != NULL && strstr(note, "no-such.mmdb: no such file"));
    CHECK(strstr(note, "geoip.asn_db not set") != NULL);
    struct geo_result r = look(g, "192.0.2.15");
    CHECK_STR(r.country, "");
    CHECK_INT(r.asn, 0);
    geo_close(g);

    g = geo_open(NULL, NULL, err, sizeof(err));
    CHECK(g != NULL);
    geo_absent_note(g, &missing);
    CHECK(!missing);
    geo_close(g);
    CHECK(geo_lookup(NULL, NULL, &r) == false); /* no databases at all */
}

TEST(broken_databases_are_errors)
{
    char err[512] = "", bad[600];
    snprintf(bad, sizeof(bad), "%s/garbage.mmdb", dir);
    write_file(bad, "this is not a MaxMind database\n", 31);
    CHECK(geo_open(bad, asn_db, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "geoip.country_db: ") == err);
    CHECK(strstr(err, "garbage.mmdb is not a usable MaxMind DB file") != NULL);

    /* The first 200 bytes of a good file: its metadata (at the end) is gone. */
    FILE *f = fopen(asn_db, "rb");
    char head[200];
    size_t n = f ? fread(head, 1, sizeof(head), f) : 0;
    if (f)
        fclose(f);
    snprintf(bad, sizeof(bad), "%s/truncated.mmdb", dir);
    write_file(bad, head, n);
    err[0] = '\0';
    CHECK(geo_open(country_db, bad, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "geoip.asn_db: ") == err);
    CHECK(strstr(err, "truncated.mmdb is not a usable MaxMind DB file") != NULL);

    /* A folder where a file should be. */
    err[0] = '\0';
    CHECK(geo_open(dir, NULL, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "geoip.country_db: ") == err);
    CHECK(strstr(err, "is not a file") != NULL);
}

int main(void)
{
    if (make_databases() != 0) {
        fprintf(stderr, "test_geo: cannot write the test databases with "
                        "tests/tools/make_test_mmdb.pl (libmaxmind-db-writer-perl installed?)\n");
        return 1;
    }
    RUN(looks_up_ipv4_and_ipv6);
    RUN(one_database_only);
    RUN(absent_databases_are_allowed);
    RUN(broken_databases_are_errors);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_geo: could not remove %s\n", dir);
    return test_report();
}
