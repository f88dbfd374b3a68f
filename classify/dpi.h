/*
 * dpi.h - nDPI 4.2, used only while a flow is undecided.
 *
 * Each worker thread owns one detection module.  A flow gets nDPI state when it
 * starts and loses it as soon as the verdict is in: nDPI's per-flow state is
 * several hundred bytes plus buffers, and keeping it for the life of every flow
 * is where most of a DPI tool's memory goes.
 *
 * A flow is decided when nDPI has named its protocol and either has nothing more
 * to learn from it or has already given the host name (we do not wait for a
 * certificate once the SNI is known).  Otherwise detection continues until the
 * flow's packet or byte budget is spent, and then nDPI is asked to give up
 * (which lets it guess from ports and addresses).
 *
 * Strings from nDPI (host names) are copied with a bound and normalized before
 * they leave this module.
 *
 * Memory: nDPI's allocations go through counting wrappers (set_ndpi_malloc), so
 * its total memory is known and can be capped: past the cap, new flows get no
 * DPI (they are still counted and classified by DNS, address and port).
 */
#ifndef SHADOWTAP_DPI_H
#define SHADOWTAP_DPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hostname.h"

/* Where the name a flow carried came from.  The first group names the
 * destination (or the service it belongs to) and is matched against the
 * catalog; the second group is other names a flow carries, reported in the flow
 * log but never taken for the destination. */
enum dpi_name_source {
    DPI_NAME_NONE = 0,
    DPI_NAME_SNI,       /* TLS ClientHello server_name */
    DPI_NAME_QUIC_SNI,  /* QUIC Initial's ClientHello server_name */
    DPI_NAME_HTTP_HOST, /* HTTP Host header */
    DPI_NAME_DNS_QUERY, /* the name a DNS query asked for (the flow is a DNS flow) */
    DPI_NAME_STUN,      /* STUN REALM: the service's domain */
    DPI_NAME_PROTOCOL,  /* a server name another protocol carries (proto_names.h) */
    DPI_NAME_OTHERS,    /* --- not destination names below --- */
    DPI_NAME_LLMNR = DPI_NAME_OTHERS, /* the name an LLMNR query asked for */
    DPI_NAME_MDNS,      /* the name an mDNS query asked for or announced */
    DPI_NAME_NETBIOS,   /* a NetBIOS name queried or registered */
    DPI_NAME_DHCP,      /* the client's own host name from DHCP */
    DPI_NAME_SSH,       /* the SSH client's software banner */
    DPI_NAME_WHOIS,     /* the name a WHOIS query asked about */
    DPI_NAME_SSDP,      /* the Host header of an SSDP request (not from nDPI) */
    DPI_NAME_BANNER,    /* the first word of a server's greeting, e.g. FTP's (not from nDPI) */
    DPI_NAME_SOURCE_COUNT
};

static inline int dpi_name_is_destination(enum dpi_name_source s)
{
    return s != DPI_NAME_NONE && s < DPI_NAME_OTHERS;
}

/* "sni", "quic-sni", "http-host", "dns-query", "stun", "protocol", "llmnr",
 * "mdns", "netbios", "dhcp", "ssh", "whois", "ssdp", "banner"; "" for none. */
const char *dpi_name_source_name(enum dpi_name_source s);

struct dpi_result {
    uint16_t master;  /* nDPI master protocol id, e.g. TLS; 0 if none */
    uint16_t app;     /* nDPI application protocol id, e.g. Dropbox; 0 if none */
    uint16_t category; /* ndpi_protocol_category_t */
    bool guessed;     /* the verdict came from nDPI's give-up guess, not from DPI */
    enum dpi_name_source name_source;
    char name[HOSTNAME_MAX + 1]; /* a host name (normalized) for destination sources,
                                    a printable copy otherwise; "" if none */
};

struct dpi_limits {
    uint32_t max_packets; /* packets given to nDPI per flow before giving up */
    uint32_t max_bytes;   /* IP bytes given to nDPI per flow before giving up */
};

struct dpi;
struct dpi_flow;

/* Sets up the counting allocator; call once, before any dpi_new(), and before
 * starting threads.  memory_cap in bytes, 0 for no cap. */
void dpi_global_init(size_t memory_cap);
/* Bytes currently held by nDPI across all modules and flows. */
size_t dpi_memory_in_use(void);
/* The most bytes nDPI has held at once. */
size_t dpi_memory_peak(void);
/* Flows refused DPI because nDPI's memory was at the cap. */
uint64_t dpi_flows_refused(void);

/* Creates a detection module.  nDPI forbids creating modules concurrently:
 * create them all from one thread.  NULL on failure. */
struct dpi *dpi_new(const struct dpi_limits *limits);
void dpi_free(struct dpi *d);

/* Per-flow state; NULL when out of memory or past the memory cap. */
struct dpi_flow *dpi_flow_new(struct dpi *d);
void dpi_flow_free(struct dpi_flow *f);

/* Feeds one IP packet (l3 points at the IP header; len captured bytes, at most
 * 65535) of the flow.  ip_len is the datagram length for the byte budget.
 * Returns true when the flow is decided (fetch the result with dpi_result and
 * free the state); false when more packets are wanted. */
bool dpi_process(struct dpi *d, struct dpi_flow *f, const uint8_t *l3, uint32_t len,
                 uint32_t ip_len, uint64_t ts_ms);

/* The verdict so far.  With give_up, asks nDPI for its best guess first (call
 * this when the budget is spent or the flow ends undecided). */
void dpi_result(struct dpi *d, struct dpi_flow *f, bool give_up, struct dpi_result *out);

/* True when nDPI recognised the verdict's traffic as encrypted DNS (DoH, DoT,
 * DoQ, DNSCrypt), whatever resolver it went to: the resolvers list
 * (resolvers.h) cannot name them all. */
bool dpi_is_encrypted_dns(const struct dpi_result *r);

/* Protocol name of an nDPI id ("TLS", "Dropbox"); "Unknown" for 0. */
const char *dpi_protocol_name(const struct dpi *d, uint16_t id);
/* nDPI's label for a verdict: "TLS.Dropbox", "Dropbox" or "DNS"; "Unknown" when
 * nothing is known.  Writes into buf and returns it. */
const char *dpi_label(const struct dpi *d, const struct dpi_result *r, char *buf, size_t len);
/* nDPI category name ("Cloud", "Web", ...). */
const char *dpi_category_name(const struct dpi *d, uint16_t category);

/* nDPI's protocol list, read from the library at run time (not from its
 * headers, so that an nDPI built with more or fewer protocols is seen as it
 * is).  Ids run from 0 ("Unknown") to dpi_protocol_count() - 1; nDPI 4.2 has
 * 282.  tests/unit/test_ndpi_coverage.c walks them against the catalog. */
#define DPI_PROTOCOL_TEXT_MAX 63 /* longer texts are cut; nDPI 4.2's longest has 20 */

struct dpi_protocol {
    uint16_t id;
    char name[DPI_PROTOCOL_TEXT_MAX + 1];     /* "Dropbox", as dpi_protocol_name() */
    char category[DPI_PROTOCOL_TEXT_MAX + 1]; /* nDPI's category of it: "Cloud" */
    char breed[DPI_PROTOCOL_TEXT_MAX + 1];    /* nDPI's rating: "Safe", "Acceptable", "Fun",
                                                 "Unsafe", "Potentially Dangerous",
                                                 "Dangerous" or "Unrated" */
};

/* Number of protocol ids the module knows, custom protocols included. */
uint16_t dpi_protocol_count(const struct dpi *d);
/* Copies what nDPI says of protocol id into out.  False, with out untouched,
 * when id is not below dpi_protocol_count(). */
bool dpi_protocol_info(const struct dpi *d, uint16_t id, struct dpi_protocol *out);

#endif
