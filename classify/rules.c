/*
 * rules.c - load a rules folder and the assignment feed as one unit; rank the
 * evidence of a client's department.
 *
 * All the files are parsed even when an earlier one fails, so that a person
 * running --check-config sees every error at once.  The policy can only be
 * checked against a catalog and departments that loaded, and the feed against
 * departments that loaded.
 *
 * What a set reads from the folder lives in a reference-counted struct
 * rules_parts; a set points into it.  Sets made by rules_with_assignments
 * share one, so that a new feed costs a new table and not a new catalog.
 */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rules_parts {
    struct catalog *catalog;
    struct departments *departments;
    struct policy *policy;
    struct resolvers *resolvers;
    char *dir;
    char *assignments_file;
    atomic_int refs;
};

static void parts_release(struct rules_parts *p)
{
    if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    policy_free(p->policy);
    catalog_free(p->catalog);
    departments_free(p->departments);
    resolvers_free(p->resolvers);
    free(p->dir);
    free(p->assignments_file);
    free(p);
}

static char *join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

/* Reads the folder's files into p; false if any has an error. */
static bool load_folder(struct rules_parts *p, const char *dir, struct diag *d)
{
    char *services = join(dir, RULES_SERVICES_FILE);
    char *departments = join(dir, RULES_DEPARTMENTS_FILE);
    char *policy = join(dir, RULES_POLICY_FILE);
    char *resolvers = join(dir, RULES_RESOLVERS_FILE);
    bool ok = false;
    if (!services || !departments || !policy || !resolvers) {
        diag_error(d, dir, 0, "out of memory");
    } else {
        p->catalog = catalog_load(services, d);
        p->departments = departments_load(departments, d);
        if (p->catalog && p->departments)
            p->policy = policy_load(policy, p->catalog, p->departments, d);
        p->resolvers = resolvers_load(resolvers, d);
        ok = p->catalog && p->departments && p->policy && p->resolvers;
    }
    free(services);
    free(departments);
    free(policy);
    free(resolvers);
    return ok;
}

/* A set pointing into p (whose reference it takes over), with the tables. */
static struct rules *make_set(struct rules_parts *p, struct assignments *file,
                              struct assignments *hash)
{
    struct rules *r = calloc(1, sizeof(*r));
    if (!r) {
        parts_release(p);
        assignments_release(file);
        assignments_release(hash);
        return NULL;
    }
    r->catalog = p->catalog;
    r->departments = p->departments;
    r->policy = p->policy;
    r->resolvers = p->resolvers;
    r->dir = p->dir;
    r->assignments_file = p->assignments_file;
    r->assignments = file;
    r->assignments_hash = hash;
    r->parts = p;
    atomic_init(&r->refs, 1);
    return r;
}

struct rules *rules_load_with(const char *dir, const char *assignments_file, struct diag *d)
{
    struct rules_parts *p = calloc(1, sizeof(*p));
    if (!p) {
        diag_error(d, dir, 0, "out of memory");
        return NULL;
    }
    atomic_init(&p->refs, 1);
    bool with_feed = assignments_file && assignments_file[0];
    p->dir = strdup(dir);
    p->assignments_file = with_feed ? strdup(assignments_file) : NULL;
    bool ok = load_folder(p, dir, d);
    if (!p->dir || (with_feed && !p->assignments_file)) {
        diag_error(d, dir, 0, "out of memory");
        ok = false;
    }
    struct assignments *feed = NULL;
    if (with_feed && p->departments) {
        feed = assignments_load(assignments_file, p->departments, d);
        ok = ok && feed;
    }
    if (!ok) {
        assignments_release(feed);
        parts_release(p);
        return NULL;
    }
    struct rules *r = make_set(p, feed, NULL);
    if (!r)
        diag_error(d, dir, 0, "out of memory");
    return r;
}

struct rules *rules_load(const char *dir, struct diag *d)
{
    return rules_load_with(dir, NULL, d);
}

struct rules *rules_with_assignments(struct rules *r, struct assignments *file,
                                     struct assignments *hash)
{
    atomic_fetch_add(&r->parts->refs, 1);
    return make_set(r->parts, file, hash);
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
    assignments_release(r->assignments);
    assignments_release(r->assignments_hash);
    parts_release(r->parts);
    free(r);
}

/* The feed's department for the client, or -1: the table's entry for the
 * address, then for the MAC. */
static int feed_lookup(const struct assignments *a, const struct department_query *q)
{
    int dept = assignments_lookup_address(a, q->client, q->unix_s);
    if (dept < 0 && q->mac)
        dept = assignments_lookup_mac(a, q->mac, q->unix_s);
    return dept;
}

int rules_department(const struct rules *r, const struct department_query *q,
                     enum department_source *how)
{
    enum department_source source = DEPARTMENT_SOURCE_ASSIGNMENT;
    int dept = feed_lookup(r->assignments, q);
    if (dept < 0)
        dept = feed_lookup(r->assignments_hash, q);
    if (dept < 0 && (q->mac || q->dhcp_name))
        dept = departments_match_device(r->departments, q->dhcp_name, q->mac, &source);
    if (dept < 0) {
        source = DEPARTMENT_SOURCE_VLAN;
        dept = departments_lookup_vlan(r->departments, q->vlan);
    }
    if (dept < 0) {
        source = DEPARTMENT_SOURCE_NETWORK;
        dept = departments_lookup_network(r->departments, q->client);
    }
    if (how)
        *how = dept < 0 ? DEPARTMENT_SOURCE_NONE : source;
    return dept;
}
