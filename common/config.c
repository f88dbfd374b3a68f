/*
 * config.c - the settings table and its parsers.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

enum key_type { T_STRING, T_UINT, T_BOOL, T_SIZE, T_SECONDS };

struct key_def {
    const char *key;
    enum key_type type;
    size_t offset;
    const char *def;
    uint64_t min, max; /* numeric range */
    const char *doc;
};

#define F(field) offsetof(struct sensor_config, field)
#define GB       (1ULL << 30)

static const struct key_def keys[] = {
    {"capture.interface", T_STRING, F(interfaces), "", 0, 0,
     "interfaces to capture on, comma-separated (-i)"},
    {"capture.file", T_STRING, F(read_file), "", 0, 0, "capture file to read instead (-r)"},
    {"capture.filter", T_STRING, F(filter), "", 0, 0, "BPF filter expression (-f)"},
    {"capture.snaplen", T_UINT, F(snaplen), "65535", 64, 262144, "bytes captured per packet"},
    {"capture.buffer_size", T_SIZE, F(buffer_bytes), "64M", 1 << 20, 2 * GB - 1,
     "kernel capture buffer per interface"},
    {"capture.timeout_ms", T_UINT, F(read_timeout_ms), "100", 1, 10000,
     "libpcap read timeout in milliseconds"},
    {"capture.promiscuous", T_BOOL, F(promiscuous), "yes", 0, 1, "promiscuous mode"},
    {"sensor.id", T_STRING, F(sensor_id), "", 0, 0,
     "this sensor's name in Redis and logs (default: host name)"},
    {"sensor.user", T_STRING, F(user), "", 0, 0, "user to switch to once capture is open (-Z)"},
    {"sensor.workers", T_UINT, F(workers), "0", 0, 64, "worker threads, 0 = one per core"},
    {"sensor.ring_size", T_SIZE, F(ring_bytes), "4M", 1 << 16, GB,
     "packet ring between the capture thread and each worker"},
    {"sensor.pidfile", T_STRING, F(pidfile), "", 0, 0,
     "process id file, locked while the sensor runs, removed at exit (--pidfile)"},
    {"sensor.daemon", T_BOOL, F(daemonize), "no", 0, 1,
     "run in the background once capturing, logging to syslog (-D)"},
    {"rules", T_STRING, F(rules_dir), "/etc/shadowtap/rules", 0, 0,
     "folder with services.conf, departments.conf and policy.conf"},
    {"departments.assignments", T_STRING, F(departments_assignments), "", 0, 0,
     "assignment feed: lines ADDRESS-or-MAC DEPARTMENT [UNTIL] (docs/rules.md); read again on "
     "SIGHUP and when it changes"},
    {"output.flow_log", T_STRING, F(flow_log), "", 0, 0,
     "flow log file, '-' for standard output (--flow-log)"},
    {"output.flow_log_device_names", T_BOOL, F(flow_log_device_names), "no", 0, 1,
     "put the names devices give themselves (DHCP host name, NetBIOS, mDNS, LLMNR) in the flow "
     "log; they often name a person"},
    {"output.stats", T_STRING, F(stats_file), "", 0, 0,
     "statistics file, rewritten every interval and at exit (--stats)"},
    {"output.events", T_STRING, F(events_file), "", 0, 0, "events file (--events)"},
    {"output.spool_dir", T_STRING, F(spool_dir), "/var/spool/shadowtap", 0, 0,
     "where unflushed counts are kept while Redis is away (--spool)"},
    {"output.stats_interval", T_SECONDS, F(stats_interval), "60", 1, 86400,
     "how often statistics are logged and written"},
    {"redis.url", T_STRING, F(redis_url), "redis://127.0.0.1:6379", 0, 0,
     "Redis to store counts in (--redis)"},
    {"redis.password", T_STRING, F(redis_password), "", 0, 0,
     "Redis password (keeps it off the command line)"},
    {"redis.connect_timeout_ms", T_UINT, F(redis_connect_timeout_ms), "2000", 10, 600000,
     "connect timeout"},
    {"redis.command_timeout_ms", T_UINT, F(redis_command_timeout_ms), "5000", 10, 600000,
     "command timeout"},
    {"redis.flush_interval", T_SECONDS, F(flush_interval), "10", 1, 3600,
     "how often counts are written to Redis"},
    {"redis.final_flush_timeout", T_SECONDS, F(final_flush_timeout), "10", 0, 3600,
     "at exit, how long to keep trying Redis before spooling"},
    {"redis.retention_days", T_UINT, F(day_retention_days), "400", 0, 100000,
     "days kept for per-day counts, 0 = forever"},
    {"redis.month_retention_days", T_UINT, F(month_retention_days), "1100", 0, 100000,
     "days kept for monthly aggregates after their month, 0 = forever"},
    {"redis.cells_per_batch", T_UINT, F(cells_per_batch), "500", 1, 100000,
     "cells per flush script call"},
    {"redis.max_pending_cells", T_UINT, F(max_pending_cells), "500000", 0, 1ULL << 32,
     "tally cells kept in memory while Redis is away; beyond, the oldest go to the spool "
     "(0 = no cap)"},
    {"events.upload_threshold", T_SIZE, F(upload_threshold), "500M", 0, 1ULL << 50,
     "an upload-spike event when a department uploads this much to one service in an hour "
     "(0 = never)"},
    {"events.other_tenant_threshold", T_SIZE, F(other_tenant_threshold), "100M", 0, 1ULL << 50,
     "an other-tenant-upload event when a department uploads this much in an hour to other "
     "customers' tenants of one sanctioned service (0 = never)"},
    {"events.stream_maxlen", T_UINT, F(stream_maxlen), "100000", 100, 100000000,
     "events kept in the Redis stream shadowtap:events (approximately)"},
    {"flow.max_flows", T_UINT, F(max_flows), "1000000", 16, 1ULL << 30,
     "flows tracked at once (all workers together); the oldest idle are evicted beyond"},
    {"flow.tcp_timeout", T_SECONDS, F(tcp_timeout), "300", 1, 86400,
     "idle timeout of an established TCP flow"},
    {"flow.tcp_closing_timeout", T_SECONDS, F(tcp_closing_timeout), "15", 1, 86400,
     "idle timeout after FIN or RST"},
    {"flow.udp_timeout", T_SECONDS, F(udp_timeout), "60", 1, 86400, "idle timeout of UDP flows"},
    {"flow.other_timeout", T_SECONDS, F(other_timeout), "30", 1, 86400,
     "idle timeout of other flows (ICMP, ESP, ...)"},
    {"dpi.max_packets", T_UINT, F(dpi_max_packets), "32", 1, 10000,
     "packets of a flow given to nDPI before it must decide"},
    {"dpi.max_bytes", T_SIZE, F(dpi_max_bytes), "256K", 1024, GB,
     "bytes of a flow given to nDPI before it must decide"},
    {"dpi.memory_cap", T_SIZE, F(dpi_memory_cap), "512M", 0, 64 * GB,
     "memory nDPI may hold; new flows get no DPI beyond it (0 = no cap)"},
    {"dns.max_entries", T_UINT, F(dns_max_entries), "200000", 16, 100000000,
     "address-to-name entries kept from DNS answers"},
    {"dns.min_ttl", T_SECONDS, F(dns_min_ttl), "300", 0, 86400,
     "answers with a shorter TTL are kept this long"},
    {"dns.grace", T_SECONDS, F(dns_grace), "600", 0, 86400,
     "time an answer is kept beyond its TTL"},
    {"dhcp.max_leases", T_UINT, F(dhcp_max_leases), "16384", 0, 10000000,
     "DHCP and DHCPv6 leases kept in memory (about 340 bytes each, allocated at start), for "
     "the departments of DHCP rules (0 = DHCP not read)"},
    {"dhcp.lease_time", T_SECONDS, F(dhcp_lease_time), "86400", 60, 2592000,
     "how long a lease whose message gives no lease time lasts"},
    {"privacy.key_file", T_STRING, F(device_key_file), "/var/lib/shadowtap/device.key", 0, 0,
     "secret key for device pseudonyms (created, mode 0600, if missing)"},
    {"geoip.country_db", T_STRING, F(geoip_country_db), "", 0, 0,
     "MaxMind-format country database (GeoLite2/GeoIP2 Country or City); absent is allowed"},
    {"geoip.asn_db", T_STRING, F(geoip_asn_db), "", 0, 0,
     "MaxMind-format ASN database (GeoLite2-ASN); absent is allowed"},
    {"privacy.min_devices", T_UINT, F(min_devices), "0", 0, 1000000,
     "reports show cells used by fewer devices as \"fewer than k\" (0 = off)"},
    {"metrics.listen", T_STRING, F(metrics_listen), "", 0, 0,
     "serve Prometheus metrics on this loopback HOST:PORT, e.g. 127.0.0.1:9560 (off if empty)"},
    {"log.level", T_STRING, F(log_level), "info", 0, 0, "error, warning, info or debug"},
    {"log.syslog", T_BOOL, F(log_syslog), "no", 0, 1, "log to syslog instead of stderr"},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key_def *find_key(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].key, key) == 0)
            return &keys[i];
    }
    return NULL;
}

static int set_value(struct sensor_config *cfg, const struct key_def *k, const char *value,
                     const char *file, int line, struct diag *d)
{
    char *base = (char *)cfg;
    unsigned long long v = 0;
    int b;
    switch (k->type) {
    case T_STRING: {
        char **field = (char **)(base + k->offset);
        char *copy = strdup(value);
        if (!copy) {
            diag_error(d, file, line, "out of memory");
            return -1;
        }
        free(*field);
        *field = copy;
        return 0;
    }
    case T_BOOL:
        if (conf_parse_bool(value, &b) != 0) {
            diag_error(d, file, line, "%s: \"%s\" is not yes or no", k->key, value);
            return -1;
        }
        *(int *)(base + k->offset) = b;
        return 0;
    case T_UINT:
        if (conf_parse_uint(value, ~0ULL, &v) != 0) {
            diag_error(d, file, line, "%s: \"%s\" is not a whole number", k->key, value);
            return -1;
        }
        break;
    case T_SIZE:
        if (conf_parse_size(value, &v) != 0) {
            diag_error(d, file, line, "%s: \"%s\" is not a size (like 512K, 64M or 2G)", k->key,
                       value);
            return -1;
        }
        break;
    case T_SECONDS:
        if (conf_parse_duration(value, &v) != 0) {
            diag_error(d, file, line, "%s: \"%s\" is not a duration (like 30, 30s, 5m, 2h, 7d)",
                       k->key, value);
            return -1;
        }
        break;
    }
    if (v < k->min || v > k->max) {
        diag_error(d, file, line, "%s: %llu is out of range (%llu to %llu)", k->key, v,
                   (unsigned long long)k->min, (unsigned long long)k->max);
        return -1;
    }
    *(uint64_t *)(base + k->offset) = v;
    return 0;
}

void config_init(struct sensor_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    struct diag d;
    diag_init(&d);
    for (size_t i = 0; i < NKEYS; i++)
        set_value(cfg, &keys[i], keys[i].def, "defaults", 0, &d);
    if (d.errors) /* a bad default is a bug in the table */
        diag_print(&d, stderr);
    diag_free(&d);
}

void config_free(struct sensor_config *cfg)
{
    char *base = (char *)cfg;
    for (size_t i = 0; i < NKEYS; i++) {
        if (keys[i].type == T_STRING) {
            char **field = (char **)(base + keys[i].offset);
            free(*field);
            *field = NULL;
        }
    }
}

int config_set(struct sensor_config *cfg, const char *key, const char *value, const char *file,
               int line, struct diag *d)
{
    const struct key_def *k = find_key(key);
    if (!k) {
        diag_error(d, file, line, "unknown setting \"%s\" (see docs/configuration.md)", key);
        return -1;
    }
    return set_value(cfg, k, value, file, line, d);
}

static void on_entry(void *ctx, const struct conf_entry *e, struct diag *d)
{
    if (!e->key)
        return; /* a section only prefixes the keys that follow */
    char full[256];
    if (e->section[0])
        snprintf(full, sizeof(full), "%s.%s", e->section, e->key);
    else
        snprintf(full, sizeof(full), "%s", e->key);
    config_set(ctx, full, e->value, e->file, e->line, d);
}

int config_load_file(struct sensor_config *cfg, const char *path, struct diag *d)
{
    size_t before = d->errors;
    conf_parse_file(path, on_entry, cfg, d);
    return d->errors == before ? 0 : -1;
}

int config_load_buffer(struct sensor_config *cfg, const char *name, const char *buf, size_t len,
                       struct diag *d)
{
    size_t before = d->errors;
    conf_parse_buffer(name, buf, len, on_entry, cfg, d);
    return d->errors == before ? 0 : -1;
}

int config_check(const struct sensor_config *cfg, struct diag *d)
{
    size_t before = d->errors;
    bool live = cfg->interfaces && *cfg->interfaces;
    bool file = cfg->read_file && *cfg->read_file;
    if (live && file)
        diag_error(d, "command line", 0, "give either an interface (-i) or a file (-r), not both");
    if (cfg->daemonize && cfg->flow_log && strcmp(cfg->flow_log, "-") == 0)
        diag_error(d, "configuration", 0,
                   "output.flow_log \"-\" (standard output) cannot be used with sensor.daemon "
                   "(-D): a daemon's output goes to /dev/null; give a file");
    if (cfg->log_level && *cfg->log_level) {
        enum log_level lv;
        if (!log_level_parse(cfg->log_level, &lv))
            diag_error(d, "configuration", 0,
                       "log.level \"%s\" is not error, warning, info or debug", cfg->log_level);
    }
    return d->errors == before ? 0 : -1;
}

void config_print_keys(FILE *out)
{
    for (size_t i = 0; i < NKEYS; i++)
        fprintf(out, "  %-28s %-22s %s\n", keys[i].key, keys[i].def[0] ? keys[i].def : "(none)",
                keys[i].doc);
}
