/*
 * privdrop.h - give up root once the capture handles are open.
 *
 * Opening a capture needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous
 * mode); nothing after that does.  The sensor switches to an unprivileged user
 * before it parses a single packet, so a bug in a dissector runs with no
 * privilege worth having.  Started as an unprivileged user that holds those two
 * capabilities (the systemd unit, scripts/shadowtap-sensor.service), it clears
 * them at the same point instead.
 */
#ifndef SHADOWTAP_PRIVDROP_H
#define SHADOWTAP_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Looks user up (name or numeric uid) for its uid and primary group.  Returns
 * 0, or -1 with the reason in err; root is refused. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* Switches to user (name or numeric uid): supplementary groups cleared, the
 * user's primary group, then the uid; then checks that root cannot be regained.
 * Returns 0, or -1 with the reason in err (the caller must exit). */
int privdrop_to(const char *user, char *err, size_t errlen);

/* Clears every capability of the process: effective, permitted, inheritable
 * and ambient.  For a process that is not root (as root it would take nothing
 * away that matters: use privdrop_to).  Returns 0, or -1 with the reason in err
 * (the caller must exit). */
int privdrop_capabilities(char *err, size_t errlen);

#endif
