/*
 * report_genai.c - uploads to generative AI, per department, per service and
 * per vendor and use.
 *
 * A tally runs over a set of cells (one department's, or the whole view's)
 * and keeps the uploads and what went to sanctioned services, and a group per
 * (vendor, use).  A service belongs to exactly one group, since vendor and use
 * are facts of the catalog entry, so the groups are at most the catalog's
 * services and are sized so once; which services were counted is a flag per
 * catalog index.  Devices are not given per vendor and use: a group's devices
 * are the union of several cells' HyperLogLogs, which the view does not count
 * (it counts cells, services, departments and the total); it would take a
 * PFCOUNT per group and department of its own.
 */
#include "report_genai.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_json.h"

/* The uploads to one vendor's services of one use. */
struct vendor_use {
    const char *vendor; /* the catalog's */
    enum service_use use;
    uint64_t bytes_up, bytes_down, flows;
};

struct genai_tally {
    const struct catalog *catalog;
    uint64_t bytes_up, bytes_up_sanctioned;
    struct vendor_use *groups; /* room for every service of the catalog */
    size_t ngroups;
    bool *counted;    /* per catalog index: a visible cell of it was counted */
    const char **ids; /* room to sort a group's service ids */
};

static int tally_init(struct genai_tally *t, const struct catalog *c, char *err, size_t errlen)
{
    size_t n = catalog_count(c) + 1;
    *t = (struct genai_tally){.catalog = c,
                              .groups = calloc(n, sizeof(*t->groups)),
                              .counted = calloc(n, sizeof(*t->counted)),
                              .ids = calloc(n, sizeof(*t->ids))};
    if (t->groups && t->counted && t->ids)
        return 0;
    snprintf(err, errlen, "out of memory for the generative-AI section");
    return -1;
}

/* Empties t for the next set of cells. */
static void tally_clear(struct genai_tally *t)
{
    memset(t->counted, 0, (catalog_count(t->catalog) + 1) * sizeof(*t->counted));
    t->bytes_up = t->bytes_up_sanctioned = 0;
    t->ngroups = 0;
}

static void tally_free(struct genai_tally *t)
{
    free(t->groups);
    free(t->counted);
    free(t->ids);
}

static bool in_group(const struct vendor_use *g, const struct service *s)
{
    if (g->use != s->use)
        return false;
    return g->vendor && s->vendor ? strcmp(g->vendor, s->vendor) == 0 : g->vendor == s->vendor;
}

/* The catalog entry of a visible cell of a genai service; NULL for any other
 * cell. */
static const struct service *genai_service(const struct report_view *v,
                                           const struct report_view_cell *vc)
{
    const struct service *s = catalog_service(v->rules->catalog, vc->service_idx);
    return s && s->category == CATEGORY_GENAI && !vc->hidden ? s : NULL;
}

static void tally_cell(struct genai_tally *t, const struct report_view_cell *vc,
                       const struct service *s)
{
    const struct report_cell *d = vc->data;
    t->bytes_up += d->bytes_up;
    if (vc->status == POLICY_SANCTIONED)
        t->bytes_up_sanctioned += d->bytes_up;
    t->counted[vc->service_idx] = true;
    size_t i = 0;
    while (i < t->ngroups && !in_group(&t->groups[i], s))
        i++;
    if (i == t->ngroups)
        t->groups[t->ngroups++] = (struct vendor_use){.vendor = s->vendor, .use = s->use};
    t->groups[i].bytes_up += d->bytes_up;
    t->groups[i].bytes_down += d->bytes_down;
    t->groups[i].flows += d->flows;
}

/* Most bytes up first, then by vendor and use, so that ties keep one order. */
static int group_order(const void *a, const void *b)
{
    const struct vendor_use *x = a, *y = b;
    if (x->bytes_up != y->bytes_up)
        return x->bytes_up < y->bytes_up ? 1 : -1;
    int c = strcmp(x->vendor ? x->vendor : "", y->vendor ? y->vendor : "");
    return c ? c : (int)x->use - (int)y->use;
}

static int id_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The ids of the counted services of group g, in alphabetical order. */
static json_t *group_services(const struct genai_tally *t, const struct vendor_use *g)
{
    size_t n = 0;
    for (size_t k = 0; k < catalog_count(t->catalog); k++) {
        const struct service *s = catalog_service(t->catalog, (int)k);
        if (t->counted[k] && in_group(g, s))
            t->ids[n++] = s->id;
    }
    qsort(t->ids, n, sizeof(*t->ids), id_order);
    json_t *ids = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(ids, json_string(t->ids[k]));
    return ids;
}

/* [{vendor, use, bytes_up, bytes_down, flows, services}], most bytes up first. */
static json_t *by_vendor_use(struct genai_tally *t)
{
    qsort(t->groups, t->ngroups, sizeof(*t->groups), group_order);
    json_t *arr = json_array();
    for (size_t i = 0; i < t->ngroups; i++) {
        const struct vendor_use *g = &t->groups[i];
        json_array_append_new(
            arr, json_pack("{s:s?, s:s?, s:o, s:o, s:o, s:o}", "vendor", g->vendor, "use",
                           catalog_use_name(g->use), "bytes_up", report_json_u64(g->bytes_up),
                           "bytes_down", report_json_u64(g->bytes_down), "flows",
                           report_json_u64(g->flows), "services", group_services(t, g)));
    }
    return arr;
}

/* A genai cell as a department's services list shows it. */
static json_t *service_entry(const struct service *s, const struct report_view_cell *vc)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "id", s->id, "name", s->name, "status",
                     policy_status_name(vc->status), "bytes_up",
                     report_json_u64(vc->data->bytes_up));
}

/* Counts the cells of a department (positions in v->cells) into t and, when
 * all is not NULL, into all too; returns its services, most uploaded first
 * (an empty array when it has no visible genai cell). */
static json_t *tally_department(const struct report_view *v, const size_t *cells, size_t n,
                                struct genai_tally *t, struct genai_tally *all)
{
    json_t *services = json_array();
    for (size_t k = 0; k < n; k++) {
        const struct report_view_cell *vc = &v->cells[cells ? cells[k] : k];
        const struct service *s = genai_service(v, vc);
        if (!s)
            continue;
        tally_cell(t, vc, s);
        if (all)
            tally_cell(all, vc, s);
        json_array_append_new(services, service_entry(s, vc));
    }
    report_json_sort_by(services, "bytes_up");
    return services;
}

json_t *report_genai_section(const struct report_view *v, char *err, size_t errlen)
{
    struct genai_tally all, dept;
    int failed = tally_init(&all, v->rules->catalog, err, errlen);
    failed |= tally_init(&dept, v->rules->catalog, err, errlen);
    if (failed) {
        tally_free(&all);
        tally_free(&dept);
        return NULL;
    }
    json_t *depts = json_array();
    for (size_t i = 0; i < v->ndepts; i++) {
        const struct report_view_group *g = &v->depts[i];
        tally_clear(&dept);
        json_t *services = tally_department(v, g->cells, g->ncells, &dept, &all);
        if (!json_array_size(services)) {
            json_decref(services);
            continue;
        }
        json_array_append_new(depts,
                              json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "id", g->id, "name",
                                        report_dept_name(v->rules, g->id), "bytes_up",
                                        report_json_u64(dept.bytes_up), "bytes_up_sanctioned",
                                        report_json_u64(dept.bytes_up_sanctioned), "services",
                                        services, "by_vendor_use", by_vendor_use(&dept)));
    }
    report_json_sort_by(depts, "bytes_up");
    json_t *out = json_pack("{s:o, s:o, s:o, s:o}", "bytes_up", report_json_u64(all.bytes_up),
                            "bytes_up_sanctioned", report_json_u64(all.bytes_up_sanctioned),
                            "by_vendor_use", by_vendor_use(&all), "departments", depts);
    tally_free(&all);
    tally_free(&dept);
    if (!out)
        snprintf(err, errlen, "out of memory for the generative-AI section");
    return out;
}

json_t *report_genai_department(const struct report_view *v, char *err, size_t errlen)
{
    struct genai_tally t;
    if (tally_init(&t, v->rules->catalog, err, errlen) != 0) {
        tally_free(&t);
        return NULL;
    }
    json_t *services = tally_department(v, NULL, v->ncells, &t, NULL);
    json_t *out = json_pack("{s:o, s:o, s:o, s:o}", "bytes_up", report_json_u64(t.bytes_up),
                            "bytes_up_sanctioned", report_json_u64(t.bytes_up_sanctioned),
                            "services", services, "by_vendor_use", by_vendor_use(&t));
    tally_free(&t);
    if (!out)
        snprintf(err, errlen, "out of memory for the generative-AI section");
    return out;
}
