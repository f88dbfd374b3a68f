/*
 * resolvers.c - rules/resolvers.conf: public encrypted-DNS resolvers.
 *
 * Addresses go into a prefix trie (a listed CIDR covers a resolver's whole
 * anycast block); names into one sorted array, searched for the host and each
 * of its parent domains.  The list is a few dozen resolvers: nothing here is
 * on the per-packet path but the trie look-up, which the capture thread makes
 * only for flows to port 443 (dispatch.c).
 */
#include "resolvers.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "hostname.h"
#include "lpm.h"

struct resolvers {
    struct lpm *addresses; /* prefix -> section index */
    char **names;          /* sorted */
    size_t nnames, names_cap;
    size_t sections;
};

struct loader {
    struct resolvers *r;
    struct diag *d;
    const char *file;
    int line;
    bool in_section, seen_names, seen_addresses;
    char section[65];
    int section_line;
};

static int add_name(void *ctx, const char *word)
{
    struct loader *l = ctx;
    char norm[HOSTNAME_MAX + 1];
    size_t n = strlen(word);
    if (n > HOSTNAME_MAX || hostname_normalize(word, n, norm, sizeof(norm)) == 0 ||
        !strchr(norm, '.')) {
        diag_error(l->d, l->file, l->line, "\"%s\" is not a host name (expected like dns.google)",
                   word);
        return 0;
    }
    struct resolvers *r = l->r;
    if (r->nnames == r->names_cap) {
        size_t cap = r->names_cap ? r->names_cap * 2 : 32;
        char **names = realloc(r->names, cap * sizeof(*names));
        if (!names)
            goto oom;
        r->names = names;
        r->names_cap = cap;
    }
    if (!(r->names[r->nnames] = strdup(norm)))
        goto oom;
    r->nnames++;
    l->seen_names = true;
    return 0;
oom:
    diag_error(l->d, l->file, l->line, "out of memory");
    return 1;
}

static int add_address(void *ctx, const char *word)
{
    struct loader *l = ctx;
    struct netprefix p;
    struct netaddr a;
    const char *why = NULL;
    if (strchr(word, '/')) {
        if (!netprefix_parse(word, &p, &why)) {
            diag_error(l->d, l->file, l->line, "\"%s\" is not an address or a CIDR prefix (%s)",
                       word, why);
            return 0;
        }
    } else if (netaddr_parse(word, &a)) {
        p.addr = a;
        p.len = 128;
    } else {
        diag_error(l->d, l->file, l->line,
                   "\"%s\" is not an address or a CIDR prefix (expected like 1.1.1.1, "
                   "2606:4700:4700::1111 or 45.90.28.0/24)",
                   word);
        return 0;
    }
    if (lpm_insert(l->r->addresses, &p, (int32_t)l->r->sections) == -2) {
        diag_error(l->d, l->file, l->line, "out of memory");
        return 1;
    }
    l->seen_addresses = true;
    return 0;
}

static void finish_section(struct loader *l)
{
    if (l->in_section && !l->seen_names && !l->seen_addresses)
        diag_error(l->d, l->file, l->section_line,
                   "resolver \"%s\" has neither \"names\" nor \"addresses\"", l->section);
    l->in_section = false;
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct loader *l = ctx;
    l->line = e->line;
    if (!e->key) {
        finish_section(l);
        snprintf(l->section, sizeof(l->section), "%s", e->section);
        l->section_line = e->line;
        l->in_section = true;
        l->seen_names = l->seen_addresses = false;
        l->r->sections++;
        return;
    }
    if (!l->in_section) {
        diag_error(d, e->file, e->line, "\"%s\" before the first [resolver] section", e->key);
        return;
    }
    if (strcmp(e->key, "names") == 0)
        conf_each_word(e->value, add_name, l);
    else if (strcmp(e->key, "addresses") == 0)
        conf_each_word(e->value, add_address, l);
    else
        diag_error(d, e->file, e->line, "unknown key \"%s\" (expected names or addresses)", e->key);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static struct resolvers *resolvers_new(const char *name, struct diag *d)
{
    struct resolvers *r = calloc(1, sizeof(*r));
    if (!r || !(r->addresses = lpm_new())) {
        diag_error(d, name, 0, "out of memory");
        resolvers_free(r);
        return NULL;
    }
    return r;
}

/* What a parse leaves: the list, or NULL (freed) when it added errors. */
static struct resolvers *finish(struct loader *l, size_t errors_before)
{
    finish_section(l);
    if (l->d->errors != errors_before) {
        resolvers_free(l->r);
        return NULL;
    }
    if (l->r->nnames > 1)
        qsort(l->r->names, l->r->nnames, sizeof(*l->r->names), by_name);
    return l->r;
}

struct resolvers *resolvers_load(const char *path, struct diag *d)
{
    struct resolvers *r = resolvers_new(path, d);
    if (!r || (access(path, F_OK) != 0 && errno == ENOENT))
        return r;
    size_t errors = d->errors;
    struct loader l = {.r = r, .d = d, .file = path};
    if (conf_parse_file(path, on_entry, &l, d) != 0) {
        resolvers_free(r);
        return NULL;
    }
    return finish(&l, errors);
}

struct resolvers *resolvers_load_buffer(const char *name, const char *text, size_t len,
                                        struct diag *d)
{
    struct resolvers *r = resolvers_new(name, d);
    if (!r)
        return NULL;
    size_t errors = d->errors;
    struct loader l = {.r = r, .d = d, .file = name};
    conf_parse_buffer(name, text, len, on_entry, &l, d);
    return finish(&l, errors);
}

void resolvers_free(struct resolvers *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i]);
    free(r->names);
    lpm_free(r->addresses);
    free(r);
}

bool resolvers_is_encrypted_dns(const struct resolvers *r, const struct netaddr *server,
                                uint8_t proto, uint16_t port)
{
    if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
        return false;
    if (port == RESOLVERS_DOT_PORT)
        return true;
    return port == RESOLVERS_DOH_PORT && r && lpm_lookup(r->addresses, server) >= 0;
}

bool resolvers_has_name(const struct resolvers *r, const char *host)
{
    if (!r || r->nnames == 0)
        return false;
    for (const char *p = host; p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
        if (bsearch(&p, r->names, r->nnames, sizeof(*r->names), by_name))
            return true;
    }
    return false;
}

size_t resolvers_count(const struct resolvers *r)
{
    return r ? r->sections : 0;
}
