/*
 * conf.h - the one text format of shadowtap: rules files and configuration.
 *
 *     # a comment; blank lines are ignored
 *     top_level_key = value
 *     [section]
 *     key = value                     # a trailing comment after a space
 *     long_key = first part
 *                second part          # indented lines continue the value
 *     quoted = "  keeps spaces # and hashes  "
 *
 * The reader knows nothing about what keys mean: it hands each complete entry
 * (section header or key = value) with its line number to a handler, which
 * checks meaning and records errors in the diag.  Syntax errors are recorded by
 * the reader itself; it continues after them so every error is reported.
 */
#ifndef SHADOWTAP_CONF_H
#define SHADOWTAP_CONF_H

#include <stddef.h>

#include "diag.h"

#define CONF_MAX_LINE  4096  /* bytes in one physical line */
#define CONF_MAX_VALUE 65536 /* bytes in one value, continuation lines included */

struct conf_entry {
    const char *file;    /* name used in messages */
    int line;            /* line of the key or the section header */
    const char *section; /* current section, "" before the first header */
    const char *key;     /* NULL for a section header event */
    const char *value;   /* NULL for a section header event; never NULL otherwise */
};

/* Called once per section header and once per key = value.  The strings live
 * only for the duration of the call. */
typedef void (*conf_handler)(void *ctx, const struct conf_entry *entry, struct diag *d);

/* Reads a file.  Returns 0 when the file was read (syntax errors, if any, are in
 * d), -1 when it could not be opened or read (also recorded in d). */
int conf_parse_file(const char *path, conf_handler handler, void *ctx, struct diag *d);

/* Same over a buffer (which need not be NUL-terminated); name is used in messages. */
void conf_parse_buffer(const char *name, const char *buf, size_t len, conf_handler handler,
                       void *ctx, struct diag *d);

/* Splits a value into words separated by spaces, tabs or commas.  Calls fn for
 * each non-empty word with a NUL-terminated copy; stops and returns the first
 * non-zero value fn returns, else 0. */
int conf_each_word(const char *value, int (*fn)(void *ctx, const char *word), void *ctx);

/* Parses a non-negative decimal integer no larger than max; false on anything else
 * (signs, spaces, trailing characters, overflow). */
int conf_parse_uint(const char *s, unsigned long long max, unsigned long long *out);
/* Parses yes/no/true/false/on/off/1/0. Returns 0 on success, -1 otherwise. */
int conf_parse_bool(const char *s, int *out);
/* Parses a byte size: a number with an optional K, M or G suffix (powers of 1024). */
int conf_parse_size(const char *s, unsigned long long *out);
/* Parses a duration: a number with an optional s, m, h or d suffix, into seconds. */
int conf_parse_duration(const char *s, unsigned long long *out);

#endif
