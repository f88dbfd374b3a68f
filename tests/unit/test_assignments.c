/*
 * test_assignments.c - the assignment feed: a good file in every spelling it
 * allows, lookups by address and MAC at a time (expiry is exclusive), the
 * times it reads, every refused line with its file:line and no address, MAC
 * or expiry in any message, the entry bound, the Redis hash's fields (bad
 * ones skipped and counted, a device spelled twice dropped), and the file
 * stamp that tells the sensor to read the file again.
 */
#include "assignments.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "macaddr.h"
#include "test.h"

#define NAME "feed.txt"

static struct departments *deps;

static struct departments *load_departments(void)
{
    static const char text[] = "[finance]\nvlans = 1\n[sales]\nvlans = 2\n"
                               "[engineering]\nvlans = 3\n[ops-2]\nvlans = 4\n";
    struct diag d;
    diag_init(&d);
    struct departments *t = departments_load_buffer("dep.conf", text, strlen(text), &d);
    diag_free(&d);
    if (!t)
        abort();
    return t;
}

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

static struct assignments *load(const char *text, struct diag *d)
{
    diag_init(d);
    return assignments_load_buffer(NAME, text, strlen(text), deps, d);
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

static const uint8_t *mac(const char *text)
{
    static uint8_t m[MACADDR_LEN];
    if (macaddr_parse_prefix(text, m) != MACADDR_LEN)
        abort();
    return m;
}

/* The department id of an address or MAC at now, or "-". */
static const char *of(const struct assignments *a, const char *key, uint64_t now)
{
    uint8_t m[MACADDR_LEN];
    int i;
    if (macaddr_parse_prefix(key, m) == MACADDR_LEN) {
        i = assignments_lookup_mac(a, m, now);
    } else {
        struct netaddr x = addr(key);
        i = assignments_lookup_address(a, &x, now);
    }
    return i < 0 ? "-" : departments_get(deps, i)->id;
}

static uint64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (uint64_t)timegm(&tm);
}

static const char good[] = "# the feed, as a RADIUS hook writes it\n"                 /* 1 */
                           "\n"                                                       /* 2 */
                           "10.20.30.40   finance  2026-11-30T18:00:00Z\n"            /* 3 */
                           "fd00:20::17\tsales\n"                                     /* 4 */
                           "00:1b:63:84:45:e6 engineering 1790000000   # inventory\n" /* 5 */
                           "  AA-BB-CC-DD-EE-FF ops-2\r\n"                            /* 6 */
                           "   # an indented comment\n"                               /* 7 */
                           "::ffff:10.20.30.41 sales 0\n" /* 8: expired long ago */
                           "10.20.30.42 finance";         /* 9: no final newline */

TEST(parses_a_good_feed)
{
    struct diag d;
    struct assignments *a = load(good, &d);
    CHECK(a != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!a)
        return;
    CHECK_INT(assignments_count(a), 6);
    CHECK_INT(assignments_count_addresses(a), 4);
    CHECK_INT(assignments_count_macs(a), 2);
    uint64_t until = utc(2026, 11, 30, 18, 0, 0);
    CHECK_STR(of(a, "10.20.30.40", until - 1), "finance");
    CHECK_STR(of(a, "::ffff:10.20.30.40", until - 1), "finance"); /* one key for both spellings */
    CHECK_STR(of(a, "10.20.30.40", until), "-");                  /* expiry is exclusive */
    CHECK_STR(of(a, "10.20.30.40", until + 1), "-");
    CHECK_STR(of(a, "10.20.30.40", 0), "finance");
    CHECK_STR(of(a, "fd00:20::17", UINT64_MAX - 1), "sales"); /* no expiry */
    CHECK_STR(of(a, "FD00:20:0::17", 1), "sales");
    CHECK_STR(of(a, "fd00:20::18", 1), "-");
    CHECK_STR(of(a, "00:1B:63:84:45:E6", 1789999999), "engineering");
    CHECK_STR(of(a, "00:1b:63:84:45:e6", 1790000000), "-");
    CHECK_STR(of(a, "aa:bb:cc:dd:ee:ff", 5), "ops-2");
    CHECK_STR(of(a, "aa:bb:cc:dd:ee:fe", 5), "-");
    CHECK_STR(of(a, "10.20.30.41", 0), "-"); /* until 0: never */
    CHECK_STR(of(a, "10.20.30.42", 1), "finance");
    /* an address is not a MAC, nor the reverse */
    CHECK_INT(assignments_lookup_mac(a, mac("00:00:00:00:00:00"), 1), -1);
    assignments_release(a);
    diag_free(&d);
}

TEST(empty_and_null_tables)
{
    struct diag d;
    struct assignments *a = load("# nothing yet\n\n", &d);
    CHECK(a != NULL);
    CHECK_INT(assignments_count(a), 0);
    CHECK_STR(of(a, "10.1.1.1", 1), "-");
    CHECK_STR(of(a, "00:1b:63:84:45:e6", 1), "-");
    assignments_release(a);
    diag_free(&d);
    a = load("", &d);
    CHECK(a != NULL);
    assignments_release(a);
    diag_free(&d);
    /* a NULL table holds nothing; retain and release take NULL */
    CHECK_STR(of(NULL, "10.1.1.1", 1), "-");
    CHECK_INT(assignments_count(NULL), 0);
    CHECK(assignments_retain(NULL) == NULL);
    assignments_release(NULL);
    /* references: the table lives until the last is dropped */
    a = load("10.1.1.1 sales\n", &d);
    CHECK(assignments_retain(a) == a);
    assignments_release(a);
    CHECK_STR(of(a, "10.1.1.1", 1), "sales");
    assignments_release(a);
    diag_free(&d);
}

TEST(reads_times)
{
    uint64_t t = 1;
    CHECK(assignments_parse_time("1970-01-01T00:00:00Z", &t) && t == 0);
    CHECK(assignments_parse_time("0", &t) && t == 0);
    CHECK(assignments_parse_time("1790000000", &t) && t == 1790000000);
    CHECK(assignments_parse_time("253402300799", &t) && t == ASSIGNMENTS_UNTIL_MAX);
    CHECK(assignments_parse_time("9999-12-31T23:59:59Z", &t) && t == ASSIGNMENTS_UNTIL_MAX);
    CHECK(assignments_parse_time("2024-02-29T12:00:00Z", &t) && t == utc(2024, 2, 29, 12, 0, 0));
    CHECK(assignments_parse_time("2000-02-29T00:00:00Z", &t) && t == utc(2000, 2, 29, 0, 0, 0));
    /* every day from 1970 to 2100 at a time of day: as timegm says */
    int wrong = 0;
    for (int y = 1970; y <= 2100; y++) {
        for (int m = 1; m <= 12; m++) {
            for (int day = 1; day <= 31; day++) {
                char s[32];
                snprintf(s, sizeof(s), "%04d-%02d-%02dT13:37:09Z", y, m, day);
                struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = day};
                timegm(&tm);
                bool real = tm.tm_mday == day; /* timegm normalises the 31st of June */
                if (assignments_parse_time(s, &t) != real ||
                    (real && t != utc(y, m, day, 13, 37, 9)))
                    wrong++;
            }
        }
    }
    CHECK_INT(wrong, 0);
    static const char *const bad[] = {
        "",
        "-1",
        "+5",
        "12a",
        "253402300800",
        "99999999999999999999999",
        "1969-12-31T23:59:59Z",
        "2023-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-00T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z",
        "2026-01-01T00:00:00",
        "2026-01-01T00:00:00z",
        "2026-01-01t00:00:00Z",
        "2026-01-01 00:00:00Z",
        "2026-01-01T00:00:00+00:00",
        "2026-1-01T00:00:00Z",
        "2026-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool ok = assignments_parse_time(bad[i], &t);
        CHECK(!ok);
        if (ok)
            fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
    }
}

static int has_error(const struct diag *d, const char *prefix, const char *part)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0 && strstr(d->messages[i], part))
            return 1;
    }
    return 0;
}

/* text refused with an error at prefix holding part, and no message quoting secret. */
static void expect_error(const char *text, const char *prefix, const char *part, const char *secret)
{
    struct diag d;
    struct assignments *a = load(text, &d);
    CHECK(a == NULL);
    assignments_release(a);
    CHECK(has_error(&d, prefix, part));
    if (!has_error(&d, prefix, part)) {
        fprintf(stderr, "    wanted \"%s ...%s...\" among:\n", prefix, part);
        dump(&d);
    }
    for (size_t i = 0; secret && i < d.kept; i++) {
        CHECK(strstr(d.messages[i], secret) == NULL);
        if (strstr(d.messages[i], secret))
            fprintf(stderr, "    quotes \"%s\": %s\n", secret, d.messages[i]);
    }
    diag_free(&d);
}

TEST(each_refused_line_with_its_position_and_no_device)
{
    expect_error("10.1.1.1 sales\n10.1.1.300 sales\n", NAME ":2: ",
                 "the first field is not an IPv4 or IPv6 address or a MAC (expected like "
                 "10.1.2.3, fd00::5 or 00:1b:63:84:45:e6; one device, no prefix)",
                 "10.1.1.300");
    expect_error("10.9.0.0/16 sales\n", NAME ":1: ", "is not an IPv4 or IPv6 address or a MAC",
                 "10.9.");
    expect_error("de:ad:be:ef:00 sales\n", NAME ":1: ",
                 "the first field is a MAC prefix: the feed names single devices (a MAC has 6 "
                 "octets); prefixes belong in departments.conf's \"macs\"",
                 "de:ad");
    expect_error("de:ad:be:ef:00:01:02 sales\n", NAME ":1: ", "not an IPv4 or IPv6 address",
                 "de:ad");
    expect_error("bob-laptop sales\n", NAME ":1: ", "not an IPv4 or IPv6 address", "bob");
    /* unknown departments: named when the word is an id, not when it is a device */
    expect_error("10.1.1.1 finace\n",
                 NAME ":1: ", "unknown department \"finace\" (not in departments.conf)",
                 "10.1.1.1");
    expect_error("10.1.1.1 Finance\n",
                 NAME ":1: ", "the second field is not a department id of departments.conf",
                 "10.1.1.1");
    expect_error("10.1.1.1 de-ad-be-ef-00-01\n",
                 NAME ":1: ", "the second field is not a department id", "de-ad");
    expect_error("10.1.1.1 10.1.1.2\n", NAME ":1: ", "the second field is not a department id",
                 "10.1.1.2");
    expect_error("10.1.1.1 deadbeef0001\n", NAME ":1: ", "the second field is not a department",
                 "deadbeef");
    expect_error("10.1.1.1 unassigned\n", NAME ":1: ",
                 "\"unassigned\" cannot be assigned: leave the device out of the feed instead",
                 "10.1.1.1");
    /* the expiry */
    expect_error("10.1.1.1 sales 2026-02-30T00:00:00Z\n", NAME ":1: ",
                 "the expiry is not a time (expected YYYY-MM-DDTHH:MM:SSZ in UTC, like "
                 "2026-11-30T18:00:00Z, or unix seconds)",
                 "02-30");
    expect_error("10.1.1.1 sales bob-laptop\n", NAME ":1: ", "the expiry is not a time", "bob");
    /* fields */
    expect_error("\n10.1.1.1\n", NAME ":2: ",
                 "expected ADDRESS-or-MAC DEPARTMENT [UNTIL] (the department is missing)",
                 "10.1.1.1");
    expect_error("10.1.1.1 sales 1790000000 bob\n", NAME ":1: ",
                 "expected ADDRESS-or-MAC DEPARTMENT [UNTIL] (more than three fields; a comment "
                 "starts with '#')",
                 "bob");
    /* the same device twice, in any spelling: both lines named */
    expect_error("10.1.1.1 sales\n10.1.1.2 sales\n::ffff:10.1.1.1 finance\n",
                 NAME ":3: ", "the same address as line 1: a device may be listed once", "10.1.1");
    expect_error("fd00::1 sales\nfd00:0::1 sales 5\n", NAME ":2: ", "the same address as line 1",
                 "fd00");
    expect_error("00:1b:63:84:45:e6 sales\n#\n00-1B-63-84-45-E6 finance\n",
                 NAME ":3: ", "the same MAC as line 1: a device may be listed once", "1b");
    /* the text itself */
    char longline[CONF_MAX_LINE + 16];
    memset(longline, ' ', sizeof(longline));
    memcpy(longline, "10.1.1.1 sales", 14);
    longline[sizeof(longline) - 2] = '\n';
    longline[sizeof(longline) - 1] = '\0';
    expect_error(longline, NAME ":1: ", "line is longer than 4095 bytes", "10.1.1.1");
    expect_error("10.1.1.1 sales\x01\n", NAME ":1: ", "control character in line", "10.1.1.1");
}

TEST(every_error_of_a_file_in_line_order)
{
    static const char text[] = "10.0.0.1 sales\n"          /* 1 */
                               "10.0.0.1 finance\n"        /* 2: the same as 1 */
                               "10.0.0.300 sales\n"        /* 3 */
                               "10.0.0.2 nope\n"           /* 4 */
                               "10.0.0.3 sales never\n"    /* 5 */
                               "aa:bb:cc:dd:ee:ff sales\n" /* 6 */
                               "aa:bb:cc:dd:ee:ff sales\n" /* 7: the same as 6 */
                               "10.0.0.1 sales\n";         /* 8: the same as 1 */
    struct diag d;
    struct assignments *a = load(text, &d);
    CHECK(a == NULL);
    CHECK_INT(d.errors, 6);
    static const char *const want[] = {
        NAME ":3: ", NAME ":4: ", NAME ":5: ", NAME ":2: ", NAME ":7: ", NAME ":8: "};
    for (size_t i = 0; i < 6 && i < d.kept; i++)
        CHECK(strncmp(d.messages[i], want[i], strlen(want[i])) == 0);
    if (d.errors != 6)
        dump(&d);
    diag_free(&d);
}

TEST(bounded_entries)
{
    size_t cap = (ASSIGNMENTS_MAX_ENTRIES + 2) * 32;
    char *text = malloc(cap);
    size_t n = 0;
    for (unsigned i = 0; i < ASSIGNMENTS_MAX_ENTRIES; i++)
        n += (size_t)snprintf(text + n, cap - n, "10.%u.%u.%u sales\n", i >> 16, (i >> 8) & 255,
                              i & 255);
    struct diag d;
    diag_init(&d);
    struct assignments *a = assignments_load_buffer(NAME, text, n, deps, &d);
    CHECK(a != NULL);
    CHECK_INT(assignments_count(a), ASSIGNMENTS_MAX_ENTRIES);
    CHECK_STR(of(a, "10.3.255.255", 1), "sales");
    assignments_release(a);
    diag_free(&d);
    n += (size_t)snprintf(text + n, cap - n, "00:00:00:00:00:01 sales\n");
    diag_init(&d);
    a = assignments_load_buffer(NAME, text, n, deps, &d);
    CHECK(a == NULL);
    CHECK(has_error(
        &d, NAME ":262145: ", "more than 262144 entries; the rest of the file is not read"));
    dump(&d);
    diag_free(&d);
    free(text);
}

TEST(reads_a_file)
{
    char path[] = "/tmp/shadowtap-test-feed-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK(write(fd, good, strlen(good)) == (ssize_t)strlen(good));
    close(fd);
    struct diag d;
    diag_init(&d);
    struct assignments *a = assignments_load(path, deps, &d);
    CHECK(a != NULL);
    CHECK_INT(assignments_count(a), 6);
    assignments_release(a);
    diag_free(&d);
    unlink(path);
    diag_init(&d);
    CHECK(assignments_load(path, deps, &d) == NULL);
    CHECK_INT(d.errors, 1);
    CHECK(d.kept == 1 && strstr(d.messages[0], ": cannot open: "));
    diag_free(&d);
}

#define FIELD(f, v)                                                                                \
    {                                                                                              \
        f, sizeof(f) - 1, v, sizeof(v) - 1                                                         \
    }

TEST(redis_hash_fields)
{
    static const char nul_field[] = "10.0.0.9\0x";
    const struct assignments_field fields[] = {
        FIELD("10.0.0.1", "sales"),
        FIELD("fd00::1", "finance 2026-11-30T18:00:00Z"),
        FIELD("00:1B:63:84:45:E6", "engineering 1790000000"),
        FIELD("10.0.0.2", "nope"),                      /* unknown department */
        FIELD("10.0.0.3", "unassigned"),                /* reserved */
        FIELD("10.0.0.4", "sales never"),               /* bad time */
        FIELD("10.0.0.5", "sales 5 extra"),             /* bad value */
        FIELD("10.0.0.6", ""),                          /* bad value */
        FIELD("10.0.0.300", "sales"),                   /* bad key */
        FIELD("00:1b:63", "sales"),                     /* a prefix: bad key */
        FIELD("10.0.0.7 ", "sales"),                    /* bad key */
        {nul_field, sizeof(nul_field) - 1, "sales", 5}, /* bad key */
        {NULL, 0, "sales", 5},                          /* bad key */
        {"10.0.0.8", 8, NULL, 0},                       /* bad value */
        FIELD("aa:bb:cc:dd:ee:ff", "sales"),            /* spelled twice: both dropped */
        FIELD("AA-BB-CC-DD-EE-FF", "finance"),
        FIELD("10.0.0.10", "ops-2\tnever"), /* bad time, tab-separated */
        FIELD("10.0.0.11", "  ops-2  "),
    };
    size_t n = sizeof(fields) / sizeof(fields[0]);
    struct assignments_hash_counts c;
    struct assignments *a = assignments_from_hash(deps, fields, n, &c);
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK_INT(c.fields, n);
    CHECK_INT(c.taken, 4);
    CHECK_INT(c.bad_key, 5);
    CHECK_INT(c.bad_value, 3);
    CHECK_INT(c.unknown_department, 2);
    CHECK_INT(c.bad_time, 2);
    CHECK_INT(c.duplicate, 2);
    CHECK_INT(c.over_limit, 0);
    CHECK_INT(assignments_hash_skipped(&c), n - 4);
    CHECK_INT(assignments_count(a), 4);
    CHECK_STR(of(a, "10.0.0.1", 1), "sales");
    CHECK_STR(of(a, "fd00::1", utc(2026, 11, 30, 17, 59, 59)), "finance");
    CHECK_STR(of(a, "fd00::1", utc(2026, 11, 30, 18, 0, 0)), "-");
    CHECK_STR(of(a, "00:1b:63:84:45:e6", 1), "engineering");
    CHECK_STR(of(a, "aa:bb:cc:dd:ee:ff", 1), "-");
    CHECK_STR(of(a, "10.0.0.11", 1), "ops-2");
    CHECK_STR(of(a, "10.0.0.2", 1), "-");
    char line[512];
    size_t len = assignments_hash_describe(&c, "shadowtap:assignments", line, sizeof(line));
    CHECK_INT(len, strlen(line));
    CHECK_STR(line, "shadowtap:assignments: 14 of 18 entries skipped (5 bad address or MAC, 3 "
                    "value not \"DEPARTMENT [UNTIL]\", 2 unknown department, 2 bad expiry, 2 "
                    "the same device twice)");
    for (size_t i = 0; i < n; i++) {
        if (fields[i].field && fields[i].field_len > 4 && !memchr(fields[i].field, 0, 9))
            CHECK(strstr(line, fields[i].field) == NULL);
    }
    /* truncated to the buffer, still a C string */
    CHECK(assignments_hash_describe(&c, "k", line, 10) == 9 && strlen(line) == 9);
    assignments_release(a);
    /* nothing skipped: nothing to say */
    a = assignments_from_hash(deps, fields, 3, &c);
    CHECK_INT(c.taken, 3);
    CHECK_INT(assignments_hash_describe(&c, "k", line, sizeof(line)), 0);
    CHECK_STR(line, "");
    assignments_release(a);
    /* an empty hash: an empty table */
    a = assignments_from_hash(deps, NULL, 0, &c);
    CHECK(a != NULL && assignments_count(a) == 0 && c.fields == 0);
    assignments_release(a);
}

TEST(redis_hash_bounded)
{
    size_t n = ASSIGNMENTS_MAX_ENTRIES + 3;
    struct assignments_field *f = calloc(n, sizeof(*f));
    char *keys = malloc(n * 24);
    for (size_t i = 0; i < n; i++) {
        char *k = keys + i * 24;
        int len = snprintf(k, 24, "10.%zu.%zu.%zu", i >> 16, (i >> 8) & 255, i & 255);
        f[i] = (struct assignments_field){k, (size_t)len, "sales", 5};
    }
    struct assignments_hash_counts c;
    struct assignments *a = assignments_from_hash(deps, f, n, &c);
    CHECK(a != NULL);
    CHECK_INT(c.taken, ASSIGNMENTS_MAX_ENTRIES);
    CHECK_INT(c.over_limit, 3);
    CHECK_INT(assignments_count(a), ASSIGNMENTS_MAX_ENTRIES);
    assignments_release(a);
    free(keys);
    free(f);
}

TEST(file_stamp)
{
    char path[] = "/tmp/shadowtap-test-stamp-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    struct assignments_stamp st;
    memset(&st, 0, sizeof(st));
    CHECK(assignments_stamp_update(path, &st)); /* never read: changed */
    CHECK(st.exists);
    CHECK(!assignments_stamp_update(path, &st));
    FILE *f = fopen(path, "w");
    fputs("10.0.0.1 sales\n", f);
    fclose(f);
    CHECK(assignments_stamp_update(path, &st)); /* size and time */
    CHECK(!assignments_stamp_update(path, &st));
    /* the same size, another time */
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 5}};
    CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
    CHECK(assignments_stamp_update(path, &st));
    /* replaced by rename, same size and time: another inode */
    char other[] = "/tmp/shadowtap-test-stamp2-XXXXXX";
    fd = mkstemp(other);
    CHECK(write(fd, "10.0.0.1 sales\n", 15) == 15);
    close(fd);
    CHECK(utimensat(AT_FDCWD, other, times, 0) == 0);
    CHECK(rename(other, path) == 0);
    CHECK(assignments_stamp_update(path, &st));
    CHECK(!assignments_stamp_update(path, &st));
    /* gone, then still gone */
    unlink(path);
    CHECK(assignments_stamp_update(path, &st));
    CHECK(!st.exists);
    CHECK(!assignments_stamp_update(path, &st));
}

int main(void)
{
    deps = load_departments();
    RUN(parses_a_good_feed);
    RUN(empty_and_null_tables);
    RUN(reads_times);
    RUN(each_refused_line_with_its_position_and_no_device);
    RUN(every_error_of_a_file_in_line_order);
    RUN(bounded_entries);
    RUN(reads_a_file);
    RUN(redis_hash_fields);
    RUN(redis_hash_bounded);
    RUN(file_stamp);
    departments_free(deps);
    return test_report();
}
