/*
 * report_html.h - reports as one self-contained HTML page.
 *
 * The page carries its CSS and its charts (inline SVG) and nothing else: no
 * script, no font, no image or style sheet fetched from anywhere, and a
 * Content-Security-Policy that forbids loading any.  It opens with the
 * reader's question and its answer on one screen, then the detail, and
 * prints on A4.  Every section has an id (docs/reports.md).
 */
#ifndef SHADOWTAP_REPORT_HTML_H
#define SHADOWTAP_REPORT_HTML_H

#include <jansson.h>
#include <stdio.h>

/* Writes doc (any report's JSON) as HTML.  Returns 0, or -1 on a write error
 * or a document of an unknown kind. */
int report_html_write(FILE *out, json_t *doc);

#endif
