/*
 * dhcp.h - what a DHCP message says about which device holds which address.
 *
 * The sensor sees a network's DHCP exchanges on the mirror port.  They tell
 * which device (MAC address, client identifier, the host name it gives
 * itself) was granted which address and for how long: what departments can be
 * decided by where subnets do not tell (leases.h keeps the answers).  This
 * parser reads one UDP payload as a DHCPv4 message (RFC 2131, options of
 * RFC 2132) or a DHCPv6 message (RFC 8415) into one result, and decides what
 * it is for the lease table: a grant, a request, a release, a decline or nak.
 *
 * Pure and bounded: no allocation, no state, every read through a cursor
 * (cursor.h).  Framing errors stop the parse (a truncated fixed header, a bad
 * magic cookie, an option running past the end of the message or of the
 * option that holds it); an option framed well whose content is not what its
 * code requires (a lease time not 4 bytes long, a host name with a control
 * byte) is ignored and noted in out->notes, and the rest is still read.
 *
 * DHCPv4 details:
 *  - Options are read from the options field only.  Option overload (52: more
 *    options in the sname and file fields) is not handled; such a message is
 *    read without them and carries DHCP_NOTE_OVERLOAD.
 *  - The options must end with the END option (255): a message that runs out
 *    of options before it is truncated.  Bytes after END (padding) are not read.
 *  - When an option appears twice the first one counts (long options split
 *    in pieces, RFC 3396, are not joined).
 *  - BOOTP (no message type option) is refused: it grants no lease.
 *  - The message type must agree with the BOOTP op (OFFER, ACK and NAK are
 *    replies, the rest requests); otherwise the message is malformed.
 *  - Client FQDN (option 81) is not read: clients that send it send option 12.
 *
 * DHCPv6 details:
 *  - Relay-forward and relay-reply messages are unwrapped (option 9, at most
 *    DHCP_V6_MAX_RELAY levels); msg_type is then that of the message inside.
 *    A relay's Client Link-Layer Address option (79, RFC 6939) gives the MAC
 *    when it is Ethernet; otherwise a DUID-LL or DUID-LLT of hardware type 1
 *    does (that may be the MAC of another interface of the same device).
 *  - Of the addresses of IA_NA options (IAADDR) the message reports one: the
 *    first with a non-zero valid lifetime, else the first.  IA_TA and IA_PD
 *    (temporary addresses, delegated prefixes) are not read.
 *
 * Host names (option 12; the first label of DHCPv6 Client FQDN, option 39)
 * are kept as the client sent them, case included, only when every byte is
 * printable ASCII: one or more trailing NULs (some clients terminate the
 * string) and leading or trailing spaces are dropped; any other byte outside
 * 0x20..0x7e (a control byte, a byte of UTF-8) rejects the whole name
 * (DHCP_NOTE_HOSTNAME_REJECTED) rather than keep a name the device did not
 * send.  A name longer than DHCP_HOSTNAME_MAX (63, a DNS label) is cut to it
 * (DHCP_NOTE_HOSTNAME_CUT): the start of a name is what department patterns
 * ("FIN-*") look at.
 *
 * Privacy: what this returns (MAC addresses, host names, client identifiers)
 * names devices and often people.  It stays in the sensor's memory; nothing
 * here logs it, and callers must not either.
 */
#ifndef SHADOWTAP_DHCP_H
#define SHADOWTAP_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

#define DHCP_V4_SERVER_PORT 67
#define DHCP_V4_CLIENT_PORT 68
#define DHCP_V6_CLIENT_PORT 546
#define DHCP_V6_SERVER_PORT 547

#define DHCP_HOSTNAME_MAX  63 /* bytes of a host name kept, without the NUL */
#define DHCP_CLIENT_ID_MAX 32 /* bytes of a client identifier or DUID kept */
#define DHCP_V6_MAX_RELAY  8  /* relay messages unwrapped (RFC 8415 HOP_COUNT_LIMIT) */

#define DHCP_LEASE_INFINITE 0xffffffffu /* lease time / valid lifetime "forever" */

enum dhcp_kind {
    DHCP_KIND_NONE = 0,
    DHCP_KIND_V4 = 4,
    DHCP_KIND_V6 = 6,
};

/* What the message means to the lease table. */
enum dhcp_event {
    DHCP_EVENT_OTHER = 0, /* nothing about a lease: v4 ACK to INFORM (no yiaddr), v6
                             Reply without IA_NA, Reconfigure, unknown v6 types */
    DHCP_EVENT_GRANT,     /* a lease granted or renewed: v4 ACK with yiaddr, v6 Reply
                             with an address of non-zero valid lifetime */
    DHCP_EVENT_OFFER,     /* an address offered, not yet granted: v4 OFFER, v6 Advertise */
    DHCP_EVENT_REQUEST,   /* a client asks: v4 DISCOVER, REQUEST, INFORM; v6 Solicit,
                             Request, Confirm, Renew, Rebind, Information-request */
    DHCP_EVENT_RELEASE,   /* a lease ends: v4 RELEASE, v6 Release, v6 Reply whose
                             address has valid lifetime 0 */
    DHCP_EVENT_DECLINE,   /* the client found its address in use: v4 DECLINE, v6 Decline */
    DHCP_EVENT_NAK,       /* the server refuses: v4 NAK, v6 Reply with an IA_NA status
                             code other than Success and no address */
    DHCP_EVENT_COUNT
};

/* Where dhcp_message.mac came from. */
enum dhcp_mac_source {
    DHCP_MAC_NONE = 0,
    DHCP_MAC_CHADDR, /* v4 chaddr with htype 1 (Ethernet) and hlen 6 */
    DHCP_MAC_RELAY,  /* v6 relay's Client Link-Layer Address option (79), Ethernet */
    DHCP_MAC_DUID,   /* v6 DUID-LL or DUID-LLT of hardware type 1 */
};

/* Bits of dhcp_message.notes: what was read but not kept whole. */
enum dhcp_note {
    DHCP_NOTE_HOSTNAME_CUT = 1u << 0,      /* host name longer than DHCP_HOSTNAME_MAX */
    DHCP_NOTE_HOSTNAME_REJECTED = 1u << 1, /* host name with a byte not printable ASCII */
    DHCP_NOTE_CLIENT_ID_CUT = 1u << 2,     /* client id / DUID longer than DHCP_CLIENT_ID_MAX */
    DHCP_NOTE_OVERLOAD = 1u << 3,          /* v4 option 52: options in sname/file not read */
    DHCP_NOTE_BAD_OPTION = 1u << 4,        /* an option of the wrong size for its code, ignored */
};

enum dhcp_error {
    DHCP_ERR_NONE = 0,
    DHCP_ERR_TRUNCATED = -1,  /* the message (or the one a v6 relay carries) ends
                                 inside its header or an option, or (v4) before END */
    DHCP_ERR_MALFORMED = -2,  /* impossible values: BOOTP op not 1 or 2, hlen over 16,
                                 op and message type disagree, a v6 IA_NA option
                                 running past the IA_NA, a relay without its message
                                 or nested too deep */
    DHCP_ERR_BAD_COOKIE = -3, /* v4: no DHCP magic cookie (99.130.83.99) after BOOTP */
    DHCP_ERR_NOT_DHCP = -4,   /* v4 without a message type (BOOTP); kind not v4 or v6 */
};

struct dhcp_message {
    enum dhcp_kind kind;
    enum dhcp_event event;
    uint8_t msg_type; /* v4 option 53 (1 DISCOVER .. 8 INFORM); v6 msg-type of the
                         innermost message (1 Solicit .. 11 Information-request) */
    uint32_t xid;     /* v4 xid; v6 transaction-id (24 bits) */
    unsigned notes;   /* enum dhcp_note bits */

    /* The device. */
    enum dhcp_mac_source mac_source;
    uint8_t mac[6];                        /* valid when mac_source != DHCP_MAC_NONE */
    char hostname[DHCP_HOSTNAME_MAX + 1];  /* "" when none (see the top) */
    uint8_t client_id[DHCP_CLIENT_ID_MAX]; /* v4 option 61, v6 client DUID (option 1), */
    uint8_t client_id_len;                 /* raw bytes, the first DHCP_CLIENT_ID_MAX */

    /* The address the message is about, per event: GRANT and OFFER the address
     * given (v4 yiaddr); REQUEST the one asked for (v4 option 50, else
     * ciaddr); RELEASE and DECLINE the one given back (v4 ciaddr, DECLINE
     * option 50); v6 the IAADDR reported (see the top).  v4 addresses are
     * IPv4-mapped (netaddr.h). */
    bool has_address;
    struct netaddr address;
    bool has_lease_time;
    uint32_t lease_s; /* v4 option 51, v6 the IAADDR's valid lifetime; seconds */

    /* DHCPv4 fields (zero for v6). */
    uint8_t op, htype, hlen; /* BOOTP op (1 request, 2 reply), hardware type, length */
    struct netaddr ciaddr, yiaddr;
    bool has_requested, has_server_id;
    struct netaddr requested; /* option 50 */
    struct netaddr server_id; /* option 54 (v6 server identifiers are DUIDs: not kept) */
    bool relayed;             /* v4 giaddr set, v6 came in a relay message */
};

/* Which kind of DHCP a UDP datagram between these ports carries: v4 between 67
 * and 67 or 68 (client, server, relay), v6 between 547 and 546 or 547;
 * DHCP_KIND_NONE otherwise. */
enum dhcp_kind dhcp_kind_of_ports(uint16_t sport, uint16_t dport);

/* Parses msg[0..len), a UDP payload, as a message of the given kind.  Returns 0
 * with *out filled, or a negative enum dhcp_error; *out is then unspecified.
 * Never reads outside msg[0..len), allocates nothing, keeps no state: safe
 * from any thread. */
int dhcp_parse(enum dhcp_kind kind, const uint8_t *msg, size_t len, struct dhcp_message *out);

/* Short stable names for statistics keys: "truncated", "grant", ... */
const char *dhcp_error_name(int err);
const char *dhcp_event_name(enum dhcp_event ev);

#endif
