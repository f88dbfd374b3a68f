/*
 * fuzz_policy.c - the policy file loader, against a small fixed catalog and
 * departments (ids from the shipped rules, so the shipped policy.conf is a seed
 * that reaches every key).
 *
 * Input: a policy.conf.  When it loads, status and alternative are asked for
 * every service and department, and must stay in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char services[] =
    "[microsoft-365]\nname = Microsoft 365\nvendor = Microsoft\ncategory = productivity\n"
    "risk = low\ndomains = office.com\n\n"
    "[onedrive]\nname = OneDrive\nvendor = Microsoft\ncategory = storage-backup\nrisk = low\n"
    "domains = onedrive.live.com\n\n"
    "[microsoft-copilot]\nname = Copilot\nvendor = Microsoft\ncategory = genai\nrisk = low\n"
    "domains = copilot.microsoft.com\n\n"
    "[slack]\nname = Slack\nvendor = Salesforce\ncategory = messaging\nrisk = low\n"
    "domains = slack.com\n\n"
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
        }
        policy_free(p);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    free(buf);
    return 0;
}
