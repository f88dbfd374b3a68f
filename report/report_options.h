/*
 * report_options.h - what the command line and configuration tell a report.
 *
 * Every report is built by one function of the same shape, so that
 * shadowtap-report's main can keep its reports in a table:
 *
 *   json_t *report_NAME(const struct report_request *rq, char *err, size_t errlen);
 *
 * which returns a new JSON object, or NULL with the reason in err (err empty:
 * out of memory).
 */
#ifndef SHADOWTAP_REPORT_OPTIONS_H
#define SHADOWTAP_REPORT_OPTIONS_H

#include <stdint.h>

#define REPORT_CANDIDATE_DEVICES_DEFAULT     5
#define REPORT_CANDIDATE_DEPARTMENTS_DEFAULT 2

struct redisContext;
struct rules;

struct report_options {
    uint64_t min_devices;           /* privacy.min_devices: hide smaller cells (0: show all) */
    uint64_t candidate_devices;     /* adoption candidates: at least this many devices */
    uint64_t candidate_departments; /* ... in at least this many departments */
};

/* One report asked for.  Which fields are set depends on the report: main
 * checks them against its table before any report is built. */
struct report_request {
    struct redisContext *redis;   /* NULL for a report that reads no counts (catalog) */
    const struct rules *rules;    /* always */
    const char *dept;             /* a department id, for a report that takes a NAME */
    const char *month;            /* "YYYY-MM", for a report of a month */
    uint32_t first_day, last_day; /* the period's days (a month's too), inclusive */
    struct report_options opt;
};

#endif
