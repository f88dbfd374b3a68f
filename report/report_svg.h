/*
 * report_svg.h - inline SVG charts for the HTML reports.
 *
 * Charts are drawn as static SVG inside the page: no script, no font, no
 * image fetched from anywhere, so a report is one file that reads the same
 * offline, on screen and on paper.  Colours come from CSS classes of the page
 * (st-<status>), so a chart and its table use the same ones.
 */
#ifndef SHADOWTAP_REPORT_SVG_H
#define SHADOWTAP_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct report_svg_bar {
    const char *label;
    uint64_t first;  /* drawn solid */
    uint64_t second; /* drawn pale after it (0 for none) */
    const char *cls; /* CSS class of the bar, e.g. "st-sanctioned" */
};

/* Horizontal stacked bars, one row each, with the sum written after the bar
 * (as bytes when bytes is non-zero, else as a count).  title names the chart
 * for screen readers; legend_first/legend_second label the two parts (NULL
 * for a single part). */
void report_svg_bars(FILE *out, const char *title, const struct report_svg_bar *bars, size_t n,
                     int bytes, const char *legend_first, const char *legend_second);

/* One part of a whole, for report_svg_stack. */
struct report_svg_part {
    const char *label;
    uint64_t value;
    const char *cls; /* CSS class of its rectangle and legend mark */
};

/* One horizontal bar of the whole, the parts side by side in proportion,
 * and below it a legend of each part with its share in percent. */
void report_svg_stack(FILE *out, const char *title, const struct report_svg_part *parts, size_t n);

/* A column per value (a day), scaled to the largest. */
void report_svg_columns(FILE *out, const char *title, const uint64_t *values, size_t n,
                        const char *first_label, const char *last_label);

/* A small line of values, for a table cell. */
void report_svg_sparkline(FILE *out, const uint64_t *values, size_t n);

/* Writes text with &, <, >, " and ' escaped. */
void report_html_escape(FILE *out, const char *text);

/* 1234567 -> "1.2 MB" (powers of 1000). */
void report_format_bytes(uint64_t bytes, char *buf, size_t len);

#endif
