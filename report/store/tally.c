/*
 * tally.c - hash table of usage cells.
 *
 * Chained buckets with a power-of-two bucket count that doubles when the table
 * is half full.  Keys are small and made from symbols and a day number chosen
 * by us, not by the network, so a fast unkeyed mix is enough.
 */
#include "tally.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tally_notes.h"

struct tally {
    struct tally_cell **buckets;
    size_t nbuckets, count;
    size_t memory;
    uint64_t alloc_failures;
    struct tally_notes *notes; /* made when first used */
};

static uint64_t key_hash(const struct tally_key *k)
{
    uint64_t h = ((uint64_t)k->hour << 32) ^ k->dept_sym;
    h ^= ((uint64_t)k->service_sym << 16) ^ ((uint64_t)k->country << 48) ^
         ((uint64_t)k->tenant << 40) ^ ((uint64_t)k->dept_source << 44);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

struct tally *tally_new(void)
{
    struct tally *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->nbuckets = 64;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->memory = sizeof(*t) + t->nbuckets * sizeof(*t->buckets);
    return t;
}

void tally_clear(struct tally *t)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct tally_cell *c = t->buckets[i];
        while (c) {
            struct tally_cell *next = c->next;
            free(c->devices);
            free(c);
            c = next;
        }
        t->buckets[i] = NULL;
    }
    t->count = 0;
    t->memory = sizeof(*t) + t->nbuckets * sizeof(*t->buckets);
    tally_notes_clear(t->notes);
}

void tally_free(struct tally *t)
{
    if (!t)
        return;
    tally_clear(t);
    tally_notes_free(t->notes);
    free(t->buckets);
    free(t);
}

struct tally_notes *tally_notes(struct tally *t)
{
    if (!t->notes)
        t->notes = tally_notes_new();
    return t->notes;
}

const struct tally_notes *tally_notes_peek(const struct tally *t)
{
    return t->notes;
}

static void grow(struct tally *t)
{
    size_t n = t->nbuckets * 2;
    struct tally_cell **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct tally_cell *c = t->buckets[i];
        while (c) {
            struct tally_cell *next = c->next;
            size_t j = key_hash(&c->key) & (n - 1);
            c->next = nb[j];
            nb[j] = c;
            c = next;
        }
    }
    t->memory += (n - t->nbuckets) * sizeof(*nb);
    free(t->buckets);
    t->buckets = nb;
    t->nbuckets = n;
}

struct tally_cell *tally_cell(struct tally *t, const struct tally_key *key)
{
    size_t b = key_hash(key) & (t->nbuckets - 1);
    for (struct tally_cell *c = t->buckets[b]; c; c = c->next) {
        if (memcmp(&c->key, key, sizeof(*key)) == 0)
            return c;
    }
    struct tally_cell *c = calloc(1, sizeof(*c));
    if (!c) {
        t->alloc_failures++;
        return NULL;
    }
    c->key = *key;
    c->next = t->buckets[b];
    t->buckets[b] = c;
    t->count++;
    t->memory += sizeof(*c);
    if (t->count > t->nbuckets / 2)
        grow(t);
    return c;
}

static int device_insert(uint64_t *slots, uint32_t cap, uint64_t device)
{
    uint32_t i = (uint32_t)(device ^ (device >> 32)) & (cap - 1);
    while (slots[i]) {
        if (slots[i] == device)
            return 0;
        i = (i + 1) & (cap - 1);
    }
    slots[i] = device;
    return 1;
}

int tally_device_set_add(uint64_t **slots, uint32_t *count, uint32_t *cap, uint64_t device)
{
    if (device == 0)
        device = 1; /* 0 marks an empty slot */
    if ((*count + 1) * 2 > *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 8;
        uint64_t *nslots = calloc(ncap, sizeof(*nslots));
        if (!nslots)
            return -1;
        for (uint32_t i = 0; i < *cap; i++) {
            if ((*slots)[i])
                device_insert(nslots, ncap, (*slots)[i]);
        }
        free(*slots);
        *slots = nslots;
        *cap = ncap;
    }
    *count += (uint32_t)device_insert(*slots, *cap, device);
    return 0;
}

int tally_cell_add_device(struct tally_cell *c, uint64_t device)
{
    return tally_device_set_add(&c->devices, &c->ndevices, &c->devices_cap, device);
}

int tally_merge(struct tally *into, const struct tally *from)
{
    int rc = 0;
    for (size_t i = 0; i < from->nbuckets; i++) {
        for (const struct tally_cell *c = from->buckets[i]; c; c = c->next) {
            struct tally_cell *d = tally_cell(into, &c->key);
            if (!d) {
                rc = -1;
                continue;
            }
            d->bytes_up += c->bytes_up;
            d->bytes_down += c->bytes_down;
            d->packets_up += c->packets_up;
            d->packets_down += c->packets_down;
            d->flows += c->flows;
            for (int v = 0; v < TALLY_VIS_COUNT; v++) {
                d->vis_bytes[v] += c->vis_bytes[v];
                d->vis_flows[v] += c->vis_flows[v];
            }
            if (c->status)
                d->status = c->status; /* from is the newer tally */
            if (c->first_seen)
                tally_cell_seen(d, c->first_seen);
            if (c->last_seen)
                tally_cell_seen(d, c->last_seen);
            for (uint32_t j = 0; j < c->devices_cap; j++) {
                if (c->devices[j] && tally_cell_add_device(d, c->devices[j]) != 0)
                    rc = -1;
            }
        }
    }
    if (tally_notes_count(from->notes) || tally_notes_dropped(from->notes) ||
        tally_notes_ai_servers_dropped(from->notes)) {
        /* What does not fit is counted in the notes' dropped, not here: a
         * full table of hints is not a lost count. */
        struct tally_notes *n = tally_notes(into);
        if (n)
            tally_notes_merge(n, from->notes);
        else
            rc = -1;
    }
    into->alloc_failures += from->alloc_failures;
    return rc;
}

const char *tally_vis_name(enum tally_vis v)
{
    static const char *const names[TALLY_VIS_COUNT] = {
        "sni",      "quic-sni", "http-host", "dns",           "ip-range",     "stun",    "ndpi",
        "protocol", "unknown",  "ech",       "encrypted-dns", "no-handshake", "ip-only", "other"};
    return (unsigned)v < TALLY_VIS_COUNT ? names[v] : NULL;
}

const char *tally_dept_source_name(enum tally_dept_source s)
{
    static const char *const names[TALLY_DEPT_SOURCE_COUNT] = {"unassigned", "network", "vlan",
                                                               "dhcp", "assignment"};
    return (unsigned)s < TALLY_DEPT_SOURCE_COUNT ? names[s] : NULL;
}

const char *tally_tenant_name(enum tally_tenant t)
{
    static const char *const names[TALLY_TENANT_COUNT] = {NULL, "none", "own", "other"};
    return (unsigned)t < TALLY_TENANT_COUNT ? names[t] : NULL;
}

size_t tally_count(const struct tally *t)
{
    return t->count;
}

size_t tally_memory(const struct tally *t)
{
    return t->memory;
}

uint64_t tally_alloc_failures(const struct tally *t)
{
    return t->alloc_failures;
}

void tally_each(const struct tally *t, void (*fn)(void *ctx, const struct tally_cell *c), void *ctx)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        for (const struct tally_cell *c = t->buckets[i]; c; c = c->next)
            fn(ctx, c);
    }
}

void tally_day_format(uint32_t day, char *buf)
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 11, "%Y-%m-%d", &tm);
}

int tally_day_parse(const char *s, uint32_t *day)
{
    int y, m, d;
    char extra;
    if (strlen(s) != 10)
        return -1;
    /* sscanf alone would take signs and spaces inside the fields ("2026-+1-01") */
    for (int i = 0; i < 10; i++) {
        bool dash = i == 4 || i == 7;
        if (dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return -1;
    }
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3)
        return -1;
    if (y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    struct tm back;
    gmtime_r(&t, &back);
    if (back.tm_mday != d || back.tm_mon != m - 1)
        return -1; /* 2026-02-30 */
    *day = (uint32_t)(t / 86400);
    return 0;
}
