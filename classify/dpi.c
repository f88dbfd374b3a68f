/*
 * dpi.c - glue between shadowtap's flows and nDPI 4.2.
 *
 * The allocator wrappers keep a size header in front of every block so frees
 * can be counted: nDPI 4.2 calls ndpi_free(ptr) without a size.  The counter is
 * one atomic shared by all workers (nDPI's hooks are process-wide).
 *
 * The memory cap is checked when a flow would get nDPI state, with room kept
 * for that state and the buffers a flow grows while nDPI reads it (TLS
 * reassembly), so that workers starting flows at the same moment do not pass
 * the cap together.  nDPI cannot be refused memory once it has a flow (4.2's
 * dissectors do not all survive a failed allocation), so the cap bounds what
 * new flows may take rather than every allocation.
 *
 * nDPI 4.2 also remembers across flows, inside the detection module: the
 * Ookla, BitTorrent, Zoom, STUN, TLS certificate, mining and Teams caches are
 * keyed by addresses and ports, filled when one flow is detected and read to
 * name later ones.  Which flows share a module is a matter of which worker
 * they hash to, so those caches made the same capture give other names on
 * another run or with another number of workers (and named every later
 * loopback flow "Mining" once one was).  Each undecided flow here carries its
 * own one-entry caches, put into the module around each call and taken out
 * after it: nDPI still reads within a flow what it wrote there, but nothing
 * passes from one flow to another, so a flow's verdict depends on its own
 * packets only.  scripts/eval-corpus measures what that costs.
 *
 * The protocol list (dpi_protocol_count, dpi_protocol_info) is read from the
 * module, not from nDPI's headers: the test that keeps every nDPI protocol
 * either in the catalog or in rules/ndpi-protocols.conf checks the library
 * that is linked, whatever release that is.
 */
#include "dpi.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nDPI 4.2 shows the detection module's fields, where its cross-flow caches
 * are, only to its own sources; the installed ndpi_config.h is the one the
 * library was built with, so the layout is the library's.  dpi_new() checks
 * it against two accessors before touching a field, and leaves the caches
 * alone if they disagree. */
#define NDPI_LIB_COMPILATION
#include <ndpi_api.h>

#include "log.h"

struct dpi {
    struct ndpi_detection_module_struct *ndpi;
    struct dpi_limits limits;
    bool flow_caches; /* the module's layout is known: each flow gets its own caches */
};

/* nDPI's cross-flow caches (ndpi_typedefs.h), each a one-entry cache per flow. */
enum dpi_cache {
    DPI_CACHE_OOKLA,
    DPI_CACHE_BITTORRENT,
    DPI_CACHE_ZOOM,
    DPI_CACHE_STUN,
    DPI_CACHE_TLS_CERT,
    DPI_CACHE_MINING,
    DPI_CACHE_MSTEAMS,
    DPI_CACHE_COUNT
};

struct dpi_flow {
    struct ndpi_flow_struct *ndpi;
    ndpi_protocol last;
    uint32_t packets;
    uint32_t bytes;
    struct ndpi_lru_cache caches[DPI_CACHE_COUNT];
    struct ndpi_lru_cache_entry cache_entries[DPI_CACHE_COUNT];
};

/* ---- counting allocator ---- */

/* Room a new flow needs under the cap: nDPI's flow struct (about 1 KB) and
 * reassembly buffers of a few packets. */
#define DPI_FLOW_RESERVE (64u * 1024u)

static atomic_size_t dpi_memory, dpi_memory_max;
static atomic_uint_fast64_t dpi_refused;
static size_t dpi_memory_cap;

/* Keeps max_align_t alignment for the caller's block. */
union alloc_header {
    size_t size;
    max_align_t align;
};

static void *counting_malloc(size_t size)
{
    union alloc_header *h = malloc(sizeof(*h) + size);
    if (!h)
        return NULL;
    h->size = size;
    size_t now = atomic_fetch_add_explicit(&dpi_memory, size + sizeof(*h), memory_order_relaxed) +
                 size + sizeof(*h);
    size_t peak = atomic_load_explicit(&dpi_memory_max, memory_order_relaxed);
    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&dpi_memory_max, &peak, now, memory_order_relaxed,
                                                  memory_order_relaxed))
        ;
    return h + 1;
}

static void counting_free(void *p)
{
    if (!p)
        return;
    union alloc_header *h = (union alloc_header *)p - 1;
    atomic_fetch_sub_explicit(&dpi_memory, h->size + sizeof(*h), memory_order_relaxed);
    free(h);
}

void dpi_global_init(size_t memory_cap)
{
    dpi_memory_cap = memory_cap;
    set_ndpi_malloc(counting_malloc);
    set_ndpi_free(counting_free);
    set_ndpi_flow_malloc(counting_malloc);
    set_ndpi_flow_free(counting_free);
}

size_t dpi_memory_in_use(void)
{
    return atomic_load_explicit(&dpi_memory, memory_order_relaxed);
}

size_t dpi_memory_peak(void)
{
    return atomic_load_explicit(&dpi_memory_max, memory_order_relaxed);
}

uint64_t dpi_flows_refused(void)
{
    return atomic_load_explicit(&dpi_refused, memory_order_relaxed);
}

/* ---- module ---- */

/* The slot of each cross-flow cache in nDPI 4.2's module. */
static struct ndpi_lru_cache **cache_slot(struct ndpi_detection_module_struct *m, enum dpi_cache c)
{
    switch (c) {
    case DPI_CACHE_OOKLA:
        return &m->ookla_cache;
    case DPI_CACHE_BITTORRENT:
        return &m->bittorrent_cache;
    case DPI_CACHE_ZOOM:
        return &m->zoom_cache;
    case DPI_CACHE_STUN:
        return &m->stun_cache;
    case DPI_CACHE_TLS_CERT:
        return &m->tls_cert_cache;
    case DPI_CACHE_MINING:
        return &m->mining_cache;
    default:
        return &m->msteams_cache;
    }
}

/* Puts the flow's own caches into the module for one call (see the top). */
static void caches_enter(struct dpi *d, struct dpi_flow *f)
{
    if (!d->flow_caches)
        return;
    for (int c = 0; c < DPI_CACHE_COUNT; c++)
        *cache_slot(d->ndpi, (enum dpi_cache)c) = &f->caches[c];
}

/* Takes them out again: between calls the module holds no cache, and at its
 * end nDPI frees none of ours. */
static void caches_leave(struct dpi *d)
{
    if (!d->flow_caches)
        return;
    for (int c = 0; c < DPI_CACHE_COUNT; c++)
        *cache_slot(d->ndpi, (enum dpi_cache)c) = NULL;
}

/* Frees the caches nDPI made for the module itself: flows bring their own. */
static void caches_drop(struct dpi *d)
{
    for (int c = 0; c < DPI_CACHE_COUNT; c++) {
        struct ndpi_lru_cache **slot = cache_slot(d->ndpi, (enum dpi_cache)c);
        if (*slot)
            ndpi_lru_free_cache(*slot);
        *slot = NULL;
    }
}

/* True when the module's fields sit where this file was compiled to find them:
 * two fields read directly agree with the library's own accessors. */
static bool module_layout_known(struct ndpi_detection_module_struct *m)
{
    return ndpi_get_proto_defaults(m) == m->proto_defaults &&
           ndpi_get_num_supported_protocols(m) == m->ndpi_num_supported_protocols;
}

struct dpi *dpi_new(const struct dpi_limits *limits)
{
    struct dpi *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->limits = *limits;
    /* Tor exit lists are address-based guesses we do not want in DPI verdicts;
     * libgcrypt is initialised by nDPI for QUIC Initial decryption. */
    d->ndpi = ndpi_init_detection_module(ndpi_dont_load_tor_hosts);
    if (!d->ndpi) {
        free(d);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->ndpi, &all);
    ndpi_finalize_initialization(d->ndpi);
    d->flow_caches = module_layout_known(d->ndpi);
    if (!d->flow_caches)
        log_warning("nDPI's detection module is not laid out as its header says: its caches "
                    "stay shared between flows, and results may differ from run to run");
    else
        caches_drop(d);
    return d;
}

void dpi_free(struct dpi *d)
{
    if (!d)
        return;
    ndpi_exit_detection_module(d->ndpi);
    free(d);
}

struct dpi_flow *dpi_flow_new(struct dpi *d)
{
    if (dpi_memory_cap && dpi_memory_in_use() + DPI_FLOW_RESERVE > dpi_memory_cap) {
        atomic_fetch_add_explicit(&dpi_refused, 1, memory_order_relaxed);
        return NULL;
    }
    struct dpi_flow *f = calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->ndpi = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
    if (!f->ndpi) {
        free(f);
        return NULL;
    }
    memset(f->ndpi, 0, SIZEOF_FLOW_STRUCT);
    for (int c = 0; c < DPI_CACHE_COUNT; c++) {
        f->caches[c].num_entries = 1;
        f->caches[c].entries = &f->cache_entries[c];
    }
    return f;
}

void dpi_flow_free(struct dpi_flow *f)
{
    if (!f)
        return;
    ndpi_free_flow(f->ndpi); /* frees nDPI's buffers and the struct itself */
    free(f);
}

static enum dpi_name_source name_source(ndpi_protocol p);

bool dpi_process(struct dpi *d, struct dpi_flow *f, const uint8_t *l3, uint32_t len,
                 uint32_t ip_len, uint64_t ts_ms)
{
    if (len > 0xffff)
        len = 0xffff; /* nDPI takes an unsigned short; the headers are in the first bytes */
    caches_enter(d, f);
    f->last = ndpi_detection_process_packet(d->ndpi, f->ndpi, l3, (unsigned short)len, ts_ms);
    caches_leave(d);
    f->packets++;
    f->bytes += ip_len;

    bool detected = f->last.app_protocol != NDPI_PROTOCOL_UNKNOWN ||
                    f->last.master_protocol != NDPI_PROTOCOL_UNKNOWN;
    if (detected) {
        if (!ndpi_extra_dissection_possible(d->ndpi, f->ndpi))
            return true;
        /* The name is what we came for; the certificate adds nothing we use. */
        if (f->ndpi->host_server_name[0] && name_source(f->last) != DPI_NAME_NONE)
            return true;
    }
    return f->packets >= d->limits.max_packets || f->bytes >= d->limits.max_bytes;
}

static const char *const source_names[DPI_NAME_SOURCE_COUNT] = {
    "",     "sni",     "quic-sni", "http-host", "dns-query", "stun", "protocol", "llmnr",
    "mdns", "netbios", "dhcp",     "ssh",       "whois",     "ssdp", "banner"};

const char *dpi_name_source_name(enum dpi_name_source s)
{
    return (unsigned)s < DPI_NAME_SOURCE_COUNT ? source_names[s] : "";
}

/* What nDPI's host_server_name means for a verdict: nDPI 4.2 keeps DNS and
 * NetBIOS names, HTTP and DHCP host names, WHOIS queries, TLS/QUIC SNI and the
 * STUN realm in that one field. */
static enum dpi_name_source name_source(ndpi_protocol p)
{
    uint16_t app = p.app_protocol, master = p.master_protocol;
    /* Protocols nDPI reports as the application name the field themselves. */
    switch (app) {
    case NDPI_PROTOCOL_LLMNR:
        return DPI_NAME_LLMNR;
    case NDPI_PROTOCOL_MDNS:
        return DPI_NAME_MDNS;
    case NDPI_PROTOCOL_NETBIOS:
        return DPI_NAME_NETBIOS;
    case NDPI_PROTOCOL_DHCP:
    case NDPI_PROTOCOL_DHCPV6:
        return DPI_NAME_DHCP;
    case NDPI_PROTOCOL_WHOIS_DAS:
        return DPI_NAME_WHOIS;
    default:
        break;
    }
    switch (master != NDPI_PROTOCOL_UNKNOWN ? master : app) {
    case NDPI_PROTOCOL_TLS:
    case NDPI_PROTOCOL_DTLS:
        return DPI_NAME_SNI;
    case NDPI_PROTOCOL_QUIC:
        return DPI_NAME_QUIC_SNI;
    case NDPI_PROTOCOL_HTTP:
    case NDPI_PROTOCOL_HTTP_CONNECT:
    case NDPI_PROTOCOL_HTTP_PROXY:
        return DPI_NAME_HTTP_HOST;
    case NDPI_PROTOCOL_DNS:
        return DPI_NAME_DNS_QUERY;
    case NDPI_PROTOCOL_STUN:
        return DPI_NAME_STUN;
    case NDPI_PROTOCOL_NETBIOS:
        return DPI_NAME_NETBIOS;
    case NDPI_PROTOCOL_SSH:
        return DPI_NAME_SSH;
    default:
        return DPI_NAME_NONE;
    }
}

void dpi_result(struct dpi *d, struct dpi_flow *f, bool give_up, struct dpi_result *out)
{
    memset(out, 0, sizeof(*out));
    ndpi_protocol p = f->last;
    if (give_up && p.app_protocol == NDPI_PROTOCOL_UNKNOWN &&
        p.master_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        caches_enter(d, f);
        p = ndpi_detection_giveup(d->ndpi, f->ndpi, 1, &guessed);
        caches_leave(d);
        out->guessed = guessed != 0;
    }
    out->master = p.master_protocol;
    out->app = p.app_protocol;
    out->category = (uint16_t)p.category;
    /* nDPI puts the carrier in app when there is no sub-protocol ("TLS" alone). */
    if (out->master == out->app)
        out->master = NDPI_PROTOCOL_UNKNOWN;

    enum dpi_name_source src = name_source(p);
    if (src == DPI_NAME_NONE)
        return;
    const char *raw = f->ndpi->host_server_name;
    size_t cap = sizeof(f->ndpi->host_server_name);
    if (src == DPI_NAME_SSH) {
        raw = f->ndpi->protos.ssh.client_signature;
        cap = sizeof(f->ndpi->protos.ssh.client_signature);
    }
    size_t n = strnlen(raw, cap);
    size_t got = dpi_name_is_destination(src)
                     ? hostname_normalize(raw, n, out->name, sizeof(out->name))
                     : hostname_printable(raw, n, out->name, sizeof(out->name));
    if (got > 0)
        out->name_source = src;
}

bool dpi_is_encrypted_dns(const struct dpi_result *r)
{
    static const uint16_t ids[] = {NDPI_PROTOCOL_DOH_DOT, NDPI_PROTOCOL_DNSCRYPT};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        if (r->master == ids[i] || r->app == ids[i])
            return true;
    return false;
}

const char *dpi_protocol_name(const struct dpi *d, uint16_t id)
{
    const char *name = ndpi_get_proto_name(d->ndpi, id);
    return name ? name : "Unknown";
}

const char *dpi_label(const struct dpi *d, const struct dpi_result *r, char *buf, size_t len)
{
    if (r->master && r->app)
        snprintf(buf, len, "%s.%s", dpi_protocol_name(d, r->master), dpi_protocol_name(d, r->app));
    else
        snprintf(buf, len, "%s", dpi_protocol_name(d, r->app ? r->app : r->master));
    return buf;
}

const char *dpi_category_name(const struct dpi *d, uint16_t category)
{
    const char *name = ndpi_category_get_name(d->ndpi, (ndpi_protocol_category_t)category);
    return name ? name : "Unspecified";
}

/* ---- the protocol list ---- */

uint16_t dpi_protocol_count(const struct dpi *d)
{
    unsigned n = ndpi_get_num_supported_protocols(d->ndpi);
    return n > UINT16_MAX ? UINT16_MAX : (uint16_t)n; /* flows carry 16-bit ids */
}

bool dpi_protocol_info(const struct dpi *d, uint16_t id, struct dpi_protocol *out)
{
    if (id >= dpi_protocol_count(d))
        return false;
    const ndpi_proto_defaults_t *def = &ndpi_get_proto_defaults(d->ndpi)[id];
    const char *breed = ndpi_get_proto_breed_name(d->ndpi, def->protoBreed);
    out->id = id;
    snprintf(out->name, sizeof(out->name), "%s", dpi_protocol_name(d, id));
    snprintf(out->category, sizeof(out->category), "%s", dpi_category_name(d, def->protoCategory));
    snprintf(out->breed, sizeof(out->breed), "%s", breed ? breed : "Unrated");
    return true;
}
