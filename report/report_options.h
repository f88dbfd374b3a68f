/*
 * report_options.h - what the command line and configuration tell a report.
 */
#ifndef SHADOWTAP_REPORT_OPTIONS_H
#define SHADOWTAP_REPORT_OPTIONS_H

#include <stdint.h>

#define REPORT_CANDIDATE_DEVICES_DEFAULT     5
#define REPORT_CANDIDATE_DEPARTMENTS_DEFAULT 2

struct report_options {
    uint64_t min_devices;           /* privacy.min_devices: hide smaller cells (0: show all) */
    uint64_t candidate_devices;     /* adoption candidates: at least this many devices */
    uint64_t candidate_departments; /* ... in at least this many departments */
};

#endif
