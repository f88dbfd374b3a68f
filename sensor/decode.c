/*
 * decode.c - from captured bytes to the innermost IP packet, bounds-checked.
 *
 * The decoder is a loop over "what comes next".  Each step reads one layer
 * through a cursor (classify/cursor.h) that cannot pass the captured bytes,
 * writes what it learned into the packet, and names the next layer, or stops
 * with a reason.  A loop rather than recursion keeps the stack flat however
 * deeply a hostile packet nests, and lets one function (enter_tunnel) count
 * the tunnels against DECODE_MAX_DEPTH.
 *
 * Every IP header met on the way overwrites the packet's IP and transport
 * fields, so what is left at the end describes the innermost packet, while
 * VLAN ids and encapsulation bits accumulate over the whole walk.  Once an IP
 * header is read the cursor is cut to the datagram's own length, so an inner
 * header can never be read out of the outer frame's Ethernet padding.
 *
 * UDP ports only hint at a tunnel.  A datagram to port 4789, 6081 or 2152
 * whose payload is not a VXLAN, Geneve or GTP-U data header is ordinary UDP
 * (a host may pick those ports for anything), so the outer packet is the
 * result, not an error.  A tunnel header cut short by the snap length is
 * DECODE_TRUNCATED: the bytes that would tell were not captured.
 */
#include "decode.h"

#include <netinet/in.h>
#include <stddef.h>

#include <pcap/dlt.h>

#include "cursor.h"

enum {
    ETHERTYPE_MAX_LENGTH = 1500, /* at or below: an 802.3 length, not a type */
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_ARP = 0x0806,
    ETHERTYPE_ERSPAN_III = 0x22eb,
    ETHERTYPE_TEB = 0x6558, /* transparent Ethernet bridging: an Ethernet frame */
    ETHERTYPE_RARP = 0x8035,
    ETHERTYPE_VLAN = 0x8100,
    ETHERTYPE_IPV6 = 0x86dd,
    ETHERTYPE_MAC_CONTROL = 0x8808,
    ETHERTYPE_SLOW = 0x8809, /* LACP, marker */
    ETHERTYPE_PPP = 0x880b,
    ETHERTYPE_MPLS = 0x8847,
    ETHERTYPE_MPLS_MULTICAST = 0x8848,
    ETHERTYPE_PPPOE_DISCOVERY = 0x8863,
    ETHERTYPE_PPPOE_SESSION = 0x8864,
    ETHERTYPE_EAPOL = 0x888e,
    ETHERTYPE_QINQ = 0x88a8,
    ETHERTYPE_ERSPAN_II = 0x88be,
    ETHERTYPE_LLDP = 0x88cc,
    ETHERTYPE_PTP = 0x88f7,
    ETHERTYPE_VLAN_9100 = 0x9100, /* pre-802.1ad QinQ */
};

/* Protocol numbers are <netinet/in.h>'s IPPROTO_*; it lacks two IPv6
 * extension headers. */
#ifndef IPPROTO_HIP
#define IPPROTO_HIP 139 /* Host Identity Protocol, RFC 7401 */
#endif
#ifndef IPPROTO_SHIM6
#define IPPROTO_SHIM6 140 /* RFC 5533 */
#endif

enum {
    PPP_IPV4 = 0x0021,
    PPP_IPV6 = 0x0057,
};

enum {
    GRE_CHECKSUM = 0x8000,
    GRE_ROUTING = 0x4000,
    GRE_KEY = 0x2000,
    GRE_SEQUENCE = 0x1000,
    GRE_ACK = 0x0080, /* PPTP only */
    GRE_VERSION = 0x0007,
};

enum {
    UDP_PORT_GTP_U = 2152,
    UDP_PORT_VXLAN = 4789,
    UDP_PORT_GENEVE = 6081,
};

#define MPLS_BOTTOM_OF_STACK 0x100u
#define VXLAN_FLAG_VNI       0x08
#define GTP_V1_GTP           0x30 /* version 1, protocol type GTP (not GTP') */
#define GTP_FLAG_EXT         0x04
#define GTP_FLAGS_OPTIONAL   0x07 /* E, S, PN: any of them adds 4 bytes */
#define GTP_G_PDU            0xff

enum layer {
    LAYER_DONE,      /* the innermost packet is read */
    LAYER_ETHER,     /* an Ethernet header */
    LAYER_ETHERTYPE, /* the payload of w->proto, an ethertype */
    LAYER_MPLS,      /* an MPLS label stack */
    LAYER_PPP,       /* a PPP frame: address and control if present, protocol */
    LAYER_IPV4,
    LAYER_IPV6,
};

struct walk {
    struct cursor c; /* from the next layer to the end of what may be read */
    struct packet *pkt;
    uint16_t proto;     /* the ethertype LAYER_ETHERTYPE dispatches on */
    unsigned vlan_tags; /* tags in the current frame: a second one means QinQ */
    unsigned depth;     /* tunnels entered */
};

/* Every tunnel passes here, so a hostile nesting stops after DECODE_MAX_DEPTH. */
static enum decode_status enter_tunnel(struct walk *w, unsigned encap)
{
    if (++w->depth > DECODE_MAX_DEPTH)
        return DECODE_TOO_DEEP;
    w->pkt->encap |= (uint16_t)encap;
    w->vlan_tags = 0;
    return DECODE_OK;
}

/* For framings that do not say which IP version follows. */
static enum decode_status ip_by_version(const struct cursor *c, enum decode_status otherwise,
                                        enum layer *next)
{
    uint8_t first;
    if (!cur_peek_u8(c, 0, &first))
        return DECODE_TRUNCATED;
    switch (first >> 4) {
    case 4:
        *next = LAYER_IPV4;
        return DECODE_OK;
    case 6:
        *next = LAYER_IPV6;
        return DECODE_OK;
    default:
        return otherwise;
    }
}

/* BSD loopback headers carry the sender's address family, and each BSD
 * numbered AF_INET6 its own way: Linux 10, NetBSD/OpenBSD 24, FreeBSD 28,
 * Darwin 30. */
static enum decode_status decode_address_family(uint32_t af, enum layer *next)
{
    switch (af) {
    case 2:
        *next = LAYER_IPV4;
        return DECODE_OK;
    case 10:
    case 24:
    case 28:
    case 30:
        *next = LAYER_IPV6;
        return DECODE_OK;
    default:
        return DECODE_UNSUPPORTED;
    }
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, ethertype. */
static enum decode_status decode_chdlc(struct walk *w, enum layer *next)
{
    if (!cur_skip(&w->c, 2) || !cur_be16(&w->c, &w->proto))
        return DECODE_TRUNCATED;
    *next = LAYER_ETHERTYPE;
    return DECODE_OK;
}

/* PPI: version, flags, header length and the link type of the frame it wraps,
 * little-endian.  Its fields describe the radio, which accounting does not
 * need, so they are stepped over as a block. */
static enum decode_status decode_ppi(struct walk *w, enum layer *next)
{
    uint8_t version;
    uint16_t len;
    uint32_t inner;
    if (!cur_u8(&w->c, &version) || !cur_skip(&w->c, 1) || !cur_le16(&w->c, &len) ||
        !cur_le32(&w->c, &inner))
        return DECODE_TRUNCATED;
    if (version != 0)
        return DECODE_UNSUPPORTED;
    if (inner != DLT_EN10MB)
        return DECODE_UNSUPPORTED_LINK;
    if (len < 8)
        return DECODE_BAD_HEADER;
    if (!cur_skip(&w->c, len - 8u))
        return DECODE_TRUNCATED;
    *next = LAYER_ETHER;
    return DECODE_OK;
}

static enum decode_status decode_link(struct walk *w, int linktype, enum layer *next)
{
    struct cursor *c = &w->c;
    uint32_t af, af_swapped;
    uint8_t address;

    switch (linktype) {
    case DLT_EN10MB:
        *next = LAYER_ETHER;
        return DECODE_OK;
    case DLT_LINUX_SLL:
        /* packet type, ARPHRD type, address length, 8 address bytes, protocol */
        if (!cur_skip(c, 14) || !cur_be16(c, &w->proto))
            return DECODE_TRUNCATED;
        *next = LAYER_ETHERTYPE;
        return DECODE_OK;
    case DECODE_LINK_SLL2:
        /* protocol first; then reserved, interface index, ARPHRD type, packet
         * type, address length and 8 address bytes */
        if (!cur_be16(c, &w->proto) || !cur_skip(c, 18))
            return DECODE_TRUNCATED;
        *next = LAYER_ETHERTYPE;
        return DECODE_OK;
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_BSD:
    case DECODE_LINK_RAW_FILE:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
        return ip_by_version(c, DECODE_BAD_HEADER, next);
    case DLT_NULL: {
        /* The family is in the byte order of the machine that wrote the
         * capture.  Families are small numbers, so the smaller of the two
         * readings is the right one. */
        struct cursor swapped = *c;
        if (!cur_le32(c, &af) || !cur_be32(&swapped, &af_swapped))
            return DECODE_TRUNCATED;
        return decode_address_family(af < af_swapped ? af : af_swapped, next);
    }
    case DECODE_LINK_LOOP:
        if (!cur_be32(c, &af))
            return DECODE_TRUNCATED;
        return decode_address_family(af, next);
    case DLT_PPP_SERIAL:
        /* Cisco's PPP over serial lines (RFC 1547) is framed as Cisco HDLC. */
        if (cur_peek_u8(c, 0, &address) && (address == 0x0f || address == 0x8f))
            return decode_chdlc(w, next);
        *next = LAYER_PPP;
        return DECODE_OK;
    case DLT_PPP:
        *next = LAYER_PPP;
        return DECODE_OK;
    case DLT_C_HDLC:
        return decode_chdlc(w, next);
    case DLT_PPI:
        return decode_ppi(w, next);
    default:
        return DECODE_UNSUPPORTED_LINK;
    }
}

static enum decode_status decode_ether(struct walk *w, enum layer *next)
{
    /* The MAC addresses say nothing about the flow accounting needs. */
    if (!cur_skip(&w->c, 12) || !cur_be16(&w->c, &w->proto))
        return DECODE_TRUNCATED;
    *next = LAYER_ETHERTYPE;
    return DECODE_OK;
}

static enum decode_status decode_ethertype(struct walk *w, enum layer *next)
{
    struct packet *pkt = w->pkt;
    uint16_t tci;
    uint8_t version_type;

    switch (w->proto) {
    case ETHERTYPE_IPV4:
        *next = LAYER_IPV4;
        return DECODE_OK;
    case ETHERTYPE_IPV6:
        *next = LAYER_IPV6;
        return DECODE_OK;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_VLAN_9100:
        if (!cur_be16(&w->c, &tci) || !cur_be16(&w->c, &w->proto))
            return DECODE_TRUNCATED;
        pkt->vlan = tci & 0x0fff;
        pkt->encap |= ++w->vlan_tags > 1 ? ENCAP_VLAN | ENCAP_QINQ : ENCAP_VLAN;
        *next = LAYER_ETHERTYPE;
        return DECODE_OK;
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MULTICAST:
        *next = LAYER_MPLS;
        return DECODE_OK;
    case ETHERTYPE_PPPOE_SESSION:
        /* version and type (1, 1), code, session id, length; PPP follows */
        if (!cur_u8(&w->c, &version_type) || !cur_skip(&w->c, 5))
            return DECODE_TRUNCATED;
        if (version_type != 0x11)
            return DECODE_UNSUPPORTED;
        pkt->encap |= ENCAP_PPPOE;
        *next = LAYER_PPP;
        return DECODE_OK;
    case ETHERTYPE_ARP:
    case ETHERTYPE_RARP:
    case ETHERTYPE_PPPOE_DISCOVERY:
    case ETHERTYPE_LLDP:
    case ETHERTYPE_EAPOL:
    case ETHERTYPE_SLOW:
    case ETHERTYPE_MAC_CONTROL:
    case ETHERTYPE_PTP:
        return DECODE_NOT_IP;
    default:
        /* 802.3 frames carry a length here and an LLC header after: STP, CDP... */
        return w->proto <= ETHERTYPE_MAX_LENGTH ? DECODE_NOT_IP : DECODE_UNSUPPORTED;
    }
}

static enum decode_status decode_mpls(struct walk *w, enum layer *next)
{
    uint32_t entry;
    uint8_t first;

    w->pkt->encap |= ENCAP_MPLS;
    do {
        if (!cur_be32(&w->c, &entry))
            return DECODE_TRUNCATED;
    } while (!(entry & MPLS_BOTTOM_OF_STACK));

    /* MPLS does not say what it carries.  The first nibble is the customary
     * guess: 4 or 6 is IP, 0 the pseudowire control word that RFC 4385 puts
     * there precisely so an Ethernet payload (RFC 4448) cannot look like IP. */
    if (!cur_peek_u8(&w->c, 0, &first))
        return DECODE_TRUNCATED;
    if (first >> 4 == 0) {
        if (!cur_skip(&w->c, 4))
            return DECODE_TRUNCATED;
        *next = LAYER_ETHER;
        return enter_tunnel(w, 0);
    }
    return ip_by_version(&w->c, DECODE_UNSUPPORTED, next);
}

static enum decode_status decode_ppp(struct walk *w, enum layer *next)
{
    uint8_t b0, b1;
    uint16_t proto;

    if (!cur_u8(&w->c, &b0))
        return DECODE_TRUNCATED;
    /* Address and control (ff 03) are absent when the peers agreed to
     * compress them, and PPPoE never sends them. */
    if (b0 == 0xff) {
        if (!cur_u8(&w->c, &b1) || !cur_u8(&w->c, &b0))
            return DECODE_TRUNCATED;
        if (b1 != 0x03)
            return DECODE_BAD_HEADER;
    }
    /* A protocol's last byte is odd and its first even, so an odd first
     * byte is a protocol compressed to one byte. */
    if (b0 & 1) {
        proto = b0;
    } else {
        if (!cur_u8(&w->c, &b1))
            return DECODE_TRUNCATED;
        proto = (uint16_t)(b0 << 8 | b1);
    }
    switch (proto) {
    case PPP_IPV4:
        *next = LAYER_IPV4;
        return DECODE_OK;
    case PPP_IPV6:
        *next = LAYER_IPV6;
        return DECODE_OK;
    default:
        return DECODE_NOT_IP; /* LCP, IPCP, compressed or encrypted data */
    }
}

static enum decode_status decode_tcp(struct walk *w)
{
    struct packet *pkt = w->pkt;
    struct cursor *c = &w->c;
    uint16_t sport, dport;
    uint8_t offset, flags;

    if (!cur_be16(c, &sport) || !cur_be16(c, &dport) || !cur_skip(c, 8) || !cur_u8(c, &offset) ||
        !cur_u8(c, &flags))
        return DECODE_TRUNCATED;
    size_t hlen = (size_t)(offset >> 4) * 4;
    if (hlen < 20)
        return DECODE_BAD_HEADER;
    if (!cur_skip(c, hlen - 14))
        return DECODE_TRUNCATED;
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->tcp_flags = flags;
    pkt->payload = c->left ? c->p : NULL;
    pkt->payload_caplen = (uint32_t)c->left;
    return DECODE_OK;
}

static enum decode_status decode_vxlan(struct walk *w, struct cursor t, enum layer *next)
{
    uint8_t flags;
    if (!cur_u8(&t, &flags))
        return DECODE_TRUNCATED;
    if (!(flags & VXLAN_FLAG_VNI))
        return DECODE_OK; /* not VXLAN: the datagram itself is the packet */
    if (!cur_skip(&t, 7))
        return DECODE_TRUNCATED;
    w->c = t;
    *next = LAYER_ETHER;
    return enter_tunnel(w, ENCAP_VXLAN);
}

static enum decode_status decode_geneve(struct walk *w, struct cursor t, enum layer *next)
{
    uint8_t version_optlen;
    uint16_t proto;

    if (!cur_u8(&t, &version_optlen))
        return DECODE_TRUNCATED;
    if (version_optlen >> 6 != 0)
        return DECODE_OK; /* not Geneve version 0: the datagram itself is the packet */
    /* flags, protocol, VNI and reserved, then options in 4-byte units */
    if (!cur_skip(&t, 1) || !cur_be16(&t, &proto) ||
        !cur_skip(&t, 4 + (version_optlen & 0x3fu) * 4))
        return DECODE_TRUNCATED;
    switch (proto) {
    case ETHERTYPE_TEB:
        *next = LAYER_ETHER;
        break;
    case ETHERTYPE_IPV4:
        *next = LAYER_IPV4;
        break;
    case ETHERTYPE_IPV6:
        *next = LAYER_IPV6;
        break;
    default:
        return DECODE_UNSUPPORTED;
    }
    w->c = t;
    return enter_tunnel(w, ENCAP_GENEVE);
}

static enum decode_status decode_gtp(struct walk *w, struct cursor t, enum layer *next)
{
    uint8_t flags, type, ext, units;

    if (!cur_u8(&t, &flags) || !cur_u8(&t, &type))
        return DECODE_TRUNCATED;
    /* Only a version 1 G-PDU carries a user packet; echo, error indication
     * and end marker are the tunnel's own signalling, accounted as such. */
    if ((flags & 0xf0) != GTP_V1_GTP || type != GTP_G_PDU)
        return DECODE_OK;
    if (!cur_skip(&t, 6)) /* length, TEID */
        return DECODE_TRUNCATED;
    if (flags & GTP_FLAGS_OPTIONAL) {
        /* sequence number, N-PDU number, next extension type: present as a
         * block when any of E, S, PN is set, meaningful only by its flag */
        if (!cur_skip(&t, 3) || !cur_u8(&t, &ext))
            return DECODE_TRUNCATED;
        if (!(flags & GTP_FLAG_EXT))
            ext = 0;
        while (ext != 0) {
            /* length in 4-byte units, counting itself and the next type */
            if (!cur_u8(&t, &units))
                return DECODE_TRUNCATED;
            if (units == 0)
                return DECODE_BAD_HEADER;
            if (!cur_skip(&t, units * 4u - 2) || !cur_u8(&t, &ext))
                return DECODE_TRUNCATED;
        }
    }
    enum decode_status st = ip_by_version(&t, DECODE_UNSUPPORTED, next);
    if (st != DECODE_OK)
        return st;
    w->c = t;
    return enter_tunnel(w, ENCAP_GTP);
}

static enum decode_status decode_udp(struct walk *w, enum layer *next)
{
    struct packet *pkt = w->pkt;
    struct cursor *c = &w->c;
    uint16_t sport, dport, len;

    if (!cur_be16(c, &sport) || !cur_be16(c, &dport) || !cur_be16(c, &len) || !cur_skip(c, 2))
        return DECODE_TRUNCATED;
    size_t payload_caplen = c->left;
    /* Length 0 is a jumbogram or a segmentation-offload capture: the IP
     * length, already applied to the cursor, is the bound. */
    if (len != 0) {
        if (len < 8)
            return DECODE_BAD_HEADER;
        if (len - 8u < payload_caplen)
            payload_caplen = len - 8u;
    }
    pkt->sport = sport;
    pkt->dport = dport;
    pkt->payload = payload_caplen ? c->p : NULL;
    pkt->payload_caplen = (uint32_t)payload_caplen;

    /* Every tunnel header is at least 8 bytes: a shorter datagram to a
     * tunnel port is not a tunnel. */
    if (pkt->fragment != FRAGMENT_NONE || (len != 0 && len < 16))
        return DECODE_OK;
    struct cursor t = cursor_make(c->p, payload_caplen);
    switch (dport) {
    case UDP_PORT_VXLAN:
        return decode_vxlan(w, t, next);
    case UDP_PORT_GENEVE:
        return decode_geneve(w, t, next);
    case UDP_PORT_GTP_U:
        return decode_gtp(w, t, next);
    default:
        return DECODE_OK;
    }
}

/* PPTP's enhanced GRE (RFC 2637): the key (payload length and call id) is
 * always there, the sequence number when a PPP frame follows, and an
 * acknowledgement number when the A flag says so. */
static enum decode_status decode_gre_pptp(struct walk *w, uint16_t flags, uint16_t proto,
                                          enum layer *next)
{
    if (proto != ETHERTYPE_PPP)
        return DECODE_UNSUPPORTED;
    if (!(flags & GRE_KEY) || (flags & (GRE_CHECKSUM | GRE_ROUTING)))
        return DECODE_BAD_HEADER;
    size_t optional = 4 + (flags & GRE_SEQUENCE ? 4u : 0u) + (flags & GRE_ACK ? 4u : 0u);
    if (!cur_skip(&w->c, optional))
        return DECODE_TRUNCATED;
    if (!(flags & GRE_SEQUENCE))
        return DECODE_OK; /* an acknowledgement only: the GRE packet is the packet */
    *next = LAYER_PPP;
    return enter_tunnel(w, ENCAP_GRE);
}

static enum decode_status decode_gre(struct walk *w, enum layer *next)
{
    struct cursor *c = &w->c;
    uint16_t flags, proto;
    uint8_t erspan[12];
    unsigned encap = ENCAP_GRE;

    if (!cur_be16(c, &flags) || !cur_be16(c, &proto))
        return DECODE_TRUNCATED;
    switch (flags & GRE_VERSION) {
    case 0:
        break;
    case 1:
        return decode_gre_pptp(w, flags, proto, next);
    default:
        return DECODE_UNSUPPORTED;
    }
    /* RFC 1701 source routing is obsolete and its entries a walk of their own. */
    if (flags & GRE_ROUTING)
        return DECODE_UNSUPPORTED;
    size_t optional = (flags & GRE_CHECKSUM ? 4u : 0u) + (flags & GRE_KEY ? 4u : 0u) +
                      (flags & GRE_SEQUENCE ? 4u : 0u);
    if (!cur_skip(c, optional))
        return DECODE_TRUNCATED;

    switch (proto) {
    case ETHERTYPE_TEB:
        *next = LAYER_ETHER;
        break;
    case ETHERTYPE_ERSPAN_II:
        /* Type I has no header of its own; type II, which numbers its
         * packets in the GRE sequence, has 8 bytes: version 1, VLAN, CoS,
         * session, index. */
        if (flags & GRE_SEQUENCE) {
            if (!cur_bytes(c, erspan, 8))
                return DECODE_TRUNCATED;
            if (erspan[0] >> 4 != 1)
                return DECODE_UNSUPPORTED;
        }
        encap |= ENCAP_ERSPAN;
        *next = LAYER_ETHER;
        break;
    case ETHERTYPE_ERSPAN_III: {
        /* 12 bytes: version 2, VLAN, CoS, session, timestamp, SGT, then
         * P, frame type (5 bits), hardware id, D, granularity, and O, which
         * announces an 8-byte platform-specific sub-header. */
        if (!cur_bytes(c, erspan, 12))
            return DECODE_TRUNCATED;
        if (erspan[0] >> 4 != 2)
            return DECODE_UNSUPPORTED;
        if ((erspan[11] & 0x01) && !cur_skip(c, 8))
            return DECODE_TRUNCATED;
        unsigned frame_type = (erspan[10] >> 2) & 0x1f;
        if (frame_type == 0) {
            *next = LAYER_ETHER;
        } else if (frame_type == 2) {
            enum decode_status st = ip_by_version(c, DECODE_BAD_HEADER, next);
            if (st != DECODE_OK)
                return st;
        } else {
            return DECODE_UNSUPPORTED;
        }
        encap |= ENCAP_ERSPAN;
        break;
    }
    default:
        /* IPv4, IPv6, MPLS: GRE's protocol field is an ethertype. */
        w->proto = proto;
        *next = LAYER_ETHERTYPE;
        break;
    }
    return enter_tunnel(w, encap);
}

/* Reads the transport header of the IP packet just decoded, with w->c on its
 * first byte, and follows it when it is a tunnel. */
static enum decode_status decode_transport(struct walk *w, enum layer *next)
{
    struct packet *pkt = w->pkt;

    pkt->sport = 0;
    pkt->dport = 0;
    pkt->tcp_flags = 0;
    pkt->payload = NULL;
    pkt->payload_caplen = 0;
    *next = LAYER_DONE;
    if (pkt->fragment == FRAGMENT_LATER) {
        pkt->l4 = NULL;
        pkt->l4_caplen = 0;
        return DECODE_OK;
    }
    pkt->l4 = w->c.p;
    pkt->l4_caplen = (uint32_t)w->c.left;

    switch (pkt->l4_proto) {
    case IPPROTO_TCP:
        return decode_tcp(w);
    case IPPROTO_UDP:
        return decode_udp(w, next);
    default:
        break;
    }
    /* A fragment holds only part of the tunnelled packet: without reassembly,
     * the outer packet is what can be accounted. */
    if (pkt->fragment != FRAGMENT_NONE)
        return DECODE_OK;
    switch (pkt->l4_proto) {
    case IPPROTO_IPIP:
        *next = LAYER_IPV4;
        return enter_tunnel(w, ENCAP_IPIP);
    case IPPROTO_IPV6:
        *next = LAYER_IPV6;
        return enter_tunnel(w, ENCAP_IPIP);
    case IPPROTO_GRE:
        return decode_gre(w, next);
    default:
        return DECODE_OK;
    }
}

static enum decode_status decode_ipv4(struct walk *w, enum layer *next)
{
    struct packet *pkt = w->pkt;
    struct cursor c = w->c;
    const uint8_t *l3 = c.p;
    size_t caplen = c.left;
    uint8_t version_ihl, proto, addr[8];
    uint16_t total, id, frag;

    if (!cur_u8(&c, &version_ihl))
        return DECODE_TRUNCATED;
    if (version_ihl >> 4 != 4 || (version_ihl & 0x0f) < 5)
        return DECODE_BAD_HEADER;
    size_t hlen = (size_t)(version_ihl & 0x0f) * 4;
    if (!cur_skip(&c, 1) || !cur_be16(&c, &total) || !cur_be16(&c, &id) || !cur_be16(&c, &frag) ||
        !cur_skip(&c, 1) || !cur_u8(&c, &proto) || !cur_skip(&c, 2) || !cur_bytes(&c, addr, 8) ||
        caplen < hlen)
        return DECODE_TRUNCATED;
    /* Segmentation offload shows the capture one large segment, before the
     * NIC cuts it, with total length 0: what was captured is the measure. */
    size_t ip_len = total ? total : caplen;
    if (ip_len < hlen)
        return DECODE_BAD_HEADER;
    size_t l3_caplen = caplen < ip_len ? caplen : ip_len; /* padding cut */

    pkt->l3 = l3;
    pkt->l3_caplen = (uint32_t)l3_caplen;
    pkt->ip_len = (uint32_t)ip_len;
    pkt->ip_version = 4;
    pkt->l4_proto = proto;
    netaddr_from_v4(&pkt->src, addr);
    netaddr_from_v4(&pkt->dst, addr + 4);
    unsigned offset = frag & 0x1fff;
    bool more = frag & 0x2000;
    pkt->fragment = offset ? FRAGMENT_LATER : more ? FRAGMENT_FIRST : FRAGMENT_NONE;
    pkt->frag_id = id;
    w->c = cursor_make(l3 + hlen, l3_caplen - hlen);
    return decode_transport(w, next);
}

/* Steps over IPv6 extension headers to the upper-layer header, leaving its
 * protocol in *nh; stops at a later fragment, whose upper layer is elsewhere. */
static enum decode_status decode_ipv6_extensions(struct cursor *c, uint8_t *nh, struct packet *pkt)
{
    uint8_t len;
    uint16_t offset_flags;
    uint32_t id;

    for (;;) {
        switch (*nh) {
        case IPPROTO_HOPOPTS:
        case IPPROTO_ROUTING:
        case IPPROTO_DSTOPTS:
        case IPPROTO_MH:
        case IPPROTO_HIP:
        case IPPROTO_SHIM6:
            /* length in 8-byte units, not counting the first 8 */
            if (!cur_u8(c, nh) || !cur_u8(c, &len) || !cur_skip(c, 6 + len * 8u))
                return DECODE_TRUNCATED;
            break;
        case IPPROTO_AH:
            /* length in 4-byte units, not counting the first two */
            if (!cur_u8(c, nh) || !cur_u8(c, &len) || !cur_skip(c, 6 + len * 4u))
                return DECODE_TRUNCATED;
            break;
        case IPPROTO_FRAGMENT:
            if (!cur_u8(c, nh) || !cur_skip(c, 1) || !cur_be16(c, &offset_flags) ||
                !cur_be32(c, &id))
                return DECODE_TRUNCATED;
            if (offset_flags & 0xfff8) {
                pkt->fragment = FRAGMENT_LATER;
                pkt->frag_id = id;
                return DECODE_OK;
            }
            /* Offset 0 without M is an atomic fragment (RFC 6946): whole. */
            if (offset_flags & 0x0001) {
                pkt->fragment = FRAGMENT_FIRST;
                pkt->frag_id = id;
            }
            break;
        default:
            return DECODE_OK; /* upper layer, ESP, or 59: no next header */
        }
    }
}

static enum decode_status decode_ipv6(struct walk *w, enum layer *next)
{
    struct packet *pkt = w->pkt;
    struct cursor c = w->c;
    const uint8_t *l3 = c.p;
    size_t caplen = c.left;
    uint8_t first, nh, addr[32];
    uint16_t payload_len;

    if (!cur_u8(&c, &first))
        return DECODE_TRUNCATED;
    if (first >> 4 != 6)
        return DECODE_BAD_HEADER;
    if (!cur_skip(&c, 3) || !cur_be16(&c, &payload_len) || !cur_u8(&c, &nh) || !cur_skip(&c, 1) ||
        !cur_bytes(&c, addr, 32))
        return DECODE_TRUNCATED;
    /* Payload length 0: a jumbogram or a segmentation-offload capture. */
    size_t ip_len = payload_len ? 40u + payload_len : caplen;
    size_t l3_caplen = caplen < ip_len ? caplen : ip_len;

    pkt->l3 = l3;
    pkt->l3_caplen = (uint32_t)l3_caplen;
    pkt->ip_len = (uint32_t)ip_len;
    pkt->ip_version = 6;
    netaddr_from_v6(&pkt->src, addr);
    netaddr_from_v6(&pkt->dst, addr + 16);
    pkt->fragment = FRAGMENT_NONE;
    pkt->frag_id = 0;
    c = cursor_make(l3 + 40, l3_caplen - 40);
    enum decode_status st = decode_ipv6_extensions(&c, &nh, pkt);
    if (st != DECODE_OK)
        return st;
    pkt->l4_proto = nh;
    w->c = c;
    return decode_transport(w, next);
}

enum decode_status decode_packet(int linktype, const uint8_t *data, uint32_t caplen,
                                 struct packet *out)
{
    struct walk w = {.c = cursor_make(data, caplen), .pkt = out};
    enum layer next = LAYER_DONE;

    out->vlan = 0;
    out->encap = 0;
    enum decode_status st = decode_link(&w, linktype, &next);
    while (st == DECODE_OK) {
        switch (next) {
        case LAYER_DONE:
            return DECODE_OK;
        case LAYER_ETHER:
            st = decode_ether(&w, &next);
            break;
        case LAYER_ETHERTYPE:
            st = decode_ethertype(&w, &next);
            break;
        case LAYER_MPLS:
            st = decode_mpls(&w, &next);
            break;
        case LAYER_PPP:
            st = decode_ppp(&w, &next);
            break;
        case LAYER_IPV4:
            st = decode_ipv4(&w, &next);
            break;
        case LAYER_IPV6:
            st = decode_ipv6(&w, &next);
            break;
        }
    }
    return st;
}

bool decode_link_supported(int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
    case DECODE_LINK_SLL2:
    case DECODE_LINK_RAW:
    case DECODE_LINK_RAW_BSD:
    case DECODE_LINK_RAW_FILE:
    case DECODE_LINK_IPV4:
    case DECODE_LINK_IPV6:
    case DLT_NULL:
    case DECODE_LINK_LOOP:
    case DLT_PPP:
    case DLT_PPP_SERIAL:
    case DLT_C_HDLC:
    case DLT_PPI:
        return true;
    default:
        return false;
    }
}

const char *decode_status_name(enum decode_status s)
{
    static const char *const names[DECODE_STATUS_COUNT] = {
        [DECODE_OK] = "ok",
        [DECODE_TRUNCATED] = "truncated",
        [DECODE_UNSUPPORTED_LINK] = "unsupported_link",
        [DECODE_NOT_IP] = "not_ip",
        [DECODE_UNSUPPORTED] = "unsupported",
        [DECODE_BAD_HEADER] = "bad_header",
        [DECODE_TOO_DEEP] = "too_deep",
    };
    if ((unsigned)s >= DECODE_STATUS_COUNT)
        return "unknown";
    return names[s];
}
