/*
 * fuzz_resolvers.c - the resolvers file loader, and the sorting of unknown
 * host names into candidate services or what is counted apart.
 *
 * Input: a resolvers.conf.  Whether it loads or not, every line of it is also
 * a host name: normalized as the sensor normalizes names, then sorted by
 * unknown_classify against the resolvers that loaded (or none).  A candidate
 * must have a domain that the name ends with, on a label boundary; a name a
 * loaded file lists must be known as a resolver.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "resolvers.h"
#include "unknown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void classify_line(const struct resolvers *r, const char *line, size_t len)
{
    char host[HOSTNAME_MAX + 1], domain[HOSTNAME_MAX + 1];
    if (hostname_normalize(line, len, host, sizeof(host)) == 0)
        return;
    enum unknown_kind kind = unknown_classify(host, r, domain, sizeof(domain));
    if ((unsigned)kind >= UNKNOWN_KIND_COUNT || !unknown_kind_name(kind)[0])
        abort();
    if (kind != UNKNOWN_CANDIDATE)
        return;
    size_t h = strlen(host), d = strlen(domain);
    if (d == 0 || d > h || strcmp(host + h - d, domain) != 0 || (d < h && host[h - d - 1] != '.'))
        abort();
    if (r && resolvers_has_name(r, host))
        abort(); /* a resolver's name is never a candidate */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (!unknown_init())
            abort();
        ready = 1;
    }
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct diag d;
    diag_init(&d);
    struct resolvers *r = resolvers_load_buffer("resolvers.conf", buf, size, &d);
    if (r ? d.errors != 0 : d.errors == 0)
        abort();
    for (size_t at = 0; at < size;) {
        const char *nl = memchr(buf + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (buf + at)) : size - at;
        classify_line(r, buf + at, len);
        at += len + 1;
    }
    resolvers_free(r);
    diag_free(&d);
    free(buf);
    return 0;
}
