/*
 * report_index.c - open-addressing string table (see report_index.h).
 *
 * Each slot keeps the key's hash beside the key, so a probe compares strings
 * only when the hashes agree, and growing the table never rehashes a key.
 */
#include "report_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct report_index_slot {
    char *key; /* NULL: empty */
    size_t len;
    uint64_t hash;
    long value;
};

static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a, 64 bit */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)key[i]) * 1099511628211ULL;
    return h;
}

static struct report_index_slot *probe(const struct report_index *ix, const char *key, size_t len,
                                       uint64_t h)
{
    size_t mask = ix->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct report_index_slot *s = &ix->slots[i];
        if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
            return s;
    }
}

long report_index_get(const struct report_index *ix, const char *key, size_t len)
{
    if (!ix->cap)
        return -1;
    const struct report_index_slot *s = probe(ix, key, len, hash_key(key, len));
    return s->key ? s->value : -1;
}

static int grow(struct report_index *ix)
{
    size_t cap = ix->cap ? ix->cap * 2 : 64;
    struct report_index_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (size_t i = 0; i < ix->cap; i++) {
        struct report_index_slot *old = &ix->slots[i];
        if (!old->key)
            continue;
        size_t j = old->hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = *old;
    }
    free(ix->slots);
    ix->slots = slots;
    ix->cap = cap;
    return 0;
}

int report_index_put(struct report_index *ix, const char *key, size_t len, long value)
{
    if ((ix->count + 1) * 2 > ix->cap && grow(ix) != 0)
        return -1;
    uint64_t h = hash_key(key, len);
    struct report_index_slot *s = probe(ix, key, len, h);
    if (!s->key) {
        char *copy = malloc(len + 1);
        if (!copy)
            return -1;
        memcpy(copy, key, len);
        copy[len] = '\0';
        s->key = copy;
        s->len = len;
        s->hash = h;
        ix->count++;
    }
    s->value = value;
    return 0;
}

void report_index_free(struct report_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->cap; i++)
        free(ix->slots[i].key);
    free(ix->slots);
    ix->slots = NULL;
    ix->cap = ix->count = 0;
}
