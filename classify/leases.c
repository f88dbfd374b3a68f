/*
 * leases.c - a bounded table of address -> lease, from DHCP.
 *
 * The layout is dns_cache.c's, for the same reasons: entries in a pool
 * allocated once at max_entries and never resized, so that the memory bound
 * is fixed at creation and an update allocates nothing; indexed by
 *
 *  - a chained hash table with as many buckets as entries, keyed by SipHash
 *    with a random key: addresses come from the network, and whoever sends
 *    DHCP messages chooses them;
 *  - a binary min-heap on the latest end among an entry's leases, so that
 *    leases_expire() and the eviction of a full table find the entry ending
 *    soonest in O(1) and remove it in O(log n);
 *  - a free list threaded through the unused entries.
 *
 * A lease is held whole in its entry (about 150 bytes: the host name and the
 * client identifier are bounded by dhcp.h), with no interning: unlike DNS
 * names, host names are per device.  An entry costs about 340 bytes with its
 * slot in the versions pool, its heap slot and its bucket.
 *
 * Versions.  Each change of a lease (grant, release, host name) is pushed as
 * a new version of its entry, and the version it replaces is kept in a chain
 * from a pool as large as the pool of entries, for the look-ups that come
 * from packets before the change.  The horizon prunes the chains as in
 * dns_cache.c: below it only the newest version can still be seen.  A
 * renewal that changes nothing but the end is made in place: every look-up
 * that could tell the difference comes from a packet before the renewal,
 * whose time is before it, when the lease held either way.  Renewals are
 * most of what a network's DHCP says (every device, every half lease), so
 * this keeps the versions pool for the changes that matter.
 *
 * The requests remembered for their grants (leases.h) are a small ring only
 * the writer touches, so they need no lock.
 *
 * Locking: a reader-writer lock preferring writers (on glibc); counters are
 * relaxed atomics, so that readers and the writer bump them without the
 * write lock.
 *
 * Nothing here logs: what the table holds is personal (leases.h).
 */
#include "leases.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define LEASES_MAX_ENTRIES (1u << 24)
#define ENTRY_NONE         UINT32_MAX
#define US_PER_S           1000000u

struct lease_version {
    struct lease lease;
    uint32_t older; /* the version before it (index in versions[]), or ENTRY_NONE */
};

struct lease_entry {
    uint32_t hash;        /* low bits of the address's hash: bucket, and a quick compare */
    uint32_t next;        /* next in the bucket, or in the free list */
    uint32_t heap_pos;    /* index in heap[] */
    uint64_t expires_max; /* the latest end among cur and its older versions */
    struct lease_version cur;
};

/* A request remembered for the grant that answers it. */
struct lease_pending {
    struct lease identity; /* hostname, client id, MAC; addr unused */
    enum dhcp_kind kind;
    enum dhcp_mac_source mac_source;
    uint32_t xid;
    uint64_t ts_us;
    bool used; /* holds a request */
};

struct leases {
    pthread_rwlock_t lock;
    struct siphash_key key;
    uint64_t default_lease_us;

    struct lease_entry *pool;
    uint32_t capacity, count, free_head, never_used, peak;
    atomic_uint published_count; /* count, readable without the lock */
    uint32_t *buckets;           /* entry index or ENTRY_NONE */
    uint32_t bucket_mask;
    uint32_t *heap; /* entry indices, min-heap on expires_max */

    struct lease_version *versions; /* older versions, a pool as large as the entries' */
    uint32_t versions_free, versions_never_used, versions_count;
    uint64_t horizon; /* no look-up to come has a lower sequence number */

    struct lease_pending pending[LEASES_PENDING]; /* writer only */
    unsigned pending_next;

    size_t memory_bytes;
    atomic_uint_fast64_t inserted, granted, renewed, released, names_refreshed, unchanged;
    atomic_uint_fast64_t evicted, expired, versions_dropped, lookups, hits, misses;
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

static uint32_t addr_hash(const struct leases *t, const struct netaddr *a)
{
    return (uint32_t)siphash24(&t->key, a->b, sizeof(a->b));
}

static uint32_t entry_find(const struct leases *t, uint32_t h, const struct netaddr *a)
{
    for (uint32_t i = t->buckets[h & t->bucket_mask]; i != ENTRY_NONE; i = t->pool[i].next) {
        const struct lease_entry *e = &t->pool[i];
        if (e->hash == h && netaddr_cmp(&e->cur.lease.addr, a) == 0)
            return i;
    }
    return ENTRY_NONE;
}

/* --- devices ---------------------------------------------------------------- */

/* The same device: the same client identifier when both have one, else the
 * same MAC when both have one (leases.h). */
static bool same_device(const struct lease *a, const struct lease *b)
{
    if (a->client_id_len && b->client_id_len)
        return a->client_id_len == b->client_id_len &&
               memcmp(a->client_id, b->client_id, a->client_id_len) == 0;
    return a->has_mac && b->has_mac && memcmp(a->mac, b->mac, 6) == 0;
}

static bool same_identity(const struct lease *a, const struct lease *b)
{
    return a->has_mac == b->has_mac && (!a->has_mac || memcmp(a->mac, b->mac, 6) == 0) &&
           a->client_id_len == b->client_id_len &&
           memcmp(a->client_id, b->client_id, a->client_id_len) == 0 &&
           strcmp(a->hostname, b->hostname) == 0;
}

/* Fills in what l lacks from what from knows of the same device. */
static void identity_fill(struct lease *l, const struct lease *from)
{
    if (!l->has_mac && from->has_mac) {
        l->has_mac = true;
        memcpy(l->mac, from->mac, 6);
    }
    if (!l->client_id_len && from->client_id_len) {
        l->client_id_len = from->client_id_len;
        memcpy(l->client_id, from->client_id, from->client_id_len);
    }
    if (!l->hostname[0])
        memcpy(l->hostname, from->hostname, sizeof(l->hostname));
}

/* The device a message speaks of, for its address. */
static void lease_from_message(struct lease *l, const struct dhcp_message *m)
{
    memset(l, 0, sizeof(*l));
    l->addr = m->address;
    l->has_mac = m->mac_source != DHCP_MAC_NONE;
    if (l->has_mac)
        memcpy(l->mac, m->mac, 6);
    memcpy(l->hostname, m->hostname, sizeof(l->hostname));
    l->hostname[DHCP_HOSTNAME_MAX] = '\0';
    l->client_id_len = m->client_id_len;
    memcpy(l->client_id, m->client_id, m->client_id_len);
}

/* --- requests waiting for their grants ---------------------------------------- */

static void pending_note(struct leases *t, const struct dhcp_message *m, uint64_t ts_us)
{
    struct lease_pending *p = &t->pending[t->pending_next];
    t->pending_next = (t->pending_next + 1) % LEASES_PENDING;
    lease_from_message(&p->identity, m);
    p->kind = m->kind;
    p->mac_source = m->mac_source;
    p->xid = m->xid;
    p->ts_us = ts_us;
    p->used = true;
}

/* The newest request a grant of the same exchange answers: its host name,
 * client id and MAC complete the grant's (a relay's MAC is better than one
 * from a DUID: it is the interface the client spoke from). */
static void pending_merge(const struct leases *t, const struct dhcp_message *m, uint64_t ts_us,
                          struct lease *l)
{
    for (unsigned k = 1; k <= LEASES_PENDING; k++) {
        const struct lease_pending *p =
            &t->pending[(t->pending_next + LEASES_PENDING - k) % LEASES_PENDING];
        if (!p->used || p->kind != m->kind || p->xid != m->xid || p->ts_us > ts_us ||
            ts_us - p->ts_us > (uint64_t)LEASES_PENDING_S * US_PER_S ||
            !same_device(&p->identity, l))
            continue;
        if (p->mac_source == DHCP_MAC_RELAY && m->mac_source != DHCP_MAC_RELAY &&
            m->mac_source != DHCP_MAC_CHADDR) {
            l->has_mac = true;
            memcpy(l->mac, p->identity.mac, 6);
        }
        identity_fill(l, &p->identity);
        return;
    }
}

/* --- expiry heap ------------------------------------------------------------ */

static bool heap_before(const struct leases *t, uint32_t a, uint32_t b)
{
    return t->pool[a].expires_max < t->pool[b].expires_max;
}

static void heap_set(struct leases *t, uint32_t pos, uint32_t entry)
{
    t->heap[pos] = entry;
    t->pool[entry].heap_pos = pos;
}

static void heap_sift_up(struct leases *t, uint32_t pos)
{
    uint32_t entry = t->heap[pos];
    while (pos > 0) {
        uint32_t parent = (pos - 1) / 2;
        if (!heap_before(t, entry, t->heap[parent]))
            break;
        heap_set(t, pos, t->heap[parent]);
        pos = parent;
    }
    heap_set(t, pos, entry);
}

static void heap_sift_down(struct leases *t, uint32_t pos)
{
    uint32_t entry = t->heap[pos];
    for (;;) {
        uint32_t child = 2 * pos + 1;
        if (child >= t->count)
            break;
        if (child + 1 < t->count && heap_before(t, t->heap[child + 1], t->heap[child]))
            child++;
        if (!heap_before(t, t->heap[child], entry))
            break;
        heap_set(t, pos, t->heap[child]);
        pos = child;
    }
    heap_set(t, pos, entry);
}

static void heap_fix(struct leases *t, uint32_t pos)
{
    if (pos > 0 && heap_before(t, t->heap[pos], t->heap[(pos - 1) / 2]))
        heap_sift_up(t, pos);
    else
        heap_sift_down(t, pos);
}

/* --- older versions --------------------------------------------------------- */

static uint32_t version_alloc(struct leases *t)
{
    uint32_t i = t->versions_free;
    if (i != ENTRY_NONE)
        t->versions_free = t->versions[i].older;
    else if (t->versions_never_used < t->capacity)
        i = t->versions_never_used++;
    else
        return ENTRY_NONE;
    t->versions_count++;
    return i;
}

static void versions_free(struct leases *t, uint32_t i)
{
    while (i != ENTRY_NONE) {
        uint32_t older = t->versions[i].older;
        t->versions[i].older = t->versions_free;
        t->versions_free = i;
        t->versions_count--;
        i = older;
    }
}

static void entry_expiry_update(const struct leases *t, struct lease_entry *e)
{
    uint64_t max = e->cur.lease.end_us;
    for (uint32_t i = e->cur.older; i != ENTRY_NONE; i = t->versions[i].older)
        if (t->versions[i].lease.end_us > max)
            max = t->versions[i].lease.end_us;
    e->expires_max = max;
}

/* Drops the older versions of e no look-up to come can see (dns_cache.c). */
static bool versions_prune(struct leases *t, struct lease_entry *e)
{
    if (e->cur.older == ENTRY_NONE)
        return false;
    struct lease_version *v = &e->cur;
    while (v->older != ENTRY_NONE && v->lease.seq >= t->horizon)
        v = &t->versions[v->older];
    versions_free(t, v->older);
    v->older = ENTRY_NONE;
    uint64_t before = e->expires_max;
    entry_expiry_update(t, e);
    return e->expires_max != before;
}

static void versions_prune_all(struct leases *t)
{
    for (uint32_t i = 0; i < t->count; i++) {
        struct lease_entry *e = &t->pool[t->heap[i]];
        if (versions_prune(t, e))
            heap_fix(t, e->heap_pos);
    }
}

/* Makes l the entry's current lease, keeping the one it replaces while a
 * look-up to come may see it; when the pool of versions is full of such, the
 * entry's oldest goes (counted). */
static void version_push(struct leases *t, struct lease_entry *e, const struct lease *l)
{
    versions_prune(t, e);
    uint32_t slot = version_alloc(t);
    if (slot == ENTRY_NONE) {
        versions_prune_all(t);
        slot = version_alloc(t);
    }
    if (slot == ENTRY_NONE && e->cur.older != ENTRY_NONE) {
        struct lease_version *v = &e->cur;
        while (t->versions[v->older].older != ENTRY_NONE)
            v = &t->versions[v->older];
        versions_free(t, v->older);
        v->older = ENTRY_NONE;
        bump(&t->versions_dropped);
        slot = version_alloc(t);
    }
    uint32_t older = ENTRY_NONE;
    if (slot == ENTRY_NONE) {
        bump(&t->versions_dropped); /* nothing else to take from: the current one goes */
    } else {
        t->versions[slot] = e->cur;
        older = slot;
    }
    e->cur.lease = *l;
    e->cur.older = older;
    entry_expiry_update(t, e);
    heap_fix(t, e->heap_pos);
}

/* --- entries ---------------------------------------------------------------- */

static void entry_remove(struct leases *t, uint32_t i)
{
    struct lease_entry *e = &t->pool[i];
    uint32_t *link = &t->buckets[e->hash & t->bucket_mask];
    while (*link != i)
        link = &t->pool[*link].next;
    *link = e->next;

    uint32_t pos = e->heap_pos, last = t->heap[t->count - 1];
    t->count--;
    atomic_store_explicit(&t->published_count, t->count, memory_order_release);
    if (pos < t->count) {
        heap_set(t, pos, last);
        heap_fix(t, pos);
    }
    versions_free(t, e->cur.older);
    memset(e, 0, sizeof(*e));
    e->next = t->free_head;
    t->free_head = i;
}

/* A new entry holding l; a full table first drops the entry ending soonest. */
static void entry_insert(struct leases *t, uint32_t h, const struct lease *l, uint64_t ts_us)
{
    uint32_t i;
    if (t->free_head == ENTRY_NONE && t->never_used < t->capacity) {
        i = t->never_used++;
    } else {
        if (t->free_head == ENTRY_NONE) {
            uint32_t victim = t->heap[0];
            bump(t->pool[victim].expires_max <= ts_us ? &t->expired : &t->evicted);
            entry_remove(t, victim);
        }
        i = t->free_head;
        t->free_head = t->pool[i].next;
    }
    struct lease_entry *e = &t->pool[i];
    e->hash = h;
    e->cur.lease = *l;
    e->cur.older = ENTRY_NONE;
    e->expires_max = l->end_us;
    e->next = t->buckets[h & t->bucket_mask];
    t->buckets[h & t->bucket_mask] = i;
    t->count++;
    if (t->count > t->peak)
        t->peak = t->count;
    atomic_store_explicit(&t->published_count, t->count, memory_order_release);
    heap_set(t, t->count - 1, i);
    heap_sift_up(t, t->count - 1);
    bump(&t->inserted);
}

static bool holds_at(const struct lease *l, uint64_t ts_us)
{
    return l->start_us <= ts_us && ts_us < l->end_us;
}

/* --- changes ---------------------------------------------------------------- */

static uint64_t lease_end(const struct leases *t, const struct dhcp_message *m, uint64_t ts_us)
{
    uint64_t life_us = t->default_lease_us;
    if (m->has_lease_time && m->lease_s > 0)
        life_us = (uint64_t)(m->lease_s < LEASES_MAX_LEASE_S ? m->lease_s : LEASES_MAX_LEASE_S) *
                  US_PER_S;
    return ts_us > UINT64_MAX - life_us ? UINT64_MAX : ts_us + life_us;
}

static enum leases_change grant(struct leases *t, const struct dhcp_message *m, uint64_t ts_us,
                                uint64_t seq)
{
    struct lease l;
    lease_from_message(&l, m);
    pending_merge(t, m, ts_us, &l);
    l.start_us = ts_us;
    l.end_us = lease_end(t, m, ts_us);
    l.seq = seq;

    uint32_t h = addr_hash(t, &l.addr);
    uint32_t i = entry_find(t, h, &l.addr);
    if (i == ENTRY_NONE) {
        entry_insert(t, h, &l, ts_us);
        return LEASES_GRANTED;
    }
    struct lease_entry *e = &t->pool[i];
    struct lease *cur = &e->cur.lease;
    if (!holds_at(cur, ts_us) || !same_device(cur, &l)) {
        version_push(t, e, &l);
        return LEASES_GRANTED;
    }
    identity_fill(&l, cur);
    l.start_us = cur->start_us;
    if (same_identity(&l, cur)) {
        /* Only the end moves: in place (see the top). */
        cur->end_us = l.end_us;
        entry_expiry_update(t, e);
        heap_fix(t, e->heap_pos);
    } else {
        version_push(t, e, &l);
    }
    return LEASES_RENEWED;
}

/* A release or decline from the device holding the lease; or, with a host
 * name (set_name), its request. */
static enum leases_change change_held(struct leases *t, const struct dhcp_message *m,
                                      uint64_t ts_us, uint64_t seq, bool set_name)
{
    uint32_t i = entry_find(t, addr_hash(t, &m->address), &m->address);
    if (i == ENTRY_NONE)
        return LEASES_UNCHANGED;
    struct lease_entry *e = &t->pool[i];
    struct lease from;
    lease_from_message(&from, m);
    if (!holds_at(&e->cur.lease, ts_us) || !same_device(&e->cur.lease, &from))
        return LEASES_UNCHANGED;
    struct lease l = e->cur.lease;
    l.seq = seq;
    if (!set_name) {
        l.end_us = ts_us;
        version_push(t, e, &l);
        return LEASES_RELEASED;
    }
    if (strcmp(l.hostname, m->hostname) == 0)
        return LEASES_UNCHANGED;
    memcpy(l.hostname, m->hostname, sizeof(l.hostname));
    version_push(t, e, &l);
    return LEASES_NAME_REFRESHED;
}

/* The version a look-up for packet seq at ts_us sees, or NULL (leases.h). */
static const struct lease *entry_version(const struct leases *t, const struct lease_entry *e,
                                         uint64_t ts_us, uint64_t seq)
{
    const struct lease_version *v = &e->cur;
    while (v->lease.seq >= seq || v->lease.start_us > ts_us) {
        if (v->older == ENTRY_NONE)
            return NULL;
        v = &t->versions[v->older];
    }
    return ts_us < v->lease.end_us ? &v->lease : NULL;
}

/* --- the contract ----------------------------------------------------------- */

static void free_tables(struct leases *t)
{
    free(t->pool);
    free(t->buckets);
    free(t->heap);
    free(t->versions);
    free(t);
}

struct leases *leases_new(const struct leases_config *cfg)
{
    size_t max = cfg->max_entries < LEASES_MIN_ENTRIES ? LEASES_MIN_ENTRIES : cfg->max_entries;
    if (max > LEASES_MAX_ENTRIES)
        return NULL;
    struct leases *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->capacity = (uint32_t)max;
    t->default_lease_us =
        (uint64_t)(cfg->default_lease_s ? cfg->default_lease_s : LEASES_DEFAULT_S) * US_PER_S;
    uint32_t nbuckets = pow2_at_least(t->capacity);
    t->bucket_mask = nbuckets - 1;
    t->pool = calloc(t->capacity, sizeof(*t->pool));
    t->buckets = malloc(nbuckets * sizeof(*t->buckets));
    t->heap = malloc(t->capacity * sizeof(*t->heap));
    t->versions = malloc(t->capacity * sizeof(*t->versions));
    /* Without a secret key the table could be flooded: refuse rather than degrade. */
    if (!t->pool || !t->buckets || !t->heap || !t->versions || siphash_key_random(&t->key) != 0)
        goto fail;

    pthread_rwlockattr_t attr;
    if (pthread_rwlockattr_init(&attr) != 0)
        goto fail;
#ifdef __GLIBC__
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
    int rc = pthread_rwlock_init(&t->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (rc != 0)
        goto fail;

    for (uint32_t i = 0; i < nbuckets; i++)
        t->buckets[i] = ENTRY_NONE;
    t->free_head = ENTRY_NONE;
    t->versions_free = ENTRY_NONE;
    t->memory_bytes = sizeof(*t) +
                      t->capacity * (sizeof(*t->pool) + sizeof(*t->heap) + sizeof(*t->versions)) +
                      nbuckets * sizeof(*t->buckets);
    return t;

fail:
    free_tables(t);
    return NULL;
}

void leases_free(struct leases *t)
{
    if (!t)
        return;
    pthread_rwlock_destroy(&t->lock);
    free_tables(t);
}

void leases_set_horizon(struct leases *t, uint64_t seq)
{
    if (seq > t->horizon)
        t->horizon = seq;
}

static atomic_uint_fast64_t *change_counter(struct leases *t, enum leases_change change)
{
    switch (change) {
    case LEASES_GRANTED:
        return &t->granted;
    case LEASES_RENEWED:
        return &t->renewed;
    case LEASES_RELEASED:
        return &t->released;
    case LEASES_NAME_REFRESHED:
        return &t->names_refreshed;
    default:
        return &t->unchanged;
    }
}

enum leases_change leases_update(struct leases *t, const struct dhcp_message *m, uint64_t ts_us,
                                 uint64_t seq)
{
    enum leases_change change = LEASES_UNCHANGED;
    if (m->event == DHCP_EVENT_REQUEST)
        pending_note(t, m, ts_us);
    bool named_request = m->event == DHCP_EVENT_REQUEST && m->hostname[0];
    bool ends = m->event == DHCP_EVENT_RELEASE || m->event == DHCP_EVENT_DECLINE;
    if (m->has_address && (m->event == DHCP_EVENT_GRANT || named_request || ends)) {
        pthread_rwlock_wrlock(&t->lock);
        if (m->event == DHCP_EVENT_GRANT)
            change = grant(t, m, ts_us, seq);
        else
            change = change_held(t, m, ts_us, seq, named_request);
        pthread_rwlock_unlock(&t->lock);
    }
    bump(change_counter(t, change));
    return change;
}

bool leases_lookup(struct leases *t, const struct netaddr *addr, uint64_t ts_us, uint64_t seq,
                   struct lease *out)
{
    bool found = false;
    bump(&t->lookups);
    /* A network with no DHCP in view: no lock for the workers to fight over. */
    if (atomic_load_explicit(&t->published_count, memory_order_acquire) > 0) {
        uint32_t h = addr_hash(t, addr); /* the key is fixed: hash before the lock */
        pthread_rwlock_rdlock(&t->lock);
        uint32_t i = entry_find(t, h, addr);
        const struct lease *l = i != ENTRY_NONE ? entry_version(t, &t->pool[i], ts_us, seq) : NULL;
        if (l) {
            *out = *l;
            found = true;
        }
        pthread_rwlock_unlock(&t->lock);
    }
    bump(found ? &t->hits : &t->misses);
    return found;
}

void leases_expire(struct leases *t, uint64_t now_us)
{
    pthread_rwlock_wrlock(&t->lock);
    while (t->count > 0 && t->pool[t->heap[0]].expires_max <= now_us) {
        entry_remove(t, t->heap[0]);
        bump(&t->expired);
    }
    pthread_rwlock_unlock(&t->lock);
}

void leases_get_stats(struct leases *t, struct leases_stats *out)
{
    pthread_rwlock_rdlock(&t->lock);
    out->entries = t->count;
    out->entries_peak = t->peak;
    out->versions = t->versions_count;
    out->memory_bytes = t->memory_bytes;
    pthread_rwlock_unlock(&t->lock);
    out->inserted = get(&t->inserted);
    out->granted = get(&t->granted);
    out->renewed = get(&t->renewed);
    out->released = get(&t->released);
    out->names_refreshed = get(&t->names_refreshed);
    out->unchanged = get(&t->unchanged);
    out->evicted = get(&t->evicted);
    out->expired = get(&t->expired);
    out->versions_dropped = get(&t->versions_dropped);
    out->lookups = get(&t->lookups);
    out->hits = get(&t->hits);
    out->misses = get(&t->misses);
}
