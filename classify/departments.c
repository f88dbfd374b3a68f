/*
 * departments.c - parse the departments file; longest-prefix department lookup.
 */
#include "departments.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lpm.h"
#include "symbol.h"

#define VLAN_IDS 4096

struct departments {
    struct department *list;
    size_t count, cap;
    struct lpm *networks;   /* prefix -> department index */
    struct lpm *internal;   /* prefix -> 0 for every internal range, departments' too */
    int16_t vlan[VLAN_IDS]; /* department index, -1 when the VLAN is not listed */
};

struct loader {
    struct departments *t;
    int current;            /* index of the department being read, -1 if none */
    int seen_name, seen_networks, seen_vlans;
    struct diag *d;
    const char *file;
    int line;
};

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '-' || s[0] == '_')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

struct word_ctx {
    struct loader *l;
    int dept; /* -1 for the top-level "internal" key */
};

static int add_network(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct netprefix p;
    const char *why = NULL;
    /* Set per word, not per key: "networks =" with nothing after it gives none. */
    if (w->dept >= 0)
        l->seen_networks = 1;
    if (!netprefix_parse(word, &p, &why)) {
        diag_error(l->d, l->file, l->line, "\"%s\" is not a CIDR prefix (%s; expected like "
                   "10.1.0.0/16 or fd00:1::/48)", word, why);
        return 0;
    }
    if (w->dept >= 0) {
        int32_t old = lpm_insert(l->t->networks, &p, w->dept);
        if (old >= 0 && old != w->dept) {
            const struct department *o = &l->t->list[old];
            diag_error(l->d, l->file, l->line, "network %s already belongs to \"%s\" (line %d)",
                       word, o->id, o->line);
            lpm_insert(l->t->networks, &p, old);
            return 0;
        }
        if (old == -2)
            goto oom;
    }
    if (lpm_insert(l->t->internal, &p, 0) == -2)
        goto oom;
    return 0;
oom:
    diag_error(l->d, l->file, l->line, "out of memory");
    return 1;
}

static int add_vlan(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    unsigned long long v;
    l->seen_vlans = 1;
    if (conf_parse_uint(word, 4094, &v) != 0 || v == 0) {
        diag_error(l->d, l->file, l->line, "\"%s\" is not a VLAN id (1 to 4094)", word);
        return 0;
    }
    if (l->t->vlan[v] >= 0 && l->t->vlan[v] != w->dept) {
        const struct department *o = &l->t->list[l->t->vlan[v]];
        diag_error(l->d, l->file, l->line, "VLAN %llu already belongs to \"%s\" (line %d)", v,
                   o->id, o->line);
        return 0;
    }
    l->t->vlan[v] = (int16_t)w->dept;
    return 0;
}

static void finish_current(struct loader *l)
{
    if (l->current < 0)
        return;
    const struct department *dep = &l->t->list[l->current];
    if (!l->seen_networks && !l->seen_vlans)
        diag_error(l->d, l->file, dep->line,
                   "department \"%s\" has neither \"networks\" nor \"vlans\"", dep->id);
    l->current = -1;
}

static void open_department(struct loader *l, const struct conf_entry *e)
{
    finish_current(l);
    l->seen_name = l->seen_networks = l->seen_vlans = 0;
    if (!valid_id(e->section)) {
        diag_error(l->d, e->file, e->line,
                   "\"%s\" is not a department id (lower-case letters, digits, '-', '_')",
                   e->section);
        return;
    }
    if (strcmp(e->section, DEPARTMENT_UNASSIGNED) == 0) {
        diag_error(l->d, e->file, e->line, "\"%s\" is reserved for traffic from no listed range",
                   e->section);
        return;
    }
    int dup = departments_find(l->t, e->section);
    if (dup >= 0) {
        diag_error(l->d, e->file, e->line, "department \"%s\" is defined twice (first at line %d)",
                   e->section, l->t->list[dup].line);
        return;
    }
    if (l->t->count >= 32767) {
        diag_error(l->d, e->file, e->line, "too many departments (at most 32767)");
        return;
    }
    struct departments *t = l->t;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct department *nl = realloc(t->list, cap * sizeof(*nl));
        if (!nl) {
            diag_error(l->d, e->file, e->line, "out of memory");
            return;
        }
        t->list = nl;
        t->cap = cap;
    }
    uint32_t sym = symbol_intern(e->section);
    struct department *dep = &t->list[t->count];
    memset(dep, 0, sizeof(*dep));
    dep->sym = sym;
    dep->id = symbol_name(sym);
    dep->line = e->line;
    l->current = (int)t->count++;
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct loader *l = ctx;
    if (!e->key) {
        open_department(l, e);
        return;
    }
    l->line = e->line;
    if (e->section[0] == '\0') {
        if (strcmp(e->key, "internal") == 0) {
            struct word_ctx w = {l, -1};
            conf_each_word(e->value, add_network, &w);
        } else {
            diag_error(d, e->file, e->line,
                       "unknown key \"%s\" before the first [department] (only \"internal\")",
                       e->key);
        }
        return;
    }
    if (l->current < 0)
        return; /* bad header, already reported */
    struct department *dep = &l->t->list[l->current];
    struct word_ctx w = {l, l->current};
    if (strcmp(e->key, "name") == 0) {
        if (l->seen_name++) {
            diag_error(d, e->file, e->line, "\"name\" given twice for \"%s\"", dep->id);
            return;
        }
        if (e->value[0] == '\0') {
            diag_error(d, e->file, e->line, "\"name\" is empty");
            return;
        }
        dep->name = strdup(e->value);
    } else if (strcmp(e->key, "networks") == 0) {
        conf_each_word(e->value, add_network, &w);
    } else if (strcmp(e->key, "vlans") == 0) {
        conf_each_word(e->value, add_vlan, &w);
    } else {
        diag_error(d, e->file, e->line,
                   "unknown key \"%s\" (expected name, networks or vlans)", e->key);
    }
}

static struct departments *departments_new(void)
{
    struct departments *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->networks = lpm_new();
    t->internal = lpm_new();
    if (!t->networks || !t->internal) {
        departments_free(t);
        return NULL;
    }
    for (int i = 0; i < VLAN_IDS; i++)
        t->vlan[i] = -1;
    return t;
}

static struct departments *finish(struct loader *l, size_t before)
{
    finish_current(l);
    for (size_t i = 0; i < l->t->count; i++) {
        if (!l->t->list[i].name)
            l->t->list[i].name = strdup(l->t->list[i].id);
    }
    if (l->d->errors != before) {
        departments_free(l->t);
        return NULL;
    }
    return l->t;
}

struct departments *departments_load_buffer(const char *name, const char *buf, size_t len,
                                            struct diag *d)
{
    struct loader l = {.t = departments_new(), .current = -1, .d = d, .file = name};
    if (!l.t) {
        diag_error(d, name, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_buffer(name, buf, len, on_entry, &l, d);
    return finish(&l, before);
}

struct departments *departments_load(const char *path, struct diag *d)
{
    struct loader l = {.t = departments_new(), .current = -1, .d = d, .file = path};
    if (!l.t) {
        diag_error(d, path, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_file(path, on_entry, &l, d);
    return finish(&l, before);
}

void departments_free(struct departments *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        free(t->list[i].name);
    free(t->list);
    lpm_free(t->networks);
    lpm_free(t->internal);
    free(t);
}

size_t departments_count(const struct departments *t)
{
    return t->count;
}

const struct department *departments_get(const struct departments *t, int idx)
{
    if (idx < 0 || (size_t)idx >= t->count)
        return NULL;
    return &t->list[idx];
}

int departments_find(const struct departments *t, const char *id)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->list[i].id, id) == 0)
            return (int)i;
    }
    return -1;
}

int departments_lookup_how(const struct departments *t, const struct netaddr *client, uint16_t vlan,
                           bool *by_vlan)
{
    *by_vlan = false;
    if (vlan > 0 && vlan < VLAN_IDS && t->vlan[vlan] >= 0) {
        *by_vlan = true;
        return t->vlan[vlan];
    }
    int32_t idx = lpm_lookup(t->networks, client);
    return idx >= 0 ? idx : -1;
}

int departments_lookup(const struct departments *t, const struct netaddr *client, uint16_t vlan)
{
    bool by_vlan;
    return departments_lookup_how(t, client, vlan, &by_vlan);
}

bool departments_is_internal(const struct departments *t, const struct netaddr *a)
{
    return lpm_lookup(t->internal, a) >= 0;
}
