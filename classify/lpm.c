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
    return old;
}

int32_t lpm_lookup(const struct lpm *t, const struct netaddr *a)
{
    int32_t best = t->nodes[0].value;
    uint32_t n = 0;
    for (unsigned i = 0; i < 128; i++) {
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
