/*
 * pidfile.h - the sensor's process id in a file, held for its whole life.
 *
 * The file is opened without following a symbolic link and locked (flock,
 * exclusive); the lock, not the number inside, says whether a sensor is
 * running: the kernel drops it when the process ends, however it ends.  So a
 * file whose lock is held is refused (another sensor runs), and a file left by
 * a sensor that was killed is stale and simply taken over.  The number is
 * written for people and tools (kill $(cat FILE)).
 */
#ifndef SHADOWTAP_PIDFILE_H
#define SHADOWTAP_PIDFILE_H

#include <stddef.h>

struct pidfile;

/* Creates or takes over path, locks it and writes the calling process's id.
 * Returns the handle (free it with pidfile_remove), or NULL with the reason in
 * err: the file is held by a running process (its pid is named), or it cannot
 * be created, locked or written.  *stale_pid is set to the pid a stale file
 * named (0 if none) so that the caller can say it was replaced. */
struct pidfile *pidfile_create(const char *path, long *stale_pid, char *err, size_t errlen);

/* Removes the file and releases the lock; accepts NULL.  When the folder no
 * longer lets the process remove the file (privileges dropped since), the file
 * is emptied instead: unlocked and empty, it reads as stale to the next start.
 * Returns 0, or -1 when neither worked (errno set). */
int pidfile_remove(struct pidfile *pf);

#endif
