/*
 * lpm.c - binary trie for longest-prefix match.
 */
#include "lpm.h"

#include <stdlib.h>

struct lpm_node {
    int32_t child[2]; /* index into nodes, 0 = none (node 0 is the root) */
    int32_t value;    /* -1 when no prefix ends here */
};

struct lpm {
    struct lpm_node *nodes;
    uint32_t count, cap;
    /* Every IPv4 address shares the 96-bit prefix ::ffff:0:0/96: the node it
     * leads to and the best value on the way there, kept up to date by
     * lpm_insert, spare IPv4 look-ups 96 steps. */
    uint32_t v4_node; /* 0 when the trie does not reach that deep */
    int32_t v4_best;
};

struct lpm *lpm_new(void)
{
    struct lpm *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cap = 64;
    t->nodes = malloc(t->cap * sizeof(*t->nodes));
    if (!t->nodes) {
        free(t);
        return NULL;
    }
    t->nodes[0] = (struct lpm_node){{0, 0}, -1};
    t->count = 1;
    t->v4_node = 0;
    t->v4_best = -1;
    return t;
}

void lpm_free(struct lpm *t)
{
    if (!t)
        return;
    free(t->nodes);
    free(t);
}

static int bit_at(const struct netaddr *a, unsigned i)
{
    return (a->b[i >> 3] >> (7 - (i & 7))) & 1;
}

int32_t lpm_insert(struct lpm *t, const struct netprefix *p, int32_t value)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < p->len; i++) {
        int b = bit_at(&p->addr, i);
        if (t->nodes[n].child[b] == 0) {
            if (t->count == t->cap) {
                struct lpm_node *nn = realloc(t->nodes, 2 * t->cap * sizeof(*nn));
                if (!nn)
                    return -2;
                t->nodes = nn;
                t->cap *= 2;
            }
            t->nodes[t->count] = (struct lpm_node){{0, 0}, -1};
            t->nodes[n].child[b] = (int32_t)t->count++;
        }
        n = (uint32_t)t->nodes[n].child[b];
    }
    int32_t old = t->nodes[n].value;
    t->nodes[n].value = value;
    /* Recompute the IPv4 shortcut (96 steps, at insert time only). */
    static const struct netaddr mapped = {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}};
    uint32_t m = 0;
    int32_t best = t->nodes[0].value;
    t->v4_node = 0;
    for (unsigned i = 0; i < 96; i++) {
        int32_t c = t->nodes[m].child[bit_at(&mapped, i)];
        if (c == 0) {
            m = 0;
            break;
        }
        m = (uint32_t)c;
        if (t->nodes[m].value >= 0)
            best = t->nodes[m].value;
    }
    t->v4_node = m;
    t->v4_best = best;
    return old;
}

int32_t lpm_lookup(const struct lpm *t, const struct netaddr *a)
{
    int32_t best = t->nodes[0].value;
    uint32_t n = 0;
    unsigned i = 0;
    if (netaddr_is_v4(a)) {
        if (t->v4_node == 0)
            return t->v4_best; /* no prefix under ::ffff:0:0/96 */
        n = t->v4_node;
        best = t->v4_best;
        i = 96;
    }
    for (; i < 128; i++) {
        int32_t c = t->nodes[n].child[bit_at(a, i)];
        if (c == 0)
            break;
        n = (uint32_t)c;
        if (t->nodes[n].value >= 0)
            best = t->nodes[n].value;
    }
    return best;
}

size_t lpm_memory(const struct lpm *t)
{
    return sizeof(*t) + t->cap * sizeof(*t->nodes);
}
