/*
 * test_conf.c - the shared key = value reader: entries, sections, comments,
 * quoting, continuation lines, line endings, every syntax error with its line
 * (and parsing carrying on after it), and the value helpers (words, numbers,
 * booleans, sizes, durations).
 */
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "test.h"

/* ---- a handler that records every event as one line of text ---- */

#define MAX_EVENTS 64

struct recorder {
    char events[MAX_EVENTS][512];
    int count;
};

/* "line [section]" for a header, "line section|key=value" for an entry. */
static void record(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct recorder *r = ctx;
    if (r->count >= MAX_EVENTS)
        return;
    CHECK(e->file != NULL);
    CHECK(e->section != NULL);
    if (!e->key) {
        CHECK(e->value == NULL);
        snprintf(r->events[r->count++], sizeof(r->events[0]), "%d [%s]", e->line, e->section);
    } else {
        CHECK(e->value != NULL);
        snprintf(r->events[r->count++], sizeof(r->events[0]), "%d %s|%s=%s", e->line,
                 e->section, e->key, e->value ? e->value : "(null)");
    }
}

/* Parses text (a C string) as "t.conf" and returns the diag in d. */
static void parse(const char *text, struct recorder *r, struct diag *d)
{
    memset(r, 0, sizeof(*r));
    diag_init(d);
    conf_parse_buffer("t.conf", text, strlen(text), record, r, d);
}

/* True when some kept message equals want exactly. */
static int has_message(const struct diag *d, const char *want)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strcmp(d->messages[i], want) == 0)
            return 1;
    }
    return 0;
}

/* True when some kept message starts with prefix (e.g. "t.conf:7: "). */
static int has_prefix(const struct diag *d, const char *prefix)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0)
            return 1;
    }
    return 0;
}

/* Shows the messages when TEST_VERBOSE is set, to help write expectations. */
static void dump(const struct diag *d)
{
    if (!getenv("TEST_VERBOSE"))
        return;
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

/* ---- entries, sections, comments ---- */

TEST(key_value_and_sections)
{
    struct recorder r;
    struct diag d;
    parse("top = 1\n"
          "[alpha]\n"
          "a=b\n"
          "dotted.key-x_1 = v\n"
          "[ beta ]\n"
          "empty =\n"
          "after_empty = 2\n"
          "[alpha]\n"
          "again = 3\n",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 9);
    CHECK_STR(r.events[0], "1 |top=1");
    CHECK_STR(r.events[1], "2 [alpha]");
    CHECK_STR(r.events[2], "3 alpha|a=b");
    CHECK_STR(r.events[3], "4 alpha|dotted.key-x_1=v");
    CHECK_STR(r.events[4], "5 [beta]");
    CHECK_STR(r.events[5], "6 beta|empty=");
    CHECK_STR(r.events[6], "7 beta|after_empty=2");
    /* the reader does not judge repeated sections: that is the handler's job */
    CHECK_STR(r.events[7], "8 [alpha]");
    CHECK_STR(r.events[8], "9 alpha|again=3");
    diag_free(&d);
}

TEST(indented_line_after_entry_continues_it)
{
    struct recorder r;
    struct diag d;
    parse("[s]\n"
          "a = b\n"
          "  spaced_key = spaced value\n",
          &r, &d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 2);
    CHECK_STR(r.events[1], "2 s|a=b spaced_key = spaced value");
    diag_free(&d);
}

TEST(tabs_around_key_and_value)
{
    struct recorder r;
    struct diag d;
    parse("tab\t=\tvalue\twith\ttabs\t\n", &r, &d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.events[0], "1 |tab=value\twith\ttabs");
    diag_free(&d);
}

TEST(comments)
{
    struct recorder r;
    struct diag d;
    parse("# a comment line\n"
          "   # an indented comment line, with no entry pending\n"
          "a = one # trailing comment\n"
          "b = two\t# after a tab\n"
          "c = three#not-a-comment\n"
          "d = http://x/#frag\n"
          "e = # only a comment\n"
          "[sec] # comment after a header\n"
          "f = \"quoted # kept\" # cut\n",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 7);
    CHECK_STR(r.events[0], "3 |a=one");
    CHECK_STR(r.events[1], "4 |b=two");
    CHECK_STR(r.events[2], "5 |c=three#not-a-comment");
    CHECK_STR(r.events[3], "6 |d=http://x/#frag");
    CHECK_STR(r.events[4], "7 |e=");
    CHECK_STR(r.events[5], "8 [sec]");
    CHECK_STR(r.events[6], "9 sec|f=quoted # kept");
    diag_free(&d);
}

TEST(quoted_values)
{
    struct recorder r;
    struct diag d;
    parse("a = \"  keeps spaces # and hashes  \"\n"
          "b = \"with \\\"quotes\\\" inside\"\n"
          "c = \"back\\\\slash\"\n"
          "d = \"other \\n escapes stay\"\n"
          "e = \"\"\n"
          "f = \"ends in backslash \\\\\"\n",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 6);
    CHECK_STR(r.events[0], "1 |a=  keeps spaces # and hashes  ");
    CHECK_STR(r.events[1], "2 |b=with \"quotes\" inside");
    CHECK_STR(r.events[2], "3 |c=back\\slash");
    CHECK_STR(r.events[3], "4 |d=other \\n escapes stay");
    CHECK_STR(r.events[4], "5 |e=");
    CHECK_STR(r.events[5], "6 |f=ends in backslash \\");
    diag_free(&d);
}

TEST(quoting_errors)
{
    struct recorder r;
    struct diag d;
    parse("a = \"never closed\n"
          "b = \"escaped close \\\"\n"
          "c = \"closed\" then text\n"
          "ok = yes\n",
          &r, &d);
    CHECK_INT(d.errors, 3);
    CHECK(has_prefix(&d, "t.conf:1: unterminated quoted value"));
    CHECK(has_prefix(&d, "t.conf:2: unterminated quoted value"));
    CHECK(has_message(&d, "t.conf:3: unexpected text after the closing quote"));
    /* the bad entries are not handed out; parsing carried on */
    CHECK_INT(r.count, 1);
    CHECK_STR(r.events[0], "4 |ok=yes");
    diag_free(&d);
}

/* ---- continuation lines ---- */

TEST(continuation_lines)
{
    struct recorder r;
    struct diag d;
    parse("[svc]\n"
          "domains = a.com b.com   # first part\n"
          "          c.com\n"
          "\td.com # tab-indented\n"
          "  # a comment line inside does not end it\n"
          "          e.com\n"
          "name = next\n",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 3);
    CHECK_STR(r.events[1], "2 svc|domains=a.com b.com c.com d.com e.com");
    CHECK_STR(r.events[2], "7 svc|name=next");
    diag_free(&d);
}

TEST(blank_line_ends_a_continuation)
{
    struct recorder r;
    struct diag d;
    parse("a = one\n"
          "    two\n"
          "\n"
          "    three\n"
          "b = four\n",
          &r, &d);
    CHECK_INT(r.count, 2);
    CHECK_STR(r.events[0], "1 |a=one two");
    CHECK_STR(r.events[1], "5 |b=four");
    CHECK_INT(d.errors, 1);
    CHECK(has_message(&d, "t.conf:4: indented line continues no value"));
    diag_free(&d);

    /* a line of only spaces is blank too */
    parse("a = one\n"
          "   \t \n"
          "    three\n",
          &r, &d);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.events[0], "1 |a=one");
    CHECK(has_message(&d, "t.conf:3: indented line continues no value"));
    diag_free(&d);
}

TEST(continuation_of_quoted_and_empty_values)
{
    struct recorder r;
    struct diag d;
    parse("a = \"x  \"\n"
          "    \"  y\"\n"
          "b =\n"
          "    first\n"
          "    second\n"
          "c = \"\"\n"
          "    z\n",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 3);
    CHECK_STR(r.events[0], "1 |a=x     y");
    /* an empty first part gains no leading space */
    CHECK_STR(r.events[1], "3 |b=first second");
    CHECK_STR(r.events[2], "6 |c=z");
    diag_free(&d);
}

TEST(section_header_ends_a_continuation)
{
    struct recorder r;
    struct diag d;
    parse("a = one\n"
          "[s]\n"
          "  b = two\n",
          &r, &d);
    CHECK_INT(r.count, 3);
    CHECK_STR(r.events[0], "1 |a=one");
    CHECK_STR(r.events[1], "2 [s]");
    /* an indented entry with nothing pending is an entry */
    CHECK_STR(r.events[2], "3 s|b=two");
    CHECK_INT(d.errors, 0);
    diag_free(&d);
}

/* ---- line endings and buffers ---- */

TEST(crlf_line_endings)
{
    struct recorder r;
    struct diag d;
    parse("a = one\r\n"
          "[s]\r\n"
          "b = \"two\"\r\n"
          "c = three # c\r\n"
          "    four\r\n"
          "\r\n"
          "d = five",
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 5);
    CHECK_STR(r.events[0], "1 |a=one");
    CHECK_STR(r.events[1], "2 [s]");
    CHECK_STR(r.events[2], "3 s|b=two");
    CHECK_STR(r.events[3], "4 s|c=three four");
    CHECK_STR(r.events[4], "7 s|d=five");
    diag_free(&d);
}

TEST(buffer_not_nul_terminated)
{
    struct recorder r;
    struct diag d;
    memset(&r, 0, sizeof(r));
    diag_init(&d);
    /* The last entry runs to the end of the given length, not to a NUL. */
    char *buf = malloc(9);
    memcpy(buf, "a = 1\nb=2", 9);
    conf_parse_buffer("t.conf", buf, 9, record, &r, &d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 2);
    CHECK_STR(r.events[1], "2 |b=2");
    free(buf);
    diag_free(&d);

    parse("", &r, &d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(r.count, 0);
    diag_free(&d);
}

/* ---- syntax errors ---- */

TEST(every_syntax_error_with_its_line)
{
    struct recorder r;
    struct diag d;
    parse("good1 = 1\n"                /* 1 */
          "no equals sign here\n"      /* 2 */
          "= value without key\n"      /* 3 */
          "[unclosed\n"                /* 4 */
          "[]\n"                       /* 5 */
          "[s] trailing\n"             /* 6 */
          "bad key = v\n"              /* 7 */
          "k@y = v\n"                  /* 8 */
          "[t]\n"                      /* 9 */
          "good2 = 2\n"                /* 10 */
          "\n"                         /* 11 */
          "    orphan continuation\n"  /* 12 */
          "q = \"open\n"               /* 13 */
          "good3 = 3\n",               /* 14 */
          &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 9);
    CHECK(has_message(&d, "t.conf:2: expected \"key = value\" or \"[section]\""));
    CHECK(has_message(&d, "t.conf:3: expected \"key = value\" or \"[section]\""));
    CHECK(has_message(&d, "t.conf:4: section header is missing its closing ']'"));
    CHECK(has_message(&d, "t.conf:5: empty section name"));
    CHECK(has_message(&d, "t.conf:6: unexpected text after the section header"));
    CHECK(has_message(&d, "t.conf:7: expected \"key = value\" or \"[section]\""));
    CHECK(has_message(&d, "t.conf:8: expected \"key = value\" or \"[section]\""));
    CHECK(has_message(&d, "t.conf:12: indented line continues no value"));
    CHECK(has_prefix(&d, "t.conf:13: unterminated quoted value"));
    /* the good entries around them all arrived, in the right sections */
    CHECK_INT(r.count, 4);
    CHECK_STR(r.events[0], "1 |good1=1");
    CHECK_STR(r.events[1], "9 [t]");
    CHECK_STR(r.events[2], "10 t|good2=2");
    CHECK_STR(r.events[3], "14 t|good3=3");
    diag_free(&d);
}

TEST(an_error_line_ends_the_pending_entry)
{
    struct recorder r;
    struct diag d;
    parse("a = one\n"
          "garbage\n"
          "  two\n",
          &r, &d);
    CHECK_INT(r.count, 1);
    CHECK_STR(r.events[0], "1 |a=one");
    CHECK_INT(d.errors, 2);
    CHECK(has_message(&d, "t.conf:2: expected \"key = value\" or \"[section]\""));
    CHECK(has_message(&d, "t.conf:3: indented line continues no value"));
    diag_free(&d);
}

TEST(over_long_lines_keys_and_sections)
{
    struct recorder r;
    struct diag d;
    size_t n = CONF_MAX_LINE + 100;
    char *text = malloc(3 * n + 512);
    char *p = text;
    p += sprintf(p, "a = 1\n");                                 /* 1 */
    p += sprintf(p, "long = ");                                 /* 2 */
    memset(p, 'x', n);
    p += n;
    p += sprintf(p, "\nb = 2\n");                               /* 3 */
    /* exactly CONF_MAX_LINE - 1 bytes is still allowed */
    p += sprintf(p, "fits = ");                                 /* 4 */
    memset(p, 'y', CONF_MAX_LINE - 1 - 7);
    p += CONF_MAX_LINE - 1 - 7;
    p += sprintf(p, "\n");
    /* CONF_MAX_LINE bytes is not */
    p += sprintf(p, "toolong = ");                              /* 5 */
    memset(p, 'z', CONF_MAX_LINE - 10);
    p += CONF_MAX_LINE - 10;
    p += sprintf(p, "\n");
    memset(p, 'k', 200);                                        /* 6: a 200-byte key */
    p += 200;
    p += sprintf(p, " = v\n[");                                 /* 7: a 300-byte section */
    memset(p, 's', 300);
    p += 300;
    p += sprintf(p, "]\nc = 3\n");                              /* 8 */
    memset(&r, 0, sizeof(r));
    diag_init(&d);
    conf_parse_buffer("t.conf", text, (size_t)(p - text), record, &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 4);
    CHECK(has_prefix(&d, "t.conf:2: line is longer than"));
    CHECK(has_prefix(&d, "t.conf:5: line is longer than"));
    CHECK(has_prefix(&d, "t.conf:6: key is longer than"));
    CHECK(has_prefix(&d, "t.conf:7: section name is longer than"));
    CHECK_INT(r.count, 4);
    CHECK_STR(r.events[0], "1 |a=1");
    CHECK_STR(r.events[1], "3 |b=2");
    CHECK(strncmp(r.events[2], "4 |fits=yyy", 11) == 0);
    CHECK_STR(r.events[3], "8 |c=3");
    free(text);
    diag_free(&d);
}

struct length_probe {
    size_t len;
    int count;
};

static void measure(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct length_probe *lp = ctx;
    if (e->key) {
        lp->len = strlen(e->value);
        lp->count++;
    }
}

TEST(over_long_value_by_continuation)
{
    /* 40 lines of 2000 bytes each make a value above CONF_MAX_VALUE. */
    size_t lines = 40, width = 2000;
    char *text = malloc(lines * (width + 8) + 64);
    char *p = text;
    p += sprintf(p, "big = ");
    for (size_t i = 0; i < lines; i++) {
        p += sprintf(p, "  ");
        memset(p, 'a' + (char)(i % 26), width);
        p += width;
        *p++ = '\n';
    }
    p += sprintf(p, "after = 1\n");
    struct length_probe lp = {0, 0};
    struct diag d;
    diag_init(&d);
    conf_parse_buffer("t.conf", text, (size_t)(p - text), measure, &lp, &d);
    CHECK_INT(d.errors, 1);
    CHECK(has_prefix(&d, "t.conf:1: value of \"big\" is longer than"));
    CHECK_INT(lp.count, 1); /* only "after" */
    diag_free(&d);

    /* just under the limit arrives whole: 30 lines of 2000 plus separators */
    p = text;
    p += sprintf(p, "big = ");
    for (size_t i = 0; i < 30; i++) {
        p += sprintf(p, "  ");
        memset(p, 'b', width);
        p += width;
        *p++ = '\n';
    }
    lp = (struct length_probe){0, 0};
    diag_init(&d);
    conf_parse_buffer("t.conf", text, (size_t)(p - text), measure, &lp, &d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(lp.count, 1);
    CHECK_INT(lp.len, 30 * width + 29);
    diag_free(&d);
    free(text);
}

TEST(control_characters)
{
    struct recorder r;
    struct diag d;
    static const char text[] = "a = 1\n"
                               "b = x\001y\n"   /* 2 */
                               "c = \033[31m\n" /* 3 */
                               "d = nul\0here\n" /* 4 */
                               "e = cr\rinside\n" /* 5 */
                               "f = 2\n";
    memset(&r, 0, sizeof(r));
    diag_init(&d);
    conf_parse_buffer("t.conf", text, sizeof(text) - 1, record, &r, &d);
    dump(&d);
    CHECK_INT(d.errors, 4);
    CHECK(has_prefix(&d, "t.conf:2: control character"));
    CHECK(has_prefix(&d, "t.conf:3: control character"));
    CHECK(has_prefix(&d, "t.conf:4: control character"));
    CHECK(has_prefix(&d, "t.conf:5: control character"));
    CHECK_INT(r.count, 2);
    CHECK_STR(r.events[0], "1 |a=1");
    CHECK_STR(r.events[1], "6 |f=2");
    diag_free(&d);
}

TEST(errors_beyond_the_kept_limit_are_counted)
{
    size_t n = DIAG_MAX_KEPT + 50;
    char *text = malloc(n * 8 + 1);
    char *p = text;
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "bad\n");
    struct recorder r;
    struct diag d;
    memset(&r, 0, sizeof(r));
    diag_init(&d);
    conf_parse_buffer("t.conf", text, (size_t)(p - text), record, &r, &d);
    CHECK_INT(d.errors, n);
    CHECK_INT(d.kept, DIAG_MAX_KEPT);
    CHECK_STR(d.messages[DIAG_MAX_KEPT - 1], "t.conf:200: expected \"key = value\" or \"[section]\"");
    diag_free(&d);
    free(text);
}

TEST(files)
{
    char path[] = "/tmp/test_conf_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("[s]\nk = v\nbroken\n", f);
    fclose(f);
    struct recorder r;
    struct diag d;
    memset(&r, 0, sizeof(r));
    diag_init(&d);
    CHECK_INT(conf_parse_file(path, record, &r, &d), 0);
    CHECK_INT(r.count, 2);
    CHECK_STR(r.events[1], "2 s|k=v");
    char want[128];
    snprintf(want, sizeof(want), "%s:3: expected \"key = value\" or \"[section]\"", path);
    CHECK(has_message(&d, want));
    diag_free(&d);
    unlink(path);

    diag_init(&d);
    CHECK_INT(conf_parse_file("/nonexistent/dir/x.conf", record, &r, &d), -1);
    CHECK_INT(d.errors, 1);
    CHECK(has_prefix(&d, "/nonexistent/dir/x.conf: cannot open"));
    diag_free(&d);
}

/* ---- conf_each_word ---- */

struct words {
    char list[16][64];
    int count;
    int stop_at; /* return non-zero at this word (1-based), 0 = never */
};

static int collect(void *ctx, const char *word)
{
    struct words *w = ctx;
    if (w->count < 16)
        snprintf(w->list[w->count], sizeof(w->list[0]), "%s", word);
    w->count++;
    return w->stop_at && w->count == w->stop_at ? 42 : 0;
}

TEST(each_word)
{
    struct words w = {0};
    CHECK_INT(conf_each_word("  a.com,b.com\tc.com , ,, d\t\t,e  ", collect, &w), 0);
    CHECK_INT(w.count, 5);
    CHECK_STR(w.list[0], "a.com");
    CHECK_STR(w.list[1], "b.com");
    CHECK_STR(w.list[2], "c.com");
    CHECK_STR(w.list[3], "d");
    CHECK_STR(w.list[4], "e");

    memset(&w, 0, sizeof(w));
    CHECK_INT(conf_each_word("", collect, &w), 0);
    CHECK_INT(w.count, 0);
    CHECK_INT(conf_each_word(" \t,, \t", collect, &w), 0);
    CHECK_INT(w.count, 0);
    CHECK_INT(conf_each_word("single", collect, &w), 0);
    CHECK_INT(w.count, 1);
    CHECK_STR(w.list[0], "single");

    /* the first non-zero return stops the walk and is returned */
    memset(&w, 0, sizeof(w));
    w.stop_at = 2;
    CHECK_INT(conf_each_word("one two three", collect, &w), 42);
    CHECK_INT(w.count, 2);
}

/* ---- numbers ---- */

TEST(parse_uint)
{
    unsigned long long v = 77;
    CHECK_INT(conf_parse_uint("0", 10, &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(conf_parse_uint("10", 10, &v), 0);
    CHECK_INT(v, 10);
    CHECK_INT(conf_parse_uint("007", 10, &v), 0);
    CHECK_INT(v, 7);
    CHECK_INT(conf_parse_uint("18446744073709551615", ~0ULL, &v), 0);
    CHECK(v == ~0ULL);

    v = 77;
    CHECK(conf_parse_uint("11", 10, &v) != 0);
    CHECK(conf_parse_uint("18446744073709551616", ~0ULL, &v) != 0);
    CHECK(conf_parse_uint("99999999999999999999999", ~0ULL, &v) != 0);
    CHECK(conf_parse_uint("", 10, &v) != 0);
    CHECK(conf_parse_uint("-1", 10, &v) != 0);
    CHECK(conf_parse_uint("+1", 10, &v) != 0);
    CHECK(conf_parse_uint(" 1", 10, &v) != 0);
    CHECK(conf_parse_uint("1 ", 10, &v) != 0);
    CHECK(conf_parse_uint("1x", 10, &v) != 0);
    CHECK(conf_parse_uint("0x10", 100, &v) != 0);
    CHECK(conf_parse_uint("1.5", 10, &v) != 0);
    CHECK_INT(v, 77); /* untouched on failure */

    /* a single digit above a small maximum */
    CHECK(conf_parse_uint("7", 5, &v) != 0);
    CHECK(conf_parse_uint("9", 0, &v) != 0);
    CHECK(conf_parse_uint("1", 0, &v) != 0);
    CHECK_INT(conf_parse_uint("0", 0, &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(conf_parse_uint("5", 5, &v), 0);
    CHECK_INT(v, 5);
    CHECK(conf_parse_uint("6", 5, &v) != 0);
    CHECK(conf_parse_uint("4095", 4094, &v) != 0);
    CHECK_INT(conf_parse_uint("4094", 4094, &v), 0);
    /* each boundary of a maximum that is not a round number */
    for (unsigned long long max = 0; max < 300; max++) {
        for (unsigned long long n = 0; n < 400; n += 7) {
            char s[16];
            snprintf(s, sizeof(s), "%llu", n);
            int rc = conf_parse_uint(s, max, &v);
            if ((rc == 0) != (n <= max)) {
                CHECK(!"conf_parse_uint disagrees with n <= max");
                fprintf(stderr, "    n=%llu max=%llu rc=%d\n", n, max, rc);
                max = 300;
                break;
            }
        }
    }
}

TEST(parse_bool)
{
    static const char *const yes[] = {"yes", "YES", "Yes", "true", "TRUE", "on", "On", "1"};
    static const char *const no[] = {"no", "NO", "false", "False", "off", "OFF", "0"};
    static const char *const bad[] = {"", "y", "n", "2", "yes ", " no", "enabled", "01", "truee"};
    int b;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        b = -5;
        CHECK_INT(conf_parse_bool(yes[i], &b), 0);
        CHECK_INT(b, 1);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        b = -5;
        CHECK_INT(conf_parse_bool(no[i], &b), 0);
        CHECK_INT(b, 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        b = -5;
        CHECK_INT(conf_parse_bool(bad[i], &b), -1);
        CHECK_INT(b, -5);
    }
}

TEST(parse_size)
{
    unsigned long long v = 0;
    CHECK_INT(conf_parse_size("0", &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(conf_parse_size("512", &v), 0);
    CHECK_INT(v, 512);
    CHECK_INT(conf_parse_size("1K", &v), 0);
    CHECK_INT(v, 1024);
    CHECK_INT(conf_parse_size("256k", &v), 0);
    CHECK_INT(v, 256 * 1024);
    CHECK_INT(conf_parse_size("64M", &v), 0);
    CHECK_INT(v, 64ULL << 20);
    CHECK_INT(conf_parse_size("8m", &v), 0);
    CHECK_INT(v, 8ULL << 20);
    CHECK_INT(conf_parse_size("2G", &v), 0);
    CHECK_INT(v, 2ULL << 30);
    CHECK_INT(conf_parse_size("3g", &v), 0);
    CHECK_INT(v, 3ULL << 30);
    CHECK_INT(conf_parse_size("18446744073709551615", &v), 0);
    CHECK(v == ~0ULL);
    /* the largest number of G that fits, and one more */
    CHECK_INT(conf_parse_size("17179869183G", &v), 0);
    CHECK(v == 17179869183ULL << 30);
    CHECK(conf_parse_size("17179869184G", &v) != 0);
    CHECK(conf_parse_size("18014398509481984K", &v) != 0);
    CHECK(conf_parse_size("18446744073709551616", &v) != 0);

    v = 99;
    static const char *const bad[] = {"", "K", "M", "-1K", "+1K", "1 K", " 1K", "1K ", "1KB",
                                      "1T",  "1.5G", "1KK", "1s", "0x10", "1e6", "K1", "1 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (conf_parse_size(bad[i], &v) == 0) {
            CHECK(!"conf_parse_size accepted garbage");
            fprintf(stderr, "    input \"%s\"\n", bad[i]);
        }
    }
    CHECK_INT(v, 99);
}

TEST(parse_duration)
{
    unsigned long long v = 0;
    CHECK_INT(conf_parse_duration("0", &v), 0);
    CHECK_INT(v, 0);
    CHECK_INT(conf_parse_duration("30", &v), 0);
    CHECK_INT(v, 30);
    CHECK_INT(conf_parse_duration("30s", &v), 0);
    CHECK_INT(v, 30);
    CHECK_INT(conf_parse_duration("5m", &v), 0);
    CHECK_INT(v, 300);
    CHECK_INT(conf_parse_duration("2h", &v), 0);
    CHECK_INT(v, 7200);
    CHECK_INT(conf_parse_duration("7d", &v), 0);
    CHECK_INT(v, 7 * 86400);
    CHECK_INT(conf_parse_duration("213503982334601d", &v), 0);
    CHECK(v == 213503982334601ULL * 86400);
    CHECK(conf_parse_duration("213503982334602d", &v) != 0);
    CHECK(conf_parse_duration("307445734561825861m", &v) != 0);

    v = 99;
    static const char *const bad[] = {"", "s", "d", "-5s", "+5s", "5 s", "5S", "5M", "5H",
                                      "1w", "1y", "1.5h", "5ss", "5ms", "1h30m", "abc", "5 "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (conf_parse_duration(bad[i], &v) == 0) {
            CHECK(!"conf_parse_duration accepted garbage");
            fprintf(stderr, "    input \"%s\"\n", bad[i]);
        }
    }
    CHECK_INT(v, 99);
}

int main(void)
{
    RUN(key_value_and_sections);
    RUN(indented_line_after_entry_continues_it);
    RUN(tabs_around_key_and_value);
    RUN(comments);
    RUN(quoted_values);
    RUN(quoting_errors);
    RUN(continuation_lines);
    RUN(blank_line_ends_a_continuation);
    RUN(continuation_of_quoted_and_empty_values);
    RUN(section_header_ends_a_continuation);
    RUN(crlf_line_endings);
    RUN(buffer_not_nul_terminated);
    RUN(every_syntax_error_with_its_line);
    RUN(an_error_line_ends_the_pending_entry);
    RUN(over_long_lines_keys_and_sections);
    RUN(over_long_value_by_continuation);
    RUN(control_characters);
    RUN(errors_beyond_the_kept_limit_are_counted);
    RUN(files);
    RUN(each_word);
    RUN(parse_uint);
    RUN(parse_bool);
    RUN(parse_size);
    RUN(parse_duration);
    return test_report();
}
