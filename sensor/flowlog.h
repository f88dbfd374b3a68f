/*
 * flowlog.h - one JSON line per flow, in Elastic Common Schema field names.
 *
 * Written when a flow ends (idle, evicted, or still open at shutdown) for a
 * SIEM or for an analyst with jq.  Field list and meanings: docs/flow-log.md.
 * This is the security team's view and carries raw addresses; reports never do.
 *
 * Thread-safe: workers write concurrently; each line is formatted outside the
 * lock and written whole under it.
 */
#ifndef SHADOWTAP_FLOWLOG_H
#define SHADOWTAP_FLOWLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "netaddr.h"

struct flowlog_record {
    uint64_t start_us, end_us;    /* microseconds since the epoch */
    const struct netaddr *client; /* source: the side that opened the flow */
    const struct netaddr *server;
    uint16_t client_port, server_port;
    uint8_t transport;             /* IP protocol number */
    uint16_t vlan;                 /* 0 when untagged */
    uint64_t bytes_up, bytes_down; /* IP bytes client->server, server->client */
    uint64_t packets_up, packets_down;
    const char *domain;            /* the destination's host name, NULL if none */
    const char *other_name;        /* another name the flow carried (NetBIOS, DHCP, ...) */
    const char *other_name_source; /* where other_name came from ("netbios", ...) */
    const char *sensor;
    const char *department;
    const char *department_source; /* what gave it: tally_dept_source_name() */
    const char *device;     /* pseudonym */
    const char *service_id; /* NULL when unclassified */
    const char *service_name;
    const char *service_category;
    const char *service_status;
    const char *match;
    const char *visibility; /* what named its service, or why nothing did (tally.h) */
    const char *tenant_class; /* "own", "other", "none"; NULL for a service without tenants */
    const char *tenant;       /* the tenant the host name carries, or NULL */
    const char *ndpi_protocol;
    const char *ndpi_category;
    const char *country; /* ISO 3166 alpha-2, NULL if unknown */
    uint32_t asn;        /* 0 if unknown */
    const char *as_org;  /* NULL if unknown */
    bool internal;
    const char *end_reason; /* "idle", "evicted", "shutdown" */
    /* An internal flow to a model server (classify/model_api.h), else NULL: */
    const char *model_api;    /* the API the client spoke, "ollama", ... */
    const char *model_server; /* the server's pseudonym */
    uint32_t model_requests;  /* request lines of that API the client sent */
};

struct flowlog;

/* Opens path for appending ("-" for standard output).  NULL with errno set on
 * failure. */
struct flowlog *flowlog_open(const char *path);
/* Writes one record.  Returns 0, or -1 on a write error (counted; later
 * records are still attempted). */
int flowlog_write(struct flowlog *l, const struct flowlog_record *r);
/* Pushes buffered lines to the file. */
int flowlog_flush(struct flowlog *l);
uint64_t flowlog_lines(const struct flowlog *l);
uint64_t flowlog_errors(const struct flowlog *l);
/* Flushes and closes; returns -1 if any write failed.  Accepts NULL. */
int flowlog_close(struct flowlog *l);

/* ECS network.transport name of an IP protocol number ("tcp", "udp", ...). */
const char *flowlog_transport_name(uint8_t proto, char *buf, size_t len);
/* ISO 8601 UTC with milliseconds, e.g. 2026-11-02T08:00:01.123Z (buf >= 32). */
void flowlog_format_time(uint64_t us, char *buf, size_t len);

#endif
