/*
 * schema.h - the Redis schema: the one place in the code that spells it.
 *
 * Every key and hash field name that shadowtap writes or reads
 * (docs/redis-schema.md) is built here, and split here where a reader splits
 * it: the sensor's store, the flush script (through schema_lua_preamble()) and
 * every reader of the report program name keys and fields only through this
 * module.
 *
 * Names are made of:
 *   ids    department and service ids of the rules files: at most
 *          SCHEMA_ID_MAX characters, never '|'.  The reserved service id
 *          "unclassified:AS{n}" holds a ':', which splits nothing: a service
 *          id always ends a key, or stands between two '|' of a field, and
 *          the parts before it have fixed lengths;
 *   cells  "{dept}|{service}": one department's use of one service;
 *   dates  "YYYY-MM-DD" (SCHEMA_DAY) or "YYYY-MM" (SCHEMA_MONTH), and hours
 *          "YYYY-MM-DDTHH";
 *   sensor ids, of at most SCHEMA_SENSOR_ID_MAX characters.
 *
 * Builders write a NUL-terminated name into the caller's buffer and return
 * its length, or -1 when an argument is not what the schema allows (a date
 * of the wrong shape, an empty or over-long id, a cell without its '|') or
 * the name does not fit in len; then buf holds "" (when len > 0).
 * SCHEMA_NAME_MAX bytes hold any name they build.  Parsers take a name and
 * its length (no NUL needed), return true when it is one of the schema's,
 * and point into the name they were given.  Nothing here allocates, locks or
 * formats with printf: a reader naming thousands of keys pays a few copies
 * per key.
 */
#ifndef SHADOWTAP_SCHEMA_H
#define SHADOWTAP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCHEMA_ID_MAX        64  /* department and service ids (rules files) */
#define SCHEMA_SENSOR_ID_MAX 127 /* sensor.id */
#define SCHEMA_NAME_MAX      256 /* room for any key or field built here, NUL included */
#define SCHEMA_DATE_MAX      14  /* room for a day, month or hour, NUL included */

/* What a counts, geo or devices key sums over. */
enum schema_span {
    SCHEMA_DAY,   /* date "YYYY-MM-DD" */
    SCHEMA_MONTH, /* date "YYYY-MM" */
};

/* The counters of a cell, in the order the flush script applies them. */
enum schema_counter {
    SCHEMA_BYTES_UP,
    SCHEMA_BYTES_DOWN,
    SCHEMA_PACKETS_UP,
    SCHEMA_PACKETS_DOWN,
    SCHEMA_FLOWS,
    SCHEMA_COUNTERS /* how many */
};

/* ---- keys ---- */

/* Keys without a part of their own. */
extern const char schema_key_first_seen[]; /* hash: {service} and cell -> first second */
extern const char schema_key_last_seen[];  /* hash: the same fields -> last second */
extern const char schema_key_sensors[];    /* set: every sensor id that flushed */
extern const char schema_key_events[];     /* stream: docs/events.md */
extern const char schema_key_asn[];        /* hash: schema_field_asn() -> organisation */
/* Hash of the assignment feed that an organisation's own script keeps
 * (classify/assignments.h): field an address or a MAC, value "DEPARTMENT
 * [UNTIL]".  Read by sensors, never written by shadowtap. */
extern const char schema_key_assignments[];

/* Hash of counter fields (schema_field_counter) of a day or month. */
int schema_key_counts(char *buf, size_t len, enum schema_span span, const char *date);
/* Hash of geo fields (schema_field_geo) of a day or month. */
int schema_key_geo(char *buf, size_t len, enum schema_span span, const char *date);
/* HyperLogLog of the device pseudonyms of one cell in a day or month. */
int schema_key_devices(char *buf, size_t len, enum schema_span span, const char *date,
                       const char *cell);
/* Hash of a sensor's flush state: fields schema_field_seq, schema_field_last_flush. */
int schema_key_sensor(char *buf, size_t len, const char *sensor);
/* Hash of a sensor's health figures, and schema_field_updated. */
int schema_key_sensor_health(char *buf, size_t len, const char *sensor);
/* Set of the sensors that contributed to a month ("YYYY-MM"). */
int schema_key_month_sensors(char *buf, size_t len, const char *month);
/* String marking that a cell's unsanctioned-use event of an hour was raised. */
int schema_key_alerted(char *buf, size_t len, const char *hour, const char *cell);
/* Hash of the bytes uploaded in an hour, by cell. */
int schema_key_upload(char *buf, size_t len, const char *hour);
/* Sorted set of the host names of unclassified flows of a month ("YYYY-MM"):
 * written by sensors before the candidate services below, still read. */
int schema_key_unmatched(char *buf, size_t len, const char *month);

/* Hash of a day's or month's bytes and flows by what named them, per
 * department: fields schema_field_visibility. */
int schema_key_visibility(char *buf, size_t len, enum schema_span span, const char *date);
/* HyperLogLog of the devices of a department that used an encrypted-DNS
 * resolver in a day or month. */
int schema_key_edns(char *buf, size_t len, enum schema_span span, const char *date,
                    const char *dept);
/* The candidate services of a month: a sorted set of registrable domains by
 * their bytes (both directions), the most kept (STORE_UNKNOWN_DOMAINS_MAX). */
int schema_key_unknown(char *buf, size_t len, const char *month);
/* Hash of one candidate domain of a month: fields schema_field_unknown
 * ({dept}|{counter}) and SCHEMA_FIELD_FIRST_SEEN, SCHEMA_FIELD_LAST_SEEN. */
int schema_key_unknown_domain(char *buf, size_t len, const char *month, const char *domain);
/* Sorted set of the host names of a candidate domain by bytes, the most kept. */
int schema_key_unknown_hosts(char *buf, size_t len, const char *month, const char *domain);
/* HyperLogLog of a department's devices that reached a candidate domain. */
int schema_key_unknown_devices(char *buf, size_t len, const char *month, const char *dept,
                               const char *domain);
/* Hash of what unclassified named traffic was counted apart from the
 * candidates, per department and kind: fields schema_field_apart. */
int schema_key_unknown_apart(char *buf, size_t len, const char *month);

/* Tenants (tally.h's classes "own", "other", "none", of services whose host
 * names carry the customer's tenant): a hash of a day's or month's counters
 * by cell and class (fields schema_field_tenant); a HyperLogLog of a cell's
 * devices per class; per month and service, a sorted set of the other
 * tenants' names by bytes (the most kept, STORE_TENANT_NAMES_MAX), a hash per
 * name (fields schema_field_unknown: {dept}|{counter}), a HyperLogLog of its
 * devices per cell, and a HyperLogLog of every other tenant's name; and the
 * bytes uploaded to other tenants in an hour, by cell (events). */
int schema_key_tenants(char *buf, size_t len, enum schema_span span, const char *date);
int schema_key_tenant_devices(char *buf, size_t len, enum schema_span span, const char *date,
                              const char *cell, const char *cls);
int schema_key_tenant_names(char *buf, size_t len, const char *month, const char *service);
int schema_key_tenant_name(char *buf, size_t len, const char *month, const char *service,
                           const char *tenant);
int schema_key_tenant_name_devices(char *buf, size_t len, const char *month, const char *cell,
                                   const char *tenant);
int schema_key_tenant_distinct(char *buf, size_t len, const char *month, const char *service);
int schema_key_tenant_upload(char *buf, size_t len, const char *hour);

/* What gave clients their department (tally.h's sources: "unassigned",
 * "network", "vlan", "dhcp", "assignment"): a hash of a day's or month's
 * bytes and flows per department and source, fields schema_field_apart
 * ({dept}|{source}|{counter}: bytes_up, bytes_down, flows); and a
 * HyperLogLog of the devices of each department and source. */
int schema_key_dept_sources(char *buf, size_t len, enum schema_span span, const char *date);
int schema_key_dept_source_devices(char *buf, size_t len, enum schema_span span, const char *date,
                                   const char *dept, const char *source);

enum schema_key_kind {
    SCHEMA_KEY_COUNTS,
    SCHEMA_KEY_GEO,
    SCHEMA_KEY_DEVICES,
    SCHEMA_KEY_FIRST_SEEN,
    SCHEMA_KEY_LAST_SEEN,
    SCHEMA_KEY_SENSOR,
    SCHEMA_KEY_SENSOR_HEALTH,
    SCHEMA_KEY_SENSORS,
    SCHEMA_KEY_MONTH_SENSORS,
    SCHEMA_KEY_EVENTS,
    SCHEMA_KEY_ALERTED,
    SCHEMA_KEY_UPLOAD,
    SCHEMA_KEY_ASN,
    SCHEMA_KEY_UNMATCHED,
    SCHEMA_KEY_ASSIGNMENTS,
};

/* A key taken apart.  Parts a kind does not have are NULL and 0. */
struct schema_key {
    enum schema_key_kind kind;
    enum schema_span span; /* COUNTS, GEO, DEVICES */
    const char *when;      /* date, month or hour */
    size_t when_len;
    const char *sensor; /* SENSOR, SENSOR_HEALTH */
    size_t sensor_len;
    const char *cell; /* DEVICES, ALERTED */
    size_t cell_len;
};

/* Tells which key of the schema key is, and its parts.  A sensor id ending in
 * ":health" cannot be told from the health key of the id before it: the key
 * is taken for the health key. */
bool schema_key_parse(const char *key, size_t len, struct schema_key *out);

/* ---- fields ---- */

extern const char schema_field_seq[];        /* schema_key_sensor: last batch applied */
extern const char schema_field_last_flush[]; /* schema_key_sensor: unix second of it */
extern const char schema_field_updated[];    /* schema_key_sensor_health: unix second */

/* "{dept}|{service}": a cell.  Also a field of schema_key_upload, and of
 * schema_key_first_seen and schema_key_last_seen, whose other fields are
 * service ids alone. */
int schema_cell(char *buf, size_t len, const char *dept, const char *service);
/* Splits a cell: the department is cell[0, *dept_len), the service follows the
 * '|'.  False for anything but two non-empty ids around one '|'. */
bool schema_cell_split(const char *cell, size_t len, size_t *dept_len);

/* "bytes_up", ...; and back, -1 for a name that is no counter. */
const char *schema_counter_name(enum schema_counter counter);
int schema_counter_parse(const char *name, size_t len);

/* A counter or geo field taken apart. */
struct schema_field {
    size_t dept_len;     /* the department is field[0, dept_len) */
    size_t cell_len;     /* the cell is field[0, cell_len), the service after the '|' */
    const char *country; /* geo fields: the 2 letters of the code (not NUL-terminated) */
    enum schema_counter counter;
};

/* "{cell}|{counter}": a field of schema_key_counts. */
int schema_field_counter(char *buf, size_t len, const char *cell, enum schema_counter counter);
bool schema_field_counter_parse(const char *field, size_t len, struct schema_field *out);

/* "{cell}|{CC}|{counter}": a field of schema_key_geo, CC the destination's
 * ISO 3166 alpha-2 code (two capitals), counter SCHEMA_BYTES_UP or
 * SCHEMA_BYTES_DOWN. */
int schema_field_geo(char *buf, size_t len, const char *cell, const char *country,
                     enum schema_counter counter);
bool schema_field_geo_parse(const char *field, size_t len, struct schema_field *out);

/* "{dept}|{kind}|bytes" or "|flows": a field of schema_key_visibility, kind a
 * name of tally_vis_name(); flows true for the flows field. */
int schema_field_visibility(char *buf, size_t len, const char *dept, const char *kind, bool flows);
/* Takes one apart: the department is field[0, *dept_len), the kind
 * field[*kind_at, *kind_at + *kind_len).  False for anything else. */
bool schema_field_visibility_parse(const char *field, size_t len, size_t *dept_len, size_t *kind_at,
                                   size_t *kind_len, bool *flows);

/* "{dept}|{counter}" (bytes_up, bytes_down, flows): a field of
 * schema_key_unknown_domain; and its first and last second. */
int schema_field_unknown(char *buf, size_t len, const char *dept, enum schema_counter counter);
extern const char schema_field_first_seen[];
extern const char schema_field_last_seen[];
/* Takes a schema_field_unknown field apart: the department is
 * field[0, *dept_len).  False for anything else, the first- and last-seen
 * fields included. */
bool schema_field_unknown_parse(const char *field, size_t len, size_t *dept_len,
                                enum schema_counter *counter);
/* "{dept}|{kind}|{counter}": a field of schema_key_unknown_apart, kind
 * "ip-literal", "special-use", "encrypted-dns", "public-suffix", "overflow" or
 * "trimmed". */
int schema_field_apart(char *buf, size_t len, const char *dept, const char *kind,
                       enum schema_counter counter);
/* Takes one apart: the department is field[0, *dept_len), the kind
 * field[*kind_at, *kind_at + *kind_len) (any kind: the caller tells them
 * apart).  False for anything else. */
bool schema_field_apart_parse(const char *field, size_t len, size_t *dept_len, size_t *kind_at,
                              size_t *kind_len, enum schema_counter *counter);

/* "{cell}|{class}|{counter}" (bytes_up, bytes_down, flows): a field of
 * schema_key_tenants.  The parser fills out's dept_len, cell_len and counter
 * and gives the class as field[*class_at, *class_at + *class_len) (any class:
 * the caller tells them apart). */
int schema_field_tenant(char *buf, size_t len, const char *cell, const char *cls,
                        enum schema_counter counter);
bool schema_field_tenant_parse(const char *field, size_t len, struct schema_field *out,
                               size_t *class_at, size_t *class_len);

/* "AS{n}": a field of schema_key_asn. */
int schema_field_asn(char *buf, size_t len, uint32_t asn);
/* The schema_key_asn field that names the owner of the service id
 * "unclassified:AS{n}": the part after "unclassified:" (pointing into
 * service), or NULL for an id without that start. */
const char *schema_asn_of_service(const char *service);

/* ---- model servers inside ---- */

/* A model server is named by its pseudonym (the keyed hash of its address,
 * as devices are): SCHEMA_SERVER_LEN lower-case hex digits, which the
 * builders below check, so no address can become a name. */
#define SCHEMA_SERVER_LEN 16

/* The counters of a model server's fields. */
enum schema_ai_counter {
    SCHEMA_AI_BYTES_UP,
    SCHEMA_AI_BYTES_DOWN,
    SCHEMA_AI_FLOWS,
    SCHEMA_AI_REQUESTS,
    SCHEMA_AI_COUNTERS /* how many */
};

/* Hash of a month's ("YYYY-MM") flows to model servers inside: fields
 * schema_field_ai_server. */
int schema_key_ai_servers(char *buf, size_t len, const char *month);
/* HyperLogLog of the devices of a client department that reached a model
 * server (its pseudonym and port) in a month. */
int schema_key_ai_server_devices(char *buf, size_t len, const char *month, const char *server,
                                 uint16_t port, const char *client_dept);

/* "bytes_up", "bytes_down", "flows", "requests"; NULL out of range. */
const char *schema_ai_counter_name(enum schema_ai_counter counter);

/* A model server's field taken apart; the parts point into the field. */
struct schema_ai_field {
    const char *server; /* SCHEMA_SERVER_LEN hex digits */
    uint16_t port;
    const char *api;
    size_t api_len;
    const char *server_dept;
    size_t server_dept_len;
    const char *client_dept;
    size_t client_dept_len;
    enum schema_ai_counter counter;
};

/* "{server}|{port}|{api}|{server_dept}|{client_dept}|{counter}": a field of
 * schema_key_ai_servers; port 1-65535 in decimal, api a name of
 * model_api_kind_name() (any text without ':' or '|' is taken). */
int schema_field_ai_server(char *buf, size_t len, const char *server, uint16_t port,
                           const char *api, const char *server_dept, const char *client_dept,
                           enum schema_ai_counter counter);
/* False for anything but such a field. */
bool schema_field_ai_server_parse(const char *field, size_t len, struct schema_ai_field *out);

/* ---- the flush script ---- */

/* Lua source that defines the local table `schema`, which the flush script
 * (report/store/store_script.lua) is appended to: it names every key and
 * field through it, as this header's functions do (schema.key_counts(span,
 * date), schema.field_counter(cell, counter), ...).  A static string. */
const char *schema_lua_preamble(void);

#endif
