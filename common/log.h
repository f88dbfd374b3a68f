/*
 * log.h - the program's voice: levelled messages to stderr or syslog.
 *
 * One line per message, prefixed with the program name and level on stderr,
 * or sent to syslog with the matching priority.  Safe to call from any thread:
 * each message is formatted into a local buffer and written with one call.
 */
#ifndef SHADOWTAP_LOG_H
#define SHADOWTAP_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR = 0, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Sets the program name shown in each line and the lowest level printed. */
void log_init(const char *program, enum log_level level);
/* Sends later messages to syslog (facility daemon) instead of stderr. */
void log_use_syslog(bool on);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info" or "debug"; returns false on anything else. */
bool log_level_parse(const char *s, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)   log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_info(...)    log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
