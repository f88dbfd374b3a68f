/*
 * report_candidates.h - candidate services: what unclassified traffic went
 * to, by registrable domain, read back for a report.
 *
 * The sensor groups the host names of unclassified flows by registrable
 * domain (eTLD+1) and keeps, per month, the domains with the most bytes
 * (schema_key_unknown), each with its counters per department, first and
 * last second, most used host names and a device HyperLogLog per department;
 * what it does not make a candidate (IP literals, special-use names,
 * encrypted-DNS resolvers, domains past its bounds) it counts apart
 * (schema_key_unknown_apart).  Counts are per month: a report over several
 * months sums the counters, unions the devices (PFCOUNT over every month's
 * keys), and takes the earliest first and latest last second.
 *
 * report_candidates_section() builds the "unknown_services" member of the
 * monthly, department and unknown reports (docs/reports.md): the candidates
 * most devices first, each with its departments, hosts and a services.conf
 * stanza (report_stanza.h), privacy.min_devices applied, and what is not
 * listed accounted for, so that every figure adds up to the unclassified
 * named traffic of the scope.
 *
 * Functions returning int return 0, or -1 with the reason in err.
 */
#ifndef SHADOWTAP_REPORT_CANDIDATES_H
#define SHADOWTAP_REPORT_CANDIDATES_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_dates.h"
#include "report_index.h"
#include "rules.h"

/* What the sensor counts apart from the candidates. */
enum report_apart {
    REPORT_APART_IP_LITERAL,
    REPORT_APART_SPECIAL_USE,
    REPORT_APART_ENCRYPTED_DNS,
    REPORT_APART_PUBLIC_SUFFIX,
    REPORT_APART_OVERFLOW,
    REPORT_APART_TRIMMED,
    REPORT_APART_COUNT
};

struct report_candidate_figures {
    uint64_t bytes_up, bytes_down, flows;
};

struct report_candidate_dept {
    char *id;
    struct report_candidate_figures f;
    uint64_t devices; /* distinct devices of the department that reached the domain */
};

struct report_candidate_host {
    char *name;
    uint64_t bytes; /* both directions, over the months read */
};

struct report_candidate {
    char *domain;
    struct report_candidate_figures f;   /* every department in scope */
    uint64_t first_seen, last_seen;      /* unix seconds over the months read; 0: unknown */
    uint64_t devices;                    /* the union over the departments in scope */
    struct report_candidate_dept *depts; /* in scope, by id */
    size_t ndepts;
    unsigned char *in_month;             /* per month read: whether the month lists the domain */
    struct report_candidate_host *hosts; /* read by report_candidates_hosts() */
    size_t nhosts;
};

struct report_candidates {
    const char *const *months; /* "YYYY-MM", as given */
    size_t nmonths;
    const char *only_dept;
    struct report_candidate *list; /* in scope: most devices, then bytes, then domain */
    size_t n, cap;
    struct report_index index; /* domain -> position in list */
    struct report_candidate_figures apart[REPORT_APART_COUNT];
};

/* "ip-literal", "special-use", "encrypted-dns", "public-suffix", "overflow",
 * "trimmed". */
const char *report_apart_name(enum report_apart a);

/* Reads the candidates of the months (and what was counted apart), only the
 * fields and device keys of only_dept when it is not NULL, with their device
 * counts, sorted.  months must outlive out.  Free with
 * report_candidates_free(), also after a failure. */
int report_candidates_read(redisContext *c, const char *const *months, size_t nmonths,
                           const char *only_dept, struct report_candidates *out, char *err,
                           size_t errlen);
/* Reads the host names of the candidates whose want[i] is set (over every
 * month), most bytes first. */
int report_candidates_hosts(redisContext *c, struct report_candidates *cs, const bool *want,
                            char *err, size_t errlen);
void report_candidates_free(struct report_candidates *cs);

/* The "unknown_services" member over the months for only_dept (NULL: every
 * department): at most max_listed candidates (0: all), those with fewer
 * than min_devices devices (not 0) left out, departments with fewer folded
 * into one "Other departments" entry.  *hidden (when not NULL) receives the
 * number of department uses whose figures are not shown on their own.  NULL
 * with the reason in err. */
json_t *report_candidates_section(redisContext *c, const char *const *months, size_t nmonths,
                                  const char *only_dept, const struct rules *r,
                                  uint64_t min_devices, size_t max_listed, size_t *hidden,
                                  char *err, size_t errlen);

#endif
