/*
 * test_redis_conn.c - Redis URLs: every accepted form with its defaults, user
 * and password with %-escapes, IPv6 literals, unix sockets, Sentinel lists,
 * and every malformed form rejected with a message.  No server is needed.
 */
#include "redis_conn.h"

#include <stdlib.h>

#include "test.h"

static struct redis_target t;
static char err[512];

static int parse(const char *url)
{
    memset(&t, 0x5a, sizeof(t));
    err[0] = '\0';
    return redis_target_parse(url, &t, err, sizeof(err));
}

TEST(tcp_forms)
{
    CHECK_INT(parse("redis://localhost"), 0);
    CHECK_INT(t.kind, REDIS_KIND_TCP);
    CHECK_STR(t.host, "localhost");
    CHECK_INT(t.port, 6379);
    CHECK_INT(t.db, 0);
    CHECK_STR(t.user, "");
    CHECK_STR(t.password, "");
    CHECK_INT(t.connect_timeout_ms, 2000);
    CHECK_INT(t.command_timeout_ms, 2000);
    CHECK_INT(t.nsentinels, 0);

    CHECK_INT(parse("redis://10.1.2.3:6380"), 0);
    CHECK_STR(t.host, "10.1.2.3");
    CHECK_INT(t.port, 6380);

    CHECK_INT(parse("redis://db.example.com:1/15"), 0);
    CHECK_STR(t.host, "db.example.com");
    CHECK_INT(t.port, 1);
    CHECK_INT(t.db, 15);

    CHECK_INT(parse("redis://h:65535/0"), 0);
    CHECK_INT(t.port, 65535);
    CHECK_INT(t.db, 0);

    CHECK_INT(parse("redis://h/3"), 0);
    CHECK_INT(t.port, 6379);
    CHECK_INT(t.db, 3);

    CHECK_INT(parse("redis://h/"), 0); /* an empty path is database 0 */
    CHECK_INT(t.db, 0);
}

TEST(user_and_password)
{
    CHECK_INT(parse("redis://:secret@h"), 0);
    CHECK_STR(t.user, "");
    CHECK_STR(t.password, "secret");
    CHECK_STR(t.host, "h");

    CHECK_INT(parse("redis://alice:secret@h:7000/2"), 0);
    CHECK_STR(t.user, "alice");
    CHECK_STR(t.password, "secret");
    CHECK_STR(t.host, "h");
    CHECK_INT(t.port, 7000);
    CHECK_INT(t.db, 2);

    /* %-escapes let a password hold '@', ':', '/', '%' and spaces */
    CHECK_INT(parse("redis://bob%2Bops:p%40ss%3Aw%2Fo%25rd%20x@h"), 0);
    CHECK_STR(t.user, "bob+ops");
    CHECK_STR(t.password, "p@ss:w/o%rd x");
    CHECK_INT(parse("redis://:%7e%7E@h"), 0);
    CHECK_STR(t.password, "~~");
    /* a raw '@' in the password: the last '@' ends it */
    CHECK_INT(parse("redis://:p@ss@h"), 0);
    CHECK_STR(t.password, "p@ss");
    CHECK_STR(t.host, "h");
    /* a ':' in the password after the first one separates only the user */
    CHECK_INT(parse("redis://u:a:b@h"), 0);
    CHECK_STR(t.user, "u");
    CHECK_STR(t.password, "a:b");
}

TEST(ipv6_literals)
{
    CHECK_INT(parse("redis://[::1]"), 0);
    CHECK_STR(t.host, "::1");
    CHECK_INT(t.port, 6379);
    CHECK_INT(parse("redis://[2001:db8::7]:6390/4"), 0);
    CHECK_STR(t.host, "2001:db8::7");
    CHECK_INT(t.port, 6390);
    CHECK_INT(t.db, 4);
    CHECK_INT(parse("redis://:pw@[fe80::1]:7000"), 0);
    CHECK_STR(t.host, "fe80::1");
    CHECK_STR(t.password, "pw");
}

TEST(unix_sockets)
{
    CHECK_INT(parse("unix:///run/redis/redis.sock"), 0);
    CHECK_INT(t.kind, REDIS_KIND_UNIX);
    CHECK_STR(t.path, "/run/redis/redis.sock");
    CHECK_INT(t.db, 0);
    CHECK_INT(parse("unix:///tmp/r.sock?db=9"), 0);
    CHECK_STR(t.path, "/tmp/r.sock");
    CHECK_INT(t.db, 9);
}

TEST(sentinel)
{
    CHECK_INT(parse("sentinel://s1:26379,s2:26380/mymaster?db=2"), 0);
    CHECK_INT(t.kind, REDIS_KIND_SENTINEL);
    CHECK_INT(t.nsentinels, 2);
    CHECK_STR(t.sentinels[0].host, "s1");
    CHECK_INT(t.sentinels[0].port, 26379);
    CHECK_STR(t.sentinels[1].host, "s2");
    CHECK_INT(t.sentinels[1].port, 26380);
    CHECK_STR(t.master, "mymaster");
    CHECK_INT(t.db, 2);

    /* default sentinel port, IPv6 sentinels, a password for the primary */
    CHECK_INT(parse("sentinel://:pw@a,[2001:db8::1]:5000,c.example/prod-cache"), 0);
    CHECK_INT(t.nsentinels, 3);
    CHECK_STR(t.sentinels[0].host, "a");
    CHECK_INT(t.sentinels[0].port, 26379);
    CHECK_STR(t.sentinels[1].host, "2001:db8::1");
    CHECK_INT(t.sentinels[1].port, 5000);
    CHECK_STR(t.sentinels[2].host, "c.example");
    CHECK_INT(t.sentinels[2].port, 26379);
    CHECK_STR(t.master, "prod-cache");
    CHECK_STR(t.password, "pw");
    CHECK_INT(t.db, 0);

    /* the most sentinels allowed */
    CHECK_INT(parse("sentinel://a,b,c,d,e,f,g,h/m"), 0);
    CHECK_INT(t.nsentinels, REDIS_MAX_SENTINELS);
}

TEST(describe_leaves_the_password_out)
{
    char buf[512];
    CHECK_INT(parse("redis://alice:hunter2@db:6380/3"), 0);
    redis_target_describe(&t, buf, sizeof(buf));
    CHECK_STR(buf, "db:6380 db 3");
    CHECK(strstr(buf, "hunter2") == NULL);
    CHECK_INT(parse("unix:///run/r.sock?db=1"), 0);
    redis_target_describe(&t, buf, sizeof(buf));
    CHECK_STR(buf, "unix:///run/r.sock db 1");
    CHECK_INT(parse("sentinel://:hunter2@s1:1,s2:2/main"), 0);
    redis_target_describe(&t, buf, sizeof(buf));
    CHECK_STR(buf, "sentinel master \"main\" via s1:1,... db 0");
    CHECK(strstr(buf, "hunter2") == NULL);
}

TEST(malformed_urls_are_rejected_with_a_message)
{
    static const char *const bad[] = {
        /* schemes */
        "",
        "localhost:6379",
        "http://h",
        "redis:/h",
        "redis:h",
        "REDIS://h",
        "rediss://h",
        /* hosts */
        "redis://",
        "redis://:6379",
        "redis:///3",
        "redis://:pw@",
        "redis://:pw@:6379",
        "redis://ho st",
        "redis://h?db=1",
        "redis://h#frag",
        "redis://[::1",
        "redis://[::1]x",
        "redis://[::1]:",
        "redis://[]",
        "redis://[]:6379",
        "redis://::1",
        "redis://2001:db8::1:6379",
        /* ports */
        "redis://h:",
        "redis://h:0",
        "redis://h:65536",
        "redis://h:123456",
        "redis://h:-1",
        "redis://h:+80",
        "redis://h:80x",
        "redis://h:6379:1",
        "redis://h: 80",
        /* databases */
        "redis://h/x",
        "redis://h/-1",
        "redis://h/+1",
        "redis://h/ 1",
        "redis://h/1x",
        "redis://h/1/2",
        "redis://h/99999999999",
        /* escapes */
        "redis://:%@h",
        "redis://:%4@h",
        "redis://:%zz@h",
        "redis://u%g0:pw@h",
        "redis://:a%00b@h",
        /* unix */
        "unix://",
        "unix://relative.sock",
        "unix://?db=1",
        "unix:///tmp/r.sock?db=",
        "unix:///tmp/r.sock?db=x",
        "unix:///tmp/r.sock?database=1",
        "unix:///tmp/r.sock?db=1&x=2",
        /* sentinel */
        "sentinel://",
        "sentinel://s1",
        "sentinel://s1/",
        "sentinel:///m",
        "sentinel://s1:0/m",
        "sentinel://s1:99999/m",
        "sentinel://s1:x/m",
        "sentinel://[::1/m",
        "sentinel://s1/m?db=x",
        "sentinel://s1/m?db=",
        "sentinel://s1/m?foo=1",
        "sentinel://a,b,c,d,e,f,g,h,i/m",
        "sentinel://s1,,s2/m",
        "sentinel://,s1/m",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse(bad[i]);
        if (rc != -1 || err[0] == '\0') {
            CHECK(!"a malformed URL was accepted or rejected without a message");
            fprintf(stderr, "    \"%s\" -> %d, host \"%.40s\", err \"%s\"\n", bad[i], rc,
                    t.host, err);
        }
    }
}

TEST(long_parts)
{
    char url[2048], part[600];
    memset(part, 'a', sizeof(part) - 1);
    part[sizeof(part) - 1] = '\0';
    snprintf(url, sizeof(url), "redis://%s", part);
    CHECK_INT(parse(url), -1);
    CHECK(err[0] != '\0');
    snprintf(url, sizeof(url), "redis://:%s@h", part);
    CHECK_INT(parse(url), -1);
    CHECK(err[0] != '\0');
    snprintf(url, sizeof(url), "unix:///%s", part);
    CHECK_INT(parse(url), -1);
    snprintf(url, sizeof(url), "sentinel://s/%s", part);
    CHECK_INT(parse(url), -1);
    /* a message is cut to the buffer given */
    char small[16];
    CHECK_INT(redis_target_parse("http://x", &t, small, sizeof(small)), -1);
    CHECK_INT(strlen(small), sizeof(small) - 1);
    /* the longest host that fits */
    memset(part, 'b', 255);
    part[255] = '\0';
    snprintf(url, sizeof(url), "redis://%s:1", part);
    CHECK_INT(parse(url), 0);
    CHECK_INT(strlen(t.host), 255);
    part[256 - 1] = 'b';
    part[256] = '\0';
    snprintf(url, sizeof(url), "redis://%s:1", part);
    CHECK_INT(parse(url), -1);
}

int main(void)
{
    RUN(tcp_forms);
    RUN(user_and_password);
    RUN(ipv6_literals);
    RUN(unix_sockets);
    RUN(sentinel);
    RUN(describe_leaves_the_password_out);
    RUN(malformed_urls_are_rejected_with_a_message);
    RUN(long_parts);
    return test_report();
}
