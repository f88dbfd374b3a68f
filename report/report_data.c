/*
 * report_data.c - read a period's hashes and HyperLogLogs from Redis.
 *
 * Device keys are named from the cells found in the counter hash, never found
 * with KEYS or SCAN, so a report costs a few round trips whatever the size of
 * the database: one HGETALL per hash and one pipelined PFCOUNT per cell.
 */
#include "report_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static struct report_cell *find_cell(struct report_period *p, const char *dept,
                                     const char *service, int create)
{
    for (size_t i = 0; i < p->ncells; i++) {
        if (strcmp(p->cells[i].dept, dept) == 0 && strcmp(p->cells[i].service, service) == 0)
            return &p->cells[i];
    }
    if (!create)
        return NULL;
    struct report_cell *nc = realloc(p->cells, (p->ncells + 1) * sizeof(*nc));
    if (!nc)
        return NULL;
    p->cells = nc;
    struct report_cell *c = &p->cells[p->ncells];
    memset(c, 0, sizeof(*c));
    c->dept = strdup(dept);
    c->service = strdup(service);
    if (!c->dept || !c->service) {
        free(c->dept);
        free(c->service);
        return NULL;
    }
    p->ncells++;
    return c;
}

/* Splits "a|b|c[|d]" into parts; returns the number of parts (at most max). */
static int split_field(char *s, char **parts, int max)
{
    int n = 0;
    parts[n++] = s;
    for (char *q = s; *q && n < max; q++) {
        if (*q == '|') {
            *q = '\0';
            parts[n++] = q + 1;
        }
    }
    return n;
}

static int hgetall(redisContext *c, const char *key, redisReply **out, char *err, size_t errlen)
{
    redisReply *r = redisCommand(c, "HGETALL %s", key);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        snprintf(err, errlen, "HGETALL %s: %s", key,
                 r && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
        if (r)
            freeReplyObject(r);
        return -1;
    }
    *out = r;
    return 0;
}

static int add_counter(struct report_cell *cell, const char *counter, uint64_t v)
{
    if (strcmp(counter, "bytes_up") == 0)
        cell->bytes_up += v;
    else if (strcmp(counter, "bytes_down") == 0)
        cell->bytes_down += v;
    else if (strcmp(counter, "packets_up") == 0)
        cell->packets_up += v;
    else if (strcmp(counter, "packets_down") == 0)
        cell->packets_down += v;
    else if (strcmp(counter, "flows") == 0)
        cell->flows += v;
    else
        return -1;
    return 0;
}

static int add_country(struct report_cell *cell, const char *code, const char *dir, uint64_t v)
{
    struct report_country *rc = NULL;
    for (size_t i = 0; i < cell->ncountries; i++) {
        if (strcmp(cell->countries[i].code, code) == 0)
            rc = &cell->countries[i];
    }
    if (!rc) {
        struct report_country *n = realloc(cell->countries, (cell->ncountries + 1) * sizeof(*n));
        if (!n)
            return -1;
        cell->countries = n;
        rc = &n[cell->ncountries++];
        memset(rc, 0, sizeof(*rc));
        snprintf(rc->code, sizeof(rc->code), "%s", code);
    }
    if (strcmp(dir, "bytes_up") == 0)
        rc->bytes_up += v;
    else
        rc->bytes_down += v;
    return 0;
}

static const char *period_kind(const char *label)
{
    return strlen(label) == 7 ? "month" : "day";
}

int report_period_load(redisContext *c, const char *label, struct report_period *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof(*out));
    out->label = strdup(label);
    char key[256];
    snprintf(key, sizeof(key), STORE_KEY_PREFIX "%s:%s", period_kind(label), label);
    redisReply *r;
    if (!out->label || hgetall(c, key, &r, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        char field[512];
        snprintf(field, sizeof(field), "%s", r->element[i]->str);
        char *parts[4];
        if (split_field(field, parts, 4) != 3)
            continue; /* not ours */
        struct report_cell *cell = find_cell(out, parts[0], parts[1], 1);
        if (!cell) {
            snprintf(err, errlen, "out of memory");
            freeReplyObject(r);
            return -1;
        }
        add_counter(cell, parts[2], strtoull(r->element[i + 1]->str, NULL, 10));
    }
    freeReplyObject(r);

    snprintf(key, sizeof(key), STORE_KEY_PREFIX "geo:%s:%s", period_kind(label), label);
    if (hgetall(c, key, &r, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i + 1 < r->elements; i += 2) {
        char field[512];
        snprintf(field, sizeof(field), "%s", r->element[i]->str);
        char *parts[5];
        if (split_field(field, parts, 5) != 4)
            continue;
        struct report_cell *cell = find_cell(out, parts[0], parts[1], 1);
        if (!cell || add_country(cell, parts[2], parts[3],
                                 strtoull(r->element[i + 1]->str, NULL, 10)) != 0) {
            snprintf(err, errlen, "out of memory");
            freeReplyObject(r);
            return -1;
        }
    }
    freeReplyObject(r);

    /* Devices per cell, pipelined. */
    for (size_t i = 0; i < out->ncells; i++)
        redisAppendCommand(c, "PFCOUNT " STORE_KEY_PREFIX "devices:%s:%s:%s|%s", period_kind(label),
                           label, out->cells[i].dept, out->cells[i].service);
    for (size_t i = 0; i < out->ncells; i++) {
        redisReply *pr = NULL;
        if (redisGetReply(c, (void **)&pr) != REDIS_OK || !pr) {
            snprintf(err, errlen, "PFCOUNT: %s", c->errstr);
            return -1;
        }
        if (pr->type == REDIS_REPLY_INTEGER)
            out->cells[i].devices = (uint64_t)pr->integer;
        freeReplyObject(pr);
    }
    out->devices_total = report_period_devices(c, out, NULL, NULL);
    return 0;
}

uint64_t report_period_devices(redisContext *c, const struct report_period *p,
                               const char *match_dept, const char *match_service)
{
    size_t n = 0;
    const char **argv = malloc((p->ncells + 1) * sizeof(*argv));
    char **keys = calloc(p->ncells + 1, sizeof(*keys));
    if (!argv || !keys) {
        free(argv);
        free(keys);
        return 0;
    }
    argv[n++] = "PFCOUNT";
    for (size_t i = 0; i < p->ncells; i++) {
        const struct report_cell *cell = &p->cells[i];
        if ((match_dept && strcmp(cell->dept, match_dept) != 0) ||
            (match_service && strcmp(cell->service, match_service) != 0))
            continue;
        size_t len = strlen(cell->dept) + strlen(cell->service) + strlen(p->label) + 64;
        keys[n] = malloc(len);
        if (!keys[n])
            break;
        snprintf(keys[n], len, STORE_KEY_PREFIX "devices:%s:%s:%s|%s", period_kind(p->label),
                 p->label, cell->dept, cell->service);
        argv[n] = keys[n];
        n++;
    }
    uint64_t count = 0;
    if (n > 1) {
        redisReply *r = redisCommandArgv(c, (int)n, argv, NULL);
        if (r && r->type == REDIS_REPLY_INTEGER)
            count = (uint64_t)r->integer;
        if (r)
            freeReplyObject(r);
    }
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(argv);
    return count;
}

void report_period_free(struct report_period *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncells; i++) {
        free(p->cells[i].dept);
        free(p->cells[i].service);
        free(p->cells[i].countries);
    }
    free(p->cells);
    free(p->label);
    memset(p, 0, sizeof(*p));
}
