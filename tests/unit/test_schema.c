/*
 * test_schema.c - the Redis schema's names: every key and field kind built as
 * docs/redis-schema.md writes it, parsed back, the reserved service id with
 * a ':' kept whole, over-long ids and names refused, and the flush script
 * naming keys only through the schema's Lua preamble.
 */
#include "schema.h"

#include <stdlib.h>

#include "store.h"
#include "test.h"

#define HOSTED "unclassified:AS16509"

static char buf[SCHEMA_NAME_MAX];

/* A string of n copies of c (n < sizeof(long_id)). */
static const char *repeat(char c, size_t n)
{
    static char long_id[SCHEMA_NAME_MAX * 2];
    memset(long_id, c, n);
    long_id[n] = '\0';
    return long_id;
}

TEST(builds_every_key)
{
    CHECK_STR(schema_key_first_seen, "shadowtap:first_seen");
    CHECK_STR(schema_key_last_seen, "shadowtap:last_seen");
    CHECK_STR(schema_key_sensors, "shadowtap:sensors");
    CHECK_STR(schema_key_events, "shadowtap:events");
    CHECK_STR(schema_key_asn, "shadowtap:asn");
    CHECK_STR(schema_key_assignments, "shadowtap:assignments");
    CHECK_INT(schema_key_counts(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02"), 24);
    CHECK_STR(buf, "shadowtap:day:2026-11-02");
    CHECK_INT(schema_key_counts(buf, sizeof(buf), SCHEMA_MONTH, "2026-11"), 23);
    CHECK_STR(buf, "shadowtap:month:2026-11");
    CHECK(schema_key_geo(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02") > 0);
    CHECK_STR(buf, "shadowtap:geo:day:2026-11-02");
    CHECK(schema_key_geo(buf, sizeof(buf), SCHEMA_MONTH, "2026-11") > 0);
    CHECK_STR(buf, "shadowtap:geo:month:2026-11");
    CHECK(schema_key_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02", "sales|dropbox") > 0);
    CHECK_STR(buf, "shadowtap:devices:day:2026-11-02:sales|dropbox");
    CHECK(schema_key_devices(buf, sizeof(buf), SCHEMA_MONTH, "2026-11", "sales|dropbox") > 0);
    CHECK_STR(buf, "shadowtap:devices:month:2026-11:sales|dropbox");
    CHECK(schema_key_sensor(buf, sizeof(buf), "edge-1") > 0);
    CHECK_STR(buf, "shadowtap:sensor:edge-1");
    CHECK(schema_key_sensor_health(buf, sizeof(buf), "edge-1") > 0);
    CHECK_STR(buf, "shadowtap:sensor:edge-1:health");
    CHECK(schema_key_month_sensors(buf, sizeof(buf), "2026-11") > 0);
    CHECK_STR(buf, "shadowtap:sensors:2026-11");
    CHECK(schema_key_alerted(buf, sizeof(buf), "2026-11-02T08", "sales|dropbox") > 0);
    CHECK_STR(buf, "shadowtap:alerted:2026-11-02T08:sales|dropbox");
    CHECK(schema_key_upload(buf, sizeof(buf), "2026-11-02T08") > 0);
    CHECK_STR(buf, "shadowtap:upload:2026-11-02T08");
    CHECK(schema_key_unmatched(buf, sizeof(buf), "2026-11") > 0);
    CHECK_STR(buf, "shadowtap:unmatched:2026-11");
}

/* Builds with build(), parses, and checks what the parse says. */
static void round_trip(int built, enum schema_key_kind kind, const char *when, const char *sensor,
                       const char *cell)
{
    struct schema_key k;
    CHECK(built > 0);
    CHECK(schema_key_parse(buf, (size_t)built, &k));
    CHECK_INT(k.kind, kind);
    CHECK_INT(k.when_len, when ? strlen(when) : 0);
    CHECK(!when || memcmp(k.when, when, k.when_len) == 0);
    CHECK_INT(k.sensor_len, sensor ? strlen(sensor) : 0);
    CHECK(!sensor || memcmp(k.sensor, sensor, k.sensor_len) == 0);
    CHECK_INT(k.cell_len, cell ? strlen(cell) : 0);
    CHECK(!cell || memcmp(k.cell, cell, k.cell_len) == 0);
}

TEST(parses_every_key_back)
{
    struct schema_key k;
    round_trip(schema_key_counts(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02"), SCHEMA_KEY_COUNTS,
               "2026-11-02", NULL, NULL);
    CHECK(schema_key_parse(buf, strlen(buf), &k) && k.span == SCHEMA_DAY);
    round_trip(schema_key_counts(buf, sizeof(buf), SCHEMA_MONTH, "2026-11"), SCHEMA_KEY_COUNTS,
               "2026-11", NULL, NULL);
    CHECK(schema_key_parse(buf, strlen(buf), &k) && k.span == SCHEMA_MONTH);
    round_trip(schema_key_geo(buf, sizeof(buf), SCHEMA_MONTH, "2026-11"), SCHEMA_KEY_GEO, "2026-11",
               NULL, NULL);
    CHECK(schema_key_parse(buf, strlen(buf), &k) && k.span == SCHEMA_MONTH);
    round_trip(schema_key_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02", "it|github"),
               SCHEMA_KEY_DEVICES, "2026-11-02", NULL, "it|github");
    CHECK(schema_key_parse(buf, strlen(buf), &k) && k.span == SCHEMA_DAY);
    round_trip(schema_key_sensor(buf, sizeof(buf), "edge-1"), SCHEMA_KEY_SENSOR, NULL, "edge-1",
               NULL);
    round_trip(schema_key_sensor_health(buf, sizeof(buf), "edge-1"), SCHEMA_KEY_SENSOR_HEALTH, NULL,
               "edge-1", NULL);
    round_trip(schema_key_month_sensors(buf, sizeof(buf), "2026-11"), SCHEMA_KEY_MONTH_SENSORS,
               "2026-11", NULL, NULL);
    round_trip(schema_key_alerted(buf, sizeof(buf), "2026-11-02T08", "it|github"),
               SCHEMA_KEY_ALERTED, "2026-11-02T08", NULL, "it|github");
    round_trip(schema_key_upload(buf, sizeof(buf), "2026-11-02T23"), SCHEMA_KEY_UPLOAD,
               "2026-11-02T23", NULL, NULL);
    round_trip(schema_key_unmatched(buf, sizeof(buf), "2026-11"), SCHEMA_KEY_UNMATCHED, "2026-11",
               NULL, NULL);
    static const struct {
        const char *key;
        enum schema_key_kind kind;
    } fixed[] = {
        {schema_key_first_seen, SCHEMA_KEY_FIRST_SEEN},
        {schema_key_last_seen, SCHEMA_KEY_LAST_SEEN},
        {schema_key_sensors, SCHEMA_KEY_SENSORS},
        {schema_key_events, SCHEMA_KEY_EVENTS},
        {schema_key_asn, SCHEMA_KEY_ASN},
        {schema_key_assignments, SCHEMA_KEY_ASSIGNMENTS},
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        CHECK(schema_key_parse(fixed[i].key, strlen(fixed[i].key), &k));
        CHECK_INT(k.kind, fixed[i].kind);
        CHECK(!k.when && !k.sensor && !k.cell);
    }
    /* The length given is what is parsed: no NUL needed. */
    CHECK(schema_key_parse("shadowtap:asnXYZ", 13, &k) && k.kind == SCHEMA_KEY_ASN);
}

TEST(refuses_keys_not_of_the_schema)
{
    static const char *const foreign[] = {
        "",
        "shadowtap:",
        "other:day:2026-11-02",
        "Shadowtap:day:2026-11-02",
        "shadowtap:day:2026-11-2",
        "shadowtap:day:2026-11-02x",
        "shadowtap:day:2026-11",
        "shadowtap:month:2026-11-02",
        "shadowtap:week:2026-45",
        "shadowtap:geo:2026-11",
        "shadowtap:devices:day:2026-11-02",
        "shadowtap:devices:day:2026-11-02:",
        "shadowtap:devices:day:2026-11-02:sales",
        "shadowtap:devices:day:2026-11-02:sales|",
        "shadowtap:devices:day:2026-11-02:a|b|c",
        "shadowtap:devices:month:2026-11|sales|dropbox",
        "shadowtap:sensor:",
        "shadowtap:sensors:2026",
        "shadowtap:sensors:2026-11:x",
        "shadowtap:alerted:2026-11-02:sales|dropbox",
        "shadowtap:alerted:2026-11-02T08",
        "shadowtap:upload:2026-11-02T8",
        "shadowtap:unmatched:2026-11-02",
        "shadowtap:first_seen:x",
        "shadowtap:events2",
    };
    struct schema_key k;
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        if (schema_key_parse(foreign[i], strlen(foreign[i]), &k))
            TEST_FAIL_AT(__FILE__, __LINE__, "\"%s\" parsed as kind %d", foreign[i], k.kind);
    }
    CHECK(!schema_key_parse(repeat('x', 0), 0, &k));
    /* A sensor id ending in ":health" is read as the health key of the id before it. */
    CHECK(schema_key_parse("shadowtap:sensor:a:health", 25, &k));
    CHECK(k.kind == SCHEMA_KEY_SENSOR_HEALTH && k.sensor_len == 1);
    CHECK(schema_key_parse("shadowtap:sensor::health", 24, &k));
    CHECK(k.kind == SCHEMA_KEY_SENSOR && k.sensor_len == 7);
}

/* The reserved service id unclassified:AS{n} holds a ':'; a service id ends
 * a key or stands between two '|', so it is kept whole. */
TEST(keeps_the_hosted_service_id_whole)
{
    struct schema_key k;
    const char *cell = "research|" HOSTED;
    CHECK_INT(schema_cell(buf, sizeof(buf), "research", HOSTED), (int)strlen(cell));
    CHECK_STR(buf, cell);
    size_t dept_len;
    CHECK(schema_cell_split(cell, strlen(cell), &dept_len) && dept_len == 8);
    round_trip(schema_key_devices(buf, sizeof(buf), SCHEMA_MONTH, "2026-11", cell),
               SCHEMA_KEY_DEVICES, "2026-11", NULL, cell);
    CHECK_STR(buf, "shadowtap:devices:month:2026-11:research|unclassified:AS16509");
    round_trip(schema_key_alerted(buf, sizeof(buf), "2026-11-02T08", cell), SCHEMA_KEY_ALERTED,
               "2026-11-02T08", NULL, cell);
    CHECK(schema_key_parse(buf, strlen(buf), &k));
    CHECK(k.cell_len == strlen(cell) && memcmp(k.cell, cell, k.cell_len) == 0);

    struct schema_field f;
    CHECK(schema_field_counter(buf, sizeof(buf), cell, SCHEMA_FLOWS) > 0);
    CHECK_STR(buf, "research|unclassified:AS16509|flows");
    CHECK(schema_field_counter_parse(buf, strlen(buf), &f));
    CHECK(f.cell_len == strlen(cell) && f.dept_len == 8 && f.counter == SCHEMA_FLOWS);
    CHECK(schema_field_geo(buf, sizeof(buf), cell, "US", SCHEMA_BYTES_DOWN) > 0);
    CHECK_STR(buf, "research|unclassified:AS16509|US|bytes_down");
    CHECK(schema_field_geo_parse(buf, strlen(buf), &f));
    CHECK(f.cell_len == strlen(cell) && memcmp(f.country, "US", 2) == 0);

    CHECK_STR(schema_asn_of_service(HOSTED), "AS16509");
    CHECK(schema_asn_of_service("unclassified") == NULL);
    CHECK(schema_asn_of_service("dropbox") == NULL);
    CHECK_INT(schema_field_asn(buf, sizeof(buf), 16509), 7);
    CHECK_STR(buf, "AS16509");
    CHECK(schema_field_asn(buf, sizeof(buf), 0) > 0);
    CHECK_STR(buf, "AS0");
    CHECK(schema_field_asn(buf, sizeof(buf), 4294967295u) > 0);
    CHECK_STR(buf, "AS4294967295");
}

TEST(builds_and_parses_cells_and_counters)
{
    CHECK_INT(schema_cell(buf, sizeof(buf), "sales", "dropbox"), 13);
    CHECK_STR(buf, "sales|dropbox");
    size_t dept_len = 99;
    CHECK(schema_cell_split("sales|dropbox", 13, &dept_len) && dept_len == 5);
    CHECK(!schema_cell_split("salesdropbox", 12, &dept_len));
    CHECK(!schema_cell_split("|dropbox", 8, &dept_len));
    CHECK(!schema_cell_split("sales|", 6, &dept_len));
    CHECK(!schema_cell_split("a|b|c", 5, &dept_len));
    CHECK(schema_cell_split("a|b|c", 3, &dept_len) && dept_len == 1);

    static const char *const names[SCHEMA_COUNTERS] = {"bytes_up", "bytes_down", "packets_up",
                                                       "packets_down", "flows"};
    struct schema_field f;
    for (int c = 0; c < SCHEMA_COUNTERS; c++) {
        CHECK_STR(schema_counter_name((enum schema_counter)c), names[c]);
        CHECK_INT(schema_counter_parse(names[c], strlen(names[c])), c);
        int n = schema_field_counter(buf, sizeof(buf), "sales|dropbox", (enum schema_counter)c);
        CHECK_INT(n, 14 + (int)strlen(names[c]));
        CHECK(strncmp(buf, "sales|dropbox|", 14) == 0 && strcmp(buf + 14, names[c]) == 0);
        CHECK(schema_field_counter_parse(buf, (size_t)n, &f));
        CHECK(f.cell_len == 13 && f.dept_len == 5 && f.counter == (enum schema_counter)c);
        CHECK(f.country == NULL);
    }
    CHECK(schema_counter_name(SCHEMA_COUNTERS) == NULL);
    CHECK_INT(schema_counter_parse("bytes", 5), -1);
    CHECK_INT(schema_counter_parse("bytes_upx", 9), -1);
    CHECK_INT(schema_counter_parse("bytes_upx", 8), SCHEMA_BYTES_UP);

    static const char *const not_counters[] = {
        "sales|dropbox", "sales|dropbox|bogus", "dropbox|flows",      "|dropbox|flows",
        "sales||flows",  "a|b|c|flows",         "sales|dropbox|flow", "flows",
    };
    for (size_t i = 0; i < sizeof(not_counters) / sizeof(not_counters[0]); i++) {
        if (schema_field_counter_parse(not_counters[i], strlen(not_counters[i]), &f))
            TEST_FAIL_AT(__FILE__, __LINE__, "\"%s\" parsed as a counter field", not_counters[i]);
    }
}

TEST(builds_and_parses_geo_fields)
{
    struct schema_field f;
    CHECK_INT(schema_field_geo(buf, sizeof(buf), "sales|dropbox", "DE", SCHEMA_BYTES_UP), 25);
    CHECK_STR(buf, "sales|dropbox|DE|bytes_up");
    CHECK(schema_field_geo_parse(buf, 25, &f));
    CHECK(f.cell_len == 13 && f.dept_len == 5 && f.counter == SCHEMA_BYTES_UP);
    CHECK(f.country == buf + 14);
    CHECK(schema_field_geo(buf, sizeof(buf), "sales|dropbox", "DE", SCHEMA_BYTES_DOWN) > 0);
    CHECK(schema_field_geo_parse(buf, strlen(buf), &f) && f.counter == SCHEMA_BYTES_DOWN);
    /* Only byte counters, only two capitals. */
    CHECK_INT(schema_field_geo(buf, sizeof(buf), "sales|dropbox", "DE", SCHEMA_FLOWS), -1);
    CHECK_INT(schema_field_geo(buf, sizeof(buf), "sales|dropbox", "de", SCHEMA_BYTES_UP), -1);
    CHECK_INT(schema_field_geo(buf, sizeof(buf), "sales|dropbox", "DEU", SCHEMA_BYTES_UP), -1);
    static const char *const not_geo[] = {
        "sales|dropbox|de|bytes_up",
        "sales|dropbox|DEU|bytes_up",
        "sales|dropbox|DE|flows",
        "sales|dropbox|bytes_up",
        "dropbox|DE|bytes_up",
        "|DE|bytes_up",
        "DE|bytes_up",
        "a|b|c|DE|bytes_up",
        "sales|dropbox|D|bytes_up",
        "sales|dropbox|DE|bytes_upp",
    };
    for (size_t i = 0; i < sizeof(not_geo) / sizeof(not_geo[0]); i++) {
        if (schema_field_geo_parse(not_geo[i], strlen(not_geo[i]), &f))
            TEST_FAIL_AT(__FILE__, __LINE__, "\"%s\" parsed as a geo field", not_geo[i]);
    }
    /* A counter field is no geo field, and the reverse. */
    CHECK(!schema_field_counter_parse("sales|dropbox|DE|bytes_up", 25, &f));
    CHECK(!schema_field_geo_parse("sales|dropbox|bytes_up", 22, &f));
}

TEST(refuses_bad_and_overlong_ids)
{
    const char *id64 = repeat('a', SCHEMA_ID_MAX);
    char cell[SCHEMA_NAME_MAX];
    CHECK(schema_cell(cell, sizeof(cell), id64, "dropbox") > 0);
    CHECK(schema_key_devices(buf, sizeof(buf), SCHEMA_MONTH, "2026-11", cell) > 0);
    CHECK_INT(schema_cell(cell, sizeof(cell), repeat('a', SCHEMA_ID_MAX + 1), "dropbox"), -1);
    CHECK_STR(cell, "");
    CHECK_INT(schema_cell(cell, sizeof(cell), "sales", repeat('b', SCHEMA_ID_MAX + 1)), -1);
    CHECK_INT(schema_cell(cell, sizeof(cell), "", "dropbox"), -1);
    CHECK_INT(schema_cell(cell, sizeof(cell), "sales", ""), -1);
    CHECK_INT(schema_cell(cell, sizeof(cell), "sa|les", "dropbox"), -1);
    CHECK_INT(schema_cell(cell, sizeof(cell), "sales", "drop|box"), -1);

    /* A cell must be one: with its '|', not too long. */
    char longcell[SCHEMA_ID_MAX + 8] = "sales|";
    memset(longcell + 6, 'b', SCHEMA_ID_MAX + 1);
    longcell[6 + SCHEMA_ID_MAX + 1] = '\0';
    size_t dept_len;
    CHECK(!schema_cell_split(longcell, strlen(longcell), &dept_len));
    CHECK_INT(schema_key_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02", longcell), -1);
    CHECK_STR(buf, "");
    CHECK_INT(schema_key_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-02", "dropbox"), -1);
    CHECK_INT(schema_key_alerted(buf, sizeof(buf), "2026-11-02T08", "a|b|c"), -1);
    CHECK_INT(schema_field_counter(buf, sizeof(buf), "dropbox", SCHEMA_FLOWS), -1);
    CHECK_INT(schema_field_counter(buf, sizeof(buf), "sales|dropbox", SCHEMA_COUNTERS), -1);

    /* Sensor ids: 1 to SCHEMA_SENSOR_ID_MAX characters. */
    CHECK(schema_key_sensor_health(buf, sizeof(buf), repeat('s', SCHEMA_SENSOR_ID_MAX)) > 0);
    CHECK_INT(schema_key_sensor(buf, sizeof(buf), repeat('s', SCHEMA_SENSOR_ID_MAX + 1)), -1);
    CHECK_INT(schema_key_sensor_health(buf, sizeof(buf), repeat('s', SCHEMA_SENSOR_ID_MAX + 1)),
              -1);
    CHECK_INT(schema_key_sensor(buf, sizeof(buf), ""), -1);

    /* Dates of the wrong shape or span. */
    CHECK_INT(schema_key_counts(buf, sizeof(buf), SCHEMA_DAY, "2026-11"), -1);
    CHECK_INT(schema_key_counts(buf, sizeof(buf), SCHEMA_MONTH, "2026-11-02"), -1);
    CHECK_INT(schema_key_counts(buf, sizeof(buf), SCHEMA_DAY, "2026/11/02"), -1);
    CHECK_INT(schema_key_counts(buf, sizeof(buf), (enum schema_span)7, "2026-11"), -1);
    CHECK_INT(schema_key_geo(buf, sizeof(buf), SCHEMA_DAY, "2026-11-0x"), -1);
    CHECK_INT(schema_key_month_sensors(buf, sizeof(buf), "2026-1"), -1);
    CHECK_INT(schema_key_unmatched(buf, sizeof(buf), "2026-11-02"), -1);
    CHECK_INT(schema_key_upload(buf, sizeof(buf), "2026-11-02"), -1);
    CHECK_INT(schema_key_alerted(buf, sizeof(buf), "2026-11-02 08", "sales|dropbox"), -1);
}

TEST(refuses_names_longer_than_the_buffer)
{
    /* "shadowtap:day:2026-11-02" is 24 characters: 25 bytes with the NUL. */
    char small[25];
    CHECK_INT(schema_key_counts(small, 25, SCHEMA_DAY, "2026-11-02"), 24);
    CHECK_STR(small, "shadowtap:day:2026-11-02");
    CHECK_INT(schema_key_counts(small, 24, SCHEMA_DAY, "2026-11-02"), -1);
    CHECK_STR(small, "");
    CHECK_INT(schema_key_counts(small, 0, SCHEMA_DAY, "2026-11-02"), -1);
    CHECK_INT(schema_cell(small, 3, "a", "b"), -1);
    CHECK_INT(schema_cell(small, 4, "a", "b"), 3);
    CHECK_INT(schema_field_asn(small, 3, 16509), -1);
    /* The longest names fit SCHEMA_NAME_MAX. */
    char cell[SCHEMA_NAME_MAX];
    CHECK(schema_cell(cell, sizeof(cell), repeat('d', SCHEMA_ID_MAX), "x") > 0);
    memset(cell + SCHEMA_ID_MAX + 1, 's', SCHEMA_ID_MAX);
    cell[2 * SCHEMA_ID_MAX + 1] = '\0';
    CHECK(schema_key_devices(buf, sizeof(buf), SCHEMA_MONTH, "2026-11", cell) > 0);
    CHECK(schema_key_alerted(buf, sizeof(buf), "2026-11-02T08", cell) > 0);
    CHECK(schema_field_geo(buf, sizeof(buf), cell, "US", SCHEMA_BYTES_DOWN) > 0);
    CHECK(schema_field_counter(buf, sizeof(buf), cell, SCHEMA_PACKETS_DOWN) > 0);
}

TEST(the_flush_script_names_keys_through_the_preamble)
{
    const char *preamble = schema_lua_preamble();
    CHECK(strstr(preamble, "local schema = {") != NULL);
    CHECK(strstr(preamble, "'shadowtap:sensor:'") != NULL);
    CHECK(strstr(preamble, "key_first_seen = 'shadowtap:first_seen'") != NULL);
    char *script = store_script_source();
    CHECK(script != NULL);
    if (!script)
        return;
    CHECK(strncmp(script, preamble, strlen(preamble)) == 0);
    const char *body = script + strlen(preamble);
    CHECK(strstr(body, "shadowtap:") == NULL);
    CHECK(strstr(body, "|bytes_up") == NULL);
    CHECK(strstr(body, "schema.key_sensor(") != NULL);
    free(script);
}

TEST(builds_and_parses_candidate_fields)
{
    size_t dept_len, kind_at, kind_len;
    enum schema_counter counter;
    CHECK_INT(schema_field_unknown(buf, sizeof(buf), "sales", SCHEMA_BYTES_DOWN), 16);
    CHECK_STR(buf, "sales|bytes_down");
    CHECK(schema_field_unknown_parse(buf, strlen(buf), &dept_len, &counter));
    CHECK_INT(dept_len, 5);
    CHECK_INT(counter, SCHEMA_BYTES_DOWN);
    CHECK(schema_field_unknown_parse("hr|flows", 8, &dept_len, &counter));
    CHECK_INT(dept_len, 2);
    CHECK_INT(counter, SCHEMA_FLOWS);
    /* The domain's times, and anything else, are not department fields. */
    CHECK(!schema_field_unknown_parse(schema_field_first_seen, strlen(schema_field_first_seen),
                                      &dept_len, &counter));
    CHECK(!schema_field_unknown_parse("|bytes_up", 9, &dept_len, &counter));
    CHECK(!schema_field_unknown_parse("hr|colour", 9, &dept_len, &counter));
    CHECK(!schema_field_unknown_parse("hr|x|flows", 10, &dept_len, &counter));
    CHECK(!schema_field_unknown_parse("hr|flows", 7, &dept_len, &counter)); /* "hr|flow" */

    CHECK_INT(schema_field_apart(buf, sizeof(buf), "it", "ip-literal", SCHEMA_FLOWS), 19);
    CHECK_STR(buf, "it|ip-literal|flows");
    CHECK(schema_field_apart_parse(buf, strlen(buf), &dept_len, &kind_at, &kind_len, &counter));
    CHECK_INT(dept_len, 2);
    CHECK_INT(kind_at, 3);
    CHECK_INT(kind_len, 10);
    CHECK_INT(counter, SCHEMA_FLOWS);
    CHECK(schema_field_apart_parse("unassigned|trimmed|bytes_up", 27, &dept_len, &kind_at,
                                   &kind_len, &counter));
    CHECK_INT(dept_len, 10);
    CHECK_INT(kind_len, 7);
    CHECK_INT(counter, SCHEMA_BYTES_UP);
    CHECK(!schema_field_apart_parse("it|bytes_up", 11, &dept_len, &kind_at, &kind_len, &counter));
    CHECK(!schema_field_apart_parse("it||bytes_up", 12, &dept_len, &kind_at, &kind_len, &counter));
    CHECK(!schema_field_apart_parse("|x|bytes_up", 11, &dept_len, &kind_at, &kind_len, &counter));
    CHECK(!schema_field_apart_parse("it|a|b|flows", 12, &dept_len, &kind_at, &kind_len, &counter));
    CHECK(!schema_field_apart_parse("it|x|colour", 11, &dept_len, &kind_at, &kind_len, &counter));

    /* The keys the report names them in. */
    CHECK(schema_key_unknown_domain(buf, sizeof(buf), "2026-11", "quillboard.io") > 0);
    CHECK_STR(buf, "shadowtap:unknown:2026-11:quillboard.io");
    CHECK(schema_key_unknown_devices(buf, sizeof(buf), "2026-11", "sales", "quillboard.io") > 0);
    CHECK_STR(buf, "shadowtap:unknown:devices:2026-11:sales|quillboard.io");
    CHECK_INT(schema_key_unknown_hosts(buf, sizeof(buf), "2026-11", "a:b"), -1);
}

TEST(builds_and_parses_tenant_names)
{
    CHECK(schema_key_tenants(buf, sizeof(buf), SCHEMA_MONTH, "2026-11") > 0);
    CHECK_STR(buf, "shadowtap:tenants:month:2026-11");
    CHECK(schema_key_tenant_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-03", "finance|slack",
                                    "other") > 0);
    CHECK_STR(buf, "shadowtap:tenants:devices:day:2026-11-03:finance|slack|other");
    CHECK_INT(schema_key_tenant_devices(buf, sizeof(buf), SCHEMA_DAY, "2026-11-03", "finance|slack",
                                        "mine"),
              -1);
    CHECK(schema_key_tenant_names(buf, sizeof(buf), "2026-11", "aws") > 0);
    CHECK_STR(buf, "shadowtap:tenants:names:2026-11:aws");
    CHECK(schema_key_tenant_name(buf, sizeof(buf), "2026-11", "aws", "media.example-bucket") > 0);
    CHECK_STR(buf, "shadowtap:tenants:name:2026-11:aws:media.example-bucket");
    CHECK_INT(schema_key_tenant_name(buf, sizeof(buf), "2026-11", "aws", "a|b"), -1);
    CHECK(schema_key_tenant_name_devices(buf, sizeof(buf), "2026-11", "it|aws", "x") > 0);
    CHECK_STR(buf, "shadowtap:tenants:name:devices:2026-11:it|aws:x");
    CHECK(schema_key_tenant_distinct(buf, sizeof(buf), "2026-11", "slack") > 0);
    CHECK_STR(buf, "shadowtap:tenants:distinct:2026-11:slack");
    CHECK(schema_key_tenant_upload(buf, sizeof(buf), "2026-11-03T10") > 0);
    CHECK_STR(buf, "shadowtap:tenants:upload:2026-11-03T10");

    CHECK_INT(schema_field_tenant(buf, sizeof(buf), "finance|microsoft-365", "own", SCHEMA_FLOWS),
              31);
    CHECK_STR(buf, "finance|microsoft-365|own|flows");
    struct schema_field f;
    size_t at, len;
    CHECK(schema_field_tenant_parse(buf, strlen(buf), &f, &at, &len));
    CHECK_INT(f.dept_len, 7);
    CHECK_INT(f.cell_len, 21);
    CHECK_INT(at, 22);
    CHECK_INT(len, 3);
    CHECK_INT(f.counter, SCHEMA_FLOWS);
    CHECK(!schema_field_tenant_parse("finance|slack|flows", 19, &f, &at, &len));
    CHECK(!schema_field_tenant_parse("finance|slack||flows", 20, &f, &at, &len));
    CHECK(!schema_field_tenant_parse("slack|own|flows", 15, &f, &at, &len));
    CHECK(!schema_field_tenant_parse("a|b|own|colour", 14, &f, &at, &len));
    CHECK_INT(schema_field_tenant(buf, sizeof(buf), "finance", "own", SCHEMA_FLOWS), -1);
}

TEST(builds_and_parses_ai_server_names)
{
    static const char server[] = "782150476351fc8b";
    struct schema_ai_field f;
    CHECK(schema_key_ai_servers(buf, sizeof(buf), "2026-11") > 0);
    CHECK_STR(buf, "shadowtap:aiservers:2026-11");
    CHECK_INT(schema_key_ai_servers(buf, sizeof(buf), "2026-11-02"), -1);
    CHECK(schema_key_ai_server_devices(buf, sizeof(buf), "2026-11", server, 11434, "sales") > 0);
    CHECK_STR(buf, "shadowtap:aiservers:devices:2026-11:782150476351fc8b|11434|sales");
    CHECK(schema_key_ai_server_devices(buf, sizeof(buf), "2026-11", server, 1, "it") > 0);
    CHECK_STR(buf, "shadowtap:aiservers:devices:2026-11:782150476351fc8b|1|it");
    CHECK_INT(schema_field_ai_server(buf, sizeof(buf), server, 8000, "openai-compatible",
                                     "unassigned", "sales", SCHEMA_AI_REQUESTS),
              65);
    CHECK_STR(buf, "782150476351fc8b|8000|openai-compatible|unassigned|sales|requests");
    CHECK(schema_field_ai_server_parse(buf, strlen(buf), &f));
    CHECK(memcmp(f.server, server, SCHEMA_SERVER_LEN) == 0);
    CHECK_INT(f.port, 8000);
    CHECK(f.api_len == 17 && memcmp(f.api, "openai-compatible", 17) == 0);
    CHECK(f.server_dept_len == 10 && memcmp(f.server_dept, "unassigned", 10) == 0);
    CHECK(f.client_dept_len == 5 && memcmp(f.client_dept, "sales", 5) == 0);
    CHECK_INT(f.counter, SCHEMA_AI_REQUESTS);
    for (int c = 0; c < SCHEMA_AI_COUNTERS; c++) {
        CHECK(schema_field_ai_server(buf, sizeof(buf), server, 65535, "ollama", "it", "hr",
                                     (enum schema_ai_counter)c) > 0);
        CHECK(schema_field_ai_server_parse(buf, strlen(buf), &f) && (int)f.counter == c &&
              f.port == 65535);
    }
    CHECK_STR(schema_ai_counter_name(SCHEMA_AI_BYTES_DOWN), "bytes_down");
    CHECK(schema_ai_counter_name(SCHEMA_AI_COUNTERS) == NULL);
    /* Only a pseudonym names a server: never an address, nor anything else. */
    static const char *const not_servers[] = {
        "10.0.0.50", "fd00::50", "782150476351FC8B", "782150476351fc8", "782150476351fc8bb", ""};
    for (size_t i = 0; i < sizeof(not_servers) / sizeof(not_servers[0]); i++) {
        CHECK_INT(schema_field_ai_server(buf, sizeof(buf), not_servers[i], 80, "ollama", "it", "hr",
                                         SCHEMA_AI_FLOWS),
                  -1);
        CHECK_INT(
            schema_key_ai_server_devices(buf, sizeof(buf), "2026-11", not_servers[i], 80, "hr"),
            -1);
    }
    CHECK_INT(
        schema_field_ai_server(buf, sizeof(buf), server, 0, "ollama", "it", "hr", SCHEMA_AI_FLOWS),
        -1);
    CHECK_INT(
        schema_field_ai_server(buf, sizeof(buf), server, 80, "a|b", "it", "hr", SCHEMA_AI_FLOWS),
        -1);
    CHECK_INT(
        schema_field_ai_server(buf, sizeof(buf), server, 80, "ollama", "", "hr", SCHEMA_AI_FLOWS),
        -1);
    CHECK_INT(schema_field_ai_server(buf, sizeof(buf), server, 80, "ollama", "it", "a:b",
                                     SCHEMA_AI_FLOWS),
              -1);
    CHECK_INT(schema_field_ai_server(buf, sizeof(buf), server, 80, "ollama", "it", "hr",
                                     SCHEMA_AI_COUNTERS),
              -1);
    CHECK_INT(schema_key_ai_server_devices(buf, sizeof(buf), "2026-11", server, 0, "hr"), -1);
    static const char *const foreign[] = {
        "782150476351fc8b|8000|ollama|it|hr",
        "782150476351fc8b|8000|ollama|it|hr|flows|x",
        "782150476351fc8b|8000|ollama|it|hr|packets_up",
        "782150476351fc8b|08000|ollama|it|hr|flows",
        "782150476351fc8b|0|ollama|it|hr|flows",
        "782150476351fc8b|65536|ollama|it|hr|flows",
        "782150476351fc8b|80x|ollama|it|hr|flows",
        "782150476351fc8b|80||it|hr|flows",
        "782150476351fc8b|80|ollama|it||flows",
        "782150476351fc8b|80|ollama|i:t|hr|flows",
        "10.0.0.50|80|ollama|it|hr|flows",
        "782150476351fc8b80|ollama|it|hr|flows",
        "|782150476351fc8b|80|ollama|it|hr|flows",
        "",
    };
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        if (schema_field_ai_server_parse(foreign[i], strlen(foreign[i]), &f))
            TEST_FAIL_AT(__FILE__, __LINE__, "\"%s\" parsed as a model server field", foreign[i]);
    }
    /* The length given is what is parsed. */
    CHECK(schema_field_ai_server_parse("782150476351fc8b|80|ollama|it|hr|flowsXYZ", 38, &f));
    /* The flush script names them through the preamble. */
    const char *preamble = schema_lua_preamble();
    CHECK(strstr(preamble, "function schema.key_ai_servers(month) return "
                           "'shadowtap:aiservers:' .. month end") != NULL);
    CHECK(strstr(preamble, "requests = 'requests'") != NULL);
}

int main(void)
{
    RUN(builds_every_key);
    RUN(parses_every_key_back);
    RUN(refuses_keys_not_of_the_schema);
    RUN(keeps_the_hosted_service_id_whole);
    RUN(builds_and_parses_cells_and_counters);
    RUN(builds_and_parses_geo_fields);
    RUN(builds_and_parses_candidate_fields);
    RUN(refuses_bad_and_overlong_ids);
    RUN(refuses_names_longer_than_the_buffer);
    RUN(the_flush_script_names_keys_through_the_preamble);
    RUN(builds_and_parses_tenant_names);
    RUN(builds_and_parses_ai_server_names);
    return test_report();
}
