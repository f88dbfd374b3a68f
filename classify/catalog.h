/*
 * catalog.h - the service catalog: what each cloud service is and how to know it.
 *
 * Loaded from rules/services.conf (format in docs/rules.md).  A service is found
 * by host name (longest suffix on label boundaries: "a.b.dropbox.com" matches
 * "dropbox.com"; a domain may start with a label prefix and '*', so that
 * "igcdn-*.akamaihd.net" matches "igcdn-photos-a-a.akamaihd.net"), by
 * destination address range, or by the nDPI protocol name
 * nDPI gave the flow.  Host-name look-ups cost one hash probe per label of the
 * name, whatever the size of the catalog.
 *
 * A service may also list host-name templates that carry the customer's tenant
 * (catalog_tenant_of(), below).
 *
 * A loaded catalog is immutable and may be read by any number of threads.
 */
#ifndef SHADOWTAP_CATALOG_H
#define SHADOWTAP_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hostname.h"
#include "netaddr.h"

enum service_category {
    CATEGORY_GENAI,
    CATEGORY_FILE_SHARING,
    CATEGORY_STORAGE_BACKUP,
    CATEGORY_COLLABORATION,
    CATEGORY_MESSAGING,
    CATEGORY_VIDEO_CONFERENCING,
    CATEGORY_DEVELOPER,
    CATEGORY_CLOUD_INFRASTRUCTURE,
    CATEGORY_CRM,
    CATEGORY_MARKETING,
    CATEGORY_ANALYTICS,
    CATEGORY_ADVERTISING,
    CATEGORY_DESIGN,
    CATEGORY_PERSONAL_EMAIL,
    CATEGORY_SOCIAL,
    CATEGORY_REMOTE_ACCESS,
    CATEGORY_VPN_PROXY,
    CATEGORY_PRODUCTIVITY,
    CATEGORY_HR_FINANCE,
    CATEGORY_STREAMING,
    CATEGORY_E_COMMERCE,
    CATEGORY_GAMING,
    CATEGORY_SEARCH,
    CATEGORY_NEWS,
    CATEGORY_SECURITY,
    CATEGORY_SOFTWARE_UPDATES,
    CATEGORY_CDN,
    CATEGORY_CRYPTO,
    CATEGORY_OTHER,
    CATEGORY_COUNT
};

enum service_risk { RISK_LOW, RISK_MEDIUM, RISK_HIGH, RISK_COUNT };

/* How a generative-AI service is used ("use" in services.conf): people use
 * the vendor's own app or site, or programs call the vendor's models.  One
 * vendor's two uses are two services, told apart by host name (chatgpt.com,
 * api.openai.com). */
enum service_use {
    SERVICE_USE_NONE, /* not a generative-AI service */
    SERVICE_USE_APP,  /* the default of a genai service */
    SERVICE_USE_API,
    SERVICE_USE_COUNT
};

/* Reasons a service carries risk; a bit set in service.reasons. */
enum risk_reason {
    REASON_EXTERNAL_STORAGE,    /* stores the organisation's files outside it */
    REASON_PUBLIC_SHARING,      /* can publish content or links to anyone */
    REASON_TRAINS_ON_DATA,      /* may train models on what users submit */
    REASON_NO_SSO,              /* no single sign-on on common plans */
    REASON_PERSONAL_ACCOUNTS,   /* commonly used with personal accounts */
    REASON_ANONYMISING,         /* hides traffic or identity */
    REASON_REMOTE_CONTROL,      /* lets an outside party control a device */
    REASON_BULK_TRANSFER,       /* built for moving large files out */
    REASON_UNMANAGED_MESSAGING, /* messages outside the organisation's retention */
    REASON_FOREIGN_JURISDICTION,/* data held under weak legal protections */
    REASON_AD_TRACKING,         /* collects data for advertising */
    REASON_MALWARE_DELIVERY,    /* often used to deliver malware */
    REASON_RECORDING,           /* records or transcribes meetings */
    REASON_CODE_EXPOSURE,       /* may expose source code or secrets */
    REASON_UNREVIEWED,          /* nobody has reviewed the service yet (candidates) */
    REASON_COUNT
};

struct service {
    uint32_t sym;     /* interned id (symbol.h) */
    const char *id;   /* same string as symbol_name(sym) */
    char *name;       /* display name */
    char *vendor;
    enum service_category category;
    enum service_risk risk;
    uint32_t reasons; /* bit (1u << enum risk_reason) */
    enum service_use use; /* SERVICE_USE_NONE unless category is genai */
    char **domains;
    size_t ndomains;
    char **ndpi;      /* nDPI protocol names, e.g. "Dropbox" */
    size_t nndpi;
    struct netprefix *ranges;
    size_t nranges;
    char **tenants; /* host-name templates that carry a tenant, as written and in file
                     * order ("{tenant}.sharepoint.com"); see catalog_tenant_of() */
    size_t ntenants;
    char **not_tenants; /* labels that are the vendor's own hosts, beside the built-in list */
    size_t nnot_tenants;
    int line;         /* where the entry starts in its file */
};

struct catalog;

/* Loads a catalog file.  Returns NULL if the file has any error (every error is
 * recorded in d).  Free with catalog_free(). */
struct catalog *catalog_load(const char *path, struct diag *d);
/* Same from a buffer (tests and fuzzing); name is used in messages. */
struct catalog *catalog_load_buffer(const char *name, const char *buf, size_t len,
                                    struct diag *d);
void catalog_free(struct catalog *c);

size_t catalog_count(const struct catalog *c);
const struct service *catalog_service(const struct catalog *c, int idx);

/* Index of the service with this id or symbol, or -1. */
int catalog_find(const struct catalog *c, const char *id);
int catalog_find_sym(const struct catalog *c, uint32_t sym);

/* Index of the service owning the longest label suffix of host (a normalized
 * name, hostname.h), or -1.  When matched_len is not NULL it receives the length
 * of the matching suffix. */
int catalog_match_host(const struct catalog *c, const char *host, size_t len,
                       size_t *matched_len);
/* Index of the service whose IP ranges hold a (longest prefix wins), or -1. */
int catalog_match_addr(const struct catalog *c, const struct netaddr *a);
/* Index of the service that lists this nDPI protocol name, or -1. */
int catalog_match_ndpi(const struct catalog *c, const char *ndpi_name);

/* ---- tenants ----
 *
 * A service whose host names carry the customer's tenant lists templates
 * ("tenants", docs/rules.md; syntax in tenant_pattern.h).  A name that one of
 * them matches carries a tenant unless what the template captures is one of
 * the vendor's own labels: the built-in list (catalog_default_not_tenants) or
 * the service's "not_tenants".  When several templates match, the one with the
 * most fixed characters decides ({tenant}-my.sharepoint.com before
 * {tenant}.sharepoint.com), then the one listed first; a template that
 * captures a vendor label gives way to the next. */

#define CATALOG_TENANT_MAX HOSTNAME_MAX /* a tenant buffer of this + 1 always suffices */

/* True when the service (catalog index) has tenant templates. */
bool catalog_has_tenants(const struct catalog *c, int service);

/* The tenant that host (a host name, normally hostname_normalize()d; any case
 * is accepted) carries for service.  Returns 1 with the tenant, lower case and
 * NUL-terminated, in tenant[0..tenantsz); 0 when the service has templates but
 * host carries no tenant (no template matches, or only vendor labels, or the
 * tenant does not fit in tenantsz); -1 when the service has no templates (or is
 * no index).  tenant is "" unless 1 is returned.  Allocates nothing; safe from
 * any thread. */
int catalog_tenant_of(const struct catalog *c, int service, const char *host, char *tenant,
                      size_t tenantsz);

/* NULL when name could be a tenant of service as its templates capture it;
 * otherwise why not, as a phrase to follow the name in a message ("is one of
 * the vendor's own labels, never a tenant").  Used to check policy.conf. */
const char *catalog_tenant_name_problem(const struct catalog *c, int service, const char *name);

/* The built-in vendor labels, NULL-terminated. */
extern const char *const catalog_default_not_tenants[];

const char *catalog_category_name(enum service_category cat);
int catalog_category_parse(const char *s); /* -1 if unknown */
const char *catalog_risk_name(enum service_risk risk);
const char *catalog_use_name(enum service_use use);         /* "app", "api"; NULL for none */
const char *catalog_reason_name(enum risk_reason r);        /* "external-storage" */
const char *catalog_reason_description(enum risk_reason r); /* a sentence for reports */

#endif
