/*
 * flowlog.c - flow records as JSON lines (jansson builds and escapes them).
 */
#include "flowlog.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct flowlog {
    FILE *out;
    bool is_stdout;
    pthread_mutex_t lock;
    atomic_uint_fast64_t lines, errors;
};

struct flowlog *flowlog_open(const char *path)
{
    struct flowlog *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    if (strcmp(path, "-") == 0) {
        l->out = stdout;
        l->is_stdout = true;
    } else {
        l->out = fopen(path, "a");
        if (!l->out) {
            int e = errno;
            free(l);
            errno = e;
            return NULL;
        }
    }
    pthread_mutex_init(&l->lock, NULL);
    return l;
}

const char *flowlog_transport_name(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {
    case IPPROTO_ICMP:
        return "icmp";
    case IPPROTO_IGMP:
        return "igmp";
    case IPPROTO_TCP:
        return "tcp";
    case IPPROTO_UDP:
        return "udp";
    case IPPROTO_GRE:
        return "gre";
    case IPPROTO_ESP:
        return "esp";
    case IPPROTO_AH:
        return "ah";
    case IPPROTO_ICMPV6:
        return "ipv6-icmp";
    case IPPROTO_SCTP:
        return "sctp";
    default:
        snprintf(buf, len, "%u", proto);
        return buf;
    }
}

void flowlog_format_time(uint64_t us, char *buf, size_t len)
{
    time_t secs = (time_t)(us / 1000000u);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char base[24];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03uZ", base, (unsigned)((us / 1000u) % 1000u));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Sets obj[path] where path is "a.b.c", creating the nested objects. */
static void set_path(json_t *obj, const char *path, json_t *value)
{
    char key[64];
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL) {
        size_t n = (size_t)(dot - path);
        if (n >= sizeof(key))
            n = sizeof(key) - 1;
        memcpy(key, path, n);
        key[n] = '\0';
        json_t *child = json_object_get(obj, key);
        if (!child) {
            child = json_object();
            json_object_set_new(obj, key, child);
        }
        obj = child;
        path = dot + 1;
    }
    json_object_set_new(obj, path, value);
}

static json_t *build(const struct flowlog_record *r)
{
    json_t *o = json_object();
    char t_start[40], t_end[40], ip_c[NETADDR_STRLEN], ip_s[NETADDR_STRLEN], tbuf[8];
    flowlog_format_time(r->start_us, t_start, sizeof(t_start));
    flowlog_format_time(r->end_us, t_end, sizeof(t_end));
    netaddr_format(r->client, ip_c, sizeof(ip_c));
    netaddr_format(r->server, ip_s, sizeof(ip_s));

    set_path(o, "@timestamp", json_string(t_end));
    set_path(o, "event.kind", json_string("event"));
    set_path(o, "event.category", json_string("network"));
    set_path(o, "event.type", json_string("connection"));
    set_path(o, "event.start", json_string(t_start));
    set_path(o, "event.end", json_string(t_end));
    set_path(o, "event.duration", json_integer((json_int_t)((r->end_us - r->start_us) * 1000u)));
    set_path(o, "source.ip", json_string(ip_c));
    set_path(o, "source.port", json_integer(r->client_port));
    set_path(o, "source.bytes", json_integer((json_int_t)r->bytes_up));
    set_path(o, "source.packets", json_integer((json_int_t)r->packets_up));
    set_path(o, "destination.ip", json_string(ip_s));
    set_path(o, "destination.port", json_integer(r->server_port));
    set_path(o, "destination.bytes", json_integer((json_int_t)r->bytes_down));
    set_path(o, "destination.packets", json_integer((json_int_t)r->packets_down));
    if (r->domain)
        set_path(o, "destination.domain", json_string(r->domain));
    if (r->country)
        set_path(o, "destination.geo.country_iso_code", json_string(r->country));
    if (r->asn) {
        set_path(o, "destination.as.number", json_integer(r->asn));
        if (r->as_org)
            set_path(o, "destination.as.organization.name", json_string(r->as_org));
    }
    set_path(o, "network.transport",
             json_string(flowlog_transport_name(r->transport, tbuf, sizeof(tbuf))));
    set_path(o, "network.type", json_string(netaddr_is_v4(r->client) ? "ipv4" : "ipv6"));
    set_path(o, "network.bytes", json_integer((json_int_t)(r->bytes_up + r->bytes_down)));
    set_path(o, "network.packets", json_integer((json_int_t)(r->packets_up + r->packets_down)));
    if (r->vlan) {
        char vlan[8]; /* ECS keeps VLAN ids as keywords (strings) */
        snprintf(vlan, sizeof(vlan), "%u", r->vlan);
        set_path(o, "network.vlan.id", json_string(vlan));
    }
    set_path(o, "observer.name", json_string(r->sensor));
    set_path(o, "shadowtap.department", json_string(r->department));
    if (r->department_source)
        set_path(o, "shadowtap.department_source", json_string(r->department_source));
    set_path(o, "shadowtap.device", json_string(r->device));
    set_path(o, "shadowtap.service.id", str_or_null(r->service_id));
    set_path(o, "shadowtap.service.name", str_or_null(r->service_name));
    set_path(o, "shadowtap.service.category", str_or_null(r->service_category));
    set_path(o, "shadowtap.service.status", json_string(r->service_status));
    set_path(o, "shadowtap.match", json_string(r->match));
    if (r->visibility)
        set_path(o, "shadowtap.visibility", json_string(r->visibility));
    if (r->tenant_class) {
        set_path(o, "shadowtap.tenant.class", json_string(r->tenant_class));
        if (r->tenant)
            set_path(o, "shadowtap.tenant.name", json_string(r->tenant));
    }
    if (r->other_name) {
        set_path(o, "shadowtap.name", json_string(r->other_name));
        set_path(o, "shadowtap.name_source", json_string(r->other_name_source));
    }
    set_path(o, "shadowtap.ndpi.protocol", json_string(r->ndpi_protocol));
    set_path(o, "shadowtap.ndpi.category", json_string(r->ndpi_category));
    set_path(o, "shadowtap.internal", json_boolean(r->internal));
    set_path(o, "shadowtap.end_reason", json_string(r->end_reason));
    if (r->model_api) {
        set_path(o, "shadowtap.model_api", json_string(r->model_api));
        set_path(o, "shadowtap.model_server", json_string(r->model_server));
        set_path(o, "shadowtap.model_requests", json_integer(r->model_requests));
    }
    return o;
}

int flowlog_write(struct flowlog *l, const struct flowlog_record *r)
{
    json_t *o = build(r);
    char *line = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (!line) {
        atomic_fetch_add(&l->errors, 1);
        return -1;
    }
    pthread_mutex_lock(&l->lock);
    int rc = fputs(line, l->out) < 0 || fputc('\n', l->out) == EOF ? -1 : 0;
    pthread_mutex_unlock(&l->lock);
    free(line);
    if (rc)
        atomic_fetch_add(&l->errors, 1);
    else
        atomic_fetch_add(&l->lines, 1);
    return rc;
}

int flowlog_flush(struct flowlog *l)
{
    pthread_mutex_lock(&l->lock);
    int rc = fflush(l->out) == 0 ? 0 : -1;
    pthread_mutex_unlock(&l->lock);
    if (rc)
        atomic_fetch_add(&l->errors, 1);
    return rc;
}

uint64_t flowlog_lines(const struct flowlog *l)
{
    return atomic_load(&l->lines);
}

uint64_t flowlog_errors(const struct flowlog *l)
{
    return atomic_load(&l->errors);
}

int flowlog_close(struct flowlog *l)
{
    if (!l)
        return 0;
    int rc = fflush(l->out) == 0 ? 0 : -1;
    if (!l->is_stdout && fclose(l->out) != 0)
        rc = -1;
    if (atomic_load(&l->errors))
        rc = -1;
    pthread_mutex_destroy(&l->lock);
    free(l);
    return rc;
}
