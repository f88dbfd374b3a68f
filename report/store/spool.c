/*
 * spool.c - write and replay spool files of unflushed batches.
 *
 * File names: spool-<sensor>-<first seq or time>-<pid>.stsp, so a directory
 * listing sorts them oldest first and several sensors may share a directory.
 */
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SPOOL_MAGIC  "shadowtap-spool 1\n"
#define SPOOL_SUFFIX ".stsp"

unsigned long spool_crc32(unsigned long crc, const void *data, size_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    const uint8_t *p = data;
    uint32_t c = (uint32_t)crc ^ 0xffffffffu;
    for (size_t i = 0; i < len; i++)
        c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

struct writer {
    FILE *f;
    unsigned long crc;
    int failed;
};

static void put(struct writer *w, const void *data, size_t len)
{
    if (fwrite(data, 1, len, w->f) != len)
        w->failed = 1;
    w->crc = spool_crc32(w->crc, data, len);
}

static void putf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct writer *w, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        w->failed = 1;
        return;
    }
    put(w, buf, (size_t)n);
}

static int write_batch(void *ctx, uint64_t seq, uint64_t prev, int argc, const char *const *argv,
                       const size_t *argvlen)
{
    struct writer *w = ctx;
    putf(w, "batch %" PRIu64 " %" PRIu64 " %d\n", seq, prev, argc);
    for (int i = 0; i < argc; i++) {
        putf(w, "%zu ", argvlen[i]);
        put(w, argv[i], argvlen[i]);
        put(w, "\n", 1);
    }
    return w->failed;
}

static int valid_sensor_id(const char *id)
{
    for (const char *p = id; *p; p++) {
        if (*p == '/' || *p == ' ' || (unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return 0;
    }
    return *id != '\0';
}

int spool_write(const char *dir, const char *sensor_id, struct store *s, char *path_out,
                size_t path_len, char *err, size_t errlen)
{
    if (!valid_sensor_id(sensor_id)) {
        snprintf(err, errlen, "sensor id \"%s\" cannot name a spool file", sensor_id);
        return -1;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create the spool directory: %s", dir, strerror(errno));
        return -1;
    }
    char tmp[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(path_out, path_len, "%s/spool-%s-%019" PRIu64 "-%ld%s", dir, sensor_id,
             (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec, (long)getpid(),
             SPOOL_SUFFIX);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path_out);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    struct writer w = {fdopen(fd, "w"), 0, 0};
    if (!w.f) {
        close(fd);
        unlink(tmp);
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    store_assign_seqs(s);
    put(&w, SPOOL_MAGIC, strlen(SPOOL_MAGIC));
    putf(&w, "sensor %s\n", sensor_id);
    store_each_queued(s, write_batch, &w);
    if (!w.failed)
        fprintf(w.f, "end %08lx\n", w.crc);
    if (w.failed || fflush(w.f) != 0 || fsync(fileno(w.f)) != 0) {
        snprintf(err, errlen, "%s: write failed: %s", tmp, strerror(errno));
        fclose(w.f);
        unlink(tmp);
        return -1;
    }
    if (fclose(w.f) != 0 || rename(tmp, path_out) != 0) {
        snprintf(err, errlen, "%s: %s", path_out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* The rename is only durable once the directory is synced too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- reading ---- */

struct reader {
    const char *buf;
    size_t len, pos;
};

static const char *read_line(struct reader *r, size_t *n)
{
    if (r->pos >= r->len)
        return NULL;
    const char *s = r->buf + r->pos;
    const char *nl = memchr(s, '\n', r->len - r->pos);
    if (!nl)
        return NULL;
    *n = (size_t)(nl - s);
    r->pos += *n + 1;
    return s;
}

static int load_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || st.st_size < 0 || st.st_size > (1LL << 32)) {
        snprintf(err, errlen, "%s: unreadable or too large", path);
        fclose(f);
        return -1;
    }
    *len = (size_t)st.st_size;
    *buf = malloc(*len + 1);
    if (!*buf || fread(*buf, 1, *len, f) != *len) {
        snprintf(err, errlen, "%s: read failed", path);
        free(*buf);
        *buf = NULL;
        fclose(f);
        return -1;
    }
    (*buf)[*len] = '\0';
    fclose(f);
    return 0;
}

static int move_batch(void *ctx, uint64_t seq, uint64_t prev, int argc, const char *const *argv,
                      const size_t *argvlen)
{
    return store_enqueue_raw(ctx, seq, prev, argc, argv, argvlen) != 0;
}

/* The "<len> " of an argument: decimal digits up to a space, within the buffer
 * (the buffer need not be NUL-terminated, so no strtoull).  Returns the space,
 * or NULL. */
static const char *read_arg_len(const struct reader *r, size_t *out)
{
    const char *p = r->buf + r->pos, *end = r->buf + r->len;
    size_t v = 0;
    if (p >= end || *p < '0' || *p > '9')
        return NULL;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (SIZE_MAX - d) / 10)
            return NULL;
        v = v * 10 + d;
    }
    if (p >= end || *p != ' ')
        return NULL;
    *out = v;
    return p;
}

/* Eight hex digits of the end line. */
static int read_crc(const char *s, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < 8; i++) {
        char ch = s[i];
        unsigned d;
        if (ch >= '0' && ch <= '9')
            d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            d = (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            d = (unsigned)(ch - 'A' + 10);
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

int spool_parse(const char *name, const char *buf, size_t len, const char *sensor_id,
                struct store *s, char *err, size_t errlen)
{
    /* Check the whole file before queueing anything: never half-applied. */
    const char *end = len >= 14 ? buf + len - 13 : NULL; /* "end xxxxxxxx\n" */
    unsigned long want = 0;
    if (!end || memcmp(end, "end ", 4) != 0 || end[12] != '\n' || read_crc(end + 4, &want) != 0) {
        snprintf(err, errlen, "%s: incomplete spool file (no end line)", name);
        return -1;
    }
    if (spool_crc32(0, buf, (size_t)(end - buf)) != want) {
        snprintf(err, errlen, "%s: checksum mismatch: the file is damaged", name);
        return -1;
    }
    struct reader r = {buf, (size_t)(end - buf), 0};
    size_t n;
    const char *line = read_line(&r, &n);
    if (!line || n + 1 != strlen(SPOOL_MAGIC) || memcmp(line, SPOOL_MAGIC, n) != 0) {
        snprintf(err, errlen, "%s: not a shadowtap spool file", name);
        return -1;
    }
    line = read_line(&r, &n);
    if (!line || n < 8 || memcmp(line, "sensor ", 7) != 0 || n - 7 != strlen(sensor_id) ||
        memcmp(line + 7, sensor_id, n - 7) != 0) {
        snprintf(err, errlen, "%s: spool file of another sensor", name);
        return -1;
    }
    /* Parse into a scratch store first, then move: all or nothing. */
    struct store_config scratch_cfg;
    memset(&scratch_cfg, 0, sizeof(scratch_cfg));
    struct store *scratch = store_new(&scratch_cfg);
    if (!scratch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int batches = 0;
    while ((line = read_line(&r, &n)) != NULL) {
        char head[128];
        if (n >= sizeof(head))
            goto bad;
        memcpy(head, line, n);
        head[n] = '\0';
        uint64_t seq, prev;
        int argc;
        char extra;
        /* Each argument takes at least "0 \n": a count the rest of the file
         * cannot hold is refused before anything is allocated for it. */
        if (sscanf(head, "batch %" SCNu64 " %" SCNu64 " %d%c", &seq, &prev, &argc, &extra) != 3 ||
            argc < 1 || argc > 10000000 || (size_t)argc > (r.len - r.pos) / 3)
            goto bad;
        const char **argv = calloc((size_t)argc, sizeof(*argv));
        size_t *lens = calloc((size_t)argc, sizeof(*lens));
        if (!argv || !lens) {
            free(argv);
            free(lens);
            goto bad;
        }
        int ok = 1;
        for (int i = 0; i < argc && ok; i++) {
            size_t l;
            const char *sp = read_arg_len(&r, &l);
            /* The bytes and their newline must lie before the end line. */
            size_t avail = sp ? r.len - (size_t)(sp + 1 - r.buf) : 0;
            if (!sp || l >= avail || sp[1 + l] != '\n') {
                ok = 0;
                break;
            }
            argv[i] = sp + 1;
            lens[i] = l;
            r.pos = (size_t)(sp + 1 - r.buf) + l + 1;
        }
        if (ok && store_enqueue_raw(scratch, seq, prev, argc, argv, lens) != 0)
            ok = 0;
        free(argv);
        free(lens);
        if (!ok)
            goto bad;
        batches++;
    }
    if (store_each_queued(scratch, move_batch, s) != 0) {
        snprintf(err, errlen, "out of memory");
        store_free(scratch);
        return -1;
    }
    store_free(scratch);
    return batches;
bad:
    snprintf(err, errlen, "%s: malformed batch record", name);
    store_free(scratch);
    return -1;
}

int spool_read(const char *path, const char *sensor_id, struct store *s, char *err,
               size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    if (load_file(path, &buf, &len, err, errlen) != 0)
        return -1;
    int rc = spool_parse(path, buf, len, sensor_id, s, err, errlen);
    free(buf);
    return rc;
}

static int is_spool_of(const char *name, const char *sensor_id)
{
    size_t n = strlen(name), sl = strlen(SPOOL_SUFFIX), il = strlen(sensor_id);
    return strncmp(name, "spool-", 6) == 0 && n > 6 + il + 1 + sl &&
           strncmp(name + 6, sensor_id, il) == 0 && name[6 + il] == '-' &&
           strcmp(name + n - sl, SPOOL_SUFFIX) == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_replay(const char *dir, const char *sensor_id, struct store *s, char *err,
                 size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_spool_of(e->d_name, sensor_id))
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn)
                break;
            names = nn;
        }
        names[count] = strdup(e->d_name);
        if (names[count])
            count++;
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof(*names), compare_names);

    int replayed = 0, rc = 0;
    for (size_t i = 0; i < count; i++) {
        char path[4096], why[512];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        int batches = spool_read(path, sensor_id, s, why, sizeof(why));
        if (batches < 0) {
            char bad[4200];
            snprintf(bad, sizeof(bad), "%s.bad", path);
            log_error("%s; moved aside to %s, nothing of it was applied", why, bad);
            rename(path, bad);
            continue;
        }
        if (store_send(s, why, sizeof(why)) != 0) {
            /* Keep the file; forget the queued copy so it is not sent twice
             * under new sequence numbers. */
            store_drop_queue(s);
            snprintf(err, errlen, "replaying %s: %s", path, why);
            rc = -1;
            break;
        }
        log_info("replayed spool file %s (%d batches)", path, batches);
        if (unlink(path) != 0)
            log_warning("%s: cannot remove after replay: %s", path, strerror(errno));
        replayed++;
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc ? -1 : replayed;
}
