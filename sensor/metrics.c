/*
 * metrics.c - a minimal HTTP/1.0 responder for Prometheus scrapes.
 */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct metrics {
    int fd;
    int wake[2]; /* a pipe that stops the thread */
    pthread_t thread;
    pthread_mutex_t lock;
    char *text;
};

static int parse_listen(const char *address, struct sockaddr_storage *ss, socklen_t *len, char *err,
                        size_t errlen)
{
    char host[64];
    const char *colon = strrchr(address, ':');
    if (!colon || colon == address || (size_t)(colon - address) >= sizeof(host)) {
        snprintf(err, errlen, "metrics.address \"%s\": expected HOST:PORT, e.g. 127.0.0.1:9560",
                 address);
        return -1;
    }
    memcpy(host, address, (size_t)(colon - address));
    host[colon - address] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) {
        snprintf(err, errlen, "metrics.address \"%s\": bad port", address);
        return -1;
    }
    memset(ss, 0, sizeof(*ss));
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &sin6->sin6_addr) != 1)
            goto bad;
        if (!IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
            goto not_loopback;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*sin6);
        return 0;
    }
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
        goto bad;
    if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
        goto not_loopback;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    *len = sizeof(*sin);
    return 0;
bad:
    snprintf(err, errlen, "metrics.address \"%s\": not an address", address);
    return -1;
not_loopback:
    snprintf(err, errlen,
             "metrics.address \"%s\": only loopback addresses are allowed (127.0.0.0/8, [::1])",
             address);
    return -1;
}

int metrics_check_address(const char *address, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    return parse_listen(address, &ss, &len, err, errlen);
}

static void answer(struct metrics *m, int c)
{
    /* Read the request line within a short time; anything but GET /metrics is a 404. */
    char req[1024];
    size_t got = 0;
    struct pollfd p = {c, POLLIN, 0};
    while (got < sizeof(req) - 1 && poll(&p, 1, 1000) == 1) {
        ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
            break;
    }
    req[got] = '\0';
    bool ok = strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET /metrics\r", 13) == 0;
    pthread_mutex_lock(&m->lock);
    const char *body = ok ? (m->text ? m->text : "") : "not found\n";
    char head[160];
    int hn = snprintf(head, sizeof(head),
                      "HTTP/1.0 %s\r\nContent-Type: text/plain; version=0.0.4\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                      ok ? "200 OK" : "404 Not Found", strlen(body));
    char *out = malloc((size_t)hn + strlen(body));
    size_t outlen = 0;
    if (out) {
        memcpy(out, head, (size_t)hn);
        memcpy(out + hn, body, strlen(body));
        outlen = (size_t)hn + strlen(body);
    }
    pthread_mutex_unlock(&m->lock);
    for (size_t off = 0; out && off < outlen;) {
        ssize_t n = send(c, out + off, outlen - off, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    free(out);
}

static void *serve(void *arg)
{
    struct metrics *m = arg;
    struct pollfd fds[2] = {{m->fd, POLLIN, 0}, {m->wake[0], POLLIN, 0}};
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents)
            break;
        if (fds[0].revents & POLLIN) {
            int c = accept(m->fd, NULL, NULL);
            if (c >= 0) {
                answer(m, c);
                close(c);
            }
        }
    }
    return NULL;
}

struct metrics *metrics_start(const char *address, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (parse_listen(address, &ss, &len, err, errlen) != 0)
        return NULL;
    struct metrics *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(m->fd, (struct sockaddr *)&ss, len) != 0 || listen(m->fd, 8) != 0 ||
        pipe(m->wake) != 0) {
        snprintf(err, errlen, "metrics.listen %s: %s", address, strerror(errno));
        if (m->fd >= 0)
            close(m->fd);
        free(m);
        return NULL;
    }
    pthread_mutex_init(&m->lock, NULL);
    if (pthread_create(&m->thread, NULL, serve, m) == 0) {
        pthread_setname_np(m->thread, "st-metrics");
    } else {
        snprintf(err, errlen, "cannot start the metrics thread");
        close(m->fd);
        close(m->wake[0]);
        close(m->wake[1]);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void metrics_update(struct metrics *m, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        return;
    pthread_mutex_lock(&m->lock);
    free(m->text);
    m->text = copy;
    pthread_mutex_unlock(&m->lock);
}

void metrics_stop(struct metrics *m)
{
    if (!m)
        return;
    if (write(m->wake[1], "x", 1) < 0) {
        /* The thread is blocked in poll on this pipe; a failed write cannot happen here. */
    }
    pthread_join(m->thread, NULL);
    close(m->fd);
    close(m->wake[0]);
    close(m->wake[1]);
    pthread_mutex_destroy(&m->lock);
    free(m->text);
    free(m);
}
