/*
 * report_dept_sources.c - the period's figures per department source.
 *
 * Two pipelined rounds: the HGETALL of every part's hash, then one PFCOUNT
 * per source over every (part, department) that has the source.
 */
#include "report_dept_sources.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_json.h"
#include "schema.h"
#include "tally.h"

#define NSOURCES TALLY_DEPT_SOURCE_COUNT

struct source_sums {
    uint64_t up, down, flows, devices;
    char **depts; /* the departments that have the source */
    size_t ndepts;
};

static int source_of(const char *s, size_t len)
{
    for (int k = 0; k < NSOURCES; k++) {
        const char *n = tally_dept_source_name((enum tally_dept_source)k);
        if (strlen(n) == len && memcmp(n, s, len) == 0)
            return k;
    }
    return -1;
}

static int note_dept(struct source_sums *s, const char *dept, size_t len)
{
    for (size_t i = 0; i < s->ndepts; i++) {
        if (strlen(s->depts[i]) == len && memcmp(s->depts[i], dept, len) == 0)
            return 0;
    }
    char **d = realloc(s->depts, (s->ndepts + 1) * sizeof(*d));
    char *copy = malloc(len + 1);
    if (d)
        s->depts = d;
    if (!d || !copy) {
        free(copy);
        return -1;
    }
    memcpy(copy, dept, len);
    copy[len] = '\0';
    s->depts[s->ndepts++] = copy;
    return 0;
}

static int add_hash(struct source_sums *sums, const redisReply *r)
{
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
        const redisReply *f = r->element[i], *v = r->element[i + 1];
        size_t dept_len, at, len;
        enum schema_counter counter;
        if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            !schema_field_apart_parse(f->str, f->len, &dept_len, &at, &len, &counter))
            continue;
        int k = source_of(f->str + at, len);
        if (k < 0)
            continue; /* a source of a newer sensor */
        uint64_t n = strtoull(v->str, NULL, 10);
        if (counter == SCHEMA_BYTES_UP)
            sums[k].up += n;
        else if (counter == SCHEMA_BYTES_DOWN)
            sums[k].down += n;
        else if (counter == SCHEMA_FLOWS)
            sums[k].flows += n;
        if (note_dept(&sums[k], f->str, dept_len) != 0)
            return -1;
    }
    return 0;
}

struct device_keys {
    const struct report_part *parts;
    size_t nparts;
    const struct source_sums *s;
    int source;
};

static int device_key(void *ctx, size_t i, char *buf, size_t len)
{
    const struct device_keys *k = ctx;
    const struct report_part *p = &k->parts[i % k->nparts];
    return schema_key_dept_source_devices(
        buf, len, p->span, p->date, k->s->depts[i / k->nparts],
        tally_dept_source_name((enum tally_dept_source)k->source));
}

static int read_all(redisContext *c, const struct report_part *parts, size_t nparts,
                    struct source_sums *sums, char *err, size_t errlen)
{
    for (size_t i = 0; i < nparts; i++) {
        char key[SCHEMA_NAME_MAX];
        if (schema_key_dept_sources(key, sizeof(key), parts[i].span, parts[i].date) < 0 ||
            redisAppendCommand(c, "HGETALL %s", key) != REDIS_OK)
            return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < nparts; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "reading the department sources", c, NULL);
            return -1;
        }
        if (rc == 0 && r->type == REDIS_REPLY_ERROR) {
            report_redis_error(err, errlen, "reading the department sources", c, r);
            rc = -1;
        } else if (rc == 0 && add_hash(sums, r) != 0) {
            rc = -1;
        }
        freeReplyObject(r);
    }
    if (rc != 0)
        return -1;
    for (int k = 0; k < NSOURCES; k++) {
        struct device_keys dk = {parts, nparts, &sums[k], k};
        if (report_pfcount_append(c, sums[k].ndepts * nparts, device_key, &dk) != 0)
            return -1;
    }
    for (int k = 0; k < NSOURCES; k++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            report_redis_error(err, errlen, "counting devices per department source", c, NULL);
            return -1;
        }
        if (r->type == REDIS_REPLY_INTEGER)
            sums[k].devices = (uint64_t)r->integer;
        freeReplyObject(r);
    }
    return 0;
}

json_t *report_dept_sources_section(redisContext *c, const struct report_part *parts, size_t nparts,
                                    uint64_t min_devices, char *err, size_t errlen)
{
    struct source_sums sums[NSOURCES];
    memset(sums, 0, sizeof(sums));
    err[0] = '\0';
    json_t *out = NULL;
    if (read_all(c, parts, nparts, sums, err, errlen) == 0) {
        out = json_object();
        for (int k = 0; k < NSOURCES; k++) {
            const struct source_sums *s = &sums[k];
            bool shown = min_devices == 0 || s->devices == 0 || s->devices >= min_devices;
            json_object_set_new(
                out, tally_dept_source_name((enum tally_dept_source)k),
                json_pack("{s:o, s:o, s:o, s:o}", "bytes_up", report_json_u64(s->up), "bytes_down",
                          report_json_u64(s->down), "flows", report_json_u64(s->flows), "devices",
                          shown ? report_json_u64(s->devices) : json_null()));
        }
    }
    for (int k = 0; k < NSOURCES; k++) {
        for (size_t i = 0; i < sums[k].ndepts; i++)
            free(sums[k].depts[i]);
        free(sums[k].depts);
    }
    return out;
}
