/*
 * fuzz_catalog.c - the services file loader and the matchers over what loads.
 *
 * Input: a services.conf.  When it loads, every domain, nDPI name and address
 * range of every service is looked up again: a domain and an nDPI name must
 * find their own service, an id its own index.  Each tenant template's own
 * example (tenant_pattern_example: "x" for the placeholder and each '*') must
 * carry a tenant of its service, unless "x" is one of the service's vendor
 * labels, and the domains themselves tenants of the expected form only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "tenant_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A tenant catalog_tenant_of gave: non-empty, lower case, part of host. */
static void check_tenant(const char *tenant, const char *host)
{
    if (!tenant[0] || strlen(tenant) > CATALOG_TENANT_MAX || !strstr(host, tenant))
        abort();
    for (const char *p = tenant; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            abort();
    }
}

static void check_tenants(const struct catalog *c, int idx)
{
    const struct service *s = catalog_service(c, idx);
    char got[CATALOG_TENANT_MAX + 1];
    if (catalog_has_tenants(c, idx) != (s->ntenants > 0))
        abort();
    if (s->ntenants == 0) {
        if (catalog_tenant_of(c, idx, "x.example.com", got, sizeof(got)) != -1 || got[0])
            abort();
        return;
    }
    int x_is_vendor = 0;
    for (size_t j = 0; j < s->nnot_tenants; j++)
        x_is_vendor |= strcmp(s->not_tenants[j], "x") == 0;
    for (size_t j = 0; j < s->ntenants; j++) {
        struct tenant_pattern p;
        char why[160], example[HOSTNAME_MAX + 1];
        if (!tenant_pattern_compile(s->tenants[j], &p, why, sizeof(why)) ||
            tenant_pattern_example(&p, example, sizeof(example)) == 0)
            abort(); /* it loaded, so it compiles */
        int r = catalog_tenant_of(c, idx, example, got, sizeof(got));
        if (r < 0 || (r == 0 && !x_is_vendor))
            abort();
        if (r == 1)
            check_tenant(got, example);
        if (catalog_tenant_name_problem(c, idx, "x") && !x_is_vendor)
            abort();
    }
    for (size_t j = 0; j < s->ndomains; j++) {
        int r = catalog_tenant_of(c, idx, s->domains[j], got, sizeof(got));
        if (r < 0)
            abort();
        if (r == 1)
            check_tenant(got, s->domains[j]);
    }
}

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
            check_tenants(c, (int)i);
        }
        catalog_free(c);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    free(buf);
    return 0;
}
