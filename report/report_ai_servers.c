/*
 * report_ai_servers.c - model servers inside, read back from Redis and laid
 * out as the monthly report's "internal_ai_servers".
 *
 * Two pipelined round trips whatever the number of servers: the months'
 * hashes, then every device count (per server and port a union over its
 * client departments and the months, and per client department).  A field
 * names its server, port, API and both departments, so one pass over the
 * hashes groups them; an API this program does not know (a newer sensor's)
 * is skipped whole.  A server is one entry per (pseudonym, port): a server
 * that answered both of Ollama's APIs is an Ollama server ("api" is the
 * most specific seen, "apis" all of them); its department is the one its
 * flows had the most bytes under (one, unless its address moved).
 */
#include "report_ai_servers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_api.h"
#include "report_data.h"
#include "report_index.h"
#include "report_json.h"
#include "schema.h"

struct ai_figures {
    uint64_t bytes_up, bytes_down, flows, requests;
};

/* A client department of a server, or one of the server's own. */
struct ai_dept {
    char *id;
    struct ai_figures f;
    uint64_t devices; /* client departments: distinct devices over the months */
};

struct ai_server {
    char server[SCHEMA_SERVER_LEN + 1];
    uint16_t port;
    unsigned apis; /* 1 << enum model_api_kind of each API seen */
    struct ai_figures f;
    uint64_t devices; /* the union over its client departments */
    struct ai_dept *clients, *homes;
    size_t nclients, nhomes;
};

struct ai_servers {
    const char *const *months;
    size_t nmonths;
    struct ai_server *list;
    size_t n, cap;
    struct report_index index; /* "{server}|{port}" -> position in list */
};

static int oom(char *err, size_t errlen)
{
    snprintf(err, errlen, "out of memory");
    return -1;
}

static uint64_t text_u64(const char *s)
{
    return s[0] >= '0' && s[0] <= '9' ? strtoull(s, NULL, 10) : 0;
}

static uint64_t bytes_of(const struct ai_figures *f)
{
    return f->bytes_up + f->bytes_down;
}

static void figures_add(struct ai_figures *to, const struct ai_figures *f)
{
    to->bytes_up += f->bytes_up;
    to->bytes_down += f->bytes_down;
    to->flows += f->flows;
    to->requests += f->requests;
}

static void figures_add_counter(struct ai_figures *to, enum schema_ai_counter c, uint64_t v)
{
    struct ai_figures f = {0};
    *(c == SCHEMA_AI_BYTES_UP     ? &f.bytes_up
      : c == SCHEMA_AI_BYTES_DOWN ? &f.bytes_down
      : c == SCHEMA_AI_FLOWS      ? &f.flows
                                  : &f.requests) = v;
    figures_add(to, &f);
}

/* The department id (len bytes) in the list, added when absent; NULL when
 * out of memory. */
static struct ai_dept *dept_in(struct ai_dept **list, size_t *n, const char *id, size_t len)
{
    for (size_t i = 0; i < *n; i++) {
        if (strlen((*list)[i].id) == len && memcmp((*list)[i].id, id, len) == 0)
            return &(*list)[i];
    }
    struct ai_dept *d = realloc(*list, (*n + 1) * sizeof(*d));
    char *copy = malloc(len + 1);
    if (d)
        *list = d;
    if (!d || !copy) {
        free(copy);
        return NULL;
    }
    memcpy(copy, id, len);
    copy[len] = '\0';
    d[*n] = (struct ai_dept){.id = copy};
    return &d[(*n)++];
}

/* The entry of the field's server and port, added when new; NULL when out of
 * memory. */
static struct ai_server *server_in(struct ai_servers *as, const struct schema_ai_field *f)
{
    char key[SCHEMA_SERVER_LEN + 8];
    int n = snprintf(key, sizeof(key), "%.*s|%u", SCHEMA_SERVER_LEN, f->server, f->port);
    long at = report_index_get(&as->index, key, (size_t)n);
    if (at >= 0)
        return &as->list[at];
    if (as->n == as->cap) {
        size_t cap = as->cap ? as->cap * 2 : 16;
        struct ai_server *l = realloc(as->list, cap * sizeof(*l));
        if (!l)
            return NULL;
        as->list = l;
        as->cap = cap;
    }
    if (report_index_put(&as->index, key, (size_t)n, (long)as->n) != 0)
        return NULL;
    struct ai_server *s = &as->list[as->n++];
    memset(s, 0, sizeof(*s));
    memcpy(s->server, f->server, SCHEMA_SERVER_LEN);
    s->port = f->port;
    return s;
}

/* One field of a month's hash and its value. */
static int add_field(struct ai_servers *as, const struct schema_ai_field *f, uint64_t v)
{
    enum model_api_kind api = model_api_kind_parse(f->api, f->api_len);
    if (api == MODEL_API_NONE)
        return 0;
    struct ai_server *s = server_in(as, f);
    if (!s)
        return -1;
    struct ai_dept *client = dept_in(&s->clients, &s->nclients, f->client_dept, f->client_dept_len);
    struct ai_dept *home = dept_in(&s->homes, &s->nhomes, f->server_dept, f->server_dept_len);
    if (!client || !home)
        return -1;
    s->apis |= 1u << api;
    figures_add_counter(&s->f, f->counter, v);
    figures_add_counter(&client->f, f->counter, v);
    figures_add_counter(&home->f, f->counter, v);
    return 0;
}

static int add_hash(struct ai_servers *as, const redisReply *r)
{
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        struct schema_ai_field field;
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            !schema_field_ai_server_parse(f->str, f->len, &field))
            continue;
        if (add_field(as, &field, text_u64(v->str)) != 0)
            return -1;
    }
    return 0;
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

static int read_months(redisContext *c, struct ai_servers *as, char *err, size_t errlen)
{
    for (size_t m = 0; m < as->nmonths; m++) {
        char key[SCHEMA_NAME_MAX];
        if (schema_key_ai_servers(key, sizeof(key), as->months[m]) < 0) {
            snprintf(err, errlen, "\"%s\" is not a month (YYYY-MM)", as->months[m]);
            return -1;
        }
        if (redisAppendCommand(c, "HGETALL %s", key) != REDIS_OK)
            return oom(err, errlen);
    }
    int rc = 0;
    for (size_t m = 0; m < as->nmonths; m++) {
        redisReply *r = reply(c, "reading the model servers", err, errlen);
        if (!r)
            return -1;
        if (rc == 0 && r->type != REDIS_REPLY_ARRAY) {
            report_redis_error(err, errlen, "reading the model servers", c, r);
            rc = -1;
        } else if (rc == 0 && add_hash(as, r) != 0) {
            rc = oom(err, errlen);
        }
        freeReplyObject(r);
    }
    return rc;
}

/* ---- devices ---- */

/* The device keys of the client departments clients[first, first + n) of a
 * server, over the months: key i is month i % nmonths of client first + i /
 * nmonths. */
struct device_keys {
    const struct ai_servers *as;
    const struct ai_server *s;
    size_t first;
};

static int device_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct device_keys *d = ctx;
    const struct ai_server *s = d->s;
    return schema_key_ai_server_devices(buf, len, d->as->months[i % d->as->nmonths], s->server,
                                        s->port, s->clients[d->first + i / d->as->nmonths].id);
}

static int append_count(redisContext *c, const struct ai_servers *as, const struct ai_server *s,
                        size_t first, size_t n)
{
    struct device_keys d = {as, s, first};
    return report_pfcount_append(c, as->nmonths * n, device_key, &d);
}

static int count_devices(redisContext *c, struct ai_servers *as, char *err, size_t errlen)
{
    for (size_t i = 0; i < as->n; i++) {
        const struct ai_server *s = &as->list[i];
        if (append_count(c, as, s, 0, s->nclients) != 0)
            return oom(err, errlen);
        for (size_t k = 0; k < s->nclients; k++) {
            if (append_count(c, as, s, k, 1) != 0)
                return oom(err, errlen);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < as->n; i++) {
        struct ai_server *s = &as->list[i];
        for (size_t k = 0; k <= s->nclients; k++) {
            redisReply *r = reply(c, "PFCOUNT", err, errlen);
            if (!r)
                return -1;
            if (r->type != REDIS_REPLY_INTEGER && rc == 0) {
                report_redis_error(err, errlen, "PFCOUNT", c, r);
                rc = -1;
            }
            uint64_t n =
                r->type == REDIS_REPLY_INTEGER && r->integer > 0 ? (uint64_t)r->integer : 0;
            *(k == 0 ? &s->devices : &s->clients[k - 1].devices) = n;
            freeReplyObject(r);
        }
    }
    return rc;
}

/* ---- order ---- */

/* Most bytes, then by id: the same order every run. */
static int dept_by_bytes(const void *a, const void *b)
{
    const struct ai_dept *x = a, *y = b;
    if (bytes_of(&x->f) != bytes_of(&y->f))
        return bytes_of(&x->f) > bytes_of(&y->f) ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int server_by_bytes(const void *a, const void *b)
{
    const struct ai_server *x = a, *y = b;
    if (bytes_of(&x->f) != bytes_of(&y->f))
        return bytes_of(&x->f) > bytes_of(&y->f) ? -1 : 1;
    int c = strcmp(x->server, y->server);
    return c ? c : (int)x->port - (int)y->port;
}

static void sort_all(struct ai_servers *as)
{
    for (size_t i = 0; i < as->n; i++) {
        struct ai_server *s = &as->list[i];
        qsort(s->clients, s->nclients, sizeof(*s->clients), dept_by_bytes);
        qsort(s->homes, s->nhomes, sizeof(*s->homes), dept_by_bytes);
    }
    if (as->n > 1)
        qsort(as->list, as->n, sizeof(*as->list), server_by_bytes);
}

static void servers_free(struct ai_servers *as)
{
    for (size_t i = 0; i < as->n; i++) {
        struct ai_server *s = &as->list[i];
        for (size_t k = 0; k < s->nclients; k++)
            free(s->clients[k].id);
        for (size_t k = 0; k < s->nhomes; k++)
            free(s->homes[k].id);
        free(s->clients);
        free(s->homes);
    }
    free(as->list);
    report_index_free(&as->index);
    memset(as, 0, sizeof(*as));
}

/* ---- the report member ---- */

static void set_figures(json_t *o, const struct ai_figures *f)
{
    json_object_set_new(o, "bytes_up", report_json_u64(f->bytes_up));
    json_object_set_new(o, "bytes_down", report_json_u64(f->bytes_down));
    json_object_set_new(o, "flows", report_json_u64(f->flows));
    json_object_set_new(o, "requests", report_json_u64(f->requests));
}

static json_t *devices_json(uint64_t devices, uint64_t min_devices)
{
    return min_devices && devices < min_devices ? json_null() : report_json_u64(devices);
}

/* The client departments with min_devices devices or more, each named; the
 * others folded into other_departments (null when none is). */
static json_t *clients_json(const struct ai_server *s, const struct rules *r, uint64_t min_devices)
{
    json_t *named = json_array();
    struct ai_figures other = {0};
    size_t folded = 0;
    for (size_t k = 0; k < s->nclients; k++) {
        const struct ai_dept *d = &s->clients[k];
        if (min_devices && d->devices < min_devices) {
            figures_add(&other, &d->f);
            folded++;
            continue;
        }
        json_t *o = json_pack("{s:o, s:s, s:o}", "id", report_json_id(d->id), "name",
                              report_dept_name(r, d->id), "devices", report_json_u64(d->devices));
        set_figures(o, &d->f);
        json_array_append_new(named, o);
    }
    json_t *rest = json_null();
    if (folded) {
        rest = json_pack("{s:o}", "departments", report_json_u64(folded));
        set_figures(rest, &other);
    }
    return json_pack("{s:o, s:o, s:o}", "devices", devices_json(s->devices, min_devices),
                     "departments", named, "other_departments", rest);
}

static json_t *server_json(const struct ai_server *s, const struct rules *r, uint64_t min_devices)
{
    json_t *apis = json_array();
    const char *api = NULL;
    for (int k = MODEL_API_NONE + 1; k < MODEL_API_KIND_COUNT; k++) {
        if (!(s->apis & 1u << k))
            continue;
        json_array_append_new(apis, json_string(model_api_kind_name((enum model_api_kind)k)));
        if (!api) /* Ollama's own API first: its server serves the other too */
            api = model_api_kind_name((enum model_api_kind)k);
    }
    const char *home = s->nhomes ? s->homes[0].id : DEPARTMENT_UNASSIGNED;
    json_t *o = json_pack("{s:s, s:i, s:s, s:o, s:{s:o, s:s}}", "server", s->server, "port",
                          (int)s->port, "api", api ? api : "", "apis", apis, "department", "id",
                          report_json_id(home), "name", report_dept_name(r, home));
    set_figures(o, &s->f);
    json_object_set_new(o, "clients", clients_json(s, r, min_devices));
    return o;
}

json_t *report_ai_servers_section(redisContext *c, const char *const *months, size_t nmonths,
                                  const struct rules *r, uint64_t min_devices, char *err,
                                  size_t errlen)
{
    struct ai_servers as = {.months = months, .nmonths = nmonths};
    json_t *out = NULL;
    if (read_months(c, &as, err, errlen) == 0 && count_devices(c, &as, err, errlen) == 0) {
        sort_all(&as);
        out = json_array();
        for (size_t i = 0; i < as.n; i++)
            json_array_append_new(out, server_json(&as.list[i], r, min_devices));
    }
    servers_free(&as);
    return out;
}
