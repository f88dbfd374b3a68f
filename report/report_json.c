/*
 * report_json.c - shared JSON pieces of the reports.
 *
 * Names, categories, risk and policy status come from the rules in use now,
 * so a report always speaks the organisation's current policy; a service id
 * the catalog no longer knows is still reported, under its id.  Unclassified
 * traffic counted where it is hosted ("unclassified:AS<n>") is named after
 * the system's owner, which the sensors note in Redis (schema_key_asn).
 */
#include "report_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "report_index.h"
#include "report_dates.h"
#include "schema.h"

json_t *report_json_u64(uint64_t v)
{
    return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

json_t *report_json_time(uint64_t unix_seconds)
{
    if (!unix_seconds)
        return json_null();
    char buf[REPORT_TIME_LEN];
    report_time_format(unix_seconds, buf);
    return json_string(buf);
}

json_t *report_json_now(void)
{
    return report_json_time((uint64_t)time(NULL));
}

void report_json_set_figures(json_t *o, const struct report_figures *f)
{
    json_object_set_new(o, "bytes_up", report_json_u64(f->bytes_up));
    json_object_set_new(o, "bytes_down", report_json_u64(f->bytes_down));
    json_object_set_new(o, "packets_up", report_json_u64(f->packets_up));
    json_object_set_new(o, "packets_down", report_json_u64(f->packets_down));
    json_object_set_new(o, "flows", report_json_u64(f->flows));
}

/* ---- shared values ----
 *
 * A month of a large organisation has some 25,000 cells, and every one names
 * its service, category, risk and status.  jansson counts references, so the
 * document holds one string per service fact and per id, shared by every
 * cell that mentions it: a fraction of the allocations of a copy each. */

struct facts {
    json_t *name, *vendor, *category, *risk, *reasons;
};

static struct {
    const struct rules *rules;
    struct facts *services; /* per catalog index, built when first used */
    size_t nservices;
    json_t *status[POLICY_STATUS_COUNT];
    struct report_index ids;
    json_t **id_values;
    size_t nids, cap_ids;
} cache;

/* Owners of autonomous systems by "AS<n>", read once per run. */
static struct {
    struct report_index index; /* "AS<n>" -> position in orgs */
    char **orgs;
    size_t n, cap;
} networks;

static void networks_free(void)
{
    for (size_t i = 0; i < networks.n; i++)
        free(networks.orgs[i]);
    free(networks.orgs);
    report_index_free(&networks.index);
    memset(&networks, 0, sizeof(networks));
}

int report_json_load_networks(redisContext *c, char *err, size_t errlen)
{
    networks_free();
    redisReply *r = redisCommand(c, "HGETALL %s", schema_key_asn);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "HGETALL %s: %s", schema_key_asn,
                 r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
        if (r)
            freeReplyObject(r);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i + 1 < r->elements && rc == 0; i += 2) {
        const redisReply *k = r->element[i], *v = r->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (networks.n == networks.cap) {
            size_t cap = networks.cap ? networks.cap * 2 : 64;
            char **n = realloc(networks.orgs, cap * sizeof(*n));
            if (!n) {
                rc = -1;
                break;
            }
            networks.orgs = n;
            networks.cap = cap;
        }
        char *org = strndup(v->str, v->len);
        if (!org || report_index_put(&networks.index, k->str, k->len, (long)networks.n) != 0) {
            free(org);
            rc = -1;
            break;
        }
        networks.orgs[networks.n++] = org;
    }
    freeReplyObject(r);
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    return rc;
}

const char *report_json_hosted_name(const char *id, char *buf, size_t len)
{
    const char *as = schema_asn_of_service(id);
    if (!as)
        return NULL;
    long at = report_index_get(&networks.index, as, strlen(as));
    const char *org = at >= 0 ? networks.orgs[at] : NULL;
    snprintf(buf, len, "Unclassified, hosted at %s", org && *org ? org : as);
    return buf;
}

static void cache_release(void)
{
    for (size_t i = 0; i < cache.nservices; i++) {
        json_decref(cache.services[i].name);
        json_decref(cache.services[i].vendor);
        json_decref(cache.services[i].category);
        json_decref(cache.services[i].risk);
        json_decref(cache.services[i].reasons);
    }
    free(cache.services);
    for (int s = 0; s < POLICY_STATUS_COUNT; s++)
        json_decref(cache.status[s]);
    for (size_t i = 0; i < cache.nids; i++)
        json_decref(cache.id_values[i]);
    free(cache.id_values);
    report_index_free(&cache.ids);
    memset(&cache, 0, sizeof(cache));
}

void report_json_release(void)
{
    cache_release();
    networks_free();
}

static void cache_for(const struct rules *r)
{
    if (cache.rules == r)
        return;
    cache_release();
    cache.rules = r;
    cache.nservices = catalog_count(r->catalog);
    cache.services = calloc(cache.nservices ? cache.nservices : 1, sizeof(*cache.services));
    if (!cache.services)
        cache.nservices = 0;
    for (int s = 0; s < POLICY_STATUS_COUNT; s++)
        cache.status[s] = json_string(policy_status_name(s));
}

static json_t *shared(json_t *v)
{
    return v ? json_incref(v) : json_null();
}

json_t *report_json_id(const char *id)
{
    size_t len = strlen(id);
    long at = report_index_get(&cache.ids, id, len);
    if (at >= 0)
        return json_incref(cache.id_values[at]);
    json_t *v = json_string(id);
    if (!v)
        return json_null();
    if (cache.nids == cache.cap_ids) {
        size_t cap = cache.cap_ids ? cache.cap_ids * 2 : 256;
        json_t **n = realloc(cache.id_values, cap * sizeof(*n));
        if (!n)
            return v;
        cache.id_values = n;
        cache.cap_ids = cap;
    }
    if (report_index_put(&cache.ids, id, len, (long)cache.nids) != 0)
        return v;
    cache.id_values[cache.nids++] = json_incref(v);
    return v;
}

static const struct facts *facts_of(const struct rules *r, int idx)
{
    cache_for(r);
    if (idx < 0 || (size_t)idx >= cache.nservices)
        return NULL;
    struct facts *f = &cache.services[idx];
    if (!f->name) {
        const struct service *s = catalog_service(r->catalog, idx);
        f->name = json_string(s->name);
        f->vendor = s->vendor ? json_string(s->vendor) : json_null();
        f->category = json_string(catalog_category_name(s->category));
        f->risk = json_string(catalog_risk_name(s->risk));
        f->reasons = json_array();
        for (int k = 0; k < REASON_COUNT; k++) {
            if (s->reasons & (1u << k))
                json_array_append_new(f->reasons, json_string(catalog_reason_name(k)));
        }
    }
    return f;
}

static void describe(json_t *o, const struct rules *r, const char *id, int dept_idx, int full)
{
    int idx = catalog_find(r->catalog, id);
    const struct facts *f = facts_of(r, idx);
    json_object_set_new(o, "id", report_json_id(id));
    if (f) {
        json_object_set_new(o, "name", shared(f->name));
        if (full)
            json_object_set_new(o, "vendor", shared(f->vendor));
        json_object_set_new(o, "category", shared(f->category));
        json_object_set_new(o, "risk", shared(f->risk));
        if (full)
            json_object_set_new(o, "reasons", shared(f->reasons));
    } else {
        char hosted[160];
        const char *name = report_json_hosted_name(id, hosted, sizeof(hosted));
        if (!name)
            name = strcmp(id, SERVICE_UNCLASSIFIED) == 0 ? "Unclassified" : id;
        json_object_set_new(o, "name", json_string(name));
        if (full)
            json_object_set_new(o, "vendor", json_null());
        json_object_set_new(o, "category", json_null());
        json_object_set_new(o, "risk", json_null());
        if (full)
            json_object_set_new(o, "reasons", json_array());
    }
    json_object_set_new(o, "status", shared(cache.status[policy_status(r->policy, idx, dept_idx)]));
}

void report_json_describe_service(json_t *o, const struct rules *r, const char *id, int dept_idx)
{
    describe(o, r, id, dept_idx, 1);
}

void report_json_describe_cell(json_t *o, const struct rules *r, const char *id, int dept_idx)
{
    describe(o, r, id, dept_idx, 0);
}

json_t *report_json_alternative(const struct rules *r, const char *id, int dept_idx)
{
    int idx = catalog_find(r->catalog, id);
    int alt = idx >= 0 ? policy_alternative(r->policy, idx) : -1;
    const struct service *a = catalog_service(r->catalog, alt);
    if (!a || alt == idx)
        return json_null();
    return json_pack("{s:s, s:s, s:s}", "id", a->id, "name", a->name, "status",
                     policy_status_name(policy_status(r->policy, alt, dept_idx)));
}

const char *report_dept_name(const struct rules *r, const char *id)
{
    const struct department *d =
        departments_get(r->departments, departments_find(r->departments, id));
    if (d)
        return d->name;
    return strcmp(id, DEPARTMENT_UNASSIGNED) == 0 ? DEPARTMENT_UNASSIGNED_NAME : id;
}

json_t *report_json_period_before_epoch(void)
{
    return json_pack("{s:s, s:s, s:I, s:s}", "start", REPORT_MONTH_BEFORE_EPOCH "-01", "end",
                     REPORT_MONTH_BEFORE_EPOCH "-31", "days", (json_int_t)31, "month",
                     REPORT_MONTH_BEFORE_EPOCH);
}

json_t *report_json_period(uint32_t first_day, uint32_t last_day)
{
    char a[REPORT_DAY_LEN], b[REPORT_DAY_LEN];
    report_day_format(first_day, a);
    report_day_format(last_day, b);
    json_t *o = json_pack("{s:s, s:s, s:I}", "start", a, "end", b, "days",
                          (json_int_t)(last_day - first_day + 1));
    if (first_day == report_month_first(first_day) && last_day == report_month_last(first_day)) {
        char m[REPORT_MONTH_LEN];
        report_month_of(first_day, m);
        json_object_set_new(o, "month", json_string(m));
    }
    return o;
}

json_t *report_json_sensors(redisContext *c, uint32_t first_day, uint32_t last_day)
{
    json_t *ids = json_object(); /* id -> last_flush */
    for (uint32_t day = report_month_first(first_day); day <= last_day;
         day = report_month_last(day) + 1) {
        char month[REPORT_MONTH_LEN];
        report_month_of(day, month);
        char key[SCHEMA_NAME_MAX];
        redisReply *r = schema_key_month_sensors(key, sizeof(key), month) < 0
                            ? NULL
                            : redisCommand(c, "SMEMBERS %s", key);
        for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
            if (r->element[i]->type == REDIS_REPLY_STRING)
                json_object_set_new(ids, r->element[i]->str, json_null());
        }
        if (r)
            freeReplyObject(r);
    }
    json_t *arr = json_array();
    const char *id;
    json_t *value;
    json_object_foreach(ids, id, value)
    {
        json_t *s = json_pack("{s:s}", "id", id);
        char key[SCHEMA_NAME_MAX];
        redisReply *f = schema_key_sensor(key, sizeof(key), id) < 0
                            ? NULL
                            : redisCommand(c, "HGET %s %s", key, schema_field_last_flush);
        json_object_set_new(s, "last_flush",
                            f && f->type == REDIS_REPLY_STRING
                                ? report_json_time(strtoull(f->str, NULL, 10))
                                : json_null());
        if (f)
            freeReplyObject(f);
        json_array_append_new(arr, s);
    }
    json_decref(ids);
    return arr;
}

json_t *report_json_privacy(const struct report_view *v)
{
    return json_pack("{s:I, s:I}", "min_devices", (json_int_t)v->min_devices, "hidden_cells",
                     (json_int_t)v->nhidden);
}

json_t *report_json_devices(const struct report_view *v, uint64_t devices)
{
    return report_view_shows(v, devices) ? report_json_u64(devices) : json_null();
}

json_t *report_json_countries(const struct report_country *c, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "code", report_json_id(c[i].code));
        json_object_set_new(o, "bytes_up", report_json_u64(c[i].bytes_up));
        json_object_set_new(o, "bytes_down", report_json_u64(c[i].bytes_down));
        json_array_append_new(arr, o);
    }
    return arr;
}

json_t *report_json_cell(const struct report_view *v, const struct report_view_cell *vc,
                         const struct report_seen *seen)
{
    const struct report_cell *cell = vc->data;
    json_t *o = json_object();
    report_json_describe_cell(o, v->rules, cell->service, vc->dept_idx);
    if (vc->hidden) {
        const char *names[] = {"bytes_up", "bytes_down", "flows", "devices"};
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            json_object_set_new(o, names[i], json_null());
    } else {
        json_object_set_new(o, "bytes_up", report_json_u64(cell->bytes_up));
        json_object_set_new(o, "bytes_down", report_json_u64(cell->bytes_down));
        json_object_set_new(o, "flows", report_json_u64(cell->flows));
        json_object_set_new(o, "devices", report_json_u64(cell->devices));
    }
    json_object_set_new(o, "countries",
                        vc->hidden ? json_array()
                                   : report_json_countries(cell->countries, cell->ncountries));
    json_object_set_new(o, "hidden", json_boolean(vc->hidden));
    if (seen) {
        json_object_set_new(o, "first_seen", report_json_time(report_seen_cell_first(seen, cell)));
        json_object_set_new(o, "last_seen", report_json_time(report_seen_cell_last(seen, cell)));
    }
    return o;
}

json_t *report_json_other(size_t cells, const struct report_figures *f)
{
    json_t *o = json_pack("{s:I}", "cells", (json_int_t)cells);
    report_json_set_figures(o, f);
    return o;
}

/* Arrays are sorted on a key computed once per item, not looked up in the
 * objects at each comparison. */
struct sort_item {
    json_t *value;
    json_int_t key;
    const char *id;
};

static json_int_t member_int(json_t *o, const char *name)
{
    return json_integer_value(json_object_get(o, name)); /* 0 for null or absent */
}

static int by_key_desc(const void *a, const void *b)
{
    const struct sort_item *x = a, *y = b;
    if (x->key != y->key)
        return x->key > y->key ? -1 : 1;
    return strcmp(x->id, y->id);
}

static void sort_array(json_t *array, const char *member)
{
    size_t n = json_array_size(array);
    if (n < 2)
        return;
    struct sort_item *items = malloc(n * sizeof(*items));
    if (!items)
        return;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(array, i);
        const char *id = json_string_value(json_object_get(v, "id"));
        items[i].value = json_incref(v);
        items[i].key = member ? member_int(v, member)
                              : member_int(v, "bytes_up") + member_int(v, "bytes_down");
        items[i].id = id ? id : "";
    }
    qsort(items, n, sizeof(*items), by_key_desc);
    json_array_clear(array);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(array, items[i].value);
    free(items);
}

void report_json_sort_by_bytes(json_t *array)
{
    sort_array(array, NULL);
}

void report_json_sort_by(json_t *array, const char *member)
{
    sort_array(array, member);
}

/* ---- writing ----
 *
 * jansson's own dump hands every token, space and quote to a callback and
 * formats every integer with snprintf; for a month of 25,000 cells that was
 * half of the report's time.  This writer gives the same text from one
 * buffer, with integers and plain ASCII strings (almost all of them) copied
 * directly. */

struct writer {
    FILE *out;
    size_t used;
    int failed;
    char buf[1 << 16];
};

static void w_flush(struct writer *w)
{
    if (w->used && fwrite(w->buf, 1, w->used, w->out) != w->used)
        w->failed = 1;
    w->used = 0;
}

static void w_put(struct writer *w, const char *s, size_t n)
{
    if (w->used + n > sizeof(w->buf)) {
        w_flush(w);
        if (n > sizeof(w->buf)) {
            if (fwrite(s, 1, n, w->out) != n)
                w->failed = 1;
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static void w_char(struct writer *w, char c)
{
    if (w->used == sizeof(w->buf))
        w_flush(w);
    w->buf[w->used++] = c;
}

static void w_indent(struct writer *w, size_t depth)
{
    static const char spaces[] = "                                                                ";
    w_char(w, '\n');
    for (size_t n = 2 * depth; n > 0;) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        w_put(w, spaces, k);
        n -= k;
    }
}

static void w_escape_u(struct writer *w, unsigned code)
{
    char buf[8];
    snprintf(buf, sizeof(buf), "\\u%04X", code & 0xffffu);
    w_put(w, buf, 6);
}

static void w_string(struct writer *w, const char *s, size_t len)
{
    w_char(w, '"');
    size_t start = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        w_put(w, s + start, i - start);
        if (c < 0x80) {
            switch (c) {
            case '"':
                w_put(w, "\\\"", 2);
                break;
            case '\\':
                w_put(w, "\\\\", 2);
                break;
            case '\b':
                w_put(w, "\\b", 2);
                break;
            case '\f':
                w_put(w, "\\f", 2);
                break;
            case '\n':
                w_put(w, "\\n", 2);
                break;
            case '\r':
                w_put(w, "\\r", 2);
                break;
            case '\t':
                w_put(w, "\\t", 2);
                break;
            default:
                w_escape_u(w, c);
            }
            i++;
        } else {
            /* jansson strings are valid UTF-8: decode one character. */
            size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
            unsigned code = c & (0x3fu >> (n - 1));
            for (size_t k = 1; k < n && i + k < len; k++)
                code = code << 6 | ((unsigned char)s[i + k] & 0x3fu);
            if (code >= 0x10000) {
                code -= 0x10000;
                w_escape_u(w, 0xd800u | (code >> 10));
                w_escape_u(w, 0xdc00u | (code & 0x3ffu));
            } else {
                w_escape_u(w, code);
            }
            i += n;
        }
        start = i;
    }
    if (start < len)
        w_put(w, s + start, len - start);
    w_char(w, '"');
}

static void w_integer(struct writer *w, json_int_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    w_put(w, p, (size_t)(buf + sizeof(buf) - p));
}

static void w_value(struct writer *w, json_t *v, size_t depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        if (!json_object_size(v)) {
            w_put(w, "{}", 2);
            break;
        }
        w_char(w, '{');
        const char *key;
        json_t *member;
        int first = 1;
        json_object_foreach(v, key, member)
        {
            if (!first)
                w_char(w, ',');
            first = 0;
            w_indent(w, depth + 1);
            w_string(w, key, strlen(key));
            w_put(w, ": ", 2);
            w_value(w, member, depth + 1);
        }
        w_indent(w, depth);
        w_char(w, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        if (!n) {
            w_put(w, "[]", 2);
            break;
        }
        w_char(w, '[');
        for (size_t i = 0; i < n; i++) {
            if (i)
                w_char(w, ',');
            w_indent(w, depth + 1);
            w_value(w, json_array_get(v, i), depth + 1);
        }
        w_indent(w, depth);
        w_char(w, ']');
        break;
    }
    case JSON_STRING:
        w_string(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        w_integer(w, json_integer_value(v));
        break;
    case JSON_REAL: {
        /* The shortest text that reads back as the same number: a percentage
         * of 87.3 is written "87.3", not "87.299999999999997". */
        char buf[64];
        double d = json_real_value(v);
        int n = 0;
        /* Whole numbers keep a decimal ("100.0"), as the other reals do. */
        if (d > -1e15 && d < 1e15 && (double)(long long)d == d)
            n = snprintf(buf, sizeof(buf), "%.1f", d);
        for (int precision = 1; n == 0; precision++) {
            n = snprintf(buf, sizeof(buf), "%.*g", precision, d);
            if (precision < 17 && strtod(buf, NULL) != d)
                n = 0;
        }
        w_put(w, buf, n > 0 ? (size_t)n : 0);
        break;
    }
    case JSON_TRUE:
        w_put(w, "true", 4);
        break;
    case JSON_FALSE:
        w_put(w, "false", 5);
        break;
    default:
        w_put(w, "null", 4);
        break;
    }
}

int report_json_write(FILE *out, json_t *v)
{
    struct writer *w = malloc(sizeof(*w));
    if (!w)
        return -1;
    w->out = out;
    w->used = 0;
    w->failed = 0;
    w_value(w, v, 0);
    w_char(w, '\n');
    w_flush(w);
    int rc = w->failed ? -1 : 0;
    free(w);
    return rc;
}
