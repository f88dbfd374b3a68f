/*
 * report_source.h - the periods a report reads, and its views of them.
 *
 * Every report that reads counts starts the same way: read one or two
 * periods (a run of days; a month and the month before), read the first- and
 * last-seen times, and build a view of each period (report_view.h).  This
 * module does that once for all of them, in as few round trips as the
 * dependencies allow, so that Redis works while this process parses:
 *
 *   send      HGETALL of every period, and of first and last seen
 *   read      the first period            (Redis reads the rest meanwhile)
 *   send      its view's PFCOUNTs
 *   read      the next period; send its PFCOUNTs; ...
 *   read      first and last seen         (Redis counts meanwhile)
 *   read      the counts; then what needed them (privacy), and read those.
 *
 * Functions returning int return 0, or -1 with the reason in err.
 */
#ifndef SHADOWTAP_REPORT_SOURCE_H
#define SHADOWTAP_REPORT_SOURCE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_data.h"
#include "report_dates.h"
#include "report_options.h"
#include "report_view.h"
#include "rules.h"

struct report_source {
    /* What to read: set by the report (zero the struct first). */
    uint32_t first_day, last_day; /* inclusive */
    bool before_epoch;            /* a month before day 0: nothing is read, the view is empty */
    bool with_geo;                /* read the countries too */
    const char *only_dept;        /* keep only this department's cells (NULL: all) */
    unsigned count;               /* the device counts the view needs: REPORT_COUNT_* */
    report_view_filter keep;      /* the view's filter (NULL keeps every cell) */
    void *keep_ctx;
    /* What was read: owned by the source, freed by report_source_free(). */
    struct report_period period;
    struct report_view view;
};

/* Sets the days of cur to month ("YYYY-MM") and those of prev to the month
 * before it; prev->before_epoch when that lies before day 0 (month is
 * 1970-01).  Returns 0, or -1 when month is not a month. */
int report_source_months(struct report_source *cur, struct report_source *prev, const char *month,
                         char *err, size_t errlen);

/* Reads the n sources and the first- and last-seen times into seen, and
 * builds each source's view with the rules r and privacy threshold
 * min_devices.  r must outlive the views.  Free each source with
 * report_source_free() and seen with report_seen_free(), also after a
 * failure. */
int report_source_load(redisContext *c, const struct rules *r, uint64_t min_devices,
                       struct report_source *src, size_t n, struct report_seen *seen, char *err,
                       size_t errlen);

/* The reports of a run of days: reads rq's days, with their countries and
 * every device count, through the filter keep (NULL keeps every cell), as
 * report_source_load does for one source. */
int report_source_load_days(struct report_source *s, struct report_seen *seen,
                            const struct report_request *rq, report_view_filter keep, char *err,
                            size_t errlen);

/* Frees what the source read; the struct can be loaded again. */
void report_source_free(struct report_source *s);

/* Whether unix time t (seconds; 0 is unknown) falls within the source's days. */
bool report_source_holds(const struct report_source *s, uint64_t t);

#endif
