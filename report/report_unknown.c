/*
 * report_unknown.c - shadowtap-report unknown: every candidate service of
 * whole months, and how much of those months' traffic was named at all.
 *
 * The months are those the asked days touch, read from their month keys:
 * the candidate counters exist per month only (the sensor keeps no day of
 * them), so the report widens the period to whole months rather than give
 * figures for days it cannot tell apart.
 */
#include "report_unknown.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_candidates.h"
#include "report_data.h"
#include "report_dates.h"
#include "report_json.h"
#include "report_visibility.h"

/* The months holding first_day..last_day, as month parts of a period. */
static struct report_part *months_of(uint32_t first_day, uint32_t last_day, size_t *n)
{
    size_t cap = 0;
    for (uint32_t d = first_day; d <= last_day; d = report_month_last(d) + 1)
        cap++;
    struct report_part *parts = calloc(cap ? cap : 1, sizeof(*parts));
    *n = 0;
    for (uint32_t d = first_day; parts && d <= last_day; d = report_month_last(d) + 1) {
        parts[*n].span = SCHEMA_MONTH;
        report_month_of(d, parts[(*n)++].date);
    }
    return parts;
}

json_t *report_unknown(const struct report_request *rq, char *err, size_t errlen)
{
    size_t n = 0, hidden = 0;
    struct report_part *parts = months_of(rq->first_day, rq->last_day, &n);
    const char **months = calloc(n + 1, sizeof(*months));
    json_t *out = NULL, *vis = NULL, *unknown = NULL;
    if (!parts || !months) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        months[i] = parts[i].date;
        json_array_append_new(list, json_string(parts[i].date));
    }
    unknown = report_candidates_section(rq->redis, months, n, NULL, rq->rules, rq->opt.min_devices,
                                        0, &hidden, err, errlen);
    vis = unknown ? report_visibility_section(rq->redis, parts, n, NULL, rq->rules,
                                              rq->opt.min_devices, err, errlen)
                  : NULL;
    if (!vis) {
        json_decref(list);
        goto done;
    }
    uint32_t first = report_month_first(rq->first_day), last = report_month_last(rq->last_day);
    out =
        json_pack("{s:s, s:o, s:o, s:o, s:o, s:{s:I, s:I}}", "report", "unknown", "generated",
                  report_json_now(), "period", report_json_period(first, last), "months", list,
                  "sensors", report_json_sensors(rq->redis, first, last), "privacy", "min_devices",
                  (json_int_t)rq->opt.min_devices, "hidden_cells", (json_int_t)hidden);
    json_object_set_new(out, "visibility", vis);
    json_object_set_new(out, "unknown_services", unknown);
    vis = unknown = NULL;
done:
    json_decref(vis);
    json_decref(unknown);
    free(months);
    free(parts);
    return out;
}
