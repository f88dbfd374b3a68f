/*
 * diag.h - collected errors about text inputs, in the compiler's format.
 *
 * Parsers of rules and configuration files do not stop at the first error:
 * they record each one as "file:line: message" so that a person fixing a file
 * sees every problem in one run, then the caller decides what to do.
 */
#ifndef SHADOWTAP_DIAG_H
#define SHADOWTAP_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define DIAG_MAX_KEPT 200 /* messages kept; further errors are only counted */

struct diag {
    size_t errors;   /* every error recorded, kept or not */
    size_t kept;     /* messages[0..kept) */
    char *messages[DIAG_MAX_KEPT];
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);
/* Records "file:line: message"; line 0 leaves the line out ("file: message"). */
void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Writes every kept message, one per line, and a count of those not kept. */
void diag_print(const struct diag *d, FILE *out);
/* Sends every kept message to the log at error level. */
void diag_log(const struct diag *d);

#endif
