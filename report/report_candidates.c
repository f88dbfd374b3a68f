/*
 * report_candidates.c - candidate services read back from Redis, ranked,
 * and laid out as a report's "unknown_services".
 *
 * Everything is named from the month keys the schema defines: the month's
 * sorted set lists its domains (at most STORE_UNKNOWN_DOMAINS_MAX), each
 * domain names its hash, hosts and device keys.  Three pipelined round
 * trips whatever the number of domains: the sets and the apart hashes, then
 * every domain's hash, then every device count; a fourth reads the host
 * names of the listed candidates only.
 *
 * Privacy follows the other reports (report_view.h): a candidate used by
 * fewer than privacy.min_devices devices in the scope is not listed (its
 * figures are summed in below_privacy), and within a listed candidate a
 * department with fewer is folded into an "Other departments" entry whose
 * devices are not given.  Host names are the servers', never a client's.
 */
#include "report_candidates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_data.h"
#include "report_json.h"
#include "report_stanza.h"
#include "schema.h"

#define HOSTS_SHOWN 20 /* the sensor keeps as many per domain and month */

static const char *const apart_names[REPORT_APART_COUNT] = {
    [REPORT_APART_IP_LITERAL] = "ip-literal",
    [REPORT_APART_SPECIAL_USE] = "special-use",
    [REPORT_APART_ENCRYPTED_DNS] = "encrypted-dns",
    [REPORT_APART_PUBLIC_SUFFIX] = "public-suffix",
    [REPORT_APART_OVERFLOW] = "overflow",
    [REPORT_APART_TRIMMED] = "trimmed",
};

const char *report_apart_name(enum report_apart a)
{
    return (unsigned)a < REPORT_APART_COUNT ? apart_names[a] : "";
}

static int oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static uint64_t text_u64(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : 0;
}

static void figures_add(struct report_candidate_figures *to,
                        const struct report_candidate_figures *f)
{
    to->bytes_up += f->bytes_up;
    to->bytes_down += f->bytes_down;
    to->flows += f->flows;
}

static uint64_t *counter_of(struct report_candidate_figures *f, enum schema_counter c)
{
    return c == SCHEMA_BYTES_UP     ? &f->bytes_up
           : c == SCHEMA_BYTES_DOWN ? &f->bytes_down
                                    : &f->flows;
}

static bool is_figure(enum schema_counter c)
{
    return c == SCHEMA_BYTES_UP || c == SCHEMA_BYTES_DOWN || c == SCHEMA_FLOWS;
}

static bool in_scope(const struct report_candidates *cs, const char *dept, size_t len)
{
    return !cs->only_dept ||
           (strlen(cs->only_dept) == len && memcmp(cs->only_dept, dept, len) == 0);
}

/* Reads one reply of the pipeline: NULL with err set when Redis failed. */
static redisReply *reply(redisContext *c, const char *what, char *err, size_t errlen)
{
    redisReply *r = NULL;
    if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
        report_redis_error(err, errlen, what, c, NULL);
        return NULL;
    }
    return r;
}

/* ---- the months' sets and apart hashes ---- */

/* The candidate named domain, added when new; NULL when out of memory. */
static struct report_candidate *candidate_of(struct report_candidates *cs, const char *domain,
                                             size_t len)
{
    long at = report_index_get(&cs->index, domain, len);
    if (at >= 0)
        return &cs->list[at];
    if (cs->n == cs->cap) {
        size_t cap = cs->cap ? cs->cap * 2 : 64;
        struct report_candidate *l = realloc(cs->list, cap * sizeof(*l));
        if (!l)
            return NULL;
        cs->list = l;
        cs->cap = cap;
    }
    struct report_candidate *k = &cs->list[cs->n];
    memset(k, 0, sizeof(*k));
    k->domain = malloc(len + 1);
    k->in_month = calloc(cs->nmonths, 1);
    if (!k->domain || !k->in_month || report_index_put(&cs->index, domain, len, (long)cs->n) != 0) {
        free(k->domain);
        free(k->in_month);
        return NULL;
    }
    memcpy(k->domain, domain, len);
    k->domain[len] = '\0';
    cs->n++;
    return k;
}

static void add_apart(struct report_candidates *cs, const redisReply *r)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        size_t dept_len, kind_at, kind_len;
        enum schema_counter counter;
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            !schema_field_apart_parse(f->str, f->len, &dept_len, &kind_at, &kind_len, &counter) ||
            !is_figure(counter) || !in_scope(cs, f->str, dept_len))
            continue;
        for (int a = 0; a < REPORT_APART_COUNT; a++) {
            if (strlen(apart_names[a]) == kind_len &&
                memcmp(apart_names[a], f->str + kind_at, kind_len) == 0)
                *counter_of(&cs->apart[a], counter) += text_u64(v->str);
        }
    }
}

/* A month's set: every domain a key can name becomes a candidate of it. */
static int add_month(struct report_candidates *cs, size_t m, const redisReply *r)
{
    char key[SCHEMA_NAME_MAX];
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_STRING || memchr(e->str, '\0', e->len) ||
            schema_key_unknown_domain(key, sizeof(key), cs->months[m], e->str) < 0)
            continue;
        struct report_candidate *k = candidate_of(cs, e->str, e->len);
        if (!k)
            return -1;
        k->in_month[m] = 1;
    }
    return 0;
}

static int read_months(redisContext *c, struct report_candidates *cs, char *err, size_t errlen)
{
    for (size_t m = 0; m < cs->nmonths; m++) {
        char set[SCHEMA_NAME_MAX], apart[SCHEMA_NAME_MAX];
        if (schema_key_unknown(set, sizeof(set), cs->months[m]) < 0 ||
            schema_key_unknown_apart(apart, sizeof(apart), cs->months[m]) < 0) {
            snprintf(err, errlen, "\"%s\" is not a month (YYYY-MM)", cs->months[m]);
            return -1;
        }
        if (redisAppendCommand(c, "ZRANGE %s 0 -1", set) != REDIS_OK ||
            redisAppendCommand(c, "HGETALL %s", apart) != REDIS_OK)
            return oom(err, errlen);
    }
    int rc = 0;
    for (size_t i = 0; i < 2 * cs->nmonths; i++) {
        redisReply *r = reply(c, "reading the candidate services", err, errlen);
        if (!r)
            return -1;
        if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
            report_redis_error(err, errlen, "reading the candidate services", c, r);
            rc = -1;
        } else if (rc == 0 && i % 2 == 0) {
            rc = add_month(cs, i / 2, r) != 0 ? oom(err, errlen) : 0;
        } else if (rc == 0) {
            add_apart(cs, r);
        }
        freeReplyObject(r);
    }
    return rc;
}

/* ---- the domains' hashes ---- */

static struct report_candidate_dept *dept_of(struct report_candidate *k, const char *id, size_t len)
{
    for (size_t i = 0; i < k->ndepts; i++) {
        if (strlen(k->depts[i].id) == len && memcmp(k->depts[i].id, id, len) == 0)
            return &k->depts[i];
    }
    struct report_candidate_dept *d = realloc(k->depts, (k->ndepts + 1) * sizeof(*d));
    char *copy = malloc(len + 1);
    if (d)
        k->depts = d;
    if (!d || !copy) {
        free(copy);
        return NULL;
    }
    memcpy(copy, id, len);
    copy[len] = '\0';
    d[k->ndepts] = (struct report_candidate_dept){.id = copy};
    return &d[k->ndepts++];
}

/* One month's hash of candidate k: its departments' counters in scope, and
 * its first and last second when the scope has any. */
static int add_domain_hash(struct report_candidates *cs, struct report_candidate *k,
                           const redisReply *r)
{
    uint64_t first = 0, last = 0;
    bool any = false;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        size_t dept_len;
        enum schema_counter counter;
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (strcmp(f->str, schema_field_first_seen) == 0) {
            first = text_u64(v->str);
        } else if (strcmp(f->str, schema_field_last_seen) == 0) {
            last = text_u64(v->str);
        } else if (schema_field_unknown_parse(f->str, f->len, &dept_len, &counter) &&
                   is_figure(counter) && in_scope(cs, f->str, dept_len)) {
            struct report_candidate_dept *d = dept_of(k, f->str, dept_len);
            if (!d)
                return -1;
            uint64_t n = text_u64(v->str);
            *counter_of(&d->f, counter) += n;
            *counter_of(&k->f, counter) += n;
            any = true;
        }
    }
    if (any && first && (!k->first_seen || first < k->first_seen))
        k->first_seen = first;
    if (any && last > k->last_seen)
        k->last_seen = last;
    return 0;
}

static int read_domains(redisContext *c, struct report_candidates *cs, char *err, size_t errlen)
{
    for (size_t i = 0; i < cs->n; i++) {
        for (size_t m = 0; m < cs->nmonths; m++) {
            char key[SCHEMA_NAME_MAX];
            if (!cs->list[i].in_month[m])
                continue;
            if (schema_key_unknown_domain(key, sizeof(key), cs->months[m], cs->list[i].domain) <
                    0 ||
                redisAppendCommand(c, "HGETALL %s", key) != REDIS_OK)
                return oom(err, errlen);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < cs->n; i++) {
        for (size_t m = 0; m < cs->nmonths; m++) {
            if (!cs->list[i].in_month[m])
                continue;
            redisReply *r = reply(c, "reading a candidate service", err, errlen);
            if (!r)
                return -1;
            if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
                report_redis_error(err, errlen, "reading a candidate service", c, r);
                rc = -1;
            } else if (rc == 0 && add_domain_hash(cs, &cs->list[i], r) != 0) {
                rc = oom(err, errlen);
            }
            freeReplyObject(r);
        }
    }
    return rc;
}

/* Drops the candidates without a department in scope (another department's
 * domains, in a department's report). */
static void keep_in_scope(struct report_candidates *cs)
{
    size_t kept = 0;
    for (size_t i = 0; i < cs->n; i++) {
        struct report_candidate *k = &cs->list[i];
        if (k->ndepts == 0) {
            free(k->domain);
            free(k->in_month);
            free(k->depts);
            continue;
        }
        cs->list[kept++] = *k;
    }
    cs->n = kept;
    report_index_free(&cs->index); /* positions moved; nothing looks them up again */
}

/* ---- devices ---- */

/* The device keys of candidate k's departments depts[first, ...), in every
 * month that lists k. */
struct device_keys {
    const struct report_candidates *cs;
    const struct report_candidate *k;
    size_t first;
};

static int device_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct device_keys *d = ctx;
    size_t m = i % d->cs->nmonths;
    if (!d->k->in_month[m])
        return -1;
    return schema_key_unknown_devices(buf, len, d->cs->months[m],
                                      d->k->depts[d->first + i / d->cs->nmonths].id, d->k->domain);
}

/* PFCOUNT over the device keys of the departments depts[first, last) of k. */
static int append_count(redisContext *c, const struct report_candidates *cs,
                        const struct report_candidate *k, size_t first, size_t last)
{
    struct device_keys d = {cs, k, first};
    return report_pfcount_append(c, cs->nmonths * (last - first), device_key, &d);
}

static int store_count(redisReply *r, uint64_t *out)
{
    if (r->type != REDIS_REPLY_INTEGER)
        return -1;
    *out = r->integer > 0 ? (uint64_t)r->integer : 0;
    return 0;
}

static int count_devices(redisContext *c, struct report_candidates *cs, char *err, size_t errlen)
{
    for (size_t i = 0; i < cs->n; i++) {
        const struct report_candidate *k = &cs->list[i];
        if (append_count(c, cs, k, 0, k->ndepts) != 0)
            return oom(err, errlen);
        for (size_t d = 0; d < k->ndepts; d++) {
            if (append_count(c, cs, k, d, d + 1) != 0)
                return oom(err, errlen);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < cs->n; i++) {
        struct report_candidate *k = &cs->list[i];
        for (size_t d = 0; d <= k->ndepts; d++) {
            redisReply *r = reply(c, "PFCOUNT", err, errlen);
            if (!r)
                return -1;
            if (store_count(r, d == 0 ? &k->devices : &k->depts[d - 1].devices) != 0 && rc == 0) {
                report_redis_error(err, errlen, "PFCOUNT", c, r);
                rc = -1;
            }
            freeReplyObject(r);
        }
    }
    return rc;
}

/* ---- order ---- */

static uint64_t bytes_of(const struct report_candidate_figures *f)
{
    return f->bytes_up + f->bytes_down;
}

/* Most devices, then most bytes, then by domain: the same order every run. */
static int by_rank(const void *a, const void *b)
{
    const struct report_candidate *x = a, *y = b;
    if (x->devices != y->devices)
        return x->devices > y->devices ? -1 : 1;
    if (bytes_of(&x->f) != bytes_of(&y->f))
        return bytes_of(&x->f) > bytes_of(&y->f) ? -1 : 1;
    return strcmp(x->domain, y->domain);
}

static int dept_by_rank(const void *a, const void *b)
{
    const struct report_candidate_dept *x = a, *y = b;
    if (x->devices != y->devices)
        return x->devices > y->devices ? -1 : 1;
    if (bytes_of(&x->f) != bytes_of(&y->f))
        return bytes_of(&x->f) > bytes_of(&y->f) ? -1 : 1;
    return strcmp(x->id, y->id);
}

int report_candidates_read(redisContext *c, const char *const *months, size_t nmonths,
                           const char *only_dept, struct report_candidates *out, char *err,
                           size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->months = months;
    out->nmonths = nmonths;
    out->only_dept = only_dept;
    if (read_months(c, out, err, errlen) != 0 || read_domains(c, out, err, errlen) != 0)
        return -1;
    keep_in_scope(out);
    if (count_devices(c, out, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < out->n; i++)
        qsort(out->list[i].depts, out->list[i].ndepts, sizeof(*out->list[i].depts), dept_by_rank);
    if (out->n > 1)
        qsort(out->list, out->n, sizeof(*out->list), by_rank);
    return 0;
}

/* ---- hosts ---- */

static int host_add(struct report_candidate *k, const char *name, size_t len, uint64_t bytes)
{
    for (size_t i = 0; i < k->nhosts; i++) {
        if (strlen(k->hosts[i].name) == len && memcmp(k->hosts[i].name, name, len) == 0) {
            k->hosts[i].bytes += bytes;
            return 0;
        }
    }
    struct report_candidate_host *h = realloc(k->hosts, (k->nhosts + 1) * sizeof(*h));
    char *copy = malloc(len + 1);
    if (h)
        k->hosts = h;
    if (!h || !copy) {
        free(copy);
        return -1;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    h[k->nhosts++] = (struct report_candidate_host){copy, bytes};
    return 0;
}

static int add_hosts(struct report_candidate *k, const redisReply *r)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *name = r->element[i], *score = r->element[i + 1];
        if (name->type != REDIS_REPLY_STRING || memchr(name->str, '\0', name->len))
            continue;
        double bytes = score->type == REDIS_REPLY_STRING ? strtod(score->str, NULL) : 0;
        if (host_add(k, name->str, name->len, bytes > 0 ? (uint64_t)bytes : 0) != 0)
            return -1;
    }
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    const struct report_candidate_host *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return strcmp(x->name, y->name);
}

int report_candidates_hosts(redisContext *c, struct report_candidates *cs, const bool *want,
                            char *err, size_t errlen)
{
    for (size_t i = 0; i < cs->n; i++) {
        for (size_t m = 0; want[i] && m < cs->nmonths; m++) {
            char key[SCHEMA_NAME_MAX];
            if (!cs->list[i].in_month[m])
                continue;
            if (schema_key_unknown_hosts(key, sizeof(key), cs->months[m], cs->list[i].domain) < 0 ||
                redisAppendCommand(c, "ZREVRANGE %s 0 -1 WITHSCORES", key) != REDIS_OK)
                return oom(err, errlen);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < cs->n; i++) {
        for (size_t m = 0; want[i] && m < cs->nmonths; m++) {
            if (!cs->list[i].in_month[m])
                continue;
            redisReply *r = reply(c, "reading host names", err, errlen);
            if (!r)
                return -1;
            if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
                report_redis_error(err, errlen, "reading host names", c, r);
                rc = -1;
            } else if (rc == 0 && add_hosts(&cs->list[i], r) != 0) {
                rc = oom(err, errlen);
            }
            freeReplyObject(r);
        }
        if (cs->list[i].nhosts > 1)
            qsort(cs->list[i].hosts, cs->list[i].nhosts, sizeof(*cs->list[i].hosts), by_bytes);
    }
    return rc;
}

void report_candidates_free(struct report_candidates *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++) {
        struct report_candidate *k = &cs->list[i];
        for (size_t d = 0; d < k->ndepts; d++)
            free(k->depts[d].id);
        for (size_t h = 0; h < k->nhosts; h++)
            free(k->hosts[h].name);
        free(k->depts);
        free(k->hosts);
        free(k->domain);
        free(k->in_month);
    }
    free(cs->list);
    report_index_free(&cs->index);
    memset(cs, 0, sizeof(*cs));
}

/* ---- the report member ---- */

/* The ids a stanza may not take: the catalog's, and those of the stanzas
 * before it in the same list, so that all of them can be pasted at once. */
struct ids_taken {
    const struct rules *rules;
    struct report_index given;
};

static bool id_taken(void *ctx, const char *id)
{
    const struct ids_taken *t = ctx;
    return catalog_find(t->rules->catalog, id) >= 0 ||
           report_index_get(&t->given, id, strlen(id)) >= 0;
}

static void set_figures(json_t *o, const struct report_candidate_figures *f)
{
    json_object_set_new(o, "bytes_up", report_json_u64(f->bytes_up));
    json_object_set_new(o, "bytes_down", report_json_u64(f->bytes_down));
    json_object_set_new(o, "flows", report_json_u64(f->flows));
}

static json_t *figures_json(const struct report_candidate_figures *f, const char *count_name,
                            uint64_t count)
{
    json_t *o = json_object();
    if (count_name)
        json_object_set_new(o, count_name, report_json_u64(count));
    set_figures(o, f);
    return o;
}

/* Whether a domain can be listed with a stanza that loads. */
static bool listable(const char *domain)
{
    char id[REPORT_STANZA_ID_MAX];
    return report_stanza_domain_ok(domain) && report_stanza_id(domain, NULL, NULL, id) == 0;
}

/* Each department in scope, those with fewer than min_devices devices
 * folded into one "Other departments" entry (last); *hidden counts them. */
static json_t *by_department(const struct report_candidate *k, const struct rules *r,
                             uint64_t min_devices, size_t *hidden)
{
    json_t *list = json_array();
    struct report_candidate_figures other = {0};
    size_t folded = 0;
    for (size_t d = 0; d < k->ndepts; d++) {
        const struct report_candidate_dept *dept = &k->depts[d];
        if (min_devices && dept->devices < min_devices) {
            figures_add(&other, &dept->f);
            folded++;
            continue;
        }
        json_t *o =
            json_pack("{s:o, s:s, s:o}", "id", report_json_id(dept->id), "name",
                      report_dept_name(r, dept->id), "devices", report_json_u64(dept->devices));
        set_figures(o, &dept->f);
        json_array_append_new(list, o);
    }
    if (folded) {
        json_t *o = json_pack("{s:n, s:s, s:n}", "id", "name", "Other departments", "devices");
        set_figures(o, &other);
        json_array_append_new(list, o);
    }
    *hidden += folded;
    return list;
}

/* The host names, most bytes first; their bytes only over the whole
 * organisation (the sensor keeps hosts per domain, not per department). */
static json_t *hosts_json(const struct report_candidate *k, bool with_bytes)
{
    json_t *list = json_array();
    for (size_t h = 0; h < k->nhosts && h < HOSTS_SHOWN; h++) {
        json_t *name = json_string(k->hosts[h].name); /* NULL if not UTF-8: skipped */
        if (!name)
            continue;
        json_array_append_new(
            list, json_pack("{s:o, s:o}", "name", name, "bytes",
                            with_bytes ? report_json_u64(k->hosts[h].bytes) : json_null()));
    }
    return list;
}

static json_t *service_json(const struct report_candidates *cs, const struct report_candidate *k,
                            uint64_t min_devices, struct ids_taken *taken, size_t *hidden)
{
    char id[REPORT_STANZA_ID_MAX], name[REPORT_STANZA_NAME_MAX];
    report_stanza_id(k->domain, id_taken, taken, id);
    report_stanza_name(k->domain, name, sizeof(name));
    char *stanza = report_stanza_text(k->domain, id, name);
    if (!stanza || report_index_put(&taken->given, id, strlen(id), 1) != 0) {
        free(stanza);
        return NULL;
    }
    json_t *depts = json_array();
    for (size_t d = 0; d < k->ndepts; d++)
        json_array_append_new(depts, report_json_id(k->depts[d].id));
    json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "domain", k->domain, "name", name, "devices",
                          report_json_u64(k->devices), "departments", depts, "by_department",
                          by_department(k, taken->rules, min_devices, hidden));
    set_figures(o, &k->f);
    json_object_set_new(o, "first_seen", report_json_time(k->first_seen));
    json_object_set_new(o, "last_seen", report_json_time(k->last_seen));
    json_object_set_new(o, "hosts", hosts_json(k, cs->only_dept == NULL));
    json_object_set_new(o, "catalog_stanza", json_string(stanza));
    free(stanza);
    return o;
}

/* Where each candidate goes: listed, below the privacy threshold, or not
 * listed (past the list's length, or a name no stanza can hold). */
enum placing { PLACED_LISTED, PLACED_BELOW_PRIVACY, PLACED_NOT_LISTED };

static void place(const struct report_candidates *cs, uint64_t min_devices, size_t max_listed,
                  enum placing *placing, bool *listed)
{
    size_t n = 0;
    for (size_t i = 0; i < cs->n; i++) {
        const struct report_candidate *k = &cs->list[i];
        if (min_devices && k->devices < min_devices) {
            placing[i] = PLACED_BELOW_PRIVACY;
        } else if (listable(k->domain) && (!max_listed || n < max_listed)) {
            placing[i] = PLACED_LISTED;
            n++;
        } else {
            placing[i] = PLACED_NOT_LISTED;
        }
        listed[i] = placing[i] == PLACED_LISTED;
    }
}

static json_t *section_json(const struct report_candidates *cs, const struct rules *r,
                            uint64_t min_devices, const enum placing *placing, size_t *hidden)
{
    struct ids_taken taken = {r, REPORT_INDEX_INIT};
    struct report_candidate_figures sums[3] = {{0}}, all = {0};
    size_t counts[3] = {0};
    json_t *services = json_array();
    for (size_t i = 0; i < cs->n; i++) {
        const struct report_candidate *k = &cs->list[i];
        figures_add(&sums[placing[i]], &k->f);
        counts[placing[i]]++;
        if (placing[i] == PLACED_BELOW_PRIVACY)
            *hidden += k->ndepts;
        if (placing[i] != PLACED_LISTED)
            continue;
        json_t *o = service_json(cs, k, min_devices, &taken, hidden);
        if (!o) {
            json_decref(services);
            services = NULL;
            break;
        }
        json_array_append_new(services, o);
    }
    report_index_free(&taken.given);
    if (!services)
        return NULL;
    json_t *apart = json_object();
    for (int a = 0; a < REPORT_APART_COUNT; a++) {
        json_object_set_new(apart, apart_names[a], figures_json(&cs->apart[a], NULL, 0));
        figures_add(&all, &cs->apart[a]);
    }
    for (int p = 0; p < 3; p++)
        figures_add(&all, &sums[p]);
    json_t *o = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o}", "domains", report_json_u64(cs->n), "listed",
        report_json_u64(counts[PLACED_LISTED]), "services", services, "below_privacy",
        figures_json(&sums[PLACED_BELOW_PRIVACY], "domains", counts[PLACED_BELOW_PRIVACY]),
        "not_listed", figures_json(&sums[PLACED_NOT_LISTED], "domains", counts[PLACED_NOT_LISTED]),
        "apart", apart);
    set_figures(o, &all);
    return o;
}

json_t *report_candidates_section(redisContext *c, const char *const *months, size_t nmonths,
                                  const char *only_dept, const struct rules *r,
                                  uint64_t min_devices, size_t max_listed, size_t *hidden,
                                  char *err, size_t errlen)
{
    struct report_candidates cs;
    json_t *out = NULL;
    size_t hidden_uses = 0;
    enum placing *placing = NULL;
    bool *listed = NULL;
    if (report_candidates_read(c, months, nmonths, only_dept, &cs, err, errlen) != 0)
        goto done;
    placing = calloc(cs.n + 1, sizeof(*placing));
    listed = calloc(cs.n + 1, sizeof(*listed));
    if (!placing || !listed) {
        oom(err, errlen);
        goto done;
    }
    place(&cs, min_devices, max_listed, placing, listed);
    if (report_candidates_hosts(c, &cs, listed, err, errlen) != 0)
        goto done;
    out = section_json(&cs, r, min_devices, placing, &hidden_uses);
    if (!out)
        oom(err, errlen);
    if (hidden)
        *hidden = hidden_uses;
done:
    free(placing);
    free(listed);
    report_candidates_free(&cs);
    return out;
}
