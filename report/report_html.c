/*
 * report_html.c - the HTML form of every report, rendered from its JSON.
 *
 * The JSON document is the one model of a report; this file only lays it
 * out, so the page can never say something the JSON does not.  Layout: a
 * header (what, when, from which sensors), a summary section that answers the
 * reader's question in a few numbers and sentences, detail sections, and a
 * footer on privacy.  Plain HTML tables and inline SVG, styled by one
 * embedded style sheet with print rules for A4.
 */
#include "report_html.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "report_svg.h"

#define TOP_CHART 15 /* bars in a "top services" chart */

struct page {
    FILE *out;
    json_t *doc;
    json_int_t min_devices;
};

/* ---- reading the model ---- */

static json_t *get(json_t *o, const char *k)
{
    return json_object_get(o, k);
}

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(get(o, k));
    return s ? s : "";
}

static uint64_t num(json_t *o, const char *k)
{
    json_int_t v = json_integer_value(get(o, k));
    return v > 0 ? (uint64_t)v : 0;
}

/* ---- writing ---- */

static void text(struct page *pg, const char *s)
{
    report_html_escape(pg->out, s);
}

static void put(struct page *pg, const char *s)
{
    fputs(s, pg->out);
}

__attribute__((format(printf, 2, 3))) static void fmt(struct page *pg, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vfprintf(pg->out, f, ap);
    va_end(ap);
}

static void bytes(struct page *pg, uint64_t b)
{
    char buf[32];
    report_format_bytes(b, buf, sizeof(buf));
    put(pg, buf);
}

static void td_bytes(struct page *pg, json_t *v)
{
    put(pg, "<td class=\"n\">");
    if (json_is_integer(v))
        bytes(pg, (uint64_t)json_integer_value(v));
    else
        put(pg, "&mdash;");
    put(pg, "</td>");
}

static void td_bytes_u64(struct page *pg, uint64_t b)
{
    put(pg, "<td class=\"n\">");
    bytes(pg, b);
    put(pg, "</td>");
}

static void td_int(struct page *pg, json_t *v)
{
    put(pg, "<td class=\"n\">");
    if (json_is_integer(v))
        fmt(pg, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        put(pg, "&mdash;");
    put(pg, "</td>");
}

/* Devices of a cell or group: a number, "fewer than k" when the cell is
 * hidden, a dash when only hidden cells make a service up (its devices are
 * then counted in no line at all). */
static void td_devices(struct page *pg, json_t *o)
{
    json_t *v = get(o, "devices");
    if (json_is_integer(v))
        td_int(pg, v);
    else if (json_is_true(get(o, "hidden")))
        fmt(pg, "<td class=\"n muted\">fewer than %" JSON_INTEGER_FORMAT "</td>", pg->min_devices);
    else
        put(pg, "<td class=\"n muted\" title=\"only in uses below the privacy threshold\">"
                "&mdash;</td>");
}

static void date_only(struct page *pg, json_t *v)
{
    const char *s = json_string_value(v);
    if (!s) {
        put(pg, "&mdash;");
        return;
    }
    fmt(pg, "<span class=\"nw\" title=\"");
    text(pg, s);
    put(pg, "\">");
    fprintf(pg->out, "%.10s", s);
    put(pg, "</span>");
}

static const char *status_class(const char *status)
{
    static const char *known[] = {"sanctioned", "tolerated", "unsanctioned", "prohibited"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(status, known[i]) == 0)
            return known[i];
    }
    return "unknown";
}

static const char *status_css(const char *status)
{
    const char *c = status_class(status);
    return strcmp(c, "sanctioned") == 0     ? "st-sanctioned"
           : strcmp(c, "tolerated") == 0    ? "st-tolerated"
           : strcmp(c, "unsanctioned") == 0 ? "st-unsanctioned"
           : strcmp(c, "prohibited") == 0   ? "st-prohibited"
                                            : "st-unknown";
}

static void pill(struct page *pg, const char *status)
{
    fmt(pg, "<span class=\"pill st-%s\">", status_class(status));
    text(pg, status[0] ? status : "unknown");
    put(pg, "</span>");
}

static const char *reason_description(const char *id)
{
    for (int k = 0; k < REASON_COUNT; k++) {
        if (strcmp(catalog_reason_name(k), id) == 0)
            return catalog_reason_description(k);
    }
    return id;
}

/* Risk level and, below it, its reasons in words. */
static void td_risk(struct page *pg, json_t *svc)
{
    const char *risk = str(svc, "risk");
    put(pg, "<td>");
    if (!risk[0]) {
        put(pg, "&mdash;</td>");
        return;
    }
    fmt(pg, "<span class=\"risk-%s\">",
        strcmp(risk, "high") == 0     ? "high"
        : strcmp(risk, "medium") == 0 ? "medium"
                                      : "low");
    text(pg, risk);
    put(pg, "</span>");
    size_t i;
    json_t *r;
    json_t *reasons = get(svc, "reasons");
    if (json_array_size(reasons)) {
        put(pg, "<div class=\"reasons\">");
        json_array_foreach(reasons, i, r)
        {
            if (i)
                put(pg, "; ");
            text(pg, reason_description(json_string_value(r) ? json_string_value(r) : ""));
        }
        put(pg, "</div>");
    }
    put(pg, "</td>");
}

static void td_service(struct page *pg, json_t *svc)
{
    put(pg, "<td><b>");
    text(pg, str(svc, "name"));
    put(pg, "</b><span class=\"id\">");
    text(pg, str(svc, "id"));
    const char *category = str(svc, "category");
    if (category[0]) {
        put(pg, " &middot; ");
        text(pg, category);
    }
    put(pg, "</span></td>");
}

static void td_alternative(struct page *pg, json_t *alt)
{
    put(pg, "<td>");
    if (json_is_object(alt)) {
        text(pg, str(alt, "name"));
        put(pg, " ");
        pill(pg, str(alt, "status"));
    } else {
        put(pg, "<span class=\"muted\">&mdash;</span>");
    }
    put(pg, "</td>");
}

static void td_countries(struct page *pg, json_t *countries)
{
    put(pg, "<td class=\"countries\">");
    size_t n = json_array_size(countries);
    for (size_t i = 0; i < n && i < 3; i++) {
        json_t *c = json_array_get(countries, i);
        if (i)
            put(pg, ", ");
        text(pg, str(c, "code"));
        put(pg, "&nbsp;");
        bytes(pg, num(c, "bytes_up") + num(c, "bytes_down"));
    }
    if (n > 3)
        fmt(pg, " +%zu", n - 3);
    if (!n)
        put(pg, "<span class=\"muted\">unknown</span>");
    put(pg, "</td>");
}

static void td_departments(struct page *pg, json_t *ids)
{
    put(pg, "<td class=\"n\" title=\"");
    size_t i;
    json_t *d;
    json_array_foreach(ids, i, d)
    {
        if (i)
            put(pg, ", ");
        text(pg, json_string_value(d) ? json_string_value(d) : "");
    }
    fmt(pg, "\">%zu</td>", json_array_size(ids));
}

static void kpi(struct page *pg, const char *value, const char *label)
{
    put(pg, "<div class=\"kpi\"><b>");
    text(pg, value);
    put(pg, "</b><span>");
    text(pg, label);
    put(pg, "</span></div>");
}

static void kpi_bytes(struct page *pg, uint64_t b, const char *label)
{
    char buf[32];
    report_format_bytes(b, buf, sizeof(buf));
    kpi(pg, buf, label);
}

static void kpi_u64(struct page *pg, uint64_t v, const char *label)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, v);
    kpi(pg, buf, label);
}

/* A count, or "< k" when privacy hides it. */
static void kpi_int(struct page *pg, json_t *v, const char *label)
{
    char buf[32];
    if (json_is_integer(v))
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        snprintf(buf, sizeof(buf), "< %" JSON_INTEGER_FORMAT,
                 json_integer_value(get(get(pg->doc, "privacy"), "min_devices")));
    kpi(pg, buf, label);
}

static void section_open(struct page *pg, const char *id, const char *title, const char *question)
{
    fmt(pg, "<section id=\"%s\">\n<h2>", id);
    text(pg, title);
    put(pg, "</h2>\n");
    if (question) {
        put(pg, "<p class=\"question\">");
        text(pg, question);
        put(pg, "</p>\n");
    }
}

static void section_close(struct page *pg)
{
    put(pg, "</section>\n");
}

/* A percentage change, or "new" when there was nothing before. */
static void change(struct page *pg, uint64_t before, uint64_t now)
{
    if (!before) {
        put(pg, now ? "new" : "&mdash;");
        return;
    }
    double pct = 100.0 * ((double)now - (double)before) / (double)before;
    fmt(pg, "<span class=\"%s\">%+.0f%%</span>", pct > 0 ? "up" : pct < 0 ? "down" : "", pct);
}

static void other_row(struct page *pg, json_t *other, int columns_before, int columns_after)
{
    uint64_t cells = num(other, "cells");
    if (!cells)
        return;
    put(pg, "<tr class=\"other\">");
    fmt(pg,
        "<td colspan=\"%d\">Other: %" PRIu64 " service%s used by fewer than %" JSON_INTEGER_FORMAT
        " devices each</td>",
        columns_before, cells, cells == 1 ? "" : "s", pg->min_devices);
    td_bytes(pg, get(other, "bytes_up"));
    td_bytes(pg, get(other, "bytes_down"));
    if (columns_after)
        fmt(pg, "<td colspan=\"%d\"></td>", columns_after);
    put(pg, "</tr>\n");
}

/* ---- the page frame ---- */

static const char style[] =
    ":root{--ink:#1d2330;--muted:#5b6473;--line:#d9dde3;--bg:#f4f5f7;--card:#fff;"
    "--sanctioned:#2e7d32;--tolerated:#1565c0;--unsanctioned:#d84315;--prohibited:#b71c1c;"
    "--unknown:#757575}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "Arial,sans-serif;color:var(--ink);background:var(--bg)}\n"
    "header,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}\n"
    "header{padding-top:26px}\n"
    "h1{font-size:25px;margin:0 0 4px}h2{font-size:19px;margin:0 0 2px}"
    "h3{font-size:15px;margin:18px 0 4px}\n"
    ".sub,.muted{color:var(--muted)}\n"
    "section{background:var(--card);border:1px solid var(--line);border-radius:8px;"
    "padding:16px 20px;margin:16px 0}\n"
    ".question{color:var(--muted);font-style:italic;margin:0 0 10px}\n"
    ".kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:10px;"
    "margin:10px 0 12px}\n"
    ".kpi{border:1px solid var(--line);border-radius:6px;padding:8px 12px}"
    ".kpi b{display:block;font-size:21px}.kpi span{color:var(--muted);font-size:12px}\n"
    "ul.findings{margin:6px 0;padding-left:20px}ul.findings li{margin:3px 0}\n"
    "table{width:100%;border-collapse:collapse;font-size:13px;margin:6px 0}\n"
    "th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);"
    "vertical-align:top}\n"
    "th{font-size:12px;color:var(--muted);font-weight:600;border-bottom:2px solid var(--line)}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "tr.other td{color:var(--muted);font-style:italic}\n"
    ".id{display:block;color:var(--muted);font-size:11px}\n"
    ".reasons{color:var(--muted);font-size:11px;max-width:260px}\n"
    ".countries{font-size:12px}.nw{white-space:nowrap}\n"
    ".pill{display:inline-block;padding:0 7px;border-radius:9px;font-size:11.5px;color:#fff;"
    "white-space:nowrap}\n"
    ".pill.st-sanctioned{background:var(--sanctioned)}.pill.st-tolerated{background:var(--"
    "tolerated)}"
    ".pill.st-unsanctioned{background:var(--unsanctioned)}"
    ".pill.st-prohibited{background:var(--prohibited)}.pill.st-unknown{background:var(--unknown)}\n"
    ".risk-high{color:var(--prohibited);font-weight:600}.risk-medium{color:#a15c00;font-weight:600}"
    ".risk-low{color:var(--sanctioned);font-weight:600}\n"
    ".up{color:#a15c00}.down{color:var(--tolerated)}\n"
    ".chart{width:100%;height:auto;display:block;margin:8px 0 4px}"
    ".chart text{font-size:12px;fill:var(--ink)}.chart text.small{font-size:11px;fill:var(--muted)}"
    ".chart text.value{font-size:11px;fill:var(--muted)}\n"
    ".chart .legend{fill:var(--ink)}.chart .pale{opacity:.4}.chart .axis{stroke:var(--line)}\n"
    ".st-sanctioned rect{fill:var(--sanctioned)}.st-tolerated rect{fill:var(--tolerated)}"
    ".st-unsanctioned rect{fill:var(--unsanctioned)}.st-prohibited rect{fill:var(--prohibited)}"
    ".st-unknown rect{fill:var(--unknown)}\n"
    ".spark{width:124px;height:24px}.spark polyline{fill:none;stroke:var(--tolerated);"
    "stroke-width:1.5}\n"
    ".twocol{display:grid;grid-template-columns:1fr 1fr;gap:18px}\n"
    "footer{color:var(--muted);font-size:12px;padding-bottom:32px}\n"
    "@page{size:A4;margin:14mm 12mm}\n"
    /* On paper: the width of A4, tighter tables, headers repeated on each page. */
    "@media print{body{background:#fff;font-size:10pt}header,main,footer{max-width:none;"
    "padding:0}section{border:none;border-radius:0;padding:0;margin:0 0 7mm}"
    "h2,h3{break-after:avoid}table{font-size:7.5pt}th,td{padding:2px 3px}"
    "th{font-size:7pt}thead{display:table-header-group}.nw{white-space:normal}"
    ".reasons{font-size:6.5pt}.countries{font-size:7pt}.id{font-size:6.5pt;overflow-wrap:anywhere}"
    ".pill{font-size:6.5pt;padding:0 4px}.spark{width:64px;height:16px}"
    ".kpi b{font-size:16px}tr,.chart,.kpis,.kpi{break-inside:avoid}"
    ".pill,.chart,.kpi{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".twocol{grid-template-columns:1fr 1fr}}\n"
    "@media (max-width:720px){.twocol{grid-template-columns:1fr}}\n";

static void page_open(struct page *pg, const char *title, const char *subtitle)
{
    put(pg, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
    text(pg, title);
    put(pg, "</title>\n<style>\n");
    put(pg, style);
    put(pg, "</style>\n</head>\n<body>\n<header>\n<h1>");
    text(pg, title);
    put(pg, "</h1>\n<div class=\"sub\">");
    text(pg, subtitle);
    json_t *period = get(pg->doc, "period");
    if (period) {
        put(pg, " &middot; ");
        text(pg, str(period, "start"));
        put(pg, " to ");
        text(pg, str(period, "end"));
    }
    put(pg, " &middot; generated ");
    text(pg, str(pg->doc, "generated"));
    json_t *sensors = get(pg->doc, "sensors");
    if (json_array_size(sensors)) {
        put(pg, " &middot; sensors: ");
        size_t i;
        json_t *s;
        json_array_foreach(sensors, i, s)
        {
            if (i)
                put(pg, ", ");
            text(pg, str(s, "id"));
        }
    }
    put(pg, "</div>\n</header>\n<main>\n");
}

static void page_close(struct page *pg)
{
    put(pg, "</main>\n<footer id=\"privacy\">\n<p>This report counts devices; it never names a "
            "person.  A device is a keyed pseudonym of its address, counted with HyperLogLog; no "
            "address, hardware address or host name of a client is stored or shown.  ");
    if (pg->min_devices > 0)
        fmt(pg,
            "A department's use of a service by fewer than %" JSON_INTEGER_FORMAT
            " devices is shown as &ldquo;fewer than %" JSON_INTEGER_FORMAT
            "&rdquo;, and its figures are counted only in an &ldquo;other&rdquo; line.  ",
            pg->min_devices, pg->min_devices);
    put(pg, "Statuses, risks and alternatives are those of the organisation's current policy."
            "</p>\n<p>shadowtap &middot; reports support a conversation between IT and the "
            "people who adopted a tool: they show adoption, risk and the sanctioned "
            "alternative.</p>\n</footer>\n</body>\n</html>\n");
}

/* Bars of the services with the most bytes (up solid, down pale). */
static void top_services_chart(struct page *pg, json_t *services, const char *title,
                               int upload_only)
{
    size_t n = json_array_size(services);
    struct report_svg_bar bars[TOP_CHART];
    size_t k = 0;
    for (size_t i = 0; i < n && k < TOP_CHART; i++) {
        json_t *s = json_array_get(services, i);
        if (!json_is_integer(get(s, "bytes_up")))
            continue;
        bars[k].label = str(s, "name");
        bars[k].first = num(s, "bytes_up");
        bars[k].second = upload_only ? 0 : num(s, "bytes_down");
        bars[k].cls = status_css(str(s, "status"));
        if (bars[k].first + bars[k].second)
            k++;
    }
    if (k)
        report_svg_bars(pg->out, title, bars, k, 1, "uploaded", upload_only ? NULL : "downloaded");
}

/* ---- monthly ---- */

static void monthly_summary(struct page *pg)
{
    json_t *doc = pg->doc, *totals = get(doc, "totals"), *by = get(totals, "by_status");
    json_t *chg = get(doc, "change"), *cand = get(get(doc, "adoption_candidates"), "services");
    json_t *genai = get(doc, "genai_uploads");
    section_open(pg, "summary", "At a glance",
                 "What did the organisation use this month, what changed from last month, what "
                 "is widely adopted and low-risk enough to sanction, what costs risk?");
    put(pg, "<div class=\"kpis\">");
    kpi_int(pg, get(totals, "services"), "services in use");
    kpi_int(pg, get(totals, "devices"), "devices");
    kpi_bytes(pg, num(totals, "bytes_up"), "uploaded");
    kpi_bytes(pg, num(totals, "bytes_down"), "downloaded");
    kpi_int(pg, get(totals, "new_services"), "new services");
    kpi_u64(pg, json_array_size(cand), "adoption candidates");
    put(pg, "</div>\n<ul class=\"findings\">\n");

    uint64_t up_all = 0, up_not = 0;
    const char *statuses[] = {"sanctioned", "tolerated", "unsanctioned", "prohibited", "unknown"};
    for (size_t i = 0; i < 5; i++) {
        json_t *s = get(by, statuses[i]);
        up_all += num(s, "bytes_up");
        if (i >= 2)
            up_not += num(s, "bytes_up");
    }
    /* By the organisation's status of each service, so that the counts add up. */
    uint64_t per_status[5] = {0};
    size_t at;
    json_t *svc;
    json_array_foreach(get(doc, "services"), at, svc)
    {
        for (size_t k = 0; k < 5; k++) {
            if (strcmp(str(svc, "status"), statuses[k]) == 0)
                per_status[k]++;
        }
    }
    fmt(pg,
        "<li>%" PRIu64 " services in use across %" PRIu64 " departments: %" PRIu64
        " sanctioned, %" PRIu64 " tolerated, %" PRIu64 " unsanctioned, %" PRIu64
        " prohibited%s.</li>\n",
        num(totals, "services"), num(totals, "departments"), per_status[0], per_status[1],
        per_status[2], per_status[3], per_status[4] ? ", and unclassified traffic" : "");
    if (up_all)
        fmt(pg,
            "<li>%.0f%% of the data uploaded went to unsanctioned, prohibited or "
            "unclassified services.</li>\n",
            100.0 * (double)up_not / (double)up_all);
    json_t *prev = get(chg, "previous_totals"), *cur = get(chg, "current_totals");
    if (json_is_true(get(chg, "previous_has_data"))) {
        put(pg, "<li>Against ");
        text(pg, str(get(chg, "previous"), "month"));
        put(pg, ": uploads ");
        change(pg, num(prev, "bytes_up"), num(cur, "bytes_up"));
        put(pg, ", devices ");
        change(pg, num(prev, "devices"), num(cur, "devices"));
        fmt(pg, ", %zu services started and %zu stopped being used.</li>\n",
            json_array_size(get(chg, "new")), json_array_size(get(chg, "dropped")));
    } else {
        put(pg, "<li>No figures for the previous month to compare with.</li>\n");
    }
    json_t *added = get(get(doc, "new_services"), "services");
    if (json_array_size(added)) {
        fmt(pg, "<li>First seen in the organisation this month: ");
        size_t i;
        json_t *s;
        json_array_foreach(added, i, s)
        {
            if (i == 8) {
                fmt(pg, " and %zu more", json_array_size(added) - 8);
                break;
            }
            if (i)
                put(pg, ", ");
            text(pg, str(s, "name"));
        }
        put(pg, ".</li>\n");
    }
    if (json_array_size(cand)) {
        json_t *c = json_array_get(cand, 0);
        put(pg, "<li>Strongest candidate to sanction: <b>");
        text(pg, str(c, "name"));
        fmt(pg, "</b> (%" PRIu64 " devices in %zu departments, %s risk).</li>\n", num(c, "devices"),
            json_array_size(get(c, "departments")), str(c, "risk"));
    }
    if (num(genai, "bytes_up")) {
        put(pg, "<li>Uploaded to generative-AI services: ");
        bytes(pg, num(genai, "bytes_up"));
        fmt(pg, ", %.0f%% of it to sanctioned ones.</li>\n",
            100.0 * (double)num(genai, "bytes_up_sanctioned") / (double)num(genai, "bytes_up"));
    }
    put(pg, "</ul>\n");
    section_close(pg);
}

static void monthly_services(struct page *pg)
{
    json_t *services = get(pg->doc, "services");
    section_open(pg, "services", "Services in use",
                 "Every cloud service seen this month, with its status, risk and use.");
    top_services_chart(pg, services, "Services with the most traffic", 0);
    put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th>Risk</th>"
            "<th class=\"n\">Up</th><th class=\"n\">Down</th><th class=\"n\">Flows</th>"
            "<th class=\"n\">Devices</th><th class=\"n\">Depts</th><th>Countries</th>"
            "<th>First seen</th></tr></thead>\n<tbody>\n");
    size_t i;
    json_t *s;
    json_array_foreach(services, i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        pill(pg, str(s, "status"));
        put(pg, "</td>");
        td_risk(pg, s);
        td_bytes(pg, get(s, "bytes_up"));
        td_bytes(pg, get(s, "bytes_down"));
        td_int(pg, get(s, "flows"));
        td_devices(pg, s);
        td_departments(pg, get(s, "departments"));
        td_countries(pg, get(s, "countries"));
        put(pg, "<td>");
        date_only(pg, get(s, "first_seen"));
        if (json_is_true(get(s, "new")))
            put(pg, " <b>new</b>");
        put(pg, "</td></tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
    json_t *other = get(pg->doc, "other");
    if (num(other, "cells")) {
        fmt(pg,
            "<p class=\"muted\">Not counted above: %" PRIu64
            " department uses of services by fewer than %" JSON_INTEGER_FORMAT " devices each (",
            num(other, "cells"), pg->min_devices);
        bytes(pg, num(other, "bytes_up"));
        put(pg, " up, ");
        bytes(pg, num(other, "bytes_down"));
        put(pg, " down).</p>\n");
    }
    section_close(pg);
}

static void service_change_rows(struct page *pg, json_t *list, int previous_only)
{
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        pill(pg, str(s, "status"));
        put(pg, "</td>");
        if (previous_only) {
            td_bytes_u64(pg, num(s, "bytes_up_previous") + num(s, "bytes_down_previous"));
            td_int(pg, get(s, "devices_previous"));
        } else {
            td_bytes_u64(pg, num(s, "bytes_up") + num(s, "bytes_down"));
            td_devices(pg, s);
        }
        put(pg, "</tr>\n");
    }
}

static int by_change(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double dx = (double)(num(x, "bytes_up") + num(x, "bytes_down")) -
                (double)(num(x, "bytes_up_previous") + num(x, "bytes_down_previous"));
    double dy = (double)(num(y, "bytes_up") + num(y, "bytes_down")) -
                (double)(num(y, "bytes_up_previous") + num(y, "bytes_down_previous"));
    dx = dx < 0 ? -dx : dx;
    dy = dy < 0 ? -dy : dy;
    return dx < dy ? 1 : dx > dy ? -1 : strcmp(str(x, "id"), str(y, "id"));
}

static void monthly_change(struct page *pg)
{
    json_t *chg = get(pg->doc, "change");
    json_t *prev = get(chg, "previous_totals"), *cur = get(chg, "current_totals");
    char title[64];
    snprintf(title, sizeof(title), "Change from %s", str(get(chg, "previous"), "month"));
    section_open(pg, "change", title, "What changed from last month?");
    if (!json_is_true(get(chg, "previous_has_data")))
        put(pg, "<p class=\"muted\">No figures were recorded for the previous month.</p>\n");
    put(pg, "<table>\n<thead><tr><th></th><th class=\"n\">Previous month</th>"
            "<th class=\"n\">This month</th><th class=\"n\">Change</th></tr></thead>\n<tbody>\n");
    const char *rows[][2] = {{"bytes_up", "Uploaded"},
                             {"bytes_down", "Downloaded"},
                             {"devices", "Devices"},
                             {"services", "Services"},
                             {"flows", "Flows"}};
    for (size_t i = 0; i < 5; i++) {
        fmt(pg, "<tr><td>%s</td>", rows[i][1]);
        if (i < 2) {
            td_bytes(pg, get(prev, rows[i][0]));
            td_bytes(pg, get(cur, rows[i][0]));
        } else {
            td_int(pg, get(prev, rows[i][0]));
            td_int(pg, get(cur, rows[i][0]));
        }
        put(pg, "<td class=\"n\">");
        change(pg, num(prev, rows[i][0]), num(cur, rows[i][0]));
        put(pg, "</td></tr>\n");
    }
    put(pg, "</tbody>\n</table>\n<div class=\"twocol\">\n<div>\n<h3>Started being used</h3>\n");
    json_t *added = get(chg, "new"), *dropped = get(chg, "dropped");
    if (json_array_size(added)) {
        put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th class=\"n\">Bytes</th>"
                "<th class=\"n\">Devices</th></tr></thead>\n<tbody>\n");
        service_change_rows(pg, added, 0);
        put(pg, "</tbody>\n</table>\n");
    } else {
        put(pg, "<p class=\"muted\">None.</p>\n");
    }
    put(pg, "</div>\n<div>\n<h3>No longer used</h3>\n");
    if (json_array_size(dropped)) {
        put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th class=\"n\">Bytes before"
                "</th><th class=\"n\">Devices before</th></tr></thead>\n<tbody>\n");
        service_change_rows(pg, dropped, 1);
        put(pg, "</tbody>\n</table>\n");
    } else {
        put(pg, "<p class=\"muted\">None.</p>\n");
    }
    put(pg, "</div>\n</div>\n");

    json_t *cont = get(chg, "services");
    size_t n = json_array_size(cont);
    if (n) {
        json_t **items = malloc(n * sizeof(*items));
        if (items) {
            for (size_t i = 0; i < n; i++)
                items[i] = json_array_get(cont, i);
            qsort(items, n, sizeof(*items), by_change);
            put(pg, "<h3>Largest changes</h3>\n<table>\n<thead><tr><th>Service</th>"
                    "<th>Status</th><th class=\"n\">Bytes before</th><th class=\"n\">Bytes now</th>"
                    "<th class=\"n\">Change</th><th class=\"n\">Devices before</th>"
                    "<th class=\"n\">Devices now</th></tr></thead>\n<tbody>\n");
            for (size_t i = 0; i < n && i < 10; i++) {
                json_t *s = items[i];
                uint64_t before = num(s, "bytes_up_previous") + num(s, "bytes_down_previous");
                uint64_t now = num(s, "bytes_up") + num(s, "bytes_down");
                put(pg, "<tr>");
                td_service(pg, s);
                put(pg, "<td>");
                pill(pg, str(s, "status"));
                put(pg, "</td>");
                td_bytes_u64(pg, before);
                td_bytes_u64(pg, now);
                put(pg, "<td class=\"n\">");
                change(pg, before, now);
                put(pg, "</td>");
                td_int(pg, get(s, "devices_previous"));
                td_int(pg, get(s, "devices"));
                put(pg, "</tr>\n");
            }
            put(pg, "</tbody>\n</table>\n");
            free(items);
        }
    }
    section_close(pg);
}

static void monthly_new(struct page *pg)
{
    json_t *added = get(pg->doc, "new_services");
    section_open(pg, "new-services", "New this month",
                 "Which services appeared for the first time, in the organisation and in each "
                 "department?");
    json_t *org = get(added, "services");
    if (json_array_size(org)) {
        put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th>Risk</th>"
                "<th class=\"n\">Devices</th><th class=\"n\">Depts</th><th class=\"n\">Up</th>"
                "<th>First seen</th><th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
        size_t i;
        json_t *s;
        json_array_foreach(org, i, s)
        {
            put(pg, "<tr>");
            td_service(pg, s);
            put(pg, "<td>");
            pill(pg, str(s, "status"));
            put(pg, "</td>");
            td_risk(pg, s);
            td_devices(pg, s);
            td_departments(pg, get(s, "departments"));
            td_bytes(pg, get(s, "bytes_up"));
            put(pg, "<td>");
            date_only(pg, get(s, "first_seen"));
            put(pg, "</td>");
            td_alternative(pg, get(s, "alternative"));
            put(pg, "</tr>\n");
        }
        put(pg, "</tbody>\n</table>\n");
    } else {
        put(pg, "<p class=\"muted\">No service was seen for the first time this month.</p>\n");
    }
    json_t *depts = get(added, "departments");
    if (json_array_size(depts)) {
        put(pg, "<h3>New to a department</h3>\n<table>\n<thead><tr><th>Department</th>"
                "<th>Services first used there this month</th></tr></thead>\n<tbody>\n");
        size_t i, j;
        json_t *d, *s;
        json_array_foreach(depts, i, d)
        {
            put(pg, "<tr><td>");
            text(pg, str(d, "name"));
            put(pg, "</td><td>");
            json_array_foreach(get(d, "services"), j, s)
            {
                if (j)
                    put(pg, ", ");
                text(pg, str(s, "name"));
                if (json_is_true(get(s, "new_in_organisation")))
                    put(pg, "<sup>*</sup>");
            }
            put(pg, "</td></tr>\n");
        }
        put(pg, "</tbody>\n</table>\n<p class=\"muted\"><sup>*</sup> also new to the "
                "organisation.</p>\n");
    }
    section_close(pg);
}

static void monthly_candidates(struct page *pg)
{
    json_t *cand = get(pg->doc, "adoption_candidates"), *crit = get(cand, "criteria");
    section_open(pg, "adoption", "Adoption candidates",
                 "Which unsanctioned services are widely used at low or medium risk: what IT "
                 "could sanction and scale up?");
    fmt(pg,
        "<p class=\"muted\">Unsanctioned, low or medium risk, used by at least %" PRIu64
        " devices in at least %" PRIu64 " departments.</p>\n",
        num(crit, "min_devices"), num(crit, "min_departments"));
    json_t *list = get(cand, "services");
    if (!json_array_size(list)) {
        put(pg, "<p class=\"muted\">No service meets these criteria this month.</p>\n");
        section_close(pg);
        return;
    }
    put(pg, "<table>\n<thead><tr><th>Service</th><th>Risk</th><th class=\"n\">Devices</th>"
            "<th class=\"n\">Depts</th><th class=\"n\">Up</th><th class=\"n\">Down</th>"
            "<th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
    size_t i;
    json_t *s;
    json_array_foreach(list, i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        td_risk(pg, s);
        td_int(pg, get(s, "devices"));
        td_departments(pg, get(s, "departments"));
        td_bytes(pg, get(s, "bytes_up"));
        td_bytes(pg, get(s, "bytes_down"));
        td_alternative(pg, get(s, "alternative"));
        put(pg, "</tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
    section_close(pg);
}

static void monthly_genai(struct page *pg)
{
    json_t *g = get(pg->doc, "genai_uploads"), *depts = get(g, "departments");
    section_open(pg, "genai", "Uploads to generative AI",
                 "How much did each department send to generative-AI services, and how much of "
                 "it to sanctioned ones?");
    size_t n = json_array_size(depts);
    if (!n) {
        put(pg, "<p class=\"muted\">No use of generative-AI services this month.</p>\n");
        section_close(pg);
        return;
    }
    struct report_svg_bar *bars = calloc(n, sizeof(*bars));
    if (bars) {
        for (size_t i = 0; i < n; i++) {
            json_t *d = json_array_get(depts, i);
            bars[i].label = str(d, "name");
            bars[i].first = num(d, "bytes_up_sanctioned");
            bars[i].second = num(d, "bytes_up") - num(d, "bytes_up_sanctioned");
            bars[i].cls = "st-sanctioned";
        }
        report_svg_bars(pg->out, "Bytes uploaded to generative AI per department", bars, n, 1,
                        "to sanctioned services", "to other services");
        free(bars);
    }
    put(pg, "<table>\n<thead><tr><th>Department</th><th class=\"n\">Uploaded</th>"
            "<th class=\"n\">To sanctioned</th><th>Services</th></tr></thead>\n<tbody>\n");
    size_t i, j;
    json_t *d, *s;
    json_array_foreach(depts, i, d)
    {
        put(pg, "<tr><td>");
        text(pg, str(d, "name"));
        put(pg, "</td>");
        td_bytes(pg, get(d, "bytes_up"));
        td_bytes(pg, get(d, "bytes_up_sanctioned"));
        put(pg, "<td>");
        json_array_foreach(get(d, "services"), j, s)
        {
            if (j)
                put(pg, ", ");
            text(pg, str(s, "name"));
            put(pg, " ");
            bytes(pg, num(s, "bytes_up"));
            if (strcmp(str(s, "status"), "sanctioned") != 0) {
                put(pg, " ");
                pill(pg, str(s, "status"));
            }
        }
        put(pg, "</td></tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
    section_close(pg);
}

static void cell_table(struct page *pg, json_t *cells, json_t *other, int with_seen)
{
    put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th class=\"n\">Devices</th>"
            "<th class=\"n\">Up</th><th class=\"n\">Down</th>");
    if (with_seen)
        put(pg, "<th>First seen</th><th>Last seen</th>");
    else
        put(pg, "<th>First seen</th>");
    put(pg, "<th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
    size_t i;
    json_t *c;
    json_array_foreach(cells, i, c)
    {
        put(pg, "<tr>");
        td_service(pg, c);
        put(pg, "<td>");
        pill(pg, str(c, "status"));
        put(pg, "</td>");
        td_devices(pg, c);
        td_bytes(pg, get(c, "bytes_up"));
        td_bytes(pg, get(c, "bytes_down"));
        put(pg, "<td>");
        date_only(pg, get(c, "first_seen"));
        if (json_is_true(get(c, "new")))
            put(pg, " <b>new</b>");
        put(pg, "</td>");
        if (with_seen) {
            put(pg, "<td>");
            date_only(pg, get(c, "last_seen"));
            put(pg, "</td>");
        }
        td_alternative(pg, get(c, "alternative"));
        put(pg, "</tr>\n");
    }
    other_row(pg, other, 3, with_seen ? 3 : 2);
    put(pg, "</tbody>\n</table>\n");
}

static void departments_detail(struct page *pg, const char *question, int with_seen)
{
    json_t *depts = get(pg->doc, "departments");
    section_open(pg, "departments", "Departments", question);
    size_t i;
    json_t *d;
    json_array_foreach(depts, i, d)
    {
        put(pg, "<h3>");
        text(pg, str(d, "name"));
        put(pg, " <span class=\"muted\">(");
        json_t *dev = get(d, "devices");
        if (json_is_integer(dev))
            fmt(pg, "%" JSON_INTEGER_FORMAT " devices, ", json_integer_value(dev));
        else
            fmt(pg, "fewer than %" JSON_INTEGER_FORMAT " devices, ", pg->min_devices);
        bytes(pg, num(d, "bytes_up"));
        put(pg, " up, ");
        bytes(pg, num(d, "bytes_down"));
        put(pg, " down)</span></h3>\n");
        cell_table(pg, get(d, "services"), get(d, "other"), with_seen);
    }
    if (!json_array_size(depts))
        put(pg, "<p class=\"muted\">Nothing was recorded.</p>\n");
    section_close(pg);
}

static void monthly_unmatched(struct page *pg)
{
    json_t *u = get(pg->doc, "unmatched_hosts"), *hosts = get(u, "hosts");
    if (!u)
        return;
    section_open(pg, "unmatched", "Host names to add to the catalog",
                 "Which server names did unclassified traffic go to: what should the service "
                 "catalog learn?");
    if (!json_array_size(hosts)) {
        put(pg, "<p class=\"muted\">No unclassified flow carried a host name this month.</p>\n");
        section_close(pg);
        return;
    }
    uint64_t names = num(u, "names");
    if (names > json_array_size(hosts))
        fmt(pg, "<p class=\"muted\">The %zu names with the most bytes of %" PRIu64 " noted.</p>\n",
            json_array_size(hosts), names);
    put(pg, "<table>\n<thead><tr><th>Host name</th><th class=\"n\">Bytes</th></tr></thead>\n"
            "<tbody>\n");
    size_t i;
    json_t *h;
    json_array_foreach(hosts, i, h)
    {
        put(pg, "<tr><td>");
        text(pg, str(h, "name"));
        put(pg, "</td>");
        td_bytes(pg, get(h, "bytes"));
        put(pg, "</tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
    section_close(pg);
}

static void render_monthly(struct page *pg)
{
    char sub[64];
    snprintf(sub, sizeof(sub), "Month %s", str(get(pg->doc, "period"), "month"));
    page_open(pg, "Cloud services: monthly report", sub);
    monthly_summary(pg);
    monthly_services(pg);
    monthly_change(pg);
    monthly_new(pg);
    monthly_candidates(pg);
    monthly_genai(pg);
    departments_detail(pg, "Which services does each department use?", 0);
    monthly_unmatched(pg);
    page_close(pg);
}

/* ---- department ---- */

static void render_department(struct page *pg)
{
    json_t *doc = pg->doc, *d = get(doc, "department"), *services = get(doc, "services");
    json_t *by = get(d, "by_status");
    char title[256];
    snprintf(title, sizeof(title), "%s: the tools your team uses", str(d, "name"));
    char sub[64];
    snprintf(sub, sizeof(sub), "Month %s", str(get(doc, "period"), "month"));
    page_open(pg, title, sub);

    section_open(pg, "summary", "At a glance",
                 "Which tools did the team adopt, which are sanctioned, and what is the "
                 "sanctioned alternative for the rest?");
    uint64_t not_sanctioned = num(by, "unsanctioned") + num(by, "prohibited");
    put(pg, "<div class=\"kpis\">");
    kpi_int(pg, get(d, "services"), "tools in use");
    kpi_int(pg, get(d, "devices"), "devices");
    kpi_int(pg, get(by, "sanctioned"), "sanctioned");
    kpi_u64(pg, not_sanctioned, "not sanctioned");
    kpi_int(pg, get(d, "with_alternative"), "with a sanctioned alternative");
    kpi_bytes(pg, num(d, "bytes_up"), "uploaded");
    put(pg, "</div>\n<ul class=\"findings\">\n");
    fmt(pg,
        "<li>%" PRIu64 " tools in use: %" PRIu64 " sanctioned, %" PRIu64 " tolerated, %" PRIu64
        " unsanctioned, %" PRIu64 " prohibited.</li>\n",
        num(d, "services"), num(by, "sanctioned"), num(by, "tolerated"), num(by, "unsanctioned"),
        num(by, "prohibited"));
    size_t i;
    json_t *s;
    int any_new = 0;
    json_array_foreach(services, i, s)
    {
        if (!json_is_true(get(s, "new")))
            continue;
        put(pg, any_new ? ", " : "<li>New to the team this month: ");
        text(pg, str(s, "name"));
        any_new = 1;
    }
    if (any_new)
        put(pg, ".</li>\n");
    if (json_array_size(get(doc, "dropped")))
        fmt(pg, "<li>%zu tools used last month were not used this month.</li>\n",
            json_array_size(get(doc, "dropped")));
    put(pg, "</ul>\n");
    json_t *daily = get(d, "daily_bytes");
    size_t ndays = json_array_size(daily);
    uint64_t *values = calloc(ndays ? ndays : 1, sizeof(*values));
    if (values && ndays) {
        for (size_t k = 0; k < ndays; k++)
            values[k] = (uint64_t)json_integer_value(json_array_get(daily, k));
        report_svg_columns(pg->out, "Traffic per day", values, ndays,
                           str(get(doc, "period"), "start"), str(get(doc, "period"), "end"));
    }
    section_close(pg);

    section_open(pg, "tools", "Tools in use",
                 "Each tool with its status for this department, devices and trend.");
    put(pg, "<table>\n<thead><tr><th>Tool</th><th>Status</th><th>Risk</th>"
            "<th class=\"n\">Devices</th><th class=\"n\">Last month</th><th>Trend</th>"
            "<th>Per day</th><th class=\"n\">Up</th><th class=\"n\">Down</th>"
            "<th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
    json_array_foreach(services, i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        pill(pg, str(s, "status"));
        put(pg, "</td>");
        td_risk(pg, s);
        td_devices(pg, s);
        td_int(pg, get(s, "devices_previous"));
        const char *t = str(s, "trend");
        fmt(pg, "<td>%s</td>",
            strcmp(t, "up") == 0       ? "&#8599; growing"
            : strcmp(t, "down") == 0   ? "&#8600; shrinking"
            : strcmp(t, "steady") == 0 ? "&#8594; steady"
            : strcmp(t, "new") == 0    ? "<b>new</b>"
                                       : "&mdash;");
        put(pg, "<td>");
        json_t *series = get(s, "daily_bytes");
        size_t n = json_array_size(series);
        if (n && values && n <= ndays) {
            for (size_t k = 0; k < n; k++)
                values[k] = (uint64_t)json_integer_value(json_array_get(series, k));
            report_svg_sparkline(pg->out, values, n);
        }
        put(pg, "</td>");
        td_bytes(pg, get(s, "bytes_up"));
        td_bytes(pg, get(s, "bytes_down"));
        td_alternative(pg, get(s, "alternative"));
        put(pg, "</tr>\n");
    }
    other_row(pg, get(doc, "other"), 7, 1);
    put(pg, "</tbody>\n</table>\n");
    section_close(pg);
    free(values);

    section_open(pg, "alternatives", "Sanctioned alternatives",
                 "For each tool that is not sanctioned here, what the organisation offers "
                 "instead.");
    int any = 0;
    json_array_foreach(services, i, s)
    {
        const char *st = str(s, "status");
        if (strcmp(st, "sanctioned") == 0 || strcmp(st, "unknown") == 0)
            continue;
        if (!any)
            put(pg, "<table>\n<thead><tr><th>Tool in use</th><th>Status</th>"
                    "<th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
        any = 1;
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        pill(pg, st);
        put(pg, "</td>");
        if (json_is_object(get(s, "alternative")))
            td_alternative(pg, get(s, "alternative"));
        else
            put(pg, "<td class=\"muted\">none named in the policy: ask IT</td>");
        put(pg, "</tr>\n");
    }
    put(pg,
        any ? "</tbody>\n</table>\n" : "<p class=\"muted\">Every tool in use is sanctioned.</p>\n");
    section_close(pg);

    section_open(pg, "dropped", "No longer used", "Tools used last month but not this month.");
    json_t *dropped = get(doc, "dropped");
    if (json_array_size(dropped)) {
        put(pg, "<table>\n<thead><tr><th>Tool</th><th>Status</th><th class=\"n\">Bytes last month"
                "</th><th class=\"n\">Devices last month</th></tr></thead>\n<tbody>\n");
        service_change_rows(pg, dropped, 1);
        put(pg, "</tbody>\n</table>\n");
    } else {
        put(pg, "<p class=\"muted\">None.</p>\n");
    }
    section_close(pg);
    page_close(pg);
}

/* ---- unsanctioned and new ---- */

static void service_table(struct page *pg, json_t *services)
{
    put(pg, "<table>\n<thead><tr><th>Service</th><th>Status</th><th>Risk</th>"
            "<th class=\"n\">Devices</th><th class=\"n\">Depts</th><th class=\"n\">Up</th>"
            "<th class=\"n\">Down</th><th>Countries</th><th>First seen</th><th>Last seen</th>"
            "<th>Sanctioned alternative</th></tr></thead>\n<tbody>\n");
    size_t i;
    json_t *s;
    json_array_foreach(services, i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        pill(pg, str(s, "status"));
        put(pg, "</td>");
        td_risk(pg, s);
        td_devices(pg, s);
        td_departments(pg, get(s, "departments"));
        td_bytes(pg, get(s, "bytes_up"));
        td_bytes(pg, get(s, "bytes_down"));
        td_countries(pg, get(s, "countries"));
        put(pg, "<td>");
        date_only(pg, get(s, "first_seen"));
        put(pg, "</td><td>");
        date_only(pg, get(s, "last_seen"));
        put(pg, "</td>");
        td_alternative(pg, get(s, "alternative"));
        put(pg, "</tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
}

static void render_unsanctioned(struct page *pg)
{
    json_t *doc = pg->doc, *totals = get(doc, "totals"), *services = get(doc, "services");
    page_open(pg, "Unsanctioned and prohibited services", "Security review");
    section_open(pg, "summary", "At a glance",
                 "Which unsanctioned services are in use, since when, by how many devices, how "
                 "much data went up to them, to which countries?");
    put(pg, "<div class=\"kpis\">");
    kpi_int(pg, get(totals, "services"), "services");
    kpi_int(pg, get(totals, "prohibited_services"), "prohibited");
    kpi_int(pg, get(totals, "devices"), "devices");
    kpi_int(pg, get(totals, "departments"), "departments");
    kpi_bytes(pg, num(totals, "bytes_up"), "uploaded");
    put(pg, "</div>\n");
    if (json_array_size(services))
        top_services_chart(pg, services, "Bytes uploaded per service", 1);
    else
        put(pg, "<p>No unsanctioned or prohibited service was used in this period.</p>\n");
    section_close(pg);
    section_open(pg, "services", "Services",
                 "Ordered by bytes uploaded; first and last seen over all time.");
    service_table(pg, services);
    section_close(pg);
    departments_detail(pg, "Where each service is used.", 1);
    page_close(pg);
}

static void render_new(struct page *pg)
{
    json_t *doc = pg->doc, *totals = get(doc, "totals"), *services = get(doc, "services");
    page_open(pg, "New cloud services", "First seen in the period");
    section_open(pg, "summary", "At a glance",
                 "Which services appeared for the first time, in the organisation and in each "
                 "department?");
    put(pg, "<div class=\"kpis\">");
    kpi_int(pg, get(totals, "services"), "new to the organisation");
    kpi_int(pg, get(totals, "department_services"), "new to a department");
    kpi_int(pg, get(totals, "departments"), "departments concerned");
    put(pg, "</div>\n");
    section_close(pg);
    section_open(pg, "services", "New to the organisation",
                 "Services whose first traffic ever counted falls in the period.");
    if (json_array_size(services))
        service_table(pg, services);
    else
        put(pg, "<p class=\"muted\">None.</p>\n");
    section_close(pg);
    departments_detail(pg, "Services each department used for the first time in the period.", 1);
    page_close(pg);
}

static void render_catalog(struct page *pg)
{
    json_t *doc = pg->doc;
    char sub[64];
    snprintf(sub, sizeof(sub), "%" PRIu64 " services", num(doc, "count"));
    page_open(pg, "Service catalog", sub);
    section_open(pg, "catalog", "Services", "What each known service is, its risk and status.");
    put(pg, "<table>\n<thead><tr><th>Service</th><th>Vendor</th><th>Status</th><th>Risk</th>"
            "<th>Alternative</th></tr></thead>\n<tbody>\n");
    size_t i;
    json_t *s;
    json_array_foreach(get(doc, "services"), i, s)
    {
        put(pg, "<tr>");
        td_service(pg, s);
        put(pg, "<td>");
        text(pg, str(s, "vendor"));
        put(pg, "</td><td>");
        pill(pg, str(s, "status"));
        put(pg, "</td>");
        td_risk(pg, s);
        put(pg, "<td>");
        text(pg, str(s, "alternative"));
        put(pg, "</td></tr>\n");
    }
    put(pg, "</tbody>\n</table>\n");
    section_close(pg);
    page_close(pg);
}

int report_html_write(FILE *out, json_t *doc)
{
    struct page pg = {out, doc, json_integer_value(get(get(doc, "privacy"), "min_devices"))};
    const char *kind = str(doc, "report");
    if (strcmp(kind, "monthly") == 0)
        render_monthly(&pg);
    else if (strcmp(kind, "department") == 0)
        render_department(&pg);
    else if (strcmp(kind, "unsanctioned") == 0)
        render_unsanctioned(&pg);
    else if (strcmp(kind, "new") == 0)
        render_new(&pg);
    else if (strcmp(kind, "catalog") == 0)
        render_catalog(&pg);
    else
        return -1;
    return ferror(out) ? -1 : 0;
}
