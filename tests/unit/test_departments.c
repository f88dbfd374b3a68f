/*
 * test_departments.c - the departments file: good files, every error with its
 * file:line, longest-prefix department look-up across departments, the VLAN
 * fallback, unassigned traffic and internal ranges; then the shipped sample.
 */
#include "departments.h"

#include <stdlib.h>

#include "test.h"

#define NAME "dep.conf"

static struct departments *load(const char *text, struct diag *d)
{
    diag_init(d);
    return departments_load_buffer(NAME, text, strlen(text), d);
}

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

static int has_error(const struct diag *d, const char *prefix, const char *part)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0 &&
            strstr(d->messages[i], part))
            return 1;
    }
    return 0;
}

#define CHECK_ERROR(d, prefix, part)                                                              \
    do {                                                                                          \
        CHECK(has_error(d, prefix, part));                                                        \
        if (!has_error(d, prefix, part)) {                                                        \
            fprintf(stderr, "    wanted \"%s ...%s...\" among:\n", prefix, part);                 \
            dump(d);                                                                              \
        }                                                                                         \
    } while (0)

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* The id of the department of text/vlan, or "unassigned". */
static const char *dept_of(const struct departments *t, const char *text, uint16_t vlan)
{
    struct netaddr a = addr(text);
    int i = departments_lookup(t, &a, vlan);
    return i < 0 ? DEPARTMENT_UNASSIGNED : departments_get(t, i)->id;
}

static bool internal(const struct departments *t, const char *text)
{
    struct netaddr a = addr(text);
    return departments_is_internal(t, &a);
}

static const char good[] =
    "# the example office\n"                                     /* 1 */
    "internal = 10.0.0.0/8 192.168.0.0/16, fd00::/8\n"           /* 2 */
    "\n"                                                         /* 3 */
    "[it]\n"                                                     /* 4 */
    "name = IT and infrastructure\n"                             /* 5 */
    "networks = 10.0.0.0/16\n"                                   /* 6 */
    "\n"                                                         /* 7 */
    "[noc]\n"                                                    /* 8 */
    "name = Network operations\n"                                /* 9 */
    "networks = 10.0.5.0/24 10.0.5.128/25\n"                     /* 10: nested in it's /16 */
    "           2001:db8:5::/48\n"                               /* 11 */
    "vlans = 5\n"                                                /* 12 */
    "\n"                                                         /* 13 */
    "[lab]\n"                                                    /* 14 */
    "vlans = 160, 161 4094\n"                                    /* 15 */
    "\n"                                                         /* 16 */
    "[guest-wifi_2]\n"                                           /* 17 */
    "name = Guests\n"                                            /* 18 */
    "networks = 172.20.0.0/16\n"                                 /* 19: not in "internal" */
    "vlans = 1\n";                                               /* 20 */

TEST(parses_a_good_file)
{
    struct diag d;
    struct departments *t = load(good, &d);
    CHECK(t != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!t)
        return;
    CHECK_INT(departments_count(t), 4);
    CHECK_INT(departments_find(t, "it"), 0);
    CHECK_INT(departments_find(t, "noc"), 1);
    CHECK_INT(departments_find(t, "lab"), 2);
    CHECK_INT(departments_find(t, "guest-wifi_2"), 3);
    CHECK_INT(departments_find(t, "unassigned"), -1);
    CHECK_INT(departments_find(t, "IT"), -1);
    const struct department *dep = departments_get(t, 1);
    CHECK_STR(dep->id, "noc");
    CHECK_STR(dep->name, "Network operations");
    CHECK_INT(dep->line, 8);
    /* a department without a name is shown by its id */
    CHECK_STR(departments_get(t, 2)->name, "lab");
    CHECK(departments_get(t, -1) == NULL);
    CHECK(departments_get(t, 4) == NULL);
    departments_free(t);
    departments_free(NULL);
    diag_free(&d);
}

TEST(vlan_then_longest_prefix_then_unassigned)
{
    struct diag d;
    struct departments *t = load(good, &d);
    CHECK(t != NULL);
    if (!t)
        return;
    /* nested prefixes of two departments: the longest wins */
    CHECK_STR(dept_of(t, "10.0.1.1", 0), "it");
    CHECK_STR(dept_of(t, "10.0.5.1", 0), "noc");
    CHECK_STR(dept_of(t, "10.0.5.200", 0), "noc");
    CHECK_STR(dept_of(t, "10.0.6.1", 0), "it");
    CHECK_STR(dept_of(t, "10.0.255.255", 0), "it");
    CHECK_STR(dept_of(t, "2001:db8:5:1::9", 0), "noc");
    /* a listed VLAN wins over the prefix (docs/rules.md, precedence); an
     * unlisted one does not count */
    CHECK_STR(dept_of(t, "10.0.1.1", 160), "lab");
    CHECK_STR(dept_of(t, "10.0.5.1", 1), "guest-wifi_2");
    CHECK_STR(dept_of(t, "10.0.5.1", 3000), "noc");
    /* no prefix: the VLAN decides, if listed */
    CHECK_STR(dept_of(t, "10.9.9.9", 160), "lab");
    CHECK_STR(dept_of(t, "10.9.9.9", 161), "lab");
    CHECK_STR(dept_of(t, "10.9.9.9", 4094), "lab");
    CHECK_STR(dept_of(t, "203.0.113.9", 5), "noc");
    CHECK_STR(dept_of(t, "fd00:99::1", 1), "guest-wifi_2");
    /* untagged, unlisted or invalid VLANs: unassigned */
    CHECK_STR(dept_of(t, "10.9.9.9", 0), "unassigned");
    CHECK_STR(dept_of(t, "10.9.9.9", 162), "unassigned");
    CHECK_STR(dept_of(t, "10.9.9.9", 4095), "unassigned");
    CHECK_STR(dept_of(t, "10.9.9.9", 65535), "unassigned");
    CHECK_STR(dept_of(t, "2001:db8:6::1", 0), "unassigned");
    departments_free(t);
    diag_free(&d);
}

TEST(internal_ranges)
{
    struct diag d;
    struct departments *t = load(good, &d);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(internal(t, "10.200.0.1"));      /* "internal" */
    CHECK(internal(t, "192.168.77.1"));    /* "internal", after a comma */
    CHECK(internal(t, "fd12::1"));         /* "internal" IPv6 */
    CHECK(internal(t, "172.20.1.1"));      /* a department network only */
    CHECK(internal(t, "2001:db8:5::1"));   /* a department network only, IPv6 */
    CHECK(!internal(t, "172.21.0.1"));
    CHECK(!internal(t, "2001:db8:6::1"));
    CHECK(!internal(t, "8.8.8.8"));
    CHECK(!internal(t, "11.0.0.1"));
    CHECK(!internal(t, "fe80::1"));        /* private, but not listed */
    departments_free(t);
    diag_free(&d);
}

TEST(only_internal_or_only_vlans)
{
    struct diag d;
    struct departments *t = load("internal = 10.0.0.0/8\n[r]\nvlans = 7\n", &d);
    CHECK(t != NULL);
    CHECK_INT(d.errors, 0);
    if (t) {
        CHECK_STR(dept_of(t, "10.1.1.1", 7), "r");
        CHECK_STR(dept_of(t, "10.1.1.1", 0), "unassigned");
        CHECK(internal(t, "10.1.1.1"));
        departments_free(t);
    }
    diag_free(&d);
    /* a file with no departments at all is valid: everything is unassigned */
    t = load("# nothing yet\n", &d);
    CHECK(t != NULL);
    if (t) {
        CHECK_INT(departments_count(t), 0);
        CHECK_STR(dept_of(t, "10.1.1.1", 7), "unassigned");
        CHECK(!internal(t, "10.1.1.1"));
        departments_free(t);
    }
    diag_free(&d);
}

static void expect_error(const char *text, const char *prefix, const char *part)
{
    struct diag d;
    struct departments *t = load(text, &d);
    CHECK(t == NULL);
    departments_free(t);
    CHECK_ERROR(&d, prefix, part);
    diag_free(&d);
}

TEST(each_error_with_its_position)
{
    /* bad CIDR, with the reason */
    expect_error("[a]\nnetworks = 10.1.0.1/16\n", NAME ":2: ",
                 "\"10.1.0.1/16\" is not a CIDR prefix (address has bits set beyond the prefix "
                 "length; expected like 10.1.0.0/16 or fd00:1::/48)");
    expect_error("[a]\nnetworks = 10.1.0.0/16\n  10.2.0/16\n", NAME ":2: ",
                 "\"10.2.0/16\" is not a CIDR prefix (not an IPv4 or IPv6 address;");
    expect_error("[a]\nnetworks = 10.1.0.0/33\n", NAME ":2: ", "IPv4 prefix length is above 32");
    expect_error("internal = 10.0.0.0/8 172.16.0.1/12\n[a]\nvlans = 3\n", NAME ":1: ",
                 "\"172.16.0.1/12\" is not a CIDR prefix");
    /* the same network claimed by two departments */
    expect_error("[a]\nnetworks = 10.1.0.0/16\n\n[b]\nnetworks = 10.2.0.0/16 10.1.0.0/16\n",
                 NAME ":5: ", "network 10.1.0.0/16 already belongs to \"a\" (line 1)");
    expect_error("[a]\nnetworks = fd00:1::/48\n[b]\nnetworks = fd00:1:0::/48\n", NAME ":4: ",
                 "already belongs to \"a\"");
    /* VLAN out of range or not a number */
    expect_error("[a]\nvlans = 0\n", NAME ":2: ", "\"0\" is not a VLAN id (1 to 4094)");
    expect_error("[a]\nvlans = 4095\n", NAME ":2: ", "\"4095\" is not a VLAN id (1 to 4094)");
    expect_error("[a]\nvlans = 99999999999999999999\n", NAME ":2: ", "is not a VLAN id");
    expect_error("[a]\nvlans = 12 -3\n", NAME ":2: ", "\"-3\" is not a VLAN id");
    expect_error("[a]\nvlans = ten\n", NAME ":2: ", "\"ten\" is not a VLAN id");
    expect_error("[a]\nvlans = 1.5\n", NAME ":2: ", "\"1.5\" is not a VLAN id");
    /* a VLAN claimed twice */
    expect_error("[a]\nvlans = 10\n[b]\nvlans = 11 10\n", NAME ":4: ",
                 "VLAN 10 already belongs to \"a\" (line 1)");
    /* unknown keys, in a department and before the first */
    expect_error("[a]\nvlans = 10\nfloor = 3\n", NAME ":3: ",
                 "unknown key \"floor\" (expected name, networks or vlans)");
    expect_error("internal = 10.0.0.0/8\nnetworks = 10.0.0.0/8\n[a]\nvlans = 3\n", NAME ":2: ",
                 "unknown key \"networks\" before the first [department]");
    /* the reserved id */
    expect_error("[unassigned]\nvlans = 3\n", NAME ":1: ",
                 "\"unassigned\" is reserved for traffic from no listed range");
    /* bad ids */
    expect_error("[Sales]\nvlans = 3\n", NAME ":1: ", "\"Sales\" is not a department id");
    expect_error("[-x]\nvlans = 3\n", NAME ":1: ", "\"-x\" is not a department id");
    expect_error("[a.b]\nvlans = 3\n", NAME ":1: ", "\"a.b\" is not a department id");
    /* defined twice */
    expect_error("[a]\nvlans = 3\n[a]\nvlans = 4\n", NAME ":3: ",
                 "department \"a\" is defined twice (first at line 1)");
    /* a department with neither networks nor vlans, reported at its header */
    expect_error("[a]\nname = Nothing\n\n[b]\nvlans = 3\n", NAME ":1: ",
                 "department \"a\" has neither \"networks\" nor \"vlans\"");
    expect_error("[b]\nvlans = 3\n[last]\nname = Last\n", NAME ":3: ",
                 "department \"last\" has neither");
    expect_error("[a]\nnetworks =\n", NAME ":1: ", "department \"a\" has neither");
    /* name given twice, or empty */
    expect_error("[a]\nname = A\nname = B\nvlans = 3\n", NAME ":3: ", "\"name\" given twice");
    expect_error("[a]\nname =\nvlans = 3\n", NAME ":2: ", "\"name\" is empty");
}

TEST(several_errors_in_one_file)
{
    static const char text[] = "internal = 10.0.0.0/8\n"       /* 1 */
                               "[a]\n"                         /* 2 */
                               "networks = 10.1.0.0/16\n"      /* 3 */
                               "vlans = 10\n"                  /* 4 */
                               "[b]\n"                         /* 5 */
                               "networks = 10.1.0.0/16\n"      /* 6: a's */
                               "vlans = 10 5000\n"             /* 7: a's, out of range */
                               "colour = red\n"                /* 8 */
                               "[unassigned]\n"                /* 9 */
                               "vlans = 11\n"                  /* 10: ignored */
                               "[c]\n"                         /* 11: nothing */
                               "[d]\n"                         /* 12 */
                               "networks = 10.3.0.1/16\n";     /* 13 */
    struct diag d;
    struct departments *t = load(text, &d);
    CHECK(t == NULL);
    CHECK_ERROR(&d, NAME ":6: ", "already belongs to \"a\"");
    CHECK_ERROR(&d, NAME ":7: ", "VLAN 10 already belongs to \"a\"");
    CHECK_ERROR(&d, NAME ":7: ", "\"5000\" is not a VLAN id");
    CHECK_ERROR(&d, NAME ":8: ", "unknown key \"colour\"");
    CHECK_ERROR(&d, NAME ":9: ", "reserved");
    CHECK_ERROR(&d, NAME ":11: ", "has neither");
    CHECK_ERROR(&d, NAME ":13: ", "not a CIDR prefix");
    CHECK_INT(d.errors, 7);
    if (d.errors != 7)
        dump(&d);
    diag_free(&d);
}

TEST(shipped_sample)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    CHECK(src != NULL);
    char path[4096];
    snprintf(path, sizeof(path), "%s/rules/departments.conf", src ? src : ".");
    struct diag d;
    diag_init(&d);
    struct departments *t = departments_load(path, &d);
    CHECK(t != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (t) {
        CHECK_STR(dept_of(t, "10.10.1.5", 0), "engineering");
        CHECK_STR(dept_of(t, "fd00:20::1", 0), "sales");
        CHECK_STR(dept_of(t, "10.0.0.7", 0), "it");
        CHECK_STR(dept_of(t, "172.16.9.9", 160), "research");
        CHECK_STR(dept_of(t, "172.16.9.9", 0), "unassigned");
        CHECK(internal(t, "172.16.9.9"));
        CHECK(!internal(t, "8.8.8.8"));
        departments_free(t);
    }
    diag_free(&d);
}

int main(void)
{
    RUN(parses_a_good_file);
    RUN(vlan_then_longest_prefix_then_unassigned);
    RUN(internal_ranges);
    RUN(only_internal_or_only_vlans);
    RUN(each_error_with_its_position);
    RUN(several_errors_in_one_file);
    RUN(shipped_sample);
    return test_report();
}
