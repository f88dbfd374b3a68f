/*
 * events.h - alerts for the security team, as JSON lines.
 *
 * The flush script raises events while it applies counts to Redis (store.h):
 * a service seen for the first time in the organisation or in a department, use
 * of an unsanctioned or prohibited service (once per department, service and
 * hour), and uploads from a department to a service above a volume in an hour.
 * The same events go to the Redis stream shadowtap:events (by the script) and,
 * through this module, to the --events file, one ECS JSON object per line with
 * the names and policy from the rules.  Reference: docs/events.md.
 *
 * Thread-safe: the flusher writes events while the main thread may swap rules.
 */
#ifndef SHADOWTAP_EVENTS_H
#define SHADOWTAP_EVENTS_H

#include <stdint.h>

#include "rules.h"
#include "store.h"

struct events;

/* path may be NULL (no file: the Redis stream only).  NULL with errno set when
 * the file cannot be opened. */
struct events *events_open(const char *path, const char *sensor_id, uint64_t upload_threshold,
                           uint64_t other_tenant_threshold);
/* Uses these rules for names from now on (takes a reference). */
void events_set_rules(struct events *ev, struct rules *r);
/* store_event_fn: formats and writes one event. */
void events_write(void *ctx, const struct store_event *e);
uint64_t events_written(struct events *ev);
uint64_t events_errors(struct events *ev);
/* Flushes and closes; returns -1 if a write failed.  Accepts NULL. */
int events_close(struct events *ev);

/* The JSON object of an event (exposed for tests); NULL on allocation failure. */
struct events_thresholds {
    uint64_t upload;       /* events.upload_threshold */
    uint64_t other_tenant; /* events.other_tenant_threshold */
};
char *events_format(const struct rules *r, const char *sensor_id,
                    const struct events_thresholds *th, const struct store_event *e,
                    uint64_t now_unix);

#endif
