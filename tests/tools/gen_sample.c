/*
 * gen_sample.c - one working day of the sample office on a mirror port, with
 * its exact ground truth.
 *
 * gen-sample writes the capture the demo and the integration tests run on: the
 * devices of rules/departments.conf look cloud service names up at the internal
 * resolver and then talk TLS (sometimes plain HTTP, sometimes TLS without SNI)
 * to them; they also use IT's servers, reach each other, and make the usual
 * background noise (ARP, ICMP, NTP, neighbour discovery, unnamed TCP and UDP).
 * Beside the capture it writes TRUTH.json: what the sensor must count per
 * (department, service), tallied while the packets are made, so it is exact by
 * construction.
 *
 * The day also holds what no catalog entry names, for the unknown-services and
 * visibility views:
 *  - two SaaS the catalog lacks, quillboard.io (app., api., cdn.) and
 *    pinecrest-analytics.co.uk (www., portal.), used by a few devices of
 *    marketing and engineering, and of sales, finance and research: TLS with
 *    SNI, and some without SNI after a lookup at the internal resolver;
 *  - TLS with Encrypted Client Hello: an outer SNI of cloudflare-ech.com, the
 *    ECH provider's public name, to an address no DNS answer names;
 *  - one HR device that resolves through DoH (1.1.1.1:443, SNI
 *    cloudflare-dns.com, which the catalog names Cloudflare) and DoT
 *    (1.0.0.1:853) from its first minute, and later talks TLS without SNI to
 *    addresses no DNS answer names;
 *  - TCP connections whose handshake the mirror port missed: the first segment
 *    seen carries data.
 * For these the truth adds the unknown domains ("unknown"), every counted byte
 * by the evidence that named it, or why nothing did ("visibility"), and the
 * devices that used an encrypted resolver ("encrypted_dns_devices"); the
 * generator checks that the views add up to the cells.
 *
 * And, for the tenant, GenAI-use and internal-model-server views:
 *  - the organisation is Contoso, whose own tenants are those of
 *    rules/policy.conf (OWN_TENANTS): devices of every department use its
 *    SharePoint and OneDrive for Business (contoso.sharepoint.com,
 *    contoso-my.sharepoint.com), Slack (contoso.slack.com,
 *    contoso.enterprise.slack.com), Jira (contoso.atlassian.net, and the older
 *    acme.atlassian.net), Salesforce (contoso.my.salesforce.com,
 *    contoso.lightning.force.com), an S3 bucket and an Azure storage account;
 *    some use other companies' tenants of the same services (fabrikam's
 *    SharePoint and Jira, northwind's OneDrive, Slack and Salesforce site, the
 *    tailspin-dev Slack, the S3 buckets wingtip-shared and assets.fabrikam.com,
 *    the storage account northwindexports), among them finance uploading
 *    megabytes to fabrikam-my.sharepoint.com; and names of these services that
 *    carry no tenant (www.sharepoint.com, files.slack.com, the path-style
 *    s3.eu-west-1.amazonaws.com).  TLS with SNI, a quarter without SNI after
 *    a lookup, the S3 bucket wingtip-shared also over plain HTTP;
 *  - the chat apps and the APIs of OpenAI, Anthropic, Google and Mistral used
 *    by several departments, the APIs with long prompts, the apps with
 *    documents now and then;
 *  - plain HTTP to model servers inside: Ollama on an engineer's desk
 *    (10.10.1.12:11434: GET /api/tags, POST /api/generate, POST /api/chat
 *    streamed as chunked NDJSON), reached by address from engineering,
 *    research and IT; IT's OpenAI-compatible server, llm.acme.internal
 *    (10.0.0.70:8000: GET /v1/models, POST /v1/chat/completions,
 *    POST /v1/completions, POST /v1/embeddings), from four departments; and
 *    IT's reporting service, reports.acme.internal (10.0.0.81:8080: its page
 *    GET /index.html, POST /api/generate-report, GET /api/reports/ID), which
 *    is no model server.  All internal: none of
 *    it is in the cells.
 *
 * TRUTH.json, all figures exact (addresses: distinct client addresses, the
 * sensor's devices; up: from the client):
 *  - date, seed, scale, packets, ip_bytes; client_addresses, client_macs;
 *    services (the ids the day uses); dns {queries, names};
 *    internal {flows, bytes}: what the sensor logs as internal and never counts;
 *  - cells {dept: {service | "unclassified": {bytes_up, bytes_down, packets_up,
 *    packets_down, flows, devices, addresses}}};
 *  - unknown, visibility, encrypted_dns_devices (above);
 *  - tenants {service: {own, other, none}} for each service of the day whose
 *    catalog entry has templates, each class {bytes_up, bytes_down, flows,
 *    addresses, departments: {dept: {bytes_up, bytes_down, flows,
 *    addresses}}}, own and other also names: {tenant: {bytes_up, bytes_down,
 *    flows, addresses}}.  A flow's class is that of the tenant its name
 *    carries (the SNI, the Host, or without either the name its client looked
 *    up, never a CNAME target): own when the policy names the tenant, other
 *    for any other tenant, none when the name carries none.  The three add up
 *    to the service's cells, department by department (checked here);
 *  - tenant_hosts {name: {service, tenant (null for none), class}}: every name
 *    of those services that a counted flow carried;
 *  - genai_uses {dept: {vendor: {app, api: {bytes_up, bytes_down, flows,
 *    addresses}}}}: every department, every vendor of the day's GenAI
 *    services, both uses, zero or not; genai_services {service: {vendor,
 *    use}} says how (GENAI_SERVICES);
 *  - internal_ai_servers {"ADDRESS:PORT": {address, port, name (null when
 *    reached by address), department (the server's), api ("ollama" |
 *    "openai-compatible"), bytes_up, bytes_down, flows, addresses, clients:
 *    {dept: {bytes_up, bytes_down, flows, addresses}}, requests: {"METHOD
 *    path": count}}}; internal_not_ai the same without api: servers a
 *    detector must not report.
 *
 * The design:
 *  - Every choice comes from xoshiro256** generators seeded through splitmix64:
 *    one stream per device and per department for the plan, and one per job
 *    keyed by the job's number, so the bytes of a job do not depend on the
 *    order jobs are generated in.  Same arguments, same bytes; no clock.
 *  - Which services the office uses depends on the seed alone (two months
 *    generated with different seeds differ in their mix); the traffic depends
 *    on the seed and the date.  Devices and server addresses never change.
 *  - The day is planned first as jobs (a DNS lookup, a TLS connection, an ARP
 *    exchange...), each with a start time.  Jobs are then generated in start
 *    order, each into its own buffer of frames, and a heap merges the open jobs
 *    by packet time: memory holds only the jobs in flight, whatever --scale.
 *  - The truth follows the sensor's convention: a packet weighs its IP datagram
 *    length, and up is from the side that opened the conversation.
 *  - The jobs added for the unknown-services and visibility views are planned
 *    after all others, from streams of their own and with client ports above
 *    the ones the rest of the day uses, so the rest of the day keeps its bytes;
 *    those of the tenant, GenAI-use and internal-server views after them, the
 *    same way, and their names after all other names.
 *  - Nothing is recognisable by address: servers live in the documentation
 *    ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32),
 *    one address set per name, so only SNI, Host or an earlier DNS answer can
 *    name a flow.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <pcap/pcap.h>

#include "netaddr.h"

#define DEFAULT_DATE "2026-11-02"
#define MAX_SCALE    100

#define US_PER_S   1000000ULL
#define US_PER_MIN (60 * US_PER_S)
#define US_PER_H   (3600 * US_PER_S)

/* ------------------------------------------------------------------------ */
/* Random numbers                                                           */
/* ------------------------------------------------------------------------ */

struct rng {
    uint64_t s[4];
};

/* Streams of the generator family: what a stream is for, in the high bits of
 * its key, so that no two uses share a sequence. */
enum rng_stream {
    STREAM_MIX = 1,    /* which optional services the office uses: seed only */
    STREAM_DEVICE = 2, /* a device's day */
    STREAM_DEPT = 3,   /* which service each of a department's flows goes to */
    STREAM_JOB = 4,    /* the bytes of one job */
    STREAM_ROUTER = 5, /* router advertisements */
    STREAM_LATE = 6,   /* the plan of the jobs planned last (plan_late) */
};

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream, uint64_t index, uint64_t day)
{
    uint64_t x = seed;
    x = splitmix64(&x) ^ (stream << 48 | index);
    x = splitmix64(&x) ^ day;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform in [lo, hi]; the modulo bias is far below anything a test could see. */
static uint64_t rng_between(struct rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + rng_next(r) % (hi - lo + 1);
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return n ? (uint32_t)(rng_next(r) % n) : 0;
}

static bool rng_chance(struct rng *r, unsigned per_mille)
{
    return rng_next(r) % 1000 < per_mille;
}

/* Roughly log-uniform in [lo, hi]: an octave chosen uniformly, then a value
 * uniform inside it.  Transfer sizes spread over orders of magnitude, and this
 * needs no libm. */
static uint64_t rng_logu(struct rng *r, uint64_t lo, uint64_t hi)
{
    if (lo == 0)
        lo = 1;
    if (hi <= lo)
        return lo;
    unsigned octaves = 0;
    while ((lo << (octaves + 1)) <= hi)
        octaves++;
    uint64_t a = lo << rng_between(r, 0, octaves);
    uint64_t b = a * 2 - 1;
    return rng_between(r, a, b < hi ? b : hi);
}

static void rng_fill(struct rng *r, uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, 8);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = rng_next(r);
        memcpy(p, &v, n);
    }
}

/* ------------------------------------------------------------------------ */
/* Growable byte strings                                                    */
/* ------------------------------------------------------------------------ */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("gen-sample: out of memory\n", stderr);
        exit(1);
    }
    return q;
}

struct bytes {
    uint8_t *p;
    size_t len, cap;
};

/* Appends n bytes and returns them, uninitialised. */
static uint8_t *bytes_grow(struct bytes *b, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    uint8_t *at = b->p + b->len;
    b->len += n;
    return at;
}

static void put8(struct bytes *b, unsigned v)
{
    *bytes_grow(b, 1) = (uint8_t)v;
}

static void put16(struct bytes *b, unsigned v)
{
    uint8_t *p = bytes_grow(b, 2);
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put24(struct bytes *b, uint32_t v)
{
    uint8_t *p = bytes_grow(b, 3);
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static void put32(struct bytes *b, uint32_t v)
{
    put16(b, v >> 16);
    put16(b, v & 0xffff);
}

static void putmem(struct bytes *b, const void *p, size_t n)
{
    if (n)
        memcpy(bytes_grow(b, n), p, n);
}

static void putstr(struct bytes *b, const char *s)
{
    putmem(b, s, strlen(s));
}

static void putrand(struct bytes *b, struct rng *r, size_t n)
{
    rng_fill(r, bytes_grow(b, n), n);
}

static void patch16(struct bytes *b, size_t at, size_t v)
{
    b->p[at] = (uint8_t)(v >> 8);
    b->p[at + 1] = (uint8_t)v;
}

static void patch24(struct bytes *b, size_t at, size_t v)
{
    b->p[at] = (uint8_t)(v >> 16);
    b->p[at + 1] = (uint8_t)(v >> 8);
    b->p[at + 2] = (uint8_t)v;
}

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v & 0xffff);
}

/* Text that looks like a page: letters, digits and spaces. */
static void puttext(struct bytes *b, struct rng *r, size_t n)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz eeaaoo"
                                   "ABCDEFGHIJKLMNOPQRST0123456789 ";
    _Static_assert(sizeof(alphabet) == 65, "64 characters");
    uint8_t *p = bytes_grow(b, n);
    rng_fill(r, p, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)alphabet[p[i] & 63];
}

/* ------------------------------------------------------------------------ */
/* The office                                                               */
/* ------------------------------------------------------------------------ */

/* How much a flow of a service moves, in application bytes: a usual size range
 * each way, and a per-mille chance of a heavy transfer instead. */
struct profile {
    uint32_t up_lo, up_hi, down_lo, down_hi;
    uint16_t heavy_up, heavy_down; /* per mille */
    uint32_t heavy_up_lo, heavy_up_hi, heavy_down_lo, heavy_down_hi;
};

enum profile_id {
    PROF_FILES,   /* file sharing: uploads dominate */
    PROF_GENAI,   /* prompts, sometimes a document uploaded */
    PROF_IMAGES,  /* image generation and design: downloads of images */
    PROF_STREAM,  /* streaming: downloads dominate */
    PROF_DEV,     /* clones and pushes */
    PROF_WEB,     /* SaaS pages */
    PROF_CHAT,    /* messages, sometimes a file */
    PROF_MEETING, /* meeting web clients */
    PROF_REMOTE,  /* remote desktop relays */
    PROF_DNS,     /* DNS queries over DoH or DoT */
    PROF_BULK_UP, /* bulk uploads: backups, a folder handed to another company */
    PROF_GENAI_APP, /* a chat app: prompts, and now and then a document */
    PROF_GENAI_API, /* programs calling a model API: long prompts with context */
};

static const struct profile PROFILES[] = {
    [PROF_FILES] = {500, 12000, 1500, 20000, 30, 10, 100000, 2000000, 100000, 1000000},
    [PROF_GENAI] = {500, 8000, 2000, 20000, 12, 4, 50000, 800000, 50000, 300000},
    [PROF_IMAGES] = {500, 5000, 5000, 50000, 6, 20, 50000, 500000, 200000, 1200000},
    [PROF_STREAM] = {400, 3000, 15000, 100000, 0, 30, 0, 0, 300000, 2500000},
    [PROF_DEV] = {500, 8000, 3000, 32000, 8, 12, 50000, 500000, 150000, 1500000},
    [PROF_WEB] = {500, 6000, 3000, 32000, 2, 5, 50000, 400000, 100000, 600000},
    [PROF_CHAT] = {300, 5000, 1000, 16000, 6, 6, 50000, 400000, 50000, 400000},
    [PROF_MEETING] = {2000, 20000, 4000, 50000, 0, 6, 0, 0, 200000, 1000000},
    [PROF_REMOTE] = {3000, 25000, 8000, 100000, 0, 15, 0, 0, 300000, 1500000},
    [PROF_DNS] = {120, 900, 200, 3000, 0, 0, 0, 0, 0, 0},
    [PROF_BULK_UP] = {600000, 1500000, 1500, 12000, 0, 0, 0, 0, 0, 0},
    [PROF_GENAI_APP] = {800, 20000, 2000, 40000, 80, 10, 80000, 800000, 50000, 300000},
    [PROF_GENAI_API] = {3000, 120000, 800, 16000, 100, 0, 150000, 800000, 0, 0},
};

struct service_def {
    const char *id;         /* as in rules/services.conf */
    enum profile_id profile;
    const char *hosts[2];   /* the names its flows use; NULL-terminated */
};

static const struct service_def SERVICES[] = {
    {"dropbox", PROF_FILES, {"www.dropbox.com", "content.dropboxapi.com"}},
    {"wetransfer", PROF_FILES, {"wetransfer.com", NULL}},
    {"google-drive", PROF_FILES, {"drive.google.com", NULL}},
    {"onedrive", PROF_FILES, {"onedrive.live.com", NULL}},
    {"box", PROF_FILES, {"app.box.com", NULL}},
    {"mega", PROF_FILES, {"mega.nz", NULL}},
    {"chatgpt", PROF_GENAI, {"chatgpt.com", NULL}},
    {"openai-api", PROF_GENAI, {"api.openai.com", NULL}},
    {"claude", PROF_GENAI, {"claude.ai", NULL}},
    {"gemini", PROF_GENAI, {"gemini.google.com", NULL}},
    {"github-copilot", PROF_GENAI, {"api.githubcopilot.com", NULL}},
    {"perplexity", PROF_GENAI, {"www.perplexity.ai", NULL}},
    {"midjourney", PROF_IMAGES, {"www.midjourney.com", NULL}},
    {"otter-ai", PROF_GENAI, {"otter.ai", NULL}},
    {"deepl", PROF_GENAI, {"www.deepl.com", NULL}},
    {"github", PROF_DEV, {"github.com", NULL}},
    {"gitlab", PROF_DEV, {"gitlab.com", NULL}},
    {"slack", PROF_CHAT, {"app.slack.com", NULL}},
    {"zoom", PROF_MEETING, {"us05web.zoom.us", NULL}},
    {"microsoft-teams", PROF_MEETING, {"teams.microsoft.com", NULL}},
    {"whatsapp", PROF_CHAT, {"web.whatsapp.com", NULL}},
    {"telegram", PROF_CHAT, {"web.telegram.org", NULL}},
    {"salesforce", PROF_WEB, {"login.salesforce.com", NULL}},
    {"hubspot", PROF_WEB, {"app.hubspot.com", NULL}},
    {"canva", PROF_IMAGES, {"www.canva.com", NULL}},
    {"figma", PROF_IMAGES, {"www.figma.com", NULL}},
    {"gmail", PROF_WEB, {"mail.google.com", NULL}},
    {"yahoo-mail", PROF_WEB, {"mail.yahoo.com", NULL}},
    {"notion", PROF_WEB, {"www.notion.so", NULL}},
    {"trello", PROF_WEB, {"trello.com", NULL}},
    {"atlassian", PROF_WEB, {"acme.atlassian.net", NULL}},
    {"microsoft-365", PROF_WEB, {"www.office.com", NULL}},
    {"facebook", PROF_WEB, {"www.facebook.com", NULL}},
    {"linkedin", PROF_WEB, {"www.linkedin.com", NULL}},
    {"teamviewer", PROF_REMOTE, {"router1.teamviewer.com", NULL}},
    {"anydesk", PROF_REMOTE, {"relay-1.net.anydesk.com", NULL}},
    {"nordvpn", PROF_WEB, {"nordvpn.com", NULL}},
    {"youtube", PROF_STREAM, {"www.youtube.com", NULL}},
    {"spotify", PROF_STREAM, {"open.spotify.com", NULL}},
    {"netflix", PROF_STREAM, {"www.netflix.com", NULL}},
    /* Reached by address alone, by the device that resolves through DoH: its
     * names are in ENCRYPTED_DNS, none is looked up. */
    {"cloudflare", PROF_DNS, {NULL, NULL}},
    /* Reached only by the jobs planned last, through the names of LATE_HOSTS. */
    {"aws", PROF_FILES, {NULL, NULL}},
    {"azure", PROF_FILES, {NULL, NULL}},
    {"anthropic-api", PROF_GENAI_API, {NULL, NULL}},
    {"google-ai-studio", PROF_GENAI_API, {NULL, NULL}},
    {"mistral-le-chat", PROF_GENAI_APP, {NULL, NULL}},
    {"mistral-api", PROF_GENAI_API, {NULL, NULL}},
};
#define NSERVICES   ((int)(sizeof(SERVICES) / sizeof(SERVICES[0])))
#define UNCLASSIFIED NSERVICES /* the cell column of unnamed external flows */
#define MIN_SERVICES 32        /* the office always uses at least this many */

/* CNAME chains: about a third of the names answer through a CDN alias. */
static const struct {
    const char *name;
    const char *chain[2];
} CNAMES[] = {
    {"www.dropbox.com", {"www-env.dropbox-dns.com", NULL}},
    {"content.dropboxapi.com", {"edge-block-www-env.dropbox-dns.com", NULL}},
    {"onedrive.live.com", {"odc-web-geo.onedrive.akadns.net", "odc-web-brs.onedrive.akadns.net"}},
    {"teams.microsoft.com", {"teams-office-com.s-0005.dc-msedge.net", NULL}},
    {"www.office.com", {"www.office.com.edgekey.net", "e13678.dscb.akamaiedge.net"}},
    {"www.linkedin.com", {"www-linkedin-com.l-0005.l-msedge.net", NULL}},
    {"web.whatsapp.com", {"mmx-ds.cdn.whatsapp.net", NULL}},
    {"www.facebook.com", {"star-mini.c10r.facebook.com", NULL}},
    {"www.youtube.com", {"youtube-ui.l.google.com", NULL}},
    {"mail.google.com", {"googlemail.l.google.com", NULL}},
    {"open.spotify.com", {"edge-web.dual-gslb.spotify.com", NULL}},
    {"www.netflix.com", {"www.dradis.netflix.com", "www.eu-west-1.internal.dradis.netflix.com"}},
    {"www.canva.com", {"www.canva.com.cdn.cloudflare.net", NULL}},
    {"mail.yahoo.com", {"edge.gycpi.b.yahoodns.net", NULL}},
    {"login.salesforce.com", {"login.gslb.salesforce.com", NULL}},
};

/* A department's use of a service: its weight among the department's flows,
 * and whether every office has it (core) or the seed decides (optional). */
struct mix_entry {
    const char *service;
    uint8_t weight;
    bool core;
};

#define MIX(a) a, sizeof(a) / sizeof(a[0])

static const struct mix_entry MIX_IT[] = {
    {"microsoft-365", 5, true}, {"slack", 3, true},       {"github", 2, true},
    {"teamviewer", 2, true},    {"chatgpt", 2, true},     {"atlassian", 2, true},
    {"microsoft-teams", 3, true}, {"onedrive", 2, true},  {"anydesk", 2, false},
    {"gitlab", 1, false},       {"zoom", 1, false},       {"nordvpn", 1, false},
    {"youtube", 1, false},      {"perplexity", 1, false},
};
static const struct mix_entry MIX_ENGINEERING[] = {
    {"github", 6, true},      {"gitlab", 3, true},         {"github-copilot", 5, true},
    {"chatgpt", 4, true},     {"claude", 4, true},         {"openai-api", 3, true},
    {"slack", 5, true},       {"atlassian", 3, true},      {"microsoft-teams", 2, true},
    {"youtube", 1, true},     {"notion", 2, false},        {"gemini", 1, false},
    {"perplexity", 1, false}, {"spotify", 2, false},       {"google-drive", 1, false},
    {"zoom", 1, false},       {"mega", 1, false},          {"telegram", 1, false},
};
static const struct mix_entry MIX_SALES[] = {
    {"salesforce", 6, true},  {"hubspot", 4, true},        {"linkedin", 4, true},
    {"gmail", 2, true},       {"zoom", 3, true},           {"microsoft-teams", 3, true},
    {"whatsapp", 2, true},    {"microsoft-365", 4, true},  {"chatgpt", 2, true},
    {"dropbox", 2, true},     {"wetransfer", 1, false},    {"yahoo-mail", 1, false},
    {"facebook", 1, false},   {"deepl", 1, false},         {"otter-ai", 1, false},
    {"gemini", 1, false},
};
static const struct mix_entry MIX_FINANCE[] = {
    {"microsoft-365", 6, true}, {"onedrive", 3, true},    {"box", 2, true},
    {"chatgpt", 2, true},       {"microsoft-teams", 3, true}, {"salesforce", 1, false},
    {"gmail", 1, false},        {"yahoo-mail", 1, false}, {"dropbox", 1, false},
    {"wetransfer", 1, false},   {"netflix", 1, false},    {"perplexity", 1, false},
    {"claude", 1, false},
};
static const struct mix_entry MIX_MARKETING[] = {
    {"canva", 5, true},         {"hubspot", 4, true},     {"linkedin", 4, true},
    {"midjourney", 3, true},    {"facebook", 3, true},    {"figma", 3, true},
    {"chatgpt", 3, true},       {"wetransfer", 2, true},  {"google-drive", 2, true},
    {"youtube", 2, true},       {"slack", 2, true},       {"dropbox", 2, false},
    {"gemini", 1, false},       {"trello", 2, false},     {"notion", 1, false},
    {"spotify", 1, false},      {"whatsapp", 1, false},   {"deepl", 1, false},
};
static const struct mix_entry MIX_HR[] = {
    {"microsoft-365", 4, true}, {"linkedin", 3, true},    {"gmail", 2, true},
    {"chatgpt", 2, true},       {"zoom", 2, true},        {"microsoft-teams", 2, true},
    {"otter-ai", 2, false},     {"box", 1, false},        {"dropbox", 1, false},
    {"trello", 1, false},       {"whatsapp", 1, false},   {"spotify", 1, false},
};
static const struct mix_entry MIX_RESEARCH[] = {
    {"claude", 3, true},        {"chatgpt", 3, true},     {"perplexity", 2, true},
    {"gemini", 2, true},        {"openai-api", 2, true},  {"github", 3, true},
    {"google-drive", 2, true},  {"dropbox", 2, true},     {"youtube", 2, true},
    {"mega", 1, false},         {"wetransfer", 1, false}, {"netflix", 1, false},
    {"telegram", 1, false},     {"nordvpn", 1, false},    {"otter-ai", 1, false},
    {"zoom", 1, false},
};

/* The departments of rules/departments.conf as the sample office fills them. */
struct dept_def {
    const char *id;
    int ndevices;
    uint8_t v4_first[4];    /* first device; the next ones count up the last octet */
    uint8_t v4_gateway[4];
    const char *v6_prefix;  /* the /64 of its devices, NULL for IPv4 only */
    uint16_t vlan;          /* 802.1Q id of its tagged devices */
    int tagged_every;       /* every n-th device is tagged; 0 none, 1 all */
    int service_flows;      /* per device and day at scale 1 */
    const struct mix_entry *mix;
    size_t nmix;
};

static const struct dept_def DEPTS[] = {
    {"it", 5, {10, 0, 0, 101}, {10, 0, 0, 1}, "fd00:0:0:1::", 0, 0, 14, MIX(MIX_IT)},
    {"engineering", 12, {10, 10, 1, 11}, {10, 10, 0, 1}, "fd00:10:0:1::", 110, 2, 20,
     MIX(MIX_ENGINEERING)},
    {"sales", 8, {10, 20, 1, 11}, {10, 20, 0, 1}, "fd00:20:0:1::", 120, 3, 16, MIX(MIX_SALES)},
    {"finance", 5, {10, 30, 1, 11}, {10, 30, 0, 1}, "fd00:30:0:1::", 0, 0, 12, MIX(MIX_FINANCE)},
    {"marketing", 6, {10, 40, 1, 11}, {10, 40, 0, 1}, "fd00:40:0:1::", 0, 0, 18,
     MIX(MIX_MARKETING)},
    {"hr", 4, {10, 50, 1, 11}, {10, 50, 0, 1}, NULL, 0, 0, 10, MIX(MIX_HR)},
    /* 172.16.60.0/24 is no department network: the VLAN names the lab. */
    {"research", 6, {172, 16, 60, 21}, {172, 16, 60, 1}, NULL, 160, 1, 16, MIX(MIX_RESEARCH)},
};
#define NDEPTS         ((int)(sizeof(DEPTS) / sizeof(DEPTS[0])))
#define DEPT_IT        0
#define DEPT_ENG       1
#define DEPT_SALES     2
#define DEPT_FINANCE   3
#define DEPT_MARKETING 4
#define DEPT_HR        5
#define DEPT_RESEARCH  6
#define MAX_DEVICES    64
#define MAX_MIX        24

/* A device named by its department and its rank there: {DEPT_HR, 2} is HR's
 * third device. */
struct member {
    int8_t dept, rank;
};

/* SaaS the catalog does not know (rules/services.conf has neither domain): their
 * flows are unclassified but carry a name, which the unknown-services view
 * groups by registrable domain.  One domain under a one-label public suffix,
 * one under a two-label one. */
struct unknown_def {
    const char *domain; /* the registrable domain: public suffix and one label */
    const char *hosts[3];
    uint8_t weight[3]; /* how often each host is the one a flow goes to */
    enum profile_id profile;
    struct member users[6]; /* {-1, -1} ends the list */
};

static const struct unknown_def UNKNOWN[] = {
    {"quillboard.io",
     {"app.quillboard.io", "api.quillboard.io", "cdn.quillboard.io"},
     {5, 3, 2},
     PROF_WEB,
     {{DEPT_MARKETING, 0},
      {DEPT_MARKETING, 2},
      {DEPT_MARKETING, 4},
      {DEPT_ENG, 3},
      {DEPT_ENG, 8},
      {-1, -1}}},
    {"pinecrest-analytics.co.uk",
     {"www.pinecrest-analytics.co.uk", "portal.pinecrest-analytics.co.uk", NULL},
     {2, 3, 0},
     PROF_WEB,
     {{DEPT_SALES, 1},
      {DEPT_SALES, 4},
      {DEPT_FINANCE, 0},
      {DEPT_FINANCE, 3},
      {DEPT_RESEARCH, 2},
      {-1, -1}}},
};
#define NUNKNOWN ((int)(sizeof(UNKNOWN) / sizeof(UNKNOWN[0])))

/* The device that resolves through public resolvers, DoH and DoT, from the
 * start of its day; no other device reaches them or port 853. */
static const struct member DOH_DEVICE = {DEPT_HR, 2};
static const struct {
    const char *v4;
    uint16_t port;
    const char *sni; /* names the catalog gives to Cloudflare */
} ENCRYPTED_DNS[] = {
    {"1.1.1.1", 443, "cloudflare-dns.com"},
    {"1.0.0.1", 853, "one.one.one.one"},
};
/* The known public resolvers: DoH, DoT or DoQ to them on 443, or anything to
 * port 853, is encrypted DNS. */
static const char *const PUBLIC_RESOLVERS[] = {"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4",
                                               "9.9.9.9"};
#define DOT_PORT 853

/* Addresses no DNS answer of the day names, in the documentation blocks that
 * tests/tools/make_test_mmdb.pl already places (192.0.2.0/24, 198.51.100.0/24,
 * 2001:db8:100::/40), clear of the names' addresses (.10 to .37, .100 to .114)
 * and of the noise. */
static const char *const NAMELESS_TLS[] = {"198.51.100.180", "192.0.2.181", "198.51.100.182"};
#define NNAMELESS     ((int)(sizeof(NAMELESS_TLS) / sizeof(NAMELESS_TLS[0])))
#define ECH_SERVER_V4 "192.0.2.200"
#define ECH_SERVER_V6 "2001:db8:1ec::200"
/* No catalog entry has it (Cloudflare's are cloudflare.com and others), so an
 * ECH flow is unclassified whether or not its outer SNI is taken for a name. */
#define ECH_PUBLIC_NAME "cloudflare-ech.com"
static const struct member ECH_DEVICES[] = {{DEPT_ENG, 5}, {DEPT_RESEARCH, 4}};
static const char *const MIDSTREAM_SERVERS[] = {"198.51.100.190", "192.0.2.191"};
/* Devices whose connections the mirror port sees without their handshake; the
 * server of the second speaks first. */
static const struct member MIDSTREAM_DEVICES[] = {{DEPT_FINANCE, 2}, {DEPT_SALES, 6}};

/* IT's servers, in 10.0.0.0/24 and fd00:0:0:1::/64. */
struct it_server {
    const char *v4, *v6;
    uint8_t mac[6];
};
static const struct it_server RESOLVER = {"10.0.0.53", "fd00:0:0:1::53",
                                          {0x52, 0x54, 0x00, 0x0a, 0x00, 0x35}};
static const struct it_server FILE_SERVER = {"10.0.0.20", "fd00:0:0:1::20",
                                             {0x52, 0x54, 0x00, 0x0a, 0x00, 0x14}};
static const struct it_server INTRANET = {"10.0.0.80", "fd00:0:0:1::80",
                                          {0x52, 0x54, 0x00, 0x0a, 0x00, 0x50}};
#define FILES_NAME    "files.acme.internal"
#define INTRANET_NAME "intranet.acme.internal"

/* ------------------------------------------------------------------------ */
/* Tenants, the two uses of GenAI, model servers inside                     */
/* ------------------------------------------------------------------------ */

/* The organisation is Contoso; its Jira site is still the one from before the
 * rename (the internal names say acme too).  Its own tenants, as in
 * rules/policy.conf ("tenant ="): every other tenant a name carries is
 * somebody else's instance of the service. */
static const struct {
    const char *service, *tenant;
} OWN_TENANTS[] = {
    {"microsoft-365", "contoso"}, {"salesforce", "contoso"},      {"atlassian", "contoso"},
    {"atlassian", "acme"},        {"slack", "contoso"},           {"aws", "contoso-backups"},
    {"azure", "contosoprod"},
};

/* The services of SERVICES whose catalog entry has "tenants" templates: their
 * flows are counted again in the truth's "tenants", by the tenant their name
 * carries. */
static const char *const TEMPLATED_SERVICES[] = {
    "microsoft-365", "slack", "atlassian", "salesforce", "github", "gitlab",
    "box",           "notion", "cloudflare", "aws",       "azure",
};

/* The tenant of the older hosts that carry one (the rest carry none: app,
 * www, login... are the vendor's labels, and the other names fit no template). */
static const struct {
    const char *name, *tenant;
} OLD_HOST_TENANTS[] = {
    {"acme.atlassian.net", "acme"},
};

/* A name the jobs planned last use: a service's, with the tenant the catalog's
 * templates read in it (NULL for none), or an internal server's. */
struct late_host_def {
    const char *name;
    const char *service;                 /* id in SERVICES; NULL for an internal server */
    const char *tenant;
    const char *cname[2];
    const struct it_server *internal;    /* the internal server the name is of */
};

/* IT's servers that only the jobs planned last reach. */
static const struct it_server LLM_SERVER = {"10.0.0.70", "fd00:0:0:1::70",
                                            {0x52, 0x54, 0x00, 0x0a, 0x00, 0x46}};
static const struct it_server REPORTS_SERVER = {"10.0.0.81", "fd00:0:0:1::81",
                                                {0x52, 0x54, 0x00, 0x0a, 0x00, 0x51}};

/* The CNAME targets carry no tenant (SharePoint's clump and farm names, S3's
 * and Azure's front ends): the tenant is in the name the client asked for,
 * which is the name the sensor keeps. */
static const struct late_host_def LATE_HOSTS[] = {
    {"contoso.sharepoint.com", "microsoft-365", "contoso",
     {"5210-ipv4v6e.clump.dprodmgd104.aa-rt.sharepoint.com", "dual-spo-0005.spo-msedge.net"}, NULL},
    {"contoso-my.sharepoint.com", "microsoft-365", "contoso",
     {"5211-ipv4v6e.clump.dprodmgd104.aa-rt.sharepoint.com", "dual-spo-0005.spo-msedge.net"}, NULL},
    {"fabrikam.sharepoint.com", "microsoft-365", "fabrikam",
     {"3417-ipv4v6e.clump.dprodmgd108.aa-rt.sharepoint.com", "dual-spo-0002.spo-msedge.net"}, NULL},
    {"fabrikam-my.sharepoint.com", "microsoft-365", "fabrikam",
     {"3418-ipv4v6e.clump.dprodmgd108.aa-rt.sharepoint.com", "dual-spo-0002.spo-msedge.net"}, NULL},
    {"northwind-my.sharepoint.com", "microsoft-365", "northwind",
     {"977-ipv4v6e.clump.dprodmgd101.aa-rt.sharepoint.com", "dual-spo-0001.spo-msedge.net"}, NULL},
    {"www.sharepoint.com", "microsoft-365", NULL, {"sharepoint.com.edgekey.net", NULL}, NULL},
    {"contoso.slack.com", "slack", "contoso", {NULL, NULL}, NULL},
    {"contoso.enterprise.slack.com", "slack", "contoso", {NULL, NULL}, NULL},
    {"files.slack.com", "slack", NULL, {NULL, NULL}, NULL},
    {"tailspin-dev.slack.com", "slack", "tailspin-dev", {NULL, NULL}, NULL},
    {"northwind.slack.com", "slack", "northwind", {NULL, NULL}, NULL},
    {"contoso.atlassian.net", "atlassian", "contoso", {NULL, NULL}, NULL},
    {"fabrikam.atlassian.net", "atlassian", "fabrikam", {NULL, NULL}, NULL},
    {"contoso.my.salesforce.com", "salesforce", "contoso", {NULL, NULL}, NULL},
    {"contoso.lightning.force.com", "salesforce", "contoso", {NULL, NULL}, NULL},
    {"northwind.my.site.com", "salesforce", "northwind", {NULL, NULL}, NULL},
    {"contoso-backups.s3.eu-west-1.amazonaws.com", "aws", "contoso-backups",
     {"s3-r-w.eu-west-1.amazonaws.com", NULL}, NULL},
    {"assets.fabrikam.com.s3.us-east-1.amazonaws.com", "aws", "assets.fabrikam.com",
     {"s3-1-w.amazonaws.com", NULL}, NULL},
    {"wingtip-shared.s3.amazonaws.com", "aws", "wingtip-shared", {"s3-1-w.amazonaws.com", NULL},
     NULL},
    /* Path-style requests: the bucket is in the URL, not in the name. */
    {"s3.eu-west-1.amazonaws.com", "aws", NULL, {"s3-r-w.eu-west-1.amazonaws.com", NULL}, NULL},
    {"contosoprod.blob.core.windows.net", "azure", "contosoprod",
     {"blob.ams07prdstr12a.store.core.windows.net", NULL}, NULL},
    {"northwindexports.blob.core.windows.net", "azure", "northwindexports",
     {"blob.dub09prdstr05a.store.core.windows.net", NULL}, NULL},
    {"api.anthropic.com", "anthropic-api", NULL, {NULL, NULL}, NULL},
    {"generativelanguage.googleapis.com", "google-ai-studio", NULL, {NULL, NULL}, NULL},
    {"chat.mistral.ai", "mistral-le-chat", NULL, {NULL, NULL}, NULL},
    {"api.mistral.ai", "mistral-api", NULL, {NULL, NULL}, NULL},
    {"llm.acme.internal", NULL, NULL, {NULL, NULL}, &LLM_SERVER},
    {"reports.acme.internal", NULL, NULL, {NULL, NULL}, &REPORTS_SERVER},
};
#define NLATE_HOSTS ((int)(sizeof(LATE_HOSTS) / sizeof(LATE_HOSTS[0])))

/* Some devices' use of a name through the day: flows per device at scale 1,
 * drawn in [flows_lo, flows_hi]; the share of TLS flows without SNI (named by
 * the device's lookup alone) and of plain HTTP flows, per mille (with http,
 * each device's first flow is plain HTTP). */
struct name_use {
    const char *host;
    enum profile_id profile;
    uint8_t flows_lo, flows_hi;
    uint16_t nosni, http;
    struct member users[9]; /* {-1, -1} ends the list */
};

#define END_OF_USERS {-1, -1}

static const struct name_use TENANT_USES[] = {
    {"contoso.sharepoint.com", PROF_WEB, 2, 5, 250, 0,
     {{DEPT_IT, 0}, {DEPT_ENG, 2}, {DEPT_SALES, 0}, {DEPT_SALES, 3}, {DEPT_FINANCE, 1},
      {DEPT_MARKETING, 1}, {DEPT_HR, 0}, {DEPT_RESEARCH, 1}, END_OF_USERS}},
    {"contoso-my.sharepoint.com", PROF_FILES, 2, 5, 250, 0,
     {{DEPT_IT, 1}, {DEPT_ENG, 0}, {DEPT_ENG, 4}, {DEPT_SALES, 2}, {DEPT_FINANCE, 0},
      {DEPT_FINANCE, 3}, {DEPT_MARKETING, 3}, {DEPT_HR, 1}, END_OF_USERS}},
    /* A partner's extranet, and finance's folder handed to it: the leak. */
    {"fabrikam.sharepoint.com", PROF_WEB, 1, 3, 250, 0,
     {{DEPT_SALES, 1}, {DEPT_SALES, 4}, {DEPT_SALES, 5}, {DEPT_MARKETING, 0}, END_OF_USERS}},
    {"fabrikam-my.sharepoint.com", PROF_BULK_UP, 1, 2, 250, 0,
     {{DEPT_FINANCE, 2}, {DEPT_FINANCE, 4}, END_OF_USERS}},
    {"northwind-my.sharepoint.com", PROF_FILES, 1, 2, 250, 0, {{DEPT_HR, 3}, END_OF_USERS}},
    {"www.sharepoint.com", PROF_WEB, 1, 2, 250, 0, {{DEPT_IT, 2}, END_OF_USERS}},
    {"contoso.slack.com", PROF_CHAT, 3, 6, 250, 0,
     {{DEPT_IT, 0}, {DEPT_ENG, 1}, {DEPT_ENG, 3}, {DEPT_ENG, 6}, {DEPT_MARKETING, 2},
      {DEPT_RESEARCH, 0}, END_OF_USERS}},
    {"contoso.enterprise.slack.com", PROF_WEB, 1, 2, 250, 0, {{DEPT_IT, 3}, END_OF_USERS}},
    {"files.slack.com", PROF_FILES, 1, 2, 250, 0,
     {{DEPT_ENG, 1}, {DEPT_MARKETING, 2}, END_OF_USERS}},
    {"tailspin-dev.slack.com", PROF_CHAT, 2, 4, 250, 0,
     {{DEPT_ENG, 5}, {DEPT_ENG, 7}, {DEPT_ENG, 9}, END_OF_USERS}},
    {"northwind.slack.com", PROF_CHAT, 1, 3, 250, 0, {{DEPT_SALES, 6}, END_OF_USERS}},
    {"contoso.atlassian.net", PROF_WEB, 2, 5, 250, 0,
     {{DEPT_IT, 1}, {DEPT_ENG, 0}, {DEPT_ENG, 2}, {DEPT_ENG, 8}, {DEPT_RESEARCH, 3},
      END_OF_USERS}},
    {"fabrikam.atlassian.net", PROF_WEB, 1, 3, 250, 0,
     {{DEPT_ENG, 10}, {DEPT_ENG, 11}, END_OF_USERS}},
    {"contoso.my.salesforce.com", PROF_WEB, 2, 4, 250, 0,
     {{DEPT_SALES, 0}, {DEPT_SALES, 2}, {DEPT_SALES, 7}, {DEPT_FINANCE, 1}, END_OF_USERS}},
    {"contoso.lightning.force.com", PROF_WEB, 2, 5, 250, 0,
     {{DEPT_SALES, 0}, {DEPT_SALES, 2}, {DEPT_SALES, 7}, END_OF_USERS}},
    {"northwind.my.site.com", PROF_WEB, 1, 2, 250, 0,
     {{DEPT_SALES, 3}, {DEPT_SALES, 5}, END_OF_USERS}},
    /* IT's nightly backup, from one server's desk: big uploads to an own tenant. */
    {"contoso-backups.s3.eu-west-1.amazonaws.com", PROF_BULK_UP, 1, 2, 250, 0,
     {{DEPT_IT, 4}, END_OF_USERS}},
    {"assets.fabrikam.com.s3.us-east-1.amazonaws.com", PROF_IMAGES, 1, 3, 250, 0,
     {{DEPT_MARKETING, 4}, {DEPT_MARKETING, 5}, END_OF_USERS}},
    {"wingtip-shared.s3.amazonaws.com", PROF_FILES, 1, 3, 250, 300,
     {{DEPT_RESEARCH, 2}, {DEPT_RESEARCH, 5}, {DEPT_ENG, 9}, END_OF_USERS}},
    {"s3.eu-west-1.amazonaws.com", PROF_FILES, 1, 2, 250, 0, {{DEPT_IT, 4}, END_OF_USERS}},
    {"contosoprod.blob.core.windows.net", PROF_FILES, 1, 3, 250, 0,
     {{DEPT_ENG, 6}, {DEPT_IT, 2}, END_OF_USERS}},
    {"northwindexports.blob.core.windows.net", PROF_FILES, 1, 2, 250, 0,
     {{DEPT_RESEARCH, 4}, {DEPT_MARKETING, 1}, END_OF_USERS}},
};

/* The chat apps and the model APIs of four vendors, by several departments. */
static const struct name_use GENAI_USES[] = {
    {"chatgpt.com", PROF_GENAI_APP, 2, 5, 0, 0,
     {{DEPT_SALES, 1}, {DEPT_MARKETING, 0}, {DEPT_FINANCE, 2}, {DEPT_HR, 0}, END_OF_USERS}},
    {"api.openai.com", PROF_GENAI_API, 2, 6, 0, 0,
     {{DEPT_ENG, 3}, {DEPT_ENG, 8}, {DEPT_RESEARCH, 0}, {DEPT_MARKETING, 4}, END_OF_USERS}},
    {"claude.ai", PROF_GENAI_APP, 2, 4, 0, 0,
     {{DEPT_ENG, 2}, {DEPT_RESEARCH, 1}, {DEPT_FINANCE, 0}, {DEPT_MARKETING, 5}, END_OF_USERS}},
    {"api.anthropic.com", PROF_GENAI_API, 3, 8, 0, 0,
     {{DEPT_ENG, 0}, {DEPT_ENG, 4}, {DEPT_ENG, 6}, {DEPT_RESEARCH, 2}, END_OF_USERS}},
    {"gemini.google.com", PROF_GENAI_APP, 2, 4, 0, 0,
     {{DEPT_MARKETING, 1}, {DEPT_SALES, 3}, {DEPT_HR, 1}, END_OF_USERS}},
    {"generativelanguage.googleapis.com", PROF_GENAI_API, 2, 5, 0, 0,
     {{DEPT_RESEARCH, 3}, {DEPT_ENG, 10}, END_OF_USERS}},
    {"chat.mistral.ai", PROF_GENAI_APP, 1, 3, 0, 0,
     {{DEPT_HR, 3}, {DEPT_RESEARCH, 5}, END_OF_USERS}},
    {"api.mistral.ai", PROF_GENAI_API, 2, 4, 0, 0, {{DEPT_ENG, 7}, END_OF_USERS}},
};

/* Every GenAI service of SERVICES, with its vendor as the catalog writes it
 * and its use: "api" for a vendor's API and platform entry when the vendor
 * also has a chat app in the catalog, "app" for everything else. */
enum genai_use { USE_APP, USE_API, USE_COUNT };
static const char *const USE_NAMES[USE_COUNT] = {"app", "api"};
static const struct {
    const char *service, *vendor;
    enum genai_use use;
} GENAI_SERVICES[] = {
    {"chatgpt", "OpenAI", USE_APP},
    {"openai-api", "OpenAI", USE_API},
    {"claude", "Anthropic", USE_APP},
    {"anthropic-api", "Anthropic", USE_API},
    {"gemini", "Google LLC", USE_APP},
    {"google-ai-studio", "Google LLC", USE_API},
    {"mistral-le-chat", "Mistral AI", USE_APP},
    {"mistral-api", "Mistral AI", USE_API},
    {"github-copilot", "GitHub, Inc. (Microsoft)", USE_APP},
    {"perplexity", "Perplexity AI, Inc.", USE_APP},
    {"midjourney", "Midjourney, Inc.", USE_APP},
    {"otter-ai", "Otter.ai, Inc.", USE_APP},
    {"deepl", "DeepL SE", USE_APP},
};
#define NGENAI_SERVICES ((int)(sizeof(GENAI_SERVICES) / sizeof(GENAI_SERVICES[0])))

/* Plain HTTP servers inside: an Ollama on an engineer's desk, reached by its
 * address; IT's vLLM, OpenAI-compatible, reached by name; and, for a test
 * that must not find a model server where there is none, IT's reporting
 * service, whose paths only look like a model API's. */
enum server_api { SERVER_API_NONE, SERVER_API_OLLAMA, SERVER_API_OPENAI };
static const char *const SERVER_API_NAMES[] = {"none", "ollama", "openai-compatible"};

#define MAX_REQUEST_KINDS 4
/* The requests each kind of server answers, as "METHOD path"; {id} stands for
 * an id that changes from request to request. */
static const char *const SERVER_REQUESTS[][MAX_REQUEST_KINDS] = {
    [SERVER_API_NONE] = {"GET /index.html", "POST /api/generate-report", "GET /api/reports/{id}",
                         NULL},
    [SERVER_API_OLLAMA] = {"GET /api/tags", "POST /api/generate", "POST /api/chat", NULL},
    [SERVER_API_OPENAI] = {"GET /v1/models", "POST /v1/chat/completions", "POST /v1/completions",
                           "POST /v1/embeddings"},
};

struct internal_http_def {
    enum server_api api;
    const struct it_server *it; /* one of IT's servers, or NULL for desk: */
    struct member desk;         /* a device of the office */
    const char *name;           /* what its clients look up; NULL: they use its address */
    uint16_t port;
    uint8_t flows_lo, flows_hi; /* per client and scale */
    struct member users[8];     /* {-1, -1} ends the list */
};

static const struct internal_http_def INTERNAL_HTTP[] = {
    {SERVER_API_OLLAMA, NULL, {DEPT_ENG, 1}, NULL, 11434, 2, 5,
     {{DEPT_ENG, 3}, {DEPT_ENG, 5}, {DEPT_ENG, 9}, {DEPT_RESEARCH, 0}, {DEPT_RESEARCH, 4},
      {DEPT_IT, 3}, END_OF_USERS}},
    {SERVER_API_OPENAI, &LLM_SERVER, END_OF_USERS, "llm.acme.internal", 8000, 2, 5,
     {{DEPT_ENG, 2}, {DEPT_ENG, 11}, {DEPT_RESEARCH, 1}, {DEPT_MARKETING, 3}, {DEPT_IT, 1},
      END_OF_USERS}},
    {SERVER_API_NONE, &REPORTS_SERVER, END_OF_USERS, "reports.acme.internal", 8080, 1, 4,
     {{DEPT_FINANCE, 0}, {DEPT_FINANCE, 1}, {DEPT_SALES, 2}, {DEPT_IT, 0}, END_OF_USERS}},
};
#define NINTERNAL_HTTP ((int)(sizeof(INTERNAL_HTTP) / sizeof(INTERNAL_HTTP[0])))

/* One router routes every department (router on a stick). */
static const uint8_t ROUTER_MAC[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x0a};
static const uint8_t BROADCAST_MAC[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define ROUTER_LINK_LOCAL "fe80::1"

/* External noise: addresses no name resolves to. */
#define PING_TARGET   "192.0.2.1"
#define NTP_SERVER    "203.0.113.123"
#define TCP_NOISE     "198.51.100.250"
#define TCP_NOISE_PORT 8443
#define UDP_NOISE     "203.0.113.77"
#define UDP_NOISE_PORT 40000

/* Vendor prefixes of the office's laptops and desktops. */
static const uint8_t OUIS[][3] = {
    {0x3c, 0x22, 0xfb}, /* Apple */
    {0xf4, 0x8e, 0x38}, /* Dell */
    {0x8c, 0x16, 0x45}, /* Lenovo */
    {0x98, 0xfa, 0x9b}, /* LCFC (Lenovo) */
    {0x34, 0x48, 0xed}, /* Dell */
    {0xa4, 0x83, 0xe7}, /* Apple */
};

struct device {
    int dept;
    uint64_t in, out; /* its day: first and last activity */
    uint8_t mac[6];
    uint8_t v4[4];
    uint8_t v6[16];
    bool has_v6;
    uint16_t vlan; /* 0 when its frames are untagged */
};

/* A name the resolver answers, with the addresses it gives. */
struct host {
    const char *name;
    int service;            /* index in SERVICES; UNCLASSIFIED: unknown; -1: IT's */
    int unknown;            /* index in UNKNOWN, -1 for the others */
    const char *cname[2];   /* the chain from the name, NULL-terminated */
    int nv4, nv6;
    uint8_t v4[2][4];
    uint8_t v6[2][16];
    uint32_t ttl;           /* authoritative TTL; the resolver counts down from it */
    enum profile_id profile;
    const char *tenant;     /* the tenant the name carries (TEMPLATED_SERVICES), or NULL */
};
#define MAX_HOSTS 128

/* ------------------------------------------------------------------------ */
/* Jobs: what the day is made of                                            */
/* ------------------------------------------------------------------------ */

enum job_kind {
    JOB_ARP,           /* a device and its gateway learn each other's MAC */
    JOB_ND,            /* a dual-stack device joins: DAD, RS, RA, NS, NA */
    JOB_RA,            /* periodic router advertisement */
    JOB_DNS,           /* a lookup at the internal resolver: internal */
    JOB_TLS,           /* a service flow over TLS with SNI */
    JOB_NOSNI,         /* a service flow over TLS without SNI, named by DNS */
    JOB_HTTP,          /* a service flow over plain HTTP */
    JOB_SMB,           /* to the file server: internal */
    JOB_INTRANET,      /* to the intranet web server: internal */
    JOB_SSH,           /* between engineering hosts: internal */
    JOB_ICMP,          /* pings to 192.0.2.1: unclassified */
    JOB_NTP,           /* to 203.0.113.123: unclassified */
    JOB_TCP_NOISE,     /* random bytes to 198.51.100.250:8443: unclassified */
    JOB_UDP_NOISE,     /* random datagrams to 203.0.113.77:40000: unclassified */
    JOB_ENCRYPTED_DNS, /* DoH or DoT to the public resolver ENCRYPTED_DNS[addr] */
    JOB_ECH,           /* TLS with Encrypted Client Hello: unclassified */
    JOB_NAMELESS_TLS,  /* TLS without SNI to NAMELESS_TLS[addr]: unclassified */
    JOB_MIDSTREAM,     /* TCP without its handshake to MIDSTREAM_SERVERS[addr]: unclassified */
    JOB_INTERNAL_HTTP, /* plain HTTP to INTERNAL_HTTP[addr]: internal */
};

struct job {
    uint64_t start;   /* µs since the epoch: the time of its first packet */
    uint32_t id;      /* creation order: tie-break and random stream */
    uint8_t kind;     /* enum job_kind */
    uint8_t family;   /* 4 or 6 */
    uint8_t addr;     /* which of the host's addresses */
    int16_t device;   /* the client; -1 for the router's own jobs */
    int16_t peer;     /* SSH: the server device; RA: the department; midstream: 1
                         when the server's segment is the first seen */
    int16_t host;     /* index in hosts, -1 when nameless */
    uint16_t cport;   /* the client's port */
    uint32_t ttl;     /* DNS: TTL of the answer */
    uint32_t delay;   /* DNS: µs from query to response */
    int8_t profile;   /* TLS, HTTP: the sizes drawn; -1 for the host's profile */
};

/* ------------------------------------------------------------------------ */
/* Ground truth                                                             */
/* ------------------------------------------------------------------------ */

struct cell {
    uint64_t bytes_up, bytes_down, packets_up, packets_down, flows;
    bool device[MAX_DEVICES];
    bool device_v6[MAX_DEVICES]; /* the device used the cell over IPv6 */
    bool device_v4[MAX_DEVICES];
};

/* What named a counted flow's service, as the flow log's shadowtap.match says
 * it (dns-query counts as dns, stun-peer as stun); NONE for unclassified. */
enum evidence {
    EVIDENCE_SNI,
    EVIDENCE_QUIC_SNI,
    EVIDENCE_HTTP_HOST,
    EVIDENCE_DNS,
    EVIDENCE_IP_RANGE,
    EVIDENCE_STUN,
    EVIDENCE_NDPI,
    EVIDENCE_PROTOCOL,
    EVIDENCE_NONE,
    EVIDENCE_COUNT
};
static const char *const EVIDENCE_NAMES[EVIDENCE_COUNT] = {
    "sni", "quic-sni", "http-host", "dns", "ip-range", "stun", "ndpi", "protocol", "none"};

/* Why an unclassified flow carried no name: the first that applies. */
enum unnamed_reason {
    UNNAMED_ECH,           /* its ClientHello's SNI is the ECH provider's */
    UNNAMED_ENCRYPTED_DNS, /* its client resolved through an encrypted resolver before */
    UNNAMED_NO_HANDSHAKE,  /* TCP whose first packet seen was no SYN */
    UNNAMED_IP_ONLY,       /* other TCP and UDP */
    UNNAMED_OTHER,         /* other IP protocols */
    UNNAMED_COUNT
};
static const char *const UNNAMED_NAMES[UNNAMED_COUNT] = {"ech", "encrypted-dns", "no-handshake",
                                                         "ip-only", "other"};

struct volume {
    uint64_t bytes, flows;
};

/* What the tenant a flow's name carries is to the organisation. */
enum tenant_class { TENANT_OWN, TENANT_OTHER, TENANT_NONE, TENANT_CLASSES };
static const char *const TENANT_CLASS_NAMES[TENANT_CLASSES] = {"own", "other", "none"};

struct truth {
    struct cell cells[NDEPTS][NSERVICES + 1];
    struct cell unknown[NUNKNOWN][NDEPTS]; /* the unknown domains' flows */
    uint64_t host_bytes[MAX_HOSTS];        /* both directions, counted flows */
    struct volume evidence[EVIDENCE_COUNT];
    struct volume unknown_named; /* unclassified flows with a name */
    struct volume unnamed[UNNAMED_COUNT];
    /* client addresses that have used an encrypted resolver: [device][family 6] */
    bool encrypted_dns[MAX_DEVICES][2];
    uint64_t internal_flows, internal_bytes;
    /* The flows of TEMPLATED_SERVICES by the class of the tenant their name
     * carries, and per name (the names of other tenants come from these). */
    struct cell tenants[NSERVICES][TENANT_CLASSES][NDEPTS];
    struct cell host_cells[MAX_HOSTS];
    bool resolver_name_counted[2]; /* the SNI of ENCRYPTED_DNS[k] named a counted flow */
    /* The internal HTTP servers' flows by client department, and their requests. */
    struct cell internal_http[NINTERNAL_HTTP][NDEPTS];
    uint64_t requests[NINTERNAL_HTTP][MAX_REQUEST_KINDS];
    uint64_t dns_queries;
    bool name_queried[MAX_HOSTS];
    uint64_t packets, ip_bytes;
};

/* ------------------------------------------------------------------------ */
/* The generator                                                            */
/* ------------------------------------------------------------------------ */

struct options {
    const char *out, *truth_path;
    char date[11];
    uint64_t seed;
    int scale;
    bool pcapng;
};

struct gen {
    const struct options *opt;
    int64_t day;           /* days since 1970-01-01 */
    uint64_t midnight;     /* µs since the epoch */
    uint64_t open, close;  /* 08:00 and 18:00 */

    struct device dev[MAX_DEVICES];
    int ndev;
    uint8_t gw_v6[NDEPTS][16];   /* prefix::1, the router on each IPv6 segment */
    uint8_t v6_prefix[NDEPTS][16];

    struct host hosts[MAX_HOSTS];
    int nhosts;
    int files_host, intranet_host;

    bool active[NDEPTS][MAX_MIX]; /* which mix entries the seed turned on */
    bool templated[NSERVICES + 1];  /* the service is one of TEMPLATED_SERVICES */
    int genai[NSERVICES + 1];       /* index in GENAI_SERVICES, -1 for other services */

    struct job *jobs;
    size_t njobs, capjobs;

    struct bytes stream;   /* scratch: the bytes one side sends next */
    struct bytes body;     /* scratch: an HTTP body, before its headers */
    struct truth truth;
};

static void parse_addr(const char *s, uint8_t *out, int family)
{
    struct netaddr a;
    if (!netaddr_parse(s, &a)) {
        fprintf(stderr, "gen-sample: internal error: bad address %s\n", s);
        exit(1);
    }
    if (family == 4)
        memcpy(out, a.b + 12, 4);
    else
        memcpy(out, a.b, 16);
}

static int find_service(const char *id)
{
    for (int i = 0; i < NSERVICES; i++)
        if (strcmp(SERVICES[i].id, id) == 0)
            return i;
    fprintf(stderr, "gen-sample: internal error: unknown service %s\n", id);
    exit(1);
}

/* The fixed office: devices with their MACs and addresses. */
static void office_init(struct gen *g)
{
    int n = 0;
    for (int d = 0; d < NDEPTS; d++) {
        const struct dept_def *dd = &DEPTS[d];
        if (dd->v6_prefix) {
            parse_addr(dd->v6_prefix, g->v6_prefix[d], 6);
            memcpy(g->gw_v6[d], g->v6_prefix[d], 16);
            g->gw_v6[d][15] = 1;
        }
        for (int i = 0; i < dd->ndevices; i++, n++) {
            struct device *dv = &g->dev[n];
            uint64_t x = 0x5eed0ff1ceULL + (uint64_t)n;
            uint64_t h = splitmix64(&x);
            dv->dept = d;
            memcpy(dv->mac, OUIS[h % (sizeof(OUIS) / sizeof(OUIS[0]))], 3);
            dv->mac[3] = (uint8_t)(0x10 + d);
            dv->mac[4] = (uint8_t)i;
            dv->mac[5] = (uint8_t)(h >> 8);
            memcpy(dv->v4, dd->v4_first, 4);
            dv->v4[3] = (uint8_t)(dd->v4_first[3] + i);
            dv->has_v6 = dd->v6_prefix != NULL;
            if (dv->has_v6) {
                /* A stable-privacy style interface id (RFC 7217). */
                uint64_t iid = splitmix64(&x);
                memcpy(dv->v6, g->v6_prefix[d], 8);
                for (int k = 0; k < 8; k++)
                    dv->v6[8 + k] = (uint8_t)(iid >> (56 - 8 * k));
            }
            if (dd->tagged_every && i % dd->tagged_every == 0)
                dv->vlan = dd->vlan;
        }
    }
    g->ndev = n;
}

static uint32_t host_ttl(int index)
{
    static const uint32_t ttls[] = {300, 60, 3600, 120, 1800, 600, 300, 900, 60, 240};
    return ttls[index % (int)(sizeof(ttls) / sizeof(ttls[0]))];
}

/* The names of LATE_HOSTS from hosts[n] on; returns the number of hosts.  Last,
 * so that the others keep their addresses: a service's names alternately in
 * the US and German blocks of the test GeoIP databases from .120 up (clear of
 * the unknown domains' .100 to .114 and of the nameless servers from .180),
 * IPv6 in the German block; an internal server's name has its address. */
static int late_hosts_init(struct gen *g, int n)
{
    static const uint8_t blocks[2][3] = {{192, 0, 2}, {198, 51, 100}};
    int p = 0;
    for (int k = 0; k < NLATE_HOSTS; k++, n++) {
        const struct late_host_def *def = &LATE_HOSTS[k];
        struct host *h = &g->hosts[n];
        if (n >= MAX_HOSTS) {
            fputs("gen-sample: internal error: too many host names\n", stderr);
            exit(1);
        }
        h->name = def->name;
        h->unknown = -1;
        h->tenant = def->tenant;
        memcpy(h->cname, def->cname, sizeof(h->cname));
        h->ttl = host_ttl(n);
        if (def->internal) {
            h->service = -1;
            h->ttl = 3600;
            h->nv4 = h->nv6 = 1;
            parse_addr(def->internal->v4, h->v4[0], 4);
            parse_addr(def->internal->v6, h->v6[0], 6);
            continue;
        }
        h->service = find_service(def->service);
        h->profile = SERVICES[h->service].profile;
        h->nv4 = 1 + (p % 2 == 0);
        h->nv6 = 1;
        for (int a = 0; a < h->nv4; a++) {
            memcpy(h->v4[a], blocks[(p + a) % 2], 3);
            h->v4[a][3] = (uint8_t)(120 + p);
        }
        char text[NETADDR_STRLEN];
        snprintf(text, sizeof(text), "2001:db8:%x::1", 0x2c0 + p);
        parse_addr(text, h->v6[0], 6);
        p++;
    }
    return n;
}

/* Names and their addresses: the same whatever the seed or the date. */
static void hosts_init(struct gen *g)
{
    int n = 0;
    for (int s = 0; s < NSERVICES; s++) {
        for (int k = 0; k < 2 && SERVICES[s].hosts[k]; k++, n++) {
            struct host *h = &g->hosts[n];
            h->name = SERVICES[s].hosts[k];
            h->service = s;
            h->unknown = -1;
            h->profile = SERVICES[s].profile;
            h->ttl = host_ttl(n);
            h->nv4 = 1 + n % 2;
            h->nv6 = 1 + (n % 3 == 0);
            for (int a = 0; a < h->nv4; a++) {
                /* Spread over the three IPv4 documentation blocks, hosts from
                 * .10 up: clear of the noise addresses (.1, .77, .123, .250). */
                static const uint8_t blocks[3][3] = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
                int p = 2 * n + a;
                memcpy(h->v4[a], blocks[p % 3], 3);
                h->v4[a][3] = (uint8_t)(10 + p / 3);
            }
            for (int a = 0; a < h->nv6; a++) {
                char text[NETADDR_STRLEN];
                snprintf(text, sizeof(text), "2001:db8:%x:%x::%x", 0x100 + (n / 16) * 0x100,
                         n % 16 * 0x10, a + 1);
                parse_addr(text, h->v6[a], 6);
            }
            for (size_t c = 0; c < sizeof(CNAMES) / sizeof(CNAMES[0]); c++)
                if (strcmp(CNAMES[c].name, h->name) == 0)
                    memcpy(h->cname, CNAMES[c].chain, sizeof(h->cname));
            for (size_t c = 0; c < sizeof(OLD_HOST_TENANTS) / sizeof(OLD_HOST_TENANTS[0]); c++)
                if (strcmp(OLD_HOST_TENANTS[c].name, h->name) == 0)
                    h->tenant = OLD_HOST_TENANTS[c].tenant;
        }
    }
    const struct it_server *servers[2] = {&FILE_SERVER, &INTRANET};
    const char *names[2] = {FILES_NAME, INTRANET_NAME};
    for (int k = 0; k < 2; k++, n++) {
        struct host *h = &g->hosts[n];
        h->name = names[k];
        h->service = -1;
        h->unknown = -1;
        h->ttl = 3600;
        h->nv4 = h->nv6 = 1;
        parse_addr(servers[k]->v4, h->v4[0], 4);
        parse_addr(servers[k]->v6, h->v6[0], 6);
    }
    g->files_host = n - 2;
    g->intranet_host = n - 1;

    /* The unknown domains' names: after the others, so that those keep their
     * addresses; alternately in the US and German blocks of the test GeoIP
     * databases, from .100 up. */
    int p = 0;
    for (int u = 0; u < NUNKNOWN; u++) {
        for (int k = 0; k < 3 && UNKNOWN[u].hosts[k]; k++, n++, p++) {
            static const uint8_t blocks[2][3] = {{192, 0, 2}, {198, 51, 100}};
            struct host *h = &g->hosts[n];
            h->name = UNKNOWN[u].hosts[k];
            h->service = UNCLASSIFIED;
            h->unknown = u;
            h->profile = UNKNOWN[u].profile;
            h->ttl = host_ttl(n);
            h->nv4 = 1 + (p % 2 == 0);
            h->nv6 = 1;
            for (int a = 0; a < h->nv4; a++) {
                memcpy(h->v4[a], blocks[p % 2], 3);
                h->v4[a][3] = (uint8_t)(100 + 10 * a + p);
            }
            char text[NETADDR_STRLEN];
            snprintf(text, sizeof(text), "2001:db8:%x::1", 0x140 + p);
            parse_addr(text, h->v6[0], 6);
        }
    }
    g->nhosts = late_hosts_init(g, n);
}

/* Which optional services the office uses: the seed alone decides, so that two
 * months generated with different seeds differ.  The office always uses at
 * least MIN_SERVICES services. */
static void mix_init(struct gen *g)
{
    struct rng r;
    rng_seed(&r, g->opt->seed, STREAM_MIX, 0, 0);
    bool used[NSERVICES] = {false};
    int nused = 0;
    for (int d = 0; d < NDEPTS; d++) {
        for (size_t e = 0; e < DEPTS[d].nmix; e++) {
            const struct mix_entry *m = &DEPTS[d].mix[e];
            g->active[d][e] = m->core || rng_chance(&r, 450);
            int s = find_service(m->service);
            if (g->active[d][e] && !used[s]) {
                used[s] = true;
                nused++;
            }
        }
    }
    while (nused < MIN_SERVICES) {
        int d = (int)rng_below(&r, NDEPTS);
        size_t e = rng_below(&r, (uint32_t)DEPTS[d].nmix);
        int s = find_service(DEPTS[d].mix[e].service);
        if (!used[s]) {
            g->active[d][e] = true;
            used[s] = true;
            nused++;
        }
    }
}

/* Which services count again by tenant and which are GenAI; checks that the
 * tables name services of SERVICES. */
static void service_facts_init(struct gen *g)
{
    for (int s = 0; s <= NSERVICES; s++)
        g->genai[s] = -1;
    for (size_t k = 0; k < sizeof(TEMPLATED_SERVICES) / sizeof(TEMPLATED_SERVICES[0]); k++)
        g->templated[find_service(TEMPLATED_SERVICES[k])] = true;
    for (int k = 0; k < NGENAI_SERVICES; k++)
        g->genai[find_service(GENAI_SERVICES[k].service)] = k;
    for (size_t k = 0; k < sizeof(OWN_TENANTS) / sizeof(OWN_TENANTS[0]); k++)
        if (!g->templated[find_service(OWN_TENANTS[k].service)]) {
            fprintf(stderr,
                    "gen-sample: internal error: own tenant of %s, which has no templates\n",
                    OWN_TENANTS[k].service);
            exit(1);
        }
    for (int h = 0; h < g->nhosts; h++)
        if (g->hosts[h].tenant && (g->hosts[h].service < 0 || !g->templated[g->hosts[h].service])) {
            fprintf(stderr, "gen-sample: internal error: %s has a tenant but no templates\n",
                    g->hosts[h].name);
            exit(1);
        }
}

/* ------------------------------------------------------------------------ */
/* Planning the day                                                         */
/* ------------------------------------------------------------------------ */

static struct job *job_new(struct gen *g, uint8_t kind, uint64_t start, int device)
{
    if (g->njobs == g->capjobs) {
        g->capjobs = g->capjobs ? g->capjobs * 2 : 4096;
        g->jobs = xrealloc(g->jobs, g->capjobs * sizeof(*g->jobs));
    }
    struct job *j = &g->jobs[g->njobs];
    memset(j, 0, sizeof(*j));
    j->id = (uint32_t)g->njobs++;
    j->kind = kind;
    j->start = start;
    j->family = 4;
    j->device = (int16_t)device;
    j->peer = -1;
    j->host = -1;
    j->profile = -1;
    return j;
}

enum act_kind {
    ACT_SERVICE,
    ACT_SMB,
    ACT_INTRANET,
    ACT_SSH,
    ACT_ICMP,
    ACT_NTP,
    ACT_TCP_NOISE,
    ACT_UDP_NOISE,
};

/* Something a device does at a time, before it becomes jobs. */
struct activity {
    uint64_t t;
    uint32_t seq;
    int16_t device;
    int8_t kind;
    int8_t service;
};

struct activities {
    struct activity *a;
    size_t n, cap;
};

static struct activity *act_add(struct activities *as, uint64_t t, int device, int kind)
{
    if (as->n == as->cap) {
        as->cap = as->cap ? as->cap * 2 : 1024;
        as->a = xrealloc(as->a, as->cap * sizeof(*as->a));
    }
    struct activity *a = &as->a[as->n];
    a->t = t;
    a->seq = (uint32_t)as->n++;
    a->device = (int16_t)device;
    a->kind = (int8_t)kind;
    a->service = -1;
    return a;
}

static int act_cmp(const void *pa, const void *pb)
{
    const struct activity *a = pa, *b = pb;
    if (a->device != b->device)
        return a->device < b->device ? -1 : 1;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* A time in [from, to]: fewer people online over lunch. */
static uint64_t office_time(struct gen *g, struct rng *r, uint64_t from, uint64_t to)
{
    uint64_t t = rng_between(r, from, to);
    for (int i = 0; i < 3; i++) {
        uint64_t hour = (t - g->midnight) / US_PER_H;
        if (hour != 12 || !rng_chance(r, 550))
            break;
        t = rng_between(r, from, to);
    }
    return t;
}

/* Client ports count up from a random start with small random steps, the way
 * an OS hands them out: unique per device over the whole day, so no two flows
 * of the capture share a 5-tuple.  A device's ports come from [first, first +
 * count): the Linux range for most of the day, the ports above it for the jobs
 * planned last. */
struct ports {
    uint32_t state;
    uint16_t first, count;
};
#define PORTS_FIRST      32768
#define PORTS_COUNT      28232
#define LATE_PORTS_FIRST (PORTS_FIRST + PORTS_COUNT)
#define LATE_PORTS_COUNT (65536 - LATE_PORTS_FIRST)

static uint16_t next_port(struct ports *p, struct rng *r)
{
    p->state += 1 + rng_below(r, 3);
    return (uint16_t)(p->first + p->state % p->count);
}

/* What a device remembers of its lookups: it looks a name up again once the
 * answer has expired or a new hour has begun. */
struct lookup {
    uint64_t answered;
    uint32_t ttl;
    uint8_t addr;
    bool valid;
};

/* The address a device uses to reach host at time t, looking it up first if it
 * has no fresh answer for it. */
static uint8_t resolve(struct gen *g, struct rng *r, struct lookup *lk, int device, int host,
                       int family, uint64_t t, struct ports *ports)
{
    if (lk->valid && (lk->answered - g->midnight) / US_PER_H == (t - g->midnight) / US_PER_H &&
        lk->answered + 1000 < t && t + 2 * US_PER_S < lk->answered + lk->ttl * US_PER_S)
        return lk->addr;

    const struct host *h = &g->hosts[host];
    uint64_t query = t - rng_between(r, 3000, 60000);
    struct job *j = job_new(g, JOB_DNS, query, device);
    j->family = (uint8_t)family;
    j->host = (int16_t)host;
    j->addr = (uint8_t)rng_below(r, (uint32_t)(family == 4 ? h->nv4 : h->nv6));
    j->ttl = h->ttl <= 120 ? h->ttl : h->ttl - (uint32_t)rng_below(r, h->ttl / 2);
    uint64_t latest = t - query - 1500; /* the answer comes before the connection */
    j->delay = (uint32_t)rng_between(r, 300, latest < 25000 ? latest : 25000);
    j->cport = next_port(ports, r);
    lk->answered = query + j->delay;
    lk->ttl = j->ttl;
    lk->addr = j->addr;
    lk->valid = true;
    return j->addr;
}

static void plan_day(struct gen *g)
{
    const int scale = g->opt->scale;
    struct activities acts = {0};

    /* What each device does, and when. */
    for (int d = 0; d < g->ndev; d++) {
        struct device *dv = &g->dev[d];
        struct rng r;
        rng_seed(&r, g->opt->seed, STREAM_DEVICE, (uint64_t)d, (uint64_t)g->day);
        uint64_t in = g->open + 20 * US_PER_S + rng_between(&r, 0, 75 * US_PER_MIN);
        uint64_t out = g->close - 5 * US_PER_MIN - rng_between(&r, 0, 60 * US_PER_MIN);
        dv->in = in;
        dv->out = out;

        job_new(g, JOB_ARP, in - 3 * US_PER_S, d);
        for (int k = 0; k < 2; k++)
            job_new(g, JOB_ARP, office_time(g, &r, in, out), d)->peer = 1;
        if (dv->has_v6)
            job_new(g, JOB_ND, in - 2 * US_PER_S, d);

        int nservice = DEPTS[dv->dept].service_flows * scale * (int)rng_between(&r, 75, 125) / 100;
        for (int k = 0; k < nservice; k++)
            act_add(&acts, office_time(g, &r, in, out), d, ACT_SERVICE);

        int ninternal = scale * (int)rng_between(&r, 3, 6);
        for (int k = 0; k < ninternal; k++) {
            int kind = rng_chance(&r, 550) ? ACT_SMB : ACT_INTRANET;
            if ((dv->dept == DEPT_ENG && rng_chance(&r, 400)) ||
                (dv->dept == DEPT_IT && rng_chance(&r, 300)))
                kind = ACT_SSH;
            act_add(&acts, office_time(g, &r, in, out), d, kind);
        }

        act_add(&acts, in + rng_between(&r, US_PER_S, 5 * US_PER_S), d, ACT_NTP);
        for (int k = 1; k < scale; k++)
            act_add(&acts, office_time(g, &r, in, out), d, ACT_NTP);

        if (d % 7 == 3) {
            /* ICMP has no ports: bursts of one device stay 15 minutes apart so
             * that each is a flow of its own. */
            uint64_t times[40];
            int nt = 0;
            for (int tries = 0; nt < scale && nt < 40 && tries < 400; tries++) {
                uint64_t t = rng_between(&r, in, out);
                bool clear = true;
                for (int i = 0; i < nt; i++)
                    if ((t > times[i] ? t - times[i] : times[i] - t) < 15 * US_PER_MIN)
                        clear = false;
                if (clear)
                    times[nt++] = t;
            }
            for (int i = 0; i < nt; i++)
                act_add(&acts, times[i], d, ACT_ICMP);
        }
        if (d % 11 == 9)
            for (int k = 0; k < 2 * scale; k++)
                act_add(&acts, office_time(g, &r, in, out), d, ACT_TCP_NOISE);
        if (d % 13 == 2)
            for (int k = 0; k < 2 * scale; k++)
                act_add(&acts, office_time(g, &r, in, out), d, ACT_UDP_NOISE);
    }

    /* Which service each flow goes to, department by department: every service
     * the department has turned on gets at least one flow, the rest follow the
     * weights. */
    for (int dep = 0; dep < NDEPTS; dep++) {
        struct rng r;
        rng_seed(&r, g->opt->seed, STREAM_DEPT, (uint64_t)dep, (uint64_t)g->day);
        size_t *slots = xrealloc(NULL, acts.n * sizeof(*slots));
        size_t nslots = 0;
        for (size_t i = 0; i < acts.n; i++)
            if (acts.a[i].kind == ACT_SERVICE && g->dev[acts.a[i].device].dept == dep)
                slots[nslots++] = i;
        for (size_t i = nslots; i > 1; i--) {
            size_t k = rng_below(&r, (uint32_t)i);
            size_t tmp = slots[i - 1];
            slots[i - 1] = slots[k];
            slots[k] = tmp;
        }
        const struct dept_def *dd = &DEPTS[dep];
        int on[MAX_MIX], non = 0;
        uint32_t total = 0;
        for (size_t e = 0; e < dd->nmix; e++)
            if (g->active[dep][e]) {
                on[non++] = (int)e;
                total += dd->mix[e].weight;
            }
        for (size_t i = 0; i < nslots; i++) {
            int e;
            if (i < (size_t)non) {
                e = on[i];
            } else {
                uint32_t w = rng_below(&r, total);
                int k = 0;
                while (w >= dd->mix[on[k]].weight)
                    w -= dd->mix[on[k++]].weight;
                e = on[k];
            }
            acts.a[slots[i]].service = (int8_t)find_service(dd->mix[e].service);
        }
        free(slots);
    }

    /* In time order per device: lookups, ports, address families. */
    qsort(acts.a, acts.n, sizeof(*acts.a), act_cmp);
    struct lookup *cache = xrealloc(NULL, (size_t)g->nhosts * 2 * sizeof(*cache));
    struct ports ports = {0, PORTS_FIRST, PORTS_COUNT};
    int current = -1;
    struct rng r;
    for (size_t i = 0; i < acts.n; i++) {
        const struct activity *a = &acts.a[i];
        int d = a->device;
        const struct device *dv = &g->dev[d];
        if (d != current) {
            current = d;
            memset(cache, 0, (size_t)g->nhosts * 2 * sizeof(*cache));
            rng_seed(&r, g->opt->seed, STREAM_DEVICE, (uint64_t)(1000 + d), (uint64_t)g->day);
            ports.state = (uint32_t)rng_below(&r, PORTS_COUNT);
        }
        struct job *j;
        int family, host;
        uint8_t addr;
        switch (a->kind) {
        case ACT_SERVICE: {
            const struct service_def *s = &SERVICES[a->service];
            host = 0;
            while (g->hosts[host].service != a->service)
                host++;
            if (s->hosts[1] && rng_chance(&r, 400))
                host++;
            family = dv->has_v6 && rng_chance(&r, 250) ? 6 : 4;
            uint32_t u = rng_below(&r, 1000);
            uint8_t kind = u < 100 ? JOB_HTTP : u < 150 ? JOB_NOSNI : JOB_TLS;
            addr = resolve(g, &r, &cache[host * 2 + (family == 6)], d, host, family, a->t, &ports);
            j = job_new(g, kind, a->t, d);
            j->family = (uint8_t)family;
            j->host = (int16_t)host;
            j->addr = addr;
            j->cport = next_port(&ports, &r);
            break;
        }
        case ACT_SMB:
        case ACT_INTRANET:
            host = a->kind == ACT_SMB ? g->files_host : g->intranet_host;
            family = dv->has_v6 && rng_chance(&r, 300) ? 6 : 4;
            addr = resolve(g, &r, &cache[host * 2 + (family == 6)], d, host, family, a->t, &ports);
            j = job_new(g, a->kind == ACT_SMB ? JOB_SMB : JOB_INTRANET, a->t, d);
            j->family = (uint8_t)family;
            j->host = (int16_t)host;
            j->addr = addr;
            j->cport = next_port(&ports, &r);
            break;
        case ACT_SSH: {
            int first = 0;
            while (g->dev[first].dept != DEPT_ENG)
                first++;
            /* An engineering host on the same VLAN (tagged or not), so that both
             * directions of the session carry the same tag; IT's admins reach
             * the untagged ones through the router. */
            int peer;
            do
                peer = first + (int)rng_below(&r, (uint32_t)DEPTS[DEPT_ENG].ndevices);
            while (peer == d || g->dev[peer].vlan != dv->vlan);
            j = job_new(g, JOB_SSH, a->t, d);
            j->peer = (int16_t)peer;
            j->family = rng_chance(&r, 300) ? 6 : 4;
            j->cport = next_port(&ports, &r);
            break;
        }
        case ACT_ICMP:
            job_new(g, JOB_ICMP, a->t, d);
            break;
        case ACT_NTP:
            job_new(g, JOB_NTP, a->t, d)->cport = next_port(&ports, &r);
            break;
        case ACT_TCP_NOISE:
            job_new(g, JOB_TCP_NOISE, a->t, d)->cport = next_port(&ports, &r);
            break;
        case ACT_UDP_NOISE:
            job_new(g, JOB_UDP_NOISE, a->t, d)->cport = next_port(&ports, &r);
            break;
        }
    }
    free(cache);
    free(acts.a);

    /* The router advertises itself on each IPv6 segment every few minutes. */
    for (int dep = 0; dep < NDEPTS; dep++) {
        if (!DEPTS[dep].v6_prefix)
            continue;
        rng_seed(&r, g->opt->seed, STREAM_ROUTER, (uint64_t)dep, (uint64_t)g->day);
        for (uint64_t t = g->open + rng_between(&r, 0, 300 * US_PER_S);
             t < g->close - 10 * US_PER_MIN; t += rng_between(&r, 200, 600) * US_PER_S)
            job_new(g, JOB_RA, t, -1)->peer = (int16_t)dep;
    }
}

/* ------------------------------------------------------------------------ */
/* Planning the jobs of the unknown-services and visibility views           */
/* ------------------------------------------------------------------------ */

/* What a STREAM_LATE generator is for, with the device and item it serves. */
enum late_use {
    LATE_PORTS = 1,
    LATE_UNKNOWN = 2,
    LATE_ENCRYPTED_DNS = 3,
    LATE_ECH = 4,
    LATE_MIDSTREAM = 5,
    LATE_TENANTS = 6,
    LATE_GENAI = 7,
    LATE_INTERNAL_HTTP = 8,
};

static void late_seed(const struct gen *g, struct rng *r, enum late_use use, int item, int device)
{
    uint64_t index = (uint64_t)use << 24 | (uint64_t)item << 12 | (uint64_t)device;
    rng_seed(r, g->opt->seed, STREAM_LATE, index, (uint64_t)g->day);
}

static int member_device(struct member m)
{
    if (m.dept < 0 || m.dept >= NDEPTS || m.rank < 0 || m.rank >= DEPTS[m.dept].ndevices) {
        fprintf(stderr, "gen-sample: internal error: no device %d of department %d\n", m.rank,
                m.dept);
        exit(1);
    }
    int d = m.rank;
    for (int k = 0; k < m.dept; k++)
        d += DEPTS[k].ndevices;
    return d;
}

static int u64_cmp(const void *pa, const void *pb)
{
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return a < b ? -1 : a > b;
}

static int pick_weighted(struct rng *r, const uint8_t *weight, int n)
{
    uint32_t total = 0;
    for (int k = 0; k < n; k++)
        total += weight[k];
    uint32_t w = rng_below(r, total);
    int k = 0;
    while (w >= weight[k])
        w -= weight[k++];
    return k;
}

/* The unknown domains' users look a name up at the internal resolver, then
 * talk TLS to it: without SNI every fourth flow and now and then another, so
 * that each user has flows named by DNS alone. */
static void plan_unknown(struct gen *g, struct ports *ports)
{
    struct lookup *cache = xrealloc(NULL, (size_t)g->nhosts * 2 * sizeof(*cache));
    for (int u = 0; u < NUNKNOWN; u++) {
        const struct unknown_def *ud = &UNKNOWN[u];
        int first = 0;
        while (g->hosts[first].unknown != u)
            first++;
        for (int i = 0; ud->users[i].rank >= 0; i++) {
            int d = member_device(ud->users[i]);
            const struct device *dv = &g->dev[d];
            struct rng r;
            late_seed(g, &r, LATE_UNKNOWN, u, d);
            size_t n = (size_t)g->opt->scale * rng_between(&r, 4, 8);
            uint64_t *times = xrealloc(NULL, n * sizeof(*times));
            for (size_t k = 0; k < n; k++)
                times[k] = office_time(g, &r, dv->in, dv->out);
            qsort(times, n, sizeof(*times), u64_cmp);
            memset(cache, 0, (size_t)g->nhosts * 2 * sizeof(*cache));
            for (size_t k = 0; k < n; k++) {
                int host = first + pick_weighted(&r, ud->weight, 3);
                int family = dv->has_v6 && rng_chance(&r, 250) ? 6 : 4;
                uint8_t kind = k % 4 == 3 || rng_chance(&r, 150) ? JOB_NOSNI : JOB_TLS;
                uint8_t addr = resolve(g, &r, &cache[host * 2 + (family == 6)], d, host, family,
                                       times[k], &ports[d]);
                struct job *j = job_new(g, kind, times[k], d);
                j->family = (uint8_t)family;
                j->host = (int16_t)host;
                j->addr = addr;
                j->cport = next_port(&ports[d], &r);
            }
            free(times);
        }
    }
    free(cache);
}

/* The DoH device: its resolvers first, a second after it joins (its ARP) and
 * before anything else of its day; DoH again now and then at larger scales;
 * and, from half an hour on, TLS without SNI to addresses it resolved through
 * them, which no DNS answer the sensor sees names. */
static void plan_encrypted_dns(struct gen *g, struct ports *ports)
{
    int d = member_device(DOH_DEVICE);
    const struct device *dv = &g->dev[d];
    struct rng r;
    late_seed(g, &r, LATE_ENCRYPTED_DNS, 0, d);
    int nresolvers = (int)(sizeof(ENCRYPTED_DNS) / sizeof(ENCRYPTED_DNS[0]));
    for (int k = 0; k < nresolvers; k++) {
        struct job *j = job_new(g, JOB_ENCRYPTED_DNS, dv->in - 2 * US_PER_S + k * 500000, d);
        j->addr = (uint8_t)k;
        j->cport = next_port(&ports[d], &r);
    }
    for (int k = 1; k < g->opt->scale; k++)
        job_new(g, JOB_ENCRYPTED_DNS, office_time(g, &r, dv->in, dv->out), d)->cport =
            next_port(&ports[d], &r);
    for (int k = 0; k < 3 * g->opt->scale; k++) {
        uint64_t t = office_time(g, &r, dv->in + 30 * US_PER_MIN, dv->out);
        struct job *j = job_new(g, JOB_NAMELESS_TLS, t, d);
        j->addr = (uint8_t)(k % NNAMELESS);
        j->cport = next_port(&ports[d], &r);
    }
}

/* Browsers with Encrypted Client Hello, and connections seen without their
 * handshake. */
static void plan_ech_and_midstream(struct gen *g, struct ports *ports)
{
    struct rng r;
    for (size_t i = 0; i < sizeof(ECH_DEVICES) / sizeof(ECH_DEVICES[0]); i++) {
        int d = member_device(ECH_DEVICES[i]);
        const struct device *dv = &g->dev[d];
        late_seed(g, &r, LATE_ECH, 0, d);
        for (int k = 0; k < 2 * g->opt->scale; k++) {
            struct job *j = job_new(g, JOB_ECH, office_time(g, &r, dv->in, dv->out), d);
            j->family = dv->has_v6 && rng_chance(&r, 300) ? 6 : 4;
            j->cport = next_port(&ports[d], &r);
        }
    }
    for (size_t i = 0; i < sizeof(MIDSTREAM_DEVICES) / sizeof(MIDSTREAM_DEVICES[0]); i++) {
        int d = member_device(MIDSTREAM_DEVICES[i]);
        const struct device *dv = &g->dev[d];
        late_seed(g, &r, LATE_MIDSTREAM, 0, d);
        for (int k = 0; k < g->opt->scale; k++) {
            struct job *j = job_new(g, JOB_MIDSTREAM, office_time(g, &r, dv->in, dv->out), d);
            j->addr = (uint8_t)(i % (sizeof(MIDSTREAM_SERVERS) / sizeof(MIDSTREAM_SERVERS[0])));
            j->peer = (int16_t)(i % 2);
            j->cport = next_port(&ports[d], &r);
        }
    }
}

static int find_host(const struct gen *g, const char *name)
{
    for (int h = 0; h < g->nhosts; h++)
        if (strcmp(g->hosts[h].name, name) == 0)
            return h;
    fprintf(stderr, "gen-sample: internal error: no host %s\n", name);
    exit(1);
}

/* n times in device d's day, in order. */
static uint64_t *late_times(struct gen *g, struct rng *r, int d, size_t n)
{
    uint64_t *times = xrealloc(NULL, n * sizeof(*times));
    for (size_t k = 0; k < n; k++)
        times[k] = office_time(g, r, g->dev[d].in, g->dev[d].out);
    qsort(times, n, sizeof(*times), u64_cmp);
    return times;
}

/* Each use's devices look its name up at the internal resolver when they have
 * no fresh answer, then talk TLS to it, with or without SNI, or plain HTTP. */
static void plan_name_uses(struct gen *g, struct ports *ports, const struct name_use *uses,
                           size_t nuses, enum late_use what)
{
    for (size_t u = 0; u < nuses; u++) {
        const struct name_use *use = &uses[u];
        int host = find_host(g, use->host);
        for (int i = 0; use->users[i].rank >= 0; i++) {
            int d = member_device(use->users[i]);
            struct lookup cache[2] = {{0}};
            struct rng r;
            late_seed(g, &r, what, (int)u, d);
            size_t n = (size_t)g->opt->scale * rng_between(&r, use->flows_lo, use->flows_hi);
            uint64_t *times = late_times(g, &r, d, n);
            for (size_t k = 0; k < n; k++) {
                int family = g->dev[d].has_v6 && rng_chance(&r, 250) ? 6 : 4;
                /* A name that sees plain HTTP sees it in each device's first flow. */
                uint32_t x = k == 0 && use->http ? 0 : rng_below(&r, 1000);
                uint8_t kind = x < use->http                ? JOB_HTTP
                               : x < use->http + use->nosni ? JOB_NOSNI
                                                            : JOB_TLS;
                uint8_t addr = resolve(g, &r, &cache[family == 6], d, host, family, times[k],
                                       &ports[d]);
                struct job *j = job_new(g, kind, times[k], d);
                j->family = (uint8_t)family;
                j->host = (int16_t)host;
                j->addr = addr;
                j->profile = (int8_t)use->profile;
                j->cport = next_port(&ports[d], &r);
            }
            free(times);
        }
    }
}

/* The internal HTTP servers' clients, over IPv4; a server with a name is
 * looked up first. */
static void plan_internal_http(struct gen *g, struct ports *ports)
{
    for (int s = 0; s < NINTERNAL_HTTP; s++) {
        const struct internal_http_def *def = &INTERNAL_HTTP[s];
        int host = def->name ? find_host(g, def->name) : -1;
        for (int i = 0; def->users[i].rank >= 0; i++) {
            int d = member_device(def->users[i]);
            struct lookup cache = {0};
            struct rng r;
            late_seed(g, &r, LATE_INTERNAL_HTTP, s, d);
            size_t n = (size_t)g->opt->scale * rng_between(&r, def->flows_lo, def->flows_hi);
            uint64_t *times = late_times(g, &r, d, n);
            for (size_t k = 0; k < n; k++) {
                if (host >= 0)
                    resolve(g, &r, &cache, d, host, 4, times[k], &ports[d]);
                struct job *j = job_new(g, JOB_INTERNAL_HTTP, times[k], d);
                j->addr = (uint8_t)s;
                j->host = (int16_t)host;
                j->cport = next_port(&ports[d], &r);
            }
            free(times);
        }
    }
}

/* The jobs of the unknown-services and visibility views, then those of the
 * tenant, GenAI-use and internal-server views, planned after the rest of the
 * day so that its jobs keep their numbers, hence their bytes; each group after
 * the ones before it, so that these keep theirs. */
static void plan_late(struct gen *g)
{
    struct ports ports[MAX_DEVICES];
    for (int d = 0; d < g->ndev; d++) {
        struct rng r;
        late_seed(g, &r, LATE_PORTS, 0, d);
        ports[d] = (struct ports){rng_below(&r, 256), LATE_PORTS_FIRST, LATE_PORTS_COUNT};
    }
    plan_unknown(g, ports);
    plan_encrypted_dns(g, ports);
    plan_ech_and_midstream(g, ports);
    plan_name_uses(g, ports, TENANT_USES, sizeof(TENANT_USES) / sizeof(TENANT_USES[0]),
                   LATE_TENANTS);
    plan_name_uses(g, ports, GENAI_USES, sizeof(GENAI_USES) / sizeof(GENAI_USES[0]), LATE_GENAI);
    plan_internal_http(g, ports);
    for (int d = 0; d < g->ndev; d++)
        if (ports[d].state >= LATE_PORTS_COUNT) {
            fprintf(stderr, "gen-sample: internal error: device %d ran out of client ports\n", d);
            exit(1);
        }
}

/* ------------------------------------------------------------------------ */
/* Frames                                                                   */
/* ------------------------------------------------------------------------ */

struct frame {
    uint64_t ts;
    uint32_t off, len;
    uint32_t order; /* generation order, to keep the sort stable */
};

/* The frames of one job: made in any order, then sorted by time. */
struct frames {
    struct bytes data;
    struct frame *f;
    size_t n, cap, next;
    uint64_t ip_bytes;
};

/* Appends a zeroed frame of len bytes at time ts and returns it.  The pointer
 * is valid until the next frame is added. */
static uint8_t *frames_add(struct frames *fr, uint64_t ts, size_t len)
{
    if (fr->n == fr->cap) {
        fr->cap = fr->cap ? fr->cap * 2 : 64;
        fr->f = xrealloc(fr->f, fr->cap * sizeof(*fr->f));
    }
    struct frame *f = &fr->f[fr->n];
    f->ts = ts;
    f->off = (uint32_t)fr->data.len;
    f->len = (uint32_t)len;
    f->order = (uint32_t)fr->n++;
    uint8_t *p = bytes_grow(&fr->data, len);
    memset(p, 0, len);
    return p;
}

static int frame_cmp(const void *pa, const void *pb)
{
    const struct frame *a = pa, *b = pb;
    if (a->ts != b->ts)
        return a->ts < b->ts ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
    while (n >= 2) {
        sum += (uint32_t)p[0] << 8 | p[1];
        p += 2;
        n -= 2;
    }
    if (n)
        sum += (uint32_t)p[0] << 8;
    return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* One side of a conversation as the mirror port sees its frames. */
struct endpoint {
    uint8_t mac[6];
    uint8_t addr[16]; /* IPv4 in the first 4 bytes */
    uint8_t ttl;      /* TTL or hop limit on arrival at the mirror port */
    uint16_t vlan;    /* tag of the frames it sends, 0 for none */
};

/* A conversation: [0] opened it, [1] answered. */
struct conv {
    struct frames *out;
    struct rng *rng;
    int family;
    uint8_t proto;
    bool routed;             /* between two segments: every frame goes to the router */
    struct endpoint ep[2];
    uint16_t port[2];
    uint16_t ip_id[2];
    uint32_t flow_label[2];
    uint64_t bytes[2], packets[2];
    bool opened_by_syn; /* TCP: the first segment was a SYN */
};

static void conv_init(struct conv *c, struct frames *out, struct rng *r, int family, uint8_t proto)
{
    memset(c, 0, sizeof(*c));
    c->out = out;
    c->rng = r;
    c->family = family;
    c->proto = proto;
    for (int i = 0; i < 2; i++) {
        c->ip_id[i] = (uint16_t)rng_next(r);
        c->flow_label[i] = (uint32_t)rng_next(r) & 0xfffff;
    }
}

/* Writes the link and IP headers of a packet from side dir carrying l4len bytes
 * of transport, and returns where the transport header goes.  Frames shorter
 * than Ethernet's 60 bytes are padded, as on the wire: the padding is not part
 * of the IP datagram and not accounted. */
static uint8_t *conv_packet(struct conv *c, int dir, uint64_t ts, size_t l4len)
{
    const struct endpoint *src = &c->ep[dir], *dst = &c->ep[!dir];
    size_t l2 = src->vlan ? 18 : 14;
    size_t iphl = c->family == 4 ? 20 : 40;
    size_t iplen = iphl + l4len;
    size_t flen = l2 + iplen < 60 ? 60 : l2 + iplen;
    uint8_t *p = frames_add(c->out, ts, flen);
    memcpy(p, c->routed ? ROUTER_MAC : dst->mac, 6);
    memcpy(p + 6, src->mac, 6);
    uint8_t *q = p + 12;
    if (src->vlan) {
        be16(q, 0x8100);
        be16(q + 2, src->vlan);
        q += 4;
    }
    if (c->family == 4) {
        be16(q, 0x0800);
        q += 2;
        q[0] = 0x45;
        be16(q + 2, (unsigned)iplen);
        be16(q + 4, c->ip_id[dir]++);
        be16(q + 6, c->proto == 17 ? 0 : 0x4000); /* DF but for UDP */
        q[8] = src->ttl;
        q[9] = c->proto;
        memcpy(q + 12, src->addr, 4);
        memcpy(q + 16, dst->addr, 4);
        be16(q + 10, csum_fold(csum_add(0, q, 20)));
    } else {
        be16(q, 0x86dd);
        q += 2;
        be32(q, 0x60000000u | c->flow_label[dir]);
        be16(q + 4, (unsigned)l4len);
        q[6] = c->proto;
        q[7] = src->ttl;
        memcpy(q + 8, src->addr, 16);
        memcpy(q + 24, dst->addr, 16);
    }
    c->bytes[dir] += iplen;
    c->packets[dir]++;
    c->out->ip_bytes += iplen;
    return q + iphl;
}

/* Fills the transport checksum at l4 + off: with the pseudo-header for TCP,
 * UDP and ICMPv6, without for ICMP. */
static void conv_checksum(const struct conv *c, int dir, uint8_t *l4, size_t l4len, size_t off)
{
    uint64_t sum = 0;
    if (c->proto != 1) {
        size_t alen = c->family == 4 ? 4 : 16;
        sum = csum_add(sum, c->ep[dir].addr, alen);
        sum = csum_add(sum, c->ep[!dir].addr, alen);
        sum += c->proto;
        sum += l4len & 0xffff;
        sum += l4len >> 16;
    }
    l4[off] = l4[off + 1] = 0;
    uint16_t cs = csum_fold(csum_add(sum, l4, l4len));
    if (c->proto == 17 && cs == 0)
        cs = 0xffff;
    be16(l4 + off, cs);
}

static void udp_send(struct conv *c, int dir, uint64_t ts, const uint8_t *data, size_t len)
{
    uint8_t *u = conv_packet(c, dir, ts, 8 + len);
    be16(u, c->port[dir]);
    be16(u + 2, c->port[!dir]);
    be16(u + 4, (unsigned)(8 + len));
    memcpy(u + 8, data, len);
    conv_checksum(c, dir, u, 8 + len, 6);
}

/* ICMP or ICMPv6: the message is given whole, its checksum is filled in. */
static void icmp_send(struct conv *c, int dir, uint64_t ts, const uint8_t *msg, size_t len)
{
    uint8_t *m = conv_packet(c, dir, ts, len);
    memcpy(m, msg, len);
    conv_checksum(c, dir, m, len, 2);
}

/* ------------------------------------------------------------------------ */
/* TCP                                                                      */
/* ------------------------------------------------------------------------ */

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

/* A TCP connection seen from next to the client: the server's packets arrive
 * a round trip after what they answer, the client's almost at once. */
struct tcp {
    struct conv *c;
    uint32_t nxt[2];  /* next sequence number each side sends */
    uint32_t rtt;     /* µs */
    uint32_t gap;     /* µs between back-to-back segments */
    uint32_t mss;
    uint16_t win[2];  /* window field after the handshake (scaled) */
    uint64_t last[2]; /* time of each side's latest segment */
};

static void tcp_init(struct tcp *t, struct conv *c, uint32_t rtt)
{
    t->c = c;
    t->nxt[0] = (uint32_t)rng_next(c->rng);
    t->nxt[1] = (uint32_t)rng_next(c->rng);
    t->rtt = rtt;
    t->gap = (uint32_t)rng_between(c->rng, 12, 120);
    t->mss = c->family == 4 ? 1460 : 1440;
    t->win[0] = (uint16_t)rng_between(c->rng, 500, 2050);
    t->win[1] = (uint16_t)rng_between(c->rng, 250, 1000);
    t->last[0] = t->last[1] = 0;
}

/* Sends one segment from side dir at ts, or just after that side's previous
 * segment if ts is earlier: each side's segments leave in sequence order even
 * when an acknowledgement was timed late.  Returns the time used. */
static uint64_t tcp_segment(struct tcp *t, int dir, uint64_t ts, uint8_t flags, const uint8_t *opt,
                            size_t optlen, const uint8_t *data, size_t len)
{
    if (ts <= t->last[dir])
        ts = t->last[dir] + 1;
    t->last[dir] = ts;
    if (!t->c->packets[0] && !t->c->packets[1])
        t->c->opened_by_syn = flags & TH_SYN;
    size_t hl = 20 + optlen;
    uint8_t *h = conv_packet(t->c, dir, ts, hl + len);
    be16(h, t->c->port[dir]);
    be16(h + 2, t->c->port[!dir]);
    be32(h + 4, t->nxt[dir]);
    be32(h + 8, flags & TH_ACK ? t->nxt[!dir] : 0);
    h[12] = (uint8_t)(hl / 4 << 4);
    h[13] = flags;
    be16(h + 14, flags & TH_SYN ? (dir ? 65160 : 64240) : t->win[dir]);
    if (optlen)
        memcpy(h + 20, opt, optlen);
    if (len)
        memcpy(h + hl, data, len);
    conv_checksum(t->c, dir, h, hl + len, 16);
    t->nxt[dir] += (uint32_t)len + (flags & (TH_SYN | TH_FIN) ? 1 : 0);
    return ts;
}

/* How long after a packet the side `from` is seen answering it. */
static uint64_t tcp_turn(struct tcp *t, int from)
{
    if (from == 1)
        return t->rtt + rng_between(t->c->rng, 40, 400);
    return rng_between(t->c->rng, 25, 250);
}

static uint64_t tcp_open(struct tcp *t, uint64_t ts)
{
    uint8_t opt[12] = {2, 4, (uint8_t)(t->mss >> 8), (uint8_t)t->mss, 1, 3, 3, 8, 1, 1, 4, 2};
    ts = tcp_segment(t, 0, ts, TH_SYN, opt, sizeof(opt), NULL, 0);
    opt[7] = 7;
    ts = tcp_segment(t, 1, ts + tcp_turn(t, 1), TH_SYN | TH_ACK, opt, sizeof(opt), NULL, 0);
    return tcp_segment(t, 0, ts + tcp_turn(t, 0), TH_ACK, NULL, 0, NULL, 0);
}

/* Sends data from side dir in MSS segments starting at ts; the other side
 * acknowledges every second segment and the last.  Returns the time of the
 * last data segment. */
static uint64_t tcp_send(struct tcp *t, int dir, const uint8_t *data, size_t len, uint64_t ts)
{
    size_t off = 0;
    unsigned seg = 0;
    uint64_t last = ts;
    while (off < len) {
        size_t n = len - off > t->mss ? t->mss : len - off;
        bool end = off + n == len;
        ts = tcp_segment(t, dir, ts, TH_ACK | (end ? TH_PSH : 0), NULL, 0, data + off, n);
        off += n;
        last = ts;
        if (++seg % 2 == 0 || end)
            tcp_segment(t, !dir, ts + tcp_turn(t, !dir), TH_ACK, NULL, 0, NULL, 0);
        ts += t->gap + rng_below(t->c->rng, t->gap / 2 + 1);
    }
    return last;
}

/* Side `first` closes, the other answers with its own FIN. */
static uint64_t tcp_close(struct tcp *t, int first, uint64_t ts)
{
    ts = tcp_segment(t, first, ts, TH_FIN | TH_ACK, NULL, 0, NULL, 0);
    ts = tcp_segment(t, !first, ts + tcp_turn(t, !first), TH_FIN | TH_ACK, NULL, 0, NULL, 0);
    return tcp_segment(t, first, ts + tcp_turn(t, first), TH_ACK, NULL, 0, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* TLS                                                                      */
/* ------------------------------------------------------------------------ */

/* A ClientHello as a current browser sends it (TLS 1.3 offered, 1.2 allowed).
 * sni NULL leaves out server_name; ticket adds a session ticket, as a client
 * resuming a session does; ech makes it the outer ClientHello of Encrypted
 * Client Hello, whose sni is then the ECH provider's public name. */
static void tls_client_hello(struct bytes *b, struct rng *r, const char *sni, bool ticket, bool ech)
{
    static const uint16_t suites[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                      0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                      0x0035};
    static const uint16_t sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805,
                                       0x0501, 0x0806, 0x0601};
    size_t rec = b->len;
    put8(b, 0x16);
    put16(b, 0x0301);
    put16(b, 0);
    size_t hs = b->len;
    put8(b, 0x01);
    put24(b, 0);
    put16(b, 0x0303);
    putrand(b, r, 32);
    put8(b, 32);
    putrand(b, r, 32);
    put16(b, sizeof(suites));
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
        put16(b, suites[i]);
    put8(b, 1);
    put8(b, 0);
    size_t exts = b->len;
    put16(b, 0);
    if (sni) {
        size_t n = strlen(sni);
        put16(b, 0x0000);
        put16(b, (unsigned)(n + 5));
        put16(b, (unsigned)(n + 3));
        put8(b, 0);
        put16(b, (unsigned)n);
        putstr(b, sni);
    }
    put16(b, 0x0017); /* extended_master_secret */
    put16(b, 0);
    put16(b, 0xff01); /* renegotiation_info */
    put16(b, 1);
    put8(b, 0);
    put16(b, 0x000a); /* supported_groups: x25519, secp256r1, secp384r1 */
    put16(b, 8);
    put16(b, 6);
    put16(b, 0x001d);
    put16(b, 0x0017);
    put16(b, 0x0018);
    put16(b, 0x000b); /* ec_point_formats: uncompressed */
    put16(b, 2);
    put8(b, 1);
    put8(b, 0);
    put16(b, 0x0023); /* session_ticket */
    if (ticket) {
        size_t n = 16 * rng_between(r, 10, 14);
        put16(b, (unsigned)n);
        putrand(b, r, n);
    } else {
        put16(b, 0);
    }
    put16(b, 0x0010); /* application_layer_protocol_negotiation: h2, http/1.1 */
    put16(b, 14);
    put16(b, 12);
    put8(b, 2);
    putstr(b, "h2");
    put8(b, 8);
    putstr(b, "http/1.1");
    put16(b, 0x0005); /* status_request: OCSP */
    put16(b, 5);
    put8(b, 1);
    put32(b, 0);
    put16(b, 0x000d); /* signature_algorithms */
    put16(b, sizeof(sigalgs) + 2);
    put16(b, sizeof(sigalgs));
    for (size_t i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
        put16(b, sigalgs[i]);
    put16(b, 0x0033); /* key_share: x25519 */
    put16(b, 38);
    put16(b, 36);
    put16(b, 0x001d);
    put16(b, 32);
    putrand(b, r, 32);
    put16(b, 0x002d); /* psk_key_exchange_modes: psk_dhe_ke */
    put16(b, 2);
    put8(b, 1);
    put8(b, 1);
    put16(b, 0x002b); /* supported_versions: TLS 1.3, TLS 1.2 */
    put16(b, 5);
    put8(b, 4);
    put16(b, 0x0304);
    put16(b, 0x0303);
    if (ech) {
        /* encrypted_client_hello, outer (draft-ietf-tls-esni): the HPKE
         * suite HKDF-SHA256 and AES-128-GCM, the server's config id, the X25519
         * encapsulated key, and the sealed inner ClientHello, padded to 32
         * bytes as browsers pad it, with its 16-byte tag. */
        size_t payload = 32 * rng_between(r, 5, 9) + 16;
        put16(b, 0xfe0d);
        put16(b, (unsigned)(10 + 32 + payload));
        put8(b, 0);
        put16(b, 0x0001);
        put16(b, 0x0001);
        put8(b, (unsigned)rng_below(r, 256));
        put16(b, 32);
        putrand(b, r, 32);
        put16(b, (unsigned)payload);
        putrand(b, r, payload);
    }
    patch16(b, exts, b->len - exts - 2);
    patch24(b, hs + 1, b->len - hs - 4);
    patch16(b, rec + 3, b->len - rec - 5);
}

/* A TLS 1.3 ServerHello: everything after it is encrypted, so no certificate
 * can name the server. */
static void tls_server_hello(struct bytes *b, struct rng *r)
{
    size_t rec = b->len;
    put8(b, 0x16);
    put16(b, 0x0303);
    put16(b, 0);
    size_t hs = b->len;
    put8(b, 0x02);
    put24(b, 0);
    put16(b, 0x0303);
    putrand(b, r, 32);
    put8(b, 32);
    putrand(b, r, 32);
    put16(b, 0x1301);
    put8(b, 0);
    size_t exts = b->len;
    put16(b, 0);
    put16(b, 0x002b);
    put16(b, 2);
    put16(b, 0x0304);
    put16(b, 0x0033);
    put16(b, 36);
    put16(b, 0x001d);
    put16(b, 32);
    putrand(b, r, 32);
    patch16(b, exts, b->len - exts - 2);
    patch24(b, hs + 1, b->len - hs - 4);
    patch16(b, rec + 3, b->len - rec - 5);
}

static void tls_change_cipher_spec(struct bytes *b)
{
    static const uint8_t ccs[6] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    putmem(b, ccs, sizeof(ccs));
}

/* n bytes of ciphertext in application_data records of at most 16 KiB + 17. */
static void tls_app_data(struct bytes *b, struct rng *r, size_t n)
{
    while (n) {
        size_t rec = n > 16401 ? 16401 : n;
        put8(b, 0x17);
        put16(b, 0x0303);
        put16(b, (unsigned)rec);
        putrand(b, r, rec);
        n -= rec;
    }
}

/* ------------------------------------------------------------------------ */
/* Generating jobs                                                          */
/* ------------------------------------------------------------------------ */

static void ep_device(const struct gen *g, struct endpoint *e, int d, int family)
{
    const struct device *dv = &g->dev[d];
    memset(e, 0, sizeof(*e));
    memcpy(e->mac, dv->mac, 6);
    if (family == 4)
        memcpy(e->addr, dv->v4, 4);
    else
        memcpy(e->addr, dv->v6, 16);
    e->ttl = 64;
    e->vlan = dv->vlan;
}

/* Something beyond the router, as seen on device d's segment. */
static void ep_remote(const struct gen *g, struct endpoint *e, int d, int family,
                      const uint8_t *addr, uint8_t ttl)
{
    memset(e, 0, sizeof(*e));
    memcpy(e->mac, ROUTER_MAC, 6);
    memcpy(e->addr, addr, family == 4 ? 4 : 16);
    e->ttl = ttl;
    e->vlan = g->dev[d].vlan;
}

/* One of IT's servers: on IT's own segment it answers directly, elsewhere
 * through the router. */
static void ep_it_server(const struct gen *g, struct endpoint *e, int d, int family,
                         const struct it_server *s)
{
    uint8_t addr[16];
    parse_addr(family == 4 ? s->v4 : s->v6, addr, family);
    bool local = g->dev[d].dept == DEPT_IT && g->dev[d].vlan == 0;
    ep_remote(g, e, d, family, addr, local ? 64 : 63);
    if (local)
        memcpy(e->mac, s->mac, 6);
}

static const uint8_t *host_addr(const struct host *h, int family, int k)
{
    return family == 4 ? h->v4[k % h->nv4] : h->v6[k % h->nv6];
}

static void put_name(struct bytes *b, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t n = dot ? (size_t)(dot - name) : strlen(name);
        put8(b, (unsigned)n);
        putmem(b, name, n);
        name += n + (dot ? 1 : 0);
    }
    put8(b, 0);
}

static void put_edns(struct bytes *b)
{
    put8(b, 0);
    put16(b, 41);   /* OPT */
    put16(b, 1232); /* UDP payload size */
    put32(b, 0);
    put16(b, 0);
}

static void gen_dns(struct gen *g, const struct job *j, struct conv *c)
{
    const struct host *h = &g->hosts[j->host];
    int family = j->family;
    unsigned qtype = family == 4 ? 1 : 28;
    struct bytes *b = &g->stream;
    ep_device(g, &c->ep[0], j->device, family);
    ep_it_server(g, &c->ep[1], j->device, family, &RESOLVER);
    c->port[0] = j->cport;
    c->port[1] = 53;
    unsigned id = (unsigned)rng_next(c->rng) & 0xffff;

    b->len = 0;
    put16(b, id);
    put16(b, 0x0120); /* RD, AD */
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, 1);
    put_name(b, h->name);
    put16(b, qtype);
    put16(b, 1);
    put_edns(b);
    udp_send(c, 0, j->start, b->p, b->len);

    int nchain = h->cname[0] ? (h->cname[1] ? 2 : 1) : 0;
    int naddr = family == 4 ? h->nv4 : h->nv6;
    b->len = 0;
    put16(b, id);
    put16(b, 0x8180); /* QR, RD, RA */
    put16(b, 1);
    put16(b, (unsigned)(nchain + naddr));
    put16(b, 0);
    put16(b, 1);
    put_name(b, h->name);
    put16(b, qtype);
    put16(b, 1);
    unsigned owner = 0xc000 | 12; /* the question name */
    for (int k = 0; k < nchain; k++) {
        put16(b, owner);
        put16(b, 5);
        put16(b, 1);
        put32(b, (uint32_t)rng_between(c->rng, 60, 3600));
        size_t rdlen = b->len;
        put16(b, 0);
        owner = 0xc000 | (unsigned)b->len;
        put_name(b, h->cname[k]);
        patch16(b, rdlen, b->len - rdlen - 2);
    }
    for (int k = 0; k < naddr; k++) {
        put16(b, owner);
        put16(b, qtype);
        put16(b, 1);
        put32(b, j->ttl);
        put16(b, family == 4 ? 4 : 16);
        putmem(b, host_addr(h, family, j->addr + k), family == 4 ? 4 : 16);
    }
    put_edns(b);
    udp_send(c, 1, j->start + j->delay, b->p, b->len);
}

/* Application bytes of one flow of a service, each way. */
static void draw_sizes(struct rng *r, const struct profile *p, size_t *up, size_t *down)
{
    if (p->heavy_up && rng_chance(r, p->heavy_up))
        *up = rng_logu(r, p->heavy_up_lo, p->heavy_up_hi);
    else
        *up = rng_logu(r, p->up_lo, p->up_hi);
    if (p->heavy_down && rng_chance(r, p->heavy_down))
        *down = rng_logu(r, p->heavy_down_lo, p->heavy_down_hi);
    else
        *down = rng_logu(r, p->down_lo, p->down_hi);
}

/* Splits total into n parts, each at least min. */
static void split(struct rng *r, size_t total, int n, size_t min, size_t *part)
{
    uint32_t w[8], sum = 0;
    for (int i = 0; i < n; i++)
        sum += w[i] = 1 + rng_below(r, 9);
    size_t left = total;
    for (int i = 0; i < n; i++) {
        size_t p = i == n - 1 ? left : total * w[i] / sum;
        if (p > left)
            p = left;
        left -= p;
        part[i] = p < min ? min : p;
    }
}

/* The job's device to addr:port, beyond the router. */
static void setup_remote_conv(struct gen *g, const struct job *j, struct conv *c,
                              const uint8_t *addr, uint16_t port)
{
    ep_device(g, &c->ep[0], j->device, j->family);
    ep_remote(g, &c->ep[1], j->device, j->family, addr, (uint8_t)rng_between(c->rng, 48, 58));
    c->port[0] = j->cport;
    c->port[1] = port;
}

static void setup_service_conv(struct gen *g, const struct job *j, struct conv *c, uint16_t port)
{
    setup_remote_conv(g, j, c, host_addr(&g->hosts[j->host], j->family, j->addr), port);
}

/* A TLS 1.3 connection on c, set up by the caller, from start: the ClientHello
 * (see tls_client_hello), the server's first flight, then application data of
 * profile p in a few rounds, and the close. */
static void tls_connection(struct gen *g, struct conv *c, uint64_t start, const char *sni, bool ech,
                           const struct profile *p)
{
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    struct tcp t;
    tcp_init(&t, c, (uint32_t)rng_between(r, 6000, 90000));

    uint64_t ts = tcp_open(&t, start) + rng_between(r, 150, 1500);
    b->len = 0;
    tls_client_hello(b, r, sni, !sni && rng_chance(r, 500), ech);
    uint64_t last = tcp_send(&t, 0, b->p, b->len, ts);

    ts = last + tcp_turn(&t, 1) + rng_between(r, 500, 20000);
    b->len = 0;
    tls_server_hello(b, r);
    tls_change_cipher_spec(b);
    tls_app_data(b, r, rng_between(r, 2200, 4800)); /* certificate, verify, finished */
    last = tcp_send(&t, 1, b->p, b->len, ts);
    ts = last + rng_between(r, 300, 3000);

    size_t up, down, ups[4], downs[4];
    draw_sizes(r, p, &up, &down);
    int rounds = 1 + (int)rng_below(r, up + down > 1000000 ? 2 : 4);
    split(r, up, rounds, 60, ups);
    split(r, down, rounds, 60, downs);
    for (int k = 0; k < rounds; k++) {
        b->len = 0;
        if (k == 0) {
            tls_change_cipher_spec(b);
            tls_app_data(b, r, 53); /* client finished */
        }
        tls_app_data(b, r, ups[k]);
        last = tcp_send(&t, 0, b->p, b->len, ts);
        ts = last + tcp_turn(&t, 1) + rng_between(r, 2000, 200000);
        b->len = 0;
        if (k == 0)
            for (int n = 0; n < 2; n++)
                tls_app_data(b, r, rng_between(r, 180, 300)); /* session tickets */
        tls_app_data(b, r, downs[k]);
        last = tcp_send(&t, 1, b->p, b->len, ts);
        ts = last + (k + 1 < rounds ? rng_between(r, 200000, 12 * US_PER_S)
                                    : rng_between(r, 50000, 3 * US_PER_S));
    }
    int closer = rng_chance(r, 700) ? 0 : 1;
    b->len = 0;
    tls_app_data(b, r, 19); /* close_notify */
    last = tcp_send(&t, closer, b->p, b->len, ts);
    tcp_close(&t, closer, last + rng_between(r, 100, 2000));
}

/* The sizes a job's flow draws from: its own profile, or its host's. */
static const struct profile *job_profile(const struct gen *g, const struct job *j)
{
    return &PROFILES[j->profile >= 0 ? j->profile : (int)g->hosts[j->host].profile];
}

static void gen_tls(struct gen *g, const struct job *j, struct conv *c, bool sni)
{
    const struct host *h = &g->hosts[j->host];
    setup_service_conv(g, j, c, 443);
    tls_connection(g, c, j->start, sni ? h->name : NULL, false, job_profile(g, j));
}

/* TLS to an address given as text rather than by a name's answer: to a public
 * resolver, to the ECH provider, to servers no DNS answer names. */
static void gen_addressed_tls(struct gen *g, const struct job *j, struct conv *c, const char *addr,
                              uint16_t port, const char *sni, bool ech, enum profile_id profile)
{
    uint8_t server[16];
    parse_addr(addr, server, j->family);
    setup_remote_conv(g, j, c, server, port);
    tls_connection(g, c, j->start, sni, ech, &PROFILES[profile]);
}

/* A connection the mirror port sees without its handshake (it began before the
 * port was mirrored, or took another path until a route changed): TLS records
 * already flowing, the client's first or, with peer 1, the server's, then a
 * few more exchanges and the close. */
static void gen_midstream(struct gen *g, const struct job *j, struct conv *c)
{
    uint8_t server[4];
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    struct tcp t;
    parse_addr(MIDSTREAM_SERVERS[j->addr], server, 4);
    setup_remote_conv(g, j, c, server, 443);
    tcp_init(&t, c, (uint32_t)rng_between(r, 8000, 80000));
    int first = j->peer == 1;
    int rounds = 2 + (int)rng_below(r, 3);
    uint64_t ts = j->start, last = ts;
    for (int k = 0; k < rounds; k++) {
        for (int n = 0; n < 2; n++) {
            int dir = n ? !first : first;
            b->len = 0;
            tls_app_data(b, r, dir ? rng_logu(r, 300, 40000) : rng_logu(r, 100, 6000));
            if (n)
                ts = last + tcp_turn(&t, dir) + rng_between(r, 500, 20000);
            last = tcp_send(&t, dir, b->p, b->len, ts);
        }
        ts = last + rng_between(r, 100000, 5 * US_PER_S);
    }
    tcp_close(&t, 0, ts);
}

static const char USER_AGENT[] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                                 "(KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

static void http_date(uint64_t ts, char *buf, size_t len)
{
    time_t secs = (time_t)(ts / US_PER_S);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void put_path(struct bytes *b, struct rng *r)
{
    static const char *const dirs[] = {"/", "/api/v2/", "/files/", "/s/", "/home/", "/static/"};
    putstr(b, dirs[rng_below(r, sizeof(dirs) / sizeof(dirs[0]))]);
    static const char hex[] = "0123456789abcdef";
    size_t n = rng_between(r, 6, 20);
    uint8_t *p = bytes_grow(b, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)hex[rng_below(r, 16)];
}

/* One HTTP/1.1 exchange on an open connection; returns the time after it. */
static uint64_t http_exchange(struct gen *g, struct tcp *t, const char *host, bool post,
                              size_t up, size_t down, bool html, uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->stream;
    char line[256];
    b->len = 0;
    putstr(b, post ? "POST " : "GET ");
    put_path(b, r);
    putstr(b, " HTTP/1.1\r\nHost: ");
    putstr(b, host);
    putstr(b, "\r\nUser-Agent: ");
    putstr(b, USER_AGENT);
    putstr(b, "\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n");
    if (post) {
        snprintf(line, sizeof(line),
                 "Content-Type: application/octet-stream\r\nContent-Length: %zu\r\n\r\n", up);
        putstr(b, line);
        putrand(b, r, up);
    } else {
        putstr(b, "\r\n");
    }
    uint64_t last = tcp_send(t, 0, b->p, b->len, ts);

    ts = last + tcp_turn(t, 1) + rng_between(r, 2000, 150000);
    char date[64];
    http_date(ts, date, sizeof(date));
    b->len = 0;
    snprintf(line, sizeof(line),
             "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: %s\r\nContent-Type: %s\r\n"
             "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n",
             date, html ? "text/html; charset=utf-8" : "application/octet-stream", down);
    putstr(b, line);
    if (html)
        puttext(b, r, down);
    else
        putrand(b, r, down);
    return tcp_send(t, 1, b->p, b->len, ts);
}

static void gen_http(struct gen *g, const struct job *j, struct conv *c)
{
    const struct host *h = &g->hosts[j->host];
    struct rng *r = c->rng;
    struct tcp t;
    setup_service_conv(g, j, c, 80);
    tcp_init(&t, c, (uint32_t)rng_between(r, 6000, 90000));
    uint64_t ts = tcp_open(&t, j->start) + rng_between(r, 150, 1500);

    size_t up, down;
    draw_sizes(r, job_profile(g, j), &up, &down);
    bool post = rng_chance(r, 400);
    uint64_t last = http_exchange(g, &t, h->name, post, up, post ? rng_between(r, 60, 600) : down,
                                  false, ts);
    if (rng_chance(r, 300)) {
        ts = last + rng_between(r, 100000, 8 * US_PER_S);
        last = http_exchange(g, &t, h->name, false, 0, rng_logu(r, 500, 40000), true, ts);
    }
    tcp_close(&t, rng_chance(r, 600) ? 0 : 1, last + rng_between(r, 50000, 5 * US_PER_S));
}

/* ------------------------------------------------------------------------ */
/* Internal HTTP servers: model APIs, and one that only looks like one      */
/* ------------------------------------------------------------------------ */

/* Appends formatted text. */
static void putf(struct bytes *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    char *p = (char *)bytes_grow(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len--; /* the NUL */
}

/* Words of an answer: text that is valid inside a JSON string. */
static void put_words(struct bytes *b, struct rng *r, size_t n)
{
    static const char *const words[] = {
        "the",     "function", "returns", "a",        "value",   "for",     "each",
        "row",     "of",       "table",   "and",      "then",    "we",      "can",
        "use",     "it",       "to",      "check",    "report",  "quarter", "customer",
        "revenue", "this",     "is",      "because",  "model",   "test",    "should",
        "first",   "second",   "query",   "index",    "summary", "points",  "meeting",
        "team",    "next",     "steps",   "deadline", "review",  "draft",   "code",
    };
    for (size_t k = 0; k < n; k++) {
        if (k)
            putstr(b, k % 13 == 12 ? ". " : " ");
        putstr(b, words[rng_below(r, sizeof(words) / sizeof(words[0]))]);
    }
}

static void put_hex(struct bytes *b, struct rng *r, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t *p = bytes_grow(b, n);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)hex[rng_below(r, 16)];
}

/* A time as Go and Python print it in JSON: 2026-11-02T10:15:01.123456Z. */
static void put_iso_time(struct bytes *b, uint64_t ts)
{
    time_t secs = (time_t)(ts / US_PER_S);
    struct tm tm;
    char text[32];
    gmtime_r(&secs, &tm);
    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
    putf(b, "%s.%06uZ", text, (unsigned)(ts % US_PER_S));
}

/* Sends head (a request or status line and headers, each ending in CRLF) with
 * the length of g->body in length_field, the blank line, and g->body. */
static uint64_t http_message(struct gen *g, struct tcp *t, int dir, const char *head,
                             const char *length_field, uint64_t ts)
{
    struct bytes *b = &g->stream;
    b->len = 0;
    putstr(b, head);
    putf(b, "%s: %zu\r\n\r\n", length_field, g->body.len);
    putmem(b, g->body.p, g->body.len);
    return tcp_send(t, dir, b->p, b->len, ts);
}

static const char *const PROMPTS[] = {
    "Summarise the following meeting notes in five bullet points:",
    "Explain what this Python function does and suggest a better name:",
    "Write a unit test in C for the function below:",
    "Translate this paragraph into German:",
    "Draft a polite reply to this customer email:",
    "Find the bug in this SQL query:",
    "Rewrite this paragraph for a reader who is not technical:",
};
#define NPROMPTS (sizeof(PROMPTS) / sizeof(PROMPTS[0]))

static const char *const OLLAMA_CLIENTS[] = {
    "ollama-python/0.4.7 (x86_64 linux) Python/3.12.3",
    "ollama-js/0.5.11 (x64 darwin Node.js/v20.18.0)",
    "curl/8.5.0",
};

/* The models on the desk's Ollama: name, family, parameters, size on disk. */
static const struct {
    const char *name, *family, *parameters;
    uint64_t size;
} OLLAMA_MODELS[] = {
    {"llama3.1:8b", "llama", "8.0B", 4920753328ULL},
    {"qwen2.5-coder:7b", "qwen2", "7.6B", 4683087332ULL},
    {"mistral:7b-instruct", "llama", "7.2B", 4113301824ULL},
    {"nomic-embed-text:latest", "nomic-bert", "137M", 274302450ULL},
};

/* A prompt and, mostly, pasted context: text up to a few pages. */
static void put_prompt(struct bytes *b, struct rng *r)
{
    putstr(b, PROMPTS[rng_below(r, NPROMPTS)]);
    if (rng_chance(r, 800)) {
        putstr(b, "\\n\\n");
        puttext(b, r, rng_logu(r, 200, 24000));
    }
}

/* What Ollama reports of a generation, durations in nanoseconds. */
struct ollama_timings {
    uint64_t total, load, prompt, eval;
    unsigned prompt_tokens, tokens;
};

static struct ollama_timings ollama_timings(struct rng *r, unsigned prompt_tokens,
                                            unsigned tokens)
{
    struct ollama_timings tm = {0, 0, 0, 0, prompt_tokens, tokens};
    tm.load = rng_between(r, 2000000, 30000000);
    tm.prompt = (uint64_t)prompt_tokens * rng_between(r, 300000, 900000);
    tm.eval = (uint64_t)tokens * rng_between(r, 18000000, 40000000);
    tm.total = tm.load + tm.prompt + tm.eval + rng_between(r, 100000, 900000);
    return tm;
}

static void put_ollama_timings(struct bytes *b, const struct ollama_timings *tm)
{
    putf(b,
         "\"total_duration\":%" PRIu64 ",\"load_duration\":%" PRIu64
         ",\"prompt_eval_count\":%u,\"prompt_eval_duration\":%" PRIu64
         ",\"eval_count\":%u,\"eval_duration\":%" PRIu64,
         tm->total, tm->load, tm->prompt_tokens, tm->prompt, tm->tokens, tm->eval);
}

/* A model's digest: the same in every answer. */
static void put_digest(struct bytes *b, size_t model)
{
    uint64_t x = 0x011a3a0000ULL + model;
    for (int k = 0; k < 4; k++)
        putf(b, "%016" PRIx64, splitmix64(&x));
}

/* GET /api/tags: the models the server has. */
static uint64_t ollama_tags(struct gen *g, struct tcp *t, const char *host, const char *agent,
                            uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512], date[64];
    b->len = 0;
    snprintf(head, sizeof(head),
             "GET /api/tags HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: application/json\r\n"
             "\r\n",
             host, agent);
    uint64_t last = tcp_send(t, 0, (const uint8_t *)head, strlen(head), ts);
    ts = last + tcp_turn(t, 1) + rng_between(r, 300, 3000);
    putstr(b, "{\"models\":[");
    for (size_t k = 0; k < sizeof(OLLAMA_MODELS) / sizeof(OLLAMA_MODELS[0]); k++) {
        putf(b, "%s{\"name\":\"%s\",\"model\":\"%s\",\"modified_at\":\"2026-10-%02zuT1%zu:0%zu:"
                "11.482913+01:00\",\"size\":%" PRIu64 ",\"digest\":\"",
             k ? "," : "", OLLAMA_MODELS[k].name, OLLAMA_MODELS[k].name, 12 + k, k, k,
             OLLAMA_MODELS[k].size);
        put_digest(b, k);
        putf(b, "\",\"details\":{\"parent_model\":\"\",\"format\":\"gguf\",\"family\":\"%s\","
                "\"families\":[\"%s\"],\"parameter_size\":\"%s\",\"quantization_level\":"
                "\"Q4_K_M\"}}",
             OLLAMA_MODELS[k].family, OLLAMA_MODELS[k].family, OLLAMA_MODELS[k].parameters);
    }
    putstr(b, "]}");
    http_date(ts, date, sizeof(date));
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: %s\r\n",
             date);
    return http_message(g, t, 1, head, "Content-Length", ts);
}

/* POST /api/generate, not streamed: the answer comes whole once generated. */
static uint64_t ollama_generate(struct gen *g, struct tcp *t, const char *host,
                                const char *agent, uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512], date[64];
    const char *model = OLLAMA_MODELS[rng_below(r, 3) == 1 ? 2 : 0].name;
    b->len = 0;
    putf(b, "{\"model\":\"%s\",\"prompt\":\"", model);
    put_prompt(b, r);
    putstr(b, "\",\"stream\":false,\"options\":{\"temperature\":0.2,\"num_ctx\":8192}}");
    unsigned prompt_tokens = (unsigned)(b->len / 4);
    snprintf(head, sizeof(head),
             "POST /api/generate HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
             "Content-Type: application/json\r\nAccept: application/json\r\n",
             host, agent);
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);

    /* Not streamed: the answer leaves once generated. */
    struct ollama_timings tm = ollama_timings(r, prompt_tokens, (unsigned)rng_logu(r, 40, 900));
    uint64_t answer = last + tcp_turn(t, 1) + tm.total / 1000;
    b->len = 0;
    putf(b, "{\"model\":\"%s\",\"created_at\":\"", model);
    put_iso_time(b, answer);
    putstr(b, "\",\"response\":\"");
    put_words(b, r, tm.tokens * 3 / 4);
    putstr(b, "\",\"done\":true,\"done_reason\":\"stop\",");
    put_ollama_timings(b, &tm);
    putstr(b, "}");
    http_date(answer, date, sizeof(date));
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: %s\r\n",
             date);
    return http_message(g, t, 1, head, "Content-Length", answer);
}

/* One chunk of a chunked body. */
static void put_chunk(struct bytes *b, const struct bytes *data)
{
    putf(b, "%zx\r\n", data->len);
    putmem(b, data->p, data->len);
    putstr(b, "\r\n");
}

/* POST /api/chat, streamed as Ollama streams by default: one JSON object per
 * line per token, in HTTP chunks, a few tokens per segment as they come. */
static uint64_t ollama_chat(struct gen *g, struct tcp *t, const char *host, const char *agent,
                            uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body, line = {0};
    char head[512], date[64];
    const char *model = OLLAMA_MODELS[rng_chance(r, 600) ? 1 : 0].name;
    b->len = 0;
    putf(b, "{\"model\":\"%s\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a "
            "helpful coding assistant.\"},{\"role\":\"user\",\"content\":\"",
         model);
    put_prompt(b, r);
    putstr(b, "\"}],\"stream\":true}");
    unsigned prompt_tokens = (unsigned)(b->len / 4);
    snprintf(head, sizeof(head),
             "POST /api/chat HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
             "Content-Type: application/json\r\nAccept: application/x-ndjson\r\n",
             host, agent);
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);

    ts = last + tcp_turn(t, 1) + (uint64_t)prompt_tokens * rng_between(r, 300, 900) / 1000;
    http_date(ts, date, sizeof(date));
    b->len = 0; /* the stream, in g->body: the head first */
    putf(b, "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nDate: %s\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
         date);
    unsigned tokens = (unsigned)rng_logu(r, 20, 250);
    for (unsigned k = 0; k < tokens; k++) {
        line.len = 0;
        putf(&line, "{\"model\":\"%s\",\"created_at\":\"", model);
        put_iso_time(&line, ts);
        putstr(&line, "\",\"message\":{\"role\":\"assistant\",\"content\":\"");
        put_words(&line, r, 1);
        putstr(&line, " \"},\"done\":false}\n");
        put_chunk(b, &line);
        if (k % 4 == 3 || k + 1 == tokens) {
            last = tcp_send(t, 1, b->p, b->len, ts);
            b->len = 0;
        }
        ts += rng_between(r, 18000, 40000);
    }
    line.len = 0;
    putf(&line, "{\"model\":\"%s\",\"created_at\":\"", model);
    put_iso_time(&line, ts);
    putstr(&line, "\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":"
                  "\"stop\",\"done\":true,");
    struct ollama_timings tm = ollama_timings(r, prompt_tokens, tokens);
    put_ollama_timings(&line, &tm);
    putstr(&line, "}\n");
    put_chunk(b, &line);
    putstr(b, "0\r\n\r\n");
    free(line.p);
    return tcp_send(t, 1, b->p, b->len, ts);
}

static const char *const OPENAI_CLIENTS[] = {
    "OpenAI/Python 1.54.4",
    "OpenAI/JS 4.73.0",
    "python-requests/2.32.3",
};
#define LLM_CHAT_MODEL  "meta-llama/Llama-3.1-8B-Instruct"
#define LLM_EMBED_MODEL "BAAI/bge-m3"
#define LLM_EMBED_DIM   1024

/* What the OpenAI clients send beside the body. */
static void openai_request_head(char *head, size_t n, const char *method, const char *path,
                                const char *host, const char *agent)
{
    snprintf(head, n,
             "%s %s HTTP/1.1\r\nHost: %s\r\nAccept-Encoding: gzip, deflate\r\n"
             "Connection: keep-alive\r\nAccept: application/json\r\n%sUser-Agent: %s\r\n"
             "Authorization: Bearer sk-acme-internal-7f3a9c\r\n",
             method, path, host, method[0] == 'P' ? "Content-Type: application/json\r\n" : "",
             agent);
}

/* uvicorn's response head, in its lower case. */
static uint64_t openai_response(struct gen *g, struct tcp *t, uint64_t ts)
{
    char head[256], date[64];
    http_date(ts, date, sizeof(date));
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\ndate: %s\r\nserver: uvicorn\r\ncontent-type: application/json\r\n",
             date);
    return http_message(g, t, 1, head, "content-length", ts);
}

static uint64_t openai_models(struct gen *g, struct tcp *t, const char *host, const char *agent,
                              uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512];
    openai_request_head(head, sizeof(head), "GET", "/v1/models", host, agent);
    g->body.len = 0;
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);
    ts = last + tcp_turn(t, 1) + rng_between(r, 500, 4000);
    const char *models[2] = {LLM_CHAT_MODEL, LLM_EMBED_MODEL};
    putstr(b, "{\"object\":\"list\",\"data\":[");
    for (int k = 0; k < 2; k++) {
        putf(b, "%s{\"id\":\"%s\",\"object\":\"model\",\"created\":%" PRIu64
                ",\"owned_by\":\"vllm\",\"root\":\"%s\",\"parent\":null,\"max_model_len\":%d,"
                "\"permission\":[{\"id\":\"modelperm-",
             k ? "," : "", models[k], (uint64_t)(ts / US_PER_S), models[k], k ? 8192 : 32768);
        put_hex(b, r, 32);
        putf(b, "\",\"object\":\"model_permission\",\"created\":%" PRIu64
                ",\"allow_create_engine\":false,\"allow_sampling\":true,\"allow_logprobs\":true,"
                "\"allow_search_indices\":false,\"allow_view\":true,\"allow_fine_tuning\":false,"
                "\"organization\":\"*\",\"group\":null,\"is_blocking\":false}]}",
             (uint64_t)(ts / US_PER_S));
    }
    putstr(b, "]}");
    return openai_response(g, t, ts);
}

static uint64_t openai_chat(struct gen *g, struct tcp *t, const char *host, const char *agent,
                            uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512];
    b->len = 0;
    putstr(b, "{\"messages\":[{\"role\":\"system\",\"content\":\"You are the internal assistant "
              "of Contoso.\"},{\"role\":\"user\",\"content\":\"");
    put_prompt(b, r);
    putf(b, "\"}],\"model\":\"%s\",\"max_tokens\":1024,\"temperature\":0.2}", LLM_CHAT_MODEL);
    unsigned prompt_tokens = (unsigned)(b->len / 4);
    openai_request_head(head, sizeof(head), "POST", "/v1/chat/completions", host, agent);
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);

    unsigned tokens = (unsigned)rng_logu(r, 30, 1000);
    ts = last + tcp_turn(t, 1) + (uint64_t)tokens * rng_between(r, 8000, 20000);
    b->len = 0;
    putstr(b, "{\"id\":\"chatcmpl-");
    put_hex(b, r, 32);
    putf(b, "\",\"object\":\"chat.completion\",\"created\":%" PRIu64 ",\"model\":\"%s\","
            "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"",
         (uint64_t)(ts / US_PER_S), LLM_CHAT_MODEL);
    put_words(b, r, tokens * 3 / 4);
    putf(b, "\",\"tool_calls\":[]},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":"
            "null}],\"usage\":{\"prompt_tokens\":%u,\"total_tokens\":%u,\"completion_tokens\":"
            "%u},\"prompt_logprobs\":null}",
         prompt_tokens, prompt_tokens + tokens, tokens);
    return openai_response(g, t, ts);
}

/* POST /v1/completions, the older text API that code-completion plugins still
 * call: a prefix of code or text in, its continuation out. */
static uint64_t openai_completions(struct gen *g, struct tcp *t, const char *host,
                                   const char *agent, uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512];
    b->len = 0;
    putf(b, "{\"model\":\"%s\",\"prompt\":\"", LLM_CHAT_MODEL);
    puttext(b, r, rng_logu(r, 300, 12000));
    putstr(b, "\",\"max_tokens\":256,\"temperature\":0.1,\"stop\":[\"\\n\\n\"]}");
    unsigned prompt_tokens = (unsigned)(b->len / 4);
    openai_request_head(head, sizeof(head), "POST", "/v1/completions", host, agent);
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);

    unsigned tokens = (unsigned)rng_logu(r, 8, 256);
    ts = last + tcp_turn(t, 1) + (uint64_t)tokens * rng_between(r, 8000, 20000);
    b->len = 0;
    putstr(b, "{\"id\":\"cmpl-");
    put_hex(b, r, 32);
    putf(b, "\",\"object\":\"text_completion\",\"created\":%" PRIu64 ",\"model\":\"%s\","
            "\"choices\":[{\"index\":0,\"text\":\"",
         (uint64_t)(ts / US_PER_S), LLM_CHAT_MODEL);
    put_words(b, r, tokens * 3 / 4);
    putf(b, "\",\"logprobs\":null,\"finish_reason\":\"%s\",\"stop_reason\":null}],"
            "\"usage\":{\"prompt_tokens\":%u,\"total_tokens\":%u,\"completion_tokens\":%u}}",
         tokens == 256 ? "length" : "stop", prompt_tokens, prompt_tokens + tokens, tokens);
    return openai_response(g, t, ts);
}

/* POST /v1/embeddings: a few chunks of a document in, a vector each out. */
static uint64_t openai_embeddings(struct gen *g, struct tcp *t, const char *host,
                                  const char *agent, uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512];
    int inputs = 1 + (int)rng_below(r, 8);
    b->len = 0;
    putstr(b, "{\"input\":[");
    for (int k = 0; k < inputs; k++) {
        putstr(b, k ? ",\"" : "\"");
        puttext(b, r, rng_between(r, 400, 2000));
        putstr(b, "\"");
    }
    putf(b, "],\"model\":\"%s\",\"encoding_format\":\"float\"}", LLM_EMBED_MODEL);
    unsigned prompt_tokens = (unsigned)(b->len / 4);
    openai_request_head(head, sizeof(head), "POST", "/v1/embeddings", host, agent);
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);

    ts = last + tcp_turn(t, 1) + (uint64_t)inputs * rng_between(r, 5000, 30000);
    b->len = 0;
    putstr(b, "{\"id\":\"embd-");
    put_hex(b, r, 32);
    putf(b, "\",\"object\":\"list\",\"created\":%" PRIu64 ",\"model\":\"%s\",\"data\":[",
         (uint64_t)(ts / US_PER_S), LLM_EMBED_MODEL);
    for (int k = 0; k < inputs; k++) {
        putf(b, "%s{\"index\":%d,\"object\":\"embedding\",\"embedding\":[", k ? "," : "", k);
        for (int i = 0; i < LLM_EMBED_DIM; i++) {
            uint32_t v = rng_below(r, 200000);
            putf(b, "%s%s0.%06u", i ? "," : "", v >= 100000 ? "-" : "", v % 100000);
        }
        putstr(b, "]}");
    }
    putf(b, "],\"usage\":{\"prompt_tokens\":%u,\"total_tokens\":%u,\"completion_tokens\":0}}",
         prompt_tokens, prompt_tokens);
    return openai_response(g, t, ts);
}

/* The reporting service's web page, GET /index.html: what a browser asks
 * for first. */
static uint64_t reports_index(struct gen *g, struct tcp *t, const char *host, uint64_t ts)
{
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[512], date[64];
    snprintf(head, sizeof(head),
             "GET /index.html HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
             "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
             "Accept-Language: en-GB,en;q=0.5\r\nConnection: keep-alive\r\n\r\n",
             host, USER_AGENT);
    uint64_t last = tcp_send(t, 0, (const uint8_t *)head, strlen(head), ts);
    ts = last + tcp_turn(t, 1) + rng_between(r, 1000, 20000);
    b->len = 0;
    putstr(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<title>Contoso reporting</title>"
              "<link rel=\"stylesheet\" href=\"/static/app.css\"></head>\n"
              "<body><h1>Reports</h1><form method=\"post\" action=\"/api/generate-report\">"
              "<select name=\"template\"><option>monthly-close</option><option>ar-aging</option>"
              "<option>headcount</option><option>pipeline</option></select></form>\n<p>");
    put_words(b, r, rng_between(r, 200, 900));
    putstr(b, "</p>\n<script src=\"/static/app.js\"></script></body></html>\n");
    http_date(ts, date, sizeof(date));
    snprintf(head, sizeof(head),
             "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: %s\r\n"
             "Content-Type: text/html; charset=utf-8\r\n",
             date);
    return http_message(g, t, 1, head, "Content-Length", ts);
}

/* The reporting service: POST /api/generate-report queues a report, GET
 * /api/reports/ID downloads one.  Its paths share their beginnings with
 * Ollama's (/api/generate) but it is no model server. */
static uint64_t reports_exchange(struct gen *g, struct tcp *t, const char *host, bool generate,
                                 uint32_t id, uint64_t ts)
{
    static const char *const templates[] = {"monthly-close", "ar-aging", "headcount", "pipeline"};
    struct rng *r = t->c->rng;
    struct bytes *b = &g->body;
    char head[640], date[64];
    const char *name = templates[id % 4];
    b->len = 0;
    if (generate) {
        putf(b, "{\"template\":\"%s\",\"period\":\"2026-10\",\"entities\":[\"contoso-uk\","
                "\"contoso-de\"],\"format\":\"pdf\"}",
             name);
        snprintf(head, sizeof(head),
                 "POST /api/generate-report HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                 "Accept: application/json\r\nContent-Type: application/json\r\n"
                 "Origin: http://%s\r\n",
                 host, USER_AGENT, host);
    } else {
        snprintf(head, sizeof(head),
                 "GET /api/reports/rpt-%08x HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                 "Accept: application/pdf,*/*\r\n",
                 id, host, USER_AGENT);
    }
    uint64_t last = http_message(g, t, 0, head, "Content-Length", ts);
    ts = last + tcp_turn(t, 1) + rng_between(r, 2000, 400000);
    http_date(ts, date, sizeof(date));
    b->len = 0;
    if (generate) {
        putf(b, "{\"report_id\":\"rpt-%08x\",\"status\":\"queued\",\"href\":\"/api/reports/"
                "rpt-%08x\"}",
             id, id);
        snprintf(head, sizeof(head),
                 "HTTP/1.1 202 ACCEPTED\r\nServer: gunicorn\r\nDate: %s\r\n"
                 "Content-Type: application/json\r\n",
                 date);
    } else {
        putstr(b, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n");
        putrand(b, r, rng_logu(r, 20000, 300000));
        putstr(b, "\n%%EOF\n");
        snprintf(head, sizeof(head),
                 "HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: %s\r\n"
                 "Content-Type: application/pdf\r\n"
                 "Content-Disposition: attachment; filename=\"%s-2026-10.pdf\"\r\n",
                 date, name);
    }
    return http_message(g, t, 1, head, "Content-Length", ts);
}

/* The server's side of a flow to an internal server: the server itself on the
 * client's segment, or the router forwarding for it. */
static void ep_internal_server(const struct gen *g, struct endpoint *e, int d,
                               const struct internal_http_def *def)
{
    if (def->it) {
        ep_it_server(g, e, d, 4, def->it);
        return;
    }
    int server = member_device(def->desk);
    const struct device *sv = &g->dev[server], *cl = &g->dev[d];
    if (sv->dept == cl->dept && sv->vlan == cl->vlan)
        ep_device(g, e, server, 4);
    else
        ep_remote(g, e, d, 4, sv->v4, 63);
}

/* A keep-alive connection to an internal HTTP server with one to three
 * requests; what it asked for is counted in the truth.  Each server's first
 * request line is one of its own: a model API's for the model servers,
 * mostly GET /index.html for the reporting service. */
static void gen_internal_http(struct gen *g, const struct job *j, struct conv *c)
{
    const struct internal_http_def *def = &INTERNAL_HTTP[j->addr];
    struct rng *r = c->rng;
    struct tcp t;
    char host[96];
    ep_device(g, &c->ep[0], j->device, 4);
    ep_internal_server(g, &c->ep[1], j->device, def);
    c->port[0] = j->cport;
    c->port[1] = def->port;
    if (def->name)
        snprintf(host, sizeof(host), "%s:%u", def->name, def->port);
    else
        snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", c->ep[1].addr[0], c->ep[1].addr[1],
                 c->ep[1].addr[2], c->ep[1].addr[3], def->port);
    tcp_init(&t, c, (uint32_t)rng_between(r, 150, 900));
    uint64_t ts = tcp_open(&t, j->start) + rng_between(r, 100, 800);
    int requests = 1 + (int)rng_below(r, 3);
    const char *ollama_agent = OLLAMA_CLIENTS[rng_below(r, 3)];
    const char *openai_agent = OPENAI_CLIENTS[rng_below(r, 3)];
    uint32_t report = 0;
    int kind = -1;
    for (int k = 0; k < requests; k++) {
        int previous = kind;
        uint64_t last;
        switch (def->api) {
        case SERVER_API_OLLAMA:
            kind = k == 0 && rng_chance(r, 350) ? 0 : rng_chance(r, 500) ? 1 : 2;
            last = kind == 0   ? ollama_tags(g, &t, host, ollama_agent, ts)
                   : kind == 1 ? ollama_generate(g, &t, host, ollama_agent, ts)
                               : ollama_chat(g, &t, host, ollama_agent, ts);
            break;
        case SERVER_API_OPENAI:
            kind = k == 0 && rng_chance(r, 200) ? 0
                   : rng_chance(r, 550)         ? 1
                   : rng_chance(r, 400)         ? 2
                                                : 3;
            last = kind == 0   ? openai_models(g, &t, host, openai_agent, ts)
                   : kind == 1 ? openai_chat(g, &t, host, openai_agent, ts)
                   : kind == 2 ? openai_completions(g, &t, host, openai_agent, ts)
                               : openai_embeddings(g, &t, host, openai_agent, ts);
            break;
        default: /* the page first, mostly; a report is queued, then fetched, or
                  * earlier ones are fetched */
            kind = k == 0 && rng_chance(r, 600) ? 0 : rng_chance(r, 550) ? 1 : 2;
            if (kind == 0) {
                last = reports_index(g, &t, host, ts);
                break;
            }
            if (kind == 1 || previous != 1)
                report = (uint32_t)rng_next(r);
            last = reports_exchange(g, &t, host, kind == 1, report, ts);
            break;
        }
        g->truth.requests[j->addr][kind]++;
        ts = last + rng_between(r, 300000, 20 * US_PER_S);
    }
    tcp_close(&t, 0, ts);
}

static void put_le16(struct bytes *b, unsigned v)
{
    put8(b, v & 0xff);
    put8(b, (v >> 8) & 0xff);
}

static void put_le32(struct bytes *b, uint32_t v)
{
    put_le16(b, v & 0xffff);
    put_le16(b, v >> 16);
}

static void put_le64(struct bytes *b, uint64_t v)
{
    put_le32(b, (uint32_t)v);
    put_le32(b, (uint32_t)(v >> 32));
}

/* What one SMB2 session on the file server has open. */
struct smb2_session {
    uint64_t session_id, message_id;
    uint32_t tree_id;
    uint8_t file_id[16];
};

/* An SMB2 READ or WRITE, request or response, of n data bytes over TCP 445:
 * NetBIOS session header, the 64-byte SMB2 header, the command's body
 * ([MS-SMB2] 2.2.19-2.2.22).  SMB2 is little-endian. */
static void put_smb2(struct bytes *b, struct rng *r, const struct smb2_session *s, bool write,
                     bool response, size_t n, uint64_t offset)
{
    size_t body = write ? (response ? 16 : 48 + n) : (response ? 16 + n : 49);
    static const uint8_t magic[4] = {0xfe, 'S', 'M', 'B'};
    put8(b, 0);
    put24(b, (uint32_t)(64 + body));
    putmem(b, magic, 4);
    put_le16(b, 64);                /* structure size */
    put_le16(b, 1);                 /* credit charge */
    put_le32(b, 0);                 /* status: success */
    put_le16(b, write ? 9 : 8);     /* WRITE or READ */
    put_le16(b, 1);                 /* credits */
    put_le32(b, response ? 1 : 0);  /* flags: server to redirector */
    put_le32(b, 0);                 /* next command */
    put_le64(b, s->message_id);
    put_le32(b, 0xfeff);            /* process id */
    put_le32(b, s->tree_id);
    put_le64(b, s->session_id);
    putmem(b, (const uint8_t[16]){0}, 16); /* unsigned */
    if (!write && !response) {
        put_le16(b, 49);
        put8(b, 0x50);
        put8(b, 0);
        put_le32(b, (uint32_t)n);
        put_le64(b, offset);
        putmem(b, s->file_id, 16);
        put_le32(b, 0);
        put_le32(b, 0);
        put_le32(b, 0);
        put_le16(b, 0);
        put_le16(b, 0);
        put8(b, 0);
    } else if (!write) {
        put_le16(b, 17);
        put8(b, 0x50);              /* data offset from the SMB2 header */
        put8(b, 0);
        put_le32(b, (uint32_t)n);
        put_le32(b, 0);
        put_le32(b, 0);
        putrand(b, r, n);
    } else if (!response) {
        put_le16(b, 49);
        put_le16(b, 0x70);          /* data offset from the SMB2 header */
        put_le32(b, (uint32_t)n);
        put_le64(b, offset);
        putmem(b, s->file_id, 16);
        put_le32(b, 0);
        put_le32(b, 0);
        put_le16(b, 0);
        put_le16(b, 0);
        put_le32(b, 0);
        putrand(b, r, n);
    } else {
        put_le16(b, 17);
        put_le16(b, 0);
        put_le32(b, (uint32_t)n);
        put_le32(b, 0);
        put_le16(b, 0);
        put_le16(b, 0);
    }
}

static void gen_smb(struct gen *g, const struct job *j, struct conv *c)
{
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    struct tcp t;
    struct smb2_session s;
    ep_device(g, &c->ep[0], j->device, j->family);
    ep_it_server(g, &c->ep[1], j->device, j->family, &FILE_SERVER);
    c->port[0] = j->cport;
    c->port[1] = 445;
    s.session_id = rng_next(r);
    s.message_id = rng_between(r, 4, 40);
    s.tree_id = (uint32_t)rng_between(r, 1, 16);
    rng_fill(r, s.file_id, sizeof(s.file_id));
    tcp_init(&t, c, (uint32_t)rng_between(r, 150, 900));
    uint64_t ts = tcp_open(&t, j->start) + rng_between(r, 100, 800);
    int rounds = 2 + (int)rng_below(r, 5);
    uint64_t offset = 0;
    for (int k = 0; k < rounds; k++) {
        bool write = rng_chance(r, 300);
        size_t n = rng_chance(r, 8) ? rng_logu(r, 200000, 1500000) : rng_logu(r, 200, 12000);
        b->len = 0;
        put_smb2(b, r, &s, write, false, n, offset);
        uint64_t last = tcp_send(&t, 0, b->p, b->len, ts);
        b->len = 0;
        put_smb2(b, r, &s, write, true, n, offset);
        last = tcp_send(&t, 1, b->p, b->len, last + tcp_turn(&t, 1) + rng_between(r, 100, 5000));
        ts = last + rng_between(r, 1000, 4 * US_PER_S);
        offset += n;
        s.message_id++;
    }
    tcp_close(&t, 0, ts);
}

static void gen_intranet(struct gen *g, const struct job *j, struct conv *c)
{
    struct rng *r = c->rng;
    struct tcp t;
    ep_device(g, &c->ep[0], j->device, j->family);
    ep_it_server(g, &c->ep[1], j->device, j->family, &INTRANET);
    c->port[0] = j->cport;
    c->port[1] = 80;
    tcp_init(&t, c, (uint32_t)rng_between(r, 150, 900));
    uint64_t ts = tcp_open(&t, j->start) + rng_between(r, 100, 800);
    int pages = 1 + (int)rng_below(r, 3);
    for (int k = 0; k < pages; k++) {
        uint64_t last = http_exchange(g, &t, INTRANET_NAME, false, 0, rng_logu(r, 1500, 40000),
                                      true, ts);
        ts = last + rng_between(r, 200000, 10 * US_PER_S);
    }
    tcp_close(&t, 0, ts);
}

static void gen_ssh(struct gen *g, const struct job *j, struct conv *c)
{
    static const char banner[] = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    struct tcp t;
    int family = j->family;
    if (family == 6 && !(g->dev[j->device].has_v6 && g->dev[j->peer].has_v6))
        family = 4;
    c->family = family;
    ep_device(g, &c->ep[0], j->device, family);
    ep_device(g, &c->ep[1], j->peer, family);
    if (g->dev[j->device].dept != g->dev[j->peer].dept) {
        c->routed = true;
        c->ep[1].ttl = 63;
    }
    c->port[0] = j->cport;
    c->port[1] = 22;
    tcp_init(&t, c, (uint32_t)rng_between(r, 150, 900));
    uint64_t ts = tcp_open(&t, j->start);
    uint64_t last = tcp_send(&t, 1, (const uint8_t *)banner, sizeof(banner) - 1,
                             ts + rng_between(r, 2000, 9000));
    last = tcp_send(&t, 0, (const uint8_t *)banner, sizeof(banner) - 1, last + 300);
    b->len = 0;
    putrand(b, r, rng_between(r, 1200, 1600)); /* key exchange */
    last = tcp_send(&t, 0, b->p, b->len, last + 200);
    b->len = 0;
    putrand(b, r, rng_between(r, 900, 1300));
    ts = tcp_send(&t, 1, b->p, b->len, last + tcp_turn(&t, 1));
    int rounds = 5 + (int)rng_below(r, 40);
    for (int k = 0; k < rounds && ts - j->start < 150 * US_PER_S; k++) {
        ts += rng_between(r, 200000, 5 * US_PER_S);
        b->len = 0;
        putrand(b, r, 36 + 16 * rng_below(r, 4));
        last = tcp_send(&t, 0, b->p, b->len, ts);
        b->len = 0;
        putrand(b, r, rng_chance(r, 150) ? rng_logu(r, 1000, 60000) : 36 + 16 * rng_below(r, 20));
        ts = tcp_send(&t, 1, b->p, b->len, last + tcp_turn(&t, 1) + rng_between(r, 100, 3000));
    }
    tcp_close(&t, 0, ts + rng_between(r, 100000, 3 * US_PER_S));
}

static void gen_icmp(struct gen *g, const struct job *j, struct conv *c)
{
    uint8_t target[4], msg[64];
    struct rng *r = c->rng;
    parse_addr(PING_TARGET, target, 4);
    ep_device(g, &c->ep[0], j->device, 4);
    ep_remote(g, &c->ep[1], j->device, 4, target, 54);
    unsigned id = (unsigned)rng_next(r) & 0xffff;
    int count = 3 + (int)rng_below(r, 3);
    uint64_t ts = j->start;
    for (int k = 0; k < count; k++) {
        memset(msg, 0, sizeof(msg));
        msg[0] = 8;
        be16(msg + 4, id);
        be16(msg + 6, (unsigned)k + 1);
        be32(msg + 8, (uint32_t)(ts / US_PER_S)); /* a timeval, as ping sends */
        be32(msg + 12, (uint32_t)(ts % US_PER_S));
        for (int i = 16; i < 64; i++)
            msg[i] = (uint8_t)(i - 8);
        icmp_send(c, 0, ts, msg, sizeof(msg));
        msg[0] = 0;
        icmp_send(c, 1, ts + rng_between(r, 4000, 40000), msg, sizeof(msg));
        ts += US_PER_S + rng_below(r, 3000);
    }
}

static void ntp_time(uint8_t *p, uint64_t ts)
{
    uint64_t frac = (ts % US_PER_S) * (1ULL << 32) / US_PER_S;
    be32(p, (uint32_t)(ts / US_PER_S + 2208988800ULL));
    be32(p + 4, (uint32_t)frac);
}

static void gen_ntp(struct gen *g, const struct job *j, struct conv *c)
{
    uint8_t server[4], msg[48];
    struct rng *r = c->rng;
    parse_addr(NTP_SERVER, server, 4);
    ep_device(g, &c->ep[0], j->device, 4);
    ep_remote(g, &c->ep[1], j->device, 4, server, 55);
    c->port[0] = j->cport;
    c->port[1] = 123;
    int count = 1 + (int)rng_below(r, 4);
    uint64_t ts = j->start;
    for (int k = 0; k < count; k++) {
        uint8_t origin[8];
        memset(msg, 0, sizeof(msg));
        msg[0] = 0x23; /* v4, client */
        rng_fill(r, origin, 8); /* clients send a random transmit time (RFC 9109) */
        memcpy(msg + 40, origin, 8);
        udp_send(c, 0, ts, msg, sizeof(msg));
        uint64_t back = ts + rng_between(r, 5000, 40000);
        msg[0] = 0x24; /* v4, server */
        msg[1] = 2;
        msg[2] = 6;
        msg[3] = 0xe9;
        be32(msg + 4, 0x00000350);
        be32(msg + 8, 0x00000290);
        msg[12] = 192;
        msg[13] = 0;
        msg[14] = 2;
        msg[15] = 200;
        ntp_time(msg + 16, back - 400 * US_PER_S);
        memcpy(msg + 24, origin, 8);
        ntp_time(msg + 32, back - 10000);
        ntp_time(msg + 40, back - 9950);
        udp_send(c, 1, back, msg, sizeof(msg));
        ts += 2 * US_PER_S + rng_below(r, 100000);
    }
}

/* Random bytes that no DPI dissector claims: the first bytes are kept away
 * from the values protocols are recognised by (TLS records, HTTP verbs, RTP
 * version 2, BER-encoded PDUs such as Z39.50's, Skype's third byte...). */
static void put_noise(struct bytes *b, struct rng *r, size_t n)
{
    size_t at = b->len;
    putrand(b, r, n);
    b->p[at] = (uint8_t)(0xc0 | (b->p[at] & 0x0f));
    if (n > 2)
        b->p[at + 2] = (uint8_t)(0x40 | (b->p[at + 2] & 0x1f));
}

static void gen_tcp_noise(struct gen *g, const struct job *j, struct conv *c)
{
    uint8_t server[4];
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    struct tcp t;
    parse_addr(TCP_NOISE, server, 4);
    ep_device(g, &c->ep[0], j->device, 4);
    ep_remote(g, &c->ep[1], j->device, 4, server, 51);
    c->port[0] = j->cport;
    c->port[1] = TCP_NOISE_PORT;
    tcp_init(&t, c, (uint32_t)rng_between(r, 20000, 120000));
    uint64_t ts = tcp_open(&t, j->start) + rng_between(r, 200, 3000);
    int rounds = 1 + (int)rng_below(r, 3);
    for (int k = 0; k < rounds; k++) {
        b->len = 0;
        put_noise(b, r, rng_between(r, 40, 1500));
        uint64_t last = tcp_send(&t, 0, b->p, b->len, ts);
        b->len = 0;
        put_noise(b, r, rng_between(r, 40, 4000));
        last = tcp_send(&t, 1, b->p, b->len, last + tcp_turn(&t, 1) + rng_between(r, 500, 50000));
        ts = last + rng_between(r, 100000, 5 * US_PER_S);
    }
    tcp_close(&t, 0, ts);
}

static void gen_udp_noise(struct gen *g, const struct job *j, struct conv *c)
{
    uint8_t server[4];
    struct rng *r = c->rng;
    struct bytes *b = &g->stream;
    parse_addr(UDP_NOISE, server, 4);
    ep_device(g, &c->ep[0], j->device, 4);
    ep_remote(g, &c->ep[1], j->device, 4, server, 52);
    c->port[0] = j->cport;
    c->port[1] = UDP_NOISE_PORT;
    int count = 2 + (int)rng_below(r, 7);
    uint64_t ts = j->start;
    for (int k = 0; k < count; k++) {
        b->len = 0;
        put_noise(b, r, rng_between(r, 40, 1200));
        udp_send(c, 0, ts, b->p, b->len);
        b->len = 0;
        put_noise(b, r, rng_between(r, 40, 1200));
        udp_send(c, 1, ts + rng_between(r, 20000, 150000), b->p, b->len);
        ts += rng_between(r, 200000, 3 * US_PER_S);
    }
}

static void arp_frame(struct frames *out, uint64_t ts, uint16_t vlan, const uint8_t *dst_mac,
                      unsigned op, const uint8_t *sha, const uint8_t *spa, const uint8_t *tha,
                      const uint8_t *tpa)
{
    uint8_t *p = frames_add(out, ts, vlan ? 64 : 60);
    memcpy(p, dst_mac, 6);
    memcpy(p + 6, sha, 6);
    uint8_t *q = p + 12;
    if (vlan) {
        be16(q, 0x8100);
        be16(q + 2, vlan);
        q += 4;
    }
    be16(q, 0x0806);
    q += 2;
    be16(q, 1);      /* Ethernet */
    be16(q + 2, 0x0800);
    q[4] = 6;
    q[5] = 4;
    be16(q + 6, op);
    memcpy(q + 8, sha, 6);
    memcpy(q + 14, spa, 4);
    memcpy(q + 18, tha, 6);
    memcpy(q + 24, tpa, 4);
}

/* A device asks for its gateway (peer 0), or the router for the device (peer 1),
 * and the other answers. */
static void gen_arp(struct gen *g, const struct job *j, struct frames *out, struct rng *r)
{
    static const uint8_t zero[6] = {0};
    const struct device *dv = &g->dev[j->device];
    const uint8_t *gw = DEPTS[dv->dept].v4_gateway;
    uint64_t answer = j->start + rng_between(r, 100, 2000);
    if (j->peer == 1) {
        arp_frame(out, j->start, dv->vlan, BROADCAST_MAC, 1, ROUTER_MAC, gw, zero, dv->v4);
        arp_frame(out, answer, dv->vlan, ROUTER_MAC, 2, dv->mac, dv->v4, ROUTER_MAC, gw);
    } else {
        arp_frame(out, j->start, dv->vlan, BROADCAST_MAC, 1, dv->mac, dv->v4, zero, gw);
        arp_frame(out, answer, dv->vlan, dv->mac, 2, ROUTER_MAC, gw, dv->mac, dv->v4);
        if (dv->dept == DEPT_IT && dv->vlan == 0) {
            uint8_t resolver[4];
            parse_addr(RESOLVER.v4, resolver, 4);
            answer += rng_between(r, 1000, 50000);
            arp_frame(out, answer, 0, BROADCAST_MAC, 1, dv->mac, dv->v4, zero, resolver);
            arp_frame(out, answer + rng_between(r, 100, 900), 0, dv->mac, 2, RESOLVER.mac,
                      resolver, dv->mac, dv->v4);
        }
    }
}

/* One ICMPv6 neighbour discovery message to a multicast group (hop limit 255). */
static void nd_send(struct frames *out, struct rng *r, uint64_t ts, uint16_t vlan,
                    const uint8_t *src_mac, const uint8_t *src, const uint8_t *group,
                    const uint8_t *msg, size_t len)
{
    struct conv c;
    conv_init(&c, out, r, 6, 58);
    memcpy(c.ep[0].mac, src_mac, 6);
    memcpy(c.ep[0].addr, src, 16);
    c.ep[0].ttl = 255;
    c.ep[0].vlan = vlan;
    c.ep[1].mac[0] = 0x33;
    c.ep[1].mac[1] = 0x33;
    memcpy(c.ep[1].mac + 2, group + 12, 4);
    memcpy(c.ep[1].addr, group, 16);
    c.flow_label[0] = 0;
    icmp_send(&c, 0, ts, msg, len);
}

static void put_lladdr(struct bytes *b, unsigned type, const uint8_t *mac)
{
    put8(b, type);
    put8(b, 1);
    putmem(b, mac, 6);
}

static void gen_router_advert(struct gen *g, struct frames *out, struct rng *r, uint64_t ts,
                              int dept, uint16_t vlan)
{
    uint8_t src[16], all_nodes[16];
    struct bytes *b = &g->stream;
    parse_addr(ROUTER_LINK_LOCAL, src, 6);
    parse_addr("ff02::1", all_nodes, 6);
    b->len = 0;
    put8(b, 134);
    put8(b, 0);
    put16(b, 0);
    put8(b, 64);     /* current hop limit */
    put8(b, 0);
    put16(b, 1800);  /* router lifetime */
    put32(b, 0);
    put32(b, 0);
    put_lladdr(b, 1, ROUTER_MAC);
    put8(b, 5);      /* MTU */
    put8(b, 1);
    put16(b, 0);
    put32(b, 1500);
    put8(b, 3);      /* prefix information */
    put8(b, 4);
    put8(b, 64);
    put8(b, 0xc0);   /* on-link, autonomous */
    put32(b, 2592000);
    put32(b, 604800);
    put32(b, 0);
    putmem(b, g->v6_prefix[dept], 16);
    nd_send(out, r, ts, vlan, ROUTER_MAC, src, all_nodes, b->p, b->len);
}

/* A dual-stack device joins its segment: duplicate address detection, router
 * solicitation and advertisement, then it looks for its router. */
static void gen_nd(struct gen *g, const struct job *j, struct frames *out, struct rng *r)
{
    const struct device *dv = &g->dev[j->device];
    uint8_t unspecified[16] = {0}, group[16], all_routers[16], all_nodes[16], src[16];
    struct bytes *b = &g->stream;
    parse_addr("ff02::1:ff00:0", group, 6);
    parse_addr("ff02::2", all_routers, 6);
    parse_addr("ff02::1", all_nodes, 6);
    parse_addr(ROUTER_LINK_LOCAL, src, 6);
    uint64_t ts = j->start;

    memcpy(group + 13, dv->v6 + 13, 3);
    b->len = 0;
    put8(b, 135);
    put8(b, 0);
    put16(b, 0);
    put32(b, 0);
    putmem(b, dv->v6, 16);
    nd_send(out, r, ts, dv->vlan, dv->mac, unspecified, group, b->p, b->len);

    ts += rng_between(r, 300000, 1000000);
    b->len = 0;
    put8(b, 133);
    put8(b, 0);
    put16(b, 0);
    put32(b, 0);
    put_lladdr(b, 1, dv->mac);
    nd_send(out, r, ts, dv->vlan, dv->mac, dv->v6, all_routers, b->p, b->len);

    ts += rng_between(r, 2000, 30000);
    gen_router_advert(g, out, r, ts, dv->dept, dv->vlan);

    ts += rng_between(r, 50000, 300000);
    memcpy(group + 13, g->gw_v6[dv->dept] + 13, 3);
    b->len = 0;
    put8(b, 135);
    put8(b, 0);
    put16(b, 0);
    put32(b, 0);
    putmem(b, g->gw_v6[dv->dept], 16);
    put_lladdr(b, 1, dv->mac);
    nd_send(out, r, ts, dv->vlan, dv->mac, dv->v6, group, b->p, b->len);

    ts += rng_between(r, 200, 3000);
    b->len = 0;
    put8(b, 136);
    put8(b, 0);
    put16(b, 0);
    put32(b, 0xa0000000u); /* router, override */
    putmem(b, g->gw_v6[dv->dept], 16);
    put_lladdr(b, 2, ROUTER_MAC);
    nd_send(out, r, ts, dv->vlan, ROUTER_MAC, src, all_nodes, b->p, b->len);
}

static void cell_add(struct cell *cl, int device, const struct conv *c)
{
    cl->bytes_up += c->bytes[0];
    cl->bytes_down += c->bytes[1];
    cl->packets_up += c->packets[0];
    cl->packets_down += c->packets[1];
    cl->flows++;
    cl->device[device] = true;
    if (c->family == 6)
        cl->device_v6[device] = true;
    else
        cl->device_v4[device] = true;
}

static void volume_add(struct volume *v, uint64_t bytes)
{
    v->bytes += bytes;
    v->flows++;
}

/* What a counted flow's job knows of how the sensor can name it. */
struct flow_facts {
    int column;             /* its cell: a service, or UNCLASSIFIED */
    enum evidence evidence; /* what names the service, when column is one */
    bool named;             /* it carries a host name: SNI, Host, a DNS answer */
    bool ech;               /* its SNI is the ECH provider's, not the service's */
    const char *tenant;     /* the tenant that name carries, NULL for none */
};

/* DoH, DoT or DoQ to a known public resolver, or anything to port 853. */
static bool is_encrypted_dns(const struct conv *c)
{
    if (c->proto != 6 && c->proto != 17)
        return false;
    if (c->port[1] == DOT_PORT)
        return true;
    if (c->port[1] != 443 || c->family != 4)
        return false;
    for (size_t i = 0; i < sizeof(PUBLIC_RESOLVERS) / sizeof(PUBLIC_RESOLVERS[0]); i++) {
        uint8_t resolver[4];
        parse_addr(PUBLIC_RESOLVERS[i], resolver, 4);
        if (memcmp(resolver, c->ep[1].addr, 4) == 0)
            return true;
    }
    return false;
}

static enum unnamed_reason unnamed_reason(const struct conv *c, const struct flow_facts *f,
                                          bool encrypted_dns_before)
{
    if (f->ech)
        return UNNAMED_ECH;
    if (encrypted_dns_before)
        return UNNAMED_ENCRYPTED_DNS;
    if (c->proto == 6 && !c->opened_by_syn)
        return UNNAMED_NO_HANDSHAKE;
    if (c->proto == 6 || c->proto == 17)
        return UNNAMED_IP_ONLY;
    return UNNAMED_OTHER;
}

static enum tenant_class tenant_class(int service, const char *tenant)
{
    if (!tenant)
        return TENANT_NONE;
    for (size_t k = 0; k < sizeof(OWN_TENANTS) / sizeof(OWN_TENANTS[0]); k++)
        if (strcmp(OWN_TENANTS[k].service, SERVICES[service].id) == 0 &&
            strcmp(OWN_TENANTS[k].tenant, tenant) == 0)
            return TENANT_OWN;
    return TENANT_OTHER;
}

/* Records a counted flow: its cell, the evidence that named its service or why
 * nothing did, its unknown domain, and whether its client address has now used
 * an encrypted resolver.  Jobs are generated in start order, so "before" is
 * "in a flow that began earlier". */
static void count_flow(struct gen *g, const struct job *j, const struct conv *c,
                       const struct flow_facts *f)
{
    struct truth *t = &g->truth;
    int dept = g->dev[j->device].dept;
    uint64_t bytes = c->bytes[0] + c->bytes[1];
    bool *encrypted_dns = &t->encrypted_dns[j->device][c->family == 6];
    cell_add(&t->cells[dept][f->column], j->device, c);
    enum evidence ev = f->column == UNCLASSIFIED ? EVIDENCE_NONE : f->evidence;
    volume_add(&t->evidence[ev], bytes);
    if (ev == EVIDENCE_NONE && f->named)
        volume_add(&t->unknown_named, bytes);
    else if (ev == EVIDENCE_NONE)
        volume_add(&t->unnamed[unnamed_reason(c, f, *encrypted_dns)], bytes);
    if (j->host >= 0) {
        t->host_bytes[j->host] += bytes;
        if (g->hosts[j->host].unknown >= 0)
            cell_add(&t->unknown[g->hosts[j->host].unknown][dept], j->device, c);
    }
    if (is_encrypted_dns(c))
        *encrypted_dns = true;
    if (g->templated[f->column]) {
        cell_add(&t->tenants[f->column][tenant_class(f->column, f->tenant)][dept], j->device, c);
        if (j->host >= 0)
            cell_add(&t->host_cells[j->host], j->device, c);
    }
}

/* Internal flows (DNS, SMB, intranet, SSH) are not cloud usage: only their sum. */
static void count_internal(struct gen *g, const struct conv *c)
{
    g->truth.internal_flows++;
    g->truth.internal_bytes += c->bytes[0] + c->bytes[1];
}

/* Makes the frames of job j into out and records what it adds to the truth. */
static void gen_job(struct gen *g, const struct job *j, struct frames *out)
{
    struct rng r;
    struct conv c;
    rng_seed(&r, g->opt->seed, STREAM_JOB, j->id, (uint64_t)g->day);
    int family = j->family;
    uint8_t proto = 6;
    switch (j->kind) {
    case JOB_DNS:
    case JOB_NTP:
    case JOB_UDP_NOISE:
        proto = 17;
        break;
    case JOB_ICMP:
        proto = 1;
        break;
    default:
        break;
    }
    conv_init(&c, out, &r, family, proto);

    struct flow_facts f = {UNCLASSIFIED, EVIDENCE_NONE, false, false, NULL};
    switch (j->kind) {
    case JOB_ARP:
        gen_arp(g, j, out, &r);
        return;
    case JOB_ND:
        gen_nd(g, j, out, &r);
        return;
    case JOB_RA:
        gen_router_advert(g, out, &r, j->start, j->peer, 0);
        return;
    case JOB_DNS:
        gen_dns(g, j, &c);
        g->truth.dns_queries++;
        g->truth.name_queried[j->host] = true;
        count_internal(g, &c);
        return;
    case JOB_TLS:
    case JOB_NOSNI:
        gen_tls(g, j, &c, j->kind == JOB_TLS);
        f.column = g->hosts[j->host].service;
        f.evidence = j->kind == JOB_TLS ? EVIDENCE_SNI : EVIDENCE_DNS;
        f.named = true;
        f.tenant = g->hosts[j->host].tenant;
        break;
    case JOB_HTTP:
        gen_http(g, j, &c);
        f.column = g->hosts[j->host].service;
        f.evidence = EVIDENCE_HTTP_HOST;
        f.named = true;
        f.tenant = g->hosts[j->host].tenant;
        break;
    case JOB_SMB:
        gen_smb(g, j, &c);
        count_internal(g, &c);
        return;
    case JOB_INTRANET:
        gen_intranet(g, j, &c);
        count_internal(g, &c);
        return;
    case JOB_SSH:
        gen_ssh(g, j, &c);
        count_internal(g, &c);
        return;
    case JOB_ICMP:
        gen_icmp(g, j, &c);
        break;
    case JOB_NTP:
        gen_ntp(g, j, &c);
        break;
    case JOB_TCP_NOISE:
        gen_tcp_noise(g, j, &c);
        break;
    case JOB_UDP_NOISE:
        gen_udp_noise(g, j, &c);
        break;
    case JOB_ENCRYPTED_DNS: /* the catalog's Cloudflare has both names */
        gen_addressed_tls(g, j, &c, ENCRYPTED_DNS[j->addr].v4, ENCRYPTED_DNS[j->addr].port,
                          ENCRYPTED_DNS[j->addr].sni, false, PROF_DNS);
        f.column = find_service("cloudflare");
        f.evidence = EVIDENCE_SNI;
        f.named = true;
        g->truth.resolver_name_counted[j->addr] = true;
        break;
    case JOB_ECH:
        gen_addressed_tls(g, j, &c, j->family == 4 ? ECH_SERVER_V4 : ECH_SERVER_V6, 443,
                          ECH_PUBLIC_NAME, true, PROF_WEB);
        f.ech = true;
        break;
    case JOB_NAMELESS_TLS:
        gen_addressed_tls(g, j, &c, NAMELESS_TLS[j->addr], 443, NULL, false, PROF_WEB);
        break;
    case JOB_MIDSTREAM:
        gen_midstream(g, j, &c);
        break;
    case JOB_INTERNAL_HTTP:
        gen_internal_http(g, j, &c);
        count_internal(g, &c);
        cell_add(&g->truth.internal_http[j->addr][g->dev[j->device].dept], j->device, &c);
        return;
    }
    count_flow(g, j, &c, &f);
}

/* ------------------------------------------------------------------------ */
/* Writing the capture                                                      */
/* ------------------------------------------------------------------------ */

struct writer {
    pcap_t *dead;
    pcap_dumper_t *dumper;
    FILE *ng; /* pcapng, written by hand: libpcap 1.10 cannot */
    const char *path;
};

static void le16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xffff);
    le16(p + 2, v >> 16);
}

/* Appends a pcapng option (code, value padded to 32 bits) at p; returns its size. */
static size_t ng_option(uint8_t *p, unsigned code, const void *value, size_t len)
{
    size_t padded = (len + 3) & ~(size_t)3;
    le16(p, code);
    le16(p + 2, (unsigned)len);
    memset(p + 4, 0, padded);
    if (len)
        memcpy(p + 4, value, len);
    return 4 + padded;
}

static int writer_open(struct writer *w, const char *path, bool pcapng)
{
    memset(w, 0, sizeof(*w));
    w->path = path;
    if (!pcapng) {
        w->dead = pcap_open_dead(DLT_EN10MB, 65535);
        if (!w->dead)
            return -1;
        w->dumper = pcap_dump_open(w->dead, path);
        if (!w->dumper) {
            fprintf(stderr, "gen-sample: %s\n", pcap_geterr(w->dead));
            return -1;
        }
        return 0;
    }
    w->ng = fopen(path, "wb");
    if (!w->ng) {
        fprintf(stderr, "gen-sample: %s: cannot create: ", path);
        perror(NULL);
        return -1;
    }
    static char buf[1 << 20];
    setvbuf(w->ng, buf, _IOFBF, sizeof(buf));

    uint8_t b[256];
    size_t n = 0;
    static const char app[] = "shadowtap gen-sample";
    le32(b, 0x0a0d0d0a); /* section header block */
    le32(b + 8, 0x1a2b3c4d);
    le16(b + 12, 1);
    le16(b + 14, 0);
    memset(b + 16, 0xff, 8); /* section length unknown */
    n = 24;
    n += ng_option(b + n, 4, app, sizeof(app) - 1); /* shb_userappl */
    n += ng_option(b + n, 0, NULL, 0);
    le32(b + 4, (uint32_t)(n + 4));
    le32(b + n, (uint32_t)(n + 4));
    fwrite(b, 1, n + 4, w->ng);

    static const char ifname[] = "mirror0";
    static const uint8_t tsresol = 6; /* microseconds */
    le32(b, 1); /* interface description block */
    le16(b + 8, 1); /* LINKTYPE_ETHERNET */
    le16(b + 10, 0);
    le32(b + 12, 65535);
    n = 16;
    n += ng_option(b + n, 2, ifname, sizeof(ifname) - 1); /* if_name */
    n += ng_option(b + n, 9, &tsresol, 1);                 /* if_tsresol */
    n += ng_option(b + n, 0, NULL, 0);
    le32(b + 4, (uint32_t)(n + 4));
    le32(b + n, (uint32_t)(n + 4));
    fwrite(b, 1, n + 4, w->ng);
    return ferror(w->ng) ? -1 : 0;
}

static void writer_packet(struct writer *w, uint64_t ts, const uint8_t *data, uint32_t len)
{
    if (w->dumper) {
        struct pcap_pkthdr h;
        memset(&h, 0, sizeof(h));
        h.ts.tv_sec = (time_t)(ts / US_PER_S);
        h.ts.tv_usec = (suseconds_t)(ts % US_PER_S);
        h.caplen = h.len = len;
        pcap_dump((u_char *)w->dumper, &h, data);
        return;
    }
    static const uint8_t pad[4] = {0};
    uint32_t padded = (len + 3) & ~3u;
    uint8_t hdr[28], trailer[4];
    le32(hdr, 6); /* enhanced packet block */
    le32(hdr + 4, 32 + padded);
    le32(hdr + 8, 0);
    le32(hdr + 12, (uint32_t)(ts >> 32));
    le32(hdr + 16, (uint32_t)ts);
    le32(hdr + 20, len);
    le32(hdr + 24, len);
    le32(trailer, 32 + padded);
    fwrite(hdr, 1, sizeof(hdr), w->ng);
    fwrite(data, 1, len, w->ng);
    fwrite(pad, 1, padded - len, w->ng);
    fwrite(trailer, 1, sizeof(trailer), w->ng);
}

static int writer_close(struct writer *w)
{
    int rc = 0;
    if (w->dumper) {
        if (pcap_dump_flush(w->dumper) != 0 || ferror(pcap_dump_file(w->dumper)))
            rc = -1;
        pcap_dump_close(w->dumper);
        pcap_close(w->dead);
    } else if (w->ng) {
        if (ferror(w->ng))
            rc = -1;
        if (fclose(w->ng) != 0)
            rc = -1;
    }
    if (rc)
        fprintf(stderr, "gen-sample: %s: write error\n", w->path);
    return rc;
}

/* A job whose frames are being written, keyed by its next frame's time. */
struct open_job {
    struct frames *fr;
    uint32_t id;
};

static bool open_before(const struct open_job *a, const struct open_job *b)
{
    uint64_t ta = a->fr->f[a->fr->next].ts, tb = b->fr->f[b->fr->next].ts;
    return ta != tb ? ta < tb : a->id < b->id;
}

static void heap_down(struct open_job *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && open_before(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && open_before(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct open_job tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

static void heap_up(struct open_job *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!open_before(&h[i], &h[p]))
            return;
        struct open_job tmp = h[i];
        h[i] = h[p];
        h[p] = tmp;
        i = p;
    }
}

static int job_cmp(const void *pa, const void *pb)
{
    const struct job *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Generates every job in start order and writes all frames in time order. */
static int write_capture(struct gen *g, struct writer *w)
{
    qsort(g->jobs, g->njobs, sizeof(*g->jobs), job_cmp);
    struct open_job *heap = xrealloc(NULL, g->njobs * sizeof(*heap));
    struct frames **pool = xrealloc(NULL, g->njobs * sizeof(*pool));
    size_t nheap = 0, npool = 0, next = 0;
    uint64_t last = 0;

    while (next < g->njobs || nheap) {
        if (next < g->njobs &&
            (nheap == 0 || g->jobs[next].start <= heap[0].fr->f[heap[0].fr->next].ts)) {
            struct frames *fr = npool ? pool[--npool] : calloc(1, sizeof(*fr));
            if (!fr) {
                fputs("gen-sample: out of memory\n", stderr);
                return -1;
            }
            fr->data.len = 0;
            fr->n = fr->next = 0;
            fr->ip_bytes = 0;
            gen_job(g, &g->jobs[next], fr);
            g->truth.ip_bytes += fr->ip_bytes;
            qsort(fr->f, fr->n, sizeof(*fr->f), frame_cmp);
            if (fr->n && fr->f[0].ts < g->jobs[next].start) {
                fprintf(stderr, "gen-sample: internal error: job %u starts early\n",
                        (unsigned)g->jobs[next].id);
                return -1;
            }
            if (fr->n) {
                heap[nheap].fr = fr;
                heap[nheap].id = g->jobs[next].id;
                heap_up(heap, nheap++);
            } else {
                pool[npool++] = fr;
            }
            next++;
            continue;
        }
        struct frames *fr = heap[0].fr;
        const struct frame *f = &fr->f[fr->next++];
        if (f->ts < last || f->ts < g->open || f->ts >= g->close) {
            fprintf(stderr, "gen-sample: internal error: frame at %" PRIu64 " us out of order "
                    "or out of hours\n", f->ts);
            return -1;
        }
        last = f->ts;
        writer_packet(w, f->ts, fr->data.p + f->off, f->len);
        g->truth.packets++;
        if (fr->next == fr->n) {
            pool[npool++] = fr;
            heap[0] = heap[--nheap];
        }
        heap_down(heap, nheap, 0);
    }
    for (size_t i = 0; i < npool; i++) {
        free(pool[i]->data.p);
        free(pool[i]->f);
        free(pool[i]);
    }
    free(pool);
    free(heap);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Writing the truth                                                        */
/* ------------------------------------------------------------------------ */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *sorted_strings(char **v, size_t n)
{
    qsort(v, n, sizeof(*v), str_cmp);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *json_count(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* Client addresses of a cell; *devices gets its devices. */
static int cell_addresses(const struct gen *g, const struct cell *c, int *devices)
{
    int addresses = 0;
    *devices = 0;
    for (int k = 0; k < g->ndev; k++) {
        *devices += c->device[k];
        addresses += c->device_v4[k] + c->device_v6[k];
    }
    return addresses;
}

static json_t *traffic_json(uint64_t up, uint64_t down, uint64_t flows)
{
    json_t *o = json_object();
    json_object_set_new(o, "bytes_up", json_count(up));
    json_object_set_new(o, "bytes_down", json_count(down));
    json_object_set_new(o, "flows", json_count(flows));
    return o;
}

/* Per unknown domain: bytes per host, the domain's traffic and client
 * addresses, in all and per department. */
static json_t *unknown_json(const struct gen *g)
{
    const struct truth *t = &g->truth;
    json_t *all = json_object();
    for (int u = 0; u < NUNKNOWN; u++) {
        struct cell sum = {0};
        json_t *depts = json_object();
        for (int d = 0; d < NDEPTS; d++) {
            const struct cell *c = &t->unknown[u][d];
            if (!c->flows)
                continue;
            int devices;
            json_t *o = traffic_json(c->bytes_up, c->bytes_down, c->flows);
            json_object_set_new(o, "addresses", json_integer(cell_addresses(g, c, &devices)));
            json_object_set_new(depts, DEPTS[d].id, o);
            sum.bytes_up += c->bytes_up;
            sum.bytes_down += c->bytes_down;
            sum.flows += c->flows;
            for (int k = 0; k < g->ndev; k++) {
                sum.device_v4[k] |= c->device_v4[k];
                sum.device_v6[k] |= c->device_v6[k];
            }
        }
        if (!sum.flows) {
            json_decref(depts);
            continue;
        }
        json_t *hosts = json_object();
        for (int h = 0; h < g->nhosts; h++)
            if (g->hosts[h].unknown == u && t->host_bytes[h])
                json_object_set_new(hosts, g->hosts[h].name, json_count(t->host_bytes[h]));
        int devices;
        json_t *o = traffic_json(sum.bytes_up, sum.bytes_down, sum.flows);
        json_object_set_new(o, "addresses", json_integer(cell_addresses(g, &sum, &devices)));
        json_object_set_new(o, "hosts", hosts);
        json_object_set_new(o, "departments", depts);
        json_object_set_new(all, UNKNOWN[u].domain, o);
    }
    return all;
}

static json_t *volume_json(const struct volume *v)
{
    json_t *o = json_object();
    json_object_set_new(o, "bytes", json_count(v->bytes));
    json_object_set_new(o, "flows", json_count(v->flows));
    return o;
}

/* Every kind of evidence and every reason, zero or not. */
static json_t *visibility_json(const struct truth *t)
{
    json_t *by_evidence = json_object(), *unnamed = json_object(), *o = json_object();
    for (int e = 0; e < EVIDENCE_COUNT; e++)
        json_object_set_new(by_evidence, EVIDENCE_NAMES[e], volume_json(&t->evidence[e]));
    for (int u = 0; u < UNNAMED_COUNT; u++)
        json_object_set_new(unnamed, UNNAMED_NAMES[u], volume_json(&t->unnamed[u]));
    json_object_set_new(o, "by_evidence", by_evidence);
    json_object_set_new(o, "unknown_named", volume_json(&t->unknown_named));
    json_object_set_new(o, "unnamed", unnamed);
    return o;
}

/* Client addresses that used an encrypted resolver, per department. */
static json_t *encrypted_dns_json(const struct gen *g)
{
    int addresses[NDEPTS] = {0};
    for (int k = 0; k < g->ndev; k++)
        addresses[g->dev[k].dept] += g->truth.encrypted_dns[k][0] + g->truth.encrypted_dns[k][1];
    json_t *o = json_object();
    for (int d = 0; d < NDEPTS; d++)
        if (addresses[d])
            json_object_set_new(o, DEPTS[d].id, json_integer(addresses[d]));
    return o;
}

static bool volume_equal(const char *what, struct volume a, struct volume b)
{
    if (a.bytes == b.bytes && a.flows == b.flows)
        return true;
    fprintf(stderr,
            "gen-sample: internal error: %s: %" PRIu64 " bytes in %" PRIu64
            " flows against %" PRIu64 " bytes in %" PRIu64 " flows\n",
            what, a.bytes, a.flows, b.bytes, b.flows);
    return false;
}

/* The views are the cells cut another way: by evidence they add up to all the
 * cells, unclassified to the unclassified cells, the unknown domains to the
 * named unclassified flows. */
static int check_views(const struct truth *t)
{
    struct volume cells = {0}, unclassified = {0}, evidence = {0}, unknown = {0};
    struct volume none = t->unknown_named;
    for (int d = 0; d < NDEPTS; d++) {
        for (int s = 0; s <= NSERVICES; s++) {
            const struct cell *c = &t->cells[d][s];
            struct volume *v = s == UNCLASSIFIED ? &unclassified : &cells;
            v->bytes += c->bytes_up + c->bytes_down;
            v->flows += c->flows;
        }
        for (int u = 0; u < NUNKNOWN; u++) {
            unknown.bytes += t->unknown[u][d].bytes_up + t->unknown[u][d].bytes_down;
            unknown.flows += t->unknown[u][d].flows;
        }
    }
    cells.bytes += unclassified.bytes;
    cells.flows += unclassified.flows;
    for (int e = 0; e < EVIDENCE_COUNT; e++) {
        evidence.bytes += t->evidence[e].bytes;
        evidence.flows += t->evidence[e].flows;
    }
    for (int u = 0; u < UNNAMED_COUNT; u++) {
        none.bytes += t->unnamed[u].bytes;
        none.flows += t->unnamed[u].flows;
    }
    bool ok = volume_equal("visibility by evidence against the cells", evidence, cells);
    ok &= volume_equal("unclassified by evidence against the cells", t->evidence[EVIDENCE_NONE],
                       unclassified);
    ok &= volume_equal("named and unnamed against unclassified", none, t->evidence[EVIDENCE_NONE]);
    ok &= volume_equal("unknown domains against named unclassified", unknown, t->unknown_named);
    return ok ? 0 : -1;
}

/* Adds c to sum: traffic, and the devices and addresses that made it. */
static void cell_merge(struct cell *sum, const struct cell *c)
{
    sum->bytes_up += c->bytes_up;
    sum->bytes_down += c->bytes_down;
    sum->packets_up += c->packets_up;
    sum->packets_down += c->packets_down;
    sum->flows += c->flows;
    for (int k = 0; k < MAX_DEVICES; k++) {
        sum->device[k] |= c->device[k];
        sum->device_v4[k] |= c->device_v4[k];
        sum->device_v6[k] |= c->device_v6[k];
    }
}

static bool cell_equal(const struct cell *a, const struct cell *b)
{
    return a->bytes_up == b->bytes_up && a->bytes_down == b->bytes_down &&
           a->packets_up == b->packets_up && a->packets_down == b->packets_down &&
           a->flows == b->flows && memcmp(a->device_v4, b->device_v4, sizeof(a->device_v4)) == 0 &&
           memcmp(a->device_v6, b->device_v6, sizeof(a->device_v6)) == 0;
}

/* bytes_up, bytes_down, flows and client addresses of a cell. */
static json_t *usage_json(const struct gen *g, const struct cell *c)
{
    int devices;
    json_t *o = traffic_json(c->bytes_up, c->bytes_down, c->flows);
    json_object_set_new(o, "addresses", json_integer(cell_addresses(g, c, &devices)));
    return o;
}

static bool service_used(const struct truth *t, int s)
{
    for (int d = 0; d < NDEPTS; d++)
        if (t->cells[d][s].flows)
            return true;
    return false;
}

/* The tenants of service s's names in class cls, each with its traffic. */
static json_t *tenant_names_json(const struct gen *g, int s, enum tenant_class cls)
{
    const struct truth *t = &g->truth;
    json_t *names = json_object();
    for (int h = 0; h < g->nhosts; h++) {
        const struct host *hh = &g->hosts[h];
        if (hh->service != s || !hh->tenant || tenant_class(s, hh->tenant) != cls ||
            json_object_get(names, hh->tenant))
            continue;
        struct cell sum = {0};
        for (int k = h; k < g->nhosts; k++)
            if (g->hosts[k].service == s && g->hosts[k].tenant &&
                strcmp(g->hosts[k].tenant, hh->tenant) == 0)
                cell_merge(&sum, &t->host_cells[k]);
        if (sum.flows)
            json_object_set_new(names, hh->tenant, usage_json(g, &sum));
    }
    return names;
}

/* Per service with templates that the day uses: own, other and none, each in
 * all and per department, own and other per tenant too. */
static json_t *tenants_json(const struct gen *g)
{
    const struct truth *t = &g->truth;
    json_t *all = json_object();
    for (int s = 0; s < NSERVICES; s++) {
        if (!g->templated[s] || !service_used(t, s))
            continue;
        json_t *service = json_object();
        for (int cls = 0; cls < TENANT_CLASSES; cls++) {
            struct cell sum = {0};
            json_t *depts = json_object();
            for (int d = 0; d < NDEPTS; d++) {
                const struct cell *c = &t->tenants[s][cls][d];
                if (c->flows)
                    json_object_set_new(depts, DEPTS[d].id, usage_json(g, c));
                cell_merge(&sum, c);
            }
            json_t *o = usage_json(g, &sum);
            json_object_set_new(o, "departments", depts);
            if (cls != TENANT_NONE)
                json_object_set_new(o, "names", tenant_names_json(g, s, (enum tenant_class)cls));
            json_object_set_new(service, TENANT_CLASS_NAMES[cls], o);
        }
        json_object_set_new(all, SERVICES[s].id, service);
    }
    return all;
}

static json_t *tenant_host_json(const char *service, const char *tenant, enum tenant_class cls)
{
    json_t *o = json_object();
    json_object_set_new(o, "service", json_string(service));
    json_object_set_new(o, "tenant", tenant ? json_string(tenant) : json_null());
    json_object_set_new(o, "class", json_string(TENANT_CLASS_NAMES[cls]));
    return o;
}

/* Every name of a service with templates that a counted flow carried, with the
 * tenant the generator took it to carry. */
static json_t *tenant_hosts_json(const struct gen *g)
{
    const struct truth *t = &g->truth;
    json_t *o = json_object();
    for (int h = 0; h < g->nhosts; h++) {
        const struct host *hh = &g->hosts[h];
        if (hh->service >= 0 && g->templated[hh->service] && t->host_cells[h].flows)
            json_object_set_new(o, hh->name,
                                tenant_host_json(SERVICES[hh->service].id, hh->tenant,
                                                 tenant_class(hh->service, hh->tenant)));
    }
    for (size_t k = 0; k < sizeof(ENCRYPTED_DNS) / sizeof(ENCRYPTED_DNS[0]); k++)
        if (t->resolver_name_counted[k])
            json_object_set_new(o, ENCRYPTED_DNS[k].sni,
                                tenant_host_json("cloudflare", NULL, TENANT_NONE));
    return o;
}

/* The tenant classes of a service add up to its cells, department by
 * department, and its own and other tenants to their classes. */
static int check_tenants(const struct gen *g)
{
    const struct truth *t = &g->truth;
    int rc = 0;
    for (int s = 0; s < NSERVICES; s++) {
        if (!g->templated[s])
            continue;
        struct cell classes[TENANT_CLASSES] = {{0}}, names[TENANT_CLASSES] = {{0}};
        for (int d = 0; d < NDEPTS; d++) {
            struct cell sum = {0};
            for (int cls = 0; cls < TENANT_CLASSES; cls++) {
                cell_merge(&sum, &t->tenants[s][cls][d]);
                cell_merge(&classes[cls], &t->tenants[s][cls][d]);
            }
            if (!cell_equal(&sum, &t->cells[d][s])) {
                fprintf(stderr,
                        "gen-sample: internal error: tenants of %s in %s differ from its cell\n",
                        SERVICES[s].id, DEPTS[d].id);
                rc = -1;
            }
        }
        for (int h = 0; h < g->nhosts; h++)
            if (g->hosts[h].service == s && g->hosts[h].tenant)
                cell_merge(&names[tenant_class(s, g->hosts[h].tenant)], &t->host_cells[h]);
        for (int cls = TENANT_OWN; cls <= TENANT_OTHER; cls++)
            if (!cell_equal(&names[cls], &classes[cls])) {
                fprintf(stderr,
                        "gen-sample: internal error: %s tenants of %s differ from their class\n",
                        TENANT_CLASS_NAMES[cls], SERVICES[s].id);
                rc = -1;
            }
    }
    return rc;
}

/* Per department, per vendor of the day's GenAI services, per use (both
 * listed, zero or not): the traffic; beside it, the vendor and use the
 * generator gives each GenAI service of the day. */
static json_t *genai_uses_json(const struct gen *g, json_t **services)
{
    const struct truth *t = &g->truth;
    bool vendor_used[NGENAI_SERVICES] = {false}; /* indexed by the vendor's first entry */
    *services = json_object();
    for (int k = 0; k < NGENAI_SERVICES; k++) {
        int s = find_service(GENAI_SERVICES[k].service);
        if (!service_used(t, s))
            continue;
        int first = 0;
        while (strcmp(GENAI_SERVICES[first].vendor, GENAI_SERVICES[k].vendor) != 0)
            first++;
        vendor_used[first] = true;
        json_t *o = json_object();
        json_object_set_new(o, "vendor", json_string(GENAI_SERVICES[k].vendor));
        json_object_set_new(o, "use", json_string(USE_NAMES[GENAI_SERVICES[k].use]));
        json_object_set_new(*services, SERVICES[s].id, o);
    }
    json_t *all = json_object();
    for (int d = 0; d < NDEPTS; d++) {
        json_t *dept = json_object();
        for (int v = 0; v < NGENAI_SERVICES; v++) {
            if (!vendor_used[v])
                continue;
            json_t *vendor = json_object();
            for (int use = 0; use < USE_COUNT; use++) {
                struct cell sum = {0};
                for (int k = 0; k < NGENAI_SERVICES; k++)
                    if ((int)GENAI_SERVICES[k].use == use &&
                        strcmp(GENAI_SERVICES[k].vendor, GENAI_SERVICES[v].vendor) == 0)
                        cell_merge(&sum, &t->cells[d][find_service(GENAI_SERVICES[k].service)]);
                json_object_set_new(vendor, USE_NAMES[use], usage_json(g, &sum));
            }
            json_object_set_new(dept, GENAI_SERVICES[v].vendor, vendor);
        }
        json_object_set_new(all, DEPTS[d].id, dept);
    }
    return all;
}

/* One internal HTTP server: where it is, its clients per department, its
 * traffic and the requests it answered. */
static json_t *internal_server_json(const struct gen *g, int s, char *key, size_t keysz)
{
    const struct internal_http_def *def = &INTERNAL_HTTP[s];
    const struct truth *t = &g->truth;
    char address[NETADDR_STRLEN];
    int dept = DEPT_IT;
    if (def->it) {
        snprintf(address, sizeof(address), "%s", def->it->v4);
    } else {
        const struct device *dv = &g->dev[member_device(def->desk)];
        snprintf(address, sizeof(address), "%u.%u.%u.%u", dv->v4[0], dv->v4[1], dv->v4[2],
                 dv->v4[3]);
        dept = dv->dept;
    }
    snprintf(key, keysz, "%s:%u", address, def->port);
    struct cell sum = {0};
    json_t *clients = json_object(), *requests = json_object();
    for (int d = 0; d < NDEPTS; d++) {
        if (t->internal_http[s][d].flows)
            json_object_set_new(clients, DEPTS[d].id, usage_json(g, &t->internal_http[s][d]));
        cell_merge(&sum, &t->internal_http[s][d]);
    }
    for (int k = 0; k < MAX_REQUEST_KINDS && SERVER_REQUESTS[def->api][k]; k++)
        json_object_set_new(requests, SERVER_REQUESTS[def->api][k], json_count(t->requests[s][k]));
    json_t *o = usage_json(g, &sum);
    json_object_set_new(o, "address", json_string(address));
    json_object_set_new(o, "port", json_integer(def->port));
    json_object_set_new(o, "name", def->name ? json_string(def->name) : json_null());
    json_object_set_new(o, "department", json_string(DEPTS[dept].id));
    if (def->api != SERVER_API_NONE)
        json_object_set_new(o, "api", json_string(SERVER_API_NAMES[def->api]));
    json_object_set_new(o, "clients", clients);
    json_object_set_new(o, "requests", requests);
    return o;
}

/* The internal HTTP servers, model servers apart; checks that their flows are
 * among the internal ones (so out of the cells). */
static int internal_servers_json(const struct gen *g, json_t *root)
{
    const struct truth *t = &g->truth;
    json_t *ai = json_object(), *not_ai = json_object();
    uint64_t flows = 0, bytes = 0;
    for (int s = 0; s < NINTERNAL_HTTP; s++) {
        char key[NETADDR_STRLEN + 8];
        json_t *o = internal_server_json(g, s, key, sizeof(key));
        json_object_set_new(INTERNAL_HTTP[s].api == SERVER_API_NONE ? not_ai : ai, key, o);
        for (int d = 0; d < NDEPTS; d++) {
            flows += t->internal_http[s][d].flows;
            bytes += t->internal_http[s][d].bytes_up + t->internal_http[s][d].bytes_down;
        }
    }
    json_object_set_new(root, "internal_ai_servers", ai);
    json_object_set_new(root, "internal_not_ai", not_ai);
    if (flows > t->internal_flows || bytes > t->internal_bytes) {
        fputs("gen-sample: internal error: internal servers' flows are not all internal\n", stderr);
        return -1;
    }
    return 0;
}

static int write_truth(struct gen *g)
{
    if (check_views(&g->truth) != 0 || check_tenants(g) != 0)
        return -1;
    const struct truth *t = &g->truth;
    json_t *root = json_object();
    json_object_set_new(root, "date", json_string(g->opt->date));
    json_object_set_new(root, "seed", json_count(g->opt->seed));
    json_object_set_new(root, "scale", json_integer(g->opt->scale));
    json_object_set_new(root, "packets", json_count(t->packets));
    json_object_set_new(root, "ip_bytes", json_count(t->ip_bytes));

    bool used[NSERVICES] = {false};
    json_t *cells = json_object();
    for (int d = 0; d < NDEPTS; d++) {
        json_t *dept = NULL;
        for (int s = 0; s <= NSERVICES; s++) {
            const struct cell *c = &t->cells[d][s];
            if (!c->flows)
                continue;
            int devices = 0, addresses = cell_addresses(g, c, &devices);
            json_t *o = json_object();
            json_object_set_new(o, "bytes_up", json_count(c->bytes_up));
            json_object_set_new(o, "bytes_down", json_count(c->bytes_down));
            json_object_set_new(o, "packets_up", json_count(c->packets_up));
            json_object_set_new(o, "packets_down", json_count(c->packets_down));
            json_object_set_new(o, "flows", json_count(c->flows));
            json_object_set_new(o, "devices", json_integer(devices));
            /* The sensor names a device by its address (SPEC: a keyed pseudonym of
             * the internal address), so a dual-stack device counts once per family. */
            json_object_set_new(o, "addresses", json_integer(addresses));
            if (!dept)
                dept = json_object();
            json_object_set_new(dept, s == UNCLASSIFIED ? "unclassified" : SERVICES[s].id, o);
            if (s < NSERVICES)
                used[s] = true;
        }
        if (dept)
            json_object_set_new(cells, DEPTS[d].id, dept);
    }
    json_object_set_new(root, "cells", cells);
    json_object_set_new(root, "unknown", unknown_json(g));
    json_object_set_new(root, "visibility", visibility_json(t));
    json_object_set_new(root, "encrypted_dns_devices", encrypted_dns_json(g));

    json_t *internal = json_object();
    json_object_set_new(internal, "flows", json_count(t->internal_flows));
    json_object_set_new(internal, "bytes", json_count(t->internal_bytes));
    json_object_set_new(root, "internal", internal);
    if (internal_servers_json(g, root) != 0) {
        json_decref(root);
        return -1;
    }
    json_object_set_new(root, "tenants", tenants_json(g));
    json_object_set_new(root, "tenant_hosts", tenant_hosts_json(g));
    json_t *genai_services;
    json_object_set_new(root, "genai_uses", genai_uses_json(g, &genai_services));
    json_object_set_new(root, "genai_services", genai_services);

    char *names[MAX_HOSTS];
    size_t nnames = 0;
    for (int h = 0; h < g->nhosts; h++)
        if (t->name_queried[h])
            names[nnames++] = (char *)g->hosts[h].name;
    json_t *dns = json_object();
    json_object_set_new(dns, "queries", json_count(t->dns_queries));
    json_object_set_new(dns, "names", sorted_strings(names, nnames));
    json_object_set_new(root, "dns", dns);

    char text[2 * MAX_DEVICES][NETADDR_STRLEN], macs[MAX_DEVICES][18];
    char *addrs[2 * MAX_DEVICES], *mac_list[MAX_DEVICES];
    size_t naddrs = 0;
    for (int k = 0; k < g->ndev; k++) {
        const struct device *dv = &g->dev[k];
        struct netaddr a;
        netaddr_from_v4(&a, dv->v4);
        addrs[naddrs] = netaddr_format(&a, text[naddrs], NETADDR_STRLEN);
        naddrs++;
        if (dv->has_v6) {
            netaddr_from_v6(&a, dv->v6);
            addrs[naddrs] = netaddr_format(&a, text[naddrs], NETADDR_STRLEN);
            naddrs++;
        }
        snprintf(macs[k], sizeof(macs[k]), "%02x:%02x:%02x:%02x:%02x:%02x", dv->mac[0],
                 dv->mac[1], dv->mac[2], dv->mac[3], dv->mac[4], dv->mac[5]);
        mac_list[k] = macs[k];
    }
    json_object_set_new(root, "client_addresses", sorted_strings(addrs, naddrs));
    json_object_set_new(root, "client_macs", sorted_strings(mac_list, (size_t)g->ndev));

    char *ids[NSERVICES];
    size_t nids = 0;
    for (int s = 0; s < NSERVICES; s++)
        if (used[s])
            ids[nids++] = (char *)SERVICES[s].id;
    json_object_set_new(root, "services", sorted_strings(ids, nids));

    FILE *f = fopen(g->opt->truth_path, "w");
    int rc = -1;
    if (f) {
        rc = json_dumpf(root, f, JSON_SORT_KEYS | JSON_INDENT(2));
        if (fputc('\n', f) == EOF)
            rc = -1;
        if (fclose(f) != 0)
            rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "gen-sample: %s: cannot write the truth\n", g->opt->truth_path);
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Command line                                                             */
/* ------------------------------------------------------------------------ */

static void usage(FILE *f)
{
    fputs("usage: gen-sample -o OUT.pcap -t TRUTH.json [--date YYYY-MM-DD] [--seed N]\n"
          "                  [--scale N] [--pcapng]\n"
          "\n"
          "Writes one working day (08:00-18:00 UTC) of the sample office's traffic on a\n"
          "mirror port, and the exact counts the sensor must find in it.\n"
          "\n"
          "  -o, --output FILE  the capture (pcap, or pcapng with --pcapng)\n"
          "  -t, --truth FILE   the ground truth, JSON\n"
          "      --date DATE    the day, default " DEFAULT_DATE "\n"
          "      --seed N       varies the traffic and the services used, default 1\n"
          "      --scale N      multiplies the flows of every device (1-100), default 1\n"
          "      --pcapng       write pcapng instead of pcap\n"
          "  -h, --help         this text\n"
          "\n"
          "The same arguments always give the same bytes.\n",
          f);
}

static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool parse_date(const char *s, int64_t *day)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap))
        return false;
    *day = days_from_civil(y, m, d);
    return true;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'}, {"truth", required_argument, NULL, 't'},
        {"date", required_argument, NULL, 'D'},   {"seed", required_argument, NULL, 'S'},
        {"scale", required_argument, NULL, 'N'},  {"pcapng", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct options opt = {.seed = 1, .scale = 1};
    snprintf(opt.date, sizeof(opt.date), "%s", DEFAULT_DATE);
    int64_t day = 0;
    const char *date = DEFAULT_DATE;
    int ch;
    uint64_t v;
    while ((ch = getopt_long(argc, argv, "o:t:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'o':
            opt.out = optarg;
            break;
        case 't':
            opt.truth_path = optarg;
            break;
        case 'D':
            date = optarg;
            break;
        case 'S':
            if (!parse_uint(optarg, INT64_MAX, &v)) {
                fprintf(stderr, "gen-sample: --seed %s: expected a whole number\n", optarg);
                return 2;
            }
            opt.seed = v;
            break;
        case 'N':
            if (!parse_uint(optarg, MAX_SCALE, &v) || v < 1) {
                fprintf(stderr, "gen-sample: --scale %s: expected a whole number from 1 to %d\n",
                        optarg, MAX_SCALE);
                return 2;
            }
            opt.scale = (int)v;
            break;
        case 'P':
            opt.pcapng = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "gen-sample: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!opt.out || !opt.truth_path) {
        fputs("gen-sample: both -o OUT.pcap and -t TRUTH.json are needed\n", stderr);
        usage(stderr);
        return 2;
    }
    if (!parse_date(date, &day)) {
        fprintf(stderr, "gen-sample: --date %s: expected a date like " DEFAULT_DATE "\n", date);
        return 2;
    }
    snprintf(opt.date, sizeof(opt.date), "%s", date);

    struct gen *g = calloc(1, sizeof(*g));
    if (!g) {
        fputs("gen-sample: out of memory\n", stderr);
        return 1;
    }
    g->opt = &opt;
    g->day = day;
    g->midnight = (uint64_t)day * 86400 * US_PER_S;
    g->open = g->midnight + 8 * US_PER_H;
    g->close = g->midnight + 18 * US_PER_H;
    office_init(g);
    hosts_init(g);
    service_facts_init(g);
    mix_init(g);
    plan_day(g);
    plan_late(g);

    struct writer w;
    if (writer_open(&w, opt.out, opt.pcapng) != 0)
        return 1;
    int rc = write_capture(g, &w);
    if (writer_close(&w) != 0)
        rc = -1;
    if (rc == 0)
        rc = write_truth(g);
    free(g->jobs);
    free(g->stream.p);
    free(g->body.p);
    free(g);
    return rc == 0 ? 0 : 1;
}
