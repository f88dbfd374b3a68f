/*
 * redis_conn.h - where Redis is and how to reach it, for the sensor and the
 * report program alike.
 *
 * URLs:
 *   redis://[[user]:password@]host[:port][/db]      TCP, default port 6379
 *   unix:///path/to/redis.sock[?db=N]                 unix socket
 *   sentinel://host:port[,host:port...]/master-name[?db=N]
 *                                                     ask Sentinel for the primary
 * A password may also come from the configuration (redis.password), which keeps
 * it out of the process list.  Connecting authenticates (AUTH, with an ACL
 * user when given), selects the database, and sets the command timeout.
 */
#ifndef SHADOWTAP_REDIS_CONN_H
#define SHADOWTAP_REDIS_CONN_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#define REDIS_MAX_SENTINELS 8

enum redis_kind { REDIS_KIND_TCP, REDIS_KIND_UNIX, REDIS_KIND_SENTINEL };

struct redis_target {
    enum redis_kind kind;
    char host[256];
    int port;
    char path[256];          /* unix socket */
    char user[128];          /* ACL user, "" for the default user */
    char password[256];      /* "" for none */
    int db;
    char master[128];        /* Sentinel master name */
    size_t nsentinels;
    struct {
        char host[256];
        int port;
    } sentinels[REDIS_MAX_SENTINELS];
    int connect_timeout_ms;
    int command_timeout_ms;
};

/* Parses url into t (defaults: timeouts 2000 ms).  Returns 0, or -1 with a
 * message in err. */
int redis_target_parse(const char *url, struct redis_target *t, char *err, size_t errlen);

/* Connects, authenticates and selects the database; for Sentinel, first asks
 * the sentinels in turn for the primary's address and checks its role.  Returns
 * a context, or NULL with a message in err. */
redisContext *redis_target_connect(const struct redis_target *t, char *err, size_t errlen);

/* Describes the target without its password, for logs. */
void redis_target_describe(const struct redis_target *t, char *buf, size_t len);

#endif
