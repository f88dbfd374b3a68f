/*
 * resolvers.h - the public encrypted-DNS resolvers: where a device's DNS
 * leaves the organisation's view.
 *
 * The sensor names flows by the DNS answers it sees.  A device that sends its
 * queries over HTTPS, TLS or QUIC to a public resolver (a browser's "secure
 * DNS") is blind to that correlation, and security teams want to know which
 * devices bypass the organisation's resolvers.  rules/resolvers.conf lists the
 * resolvers, one section each:
 *
 *     [cloudflare]
 *     names     = cloudflare-dns.com one.one.one.one
 *     addresses = 1.1.1.1 1.0.0.1 2606:4700:4700::1111
 *
 * A flow is encrypted DNS when it goes to port 853 anywhere (DNS over TLS or
 * QUIC, RFC 7858 and 9250) or to port 443 of a listed address (DNS over HTTPS
 * and HTTP/3).  The names keep a resolver out of the candidate services
 * (unknown.h): using one is not adopting a cloud service.
 *
 * Immutable once loaded, like the rest of the rules; errors as file:line.
 */
#ifndef SHADOWTAP_RESOLVERS_H
#define SHADOWTAP_RESOLVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "netaddr.h"

#define RESOLVERS_DOT_PORT 853 /* DNS over TLS and over QUIC */
#define RESOLVERS_DOH_PORT 443

struct resolvers;

/* Loads path.  A file that does not exist gives an empty list (no error): the
 * rules of an older release have none.  NULL on an error (recorded in d). */
struct resolvers *resolvers_load(const char *path, struct diag *d);
/* The same from a buffer; name is used in messages. */
struct resolvers *resolvers_load_buffer(const char *name, const char *text, size_t len,
                                        struct diag *d);
void resolvers_free(struct resolvers *r); /* accepts NULL */

/* True when a flow to server:port over IP protocol proto is encrypted DNS. */
bool resolvers_is_encrypted_dns(const struct resolvers *r, const struct netaddr *server,
                                uint8_t proto, uint16_t port);

/* True when host (normalized) is a listed resolver name or under one. */
bool resolvers_has_name(const struct resolvers *r, const char *host);

size_t resolvers_count(const struct resolvers *r); /* sections */

#endif
