/*
 * test_proto_names.c - names from protocols nDPI 4.2 does not name: the Agora
 * SD-RTN hello, MGCP commands, the Munin banner, 220 greetings, HTTP Host (IP
 * literals, a request line longer than a segment), FastCGI params, the STUN
 * REALM and the DNS question that was answered; which side a name belongs to;
 * and every truncation of every message read within its bound.
 *
 * The messages are built here by hand after the protocols' layouts (RFC 3435,
 * RFC 5321, RFC 5389, RFC 1035, the FastCGI specification); the Agora hello
 * follows the layout seen on the wire (proto_names.c).
 */
#include "proto_names.h"

#include <stdlib.h>

#include "test.h"

static char out[HOSTNAME_MAX + 1];

#define TXT(s) (const uint8_t *)(s), sizeof(s) - 1

/* Runs reader on every proper prefix of msg in a buffer of exactly that size,
 * so that a read past the end is caught by the sanitizer build; none may find
 * more than the whole message does. */
#define EVERY_PREFIX(call_with_buf_len)                                                            \
    do {                                                                                           \
        for (size_t len_ = 0; len_ < sizeof(msg); len_++) {                                        \
            uint8_t *buf = malloc(len_ ? len_ : 1);                                                \
            memcpy(buf, msg, len_);                                                                \
            size_t len = len_;                                                                     \
            call_with_buf_len;                                                                     \
            free(buf);                                                                             \
        }                                                                                          \
    } while (0)

/* ---- Agora SD-RTN ---- */

static const uint8_t agora_hello[] = {
    0x00, 0x12, 0x34, 0x56, 0x00, 0x00, 0x21, 0x00, /* handshake, session id, type 0x0021 */
    0x00, 0x00, 0x00, 0x00, 0x04,                   /* peer id not yet known, version */
    'S',  'N',  'I',  0x00, 0x17, 0x00,             /* tag "SNI\0", 23 bytes */
    '1',  '9',  '2',  '-',  '0',  '-',  '2',  '-',  '1', '.', 'E', 'd', 'g',  'e',  '.',
    'a',  'g',  'o',  'r',  'a',  '.',  'i',  'o',  'P', 'D', 'M', 'D', 0x00, 0x00, /* the next tag,
                                                                                       empty */
};

TEST(agora_hello_names_the_edge_server)
{
    uint8_t msg[sizeof(agora_hello)];
    CHECK_INT(proto_names_agora_sni(agora_hello, sizeof(agora_hello), out, sizeof(out)), 23);
    CHECK_STR(out, "192-0-2-1.edge.agora.io");
    /* the server's answer (type 0x0023) and data packets (kind 1) are not hellos */
    memcpy(msg, agora_hello, sizeof(msg));
    msg[6] = 0x23;
    CHECK_INT(proto_names_agora_sni(msg, sizeof(msg), out, sizeof(out)), 0);
    CHECK_STR(out, "");
    memcpy(msg, agora_hello, sizeof(msg));
    msg[0] = 0x01;
    CHECK_INT(proto_names_agora_sni(msg, sizeof(msg), out, sizeof(out)), 0);
    /* another first tag, a length past the end, a name that is not one */
    memcpy(msg, agora_hello, sizeof(msg));
    msg[13] = 'X';
    CHECK_INT(proto_names_agora_sni(msg, sizeof(msg), out, sizeof(out)), 0);
    memcpy(msg, agora_hello, sizeof(msg));
    msg[17] = 0xff;
    CHECK_INT(proto_names_agora_sni(msg, sizeof(msg), out, sizeof(out)), 0);
    memcpy(msg, agora_hello, sizeof(msg));
    msg[20] = ' ';
    CHECK_INT(proto_names_agora_sni(msg, sizeof(msg), out, sizeof(out)), 0);
    /* through the dispatcher: the client's hello names the flow's destination */
    struct proto_names_packet udp = {17, 47805, 8130, true};
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(proto_names_read(&st, &udp, agora_hello, sizeof(agora_hello), &pn));
    CHECK_INT(pn.source, DPI_NAME_PROTOCOL);
    CHECK_STR(pn.name, "192-0-2-1.edge.agora.io");
}

TEST(agora_every_prefix)
{
    uint8_t msg[sizeof(agora_hello)];
    memcpy(msg, agora_hello, sizeof(msg));
    /* nothing until the name is whole, the name once it is */
    EVERY_PREFIX(
        CHECK_INT(proto_names_agora_sni(buf, len, out, sizeof(out)), len < 19 + 23 ? 0 : 23));
}

/* ---- MGCP ---- */

TEST(mgcp_endpoint_domain_and_direction)
{
    bool to_gw = false;
    CHECK_INT(proto_names_mgcp(TXT("RQNT 1201 aaln/1@GW1.example.net MGCP 1.0\r\nX: 0A3F\r\n"), out,
                               sizeof(out), &to_gw),
              15);
    CHECK_STR(out, "gw1.example.net");
    CHECK(to_gw);
    CHECK(proto_names_mgcp(TXT("RSIP 5200 *@vg1 MGCP 1.0\nRM: restart\n"), out, sizeof(out),
                           &to_gw) > 0);
    CHECK_STR(out, "vg1");
    CHECK(!to_gw);
    CHECK(proto_names_mgcp(TXT("CRCX 7 ds/ds1-1/1@[192.0.2.7] MGCP 1.0\n"), out, sizeof(out),
                           &to_gw) > 0);
    CHECK_STR(out, "192.0.2.7");
    CHECK(proto_names_mgcp(TXT("AUEP 9 aaln/1@gw.example.net:2427 MGCP 1.0\n"), out, sizeof(out),
                           &to_gw) > 0);
    CHECK_STR(out, "gw.example.net");
    /* not commands: a response, no '@', no "MGCP", a bad transaction id */
    CHECK_INT(proto_names_mgcp(TXT("200 1201 OK\n"), out, sizeof(out), &to_gw), 0);
    CHECK_INT(proto_names_mgcp(TXT("RQNT 1201 aaln/1 MGCP 1.0\n"), out, sizeof(out), &to_gw), 0);
    CHECK_INT(proto_names_mgcp(TXT("RQNT 1201 aaln/1@gw SIP/2.0\n"), out, sizeof(out), &to_gw), 0);
    CHECK_INT(proto_names_mgcp(TXT("RQNT x aaln/1@gw MGCP 1.0\n"), out, sizeof(out), &to_gw), 0);
    CHECK_INT(proto_names_mgcp(TXT("GET / HTTP/1.1\r\n"), out, sizeof(out), &to_gw), 0);
}

TEST(mgcp_every_prefix)
{
    static const char msg[] = "DLCX 12 aaln/2@gateway.example.org MGCP 1.0\r\nC: A3C47F\r\n";
    bool to_gw;
    EVERY_PREFIX(proto_names_mgcp(buf, len, out, sizeof(out), &to_gw));
}

/* ---- Munin, greetings ---- */

TEST(munin_banner)
{
    CHECK(proto_names_munin(TXT("# munin node at Node-07.example.lan\n"), out, sizeof(out)) > 0);
    CHECK_STR(out, "node-07.example.lan");
    CHECK(proto_names_munin(TXT("# munin node at db1\r\n"), out, sizeof(out)) > 0);
    CHECK_STR(out, "db1");
    CHECK_INT(proto_names_munin(TXT("# munin node at \n"), out, sizeof(out)), 0);
    CHECK_INT(proto_names_munin(TXT("# munin nod"), out, sizeof(out)), 0);
    CHECK_INT(proto_names_munin(TXT("# munin node at two words\n"), out, sizeof(out)), 0);
}

TEST(greeting_first_word)
{
    CHECK(proto_names_greeting(TXT("220 Mail.Example.COM ESMTP Postfix\r\n"), out, sizeof(out)) >
          0);
    CHECK_STR(out, "mail.example.com");
    CHECK(proto_names_greeting(TXT("220-mx.example.org ESMTP\r\n220 ready\r\n"), out, sizeof(out)) >
          0);
    CHECK_STR(out, "mx.example.org");
    CHECK(proto_names_greeting(TXT("220 ProFTPD Server ready\r\n"), out, sizeof(out)) > 0);
    CHECK_STR(out, "proftpd");
    CHECK_INT(proto_names_greeting(TXT("250 OK\r\n"), out, sizeof(out)), 0);
    CHECK_INT(proto_names_greeting(TXT("2201 x\r\n"), out, sizeof(out)), 0);
    CHECK_INT(proto_names_greeting(TXT("220 \r\n"), out, sizeof(out)), 0);
}

/* ---- HTTP ---- */

TEST(http_host_names_and_literals)
{
    CHECK(proto_names_http_host(TXT("GET / HTTP/1.1\r\nUser-Agent: x\r\nHost: WWW.Example.com\r\n"
                                    "\r\n"),
                                out, sizeof(out)) > 0);
    CHECK_STR(out, "www.example.com");
    CHECK(proto_names_http_host(TXT("GET /uri-res/N2R HTTP/1.1\r\nHost: 192.0.2.10:6346\r\n\r\n"),
                                out, sizeof(out)) > 0);
    CHECK_STR(out, "192.0.2.10");
    CHECK(proto_names_http_host(TXT("POST /x HTTP/1.0\r\nhost:[2001:DB8::1]:8080 \r\n\r\n"), out,
                                sizeof(out)) > 0);
    CHECK_STR(out, "2001:db8::1");
    /* not requests, no Host, a Host after the headers, a bad literal */
    CHECK_INT(
        proto_names_http_host(TXT("HTTP/1.1 200 OK\r\nHost: a.example\r\n\r\n"), out, sizeof(out)),
        0);
    CHECK_INT(proto_names_http_host(TXT("GET / HTTP/1.1\r\nAccept: */*\r\n\r\nHost: a.b\r\n"), out,
                                    sizeof(out)),
              0);
    CHECK_INT(proto_names_http_host(TXT("GET / HTTP/1.1\r\nHost: [2001:db8::zz]\r\n\r\n"), out,
                                    sizeof(out)),
              0);
    /* Found by fuzz_proto_names: a NUL inside the brackets ended inet_pton's
     * reading early, and the bytes after it were returned as the address. */
    CHECK_INT(proto_names_http_host(TXT("GET /a HTTP/1.0\r\nHost: [20A1:Fdb8::\0001\0]\r\n\r\n"),
                                    out, sizeof(out)),
              0);
    CHECK_INT(
        proto_names_http_host(TXT("GET / SIP/2.0\r\nHost: a.example\r\n\r\n"), out, sizeof(out)),
        0);
    CHECK_INT(proto_names_http_host(TXT("GET / HTTP/1.1\r\nHost: %s\r\n\r\n"), out, sizeof(out)),
              0);
}

TEST(http_every_prefix)
{
    static const char msg[] = "GET /a HTTP/1.1\r\nHost: [2001:db8::1]:80\r\nAccept: */*\r\n\r\n";
    EVERY_PREFIX(proto_names_http_host(buf, len, out, sizeof(out)));
}

static struct proto_names_packet tcp_client = {6, 40000, 80, true};
static struct proto_names_packet tcp_server = {6, 40000, 80, false};

TEST(http_request_line_longer_than_a_segment)
{
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(!proto_names_read(&st, &tcp_client, TXT("GET /track?id=0123456789abcdef&x="), &pn));
    CHECK(proto_names_waiting(&st));
    CHECK(!proto_names_read(&st, &tcp_client, TXT("42&host: not.this.one&y=1"), &pn));
    CHECK(proto_names_waiting(&st));
    CHECK(proto_names_read(&st, &tcp_client,
                           TXT("&z=2 HTTP/1.1\r\nAccept: */*\r\nHost: ads.example.net\r\n\r\n"),
                           &pn));
    CHECK_INT(pn.source, DPI_NAME_HTTP_HOST);
    CHECK_STR(pn.name, "ads.example.net");
    CHECK(!proto_names_waiting(&st));

    /* headers that end without a Host stop the wait */
    struct proto_names_state st2 = {0};
    CHECK(!proto_names_read(&st2, &tcp_client, TXT("GET /a HTTP/1.1\r\nAccept: */*\r\n"), &pn));
    CHECK(proto_names_waiting(&st2));
    CHECK(!proto_names_read(&st2, &tcp_client, TXT("Connection: close\r\n\r\n"), &pn));
    CHECK(!proto_names_waiting(&st2));
}

TEST(http_reply_before_request_waits_for_it)
{
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(!proto_names_read(&st, &tcp_server, TXT("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"),
                            &pn));
    CHECK(proto_names_waiting(&st));
    CHECK(proto_names_read(&st, &tcp_client, TXT("GET /b HTTP/1.1\r\nHost: proxy.example\r\n\r\n"),
                           &pn));
    CHECK_STR(pn.name, "proxy.example");
}

/* ---- server banners through the dispatcher ---- */

TEST(banners_name_the_server)
{
    struct proto_names_packet smtp = {6, 40000, 25, false}, ftp = {6, 40000, 21, false};
    struct proto_names_packet munin = {6, 40000, 4949, false};
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(proto_names_read(&st, &smtp, TXT("220 mx.example.org ESMTP ready\r\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_PROTOCOL);
    CHECK_STR(pn.name, "mx.example.org");
    /* an FTP greeting's first word is not taken for a host name */
    CHECK(proto_names_read(&st, &ftp, TXT("220 ftp.example.org FTP server ready\r\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_BANNER);
    CHECK(proto_names_read(&st, &smtp, TXT("220 Sendmail ready\r\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_BANNER);
    CHECK(proto_names_read(&st, &munin, TXT("# munin node at web-3\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_PROTOCOL);
    CHECK_STR(pn.name, "web-3");
    /* the same text from the client is not the server's banner */
    struct proto_names_packet from_client = {6, 40000, 4949, true};
    CHECK(!proto_names_read(&st, &from_client, TXT("# munin node at web-3\n"), &pn));
}

TEST(mgcp_name_only_when_it_is_the_destination)
{
    struct proto_names_packet agent_to_gw = {17, 2727, 2427, true};
    struct proto_names_packet gw_to_agent = {17, 2427, 2727, true};
    struct proto_names_packet reply_side = {17, 2427, 2727, false};
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(proto_names_read(&st, &agent_to_gw, TXT("RQNT 1 aaln/1@gw.example.net MGCP 1.0\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_PROTOCOL);
    CHECK_STR(pn.name, "gw.example.net");
    /* a gateway restarting names itself: the client's own name is not taken */
    CHECK(!proto_names_read(&st, &gw_to_agent, TXT("RSIP 2 *@vg1.example.net MGCP 1.0\n"), &pn));
    CHECK_STR(pn.name, "");
    /* nor a command to the client from the server */
    CHECK(
        !proto_names_read(&st, &reply_side, TXT("RQNT 3 aaln/1@vg1.example.net MGCP 1.0\n"), &pn));
}

/* ---- FastCGI ---- */

static size_t fcgi_pair(uint8_t *p, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value), n = 0;
    p[n++] = (uint8_t)nl;
    if (vl < 128) {
        p[n++] = (uint8_t)vl;
    } else { /* the 4-byte form */
        p[n++] = (uint8_t)(0x80 | (vl >> 24));
        p[n++] = (uint8_t)(vl >> 16);
        p[n++] = (uint8_t)(vl >> 8);
        p[n++] = (uint8_t)vl;
    }
    memcpy(p + n, name, nl);
    memcpy(p + n + nl, value, vl);
    return n + nl + vl;
}

static size_t fcgi_params(uint8_t *p, const uint8_t *content, size_t n)
{
    const uint8_t h[8] = {1, 4, 0, 1, (uint8_t)(n >> 8), (uint8_t)n, 0, 0};
    memcpy(p, h, 8);
    memcpy(p + 8, content, n);
    return 8 + n;
}

TEST(fastcgi_http_host)
{
    static const uint8_t begin[16] = {1, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    CHECK_INT(proto_names_fastcgi_host(begin, sizeof(begin), out, sizeof(out)), -1);

    uint8_t content[512], msg[600];
    char longval[200];
    memset(longval, 'a', sizeof(longval) - 1);
    longval[sizeof(longval) - 1] = '\0';
    size_t n = fcgi_pair(content, "SCRIPT_URL", "/api/0.6/map");
    n += fcgi_pair(content + n, "SERVER_NAME", "backend.example.org");
    n += fcgi_pair(content + n, "HTTP_USER_AGENT", longval);
    n += fcgi_pair(content + n, "HTTP_HOST", "API.example.org:8080");
    size_t len = fcgi_params(msg, content, n);
    CHECK(proto_names_fastcgi_host(msg, len, out, sizeof(out)) > 0);
    CHECK_STR(out, "api.example.org");

    /* SERVER_NAME when there is no HTTP_HOST */
    n = fcgi_pair(content, "SERVER_NAME", "backend.example.org");
    len = fcgi_params(msg, content, n);
    CHECK(proto_names_fastcgi_host(msg, len, out, sizeof(out)) > 0);
    CHECK_STR(out, "backend.example.org");

    /* not FastCGI: another version, a zero request id, a body of the wrong size */
    static const uint8_t v2[16] = {2, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t id0[16] = {1, 1, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    static const uint8_t big[16] = {1, 1, 0, 1, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    CHECK_INT(proto_names_fastcgi_host(v2, sizeof(v2), out, sizeof(out)), 0);
    CHECK_INT(proto_names_fastcgi_host(id0, sizeof(id0), out, sizeof(out)), 0);
    CHECK_INT(proto_names_fastcgi_host(big, sizeof(big), out, sizeof(out)), 0);
}

TEST(fastcgi_every_prefix)
{
    uint8_t content[300], msg[320];
    size_t n = fcgi_pair(content, "HTTP_ACCEPT", "*/*");
    n += fcgi_pair(content + n, "HTTP_HOST", "www.example.org");
    size_t len = fcgi_params(msg, content, n);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *buf = malloc(cut ? cut : 1);
        memcpy(buf, msg, cut);
        int r = proto_names_fastcgi_host(buf, cut, out, sizeof(out));
        CHECK(r <= 0 || strcmp(out, "www.example.org") == 0);
        free(buf);
    }
}

/* ---- STUN ---- */

/* An Allocate request with USERNAME (5 bytes, padded) and REALM. */
static size_t stun_message(uint8_t *p, const char *realm)
{
    size_t n = 20;
    const char user[] = "alice";
    p[n++] = 0x00, p[n++] = 0x06, p[n++] = 0x00, p[n++] = 5;
    memcpy(p + n, user, 5);
    memset(p + n + 5, 0, 3);
    n += 8;
    if (realm) {
        size_t rl = strlen(realm);
        p[n++] = 0x00, p[n++] = 0x14, p[n++] = 0x00, p[n++] = (uint8_t)rl;
        memcpy(p + n, realm, rl);
        n += rl;
        while (n % 4)
            p[n++] = 0;
    }
    const uint8_t header[8] = {0x00, 0x03, (uint8_t)((n - 20) >> 8), (uint8_t)(n - 20), 0x21, 0x12,
                               0xa4, 0x42};
    memcpy(p, header, 8);
    memset(p + 8, 0x5a, 12); /* transaction id */
    return n;
}

TEST(stun_realm)
{
    uint8_t msg[128];
    size_t len = stun_message(msg, "Example.ORG");
    CHECK(proto_names_stun_realm(msg, len, out, sizeof(out)) > 0);
    CHECK_STR(out, "example.org");
    len = stun_message(msg, "\"turn.example.net\"");
    CHECK(proto_names_stun_realm(msg, len, out, sizeof(out)) > 0);
    CHECK_STR(out, "turn.example.net");
    len = stun_message(msg, NULL);
    CHECK_INT(proto_names_stun_realm(msg, len, out, sizeof(out)), -1);
    /* without the magic cookie it is not read as STUN */
    len = stun_message(msg, "example.org");
    msg[4] = 0;
    CHECK_INT(proto_names_stun_realm(msg, len, out, sizeof(out)), 0);
    /* a length that is not a multiple of 4, or beyond the payload */
    len = stun_message(msg, "example.org");
    msg[3] |= 1;
    CHECK_INT(proto_names_stun_realm(msg, len, out, sizeof(out)), 0);
    len = stun_message(msg, "example.org");
    CHECK_INT(proto_names_stun_realm(msg, len - 4, out, sizeof(out)), 0);
}

TEST(stun_every_prefix_and_the_wait)
{
    uint8_t full[128];
    size_t len = stun_message(full, "realm.example");
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *buf = malloc(cut ? cut : 1);
        memcpy(buf, full, cut);
        CHECK(proto_names_stun_realm(buf, cut, out, sizeof(out)) <= 0);
        free(buf);
    }
    struct proto_names_packet udp = {17, 50000, 3478, true};
    struct proto_names_state st = {0};
    struct proto_name pn;
    uint8_t msg[128];
    len = stun_message(msg, NULL);
    CHECK(!proto_names_read(&st, &udp, msg, len, &pn));
    CHECK(proto_names_waiting(&st)); /* a STUN exchange: the REALM may come */
    len = stun_message(msg, "realm.example");
    CHECK(proto_names_read(&st, &udp, msg, len, &pn));
    CHECK_INT(pn.source, DPI_NAME_STUN);
    CHECK_STR(pn.name, "realm.example");
    CHECK(!proto_names_waiting(&st));
}

/* ---- DNS ---- */

/* A response for "host.example" (type A) with RCODE rcode and ancount answers. */
static size_t dns_response(uint8_t *p, uint16_t id, unsigned rcode, unsigned ancount)
{
    static const uint8_t q[] = {4,   'h', 'o', 's', 't', 7, 'e', 'x', 'a',
                                'm', 'p', 'l', 'e', 0,   0, 1,   0,   1};
    static const uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    const uint8_t h[12] = {(uint8_t)(id >> 8),
                           (uint8_t)id,
                           0x81,
                           (uint8_t)(0x80 | rcode),
                           0,
                           1,
                           0,
                           (uint8_t)ancount,
                           0,
                           0,
                           0,
                           0};
    size_t n = 0;
    memcpy(p, h, 12), n = 12;
    memcpy(p + n, q, sizeof(q)), n += sizeof(q);
    for (unsigned i = 0; i < ancount; i++)
        memcpy(p + n, a, sizeof(a)), n += sizeof(a);
    return n;
}

TEST(dns_answered_question)
{
    uint8_t msg[128];
    size_t len = dns_response(msg, 7, 0, 1);
    CHECK(proto_names_dns_answered(msg, len, out, sizeof(out)) > 0);
    CHECK_STR(out, "host.example");
    len = dns_response(msg, 7, 3, 0); /* NXDOMAIN */
    CHECK_INT(proto_names_dns_answered(msg, len, out, sizeof(out)), -1);
    len = dns_response(msg, 7, 0, 0); /* NOERROR, no data */
    CHECK_INT(proto_names_dns_answered(msg, len, out, sizeof(out)), -1);
    len = dns_response(msg, 7, 0, 1);
    msg[2] &= 0x7f; /* a query */
    CHECK_INT(proto_names_dns_answered(msg, len, out, sizeof(out)), 0);
    len = dns_response(msg, 7, 0, 1);
    msg[12] = 0xc0; /* a compression pointer in the question */
    CHECK_INT(proto_names_dns_answered(msg, len, out, sizeof(out)), 0);
    uint8_t full[128];
    size_t full_len = dns_response(full, 7, 0, 1);
    for (size_t cut = 0; cut < 12 + 14; cut++) { /* cut inside the header or question name */
        uint8_t *buf = malloc(cut ? cut : 1);
        memcpy(buf, full, cut);
        CHECK(proto_names_dns_answered(buf, cut, out, sizeof(out)) <= 0);
        free(buf);
    }
    (void)full_len;
}

TEST(dns_flow_takes_the_answered_question)
{
    /* two questions on one port; the first fails, the second is answered */
    struct proto_names_packet q = {17, 50000, 53, true}, r = {17, 50000, 53, false};
    struct proto_names_state st = {0};
    struct proto_name pn;
    static const uint8_t query[] = {0,   1,   0x01, 0x00, 0,   1,   0,   0, 0,   0,   0,
                                    0,   5,   'f',  'i',  'r', 's', 't', 7, 'e', 'x', 'a',
                                    'm', 'p', 'l',  'e',  0,   0,   1,   0, 1};
    CHECK(!proto_names_read(&st, &q, query, sizeof(query), &pn));
    CHECK(!proto_names_read(&st, &q, query, sizeof(query), &pn));
    CHECK(proto_names_waiting(&st));
    uint8_t msg[128];
    size_t len = dns_response(msg, 1, 3, 0);
    CHECK(!proto_names_read(&st, &r, msg, len, &pn));
    CHECK(proto_names_waiting(&st)); /* one question is still open */
    len = dns_response(msg, 2, 0, 1);
    CHECK(proto_names_read(&st, &r, msg, len, &pn));
    CHECK_INT(pn.source, DPI_NAME_DNS_QUERY);
    CHECK(pn.replaces_ndpi);
    CHECK_STR(pn.name, "host.example");

    /* the first question answered: nDPI's name for it stands */
    struct proto_names_state st3 = {0};
    uint8_t first[128];
    memcpy(first, query, sizeof(query));
    first[2] = 0x81, first[3] = 0x80, first[7] = 1; /* a response with one answer */
    static const uint8_t answer[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    memcpy(first + sizeof(query), answer, sizeof(answer));
    CHECK(!proto_names_read(&st3, &q, query, sizeof(query), &pn));
    CHECK(proto_names_read(&st3, &r, first, sizeof(query) + sizeof(answer), &pn));
    CHECK_STR(pn.name, "first.example");
    CHECK(!pn.replaces_ndpi);

    /* one question, one failed answer: nothing to wait for */
    struct proto_names_state st2 = {0};
    CHECK(!proto_names_read(&st2, &q, query, sizeof(query), &pn));
    len = dns_response(msg, 1, 3, 0);
    CHECK(!proto_names_read(&st2, &r, msg, len, &pn));
    CHECK(!proto_names_waiting(&st2));
}

TEST(dispatcher_ignores_empty_and_unknown)
{
    struct proto_names_state st = {0};
    struct proto_name pn;
    CHECK(!proto_names_read(&st, &tcp_client, NULL, 0, &pn));
    CHECK(!proto_names_read(&st, &tcp_client, TXT("\x16\x03\x01\x02\x00"), &pn));
    struct proto_names_packet other = {47, 0, 0, true};
    CHECK(!proto_names_read(&st, &other, TXT("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"), &pn));
    CHECK_INT(pn.source, DPI_NAME_NONE);
    CHECK(!proto_names_waiting(&st));
}

int main(void)
{
    RUN(agora_hello_names_the_edge_server);
    RUN(agora_every_prefix);
    RUN(mgcp_endpoint_domain_and_direction);
    RUN(mgcp_every_prefix);
    RUN(munin_banner);
    RUN(greeting_first_word);
    RUN(http_host_names_and_literals);
    RUN(http_every_prefix);
    RUN(http_request_line_longer_than_a_segment);
    RUN(http_reply_before_request_waits_for_it);
    RUN(banners_name_the_server);
    RUN(mgcp_name_only_when_it_is_the_destination);
    RUN(fastcgi_http_host);
    RUN(fastcgi_every_prefix);
    RUN(stun_realm);
    RUN(stun_every_prefix_and_the_wait);
    RUN(dns_answered_question);
    RUN(dns_flow_takes_the_answered_question);
    RUN(dispatcher_ignores_empty_and_unknown);
    return test_report();
}
