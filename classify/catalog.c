/*
 * catalog.c - parse the services file and answer "which service is this?".
 *
 * Host-name matching: every domain of every service goes into one open-
 * addressing table keyed by a hash of the domain read right to left.  Reading a
 * looked-up name right to left yields, at each label boundary, the hash of that
 * suffix, so a name with k labels costs k probes and one string comparison per
 * hit, independent of the number of services.  The longest matching suffix wins,
 * which lets "s3.amazonaws.com" and "amazonaws.com" belong to different services.
 *
 * Tenant templates ("{tenant}.sharepoint.com", tenant_pattern.h) are compiled
 * once per service at load and kept most specific first, so finding the tenant
 * of a name the flow already matched to a service tries that service's few
 * templates from the right end of the name; vendor labels that are never
 * tenants are one hash probe (the built-in list) and a short scan (the
 * service's own).
 */
#include "catalog.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "hostname.h"
#include "lpm.h"
#include "symbol.h"
#include "tenant_pattern.h"

struct name_slot {
    const char *name; /* NULL = empty slot */
    uint32_t hash;
    uint32_t len;
    int32_t service;
};

struct name_table {
    struct name_slot *slots;
    uint32_t cap, count; /* cap is a power of two, count <= cap / 2 */
};

struct tenant_entry {
    struct tenant_pattern pattern;
    int line;       /* of the "tenants" key */
    uint32_t order; /* position in the file: ties go to the first listed */
    bool suffix_ok; /* its fixed suffix lies under one of the service's domains */
};

/* A service's compiled tenant templates, most specific first. */
struct tenant_set {
    struct tenant_entry *items;
    size_t n;
    int not_tenants_line; /* of its "not_tenants" key, for an error without "tenants" */
};

struct catalog {
    struct service *services;
    size_t count, cap;
    struct name_table domains; /* hash of the name read right to left */
    struct name_table ndpi;    /* hash of the name read right to left, too */
    struct lpm *ranges;
    int32_t *by_sym; /* service index per symbol, -1 if none; symbols are small integers */
    uint32_t by_sym_len;
    /* "prefix*.suffix" domains: suffix -> index into patterns */
    struct name_table pattern_suffixes;
    struct pattern_set *patterns;
    size_t npatterns;
    struct tenant_set *tenant_sets; /* per service index, [0..ntenant_sets) */
    size_t ntenant_sets;
    struct name_table vendor_labels; /* catalog_default_not_tenants */
};

/* The label prefixes allowed in front of one suffix ("igcdn-" before
 * "akamaihd.net"): a short list per suffix, so matching stays one probe per
 * label of the looked-up name. */
struct pattern_set {
    char *suffix;
    size_t n;
    struct {
        char *prefix;
        size_t len;
        int32_t service;
    } *items;
};

static const char *const category_names[CATEGORY_COUNT] = {
    "genai",       "file-sharing", "storage-backup", "collaboration", "messaging",
    "video-conferencing", "developer", "cloud-infrastructure", "crm", "marketing",
    "analytics",   "advertising",  "design",         "personal-email", "social",
    "remote-access", "vpn-proxy",  "productivity",   "hr-finance",    "streaming",
    "e-commerce",  "gaming",       "search",         "news",          "security",
    "software-updates", "cdn",     "crypto",         "other",
};

static const char *const risk_names[RISK_COUNT] = {"low", "medium", "high"};

static const char *const use_names[SERVICE_USE_COUNT] = {NULL, "app", "api"};

static const char *const reason_names[REASON_COUNT] = {
    "external-storage",   "public-sharing",  "trains-on-data",       "no-sso",
    "personal-accounts",  "anonymising",     "remote-control",       "bulk-transfer",
    "unmanaged-messaging", "foreign-jurisdiction", "ad-tracking",    "malware-delivery",
    "recording",          "code-exposure",   "unreviewed",
};

static const char *const reason_descriptions[REASON_COUNT] = {
    "stores the organisation's files outside it",
    "can publish content or links to anyone",
    "may train models on what users submit",
    "no single sign-on on common plans",
    "commonly used with personal accounts",
    "hides traffic or identity from the network",
    "lets an outside party control a device",
    "built for moving large files out of the organisation",
    "messages are kept outside the organisation's retention",
    "data held under a jurisdiction with weak legal protections",
    "collects data for advertising",
    "often used to deliver malware",
    "records or transcribes meetings",
    "may expose source code or secrets",
    "nobody has reviewed this service yet",
};

const char *catalog_category_name(enum service_category cat)
{
    return (unsigned)cat < CATEGORY_COUNT ? category_names[cat] : "other";
}

int catalog_category_parse(const char *s)
{
    for (int i = 0; i < CATEGORY_COUNT; i++) {
        if (strcmp(s, category_names[i]) == 0)
            return i;
    }
    return -1;
}

const char *catalog_risk_name(enum service_risk risk)
{
    return (unsigned)risk < RISK_COUNT ? risk_names[risk] : "unknown";
}

const char *catalog_use_name(enum service_use use)
{
    return (unsigned)use < SERVICE_USE_COUNT ? use_names[use] : NULL;
}

const char *catalog_reason_name(enum risk_reason r)
{
    return (unsigned)r < REASON_COUNT ? reason_names[r] : "";
}

const char *catalog_reason_description(enum risk_reason r)
{
    return (unsigned)r < REASON_COUNT ? reason_descriptions[r] : "";
}

/* ---- the name tables ---- */

static uint32_t hash_step(uint32_t h, char c)
{
    return (h ^ (uint8_t)c) * 16777619u; /* FNV-1a */
}

static uint32_t hash_reversed(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = len; i-- > 0;)
        h = hash_step(h, s[i]);
    return h;
}

static int table_grow(struct name_table *t)
{
    uint32_t cap = t->cap ? t->cap * 2 : 256;
    struct name_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots)
        return -1;
    for (uint32_t i = 0; i < t->cap; i++) {
        if (!t->slots[i].name)
            continue;
        uint32_t j = t->slots[i].hash & (cap - 1);
        while (slots[j].name)
            j = (j + 1) & (cap - 1);
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

static const struct name_slot *table_find(const struct name_table *t, const char *s, size_t len,
                                          uint32_t h)
{
    if (!t->cap)
        return NULL;
    for (uint32_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        const struct name_slot *slot = &t->slots[i];
        if (!slot->name)
            return NULL;
        if (slot->hash == h && slot->len == len && memcmp(slot->name, s, len) == 0)
            return slot;
    }
}

/* Returns the existing slot's service if the name is taken, -1 if added, -2 on ENOMEM. */
static int32_t table_add(struct name_table *t, const char *name, int32_t service)
{
    size_t len = strlen(name);
    uint32_t h = hash_reversed(name, len);
    const struct name_slot *old = table_find(t, name, len, h);
    if (old)
        return old->service;
    if ((t->count + 1) * 2 > t->cap && table_grow(t) != 0)
        return -2;
    uint32_t i = h & (t->cap - 1);
    while (t->slots[i].name)
        i = (i + 1) & (t->cap - 1);
    t->slots[i] = (struct name_slot){name, h, (uint32_t)len, service};
    t->count++;
    return -1;
}

/* ---- parsing ---- */

enum entry_key {
    KEY_NAME,
    KEY_VENDOR,
    KEY_CATEGORY,
    KEY_RISK,
    KEY_REASONS,
    KEY_DOMAINS,
    KEY_NDPI,
    KEY_IP,
    KEY_TENANTS,
    KEY_NOT_TENANTS,
    KEY_USE,
    KEY_COUNT
};
static const char *const key_names[KEY_COUNT] = {"name",    "vendor",      "category", "risk",
                                                 "reasons", "domains",     "ndpi",     "ip",
                                                 "tenants", "not_tenants", "use"};

struct loader {
    struct catalog *c;
    const char *file;
    int line;          /* of the entry being parsed */
    int key_line;
    int use_line; /* of the entry's "use" key */
    int seen[KEY_COUNT];
    bool in_entry;     /* a valid [id] header opened the current entry */
    struct diag *d;
};

static struct service *current(struct loader *l)
{
    return &l->c->services[l->c->count - 1];
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
              ch == '.'))
            return 0;
    }
    return 1;
}

static void finish_tenants(struct loader *l, const struct service *s);

static void finish_entry(struct loader *l)
{
    if (!l->in_entry)
        return;
    l->in_entry = false;
    struct service *s = current(l);
    static const enum entry_key required[] = {KEY_NAME, KEY_VENDOR, KEY_CATEGORY, KEY_RISK};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (!l->seen[required[i]])
            diag_error(l->d, l->file, l->line, "service \"%s\" has no \"%s\"", s->id,
                       key_names[required[i]]);
    }
    if (l->seen[KEY_RISK] && s->risk != RISK_LOW && s->reasons == 0)
        diag_error(l->d, l->file, l->line,
                   "service \"%s\" is %s risk but gives no \"reasons\"", s->id,
                   risk_names[s->risk]);
    if (s->ndomains == 0 && s->nndpi == 0 && s->nranges == 0)
        diag_error(l->d, l->file, l->line,
                   "service \"%s\" has no \"domains\", \"ndpi\" or \"ip\": nothing can match it",
                   s->id);
    /* Known only now: "use" may come before "category". */
    if (s->category != CATEGORY_GENAI && l->seen[KEY_USE]) {
        diag_error(l->d, l->file, l->use_line,
                   "\"use\" is for generative-AI services only: service \"%s\" is category "
                   "\"%s\", not genai",
                   s->id, catalog_category_name(s->category));
        s->use = SERVICE_USE_NONE;
    } else if (s->category == CATEGORY_GENAI && s->use == SERVICE_USE_NONE) {
        s->use = SERVICE_USE_APP;
    }
    finish_tenants(l, s);
}

struct word_ctx {
    struct loader *l;
    int32_t idx;
};

/* ---- tenant templates ---- */

const char *const catalog_default_not_tenants[] = {
    "www",      "www2",      "m",         "app",        "apps",    "api",       "auth",
    "login",    "signin",    "signup",    "sso",        "oauth",   "id",        "account",
    "accounts", "my",        "portal",    "admin",      "secure",  "status",    "support",
    "help",     "docs",      "developer", "developers", "blog",    "community", "mail",
    "edge",     "cdn",       "static",    "assets",     "media",   "images",    "img",
    "js",       "css",       "files",     "upload",     "uploads", "download",  "downloads",
    "beacon",   "telemetry", "metrics",   "events",     "push",    "ws",        "wss",
    NULL,
};

/* The tenant set of service idx, made (empty) when missing; NULL on ENOMEM. */
static struct tenant_set *tenant_set_make(struct catalog *c, int32_t idx)
{
    if ((size_t)idx >= c->ntenant_sets) {
        size_t n = c->cap > (size_t)idx ? c->cap : (size_t)idx + 1;
        struct tenant_set *ns = realloc(c->tenant_sets, n * sizeof(*ns));
        if (!ns)
            return NULL;
        memset(ns + c->ntenant_sets, 0, (n - c->ntenant_sets) * sizeof(*ns));
        c->tenant_sets = ns;
        c->ntenant_sets = n;
    }
    return &c->tenant_sets[idx];
}

/* The tenant set of service idx if it has templates, else NULL. */
static struct tenant_set *tenant_set_for(const struct catalog *c, int idx)
{
    if (idx < 0 || (size_t)idx >= c->ntenant_sets || c->tenant_sets[idx].n == 0)
        return NULL;
    return &c->tenant_sets[idx];
}

static bool list_has(char *const *list, size_t n, const char *word)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], word) == 0)
            return true;
    }
    return false;
}

/* Appends a copy of word; -1 when out of memory (the list is then unchanged). */
static int list_push(char ***list, size_t *n, const char *word)
{
    char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (nl)
        *list = nl;
    char *copy = nl ? strdup(word) : NULL;
    if (!copy)
        return -1;
    (*list)[(*n)++] = copy;
    return 0;
}

static int add_tenant(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct service *s = current(l);
    struct tenant_pattern p;
    char why[160];
    if (!tenant_pattern_compile(word, &p, why, sizeof(why))) {
        diag_error(l->d, l->file, l->key_line, "tenant pattern \"%s\" %s", word, why);
        return 0;
    }
    if (list_has(s->tenants, s->ntenants, word)) {
        diag_error(l->d, l->file, l->key_line,
                   "tenant pattern \"%s\" is given twice for service \"%s\"", word, s->id);
        return 0;
    }
    struct tenant_set *set = tenant_set_make(l->c, w->idx);
    struct tenant_entry *ni = set ? realloc(set->items, (set->n + 1) * sizeof(*ni)) : NULL;
    if (ni)
        set->items = ni;
    if (!ni || list_push(&s->tenants, &s->ntenants, word) != 0) {
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    size_t k = set->n++;
    set->items[k] = (struct tenant_entry){p, l->key_line, (uint32_t)k, false};
    return 0;
}

static int add_not_tenant(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct service *s = current(l);
    char norm[64];
    size_t n = hostname_normalize(word, strlen(word), norm, sizeof(norm));
    if (n == 0 || strcmp(norm, word) != 0 || strchr(word, '.')) {
        diag_error(l->d, l->file, l->key_line,
                   "\"%s\" is not a label (expected like www: lower-case letters, digits, '-' "
                   "or '_')",
                   word);
        return 0;
    }
    if (list_has(s->not_tenants, s->nnot_tenants, word)) {
        diag_error(l->d, l->file, l->key_line,
                   "\"%s\" is given twice in \"not_tenants\" of service \"%s\"", word, s->id);
        return 0;
    }
    if (list_push(&s->not_tenants, &s->nnot_tenants, word) != 0) {
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    return 0;
}

/* True when name is domain or a name under it. */
static bool under_domain(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);
    return n >= d && strcmp(name + n - d, domain) == 0 && (n == d || name[n - d - 1] == '.');
}

static int by_specificity(const void *a, const void *b)
{
    const struct tenant_entry *x = a, *y = b;
    if (x->pattern.fixed != y->pattern.fixed)
        return x->pattern.fixed > y->pattern.fixed ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* At the end of an entry, when its domains are known: each template's fixed
 * suffix must lie under one of them, or no host it describes would ever be
 * attributed to the service. */
static void finish_tenants(struct loader *l, const struct service *s)
{
    int32_t idx = (int32_t)(l->c->count - 1);
    struct tenant_set *set = tenant_set_for(l->c, idx);
    if (!set) {
        if (s->nnot_tenants) /* the set, empty, holds the key's line */
            diag_error(l->d, l->file,
                       (size_t)idx < l->c->ntenant_sets ? l->c->tenant_sets[idx].not_tenants_line
                                                        : l->line,
                       "service \"%s\" has \"not_tenants\" but no \"tenants\"", s->id);
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        struct tenant_entry *t = &set->items[i];
        const char *suffix = t->pattern.text + t->pattern.suffix_off;
        for (size_t j = 0; j < s->ndomains && !t->suffix_ok; j++)
            t->suffix_ok = !strchr(s->domains[j], '*') && under_domain(suffix, s->domains[j]);
        if (!t->suffix_ok)
            diag_error(l->d, l->file, t->line,
                       "tenant pattern \"%s\" is not under any domain of service \"%s\"",
                       t->pattern.text, s->id);
    }
    qsort(set->items, set->n, sizeof(*set->items), by_specificity);
}

/* Once every service is known: a longer domain of another service must not
 * take the hosts a template describes. */
static void check_tenant_owners(struct loader *l)
{
    struct catalog *c = l->c;
    for (size_t i = 0; i < c->ntenant_sets; i++) {
        const struct tenant_set *set = &c->tenant_sets[i];
        for (size_t k = 0; k < set->n; k++) {
            const struct tenant_entry *t = &set->items[k];
            const char *suffix = t->pattern.text + t->pattern.suffix_off;
            size_t matched = 0;
            int owner = t->suffix_ok ? catalog_match_host(c, suffix, strlen(suffix), &matched) : -1;
            if (!t->suffix_ok || owner == (int)i || owner < 0)
                continue;
            const struct service *o = &c->services[owner];
            diag_error(l->d, l->file, t->line,
                       "tenant pattern \"%s\": host names under \"%.*s\" belong to service "
                       "\"%s\" (line %d)",
                       t->pattern.text, (int)matched, suffix + strlen(suffix) - matched, o->id,
                       o->line);
        }
    }
}

static int add_pattern(struct word_ctx *w, const char *word, const char *star);

static int add_domain(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct service *s = current(l);
    const char *star = strchr(word, '*');
    if (star)
        return add_pattern(w, word, star);
    char norm[HOSTNAME_MAX + 1];
    size_t n = hostname_normalize(word, strlen(word), norm, sizeof(norm));
    if (n == 0 || strcmp(norm, word) != 0 || !strchr(norm, '.')) {
        diag_error(l->d, l->file, l->key_line,
                   "\"%s\" is not a domain (expected lower-case labels like example.com)", word);
        return 0;
    }
    char **nd = realloc(s->domains, (s->ndomains + 1) * sizeof(*nd));
    char *copy = strdup(norm);
    if (!nd || !copy) {
        free(copy);
        if (nd)
            s->domains = nd;
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    s->domains = nd;
    int32_t owner = table_add(&l->c->domains, copy, w->idx);
    if (owner == -2) {
        free(copy);
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    if (owner >= 0) {
        const struct service *o = &l->c->services[owner];
        diag_error(l->d, l->file, l->key_line, "domain \"%s\" is already claimed by \"%s\" (line %d)",
                   word, o->id, o->line);
        free(copy);
        return 0;
    }
    s->domains[s->ndomains++] = copy;
    return 0;
}

/* "prefix*.suffix": the first label starts with prefix, the rest is suffix. */
static int add_pattern(struct word_ctx *w, const char *word, const char *star)
{
    struct loader *l = w->l;
    struct service *s = current(l);
    const char *dot = strchr(word, '.');
    char suffix[HOSTNAME_MAX + 1], prefix[64];
    size_t plen = (size_t)(star - word);
    if (!dot || star + 1 != dot || plen == 0 || plen >= sizeof(prefix) ||
        hostname_normalize(dot + 1, strlen(dot + 1), suffix, sizeof(suffix)) == 0 ||
        strcmp(suffix, dot + 1) != 0 || !strchr(suffix, '.')) {
        diag_error(l->d, l->file, l->key_line,
                   "\"%s\" is not a domain pattern (expected like igcdn-*.akamaihd.net: a "
                   "label prefix, '*', then a domain)",
                   word);
        return 0;
    }
    memcpy(prefix, word, plen);
    prefix[plen] = '\0';
    char check[64];
    if (hostname_normalize(prefix, plen, check, sizeof(check)) != plen || strchr(prefix, '.')) {
        diag_error(l->d, l->file, l->key_line, "\"%s\": the prefix before '*' must be letters, "
                   "digits, '-' or '_'", word);
        return 0;
    }
    struct catalog *c = l->c;
    size_t slen = strlen(suffix);
    const struct name_slot *slot =
        table_find(&c->pattern_suffixes, suffix, slen, hash_reversed(suffix, slen));
    struct pattern_set *set;
    if (slot) {
        set = &c->patterns[slot->service];
    } else {
        struct pattern_set *np = realloc(c->patterns, (c->npatterns + 1) * sizeof(*np));
        if (!np)
            goto oom;
        c->patterns = np;
        set = &c->patterns[c->npatterns];
        memset(set, 0, sizeof(*set));
        set->suffix = strdup(suffix);
        if (!set->suffix || table_add(&c->pattern_suffixes, set->suffix,
                                      (int32_t)c->npatterns) == -2) {
            free(set->suffix);
            goto oom;
        }
        c->npatterns++;
    }
    for (size_t i = 0; i < set->n; i++) {
        if (strcmp(set->items[i].prefix, prefix) == 0) {
            const struct service *o = &c->services[set->items[i].service];
            diag_error(l->d, l->file, l->key_line,
                       "domain pattern \"%s\" is already claimed by \"%s\" (line %d)", word, o->id,
                       o->line);
            return 0;
        }
    }
    void *ni = realloc(set->items, (set->n + 1) * sizeof(*set->items));
    char **nd = realloc(s->domains, (s->ndomains + 1) * sizeof(*nd));
    if (nd)
        s->domains = nd;
    if (!ni || !nd)
        goto oom;
    set->items = ni;
    set->items[set->n].prefix = strdup(prefix);
    set->items[set->n].len = plen;
    set->items[set->n].service = w->idx;
    s->domains[s->ndomains] = strdup(word);
    if (!set->items[set->n].prefix || !s->domains[s->ndomains])
        goto oom;
    set->n++;
    s->ndomains++;
    return 0;
oom:
    diag_error(l->d, l->file, l->key_line, "out of memory");
    return 1;
}

static int add_ndpi(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct service *s = current(l);
    for (const char *p = word; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == '/' || (unsigned char)*p >= 0x7f) {
            diag_error(l->d, l->file, l->key_line, "\"%s\" is not an nDPI protocol name", word);
            return 0;
        }
    }
    char **nn = realloc(s->ndpi, (s->nndpi + 1) * sizeof(*nn));
    char *copy = strdup(word);
    if (!nn || !copy) {
        free(copy);
        if (nn)
            s->ndpi = nn;
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    s->ndpi = nn;
    int32_t owner = table_add(&l->c->ndpi, copy, w->idx);
    if (owner >= 0) {
        const struct service *o = &l->c->services[owner];
        diag_error(l->d, l->file, l->key_line,
                   "nDPI protocol \"%s\" is already mapped to \"%s\" (line %d)", word, o->id,
                   o->line);
        free(copy);
        return 0;
    }
    if (owner == -2) {
        free(copy);
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    s->ndpi[s->nndpi++] = copy;
    return 0;
}

static int add_range(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct service *s = current(l);
    struct netprefix p;
    const char *why = NULL;
    if (!netprefix_parse(word, &p, &why)) {
        diag_error(l->d, l->file, l->key_line, "\"%s\" is not a CIDR prefix: %s", word, why);
        return 0;
    }
    struct netprefix *nr = realloc(s->ranges, (s->nranges + 1) * sizeof(*nr));
    if (!nr) {
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    s->ranges = nr;
    int32_t old = lpm_insert(l->c->ranges, &p, w->idx);
    if (old == -2) {
        diag_error(l->d, l->file, l->key_line, "out of memory");
        return 1;
    }
    if (old >= 0 && old != w->idx) {
        const struct service *o = &l->c->services[old];
        diag_error(l->d, l->file, l->key_line, "range %s is already claimed by \"%s\" (line %d)",
                   word, o->id, o->line);
        lpm_insert(l->c->ranges, &p, old);
        return 0;
    }
    s->ranges[s->nranges++] = p;
    return 0;
}

static int add_reason(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    for (int i = 0; i < REASON_COUNT; i++) {
        if (strcmp(word, reason_names[i]) == 0) {
            current(l)->reasons |= 1u << i;
            return 0;
        }
    }
    diag_error(l->d, l->file, l->key_line,
               "unknown risk reason \"%s\" (see docs/rules.md for the list)", word);
    return 0;
}

static void open_entry(struct loader *l, const struct conf_entry *e)
{
    finish_entry(l);
    l->line = e->line;
    memset(l->seen, 0, sizeof(l->seen));
    if (!valid_id(e->section)) {
        diag_error(l->d, e->file, e->line,
                   "\"%s\" is not a service id (lower-case letters, digits, '-', '_', '.')",
                   e->section);
        return;
    }
    uint32_t sym = symbol_intern(e->section);
    if (sym == SYMBOL_NONE) {
        diag_error(l->d, e->file, e->line, "out of memory");
        return;
    }
    if (catalog_find_sym(l->c, sym) >= 0) {
        const struct service *o = &l->c->services[catalog_find_sym(l->c, sym)];
        diag_error(l->d, e->file, e->line, "service \"%s\" is defined twice (first at line %d)",
                   e->section, o->line);
        return;
    }
    struct catalog *c = l->c;
    if (sym >= c->by_sym_len) {
        uint32_t len = sym + 64;
        int32_t *nb = realloc(c->by_sym, len * sizeof(*nb));
        if (!nb) {
            diag_error(l->d, e->file, e->line, "out of memory");
            return;
        }
        for (uint32_t i = c->by_sym_len; i < len; i++)
            nb[i] = -1;
        c->by_sym = nb;
        c->by_sym_len = len;
    }
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct service *ns = realloc(c->services, cap * sizeof(*ns));
        if (!ns) {
            diag_error(l->d, e->file, e->line, "out of memory");
            return;
        }
        c->services = ns;
        c->cap = cap;
    }
    struct service *s = &c->services[c->count++];
    memset(s, 0, sizeof(*s));
    s->sym = sym;
    s->id = symbol_name(sym);
    s->line = e->line;
    s->category = CATEGORY_OTHER;
    c->by_sym[sym] = (int32_t)(c->count - 1);
    l->in_entry = true;
}

static void set_text(struct loader *l, char **field, const char *value, const char *what)
{
    if (value[0] == '\0') {
        diag_error(l->d, l->file, l->key_line, "\"%s\" is empty", what);
        return;
    }
    free(*field);
    *field = strdup(value);
}

static void set_use(struct loader *l, struct service *s, const struct conf_entry *e)
{
    l->use_line = e->line;
    for (int i = SERVICE_USE_APP; i < SERVICE_USE_COUNT; i++) {
        if (strcmp(e->value, use_names[i]) == 0) {
            s->use = (enum service_use)i;
            return;
        }
    }
    diag_error(l->d, e->file, e->line,
               "use must be app (people use the vendor's app or site) or api (programs call its "
               "models), not \"%s\"",
               e->value);
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct loader *l = ctx;
    if (!e->key) {
        open_entry(l, e);
        return;
    }
    if (e->section[0] == '\0') {
        diag_error(d, e->file, e->line, "\"%s\" outside a [service] section", e->key);
        return;
    }
    if (!l->in_entry)
        return; /* the header was bad and has been reported */
    int k = -1;
    for (int i = 0; i < KEY_COUNT; i++) {
        if (strcmp(e->key, key_names[i]) == 0)
            k = i;
    }
    if (k < 0) {
        diag_error(d, e->file, e->line,
                   "unknown key \"%s\" (expected name, vendor, category, risk, reasons, domains, "
                   "ndpi, ip, tenants, not_tenants or use)",
                   e->key);
        return;
    }
    if (l->seen[k]) {
        diag_error(d, e->file, e->line, "\"%s\" given twice for service \"%s\"", e->key,
                   current(l)->id);
        return;
    }
    l->seen[k] = 1;
    l->key_line = e->line;
    struct service *s = current(l);
    struct word_ctx w = {l, (int32_t)(l->c->count - 1)};
    switch ((enum entry_key)k) {
    case KEY_NAME:
        set_text(l, &s->name, e->value, "name");
        break;
    case KEY_VENDOR:
        set_text(l, &s->vendor, e->value, "vendor");
        break;
    case KEY_CATEGORY: {
        int cat = catalog_category_parse(e->value);
        if (cat < 0)
            diag_error(d, e->file, e->line,
                       "unknown category \"%s\" (see docs/rules.md for the list)", e->value);
        else
            s->category = (enum service_category)cat;
        break;
    }
    case KEY_RISK: {
        int found = 0;
        for (int i = 0; i < RISK_COUNT; i++) {
            if (strcmp(e->value, risk_names[i]) == 0) {
                s->risk = (enum service_risk)i;
                found = 1;
            }
        }
        if (!found)
            diag_error(d, e->file, e->line, "risk must be low, medium or high, not \"%s\"",
                       e->value);
        break;
    }
    case KEY_REASONS:
        conf_each_word(e->value, add_reason, &w);
        break;
    case KEY_DOMAINS:
        conf_each_word(e->value, add_domain, &w);
        break;
    case KEY_NDPI:
        conf_each_word(e->value, add_ndpi, &w);
        break;
    case KEY_IP:
        conf_each_word(e->value, add_range, &w);
        break;
    case KEY_TENANTS:
        conf_each_word(e->value, add_tenant, &w);
        break;
    case KEY_NOT_TENANTS: {
        struct tenant_set *set = tenant_set_make(l->c, w.idx);
        if (set)
            set->not_tenants_line = e->line;
        conf_each_word(e->value, add_not_tenant, &w);
        break;
    }
    case KEY_USE:
        set_use(l, s, e);
        break;
    case KEY_COUNT:
        break;
    }
}

static struct catalog *catalog_new(void)
{
    struct catalog *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ranges = lpm_new();
    if (!c->ranges) {
        free(c);
        return NULL;
    }
    for (size_t i = 0; catalog_default_not_tenants[i]; i++) {
        if (table_add(&c->vendor_labels, catalog_default_not_tenants[i], 0) == -2) {
            catalog_free(c);
            return NULL;
        }
    }
    return c;
}

static struct catalog *finish_load(struct loader *l, size_t errors_before, const char *name)
{
    finish_entry(l);
    check_tenant_owners(l);
    if (l->c->count == 0 && l->d->errors == errors_before)
        diag_error(l->d, name, 0, "no services defined");
    if (l->d->errors != errors_before) {
        catalog_free(l->c);
        return NULL;
    }
    return l->c;
}

struct catalog *catalog_load_buffer(const char *name, const char *buf, size_t len, struct diag *d)
{
    struct loader l = {.c = catalog_new(), .file = name, .d = d};
    if (!l.c) {
        diag_error(d, name, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_buffer(name, buf, len, on_entry, &l, d);
    return finish_load(&l, before, name);
}

struct catalog *catalog_load(const char *path, struct diag *d)
{
    struct loader l = {.c = catalog_new(), .file = path, .d = d};
    if (!l.c) {
        diag_error(d, path, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_file(path, on_entry, &l, d);
    return finish_load(&l, before, path);
}

void catalog_free(struct catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++) {
        struct service *s = &c->services[i];
        free(s->name);
        free(s->vendor);
        for (size_t j = 0; j < s->ndomains; j++)
            free(s->domains[j]);
        free(s->domains);
        for (size_t j = 0; j < s->nndpi; j++)
            free(s->ndpi[j]);
        free(s->ndpi);
        free(s->ranges);
        for (size_t j = 0; j < s->ntenants; j++)
            free(s->tenants[j]);
        free(s->tenants);
        for (size_t j = 0; j < s->nnot_tenants; j++)
            free(s->not_tenants[j]);
        free(s->not_tenants);
    }
    for (size_t i = 0; i < c->ntenant_sets; i++)
        free(c->tenant_sets[i].items);
    free(c->tenant_sets);
    free(c->vendor_labels.slots);
    free(c->services);
    free(c->domains.slots);
    free(c->ndpi.slots);
    lpm_free(c->ranges);
    free(c->by_sym);
    for (size_t i = 0; i < c->npatterns; i++) {
        for (size_t j = 0; j < c->patterns[i].n; j++)
            free(c->patterns[i].items[j].prefix);
        free(c->patterns[i].items);
        free(c->patterns[i].suffix);
    }
    free(c->patterns);
    free(c->pattern_suffixes.slots);
    free(c);
}

size_t catalog_count(const struct catalog *c)
{
    return c->count;
}

const struct service *catalog_service(const struct catalog *c, int idx)
{
    if (idx < 0 || (size_t)idx >= c->count)
        return NULL;
    return &c->services[idx];
}

int catalog_find_sym(const struct catalog *c, uint32_t sym)
{
    return sym < c->by_sym_len ? c->by_sym[sym] : -1;
}

int catalog_find(const struct catalog *c, const char *id)
{
    uint32_t sym = symbol_find(id);
    return sym == SYMBOL_NONE ? -1 : catalog_find_sym(c, sym);
}

/* The pattern of suffix host[i..len) that the label before it matches, or -1. */
static int match_pattern(const struct catalog *c, const char *host, size_t len, size_t i,
                         uint32_t h, size_t *label_start)
{
    if (i < 2)
        return -1; /* no label in front of the suffix */
    const struct name_slot *slot = table_find(&c->pattern_suffixes, host + i, len - i, h);
    if (!slot)
        return -1;
    size_t j = i - 1; /* the dot */
    while (j > 0 && host[j - 1] != '.')
        j--;
    const struct pattern_set *set = &c->patterns[slot->service];
    int best = -1;
    size_t best_len = 0;
    for (size_t k = 0; k < set->n; k++) {
        size_t pl = set->items[k].len;
        if (pl < i - 1 - j + 1 && pl > best_len &&
            memcmp(host + j, set->items[k].prefix, pl) == 0) {
            best = set->items[k].service;
            best_len = pl;
        }
    }
    *label_start = j;
    return best;
}

int catalog_match_host(const struct catalog *c, const char *host, size_t len, size_t *matched_len)
{
    int best = -1;
    size_t best_len = 0;
    uint32_t h = 2166136261u;
    for (size_t i = len; i-- > 0;) {
        h = hash_step(h, host[i]);
        if (i > 0 && host[i - 1] != '.')
            continue;
        const struct name_slot *slot = table_find(&c->domains, host + i, len - i, h);
        if (slot && len - i >= best_len) {
            best = slot->service;
            best_len = len - i;
        }
        if (c->npatterns) {
            size_t j;
            int p = match_pattern(c, host, len, i, h, &j);
            if (p >= 0 && len - j > best_len) {
                best = p;
                best_len = len - j;
            }
        }
    }
    if (best >= 0 && matched_len)
        *matched_len = best_len;
    return best;
}

int catalog_match_addr(const struct catalog *c, const struct netaddr *a)
{
    return lpm_lookup(c->ranges, a);
}

int catalog_match_ndpi(const struct catalog *c, const char *ndpi_name)
{
    size_t len = strlen(ndpi_name);
    const struct name_slot *slot = table_find(&c->ndpi, ndpi_name, len,
                                              hash_reversed(ndpi_name, len));
    return slot ? slot->service : -1;
}

/* ---- tenants ---- */

bool catalog_has_tenants(const struct catalog *c, int service)
{
    return tenant_set_for(c, service) != NULL;
}

/* True when the lower-case name[0..len) is one of the vendor's own labels. */
static bool vendor_label(const struct catalog *c, int service, const char *name, size_t len)
{
    if (table_find(&c->vendor_labels, name, len, hash_reversed(name, len)))
        return true;
    const struct service *s = &c->services[service];
    for (size_t i = 0; i < s->nnot_tenants; i++) {
        if (strncmp(s->not_tenants[i], name, len) == 0 && s->not_tenants[i][len] == '\0')
            return true;
    }
    return false;
}

int catalog_tenant_of(const struct catalog *c, int service, const char *host, char *tenant,
                      size_t tenantsz)
{
    if (tenantsz)
        tenant[0] = '\0';
    const struct tenant_set *set = tenant_set_for(c, service);
    if (!set)
        return -1;
    size_t len = strnlen(host, HOSTNAME_MAX + 1);
    if (len > HOSTNAME_MAX)
        return 0;
    for (size_t i = 0; i < set->n; i++) {
        size_t start, n;
        if (!tenant_pattern_match(&set->items[i].pattern, host, len, &start, &n))
            continue;
        char name[HOSTNAME_MAX + 1];
        for (size_t k = 0; k < n; k++) {
            char ch = host[start + k];
            name[k] = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
        }
        name[n] = '\0';
        if (vendor_label(c, service, name, n))
            continue; /* this template found no tenant; a less specific one may */
        if (n >= tenantsz)
            return 0;
        memcpy(tenant, name, n + 1);
        return 1;
    }
    return 0;
}

const char *catalog_tenant_name_problem(const struct catalog *c, int service, const char *name)
{
    const struct tenant_set *set = tenant_set_for(c, service);
    if (!set)
        return "names a tenant of a service that has no tenant patterns";
    char norm[HOSTNAME_MAX + 1];
    size_t n = strlen(name);
    if (n == 0 || hostname_normalize(name, n, norm, sizeof(norm)) != n || norm[0] == '-' ||
        norm[n - 1] == '-' || strstr(norm, ".-") || strstr(norm, "-."))
        return "is not a tenant name (letters, digits, '-' and '_', with dots between labels for "
               "a {tenant+} pattern)";
    if (vendor_label(c, service, norm, n))
        return "is one of the vendor's own labels, never a tenant";
    bool multi = false;
    for (size_t i = 0; i < set->n; i++)
        multi |= set->items[i].pattern.multi;
    if (strchr(norm, '.') && !multi)
        return "has a dot, but no {tenant+} pattern of the service takes several labels";
    return NULL;
}
