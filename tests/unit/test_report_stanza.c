/*
 * test_report_stanza.c - ids, names and services.conf sections of candidate
 * services (report/report_stanza.c), and that a section loads into the
 * catalog as the service it proposes.
 */
#include "report_stanza.h"

#include <stdlib.h>

#include "catalog.h"
#include "diag.h"
#include "test.h"

/* ctx: a NULL-terminated list of the ids taken. */
static bool in_list(void *ctx, const char *id)
{
    for (const char *const *p = ctx; *p; p++) {
        if (strcmp(*p, id) == 0)
            return true;
    }
    return false;
}

TEST(the_id_is_the_first_label)
{
    char id[REPORT_STANZA_ID_MAX];
    CHECK_INT(report_stanza_id("quillboard.io", NULL, NULL, id), 0);
    CHECK_STR(id, "quillboard");
    CHECK_INT(report_stanza_id("pinecrest-analytics.co.uk", NULL, NULL, id), 0);
    CHECK_STR(id, "pinecrest-analytics");
    CHECK_INT(report_stanza_id("my_app.example", NULL, NULL, id), 0);
    CHECK_STR(id, "my_app");
    /* Upper case lowered; characters no id holds dropped; a letter or digit first. */
    CHECK_INT(report_stanza_id("Quill+Board.io", NULL, NULL, id), 0);
    CHECK_STR(id, "quillboard");
    CHECK_INT(report_stanza_id("-_x-1.example", NULL, NULL, id), 0);
    CHECK_STR(id, "x-1");
    CHECK_INT(report_stanza_id("xn--bcher-kva.example", NULL, NULL, id), 0);
    CHECK_STR(id, "xn--bcher-kva");
}

TEST(a_taken_id_gives_way_to_the_whole_domain_then_a_number)
{
    char id[REPORT_STANZA_ID_MAX];
    const char *const taken1[] = {"box", NULL};
    CHECK_INT(report_stanza_id("box.example", in_list, (void *)taken1, id), 0);
    CHECK_STR(id, "box-example");
    const char *const taken2[] = {"box", "box-example", NULL};
    CHECK_INT(report_stanza_id("box.example", in_list, (void *)taken2, id), 0);
    CHECK_STR(id, "box-example-2");
    const char *const taken3[] = {"box", "box-example", "box-example-2", NULL};
    CHECK_INT(report_stanza_id("box.example", in_list, (void *)taken3, id), 0);
    CHECK_STR(id, "box-example-3");
    /* A first label without a letter or digit goes straight to the domain. */
    CHECK_INT(report_stanza_id("--.example", NULL, NULL, id), 0);
    CHECK_STR(id, "example");
    CHECK_INT(report_stanza_id("--.--", NULL, NULL, id), -1);
    CHECK_STR(id, "");
}

TEST(ids_stay_within_64_characters)
{
    char domain[300], id[REPORT_STANZA_ID_MAX];
    memset(domain, 'a', 70);
    strcpy(domain + 70, ".example");
    CHECK_INT(report_stanza_id(domain, NULL, NULL, id), 0);
    CHECK_INT(strlen(id), 64);
    /* Taken: the whole domain cut to 64 is the same id, so a number follows
     * the cut. */
    char first[REPORT_STANZA_ID_MAX], second[REPORT_STANZA_ID_MAX];
    snprintf(first, sizeof(first), "%s", id);
    const char *const taken1[] = {first, NULL};
    CHECK_INT(report_stanza_id(domain, in_list, (void *)taken1, id), 0);
    CHECK_INT(strlen(id), 64);
    CHECK(strncmp(id, first, 62) == 0 && strcmp(id + 62, "-2") == 0);
    snprintf(second, sizeof(second), "%s", id);
    const char *const taken2[] = {first, second, NULL};
    CHECK_INT(report_stanza_id(domain, in_list, (void *)taken2, id), 0);
    CHECK(strcmp(id + 62, "-3") == 0);
}

TEST(the_name_is_the_first_labels_words_capitalised)
{
    char name[REPORT_STANZA_NAME_MAX];
    report_stanza_name("quillboard.io", name, sizeof(name));
    CHECK_STR(name, "Quillboard");
    report_stanza_name("pinecrest-analytics.co.uk", name, sizeof(name));
    CHECK_STR(name, "Pinecrest Analytics");
    report_stanza_name("my--odd_app.example", name, sizeof(name));
    CHECK_STR(name, "My Odd App");
    report_stanza_name("3d-print.example", name, sizeof(name));
    CHECK_STR(name, "3d Print");
    report_stanza_name("--.example", name, sizeof(name));
    CHECK_STR(name, "--.example");
    char small[8];
    report_stanza_name("pinecrest-analytics.co.uk", small, sizeof(small));
    CHECK_STR(small, "Pinecre");
    report_stanza_name("ab-cd-ef.example", small, 6);
    CHECK_STR(small, "Ab Cd"); /* never a trailing space */
    report_stanza_name("ab-cd-ef.example", small, 7);
    CHECK_STR(small, "Ab Cd");
}

TEST(domains_a_catalog_takes)
{
    CHECK(report_stanza_domain_ok("quillboard.io"));
    CHECK(report_stanza_domain_ok("pinecrest-analytics.co.uk"));
    CHECK(!report_stanza_domain_ok("localhost"));
    CHECK(!report_stanza_domain_ok("Upper.example"));
    CHECK(!report_stanza_domain_ok("a..example"));
    CHECK(!report_stanza_domain_ok("a b.example"));
    CHECK(!report_stanza_domain_ok("a.example\n[x]"));
    CHECK(!report_stanza_domain_ok(""));
}

TEST(the_section_loads_as_the_service_it_proposes)
{
    char *text = report_stanza_text("pinecrest-analytics.co.uk", "pinecrest-analytics",
                                    "Pinecrest Analytics");
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(strncmp(text, "# candidate from shadowtap-report", 33) == 0);
    CHECK(strstr(text, "\n[pinecrest-analytics]\n") != NULL);
    CHECK(strstr(text, "\ndomains  = pinecrest-analytics.co.uk\n") != NULL);
    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load_buffer("candidate.conf", text, strlen(text), &d);
    free(text);
    CHECK_INT(d.errors, 0);
    CHECK(c != NULL);
    if (!c) {
        diag_print(&d, stderr);
        diag_free(&d);
        return;
    }
    CHECK_INT(catalog_count(c), 1);
    const struct service *s = catalog_service(c, 0);
    CHECK_STR(s->id, "pinecrest-analytics");
    CHECK_STR(s->name, "Pinecrest Analytics");
    CHECK_STR(s->vendor, "Pinecrest Analytics");
    CHECK_INT(s->category, CATEGORY_OTHER);
    CHECK_INT(s->risk, RISK_MEDIUM);
    CHECK_INT(s->reasons, 1u << REASON_UNREVIEWED);
    const char *host = "portal.pinecrest-analytics.co.uk";
    CHECK_INT(catalog_match_host(c, host, strlen(host), NULL), 0);
    catalog_free(c);
    diag_free(&d);
}

int main(void)
{
    RUN(the_id_is_the_first_label);
    RUN(a_taken_id_gives_way_to_the_whole_domain_then_a_number);
    RUN(ids_stay_within_64_characters);
    RUN(the_name_is_the_first_labels_words_capitalised);
    RUN(domains_a_catalog_takes);
    RUN(the_section_loads_as_the_service_it_proposes);
    return test_report();
}
