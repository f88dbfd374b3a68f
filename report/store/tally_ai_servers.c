/*
 * tally_ai_servers.c - the bounded table of model-server notes.
 *
 * Open addressing with linear probing over pointers to entries, grown by
 * doubling while at most half full, as the other notes' tables
 * (tally_notes.c).  Keys are pseudonyms, ports, days and symbols, none a
 * string the network chooses, so a multiplicative mix spreads them; the
 * entry limit bounds what a sender inventing servers could cost.
 */
#include "tally_ai_servers.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

struct entry {
    uint64_t hash;
    struct tally_ai_server_note note; /* devices point at the set below */
    uint64_t *devices;
    uint32_t ndevices;
};

struct tally_ai_servers {
    struct entry **slots;
    size_t cap, n;
    uint64_t dropped; /* flows */
};

struct tally_ai_servers *tally_ai_servers_new(void)
{
    return calloc(1, sizeof(struct tally_ai_servers));
}

void tally_ai_servers_clear(struct tally_ai_servers *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i])
            free(t->slots[i]->devices);
        free(t->slots[i]);
        t->slots[i] = NULL;
    }
    t->n = 0;
    t->dropped = 0;
}

void tally_ai_servers_free(struct tally_ai_servers *t)
{
    if (!t)
        return;
    tally_ai_servers_clear(t);
    free(t->slots);
    free(t);
}

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

static uint64_t key_hash(const struct tally_ai_server_note *k)
{
    uint64_t h = mix(k->server ^ ((uint64_t)k->day << 32 | (uint64_t)k->port << 8 | k->api));
    return mix(h ^ ((uint64_t)k->server_dept_sym << 32 | k->client_dept_sym));
}

static bool same_key(const struct tally_ai_server_note *a, const struct tally_ai_server_note *b)
{
    return a->day == b->day && a->server == b->server && a->port == b->port && a->api == b->api &&
           a->server_dept_sym == b->server_dept_sym && a->client_dept_sym == b->client_dept_sym;
}

/* The slot holding the key, or the empty slot where it would go. */
static size_t slot_of(struct entry *const *slots, size_t cap, uint64_t hash,
                      const struct tally_ai_server_note *k)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slots[i] && !(slots[i]->hash == hash && same_key(&slots[i]->note, k)))
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(struct tally_ai_servers *t)
{
    size_t cap = t->cap ? t->cap * 2 : 32;
    struct entry **slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct entry *e = t->slots[i];
        if (e)
            slots[slot_of(slots, cap, e->hash, &e->note)] = e;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

/* The entry of the key, made when absent; NULL when full or short of memory. */
static struct entry *entry_of(struct tally_ai_servers *t, const struct tally_ai_server_note *k)
{
    uint64_t hash = key_hash(k);
    if (t->cap) {
        struct entry *e = t->slots[slot_of(t->slots, t->cap, hash, k)];
        if (e)
            return e;
    }
    if (t->n >= TALLY_AI_SERVERS_MAX || ((t->n + 1) * 2 > t->cap && grow(t) != 0))
        return NULL;
    struct entry *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    e->hash = hash;
    e->note = *k;
    e->note.bytes_up = e->note.bytes_down = 0;
    e->note.flows = e->note.requests = 0;
    e->note.devices = NULL;
    e->note.devices_cap = 0;
    t->slots[slot_of(t->slots, t->cap, hash, k)] = e;
    t->n++;
    return e;
}

int tally_ai_servers_add(struct tally_ai_servers *t, const struct tally_ai_server_note *note,
                         const uint64_t *devices, uint32_t ndevices_cap)
{
    struct entry *e = entry_of(t, note);
    if (!e) {
        t->dropped += note->flows;
        return -1;
    }
    e->note.bytes_up += note->bytes_up;
    e->note.bytes_down += note->bytes_down;
    e->note.flows += note->flows;
    e->note.requests += note->requests;
    int rc = 0;
    for (uint32_t i = 0; i < ndevices_cap; i++) {
        if (devices[i] &&
            tally_device_set_add(&e->devices, &e->ndevices, &e->note.devices_cap, devices[i]) != 0)
            rc = -1;
    }
    e->note.devices = e->devices;
    return rc;
}

int tally_ai_servers_merge(struct tally_ai_servers *into, const struct tally_ai_servers *from)
{
    int rc = 0;
    for (size_t i = 0; from && i < from->cap; i++) {
        const struct entry *e = from->slots[i];
        if (e && tally_ai_servers_add(into, &e->note, e->devices, e->note.devices_cap) != 0)
            rc = -1;
    }
    if (from)
        into->dropped += from->dropped;
    return rc;
}

size_t tally_ai_servers_count(const struct tally_ai_servers *t)
{
    return t ? t->n : 0;
}

uint64_t tally_ai_servers_dropped(const struct tally_ai_servers *t)
{
    return t ? t->dropped : 0;
}

void tally_ai_servers_each(const struct tally_ai_servers *t,
                           void (*fn)(void *ctx, const struct tally_ai_server_note *note),
                           void *ctx)
{
    for (size_t i = 0; t && i < t->cap; i++) {
        if (t->slots[i])
            fn(ctx, &t->slots[i]->note);
    }
}
