/*
 * fuzz_assignments.c - the assignment feed, as a file and as a Redis hash.
 *
 * Input: a feed file, read against the shipped sample's departments.  When it
 * loads, every lookup returns a department of them or -1.  The same lines are
 * then given as the fields of a Redis hash (each split at its first space into
 * field and value): every field is taken or counted, and the log line that
 * describes the skipped ones is a C string of the buffer's size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assignments.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char departments_text[] = "[it]\nvlans = 1\n[engineering]\nvlans = 2\n"
                                       "[sales]\nvlans = 3\n[finance]\nvlans = 4\n";

static void lookups(const struct departments *deps, const struct assignments *a)
{
    static const uint8_t v4[][4] = {{10, 20, 30, 40}, {10, 0, 0, 1}, {0, 0, 0, 0}};
    static const uint8_t macs[][6] = {{0x00, 0x1b, 0x63, 0x84, 0x45, 0xe6}, {0}, {0xff}};
    static const uint64_t times[] = {0, 1790000000, UINT64_MAX};
    for (size_t t = 0; t < sizeof(times) / sizeof(times[0]); t++) {
        for (size_t i = 0; i < 3; i++) {
            struct netaddr x;
            netaddr_from_v4(&x, v4[i]);
            int d1 = assignments_lookup_address(a, &x, times[t]);
            int d2 = assignments_lookup_mac(a, macs[i], times[t]);
            if (d1 < -1 || d2 < -1 || (d1 >= 0 && !departments_get(deps, d1)) ||
                (d2 >= 0 && !departments_get(deps, d2)))
                abort();
        }
    }
}

/* The input's lines as hash fields: field up to the first space, value after. */
static void as_hash(const struct departments *deps, const char *buf, size_t size)
{
    struct assignments_field f[256];
    size_t n = 0, pos = 0;
    while (pos < size && n < 256) {
        const char *s = buf + pos, *nl = memchr(s, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - s) : size - pos;
        pos += len + 1;
        const char *sp = memchr(s, ' ', len);
        size_t klen = sp ? (size_t)(sp - s) : len;
        f[n++] = (struct assignments_field){s, klen, sp ? sp + 1 : NULL, sp ? len - klen - 1 : 0};
    }
    struct assignments_hash_counts c;
    struct assignments *a = assignments_from_hash(deps, f, n, &c);
    if (!a || c.fields != n || c.taken + assignments_hash_skipped(&c) != n ||
        assignments_count(a) != c.taken)
        abort();
    char line[64];
    size_t len = assignments_hash_describe(&c, "shadowtap:assignments", line, sizeof(line));
    if (len != strlen(line) || len >= sizeof(line) || (len == 0) != (c.taken == n))
        abort();
    lookups(deps, a);
    assignments_release(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct departments *deps;
    struct diag d;
    if (!deps) {
        diag_init(&d);
        deps = departments_load_buffer("departments.conf", departments_text,
                                       sizeof(departments_text) - 1, &d);
        diag_free(&d);
        if (!deps)
            abort();
    }
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    diag_init(&d);
    struct assignments *a = assignments_load_buffer("feed", buf, size, deps, &d);
    if (a) {
        if (d.errors)
            abort();
        lookups(deps, a);
        assignments_release(a);
    } else if (!d.errors) {
        abort();
    }
    diag_free(&d);
    as_hash(deps, buf, size);
    free(buf);
    return 0;
}
