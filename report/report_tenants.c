/*
 * report_tenants.c - tenant classes and other tenants' names, read back.
 *
 * Three pipelined rounds: the HGETALL of every part's tenant hash; then the
 * PFCOUNTs of the classes (per department and per service) and the ZRANGE of
 * every (service, month) name list; then the HGETALL of every (name, month)
 * hash, the PFCOUNT of each name's devices (per department and the union)
 * and of each service's distinct names.  The lists are small: a few dozen
 * services have templates, and a month keeps at most STORE_TENANT_NAMES_MAX
 * names per service.
 */
#include "report_tenants.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "report_dates.h"
#include "report_json.h"
#include "schema.h"
#include "tally.h"

#define NCLASS 3 /* none, own, other: TALLY_TENANT_NONE.. in order */

struct tfig {
    uint64_t up, down, flows, devices;
};

struct trow { /* one department's use of one service */
    char *dept, *svc;
    struct tfig f[NCLASS];
};

struct tdept {
    char *dept;
    struct tfig f;
};

struct tname { /* one other tenant of one service */
    char *svc, *tenant;
    struct tfig all;
    struct tdept *depts;
    size_t ndepts;
};

struct tsvc {
    char *svc;
    struct tfig f[NCLASS];
    uint64_t distinct; /* other tenants' names, all departments */
};

struct report_tenants {
    const struct rules *rules;
    uint64_t min_devices;
    const char *only_dept;
    const struct report_part *parts;
    size_t nparts;
    char (*months)[REPORT_MONTH_LEN];
    size_t nmonths;
    struct trow *rows;
    size_t nrows;
    struct tsvc *svcs;
    size_t nsvcs;
    struct tname *names;
    size_t nnames;
};

static const char *class_name(int k)
{
    return tally_tenant_name((enum tally_tenant)(TALLY_TENANT_NONE + k));
}

static int class_of(const char *s, size_t len)
{
    for (int k = 0; k < NCLASS; k++) {
        if (strlen(class_name(k)) == len && memcmp(class_name(k), s, len) == 0)
            return k;
    }
    return -1;
}

static uint64_t text_u64(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : 0;
}

static void fig_add(struct tfig *f, enum schema_counter counter, uint64_t v)
{
    if (counter == SCHEMA_BYTES_UP)
        f->up += v;
    else if (counter == SCHEMA_BYTES_DOWN)
        f->down += v;
    else if (counter == SCHEMA_FLOWS)
        f->flows += v;
}

static bool shown(const struct report_tenants *t, uint64_t devices)
{
    return t->min_devices == 0 || devices >= t->min_devices;
}

void report_tenants_free(struct report_tenants *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows; i++) {
        free(t->rows[i].dept);
        free(t->rows[i].svc);
    }
    for (size_t i = 0; i < t->nsvcs; i++)
        free(t->svcs[i].svc);
    for (size_t i = 0; i < t->nnames; i++) {
        struct tname *n = &t->names[i];
        free(n->svc);
        free(n->tenant);
        for (size_t j = 0; j < n->ndepts; j++)
            free(n->depts[j].dept);
        free(n->depts);
    }
    free(t->rows);
    free(t->svcs);
    free(t->names);
    free(t->months);
    free(t);
}

static char *copy_of(const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (c) {
        memcpy(c, s, len);
        c[len] = '\0';
    }
    return c;
}

static bool same(const char *a, const char *b, size_t blen)
{
    return strlen(a) == blen && memcmp(a, b, blen) == 0;
}

/* The row of (dept, svc), added when new; NULL out of memory. */
static struct trow *row_of(struct report_tenants *t, const char *dept, size_t dlen, const char *svc,
                           size_t slen)
{
    for (size_t i = 0; i < t->nrows; i++) {
        if (same(t->rows[i].dept, dept, dlen) && same(t->rows[i].svc, svc, slen))
            return &t->rows[i];
    }
    struct trow *rows = realloc(t->rows, (t->nrows + 1) * sizeof(*rows));
    if (!rows)
        return NULL;
    t->rows = rows;
    struct trow *r = &rows[t->nrows];
    memset(r, 0, sizeof(*r));
    r->dept = copy_of(dept, dlen);
    r->svc = copy_of(svc, slen);
    t->nrows++;
    return r->dept && r->svc ? r : NULL;
}

static struct tsvc *svc_of(struct report_tenants *t, const char *svc)
{
    for (size_t i = 0; i < t->nsvcs; i++) {
        if (strcmp(t->svcs[i].svc, svc) == 0)
            return &t->svcs[i];
    }
    struct tsvc *s = realloc(t->svcs, (t->nsvcs + 1) * sizeof(*s));
    if (!s)
        return NULL;
    t->svcs = s;
    memset(&s[t->nsvcs], 0, sizeof(*s));
    s[t->nsvcs].svc = strdup(svc);
    return s[t->nsvcs].svc ? &s[t->nsvcs++] : NULL;
}

/* Adds the fields of one tenant hash in scope. */
static int add_counts(struct report_tenants *t, const redisReply *r)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *val = r->element[i + 1];
        struct schema_field sf;
        size_t class_at, class_len;
        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING ||
            !schema_field_tenant_parse(f->str, f->len, &sf, &class_at, &class_len))
            continue;
        int k = class_of(f->str + class_at, class_len);
        if (k < 0 || (t->only_dept && !same(t->only_dept, f->str, sf.dept_len)))
            continue;
        struct trow *row =
            row_of(t, f->str, sf.dept_len, f->str + sf.dept_len + 1, sf.cell_len - sf.dept_len - 1);
        if (!row)
            return -1;
        fig_add(&row->f[k], sf.counter, text_u64(val->str));
    }
    return 0;
}

/* Reads every reply of n requests of one kind with fn; the first failure
 * wins, every reply is read. */
static int read_replies(redisContext *c, size_t n, const char *what,
                        int (*fn)(struct report_tenants *t, size_t i, const redisReply *r),
                        struct report_tenants *t, char *err, size_t errlen)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, what, c, NULL);
            return -1;
        }
        if (rc == 0 && r->type == REDIS_REPLY_ERROR) {
            report_redis_error(err, errlen, what, c, r);
            rc = -1;
        } else if (rc == 0 && fn(t, i, r) != 0) {
            err[0] = '\0';
            rc = -1;
        }
        freeReplyObject(r);
    }
    return rc;
}

static int on_counts(struct report_tenants *t, size_t i, const redisReply *r)
{
    (void)i;
    return r->type == REDIS_REPLY_ARRAY ? add_counts(t, r) : 0;
}

/* ---- devices per class ---- */

struct class_keys {
    const struct report_tenants *t;
    const char *svc;
    const char *dept; /* NULL: every department of the service's rows */
    const char *cls;
};

/* Key i: part i % nparts of the (i / nparts)-th row in scope. */
static int class_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct class_keys *k = ctx;
    const struct report_tenants *t = k->t;
    const struct report_part *p = &t->parts[i % t->nparts];
    const struct trow *row = &t->rows[i / t->nparts];
    if (strcmp(row->svc, k->svc) != 0 || (k->dept && strcmp(row->dept, k->dept) != 0))
        return -1;
    char cell[SCHEMA_NAME_MAX];
    if (schema_cell(cell, sizeof(cell), row->dept, row->svc) < 0)
        return -1;
    return schema_key_tenant_devices(buf, len, p->span, p->date, cell, k->cls);
}

/* Appends the device counts of every row and class with flows, then of every
 * service and class; *n is the number of replies to read. */
static int request_devices(redisContext *c, struct report_tenants *t, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        for (int k = 0; k < NCLASS; k++) {
            if (!t->rows[i].f[k].flows)
                continue;
            struct class_keys ck = {t, t->rows[i].svc, t->rows[i].dept, class_name(k)};
            if (report_pfcount_append(c, t->nrows * t->nparts, class_key, &ck) != 0)
                return -1;
            (*n)++;
        }
    }
    for (size_t i = 0; i < t->nsvcs; i++) {
        for (int k = 0; k < NCLASS; k++) {
            if (!t->svcs[i].f[k].flows)
                continue;
            struct class_keys ck = {t, t->svcs[i].svc, NULL, class_name(k)};
            if (report_pfcount_append(c, t->nrows * t->nparts, class_key, &ck) != 0)
                return -1;
            (*n)++;
        }
    }
    return 0;
}

/* The i-th device count requested, in request_devices' order. */
static uint64_t *device_slot(struct report_tenants *t, size_t i)
{
    for (size_t r = 0; r < t->nrows; r++) {
        for (int k = 0; k < NCLASS; k++) {
            if (t->rows[r].f[k].flows && i-- == 0)
                return &t->rows[r].f[k].devices;
        }
    }
    for (size_t s = 0; s < t->nsvcs; s++) {
        for (int k = 0; k < NCLASS; k++) {
            if (t->svcs[s].f[k].flows && i-- == 0)
                return &t->svcs[s].f[k].devices;
        }
    }
    return NULL;
}

static int on_devices(struct report_tenants *t, size_t i, const redisReply *r)
{
    uint64_t *slot = device_slot(t, i);
    if (slot && r->type == REDIS_REPLY_INTEGER)
        *slot = (uint64_t)r->integer;
    return 0;
}

/* ---- other tenants' names ---- */

static struct tname *name_of(struct report_tenants *t, const char *svc, const char *tenant,
                             size_t tlen)
{
    for (size_t i = 0; i < t->nnames; i++) {
        if (strcmp(t->names[i].svc, svc) == 0 && same(t->names[i].tenant, tenant, tlen))
            return &t->names[i];
    }
    struct tname *n = realloc(t->names, (t->nnames + 1) * sizeof(*n));
    if (!n)
        return NULL;
    t->names = n;
    n = &n[t->nnames];
    memset(n, 0, sizeof(*n));
    n->svc = strdup(svc);
    n->tenant = copy_of(tenant, tlen);
    t->nnames++;
    return n->svc && n->tenant ? n : NULL;
}

static struct tdept *name_dept(struct tname *n, const char *dept, size_t dlen)
{
    for (size_t i = 0; i < n->ndepts; i++) {
        if (same(n->depts[i].dept, dept, dlen))
            return &n->depts[i];
    }
    struct tdept *d = realloc(n->depts, (n->ndepts + 1) * sizeof(*d));
    if (!d)
        return NULL;
    n->depts = d;
    memset(&d[n->ndepts], 0, sizeof(*d));
    d[n->ndepts].dept = copy_of(dept, dlen);
    return d[n->ndepts].dept ? &d[n->ndepts++] : NULL;
}

/* The services with traffic to other tenants in scope, in t->svcs order:
 * the i-th of them, or NULL. */
static const struct tsvc *other_svc(const struct report_tenants *t, size_t i)
{
    for (size_t s = 0; s < t->nsvcs; s++) {
        if (t->svcs[s].f[TALLY_TENANT_OTHER - TALLY_TENANT_NONE].flows && i-- == 0)
            return &t->svcs[s];
    }
    return NULL;
}

static int on_name_list(struct report_tenants *t, size_t i, const redisReply *r)
{
    const struct tsvc *s = other_svc(t, i / t->nmonths);
    if (!s || r->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t j = 0; j < r->elements; j++) {
        const redisReply *e = r->element[j];
        if (e->type == REDIS_REPLY_STRING && !name_of(t, s->svc, e->str, e->len))
            return -1;
    }
    return 0;
}

static int on_name_hash(struct report_tenants *t, size_t i, const redisReply *r)
{
    struct tname *n = &t->names[i / t->nmonths];
    if (r->type != REDIS_REPLY_ARRAY)
        return 0;
    for (size_t j = 0; j + 1 < r->elements; j += 2) {
        const redisReply *f = r->element[j], *val = r->element[j + 1];
        size_t dlen;
        enum schema_counter counter;
        if (f->type != REDIS_REPLY_STRING || val->type != REDIS_REPLY_STRING ||
            !schema_field_unknown_parse(f->str, f->len, &dlen, &counter) ||
            (t->only_dept && !same(t->only_dept, f->str, dlen)))
            continue;
        struct tdept *d = name_dept(n, f->str, dlen);
        if (!d)
            return -1;
        fig_add(&d->f, counter, text_u64(val->str));
        fig_add(&n->all, counter, text_u64(val->str));
    }
    return 0;
}

struct name_keys {
    const struct report_tenants *t;
    const struct tname *n;
    const char *dept; /* NULL: the union of the name's departments */
};

/* Key i: month i % nmonths of the (i / nmonths)-th department of the name. */
static int name_device_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct name_keys *k = ctx;
    const char *dept = k->n->depts[i / k->t->nmonths].dept;
    if (k->dept && strcmp(dept, k->dept) != 0)
        return -1;
    char cell[SCHEMA_NAME_MAX];
    if (schema_cell(cell, sizeof(cell), dept, k->n->svc) < 0)
        return -1;
    return schema_key_tenant_name_devices(buf, len, k->t->months[i % k->t->nmonths], cell,
                                          k->n->tenant);
}

struct distinct_keys {
    const struct report_tenants *t;
    const char *svc;
};

static int distinct_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct distinct_keys *k = ctx;
    return schema_key_tenant_distinct(buf, len, k->t->months[i], k->svc);
}

/* Per name: each department's devices, then the union; then per service with
 * other tenants, the distinct names. */
static int request_name_devices(redisContext *c, struct report_tenants *t, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < t->nnames; i++) {
        const struct tname *nm = &t->names[i];
        for (size_t j = 0; j <= nm->ndepts; j++) {
            struct name_keys k = {t, nm, j < nm->ndepts ? nm->depts[j].dept : NULL};
            if (report_pfcount_append(c, nm->ndepts * t->nmonths, name_device_key, &k) != 0)
                return -1;
            (*n)++;
        }
    }
    const struct tsvc *s;
    for (size_t i = 0; (s = other_svc(t, i)) != NULL; i++) {
        struct distinct_keys k = {t, s->svc};
        if (report_pfcount_append(c, t->nmonths, distinct_key, &k) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static int on_name_devices(struct report_tenants *t, size_t i, const redisReply *r)
{
    uint64_t v = r->type == REDIS_REPLY_INTEGER ? (uint64_t)r->integer : 0;
    for (size_t j = 0; j < t->nnames; j++) {
        struct tname *nm = &t->names[j];
        if (i <= nm->ndepts) {
            (i < nm->ndepts ? &nm->depts[i].f : &nm->all)->devices = v;
            return 0;
        }
        i -= nm->ndepts + 1;
    }
    struct tsvc *s = (struct tsvc *)other_svc(t, i);
    if (s)
        s->distinct = v;
    return 0;
}

/* ---- reading ---- */

static int set_months(struct report_tenants *t, uint32_t first_day, uint32_t last_day)
{
    for (uint32_t day = first_day; day <= last_day; day = report_month_last(day) + 1) {
        char(*m)[REPORT_MONTH_LEN] = realloc(t->months, (t->nmonths + 1) * sizeof(*m));
        if (!m)
            return -1;
        t->months = m;
        report_month_of(day, m[t->nmonths++]);
        if (report_month_last(day) == UINT32_MAX)
            break;
    }
    return 0;
}

static int sum_services(struct report_tenants *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        struct tsvc *s = svc_of(t, t->rows[i].svc);
        if (!s)
            return -1;
        for (int k = 0; k < NCLASS; k++) {
            s->f[k].up += t->rows[i].f[k].up;
            s->f[k].down += t->rows[i].f[k].down;
            s->f[k].flows += t->rows[i].f[k].flows;
        }
    }
    return 0;
}

static int append_keyed(redisContext *c, const char *cmd, const char *key, int n)
{
    return n < 0 || redisAppendCommand(c, cmd, key) != REDIS_OK ? -1 : 0;
}

/* Round one: every part's tenant hash. */
static int read_counts(redisContext *c, struct report_tenants *t, char *err, size_t errlen)
{
    for (size_t i = 0; i < t->nparts; i++) {
        char key[SCHEMA_NAME_MAX];
        int n = schema_key_tenants(key, sizeof(key), t->parts[i].span, t->parts[i].date);
        if (append_keyed(c, "HGETALL %s", key, n) != 0)
            return -1;
    }
    if (read_replies(c, t->nparts, "reading the tenant counts", on_counts, t, err, errlen) != 0)
        return -1;
    return sum_services(t);
}

/* Round two: the devices per class and the lists of names; round three: the
 * names' counters; round four: their devices and the distinct names. */
static int read_more(redisContext *c, struct report_tenants *t, char *err, size_t errlen)
{
    size_t ndev, nlists = 0;
    if (request_devices(c, t, &ndev) != 0)
        return -1;
    const struct tsvc *s;
    for (size_t i = 0; (s = other_svc(t, i)) != NULL; i++) {
        for (size_t m = 0; m < t->nmonths; m++, nlists++) {
            char key[SCHEMA_NAME_MAX];
            int n = schema_key_tenant_names(key, sizeof(key), t->months[m], s->svc);
            if (append_keyed(c, "ZRANGE %s 0 -1", key, n) != 0)
                return -1;
        }
    }
    if (read_replies(c, ndev, "reading tenant devices", on_devices, t, err, errlen) != 0 ||
        read_replies(c, nlists, "reading tenant names", on_name_list, t, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < t->nnames; i++) {
        for (size_t m = 0; m < t->nmonths; m++) {
            char key[SCHEMA_NAME_MAX];
            int n = schema_key_tenant_name(key, sizeof(key), t->months[m], t->names[i].svc,
                                           t->names[i].tenant);
            if (append_keyed(c, "HGETALL %s", key, n) != 0)
                return -1;
        }
    }
    if (read_replies(c, t->nnames * t->nmonths, "reading tenant names", on_name_hash, t, err,
                     errlen) != 0)
        return -1;
    size_t nnd;
    if (request_name_devices(c, t, &nnd) != 0)
        return -1;
    return read_replies(c, nnd, "reading tenant devices", on_name_devices, t, err, errlen);
}

struct report_tenants *report_tenants_read(redisContext *c, const struct report_part *parts,
                                           size_t nparts, uint32_t first_day, uint32_t last_day,
                                           const char *only_dept, const struct rules *r,
                                           uint64_t min_devices, char *err, size_t errlen)
{
    struct report_tenants *t = calloc(1, sizeof(*t));
    err[0] = '\0';
    if (!t)
        return NULL;
    *t = (struct report_tenants){.rules = r,
                                 .min_devices = min_devices,
                                 .only_dept = only_dept,
                                 .parts = parts,
                                 .nparts = nparts};
    if (set_months(t, first_day, last_day) != 0 || read_counts(c, t, err, errlen) != 0 ||
        read_more(c, t, err, errlen) != 0) {
        report_tenants_free(t);
        return NULL;
    }
    t->parts = NULL; /* the caller's: not kept past the read */
    t->nparts = 0;
    return t;
}

/* ---- JSON ---- */

static json_t *fig_json(const struct report_tenants *t, const struct tfig *f)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "bytes_up", report_json_u64(f->up), "bytes_down",
                     report_json_u64(f->down), "flows", report_json_u64(f->flows), "devices",
                     shown(t, f->devices) || !f->flows ? report_json_u64(f->devices) : json_null());
}

static json_t *sum_json(size_t count, const char *what, const struct tfig *f)
{
    return json_pack("{s:o, s:o, s:o, s:o}", what, report_json_u64(count), "bytes_up",
                     report_json_u64(f->up), "bytes_down", report_json_u64(f->down), "flows",
                     report_json_u64(f->flows));
}

static void fig_sum(struct tfig *into, const struct tfig *f)
{
    into->up += f->up;
    into->down += f->down;
    into->flows += f->flows;
}

/* "other-tenant" for a service the organisation sanctioned (its other
 * customers' tenants are not what it sanctioned), else the service's status. */
static const char *other_status(const struct rules *r, const char *svc, const char *dept)
{
    int dept_idx = dept ? departments_find(r->departments, dept) : -1;
    enum policy_status st = policy_status(r->policy, catalog_find(r->catalog, svc), dept_idx);
    return st == POLICY_SANCTIONED ? "other-tenant" : policy_status_name(st);
}

/* A name's figures: all departments in scope, or one's (dept). */
static const struct tfig *name_fig(const struct tname *n, const char *dept)
{
    if (!dept)
        return &n->all;
    for (size_t i = 0; i < n->ndepts; i++) {
        if (strcmp(n->depts[i].dept, dept) == 0)
            return &n->depts[i].f;
    }
    return NULL;
}

struct shown_name {
    const char *tenant;
    const struct tfig *f;
};

/* Most bytes first, then by name: the same order whatever Redis's. */
static int by_bytes_then_name(const void *a, const void *b)
{
    const struct shown_name *x = a, *y = b;
    uint64_t bx = x->f->up + x->f->down, by = y->f->up + y->f->down;
    if (bx != by)
        return bx > by ? -1 : 1;
    return strcmp(x->tenant, y->tenant);
}

/* Sets names (seen from enough devices), names_hidden and unnamed (what the
 * kept names do not cover of total) in o, for one service and department or
 * all. */
static void set_names(const struct report_tenants *t, json_t *o, const char *svc, const char *dept,
                      const struct tfig *total)
{
    struct shown_name *list = calloc(t->nnames + 1, sizeof(*list));
    struct tfig hidden = {0}, named = {0};
    size_t nhidden = 0, nlist = 0;
    for (size_t i = 0; list && i < t->nnames; i++) {
        const struct tfig *f = strcmp(t->names[i].svc, svc) ? NULL : name_fig(&t->names[i], dept);
        if (!f || !f->flows)
            continue;
        fig_sum(&named, f);
        if (!shown(t, f->devices)) {
            fig_sum(&hidden, f);
            nhidden++;
            continue;
        }
        list[nlist++] = (struct shown_name){t->names[i].tenant, f};
    }
    if (list)
        qsort(list, nlist, sizeof(*list), by_bytes_then_name);
    json_t *names = json_array();
    for (size_t i = 0; i < nlist; i++) {
        json_t *e = fig_json(t, list[i].f);
        json_object_set_new(e, "tenant", json_string(list[i].tenant));
        json_array_append_new(names, e);
    }
    free(list);
    struct tfig rest = {total->up > named.up ? total->up - named.up : 0,
                        total->down > named.down ? total->down - named.down : 0,
                        total->flows > named.flows ? total->flows - named.flows : 0, 0};
    json_object_set_new(o, "names", names);
    json_object_set_new(o, "names_hidden", sum_json(nhidden, "names", &hidden));
    json_object_set_new(o, "unnamed",
                        json_pack("{s:o, s:o, s:o}", "bytes_up", report_json_u64(rest.up),
                                  "bytes_down", report_json_u64(rest.down), "flows",
                                  report_json_u64(rest.flows)));
}

static const int other_k = TALLY_TENANT_OTHER - TALLY_TENANT_NONE;

/* own, other and none of one row or service (f[NCLASS]). */
static json_t *classes_json(const struct report_tenants *t, const struct tfig *f, const char *svc,
                            const char *dept)
{
    json_t *o = json_object();
    for (int k = 0; k < NCLASS; k++)
        json_object_set_new(o, class_name(k), fig_json(t, &f[k]));
    json_object_set_new(json_object_get(o, "other"), "status",
                        json_string(other_status(t->rules, svc, dept)));
    return o;
}

/* A row is shown when every class it has traffic in has enough devices. */
static bool row_shown(const struct report_tenants *t, const struct trow *row)
{
    for (int k = 0; k < NCLASS; k++) {
        if (row->f[k].flows && !shown(t, row->f[k].devices))
            return false;
    }
    return true;
}

static json_t *service_json(const struct report_tenants *t, const struct tsvc *s)
{
    json_t *o = classes_json(t, s->f, s->svc, t->only_dept);
    json_t *other = json_object_get(o, "other");
    /* A department's distinct tenants are its kept names; the organisation's
     * are counted apart from the names, trimmed ones included. */
    uint64_t distinct = s->distinct;
    if (t->only_dept) {
        distinct = 0;
        for (size_t i = 0; i < t->nnames; i++) {
            const struct tfig *f =
                strcmp(t->names[i].svc, s->svc) ? NULL : name_fig(&t->names[i], t->only_dept);
            distinct += f && f->flows;
        }
    }
    json_object_set_new(other, "tenants", report_json_u64(distinct));
    set_names(t, other, s->svc, t->only_dept, &s->f[other_k]);
    json_t *depts = json_array();
    struct tfig folded = {0};
    size_t nfolded = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct trow *row = &t->rows[i];
        if (strcmp(row->svc, s->svc) != 0)
            continue;
        if (!row_shown(t, row)) {
            for (int k = 0; k < NCLASS; k++)
                fig_sum(&folded, &row->f[k]);
            nfolded++;
            continue;
        }
        json_t *d = classes_json(t, row->f, row->svc, row->dept);
        json_object_set_new(d, "id", json_string(row->dept));
        json_object_set_new(d, "name", json_string(report_dept_name(t->rules, row->dept)));
        json_array_append_new(depts, d);
    }
    json_object_set_new(o, "departments", depts);
    json_object_set_new(o, "other_departments", sum_json(nfolded, "departments", &folded));
    return o;
}

int report_tenants_attach(const struct report_tenants *t, json_t *services)
{
    size_t i;
    json_t *e;
    json_array_foreach(services, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        for (size_t s = 0; id && s < t->nsvcs; s++) {
            if (strcmp(t->svcs[s].svc, id) != 0)
                continue;
            json_t *o = service_json(t, &t->svcs[s]);
            if (!o || json_object_set_new(e, "tenants", o) != 0)
                return -1;
        }
    }
    return 0;
}

static json_t *upload_row(const struct report_tenants *t, const struct trow *row)
{
    const struct tfig *f = &row->f[other_k];
    const struct service *svc =
        catalog_service(t->rules->catalog, catalog_find(t->rules->catalog, row->svc));
    json_t *o = fig_json(t, f);
    json_object_set_new(
        o, "department",
        json_pack("{s:s, s:s}", "id", row->dept, "name", report_dept_name(t->rules, row->dept)));
    json_object_set_new(
        o, "service", json_pack("{s:s, s:s}", "id", row->svc, "name", svc ? svc->name : row->svc));
    json_object_set_new(o, "status", json_string("other-tenant"));
    set_names(t, o, row->svc, row->dept, f);
    return o;
}

/* Most bytes up first, then by department and service. */
static int by_upload(const void *a, const void *b)
{
    const struct trow *x = *(const struct trow *const *)a, *y = *(const struct trow *const *)b;
    if (x->f[other_k].up != y->f[other_k].up)
        return x->f[other_k].up > y->f[other_k].up ? -1 : 1;
    int c = strcmp(x->dept, y->dept);
    return c ? c : strcmp(x->svc, y->svc);
}

json_t *report_tenants_uploads_section(const struct report_tenants *t)
{
    const struct trow **list = calloc(t->nrows + 1, sizeof(*list));
    if (!list)
        return NULL;
    struct tfig total = {0}, folded = {0};
    size_t nfolded = 0, nlist = 0;
    for (size_t i = 0; i < t->nrows; i++) {
        const struct trow *row = &t->rows[i];
        const struct tfig *f = &row->f[other_k];
        int dept_idx = departments_find(t->rules->departments, row->dept);
        if (!f->flows || policy_status(t->rules->policy, catalog_find(t->rules->catalog, row->svc),
                                       dept_idx) != POLICY_SANCTIONED)
            continue;
        fig_sum(&total, f);
        if (!shown(t, f->devices)) {
            fig_sum(&folded, f);
            nfolded++;
            continue;
        }
        list[nlist++] = row;
    }
    qsort(list, nlist, sizeof(*list), by_upload);
    json_t *rows = json_array();
    for (size_t i = 0; i < nlist; i++)
        json_array_append_new(rows, upload_row(t, list[i]));
    free(list);
    json_t *o = json_pack("{s:o, s:o, s:o}", "bytes_up", report_json_u64(total.up), "bytes_down",
                          report_json_u64(total.down), "flows", report_json_u64(total.flows));
    json_object_set_new(o, "rows", rows);
    json_object_set_new(o, "other", sum_json(nfolded, "rows", &folded));
    return o;
}

json_t *report_tenants_section(redisContext *c, const struct report_part *parts, size_t nparts,
                               uint32_t first_day, uint32_t last_day, const char *only_dept,
                               const struct rules *r, uint64_t min_devices, json_t *services,
                               char *err, size_t errlen)
{
    struct report_tenants *t = report_tenants_read(c, parts, nparts, first_day, last_day, only_dept,
                                                   r, min_devices, err, errlen);
    if (!t)
        return NULL;
    json_t *uploads = report_tenants_uploads_section(t);
    if (uploads && services && report_tenants_attach(t, services) != 0) {
        json_decref(uploads);
        uploads = NULL;
    }
    report_tenants_free(t);
    if (!uploads)
        err[0] = '\0';
    return uploads;
}
