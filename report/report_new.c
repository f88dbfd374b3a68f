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
#include "report_section.h"
#include "report_source.h"
#include "report_visibility.h"

/* Services whose first traffic ever counted falls in the period. */
static json_t *services_section(const struct report_source *src, const struct report_seen *seen)
{
    const struct report_view *v = &src->view;
    json_t *services = json_array();
    for (size_t i = 0; i < v->nservices; i++) {
        const struct report_view_group *g = &v->services[i];
        if (!report_source_holds(src, report_seen_first(seen, NULL, g->id)))
            continue;
        json_t *o = report_section_service(v, g, seen);
        json_object_set_new(o, "alternative", report_json_alternative(v->rules, g->id, -1));
        json_array_append_new(services, o);
    }
    report_json_sort_by(services, "devices");
    return services;
}

/* A department's services first used there in the period; NULL for none. */
static json_t *department_news(const struct report_source *src, const struct report_seen *seen,
                               const struct report_view_group *g)
{
    const struct report_view *v = &src->view;
    json_t *list = json_array();
    for (size_t k = 0; k < g->ncells; k++) {
        const struct report_view_cell *vc = &v->cells[g->cells[k]];
        if (!report_source_holds(src, report_seen_cell_first(seen, vc->data)))
            continue;
        json_t *cell = report_json_cell(v, vc, seen);
        json_object_set_new(cell, "new", json_true());
        json_object_set_new(cell, "new_in_organisation",
                            json_boolean(report_source_holds(
                                src, report_seen_first(seen, NULL, vc->data->service))));
        json_object_set_new(
            cell, "alternative",
            vc->status == POLICY_SANCTIONED
                ? json_null()
                : report_json_alternative(v->rules, vc->data->service, vc->dept_idx));
        json_array_append_new(list, cell);
    }
    if (!json_array_size(list)) {
        json_decref(list);
        return NULL;
    }
    report_json_sort_by(list, "devices");
    return list;
}

/* The departments with services new to them; *cells counts those services. */
static json_t *departments_section(const struct report_source *src, const struct report_seen *seen,
                                   size_t *cells)
{
    const struct report_view *v = &src->view;
    json_t *depts = json_array();
    for (size_t i = 0; i < v->ndepts; i++) {
        const struct report_view_group *g = &v->depts[i];
        json_t *list = department_news(src, seen, g);
        if (!list)
            continue;
        *cells += json_array_size(list);
        json_array_append_new(depts,
                              json_pack("{s:s, s:s, s:o}", "id", g->id, "name",
                                        report_dept_name(v->rules, g->id), "services", list));
    }
    return depts;
}

json_t *report_new(const struct report_request *rq, char *err, size_t errlen)
{
    struct report_source src = {0};
    struct report_seen seen = {0};
    json_t *out = NULL;
    if (report_source_load_days(&src, &seen, rq, NULL, err, errlen) != 0)
        goto done;
    json_t *vis = report_visibility_section(rq->redis, src.period.parts, src.period.nparts, NULL,
                                            rq->rules, rq->opt.min_devices, err, errlen);
    if (!vis)
        goto done;

    size_t cells_new = 0;
    json_t *services = services_section(&src, &seen);
    json_t *depts = departments_section(&src, &seen, &cells_new);
    json_t *totals =
        json_pack("{s:o, s:o, s:o}", "services", report_json_u64(json_array_size(services)),
                  "department_services", report_json_u64(cells_new), "departments",
                  report_json_u64(json_array_size(depts)));
    out = report_section_head("new", rq->redis, rq->first_day, rq->last_day, &src.view);
    json_object_set_new(out, "totals", totals);
    json_object_set_new(out, "visibility", vis);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "departments", depts);
done:
    report_seen_free(&seen);
    report_source_free(&src);
    return out;
}
