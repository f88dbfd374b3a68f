/*
 * test_unknown.c - host names of unclassified flows sorted into candidate
 * services (their registrable domain by the public suffix list) and what is
 * counted apart: address literals, special-use names, resolver names.
 */
#include "unknown.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

static struct resolvers *resolvers;

static const char *domain_of(const char *host, enum unknown_kind *kind)
{
    static char domain[HOSTNAME_MAX + 1];
    *kind = unknown_classify(host, resolvers, domain, sizeof(domain));
    return domain;
}

#define CHECK_CANDIDATE(host, want)                                                                \
    do {                                                                                           \
        enum unknown_kind k_;                                                                      \
        const char *d_ = domain_of(host, &k_);                                                     \
        CHECK_INT(k_, UNKNOWN_CANDIDATE);                                                          \
        CHECK_STR(d_, want);                                                                       \
    } while (0)

#define CHECK_APART(host, want)                                                                    \
    do {                                                                                           \
        enum unknown_kind k_;                                                                      \
        const char *d_ = domain_of(host, &k_);                                                     \
        CHECK_INT(k_, want);                                                                       \
        CHECK_STR(d_, "");                                                                         \
    } while (0)

TEST(registrable_domains)
{
    CHECK_CANDIDATE("app.quillboard.io", "quillboard.io");
    CHECK_CANDIDATE("quillboard.io", "quillboard.io");
    CHECK_CANDIDATE("a.b.c.quillboard.io", "quillboard.io");
    CHECK_CANDIDATE("www.pinecrest-analytics.co.uk", "pinecrest-analytics.co.uk");
    CHECK_CANDIDATE("portal.example-shop.com.au", "example-shop.com.au");
    /* private suffixes of the list: a tenant of a platform is its own domain */
    CHECK_CANDIDATE("acme.github.io", "acme.github.io");
    CHECK_CANDIDATE("x.acme.herokuapp.com", "acme.herokuapp.com");
}

TEST(counted_apart)
{
    CHECK_APART("82.81.46.13", UNKNOWN_IP_LITERAL);
    CHECK_APART("2001:db8::1", UNKNOWN_IP_LITERAL);
    CHECK_APART("www.lan", UNKNOWN_SPECIAL_USE);
    CHECK_APART("printer.local", UNKNOWN_SPECIAL_USE);
    CHECK_APART("nas.home.arpa", UNKNOWN_SPECIAL_USE);
    CHECK_APART("git.corp.internal", UNKNOWN_SPECIAL_USE);
    CHECK_APART("13.46.81.82.in-addr.arpa", UNKNOWN_SPECIAL_USE);
    CHECK_APART("wpad", UNKNOWN_SPECIAL_USE);
    CHECK_APART("localhost", UNKNOWN_SPECIAL_USE);
    CHECK_APART("dns.google", UNKNOWN_RESOLVER);
    CHECK_APART("mozilla.cloudflare-dns.com", UNKNOWN_RESOLVER);
    /* under a resolver's domain but not a resolver name: a candidate */
    CHECK_CANDIDATE("www.cloudflare.com", "cloudflare.com");
    CHECK_STR(unknown_kind_name(UNKNOWN_RESOLVER), "encrypted-dns");
    /* a public suffix itself belongs to no registrant */
    CHECK_APART("ac.in", UNKNOWN_PUBLIC_SUFFIX);
    CHECK_APART("co.uk", UNKNOWN_PUBLIC_SUFFIX);
    CHECK_APART("github.io", UNKNOWN_PUBLIC_SUFFIX);
    CHECK_CANDIDATE("someone.github.io", "someone.github.io");
    CHECK_STR(unknown_kind_name(UNKNOWN_PUBLIC_SUFFIX), "public-suffix");
}

int main(void)
{
    if (!unknown_init()) {
        fprintf(stderr, "no public suffix list (apt-get install publicsuffix libpsl5)\n");
        return 1;
    }
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/rules/resolvers.conf", src ? src : ".");
    struct diag d;
    diag_init(&d);
    resolvers = resolvers_load(path, &d);
    diag_free(&d);
    if (!resolvers)
        return 1;
    RUN(registrable_domains);
    RUN(counted_apart);
    resolvers_free(resolvers);
    unknown_done();
    return test_report();
}
