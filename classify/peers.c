/*
 * peers.c - (client, port) -> STUN server table.
 */
#include "peers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

struct peer_slot {
    struct netaddr client, server;
    uint16_t port;
    uint8_t used, pad;
    uint64_t seen_us, seq;
};

struct peers {
    struct peer_slot *slots;
    size_t mask;
    uint64_t lifetime_us;
    struct siphash_key key;
    pthread_rwlock_t lock;
};

struct peers *peers_new(size_t slots, uint32_t lifetime_s)
{
    struct peers *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    size_t n = 1024;
    while (n < slots)
        n <<= 1;
    p->slots = calloc(n, sizeof(*p->slots));
    if (!p->slots || siphash_key_random(&p->key) != 0) {
        free(p->slots);
        free(p);
        return NULL;
    }
    p->mask = n - 1;
    p->lifetime_us = (uint64_t)lifetime_s * 1000000u;
    pthread_rwlock_init(&p->lock, NULL);
    return p;
}

void peers_free(struct peers *p)
{
    if (!p)
        return;
    pthread_rwlock_destroy(&p->lock);
    free(p->slots);
    free(p);
}

bool peers_is_stun_request(const uint8_t *b, size_t len)
{
    if (len < 20 || (b[0] & 0xc0) != 0)
        return false;
    uint16_t type = (uint16_t)(b[0] << 8 | b[1]);
    uint16_t mlen = (uint16_t)(b[2] << 8 | b[3]);
    if ((size_t)mlen + 20 != len || (mlen & 3) != 0)
        return false;
    static const uint8_t cookie[4] = {0x21, 0x12, 0xa4, 0x42};
    if (memcmp(b + 4, cookie, 4) == 0)
        return (type & 0x0100) == 0; /* class bits 0x0110: request 00 or indication 01 */
    /* RFC 3489 STUN, still used by Zoom, has no cookie: accept its Binding
     * Request only, the one message a client sends. */
    return type == 0x0001;
}

static size_t slot_of(const struct peers *p, const struct netaddr *client, uint16_t port)
{
    uint8_t k[18];
    memcpy(k, client->b, 16);
    k[16] = (uint8_t)(port >> 8);
    k[17] = (uint8_t)port;
    return siphash24(&p->key, k, sizeof(k)) & p->mask;
}

void peers_note(struct peers *p, const struct netaddr *client, uint16_t port,
                const struct netaddr *server, uint64_t now_us, uint64_t seq)
{
    size_t i = slot_of(p, client, port);
    pthread_rwlock_wrlock(&p->lock);
    struct peer_slot *s = &p->slots[i];
    s->client = *client;
    s->server = *server;
    s->port = port;
    s->used = 1;
    s->seen_us = now_us;
    s->seq = seq;
    pthread_rwlock_unlock(&p->lock);
}

bool peers_lookup(struct peers *p, const struct netaddr *client, uint16_t port, uint64_t now_us,
                  uint64_t seq, struct netaddr *server)
{
    size_t i = slot_of(p, client, port);
    bool found = false;
    pthread_rwlock_rdlock(&p->lock);
    const struct peer_slot *s = &p->slots[i];
    if (s->used && s->port == port && s->seq < seq && netaddr_cmp(&s->client, client) == 0 &&
        now_us >= s->seen_us && now_us - s->seen_us <= p->lifetime_us) {
        *server = s->server;
        found = true;
    }
    pthread_rwlock_unlock(&p->lock);
    return found;
}
