/*
 * config.h - shadowtap's settings: defaults, configuration file, command line.
 *
 * One file configures both programs: the sensor and the report program read
 * the keys they use (the report: redis.*, rules, privacy.*) and accept the rest.
 *
 * Every setting has a dotted key ("flow.max_flows"), a type, a default and a
 * line of documentation in one table (config.c), which drives the file parser,
 * the generic command-line form (--set key=value), --help and the checks.  The
 * file (-c) uses the shared text format (classify/conf.h): "key = value" lines,
 * where "[flow]" followed by "max_flows = 1000" is the same as
 * "flow.max_flows = 1000".  The command line wins over the file, and the file
 * over the defaults.  Reference: docs/configuration.md.
 */
#ifndef SHADOWTAP_CONFIG_H
#define SHADOWTAP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

struct sensor_config {
    /* capture */
    char *interfaces;        /* capture.interface, comma-separated */
    char *read_file;         /* capture.file */
    char *filter;            /* capture.filter */
    uint64_t snaplen;
    uint64_t buffer_bytes;
    uint64_t read_timeout_ms;
    int promiscuous;
    /* identity, privileges, process */
    char *sensor_id;         /* sensor.id, default: the host name */
    char *user;              /* sensor.user (-Z) */
    uint64_t workers;        /* sensor.workers, 0 = one per core */
    uint64_t ring_bytes;     /* sensor.ring_size */
    char *pidfile;
    int daemonize;
    /* rules and outputs */
    char *rules_dir;
    char *departments_assignments; /* the assignment feed file, "" for none */
    char *flow_log;
    int flow_log_device_names; /* self-given device names in the flow log */
    char *stats_file;
    char *events_file;
    char *spool_dir;
    uint64_t stats_interval;
    /* Redis */
    char *redis_url;
    char *redis_password;
    uint64_t redis_connect_timeout_ms, redis_command_timeout_ms;
    uint64_t flush_interval;
    uint64_t final_flush_timeout;
    uint64_t day_retention_days, month_retention_days;
    uint64_t cells_per_batch;
    uint64_t max_pending_cells;
    /* events */
    uint64_t upload_threshold, other_tenant_threshold, stream_maxlen;
    /* flows */
    uint64_t max_flows;
    uint64_t tcp_timeout, tcp_closing_timeout, udp_timeout, other_timeout;
    /* DPI */
    uint64_t dpi_max_packets, dpi_max_bytes, dpi_memory_cap;
    /* DNS correlation */
    uint64_t dns_max_entries, dns_min_ttl, dns_grace;
    uint64_t dhcp_max_leases, dhcp_lease_time;
    /* privacy and GeoIP */
    char *device_key_file;
    char *geoip_country_db, *geoip_asn_db;
    uint64_t min_devices;
    /* health */
    char *metrics_listen;
    /* logging */
    char *log_level;
    int log_syslog;
};

/* Fills cfg with the defaults (strings are allocated). */
void config_init(struct sensor_config *cfg);
void config_free(struct sensor_config *cfg);

/* Sets one key from text.  file/line name the source for messages ("command
 * line", 0 for the command line).  Returns 0, or -1 with the error in d. */
int config_set(struct sensor_config *cfg, const char *key, const char *value, const char *file,
               int line, struct diag *d);
/* Reads a configuration file.  Returns 0, or -1 if it had any error (in d). */
int config_load_file(struct sensor_config *cfg, const char *path, struct diag *d);
/* Same from a buffer (need not be NUL-terminated; tests and fuzzing); name is
 * used in messages. */
int config_load_buffer(struct sensor_config *cfg, const char *name, const char *buf, size_t len,
                       struct diag *d);
/* Checks what only makes sense with all settings known.  Returns -1 on error. */
int config_check(const struct sensor_config *cfg, struct diag *d);

/* Writes "  key  (default)  documentation" lines for --help. */
void config_print_keys(FILE *out);

#endif
