/*
 * rules.c - load a rules folder as one unit.
 *
 * All the files are parsed even when an earlier one fails, so that a person
 * running --check-config sees every error at once.  The policy can only be
 * checked against a catalog and departments that loaded.
 */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

struct rules *rules_load(const char *dir, struct diag *d)
{
    struct rules *r = calloc(1, sizeof(*r));
    char *services = join(dir, RULES_SERVICES_FILE);
    char *departments = join(dir, RULES_DEPARTMENTS_FILE);
    char *policy = join(dir, RULES_POLICY_FILE);
    char *resolvers = join(dir, RULES_RESOLVERS_FILE);
    if (!r || !services || !departments || !policy || !resolvers) {
        diag_error(d, dir, 0, "out of memory");
        goto fail;
    }
    r->dir = strdup(dir);
    r->catalog = catalog_load(services, d);
    r->departments = departments_load(departments, d);
    if (r->catalog && r->departments)
        r->policy = policy_load(policy, r->catalog, r->departments, d);
    r->resolvers = resolvers_load(resolvers, d);
    if (!r->catalog || !r->departments || !r->policy || !r->resolvers || !r->dir)
        goto fail;
    atomic_init(&r->refs, 1);
    free(services);
    free(departments);
    free(policy);
    free(resolvers);
    return r;
fail:
    free(services);
    free(departments);
    free(policy);
    free(resolvers);
    if (r) {
        catalog_free(r->catalog);
        departments_free(r->departments);
        policy_free(r->policy);
        resolvers_free(r->resolvers);
        free(r->dir);
        free(r);
    }
    return NULL;
}

struct rules *rules_retain(struct rules *r)
{
    atomic_fetch_add(&r->refs, 1);
    return r;
}

void rules_release(struct rules *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    policy_free(r->policy);
    catalog_free(r->catalog);
    departments_free(r->departments);
    resolvers_free(r->resolvers);
    free(r->dir);
    free(r);
}
