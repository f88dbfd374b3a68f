/*
 * test_config.c - the settings: defaults, each type with its range checks,
 * sections of the file as dotted keys, unknown keys reported at file:line,
 * and the command line winning over the file.
 */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "test.h"

static void dump(const struct diag *d)
{
    for (size_t i = 0; i < d->kept; i++)
        fprintf(stderr, "    diag: %s\n", d->messages[i]);
}

static int has_error(const struct diag *d, const char *prefix, const char *part)
{
    for (size_t i = 0; i < d->kept; i++) {
        if (strncmp(d->messages[i], prefix, strlen(prefix)) == 0 &&
            strstr(d->messages[i], part))
            return 1;
    }
    return 0;
}

#define CHECK_ERROR(d, prefix, part)                                                              \
    do {                                                                                          \
        CHECK(has_error(d, prefix, part));                                                        \
        if (!has_error(d, prefix, part)) {                                                        \
            fprintf(stderr, "    wanted \"%s ...%s...\" among:\n", prefix, part);                 \
            dump(d);                                                                              \
        }                                                                                         \
    } while (0)

/* Writes text to a temporary file; the caller unlinks path. */
static void write_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

TEST(defaults)
{
    struct sensor_config cfg;
    config_init(&cfg);
    CHECK_STR(cfg.interfaces, "");
    CHECK_STR(cfg.read_file, "");
    CHECK_INT(cfg.snaplen, 65535);
    CHECK_INT(cfg.buffer_bytes, 64ULL << 20);
    CHECK_INT(cfg.read_timeout_ms, 100);
    CHECK_INT(cfg.promiscuous, 1);
    CHECK_INT(cfg.workers, 0);
    CHECK_INT(cfg.ring_bytes, 4ULL << 20);
    CHECK_INT(cfg.daemonize, 0);
    CHECK_STR(cfg.rules_dir, "/etc/shadowtap/rules");
    CHECK_STR(cfg.redis_url, "redis://127.0.0.1:6379");
    CHECK_STR(cfg.redis_password, "");
    CHECK_INT(cfg.redis_connect_timeout_ms, 2000);
    CHECK_INT(cfg.redis_command_timeout_ms, 5000);
    CHECK_INT(cfg.flush_interval, 10);
    CHECK_INT(cfg.day_retention_days, 400);
    CHECK_INT(cfg.max_flows, 1000000);
    CHECK_INT(cfg.tcp_timeout, 300);
    CHECK_INT(cfg.tcp_closing_timeout, 15);
    CHECK_INT(cfg.udp_timeout, 60);
    CHECK_INT(cfg.other_timeout, 30);
    CHECK_INT(cfg.dpi_max_bytes, 256 * 1024);
    CHECK_INT(cfg.dpi_memory_cap, 512ULL << 20);
    CHECK_INT(cfg.dns_max_entries, 200000);
    CHECK_INT(cfg.dns_grace, 600);
    CHECK_STR(cfg.device_key_file, "/var/lib/shadowtap/device.key");
    CHECK_INT(cfg.min_devices, 0);
    CHECK_STR(cfg.log_level, "info");
    CHECK_INT(cfg.log_syslog, 0);
    struct diag d;
    diag_init(&d);
    CHECK_INT(config_check(&cfg, &d), 0);
    CHECK_INT(d.errors, 0);
    diag_free(&d);
    config_free(&cfg);
    /* free twice is harmless: the strings are reset */
    config_free(&cfg);
    CHECK(cfg.redis_url == NULL);
}

static int set(struct sensor_config *cfg, const char *key, const char *value, struct diag *d)
{
    return config_set(cfg, key, value, "command line", 0, d);
}

TEST(every_type)
{
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);

    /* strings */
    CHECK_INT(set(&cfg, "capture.interface", "eth1,eth2", &d), 0);
    CHECK_STR(cfg.interfaces, "eth1,eth2");
    CHECK_INT(set(&cfg, "capture.interface", "", &d), 0);
    CHECK_STR(cfg.interfaces, "");

    /* uint: range ends, just outside, garbage */
    CHECK_INT(set(&cfg, "sensor.workers", "64", &d), 0);
    CHECK_INT(cfg.workers, 64);
    CHECK_INT(set(&cfg, "sensor.workers", "0", &d), 0);
    CHECK_INT(cfg.workers, 0);
    CHECK_INT(set(&cfg, "sensor.workers", "65", &d), -1);
    CHECK_ERROR(&d, "command line: ", "sensor.workers: 65 is out of range (0 to 64)");
    CHECK_INT(cfg.workers, 0); /* unchanged */
    CHECK_INT(set(&cfg, "capture.snaplen", "63", &d), -1);
    CHECK_ERROR(&d, "command line: ", "capture.snaplen: 63 is out of range (64 to 262144)");
    CHECK_INT(set(&cfg, "capture.snaplen", "262144", &d), 0);
    CHECK_INT(cfg.snaplen, 262144);
    CHECK_INT(set(&cfg, "flow.max_flows", "1073741824", &d), 0);
    CHECK_INT(set(&cfg, "flow.max_flows", "1073741825", &d), -1);
    CHECK_INT(set(&cfg, "flow.max_flows", "-1", &d), -1);
    CHECK_ERROR(&d, "command line: ", "flow.max_flows: \"-1\" is not a whole number");
    CHECK_INT(set(&cfg, "flow.max_flows", "1e6", &d), -1);
    CHECK_INT(set(&cfg, "flow.max_flows", "99999999999999999999999", &d), -1);
    CHECK_INT(set(&cfg, "flow.max_flows", "", &d), -1);
    CHECK_INT(cfg.max_flows, 1073741824);

    /* sizes: suffixes, range */
    CHECK_INT(set(&cfg, "capture.buffer_size", "1M", &d), 0);
    CHECK_INT(cfg.buffer_bytes, 1 << 20);
    CHECK_INT(set(&cfg, "capture.buffer_size", "1048575", &d), -1);
    CHECK_ERROR(&d, "command line: ", "capture.buffer_size: 1048575 is out of range");
    CHECK_INT(set(&cfg, "capture.buffer_size", "2G", &d), -1); /* max is 2G - 1 */
    CHECK_INT(set(&cfg, "capture.buffer_size", "2047M", &d), 0);
    CHECK_INT(cfg.buffer_bytes, 2047ULL << 20);
    CHECK_INT(set(&cfg, "sensor.ring_size", "64k", &d), 0);
    CHECK_INT(cfg.ring_bytes, 65536);
    CHECK_INT(set(&cfg, "sensor.ring_size", "1G", &d), 0);
    CHECK_INT(set(&cfg, "sensor.ring_size", "1025M", &d), -1);
    CHECK_INT(set(&cfg, "dpi.memory_cap", "0", &d), 0);
    CHECK_INT(cfg.dpi_memory_cap, 0);
    CHECK_INT(set(&cfg, "dpi.max_bytes", "12 K", &d), -1);
    CHECK_ERROR(&d, "command line: ", "dpi.max_bytes: \"12 K\" is not a size (like 512K, 64M or 2G)");
    CHECK_INT(set(&cfg, "dpi.max_bytes", "1T", &d), -1);

    /* durations */
    CHECK_INT(set(&cfg, "flow.tcp_timeout", "5m", &d), 0);
    CHECK_INT(cfg.tcp_timeout, 300);
    CHECK_INT(set(&cfg, "flow.tcp_timeout", "1d", &d), 0);
    CHECK_INT(cfg.tcp_timeout, 86400);
    CHECK_INT(set(&cfg, "flow.tcp_timeout", "2d", &d), -1);
    CHECK_INT(set(&cfg, "flow.tcp_timeout", "0", &d), -1);
    CHECK_INT(set(&cfg, "flow.tcp_timeout", "90s", &d), 0);
    CHECK_INT(cfg.tcp_timeout, 90);
    CHECK_INT(set(&cfg, "redis.flush_interval", "1h", &d), 0);
    CHECK_INT(cfg.flush_interval, 3600);
    CHECK_INT(set(&cfg, "redis.flush_interval", "61m", &d), -1);
    CHECK_INT(set(&cfg, "redis.final_flush_timeout", "0", &d), 0);
    CHECK_INT(set(&cfg, "dns.grace", "10 minutes", &d), -1);
    CHECK_ERROR(&d, "command line: ", "dns.grace: \"10 minutes\" is not a duration");

    /* booleans */
    CHECK_INT(set(&cfg, "capture.promiscuous", "off", &d), 0);
    CHECK_INT(cfg.promiscuous, 0);
    CHECK_INT(set(&cfg, "capture.promiscuous", "YES", &d), 0);
    CHECK_INT(cfg.promiscuous, 1);
    CHECK_INT(set(&cfg, "log.syslog", "1", &d), 0);
    CHECK_INT(cfg.log_syslog, 1);
    CHECK_INT(set(&cfg, "log.syslog", "maybe", &d), -1);
    CHECK_ERROR(&d, "command line: ", "log.syslog: \"maybe\" is not yes or no");
    CHECK_INT(cfg.log_syslog, 1);

    /* unknown keys */
    CHECK_INT(set(&cfg, "flow.max_flow", "10", &d), -1);
    CHECK_ERROR(&d, "command line: ", "unknown setting \"flow.max_flow\"");
    CHECK_INT(set(&cfg, "max_flows", "10", &d), -1);
    CHECK_INT(set(&cfg, "", "10", &d), -1);
    diag_free(&d);
    config_free(&cfg);
}

TEST(file_sections_are_dotted_keys)
{
    char path[] = "/tmp/test_config_XXXXXX";
    write_file(path, "# sensor settings\n"
                     "rules = /srv/rules\n"
                     "\n"
                     "[capture]\n"
                     "interface = eth3\n"
                     "buffer_size = 128M\n"
                     "promiscuous = no\n"
                     "\n"
                     "[flow]\n"
                     "max_flows = 50000   # a small box\n"
                     "udp_timeout = 2m\n"
                     "\n"
                     "[redis]\n"
                     "url = \"redis://:s3cr#t@db.example:6380/2\"\n"
                     "flush_interval = 30s\n");
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    CHECK_INT(config_load_file(&cfg, path, &d), 0);
    CHECK_INT(d.errors, 0);
    dump(&d);
    CHECK_STR(cfg.rules_dir, "/srv/rules");
    CHECK_STR(cfg.interfaces, "eth3");
    CHECK_INT(cfg.buffer_bytes, 128ULL << 20);
    CHECK_INT(cfg.promiscuous, 0);
    CHECK_INT(cfg.max_flows, 50000);
    CHECK_INT(cfg.udp_timeout, 120);
    CHECK_STR(cfg.redis_url, "redis://:s3cr#t@db.example:6380/2");
    CHECK_INT(cfg.flush_interval, 30);
    /* untouched keys keep their defaults */
    CHECK_INT(cfg.tcp_timeout, 300);
    CHECK_STR(cfg.log_level, "info");
    diag_free(&d);
    config_free(&cfg);
    unlink(path);
}

TEST(file_errors_at_their_lines)
{
    char path[] = "/tmp/test_config_XXXXXX";
    write_file(path, "[flow]\n"                  /* 1 */
                     "max_flows = 100\n"         /* 2 */
                     "max_flow = 100\n"          /* 3: unknown */
                     "[capture]\n"               /* 4 */
                     "snaplen = 10\n"            /* 5: out of range */
                     "promiscuous = sometimes\n" /* 6 */
                     "[nonsense]\n"              /* 7 */
                     "key = 1\n"                 /* 8: unknown nonsense.key */
                     "garbage line\n"            /* 9: syntax */
                     "[sensor]\n"                /* 10 */
                     "workers = 4\n");           /* 11: fine, after the errors */
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    CHECK_INT(config_load_file(&cfg, path, &d), -1);
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "%s:3: ", path);
    CHECK_ERROR(&d, prefix, "unknown setting \"flow.max_flow\"");
    snprintf(prefix, sizeof(prefix), "%s:5: ", path);
    CHECK_ERROR(&d, prefix, "capture.snaplen: 10 is out of range");
    snprintf(prefix, sizeof(prefix), "%s:6: ", path);
    CHECK_ERROR(&d, prefix, "capture.promiscuous: \"sometimes\" is not yes or no");
    snprintf(prefix, sizeof(prefix), "%s:8: ", path);
    CHECK_ERROR(&d, prefix, "unknown setting \"nonsense.key\"");
    snprintf(prefix, sizeof(prefix), "%s:9: ", path);
    CHECK_ERROR(&d, prefix, "expected \"key = value\"");
    CHECK_INT(d.errors, 5);
    CHECK_INT(cfg.max_flows, 100);
    CHECK_INT(cfg.workers, 4);
    CHECK_INT(cfg.snaplen, 65535);
    diag_free(&d);
    config_free(&cfg);
    unlink(path);

    /* a file that cannot be read */
    config_init(&cfg);
    diag_init(&d);
    CHECK_INT(config_load_file(&cfg, "/nonexistent/shadowtap.conf", &d), -1);
    CHECK_ERROR(&d, "/nonexistent/shadowtap.conf: ", "cannot open");
    diag_free(&d);
    config_free(&cfg);
}

TEST(command_line_wins_over_the_file)
{
    char path[] = "/tmp/test_config_XXXXXX";
    write_file(path, "[flow]\nmax_flows = 50000\ntcp_timeout = 10m\n[redis]\nurl = redis://file\n");
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    /* the order sensor/main.c uses: defaults, file, then --set and options */
    CHECK_INT(config_load_file(&cfg, path, &d), 0);
    CHECK_INT(config_set(&cfg, "flow.max_flows", "70000", "command line", 0, &d), 0);
    CHECK_INT(config_set(&cfg, "redis.url", "redis://cli:7000", "command line", 0, &d), 0);
    CHECK_INT(d.errors, 0);
    CHECK_INT(cfg.max_flows, 70000);
    CHECK_STR(cfg.redis_url, "redis://cli:7000");
    CHECK_INT(cfg.tcp_timeout, 600); /* from the file, not overridden */
    CHECK_INT(cfg.udp_timeout, 60);  /* the default, in neither */
    /* a bad command-line value leaves the file's */
    CHECK_INT(config_set(&cfg, "flow.tcp_timeout", "forever", "command line", 0, &d), -1);
    CHECK_INT(cfg.tcp_timeout, 600);
    CHECK_ERROR(&d, "command line: ", "flow.tcp_timeout");
    diag_free(&d);
    config_free(&cfg);
    unlink(path);
}

TEST(checks_across_settings)
{
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    set(&cfg, "capture.interface", "eth0", &d);
    set(&cfg, "capture.file", "x.pcap", &d);
    CHECK_INT(config_check(&cfg, &d), -1);
    CHECK_ERROR(&d, "command line: ", "either an interface (-i) or a file (-r), not both");
    diag_free(&d);
    diag_init(&d);
    set(&cfg, "capture.file", "", &d);
    set(&cfg, "log.level", "verbose", &d);
    CHECK_INT(config_check(&cfg, &d), -1);
    CHECK_ERROR(&d, "configuration: ", "log.level \"verbose\" is not error, warning, info or debug");
    diag_free(&d);
    diag_init(&d);
    set(&cfg, "log.level", "debug", &d);
    CHECK_INT(config_check(&cfg, &d), 0);
    diag_free(&d);
    config_free(&cfg);
}

TEST(help_lists_every_key)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    config_print_keys(f);
    fclose(f);
    CHECK(text != NULL);
    if (!text)
        return;
    static const char *const keys[] = {"capture.interface", "capture.snaplen", "flow.max_flows",
                                       "redis.url", "dns.grace", "privacy.min_devices",
                                       "log.level", "rules"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        CHECK(strstr(text, keys[i]) != NULL);
    CHECK(strstr(text, "(none)") != NULL); /* keys with no default */
    free(text);
}

TEST(buffer_reads_like_a_file)
{
    /* Not NUL-terminated: the length bounds the read (fuzz_config relies on it). */
    static const char text[] = "[flow]\nmax_flows = 2000\n[capture]\nsnaplen = 10\n"
                               "[log]\nlevel = debugXX";
    size_t len = sizeof(text) - 1 - 2; /* cut "XX" */
    char *buf = malloc(len);
    memcpy(buf, text, len);
    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    CHECK_INT(config_load_buffer(&cfg, "inline.conf", buf, len, &d), -1);
    CHECK_INT(d.errors, 1);
    CHECK_ERROR(&d, "inline.conf:4: ", "capture.snaplen: 10 is out of range");
    CHECK_INT(cfg.max_flows, 2000);
    CHECK_STR(cfg.log_level, "debug");
    diag_free(&d);
    config_free(&cfg);
    free(buf);
}

int main(void)
{
    RUN(defaults);
    RUN(every_type);
    RUN(file_sections_are_dotted_keys);
    RUN(file_errors_at_their_lines);
    RUN(command_line_wins_over_the_file);
    RUN(checks_across_settings);
    RUN(help_lists_every_key);
    RUN(buffer_reads_like_a_file);
    return test_report();
}
