/*
 * daemon.h - running in the background (-D) without losing start-up errors.
 *
 * The process started from a shell forks; the child starts a session of its
 * own and forks again (the daemon, which is no session leader, can never gain
 * a controlling terminal), and the first child exits.  The original process
 * then waits on a pipe for the daemon's word: "ok" once it captures, or the
 * status it exits with if its start-up failed, and exits with it.  Until then
 * the daemon keeps the terminal's stderr, so every start-up error is printed
 * where the operator typed the command, and the exit status is the one a
 * foreground start would have had (0, 1, 2).  When ready, the daemon puts
 * /dev/null on its standard input, output and error and logs to syslog.
 */
#ifndef SHADOWTAP_DAEMON_H
#define SHADOWTAP_DAEMON_H

#include <stddef.h>

/* Goes to the background.  Returns 0 in the daemon; 1 in the original process
 * once the daemon has reported, with the status to exit with in *exit_status;
 * -1 (in the original process, nothing forked) with the reason in err. */
int daemon_start(int *exit_status, char *err, size_t errlen);

/* In the daemon, once it runs: standard input, output and error to /dev/null,
 * messages to syslog, and the original process exits 0.  Does nothing in a
 * process that is not a daemon or has already said so. */
void daemon_ready(void);

/* In the daemon as it exits: if it never became ready, the original process
 * exits with status.  Does nothing otherwise. */
void daemon_finish(int status);

#endif
