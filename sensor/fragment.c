/*
 * fragment.c - first-fragment port memory.
 */
#include "fragment.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"

struct fragment_slot {
    struct netaddr src, dst;
    uint32_t id;
    uint8_t proto, used;
    uint16_t sport, dport;
    uint64_t seen_us;
};

struct fragment_table {
    struct siphash_key key;
    struct fragment_slot slots[FRAGMENT_SLOTS];
};

struct fragment_table *fragment_table_new(void)
{
    struct fragment_table *t = calloc(1, sizeof(*t));
    if (t && siphash_key_random(&t->key) != 0)
        t->key.k0 = 0x243f6a8885a308d3ULL;
    return t;
}

void fragment_table_free(struct fragment_table *t)
{
    free(t);
}

static struct fragment_slot *slot_of(struct fragment_table *t, const struct packet *p)
{
    struct {
        struct netaddr src, dst;
        uint32_t id;
        uint32_t proto;
    } k;
    memset(&k, 0, sizeof(k));
    k.src = p->src;
    k.dst = p->dst;
    k.id = p->frag_id;
    k.proto = p->l4_proto;
    return &t->slots[siphash24(&t->key, &k, sizeof(k)) % FRAGMENT_SLOTS];
}

bool fragment_track(struct fragment_table *t, struct packet *p, uint64_t now_us)
{
    if (p->fragment == FRAGMENT_NONE)
        return true;
    struct fragment_slot *s = slot_of(t, p);
    if (p->fragment == FRAGMENT_FIRST) {
        s->src = p->src;
        s->dst = p->dst;
        s->id = p->frag_id;
        s->proto = p->l4_proto;
        s->sport = p->sport;
        s->dport = p->dport;
        s->seen_us = now_us;
        s->used = 1;
        return true;
    }
    if (s->used && s->id == p->frag_id && s->proto == p->l4_proto &&
        netaddr_cmp(&s->src, &p->src) == 0 && netaddr_cmp(&s->dst, &p->dst) == 0 &&
        now_us - s->seen_us <= FRAGMENT_LIFETIME_US) {
        p->sport = s->sport;
        p->dport = s->dport;
        return true;
    }
    return false;
}
