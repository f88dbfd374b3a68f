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
#include "report_view.h"

static bool not_allowed(void *ctx, const struct report_view_cell *vc)
{
    return vc->status == POLICY_UNSANCTIONED || vc->status == POLICY_PROHIBITED;
}

json_t *report_unsanctioned(redisContext *c, const struct rules *r, uint32_t first_day,
                            uint32_t last_day, const struct report_options *opt, char *err,
                            size_t errlen)
{
    struct report_period p = {0};
    struct report_view v = {0};
    struct report_seen seen = {0};
    json_t *out = NULL;
    if (report_period_load_days(c, first_day, last_day, NULL, &p, err, errlen) != 0 ||
        report_view_build(&v, c, &p, r, opt->min_devices, REPORT_COUNT_ALL, not_allowed, NULL, err,
                          errlen) != 0 ||
        report_seen_load(c, &seen, err, errlen) != 0)
        goto done;

    json_t *services = json_array();
    uint64_t prohibited = 0;
    for (size_t i = 0; i < v.nservices; i++) {
        const struct report_view_group *g = &v.services[i];
        json_t *o = json_object();
        report_json_describe_service(o, r, g->id, -1);
        report_json_set_figures(o, &g->shown);
        json_object_set_new(o, "devices",
                            g->ncells > g->nhidden ? report_json_u64(g->devices) : json_null());
        json_t *depts = json_array();
        int any_prohibited = 0;
        for (size_t k = 0; k < g->ncells; k++) {
            const struct report_view_cell *vc = &v.cells[g->cells[k]];
            json_array_append_new(depts, report_json_id(vc->data->dept));
            any_prohibited |= vc->status == POLICY_PROHIBITED;
        }
        prohibited += (uint64_t)any_prohibited;
        json_object_set_new(o, "departments", depts);
        json_object_set_new(o, "hidden_cells", report_json_u64(g->nhidden));
        json_object_set_new(o, "countries", report_json_countries(g->countries, g->ncountries));
        json_object_set_new(o, "first_seen",
                            report_json_time(report_seen_first(&seen, NULL, g->id)));
        json_object_set_new(o, "last_seen", report_json_time(report_seen_last(&seen, NULL, g->id)));
        json_object_set_new(o, "alternative", report_json_alternative(r, g->id, -1));
        json_array_append_new(services, o);
    }
    report_json_sort_by(services, "bytes_up");

    json_t *depts = json_array();
    for (size_t i = 0; i < v.ndepts; i++) {
        const struct report_view_group *g = &v.depts[i];
        json_t *o = json_pack("{s:s, s:s}", "id", g->id, "name", report_dept_name(r, g->id));
        struct report_figures all = g->shown;
        all.bytes_up += g->hidden.bytes_up;
        all.bytes_down += g->hidden.bytes_down;
        all.packets_up += g->hidden.packets_up;
        all.packets_down += g->hidden.packets_down;
        all.flows += g->hidden.flows;
        report_json_set_figures(o, &all);
        json_object_set_new(o, "devices", report_json_devices(&v, g->devices));
        json_t *cells = json_array(), *hidden = json_array();
        for (size_t k = 0; k < g->ncells; k++) {
            const struct report_view_cell *vc = &v.cells[g->cells[k]];
            json_t *cell = report_json_cell(&v, vc, &seen);
            json_object_set_new(cell, "alternative",
                                report_json_alternative(r, vc->data->service, vc->dept_idx));
            json_array_append_new(vc->hidden ? hidden : cells, cell);
        }
        report_json_sort_by(cells, "bytes_up");
        report_json_sort_by(hidden, "bytes_up");
        json_array_extend(cells, hidden);
        json_decref(hidden);
        json_object_set_new(o, "services", cells);
        json_object_set_new(o, "other", report_json_other(g->nhidden, &g->hidden));
        json_array_append_new(depts, o);
    }
    report_json_sort_by(depts, "bytes_up");

    json_t *totals = json_object();
    report_json_set_figures(totals, &v.total);
    json_object_set_new(totals, "devices", report_json_devices(&v, v.devices));
    json_object_set_new(totals, "services", report_json_u64(v.nservices));
    json_object_set_new(totals, "prohibited_services", report_json_u64(prohibited));
    json_object_set_new(totals, "departments", report_json_u64(v.ndepts));

    out =
        json_pack("{s:s, s:o, s:o, s:o, s:o}", "report", "unsanctioned", "generated",
                  report_json_now(), "period", report_json_period(first_day, last_day), "sensors",
                  report_json_sensors(c, first_day, last_day), "privacy", report_json_privacy(&v));
    json_object_set_new(out, "totals", totals);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "departments", depts);
    json_object_set_new(out, "other", report_json_other(v.nhidden, &v.hidden));
done:
    report_seen_free(&seen);
    report_view_free(&v);
    report_period_free(&p);
    return out;
}
