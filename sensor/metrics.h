/*
 * metrics.h - Prometheus text exposition on a loopback port (off by default).
 *
 * A small thread accepts HTTP connections on metrics.listen (a loopback address
 * and port only: the sensor never listens on a network port unless asked, and
 * even then not beyond the machine) and answers GET /metrics with the text the
 * capture thread last gave it.  One request per connection, bounded reads, a
 * short timeout: a scraper cannot hold the thread.
 */
#ifndef SHADOWTAP_METRICS_H
#define SHADOWTAP_METRICS_H

#include <stddef.h>

struct metrics;

/* listen: "127.0.0.1:PORT", "[::1]:PORT" or "localhost:PORT".  NULL with the
 * reason in err when the address is not loopback or cannot be bound. */
struct metrics *metrics_start(const char *address, char *err, size_t errlen);
/* Replaces the text served (copied). */
void metrics_update(struct metrics *m, const char *text);
/* Stops the thread and closes the socket.  Accepts NULL. */
void metrics_stop(struct metrics *m);

/* Checks a listen address without binding it (for --check-config). */
int metrics_check_address(const char *address, char *err, size_t errlen);

#endif
