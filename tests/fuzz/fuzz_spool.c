/*
 * fuzz_spool.c - the spool file reader (report/spool.h), over a buffer.
 *
 * Input: [mode][file...] (fuzz.h).  With mode bit 0 the target appends the end
 * line with the right checksum, as spool_write would, so the batch records
 * behind the checksum get fuzzed too.  A file that parses must queue exactly
 * the batches it counted, all or nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spool.h"
#include "store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_batch(void *ctx, uint64_t seq, uint64_t prev, int argc, const char *const *argv,
                       const size_t *argvlen)
{
    int *n = ctx;
    if (argc < 1)
        abort();
    for (int i = 0; i < argc; i++) {
        if (!argv[i] || argv[i][argvlen[i]] != '\0')
            abort();
    }
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t len = size - 1;
    bool fix_end = data[0] & FUZZ_SPOOL_FIX_END;
    char *buf = malloc(len + (fix_end ? 14 : 0) + 1);
    if (!buf)
        return 0;
    memcpy(buf, data + 1, len);
    if (fix_end) {
        char line[16];
        snprintf(line, sizeof(line), "end %08lx\n", spool_crc32(0, buf, len));
        memcpy(buf + len, line, 13);
        len += 13;
    }
    /* The file's bytes alone: nothing past them may be read. */
    char *file = malloc(len ? len : 1);
    if (!file) {
        free(buf);
        return 0;
    }
    memcpy(file, buf, len);
    free(buf);

    struct store_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.sensor_id, sizeof(cfg.sensor_id), "%s", FUZZ_SPOOL_SENSOR);
    struct store *s = store_new(&cfg);
    if (!s) {
        free(file);
        return 0;
    }
    char err[512];
    err[0] = '\0';
    int n = spool_parse("fuzz.stsp", file, len, FUZZ_SPOOL_SENSOR, s, err, sizeof(err));
    int queued = 0;
    store_each_queued(s, count_batch, &queued);
    if (n >= 0 ? (size_t)queued != store_queued(s) || queued != n : queued != 0 || !err[0])
        abort();
    store_free(s);
    free(file);
    return 0;
}
