/*
 * conf.c - reader for the key = value format shared by rules and configuration.
 *
 * The reader works on a buffer so that fuzzing and tests need no files.  It
 * keeps one pending entry so that indented continuation lines can be appended
 * before the entry is handed out.
 */
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct conf_reader {
    const char *name;
    conf_handler handler;
    void *ctx;
    struct diag *d;
    char section[256];
    /* the entry being built: key at pending_line, value may grow */
    int pending_line;
    char key[128];
    char value[CONF_MAX_VALUE];
    size_t value_len;
    int have_pending;
    int pending_overflow;
};

static void emit_pending(struct conf_reader *r)
{
    if (!r->have_pending)
        return;
    r->have_pending = 0;
    if (r->pending_overflow) {
        diag_error(r->d, r->name, r->pending_line, "value of \"%s\" is longer than %d bytes",
                   r->key, CONF_MAX_VALUE - 1);
        return;
    }
    struct conf_entry e = {r->name, r->pending_line, r->section, r->key, r->value};
    r->handler(r->ctx, &e, r->d);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

/* Trims spaces at both ends of [*s, *e). */
static void trim(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

/* Cuts a trailing " # comment" (a hash preceded by a space or tab). */
static const char *comment_start(const char *s, const char *e)
{
    for (const char *p = s; p < e; p++) {
        if (*p == '#' && (p == s || is_space(p[-1])))
            return p;
    }
    return e;
}

static void append_value(struct conf_reader *r, const char *s, size_t n)
{
    if (r->value_len + n + 1 > sizeof(r->value)) {
        r->pending_overflow = 1;
        return;
    }
    memcpy(r->value + r->value_len, s, n);
    r->value_len += n;
    r->value[r->value_len] = '\0';
}

/* A value either runs to the comment, or is one double-quoted string with \" and \\. */
static int parse_value(struct conf_reader *r, int line, const char *s, const char *e, int cont)
{
    trim(&s, &e);
    if (s < e && *s == '"') {
        char buf[CONF_MAX_LINE];
        size_t n = 0;
        const char *p = s + 1;
        for (; p < e && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < e && (p[1] == '"' || p[1] == '\\'))
                p++;
            buf[n++] = *p;
        }
        if (p >= e) {
            diag_error(r->d, r->name, line, "unterminated quoted value (a closing \" is missing)");
            return -1;
        }
        const char *rest = p + 1;
        const char *rest_end = e;
        trim(&rest, &rest_end);
        if (rest < rest_end && *rest != '#') {
            diag_error(r->d, r->name, line, "unexpected text after the closing quote");
            return -1;
        }
        if (cont && r->value_len > 0)
            append_value(r, " ", 1);
        append_value(r, buf, n);
        return 0;
    }
    e = comment_start(s, e);
    trim(&s, &e);
    if (cont && s < e && r->value_len > 0) /* no separator before the first part */
        append_value(r, " ", 1);
    append_value(r, s, (size_t)(e - s));
    return 0;
}

static void parse_line(struct conf_reader *r, int line, const char *s, const char *e)
{
    int indented = s < e && is_space(*s);
    const char *ts = s, *te = e;
    trim(&ts, &te);
    if (ts == te) {
        emit_pending(r); /* a blank line ends a continuation */
        return;
    }
    if (*ts == '#')
        return; /* comment lines do not end a continuation */
    if (indented && r->have_pending) {
        parse_value(r, line, ts, te, 1);
        return;
    }
    emit_pending(r);

    if (*ts == '[') {
        const char *close = memchr(ts, ']', (size_t)(te - ts));
        if (!close) {
            diag_error(r->d, r->name, line, "section header is missing its closing ']'");
            return;
        }
        const char *after = close + 1, *after_end = te;
        trim(&after, &after_end);
        if (after < after_end && *after != '#') {
            diag_error(r->d, r->name, line, "unexpected text after the section header");
            return;
        }
        const char *ns = ts + 1, *ne = close;
        trim(&ns, &ne);
        if (ns == ne) {
            diag_error(r->d, r->name, line, "empty section name");
            return;
        }
        if ((size_t)(ne - ns) >= sizeof(r->section)) {
            diag_error(r->d, r->name, line, "section name is longer than %zu bytes",
                       sizeof(r->section) - 1);
            return;
        }
        memcpy(r->section, ns, (size_t)(ne - ns));
        r->section[ne - ns] = '\0';
        struct conf_entry ev = {r->name, line, r->section, NULL, NULL};
        r->handler(r->ctx, &ev, r->d);
        return;
    }

    const char *k = ts;
    while (k < te && is_key_char(*k))
        k++;
    const char *ke = k;
    const char *eq = ke;
    while (eq < te && is_space(*eq))
        eq++;
    if (ke == ts || eq >= te || *eq != '=') {
        if (indented)
            diag_error(r->d, r->name, line, "indented line continues no value");
        else
            diag_error(r->d, r->name, line, "expected \"key = value\" or \"[section]\"");
        return;
    }
    if ((size_t)(ke - ts) >= sizeof(r->key)) {
        diag_error(r->d, r->name, line, "key is longer than %zu bytes", sizeof(r->key) - 1);
        return;
    }
    memcpy(r->key, ts, (size_t)(ke - ts));
    r->key[ke - ts] = '\0';
    r->value_len = 0;
    r->value[0] = '\0';
    r->pending_overflow = 0;
    r->pending_line = line;
    if (parse_value(r, line, eq + 1, te, 0) == 0)
        r->have_pending = 1;
}

void conf_parse_buffer(const char *name, const char *buf, size_t len, conf_handler handler,
                       void *ctx, struct diag *d)
{
    struct conf_reader *r = calloc(1, sizeof(*r));
    if (!r) {
        diag_error(d, name, 0, "out of memory");
        return;
    }
    r->name = name;
    r->handler = handler;
    r->ctx = ctx;
    r->d = d;

    int line = 0;
    size_t pos = 0;
    while (pos < len) {
        line++;
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        const char *e = nl ? nl : buf + len;
        pos = (size_t)(e - buf) + (nl ? 1 : 0);
        if (e > s && e[-1] == '\r')
            e--;
        if ((size_t)(e - s) >= CONF_MAX_LINE) {
            diag_error(d, name, line, "line is longer than %d bytes", CONF_MAX_LINE - 1);
            continue;
        }
        int bad = 0;
        for (const char *p = s; p < e; p++) {
            if ((unsigned char)*p < 0x20 && *p != '\t') {
                bad = 1;
                break;
            }
        }
        if (bad) {
            diag_error(d, name, line, "control character in line (is this a text file?)");
            continue;
        }
        parse_line(r, line, s, e);
    }
    emit_pending(r);
    free(r);
}

int conf_parse_file(const char *path, conf_handler handler, void *ctx, struct diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(d, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    int rc = 0;
    while (buf) {
        if (len == cap) {
            if (cap >= (64u << 20)) {
                diag_error(d, path, 0, "file is larger than 64 MiB");
                rc = -1;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                diag_error(d, path, 0, "read error: %s", strerror(errno));
                rc = -1;
            }
            break;
        }
    }
    fclose(f);
    if (!buf) {
        diag_error(d, path, 0, "out of memory");
        return -1;
    }
    if (rc == 0)
        conf_parse_buffer(path, buf, len, handler, ctx, d);
    free(buf);
    return rc;
}

int conf_each_word(const char *value, int (*fn)(void *ctx, const char *word), void *ctx)
{
    const char *p = value;
    char word[CONF_MAX_LINE];
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *s = p;
        while (*p && *p != ' ' && *p != '\t' && *p != ',')
            p++;
        size_t n = (size_t)(p - s);
        if (n == 0)
            continue;
        if (n >= sizeof(word))
            n = sizeof(word) - 1;
        memcpy(word, s, n);
        word[n] = '\0';
        int rc = fn(ctx, word);
        if (rc)
            return rc;
    }
    return 0;
}

int conf_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!isdigit((unsigned char)*s))
        return -1;
    unsigned long long v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (d > max || v > (max - d) / 10) /* d > max: max - d would wrap */
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int conf_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_with_suffix(const char *s, const char *suffixes, const unsigned long long *mult,
                             unsigned long long *out)
{
    char num[32];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof(num))
        return -1;
    memcpy(num, s, n + 1);
    unsigned long long m = 1;
    const char *hit = strchr(suffixes, num[n - 1]);
    if (hit && num[n - 1] != '\0') {
        m = mult[hit - suffixes];
        num[n - 1] = '\0';
    }
    unsigned long long v;
    if (conf_parse_uint(num, ~0ULL / m, &v) != 0)
        return -1;
    *out = v * m;
    return 0;
}

int conf_parse_size(const char *s, unsigned long long *out)
{
    static const unsigned long long mult[] = {1024ULL, 1024ULL, 1048576ULL, 1048576ULL,
                                              1073741824ULL, 1073741824ULL};
    return parse_with_suffix(s, "KkMmGg", mult, out);
}

int conf_parse_duration(const char *s, unsigned long long *out)
{
    static const unsigned long long mult[] = {1, 60, 3600, 86400};
    return parse_with_suffix(s, "smhd", mult, out);
}
