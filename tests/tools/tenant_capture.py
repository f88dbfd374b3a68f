#!/usr/bin/env python3
"""tenant_capture.py - TLS connections to own and other tenants of services.

Usage: tenant_capture.py OUT.pcap TRUTH.json

Writes a microsecond Ethernet pcap of IPv4 TCP connections, each a complete
handshake, a TLS ClientHello whose server_name is the only name the flow
carries (no DNS in the capture), an upload and a download of known sizes in
segments of at most 1400 bytes, and a FIN exchange; and TRUTH.json, one entry
per connection: its client address, server name, department, service,
tenant class (own, other, none) and tenant, and the IP bytes each way (what
the sensor counts: the IP total length of every packet).

The connections, all within one hour of 2026-11-03, reach three services
whose host names carry a tenant (SharePoint/OneDrive for Business, Slack,
Amazon S3) and one the policy does not sanction (Box): the organisation's
own tenants (contoso, contoso-backups), other organisations' (fabrikam,
northwind, partnerco, buckets), names that carry no tenant, and one large
upload to another company's OneDrive.  Servers are in the documentation
ranges 198.51.100.0/24 and 203.0.113.0/24; clients in the departments'
networks of rules/departments.conf.  Deterministic: the same files every run.
"""
import json
import struct
import sys

START = 1793700000  # 2026-11-03T10:40:00Z, aligned below to the hour
HOUR = START - START % 3600

# client, server address, server name, department, service, class, tenant,
# upload bytes, download bytes
CONNECTIONS = [
    ("10.30.0.11", "198.51.100.10", "contoso-my.sharepoint.com", "finance", "microsoft-365",
     "own", "contoso", 200000, 50000),
    ("10.30.0.11", "198.51.100.11", "fabrikam-my.sharepoint.com", "finance", "microsoft-365",
     "other", "fabrikam", 3000000, 20000),
    ("10.30.0.12", "198.51.100.11", "fabrikam-my.sharepoint.com", "finance", "microsoft-365",
     "other", "fabrikam", 100000, 8000),
    ("10.30.0.12", "198.51.100.11", "fabrikam-my.sharepoint.com", "finance", "microsoft-365",
     "other", "fabrikam", 7000, 1000),
    ("10.30.0.12", "198.51.100.10", "contoso-my.sharepoint.com", "finance", "microsoft-365",
     "own", "contoso", 60000, 10000),
    ("10.20.0.21", "198.51.100.12", "northwind.sharepoint.com", "sales", "microsoft-365",
     "other", "northwind", 30000, 400000),
    ("10.20.0.22", "198.51.100.10", "contoso.sharepoint.com", "sales", "microsoft-365",
     "own", "contoso", 10000, 300000),
    ("10.50.0.9", "198.51.100.13", "login.microsoftonline.com", "hr", "microsoft-365",
     "none", None, 4000, 9000),
    ("10.10.0.31", "203.0.113.20", "contoso.slack.com", "engineering", "slack",
     "own", "contoso", 20000, 80000),
    ("10.10.0.32", "203.0.113.21", "partnerco.slack.com", "engineering", "slack",
     "other", "partnerco", 15000, 60000),
    ("10.10.0.33", "203.0.113.21", "partnerco.slack.com", "engineering", "slack",
     "other", "partnerco", 5000, 10000),
    ("10.10.0.31", "203.0.113.22", "app.slack.com", "engineering", "slack",
     "none", None, 3000, 12000),
    ("10.0.0.5", "203.0.113.30", "contoso-backups.s3.eu-west-1.amazonaws.com", "it", "aws",
     "own", "contoso-backups", 2500000, 10000),
    ("10.0.0.6", "203.0.113.31", "media.example-bucket.s3.amazonaws.com", "it", "aws",
     "other", "media.example-bucket", 40000, 5000),
    ("10.40.0.7", "203.0.113.32", "randombucket.s3.us-east-2.amazonaws.com", "marketing", "aws",
     "other", "randombucket", 200000, 3000),
    ("10.40.0.8", "203.0.113.40", "acmecorp.app.box.com", "marketing", "box",
     "other", "acmecorp", 50000, 20000),
]

MSS = 1400


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(a):
    return bytes(int(x) for x in a.split("."))


def ipv4_tcp(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = addr(src) + addr(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    total = 20 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, addr(src), addr(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def client_hello(name):
    host = name.encode()
    sni = struct.pack("!HBH", len(host) + 3, 0, len(host)) + host
    ext = struct.pack("!HH", 0, len(sni)) + sni
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", 2) + b"\x13\x01" +
            b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def server_hello():
    body = b"\x03\x03" + bytes(32) + b"\x00\x13\x01\x00" + b"\x00\x00"
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


def app_data(n):
    """n bytes of TLS application-data records, in segments of at most MSS."""
    out = []
    while n > 0:
        seg = min(n, MSS)
        out.append(b"\x17\x03\x03" + struct.pack("!H", max(seg - 5, 0)) + bytes(max(seg - 5, 0))
                   if seg >= 5 else bytes(seg))
        n -= seg
    return out


class Writer:
    def __init__(self):
        self.records = []

    def add(self, ts_us, ip):
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        frame = eth + ip
        self.records.append(struct.pack("<IIII", ts_us // 1000000, ts_us % 1000000, len(frame),
                                        len(frame)) + frame)

    def data(self):
        return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + b"".join(self.records)


def connection(w, ts, n, c):
    client, server, name = c[0], c[1], c[2]
    up, down = c[7], c[8]
    cport, sport = 40000 + n, 443
    cseq, sseq = 1000 * (n + 1), 500000 * (n + 1)
    sent = {"up": 0, "down": 0}

    def send(from_client, flags, payload=b""):
        nonlocal ts, cseq, sseq
        if from_client:
            ip = ipv4_tcp(client, server, cport, sport, cseq, sseq, flags, payload)
            cseq += len(payload) + (1 if flags & 0x03 else 0)
            sent["up"] += len(ip)
        else:
            ip = ipv4_tcp(server, client, sport, cport, sseq, cseq, flags, payload)
            sseq += len(payload) + (1 if flags & 0x03 else 0)
            sent["down"] += len(ip)
        w.add(ts, ip)
        ts += 200

    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    send(True, SYN)
    send(False, SYN | ACK)
    send(True, ACK)
    send(True, PSH | ACK, client_hello(name))
    send(False, PSH | ACK, server_hello())
    for seg in app_data(up):
        send(True, PSH | ACK, seg)
    for seg in app_data(down):
        send(False, PSH | ACK, seg)
    send(True, FIN | ACK)
    send(False, FIN | ACK)
    send(True, ACK)
    return ts, sent


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    w = Writer()
    truth = []
    ts = (HOUR + 60) * 1000000
    for n, c in enumerate(CONNECTIONS):
        ts, sent = connection(w, ts, n, c)
        ts += 1000000
        truth.append({"client": c[0], "server_name": c[2], "department": c[3], "service": c[4],
                      "class": c[5], "tenant": c[6], "bytes_up": sent["up"],
                      "bytes_down": sent["down"]})
    with open(argv[1], "wb") as f:
        f.write(w.data())
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
