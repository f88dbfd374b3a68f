/*
 * assignments.c - parse the assignment feed (a file, or a Redis hash's
 * fields) into an immutable table; look devices up in it.
 *
 * A table is two sorted arrays, one of addresses (the 128-bit form of
 * netaddr.h, so an IPv4 address and its IPv4-mapped spelling are one key) and
 * one of MACs: lookups are binary searches, per flow and never per packet, and
 * sorting is also how duplicates are found.  The feed may list a device at
 * most once; in a file a second line for one is an error naming both lines, in
 * a Redis hash (whose fields are distinct strings, but may spell one device
 * twice) every spelling is skipped, since none of them is more right.
 *
 * Nothing here writes an address, a MAC or an expiry into a message: the
 * messages go to the log on a reload, and entries name devices.  A bad line is
 * named by its number and what is wrong with it.
 */
#include "assignments.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf.h"
#include "macaddr.h"

#define MAX_FILE_BYTES (64u << 20)
#define FIELD_MAX      127 /* bytes of one field of a Redis entry, or of its value */

enum kind { KIND_ADDRESS, KIND_MAC, KINDS };

struct entry {
    uint8_t key[16]; /* the address, or the MAC followed by zeros */
    uint64_t until;  /* ASSIGNMENTS_NO_EXPIRY when none */
    int32_t dept;
    int32_t line; /* in the file; 0 for a Redis field */
};

struct assignments {
    struct entry *entries[KINDS]; /* sorted by key */
    size_t count[KINDS];
    atomic_int refs;
};

/* A table being filled: the same arrays, not yet sorted. */
struct builder {
    struct entry *entries[KINDS];
    size_t count[KINDS], cap[KINDS];
};

/* What can be wrong with an entry, in the order it is checked. */
enum problem {
    PROBLEM_NONE,
    PROBLEM_KEY,        /* not an address or MAC */
    PROBLEM_MAC_PREFIX, /* a MAC prefix, not a whole MAC */
    PROBLEM_DEPARTMENT, /* not a department of departments.conf */
    PROBLEM_RESERVED,   /* "unassigned" */
    PROBLEM_TIME,       /* the expiry is not a time */
};

/* ---- one entry ---- */

static bool is_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

/* Howard Hinnant's days_from_civil, for years from 1970 on. */
static uint64_t days_since_epoch(unsigned y, unsigned m, unsigned d)
{
    y -= m <= 2;
    unsigned era = y / 400, yoe = y - era * 400;
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
    static const unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

bool assignments_parse_time(const char *s, uint64_t *out)
{
    unsigned long long v;
    if (is_digits(s)) {
        if (conf_parse_uint(s, ASSIGNMENTS_UNTIL_MAX, &v) != 0)
            return false;
        *out = v;
        return true;
    }
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    if (strlen(s) != sizeof(shape) - 1)
        return false;
    for (size_t i = 0; shape[i]; i++) {
        if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
            return false;
    }
    unsigned f[6];
    static const unsigned at[6] = {0, 5, 8, 11, 14, 17}, width[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0; i < 6; i++) {
        f[i] = 0;
        for (unsigned k = 0; k < width[i]; k++)
            f[i] = f[i] * 10 + (unsigned)(s[at[i] + k] - '0');
    }
    if (f[0] < 1970 || f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > days_in_month(f[0], f[1]) ||
        f[3] > 23 || f[4] > 59 || f[5] > 59)
        return false;
    *out = days_since_epoch(f[0], f[1], f[2]) * 86400u + f[3] * 3600u + f[4] * 60u + f[5];
    return true;
}

/* The key of an entry: an address, or a whole MAC. */
static enum problem parse_key(const char *s, enum kind *kind, uint8_t key[16])
{
    memset(key, 0, 16);
    struct netaddr a;
    int octets = macaddr_parse_prefix(s, key);
    if (octets == MACADDR_LEN) {
        *kind = KIND_MAC;
        return PROBLEM_NONE;
    }
    if (octets > 0)
        return PROBLEM_MAC_PREFIX;
    if (!netaddr_parse(s, &a))
        return PROBLEM_KEY;
    memcpy(key, a.b, 16);
    *kind = KIND_ADDRESS;
    return PROBLEM_NONE;
}

static enum problem parse_entry(const struct departments *deps, const char *key, const char *dept,
                                const char *until, enum kind *kind, struct entry *out)
{
    enum problem p = parse_key(key, kind, out->key);
    if (p != PROBLEM_NONE)
        return p;
    if (strcmp(dept, DEPARTMENT_UNASSIGNED) == 0)
        return PROBLEM_RESERVED;
    out->dept = departments_find(deps, dept);
    if (out->dept < 0)
        return PROBLEM_DEPARTMENT;
    out->until = ASSIGNMENTS_NO_EXPIRY;
    if (until && !assignments_parse_time(until, &out->until))
        return PROBLEM_TIME;
    return PROBLEM_NONE;
}

/* ---- building a table ---- */

static int builder_add(struct builder *b, enum kind kind, const struct entry *e)
{
    if (b->count[kind] == b->cap[kind]) {
        size_t cap = b->cap[kind] ? b->cap[kind] * 2 : 64;
        struct entry *ne = realloc(b->entries[kind], cap * sizeof(*ne));
        if (!ne)
            return -1;
        b->entries[kind] = ne;
        b->cap[kind] = cap;
    }
    b->entries[kind][b->count[kind]++] = *e;
    return 0;
}

static size_t builder_total(const struct builder *b)
{
    return b->count[KIND_ADDRESS] + b->count[KIND_MAC];
}

static void builder_free(struct builder *b)
{
    for (int k = 0; k < KINDS; k++)
        free(b->entries[k]);
}

/* By key, then by line: the first of equal keys is the one met first. */
static int entry_cmp(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = memcmp(x->key, y->key, sizeof(x->key));
    if (c != 0)
        return c;
    return (x->line > y->line) - (x->line < y->line);
}

static void builder_sort(struct builder *b)
{
    for (int k = 0; k < KINDS; k++) {
        if (b->count[k] > 1)
            qsort(b->entries[k], b->count[k], sizeof(struct entry), entry_cmp);
    }
}

/* Hands the builder's arrays to a new table (NULL when out of memory, the
 * builder freed either way). */
static struct assignments *builder_finish(struct builder *b)
{
    struct assignments *a = calloc(1, sizeof(*a));
    if (!a) {
        builder_free(b);
        return NULL;
    }
    for (int k = 0; k < KINDS; k++) {
        a->entries[k] = b->entries[k];
        a->count[k] = b->count[k];
    }
    atomic_init(&a->refs, 1);
    return a;
}

/* ---- the file ---- */

struct duplicate {
    int line, first;
    enum kind kind;
};

static int duplicate_cmp(const void *a, const void *b)
{
    const struct duplicate *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

/* Reports every line that repeats a device of an earlier line, in line
 * order.  The builder is sorted. */
static void report_duplicates(const struct builder *b, const char *name, struct diag *d)
{
    size_t n = 0, cap = 0;
    struct duplicate *dups = NULL;
    for (int k = 0; k < KINDS; k++) {
        const struct entry *v = b->entries[k];
        size_t first = 0;
        for (size_t i = 1; i < b->count[k]; i++) {
            if (memcmp(v[i].key, v[first].key, sizeof(v[i].key)) != 0) {
                first = i;
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                struct duplicate *nd = realloc(dups, cap * sizeof(*nd));
                if (!nd) {
                    free(dups);
                    diag_error(d, name, 0, "out of memory");
                    return;
                }
                dups = nd;
            }
            dups[n++] = (struct duplicate){v[i].line, v[first].line, (enum kind)k};
        }
    }
    if (n > 1)
        qsort(dups, n, sizeof(*dups), duplicate_cmp);
    for (size_t i = 0; i < n; i++)
        diag_error(d, name, dups[i].line, "the same %s as line %d: a device may be listed once",
                   dups[i].kind == KIND_MAC ? "MAC" : "address", dups[i].first);
    free(dups);
}

/* True when s could be shown in a message: a department id that is not some
 * spelling of an address or a MAC (all hex digits and separators). */
static bool showable_department(const char *s)
{
    size_t n = strlen(s);
    bool hexish = true;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool id = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!id)
            return false;
        if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9') || c == '-'))
            hexish = false;
    }
    return !hexish;
}

static void report_problem(enum problem p, const char *dept, const char *name, int line,
                           struct diag *d)
{
    switch (p) {
    case PROBLEM_NONE:
        break;
    case PROBLEM_KEY:
        diag_error(d, name, line,
                   "the first field is not an IPv4 or IPv6 address or a MAC (expected like "
                   "10.1.2.3, fd00::5 or 00:1b:63:84:45:e6; one device, no prefix)");
        break;
    case PROBLEM_MAC_PREFIX:
        diag_error(d, name, line,
                   "the first field is a MAC prefix: the feed names single devices (a MAC "
                   "has 6 octets); prefixes belong in departments.conf's \"macs\"");
        break;
    case PROBLEM_DEPARTMENT:
        if (showable_department(dept))
            diag_error(d, name, line, "unknown department \"%s\" (not in departments.conf)", dept);
        else
            diag_error(d, name, line,
                       "the second field is not a department id of departments.conf");
        break;
    case PROBLEM_RESERVED:
        diag_error(d, name, line,
                   "\"%s\" cannot be assigned: leave the device out of the feed instead",
                   DEPARTMENT_UNASSIGNED);
        break;
    case PROBLEM_TIME:
        diag_error(d, name, line,
                   "the expiry is not a time (expected YYYY-MM-DDTHH:MM:SSZ in UTC, like "
                   "2026-11-30T18:00:00Z, or unix seconds)");
        break;
    }
}

/* Splits a line (without its end) into at most four words; words from one
 * starting with '#' on are a comment.  Returns the number of words. */
static int split_words(char *line, char *words[4])
{
    int n = 0;
    char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#' || n == 4)
            return n;
        words[n++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
    }
}

/* Parses one line (s to e, without its end) into b.  Returns -1 to stop: the
 * table is full or out of memory (both recorded). */
static int parse_line(struct builder *b, const struct departments *deps, const char *name, int line,
                      const char *s, const char *e, struct diag *d)
{
    char copy[CONF_MAX_LINE];
    size_t len = (size_t)(e - s);
    if (len >= sizeof(copy)) {
        diag_error(d, name, line, "line is longer than %d bytes", CONF_MAX_LINE - 1);
        return 0;
    }
    for (const char *p = s; p < e; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t') {
            diag_error(d, name, line, "control character in line (is this a text file?)");
            return 0;
        }
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    char *w[4];
    int n = split_words(copy, w);
    if (n == 0)
        return 0;
    if (n < 2 || n > 3) {
        diag_error(d, name, line, "expected ADDRESS-or-MAC DEPARTMENT [UNTIL] (%s)",
                   n < 2 ? "the department is missing"
                         : "more than three fields; a comment starts with '#'");
        return 0;
    }
    enum kind kind;
    struct entry en = {.line = line};
    enum problem p = parse_entry(deps, w[0], w[1], n == 3 ? w[2] : NULL, &kind, &en);
    if (p != PROBLEM_NONE) {
        report_problem(p, w[1], name, line, d);
        return 0;
    }
    if (builder_total(b) >= ASSIGNMENTS_MAX_ENTRIES) {
        diag_error(d, name, line, "more than %d entries; the rest of the file is not read",
                   ASSIGNMENTS_MAX_ENTRIES);
        return -1;
    }
    if (builder_add(b, kind, &en) != 0) {
        diag_error(d, name, line, "out of memory");
        return -1;
    }
    return 0;
}

struct assignments *assignments_load_buffer(const char *name, const char *buf, size_t len,
                                            const struct departments *deps, struct diag *d)
{
    struct builder b;
    memset(&b, 0, sizeof(b));
    size_t before = d->errors, pos = 0;
    int line = 0;
    while (pos < len) {
        line++;
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        const char *e = nl ? nl : buf + len;
        pos = (size_t)(e - buf) + (nl ? 1 : 0);
        if (e > s && e[-1] == '\r')
            e--;
        if (parse_line(&b, deps, name, line, s, e, d) != 0)
            break;
    }
    builder_sort(&b);
    report_duplicates(&b, name, d);
    if (d->errors != before) {
        builder_free(&b);
        return NULL;
    }
    struct assignments *a = builder_finish(&b);
    if (!a)
        diag_error(d, name, 0, "out of memory");
    return a;
}

/* Reads the whole file, at most MAX_FILE_BYTES.  NULL on failure (recorded). */
static char *read_file(const char *path, size_t *len, struct diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag_error(d, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    const char *problem = buf ? NULL : "out of memory";
    while (!problem) {
        if (n == cap) {
            char *nb = cap < MAX_FILE_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!nb) {
                problem = cap < MAX_FILE_BYTES ? "out of memory" : "file is larger than 64 MiB";
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                problem = "read error";
            break;
        }
    }
    fclose(f);
    if (problem) {
        diag_error(d, path, 0, "%s", problem);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

struct assignments *assignments_load(const char *path, const struct departments *deps,
                                     struct diag *d)
{
    size_t len;
    char *buf = read_file(path, &len, d);
    if (!buf)
        return NULL;
    struct assignments *a = assignments_load_buffer(path, buf, len, deps, d);
    free(buf);
    return a;
}

/* ---- a Redis hash ---- */

/* Copies a field of a reply into a C string; false when it cannot be one of
 * ours (too long, or holding a NUL or a control character). */
static bool copy_field(char *out, const char *s, size_t len)
{
    if (len > FIELD_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
            return false;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return true;
}

/* One field of the hash into b, or a count of why not. */
static void hash_field(struct builder *b, const struct departments *deps,
                       const struct assignments_field *f, struct assignments_hash_counts *c)
{
    char key[FIELD_MAX + 1], value[FIELD_MAX + 1];
    char *w[4];
    if (!f->field || !copy_field(key, f->field, f->field_len) || strchr(key, ' ') ||
        strchr(key, '\t')) {
        c->bad_key++;
        return;
    }
    int n = f->value && copy_field(value, f->value, f->value_len) ? split_words(value, w) : 0;
    if (n < 1 || n > 2) {
        c->bad_value++;
        return;
    }
    enum kind kind;
    struct entry en = {.line = 0};
    switch (parse_entry(deps, key, w[0], n == 2 ? w[1] : NULL, &kind, &en)) {
    case PROBLEM_NONE:
        break;
    case PROBLEM_KEY:
    case PROBLEM_MAC_PREFIX:
        c->bad_key++;
        return;
    case PROBLEM_DEPARTMENT:
    case PROBLEM_RESERVED:
        c->unknown_department++;
        return;
    case PROBLEM_TIME:
        c->bad_time++;
        return;
    }
    if (builder_total(b) >= ASSIGNMENTS_MAX_ENTRIES) {
        c->over_limit++;
        return;
    }
    if (builder_add(b, kind, &en) != 0)
        c->over_limit++; /* out of memory: the caller sees taken < fields */
}

/* Drops every entry of a device given more than once.  The builder is sorted. */
static void drop_duplicates(struct builder *b, struct assignments_hash_counts *c)
{
    for (int k = 0; k < KINDS; k++) {
        struct entry *v = b->entries[k];
        size_t kept = 0, i = 0;
        while (i < b->count[k]) {
            size_t j = i + 1;
            while (j < b->count[k] && memcmp(v[j].key, v[i].key, sizeof(v[i].key)) == 0)
                j++;
            if (j - i == 1)
                v[kept++] = v[i];
            else
                c->duplicate += j - i;
            i = j;
        }
        b->count[k] = kept;
    }
}

struct assignments *assignments_from_hash(const struct departments *deps,
                                          const struct assignments_field *fields, size_t n,
                                          struct assignments_hash_counts *counts)
{
    memset(counts, 0, sizeof(*counts));
    counts->fields = n;
    struct builder b;
    memset(&b, 0, sizeof(b));
    for (size_t i = 0; i < n; i++)
        hash_field(&b, deps, &fields[i], counts);
    builder_sort(&b);
    drop_duplicates(&b, counts);
    counts->taken = builder_total(&b);
    return builder_finish(&b);
}

size_t assignments_hash_skipped(const struct assignments_hash_counts *c)
{
    return c->bad_key + c->bad_value + c->unknown_department + c->bad_time + c->duplicate +
           c->over_limit;
}

size_t assignments_hash_describe(const struct assignments_hash_counts *c, const char *key,
                                 char *buf, size_t len)
{
    size_t skipped = assignments_hash_skipped(c);
    if (len > 0)
        buf[0] = '\0';
    if (skipped == 0 || len == 0)
        return 0;
    const struct {
        size_t n;
        const char *what;
    } reasons[] = {
        {c->bad_key, "bad address or MAC"},
        {c->bad_value, "value not \"DEPARTMENT [UNTIL]\""},
        {c->unknown_department, "unknown department"},
        {c->bad_time, "bad expiry"},
        {c->duplicate, "the same device twice"},
        {c->over_limit, "over the limit of entries"},
    };
    int at = snprintf(buf, len, "%s: %zu of %zu entries skipped (", key, skipped, c->fields);
    const char *sep = "";
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (reasons[i].n == 0 || at < 0 || (size_t)at >= len)
            continue;
        at += snprintf(buf + at, len - (size_t)at, "%s%zu %s", sep, reasons[i].n, reasons[i].what);
        sep = ", ";
    }
    if (at >= 0 && (size_t)at < len)
        snprintf(buf + at, len - (size_t)at, ")");
    return strlen(buf);
}

/* ---- the table ---- */

struct assignments *assignments_retain(struct assignments *a)
{
    if (a)
        atomic_fetch_add(&a->refs, 1);
    return a;
}

void assignments_release(struct assignments *a)
{
    if (!a || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    for (int k = 0; k < KINDS; k++)
        free(a->entries[k]);
    free(a);
}

size_t assignments_count(const struct assignments *a)
{
    return a ? a->count[KIND_ADDRESS] + a->count[KIND_MAC] : 0;
}

size_t assignments_count_addresses(const struct assignments *a)
{
    return a ? a->count[KIND_ADDRESS] : 0;
}

size_t assignments_count_macs(const struct assignments *a)
{
    return a ? a->count[KIND_MAC] : 0;
}

static int lookup(const struct assignments *a, enum kind kind, const uint8_t key[16], uint64_t now)
{
    if (!a)
        return -1;
    const struct entry *v = a->entries[kind];
    size_t lo = 0, hi = a->count[kind];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(v[mid].key, key, 16);
        if (c == 0)
            return now < v[mid].until ? v[mid].dept : -1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int assignments_lookup_address(const struct assignments *a, const struct netaddr *addr,
                               uint64_t now)
{
    return lookup(a, KIND_ADDRESS, addr->b, now);
}

int assignments_lookup_mac(const struct assignments *a, const uint8_t *mac, uint64_t now)
{
    uint8_t key[16] = {0};
    memcpy(key, mac, MACADDR_LEN);
    return lookup(a, KIND_MAC, key, now);
}

/* ---- the file's stamp ---- */

bool assignments_stamp_update(const char *path, struct assignments_stamp *st)
{
    struct assignments_stamp now;
    memset(&now, 0, sizeof(now));
    struct stat sb;
    if (stat(path, &sb) == 0) {
        now.exists = true;
        now.dev = (uint64_t)sb.st_dev;
        now.ino = (uint64_t)sb.st_ino;
        now.size = (uint64_t)sb.st_size;
        now.mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    }
    bool changed = now.exists != st->exists || now.dev != st->dev || now.ino != st->ino ||
                   now.size != st->size || now.mtime_ns != st->mtime_ns;
    *st = now;
    return changed;
}
