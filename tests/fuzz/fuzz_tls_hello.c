/*
 * fuzz_tls_hello.c - the TLS ClientHello reader (classify/tls_hello.h), which
 * the worker runs on a client's first TCP bytes where nDPI 4.2 found no name.
 *
 * Input: [mode][bytes...].  Mode bit 0 clear: bytes are the start of a TCP
 * stream, read with tls_hello_from_records() and a scratch buffer of 0, 64,
 * 4096 or 16384 bytes (mode bits 1-2), allocated to exactly that size so ASan
 * sees any write past it.  Mode bit 0 set: bytes are one handshake message, read
 * with tls_hello_parse().  Checks the header's promises about sni and alpn.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(enum tls_hello_status st, const struct tls_hello *h, size_t scratch_size)
{
    if (!tls_hello_status_name(st))
        abort();
    size_t n = strnlen(h->sni, sizeof(h->sni));
    if (n == sizeof(h->sni) || (st == TLS_HELLO_FOUND) != (n > 0))
        abort();
    if (n) {
        char norm[HOSTNAME_MAX + 1];
        if (hostname_normalize(h->sni, n, norm, sizeof(norm)) != n || strcmp(norm, h->sni) != 0)
            abort();
    }
    size_t a = strnlen(h->alpn, sizeof(h->alpn));
    if (a == sizeof(h->alpn))
        abort();
    for (size_t i = 0; i < a; i++) {
        unsigned char c = (unsigned char)h->alpn[i];
        if (c < 0x21 || c > 0x7e || (c == ',' && (i == 0 || i + 1 == a)))
            abort();
    }
    /* msg_len is 0 while the handshake header is not all gathered. */
    if (st == TLS_HELLO_TOO_LONG && h->msg_len != 0 && h->msg_len <= scratch_size)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    size_t len = size - 1;
    /* A copy of exactly the input's size, so ASan sees any read past it. */
    uint8_t *bytes = malloc(len ? len : 1);
    if (!bytes)
        return 0;
    memcpy(bytes, data + 1, len);
    struct tls_hello h;
    if (mode & 1) {
        check(tls_hello_parse(bytes, len, &h), &h, 0);
    } else {
        static const size_t sizes[4] = {0, 64, 4096, 16384};
        size_t scratch_size = sizes[(mode >> 1) & 3];
        uint8_t *scratch = scratch_size ? malloc(scratch_size) : NULL;
        check(tls_hello_from_records(bytes, len, scratch, scratch_size, &h), &h, scratch_size);
        free(scratch);
    }
    free(bytes);
    return 0;
}
