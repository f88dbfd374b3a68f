/*
 * report_csv.c - the (department, service) rows of any report, RFC 4180.
 *
 * Rows are read from the report's JSON, the one model every format renders:
 * departments[].services[] (monthly, unsanctioned, new) or the department
 * report's services[], each a "service" row; then, in the monthly,
 * department and unknown reports, a "candidate" row per department of each
 * listed candidate service (unknown_services), whose traffic is already
 * inside the unclassified service rows; and in the monthly, department and
 * unsanctioned reports an "other-tenant" row per department and sanctioned
 * service whose traffic went to other organisations' tenants
 * (other_tenant_uploads), already inside that service's row.  The column
 * "row" tells them apart, so that a sum over service rows alone is the
 * report's total.  The monthly report also has an "ai-server" row per client
 * department of each model server inside (internal_ai_servers): traffic in
 * no service row at all.
 */
#include "report_csv.h"

#include <inttypes.h>
#include <string.h>

static const char *const columns[] = {
    "period_start", "period_end",   "department", "department_name",
    "service",      "service_name", "category",   "risk",
    "status",       "devices",      "bytes_up",   "bytes_down",
    "flows",        "first_seen",   "last_seen",  "new",
    "trend",        "alternative",  "row",
};
#define NCOLUMNS   (sizeof(columns) / sizeof(columns[0]))
#define COLUMN_ROW (NCOLUMNS - 1)

void report_csv_field(FILE *out, const char *text)
{
    if (!text)
        return;
    int formula = strchr("=+-@", text[0]) && text[0];
    if (!formula && !strpbrk(text, ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static void row_end(FILE *out)
{
    fputs("\r\n", out);
}

/* The text of a JSON scalar: strings as they are, integers in decimal,
 * booleans as yes/no, null and absent as nothing. */
static void scalar(FILE *out, json_t *v)
{
    char buf[32];
    if (json_is_string(v))
        report_csv_field(out, json_string_value(v));
    else if (json_is_integer(v)) {
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        fputs(buf, out);
    } else if (json_is_boolean(v))
        fputs(json_is_true(v) ? "yes" : "no", out);
}

static void cell_row(FILE *out, json_t *period, json_t *dept, json_t *cell, json_int_t min_devices)
{
    json_t *values[NCOLUMNS] = {
        json_object_get(period, "start"),
        json_object_get(period, "end"),
        json_object_get(dept, "id"),
        json_object_get(dept, "name"),
        json_object_get(cell, "id"),
        json_object_get(cell, "name"),
        json_object_get(cell, "category"),
        json_object_get(cell, "risk"),
        json_object_get(cell, "status"),
        json_object_get(cell, "devices"),
        json_object_get(cell, "bytes_up"),
        json_object_get(cell, "bytes_down"),
        json_object_get(cell, "flows"),
        json_object_get(cell, "first_seen"),
        json_object_get(cell, "last_seen"),
        json_object_get(cell, "new"),
        json_object_get(cell, "trend"),
        json_object_get(json_object_get(cell, "alternative"), "id"),
        NULL,
    };
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (i)
            fputc(',', out);
        if (i == COLUMN_ROW)
            fputs("service", out);
        else if (i == 9 && json_is_true(json_object_get(cell, "hidden")))
            fprintf(out, "fewer than %" JSON_INTEGER_FORMAT, min_devices);
        else
            scalar(out, values[i]);
    }
    row_end(out);
}

/* A row of the report's columns: values (NULL: empty), and in "row" its kind. */
static void write_row(FILE *out, json_t *const values[NCOLUMNS], const char *kind)
{
    for (size_t k = 0; k < NCOLUMNS; k++) {
        if (k)
            fputc(',', out);
        if (k == COLUMN_ROW)
            fputs(kind, out);
        else
            scalar(out, values[k]);
    }
    row_end(out);
}

static void other_row(FILE *out, json_t *period, json_t *dept, json_t *other,
                      json_int_t min_devices)
{
    json_int_t n = json_integer_value(json_object_get(other, "cells"));
    if (n <= 0)
        return;
    char name[96];
    snprintf(name, sizeof(name),
             "%" JSON_INTEGER_FORMAT " service%s used by fewer than %" JSON_INTEGER_FORMAT
             " devices each",
             n, n == 1 ? "" : "s", min_devices);
    json_t *values[NCOLUMNS] = {
        json_object_get(period, "start"),
        json_object_get(period, "end"),
        json_object_get(dept, "id"),
        json_object_get(dept, "name"),
    };
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (i)
            fputc(',', out);
        if (i == 4)
            fputs("other", out);
        else if (i == COLUMN_ROW)
            fputs("service", out);
        else if (i == 5)
            report_csv_field(out, name);
        else if (i == 10)
            scalar(out, json_object_get(other, "bytes_up"));
        else if (i == 11)
            scalar(out, json_object_get(other, "bytes_down"));
        else if (i == 12)
            scalar(out, json_object_get(other, "flows"));
        else
            scalar(out, values[i]);
    }
    row_end(out);
}

/* One row per department of each listed candidate service; the department
 * entry folded by privacy ("Other departments", id null) has no row. */
static void candidate_rows(FILE *out, json_t *period, json_t *unknown)
{
    size_t i, j;
    json_t *svc, *dept, *status = json_string("unknown");
    json_array_foreach(json_object_get(unknown, "services"), i, svc)
    {
        json_array_foreach(json_object_get(svc, "by_department"), j, dept)
        {
            if (!json_is_string(json_object_get(dept, "id")))
                continue;
            json_t *values[NCOLUMNS] = {
                json_object_get(period, "start"),
                json_object_get(period, "end"),
                json_object_get(dept, "id"),
                json_object_get(dept, "name"),
                json_object_get(svc, "domain"),
                json_object_get(svc, "name"),
                NULL,
                NULL,
                status,
                json_object_get(dept, "devices"),
                json_object_get(dept, "bytes_up"),
                json_object_get(dept, "bytes_down"),
                json_object_get(dept, "flows"),
                json_object_get(svc, "first_seen"),
                json_object_get(svc, "last_seen"),
            };
            write_row(out, values, "candidate");
        }
    }
    json_decref(status);
}

/* One row per department and sanctioned service with traffic to other
 * organisations' tenants; the rows privacy folded have none. */
static void other_tenant_rows(FILE *out, json_t *period, json_t *uploads)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(uploads, "rows"), i, r)
    {
        json_t *dept = json_object_get(r, "department"), *svc = json_object_get(r, "service");
        json_t *values[NCOLUMNS] = {
            json_object_get(period, "start"),
            json_object_get(period, "end"),
            json_object_get(dept, "id"),
            json_object_get(dept, "name"),
            json_object_get(svc, "id"),
            json_object_get(svc, "name"),
            NULL,
            NULL,
            json_object_get(r, "status"),
            json_object_get(r, "devices"),
            json_object_get(r, "bytes_up"),
            json_object_get(r, "bytes_down"),
            json_object_get(r, "flows"),
        };
        write_row(out, values, "other-tenant");
    }
}

/* One row per named client department of each model server inside
 * (internal_ai_servers of the monthly report): the server as
 * "{pseudonym}:{port}", its API as the name, traffic no service row holds.
 * Client departments folded by privacy have no row, as with candidates. */
static void ai_server_rows(FILE *out, json_t *period, json_t *servers)
{
    size_t i, j;
    json_t *srv, *dept;
    json_array_foreach(servers, i, srv)
    {
        char id[64];
        snprintf(id, sizeof(id), "%s:%" JSON_INTEGER_FORMAT,
                 json_string_value(json_object_get(srv, "server"))
                     ? json_string_value(json_object_get(srv, "server"))
                     : "",
                 json_integer_value(json_object_get(srv, "port")));
        json_t *server = json_string(id);
        json_array_foreach(json_object_get(json_object_get(srv, "clients"), "departments"), j, dept)
        {
            json_t *values[NCOLUMNS] = {
                json_object_get(period, "start"),
                json_object_get(period, "end"),
                json_object_get(dept, "id"),
                json_object_get(dept, "name"),
                server,
                json_object_get(srv, "api"),
                NULL,
                NULL,
                NULL,
                json_object_get(dept, "devices"),
                json_object_get(dept, "bytes_up"),
                json_object_get(dept, "bytes_down"),
                json_object_get(dept, "flows"),
            };
            write_row(out, values, "ai-server");
        }
        json_decref(server);
    }
}

static void catalog_rows(FILE *out, json_t *doc)
{
    fputs("service,service_name,vendor,category,risk,reasons,status,alternative,use", out);
    row_end(out);
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(doc, "services"), i, s)
    {
        const char *keys[] = {"id", "name", "vendor", "category", "risk"};
        for (size_t k = 0; k < 5; k++) {
            if (k)
                fputc(',', out);
            scalar(out, json_object_get(s, keys[k]));
        }
        fputc(',', out);
        char reasons[1024] = "";
        size_t j;
        json_t *r;
        json_array_foreach(json_object_get(s, "reasons"), j, r)
        {
            size_t used = strlen(reasons);
            snprintf(reasons + used, sizeof(reasons) - used, "%s%s", j ? " " : "",
                     json_string_value(r) ? json_string_value(r) : "");
        }
        report_csv_field(out, reasons);
        fputc(',', out);
        scalar(out, json_object_get(s, "status"));
        fputc(',', out);
        scalar(out, json_object_get(s, "alternative"));
        fputc(',', out);
        scalar(out, json_object_get(s, "use"));
        row_end(out);
    }
}

int report_csv_write(FILE *out, json_t *doc)
{
    const char *kind = json_string_value(json_object_get(doc, "report"));
    if (kind && strcmp(kind, "catalog") == 0) {
        catalog_rows(out, doc);
        return ferror(out) ? -1 : 0;
    }
    for (size_t i = 0; i < NCOLUMNS; i++) {
        if (i)
            fputc(',', out);
        fputs(columns[i], out);
    }
    row_end(out);
    json_t *period = json_object_get(doc, "period");
    json_int_t k =
        json_integer_value(json_object_get(json_object_get(doc, "privacy"), "min_devices"));
    size_t i, j;
    json_t *dept, *cell;
    if (kind && strcmp(kind, "department") == 0) {
        dept = json_object_get(doc, "department");
        json_array_foreach(json_object_get(doc, "services"), j, cell)
            cell_row(out, period, dept, cell, k);
        other_row(out, period, dept, json_object_get(doc, "other"), k);
    } else if (kind && strcmp(kind, "unknown") == 0) {
        /* no service rows: the candidates alone */
    } else {
        json_array_foreach(json_object_get(doc, "departments"), i, dept)
        {
            json_array_foreach(json_object_get(dept, "services"), j, cell)
                cell_row(out, period, dept, cell, k);
            other_row(out, period, dept, json_object_get(dept, "other"), k);
        }
    }
    candidate_rows(out, period, json_object_get(doc, "unknown_services"));
    other_tenant_rows(out, period, json_object_get(doc, "other_tenant_uploads"));
    ai_server_rows(out, period, json_object_get(doc, "internal_ai_servers"));
    return ferror(out) ? -1 : 0;
}
