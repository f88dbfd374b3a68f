/*
 * test_macaddr.c - MACs and MAC prefixes: both separators, any case, one to six
 * octets; and everything else refused with the output left zero.
 */
#include "macaddr.h"

#include "test.h"

static int parse(const char *s, uint8_t out[MACADDR_LEN])
{
    return macaddr_parse_prefix(s, out);
}

TEST(parses_macs_and_prefixes)
{
    uint8_t m[MACADDR_LEN];
    static const uint8_t full[MACADDR_LEN] = {0x00, 0x1b, 0x63, 0x84, 0x45, 0xe6};
    CHECK_INT(parse("00:1b:63:84:45:e6", m), 6);
    CHECK(memcmp(m, full, 6) == 0);
    CHECK_INT(parse("00-1B-63-84-45-E6", m), 6);
    CHECK(memcmp(m, full, 6) == 0);
    CHECK_INT(parse("00:1B:63:84:45:e6", m), 6);
    CHECK(memcmp(m, full, 6) == 0);
    CHECK_INT(parse("00:1b:63", m), 3);
    CHECK(memcmp(m, full, 3) == 0 && m[3] == 0 && m[4] == 0 && m[5] == 0);
    CHECK_INT(parse("fF", m), 1);
    CHECK_INT(m[0], 0xff);
    CHECK_INT(parse("aa-bb-cc-dd-ee", m), 5);
    CHECK_INT(m[4], 0xee);
}

TEST(refuses_everything_else)
{
    static const char *const bad[] = {
        "",
        ":",
        "0",
        "0:1b:63",              /* one-digit octet */
        "000:1b",               /* three digits */
        "00:1b:",               /* trailing separator */
        ":00:1b",               /* leading separator */
        "00::1b",               /* empty octet */
        "00:1b-63",             /* mixed separators */
        "00.1b.63",             /* other separator */
        "001b.6384.45e6",       /* Cisco dots */
        "001b638445e6",         /* no separators */
        "00:1b:63:84:45:e6:01", /* seven octets */
        "00:1g:63",             /* not hex */
        "00:1b:63 ",            /* trailing space */
        "fd00::1",              /* an IPv6 address */
        "10.0.0.1",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t m[MACADDR_LEN] = {1, 2, 3, 4, 5, 6};
        int n = parse(bad[i], m);
        CHECK_INT(n, 0);
        if (n != 0)
            fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
        static const uint8_t zero[MACADDR_LEN];
        CHECK(memcmp(m, zero, MACADDR_LEN) == 0);
    }
}

int main(void)
{
    RUN(parses_macs_and_prefixes);
    RUN(refuses_everything_else);
    return test_report();
}
