/*
 * report_genai.h - uploads to generative AI (services of category genai), for
 * the monthly and department reports' genai_uploads.
 *
 * Figures come from a view's visible cells only: a cell hidden by
 * privacy.min_devices adds nothing, neither to a department's uploads nor to
 * a vendor's, so no hidden figure can be worked out by subtraction.  Besides
 * each department's services, uploads are grouped by vendor and use
 * (services.conf "use": app or api), so that one vendor's app and its API
 * stand side by side.  Fields: docs/reports.md.
 */
#ifndef SHADOWTAP_REPORT_GENAI_H
#define SHADOWTAP_REPORT_GENAI_H

#include <jansson.h>
#include <stddef.h>

#include "report_view.h"

/* The monthly report's section: {bytes_up, bytes_up_sanctioned,
 * by_vendor_use, departments[]}, each department with {id, name, bytes_up,
 * bytes_up_sanctioned, services[], by_vendor_use}; departments without a
 * visible genai cell are left out.  Returns a new reference, or NULL (out of
 * memory) with the reason in err. */
json_t *report_genai_section(const struct report_view *v, char *err, size_t errlen);

/* The department report's section, over every cell of v (the department's
 * view): {bytes_up, bytes_up_sanctioned, services[], by_vendor_use}.
 * Returns a new reference, or NULL (out of memory) with the reason in err. */
json_t *report_genai_department(const struct report_view *v, char *err, size_t errlen);

#endif
