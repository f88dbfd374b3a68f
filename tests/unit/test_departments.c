/*
 * test_departments.c - the departments file: good files, every error with its
 * file:line, longest-prefix department look-up across departments, the VLAN
 * fallback, unassigned traffic and internal ranges; device rules (MACs and
 * MAC prefixes, DHCP host-name patterns) with their precedence and errors,
 * none of which quotes a MAC or a pattern; then the shipped sample.
 */
#include "departments.h"

#include <stdlib.h>

#include "macaddr.h"
#include "tally.h"
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
                 "unknown key \"floor\" (expected name, networks, vlans, macs or dhcp_names)");
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
                 "department \"a\" has none of \"networks\", \"vlans\", \"macs\" or "
                 "\"dhcp_names\"");
    expect_error("[b]\nvlans = 3\n[last]\nname = Last\n", NAME ":3: ",
                 "department \"last\" has none of");
    expect_error("[a]\nnetworks =\n", NAME ":1: ", "department \"a\" has none of");
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
    CHECK_ERROR(&d, NAME ":11: ", "has none of");
    CHECK_ERROR(&d, NAME ":13: ", "not a CIDR prefix");
    CHECK_INT(d.errors, 7);
    if (d.errors != 7)
        dump(&d);
    diag_free(&d);
}

/* ---- device rules ---- */

static const char devices[] =
    "[finance]\n"                             /* 1 */
    "networks = 10.30.0.0/16\n"               /* 2 */
    "dhcp_names = FIN-* *-acct-*\n"           /* 3 */
    "macs = 00:1b:63\n"                       /* 4: an OUI */
    "[sales]\n"                               /* 5 */
    "dhcp_names = sales-??? *-acct-*-sales\n" /* 6: the second is finance's first */
    "macs = 00:1b:63:84:45:e6, AA-BB-CC-DD\n" /* 7: a MAC inside finance's OUI */
    "       00:1b:63:84:45:e6\n"              /* 8: again, harmless */
    "[lab]\n"                                 /* 9 */
    "vlans = 160\n"                           /* 10 */
    "dhcp_names = lab[0-9][!x]* ws-[a-c]?\n"  /* 11 */
    "macs = 02\n"                             /* 12: one octet */
    "[wifi-only]\n"                           /* 13: device rules alone */
    "dhcp_names = guest-*\n";                 /* 14 */

/* The test's words for each source: finer than department_source_name's,
 * which names both DHCP sources "dhcp". */
static const char *source_word(enum department_source how)
{
    static const char *const words[DEPARTMENT_SOURCES] = {
        [DEPARTMENT_SOURCE_NONE] = "none",         [DEPARTMENT_SOURCE_ASSIGNMENT] = "assignment",
        [DEPARTMENT_SOURCE_DHCP_MAC] = "dhcp-mac", [DEPARTMENT_SOURCE_DHCP_NAME] = "dhcp-name",
        [DEPARTMENT_SOURCE_VLAN] = "vlan",         [DEPARTMENT_SOURCE_NETWORK] = "network",
    };
    return (unsigned)how < DEPARTMENT_SOURCES ? words[how] : "?";
}

static uint8_t mac_buf[MACADDR_LEN];

static const uint8_t *mac(const char *text)
{
    if (macaddr_parse_prefix(text, mac_buf) != MACADDR_LEN)
        abort();
    return mac_buf;
}

/* "id/source" of a device, "unassigned/none" when no rule matches it. */
static const char *device_of(const struct departments *t, const char *name, const uint8_t *m)
{
    static char buf[128];
    enum department_source how = DEPARTMENT_SOURCE_VLAN; /* overwritten */
    int i = departments_match_device(t, name, m, &how);
    snprintf(buf, sizeof(buf), "%s/%s", i < 0 ? DEPARTMENT_UNASSIGNED : departments_get(t, i)->id,
             source_word(how));
    return buf;
}

TEST(device_rules_mac_then_name)
{
    struct diag d;
    struct departments *t = load(devices, &d);
    CHECK(t != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!t)
        return;
    CHECK(departments_has_device_rules(t));
    CHECK_INT(departments_count(t), 4);
    /* the longest MAC prefix wins: the whole MAC before its OUI */
    CHECK_STR(device_of(t, NULL, mac("00:1b:63:84:45:e6")), "sales/dhcp-mac");
    CHECK_STR(device_of(t, NULL, mac("00:1B:63:84:45:E7")), "finance/dhcp-mac");
    CHECK_STR(device_of(t, NULL, mac("aa:bb:cc:dd:00:01")), "sales/dhcp-mac");
    CHECK_STR(device_of(t, NULL, mac("aa:bb:cc:de:00:01")), "unassigned/none");
    CHECK_STR(device_of(t, NULL, mac("02:00:00:00:00:01")), "lab/dhcp-mac");
    CHECK_STR(device_of(t, NULL, mac("00:1b:64:00:00:00")), "unassigned/none");
    CHECK_STR(device_of(t, NULL, mac("ff:ff:ff:ff:ff:ff")), "unassigned/none");
    CHECK_STR(device_of(t, NULL, mac("00:00:00:00:00:00")), "unassigned/none");
    /* a MAC rule before a name rule */
    CHECK_STR(device_of(t, "FIN-laptop", mac("02:00:00:00:00:01")), "lab/dhcp-mac");
    CHECK_STR(device_of(t, "FIN-laptop", mac("00:1b:64:00:00:00")), "finance/dhcp-name");
    /* names: any case, '*' also empty, '?' exactly one, classes */
    CHECK_STR(device_of(t, "fin-laptop-7", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "FIN-", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "fin", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "xfin-1", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "pc-ACCT-7", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "-acct-", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "pcacct-7", NULL), "unassigned/none");
    /* the first department in file order whose pattern matches */
    CHECK_STR(device_of(t, "bob-acct-eu-sales", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "sales-123", NULL), "sales/dhcp-name");
    CHECK_STR(device_of(t, "Sales-A1b", NULL), "sales/dhcp-name");
    CHECK_STR(device_of(t, "sales-12", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "sales-1234", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "lab3y", NULL), "lab/dhcp-name");
    CHECK_STR(device_of(t, "LAB3Yzz", NULL), "lab/dhcp-name");
    CHECK_STR(device_of(t, "lab3x", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "labxy", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "ws-b7", NULL), "lab/dhcp-name");
    CHECK_STR(device_of(t, "WS-C-", NULL), "lab/dhcp-name");
    CHECK_STR(device_of(t, "ws-d7", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "ws-a", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "guest-phone", NULL), "wifi-only/dhcp-name");
    /* nothing known, an empty name, a name with bytes no pattern has */
    CHECK_STR(device_of(t, NULL, NULL), "unassigned/none");
    CHECK_STR(device_of(t, "", NULL), "unassigned/none");
    CHECK_STR(device_of(t, "fin-caf\xc3\xa9", NULL), "finance/dhcp-name");
    CHECK_STR(device_of(t, "f\xc3\xa9n-1", NULL), "unassigned/none");
    CHECK_INT(departments_match_device(t, "fin-1", NULL, NULL), departments_find(t, "finance"));
    /* the address and VLAN lookups are untouched by device rules */
    CHECK_STR(dept_of(t, "10.30.1.1", 0), "finance");
    CHECK_STR(dept_of(t, "10.31.1.1", 160), "lab");
    CHECK_INT(departments_lookup_network(t, &(struct netaddr){0}), -1);
    struct netaddr a = addr("10.30.2.2");
    CHECK_INT(departments_lookup_network(t, &a), departments_find(t, "finance"));
    CHECK_INT(departments_lookup_vlan(t, 160), departments_find(t, "lab"));
    CHECK_INT(departments_lookup_vlan(t, 0), -1);
    CHECK_INT(departments_lookup_vlan(t, 161), -1);
    CHECK_INT(departments_lookup_vlan(t, 4095), -1);
    CHECK_INT(departments_lookup_vlan(t, 65535), -1);
    departments_free(t);
    diag_free(&d);
}

TEST(device_rules_bounds)
{
    struct diag d;
    struct departments *t = load("[all]\ndhcp_names = *\n[pc]\ndhcp_names = pc-*\n", &d);
    CHECK(t != NULL);
    if (!t)
        return;
    char name[300];
    memset(name, 'a', sizeof(name));
    name[DEPARTMENT_HOSTNAME_MAX] = '\0';
    CHECK_STR(device_of(t, name, NULL), "all/dhcp-name");
    name[DEPARTMENT_HOSTNAME_MAX] = 'a';
    name[DEPARTMENT_HOSTNAME_MAX + 1] = '\0';
    CHECK_STR(device_of(t, name, NULL), "unassigned/none"); /* longer than a DHCP option */
    departments_free(t);
    diag_free(&d);
    /* a pattern that backtracks much, against the longest name: still an answer */
    t = load("[x]\ndhcp_names = *a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n",
             &d);
    CHECK(t != NULL);
    if (t) {
        name[DEPARTMENT_HOSTNAME_MAX] = '\0';
        CHECK_STR(device_of(t, name, NULL), "unassigned/none");
        name[DEPARTMENT_HOSTNAME_MAX - 1] = 'b';
        CHECK_STR(device_of(t, name, NULL), "x/dhcp-name");
        departments_free(t);
    }
    diag_free(&d);
    /* no device rules */
    t = load(good, &d);
    CHECK(t != NULL);
    if (t) {
        CHECK(!departments_has_device_rules(t));
        CHECK_STR(device_of(t, "fin-1", mac("00:1b:63:84:45:e6")), "unassigned/none");
        departments_free(t);
    }
    diag_free(&d);
    /* the flow log's and Redis's words (report/store/tally.h) */
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_NONE), "unassigned");
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_ASSIGNMENT), "assignment");
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_DHCP_MAC), "dhcp");
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_DHCP_NAME), "dhcp");
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_VLAN), "vlan");
    CHECK_STR(department_source_name(DEPARTMENT_SOURCE_NETWORK), "network");
    CHECK_STR(department_source_name((enum department_source)99), "unassigned");
    /* every word is one of the tally's, so the flow log and Redis speak one language */
    for (int i = 0; i < DEPARTMENT_SOURCES; i++) {
        bool known = false;
        for (int k = 0; k < TALLY_DEPT_SOURCE_COUNT; k++)
            known = known || strcmp(department_source_name((enum department_source)i),
                                    tally_dept_source_name((enum tally_dept_source)k)) == 0;
        CHECK(known);
    }
}

/* An error at prefix containing part, and no message quoting secret. */
static void expect_private_error(const char *text, const char *prefix, const char *part,
                                 const char *secret)
{
    struct diag d;
    struct departments *t = load(text, &d);
    CHECK(t == NULL);
    departments_free(t);
    CHECK_ERROR(&d, prefix, part);
    for (size_t i = 0; i < d.kept; i++) {
        CHECK(strstr(d.messages[i], secret) == NULL);
        if (strstr(d.messages[i], secret))
            fprintf(stderr, "    quotes \"%s\": %s\n", secret, d.messages[i]);
    }
    diag_free(&d);
}

TEST(device_rule_errors_quote_no_mac_or_pattern)
{
    static const char *const bad_macs[] = {
        "de:ad:b",        "d:ad:be",      "de:ad-be",
        "dead.beef.0001", "deadbeef0001", "de:ad:be:ef:00:01:02",
        "de:ag:be",       "10.9.8.7",
    };
    char text[256];
    for (size_t i = 0; i < sizeof(bad_macs) / sizeof(bad_macs[0]); i++) {
        snprintf(text, sizeof(text), "[a]\nvlans = 3\nmacs = 00:1b:63 %s\n", bad_macs[i]);
        expect_private_error(text, NAME ":3: ",
                             "word 2 of \"macs\" is not a MAC or MAC prefix (expected like "
                             "00:1b:63:84:45:e6, or 1 to 5 octets such as the OUI 00-1B-63)",
                             bad_macs[i]);
    }
    expect_error("[a]\nvlans = 3\nmacs =\n", NAME ":3: ", "\"macs\" is empty");
    /* a MAC or prefix given to two departments, in any spelling: both lines named */
    expect_private_error("[a]\nmacs = 00:1b:63\n[b]\nvlans = 4\nmacs = 02 00-1B-63\n",
                         NAME ":5: ", "word 2 of \"macs\" is already given to \"a\" (line 2)",
                         "1b");
    expect_private_error("[a]\nmacs = 00:1b:63:84:45:e6\n[b]\nmacs = 00:1b:63:84:45:E6\n",
                         NAME ":4: ", "word 1 of \"macs\" is already given to \"a\" (line 2)",
                         "e6");
    /* patterns: length, characters, classes, each with its position */
    char long_pattern[DEPARTMENT_PATTERN_MAX + 2];
    memset(long_pattern, 'x', sizeof(long_pattern));
    long_pattern[DEPARTMENT_PATTERN_MAX + 1] = '\0';
    snprintf(text, sizeof(text), "[a]\ndhcp_names = ok-* %s\n", long_pattern);
    expect_private_error(
        text, NAME ":2: ", "pattern 2 of \"dhcp_names\" is longer than 63 characters", "xxxx");
    long_pattern[DEPARTMENT_PATTERN_MAX] = '\0'; /* 63 characters: fine */
    snprintf(text, sizeof(text), "[a]\ndhcp_names = %s\n", long_pattern);
    struct diag d;
    struct departments *t = load(text, &d);
    CHECK(t != NULL);
    departments_free(t);
    diag_free(&d);
    expect_private_error("[a]\ndhcp_names = fin/acct\n", NAME ":2: ",
                         "pattern 1 of \"dhcp_names\" has '/', which cannot be in a host name "
                         "(letters, digits, '-', '.', '_', and the wildcards '*', '?' and [...])",
                         "fin");
    expect_private_error("[a]\ndhcp_names = fin-* j\xc3\xb6rg-*\n",
                         NAME ":2: ", "pattern 2 of \"dhcp_names\" has byte 0xc3, which cannot be",
                         "rg-");
    expect_private_error("[a]\ndhcp_names = fin@home\n", NAME ":2: ", "has '@'", "home");
    expect_private_error("[a]\ndhcp_names = fin[a-\n",
                         NAME ":2: ", "pattern 1 of \"dhcp_names\" has a '[' without its ']'",
                         "fin");
    expect_private_error("[a]\ndhcp_names = fin[]\n", NAME ":2: ", "has an empty [...]", "fin");
    expect_private_error("[a]\ndhcp_names = fin[!]\n", NAME ":2: ", "has an empty [...]", "fin");
    expect_private_error("[a]\ndhcp_names = fin[Z-a]\n",
                         NAME ":2: ", "has a backwards range in a [...]", "fin");
    expect_private_error("[a]\ndhcp_names = fin[a/]\n", NAME ":2: ", "has '/' in a [...]", "fin");
    expect_error("[a]\nvlans = 3\ndhcp_names =\n", NAME ":3: ", "\"dhcp_names\" is empty");
    expect_error("[a]\nvlans = 3\ndhcp_names = \"\"\n", NAME ":3: ", "\"dhcp_names\" is empty");
    /* the same pattern (in any case) in two departments */
    expect_private_error("[a]\ndhcp_names = FIN-*\n[b]\ndhcp_names = x-* fin-*\n", NAME ":4: ",
                         "pattern 2 of \"dhcp_names\" is already given to \"a\" (line 2)", "fin");
    /* ... but twice in one department, or overlapping prefixes, are fine */
    t = load("[a]\ndhcp_names = fin-* FIN-*\nmacs = 00:1b 00:1b:63\n[b]\nmacs = 00:1b:63:01\n", &d);
    CHECK(t != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    departments_free(t);
    diag_free(&d);
}

TEST(device_rule_limits)
{
    /* DEPARTMENTS_MAX_PATTERNS patterns, 128 to a line (lines 2 to 9), then one more */
    size_t cap = (DEPARTMENTS_MAX_PATTERNS + 1) * 24 + 64;
    char *text = malloc(cap);
    size_t n = (size_t)snprintf(text, cap, "[a]");
    for (int i = 0; i < DEPARTMENTS_MAX_PATTERNS; i++)
        n += (size_t)snprintf(text + n, cap - n, "%sp%d-*", i % 128 ? " " : "\ndhcp_names = ", i);
    n += (size_t)snprintf(text + n, cap - n, "\n");
    struct diag d;
    struct departments *t = load(text, &d);
    CHECK(t != NULL);
    dump(&d);
    departments_free(t);
    diag_free(&d);
    snprintf(text + n, cap - n, "dhcp_names = one-more\n");
    expect_error(text, NAME ":10: ", "more than 1024 \"dhcp_names\" patterns in the file");
    free(text);
    /* DEPARTMENTS_MAX_MACS MACs, 128 to a line (lines 2 to 513), then one more */
    cap = (DEPARTMENTS_MAX_MACS + 1) * 24 + 64;
    text = malloc(cap);
    n = (size_t)snprintf(text, cap, "[a]");
    for (unsigned i = 0; i < DEPARTMENTS_MAX_MACS; i++)
        n += (size_t)snprintf(text + n, cap - n, "%s02:00:00:00:%02x:%02x",
                              i % 128 ? " " : "\nmacs = ", i >> 8, i & 0xff);
    n += (size_t)snprintf(text + n, cap - n, "\n");
    t = load(text, &d);
    CHECK(t != NULL);
    dump(&d);
    if (t)
        CHECK_STR(device_of(t, NULL, mac("02:00:00:00:12:34")), "a/dhcp-mac");
    departments_free(t);
    diag_free(&d);
    snprintf(text + n, cap - n, "macs = 04\n");
    expect_error(text, NAME ":514: ", "more than 65536 \"macs\" entries in the file");
    free(text);
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
    RUN(device_rules_mac_then_name);
    RUN(device_rules_bounds);
    RUN(device_rule_errors_quote_no_mac_or_pattern);
    RUN(device_rule_limits);
    RUN(shipped_sample);
    return test_report();
}
