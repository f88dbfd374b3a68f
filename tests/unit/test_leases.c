/*
 * test_leases.c - the address -> lease table: grants, renewals, releases,
 * host names from requests, a device that moves, expiry, the sequence rule,
 * the memory bound, DHCPv6, and concurrent use.
 *
 * Messages are given as parsed results (struct dhcp_message) made by the
 * helpers below, so each test says what the exchange was; test_dhcp.c tests
 * the parser, and fuzz_dhcp.c the two together.
 */
#include "leases.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dhcp.h"
#include "netaddr.h"
#include "test.h"

#define SEC  1000000ull /* microseconds */
#define T0   (1700000000ull * SEC)
#define HOUR (3600 * SEC)

static const uint8_t MAC1[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x31};
static const uint8_t MAC2[6] = {0x02, 0x00, 0x5e, 0x10, 0x20, 0x32};

static struct netaddr addr(const char *text)
{
    struct netaddr a;
    if (!netaddr_parse(text, &a))
        abort();
    return a;
}

/* The n-th address of 10.net.0.0/16. */
static struct netaddr nth(unsigned net, unsigned n)
{
    uint8_t v4[4] = {10, (uint8_t)net, (uint8_t)(n >> 8), (uint8_t)n};
    struct netaddr a;
    netaddr_from_v4(&a, v4);
    return a;
}

static struct leases *table(size_t max_entries, uint32_t default_lease_s)
{
    struct leases_config cfg = {max_entries, default_lease_s};
    struct leases *t = leases_new(&cfg);
    if (!t)
        abort();
    return t;
}

static struct leases_stats stats(struct leases *t)
{
    struct leases_stats s;
    leases_get_stats(t, &s);
    return s;
}

/* A DHCPv4 message from or to the device with mac (NULL: none): event ev
 * about address (NULL: none), with a host name ("" or NULL: none) and, when
 * lease_s is not 0, a lease time.  No client id: devices are told by MAC. */
static struct dhcp_message v4(enum dhcp_event ev, const char *address, const uint8_t *mac,
                              const char *hostname, uint32_t lease_s, uint32_t xid)
{
    struct dhcp_message m;
    memset(&m, 0, sizeof(m));
    m.kind = DHCP_KIND_V4;
    m.event = ev;
    m.xid = xid;
    if (address) {
        m.has_address = true;
        m.address = addr(address);
    }
    if (mac) {
        m.mac_source = DHCP_MAC_CHADDR;
        memcpy(m.mac, mac, 6);
    }
    if (hostname)
        snprintf(m.hostname, sizeof(m.hostname), "%s", hostname);
    if (lease_s) {
        m.has_lease_time = true;
        m.lease_s = lease_s;
    }
    return m;
}

static enum leases_change ack(struct leases *t, const char *address, const uint8_t *mac,
                              uint32_t lease_s, uint64_t ts, uint64_t seq)
{
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, address, mac, NULL, lease_s, 1);
    return leases_update(t, &m, ts, seq);
}

static enum leases_change request(struct leases *t, const char *address, const uint8_t *mac,
                                  const char *hostname, uint32_t xid, uint64_t ts, uint64_t seq)
{
    struct dhcp_message m = v4(DHCP_EVENT_REQUEST, address, mac, hostname, 0, xid);
    return leases_update(t, &m, ts, seq);
}

static enum leases_change release(struct leases *t, const char *address, const uint8_t *mac,
                                  uint64_t ts, uint64_t seq)
{
    struct dhcp_message m = v4(DHCP_EVENT_RELEASE, address, mac, NULL, 0, 9);
    return leases_update(t, &m, ts, seq);
}

/* The lease of address at ts for packet seq: found, and which MAC. */
static bool find(struct leases *t, const char *address, uint64_t ts, uint64_t seq,
                 struct lease *out)
{
    struct netaddr a = addr(address);
    memset(out, 0x5a, sizeof(*out));
    return leases_lookup(t, &a, ts, seq, out);
}

static bool held_by(struct leases *t, const char *address, uint64_t ts, uint64_t seq,
                    const uint8_t *mac)
{
    struct lease l;
    return find(t, address, ts, seq, &l) && l.has_mac && memcmp(l.mac, mac, 6) == 0;
}

/* ---- grants, renewals, releases --------------------------------------------- */

TEST(grant)
{
    struct leases *t = table(1024, 0);
    /* DISCOVER and REQUEST carry the host name; the ACK, as usual, does not. */
    CHECK_INT(request(t, NULL, MAC1, "FIN-LAPTOP-07", 77, T0, 1), LEASES_UNCHANGED);
    CHECK_INT(request(t, "192.0.2.57", MAC1, "FIN-LAPTOP-07", 77, T0 + 1000, 2), LEASES_UNCHANGED);
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, "192.0.2.57", MAC1, NULL, 7200, 77);
    CHECK_INT(leases_update(t, &m, T0 + 2000, 3), LEASES_GRANTED);

    struct lease l;
    CHECK(find(t, "192.0.2.57", T0 + HOUR, 10, &l));
    CHECK(l.has_mac);
    CHECK(memcmp(l.mac, MAC1, 6) == 0);
    CHECK_STR(l.hostname, "FIN-LAPTOP-07");
    CHECK_INT(l.client_id_len, 0);
    CHECK_INT(l.start_us, T0 + 2000);
    CHECK_INT(l.end_us, T0 + 2000 + 2 * HOUR);
    CHECK_INT(l.seq, 3);
    struct netaddr a = addr("192.0.2.57");
    CHECK(netaddr_cmp(&l.addr, &a) == 0);

    /* Before the grant, at its end, another address: nothing. */
    CHECK(!find(t, "192.0.2.57", T0 + 1999, 10, &l));
    CHECK(!find(t, "192.0.2.57", T0 + 2000 + 2 * HOUR, 10, &l));
    CHECK(find(t, "192.0.2.57", T0 + 2000 + 2 * HOUR - 1, 10, &l));
    CHECK(!find(t, "192.0.2.58", T0 + HOUR, 10, &l));
    CHECK(find(t, "::ffff:192.0.2.57", T0 + HOUR, 10, &l)); /* the same, mapped */

    struct leases_stats s = stats(t);
    CHECK_INT(s.entries, 1);
    CHECK_INT(s.inserted, 1);
    CHECK_INT(s.granted, 1);
    CHECK_INT(s.unchanged, 2);
    CHECK_INT(s.lookups, 6);
    CHECK_INT(s.hits, 3);
    CHECK_INT(s.misses, 3);
    leases_free(t);
}

TEST(grant_takes_only_its_own_request)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    /* Another transaction, another device, too long ago: no host name. */
    request(t, "192.0.2.10", MAC1, "other-xid", 1, T0, 1);
    request(t, "192.0.2.10", MAC2, "other-mac", 2, T0, 2);
    request(t, "192.0.2.10", MAC1, "too-old", 3, T0, 3);
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, "192.0.2.10", MAC1, NULL, 600, 2);
    leases_update(t, &m, T0 + SEC, 4);
    CHECK(find(t, "192.0.2.10", T0 + 2 * SEC, 10, &l));
    CHECK_STR(l.hostname, "");
    m.xid = 3;
    m.address = addr("192.0.2.11");
    leases_update(t, &m, T0 + (LEASES_PENDING_S + 1) * SEC, 5);
    CHECK(find(t, "192.0.2.11", T0 + (LEASES_PENDING_S + 2) * SEC, 10, &l));
    CHECK_STR(l.hostname, "");
    /* The newest request of the exchange wins; one the grant carries wins over it. */
    request(t, NULL, MAC1, "first", 4, T0 + 100 * SEC, 6);
    request(t, NULL, MAC1, "second", 4, T0 + 101 * SEC, 7);
    m.xid = 4;
    m.address = addr("192.0.2.12");
    leases_update(t, &m, T0 + 102 * SEC, 8);
    CHECK(find(t, "192.0.2.12", T0 + 103 * SEC, 10, &l));
    CHECK_STR(l.hostname, "second");
    snprintf(m.hostname, sizeof(m.hostname), "from-server");
    m.address = addr("192.0.2.13");
    leases_update(t, &m, T0 + 102 * SEC, 9);
    CHECK(find(t, "192.0.2.13", T0 + 103 * SEC, 10, &l));
    CHECK_STR(l.hostname, "from-server");
    leases_free(t);
}

TEST(lease_times)
{
    struct leases *t = table(1024, 600);
    struct lease l;
    ack(t, "192.0.2.1", MAC1, 0, T0, 1); /* none given: the default */
    CHECK(find(t, "192.0.2.1", T0, 10, &l));
    CHECK_INT(l.end_us, T0 + 600 * SEC);
    ack(t, "192.0.2.2", MAC1, DHCP_LEASE_INFINITE, T0, 2);
    CHECK(find(t, "192.0.2.2", T0, 10, &l));
    CHECK_INT(l.end_us, T0 + (uint64_t)LEASES_MAX_LEASE_S * SEC);
    ack(t, "192.0.2.3", MAC1, LEASES_MAX_LEASE_S + 1, T0, 3);
    CHECK(find(t, "192.0.2.3", T0, 10, &l));
    CHECK_INT(l.end_us, T0 + (uint64_t)LEASES_MAX_LEASE_S * SEC);
    leases_free(t);

    t = table(16, 0); /* 0: LEASES_DEFAULT_S */
    ack(t, "192.0.2.1", MAC1, 0, T0, 1);
    CHECK(find(t, "192.0.2.1", T0, 10, &l));
    CHECK_INT(l.end_us, T0 + LEASES_DEFAULT_S * SEC);
    /* At the end of time: saturates. */
    ack(t, "192.0.2.4", MAC1, 3600, UINT64_MAX - SEC, 2);
    CHECK(find(t, "192.0.2.4", UINT64_MAX - 1, 10, &l));
    CHECK_INT(l.end_us, UINT64_MAX);
    leases_free(t);
}

TEST(renew)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    request(t, "192.0.2.57", MAC1, "acct-7", 5, T0, 1);
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, "192.0.2.57", MAC1, NULL, 3600, 5);
    CHECK_INT(leases_update(t, &m, T0, 2), LEASES_GRANTED);
    /* At T1 the client renews: same name, the end moves, the start stays. */
    request(t, "192.0.2.57", MAC1, "acct-7", 6, T0 + HOUR / 2, 3);
    m.xid = 6;
    CHECK_INT(leases_update(t, &m, T0 + HOUR / 2, 4), LEASES_RENEWED);
    CHECK(find(t, "192.0.2.57", T0 + HOUR + SEC, 10, &l));
    CHECK_INT(l.start_us, T0);
    CHECK_INT(l.end_us, T0 + HOUR / 2 + HOUR);
    CHECK_STR(l.hostname, "acct-7");
    CHECK_INT(stats(t).versions, 0); /* in place */
    /* A renewal whose request was not seen keeps the name it had. */
    m.xid = 99;
    CHECK_INT(leases_update(t, &m, T0 + HOUR, 5), LEASES_RENEWED);
    CHECK(find(t, "192.0.2.57", T0 + HOUR + 10 * SEC, 10, &l));
    CHECK_STR(l.hostname, "acct-7");
    CHECK_INT(l.end_us, T0 + 2 * HOUR);
    /* After the lease ended, the same device's grant starts a new lease. */
    m.xid = 100;
    CHECK_INT(leases_update(t, &m, T0 + 3 * HOUR, 6), LEASES_GRANTED);
    CHECK(find(t, "192.0.2.57", T0 + 3 * HOUR, 10, &l));
    CHECK_INT(l.start_us, T0 + 3 * HOUR);
    CHECK_STR(l.hostname, "");
    struct leases_stats s = stats(t);
    CHECK_INT(s.granted, 2);
    CHECK_INT(s.renewed, 2);
    CHECK_INT(s.inserted, 1);
    leases_free(t);
}

TEST(release_and_decline)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    ack(t, "192.0.2.57", MAC1, 3600, T0, 1);
    /* Another device cannot end it; an address without a lease changes nothing. */
    CHECK_INT(release(t, "192.0.2.57", MAC2, T0 + 60 * SEC, 2), LEASES_UNCHANGED);
    CHECK_INT(release(t, "192.0.2.99", MAC1, T0 + 60 * SEC, 3), LEASES_UNCHANGED);
    CHECK_INT(release(t, "192.0.2.57", MAC1, T0 + 600 * SEC, 4), LEASES_RELEASED);
    CHECK(find(t, "192.0.2.57", T0 + 599 * SEC, 10, &l));
    CHECK_INT(l.end_us, T0 + 600 * SEC);
    CHECK(!find(t, "192.0.2.57", T0 + 600 * SEC, 10, &l));
    /* A packet before the release, later in time: the lease it could see. */
    CHECK(find(t, "192.0.2.57", T0 + 700 * SEC, 4, &l));
    /* Released already: a second release changes nothing. */
    CHECK_INT(release(t, "192.0.2.57", MAC1, T0 + 800 * SEC, 5), LEASES_UNCHANGED);

    ack(t, "192.0.2.58", MAC2, 3600, T0, 6);
    struct dhcp_message m = v4(DHCP_EVENT_DECLINE, "192.0.2.58", MAC2, NULL, 0, 1);
    CHECK_INT(leases_update(t, &m, T0 + SEC, 7), LEASES_RELEASED);
    CHECK(!find(t, "192.0.2.58", T0 + 2 * SEC, 10, &l));
    /* Offers and naks change nothing. */
    m = v4(DHCP_EVENT_OFFER, "192.0.2.59", MAC2, NULL, 3600, 1);
    CHECK_INT(leases_update(t, &m, T0, 8), LEASES_UNCHANGED);
    m = v4(DHCP_EVENT_NAK, NULL, MAC2, NULL, 0, 1);
    CHECK_INT(leases_update(t, &m, T0, 9), LEASES_UNCHANGED);
    CHECK(!find(t, "192.0.2.59", T0 + SEC, 10, &l));
    CHECK_INT(stats(t).released, 2);
    leases_free(t);
}

TEST(request_refreshes_host_name)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    request(t, "192.0.2.57", MAC1, "old-name", 1, T0, 1);
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, "192.0.2.57", MAC1, NULL, 3600, 1);
    leases_update(t, &m, T0, 2);
    CHECK_INT(request(t, "192.0.2.57", MAC1, "new-name", 2, T0 + 60 * SEC, 3),
              LEASES_NAME_REFRESHED);
    CHECK(find(t, "192.0.2.57", T0 + 61 * SEC, 10, &l));
    CHECK_STR(l.hostname, "new-name");
    CHECK_INT(l.start_us, T0);
    CHECK_INT(l.end_us, T0 + HOUR);
    /* A look-up for an earlier packet still sees the old name. */
    CHECK(find(t, "192.0.2.57", T0 + 59 * SEC, 3, &l));
    CHECK_STR(l.hostname, "old-name");
    /* The same name, another device, no name, no lease: nothing. */
    CHECK_INT(request(t, "192.0.2.57", MAC1, "new-name", 3, T0 + 62 * SEC, 4), LEASES_UNCHANGED);
    CHECK_INT(request(t, "192.0.2.57", MAC2, "intruder", 4, T0 + 63 * SEC, 5), LEASES_UNCHANGED);
    CHECK_INT(request(t, "192.0.2.57", MAC1, "", 5, T0 + 64 * SEC, 6), LEASES_UNCHANGED);
    CHECK_INT(request(t, "192.0.2.58", MAC1, "elsewhere", 6, T0 + 65 * SEC, 7), LEASES_UNCHANGED);
    /* After the lease ended: nothing. */
    CHECK_INT(request(t, "192.0.2.57", MAC1, "late", 7, T0 + 2 * HOUR, 8), LEASES_UNCHANGED);
    CHECK(find(t, "192.0.2.57", T0 + 30 * 60 * SEC, 10, &l));
    CHECK_STR(l.hostname, "new-name");
    CHECK_INT(stats(t).names_refreshed, 1);
    leases_free(t);
}

TEST(client_id_tells_devices)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    /* The same MAC with two client ids (two OS images on one NIC): two devices. */
    struct dhcp_message m = v4(DHCP_EVENT_GRANT, "192.0.2.57", MAC1, NULL, 3600, 1);
    m.client_id_len = 3;
    memcpy(m.client_id, "\x00\x01\x02", 3);
    leases_update(t, &m, T0, 1);
    struct dhcp_message r = m;
    r.event = DHCP_EVENT_RELEASE;
    memcpy(r.client_id, "\x00\x01\x03", 3);
    CHECK_INT(leases_update(t, &r, T0 + SEC, 2), LEASES_UNCHANGED);
    /* A release with the client id but no MAC: the same device. */
    memcpy(r.client_id, "\x00\x01\x02", 3);
    r.mac_source = DHCP_MAC_NONE;
    CHECK_INT(leases_update(t, &r, T0 + 2 * SEC, 3), LEASES_RELEASED);
    CHECK(!find(t, "192.0.2.57", T0 + 3 * SEC, 10, &l));
    /* Neither a client id nor a MAC on one side: not comparable, not the same. */
    leases_update(t, &m, T0 + 10 * SEC, 4);
    r.client_id_len = 0;
    CHECK_INT(leases_update(t, &r, T0 + 11 * SEC, 5), LEASES_UNCHANGED);
    leases_free(t);
}

/* ---- a device that moves, and the sequence rule ------------------------------- */

TEST(device_moves)
{
    struct leases *t = table(1024, 0);
    /* 192.0.2.57 to MAC1 at T0 (seq 10), to MAC2 at T0 + 2h (seq 50): MAC1's
     * lease ran out unseen, the server gave the address to another device. */
    ack(t, "192.0.2.57", MAC1, 3600, T0, 10);
    ack(t, "192.0.2.57", MAC2, 3600, T0 + 2 * HOUR, 50);
    CHECK(held_by(t, "192.0.2.57", T0 + HOUR / 2, 60, MAC1));
    CHECK(!held_by(t, "192.0.2.57", T0 + HOUR / 2, 60, MAC2));
    CHECK(held_by(t, "192.0.2.57", T0 + 2 * HOUR, 60, MAC2));
    CHECK(held_by(t, "192.0.2.57", T0 + 2 * HOUR + HOUR / 2, 60, MAC2));
    struct lease l;
    CHECK(!find(t, "192.0.2.57", T0 + HOUR + HOUR / 2, 60, &l)); /* between the two */
    CHECK(!find(t, "192.0.2.57", T0 + 3 * HOUR, 60, &l));

    /* A grant to another device while the first lease still holds (the
     * server knows best): from then on the new device. */
    ack(t, "192.0.2.60", MAC1, 3600, T0, 70);
    ack(t, "192.0.2.60", MAC2, 3600, T0 + HOUR / 2, 80);
    CHECK(held_by(t, "192.0.2.60", T0 + HOUR / 4, 90, MAC1));
    CHECK(held_by(t, "192.0.2.60", T0 + HOUR / 2, 90, MAC2));
    CHECK(held_by(t, "192.0.2.60", T0 + 3 * HOUR / 4, 90, MAC2));
    CHECK_INT(stats(t).granted, 4);
    leases_free(t);
}

TEST(sequence_rule)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    ack(t, "192.0.2.57", MAC1, 3600, T0, 10);
    /* Packet 10 made it: packets up to 10 do not see it, 11 on do. */
    CHECK(!find(t, "192.0.2.57", T0, 9, &l));
    CHECK(!find(t, "192.0.2.57", T0, 10, &l));
    CHECK(find(t, "192.0.2.57", T0, 11, &l));
    /* The move at packet 50: a packet before it sees MAC1 whatever its time. */
    ack(t, "192.0.2.57", MAC2, 3600, T0 + 10 * 60 * SEC, 50);
    CHECK(held_by(t, "192.0.2.57", T0 + 20 * 60 * SEC, 49, MAC1));
    CHECK(held_by(t, "192.0.2.57", T0 + 20 * 60 * SEC, 50, MAC1));
    CHECK(held_by(t, "192.0.2.57", T0 + 20 * 60 * SEC, 51, MAC2));
    /* A release at packet 60: packets before it still see the lease. */
    release(t, "192.0.2.57", MAC2, T0 + 30 * 60 * SEC, 60);
    CHECK(held_by(t, "192.0.2.57", T0 + 40 * 60 * SEC, 60, MAC2));
    CHECK(!find(t, "192.0.2.57", T0 + 40 * 60 * SEC, 61, &l));
    CHECK_INT(stats(t).versions, 2);
    leases_free(t);
}

TEST(horizon_frees_older_versions)
{
    struct leases *t = table(64, 0);
    const uint8_t *macs[2] = {MAC1, MAC2};
    for (unsigned i = 0; i < 10; i++)
        ack(t, "192.0.2.57", macs[i % 2], 3600, T0 + i * 60 * SEC, 10 + i);
    CHECK_INT(stats(t).versions, 9);
    /* Every version is still there for a look-up as far behind as seq 11. */
    CHECK(held_by(t, "192.0.2.57", T0 + 30 * SEC, 11, MAC1));
    CHECK(held_by(t, "192.0.2.57", T0 + 90 * SEC, 12, MAC2));
    leases_set_horizon(t, 19);
    ack(t, "192.0.2.57", MAC1, 3600, T0 + 600 * SEC, 20);
    /* A look-up to come (seq >= 19) may still see seq 18's version, and from
     * now on seq 19's: the eight before are freed. */
    CHECK_INT(stats(t).versions, 2);
    CHECK(held_by(t, "192.0.2.57", T0 + 590 * SEC, 20, MAC2));
    CHECK(held_by(t, "192.0.2.57", T0 + 600 * SEC, 21, MAC1));
    CHECK_INT(stats(t).versions_dropped, 0);
    leases_free(t);
}

TEST(version_pool_full)
{
    /* 16 entries, 16 version slots: changes beyond that with no horizon drop
     * the oldest versions, counted, and the newest stays right. */
    struct leases *t = table(16, 0);
    const uint8_t *macs[2] = {MAC1, MAC2};
    for (unsigned i = 0; i < 40; i++)
        ack(t, "192.0.2.57", macs[i % 2], 3600, T0 + i * SEC, 1 + i);
    struct leases_stats s = stats(t);
    CHECK_INT(s.versions, 16);
    CHECK_INT(s.versions_dropped, 40 - 1 - 16);
    CHECK(held_by(t, "192.0.2.57", T0 + 40 * SEC, 100, MAC2));
    CHECK(held_by(t, "192.0.2.57", T0 + 38 * SEC, 39, MAC2)); /* seq 38, i 37 */
    CHECK(held_by(t, "192.0.2.57", T0 + 38 * SEC, 40, MAC1)); /* seq 39, i 38 */
    leases_free(t);
}

/* ---- expiry and the bound ----------------------------------------------------- */

TEST(expire)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    ack(t, "192.0.2.1", MAC1, 60, T0, 1);
    ack(t, "192.0.2.2", MAC1, 3600, T0, 2);
    /* Released early, but an earlier version (for earlier packets) ends later:
     * the entry stays while that one may be looked up. */
    ack(t, "192.0.2.3", MAC2, 3600, T0, 3);
    release(t, "192.0.2.3", MAC2, T0 + 10 * SEC, 4);
    leases_expire(t, T0 + 59 * SEC);
    CHECK_INT(stats(t).entries, 3);
    leases_expire(t, T0 + 60 * SEC);
    CHECK_INT(stats(t).entries, 2);
    CHECK(!find(t, "192.0.2.1", T0 + 30 * SEC, 10, &l)); /* gone with its entry */
    leases_expire(t, T0 + HOUR - 1);
    CHECK_INT(stats(t).entries, 2);
    leases_expire(t, T0 + HOUR);
    struct leases_stats s = stats(t);
    CHECK_INT(s.entries, 0);
    CHECK_INT(s.expired, 3);
    CHECK_INT(s.versions, 0);
    /* The table works on after emptying. */
    ack(t, "192.0.2.1", MAC1, 60, T0 + 2 * HOUR, 5);
    CHECK(find(t, "192.0.2.1", T0 + 2 * HOUR, 6, &l));
    leases_free(t);
}

TEST(bounded)
{
    const size_t max = 64;
    struct leases *t = table(max, 0);
    size_t memory = stats(t).memory_bytes;
    /* Sixteen long leases, then 10 x max_entries short ones to new addresses. */
    for (unsigned i = 0; i < 16; i++) {
        struct dhcp_message m = v4(DHCP_EVENT_GRANT, NULL, MAC1, NULL, 86400, 1);
        m.has_address = true;
        m.address = nth(1, i);
        leases_update(t, &m, T0, 1 + i);
    }
    bool within = true;
    uint64_t seq = 100;
    for (unsigned i = 0; i < 10 * max; i++) {
        struct dhcp_message m =
            v4(DHCP_EVENT_REQUEST, NULL, MAC2, "flood-host-with-a-long-name", 0, i);
        m.has_address = true;
        m.address = nth(2, i);
        leases_update(t, &m, T0 + i * SEC, seq++);
        m.event = DHCP_EVENT_GRANT;
        m.has_lease_time = true;
        m.lease_s = 600;
        leases_update(t, &m, T0 + i * SEC, seq++);
        struct leases_stats s = stats(t);
        within = within && s.entries <= max && s.memory_bytes == memory;
    }
    CHECK(within);
    struct leases_stats s = stats(t);
    CHECK_INT(s.entries, max);
    CHECK_INT(s.entries_peak, max);
    CHECK_INT(s.inserted, 16 + 10 * max);
    /* Each new lease pushed out the flood's oldest, which still held (48 leases of
     * 600 s, one a second): evicted, not expired. */
    CHECK_INT(s.evicted, 16 + 10 * max - max);
    CHECK_INT(s.expired, 0);
    /* The long leases end last: never the ones evicted. */
    int kept = 0;
    for (unsigned i = 0; i < 16; i++) {
        struct netaddr a = nth(1, i);
        struct lease l;
        kept += leases_lookup(t, &a, T0 + 10 * max * SEC, seq, &l);
    }
    CHECK_INT(kept, 16);
    /* Fixed at creation: about 340 bytes an entry. */
    CHECK(memory < sizeof(struct leases_stats) + max * 400 + 64 * 1024);
    leases_free(t);
}

TEST(small_max_entries_raised_to_floor)
{
    struct leases *t = table(1, 0);
    for (unsigned i = 0; i < 40; i++) {
        struct dhcp_message m = v4(DHCP_EVENT_GRANT, NULL, MAC1, NULL, 3600, 1);
        m.has_address = true;
        m.address = nth(3, i);
        leases_update(t, &m, T0, 1 + i);
    }
    CHECK_INT(stats(t).entries, LEASES_MIN_ENTRIES);
    leases_free(t);
    struct leases_config huge = {(size_t)1 << 30, 0};
    CHECK(leases_new(&huge) == NULL);
    leases_free(NULL);
}

/* ---- DHCPv6 -------------------------------------------------------------------- */

static struct dhcp_message v6(enum dhcp_event ev, const char *address, const uint8_t *duid,
                              size_t duid_len, const char *hostname, uint32_t valid, uint32_t xid)
{
    struct dhcp_message m;
    memset(&m, 0, sizeof(m));
    m.kind = DHCP_KIND_V6;
    m.event = ev;
    m.xid = xid;
    if (address) {
        m.has_address = true;
        m.address = addr(address);
        m.has_lease_time = true;
        m.lease_s = valid;
    }
    memcpy(m.client_id, duid, duid_len);
    m.client_id_len = (uint8_t)duid_len;
    if (hostname)
        snprintf(m.hostname, sizeof(m.hostname), "%s", hostname);
    return m;
}

TEST(v6_leases)
{
    struct leases *t = table(1024, 0);
    struct lease l;
    static const uint8_t duid_en[10] = {0, 2, 0, 0, 0x01, 0x37, 1, 2, 3, 4};
    static const uint8_t duid_ll[10] = {0, 3, 0, 1, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x31};

    /* Request with Client FQDN through a relay that names the MAC, then Reply. */
    struct dhcp_message m =
        v6(DHCP_EVENT_REQUEST, "2001:db8:10::57", duid_en, sizeof(duid_en), "eng-ws-3", 0, 0x77);
    m.mac_source = DHCP_MAC_RELAY;
    memcpy(m.mac, MAC2, 6);
    CHECK_INT(leases_update(t, &m, T0, 1), LEASES_UNCHANGED);
    m = v6(DHCP_EVENT_GRANT, "2001:db8:10::57", duid_en, sizeof(duid_en), NULL, 7200, 0x77);
    CHECK_INT(leases_update(t, &m, T0 + 1000, 2), LEASES_GRANTED);
    CHECK(find(t, "2001:db8:10::57", T0 + HOUR, 10, &l));
    CHECK_STR(l.hostname, "eng-ws-3");
    CHECK(l.has_mac);
    CHECK(memcmp(l.mac, MAC2, 6) == 0);
    CHECK_INT(l.client_id_len, sizeof(duid_en));
    CHECK_INT(l.end_us, T0 + 1000 + 2 * HOUR);
    CHECK(!find(t, "2001:db8:10::58", T0 + HOUR, 10, &l));

    /* No MAC anywhere: the DUID tells the device (renew, release). */
    m = v6(DHCP_EVENT_GRANT, "2001:db8:10::60", duid_en, sizeof(duid_en), NULL, 3600, 1);
    CHECK_INT(leases_update(t, &m, T0, 3), LEASES_GRANTED);
    CHECK(find(t, "2001:db8:10::60", T0 + SEC, 10, &l));
    CHECK(!l.has_mac);
    CHECK_INT(leases_update(t, &m, T0 + HOUR / 2, 4), LEASES_RENEWED);
    struct dhcp_message other = m;
    other.event = DHCP_EVENT_RELEASE;
    memcpy(other.client_id, duid_ll, sizeof(duid_ll));
    CHECK_INT(leases_update(t, &other, T0 + HOUR, 5), LEASES_UNCHANGED);
    m.event = DHCP_EVENT_RELEASE;
    CHECK_INT(leases_update(t, &m, T0 + HOUR, 6), LEASES_RELEASED);
    CHECK(!find(t, "2001:db8:10::60", T0 + HOUR, 10, &l));

    /* A Reply with valid lifetime 0 (parsed as a release) ends the lease too. */
    m = v6(DHCP_EVENT_GRANT, "2001:db8:10::61", duid_ll, sizeof(duid_ll), NULL, 3600, 2);
    m.mac_source = DHCP_MAC_DUID;
    memcpy(m.mac, MAC1, 6);
    leases_update(t, &m, T0, 7);
    m.event = DHCP_EVENT_RELEASE;
    m.lease_s = 0;
    CHECK_INT(leases_update(t, &m, T0 + 60 * SEC, 8), LEASES_RELEASED);
    /* v4 and v6 leases of one device live side by side. */
    ack(t, "192.0.2.61", MAC1, 3600, T0, 9);
    CHECK(held_by(t, "192.0.2.61", T0 + SEC, 10, MAC1));
    CHECK(held_by(t, "2001:db8:10::61", T0 + SEC, 10, MAC1));
    leases_free(t);
}

/* ---- concurrency --------------------------------------------------------------- */

#define THREAD_ADDRS 200

struct shared {
    struct leases *t;
    atomic_ullong published_seq;
    atomic_bool done;
    long updates;
};

static void *writer(void *arg)
{
    struct shared *sh = arg;
    for (long i = 0; i < sh->updates; i++) {
        uint64_t seq = (uint64_t)i + 1, ts = T0 + (uint64_t)i * 10000;
        struct dhcp_message m = v4(DHCP_EVENT_GRANT, NULL, i % 3 ? MAC1 : MAC2,
                                   i % 2 ? "even" : "odd", (uint32_t)(1 + i % 90), (uint32_t)i);
        m.has_address = true;
        m.address = nth(4, (unsigned)(i * 7 % THREAD_ADDRS));
        if (i % 11 == 0)
            m.event = DHCP_EVENT_RELEASE;
        leases_update(sh->t, &m, ts, seq);
        atomic_store_explicit(&sh->published_seq, seq, memory_order_relaxed);
        if (i % 1000 == 0) {
            leases_set_horizon(sh->t, seq > 5000 ? seq - 5000 : 0);
            leases_expire(sh->t, ts > 60 * SEC ? ts - 60 * SEC : 0);
        }
    }
    atomic_store(&sh->done, true);
    return NULL;
}

struct reader_result {
    struct shared *sh;
    long lookups, hits, bad;
};

static void *reader(void *arg)
{
    struct reader_result *r = arg;
    unsigned x = 12345;
    while (!atomic_load(&r->sh->done) || r->lookups < 1000) {
        x = x * 1103515245u + 12345u;
        uint64_t seq = atomic_load_explicit(&r->sh->published_seq, memory_order_relaxed);
        struct netaddr a = nth(4, (x >> 8) % THREAD_ADDRS);
        struct lease l;
        if (leases_lookup(r->sh->t, &a, T0 + seq * 10000, seq + 1, &l)) {
            r->bad += netaddr_cmp(&l.addr, &a) != 0 || !l.has_mac ||
                      (strcmp(l.hostname, "even") != 0 && strcmp(l.hostname, "odd") != 0) ||
                      l.seq > seq;
            r->hits++;
        }
        r->lookups++;
    }
    return NULL;
}

TEST(concurrent_update_and_lookup)
{
    struct shared sh = {.t = table(128, 0), .updates = 100000};
    atomic_init(&sh.published_seq, 0);
    atomic_init(&sh.done, false);
    struct reader_result r1 = {&sh, 0, 0, 0}, r2 = {&sh, 0, 0, 0};
    pthread_t w, t1, t2;
    CHECK_INT(pthread_create(&t1, NULL, reader, &r1), 0);
    CHECK_INT(pthread_create(&t2, NULL, reader, &r2), 0);
    CHECK_INT(pthread_create(&w, NULL, writer, &sh), 0);
    pthread_join(w, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK_INT(r1.bad + r2.bad, 0);
    CHECK(r1.hits + r2.hits > 0);
    struct leases_stats s = stats(sh.t);
    CHECK_INT(s.lookups, r1.lookups + r2.lookups);
    CHECK_INT(s.hits + s.misses, s.lookups);
    CHECK_INT(s.granted + s.renewed + s.released + s.names_refreshed + s.unchanged, sh.updates);
    CHECK(s.entries <= 128);
    fprintf(stderr, "concurrent: %ld lookups, %ld hits while %ld updates\n",
            r1.lookups + r2.lookups, r1.hits + r2.hits, sh.updates);
    leases_free(sh.t);
}

int main(void)
{
    alarm(600);
    RUN(grant);
    RUN(grant_takes_only_its_own_request);
    RUN(lease_times);
    RUN(renew);
    RUN(release_and_decline);
    RUN(request_refreshes_host_name);
    RUN(client_id_tells_devices);
    RUN(device_moves);
    RUN(sequence_rule);
    RUN(horizon_frees_older_versions);
    RUN(version_pool_full);
    RUN(expire);
    RUN(bounded);
    RUN(small_max_entries_raised_to_floor);
    RUN(v6_leases);
    RUN(concurrent_update_and_lookup);
    return test_report();
}
