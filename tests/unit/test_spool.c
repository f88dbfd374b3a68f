/*
 * test_spool.c - spool files: what spool_write writes, spool_read reads back;
 * damaged, foreign and malformed files are refused whole; and the reader never
 * reads past the file (a heap overflow found by tests/fuzz/fuzz_spool.c).
 */
#include "spool.h"

#include <stdlib.h>
#include <unistd.h>

#include "symbol.h"
#include "tally.h"
#include "test.h"

#define SENSOR "s1"

static struct store *new_store(void)
{
    struct store_config sc;
    memset(&sc, 0, sizeof(sc));
    snprintf(sc.sensor_id, sizeof(sc.sensor_id), "%s", SENSOR);
    sc.cells_per_batch = 2;
    return store_new(&sc);
}

/* body + its end line, in a fresh heap block of exactly that size (no NUL
 * after it), so ASan sees a read past the file. */
static char *with_end(const char *body, size_t *len)
{
    size_t n = strlen(body);
    char line[16];
    snprintf(line, sizeof(line), "end %08lx\n", spool_crc32(0, body, n));
    char *buf = malloc(n + 13);
    memcpy(buf, body, n);
    memcpy(buf + n, line, 13);
    *len = n + 13;
    return buf;
}

static int parse(const char *body, struct store *s, char *err, size_t errlen)
{
    size_t len;
    char *buf = with_end(body, &len);
    int rc = spool_parse("test.stsp", buf, len, SENSOR, s, err, errlen);
    free(buf);
    return rc;
}

/* Writes text to a temporary file and reads it with spool_read. */
static int read_text(const char *text, size_t len, struct store *s, char *err, size_t errlen)
{
    char path[] = "/tmp/test_spool.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    if (write(fd, text, len) != (ssize_t)len)
        abort();
    close(fd);
    int rc = spool_read(path, SENSOR, s, err, errlen);
    unlink(path);
    return rc;
}

TEST(round_trip)
{
    char dir[] = "/tmp/test_spool_dir.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    struct store *s = new_store();
    struct tally *t = tally_new();
    for (uint32_t i = 0; i < 5; i++) {
        struct tally_key k = {20759, symbol_intern("sales"), symbol_intern("dropbox"),
                              (uint16_t)('D' << 8 | ('A' + i)), 0, 0};
        struct tally_cell *c = tally_cell(t, &k);
        c->bytes_up = 100 + i;
        c->flows = 1;
        tally_cell_add_device(c, 42 + i);
    }
    CHECK_INT(store_enqueue(s, t), 0);
    CHECK_INT(store_queued(s), 3);
    char path[4096], err[512];
    CHECK_INT(spool_write(dir, SENSOR, s, path, sizeof(path), err, sizeof(err)), 0);

    struct store *back = new_store();
    CHECK_INT(spool_read(path, SENSOR, back, err, sizeof(err)), 3);
    CHECK_INT(store_queued(back), 3);
    CHECK_INT(spool_read(path, "other", back, err, sizeof(err)), -1);
    CHECK(strstr(err, "another sensor") != NULL);
    CHECK_INT(store_queued(back), 3);
    unlink(path);
    rmdir(dir);
    store_free(back);
    tally_free(t);
    store_free(s);
}

TEST(refuses_damage_whole)
{
    struct store *s = new_store();
    char err[512];
    const char *good = "shadowtap-spool 1\nsensor s1\nbatch 7 0 2\n1 1\n3 abc\n"
                       "batch 8 7 1\n1 0\n";
    CHECK_INT(parse(good, s, err, sizeof(err)), 2);
    CHECK_INT(store_queued(s), 2);

    size_t len;
    char *buf = with_end(good, &len);
    buf[30] ^= 1; /* checksum no longer matches */
    CHECK_INT(spool_parse("x", buf, len, SENSOR, s, err, sizeof(err)), -1);
    CHECK(strstr(err, "checksum") != NULL);
    CHECK_INT(spool_parse("x", buf, len - 1, SENSOR, s, err, sizeof(err)), -1);
    CHECK(strstr(err, "no end line") != NULL);
    free(buf);

    /* A bad second batch: neither batch is queued. */
    CHECK_INT(parse("shadowtap-spool 1\nsensor s1\nbatch 9 8 1\n1 1\nbatch 10 9 1\n5 ab\n", s, err,
                    sizeof(err)),
              -1);
    CHECK(strstr(err, "malformed") != NULL);
    CHECK_INT(store_queued(s), 2);
    store_free(s);
}

/* Regression (fuzz_spool): an argument length right before the end line made
 * the bound check wrap ("left - 1" with nothing left), so the reader took a
 * length of any size and read that far past the file. */
TEST(length_at_the_end_line)
{
    struct store *s = new_store();
    char err[512];
    const char *far = "shadowtap-spool 1\nsensor s1\nbatch 5 0 1\n4000000000 ";
    CHECK_INT(parse(far, s, err, sizeof(err)), -1);
    CHECK(strstr(err, "malformed") != NULL);
    /* Through spool_read too, as the sensor reads spool files. */
    size_t len;
    char *buf = with_end(far, &len);
    CHECK_INT(read_text(buf, len, s, err, sizeof(err)), -1);
    free(buf);
    /* A length that reaches exactly over the end line was taken as the argument
     * "end xxxxxxxx": the end line is not part of any batch. */
    CHECK_INT(parse("shadowtap-spool 1\nsensor s1\nbatch 5 0 1\n12 ", s, err, sizeof(err)), -1);
    CHECK_INT(store_queued(s), 0);
    store_free(s);
}

/* A batch header claiming millions of arguments made the reader allocate for
 * all of them (160 MB) before reading the first; fuzz_spool spent most of its
 * time there.  The count is now bounded by what the file can hold. */
TEST(argument_count_bounded_by_the_file)
{
    struct store *s = new_store();
    char err[512];
    CHECK_INT(parse("shadowtap-spool 1\nsensor s1\nbatch 5 0 9999999\n1 1\n", s, err, sizeof(err)),
              -1);
    CHECK_INT(parse("shadowtap-spool 1\nsensor s1\nbatch 5 0 2\n0 \n0 \n", s, err, sizeof(err)), 1);
    CHECK_INT(store_queued(s), 1);
    store_free(s);
}

int main(void)
{
    RUN(round_trip);
    RUN(refuses_damage_whole);
    RUN(length_at_the_end_line);
    RUN(argument_count_bounded_by_the_file);
    return test_report();
}
