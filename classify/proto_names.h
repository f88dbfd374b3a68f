/*
 * proto_names.h - names carried by protocols that nDPI 4.2 does not name.
 *
 * Small, bounded readers of one transport payload each, for protocols whose
 * messages name the server (or the service) in plain sight: the server name an
 * Agora SD-RTN client asks for in its hello, the gateway an MGCP command is for,
 * the node name a Munin server announces, the domain in an SMTP greeting, the
 * Host of an HTTP request (IP literals included), the HTTP_HOST a web server
 * passes to its FastCGI application, the REALM of a STUN/TURN exchange, and the
 * question a DNS server answered.  None keeps more than a few flags of state.
 *
 * Only names of the server side are taken as the flow's destination.  A name
 * that belongs to the client (the gateway's own name in an MGCP RSIP, a
 * collectd host, an mDNS device name) is never returned as a destination.
 *
 * Every reader takes a payload and its length and never reads past it; names
 * are copied with a bound and normalized (hostname.h) before they are returned.
 */
#ifndef SHADOWTAP_PROTO_NAMES_H
#define SHADOWTAP_PROTO_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dpi.h"

/* The Agora SD-RTN client hello (UDP): the name of the edge server it asks for
 * (e.g. "23-248-186-179.edge.agora.io"), normalized.  Returns its length, 0
 * when the payload is not such a hello or carries no valid name. */
size_t proto_names_agora_sni(const uint8_t *p, size_t len, char *out, size_t outsz);

/* An MGCP command line (RFC 3435: "RQNT 1201 aaln/1@gw.example.net MGCP 1.0"):
 * the domain part of its endpoint name, normalized (a bracketed address is
 * returned without brackets).  *to_gateway is set true for the verbs a call
 * agent sends to a gateway (the endpoint is the receiver), false for those a
 * gateway sends (RSIP, NTFY: the endpoint is the sender).  Returns the name's
 * length, 0 when the payload is not an MGCP command. */
size_t proto_names_mgcp(const uint8_t *p, size_t len, char *out, size_t outsz, bool *to_gateway);

/* The banner a Munin node sends first ("# munin node at NAME\n"): NAME,
 * normalized.  Returns its length, 0 otherwise. */
size_t proto_names_munin(const uint8_t *p, size_t len, char *out, size_t outsz);

/* The first word after a "220" greeting (SMTP: the server's domain, RFC 5321
 * 4.2; FTP: often the server software), as a printable lower-case copy.
 * Returns its length, 0 when the payload is not a 220 greeting. */
size_t proto_names_greeting(const uint8_t *p, size_t len, char *out, size_t outsz);

/* The Host header of an HTTP/1.x request, without a port.  Host names are
 * normalized; IPv4 and IPv6 literals are kept as addresses (an IPv6 literal
 * without its brackets).  Returns the length, 0 when the payload is not a
 * request or has no valid Host. */
size_t proto_names_http_host(const uint8_t *p, size_t len, char *out, size_t outsz);

/* FastCGI records from a web server to its application: the HTTP_HOST param,
 * else SERVER_NAME, normalized (an address literal as proto_names_http_host
 * gives it).  Returns the length (> 0) when found, 0 when
 * the payload is not FastCGI, -1 when it is FastCGI without the name (yet). */
int proto_names_fastcgi_host(const uint8_t *p, size_t len, char *out, size_t outsz);

/* A STUN message (RFC 5389, with the magic cookie): its REALM attribute,
 * normalized.  Returns the length (> 0), 0 when the payload is not STUN, -1 when
 * it is STUN without a usable REALM. */
int proto_names_stun_realm(const uint8_t *p, size_t len, char *out, size_t outsz);

/* A DNS response (UDP wire format) with RCODE NOERROR and at least one answer:
 * its question name, normalized.  Returns the length (> 0), 0 when the payload
 * is not a DNS response, -1 when it is one without answers. */
int proto_names_dns_answered(const uint8_t *p, size_t len, char *out, size_t outsz);

/* ---- per flow ---- */

/* What a flow has shown so far; zero-initialize. */
struct proto_names_state {
    uint8_t flags;                      /* private */
    uint8_t dns_queries, dns_responses; /* counted up to 255 */
    uint32_t dns_first;                 /* hash of the first question asked */
};

struct proto_names_packet {
    uint8_t transport; /* 6 TCP, 17 UDP */
    uint16_t client_port, server_port;
    bool from_client;
};

struct proto_name {
    enum dpi_name_source source; /* DPI_NAME_NONE when nothing was found */
    bool replaces_ndpi;          /* a better name than the one nDPI read (the DNS
                                    question that was answered, when it is not the
                                    first one asked) */
    char name[HOSTNAME_MAX + 1];
};

/* Runs the readers that fit the packet.  Returns true and fills *out when one
 * found a name; the caller stops calling once it has the name it keeps. */
bool proto_names_read(struct proto_names_state *st, const struct proto_names_packet *pk,
                      const uint8_t *payload, size_t len, struct proto_name *out);

/* True when a reader has seen its protocol and expects the name in a later
 * packet (a STUN exchange before its REALM, FastCGI before its params, an HTTP
 * flow whose request has not come yet, DNS before a successful answer). */
bool proto_names_waiting(const struct proto_names_state *st);

#endif
