/*
 * fuzz_conf.c - the reader of the text format every rules and configuration
 * file uses, with the value helpers the loaders call on what it hands out.
 *
 * Input: the file.  Checks the reader's promises to its handlers: line numbers
 * grow, keys are key characters, values are NUL-terminated within bounds.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    int last_line;
    size_t words;
};

static int on_word(void *ctx, const char *word)
{
    struct state *s = ctx;
    if (!word[0] || strlen(word) >= CONF_MAX_LINE)
        abort();
    s->words++;
    unsigned long long v;
    int b;
    conf_parse_uint(word, 4094, &v);
    conf_parse_bool(word, &b);
    return 0;
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct state *s = ctx;
    if (!e->file || !e->section || e->line <= 0 || e->line < s->last_line)
        abort();
    s->last_line = e->line;
    if (!e->key) {
        if (e->value || !e->section[0] || strlen(e->section) >= 256)
            abort();
        return;
    }
    if (!e->value || !e->key[0] || strlen(e->key) >= 128 || strlen(e->value) >= CONF_MAX_VALUE)
        abort();
    for (const char *k = e->key; *k; k++) {
        if (!isalnum((unsigned char)*k) && !strchr("_.-", *k))
            abort();
    }
    unsigned long long v;
    int b;
    if (conf_parse_uint(e->value, ~0ULL, &v) == 0 && v > ~0ULL)
        abort();
    conf_parse_bool(e->value, &b);
    conf_parse_size(e->value, &v);
    conf_parse_duration(e->value, &v);
    conf_each_word(e->value, on_word, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A copy of exactly the input's size: the reader must not need a NUL. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct diag d;
    diag_init(&d);
    struct state s = {0, 0};
    conf_parse_buffer("fuzz.conf", buf, size, on_entry, &s, &d);
    if (d.kept > d.errors || d.kept > DIAG_MAX_KEPT)
        abort();
    diag_free(&d);
    free(buf);
    return 0;
}
