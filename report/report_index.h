/*
 * report_index.h - string keys to small integers, for the report program.
 *
 * A month of tallies holds tens of thousands of (department, service) cells,
 * and every Redis hash field names one; the report finds a field's cell, a
 * service's group or a first-seen time by key in one probe of an
 * open-addressing table (FNV-1a, linear probing, at most half full) instead of
 * scanning.  Keys are copied; values are whatever the caller indexes (usually
 * a position in its own array).
 */
#ifndef SHADOWTAP_REPORT_INDEX_H
#define SHADOWTAP_REPORT_INDEX_H

#include <stddef.h>

struct report_index_slot;

struct report_index {
    struct report_index_slot *slots;
    size_t cap; /* a power of two, or 0 before the first insert */
    size_t count;
};

#define REPORT_INDEX_INIT                                                                          \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* The value stored under key (len bytes, need not be NUL-terminated), or -1. */
long report_index_get(const struct report_index *ix, const char *key, size_t len);
/* Stores value under key, replacing any previous value.  Returns 0, or -1 when
 * out of memory (the index is then unchanged). */
int report_index_put(struct report_index *ix, const char *key, size_t len, long value);
/* Frees the slots and keys; the index is empty and usable again.  Accepts NULL. */
void report_index_free(struct report_index *ix);

#endif
