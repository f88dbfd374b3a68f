/*
 * privdrop.h - give up root once the capture handles are open.
 *
 * Opening a capture needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous
 * mode); nothing after that does.  The sensor switches to an unprivileged user
 * before it parses a single packet, so a bug in a dissector runs with no
 * privilege worth having.
 */
#ifndef SHADOWTAP_PRIVDROP_H
#define SHADOWTAP_PRIVDROP_H

#include <stddef.h>

/* Switches to user (name or numeric uid): supplementary groups cleared, the
 * user's primary group, then the uid; then checks that root cannot be regained.
 * Returns 0, or -1 with the reason in err (the caller must exit). */
int privdrop_to(const char *user, char *err, size_t errlen);

#endif
