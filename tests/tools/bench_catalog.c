/*
 * bench_catalog.c - how many host-name look-ups per second the service catalog
 * answers on one core (issue 3 asks for at least 5 million with the full
 * catalog); run by scripts/bench.
 *
 * bench-catalog loads a catalog (rules/services.conf), builds a list of names
 * as the sensor meets them, and calls catalog_match_host() over the list again
 * and again on one thread for --seconds, then prints the rate.  The names:
 *  - every Hostname/SNI field of the reference results (--reference DIR, the
 *    corpus's result/NAME.out files), duplicates kept, since a busy name is met
 *    more often: SNI, HTTP Host and DNS names of real captures, most of them
 *    in no catalog;
 *  - each catalog domain itself and --subdomains random names under it (one or
 *    two labels of 3 to 12 letters and digits: "x7k2.cdn.dropbox.com"), the
 *    names a network of catalog users sends.
 * Names are normalized once beforehand (hostname_normalize(), as the sensor
 * does before matching), then shuffled; the shuffle and the random labels come
 * from a fixed seed, so the list is the same on every run.
 *
 * The rate counts the thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), so a
 * busy neighbour on the machine slows the wall clock but not the figure; the
 * wall-clock rate is printed beside it.  The last line printed (standard
 * output) is "catalog_lookups_per_s N names M matched_percent P", read by
 * scripts/bench.
 */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "diag.h"
#include "hostname.h"

struct names {
    char **v;
    size_t n, cap;
    size_t from_reference, from_catalog;
};

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Adds the normalized form of raw[0..len).  Returns 1 when added, 0 when raw is
 * no host name (left out, as the sensor leaves it), -1 when out of memory. */
static int names_add(struct names *ns, const char *raw, size_t len)
{
    char norm[HOSTNAME_MAX + 1];
    size_t n = hostname_normalize(raw, len, norm, sizeof(norm));
    if (n == 0)
        return 0;
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? ns->cap * 2 : 4096;
        char **v = realloc(ns->v, cap * sizeof(*v));
        if (!v)
            return -1;
        ns->v = v;
        ns->cap = cap;
    }
    ns->v[ns->n] = strdup(norm);
    if (!ns->v[ns->n])
        return -1;
    ns->n++;
    return 1;
}

/* Every "[Hostname/SNI: name]" of the .out files in dir.  Returns the number of
 * files read, or -1 when dir cannot be opened or memory runs out. */
static int read_reference(struct names *ns, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    /* Sorted file order keeps the list (and so the shuffle) the same everywhere. */
    char **files = NULL;
    size_t nfiles = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".out") != 0)
            continue;
        char **f = realloc(files, (nfiles + 1) * sizeof(*f));
        if (!f)
            break;
        files = f;
        files[nfiles] = strdup(e->d_name);
        if (files[nfiles])
            nfiles++;
    }
    closedir(d);
    qsort(files, nfiles, sizeof(*files), (int (*)(const void *, const void *))strcmp);
    int read = 0;
    char path[4096], *line = NULL;
    size_t linecap = 0;
    static const char tag[] = "[Hostname/SNI: ";
    for (size_t i = 0; i < nfiles; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = read >= 0 ? fopen(path, "r") : NULL;
        if (f) {
            read++;
            while (getline(&line, &linecap, f) > 0) {
                char *p = strstr(line, tag);
                if (!p)
                    continue;
                p += sizeof(tag) - 1;
                char *end = strchr(p, ']');
                int added = end ? names_add(ns, p, (size_t)(end - p)) : 0;
                if (added < 0)
                    read = -1;
                ns->from_reference += added > 0;
            }
            fclose(f);
        }
        free(files[i]);
    }
    free(line);
    free(files);
    return read;
}

static void random_label(char *out, uint64_t *rng)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int len = 3 + (int)(rng_next(rng) % 10);
    for (int i = 0; i < len; i++)
        out[i] = alphabet[rng_next(rng) % (sizeof(alphabet) - 1)];
    out[len] = '\0';
}

static bool add_catalog_names(struct names *ns, const struct catalog *c, int per_domain,
                              uint64_t *rng)
{
    for (size_t s = 0; s < catalog_count(c); s++) {
        const struct service *sv = catalog_service(c, (int)s);
        for (size_t d = 0; d < sv->ndomains; d++) {
            const char *dom = sv->domains[d];
            int added = names_add(ns, dom, strlen(dom));
            if (added < 0)
                return false;
            ns->from_catalog += (size_t)added;
            for (int k = 0; k < per_domain; k++) {
                char a[16], b[16], name[HOSTNAME_MAX + 1];
                random_label(a, rng);
                if (rng_next(rng) % 3 == 0) {
                    random_label(b, rng);
                    snprintf(name, sizeof(name), "%s.%s.%s", a, b, dom);
                } else {
                    snprintf(name, sizeof(name), "%s.%s", a, dom);
                }
                int sub = names_add(ns, name, strlen(name));
                if (sub < 0)
                    return false;
                ns->from_catalog += (size_t)sub;
            }
        }
    }
    return true;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
    fputs("usage: bench-catalog -c SERVICES.conf [--reference DIR] [--subdomains N]\n"
          "                     [--seconds S]\n"
          "\n"
          "Times catalog_match_host() over realistic host names on one thread.\n"
          "\n"
          "  -c, --catalog FILE   the catalog, e.g. rules/services.conf\n"
          "      --reference DIR  ndpiReader results (*.out) to take Hostname/SNI names from\n"
          "      --subdomains N   random names under each catalog domain, default 8\n"
          "      --seconds S      how long to time, default 2\n"
          "  -h, --help           this text\n",
          f);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"catalog", required_argument, NULL, 'c'},
        {"reference", required_argument, NULL, 'r'},
        {"subdomains", required_argument, NULL, 'S'},
        {"seconds", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *catalog_path = NULL, *reference = NULL;
    int per_domain = 8;
    double seconds = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'c':
            catalog_path = optarg;
            break;
        case 'r':
            reference = optarg;
            break;
        case 'S':
            per_domain = (int)strtol(optarg, &end, 10);
            if (*end || end == optarg || per_domain < 0 || per_domain > 1000) {
                fprintf(stderr, "bench-catalog: --subdomains %s: expected 0 to 1000\n", optarg);
                return 2;
            }
            break;
        case 's':
            seconds = strtod(optarg, &end);
            if (*end || end == optarg || !(seconds > 0 && seconds <= 600)) {
                fprintf(stderr,
                        "bench-catalog: --seconds %s: expected more than 0, at most "
                        "600\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!catalog_path || optind < argc) {
        fputs("bench-catalog: needs -c SERVICES.conf and no other argument\n", stderr);
        usage(stderr);
        return 2;
    }

    struct diag d;
    diag_init(&d);
    struct catalog *c = catalog_load(catalog_path, &d);
    if (!c) {
        diag_print(&d, stderr);
        diag_free(&d);
        return 2;
    }
    diag_free(&d);

    struct names ns = {0};
    uint64_t rng = 20261102;
    if (reference && read_reference(&ns, reference) < 0) {
        fprintf(stderr,
                "bench-catalog: %s: cannot read the reference results (or out of "
                "memory)\n",
                reference);
        return 2;
    }
    if (!add_catalog_names(&ns, c, per_domain, &rng) || ns.n == 0) {
        fputs(ns.n ? "bench-catalog: out of memory\n" : "bench-catalog: no names\n", stderr);
        return 1;
    }
    for (size_t i = ns.n - 1; i > 0; i--) { /* Fisher-Yates, fixed seed */
        size_t j = (size_t)(rng_next(&rng) % (i + 1));
        char *t = ns.v[i];
        ns.v[i] = ns.v[j];
        ns.v[j] = t;
    }
    size_t *lens = malloc(ns.n * sizeof(*lens));
    if (!lens) {
        fputs("bench-catalog: out of memory\n", stderr);
        return 1;
    }
    size_t matched = 0;
    for (size_t i = 0; i < ns.n; i++) {
        lens[i] = strlen(ns.v[i]);
        matched += catalog_match_host(c, ns.v[i], lens[i], NULL) >= 0; /* also warms up */
    }

    /* The clock is read once per pass over the list, not per look-up. */
    uint64_t lookups = 0;
    long sink = 0;
    double cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID), wall0 = clock_s(CLOCK_MONOTONIC), cpu;
    do {
        for (size_t i = 0; i < ns.n; i++)
            sink += catalog_match_host(c, ns.v[i], lens[i], NULL);
        lookups += ns.n;
        cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    } while (cpu < seconds);
    double wall = clock_s(CLOCK_MONOTONIC) - wall0;

    double rate = (double)lookups / cpu;
    double pct = 100.0 * (double)matched / (double)ns.n;
    fprintf(stderr,
            "bench-catalog: %zu services; %zu names (%zu from the reference results, "
            "%zu catalog domains and subdomains), %.1f%% matched; %" PRIu64
            " look-ups in %.2f s CPU (%.2f s wall: %.2f M/s), %.1f ns each "
            "[%ld]\n",
            catalog_count(c), ns.n, ns.from_reference, ns.from_catalog, pct, lookups, cpu, wall,
            (double)lookups / wall / 1e6, 1e9 * cpu / (double)lookups, sink & 1);
    printf("catalog_lookups_per_s %.0f names %zu matched_percent %.1f\n", rate, ns.n, pct);

    for (size_t i = 0; i < ns.n; i++)
        free(ns.v[i]);
    free(ns.v);
    free(lens);
    catalog_free(c);
    return 0;
}
