/*
 * fuzz_dhcp.c - the DHCP parser (classify/dhcp.h), and what it parses through
 * a small lease table (classify/leases.h), as the capture thread would feed it.
 *
 * Input: a sequence of DHCP messages (tests/fuzz/fuzz.h, "dhcp"), each parsed
 * from a heap copy of exactly its size and, when it parses, given to a table
 * of 16 entries in packet order with increasing sequence numbers.  Checks:
 *  - every result is sane: a host name of printable ASCII within its bound,
 *    a client id within its bound, an event in range, a grant with an address;
 *  - the sequence rule: a look-up for the message's own packet (seq) finds
 *    the same device the table gave before the update;
 *  - the update did what it said: a grant, renewal or new host name is found
 *    by the next packet with the message's address, a release is not;
 *  - the table stays within its bound.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "dhcp.h"
#include "leases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 16
#define SEC         1000000ull

static bool name_sane(const char *s, size_t size)
{
    size_t n = strnlen(s, size);
    if (n >= size || n > DHCP_HOSTNAME_MAX || (n > 0 && (s[0] == ' ' || s[n - 1] == ' ')))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
            return false;
    return true;
}

static void check_message(const struct dhcp_message *m)
{
    if (!name_sane(m->hostname, sizeof(m->hostname)) || m->client_id_len > DHCP_CLIENT_ID_MAX ||
        (unsigned)m->event >= DHCP_EVENT_COUNT || !dhcp_event_name(m->event) ||
        (m->event == DHCP_EVENT_GRANT && !m->has_address))
        abort();
}

/* The device of a look-up: what the sequence rule says may not change. */
struct seen {
    bool found, has_mac;
    uint8_t mac[6];
    char hostname[DHCP_HOSTNAME_MAX + 1];
    uint64_t start_us;
};

static struct seen look(struct leases *t, const struct netaddr *a, uint64_t ts, uint64_t seq)
{
    struct seen s;
    struct lease l;
    memset(&s, 0, sizeof(s));
    s.found = leases_lookup(t, a, ts, seq, &l);
    if (s.found) {
        if (!name_sane(l.hostname, sizeof(l.hostname)) || l.client_id_len > DHCP_CLIENT_ID_MAX ||
            netaddr_cmp(&l.addr, a) != 0 || l.seq >= seq || l.start_us > ts || ts >= l.end_us)
            abort();
        s.has_mac = l.has_mac;
        if (l.has_mac)
            memcpy(s.mac, l.mac, 6);
        memcpy(s.hostname, l.hostname, sizeof(s.hostname));
        s.start_us = l.start_us;
    }
    return s;
}

static bool seen_equal(const struct seen *a, const struct seen *b)
{
    return a->found == b->found &&
           (!a->found || (a->has_mac == b->has_mac && memcmp(a->mac, b->mac, 6) == 0 &&
                          strcmp(a->hostname, b->hostname) == 0 && a->start_us == b->start_us));
}

/* One parsed message through the table at ts, packet seq. */
static void apply(struct leases *t, const struct dhcp_message *m, uint64_t ts, uint64_t seq)
{
    /* The workers have caught up: only what packet seq may see must stay. */
    leases_set_horizon(t, seq);
    struct seen before = {0};
    if (m->has_address)
        before = look(t, &m->address, ts, seq);
    enum leases_change change = leases_update(t, m, ts, seq);
    if (!m->has_address) {
        if (change != LEASES_UNCHANGED)
            abort();
        return;
    }
    struct seen again = look(t, &m->address, ts, seq), after = look(t, &m->address, ts, seq + 1);
    if (!seen_equal(&before, &again))
        abort();
    switch (change) {
    case LEASES_GRANTED:
    case LEASES_RENEWED:
    case LEASES_NAME_REFRESHED:
        if (!after.found)
            abort();
        break;
    case LEASES_RELEASED:
        if (after.found)
            abort();
        break;
    default:
        if (!seen_equal(&before, &after))
            abort();
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct leases_config cfg = {MAX_ENTRIES, 120};
    struct leases *t = leases_new(&cfg);
    if (!t)
        return 0;
    uint64_t ts = FUZZ_FLOW_T0_US, seq = 0;
    size_t pos = 0;
    for (int n = 0; n < FUZZ_DHCP_MAX_RECORDS && size - pos >= 4; n++) {
        uint8_t kind = data[pos], delta = data[pos + 1];
        size_t len = (size_t)data[pos + 2] << 8 | data[pos + 3];
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        /* A copy of exactly the message's size, so ASan sees any read past it. */
        uint8_t *msg = malloc(len ? len : 1);
        if (!msg)
            break;
        memcpy(msg, data + pos, len);
        pos += len;
        ts += delta * SEC;
        seq += 1 + delta % 3; /* other packets in between, sometimes */

        struct dhcp_message m;
        int rc = dhcp_parse(kind & FUZZ_DHCP_V6 ? DHCP_KIND_V6 : DHCP_KIND_V4, msg, len, &m);
        free(msg);
        if (rc > 0 || rc < DHCP_ERR_NOT_DHCP || !dhcp_error_name(rc))
            abort();
        if (rc == 0) {
            check_message(&m);
            apply(t, &m, ts, seq);
        }
        if (delta > 200)
            leases_expire(t, ts - 100 * SEC);
    }
    struct leases_stats st;
    leases_get_stats(t, &st);
    if (st.entries > MAX_ENTRIES || st.versions > MAX_ENTRIES || st.lookups != st.hits + st.misses)
        abort();
    leases_free(t);
    return 0;
}
