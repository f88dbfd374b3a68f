/*
 * store.c - exactly-once flushes of tallies into Redis through a Lua script.
 *
 * The queue holds batches in the order they must be applied.  A batch's
 * payload (the cells) is built once; sensor, seq, prev and time are put in
 * front of it at each send.  The store remembers the last sequence number Redis
 * acknowledged (read from Redis at connect, then advanced by replies), which is
 * the "prev" of the first queued batch.
 *
 * Key and field names come from schema.h; the script gets them from the
 * schema's Lua preamble, loaded in front of it (store_script_source).
 */
#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"
#include "model_api.h"
#include "policy.h"
#include "schema.h"
#include "store_script.h"
#include "symbol.h"
#include "tally_notes.h"

#define PIPELINE_DEPTH  16
#define MAX_GAP_RETRIES 8
#define SEQ_UNSET       0

struct batch {
    struct batch *next;
    uint64_t seq; /* SEQ_UNSET until first sent */
    uint64_t prev;
    int argc; /* payload: ncells then the cells' fields */
    char **argv;
    size_t *argvlen;
    size_t ncells;
};

struct store {
    struct store_config cfg;
    redisContext *redis;
    char sha[41];
    uint64_t redis_last; /* last seq Redis acknowledged for this sensor */
    uint64_t next_seq;
    struct batch *head, *tail;
    struct store_stats stats;
    /* A period past its retention when the run began is kept for the
     * retention from the run's start (retention_from, expiry_at); the days
     * that were are said once, at the end of the run. */
    uint64_t retention_from;
    uint32_t old_days, old_first, old_last; /* day numbers */
};

char *store_script_source(void)
{
    const char *preamble = schema_lua_preamble();
    size_t a = strlen(preamble), b = sizeof(store_script);
    char *text = malloc(a + b);
    if (!text)
        return NULL;
    memcpy(text, preamble, a);
    memcpy(text + a, store_script, b); /* with its NUL */
    return text;
}

static uint64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

struct store *store_new(const struct store_config *cfg)
{
    struct store *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->cfg = *cfg;
    if (s->cfg.cells_per_batch == 0)
        s->cfg.cells_per_batch = 1000;
    s->next_seq = now_us();
    s->retention_from = s->next_seq / 1000000u;
    return s;
}

/* The days of an old capture: counted as of this run (see expiry_at). */
static void note_old_day(struct store *s, uint32_t day)
{
    if (s->old_days == 0 || day < s->old_first)
        s->old_first = day;
    if (s->old_days == 0 || day > s->old_last)
        s->old_last = day;
    s->old_days++;
}

static void say_old_days(const struct store *s)
{
    if (s->old_days == 0)
        return;
    char first[16], last[16], until[16];
    tally_day_format(s->old_first, first);
    tally_day_format(s->old_last, last);
    tally_day_format((uint32_t)(s->retention_from / 86400u) + s->cfg.day_retention_days, until);
    log_warning("counts of days from %s to %s were older than redis.retention_days (%u days) "
                "when stored: they are kept that long from this run, until %s (and months for "
                "redis.month_retention_days from it)",
                first, last, s->cfg.day_retention_days, until);
}

static void batch_free(struct batch *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->argc; i++)
        free(b->argv[i]);
    free(b->argv);
    free(b->argvlen);
    free(b);
}

void store_drop_queue(struct store *s)
{
    while (s->head) {
        struct batch *b = s->head;
        s->head = b->next;
        batch_free(b);
    }
    s->tail = NULL;
    s->stats.queued_batches = 0;
    s->stats.queued_cells = 0;
}

void store_free(struct store *s)
{
    if (!s)
        return;
    say_old_days(s);
    store_drop_queue(s);
    if (s->redis)
        redisFree(s->redis);
    free(s);
}

bool store_is_connected(const struct store *s)
{
    return s->redis != NULL;
}

void store_disconnect(struct store *s)
{
    if (s->redis) {
        redisFree(s->redis);
        s->redis = NULL;
    }
}

static int load_script(struct store *s, char *err, size_t errlen)
{
    char *script = store_script_source();
    if (!script) {
        snprintf(err, errlen, "SCRIPT LOAD: out of memory");
        return -1;
    }
    redisReply *r = redisCommand(s->redis, "SCRIPT LOAD %s", script);
    free(script);
    if (!r || r->type != REDIS_REPLY_STRING || r->len != 40) {
        snprintf(err, errlen, "SCRIPT LOAD: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : s->redis->errstr);
        if (r)
            freeReplyObject(r);
        return -1;
    }
    memcpy(s->sha, r->str, 40);
    s->sha[40] = '\0';
    freeReplyObject(r);
    return 0;
}

int store_connect(struct store *s, char *err, size_t errlen)
{
    store_disconnect(s);
    s->redis = redis_target_connect(&s->cfg.target, err, errlen);
    if (!s->redis) {
        s->stats.connect_failures++;
        return -1;
    }
    if (load_script(s, err, errlen) != 0)
        goto fail;
    char key[SCHEMA_NAME_MAX];
    if (schema_key_sensor(key, sizeof(key), s->cfg.sensor_id) < 0) {
        snprintf(err, errlen, "sensor id \"%s\" cannot name a Redis key", s->cfg.sensor_id);
        goto fail;
    }
    redisReply *r = redisCommand(s->redis, "HGET %s %s", key, schema_field_seq);
    if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL)) {
        snprintf(err, errlen, "reading the sensor's sequence number: %s",
                 r && r->type == REDIS_REPLY_ERROR ? r->str : s->redis->errstr);
        if (r)
            freeReplyObject(r);
        goto fail;
    }
    uint64_t held = r->type == REDIS_REPLY_STRING ? strtoull(r->str, NULL, 10) : 0;
    freeReplyObject(r);
    /* Below what this Redis acknowledged before: it lost applied batches, as a
     * replica promoted before it had them does.  Nothing here can restore them;
     * say so, so that a report short of its counts has an explanation. */
    if (held < s->redis_last)
        log_warning("Redis holds batch %" PRIu64 " of sensor %s but had acknowledged batch %" PRIu64
                    ": counts acknowledged before a failover or restart were lost by Redis",
                    held, s->cfg.sensor_id, s->redis_last);
    s->redis_last = held;
    s->stats.connects++;
    return 0;
fail:
    s->stats.connect_failures++;
    store_disconnect(s);
    return -1;
}

/* ---- building batches ---- */

struct builder {
    struct store *s;
    struct batch *b;
    size_t cap;
    int failed;
};

static int push_arg(struct builder *bd, const char *str, size_t len)
{
    struct batch *b = bd->b;
    if ((size_t)b->argc == bd->cap) {
        size_t cap = bd->cap ? bd->cap * 2 : 256;
        char **na = realloc(b->argv, cap * sizeof(*na));
        if (!na)
            return -1;
        b->argv = na;
        size_t *nl = realloc(b->argvlen, cap * sizeof(*nl));
        if (!nl)
            return -1;
        b->argvlen = nl;
        bd->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return -1;
    memcpy(copy, str, len);
    copy[len] = '\0';
    b->argv[b->argc] = copy;
    b->argvlen[b->argc] = len;
    b->argc++;
    return 0;
}

static int push_u64(struct builder *bd, uint64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);
    return push_arg(bd, buf, (size_t)n);
}

static void queue_batch(struct store *s, struct batch *b)
{
    if (s->tail)
        s->tail->next = b;
    else
        s->head = b;
    s->tail = b;
    s->stats.queued_batches++;
    s->stats.queued_cells += b->ncells;
}

static int finish_batch(struct builder *bd)
{
    struct batch *b = bd->b;
    bd->b = NULL;
    if (!b)
        return 0;
    char buf[24];
    snprintf(buf, sizeof(buf), "%zu", b->ncells);
    free(b->argv[0]);
    b->argv[0] = strdup(buf);
    if (!b->argv[0]) {
        batch_free(b);
        return -1;
    }
    b->argvlen[0] = strlen(buf);
    queue_batch(bd->s, b);
    return 0;
}

static int start_batch(struct builder *bd)
{
    bd->b = calloc(1, sizeof(*bd->b));
    bd->cap = 0;
    if (!bd->b)
        return -1;
    return push_arg(bd, "0", 1); /* the cell count, set by finish_batch */
}

/* End of the month holding day, in unix seconds. */
static uint64_t month_end(uint32_t day)
{
    time_t t = (time_t)day * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    tm.tm_mday = 1;
    tm.tm_mon += 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    return (uint64_t)timegm(&tm);
}

/* When a key of a period ending at end expires: retention days after the end;
 * or, for a period already past its retention when this run began (a replay
 * of last year's capture), retention days after the run's start, so that its
 * report is there to read instead of expiring on arrival.  0: never. */
static uint64_t expiry_at(const struct store *s, uint64_t end, uint32_t retention_days)
{
    if (!retention_days)
        return 0;
    uint64_t at = end + (uint64_t)retention_days * 86400u;
    return at > s->retention_from ? at : s->retention_from + (uint64_t)retention_days * 86400u;
}

/* A cell's hour, day and their keys' expiry: its first four arguments. */
static int push_when(struct builder *bd, const struct tally_cell *c)
{
    struct store *s = bd->s;
    uint32_t dayn = tally_day_of_hour(c->key.hour);
    char day[16], hour[24];
    tally_day_format(dayn, day);
    snprintf(hour, sizeof(hour), "%sT%02u", day, (unsigned)(c->key.hour % 24));
    uint64_t day_end = ((uint64_t)dayn + 1) * 86400u;
    uint64_t day_exp = expiry_at(s, day_end, s->cfg.day_retention_days);
    uint64_t month_exp = expiry_at(s, month_end(dayn), s->cfg.month_retention_days);
    return push_arg(bd, hour, strlen(hour)) || push_arg(bd, day, strlen(day)) ||
           push_u64(bd, day_exp) || push_u64(bd, month_exp);
}

/* The device pseudonyms of a set of cap slots (0 = empty), as hex. */
static int push_devices(struct builder *bd, const uint64_t *devices, uint32_t cap)
{
    for (uint32_t i = 0; i < cap; i++) {
        if (!devices[i])
            continue;
        char hex[17];
        snprintf(hex, sizeof(hex), "%016" PRIx64, devices[i]);
        if (push_arg(bd, hex, 16) != 0)
            return -1;
    }
    return 0;
}

static void add_cell(void *ctx, const struct tally_cell *c)
{
    struct builder *bd = ctx;
    if (bd->failed)
        return;
    struct store *s = bd->s;
    if (!bd->b && start_batch(bd) != 0)
        goto oom;
    uint32_t dayn = tally_day_of_hour(c->key.hour);
    uint64_t day_end = ((uint64_t)dayn + 1) * 86400u;
    if (s->cfg.day_retention_days &&
        day_end + (uint64_t)s->cfg.day_retention_days * 86400u <= s->retention_from)
        note_old_day(s, dayn);
    char cc[3] = {0};
    if (c->key.country) {
        cc[0] = (char)(c->key.country >> 8);
        cc[1] = (char)(c->key.country & 0xff);
    }
    const char *dept = symbol_name(c->key.dept_sym);
    const char *svc = symbol_name(c->key.service_sym);
    const char *status = policy_status_name((enum policy_status)c->status);
    if (push_when(bd, c) || push_arg(bd, dept, strlen(dept)) || push_arg(bd, svc, strlen(svc)) ||
        push_arg(bd, cc, strlen(cc)) || push_arg(bd, status, strlen(status)) ||
        push_u64(bd, c->bytes_up) || push_u64(bd, c->bytes_down) || push_u64(bd, c->packets_up) ||
        push_u64(bd, c->packets_down) || push_u64(bd, c->flows) || push_u64(bd, c->first_seen) ||
        push_u64(bd, c->last_seen) || push_u64(bd, c->ndevices) ||
        push_devices(bd, c->devices, c->devices_cap))
        goto oom;
    bd->b->ncells++;
    if (bd->b->ncells >= s->cfg.cells_per_batch && finish_batch(bd) != 0)
        goto oom;
    return;
oom:
    bd->failed = 1;
}

struct cell_list {
    const struct tally_cell **cells;
    size_t n;
};

static void collect_cell(void *ctx, const struct tally_cell *c)
{
    struct cell_list *l = ctx;
    l->cells[l->n++] = c;
}

/* Oldest traffic first: the script raises "first seen" events for the first
 * cell of a service it meets, which must be the earliest one. */
static int by_first_seen(const void *a, const void *b)
{
    const struct tally_cell *x = *(const struct tally_cell *const *)a;
    const struct tally_cell *y = *(const struct tally_cell *const *)b;
    if (x->first_seen != y->first_seen)
        return x->first_seen < y->first_seen ? -1 : 1;
    return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* ---- notes: after the cells of a flush's last batch ---- */

struct notes_builder {
    struct builder *bd;
    size_t count;
    const struct tally_notes *notes;
};

static void set_arg(struct builder *bd, int at, size_t value)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%zu", value);
    char *copy = strdup(buf);
    if (!copy) {
        bd->failed = 1;
        return;
    }
    free(bd->b->argv[at]);
    bd->b->argv[at] = copy;
    bd->b->argvlen[at] = (size_t)n;
}

static void add_asn_note(void *ctx, uint32_t asn, const char *org)
{
    struct notes_builder *nb = ctx;
    char id[16];
    int n = schema_field_asn(id, sizeof(id), asn);
    if (n < 0 || nb->bd->failed || push_arg(nb->bd, id, (size_t)n) ||
        push_arg(nb->bd, org, strlen(org)))
        nb->bd->failed = 1;
    nb->count++;
}

/* ---- visibility: the cells' counters by what named them ---- */

struct vis_entry {
    uint32_t day, dept_sym;
    uint8_t kind;
    uint64_t bytes, flows;
};

static int by_vis_key(const void *a, const void *b)
{
    const struct vis_entry *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->dept_sym != y->dept_sym)
        return x->dept_sym < y->dept_sym ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

/* The cells' visibility counters summed per (day, department, kind), in that
 * order.  *n entries; NULL with *n 0 when there are none or memory is short
 * (*failed then set). */
static struct vis_entry *visibility_sums(const struct cell_list *cells, size_t *n, int *failed)
{
    *n = 0;
    struct vis_entry *v = calloc(cells->n * TALLY_VIS_COUNT + 1, sizeof(*v));
    if (!v) {
        *failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < cells->n; i++) {
        const struct tally_cell *c = cells->cells[i];
        for (int k = 0; k < TALLY_VIS_COUNT; k++) {
            if (c->vis_bytes[k] || c->vis_flows[k])
                v[(*n)++] = (struct vis_entry){tally_day_of_hour(c->key.hour), c->key.dept_sym,
                                               (uint8_t)k, c->vis_bytes[k], c->vis_flows[k]};
        }
    }
    qsort(v, *n, sizeof(*v), by_vis_key);
    size_t out = 0;
    for (size_t i = 0; i < *n; i++) {
        if (out && by_vis_key(&v[out - 1], &v[i]) == 0) {
            v[out - 1].bytes += v[i].bytes;
            v[out - 1].flows += v[i].flows;
        } else {
            v[out++] = v[i];
        }
    }
    *n = out;
    return v;
}

/* The day, its keys' expiry and its month's keys' expiry. */
static int push_day(struct builder *bd, uint32_t day)
{
    struct store *s = bd->s;
    char text[16];
    tally_day_format(day, text);
    return push_arg(bd, text, strlen(text)) ||
           push_u64(bd, expiry_at(s, ((uint64_t)day + 1) * 86400u, s->cfg.day_retention_days)) ||
           push_u64(bd, expiry_at(s, month_end(day), s->cfg.month_retention_days));
}

static void add_visibility(struct builder *bd, const struct vis_entry *v, size_t n)
{
    if (bd->failed || push_u64(bd, n)) {
        bd->failed = 1;
        return;
    }
    for (size_t i = 0; i < n && !bd->failed; i++) {
        const char *dept = symbol_name(v[i].dept_sym);
        const char *kind = tally_vis_name((enum tally_vis)v[i].kind);
        if (push_day(bd, v[i].day) || push_arg(bd, dept, strlen(dept)) ||
            push_arg(bd, kind, strlen(kind)) || push_u64(bd, v[i].bytes) ||
            push_u64(bd, v[i].flows))
            bd->failed = 1;
    }
}

/* ---- encrypted-DNS devices ---- */

static void add_edns_note(void *ctx, uint32_t day, uint32_t dept_sym, uint64_t device)
{
    struct notes_builder *nb = ctx;
    const char *dept = symbol_name(dept_sym);
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, device);
    if (nb->bd->failed || push_day(nb->bd, day) || push_arg(nb->bd, dept, strlen(dept)) ||
        push_arg(nb->bd, hex, 16))
        nb->bd->failed = 1;
    nb->count++;
}

/* ---- unclassified flows with a host name ---- */

static const char *unknown_kind_text(uint8_t kind)
{
    static const char *const names[TALLY_UNKNOWN_KIND_COUNT] = {
        "candidate", "ip-literal", "special-use", "encrypted-dns", "public-suffix", "overflow"};
    return kind < TALLY_UNKNOWN_KIND_COUNT ? names[kind] : "overflow";
}

static void add_unknown_note(void *ctx, const struct tally_unknown_note *u)
{
    struct notes_builder *nb = ctx;
    struct builder *bd = nb->bd;
    struct store *s = bd->s;
    char month[16];
    tally_day_format(u->day, month);
    month[7] = '\0';
    const char *dept = symbol_name(u->dept_sym);
    const char *kind = unknown_kind_text(u->kind);
    uint32_t ndev = 0;
    for (uint32_t i = 0; i < u->devices_cap; i++)
        ndev += u->devices[i] != 0;
    if (bd->failed || push_arg(bd, month, 7) ||
        push_u64(bd, expiry_at(s, month_end(u->day), s->cfg.month_retention_days)) ||
        push_arg(bd, dept, strlen(dept)) || push_arg(bd, kind, strlen(kind)) ||
        push_arg(bd, u->domain, strlen(u->domain)) || push_arg(bd, u->host, strlen(u->host)) ||
        push_u64(bd, u->bytes_up) || push_u64(bd, u->bytes_down) || push_u64(bd, u->flows) ||
        push_u64(bd, u->first_seen) || push_u64(bd, u->last_seen) || push_u64(bd, ndev)) {
        bd->failed = 1;
        return;
    }
    for (uint32_t i = 0; i < u->devices_cap && !bd->failed; i++) {
        char hex[17];
        if (!u->devices[i])
            continue;
        snprintf(hex, sizeof(hex), "%016" PRIx64, u->devices[i]);
        if (push_arg(bd, hex, 16))
            bd->failed = 1;
    }
    nb->count++;
}

/* ---- tenants ---- */

/* The cells of services with tenants again, by whose instance they reached:
 * their count and the other-tenant event threshold, then per cell its hour,
 * day, expiries, department, service, class, status, bytes up and down,
 * flows, device count and devices. */
static void add_tenant_cells(struct builder *bd, const struct cell_list *cells)
{
    size_t n = 0;
    for (size_t i = 0; i < cells->n; i++)
        n += cells->cells[i]->key.tenant != TALLY_TENANT_NA;
    if (bd->failed || push_u64(bd, n) || push_u64(bd, bd->s->cfg.other_tenant_threshold)) {
        bd->failed = 1;
        return;
    }
    for (size_t i = 0; i < cells->n && !bd->failed; i++) {
        const struct tally_cell *c = cells->cells[i];
        const char *cls = tally_tenant_name((enum tally_tenant)c->key.tenant);
        if (!cls)
            continue;
        const char *dept = symbol_name(c->key.dept_sym);
        const char *svc = symbol_name(c->key.service_sym);
        const char *status = policy_status_name((enum policy_status)c->status);
        if (push_when(bd, c) || push_arg(bd, dept, strlen(dept)) ||
            push_arg(bd, svc, strlen(svc)) || push_arg(bd, cls, strlen(cls)) ||
            push_arg(bd, status, strlen(status)) || push_u64(bd, c->bytes_up) ||
            push_u64(bd, c->bytes_down) || push_u64(bd, c->flows) || push_u64(bd, c->ndevices) ||
            push_devices(bd, c->devices, c->devices_cap))
            bd->failed = 1;
    }
}

/* One (day, department, service, other tenant): its month, the month's
 * expiry, department, service, tenant, bytes up and down, flows, device
 * count and devices. */
static void add_tenant_note(void *ctx, const struct tally_unknown_note *u)
{
    struct notes_builder *nb = ctx;
    struct builder *bd = nb->bd;
    char month[16];
    tally_day_format(u->day, month);
    month[7] = '\0';
    const char *dept = symbol_name(u->dept_sym);
    uint32_t ndev = 0;
    for (uint32_t i = 0; i < u->devices_cap; i++)
        ndev += u->devices[i] != 0;
    if (bd->failed || push_arg(bd, month, 7) ||
        push_u64(bd, expiry_at(bd->s, month_end(u->day), bd->s->cfg.month_retention_days)) ||
        push_arg(bd, dept, strlen(dept)) || push_arg(bd, u->domain, strlen(u->domain)) ||
        push_arg(bd, u->host, strlen(u->host)) || push_u64(bd, u->bytes_up) ||
        push_u64(bd, u->bytes_down) || push_u64(bd, u->flows) || push_u64(bd, ndev) ||
        push_devices(bd, u->devices, u->devices_cap))
        bd->failed = 1;
    nb->count++;
}

/* ---- model servers inside ---- */

static void add_ai_server_note(void *ctx, const struct tally_ai_server_note *a)
{
    struct notes_builder *nb = ctx;
    struct builder *bd = nb->bd;
    struct store *s = bd->s;
    char month[16], server[17], port[8];
    tally_day_format(a->day, month);
    month[7] = '\0';
    snprintf(server, sizeof(server), "%016" PRIx64, a->server);
    snprintf(port, sizeof(port), "%u", (unsigned)a->port);
    const char *api = model_api_kind_name((enum model_api_kind)a->api);
    const char *server_dept = symbol_name(a->server_dept_sym);
    const char *client_dept = symbol_name(a->client_dept_sym);
    uint32_t ndev = 0;
    for (uint32_t i = 0; i < a->devices_cap; i++)
        ndev += a->devices[i] != 0;
    if (!api || bd->failed)
        return; /* no kind the script could name: nothing the sensor makes */
    if (push_arg(bd, month, 7) ||
        push_u64(bd, expiry_at(s, month_end(a->day), s->cfg.month_retention_days)) ||
        push_arg(bd, server, 16) || push_arg(bd, port, strlen(port)) ||
        push_arg(bd, api, strlen(api)) || push_arg(bd, server_dept, strlen(server_dept)) ||
        push_arg(bd, client_dept, strlen(client_dept)) || push_u64(bd, a->bytes_up) ||
        push_u64(bd, a->bytes_down) || push_u64(bd, a->flows) || push_u64(bd, a->requests) ||
        push_u64(bd, ndev)) {
        bd->failed = 1;
        return;
    }
    for (uint32_t i = 0; i < a->devices_cap && !bd->failed; i++) {
        char hex[17];
        if (!a->devices[i])
            continue;
        snprintf(hex, sizeof(hex), "%016" PRIx64, a->devices[i]);
        if (push_arg(bd, hex, 16))
            bd->failed = 1;
    }
    nb->count++;
}

static const struct tally_notes *notes_of(const struct notes_builder *nb);

static void each_ai_server(struct notes_builder *nb)
{
    tally_notes_each_ai_server(notes_of(nb), add_ai_server_note, nb);
}

/* A section of the notes: its count first (filled in once known), then the
 * entries each() writes. */
static void add_section(struct builder *bd, void (*each)(struct notes_builder *nb),
                        struct notes_builder *nb)
{
    nb->count = 0;
    int at = bd->b->argc;
    if (bd->failed || push_arg(bd, "0", 1) != 0) {
        bd->failed = 1;
        return;
    }
    each(nb);
    if (!bd->failed)
        set_arg(bd, at, nb->count);
}

static void each_asn(struct notes_builder *nb)
{
    tally_notes_each_asn(notes_of(nb), add_asn_note, nb);
}

static void each_edns(struct notes_builder *nb)
{
    tally_notes_each_edns(notes_of(nb), add_edns_note, nb);
}

/* ---- what gave clients their department ---- */

static int by_dept_source(const void *a, const void *b)
{
    const struct tally_cell *x = *(const struct tally_cell *const *)a;
    const struct tally_cell *y = *(const struct tally_cell *const *)b;
    uint32_t dx = tally_day_of_hour(x->key.hour), dy = tally_day_of_hour(y->key.hour);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    if (x->key.dept_sym != y->key.dept_sym)
        return x->key.dept_sym < y->key.dept_sym ? -1 : 1;
    return (int)x->key.dept_source - (int)y->key.dept_source;
}

/* One (day, department, source): the cells list[0, n) summed, their devices
 * united. */
static void add_dept_source(struct builder *bd, const struct tally_cell *const *list, size_t n)
{
    uint64_t up = 0, down = 0, flows = 0, *devices = NULL;
    uint32_t ndev = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        up += list[i]->bytes_up;
        down += list[i]->bytes_down;
        flows += list[i]->flows;
        for (uint32_t j = 0; j < list[i]->devices_cap; j++) {
            if (list[i]->devices[j] &&
                tally_device_set_add(&devices, &ndev, &cap, list[i]->devices[j]) != 0)
                bd->failed = 1;
        }
    }
    const char *dept = symbol_name(list[0]->key.dept_sym);
    const char *src = tally_dept_source_name((enum tally_dept_source)list[0]->key.dept_source);
    if (!src)
        src = tally_dept_source_name(TALLY_DEPT_UNASSIGNED);
    if (bd->failed || push_day(bd, tally_day_of_hour(list[0]->key.hour)) ||
        push_arg(bd, dept, strlen(dept)) || push_arg(bd, src, strlen(src)) || push_u64(bd, up) ||
        push_u64(bd, down) || push_u64(bd, flows) || push_u64(bd, ndev) ||
        push_devices(bd, devices, cap))
        bd->failed = 1;
    free(devices);
}

/* The cells again per (day, department, source): their count, then each. */
static void add_dept_sources(struct builder *bd, const struct cell_list *cells)
{
    const struct tally_cell **list = calloc(cells->n + 1, sizeof(*list));
    if (!list) {
        bd->failed = 1;
        return;
    }
    memcpy(list, cells->cells, cells->n * sizeof(*list));
    qsort(list, cells->n, sizeof(*list), by_dept_source);
    int at = bd->b->argc;
    size_t count = 0;
    if (push_arg(bd, "0", 1))
        bd->failed = 1;
    for (size_t i = 0, j; i < cells->n && !bd->failed; i = j) {
        for (j = i + 1; j < cells->n && by_dept_source(&list[i], &list[j]) == 0; j++)
            ;
        add_dept_source(bd, list + i, j - i);
        count++;
    }
    free(list);
    if (!bd->failed)
        set_arg(bd, at, count);
}

/* Appends the notes to the batch being built (one with no cells if none is),
 * in the order store_script.lua reads them: the autonomous systems, the host
 * names of older sensors (none), visibility, encrypted-DNS devices, the
 * unclassified flows with a host name, the tenant cells, the other
 * tenants' names, the flows to model servers inside, and the cells' bytes,
 * flows and devices by what gave them their department. */
static void add_notes(struct builder *bd, const struct tally_notes *notes,
                      const struct cell_list *cells)
{
    size_t nvis = 0;
    struct vis_entry *vis = visibility_sums(cells, &nvis, &bd->failed);
    if (bd->failed || (!tally_notes_count(notes) && !nvis)) {
        free(vis);
        return;
    }
    if (!bd->b && start_batch(bd) != 0) {
        bd->failed = 1;
        free(vis);
        return;
    }
    struct notes_builder nb = {bd, 0, notes};
    add_section(bd, each_asn, &nb);
    if (!bd->failed && (push_arg(bd, "0", 1) || push_u64(bd, STORE_UNMATCHED_MAX)))
        bd->failed = 1; /* no host names: the candidates below replace them */
    add_visibility(bd, vis, nvis);
    free(vis);
    add_section(bd, each_edns, &nb);
    if (bd->failed)
        return;
    int at = bd->b->argc;
    nb.count = 0;
    if (push_arg(bd, "0", 1) || push_u64(bd, STORE_UNKNOWN_DOMAINS_MAX) ||
        push_u64(bd, STORE_UNKNOWN_HOSTS_MAX)) {
        bd->failed = 1;
        return;
    }
    tally_notes_each_unknown(notes, add_unknown_note, &nb);
    if (!bd->failed)
        set_arg(bd, at, nb.count);
    add_tenant_cells(bd, cells);
    if (bd->failed)
        return;
    at = bd->b->argc;
    nb.count = 0;
    if (push_arg(bd, "0", 1) || push_u64(bd, STORE_TENANT_NAMES_MAX)) {
        bd->failed = 1;
        return;
    }
    tally_notes_each_tenant(notes, add_tenant_note, &nb);
    if (!bd->failed)
        set_arg(bd, at, nb.count);
    add_section(bd, each_ai_server, &nb);
    add_dept_sources(bd, cells);
}

static const struct tally_notes *notes_of(const struct notes_builder *nb)
{
    return nb->notes;
}

int store_enqueue(struct store *s, const struct tally *t)
{
    struct cell_list list = {calloc(tally_count(t) + 1, sizeof(*list.cells)), 0};
    if (!list.cells)
        return -1;
    tally_each(t, collect_cell, &list);
    qsort(list.cells, list.n, sizeof(*list.cells), by_first_seen);
    struct builder bd = {.s = s};
    for (size_t i = 0; i < list.n && !bd.failed; i++)
        add_cell(&bd, list.cells[i]);
    add_notes(&bd, tally_notes_peek(t), &list);
    free(list.cells);
    if (!bd.failed && finish_batch(&bd) != 0)
        bd.failed = 1;
    if (bd.failed) {
        batch_free(bd.b);
        return -1;
    }
    return 0;
}

int store_enqueue_raw(struct store *s, uint64_t seq, uint64_t prev, int argc,
                      const char *const *argv, const size_t *argvlen)
{
    struct builder bd = {.s = s};
    bd.b = calloc(1, sizeof(*bd.b));
    if (!bd.b)
        return -1;
    for (int i = 0; i < argc; i++) {
        if (push_arg(&bd, argv[i], argvlen[i]) != 0) {
            batch_free(bd.b);
            return -1;
        }
    }
    bd.b->seq = seq;
    bd.b->prev = prev;
    bd.b->ncells = argc > 0 ? strtoull(bd.b->argv[0], NULL, 10) : 0;
    if (seq >= s->next_seq)
        s->next_seq = seq + 1;
    queue_batch(s, bd.b);
    return 0;
}

void store_assign_seqs(struct store *s)
{
    for (struct batch *b = s->head; b; b = b->next) {
        if (b->seq == SEQ_UNSET) {
            if (s->next_seq <= s->redis_last)
                s->next_seq = s->redis_last + 1;
            b->seq = s->next_seq++;
        }
    }
}

size_t store_queued(const struct store *s)
{
    return s->stats.queued_batches;
}

int store_each_queued(const struct store *s, store_batch_fn fn, void *ctx)
{
    for (const struct batch *b = s->head; b; b = b->next) {
        int rc = fn(ctx, b->seq, b->prev, b->argc, (const char *const *)b->argv, b->argvlen);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- sending ---- */

#define HEAD_ARGS 9 /* EVALSHA sha 0 sensor seq prev now upload_threshold stream_maxlen */

static int append_batch(struct store *s, struct batch *b, const char *now)
{
    size_t argc = HEAD_ARGS + (size_t)b->argc;
    const char **argv = malloc(argc * sizeof(*argv));
    size_t *lens = malloc(argc * sizeof(*lens));
    if (!argv || !lens) {
        free(argv);
        free(lens);
        return -1;
    }
    char seq[24], prev[24], threshold[24], maxlen[16];
    snprintf(seq, sizeof(seq), "%" PRIu64, b->seq);
    snprintf(prev, sizeof(prev), "%" PRIu64, b->prev);
    snprintf(threshold, sizeof(threshold), "%" PRIu64, s->cfg.upload_threshold);
    snprintf(maxlen, sizeof(maxlen), "%u", s->cfg.stream_maxlen ? s->cfg.stream_maxlen : 100000u);
    const char *head[HEAD_ARGS] = {"EVALSHA", s->sha,    "0",   s->cfg.sensor_id, seq, prev,
                                   now,       threshold, maxlen};
    for (int i = 0; i < HEAD_ARGS; i++) {
        argv[i] = head[i];
        lens[i] = strlen(head[i]);
    }
    for (int i = 0; i < b->argc; i++) {
        argv[HEAD_ARGS + i] = b->argv[i];
        lens[HEAD_ARGS + i] = b->argvlen[i];
    }
    int rc = redisAppendCommandArgv(s->redis, (int)argc, argv, lens);
    free(argv);
    free(lens);
    return rc == REDIS_OK ? 0 : -1;
}

static void pop_head(struct store *s)
{
    struct batch *b = s->head;
    s->head = b->next;
    if (!s->head)
        s->tail = NULL;
    s->stats.queued_batches--;
    s->stats.queued_cells -= b->ncells;
    batch_free(b);
}

/* Hands the events of an applied batch's reply to the caller. */
static void report_events(struct store *s, const redisReply *r)
{
    if (!s->cfg.on_event)
        return;
    for (size_t i = 2; i + 6 <= r->elements; i += 6) {
        const char *f[6];
        for (int k = 0; k < 6; k++) {
            const redisReply *e = r->element[i + (size_t)k];
            f[k] = e->type == REDIS_REPLY_STRING ? e->str : "";
        }
        struct store_event ev = {f[0], f[1], f[2], f[3], f[4], f[5]};
        s->cfg.on_event(s->cfg.event_ctx, &ev);
    }
}

enum reply_kind { REPLY_APPLIED, REPLY_DUPLICATE, REPLY_GAP, REPLY_NOSCRIPT, REPLY_ERROR };

static enum reply_kind classify_reply(redisReply *r, uint64_t *value, char *err, size_t errlen)
{
    if (r->type == REDIS_REPLY_ERROR) {
        if (strncmp(r->str, "NOSCRIPT", 8) == 0)
            return REPLY_NOSCRIPT;
        snprintf(err, errlen, "flush script: %s", r->str);
        return REPLY_ERROR;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
        r->element[0]->type != REDIS_REPLY_INTEGER) {
        snprintf(err, errlen, "flush script: unexpected reply");
        return REPLY_ERROR;
    }
    const redisReply *v = r->element[1];
    *value = v->type == REDIS_REPLY_STRING ? strtoull(v->str, NULL, 10) : 0;
    switch (r->element[0]->integer) {
    case 1:
        return REPLY_APPLIED;
    case 0:
        return REPLY_DUPLICATE;
    default:
        return REPLY_GAP;
    }
}

/* Numbers the batches of one round (at most PIPELINE_DEPTH), the head
 * following what Redis holds, and appends them to the pipeline.  Returns how
 * many, or -1 when out of memory. */
static int append_round(struct store *s)
{
    char now[24];
    snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
    int n = 0;
    uint64_t prev = s->redis_last;
    for (struct batch *b = s->head; b && n < PIPELINE_DEPTH; b = b->next, n++) {
        if (b->seq == SEQ_UNSET) {
            uint64_t seq = s->next_seq;
            if (seq <= prev)
                seq = prev + 1;
            if (seq <= s->redis_last)
                seq = s->redis_last + 1;
            b->seq = seq;
            s->next_seq = seq + 1;
        }
        b->prev = prev;
        prev = b->seq;
        if (append_batch(s, b, now) != 0)
            return -1;
    }
    return n;
}

int store_send(struct store *s, char *err, size_t errlen)
{
    int gaps = 0;
    uint64_t started = now_us();
    while (s->head) {
        if (!s->redis && store_connect(s, err, errlen) != 0)
            goto fail;
        int n = append_round(s);
        if (n < 0) {
            snprintf(err, errlen, "out of memory building a flush");
            store_disconnect(s);
            goto fail;
        }
        /* Read every reply, even after a bad one, to keep the connection in step. */
        int stop = 0, reload = 0, failed = 0;
        for (int i = 0; i < n; i++) {
            redisReply *r = NULL;
            if (redisGetReply(s->redis, (void **)&r) != REDIS_OK || !r) {
                snprintf(err, errlen, "Redis: %s",
                         s->redis->errstr[0] ? s->redis->errstr : "connection lost");
                store_disconnect(s);
                goto fail;
            }
            uint64_t value = 0;
            enum reply_kind kind = stop ? REPLY_GAP : classify_reply(r, &value, err, errlen);
            if (stop) {
                freeReplyObject(r);
                continue;
            }
            switch (kind) {
            case REPLY_APPLIED:
                report_events(s, r);
                s->redis_last = value;
                s->stats.batches_applied++;
                s->stats.cells_applied += s->head->ncells;
                pop_head(s);
                break;
            case REPLY_DUPLICATE:
                if (value > s->redis_last)
                    s->redis_last = value;
                s->stats.batches_duplicate++;
                pop_head(s);
                break;
            case REPLY_GAP:
                /* An earlier batch is not in Redis: either it failed in this
                 * pipeline, or Redis lost it (a failover).  Resend from the head,
                 * chained to what Redis holds now. */
                s->redis_last = value;
                s->stats.batches_refused++;
                stop = 1;
                break;
            case REPLY_NOSCRIPT:
                reload = stop = 1;
                break;
            case REPLY_ERROR:
                failed = stop = 1;
                break;
            }
            freeReplyObject(r);
        }
        if (failed) {
            /* An error reply may come from a server that is no longer the
             * primary (READONLY after a failover, LOADING after a restart):
             * reconnecting is what finds the right one, through Sentinel when
             * configured.  A replica would refuse every retry on this
             * connection. */
            store_disconnect(s);
            goto fail;
        }
        if (reload && load_script(s, err, errlen) != 0) {
            store_disconnect(s);
            goto fail;
        }
        if (stop && !reload && ++gaps > MAX_GAP_RETRIES) {
            snprintf(err, errlen, "flush batches keep arriving out of order; giving up for now");
            goto fail;
        }
    }
    s->stats.last_flush_unix = (uint64_t)time(NULL);
    s->stats.last_flush_latency_us = now_us() - started;
    return 0;
fail:
    s->stats.flush_failures++;
    return -1;
}

int store_write_health(struct store *s, const char *const *names, const uint64_t *values, size_t n,
                       char *err, size_t errlen)
{
    if (!s->redis) {
        snprintf(err, errlen, "not connected");
        return -1;
    }
    size_t argc = 2 + 2 * (n + 1);
    const char **argv = calloc(argc, sizeof(*argv));
    char(*nums)[24] = calloc(n + 1, sizeof(*nums));
    char key[SCHEMA_NAME_MAX];
    bool allocated = argv && nums;
    if (!allocated || schema_key_sensor_health(key, sizeof(key), s->cfg.sensor_id) < 0) {
        free(argv);
        free(nums);
        snprintf(err, errlen, allocated ? "sensor id cannot name a Redis key" : "out of memory");
        return -1;
    }
    argv[0] = "HSET";
    argv[1] = key;
    for (size_t i = 0; i < n; i++) {
        snprintf(nums[i], sizeof(nums[i]), "%" PRIu64, values[i]);
        argv[2 + 2 * i] = names[i];
        argv[3 + 2 * i] = nums[i];
    }
    snprintf(nums[n], sizeof(nums[n]), "%lld", (long long)time(NULL));
    argv[2 + 2 * n] = schema_field_updated;
    argv[3 + 2 * n] = nums[n];
    redisReply *r = redisCommandArgv(s->redis, (int)argc, argv, NULL);
    int rc = 0;
    if (!r || r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "HSET %s: %s", key,
                 r ? r->str : (s->redis->errstr[0] ? s->redis->errstr : "no reply"));
        rc = -1;
        store_disconnect(s); /* as in store_send: READONLY means look for the primary */
    }
    if (r)
        freeReplyObject(r);
    free(argv);
    free(nums);
    return rc;
}

void store_get_stats(const struct store *s, struct store_stats *out)
{
    *out = s->stats;
}
