/*
 * test_rules.c - a rules folder with the assignment feed as one set: the feed
 * loaded and checked with the folder (its errors as file:line, refused
 * whole), sets that share the folder's parts and differ in their feed, and the
 * precedence of rules_department: assignment feed (file, then Redis hash) >
 * DHCP rule (MAC, then name) > VLAN > longest prefix > unassigned.  (The
 * shipped folder and the policy: test_policy.c.)
 */
#include "rules.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macaddr.h"
#include "test.h"

static char dir[] = "/tmp/shadowtap-test-rules-XXXXXX";
static char feed[4200];

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

static int has_error(const struct diag *d, const char *prefix, const char *part)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0 && strstr(d->messages[i], part))
            return 1;
    }
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        abort();
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    if (fclose(out) != 0)
        abort();
}

/* Two departments share a Wi-Fi network: a /16 of one holds a /24 of the
 * other, and each has a VLAN and device rules. */
static const char extra_departments[] = "\n[shared-a]\n"
                                        "networks   = 10.99.0.0/16\n"
                                        "vlans      = 199\n"
                                        "macs       = 00:1b:63\n"
                                        "dhcp_names = A-*\n"
                                        "[shared-b]\n"
                                        "networks   = 10.99.5.0/24\n"
                                        "vlans      = 198\n"
                                        "macs       = 02:00:00:00:00:01\n"
                                        "dhcp_names = B-*\n";

/* A folder of the shipped services, policy and resolvers, and the shipped
 * departments with two more. */
static void make_folder(void)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    if (!src || !mkdtemp(dir))
        abort();
    char from[4096], to[4096];
    static const char *const files[] = {RULES_SERVICES_FILE, RULES_POLICY_FILE,
                                        RULES_RESOLVERS_FILE, RULES_DEPARTMENTS_FILE};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(from, sizeof(from), "%s/rules/%s", src, files[i]);
        snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
        copy_file(from, to);
    }
    FILE *f = fopen(to, "a"); /* departments.conf, the last copied */
    if (!f || fputs(extra_departments, f) < 0 || fclose(f) != 0)
        abort();
    snprintf(feed, sizeof(feed), "%s/feed", dir);
}

static void remove_folder(void)
{
    static const char *const files[] = {RULES_SERVICES_FILE, RULES_POLICY_FILE,
                                        RULES_RESOLVERS_FILE, RULES_DEPARTMENTS_FILE, "feed"};
    char path[4200];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

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
    if (!text)
        return NULL;
    if (macaddr_parse_prefix(text, mac_buf) != MACADDR_LEN)
        abort();
    return mac_buf;
}

/* "department/source" of a client. */
static const char *dept(const struct rules *r, const char *address, uint16_t vlan,
                        const char *mac_text, const char *name, uint64_t now)
{
    static char out[128];
    struct netaddr a;
    if (!netaddr_parse(address, &a))
        abort();
    struct department_query q = {&a, vlan, mac(mac_text), name, now};
    enum department_source how = DEPARTMENT_SOURCE_NETWORK; /* overwritten */
    int i = rules_department(r, &q, &how);
    snprintf(out, sizeof(out), "%s/%s",
             i < 0 ? DEPARTMENT_UNASSIGNED : departments_get(r->departments, i)->id,
             source_word(how));
    return out;
}

TEST(folder_and_feed_load_together)
{
    write_file(feed, "# the feed\n10.99.5.5 engineering 2026-11-30T18:00:00Z\n"
                     "02:00:00:00:00:01 sales\n");
    struct diag d;
    diag_init(&d);
    struct rules *r = rules_load_with(dir, feed, &d);
    CHECK(r != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (r) {
        CHECK_STR(r->dir, dir);
        CHECK_STR(r->assignments_file, feed);
        CHECK_INT(assignments_count(r->assignments), 2);
        CHECK(r->assignments_hash == NULL);
    }
    rules_release(r);
    /* without a feed: no table, and "" is no feed */
    r = rules_load_with(dir, "", &d);
    CHECK(r && !r->assignments && !r->assignments_file);
    rules_release(r);
    r = rules_load(dir, &d);
    CHECK(r && !r->assignments && !r->assignments_file);
    rules_release(r);
    diag_free(&d);
}

TEST(a_bad_feed_refuses_the_set)
{
    write_file(feed, "10.99.5.5 engineering\n10.99.5.6 nope\n10.99.5.5 sales\n");
    struct diag d;
    diag_init(&d);
    CHECK(rules_load_with(dir, feed, &d) == NULL);
    char prefix[4300];
    snprintf(prefix, sizeof(prefix), "%s:2: ", feed);
    CHECK(has_error(&d, prefix, "unknown department \"nope\""));
    snprintf(prefix, sizeof(prefix), "%s:3: ", feed);
    CHECK(has_error(&d, prefix, "the same address as line 1"));
    CHECK_INT(d.errors, 2);
    if (d.errors != 2)
        dump(&d);
    diag_free(&d);
    /* a missing feed file is an error */
    diag_init(&d);
    CHECK(rules_load_with(dir, "/nonexistent/feed", &d) == NULL);
    CHECK(has_error(&d, "/nonexistent/feed: ", "cannot open"));
    diag_free(&d);
    /* departments that do not load: their errors, and the feed not read */
    diag_init(&d);
    CHECK(rules_load_with("/nonexistent-rules-dir", feed, &d) == NULL);
    CHECK(has_error(&d, "/nonexistent-rules-dir/departments.conf: ", "cannot open"));
    snprintf(prefix, sizeof(prefix), "%s:", feed);
    CHECK(!has_error(&d, prefix, ""));
    diag_free(&d);
}

TEST(sets_share_the_folder_and_differ_in_their_feed)
{
    write_file(feed, "10.99.5.5 engineering\n");
    struct diag d;
    diag_init(&d);
    struct rules *r1 = rules_load_with(dir, feed, &d);
    CHECK(r1 != NULL);
    if (!r1)
        return;
    write_file(feed, "10.99.5.5 sales\n");
    struct assignments *file = assignments_load(feed, r1->departments, &d);
    const struct assignments_field hash_fields[] = {{"10.99.5.7", 9, "finance", 7}};
    struct assignments_hash_counts c;
    struct assignments *hash = assignments_from_hash(r1->departments, hash_fields, 1, &c);
    struct rules *r2 = rules_with_assignments(r1, file, hash);
    CHECK(r2 != NULL && r2 != r1);
    if (!r2)
        return;
    CHECK(r2->catalog == r1->catalog && r2->departments == r1->departments &&
          r2->policy == r1->policy && r2->resolvers == r1->resolvers);
    CHECK_STR(r2->dir, dir);
    CHECK_STR(r2->assignments_file, feed);
    CHECK_STR(dept(r1, "10.99.5.5", 0, NULL, NULL, 1), "engineering/assignment");
    CHECK_STR(dept(r2, "10.99.5.5", 0, NULL, NULL, 1), "sales/assignment");
    CHECK_STR(dept(r1, "10.99.5.7", 0, NULL, NULL, 1), "shared-b/network");
    CHECK_STR(dept(r2, "10.99.5.7", 0, NULL, NULL, 1), "finance/assignment");
    /* a third set keeps r2's file table and drops its hash */
    struct rules *r3 = rules_with_assignments(r2, assignments_retain(r2->assignments), NULL);
    CHECK(r3 && r3->assignments == r2->assignments && !r3->assignments_hash);
    /* released in any order: the parts live as long as the last set */
    rules_release(r1);
    rules_release(r2);
    CHECK_STR(dept(r3, "10.99.5.5", 0, NULL, NULL, 1), "sales/assignment");
    CHECK(catalog_count(r3->catalog) > 0);
    rules_release(r3);
    diag_free(&d);
}

TEST(precedence)
{
    write_file(feed, "10.99.5.5 engineering 2026-11-30T18:00:00Z\n"
                     "00:1b:63:00:00:09 finance\n"
                     "10.99.5.8 it\n");
    struct diag d;
    diag_init(&d);
    struct rules *base = rules_load_with(dir, feed, &d);
    CHECK(base != NULL);
    dump(&d);
    if (!base)
        return;
    const struct assignments_field hash_fields[] = {
        {"10.99.5.8", 9, "sales", 5},         /* the file's too: the file wins */
        {"10.99.5.9", 9, "sales", 5},         /* the hash's alone */
        {"02:00:00:00:00:01", 17, "hr", 2},   /* a MAC the rules give to shared-b */
        {"10.99.5.10", 10, "sales 1000", 10}, /* expired */
    };
    struct assignments_hash_counts c;
    struct assignments *hash = assignments_from_hash(base->departments, hash_fields, 4, &c);
    CHECK_INT(c.taken, 4);
    struct rules *r = rules_with_assignments(base, assignments_retain(base->assignments), hash);
    rules_release(base);
    if (!r)
        return;
    uint64_t now = 1790000000, after = 1796061600; /* 2026-11-30T18:00:00Z */
    /* 5. nothing: unassigned */
    CHECK_STR(dept(r, "192.0.2.1", 0, NULL, NULL, now), "unassigned/none");
    CHECK_STR(dept(r, "192.0.2.1", 4000, "04:00:00:00:00:01", "nobody", now), "unassigned/none");
    /* 4. the longest prefix */
    CHECK_STR(dept(r, "10.99.1.1", 0, NULL, NULL, now), "shared-a/network");
    CHECK_STR(dept(r, "10.99.5.1", 0, NULL, NULL, now), "shared-b/network");
    CHECK_STR(dept(r, "10.10.1.5", 0, NULL, NULL, now), "engineering/network");
    /* 3. the VLAN before the prefix */
    CHECK_STR(dept(r, "10.99.5.1", 199, NULL, NULL, now), "shared-a/vlan");
    CHECK_STR(dept(r, "10.99.1.1", 198, NULL, NULL, now), "shared-b/vlan");
    CHECK_STR(dept(r, "10.99.5.1", 4000, NULL, NULL, now), "shared-b/network"); /* unlisted */
    /* 2. a DHCP rule before the VLAN: the MAC, then the name */
    CHECK_STR(dept(r, "10.99.1.1", 199, NULL, "b-laptop", now), "shared-b/dhcp-name");
    CHECK_STR(dept(r, "10.99.1.1", 198, NULL, "A-7", now), "shared-a/dhcp-name");
    CHECK_STR(dept(r, "10.99.1.1", 199, "02:00:00:00:00:02", "b-x", now), "shared-b/dhcp-name");
    CHECK_STR(dept(r, "10.99.5.1", 198, "00:1b:63:00:00:01", "b-x", now), "shared-a/dhcp-mac");
    CHECK_STR(dept(r, "10.99.5.1", 0, "00:1b:63:00:00:01", NULL, now), "shared-a/dhcp-mac");
    CHECK_STR(dept(r, "10.99.5.1", 199, NULL, "c-1", now), "shared-a/vlan");
    /* 1. the feed before all: the address, then the MAC */
    CHECK_STR(dept(r, "10.99.5.5", 198, "00:1b:63:00:00:01", "b-1", now), "engineering/assignment");
    CHECK_STR(dept(r, "10.99.5.6", 198, "00:1b:63:00:00:09", "b-1", now), "finance/assignment");
    CHECK_STR(dept(r, "10.99.5.5", 0, "00:1b:63:00:00:09", NULL, now), "engineering/assignment");
    /* ... until the entry expires */
    CHECK_STR(dept(r, "10.99.5.5", 198, "00:1b:63:00:00:01", "b-1", after), "shared-a/dhcp-mac");
    CHECK_STR(dept(r, "10.99.5.5", 198, NULL, "b-1", after), "shared-b/dhcp-name");
    CHECK_STR(dept(r, "10.99.5.5", 0, NULL, NULL, after), "shared-b/network");
    CHECK_STR(dept(r, "10.99.5.5", 0, "00:1b:63:00:00:09", NULL, after), "finance/assignment");
    /* the file before the Redis hash; the hash before the rules */
    CHECK_STR(dept(r, "10.99.5.8", 0, NULL, NULL, now), "it/assignment");
    CHECK_STR(dept(r, "10.99.5.9", 0, NULL, NULL, now), "sales/assignment");
    CHECK_STR(dept(r, "10.99.5.1", 0, "02:00:00:00:00:01", NULL, now), "hr/assignment");
    CHECK_STR(dept(r, "10.99.5.10", 0, NULL, NULL, now), "shared-b/network");
    /* nothing known at all, no "how" wanted */
    struct netaddr zero;
    memset(&zero, 0, sizeof(zero));
    struct department_query none = {.client = &zero};
    CHECK_INT(rules_department(r, &none, NULL), -1);
    rules_release(r);
    diag_free(&d);
}

int main(void)
{
    make_folder();
    RUN(folder_and_feed_load_together);
    RUN(a_bad_feed_refuses_the_set);
    RUN(sets_share_the_folder_and_differ_in_their_feed);
    RUN(precedence);
    remove_folder();
    return test_report();
}
