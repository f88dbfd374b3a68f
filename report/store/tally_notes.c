/*
 * tally_notes.c - the two bounded side tables of a tally.
 *
 * Open addressing with linear probing, grown by doubling while under half
 * full, up to twice the entry limit: a full table holds its limit at a load of
 * one half.  Host names are chosen by whoever sends the packets, so they are
 * hashed with SipHash under a random key per process (as the flow table and
 * DNS cache do), and the entry limit caps what a flood of names can cost.
 */
#include "tally_notes.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

struct host_note {
    uint64_t hash;
    uint64_t bytes;
    uint32_t day;
    char name[]; /* NUL-terminated */
};

struct asn_note {
    uint32_t asn; /* 0: empty slot */
    char org[TALLY_NOTES_ORG_MAX + 1];
};

struct tally_notes {
    struct host_note **hosts;
    size_t hosts_cap, nhosts;
    struct asn_note *asns;
    size_t asns_cap, nasns;
    uint64_t dropped;
};

static struct siphash_key hash_key;
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    if (siphash_key_random(&hash_key) != 0) {
        /* No kernel randomness: fall back to a per-process value; the
         * entry limit still bounds the cost of collisions. */
        hash_key.k0 = (uint64_t)(uintptr_t)&hash_key ^ 0x736f6d6570736575ULL;
        hash_key.k1 = (uint64_t)(uintptr_t)&hash_key_once ^ 0x646f72616e646f6dULL;
    }
}

struct tally_notes *tally_notes_new(void)
{
    pthread_once(&hash_key_once, hash_key_init);
    return calloc(1, sizeof(struct tally_notes));
}

void tally_notes_clear(struct tally_notes *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->hosts_cap; i++) {
        free(n->hosts[i]);
        n->hosts[i] = NULL;
    }
    n->nhosts = 0;
    if (n->asns)
        memset(n->asns, 0, n->asns_cap * sizeof(*n->asns));
    n->nasns = 0;
    n->dropped = 0;
}

void tally_notes_free(struct tally_notes *n)
{
    if (!n)
        return;
    tally_notes_clear(n);
    free(n->hosts);
    free(n->asns);
    free(n);
}

/* ---- host names ---- */

static uint64_t host_hash(uint32_t day, const char *host, size_t len)
{
    return siphash24(&hash_key, host, len) ^ ((uint64_t)day * 0x9e3779b97f4a7c15ULL);
}

/* The slot holding (day, host), or the empty slot where it would go. */
static size_t host_slot(struct host_note *const *slots, size_t cap, uint64_t hash, uint32_t day,
                        const char *host)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slots[i] &&
           !(slots[i]->hash == hash && slots[i]->day == day && strcmp(slots[i]->name, host) == 0))
        i = (i + 1) & (cap - 1);
    return i;
}

static int hosts_grow(struct tally_notes *n)
{
    size_t cap = n->hosts_cap ? n->hosts_cap * 2 : 64;
    struct host_note **slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < n->hosts_cap; i++) {
        struct host_note *h = n->hosts[i];
        if (h)
            slots[host_slot(slots, cap, h->hash, h->day, h->name)] = h;
    }
    free(n->hosts);
    n->hosts = slots;
    n->hosts_cap = cap;
    return 0;
}

int tally_notes_add_host(struct tally_notes *n, uint32_t day, const char *host, uint64_t bytes)
{
    size_t len = strlen(host);
    if (!len)
        return 0;
    uint64_t hash = host_hash(day, host, len);
    if (n->hosts_cap) {
        size_t i = host_slot(n->hosts, n->hosts_cap, hash, day, host);
        if (n->hosts[i]) {
            n->hosts[i]->bytes += bytes;
            return 0;
        }
    }
    if (n->nhosts >= TALLY_NOTES_MAX_HOSTS) {
        n->dropped++;
        return -1;
    }
    if ((n->nhosts + 1) * 2 > n->hosts_cap && hosts_grow(n) != 0) {
        n->dropped++;
        return -1;
    }
    struct host_note *h = malloc(sizeof(*h) + len + 1);
    if (!h) {
        n->dropped++;
        return -1;
    }
    h->hash = hash;
    h->bytes = bytes;
    h->day = day;
    memcpy(h->name, host, len + 1);
    n->hosts[host_slot(n->hosts, n->hosts_cap, hash, day, host)] = h;
    n->nhosts++;
    return 0;
}

/* ---- autonomous systems ---- */

static size_t asn_slot(const struct asn_note *slots, size_t cap, uint32_t asn)
{
    size_t i = (size_t)(asn * 2654435761u) & (cap - 1);
    while (slots[i].asn && slots[i].asn != asn)
        i = (i + 1) & (cap - 1);
    return i;
}

static int asns_grow(struct tally_notes *n)
{
    size_t cap = n->asns_cap ? n->asns_cap * 2 : 32;
    struct asn_note *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < n->asns_cap; i++) {
        if (n->asns[i].asn)
            slots[asn_slot(slots, cap, n->asns[i].asn)] = n->asns[i];
    }
    free(n->asns);
    n->asns = slots;
    n->asns_cap = cap;
    return 0;
}

int tally_notes_add_asn(struct tally_notes *n, uint32_t asn, const char *org)
{
    if (!asn)
        return 0;
    struct asn_note *a = NULL;
    if (n->asns_cap) {
        a = &n->asns[asn_slot(n->asns, n->asns_cap, asn)];
        if (!a->asn)
            a = NULL;
    }
    if (!a) {
        if (n->nasns >= TALLY_NOTES_MAX_ASNS ||
            ((n->nasns + 1) * 2 > n->asns_cap && asns_grow(n) != 0)) {
            n->dropped++;
            return -1;
        }
        a = &n->asns[asn_slot(n->asns, n->asns_cap, asn)];
        a->asn = asn;
        n->nasns++;
    }
    size_t len = strlen(org ? org : "");
    if (len > TALLY_NOTES_ORG_MAX)
        len = TALLY_NOTES_ORG_MAX;
    if (len || !a->org[0]) {
        memcpy(a->org, org ? org : "", len);
        a->org[len] = '\0';
    }
    return 0;
}

/* ---- the whole ---- */

int tally_notes_merge(struct tally_notes *into, const struct tally_notes *from)
{
    int rc = 0;
    if (!from)
        return 0;
    for (size_t i = 0; i < from->asns_cap; i++) {
        if (from->asns[i].asn &&
            tally_notes_add_asn(into, from->asns[i].asn, from->asns[i].org) != 0)
            rc = -1;
    }
    for (size_t i = 0; i < from->hosts_cap; i++) {
        const struct host_note *h = from->hosts[i];
        if (h && tally_notes_add_host(into, h->day, h->name, h->bytes) != 0)
            rc = -1;
    }
    into->dropped += from->dropped;
    return rc;
}

size_t tally_notes_count(const struct tally_notes *n)
{
    return n ? n->nhosts + n->nasns : 0;
}

uint64_t tally_notes_dropped(const struct tally_notes *n)
{
    return n ? n->dropped : 0;
}

void tally_notes_each_asn(const struct tally_notes *n,
                          void (*fn)(void *ctx, uint32_t asn, const char *org), void *ctx)
{
    for (size_t i = 0; n && i < n->asns_cap; i++) {
        if (n->asns[i].asn)
            fn(ctx, n->asns[i].asn, n->asns[i].org);
    }
}

void tally_notes_each_host(const struct tally_notes *n,
                           void (*fn)(void *ctx, uint32_t day, const char *host, uint64_t bytes),
                           void *ctx)
{
    for (size_t i = 0; n && i < n->hosts_cap; i++) {
        const struct host_note *h = n->hosts[i];
        if (h)
            fn(ctx, h->day, h->name, h->bytes);
    }
}
