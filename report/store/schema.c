/*
 * schema.c - the names of the Redis schema (docs/redis-schema.md).
 *
 * Each word of the schema is spelled once, as a macro below, and both ways
 * of naming a key are made from those macros: the C builders and parsers
 * that the store and the report program call, and the Lua preamble that
 * store.c puts in front of the flush script (store_script.lua) when it loads
 * it.  The preamble defines a local table `schema` whose constants and
 * functions mirror this file's (schema_key_counts() is schema.key_counts(),
 * schema_field_seq is schema.field_seq, ...), so the script spells no key or
 * field name of its own and the two sides cannot drift apart.  The names
 * travel in the script's source rather than in ARGV because they are the
 * same for every call: ARGV, and so the batches spooled to disk, keep the
 * layout documented in docs/redis-schema.md, and loading once per connection
 * costs nothing per batch.
 *
 * The C builders check what they are given (the shape of a date, the length
 * of an id, the '|' of a cell), so a key the report asks for is one the
 * script could have written; the Lua functions only concatenate, since their
 * arguments come from the sensor's own formatting.  Builders copy with
 * memcpy into the caller's buffer: a report names one device key per cell
 * and period part, tens of thousands per report.
 */
#include "schema.h"

#include <stdarg.h>
#include <string.h>

#include "classify.h"
#include "hostname.h"

#define PREFIX "shadowtap:"
#define SEP    ":" /* between the parts of a key */
#define BAR    "|" /* between the parts of a field or cell */

#define DAY        "day"
#define MONTH      "month"
#define GEO        "geo"
#define DEVICES    "devices"
#define FIRST_SEEN "first_seen"
#define LAST_SEEN  "last_seen"
#define SENSOR     "sensor"
#define SENSORS    "sensors"
#define HEALTH     "health"
#define EVENTS     "events"
#define ALERTED    "alerted"
#define UPLOAD     "upload"
#define ASN        "asn"
#define ASSIGNED   "assignments"
#define UNMATCHED  "unmatched"
#define VISIBILITY "visibility"
#define EDNS       "edns"
#define UNKNOWN    "unknown"
#define HOSTS      "hosts"
#define APART      "apart"
#define TENANTS    "tenants"
#define NAMES      "names"
#define NAME       "name"
#define DISTINCT   "distinct"
#define DEPTSOURCE "deptsource"
#define BYTES      "bytes"
#define AISERVERS  "aiservers"

#define SEQ        "seq"
#define LAST_FLUSH "last_flush"
#define UPDATED    "updated"
#define AS         "AS"

#define BYTES_UP     "bytes_up"
#define BYTES_DOWN   "bytes_down"
#define PACKETS_UP   "packets_up"
#define PACKETS_DOWN "packets_down"
#define FLOWS        "flows"
#define REQUESTS     "requests"

/* Shapes of the dates in keys: 'd' a digit, anything else itself. */
#define DAY_SHAPE   "dddd-dd-dd"
#define MONTH_SHAPE "dddd-dd"
#define HOUR_SHAPE  "dddd-dd-ddTdd"

#define LEN(s) (sizeof(s) - 1)

const char schema_key_first_seen[] = PREFIX FIRST_SEEN;
const char schema_key_last_seen[] = PREFIX LAST_SEEN;
const char schema_key_sensors[] = PREFIX SENSORS;
const char schema_key_events[] = PREFIX EVENTS;
const char schema_key_asn[] = PREFIX ASN;
const char schema_key_assignments[] = PREFIX ASSIGNED;

const char schema_field_seq[] = SEQ;
const char schema_field_last_flush[] = LAST_FLUSH;
const char schema_field_updated[] = UPDATED;
const char schema_field_first_seen[] = FIRST_SEEN;
const char schema_field_last_seen[] = LAST_SEEN;

static const char *const span_name[] = {[SCHEMA_DAY] = DAY, [SCHEMA_MONTH] = MONTH};
static const char *const span_shape[] = {[SCHEMA_DAY] = DAY_SHAPE, [SCHEMA_MONTH] = MONTH_SHAPE};

static const char *const counter_name[SCHEMA_COUNTERS] = {
    [SCHEMA_BYTES_UP] = BYTES_UP,     [SCHEMA_BYTES_DOWN] = BYTES_DOWN,
    [SCHEMA_PACKETS_UP] = PACKETS_UP, [SCHEMA_PACKETS_DOWN] = PACKETS_DOWN,
    [SCHEMA_FLOWS] = FLOWS,
};

/* ---- checks ---- */

static bool shaped(const char *s, size_t len, const char *shape)
{
    if (len != strlen(shape))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
            return false;
    }
    return true;
}

static bool span_ok(enum schema_span span)
{
    return span == SCHEMA_DAY || span == SCHEMA_MONTH;
}

static bool sensor_ok(size_t len)
{
    return len > 0 && len <= SCHEMA_SENSOR_ID_MAX;
}

static bool cell_ok(const char *cell)
{
    size_t dept_len;
    return schema_cell_split(cell, strlen(cell), &dept_len);
}

/* Copies the pieces (a NULL-terminated list) into buf: their length, or -1
 * when they do not fit. */
static int join(char *buf, size_t len, ...)
{
    va_list ap;
    va_start(ap, len);
    size_t used = 0;
    const char *piece;
    while ((piece = va_arg(ap, const char *)) != NULL) {
        size_t n = strlen(piece);
        if (n >= len - used) {
            va_end(ap);
            goto fail;
        }
        memcpy(buf + used, piece, n);
        used += n;
    }
    va_end(ap);
    if (used >= len)
        goto fail;
    buf[used] = '\0';
    return (int)used;
fail:
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

static int refuse(char *buf, size_t len)
{
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

/* ---- keys ---- */

int schema_key_counts(char *buf, size_t len, enum schema_span span, const char *date)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]))
        return refuse(buf, len);
    return join(buf, len, PREFIX, span_name[span], SEP, date, NULL);
}

int schema_key_geo(char *buf, size_t len, enum schema_span span, const char *date)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]))
        return refuse(buf, len);
    return join(buf, len, PREFIX GEO SEP, span_name[span], SEP, date, NULL);
}

int schema_key_devices(char *buf, size_t len, enum schema_span span, const char *date,
                       const char *cell)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]) || !cell_ok(cell))
        return refuse(buf, len);
    return join(buf, len, PREFIX DEVICES SEP, span_name[span], SEP, date, SEP, cell, NULL);
}

int schema_key_sensor(char *buf, size_t len, const char *sensor)
{
    if (!sensor_ok(strlen(sensor)))
        return refuse(buf, len);
    return join(buf, len, PREFIX SENSOR SEP, sensor, NULL);
}

int schema_key_sensor_health(char *buf, size_t len, const char *sensor)
{
    if (!sensor_ok(strlen(sensor)))
        return refuse(buf, len);
    return join(buf, len, PREFIX SENSOR SEP, sensor, SEP HEALTH, NULL);
}

int schema_key_month_sensors(char *buf, size_t len, const char *month)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX SENSORS SEP, month, NULL);
}

int schema_key_alerted(char *buf, size_t len, const char *hour, const char *cell)
{
    if (!shaped(hour, strlen(hour), HOUR_SHAPE) || !cell_ok(cell))
        return refuse(buf, len);
    return join(buf, len, PREFIX ALERTED SEP, hour, SEP, cell, NULL);
}

int schema_key_upload(char *buf, size_t len, const char *hour)
{
    if (!shaped(hour, strlen(hour), HOUR_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX UPLOAD SEP, hour, NULL);
}

int schema_key_unmatched(char *buf, size_t len, const char *month)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNMATCHED SEP, month, NULL);
}

/* Department ids and domains in keys: no separator of the schema inside. */
static bool part_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= HOSTNAME_MAX && !strpbrk(s, SEP BAR);
}

int schema_key_visibility(char *buf, size_t len, enum schema_span span, const char *date)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]))
        return refuse(buf, len);
    return join(buf, len, PREFIX VISIBILITY SEP, span_name[span], SEP, date, NULL);
}

int schema_key_edns(char *buf, size_t len, enum schema_span span, const char *date,
                    const char *dept)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]) || !part_ok(dept))
        return refuse(buf, len);
    return join(buf, len, PREFIX EDNS SEP, span_name[span], SEP, date, SEP, dept, NULL);
}

int schema_key_unknown(char *buf, size_t len, const char *month)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNKNOWN SEP, month, NULL);
}

int schema_key_unknown_domain(char *buf, size_t len, const char *month, const char *domain)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(domain))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNKNOWN SEP, month, SEP, domain, NULL);
}

int schema_key_unknown_hosts(char *buf, size_t len, const char *month, const char *domain)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(domain))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNKNOWN SEP HOSTS SEP, month, SEP, domain, NULL);
}

int schema_key_unknown_devices(char *buf, size_t len, const char *month, const char *dept,
                               const char *domain)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(dept) || !part_ok(domain))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNKNOWN SEP DEVICES SEP, month, SEP, dept, BAR, domain, NULL);
}

int schema_key_unknown_apart(char *buf, size_t len, const char *month)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX UNKNOWN SEP APART SEP, month, NULL);
}

/* ---- tenants ---- */

/* "own", "other", "none": the tenant classes of tally.h. */
static bool class_ok(const char *cls)
{
    return strcmp(cls, "own") == 0 || strcmp(cls, "other") == 0 || strcmp(cls, "none") == 0;
}

int schema_key_tenants(char *buf, size_t len, enum schema_span span, const char *date)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP, span_name[span], SEP, date, NULL);
}

int schema_key_tenant_devices(char *buf, size_t len, enum schema_span span, const char *date,
                              const char *cell, const char *cls)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]) || !cell_ok(cell) ||
        !class_ok(cls))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP DEVICES SEP, span_name[span], SEP, date, SEP, cell,
                BAR, cls, NULL);
}

int schema_key_tenant_names(char *buf, size_t len, const char *month, const char *service)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(service))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP NAMES SEP, month, SEP, service, NULL);
}

int schema_key_tenant_name(char *buf, size_t len, const char *month, const char *service,
                           const char *tenant)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(service) || !part_ok(tenant))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP NAME SEP, month, SEP, service, SEP, tenant, NULL);
}

int schema_key_tenant_name_devices(char *buf, size_t len, const char *month, const char *cell,
                                   const char *tenant)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !cell_ok(cell) || !part_ok(tenant))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP NAME SEP DEVICES SEP, month, SEP, cell, SEP, tenant,
                NULL);
}

int schema_key_tenant_distinct(char *buf, size_t len, const char *month, const char *service)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !part_ok(service))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP DISTINCT SEP, month, SEP, service, NULL);
}

int schema_key_tenant_upload(char *buf, size_t len, const char *hour)
{
    if (!shaped(hour, strlen(hour), HOUR_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX TENANTS SEP UPLOAD SEP, hour, NULL);
}

/* ---- where departments came from ---- */

int schema_key_dept_sources(char *buf, size_t len, enum schema_span span, const char *date)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]))
        return refuse(buf, len);
    return join(buf, len, PREFIX DEPTSOURCE SEP, span_name[span], SEP, date, NULL);
}

int schema_key_dept_source_devices(char *buf, size_t len, enum schema_span span, const char *date,
                                   const char *dept, const char *source)
{
    if (!span_ok(span) || !shaped(date, strlen(date), span_shape[span]) || !part_ok(dept) ||
        !part_ok(source))
        return refuse(buf, len);
    return join(buf, len, PREFIX DEPTSOURCE SEP DEVICES SEP, span_name[span], SEP, date, SEP, dept,
                BAR, source, NULL);
}

/* ---- taking keys apart ---- */

/* Consumes word from the front of (*s, *len). */
static bool eat(const char **s, size_t *len, const char *word)
{
    size_t n = strlen(word);
    if (*len < n || memcmp(*s, word, n) != 0)
        return false;
    *s += n;
    *len -= n;
    return true;
}

/* Consumes a date of the given shape into out->when. */
static bool eat_when(const char **s, size_t *len, const char *shape, struct schema_key *out)
{
    size_t n = strlen(shape);
    if (*len < n || !shaped(*s, n, shape))
        return false;
    out->when = *s;
    out->when_len = n;
    *s += n;
    *len -= n;
    return true;
}

/* What follows a date: nothing, or with_cell ":" and a cell. */
static bool end_or_cell(const char *s, size_t len, bool with_cell, struct schema_key *out)
{
    if (!with_cell)
        return len == 0;
    size_t dept_len;
    if (!eat(&s, &len, SEP) || !schema_cell_split(s, len, &dept_len))
        return false;
    out->cell = s;
    out->cell_len = len;
    return true;
}

/* "day:{YYYY-MM-DD}" or "month:{YYYY-MM}", then end_or_cell. */
static bool parse_span(const char *s, size_t len, enum schema_key_kind kind, bool with_cell,
                       struct schema_key *out)
{
    for (int span = SCHEMA_DAY; span <= SCHEMA_MONTH; span++) {
        const char *p = s;
        size_t n = len;
        if (eat(&p, &n, span_name[span]) && eat(&p, &n, SEP) &&
            eat_when(&p, &n, span_shape[span], out) && end_or_cell(p, n, with_cell, out)) {
            out->kind = kind;
            out->span = (enum schema_span)span;
            return true;
        }
    }
    return false;
}

/* "sensor:" consumed: "{id}" or "{id}:health". */
static bool parse_sensor(const char *s, size_t len, struct schema_key *out)
{
    out->kind = SCHEMA_KEY_SENSOR;
    if (len > LEN(SEP HEALTH) &&
        memcmp(s + len - LEN(SEP HEALTH), SEP HEALTH, LEN(SEP HEALTH)) == 0) {
        out->kind = SCHEMA_KEY_SENSOR_HEALTH;
        len -= LEN(SEP HEALTH);
    }
    out->sensor = s;
    out->sensor_len = len;
    return sensor_ok(len);
}

static const struct {
    const char *name;
    enum schema_key_kind kind;
} fixed_keys[] = {
    {FIRST_SEEN, SCHEMA_KEY_FIRST_SEEN},
    {LAST_SEEN, SCHEMA_KEY_LAST_SEEN},
    {SENSORS, SCHEMA_KEY_SENSORS},
    {EVENTS, SCHEMA_KEY_EVENTS},
    {ASN, SCHEMA_KEY_ASN},
    {ASSIGNED, SCHEMA_KEY_ASSIGNMENTS},
};

bool schema_key_parse(const char *key, size_t len, struct schema_key *out)
{
    memset(out, 0, sizeof(*out));
    if (!eat(&key, &len, PREFIX))
        return false;
    for (size_t i = 0; i < sizeof(fixed_keys) / sizeof(fixed_keys[0]); i++) {
        if (len == strlen(fixed_keys[i].name) && memcmp(key, fixed_keys[i].name, len) == 0) {
            out->kind = fixed_keys[i].kind;
            return true;
        }
    }
    if (eat(&key, &len, GEO SEP))
        return parse_span(key, len, SCHEMA_KEY_GEO, false, out);
    if (eat(&key, &len, DEVICES SEP))
        return parse_span(key, len, SCHEMA_KEY_DEVICES, true, out);
    if (eat(&key, &len, SENSOR SEP))
        return parse_sensor(key, len, out);
    if (eat(&key, &len, SENSORS SEP)) {
        out->kind = SCHEMA_KEY_MONTH_SENSORS;
        return eat_when(&key, &len, MONTH_SHAPE, out) && len == 0;
    }
    if (eat(&key, &len, ALERTED SEP)) {
        out->kind = SCHEMA_KEY_ALERTED;
        return eat_when(&key, &len, HOUR_SHAPE, out) && end_or_cell(key, len, true, out);
    }
    if (eat(&key, &len, UPLOAD SEP)) {
        out->kind = SCHEMA_KEY_UPLOAD;
        return eat_when(&key, &len, HOUR_SHAPE, out) && len == 0;
    }
    if (eat(&key, &len, UNMATCHED SEP)) {
        out->kind = SCHEMA_KEY_UNMATCHED;
        return eat_when(&key, &len, MONTH_SHAPE, out) && len == 0;
    }
    return parse_span(key, len, SCHEMA_KEY_COUNTS, false, out);
}

/* ---- fields ---- */

int schema_cell(char *buf, size_t len, const char *dept, const char *service)
{
    size_t a = strlen(dept), b = strlen(service);
    if (a == 0 || a > SCHEMA_ID_MAX || b == 0 || b > SCHEMA_ID_MAX || memchr(dept, '|', a) ||
        memchr(service, '|', b))
        return refuse(buf, len);
    return join(buf, len, dept, BAR, service, NULL);
}

bool schema_cell_split(const char *cell, size_t len, size_t *dept_len)
{
    const char *bar = memchr(cell, BAR[0], len);
    if (!bar)
        return false;
    size_t a = (size_t)(bar - cell), b = len - a - 1;
    if (a == 0 || a > SCHEMA_ID_MAX || b == 0 || b > SCHEMA_ID_MAX || memchr(bar + 1, BAR[0], b))
        return false;
    *dept_len = a;
    return true;
}

const char *schema_counter_name(enum schema_counter counter)
{
    return (int)counter >= 0 && (int)counter < SCHEMA_COUNTERS ? counter_name[counter] : NULL;
}

int schema_counter_parse(const char *name, size_t len)
{
    for (int c = 0; c < SCHEMA_COUNTERS; c++) {
        if (len == strlen(counter_name[c]) && memcmp(name, counter_name[c], len) == 0)
            return c;
    }
    return -1;
}

int schema_field_counter(char *buf, size_t len, const char *cell, enum schema_counter counter)
{
    const char *name = schema_counter_name(counter);
    if (!name || !cell_ok(cell))
        return refuse(buf, len);
    return join(buf, len, cell, BAR, name, NULL);
}

/* The counter after the last '|' of (field, len), and where that '|' is. */
static const char *split_counter(const char *field, size_t len, int *counter)
{
    const char *bar = memrchr(field, BAR[0], len);
    if (!bar)
        return NULL;
    *counter = schema_counter_parse(bar + 1, len - (size_t)(bar - field) - 1);
    return *counter >= 0 ? bar : NULL;
}

bool schema_field_counter_parse(const char *field, size_t len, struct schema_field *out)
{
    int counter;
    const char *bar = split_counter(field, len, &counter);
    if (!bar || !schema_cell_split(field, (size_t)(bar - field), &out->dept_len))
        return false;
    out->cell_len = (size_t)(bar - field);
    out->country = NULL;
    out->counter = (enum schema_counter)counter;
    return true;
}

static bool geo_counter(enum schema_counter c)
{
    return c == SCHEMA_BYTES_UP || c == SCHEMA_BYTES_DOWN;
}

static bool country_ok(const char *cc, size_t len)
{
    return len == 2 && cc[0] >= 'A' && cc[0] <= 'Z' && cc[1] >= 'A' && cc[1] <= 'Z';
}

int schema_field_geo(char *buf, size_t len, const char *cell, const char *country,
                     enum schema_counter counter)
{
    if (!geo_counter(counter) || !country_ok(country, strlen(country)) || !cell_ok(cell))
        return refuse(buf, len);
    return join(buf, len, cell, BAR, country, BAR, counter_name[counter], NULL);
}

bool schema_field_geo_parse(const char *field, size_t len, struct schema_field *out)
{
    int counter;
    const char *bar = split_counter(field, len, &counter);
    if (!bar || !geo_counter((enum schema_counter)counter) || bar - field < 3)
        return false;
    const char *cc = bar - 2;
    if (cc[-1] != BAR[0] || !country_ok(cc, 2))
        return false;
    size_t cell_len = (size_t)(cc - 1 - field);
    if (!schema_cell_split(field, cell_len, &out->dept_len))
        return false;
    out->cell_len = cell_len;
    out->country = cc;
    out->counter = (enum schema_counter)counter;
    return true;
}

int schema_field_asn(char *buf, size_t len, uint32_t asn)
{
    char digits[11];
    size_t n = sizeof(digits) - 1;
    digits[n] = '\0';
    do {
        digits[--n] = (char)('0' + asn % 10);
        asn /= 10;
    } while (asn);
    return join(buf, len, AS, digits + n, NULL);
}

const char *schema_asn_of_service(const char *service)
{
    static const char hosted[] = SERVICE_UNCLASSIFIED SEP;
    return strncmp(service, hosted, LEN(hosted)) == 0 ? service + LEN(hosted) : NULL;
}

int schema_field_visibility(char *buf, size_t len, const char *dept, const char *kind, bool flows)
{
    if (!part_ok(dept) || !part_ok(kind))
        return refuse(buf, len);
    return join(buf, len, dept, BAR, kind, BAR, flows ? FLOWS : BYTES, NULL);
}

bool schema_field_visibility_parse(const char *field, size_t len, size_t *dept_len, size_t *kind_at,
                                   size_t *kind_len, bool *flows)
{
    const char *bar1 = memchr(field, '|', len);
    if (!bar1 || bar1 == field)
        return false;
    const char *rest = bar1 + 1;
    size_t left = len - (size_t)(rest - field);
    const char *bar2 = memchr(rest, '|', left);
    if (!bar2 || bar2 == rest)
        return false;
    const char *what = bar2 + 1;
    size_t wl = len - (size_t)(what - field);
    if (wl == LEN(FLOWS) && memcmp(what, FLOWS, wl) == 0)
        *flows = true;
    else if (wl == LEN(BYTES) && memcmp(what, BYTES, wl) == 0)
        *flows = false;
    else
        return false;
    *dept_len = (size_t)(bar1 - field);
    *kind_at = (size_t)(rest - field);
    *kind_len = (size_t)(bar2 - rest);
    return true;
}

int schema_field_unknown(char *buf, size_t len, const char *dept, enum schema_counter counter)
{
    if (!part_ok(dept) || (unsigned)counter >= SCHEMA_COUNTERS)
        return refuse(buf, len);
    return join(buf, len, dept, BAR, counter_name[counter], NULL);
}

int schema_field_apart(char *buf, size_t len, const char *dept, const char *kind,
                       enum schema_counter counter)
{
    if (!part_ok(dept) || !part_ok(kind) || (unsigned)counter >= SCHEMA_COUNTERS)
        return refuse(buf, len);
    return join(buf, len, dept, BAR, kind, BAR, counter_name[counter], NULL);
}

bool schema_field_unknown_parse(const char *field, size_t len, size_t *dept_len,
                                enum schema_counter *counter)
{
    const char *bar = memchr(field, BAR[0], len);
    if (!bar || bar == field)
        return false;
    size_t rest = len - (size_t)(bar - field) - 1;
    int c = schema_counter_parse(bar + 1, rest);
    if (c < 0)
        return false;
    *dept_len = (size_t)(bar - field);
    *counter = (enum schema_counter)c;
    return true;
}

bool schema_field_apart_parse(const char *field, size_t len, size_t *dept_len, size_t *kind_at,
                              size_t *kind_len, enum schema_counter *counter)
{
    int c;
    const char *last = split_counter(field, len, &c);
    const char *first = memchr(field, BAR[0], len);
    /* Two bars, a department before the first and a kind between them. */
    if (!last || !first || first == field || first + 1 >= last)
        return false;
    *dept_len = (size_t)(first - field);
    *kind_at = *dept_len + 1;
    *kind_len = (size_t)(last - first - 1);
    if (memchr(field + *kind_at, BAR[0], *kind_len))
        return false;
    *counter = (enum schema_counter)c;
    return true;
}

int schema_field_tenant(char *buf, size_t len, const char *cell, const char *cls,
                        enum schema_counter counter)
{
    if (!cell_ok(cell) || !class_ok(cls) || (unsigned)counter >= SCHEMA_COUNTERS)
        return refuse(buf, len);
    return join(buf, len, cell, BAR, cls, BAR, counter_name[counter], NULL);
}

bool schema_field_tenant_parse(const char *field, size_t len, struct schema_field *out,
                               size_t *class_at, size_t *class_len)
{
    int counter;
    const char *last = split_counter(field, len, &counter);
    if (!last)
        return false;
    const char *bar = memrchr(field, BAR[0], (size_t)(last - field));
    if (!bar || !schema_cell_split(field, (size_t)(bar - field), &out->dept_len))
        return false;
    out->cell_len = (size_t)(bar - field);
    out->country = NULL;
    out->counter = (enum schema_counter)counter;
    *class_at = out->cell_len + 1;
    *class_len = (size_t)(last - bar - 1);
    return *class_len > 0;
}

/* ---- model servers inside ---- */

static const char *const ai_counter_name[SCHEMA_AI_COUNTERS] = {
    [SCHEMA_AI_BYTES_UP] = BYTES_UP,
    [SCHEMA_AI_BYTES_DOWN] = BYTES_DOWN,
    [SCHEMA_AI_FLOWS] = FLOWS,
    [SCHEMA_AI_REQUESTS] = REQUESTS,
};

const char *schema_ai_counter_name(enum schema_ai_counter counter)
{
    return (unsigned)counter < SCHEMA_AI_COUNTERS ? ai_counter_name[counter] : NULL;
}

static bool server_ok(const char *s, size_t len)
{
    if (len != SCHEMA_SERVER_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

/* A port in decimal, without leading zeros, into digits (6 bytes). */
static void port_text(uint16_t port, char digits[6])
{
    char tmp[6];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + port % 10);
        port /= 10;
    } while (port);
    for (size_t i = 0; i < n; i++)
        digits[i] = tmp[n - 1 - i];
    digits[n] = '\0';
}

static bool port_parse(const char *s, size_t len, uint16_t *port)
{
    uint32_t v = 0;
    if (len == 0 || len > 5 || s[0] == '0')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

int schema_key_ai_servers(char *buf, size_t len, const char *month)
{
    if (!shaped(month, strlen(month), MONTH_SHAPE))
        return refuse(buf, len);
    return join(buf, len, PREFIX AISERVERS SEP, month, NULL);
}

int schema_key_ai_server_devices(char *buf, size_t len, const char *month, const char *server,
                                 uint16_t port, const char *client_dept)
{
    char digits[6];
    if (!shaped(month, strlen(month), MONTH_SHAPE) || !server_ok(server, strlen(server)) ||
        port == 0 || !part_ok(client_dept))
        return refuse(buf, len);
    port_text(port, digits);
    return join(buf, len, PREFIX AISERVERS SEP DEVICES SEP, month, SEP, server, BAR, digits, BAR,
                client_dept, NULL);
}

int schema_field_ai_server(char *buf, size_t len, const char *server, uint16_t port,
                           const char *api, const char *server_dept, const char *client_dept,
                           enum schema_ai_counter counter)
{
    char digits[6];
    const char *name = schema_ai_counter_name(counter);
    if (!name || !server_ok(server, strlen(server)) || port == 0 || !part_ok(api) ||
        !part_ok(server_dept) || !part_ok(client_dept))
        return refuse(buf, len);
    port_text(port, digits);
    return join(buf, len, server, BAR, digits, BAR, api, BAR, server_dept, BAR, client_dept, BAR,
                name, NULL);
}

bool schema_field_ai_server_parse(const char *field, size_t len, struct schema_ai_field *out)
{
    /* Six parts between five bars, none empty. */
    const char *part[6];
    size_t plen[6], n = 0;
    const char *p = field, *end = field + len;
    while (n < 6) {
        const char *bar = memchr(p, BAR[0], (size_t)(end - p));
        part[n] = p;
        plen[n] = bar ? (size_t)(bar - p) : (size_t)(end - p);
        if (plen[n] == 0 || memchr(part[n], SEP[0], plen[n]))
            return false;
        n++;
        if (!bar)
            break;
        p = bar + 1;
    }
    if (n != 6 || part[5] + plen[5] != end || !server_ok(part[0], plen[0]) ||
        !port_parse(part[1], plen[1], &out->port))
        return false;
    int counter = -1;
    for (int c = 0; c < SCHEMA_AI_COUNTERS; c++) {
        if (plen[5] == strlen(ai_counter_name[c]) &&
            memcmp(part[5], ai_counter_name[c], plen[5]) == 0)
            counter = c;
    }
    if (counter < 0)
        return false;
    out->server = part[0];
    out->api = part[2];
    out->api_len = plen[2];
    out->server_dept = part[3];
    out->server_dept_len = plen[3];
    out->client_dept = part[4];
    out->client_dept_len = plen[4];
    out->counter = (enum schema_ai_counter)counter;
    return true;
}

/* ---- the flush script's names ---- */

static const char lua_preamble[] =
    "-- The Redis schema, generated by report/store/schema.c (docs/redis-schema.md):\n"
    "-- the flush script names every key and field through this table.\n"
    "local schema = {\n"
    "  span_day = '" DAY "', span_month = '" MONTH "',\n"
    "  key_first_seen = '" PREFIX FIRST_SEEN "', key_last_seen = '" PREFIX LAST_SEEN "',\n"
    "  key_sensors = '" PREFIX SENSORS "', key_events = '" PREFIX EVENTS "',\n"
    "  key_asn = '" PREFIX ASN "',\n"
    "  field_seq = '" SEQ "', field_last_flush = '" LAST_FLUSH "',\n"
    "  counter = {" BYTES_UP " = '" BYTES_UP "', " BYTES_DOWN " = '" BYTES_DOWN "',\n"
    "    " PACKETS_UP " = '" PACKETS_UP "', " PACKETS_DOWN " = '" PACKETS_DOWN "',\n"
    "    " FLOWS " = '" FLOWS "'},\n"
    "}\n"
    "function schema.key_counts(span, date) return '" PREFIX "' .. span .. '" SEP "' .. date end\n"
    "function schema.key_geo(span, date) return '" PREFIX GEO SEP "' .. span .. '" SEP
    "' .. date end\n"
    "function schema.key_devices(span, date, cell)\n"
    "  return '" PREFIX DEVICES SEP "' .. span .. '" SEP "' .. date .. '" SEP "' .. cell\n"
    "end\n"
    "function schema.key_sensor(id) return '" PREFIX SENSOR SEP "' .. id end\n"
    "function schema.key_month_sensors(month) return '" PREFIX SENSORS SEP "' .. month end\n"
    "function schema.key_alerted(hour, cell) return '" PREFIX ALERTED SEP "' .. hour .. '" SEP
    "' .. cell end\n"
    "function schema.key_upload(hour) return '" PREFIX UPLOAD SEP "' .. hour end\n"
    "function schema.key_unmatched(month) return '" PREFIX UNMATCHED SEP "' .. month end\n"
    "function schema.key_visibility(span, date)\n"
    "  return '" PREFIX VISIBILITY SEP "' .. span .. '" SEP "' .. date\n"
    "end\n"
    "function schema.key_edns(span, date, dept)\n"
    "  return '" PREFIX EDNS SEP "' .. span .. '" SEP "' .. date .. '" SEP "' .. dept\n"
    "end\n"
    "function schema.key_unknown(month) return '" PREFIX UNKNOWN SEP "' .. month end\n"
    "function schema.key_unknown_domain(month, domain)\n"
    "  return '" PREFIX UNKNOWN SEP "' .. month .. '" SEP "' .. domain\n"
    "end\n"
    "function schema.key_unknown_hosts(month, domain)\n"
    "  return '" PREFIX UNKNOWN SEP HOSTS SEP "' .. month .. '" SEP "' .. domain\n"
    "end\n"
    "function schema.key_unknown_devices(month, dept, domain)\n"
    "  return '" PREFIX UNKNOWN SEP DEVICES SEP "' .. month .. '" SEP "' .. dept .. '" BAR
    "' .. domain\n"
    "end\n"
    "function schema.key_unknown_apart(month) return '" PREFIX UNKNOWN SEP APART SEP
    "' .. month end\n"
    "function schema.key_tenants(span, date)\n"
    "  return '" PREFIX TENANTS SEP "' .. span .. '" SEP "' .. date\n"
    "end\n"
    "function schema.key_tenant_devices(span, date, cell, class)\n"
    "  return '" PREFIX TENANTS SEP DEVICES SEP "' .. span .. '" SEP "' .. date .. '" SEP
    "' .. cell .. '" BAR "' .. class\n"
    "end\n"
    "function schema.key_tenant_names(month, service)\n"
    "  return '" PREFIX TENANTS SEP NAMES SEP "' .. month .. '" SEP "' .. service\n"
    "end\n"
    "function schema.key_tenant_name(month, service, tenant)\n"
    "  return '" PREFIX TENANTS SEP NAME SEP "' .. month .. '" SEP "' .. service .. '" SEP
    "' .. tenant\n"
    "end\n"
    "function schema.key_tenant_name_devices(month, cell, tenant)\n"
    "  return '" PREFIX TENANTS SEP NAME SEP DEVICES SEP "' .. month .. '" SEP "' .. cell .. '" SEP
    "' .. tenant\n"
    "end\n"
    "function schema.key_tenant_distinct(month, service)\n"
    "  return '" PREFIX TENANTS SEP DISTINCT SEP "' .. month .. '" SEP "' .. service\n"
    "end\n"
    "function schema.key_tenant_upload(hour) return '" PREFIX TENANTS SEP UPLOAD SEP
    "' .. hour end\n"
    "function schema.key_dept_sources(span, date)\n"
    "  return '" PREFIX DEPTSOURCE SEP "' .. span .. '" SEP "' .. date\n"
    "end\n"
    "function schema.key_dept_source_devices(span, date, dept, source)\n"
    "  return '" PREFIX DEPTSOURCE SEP DEVICES SEP "' .. span .. '" SEP "' .. date .. '" SEP
    "' .. dept .. '" BAR "' .. source\n"
    "end\n"
    "function schema.field_tenant(cell, class, counter)\n"
    "  return cell .. '" BAR "' .. class .. '" BAR "' .. counter\n"
    "end\n"
    "function schema.field_visibility(dept, kind, what) return dept .. '" BAR "' .. kind .. '" BAR
    "' .. what end\n"
    "function schema.field_unknown(dept, counter) return dept .. '" BAR "' .. counter end\n"
    "function schema.field_apart(dept, kind, counter)\n"
    "  return dept .. '" BAR "' .. kind .. '" BAR "' .. counter\n"
    "end\n"
    "schema.field_first_seen, schema.field_last_seen = '" FIRST_SEEN "', '" LAST_SEEN "'\n"
    "schema.vis_bytes, schema.vis_flows = '" BYTES "', '" FLOWS "'\n"
    "function schema.cell(dept, service) return dept .. '" BAR "' .. service end\n"
    "function schema.field_counter(cell, counter) return cell .. '" BAR "' .. counter end\n"
    "function schema.field_geo(cell, cc, counter)\n"
    "  return cell .. '" BAR "' .. cc .. '" BAR "' .. counter\n"
    "end\n"
    "-- an entry of key_events (docs/events.md)\n"
    "function schema.event_entry(action, dept, service, status, hour, value, sensor, time)\n"
    "  return {'action', action, 'department', dept, 'service', service, 'status', status,\n"
    "          'hour', hour, 'value', value, 'sensor', sensor, 'time', time}\n"
    "end\n"
    "-- the reserved service id, also as 'unclassified:AS<n>'\n"
    "function schema.is_unclassified(service)\n"
    "  local id = '" SERVICE_UNCLASSIFIED "'\n"
    "  return string.sub(service, 1, #id) == id\n"
    "end\n"
    "-- model servers inside\n"
    "function schema.key_ai_servers(month) return '" PREFIX AISERVERS SEP "' .. month end\n"
    "function schema.key_ai_server_devices(month, server, port, dept)\n"
    "  return '" PREFIX AISERVERS SEP DEVICES SEP "' .. month .. '" SEP "' .. server .. '" BAR
    "' .. port .. '" BAR "' .. dept\n"
    "end\n"
    "function schema.field_ai_server(server, port, api, server_dept, client_dept, counter)\n"
    "  return server .. '" BAR "' .. port .. '" BAR "' .. api .. '" BAR "' .. server_dept .. '" BAR
    "' .. client_dept .. '" BAR "' .. counter\n"
    "end\n"
    "schema.ai_counter = {" BYTES_UP " = '" BYTES_UP "', " BYTES_DOWN " = '" BYTES_DOWN "',\n"
    "  " FLOWS " = '" FLOWS "', " REQUESTS " = '" REQUESTS "'}\n";

const char *schema_lua_preamble(void)
{
    return lua_preamble;
}
