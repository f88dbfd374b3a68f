/*
 * fuzz_proto_names.c - the payload readers of classify/proto_names.h, which
 * the worker runs on the first packets of flows nDPI 4.2 leaves unnamed.
 *
 * Input: a sequence of packets, each [flags][length:2][payload], read in turn
 * by proto_names_read() with one state for the whole input, as one flow's
 * packets are.  Flags bit 0: from the client; bit 1: UDP (else TCP); bits 2-4
 * pick the server port, so that every reader gets its turn.  Each payload is
 * also given to every reader directly, with an output buffer of 1, 8 or full
 * size (flags bits 5-6), allocated to exactly that size so ASan sees any write
 * past it.  Checks the header's promises: lengths within the buffer, names
 * NUL-terminated, destination names normalized (or, where a Host header or its
 * FastCGI copy may hold one, an address literal).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "proto_names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t server_ports[8] = {80, 25, 4949, 2427, 3478, 53, 9000, 8443};

enum name_kind {
    ANY_TEXT,        /* a printable copy (greetings, MGCP endpoints) */
    NAME,            /* a normalized host name */
    NAME_OR_ADDRESS, /* that, or an address literal without brackets (Host headers) */
};

static bool is_address(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A reader's result r (length, 0, or -1) for an output buffer of outsz. */
static void check_len(long r, const char *out, size_t outsz, enum name_kind kind)
{
    if (r < -1 || (r > 0 && (size_t)r >= outsz))
        abort();
    if (r <= 0)
        return;
    if (strlen(out) != (size_t)r)
        abort();
    if (kind == ANY_TEXT || (kind == NAME_OR_ADDRESS && is_address(out)))
        return;
    char norm[HOSTNAME_MAX + 1];
    if (hostname_normalize(out, (size_t)r, norm, sizeof(norm)) != (size_t)r ||
        strcmp(norm, out) != 0)
        abort();
}

static void each_reader(const uint8_t *p, size_t len, size_t outsz)
{
    char *out = malloc(outsz);
    if (!out)
        return;
    bool to_gateway;
    check_len((long)proto_names_agora_sni(p, len, out, outsz), out, outsz, NAME);
    check_len((long)proto_names_mgcp(p, len, out, outsz, &to_gateway), out, outsz, NAME_OR_ADDRESS);
    check_len((long)proto_names_munin(p, len, out, outsz), out, outsz, NAME);
    check_len((long)proto_names_greeting(p, len, out, outsz), out, outsz, ANY_TEXT);
    check_len((long)proto_names_http_host(p, len, out, outsz), out, outsz, NAME_OR_ADDRESS);
    check_len(proto_names_fastcgi_host(p, len, out, outsz), out, outsz, NAME_OR_ADDRESS);
    check_len(proto_names_stun_realm(p, len, out, outsz), out, outsz, NAME);
    check_len(proto_names_dns_answered(p, len, out, outsz), out, outsz, NAME);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct proto_names_state st;
    memset(&st, 0, sizeof(st));
    size_t pos = 0;
    for (int n = 0; n < 64 && size - pos >= 3; n++) {
        uint8_t flags = data[pos];
        size_t len = (size_t)data[pos + 1] << 8 | data[pos + 2];
        pos += 3;
        if (len > size - pos)
            len = size - pos;
        uint8_t *payload = malloc(len ? len : 1);
        if (!payload)
            return 0;
        memcpy(payload, data + pos, len);
        pos += len;

        struct proto_names_packet pk = {
            .transport = flags & 2 ? 17 : 6,
            .client_port = 50000,
            .server_port = server_ports[(flags >> 2) & 7],
            .from_client = flags & 1,
        };
        struct proto_name name;
        memset(&name, 0x5a, sizeof(name)); /* a reader must not trust what is there */
        if (proto_names_read(&st, &pk, payload, len, &name)) {
            size_t n = strnlen(name.name, sizeof(name.name));
            if (n == 0 || n == sizeof(name.name) || name.source == DPI_NAME_NONE)
                abort();
        }
        (void)proto_names_waiting(&st);

        static const size_t outsizes[4] = {1, 8, HOSTNAME_MAX + 1, HOSTNAME_MAX + 1};
        each_reader(payload, len, outsizes[(flags >> 5) & 3]);
        free(payload);
    }
    return 0;
}
