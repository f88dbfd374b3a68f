/*
 * fuzz_policy.c - the policy file loader, against a small fixed catalog and
 * departments (ids from the shipped rules, so the shipped policy.conf is a seed
 * that reaches every key).
 *
 * Input: a policy.conf.  When it loads, status and alternative are asked for
 * every service and department, and must stay in range; each own tenant must
 * be found again (in any case), and only for services with tenant patterns.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char services[] =
    "[microsoft-365]\nname = Microsoft 365\nvendor = Microsoft\ncategory = productivity\n"
    "risk = low\ndomains = office.com sharepoint.com\n"
    "tenants = {tenant}.sharepoint.com {tenant}-my.sharepoint.com\n\n"
    "[aws]\nname = AWS\nvendor = Amazon\ncategory = cloud-infrastructure\nrisk = low\n"
    "domains = amazonaws.com\ntenants = {tenant+}.s3.amazonaws.com {tenant+}.s3.*.amazonaws.com\n"
    "not_tenants = intranet\n\n"
    "[onedrive]\nname = OneDrive\nvendor = Microsoft\ncategory = storage-backup\nrisk = low\n"
    "domains = onedrive.live.com\n\n"
    "[microsoft-copilot]\nname = Copilot\nvendor = Microsoft\ncategory = genai\nrisk = low\n"
    "domains = copilot.microsoft.com\n\n"
    "[slack]\nname = Slack\nvendor = Salesforce\ncategory = messaging\nrisk = low\n"
    "domains = slack.com\ntenants = {tenant}.slack.com {tenant}.enterprise.slack.com\n"
    "not_tenants = enterprise\n\n"
    "[zoom]\nname = Zoom\nvendor = Zoom\ncategory = video-conferencing\nrisk = low\n"
    "domains = zoom.us\n\n"
    "[github]\nname = GitHub\nvendor = Microsoft\ncategory = developer\nrisk = low\n"
    "domains = github.com\n\n"
    "[dropbox]\nname = Dropbox\nvendor = Dropbox\ncategory = file-sharing\nrisk = high\n"
    "reasons = external-storage\ndomains = dropbox.com\nndpi = Dropbox\nip = 162.125.0.0/16\n\n"
    "[wetransfer]\nname = WeTransfer\nvendor = WeTransfer\ncategory = file-sharing\n"
    "risk = high\nreasons = bulk-transfer\ndomains = wetransfer.com\n\n"
    "[chatgpt]\nname = ChatGPT\nvendor = OpenAI\ncategory = genai\nrisk = high\n"
    "reasons = trains-on-data\ndomains = chatgpt.com\n\n"
    "[google-drive]\nname = Google Drive\nvendor = Google\ncategory = storage-backup\n"
    "risk = medium\nreasons = personal-accounts\ndomains = drive.google.com\n";

static const char departments[] = "internal = 10.0.0.0/8 fd00::/8\n"
                                  "[it]\nnetworks = 10.0.0.0/24\n"
                                  "[engineering]\nnetworks = 10.10.0.0/16\nvlans = 110\n"
                                  "[sales]\nnetworks = 10.20.0.0/16\n"
                                  "[finance]\nnetworks = 10.30.0.0/16\n"
                                  "[marketing]\nnetworks = 10.40.0.0/16\n"
                                  "[hr]\nnetworks = 10.50.0.0/16\n"
                                  "[research]\nvlans = 160\n";

static struct catalog *catalog;
static struct departments *deps;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct diag d;
    diag_init(&d);
    catalog = catalog_load_buffer("services.conf", services, strlen(services), &d);
    deps = departments_load_buffer("departments.conf", departments, strlen(departments), &d);
    if (!catalog || !deps) {
        diag_print(&d, stderr);
        abort();
    }
    diag_free(&d);
    return 0;
}

static void check_own_tenants(const struct policy *p, int s)
{
    const char *const *names = NULL;
    size_t n = policy_own_tenants(p, s, &names);
    if (n && !catalog_has_tenants(catalog, s))
        abort();
    for (size_t i = 0; i < n; i++) {
        char upper[CATALOG_TENANT_MAX + 1];
        size_t len = strlen(names[i]);
        if (len > CATALOG_TENANT_MAX || !policy_is_own_tenant(p, s, names[i]) ||
            catalog_tenant_name_problem(catalog, s, names[i]))
            abort();
        for (size_t k = 0; k <= len; k++)
            upper[k] =
                names[i][k] >= 'a' && names[i][k] <= 'z' ? (char)(names[i][k] - 32) : names[i][k];
        if (!policy_is_own_tenant(p, s, upper))
            abort();
    }
    if (policy_is_own_tenant(p, s, "") || policy_is_own_tenant(p, s, NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct diag d;
    diag_init(&d);
    struct policy *p = policy_load_buffer("policy.conf", buf, size, catalog, deps, &d);
    if (p) {
        if (d.errors)
            abort();
        int nsvc = (int)catalog_count(catalog), ndep = (int)departments_count(deps);
        for (int s = -1; s <= nsvc; s++) {
            for (int dep = -1; dep <= ndep; dep++) {
                enum policy_status st = policy_status(p, s, dep);
                if ((unsigned)st >= POLICY_STATUS_COUNT || (s < 0 && st != POLICY_UNKNOWN) ||
                    (s >= 0 && s < nsvc && st == POLICY_UNKNOWN))
                    abort();
                policy_status_name(st);
            }
            int alt = policy_alternative(p, s);
            if (alt < -1 || alt >= nsvc || (alt >= 0 && alt == s))
                abort();
            check_own_tenants(p, s);
        }
        policy_free(p);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    free(buf);
    return 0;
}
