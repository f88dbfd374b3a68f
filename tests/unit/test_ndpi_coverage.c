/*
 * test_ndpi_coverage.c - every protocol nDPI can name is a service, or is
 * listed as deliberately not one.
 *
 * nDPI's protocol list is read from the linked library at run time
 * (dpi_protocol_count, dpi_protocol_info), not from its headers, and checked
 * against the shipped rules: the "ndpi" names of rules/services.conf and the
 * bare protocols of rules/ndpi-protocols.conf (docs/rules.md).  The test fails
 * on, and names, every protocol in neither, every protocol in both, and every
 * bare-list name the library does not know, so that neither file can rot.
 *
 * The sensor never reads the bare list (a protocol no service maps attributes
 * nothing), so its reader lives here.  The first tests run the same check over
 * small made-up lists: a check that finds nothing in the shipped rules is
 * known to be able to find something.
 */
#include "catalog.h"
#include "conf.h"
#include "dpi.h"

#include <stdbool.h>
#include <stdlib.h>

#include "test.h"

#define BARE_FILE "rules/ndpi-protocols.conf"

/* ---- the bare list ---- */

struct bare_name {
    char *name;
    size_t group; /* index into bare_list.groups */
    int line;
    bool known; /* the library has a protocol of this name */
};

struct bare_group {
    char *id;
    int line;
    bool has_reason, has_ndpi;
};

struct bare_list {
    const char *file;
    struct bare_name *names;
    size_t nnames;
    struct bare_group *groups;
    size_t ngroups;
};

struct bare_reader {
    struct bare_list *list;
    struct diag *d;
    const struct conf_entry *entry; /* the entry whose words are being added */
};

static struct bare_group *current_group(struct bare_list *b)
{
    return b->ngroups ? &b->groups[b->ngroups - 1] : NULL;
}

static struct bare_name *bare_find(struct bare_list *b, const char *name)
{
    for (size_t i = 0; i < b->nnames; i++) {
        if (strcmp(b->names[i].name, name) == 0)
            return &b->names[i];
    }
    return NULL;
}

static int bare_add_name(void *ctx, const char *word)
{
    struct bare_reader *r = ctx;
    struct bare_list *b = r->list;
    const struct bare_name *dup = bare_find(b, word);
    if (dup) {
        diag_error(r->d, r->entry->file, r->entry->line, "\"%s\" is already listed (line %d)", word,
                   dup->line);
        return 0;
    }
    struct bare_name *grown = realloc(b->names, (b->nnames + 1) * sizeof(*grown));
    char *copy = strdup(word);
    if (!grown || !copy) {
        free(copy);
        if (grown)
            b->names = grown;
        diag_error(r->d, r->entry->file, r->entry->line, "out of memory");
        return 1;
    }
    b->names = grown;
    b->names[b->nnames++] =
        (struct bare_name){.name = copy, .group = b->ngroups - 1, .line = r->entry->line};
    return 0;
}

static void bare_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    struct bare_reader *r = ctx;
    struct bare_list *b = r->list;
    if (!e->key) {
        for (size_t i = 0; i < b->ngroups; i++) {
            if (strcmp(b->groups[i].id, e->section) == 0) {
                diag_error(d, e->file, e->line, "group [%s] is already defined (line %d)",
                           e->section, b->groups[i].line);
                break;
            }
        }
        struct bare_group *grown = realloc(b->groups, (b->ngroups + 1) * sizeof(*grown));
        char *id = strdup(e->section);
        if (!grown || !id) {
            free(id);
            if (grown)
                b->groups = grown;
            diag_error(d, e->file, e->line, "out of memory");
            return;
        }
        b->groups = grown;
        b->groups[b->ngroups++] = (struct bare_group){.id = id, .line = e->line};
        return;
    }
    struct bare_group *g = current_group(b);
    if (!g) {
        diag_error(d, e->file, e->line, "\"%s\" before the first [group]", e->key);
        return;
    }
    if (strcmp(e->key, "reason") == 0) {
        if (!e->value[0])
            diag_error(d, e->file, e->line, "\"reason\" is empty: say why these are not services");
        g->has_reason = true;
    } else if (strcmp(e->key, "ndpi") == 0) {
        r->entry = e;
        conf_each_word(e->value, bare_add_name, r);
        g->has_ndpi = true;
    } else {
        diag_error(d, e->file, e->line, "unknown key \"%s\" (expected reason or ndpi)", e->key);
    }
}

/* Checks that each group said why and listed something. */
static void bare_finish(const struct bare_list *b, struct diag *d)
{
    for (size_t i = 0; i < b->ngroups; i++) {
        const struct bare_group *g = &b->groups[i];
        if (!g->has_reason)
            diag_error(d, b->file, g->line, "group [%s] has no \"reason\"", g->id);
        if (!g->has_ndpi)
            diag_error(d, b->file, g->line, "group [%s] has no \"ndpi\" names", g->id);
    }
}

static void bare_free(struct bare_list *b)
{
    for (size_t i = 0; i < b->nnames; i++)
        free(b->names[i].name);
    for (size_t i = 0; i < b->ngroups; i++)
        free(b->groups[i].id);
    free(b->names);
    free(b->groups);
    memset(b, 0, sizeof(*b));
}

static void bare_load_buffer(struct bare_list *b, const char *name, const char *text,
                             struct diag *d)
{
    memset(b, 0, sizeof(*b));
    b->file = name;
    struct bare_reader r = {.list = b, .d = d};
    conf_parse_buffer(name, text, strlen(text), bare_entry, &r, d);
    bare_finish(b, d);
}

static int bare_load_file(struct bare_list *b, const char *path, struct diag *d)
{
    memset(b, 0, sizeof(*b));
    b->file = path;
    struct bare_reader r = {.list = b, .d = d};
    if (conf_parse_file(path, bare_entry, &r, d) < 0)
        return -1;
    bare_finish(b, d);
    return 0;
}

/* ---- the check ---- */

struct coverage {
    size_t protocols; /* ids 0 .. count-1 */
    size_t mapped;    /* protocols some service maps */
    size_t services;  /* services that map at least one of them */
    size_t bare;      /* protocols the bare list names */
    size_t unmapped;  /* in neither: the failure this test exists for */
    size_t both;      /* mapped and listed bare */
    size_t unknown;   /* bare-list names the library does not know */
};

/* Walks nDPI's protocols against the catalog and the bare list, writing one
 * line per problem to out. */
static struct coverage check_coverage(const struct dpi *d, const struct catalog *c,
                                      struct bare_list *b, FILE *out)
{
    struct coverage cov = {0};
    for (size_t i = 0; i < b->nnames; i++)
        b->names[i].known = false;
    bool *used = calloc(catalog_count(c) + 1, sizeof(*used));
    uint16_t count = dpi_protocol_count(d);
    for (uint16_t id = 0; id < count; id++) {
        struct dpi_protocol p;
        if (!dpi_protocol_info(d, id, &p))
            continue;
        cov.protocols++;
        int s = catalog_match_ndpi(c, p.name);
        struct bare_name *bn = bare_find(b, p.name);
        if (s >= 0) {
            cov.mapped++;
            if (used && !used[s]) {
                used[s] = true;
                cov.services++;
            }
        }
        if (bn) {
            cov.bare++;
            bn->known = true;
        }
        if (s < 0 && !bn) {
            cov.unmapped++;
            fprintf(out,
                    "    nDPI protocol %u \"%s\" (category %s, %s) maps to no service and is not "
                    "in %s: add \"ndpi = %s\" to a service in services.conf, or list it as not "
                    "a service\n",
                    (unsigned)id, p.name, p.category, p.breed, b->file, p.name);
        } else if (s >= 0 && bn) {
            cov.both++;
            fprintf(out,
                    "    %s:%d: \"%s\" is listed as not a service, but services.conf maps it to "
                    "\"%s\" (line %d)\n",
                    b->file, bn->line, p.name, catalog_service(c, s)->id,
                    catalog_service(c, s)->line);
        }
    }
    for (size_t i = 0; i < b->nnames; i++) {
        if (b->names[i].known)
            continue;
        cov.unknown++;
        fprintf(out, "    %s:%d: \"%s\" is not a protocol of the linked nDPI\n", b->file,
                b->names[i].line, b->names[i].name);
    }
    free(used);
    return cov;
}

/* ---- helpers ---- */

static struct dpi *module(void)
{
    static const struct dpi_limits limits = {.max_packets = 32, .max_bytes = 64 * 1024};
    return dpi_new(&limits);
}

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

static int has_error(const struct diag *d, const char *part)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strstr(d->messages[i], part))
            return 1;
    }
    return 0;
}

static const char *source_dir(void)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    return src ? src : ".";
}

/* ---- tests ---- */

TEST(protocol_list_comes_from_the_library)
{
    struct dpi *d = module();
    CHECK(d != NULL);
    if (!d)
        return;
    uint16_t count = dpi_protocol_count(d);
    CHECK(count >= 200); /* nDPI 4.2 has 282 */
    struct dpi_protocol p;
    CHECK(dpi_protocol_info(d, 0, &p));
    CHECK_INT(p.id, 0);
    CHECK_STR(p.name, "Unknown");
    CHECK(dpi_protocol_info(d, 7, &p)); /* NDPI_PROTOCOL_HTTP, stable since OpenDPI */
    CHECK_STR(p.name, "HTTP");
    CHECK_STR(p.name, dpi_protocol_name(d, 7));
    CHECK_STR(p.category, "Web");
    CHECK(p.breed[0] != '\0');
    /* past the end: false, and out untouched */
    memset(&p, 0x5a, sizeof(p));
    CHECK(!dpi_protocol_info(d, count, &p));
    CHECK(!dpi_protocol_info(d, UINT16_MAX, &p));
    CHECK_INT(p.id, 0x5a5a);
    size_t unnamed = 0;
    for (uint16_t id = 0; id < count; id++) {
        CHECK(dpi_protocol_info(d, id, &p));
        if (!p.name[0] || (id != 0 && strcmp(p.name, "Unknown") == 0))
            unnamed++;
    }
    CHECK_INT(unnamed, 0);
    dpi_free(d);
}

TEST(reads_the_bare_list_and_reports_its_errors)
{
    struct diag d;
    struct bare_list b;
    diag_init(&d);
    bare_load_buffer(&b, "bare.conf",
                     "# comment\n"                        /* 1 */
                     "[web]\n"                            /* 2 */
                     "reason = the web's own protocols\n" /* 3 */
                     "ndpi   = HTTP TLS\n"                /* 4 */
                     "         QUIC   # carries TLS\n"    /* 5 */
                     "[lan]\n"                            /* 6 */
                     "reason = discovery\n"               /* 7 */
                     "ndpi   = MDNS, LLMNR\n",            /* 8 */
                     &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    CHECK_INT(b.ngroups, 2);
    CHECK_INT(b.nnames, 5);
    const struct bare_name *n = bare_find(&b, "QUIC");
    CHECK(n != NULL);
    if (n) {
        CHECK_INT(n->line, 4);
        CHECK_STR(b.groups[n->group].id, "web");
    }
    n = bare_find(&b, "LLMNR");
    CHECK(n != NULL && strcmp(b.groups[n->group].id, "lan") == 0);
    bare_free(&b);
    diag_free(&d);

    diag_init(&d);
    bare_load_buffer(&b, "bad.conf",
                     "ndpi = DNS\n"       /* 1 */
                     "[a]\n"              /* 2 */
                     "ndpi = HTTP HTTP\n" /* 3 */
                     "colour = blue\n"    /* 4 */
                     "[b]\n"              /* 5 */
                     "reason = \"\"\n"    /* 6 */
                     "ndpi = HTTP\n"      /* 7 */
                     "[a]\n"              /* 8 */
                     "reason = again\n",  /* 9 */
                     &d);
    CHECK(has_error(&d, "bad.conf:1: \"ndpi\" before the first [group]"));
    CHECK(has_error(&d, "bad.conf:3: \"HTTP\" is already listed (line 3)"));
    CHECK(has_error(&d, "bad.conf:4: unknown key \"colour\""));
    CHECK(has_error(&d, "bad.conf:6: \"reason\" is empty"));
    CHECK(has_error(&d, "bad.conf:7: \"HTTP\" is already listed (line 3)"));
    CHECK(has_error(&d, "bad.conf:8: group [a] is already defined (line 2)"));
    CHECK(has_error(&d, "bad.conf:2: group [a] has no \"reason\""));
    CHECK(has_error(&d, "bad.conf:8: group [a] has no \"ndpi\" names"));
    CHECK_INT(d.errors, 8);
    if (d.errors != 8)
        dump(&d);
    bare_free(&b);
    diag_free(&d);
}

TEST(check_finds_unmapped_doubled_and_unknown_names)
{
    struct dpi *dm = module();
    CHECK(dm != NULL);
    if (!dm)
        return;
    static const char services[] = "[box]\n"
                                   "name = Box\n"
                                   "vendor = Someone\n"
                                   "category = file-sharing\n"
                                   "risk = low\n"
                                   "ndpi = Dropbox HTTP NotInThisNdpi\n";
    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load_buffer("svc.conf", services, strlen(services), &d);
    CHECK(c != NULL);
    struct bare_list b;
    bare_load_buffer(&b, "bare.conf",
                     "[x]\n"
                     "reason = test\n"
                     "ndpi = HTTP DNS NoSuchProtocol\n",
                     &d);
    dump(&d);
    CHECK_INT(d.errors, 0);
    if (c) {
        FILE *quiet = fopen("/dev/null", "w");
        struct coverage cov = check_coverage(dm, c, &b, quiet ? quiet : stderr);
        if (quiet)
            fclose(quiet);
        CHECK_INT(cov.protocols, dpi_protocol_count(dm));
        CHECK_INT(cov.mapped, 2); /* Dropbox, HTTP */
        CHECK_INT(cov.services, 1);
        CHECK_INT(cov.bare, 2);                     /* HTTP, DNS */
        CHECK_INT(cov.both, 1);                     /* HTTP */
        CHECK_INT(cov.unknown, 1);                  /* NoSuchProtocol */
        CHECK_INT(cov.unmapped, cov.protocols - 3); /* all but Dropbox, HTTP, DNS */
    }
    catalog_free(c);
    bare_free(&b);
    diag_free(&d);
    dpi_free(dm);
}

TEST(shipped_rules_cover_every_ndpi_protocol)
{
    CHECK(getenv("SHADOWTAP_SOURCE_DIR") != NULL);
    char services[4096], bare_path[4096];
    snprintf(services, sizeof(services), "%s/rules/services.conf", source_dir());
    snprintf(bare_path, sizeof(bare_path), "%s/" BARE_FILE, source_dir());

    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load(services, &d);
    struct bare_list b;
    CHECK_INT(bare_load_file(&b, bare_path, &d), 0);
    CHECK(c != NULL);
    CHECK_INT(d.errors, 0);
    if (d.errors)
        dump(&d);
    struct dpi *dm = module();
    CHECK(dm != NULL);
    if (c && dm) {
        struct coverage cov = check_coverage(dm, c, &b, stderr);
        CHECK_INT(cov.unmapped, 0);
        CHECK_INT(cov.both, 0);
        CHECK_INT(cov.unknown, 0);
        CHECK_INT(cov.mapped + cov.bare, cov.protocols);
        fprintf(stderr,
                "nDPI coverage: %zu protocols: %zu mapped to %zu services, %zu not services "
                "(%zu groups in %s)\n",
                cov.protocols, cov.mapped, cov.services, cov.bare, b.ngroups, BARE_FILE);
    }
    dpi_free(dm);
    catalog_free(c);
    bare_free(&b);
    diag_free(&d);
}

int main(void)
{
    dpi_global_init(0); /* the sensor's order: the allocator before any module */
    RUN(protocol_list_comes_from_the_library);
    RUN(reads_the_bare_list_and_reports_its_errors);
    RUN(check_finds_unmapped_doubled_and_unknown_names);
    RUN(shipped_rules_cover_every_ndpi_protocol);
    return test_report();
}
