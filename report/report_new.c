/*
 * report_new.c - what appeared in a period.
 *
 * "First seen" is the never-expiring shadowtap:first_seen hash, so a service
 * that was used a year ago and comes back is not new; the period's own
 * figures (devices, bytes) come from the period's hashes.
 */
#include "report_new.h"

#include <stdio.h>
#include <string.h>

#include "report_data.h"
#include "report_json.h"
#include "report_view.h"

struct window {
    uint64_t from, to; /* unix seconds, [from, to) */
};

static int in_window(const struct window *w, uint64_t t)
{
    return t && t >= w->from && t < w->to;
}

json_t *report_new(redisContext *c, const struct rules *r, uint32_t first_day, uint32_t last_day,
                   const struct report_options *opt, char *err, size_t errlen)
{
    struct report_period p = {0};
    struct report_view v = {0};
    struct report_seen seen = {0};
    json_t *out = NULL;
    struct window w = {(uint64_t)first_day * 86400, ((uint64_t)last_day + 1) * 86400};
    if (report_period_load_days(c, first_day, last_day, NULL, &p, err, errlen) != 0 ||
        report_view_build(&v, c, &p, r, opt->min_devices, REPORT_COUNT_ALL, NULL, NULL, err,
                          errlen) != 0 ||
        report_seen_load(c, &seen, err, errlen) != 0)
        goto done;

    json_t *services = json_array();
    for (size_t i = 0; i < v.nservices; i++) {
        const struct report_view_group *g = &v.services[i];
        uint64_t first = report_seen_first(&seen, NULL, g->id);
        if (!in_window(&w, first))
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, r, g->id, -1);
        report_json_set_figures(o, &g->shown);
        json_object_set_new(o, "devices",
                            g->ncells > g->nhidden ? report_json_u64(g->devices) : json_null());
        json_t *depts = json_array();
        for (size_t k = 0; k < g->ncells; k++)
            json_array_append_new(depts, report_json_id(v.cells[g->cells[k]].data->dept));
        json_object_set_new(o, "departments", depts);
        json_object_set_new(o, "hidden_cells", report_json_u64(g->nhidden));
        json_object_set_new(o, "countries", report_json_countries(g->countries, g->ncountries));
        json_object_set_new(o, "first_seen", report_json_time(first));
        json_object_set_new(o, "last_seen", report_json_time(report_seen_last(&seen, NULL, g->id)));
        json_object_set_new(o, "alternative", report_json_alternative(r, g->id, -1));
        json_array_append_new(services, o);
    }
    report_json_sort_by(services, "devices");

    json_t *depts = json_array();
    size_t cells_new = 0;
    for (size_t i = 0; i < v.ndepts; i++) {
        const struct report_view_group *g = &v.depts[i];
        json_t *list = json_array();
        for (size_t k = 0; k < g->ncells; k++) {
            const struct report_view_cell *vc = &v.cells[g->cells[k]];
            if (!in_window(&w, report_seen_cell_first(&seen, vc->data)))
                continue;
            json_t *cell = report_json_cell(&v, vc, &seen);
            json_object_set_new(cell, "new", json_true());
            json_object_set_new(
                cell, "new_in_organisation",
                json_boolean(in_window(&w, report_seen_first(&seen, NULL, vc->data->service))));
            json_object_set_new(cell, "alternative",
                                vc->status == POLICY_SANCTIONED
                                    ? json_null()
                                    : report_json_alternative(r, vc->data->service, vc->dept_idx));
            json_array_append_new(list, cell);
        }
        if (!json_array_size(list)) {
            json_decref(list);
            continue;
        }
        cells_new += json_array_size(list);
        report_json_sort_by(list, "devices");
        json_array_append_new(depts, json_pack("{s:s, s:s, s:o}", "id", g->id, "name",
                                               report_dept_name(r, g->id), "services", list));
    }

    json_t *totals =
        json_pack("{s:o, s:o, s:o}", "services", report_json_u64(json_array_size(services)),
                  "department_services", report_json_u64(cells_new), "departments",
                  report_json_u64(json_array_size(depts)));
    out =
        json_pack("{s:s, s:o, s:o, s:o, s:o}", "report", "new", "generated", report_json_now(),
                  "period", report_json_period(first_day, last_day), "sensors",
                  report_json_sensors(c, first_day, last_day), "privacy", report_json_privacy(&v));
    json_object_set_new(out, "totals", totals);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "departments", depts);
done:
    report_seen_free(&seen);
    report_view_free(&v);
    report_period_free(&p);
    return out;
}
