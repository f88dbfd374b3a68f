/*
 * test_policy.c - the policy file against a catalog and departments: good
 * files, every error with its file:line, the status of a service (default,
 * explicit, per-department exception) and its alternative, the organisation's
 * own tenants of a service and their errors; then the shipped rules folder
 * loaded as one unit with rules_load, whose policy lists every generative-AI
 * service explicitly, as its header promises.
 */
#include "policy.h"

#include <stdlib.h>

#include "conf.h"
#include "rules.h"
#include "test.h"

#define NAME "pol.conf"

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

#define SERVICE(id, dom)                                                                          \
    "[" id "]\nname = " id "\nvendor = V\ncategory = other\nrisk = low\ndomains = " dom "\n"

/* Two services whose host names carry a tenant. */
#define SHAREPOINT_SERVICE                                                                         \
    SERVICE("sharepoint", "sharepoint.com")                                                        \
    "tenants = {tenant}.sharepoint.com {tenant}-my.sharepoint.com\n"                               \
    "not_tenants = intranet\n"
#define S3_SERVICE                                                                                 \
    SERVICE("s3", "amazonaws.com")                                                                 \
    "tenants = {tenant+}.s3.amazonaws.com\n"
#define TENANT_SERVICES SHAREPOINT_SERVICE S3_SERVICE

static const char catalog_text[] = SERVICE("dropbox", "dropbox.com")
    SERVICE("onedrive", "onedrive.live.com") SERVICE("teamviewer", "teamviewer.com")
        SERVICE("chatgpt", "chatgpt.com") SERVICE("copilot", "copilot.microsoft.com")
            SERVICE("unlisted", "unlisted.example") TENANT_SERVICES;

static const char departments_text[] = "[it]\nnetworks = 10.0.0.0/24\n"
                                       "[sales]\nnetworks = 10.20.0.0/16\n"
                                       "[research]\nvlans = 160\n";

static struct catalog *cat;
static struct departments *deps;

static void load_world(void)
{
    struct diag d;
    diag_init(&d);
    cat = catalog_load_buffer("svc.conf", catalog_text, strlen(catalog_text), &d);
    deps = departments_load_buffer("dep.conf", departments_text, strlen(departments_text), &d);
    if (!cat || !deps) {
        diag_print(&d, stderr);
        abort();
    }
    diag_free(&d);
}

static struct policy *load(const char *text, struct diag *d)
{
    diag_init(d);
    return policy_load_buffer(NAME, text, strlen(text), cat, deps, d);
}

static int svc(const char *id)
{
    int i = catalog_find(cat, id);
    if (i < 0)
        abort();
    return i;
}

static int dep(const char *id)
{
    int i = departments_find(deps, id);
    if (i < 0)
        abort();
    return i;
}

static const char good[] = "# policy\n"                        /* 1 */
                           "default = tolerated\n"             /* 2 */
                           "\n"                                /* 3 */
                           "[dropbox]\n"                       /* 4 */
                           "status = unsanctioned\n"           /* 5 */
                           "alternative = onedrive\n"          /* 6 */
                           "exception = research tolerated\n"  /* 7 */
                           "\n"                                /* 8 */
                           "[onedrive]\n"                      /* 9 */
                           "status = sanctioned\n"             /* 10 */
                           "\n"                                /* 11 */
                           "[teamviewer]\n"                    /* 12 */
                           "status = prohibited\n"             /* 13 */
                           "exception = it sanctioned\n"       /* 14 */
                           "exception = sales   unsanctioned  # with a comment\n" /* 15 */
                           "\n"                                /* 16 */
                           "[chatgpt]\n"                       /* 17 */
                           "alternative = copilot\n"           /* 18: no status: the default */
                           "exception = sales prohibited\n";   /* 19 */

TEST(status_names)
{
    CHECK_STR(policy_status_name(POLICY_UNKNOWN), "unknown");
    CHECK_STR(policy_status_name(POLICY_SANCTIONED), "sanctioned");
    CHECK_STR(policy_status_name(POLICY_TOLERATED), "tolerated");
    CHECK_STR(policy_status_name(POLICY_UNSANCTIONED), "unsanctioned");
    CHECK_STR(policy_status_name(POLICY_PROHIBITED), "prohibited");
    CHECK_STR(policy_status_name(POLICY_STATUS_COUNT), "unknown");
    CHECK_INT(policy_status_parse("sanctioned"), POLICY_SANCTIONED);
    CHECK_INT(policy_status_parse("prohibited"), POLICY_PROHIBITED);
    CHECK_INT(policy_status_parse("unknown"), -1);
    CHECK_INT(policy_status_parse("Sanctioned"), -1);
    CHECK_INT(policy_status_parse(""), -1);
}

TEST(statuses_defaults_and_exceptions)
{
    struct diag d;
    struct policy *p = load(good, &d);
    CHECK(p != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!p)
        return;
    /* explicit status, and a per-department exception */
    CHECK_INT(policy_status(p, svc("dropbox"), dep("sales")), POLICY_UNSANCTIONED);
    CHECK_INT(policy_status(p, svc("dropbox"), dep("it")), POLICY_UNSANCTIONED);
    CHECK_INT(policy_status(p, svc("dropbox"), -1), POLICY_UNSANCTIONED);
    CHECK_INT(policy_status(p, svc("dropbox"), dep("research")), POLICY_TOLERATED);
    CHECK_INT(policy_status(p, svc("onedrive"), dep("sales")), POLICY_SANCTIONED);
    CHECK_INT(policy_status(p, svc("teamviewer"), dep("research")), POLICY_PROHIBITED);
    CHECK_INT(policy_status(p, svc("teamviewer"), -1), POLICY_PROHIBITED);
    CHECK_INT(policy_status(p, svc("teamviewer"), dep("it")), POLICY_SANCTIONED);
    CHECK_INT(policy_status(p, svc("teamviewer"), dep("sales")), POLICY_UNSANCTIONED);
    /* no status: the default, and an exception still applies */
    CHECK_INT(policy_status(p, svc("chatgpt"), dep("it")), POLICY_TOLERATED);
    CHECK_INT(policy_status(p, svc("chatgpt"), dep("sales")), POLICY_PROHIBITED);
    /* not listed at all: the default */
    CHECK_INT(policy_status(p, svc("unlisted"), dep("it")), POLICY_TOLERATED);
    CHECK_INT(policy_status(p, svc("unlisted"), -1), POLICY_TOLERATED);
    CHECK_INT(policy_status(p, svc("copilot"), -1), POLICY_TOLERATED);
    /* no service */
    CHECK_INT(policy_status(p, -1, dep("it")), POLICY_UNKNOWN);
    CHECK_INT(policy_status(p, (int)catalog_count(cat), dep("it")), POLICY_UNKNOWN);
    /* alternatives */
    CHECK_INT(policy_alternative(p, svc("dropbox")), svc("onedrive"));
    CHECK_INT(policy_alternative(p, svc("chatgpt")), svc("copilot"));
    CHECK_INT(policy_alternative(p, svc("onedrive")), -1);
    CHECK_INT(policy_alternative(p, svc("unlisted")), -1);
    CHECK_INT(policy_alternative(p, -1), -1);
    CHECK_INT(policy_alternative(p, 1000), -1);
    policy_free(p);
    policy_free(NULL);
    diag_free(&d);
}

TEST(default_default_is_unsanctioned)
{
    struct diag d;
    struct policy *p = load("[onedrive]\nstatus = sanctioned\n", &d);
    CHECK(p != NULL);
    if (p) {
        CHECK_INT(policy_status(p, svc("dropbox"), dep("it")), POLICY_UNSANCTIONED);
        CHECK_INT(policy_status(p, svc("onedrive"), dep("it")), POLICY_SANCTIONED);
        policy_free(p);
    }
    diag_free(&d);
    p = load("", &d);
    CHECK(p != NULL);
    if (p) {
        CHECK_INT(policy_status(p, svc("dropbox"), -1), POLICY_UNSANCTIONED);
        policy_free(p);
    }
    diag_free(&d);
}

static void expect_error(const char *text, const char *prefix, const char *part)
{
    struct diag d;
    struct policy *p = load(text, &d);
    CHECK(p == NULL);
    policy_free(p);
    CHECK_ERROR(&d, prefix, part);
    diag_free(&d);
}

TEST(each_error_with_its_position)
{
    expect_error("[dropbox]\nstatus = unsanctioned\n\n[nosuchservice]\nstatus = sanctioned\n",
                 NAME ":4: ", "\"nosuchservice\" is not a service in the catalog");
    expect_error("[dropbox]\nstatus = forbidden\n", NAME ":2: ",
                 "\"forbidden\" is not a status (sanctioned, tolerated, unsanctioned, prohibited)");
    expect_error("[dropbox]\nstatus = unknown\n", NAME ":2: ", "\"unknown\" is not a status");
    expect_error("default = maybe\n", NAME ":1: ", "\"maybe\" is not a status");
    expect_error("default = tolerated\ndefault = sanctioned\n", NAME ":2: ",
                 "\"default\" given twice");
    expect_error("colour = red\n[dropbox]\nstatus = tolerated\n", NAME ":1: ",
                 "unknown key \"colour\" before the first [service] (only \"default\")");
    expect_error("[dropbox]\nalternative = googledrive\n", NAME ":2: ",
                 "alternative \"googledrive\" is not a service in the catalog");
    expect_error("[dropbox]\nalternative = dropbox\n", NAME ":2: ",
                 "a service cannot be its own alternative");
    expect_error("[dropbox]\nalternative = onedrive\nalternative = copilot\n", NAME ":3: ",
                 "\"alternative\" given twice for \"dropbox\"");
    expect_error("[dropbox]\nstatus = tolerated\nstatus = sanctioned\n", NAME ":3: ",
                 "\"status\" given twice for \"dropbox\"");
    expect_error("[dropbox]\nexception = marketing sanctioned\n", NAME ":2: ",
                 "\"marketing\" is not a department");
    expect_error("[dropbox]\nexception = unassigned sanctioned\n", NAME ":2: ",
                 "\"unassigned\" is not a department");
    expect_error("[dropbox]\nexception = sales allowed\n", NAME ":2: ",
                 "\"allowed\" is not a status");
    expect_error("[dropbox]\nexception = sales\n", NAME ":2: ",
                 "exception must be \"DEPARTMENT STATUS\"");
    expect_error("[dropbox]\nexception = sales sanctioned today\n", NAME ":2: ",
                 "exception must be \"DEPARTMENT STATUS\"");
    expect_error("[dropbox]\nexception =\n", NAME ":2: ", "exception must be");
    expect_error("[dropbox]\nexception = sales sanctioned\nexception = sales tolerated\n",
                 NAME ":3: ", "exception for \"sales\" given twice");
    expect_error("[dropbox]\nstatus = tolerated\n[onedrive]\nstatus = sanctioned\n\n"
                 "[dropbox]\nstatus = sanctioned\n",
                 NAME ":6: ", "policy for \"dropbox\" is given twice (first at line 1)");
    expect_error("[dropbox]\nowner = bob\n", NAME ":2: ",
                 "unknown key \"owner\" (expected status, alternative, exception or tenant)");
}

TEST(own_tenants)
{
    static const char text[] = "[sharepoint]\n"
                               "status = sanctioned\n"
                               "tenant = contoso\n"
                               "tenant = Fabrikam     # any case\n"
                               "[s3]\n"
                               "tenant = my.bucket\n"
                               "tenant = logs\n";
    struct diag d;
    struct policy *p = load(text, &d);
    CHECK(p != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!p) {
        diag_free(&d);
        return;
    }
    int sp = svc("sharepoint"), s3 = svc("s3"), dropbox = svc("dropbox");
    CHECK(policy_is_own_tenant(p, sp, "contoso"));
    CHECK(policy_is_own_tenant(p, sp, "fabrikam"));
    CHECK(policy_is_own_tenant(p, sp, "FABRIKAM"));
    CHECK(!policy_is_own_tenant(p, sp, "contoso2"));
    CHECK(!policy_is_own_tenant(p, sp, "contos"));
    CHECK(!policy_is_own_tenant(p, sp, ""));
    CHECK(!policy_is_own_tenant(p, sp, NULL));
    CHECK(!policy_is_own_tenant(p, s3, "contoso"));
    CHECK(policy_is_own_tenant(p, s3, "my.bucket"));
    CHECK(!policy_is_own_tenant(p, s3, "my"));
    CHECK(!policy_is_own_tenant(p, dropbox, "contoso"));
    CHECK(!policy_is_own_tenant(p, -1, "contoso"));
    CHECK(!policy_is_own_tenant(p, 999, "contoso"));
    const char *const *names = NULL;
    CHECK_INT(policy_own_tenants(p, sp, &names), 2);
    CHECK_STR(names[0], "contoso");
    CHECK_STR(names[1], "fabrikam"); /* normalized */
    CHECK_INT(policy_own_tenants(p, dropbox, &names), 0);
    CHECK_INT(policy_own_tenants(p, -1, &names), 0);
    /* with the catalog: the name a template captures is the name to list */
    char t[CATALOG_TENANT_MAX + 1];
    CHECK_INT(catalog_tenant_of(cat, sp, "Contoso-my.sharepoint.com", t, sizeof(t)), 1);
    CHECK(policy_is_own_tenant(p, sp, t));
    CHECK_INT(catalog_tenant_of(cat, sp, "northwind.sharepoint.com", t, sizeof(t)), 1);
    CHECK(!policy_is_own_tenant(p, sp, t));
    policy_free(p);
    diag_free(&d);
}

TEST(tenant_errors_with_their_position)
{
    expect_error("[dropbox]\nstatus = sanctioned\ntenant = contoso\n", NAME ":3: ",
                 "\"tenant\" for \"dropbox\", whose catalog entry has no \"tenants\" patterns");
    expect_error("[sharepoint]\ntenant =\n", NAME ":2: ", "\"tenant\" is empty");
    expect_error("[sharepoint]\ntenant = \"\"\n", NAME ":2: ", "\"tenant\" is empty");
    expect_error("[sharepoint]\ntenant = con toso\n",
                 NAME ":2: ", "tenant \"con toso\" is not a tenant name");
    expect_error("[sharepoint]\ntenant = contoso.sharepoint.com:443\n",
                 NAME ":2: ", "is not a tenant name");
    expect_error("[sharepoint]\ntenant = -contoso\n", NAME ":2: ", "is not a tenant name");
    expect_error("[sharepoint]\ntenant = www\n",
                 NAME ":2: ", "tenant \"www\" is one of the vendor's own labels, never a tenant");
    expect_error("[sharepoint]\ntenant = intranet\n", NAME ":2: ", "vendor's own labels");
    expect_error("[sharepoint]\ntenant = contoso.sharepoint.com\n", NAME ":2: ",
                 "has a dot, but no {tenant+} pattern of the service takes several labels");
    expect_error("[sharepoint]\ntenant = contoso\ntenant = CONTOSO\n",
                 NAME ":3: ", "tenant \"CONTOSO\" given twice for \"sharepoint\"");
    expect_error("tenant = contoso\n[sharepoint]\n",
                 NAME ":1: ", "unknown key \"tenant\" before the first [service]");
}

TEST(several_errors_in_one_file)
{
    static const char text[] = "default = sometimes\n"           /* 1 */
                               "[dropbox]\n"                     /* 2 */
                               "status = tolerated\n"            /* 3 */
                               "alternative = dropbox\n"         /* 4 */
                               "exception = finance sanctioned\n"/* 5 */
                               "[ghost]\n"                       /* 6 */
                               "status = nonsense\n"             /* 7: not judged */
                               "[dropbox]\n"                     /* 8 */
                               "status = prohibited\n"           /* 9: not judged */
                               "[onedrive]\n"                    /* 10 */
                               "alternative = ghost\n";          /* 11 */
    struct diag d;
    struct policy *p = load(text, &d);
    CHECK(p == NULL);
    CHECK_ERROR(&d, NAME ":1: ", "not a status");
    CHECK_ERROR(&d, NAME ":4: ", "own alternative");
    CHECK_ERROR(&d, NAME ":5: ", "\"finance\" is not a department");
    CHECK_ERROR(&d, NAME ":6: ", "\"ghost\" is not a service");
    CHECK_ERROR(&d, NAME ":8: ", "given twice");
    CHECK_ERROR(&d, NAME ":11: ", "alternative \"ghost\" is not a service");
    CHECK_INT(d.errors, 6);
    if (d.errors != 6)
        dump(&d);
    diag_free(&d);
}

/* ---- the shipped rules folder ---- */

static const char *dept_id(const struct rules *r, const char *text, uint16_t vlan)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    int i = departments_lookup(r->departments, &a, vlan);
    return i < 0 ? DEPARTMENT_UNASSIGNED : departments_get(r->departments, i)->id;
}

/* Marks, per catalog index, the services a policy file has a section for. */
struct listed {
    const struct catalog *c;
    bool *seen;
};

static void on_policy_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct listed *l = ctx;
    int i = e->key ? -1 : catalog_find(l->c, e->section);
    if (i >= 0)
        l->seen[i] = true;
}

/* Every generative-AI service has its own section in the shipped policy:
 * splitting a vendor's app from its API must not leave the new service to
 * the default status unnoticed. */
static void check_genai_listed(const struct catalog *c, const char *dir)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/policy.conf", dir);
    struct listed l = {c, calloc(catalog_count(c) + 1, sizeof(bool))};
    struct diag d;
    diag_init(&d);
    CHECK_INT(conf_parse_file(path, on_policy_entry, &l, &d), 0);
    int missing = 0;
    for (size_t i = 0; l.seen && i < catalog_count(c); i++) {
        const struct service *s = catalog_service(c, (int)i);
        if (s->category == CATEGORY_GENAI && !l.seen[i] && missing++ < 5)
            fprintf(stderr, "    genai service %s has no section in policy.conf\n", s->id);
    }
    CHECK_INT(missing, 0);
    free(l.seen);
    diag_free(&d);
}

TEST(shipped_rules_folder)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    CHECK(src != NULL);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/rules", src ? src : ".");
    struct diag d;
    diag_init(&d);
    struct rules *r = rules_load(dir, &d);
    CHECK(r != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!r) {
        diag_free(&d);
        return;
    }
    CHECK_STR(r->dir, dir);
    /* departments */
    CHECK_STR(dept_id(r, "10.10.1.5", 0), "engineering");
    CHECK_STR(dept_id(r, "fd00:20::1", 0), "sales");
    CHECK_STR(dept_id(r, "192.168.77.7", 160), "research");
    CHECK_STR(dept_id(r, "198.51.100.7", 160), "research");
    CHECK_STR(dept_id(r, "10.10.1.5", 160), "research"); /* a listed VLAN wins over the prefix */
    CHECK_STR(dept_id(r, "192.168.77.7", 0), "unassigned");

    /* policy */
    const struct catalog *c = r->catalog;
    int dropbox = catalog_find(c, "dropbox"), onedrive = catalog_find(c, "onedrive"),
        teamviewer = catalog_find(c, "teamviewer");
    int it = departments_find(r->departments, "it"),
        sales = departments_find(r->departments, "sales");
    CHECK(dropbox >= 0 && onedrive >= 0 && teamviewer >= 0 && it >= 0 && sales >= 0);
    CHECK_INT(policy_status(r->policy, dropbox, sales), POLICY_UNSANCTIONED);
    CHECK_INT(policy_status(r->policy, dropbox, -1), POLICY_UNSANCTIONED);
    CHECK_INT(policy_alternative(r->policy, dropbox), onedrive);
    CHECK_INT(policy_status(r->policy, onedrive, sales), POLICY_SANCTIONED);
    CHECK_INT(policy_status(r->policy, teamviewer, sales), POLICY_PROHIBITED);
    CHECK_INT(policy_status(r->policy, teamviewer, -1), POLICY_PROHIBITED);
    CHECK_INT(policy_status(r->policy, teamviewer, it), POLICY_SANCTIONED);
    check_genai_listed(c, dir);

    /* reference counting */
    CHECK(rules_retain(r) == r);
    rules_release(r);
    rules_release(r);
    rules_release(NULL);
    diag_free(&d);
}

TEST(rules_load_reports_every_file)
{
    struct diag d;
    diag_init(&d);
    CHECK(rules_load("/nonexistent-rules-dir", &d) == NULL);
    CHECK_ERROR(&d, "/nonexistent-rules-dir/services.conf: ", "cannot open");
    CHECK_ERROR(&d, "/nonexistent-rules-dir/departments.conf: ", "cannot open");
    diag_free(&d);
}

int main(void)
{
    load_world();
    RUN(status_names);
    RUN(statuses_defaults_and_exceptions);
    RUN(default_default_is_unsanctioned);
    RUN(each_error_with_its_position);
    RUN(several_errors_in_one_file);
    RUN(own_tenants);
    RUN(tenant_errors_with_their_position);
    RUN(shipped_rules_folder);
    RUN(rules_load_reports_every_file);
    policy_free(NULL);
    catalog_free(cat);
    departments_free(deps);
    return test_report();
}
