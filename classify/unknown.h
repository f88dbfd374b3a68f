/*
 * unknown.h - the host names no catalog entry names, sorted into candidate
 * services and what is counted apart.
 *
 * Shadow IT is what nobody listed.  The host names of unclassified flows are
 * grouped by their registrable domain (the public suffix plus one label:
 * app.quillboard.io and api.quillboard.io are quillboard.io, www.example.co.uk
 * is example.co.uk), so that fifty hosts of one vendor make one candidate an
 * analyst can add to the catalog.  The public suffix list is Debian's
 * (package publicsuffix, through libpsl), updated by the distribution, never a
 * list of our own.
 *
 * Some names are no candidate and are counted apart: address literals (an
 * HTTP Host of 82.81.46.13), names under special-use suffixes (RFC 6761 and
 * its kin: .local, .lan, .home.arpa, .internal, .localhost, .invalid, .test,
 * .example, the reverse-DNS trees, single-label names), and the names of
 * encrypted-DNS resolvers (resolvers.h).
 *
 * unknown_init() once before the threads start; then thread-safe.
 */
#ifndef SHADOWTAP_UNKNOWN_H
#define SHADOWTAP_UNKNOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "hostname.h"
#include "resolvers.h"

enum unknown_kind {
    UNKNOWN_CANDIDATE = 0, /* a registrable domain: a candidate service */
    UNKNOWN_IP_LITERAL,
    UNKNOWN_SPECIAL_USE,
    UNKNOWN_RESOLVER,      /* an encrypted-DNS resolver's name */
    UNKNOWN_PUBLIC_SUFFIX, /* a public suffix itself (ac.in, github.io): no registrant's */
    UNKNOWN_KIND_COUNT
};

/* Loads the public suffix list (the newer of libpsl's built-in one and
 * Debian's /usr/share/publicsuffix).  False when none could be loaded: every
 * name is then its own domain.  Call once, before any thread uses this. */
bool unknown_init(void);
void unknown_done(void);

/* Sorts a normalized host name; for a candidate, writes its registrable
 * domain into domain (domainsz bytes; HOSTNAME_MAX + 1 is always enough).
 * resolvers may be NULL. */
enum unknown_kind unknown_classify(const char *host, const struct resolvers *resolvers,
                                   char *domain, size_t domainsz);

/* "candidate", "ip-literal", "special-use", "encrypted-dns", "public-suffix" */
const char *unknown_kind_name(enum unknown_kind k);

#endif
