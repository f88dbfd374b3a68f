/*
 * test_ring.c - the single-producer single-consumer record ring: reserve,
 * commit, peek and release of variable sizes in one thread (wrap-around with
 * pad records, the largest record, close), then a producer and a consumer
 * thread moving records of pseudo-random sizes with checksums, verified in
 * order and content.  Run this one under ThreadSanitizer too:
 *
 *     cc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread -Itests/unit -Isensor \
 *        tests/unit/test_ring.c sensor/ring.c -lpthread -o /tmp/test_ring && /tmp/test_ring
 */
#include "ring.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "test.h"

/* ---- record contents both sides can recompute ---- */

static uint8_t pattern(uint64_t seq, size_t i)
{
    return (uint8_t)((seq * 2654435761u >> 7) + i * 7 + (i >> 8));
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Fills a record: the pattern, then (if room) the sequence number at the
 * front and a checksum of everything before it at the end. */
static void fill(uint8_t *p, size_t len, uint64_t seq)
{
    for (size_t i = 0; i < len; i++)
        p[i] = pattern(seq, i);
    if (len >= 12) {
        memcpy(p, &seq, 8);
        uint32_t sum = fnv1a(p, len - 4);
        memcpy(p + len - 4, &sum, 4);
    }
}

/* True when p holds the record fill() made for seq. */
static bool verify(const uint8_t *p, size_t len, uint64_t seq)
{
    if (len >= 12) {
        uint64_t s;
        uint32_t sum;
        memcpy(&s, p, 8);
        memcpy(&sum, p + len - 4, 4);
        if (s != seq || sum != fnv1a(p, len - 4))
            return false;
        for (size_t i = 8; i < len - 4; i++) {
            if (p[i] != pattern(seq, i))
                return false;
        }
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] != pattern(seq, i))
            return false;
    }
    return true;
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Sizes as packets come: mostly small and mid-sized, some up to the maximum. */
static size_t random_size(uint64_t *s, size_t max)
{
    uint64_t r = rng_next(s);
    switch (r % 8) {
    case 0:
        return (size_t)(r >> 8) % 16;
    case 1:
        return max - (size_t)(r >> 8) % 64;
    case 2:
    case 3:
        return (size_t)(r >> 8) % (max + 1);
    default:
        return 40 + (size_t)(r >> 8) % 1500;
    }
}

/* ---- one thread ---- */

TEST(sizes_and_limits)
{
    struct ring *r = ring_new(1000);
    CHECK(r != NULL);
    CHECK_INT(ring_max_record(r), 65536 / 4 - 8);
    CHECK(ring_reserve(r, ring_max_record(r) + 1) == NULL);
    CHECK(ring_reserve(r, (size_t)1 << 40) == NULL);
    CHECK(ring_drained(r));
    CHECK_INT(ring_producer_waits(r), 0);
    ring_free(r);
    ring_free(NULL);

    r = ring_new(100000); /* rounded up to 128 KiB */
    CHECK_INT(ring_max_record(r), 131072 / 4 - 8);
    ring_free(r);
}

TEST(one_record_at_a_time)
{
    struct ring *r = ring_new(0);
    static const size_t sizes[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1500, 9000, 16376};
    uint64_t seq = 0;
    for (int round = 0; round < 40; round++) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++, seq++) {
            size_t n = sizes[i];
            uint8_t *w = ring_reserve(r, n);
            CHECK(w != NULL);
            if (!w)
                return;
            CHECK_INT((uintptr_t)w % RING_ALIGN, 0);
            fill(w, n, seq);
            ring_commit(r);
            CHECK(!ring_drained(r));
            size_t len = 12345;
            uint8_t *p = ring_peek(r, &len);
            CHECK(p == w);
            CHECK_INT(len, n);
            CHECK(verify(p, len, seq));
            ring_release(r);
            CHECK(ring_drained(r));
        }
    }
    ring_free(r);
}

TEST(wrap_around_with_pad_records)
{
    struct ring *r = ring_new(65536);
    size_t max = ring_max_record(r);
    uint64_t s = 12345, seq_w = 0, seq_r = 0;
    uint64_t verify_s = s;
    int wraps = 0, bad = 0;
    uint8_t *last = NULL;
    /* Batches of records in flight, so the consumer reads across the wrap. */
    for (int batch = 0; batch < 400 && bad == 0; batch++) {
        size_t in_flight = 0, k = 0;
        /* write while at least a maximum record plus a pad surely fits */
        for (;;) {
            uint64_t probe = s;
            size_t n = random_size(&probe, max);
            if (in_flight + 2 * (8 + n + 8) + max > 65536 || k == 12)
                break;
            s = probe;
            uint8_t *w = ring_reserve(r, n);
            if (!w) {
                bad++;
                break;
            }
            if (last && w < last)
                wraps++;
            last = w;
            fill(w, n, seq_w++);
            ring_commit(r);
            in_flight += 8 + n + 8 + 8;
            k++;
        }
        for (size_t i = 0; i < k; i++) {
            size_t want = random_size(&verify_s, max), len = 0;
            uint8_t *p = ring_peek(r, &len);
            if (!p || len != want || !verify(p, len, seq_r)) {
                bad++;
                fprintf(stderr, "    record %" PRIu64 ": len %zu, expected %zu\n", seq_r, len,
                        want);
                break;
            }
            seq_r++;
            ring_release(r);
        }
    }
    CHECK_INT(bad, 0);
    CHECK(ring_drained(r));
    CHECK(seq_w == seq_r);
    CHECK(wraps > 20);
    ring_free(r);
}

TEST(record_exactly_at_the_end_and_max_after_pad)
{
    struct ring *r = ring_new(65536);
    size_t max = ring_max_record(r);
    /* Three records of (8 + 16376) bytes fill 3/4 of the ring; a fourth of the
     * same size ends exactly at the end of the buffer: no pad. */
    uint8_t *first = NULL;
    for (uint64_t i = 0; i < 4; i++) {
        uint8_t *w = ring_reserve(r, max);
        CHECK(w != NULL);
        if (i == 0)
            first = w;
        fill(w, max, i);
        ring_commit(r);
        size_t len;
        uint8_t *p = ring_peek(r, &len);
        CHECK(p == w && len == max && verify(p, len, i));
        ring_release(r);
    }
    /* the next one starts at the front again */
    uint8_t *w = ring_reserve(r, 5);
    CHECK(w == first);
    fill(w, 5, 4);
    ring_commit(r);
    size_t len;
    CHECK(ring_peek(r, &len) == w && len == 5);
    ring_release(r);

    /* Now leave 16 bytes before the end and ask for the largest record: a pad
     * fills the 16 bytes and the record lands at the front. */
    /* position is 16 bytes in; advance to 65536 - 16 with records */
    size_t pos = 16;
    uint64_t seq = 5;
    while (pos < 65536 - 16) {
        size_t room = 65536 - 16 - pos;
        size_t n = room >= 8 + max ? max : room - 8;
        uint8_t *x = ring_reserve(r, n);
        CHECK(x != NULL);
        if (!x)
            break;
        fill(x, n, seq);
        ring_commit(r);
        CHECK(ring_peek(r, &len) == x && len == n && verify(x, n, seq));
        ring_release(r);
        pos += 8 + ((n + 7) & ~(size_t)7);
        seq++;
    }
    CHECK_INT(pos, 65536 - 16);
    uint8_t *y = ring_reserve(r, max);
    CHECK(y == first); /* after the pad */
    fill(y, max, seq);
    ring_commit(r);
    CHECK(!ring_drained(r));
    CHECK(ring_peek(r, &len) == y); /* the pad is skipped */
    CHECK_INT(len, max);
    CHECK(verify(y, len, seq));
    ring_release(r);
    CHECK(ring_drained(r));
    ring_free(r);
}

TEST(close_drains_then_ends)
{
    struct ring *r = ring_new(0);
    for (uint64_t i = 0; i < 3; i++) {
        uint8_t *w = ring_reserve(r, 100 + i);
        fill(w, 100 + i, i);
        ring_commit(r);
    }
    ring_close(r);
    for (uint64_t i = 0; i < 3; i++) {
        size_t len = 0;
        uint8_t *p = ring_peek(r, &len);
        CHECK(p != NULL);
        if (!p)
            break;
        CHECK_INT(len, 100 + i);
        CHECK(verify(p, len, i));
        ring_release(r);
    }
    size_t len = 777;
    CHECK(ring_peek(r, &len) == NULL);
    CHECK(ring_peek(r, &len) == NULL); /* and stays ended */
    CHECK(ring_drained(r));
    ring_free(r);

    /* closing an empty ring */
    r = ring_new(0);
    ring_close(r);
    CHECK(ring_peek(r, &len) == NULL);
    ring_free(r);
}

/* ---- two threads ---- */

#ifndef RING_STRESS_RECORDS
#define RING_STRESS_RECORDS 40000
#endif

struct stress {
    struct ring *r;
    uint64_t records;
    uint64_t seed;
    uint64_t received, errors;
    uint64_t bytes;
};

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void pause_briefly(uint64_t r)
{
    sleep_us(500 + (long)(r % 2000));
}

static void *producer(void *arg)
{
    struct stress *st = arg;
    uint64_t s = st->seed, p = st->seed ^ 0x5555;
    size_t max = ring_max_record(st->r);
    for (uint64_t seq = 0; seq < st->records; seq++) {
        size_t n = random_size(&s, max);
        uint8_t *w = ring_reserve(st->r, n);
        if (!w)
            break;
        fill(w, n, seq);
        ring_commit(st->r);
        /* now and then stop, so the consumer empties the ring and sleeps */
        if (rng_next(&p) % 3000 == 0)
            pause_briefly(p >> 16);
    }
    ring_close(st->r);
    return NULL;
}

static void *consumer(void *arg)
{
    struct stress *st = arg;
    uint64_t s = st->seed, p = st->seed ^ 0xaaaa;
    size_t max = ring_max_record(st->r);
    for (;;) {
        size_t len;
        uint8_t *rec = ring_peek(st->r, &len);
        if (!rec)
            break;
        size_t want = random_size(&s, max);
        if (len != want || !verify(rec, len, st->received)) {
            if (st->errors++ < 3)
                fprintf(stderr, "    record %" PRIu64 ": len %zu, expected %zu\n", st->received,
                        len, want);
        }
        st->bytes += len;
        st->received++;
        ring_release(st->r);
        /* and now and then fall behind, so the producer fills the ring and sleeps */
        if (rng_next(&p) % 3000 == 0)
            pause_briefly(p >> 16);
    }
    return NULL;
}

TEST(two_threads)
{
    struct stress st = {.r = ring_new(65536), .records = RING_STRESS_RECORDS,
                        .seed = 0x2545f4914f6cdd1dULL};
    pthread_t prod, cons;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_INT(pthread_create(&cons, NULL, consumer, &st), 0);
    CHECK_INT(pthread_create(&prod, NULL, producer, &st), 0);
    pthread_join(prod, NULL);
    pthread_join(cons, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_INT(st.errors, 0);
    CHECK_INT(st.received, st.records);
    CHECK(ring_drained(st.r));
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr, "ring: %" PRIu64 " records, %.1f MB in %.2f s, producer waited %" PRIu64
                    " times\n",
            st.received, (double)st.bytes / 1e6, secs, ring_producer_waits(st.r));
    ring_free(st.r);
}

/* A consumer that waits, then takes n records. */
struct late_consumer {
    struct ring *r;
    long delay_us;
    int n;
    int got;
};

static void *late_consumer(void *arg)
{
    struct late_consumer *lc = arg;
    sleep_us(lc->delay_us);
    for (int i = 0; i < lc->n; i++) {
        size_t len;
        uint8_t *p = ring_peek(lc->r, &len);
        if (!p)
            break;
        if (verify(p, len, (uint64_t)i))
            lc->got++;
        ring_release(lc->r);
    }
    return NULL;
}

TEST(consumer_sleeps_until_a_record_comes)
{
    struct ring *r = ring_new(0);
    struct late_consumer lc = {r, 0, 2, 0};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, late_consumer, &lc), 0);
    sleep_us(20000); /* long enough for the consumer to give up spinning and sleep */
    for (uint64_t i = 0; i < 2; i++) {
        uint8_t *w = ring_reserve(r, 300);
        fill(w, 300, i);
        ring_commit(r);
        sleep_us(5000);
    }
    pthread_join(t, NULL);
    CHECK_INT(lc.got, 2);
    CHECK(ring_drained(r));
    ring_free(r);
}

TEST(producer_sleeps_while_the_ring_is_full)
{
    struct ring *r = ring_new(0);
    size_t max = ring_max_record(r);
    /* four largest records fill the ring exactly; the fifth must wait */
    /* The consumer starts late enough that the fifth record surely finds the
     * ring full, even on a loaded machine. */
    struct late_consumer lc = {r, 200000, 5, 0};
    pthread_t t;
    CHECK_INT(pthread_create(&t, NULL, late_consumer, &lc), 0);
    for (uint64_t i = 0; i < 5; i++) {
        uint8_t *w = ring_reserve(r, max);
        CHECK(w != NULL);
        fill(w, max, i);
        ring_commit(r);
    }
    pthread_join(t, NULL);
    CHECK_INT(lc.got, 5);
    CHECK(ring_producer_waits(r) >= 1);
    CHECK(ring_drained(r));
    ring_free(r);
}

int main(void)
{
    RUN(sizes_and_limits);
    RUN(one_record_at_a_time);
    RUN(wrap_around_with_pad_records);
    RUN(record_exactly_at_the_end_and_max_after_pad);
    RUN(close_drains_then_ends);
    RUN(consumer_sleeps_until_a_record_comes);
    RUN(producer_sleeps_while_the_ring_is_full);
    RUN(two_threads);
    return test_report();
}
