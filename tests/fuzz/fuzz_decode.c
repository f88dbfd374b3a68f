/*
 * fuzz_decode.c - the packet decoder over any link type it reads.
 *
 * Input: [link][frame...] (fuzz.h).  Besides the sanitizers, the target checks
 * the decoder's contract: on DECODE_OK every pointer it returns lies in the
 * frame with its length, and fragments and ports agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *frame, size_t len, const uint8_t *p, size_t n)
{
    if (p < frame || p > frame + len || n > (size_t)(frame + len - p))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 0xffff + 1)
        return 0;
    int link = fuzz_links[data[0] % FUZZ_NLINKS];
    /* A copy of exactly the frame's size, so ASan sees any read past it. */
    size_t len = size - 1;
    uint8_t *frame = malloc(len ? len : 1);
    if (!frame)
        return 0;
    memcpy(frame, data + 1, len);

    struct packet p;
    enum decode_status st = decode_packet(link, frame, (uint32_t)len, &p);
    if ((unsigned)st >= DECODE_STATUS_COUNT || !decode_status_name(st))
        abort();
    if (st == DECODE_OK) {
        if (!decode_link_supported(link))
            abort();
        if (p.ip_version != 4 && p.ip_version != 6)
            abort();
        inside(frame, len, p.l3, p.l3_caplen);
        if (p.fragment == FRAGMENT_LATER && (p.l4 || p.payload))
            abort();
        if (p.l4) {
            inside(frame, len, p.l4, p.l4_caplen);
            if (p.l4 < p.l3 || p.l4 + p.l4_caplen > p.l3 + p.l3_caplen)
                abort();
        }
        if (p.payload) {
            inside(frame, len, p.payload, p.payload_caplen);
            if (!p.l4 || p.payload < p.l4 || p.payload + p.payload_caplen > p.l4 + p.l4_caplen)
                abort();
        }
        if ((p.sport || p.dport) && p.l4_proto != 6 && p.l4_proto != 17 && p.l4_proto != 132)
            abort();
        if (p.fragment > FRAGMENT_LATER)
            abort();
    }
    free(frame);
    return 0;
}
