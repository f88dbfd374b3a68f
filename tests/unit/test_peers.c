/*
 * test_peers.c - the STUN endpoint table: what a flow from an endpoint finds,
 * the sequence rule, the previous note kept for look-ups that run behind, the
 * horizon, the lifetime, and slot collisions under a fixed key.
 */
#include "peers.h"

#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "test.h"

#define SEC 1000000ull
#define T0  (1700000000ull * SEC)

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

static struct siphash_key fixed_key(void)
{
    struct siphash_key k;
    memset(&k, 0x5a, sizeof(k));
    return k;
}

/* The server found for client:port at now/seq, or "" when none. */
static const char *find(struct peers *p, const char *client, uint16_t port, uint64_t now,
                        uint64_t seq)
{
    static char text[64];
    struct netaddr c = addr(client), server;
    if (!peers_lookup(p, &c, port, now, seq, &server, NULL))
        return "";
    netaddr_format(&server, text, sizeof(text));
    return text;
}

static void note(struct peers *p, const char *client, uint16_t port, const char *server,
                 uint64_t now, uint64_t seq)
{
    struct netaddr c = addr(client), s = addr(server);
    peers_note(p, &c, port, &s, STUN_APP_NONE, now, seq);
}

TEST(found_within_lifetime_and_after_its_packet)
{
    struct siphash_key k = fixed_key();
    struct peers *p = peers_new(1024, 60, &k);
    note(p, "10.0.0.1", 50000, "198.51.100.7", T0, 10);
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 11), "198.51.100.7");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 10), "");      /* its own packet, or earlier */
    CHECK_STR(find(p, "10.0.0.1", 50001, T0 + SEC, 11), "");      /* another port */
    CHECK_STR(find(p, "10.0.0.2", 50000, T0 + SEC, 11), "");      /* another client */
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + 61 * SEC, 11), ""); /* past the lifetime */
    CHECK(peers_notes(p) == 1);
    peers_free(p);
}

/* A look-up that runs behind newer notes from the same endpoint still finds
 * the note its packet followed (an ICE client asks several STUN servers from
 * one port within milliseconds). */
TEST(previous_note_for_lagging_lookups)
{
    struct siphash_key k = fixed_key();
    struct peers *p = peers_new(1024, 60, &k);
    note(p, "10.0.0.1", 50000, "198.51.100.7", T0, 10);
    note(p, "10.0.0.1", 50000, "203.0.113.9", T0 + 1000, 20);
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 15), "198.51.100.7");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 25), "203.0.113.9");
    /* A third note while look-ups from before the second may still come:
     * every note is kept. */
    note(p, "10.0.0.1", 50000, "192.0.2.1", T0 + 2000, 30);
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 15), "198.51.100.7");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 25), "203.0.113.9");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 35), "192.0.2.1");
    CHECK(peers_older_notes(p) == 2);
    /* The horizon past the third note: the next note frees the first two,
     * and keeps the third for look-ups from 31 to 40. */
    peers_set_horizon(p, 31);
    note(p, "10.0.0.1", 50000, "192.0.2.2", T0 + 3000, 40);
    CHECK(peers_older_notes(p) == 1);
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 15), "");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 35), "192.0.2.1");
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 45), "192.0.2.2");
    CHECK(peers_dropped(p) == 0);
    peers_free(p);
}

/* Under one key, endpoints land in the same slots every time: a colliding
 * note hides an endpoint's note for later packets, the same way in every run. */
TEST(collisions_are_the_same_under_one_key)
{
    struct siphash_key k = fixed_key();
    struct peers *a = peers_new(1024, 60, &k), *b = peers_new(1024, 60, &k);
    char client[32];
    unsigned found_a = 0, found_b = 0;
    for (unsigned i = 0; i < 3000; i++) {
        snprintf(client, sizeof(client), "10.1.%u.%u", i / 250, i % 250 + 1);
        note(a, client, 40000, "198.51.100.7", T0, i + 1);
        note(b, client, 40000, "198.51.100.7", T0, i + 1);
    }
    peers_set_horizon(a, 3001);
    for (unsigned i = 0; i < 3000; i++) {
        snprintf(client, sizeof(client), "10.1.%u.%u", i / 250, i % 250 + 1);
        found_a += find(a, client, 40000, T0 + SEC, 5000)[0] != '\0';
        found_b += find(b, client, 40000, T0 + SEC, 5000)[0] != '\0';
    }
    CHECK(found_a == found_b);
    CHECK(found_a < 3000); /* 3000 endpoints in 1024 slots: some are hidden */
    CHECK(found_a > 0);
    peers_free(a);
    peers_free(b);
}

/* The pool of older notes is as large as the table: when look-ups to come
 * hold all of it, the oldest note of the slot at hand goes, and is counted. */
TEST(pool_full)
{
    struct siphash_key k = fixed_key();
    struct peers *p = peers_new(1024, 60, &k);
    for (uint64_t i = 1; i <= 1100; i++)
        note(p, "10.0.0.1", 50000, "198.51.100.7", T0, i);
    CHECK(peers_older_notes(p) <= 1024);
    CHECK(peers_dropped(p) > 0);
    CHECK_STR(find(p, "10.0.0.1", 50000, T0 + SEC, 1101), "198.51.100.7");
    peers_set_horizon(p, 1101);
    note(p, "10.0.0.1", 50000, "203.0.113.9", T0, 1200);
    CHECK(peers_older_notes(p) == 1);
    peers_free(p);
}

int main(void)
{
    RUN(found_within_lifetime_and_after_its_packet);
    RUN(previous_note_for_lagging_lookups);
    RUN(collisions_are_the_same_under_one_key);
    RUN(pool_full);
    return test_report();
}
