/*
 * report_data.h - a period's counters read back from Redis.
 *
 * The report program reads what the flush script wrote (docs/redis-schema.md)
 * into plain structures: cells per (department, service) with bytes, packets,
 * flows and destination countries, summed over the period, and distinct
 * devices counted by Redis (PFCOUNT over the cells' HyperLogLogs; a group of
 * cells is counted as a union).  A period is any run of whole days: the
 * months it covers entirely are read from the month hashes, the rest from day
 * hashes.  Nothing here knows about rendering; nothing here holds a device or
 * an address.
 *
 * Functions returning int return 0, or -1 with the reason in err.
 */
#ifndef SHADOWTAP_REPORT_DATA_H
#define SHADOWTAP_REPORT_DATA_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_index.h"
#include "schema.h"

struct report_country {
    char code[3];
    uint64_t bytes_up, bytes_down;
};

struct report_cell {
    char *dept; /* owns the allocation that also holds service and key */
    char *service;
    char *key; /* "dept|service", as in the Redis fields and keys */
    size_t key_len;
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
    uint64_t devices; /* set by report_counts_cells() and report_counts_receive() */
    struct report_country *countries;
    size_t ncountries;
};

/* A month or day whose hashes a period reads. */
struct report_part {
    enum schema_span span;
    char date[SCHEMA_DATE_MAX]; /* "2026-10" or "2026-11-02" */
};

struct report_period {
    uint32_t first_day, last_day; /* days since 1970-01-01, inclusive */
    struct report_part *parts;
    size_t nparts;
    struct report_cell *cells;
    size_t ncells, cap;
    struct report_index index; /* "dept|service" -> position in cells */
    size_t pending;            /* replies requested and not yet read */
    bool with_geo;
};

/* Reads the days first_day..last_day (inclusive) in two halves, so that
 * several reads share one pipeline and the parsing of one reply overlaps
 * Redis's work on the next: request sends the HGETALLs (of the countries too
 * when with_geo), receive reads and parses their replies; with only_dept,
 * cells of other departments are skipped.  Cells come out in key order, the
 * same for the same counts whatever order Redis lists them in.  Cell device
 * counts are left at 0 (see report_counts_cells).  Free with
 * report_period_free(), also after a failure.  Replies come back in the order requested, so the reads of
 * a pipeline are received in the order they were requested. */
int report_period_request(redisContext *c, uint32_t first_day, uint32_t last_day, bool with_geo,
                          struct report_period *out, char *err, size_t errlen);
int report_period_receive(redisContext *c, struct report_period *p, const char *only_dept,
                          char *err, size_t errlen);
void report_period_free(struct report_period *p);

/* A set of cells whose distinct devices are counted together (a union). */
struct report_device_group {
    const size_t *cells; /* positions in p->cells */
    size_t ncells;
    uint64_t devices; /* out */
};
/* Device counts requested in a pipeline and read later: each request appends
 * its PFCOUNTs and notes where each reply goes; receive reads them all (and
 * empties q).  Requests that fail for want of memory make receive fail. */
struct report_counts {
    uint64_t **out;
    size_t n, cap;
    int failed;
};
/* The devices of each cell listed (all when cells is NULL) into its devices. */
int report_counts_cells(struct report_counts *q, redisContext *c, struct report_period *p,
                        const size_t *cells, size_t ncells);
/* The devices of each group into its devices; groups must stay in place
 * until received. */
int report_counts_groups(struct report_counts *q, redisContext *c, const struct report_period *p,
                         struct report_device_group *groups, size_t ngroups);
int report_counts_receive(struct report_counts *q, redisContext *c, char *err, size_t errlen);
void report_counts_free(struct report_counts *q);

/* Writes key i of a list into buf (len bytes): its length, or -1 to leave
 * that key out. */
typedef int (*report_key_of)(void *ctx, size_t i, char *buf, size_t len);
/* Appends one PFCOUNT over the keys key_of gives for 0 .. n-1 (a union), to
 * be read with redisGetReply; with no key at all, an empty key name, which
 * counts 0, so that every call has its reply.  Returns 0, or -1 when out of
 * memory (nothing was sent). */
int report_pfcount_append(redisContext *c, size_t n, report_key_of key_of, void *ctx);

/* Why a read failed, into err: "what: " and Redis's error reply r, else the
 * connection's error, else "unexpected reply from Redis". */
void report_redis_error(char *err, size_t errlen, const char *what, redisContext *c,
                        const redisReply *r);

/* Bytes per day of some cells of one department: for each day of
 * first_day..last_day and each service, HMGET of the day hash.  out receives
 * nservices * ndays pairs (bytes_up, bytes_down), service-major:
 * out[(s * ndays + d) * 2 + 0/1].  Days whose hash has expired read as 0. */
int report_daily_bytes(redisContext *c, const char *dept, const char *const *services,
                       size_t nservices, uint32_t first_day, uint32_t last_day, uint64_t *out,
                       char *err, size_t errlen);

/* First and last second of traffic ever counted, per service and per
 * (department, service): the never-expiring hashes schema_key_first_seen and
 * schema_key_last_seen. */
struct report_seen {
    struct report_index index; /* "service" or "dept|service" -> position */
    uint64_t *first, *last;    /* 0: unknown */
    size_t n, cap;
    size_t pending;
};

/* The first- and last-seen times, in two halves as report_period_request/receive. */
int report_seen_request(redisContext *c, struct report_seen *out);
int report_seen_receive(redisContext *c, struct report_seen *out, char *err, size_t errlen);
void report_seen_free(struct report_seen *s);
/* Unix seconds, or 0 when unknown.  dept NULL: the service over every department. */
uint64_t report_seen_first(const struct report_seen *s, const char *dept, const char *service);
uint64_t report_seen_last(const struct report_seen *s, const char *dept, const char *service);
/* The same for a cell. */
uint64_t report_seen_cell_first(const struct report_seen *s, const struct report_cell *c);
uint64_t report_seen_cell_last(const struct report_seen *s, const struct report_cell *c);

#endif
