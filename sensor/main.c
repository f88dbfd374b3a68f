/*
 * main.c - shadowtap-sensor: options, signals, and the hand-off to sensor.c.
 *
 * Options follow tcpdump and ndpiReader where they overlap (-i, -r, -f, -Z).
 * Every configuration key can also be given as --set key=value; the named
 * options below are shorthands for the common ones.  With -D the process goes
 * to the background before anything else is opened (daemon.h), so that the
 * pidfile (pidfile.h) names the daemon and the capture is the daemon's; the
 * pidfile is taken before the sensor starts and let go after it has ended.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "diag.h"
#include "log.h"
#include "pidfile.h"
#include "sensor.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: shadowtap-sensor (-r FILE | -i IFACE[,IFACE...]) [options]\n"
            "       shadowtap-sensor --check-config [-c CONFIG] [--rules DIR]\n"
            "\n"
            "Classifies traffic to cloud services and counts usage per department in Redis.\n"
            "\n"
            "  -r FILE            read packets from a pcap or pcapng file\n"
            "  -i IFACE           capture live on interfaces (comma-separated)\n"
            "  -f BPF             capture filter\n"
            "  -c CONFIG          configuration file (docs/configuration.md)\n"
            "      --rules DIR    folder with services.conf, departments.conf, policy.conf\n"
            "      --redis URL    redis://[user:password@]host:port[/db], unix:///path.sock,\n"
            "                     sentinel://host:port[,host:port]/master\n"
            "      --sensor-id NAME   this sensor's name (default: host name)\n"
            "      --flow-log FILE    one JSON line per flow ('-' for standard output)\n"
            "      --stats FILE       statistics as JSON, every interval and at exit\n"
            "      --events FILE      events as JSON lines\n"
            "      --spool DIR        keep counts here while Redis is unreachable\n"
            "  -Z USER            switch to USER once capture is open\n"
            "  -D, --daemon       run in the background once capture has started; log to syslog\n"
            "      --pidfile FILE write the process id to FILE (refused if a running sensor\n"
            "                     holds it), removed at exit\n"
            "  -w, --workers N    worker threads (default: one per core)\n"
            "  -o, --set KEY=VALUE  any configuration key (see below)\n"
            "  -v, --verbose      log debug messages\n"
            "      --check-config check the configuration and rules, then exit\n"
            "  -h, --help         this help\n"
            "  -V, --version      print the version\n"
            "\n"
            "Exit status: 0 success, 1 runtime failure, 2 bad usage or configuration,\n"
            "75 finished but counts were spooled because Redis was unreachable.\n"
            "\n"
            "Configuration keys (default, meaning):\n");
    config_print_keys(out);
}

enum long_only {
    OPT_RULES = 256,
    OPT_REDIS,
    OPT_SENSOR_ID,
    OPT_FLOW_LOG,
    OPT_STATS,
    OPT_EVENTS,
    OPT_SPOOL,
    OPT_CHECK_CONFIG,
    OPT_PIDFILE,
};

struct setting {
    const char *key;
    char *value;
};

static void on_stop(int sig)
{
    (void)sig;
    sensor_signals.stop = 1;
}

static void on_reload(int sig)
{
    (void)sig;
    sensor_signals.reload = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_reload;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

/* The sensor, in the background with -D, holding its pidfile if it has one. */
static int run(const struct sensor_config *cfg)
{
    char err[512];
    if (cfg->daemonize) {
        int parent_status;
        int r = daemon_start(&parent_status, err, sizeof(err));
        if (r < 0) {
            log_error("%s", err);
            return SENSOR_EXIT_FAILURE;
        }
        if (r > 0)
            return parent_status; /* the original process: the daemon has reported */
    }
    int status = SENSOR_EXIT_FAILURE;
    struct pidfile *pf = NULL;
    if (cfg->pidfile[0]) {
        long stale;
        pf = pidfile_create(cfg->pidfile, &stale, err, sizeof(err));
        if (!pf)
            log_error("%s", err);
        else if (stale)
            log_info("%s: replaced a stale pidfile (pid %ld no longer holds it)", cfg->pidfile,
                     stale);
    }
    if (pf || !cfg->pidfile[0]) {
        install_signals();
        status = sensor_run(cfg);
    }
    if (pidfile_remove(pf) != 0)
        log_warning("%s: cannot remove or empty the pidfile: %s", cfg->pidfile, strerror(errno));
    daemon_finish(status);
    return status;
}

/* What the command line asks for. */
struct command_line {
    struct setting *settings; /* the named options and --set, in order; freed by load_config */
    size_t nsettings;
    const char *config_file;
    bool check_only, verbose;
};

/* The configuration key a named option is a shorthand for; NULL for the
 * options that are not. */
static const char *option_key(int opt)
{
    /* clang-format off */
    switch (opt) {
    case 'r': return "capture.file";
    case 'i': return "capture.interface";
    case 'f': return "capture.filter";
    case 'Z': return "sensor.user";
    case 'w': return "sensor.workers";
    case OPT_RULES: return "rules";
    case OPT_REDIS: return "redis.url";
    case OPT_SENSOR_ID: return "sensor.id";
    case OPT_FLOW_LOG: return "output.flow_log";
    case OPT_STATS: return "output.stats";
    case OPT_EVENTS: return "output.events";
    case OPT_SPOOL: return "output.spool_dir";
    case OPT_PIDFILE: return "sensor.pidfile";
    default: return NULL;
    }
    /* clang-format on */
}

/* The options that are not shorthands.  Returns false when the program ends
 * now, with *status (help, version, bad usage). */
static bool other_option(int opt, struct command_line *cl, int *status)
{
    switch (opt) {
    case 'D':
        cl->settings[cl->nsettings++] = (struct setting){"sensor.daemon", "yes"};
        return true;
    case 'c':
        cl->config_file = optarg;
        return true;
    case 'o': {
        char *eq = strchr(optarg, '=');
        if (!eq || eq == optarg) {
            fprintf(stderr, "shadowtap-sensor: --set expects KEY=VALUE, not \"%s\"\n", optarg);
            *status = SENSOR_EXIT_USAGE;
            return false;
        }
        *eq = '\0';
        cl->settings[cl->nsettings++] = (struct setting){optarg, eq + 1};
        return true;
    }
    case 'v':
        cl->verbose = true;
        return true;
    case OPT_CHECK_CONFIG:
        cl->check_only = true;
        return true;
    case 'h':
        usage(stdout);
        *status = 0;
        return false;
    case 'V':
        printf("shadowtap-sensor %s\n", SHADOWTAP_VERSION);
        *status = 0;
        return false;
    default:
        fprintf(stderr, "Try 'shadowtap-sensor --help' for the options.\n");
        *status = SENSOR_EXIT_USAGE;
        return false;
    }
}

/* Reads the options into cl.  Returns false when the program ends now, with
 * *status. */
static bool parse_command_line(int argc, char **argv, struct command_line *cl, int *status)
{
    static const struct option options[] = {
        {"rules", required_argument, NULL, OPT_RULES},
        {"redis", required_argument, NULL, OPT_REDIS},
        {"sensor-id", required_argument, NULL, OPT_SENSOR_ID},
        {"flow-log", required_argument, NULL, OPT_FLOW_LOG},
        {"stats", required_argument, NULL, OPT_STATS},
        {"events", required_argument, NULL, OPT_EVENTS},
        {"spool", required_argument, NULL, OPT_SPOOL},
        {"daemon", no_argument, NULL, 'D'},
        {"pidfile", required_argument, NULL, OPT_PIDFILE},
        {"workers", required_argument, NULL, 'w'},
        {"set", required_argument, NULL, 'o'},
        {"verbose", no_argument, NULL, 'v'},
        {"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    memset(cl, 0, sizeof(*cl));
    cl->settings = calloc((size_t)argc + 1, sizeof(*cl->settings));
    if (!cl->settings) {
        *status = 1;
        return false;
    }
    int opt;
    while ((opt = getopt_long(argc, argv, "r:i:f:c:Z:w:o:DvhV", options, NULL)) != -1) {
        const char *key = option_key(opt);
        if (key) {
            cl->settings[cl->nsettings++] = (struct setting){key, optarg};
        } else if (!other_option(opt, cl, status)) {
            free(cl->settings);
            return false;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "shadowtap-sensor: unexpected argument \"%s\"\n", argv[optind]);
        free(cl->settings);
        *status = SENSOR_EXIT_USAGE;
        return false;
    }
    return true;
}

/* The configuration file, then the command line's settings over it. */
static void load_config(struct sensor_config *cfg, struct command_line *cl, struct diag *d)
{
    config_init(cfg);
    if (cl->config_file)
        config_load_file(cfg, cl->config_file, d);
    for (size_t i = 0; i < cl->nsettings; i++)
        config_set(cfg, cl->settings[i].key, cl->settings[i].value, "command line", 0, d);
    free(cl->settings);
    cl->settings = NULL;
    if (cl->verbose) {
        free(cfg->log_level);
        cfg->log_level = strdup("debug");
    }
}

/* --check-config: every error the configuration and the rules have. */
static int check_config(const struct sensor_config *cfg, struct diag *d)
{
    diag_print(d, stderr);
    int status = sensor_check_config(cfg);
    return d->errors ? SENSOR_EXIT_USAGE : status;
}

/* The configuration checked, then the log set up, then the sensor. */
static int start(const struct sensor_config *cfg, struct diag *d)
{
    config_check(cfg, d);
    if (!d->errors && !cfg->read_file[0] && !cfg->interfaces[0])
        diag_error(d, "command line", 0, "nothing to read: give -r FILE or -i IFACE");
    if (d->errors) {
        diag_print(d, stderr);
        fprintf(stderr, "Try 'shadowtap-sensor --help' for the options.\n");
        return SENSOR_EXIT_USAGE;
    }
    enum log_level level;
    if (log_level_parse(cfg->log_level, &level))
        log_set_level(level);
    /* A daemon's start-up messages go to the terminal it was started from,
     * syslog only once it runs (daemon.h). */
    if (cfg->log_syslog && !cfg->daemonize)
        log_use_syslog(true);
    return run(cfg);
}

int main(int argc, char **argv)
{
    log_init("shadowtap-sensor", LOG_LEVEL_INFO);
    struct command_line cl;
    int status;
    if (!parse_command_line(argc, argv, &cl, &status))
        return status;
    struct sensor_config cfg;
    struct diag d;
    diag_init(&d);
    load_config(&cfg, &cl, &d);
    status = cl.check_only ? check_config(&cfg, &d) : start(&cfg, &d);
    diag_free(&d);
    config_free(&cfg);
    return status;
}
