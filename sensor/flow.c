/*
 * flow.c - fixed-size flow table with chained buckets, sweep expiry and
 * sampled-LRU eviction.
 *
 * Records live in one pool; a free record is chained through chain_next on the
 * free list.  The bucket array has a power-of-two size at least the pool's, so
 * chains stay short.  Removing a flow from its chain needs its bucket, which
 * is recomputed from the key: that costs a hash per ended flow, not per packet.
 */
#include "flow.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

_Static_assert(sizeof(struct flow) == 128, "struct flow should stay 128 bytes");

#define EVICTION_SAMPLES 16

struct flow_table {
    struct flow *pool;
    uint32_t *buckets;
    uint32_t capacity, bucket_mask;
    uint32_t free_head;  /* recycled records */
    uint32_t never_used; /* records from here on were never handed out */
    uint32_t sweep_at, evict_at;
    struct flow_timeouts timeouts;
    uint64_t timeout_us[FLOW_STATE_COUNT];
    flow_end_fn on_end;
    void *ctx;
    struct flow_table_stats stats;
};

static struct siphash_key flow_hash_key;
static int flow_hash_key_ready;

struct flow_table *flow_table_new(uint32_t max_flows, const struct flow_timeouts *timeouts,
                                  flow_end_fn on_end, void *ctx)
{
    if (max_flows == 0 || max_flows > (1u << 30))
        return NULL;
    flow_hash_seed();
    struct flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    uint32_t nb = 1;
    while (nb < max_flows)
        nb <<= 1;
    t->pool = calloc(max_flows, sizeof(*t->pool));
    t->buckets = malloc((size_t)nb * sizeof(*t->buckets));
    if (!t->pool || !t->buckets) {
        flow_table_free(t);
        return NULL;
    }
    memset(t->buckets, 0xff, (size_t)nb * sizeof(*t->buckets));
    t->capacity = max_flows;
    t->bucket_mask = nb - 1;
    /* Records are handed out from never_used onwards before any is recycled,
     * so the pool's pages are only touched as flows arrive. */
    t->free_head = FLOW_NIL;
    t->never_used = 0;
    t->timeouts = *timeouts;
    for (int s = 0; s < FLOW_STATE_COUNT; s++)
        t->timeout_us[s] = (uint64_t)timeouts->seconds[s] * 1000000u;
    t->on_end = on_end;
    t->ctx = ctx;
    return t;
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    free(t->pool);
    free(t->buckets);
    free(t);
}

static bool endpoint_less(const struct netaddr *a, uint16_t pa, const struct netaddr *b,
                          uint16_t pb)
{
    int c = netaddr_cmp(a, b);
    return c < 0 || (c == 0 && pa < pb);
}

void flow_key_make(struct flow_key *k, const struct netaddr *src, const struct netaddr *dst,
                   uint16_t sport, uint16_t dport, uint8_t proto, uint16_t vlan, bool *from_1)
{
    memset(k, 0, sizeof(*k));
    bool swap = endpoint_less(dst, dport, src, sport);
    k->addr[0] = swap ? *dst : *src;
    k->addr[1] = swap ? *src : *dst;
    k->port[0] = swap ? dport : sport;
    k->port[1] = swap ? sport : dport;
    k->proto = proto;
    k->vlan = vlan;
    *from_1 = swap;
}

void flow_hash_seed(void)
{
    if (flow_hash_key_ready)
        return;
    if (siphash_key_random(&flow_hash_key) != 0) {
        flow_hash_key.k0 = 0x5bd1e9955bd1e995ULL; /* no entropy: still works, less hardened */
        flow_hash_key.k1 = 0x9e3779b97f4a7c15ULL;
    }
    flow_hash_key_ready = 1;
}

uint64_t flow_key_hash(const struct flow_key *k)
{
    return siphash24(&flow_hash_key, k, sizeof(*k));
}

static void unlink_flow(struct flow_table *t, uint32_t idx)
{
    struct flow *f = &t->pool[idx];
    uint32_t b = (uint32_t)flow_key_hash(&f->key) & t->bucket_mask;
    uint32_t *link = &t->buckets[b];
    while (*link != FLOW_NIL && *link != idx)
        link = &t->pool[*link].chain_next;
    if (*link == idx)
        *link = f->chain_next;
}

static void end_flow(struct flow_table *t, uint32_t idx, enum flow_end_reason why)
{
    struct flow *f = &t->pool[idx];
    unlink_flow(t, idx);
    t->on_end(t->ctx, f, why);
    memset(f, 0, sizeof(*f));
    f->chain_next = t->free_head;
    t->free_head = idx;
    t->stats.ended[why]++;
    t->stats.active--;
}

static bool is_idle(const struct flow_table *t, const struct flow *f, uint64_t now_us)
{
    return now_us > f->last_us && now_us - f->last_us > t->timeout_us[FLOW_STATE(f)];
}

static void evict_one(struct flow_table *t)
{
    uint32_t best = FLOW_NIL;
    uint64_t best_last = UINT64_MAX;
    uint32_t i = t->evict_at;
    for (uint32_t seen = 0, steps = 0; seen < EVICTION_SAMPLES && steps < t->capacity; steps++) {
        const struct flow *f = &t->pool[i];
        if (f->flags & FLOW_F_IN_USE) {
            seen++;
            if (f->last_us < best_last) {
                best_last = f->last_us;
                best = i;
            }
        }
        i = i + 1 < t->capacity ? i + 1 : 0;
    }
    t->evict_at = i;
    if (best != FLOW_NIL)
        end_flow(t, best, FLOW_END_EVICTED);
}

static bool key_equal(const struct flow_key *a, const struct flow_key *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

struct flow *flow_table_get(struct flow_table *t, const struct flow_key *k, uint64_t hash,
                            uint64_t now_us, bool *created)
{
    t->stats.lookups++;
    uint32_t b = (uint32_t)hash & t->bucket_mask;
    for (uint32_t i = t->buckets[b]; i != FLOW_NIL; i = t->pool[i].chain_next) {
        t->stats.probes++;
        struct flow *f = &t->pool[i];
        if (!key_equal(&f->key, k))
            continue;
        if (!is_idle(t, f, now_us)) {
            *created = false;
            return f;
        }
        end_flow(t, i, FLOW_END_IDLE);
        break;
    }
    if (t->free_head == FLOW_NIL && t->never_used == t->capacity)
        evict_one(t);
    uint32_t idx;
    if (t->free_head != FLOW_NIL) {
        idx = t->free_head;
        t->free_head = t->pool[idx].chain_next;
    } else {
        idx = t->never_used++;
    }
    struct flow *f = &t->pool[idx];
    memset(f, 0, sizeof(*f));
    f->key = *k;
    f->flags = FLOW_F_IN_USE;
    f->first_us = f->last_us = now_us;
    f->state = k->proto == IPPROTO_TCP   ? FLOW_STATE_TCP_OPEN
               : k->proto == IPPROTO_UDP ? FLOW_STATE_UDP
                                         : FLOW_STATE_OTHER;
    f->chain_next = t->buckets[b];
    t->buckets[b] = idx;
    t->stats.created++;
    if (++t->stats.active > t->stats.peak_active)
        t->stats.peak_active = t->stats.active;
    *created = true;
    return f;
}

void flow_table_end(struct flow_table *t, struct flow *f, enum flow_end_reason why)
{
    end_flow(t, (uint32_t)(f - t->pool), why);
}

void flow_table_sweep(struct flow_table *t, uint64_t now_us, uint32_t budget)
{
    uint32_t used = t->never_used;
    if (used == 0)
        return;
    uint32_t i = t->sweep_at < used ? t->sweep_at : 0;
    for (uint32_t n = 0; n < budget && n < used; n++) {
        struct flow *f = &t->pool[i];
        if ((f->flags & FLOW_F_IN_USE) && is_idle(t, f, now_us))
            end_flow(t, i, FLOW_END_IDLE);
        i = i + 1 < used ? i + 1 : 0;
    }
    t->sweep_at = i;
}

void flow_table_end_all(struct flow_table *t)
{
    for (uint32_t i = 0; i < t->never_used; i++) {
        if (t->pool[i].flags & FLOW_F_IN_USE)
            end_flow(t, i, FLOW_END_SHUTDOWN);
    }
}

void flow_note_tcp_flags(struct flow *f, uint8_t tcp_flags)
{
    if (tcp_flags & (TH_FIN | TH_RST))
        f->state = (uint8_t)((f->state & 0xf0u) | FLOW_STATE_TCP_CLOSING);
}

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *out)
{
    *out = t->stats;
}

size_t flow_table_memory(const struct flow_table *t)
{
    return sizeof(*t) + (size_t)t->capacity * sizeof(struct flow) +
           ((size_t)t->bucket_mask + 1) * sizeof(uint32_t);
}

uint32_t flow_table_capacity(const struct flow_table *t)
{
    return t->capacity;
}

uint32_t flow_table_used(const struct flow_table *t)
{
    return t->never_used;
}
