/*
 * tenant_of.c - what the rules make of host names: service, tenant and
 * whose tenant it is, for tests that hold a generator's truth against the
 * shipped catalog and policy.
 *
 *   tenant-of --rules DIR            host names on standard input, one a line
 *   tenant-of --rules DIR --templated
 *
 * For each name, one tab-separated line: the name, the catalog service its
 * longest domain match gives ("-" for none), the tenant catalog_tenant_of()
 * reads in it ("-" for none), and its class: "own" (a tenant of the policy's
 * "tenant =" for the service), "other" (any other tenant), "none" (the service
 * has templates but the name carries no tenant), or "-" (no service, or one
 * without templates).  With --templated, the ids of the services that have
 * templates, one a line.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

static void usage(FILE *f)
{
    fputs("usage: tenant-of --rules DIR [--templated] < HOSTS\n", f);
}

static void print_host(const struct rules *rules, const char *host)
{
    char tenant[CATALOG_TENANT_MAX + 1];
    int s = catalog_match_host(rules->catalog, host, strlen(host), NULL);
    int found = s >= 0 ? catalog_tenant_of(rules->catalog, s, host, tenant, sizeof(tenant)) : -1;
    const char *cls = found < 0                                              ? "-"
                      : found == 0                                           ? "none"
                      : policy_is_own_tenant(rules->policy, s, tenant) ? "own"
                                                                             : "other";
    printf("%s\t%s\t%s\t%s\n", host, s >= 0 ? catalog_service(rules->catalog, s)->id : "-",
           found == 1 ? tenant : "-", cls);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"templated", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    int templated = 0, ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            dir = optarg;
            break;
        case 'T':
            templated = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!dir || optind < argc) {
        usage(stderr);
        return 2;
    }
    struct diag d;
    diag_init(&d);
    struct rules *rules = rules_load(dir, &d);
    if (!rules) {
        diag_print(&d, stderr);
        diag_free(&d);
        return 2;
    }
    diag_free(&d);
    if (templated) {
        for (size_t s = 0; s < catalog_count(rules->catalog); s++)
            if (catalog_has_tenants(rules->catalog, (int)s))
                printf("%s\n", catalog_service(rules->catalog, (int)s)->id);
    } else {
        char line[1024];
        while (fgets(line, sizeof(line), stdin)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0])
                print_host(rules, line);
        }
    }
    rules_release(rules);
    return ferror(stdout) ? 1 : 0;
}
