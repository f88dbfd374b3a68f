/*
 * symbol.c - append-only intern table.
 *
 * Names live in fixed-size chunks that never move, so a reader can follow
 * chunk pointers without a lock: a chunk pointer is published with release
 * order after its contents are written, and symbols are handed out only after
 * their slot is filled.  Lookups by name use an open-addressing index under a
 * mutex; they happen only while rules are loaded.
 */
#include "symbol.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_BITS 10
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS 4096u /* four million symbols */

static _Atomic(const char **) chunks[MAX_CHUNKS];
static uint32_t next_symbol = 1; /* 0 is SYMBOL_NONE */
static uint32_t *index_slots;    /* symbol or 0 */
static uint32_t index_cap;
static pthread_mutex_t symbol_lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a: inputs are rules ids, not packet data */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

const char *symbol_name(uint32_t sym)
{
    if (sym == SYMBOL_NONE || sym >= CHUNK_SIZE * MAX_CHUNKS)
        return "";
    const char **chunk = atomic_load_explicit(&chunks[sym >> CHUNK_BITS], memory_order_acquire);
    if (!chunk)
        return "";
    const char *name = chunk[sym & (CHUNK_SIZE - 1)];
    return name ? name : "";
}

static uint32_t find_locked(const char *name, uint32_t h)
{
    if (!index_cap)
        return SYMBOL_NONE;
    for (uint32_t i = h & (index_cap - 1);; i = (i + 1) & (index_cap - 1)) {
        uint32_t s = index_slots[i];
        if (s == SYMBOL_NONE)
            return SYMBOL_NONE;
        if (strcmp(symbol_name(s), name) == 0)
            return s;
    }
}

static int grow_index_locked(void)
{
    uint32_t cap = index_cap ? index_cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < index_cap; i++) {
        uint32_t s = index_slots[i];
        if (s == SYMBOL_NONE)
            continue;
        uint32_t j = name_hash(symbol_name(s)) & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = s;
    }
    free(index_slots);
    index_slots = slots;
    index_cap = cap;
    return 0;
}

uint32_t symbol_find(const char *name)
{
    pthread_mutex_lock(&symbol_lock);
    uint32_t s = find_locked(name, name_hash(name));
    pthread_mutex_unlock(&symbol_lock);
    return s;
}

uint32_t symbol_intern(const char *name)
{
    uint32_t h = name_hash(name);
    pthread_mutex_lock(&symbol_lock);
    uint32_t s = find_locked(name, h);
    if (s != SYMBOL_NONE)
        goto out;
    if (next_symbol >= CHUNK_SIZE * MAX_CHUNKS)
        goto out;
    if ((next_symbol + 1) * 2 > index_cap && grow_index_locked() != 0)
        goto out;
    uint32_t c = next_symbol >> CHUNK_BITS;
    const char **chunk = atomic_load_explicit(&chunks[c], memory_order_relaxed);
    if (!chunk) {
        chunk = calloc(CHUNK_SIZE, sizeof(*chunk));
        if (!chunk)
            goto out;
        atomic_store_explicit(&chunks[c], chunk, memory_order_release);
    }
    char *copy = strdup(name);
    if (!copy)
        goto out;
    /* Readers only see this symbol after the mutex is released (it is returned
     * from here), so the plain store is ordered by the unlock below. */
    chunk[next_symbol & (CHUNK_SIZE - 1)] = copy;
    s = next_symbol++;
    uint32_t i = h & (index_cap - 1);
    while (index_slots[i])
        i = (i + 1) & (index_cap - 1);
    index_slots[i] = s;
out:
    pthread_mutex_unlock(&symbol_lock);
    return s;
}
