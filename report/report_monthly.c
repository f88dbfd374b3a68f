/*
 * report_monthly.c - totals, services and departments of one month.
 *
 * Figures come from the month's aggregates (docs/redis-schema.md); names,
 * categories, risk and policy status come from the rules in use now, so a
 * report always speaks the organisation's current policy.  A service id that
 * the catalog no longer knows is still reported, under its id.
 */
#include "report_monthly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "report_data.h"
#include "store.h"

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* Adds a cell's figures to an object's bytes_up, bytes_down and flows. */
static void add_figures(json_t *o, const struct report_cell *c)
{
    const char *names[] = {"bytes_up", "bytes_down", "flows"};
    uint64_t v[] = {c->bytes_up, c->bytes_down, c->flows};
    for (int i = 0; i < 3; i++) {
        json_t *cur = json_object_get(o, names[i]);
        json_object_set_new(o, names[i],
                            u64((cur ? (uint64_t)json_integer_value(cur) : 0) + v[i]));
    }
}

static void describe_service(json_t *o, const struct rules *r, const char *id, int dept_idx)
{
    int idx = catalog_find(r->catalog, id);
    const struct service *s = catalog_service(r->catalog, idx);
    json_object_set_new(o, "id", json_string(id));
    if (s) {
        json_object_set_new(o, "name", json_string(s->name));
        json_object_set_new(o, "category", json_string(catalog_category_name(s->category)));
        json_object_set_new(o, "risk", json_string(catalog_risk_name(s->risk)));
    } else {
        json_object_set_new(o, "name", json_string(strcmp(id, SERVICE_UNCLASSIFIED) == 0
                                                       ? "Unclassified"
                                                       : id));
        json_object_set_new(o, "category", json_null());
        json_object_set_new(o, "risk", json_null());
    }
    json_object_set_new(o, "status",
                        json_string(policy_status_name(policy_status(r->policy, idx, dept_idx))));
}

static int by_bytes_desc(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t bx = json_integer_value(json_object_get(x, "bytes_up")) +
                    json_integer_value(json_object_get(x, "bytes_down"));
    json_int_t by = json_integer_value(json_object_get(y, "bytes_up")) +
                    json_integer_value(json_object_get(y, "bytes_down"));
    if (bx != by)
        return bx > by ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "id")),
                  json_string_value(json_object_get(y, "id")));
}

/* Turns an object of objects into an array sorted by bytes. */
static json_t *sorted_values(json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    json_t **items = malloc((n ? n : 1) * sizeof(*items));
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value) items[i++] = value;
    qsort(items, n, sizeof(*items), by_bytes_desc);
    json_t *arr = json_array();
    for (i = 0; i < n; i++)
        json_array_append(arr, items[i]);
    free(items);
    return arr;
}

static json_t *month_bounds(const char *month)
{
    int y, m;
    if (sscanf(month, "%4d-%2d", &y, &m) != 2)
        return json_null();
    struct tm first = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = 1};
    struct tm next = {.tm_year = y - 1900, .tm_mon = m, .tm_mday = 1};
    time_t last = timegm(&next) - 86400;
    char a[16], b[16];
    strftime(a, sizeof(a), "%Y-%m-%d", &first);
    struct tm lt;
    gmtime_r(&last, &lt);
    strftime(b, sizeof(b), "%Y-%m-%d", &lt);
    return json_pack("{s:s, s:s, s:s}", "month", month, "start", a, "end", b);
}

static json_t *sensors_of(redisContext *c, const char *month)
{
    json_t *arr = json_array();
    redisReply *r = redisCommand(c, "SMEMBERS " STORE_KEY_PREFIX "sensors:%s", month);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        if (r)
            freeReplyObject(r);
        return arr;
    }
    for (size_t i = 0; i < r->elements; i++) {
        const char *id = r->element[i]->str;
        redisReply *f = redisCommand(c, "HGET " STORE_KEY_PREFIX "sensor:%s last_flush", id);
        json_t *s = json_pack("{s:s}", "id", id);
        if (f && f->type == REDIS_REPLY_STRING) {
            time_t t = (time_t)strtoll(f->str, NULL, 10);
            struct tm tm;
            char buf[32];
            gmtime_r(&t, &tm);
            strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
            json_object_set_new(s, "last_flush", json_string(buf));
        }
        if (f)
            freeReplyObject(f);
        json_array_append_new(arr, s);
    }
    freeReplyObject(r);
    return arr;
}

json_t *report_monthly(redisContext *c, const struct rules *r, const char *month, char *err,
                       size_t errlen)
{
    struct report_period p;
    if (report_period_load(c, month, &p, err, errlen) != 0) {
        report_period_free(&p);
        return NULL;
    }
    json_t *services = json_object(); /* id -> service object */
    json_t *departments = json_object();
    json_t *totals = json_pack("{s:i, s:i, s:i}", "bytes_up", 0, "bytes_down", 0, "flows", 0);

    for (size_t i = 0; i < p.ncells; i++) {
        const struct report_cell *cell = &p.cells[i];
        int dept_idx = departments_find(r->departments, cell->dept);
        json_t *svc = json_object_get(services, cell->service);
        if (!svc) {
            svc = json_object();
            describe_service(svc, r, cell->service, -1);
            json_object_set_new(svc, "departments", json_array());
            json_object_set_new(services, cell->service, svc);
        }
        add_figures(svc, cell);
        json_array_append_new(json_object_get(svc, "departments"), json_string(cell->dept));

        json_t *dep = json_object_get(departments, cell->dept);
        if (!dep) {
            const struct department *d = departments_get(r->departments, dept_idx);
            dep = json_pack("{s:s, s:s}", "id", cell->dept, "name", d ? d->name : cell->dept);
            json_object_set_new(dep, "services", json_object());
            json_object_set_new(departments, cell->dept, dep);
        }
        add_figures(dep, cell);
        json_t *ds = json_object();
        describe_service(ds, r, cell->service, dept_idx);
        add_figures(ds, cell);
        json_object_set_new(ds, "devices", u64(cell->devices));
        json_object_set_new(json_object_get(dep, "services"), cell->service, ds);
        add_figures(totals, cell);
    }

    const char *key;
    json_t *value;
    json_object_foreach(services, key, value)
    {
        json_object_set_new(value, "devices", u64(report_period_devices(c, &p, NULL, key)));
    }
    json_object_foreach(departments, key, value)
    {
        json_object_set_new(value, "devices", u64(report_period_devices(c, &p, key, NULL)));
        json_t *list = sorted_values(json_object_get(value, "services"));
        json_object_set_new(value, "services", list);
    }
    json_object_set_new(totals, "devices", u64(p.devices_total));
    json_object_set_new(totals, "services", u64(json_object_size(services)));
    json_object_set_new(totals, "departments", u64(json_object_size(departments)));

    char generated[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(generated, sizeof(generated), "%Y-%m-%dT%H:%M:%SZ", &tm);

    json_t *out = json_pack("{s:s, s:s, s:o, s:o, s:o}", "report", "monthly", "generated",
                            generated, "period", month_bounds(month), "sensors",
                            sensors_of(c, month), "totals", totals);
    json_object_set_new(out, "services", sorted_values(services));
    json_object_set_new(out, "departments", sorted_values(departments));
    json_decref(services);
    json_decref(departments);
    report_period_free(&p);
    return out;
}
