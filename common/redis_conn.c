/*
 * redis_conn.c - parse Redis URLs and open authenticated connections.
 */
#include "redis_conn.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

static int copy_part(char *dst, size_t dstlen, const char *s, size_t n)
{
    if (n >= dstlen)
        return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

/* Decodes %XX escapes in place (passwords may contain '@', ':' or '/'). */
static int percent_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%') {
            if (!isxdigit((unsigned char)r[1]) || !isxdigit((unsigned char)r[2]))
                return -1;
            char hex[3] = {r[1], r[2], 0};
            long v = strtol(hex, NULL, 16);
            if (v == 0)
                return -1; /* %00 would cut the string short */
            *w++ = (char)v;
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return 0;
}

static int parse_port(const char *s, size_t n, int *port)
{
    if (n == 0 || n > 5)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > 65535)
        return -1;
    *port = v;
    return 0;
}

static int parse_db(const char *s, int *db)
{
    if (!*s)
        return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 0 || v > 1000000 || !isdigit((unsigned char)*s))
        return -1;
    *db = (int)v;
    return 0;
}

/* Host names and IPv4 addresses: letters, digits, '-', '_' and '.'.  Inside
 * brackets, an IPv6 literal: it holds a ':', and may also use '%' for a zone
 * ("fe80::1%eth0").  Anything else ("h?db=1", "ho st", "[]") is a mistake in
 * the URL, better reported here than as a failed DNS look-up later. */
static int valid_host(const char *host, int bracketed)
{
    if (!*host || (bracketed && !strchr(host, ':')))
        return 0;
    for (const char *p = host; *p; p++) {
        if (isalnum((unsigned char)*p) || *p == '-' || *p == '.' || *p == '_')
            continue;
        if (bracketed && (*p == ':' || *p == '%'))
            continue;
        return 0;
    }
    return 1;
}

/* host[:port] with IPv6 literals in brackets. */
static int parse_hostport(const char *s, size_t n, char *host, size_t hostlen, int *port)
{
    const char *colon = NULL;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close)
            return -1;
        if (copy_part(host, hostlen, s + 1, (size_t)(close - s - 1)) != 0 || !valid_host(host, 1))
            return -1;
        if (close + 1 < s + n) {
            if (close[1] != ':')
                return -1;
            return parse_port(close + 2, (size_t)(s + n - close - 2), port);
        }
        return 0;
    }
    colon = memchr(s, ':', n);
    size_t hn = colon ? (size_t)(colon - s) : n;
    if (hn == 0 || copy_part(host, hostlen, s, hn) != 0 || !valid_host(host, 0))
        return -1;
    if (colon)
        return parse_port(colon + 1, (size_t)(s + n - colon - 1), port);
    return 0;
}

/* unix:///path.sock[?db=N] */
static int parse_unix_url(const char *url, struct redis_target *t, char *err, size_t errlen)
{
    t->kind = REDIS_KIND_UNIX;
    const char *p = url + 7;
    const char *q = strchr(p, '?');
    size_t n = q ? (size_t)(q - p) : strlen(p);
    if (n == 0 || p[0] != '/' || copy_part(t->path, sizeof(t->path), p, n) != 0) {
        snprintf(err, errlen, "\"%s\": expected unix:///absolute/path/to.sock", url);
        return -1;
    }
    if (q) {
        if (strncmp(q, "?db=", 4) != 0 || !q[4] || parse_db(q + 4, &t->db) != 0) {
            snprintf(err, errlen, "\"%s\": the only parameter is ?db=N", url);
            return -1;
        }
    }
    return 0;
}

/* The "[user:]password" before the '@' of an authority, %-escapes decoded. */
static int parse_credentials(char *userinfo, struct redis_target *t, char *err, size_t errlen)
{
    char *colon = strchr(userinfo, ':');
    if (colon) {
        *colon = '\0';
        if (copy_part(t->user, sizeof(t->user), userinfo, strlen(userinfo)) != 0 ||
            copy_part(t->password, sizeof(t->password), colon + 1, strlen(colon + 1)) != 0) {
            snprintf(err, errlen, "Redis user or password is too long");
            return -1;
        }
    } else if (copy_part(t->password, sizeof(t->password), userinfo, strlen(userinfo)) != 0) {
        snprintf(err, errlen, "Redis password is too long");
        return -1;
    }
    if (percent_decode(t->user) != 0 || percent_decode(t->password) != 0) {
        snprintf(err, errlen, "bad %%-escape in the Redis user or password");
        return -1;
    }
    return 0;
}

/* The sentinels' "host:port,host:port" and, after the '/', "master[?db=N]". */
static int parse_sentinels(const char *url, char *hosts, const char *slash, struct redis_target *t,
                           char *err, size_t errlen)
{
    t->kind = REDIS_KIND_SENTINEL;
    size_t hn = strlen(hosts);
    /* strtok_r would skip empty entries ("a,,b") without a word */
    if (hn > 0 && (hosts[0] == ',' || hosts[hn - 1] == ',' || strstr(hosts, ",,"))) {
        snprintf(err, errlen, "\"%s\": empty sentinel address in the list", url);
        return -1;
    }
    char *save = NULL;
    for (char *h = strtok_r(hosts, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
        if (t->nsentinels == REDIS_MAX_SENTINELS) {
            snprintf(err, errlen, "at most %d sentinels", REDIS_MAX_SENTINELS);
            return -1;
        }
        t->sentinels[t->nsentinels].port = 26379;
        if (parse_hostport(h, strlen(h), t->sentinels[t->nsentinels].host,
                           sizeof(t->sentinels[0].host), &t->sentinels[t->nsentinels].port) != 0) {
            snprintf(err, errlen, "\"%s\" is not host:port", h);
            return -1;
        }
        t->nsentinels++;
    }
    const char *rest = slash ? slash + 1 : "";
    const char *q = strchr(rest, '?');
    size_t mn = q ? (size_t)(q - rest) : strlen(rest);
    if (t->nsentinels == 0 || mn == 0 || copy_part(t->master, sizeof(t->master), rest, mn) != 0) {
        snprintf(err, errlen, "\"%s\": expected sentinel://host:port[,host:port]/master-name", url);
        return -1;
    }
    if (q && (strncmp(q, "?db=", 4) != 0 || !q[4] || parse_db(q + 4, &t->db) != 0)) {
        snprintf(err, errlen, "\"%s\": the only parameter is ?db=N", url);
        return -1;
    }
    return 0;
}

int redis_target_parse(const char *url, struct redis_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof(*t));
    t->port = 6379;
    t->connect_timeout_ms = 2000;
    t->command_timeout_ms = 2000;

    if (strncmp(url, "unix://", 7) == 0)
        return parse_unix_url(url, t, err, errlen);

    int sentinel = strncmp(url, "sentinel://", 11) == 0;
    if (!sentinel && strncmp(url, "redis://", 8) != 0) {
        snprintf(err, errlen,
                 "\"%s\": expected redis://host:port[/db], unix:///path or "
                 "sentinel://host:port,.../master",
                 url);
        return -1;
    }
    const char *p = url + (sentinel ? 11 : 8);
    const char *slash = strchr(p, '/');
    size_t authority_len = slash ? (size_t)(slash - p) : strlen(p);
    char authority[1024];
    if (copy_part(authority, sizeof(authority), p, authority_len) != 0) {
        snprintf(err, errlen, "Redis URL is too long");
        return -1;
    }
    char *hosts = authority;
    char *at = strrchr(authority, '@');
    if (at) {
        *at = '\0';
        hosts = at + 1;
        if (parse_credentials(authority, t, err, errlen) != 0)
            return -1;
    }
    if (sentinel)
        return parse_sentinels(url, hosts, slash, t, err, errlen);

    t->kind = REDIS_KIND_TCP;
    if (parse_hostport(hosts, strlen(hosts), t->host, sizeof(t->host), &t->port) != 0) {
        snprintf(err, errlen, "\"%s\": expected redis://host[:port][/db]", url);
        return -1;
    }
    if (slash && parse_db(slash + 1, &t->db) != 0) {
        snprintf(err, errlen, "\"%s\": the database after '/' must be a number", url);
        return -1;
    }
    return 0;
}

void redis_target_describe(const struct redis_target *t, char *buf, size_t len)
{
    switch (t->kind) {
    case REDIS_KIND_UNIX:
        snprintf(buf, len, "unix://%s db %d", t->path, t->db);
        break;
    case REDIS_KIND_TCP:
        snprintf(buf, len, "%s:%d db %d", t->host, t->port, t->db);
        break;
    case REDIS_KIND_SENTINEL:
        snprintf(buf, len, "sentinel master \"%s\" via %s:%d%s db %d", t->master,
                 t->sentinels[0].host, t->sentinels[0].port, t->nsentinels > 1 ? ",..." : "",
                 t->db);
        break;
    }
}

static struct timeval ms_to_tv(int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    return tv;
}

static redisContext *open_tcp(const char *host, int port, const struct redis_target *t, char *err,
                              size_t errlen)
{
    redisContext *c = redisConnectWithTimeout(host, port, ms_to_tv(t->connect_timeout_ms));
    if (!c || c->err) {
        snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port,
                 c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    return c;
}

/* Runs a command expecting a status or any non-error reply. */
static int expect_ok(redisContext *c, redisReply *r, const char *what, char *err, size_t errlen)
{
    if (!r) {
        snprintf(err, errlen, "%s: %s", what, c->errstr[0] ? c->errstr : "no reply");
        return -1;
    }
    int rc = 0;
    if (r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%s: %s", what, r->str);
        rc = -1;
    }
    freeReplyObject(r);
    return rc;
}

static int authenticate(redisContext *c, const struct redis_target *t, char *err, size_t errlen)
{
    if (t->password[0]) {
        redisReply *r = t->user[0] ? redisCommand(c, "AUTH %s %s", t->user, t->password)
                                   : redisCommand(c, "AUTH %s", t->password);
        if (expect_ok(c, r, "AUTH", err, errlen) != 0)
            return -1;
    }
    if (t->db != 0) {
        redisReply *r = redisCommand(c, "SELECT %d", t->db);
        if (expect_ok(c, r, "SELECT", err, errlen) != 0)
            return -1;
    }
    return 0;
}

/* Asks sentinel i for the primary's address. */
static int sentinel_primary(const struct redis_target *t, size_t i, char *host, size_t hostlen,
                            int *port, char *err, size_t errlen)
{
    redisContext *s = open_tcp(t->sentinels[i].host, t->sentinels[i].port, t, err, errlen);
    if (!s)
        return -1;
    redisSetTimeout(s, ms_to_tv(t->command_timeout_ms));
    redisReply *r = redisCommand(s, "SENTINEL get-master-addr-by-name %s", t->master);
    int rc = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
        snprintf(host, hostlen, "%s", r->element[0]->str);
        *port = atoi(r->element[1]->str);
        rc = 0;
    } else if (!r) {
        snprintf(err, errlen, "sentinel %s:%d: %s", t->sentinels[i].host, t->sentinels[i].port,
                 s->errstr[0] ? s->errstr : "no reply");
    } else {
        snprintf(err, errlen, "sentinel %s:%d does not know master \"%s\"", t->sentinels[i].host,
                 t->sentinels[i].port, t->master);
    }
    if (r)
        freeReplyObject(r);
    redisFree(s);
    return rc;
}

static int is_primary(redisContext *c)
{
    redisReply *r = redisCommand(c, "ROLE");
    int primary = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                  r->element[0]->type == REDIS_REPLY_STRING &&
                  strcmp(r->element[0]->str, "master") == 0;
    if (r)
        freeReplyObject(r);
    return primary;
}

/* Asks the sentinels in turn, and takes the first address that is a primary
 * when asked: during a failover one sentinel may still name the old primary
 * (now a replica, or down) while another already names the promoted one.
 * Every call asks afresh, so a reconnect after a failover finds the new one. */
static redisContext *connect_via_sentinels(const struct redis_target *t, char *err, size_t errlen)
{
    char last[1024] = "no sentinel answered";
    for (size_t i = 0; i < t->nsentinels; i++) {
        char host[256];
        int port = 0;
        if (sentinel_primary(t, i, host, sizeof(host), &port, last, sizeof(last)) != 0)
            continue;
        redisContext *c = open_tcp(host, port, t, last, sizeof(last));
        if (!c)
            continue;
        redisSetTimeout(c, ms_to_tv(t->command_timeout_ms));
        if (authenticate(c, t, last, sizeof(last)) != 0) {
            redisFree(c);
            continue;
        }
        if (!is_primary(c)) {
            snprintf(last, sizeof(last),
                     "%s:%d, which sentinel %s:%d names for \"%s\", is not a primary", host, port,
                     t->sentinels[i].host, t->sentinels[i].port, t->master);
            redisFree(c);
            continue;
        }
        return c;
    }
    snprintf(err, errlen, "%s", last);
    return NULL;
}

redisContext *redis_target_connect(const struct redis_target *t, char *err, size_t errlen)
{
    if (t->kind == REDIS_KIND_SENTINEL)
        return connect_via_sentinels(t, err, errlen);
    redisContext *c = NULL;
    if (t->kind == REDIS_KIND_UNIX) {
        c = redisConnectUnixWithTimeout(t->path, ms_to_tv(t->connect_timeout_ms));
        if (!c || c->err) {
            snprintf(err, errlen, "cannot connect to unix socket %s: %s", t->path,
                     c ? c->errstr : "out of memory");
            redisFree(c);
            return NULL;
        }
    } else {
        c = open_tcp(t->host, t->port, t, err, errlen);
    }
    if (!c)
        return NULL;
    redisSetTimeout(c, ms_to_tv(t->command_timeout_ms));
    if (authenticate(c, t, err, errlen) != 0) {
        redisFree(c);
        return NULL;
    }
    return c;
}
