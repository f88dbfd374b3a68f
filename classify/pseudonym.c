/*
 * pseudonym.c - the device key file and keyed device pseudonyms.
 */
#include "pseudonym.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_hex_key(const char *text, struct siphash_key *key)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(text + 2 * i, "%2x", &v) != 1)
            return -1;
        b[i] = (uint8_t)v;
    }
    key->k0 = key->k1 = 0;
    for (int i = 0; i < 8; i++) {
        key->k0 |= (uint64_t)b[i] << (8 * i);
        key->k1 |= (uint64_t)b[8 + i] << (8 * i);
    }
    return 0;
}

/* Writes a new key under a temporary name and links it into place, so that a
 * reader never sees a half-written key and of two sensors starting together
 * one key wins (the loser gets EEXIST and reads the winner's). */
static int create_key(const char *path, char *err, size_t errlen)
{
    uint8_t b[16];
    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        snprintf(err, errlen, "%s: no random bytes for a new key: %s", path, strerror(errno));
        return -1;
    }
    char text[34];
    for (int i = 0; i < 16; i++)
        snprintf(text + 2 * i, 3, "%02x", b[i]);
    text[32] = '\n';
    text[33] = '\0';
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot create the device key: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    if (write(fd, text, 33) != 33 || fsync(fd) != 0) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot write the device key: %s", path, strerror(e));
        close(fd);
        unlink(tmp);
        errno = e;
        return -1;
    }
    close(fd);
    int rc = link(tmp, path);
    int e = errno;
    unlink(tmp);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot create the device key: %s", path, strerror(e));
        errno = e;
        return -1;
    }
    return 0;
}

int pseudonym_key_load(const char *path, bool create, struct siphash_key *key, char *err,
                       size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT && create) {
        /* Another sensor starting at the same moment may create it first: then
         * its key is the one to use. */
        if (create_key(path, err, errlen) != 0 && errno != EEXIST)
            return -1;
        fd = open(path, O_RDONLY | O_NOFOLLOW);
    }
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open the device key: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: the device key is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, errlen,
                 "%s: the device key is readable by others (mode %03o); run chmod 600 on it",
                 path, (unsigned)(st.st_mode & 0777));
        close(fd);
        return -1;
    }
    char text[64] = {0};
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    size_t len = n > 0 ? strcspn(text, "\r\n") : 0;
    if (len != 32 || strspn(text, "0123456789abcdefABCDEF") < 32 || parse_hex_key(text, key)) {
        snprintf(err, errlen, "%s:1: expected 32 hexadecimal digits (a 128-bit key)", path);
        return -1;
    }
    return 0;
}

uint64_t pseudonym_device(const struct siphash_key *key, const struct netaddr *addr)
{
    return siphash24(key, addr->b, sizeof(addr->b));
}

void pseudonym_format(uint64_t device, char buf[PSEUDONYM_STRLEN])
{
    snprintf(buf, PSEUDONYM_STRLEN, "%016" PRIx64, device);
}
