/*
 * log.c - levelled logging to stderr or syslog.
 *
 * The level is read without a lock on every call: it is a plain int that only
 * the main thread writes (at start-up or on reload), so a racing reader sees
 * either the old or the new level, both of which are fine.
 */
#include "log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_program = "shadowtap";
static atomic_int log_threshold = LOG_LEVEL_INFO;
static atomic_bool log_to_syslog = false;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_init(const char *program, enum log_level level)
{
    log_program = program;
    atomic_store(&log_threshold, level);
}

void log_use_syslog(bool on)
{
    if (on)
        openlog(log_program, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    atomic_store(&log_to_syslog, on);
}

void log_set_level(enum log_level level)
{
    atomic_store(&log_threshold, level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&log_threshold);
}

bool log_level_parse(const char *s, enum log_level *out)
{
    for (int i = 0; i <= LOG_LEVEL_DEBUG; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&log_threshold))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);

    if (atomic_load(&log_to_syslog)) {
        static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
        syslog(prio[level], "%s", line);
        return;
    }
    /* One write per line so that lines from several threads never interleave. */
    char out[2200];
    int n = snprintf(out, sizeof(out), "%s: %s: %s\n", log_program, level_names[level], line);
    if (n > (int)sizeof(out) - 1)
        n = (int)sizeof(out) - 1;
    if (n > 0 && write(STDERR_FILENO, out, (size_t)n) < 0) {
        /* Nowhere left to report a failed write to stderr. */
    }
}
