/*
 * events.c - format the flush script's events as ECS alerts.
 */
#include "events.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"

struct events {
    FILE *out;
    char *sensor_id;
    struct events_thresholds th;
    pthread_mutex_t lock;
    struct rules *rules;
    uint64_t written, errors;
};

struct events *events_open(const char *path, const char *sensor_id, uint64_t upload_threshold,
                           uint64_t other_tenant_threshold)
{
    struct events *ev = calloc(1, sizeof(*ev));
    if (!ev)
        return NULL;
    if (path && *path) {
        ev->out = strcmp(path, "-") == 0 ? stdout : fopen(path, "a");
        if (!ev->out) {
            int e = errno;
            free(ev);
            errno = e;
            return NULL;
        }
    }
    ev->sensor_id = strdup(sensor_id);
    ev->th = (struct events_thresholds){upload_threshold, other_tenant_threshold};
    pthread_mutex_init(&ev->lock, NULL);
    return ev;
}

void events_set_rules(struct events *ev, struct rules *r)
{
    struct rules *old;
    pthread_mutex_lock(&ev->lock);
    old = ev->rules;
    ev->rules = rules_retain(r);
    pthread_mutex_unlock(&ev->lock);
    rules_release(old);
}

/* "2026-11-02T09" -> unix seconds of that hour. */
static time_t hour_start(const char *hour)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (sscanf(hour, "%4d-%2d-%2dT%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour) != 4)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static void iso(time_t t, char *buf, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int severity(const char *action, const char *status)
{
    if (strcmp(action, "unsanctioned-use") == 0)
        return strcmp(status, "prohibited") == 0 ? 4 : 3;
    if (strcmp(action, "upload-spike") == 0 || strcmp(action, "other-tenant-upload") == 0)
        return 3;
    return strcmp(action, "service-first-seen") == 0 ? 2 : 1;
}

char *events_format(const struct rules *r, const char *sensor_id,
                    const struct events_thresholds *th, const struct store_event *e,
                    uint64_t now_unix)
{
    int sidx = r ? catalog_find(r->catalog, e->service) : -1;
    const struct service *svc = r ? catalog_service(r->catalog, sidx) : NULL;
    int didx = r ? departments_find(r->departments, e->department) : -1;
    const struct department *dep = r ? departments_get(r->departments, didx) : NULL;
    const char *svc_name = svc ? svc->name : e->service;
    const char *dep_name = dep ? dep->name : e->department;
    uint64_t value = strtoull(e->value, NULL, 10);

    char when[32], created[32], message[512];
    time_t at = strcmp(e->action, "service-first-seen") == 0 ||
                        strcmp(e->action, "service-first-seen-in-department") == 0
                    ? (time_t)value
                    : hour_start(e->hour);
    iso(at, when, sizeof(when));
    iso((time_t)now_unix, created, sizeof(created));

    json_t *sh = json_object();
    json_object_set_new(sh, "department",
                        json_pack("{s:s, s:s}", "id", e->department, "name", dep_name));
    json_t *js =
        json_pack("{s:s, s:s, s:s}", "id", e->service, "name", svc_name, "status", e->status);
    if (svc) {
        json_object_set_new(js, "category", json_string(catalog_category_name(svc->category)));
        json_object_set_new(js, "risk", json_string(catalog_risk_name(svc->risk)));
        const struct service *alt =
            catalog_service(r->catalog, policy_alternative(r->policy, sidx));
        if (alt)
            json_object_set_new(js, "alternative",
                                json_pack("{s:s, s:s}", "id", alt->id, "name", alt->name));
    }
    json_object_set_new(sh, "service", js);
    json_object_set_new(sh, "hour", json_string(e->hour));

    if (strcmp(e->action, "service-first-seen") == 0) {
        snprintf(message, sizeof(message), "%s seen for the first time in the organisation (%s)",
                 svc_name, dep_name);
    } else if (strcmp(e->action, "service-first-seen-in-department") == 0) {
        snprintf(message, sizeof(message), "%s seen for the first time in %s", svc_name, dep_name);
    } else if (strcmp(e->action, "unsanctioned-use") == 0) {
        snprintf(message, sizeof(message), "%s service %s used in %s", e->status, svc_name,
                 dep_name);
        json_object_set_new(sh, "bytes_up", json_integer((json_int_t)value));
    } else if (strcmp(e->action, "other-tenant-upload") == 0) {
        snprintf(message, sizeof(message),
                 "%s uploaded %" PRIu64 " bytes to other organisations' tenants of %s in the hour "
                 "from %s (threshold %" PRIu64 ")",
                 dep_name, value, svc_name, when, th->other_tenant);
        json_object_set_new(sh, "upload",
                            json_pack("{s:I, s:I, s:s}", "bytes", (json_int_t)value, "threshold",
                                      (json_int_t)th->other_tenant, "tenant", "other"));
    } else {
        snprintf(message, sizeof(message),
                 "%s uploaded %" PRIu64 " bytes to %s in the hour from %s (threshold %" PRIu64 ")",
                 dep_name, value, svc_name, when, th->upload);
        json_object_set_new(sh, "upload",
                            json_pack("{s:I, s:I}", "bytes", (json_int_t)value, "threshold",
                                      (json_int_t)th->upload));
    }
    json_t *o =
        json_pack("{s:s, s:{s:s, s:[s], s:[s], s:s, s:i, s:s}, s:{s:s}, s:s, s:o}", "@timestamp",
                  when, "event", "kind", "alert", "category", "network", "type", "info", "action",
                  e->action, "severity", severity(e->action, e->status), "created", created,
                  "observer", "name", sensor_id, "message", message, "shadowtap", sh);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    return line;
}

void events_write(void *ctx, const struct store_event *e)
{
    struct events *ev = ctx;
    pthread_mutex_lock(&ev->lock);
    if (ev->out) {
        char *line = events_format(ev->rules, ev->sensor_id, &ev->th, e, (uint64_t)time(NULL));
        if (line && fputs(line, ev->out) >= 0 && fputc('\n', ev->out) != EOF &&
            fflush(ev->out) == 0)
            ev->written++;
        else
            ev->errors++;
        free(line);
    } else {
        ev->written++;
    }
    pthread_mutex_unlock(&ev->lock);
}

uint64_t events_written(struct events *ev)
{
    pthread_mutex_lock(&ev->lock);
    uint64_t n = ev->written;
    pthread_mutex_unlock(&ev->lock);
    return n;
}

uint64_t events_errors(struct events *ev)
{
    pthread_mutex_lock(&ev->lock);
    uint64_t n = ev->errors;
    pthread_mutex_unlock(&ev->lock);
    return n;
}

int events_close(struct events *ev)
{
    if (!ev)
        return 0;
    int rc = ev->errors ? -1 : 0;
    if (ev->out && ev->out != stdout && fclose(ev->out) != 0)
        rc = -1;
    rules_release(ev->rules);
    free(ev->sensor_id);
    pthread_mutex_destroy(&ev->lock);
    free(ev);
    return rc;
}
