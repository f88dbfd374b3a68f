/*
 * report_department.h - a department head's report, as a JSON document.
 *
 * The tools one department used in a month: each with its status for that
 * department, devices, figures, trend against the month before and day by
 * day, and for each one not sanctioned the sanctioned alternative the policy
 * names.  Sections and fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_DEPARTMENT_H
#define SHADOWTAP_REPORT_DEPARTMENT_H

#include <jansson.h>

#include "report_options.h"
#include "rules.h"

/* The department id a name given on the command line means, in any case: a
 * department id of the rules, a department's display name, or "unassigned"
 * and its display name "Unassigned" (what the reports print).  Returns the id
 * (owned by the rules or static), or NULL. */
const char *report_department_resolve(const struct rules *r, const char *name);

/* Builds the report of department rq->dept (an id) for rq->month
 * ("YYYY-MM").  Returns a new JSON object, or NULL with the reason in err. */
json_t *report_department(const struct report_request *rq, char *err, size_t errlen);

#endif
