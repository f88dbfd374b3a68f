#!/usr/bin/env python3
"""ai_servers_capture.py - a capture of model servers inside the network.

Usage: ai_servers_capture.py OUT.pcap TRUTH.json [--without-ai]

Writes a microsecond Ethernet pcap of whole TCP connections (handshake,
requests, answers, FIN) on 2026-11-02 between addresses of
rules/departments.conf, and TRUTH.json, what the sensor must make of it:

  - an Ollama server, 10.0.0.50:11434 (department it), asked POST /api/generate,
    POST /api/chat and GET /api/tags by clients of engineering (3 devices),
    sales (2) and finance (1): one request line cut over two segments, two
    requests on one keep-alive connection, one answered after
    "100 Continue";
  - an OpenAI-compatible server, 172.16.8.20:8000 (internal, no department),
    asked POST /v1/chat/completions and GET /v1/models by sales (2) and
    engineering (1);
  - flows that are no model server's: GET /index.html of an internal web
    server, POST /api/generatex (a near miss) to the Ollama server answered
    200, POST /api/generate to a web server answered 404;
  - traffic to the internet: HTTP to a cloud service, which alone counts
    as cloud usage.

With --without-ai only the traffic to the internet is written (the same
packets at the same times), so that a test can check the cloud figures do not
move.  TRUTH.json: {"date", "month", "addresses": [every internal address written],
"servers": {"IP:PORT": {api, department, bytes_up, bytes_down, flows,
requests, clients: {dept: {devices, bytes_up, bytes_down, flows, requests}}}},
"flows": [{client, server, port, model, bytes_up, bytes_down, requests}]}.
Bytes are IP bytes, as the sensor counts them.  Deterministic.
"""
import json
import struct
import sys

T0 = 1793606400  # 2026-11-02T08:00:00Z


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    """An Ethernet frame of one IPv4 TCP segment, and its IP length."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      5 << 4, flags, 65535, 0, 0) + payload
    pseudo = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    total = 20 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0, ip4(src), ip4(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    return eth + ip + tcp, total


SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10


class Capture:
    def __init__(self):
        self.records = []
        self.t = T0 * 1000000
        self.port = 40000

    def packet(self, src, dst, sport, dport, seq, ack, flags, payload=b""):
        data, total = frame(src, dst, sport, dport, seq, ack, flags, payload)
        self.t += 700
        self.records.append(struct.pack("<IIII", self.t // 1000000, self.t % 1000000,
                                        len(data), len(data)) + data)
        return total

    def connection(self, client, server, port, exchanges):
        """One TCP connection: exchanges are (client segments, server segments)
        pairs, each a list of payloads.  Returns (bytes_up, bytes_down)."""
        self.port += 1
        cport, c_seq, s_seq = self.port, 1000, 5000
        up = down = 0
        up += self.packet(client, server, cport, port, c_seq, 0, SYN)
        down += self.packet(server, client, port, cport, s_seq, c_seq + 1, SYN | ACK)
        c_seq += 1
        s_seq += 1
        up += self.packet(client, server, cport, port, c_seq, s_seq, ACK)
        for sent, answered in exchanges:
            for p in sent:
                up += self.packet(client, server, cport, port, c_seq, s_seq, PSH | ACK, p)
                c_seq += len(p)
            for p in answered:
                down += self.packet(server, client, port, cport, s_seq, c_seq, PSH | ACK, p)
                s_seq += len(p)
        up += self.packet(client, server, cport, port, c_seq, s_seq, FIN | ACK)
        down += self.packet(server, client, port, cport, s_seq, c_seq + 1, FIN | ACK)
        up += self.packet(client, server, cport, port, c_seq + 1, s_seq + 1, ACK)
        self.t += 50000  # 50 ms between connections
        return up, down

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            f.write(b"".join(self.records))


def request(method, path, host, body=b"", extra=""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: test\r\n%s" % (method, path, host, extra)
    if body:
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return (head + "\r\n").encode() + body


def answer(status, body):
    return ("HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (status, len(body))).encode() + body


OLLAMA, OPENAI = ("10.0.0.50", 11434), ("172.16.8.20", 8000)
WEB, WEB404 = ("10.0.0.80", 80), ("10.0.0.81", 80)
CLOUD = ("198.51.100.10", 80)
ENG = ["10.10.1.11", "10.10.1.12", "10.10.1.13"]
SALES = ["10.20.1.21", "10.20.1.22", "10.20.1.23", "10.20.1.24"]
FINANCE = ["10.30.1.31"]
DEPT = {a: "engineering" for a in ENG}
DEPT.update({a: "sales" for a in SALES})
DEPT.update({a: "finance" for a in FINANCE})

GEN = b'{"model":"llama3","prompt":"Summarise the quarterly figures","stream":false}'
CHAT = b'{"model":"llama3","messages":[{"role":"user","content":"Hello"}]}'
OAI = b'{"model":"qwen2","messages":[{"role":"user","content":"Draft a reply"}]}'


def one(method, path, server, body, status, reply):
    host = "%s:%d" % server
    return ([request(method, path, host, body)], [answer(status, reply)])


def flows():
    """(client, (server, port), model api or None, exchanges, requests)."""
    gen = one("POST", "/api/generate", OLLAMA, GEN, "200 OK", b'{"response":"' + b"x" * 900 + b'"}')
    chat = one("POST", "/api/chat", OLLAMA, CHAT, "200 OK", b'{"message":"' + b"y" * 400 + b'"}')
    tags = one("GET", "/api/tags", OLLAMA, b"", "200 OK", b'{"models":[{"name":"llama3"}]}')
    whole = request("POST", "/api/chat", "10.0.0.50:11434", CHAT)
    cut = ([whole[:12], whole[12:]], [answer("200 OK", b'{"message":"z"}')])
    cont = ([request("POST", "/api/generate", "10.0.0.50:11434", b"", "Expect: 100-continue\r\n"
                     "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(GEN))],
            [b"HTTP/1.1 100 Continue\r\n\r\n"])
    cont_body = ([GEN], [answer("200 OK", b'{"response":"ok"}')])
    oai_chat = one("POST", "/v1/chat/completions", OPENAI, OAI, "200 OK",
                   b'{"choices":[{"message":{"content":"' + b"w" * 700 + b'"}}]}')
    oai_models = one("GET", "/v1/models", OPENAI, b"", "200 OK", b'{"data":[{"id":"qwen2"}]}')
    return [
        (ENG[0], OLLAMA, "ollama", [gen], 1),
        (ENG[1], OLLAMA, "ollama", [cut], 1),
        (ENG[2], OLLAMA, "ollama", [tags], 1),
        (ENG[0], OLLAMA, "ollama", [chat], 1),
        (SALES[2], OLLAMA, "ollama", [chat, gen], 2),
        (SALES[3], OLLAMA, "ollama", [gen], 1),
        (FINANCE[0], OLLAMA, "ollama", [cont, cont_body], 1),
        (SALES[0], OPENAI, "openai-compatible", [oai_chat], 1),
        (SALES[1], OPENAI, "openai-compatible", [oai_chat, oai_chat], 2),
        (ENG[0], OPENAI, "openai-compatible", [oai_models], 1),
        # no model server's
        (ENG[1], WEB, None, [one("GET", "/index.html", WEB, b"", "200 OK", b"<html>" * 50)], 0),
        (ENG[2], OLLAMA, None, [one("POST", "/api/generatex", OLLAMA, GEN, "200 OK", b"{}")], 0),
        (SALES[0], WEB404, None, [one("POST", "/api/generate", WEB404, GEN, "404 Not Found",
                                      b"{}")], 0),
    ]


def cloud(client):
    return (client, CLOUD, "cloud",
            [([b"GET / HTTP/1.1\r\nHost: www.dropbox.com\r\nUser-Agent: test\r\n\r\n"],
              [answer("200 OK", b"<html>" * 100)])], 0)


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "--without-ai"):
        sys.exit(__doc__.strip())
    with_ai = len(argv) == 3
    cap = Capture()
    servers, out = {}, []
    addresses = set()
    plan = [cloud(ENG[0])] + flows() + [cloud(SALES[0])]
    for client, server, model, exchanges, requests in plan:
        if not with_ai and model != "cloud":
            cap.t += 50000 + 700 * (6 + sum(len(s) + len(a) for s, a in exchanges))
            continue
        up, down = cap.connection(client, server[0], server[1], exchanges)
        addresses.update(a for a in (client, server[0]) if a != CLOUD[0])
        out.append({"client": client, "server": server[0], "port": server[1],
                    "model": model if model != "cloud" else None,
                    "bytes_up": up, "bytes_down": down, "requests": requests})
        if model in (None, "cloud"):
            continue
        s = servers.setdefault("%s:%d" % server, {
            "api": model, "department": "it" if server == OLLAMA else "unassigned",
            "bytes_up": 0, "bytes_down": 0, "flows": 0, "requests": 0, "clients": {}})
        c = s["clients"].setdefault(DEPT[client], {"devices": [], "bytes_up": 0,
                                                   "bytes_down": 0, "flows": 0,
                                                   "requests": 0})
        for o in (s, c):
            o["bytes_up"] += up
            o["bytes_down"] += down
            o["flows"] += 1
            o["requests"] += requests
        if client not in c["devices"]:
            c["devices"].append(client)
    for s in servers.values():
        s["devices"] = sum(len(c["devices"]) for c in s["clients"].values())
        for c in s["clients"].values():
            c["devices"] = len(c["devices"])
    cap.write(argv[1])
    with open(argv[2], "w", encoding="utf-8") as f:
        json.dump({"date": "2026-11-02", "month": "2026-11", "addresses": sorted(addresses),
                   "servers": servers, "flows": out}, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
