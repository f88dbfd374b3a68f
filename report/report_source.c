/*
 * report_source.c - reading a report's periods and first-seen times, and
 * viewing them, in one pipeline.
 *
 * Replies come back in the order asked, so the sources are read in order,
 * and each view asks for its device counts as soon as its period is parsed:
 * Redis counts the first period's devices while this process parses the
 * next.  After a failure nothing more is read; the connection is not used
 * again by the report that failed.
 */
#include "report_source.h"

#include <stdio.h>
#include <string.h>

int report_source_months(struct report_source *cur, struct report_source *prev, const char *month,
                         char *err, size_t errlen)
{
    char label[REPORT_MONTH_LEN];
    int before = report_month_parse(month, &cur->first_day, &cur->last_day) != 0
                     ? -1
                     : report_month_previous(month, label);
    if (before < 0 ||
        (before == 0 && report_month_parse(label, &prev->first_day, &prev->last_day) != 0)) {
        snprintf(err, errlen, "\"%s\" is not a month (YYYY-MM)", month);
        return -1;
    }
    prev->before_epoch = before == 1;
    return 0;
}

/* Sends the HGETALLs of every source that has days, then those of seen. */
static int request(redisContext *c, struct report_source *src, size_t n, struct report_seen *seen,
                   char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        struct report_source *s = &src[i];
        /* A month before day 0 is an empty period: nothing asked, nothing read. */
        if (s->before_epoch)
            memset(&s->period, 0, sizeof(s->period));
        else if (report_period_request(c, s->first_day, s->last_day, s->with_geo, &s->period, err,
                                       errlen) != 0)
            return -1;
    }
    if (report_seen_request(c, seen) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int report_source_load(redisContext *c, const struct rules *r, uint64_t min_devices,
                       struct report_source *src, size_t n, struct report_seen *seen, char *err,
                       size_t errlen)
{
    struct report_counts q = {0};
    if (request(c, src, n, seen, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct report_source *s = &src[i];
        if (report_period_receive(c, &s->period, s->only_dept, err, errlen) != 0 ||
            report_view_prepare(&s->view, &s->period, r, min_devices, s->count, s->keep,
                                s->keep_ctx, err, errlen) != 0 ||
            report_view_request(&s->view, c, &q, err, errlen) != 0)
            goto fail;
    }
    if (report_seen_receive(c, seen, err, errlen) != 0 ||
        report_counts_receive(&q, c, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (report_view_continue(&src[i].view, c, &q, err, errlen) != 0)
            goto fail;
    }
    if (report_counts_receive(&q, c, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        report_view_finish(&src[i].view);
    return 0;
fail:
    report_counts_free(&q);
    return -1;
}

int report_source_load_days(struct report_source *s, struct report_seen *seen,
                            const struct report_request *rq, report_view_filter keep, char *err,
                            size_t errlen)
{
    *s = (struct report_source){
        .first_day = rq->first_day,
        .last_day = rq->last_day,
        .with_geo = true,
        .count = REPORT_COUNT_ALL,
        .keep = keep,
    };
    return report_source_load(rq->redis, rq->rules, rq->opt.min_devices, s, 1, seen, err, errlen);
}

void report_source_free(struct report_source *s)
{
    report_view_free(&s->view);
    report_period_free(&s->period);
}

bool report_source_holds(const struct report_source *s, uint64_t t)
{
    return t && t >= (uint64_t)s->first_day * 86400 && t < ((uint64_t)s->last_day + 1) * 86400;
}
