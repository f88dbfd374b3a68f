/*
 * capture.h - packets from libpcap: a capture file, or live interfaces.
 *
 * Offline: pcap or pcapng (libpcap reads both), microsecond timestamps, the
 * file's link type per packet (pcapng may mix interfaces).  Live: one handle
 * per interface (comma-separated list) made with pcap_create, so snap length,
 * promiscuous mode, kernel buffer size and read timeout are all set before
 * activation; the handles are polled together.  A BPF filter applies to every
 * handle.
 */
#ifndef SHADOWTAP_CAPTURE_H
#define SHADOWTAP_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_MAX_INTERFACES 16

struct capture_config {
    const char *filter; /* BPF expression, NULL or "" for none */
    int snaplen;
    int buffer_bytes; /* kernel buffer (live) */
    int timeout_ms;   /* read timeout (live); capture_next waits no longer */
    bool promiscuous;
    bool immediate; /* deliver packets as they come rather than in blocks */
};

struct capture_packet {
    const uint8_t *data;
    uint32_t caplen, len;
    uint64_t ts_us;
    int linktype;
};

struct capture_counters {
    uint64_t received;          /* handed to us */
    uint64_t kernel_received;   /* ps_recv, summed (live); on Linux, drops included */
    uint64_t kernel_dropped;    /* ps_drop: no room in the buffer */
    uint64_t interface_dropped; /* ps_ifdrop: dropped by the interface/driver */
    uint64_t caplen_over_len;   /* records claiming more captured than on the wire */
    uint64_t file_errors;       /* offline: the file ended in a damaged or cut record */
};

enum capture_result {
    CAPTURE_PACKET = 1,
    CAPTURE_TIMEOUT = 0, /* live: nothing within the read timeout, or a signal came */
    CAPTURE_END = -1,    /* offline: end of file, or a damaged record where reading
                            must stop (counted in file_errors; see capture_error) */
    CAPTURE_ERROR = -2,  /* read error; the message is in capture_error() */
};

struct capture;

/* Opens a capture file.  NULL with a message in err on failure. */
struct capture *capture_open_file(const char *path, const struct capture_config *cfg, char *err,
                                  size_t errlen);
/* Opens and activates live capture on a comma-separated interface list. */
struct capture *capture_open_live(const char *interfaces, const struct capture_config *cfg,
                                  char *err, size_t errlen);
void capture_close(struct capture *c);

bool capture_is_live(const struct capture *c);
/* Reads the next packet into *out (valid until the next call). */
enum capture_result capture_next(struct capture *c, struct capture_packet *out);
/* Makes a blocked capture_next return soon (from a signal handler: only sets a
 * flag and calls pcap_breakloop, both async-signal-safe in practice). */
void capture_interrupt(struct capture *c);
const char *capture_error(const struct capture *c);
void capture_get_counters(struct capture *c, struct capture_counters *out);
/* Live: packets the kernel has already taken for us (in its buffer, or still in
 * the block it is filling) that capture_next has not returned yet; what is
 * left to read before stopping without losing anything.  0 offline. */
uint64_t capture_backlog(struct capture *c);
/* Names of the link types in use, for the log. */
void capture_describe(const struct capture *c, char *buf, size_t len);

#endif
