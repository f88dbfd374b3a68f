/*
 * dns_cache.c - bounded cache of (client, server) -> name from DNS answers.
 *
 * Entries live in a pool allocated once at max_entries and never resized, so
 * the memory bound is fixed at creation and an insert allocates at most a
 * name.  Three structures index the pool by 32-bit entry index:
 *
 *  - a chained hash table (bucket heads, links inside the entries) with as
 *    many buckets as entries, keyed by SipHash with a random key: clients and
 *    the answers they receive choose the keys, and an unkeyed hash would let
 *    them pile every entry into one bucket and make each lookup a list walk;
 *  - a binary min-heap on expiry time, so that both dns_cache_expire() and the
 *    eviction of a full cache find the entry expiring soonest in O(1) and
 *    remove it in O(log n).  A clock or LRU ring would be cheaper per insert
 *    but evict by age rather than by expiry, which is what the contract asks
 *    and what keeps a long-TTL name alive under a burst of short ones;
 *  - a free list threaded through the unused entries.
 *
 * Names are interned: one refcounted copy of exactly the name's size per
 * distinct name, shared by every entry and version holding it.  Each insert
 * touches two entries (per-client and any-client) with one name, and many
 * clients resolve the same few names, so this stores far fewer bytes than a
 * copy per entry.  An entry is 96 bytes; with its bucket head, heap slot and
 * name-table bucket it costs 112 bytes, plus its share of the names.
 *
 * Versions.  A lookup for packet sequence s sees the newest version (name,
 * seq, expiry) inserted before s, so its answer does not depend on how far
 * ahead of the workers the capture thread has run.  An entry holds its current
 * version and a chain of older ones, newest first, from a pool of versions as
 * large as the pool of entries.  Which older versions a lookup to come may
 * still need is told by the horizon (dns_cache_set_horizon): the lowest
 * sequence number a lookup to come can carry.  Of the versions inserted
 * before the horizon only the newest can still be seen, and the rest are
 * freed at the entry's next insert; so a chain holds what was inserted while
 * the slowest worker was behind, and no version a pending lookup needs is
 * dropped.  (Keeping a single previous version was not enough: a lookup that
 * ran behind two inserts into one entry, as when several names of a CDN
 * resolve to one address in a burst, found nothing.)  Only when the pool of
 * versions is full even after every chain is pruned is the oldest version of
 * the entry at hand dropped, and counted (versions_dropped).
 * Re-inserting the name an entry already holds, while it is alive, only
 * extends its expiry: every lookup that could tell the difference comes from a
 * packet older than the insert, which saw the name alive anyway.  The heap
 * orders entries by the latest expiry among their versions, so that an entry
 * stays while any version a pending lookup may see is alive.
 *
 * Answers may carry TTLs of up to 68 years.  Since eviction removes the entry
 * expiring soonest, such entries would never leave a full cache, and a client
 * sending itself forged answers could pin the whole cache; TTLs are therefore
 * capped at DNS_CACHE_MAX_TTL (resolvers cap theirs likewise).
 *
 * Locking: a reader-writer lock preferring writers (on glibc), so that a
 * stream of lookups from the workers cannot stall the capture thread's
 * inserts.  Counters bumped by readers are relaxed atomics; the rest of the
 * state changes only under the write lock.
 */
#include "dns_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "siphash.h"

#define DNS_CACHE_MIN_ENTRIES 16
#define DNS_CACHE_MAX_ENTRIES (1u << 30)
#define DNS_CACHE_MAX_TTL     86400u /* seconds; also the usual resolver cap */
#define ENTRY_NONE            UINT32_MAX

struct cache_name {
    struct cache_name *next; /* in its bucket of the names table */
    uint64_t hash;
    uint32_t refs; /* versions holding it, plus an insert in progress */
    uint32_t len;
    char text[];
};

struct cache_version {
    struct cache_name *name;
    uint64_t seq;
    uint64_t expires_us; /* alive while now_us < expires_us */
    uint32_t older;      /* the version before it (index in versions[]), or ENTRY_NONE */
};

struct cache_entry {
    struct netaddr client; /* all zero in an any-client entry */
    struct netaddr server;
    uint32_t hash;     /* low bits of the key's hash: bucket, and a quick compare */
    uint32_t next;     /* next in the bucket, or in the free list */
    uint32_t heap_pos; /* index in heap[] */
    bool any_client;
    uint64_t expires_max; /* the latest expiry among cur and its older versions */
    struct cache_version cur;
};

struct dns_cache {
    pthread_rwlock_t lock;
    struct siphash_key key;
    uint32_t min_ttl, grace;

    struct cache_entry *pool;
    uint32_t capacity, count, free_head;
    /* count, readable without the lock: lets a look-up in an empty cache (a
     * network with no DNS in view, a flood of new flows) skip the lock, whose
     * cache line the workers would otherwise fight over. */
    atomic_uint published_count;
    uint32_t peak;       /* most entries at once, for the statistics */
    uint32_t never_used; /* pool entries from here on were never handed out */
    uint32_t *buckets;   /* entry index or ENTRY_NONE */
    uint32_t bucket_mask;
    uint32_t *heap; /* entry indices, min-heap on expires_max */

    struct cache_version *versions; /* older versions, a pool as large as the entries' */
    uint32_t versions_free, versions_never_used, versions_count;
    uint64_t horizon; /* no lookup to come has a lower sequence number */

    struct cache_name **names;
    uint32_t names_mask;

    size_t fixed_bytes, names_bytes;
    atomic_uint_fast64_t inserts, lookups, hits_client, hits_any, misses, expired, evicted;
    uint64_t versions_dropped; /* writer only */
};

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 1;
    while (p < n)
        p <<= 1;
    return p;
}

static void bump(atomic_uint_fast64_t *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static uint64_t get(atomic_uint_fast64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

/* client NULL: the any-client key of server. */
static uint32_t key_hash(const struct dns_cache *c, const struct netaddr *client,
                         const struct netaddr *server)
{
    uint8_t buf[1 + 2 * sizeof(struct netaddr)];
    size_t n = 0;
    buf[n++] = client ? 1 : 0;
    memcpy(buf + n, server->b, sizeof(server->b));
    n += sizeof(server->b);
    if (client) {
        memcpy(buf + n, client->b, sizeof(client->b));
        n += sizeof(client->b);
    }
    return (uint32_t)siphash24(&c->key, buf, n);
}

static uint32_t entry_find(const struct dns_cache *c, uint32_t h, const struct netaddr *client,
                           const struct netaddr *server)
{
    for (uint32_t i = c->buckets[h & c->bucket_mask]; i != ENTRY_NONE; i = c->pool[i].next) {
        const struct cache_entry *e = &c->pool[i];
        if (e->hash == h && e->any_client == !client && netaddr_cmp(&e->server, server) == 0 &&
            (!client || netaddr_cmp(&e->client, client) == 0))
            return i;
    }
    return ENTRY_NONE;
}

/* --- names ------------------------------------------------------------------ */

/* Returns the interned copy of text with one more reference, or NULL when out
 * of memory. */
static struct cache_name *name_hold(struct dns_cache *c, const char *text, size_t len)
{
    uint64_t h = siphash24(&c->key, text, len);
    struct cache_name **bucket = &c->names[h & c->names_mask];
    for (struct cache_name *n = *bucket; n; n = n->next) {
        if (n->hash == h && n->len == len && memcmp(n->text, text, len) == 0) {
            n->refs++;
            return n;
        }
    }
    struct cache_name *n = malloc(sizeof(*n) + len + 1);
    if (!n)
        return NULL;
    n->hash = h;
    n->refs = 1;
    n->len = (uint32_t)len;
    memcpy(n->text, text, len);
    n->text[len] = '\0';
    n->next = *bucket;
    *bucket = n;
    c->names_bytes += sizeof(*n) + len + 1;
    return n;
}

static void name_release(struct dns_cache *c, struct cache_name *n)
{
    if (!n || --n->refs > 0)
        return;
    struct cache_name **link = &c->names[n->hash & c->names_mask];
    while (*link != n)
        link = &(*link)->next;
    *link = n->next;
    c->names_bytes -= sizeof(*n) + n->len + 1;
    free(n);
}

/* --- expiry heap ------------------------------------------------------------ */

static bool heap_before(const struct dns_cache *c, uint32_t a, uint32_t b)
{
    return c->pool[a].expires_max < c->pool[b].expires_max;
}

static void heap_set(struct dns_cache *c, uint32_t pos, uint32_t entry)
{
    c->heap[pos] = entry;
    c->pool[entry].heap_pos = pos;
}

static void heap_sift_up(struct dns_cache *c, uint32_t pos)
{
    uint32_t entry = c->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!heap_before(c, entry, c->heap[parent]))
            break;
        heap_set(c, pos, c->heap[parent]);
        pos = parent;
    }
    heap_set(c, pos, entry);
}

static void heap_sift_down(struct dns_cache *c, uint32_t pos)
{
    uint32_t entry = c->heap[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= c->count)
            break;
        if (child + 1 < c->count && heap_before(c, c->heap[child + 1], c->heap[child]))
            child++;
        if (!heap_before(c, c->heap[child], entry))
            break;
        heap_set(c, pos, c->heap[child]);
        pos = child;
    }
    heap_set(c, pos, entry);
}

/* Restores the heap after the expiry of the entry at pos changed either way. */
static void heap_fix(struct dns_cache *c, uint32_t pos)
{
    if (pos > 0 && heap_before(c, c->heap[pos], c->heap[(pos - 1) / 2]))
        heap_sift_up(c, pos);
    else
        heap_sift_down(c, pos);
}

/* --- older versions --------------------------------------------------------- */

/* A free slot in the versions pool, or ENTRY_NONE. */
static uint32_t version_alloc(struct dns_cache *c)
{
    uint32_t i = c->versions_free;
    if (i != ENTRY_NONE)
        c->versions_free = c->versions[i].older;
    else if (c->versions_never_used < c->capacity)
        i = c->versions_never_used++;
    else
        return ENTRY_NONE;
    c->versions_count++;
    return i;
}

/* Frees the chain of versions from i on. */
static void versions_free(struct dns_cache *c, uint32_t i)
{
    while (i != ENTRY_NONE) {
        struct cache_version *v = &c->versions[i];
        uint32_t older = v->older;
        name_release(c, v->name);
        v->name = NULL;
        v->older = c->versions_free;
        c->versions_free = i;
        c->versions_count--;
        i = older;
    }
}

/* The latest expiry among e's versions: how long e must stay. */
static void entry_expiry_update(const struct dns_cache *c, struct cache_entry *e)
{
    uint64_t max = e->cur.expires_us;
    for (uint32_t i = e->cur.older; i != ENTRY_NONE; i = c->versions[i].older)
        if (c->versions[i].expires_us > max)
            max = c->versions[i].expires_us;
    e->expires_max = max;
}

/* Drops the older versions of e that no lookup to come can see: below the
 * horizon only the newest version counts.  Returns true when e's latest
 * expiry may have changed. */
static bool versions_prune(struct dns_cache *c, struct cache_entry *e)
{
    if (e->cur.older == ENTRY_NONE)
        return false;
    if (e->cur.seq < c->horizon) {
        versions_free(c, e->cur.older);
        e->cur.older = ENTRY_NONE;
    } else {
        struct cache_version *v = &e->cur;
        while (v->older != ENTRY_NONE && v->seq >= c->horizon)
            v = &c->versions[v->older];
        versions_free(c, v->older);
        v->older = ENTRY_NONE;
    }
    uint64_t before = e->expires_max;
    entry_expiry_update(c, e);
    return e->expires_max != before;
}

/* Every entry pruned, when the versions pool ran out. */
static void versions_prune_all(struct dns_cache *c)
{
    for (uint32_t i = 0; i < c->count; i++) {
        struct cache_entry *e = &c->pool[c->heap[i]];
        if (versions_prune(c, e))
            heap_fix(c, e->heap_pos);
    }
}

/* Drops the oldest version of e: the pool is full of versions pending lookups
 * may need (see the top). */
static void version_drop_oldest(struct dns_cache *c, struct cache_entry *e)
{
    struct cache_version *v = &e->cur;
    while (v->older != ENTRY_NONE && c->versions[v->older].older != ENTRY_NONE)
        v = &c->versions[v->older];
    versions_free(c, v->older);
    v->older = ENTRY_NONE;
    c->versions_dropped++;
}

/* Makes the new version v the entry's current one, keeping the old current
 * version in its chain while a lookup to come may see it. */
static void version_push(struct dns_cache *c, struct cache_entry *e, struct cache_version v)
{
    versions_prune(c, e);
    uint32_t slot = version_alloc(c);
    if (slot == ENTRY_NONE) {
        versions_prune_all(c);
        slot = version_alloc(c);
    }
    if (slot == ENTRY_NONE && e->cur.older != ENTRY_NONE) {
        version_drop_oldest(c, e);
        slot = version_alloc(c);
    }
    if (slot == ENTRY_NONE) {
        /* Nothing else to take from: the current version goes. */
        name_release(c, e->cur.name);
        c->versions_dropped++;
    } else {
        c->versions[slot] = e->cur;
        v.older = slot;
    }
    e->cur = v;
    entry_expiry_update(c, e);
}

/* --- entries ---------------------------------------------------------------- */

static void entry_remove(struct dns_cache *c, uint32_t i)
{
    struct cache_entry *e = &c->pool[i];
    uint32_t *link = &c->buckets[e->hash & c->bucket_mask];
    while (*link != i)
        link = &c->pool[*link].next;
    *link = e->next;

    uint32_t pos = e->heap_pos, last = c->heap[c->count - 1];
    c->count--;
    atomic_store_explicit(&c->published_count, c->count, memory_order_release);
    if (pos < c->count) {
        heap_set(c, pos, last);
        heap_fix(c, pos);
    }

    name_release(c, e->cur.name);
    versions_free(c, e->cur.older);
    memset(e, 0, sizeof(*e));
    e->next = c->free_head;
    c->free_head = i;
}

/* Makes room in a full cache by dropping the entry that expires soonest, other
 * than keep (the entry the same insert has just written, which would
 * otherwise be the victim when every other entry outlives it). */
static void evict_one(struct dns_cache *c, uint64_t now_us, uint32_t keep)
{
    uint32_t pos = 0;
    if (c->heap[0] == keep) {
        /* The runner-up is one of the root's children; capacity >= 16 has two. */
        pos = 1;
        if (c->count > 2 && heap_before(c, c->heap[2], c->heap[1]))
            pos = 2;
    }
    uint32_t victim = c->heap[pos];
    bump(c->pool[victim].expires_max <= now_us ? &c->expired : &c->evicted);
    entry_remove(c, victim);
}

/* Writes name into the entry for (client or any, server); returns its index.
 * name is held by the caller for the duration, so eviction cannot free it. */
static uint32_t insert_one(struct dns_cache *c, const struct netaddr *client,
                           const struct netaddr *server, struct cache_name *name,
                           uint64_t expires_us, uint64_t now_us, uint64_t seq, uint32_t keep)
{
    uint32_t h = key_hash(c, client, server);
    uint32_t i = entry_find(c, h, client, server);
    struct cache_version v = {name, seq, expires_us, ENTRY_NONE};

    if (i != ENTRY_NONE) {
        struct cache_entry *e = &c->pool[i];
        if (e->cur.name == name && e->cur.expires_us > now_us) {
            if (expires_us > e->cur.expires_us) {
                e->cur.expires_us = expires_us;
                if (expires_us > e->expires_max)
                    e->expires_max = expires_us;
                heap_fix(c, e->heap_pos);
            }
            return i;
        }
        name->refs++;
        version_push(c, e, v);
        heap_fix(c, e->heap_pos);
        return i;
    }

    if (c->free_head == ENTRY_NONE && c->never_used < c->capacity) {
        i = c->never_used++;
    } else {
        if (c->free_head == ENTRY_NONE)
            evict_one(c, now_us, keep);
        i = c->free_head;
        c->free_head = c->pool[i].next;
    }
    struct cache_entry *e = &c->pool[i];

    if (client)
        e->client = *client;
    e->server = *server;
    e->any_client = !client;
    e->hash = h;
    e->cur = v;
    e->expires_max = expires_us;
    name->refs++;
    e->next = c->buckets[h & c->bucket_mask];
    c->buckets[h & c->bucket_mask] = i;
    c->count++;
    if (c->count > c->peak)
        c->peak = c->count;
    atomic_store_explicit(&c->published_count, c->count, memory_order_release);
    heap_set(c, c->count - 1, i);
    heap_sift_up(c, c->count - 1);
    return i;
}

/* The version a lookup for packet seq sees at now_us, or NULL.  The newest
 * version the packet could have seen decides: if it has expired, an older
 * name it replaced does not come back. */
static const struct cache_version *
entry_version(const struct dns_cache *c, const struct cache_entry *e, uint64_t now_us, uint64_t seq)
{
    const struct cache_version *v = &e->cur;
    while (v->seq >= seq) {
        if (v->older == ENTRY_NONE)
            return NULL;
        v = &c->versions[v->older];
    }
    return v->expires_us > now_us ? v : NULL;
}

/* max(ttl, min_ttl) + grace, the answer's TTL capped first (see the top). */
static uint64_t lifetime_s(const struct dns_cache *c, uint32_t ttl)
{
    if (ttl > DNS_CACHE_MAX_TTL)
        ttl = DNS_CACHE_MAX_TTL;
    if (ttl < c->min_ttl)
        ttl = c->min_ttl;
    return (uint64_t)ttl + c->grace;
}

/* --- the contract ----------------------------------------------------------- */

/* The cache and its tables, not the names in them. */
static void free_tables(struct dns_cache *c)
{
    free(c->pool);
    free(c->buckets);
    free(c->heap);
    free(c->versions);
    free(c->names);
    free(c);
}

struct dns_cache *dns_cache_new(const struct dns_cache_config *cfg)
{
    size_t max = cfg->max_entries;
    if (max < DNS_CACHE_MIN_ENTRIES)
        max = DNS_CACHE_MIN_ENTRIES; /* the header's floor; eviction relies on it */
    if (max > DNS_CACHE_MAX_ENTRIES)
        return NULL;

    struct dns_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->capacity = (uint32_t)max;
    c->min_ttl = cfg->min_ttl;
    c->grace = cfg->grace;
    uint32_t nbuckets = pow2_at_least(c->capacity);
    c->bucket_mask = nbuckets - 1;
    c->names_mask = nbuckets - 1; /* at most two names per entry: short chains */
    c->pool = calloc(c->capacity, sizeof(*c->pool));
    c->buckets = malloc(nbuckets * sizeof(*c->buckets));
    c->heap = malloc(c->capacity * sizeof(*c->heap));
    c->versions = malloc(c->capacity * sizeof(*c->versions));
    c->names = calloc(nbuckets, sizeof(*c->names));
    /* Without a secret key the table could be flooded: refuse rather than degrade. */
    if (!c->pool || !c->buckets || !c->heap || !c->versions || !c->names ||
        siphash_key_random(&c->key) != 0)
        goto fail;

    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0)
        goto fail;
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int rc = pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0)
        goto fail;

    for (uint32_t i = 0; i < nbuckets; i++)
        c->buckets[i] = ENTRY_NONE;
    /* Entries are handed out in pool order before any is recycled, so the
     * pool's pages are only touched as the cache fills. */
    c->free_head = ENTRY_NONE;
    c->never_used = 0;
    c->versions_free = ENTRY_NONE;
    c->fixed_bytes = sizeof(*c) +
                     c->capacity * (sizeof(*c->pool) + sizeof(*c->heap) + sizeof(*c->versions)) +
                     nbuckets * (sizeof(*c->buckets) + sizeof(*c->names));
    return c;

fail:
    free_tables(c);
    return NULL;
}

void dns_cache_free(struct dns_cache *c)
{
    if (!c)
        return;
    for (uint32_t b = 0; b <= c->names_mask; b++) {
        struct cache_name *n = c->names[b];
        while (n) {
            struct cache_name *next = n->next;
            free(n);
            n = next;
        }
    }
    pthread_rwlock_destroy(&c->lock);
    free_tables(c);
}

void dns_cache_set_horizon(struct dns_cache *c, uint64_t seq)
{
    if (seq > c->horizon)
        c->horizon = seq;
}

void dns_cache_insert(struct dns_cache *c, const struct netaddr *client,
                      const struct netaddr *server, const char *name, uint32_t ttl, uint64_t now_us,
                      uint64_t seq)
{
    size_t len = strnlen(name, HOSTNAME_MAX + 1);
    if (len == 0 || len > HOSTNAME_MAX)
        return;

    uint64_t life_us = lifetime_s(c, ttl) * 1000000u;
    uint64_t expires_us = now_us > UINT64_MAX - life_us ? UINT64_MAX : now_us + life_us;

    pthread_rwlock_wrlock(&c->lock);
    struct cache_name *n = name_hold(c, name, len);
    if (n) {
        uint32_t own = insert_one(c, client, server, n, expires_us, now_us, seq, ENTRY_NONE);
        insert_one(c, NULL, server, n, expires_us, now_us, seq, own);
        name_release(c, n);
        bump(&c->inserts);
    }
    pthread_rwlock_unlock(&c->lock);
}

bool dns_cache_lookup(struct dns_cache *c, const struct netaddr *client,
                      const struct netaddr *server, uint64_t now_us, uint64_t seq, char *name,
                      size_t namesz, bool *per_client)
{
    if (atomic_load_explicit(&c->published_count, memory_order_acquire) == 0) {
        bump(&c->lookups);
        bump(&c->misses);
        if (per_client)
            *per_client = false;
        return false;
    }
    /* The key is fixed at creation: hash before taking the lock. */
    uint32_t h_client = key_hash(c, client, server), h_any = key_hash(c, NULL, server);
    const struct cache_version *v = NULL;
    bool own = false, found = false;

    pthread_rwlock_rdlock(&c->lock);
    uint32_t i = entry_find(c, h_client, client, server);
    if (i != ENTRY_NONE)
        v = entry_version(c, &c->pool[i], now_us, seq);
    own = v != NULL;
    if (!v && (i = entry_find(c, h_any, NULL, server)) != ENTRY_NONE)
        v = entry_version(c, &c->pool[i], now_us, seq);
    /* A name cut to fit would be a different name: too small a buffer is a miss. */
    if (v && v->name->len < namesz) {
        memcpy(name, v->name->text, v->name->len + 1);
        found = true;
    }
    pthread_rwlock_unlock(&c->lock);

    bump(&c->lookups);
    bump(!found ? &c->misses : own ? &c->hits_client : &c->hits_any);
    if (per_client)
        *per_client = found && own;
    return found;
}

void dns_cache_expire(struct dns_cache *c, uint64_t now_us)
{
    pthread_rwlock_wrlock(&c->lock);
    while (c->count > 0 && c->pool[c->heap[0]].expires_max <= now_us) {
        entry_remove(c, c->heap[0]);
        bump(&c->expired);
    }
    pthread_rwlock_unlock(&c->lock);
}

void dns_cache_get_stats(struct dns_cache *c, struct dns_cache_stats *out)
{
    pthread_rwlock_rdlock(&c->lock);
    out->entries = c->count;
    out->entries_peak = c->peak;
    out->memory_bytes = c->fixed_bytes + c->names_bytes;
    out->versions = c->versions_count;
    out->versions_dropped = c->versions_dropped;
    pthread_rwlock_unlock(&c->lock);
    out->inserts = get(&c->inserts);
    out->lookups = get(&c->lookups);
    out->hits_client = get(&c->hits_client);
    out->hits_any = get(&c->hits_any);
    out->misses = get(&c->misses);
    out->expired = get(&c->expired);
    out->evicted = get(&c->evicted);
}
