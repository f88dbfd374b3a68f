/*
 * stats.c - the statistics object and its log line.
 */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static void sum_workers(const struct stats_view *v, struct worker_stats *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned i = 0; i < v->nworkers; i++) {
        const struct worker_stats *w = &v->workers[i];
        t->packets += w->packets;
        t->bytes += w->bytes;
        t->flows_created += w->flows_created;
        for (int r = 0; r < FLOW_END_REASON_COUNT; r++)
            t->flows_ended[r] += w->flows_ended[r];
        t->flows_internal += w->flows_internal;
        t->flows_classified += w->flows_classified;
        t->flows_unclassified += w->flows_unclassified;
        t->dpi_decided += w->dpi_decided;
        t->dpi_gave_up += w->dpi_gave_up;
        t->dpi_refused += w->dpi_refused;
        t->dns_named_flows += w->dns_named_flows;
        t->tally_failures += w->tally_failures;
        t->flowlog_errors += w->flowlog_errors;
        t->ring_waits += w->ring_waits;
        t->flows_active += w->flows_active;
        t->flows_undecided += w->flows_undecided;
        t->bytes_undecided += w->bytes_undecided;
        t->flows_peak += w->flows_peak;
        t->flow_memory += w->flow_memory;
        t->tally_cells += w->tally_cells;
    }
}

static json_t *build(const struct stats_view *v)
{
    struct worker_stats w;
    sum_workers(v, &w);
    const struct dispatch_stats *r = v->dispatch;
    uint64_t not_decoded = 0;
    json_t *reasons = json_object();
    for (int i = 1; i < DECODE_STATUS_COUNT; i++) {
        not_decoded += r->decode[i];
        json_object_set_new(reasons, decode_status_name((enum decode_status)i), u64(r->decode[i]));
    }

    json_t *packets = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "received", u64(r->packets), "bytes",
        u64(r->bytes), "decoded", u64(r->decode[DECODE_OK]), "not_decoded", u64(not_decoded),
        "not_decoded_by_reason", reasons, "kernel_received", u64(v->capture->kernel_received),
        "kernel_dropped", u64(v->capture->kernel_dropped), "interface_dropped",
        u64(v->capture->interface_dropped), "fragments_unmatched", u64(r->fragments_unmatched));
    json_object_set_new(packets, "caplen_over_len", u64(v->capture->caplen_over_len));
    json_object_set_new(packets, "file_errors", u64(v->capture->file_errors));
    json_object_set_new(packets, "ring_waits", u64(w.ring_waits));

    json_t *flows = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "active", u64(w.flows_active), "peak",
        u64(w.flows_peak), "created", u64(w.flows_created), "ended",
        u64(w.flows_ended[FLOW_END_IDLE] + w.flows_ended[FLOW_END_EVICTED] +
            w.flows_ended[FLOW_END_SHUTDOWN]),
        "ended_idle", u64(w.flows_ended[FLOW_END_IDLE]), "evicted",
        u64(w.flows_ended[FLOW_END_EVICTED]), "ended_at_shutdown",
        u64(w.flows_ended[FLOW_END_SHUTDOWN]), "internal", u64(w.flows_internal), "classified",
        u64(w.flows_classified), "unclassified", u64(w.flows_unclassified));
    json_object_set_new(flows, "table_bytes", u64(w.flow_memory));
    json_object_set_new(flows, "undecided", u64(w.flows_undecided));
    json_object_set_new(flows, "undecided_bytes", u64(w.bytes_undecided));

    json_t *dpi = json_pack("{s:o, s:o, s:o, s:o, s:o}", "decided", u64(w.dpi_decided), "gave_up",
                            u64(w.dpi_gave_up), "refused", u64(w.dpi_refused), "memory_bytes",
                            u64(v->dpi_memory), "refused_memory_cap", u64(v->dpi_refused));
    json_object_set_new(dpi, "memory_peak_bytes", u64(v->dpi_memory_peak));

    json_t *dns = json_pack("{s:o, s:o, s:o, s:o}", "responses", u64(r->dns_responses), "answers",
                            u64(r->dns_answers), "parse_errors", u64(r->dns_errors), "named_flows",
                            u64(w.dns_named_flows));
    if (v->dns) {
        json_object_set_new(dns, "cache_entries", u64(v->dns->entries));
        json_object_set_new(dns, "cache_entries_peak", u64(v->dns->entries_peak));
        json_object_set_new(dns, "cache_bytes", u64(v->dns->memory_bytes));
        json_object_set_new(dns, "cache_evicted", u64(v->dns->evicted));
        json_object_set_new(dns, "cache_expired", u64(v->dns->expired));
        json_object_set_new(dns, "cache_hits", u64(v->dns->hits_client + v->dns->hits_any));
        json_object_set_new(dns, "cache_versions", u64(v->dns->versions));
        json_object_set_new(dns, "cache_versions_dropped", u64(v->dns->versions_dropped));
    }
    json_object_set_new(dns, "stun_notes", u64(v->stun_notes));
    json_object_set_new(dns, "stun_notes_dropped", u64(v->stun_notes_dropped));

    /* DHCP: counts only; what a lease holds (MAC, host name) never leaves. */
    json_t *dhcp = json_pack("{s:o, s:o, s:o}", "messages", u64(r->dhcp_messages), "parse_errors",
                             u64(r->dhcp_errors), "lease_changes", u64(r->dhcp_changes));
    if (v->leases) {
        json_object_set_new(dhcp, "leases", u64(v->leases->entries));
        json_object_set_new(dhcp, "leases_peak", u64(v->leases->entries_peak));
        json_object_set_new(dhcp, "leases_bytes", u64(v->leases->memory_bytes));
        json_object_set_new(dhcp, "leases_evicted", u64(v->leases->evicted));
        json_object_set_new(dhcp, "leases_expired", u64(v->leases->expired));
        json_object_set_new(dhcp, "lookups", u64(v->leases->lookups));
        json_object_set_new(dhcp, "hits", u64(v->leases->hits));
    }

    json_t *redis = json_object();
    if (v->store) {
        json_object_set_new(redis, "batches_applied", u64(v->store->batches_applied));
        json_object_set_new(redis, "batches_duplicate", u64(v->store->batches_duplicate));
        json_object_set_new(redis, "batches_refused", u64(v->store->batches_refused));
        json_object_set_new(redis, "cells_applied", u64(v->store->cells_applied));
        json_object_set_new(redis, "queued_batches", u64(v->store->queued_batches));
        json_object_set_new(redis, "queued_cells", u64(v->store->queued_cells));
        json_object_set_new(redis, "flush_failures", u64(v->store->flush_failures));
        json_object_set_new(redis, "last_flush", u64(v->store->last_flush_unix));
        json_object_set_new(redis, "last_flush_latency_us", u64(v->store->last_flush_latency_us));
    }
    if (v->flusher) {
        json_object_set_new(redis, "outages", u64(v->flusher->outages));
        json_object_set_new(redis, "in_outage", json_boolean(v->flusher->in_outage));
        json_object_set_new(redis, "pending_cells", u64(v->flusher->pending_cells));
        json_object_set_new(redis, "pending_cells_peak", u64(v->flusher->pending_cells_peak));
        json_object_set_new(redis, "spills", u64(v->flusher->spills));
        json_object_set_new(redis, "spilled_batches", u64(v->flusher->spilled_batches));
        json_object_set_new(redis, "spilled_cells", u64(v->flusher->spilled_cells));
        json_object_set_new(redis, "spill_failures", u64(v->flusher->spill_failures));
        json_object_set_new(redis, "spool_waiting", json_boolean(v->flusher->spool_waiting));
    }
    json_object_set_new(redis, "tally_failures", u64(w.tally_failures));

    json_t *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:i}", "sensor", v->sensor_id,
                            "version", SHADOWTAP_VERSION, "mode", v->live ? "live" : "offline",
                            "source", v->source ? v->source : "", "started", u64(v->started_unix),
                            "updated", u64(v->now_unix), "workers", (int)v->nworkers);
    json_object_set_new(out, "packets", packets);
    json_object_set_new(out, "flows", flows);
    json_object_set_new(out, "dpi", dpi);
    json_object_set_new(out, "dns", dns);
    json_object_set_new(out, "dhcp", dhcp);
    json_object_set_new(out, "redis", redis);
    json_object_set_new(
        out, "flow_log",
        json_pack("{s:o, s:o}", "lines", u64(v->flowlog_lines), "errors", u64(v->flowlog_errors)));
    json_object_set_new(
        out, "reloads",
        json_pack("{s:o, s:o}", "done", u64(v->reloads), "failed", u64(v->reload_failures)));
    json_object_set_new(out, "assignments",
                        json_pack("{s:o, s:o, s:o}", "entries", u64(v->feed_entries), "reloads",
                                  u64(v->feed_reloads), "failed", u64(v->feed_failures)));
    return out;
}

int stats_write_file(const char *path, const struct stats_view *v)
{
    json_t *o = build(v);
    if (!o) {
        errno = ENOMEM;
        return -1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int rc = json_dump_file(o, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    if (rc != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e ? e : EIO;
        return -1;
    }
    return 0;
}

void stats_log_line(const struct stats_view *v, char *buf, size_t len)
{
    struct worker_stats w;
    sum_workers(v, &w);
    uint64_t not_decoded = 0;
    for (int i = 1; i < DECODE_STATUS_COUNT; i++)
        not_decoded += v->dispatch->decode[i];
    snprintf(buf, len,
             "packets %" PRIu64 " (not decoded %" PRIu64 ", kernel drops %" PRIu64
             ", interface drops %" PRIu64 "), flows active %u created %" PRIu64 " evicted %" PRIu64
             ", redis queued %zu outages %" PRIu64,
             v->dispatch->packets, not_decoded, v->capture->kernel_dropped,
             v->capture->interface_dropped, w.flows_active, w.flows_created,
             w.flows_ended[FLOW_END_EVICTED], v->store ? v->store->queued_batches : 0,
             v->flusher ? v->flusher->outages : 0);
}

/* One table drives both the Redis hash and the Prometheus text, so the two
 * never disagree on a name or a meaning. */
struct health_def {
    const char *name;
    const char *type; /* "counter" or "gauge" */
    const char *help;
};

static const struct health_def health_defs[] = {
    {"packets_received", "counter", "Packets the capture handed to the sensor."},
    {"bytes_received", "counter", "Bytes on the wire of those packets."},
    {"packets_not_decoded", "counter", "Packets the decoder could not read (all reasons)."},
    {"packets_dropped_kernel", "counter", "Packets the kernel dropped for lack of buffer."},
    {"packets_dropped_interface", "counter", "Packets the interface or driver dropped."},
    {"flows_active", "gauge", "Flows being tracked now."},
    {"flows_created", "counter", "Flows started."},
    {"flows_ended", "counter", "Flows ended, for any reason."},
    {"flows_evicted", "counter", "Flows ended early to make room in a full flow table."},
    {"dpi_memory_bytes", "gauge", "Memory held by nDPI."},
    {"dns_cache_entries", "gauge", "Address-to-name entries from DNS answers."},
    {"redis_outages", "counter", "Times Redis became unreachable."},
    {"redis_in_outage", "gauge", "1 while Redis is unreachable."},
    {"redis_pending_cells", "gauge", "Tally cells waiting in memory for Redis."},
    {"spool_backlog_batches", "gauge", "Flush batches not yet acknowledged by Redis."},
    {"flush_latency_microseconds", "gauge", "Time the last successful flush took."},
    {"last_flush_unixtime", "gauge", "When counts last reached Redis (0: never)."},
};

#define NHEALTH (sizeof(health_defs) / sizeof(health_defs[0]))

static void health_values(const struct stats_view *v, uint64_t *out)
{
    struct worker_stats w;
    sum_workers(v, &w);
    uint64_t not_decoded = 0;
    for (int i = 1; i < DECODE_STATUS_COUNT; i++)
        not_decoded += v->dispatch->decode[i];
    const struct store_stats *ss = v->store;
    uint64_t values[NHEALTH] = {
        v->dispatch->packets,
        v->dispatch->bytes,
        not_decoded,
        v->capture->kernel_dropped,
        v->capture->interface_dropped,
        w.flows_active,
        w.flows_created,
        w.flows_ended[FLOW_END_IDLE] + w.flows_ended[FLOW_END_EVICTED] +
            w.flows_ended[FLOW_END_SHUTDOWN],
        w.flows_ended[FLOW_END_EVICTED],
        v->dpi_memory,
        v->dns ? v->dns->entries : 0,
        v->flusher ? v->flusher->outages : 0,
        v->flusher ? v->flusher->in_outage : 0,
        v->flusher ? v->flusher->pending_cells : 0,
        ss ? ss->queued_batches : 0,
        ss ? ss->last_flush_latency_us : 0,
        ss ? ss->last_flush_unix : 0,
    };
    memcpy(out, values, sizeof(values));
}

size_t stats_health(const struct stats_view *v, struct flusher_health *out, size_t max)
{
    uint64_t values[NHEALTH];
    health_values(v, values);
    size_t n = NHEALTH < max ? NHEALTH : max;
    for (size_t i = 0; i < n; i++) {
        snprintf(out[i].name, sizeof(out[i].name), "%s", health_defs[i].name);
        out[i].value = values[i];
    }
    return n;
}

char *stats_prometheus(const struct stats_view *v)
{
    uint64_t values[NHEALTH];
    health_values(v, values);
    /* A label value escapes backslash, double quote and newline. */
    char id[256];
    size_t k = 0;
    for (const char *p = v->sensor_id; *p && k + 2 < sizeof(id); p++) {
        if (*p == '\\' || *p == '"' || *p == '\n') {
            id[k++] = '\\';
            id[k++] = *p == '\n' ? 'n' : *p;
        } else {
            id[k++] = *p;
        }
    }
    id[k] = '\0';
    size_t cap = 8192, len = 0;
    char *text = malloc(cap);
    if (!text)
        return NULL;
    for (size_t i = 0; i < NHEALTH; i++) {
        const struct health_def *d = &health_defs[i];
        const char *suffix = strcmp(d->type, "counter") == 0 ? "_total" : "";
        int n = snprintf(text + len, cap - len,
                         "# HELP shadowtap_%s%s %s\n# TYPE shadowtap_%s%s %s\n"
                         "shadowtap_%s%s{sensor=\"%s\"} %" PRIu64 "\n",
                         d->name, suffix, d->help, d->name, suffix, d->type, d->name, suffix, id,
                         values[i]);
        if (n < 0 || (size_t)n >= cap - len) {
            free(text);
            return NULL;
        }
        len += (size_t)n;
    }
    return text;
}
