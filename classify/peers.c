/*
 * peers.c - (client, port) -> STUN server table.
 *
 * A fixed table of slots.  A slot holds the newest note that hashed to it and
 * a chain of the notes before it, newest first, from a pool of notes as large
 * as the table.  A look-up for packet s reads the newest note made before s in
 * its slot: the endpoint's own note, or a colliding endpoint's, which hides it
 * exactly as it would have without any lag.  The older notes are there for
 * look-ups that run behind the capture thread: an ICE client sends requests
 * from one port to several STUN servers within milliseconds, and each of its
 * flows to them is looked up for its own packet.  The horizon
 * (peers_set_horizon) says which older notes no look-up to come can see; they
 * are freed at the slot's next note.  Only when the pool is full even after
 * every chain is pruned is the oldest note of the slot at hand dropped, and
 * counted.  The slot of an endpoint comes from a keyed hash: with the caller's
 * key (the sensor derives one from its device key) two runs put endpoints in
 * the same slots, so collisions, rare as they are, hide the same notes every
 * time.
 */
#include "peers.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define NOTE_NONE UINT32_MAX

struct peer_note {
    struct netaddr client, server;
    uint16_t port;
    uint8_t used;
    uint8_t app;            /* enum stun_app: what the endpoint's requests marked */
    uint32_t realm_service; /* symbol of the service their REALM named, or 0 */
    uint32_t older;         /* the note before it in the slot (index in notes[]), or NOTE_NONE */
    uint64_t seen_us, seq;
};

struct peers {
    struct peer_note *slots; /* the newest note of each slot */
    struct peer_note *notes; /* older notes, a pool as large as the table */
    uint32_t notes_free, notes_never_used, notes_cap;
    uint32_t *chained; /* slots with older notes, for a prune of them all */
    uint32_t nchained;
    size_t mask;
    uint64_t lifetime_us;
    struct siphash_key key;
    pthread_rwlock_t lock;
    uint64_t horizon; /* writer only */
    atomic_uint_fast64_t notes_made, dropped;
    atomic_uint older_count;
};

struct peers *peers_new(size_t slots, uint32_t lifetime_s, const struct siphash_key *key)
{
    struct peers *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    size_t n = 1024;
    while (n < slots)
        n <<= 1;
    p->slots = calloc(n, sizeof(*p->slots));
    p->notes = malloc(n * sizeof(*p->notes));
    p->chained = malloc(n * sizeof(*p->chained));
    if (key)
        p->key = *key;
    if (!p->slots || !p->notes || !p->chained || (!key && siphash_key_random(&p->key) != 0)) {
        free(p->slots);
        free(p->notes);
        free(p->chained);
        free(p);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        p->slots[i].older = NOTE_NONE;
    p->notes_free = NOTE_NONE;
    p->notes_cap = (uint32_t)n;
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
    free(p->notes);
    free(p->chained);
    free(p);
}

static size_t slot_of(const struct peers *p, const struct netaddr *client, uint16_t port)
{
    uint8_t k[18];
    memcpy(k, client->b, 16);
    k[16] = (uint8_t)(port >> 8);
    k[17] = (uint8_t)port;
    return siphash24(&p->key, k, sizeof(k)) & p->mask;
}

/* ---- older notes (writer, under the write lock) ---- */

static uint32_t note_alloc(struct peers *p)
{
    uint32_t i = p->notes_free;
    if (i != NOTE_NONE)
        p->notes_free = p->notes[i].older;
    else if (p->notes_never_used < p->notes_cap)
        i = p->notes_never_used++;
    else
        return NOTE_NONE;
    atomic_fetch_add_explicit(&p->older_count, 1, memory_order_relaxed);
    return i;
}

static void notes_free_chain(struct peers *p, uint32_t i)
{
    while (i != NOTE_NONE) {
        uint32_t older = p->notes[i].older;
        p->notes[i].older = p->notes_free;
        p->notes_free = i;
        atomic_fetch_sub_explicit(&p->older_count, 1, memory_order_relaxed);
        i = older;
    }
}

/* Frees the older notes of a slot that no look-up to come can see: below the
 * horizon only the newest note counts. */
static void slot_prune(struct peers *p, struct peer_note *slot)
{
    struct peer_note *n = slot;
    while (n->older != NOTE_NONE && n->seq >= p->horizon)
        n = &p->notes[n->older];
    notes_free_chain(p, n->older);
    n->older = NOTE_NONE;
}

/* Every chained slot pruned, and the list of chained slots compacted. */
static void prune_all(struct peers *p)
{
    uint32_t kept = 0;
    for (uint32_t k = 0; k < p->nchained; k++) {
        struct peer_note *slot = &p->slots[p->chained[k]];
        slot_prune(p, slot);
        if (slot->older != NOTE_NONE)
            p->chained[kept++] = p->chained[k];
    }
    p->nchained = kept;
}

/* The oldest note of the slot goes: look-ups to come need every slot of the
 * pool (see the top). */
static void drop_oldest(struct peers *p, struct peer_note *slot)
{
    struct peer_note *n = slot;
    while (n->older != NOTE_NONE && p->notes[n->older].older != NOTE_NONE)
        n = &p->notes[n->older];
    notes_free_chain(p, n->older);
    n->older = NOTE_NONE;
    atomic_fetch_add_explicit(&p->dropped, 1, memory_order_relaxed);
}

void peers_note(struct peers *p, const struct netaddr *client, uint16_t port,
                const struct netaddr *server, const struct peer_hint *hint, uint64_t now_us,
                uint64_t seq)
{
    size_t i = slot_of(p, client, port);
    pthread_rwlock_wrlock(&p->lock);
    struct peer_note *slot = &p->slots[i];
    struct peer_note note = {.client = *client,
                             .server = *server,
                             .port = port,
                             .used = 1,
                             .app = hint ? (uint8_t)hint->app : 0,
                             .realm_service = hint ? hint->realm_service : 0,
                             .older = NOTE_NONE,
                             .seen_us = now_us,
                             .seq = seq};
    /* A port's later requests (a plain Binding Request to a public STUN
     * server) keep what its earlier ones said about the application. */
    if (slot->used && slot->port == port && netaddr_cmp(&slot->client, client) == 0) {
        if (note.app == STUN_APP_NONE)
            note.app = slot->app;
        if (!note.realm_service)
            note.realm_service = slot->realm_service;
    }
    if (slot->used) {
        /* The current note stays for look-ups from packets up to this one
         * (this packet's own flow included); of the older ones only those a
         * look-up to come can still see. */
        bool was_chained = slot->older != NOTE_NONE;
        slot_prune(p, slot);
        uint32_t k = note_alloc(p);
        if (k == NOTE_NONE) {
            prune_all(p);
            k = note_alloc(p);
        }
        if (k == NOTE_NONE && slot->older != NOTE_NONE) {
            drop_oldest(p, slot);
            k = note_alloc(p);
        }
        if (k == NOTE_NONE) {
            notes_free_chain(p, slot->older);
            atomic_fetch_add_explicit(&p->dropped, 1, memory_order_relaxed);
        } else {
            p->notes[k] = *slot;
            note.older = k;
        }
        if (note.older != NOTE_NONE && !was_chained)
            p->chained[p->nchained++] = (uint32_t)i;
    }
    *slot = note;
    pthread_rwlock_unlock(&p->lock);
    atomic_fetch_add_explicit(&p->notes_made, 1, memory_order_relaxed);
}

void peers_set_horizon(struct peers *p, uint64_t seq)
{
    if (seq > p->horizon)
        p->horizon = seq;
}

uint64_t peers_notes(struct peers *p)
{
    return atomic_load_explicit(&p->notes_made, memory_order_relaxed);
}

uint64_t peers_dropped(struct peers *p)
{
    return atomic_load_explicit(&p->dropped, memory_order_relaxed);
}

uint64_t peers_older_notes(struct peers *p)
{
    return atomic_load_explicit(&p->older_count, memory_order_relaxed);
}

bool peers_lookup(struct peers *p, const struct netaddr *client, uint16_t port, uint64_t now_us,
                  uint64_t seq, struct netaddr *server, struct peer_hint *hint)
{
    size_t i = slot_of(p, client, port);
    bool found = false;
    pthread_rwlock_rdlock(&p->lock);
    /* The newest note the packet could have seen decides, whoever made it. */
    const struct peer_note *n = &p->slots[i];
    while (n && n->used && n->seq >= seq)
        n = n->older != NOTE_NONE ? &p->notes[n->older] : NULL;
    if (n && n->used && n->port == port && netaddr_cmp(&n->client, client) == 0 &&
        now_us >= n->seen_us && now_us - n->seen_us <= p->lifetime_us) {
        *server = n->server;
        if (hint) {
            hint->app = (enum stun_app)n->app;
            hint->realm_service = n->realm_service;
        }
        found = true;
    }
    pthread_rwlock_unlock(&p->lock);
    return found;
}
