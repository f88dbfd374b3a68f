/*
 * dispatch.c - the capture thread's per-packet step (dispatch.h).
 *
 * Sequence numbers are given here, in capture order, and stamp what the packet
 * leaves in the shared tables (DNS answers, STUN peers) as well as the packet
 * itself: a worker looking up for packet s ignores entries made at or after s,
 * so what a flow is named does not depend on how far ahead this thread runs.
 *
 * The worker is chosen by the high half of the flow hash; the flow table uses
 * the low half for its buckets, so the two choices do not correlate.
 */
#include "dispatch.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>

#include "dhcp.h"
#include "dns.h"
#include "dns_cache.h"
#include "flow.h"
#include "fragment.h"
#include "hostname.h"
#include "leases.h"
#include "peers.h"
#include "proto_names.h"
#include "rules.h"
#include "stun.h"
#include "worker.h"

#define TICK_US 1000000ULL /* packet time between ticks to the workers */

struct dispatch {
    struct fragment_table *fragments;
    struct dns_cache *dns;
    struct peers *peers;
    struct leases *leases;     /* NULL: DHCP not read */
    const struct rules *rules; /* the catalog that names STUN realms, or NULL */
    struct peers *dns_bypass;  /* devices that used encrypted DNS, or NULL */
    struct worker *const *workers;
    unsigned nworkers;
    bool in_thread; /* DISPATCH_IN_THREAD */
    uint64_t seq;
    uint64_t next_tick_us;
    uint64_t clock_us; /* the last packet's or tick's time */
    struct dispatch_stats stats;
};

struct dispatch *dispatch_new(struct dns_cache *dns, struct peers *peers,
                              enum dispatch_delivery delivery)
{
    struct dispatch *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->fragments = fragment_table_new();
    if (!d->fragments) {
        free(d);
        return NULL;
    }
    d->dns = dns;
    d->peers = peers;
    d->in_thread = delivery == DISPATCH_IN_THREAD;
    return d;
}

void dispatch_free(struct dispatch *d)
{
    if (!d)
        return;
    fragment_table_free(d->fragments);
    free(d);
}

void dispatch_set_dns_bypass(struct dispatch *d, struct peers *table)
{
    d->dns_bypass = table;
}

void dispatch_set_leases(struct dispatch *d, struct leases *leases)
{
    d->leases = leases;
}

void dispatch_set_rules(struct dispatch *d, const struct rules *rules)
{
    d->rules = rules;
}

void dispatch_set_workers(struct dispatch *d, struct worker *const *workers, unsigned n)
{
    d->workers = workers;
    d->nworkers = n;
}

uint64_t dispatch_clock(const struct dispatch *d)
{
    return d->clock_us;
}

const struct dispatch_stats *dispatch_get_stats(const struct dispatch *d)
{
    return &d->stats;
}

/* ---- what the workers may still look up ---- */

/* Before the capture thread writes to a shared table it tells the table how
 * far the slowest worker has got, so that the table frees the older versions
 * no look-up to come can see, and keeps the rest (dns_cache.h, peers.h). */
static void set_horizon(struct dispatch *d)
{
    uint64_t horizon = d->seq;
    for (unsigned i = 0; i < d->nworkers; i++) {
        uint64_t h = worker_horizon(d->workers[i], d->seq);
        if (h < horizon)
            horizon = h;
    }
    if (d->dns)
        dns_cache_set_horizon(d->dns, horizon);
    if (d->leases)
        leases_set_horizon(d->leases, horizon);
    peers_set_horizon(d->peers, horizon);
    if (d->dns_bypass)
        peers_set_horizon(d->dns_bypass, horizon);
}

/* ---- DNS answers ---- */

bool dispatch_dns_message(const struct packet *p, const uint8_t **msg, size_t *len)
{
    if (p->sport != 53 || !p->payload || p->payload_caplen < 12)
        return false;
    const uint8_t *m = p->payload;
    size_t n = p->payload_caplen;
    if (p->l4_proto == IPPROTO_TCP) {
        /* only messages whole in one segment are read */
        if (n < 14)
            return false;
        size_t framed = (size_t)m[0] << 8 | m[1];
        if (framed + 2 > n)
            return false;
        m += 2;
        n = framed;
    } else if (p->l4_proto != IPPROTO_UDP) {
        return false;
    }
    *msg = m;
    *len = n;
    return true;
}

struct dns_answer_ctx {
    struct dispatch *d;
    const struct netaddr *client;
    uint64_t ts_us, seq;
};

static void on_dns_answer(void *ctx, const char *name, const struct netaddr *addr, uint32_t ttl)
{
    struct dns_answer_ctx *c = ctx;
    dns_cache_insert(c->d->dns, c->client, addr, name, ttl, c->ts_us, c->seq);
    c->d->stats.dns_answers++;
}

/* The answers of a DNS response go into the cache under its client, the
 * packet's destination. */
static void sniff_dns(struct dispatch *d, const struct packet *p, uint64_t ts_us)
{
    const uint8_t *msg;
    size_t len;
    if (!dispatch_dns_message(p, &msg, &len))
        return;
    struct dns_answer_ctx ctx = {d, &p->dst, ts_us, d->seq};
    d->stats.dns_responses++;
    set_horizon(d);
    if (dns_parse_response(msg, len, on_dns_answer, &ctx) < 0)
        d->stats.dns_errors++;
}

/* ---- DHCP: which device holds an address ---- */

/* A DHCP or DHCPv6 message of a whole datagram goes into the lease table;
 * nothing of it (MAC, host name) is logged or counted but its kind. */
static void sniff_dhcp(struct dispatch *d, const struct packet *p, uint64_t ts_us)
{
    if (p->l4_proto != IPPROTO_UDP || !p->payload || p->l4_caplen < 8)
        return;
    enum dhcp_kind kind = dhcp_kind_of_ports(p->sport, p->dport);
    if (kind == DHCP_KIND_NONE)
        return;
    uint16_t udp_len = (uint16_t)(p->l4[4] << 8 | p->l4[5]);
    if (udp_len < 8 || p->payload_caplen < (uint32_t)udp_len - 8)
        return; /* cut by the capture: not read rather than read wrong */
    struct dhcp_message m;
    d->stats.dhcp_messages++;
    if (dhcp_parse(kind, p->payload, (size_t)udp_len - 8, &m) < 0) {
        d->stats.dhcp_errors++;
        return;
    }
    set_horizon(d);
    if (leases_update(d->leases, &m, ts_us, d->seq) != LEASES_UNCHANGED)
        d->stats.dhcp_changes++;
}

/* ---- STUN requests ---- */

/* What a client's STUN request says of its call: the application its
 * attributes mark, and the catalog service its REALM names (rare: a request
 * with credentials, so the catalog look-up is not per packet). */
static struct peer_hint stun_hint(const struct dispatch *d, const struct packet *p)
{
    struct peer_hint hint = {stun_application(p->payload, p->payload_caplen), 0};
    char realm[HOSTNAME_MAX + 1];
    int n;
    if (d->rules &&
        (n = proto_names_stun_realm(p->payload, p->payload_caplen, realm, sizeof(realm))) > 0) {
        const struct catalog *c = d->rules->catalog;
        const struct service *svc =
            catalog_service(c, catalog_match_host(c, realm, (size_t)n, NULL));
        if (svc)
            hint.realm_service = svc->sym;
    }
    return hint;
}

/* ---- encrypted DNS ---- */

/* The first packet of a client's flow to an encrypted-DNS resolver: a TCP SYN,
 * or a QUIC long-header packet (DoQ, DoH over HTTP/3).  Checked only for
 * packets to 443 and 853, and then the address only for 443. */
static bool starts_encrypted_dns(const struct dispatch *d, const struct packet *p)
{
    if (p->dport != RESOLVERS_DOH_PORT && p->dport != RESOLVERS_DOT_PORT)
        return false;
    if (p->l4_proto == IPPROTO_TCP) {
        if ((p->tcp_flags & (TH_SYN | TH_ACK)) != TH_SYN)
            return false;
    } else if (p->l4_proto != IPPROTO_UDP || !p->payload || p->payload_caplen < 1 ||
               !(p->payload[0] & 0x80)) {
        return false;
    }
    return resolvers_is_encrypted_dns(d->rules->resolvers, &p->dst, p->l4_proto, p->dport);
}

/* ---- the step ---- */

void dispatch_tick(struct dispatch *d, uint64_t now_us)
{
    if (now_us > d->clock_us)
        d->clock_us = now_us;
    uint64_t oldest = now_us;
    for (unsigned i = 0; i < d->nworkers; i++) {
        /* A worker fed in this thread has done all it was given: its clock
         * says UINT64_MAX, and answers expire at now_us. */
        uint64_t t = worker_clock(d->workers[i]);
        if (t < oldest)
            oldest = t;
        if (d->in_thread)
            worker_feed_tick(d->workers[i], now_us);
        else
            worker_send_tick(d->workers[i], now_us);
    }
    if (d->dns)
        dns_cache_expire(d->dns, oldest);
    if (d->leases)
        leases_expire(d->leases, oldest);
}

void dispatch_packet(struct dispatch *d, const struct capture_packet *cp)
{
    d->stats.packets++;
    d->stats.bytes += cp->len;
    if (cp->ts_us > d->clock_us)
        d->clock_us = cp->ts_us;
    struct packet p;
    enum decode_status ds = decode_packet(cp->linktype, cp->data, cp->caplen, &p);
    d->stats.decode[ds]++;
    if (ds != DECODE_OK)
        return;
    if (!fragment_track(d->fragments, &p, cp->ts_us))
        d->stats.fragments_unmatched++; /* counted under a port-less flow */
    if (d->dns)
        sniff_dns(d, &p, cp->ts_us);
    if (d->leases && p.fragment != FRAGMENT_LATER)
        sniff_dhcp(d, &p, cp->ts_us);
    if (d->dns_bypass && d->rules && starts_encrypted_dns(d, &p)) {
        set_horizon(d);
        peers_note(d->dns_bypass, &p.src, 0, &p.dst, NULL, cp->ts_us, d->seq);
    }
    if (p.l4_proto == IPPROTO_UDP && p.payload && stun_is_request(p.payload, p.payload_caplen)) {
        set_horizon(d);
        struct peer_hint hint = stun_hint(d, &p);
        peers_note(d->peers, &p.src, p.sport, &p.dst, &hint, cp->ts_us, d->seq);
    }

    struct flow_key key;
    bool from_1;
    flow_key_make(&key, &p.src, &p.dst, p.sport, p.dport, p.l4_proto, p.vlan, &from_1);
    uint64_t hash = flow_key_hash(&key);
    struct worker *w = d->workers[(uint32_t)(hash >> 32) % d->nworkers];
    if (d->in_thread)
        worker_feed_packet(w, &p, &key, from_1, hash, cp->ts_us, d->seq++);
    else
        worker_send_packet(w, &p, &key, from_1, hash, cp->ts_us, d->seq++);

    if (cp->ts_us >= d->next_tick_us) {
        if (d->next_tick_us)
            dispatch_tick(d, cp->ts_us);
        d->next_tick_us = cp->ts_us + TICK_US;
    }
}
