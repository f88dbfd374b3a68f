/*
 * decode.h - from captured bytes to the innermost IP packet, bounds-checked.
 *
 * The decoder walks link layer, VLAN tags and tunnels down to the innermost IP
 * packet and its transport header, reading every field through a cursor that
 * refuses to read past the captured bytes (classify/cursor.h).  It keeps no state
 * and allocates nothing; the packet it fills points into the caller's buffer.
 *
 * It stops with a reason instead of guessing, and the reasons are counted in
 * the statistics, so the sensor can say what it could not read.
 *
 * Link types: Ethernet, Linux cooked (SLL, SLL2), raw IP (DLT_RAW, IPV4, IPV6),
 * BSD loopback (NULL, LOOP), PPP, Cisco HDLC, PPI wrapping Ethernet.
 * Encapsulations: 802.1Q, 802.1ad (QinQ), MPLS, PPPoE session, GRE (with
 * Ethernet, IP, ERSPAN type II and III payloads), VXLAN (UDP 4789), Geneve (UDP
 * 6081), GTP-U (UDP 2152), IP-in-IP (4in4, 6in4, 4in6, 6in6); IPv6 extension
 * headers; IPv4 and IPv6 fragments.
 */
#ifndef SHADOWTAP_DECODE_H
#define SHADOWTAP_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "netaddr.h"

#define DECODE_MAX_DEPTH 8 /* nested encapsulations before DECODE_TOO_DEEP */

/* Link types read whose DLT_ names do not serve: older libpcap headers lack
 * the newer ones, and raw IP and OpenBSD loopback have DLT_ values that differ
 * between platforms (OpenBSD's DLT_LOOP is 12, DLT_RAW elsewhere), while a
 * savefile may present the LINKTYPE_ number itself.  These are the numbers
 * libpcap on Linux reports.  The others are <pcap/dlt.h>'s: DLT_EN10MB,
 * DLT_LINUX_SLL, DLT_NULL, DLT_PPP, DLT_PPP_SERIAL, DLT_C_HDLC, DLT_PPI. */
enum decode_link {
    DECODE_LINK_RAW = 12,       /* DLT_RAW on Linux */
    DECODE_LINK_RAW_BSD = 14,   /* DLT_RAW on OpenBSD and BSD/OS */
    DECODE_LINK_RAW_FILE = 101, /* LINKTYPE_RAW */
    DECODE_LINK_LOOP = 108,     /* OpenBSD loopback: DLT_NULL in network byte order */
    DECODE_LINK_IPV4 = 228,     /* DLT_IPV4 */
    DECODE_LINK_IPV6 = 229,     /* DLT_IPV6 */
    DECODE_LINK_SLL2 = 276,     /* DLT_LINUX_SLL2 */
};

enum decode_status {
    DECODE_OK = 0,
    DECODE_TRUNCATED,        /* a header runs past the captured bytes */
    DECODE_UNSUPPORTED_LINK, /* a link type the decoder does not read */
    DECODE_NOT_IP,           /* well-formed but not IP: ARP, LLDP, STP, ... */
    DECODE_UNSUPPORTED,      /* an ethertype, tunnel or header version not read */
    DECODE_BAD_HEADER,       /* impossible values: IHL < 5, wrong version, ... */
    DECODE_TOO_DEEP,         /* more than DECODE_MAX_DEPTH encapsulations */
    DECODE_STATUS_COUNT
};

enum decode_fragment {
    FRAGMENT_NONE = 0, /* a whole datagram */
    FRAGMENT_FIRST,    /* offset 0 with more fragments: carries the transport header */
    FRAGMENT_LATER,    /* offset > 0: no transport header; l4 and payload are NULL */
};

/* Bits of packet.encap: the encapsulations crossed to reach the innermost packet. */
enum decode_encap {
    ENCAP_VLAN = 1u << 0,
    ENCAP_QINQ = 1u << 1,
    ENCAP_MPLS = 1u << 2,
    ENCAP_PPPOE = 1u << 3,
    ENCAP_GRE = 1u << 4,
    ENCAP_ERSPAN = 1u << 5,
    ENCAP_VXLAN = 1u << 6,
    ENCAP_GENEVE = 1u << 7,
    ENCAP_GTP = 1u << 8,
    ENCAP_IPIP = 1u << 9, /* IPv4 or IPv6 inside IPv4 or IPv6 */
};

struct packet {
    const uint8_t *l3;       /* first byte of the innermost IP header */
    uint32_t l3_caplen;      /* bytes captured from l3 on, trimmed to ip_len (padding cut) */
    uint32_t ip_len;         /* datagram length from the IP header: the bytes accounted.
                                If the header says 0 (TSO), the captured length. */
    const uint8_t *l4;       /* transport header; NULL for FRAGMENT_LATER */
    uint32_t l4_caplen;      /* captured bytes from l4 on */
    const uint8_t *payload;  /* transport payload; NULL when there is none or for
                                protocols other than TCP and UDP */
    uint32_t payload_caplen; /* captured payload bytes */
    struct netaddr src, dst;
    uint16_t sport, dport; /* host order; 0 for protocols without ports */
    uint8_t ip_version;    /* 4 or 6 */
    uint8_t l4_proto;      /* after IPv6 extension headers: IPPROTO_TCP, IPPROTO_UDP,
                              IPPROTO_ICMP, ... (<netinet/in.h>) */
    uint8_t tcp_flags;     /* the TCP flags byte: TH_FIN, TH_SYN, TH_RST, TH_ACK, ...
                              (<netinet/tcp.h>) */
    uint8_t fragment;      /* enum decode_fragment */
    uint32_t frag_id;      /* IPv4 identification or IPv6 fragment identification */
    uint16_t vlan;         /* innermost 802.1Q/802.1ad id, 0 when untagged */
    uint16_t encap;        /* enum decode_encap bits */
};

/* Decodes one captured frame of the given link type (DLT_*, DECODE_LINK_*).  On DECODE_OK every
 * field of out is set; on any other status out is unspecified.  Never reads
 * outside data[0..caplen). */
enum decode_status decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
                                 struct packet *out);

/* True when decode_packet reads this link type. */
bool decode_link_supported(int linktype);
/* Short stable name of a status, for statistics keys: "ok", "truncated", ... */
const char *decode_status_name(enum decode_status s);

#endif
