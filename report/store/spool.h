/*
 * spool.h - counts that could not reach Redis, kept on disk until they can.
 *
 * When the sensor stops while Redis is away, the store's queued batches are
 * written to a spool file: first to a temporary name, fsync'd, then renamed,
 * so a file under its final name is always complete.  The next start replays
 * every spool file (oldest first) before anything else and removes each once
 * Redis has acknowledged it.  Batches keep their sequence numbers, so a replay
 * that Redis had in fact already applied is recognised and skipped.
 *
 * Format (text, so an operator can look at it):
 *   shadowtap-spool 1
 *   sensor <id>
 *   batch <seq> <prev> <argc>
 *   <len> <bytes>\n           (argc times)
 *   ...
 *   end <crc32 of everything before this line, 8 hex digits>
 * A file that fails the check is renamed to <name>.bad and reported; it is
 * never partly applied.
 */
#ifndef SHADOWTAP_SPOOL_H
#define SHADOWTAP_SPOOL_H

#include <stddef.h>

#include "store.h"

/* Writes the store's queued batches to a new file in dir (numbering them first
 * with store_assign_seqs, so the caller passes a non-const store).  Returns 0 and the
 * file's path in path_out, or -1 with the reason in err. */
int spool_write(const char *dir, const char *sensor_id, struct store *s, char *path_out,
                size_t path_len, char *err, size_t errlen);

/* Reads one spool file into the store's queue.  Returns the number of batches
 * read, or -1 with the reason in err (nothing is queued then). */
int spool_read(const char *path, const char *sensor_id, struct store *s, char *err,
               size_t errlen);

/* Same over a file's bytes already in memory (buf need not be NUL-terminated;
 * tests and fuzzing); name is used in messages. */
int spool_parse(const char *name, const char *buf, size_t len, const char *sensor_id,
                struct store *s, char *err, size_t errlen);

/* Replays every spool file of this sensor in dir: queues, sends, and removes
 * each file once stored.  Bad files are moved aside.  Returns the number of
 * files replayed, or -1 if Redis failed (the files stay for next time). */
int spool_replay(const char *dir, const char *sensor_id, struct store *s, char *err,
                 size_t errlen);

/* CRC-32 (IEEE 802.3), exposed for tests. */
unsigned long spool_crc32(unsigned long crc, const void *data, size_t len);

#endif
