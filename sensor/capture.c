/*
 * capture.c - libpcap handles, offline and live.
 *
 * With several live interfaces, capture_next polls their selectable file
 * descriptors and reads from them in turn so that a busy interface cannot
 * starve a quiet one.  The handles are non-blocking: capture_next waits in
 * poll for at most the read timeout, so the caller gets control back at least
 * that often (ticks, flushes, statistics, signals) whatever the traffic.
 *
 * libpcap's pcap_stat counters are 32 bits wide and wrap after 2^32 packets
 * (a few hours at a busy mirror port); each read adds the difference since the
 * previous one to 64-bit totals, which stay right as long as they are read
 * more often than that (every statistics interval is plenty).
 *
 * Damage is the file's, not a reason to stop: a record cut short ends the
 * reading but what came before counts; a link type the decoder does not read,
 * a record claiming more bytes captured than were on the wire, and an empty
 * record are each logged once, naming the file, and counted (decode's reasons
 * or capture_counters).  Only a file libpcap cannot open at all is an error.
 */
#include "capture.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "log.h"

struct kernel_counts {
    struct pcap_stat last; /* libpcap's 32-bit counters at the previous read */
    uint64_t received, dropped, if_dropped;
};

#define CAPTURE_FILE_BUFFER (1 << 20)

struct capture {
    pcap_t *handles[CAPTURE_MAX_INTERFACES];
    char names[CAPTURE_MAX_INTERFACES][256]; /* interfaces, or the file's path */
    struct pollfd fds[CAPTURE_MAX_INTERFACES];
    uint64_t read[CAPTURE_MAX_INTERFACES]; /* packets returned, per handle */
    struct kernel_counts kernel[CAPTURE_MAX_INTERFACES];
    size_t count;
    size_t next; /* round-robin position */
    int timeout_ms;
    bool live;
    volatile sig_atomic_t interrupted;
    char error[PCAP_ERRBUF_SIZE + 768];
    uint64_t received, caplen_over_len, file_errors;
    bool warned_caplen, warned_empty;
};

/* Said once per handle when it opens: its packets will all be "unsupported_link". */
static void check_link_type(pcap_t *p, const char *name)
{
    int dlt = pcap_datalink(p);
    if (decode_link_supported(dlt))
        return;
    const char *dlt_name = pcap_datalink_val_to_name(dlt);
    log_warning("%s: link type %d (%s) is not one the sensor decodes: its packets are counted "
                "as not decoded (packets.not_decoded_by_reason.unsupported_link)",
                name, dlt, dlt_name ? dlt_name : "unknown");
}

static int apply_filter(pcap_t *p, const char *filter, const char *name, char *err, size_t errlen)
{
    if (!filter || !*filter)
        return 0;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "bad filter \"%s\": %s", filter, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot set the filter: %s", name, pcap_geterr(p));
        return -1;
    }
    return 0;
}

struct capture *capture_open_file(const char *path, const struct capture_config *cfg, char *err,
                                  size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *p;
    /* libpcap reads a file through stdio's 4 KiB buffer: a system call per 4 KiB
     * is a good part of the capture thread's time.  A large buffer (stdio
     * allocates it) cuts that, except for standard input and FIFOs, where a
     * full buffer would hold packets back. */
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");
    struct stat st;
    if (f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        setvbuf(f, NULL, _IOFBF, CAPTURE_FILE_BUFFER);
    if (f) {
        p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
        if (!p)
            fclose(f);
    } else {
        p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
    }
    if (!p) {
        if (f && S_ISREG(st.st_mode) && st.st_size == 0)
            snprintf(err, errlen, "%s: the file is empty, not a pcap or pcapng capture", path);
        else if (f && strstr(ebuf, "unknown file format"))
            snprintf(err, errlen, "%s: not a pcap or pcapng capture (unknown file format)", path);
        else
            snprintf(err, errlen, "%s: %s", path,
                     f || strcmp(path, "-") == 0 ? ebuf : strerror(errno));
        return NULL;
    }
    if (apply_filter(p, cfg->filter, path, err, errlen) != 0) {
        pcap_close(p);
        return NULL;
    }
    struct capture *c = calloc(1, sizeof(*c));
    if (!c) {
        pcap_close(p);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->handles[0] = p;
    snprintf(c->names[0], sizeof(c->names[0]), "%s", path);
    c->count = 1;
    check_link_type(p, path);
    return c;
}

static pcap_t *open_one(const char *name, const struct capture_config *cfg, char *err,
                        size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_create(name, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: %s", name, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, cfg->snaplen);
    pcap_set_promisc(p, cfg->promiscuous);
    pcap_set_timeout(p, cfg->timeout_ms);
    if (cfg->buffer_bytes > 0)
        pcap_set_buffer_size(p, cfg->buffer_bytes);
    if (cfg->immediate)
        pcap_set_immediate_mode(p, 1);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR_PERM_DENIED      ? "permission denied (run as root or "
                                                              "grant CAP_NET_RAW and CAP_NET_ADMIN)"
                          : rc == PCAP_ERROR_NO_SUCH_DEVICE ? "no such interface"
                                                            : pcap_geterr(p);
        snprintf(err, errlen, "%s: cannot start capture: %s", name, why);
        pcap_close(p);
        return NULL;
    }
    if (rc > 0)
        fprintf(stderr, "shadowtap-sensor: warning: %s: %s\n", name, pcap_geterr(p));
    if (apply_filter(p, cfg->filter, name, err, errlen) != 0) {
        pcap_close(p);
        return NULL;
    }
    return p;
}

struct capture *capture_open_live(const char *interfaces, const struct capture_config *cfg,
                                  char *err, size_t errlen)
{
    struct capture *c = calloc(1, sizeof(*c));
    char *list = strdup(interfaces);
    if (!c || !list) {
        free(c);
        free(list);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->live = true;
    c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 100;
    char *save = NULL;
    for (char *name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        if (!*name)
            continue;
        if (c->count == CAPTURE_MAX_INTERFACES) {
            snprintf(err, errlen, "at most %d interfaces", CAPTURE_MAX_INTERFACES);
            goto fail;
        }
        pcap_t *p = open_one(name, cfg, err, errlen);
        if (!p)
            goto fail;
        int fd = pcap_get_selectable_fd(p);
        if (fd < 0) {
            snprintf(err, errlen, "%s: no selectable file descriptor", name);
            pcap_close(p);
            goto fail;
        }
        if (pcap_setnonblock(p, 1, NULL) != 0) {
            snprintf(err, errlen, "%s: cannot set non-blocking mode: %s", name, pcap_geterr(p));
            pcap_close(p);
            goto fail;
        }
        check_link_type(p, name);
        c->handles[c->count] = p;
        c->fds[c->count] = (struct pollfd){.fd = fd, .events = POLLIN};
        snprintf(c->names[c->count], sizeof(c->names[0]), "%s", name);
        c->count++;
    }
    if (c->count == 0) {
        snprintf(err, errlen, "no interface given");
        goto fail;
    }
    free(list);
    return c;
fail:
    free(list);
    capture_close(c);
    return NULL;
}

void capture_close(struct capture *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->count; i++)
        pcap_close(c->handles[i]);
    free(c);
}

bool capture_is_live(const struct capture *c)
{
    return c->live;
}

static void fill(struct capture *c, size_t i, const struct pcap_pkthdr *h, const u_char *data,
                 struct capture_packet *out)
{
    out->data = data;
    out->caplen = h->caplen;
    out->len = h->len;
    if (h->caplen > h->len) {
        c->caplen_over_len++; /* a damaged record; believe the bytes we hold */
        out->len = h->caplen;
        if (!c->warned_caplen) {
            c->warned_caplen = true;
            log_warning("%s: packet %" PRIu64 " claims %u bytes captured but %u on the wire; "
                        "such packets are read to their captured length and counted "
                        "(packets.caplen_over_len)",
                        c->names[i], c->received + 1, h->caplen, h->len);
        }
    }
    if (h->caplen == 0 && !c->warned_empty) {
        c->warned_empty = true;
        log_warning("%s: packet %" PRIu64 " is empty (0 bytes captured); such packets are "
                    "counted as not decoded (truncated)",
                    c->names[i], c->received + 1);
    }
    out->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    out->linktype = pcap_datalink(c->handles[i]);
    c->read[i]++;
    c->received++;
}

enum capture_result capture_next(struct capture *c, struct capture_packet *out)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    if (!c->live) {
        int rc = pcap_next_ex(c->handles[0], &h, &data);
        if (rc == 1) {
            fill(c, 0, h, data, out);
            return CAPTURE_PACKET;
        }
        if (rc == PCAP_ERROR_BREAK)
            return CAPTURE_END;
        if (rc == PCAP_ERROR) {
            /* A cut or damaged record: libpcap cannot find the next one, so
             * reading stops here, but what was read still counts.  libpcap
             * 1.10 reads a pcapng file with one link type and snap length:
             * a second interface that differs is where it stops. */
            const char *why = pcap_geterr(c->handles[0]);
            const char *hint = strstr(why, "different from") ? " (libpcap reads pcapng files "
                                                               "whose interfaces share one link "
                                                               "type and snap length: split the "
                                                               "file per interface)"
                                                             : "";
            snprintf(c->error, sizeof(c->error),
                     "%s: damaged or cut short after %" PRIu64 " packets: %s%s", c->names[0],
                     c->received, why, hint);
            c->file_errors++;
        }
        return CAPTURE_END;
    }
    for (int round = 0; round < 2; round++) {
        for (size_t k = 0; k < c->count; k++) {
            size_t i = (c->next + k) % c->count;
            int rc = pcap_next_ex(c->handles[i], &h, &data);
            if (rc == 1) {
                c->next = (i + 1) % c->count;
                fill(c, i, h, data, out);
                return CAPTURE_PACKET;
            }
            if (rc == PCAP_ERROR) {
                snprintf(c->error, sizeof(c->error), "%s: %s", c->names[i],
                         pcap_geterr(c->handles[i]));
                return CAPTURE_ERROR;
            }
        }
        if (round == 0) {
            if (c->interrupted)
                return CAPTURE_TIMEOUT;
            int rc = poll(c->fds, c->count, c->timeout_ms);
            if (rc < 0 && errno != EINTR) {
                snprintf(c->error, sizeof(c->error), "poll: %s", strerror(errno));
                return CAPTURE_ERROR;
            }
            if (rc <= 0)
                return CAPTURE_TIMEOUT;
        }
    }
    return CAPTURE_TIMEOUT;
}

void capture_interrupt(struct capture *c)
{
    c->interrupted = 1;
    if (!c->live)
        pcap_breakloop(c->handles[0]);
}

const char *capture_error(const struct capture *c)
{
    return c->error;
}

void capture_get_counters(struct capture *c, struct capture_counters *out)
{
    memset(out, 0, sizeof(*out));
    out->received = c->received;
    out->caplen_over_len = c->caplen_over_len;
    out->file_errors = c->file_errors;
    if (!c->live)
        return;
    for (size_t i = 0; i < c->count; i++) {
        struct kernel_counts *k = &c->kernel[i];
        struct pcap_stat st;
        if (pcap_stats(c->handles[i], &st) == 0) {
            /* unsigned differences: right across a wrap of the 32-bit counter */
            k->received += (u_int)(st.ps_recv - k->last.ps_recv);
            k->dropped += (u_int)(st.ps_drop - k->last.ps_drop);
            k->if_dropped += (u_int)(st.ps_ifdrop - k->last.ps_ifdrop);
            k->last = st;
        }
        out->kernel_received += k->received;
        out->kernel_dropped += k->dropped;
        out->interface_dropped += k->if_dropped;
    }
}

uint64_t capture_backlog(struct capture *c)
{
    struct capture_counters cc;
    capture_get_counters(c, &cc); /* brings the per-handle totals up to date */
    uint64_t backlog = 0;
    for (size_t i = 0; c->live && i < c->count; i++) {
        /* Linux counts a dropped packet in ps_recv too. */
        const struct kernel_counts *k = &c->kernel[i];
        uint64_t queued = k->received - k->dropped;
        if (queued > c->read[i])
            backlog += queued - c->read[i];
    }
    return backlog;
}

void capture_describe(const struct capture *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < c->count && used < len; i++) {
        int dlt = pcap_datalink(c->handles[i]);
        const char *name = pcap_datalink_val_to_name(dlt);
        int n = snprintf(buf + used, len - used, "%s%s (%s)", i ? ", " : "", c->names[i],
                         name ? name : "unknown link type");
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
