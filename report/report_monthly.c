/*
 * report_monthly.c - one month of the organisation, for the IT leader.
 *
 * Reads the month and the month before (their month hashes, device
 * HyperLogLogs and countries) and the first-seen times in one pipeline,
 * builds a view of each (report_source.h; report_view.h: rules, privacy and
 * grouping), and derives every section from the two views.  Per-service
 * figures come from visible cells only, so the privacy threshold holds in
 * every section.  What named the month's traffic (report_visibility.h), the
 * candidate services (report_candidates.h) and the model servers inside
 * (report_ai_servers.h) are read after, from their own keys; the uploads to
 * generative AI are report_genai.h's.
 */
#include "report_monthly.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_ai_servers.h"
#include "report_candidates.h"
#include "report_data.h"
#include "report_dates.h"
#include "report_dept_sources.h"
#include "report_genai.h"
#include "report_json.h"
#include "report_section.h"
#include "report_source.h"
#include "report_tenants.h"
#include "report_visibility.h"

#define CANDIDATES_SHOWN 100 /* candidate services listed in unknown_services */

static size_t visible_cells(const struct report_view_group *g)
{
    return g->ncells - g->nhidden;
}

/* Devices of a service group: the union of its visible cells, null without any. */
static json_t *service_devices(const struct report_view *v, const struct report_view_group *g)
{
    return visible_cells(g) ? report_json_u64(g->devices) : json_null();
}

static json_t *dept_ids(const struct report_view *v, const struct report_view_group *g)
{
    json_t *arr = json_array();
    for (size_t k = 0; k < g->ncells; k++)
        json_array_append_new(arr, report_json_id(v->cells[g->cells[k]].data->dept));
    return arr;
}

static json_t *services_section(const struct report_source *m, const struct report_seen *seen)
{
    const struct report_view *v = &m->view;
    json_t *arr = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        json_t *o = report_section_service(v, g, seen);
        json_object_set_new(
            o, "new", json_boolean(report_source_holds(m, report_seen_first(seen, NULL, g->id))));
        json_object_set_new(o, "alternative", report_json_alternative(v->rules, g->id, -1));
        json_array_append_new(arr, o);
    }
    report_json_sort_by_bytes(arr);
    return arr;
}

/* What a department's cells are told: the month and the first-seen times. */
struct month_seen {
    const struct report_source *month;
    const struct report_seen *seen;
};

/* A cell's fields in the monthly report: whether the department used the
 * service first this month, and the sanctioned alternative unless it is. */
static void cell_fields(json_t *cell, const struct report_view_cell *vc, const void *ctx)
{
    const struct month_seen *ms = ctx;
    json_object_set_new(
        cell, "new",
        json_boolean(report_source_holds(ms->month, report_seen_cell_first(ms->seen, vc->data))));
    json_object_set_new(
        cell, "alternative",
        vc->status == POLICY_SANCTIONED
            ? json_null()
            : report_json_alternative(ms->month->view.rules, vc->data->service, vc->dept_idx));
}

static json_t *departments_section(const struct report_source *m, const struct report_seen *seen)
{
    const struct report_view *v = &m->view;
    struct month_seen ms = {m, seen};
    json_t *arr = json_array();
    for (size_t i = 0; i < v->ndepts; i++)
        json_array_append_new(
            arr, report_section_department(v, &v->depts[i], seen, cell_fields, &ms, NULL));
    report_json_sort_by_bytes(arr);
    return arr;
}

static json_t *totals_section(const struct report_source *m, size_t new_services)
{
    const struct report_view *v = &m->view;
    json_t *o = json_object();
    report_json_set_figures(o, &v->total);
    json_object_set_new(o, "devices", report_json_devices(v, v->devices));
    json_object_set_new(o, "services", report_json_u64(v->nservices));
    json_object_set_new(o, "departments", report_json_u64(v->ndepts));
    json_object_set_new(o, "new_services", report_json_u64(new_services));

    /* Per policy status, from the visible cells and each cell's own status. */
    json_t *by_status = json_object();
    for (int s = 0; s < POLICY_STATUS_COUNT; s++) {
        struct report_figures f = {0};
        uint64_t services = 0;
        for (size_t i = 0; i < v->nservices; i++) {
            const struct report_view_group *g = &v->services[i];
            int used = 0;
            for (size_t k = 0; k < g->ncells; k++) {
                const struct report_view_cell *vc = &v->cells[g->cells[k]];
                if ((int)vc->status != s)
                    continue;
                used = 1;
                if (!vc->hidden)
                    report_figures_add_cell(&f, vc->data);
            }
            services += (uint64_t)used;
        }
        json_t *st = json_pack("{s:o}", "services", report_json_u64(services));
        report_json_set_figures(st, &f);
        json_object_set_new(by_status, policy_status_name(s), st);
    }
    json_object_set_new(o, "by_status", by_status);
    return o;
}

static json_t *new_section(const struct report_source *m, const struct report_seen *seen,
                           size_t *count)
{
    const struct report_view *v = &m->view;
    json_t *org = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        uint64_t first = report_seen_first(seen, NULL, g->id);
        if (!report_source_holds(m, first))
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, v->rules, g->id, -1);
        json_object_set_new(o, "first_seen", report_json_time(first));
        json_object_set_new(o, "departments", dept_ids(v, g));
        json_object_set_new(o, "devices", service_devices(v, g));
        json_object_set_new(o, "bytes_up", report_json_u64(g->shown.bytes_up));
        json_object_set_new(o, "bytes_down", report_json_u64(g->shown.bytes_down));
        json_object_set_new(o, "alternative", report_json_alternative(v->rules, g->id, -1));
        json_array_append_new(org, o);
    }
    report_json_sort_by(org, "devices");
    *count = json_array_size(org);

    json_t *depts = json_array();
    for (size_t i = 0; i < v->ndepts; i++) {
        const struct report_view_group *g = &v->depts[i];
        json_t *list = json_array();
        for (size_t k = 0; k < g->ncells; k++) {
            const struct report_view_cell *vc = &v->cells[g->cells[k]];
            const char *svc = vc->data->service;
            uint64_t first = report_seen_cell_first(seen, vc->data);
            if (!report_source_holds(m, first))
                continue;
            json_t *o = json_object();
            report_json_describe_cell(o, v->rules, svc, vc->dept_idx);
            json_object_set_new(o, "first_seen", report_json_time(first));
            json_object_set_new(
                o, "new_in_organisation",
                json_boolean(report_source_holds(m, report_seen_first(seen, NULL, svc))));
            json_object_set_new(o, "devices",
                                vc->hidden ? json_null() : report_json_u64(vc->data->devices));
            json_object_set_new(o, "hidden", json_boolean(vc->hidden));
            json_array_append_new(list, o);
        }
        if (!json_array_size(list)) {
            json_decref(list);
            continue;
        }
        report_json_sort_by(list, "devices");
        json_array_append_new(depts,
                              json_pack("{s:s, s:s, s:o}", "id", g->id, "name",
                                        report_dept_name(v->rules, g->id), "services", list));
    }
    return json_pack("{s:o, s:o}", "services", org, "departments", depts);
}

static json_t *month_figures(const struct report_view *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "bytes_up", report_json_u64(v->total.bytes_up));
    json_object_set_new(o, "bytes_down", report_json_u64(v->total.bytes_down));
    json_object_set_new(o, "flows", report_json_u64(v->total.flows));
    json_object_set_new(o, "devices", report_json_devices(v, v->devices));
    json_object_set_new(o, "services", report_json_u64(v->nservices));
    json_object_set_new(o, "departments", report_json_u64(v->ndepts));
    return o;
}

static json_t *change_section(const struct report_source *cur, const struct report_source *prev)
{
    const struct report_view *v = &cur->view, *pv = &prev->view;
    json_t *services = json_array(), *added = json_array(), *dropped = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        const struct report_view_group *pg = report_view_service(pv, g->id);
        json_t *o = json_object();
        report_json_describe_service(o, v->rules, g->id, -1);
        json_object_set_new(o, "bytes_up", report_json_u64(g->shown.bytes_up));
        json_object_set_new(o, "bytes_down", report_json_u64(g->shown.bytes_down));
        json_object_set_new(o, "devices", service_devices(v, g));
        json_object_set_new(o, "bytes_up_previous", report_json_u64(pg ? pg->shown.bytes_up : 0));
        json_object_set_new(o, "bytes_down_previous",
                            report_json_u64(pg ? pg->shown.bytes_down : 0));
        json_object_set_new(o, "devices_previous",
                            pg ? service_devices(pv, pg) : report_json_u64(0));
        json_array_append_new(pg ? services : added, o);
    }
    for (size_t i = 0; i < pv->nservices; i++) {
        const struct report_view_group *pg = &pv->services[i];
        if (report_view_service(v, pg->id))
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, v->rules, pg->id, -1);
        json_object_set_new(o, "bytes_up", report_json_u64(0));
        json_object_set_new(o, "bytes_down", report_json_u64(0));
        json_object_set_new(o, "devices", report_json_u64(0));
        json_object_set_new(o, "bytes_up_previous", report_json_u64(pg->shown.bytes_up));
        json_object_set_new(o, "bytes_down_previous", report_json_u64(pg->shown.bytes_down));
        json_object_set_new(o, "devices_previous", service_devices(pv, pg));
        json_array_append_new(dropped, o);
    }
    report_json_sort_by_bytes(services);
    report_json_sort_by_bytes(added);
    report_json_sort_by(dropped, "bytes_up_previous");
    json_t *o = json_object();
    json_object_set_new(o, "previous",
                        prev->before_epoch ? report_json_period_before_epoch()
                                           : report_json_period(prev->first_day, prev->last_day));
    json_object_set_new(o, "previous_has_data", json_boolean(prev->period.ncells > 0));
    json_object_set_new(o, "current_totals", month_figures(v));
    json_object_set_new(o, "previous_totals", month_figures(pv));
    json_object_set_new(o, "services", services);
    json_object_set_new(o, "new", added);
    json_object_set_new(o, "dropped", dropped);
    return o;
}

static json_t *candidates_section(const struct report_source *m, const struct report_options *opt)
{
    const struct report_view *v = &m->view;
    json_t *list = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        const struct service *s = catalog_service(v->rules->catalog, g->idx);
        if (!s || (s->risk != RISK_LOW && s->risk != RISK_MEDIUM) ||
            policy_status(v->rules->policy, g->idx, -1) != POLICY_UNSANCTIONED ||
            !visible_cells(g) || g->devices < opt->candidate_devices ||
            g->ncells < opt->candidate_departments)
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, v->rules, g->id, -1);
        json_object_set_new(o, "devices", report_json_u64(g->devices));
        json_object_set_new(o, "departments", dept_ids(v, g));
        json_object_set_new(o, "bytes_up", report_json_u64(g->shown.bytes_up));
        json_object_set_new(o, "bytes_down", report_json_u64(g->shown.bytes_down));
        json_object_set_new(o, "alternative", report_json_alternative(v->rules, g->id, -1));
        json_array_append_new(list, o);
    }
    report_json_sort_by(list, "devices");
    json_t *criteria = json_pack("{s:[s], s:[s,s], s:I, s:I}", "statuses", "unsanctioned", "risks",
                                 "low", "medium", "min_devices", (json_int_t)opt->candidate_devices,
                                 "min_departments", (json_int_t)opt->candidate_departments);
    return json_pack("{s:o, s:o}", "criteria", criteria, "services", list);
}

json_t *report_monthly(const struct report_request *rq, char *err, size_t errlen)
{
    /* The previous month is compared per service only: its countries are not
     * read, its services' and total unions are counted, and its cells only
     * when privacy needs them. */
    struct report_source months[2] = {
        {.with_geo = true, .count = REPORT_COUNT_ALL},
        {.count = REPORT_COUNT_SERVICES | REPORT_COUNT_TOTAL},
    };
    const struct report_source *cur = &months[0], *prev = &months[1];
    struct report_seen seen = {0};
    redisContext *c = rq->redis;
    json_t *out = NULL;
    if (report_source_months(&months[0], &months[1], rq->month, err, errlen) != 0 ||
        report_source_load(c, rq->rules, rq->opt.min_devices, months, 2, &seen, err, errlen) != 0)
        goto done;

    json_t *vis = report_visibility_section(c, cur->period.parts, cur->period.nparts, NULL,
                                            rq->rules, rq->opt.min_devices, err, errlen);
    json_t *unknown =
        vis ? report_candidates_section(c, &rq->month, 1, NULL, rq->rules, rq->opt.min_devices,
                                        CANDIDATES_SHOWN, NULL, err, errlen)
            : NULL;
    json_t *genai = unknown ? report_genai_section(&cur->view, err, errlen) : NULL;
    json_t *services = genai ? services_section(cur, &seen) : NULL;
    json_t *uploads = services
                          ? report_tenants_section(c, cur->period.parts, cur->period.nparts,
                                                   cur->first_day, cur->last_day, NULL, rq->rules,
                                                   rq->opt.min_devices, services, err, errlen)
                          : NULL;
    json_t *sources = uploads
                          ? report_dept_sources_section(c, cur->period.parts, cur->period.nparts,
                                                        rq->opt.min_devices, err, errlen)
                          : NULL;
    if (!sources) {
        json_decref(vis);
        json_decref(unknown);
        json_decref(genai);
        json_decref(services);
        json_decref(uploads);
        goto done;
    }
    size_t new_services = 0;
    json_t *added = new_section(cur, &seen, &new_services);
    out = report_section_head("monthly", c, cur->first_day, cur->last_day, &cur->view);
    json_t *totals = totals_section(cur, new_services);
    json_object_set_new(totals, "department_sources", sources);
    json_object_set_new(out, "totals", totals);
    json_object_set_new(out, "visibility", vis);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "departments", departments_section(cur, &seen));
    json_object_set_new(out, "other", report_json_other(cur->view.nhidden, &cur->view.hidden));
    json_object_set_new(out, "new_services", added);
    json_object_set_new(out, "change", change_section(cur, prev));
    json_object_set_new(out, "adoption_candidates", candidates_section(cur, &rq->opt));
    json_object_set_new(out, "genai_uploads", genai);
    json_object_set_new(out, "other_tenant_uploads", uploads);
    json_object_set_new(out, "unknown_services", unknown);
    if (json_object_set_new(out, "internal_ai_servers",
                            report_ai_servers_section(c, &rq->month, 1, rq->rules,
                                                      rq->opt.min_devices, err, errlen)) != 0) {
        json_decref(out); /* err says why */
        out = NULL;
    }
done:
    report_seen_free(&seen);
    report_source_free(&months[0]);
    report_source_free(&months[1]);
    return out;
}
