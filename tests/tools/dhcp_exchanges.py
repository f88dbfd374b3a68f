#!/usr/bin/env python3
"""dhcp_exchanges.py - DHCP exchanges as seeds of the dhcp fuzz target.

Usage: dhcp_exchanges.py OUTDIR

Writes into OUTDIR files in the "dhcp" format of tests/fuzz/fuzz.h (records
[kind:1][delta:1][length:2][message...]): each message type alone, and
exchanges in sequence so that the lease table behind the parser sees grants,
renewals, host names taken from requests, releases and a device that moves:

  v4-dora          DISCOVER, OFFER, REQUEST, ACK, a renewal, RELEASE
  v4-move          an address to one MAC, then after its lease to another
  v4-inform-nak    INFORM and its ACK (no yiaddr), DECLINE, NAK, BOOTP
  v6-exchange      Solicit, Advertise, Request, Reply, Renew, Reply, Release
  v6-relayed       the same Request and Reply through two relays, with the
                   relay's Client Link-Layer Address option
  v6-withdrawn     a Reply with valid lifetime 0, and one with NoAddrsAvail

Host names and MACs are made up (documentation ranges, locally administered
MACs).  Deterministic: the same files every run.
"""
import os
import struct
import sys

MAC1 = bytes([0x02, 0x00, 0x5E, 0x10, 0x20, 0x31])
MAC2 = bytes([0x02, 0x00, 0x5E, 0x10, 0x20, 0x32])
V4, V6 = 0, 1


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def ip6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def v4(op, mtype, mac, xid=0x3903F326, ciaddr="0.0.0.0", yiaddr="0.0.0.0", opts=b""):
    """A DHCPv4 message: BOOTP header, cookie, option 53, opts, END."""
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0, 0x8000,
                       ip4(ciaddr), ip4(yiaddr), b"\0" * 4, b"\0" * 4, mac, b"", b"")
    return head + b"\x63\x82\x53\x63" + bytes([53, 1, mtype]) + opts + b"\xff"


def opt4(code, data):
    return bytes([code, len(data)]) + data


def client_opts(hostname=None, requested=None, mac=MAC1):
    o = opt4(61, b"\x01" + mac)
    if requested:
        o += opt4(50, ip4(requested))
    if hostname:
        o += opt4(12, hostname.encode())
    return o + opt4(55, bytes([1, 3, 6, 15, 119, 252]))


def server_opts(lease):
    return opt4(54, ip4("192.0.2.1")) + opt4(51, struct.pack("!I", lease)) + \
        opt4(1, ip4("255.255.255.0"))


def opt6(code, data):
    return struct.pack("!HH", code, len(data)) + data


def duid_llt(mac):
    return opt6(1, struct.pack("!HHI", 1, 1, 0x2A5C1B3D) + mac)


def ia_na(address=None, valid=0, status=None):
    body = struct.pack("!III", 0x0E000001, valid // 2, valid // 5 * 4)
    if address:
        body += opt6(5, ip6(address) + struct.pack("!II", valid // 2, valid))
    if status is not None:
        body += opt6(13, struct.pack("!H", status) + b"status")
    return opt6(3, body)


def fqdn(name):
    wire = b"".join(bytes([len(label)]) + label.encode() for label in name.split("."))
    return opt6(39, b"\x01" + wire + b"\0")


def v6(mtype, xid=0x7D3A11, opts=b""):
    return bytes([mtype]) + struct.pack("!I", xid)[1:] + opts


def relay(mtype, inner, ll=None):
    body = bytes([mtype, 0]) + ip6("2001:db8:1::1") + ip6("fe80::1") + opt6(9, inner)
    if ll:
        body += opt6(79, struct.pack("!H", 1) + ll)
    return body


def records(*items):
    """items: (kind, delta seconds, message) ..."""
    return b"".join(struct.pack("!BBH", k, d, len(m)) + m for k, d, m in items)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    ack = v4(2, 5, MAC1, yiaddr="192.0.2.57", opts=server_opts(120))
    seeds["v4-dora"] = records(
        (V4, 0, v4(1, 1, MAC1, opts=client_opts("fin-laptop-07"))),
        (V4, 0, v4(2, 2, MAC1, yiaddr="192.0.2.57", opts=server_opts(120))),
        (V4, 1, v4(1, 3, MAC1, opts=client_opts("fin-laptop-07", "192.0.2.57"))),
        (V4, 0, ack),
        (V4, 60, v4(1, 3, MAC1, 7, ciaddr="192.0.2.57", opts=client_opts("FIN-laptop-07"))),
        (V4, 0, v4(2, 5, MAC1, 7, ciaddr="192.0.2.57", yiaddr="192.0.2.57",
                   opts=server_opts(120))),
        (V4, 30, v4(1, 7, MAC1, 8, ciaddr="192.0.2.57", opts=client_opts())))
    seeds["v4-move"] = records(
        (V4, 0, v4(1, 3, MAC1, 1, opts=client_opts("acct-7", "192.0.2.60"))),
        (V4, 0, v4(2, 5, MAC1, 1, yiaddr="192.0.2.60", opts=server_opts(60))),
        (V4, 90, v4(1, 3, MAC2, 2, opts=client_opts("eng-ws-3", "192.0.2.60", MAC2))),
        (V4, 0, v4(2, 5, MAC2, 2, yiaddr="192.0.2.60", opts=server_opts(60))),
        (V4, 10, v4(1, 7, MAC1, 3, ciaddr="192.0.2.60", opts=client_opts())))
    seeds["v4-inform-nak"] = records(
        (V4, 0, v4(1, 8, MAC1, ciaddr="192.0.2.70", opts=client_opts("printer-2"))),
        (V4, 0, v4(2, 5, MAC1, ciaddr="192.0.2.70")),
        (V4, 1, v4(1, 4, MAC1, opts=client_opts(None, "192.0.2.71"))),
        (V4, 1, v4(2, 6, MAC1)),
        (V4, 1, v4(1, 1, MAC1)[:240] + opt4(12, b"bootp") + b"\xff"))
    client = duid_llt(MAC1) + opt6(8, b"\0\0")
    server = opt6(2, b"\x00\x02\x00\x00\x01\x37srv1")
    seeds["v6-exchange"] = records(
        (V6, 0, v6(1, 1, client + ia_na() + fqdn("eng-ws-3.corp.example"))),
        (V6, 0, v6(2, 1, client + server + ia_na("2001:db8:10::57", 120))),
        (V6, 1, v6(3, 2, client + server + ia_na("2001:db8:10::57") + fqdn("eng-ws-3"))),
        (V6, 0, v6(7, 2, client + server + ia_na("2001:db8:10::57", 120))),
        (V6, 60, v6(5, 3, client + server + ia_na("2001:db8:10::57") + fqdn("eng-ws-4"))),
        (V6, 0, v6(7, 3, client + server + ia_na("2001:db8:10::57", 120))),
        (V6, 30, v6(8, 4, client + server + ia_na("2001:db8:10::57"))))
    request = v6(3, 5, client + server + ia_na("2001:db8:10::58") + fqdn("acct-7"))
    reply = v6(7, 5, client + server + ia_na("2001:db8:10::58", 600))
    seeds["v6-relayed"] = records(
        (V6, 0, relay(12, relay(12, request, MAC2), MAC1)),
        (V6, 0, relay(13, relay(13, reply))))
    seeds["v6-withdrawn"] = records(
        (V6, 0, v6(7, 6, client + server + ia_na("2001:db8:10::59", 600))),
        (V6, 5, v6(7, 7, client + server + ia_na("2001:db8:10::59", 0))),
        (V6, 5, v6(7, 8, client + server + ia_na(None, 0, 2))),
        (V6, 5, v6(11, 9, client)),
        (V6, 0, v6(7, 9, client + server)))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(out, "made-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
