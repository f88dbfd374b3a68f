/*
 * test_report_render.c - the renderers: CSV fields (quoting, formulas),
 * HTML escaping and its use on names from the rules, byte sizes, the JSON
 * writer against jansson's own output, and the HTML and CSV of small
 * documents of each kind (sections, privacy lines, nothing loaded).
 */
#include <stdlib.h>
#include <string.h>

#include "report_csv.h"
#include "report_html.h"
#include "report_json.h"
#include "report_svg.h"
#include "test.h"

/* Runs fn into a memory buffer; the caller frees the text. */
static char *capture(int (*fn)(FILE *, json_t *), json_t *doc, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    *rc = fn(f, doc);
    fclose(f);
    return text;
}

static char *csv_field(const char *in)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    report_csv_field(f, in);
    fclose(f);
    return text;
}

TEST(quotes_csv_fields)
{
    const char *cases[][2] = {
        {"plain", "plain"},
        {"Microsoft 365 (Office, Exchange)", "\"Microsoft 365 (Office, Exchange)\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""},
        {"+1", "\"'+1\""},
        {"-1", "\"'-1\""},
        {"@sum", "\"'@sum\""},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = csv_field(cases[i][0]);
        CHECK_STR(got, cases[i][1]);
        free(got);
    }
}

TEST(escapes_html)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    report_html_escape(f, "<a href=\"x\">Tom & Jerry's</a>");
    report_html_escape(f, NULL);
    fclose(f);
    CHECK_STR(text, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    free(text);
}

TEST(formats_bytes)
{
    char buf[32];
    const struct {
        uint64_t v;
        const char *text;
    } cases[] = {{0, "0 B"},
                 {999, "999 B"},
                 {1000, "1.00 kB"},
                 {1234567, "1.23 MB"},
                 {98765432, "98.8 MB"},
                 {123456789012ULL, "123 GB"},
                 {UINT64_MAX, "18.4 EB"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        report_format_bytes(cases[i].v, buf, sizeof(buf));
        CHECK_STR(buf, cases[i].text);
    }
}

static int dump_jansson(FILE *f, json_t *doc)
{
    int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', f);
    return rc;
}

TEST(writes_json_as_jansson_does)
{
    const char *docs[] = {
        "{}",
        "[]",
        "{\"a\": [], \"b\": {}, \"c\": [1, -2, 9223372036854775807, true, false, null]}",
        "{\"text\": \"tab\\t quote\\\" slash\\\\ / ctl\\u0001 del\\u007f\"}",
        "{\"utf8\": \"caf\\u00e9 \\u4e2d \\ud83d\\ude00\", \"nested\": {\"x\": [{\"y\": [[]]}]}}",
    };
    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        json_t *doc = json_loads(docs[i], 0, NULL);
        CHECK(doc != NULL);
        int rc1, rc2;
        char *want = capture(dump_jansson, doc, &rc1);
        char *got = capture(report_json_write, doc, &rc2);
        CHECK_INT(rc2, 0);
        CHECK_STR(got, want);
        free(want);
        free(got);
        json_decref(doc);
    }
}

TEST(writes_reals_as_short_as_they_read_back)
{
    const struct {
        double v;
        const char *text;
    } cases[] = {{87.3, "87.3\n"},   {0.5, "0.5\n"},   {100.0, "100.0\n"},
                 {0.0, "0.0\n"},     {66.7, "66.7\n"}, {1.0 / 3.0, "0.3333333333333333\n"},
                 {1e300, "1e+300\n"}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = json_real(cases[i].v);
        int rc;
        char *got = capture(report_json_write, v, &rc);
        CHECK_INT(rc, 0);
        CHECK_STR(got, cases[i].text);
        CHECK(strtod(got, NULL) == cases[i].v);
        free(got);
        json_decref(v);
    }
}

/* A monthly document of one department with a visible and a hidden cell. */
static const char monthly_doc[] =
    "{\"report\": \"monthly\", \"generated\": \"2026-12-01T00:00:00Z\","
    " \"period\": {\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"days\": 30,"
    "  \"month\": \"2026-11\"},"
    " \"sensors\": [{\"id\": \"s1\", \"last_flush\": null}],"
    " \"privacy\": {\"min_devices\": 5, \"hidden_cells\": 1},"
    " \"totals\": {\"bytes_up\": 300, \"bytes_down\": 600, \"packets_up\": 3, \"packets_down\": 6,"
    "  \"flows\": 3, \"devices\": 9, \"services\": 2, \"departments\": 1, \"new_services\": 1,"
    "  \"by_status\": {}},"
    " \"services\": [{\"id\": \"evil\", \"name\": \"<script>alert(1)</script>\","
    "  \"vendor\": null, \"category\": \"genai\", \"risk\": \"low\", \"reasons\": [],"
    "  \"status\": \"unsanctioned\", \"bytes_up\": 100, \"bytes_down\": 200, \"packets_up\": 1,"
    "  \"packets_down\": 2, \"flows\": 1, \"devices\": 7, \"departments\": [\"hr\"],"
    "  \"hidden_cells\": 0, \"countries\": [], \"first_seen\": null, \"last_seen\": null,"
    "  \"new\": true, \"alternative\": null}],"
    " \"departments\": [{\"id\": \"hr\", \"name\": \"People, HR\", \"bytes_up\": 300,"
    "  \"bytes_down\": 600, \"packets_up\": 3, \"packets_down\": 6, \"flows\": 3, \"devices\": 9,"
    "  \"services\": ["
    "   {\"id\": \"evil\", \"name\": \"<script>alert(1)</script>\", \"category\": \"genai\","
    "    \"risk\": \"low\", \"status\": \"unsanctioned\", \"bytes_up\": 100, \"bytes_down\": 200,"
    "    \"flows\": 1, \"devices\": 7, \"hidden\": false, \"countries\": [],"
    "    \"first_seen\": null, \"last_seen\": null, \"new\": true,"
    "    \"alternative\": {\"id\": \"good\", \"name\": \"Good\", \"status\": \"sanctioned\"}},"
    "   {\"id\": \"tiny\", \"name\": \"=cmd\", \"category\": null, \"risk\": null,"
    "    \"status\": \"unknown\", \"bytes_up\": null, \"bytes_down\": null, \"flows\": null,"
    "    \"devices\": null, \"hidden\": true, \"countries\": [], \"first_seen\": null,"
    "    \"last_seen\": null, \"new\": false, \"alternative\": null}],"
    "  \"other\": {\"cells\": 1, \"bytes_up\": 200, \"bytes_down\": 400, \"packets_up\": 2,"
    "   \"packets_down\": 4, \"flows\": 2}}],"
    " \"other\": {\"cells\": 1, \"bytes_up\": 200, \"bytes_down\": 400, \"packets_up\": 2,"
    "  \"packets_down\": 4, \"flows\": 2},"
    " \"new_services\": {\"services\": [], \"departments\": []},"
    " \"change\": {\"previous\": {\"start\": \"2026-10-01\", \"end\": \"2026-10-31\", \"days\": 31,"
    "  \"month\": \"2026-10\"}, \"previous_has_data\": false, \"current_totals\": {},"
    "  \"previous_totals\": {}, \"services\": [], \"new\": [], \"dropped\": []},"
    " \"adoption_candidates\": {\"criteria\": {\"min_devices\": 5, \"min_departments\": 2},"
    "  \"services\": []},"
    " \"genai_uploads\": {\"bytes_up\": 0, \"bytes_up_sanctioned\": 0, \"departments\": []},"
    " \"visibility\": {\"bytes\": 900, \"flows\": 3, \"by_evidence\": {\"sni\": {\"bytes\": 600,"
    "  \"flows\": 1}, \"none\": {\"bytes\": 300, \"flows\": 2}}, \"not_in_catalog\": {\"bytes\": "
    "200,"
    "  \"flows\": 1}, \"unnamed\": {\"ech\": {\"bytes\": 100, \"flows\": 1}},"
    "  \"named\": {\"bytes\": 600, \"flows\": 1, \"bytes_percent\": 66.7},"
    "  \"hidden\": {\"bytes\": 100, \"flows\": 1, \"bytes_percent\": 11.1},"
    "  \"encrypted_dns_devices\": null, \"encrypted_dns_by_department\": [{\"id\": \"hr\","
    "  \"name\": \"People, HR\", \"devices\": null}]},"
    " \"unknown_services\": {\"domains\": 1, \"listed\": 1, \"services\": [{\"domain\": "
    "\"x.example\","
    "  \"name\": \"=X\", \"devices\": 6, \"departments\": [\"hr\", \"it\"], \"by_department\": ["
    "   {\"id\": \"hr\", \"name\": \"People, HR\", \"devices\": 5, \"bytes_up\": 10,"
    "    \"bytes_down\": 20, \"flows\": 1},"
    "   {\"id\": null, \"name\": \"Other departments\", \"devices\": null, \"bytes_up\": 1,"
    "    \"bytes_down\": 2, \"flows\": 1}],"
    "  \"bytes_up\": 11, \"bytes_down\": 22, \"flows\": 2, \"first_seen\": "
    "\"2026-11-02T08:00:00Z\","
    "  \"last_seen\": null, \"hosts\": [{\"name\": \"<b>.x.example\", \"bytes\": 33}],"
    "  \"catalog_stanza\": \"[x]\\n</pre><script>\\n\"}],"
    "  \"below_privacy\": {\"domains\": 0, \"bytes_up\": 0, \"bytes_down\": 0, \"flows\": 0},"
    "  \"not_listed\": {\"domains\": 0, \"bytes_up\": 0, \"bytes_down\": 0, \"flows\": 0},"
    "  \"apart\": {}, \"bytes_up\": 11, \"bytes_down\": 22, \"flows\": 2}}";

TEST(renders_monthly_html)
{
    json_t *doc = json_loads(monthly_doc, 0, NULL);
    CHECK(doc != NULL);
    int rc;
    char *html = capture(report_html_write, doc, &rc);
    CHECK_INT(rc, 0);
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0);
    const char *sections[] = {"summary", "services",    "change",     "new-services", "adoption",
                              "genai",   "departments", "visibility", "unknown"};
    for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
        char want[64];
        snprintf(want, sizeof(want), "<section id=\"%s\">", sections[i]);
        CHECK(strstr(html, want) != NULL);
    }
    CHECK(strstr(html, "<footer id=\"privacy\">") != NULL);
    CHECK(strstr(html, "default-src 'none'") != NULL);
    /* A name from the rules is text, never markup. */
    CHECK(strstr(html, "<script") == NULL);
    CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
    CHECK(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL);
    /* The hidden cell and the other line. */
    CHECK(strstr(html, "fewer than 5") != NULL);
    CHECK(strstr(html, "Other: 1 service used by fewer than 5 devices each") != NULL);
    /* Coverage, from the document's own percentages; hidden device counts. */
    CHECK(strstr(html, "66.7% of bytes attributed to a named service; 11.1% hidden by ECH and "
                       "encrypted DNS.") != NULL);
    CHECK(strstr(html, "aria-label=\"What named the bytes\"") != NULL);
    CHECK(strstr(html, "resolvers: <b>fewer than 5</b> (People, HR fewer than 5)") != NULL);
    /* A candidate: its stanza and host names are text too. */
    CHECK(strstr(html, "<b>x.example</b>") != NULL);
    CHECK(strstr(html, "<pre>[x]\n&lt;/pre&gt;&lt;script&gt;\n</pre>") != NULL);
    CHECK(strstr(html, "&lt;b&gt;.x.example") != NULL);
    CHECK(strstr(html, "People, HR&nbsp;5, Other departments") != NULL);
    free(html);
    json_decref(doc);
}

TEST(renders_monthly_csv)
{
    json_t *doc = json_loads(monthly_doc, 0, NULL);
    int rc;
    char *csv = capture(report_csv_write, doc, &rc);
    CHECK_INT(rc, 0);
    const char *want =
        "period_start,period_end,department,department_name,service,service_name,category,risk,"
        "status,devices,bytes_up,bytes_down,flows,first_seen,last_seen,new,trend,alternative,"
        "row\r\n"
        "2026-11-01,2026-11-30,hr,\"People, HR\",evil,<script>alert(1)</script>,genai,low,"
        "unsanctioned,7,100,200,1,,,yes,,good,service\r\n"
        "2026-11-01,2026-11-30,hr,\"People, HR\",tiny,\"'=cmd\",,,unknown,fewer than "
        "5,,,,,,no,,,service\r\n"
        "2026-11-01,2026-11-30,hr,\"People, HR\",other,1 service used by fewer than 5 devices each,"
        ",,,,200,400,2,,,,,,service\r\n"
        /* the candidate's visible department; the folded ones have no row */
        "2026-11-01,2026-11-30,hr,\"People, HR\",x.example,\"'=X\",,,unknown,5,10,20,1,"
        "2026-11-02T08:00:00Z,,,,,candidate\r\n";
    CHECK_STR(csv, want);
    free(csv);
    json_decref(doc);
}

TEST(renders_each_kind)
{
    const char *kinds[][2] = {
        {"{\"report\": \"department\", \"department\": {\"id\": \"hr\", \"name\": \"HR\"},"
         " \"services\": [], \"dropped\": [], \"privacy\": {\"min_devices\": 0}}",
         "<section id=\"alternatives\">"},
        {"{\"report\": \"unsanctioned\", \"totals\": {}, \"services\": [], \"departments\": []}",
         "No unsanctioned or prohibited service"},
        {"{\"report\": \"new\", \"totals\": {}, \"services\": [], \"departments\": []}",
         "<section id=\"services\">"},
        {"{\"report\": \"catalog\", \"count\": 0, \"services\": []}", "<section id=\"catalog\">"},
        {"{\"report\": \"unknown\", \"months\": [\"2026-11\"], \"unknown_services\": "
         "{\"services\": []},"
         " \"visibility\": {\"bytes\": 0, \"named\": {\"bytes_percent\": null}}}",
         "No traffic was counted."},
    };
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        json_t *doc = json_loads(kinds[i][0], 0, NULL);
        CHECK(doc != NULL);
        int rc;
        char *html = capture(report_html_write, doc, &rc);
        CHECK_INT(rc, 0);
        CHECK(strstr(html, kinds[i][1]) != NULL);
        CHECK(strstr(html, "</html>") != NULL);
        free(html);
        json_decref(doc);
    }
    json_t *unknown = json_loads("{\"report\": \"weekly\"}", 0, NULL);
    int rc;
    char *html = capture(report_html_write, unknown, &rc);
    CHECK_INT(rc, -1);
    free(html);
    json_decref(unknown);
}

int main(void)
{
    RUN(quotes_csv_fields);
    RUN(escapes_html);
    RUN(formats_bytes);
    RUN(writes_json_as_jansson_does);
    RUN(writes_reals_as_short_as_they_read_back);
    RUN(renders_monthly_html);
    RUN(renders_monthly_csv);
    RUN(renders_each_kind);
    return test_report();
}
