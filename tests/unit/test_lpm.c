/*
 * test_lpm.c - longest-prefix match: nested prefixes, the two families kept
 * apart, default routes, replacing a value, and many random prefixes checked
 * against a brute-force longest match.
 */
#include "lpm.h"

#include <stdlib.h>

#include "test.h"

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

static struct netprefix prefix(const char *text)
{
    struct netprefix p;
    if (!netprefix_parse(text, &p, NULL))
        abort();
    return p;
}

static int32_t insert(struct lpm *t, const char *text, int32_t value)
{
    struct netprefix p = prefix(text);
    return lpm_insert(t, &p, value);
}

static int32_t lookup(const struct lpm *t, const char *text)
{
    struct netaddr a = addr(text);
    return lpm_lookup(t, &a);
}

TEST(empty_table)
{
    struct lpm *t = lpm_new();
    CHECK(t != NULL);
    CHECK_INT(lookup(t, "10.0.0.1"), -1);
    CHECK_INT(lookup(t, "::"), -1);
    CHECK_INT(lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), -1);
    CHECK(lpm_memory(t) > 0);
    lpm_free(t);
    lpm_free(NULL);
}

TEST(nested_prefixes_longest_wins)
{
    struct lpm *t = lpm_new();
    CHECK_INT(insert(t, "10.0.0.0/8", 1), -1);
    CHECK_INT(insert(t, "10.1.0.0/16", 2), -1);
    CHECK_INT(insert(t, "10.1.2.0/24", 3), -1);
    CHECK_INT(insert(t, "10.1.2.128/25", 4), -1);
    CHECK_INT(insert(t, "10.1.2.200/32", 5), -1);
    CHECK_INT(lookup(t, "10.9.9.9"), 1);
    CHECK_INT(lookup(t, "10.1.9.9"), 2);
    CHECK_INT(lookup(t, "10.1.2.9"), 3);
    CHECK_INT(lookup(t, "10.1.2.129"), 4);
    CHECK_INT(lookup(t, "10.1.2.200"), 5);
    CHECK_INT(lookup(t, "10.1.2.201"), 4);
    CHECK_INT(lookup(t, "10.1.2.127"), 3);
    CHECK_INT(lookup(t, "11.0.0.0"), -1);
    CHECK_INT(lookup(t, "9.255.255.255"), -1);

    /* inserting the shorter prefix after the longer one changes nothing for it */
    struct lpm *u = lpm_new();
    CHECK_INT(insert(u, "2001:db8:1::/48", 7), -1);
    CHECK_INT(insert(u, "2001:db8::/32", 6), -1);
    CHECK_INT(lookup(u, "2001:db8:1::5"), 7);
    CHECK_INT(lookup(u, "2001:db8:2::5"), 6);
    CHECK_INT(lookup(u, "2001:db9::"), -1);
    lpm_free(u);
    lpm_free(t);
}

TEST(families_are_separate)
{
    struct lpm *t = lpm_new();
    CHECK_INT(insert(t, "0.0.0.0/0", 4), -1); /* every IPv4 address, no IPv6 one */
    CHECK_INT(lookup(t, "198.51.100.1"), 4);
    CHECK_INT(lookup(t, "0.0.0.0"), 4);
    CHECK_INT(lookup(t, "2001:db8::1"), -1);
    CHECK_INT(lookup(t, "::"), -1);
    CHECK_INT(lookup(t, "::ffff:0:0"), 4); /* the mapped form is the IPv4 address */
    CHECK_INT(lookup(t, "::fffe:0:0"), -1);

    CHECK_INT(insert(t, "2001:db8::/32", 6), -1);
    CHECK_INT(lookup(t, "2001:db8::1"), 6);
    CHECK_INT(lookup(t, "198.51.100.1"), 4);

    /* a v4 prefix and the v6 prefix with the same leading bits do not meet */
    struct lpm *u = lpm_new();
    CHECK_INT(insert(u, "10.0.0.0/8", 1), -1);
    CHECK_INT(insert(u, "a00::/8", 2), -1);
    CHECK_INT(lookup(u, "10.1.2.3"), 1);
    CHECK_INT(lookup(u, "a01:203::"), 2);
    lpm_free(u);
    lpm_free(t);
}

TEST(default_route)
{
    struct lpm *t = lpm_new();
    CHECK_INT(insert(t, "::/0", 0), -1);
    CHECK_INT(lookup(t, "2001:db8::1"), 0);
    CHECK_INT(lookup(t, "10.1.1.1"), 0); /* ::/0 covers the mapped range */
    CHECK_INT(insert(t, "0.0.0.0/0", 1), -1);
    CHECK_INT(lookup(t, "10.1.1.1"), 1);
    CHECK_INT(lookup(t, "2001:db8::1"), 0);
    CHECK_INT(insert(t, "10.0.0.0/8", 2), -1);
    CHECK_INT(lookup(t, "10.1.1.1"), 2);
    CHECK_INT(lookup(t, "11.1.1.1"), 1);
    lpm_free(t);
}

TEST(host_routes)
{
    struct lpm *t = lpm_new();
    CHECK_INT(insert(t, "2001:db8::1/128", 9), -1);
    CHECK_INT(insert(t, "255.255.255.255/32", 10), -1);
    CHECK_INT(insert(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 11), -1);
    CHECK_INT(lookup(t, "2001:db8::1"), 9);
    CHECK_INT(lookup(t, "2001:db8::"), -1);
    CHECK_INT(lookup(t, "2001:db8::2"), -1);
    CHECK_INT(lookup(t, "255.255.255.255"), 10);
    CHECK_INT(lookup(t, "255.255.255.254"), -1);
    CHECK_INT(lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 11);
    CHECK_INT(lookup(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"), -1);
    lpm_free(t);
}

TEST(replacing_a_value)
{
    struct lpm *t = lpm_new();
    CHECK_INT(insert(t, "192.0.2.0/24", 5), -1);
    CHECK_INT(insert(t, "192.0.2.0/24", 8), 5);
    CHECK_INT(lookup(t, "192.0.2.1"), 8);
    CHECK_INT(insert(t, "192.0.2.0/24", 5), 8);
    CHECK_INT(lookup(t, "192.0.2.1"), 5);
    /* the same address under another length is another prefix */
    CHECK_INT(insert(t, "192.0.2.0/25", 6), -1);
    CHECK_INT(lookup(t, "192.0.2.1"), 6);
    CHECK_INT(lookup(t, "192.0.2.129"), 5);
    /* the root too */
    CHECK_INT(insert(t, "::/0", 1), -1);
    CHECK_INT(insert(t, "::/0", 2), 1);
    CHECK_INT(lookup(t, "2001:db8::"), 2);
    /* large values survive */
    CHECK_INT(insert(t, "198.51.100.0/24", INT32_MAX), -1);
    CHECK_INT(lookup(t, "198.51.100.9"), INT32_MAX);
    lpm_free(t);
}

/* ---- random prefixes against a brute-force reference ---- */

struct ref_entry {
    struct netprefix p;
    int32_t value;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void random_addr(struct netaddr *a, bool v4, const struct netaddr *near)
{
    for (int i = 0; i < 16; i++)
        a->b[i] = (uint8_t)rng();
    if (near && rng() % 2) {
        /* share a random number of leading bits with an existing prefix */
        unsigned keep = (unsigned)(rng() % 129);
        for (unsigned bit = 0; bit < keep; bit++) {
            uint8_t mask = (uint8_t)(0x80 >> (bit % 8));
            a->b[bit / 8] = (uint8_t)((a->b[bit / 8] & ~mask) | (near->b[bit / 8] & mask));
        }
    }
    if (v4) {
        memset(a->b, 0, 10);
        a->b[10] = a->b[11] = 0xff;
    }
}

static void mask(struct netprefix *p)
{
    for (unsigned bit = p->len; bit < 128; bit++)
        p->addr.b[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
}

static int32_t brute_force(const struct ref_entry *ref, size_t n, const struct netaddr *a)
{
    int best_len = -1;
    int32_t best = -1;
    for (size_t i = 0; i < n; i++) {
        if (netprefix_contains(&ref[i].p, a) && (int)ref[i].p.len > best_len) {
            best_len = ref[i].p.len;
            best = ref[i].value;
        }
    }
    return best;
}

TEST(random_prefixes_against_brute_force)
{
    enum { PREFIXES = 3000, LOOKUPS = 20000 };
    struct ref_entry *ref = calloc(PREFIXES, sizeof(*ref));
    size_t n = 0;
    struct lpm *t = lpm_new();
    for (int i = 0; i < PREFIXES; i++) {
        struct netprefix p;
        bool v4 = rng() % 2;
        random_addr(&p.addr, v4, n ? &ref[rng() % n].p.addr : NULL);
        /* lengths clustered like real tables, with some at the extremes */
        unsigned r = (unsigned)(rng() % 10);
        unsigned len = v4 ? (r == 0 ? 0 : r == 1 ? 32 : 8 + (unsigned)(rng() % 25))
                          : (r == 0 ? (unsigned)(rng() % 8) : r == 1 ? 128 : 16 + (unsigned)(rng() % 49));
        p.len = (uint8_t)(v4 ? 96 + len : len);
        mask(&p);
        int32_t value = (int32_t)i;
        /* replace the value of a prefix already in the reference */
        int32_t expect_old = -1;
        for (size_t j = 0; j < n; j++) {
            if (ref[j].p.len == p.len && netaddr_cmp(&ref[j].p.addr, &p.addr) == 0) {
                expect_old = ref[j].value;
                ref[j].value = value;
                break;
            }
        }
        int32_t old = lpm_insert(t, &p, value);
        if (old != expect_old) {
            CHECK_INT(old, expect_old);
            break;
        }
        if (expect_old < 0)
            ref[n++] = (struct ref_entry){p, value};
    }
    CHECK(n > PREFIXES / 2);

    int mismatches = 0, hits = 0;
    for (int i = 0; i < LOOKUPS && mismatches < 5; i++) {
        struct netaddr a;
        const struct netaddr *near = &ref[rng() % n].p.addr;
        random_addr(&a, netaddr_is_v4(near) ? rng() % 4 != 0 : rng() % 4 == 0, near);
        int32_t want = brute_force(ref, n, &a);
        int32_t got = lpm_lookup(t, &a);
        if (want >= 0)
            hits++;
        if (got != want) {
            char buf[NETADDR_STRLEN];
            mismatches++;
            CHECK_INT(got, want);
            fprintf(stderr, "    address %s\n", netaddr_format(&a, buf, sizeof(buf)));
        }
    }
    /* each prefix's own address finds it or a longer prefix of the same address */
    for (size_t i = 0; i < n && mismatches < 5; i++) {
        int32_t want = brute_force(ref, n, &ref[i].p.addr);
        if (lpm_lookup(t, &ref[i].p.addr) != want) {
            mismatches++;
            CHECK_INT(lpm_lookup(t, &ref[i].p.addr), want);
        }
    }
    CHECK(hits > LOOKUPS / 4); /* the test reached the interesting cases */
    CHECK(lpm_memory(t) >= n * 8);
    lpm_free(t);
    free(ref);
}

int main(void)
{
    RUN(empty_table);
    RUN(nested_prefixes_longest_wins);
    RUN(families_are_separate);
    RUN(default_route);
    RUN(host_routes);
    RUN(replacing_a_value);
    RUN(random_prefixes_against_brute_force);
    return test_report();
}
