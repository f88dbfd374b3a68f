/*
 * report_unknown.h - the candidate services alone, for the analyst who keeps
 * the catalog: what do people use that the catalog does not know yet?
 *
 * Lists every candidate (report_candidates.h) of the months the asked period
 * touches, with no limit on the list's length, and the visibility of those
 * months (report_visibility.h).  Candidates are counted per month, so a
 * period of days (--since) reads the whole months it falls in; the document
 * says which ("months") and its period is theirs.  Sections and fields:
 * docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_UNKNOWN_H
#define SHADOWTAP_REPORT_UNKNOWN_H

#include <jansson.h>

#include "report_options.h"

/* Builds the report over the months holding rq->first_day..rq->last_day.
 * Returns a new JSON object, or NULL with the reason in err. */
json_t *report_unknown(const struct report_request *rq, char *err, size_t errlen);

#endif
