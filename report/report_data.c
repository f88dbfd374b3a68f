/*
 * report_data.c - read a period's hashes and HyperLogLogs from Redis.
 *
 * Keys are named by schema.h from what the schema defines (the period's month
 * and day hashes) and device keys from the cells found in those hashes, never
 * found with KEYS or SCAN, so a report costs a few pipelined round trips whatever
 * the size of the database: one HGETALL per hash read and one PFCOUNT per
 * cell or group counted.
 *
 * A month of a large organisation is some 25,000 cells and 125,000 hash
 * fields: each field is handed over by the reply parser as it is read (no
 * reply object per element, see read_hash), split in place, and its cell
 * found through a hash index.
 */
#include "report_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_dates.h"
#include "schema.h"

void report_redis_error(char *err, size_t errlen, const char *what, redisContext *c,
                        const redisReply *r)
{
    snprintf(err, errlen, "%s: %s", what,
             r && r->type == REDIS_REPLY_ERROR ? r->str
             : c->err                          ? c->errstr
                                               : "unexpected reply from Redis");
}

/* ---- cells ---- */

static long cell_of(struct report_period *p, const char *key, size_t len)
{
    long at = report_index_get(&p->index, key, len);
    if (at >= 0)
        return at;
    size_t dept_len;
    if (!schema_cell_split(key, len, &dept_len))
        return -2; /* not "dept|service": not a field of ours */
    if (p->ncells == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct report_cell *cells = realloc(p->cells, cap * sizeof(*cells));
        if (!cells)
            return -1;
        p->cells = cells;
        p->cap = cap;
    }
    /* One allocation: "dept\0service\0dept|service\0". */
    char *ids = malloc(2 * len + 2);
    if (!ids)
        return -1;
    memcpy(ids, key, len);
    ids[len] = '\0';
    memcpy(ids + len + 1, key, len);
    ids[2 * len + 1] = '\0';
    ids[dept_len] = '\0';
    if (report_index_put(&p->index, key, len, (long)p->ncells) != 0) {
        free(ids);
        return -1;
    }
    struct report_cell *cell = &p->cells[p->ncells];
    memset(cell, 0, sizeof(*cell));
    cell->dept = ids;
    cell->service = ids + dept_len + 1;
    cell->key = ids + len + 1;
    cell->key_len = len;
    return (long)p->ncells++;
}

static uint64_t *counter_of(struct report_cell *cell, enum schema_counter counter)
{
    switch (counter) {
    case SCHEMA_BYTES_UP:
        return &cell->bytes_up;
    case SCHEMA_BYTES_DOWN:
        return &cell->bytes_down;
    case SCHEMA_PACKETS_UP:
        return &cell->packets_up;
    case SCHEMA_PACKETS_DOWN:
        return &cell->packets_down;
    default:
        return &cell->flows;
    }
}

static int country_add(struct report_cell *cell, const char *code, int up, uint64_t v)
{
    struct report_country *rc = NULL;
    for (size_t i = 0; i < cell->ncountries && !rc; i++) {
        if (memcmp(cell->countries[i].code, code, 2) == 0)
            rc = &cell->countries[i];
    }
    if (!rc) {
        struct report_country *n = realloc(cell->countries, (cell->ncountries + 1) * sizeof(*n));
        if (!n)
            return -1;
        cell->countries = n;
        rc = &n[cell->ncountries++];
        memset(rc, 0, sizeof(*rc));
        memcpy(rc->code, code, 2);
    }
    if (up)
        rc->bytes_up += v;
    else
        rc->bytes_down += v;
    return 0;
}

static uint64_t reply_u64(const redisReply *r)
{
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer > 0 ? (uint64_t)r->integer : 0;
    if (r->type == REDIS_REPLY_STRING && r->str[0] != '-')
        return strtoull(r->str, NULL, 10);
    return 0;
}

/* ---- reading a hash without a reply object per element ----
 *
 * hiredis builds a redisReply for every element of a reply: for a month's
 * hash, 250,000 small objects made and freed, which cost more than all the
 * rest of the report.  For HGETALL the report gives the reader its own
 * object functions instead: each field/value pair goes straight to a
 * function of ours as it is parsed, and nothing is allocated.
 */

#define FIELD_MAX 512

struct hash_reader {
    int (*pair)(void *ctx, const char *field, size_t flen, const char *value, size_t vlen);
    void *ctx;
    char field[FIELD_MAX];
    size_t field_len;
    int field_ok;
    int type;        /* of the top-level reply */
    int failed;      /* pair() returned non-zero */
    char error[256]; /* an error reply's text */
};

static char reply_marker; /* what our functions give hiredis for any element */

static void *hash_string(const redisReadTask *t, char *str, size_t len)
{
    struct hash_reader *h = t->privdata;
    if (!t->parent) {
        h->type = t->type;
        snprintf(h->error, sizeof(h->error), "%.*s", (int)(len < 200 ? len : 200), str);
    } else if (t->idx % 2 == 0) {
        h->field_ok = len < sizeof(h->field);
        if (h->field_ok) {
            memcpy(h->field, str, len);
            h->field_len = len;
        }
    } else if (h->field_ok && !h->failed &&
               h->pair(h->ctx, h->field, h->field_len, str, len) != 0) {
        h->failed = 1;
    }
    return &reply_marker;
}

static void *hash_array(const redisReadTask *t, int elements)
{
    struct hash_reader *h = t->privdata;
    if (!t->parent)
        h->type = REDIS_REPLY_ARRAY;
    return &reply_marker;
}

static void *hash_integer(const redisReadTask *t, long long v)
{
    struct hash_reader *h = t->privdata;
    if (!t->parent)
        h->type = REDIS_REPLY_INTEGER;
    return &reply_marker;
}

static void *hash_nil(const redisReadTask *t)
{
    struct hash_reader *h = t->privdata;
    if (!t->parent)
        h->type = REDIS_REPLY_NIL;
    return &reply_marker;
}

static void hash_free(void *obj) {}

static redisReplyObjectFunctions hash_functions = {hash_string, hash_array, hash_integer, hash_nil,
                                                   hash_free};

/* Reads the next reply, which must be a HGETALL's, calling pair for each
 * field and value.  Returns 0, or -1 with the reason in err (pair's failure
 * is "out of memory"). */
static int read_hash(redisContext *c,
                     int (*pair)(void *, const char *, size_t, const char *, size_t), void *ctx,
                     char *err, size_t errlen)
{
    struct hash_reader h = {.pair = pair, .ctx = ctx, .type = -1};
    redisReplyObjectFunctions *fn = c->reader->fn;
    void *privdata = c->reader->privdata;
    c->reader->fn = &hash_functions;
    c->reader->privdata = &h;
    void *reply = NULL;
    int rc = redisGetReply(c, &reply);
    c->reader->fn = fn;
    c->reader->privdata = privdata;
    if (rc != REDIS_OK || !reply) {
        report_redis_error(err, errlen, "HGETALL", c, NULL);
        return -1;
    }
    if (h.type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "HGETALL: %.200s",
                 h.type == REDIS_REPLY_ERROR ? h.error : "unexpected reply from Redis");
        return -1;
    }
    if (h.failed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* Digits to a number; anything else reads as 0 (counters are never negative). */
static uint64_t parse_u64(const char *s, size_t len)
{
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

struct period_sink {
    struct report_period *p;
    const char *only_dept;
    size_t only_len;
};

static bool wanted(const struct period_sink *k, const char *field, const struct schema_field *f)
{
    return !k->only_dept ||
           (f->dept_len == k->only_len && memcmp(field, k->only_dept, k->only_len) == 0);
}

/* "dept|service|counter"; fields of someone else's get no cell. */
static int counter_pair(void *ctx, const char *field, size_t len, const char *value, size_t vlen)
{
    struct period_sink *k = ctx;
    struct schema_field f;
    if (!schema_field_counter_parse(field, len, &f) || !wanted(k, field, &f))
        return 0;
    long at = cell_of(k->p, field, f.cell_len);
    if (at == -1)
        return -1;
    if (at >= 0)
        *counter_of(&k->p->cells[at], f.counter) += parse_u64(value, vlen);
    return 0;
}

/* "dept|service|CC|bytes_up" */
static int geo_pair(void *ctx, const char *field, size_t len, const char *value, size_t vlen)
{
    struct period_sink *k = ctx;
    struct schema_field f;
    if (!schema_field_geo_parse(field, len, &f) || !wanted(k, field, &f))
        return 0;
    long at = cell_of(k->p, field, f.cell_len);
    if (at == -1)
        return -1;
    if (at >= 0 && country_add(&k->p->cells[at], f.country, f.counter == SCHEMA_BYTES_UP,
                               parse_u64(value, vlen)) != 0)
        return -1;
    return 0;
}

/* ---- the period's keys ---- */

static int add_part(struct report_period *p, enum schema_span span, const char *date)
{
    struct report_part *parts = realloc(p->parts, (p->nparts + 1) * sizeof(*parts));
    if (!parts)
        return -1;
    p->parts = parts;
    parts[p->nparts].span = span;
    snprintf(parts[p->nparts].date, sizeof(parts[p->nparts].date), "%s", date);
    p->nparts++;
    return 0;
}

/* Whole months from their month hash, the rest day by day. */
static int plan_parts(struct report_period *p)
{
    uint32_t day = p->first_day;
    while (day <= p->last_day) {
        uint32_t month_first = report_month_first(day), month_last = report_month_last(day);
        if (day == month_first && month_last <= p->last_day) {
            char month[REPORT_MONTH_LEN];
            report_month_of(day, month);
            if (add_part(p, SCHEMA_MONTH, month) != 0)
                return -1;
            day = month_last + 1;
            continue;
        }
        char d[REPORT_DAY_LEN];
        report_day_format(day, d);
        if (add_part(p, SCHEMA_DAY, d) != 0)
            return -1;
        day++;
    }
    return 0;
}

/* Appends HGETALL of the key that name() gives for part. */
static int request_hash(redisContext *c, const struct report_part *part,
                        int (*name)(char *, size_t, enum schema_span, const char *))
{
    char key[SCHEMA_NAME_MAX];
    if (name(key, sizeof(key), part->span, part->date) < 0)
        return -1;
    return redisAppendCommand(c, "HGETALL %s", key) == REDIS_OK ? 0 : -1;
}

int report_period_request(redisContext *c, uint32_t first_day, uint32_t last_day, bool with_geo,
                          struct report_period *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->with_geo = with_geo;
    out->first_day = first_day;
    out->last_day = last_day;
    if (first_day > last_day) {
        snprintf(err, errlen, "the period ends before it starts");
        return -1;
    }
    if (plan_parts(out) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < out->nparts; i++) {
        if (request_hash(c, &out->parts[i], schema_key_counts) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        out->pending++;
        if (!with_geo)
            continue;
        if (request_hash(c, &out->parts[i], schema_key_geo) != 0) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        out->pending++;
    }
    return 0;
}

static int by_cell_key(const void *a, const void *b)
{
    return strcmp(((const struct report_cell *)a)->key, ((const struct report_cell *)b)->key);
}

static int by_country_code(const void *a, const void *b)
{
    return strcmp(((const struct report_country *)a)->code,
                  ((const struct report_country *)b)->code);
}

/* Redis returns a hash's fields in an order that follows its history (which
 * flush batch brought which field first), so the same counts may come back in
 * another order.  Cells are put in key order, and their countries in code
 * order, so that every list built from them is the same for the same counts. */
static int period_sort(struct report_period *p)
{
    if (p->ncells > 1)
        qsort(p->cells, p->ncells, sizeof(*p->cells), by_cell_key);
    for (size_t i = 0; i < p->ncells; i++) {
        struct report_cell *cell = &p->cells[i];
        if (cell->ncountries > 1)
            qsort(cell->countries, cell->ncountries, sizeof(*cell->countries), by_country_code);
        if (report_index_put(&p->index, cell->key, cell->key_len, (long)i) != 0)
            return -1;
    }
    return 0;
}

int report_period_receive(redisContext *c, struct report_period *p, const char *only_dept,
                          char *err, size_t errlen)
{
    /* Read every reply even after a failure, so the connection stays in step. */
    struct period_sink sink = {p, only_dept, only_dept ? strlen(only_dept) : 0};
    int rc = 0;
    char why[256];
    for (size_t i = 0; p->pending > 0; i++, p->pending--) {
        int geo = p->with_geo && i % 2 == 1;
        if (read_hash(c, geo ? geo_pair : counter_pair, &sink, why, sizeof(why)) != 0) {
            if (rc == 0)
                snprintf(err, errlen, "%s", why);
            rc = -1;
            if (c->err) { /* the connection is gone: nothing more will come */
                p->pending = 0;
                break;
            }
        }
    }
    if (rc == 0 && period_sort(p) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    return rc;
}

/* ---- devices ---- */

/* The arguments of one PFCOUNT: "PFCOUNT", then the device key of each cell
 * for each part of the period, built in one growing buffer (a month's total
 * names 25,000 keys: no allocation or formatting per key). */
struct keyvec {
    const char **argv; /* set from offset just before sending */
    size_t *argvlen;
    size_t *offset; /* of each key in text */
    size_t argc, cap;
    char *text;
    size_t used, text_cap;
};

static void keyvec_free(struct keyvec *v)
{
    free(v->argv);
    free(v->argvlen);
    free(v->offset);
    free(v->text);
}

/* Makes room for n more arguments of at most bytes characters in all. */
static int keyvec_reserve(struct keyvec *v, size_t n, size_t bytes)
{
    if (v->argc + n > v->cap) {
        size_t cap = v->cap ? v->cap : 64;
        while (cap < v->argc + n)
            cap *= 2;
        const char **argv = realloc(v->argv, cap * sizeof(*argv));
        if (!argv)
            return -1;
        v->argv = argv;
        size_t *lens = realloc(v->argvlen, cap * sizeof(*lens));
        if (!lens)
            return -1;
        v->argvlen = lens;
        size_t *offset = realloc(v->offset, cap * sizeof(*offset));
        if (!offset)
            return -1;
        v->offset = offset;
        v->cap = cap;
    }
    if (v->used + bytes > v->text_cap) {
        size_t cap = v->text_cap ? v->text_cap : 4096;
        while (cap < v->used + bytes)
            cap *= 2;
        char *text = realloc(v->text, cap);
        if (!text)
            return -1;
        v->text = text;
        v->text_cap = cap;
    }
    return 0;
}

static int keyvec_start(struct keyvec *v)
{
    v->argc = 0;
    v->used = 0;
    if (keyvec_reserve(v, 1, 0) != 0)
        return -1;
    v->argv[0] = "PFCOUNT";
    v->argvlen[0] = 7;
    v->argc = 1;
    return 0;
}

static int keyvec_add_cell(struct keyvec *v, const struct report_period *p,
                           const struct report_cell *cell)
{
    if (keyvec_reserve(v, p->nparts, p->nparts * SCHEMA_NAME_MAX) != 0)
        return -1;
    for (size_t k = 0; k < p->nparts; k++) {
        int n = schema_key_devices(v->text + v->used, v->text_cap - v->used, p->parts[k].span,
                                   p->parts[k].date, cell->key);
        if (n < 0)
            return -1;
        v->offset[v->argc] = v->used;
        v->argvlen[v->argc++] = (size_t)n;
        v->used += (size_t)n;
    }
    return 0;
}

static void keyvec_finish(struct keyvec *v)
{
    for (size_t i = 1; i < v->argc; i++)
        v->argv[i] = v->text + v->offset[i];
}

static int counts_reserve(struct report_counts *q)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        uint64_t **n = realloc(q->out, cap * sizeof(*n));
        if (!n)
            return -1;
        q->out = n;
        q->cap = cap;
    }
    return 0;
}

/* Appends one PFCOUNT over the keys of cells (for every part of the period);
 * its reply goes to *out.  No cells: *out is 0 and nothing is sent. */
static int counts_append(struct report_counts *q, redisContext *c, const struct report_period *p,
                         struct keyvec *v, const size_t *cells, size_t n, uint64_t *out)
{
    *out = 0;
    if (n == 0)
        return 0;
    int rc = keyvec_start(v);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = keyvec_add_cell(v, p, &p->cells[cells[i]]);
    if (rc == 0)
        rc = counts_reserve(q);
    if (rc == 0) {
        /* Sent and noted together, so every reply has its place. */
        keyvec_finish(v);
        if (redisAppendCommandArgv(c, (int)v->argc, v->argv, v->argvlen) != REDIS_OK)
            rc = -1;
        else
            q->out[q->n++] = out;
    }
    return rc;
}

int report_counts_cells(struct report_counts *q, redisContext *c, struct report_period *p,
                        const size_t *cells, size_t ncells)
{
    struct keyvec v = {0};
    int rc = 0;
    size_t n = cells ? ncells : p->ncells;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t at = cells ? cells[i] : i;
        rc = counts_append(q, c, p, &v, &at, 1, &p->cells[at].devices);
    }
    keyvec_free(&v);
    if (rc != 0)
        q->failed = 1;
    return rc;
}

int report_counts_groups(struct report_counts *q, redisContext *c, const struct report_period *p,
                         struct report_device_group *groups, size_t ngroups)
{
    struct keyvec v = {0};
    int rc = 0;
    for (size_t g = 0; g < ngroups && rc == 0; g++)
        rc = counts_append(q, c, p, &v, groups[g].cells, groups[g].ncells, &groups[g].devices);
    keyvec_free(&v);
    if (rc != 0)
        q->failed = 1;
    return rc;
}

int report_counts_receive(struct report_counts *q, redisContext *c, char *err, size_t errlen)
{
    int rc = 0;
    if (q->failed) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    for (size_t i = 0; i < q->n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "PFCOUNT", c, NULL);
            rc = -1;
            break;
        }
        if (r->type == REDIS_REPLY_INTEGER)
            *q->out[i] = r->integer > 0 ? (uint64_t)r->integer : 0;
        else if (rc == 0) {
            report_redis_error(err, errlen, "PFCOUNT", c, r);
            rc = -1;
        }
        freeReplyObject(r);
    }
    report_counts_free(q);
    return rc;
}

void report_counts_free(struct report_counts *q)
{
    free(q->out);
    memset(q, 0, sizeof(*q));
}

int report_pfcount_append(redisContext *c, size_t n, report_key_of key_of, void *ctx)
{
    const char **argv = calloc(n + 2, sizeof(*argv));
    size_t *argvlen = calloc(n + 2, sizeof(*argvlen));
    char *text = malloc((n + 1) * SCHEMA_NAME_MAX);
    int rc = argv && argvlen && text ? 0 : -1;
    size_t argc = 1;
    if (rc == 0) {
        argv[0] = "PFCOUNT";
        argvlen[0] = 7;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *key = text + (argc - 1) * SCHEMA_NAME_MAX;
        int len = key_of(ctx, i, key, SCHEMA_NAME_MAX);
        if (len < 0)
            continue;
        argv[argc] = key;
        argvlen[argc++] = (size_t)len;
    }
    if (rc == 0 && argc == 1) { /* PFCOUNT of a key that never exists: 0 */
        argv[argc] = "";
        argvlen[argc++] = 0;
    }
    if (rc == 0 && redisAppendCommandArgv(c, (int)argc, argv, argvlen) != REDIS_OK)
        rc = -1;
    free((void *)argv);
    free(argvlen);
    free(text);
    return rc;
}

/* ---- days ---- */

/* A counter field of dept and service in a fresh allocation, or NULL. */
static char *bytes_field(const char *dept, const char *service, enum schema_counter counter)
{
    char cell[SCHEMA_NAME_MAX], field[SCHEMA_NAME_MAX];
    if (schema_cell(cell, sizeof(cell), dept, service) < 0 ||
        schema_field_counter(field, sizeof(field), cell, counter) < 0)
        return NULL;
    return strdup(field);
}

int report_daily_bytes(redisContext *c, const char *dept, const char *const *services,
                       size_t nservices, uint32_t first_day, uint32_t last_day, uint64_t *out,
                       char *err, size_t errlen)
{
    size_t ndays = last_day >= first_day ? last_day - first_day + 1 : 0;
    memset(out, 0, nservices * ndays * 2 * sizeof(*out));
    if (!nservices || !ndays)
        return 0;
    size_t argc = 2 + 2 * nservices;
    char **argv = calloc(argc, sizeof(*argv));
    if (!argv) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    argv[0] = strdup("HMGET");
    argv[1] = malloc(SCHEMA_NAME_MAX);
    for (size_t s = 0; s < nservices; s++) {
        argv[2 + 2 * s] = bytes_field(dept, services[s], SCHEMA_BYTES_UP);
        argv[3 + 2 * s] = bytes_field(dept, services[s], SCHEMA_BYTES_DOWN);
    }
    for (size_t i = 0; i < argc; i++) {
        if (!argv[i])
            rc = -1;
    }
    size_t sent = 0;
    for (uint32_t day = first_day; rc == 0 && day <= last_day; day++) {
        char d[REPORT_DAY_LEN];
        report_day_format(day, d);
        if (schema_key_counts(argv[1], SCHEMA_NAME_MAX, SCHEMA_DAY, d) < 0 ||
            redisAppendCommandArgv(c, (int)argc, (const char **)argv, NULL) != REDIS_OK)
            rc = -1;
        else
            sent++;
    }
    if (rc != 0)
        snprintf(err, errlen, "out of memory, or ids too long for Redis names");
    for (size_t day = 0; day < sent; day++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "HMGET", c, NULL);
            rc = -1;
            break;
        }
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 * nservices) {
            for (size_t s = 0; s < nservices; s++) {
                for (size_t k = 0; k < 2; k++)
                    out[(s * ndays + day) * 2 + k] = reply_u64(r->element[2 * s + k]);
            }
        } else if (rc == 0) {
            report_redis_error(err, errlen, "HMGET", c, r);
            rc = -1;
        }
        freeReplyObject(r);
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc;
}

/* ---- first and last seen ---- */

static int seen_slot(struct report_seen *s, const char *key, size_t len)
{
    long at = report_index_get(&s->index, key, len);
    if (at >= 0)
        return (int)at;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        uint64_t *first = realloc(s->first, cap * sizeof(*first));
        if (!first)
            return -1;
        s->first = first;
        uint64_t *last = realloc(s->last, cap * sizeof(*last));
        if (!last)
            return -1;
        s->last = last;
        s->cap = cap;
    }
    if (report_index_put(&s->index, key, len, (long)s->n) != 0)
        return -1;
    s->first[s->n] = s->last[s->n] = 0;
    return (int)s->n++;
}

struct seen_sink {
    struct report_seen *s;
    int first;
};

static int seen_pair(void *ctx, const char *field, size_t len, const char *value, size_t vlen)
{
    struct seen_sink *k = ctx;
    int at = seen_slot(k->s, field, len);
    if (at < 0)
        return -1;
    (k->first ? k->s->first : k->s->last)[at] = parse_u64(value, vlen);
    return 0;
}

int report_seen_request(redisContext *c, struct report_seen *out)
{
    memset(out, 0, sizeof(*out));
    if (redisAppendCommand(c, "HGETALL %s", schema_key_first_seen) != REDIS_OK)
        return -1;
    out->pending++;
    if (redisAppendCommand(c, "HGETALL %s", schema_key_last_seen) != REDIS_OK)
        return -1;
    out->pending++;
    return 0;
}

int report_seen_receive(redisContext *c, struct report_seen *out, char *err, size_t errlen)
{
    int rc = 0;
    char why[256];
    for (int k = 0; out->pending > 0; k++, out->pending--) {
        struct seen_sink sink = {out, k == 0};
        if (read_hash(c, seen_pair, &sink, why, sizeof(why)) != 0) {
            if (rc == 0)
                snprintf(err, errlen, "%s", why);
            rc = -1;
            if (c->err) {
                out->pending = 0;
                break;
            }
        }
    }
    return rc;
}

static long seen_find(const struct report_seen *s, const char *dept, const char *service)
{
    if (!dept)
        return report_index_get(&s->index, service, strlen(service));
    char cell[SCHEMA_NAME_MAX];
    int n = schema_cell(cell, sizeof(cell), dept, service);
    return n < 0 ? -1 : report_index_get(&s->index, cell, (size_t)n);
}

uint64_t report_seen_cell_first(const struct report_seen *s, const struct report_cell *c)
{
    long at = report_index_get(&s->index, c->key, c->key_len);
    return at >= 0 ? s->first[at] : 0;
}

uint64_t report_seen_cell_last(const struct report_seen *s, const struct report_cell *c)
{
    long at = report_index_get(&s->index, c->key, c->key_len);
    return at >= 0 ? s->last[at] : 0;
}

uint64_t report_seen_first(const struct report_seen *s, const char *dept, const char *service)
{
    long at = seen_find(s, dept, service);
    return at >= 0 ? s->first[at] : 0;
}

uint64_t report_seen_last(const struct report_seen *s, const char *dept, const char *service)
{
    long at = seen_find(s, dept, service);
    return at >= 0 ? s->last[at] : 0;
}

void report_seen_free(struct report_seen *s)
{
    if (!s)
        return;
    report_index_free(&s->index);
    free(s->first);
    free(s->last);
    memset(s, 0, sizeof(*s));
}

void report_period_free(struct report_period *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncells; i++) {
        free(p->cells[i].dept);
        free(p->cells[i].countries);
    }
    free(p->cells);
    free(p->parts);
    report_index_free(&p->index);
    memset(p, 0, sizeof(*p));
}
