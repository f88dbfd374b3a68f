/*
 * policy.c - parse the policy file; status per service and department.
 *
 * Exceptions are few (a department allowed a tool the rest may not use), so
 * they are kept as a short list per service and scanned; so are a service's
 * own tenants (an organisation has one or a handful per service).
 */
#include "policy.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "hostname.h"

struct exception {
    int dept;
    enum policy_status status;
};

struct service_policy {
    enum policy_status status; /* POLICY_UNKNOWN = not listed, use the default */
    int alternative;           /* catalog index or -1 */
    struct exception *exceptions;
    size_t nexceptions;
    char **tenants; /* the organisation's own tenants, normalized */
    size_t ntenants;
    int line;
};

struct policy {
    enum policy_status default_status;
    struct service_policy *services; /* one per catalog entry */
    size_t count;
};

static const char *const status_names[POLICY_STATUS_COUNT] = {
    "unknown", "sanctioned", "tolerated", "unsanctioned", "prohibited"};

const char *policy_status_name(enum policy_status s)
{
    return (unsigned)s < POLICY_STATUS_COUNT ? status_names[s] : "unknown";
}

int policy_status_parse(const char *s)
{
    for (int i = 1; i < POLICY_STATUS_COUNT; i++) {
        if (strcmp(s, status_names[i]) == 0)
            return i;
    }
    return -1;
}

struct loader {
    struct policy *p;
    const struct catalog *c;
    const struct departments *deps;
    int current; /* catalog index of the section, -1 if none or bad */
    int seen_status, seen_alt, seen_default;
    struct diag *d;
};

static void add_exception(struct loader *l, struct service_policy *sp, const struct conf_entry *e,
                          struct diag *d)
{
    char dept[128], status[64], extra[8];
    int n = sscanf(e->value, "%127s %63s %7s", dept, status, extra);
    if (n != 2) {
        diag_error(d, e->file, e->line,
                   "exception must be \"DEPARTMENT STATUS\", e.g. \"exception = research "
                   "sanctioned\"");
        return;
    }
    int di = departments_find(l->deps, dept);
    int st = policy_status_parse(status);
    if (di < 0) {
        diag_error(d, e->file, e->line, "\"%s\" is not a department", dept);
        return;
    }
    if (st < 0) {
        diag_error(d, e->file, e->line, "\"%s\" is not a status", status);
        return;
    }
    for (size_t i = 0; i < sp->nexceptions; i++) {
        if (sp->exceptions[i].dept == di) {
            diag_error(d, e->file, e->line, "exception for \"%s\" given twice", dept);
            return;
        }
    }
    struct exception *ne = realloc(sp->exceptions, (sp->nexceptions + 1) * sizeof(*ne));
    if (!ne) {
        diag_error(d, e->file, e->line, "out of memory");
        return;
    }
    sp->exceptions = ne;
    sp->exceptions[sp->nexceptions++] = (struct exception){di, (enum policy_status)st};
}

/* "tenant = contoso": one of the organisation's own tenants of the service, a
 * name as the catalog's tenant patterns capture it. */
static void add_tenant(struct loader *l, struct service_policy *sp, const struct conf_entry *e,
                       struct diag *d)
{
    if (!catalog_has_tenants(l->c, l->current)) {
        diag_error(d, e->file, e->line,
                   "\"tenant\" for \"%s\", whose catalog entry has no \"tenants\" patterns "
                   "(services.conf): its host names carry no tenant",
                   e->section);
        return;
    }
    if (e->value[0] == '\0') {
        diag_error(d, e->file, e->line,
                   "\"tenant\" is empty (expected the name a tenant pattern captures, e.g. "
                   "\"tenant = contoso\" for contoso.sharepoint.com)");
        return;
    }
    const char *why = catalog_tenant_name_problem(l->c, l->current, e->value);
    if (why) {
        diag_error(d, e->file, e->line, "tenant \"%s\" %s", e->value, why);
        return;
    }
    char norm[HOSTNAME_MAX + 1];
    hostname_normalize(e->value, strlen(e->value), norm, sizeof(norm));
    for (size_t i = 0; i < sp->ntenants; i++) {
        if (strcmp(sp->tenants[i], norm) == 0) {
            diag_error(d, e->file, e->line, "tenant \"%s\" given twice for \"%s\"", e->value,
                       e->section);
            return;
        }
    }
    char **nt = realloc(sp->tenants, (sp->ntenants + 1) * sizeof(*nt));
    if (nt)
        sp->tenants = nt;
    char *copy = strdup(norm);
    if (!nt || !copy) {
        free(copy);
        diag_error(d, e->file, e->line, "out of memory");
        return;
    }
    sp->tenants[sp->ntenants++] = copy;
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct loader *l = ctx;
    if (!e->key) {
        l->current = catalog_find(l->c, e->section);
        l->seen_status = l->seen_alt = 0;
        if (l->current < 0) {
            diag_error(d, e->file, e->line, "\"%s\" is not a service in the catalog", e->section);
            return;
        }
        struct service_policy *sp = &l->p->services[l->current];
        if (sp->line) {
            diag_error(d, e->file, e->line, "policy for \"%s\" is given twice (first at line %d)",
                       e->section, sp->line);
            l->current = -1;
            return;
        }
        sp->line = e->line;
        return;
    }
    if (e->section[0] == '\0') {
        if (strcmp(e->key, "default") != 0) {
            diag_error(d, e->file, e->line,
                       "unknown key \"%s\" before the first [service] (only \"default\")", e->key);
            return;
        }
        int st = policy_status_parse(e->value);
        if (st < 0)
            diag_error(d, e->file, e->line,
                       "\"%s\" is not a status (sanctioned, tolerated, unsanctioned, prohibited)",
                       e->value);
        else if (l->seen_default++)
            diag_error(d, e->file, e->line, "\"default\" given twice");
        else
            l->p->default_status = (enum policy_status)st;
        return;
    }
    if (l->current < 0)
        return;
    struct service_policy *sp = &l->p->services[l->current];
    if (strcmp(e->key, "status") == 0) {
        int st = policy_status_parse(e->value);
        if (st < 0)
            diag_error(d, e->file, e->line,
                       "\"%s\" is not a status (sanctioned, tolerated, unsanctioned, prohibited)",
                       e->value);
        else if (l->seen_status++)
            diag_error(d, e->file, e->line, "\"status\" given twice for \"%s\"", e->section);
        else
            sp->status = (enum policy_status)st;
    } else if (strcmp(e->key, "alternative") == 0) {
        int alt = catalog_find(l->c, e->value);
        if (alt < 0)
            diag_error(d, e->file, e->line, "alternative \"%s\" is not a service in the catalog",
                       e->value);
        else if (alt == l->current)
            diag_error(d, e->file, e->line, "a service cannot be its own alternative");
        else if (l->seen_alt++)
            diag_error(d, e->file, e->line, "\"alternative\" given twice for \"%s\"", e->section);
        else
            sp->alternative = alt;
    } else if (strcmp(e->key, "exception") == 0) {
        add_exception(l, sp, e, d);
    } else if (strcmp(e->key, "tenant") == 0) {
        add_tenant(l, sp, e, d);
    } else {
        diag_error(d, e->file, e->line,
                   "unknown key \"%s\" (expected status, alternative, exception or tenant)",
                   e->key);
    }
}

static struct policy *policy_new(const struct catalog *c)
{
    struct policy *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->count = catalog_count(c);
    p->services = calloc(p->count ? p->count : 1, sizeof(*p->services));
    if (!p->services) {
        free(p);
        return NULL;
    }
    for (size_t i = 0; i < p->count; i++)
        p->services[i].alternative = -1;
    p->default_status = POLICY_UNSANCTIONED;
    return p;
}

static struct policy *finish(struct loader *l, size_t before)
{
    if (l->d->errors != before) {
        policy_free(l->p);
        return NULL;
    }
    return l->p;
}

struct policy *policy_load_buffer(const char *name, const char *buf, size_t len,
                                  const struct catalog *c, const struct departments *deps,
                                  struct diag *d)
{
    struct loader l = {.p = policy_new(c), .c = c, .deps = deps, .current = -1, .d = d};
    if (!l.p) {
        diag_error(d, name, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_buffer(name, buf, len, on_entry, &l, d);
    return finish(&l, before);
}

struct policy *policy_load(const char *path, const struct catalog *c,
                           const struct departments *deps, struct diag *d)
{
    struct loader l = {.p = policy_new(c), .c = c, .deps = deps, .current = -1, .d = d};
    if (!l.p) {
        diag_error(d, path, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_file(path, on_entry, &l, d);
    return finish(&l, before);
}

void policy_free(struct policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        free(p->services[i].exceptions);
        for (size_t j = 0; j < p->services[i].ntenants; j++)
            free(p->services[i].tenants[j]);
        free(p->services[i].tenants);
    }
    free(p->services);
    free(p);
}

enum policy_status policy_status(const struct policy *p, int service, int dept)
{
    if (service < 0 || (size_t)service >= p->count)
        return POLICY_UNKNOWN;
    const struct service_policy *sp = &p->services[service];
    for (size_t i = 0; i < sp->nexceptions; i++) {
        if (sp->exceptions[i].dept == dept)
            return sp->exceptions[i].status;
    }
    return sp->status != POLICY_UNKNOWN ? sp->status : p->default_status;
}

int policy_alternative(const struct policy *p, int service)
{
    if (service < 0 || (size_t)service >= p->count)
        return -1;
    return p->services[service].alternative;
}

bool policy_is_own_tenant(const struct policy *p, int service, const char *tenant)
{
    if (service < 0 || (size_t)service >= p->count || !tenant)
        return false;
    const struct service_policy *sp = &p->services[service];
    for (size_t i = 0; i < sp->ntenants; i++) {
        if (strcasecmp(sp->tenants[i], tenant) == 0)
            return true;
    }
    return false;
}

size_t policy_own_tenants(const struct policy *p, int service, const char *const **names)
{
    if (service < 0 || (size_t)service >= p->count) {
        *names = NULL;
        return 0;
    }
    *names = (const char *const *)p->services[service].tenants;
    return p->services[service].ntenants;
}
