/*
 * report_department.c - one department's month, for its head.
 *
 * Reads only that department's cells of the month and of the month before
 * (the month hashes are read whole, as the schema lays them out, and the
 * other departments' fields skipped), and its services' bytes per day with
 * one HMGET per day.  Status and alternative are the policy's for this
 * department, exceptions included.  Its visibility and candidate services
 * are its own fields and device keys only; its uploads to generative AI
 * (report_genai.h) its own visible cells.
 */
#include "report_department.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_candidates.h"
#include "report_data.h"
#include "report_dates.h"
#include "report_genai.h"
#include "report_json.h"
#include "report_section.h"
#include "report_source.h"
#include "report_tenants.h"
#include "report_visibility.h"

#define CANDIDATES_SHOWN 100 /* candidate services listed in unknown_services */

const char *report_department_resolve(const struct rules *r, const char *name)
{
    /* Ids first: a display name that happens to be another department's id
     * must not hide that department. */
    for (size_t i = 0; i < departments_count(r->departments); i++) {
        const struct department *d = departments_get(r->departments, (int)i);
        if (strcasecmp(d->id, name) == 0)
            return d->id;
    }
    if (strcasecmp(name, DEPARTMENT_UNASSIGNED) == 0 ||
        strcasecmp(name, DEPARTMENT_UNASSIGNED_NAME) == 0)
        return DEPARTMENT_UNASSIGNED;
    for (size_t i = 0; i < departments_count(r->departments); i++) {
        const struct department *d = departments_get(r->departments, (int)i);
        if (strcasecmp(d->name, name) == 0)
            return d->id;
    }
    return NULL;
}

static bool of_dept(void *ctx, const struct report_view_cell *vc)
{
    return strcmp(vc->data->dept, ctx) == 0;
}

/* Devices grew or shrank by at least a fifth (and at least one device). */
static const char *trend(const struct report_view_cell *cur, const struct report_view_cell *prev)
{
    if (!prev)
        return "new";
    if (cur->hidden || prev->hidden)
        return NULL;
    uint64_t a = prev->data->devices, b = cur->data->devices;
    if (b > a && (b - a) * 5 >= a && b - a >= 1)
        return "up";
    if (a > b && (a - b) * 5 >= a && a - b >= 1)
        return "down";
    return "steady";
}

/* A figure of the previous month: 0 when the cell was not used, null when
 * either month's cell is hidden by privacy. */
static json_t *previous(const struct report_view_cell *cur, const struct report_view_cell *prev,
                        uint64_t value)
{
    if (cur->hidden || (prev && prev->hidden))
        return json_null();
    return report_json_u64(prev ? value : 0);
}

static const struct report_view_cell *cell_in(const struct report_view *v, const char *service)
{
    const struct report_view_group *g = report_view_service(v, service);
    return g && g->ncells ? &v->cells[g->cells[0]] : NULL;
}

/* One department's month and the month before, as read. */
struct dept_month {
    const struct report_request *rq;
    int dept_idx;
    struct report_source months[2]; /* this month, the month before */
    struct report_seen seen;
    size_t ndays;    /* of this month */
    uint64_t *daily; /* per cell of this month's view and day: bytes up, down */
};

/* What the tools add up to, gathered while they are listed. */
struct dept_totals {
    json_t *by_status;   /* status name: number of tools */
    json_t *daily_bytes; /* per day, over the visible tools */
    uint64_t with_alternative;
};

/* Both months of the department's cells, and its tools' bytes per day. */
static int load(struct dept_month *m, char *err, size_t errlen)
{
    const struct report_request *rq = m->rq;
    const struct report_source one = {
        .with_geo = true,
        .only_dept = rq->dept,
        .count = REPORT_COUNT_CELLS | REPORT_COUNT_TOTAL,
        .keep = of_dept,
        .keep_ctx = (void *)rq->dept,
    };
    m->months[0] = m->months[1] = one;
    if (report_source_months(&m->months[0], &m->months[1], rq->month, err, errlen) != 0 ||
        report_source_load(rq->redis, rq->rules, rq->opt.min_devices, m->months, 2, &m->seen, err,
                           errlen) != 0)
        return -1;
    const struct report_source *cur = &m->months[0];
    const struct report_view *v = &cur->view;
    m->ndays = cur->last_day - cur->first_day + 1;
    const char **ids = calloc(v->ncells + 1, sizeof(*ids));
    m->daily = calloc((v->ncells + 1) * m->ndays * 2, sizeof(*m->daily));
    if (!ids || !m->daily) {
        free(ids);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < v->ncells; i++)
        ids[i] = v->cells[i].data->service;
    int rc = report_daily_bytes(rq->redis, rq->dept, ids, v->ncells, cur->first_day, cur->last_day,
                                m->daily, err, errlen);
    free(ids);
    return rc;
}

/* The bytes per day of cell i, added to the department's days too. */
static json_t *daily_series(const struct dept_month *m, size_t i, json_t *day_total)
{
    json_t *series = json_array();
    for (size_t d = 0; d < m->ndays; d++) {
        uint64_t b = m->daily[(i * m->ndays + d) * 2] + m->daily[(i * m->ndays + d) * 2 + 1];
        json_array_append_new(series, report_json_u64(b));
        json_t *sum = json_array_get(day_total, d);
        json_integer_set(sum, json_integer_value(sum) + (json_int_t)b);
    }
    return series;
}

/* Cell i of this month: a tool with its status, figures of both months,
 * trend, days and alternative. */
static json_t *tool(const struct dept_month *m, size_t i, struct dept_totals *t)
{
    const struct report_source *cur = &m->months[0];
    const struct report_view_cell *vc = &cur->view.cells[i];
    const struct report_view_cell *pc = cell_in(&m->months[1].view, vc->data->service);
    json_t *o = report_json_cell(&cur->view, vc, &m->seen);
    const char *name = policy_status_name(vc->status);
    json_object_set_new(t->by_status, name,
                        json_integer(json_integer_value(json_object_get(t->by_status, name)) + 1));
    /* Not report_source_holds: here an unknown first-seen time (0) falls in
     * 1970-01, as it always has in this report. */
    uint64_t first_seen = report_seen_cell_first(&m->seen, vc->data);
    json_object_set_new(o, "new",
                        json_boolean(first_seen >= (uint64_t)cur->first_day * 86400 &&
                                     first_seen < ((uint64_t)cur->last_day + 1) * 86400));
    /* A hidden cell shows no figure of either month. */
    json_object_set_new(o, "bytes_up_previous", previous(vc, pc, pc ? pc->data->bytes_up : 0));
    json_object_set_new(o, "bytes_down_previous", previous(vc, pc, pc ? pc->data->bytes_down : 0));
    json_object_set_new(o, "devices_previous", previous(vc, pc, pc ? pc->data->devices : 0));
    const char *tr = trend(vc, pc);
    json_object_set_new(o, "trend", tr ? json_string(tr) : json_null());
    json_object_set_new(o, "daily_bytes",
                        vc->hidden ? json_null() : daily_series(m, i, t->daily_bytes));
    json_t *alt = vc->status == POLICY_SANCTIONED
                      ? json_null()
                      : report_json_alternative(m->rq->rules, vc->data->service, m->dept_idx);
    if (!json_is_null(alt))
        t->with_alternative++;
    json_object_set_new(o, "alternative", alt);
    return o;
}

/* This month's tools, most bytes first, the hidden ones last. */
static json_t *tools_section(const struct dept_month *m, struct dept_totals *t)
{
    const struct report_view *v = &m->months[0].view;
    json_t *services = json_array(), *hidden = json_array();
    for (size_t i = 0; i < v->ncells; i++)
        json_array_append_new(v->cells[i].hidden ? hidden : services, tool(m, i, t));
    report_json_sort_by_bytes(services);
    report_json_sort_by_bytes(hidden);
    json_array_extend(services, hidden);
    json_decref(hidden);
    return services;
}

/* The tools of the month before that this month did not use. */
static json_t *dropped_section(const struct dept_month *m)
{
    const struct report_view *v = &m->months[0].view, *pv = &m->months[1].view;
    json_t *dropped = json_array();
    for (size_t i = 0; i < pv->ncells; i++) {
        const struct report_view_cell *pc = &pv->cells[i];
        if (cell_in(v, pc->data->service))
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, m->rq->rules, pc->data->service, m->dept_idx);
        json_object_set_new(o, "bytes_up_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->bytes_up));
        json_object_set_new(o, "bytes_down_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->bytes_down));
        json_object_set_new(o, "devices_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->devices));
        json_array_append_new(dropped, o);
    }
    report_json_sort_by(dropped, "bytes_up_previous");
    return dropped;
}

/* The department's own figures; takes the totals' values. */
static json_t *department_section(const struct dept_month *m, struct dept_totals *t)
{
    const struct report_view *v = &m->months[0].view, *pv = &m->months[1].view;
    const char *dept = m->rq->dept;
    json_t *d = json_pack("{s:s, s:s}", "id", dept, "name", report_dept_name(m->rq->rules, dept));
    report_json_set_figures(d, &v->total);
    json_object_set_new(d, "devices", report_json_devices(v, v->devices));
    json_object_set_new(d, "devices_previous", report_json_devices(pv, pv->devices));
    json_object_set_new(d, "services", report_json_u64(v->ncells));
    json_object_set_new(d, "by_status", t->by_status);
    json_object_set_new(d, "with_alternative", report_json_u64(t->with_alternative));
    json_object_set_new(d, "daily_bytes", t->daily_bytes);
    return d;
}

static void totals_init(struct dept_totals *t, size_t ndays)
{
    t->by_status = json_object();
    for (int s = 0; s < POLICY_STATUS_COUNT; s++)
        json_object_set_new(t->by_status, policy_status_name(s), json_integer(0));
    t->daily_bytes = json_array();
    for (size_t d = 0; d < ndays; d++)
        json_array_append_new(t->daily_bytes, json_integer(0));
    t->with_alternative = 0;
}

json_t *report_department(const struct report_request *rq, char *err, size_t errlen)
{
    struct dept_month m = {.rq = rq,
                           .dept_idx = departments_find(rq->rules->departments, rq->dept)};
    const struct report_source *cur = &m.months[0], *prev = &m.months[1];
    json_t *out = NULL;
    if (load(&m, err, errlen) != 0)
        goto done;

    json_t *vis = report_visibility_section(rq->redis, cur->period.parts, cur->period.nparts,
                                            rq->dept, rq->rules, rq->opt.min_devices, err, errlen);
    json_t *unknown =
        vis ? report_candidates_section(rq->redis, &rq->month, 1, rq->dept, rq->rules,
                                        rq->opt.min_devices, CANDIDATES_SHOWN, NULL, err, errlen)
            : NULL;
    json_t *genai = unknown ? report_genai_department(&cur->view, err, errlen) : NULL;
    if (!genai) {
        json_decref(vis);
        json_decref(unknown);
        goto done;
    }
    struct dept_totals t;
    totals_init(&t, m.ndays);
    json_t *services = tools_section(&m, &t);
    json_t *uploads = report_tenants_section(rq->redis, cur->period.parts, cur->period.nparts,
                                             cur->first_day, cur->last_day, rq->dept, rq->rules,
                                             rq->opt.min_devices, services, err, errlen);
    if (!uploads) {
        json_decref(genai);
        json_decref(vis);
        json_decref(unknown);
        json_decref(services);
        json_decref(t.by_status);
        json_decref(t.daily_bytes);
        goto done;
    }
    out = report_section_head("department", rq->redis, cur->first_day, cur->last_day, &cur->view);
    json_object_set_new(out, "previous",
                        prev->before_epoch ? report_json_period_before_epoch()
                                           : report_json_period(prev->first_day, prev->last_day));
    json_object_set_new(out, "department", department_section(&m, &t));
    json_object_set_new(out, "visibility", vis);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "dropped", dropped_section(&m));
    json_object_set_new(out, "genai_uploads", genai);
    json_object_set_new(out, "other", report_json_other(cur->view.nhidden, &cur->view.hidden));
    json_object_set_new(out, "other_tenant_uploads", uploads);
    json_object_set_new(out, "unknown_services", unknown);
done:
    free(m.daily);
    report_seen_free(&m.seen);
    report_source_free(&m.months[0]);
    report_source_free(&m.months[1]);
    return out;
}
