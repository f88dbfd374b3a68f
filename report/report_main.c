/*
 * report_main.c - shadowtap-report: options and subcommands.
 *
 *   shadowtap-report [options] monthly [--month YYYY-MM]
 *   shadowtap-report [options] catalog
 *
 * Reads the counters the sensors stored in Redis and the rules, and writes a
 * report.  Exit status: 0 success, 1 runtime failure (Redis unreachable), 2 bad
 * usage or configuration.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "diag.h"
#include "redis_conn.h"
#include "report_catalog.h"
#include "report_monthly.h"
#include "rules.h"

#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fprintf(out,
            "usage: shadowtap-report [options] monthly [--month YYYY-MM]\n"
            "       shadowtap-report [options] catalog\n"
            "\n"
            "Reports on the cloud services in use, from the counts the sensors keep in Redis.\n"
            "\n"
            "  -c CONFIG        configuration file (the sensor's; redis.*, rules, privacy.*)\n"
            "      --redis URL  redis://[user:password@]host:port[/db], unix:///path.sock,\n"
            "                   sentinel://host:port[,host:port]/master\n"
            "      --rules DIR  folder with services.conf, departments.conf, policy.conf\n"
            "  -o FILE          write the report to FILE instead of standard output\n"
            "      --format F   json (default)\n"
            "  -h, --help       this help\n"
            "  -V, --version    print the version\n");
}

static int valid_month(const char *s)
{
    int y, m;
    char extra;
    return strlen(s) == 7 && sscanf(s, "%4d-%2d%c", &y, &m, &extra) == 2 && y >= 1970 &&
           m >= 1 && m <= 12 && s[4] == '-';
}

static int write_json(json_t *doc, const char *path)
{
    int rc;
    if (path) {
        rc = json_dump_file(doc, path, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        if (rc != 0)
            fprintf(stderr, "shadowtap-report: cannot write %s\n", path);
    } else {
        rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
    }
    return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    enum { OPT_REDIS = 256, OPT_RULES, OPT_FORMAT, OPT_MONTH };
    static const struct option options[] = {
        {"redis", required_argument, NULL, OPT_REDIS},
        {"rules", required_argument, NULL, OPT_RULES},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"month", required_argument, NULL, OPT_MONTH},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config_file = NULL, *redis_url = NULL, *rules_dir = NULL, *out_path = NULL;
    const char *format = "json", *month = NULL;
    int opt;
    /* "+": options stop at the subcommand; its own options are parsed after. */
    while ((opt = getopt_long(argc, argv, "+c:o:hV", options, NULL)) != -1) {
        switch (opt) {
        case 'c': config_file = optarg; break;
        case 'o': out_path = optarg; break;
        case OPT_REDIS: redis_url = optarg; break;
        case OPT_RULES: rules_dir = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_MONTH: month = optarg; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("shadowtap-report %s\n", SHADOWTAP_VERSION); return 0;
        default:
            fprintf(stderr, "Try 'shadowtap-report --help' for the options.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[optind++];
    optind--; /* getopt_long treats argv[optind] as the program name */
    argv[optind] = (char *)command;
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 1;
    while ((opt = getopt_long(sub_argc, sub_argv, "o:", options, NULL)) != -1) {
        switch (opt) {
        case 'o': out_path = optarg; break;
        case OPT_MONTH: month = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        default:
            fprintf(stderr, "Try 'shadowtap-report --help' for the options.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < sub_argc) {
        fprintf(stderr, "shadowtap-report: unexpected argument \"%s\"\n", sub_argv[optind]);
        return EXIT_USAGE;
    }
    if (strcmp(format, "json") != 0) {
        fprintf(stderr, "shadowtap-report: unknown format \"%s\" (expected json)\n", format);
        return EXIT_USAGE;
    }

    struct sensor_config cfg;
    config_init(&cfg);
    struct diag d;
    diag_init(&d);
    if (config_file)
        config_load_file(&cfg, config_file, &d);
    if (redis_url)
        config_set(&cfg, "redis.url", redis_url, "command line", 0, &d);
    if (rules_dir)
        config_set(&cfg, "rules", rules_dir, "command line", 0, &d);
    struct rules *rules = d.errors ? NULL : rules_load(cfg.rules_dir, &d);
    int status = 0;
    if (!rules) {
        diag_print(&d, stderr);
        status = EXIT_USAGE;
        goto out;
    }

    json_t *doc = NULL;
    char err[512];
    if (strcmp(command, "catalog") == 0) {
        doc = report_catalog(rules);
    } else if (strcmp(command, "monthly") == 0) {
        char current[8];
        if (!month) {
            time_t now = time(NULL);
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(current, sizeof(current), "%Y-%m", &tm);
            month = current;
        }
        if (!valid_month(month)) {
            fprintf(stderr, "shadowtap-report: --month \"%s\" is not YYYY-MM\n", month);
            status = EXIT_USAGE;
            goto out;
        }
        struct redis_target t;
        if (redis_target_parse(cfg.redis_url, &t, err, sizeof(err)) != 0) {
            fprintf(stderr, "shadowtap-report: redis.url: %s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
        if (cfg.redis_password[0])
            snprintf(t.password, sizeof(t.password), "%s", cfg.redis_password);
        redisContext *c = redis_target_connect(&t, err, sizeof(err));
        if (!c) {
            fprintf(stderr, "shadowtap-report: %s\n", err);
            status = 1;
            goto out;
        }
        doc = report_monthly(c, rules, month, err, sizeof(err));
        redisFree(c);
        if (!doc) {
            fprintf(stderr, "shadowtap-report: %s\n", err);
            status = 1;
            goto out;
        }
    } else {
        fprintf(stderr, "shadowtap-report: unknown report \"%s\" (expected monthly or catalog)\n",
                command);
        status = EXIT_USAGE;
        goto out;
    }
    status = write_json(doc, out_path);
    json_decref(doc);
out:
    rules_release(rules);
    diag_free(&d);
    config_free(&cfg);
    return status;
}
