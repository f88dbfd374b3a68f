/*
 * report_main.c - shadowtap-report: options and subcommands.
 *
 *   shadowtap-report [options] monthly [--month YYYY-MM]
 *   shadowtap-report [options] department NAME [--month YYYY-MM]
 *   shadowtap-report [options] unsanctioned [--since 7d|YYYY-MM-DD] [--until YYYY-MM-DD]
 *   shadowtap-report [options] new [--since 7d|YYYY-MM-DD] [--until YYYY-MM-DD]
 *   shadowtap-report [options] unknown [--month YYYY-MM | --since ... [--until ...]]
 *   shadowtap-report [options] catalog
 *
 * Reads the counters the sensors stored in Redis and the rules, builds the
 * report as a JSON document, and writes it as JSON, HTML or CSV.  Options may
 * come before or after the report's name.  Exit status: 0 success, 1 runtime
 * failure (Redis unreachable, cannot write), 2 bad usage or configuration.
 *
 * Each report is a row of commands[]: whether it takes a NAME, which period
 * it reads, whether it reads Redis, and the function that builds it.  main()
 * runs the phases of a run in order, and everything the command line can get
 * wrong is checked against the row before Redis is asked anything.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "diag.h"
#include "redis_conn.h"
#include "report_catalog.h"
#include "report_csv.h"
#include "report_dates.h"
#include "report_department.h"
#include "report_html.h"
#include "report_json.h"
#include "report_monthly.h"
#include "report_new.h"
#include "report_options.h"
#include "report_unknown.h"
#include "report_unsanctioned.h"
#include "rules.h"

#define EXIT_USAGE      2
#define MAX_PERIOD_DAYS 4000 /* longer than any retention */

enum format { FORMAT_JSON, FORMAT_HTML, FORMAT_CSV };

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: shadowtap-report [options] monthly [--month YYYY-MM]\n"
        "       shadowtap-report [options] department NAME [--month YYYY-MM]\n"
        "       shadowtap-report [options] unsanctioned [--since 7d|YYYY-MM-DD] [--until DAY]\n"
        "       shadowtap-report [options] new [--since 7d|YYYY-MM-DD] [--until DAY]\n"
        "       shadowtap-report [options] unknown [--month YYYY-MM | --since S [--until DAY]]\n"
        "       shadowtap-report [options] catalog\n"
        "\n"
        "Reports on the cloud services in use, from the counts the sensors keep in Redis.\n"
        "\n"
        "  monthly       the organisation's month: services, departments, new services,\n"
        "                change from the month before, adoption candidates, uploads to\n"
        "                generative AI, candidate services the catalog does not name,\n"
        "                what named the traffic (default month: the current one)\n"
        "  department    one department's tools, status, trend and sanctioned alternatives;\n"
        "                NAME is a department id or display name, or \"unassigned\"\n"
        "  unsanctioned  unsanctioned and prohibited services in use (default: --since 7d)\n"
        "  new           services first seen in the period (default: --since 7d)\n"
        "  unknown       every candidate service (traffic the catalog does not name, by\n"
        "                domain) with a ready services.conf stanza; counted per month, so\n"
        "                --since reads the whole months it touches (default: this month)\n"
        "  catalog       the service catalog and policy\n"
        "\n"
        "  -c CONFIG        configuration file (the sensor's; redis.*, rules, privacy.*)\n"
        "      --redis URL  redis://[user:password@]host:port[/db], unix:///path.sock,\n"
        "                   sentinel://host:port[,host:port]/master\n"
        "      --rules DIR  folder with services.conf, departments.conf, policy.conf\n"
        "      --set KEY=VALUE  any configuration key, e.g. privacy.min_devices=5\n"
        "  -o FILE          write the report to FILE (atomically) instead of standard output\n"
        "      --format F   json, html or csv (default: from the extension of -o, else json)\n"
        "      --month M    YYYY-MM\n"
        "      --since S    first day: Nd (the N days up to --until) or YYYY-MM-DD\n"
        "      --until D    last day, YYYY-MM-DD (default: today, UTC)\n"
        "      --candidate-devices N      adoption candidates: at least N devices (default %d)\n"
        "      --candidate-departments N  ... in at least N departments (default %d)\n"
        "  -h, --help       this help\n"
        "  -V, --version    print the version\n",
        REPORT_CANDIDATE_DEVICES_DEFAULT, REPORT_CANDIDATE_DEPARTMENTS_DEFAULT);
}

struct args {
    const char *command, *name;
    const char *config_file, *out_path, *format, *month, *since, *until;
    const char *candidate_devices, *candidate_departments;
    const char *redis_url, *rules_dir;
    char **sets;
    size_t nsets;
};

enum {
    OPT_REDIS = 256,
    OPT_RULES,
    OPT_FORMAT,
    OPT_MONTH,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_SET,
    OPT_CAND_DEVICES,
    OPT_CAND_DEPTS
};

/* Where an option that keeps its argument keeps it; NULL for the others. */
static const char **option_field(struct args *a, int opt)
{
    const struct {
        int opt;
        const char **field;
    } fields[] = {
        {'c', &a->config_file},
        {'o', &a->out_path},
        {OPT_REDIS, &a->redis_url},
        {OPT_RULES, &a->rules_dir},
        {OPT_FORMAT, &a->format},
        {OPT_MONTH, &a->month},
        {OPT_SINCE, &a->since},
        {OPT_UNTIL, &a->until},
        {OPT_CAND_DEVICES, &a->candidate_devices},
        {OPT_CAND_DEPTS, &a->candidate_departments},
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (fields[i].opt == opt)
            return fields[i].field;
    }
    return NULL;
}

/* Parses options anywhere on the line; the first operand is the report, the
 * second the department NAME.  Returns 0, -1 on bad usage, 1 when done
 * (--help, --version). */
static int parse_args(int argc, char **argv, struct args *a)
{
    static const struct option options[] = {
        {"redis", required_argument, NULL, OPT_REDIS},
        {"rules", required_argument, NULL, OPT_RULES},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"month", required_argument, NULL, OPT_MONTH},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"set", required_argument, NULL, OPT_SET},
        {"candidate-devices", required_argument, NULL, OPT_CAND_DEVICES},
        {"candidate-departments", required_argument, NULL, OPT_CAND_DEPTS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    /* "-": operands come back as option 1, in order, wherever they are. */
    while ((opt = getopt_long(argc, argv, "-c:o:hV", options, NULL)) != -1) {
        const char **field = option_field(a, opt);
        if (field) {
            *field = optarg;
        } else if (opt == 1 && (!a->command || !a->name)) {
            *(a->command ? &a->name : &a->command) = optarg;
        } else if (opt == 1) {
            fprintf(stderr, "shadowtap-report: unexpected argument \"%s\"\n", optarg);
            return -1;
        } else if (opt == OPT_SET) {
            a->sets[a->nsets++] = optarg;
        } else if (opt == 'h') {
            usage(stdout);
            return 1;
        } else if (opt == 'V') {
            printf("shadowtap-report %s\n", SHADOWTAP_VERSION);
            return 1;
        } else {
            fprintf(stderr, "Try 'shadowtap-report --help' for the options.\n");
            return -1;
        }
    }
    if (!a->command) {
        usage(stderr);
        return -1;
    }
    return 0;
}

static int parse_format(const struct args *a, enum format *f)
{
    const char *name = a->format;
    if (!name && a->out_path) {
        const char *dot = strrchr(a->out_path, '.');
        name = dot && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0) ? "html"
               : dot && strcmp(dot, ".csv") == 0                              ? "csv"
                                                                              : "json";
    }
    if (!name || strcmp(name, "json") == 0)
        *f = FORMAT_JSON;
    else if (strcmp(name, "html") == 0)
        *f = FORMAT_HTML;
    else if (strcmp(name, "csv") == 0)
        *f = FORMAT_CSV;
    else {
        fprintf(stderr, "shadowtap-report: unknown format \"%s\" (expected json, html or csv)\n",
                name);
        return -1;
    }
    return 0;
}

static int parse_count(const char *text, const char *option, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text)
        return 0;
    if (errno || end == text || *end || text[0] == '-' || v > 1000000) {
        fprintf(stderr, "shadowtap-report: %s \"%s\" is not a count (0 to 1000000)\n", option,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

/* The period of unsanctioned and new: --since (default 7d) to --until
 * (default today). */
static int parse_days(const struct args *a, uint32_t *first, uint32_t *last)
{
    uint32_t today = report_today();
    *last = today;
    if (a->until && report_day_parse(a->until, last) != 0) {
        fprintf(stderr, "shadowtap-report: --until \"%s\" is not YYYY-MM-DD\n", a->until);
        return -1;
    }
    const char *since = a->since ? a->since : "7d";
    /* "Nd" counts back from the last day of the period. */
    if (report_since_parse(since, *last, first) != 0) {
        fprintf(stderr,
                "shadowtap-report: --since \"%s\" is not a number of days (7d) or "
                "YYYY-MM-DD\n",
                since);
        return -1;
    }
    if (*first > *last) {
        fprintf(stderr, "shadowtap-report: --since %s is after the last day of the period\n",
                since);
        return -1;
    }
    if (*last - *first >= MAX_PERIOD_DAYS) {
        fprintf(stderr, "shadowtap-report: the period is longer than %d days\n", MAX_PERIOD_DAYS);
        return -1;
    }
    return 0;
}

static int write_doc(json_t *doc, enum format f, const char *path)
{
    char tmp[4096];
    FILE *out = stdout;
    if (path) {
        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
            fprintf(stderr, "shadowtap-report: %s: name too long\n", path);
            return 1;
        }
        out = fopen(tmp, "w");
        if (!out) {
            fprintf(stderr, "shadowtap-report: cannot write %s: %s\n", tmp, strerror(errno));
            return 1;
        }
    }
    int rc;
    switch (f) {
    case FORMAT_HTML:
        rc = report_html_write(out, doc);
        break;
    case FORMAT_CSV:
        rc = report_csv_write(out, doc);
        break;
    default:
        rc = report_json_write(out, doc);
        break;
    }
    if (fflush(out) != 0 || ferror(out))
        rc = -1;
    if (path) {
        if (fclose(out) != 0)
            rc = -1;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = -1;
        if (rc != 0) {
            fprintf(stderr, "shadowtap-report: cannot write %s: %s\n", path, strerror(errno));
            unlink(tmp);
        }
    } else if (rc != 0) {
        fprintf(stderr, "shadowtap-report: cannot write the report\n");
    }
    return rc == 0 ? 0 : 1;
}

static redisContext *connect_redis(const struct sensor_config *cfg, int *status)
{
    char err[512];
    struct redis_target t;
    if (redis_target_parse(cfg->redis_url, &t, err, sizeof(err)) != 0) {
        fprintf(stderr, "shadowtap-report: redis.url: %s\n", err);
        *status = EXIT_USAGE;
        return NULL;
    }
    if (cfg->redis_password[0])
        snprintf(t.password, sizeof(t.password), "%s", cfg->redis_password);
    t.connect_timeout_ms = (int)cfg->redis_connect_timeout_ms;
    /* A report reads whole month hashes: give a slow link more than a flush gets. */
    t.command_timeout_ms =
        (int)(cfg->redis_command_timeout_ms < 30000 ? 30000 : cfg->redis_command_timeout_ms);
    redisContext *c = redis_target_connect(&t, err, sizeof(err));
    /* Keep the reader's buffer between replies: a report reads megabytes, and
     * freeing and regrowing it for each reply costs more than it saves. */
    if (c)
        c->reader->maxbuf = 0;
    if (!c) {
        fprintf(stderr, "shadowtap-report: %s\n", err);
        *status = 1;
    }
    return c;
}

/* ---- the reports ---- */

enum period_kind {
    PERIOD_NONE,          /* --month, --since and --until are ignored */
    PERIOD_MONTH,         /* --month (default: the current month) */
    PERIOD_DAYS,          /* --since (default 7d) to --until (default today) */
    PERIOD_MONTH_OR_DAYS, /* --month (default: the current month), or --since and --until */
};

typedef json_t *(*report_builder)(const struct report_request *rq, char *err, size_t errlen);

/* A report the command line can ask for.  Adding one is a row here (and its
 * line in usage()). */
struct report_command {
    const char *name;
    bool takes_name; /* a department NAME after the report's name */
    enum period_kind period;
    bool reads_redis; /* the counts; without, only the rules */
    report_builder build;
};

/* Name, takes a NAME, period, reads Redis, builder; in the order --help and
 * the "unknown report" message list them. */
static const struct report_command commands[] = {
    {"monthly", false, PERIOD_MONTH, true, report_monthly},
    {"department", true, PERIOD_MONTH, true, report_department},
    {"unsanctioned", false, PERIOD_DAYS, true, report_unsanctioned},
    {"new", false, PERIOD_DAYS, true, report_new},
    {"unknown", false, PERIOD_MONTH_OR_DAYS, true, report_unknown},
    {"catalog", false, PERIOD_NONE, false, report_catalog},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* ---- the phases of a run ---- */

#define DONE (-1) /* a phase did all there was to do (--help): exit 0 */

/* What a run holds from the command line to the written report. */
struct run {
    int argc;
    char **argv;
    struct args args;
    const struct report_command *command;
    enum format format;
    struct sensor_config cfg;
    struct diag diag;
    struct rules *rules;
    char current_month[REPORT_MONTH_LEN];
    struct report_request request;
    json_t *doc;
};

static int run_start(struct run *run, int argc, char **argv)
{
    memset(run, 0, sizeof(*run));
    run->argc = argc;
    run->argv = argv;
    config_init(&run->cfg);
    diag_init(&run->diag);
    run->request.opt = (struct report_options){0, REPORT_CANDIDATE_DEVICES_DEFAULT,
                                               REPORT_CANDIDATE_DEPARTMENTS_DEFAULT};
    run->args.sets = calloc((size_t)argc + 1, sizeof(*run->args.sets));
    return run->args.sets ? 0 : 1;
}

static int read_command_line(struct run *run)
{
    int parsed = parse_args(run->argc, run->argv, &run->args);
    return parsed > 0 ? DONE : parsed < 0 ? EXIT_USAGE : 0;
}

/* The report's row of the table, and whether its operands fit it. */
static int find_command(struct run *run)
{
    const struct args *a = &run->args;
    for (size_t i = 0; i < NCOMMANDS && !run->command; i++) {
        if (strcmp(commands[i].name, a->command) == 0)
            run->command = &commands[i];
    }
    if (!run->command) {
        fprintf(stderr, "shadowtap-report: unknown report \"%s\" (expected ", a->command);
        for (size_t i = 0; i < NCOMMANDS; i++)
            fprintf(stderr, "%s%s",
                    i == 0              ? ""
                    : i + 1 < NCOMMANDS ? ", "
                                        : " or ",
                    commands[i].name);
        fprintf(stderr, ")\n");
        return EXIT_USAGE;
    }
    if (run->command->takes_name == (a->name != NULL))
        return 0;
    if (a->name)
        fprintf(stderr, "shadowtap-report: unexpected argument \"%s\"\n", a->name);
    else
        fprintf(stderr, "shadowtap-report: %s needs a NAME\n", run->command->name);
    return EXIT_USAGE;
}

static int read_output_options(struct run *run)
{
    const struct args *a = &run->args;
    struct report_options *opt = &run->request.opt;
    if (parse_format(a, &run->format) != 0 ||
        parse_count(a->candidate_devices, "--candidate-devices", &opt->candidate_devices) != 0 ||
        parse_count(a->candidate_departments, "--candidate-departments",
                    &opt->candidate_departments) != 0)
        return EXIT_USAGE;
    return 0;
}

/* The configuration file, then the command line's settings over it, then the
 * rules it names. */
static int load_configuration(struct run *run)
{
    struct args *a = &run->args;
    struct sensor_config *cfg = &run->cfg;
    struct diag *d = &run->diag;
    if (a->config_file)
        config_load_file(cfg, a->config_file, d);
    for (size_t i = 0; i < a->nsets; i++) {
        char *eq = strchr(a->sets[i], '=');
        if (!eq) {
            diag_error(d, "command line", 0, "--set \"%s\": expected KEY=VALUE", a->sets[i]);
            continue;
        }
        *eq = '\0';
        config_set(cfg, a->sets[i], eq + 1, "command line", 0, d);
        *eq = '=';
    }
    if (a->redis_url)
        config_set(cfg, "redis.url", a->redis_url, "command line", 0, d);
    if (a->rules_dir)
        config_set(cfg, "rules", a->rules_dir, "command line", 0, d);
    run->rules = d->errors ? NULL : rules_load(cfg->rules_dir, d);
    if (!run->rules) {
        diag_print(d, stderr);
        return EXIT_USAGE;
    }
    run->request.rules = run->rules;
    run->request.opt.min_devices = cfg->min_devices;
    return 0;
}

/* The period the report's row asks for. */
static int check_period(struct run *run)
{
    struct args *a = &run->args;
    struct report_request *rq = &run->request;
    enum period_kind kind = run->command->period;
    if (kind == PERIOD_MONTH_OR_DAYS && a->month && (a->since || a->until)) {
        fprintf(stderr, "shadowtap-report: %s takes --month or --since and --until, not both\n",
                run->command->name);
        return EXIT_USAGE;
    }
    if (kind == PERIOD_MONTH_OR_DAYS)
        kind = a->since || a->until ? PERIOD_DAYS : PERIOD_MONTH;
    switch (kind) {
    case PERIOD_MONTH:
        if (!a->month) {
            report_month_of(report_today(), run->current_month);
            a->month = run->current_month;
        }
        if (report_month_parse(a->month, &rq->first_day, &rq->last_day) != 0) {
            fprintf(stderr, "shadowtap-report: --month \"%s\" is not YYYY-MM\n", a->month);
            return EXIT_USAGE;
        }
        rq->month = a->month;
        return 0;
    case PERIOD_DAYS:
        return parse_days(a, &rq->first_day, &rq->last_day) != 0 ? EXIT_USAGE : 0;
    default:
        return 0;
    }
}

/* The department a NAME operand means. */
static int check_name(struct run *run)
{
    const struct departments *depts = run->rules->departments;
    if (!run->command->takes_name)
        return 0;
    run->request.dept = report_department_resolve(run->rules, run->args.name);
    if (run->request.dept)
        return 0;
    fprintf(stderr,
            "shadowtap-report: no department \"%s\" in %s/" RULES_DEPARTMENTS_FILE
            " (known, by id or name:",
            run->args.name, run->cfg.rules_dir);
    for (size_t i = 0; i < departments_count(depts); i++) {
        const struct department *d = departments_get(depts, (int)i);
        fprintf(stderr, " %s (\"%s\")", d->id, d->name);
    }
    fprintf(stderr, " " DEPARTMENT_UNASSIGNED " (\"" DEPARTMENT_UNASSIGNED_NAME "\"))\n");
    return EXIT_USAGE;
}

static void report_failure(const char *err)
{
    fprintf(stderr, "shadowtap-report: %s\n", err[0] ? err : "out of memory");
}

/* Redis, for the reports that read counts. */
static int open_redis(struct run *run)
{
    char err[512] = "";
    int status = 0;
    if (!run->command->reads_redis)
        return 0;
    run->request.redis = connect_redis(&run->cfg, &status);
    if (!run->request.redis)
        return status;
    if (report_json_load_networks(run->request.redis, err, sizeof(err)) != 0) {
        report_failure(err);
        return 1;
    }
    return 0;
}

static int build(struct run *run)
{
    char err[512] = "";
    run->doc = run->command->build(&run->request, err, sizeof(err));
    if (!run->doc) {
        report_failure(err);
        return 1;
    }
    return 0;
}

static int write_report(struct run *run)
{
    return write_doc(run->doc, run->format, run->args.out_path);
}

static void run_end(struct run *run)
{
    /* A large organisation's month is a document of a million small values,
     * and freeing them one by one costs a quarter of the report's time just
     * before the process ends and the kernel takes everything back at once.
     * Sanitizer builds free it, so the leak check still covers every path. */
#if defined(__SANITIZE_ADDRESS__) || defined(SHADOWTAP_FREE_AT_EXIT)
    json_decref(run->doc);
    report_json_release();
#endif
    if (run->request.redis)
        redisFree(run->request.redis);
    rules_release(run->rules);
    diag_free(&run->diag);
    config_free(&run->cfg);
    free(run->args.sets);
}

int main(int argc, char **argv)
{
    /* Each returns 0 to go on, or the exit status (DONE: 0). */
    static int (*const phases[])(struct run *) = {
        read_command_line,  find_command, read_output_options,
        load_configuration, check_period, check_name,
        open_redis,         build,        write_report,
    };
    struct run run;
    int status = run_start(&run, argc, argv);
    for (size_t i = 0; status == 0 && i < sizeof(phases) / sizeof(phases[0]); i++)
        status = phases[i](&run);
    run_end(&run);
    return status == DONE ? 0 : status;
}
