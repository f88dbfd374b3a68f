/*
 * fuzz.h - input formats shared by the fuzz targets and the seed maker.
 *
 * The fuzz targets in this folder read bytes chosen by libFuzzer; the seed
 * maker (tests/tools/fuzz_seeds.c) writes real traffic and real spool files in
 * the same formats, so the fuzzer starts from inputs that reach deep.
 *
 *   decode   [link][frame...]
 *   dns      the DNS message as carried in UDP
 *   dhcp     records [kind:1][delta:1][length:2][message...], big-endian: kind
 *            bit 0 set for DHCPv6, else DHCPv4; delta seconds since the
 *            previous record; a length past the input's end takes what is left
 *   flow     [link][options] then records [delta:2][length:2][frame...],
 *            big-endian; delta < 0x8000 is milliseconds since the previous
 *            packet, otherwise (delta & 0x7fff) seconds, so a few bytes reach
 *            every flow timeout
 *   spool    [mode][file...]; mode bit 0 asks the target to append the end line
 *            with the right checksum, so mutations are not all stopped by it
 *
 * [link] picks a link type from fuzz_links (modulo its size): every type the
 * decoder reads, and two it does not.
 */
#ifndef SHADOWTAP_FUZZ_H
#define SHADOWTAP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

static const int fuzz_links[16] = {
    1,   /* DLT_EN10MB */
    113, /* DLT_LINUX_SLL */
    276, /* DLT_LINUX_SLL2 */
    12,  /* DLT_RAW */
    14,  /* DLT_RAW on OpenBSD */
    101, /* LINKTYPE_RAW */
    228, /* DLT_IPV4 */
    229, /* DLT_IPV6 */
    0,   /* DLT_NULL */
    108, /* DLT_LOOP */
    9,   /* DLT_PPP */
    50,  /* DLT_PPP_SERIAL */
    104, /* DLT_C_HDLC */
    192, /* DLT_PPI */
    105, /* DLT_IEEE802_11: not read */
    127, /* DLT_IEEE802_11_RADIO: not read */
};

#define FUZZ_NLINKS (sizeof(fuzz_links) / sizeof(fuzz_links[0]))

/* The [link] byte of a link type, or -1 when the formats cannot carry it. */
static inline int fuzz_link_index(int linktype)
{
    for (size_t i = 0; i < FUZZ_NLINKS; i++) {
        if (fuzz_links[i] == linktype)
            return (int)i;
    }
    return -1;
}

/* Flow options byte. */
#define FUZZ_FLOW_BIG_TABLE 0x01 /* 4096 flows instead of 16 (eviction) */
#define FUZZ_FLOW_DPI_SHORT 0x02 /* nDPI gives up after 4 packets instead of 32 */
#define FUZZ_FLOW_NO_DNS    0x04 /* no DNS cache */

#define FUZZ_FLOW_MAX_PACKETS 512 /* packets read from one input */

#define FUZZ_SPOOL_FIX_END 0x01
#define FUZZ_SPOOL_SENSOR  "fuzz" /* the sensor id of the spool target and its seeds */

/* DHCP record kinds. */
#define FUZZ_DHCP_V6          0x01
#define FUZZ_DHCP_MAX_RECORDS 64 /* records read from one input */

/* The base of flow time: 2026-11-02 08:00:00 UTC, in microseconds. */
#define FUZZ_FLOW_T0_US (1793606400ULL * 1000000ULL)

static inline uint64_t fuzz_delta_us(uint16_t code)
{
    return code < 0x8000 ? (uint64_t)code * 1000u : (uint64_t)(code & 0x7fff) * 1000000u;
}

/* The delta code closest to (not above) us. */
static inline uint16_t fuzz_delta_code(uint64_t us)
{
    if (us < 0x8000ULL * 1000u)
        return (uint16_t)(us / 1000u);
    uint64_t s = us / 1000000u;
    return (uint16_t)(0x8000u | (s > 0x7fff ? 0x7fff : s));
}

#endif
