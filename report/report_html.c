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
#include <stdbool.h>
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

static void bytes_or_dash(struct page *pg, json_t *v)
{
    if (json_is_integer(v))
        bytes(pg, (uint64_t)json_integer_value(v));
    else
        put(pg, "&mdash;");
}

static void int_or_dash(struct page *pg, json_t *v)
{
    if (json_is_integer(v))
        fmt(pg, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        put(pg, "&mdash;");
}

/* The field key of each object of list, separated by commas, each followed
 * by what note adds (NULL: nothing). */
static void names(struct page *pg, json_t *list, const char *key,
                  void (*note)(struct page *, json_t *))
{
    size_t i;
    json_t *o;
    json_array_foreach(list, i, o)
    {
        if (i)
            put(pg, ", ");
        text(pg, str(o, key));
        if (note)
            note(pg, o);
    }
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
    static const char *known[] = {"sanctioned", "tolerated", "unsanctioned", "prohibited",
                                  "other-tenant"};
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
           : strcmp(c, "other-tenant") == 0 ? "st-other-tenant"
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

/* A figure of a summary: member key of an object, as a count ("< k" when
 * privacy hides it) or, with bytes, a byte size. */
struct html_kpi {
    const char *key, *label;
    bool bytes;
};

static void kpi_list(struct page *pg, json_t *o, const struct html_kpi *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (k[i].bytes)
            kpi_bytes(pg, num(o, k[i].key), k[i].label);
        else
            kpi_int(pg, get(o, k[i].key), k[i].label);
    }
}

/* The row of a summary's figures. */
static void kpis(struct page *pg, json_t *o, const struct html_kpi *k, size_t n)
{
    put(pg, "<div class=\"kpis\">");
    kpi_list(pg, o, k, n);
    put(pg, "</div>\n");
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

/* ---- tables ----
 *
 * Every table is a list of columns, each a heading and what a row shows
 * under it, fed one JSON array of rows by table(). */

/* Writes what row shows in a column: its field key, or more of the row
 * (those ignore key). */
typedef void (*html_cell)(struct page *pg, json_t *row, const char *key);

struct html_column {
    const char *title;
    const char *class; /* of the heading and of the cells .show fills: "n" for figures */
    html_cell show;    /* writes a cell's content, which table() puts in a <td> */
    html_cell cell;    /* or writes the whole <td>, when its markup depends on the row */
    const char *key;
};

struct html_table {
    const struct html_column *const *columns;
    size_t ncolumns;
    bool (*keep)(json_t *row); /* the rows shown; NULL: all */
    size_t max_rows;           /* 0: no limit */
    const char *empty;         /* HTML in place of a table without rows; NULL: the empty table */
    json_t *other; /* a report's "other" object: its row below the others, its bytes under
                    * the columns of "bytes_up" and "bytes_down" */
};

#define COLUMNS(c) .columns = (c), .ncolumns = sizeof(c) / sizeof((c)[0])

static void show_bytes(struct page *pg, json_t *row, const char *key)
{
    bytes_or_dash(pg, get(row, key));
}

static void show_int(struct page *pg, json_t *row, const char *key)
{
    int_or_dash(pg, get(row, key));
}

static void show_text(struct page *pg, json_t *row, const char *key)
{
    text(pg, str(row, key));
}

static void show_date(struct page *pg, json_t *row, const char *key)
{
    date_only(pg, get(row, key));
}

/* The first-seen date, and "new" when it falls in the report's period. */
static void show_first_seen(struct page *pg, json_t *row, const char *key)
{
    date_only(pg, get(row, "first_seen"));
    if (json_is_true(get(row, "new")))
        put(pg, " <b>new</b>");
}

static void show_status(struct page *pg, json_t *row, const char *key)
{
    pill(pg, str(row, "status"));
}

/* Bytes up and down of the month, or of the month before. */
static uint64_t bytes_total(json_t *row, bool previous)
{
    if (previous)
        return num(row, "bytes_up_previous") + num(row, "bytes_down_previous");
    return num(row, "bytes_up") + num(row, "bytes_down");
}

/* Key NULL: the month's bytes; "previous": the month before's. */
static void show_bytes_total(struct page *pg, json_t *row, const char *key)
{
    bytes(pg, bytes_total(row, key != NULL));
}

static void show_bytes_change(struct page *pg, json_t *row, const char *key)
{
    change(pg, bytes_total(row, true), bytes_total(row, false));
}

/* Risk level and, below it, its reasons in words. */
static void show_risk(struct page *pg, json_t *svc, const char *key)
{
    const char *risk = str(svc, "risk");
    if (!risk[0]) {
        put(pg, "&mdash;");
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
}

/* The name, and below it the id and category. */
static void show_service(struct page *pg, json_t *svc, const char *key)
{
    put(pg, "<b>");
    text(pg, str(svc, "name"));
    put(pg, "</b><span class=\"id\">");
    text(pg, str(svc, "id"));
    const char *category = str(svc, "category");
    if (category[0]) {
        put(pg, " &middot; ");
        text(pg, category);
    }
    put(pg, "</span>");
}

static void show_alternative(struct page *pg, json_t *row, const char *key)
{
    json_t *alt = get(row, "alternative");
    if (json_is_object(alt)) {
        text(pg, str(alt, "name"));
        put(pg, " ");
        pill(pg, str(alt, "status"));
    } else {
        put(pg, "<span class=\"muted\">&mdash;</span>");
    }
}

/* Devices of a cell or group: a number, "fewer than k" when the cell is
 * hidden, a dash when only hidden cells make a service up (its devices are
 * then counted in no line at all). */
static void cell_devices(struct page *pg, json_t *row, const char *key)
{
    json_t *v = get(row, "devices");
    if (json_is_integer(v))
        fmt(pg, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", json_integer_value(v));
    else if (json_is_true(get(row, "hidden")))
        fmt(pg, "<td class=\"n muted\">fewer than %" JSON_INTEGER_FORMAT "</td>", pg->min_devices);
    else
        put(pg, "<td class=\"n muted\" title=\"only in uses below the privacy threshold\">"
                "&mdash;</td>");
}

static void cell_countries(struct page *pg, json_t *row, const char *key)
{
    json_t *countries = get(row, "countries");
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

/* The number of departments, their ids in its tooltip. */
static void cell_departments(struct page *pg, json_t *row, const char *key)
{
    json_t *ids = get(row, "departments");
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

/* A row of the change table: the figure's previous and current values. */
static void show_figure(struct page *pg, json_t *row, const char *key)
{
    if (json_is_true(get(row, "bytes")))
        bytes_or_dash(pg, get(row, key));
    else
        int_or_dash(pg, get(row, key));
}

static void show_figure_change(struct page *pg, json_t *row, const char *key)
{
    change(pg, num(row, "previous"), num(row, "current"));
}

static void note_new_in_organisation(struct page *pg, json_t *service)
{
    if (json_is_true(get(service, "new_in_organisation")))
        put(pg, "<sup>*</sup>");
}

/* The services a department used first this month; * marks those new to
 * the organisation too. */
static void show_new_services(struct page *pg, json_t *row, const char *key)
{
    names(pg, get(row, "services"), "name", note_new_in_organisation);
}

/* Bytes uploaded, and the status unless sanctioned. */
static void note_upload(struct page *pg, json_t *service)
{
    put(pg, " ");
    bytes(pg, num(service, "bytes_up"));
    if (strcmp(str(service, "status"), "sanctioned") != 0) {
        put(pg, " ");
        pill(pg, str(service, "status"));
    }
}

/* A department's generative-AI services with their uploads. */
static void show_genai_services(struct page *pg, json_t *row, const char *key)
{
    names(pg, get(row, "services"), "name", note_upload);
}

/* The ids in a row's list of service ids. */
static void show_service_ids(struct page *pg, json_t *row, const char *key)
{
    size_t i;
    json_t *id;
    json_array_foreach(get(row, "services"), i, id)
    {
        if (i)
            put(pg, ", ");
        text(pg, json_string_value(id) ? json_string_value(id) : "");
    }
}

/* A department's uploads per vendor and use: "OpenAI app 1.2 MB; ..."
 * (semicolons, as vendor names hold commas). */
static void show_vendor_uses(struct page *pg, json_t *row, const char *key)
{
    size_t i;
    json_t *vu;
    json_array_foreach(get(row, "by_vendor_use"), i, vu)
    {
        if (i)
            put(pg, "; ");
        text(pg, str(vu, "vendor"));
        put(pg, " ");
        text(pg, str(vu, "use"));
        put(pg, " ");
        bytes(pg, num(vu, "bytes_up"));
    }
}

/* A series of byte counts as an array for the charts; NULL when empty or
 * out of memory.  The caller frees it. */
static uint64_t *series_values(json_t *series)
{
    size_t n = json_array_size(series);
    uint64_t *values = n ? calloc(n, sizeof(*values)) : NULL;
    for (size_t k = 0; values && k < n; k++)
        values[k] = (uint64_t)json_integer_value(json_array_get(series, k));
    return values;
}

static void show_trend(struct page *pg, json_t *row, const char *key)
{
    const char *t = str(row, "trend");
    put(pg, strcmp(t, "up") == 0       ? "&#8599; growing"
            : strcmp(t, "down") == 0   ? "&#8600; shrinking"
            : strcmp(t, "steady") == 0 ? "&#8594; steady"
            : strcmp(t, "new") == 0    ? "<b>new</b>"
                                       : "&mdash;");
}

/* A tool's bytes per day, drawn when it has no more days than the month. */
static void show_sparkline(struct page *pg, json_t *row, const char *key)
{
    json_t *series = get(row, "daily_bytes");
    size_t n = json_array_size(series);
    if (n > json_array_size(get(get(pg->doc, "department"), "daily_bytes")))
        return;
    uint64_t *values = series_values(series);
    if (values)
        report_svg_sparkline(pg->out, values, n);
    free(values);
}

/* The alternative, or where to ask for one. */
static void cell_alternative_or_ask(struct page *pg, json_t *row, const char *key)
{
    if (json_is_object(get(row, "alternative"))) {
        put(pg, "<td>");
        show_alternative(pg, row, key);
        put(pg, "</td>");
    } else {
        put(pg, "<td class=\"muted\">none named in the policy: ask IT</td>");
    }
}

/* The columns of every table. */
static const struct html_column col_service = {.title = "Service", .show = show_service};
static const struct html_column col_tool = {.title = "Tool", .show = show_service};
static const struct html_column col_status = {.title = "Status", .show = show_status};
static const struct html_column col_risk = {.title = "Risk", .show = show_risk};
static const struct html_column col_up = {
    .title = "Up", .class = "n", .show = show_bytes, .key = "bytes_up"};
static const struct html_column col_down = {
    .title = "Down", .class = "n", .show = show_bytes, .key = "bytes_down"};
static const struct html_column col_devices = {
    .title = "Devices", .class = "n", .cell = cell_devices};
static const struct html_column col_depts = {
    .title = "Depts", .class = "n", .cell = cell_departments};
static const struct html_column col_countries = {.title = "Countries", .cell = cell_countries};
static const struct html_column col_first_seen = {
    .title = "First seen", .show = show_date, .key = "first_seen"};
static const struct html_column col_first_seen_new = {.title = "First seen",
                                                      .show = show_first_seen};
static const struct html_column col_last_seen = {
    .title = "Last seen", .show = show_date, .key = "last_seen"};
static const struct html_column col_alternative = {.title = "Sanctioned alternative",
                                                   .show = show_alternative};
static const struct html_column col_bytes_before = {
    .title = "Bytes before", .class = "n", .show = show_bytes_total, .key = "previous"};
static const struct html_column col_devices_before = {
    .title = "Devices before", .class = "n", .show = show_int, .key = "devices_previous"};
static const struct html_column col_department = {
    .title = "Department", .show = show_text, .key = "name"};
static const struct html_column col_flows = {
    .title = "Flows", .class = "n", .show = show_int, .key = "flows"};
static const struct html_column col_figure = {.title = "", .show = show_text, .key = "figure"};
static const struct html_column col_figure_previous = {
    .title = "Previous month", .class = "n", .show = show_figure, .key = "previous"};
static const struct html_column col_figure_current = {
    .title = "This month", .class = "n", .show = show_figure, .key = "current"};
static const struct html_column col_figure_change = {
    .title = "Change", .class = "n", .show = show_figure_change};
static const struct html_column col_bytes = {
    .title = "Bytes", .class = "n", .show = show_bytes_total};
static const struct html_column col_bytes_now = {
    .title = "Bytes now", .class = "n", .show = show_bytes_total};
static const struct html_column col_bytes_change = {
    .title = "Change", .class = "n", .show = show_bytes_change};
static const struct html_column col_devices_now = {
    .title = "Devices now", .class = "n", .show = show_int, .key = "devices"};
static const struct html_column col_new_services = {.title = "Services first used there this month",
                                                    .show = show_new_services};
static const struct html_column col_devices_count = {
    .title = "Devices", .class = "n", .show = show_int, .key = "devices"};
static const struct html_column col_uploaded = {
    .title = "Uploaded", .class = "n", .show = show_bytes, .key = "bytes_up"};
static const struct html_column col_uploaded_sanctioned = {
    .title = "To sanctioned", .class = "n", .show = show_bytes, .key = "bytes_up_sanctioned"};
static const struct html_column col_genai_services = {.title = "Services",
                                                      .show = show_genai_services};
static const struct html_column col_genai_vendor_uses = {.title = "By vendor and use",
                                                         .show = show_vendor_uses};
static const struct html_column col_use = {.title = "Use", .show = show_text, .key = "use"};
static const struct html_column col_service_ids = {.title = "Services", .show = show_service_ids};
static const struct html_column col_last_month = {
    .title = "Last month", .class = "n", .show = show_int, .key = "devices_previous"};
static const struct html_column col_trend = {.title = "Trend", .show = show_trend};
static const struct html_column col_per_day = {.title = "Per day", .show = show_sparkline};
static const struct html_column col_tool_in_use = {.title = "Tool in use", .show = show_service};
static const struct html_column col_alternative_or_ask = {.title = "Sanctioned alternative",
                                                          .cell = cell_alternative_or_ask};
static const struct html_column col_bytes_last_month = {
    .title = "Bytes last month", .class = "n", .show = show_bytes_total, .key = "previous"};
static const struct html_column col_devices_last_month = {
    .title = "Devices last month", .class = "n", .show = show_int, .key = "devices_previous"};
static const struct html_column col_vendor = {
    .title = "Vendor", .show = show_text, .key = "vendor"};
static const struct html_column col_catalog_alternative = {
    .title = "Alternative", .show = show_text, .key = "alternative"};

/* The hidden cells' line: their count across the columns before the bytes
 * (the column of "bytes_up"), their bytes up and down, then the rest. */
static void other_row(struct page *pg, const struct html_table *t)
{
    uint64_t cells = num(t->other, "cells");
    size_t before = 0;
    while (before < t->ncolumns &&
           !(t->columns[before]->key && strcmp(t->columns[before]->key, "bytes_up") == 0))
        before++;
    size_t after = before + 2 < t->ncolumns ? t->ncolumns - before - 2 : 0;
    if (!cells)
        return;
    put(pg, "<tr class=\"other\">");
    fmt(pg,
        "<td colspan=\"%zu\">Other: %" PRIu64 " service%s used by fewer than %" JSON_INTEGER_FORMAT
        " devices each</td>",
        before, cells, cells == 1 ? "" : "s", pg->min_devices);
    put(pg, "<td class=\"n\">");
    bytes_or_dash(pg, get(t->other, "bytes_up"));
    put(pg, "</td><td class=\"n\">");
    bytes_or_dash(pg, get(t->other, "bytes_down"));
    put(pg, "</td>");
    if (after)
        fmt(pg, "<td colspan=\"%zu\"></td>", after);
    put(pg, "</tr>\n");
}

static size_t rows_kept(const struct html_table *t, json_t *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(rows) && (!t->max_rows || n < t->max_rows); i++)
        n += !t->keep || t->keep(json_array_get(rows, i));
    return n;
}

/* <th> or <td>, of the column's class. */
static void open_cell(struct page *pg, const char *tag, const struct html_column *col)
{
    if (col->class)
        fmt(pg, "<%s class=\"%s\">", tag, col->class);
    else
        fmt(pg, "<%s>", tag);
}

static void row(struct page *pg, const struct html_table *t, json_t *r)
{
    put(pg, "<tr>");
    for (size_t c = 0; c < t->ncolumns; c++) {
        const struct html_column *col = t->columns[c];
        if (col->cell) {
            col->cell(pg, r, col->key);
            continue;
        }
        open_cell(pg, "td", col);
        col->show(pg, r, col->key);
        put(pg, "</td>");
    }
    put(pg, "</tr>\n");
}

static void table(struct page *pg, const struct html_table *t, json_t *rows)
{
    size_t shown = rows_kept(t, rows);
    if (!shown && t->empty) {
        put(pg, t->empty);
        return;
    }
    put(pg, "<table>\n<thead><tr>");
    for (size_t c = 0; c < t->ncolumns; c++) {
        open_cell(pg, "th", t->columns[c]);
        fmt(pg, "%s</th>", t->columns[c]->title);
    }
    put(pg, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; shown && i < json_array_size(rows); i++) {
        json_t *r = json_array_get(rows, i);
        if (t->keep && !t->keep(r))
            continue;
        row(pg, t, r);
        shown--;
    }
    if (t->other)
        other_row(pg, t);
    put(pg, "</tbody>\n</table>\n");
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
    ".pill.st-other-tenant{background:var(--unsanctioned)}\n"
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
    ".cov-named{fill:var(--sanctioned)}.cov-unknown{fill:#a15c00}.cov-hidden{fill:var(--"
    "prohibited)}.cov-unnamed{fill:var(--unknown)}.cov-empty{fill:var(--line)}\n"
    "details summary{cursor:pointer;color:var(--tolerated)}"
    "pre{font-size:11px;white-space:pre-wrap;overflow-wrap:anywhere;background:var(--bg);"
    "padding:6px;margin:4px 0;max-width:360px}\n"
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
        names(pg, sensors, "id", NULL);
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
            "&rdquo;, and its figures are counted only in an &ldquo;other&rdquo; line; a "
            "candidate service used by fewer devices is not listed.  ",
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

#define NONE_HTML "<p class=\"muted\">None.</p>\n"

/* ---- visibility: what named the traffic ---- */

/* The kinds of visibility.by_evidence and visibility.unnamed, in words. */
static const char *const evidence_kinds[][2] = {
    {"sni", "TLS server name (SNI)"},
    {"quic-sni", "QUIC server name"},
    {"http-host", "HTTP Host"},
    {"dns", "the name the client resolved (DNS)"},
    {"ip-range", "the service's published addresses"},
    {"stun", "STUN realm or server"},
    {"ndpi", "nDPI's protocol detection"},
    {"protocol", "a name another protocol carries"},
};
static const char *const unnamed_kinds[][2] = {
    {"ech", "encrypted ClientHello (ECH)"},
    {"encrypted-dns", "device used encrypted DNS"},
    {"no-handshake", "flow seen from its middle"},
    {"ip-only", "no name carried (address only)"},
    {"other", "other IP protocols"},
};
#define NKINDS(a) (sizeof(a) / sizeof((a)[0]))

/* A percentage as text: one decimal, none when it is whole ("93.5%", "6%"). */
static void percent_text(double pct, char *buf, size_t len)
{
    if (pct > 0 && pct < 0.05) {
        snprintf(buf, len, "<0.1%%");
        return;
    }
    snprintf(buf, len, "%.1f", pct);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = '\0';
    strncat(buf, "%", len - strlen(buf) - 1);
}

static double share_of(uint64_t part, uint64_t all)
{
    return all ? 100.0 * (double)part / (double)all : 0;
}

/* The bytes of the visibility's parts: named, not in the catalog, hidden
 * (ECH and encrypted DNS), other unnamed. */
static void coverage_parts(json_t *vis, uint64_t out[4])
{
    uint64_t none = num(get(get(vis, "by_evidence"), "none"), "bytes");
    out[0] = num(get(vis, "named"), "bytes");
    out[1] = num(get(vis, "not_in_catalog"), "bytes");
    out[2] = num(get(vis, "hidden"), "bytes");
    out[3] = none > out[1] + out[2] ? none - out[1] - out[2] : 0;
}

/* "87% of bytes attributed to a named service; 6% hidden by ECH and
 * encrypted DNS", from the JSON's own percentages. */
static void coverage_sentence(struct page *pg, json_t *vis)
{
    json_t *named = get(get(vis, "named"), "bytes_percent");
    json_t *hidden = get(get(vis, "hidden"), "bytes_percent");
    char a[16], b[16];
    if (!json_is_number(named)) {
        put(pg, "No traffic was counted.");
        return;
    }
    percent_text(json_number_value(named), a, sizeof(a));
    percent_text(json_number_value(hidden), b, sizeof(b));
    text(pg, a);
    put(pg, " of bytes attributed to a named service; ");
    text(pg, b);
    put(pg, " hidden by ECH and encrypted DNS.");
}

static void coverage_bar(struct page *pg, json_t *vis)
{
    uint64_t parts[4];
    coverage_parts(vis, parts);
    const struct report_svg_part stack[] = {
        {"named service", parts[0], "cov-named"},
        {"not in the catalog", parts[1], "cov-unknown"},
        {"hidden by ECH and encrypted DNS", parts[2], "cov-hidden"},
        {"other unnamed", parts[3], "cov-unnamed"},
    };
    report_svg_stack(pg->out, "What named the bytes", stack, NKINDS(stack));
}

static const struct html_column col_kind = {.title = "", .show = show_text, .key = "kind"};
static const struct html_column col_kind_bytes = {
    .title = "Bytes", .class = "n", .show = show_bytes, .key = "bytes"};
static const struct html_column col_kind_flows = {
    .title = "Flows", .class = "n", .show = show_int, .key = "flows"};
static const struct html_column col_kind_share = {
    .title = "Share", .class = "n", .show = show_text, .key = "share"};

/* A row of a visibility table: words, bytes, flows and share of all bytes. */
static json_t *kind_row(const char *words, json_t *figure, uint64_t all)
{
    char share[16];
    percent_text(share_of(num(figure, "bytes"), all), share, sizeof(share));
    return json_pack("{s:s, s:O?, s:O?, s:s}", "kind", words, "bytes", get(figure, "bytes"),
                     "flows", get(figure, "flows"), "share", share);
}

static void coverage_tables(struct page *pg, json_t *vis)
{
    static const struct html_column *const columns[] = {&col_kind, &col_kind_bytes, &col_kind_flows,
                                                        &col_kind_share};
    uint64_t all = num(vis, "bytes");
    json_t *named = json_array(), *unnamed = json_array();
    for (size_t i = 0; i < NKINDS(evidence_kinds); i++)
        json_array_append_new(named,
                              kind_row(evidence_kinds[i][1],
                                       get(get(vis, "by_evidence"), evidence_kinds[i][0]), all));
    json_array_append_new(
        unnamed, kind_row("a name the catalog does not know", get(vis, "not_in_catalog"), all));
    for (size_t i = 0; i < NKINDS(unnamed_kinds); i++)
        json_array_append_new(
            unnamed,
            kind_row(unnamed_kinds[i][1], get(get(vis, "unnamed"), unnamed_kinds[i][0]), all));
    put(pg, "<div class=\"twocol\">\n<div>\n<h3>Named by</h3>\n");
    table(pg, &(const struct html_table){COLUMNS(columns)}, named);
    put(pg, "</div>\n<div>\n<h3>No catalog service, because</h3>\n");
    table(pg, &(const struct html_table){COLUMNS(columns)}, unnamed);
    put(pg, "</div>\n</div>\n");
    json_decref(named);
    json_decref(unnamed);
}

/* A device count, or "fewer than k". */
static void devices_text(struct page *pg, json_t *v)
{
    if (json_is_integer(v))
        fmt(pg, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else
        fmt(pg, "fewer than %" JSON_INTEGER_FORMAT, pg->min_devices);
}

static void edns_devices(struct page *pg, json_t *vis)
{
    put(pg, "<p>Devices that used an encrypted-DNS resolver (DNS over HTTPS, TLS or QUIC, "
            "DNSCrypt), out of sight of the organisation's own resolvers: <b>");
    devices_text(pg, get(vis, "encrypted_dns_devices"));
    put(pg, "</b>");
    json_t *depts = get(vis, "encrypted_dns_by_department");
    size_t i;
    json_t *d;
    json_array_foreach(depts, i, d)
    {
        put(pg, i ? ", " : " (");
        text(pg, str(d, "name"));
        put(pg, " ");
        devices_text(pg, get(d, "devices"));
    }
    put(pg, json_array_size(depts) ? ").</p>\n" : ".</p>\n");
}

static void visibility_section(struct page *pg)
{
    json_t *vis = get(pg->doc, "visibility");
    if (!vis)
        return;
    section_open(pg, "visibility", "Coverage: what named the traffic",
                 "How much of the traffic could be attributed to a service, by what evidence, "
                 "and why not the rest?");
    put(pg, "<p><b>");
    coverage_sentence(pg, vis);
    put(pg, "</b></p>\n");
    coverage_bar(pg, vis);
    coverage_tables(pg, vis);
    edns_devices(pg, vis);
    section_close(pg);
}

/* ---- candidate services: what the catalog does not name ---- */

static void show_candidate(struct page *pg, json_t *row, const char *key)
{
    put(pg, "<b>");
    text(pg, str(row, "domain"));
    put(pg, "</b><span class=\"id\">");
    text(pg, str(row, "name"));
    put(pg, "</span>");
}

/* Each department with its devices; "Other departments" last. */
static void show_candidate_departments(struct page *pg, json_t *row, const char *key)
{
    size_t i;
    json_t *d;
    json_array_foreach(get(row, "by_department"), i, d)
    {
        if (i)
            put(pg, ", ");
        text(pg, str(d, "name"));
        if (json_is_integer(get(d, "devices")))
            fmt(pg, "&nbsp;%" JSON_INTEGER_FORMAT, json_integer_value(get(d, "devices")));
    }
}

/* The most used host names, with their bytes when the report has them. */
static void show_hosts(struct page *pg, json_t *row, const char *key)
{
    json_t *hosts = get(row, "hosts");
    size_t n = json_array_size(hosts);
    for (size_t i = 0; i < n && i < 3; i++) {
        json_t *h = json_array_get(hosts, i);
        if (i)
            put(pg, "<br>");
        text(pg, str(h, "name"));
        if (json_is_integer(get(h, "bytes"))) {
            put(pg, " <span class=\"muted\">");
            bytes(pg, num(h, "bytes"));
            put(pg, "</span>");
        }
    }
    if (n > 3)
        fmt(pg, "<br><span class=\"muted\">+%zu more</span>", n - 3);
}

static void show_stanza(struct page *pg, json_t *row, const char *key)
{
    put(pg, "<details><summary>");
    text(pg, str(row, "domain"));
    put(pg, "</summary><pre>");
    text(pg, str(row, "catalog_stanza"));
    put(pg, "</pre></details>");
}

static const struct html_column col_candidate = {.title = "Domain", .show = show_candidate};
static const struct html_column col_candidate_depts = {.title = "Departments (devices)",
                                                       .show = show_candidate_departments};
static const struct html_column col_hosts = {.title = "Top hosts", .show = show_hosts};
static const struct html_column col_stanza = {.title = "Catalog stanza", .show = show_stanza};

/* What is not in the table: figures in words. */
static void unknown_rest(struct page *pg, json_t *u)
{
    static const char *const apart[][2] = {
        {"ip-literal", "addresses as names"},
        {"special-use", "local and special-use names"},
        {"encrypted-dns", "encrypted-DNS resolvers"},
        {"public-suffix", "public suffixes (no registrant)"},
        {"overflow", "names past the sensor's bounds"},
        {"trimmed", "domains past the sensor's list of 1000"},
    };
    json_t *below = get(u, "below_privacy"), *rest = get(u, "not_listed");
    put(pg, "<p class=\"muted\">");
    if (num(below, "domains")) {
        fmt(pg,
            "Not listed: %" PRIu64 " domain%s used by fewer than %" JSON_INTEGER_FORMAT
            " devices (",
            num(below, "domains"), num(below, "domains") == 1 ? "" : "s", pg->min_devices);
        bytes(pg, num(below, "bytes_up") + num(below, "bytes_down"));
        put(pg, "). ");
    }
    if (num(rest, "domains")) {
        fmt(pg, "Beyond this list: %" PRIu64 " domain%s (", num(rest, "domains"),
            num(rest, "domains") == 1 ? "" : "s");
        bytes(pg, num(rest, "bytes_up") + num(rest, "bytes_down"));
        put(pg, "). ");
    }
    int any = 0;
    for (size_t i = 0; i < NKINDS(apart); i++) {
        json_t *a = get(get(u, "apart"), apart[i][0]);
        uint64_t b = num(a, "bytes_up") + num(a, "bytes_down");
        if (!b && !num(a, "flows"))
            continue;
        fmt(pg, "%s %s ", any++ ? ";" : "Never candidates, counted apart:", apart[i][1]);
        bytes(pg, b);
    }
    put(pg, any ? ".</p>\n" : "Nothing was counted apart from the candidates.</p>\n");
}

static void unknown_table(struct page *pg, json_t *u)
{
    static const struct html_column *const columns[] = {
        &col_candidate,  &col_devices_count, &col_candidate_depts, &col_bytes, &col_flows,
        &col_first_seen, &col_last_seen,     &col_hosts,           &col_stanza};
    json_t *services = get(u, "services");
    put(pg, "<p>Traffic to host names the catalog does not know: ");
    bytes(pg, num(u, "bytes_up") + num(u, "bytes_down"));
    fmt(pg,
        ". Grouped by registrable domain, %" PRIu64 " domain%s make%s candidate services; %zu "
        "listed, most devices first. Each comes with a stanza for "
        "<code>rules/services.conf</code>: review it, paste it, and the next run names that "
        "traffic.</p>\n",
        num(u, "domains"), num(u, "domains") == 1 ? "" : "s", num(u, "domains") == 1 ? "s" : "",
        json_array_size(services));
    table(pg,
          &(const struct html_table){COLUMNS(columns),
                                     .empty = "<p class=\"muted\">No candidate service to "
                                              "list.</p>\n"},
          services);
    unknown_rest(pg, u);
}

static void unknown_section(struct page *pg)
{
    json_t *u = get(pg->doc, "unknown_services");
    if (!u)
        return;
    section_open(pg, "unknown", "Candidate services: traffic the catalog does not name",
                 "What do people use that the catalog does not know yet?");
    unknown_table(pg, u);
    section_close(pg);
}

/* ---- model servers inside the network ---- */

static void show_ai_server(struct page *pg, json_t *row, const char *key)
{
    put(pg, "<code>");
    text(pg, str(row, "server"));
    fmt(pg, "</code>:%" PRIu64, num(row, "port"));
}

static void show_ai_api(struct page *pg, json_t *row, const char *key)
{
    put(pg, "<span class=\"nw\">");
    text(pg, str(row, "api"));
    put(pg, "</span>");
}

static void show_ai_department(struct page *pg, json_t *row, const char *key)
{
    text(pg, str(get(row, "department"), "name"));
}

/* Each client department with its devices, then how many are not named. */
static void show_ai_clients(struct page *pg, json_t *row, const char *key)
{
    json_t *clients = get(row, "clients"), *other = get(clients, "other_departments");
    size_t i;
    json_t *d;
    json_array_foreach(get(clients, "departments"), i, d)
    {
        if (i)
            put(pg, ", ");
        text(pg, str(d, "name"));
        fmt(pg, "&nbsp;%" PRIu64, num(d, "devices"));
    }
    if (json_is_object(other))
        fmt(pg, "%s%" PRIu64 " other department%s",
            json_array_size(get(clients, "departments")) ? ", " : "", num(other, "departments"),
            num(other, "departments") == 1 ? "" : "s");
}

static void cell_ai_devices(struct page *pg, json_t *row, const char *key)
{
    json_t *v = get(get(row, "clients"), "devices");
    if (json_is_integer(v))
        fmt(pg, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", json_integer_value(v));
    else
        fmt(pg, "<td class=\"n muted\">fewer than %" JSON_INTEGER_FORMAT "</td>", pg->min_devices);
}

static const struct html_column col_ai_server = {.title = "Server", .show = show_ai_server};
static const struct html_column col_ai_api = {.title = "API", .show = show_ai_api};
static const struct html_column col_ai_department = {.title = "Server's department",
                                                     .show = show_ai_department};
static const struct html_column col_ai_clients = {.title = "Client departments (devices)",
                                                  .show = show_ai_clients};
static const struct html_column col_ai_devices = {
    .title = "Devices", .class = "n", .cell = cell_ai_devices};
static const struct html_column col_ai_requests = {
    .title = "Requests", .class = "n", .show = show_int, .key = "requests"};

static void ai_servers_section(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_ai_server,   &col_ai_api, &col_ai_department, &col_ai_clients, &col_ai_devices,
        &col_ai_requests, &col_up,     &col_down,          &col_flows};
    json_t *servers = get(pg->doc, "internal_ai_servers");
    if (!servers)
        return;
    section_open(pg, "ai-servers", "Model servers inside the network",
                 "Which machines inside serve AI models (Ollama, vLLM, llama.cpp, LocalAI, LM "
                 "Studio), and who uses them?");
    put(pg, "<p class=\"muted\">Plain HTTP between internal hosts that speaks a model server's "
            "API and was answered. A server is a pseudonym, as devices are: the flow log's "
            "<code>shadowtap.model_server</code> tells the security team which host it is. None "
            "of this traffic is in the cloud figures of this report.</p>\n");
    table(pg,
          &(const struct html_table){COLUMNS(columns),
                                     .empty = "<p class=\"muted\">No model server inside was "
                                              "used this month.</p>\n"},
          servers);
    section_close(pg);
}

/* ---- monthly ---- */

static void monthly_kpis(struct page *pg)
{
    json_t *totals = get(pg->doc, "totals");
    json_t *cand = get(get(pg->doc, "adoption_candidates"), "services");
    static const struct html_kpi figures[] = {
        {"services", "services in use", false},  {"devices", "devices", false},
        {"bytes_up", "uploaded", true},          {"bytes_down", "downloaded", true},
        {"new_services", "new services", false},
    };
    put(pg, "<div class=\"kpis\">");
    kpi_list(pg, totals, figures, sizeof(figures) / sizeof(figures[0]));
    kpi_u64(pg, json_array_size(cand), "adoption candidates");
    put(pg, "</div>\n");
}

/* Services per status, and the share of uploads that went where it should not. */
static void status_findings(struct page *pg)
{
    json_t *totals = get(pg->doc, "totals"), *by = get(totals, "by_status");
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
    json_array_foreach(get(pg->doc, "services"), at, svc)
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
}

static void change_finding(struct page *pg)
{
    json_t *chg = get(pg->doc, "change");
    json_t *prev = get(chg, "previous_totals"), *cur = get(chg, "current_totals");
    if (!json_is_true(get(chg, "previous_has_data"))) {
        put(pg, "<li>No figures for the previous month to compare with.</li>\n");
        return;
    }
    put(pg, "<li>Against ");
    text(pg, str(get(chg, "previous"), "month"));
    put(pg, ": uploads ");
    change(pg, num(prev, "bytes_up"), num(cur, "bytes_up"));
    put(pg, ", devices ");
    change(pg, num(prev, "devices"), num(cur, "devices"));
    fmt(pg, ", %zu services started and %zu stopped being used.</li>\n",
        json_array_size(get(chg, "new")), json_array_size(get(chg, "dropped")));
}

/* The first services new to the organisation, the strongest candidate to
 * sanction, and the uploads to generative AI. */
static void news_findings(struct page *pg)
{
    json_t *doc = pg->doc, *cand = get(get(doc, "adoption_candidates"), "services");
    json_t *genai = get(doc, "genai_uploads");
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
}

/* How much the catalog named, and how many candidates it could learn. */
static void coverage_finding(struct page *pg)
{
    json_t *vis = get(pg->doc, "visibility"), *u = get(pg->doc, "unknown_services");
    if (!vis || !num(vis, "bytes"))
        return;
    put(pg, "<li>");
    coverage_sentence(pg, vis);
    if (num(u, "domains"))
        fmt(pg, " %" PRIu64 " candidate service%s the catalog does not name yet.",
            num(u, "domains"), num(u, "domains") == 1 ? "" : "s");
    put(pg, "</li>\n");
}

static void monthly_summary(struct page *pg)
{
    section_open(pg, "summary", "At a glance",
                 "What did the organisation use this month, what changed from last month, what "
                 "is widely adopted and low-risk enough to sanction, what costs risk?");
    monthly_kpis(pg);
    put(pg, "<ul class=\"findings\">\n");
    status_findings(pg);
    change_finding(pg);
    news_findings(pg);
    coverage_finding(pg);
    put(pg, "</ul>\n");
    section_close(pg);
}

static void monthly_services(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_service, &col_status,  &col_risk,  &col_up,        &col_down,
        &col_flows,   &col_devices, &col_depts, &col_countries, &col_first_seen_new};
    json_t *services = get(pg->doc, "services");
    section_open(pg, "services", "Services in use",
                 "Every cloud service seen this month, with its status, risk and use.");
    top_services_chart(pg, services, "Services with the most traffic", 0);
    table(pg, &(const struct html_table){COLUMNS(columns)}, services);
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

/* The month's totals against the month before's. */
static void change_totals(struct page *pg, json_t *chg)
{
    static const struct html_column *const columns[] = {&col_figure, &col_figure_previous,
                                                        &col_figure_current, &col_figure_change};
    static const char *figures[][2] = {{"bytes_up", "Uploaded"},
                                       {"bytes_down", "Downloaded"},
                                       {"devices", "Devices"},
                                       {"services", "Services"},
                                       {"flows", "Flows"}};
    json_t *prev = get(chg, "previous_totals"), *cur = get(chg, "current_totals");
    json_t *rows = json_array();
    for (size_t i = 0; i < 5; i++)
        json_array_append_new(rows, json_pack("{s:s, s:O?, s:O?, s:b}", "figure", figures[i][1],
                                              "previous", get(prev, figures[i][0]), "current",
                                              get(cur, figures[i][0]), "bytes", i < 2));
    table(pg, &(const struct html_table){COLUMNS(columns)}, rows);
    json_decref(rows);
}

/* Services started and stopped, side by side. */
static void change_started_stopped(struct page *pg, json_t *chg)
{
    static const struct html_column *const started[] = {&col_service, &col_status, &col_bytes,
                                                        &col_devices};
    static const struct html_column *const stopped[] = {&col_service, &col_status,
                                                        &col_bytes_before, &col_devices_before};
    put(pg, "<div class=\"twocol\">\n<div>\n<h3>Started being used</h3>\n");
    table(pg, &(const struct html_table){COLUMNS(started), .empty = NONE_HTML}, get(chg, "new"));
    put(pg, "</div>\n<div>\n<h3>No longer used</h3>\n");
    table(pg, &(const struct html_table){COLUMNS(stopped), .empty = NONE_HTML},
          get(chg, "dropped"));
    put(pg, "</div>\n</div>\n");
}

static int by_change(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    double dx = (double)bytes_total(x, false) - (double)bytes_total(x, true);
    double dy = (double)bytes_total(y, false) - (double)bytes_total(y, true);
    dx = dx < 0 ? -dx : dx;
    dy = dy < 0 ? -dy : dy;
    return dx < dy ? 1 : dx > dy ? -1 : strcmp(str(x, "id"), str(y, "id"));
}

/* The ten services used in both months whose bytes changed the most. */
static void change_largest(struct page *pg, json_t *chg)
{
    static const struct html_column *const columns[] = {
        &col_service,      &col_status,         &col_bytes_before, &col_bytes_now,
        &col_bytes_change, &col_devices_before, &col_devices_now};
    json_t *cont = get(chg, "services");
    size_t n = json_array_size(cont);
    json_t **items = n ? malloc(n * sizeof(*items)) : NULL;
    if (!items)
        return;
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(cont, i);
    qsort(items, n, sizeof(*items), by_change);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(sorted, items[i]);
    free(items);
    put(pg, "<h3>Largest changes</h3>\n");
    table(pg, &(const struct html_table){COLUMNS(columns), .max_rows = 10}, sorted);
    json_decref(sorted);
}

static void monthly_change(struct page *pg)
{
    json_t *chg = get(pg->doc, "change");
    char title[64];
    snprintf(title, sizeof(title), "Change from %s", str(get(chg, "previous"), "month"));
    section_open(pg, "change", title, "What changed from last month?");
    if (!json_is_true(get(chg, "previous_has_data")))
        put(pg, "<p class=\"muted\">No figures were recorded for the previous month.</p>\n");
    change_totals(pg, chg);
    change_started_stopped(pg, chg);
    change_largest(pg, chg);
    section_close(pg);
}

static void monthly_new(struct page *pg)
{
    static const struct html_column *const org[] = {&col_service,    &col_status,     &col_risk,
                                                    &col_devices,    &col_depts,      &col_up,
                                                    &col_first_seen, &col_alternative};
    static const struct html_column *const depts[] = {&col_department, &col_new_services};
    json_t *added = get(pg->doc, "new_services");
    section_open(pg, "new-services", "New this month",
                 "Which services appeared for the first time, in the organisation and in each "
                 "department?");
    table(pg,
          &(const struct html_table){COLUMNS(org),
                                     .empty = "<p class=\"muted\">No service was seen for the "
                                              "first time this month.</p>\n"},
          get(added, "services"));
    if (json_array_size(get(added, "departments"))) {
        put(pg, "<h3>New to a department</h3>\n");
        table(pg, &(const struct html_table){COLUMNS(depts)}, get(added, "departments"));
        put(pg, "<p class=\"muted\"><sup>*</sup> also new to the organisation.</p>\n");
    }
    section_close(pg);
}

static void monthly_candidates(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_service, &col_risk, &col_devices_count, &col_depts,
        &col_up,      &col_down, &col_alternative};
    json_t *cand = get(pg->doc, "adoption_candidates"), *crit = get(cand, "criteria");
    section_open(pg, "adoption", "Adoption candidates",
                 "Which unsanctioned services are widely used at low or medium risk: what IT "
                 "could sanction and scale up?");
    fmt(pg,
        "<p class=\"muted\">Unsanctioned, low or medium risk, used by at least %" PRIu64
        " devices in at least %" PRIu64 " departments.</p>\n",
        num(crit, "min_devices"), num(crit, "min_departments"));
    table(pg,
          &(const struct html_table){COLUMNS(columns),
                                     .empty = "<p class=\"muted\">No service meets these criteria "
                                              "this month.</p>\n"},
          get(cand, "services"));
    section_close(pg);
}

static void genai_chart(struct page *pg, json_t *depts)
{
    size_t n = json_array_size(depts);
    struct report_svg_bar *bars = calloc(n, sizeof(*bars));
    if (!bars)
        return;
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

/* One vendor's app and its API side by side: by_vendor_use of a genai_uploads. */
static void genai_vendor_use_table(struct page *pg, json_t *genai)
{
    static const struct html_column *const columns[] = {&col_vendor, &col_use,   &col_uploaded,
                                                        &col_down,   &col_flows, &col_service_ids};
    put(pg, "<h3>Uploads to generative AI by vendor and use</h3>\n"
            "<p class=\"muted\">app: people use the vendor's app or site; api: programs call "
            "its models.</p>\n");
    table(pg, &(const struct html_table){COLUMNS(columns)}, get(genai, "by_vendor_use"));
}

static void monthly_genai(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_department, &col_uploaded, &col_uploaded_sanctioned, &col_genai_vendor_uses,
        &col_genai_services};
    json_t *genai = get(pg->doc, "genai_uploads"), *depts = get(genai, "departments");
    section_open(pg, "genai", "Uploads to generative AI",
                 "How much did each department send to generative-AI services, and how much of "
                 "it to sanctioned ones?");
    if (json_array_size(depts)) {
        genai_chart(pg, depts);
        table(pg, &(const struct html_table){COLUMNS(columns)}, depts);
        genai_vendor_use_table(pg, genai);
    } else {
        put(pg, "<p class=\"muted\">No use of generative-AI services this month.</p>\n");
    }
    section_close(pg);
}

/* ---- tenants ---- */

static void show_member_name(struct page *pg, json_t *row, const char *key)
{
    text(pg, str(get(row, key), "name"));
}

/* "fabrikam 1.2 MB, northwind 300 kB; 2 more seen from too few devices". */
static void show_tenant_names(struct page *pg, json_t *row, const char *key)
{
    json_t *o = key ? get(row, key) : row;
    size_t i;
    json_t *n;
    json_array_foreach(get(o, "names"), i, n)
    {
        if (i)
            put(pg, ", ");
        text(pg, str(n, "tenant"));
        put(pg, " <span class=\"muted\">");
        bytes(pg, num(n, "bytes_up") + num(n, "bytes_down"));
        put(pg, "</span>");
    }
    uint64_t hidden = num(get(o, "names_hidden"), "names");
    if (hidden)
        fmt(pg, "%s%" PRIu64 " more seen from fewer than %" JSON_INTEGER_FORMAT " devices",
            json_array_size(get(o, "names")) ? "; " : "", hidden, pg->min_devices);
}

static void show_class_bytes(struct page *pg, json_t *row, const char *key)
{
    json_t *c = get(get(row, "tenants"), key);
    if (!num(c, "flows")) {
        put(pg, "&ndash;");
        return;
    }
    bytes(pg, num(c, "bytes_up"));
    put(pg, " / ");
    bytes(pg, num(c, "bytes_down"));
}

static void show_other_tenants(struct page *pg, json_t *row, const char *key)
{
    json_t *other = get(get(row, "tenants"), key);
    fmt(pg, "%" PRIu64 ": ", num(other, "tenants"));
    show_tenant_names(pg, other, NULL);
}

static const struct html_column col_upload_dept = {
    .title = "Department", .show = show_member_name, .key = "department"};
static const struct html_column col_upload_service = {
    .title = "Service", .show = show_member_name, .key = "service"};
static const struct html_column col_tenant_names = {.title = "Other organisations' tenants",
                                                    .show = show_tenant_names};
static const struct html_column col_own = {
    .title = "Own tenants (up / down)", .class = "n", .show = show_class_bytes, .key = "own"};
static const struct html_column col_other = {
    .title = "Other tenants (up / down)", .class = "n", .show = show_class_bytes, .key = "other"};
static const struct html_column col_none = {
    .title = "No tenant (up / down)", .class = "n", .show = show_class_bytes, .key = "none"};
static const struct html_column col_other_names = {
    .title = "Other tenants", .show = show_other_tenants, .key = "other"};

static bool with_tenant_traffic(json_t *svc)
{
    json_t *t = get(svc, "tenants");
    return num(get(t, "own"), "flows") || num(get(t, "other"), "flows");
}

/* Uploads to other organisations' instances of sanctioned services, then
 * (services is not NULL) every service's own and other tenants. */
static void tenants_section(struct page *pg, json_t *services)
{
    static const struct html_column *const uploads[] = {
        &col_upload_dept, &col_upload_service, &col_status,      &col_devices,
        &col_up,          &col_down,           &col_tenant_names};
    static const struct html_column *const classes[] = {&col_service, &col_own, &col_other,
                                                        &col_none, &col_other_names};
    json_t *u = get(pg->doc, "other_tenant_uploads");
    section_open(pg, "tenants", "Uploads to other tenants of sanctioned services",
                 "Which departments sent data to other organisations' instances of services we "
                 "sanctioned (another company's SharePoint, an unknown storage bucket)?");
    json_t *other = json_pack("{s:O, s:O, s:O}", "cells", get(get(u, "other"), "rows"), "bytes_up",
                              get(get(u, "other"), "bytes_up"), "bytes_down",
                              get(get(u, "other"), "bytes_down"));
    table(pg,
          &(const struct html_table){COLUMNS(uploads), .other = other,
                                     .empty =
                                         "<p class=\"muted\">No traffic to other "
                                         "organisations' tenants of sanctioned services.</p>\n"},
          get(u, "rows"));
    json_decref(other);
    if (services && rows_kept(&(const struct html_table){.keep = with_tenant_traffic}, services)) {
        put(pg, "<h3>Own and other tenants, by service</h3>\n");
        table(pg, &(const struct html_table){COLUMNS(classes), .keep = with_tenant_traffic},
              services);
    }
    section_close(pg);
}

/* A department's services, with the "other" line of its hidden ones. */
static void cell_table(struct page *pg, json_t *cells, json_t *other, int with_seen)
{
    static const struct html_column *const first_seen[] = {
        &col_service, &col_status,         &col_devices,    &col_up,
        &col_down,    &col_first_seen_new, &col_alternative};
    static const struct html_column *const both_seen[] = {
        &col_service, &col_status,         &col_devices,   &col_up,
        &col_down,    &col_first_seen_new, &col_last_seen, &col_alternative};
    if (with_seen)
        table(pg, &(const struct html_table){COLUMNS(both_seen), .other = other}, cells);
    else
        table(pg, &(const struct html_table){COLUMNS(first_seen), .other = other}, cells);
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
    tenants_section(pg, get(pg->doc, "services"));
    departments_detail(pg, "Which services does each department use?", 0);
    visibility_section(pg);
    unknown_section(pg);
    ai_servers_section(pg);
    page_close(pg);
}

/* ---- department ---- */

static void department_kpis(struct page *pg, json_t *d)
{
    json_t *by = get(d, "by_status");
    uint64_t not_sanctioned = num(by, "unsanctioned") + num(by, "prohibited");
    put(pg, "<div class=\"kpis\">");
    kpi_int(pg, get(d, "services"), "tools in use");
    kpi_int(pg, get(d, "devices"), "devices");
    kpi_int(pg, get(by, "sanctioned"), "sanctioned");
    kpi_u64(pg, not_sanctioned, "not sanctioned");
    kpi_int(pg, get(d, "with_alternative"), "with a sanctioned alternative");
    kpi_bytes(pg, num(d, "bytes_up"), "uploaded");
    put(pg, "</div>\n");
}

static void department_findings(struct page *pg, json_t *d)
{
    json_t *by = get(d, "by_status");
    put(pg, "<ul class=\"findings\">\n");
    fmt(pg,
        "<li>%" PRIu64 " tools in use: %" PRIu64 " sanctioned, %" PRIu64 " tolerated, %" PRIu64
        " unsanctioned, %" PRIu64 " prohibited.</li>\n",
        num(d, "services"), num(by, "sanctioned"), num(by, "tolerated"), num(by, "unsanctioned"),
        num(by, "prohibited"));
    size_t i;
    json_t *s;
    int any_new = 0;
    json_array_foreach(get(pg->doc, "services"), i, s)
    {
        if (!json_is_true(get(s, "new")))
            continue;
        put(pg, any_new ? ", " : "<li>New to the team this month: ");
        text(pg, str(s, "name"));
        any_new = 1;
    }
    if (any_new)
        put(pg, ".</li>\n");
    if (json_array_size(get(pg->doc, "dropped")))
        fmt(pg, "<li>%zu tools used last month were not used this month.</li>\n",
            json_array_size(get(pg->doc, "dropped")));
    put(pg, "</ul>\n");
}

static void department_summary(struct page *pg)
{
    json_t *d = get(pg->doc, "department"), *period = get(pg->doc, "period");
    section_open(pg, "summary", "At a glance",
                 "Which tools did the team adopt, which are sanctioned, and what is the "
                 "sanctioned alternative for the rest?");
    department_kpis(pg, d);
    department_findings(pg, d);
    json_t *daily = get(d, "daily_bytes");
    uint64_t *values = series_values(daily);
    if (values)
        report_svg_columns(pg->out, "Traffic per day", values, json_array_size(daily),
                           str(period, "start"), str(period, "end"));
    free(values);
    section_close(pg);
}

static void department_tools(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_tool,  &col_status,  &col_risk, &col_devices, &col_last_month,
        &col_trend, &col_per_day, &col_up,   &col_down,    &col_alternative};
    section_open(pg, "tools", "Tools in use",
                 "Each tool with its status for this department, devices and trend.");
    table(pg, &(const struct html_table){COLUMNS(columns), .other = get(pg->doc, "other")},
          get(pg->doc, "services"));
    section_close(pg);
}

static bool not_sanctioned(json_t *tool)
{
    const char *st = str(tool, "status");
    return strcmp(st, "sanctioned") != 0 && strcmp(st, "unknown") != 0;
}

static void department_alternatives(struct page *pg)
{
    static const struct html_column *const columns[] = {&col_tool_in_use, &col_status,
                                                        &col_alternative_or_ask};
    section_open(pg, "alternatives", "Sanctioned alternatives",
                 "For each tool that is not sanctioned here, what the organisation offers "
                 "instead.");
    table(pg,
          &(const struct html_table){COLUMNS(columns), .keep = not_sanctioned,
                                     .empty = "<p class=\"muted\">Every tool in use is "
                                              "sanctioned.</p>\n"},
          get(pg->doc, "services"));
    section_close(pg);
}

static void department_dropped(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_tool, &col_status, &col_bytes_last_month, &col_devices_last_month};
    section_open(pg, "dropped", "No longer used", "Tools used last month but not this month.");
    table(pg, &(const struct html_table){COLUMNS(columns), .empty = NONE_HTML},
          get(pg->doc, "dropped"));
    section_close(pg);
}

static void department_genai(struct page *pg)
{
    json_t *genai = get(pg->doc, "genai_uploads");
    section_open(pg, "genai", "Uploads to generative AI",
                 "How much did the team send to generative-AI services, to which vendors, through "
                 "their apps or their APIs?");
    if (json_array_size(get(genai, "by_vendor_use"))) {
        put(pg, "<p>");
        bytes(pg, num(genai, "bytes_up"));
        fmt(pg, " uploaded, %.0f%% of it to sanctioned services.</p>\n",
            num(genai, "bytes_up")
                ? 100.0 * (double)num(genai, "bytes_up_sanctioned") / (double)num(genai, "bytes_up")
                : 0.0);
        genai_vendor_use_table(pg, genai);
    } else {
        put(pg, "<p class=\"muted\">No use of generative-AI services this month.</p>\n");
    }
    section_close(pg);
}

static void render_department(struct page *pg)
{
    char title[256], sub[64];
    snprintf(title, sizeof(title), "%s: the tools your team uses",
             str(get(pg->doc, "department"), "name"));
    snprintf(sub, sizeof(sub), "Month %s", str(get(pg->doc, "period"), "month"));
    page_open(pg, title, sub);
    department_summary(pg);
    department_tools(pg);
    department_alternatives(pg);
    department_dropped(pg);
    department_genai(pg);
    tenants_section(pg, get(pg->doc, "services"));
    visibility_section(pg);
    unknown_section(pg);
    page_close(pg);
}

/* ---- unsanctioned and new ---- */

static void service_table(struct page *pg, json_t *services, const char *empty)
{
    static const struct html_column *const columns[] = {
        &col_service, &col_status,    &col_risk,       &col_devices,   &col_depts,      &col_up,
        &col_down,    &col_countries, &col_first_seen, &col_last_seen, &col_alternative};
    table(pg, &(const struct html_table){COLUMNS(columns), .empty = empty}, services);
}

static void render_unsanctioned(struct page *pg)
{
    static const struct html_kpi figures[] = {
        {"services", "services", false}, {"prohibited_services", "prohibited", false},
        {"devices", "devices", false},   {"departments", "departments", false},
        {"bytes_up", "uploaded", true},
    };
    json_t *doc = pg->doc, *totals = get(doc, "totals"), *services = get(doc, "services");
    page_open(pg, "Unsanctioned and prohibited services", "Security review");
    section_open(pg, "summary", "At a glance",
                 "Which unsanctioned services are in use, since when, by how many devices, how "
                 "much data went up to them, to which countries?");
    kpis(pg, totals, figures, sizeof(figures) / sizeof(figures[0]));
    if (json_array_size(services))
        top_services_chart(pg, services, "Bytes uploaded per service", 1);
    else
        put(pg, "<p>No unsanctioned or prohibited service was used in this period.</p>\n");
    section_close(pg);
    section_open(pg, "services", "Services",
                 "Ordered by bytes uploaded; first and last seen over all time.");
    service_table(pg, services, NULL);
    section_close(pg);
    tenants_section(pg, NULL);
    departments_detail(pg, "Where each service is used.", 1);
    visibility_section(pg);
    page_close(pg);
}

static void render_new(struct page *pg)
{
    static const struct html_kpi figures[] = {
        {"services", "new to the organisation", false},
        {"department_services", "new to a department", false},
        {"departments", "departments concerned", false},
    };
    json_t *doc = pg->doc, *totals = get(doc, "totals"), *services = get(doc, "services");
    page_open(pg, "New cloud services", "First seen in the period");
    section_open(pg, "summary", "At a glance",
                 "Which services appeared for the first time, in the organisation and in each "
                 "department?");
    kpis(pg, totals, figures, sizeof(figures) / sizeof(figures[0]));
    section_close(pg);
    section_open(pg, "services", "New to the organisation",
                 "Services whose first traffic ever counted falls in the period.");
    service_table(pg, services, NONE_HTML);
    section_close(pg);
    departments_detail(pg, "Services each department used for the first time in the period.", 1);
    visibility_section(pg);
    page_close(pg);
}

static void render_unknown(struct page *pg)
{
    json_t *doc = pg->doc, *u = get(doc, "unknown_services"), *vis = get(doc, "visibility");
    char months[128] = "", sub[160];
    size_t i;
    json_t *m;
    json_array_foreach(get(doc, "months"), i, m)
    {
        size_t used = strlen(months);
        snprintf(months + used, sizeof(months) - used, "%s%s", i ? ", " : "",
                 json_string_value(m) ? json_string_value(m) : "");
    }
    snprintf(sub, sizeof(sub), "Counted per month: %s", months);
    page_open(pg, "Candidate services", sub);
    section_open(pg, "summary", "At a glance",
                 "What do people use that the catalog does not know yet, and how much of the "
                 "traffic could not be named at all, and why?");
    put(pg, "<div class=\"kpis\">");
    kpi_u64(pg, num(u, "domains"), "candidate domains");
    kpi_u64(pg, num(u, "listed"), "listed");
    kpi_bytes(pg, num(get(vis, "not_in_catalog"), "bytes"), "to names not in the catalog");
    kpi_bytes(pg, num(get(vis, "hidden"), "bytes"), "hidden by ECH and encrypted DNS");
    put(pg, "</div>\n<p>");
    coverage_sentence(pg, vis);
    put(pg, "</p>\n");
    section_close(pg);
    unknown_section(pg);
    visibility_section(pg);
    page_close(pg);
}

static void render_catalog(struct page *pg)
{
    static const struct html_column *const columns[] = {
        &col_service, &col_vendor, &col_use, &col_status, &col_risk, &col_catalog_alternative};
    char sub[64];
    snprintf(sub, sizeof(sub), "%" PRIu64 " services", num(pg->doc, "count"));
    page_open(pg, "Service catalog", sub);
    section_open(pg, "catalog", "Services", "What each known service is, its risk and status.");
    table(pg, &(const struct html_table){COLUMNS(columns)}, get(pg->doc, "services"));
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
    else if (strcmp(kind, "unknown") == 0)
        render_unknown(&pg);
    else if (strcmp(kind, "catalog") == 0)
        render_catalog(&pg);
    else
        return -1;
    return ferror(out) ? -1 : 0;
}
