#!/usr/bin/env python3
"""dhcp_capture.py - devices on a shared Wi-Fi subnet whose department only DHCP tells.

Usage: dhcp_capture.py OUT.pcap TRUTH.json

Writes a microsecond Ethernet pcap of one day (2026-11-04): TLS connections
(tenant_capture.py's) from devices of 10.90.0.0/16, a subnet no department
lists, and DHCPv4 exchanges (DISCOVER, OFFER, REQUEST with the host name,
ACK) only from noon on; and TRUTH.json, per connection its client, time,
server name and the department and source the rules of tests/integration/
dhcp_departments.sh must give it:

  - a finance laptop (host name FIN-LAPTOP-7) connects at 09:00, before any
    DHCP (unassigned), and at 13:00 after its ACK (finance, by dhcp_names);
  - a device whose MAC has the sales prefix 02:00:5e:aa, no host name: 13:00
    (sales, by macs);
  - an address leased to a FIN- laptop at 12:00, released at 14:00 and leased
    to a sales-prefix MAC at 14:30: 13:30 finance, 15:00 sales;
  - a finance-network address the assignment feed gives to hr: 10:00 (hr, by
    the assignment), and one it does not: 10:30 (finance, by its network).

Host names and MACs are made up (locally administered MACs).  Deterministic.
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tenant_capture as tc  # noqa: E402  (the TCP/TLS and pcap writers)

DAY = 1793750400  # 2026-11-04T00:00:00Z
SERVER = "198.51.100.10"
NAME = "contoso.sharepoint.com"


def ipv4_udp(src, dst, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    total = 20 + len(udp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0, 64, 17, 0, tc.addr(src), tc.addr(dst))
    return ip[:10] + struct.pack("!H", tc.checksum(ip)) + ip[12:] + udp


def bootp(op, mtype, mac, xid, yiaddr="0.0.0.0", ciaddr="0.0.0.0", hostname=None, lease=None):
    msg = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, 0, 0, tc.addr(ciaddr),
                      tc.addr(yiaddr), tc.addr("0.0.0.0"), tc.addr("0.0.0.0"))
    msg += mac + bytes(10) + bytes(64) + bytes(128) + b"\x63\x82\x53\x63"
    msg += bytes([53, 1, mtype])
    if hostname:
        msg += bytes([12, len(hostname)]) + hostname.encode()
    if lease:
        msg += bytes([51, 4]) + struct.pack("!I", lease) + bytes([54, 4]) + tc.addr("10.90.0.1")
    return msg + b"\xff"


def dhcp_exchange(w, ts, mac, address, xid, hostname=None, lease=8 * 3600):
    """DISCOVER, OFFER, REQUEST, ACK, a second apart."""
    for i, (src, dst, sport, dport, msg) in enumerate([
        ("0.0.0.0", "255.255.255.255", 68, 67, bootp(1, 1, mac, xid, hostname=hostname)),
        ("10.90.0.1", address, 67, 68, bootp(2, 2, mac, xid, yiaddr=address, lease=lease)),
        ("0.0.0.0", "255.255.255.255", 68, 67, bootp(1, 3, mac, xid, hostname=hostname)),
        ("10.90.0.1", address, 67, 68, bootp(2, 5, mac, xid, yiaddr=address, lease=lease)),
    ]):
        w.add(ts + i * 1000000, ipv4_udp(src, dst, sport, dport, msg))


def release(w, ts, mac, address, xid):
    w.add(ts, ipv4_udp(address, "10.90.0.1", 68, 67, bootp(1, 7, mac, xid, ciaddr=address)))


FIN = bytes([0x02, 0x00, 0x5E, 0x10, 0x00, 0x01])
FIN2 = bytes([0x02, 0x00, 0x5E, 0x10, 0x00, 0x03])
SALES = bytes([0x02, 0x00, 0x5E, 0xAA, 0x00, 0x02])
SALES2 = bytes([0x02, 0x00, 0x5E, 0xAA, 0x00, 0x04])

# (hour, client, department, source)
FLOWS = [
    (9.0, "10.90.0.10", "unassigned", "unassigned"),
    (10.0, "10.30.0.50", "hr", "assignment"),
    (10.5, "10.30.0.51", "finance", "network"),
    (13.0, "10.90.0.10", "finance", "dhcp"),
    (13.0, "10.90.0.11", "sales", "dhcp"),
    (13.5, "10.90.0.12", "finance", "dhcp"),
    (15.0, "10.90.0.12", "sales", "dhcp"),
]


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    w = tc.Writer()
    events = []  # (time in us, kind, args)
    noon = (DAY + 12 * 3600) * 1000000
    events.append((noon, "dhcp", (FIN, "10.90.0.10", 0x1001, "FIN-LAPTOP-7")))
    events.append((noon + 60000000, "dhcp", (SALES, "10.90.0.11", 0x1002, None)))
    events.append((noon + 120000000, "dhcp", (FIN2, "10.90.0.12", 0x1003, "fin-desk-12")))
    events.append(((DAY + 14 * 3600) * 1000000, "release", (FIN2, "10.90.0.12", 0x1004)))
    events.append(((DAY + 14 * 3600 + 1800) * 1000000, "dhcp", (SALES2, "10.90.0.12", 0x1005, None)))
    for n, (hour, client, dept, src) in enumerate(FLOWS):
        events.append((int((DAY + hour * 3600) * 1000000), "flow", (n, client, dept, src)))
    truth = []
    for ts, kind, args in sorted(events, key=lambda e: e[0]):
        if kind == "dhcp":
            dhcp_exchange(w, ts, args[0], args[1], args[2], args[3])
        elif kind == "release":
            release(w, ts, *args)
        else:
            n, client, dept, src = args
            conn = (client, SERVER, NAME, dept, "microsoft-365", "own", "contoso", 3000 + n, 9000)
            _, sent = tc.connection(w, ts, n, conn)
            truth.append({"client": client, "start": ts, "department": dept, "source": src,
                          "bytes_up": sent["up"], "bytes_down": sent["down"]})
    with open(argv[1], "wb") as f:
        f.write(w.data())
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
