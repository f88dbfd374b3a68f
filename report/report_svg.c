/*
 * report_svg.c - bars, columns and sparklines as inline SVG.
 *
 * Every chart has a fixed viewBox and scales with its container (width 100%),
 * so it fits a laptop screen and an A4 page alike; text is drawn in the
 * page's own font.
 */
#include "report_svg.h"

#include <inttypes.h>
#include <string.h>

void report_html_escape(FILE *out, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
}

void report_format_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
}

#define LABEL_CHARS 28 /* what fits left of the bars */

/* A label cut to LABEL_CHARS characters (not bytes: names may be UTF-8),
 * with an ellipsis when cut. */
static void label(FILE *out, const char *text)
{
    size_t chars = 0, i = 0;
    for (; text[i]; i++) {
        if (((unsigned char)text[i] & 0xc0) != 0x80 && ++chars > LABEL_CHARS - 1)
            break;
    }
    if (!text[i]) {
        report_html_escape(out, text);
        return;
    }
    char cut[LABEL_CHARS * 4 + 1];
    size_t len = i < sizeof(cut) - 1 ? i : sizeof(cut) - 1;
    memcpy(cut, text, len);
    cut[len] = '\0';
    report_html_escape(out, cut);
    fputs("&#8230;", out);
}

#define BAR_WIDTH 760
#define BAR_LABEL 200
#define BAR_VALUE 90
#define BAR_ROW   20
#define BAR_TOP   26

void report_svg_bars(FILE *out, const char *title, const struct report_svg_bar *bars, size_t n,
                     int bytes, const char *legend_first, const char *legend_second)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++) {
        if (bars[i].first + bars[i].second > max)
            max = bars[i].first + bars[i].second;
    }
    int height = BAR_TOP + (int)n * BAR_ROW + 6;
    double span = BAR_WIDTH - BAR_LABEL - BAR_VALUE;
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", BAR_WIDTH,
            height);
    report_html_escape(out, title);
    fputs("\"><title>", out);
    report_html_escape(out, title);
    fputs("</title>\n", out);
    if (legend_first) {
        fprintf(out,
                "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" class=\"legend\"/>"
                "<text x=\"%d\" y=\"16\" class=\"small\">",
                BAR_LABEL, BAR_LABEL + 16);
        report_html_escape(out, legend_first);
        fputs("</text>", out);
        if (legend_second) {
            fprintf(out,
                    "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" class=\"legend pale\"/>"
                    "<text x=\"%d\" y=\"16\" class=\"small\">",
                    BAR_LABEL + 140, BAR_LABEL + 156);
            report_html_escape(out, legend_second);
            fputs("</text>", out);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < n; i++) {
        int y = BAR_TOP + (int)i * BAR_ROW;
        double w1 = span * (double)bars[i].first / (double)max;
        double w2 = span * (double)bars[i].second / (double)max;
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\"><title>", BAR_LABEL - 8, y + 13);
        report_html_escape(out, bars[i].label);
        fputs("</title>", out);
        label(out, bars[i].label);
        fprintf(out, "</text><g class=\"%s\">", bars[i].cls ? bars[i].cls : "st-unknown");
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\"/>", BAR_LABEL, y + 2,
                w1 > 0 && w1 < 1 ? 1.0 : w1);
        if (bars[i].second)
            fprintf(out, "<rect class=\"pale\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\"/>",
                    BAR_LABEL + w1, y + 2, w2 > 0 && w2 < 1 ? 1.0 : w2);
        char value[32];
        if (bytes)
            report_format_bytes(bars[i].first + bars[i].second, value, sizeof(value));
        else
            snprintf(value, sizeof(value), "%" PRIu64, bars[i].first + bars[i].second);
        fprintf(out, "</g><text x=\"%.1f\" y=\"%d\" class=\"value\">%s</text>\n",
                BAR_LABEL + w1 + w2 + 6, y + 13, value);
    }
    fputs("</svg>\n", out);
}

#define COL_WIDTH  760
#define COL_HEIGHT 120

void report_svg_columns(FILE *out, const char *title, const uint64_t *values, size_t n,
                        const char *first_label, const char *last_label)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++) {
        if (values[i] > max)
            max = values[i];
    }
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", COL_WIDTH,
            COL_HEIGHT + 20);
    report_html_escape(out, title);
    fputs("\"><title>", out);
    report_html_escape(out, title);
    fputs("</title>\n<g class=\"st-tolerated\">", out);
    double step = n ? (double)(COL_WIDTH - 80) / (double)n : 0;
    for (size_t i = 0; i < n; i++) {
        double h = (double)(COL_HEIGHT - 10) * (double)values[i] / (double)max;
        fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
                70 + step * (double)i + 1, (double)COL_HEIGHT - h, step > 3 ? step - 2 : step, h);
    }
    char top[32];
    report_format_bytes(max, top, sizeof(top));
    fprintf(out,
            "</g>\n<text x=\"64\" y=\"14\" text-anchor=\"end\" class=\"small\">%s</text>"
            "<text x=\"64\" y=\"%d\" text-anchor=\"end\" class=\"small\">0</text>",
            top, COL_HEIGHT);
    fprintf(out, "<line x1=\"70\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", COL_HEIGHT,
            COL_WIDTH - 10, COL_HEIGHT);
    fprintf(out, "<text x=\"70\" y=\"%d\" class=\"small\">", COL_HEIGHT + 16);
    report_html_escape(out, first_label);
    fprintf(out, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"small\">",
            COL_WIDTH - 10, COL_HEIGHT + 16);
    report_html_escape(out, last_label);
    fputs("</text></svg>\n", out);
}

void report_svg_sparkline(FILE *out, const uint64_t *values, size_t n)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++) {
        if (values[i] > max)
            max = values[i];
    }
    fputs("<svg class=\"spark\" viewBox=\"0 0 124 24\" "
          "aria-hidden=\"true\"><polyline points=\"",
          out);
    for (size_t i = 0; i < n; i++) {
        double x = n > 1 ? 2 + 120.0 * (double)i / (double)(n - 1) : 62;
        double y = 22 - 20.0 * (double)values[i] / (double)max;
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
    }
    fputs("\"/></svg>", out);
}

#define STACK_WIDTH  760
#define STACK_HEIGHT 26
#define STACK_LEGEND 380 /* width of one legend entry, two to a row */

void report_svg_stack(FILE *out, const char *title, const struct report_svg_part *parts, size_t n)
{
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++)
        all += parts[i].value;
    size_t rows = (n + 1) / 2;
    fprintf(out, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            STACK_WIDTH, STACK_HEIGHT + 8 + (int)rows * 20);
    report_html_escape(out, title);
    fputs("\"><title>", out);
    report_html_escape(out, title);
    fputs("</title>\n", out);
    double x = 0;
    for (size_t i = 0; i < n && all; i++) {
        double w = (double)STACK_WIDTH * (double)parts[i].value / (double)all;
        if (w <= 0)
            continue;
        fprintf(out, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" class=\"%s\"><title>",
                x, w, STACK_HEIGHT, parts[i].cls);
        report_html_escape(out, parts[i].label);
        fputs("</title></rect>", out);
        x += w;
    }
    if (!all)
        fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" class=\"cov-empty\"/>",
                STACK_WIDTH, STACK_HEIGHT);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        int lx = (int)(i % 2) * STACK_LEGEND, ly = STACK_HEIGHT + 8 + (int)(i / 2) * 20;
        fprintf(out,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" class=\"%s\"/>"
                "<text x=\"%d\" y=\"%d\" class=\"small\">",
                lx, ly, parts[i].cls, lx + 16, ly + 10);
        report_html_escape(out, parts[i].label);
        if (all)
            fprintf(out, " %.1f%%", 100.0 * (double)parts[i].value / (double)all);
        fputs("</text>", out);
    }
    fputs("\n</svg>\n", out);
}
