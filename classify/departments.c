/*
 * departments.c - parse the departments file; department lookups by address,
 * VLAN and device.
 *
 * Addresses go through a prefix trie (lpm.h), VLANs through a 4096-slot array.
 * Device rules are small tables searched per flow, never per packet: MAC rules
 * sorted by prefix length and octets, so a lookup is at most six binary
 * searches; DHCP host-name patterns in file order, matched by a bounded
 * shell-style matcher of our own rather than fnmatch(3), whose FNM_CASEFOLD is
 * a GNU extension and which may allocate for multibyte locales.
 *
 * MACs, DHCP host names and patterns name devices (and through them people):
 * no message here quotes one.  An error says which word of the line is wrong
 * and why.
 */
#include "departments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "lpm.h"
#include "macaddr.h"
#include "symbol.h"

#define VLAN_IDS 4096

struct mac_rule {
    uint8_t octets[MACADDR_LEN]; /* beyond len: zero */
    uint8_t len;                 /* octets that count, 1..6 */
    int16_t dept;
    uint16_t word; /* position on its line, for messages */
    int line;
};

struct name_rule {
    char pattern[DEPARTMENT_PATTERN_MAX + 1]; /* lower case, validated */
    int16_t dept;
    int line;
};

struct departments {
    struct department *list;
    size_t count, cap;
    struct lpm *networks;   /* prefix -> department index */
    struct lpm *internal;   /* prefix -> 0 for every internal range, departments' too */
    int16_t vlan[VLAN_IDS]; /* department index, -1 when the VLAN is not listed */
    struct mac_rule *macs;  /* sorted by (len, octets) once loaded */
    size_t nmacs, cap_macs;
    size_t mac_from[MACADDR_LEN + 2]; /* rules of length n: macs[mac_from[n], mac_from[n + 1]) */
    struct name_rule *names;          /* file order */
    size_t nnames, cap_names;
};

struct loader {
    struct departments *t;
    int current; /* index of the department being read, -1 if none */
    int seen_name, seen_networks, seen_vlans, seen_devices;
    struct diag *d;
    const char *file;
    int line;
};

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '-' || s[0] == '_')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

struct word_ctx {
    struct loader *l;
    int dept;  /* -1 for the top-level "internal" key */
    int words; /* words seen so far on the key's line */
};

static int add_network(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct netprefix p;
    const char *why = NULL;
    /* Set per word, not per key: "networks =" with nothing after it gives none. */
    if (w->dept >= 0)
        l->seen_networks = 1;
    if (!netprefix_parse(word, &p, &why)) {
        diag_error(l->d, l->file, l->line,
                   "\"%s\" is not a CIDR prefix (%s; expected like "
                   "10.1.0.0/16 or fd00:1::/48)",
                   word, why);
        return 0;
    }
    if (w->dept >= 0) {
        int32_t old = lpm_insert(l->t->networks, &p, w->dept);
        if (old >= 0 && old != w->dept) {
            const struct department *o = &l->t->list[old];
            diag_error(l->d, l->file, l->line, "network %s already belongs to \"%s\" (line %d)",
                       word, o->id, o->line);
            lpm_insert(l->t->networks, &p, old);
            return 0;
        }
        if (old == -2)
            goto oom;
    }
    if (lpm_insert(l->t->internal, &p, 0) == -2)
        goto oom;
    return 0;
oom:
    diag_error(l->d, l->file, l->line, "out of memory");
    return 1;
}

static int add_vlan(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    unsigned long long v;
    l->seen_vlans = 1;
    if (conf_parse_uint(word, 4094, &v) != 0 || v == 0) {
        diag_error(l->d, l->file, l->line, "\"%s\" is not a VLAN id (1 to 4094)", word);
        return 0;
    }
    if (l->t->vlan[v] >= 0 && l->t->vlan[v] != w->dept) {
        const struct department *o = &l->t->list[l->t->vlan[v]];
        diag_error(l->d, l->file, l->line, "VLAN %llu already belongs to \"%s\" (line %d)", v,
                   o->id, o->line);
        return 0;
    }
    l->t->vlan[v] = (int16_t)w->dept;
    return 0;
}

/* ---- device rules: "macs" and "dhcp_names" ---- */

static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* A character of a bad pattern, for a message: itself when printable, else its code. */
static const char *show_char(char c, char *buf, size_t len)
{
    unsigned char u = (unsigned char)c;
    if (u > 0x20 && u < 0x7f)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", u);
    return buf;
}

/* Checks the [...] class at p ('[' itself at p[-1], already lower case).
 * Returns its length up to and with the ']', or 0 after recording an error. */
static size_t check_class(struct loader *l, int word, const char *p)
{
    char shown[16];
    size_t i = (p[0] == '!' || p[0] == '^') ? 1 : 0, first = i;
    for (; p[i] && p[i] != ']'; i++) {
        if (!host_char(p[i])) {
            diag_error(l->d, l->file, l->line,
                       "pattern %d of \"dhcp_names\" has %s in a [...], which cannot be in a "
                       "host name",
                       word, show_char(p[i], shown, sizeof(shown)));
            return 0;
        }
        if (p[i + 1] == '-' && p[i + 2] && p[i + 2] != ']' && p[i + 2] < p[i]) {
            diag_error(l->d, l->file, l->line,
                       "pattern %d of \"dhcp_names\" has a backwards range in a [...] (write "
                       "the lower end first, like [a-f])",
                       word);
            return 0;
        }
    }
    if (!p[i]) {
        diag_error(l->d, l->file, l->line, "pattern %d of \"dhcp_names\" has a '[' without its ']'",
                   word);
        return 0;
    }
    if (i == first) {
        diag_error(l->d, l->file, l->line, "pattern %d of \"dhcp_names\" has an empty [...]", word);
        return 0;
    }
    return i + 1;
}

/* True when the pattern (lower case) can match a host name: host-name
 * characters, '*', '?' and [...] classes of host-name characters, at most
 * DEPARTMENT_PATTERN_MAX of them.  Otherwise records why, without quoting it. */
static bool check_pattern(struct loader *l, int word, const char *p)
{
    char shown[16];
    if (strlen(p) > DEPARTMENT_PATTERN_MAX) {
        diag_error(l->d, l->file, l->line,
                   "pattern %d of \"dhcp_names\" is longer than %d characters", word,
                   DEPARTMENT_PATTERN_MAX);
        return false;
    }
    for (size_t i = 0; p[i]; i++) {
        if (p[i] == '[') {
            size_t n = check_class(l, word, p + i + 1);
            if (n == 0)
                return false;
            i += n;
        } else if (p[i] != '*' && p[i] != '?' && !host_char(p[i])) {
            diag_error(l->d, l->file, l->line,
                       "pattern %d of \"dhcp_names\" has %s, which cannot be in a host name "
                       "(letters, digits, '-', '.', '_', and the wildcards '*', '?' and [...])",
                       word, show_char(p[i], shown, sizeof(shown)));
            return false;
        }
    }
    return true;
}

static int add_pattern(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct departments *t = l->t;
    l->seen_devices = 1;
    w->words++;
    char pattern[DEPARTMENT_PATTERN_MAX + 1];
    size_t n = strlen(word);
    for (size_t i = 0; i < n && i < DEPARTMENT_PATTERN_MAX; i++)
        pattern[i] = lower(word[i]);
    pattern[n < DEPARTMENT_PATTERN_MAX ? n : DEPARTMENT_PATTERN_MAX] = '\0';
    if (!check_pattern(l, w->words, n > DEPARTMENT_PATTERN_MAX ? word : pattern))
        return 0;
    for (size_t i = 0; i < t->nnames; i++) {
        const struct name_rule *o = &t->names[i];
        if (strcmp(o->pattern, pattern) != 0)
            continue;
        if (o->dept != w->dept)
            diag_error(l->d, l->file, l->line,
                       "pattern %d of \"dhcp_names\" is already given to \"%s\" (line %d)",
                       w->words, t->list[o->dept].id, o->line);
        return 0; /* in the same department again: harmless */
    }
    if (t->nnames >= DEPARTMENTS_MAX_PATTERNS) {
        diag_error(l->d, l->file, l->line, "more than %d \"dhcp_names\" patterns in the file",
                   DEPARTMENTS_MAX_PATTERNS);
        return 1;
    }
    if (t->nnames == t->cap_names) {
        size_t cap = t->cap_names ? t->cap_names * 2 : 16;
        struct name_rule *nn = realloc(t->names, cap * sizeof(*nn));
        if (!nn) {
            diag_error(l->d, l->file, l->line, "out of memory");
            return 1;
        }
        t->names = nn;
        t->cap_names = cap;
    }
    struct name_rule *r = &t->names[t->nnames++];
    memcpy(r->pattern, pattern, sizeof(pattern));
    r->dept = (int16_t)w->dept;
    r->line = l->line;
    return 0;
}

static int add_mac(void *ctx, const char *word)
{
    struct word_ctx *w = ctx;
    struct loader *l = w->l;
    struct departments *t = l->t;
    l->seen_devices = 1;
    w->words++;
    uint8_t octets[MACADDR_LEN];
    int n = macaddr_parse_prefix(word, octets);
    if (n == 0) {
        diag_error(l->d, l->file, l->line,
                   "word %d of \"macs\" is not a MAC or MAC prefix (expected like "
                   "00:1b:63:84:45:e6, or 1 to 5 octets such as the OUI 00-1B-63)",
                   w->words);
        return 0;
    }
    if (t->nmacs >= DEPARTMENTS_MAX_MACS) {
        diag_error(l->d, l->file, l->line, "more than %d \"macs\" entries in the file",
                   DEPARTMENTS_MAX_MACS);
        return 1;
    }
    if (t->nmacs == t->cap_macs) {
        size_t cap = t->cap_macs ? t->cap_macs * 2 : 16;
        struct mac_rule *nm = realloc(t->macs, cap * sizeof(*nm));
        if (!nm) {
            diag_error(l->d, l->file, l->line, "out of memory");
            return 1;
        }
        t->macs = nm;
        t->cap_macs = cap;
    }
    struct mac_rule *r = &t->macs[t->nmacs++];
    memcpy(r->octets, octets, MACADDR_LEN);
    r->len = (uint8_t)n;
    r->dept = (int16_t)w->dept;
    r->word = (uint16_t)(w->words > 65535 ? 65535 : w->words);
    r->line = l->line;
    return 0;
}

/* Shorter prefixes first, then by octets; equal rules by their place in the file. */
static int mac_rule_cmp(const void *a, const void *b)
{
    const struct mac_rule *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    int c = memcmp(x->octets, y->octets, MACADDR_LEN);
    if (c != 0)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->word > y->word) - (x->word < y->word);
}

/* Sorts the MAC rules for lookup, drops repeats within a department and
 * reports a MAC or prefix given to two (at the later line). */
static void index_macs(struct loader *l)
{
    struct departments *t = l->t;
    if (t->nmacs > 1)
        qsort(t->macs, t->nmacs, sizeof(*t->macs), mac_rule_cmp);
    size_t kept = 0;
    for (size_t i = 0; i < t->nmacs; i++) {
        const struct mac_rule *m = &t->macs[i];
        const struct mac_rule *k = kept ? &t->macs[kept - 1] : NULL;
        if (k && k->len == m->len && memcmp(k->octets, m->octets, MACADDR_LEN) == 0) {
            if (k->dept != m->dept)
                diag_error(l->d, l->file, m->line,
                           "word %u of \"macs\" is already given to \"%s\" (line %d)",
                           (unsigned)m->word, t->list[k->dept].id, k->line);
            continue;
        }
        t->macs[kept++] = *m;
    }
    t->nmacs = kept;
    size_t i = 0;
    for (size_t n = 0; n < sizeof(t->mac_from) / sizeof(t->mac_from[0]); n++) {
        while (i < t->nmacs && t->macs[i].len < n)
            i++;
        t->mac_from[n] = i;
    }
}

/* Whether c (lower case) is in the class that starts at p (just after its
 * '['; validated at load).  *end is set just past the class's ']'. */
static bool class_has(const char *p, char c, const char **end)
{
    bool negate = *p == '!' || *p == '^', in = false;
    if (negate)
        p++;
    do {
        char lo = *p, hi = lo;
        if (p[1] == '-' && p[2] && p[2] != ']') {
            hi = p[2];
            p += 2;
        }
        if (c >= lo && c <= hi)
            in = true;
        p++;
    } while (*p != ']');
    *end = p + 1;
    return in != negate;
}

/* Shell-style match of a host name against a lower-case pattern: '*' any run,
 * '?' one character, [...] one of a class; letters in any case.  One
 * backtracking point (the last '*'), so time is bounded by the product of the
 * two lengths, both bounded. */
static bool pattern_match(const char *pat, const char *name)
{
    const char *star_pat = NULL, *star_name = NULL;
    while (*name) {
        if (*pat == '*') {
            star_pat = ++pat;
            star_name = name;
            continue;
        }
        char c = lower(*name);
        const char *next = pat + 1;
        bool ok = false;
        if (*pat == '?')
            ok = true;
        else if (*pat == '[')
            ok = class_has(pat + 1, c, &next);
        else if (*pat)
            ok = *pat == c;
        if (ok) {
            pat = next;
            name++;
        } else if (star_pat) {
            pat = star_pat;
            name = ++star_name;
        } else {
            return false;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == '\0';
}

static int mac_lookup(const struct departments *t, const uint8_t *mac)
{
    for (size_t n = MACADDR_LEN; n >= 1; n--) {
        size_t lo = t->mac_from[n], hi = t->mac_from[n + 1];
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = memcmp(t->macs[mid].octets, mac, n);
            if (c == 0)
                return t->macs[mid].dept;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
    }
    return -1;
}

static void finish_current(struct loader *l)
{
    if (l->current < 0)
        return;
    const struct department *dep = &l->t->list[l->current];
    if (!l->seen_networks && !l->seen_vlans && !l->seen_devices)
        diag_error(l->d, l->file, dep->line,
                   "department \"%s\" has none of \"networks\", \"vlans\", \"macs\" or "
                   "\"dhcp_names\"",
                   dep->id);
    l->current = -1;
}

static void open_department(struct loader *l, const struct conf_entry *e)
{
    finish_current(l);
    l->seen_name = l->seen_networks = l->seen_vlans = l->seen_devices = 0;
    if (!valid_id(e->section)) {
        diag_error(l->d, e->file, e->line,
                   "\"%s\" is not a department id (lower-case letters, digits, '-', '_')",
                   e->section);
        return;
    }
    if (strcmp(e->section, DEPARTMENT_UNASSIGNED) == 0) {
        diag_error(l->d, e->file, e->line, "\"%s\" is reserved for traffic from no listed range",
                   e->section);
        return;
    }
    int dup = departments_find(l->t, e->section);
    if (dup >= 0) {
        diag_error(l->d, e->file, e->line, "department \"%s\" is defined twice (first at line %d)",
                   e->section, l->t->list[dup].line);
        return;
    }
    if (l->t->count >= 32767) {
        diag_error(l->d, e->file, e->line, "too many departments (at most 32767)");
        return;
    }
    struct departments *t = l->t;
    if (t->count == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct department *nl = realloc(t->list, cap * sizeof(*nl));
        if (!nl) {
            diag_error(l->d, e->file, e->line, "out of memory");
            return;
        }
        t->list = nl;
        t->cap = cap;
    }
    uint32_t sym = symbol_intern(e->section);
    struct department *dep = &t->list[t->count];
    memset(dep, 0, sizeof(*dep));
    dep->sym = sym;
    dep->id = symbol_name(sym);
    dep->line = e->line;
    l->current = (int)t->count++;
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct loader *l = ctx;
    if (!e->key) {
        open_department(l, e);
        return;
    }
    l->line = e->line;
    if (e->section[0] == '\0') {
        if (strcmp(e->key, "internal") == 0) {
            struct word_ctx w = {l, -1, 0};
            conf_each_word(e->value, add_network, &w);
        } else {
            diag_error(d, e->file, e->line,
                       "unknown key \"%s\" before the first [department] (only \"internal\")",
                       e->key);
        }
        return;
    }
    if (l->current < 0)
        return; /* bad header, already reported */
    struct department *dep = &l->t->list[l->current];
    struct word_ctx w = {l, l->current, 0};
    if (strcmp(e->key, "name") == 0) {
        if (l->seen_name++) {
            diag_error(d, e->file, e->line, "\"name\" given twice for \"%s\"", dep->id);
            return;
        }
        if (e->value[0] == '\0') {
            diag_error(d, e->file, e->line, "\"name\" is empty");
            return;
        }
        dep->name = strdup(e->value);
    } else if (strcmp(e->key, "networks") == 0) {
        conf_each_word(e->value, add_network, &w);
    } else if (strcmp(e->key, "vlans") == 0) {
        conf_each_word(e->value, add_vlan, &w);
    } else if (strcmp(e->key, "macs") == 0) {
        conf_each_word(e->value, add_mac, &w);
        if (w.words == 0)
            diag_error(d, e->file, e->line,
                       "\"macs\" is empty (expected MACs or prefixes like 00:1b:63:84:45:e6 "
                       "or 00:1b:63)");
    } else if (strcmp(e->key, "dhcp_names") == 0) {
        conf_each_word(e->value, add_pattern, &w);
        if (w.words == 0)
            diag_error(d, e->file, e->line,
                       "\"dhcp_names\" is empty (expected host-name patterns like FIN-* or "
                       "*-acct-*)");
    } else {
        diag_error(d, e->file, e->line,
                   "unknown key \"%s\" (expected name, networks, vlans, macs or dhcp_names)",
                   e->key);
    }
}

static struct departments *departments_new(void)
{
    struct departments *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->networks = lpm_new();
    t->internal = lpm_new();
    if (!t->networks || !t->internal) {
        departments_free(t);
        return NULL;
    }
    for (int i = 0; i < VLAN_IDS; i++)
        t->vlan[i] = -1;
    return t;
}

static struct departments *finish(struct loader *l, size_t before)
{
    finish_current(l);
    index_macs(l);
    for (size_t i = 0; i < l->t->count; i++) {
        if (!l->t->list[i].name)
            l->t->list[i].name = strdup(l->t->list[i].id);
    }
    if (l->d->errors != before) {
        departments_free(l->t);
        return NULL;
    }
    return l->t;
}

struct departments *departments_load_buffer(const char *name, const char *buf, size_t len,
                                            struct diag *d)
{
    struct loader l = {.t = departments_new(), .current = -1, .d = d, .file = name};
    if (!l.t) {
        diag_error(d, name, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_buffer(name, buf, len, on_entry, &l, d);
    return finish(&l, before);
}

struct departments *departments_load(const char *path, struct diag *d)
{
    struct loader l = {.t = departments_new(), .current = -1, .d = d, .file = path};
    if (!l.t) {
        diag_error(d, path, 0, "out of memory");
        return NULL;
    }
    size_t before = d->errors;
    conf_parse_file(path, on_entry, &l, d);
    return finish(&l, before);
}

void departments_free(struct departments *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++)
        free(t->list[i].name);
    free(t->list);
    free(t->macs);
    free(t->names);
    lpm_free(t->networks);
    lpm_free(t->internal);
    free(t);
}

size_t departments_count(const struct departments *t)
{
    return t->count;
}

const struct department *departments_get(const struct departments *t, int idx)
{
    if (idx < 0 || (size_t)idx >= t->count)
        return NULL;
    return &t->list[idx];
}

int departments_find(const struct departments *t, const char *id)
{
    for (size_t i = 0; i < t->count; i++) {
        if (strcmp(t->list[i].id, id) == 0)
            return (int)i;
    }
    return -1;
}

int departments_lookup(const struct departments *t, const struct netaddr *client, uint16_t vlan)
{
    int idx = departments_lookup_vlan(t, vlan);
    return idx >= 0 ? idx : departments_lookup_network(t, client);
}

int departments_lookup_network(const struct departments *t, const struct netaddr *client)
{
    int32_t idx = lpm_lookup(t->networks, client);
    return idx >= 0 ? idx : -1;
}

int departments_lookup_vlan(const struct departments *t, uint16_t vlan)
{
    return vlan > 0 && vlan < VLAN_IDS ? t->vlan[vlan] : -1;
}

bool departments_has_device_rules(const struct departments *t)
{
    return t->nmacs > 0 || t->nnames > 0;
}

int departments_match_device(const struct departments *t, const char *dhcp_name, const uint8_t *mac,
                             enum department_source *how)
{
    enum department_source source = DEPARTMENT_SOURCE_NONE;
    int idx = mac && t->nmacs ? mac_lookup(t, mac) : -1;
    if (idx >= 0) {
        source = DEPARTMENT_SOURCE_DHCP_MAC;
    } else if (dhcp_name &&
               strnlen(dhcp_name, DEPARTMENT_HOSTNAME_MAX + 1) <= DEPARTMENT_HOSTNAME_MAX) {
        for (size_t i = 0; i < t->nnames; i++) {
            if (pattern_match(t->names[i].pattern, dhcp_name)) {
                idx = t->names[i].dept;
                source = DEPARTMENT_SOURCE_DHCP_NAME;
                break;
            }
        }
    }
    if (how)
        *how = source;
    return idx;
}

const char *department_source_name(enum department_source s)
{
    static const char *const names[DEPARTMENT_SOURCES] = {
        [DEPARTMENT_SOURCE_NONE] = "unassigned", [DEPARTMENT_SOURCE_ASSIGNMENT] = "assignment",
        [DEPARTMENT_SOURCE_DHCP_MAC] = "dhcp",   [DEPARTMENT_SOURCE_DHCP_NAME] = "dhcp",
        [DEPARTMENT_SOURCE_VLAN] = "vlan",       [DEPARTMENT_SOURCE_NETWORK] = "network",
    };
    return (unsigned)s < DEPARTMENT_SOURCES ? names[s] : names[DEPARTMENT_SOURCE_NONE];
}

bool departments_is_internal(const struct departments *t, const struct netaddr *a)
{
    return lpm_lookup(t->internal, a) >= 0;
}
