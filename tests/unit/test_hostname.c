/*
 * test_hostname.c - host names from the wire: lower-casing, the trailing dot,
 * an HTTP ":port", the character set, label and name limits, and the bound on
 * the output buffer.
 */
#include "hostname.h"

#include <stdlib.h>

#include "test.h"

static char out[HOSTNAME_MAX + 16];

/* Normalizes a C string into out; returns out ("" on rejection). */
static const char *norm(const char *in)
{
    memset(out, 'Z', sizeof(out));
    size_t n = hostname_normalize(in, strlen(in), out, sizeof(out));
    if (n != strlen(out)) {
        CHECK(!"returned length differs from the string written");
        fprintf(stderr, "    \"%s\": returned %zu, wrote \"%s\"\n", in, n, out);
    }
    return out;
}

TEST(accepts_and_lower_cases)
{
    CHECK_STR(norm("example.com"), "example.com");
    CHECK_STR(norm("WWW.Example.COM"), "www.example.com");
    CHECK_STR(norm("a"), "a");
    CHECK_STR(norm("localhost"), "localhost");
    CHECK_STR(norm("xn--bcher-kva.example"), "xn--bcher-kva.example");
    CHECK_STR(norm("_dmarc.example.com"), "_dmarc.example.com");
    CHECK_STR(norm("s3.eu-west-1.amazonaws.com"), "s3.eu-west-1.amazonaws.com");
    CHECK_STR(norm("0123456789.example"), "0123456789.example");
    CHECK_STR(norm("192.0.2.1"), "192.0.2.1"); /* an IPv4 literal is made of allowed characters */
}

TEST(strips_trailing_dot_and_port)
{
    CHECK_STR(norm("example.com."), "example.com");
    CHECK_STR(norm("example.com:443"), "example.com");
    CHECK_STR(norm("Example.com.:8080"), "example.com");
    CHECK_STR(norm("example.com:"), "example.com");
}

TEST(rejects)
{
    static const char *const bad[] = {
        "",              ".",              "..",             ".example.com",
        "example..com",  "example.com..",  "a b.com",        "exa mple.com",
        "ex\"ample.com", "ex/ample.com",   "example.com/x",  "ex%41mple.com",
        "exämple.com",   "ex\\ample.com",  "ex*ample.com",   "[::1]:443",
        "[2001:db8::1]", ":443",           "example.com\t",  "example.com\r\n",
        "ex;ample.com",  "<script>.com",   "example.com%00", "*.example.com",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(out, 'Z', sizeof(out));
        size_t n = hostname_normalize(bad[i], strlen(bad[i]), out, sizeof(out));
        if (n != 0 || out[0] != '\0') {
            CHECK(!"accepted a bad host name");
            fprintf(stderr, "    \"%s\" -> %zu \"%s\"\n", bad[i], n, out);
        }
    }
}

TEST(embedded_nul_and_control_bytes)
{
    static const char with_nul[] = "example\0.com";
    memset(out, 'Z', sizeof(out));
    CHECK_INT(hostname_normalize(with_nul, sizeof(with_nul) - 1, out, sizeof(out)), 0);
    CHECK_STR(out, "");
    static const char ctl[] = "exa\001mple.com";
    CHECK_INT(hostname_normalize(ctl, sizeof(ctl) - 1, out, sizeof(out)), 0);
    static const char high[] = "exa\xffmple.com";
    CHECK_INT(hostname_normalize(high, sizeof(high) - 1, out, sizeof(out)), 0);
}

TEST(reads_only_len_bytes)
{
    /* The input need not be NUL-terminated: only len bytes are read. */
    char *buf = malloc(11);
    memcpy(buf, "Example.Co", 10);
    buf[10] = '!'; /* beyond len: must be ignored */
    memset(out, 'Z', sizeof(out));
    CHECK_INT(hostname_normalize(buf, 10, out, sizeof(out)), 10);
    CHECK_STR(out, "example.co");
    CHECK_INT(hostname_normalize(buf, 0, out, sizeof(out)), 0);
    CHECK_STR(out, "");
    free(buf);
}

TEST(label_and_name_limits)
{
    char in[400];
    /* a label of 63 is allowed, 64 is not */
    memset(in, 'a', 63);
    strcpy(in + 63, ".com");
    CHECK_INT(strlen(norm(in)), 67);
    memset(in, 'a', 64);
    strcpy(in + 64, ".com");
    CHECK_STR(norm(in), "");
    /* a last label of 64 too */
    strcpy(in, "x.");
    memset(in + 2, 'b', 64);
    in[66] = '\0';
    CHECK_STR(norm(in), "");

    /* a name of 253 is allowed, 254 is not (labels of 49 + dots) */
    size_t n = 0;
    while (n < 253) {
        size_t label = 253 - n >= 50 ? 49 : 253 - n;
        memset(in + n, 'c', label);
        n += label;
        if (n < 253)
            in[n++] = '.';
    }
    in[n] = '\0';
    CHECK_INT(strlen(in), 253);
    CHECK_INT(strlen(norm(in)), 253);
    /* ... with a trailing dot it is still 253 */
    in[253] = '.';
    in[254] = '\0';
    CHECK_INT(strlen(norm(in)), 253);
    in[253] = 'c';
    CHECK_STR(norm(in), "");
}

TEST(output_buffer_bound)
{
    char small[8];
    memset(small, 'Z', sizeof(small));
    CHECK_INT(hostname_normalize("abcdefg", 7, small, sizeof(small)), 7);
    CHECK_STR(small, "abcdefg");
    memset(small, 'Z', sizeof(small));
    CHECK_INT(hostname_normalize("abcdefgh", 8, small, sizeof(small)), 0);
    CHECK_STR(small, "");
    /* a port does not count against the buffer */
    CHECK_INT(hostname_normalize("abc.de:443", 10, small, sizeof(small)), 6);
    CHECK_STR(small, "abc.de");
    /* outsz 0 writes nothing at all */
    char none = 'Z';
    CHECK_INT(hostname_normalize("abc", 3, &none, 0), 0);
    CHECK_INT(none, 'Z');
    /* a rejected name leaves an empty string even after a partial copy */
    memset(out, 'Z', sizeof(out));
    CHECK_INT(hostname_normalize("good.prefix.bad!", 16, out, sizeof(out)), 0);
    CHECK_STR(out, "");
}

int main(void)
{
    RUN(accepts_and_lower_cases);
    RUN(strips_trailing_dot_and_port);
    RUN(rejects);
    RUN(embedded_nul_and_control_bytes);
    RUN(reads_only_len_bytes);
    RUN(label_and_name_limits);
    RUN(output_buffer_bound);
    return test_report();
}
