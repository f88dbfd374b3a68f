/*
 * fuzz_catalog.c - the services file loader and the matchers over what loads.
 *
 * Input: a services.conf.  When it loads, every domain, nDPI name and address
 * range of every service is looked up again: a domain and an nDPI name must
 * find their own service, an id its own index.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load_buffer("services.conf", buf, size, &d);
    if (c) {
        if (d.errors)
            abort();
        for (size_t i = 0; i < catalog_count(c); i++) {
            const struct service *s = catalog_service(c, (int)i);
            if (!s || !s->name || !s->vendor || catalog_find(c, s->id) != (int)i ||
                catalog_find_sym(c, s->sym) != (int)i)
                abort();
            catalog_category_name(s->category);
            catalog_risk_name(s->risk);
            for (size_t j = 0; j < s->ndomains; j++) {
                size_t matched = 0;
                const char *dom = s->domains[j];
                if (catalog_match_host(c, dom, strlen(dom), &matched) != (int)i ||
                    matched != strlen(dom))
                    abort();
            }
            for (size_t j = 0; j < s->nndpi; j++) {
                if (catalog_match_ndpi(c, s->ndpi[j]) != (int)i)
                    abort();
            }
            for (size_t j = 0; j < s->nranges; j++) {
                int owner = catalog_match_addr(c, &s->ranges[j].addr);
                if (owner < 0 || (size_t)owner >= catalog_count(c))
                    abort();
            }
        }
        catalog_free(c);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    free(buf);
    return 0;
}
