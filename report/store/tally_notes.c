/*
 * tally_notes.c - the bounded side tables of a tally.
 *
 * Open addressing with linear probing, grown by doubling while under half
 * full, up to twice the entry limit: a full table holds its limit at a load of
 * one half.  Host names are chosen by whoever sends the packets, so they are
 * hashed with SipHash under a random key per process (as the flow table and
 * DNS cache do), and the entry limit caps what a flood of names can cost.
 */
#include "tally_notes.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "tally.h"

struct unknown_entry {
    uint64_t hash;
    struct tally_unknown_note note; /* domain and host point into text */
    uint64_t *devices;
    uint32_t ndevices;
    char text[]; /* "domain\0host\0" */
};

struct asn_note {
    uint32_t asn; /* 0: empty slot */
    char org[TALLY_NOTES_ORG_MAX + 1];
};

struct edns_note {
    uint32_t day, dept_sym;
    uint64_t device; /* 0: empty slot */
};

/* A table of (day, department, kind, domain, host) entries. */
struct note_table {
    struct unknown_entry **slots;
    size_t cap, n;
};

struct tally_notes {
    struct note_table unknown;
    struct note_table tenants; /* domain: the service id; host: the tenant */
    struct asn_note *asns;
    size_t asns_cap, nasns;
    struct edns_note *edns;
    size_t edns_cap, nedns;
    uint64_t dropped;
    struct tally_ai_servers *ai_servers; /* made when first used */
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

static void table_clear(struct note_table *t);

struct tally_notes *tally_notes_new(void)
{
    pthread_once(&hash_key_once, hash_key_init);
    return calloc(1, sizeof(struct tally_notes));
}

void tally_notes_clear(struct tally_notes *n)
{
    if (!n)
        return;
    table_clear(&n->unknown);
    table_clear(&n->tenants);
    if (n->asns)
        memset(n->asns, 0, n->asns_cap * sizeof(*n->asns));
    n->nasns = 0;
    if (n->edns)
        memset(n->edns, 0, n->edns_cap * sizeof(*n->edns));
    n->nedns = 0;
    n->dropped = 0;
    tally_ai_servers_clear(n->ai_servers);
}

void tally_notes_free(struct tally_notes *n)
{
    if (!n)
        return;
    tally_notes_clear(n);
    free(n->unknown.slots);
    free(n->tenants.slots);
    free(n->asns);
    free(n->edns);
    tally_ai_servers_free(n->ai_servers);
    free(n);
}

/* ---- unknown host names ---- */

static uint64_t unknown_hash(const struct tally_unknown_note *k, const char *host)
{
    uint64_t h = siphash24(&hash_key, host, strlen(host));
    return h ^ ((uint64_t)k->day * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)k->dept_sym << 32) ^
           ((uint64_t)k->kind << 56);
}

static bool unknown_same(const struct unknown_entry *e, uint64_t hash,
                         const struct tally_unknown_note *k, const char *domain, const char *host)
{
    return e->hash == hash && e->note.day == k->day && e->note.dept_sym == k->dept_sym &&
           e->note.kind == k->kind && strcmp(e->note.host, host) == 0 &&
           strcmp(e->note.domain, domain) == 0;
}

/* The slot holding the key, or the empty slot where it would go. */
static size_t unknown_slot(struct unknown_entry *const *slots, size_t cap, uint64_t hash,
                           const struct tally_unknown_note *k, const char *domain, const char *host)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slots[i] && !unknown_same(slots[i], hash, k, domain, host))
        i = (i + 1) & (cap - 1);
    return i;
}

static int table_grow(struct note_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct unknown_entry **slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < t->cap; i++) {
        struct unknown_entry *e = t->slots[i];
        if (e)
            slots[unknown_slot(slots, cap, e->hash, &e->note, e->note.domain, e->note.host)] = e;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

static void table_clear(struct note_table *t)
{
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i])
            free(t->slots[i]->devices);
        free(t->slots[i]);
        t->slots[i] = NULL;
    }
    t->n = 0;
}

static void unknown_add_to(struct unknown_entry *e, const struct tally_unknown_note *f)
{
    e->note.bytes_up += f->bytes_up;
    e->note.bytes_down += f->bytes_down;
    e->note.flows += f->flows;
    if (f->first_seen && (!e->note.first_seen || f->first_seen < e->note.first_seen))
        e->note.first_seen = f->first_seen;
    if (f->last_seen > e->note.last_seen)
        e->note.last_seen = f->last_seen;
}

/* The entry of the key (made when absent), or NULL when the table holds limit
 * entries or memory is short. */
static struct unknown_entry *table_entry(struct note_table *t, size_t limit,
                                         const struct tally_unknown_note *k, const char *domain,
                                         const char *host)
{
    uint64_t hash = unknown_hash(k, host);
    if (t->cap) {
        size_t i = unknown_slot(t->slots, t->cap, hash, k, domain, host);
        if (t->slots[i])
            return t->slots[i];
    }
    if (t->n >= limit)
        return NULL;
    if ((t->n + 1) * 2 > t->cap && table_grow(t) != 0)
        return NULL;
    size_t dl = strlen(domain), hl = strlen(host);
    struct unknown_entry *e = calloc(1, sizeof(*e) + dl + hl + 2);
    if (!e)
        return NULL;
    memcpy(e->text, domain, dl + 1);
    memcpy(e->text + dl + 1, host, hl + 1);
    e->hash = hash;
    e->note.day = k->day;
    e->note.dept_sym = k->dept_sym;
    e->note.kind = k->kind;
    e->note.domain = e->text;
    e->note.host = e->text + dl + 1;
    t->slots[unknown_slot(t->slots, t->cap, hash, k, domain, host)] = e;
    t->n++;
    return e;
}

static int unknown_add_devices(struct unknown_entry *e, const uint64_t *devices, uint32_t cap)
{
    int rc = 0;
    for (uint32_t i = 0; i < cap; i++) {
        if (devices[i] &&
            tally_device_set_add(&e->devices, &e->ndevices, &e->note.devices_cap, devices[i]) != 0)
            rc = -1;
    }
    e->note.devices = e->devices;
    return rc;
}

/* Adds a flow or an entry (with its device set) under its key, or else under
 * the overflow entry of its day and department. */
static int unknown_add(struct tally_notes *n, const struct tally_unknown_note *f,
                       const uint64_t *devices, uint32_t devices_cap)
{
    bool candidate = f->kind == TALLY_UNKNOWN_CANDIDATE;
    const char *domain = candidate && f->domain ? f->domain : "";
    const char *host = candidate && f->host ? f->host : "";
    /* The overflow entries may go past the limit: one per (day, department). */
    struct unknown_entry *e =
        f->kind == TALLY_UNKNOWN_OVERFLOW
            ? table_entry(&n->unknown, 2 * TALLY_NOTES_MAX_UNKNOWN, f, domain, host)
            : table_entry(&n->unknown, TALLY_NOTES_MAX_UNKNOWN, f, domain, host);
    int rc = 0;
    if (!e) {
        struct tally_unknown_note k = *f;
        k.kind = TALLY_UNKNOWN_OVERFLOW;
        e = table_entry(&n->unknown, 2 * TALLY_NOTES_MAX_UNKNOWN, &k, "", "");
        n->dropped++;
        rc = -1;
        if (!e)
            return -1;
    }
    unknown_add_to(e, f);
    if (e->note.kind == TALLY_UNKNOWN_CANDIDATE && unknown_add_devices(e, devices, devices_cap))
        rc = -1;
    return rc;
}

int tally_notes_add_unknown(struct tally_notes *n, const struct tally_unknown_note *flow,
                            uint64_t device)
{
    if (device == 0)
        device = 1; /* as the cells' sets: 0 marks an empty slot */
    return unknown_add(n, flow, &device, 1);
}

/* ---- tenants of other customers ---- */

static int tenant_add(struct tally_notes *n, const struct tally_unknown_note *f,
                      const uint64_t *devices, uint32_t devices_cap)
{
    struct tally_unknown_note k = *f;
    k.kind = 0;
    struct unknown_entry *e = table_entry(&n->tenants, TALLY_NOTES_MAX_TENANTS, &k,
                                          f->domain ? f->domain : "", f->host ? f->host : "");
    if (!e) {
        n->dropped++;
        return -1;
    }
    unknown_add_to(e, f);
    return unknown_add_devices(e, devices, devices_cap);
}

int tally_notes_add_tenant(struct tally_notes *n, const struct tally_unknown_note *flow,
                           uint64_t device)
{
    if (device == 0)
        device = 1;
    return tenant_add(n, flow, &device, 1);
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

/* ---- devices that used encrypted DNS ---- */

static size_t edns_slot(const struct edns_note *slots, size_t cap, uint32_t day, uint32_t dept,
                        uint64_t device)
{
    uint64_t h = device ^ ((uint64_t)day << 40) ^ ((uint64_t)dept * 0x9e3779b97f4a7c15ULL);
    size_t i = (size_t)(h ^ (h >> 29)) & (cap - 1);
    while (slots[i].device &&
           !(slots[i].device == device && slots[i].day == day && slots[i].dept_sym == dept))
        i = (i + 1) & (cap - 1);
    return i;
}

static int edns_grow(struct tally_notes *n)
{
    size_t cap = n->edns_cap ? n->edns_cap * 2 : 32;
    struct edns_note *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < n->edns_cap; i++) {
        const struct edns_note *e = &n->edns[i];
        if (e->device)
            slots[edns_slot(slots, cap, e->day, e->dept_sym, e->device)] = *e;
    }
    free(n->edns);
    n->edns = slots;
    n->edns_cap = cap;
    return 0;
}

int tally_notes_add_edns_device(struct tally_notes *n, uint32_t day, uint32_t dept_sym,
                                uint64_t device)
{
    if (device == 0)
        device = 1;
    if (n->edns_cap && n->edns[edns_slot(n->edns, n->edns_cap, day, dept_sym, device)].device)
        return 0;
    if (n->nedns >= TALLY_NOTES_MAX_EDNS ||
        ((n->nedns + 1) * 2 > n->edns_cap && edns_grow(n) != 0)) {
        n->dropped++;
        return -1;
    }
    n->edns[edns_slot(n->edns, n->edns_cap, day, dept_sym, device)] =
        (struct edns_note){day, dept_sym, device};
    n->nedns++;
    return 0;
}

/* ---- the whole ---- */

static int merge_ai_servers(struct tally_notes *into, const struct tally_notes *from);

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
    for (size_t i = 0; i < from->unknown.cap; i++) {
        const struct unknown_entry *e = from->unknown.slots[i];
        if (e && unknown_add(into, &e->note, e->devices, e->note.devices_cap) != 0)
            rc = -1;
    }
    for (size_t i = 0; i < from->tenants.cap; i++) {
        const struct unknown_entry *e = from->tenants.slots[i];
        if (e && tenant_add(into, &e->note, e->devices, e->note.devices_cap) != 0)
            rc = -1;
    }
    for (size_t i = 0; i < from->edns_cap; i++) {
        const struct edns_note *e = &from->edns[i];
        if (e->device && tally_notes_add_edns_device(into, e->day, e->dept_sym, e->device) != 0)
            rc = -1;
    }
    if (merge_ai_servers(into, from) != 0)
        rc = -1;
    into->dropped += from->dropped;
    return rc;
}

size_t tally_notes_count(const struct tally_notes *n)
{
    return n ? n->unknown.n + n->tenants.n + n->nasns + n->nedns +
                   tally_ai_servers_count(n->ai_servers)
             : 0;
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

void tally_notes_each_unknown(const struct tally_notes *n,
                              void (*fn)(void *ctx, const struct tally_unknown_note *note),
                              void *ctx)
{
    for (size_t i = 0; n && i < n->unknown.cap; i++) {
        if (n->unknown.slots[i])
            fn(ctx, &n->unknown.slots[i]->note);
    }
}

void tally_notes_each_tenant(const struct tally_notes *n,
                             void (*fn)(void *ctx, const struct tally_unknown_note *note),
                             void *ctx)
{
    for (size_t i = 0; n && i < n->tenants.cap; i++) {
        if (n->tenants.slots[i])
            fn(ctx, &n->tenants.slots[i]->note);
    }
}

void tally_notes_each_edns(const struct tally_notes *n,
                           void (*fn)(void *ctx, uint32_t day, uint32_t dept_sym, uint64_t device),
                           void *ctx)
{
    for (size_t i = 0; n && i < n->edns_cap; i++) {
        if (n->edns[i].device)
            fn(ctx, n->edns[i].day, n->edns[i].dept_sym, n->edns[i].device);
    }
}

/* ---- model servers inside ---- */

/* The notes' table of model servers, made when first needed; NULL when
 * memory is short. */
static struct tally_ai_servers *ai_servers_of(struct tally_notes *n)
{
    if (!n->ai_servers)
        n->ai_servers = tally_ai_servers_new();
    return n->ai_servers;
}

int tally_notes_add_ai_server(struct tally_notes *n, const struct tally_ai_server_note *flow,
                              uint64_t device)
{
    if (device == 0)
        device = 1; /* as the cells' sets: 0 marks an empty slot */
    struct tally_ai_servers *t = ai_servers_of(n);
    return t ? tally_ai_servers_add(t, flow, &device, 1) : -1;
}

static int merge_ai_servers(struct tally_notes *into, const struct tally_notes *from)
{
    if (!from->ai_servers)
        return 0;
    struct tally_ai_servers *t = ai_servers_of(into);
    return t ? tally_ai_servers_merge(t, from->ai_servers) : -1;
}

uint64_t tally_notes_ai_servers_dropped(const struct tally_notes *n)
{
    return n ? tally_ai_servers_dropped(n->ai_servers) : 0;
}

void tally_notes_each_ai_server(const struct tally_notes *n,
                                void (*fn)(void *ctx, const struct tally_ai_server_note *note),
                                void *ctx)
{
    if (n)
        tally_ai_servers_each(n->ai_servers, fn, ctx);
}
