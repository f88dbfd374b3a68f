/*
 * fuzz_dns.c - the DNS answer parser, and its answers through a small cache.
 *
 * Input: a DNS message as carried in UDP.  The target parses it twice, as the
 * capture thread would for two clients a while apart, inserting every answer
 * into a cache small enough to evict, and looks each answer up again.  Checks:
 * every name reported is already normalized (hostname.h), and a lookup never
 * returns a name the cache was not given.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "dns_cache.h"
#include "hostname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEN 64

struct run {
    struct dns_cache *cache;
    struct netaddr client;
    uint64_t now_us, seq;
    int answers;
    struct netaddr addr[MAX_SEEN];
    size_t naddr;
};

static void check_name(const char *name)
{
    size_t n = strnlen(name, HOSTNAME_MAX + 1);
    if (n == 0 || n > HOSTNAME_MAX)
        abort();
    char norm[HOSTNAME_MAX + 1];
    if (hostname_normalize(name, n, norm, sizeof(norm)) != n || strcmp(norm, name) != 0)
        abort();
}

static void on_answer(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct run *r = ctx;
    check_name(name);
    r->answers++;
    dns_cache_insert(r->cache, &r->client, addr, name, ttl, r->now_us, r->seq);
    if (r->naddr < MAX_SEEN)
        r->addr[r->naddr++] = *addr;
}

static void parse_once(struct run *r, const uint8_t *msg, size_t len)
{
    r->answers = 0;
    r->naddr = 0;
    int n = dns_parse_response(msg, len, on_answer, r);
    if (n >= 0 ? n != r->answers : (n < DNS_ERR_NO_QUESTION || !dns_error_name(n)))
        abort();
    /* Lookups come from later packets (higher seq), as from the workers. */
    for (size_t i = 0; i < r->naddr; i++) {
        char name[HOSTNAME_MAX + 1];
        bool own = false;
        if (dns_cache_lookup(r->cache, &r->client, &r->addr[i], r->now_us + 1000, r->seq + 1, name,
                             sizeof(name), &own))
            check_name(name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0xffff)
        return 0;
    /* A copy of exactly the message's size, so ASan sees any read past it. */
    uint8_t *msg = malloc(size ? size : 1);
    if (!msg)
        return 0;
    memcpy(msg, data, size);

    struct dns_cache_config cfg = {16, 30, 60};
    struct run r = {.cache = dns_cache_new(&cfg)};
    if (!r.cache) {
        free(msg);
        return 0;
    }
    static const uint8_t client1[4] = {10, 0, 0, 1},
                         client2[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    uint64_t t0 = 1793606400ULL * 1000000ULL;
    netaddr_from_v4(&r.client, client1);
    r.now_us = t0;
    r.seq = 10;
    parse_once(&r, msg, size);
    /* A second client, past the first answers' minimum lifetime but within grace. */
    netaddr_from_v6(&r.client, client2);
    r.now_us = t0 + 45ULL * 1000000u;
    r.seq = 20;
    parse_once(&r, msg, size);
    dns_cache_expire(r.cache, t0 + 200ULL * 1000000u);
    struct dns_cache_stats st;
    dns_cache_get_stats(r.cache, &st);
    if (st.entries > cfg.max_entries)
        abort();
    dns_cache_free(r.cache);
    free(msg);
    return 0;
}
