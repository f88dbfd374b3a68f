/*
 * ring.c - SPSC ring with in-place variable-sized records.
 *
 * Layout: each record is a uint32 length header followed by its bytes, padded
 * to RING_ALIGN.  A header of RING_PAD means "skip to the start of the buffer".
 *
 * Sleeping protocol (no lost wake-ups): the waiter sets its flag under the
 * mutex and re-checks the condition before each cond_wait; the other side,
 * after publishing its index with sequential consistency, reads the flag with
 * sequential consistency and, if set, signals under the mutex.  Either the
 * waiter's re-check sees the new index, or the publisher sees the flag.
 */
#include "ring.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define RING_PAD 0xffffffffu
#define HEADER   RING_ALIGN
/* Yields before sleeping: a few cover a short wait; on two cores shared by
 * three busy threads, long spinning only steals time from the other side. */
#define SPINS 16

struct ring {
    uint8_t *buf;
    size_t cap, mask;
    /* Producer and consumer fields on separate cache lines. */
    _Alignas(64) _Atomic uint64_t head; /* bytes written */
    uint64_t reserved_at, reserved_len;
    uint64_t cached_tail;
    atomic_uint_fast64_t producer_waits;
    _Alignas(64) _Atomic uint64_t tail; /* bytes consumed */
    uint64_t peeked_len;
    uint64_t cached_head;
    _Alignas(64) pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_bool consumer_sleeping, producer_sleeping, closed;
};

static size_t align_up(size_t n)
{
    return (n + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

struct ring *ring_new(size_t capacity)
{
    size_t cap = 65536;
    while (cap < capacity)
        cap <<= 1;
    struct ring *r = aligned_alloc(64, sizeof(struct ring));
    if (!r)
        return NULL;
    memset(r, 0, sizeof(*r));
    r->buf = aligned_alloc(64, cap);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = cap;
    r->mask = cap - 1;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    return r;
}

void ring_free(struct ring *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r->buf);
    free(r);
}

size_t ring_max_record(const struct ring *r)
{
    return r->cap / 4 - HEADER;
}

/* The sleeper sets its flag again before each wait, under the lock; taking
 * the flag here means one wake-up (one futex call) per sleep, not per record. */
static void wake(struct ring *r, atomic_bool *sleeping)
{
    if (atomic_load(sleeping) && atomic_exchange(sleeping, false)) {
        pthread_mutex_lock(&r->lock);
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
    }
}

static void write_header(struct ring *r, uint64_t at, uint32_t v)
{
    memcpy(r->buf + (at & r->mask), &v, sizeof(v));
}

static uint32_t read_header(const struct ring *r, uint64_t at)
{
    uint32_t v;
    memcpy(&v, r->buf + (at & r->mask), sizeof(v));
    return v;
}

/* True when need bytes are free, refreshing the cached tail if necessary. */
static bool has_space(struct ring *r, uint64_t head, size_t need)
{
    if (head + need - r->cached_tail <= r->cap)
        return true;
    r->cached_tail = atomic_load(&r->tail);
    return head + need - r->cached_tail <= r->cap;
}

void *ring_reserve(struct ring *r, size_t len)
{
    size_t rec = HEADER + align_up(len);
    if (len > ring_max_record(r))
        return NULL;
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t to_end = r->cap - (head & r->mask);
    /* A record must be contiguous; a pad record takes the rest of the buffer. */
    size_t need = rec <= to_end ? rec : to_end + rec;
    int spins = 0;
    if (!has_space(r, head, need))
        atomic_fetch_add_explicit(&r->producer_waits, 1, memory_order_relaxed);
    while (!has_space(r, head, need)) {
        if (++spins < SPINS) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&r->lock);
        while (!has_space(r, head, need)) {
            atomic_store(&r->producer_sleeping, true);
            if (has_space(r, head, need))
                break;
            pthread_cond_wait(&r->cond, &r->lock);
        }
        atomic_store(&r->producer_sleeping, false);
        pthread_mutex_unlock(&r->lock);
    }
    if (rec > to_end) {
        write_header(r, head, RING_PAD);
        head += to_end;
        /* Publish the pad now so the consumer can skip it while we fill. */
        atomic_store(&r->head, head);
    }
    r->reserved_at = head;
    r->reserved_len = rec;
    write_header(r, head, (uint32_t)len);
    return r->buf + ((head + HEADER) & r->mask);
}

void ring_commit(struct ring *r)
{
    atomic_store(&r->head, r->reserved_at + r->reserved_len);
    wake(r, &r->consumer_sleeping);
}

void ring_commit_lazy(struct ring *r)
{
    uint64_t head = r->reserved_at + r->reserved_len;
    atomic_store(&r->head, head);
    /* A sleeping consumer is woken once an eighth of the ring waits for it:
     * waking it for every packet costs a system call each. */
    if (head - r->cached_tail >= r->cap / 8 || head - atomic_load(&r->tail) >= r->cap / 8)
        wake(r, &r->consumer_sleeping);
}

static bool has_data(struct ring *r, uint64_t tail)
{
    if (r->cached_head != tail)
        return true;
    r->cached_head = atomic_load(&r->head);
    return r->cached_head != tail;
}

void *ring_peek(struct ring *r, size_t *len)
{
    for (;;) {
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        int spins = 0;
        while (!has_data(r, tail)) {
            if (atomic_load(&r->closed)) {
                /* Re-check after seeing closed: the last record may have landed. */
                r->cached_head = atomic_load(&r->head);
                if (r->cached_head == tail)
                    return NULL;
                break;
            }
            if (++spins < SPINS) {
                sched_yield();
                continue;
            }
            pthread_mutex_lock(&r->lock);
            while (!has_data(r, tail) && !atomic_load(&r->closed)) {
                atomic_store(&r->consumer_sleeping, true);
                if (has_data(r, tail) || atomic_load(&r->closed))
                    break;
                pthread_cond_wait(&r->cond, &r->lock);
            }
            atomic_store(&r->consumer_sleeping, false);
            pthread_mutex_unlock(&r->lock);
        }
        uint32_t h = read_header(r, tail);
        if (h == RING_PAD) {
            atomic_store(&r->tail, tail + (r->cap - (tail & r->mask)));
            wake(r, &r->producer_sleeping);
            continue;
        }
        r->peeked_len = HEADER + align_up(h);
        *len = h;
        return r->buf + ((tail + HEADER) & r->mask);
    }
}

void ring_release(struct ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store(&r->tail, tail + r->peeked_len);
    wake(r, &r->producer_sleeping);
}

void ring_close(struct ring *r)
{
    atomic_store(&r->closed, true);
    pthread_mutex_lock(&r->lock);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

bool ring_drained(struct ring *r)
{
    return atomic_load(&r->tail) == atomic_load(&r->head);
}

uint64_t ring_producer_waits(const struct ring *r)
{
    return atomic_load_explicit(&r->producer_waits, memory_order_relaxed);
}
