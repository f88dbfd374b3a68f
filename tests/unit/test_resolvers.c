/*
 * test_resolvers.c - the encrypted-DNS resolvers file: a good file, every
 * error with its file:line, what counts as encrypted DNS (port 853 anywhere,
 * 443 to a listed address or block), names and the names under them, a
 * missing file; then the shipped rules/resolvers.conf.
 */
#include "resolvers.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define NAME "resolvers.conf"

static struct resolvers *load(const char *text, struct diag *d)
{
    diag_init(d);
    return resolvers_load_buffer(NAME, text, strlen(text), d);
}

static int has_error(const struct diag *d, const char *prefix, const char *part)
{
    for (size_t i = 0; i < d->kept; i++)
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0 && strstr(d->messages[i], part))
            return 1;
    return 0;
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

static bool edns(const struct resolvers *r, const char *server, uint8_t proto, uint16_t port)
{
    struct netaddr a = addr(server);
    return resolvers_is_encrypted_dns(r, &a, proto, port);
}

TEST(good_file)
{
    struct diag d;
    struct resolvers *r = load("# public resolvers\n"
                               "[example]\n"
                               "names     = doh.example.net dns.example.org\n"
                               "addresses = 192.0.2.53 2001:db8::53\n"
                               "            198.51.100.0/24\n"
                               "[names-only]\n"
                               "names = resolver.example.com\n",
                               &d);
    CHECK(r != NULL);
    CHECK_INT((int)d.errors, 0);
    CHECK_INT((int)resolvers_count(r), 2);
    CHECK(edns(r, "192.0.2.53", IPPROTO_TCP, 443));
    CHECK(edns(r, "2001:db8::53", IPPROTO_UDP, 443));  /* DoH over HTTP/3 */
    CHECK(edns(r, "198.51.100.77", IPPROTO_TCP, 443)); /* in a listed block */
    CHECK(!edns(r, "192.0.2.53", IPPROTO_UDP, 53));    /* plain DNS */
    CHECK(!edns(r, "192.0.2.54", IPPROTO_TCP, 443));   /* not a resolver */
    CHECK(edns(r, "203.0.113.9", IPPROTO_TCP, 853));   /* DoT to anyone */
    CHECK(edns(r, "203.0.113.9", IPPROTO_UDP, 853));   /* DoQ */
    CHECK(!edns(r, "192.0.2.53", IPPROTO_ICMP, 443));
    CHECK(resolvers_has_name(r, "doh.example.net"));
    CHECK(resolvers_has_name(r, "eu.doh.example.net"));
    CHECK(!resolvers_has_name(r, "example.net"));
    CHECK(!resolvers_has_name(r, "xdoh.example.net"));
    CHECK(resolvers_has_name(r, "resolver.example.com"));
    resolvers_free(r);
    diag_free(&d);
}

TEST(errors_name_the_line)
{
    struct diag d;
    struct resolvers *r = load("names = before.example\n"
                               "[a]\n"
                               "names = not_a host!\n"
                               "addresses = 300.1.1.1 10.0.0.0/33\n"
                               "port = 443\n"
                               "[empty]\n",
                               &d);
    CHECK(r == NULL);
    CHECK(has_error(&d, NAME ":1:", "before the first [resolver]"));
    CHECK(has_error(&d, NAME ":3:", "is not a host name"));
    CHECK(has_error(&d, NAME ":4:", "\"300.1.1.1\" is not an address"));
    CHECK(has_error(&d, NAME ":4:", "\"10.0.0.0/33\" is not an address"));
    CHECK(has_error(&d, NAME ":5:", "unknown key \"port\""));
    CHECK(has_error(&d, NAME ":6:", "has neither"));
    diag_free(&d);
}

TEST(missing_file_is_an_empty_list)
{
    struct diag d;
    diag_init(&d);
    struct resolvers *r = resolvers_load("/nonexistent/resolvers.conf", &d);
    CHECK(r != NULL);
    CHECK_INT((int)d.errors, 0);
    CHECK_INT((int)resolvers_count(r), 0);
    CHECK(edns(r, "203.0.113.9", IPPROTO_TCP, 853)); /* the port alone still says it */
    CHECK(!edns(r, "1.1.1.1", IPPROTO_TCP, 443));
    CHECK(!resolvers_has_name(r, "dns.google"));
    resolvers_free(r);
    diag_free(&d);
}

TEST(shipped_file)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/rules/resolvers.conf", src ? src : ".");
    struct diag d;
    diag_init(&d);
    struct resolvers *r = resolvers_load(path, &d);
    CHECK(r != NULL);
    CHECK_INT((int)d.errors, 0);
    CHECK(resolvers_count(r) >= 10);
    CHECK(edns(r, "1.1.1.1", IPPROTO_TCP, 443));
    CHECK(edns(r, "2001:4860:4860::8888", IPPROTO_UDP, 443));
    CHECK(resolvers_has_name(r, "dns.google"));
    CHECK(resolvers_has_name(r, "mozilla.cloudflare-dns.com"));
    CHECK(!resolvers_has_name(r, "google.com"));
    resolvers_free(r);
    diag_free(&d);
}

int main(void)
{
    RUN(good_file);
    RUN(errors_name_the_line);
    RUN(missing_file_is_an_empty_list);
    RUN(shipped_file);
    return test_report();
}
