/*
 * test_netaddr.c - addresses and prefixes in the 128-bit form: parsing,
 * RFC 5952 formatting, prefix lengths and host bits, containment, and the
 * private ranges with their neighbours just outside.
 */
#include "netaddr.h"

#include <stdlib.h>

#include "test.h"

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a)) {
        fprintf(stderr, "bad address in test: %s\n", text);
        abort();
    }
    return a;
}

static const char *fmt(const char *text)
{
    static char buf[NETADDR_STRLEN];
    struct netaddr a = addr(text);
    return netaddr_format(&a, buf, sizeof(buf));
}

static struct netprefix prefix(const char *text)
{
    struct netprefix p;
    const char *why = NULL;
    if (!netprefix_parse(text, &p, &why)) {
        fprintf(stderr, "bad prefix in test: %s (%s)\n", text, why ? why : "?");
        abort();
    }
    return p;
}

static const char *pfmt(const char *text)
{
    static char buf[NETADDR_STRLEN + 8];
    struct netprefix p = prefix(text);
    return netprefix_format(&p, buf, sizeof(buf));
}

TEST(parse_ipv4)
{
    struct netaddr a;
    CHECK(netaddr_parse("192.0.2.1", &a));
    CHECK(netaddr_is_v4(&a));
    static const uint8_t want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
    CHECK(memcmp(a.b, want, 16) == 0);
    CHECK(netaddr_parse("0.0.0.0", &a));
    CHECK(netaddr_is_v4(&a));
    CHECK(netaddr_parse("255.255.255.255", &a));
    CHECK(a.b[15] == 255 && a.b[12] == 255);

    uint8_t v4[4] = {10, 1, 2, 3};
    struct netaddr b;
    netaddr_from_v4(&b, v4);
    a = addr("10.1.2.3");
    CHECK_INT(netaddr_cmp(&a, &b), 0);

    static const char *const bad[] = {"",          "1.2.3",       "1.2.3.4.5",   "256.0.0.1",
                                      "1.2.3.-1",  "01.2.3.4",    "1.2.3.4 ",    " 1.2.3.4",
                                      "1.2.3.4/8", "a.b.c.d",     "1..2.3",      "1.2.3.0x1",
                                      "localhost", "1.2.3.4:80",  "999.999.999.999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (netaddr_parse(bad[i], &a)) {
            CHECK(!"accepted a bad IPv4 address");
            fprintf(stderr, "    \"%s\"\n", bad[i]);
        }
    }
}

TEST(parse_ipv6)
{
    struct netaddr a;
    CHECK(netaddr_parse("2001:db8::1", &a));
    CHECK(!netaddr_is_v4(&a));
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    CHECK(memcmp(a.b, want, 16) == 0);
    CHECK(netaddr_parse("::", &a));
    CHECK(netaddr_parse("::1", &a));
    CHECK(netaddr_parse("FE80::ABCD", &a));
    CHECK(netaddr_parse("2001:0db8:0000:0000:0000:0000:0000:0001", &a));
    CHECK(memcmp(a.b, want, 16) == 0);

    /* an IPv4-mapped IPv6 address is the same value as the IPv4 address */
    struct netaddr m = addr("::ffff:192.0.2.1"), v = addr("192.0.2.1");
    CHECK_INT(netaddr_cmp(&m, &v), 0);
    CHECK(netaddr_is_v4(&m));

    uint8_t raw[16];
    memcpy(raw, want, 16);
    struct netaddr b;
    netaddr_from_v6(&b, raw);
    a = addr("2001:db8::1");
    CHECK_INT(netaddr_cmp(&a, &b), 0);

    static const char *const bad[] = {"",       ":",          ":::",          "1::2::3",
                                      "12345::", "g::1",      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
                                      "[::1]",  "::1/128",    "::1 ",         "fe80::1%eth0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (netaddr_parse(bad[i], &a)) {
            CHECK(!"accepted a bad IPv6 address");
            fprintf(stderr, "    \"%s\"\n", bad[i]);
        }
    }
}

TEST(compare)
{
    struct netaddr a = addr("10.0.0.1"), b = addr("10.0.0.2"), c = addr("::1");
    CHECK(netaddr_cmp(&a, &b) < 0);
    CHECK(netaddr_cmp(&b, &a) > 0);
    CHECK(netaddr_cmp(&c, &a) < 0); /* ::1 sorts before the mapped range */
}

TEST(format_ipv4)
{
    CHECK_STR(fmt("192.0.2.1"), "192.0.2.1");
    CHECK_STR(fmt("0.0.0.0"), "0.0.0.0");
    CHECK_STR(fmt("255.255.255.255"), "255.255.255.255");
    CHECK_STR(fmt("::ffff:10.1.2.3"), "10.1.2.3");
    CHECK_STR(fmt("::ffff:a01:203"), "10.1.2.3");
}

TEST(format_ipv6_rfc5952)
{
    /* 4.1: no leading zeros; 4.3: lower case */
    CHECK_STR(fmt("2001:0DB8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
    CHECK_STR(fmt("ABCD:EF01:2345:6789:ABCD:EF01:2345:6789"), "abcd:ef01:2345:6789:abcd:ef01:2345:6789");
    /* 4.2.1: shorten as much as possible */
    CHECK_STR(fmt("2001:db8:0:0:0:0:2:1"), "2001:db8::2:1");
    /* 4.2.2: never "::" for a single zero group */
    CHECK_STR(fmt("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
    CHECK_STR(fmt("2001:0:0:1:0:1:1:1"), "2001::1:0:1:1:1");
    /* 4.2.3: the longest run; the first of equal runs */
    CHECK_STR(fmt("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
    CHECK_STR(fmt("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    CHECK_STR(fmt("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");
    /* runs at either end, and everything zero */
    CHECK_STR(fmt("::"), "::");
    CHECK_STR(fmt("::1"), "::1");
    CHECK_STR(fmt("1::"), "1::");
    CHECK_STR(fmt("0:0:0:0:0:0:1:0"), "::1:0");
    CHECK_STR(fmt("0:0:1:0:0:0:0:0"), "0:0:1::");
    CHECK_STR(fmt("fe80::1:2"), "fe80::1:2");
    /* no IPv4 dotted quad except for mapped addresses (section 5) */
    CHECK_STR(fmt("::1:2"), "::1:2");
    CHECK_STR(fmt("::102:304"), "::102:304");
    CHECK_STR(fmt("64:ff9b::102:304"), "64:ff9b::102:304");
    CHECK_STR(fmt("::fffe:102:304"), "::fffe:102:304");
    CHECK_STR(fmt("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(format_round_trip_of_random_addresses)
{
    srand(5952);
    for (int i = 0; i < 20000; i++) {
        struct netaddr a;
        for (int j = 0; j < 16; j++) {
            /* plenty of zero groups, so the "::" logic is exercised */
            a.b[j] = (rand() % 3 == 0) ? (uint8_t)rand() : 0;
        }
        if (i % 5 == 0) {
            memset(a.b, 0, 10);
            a.b[10] = a.b[11] = 0xff;
        }
        char buf[NETADDR_STRLEN];
        netaddr_format(&a, buf, sizeof(buf));
        struct netaddr back;
        if (!netaddr_parse(buf, &back) || netaddr_cmp(&a, &back) != 0) {
            CHECK(!"formatted address does not parse back to itself");
            fprintf(stderr, "    %s\n", buf);
            break;
        }
        /* RFC 5952: lower case, no "::" for a single group, no leading zero */
        for (const char *p = buf; *p; p++) {
            if (*p >= 'A' && *p <= 'F') {
                CHECK(!"upper-case hex");
                break;
            }
        }
        CHECK(strstr(buf, ":::") == NULL);
        CHECK(netaddr_is_v4(&a) ? strchr(buf, ':') == NULL : strchr(buf, '.') == NULL);
    }
}

TEST(format_into_a_short_buffer)
{
    struct netaddr a = addr("2001:db8:1:2:3:4:5:6");
    char small[8] = "garbage";
    netaddr_format(&a, small, sizeof(small));
    CHECK(memchr(small, '\0', sizeof(small)) != NULL);
    struct netaddr b = addr("203.0.113.200");
    netaddr_format(&b, small, sizeof(small));
    CHECK(memchr(small, '\0', sizeof(small)) != NULL);
}

TEST(prefixes)
{
    struct netprefix p = prefix("10.0.0.0/8");
    CHECK_INT(p.len, 104);
    CHECK(netaddr_is_v4(&p.addr));
    CHECK_STR(pfmt("10.0.0.0/8"), "10.0.0.0/8");
    CHECK_STR(pfmt("0.0.0.0/0"), "0.0.0.0/0");
    CHECK_INT(prefix("0.0.0.0/0").len, 96);
    CHECK_STR(pfmt("192.0.2.1/32"), "192.0.2.1/32");
    CHECK_INT(prefix("192.0.2.1/32").len, 128);
    CHECK_STR(pfmt("192.0.2.1"), "192.0.2.1/32"); /* a bare address is a host prefix */
    CHECK_STR(pfmt("::/0"), "::/0");
    CHECK_INT(prefix("::/0").len, 0);
    CHECK_STR(pfmt("2001:db8::/32"), "2001:db8::/32");
    CHECK_STR(pfmt("2001:DB8::1/128"), "2001:db8::1/128");
    CHECK_STR(pfmt("2001:db8::1"), "2001:db8::1/128");
    CHECK_STR(pfmt("fc00::/7"), "fc00::/7");
    CHECK_STR(pfmt("172.16.0.0/12"), "172.16.0.0/12");
    CHECK_STR(pfmt("10.255.255.254/31"), "10.255.255.254/31");
    CHECK_STR(pfmt("2001:db8::/127"), "2001:db8::/127");
    /* an IPv6 prefix over the mapped range counts all 128 bits */
    CHECK_INT(prefix("::ffff:10.0.0.0/104").len, 104);
    CHECK_STR(pfmt("::ffff:10.0.0.0/104"), "10.0.0.0/8");
}

TEST(fd00_slash_7_has_host_bits)
{
    /* fd00:: has bit 7 set, which a /7 does not cover */
    struct netprefix p;
    const char *why = NULL;
    CHECK(!netprefix_parse("fd00::/7", &p, &why));
    CHECK(why != NULL);
    CHECK(netprefix_parse("fd00::/8", &p, &why));
}

static void expect_bad_prefix(const char *text, const char *reason)
{
    struct netprefix p;
    const char *why = NULL;
    memset(&p, 0xab, sizeof(p));
    bool ok = netprefix_parse(text, &p, &why);
    if (ok) {
        CHECK(!"accepted a bad prefix");
        fprintf(stderr, "    \"%s\"\n", text);
        return;
    }
    if (!why || strcmp(why, reason) != 0) {
        CHECK(!"wrong reason for a bad prefix");
        fprintf(stderr, "    \"%s\": \"%s\", expected \"%s\"\n", text, why ? why : "(null)",
                reason);
    }
    /* NULL for why is allowed */
    CHECK(!netprefix_parse(text, &p, NULL));
}

TEST(bad_prefixes_with_reasons)
{
    static const char host_bits[] = "address has bits set beyond the prefix length";
    expect_bad_prefix("10.0.0.1/8", host_bits);
    expect_bad_prefix("11.0.0.0/7", host_bits);
    expect_bad_prefix("192.168.1.0/16", host_bits);
    expect_bad_prefix("0.0.0.1/0", host_bits);
    expect_bad_prefix("10.0.0.3/31", host_bits);
    expect_bad_prefix("2001:db8::1/64", host_bits);
    expect_bad_prefix("::1/0", host_bits);
    expect_bad_prefix("2001:db8::1/127", host_bits);
    expect_bad_prefix("ffff::/15", host_bits);
    expect_bad_prefix("10.0.0.0/33", "IPv4 prefix length is above 32");
    expect_bad_prefix("10.0.0.0/999", "IPv4 prefix length is above 32");
    expect_bad_prefix("2001:db8::/129", "IPv6 prefix length is above 128");
    expect_bad_prefix("10.0.0.0/", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/-1", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/+8", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/8x", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/0008", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/ 8", "prefix length is not a number");
    expect_bad_prefix("10.0.0.0/8/8", "prefix length is not a number");
    expect_bad_prefix("10.0.0/8", "not an IPv4 or IPv6 address");
    expect_bad_prefix("10.0.0.0.0/8", "not an IPv4 or IPv6 address");
    expect_bad_prefix("example.com/8", "not an IPv4 or IPv6 address");
    expect_bad_prefix("/8", "not an address");
    expect_bad_prefix("", "not an address");
    char longer[200];
    memset(longer, '1', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    expect_bad_prefix(longer, "not an address");
}

TEST(contains)
{
    struct netprefix p = prefix("10.20.0.0/16");
    struct netaddr in = addr("10.20.255.255"), in2 = addr("10.20.0.0"), out = addr("10.21.0.0"),
                   out2 = addr("10.19.255.255");
    CHECK(netprefix_contains(&p, &in));
    CHECK(netprefix_contains(&p, &in2));
    CHECK(!netprefix_contains(&p, &out));
    CHECK(!netprefix_contains(&p, &out2));

    /* prefix lengths that are not multiples of 8 */
    p = prefix("172.16.0.0/12");
    struct netaddr a = addr("172.31.255.255"), b = addr("172.32.0.0"), c = addr("172.15.255.255");
    CHECK(netprefix_contains(&p, &a));
    CHECK(!netprefix_contains(&p, &b));
    CHECK(!netprefix_contains(&p, &c));

    /* /0 of each family */
    struct netprefix all4 = prefix("0.0.0.0/0"), all6 = prefix("::/0");
    struct netaddr v4 = addr("203.0.113.9"), v6 = addr("2001:db8::9");
    CHECK(netprefix_contains(&all4, &v4));
    CHECK(!netprefix_contains(&all4, &v6)); /* 0.0.0.0/0 is IPv4 only */
    CHECK(netprefix_contains(&all6, &v6));
    CHECK(netprefix_contains(&all6, &v4)); /* ::/0 covers the mapped range too */

    /* host prefixes */
    struct netprefix h4 = prefix("192.0.2.7/32"), h6 = prefix("2001:db8::7/128");
    struct netaddr e4 = addr("192.0.2.7"), n4 = addr("192.0.2.6"), e6 = addr("2001:db8::7"),
                   n6 = addr("2001:db8::6");
    CHECK(netprefix_contains(&h4, &e4));
    CHECK(!netprefix_contains(&h4, &n4));
    CHECK(netprefix_contains(&h6, &e6));
    CHECK(!netprefix_contains(&h6, &n6));

    /* IPv6 with an odd length */
    struct netprefix p6 = prefix("2001:db8:8000::/33");
    struct netaddr y = addr("2001:db8:ffff::1"), z = addr("2001:db8:7fff::1");
    CHECK(netprefix_contains(&p6, &y));
    CHECK(!netprefix_contains(&p6, &z));

    /* a mapped v4 address is not inside an IPv6 prefix of other space */
    struct netprefix doc = prefix("2001:db8::/32");
    CHECK(!netprefix_contains(&doc, &v4));
}

TEST(contains_agrees_with_a_bitwise_reference)
{
    srand(42);
    for (int i = 0; i < 20000; i++) {
        struct netaddr a, b;
        for (int j = 0; j < 16; j++)
            a.b[j] = (uint8_t)rand();
        b = a;
        unsigned len = (unsigned)rand() % 129;
        /* flip one bit somewhere, sometimes */
        unsigned flip = (unsigned)rand() % 160;
        if (flip < 128)
            b.b[flip / 8] ^= (uint8_t)(0x80 >> (flip % 8));
        struct netprefix p;
        p.addr = a;
        p.len = (uint8_t)len;
        for (unsigned bit = len; bit < 128; bit++)
            p.addr.b[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
        bool want = flip >= 128 || flip >= len;
        if (netprefix_contains(&p, &b) != want) {
            CHECK(!"netprefix_contains disagrees with the reference");
            fprintf(stderr, "    len=%u flip=%u\n", len, flip);
            break;
        }
    }
}

struct private_case {
    const char *addr;
    bool private_;
};

TEST(private_ranges_and_just_outside)
{
    static const struct private_case cases[] = {
        /* RFC 1918 */
        {"10.0.0.0", true},
        {"10.255.255.255", true},
        {"9.255.255.255", false},
        {"11.0.0.0", false},
        {"172.16.0.0", true},
        {"172.31.255.255", true},
        {"172.15.255.255", false},
        {"172.32.0.0", false},
        {"192.168.0.0", true},
        {"192.168.255.255", true},
        {"192.167.255.255", false},
        {"192.169.0.0", false},
        /* loopback */
        {"127.0.0.1", true},
        {"127.255.255.255", true},
        {"126.255.255.255", false},
        {"128.0.0.0", false},
        /* link-local */
        {"169.254.0.0", true},
        {"169.254.255.255", true},
        {"169.253.255.255", false},
        {"169.255.0.0", false},
        /* CGNAT 100.64.0.0/10 */
        {"100.64.0.0", true},
        {"100.127.255.255", true},
        {"100.63.255.255", false},
        {"100.128.0.0", false},
        /* multicast, reserved and broadcast */
        {"224.0.0.1", true},
        {"239.255.255.255", true},
        {"223.255.255.255", false},
        {"255.255.255.255", true},
        /* unspecified and "this network" */
        {"0.0.0.0", true},
        {"0.255.255.255", true},
        {"1.0.0.0", false},
        /* ordinary public addresses */
        {"8.8.8.8", false},
        {"203.0.113.1", false},
        /* IPv6: unspecified and loopback */
        {"::", true},
        {"::1", true},
        {"::2", false},
        /* ULA fc00::/7 */
        {"fc00::", true},
        {"fd00::1", true},
        {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
        {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        {"fe00::", false},
        /* link-local fe80::/10 */
        {"fe80::", true},
        {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
        {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        {"fec0::", false},
        /* multicast ff00::/8 */
        {"ff02::1", true},
        {"ff00::", true},
        {"feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false},
        /* public IPv6 */
        {"2001:4860:4860::8888", false},
        {"2606:4700::1111", false},
        /* mapped private v4 through the IPv6 spelling */
        {"::ffff:10.1.1.1", true},
        {"::ffff:8.8.8.8", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netaddr a = addr(cases[i].addr);
        if (netaddr_is_private(&a) != cases[i].private_) {
            CHECK(!"netaddr_is_private is wrong");
            fprintf(stderr, "    %s should be %s\n", cases[i].addr,
                    cases[i].private_ ? "private" : "public");
        }
    }
}

int main(void)
{
    RUN(parse_ipv4);
    RUN(parse_ipv6);
    RUN(compare);
    RUN(format_ipv4);
    RUN(format_ipv6_rfc5952);
    RUN(format_round_trip_of_random_addresses);
    RUN(format_into_a_short_buffer);
    RUN(prefixes);
    RUN(fd00_slash_7_has_host_bits);
    RUN(bad_prefixes_with_reasons);
    RUN(contains);
    RUN(contains_agrees_with_a_bitwise_reference);
    RUN(private_ranges_and_just_outside);
    return test_report();
}
