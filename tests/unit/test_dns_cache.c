/*
 * test_dns_cache.c - the (client, server) -> name cache: per-client and
 * any-client answers, lifetimes, the sequence rule, the memory bound, and
 * concurrent use (run this one under ThreadSanitizer too).
 */
#include "dns_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "hostname.h"
#include "netaddr.h"
#include "test.h"

#define SEC 1000000ull /* microseconds */
#define T0  (1700000000ull * SEC)

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* The n-th address of a /16, for tests that need many. */
static struct netaddr nth(unsigned net, unsigned n)
{
    uint8_t v4[4] = {10, (uint8_t)net, (uint8_t)(n >> 8), (uint8_t)n};
    struct netaddr a;
    netaddr_from_v4(&a, v4);
    return a;
}

static struct dns_cache *cache(size_t max_entries, uint32_t min_ttl, uint32_t grace)
{
    struct dns_cache_config cfg = {max_entries, min_ttl, grace};
    struct dns_cache *c = dns_cache_new(&cfg);
    if (!c)
        abort();
    return c;
}

/* The name found, or "" on a miss; *own tells whether it was per-client. */
static const char *find(struct dns_cache *c, const struct netaddr *client,
                        const struct netaddr *server, uint64_t now, uint64_t seq, bool *own)
{
    static char name[HOSTNAME_MAX + 1];
    bool per_client = false;
    if (!dns_cache_lookup(c, client, server, now, seq, name, sizeof(name), &per_client))
        name[0] = '\0';
    if (own)
        *own = per_client;
    return name;
}

static struct dns_cache_stats stats(struct dns_cache *c)
{
    struct dns_cache_stats s;
    dns_cache_get_stats(c, &s);
    return s;
}

TEST(per_client_and_any_client)
{
    struct dns_cache *c = cache(1024, 0, 0);
    struct netaddr c1 = addr("10.0.0.1"), c2 = addr("10.0.0.2"), c3 = addr("2001:db8::3");
    struct netaddr server = addr("203.0.113.10");
    bool own = false;

    dns_cache_insert(c, &c1, &server, "a.example.com", 300, T0, 1);
    dns_cache_insert(c, &c2, &server, "b.example.net", 300, T0 + SEC, 2);
    CHECK_STR(find(c, &c1, &server, T0 + 2 * SEC, 3, &own), "a.example.com");
    CHECK(own);
    CHECK_STR(find(c, &c2, &server, T0 + 2 * SEC, 3, &own), "b.example.net");
    CHECK(own);
    CHECK_STR(find(c, &c3, &server, T0 + 2 * SEC, 3, &own), "b.example.net");
    CHECK(!own);

    struct netaddr other = addr("203.0.113.11");
    CHECK_STR(find(c, &c1, &other, T0 + 2 * SEC, 3, &own), "");
    CHECK(!own);
    CHECK_INT(stats(c).entries, 3); /* two per-client, one any-client */

    /* NULL per_client is allowed. */
    char name[HOSTNAME_MAX + 1];
    CHECK(dns_cache_lookup(c, &c1, &server, T0 + 2 * SEC, 3, name, sizeof(name), NULL));
    dns_cache_free(c);
}

TEST(ipv6_addresses)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr client = addr("2001:db8:1::5"), server = addr("2001:db8:ffff::1");
    struct netaddr mapped = addr("::ffff:192.0.2.1"), v4 = addr("192.0.2.1");
    dns_cache_insert(c, &client, &server, "v6.example.org", 60, T0, 1);
    dns_cache_insert(c, &client, &v4, "v4.example.org", 60, T0, 2);
    CHECK_STR(find(c, &client, &server, T0, 3, NULL), "v6.example.org");
    CHECK_STR(find(c, &client, &mapped, T0, 3, NULL), "v4.example.org");
    dns_cache_free(c);
}

TEST(lifetime_with_min_ttl_and_grace)
{
    struct dns_cache *c = cache(64, 60, 30);
    struct netaddr client = addr("10.0.0.1"), s1 = addr("192.0.2.1"), s2 = addr("192.0.2.2");
    struct netaddr s3 = addr("192.0.2.3");

    /* TTL 10 is below min_ttl: lives 60 + 30 s. */
    dns_cache_insert(c, &client, &s1, "short.example", 10, T0, 1);
    CHECK_STR(find(c, &client, &s1, T0 + 90 * SEC - 1, 2, NULL), "short.example");
    CHECK_STR(find(c, &client, &s1, T0 + 90 * SEC, 2, NULL), "");

    /* TTL 300 is above it: lives 300 + 30 s. */
    dns_cache_insert(c, &client, &s2, "long.example", 300, T0, 3);
    CHECK_STR(find(c, &client, &s2, T0 + 330 * SEC - 1, 4, NULL), "long.example");
    CHECK_STR(find(c, &client, &s2, T0 + 330 * SEC, 4, NULL), "");

    /* Ten days is capped at one day, plus grace. */
    dns_cache_insert(c, &client, &s3, "huge.example", 864000, T0, 5);
    CHECK_STR(find(c, &client, &s3, T0 + 86430 * SEC - 1, 6, NULL), "huge.example");
    CHECK_STR(find(c, &client, &s3, T0 + 86430 * SEC, 6, NULL), "");
    dns_cache_free(c);
}

TEST(sequence_rule)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr c1 = addr("10.0.0.1"), c2 = addr("10.0.0.2"), server = addr("192.0.2.1");
    bool own = false;

    dns_cache_insert(c, &c1, &server, "one.example", 600, T0, 10);
    dns_cache_insert(c, &c1, &server, "two.example", 600, T0 + SEC, 20);
    uint64_t now = T0 + 2 * SEC;
    CHECK_STR(find(c, &c1, &server, now, 5, NULL), "");  /* before both */
    CHECK_STR(find(c, &c1, &server, now, 10, NULL), ""); /* at: ignored */
    CHECK_STR(find(c, &c1, &server, now, 11, NULL), "one.example");
    CHECK_STR(find(c, &c1, &server, now, 20, NULL), "one.example"); /* the previous name */
    CHECK_STR(find(c, &c1, &server, now, 21, NULL), "two.example");

    /* c2's own entry is too new for seq 30: the any-client entry's previous
     * name (c1's, seq 20) answers, and not as per-client. */
    dns_cache_insert(c, &c2, &server, "three.example", 600, T0 + 3 * SEC, 30);
    CHECK_STR(find(c, &c2, &server, T0 + 4 * SEC, 30, &own), "two.example");
    CHECK(!own);
    CHECK_STR(find(c, &c2, &server, T0 + 4 * SEC, 31, &own), "three.example");
    CHECK(own);
    dns_cache_free(c);
}

TEST(sequence_rule_with_expired_versions)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr client = addr("10.0.0.1"), s1 = addr("192.0.2.1"), s2 = addr("192.0.2.2");

    /* The previous name has expired by the time a lookup would fall back to it. */
    dns_cache_insert(c, &client, &s1, "old.example", 10, T0, 1);
    dns_cache_insert(c, &client, &s1, "new.example", 600, T0 + 60 * SEC, 2);
    CHECK_STR(find(c, &client, &s1, T0 + 61 * SEC, 2, NULL), "");
    CHECK_STR(find(c, &client, &s1, T0 + 61 * SEC, 3, NULL), "new.example");

    /* The newest visible name has expired: the older one it replaced does not
     * come back, though it would still be alive. */
    dns_cache_insert(c, &client, &s2, "long.example", 3600, T0, 3);
    dns_cache_insert(c, &client, &s2, "brief.example", 5, T0, 4);
    CHECK_STR(find(c, &client, &s2, T0 + SEC, 5, NULL), "brief.example");
    CHECK_STR(find(c, &client, &s2, T0 + 10 * SEC, 5, NULL), "");
    CHECK_STR(find(c, &client, &s2, T0 + 10 * SEC, 4, NULL), "long.example");
    dns_cache_free(c);
}

/* A lookup that runs behind several inserts into one entry (a burst of names
 * of one CDN address) sees the name that was current for its packet, whatever
 * the number of inserts in between: the issue a single previous version had. */
TEST(lookups_behind_many_inserts)
{
    struct dns_cache *c = cache(1024, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("203.0.113.50");
    static const char *const names[] = {"a.cdn.example", "b.cdn.example", "c.cdn.example",
                                        "d.cdn.example", "e.cdn.example"};
    for (uint64_t k = 0; k < 5; k++)
        dns_cache_insert(c, &client, &server, names[k], 300, T0 + k * 1000, 10 * (k + 1));
    uint64_t now = T0 + SEC;
    CHECK_STR(find(c, &client, &server, now, 5, NULL), "");
    for (uint64_t k = 0; k < 5; k++) {
        CHECK_STR(find(c, &client, &server, now, 10 * (k + 1) + 1, NULL), names[k]);
        CHECK_STR(find(c, &client, &server, now, 10 * (k + 1) + 9, NULL), names[k]);
    }
    CHECK(stats(c).versions == 8); /* four older names in each of the two entries */
    dns_cache_free(c);
}

/* The horizon frees what no lookup to come can see, and only that. */
TEST(horizon_frees_older_versions)
{
    struct dns_cache *c = cache(1024, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("203.0.113.51");
    uint64_t now = T0 + SEC;
    dns_cache_insert(c, &client, &server, "one.example", 300, T0, 10);
    dns_cache_insert(c, &client, &server, "two.example", 300, T0, 20);
    dns_cache_insert(c, &client, &server, "three.example", 300, T0, 30);
    CHECK(stats(c).versions == 4);
    /* Lookups to come carry 25 or more: "one" can no longer be seen. */
    dns_cache_set_horizon(c, 25);
    dns_cache_insert(c, &client, &server, "four.example", 300, T0, 40);
    CHECK(stats(c).versions == 4); /* three and two, in each entry */
    CHECK_STR(find(c, &client, &server, now, 25, NULL), "two.example");
    CHECK_STR(find(c, &client, &server, now, 35, NULL), "three.example");
    CHECK_STR(find(c, &client, &server, now, 45, NULL), "four.example");
    /* Past every insert: only the current name stays. */
    dns_cache_set_horizon(c, 41);
    dns_cache_insert(c, &client, &server, "five.example", 300, T0, 50);
    CHECK(stats(c).versions == 2);
    CHECK_STR(find(c, &client, &server, now, 45, NULL), "four.example");
    CHECK_STR(find(c, &client, &server, now, 55, NULL), "five.example");
    /* The horizon never goes back: "four" is kept for lookups from 41 on,
     * nothing older comes back into use. */
    dns_cache_set_horizon(c, 3);
    dns_cache_insert(c, &client, &server, "six.example", 300, T0, 60);
    CHECK(stats(c).versions == 4); /* five and four, in each entry */
    CHECK_STR(find(c, &client, &server, now, 45, NULL), "four.example");
    CHECK(stats(c).versions_dropped == 0);
    dns_cache_free(c);
}

/* An entry stays while an older name a lookup may still see is alive, even
 * when its newest name has expired. */
TEST(entry_lives_while_an_older_version_does)
{
    struct dns_cache *c = cache(1024, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("203.0.113.52");
    dns_cache_insert(c, &client, &server, "long.example", 3600, T0, 10);
    dns_cache_insert(c, &client, &server, "short.example", 1, T0 + SEC, 20);
    dns_cache_expire(c, T0 + 60 * SEC);
    CHECK_STR(find(c, &client, &server, T0 + 60 * SEC, 15, NULL), "long.example");
    CHECK_STR(find(c, &client, &server, T0 + 60 * SEC, 25, NULL), ""); /* its version expired */
    dns_cache_expire(c, T0 + 3601 * SEC);
    CHECK(stats(c).entries == 0);
    CHECK(stats(c).versions == 0);
    dns_cache_free(c);
}

/* The version pool is as large as the entry pool: when lookups to come hold
 * every slot, the oldest version of the entry at hand goes, and is counted. */
TEST(version_pool_full)
{
    struct dns_cache *c = cache(16, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("203.0.113.53");
    char name[32];
    for (uint64_t k = 1; k <= 20; k++) {
        snprintf(name, sizeof(name), "n%llu.example", (unsigned long long)k);
        dns_cache_insert(c, &client, &server, name, 300, T0, k * 10);
    }
    struct dns_cache_stats st = stats(c);
    CHECK(st.versions <= 16);
    CHECK(st.versions_dropped > 0);
    CHECK_STR(find(c, &client, &server, T0 + SEC, 205, NULL), "n20.example");
    CHECK_STR(find(c, &client, &server, T0 + SEC, 195, NULL), "n19.example");
    /* Once the horizon passes, inserts free the chain again. */
    dns_cache_set_horizon(c, 201);
    dns_cache_insert(c, &client, &server, "last.example", 300, T0, 210);
    CHECK(stats(c).versions == 2);
    dns_cache_free(c);
}

TEST(same_name_again_extends)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("192.0.2.1");
    dns_cache_insert(c, &client, &server, "keep.example", 10, T0, 1);
    dns_cache_insert(c, &client, &server, "keep.example", 100, T0 + 5 * SEC, 2);
    CHECK_STR(find(c, &client, &server, T0 + 50 * SEC, 3, NULL), "keep.example");
    CHECK_STR(find(c, &client, &server, T0 + 105 * SEC, 3, NULL), "");
    /* A shorter TTL does not shorten it. */
    dns_cache_insert(c, &client, &server, "keep.example", 1, T0 + 6 * SEC, 3);
    CHECK_STR(find(c, &client, &server, T0 + 50 * SEC, 4, NULL), "keep.example");
    CHECK_INT(stats(c).entries, 2);
    CHECK_INT(stats(c).inserts, 3);
    dns_cache_free(c);
}

TEST(names_not_stored)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr client = addr("10.0.0.1"), server = addr("192.0.2.1");
    char long_name[HOSTNAME_MAX + 2];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    dns_cache_insert(c, &client, &server, "", 60, T0, 1);
    dns_cache_insert(c, &client, &server, long_name, 60, T0, 2);
    CHECK_INT(stats(c).entries, 0);
    CHECK_INT(stats(c).inserts, 0);

    /* A buffer too small for the name is a miss, not a cut name. */
    dns_cache_insert(c, &client, &server, "twelve.bytes", 60, T0, 3);
    char small[12];
    CHECK(!dns_cache_lookup(c, &client, &server, T0, 4, small, sizeof(small), NULL));
    char exact[13];
    CHECK(dns_cache_lookup(c, &client, &server, T0, 4, exact, sizeof(exact), NULL));
    CHECK_STR(exact, "twelve.bytes");
    dns_cache_free(c);
}

TEST(memory_bound)
{
    const size_t max = 64;
    struct dns_cache *c = cache(max, 0, 0);
    size_t base = stats(c).memory_bytes, peak = 0;
    /* Sixteen long-lived answers, then thousands of short-lived ones. */
    for (unsigned i = 0; i < 16; i++) {
        struct netaddr client = nth(1, i), server = nth(2, i);
        dns_cache_insert(c, &client, &server, "keeper.example", 3600, T0, 1 + i);
    }
    bool within = true;
    for (unsigned i = 0; i < 5000; i++) {
        struct netaddr client = nth(3, i), server = nth(4, i);
        char name[64];
        snprintf(name, sizeof(name), "host%u.flood.example", i);
        dns_cache_insert(c, &client, &server, name, 60, T0 + i, 100 + i);
        struct dns_cache_stats s = stats(c);
        within = within && s.entries <= max;
        if (s.memory_bytes > peak)
            peak = s.memory_bytes;
    }
    CHECK(within);
    struct dns_cache_stats s = stats(c);
    CHECK_INT(s.entries, max);
    CHECK_INT(s.evicted, 2 * (16 + 5000) - max);
    CHECK_INT(s.expired, 0);
    /* The long-lived ones expire last, so they were never the ones evicted. */
    int kept = 0;
    for (unsigned i = 0; i < 16; i++) {
        struct netaddr client = nth(1, i), server = nth(2, i);
        bool own = false;
        const char *name = find(c, &client, &server, T0 + 10 * SEC, 10000, &own);
        kept += strcmp(name, "keeper.example") == 0 && own;
    }
    CHECK_INT(kept, 16);
    /* Names are counted: at most one per entry's two versions, of at most ~100 bytes. */
    CHECK(peak > base);
    CHECK(peak <= base + 2 * max * 100);
    dns_cache_free(c);
}

TEST(soonest_expiring_evicted_first)
{
    const size_t max = 64;
    struct dns_cache *c = cache(max, 0, 0);
    struct netaddr client = addr("10.0.0.1");
    /* 32 answers fill the cache (a per-client and an any-client entry each),
     * with lifetimes 100 + i seconds. */
    for (unsigned i = 0; i < 32; i++) {
        struct netaddr server = nth(2, i);
        dns_cache_insert(c, &client, &server, "filler.example", 100 + (31 - i), T0, 1 + i);
    }
    CHECK_INT(stats(c).entries, max);
    struct netaddr fresh = nth(5, 1);
    dns_cache_insert(c, &client, &fresh, "fresh.example", 1000, T0, 100);
    /* Server 31 (lifetime 100 s) lost both its entries; the rest are there. */
    struct netaddr s31 = nth(2, 31), s30 = nth(2, 30), s0 = nth(2, 0);
    CHECK_STR(find(c, &client, &s31, T0, 101, NULL), "");
    CHECK_STR(find(c, &client, &s30, T0, 101, NULL), "filler.example");
    CHECK_STR(find(c, &client, &s0, T0, 101, NULL), "filler.example");
    CHECK_STR(find(c, &client, &fresh, T0, 101, NULL), "fresh.example");
    CHECK_INT(stats(c).evicted, 2);
    dns_cache_free(c);
}

TEST(insert_does_not_evict_itself)
{
    /* Everything in the cache outlives the new answer: its per-client entry is
     * then the soonest to expire, and must survive the any-client insert. */
    struct dns_cache *c = cache(16, 0, 0);
    struct netaddr client = addr("10.0.0.1");
    for (unsigned i = 0; i < 8; i++) {
        struct netaddr server = nth(2, i);
        dns_cache_insert(c, &client, &server, "long.example", 3600, T0, 1 + i);
    }
    struct netaddr server = addr("192.0.2.99"), other = addr("10.9.9.9");
    bool own = false;
    dns_cache_insert(c, &client, &server, "short.example", 1, T0, 20);
    CHECK_STR(find(c, &client, &server, T0, 21, &own), "short.example");
    CHECK(own);
    CHECK_STR(find(c, &other, &server, T0, 21, &own), "short.example");
    CHECK(!own);
    CHECK_INT(stats(c).entries, 16);
    dns_cache_free(c);
}

TEST(expire)
{
    struct dns_cache *c = cache(256, 0, 10);
    size_t base = stats(c).memory_bytes;
    for (unsigned i = 0; i < 50; i++) {
        struct netaddr client = nth(1, i), server = nth(2, i);
        dns_cache_insert(c, &client, &server, i % 2 ? "odd.example" : "even.example",
                         i % 2 ? 100 : 20, T0, 1 + i);
    }
    struct dns_cache_stats s = stats(c);
    CHECK_INT(s.entries, 100);
    CHECK(s.memory_bytes > base);

    dns_cache_expire(c, T0 + 30 * SEC - 1); /* nothing is due yet */
    CHECK_INT(stats(c).entries, 100);
    dns_cache_expire(c, T0 + 30 * SEC); /* the even ones: 20 + 10 s */
    s = stats(c);
    CHECK_INT(s.entries, 50);
    CHECK_INT(s.expired, 50);
    struct netaddr c0 = nth(1, 0), s0 = nth(2, 0), c1 = nth(1, 1), s1 = nth(2, 1);
    CHECK_STR(find(c, &c0, &s0, T0, 100, NULL), "");
    CHECK_STR(find(c, &c1, &s1, T0, 100, NULL), "odd.example");

    dns_cache_expire(c, T0 + 110 * SEC);
    s = stats(c);
    CHECK_INT(s.entries, 0);
    CHECK_INT(s.expired, 100);
    CHECK_INT(s.evicted, 0);
    CHECK_INT(s.memory_bytes, base); /* names freed with their last entry */

    /* The cache is usable after being emptied. */
    dns_cache_insert(c, &c0, &s0, "again.example", 60, T0 + 200 * SEC, 200);
    CHECK_STR(find(c, &c0, &s0, T0 + 200 * SEC, 201, NULL), "again.example");
    dns_cache_free(c);
}

TEST(stats_counters)
{
    struct dns_cache *c = cache(64, 0, 0);
    struct netaddr c1 = addr("10.0.0.1"), c2 = addr("10.0.0.2"), server = addr("192.0.2.1");
    struct netaddr nowhere = addr("192.0.2.200");
    dns_cache_insert(c, &c1, &server, "a.example", 60, T0, 1);
    dns_cache_insert(c, &c1, &server, "b.example", 60, T0, 2);
    find(c, &c1, &server, T0, 3, NULL);            /* hit, per client */
    find(c, &c2, &server, T0, 3, NULL);            /* hit, any client */
    find(c, &c2, &nowhere, T0, 3, NULL);           /* miss */
    find(c, &c1, &server, T0 + 61 * SEC, 3, NULL); /* miss: expired */
    struct dns_cache_stats s = stats(c);
    CHECK_INT(s.inserts, 2);
    CHECK_INT(s.lookups, 4);
    CHECK_INT(s.hits_client, 1);
    CHECK_INT(s.hits_any, 1);
    CHECK_INT(s.misses, 2);
    CHECK_INT(s.entries, 2);
    CHECK_INT(s.expired, 0);
    CHECK_INT(s.evicted, 0);
    CHECK(s.memory_bytes >= 64 * 96);
    dns_cache_free(c);
    dns_cache_free(NULL);
}

TEST(small_max_entries_is_raised_to_floor)
{
    struct dns_cache *c = cache(1, 0, 0);
    for (unsigned i = 0; i < 100; i++) {
        struct netaddr client = nth(1, i), server = nth(2, i);
        dns_cache_insert(c, &client, &server, "x.example", 60, T0, 1 + i);
    }
    CHECK_INT(stats(c).entries, 16);
    dns_cache_free(c);
}

/* --- concurrency --------------------------------------------------------------- */

#define THREAD_CLIENTS 40
#define THREAD_SERVERS 300
static const char *const thread_names[] = {"a.example", "bb.example", "ccc.example.net",
                                           "dddd.example.org", "e.example"};

struct shared {
    struct dns_cache *cache;
    atomic_ullong published_seq; /* the writer's progress, for readers' seq */
    atomic_bool done;
    long inserts;
};

static void *writer(void *arg)
{
    struct shared *sh = arg;
    for (long i = 0; i < sh->inserts; i++) {
        struct netaddr client = nth(1, (unsigned)(i * 7 % THREAD_CLIENTS));
        struct netaddr server = nth(2, (unsigned)(i * 13 % THREAD_SERVERS));
        uint64_t seq = (uint64_t)i + 1;
        dns_cache_insert(sh->cache, &client, &server, thread_names[i % 5], (uint32_t)(i % 50),
                         T0 + (uint64_t)i * 1000, seq);
        atomic_store_explicit(&sh->published_seq, seq, memory_order_relaxed);
        if (i % 1000 == 0)
            dns_cache_expire(sh->cache, T0 + (uint64_t)i * 1000);
    }
    atomic_store(&sh->done, true);
    return NULL;
}

struct reader_result {
    struct shared *sh;
    long lookups, hits, bad;
};

static void *reader(void *arg)
{
    struct reader_result *r = arg;
    unsigned x = 12345;
    while (!atomic_load(&r->sh->done) || r->lookups < 1000) {
        x = x * 1103515245u + 12345u;
        uint64_t seq = atomic_load_explicit(&r->sh->published_seq, memory_order_relaxed);
        struct netaddr client = nth(1, (x >> 8) % THREAD_CLIENTS);
        struct netaddr server = nth(2, (x >> 16) % THREAD_SERVERS);
        char name[HOSTNAME_MAX + 1];
        bool own;
        if (dns_cache_lookup(r->sh->cache, &client, &server, T0 + seq * 1000, seq + 1, name,
                             sizeof(name), &own)) {
            bool known = false;
            for (int k = 0; k < 5; k++)
                known = known || strcmp(name, thread_names[k]) == 0;
            r->bad += !known;
            r->hits++;
        }
        r->lookups++;
        if (r->lookups % 4096 == 0) {
            struct dns_cache_stats s;
            dns_cache_get_stats(r->sh->cache, &s);
            r->bad += s.entries > 512;
        }
    }
    return NULL;
}

TEST(concurrent_insert_and_lookup)
{
    struct shared sh = {.cache = cache(512, 0, 5), .inserts = 200000};
    atomic_init(&sh.published_seq, 0);
    atomic_init(&sh.done, false);
    struct reader_result r1 = {&sh, 0, 0, 0}, r2 = {&sh, 0, 0, 0};
    pthread_t w, t1, t2;
    CHECK_INT(pthread_create(&t1, NULL, reader, &r1), 0);
    CHECK_INT(pthread_create(&t2, NULL, reader, &r2), 0);
    CHECK_INT(pthread_create(&w, NULL, writer, &sh), 0);
    pthread_join(w, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_INT(r1.bad + r2.bad, 0);
    CHECK(r1.hits + r2.hits > 0);
    struct dns_cache_stats s = stats(sh.cache);
    CHECK_INT(s.inserts, sh.inserts);
    CHECK_INT(s.lookups, r1.lookups + r2.lookups);
    CHECK_INT(s.hits_client + s.hits_any + s.misses, s.lookups);
    CHECK(s.entries <= 512);
    fprintf(stderr, "concurrent: %ld lookups, %ld hits while %ld inserts\n",
            r1.lookups + r2.lookups, r1.hits + r2.hits, sh.inserts);
    dns_cache_free(sh.cache);
}

TEST(lookup_speed)
{
    /* Not a benchmark: a guard against a lookup gone accidentally slow. */
    struct dns_cache *c = cache(1 << 16, 60, 300);
    for (unsigned i = 0; i < 30000; i++) {
        struct netaddr client = nth(1, i % 500), server = nth(2, i);
        dns_cache_insert(c, &client, &server, "www.example.com", 300, T0, 1 + i);
    }
    struct timespec a, b;
    const unsigned n = 1000000;
    unsigned hits = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (unsigned i = 0; i < n; i++) {
        struct netaddr client = nth(1, i % 500), server = nth(2, (i * 7) % 30000);
        char name[HOSTNAME_MAX + 1];
        hits += dns_cache_lookup(c, &client, &server, T0 + SEC, 1u << 30, name, sizeof(name), NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
    fprintf(stderr, "lookup_speed: %.0f ns per lookup (%u hits)\n", ns, hits);
    CHECK_INT(hits, n);
    CHECK(ns < 20000); /* generous: sanitizers slow everything */
    dns_cache_free(c);
}

int main(void)
{
    alarm(600);
    RUN(per_client_and_any_client);
    RUN(ipv6_addresses);
    RUN(lifetime_with_min_ttl_and_grace);
    RUN(sequence_rule);
    RUN(sequence_rule_with_expired_versions);
    RUN(lookups_behind_many_inserts);
    RUN(horizon_frees_older_versions);
    RUN(entry_lives_while_an_older_version_does);
    RUN(version_pool_full);
    RUN(same_name_again_extends);
    RUN(names_not_stored);
    RUN(memory_bound);
    RUN(soonest_expiring_evicted_first);
    RUN(insert_does_not_evict_itself);
    RUN(expire);
    RUN(stats_counters);
    RUN(small_max_entries_is_raised_to_floor);
    RUN(concurrent_insert_and_lookup);
    RUN(lookup_speed);
    return test_report();
}
