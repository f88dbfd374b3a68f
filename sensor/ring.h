/*
 * ring.h - single-producer single-consumer ring of variable-sized records.
 *
 * The capture thread hands packets to a worker through one ring per worker.
 * Records are written in place (reserve, fill, commit) and read in place (peek,
 * use, release), so a packet is copied once, from libpcap's buffer into the
 * ring.  Records never wrap: when the space left before the end is too short,
 * the producer writes a pad record and starts again at the front.
 *
 * Indices are 64-bit counters that only grow; the producer owns head and the
 * consumer owns tail, each published with release order and read with acquire
 * order.  Waiting is a short spin, then sleeping on a condition variable; the
 * other side only takes the mutex when it sees the sleeper's flag, so the
 * common path is lock-free.
 */
#ifndef SHADOWTAP_RING_H
#define SHADOWTAP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RING_ALIGN 8 /* records start on 8-byte boundaries */

struct ring;

/* capacity is rounded up to a power of two, at least 64 KiB.  NULL on failure. */
struct ring *ring_new(size_t capacity);
void ring_free(struct ring *r);
/* Largest record that fits. */
size_t ring_max_record(const struct ring *r);

/* Producer: returns space for len bytes (8-byte aligned), waiting while the
 * ring is full; NULL only if len exceeds ring_max_record(). */
void *ring_reserve(struct ring *r, size_t len);
/* Producer: publishes the record reserved last, waking a sleeping consumer. */
void ring_commit(struct ring *r);
/* Producer: publishes it, waking a sleeping consumer only once an eighth of
 * the ring is waiting (for bulk records that need no prompt reader; a later
 * ring_commit wakes it for everything). */
void ring_commit_lazy(struct ring *r);

/* Consumer: returns the next record and its length, waiting while the ring is
 * empty.  NULL when the ring is closed and drained. */
void *ring_peek(struct ring *r, size_t *len);
/* Consumer: frees the record returned by the last ring_peek. */
void ring_release(struct ring *r);

/* Producer: no more records; wakes a waiting consumer. */
void ring_close(struct ring *r);

/* True when the consumer has released every record (either side may ask). */
bool ring_drained(struct ring *r);

/* Times the producer found the ring full and had to wait for space (a sign the
 * worker falls behind). */
uint64_t ring_producer_waits(const struct ring *r);

#endif
