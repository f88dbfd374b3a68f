/*
 * test_catalog.c - the service catalog: parsing good entries, every kind of
 * bad line with its file:line, host-name matching on label boundaries (the
 * deepest suffix wins), address ranges and nDPI names; then the shipped
 * rules/services.conf, checked for size, categories and unique domains, and a
 * look-up rate printed for it.  Tenant templates: look-ups (vendor labels,
 * which template decides, buffer sizes), every error with its file:line, each
 * shipped template against a host of its own, and the cost of a look-up.
 */
#include "catalog.h"

#include <stdlib.h>
#include <time.h>

#include "symbol.h"
#include "tenant_pattern.h"
#include "test.h"

#define NAME "svc.conf"

static struct catalog *load(const char *text, struct diag *d)
{
    diag_init(d);
    return catalog_load_buffer(NAME, text, strlen(text), d);
}

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

/* True when a message starts with prefix and contains part. */
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

static const char good[] =
    "# a small catalog\n"                                                 /* 1 */
    "[dropbox]\n"                                                         /* 2 */
    "name     = Dropbox\n"                                                /* 3 */
    "vendor   = Dropbox, Inc.\n"                                          /* 4 */
    "category = file-sharing\n"                                           /* 5 */
    "risk     = high\n"                                                   /* 6 */
    "reasons  = external-storage public-sharing  # why\n"                 /* 7 */
    "domains  = dropbox.com dropboxapi.com\n"                             /* 8 */
    "           db.tt,dropboxusercontent.com\n"                           /* 9 */
    "ndpi     = Dropbox\n"                                                /* 10 */
    "ip       = 162.125.0.0/16 2620:100:6000::/40\n"                      /* 11 */
    "\n"                                                                  /* 12 */
    "[aws]\n"                                                             /* 13 */
    "name = Amazon Web Services\n"                                        /* 14 */
    "vendor = Amazon\n"                                                   /* 15 */
    "category = cloud-infrastructure\n"                                   /* 16 */
    "risk = low\n"                                                        /* 17 */
    "domains = amazonaws.com aws.amazon.com\n"                            /* 18 */
    "ndpi = AmazonAWS\n"                                                  /* 19 */
    "ip = 3.0.0.0/8\n"                                                    /* 20 */
    "\n"                                                                  /* 21 */
    "[aws-s3]\n"                                                          /* 22 */
    "name = Amazon S3\n"                                                  /* 23 */
    "vendor = Amazon\n"                                                   /* 24 */
    "category = storage-backup\n"                                         /* 25 */
    "risk = medium\n"                                                     /* 26 */
    "reasons = external-storage\n"                                        /* 27 */
    "domains = s3.amazonaws.com\n"                                        /* 28 */
    "ip = 3.5.0.0/16\n"                                                   /* 29 */
    "\n"                                                                  /* 30 */
    "[google-search]\n"                                                   /* 31 */
    "name = Google Search\n"                                              /* 32 */
    "vendor = Google\n"                                                   /* 33 */
    "category = search\n"                                                 /* 34 */
    "risk = low\n"                                                        /* 35 */
    "domains = google.com\n"                                              /* 36 */
    "\n"                                                                  /* 37 */
    "[google-drive]\n"                                                    /* 38 */
    "name = Google Drive\n"                                               /* 39 */
    "vendor = Google\n"                                                   /* 40 */
    "category = storage-backup\n"                                         /* 41 */
    "risk = high\n"                                                       /* 42 */
    "reasons = external-storage personal-accounts\n"                      /* 43 */
    "domains = drive.google.com docs.google.com\n"                        /* 44 */
    "ndpi = GoogleDrive GoogleDocs\n"                                     /* 45 */
    "\n"                                                                  /* 46 */
    "[wireguard-vpn.x_1]\n"                                               /* 47 */
    "name = \"A VPN # with a hash\"\n"                                    /* 48 */
    "vendor = Someone\n"                                                  /* 49 */
    "category = vpn-proxy\n"                                              /* 50 */
    "risk = high\n"                                                       /* 51 */
    "reasons = anonymising\n"                                             /* 52 */
    "ndpi = WireGuardVPN\n";                                              /* 53 */

TEST(parses_good_entries)
{
    struct diag d;
    struct catalog *c = load(good, &d);
    dump(&d);
    CHECK(c != NULL);
    CHECK_INT(d.errors, 0);
    if (!c)
        return;
    CHECK_INT(catalog_count(c), 6);

    int i = catalog_find(c, "dropbox");
    CHECK_INT(i, 0);
    const struct service *s = catalog_service(c, i);
    CHECK_STR(s->id, "dropbox");
    CHECK(s->sym == symbol_find("dropbox"));
    CHECK_STR(symbol_name(s->sym), "dropbox");
    CHECK_STR(s->name, "Dropbox");
    CHECK_STR(s->vendor, "Dropbox, Inc.");
    CHECK_INT(s->category, CATEGORY_FILE_SHARING);
    CHECK_INT(s->risk, RISK_HIGH);
    CHECK_INT(s->reasons, (1u << REASON_EXTERNAL_STORAGE) | (1u << REASON_PUBLIC_SHARING));
    CHECK_INT(s->ndomains, 4);
    CHECK_STR(s->domains[0], "dropbox.com");
    CHECK_STR(s->domains[1], "dropboxapi.com");
    CHECK_STR(s->domains[2], "db.tt");
    CHECK_STR(s->domains[3], "dropboxusercontent.com");
    CHECK_INT(s->nndpi, 1);
    CHECK_STR(s->ndpi[0], "Dropbox");
    CHECK_INT(s->nranges, 2);
    char buf[64];
    CHECK_STR(netprefix_format(&s->ranges[0], buf, sizeof(buf)), "162.125.0.0/16");
    CHECK_STR(netprefix_format(&s->ranges[1], buf, sizeof(buf)), "2620:100:6000::/40");
    CHECK_INT(s->line, 2);

    s = catalog_service(c, catalog_find(c, "aws"));
    CHECK(s != NULL);
    CHECK_INT(s->risk, RISK_LOW);
    CHECK_INT(s->reasons, 0); /* low risk needs no reasons */
    CHECK_INT(s->line, 13);

    s = catalog_service(c, catalog_find(c, "wireguard-vpn.x_1"));
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->name, "A VPN # with a hash");
        CHECK_INT(s->ndomains, 0);
        CHECK_INT(s->nranges, 0);
        CHECK_INT(s->nndpi, 1);
    }

    CHECK_INT(catalog_find(c, "nonexistent-service"), -1);
    CHECK_INT(catalog_find_sym(c, SYMBOL_NONE), -1);
    CHECK_INT(catalog_find_sym(c, symbol_find("dropbox")), 0);
    CHECK(catalog_service(c, -1) == NULL);
    CHECK(catalog_service(c, 6) == NULL);
    catalog_free(c);
    catalog_free(NULL);
    diag_free(&d);
}

TEST(find_is_per_catalog)
{
    /* A symbol interned by another catalog is not a service of this one. */
    struct diag d;
    struct catalog *c = load(good, &d);
    CHECK(c != NULL);
    uint32_t other = symbol_intern("only-in-another-catalog");
    CHECK_INT(catalog_find_sym(c, other), -1);
    CHECK_INT(catalog_find(c, "only-in-another-catalog"), -1);
    catalog_free(c);
    diag_free(&d);
}

/* ---- host names ---- */

static int match(const struct catalog *c, const char *host, size_t *mlen)
{
    *mlen = 9999;
    return catalog_match_host(c, host, strlen(host), mlen);
}

static const char *match_id(const struct catalog *c, const char *host)
{
    int i = catalog_match_host(c, host, strlen(host), NULL);
    return i < 0 ? "(none)" : catalog_service(c, i)->id;
}

TEST(host_suffix_matching)
{
    struct diag d;
    struct catalog *c = load(good, &d);
    CHECK(c != NULL);
    if (!c)
        return;
    size_t ml;
    /* exact */
    CHECK_STR(match_id(c, "dropbox.com"), "dropbox");
    CHECK_INT(match(c, "dropbox.com", &ml), 0);
    CHECK_INT(ml, 11);
    CHECK_STR(match_id(c, "db.tt"), "dropbox");
    /* subdomains */
    CHECK_STR(match_id(c, "www.dropbox.com"), "dropbox");
    CHECK_INT(match(c, "a.b.c.dropbox.com", &ml), 0);
    CHECK_INT(ml, 11);
    CHECK_STR(match_id(c, "content.dropboxapi.com"), "dropbox");
    /* the deepest suffix wins, in either order of listing */
    CHECK_STR(match_id(c, "s3.amazonaws.com"), "aws-s3");
    CHECK_INT(match(c, "bucket.s3.amazonaws.com", &ml), catalog_find(c, "aws-s3"));
    CHECK_INT(ml, 16);
    CHECK_INT(match(c, "ec2.amazonaws.com", &ml), catalog_find(c, "aws"));
    CHECK_INT(ml, 13);
    CHECK_STR(match_id(c, "amazonaws.com"), "aws");
    CHECK_STR(match_id(c, "s3-eu-west-1.amazonaws.com"), "aws");
    CHECK_STR(match_id(c, "drive.google.com"), "google-drive");
    CHECK_STR(match_id(c, "x.docs.google.com"), "google-drive");
    CHECK_STR(match_id(c, "www.google.com"), "google-search");
    CHECK_STR(match_id(c, "google.com"), "google-search");
    CHECK_STR(match_id(c, "mydrive.google.com"), "google-search");
    /* no partial-label matches */
    CHECK_STR(match_id(c, "notdropbox.com"), "(none)");
    CHECK_INT(match(c, "notdropbox.com", &ml), -1);
    CHECK_STR(match_id(c, "dropbox.co"), "(none)");
    CHECK_STR(match_id(c, "ropbox.com"), "(none)");
    CHECK_STR(match_id(c, "xs3.amazonaws.com"), "aws");
    CHECK_STR(match_id(c, "evildb.tt"), "(none)");
    /* trailing labels after a listed domain are another name */
    CHECK_STR(match_id(c, "dropbox.com.evil.net"), "(none)");
    CHECK_STR(match_id(c, "dropbox.com.au"), "(none)");
    CHECK_STR(match_id(c, "s3.amazonaws.com.cn"), "(none)");
    /* a bare top-level label and the empty name */
    CHECK_STR(match_id(c, "com"), "(none)");
    CHECK_STR(match_id(c, ""), "(none)");
    CHECK_STR(match_id(c, "tt"), "(none)");
    /* the length bounds the name: no NUL needed, bytes beyond are ignored */
    CHECK_INT(catalog_match_host(c, "www.dropbox.comXYZ", 15, &ml), 0);
    CHECK_INT(ml, 11);
    CHECK_INT(catalog_match_host(c, "www.dropbox.com", 14, &ml), -1);
    catalog_free(c);
    diag_free(&d);
}

static void expect_error(const char *text, const char *prefix, const char *part);

TEST(label_prefix_patterns)
{
    static const char text[] =
        "[instagram]\nname = Instagram\nvendor = Meta\ncategory = social\nrisk = low\n"
        "domains = instagram.com igcdn-*.akamaihd.net\n"
        "[instagram-video]\nname = Video\nvendor = Meta\ncategory = social\nrisk = low\n"
        "domains = igcdn-video-*.akamaihd.net\n"
        "[akamai]\nname = Akamai\nvendor = Akamai\ncategory = cdn\nrisk = low\n"
        "domains = akamaihd.net exact-igcdn-x.akamaihd.net\n";
    struct diag d;
    diag_init(&d);
    struct catalog *c = load(text, &d);
    CHECK(c != NULL);
    dump(&d);
    if (!c)
        return;
    size_t mlen = 0;
    CHECK_STR(match_id(c, "igcdn-photos-a-a.akamaihd.net"), "instagram");
    CHECK(match(c, "igcdn-photos-a-a.akamaihd.net", &mlen) >= 0);
    CHECK_INT(mlen, strlen("igcdn-photos-a-a.akamaihd.net"));
    CHECK_STR(match_id(c, "x.igcdn-photos-a-a.akamaihd.net"), "instagram");
    /* the longest prefix wins */
    CHECK_STR(match_id(c, "igcdn-video-9.akamaihd.net"), "instagram-video");
    /* no prefix: the plain suffix */
    CHECK_STR(match_id(c, "a248.e.akamaihd.net"), "akamai");
    CHECK_STR(match_id(c, "akamaihd.net"), "akamai");
    /* the prefix must start the label, and the pattern covers one label only */
    CHECK_STR(match_id(c, "x-igcdn-photos.akamaihd.net"), "akamai");
    CHECK_STR(match_id(c, "igcdn-a.b.akamaihd.net"), "akamai");
    /* an exact domain of the same length beats a pattern */
    CHECK_STR(match_id(c, "exact-igcdn-x.akamaihd.net"), "akamai");
    catalog_free(c);
    diag_free(&d);

    expect_error("[a]\nname = A\nvendor = V\ncategory = cdn\nrisk = low\n"
                 "domains = *.example.com\n", "svc.conf:6:", "not a domain pattern");
    expect_error("[a]\nname = A\nvendor = V\ncategory = cdn\nrisk = low\n"
                 "domains = ab*c.example.com\n", "svc.conf:6:", "not a domain pattern");
    expect_error("[a]\nname = A\nvendor = V\ncategory = cdn\nrisk = low\n"
                 "domains = ab*.com\n", "svc.conf:6:", "not a domain pattern");
    expect_error("[a]\nname = A\nvendor = V\ncategory = cdn\nrisk = low\n"
                 "domains = ab*.example.com\n[b]\nname = B\nvendor = V\ncategory = cdn\n"
                 "risk = low\ndomains = ab*.example.com\n",
                 "svc.conf:12:", "already claimed by \"a\"");
}

TEST(address_ranges)
{
    struct diag d;
    struct catalog *c = load(good, &d);
    CHECK(c != NULL);
    if (!c)
        return;
    struct netaddr a;
    netaddr_parse("162.125.19.131", &a);
    CHECK_INT(catalog_match_addr(c, &a), catalog_find(c, "dropbox"));
    netaddr_parse("162.126.0.1", &a);
    CHECK_INT(catalog_match_addr(c, &a), -1);
    netaddr_parse("2620:100:6012::1", &a);
    CHECK_INT(catalog_match_addr(c, &a), catalog_find(c, "dropbox"));
    netaddr_parse("2620:100:7000::1", &a);
    CHECK_INT(catalog_match_addr(c, &a), -1);
    /* nested ranges of two services: the longest prefix wins */
    netaddr_parse("3.5.1.1", &a);
    CHECK_INT(catalog_match_addr(c, &a), catalog_find(c, "aws-s3"));
    netaddr_parse("3.6.1.1", &a);
    CHECK_INT(catalog_match_addr(c, &a), catalog_find(c, "aws"));
    netaddr_parse("10.0.0.1", &a);
    CHECK_INT(catalog_match_addr(c, &a), -1);
    catalog_free(c);
    diag_free(&d);
}

TEST(ndpi_names)
{
    struct diag d;
    struct catalog *c = load(good, &d);
    CHECK(c != NULL);
    if (!c)
        return;
    CHECK_INT(catalog_match_ndpi(c, "Dropbox"), catalog_find(c, "dropbox"));
    CHECK_INT(catalog_match_ndpi(c, "GoogleDrive"), catalog_find(c, "google-drive"));
    CHECK_INT(catalog_match_ndpi(c, "GoogleDocs"), catalog_find(c, "google-drive"));
    CHECK_INT(catalog_match_ndpi(c, "WireGuardVPN"), catalog_find(c, "wireguard-vpn.x_1"));
    CHECK_INT(catalog_match_ndpi(c, "dropbox"), -1); /* nDPI names are exact */
    CHECK_INT(catalog_match_ndpi(c, "Drop"), -1);
    CHECK_INT(catalog_match_ndpi(c, "TLS"), -1);
    CHECK_INT(catalog_match_ndpi(c, ""), -1);
    catalog_free(c);
    diag_free(&d);
}

TEST(names_of_categories_risks_reasons)
{
    CHECK_STR(catalog_category_name(CATEGORY_GENAI), "genai");
    CHECK_STR(catalog_category_name(CATEGORY_OTHER), "other");
    CHECK_STR(catalog_category_name(CATEGORY_COUNT), "other");
    CHECK_INT(catalog_category_parse("video-conferencing"), CATEGORY_VIDEO_CONFERENCING);
    CHECK_INT(catalog_category_parse("Genai"), -1);
    CHECK_INT(catalog_category_parse(""), -1);
    for (int i = 0; i < CATEGORY_COUNT; i++)
        CHECK_INT(catalog_category_parse(catalog_category_name((enum service_category)i)), i);
    CHECK_STR(catalog_risk_name(RISK_LOW), "low");
    CHECK_STR(catalog_risk_name(RISK_MEDIUM), "medium");
    CHECK_STR(catalog_risk_name(RISK_HIGH), "high");
    CHECK_STR(catalog_risk_name(RISK_COUNT), "unknown");
    CHECK_STR(catalog_reason_name(REASON_TRAINS_ON_DATA), "trains-on-data");
    CHECK_STR(catalog_reason_name(REASON_UNREVIEWED), "unreviewed");
    CHECK_STR(catalog_reason_name(REASON_COUNT), "");
    for (int i = 0; i < REASON_COUNT; i++) {
        CHECK(catalog_reason_name((enum risk_reason)i)[0] != '\0');
        CHECK(strlen(catalog_reason_description((enum risk_reason)i)) > 10);
    }
    CHECK_STR(catalog_reason_description(REASON_COUNT), "");
}

/* ---- errors ---- */

/* A minimal valid service body to build bad entries around. */
#define BODY(id, dom)                                                                             \
    "[" id "]\nname = N\nvendor = V\ncategory = other\nrisk = low\ndomains = " dom "\n"

static void expect_error(const char *text, const char *prefix, const char *part)
{
    struct diag d;
    struct catalog *c = load(text, &d);
    CHECK(c == NULL);
    catalog_free(c);
    CHECK_ERROR(&d, prefix, part);
    diag_free(&d);
}

TEST(each_bad_line_with_its_position)
{
    /* unknown key (line 7) */
    expect_error(BODY("a", "a.example") "colour = blue\n", NAME ":7: ", "unknown key \"colour\"");
    /* unknown category (line 4) */
    expect_error("[a]\nname = N\nvendor = V\ncategory = warez\nrisk = low\ndomains = a.example\n",
                 NAME ":4: ", "unknown category \"warez\"");
    /* bad risk (line 5) */
    expect_error("[a]\nname = N\nvendor = V\ncategory = other\nrisk = extreme\n"
                 "domains = a.example\n",
                 NAME ":5: ", "risk must be low, medium or high, not \"extreme\"");
    /* medium or high risk without reasons: at the entry's header */
    expect_error("\n[a]\nname = N\nvendor = V\ncategory = other\nrisk = medium\n"
                 "domains = a.example\n",
                 NAME ":2: ", "\"a\" is medium risk but gives no \"reasons\"");
    expect_error("[a]\nname = N\nvendor = V\ncategory = other\nrisk = high\n"
                 "domains = a.example\n",
                 NAME ":1: ", "\"a\" is high risk but gives no \"reasons\"");
    /* unknown reason */
    expect_error("[a]\nname = N\nvendor = V\ncategory = other\nrisk = high\n"
                 "reasons = trains-on-data sells-your-soul\ndomains = a.example\n",
                 NAME ":6: ", "unknown risk reason \"sells-your-soul\"");
    /* the same domain in two services, with where it was claimed first */
    expect_error(BODY("first", "x.example shared.example") "\n" BODY("second",
                                                                     "y.example shared.example"),
                 NAME ":13: ", "domain \"shared.example\" is already claimed by \"first\" (line 1)");
    /* ... also when it comes on a continuation line: reported at its key */
    expect_error(BODY("first", "shared.example") "\n"
                 "[second]\nname = N\nvendor = V\ncategory = other\nrisk = low\n"
                 "domains = y.example\n    z.example shared.example\n",
                 NAME ":13: ", "already claimed by \"first\"");
    /* ... and twice within one service */
    expect_error(BODY("a", "dup.example dup.example"), NAME ":6: ",
                 "domain \"dup.example\" is already claimed by \"a\"");
    /* the same nDPI name in two services */
    expect_error(BODY("a", "a.example") "ndpi = Foo\n" BODY("b", "b.example") "ndpi = Bar Foo\n",
                 NAME ":14: ", "nDPI protocol \"Foo\" is already mapped to \"a\" (line 1)");
    /* bad CIDR, with its reason */
    expect_error(BODY("a", "a.example") "ip = 10.0.0.1/8\n", NAME ":7: ",
                 "\"10.0.0.1/8\" is not a CIDR prefix: address has bits set beyond the prefix "
                 "length");
    expect_error(BODY("a", "a.example") "ip = 192.0.2.0/24 10.0.0/8\n", NAME ":7: ",
                 "\"10.0.0/8\" is not a CIDR prefix: not an IPv4 or IPv6 address");
    expect_error(BODY("a", "a.example") "ip = 2001:db8::/129\n", NAME ":7: ",
                 "IPv6 prefix length is above 128");
    /* the same range in two services */
    expect_error(BODY("a", "a.example") "ip = 192.0.2.0/24\n" BODY("b", "b.example")
                     "ip = 192.0.2.0/24\n",
                 NAME ":14: ", "range 192.0.2.0/24 is already claimed by \"a\" (line 1)");
    /* bad ids */
    expect_error(BODY("Bad_Id", "a.example"), NAME ":1: ", "\"Bad_Id\" is not a service id");
    expect_error(BODY("-lead", "a.example"), NAME ":1: ", "\"-lead\" is not a service id");
    expect_error(BODY("has space", "a.example"), NAME ":1: ", "\"has space\" is not a service id");
    expect_error(BODY("a/b", "a.example"), NAME ":1: ", "is not a service id");
    /* an id defined twice */
    expect_error(BODY("a", "a.example") BODY("a", "b.example"), NAME ":7: ",
                 "service \"a\" is defined twice (first at line 1)");
    /* a key outside any section */
    expect_error("name = orphan\n" BODY("a", "a.example"), NAME ":1: ",
                 "\"name\" outside a [service] section");
    /* a key given twice */
    expect_error(BODY("a", "a.example") "vendor = Other\n", NAME ":7: ",
                 "\"vendor\" given twice for service \"a\"");
    /* missing required keys: at the header */
    expect_error("[a]\nvendor = V\ncategory = other\nrisk = low\ndomains = a.example\n",
                 NAME ":1: ", "service \"a\" has no \"name\"");
    expect_error("[a]\nname = N\ncategory = other\nrisk = low\ndomains = a.example\n",
                 NAME ":1: ", "has no \"vendor\"");
    expect_error("[a]\nname = N\nvendor = V\nrisk = low\ndomains = a.example\n", NAME ":1: ",
                 "has no \"category\"");
    expect_error("[a]\nname = N\nvendor = V\ncategory = other\ndomains = a.example\n",
                 NAME ":1: ", "has no \"risk\"");
    /* nothing to match by */
    expect_error("[a]\nname = N\nvendor = V\ncategory = other\nrisk = low\n", NAME ":1: ",
                 "nothing can match it");
    /* bad domains */
    expect_error(BODY("a", "Upper.Example"), NAME ":6: ", "\"Upper.Example\" is not a domain");
    expect_error(BODY("a", "localhost"), NAME ":6: ", "\"localhost\" is not a domain");
    expect_error(BODY("a", "bad..example"), NAME ":6: ", "\"bad..example\" is not a domain");
    expect_error(BODY("a", "*.example.com"), NAME ":6: ", "\"*.example.com\" is not a domain");
    expect_error(BODY("a", "example.com."), NAME ":6: ", "\"example.com.\" is not a domain");
    /* empty texts */
    expect_error(BODY("a", "a.example") "name2 = x\n", NAME ":7: ", "unknown key");
    expect_error("[a]\nname =\nvendor = V\ncategory = other\nrisk = low\ndomains = a.example\n",
                 NAME ":2: ", "\"name\" is empty");
    /* a file of only comments */
    expect_error("# nothing\n\n", NAME ": ", "no services defined");
}

TEST(many_errors_in_one_buffer_all_reported)
{
    static const char text[] =
        "stray = 1\n"                   /* 1: outside a section */
        "[ok]\n"                        /* 2 */
        "name = OK\n"                   /* 3 */
        "vendor = V\n"                  /* 4 */
        "category = other\n"            /* 5 */
        "risk = low\n"                  /* 6 */
        "domains = ok.example\n"        /* 7 */
        "ndpi = OK\n"                   /* 8 */
        "[Bad]\n"                       /* 9: bad id; its keys are not judged */
        "colour = red\n"                /* 10 */
        "[two]\n"                       /* 11 */
        "name = Two\n"                  /* 12 */
        "name = Again\n"                /* 13: given twice */
        "vendor = V\n"                  /* 14 */
        "category = nonsense\n"         /* 15 */
        "risk = high\n"                 /* 16: no reasons -> reported at 11 */
        "domains = sub.ok.example ok.example\n" /* 17: claimed by ok */
        "ndpi = OK\n"                   /* 18: mapped to ok */
        "ip = 10.1.0.0/8\n"             /* 19 */
        "weird line\n"                  /* 20: syntax */
        "[three]\n"                     /* 21 */
        "name = Three\n"
        "vendor = V\n"
        "category = other\n"
        "risk = low\n"
        "domains = three.example\n";
    struct diag d;
    struct catalog *c = load(text, &d);
    CHECK(c == NULL);
    CHECK_ERROR(&d, NAME ":1: ", "outside a [service] section");
    CHECK_ERROR(&d, NAME ":9: ", "is not a service id");
    CHECK_ERROR(&d, NAME ":13: ", "given twice");
    CHECK_ERROR(&d, NAME ":15: ", "unknown category");
    CHECK_ERROR(&d, NAME ":11: ", "high risk but gives no \"reasons\"");
    CHECK_ERROR(&d, NAME ":17: ", "already claimed by \"ok\" (line 2)");
    CHECK_ERROR(&d, NAME ":18: ", "already mapped to \"ok\"");
    CHECK_ERROR(&d, NAME ":19: ", "not a CIDR prefix");
    CHECK_ERROR(&d, NAME ":20: ", "expected \"key = value\"");
    CHECK_INT(d.errors, 9);
    if (d.errors != 9)
        dump(&d);
    diag_free(&d);
}

/* ---- the use of a generative-AI service ---- */

#define GENAI(id, dom)                                                                             \
    "[" id "]\nname = N\nvendor = V\ncategory = genai\nrisk = low\ndomains = " dom "\n"

static enum service_use use_of(const struct catalog *c, const char *id)
{
    const struct service *s = catalog_service(c, catalog_find(c, id));
    return s ? s->use : SERVICE_USE_COUNT;
}

TEST(genai_use)
{
    static const char text[] = GENAI("chat", "chat.example")         /* lines 1-6 */
        "[chat-api]\nname = N\nvendor = V\nuse = api\n"              /* 7-10: before category */
        "category = genai\nrisk = low\ndomains = api.chat.example\n" /* 11-13 */
        GENAI("chat-app", "app.example") "use = app\n"               /* 14-20 */
        BODY("drive", "drive.example");                              /* 21-26 */
    struct diag d;
    struct catalog *c = load(text, &d);
    CHECK(c != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (c) {
        CHECK_INT(use_of(c, "chat"), SERVICE_USE_APP); /* the default of a genai service */
        CHECK_INT(use_of(c, "chat-api"), SERVICE_USE_API);
        CHECK_INT(use_of(c, "chat-app"), SERVICE_USE_APP);
        CHECK_INT(use_of(c, "drive"), SERVICE_USE_NONE);
    }
    catalog_free(c);
    diag_free(&d);

    CHECK_STR(catalog_use_name(SERVICE_USE_APP), "app");
    CHECK_STR(catalog_use_name(SERVICE_USE_API), "api");
    CHECK(catalog_use_name(SERVICE_USE_NONE) == NULL);
    CHECK(catalog_use_name(SERVICE_USE_COUNT) == NULL);

    /* only for genai services, at the line of the key, whether it comes
     * before or after the category */
    expect_error(BODY("a", "a.example") "use = api\n", NAME ":7: ",
                 "\"use\" is for generative-AI services only: service \"a\" is category "
                 "\"other\", not genai");
    expect_error("[a]\nname = N\nuse = app\nvendor = V\ncategory = file-sharing\nrisk = low\n"
                 "domains = a.example\n",
                 NAME ":3: ", "service \"a\" is category \"file-sharing\", not genai");
    /* a bad value, whatever its case; empty; twice */
    expect_error(GENAI("a", "a.example") "use = both\n", NAME ":7: ",
                 "use must be app (people use the vendor's app or site) or api (programs call its "
                 "models), not \"both\"");
    expect_error(GENAI("a", "a.example") "use = API\n", NAME ":7: ", "not \"API\"");
    expect_error(GENAI("a", "a.example") "use =\n", NAME ":7: ", "not \"\"");
    expect_error(GENAI("a", "a.example") "use = api\nuse = app\n",
                 NAME ":8: ", "\"use\" given twice for service \"a\"");
    /* the errors of several entries are all reported */
    struct catalog *bad =
        load(BODY("a", "a.example") "use = app\n" GENAI("b", "b.example") "use = sometimes\n", &d);
    CHECK(bad == NULL);
    CHECK_INT(d.errors, 2);
    CHECK_ERROR(&d, NAME ":7: ", "\"use\" is for generative-AI services only");
    CHECK_ERROR(&d, NAME ":14: ", "not \"sometimes\"");
    catalog_free(bad);
    diag_free(&d);
}

TEST(file_errors)
{
    struct diag d;
    diag_init(&d);
    CHECK(catalog_load("/nonexistent/services.conf", &d) == NULL);
    CHECK(d.errors >= 1);
    CHECK_ERROR(&d, "/nonexistent/services.conf: ", "cannot open");
    diag_free(&d);
}

/* ---- the shipped catalog ---- */

static const char *const documented_categories[] = {
    "genai",          "file-sharing",   "storage-backup", "collaboration",
    "messaging",      "video-conferencing", "developer",  "cloud-infrastructure",
    "crm",            "marketing",      "analytics",      "advertising",
    "design",         "personal-email", "social",         "remote-access",
    "vpn-proxy",      "productivity",   "hr-finance",     "streaming",
    "e-commerce",     "gaming",         "search",         "news",
    "security",       "software-updates", "cdn",          "crypto",
    "other",
};

static struct catalog *load_shipped(struct diag *d)
{
    const char *src = getenv("SHADOWTAP_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof(path), "%s/rules/services.conf", src ? src : ".");
    diag_init(d);
    return catalog_load(path, d);
}

struct domain_ref {
    const char *domain;
    const char *service;
};

static int by_domain(const void *a, const void *b)
{
    return strcmp(((const struct domain_ref *)a)->domain, ((const struct domain_ref *)b)->domain);
}

TEST(shipped_catalog)
{
    CHECK(getenv("SHADOWTAP_SOURCE_DIR") != NULL);
    struct diag d;
    struct catalog *c = load_shipped(&d);
    CHECK(c != NULL);
    CHECK_INT(d.errors, 0);
    if (d.errors)
        dump(&d);
    if (!c) {
        diag_free(&d);
        return;
    }
    size_t n = catalog_count(c);
    CHECK(n >= 400);
    size_t genai = 0, ndomains = 0;
    int bad_category = 0, bad_match = 0, bad_reasons = 0;
    for (size_t i = 0; i < n; i++) {
        const struct service *s = catalog_service(c, (int)i);
        const char *cat = catalog_category_name(s->category);
        int documented = 0;
        for (size_t j = 0; j < sizeof(documented_categories) / sizeof(documented_categories[0]);
             j++)
            documented |= (unsigned)s->category < CATEGORY_COUNT &&
                          strcmp(cat, documented_categories[j]) == 0;
        if (!documented && bad_category++ < 5)
            fprintf(stderr, "    %s: category %d \"%s\" is not documented\n", s->id,
                    (int)s->category, cat);
        if (s->category == CATEGORY_GENAI)
            genai++;
        if (s->risk != RISK_LOW && s->reasons == 0)
            bad_reasons++;
        ndomains += s->ndomains;
        /* each listed domain and nDPI name leads back to its own service */
        for (size_t j = 0; j < s->ndomains; j++) {
            size_t ml = 0;
            int m = catalog_match_host(c, s->domains[j], strlen(s->domains[j]), &ml);
            if ((m != (int)i || ml != strlen(s->domains[j])) && bad_match++ < 5)
                fprintf(stderr, "    %s does not match %s\n", s->domains[j], s->id);
        }
        for (size_t j = 0; j < s->nndpi; j++) {
            if (catalog_match_ndpi(c, s->ndpi[j]) != (int)i && bad_match++ < 5)
                fprintf(stderr, "    nDPI %s does not map to %s\n", s->ndpi[j], s->id);
        }
    }
    CHECK_INT(bad_category, 0);
    CHECK_INT(bad_match, 0);
    CHECK_INT(bad_reasons, 0);
    CHECK(genai >= 30);

    /* no two services claim one domain, checked apart from the parser */
    struct domain_ref *all = malloc((ndomains ? ndomains : 1) * sizeof(*all));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct service *s = catalog_service(c, (int)i);
        for (size_t j = 0; j < s->ndomains; j++)
            all[k++] = (struct domain_ref){s->domains[j], s->id};
    }
    qsort(all, k, sizeof(*all), by_domain);
    int dups = 0;
    for (size_t i = 1; i < k; i++) {
        if (strcmp(all[i - 1].domain, all[i].domain) == 0 && dups++ < 5)
            fprintf(stderr, "    %s is claimed by %s and %s\n", all[i].domain,
                    all[i - 1].service, all[i].service);
    }
    CHECK_INT(dups, 0);
    CHECK(k > n); /* most services list several domains */
    fprintf(stderr, "shipped catalog: %zu services, %zu genai, %zu domains\n", n, genai, k);
    free(all);

    /* a few facts the rest of the product relies on */
    CHECK_STR(match_id(c, "www.dropbox.com"), "dropbox");
    CHECK_STR(match_id(c, "chatgpt.com"), "chatgpt");
    CHECK(catalog_find(c, "onedrive") >= 0);
    catalog_free(c);
    diag_free(&d);
}

/* The shipped catalog tells each vendor's app from its API where the host
 * names allow, and gives every genai service a use and no other service one. */
TEST(shipped_genai_uses)
{
    struct diag d;
    struct catalog *c = load_shipped(&d);
    CHECK(c != NULL);
    if (!c) {
        dump(&d);
        diag_free(&d);
        return;
    }
    static const struct {
        const char *host, *service;
        enum service_use use;
    } pairs[] = {
        {"chatgpt.com", "chatgpt", SERVICE_USE_APP},
        {"openai.com", "chatgpt", SERVICE_USE_APP},
        {"auth.openai.com", "chatgpt", SERVICE_USE_APP},
        {"api.openai.com", "openai-api", SERVICE_USE_API},
        {"platform.openai.com", "openai-api", SERVICE_USE_API},
        {"claude.ai", "claude", SERVICE_USE_APP},
        {"api.anthropic.com", "anthropic-api", SERVICE_USE_API},
        {"platform.claude.com", "anthropic-api", SERVICE_USE_API},
        {"gemini.google.com", "gemini", SERVICE_USE_APP},
        {"generativelanguage.googleapis.com", "google-ai-studio", SERVICE_USE_API},
        {"chat.mistral.ai", "mistral-le-chat", SERVICE_USE_APP},
        {"api.mistral.ai", "mistral-api", SERVICE_USE_API},
        {"www.perplexity.ai", "perplexity", SERVICE_USE_APP},
        {"api.perplexity.ai", "perplexity-api", SERVICE_USE_API},
        {"chat.deepseek.com", "deepseek", SERVICE_USE_APP},
        {"api.deepseek.com", "deepseek-api", SERVICE_USE_API},
        {"grok.com", "grok", SERVICE_USE_APP},
        {"api.x.ai", "xai-api", SERVICE_USE_API},
        {"kimi.moonshot.cn", "kimi", SERVICE_USE_APP},
        {"api.moonshot.ai", "kimi-api", SERVICE_USE_API},
        {"chat.qwen.ai", "qwen", SERVICE_USE_APP},
        {"dashscope-intl.aliyuncs.com", "qwen-api", SERVICE_USE_API},
        {"huggingface.co", "hugging-face", SERVICE_USE_APP},
        {"router.huggingface.co", "hugging-face-inference", SERVICE_USE_API},
        {"x.us-east-1.aws.endpoints.huggingface.cloud", "hugging-face-inference", SERVICE_USE_API},
        {"copilot.microsoft.com", "microsoft-copilot", SERVICE_USE_APP},
        {"contoso.openai.azure.com", "azure-openai", SERVICE_USE_API},
        {"poe.com", "poe", SERVICE_USE_APP},
        {"api.poe.com", "poe-api", SERVICE_USE_API},
        {"www.meta.ai", "meta-ai", SERVICE_USE_APP},
        {"api.llama.com", "meta-llama-api", SERVICE_USE_API},
        {"www.deepl.com", "deepl", SERVICE_USE_APP},
        {"api-free.deepl.com", "deepl-api", SERVICE_USE_API},
        {"app.runwayml.com", "runway", SERVICE_USE_APP},
        {"api.dev.runwayml.com", "runway-api", SERVICE_USE_API},
        {"dreamstudio.ai", "stability-ai", SERVICE_USE_APP},
        {"api.stability.ai", "stability-ai-api", SERVICE_USE_API},
        {"ideogram.ai", "ideogram", SERVICE_USE_APP},
        {"api.ideogram.ai", "ideogram-api", SERVICE_USE_API},
        {"dream-machine.lumalabs.ai", "luma-ai", SERVICE_USE_APP},
        {"api.lumalabs.ai", "luma-ai-api", SERVICE_USE_API},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        const char *id = match_id(c, pairs[i].host);
        CHECK_STR(id, pairs[i].service);
        CHECK_INT(use_of(c, pairs[i].service), pairs[i].use);
    }
    /* one vendor, two uses */
    const struct service *app = catalog_service(c, catalog_find(c, "claude"));
    const struct service *api = catalog_service(c, catalog_find(c, "anthropic-api"));
    CHECK(app && api && strcmp(app->vendor, api->vendor) == 0);
    size_t apis = 0;
    int wrong = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const struct service *s = catalog_service(c, (int)i);
        bool genai = s->category == CATEGORY_GENAI;
        apis += s->use == SERVICE_USE_API;
        if ((genai ? s->use == SERVICE_USE_NONE : s->use != SERVICE_USE_NONE) && wrong++ < 5)
            fprintf(stderr, "    %s: use %d with category %s\n", s->id, (int)s->use,
                    catalog_category_name(s->category));
    }
    CHECK_INT(wrong, 0);
    CHECK(apis >= 15);
    catalog_free(c);
    diag_free(&d);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TEST(lookup_rate_over_the_shipped_catalog)
{
    struct diag d;
    struct catalog *c = load_shipped(&d);
    CHECK(c != NULL);
    if (!c) {
        diag_free(&d);
        return;
    }
    /* Names as a sensor sees them: listed domains, hosts under them, and
     * names of no service at all, in about equal parts. */
    size_t cap = 0, n = 0;
    for (size_t i = 0; i < catalog_count(c); i++)
        cap += catalog_service(c, (int)i)->ndomains * 3;
    char **names = malloc(cap * sizeof(*names));
    for (size_t i = 0; i < catalog_count(c); i++) {
        const struct service *s = catalog_service(c, (int)i);
        for (size_t j = 0; j < s->ndomains; j++) {
            char buf[300];
            names[n++] = strdup(s->domains[j]);
            snprintf(buf, sizeof(buf), "edge-%zu.cdn.%s", j, s->domains[j]);
            names[n++] = strdup(buf);
            snprintf(buf, sizeof(buf), "host%zu.unlisted-%zu.example.org", j, i);
            names[n++] = strdup(buf);
        }
    }
    size_t *lens = malloc(n * sizeof(*lens));
    for (size_t i = 0; i < n; i++)
        lens[i] = strlen(names[i]);

    uint64_t lookups = 0, hits = 0;
    double start = now_seconds(), elapsed;
    do {
        for (size_t i = 0; i < n; i++)
            hits += catalog_match_host(c, names[i], lens[i], NULL) >= 0;
        lookups += n;
        elapsed = now_seconds() - start;
    } while (elapsed < 0.3);
    fprintf(stderr,
            "catalog_match_host: %.2f million look-ups/s over %zu services (%zu names, %.0f%% "
            "hits, %" PRIu64 " look-ups in %.2f s)\n",
            (double)lookups / elapsed / 1e6, catalog_count(c), n,
            100.0 * (double)hits / (double)lookups, lookups, elapsed);
    CHECK(hits > 0);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(lens);
    catalog_free(c);
    diag_free(&d);
}

/* ---- tenants ---- */

static const char tenants_text[] =
    "[sp]\n"                                                               /* 1 */
    "name = SharePoint\n"                                                  /* 2 */
    "vendor = Microsoft\n"                                                 /* 3 */
    "category = productivity\n"                                            /* 4 */
    "risk = low\n"                                                         /* 5 */
    "tenants = {tenant}.sharepoint.com   # before domains\n"               /* 6 */
    "          {tenant}-my.sharepoint.com\n"                               /* 7 */
    "domains = sharepoint.com office.com\n"                                /* 8 */
    "not_tenants = intranet\n"                                             /* 9 */
    "\n"                                                                   /* 10 */
    "[s3]\n"                                                               /* 11 */
    "name = S3\n"                                                          /* 12 */
    "vendor = Amazon\n"                                                    /* 13 */
    "category = storage-backup\n"                                          /* 14 */
    "risk = low\n"                                                         /* 15 */
    "domains = amazonaws.com\n"                                            /* 16 */
    "tenants = {tenant+}.s3.amazonaws.com, {tenant+}.s3.*.amazonaws.com\n" /* 17 */
    "          {tenant+}.s3-*.amazonaws.com\n"                             /* 18 */
    "\n"                                                                   /* 19 */
    "[plain]\n"                                                            /* 20 */
    "name = Plain\n"
    "vendor = V\n"
    "category = other\n"
    "risk = low\n"
    "domains = plain.example\n";

/* "tenant" for a 1, "-" for a 0, "!" for a -1. */
static const char *tenant_of(const struct catalog *c, const char *id, const char *host)
{
    static char buf[CATALOG_TENANT_MAX + 1];
    int r = catalog_tenant_of(c, catalog_find(c, id), host, buf, sizeof(buf));
    if (r != 1 && buf[0] != '\0')
        return "(tenant written without a tenant)";
    return r == 1 ? buf : r == 0 ? "-" : "!";
}

static const char *name_problem(const struct catalog *c, int service, const char *name)
{
    const char *why = catalog_tenant_name_problem(c, service, name);
    return why ? why : "(no problem)";
}

TEST(tenant_templates_and_lookups)
{
    struct diag d;
    struct catalog *c = load(tenants_text, &d);
    CHECK(c != NULL);
    CHECK_INT(d.errors, 0);
    dump(&d);
    if (!c) {
        diag_free(&d);
        return;
    }
    int sp = catalog_find(c, "sp"), s3 = catalog_find(c, "s3"), plain = catalog_find(c, "plain");
    CHECK(catalog_has_tenants(c, sp));
    CHECK(catalog_has_tenants(c, s3));
    CHECK(!catalog_has_tenants(c, plain));
    CHECK(!catalog_has_tenants(c, -1));
    CHECK(!catalog_has_tenants(c, 99));
    /* the templates as written, in file order */
    const struct service *s = catalog_service(c, sp);
    CHECK_INT(s->ntenants, 2);
    CHECK_STR(s->tenants[0], "{tenant}.sharepoint.com");
    CHECK_STR(s->tenants[1], "{tenant}-my.sharepoint.com");
    CHECK_INT(s->nnot_tenants, 1);
    CHECK_STR(s->not_tenants[0], "intranet");
    CHECK_INT(catalog_service(c, s3)->ntenants, 3);

    /* one label, part of a label; the most specific template decides */
    CHECK_STR(tenant_of(c, "sp", "contoso.sharepoint.com"), "contoso");
    CHECK_STR(tenant_of(c, "sp", "contoso-my.sharepoint.com"), "contoso");
    CHECK_STR(tenant_of(c, "sp", "Contoso-MY.SharePoint.com"), "contoso");
    /* vendor labels: the built-in list and the service's own */
    CHECK_STR(tenant_of(c, "sp", "www.sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "static.sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "intranet.sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "INTRANET.sharepoint.com"), "-");
    /* ... a template that finds a vendor label gives way to a less specific one */
    CHECK_STR(tenant_of(c, "sp", "www-my.sharepoint.com"), "www-my");
    /* no tenant: the suffix itself, deeper names, other domains */
    CHECK_STR(tenant_of(c, "sp", "sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", ".sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "-my.sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "a.contoso.sharepoint.com"), "-");
    CHECK_STR(tenant_of(c, "sp", "outlook.office.com"), "-");
    CHECK_STR(tenant_of(c, "sp", ""), "-");
    /* several labels, and '*' */
    CHECK_STR(tenant_of(c, "s3", "my.bucket.s3.amazonaws.com"), "my.bucket");
    CHECK_STR(tenant_of(c, "s3", "bucket.s3.eu-west-1.amazonaws.com"), "bucket");
    CHECK_STR(tenant_of(c, "s3", "Bucket.S3-EU-West-1.amazonaws.com"), "bucket");
    CHECK_STR(tenant_of(c, "s3", "www.s3.amazonaws.com"), "-");
    CHECK_STR(tenant_of(c, "s3", "s3.eu-west-1.amazonaws.com"), "-");
    CHECK_STR(tenant_of(c, "s3", "ec2.eu-west-1.amazonaws.com"), "-");
    /* a service without templates, and no service */
    CHECK_STR(tenant_of(c, "plain", "x.plain.example"), "!");
    char buf[16] = "junk";
    CHECK_INT(catalog_tenant_of(c, -1, "contoso.sharepoint.com", buf, sizeof(buf)), -1);
    CHECK_INT(catalog_tenant_of(c, 99, "contoso.sharepoint.com", buf, sizeof(buf)), -1);
    CHECK_STR(buf, "");
    /* the buffer: too small is no tenant; exactly enough is */
    strcpy(buf, "junk");
    CHECK_INT(catalog_tenant_of(c, sp, "contoso.sharepoint.com", buf, 7), 0);
    CHECK_STR(buf, "");
    CHECK_INT(catalog_tenant_of(c, sp, "contoso.sharepoint.com", buf, 8), 1);
    CHECK_STR(buf, "contoso");
    CHECK_INT(catalog_tenant_of(c, sp, "contoso.sharepoint.com", NULL, 0), 0);
    /* names longer than any host name */
    char huge[600];
    memset(huge, 'a', sizeof(huge));
    strcpy(huge + 500, ".sharepoint.com");
    CHECK_INT(catalog_tenant_of(c, sp, huge, buf, sizeof(buf)), 0);
    char longest[CATALOG_TENANT_MAX + 1], got[CATALOG_TENANT_MAX + 1];
    memset(longest, 'b', sizeof(longest));
    for (size_t i = 63; i < 253 - 17; i += 64)
        longest[i] = '.';
    strcpy(longest + 253 - 17, ".s3.amazonaws.com");
    CHECK_INT(strlen(longest), 253);
    CHECK_INT(catalog_tenant_of(c, s3, longest, got, sizeof(got)), 1);
    CHECK_INT(strlen(got), 253 - 17);

    /* names a policy may give as own tenants */
    CHECK(catalog_tenant_name_problem(c, sp, "contoso") == NULL);
    CHECK(catalog_tenant_name_problem(c, sp, "Contoso") == NULL);
    CHECK(catalog_tenant_name_problem(c, s3, "my.bucket") == NULL);
    CHECK(strstr(name_problem(c, plain, "x"), "no tenant patterns"));
    CHECK(strstr(name_problem(c, sp, "www"), "vendor's own labels"));
    CHECK(strstr(name_problem(c, sp, "intranet"), "vendor's own labels"));
    CHECK(strstr(name_problem(c, sp, "a.b"), "has a dot"));
    CHECK(strstr(name_problem(c, sp, "a b"), "is not a tenant name"));
    CHECK(strstr(name_problem(c, sp, "a:1"), "is not a tenant name"));
    CHECK(strstr(name_problem(c, sp, "a."), "is not a tenant name"));
    CHECK(strstr(name_problem(c, sp, ""), "is not a tenant name"));
    CHECK(strstr(name_problem(c, sp, "-a"), "is not a tenant name"));
    CHECK(strstr(name_problem(c, s3, "a-.b"), "is not a tenant name"));
    catalog_free(c);
    diag_free(&d);
}

TEST(tenant_errors_with_their_position)
{
    /* BODY is lines 1-6; the line under test is 7 */
#define T7(value) BODY("a", "a.example") "tenants = " value "\n"
    expect_error(T7("a.example"),
                 NAME ":7: ", "tenant pattern \"a.example\" has no {tenant} or {tenant+}");
    expect_error(T7("{tenant}.{tenant+}.a.example"), NAME ":7: ",
                 "tenant pattern \"{tenant}.{tenant+}.a.example\" has more than one {tenant} or "
                 "{tenant+}");
    expect_error(T7("{tenant}..a.example"),
                 NAME ":7: ", "tenant pattern \"{tenant}..a.example\" has an empty label");
    expect_error(T7("{tenant}.A.example"), NAME ":7: ",
                 "tenant pattern \"{tenant}.A.example\" has 'A', which is not allowed");
    expect_error(T7("{tenant}.a.example/x"), NAME ":7: ", "has '/', which is not allowed");
    expect_error(T7("{tenants}.a.example"), NAME ":7: ", "has '{', which is not allowed");
    expect_error(T7("*.{tenant}.a.example"),
                 NAME ":7: ", "tenant pattern \"*.{tenant}.a.example\" has {tenant} after a '*'");
    expect_error(T7("{tenant}-*.a.example"), NAME ":7: ", "has a '*' in the tenant's own label");
    expect_error(T7("{tenant}.x*y.a.example"),
                 NAME ":7: ", "has a '*' that is neither a whole label nor the end of one");
    expect_error(T7("x{tenant+}.a.example"), NAME ":7: ", "has {tenant+} inside a label");
    expect_error(T7("{tenant}.a.example {tenant}.a.example"), NAME ":7: ",
                 "tenant pattern \"{tenant}.a.example\" is given twice for service \"a\"");
    char text[600];
    snprintf(text, sizeof(text), T7("{tenant}.%064d.a.example"), 0);
    expect_error(text, NAME ":7: ", "has a label longer than 63 characters");
    /* the fixed suffix must lie under one of the service's own domains */
    expect_error(T7("{tenant}.b.example"), NAME ":7: ",
                 "tenant pattern \"{tenant}.b.example\" is not under any domain of service \"a\"");
    expect_error(T7("{tenant}.xa.example"), NAME ":7: ", "is not under any domain");
    expect_error(T7("{tenant}.example"), NAME ":7: ", "is not under any domain");
    expect_error(T7("{tenant}.a.*"), NAME ":7: ", "is not under any domain");
    /* ... reported at the key also when on a continuation line */
    expect_error(T7("{tenant}.a.example\n    {tenant}.b.example"),
                 NAME ":7: ", "\"{tenant}.b.example\" is not under any domain");
    /* ... and no longer domain of another service may take its hosts */
    expect_error(BODY("a", "example.com") "tenants = {tenant}.sub.example.com\n" BODY(
                     "b", "sub.example.com"),
                 NAME ":7: ",
                 "tenant pattern \"{tenant}.sub.example.com\": host names under "
                 "\"sub.example.com\" belong to service \"b\" (line 8)");
    /* not_tenants */
    expect_error(T7("{tenant}.a.example") "not_tenants = WWW\n",
                 NAME ":8: ", "\"WWW\" is not a label");
    expect_error(T7("{tenant}.a.example") "not_tenants = a.b\n",
                 NAME ":8: ", "\"a.b\" is not a label");
    expect_error(T7("{tenant}.a.example") "not_tenants = x y x\n",
                 NAME ":8: ", "\"x\" is given twice in \"not_tenants\" of service \"a\"");
    expect_error(BODY("a", "a.example") "not_tenants = intranet\n",
                 NAME ":7: ", "service \"a\" has \"not_tenants\" but no \"tenants\"");
    expect_error(T7("{tenant}.a.example") "tenants = {tenant}-x.a.example\n",
                 NAME ":8: ", "\"tenants\" given twice for service \"a\"");
#undef T7
}

/* ---- the shipped tenant templates ---- */

struct tenant_case {
    const char *service, *host, *tenant; /* tenant NULL: carries none */
};

static const struct tenant_case shipped_tenant_cases[] = {
    {"microsoft-365", "contoso.sharepoint.com", "contoso"},
    {"microsoft-365", "contoso-my.sharepoint.com", "contoso"},
    {"microsoft-365", "contoso-admin.sharepoint.com", "contoso"},
    {"microsoft-365", "www.sharepoint.com", NULL},
    {"microsoft-365", "a.contoso.sharepoint.com", NULL},
    {"microsoft-365", "outlook.office.com", NULL},
    {"atlassian", "acme.atlassian.net", "acme"},
    {"atlassian", "api.atlassian.net", NULL},
    {"slack", "acme.slack.com", "acme"},
    {"slack", "acme.enterprise.slack.com", "acme"},
    {"slack", "app.slack.com", NULL},
    {"slack", "edgeapi.slack.com", NULL},
    {"slack", "enterprise.slack.com", NULL},
    {"slack", "wss-primary.slack.com", NULL},
    {"salesforce", "acme.my.salesforce.com", "acme"},
    {"salesforce", "acme.lightning.force.com", "acme"},
    {"salesforce", "acme.file.force.com", "acme"},
    {"salesforce", "acme.my.site.com", "acme"},
    {"salesforce", "acme.my.salesforce-sites.com", "acme"},
    {"salesforce", "acme--uat.sandbox.my.salesforce.com", "acme--uat"},
    {"salesforce", "sandbox.my.salesforce.com", NULL},
    {"salesforce", "login.salesforce.com", NULL},
    {"servicenow", "acme.service-now.com", "acme"},
    {"servicenow", "hi.service-now.com", NULL},
    {"zendesk", "acme.zendesk.com", "acme"},
    {"zendesk", "support.zendesk.com", NULL},
    {"okta", "acme.okta.com", "acme"},
    {"okta", "acme-admin.okta.com", "acme"},
    {"okta", "acme.okta-emea.com", "acme"},
    {"okta", "acme-admin.okta-emea.com", "acme"},
    {"okta", "acme.oktapreview.com", "acme"},
    {"okta", "acme-admin.oktapreview.com", "acme"},
    {"okta", "login.okta.com", NULL},
    {"box", "acme.app.box.com", "acme"},
    {"box", "app.box.com", NULL},
    {"box", "upload.app.box.com", NULL},
    {"aws", "my.bucket.s3.amazonaws.com", "my.bucket"},
    {"aws", "bucket.s3.eu-west-1.amazonaws.com", "bucket"},
    {"aws", "bucket.s3-eu-west-1.amazonaws.com", "bucket"},
    {"aws", "bucket.s3-accelerate.amazonaws.com", "bucket"},
    {"aws", "bucket.s3.dualstack.us-east-1.amazonaws.com", "bucket"},
    {"aws", "bucket.s3-website.eu-west-1.amazonaws.com", "bucket"},
    {"aws", "bucket.s3-website-us-east-1.amazonaws.com", "bucket"},
    {"aws", "bucket.s3-accelerate.dualstack.amazonaws.com", "bucket"},
    {"aws", "ap-123456789012.s3-accesspoint.us-west-2.amazonaws.com", "ap-123456789012"},
    {"aws", "d-1234567890.awsapps.com", "d-1234567890"},
    {"aws", "acme.auth.eu-west-1.amazoncognito.com", "acme"},
    {"aws", "s3.amazonaws.com", NULL},
    {"aws", "s3.eu-west-1.amazonaws.com", NULL},
    {"aws", "s3.dualstack.eu-west-1.amazonaws.com", NULL},
    {"aws", "ec2.us-east-1.amazonaws.com", NULL},
    {"azure", "acct.blob.core.windows.net", "acct"},
    {"azure", "acct.file.core.windows.net", "acct"},
    {"azure", "acct.dfs.core.windows.net", "acct"},
    {"azure", "acct.queue.core.windows.net", "acct"},
    {"azure", "acct.table.core.windows.net", "acct"},
    {"azure", "acct.z13.web.core.windows.net", "acct"},
    {"azure", "blob.core.windows.net", NULL},
    {"azure", "management.core.windows.net", NULL},
    {"google-cloud", "my.bucket.storage.googleapis.com", "my.bucket"},
    {"google-cloud", "proj.appspot.com", "proj"},
    {"google-cloud", "proj.uc.r.appspot.com", "proj"},
    {"google-cloud", "storage.googleapis.com", NULL},
    {"github", "octo.github.io", "octo"},
    {"github", "www.github.io", NULL},
    {"github", "octo.ghe.com", "octo"},
    {"github", "api.octo.ghe.com", "octo"},
    {"github", "api.ghe.com", NULL},
    {"gitlab", "group.gitlab.io", "group"},
    {"netlify", "site.netlify.app", "site"},
    {"vercel", "proj.vercel.app", "proj"},
    {"heroku", "app-1234.herokuapp.com", "app-1234"},
    {"cloudflare", "proj.pages.dev", "proj"},
    {"cloudflare", "team.cloudflareaccess.com", "team"},
    {"cloudflare", "0123abcd.r2.cloudflarestorage.com", "0123abcd"},
    {"firebase", "proj.web.app", "proj"},
    {"firebase", "proj.firebaseapp.com", "proj"},
    {"firebase", "db.firebaseio.com", "db"},
    {"supabase", "abcdefgh.supabase.co", "abcdefgh"},
    {"freshworks", "acme.freshdesk.com", "acme"},
    {"freshworks", "acme.freshservice.com", "acme"},
    {"freshworks", "acme.myfreshworks.com", "acme"},
    {"freshworks", "acme.freshsales.io", "acme"},
    {"monday", "acme.monday.com", "acme"},
    {"monday", "auth.monday.com", NULL},
    {"notion", "acme.notion.site", "acme"},
    {"auth0", "acme.auth0.com", "acme"},
    {"auth0", "acme.eu.auth0.com", "acme"},
    {"auth0", "manage.auth0.com", NULL},
    {"auth0", "cdn.auth0.com", NULL},
    {"egnyte", "acme.egnyte.com", "acme"},
    {"sharefile", "acme.sharefile.com", "acme"},
    {"sharefile", "acme.sharefile.eu", "acme"},
    {"bamboohr", "acme.bamboohr.com", "acme"},
    {"shopify", "acme.myshopify.com", "acme"},
    {"sentry", "acme.sentry.io", "acme"},
    {"sentry", "us.sentry.io", NULL},
    {"sentry", "o1.ingest.us.sentry.io", NULL},
    {"snowflake", "myorg-acct.snowflakecomputing.com", "myorg-acct"},
    {"snowflake", "xy12345.eu-west-1.snowflakecomputing.com", "xy12345"},
    {"snowflake", "xy12345.ap-northeast-1.aws.snowflakecomputing.com", "xy12345"},
    {"snowflake", "ocsp.snowflakecomputing.com", NULL},
};

/* The service the shipped catalog attributes host to must be the one whose
 * template it tests. */
static void check_shipped_case(const struct catalog *c, const struct tenant_case *k)
{
    char got[CATALOG_TENANT_MAX + 1];
    int svc = catalog_find(c, k->service);
    CHECK(svc >= 0);
    int owner = catalog_match_host(c, k->host, strlen(k->host), NULL);
    int r = catalog_tenant_of(c, svc, k->host, got, sizeof(got));
    int want = k->tenant ? 1 : 0;
    CHECK_INT(r, want);
    if (r != want || (k->tenant && strcmp(got, k->tenant) != 0) || owner != svc) {
        fprintf(stderr, "    %s: %s gave %d \"%s\", owner %s\n", k->service, k->host, r, got,
                owner >= 0 ? catalog_service(c, owner)->id : "none");
        CHECK(0);
    }
}

TEST(shipped_tenant_templates)
{
    struct diag d;
    struct catalog *c = load_shipped(&d);
    CHECK(c != NULL);
    if (!c) {
        diag_free(&d);
        return;
    }
    for (size_t i = 0; i < sizeof(shipped_tenant_cases) / sizeof(shipped_tenant_cases[0]); i++)
        check_shipped_case(c, &shipped_tenant_cases[i]);

    /* Every shipped template: its own example is attributed to its service and
     * carries the tenant "x"; every listed domain carries none; and each
     * template is among the cases above. */
    size_t with = 0, templates = 0;
    for (size_t i = 0; i < catalog_count(c); i++) {
        const struct service *s = catalog_service(c, (int)i);
        CHECK(catalog_has_tenants(c, (int)i) == (s->ntenants > 0));
        with += s->ntenants > 0;
        templates += s->ntenants;
        for (size_t j = 0; j < s->ntenants; j++) {
            struct tenant_pattern p;
            char why[160], example[HOSTNAME_MAX + 1], got[CATALOG_TENANT_MAX + 1];
            CHECK(tenant_pattern_compile(s->tenants[j], &p, why, sizeof(why)));
            CHECK(tenant_pattern_example(&p, example, sizeof(example)) > 0);
            int owner = catalog_match_host(c, example, strlen(example), NULL);
            int r = catalog_tenant_of(c, (int)i, example, got, sizeof(got));
            if (owner != (int)i || r != 1 || strcmp(got, "x") != 0) {
                fprintf(stderr, "    %s: example %s of %s gave %d \"%s\", owner %d\n", s->id,
                        example, s->tenants[j], r, got, owner);
                CHECK(0);
            }
            int tested = 0;
            for (size_t k = 0; k < sizeof(shipped_tenant_cases) / sizeof(shipped_tenant_cases[0]);
                 k++) {
                const struct tenant_case *tc = &shipped_tenant_cases[k];
                size_t start, n;
                tested |= strcmp(tc->service, s->id) == 0 && tc->tenant &&
                          tenant_pattern_match(&p, tc->host, strlen(tc->host), &start, &n);
            }
            if (!tested && s->tenants[j][0] != '{')
                tested = 1; /* a template with a fixed head is checked by its example */
            if (!tested)
                fprintf(stderr, "    %s: no case for %s\n", s->id, s->tenants[j]);
            CHECK(tested);
        }
        for (size_t j = 0; j < s->ndomains && s->ntenants; j++) {
            char got[CATALOG_TENANT_MAX + 1];
            if (catalog_tenant_of(c, (int)i, s->domains[j], got, sizeof(got)) != 0) {
                fprintf(stderr, "    %s: its domain %s carries tenant \"%s\"\n", s->id,
                        s->domains[j], got);
                CHECK(0);
            }
        }
    }
    fprintf(stderr, "shipped tenant templates: %zu in %zu services\n", templates, with);
    CHECK(with >= 20);
    CHECK_INT(catalog_tenant_of(c, catalog_find(c, "dropbox"), "x.dropbox.com", NULL, 0), -1);
    catalog_free(c);
    diag_free(&d);
}

/* The cost of catalog_tenant_of over a million names as a sensor meets them
 * after deciding a flow's service: names with a tenant, vendor hosts and other
 * names of the same services.  Printed, not asserted. */
TEST(tenant_lookup_cost)
{
    struct diag d;
    struct catalog *c = load_shipped(&d);
    CHECK(c != NULL);
    if (!c) {
        diag_free(&d);
        return;
    }
    enum { NAMES = 4096, CALLS = 1000000 };
    static char names[NAMES][HOSTNAME_MAX + 1];
    static int services[NAMES];
    size_t n = 0, ncases = sizeof(shipped_tenant_cases) / sizeof(shipped_tenant_cases[0]);
    for (size_t i = 0; n < NAMES; i++) {
        const struct tenant_case *k = &shipped_tenant_cases[i % ncases];
        services[n] = catalog_find(c, k->service);
        if (i / ncases == 0 || !k->tenant)
            snprintf(names[n], sizeof(names[n]), "%s", k->host);
        else /* another tenant of the same form */
            snprintf(names[n], sizeof(names[n]), "t%zu%s", i, k->host);
        n++;
    }
    struct timespec t0, t1;
    uint64_t found = 0;
    char got[CATALOG_TENANT_MAX + 1];
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (size_t i = 0; i < CALLS; i++)
        found += catalog_tenant_of(c, services[i % NAMES], names[i % NAMES], got, sizeof(got)) == 1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "catalog_tenant_of: %d calls in %.3f s CPU: %.0f ns a call, %.2f million/s "
            "(%.0f%% with a tenant)\n",
            CALLS, s, s * 1e9 / CALLS, CALLS / s / 1e6, 100.0 * (double)found / CALLS);
    CHECK(found > 0);
    catalog_free(c);
    diag_free(&d);
}

int main(void)
{
    RUN(parses_good_entries);
    RUN(find_is_per_catalog);
    RUN(host_suffix_matching);
    RUN(label_prefix_patterns);
    RUN(address_ranges);
    RUN(ndpi_names);
    RUN(names_of_categories_risks_reasons);
    RUN(each_bad_line_with_its_position);
    RUN(many_errors_in_one_buffer_all_reported);
    RUN(genai_use);
    RUN(shipped_genai_uses);
    RUN(file_errors);
    RUN(shipped_catalog);
    RUN(lookup_rate_over_the_shipped_catalog);
    RUN(tenant_templates_and_lookups);
    RUN(tenant_errors_with_their_position);
    RUN(shipped_tenant_templates);
    RUN(tenant_lookup_cost);
    return test_report();
}
