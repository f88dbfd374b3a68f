/*
 * daemon.c - the double fork, and the pipe back to the process that waits.
 *
 * The pipe carries one line: "ok" or "exit N".  If it closes with neither (the
 * daemon was killed or crashed during start-up), the waiting process says so
 * and exits 1.  The working directory is kept, unlike daemon(3): paths given
 * relative to it (rules, statistics, capture file) must go on meaning what
 * they meant on the command line, at start and at every SIGHUP.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static int ready_fd = -1; /* the daemon's end of the pipe until it has reported */

static void tell(const char *line)
{
    size_t len = strlen(line), done = 0;
    while (done < len) {
        ssize_t n = write(ready_fd, line + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the waiting process is gone: nobody is left to tell */
        done += (size_t)n;
    }
    close(ready_fd);
    ready_fd = -1;
}

/* The original process: reads the daemon's line; returns the exit status. */
static int wait_for_daemon(int fd, pid_t first_child)
{
    int wstatus;
    while (waitpid(first_child, &wstatus, 0) < 0 && errno == EINTR)
        ;
    char line[64];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, line + len, sizeof(line) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (memchr(line, '\n', len) || len == sizeof(line) - 1)
            break;
    }
    close(fd);
    line[len] = '\0';
    int status;
    if (strcmp(line, "ok\n") == 0)
        return 0;
    if (sscanf(line, "exit %d", &status) == 1)
        return status;
    if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) != 0)
        return WEXITSTATUS(wstatus); /* the first child could not fork: it said why */
    fprintf(stderr, "shadowtap-sensor: the daemon ended during start-up without a word "
                    "(killed?)\n");
    return 1;
}

int daemon_start(int *exit_status, char *err, size_t errlen)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot go to the background: pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot go to the background: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        *exit_status = wait_for_daemon(fds[0], pid);
        return 1;
    }
    close(fds[0]);
    if (setsid() < 0) {
        fprintf(stderr, "shadowtap-sensor: cannot go to the background: setsid: %s\n",
                strerror(errno));
        _exit(1);
    }
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "shadowtap-sensor: cannot go to the background: fork: %s\n",
                strerror(errno));
        _exit(1);
    }
    if (pid > 0)
        _exit(0);
    ready_fd = fds[1];
    return 0;
}

void daemon_ready(void)
{
    if (ready_fd < 0)
        return;
    /* Syslog first: a thread's message between the two steps must not vanish. */
    log_use_syslog(true);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO)
            close(null);
    }
    tell("ok\n");
}

void daemon_finish(int status)
{
    if (ready_fd < 0)
        return;
    char line[32];
    snprintf(line, sizeof(line), "exit %d\n", status);
    tell(line);
}
