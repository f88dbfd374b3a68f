/*
 * pidfile.c - the process id file, with a lock that says who holds it.
 *
 * Why a lock and not "O_EXCL, then kill(pid, 0) on the number inside": a
 * sensor killed with SIGKILL leaves its file behind, and its number may by now
 * belong to another process, so the number alone can neither prove a sensor is
 * running nor that none is.  The flock is the kernel's word on it.  Two starts
 * racing for one path are settled the same way: one gets the lock.  The only
 * subtle case is a holder that removes the file between our open and our lock:
 * we would then hold a lock on a file no longer at that path, so after locking
 * we check that the path still names the file we locked, and start over if not.
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct pidfile {
    int fd;
    char *path;
};

/* The number the file holds, 0 if it holds none. */
static long read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end;
    errno = 0;
    long pid = strtol(buf, &end, 10);
    if (errno || end == buf || pid <= 0 || (*end && *end != '\n'))
        return 0;
    return pid;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

struct pidfile *pidfile_create(const char *path, long *stale_pid, char *err, size_t errlen)
{
    *stale_pid = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0644);
        if (fd < 0) {
            if (errno == ELOOP)
                snprintf(err, errlen, "%s: the pidfile is a symbolic link; not following it", path);
            else
                snprintf(err, errlen, "%s: cannot create the pidfile: %s", path, strerror(errno));
            return NULL;
        }
        struct stat opened, named;
        if (fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
            snprintf(err, errlen, "%s: the pidfile is not a regular file", path);
            close(fd);
            return NULL;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EWOULDBLOCK) {
                long pid = read_pid(fd);
                if (pid)
                    snprintf(err, errlen,
                             "%s: a sensor is already running with this pidfile (pid %ld); stop "
                             "it first or give another --pidfile",
                             path, pid);
                else
                    snprintf(err, errlen,
                             "%s: a running process holds this pidfile; stop it first or give "
                             "another --pidfile",
                             path);
            } else {
                snprintf(err, errlen, "%s: cannot lock the pidfile: %s", path, strerror(errno));
            }
            close(fd);
            return NULL;
        }
        if (lstat(path, &named) != 0 || !same_file(&opened, &named)) {
            close(fd); /* its holder removed it as we opened it: open what is there now */
            continue;
        }
        *stale_pid = read_pid(fd);
        char line[32];
        int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n) {
            snprintf(err, errlen, "%s: cannot write the pidfile: %s", path, strerror(errno));
            close(fd);
            return NULL;
        }
        struct pidfile *pf = malloc(sizeof(*pf));
        char *copy = strdup(path);
        if (!pf || !copy) {
            snprintf(err, errlen, "out of memory");
            free(pf);
            free(copy);
            unlink(path);
            close(fd);
            return NULL;
        }
        pf->fd = fd;
        pf->path = copy;
        return pf;
    }
    snprintf(err, errlen, "%s: the pidfile keeps being replaced by another process", path);
    return NULL;
}

int pidfile_remove(struct pidfile *pf)
{
    if (!pf)
        return 0;
    int rc = 0;
    struct stat opened, named;
    /* Only the file we hold: an operator may have put another in its place. */
    if (fstat(pf->fd, &opened) == 0 && lstat(pf->path, &named) == 0 && same_file(&opened, &named) &&
        unlink(pf->path) != 0) {
        int saved = errno;
        if (ftruncate(pf->fd, 0) != 0) {
            rc = -1;
            errno = saved;
        }
    }
    close(pf->fd); /* releases the lock */
    free(pf->path);
    free(pf);
    return rc;
}
