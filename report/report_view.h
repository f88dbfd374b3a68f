/*
 * report_view.h - a period's cells as a report sees them: with the rules
 * applied, the privacy threshold enforced, and grouped by service and by
 * department.
 *
 * Every report is a view: the cells of a period a filter keeps (all of them
 * for the monthly report, one department's, or those whose status is
 * unsanctioned or prohibited), each with its catalog entry, department and
 * policy status for that department, and its distinct devices.
 *
 * Privacy (privacy.min_devices = k > 0): a cell used by fewer than k devices
 * is hidden.  Its existence and status stay visible, its figures do not: they
 * are summed into the "other" figures of its department and of the view.
 * Every figure given per service (bytes, flows, devices, countries) is summed
 * over the visible cells only, so no figure of a hidden cell can be worked
 * out by subtracting visible ones.  Department figures and the totals count
 * every cell; a department's device count below k is not shown either.
 */
#ifndef SHADOWTAP_REPORT_VIEW_H
#define SHADOWTAP_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_data.h"
#include "report_index.h"
#include "rules.h"

struct report_figures {
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
};

struct report_view_cell {
    const struct report_cell *data;
    size_t cell;               /* position in the period's cells */
    int service_idx;           /* catalog index, -1 when the catalog does not know it */
    int dept_idx;              /* departments index, -1 when unassigned or unknown */
    enum policy_status status; /* for this department */
    bool hidden;               /* fewer devices than privacy.min_devices */
};

struct report_view_group {
    const char *id;
    int idx;       /* catalog or departments index, -1 if none */
    size_t *cells; /* positions in view.cells, hidden ones too */
    size_t ncells, nhidden;
    struct report_figures shown;      /* visible cells */
    struct report_figures hidden;     /* hidden cells */
    uint64_t devices;                 /* services: visible cells; departments: every cell */
    struct report_country *countries; /* visible cells, most bytes first */
    size_t ncountries;
};

struct report_view {
    struct report_period *period;
    const struct rules *rules;
    uint64_t min_devices;
    struct report_view_cell *cells;
    size_t ncells, nhidden;
    struct report_view_group *services, *depts;
    size_t nservices, ndepts, services_cap, depts_cap;
    struct report_index service_index, dept_index;
    struct report_figures total;  /* every cell */
    struct report_figures hidden; /* hidden cells: the view's "other" line */
    uint64_t devices;             /* distinct devices over every cell */
    /* private: counting in progress */
    unsigned count;
    int grouped;
    size_t *positions; /* the view's cells, as positions in the period */
    struct report_device_group *unions;
    size_t nunions;
    size_t *union_cells;
};

/* Decides whether a cell belongs to the view (NULL keeps every cell); the
 * cell's devices and hidden flag are not known yet when it is called. */
typedef bool (*report_view_filter)(void *ctx, const struct report_view_cell *cell);

/* Which device counts a view needs.  Cells are also counted whenever
 * min_devices is not 0, which needs them to decide what to hide. */
enum {
    REPORT_COUNT_CELLS = 1,    /* each cell's own devices */
    REPORT_COUNT_SERVICES = 2, /* union per service, over its visible cells */
    REPORT_COUNT_DEPTS = 4,    /* union per department, over all its cells */
    REPORT_COUNT_TOTAL = 8,    /* union over every cell of the view */
    REPORT_COUNT_ALL = 15
};

/* Builds the view of period p in steps, so that a report can put the counts
 * of several views in one pipeline and parse other replies while Redis counts
 * (report_source.h does this for every report):
 *
 *   report_view_prepare    rules and filter (no Redis)
 *   report_view_request    queue every count that can be asked now
 *   report_counts_receive  read them
 *   report_view_continue   queue what needed those first (the unions, when
 *                          privacy hides cells by their counts)
 *   report_counts_receive  read them
 *   report_view_finish     store the unions in the groups
 *
 * count says which device counts to ask for (the counts not asked for stay
 * 0).  Each returns 0, or -1 with the reason in err.  Free with
 * report_view_free(), also after a failure.  p and r must outlive the view.
 */
int report_view_prepare(struct report_view *v, struct report_period *p, const struct rules *r,
                        uint64_t min_devices, unsigned count, report_view_filter keep, void *ctx,
                        char *err, size_t errlen);
int report_view_request(struct report_view *v, redisContext *c, struct report_counts *q, char *err,
                        size_t errlen);
int report_view_continue(struct report_view *v, redisContext *c, struct report_counts *q, char *err,
                         size_t errlen);
void report_view_finish(struct report_view *v);
void report_view_free(struct report_view *v);

/* Adds a cell's figures to f. */
void report_figures_add_cell(struct report_figures *f, const struct report_cell *c);
/* A group's figures over all its cells, visible and hidden. */
struct report_figures report_view_group_all(const struct report_view_group *g);

const struct report_view_group *report_view_service(const struct report_view *v, const char *id);

/* Whether a device count may be shown (always when min_devices is 0). */
bool report_view_shows(const struct report_view *v, uint64_t devices);

#endif
