/*
 * test_catalog.c - the service catalog: parsing good entries, every kind of
 * bad line with its file:line, host-name matching on label boundaries (the
 * deepest suffix wins), address ranges and nDPI names; then the shipped
 * rules/services.conf, checked for size, categories and unique domains, and a
 * look-up rate printed for it.
 */
#include "catalog.h"

#include <stdlib.h>
#include <time.h>

#include "symbol.h"
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
    RUN(file_errors);
    RUN(shipped_catalog);
    RUN(lookup_rate_over_the_shipped_catalog);
    return test_report();
}
