/*
 * report_ai_servers.h - model servers inside the network, read back for a
 * report.
 *
 * The sensor notes, apart from every cloud figure, the flows to internal
 * servers that spoke a model server's API (classify/model_api.h) per month,
 * server pseudonym, port, API and the departments of server and client
 * (schema_key_ai_servers), with the client devices per client department
 * (schema_key_ai_server_devices).  report_ai_servers_section() builds the
 * monthly report's "internal_ai_servers" (docs/reports.md): one entry per
 * server and port, the most bytes first, each with its API, its department,
 * its figures, and its clients' departments.  A server is only ever its
 * pseudonym: no address is in Redis to read.
 *
 * Privacy follows the candidate services (report_candidates.h): a client
 * department with fewer than privacy.min_devices devices is not named but
 * folded into "other_departments", and a device count below it is null.
 */
#ifndef SHADOWTAP_REPORT_AI_SERVERS_H
#define SHADOWTAP_REPORT_AI_SERVERS_H

#include <hiredis/hiredis.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

/* The "internal_ai_servers" member over the months ("YYYY-MM"; figures
 * summed, devices a union), with min_devices applied (0: everything shown).
 * A new JSON array, or NULL with the reason in err. */
json_t *report_ai_servers_section(redisContext *c, const char *const *months, size_t nmonths,
                                  const struct rules *r, uint64_t min_devices, char *err,
                                  size_t errlen);

#endif
