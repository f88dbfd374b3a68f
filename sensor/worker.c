/*
 * worker.c - the per-packet path: flow lookup, DPI while undecided, tally.
 *
 * A flow is classified once: when DPI decides, when its budget is spent, or at
 * its end if neither happened.  Until then its bytes accumulate in the flow
 * only; at the decision they are counted in the tally cell of the flow's first
 * hour, and from then on every packet adds to the cell of its own hour through
 * a pointer cached in the flow (valid while the flow's tally_epoch matches the
 * worker's).  Flows to internal addresses are never tallied: they are not
 * cloud usage.  Those that speak a model server's API are noted apart, at
 * their end (tally_notes.h: model servers inside).
 */
#include "worker.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "geo.h"
#include "leases.h"
#include "log.h"
#include "model_api.h"
#include "plaintext.h"
#include "proto_names.h"
#include "quic.h"
#include "tls_hello.h"
#include "unknown.h"
#include "pseudonym.h"
#include "ring.h"
#include "stun.h"
#include "symbol.h"
#include "tally.h"
#include "tally_notes.h"

enum record_kind { REC_PACKET = 1, REC_TICK, REC_FLUSH, REC_RULES, REC_STOP };

struct record_packet {
    uint32_t kind;
    uint32_t ip_len;
    uint64_t ts_us, seq, hash;
    struct flow_key key;
    uint32_t l3_len; /* bytes that follow */
    uint8_t from_1, tcp_flags, fragment, pad;
    uint32_t payload_off; /* transport payload within the bytes that follow */
    uint32_t payload_len; /* 0 when there is none */
};

struct record_control {
    uint32_t kind;
    uint32_t pad;
    uint64_t now_us;
    struct rules *rules;
};

/* What an undecided flow needs on top of its record. */
struct flow_dpi {
    struct dpi_flow *nd; /* NULL when DPI was refused (memory cap) */
    uint64_t seq;        /* capture sequence of the first packet */
    char dns_name[HOSTNAME_MAX + 1];
    /* the STUN server this client port talked to before the flow, if any */
    bool has_peer;
    uint8_t peer_app;            /* enum stun_app: what the port's STUN requests marked */
    uint32_t peer_realm_service; /* symbol of the service their REALM named, or 0 */
    struct netaddr peer_server;
    char peer_name[HOSTNAME_MAX + 1];
    /* a name our own readers found where nDPI 4.2 finds none */
    enum dpi_name_source own_source;
    bool own_replaces; /* own_name is better than nDPI's (proto_names.h) */
    char own_name[HOSTNAME_MAX + 1];
    struct proto_names_state proto;
    bool ndpi_done;          /* nDPI has decided; our readers may still want packets */
    struct quic_state *quic; /* QUIC Initials being reassembled (client to server) */
    uint8_t *tls;            /* the client's first TCP bytes, while a ClientHello grows */
    uint32_t tls_len;
    uint32_t packets; /* packets seen while undecided */
    bool ech;         /* the ClientHello carried encrypted_client_hello */
    bool edns;        /* the client used encrypted DNS before the flow (dispatch.c) */

    /* an internal flow's first request line, while it comes in pieces */
    uint8_t *model_line;
    uint32_t model_len;
};

#define OWN_TLS_MAX 16384 /* client bytes kept to find a ClientHello nDPI missed */

/*
 * The names a flow keeps once decided live in one allocation, so the flow
 * record stays 128 bytes: the source of the other name (one byte), then the
 * destination's name and the other name, each NUL-terminated ("" if absent).
 */
static char *names_make(const char *domain, enum dpi_name_source other_source, const char *other)
{
    size_t d = domain ? strlen(domain) : 0, o = other ? strlen(other) : 0;
    if (!d && !o)
        return NULL;
    char *blob = malloc(1 + d + 1 + o + 1);
    if (!blob)
        return NULL;
    blob[0] = (char)other_source;
    memcpy(blob + 1, domain ? domain : "", d + 1);
    memcpy(blob + 2 + d, other ? other : "", o + 1);
    return blob;
}

static const char *names_domain(const char *blob)
{
    return blob && blob[1] ? blob + 1 : NULL;
}

static const char *names_other(const char *blob)
{
    if (!blob)
        return NULL;
    const char *o = blob + 2 + strlen(blob + 1);
    return *o ? o : NULL;
}

static enum dpi_name_source names_other_source(const char *blob)
{
    return blob ? (enum dpi_name_source)(uint8_t)blob[0] : DPI_NAME_NONE;
}

struct worker {
    unsigned id;
    struct worker_config cfg;
    pthread_t thread;
    bool started;
    struct ring *ring;
    struct rules *rules;
    struct dns_cache *dns;
    struct peers *peers;
    struct flowlog *log;
    struct flusher *flusher;
    const struct geo *geo;
    struct dpi *dpi;
    struct flow_table *flows;
    struct tally *tally;
    uint16_t tally_epoch;
    uint64_t last_sweep_us;
    _Atomic uint64_t clock_us; /* written by the worker, read by the capture thread */
    _Atomic uint64_t done_seq; /* every packet below this sequence number is handled */
    uint32_t sym_unassigned, sym_unclassified;
    struct {
        uint32_t asn, sym;
    } hosted[256];             /* "unclassified:AS<n>" symbols, by asn % 256 */
    struct worker_stats stats; /* owned by the thread */
    pthread_mutex_t stats_lock;
    struct worker_stats published;
};

static void on_flow_end(void *ctx, struct flow *f, enum flow_end_reason why);

struct worker *worker_new(unsigned id, const struct worker_config *cfg, struct rules *rules,
                          struct dns_cache *dns, struct peers *peers, struct flowlog *log,
                          struct flusher *flusher, const struct geo *geo)
{
    struct worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->id = id;
    w->cfg = *cfg;
    w->dns = dns;
    w->peers = peers;
    w->log = log;
    w->flusher = flusher;
    w->geo = geo;
    w->ring = ring_new(cfg->ring_bytes);
    w->dpi = dpi_new(&cfg->dpi);
    w->flows = flow_table_new(cfg->max_flows, &cfg->timeouts, on_flow_end, w);
    w->tally = tally_new();
    w->sym_unassigned = symbol_intern(DEPARTMENT_UNASSIGNED);
    w->sym_unclassified = symbol_intern(SERVICE_UNCLASSIFIED);
    pthread_mutex_init(&w->stats_lock, NULL);
    if (!w->ring || !w->dpi || !w->flows || !w->tally) {
        worker_free(w);
        return NULL;
    }
    w->rules = rules_retain(rules);
    return w;
}

void worker_free(struct worker *w)
{
    if (!w)
        return;
    if (w->flows) {
        flow_table_end_all(w->flows); /* frees DPI state of flows never ended */
        flow_table_free(w->flows);
    }
    ring_free(w->ring);
    dpi_free(w->dpi);
    tally_free(w->tally);
    rules_release(w->rules);
    pthread_mutex_destroy(&w->stats_lock);
    free(w);
}

/* ---- classification ---- */

static const struct netaddr *client_of(const struct flow *f)
{
    return &f->key.addr[(f->flags & FLOW_F_CLIENT_IS_1) ? 1 : 0];
}

static const struct netaddr *server_of(const struct flow *f)
{
    return &f->key.addr[(f->flags & FLOW_F_CLIENT_IS_1) ? 0 : 1];
}

static uint16_t client_port(const struct flow *f)
{
    return f->key.port[(f->flags & FLOW_F_CLIENT_IS_1) ? 1 : 0];
}

static uint16_t server_port(const struct flow *f)
{
    return f->key.port[(f->flags & FLOW_F_CLIENT_IS_1) ? 0 : 1];
}

/* Whose instance of its service a decided flow reached, and the tenant its
 * host name carries (tenant[0] is '\0' unless own or other).  Asked when a
 * flow's cell is made, not kept in the flow: a flow pays for it once an hour. */
static enum tally_tenant tenant_of_flow(const struct worker *w, const struct flow *f, char *tenant,
                                        size_t tenantsz)
{
    const struct rules *r = w->rules;
    tenant[0] = '\0';
    int svc = catalog_find_sym(r->catalog, f->service_sym);
    if (svc < 0 || !catalog_has_tenants(r->catalog, svc))
        return TALLY_TENANT_NA;
    const char *host = names_domain(f->name);
    if (!host || catalog_tenant_of(r->catalog, svc, host, tenant, tenantsz) != 1)
        return TALLY_TENANT_NONE;
    return policy_is_own_tenant(r->policy, svc, tenant) ? TALLY_TENANT_OWN : TALLY_TENANT_OTHER;
}

/* The cell a decided flow counts into for traffic in the given hour. */
static struct tally_cell *cell_for(struct worker *w, struct flow *f, uint32_t hour)
{
    struct tally_cell *c = f->cell;
    if (c && f->tally_epoch == w->tally_epoch && c->key.hour == hour)
        return c;
    char tenant[CATALOG_TENANT_MAX + 1];
    enum tally_tenant tclass = tenant_of_flow(w, f, tenant, sizeof(tenant));
    struct tally_key k = {hour,       f->dept_sym,     f->service_sym,
                          f->country, (uint8_t)tclass, (uint8_t)FLOW_DEPT_SOURCE(f)};
    c = tally_cell(w->tally, &k);
    if (!c) {
        w->stats.tally_failures++;
        f->cell = NULL;
        return NULL;
    }
    if (!c->status) {
        /* The policy in force when the traffic was counted: events use it. */
        const struct rules *r = w->rules;
        int dept = departments_find(r->departments, symbol_name(f->dept_sym));
        c->status =
            (uint8_t)policy_status(r->policy, catalog_find_sym(r->catalog, f->service_sym), dept);
    }
    if (tally_cell_add_device(c, pseudonym_device(&w->cfg.device_key, client_of(f))) != 0)
        w->stats.tally_failures++;
    f->cell = c;
    f->tally_epoch = w->tally_epoch;
    return c;
}

/* The service id of unclassified traffic to an autonomous system,
 * "unclassified:AS<n>", so that it is told apart by where it is hosted.  A
 * small cache keeps the symbol table's lock off most decisions. */
static uint32_t hosted_sym(struct worker *w, uint32_t asn)
{
    unsigned slot = asn % (sizeof(w->hosted) / sizeof(w->hosted[0]));
    if (w->hosted[slot].asn == asn && w->hosted[slot].sym)
        return w->hosted[slot].sym;
    char id[32];
    snprintf(id, sizeof(id), SERVICE_UNCLASSIFIED ":AS%u", asn);
    uint32_t sym = symbol_intern(id);
    if (sym == SYMBOL_NONE)
        return w->sym_unclassified;
    w->hosted[slot].asn = asn;
    w->hosted[slot].sym = sym;
    return sym;
}

static void flow_dpi_free(struct flow_dpi *fd)
{
    if (!fd)
        return;
    dpi_flow_free(fd->nd);
    quic_state_free(fd->quic);
    free(fd->tls);
    free(fd->model_line);
    free(fd);
}

/* What named the flow's service (its match), or why nothing did (see
 * tally.h's enum tally_vis); ech: its ClientHello hid the server name. */
static enum tally_vis visibility_of(const struct flow *f, const struct flow_dpi *fd,
                                    const struct attribution *at, bool ech)
{
    if (at->service >= 0) {
        switch (at->match) {
        case MATCH_SNI:
            return TALLY_VIS_SNI;
        case MATCH_QUIC_SNI:
            return TALLY_VIS_QUIC_SNI;
        case MATCH_HTTP_HOST:
            return TALLY_VIS_HTTP_HOST;
        case MATCH_DNS_QUERY:
        case MATCH_DNS:
            return TALLY_VIS_DNS;
        case MATCH_IP:
            return TALLY_VIS_IP_RANGE;
        case MATCH_STUN:
        case MATCH_PEER:
            return TALLY_VIS_STUN;
        case MATCH_PROTOCOL:
            return TALLY_VIS_PROTOCOL;
        default:
            return TALLY_VIS_NDPI;
        }
    }
    if (at->name)
        return TALLY_VIS_UNKNOWN;
    if (ech)
        return TALLY_VIS_ECH;
    if ((fd && fd->edns) || (f->flags & FLOW_F_ENCRYPTED_DNS))
        return TALLY_VIS_EDNS;
    if (f->flags & FLOW_F_MIDSTREAM)
        return TALLY_VIS_NO_HANDSHAKE;
    if (f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP)
        return TALLY_VIS_IP_ONLY;
    return TALLY_VIS_OTHER;
}

static void decide(struct worker *w, struct flow *f, bool give_up)
{
    struct flow_dpi *fd = f->dpi;
    w->stats.flows_undecided--;
    w->stats.bytes_undecided -= f->bytes[0] + f->bytes[1];
    struct dpi_result res;
    memset(&res, 0, sizeof(res));
    if (fd && fd->nd) {
        dpi_result(w->dpi, fd->nd, give_up, &res);
        if (give_up)
            w->stats.dpi_gave_up++;
        else
            w->stats.dpi_decided++;
    }
    if (fd && (!res.name[0] || fd->own_replaces) && fd->own_source != DPI_NAME_NONE) {
        res.name_source = fd->own_source;
        memcpy(res.name, fd->own_name, sizeof(res.name));
    }
    /* Behind encrypted_client_hello, the SNI in clear is the ECH provider's
     * public name, not the service the client reaches: not the flow's name. */
    bool ech = fd && fd->ech;
    if (ech && (res.name_source == DPI_NAME_SNI || res.name_source == DPI_NAME_QUIC_SNI)) {
        res.name[0] = '\0';
        res.name_source = DPI_NAME_NONE;
    }
    const char *app = res.app      ? dpi_protocol_name(w->dpi, res.app)
                      : res.master ? dpi_protocol_name(w->dpi, res.master)
                                   : NULL;
    struct flow_evidence ev = {
        .dpi = &res,
        .ndpi_app_name = app,
        .dns_name = fd ? fd->dns_name : NULL,
        .server = server_of(f),
        .peer_server = fd && fd->has_peer ? &fd->peer_server : NULL,
        .peer_name = fd && fd->has_peer && fd->peer_name[0] ? fd->peer_name : NULL,
        .peer_app = fd && fd->has_peer ? stun_app_ndpi_name((enum stun_app)fd->peer_app) : NULL,
        .peer_realm_service = fd && fd->has_peer ? fd->peer_realm_service : 0,
    };
    struct attribution at;
    classify_flow(w->rules, &ev, &at);

    const struct service *svc = catalog_service(w->rules->catalog, at.service);
    f->service_sym = svc ? svc->sym : w->sym_unclassified;
    if (dpi_is_encrypted_dns(&res) ||
        resolvers_is_encrypted_dns(w->rules->resolvers, server_of(f), f->key.proto, server_port(f)))
        f->flags |= FLOW_F_ENCRYPTED_DNS;
    enum tally_vis vis = visibility_of(f, fd, &at, ech);
    f->match = (uint8_t)(at.match | vis << 4);
    f->ndpi_master = res.master;
    f->ndpi_app = res.app;
    f->ndpi_category = (uint8_t)res.category;
    bool other = res.name[0] && !dpi_name_is_destination(res.name_source);
    f->name = names_make(at.name, other ? res.name_source : DPI_NAME_NONE, other ? res.name : NULL);
    if (at.name && at.name == ev.dns_name)
        w->stats.dns_named_flows++;
    if (w->geo && !(f->flags & FLOW_F_INTERNAL)) {
        struct geo_result g;
        if (geo_lookup(w->geo, server_of(f), &g)) {
            if (g.country[0])
                f->country = (uint16_t)((uint8_t)g.country[0] << 8 | (uint8_t)g.country[1]);
            /* Nothing names it: count it where it is hosted, not nowhere. */
            if (!svc && g.asn) {
                f->service_sym = hosted_sym(w, g.asn);
                struct tally_notes *n = w->tally ? tally_notes(w->tally) : NULL;
                if (n) /* what does not fit is counted in the notes */
                    tally_notes_add_asn(n, g.asn, g.as_org);
            }
        }
    }
    flow_dpi_free(fd);
    f->dpi = NULL;
    f->flags |= FLOW_F_DECIDED;
    if (svc)
        w->stats.flows_classified++;
    else
        w->stats.flows_unclassified++;

    if (f->flags & FLOW_F_INTERNAL)
        return;
    /* Everything the flow carried while undecided counts in its first hour. */
    struct tally_cell *c = cell_for(w, f, tally_hour_of(f->first_us));
    if (!c)
        return;
    c->bytes_up += f->bytes[0];
    c->bytes_down += f->bytes[1];
    c->packets_up += f->packets[0];
    c->packets_down += f->packets[1];
    c->vis_bytes[vis] += f->bytes[0] + f->bytes[1];
    c->vis_flows[vis]++;
    if (f->flags & FLOW_F_ENCRYPTED_DNS) {
        struct tally_notes *n = tally_notes(w->tally);
        if (n) /* what does not fit is counted in the notes */
            tally_notes_add_edns_device(n, tally_day_of_hour(tally_hour_of(f->first_us)),
                                        f->dept_sym,
                                        pseudonym_device(&w->cfg.device_key, client_of(f)));
    }
    c->flows++;
    tally_cell_seen(c, (uint32_t)(f->first_us / 1000000u));
    tally_cell_seen(c, (uint32_t)(f->last_us / 1000000u));
    f->flags |= FLOW_F_TALLIED;
}

static bool is_server_port(uint16_t port)
{
    return port > 0 && port < 1024;
}

/* The department of a client (docs/rules.md, precedence): the assignment
 * feed, the DHCP rules for the device holding the address now (its lease's
 * MAC and host name, which stay here), the VLAN, the network. */
static int department_of_client(const struct worker *w, const struct netaddr *client, uint16_t vlan,
                                const struct record_packet *rp, enum department_source *how)
{
    const struct rules *r = w->rules;
    struct department_query q = {client, vlan, NULL, NULL, rp->ts_us / 1000000u};
    struct lease lease;
    if (w->cfg.leases &&
        (departments_has_device_rules(r->departments) || r->assignments || r->assignments_hash) &&
        leases_lookup(w->cfg.leases, client, rp->ts_us, rp->seq, &lease)) {
        q.mac = lease.has_mac ? lease.mac : NULL;
        q.dhcp_name = lease.hostname[0] ? lease.hostname : NULL;
    }
    return rules_department(r, &q, how);
}

static enum tally_dept_source tally_source_of(enum department_source how)
{
    switch (how) {
    case DEPARTMENT_SOURCE_ASSIGNMENT:
        return TALLY_DEPT_ASSIGNMENT;
    case DEPARTMENT_SOURCE_DHCP_MAC:
    case DEPARTMENT_SOURCE_DHCP_NAME:
        return TALLY_DEPT_DHCP;
    case DEPARTMENT_SOURCE_VLAN:
        return TALLY_DEPT_VLAN;
    case DEPARTMENT_SOURCE_NETWORK:
        return TALLY_DEPT_NETWORK;
    case DEPARTMENT_SOURCE_NONE:
        break;
    }
    return TALLY_DEPT_UNASSIGNED;
}

/* Sets up a new flow: who is the client, which department, internal or not,
 * and what the DNS answers seen so far say about the server. */
static void start_flow(struct worker *w, struct flow *f, const struct record_packet *rp)
{
    const struct flow_key *k = &rp->key;
    uint16_t sport = k->port[rp->from_1], dport = k->port[!rp->from_1];
    bool client_is_src;
    if (k->proto == IPPROTO_TCP && (rp->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN)
        client_is_src = true;
    else if (k->proto == IPPROTO_TCP && (rp->tcp_flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK))
        client_is_src = false; /* we missed the SYN */
    else
        client_is_src = !(is_server_port(sport) && !is_server_port(dport));
    bool client_is_1 = client_is_src == (rp->from_1 != 0);
    if (client_is_1)
        f->flags |= FLOW_F_CLIENT_IS_1;

    const struct rules *r = w->rules;
    enum department_source how;
    int dept = department_of_client(w, client_of(f), k->vlan, rp, &how);
    const struct department *d = departments_get(r->departments, dept);
    f->dept_sym = d ? d->sym : w->sym_unassigned;
    FLOW_SET_DEPT_SOURCE(f, d ? tally_source_of(how) : TALLY_DEPT_UNASSIGNED);
    if (departments_is_internal(r->departments, server_of(f)) || netaddr_is_private(server_of(f)))
        f->flags |= FLOW_F_INTERNAL;

    if (k->proto == IPPROTO_TCP && !(rp->tcp_flags & TH_SYN))
        f->flags |= FLOW_F_MIDSTREAM;

    struct flow_dpi *fd = calloc(1, sizeof(*fd));
    if (!fd) {
        w->stats.dpi_refused++;
        return; /* decided below with what we know */
    }
    fd->seq = rp->seq;
    struct netaddr resolver;
    fd->edns = w->cfg.dns_bypass && peers_lookup(w->cfg.dns_bypass, client_of(f), 0, rp->ts_us,
                                                 rp->seq, &resolver, NULL);
    if (w->dns)
        dns_cache_lookup(w->dns, client_of(f), server_of(f), rp->ts_us, rp->seq, fd->dns_name,
                         sizeof(fd->dns_name), NULL);
    /* The port that asked STUN servers may open the media flow or answer it:
     * the other party of a call often sends first. */
    struct peer_hint hint = {STUN_APP_NONE, 0};
    const struct netaddr *asker = NULL;
    if (w->peers && k->proto == IPPROTO_UDP) {
        if (peers_lookup(w->peers, client_of(f), client_port(f), rp->ts_us, rp->seq,
                         &fd->peer_server, &hint))
            asker = client_of(f);
        else if (peers_lookup(w->peers, server_of(f), server_port(f), rp->ts_us, rp->seq,
                              &fd->peer_server, &hint))
            asker = server_of(f);
    }
    if (asker) {
        fd->has_peer = true;
        fd->peer_app = (uint8_t)hint.app;
        fd->peer_realm_service = hint.realm_service;
        if (w->dns)
            dns_cache_lookup(w->dns, asker, &fd->peer_server, rp->ts_us, rp->seq, fd->peer_name,
                             sizeof(fd->peer_name), NULL);
    }
    fd->nd = dpi_flow_new(w->dpi);
    if (!fd->nd)
        w->stats.dpi_refused++;
    f->dpi = fd;
}

/* Reads the client's first TCP bytes for a ClientHello: nDPI 4.2 misses some,
 * e.g. when the connection's start was not captured. */
static void read_tls(struct flow_dpi *fd, const uint8_t *payload, uint32_t len)
{
    if (!fd->tls) {
        if (len < 6 || payload[0] != 0x16 || payload[1] != 0x03)
            return; /* not a TLS handshake: stop looking */
        fd->tls = malloc(OWN_TLS_MAX);
        if (!fd->tls)
            return;
    }
    uint32_t room = OWN_TLS_MAX - fd->tls_len;
    uint32_t n = len < room ? len : room;
    memcpy(fd->tls + fd->tls_len, payload, n);
    fd->tls_len += n;
    uint8_t scratch[OWN_TLS_MAX];
    struct tls_hello hello;
    enum tls_hello_status st =
        tls_hello_from_records(fd->tls, fd->tls_len, scratch, sizeof(scratch), &hello);
    if (st == TLS_HELLO_NEED_MORE && fd->tls_len < OWN_TLS_MAX)
        return;
    if (st == TLS_HELLO_FOUND || st == TLS_HELLO_NO_SNI)
        fd->ech = hello.ech;
    if (st == TLS_HELLO_FOUND) {
        memcpy(fd->own_name, hello.sni,
               sizeof(fd->own_name) < sizeof(hello.sni) ? sizeof(fd->own_name) : sizeof(hello.sni));
        fd->own_name[sizeof(fd->own_name) - 1] = '\0';
        fd->own_source = DPI_NAME_SNI;
    }
    free(fd->tls); /* a verdict either way: the bytes are no longer needed */
    fd->tls = NULL;
    fd->tls_len = OWN_TLS_MAX; /* and do not start again */
}

/* Reassembles the client's QUIC Initials: nDPI 4.2 reads a ClientHello only
 * when it fits one packet, which modern browsers' do not. */
static void read_quic(struct flow_dpi *fd, const uint8_t *payload, uint32_t len)
{
    if (!fd->quic) {
        if (!quic_is_initial(payload, len))
            return;
        fd->quic = quic_state_new();
        if (!fd->quic)
            return;
    }
    if (quic_get_status(fd->quic) == QUIC_MORE && quic_feed(fd->quic, payload, len) == QUIC_FOUND) {
        snprintf(fd->own_name, sizeof(fd->own_name), "%s", quic_sni(fd->quic));
        fd->own_source = DPI_NAME_QUIC_SNI;
    }
    fd->ech = fd->ech || quic_ech(fd->quic);
}

/* True while one of our own readers has started and wants more packets. */
static bool own_readers_waiting(const struct flow_dpi *fd)
{
    if (fd->own_source != DPI_NAME_NONE)
        return false;
    return (fd->quic && quic_get_status(fd->quic) == QUIC_MORE) ||
           (fd->tls && fd->tls_len < OWN_TLS_MAX) || proto_names_waiting(&fd->proto);
}

/* Names nDPI 4.2 does not read, from the payloads while undecided. */
static void read_own_names(struct flow_dpi *fd, const struct flow *f,
                           const struct record_packet *rp, const uint8_t *l3, bool from_client)
{
    const uint8_t *payload = l3 + rp->payload_off;
    if (fd->own_source != DPI_NAME_NONE)
        return;
    struct proto_names_packet pk = {rp->key.proto, client_port(f), server_port(f), from_client};
    struct proto_name pn;
    if (proto_names_read(&fd->proto, &pk, payload, rp->payload_len, &pn)) {
        memcpy(fd->own_name, pn.name, sizeof(fd->own_name));
        fd->own_source = pn.source;
        fd->own_replaces = pn.replaces_ndpi;
        return;
    }
    if (!from_client)
        return;
    if (rp->key.proto == IPPROTO_UDP) {
        if (rp->key.port[!rp->from_1] == 1900 &&
            plaintext_ssdp_host(payload, rp->payload_len, fd->own_name, sizeof(fd->own_name)) > 0) {
            fd->own_source = DPI_NAME_SSDP;
            return;
        }
        read_quic(fd, payload, rp->payload_len);
    } else if (rp->key.proto == IPPROTO_TCP && fd->tls_len < OWN_TLS_MAX) {
        read_tls(fd, payload, rp->payload_len);
    }
}

/* ---- model servers inside ---- */

/* The client's first request line of an internal TCP flow: a model API's, or
 * not.  A line in pieces is gathered while the flow is undecided (the only
 * allocation, of MODEL_API_LINE_MAX bytes, and rare: clients send the line
 * in one segment); once decided, what a piece leaves open is a no. */
static void read_first_request(struct flow *f, const uint8_t *payload, uint32_t len)
{
    struct flow_dpi *fd = f->dpi;
    enum model_api_kind kind;
    enum model_api_verdict v;
    if (fd && fd->model_line) {
        uint32_t room = MODEL_API_LINE_MAX - fd->model_len;
        uint32_t n = len < room ? len : room;
        memcpy(fd->model_line + fd->model_len, payload, n);
        fd->model_len += n;
        v = model_api_request(fd->model_line, fd->model_len, &kind);
    } else {
        v = model_api_request(payload, len, &kind);
        if (v == MODEL_API_MORE && fd && (fd->model_line = malloc(MODEL_API_LINE_MAX))) {
            memcpy(fd->model_line, payload, len); /* "more" is shorter than the line max */
            fd->model_len = len;
        }
    }
    if (v == MODEL_API_MORE && fd && fd->model_line)
        return;
    f->model.state |= FLOW_MODEL_READ;
    if (v == MODEL_API_FOUND) {
        f->model.api = (uint8_t)kind;
        f->model.requests = 1;
    }
    if (fd) {
        free(fd->model_line);
        fd->model_line = NULL;
    }
}

/* Reads an internal TCP flow's payloads for a model server: the client's
 * first request line, then, if it spoke a model API, the request lines that
 * start its later segments (a retransmitted one counts again) and a success
 * status that starts one of the server's. */
static void read_model_api(struct flow *f, const uint8_t *payload, uint32_t len, bool from_client)
{
    struct flow_model *m = &f->model;
    enum model_api_kind kind;
    if (!from_client) {
        if (m->api && !(m->state & FLOW_MODEL_ANSWERED) && model_api_response_ok(payload, len))
            m->state |= FLOW_MODEL_ANSWERED;
    } else if (!(m->state & FLOW_MODEL_READ)) {
        read_first_request(f, payload, len);
    } else if (m->api && m->requests < UINT32_MAX &&
               model_api_request(payload, len, &kind) == MODEL_API_FOUND) {
        m->requests++;
    }
}

/* What a flow said of a model server: NULL unless it is internal, its client
 * spoke a model API and the server answered with success. */
static const struct flow_model *model_server_flow(const struct flow *f)
{
    if (!(f->flags & FLOW_F_INTERNAL) || !f->model.api || !(f->model.state & FLOW_MODEL_ANSWERED))
        return NULL;
    return &f->model;
}

static void handle_packet(struct worker *w, const struct record_packet *rp, const uint8_t *l3)
{
    bool created;
    struct flow *f = flow_table_get(w->flows, &rp->key, rp->hash, rp->ts_us, &created);
    if (!created && FLOW_STATE(f) == FLOW_STATE_TCP_CLOSING &&
        (rp->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
        /* A new connection reusing the 5-tuple of one that just closed. */
        flow_table_end(w->flows, f, FLOW_END_IDLE);
        f = flow_table_get(w->flows, &rp->key, rp->hash, rp->ts_us, &created);
    }
    if (created) {
        w->stats.flows_created++;
        w->stats.flows_undecided++;
        start_flow(w, f, rp);
    }
    int dir = (rp->from_1 != 0) == ((f->flags & FLOW_F_CLIENT_IS_1) != 0) ? 0 : 1;
    f->bytes[dir] += rp->ip_len;
    f->packets[dir]++;
    if (rp->ts_us > f->last_us)
        f->last_us = rp->ts_us;
    if (rp->key.proto == IPPROTO_TCP)
        flow_note_tcp_flags(f, rp->tcp_flags);
    w->stats.packets++;
    w->stats.bytes += rp->ip_len;
    if ((f->flags & FLOW_F_INTERNAL) && rp->key.proto == IPPROTO_TCP && rp->payload_len &&
        rp->fragment != FRAGMENT_LATER)
        read_model_api(f, l3 + rp->payload_off, rp->payload_len, dir == 0);

    if (!(f->flags & FLOW_F_DECIDED)) {
        w->stats.bytes_undecided += rp->ip_len; /* until decide() takes the flow's bytes */
        struct flow_dpi *fd = f->dpi;
        if (!fd || !fd->nd) {
            decide(w, f, false);
            return;
        }
        fd->packets++;
        if (rp->payload_len && rp->fragment != FRAGMENT_LATER)
            read_own_names(fd, f, rp, l3, dir == 0);
        if (!fd->ndpi_done && rp->fragment != FRAGMENT_LATER &&
            dpi_process(w->dpi, fd->nd, l3, rp->l3_len, rp->ip_len, rp->ts_us / 1000u))
            fd->ndpi_done = true;
        /* nDPI may be done before our readers (a ClientHello in two QUIC
         * packets); they get the rest of the packet budget. */
        if (fd->ndpi_done && (!own_readers_waiting(fd) || fd->packets >= w->cfg.dpi.max_packets))
            decide(w, f, false);
        else if (!fd->ndpi_done && fd->own_source == DPI_NAME_QUIC_SNI)
            decide(w, f, false); /* the SNI nDPI could not read: nothing more to learn */
        return;                  /* this packet is counted by the decision or later */
    }
    if (f->flags & FLOW_F_INTERNAL)
        return;
    struct tally_cell *c = cell_for(w, f, tally_hour_of(rp->ts_us));
    if (!c)
        return;
    if (dir == 0) {
        c->bytes_up += rp->ip_len;
        c->packets_up++;
    } else {
        c->bytes_down += rp->ip_len;
        c->packets_down++;
    }
    c->vis_bytes[FLOW_VIS(f)] += rp->ip_len;
    tally_cell_seen(c, (uint32_t)(rp->ts_us / 1000000u));
}

/* ---- flow end: the flow log ---- */

static const char *end_reason_name(enum flow_end_reason why)
{
    static const char *const names[FLOW_END_REASON_COUNT] = {"idle", "evicted", "shutdown"};
    return (unsigned)why < FLOW_END_REASON_COUNT ? names[why] : "idle";
}

/* Names a device gives itself or asks for on the local network: a DHCP host
 * name ("FIRSTNAME-imac"), NetBIOS, mDNS, LLMNR.  They often name a person. */
static bool is_device_name(enum dpi_name_source s)
{
    return s == DPI_NAME_DHCP || s == DPI_NAME_NETBIOS || s == DPI_NAME_MDNS || s == DPI_NAME_LLMNR;
}

static void write_flow_log(struct worker *w, const struct flow *f, enum flow_end_reason why)
{
    const struct rules *r = w->rules;
    int svc_idx = catalog_find_sym(r->catalog, f->service_sym);
    const struct service *svc = catalog_service(r->catalog, svc_idx);
    int dept_idx = departments_find(r->departments, symbol_name(f->dept_sym));
    enum policy_status status = policy_status(r->policy, svc_idx, dept_idx);

    char device[PSEUDONYM_STRLEN], label[96], country[3] = {0};
    struct geo_result g = {0};
    if (w->geo && !(f->flags & FLOW_F_INTERNAL))
        geo_lookup(w->geo, server_of(f), &g); /* the owner is not kept in the flow */
    pseudonym_format(pseudonym_device(&w->cfg.device_key, client_of(f)), device);
    struct dpi_result res = {.master = f->ndpi_master, .app = f->ndpi_app};
    dpi_label(w->dpi, &res, label, sizeof(label));
    enum dpi_name_source other_source = names_other_source(f->name);
    const char *other_name = names_other(f->name);
    if (is_device_name(other_source) && !w->cfg.log_device_names)
        other_name = NULL;
    char tenant[CATALOG_TENANT_MAX + 1];
    enum tally_tenant tclass = (f->flags & FLOW_F_INTERNAL)
                                   ? TALLY_TENANT_NA
                                   : tenant_of_flow(w, f, tenant, sizeof(tenant));
    if (f->country) {
        country[0] = (char)(f->country >> 8);
        country[1] = (char)(f->country & 0xff);
    }
    const struct flow_model *model = model_server_flow(f);
    char server[PSEUDONYM_STRLEN];
    if (model)
        pseudonym_format(pseudonym_device(&w->cfg.device_key, server_of(f)), server);
    struct flowlog_record rec = {
        .start_us = f->first_us,
        .end_us = f->last_us,
        .client = client_of(f),
        .server = server_of(f),
        .client_port = client_port(f),
        .server_port = server_port(f),
        .transport = f->key.proto,
        .vlan = f->key.vlan,
        .bytes_up = f->bytes[0],
        .bytes_down = f->bytes[1],
        .packets_up = f->packets[0],
        .packets_down = f->packets[1],
        .domain = names_domain(f->name),
        .other_name = other_name,
        .other_name_source = dpi_name_source_name(other_source),
        .sensor = w->cfg.sensor_id,
        .department = symbol_name(f->dept_sym),
        .department_source = tally_dept_source_name((enum tally_dept_source)FLOW_DEPT_SOURCE(f)),
        .device = device,
        .service_id = svc ? svc->id : NULL,
        .service_name = svc ? svc->name : NULL,
        .service_category = svc ? catalog_category_name(svc->category) : NULL,
        .service_status = policy_status_name(status),
        .match = classify_match_name((enum match_kind)FLOW_MATCH(f)),
        .visibility = tally_vis_name((enum tally_vis)FLOW_VIS(f)),
        .tenant_class = tally_tenant_name(tclass),
        .tenant = tclass != TALLY_TENANT_NA && tenant[0] ? tenant : NULL,
        .ndpi_protocol = label,
        .ndpi_category = dpi_category_name(w->dpi, f->ndpi_category),
        .country = f->country ? country : NULL,
        .asn = g.asn,
        .as_org = g.as_org[0] ? g.as_org : NULL,
        .internal = (f->flags & FLOW_F_INTERNAL) != 0,
        .end_reason = end_reason_name(why),
        .model_api = model ? model_api_kind_name((enum model_api_kind)model->api) : NULL,
        .model_server = model ? server : NULL,
        .model_requests = model ? model->requests : 0,
    };
    if (flowlog_write(w->log, &rec) != 0)
        w->stats.flowlog_errors++;
}

/* An unclassified flow that carried a host name: a candidate service (by its
 * registrable domain), or a name counted apart (classify/unknown.h).  A
 * server name: nothing about the client but its pseudonym. */
_Static_assert((int)UNKNOWN_CANDIDATE == (int)TALLY_UNKNOWN_CANDIDATE &&
                   (int)UNKNOWN_PUBLIC_SUFFIX == (int)TALLY_UNKNOWN_PUBLIC_SUFFIX &&
                   (int)UNKNOWN_KIND_COUNT == (int)TALLY_UNKNOWN_OVERFLOW,
               "the notes' kinds are unknown_classify's, then overflow");

static void note_unknown(struct worker *w, const struct flow *f)
{
    const char *host = names_domain(f->name);
    if (!host || !w->tally || (f->flags & FLOW_F_INTERNAL) || FLOW_VIS(f) != TALLY_VIS_UNKNOWN)
        return;
    struct tally_notes *n = tally_notes(w->tally);
    if (!n)
        return;
    char domain[HOSTNAME_MAX + 1];
    enum unknown_kind kind = unknown_classify(host, w->rules->resolvers, domain, sizeof(domain));
    /* A resolver reached by a name its list does not hold is still one. */
    if (kind == UNKNOWN_CANDIDATE && (f->flags & FLOW_F_ENCRYPTED_DNS)) {
        kind = UNKNOWN_RESOLVER;
        domain[0] = '\0';
    }
    struct tally_unknown_note note = {
        .day = tally_day_of_hour(tally_hour_of(f->first_us)),
        .dept_sym = f->dept_sym,
        .kind = (uint8_t)kind, /* the same numbers as enum tally_unknown_kind */
        .domain = domain,
        .host = host,
        .bytes_up = f->bytes[0],
        .bytes_down = f->bytes[1],
        .flows = 1,
        .first_seen = (uint32_t)(f->first_us / 1000000u),
        .last_seen = (uint32_t)(f->last_us / 1000000u),
    };
    /* what does not fit goes to the overflow entry, counted in the notes */
    tally_notes_add_unknown(n, &note, pseudonym_device(&w->cfg.device_key, client_of(f)));
}

/* A flow to another customer's tenant of a service: its tenant's name, for
 * the report's list of other tenants (tally_notes.h). */
static void note_tenant(struct worker *w, const struct flow *f)
{
    if (!w->tally || (f->flags & (FLOW_F_INTERNAL | FLOW_F_TALLIED)) != FLOW_F_TALLIED)
        return;
    char tenant[CATALOG_TENANT_MAX + 1];
    if (tenant_of_flow(w, f, tenant, sizeof(tenant)) != TALLY_TENANT_OTHER)
        return;
    struct tally_notes *n = tally_notes(w->tally);
    if (!n)
        return;
    struct tally_unknown_note note = {
        .day = tally_day_of_hour(tally_hour_of(f->first_us)),
        .dept_sym = f->dept_sym,
        .domain = symbol_name(f->service_sym),
        .host = tenant,
        .bytes_up = f->bytes[0],
        .bytes_down = f->bytes[1],
        .flows = 1,
        .first_seen = (uint32_t)(f->first_us / 1000000u),
        .last_seen = (uint32_t)(f->last_us / 1000000u),
    };
    /* what does not fit is counted in the notes */
    tally_notes_add_tenant(n, &note, pseudonym_device(&w->cfg.device_key, client_of(f)));
}

/* A flow to a model server inside: noted per day, server pseudonym, port,
 * API and the departments of server and client, with the client's
 * pseudonym.  The server's address goes nowhere but the flow log. */
static void note_ai_server(struct worker *w, const struct flow *f)
{
    const struct flow_model *m = model_server_flow(f);
    struct tally_notes *n = m && w->tally ? tally_notes(w->tally) : NULL;
    if (!n)
        return;
    const struct departments *depts = w->rules->departments;
    const struct department *d =
        departments_get(depts, departments_lookup(depts, server_of(f), f->key.vlan));
    struct tally_ai_server_note note = {
        .day = tally_day_of_hour(tally_hour_of(f->first_us)),
        .server = pseudonym_device(&w->cfg.device_key, server_of(f)),
        .port = server_port(f),
        .api = m->api,
        .server_dept_sym = d ? d->sym : w->sym_unassigned,
        .client_dept_sym = f->dept_sym,
        .bytes_up = f->bytes[0],
        .bytes_down = f->bytes[1],
        .flows = 1,
        .requests = m->requests,
    };
    /* what does not fit is counted in the notes */
    tally_notes_add_ai_server(n, &note, pseudonym_device(&w->cfg.device_key, client_of(f)));
}

static void on_flow_end(void *ctx, struct flow *f, enum flow_end_reason why)
{
    struct worker *w = ctx;
    if (!(f->flags & FLOW_F_DECIDED))
        decide(w, f, true);
    if (w->log)
        write_flow_log(w, f, why);
    note_unknown(w, f);
    note_tenant(w, f);
    note_ai_server(w, f);
    w->stats.flows_ended[why]++;
    if (f->flags & FLOW_F_INTERNAL)
        w->stats.flows_internal++;
    free(f->name);
    f->name = NULL;
}

/* ---- thread ---- */

static void publish_stats(struct worker *w)
{
    struct flow_table_stats fs;
    flow_table_get_stats(w->flows, &fs);
    w->stats.flows_active = fs.active;
    w->stats.flows_peak = fs.peak_active;
    w->stats.flow_memory = flow_table_memory(w->flows);
    w->stats.tally_cells = w->tally ? tally_count(w->tally) : 0;
    w->stats.ring_waits = ring_producer_waits(w->ring);
    pthread_mutex_lock(&w->stats_lock);
    w->published = w->stats;
    pthread_mutex_unlock(&w->stats_lock);
}

static void hand_over_tally(struct worker *w, bool final)
{
    struct tally *fresh = final ? NULL : tally_new();
    if (!final && !fresh) {
        /* Keep counting into the old table; it goes out with the next flush. */
        w->stats.tally_failures++;
        return;
    }
    flusher_submit(w->flusher, w->id, w->tally, final);
    w->tally = fresh;
    w->tally_epoch++;
}

/* Sweeps a slice of the table so that a full pass takes about 64 slices. */
static void sweep(struct worker *w, uint64_t now_us)
{
    uint32_t slice = flow_table_used(w->flows) / 64 + 64;
    flow_table_sweep(w->flows, now_us, slice);
    w->last_sweep_us = now_us;
}

/* The end of the input (or a stop): every flow ends, as idle when it is idle
 * at now_us.  A sweep would have said so sooner or later; which flows it had
 * reached is a matter of the worker's share of the traffic, and the flow log
 * says the same whatever the number of workers. */
static void end_all(struct worker *w, uint64_t now_us)
{
    flow_table_sweep(w->flows, now_us, UINT32_MAX);
    flow_table_end_all(w->flows);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        size_t len;
        const uint8_t *rec = ring_peek(w->ring, &len);
        if (!rec)
            break;
        uint32_t kind;
        memcpy(&kind, rec, sizeof(kind));
        if (kind == REC_PACKET) {
            const struct record_packet *rp = (const struct record_packet *)rec;
            atomic_store_explicit(&w->clock_us, rp->ts_us, memory_order_relaxed);
            handle_packet(w, rp, rec + sizeof(*rp));
            atomic_store_explicit(&w->done_seq, rp->seq + 1, memory_order_release);
            if (rp->ts_us > w->last_sweep_us + 100000u)
                sweep(w, rp->ts_us);
            ring_release(w->ring);
            continue;
        }
        const struct record_control *rc = (const struct record_control *)rec;
        switch (kind) {
        case REC_TICK:
            atomic_store_explicit(&w->clock_us, rc->now_us, memory_order_relaxed);
            sweep(w, rc->now_us);
            publish_stats(w);
            break;
        case REC_FLUSH:
            hand_over_tally(w, false);
            publish_stats(w);
            break;
        case REC_RULES:
            rules_release(w->rules);
            w->rules = rc->rules;
            break;
        case REC_STOP:
            end_all(w, rc->now_us);
            hand_over_tally(w, true);
            publish_stats(w);
            ring_release(w->ring);
            return NULL;
        }
        ring_release(w->ring);
    }
    return NULL;
}

int worker_start(struct worker *w)
{
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
        return -1;
    char name[16];
    snprintf(name, sizeof(name), "st-worker-%u", w->id);
    pthread_setname_np(w->thread, name);
    w->started = true;
    return 0;
}

void worker_join(struct worker *w)
{
    if (w->started) {
        pthread_join(w->thread, NULL);
        w->started = false;
    }
}

/* ---- capture-thread side ---- */

static void fill_record(uint8_t *rec, const struct packet *p, const struct flow_key *key,
                        bool from_1, uint64_t hash, uint64_t ts_us, uint64_t seq, uint32_t l3_len)
{
    struct record_packet *rp = (struct record_packet *)rec;
    rp->kind = REC_PACKET;
    rp->ip_len = p->ip_len;
    rp->ts_us = ts_us;
    rp->seq = seq;
    rp->hash = hash;
    rp->key = *key;
    rp->l3_len = l3_len;
    rp->from_1 = from_1;
    rp->tcp_flags = p->tcp_flags;
    rp->fragment = p->fragment;
    rp->pad = 0;
    rp->payload_off = 0;
    rp->payload_len = 0;
    if (p->payload && p->payload >= p->l3 && p->payload < p->l3 + l3_len) {
        rp->payload_off = (uint32_t)(p->payload - p->l3);
        rp->payload_len = p->payload_caplen;
        if (rp->payload_off + rp->payload_len > l3_len)
            rp->payload_len = l3_len - rp->payload_off;
    }
    memcpy(rec + sizeof(*rp), p->l3, l3_len);
}

void worker_send_packet(struct worker *w, const struct packet *p, const struct flow_key *key,
                        bool from_1, uint64_t hash, uint64_t ts_us, uint64_t seq)
{
    uint32_t l3_len = p->l3_caplen;
    size_t max = ring_max_record(w->ring) - sizeof(struct record_packet);
    if (l3_len > max)
        l3_len = (uint32_t)max;
    uint8_t *rec = ring_reserve(w->ring, sizeof(struct record_packet) + l3_len);
    fill_record(rec, p, key, from_1, hash, ts_us, seq, l3_len);
    ring_commit_lazy(w->ring); /* ticks (every second, or 100 ms live) wake it too */
}

void worker_feed_packet(struct worker *w, const struct packet *p, const struct flow_key *key,
                        bool from_1, uint64_t hash, uint64_t ts_us, uint64_t seq)
{
    uint32_t l3_len = p->l3_caplen > 65535 ? 65535 : p->l3_caplen;
    /* Same layout as in the ring, so the thread's path is the one exercised. */
    uint64_t *buf = malloc(sizeof(struct record_packet) + l3_len + sizeof(uint64_t));
    if (!buf)
        return;
    uint8_t *rec = (uint8_t *)buf;
    fill_record(rec, p, key, from_1, hash, ts_us, seq, l3_len);
    const struct record_packet *rp = (const struct record_packet *)rec;
    atomic_store_explicit(&w->clock_us, ts_us, memory_order_relaxed);
    handle_packet(w, rp, rec + sizeof(*rp));
    atomic_store_explicit(&w->done_seq, seq + 1, memory_order_release);
    if (ts_us > w->last_sweep_us + 100000u)
        sweep(w, ts_us);
    free(buf);
}

void worker_feed_tick(struct worker *w, uint64_t now_us)
{
    sweep(w, now_us);
}

void worker_finish(struct worker *w, uint64_t now_us)
{
    end_all(w, now_us);
    hand_over_tally(w, true);
    publish_stats(w);
}

static void send_control(struct worker *w, uint32_t kind, uint64_t now_us, struct rules *rules)
{
    struct record_control *rc = ring_reserve(w->ring, sizeof(*rc));
    rc->kind = kind;
    rc->pad = 0;
    rc->now_us = now_us;
    rc->rules = rules;
    ring_commit(w->ring);
}

void worker_send_tick(struct worker *w, uint64_t now_us)
{
    send_control(w, REC_TICK, now_us, NULL);
}

void worker_send_flush(struct worker *w)
{
    send_control(w, REC_FLUSH, 0, NULL);
}

void worker_send_rules(struct worker *w, struct rules *rules)
{
    send_control(w, REC_RULES, 0, rules);
}

void worker_send_stop(struct worker *w, uint64_t now_us)
{
    send_control(w, REC_STOP, now_us, NULL);
}

uint64_t worker_clock(struct worker *w)
{
    /* Read the clock first: if the ring is drained after that, every packet
     * sent so far has been handled, whatever the clock says. */
    uint64_t t = atomic_load_explicit(&w->clock_us, memory_order_relaxed);
    return ring_drained(w->ring) ? UINT64_MAX : t;
}

uint64_t worker_horizon(struct worker *w, uint64_t next_seq)
{
    /* As worker_clock: progress first, then the ring; drained after the read,
     * every packet sent so far is handled and the next to come is next_seq. */
    uint64_t done = atomic_load_explicit(&w->done_seq, memory_order_acquire);
    return ring_drained(w->ring) ? next_seq : done;
}

void worker_get_stats(struct worker *w, struct worker_stats *out)
{
    pthread_mutex_lock(&w->stats_lock);
    *out = w->published;
    pthread_mutex_unlock(&w->stats_lock);
}
