/*
 * test.h - the project's tiny test harness: one for all unit tests.
 *
 *     TEST(parses_a_prefix) { CHECK(netprefix_parse("10.0.0.0/8", &p, NULL)); ... }
 *     int main(void) { RUN(parses_a_prefix); return test_report(); }
 *
 * A failed CHECK prints file:line and the expression, marks the test failed and
 * carries on, so one run shows every failure.  test_report() prints a summary
 * and returns the process exit status (0 only when every check passed).
 */
#ifndef SHADOWTAP_TEST_H
#define SHADOWTAP_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int test_checks, test_failures, test_current_failed, test_count, test_failed_count;
static const char *test_current = "";

#define TEST(name) static void name(void)

#define RUN(name)                                                                                 \
    do {                                                                                          \
        test_current = #name;                                                                     \
        test_current_failed = 0;                                                                  \
        test_count++;                                                                             \
        name();                                                                                   \
        if (test_current_failed)                                                                  \
            test_failed_count++;                                                                  \
    } while (0)

#define TEST_FAIL_AT(file, line, ...)                                                             \
    do {                                                                                          \
        test_failures++;                                                                          \
        test_current_failed = 1;                                                                  \
        fprintf(stderr, "%s:%d: %s: ", file, line, test_current);                                 \
        fprintf(stderr, __VA_ARGS__);                                                             \
        fputc('\n', stderr);                                                                      \
    } while (0)

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        test_checks++;                                                                            \
        if (!(cond))                                                                              \
            TEST_FAIL_AT(__FILE__, __LINE__, "check failed: %s", #cond);                          \
    } while (0)

#define CHECK_INT(a, b)                                                                           \
    do {                                                                                          \
        long long test_a_ = (long long)(a), test_b_ = (long long)(b);                             \
        test_checks++;                                                                            \
        if (test_a_ != test_b_)                                                                   \
            TEST_FAIL_AT(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, test_a_, #b,  \
                         test_b_);                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                           \
    do {                                                                                          \
        const char *test_a_ = (a), *test_b_ = (b);                                                \
        test_checks++;                                                                            \
        if (!test_a_ || !test_b_ || strcmp(test_a_, test_b_) != 0)                                \
            TEST_FAIL_AT(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a,                 \
                         test_a_ ? test_a_ : "(null)", test_b_ ? test_b_ : "(null)");             \
    } while (0)

static inline int test_report(void)
{
    fprintf(stderr, "%d tests, %d checks, %d failed checks in %d tests\n", test_count,
            test_checks, test_failures, test_failed_count);
    return test_failures ? 1 : 0;
}

#endif
