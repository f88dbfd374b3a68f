/*
 * report_section.c - the document head, service entries and department
 * entries that the monthly, department, unsanctioned and new reports share,
 * so that a field means the same in each of them.
 */
#include "report_section.h"

#include "report_json.h"

json_t *report_section_head(const char *kind, redisContext *c, uint32_t first_day,
                            uint32_t last_day, const struct report_view *v)
{
    return json_pack("{s:s, s:o, s:o, s:o, s:o}", "report", kind, "generated", report_json_now(),
                     "period", report_json_period(first_day, last_day), "sensors",
                     report_json_sensors(c, first_day, last_day), "privacy",
                     report_json_privacy(v));
}

json_t *report_section_service(const struct report_view *v, const struct report_view_group *g,
                               const struct report_seen *seen)
{
    json_t *o = json_object();
    report_json_describe_service(o, v->rules, g->id, -1);
    report_json_set_figures(o, &g->shown);
    json_object_set_new(o, "devices",
                        g->ncells > g->nhidden ? report_json_u64(g->devices) : json_null());
    json_t *depts = json_array();
    for (size_t k = 0; k < g->ncells; k++)
        json_array_append_new(depts, report_json_id(v->cells[g->cells[k]].data->dept));
    json_object_set_new(o, "departments", depts);
    json_object_set_new(o, "hidden_cells", report_json_u64(g->nhidden));
    json_object_set_new(o, "countries", report_json_countries(g->countries, g->ncountries));
    json_object_set_new(o, "first_seen", report_json_time(report_seen_first(seen, NULL, g->id)));
    json_object_set_new(o, "last_seen", report_json_time(report_seen_last(seen, NULL, g->id)));
    return o;
}

static void sort(json_t *array, const char *member)
{
    if (member)
        report_json_sort_by(array, member);
    else
        report_json_sort_by_bytes(array);
}

json_t *report_section_department(const struct report_view *v, const struct report_view_group *g,
                                  const struct report_seen *seen, report_section_cell_fields add,
                                  const void *ctx, const char *sort_by)
{
    json_t *o = json_pack("{s:s, s:s}", "id", g->id, "name", report_dept_name(v->rules, g->id));
    struct report_figures all = report_view_group_all(g);
    report_json_set_figures(o, &all);
    json_object_set_new(o, "devices", report_json_devices(v, g->devices));
    json_t *shown = json_array(), *hidden = json_array();
    for (size_t k = 0; k < g->ncells; k++) {
        const struct report_view_cell *vc = &v->cells[g->cells[k]];
        json_t *cell = report_json_cell(v, vc, seen);
        add(cell, vc, ctx);
        json_array_append_new(vc->hidden ? hidden : shown, cell);
    }
    sort(shown, sort_by);
    sort(hidden, sort_by); /* their figures are all null: by id */
    json_array_extend(shown, hidden);
    json_decref(hidden);
    json_object_set_new(o, "services", shown);
    json_object_set_new(o, "other", report_json_other(g->nhidden, &g->hidden));
    return o;
}
