/*
 * test_flow.c - the flow table: canonical two-way keys, get or create, flows
 * ended by a look-up after their idle timeout, per-state timeouts, sweeps,
 * sampled-LRU eviction, end_all, statistics, and a flood of a million keys
 * through a ten-thousand-flow table that must stay within its memory.
 */
#include "flow.h"

#include <malloc.h>
#include <stdlib.h>
#include <sys/types.h>

#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
/* From the ASan runtime (sanitizer/allocator_interface.h, not always installed). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)

static const struct flow_timeouts timeouts = {{
    [FLOW_STATE_TCP_OPEN] = 300,
    [FLOW_STATE_TCP_CLOSING] = 15,
    [FLOW_STATE_UDP] = 60,
    [FLOW_STATE_OTHER] = 30,
}};

/* ---- a callback that remembers what ended ---- */

struct ended {
    struct flow_key key;
    enum flow_end_reason why;
    uint64_t first_us, last_us, bytes_up;
};

struct end_log {
    struct ended *list;
    size_t count, cap;
    size_t by_reason[FLOW_END_REASON_COUNT];
    size_t names_freed;
    size_t not_in_use; /* callbacks for records that held no flow: must stay 0 */
};

static void on_end(void *ctx, struct flow *f, enum flow_end_reason why)
{
    struct end_log *log = ctx;
    if (!(f->flags & FLOW_F_IN_USE))
        log->not_in_use++;
    if (log->count < log->cap)
        log->list[log->count] = (struct ended){f->key, why, f->first_us, f->last_us, f->bytes[0]};
    log->count++;
    log->by_reason[why]++;
    /* the callee releases what the flow holds */
    if (f->name) {
        free(f->name);
        f->name = NULL;
        log->names_freed++;
    }
}

static struct end_log *new_log(size_t cap)
{
    struct end_log *log = calloc(1, sizeof(*log));
    log->list = calloc(cap ? cap : 1, sizeof(*log->list));
    log->cap = cap;
    return log;
}

static void free_log(struct end_log *log)
{
    CHECK_INT(log->not_in_use, 0);
    free(log->list);
    free(log);
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* A key for the n-th client talking to 198.51.100.1:443 over proto. */
static struct flow_key nth_key(uint32_t n, uint8_t proto)
{
    uint8_t v4[4] = {10, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    struct netaddr client, server = addr("198.51.100.1");
    netaddr_from_v4(&client, v4);
    struct flow_key k;
    bool from_1;
    flow_key_make(&k, &client, &server, (uint16_t)(40000 + (n % 20000)), 443, proto, 0, &from_1);
    return k;
}

/* Gets a flow and marks the packet's time, as a worker does. */
static struct flow *touch(struct flow_table *t, const struct flow_key *k, uint64_t now,
                          bool *created)
{
    struct flow *f = flow_table_get(t, k, flow_key_hash(k), now, created);
    if (f && now > f->last_us)
        f->last_us = now;
    return f;
}

static struct flow_table_stats stats(const struct flow_table *t)
{
    struct flow_table_stats s;
    flow_table_get_stats(t, &s);
    return s;
}

/* ---- keys ---- */

TEST(canonical_symmetric_keys)
{
    flow_hash_seed();
    struct netaddr a = addr("10.1.2.3"), b = addr("198.51.100.7");
    struct flow_key k1, k2;
    bool from_1 = true, back_1 = false;
    flow_key_make(&k1, &a, &b, 51000, 443, 6, 120, &from_1);
    flow_key_make(&k2, &b, &a, 443, 51000, 6, 120, &back_1);
    CHECK(memcmp(&k1, &k2, sizeof(k1)) == 0);
    CHECK(flow_key_hash(&k1) == flow_key_hash(&k2));
    CHECK(!from_1);            /* 10.1.2.3 is the lower address: addr[0] */
    CHECK(back_1);
    CHECK_INT(netaddr_cmp(&k1.addr[0], &a), 0);
    CHECK_INT(k1.port[0], 51000);
    CHECK_INT(k1.port[1], 443);
    CHECK_INT(k1.proto, 6);
    CHECK_INT(k1.vlan, 120);
    CHECK_INT(k1.pad, 0);

    /* same address both ends: the port breaks the tie */
    struct flow_key k3, k4;
    flow_key_make(&k3, &a, &a, 9000, 53, 17, 0, &from_1);
    CHECK(from_1);
    CHECK_INT(k3.port[0], 53);
    flow_key_make(&k4, &a, &a, 53, 9000, 17, 0, &back_1);
    CHECK(!back_1);
    CHECK(memcmp(&k3, &k4, sizeof(k3)) == 0);

    /* IPv6, and the hash of every part of the key matters */
    struct netaddr c = addr("2001:db8::1"), e = addr("2001:db8::2");
    struct flow_key k5, k6;
    flow_key_make(&k5, &e, &c, 1, 2, 17, 0, &from_1);
    CHECK(from_1);
    flow_key_make(&k6, &c, &e, 2, 1, 17, 0, &back_1);
    CHECK(!back_1);
    CHECK(flow_key_hash(&k5) == flow_key_hash(&k6));
    struct flow_key v = k5;
    v.vlan = 7;
    CHECK(flow_key_hash(&v) != flow_key_hash(&k5));
    v = k5;
    v.proto = 6;
    CHECK(flow_key_hash(&v) != flow_key_hash(&k5));

    /* padding bytes are zero, so keys compare with memcmp */
    struct flow_key dirty;
    memset(&dirty, 0xee, sizeof(dirty));
    flow_key_make(&dirty, &a, &b, 51000, 443, 6, 120, &from_1);
    CHECK(memcmp(&dirty, &k1, sizeof(k1)) == 0);
}

/* ---- get, create, idle ---- */

TEST(get_or_create)
{
    struct end_log *log = new_log(16);
    CHECK(flow_table_new(0, &timeouts, on_end, log) == NULL);
    struct flow_table *t = flow_table_new(100, &timeouts, on_end, log);
    CHECK(t != NULL);
    CHECK_INT(flow_table_capacity(t), 100);
    CHECK_INT(flow_table_used(t), 0);
    CHECK(flow_table_memory(t) >= 100 * sizeof(struct flow));

    struct flow_key k = nth_key(1, 6), k2 = nth_key(2, 6);
    bool created = false;
    struct flow *f = touch(t, &k, T0, &created);
    CHECK(f != NULL);
    CHECK(created);
    CHECK(memcmp(&f->key, &k, sizeof(k)) == 0);
    CHECK(f->flags & FLOW_F_IN_USE);
    CHECK(f->first_us == T0 && f->last_us == T0);
    CHECK_INT(f->state, FLOW_STATE_TCP_OPEN);
    f->bytes[0] = 1234;

    struct flow *g = touch(t, &k, T0 + SEC, &created);
    CHECK(g == f);
    CHECK(!created);
    CHECK_INT(g->bytes[0], 1234);
    CHECK(g->last_us == T0 + SEC);

    struct flow *h = touch(t, &k2, T0 + SEC, &created);
    CHECK(created);
    CHECK(h != f);

    /* the reverse direction finds the same flow */
    struct netaddr client = k.addr[0], server = k.addr[1];
    struct flow_key rev;
    bool from_1;
    flow_key_make(&rev, &server, &client, k.port[1], k.port[0], 6, 0, &from_1);
    CHECK(touch(t, &rev, T0 + 2 * SEC, &created) == f);
    CHECK(!created);

    /* the state follows the protocol */
    struct flow_key u = nth_key(3, 17), o = nth_key(4, 1);
    CHECK_INT(touch(t, &u, T0, &created)->state, FLOW_STATE_UDP);
    CHECK_INT(touch(t, &o, T0, &created)->state, FLOW_STATE_OTHER);

    struct flow_table_stats s = stats(t);
    CHECK_INT(s.created, 4);
    CHECK_INT(s.active, 4);
    CHECK_INT(s.peak_active, 4);
    CHECK_INT(s.lookups, 6);
    CHECK(s.probes >= 2);
    CHECK_INT(flow_table_used(t), 4);
    CHECK_INT(log->count, 0);

    flow_table_end_all(t);
    CHECK_INT(log->count, 4);
    CHECK_INT(log->by_reason[FLOW_END_SHUTDOWN], 4);
    CHECK_INT(stats(t).active, 0);
    CHECK_INT(stats(t).ended[FLOW_END_SHUTDOWN], 4);
    /* after end_all the keys are gone */
    touch(t, &k, T0 + 3 * SEC, &created);
    CHECK(created);
    flow_table_end_all(t);
    flow_table_free(t);
    flow_table_free(NULL);
    free_log(log);
}

TEST(lookup_after_idle_timeout_starts_a_new_flow)
{
    struct end_log *log = new_log(16);
    struct flow_table *t = flow_table_new(8, &timeouts, on_end, log);
    struct flow_key k = nth_key(1, 6);
    bool created;
    struct flow *f = touch(t, &k, T0, &created);
    f->bytes[0] = 500;
    f->name = strdup("old.example.com");
    /* exactly at the timeout it is still the same flow */
    CHECK(touch(t, &k, T0 + 300 * SEC, &created) == f);
    CHECK(!created);
    CHECK_INT(log->count, 0);
    /* one microsecond past the timeout after the last packet: a new flow */
    uint64_t later = T0 + 300 * SEC + 300 * SEC + 1;
    struct flow *g = touch(t, &k, later, &created);
    CHECK(created);
    CHECK_INT(log->count, 1);
    CHECK_INT(log->list[0].why, FLOW_END_IDLE);
    CHECK(memcmp(&log->list[0].key, &k, sizeof(k)) == 0);
    CHECK(log->list[0].first_us == T0);
    CHECK(log->list[0].last_us == T0 + 300 * SEC);
    CHECK_INT(log->list[0].bytes_up, 500);
    CHECK_INT(log->names_freed, 1);
    CHECK(g->first_us == later);
    CHECK_INT(g->bytes[0], 0); /* a fresh record */
    CHECK(g->name == NULL);
    CHECK_INT(stats(t).ended[FLOW_END_IDLE], 1);
    CHECK_INT(stats(t).ended[FLOW_END_EVICTED], 0);
    CHECK_INT(stats(t).active, 1);
    CHECK_INT(stats(t).created, 2);

    /* packet time going backwards never counts as idle */
    CHECK(touch(t, &k, T0, &created) == g);
    CHECK(!created);
    flow_table_end_all(t);
    flow_table_free(t);
    free_log(log);
}

TEST(per_state_timeouts)
{
    struct end_log *log = new_log(16);
    struct flow_table *t = flow_table_new(64, &timeouts, on_end, log);
    bool created;
    struct flow_key tcp = nth_key(1, 6), fin = nth_key(2, 6), rst = nth_key(3, 6),
                    udp = nth_key(4, 17), icmp = nth_key(5, 1), syn = nth_key(6, 6);
    touch(t, &tcp, T0, &created);
    flow_note_tcp_flags(touch(t, &fin, T0, &created), 0x11); /* FIN+ACK */
    flow_note_tcp_flags(touch(t, &rst, T0, &created), 0x04); /* RST */
    flow_note_tcp_flags(touch(t, &syn, T0, &created), 0x12); /* SYN+ACK: still open */
    touch(t, &udp, T0, &created);
    touch(t, &icmp, T0, &created);
    CHECK_INT(touch(t, &fin, T0, &created)->state, FLOW_STATE_TCP_CLOSING);
    CHECK_INT(touch(t, &syn, T0, &created)->state, FLOW_STATE_TCP_OPEN);

    /* at +16 s only the closing flows are idle */
    touch(t, &tcp, T0 + 16 * SEC - 1, &created);
    CHECK(!created);
    uint64_t now = T0 + 16 * SEC;
    touch(t, &fin, now, &created);
    CHECK(created);
    touch(t, &rst, now, &created);
    CHECK(created);
    touch(t, &syn, now, &created);
    CHECK(!created);
    touch(t, &udp, T0 + 60 * SEC, &created);
    CHECK(!created);
    /* UDP idle after 60 s, other after 30 s */
    touch(t, &icmp, T0 + 31 * SEC, &created);
    CHECK(created);
    touch(t, &udp, T0 + 60 * SEC + 61 * SEC, &created);
    CHECK(created);
    CHECK_INT(log->by_reason[FLOW_END_IDLE], 4);
    flow_table_end_all(t);
    flow_table_free(t);
    free_log(log);
}

TEST(sweep_ends_idle_flows_within_budget)
{
    struct end_log *log = new_log(64);
    struct flow_table *t = flow_table_new(64, &timeouts, on_end, log);
    bool created;
    /* 10 UDP flows, the i-th last seen at T0 + i*10 s */
    for (uint32_t i = 0; i < 10; i++) {
        struct flow_key k = nth_key(100 + i, 17);
        touch(t, &k, T0 + i * 10 * SEC, &created);
    }
    CHECK_INT(flow_table_used(t), 10);
    /* at T0 + 125 s, flows 0..6 (last seen at most at T0 + 60 s) are idle */
    uint64_t now = T0 + 125 * SEC;
    flow_table_sweep(t, now, 3); /* looks at records 0..2 only */
    CHECK_INT(log->count, 3);
    flow_table_sweep(t, now, 3); /* 3..5 */
    CHECK_INT(log->count, 6);
    flow_table_sweep(t, now, 100); /* the rest; the budget is capped by the records used */
    CHECK_INT(log->count, 7);
    CHECK_INT(log->by_reason[FLOW_END_IDLE], 7);
    for (size_t i = 0; i < log->count; i++)
        CHECK(now - log->list[i].last_us > 60 * SEC);
    CHECK_INT(stats(t).active, 3);
    /* a sweep on a table with nothing idle ends nothing */
    flow_table_sweep(t, now, 100);
    CHECK_INT(log->count, 7);
    /* sweeping an empty table is harmless */
    struct flow_table *empty = flow_table_new(4, &timeouts, on_end, log);
    flow_table_sweep(empty, now, 10);
    flow_table_free(empty);
    /* swept records are reused */
    for (uint32_t i = 0; i < 7; i++) {
        struct flow_key k = nth_key(200 + i, 17);
        touch(t, &k, now, &created);
    }
    CHECK_INT(flow_table_used(t), 10);
    flow_table_end_all(t);
    CHECK_INT(log->by_reason[FLOW_END_SHUTDOWN], 10);
    flow_table_free(t);
    free_log(log);
}

TEST(end_one_flow)
{
    struct end_log *log = new_log(8);
    struct flow_table *t = flow_table_new(8, &timeouts, on_end, log);
    bool created;
    struct flow_key k = nth_key(1, 6);
    struct flow *f = touch(t, &k, T0, &created);
    flow_table_end(t, f, FLOW_END_IDLE);
    CHECK_INT(log->count, 1);
    CHECK_INT(stats(t).active, 0);
    /* the same 5-tuple starts again (a new SYN after a closed flow) */
    touch(t, &k, T0 + SEC, &created);
    CHECK(created);
    flow_table_end_all(t);
    flow_table_free(t);
    free_log(log);
}

/* ---- eviction ---- */

TEST(eviction_takes_the_oldest_of_the_sample)
{
    enum { CAP = 40 };
    struct end_log *log = new_log(16);
    struct flow_table *t = flow_table_new(CAP, &timeouts, on_end, log);
    bool created;
    struct flow *flows[CAP];
    for (uint32_t i = 0; i < CAP; i++) {
        struct flow_key k = nth_key(i, 6);
        flows[i] = touch(t, &k, T0 + 100 * SEC, &created);
        CHECK(created);
    }
    /* Records are handed out in order; the sampler starts at record 0 and
     * looks at 16.  Make record 7 the oldest of those, and record 30, outside
     * the first sample, older still. */
    for (uint32_t i = 0; i < CAP; i++)
        flows[i]->last_us = T0 + 100 * SEC + i;
    flows[7]->last_us = T0 + 50 * SEC;
    flows[30]->last_us = T0 + 10 * SEC;
    flows[3]->last_us = T0 + 60 * SEC;
    struct flow_key k7 = flows[7]->key, k30 = flows[30]->key;

    struct flow_key extra = nth_key(1000, 6);
    touch(t, &extra, T0 + 101 * SEC, &created);
    CHECK(created);
    CHECK_INT(log->count, 1);
    CHECK_INT(log->list[0].why, FLOW_END_EVICTED);
    CHECK(memcmp(&log->list[0].key, &k7, sizeof(k7)) == 0);
    /* the next eviction samples the next records and finds record 30 */
    struct flow_key extra2 = nth_key(1001, 6);
    touch(t, &extra2, T0 + 101 * SEC, &created);
    CHECK_INT(log->count, 2);
    CHECK(memcmp(&log->list[1].key, &k30, sizeof(k30)) == 0);
    CHECK_INT(stats(t).ended[FLOW_END_EVICTED], 2);
    CHECK_INT(stats(t).active, CAP);
    CHECK_INT(stats(t).peak_active, CAP);

    /* the evicted flows are gone: looking them up creates them anew */
    touch(t, &k7, T0 + 102 * SEC, &created);
    CHECK(created);
    /* the survivors are still found */
    struct flow_key k5 = nth_key(5, 6);
    touch(t, &k5, T0 + 102 * SEC, &created);
    CHECK(!created);

    /* an idle flow found by its own look-up frees a record: nothing is evicted */
    size_t evicted = log->by_reason[FLOW_END_EVICTED];
    struct flow_key k1 = nth_key(1, 6);
    touch(t, &k1, T0 + 1000 * SEC, &created);
    CHECK(created);
    CHECK_INT(log->by_reason[FLOW_END_EVICTED], evicted);
    CHECK_INT(log->by_reason[FLOW_END_IDLE], 1);
    flow_table_end_all(t);
    flow_table_free(t);
    free_log(log);
}

TEST(table_of_one)
{
    struct end_log *log = new_log(8);
    struct flow_table *t = flow_table_new(1, &timeouts, on_end, log);
    bool created;
    for (uint32_t i = 0; i < 5; i++) {
        struct flow_key k = nth_key(i, 17);
        struct flow *f = touch(t, &k, T0 + i, &created);
        CHECK(f != NULL);
        CHECK(created);
    }
    CHECK_INT(log->by_reason[FLOW_END_EVICTED], 4);
    CHECK_INT(stats(t).active, 1);
    flow_table_end_all(t);
    flow_table_free(t);
    free_log(log);
}

/* ---- the flood ---- */

/* Bytes the allocator has handed out and not had back. */
static size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

TEST(flood_of_a_million_keys)
{
    enum { CAP = 10000, KEYS = 1000000 };
    struct end_log *log = new_log(0);
    size_t before = heap_in_use();
    struct flow_table *t = flow_table_new(CAP, &timeouts, on_end, log);
    CHECK(t != NULL);
    size_t mem = flow_table_memory(t);
    CHECK(mem >= CAP * sizeof(struct flow));
    CHECK(mem <= CAP * sizeof(struct flow) + 4 * 16384 + 4096);
    size_t after_new = heap_in_use();
    int failures = 0, not_created = 0;
    struct netaddr server = addr("2001:db8::443");
    for (uint32_t i = 0; i < KEYS; i++) {
        uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0, 0, 0, 0, 0,
                          (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        struct netaddr client;
        netaddr_from_v6(&client, v6);
        struct flow_key k;
        bool from_1, created = false;
        flow_key_make(&k, &client, &server, (uint16_t)(1024 + i % 50000), 443, 6, 0, &from_1);
        /* one microsecond apart: nothing goes idle, so every new flow evicts */
        struct flow *f = flow_table_get(t, &k, flow_key_hash(&k), T0 + i, &created);
        if (!f)
            failures++;
        else if (!created)
            not_created++;
        if (f)
            f->last_us = T0 + i;
        if (i % 100000 == 0 && heap_in_use() > after_new + 65536)
            failures++;
    }
    size_t after = heap_in_use();
    CHECK_INT(failures, 0);
    CHECK_INT(not_created, 0);
    struct flow_table_stats s = stats(t);
    CHECK_INT(s.created, KEYS);
    CHECK_INT(s.active, CAP);
    CHECK_INT(s.peak_active, CAP);
    CHECK_INT(s.ended[FLOW_END_EVICTED], KEYS - CAP);
    CHECK_INT(log->by_reason[FLOW_END_EVICTED], KEYS - CAP);
    CHECK_INT(flow_table_used(t), CAP);
    CHECK_INT(flow_table_memory(t), mem);
    /* the table allocated what it said, once, and nothing per flow */
    CHECK(after_new - before <= mem + 4096);
    CHECK(after <= after_new + 65536);
    /* chains stay short: the keyed hash spreads the keys */
    CHECK(s.probes < 2 * (uint64_t)KEYS);
    fprintf(stderr, "flood: %u keys into %u flows, %zu bytes of table, heap grew %zd bytes, "
                    "%.2f probes per look-up\n",
            (unsigned)KEYS, (unsigned)CAP, mem, (ssize_t)(after - before),
            (double)s.probes / (double)s.lookups);
    flow_table_end_all(t);
    CHECK_INT(log->by_reason[FLOW_END_SHUTDOWN], CAP);
    flow_table_free(t);
    free_log(log);
}

int main(void)
{
    RUN(canonical_symmetric_keys);
    RUN(get_or_create);
    RUN(lookup_after_idle_timeout_starts_a_new_flow);
    RUN(per_state_timeouts);
    RUN(sweep_ends_idle_flows_within_budget);
    RUN(end_one_flow);
    RUN(eviction_takes_the_oldest_of_the_sample);
    RUN(table_of_one);
    RUN(flood_of_a_million_keys);
    return test_report();
}
