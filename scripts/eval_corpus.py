#!/usr/bin/env python3
"""Score shadowtap's and ndpiReader 4.2's flows against the reference results.

Called by scripts/eval-corpus, which runs both tools over the captures first.
Reads, per capture NAME:
  REF/NAME.out         the reference: a recent ndpiReader's flow lines
  OUT/NAME.flows       shadowtap's flow log (JSON lines)
  OUT/NAME.ndpi.csv    ndpiReader 4.2's CSV (-C)
and the catalog (shadowtap-report catalog, as JSON) to know which nDPI labels
name a cloud service.

Two figures, for each tool:
  host names   of the reference flows that carry a Hostname/SNI, the share for
               which the tool found the same name (shadowtap: destination.domain
               or shadowtap.name; names compared in lower case, without a trailing
               dot or a ":port");
  services     of the bytes of reference flows whose label names a catalog
               service, the share the tool attributed to that same service.
Flows are paired by transport and the unordered pair of endpoints; when a pair
repeats in a capture (port reuse), the flow with the closest byte count wins.
"""
import argparse
import collections
import csv
import ipaddress
import json
import os
import re
import sys

FLOW_LINE = re.compile(
    r"^\t\d+\t(?P<proto>\S+) (?P<a>\S+) (?:<->|->) (?P<b>\S+) \[proto: [\d.]+/(?P<label>[^\]]+)\]")
BYTES = re.compile(r"\[(\d+) pkts/(\d+) bytes (?:<->|->) (\d+) pkts/(\d+) bytes\]")
HOST = re.compile(r"\[Hostname/SNI: ([^\]]*)\]")
TRANSPORT = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ICMPV6": "ipv6-icmp"}


def endpoint(text):
    """'1.2.3.4:80' or '[2001:db8::1]:443' or a bare address -> (address, port)."""
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    elif text.count(":") == 1:
        addr, _, port = text.partition(":")
    else:
        addr, port = text, "0"
    try:
        addr = str(ipaddress.ip_address(addr))
    except ValueError:
        pass
    return addr, int(port) if port.isdigit() else 0


def name_key(name):
    """A name as compared: lower case, no trailing dot, no ":port" after a host."""
    if not name:
        return None
    name = name.strip().lower().rstrip(".")
    host, sep, port = name.rpartition(":")
    if sep and port.isdigit() and host and ":" not in host:
        name = host
    return name or None


def key(proto, a, b):
    return (proto.lower(),) + tuple(sorted([a, b]))


def app_of(label):
    return label.rsplit(".", 1)[-1]


def read_reference(path):
    flows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = FLOW_LINE.match(line)
            if not m:
                continue
            nb = BYTES.search(line)
            host = HOST.search(line)
            proto = TRANSPORT.get(m["proto"], m["proto"].lower())
            flows.append({
                "key": key(proto, endpoint(m["a"]), endpoint(m["b"])),
                "label": m["label"],
                "bytes": int(nb[2]) + int(nb[4]) if nb else 0,
                "host": name_key(host[1]) if host else None,
            })
    return flows


def read_shadowtap(path):
    flows = []
    if not os.path.exists(path):
        return flows
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            a = (str(ipaddress.ip_address(o["source"]["ip"])), o["source"]["port"])
            b = (str(ipaddress.ip_address(o["destination"]["ip"])), o["destination"]["port"])
            names = {name_key(o["destination"].get("domain")), name_key(o["shadowtap"].get("name"))}
            names.discard(None)
            flows.append({
                "key": key(o["network"]["transport"], a, b),
                "bytes": o["source"]["bytes"] + o["destination"]["bytes"],
                "host": (o["destination"].get("domain") or o["shadowtap"].get("name")),
                "names": names,
                "service": o["shadowtap"]["service"]["id"],
                "match": o["shadowtap"]["match"],
            })
    return flows


def read_ndpi(path, ndpi_to_service):
    flows = []
    if not os.path.exists(path):
        return flows
    with open(path, encoding="utf-8", errors="replace") as f:
        rows = csv.reader(f)
        header = next(rows, None)
        if not header:
            return flows
        col = {name.lstrip("#"): i for i, name in enumerate(header)}
        for r in rows:
            if len(r) < len(header):
                continue
            try:
                proto = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp"}.get(
                    r[col["protocol"]], r[col["protocol"]])
                a = endpoint_csv(r[col["src_ip"]], r[col["src_port"]])
                b = endpoint_csv(r[col["dst_ip"]], r[col["dst_port"]])
            except (ValueError, KeyError):
                continue
            label = r[col["ndpi_proto"]]
            flows.append({
                "key": key(proto, a, b),
                "bytes": int(r[col["c_to_s_bytes"]] or 0) + int(r[col["s_to_c_bytes"]] or 0),
                "host": r[col["server_name_sni"]],
                "names": {n for n in [name_key(r[col["server_name_sni"]])] if n},
                "service": ndpi_to_service.get(app_of(label)),
            })
    return flows


def endpoint_csv(addr, port):
    try:
        addr = str(ipaddress.ip_address(addr))
    except ValueError:
        pass
    return addr, int(port) if port.isdigit() else 0


def pair(reference, found):
    """Yields (reference flow, matching found flow or None).  Among flows with the
    same endpoints, one with the same name wins, then the closest byte count."""
    by_key = collections.defaultdict(list)
    for f in found:
        by_key[f["key"]].append(f)
    for r in reference:
        candidates = by_key.get(r["key"], [])
        best = None
        for c in candidates:
            rank = (r["host"] not in c["names"], abs(c["bytes"] - r["bytes"]))
            if best is None or rank < best_rank:
                best, best_rank = c, rank
        if best is not None:
            candidates.remove(best)
        yield r, best


class Score:
    def __init__(self):
        self.host_total = self.host_same = 0
        self.bytes_total = self.bytes_same = 0
        self.misses = collections.Counter()
        self.host_misses = collections.Counter()

    def host(self):
        return 100.0 * self.host_same / self.host_total if self.host_total else 0.0

    def service(self):
        return 100.0 * self.bytes_same / self.bytes_total if self.bytes_total else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ref", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--details", type=int, default=0,
                    help="print the N largest service misses of shadowtap")
    args = ap.parse_args()

    catalog = json.load(open(args.catalog))
    ndpi_to_service = {}
    for s in catalog["services"]:
        for n in s["ndpi"]:
            ndpi_to_service[n] = s["id"]

    tools = {"shadowtap": Score(), "ndpiReader 4.2": Score()}
    captures = 0
    for name in sorted(os.listdir(args.ref)):
        if not name.endswith(".out"):
            continue
        capture = name[:-4]
        reference = read_reference(os.path.join(args.ref, name))
        if not reference:
            continue
        captures += 1
        found = {
            "shadowtap": read_shadowtap(os.path.join(args.out, capture + ".flows")),
            "ndpiReader 4.2": read_ndpi(os.path.join(args.out, capture + ".ndpi.csv"),
                                        ndpi_to_service),
        }
        for tool, flows in found.items():
            score = tools[tool]
            for r, f in pair(reference, flows):
                if r["host"]:
                    score.host_total += 1
                    if f and r["host"] in f["names"]:
                        score.host_same += 1
                    elif tool == "shadowtap":
                        score.host_misses[(capture, r["label"], r["host"],
                                           (f["host"], f["match"]) if f else "(no flow)")] += 1
                want = ndpi_to_service.get(app_of(r["label"]))
                if want:
                    score.bytes_total += r["bytes"]
                    if f and f["service"] == want:
                        score.bytes_same += r["bytes"]
                    elif tool == "shadowtap":
                        got = f["service"] if f else "(no flow)"
                        score.misses[(capture, r["label"], want, got)] += r["bytes"]

    st, nd = tools["shadowtap"], tools["ndpiReader 4.2"]
    print(f"reference captures with flows: {captures}")
    print(f"{'':34} {'shadowtap':>12} {'ndpiReader 4.2':>16}")
    print(f"{'host-name agreement':34} {st.host():11.2f}% {nd.host():15.2f}%"
          f"   ({st.host_same}/{st.host_total} vs {nd.host_same}/{nd.host_total} flows)")
    print(f"{'cloud-service agreement (bytes)':34} {st.service():11.2f}% {nd.service():15.2f}%"
          f"   ({st.bytes_same}/{st.bytes_total} vs {nd.bytes_same}/{nd.bytes_total} bytes)")
    if args.details:
        print("\nshadowtap host-name misses (capture, label, reference name, found):")
        for (capture, label, host, got), n in st.host_misses.most_common(args.details):
            print(f"  {n:4d}  {capture}  {label}  {host} -> {got}")
        print("\nlargest shadowtap service misses (capture, reference label, expected, got):")
        for (capture, label, want, got), b in st.misses.most_common(args.details):
            print(f"  {b:10d}  {capture}  {label}  {want} -> {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
