/*
 * unknown.c - registrable domains of unknown host names (unknown.h).
 *
 * libpsl answers "what is the registrable domain of this name" from the
 * public suffix list, with its wildcard and exception rules; a name whose last
 * label no rule lists is treated as under a one-label suffix (the list's
 * default "*" rule), which is why the special-use suffixes are taken out
 * first: by the list's rules, printer.local would be the domain printer.local.
 */
#include "unknown.h"

#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "netaddr.h"

static const psl_ctx_t *psl;

bool unknown_init(void)
{
    if (!psl)
        psl = psl_latest(NULL);
    return psl != NULL;
}

void unknown_done(void)
{
    psl_free((psl_ctx_t *)psl);
    psl = NULL;
}

/* Suffixes for names that are not on the internet (RFC 6761, RFC 8375's
 * home.arpa, the .internal of ICANN's 2024 reservation, and the .lan, .corp,
 * .intranet, .private that offices use as if they were). */
static const char *const special_suffixes[] = {
    "local",       "localhost",    "lan",      "home.arpa", "internal", "invalid",
    "test",        "example",      "corp",     "intranet",  "private",  "home",
    "localdomain", "in-addr.arpa", "ip6.arpa", "onion",     "alt",
};

static bool has_suffix(const char *host, const char *suffix)
{
    size_t n = strlen(host), m = strlen(suffix);
    if (n == m)
        return memcmp(host, suffix, n) == 0;
    return n > m && host[n - m - 1] == '.' && memcmp(host + n - m, suffix, m) == 0;
}

static bool is_special_use(const char *host)
{
    if (!strchr(host, '.'))
        return true; /* a single label: a name on the local network */
    for (size_t i = 0; i < sizeof(special_suffixes) / sizeof(special_suffixes[0]); i++)
        if (has_suffix(host, special_suffixes[i]))
            return true;
    return false;
}

static bool is_ip_literal(const char *host)
{
    struct netaddr a;
    return netaddr_parse(host, &a);
}

enum unknown_kind unknown_classify(const char *host, const struct resolvers *resolvers,
                                   char *domain, size_t domainsz)
{
    if (domainsz)
        domain[0] = '\0';
    if (is_ip_literal(host))
        return UNKNOWN_IP_LITERAL;
    if (is_special_use(host))
        return UNKNOWN_SPECIAL_USE;
    if (resolvers && resolvers_has_name(resolvers, host))
        return UNKNOWN_RESOLVER;
    /* Without the list, the name is its own domain rather than nothing. */
    if (!psl) {
        snprintf(domain, domainsz, "%s", host);
        return UNKNOWN_CANDIDATE;
    }
    /* A name that is itself a public suffix ("ac.in", "github.io") has no
     * registrable domain: no one registrant's service. */
    const char *reg = psl_registrable_domain(psl, host);
    if (!reg)
        return UNKNOWN_PUBLIC_SUFFIX;
    snprintf(domain, domainsz, "%s", reg);
    return UNKNOWN_CANDIDATE;
}

const char *unknown_kind_name(enum unknown_kind k)
{
    static const char *const names[UNKNOWN_KIND_COUNT] = {"candidate", "ip-literal", "special-use",
                                                          "encrypted-dns", "public-suffix"};
    return (unsigned)k < UNKNOWN_KIND_COUNT ? names[k] : "";
}
