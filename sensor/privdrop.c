/*
 * privdrop.c - setgroups, setgid, setuid, in that order, and verify.
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int privdrop_to(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char *end;
        unsigned long uid = strtoul(user, &end, 10);
        if (*user && !*end)
            pw = getpwuid((uid_t)uid);
    }
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        snprintf(err, errlen, "-Z %s: refusing to \"drop\" to root", user);
        return -1;
    }
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (setgroups(0, NULL) != 0) {
        snprintf(err, errlen, "setgroups: %s", strerror(errno));
        return -1;
    }
    if (setresgid(gid, gid, gid) != 0) {
        snprintf(err, errlen, "setresgid(%u): %s", (unsigned)gid, strerror(errno));
        return -1;
    }
    if (setresuid(uid, uid, uid) != 0) {
        snprintf(err, errlen, "setresuid(%u): %s", (unsigned)uid, strerror(errno));
        return -1;
    }
    /* Paranoia that costs nothing: prove the way back is closed. */
    if (setuid(0) == 0 || seteuid(0) == 0 || getuid() != uid || geteuid() != uid ||
        getgid() != gid || getegid() != gid) {
        snprintf(err, errlen, "privileges were not fully dropped");
        return -1;
    }
    return 0;
}
