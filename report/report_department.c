/*
 * report_department.c - one department's month, for its head.
 *
 * Reads only that department's cells of the month and of the month before
 * (the month hashes are read whole, as the schema lays them out, and the
 * other departments' fields skipped), and its services' bytes per day with
 * one HMGET per day.  Status and alternative are the policy's for this
 * department, exceptions included.
 */
#include "report_department.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_data.h"
#include "report_dates.h"
#include "report_json.h"
#include "report_view.h"

const char *report_department_resolve(const struct rules *r, const char *name)
{
    int idx = departments_find(r->departments, name);
    if (idx >= 0)
        return departments_get(r->departments, idx)->id;
    if (strcmp(name, DEPARTMENT_UNASSIGNED) == 0)
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

json_t *report_department(redisContext *c, const struct rules *r, const char *dept,
                          const char *month, const struct report_options *opt, char *err,
                          size_t errlen)
{
    uint32_t first, last, pfirst = 0, plast = 0;
    char prev_month[REPORT_MONTH_LEN];
    int before_epoch = report_month_parse(month, &first, &last) != 0
                           ? -1
                           : report_month_previous(month, prev_month);
    if (before_epoch < 0 ||
        (before_epoch == 0 && report_month_parse(prev_month, &pfirst, &plast) != 0)) {
        snprintf(err, errlen, "\"%s\" is not a month (YYYY-MM)", month);
        return NULL;
    }
    struct report_period cur = {0}, prev = {0};
    struct report_view v = {0}, pv = {0};
    struct report_seen seen = {0};
    uint64_t *daily = NULL;
    const char **ids = NULL;
    json_t *out = NULL;
    if (report_period_load_days(c, first, last, dept, &cur, err, errlen) != 0 ||
        /* 1970-01's previous month lies before day 0: an empty period. */
        (!before_epoch && report_period_load_days(c, pfirst, plast, dept, &prev, err, errlen) != 0) ||
        report_view_build(&v, c, &cur, r, opt->min_devices, REPORT_COUNT_CELLS | REPORT_COUNT_TOTAL,
                          of_dept, (void *)dept, err, errlen) != 0 ||
        report_view_build(&pv, c, &prev, r, opt->min_devices,
                          REPORT_COUNT_CELLS | REPORT_COUNT_TOTAL, of_dept, (void *)dept, err,
                          errlen) != 0 ||
        report_seen_load(c, &seen, err, errlen) != 0)
        goto done;

    size_t ndays = last - first + 1;
    ids = calloc(v.ncells + 1, sizeof(*ids));
    daily = calloc((v.ncells + 1) * ndays * 2, sizeof(*daily));
    if (!ids || !daily) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < v.ncells; i++)
        ids[i] = v.cells[i].data->service;
    if (report_daily_bytes(c, dept, ids, v.ncells, first, last, daily, err, errlen) != 0)
        goto done;

    int dept_idx = departments_find(r->departments, dept);
    json_t *services = json_array(), *hidden = json_array();
    json_t *counts = json_object();
    for (int s = 0; s < POLICY_STATUS_COUNT; s++)
        json_object_set_new(counts, policy_status_name(s), json_integer(0));
    uint64_t with_alternative = 0;
    json_t *day_total = json_array();
    for (size_t d = 0; d < ndays; d++)
        json_array_append_new(day_total, json_integer(0));
    for (size_t i = 0; i < v.ncells; i++) {
        const struct report_view_cell *vc = &v.cells[i];
        const struct report_view_cell *pc = cell_in(&pv, vc->data->service);
        json_t *o = report_json_cell(&v, vc, &seen);
        const char *name = policy_status_name(vc->status);
        json_object_set_new(counts, name,
                            json_integer(json_integer_value(json_object_get(counts, name)) + 1));
        uint64_t first_seen = report_seen_cell_first(&seen, vc->data);
        json_object_set_new(o, "new",
                            json_boolean(first_seen >= (uint64_t)first * 86400 &&
                                         first_seen < ((uint64_t)last + 1) * 86400));
        /* A hidden cell shows no figure of either month. */
        json_object_set_new(o, "bytes_up_previous", previous(vc, pc, pc ? pc->data->bytes_up : 0));
        json_object_set_new(o, "bytes_down_previous",
                            previous(vc, pc, pc ? pc->data->bytes_down : 0));
        json_object_set_new(o, "devices_previous", previous(vc, pc, pc ? pc->data->devices : 0));
        const char *t = trend(vc, pc);
        json_object_set_new(o, "trend", t ? json_string(t) : json_null());
        if (vc->hidden) {
            json_object_set_new(o, "daily_bytes", json_null());
        } else {
            json_t *series = json_array();
            for (size_t d = 0; d < ndays; d++) {
                uint64_t b = daily[(i * ndays + d) * 2] + daily[(i * ndays + d) * 2 + 1];
                json_array_append_new(series, report_json_u64(b));
                json_t *sum = json_array_get(day_total, d);
                json_integer_set(sum, json_integer_value(sum) + (json_int_t)b);
            }
            json_object_set_new(o, "daily_bytes", series);
        }
        json_t *alt = vc->status == POLICY_SANCTIONED
                          ? json_null()
                          : report_json_alternative(r, vc->data->service, dept_idx);
        if (!json_is_null(alt))
            with_alternative++;
        json_object_set_new(o, "alternative", alt);
        json_array_append_new(vc->hidden ? hidden : services, o);
    }
    report_json_sort_by_bytes(services);
    report_json_sort_by_bytes(hidden);
    json_array_extend(services, hidden);
    json_decref(hidden);

    json_t *dropped = json_array();
    for (size_t i = 0; i < pv.ncells; i++) {
        const struct report_view_cell *pc = &pv.cells[i];
        if (cell_in(&v, pc->data->service))
            continue;
        json_t *o = json_object();
        report_json_describe_service(o, r, pc->data->service, dept_idx);
        json_object_set_new(o, "bytes_up_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->bytes_up));
        json_object_set_new(o, "bytes_down_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->bytes_down));
        json_object_set_new(o, "devices_previous",
                            pc->hidden ? json_null() : report_json_u64(pc->data->devices));
        json_array_append_new(dropped, o);
    }
    report_json_sort_by(dropped, "bytes_up_previous");

    json_t *d = json_pack("{s:s, s:s}", "id", dept, "name", report_dept_name(r, dept));
    report_json_set_figures(d, &v.total);
    json_object_set_new(d, "devices", report_json_devices(&v, v.devices));
    json_object_set_new(d, "devices_previous", report_json_devices(&pv, pv.devices));
    json_object_set_new(d, "services", report_json_u64(v.ncells));
    json_object_set_new(d, "by_status", counts);
    json_object_set_new(d, "with_alternative", report_json_u64(with_alternative));
    json_object_set_new(d, "daily_bytes", day_total);

    out = json_pack("{s:s, s:o, s:o, s:o, s:o}", "report", "department", "generated",
                    report_json_now(), "period", report_json_period(first, last), "sensors",
                    report_json_sensors(c, first, last), "privacy", report_json_privacy(&v));
    json_object_set_new(out, "previous", before_epoch ? report_json_period_before_epoch()
                                                      : report_json_period(pfirst, plast));
    json_object_set_new(out, "department", d);
    json_object_set_new(out, "services", services);
    json_object_set_new(out, "dropped", dropped);
    json_object_set_new(out, "other", report_json_other(v.nhidden, &v.hidden));
done:
    free(ids);
    free(daily);
    report_seen_free(&seen);
    report_view_free(&v);
    report_view_free(&pv);
    report_period_free(&cur);
    report_period_free(&prev);
    return out;
}
