/*
 * test_tally_ai_servers.c - the notes of model servers inside: flows added
 * under their (day, server, port, api, departments) key with their devices,
 * kept apart by every part of the key, merged (also through tally_notes and
 * tally_merge), bounded with what did not fit counted, cleared.
 */
#include "tally_ai_servers.h"

#include <stdlib.h>
#include <string.h>

#include "tally.h"
#include "tally_notes.h"
#include "test.h"

#define DAY 20394 /* 2025-11-02 */

static struct tally_ai_server_note flow(uint64_t server, uint16_t port, uint8_t api,
                                        uint32_t client_dept, uint64_t up, uint64_t down)
{
    return (struct tally_ai_server_note){.day = DAY,
                                         .server = server,
                                         .port = port,
                                         .api = api,
                                         .server_dept_sym = 7,
                                         .client_dept_sym = client_dept,
                                         .bytes_up = up,
                                         .bytes_down = down,
                                         .flows = 1,
                                         .requests = 2};
}

struct sums {
    size_t entries;
    uint64_t up, down, flows, requests, devices;
};

static void sum(void *ctx, const struct tally_ai_server_note *n)
{
    struct sums *s = ctx;
    s->entries++;
    s->up += n->bytes_up;
    s->down += n->bytes_down;
    s->flows += n->flows;
    s->requests += n->requests;
    for (uint32_t i = 0; i < n->devices_cap; i++)
        s->devices += n->devices[i] != 0;
}

static struct sums sums_of(const struct tally_ai_servers *t)
{
    struct sums s = {0};
    tally_ai_servers_each(t, sum, &s);
    return s;
}

static int add(struct tally_ai_servers *t, struct tally_ai_server_note n, uint64_t device)
{
    return tally_ai_servers_add(t, &n, &device, 1);
}

TEST(adds_under_each_key)
{
    struct tally_ai_servers *t = tally_ai_servers_new();
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK_INT(add(t, flow(0xaa, 11434, 1, 3, 100, 1000), 0x11), 0);
    CHECK_INT(add(t, flow(0xaa, 11434, 1, 3, 50, 500), 0x12), 0);
    CHECK_INT(add(t, flow(0xaa, 11434, 1, 3, 1, 1), 0x11), 0); /* a device seen again */
    struct sums s = sums_of(t);
    CHECK_INT(s.entries, 1);
    CHECK_INT(s.up, 151);
    CHECK_INT(s.down, 1501);
    CHECK_INT(s.flows, 3);
    CHECK_INT(s.requests, 6);
    CHECK_INT(s.devices, 2);
    /* Every part of the key makes another entry. */
    struct tally_ai_server_note other[] = {
        flow(0xab, 11434, 1, 3, 1, 1), flow(0xaa, 8000, 1, 3, 1, 1),  flow(0xaa, 11434, 2, 3, 1, 1),
        flow(0xaa, 11434, 1, 4, 1, 1), flow(0xaa, 11434, 1, 3, 1, 1), flow(0xaa, 11434, 1, 3, 1, 1),
    };
    other[4].day = DAY + 1;
    other[5].server_dept_sym = 8;
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        CHECK_INT(add(t, other[i], 0x11), 0);
    CHECK_INT(tally_ai_servers_count(t), 7);
    /* A device set that is empty but for 0 adds counters only. */
    uint64_t none[4] = {0};
    struct tally_ai_server_note n = flow(0xaa, 11434, 1, 3, 5, 5);
    CHECK_INT(tally_ai_servers_add(t, &n, none, 4), 0);
    CHECK_INT(tally_ai_servers_count(t), 7);
    tally_ai_servers_clear(t);
    CHECK_INT(tally_ai_servers_count(t), 0);
    CHECK_INT(sums_of(t).entries, 0);
    tally_ai_servers_free(t);
    tally_ai_servers_free(NULL);
    CHECK_INT(tally_ai_servers_count(NULL), 0);
}

TEST(bound_counts_what_it_drops)
{
    struct tally_ai_servers *t = tally_ai_servers_new();
    if (!t)
        return;
    for (uint32_t i = 0; i < TALLY_AI_SERVERS_MAX; i++)
        CHECK_INT(add(t, flow(1000 + i, 80, 1, 3, 1, 1), i + 1), 0);
    CHECK_INT(tally_ai_servers_count(t), TALLY_AI_SERVERS_MAX);
    CHECK_INT(add(t, flow(1, 80, 1, 3, 1, 1), 1), -1);
    CHECK_INT(add(t, flow(2, 80, 1, 3, 1, 1), 1), -1);
    CHECK_INT(tally_ai_servers_dropped(t), 2);
    /* A key it holds still takes more. */
    CHECK_INT(add(t, flow(1000, 80, 1, 3, 1, 1), 99), 0);
    CHECK_INT(tally_ai_servers_count(t), TALLY_AI_SERVERS_MAX);
    CHECK_INT(sums_of(t).flows, TALLY_AI_SERVERS_MAX + 1);
    tally_ai_servers_free(t);
}

TEST(merge_through_the_notes_and_the_tally)
{
    struct tally *a = tally_new(), *b = tally_new();
    CHECK(a && b);
    if (!a || !b)
        return;
    struct tally_ai_server_note n = flow(0xaa, 11434, 1, 3, 100, 1000);
    CHECK_INT(tally_notes_add_ai_server(tally_notes(a), &n, 0x11), 0);
    CHECK_INT(tally_notes_add_ai_server(tally_notes(b), &n, 0x12), 0);
    n.client_dept_sym = 4;
    CHECK_INT(tally_notes_add_ai_server(tally_notes(b), &n, 0), 0); /* device 0 still counts */
    CHECK_INT(tally_notes_count(tally_notes_peek(b)), 2);
    CHECK_INT(tally_merge(a, b), 0);
    struct sums s = {0};
    tally_notes_each_ai_server(tally_notes_peek(a), sum, &s);
    CHECK_INT(s.entries, 2);
    CHECK_INT(s.up, 300);
    CHECK_INT(s.flows, 3);
    CHECK_INT(s.devices, 3);
    CHECK_INT(tally_notes_dropped(tally_notes_peek(a)), 0);
    CHECK_INT(tally_notes_ai_servers_dropped(tally_notes_peek(a)), 0);
    tally_notes_each_ai_server(NULL, sum, &s); /* nothing */
    tally_clear(a);
    s = (struct sums){0};
    tally_notes_each_ai_server(tally_notes_peek(a), sum, &s);
    CHECK_INT(s.entries, 0);
    tally_free(a);
    tally_free(b);
}

TEST(merge_carries_drops)
{
    struct tally_ai_servers *full = tally_ai_servers_new(), *into = tally_ai_servers_new();
    if (!full || !into)
        return;
    for (uint32_t i = 0; i <= TALLY_AI_SERVERS_MAX; i++)
        add(full, flow(1000 + i, 80, 1, 3, 1, 1), 1);
    CHECK_INT(tally_ai_servers_dropped(full), 1);
    CHECK_INT(add(into, flow(1, 80, 1, 3, 1, 1), 1), 0);
    /* into holds one key more than full: one of full's does not fit. */
    CHECK_INT(tally_ai_servers_merge(into, full), -1);
    CHECK_INT(tally_ai_servers_count(into), TALLY_AI_SERVERS_MAX);
    CHECK_INT(tally_ai_servers_dropped(into), 2);
    CHECK_INT(tally_ai_servers_merge(into, NULL), 0);
    tally_ai_servers_free(full);
    tally_ai_servers_free(into);
}

int main(void)
{
    RUN(adds_under_each_key);
    RUN(bound_counts_what_it_drops);
    RUN(merge_through_the_notes_and_the_tally);
    RUN(merge_carries_drops);
    return test_report();
}
