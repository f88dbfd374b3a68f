/*
 * fuzz_config.c - the configuration file: settings table, value parsers with
 * their ranges, the checks run once all settings are known, and the Redis URL
 * as --check-config reads it.
 *
 * Input: a configuration file.  The same bytes are also given, line by line, to
 * config_set as "key=value" command-line settings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "redis_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_strings(const struct sensor_config *cfg)
{
    const char *const s[] = {
        cfg->interfaces,     cfg->read_file,       cfg->filter,           cfg->sensor_id,
        cfg->user,           cfg->pidfile,         cfg->rules_dir,        cfg->flow_log,
        cfg->stats_file,     cfg->events_file,     cfg->spool_dir,        cfg->redis_url,
        cfg->redis_password, cfg->device_key_file, cfg->geoip_country_db, cfg->geoip_asn_db,
        cfg->log_level};
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        if (!s[i])
            abort();
        (void)strlen(s[i]);
    }
}

/* Each line as a --set key=value. */
static void set_lines(struct sensor_config *cfg, const char *buf, size_t len, struct diag *d)
{
    size_t pos = 0;
    int line = 0;
    while (pos < len && line < 64) {
        const char *s = buf + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        char *text = strndup(s, n);
        if (!text)
            return;
        char *eq = strchr(text, '=');
        if (eq) {
            *eq = '\0';
            config_set(cfg, text, eq + 1, "command line", 0, d);
        }
        free(text);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);

    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    int rc = config_load_buffer(&cfg, "shadowtap.conf", buf, size, &d);
    if ((rc == 0) != (d.errors == 0))
        abort();
    check_strings(&cfg);
    config_check(&cfg, &d);
    struct redis_target t;
    char err[512];
    if (redis_target_parse(cfg.redis_url, &t, err, sizeof(err)) == 0) {
        char desc[512];
        redis_target_describe(&t, desc, sizeof(desc));
    } else if (strnlen(err, sizeof(err)) == sizeof(err)) {
        abort();
    }
    set_lines(&cfg, buf, size, &d);
    check_strings(&cfg);
    config_check(&cfg, &d);
    diag_free(&d);
    config_free(&cfg);
    free(buf);
    return 0;
}
