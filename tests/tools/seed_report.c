/*
 * seed_report.c - fills a Redis with a synthetic organisation's usage through
 * the sensor's own flush path, for report benchmarks and tests.
 *
 *   seed-report --redis URL [--rules DIR] [--month YYYY-MM] [--days N]
 *               [--departments N] [--services N] [--devices N] [--seed N]
 *               [--truth FILE]
 *
 * Every (day, department, service) cell of the month is used: departments x
 * services x days cells, built as tallies (report/tally.h) and written by
 * report/store.c with the real flush script, one day per flush, so what the
 * report reads is exactly what sensors would have written.  Department ids
 * are those of the rules, then "dept-NN", and the last one is "unassigned";
 * service ids are the catalog's, then "svc-NNN", and the last one is
 * "unclassified".  A service's traffic goes to one country of a short list,
 * or to none (unknown).  Devices of a department are numbered 0..N-1 (N at
 * most 64); a cell-day uses a run of them, more for the first services.
 *
 * With --truth, writes the month's exact figures per cell:
 * {"cells": {dept: {service: {bytes_up, bytes_down, packets_up,
 * packets_down, flows, devices, countries: {CC: {bytes_up, bytes_down}}}}}}.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "rules.h"
#include "store.h"
#include "symbol.h"
#include "tally.h"

struct cell_truth {
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
    uint64_t device_mask;
};

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const char *const countries[] = {"US", "IE", "DE", "", "NL", "SG", "US", ""};
#define NCOUNTRIES (sizeof(countries) / sizeof(countries[0]))

static void usage(FILE *out)
{
    fprintf(out, "usage: seed-report --redis URL [--rules DIR] [--month YYYY-MM] [--days N]\n"
                 "                   [--departments N] [--services N] [--devices N] [--seed N]\n"
                 "                   [--truth FILE]\n");
}

static long number(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || end == s || v < lo || v > hi) {
        fprintf(stderr, "seed-report: %s must be %ld to %ld\n", what, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"redis", required_argument, NULL, 'r'},
        {"rules", required_argument, NULL, 'R'},
        {"month", required_argument, NULL, 'm'},
        {"days", required_argument, NULL, 'n'},
        {"departments", required_argument, NULL, 'd'},
        {"services", required_argument, NULL, 's'},
        {"devices", required_argument, NULL, 'v'},
        {"seed", required_argument, NULL, 'S'},
        {"truth", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *url = NULL, *rules_dir = NULL, *month = "2026-10", *truth_path = NULL;
    long days = 0, ndepts = 50, nservices = 500, ndevices = 40, seed = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            url = optarg;
            break;
        case 'R':
            rules_dir = optarg;
            break;
        case 'm':
            month = optarg;
            break;
        case 'n':
            days = number(optarg, 1, 31, "--days");
            break;
        case 'd':
            ndepts = number(optarg, 1, 1000, "--departments");
            break;
        case 's':
            nservices = number(optarg, 1, 5000, "--services");
            break;
        case 'v':
            ndevices = number(optarg, 1, 64, "--devices");
            break;
        case 'S':
            seed = number(optarg, 0, 1L << 30, "--seed");
            break;
        case 't':
            truth_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    char first_day_text[16];
    uint32_t first_day;
    snprintf(first_day_text, sizeof(first_day_text), "%.7s-01", month);
    if (!url || strlen(month) != 7 || tally_day_parse(first_day_text, &first_day) != 0) {
        usage(stderr);
        return 2;
    }
    uint32_t month_days = 0;
    for (uint32_t d = first_day;; d++, month_days++) {
        char text[16];
        tally_day_format(d, text);
        if (strncmp(text, month, 7) != 0)
            break;
    }
    if (!days || days > (long)month_days)
        days = (long)month_days;

    /* Ids: the rules' first, then synthetic ones; the reserved ids last. */
    struct diag dg;
    diag_init(&dg);
    struct rules *rules = rules_dir ? rules_load(rules_dir, &dg) : NULL;
    if (rules_dir && !rules) {
        diag_print(&dg, stderr);
        return 2;
    }
    uint32_t *dept_sym = calloc((size_t)ndepts, sizeof(*dept_sym));
    uint32_t *svc_sym = calloc((size_t)nservices, sizeof(*svc_sym));
    struct cell_truth *truth = calloc((size_t)(ndepts * nservices), sizeof(*truth));
    if (!dept_sym || !svc_sym || !truth)
        return 1;
    for (long d = 0; d < ndepts; d++) {
        char id[32];
        if (d == ndepts - 1 && ndepts > 1)
            snprintf(id, sizeof(id), "unassigned");
        else if (rules && (size_t)d < departments_count(rules->departments))
            snprintf(id, sizeof(id), "%s", departments_get(rules->departments, (int)d)->id);
        else
            snprintf(id, sizeof(id), "dept-%02ld", d + 1);
        dept_sym[d] = symbol_intern(id);
    }
    for (long s = 0; s < nservices; s++) {
        char id[64];
        if (s == nservices - 1 && nservices > 1)
            snprintf(id, sizeof(id), "unclassified");
        else if (rules && (size_t)s < catalog_count(rules->catalog))
            snprintf(id, sizeof(id), "%s", catalog_service(rules->catalog, (int)s)->id);
        else
            snprintf(id, sizeof(id), "svc-%03ld", s + 1);
        svc_sym[s] = symbol_intern(id);
    }

    struct store_config sc = {
        .day_retention_days = 0, .month_retention_days = 0, .cells_per_batch = 500};
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "seed");
    char err[512];
    if (redis_target_parse(url, &sc.target, err, sizeof(err)) != 0) {
        fprintf(stderr, "seed-report: %s\n", err);
        return 2;
    }
    sc.target.command_timeout_ms = 60000;
    struct store *st = store_new(&sc);
    struct tally *t = tally_new();
    if (!st || !t || store_connect(st, err, sizeof(err)) != 0) {
        fprintf(stderr, "seed-report: %s\n", st && t ? err : "out of memory");
        return 1;
    }

    uint64_t rng = (uint64_t)seed * 0x2545F4914F6CDD1DULL + 1;
    for (long day = 0; day < days; day++) {
        uint32_t dayno = first_day + (uint32_t)day;
        for (long d = 0; d < ndepts; d++) {
            for (long s = 0; s < nservices; s++) {
                const char *cc = countries[(size_t)s % NCOUNTRIES];
                struct tally_key key = {
                    .hour = dayno * 24 + 12, .dept_sym = dept_sym[d], .service_sym = svc_sym[s]};
                if (cc[0])
                    key.country = (uint16_t)(cc[0] << 8 | cc[1]);
                struct tally_cell *c = tally_cell(t, &key);
                if (!c)
                    return 1;
                uint64_t r = splitmix64(&rng);
                /* The first services are used by many devices, the tail by few. */
                uint64_t span = 1 + (uint64_t)ndevices * 8 / (uint64_t)(8 + s);
                uint64_t n = 1 + r % span;
                uint64_t start = (r >> 20) % (uint64_t)ndevices;
                struct cell_truth *ct = &truth[d * nservices + s];
                for (uint64_t k = 0; k < n && k < (uint64_t)ndevices; k++) {
                    uint64_t dev = (start + k) % (uint64_t)ndevices;
                    uint64_t state = ((uint64_t)d << 32 | dev) ^ 0x5eedULL;
                    uint64_t pseudonym = splitmix64(&state) | 1; /* 0 marks an empty slot */
                    if (tally_cell_add_device(c, pseudonym) != 0)
                        return 1;
                    ct->device_mask |= 1ULL << dev;
                }
                c->bytes_up = 1000 + (r >> 8) % 200000;
                c->bytes_down = 2000 + (r >> 24) % 900000;
                c->packets_up = 1 + c->bytes_up / 900;
                c->packets_down = 1 + c->bytes_down / 1200;
                c->flows = 1 + (r >> 40) % 20;
                uint32_t t0 = dayno * 86400u + 8 * 3600 + (uint32_t)((r >> 12) % 3600);
                tally_cell_seen(c, t0);
                tally_cell_seen(c, t0 + 8 * 3600);
                ct->bytes_up += c->bytes_up;
                ct->bytes_down += c->bytes_down;
                ct->packets_up += c->packets_up;
                ct->packets_down += c->packets_down;
                ct->flows += c->flows;
            }
        }
        if (store_enqueue(st, t) != 0 || store_send(st, err, sizeof(err)) != 0) {
            fprintf(stderr, "seed-report: flush of day %ld: %s\n", day + 1, err);
            return 1;
        }
        tally_clear(t);
    }

    int status = 0;
    if (truth_path) {
        json_t *cells = json_object();
        for (long d = 0; d < ndepts; d++) {
            json_t *dept = json_object();
            for (long s = 0; s < nservices; s++) {
                const struct cell_truth *ct = &truth[d * nservices + s];
                const char *cc = countries[(size_t)s % NCOUNTRIES];
                json_t *o =
                    json_pack("{s:I, s:I, s:I, s:I, s:I, s:i, s:{}}", "bytes_up",
                              (json_int_t)ct->bytes_up, "bytes_down", (json_int_t)ct->bytes_down,
                              "packets_up", (json_int_t)ct->packets_up, "packets_down",
                              (json_int_t)ct->packets_down, "flows", (json_int_t)ct->flows,
                              "devices", __builtin_popcountll(ct->device_mask), "countries");
                if (cc[0])
                    json_object_set_new(json_object_get(o, "countries"), cc,
                                        json_pack("{s:I, s:I}", "bytes_up",
                                                  (json_int_t)ct->bytes_up, "bytes_down",
                                                  (json_int_t)ct->bytes_down));
                json_object_set_new(dept, symbol_name(svc_sym[s]), o);
            }
            json_object_set_new(cells, symbol_name(dept_sym[d]), dept);
        }
        json_t *doc =
            json_pack("{s:s, s:I, s:o}", "month", month, "days", (json_int_t)days, "cells", cells);
        if (json_dump_file(doc, truth_path, JSON_COMPACT) != 0) {
            fprintf(stderr, "seed-report: cannot write %s\n", truth_path);
            status = 1;
        }
        json_decref(doc);
    }
    tally_free(t);
    store_free(st);
    rules_release(rules);
    diag_free(&dg);
    free(dept_sym);
    free(svc_sym);
    free(truth);
    return status;
}
