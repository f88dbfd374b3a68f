/*
 * diag.c - a bounded list of "file:line: message" errors.
 */
#include "diag.h"
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
    memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->kept; i++)
        free(d->messages[i]);
    memset(d, 0, sizeof(*d));
}

void diag_error(struct diag *d, const char *file, int line, const char *fmt, ...)
{
    d->errors++;
    if (d->kept >= DIAG_MAX_KEPT)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);

    char full[1400];
    if (line > 0)
        snprintf(full, sizeof(full), "%s:%d: %s", file, line, msg);
    else
        snprintf(full, sizeof(full), "%s: %s", file, msg);
    char *copy = strdup(full);
    if (copy)
        d->messages[d->kept++] = copy;
}

void diag_print(const struct diag *d, FILE *out)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(out, "%s\n", d->messages[i]);
    if (d->errors > d->kept)
        fprintf(out, "(%zu more errors not shown)\n", d->errors - d->kept);
}

void diag_log(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        log_error("%s", d->messages[i]);
    if (d->errors > d->kept)
        log_error("(%zu more errors not shown)", d->errors - d->kept);
}
