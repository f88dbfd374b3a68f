/*
 * flow.h - the bidirectional flow table of one worker.
 *
 * Both directions of a connection land on one flow: the key holds the two
 * endpoints in a canonical order (lower address/port first), and the flow
 * remembers which endpoint is the client, the side that opened it.
 *
 * Memory is bounded and allocated once: a pool of max_flows records and a
 * bucket array, with chains linked by 32-bit indices.  Nothing is allocated per
 * packet or per flow.  The bucket hash is SipHash with a random key, so a
 * sender cannot aim many flows at one chain.
 *
 * Expiry needs no per-packet list maintenance: a sweep walks a slice of the
 * pool on every tick and ends flows idle past the timeout of their state (TCP
 * established, TCP closing after FIN or RST, UDP, other).  Time is packet time
 * offline and wall-clock time live; the caller passes it.  When the pool is
 * full, the table evicts the flow idle longest among a sample of candidates
 * (the approximated LRU that Redis uses for maxmemory), and counts it.
 *
 * A flow that is found idle past its timeout by a lookup is ended there and
 * a new one started, so flow boundaries do not depend on when sweeps run.
 *
 * Not thread-safe: a table belongs to one worker.
 */
#ifndef SHADOWTAP_FLOW_H
#define SHADOWTAP_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

enum flow_state {
    FLOW_STATE_TCP_OPEN = 0, /* TCP without FIN or RST seen */
    FLOW_STATE_TCP_CLOSING,  /* TCP after FIN or RST */
    FLOW_STATE_UDP,
    FLOW_STATE_OTHER,
    FLOW_STATE_COUNT
};

enum flow_end_reason {
    FLOW_END_IDLE = 0, /* idle past its timeout */
    FLOW_END_EVICTED,  /* pushed out by a new flow when the table was full */
    FLOW_END_SHUTDOWN, /* still active when the sensor stopped or the file ended */
    FLOW_END_REASON_COUNT
};

struct flow_key {
    struct netaddr addr[2]; /* addr[0] <= addr[1], ports breaking ties */
    uint16_t port[2];
    uint16_t vlan;
    uint8_t proto;
    uint8_t pad;
};

struct tally_cell; /* report/tally.h */
struct flow_dpi;   /* worker-owned DPI state while undecided */

/* What an internal TCP flow said of a model server (classify/model_api.h;
 * worker.c reads it). */
struct flow_model {
    uint32_t requests; /* request lines of a model API the client sent */
    uint8_t api;       /* enum model_api_kind of its first request, 0 if none */
    uint8_t state;     /* FLOW_MODEL_* */
};

enum flow_model_state {
    FLOW_MODEL_READ = 1u << 0,     /* the client's first request line was judged */
    FLOW_MODEL_ANSWERED = 1u << 1, /* the server answered a request with success (2xx) */
};

/* One flow: 128 bytes, so two fit a 256-byte stretch of cache. */
struct flow {
    struct flow_key key; /* 40 */
    uint64_t first_us;   /* first packet, microseconds since the epoch */
    uint64_t last_us;    /* last packet */
    uint64_t bytes[2];   /* [0] client to server (up), [1] server to client (down) */
    uint32_t packets[2];
    uint32_t chain_next;  /* next flow index in the bucket, FLOW_NIL at the end */
    uint32_t service_sym; /* symbol of the service id once decided */
    uint32_t dept_sym;    /* symbol of the client's department */
    uint16_t ndpi_master;
    uint16_t ndpi_app;
    uint8_t ndpi_category;
    uint8_t match;        /* FLOW_MATCH and FLOW_VIS below */
    uint8_t state;        /* enum flow_state (FLOW_STATE), and the department's source */
    uint8_t flags;        /* FLOW_F_* */
    uint16_t tally_epoch; /* epoch of the tally table the cell pointer belongs to */
    uint16_t country;     /* destination country, two ASCII letters, 0 if unknown */
    struct flow_dpi *dpi; /* non-NULL while undecided */
    char *name;           /* host name once decided, or NULL */
    /* A flow is tallied, or internal (FLOW_F_INTERNAL, decided when it
     * starts): never both, so what each needs shares its last 8 bytes. */
    union {
        struct tally_cell *cell; /* tallied: cached tally cell for per-packet updates */
        struct flow_model model; /* internal: what it said of a model server */
    };
};

#define FLOW_NIL 0xffffffffu

/* state holds two things: the enum flow_state (low four bits) and what gave
 * the client its department, an enum tally_dept_source set when the flow
 * starts (high four). */
#define FLOW_STATE(f)       ((unsigned)(f)->state & 0x0fu)
#define FLOW_DEPT_SOURCE(f) ((unsigned)(f)->state >> 4)
#define FLOW_SET_DEPT_SOURCE(f, s)                                                                 \
    ((f)->state = (uint8_t)(((f)->state & 0x0fu) | ((unsigned)(s) << 4)))

enum flow_flags {
    FLOW_F_IN_USE = 1u << 0,
    FLOW_F_CLIENT_IS_1 = 1u << 1,   /* the client is key.addr[1] */
    FLOW_F_DECIDED = 1u << 2,       /* classification final */
    FLOW_F_INTERNAL = 1u << 3,      /* the server is internal: not cloud usage */
    FLOW_F_TALLIED = 1u << 4,       /* the flow has been counted in a tally cell */
    FLOW_F_DNS_FALLBACK = 1u << 5,  /* a name from DNS answers was kept for this flow */
    FLOW_F_MIDSTREAM = 1u << 6,     /* TCP, and its first packet seen was no SYN */
    FLOW_F_ENCRYPTED_DNS = 1u << 7, /* the flow is DoH, DoT, DoQ or DNSCrypt (worker.c) */
};

/* match holds two things once a flow is decided: the enum match_kind that
 * named it (low four bits) and the enum tally_vis of its bytes (high four). */
#define FLOW_MATCH(f) ((unsigned)(f)->match & 0x0fu)
#define FLOW_VIS(f)   ((unsigned)(f)->match >> 4)

struct flow_timeouts {
    uint32_t seconds[FLOW_STATE_COUNT];
};

struct flow_table_stats {
    uint64_t created, ended[FLOW_END_REASON_COUNT], lookups, probes;
    uint32_t active, peak_active;
};

/* Called for each flow that ends, before its record is reused.  The callee
 * must release what the flow holds (dpi, name). */
typedef void (*flow_end_fn)(void *ctx, struct flow *f, enum flow_end_reason why);

struct flow_table;

/* Returns NULL on allocation failure.  max_flows >= 1. */
struct flow_table *flow_table_new(uint32_t max_flows, const struct flow_timeouts *timeouts,
                                  flow_end_fn on_end, void *ctx);
/* Ends nothing: call flow_table_end_all first if the flows matter. */
void flow_table_free(struct flow_table *t);

/* Builds the canonical key of a packet; *from_1 tells whether the packet's
 * source is key.addr[1]. */
void flow_key_make(struct flow_key *k, const struct netaddr *src, const struct netaddr *dst,
                   uint16_t sport, uint16_t dport, uint8_t proto, uint16_t vlan, bool *from_1);
/* Picks the random hash key.  Call once from the main thread before any thread
 * hashes (flow_table_new calls it too); later calls do nothing. */
void flow_hash_seed(void);
/* The symmetric hash of a key, used to pick the worker too. */
uint64_t flow_key_hash(const struct flow_key *k);

/* Finds the flow of key at time now_us, or creates it (evicting if the table is
 * full).  *created tells which.  Never fails: with max_flows >= 1 there is
 * always a flow to evict. */
struct flow *flow_table_get(struct flow_table *t, const struct flow_key *k, uint64_t hash,
                            uint64_t now_us, bool *created);
/* Ends one flow now (e.g. a new SYN reuses the 5-tuple of a closing flow). */
void flow_table_end(struct flow_table *t, struct flow *f, enum flow_end_reason why);
/* Ends flows idle at now_us, examining at most budget records. */
void flow_table_sweep(struct flow_table *t, uint64_t now_us, uint32_t budget);
/* Ends every flow (shutdown, end of file). */
void flow_table_end_all(struct flow_table *t);
/* Moves a flow to the state a TCP packet's flags imply. */
void flow_note_tcp_flags(struct flow *f, uint8_t tcp_flags);

void flow_table_get_stats(const struct flow_table *t, struct flow_table_stats *out);
size_t flow_table_memory(const struct flow_table *t);
uint32_t flow_table_capacity(const struct flow_table *t);
/* Records handed out at least once (the part of the pool sweeps walk). */
uint32_t flow_table_used(const struct flow_table *t);

#endif
