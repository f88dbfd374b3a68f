/*
 * privdrop.c - setgroups, setgid, setuid, in that order, and verify; or, for a
 * non-root process started with capabilities, capset to nothing and verify.
 *
 * Capabilities are set with the raw capset system call rather than libcap: two
 * calls do not justify a library.
 */
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char *end;
        unsigned long n = strtoul(user, &end, 10);
        if (*user && !*end)
            pw = getpwuid((uid_t)n);
    }
    if (!pw) {
        snprintf(err, errlen, "-Z %s: no such user", user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        snprintf(err, errlen, "-Z %s: refusing to \"drop\" to root", user);
        return -1;
    }
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

int privdrop_to(const char *user, char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    if (privdrop_lookup(user, &uid, &gid, err, errlen) != 0)
        return -1;
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

int privdrop_capabilities(char *err, size_t errlen)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    /* Ambient capabilities would come back in the permitted set of anything
     * exec'd; clearing them first is allowed without any privilege. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
        snprintf(err, errlen, "clearing ambient capabilities: %s", strerror(errno));
        return -1;
    }
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capset, &hdr, data) != 0) {
        snprintf(err, errlen, "capset: %s", strerror(errno));
        return -1;
    }
    if (syscall(SYS_capget, &hdr, data) != 0) {
        snprintf(err, errlen, "capget: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
        if (data[i].effective || data[i].permitted || data[i].inheritable) {
            snprintf(err, errlen, "capabilities were not fully dropped");
            return -1;
        }
    }
    return 0;
}
