/*
 * report_unsanctioned.c - unsanctioned and prohibited use over a period.
 *
 * A cell is in the report when the policy's status of its service for its
 * department is unsanctioned or prohibited, so a department's exception
 * (LinkedIn sanctioned for Sales) keeps that department's use out of it.
 * Services and departments are ordered by bytes uploaded: what left the
 * organisation is the security team's first question.
 */
#include "report_unsanctioned.h"

#include <stdio.h>
#include <string.h>

#include "report_data.h"
#include "report_json.h"
#include "report_section.h"
#include "report_source.h"
#include "report_tenants.h"
#include "report_visibility.h"

static bool not_allowed(void *ctx, const struct report_view_cell *vc)
{
    return vc->status == POLICY_UNSANCTIONED || vc->status == POLICY_PROHIBITED;
}

/* Every service in the view, most bytes uploaded first; *prohibited counts
 * those prohibited in some department. */
static json_t *services_section(const struct report_view *v, const struct report_seen *seen,
                                uint64_t *prohibited)
{
    json_t *services = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        int any_prohibited = 0;
        for (size_t k = 0; k < g->ncells; k++)
            any_prohibited |= v->cells[g->cells[k]].status == POLICY_PROHIBITED;
        *prohibited += (uint64_t)any_prohibited;
        json_t *o = report_section_service(v, g, seen);
        json_object_set_new(o, "alternative", report_json_alternative(v->rules, g->id, -1));
        json_array_append_new(services, o);
    }
    report_json_sort_by(services, "bytes_up");
    return services;
}

/* A cell's fields in this report: the sanctioned alternative. */
static void cell_fields(json_t *cell, const struct report_view_cell *vc, const void *ctx)
{
    const struct rules *r = ctx;
    json_object_set_new(cell, "alternative",
                        report_json_alternative(r, vc->data->service, vc->dept_idx));
}

/* Each department's unsanctioned use, the hidden cells last. */
static json_t *departments_section(const struct report_view *v, const struct report_seen *seen)
{
    json_t *depts = json_array();
    for (size_t i = 0; i < v->ndepts; i++)
        json_array_append_new(depts, report_section_department(v, &v->depts[i], seen, cell_fields,
                                                               v->rules, "bytes_up"));
    report_json_sort_by(depts, "bytes_up");
    return depts;
}

static json_t *totals_section(const struct report_view *v, uint64_t prohibited)
{
    json_t *totals = json_object();
    report_json_set_figures(totals, &v->total);
    json_object_set_new(totals, "devices", report_json_devices(v, v->devices));
    json_object_set_new(totals, "services", report_json_u64(v->nservices));
    json_object_set_new(totals, "prohibited_services", report_json_u64(prohibited));
    json_object_set_new(totals, "departments", report_json_u64(v->ndepts));
    return totals;
}

json_t *report_unsanctioned(const struct report_request *rq, char *err, size_t errlen)
{
    struct report_source src = {0};
    struct report_seen seen = {0};
    const struct report_view *v = &src.view;
    json_t *out = NULL;
    if (report_source_load_days(&src, &seen, rq, not_allowed, err, errlen) != 0)
        goto done;
    /* What named the period's traffic is known per department, not per
     * service: the whole organisation's. */
    json_t *vis = report_visibility_section(rq->redis, src.period.parts, src.period.nparts, NULL,
                                            rq->rules, rq->opt.min_devices, err, errlen);
    json_t *uploads = vis ? report_tenants_section(rq->redis, src.period.parts, src.period.nparts,
                                                   rq->first_day, rq->last_day, NULL, rq->rules,
                                                   rq->opt.min_devices, NULL, err, errlen)
                          : NULL;
    if (!uploads) {
        json_decref(vis);
        goto done;
    }

    uint64_t prohibited = 0;
    json_t *services = services_section(v, &seen, &prohibited);
    json_t *depts = departments_section(v, &seen);
    out = report_section_head("unsanctioned", rq->redis, rq->first_day, rq->last_day, v);
    json_object_set_new(out, "totals", totals_section(v, prohibited));
    json_object_set_new(out, "visibility", vis);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "departments", depts);
    json_object_set_new(out, "other", report_json_other(v->nhidden, &v->hidden));
    json_object_set_new(out, "other_tenant_uploads", uploads);
done:
    report_seen_free(&seen);
    report_source_free(&src);
    return out;
}
