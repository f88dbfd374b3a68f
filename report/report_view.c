/*
 * report_view.c - rules, privacy and grouping over a period's cells.
 *
 * The work is three passes over the cells (classify and filter; count
 * devices; group) and one pipelined round trip for all the unions, so a view
 * of 25,000 cells costs two pipelines whatever the number of groups.
 */
#include "report_view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_figures_add_cell(struct report_figures *f, const struct report_cell *c)
{
    f->bytes_up += c->bytes_up;
    f->bytes_down += c->bytes_down;
    f->packets_up += c->packets_up;
    f->packets_down += c->packets_down;
    f->flows += c->flows;
}

struct report_figures report_view_group_all(const struct report_view_group *g)
{
    struct report_figures all = g->shown;
    all.bytes_up += g->hidden.bytes_up;
    all.bytes_down += g->hidden.bytes_down;
    all.packets_up += g->hidden.packets_up;
    all.packets_down += g->hidden.packets_down;
    all.flows += g->hidden.flows;
    return all;
}

bool report_view_shows(const struct report_view *v, uint64_t devices)
{
    return v->min_devices == 0 || devices >= v->min_devices;
}

static struct report_view_group *group_of(struct report_index *ix,
                                          struct report_view_group **groups, size_t *n, size_t *cap,
                                          const char *id, int idx)
{
    long at = report_index_get(ix, id, strlen(id));
    if (at >= 0)
        return &(*groups)[at];
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        struct report_view_group *g = realloc(*groups, grown * sizeof(*g));
        if (!g)
            return NULL;
        *groups = g;
        *cap = grown;
    }
    if (report_index_put(ix, id, strlen(id), (long)*n) != 0)
        return NULL;
    struct report_view_group *g = &(*groups)[(*n)++];
    memset(g, 0, sizeof(*g));
    g->id = id;
    g->idx = idx;
    return g;
}

static int group_add(struct report_view_group *g, size_t cell)
{
    /* Grow by doubling: ncells is a power of two whenever the array is full. */
    if ((g->ncells & (g->ncells - 1)) == 0) {
        size_t *n = realloc(g->cells, (g->ncells ? g->ncells * 2 : 1) * sizeof(*n));
        if (!n)
            return -1;
        g->cells = n;
    }
    g->cells[g->ncells++] = cell;
    return 0;
}

static int countries_add(struct report_view_group *g, const struct report_cell *c)
{
    for (size_t i = 0; i < c->ncountries; i++) {
        struct report_country *rc = NULL;
        for (size_t k = 0; k < g->ncountries && !rc; k++) {
            if (strcmp(g->countries[k].code, c->countries[i].code) == 0)
                rc = &g->countries[k];
        }
        if (!rc) {
            struct report_country *n = realloc(g->countries, (g->ncountries + 1) * sizeof(*n));
            if (!n)
                return -1;
            g->countries = n;
            rc = &n[g->ncountries++];
            *rc = c->countries[i];
            rc->bytes_up = rc->bytes_down = 0;
        }
        rc->bytes_up += c->countries[i].bytes_up;
        rc->bytes_down += c->countries[i].bytes_down;
    }
    return 0;
}

static int by_country_bytes(const void *a, const void *b)
{
    const struct report_country *x = a, *y = b;
    uint64_t bx = x->bytes_up + x->bytes_down, by = y->bytes_up + y->bytes_down;
    if (bx != by)
        return bx > by ? -1 : 1;
    return strcmp(x->code, y->code);
}

int report_view_prepare(struct report_view *v, struct report_period *p, const struct rules *r,
                        uint64_t min_devices, unsigned count, report_view_filter keep, void *ctx,
                        char *err, size_t errlen)
{
    memset(v, 0, sizeof(*v));
    v->period = p;
    v->rules = r;
    v->min_devices = min_devices;
    v->count = count | (min_devices ? REPORT_COUNT_CELLS : 0);
    v->cells = malloc((p->ncells ? p->ncells : 1) * sizeof(*v->cells));
    v->positions = malloc((p->ncells ? p->ncells : 1) * sizeof(*v->positions));
    if (!v->cells || !v->positions) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < p->ncells; i++) {
        struct report_view_cell *vc = &v->cells[v->ncells];
        const struct report_cell *cell = &p->cells[i];
        vc->data = cell;
        vc->cell = i;
        vc->service_idx = catalog_find(r->catalog, cell->service);
        vc->dept_idx = departments_find(r->departments, cell->dept);
        vc->status = policy_status(r->policy, vc->service_idx, vc->dept_idx);
        vc->hidden = false;
        if (keep && !keep(ctx, vc))
            continue;
        v->positions[v->ncells++] = i;
    }
    return 0;
}

/* Privacy, grouping, and the cell lists of the unions to count. */
static int view_group(struct report_view *v, char *err, size_t errlen)
{
    for (size_t i = 0; i < v->ncells; i++) {
        struct report_view_cell *vc = &v->cells[i];
        const struct report_cell *cell = vc->data;
        vc->hidden = !report_view_shows(v, cell->devices);
        struct report_view_group *s = group_of(&v->service_index, &v->services, &v->nservices,
                                               &v->services_cap, cell->service, vc->service_idx);
        struct report_view_group *d = s ? group_of(&v->dept_index, &v->depts, &v->ndepts,
                                                   &v->depts_cap, cell->dept, vc->dept_idx)
                                        : NULL;
        if (!d || group_add(s, i) != 0 || group_add(d, i) != 0)
            goto oom;
        report_figures_add_cell(&v->total, cell);
        if (vc->hidden) {
            v->nhidden++;
            s->nhidden++;
            d->nhidden++;
            report_figures_add_cell(&s->hidden, cell);
            report_figures_add_cell(&d->hidden, cell);
            report_figures_add_cell(&v->hidden, cell);
        } else {
            report_figures_add_cell(&s->shown, cell);
            report_figures_add_cell(&d->shown, cell);
            if (countries_add(s, cell) != 0)
                goto oom;
        }
    }
    for (size_t i = 0; i < v->nservices; i++) {
        struct report_view_group *s = &v->services[i];
        if (s->ncountries > 1)
            qsort(s->countries, s->ncountries, sizeof(*s->countries), by_country_bytes);
    }

    /* The unions asked for: services over their visible cells, departments
     * and the view over every cell.  Positions in view.cells become positions
     * in the period. */
    v->nunions = v->nservices + v->ndepts + 1;
    v->unions = calloc(v->nunions, sizeof(*v->unions));
    v->union_cells = malloc((3 * v->ncells + 1) * sizeof(*v->union_cells));
    if (!v->unions || !v->union_cells)
        goto oom;
    size_t used = 0;
    for (size_t g = 0; g < v->nunions; g++) {
        int is_service = g < v->nservices, is_dept = !is_service && g < v->nservices + v->ndepts;
        const struct report_view_group *grp = is_service ? &v->services[g]
                                              : is_dept  ? &v->depts[g - v->nservices]
                                                         : NULL;
        unsigned wanted = is_service ? REPORT_COUNT_SERVICES
                          : is_dept  ? REPORT_COUNT_DEPTS
                                     : REPORT_COUNT_TOTAL;
        v->unions[g].cells = &v->union_cells[used];
        if (!(v->count & wanted))
            continue;
        size_t n = grp ? grp->ncells : v->ncells;
        for (size_t k = 0; k < n; k++) {
            size_t at = grp ? grp->cells[k] : k;
            if (is_service && v->cells[at].hidden)
                continue;
            v->union_cells[used++] = v->cells[at].cell;
            v->unions[g].ncells++;
        }
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int report_view_continue(struct report_view *v, redisContext *c, struct report_counts *q, char *err,
                         size_t errlen)
{
    if (v->grouped)
        return 0;
    v->grouped = 1;
    if (view_group(v, err, errlen) != 0)
        return -1;
    if (report_counts_groups(q, c, v->period, v->unions, v->nunions) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int report_view_request(struct report_view *v, redisContext *c, struct report_counts *q, char *err,
                        size_t errlen)
{
    if ((v->count & REPORT_COUNT_CELLS) &&
        report_counts_cells(q, c, v->period, v->positions, v->ncells) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Without a privacy threshold nothing is hidden, so the groups do not
     * depend on the cells' counts: ask for the unions in the same pipeline. */
    if (v->min_devices)
        return 0;
    return report_view_continue(v, c, q, err, errlen);
}

void report_view_finish(struct report_view *v)
{
    for (size_t g = 0; g < v->nunions; g++) {
        if (g < v->nservices)
            v->services[g].devices = v->unions[g].devices;
        else if (g < v->nservices + v->ndepts)
            v->depts[g - v->nservices].devices = v->unions[g].devices;
        else
            v->devices = v->unions[g].devices;
    }
}

const struct report_view_group *report_view_service(const struct report_view *v, const char *id)
{
    long at = report_index_get(&v->service_index, id, strlen(id));
    return at >= 0 ? &v->services[at] : NULL;
}

static void groups_free(struct report_view_group *g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(g[i].cells);
        free(g[i].countries);
    }
    free(g);
}

void report_view_free(struct report_view *v)
{
    if (!v)
        return;
    free(v->cells);
    free(v->positions);
    free(v->unions);
    free(v->union_cells);
    groups_free(v->services, v->nservices);
    groups_free(v->depts, v->ndepts);
    report_index_free(&v->service_index);
    report_index_free(&v->dept_index);
    memset(v, 0, sizeof(*v));
}
