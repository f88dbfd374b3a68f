/*
 * report_data.h - a period's counters read back from Redis.
 *
 * The report program reads what the flush script wrote (docs/redis-schema.md)
 * into plain structures: cells per (department, service), with bytes, packets,
 * flows, destination countries, and distinct devices counted by Redis
 * (PFCOUNT over HyperLogLogs, unions for services, departments and the total).
 * Nothing here knows about rendering; nothing here holds a device or address.
 */
#ifndef SHADOWTAP_REPORT_DATA_H
#define SHADOWTAP_REPORT_DATA_H

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

struct report_country {
    char code[3];
    uint64_t bytes_up, bytes_down;
};

struct report_cell {
    char *dept;
    char *service;
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
    uint64_t devices;
    struct report_country *countries;
    size_t ncountries;
};

struct report_period {
    char *label;          /* "2026-11" or "2026-11-02" */
    struct report_cell *cells;
    size_t ncells;
    uint64_t devices_total;
};

/* Reads a month ("YYYY-MM") or a day ("YYYY-MM-DD").  Returns 0, or -1 with the
 * reason in err.  Free with report_period_free(). */
int report_period_load(redisContext *c, const char *label, struct report_period *out, char *err,
                       size_t errlen);
void report_period_free(struct report_period *p);

/* Distinct devices over a set of cells of the period: PFCOUNT of their keys.
 * match_dept / match_service: NULL for any.  Returns the count, or 0 on error. */
uint64_t report_period_devices(redisContext *c, const struct report_period *p,
                               const char *match_dept, const char *match_service);

#endif
