/*
 * classify.h - decide which service a flow was, and how we know.
 *
 * The evidence about a flow (the name it carried, the name its client resolved
 * for the server address, the server address, nDPI's verdict) is weighed in a
 * fixed order, strongest first:
 *
 *   1. the flow's own name (TLS/QUIC SNI, HTTP Host, DNS query name, STUN realm,
 *      or a server name another protocol carries: proto_names.h)
 *   2. the name the client resolved for the server address (DNS answers seen)
 *   3. the server address in a service's published IP ranges
 *   4. the service of the STUN server the client's port talked to just before
 *      (peers.h): a call's media flow inherits the service that set it up; by
 *      the REALM the client's STUN requests named, else the name the client
 *      resolved for that server, else the application the requests marked
 *      (stun.h), else the server's address
 *   5. nDPI's application protocol listed by a service
 *
 * and the first that names a catalog service wins.  A flow none of them names
 * is "unclassified".  The result records which rule decided (MATCH_*), which the
 * flow log reports as shadowtap.match.
 */
#ifndef SHADOWTAP_CLASSIFY_H
#define SHADOWTAP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "dpi.h"
#include "netaddr.h"
#include "rules.h"

#define SERVICE_UNCLASSIFIED "unclassified" /* id of traffic no rule names */

enum match_kind {
    MATCH_NONE = 0,  /* unclassified */
    MATCH_SNI,       /* rule 1, TLS SNI */
    MATCH_QUIC_SNI,  /* rule 1, QUIC SNI */
    MATCH_HTTP_HOST, /* rule 1, HTTP Host */
    MATCH_DNS_QUERY, /* rule 1, the query name of a DNS flow */
    MATCH_STUN,      /* rule 1, the STUN realm */
    MATCH_PROTOCOL,  /* rule 1, a server name another protocol carries (proto_names.h) */
    MATCH_DNS,       /* rule 2 */
    MATCH_IP,        /* rule 3 */
    MATCH_PEER,      /* rule 4 */
    MATCH_NDPI,      /* rule 5 */
    MATCH_KIND_COUNT
};

struct flow_evidence {
    const struct dpi_result *dpi; /* may be NULL when the flow got no DPI */
    const char *ndpi_app_name;    /* nDPI's application name, NULL if none */
    const char *dns_name;         /* name resolved by the client, NULL if none */
    const struct netaddr *server;
    const struct netaddr *peer_server; /* STUN server of the client's port, NULL if none */
    const char *peer_name;             /* name the client resolved for it, NULL if none */
    const char *peer_app; /* nDPI name of the application its STUN requests marked (stun.h) */
    uint32_t peer_realm_service; /* symbol of the service their REALM named, 0 if none */
};

struct attribution {
    int service; /* catalog index, -1 when unclassified */
    enum match_kind match;
    const char *name; /* the destination's name to report (the flow's own destination
                         name, else the DNS name), or NULL */
};

void classify_flow(const struct rules *r, const struct flow_evidence *ev, struct attribution *out);

/* "sni", "quic-sni", "http-host", "dns-query", "stun", "protocol", "dns", "ip",
 * "stun-peer", "ndpi", "none". */
const char *classify_match_name(enum match_kind m);

#endif
