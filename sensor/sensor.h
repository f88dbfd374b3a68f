/*
 * sensor.h - the running sensor: builds the pipeline from the configuration,
 * runs the capture loop, and takes it down cleanly.
 *
 *   capture thread   libpcap -> decode -> fragment ports -> DNS answers into
 *                    the cache, STUN requests into the peers table -> flow key
 *                    and hash -> the worker's ring (dispatch.h)
 *   worker threads   flows, nDPI, classification, tallies, flow log (worker.h)
 *   flusher thread   merges tallies, writes them to Redis (flusher.h)
 *
 * Signals only set flags (below); the capture loop acts on them between
 * packets: SIGTERM/SIGINT stop (flows end, tallies flush, exit 0), SIGHUP
 * reloads the rules.
 */
#ifndef SHADOWTAP_SENSOR_H
#define SHADOWTAP_SENSOR_H

#include <signal.h>

#include "config.h"

#define SENSOR_EXIT_OK      0
#define SENSOR_EXIT_FAILURE 1
#define SENSOR_EXIT_USAGE   2
#define SENSOR_EXIT_SPOOLED 75 /* EX_TEMPFAIL: finished, but counts are in the spool */

struct sensor_signals {
    volatile sig_atomic_t stop;
    volatile sig_atomic_t reload;
};

extern struct sensor_signals sensor_signals;

/* Runs the sensor to the end of the file, or until a stop signal when live.
 * Returns the process exit status. */
int sensor_run(const struct sensor_config *cfg);

/* Reads every rules file and checks the configuration, printing each error as
 * file:line: message.  Returns 0 when all is well, 2 otherwise. */
int sensor_check_config(const struct sensor_config *cfg);

#endif
