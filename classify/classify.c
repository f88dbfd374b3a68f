/*
 * classify.c - weigh a flow's evidence against the catalog.
 */
#include "classify.h"

#include <string.h>

static const char *const match_names[MATCH_KIND_COUNT] = {
    "none",     "sni", "quic-sni", "http-host", "dns-query", "stun",
    "protocol", "dns", "ip",       "stun-peer", "ndpi"};

const char *classify_match_name(enum match_kind m)
{
    return (unsigned)m < MATCH_KIND_COUNT ? match_names[m] : "none";
}

static enum match_kind kind_of(enum dpi_name_source s)
{
    switch (s) {
    case DPI_NAME_SNI:
        return MATCH_SNI;
    case DPI_NAME_QUIC_SNI:
        return MATCH_QUIC_SNI;
    case DPI_NAME_HTTP_HOST:
        return MATCH_HTTP_HOST;
    case DPI_NAME_DNS_QUERY:
        return MATCH_DNS_QUERY;
    case DPI_NAME_STUN:
        return MATCH_STUN;
    case DPI_NAME_PROTOCOL:
        return MATCH_PROTOCOL;
    default:
        break;
    }
    return MATCH_NONE;
}

void classify_flow(const struct rules *r, const struct flow_evidence *ev, struct attribution *out)
{
    const struct catalog *c = r->catalog;
    out->service = -1;
    out->match = MATCH_NONE;
    out->name = NULL;

    const char *own = ev->dpi && ev->dpi->name[0] && dpi_name_is_destination(ev->dpi->name_source)
                          ? ev->dpi->name
                          : NULL;
    const char *dns = ev->dns_name && ev->dns_name[0] ? ev->dns_name : NULL;
    /* A DNS flow's query name says what was looked up, not where the flow goes:
     * it is reported as the flow's name but the server is the resolver. */
    out->name = own ? own : dns;

    if (own) {
        int s = catalog_match_host(c, own, strlen(own), NULL);
        if (s >= 0) {
            out->service = s;
            out->match = kind_of(ev->dpi->name_source);
            return;
        }
    }
    if (dns && !(ev->dpi && ev->dpi->name_source == DPI_NAME_DNS_QUERY)) {
        int s = catalog_match_host(c, dns, strlen(dns), NULL);
        if (s >= 0) {
            out->service = s;
            out->match = MATCH_DNS;
            return;
        }
    }
    if (ev->server) {
        int s = catalog_match_addr(c, ev->server);
        if (s >= 0) {
            out->service = s;
            out->match = MATCH_IP;
            return;
        }
    }
    if (ev->peer_server) {
        int s = ev->peer_realm_service ? catalog_find_sym(c, ev->peer_realm_service) : -1;
        if (s < 0 && ev->peer_name)
            s = catalog_match_host(c, ev->peer_name, strlen(ev->peer_name), NULL);
        if (s < 0 && ev->peer_app)
            s = catalog_match_ndpi(c, ev->peer_app);
        if (s < 0)
            s = catalog_match_addr(c, ev->peer_server);
        if (s >= 0) {
            out->service = s;
            out->match = MATCH_PEER;
            return;
        }
    }
    if (ev->ndpi_app_name) {
        int s = catalog_match_ndpi(c, ev->ndpi_app_name);
        if (s >= 0) {
            out->service = s;
            out->match = MATCH_NDPI;
            return;
        }
    }
}
