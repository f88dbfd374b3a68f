/*
 * test_report_index.c - the report's string table: found, missing, replaced,
 * keys that are not NUL-terminated, growth to a month's worth of cells, and
 * reuse after free.
 */
#include "report_index.h"

#include <stdio.h>
#include <string.h>

#include "test.h"

TEST(finds_what_was_put)
{
    struct report_index ix = REPORT_INDEX_INIT;
    CHECK_INT(report_index_get(&ix, "a", 1), -1);
    CHECK_INT(report_index_put(&ix, "engineering|dropbox", 19, 7), 0);
    CHECK_INT(report_index_put(&ix, "engineering|box", 15, 8), 0);
    CHECK_INT(report_index_get(&ix, "engineering|dropbox", 19), 7);
    CHECK_INT(report_index_get(&ix, "engineering|box", 15), 8);
    CHECK_INT(report_index_get(&ix, "engineering|bo", 14), -1);
    CHECK_INT(report_index_get(&ix, "", 0), -1);
    CHECK_INT(ix.count, 2);
    report_index_free(&ix);
}

TEST(replaces_a_value)
{
    struct report_index ix = REPORT_INDEX_INIT;
    CHECK_INT(report_index_put(&ix, "x", 1, 1), 0);
    CHECK_INT(report_index_put(&ix, "x", 1, 2), 0);
    CHECK_INT(report_index_get(&ix, "x", 1), 2);
    CHECK_INT(ix.count, 1);
    report_index_free(&ix);
}

TEST(keys_are_byte_ranges)
{
    /* A Redis field "dept|service|bytes_up" is looked up by its first part. */
    const char *field = "hr|gmail|bytes_up";
    struct report_index ix = REPORT_INDEX_INIT;
    CHECK_INT(report_index_put(&ix, field, 8, 3), 0);
    CHECK_INT(report_index_get(&ix, "hr|gmail", 8), 3);
    CHECK_INT(report_index_get(&ix, field, strlen(field)), -1);
    /* Embedded NULs are part of a key. */
    CHECK_INT(report_index_put(&ix, "a\0b", 3, 4), 0);
    CHECK_INT(report_index_get(&ix, "a\0c", 3), -1);
    CHECK_INT(report_index_get(&ix, "a\0b", 3), 4);
    report_index_free(&ix);
}

TEST(grows_to_many_keys)
{
    struct report_index ix = REPORT_INDEX_INIT;
    char key[64];
    for (long i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof(key), "dept-%ld|svc-%ld", i % 50, i);
        if (report_index_put(&ix, key, (size_t)n, i) != 0)
            break;
    }
    CHECK_INT(ix.count, 100000);
    CHECK(ix.cap >= 2 * ix.count);
    long wrong = 0;
    for (long i = 0; i < 100000; i++) {
        int n = snprintf(key, sizeof(key), "dept-%ld|svc-%ld", i % 50, i);
        wrong += report_index_get(&ix, key, (size_t)n) != i;
    }
    CHECK_INT(wrong, 0);
    CHECK_INT(report_index_get(&ix, "dept-0|svc-100000", 17), -1);
    report_index_free(&ix);
}

TEST(is_usable_after_free)
{
    struct report_index ix = REPORT_INDEX_INIT;
    CHECK_INT(report_index_put(&ix, "k", 1, 1), 0);
    report_index_free(&ix);
    CHECK_INT(ix.count, 0);
    CHECK_INT(report_index_get(&ix, "k", 1), -1);
    CHECK_INT(report_index_put(&ix, "k", 1, 5), 0);
    CHECK_INT(report_index_get(&ix, "k", 1), 5);
    report_index_free(&ix);
    report_index_free(NULL);
}

int main(void)
{
    RUN(finds_what_was_put);
    RUN(replaces_a_value);
    RUN(keys_are_byte_ranges);
    RUN(grows_to_many_keys);
    RUN(is_usable_after_free);
    return test_report();
}
