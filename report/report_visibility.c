/*
 * report_visibility.c - a period's visibility hashes and encrypted-DNS
 * devices, read back and summed for one report.
 *
 * Two pipelined round trips: the HGETALL of every part's hash, then every
 * PFCOUNT (the union over the scope's departments, and one per department,
 * each over every part).  The hashes are small (departments x 14 kinds x 2
 * fields), so replies are read as hiredis objects.  The departments are
 * those the hashes name: a device that used encrypted DNS made traffic, so
 * its department has counts of its own.
 */
#include "report_visibility.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_json.h"
#include "schema.h"

static uint64_t text_u64(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : 0;
}

static int kind_of(const char *name, size_t len)
{
    for (int k = 0; k < TALLY_VIS_COUNT; k++) {
        const char *n = tally_vis_name((enum tally_vis)k);
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            return k;
    }
    return -1;
}

/* The department id's place in v->depts, added when new; -1 out of memory. */
static long dept_of(struct report_visibility *v, const char *id, size_t len)
{
    for (size_t i = 0; i < v->ndepts; i++) {
        if (strlen(v->depts[i].id) == len && memcmp(v->depts[i].id, id, len) == 0)
            return (long)i;
    }
    struct report_visibility_dept *d = realloc(v->depts, (v->ndepts + 1) * sizeof(*d));
    char *copy = malloc(len + 1);
    if (d)
        v->depts = d;
    if (!d || !copy) {
        free(copy);
        return -1;
    }
    memcpy(copy, id, len);
    copy[len] = '\0';
    d[v->ndepts] = (struct report_visibility_dept){copy, 0};
    return (long)v->ndepts++;
}

/* Adds the fields of one HGETALL reply in scope. */
static int add_hash(struct report_visibility *v, const redisReply *r, const char *only_dept)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *val = r->element[i + 1];
        size_t dept_len, kind_at, kind_len;
        bool flows;
        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING ||
            !schema_field_visibility_parse(f->str, f->len, &dept_len, &kind_at, &kind_len, &flows))
            continue;
        if (only_dept && (strlen(only_dept) != dept_len || memcmp(f->str, only_dept, dept_len)))
            continue;
        int kind = kind_of(f->str + kind_at, kind_len);
        if (kind < 0)
            continue; /* a kind of a newer sensor: not counted here */
        if (dept_of(v, f->str, dept_len) < 0)
            return -1;
        (flows ? v->flows : v->bytes)[kind] += text_u64(val->str);
    }
    return 0;
}

static int read_hashes(redisContext *c, const struct report_part *parts, size_t nparts,
                       const char *only_dept, struct report_visibility *v, char *err, size_t errlen)
{
    for (size_t i = 0; i < nparts; i++) {
        char key[SCHEMA_NAME_MAX];
        if (schema_key_visibility(key, sizeof(key), parts[i].span, parts[i].date) < 0 ||
            redisAppendCommand(c, "HGETALL %s", key) != REDIS_OK) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < nparts; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "reading the visibility counts", c, NULL);
            return -1;
        }
        if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
            report_redis_error(err, errlen, "reading the visibility counts", c, r);
            rc = -1;
        } else if (rc == 0 && add_hash(v, r, only_dept) != 0) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

/* The encrypted-DNS keys of departments depts[first, ...) over every part. */
struct edns_keys {
    const struct report_part *parts;
    size_t nparts;
    const struct report_visibility_dept *depts;
    size_t first;
};

static int edns_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct edns_keys *k = ctx;
    const struct report_part *part = &k->parts[i % k->nparts];
    /* -1 (left out) for an id no key can hold: never one the sensor wrote */
    return schema_key_edns(buf, len, part->span, part->date, k->depts[k->first + i / k->nparts].id);
}

/* Appends PFCOUNT of the encrypted-DNS keys of depts[first, last) over every part. */
static int append_count(redisContext *c, const struct report_part *parts, size_t nparts,
                        const struct report_visibility_dept *depts, size_t first, size_t last)
{
    struct edns_keys k = {parts, nparts, depts, first};
    return report_pfcount_append(c, nparts * (last - first), edns_key, &k);
}

static int count_devices(redisContext *c, const struct report_part *parts, size_t nparts,
                         struct report_visibility *v, char *err, size_t errlen)
{
    if (v->ndepts == 0 || nparts == 0)
        return 0;
    if (append_count(c, parts, nparts, v->depts, 0, v->ndepts) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t d = 0; d < v->ndepts; d++) {
        if (append_count(c, parts, nparts, v->depts, d, d + 1) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    int rc = 0;
    for (size_t i = 0; i <= v->ndepts; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "PFCOUNT", c, NULL);
            return -1;
        }
        if (r->type == REDIS_REPLY_INTEGER) {
            uint64_t n = r->integer > 0 ? (uint64_t)r->integer : 0;
            *(i == 0 ? &v->edns_devices : &v->depts[i - 1].edns_devices) = n;
        } else if (rc == 0) {
            report_redis_error(err, errlen, "PFCOUNT", c, r);
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

static int by_id(const void *a, const void *b)
{
    const struct report_visibility_dept *x = a, *y = b;
    return strcmp(x->id, y->id);
}

int report_visibility_read(redisContext *c, const struct report_part *parts, size_t nparts,
                           const char *only_dept, struct report_visibility *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (read_hashes(c, parts, nparts, only_dept, out, err, errlen) != 0)
        return -1;
    if (only_dept && dept_of(out, only_dept, strlen(only_dept)) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (out->ndepts > 1)
        qsort(out->depts, out->ndepts, sizeof(*out->depts), by_id);
    return count_devices(c, parts, nparts, out, err, errlen);
}

void report_visibility_free(struct report_visibility *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->ndepts; i++)
        free(v->depts[i].id);
    free(v->depts);
    memset(v, 0, sizeof(*v));
}

/* ---- the JSON member ---- */

static json_t *figure(uint64_t bytes, uint64_t flows)
{
    return json_pack("{s:o, s:o}", "bytes", report_json_u64(bytes), "flows",
                     report_json_u64(flows));
}

/* A share of all bytes in percent, to one decimal; null when there are none. */
static json_t *percent(uint64_t part, uint64_t all)
{
    if (!all)
        return json_null();
    double tenths = (double)(uint64_t)((double)part * 1000.0 / (double)all + 0.5);
    return json_real(tenths / 10.0);
}

static json_t *share(uint64_t bytes, uint64_t flows, uint64_t all)
{
    json_t *o = figure(bytes, flows);
    json_object_set_new(o, "bytes_percent", percent(bytes, all));
    return o;
}

/* A device count, or null below the privacy threshold (0 is no one's). */
static json_t *devices(uint64_t n, uint64_t min_devices)
{
    return n && min_devices && n < min_devices ? json_null() : report_json_u64(n);
}

static json_t *edns_departments(const struct report_visibility *v, const struct rules *r,
                                uint64_t min_devices)
{
    json_t *list = json_array();
    for (size_t i = 0; i < v->ndepts; i++) {
        const struct report_visibility_dept *d = &v->depts[i];
        if (!d->edns_devices)
            continue;
        json_array_append_new(list, json_pack("{s:o, s:s, s:o}", "id", report_json_id(d->id),
                                              "name", report_dept_name(r, d->id), "devices",
                                              devices(d->edns_devices, min_devices)));
    }
    report_json_sort_by(list, "devices");
    return list;
}

json_t *report_visibility_json(const struct report_visibility *v, const struct rules *r,
                               uint64_t min_devices, bool by_department)
{
    uint64_t all_bytes = 0, all_flows = 0, named_bytes = 0, named_flows = 0;
    json_t *evidence = json_object(), *unnamed = json_object();
    for (int k = 0; k < TALLY_VIS_COUNT; k++) {
        all_bytes += v->bytes[k];
        all_flows += v->flows[k];
        if (k < TALLY_VIS_FIRST_UNCLASSIFIED) {
            named_bytes += v->bytes[k];
            named_flows += v->flows[k];
            json_object_set_new(evidence, tally_vis_name((enum tally_vis)k),
                                figure(v->bytes[k], v->flows[k]));
        } else if (k != TALLY_VIS_UNKNOWN) {
            json_object_set_new(unnamed, tally_vis_name((enum tally_vis)k),
                                figure(v->bytes[k], v->flows[k]));
        }
    }
    json_object_set_new(evidence, "none", figure(all_bytes - named_bytes, all_flows - named_flows));
    uint64_t hidden_bytes = v->bytes[TALLY_VIS_ECH] + v->bytes[TALLY_VIS_EDNS];
    uint64_t hidden_flows = v->flows[TALLY_VIS_ECH] + v->flows[TALLY_VIS_EDNS];
    json_t *o = json_object();
    json_object_set_new(o, "bytes", report_json_u64(all_bytes));
    json_object_set_new(o, "flows", report_json_u64(all_flows));
    json_object_set_new(o, "by_evidence", evidence);
    json_object_set_new(o, "not_in_catalog",
                        figure(v->bytes[TALLY_VIS_UNKNOWN], v->flows[TALLY_VIS_UNKNOWN]));
    json_object_set_new(o, "unnamed", unnamed);
    json_object_set_new(o, "named", share(named_bytes, named_flows, all_bytes));
    json_object_set_new(o, "hidden", share(hidden_bytes, hidden_flows, all_bytes));
    json_object_set_new(o, "encrypted_dns_devices", devices(v->edns_devices, min_devices));
    if (by_department)
        json_object_set_new(o, "encrypted_dns_by_department", edns_departments(v, r, min_devices));
    return o;
}

json_t *report_visibility_section(redisContext *c, const struct report_part *parts, size_t nparts,
                                  const char *only_dept, const struct rules *r,
                                  uint64_t min_devices, char *err, size_t errlen)
{
    struct report_visibility v;
    json_t *out = NULL;
    if (report_visibility_read(c, parts, nparts, only_dept, &v, err, errlen) == 0)
        out = report_visibility_json(&v, r, min_devices, only_dept == NULL);
    report_visibility_free(&v);
    return out;
}
