/*
 * report_stanza.h - the services.conf section proposed for a candidate
 * service.
 *
 * A candidate service is a registrable domain (eTLD+1, "quillboard.io",
 * "pinecrest-analytics.co.uk") that unclassified flows carried a host name
 * of.  Each candidate a report lists comes with a section an analyst can
 * paste into rules/services.conf as it is: it passes the sensor's
 * --check-config and, on the next run, names that traffic.  What only a
 * person can decide (vendor, category, risk, reasons) is filled with the
 * safe defaults ("other", "medium", reason "unreviewed") and marked "to
 * review".
 *
 * Pure functions: no Redis, no rules; whether an id is taken is asked of
 * the caller.
 */
#ifndef SHADOWTAP_REPORT_STANZA_H
#define SHADOWTAP_REPORT_STANZA_H

#include <stdbool.h>
#include <stddef.h>

#define REPORT_STANZA_ID_MAX   65  /* a catalog id (64 characters) and the NUL */
#define REPORT_STANZA_NAME_MAX 128 /* a display name and the NUL */

/* Whether a service id is already used (by the rules, or by another stanza
 * of the same report). */
typedef bool (*report_stanza_taken)(void *ctx, const char *id);

/* Whether domain can be a catalog "domains" entry as it is: lower-case
 * labels of letters, digits, '-' and '_', at least two of them. */
bool report_stanza_domain_ok(const char *domain);

/* The service id for domain into buf: its first label ("quillboard"); when
 * taken, the whole domain with its dots as dashes ("quillboard-io"); when
 * that is taken too, that followed by "-2", "-3", ...  Only the characters
 * the catalog accepts in an id are kept (lower-case letters, digits, '-',
 * '_'; a letter or digit first), at most 64 of them.  taken may be NULL.
 * Returns 0, or -1 when the domain holds no letter or digit (buf is then
 * ""). */
int report_stanza_id(const char *domain, report_stanza_taken taken, void *ctx,
                     char buf[REPORT_STANZA_ID_MAX]);

/* The display name: the words of the first label (split on '-' and '_'),
 * each capitalised, joined by spaces ("pinecrest-analytics.co.uk" ->
 * "Pinecrest Analytics"); the domain itself when the label has no letter or
 * digit.  Cut to len - 1 bytes. */
void report_stanza_name(const char *domain, char *buf, size_t len);

/* The section itself, lines ending in '\n':
 *
 *   # candidate from shadowtap-report: review vendor, category, risk and reasons
 *   [quillboard]
 *   name     = Quillboard
 *   vendor   = Quillboard    # to review
 *   ...
 *   domains  = quillboard.io
 *
 * A new string the caller frees, or NULL when out of memory. */
char *report_stanza_text(const char *domain, const char *id, const char *name);

#endif
