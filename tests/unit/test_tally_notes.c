/*
 * test_tally_notes.c - what a flush carries besides the counters: owners of
 * autonomous systems, unclassified flows with a host name (candidates by
 * domain and host, names counted apart by kind, the overflow entry past the
 * bound), and devices that used encrypted DNS; adding, merging, bounds.
 */
#include "tally_notes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define DAY 20394 /* 2025-11-02 */

static struct tally_unknown_note flow(uint32_t dept, uint8_t kind, const char *domain,
                                      const char *host, uint64_t up, uint64_t down)
{
    return (struct tally_unknown_note){.day = DAY,
                                       .dept_sym = dept,
                                       .kind = kind,
                                       .domain = domain,
                                       .host = host,
                                       .bytes_up = up,
                                       .bytes_down = down,
                                       .flows = 1,
                                       .first_seen = 1000,
                                       .last_seen = 2000};
}

struct found {
    size_t n;
    uint64_t up, down, flows;
    uint32_t devices, first, last;
    unsigned kinds[TALLY_UNKNOWN_KIND_COUNT];
};

static const char *want_host;

static void collect(void *ctx, const struct tally_unknown_note *u)
{
    struct found *f = ctx;
    f->n++;
    f->kinds[u->kind]++;
    if (want_host && strcmp(u->host, want_host) != 0)
        return;
    f->up += u->bytes_up;
    f->down += u->bytes_down;
    f->flows += u->flows;
    for (uint32_t i = 0; i < u->devices_cap; i++)
        f->devices += u->devices[i] != 0;
    f->first = u->first_seen;
    f->last = u->last_seen;
}

static struct found find(const struct tally_notes *n, const char *host)
{
    struct found f = {0};
    want_host = host;
    tally_notes_each_unknown(n, collect, &f);
    return f;
}

TEST(candidates_and_apart)
{
    struct tally_notes *n = tally_notes_new();
    struct tally_unknown_note a =
        flow(7, TALLY_UNKNOWN_CANDIDATE, "quillboard.io", "app.quillboard.io", 100, 1000);
    CHECK_INT(tally_notes_add_unknown(n, &a, 0x1111), 0);
    a.first_seen = 900;
    a.last_seen = 2500;
    CHECK_INT(tally_notes_add_unknown(n, &a, 0x2222), 0);
    CHECK_INT(tally_notes_add_unknown(n, &a, 0x1111), 0); /* the same device again */
    struct tally_unknown_note other_dept = a;
    other_dept.dept_sym = 8;
    CHECK_INT(tally_notes_add_unknown(n, &other_dept, 0x3333), 0);
    /* names counted apart: kind only, no host or devices kept */
    struct tally_unknown_note lit = flow(7, TALLY_UNKNOWN_IP_LITERAL, "x", "82.81.46.13", 5, 6);
    CHECK_INT(tally_notes_add_unknown(n, &lit, 0x1111), 0);
    lit.host = "10.9.8.7";
    CHECK_INT(tally_notes_add_unknown(n, &lit, 0x2222), 0);

    struct found f = find(n, "app.quillboard.io");
    CHECK_INT(f.n, 3); /* two departments of the candidate, one apart entry */
    CHECK_INT(f.up, 400);
    CHECK_INT(f.down, 4000);
    CHECK_INT(f.flows, 4);
    CHECK_INT(f.devices, 3); /* department 7: two devices; department 8: one */
    f = find(n, "");
    CHECK_INT(f.kinds[TALLY_UNKNOWN_IP_LITERAL], 1);
    CHECK_INT(f.up, 10);
    CHECK_INT(f.flows, 2);
    CHECK_INT(f.devices, 0);
    CHECK_INT(tally_notes_count(n), 3);
    tally_notes_free(n);
}

TEST(merge_keeps_counts_devices_and_times)
{
    struct tally_notes *a = tally_notes_new(), *b = tally_notes_new();
    struct tally_unknown_note x =
        flow(7, TALLY_UNKNOWN_CANDIDATE, "quillboard.io", "api.quillboard.io", 10, 20);
    tally_notes_add_unknown(a, &x, 0x1);
    x.first_seen = 500;
    x.last_seen = 3000;
    tally_notes_add_unknown(b, &x, 0x2);
    CHECK_INT(tally_notes_add_edns_device(a, DAY, 7, 0xabc), 0);
    CHECK_INT(tally_notes_add_edns_device(b, DAY, 7, 0xabc), 0); /* the same: once */
    CHECK_INT(tally_notes_add_edns_device(b, DAY, 8, 0xabc), 0); /* another department */
    CHECK_INT(tally_notes_add_asn(b, 64500, "Example Cloud, Inc."), 0);
    CHECK_INT(tally_notes_merge(a, b), 0);
    struct found f = find(a, "api.quillboard.io");
    CHECK_INT(f.n, 1);
    CHECK_INT(f.flows, 2);
    CHECK_INT(f.devices, 2);
    CHECK_INT(f.first, 500);
    CHECK_INT(f.last, 3000);
    CHECK_INT(tally_notes_count(a), 1 + 2 + 1); /* one flow entry, two edns, one system */
    tally_notes_free(a);
    tally_notes_free(b);
}

/* A flood of names stops at the bound: the flows beyond go to one overflow
 * entry per (day, department), so that every byte is still counted. */
TEST(bound_and_overflow)
{
    struct tally_notes *n = tally_notes_new();
    char host[64];
    uint64_t total = 0;
    for (unsigned i = 0; i < TALLY_NOTES_MAX_UNKNOWN + 100; i++) {
        snprintf(host, sizeof(host), "h%u.flood.example", i);
        struct tally_unknown_note u = flow(7, TALLY_UNKNOWN_CANDIDATE, "flood.example", host, 1, 2);
        tally_notes_add_unknown(n, &u, i + 1);
        total += 3;
    }
    CHECK(tally_notes_dropped(n) >= 100);
    struct found f = find(n, NULL);
    CHECK_INT(f.kinds[TALLY_UNKNOWN_CANDIDATE], TALLY_NOTES_MAX_UNKNOWN);
    CHECK_INT(f.kinds[TALLY_UNKNOWN_OVERFLOW], 1);
    CHECK_INT(f.up + f.down, total);
    /* a known host still adds to its own entry */
    struct tally_unknown_note known =
        flow(7, TALLY_UNKNOWN_CANDIDATE, "flood.example", "h0.flood.example", 1, 1);
    CHECK_INT(tally_notes_add_unknown(n, &known, 1), 0);
    tally_notes_clear(n);
    CHECK_INT(tally_notes_count(n), 0);
    CHECK_INT(tally_notes_dropped(n), 0);
    tally_notes_free(n);
    tally_notes_free(NULL);
}

struct tenant_found {
    size_t n;
    uint64_t up, flows;
    uint32_t devices;
};

static const char *want_service, *want_tenant;

static void collect_tenant(void *ctx, const struct tally_unknown_note *u)
{
    struct tenant_found *f = ctx;
    f->n++;
    if (strcmp(u->domain, want_service) != 0 || strcmp(u->host, want_tenant) != 0)
        return;
    f->up += u->bytes_up;
    f->flows += u->flows;
    for (uint32_t i = 0; i < u->devices_cap; i++)
        f->devices += u->devices[i] != 0;
}

static struct tenant_found find_tenant(const struct tally_notes *n, const char *service,
                                       const char *tenant)
{
    struct tenant_found f = {0};
    want_service = service;
    want_tenant = tenant;
    tally_notes_each_tenant(n, collect_tenant, &f);
    return f;
}

/* Other tenants are kept per (day, department, service, tenant): the same
 * tenant name under two services is two entries; merged tables add up; the
 * bound drops new names (counted) and never touches the unknown notes. */
TEST(other_tenants)
{
    struct tally_notes *a = tally_notes_new(), *b = tally_notes_new();
    struct tally_unknown_note f = flow(7, 0, "microsoft-365", "fabrikam", 1000, 10);
    CHECK_INT(tally_notes_add_tenant(a, &f, 0x1), 0);
    CHECK_INT(tally_notes_add_tenant(a, &f, 0x2), 0);
    struct tally_unknown_note s = flow(7, 0, "slack", "fabrikam", 5, 5);
    CHECK_INT(tally_notes_add_tenant(a, &s, 0x1), 0);
    CHECK_INT(tally_notes_add_tenant(b, &f, 0x3), 0);
    CHECK_INT(tally_notes_merge(a, b), 0);
    struct tenant_found m = find_tenant(a, "microsoft-365", "fabrikam");
    CHECK_INT(m.n, 2);
    CHECK_INT(m.up, 3000);
    CHECK_INT(m.flows, 3);
    CHECK_INT(m.devices, 3);
    CHECK_INT(find_tenant(a, "slack", "fabrikam").up, 5);
    CHECK_INT(find(a, NULL).n, 0); /* no unknown note */
    char name[32];
    for (unsigned i = 0; i < TALLY_NOTES_MAX_TENANTS + 10; i++) {
        snprintf(name, sizeof(name), "t%u", i);
        struct tally_unknown_note t = flow(8, 0, "aws", name, 1, 1);
        tally_notes_add_tenant(b, &t, i + 1);
    }
    CHECK(tally_notes_dropped(b) >= 10);
    CHECK(find_tenant(b, "aws", "t0").n <= TALLY_NOTES_MAX_TENANTS);
    CHECK_INT(find(b, NULL).n, 0);
    tally_notes_free(a);
    tally_notes_free(b);
}

static void collect_asn(void *ctx, uint32_t asn, const char *org)
{
    char *out = ctx;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "AS%u=%s;", asn, org);
}

TEST(autonomous_systems)
{
    struct tally_notes *n = tally_notes_new();
    CHECK_INT(tally_notes_add_asn(n, 64500, "Example Cloud, Inc."), 0);
    CHECK_INT(tally_notes_add_asn(n, 64500, ""), 0); /* an empty name keeps the known one */
    CHECK_INT(tally_notes_add_asn(n, 0, "nobody"), 0);
    char asns[256] = "";
    tally_notes_each_asn(n, collect_asn, asns);
    CHECK_STR(asns, "AS64500=Example Cloud, Inc.;");
    tally_notes_free(n);
}

int main(void)
{
    RUN(candidates_and_apart);
    RUN(merge_keeps_counts_devices_and_times);
    RUN(bound_and_overflow);
    RUN(autonomous_systems);
    RUN(other_tenants);
    return test_report();
}
