/*
 * policy.h - the organisation's decision about each service.
 *
 * Loaded from rules/policy.conf (docs/rules.md): a default status, a status
 * per service with optional per-department exceptions, the sanctioned
 * alternative to suggest for a service people should move away from, and the
 * organisation's own tenants of services whose host names carry one.
 *
 * A loaded policy is immutable and may be read by any number of threads.  It
 * refers to services and departments by index into the catalog and departments
 * it was loaded against, so it is only valid with those.
 */
#ifndef SHADOWTAP_POLICY_H
#define SHADOWTAP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "departments.h"
#include "diag.h"

enum policy_status {
    POLICY_UNKNOWN = 0, /* traffic matched to no service */
    POLICY_SANCTIONED,
    POLICY_TOLERATED,
    POLICY_UNSANCTIONED,
    POLICY_PROHIBITED,
    POLICY_STATUS_COUNT
};

struct policy;

/* Returns NULL if the file has any error (all recorded in d). */
struct policy *policy_load(const char *path, const struct catalog *c,
                           const struct departments *deps, struct diag *d);
struct policy *policy_load_buffer(const char *name, const char *buf, size_t len,
                                  const struct catalog *c, const struct departments *deps,
                                  struct diag *d);
void policy_free(struct policy *p);

/* Status of service (catalog index) for a department (index, or -1 for
 * unassigned).  service < 0 gives POLICY_UNKNOWN. */
enum policy_status policy_status(const struct policy *p, int service, int dept);
/* Catalog index of the sanctioned alternative to service, or -1. */
int policy_alternative(const struct policy *p, int service);

/* True when tenant (as catalog_tenant_of() gives it) is one of the
 * organisation's own tenants of service ("tenant = NAME" in its section);
 * names compare after normalization (case does not matter). */
bool policy_is_own_tenant(const struct policy *p, int service, const char *tenant);
/* The own tenants of service, normalized, in file order: sets *names (owned by
 * the policy) and returns their count (0, *names NULL or not, when none). */
size_t policy_own_tenants(const struct policy *p, int service, const char *const **names);

const char *policy_status_name(enum policy_status s);
int policy_status_parse(const char *s); /* -1 if unknown; "unknown" is not accepted */

#endif
