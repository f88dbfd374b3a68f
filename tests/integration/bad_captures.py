#!/usr/bin/env python3
"""bad_captures.py - damaged and unusual capture files, made from a good one.

Usage: bad_captures.py SAMPLE.pcap OUTDIR [PACKETS]

Takes the first PACKETS (default 300) records of SAMPLE.pcap (a microsecond
pcap of Ethernet frames, as gen-sample writes) and writes into OUTDIR one file
per case below, and OUTDIR/cases.tsv with one line per file:

    file  good  expect  message  what

good is the number of records before the damage that a reader can return (the
sensor must count exactly these as received); expect is "ok" (exit 0) or
"unreadable" (exit 1); message is a regular expression the sensor's warning
or error must match after "FILE: " ("-" when the file must pass in silence).  The malformed_captures integration
test reads the table, so a case added here is tested without more code there.

Everything is deterministic: the same sample gives the same files.
"""
import os
import struct
import sys

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
PCAP_MAGIC_US = 0xA1B2C3D4
MAX_SNAPLEN = 262144  # libpcap's maximum for Ethernet (MAXIMUM_SNAPLEN)


def read_pcap(path, limit):
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != PCAP_MAGIC_US or linktype != LINKTYPE_ETHERNET:
        sys.exit("%s: not a little-endian microsecond Ethernet pcap" % path)
    packets, off = [], 24
    while off + 16 <= len(data) and len(packets) < limit:
        sec, usec, caplen, wirelen = struct.unpack("<IIII", data[off:off + 16])
        packets.append((sec, usec, wirelen, data[off + 16:off + 16 + caplen]))
        off += 16 + caplen
    return packets


def pcap_header(linktype=LINKTYPE_ETHERNET, snaplen=65535):
    return struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0, snaplen, linktype)


def record(sec, usec, frame, wirelen=None, caplen=None):
    caplen = len(frame) if caplen is None else caplen
    wirelen = len(frame) if wirelen is None else wirelen
    return struct.pack("<IIII", sec, usec, caplen, wirelen) + frame


def records(packets):
    return b"".join(record(s, u, f, w) for s, u, w, f in packets)


# ---- pcapng ----

def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def option(code, value):
    return struct.pack("<HH", code, len(value)) + pad4(value)


def options(*opts):
    return b"".join(opts) + struct.pack("<HH", 0, 0) if opts else b""


def block(btype, body):
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def shb():
    body = struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
    body += options(option(4, b"shadowtap bad_captures.py"), option(0x5A5A, b"unknown SHB option"))
    return block(0x0A0D0D0A, body)


def idb(linktype, snaplen, name):
    body = struct.pack("<HHI", linktype, 0, snaplen)
    # if_name, an option code no one defined, and a custom option (PEN 32473,
    # the documentation enterprise number).
    body += options(option(2, name.encode()), option(0x7777, b"\x01\x02\x03"),
                    option(2988, struct.pack("<I", 32473) + b"custom option"))
    return block(1, body)


def epb(interface, sec, usec, frame, wirelen):
    ts = sec * 1000000 + usec
    body = struct.pack("<IIIII", interface, ts >> 32, ts & 0xFFFFFFFF, len(frame), wirelen)
    body += pad4(frame)
    body += options(option(1, b"a comment"), option(0x4242, b"unknown EPB option"))
    return block(6, body)


def custom_block(copyable):
    # Custom Block (0x00000BAD, or 0x40000BAD: not to be copied), PEN 32473.
    return block(0x00000BAD if copyable else 0x40000BAD, struct.pack("<I", 32473) + b"opaque data")


def made_up_block():
    return block(0x0F00BA12, b"a block type no one has defined")


def pcapng(interfaces, packets, split=None):
    """interfaces: [(linktype, snaplen)]; packets go round-robin over those
    declared so far; the interfaces after the first are declared after `split`
    packets (all at the start when None)."""
    out = [shb()]
    declared = 0

    def declare(n):
        nonlocal declared
        while declared < n:
            lt, snap = interfaces[declared]
            out.append(idb(lt, snap, "if%d" % declared))
            declared += 1

    declare(len(interfaces) if split is None else 1)
    for i, (s, u, w, f) in enumerate(packets):
        if split is not None and i == split:
            declare(len(interfaces))
        if i % 7 == 3:
            out.append(custom_block(i % 2 == 0))
        if i % 11 == 5:
            out.append(made_up_block())
        iface = i % declared
        lt, snap = interfaces[iface]
        frame = f[14:] if lt == LINKTYPE_RAW else f
        wirelen = w - 14 if lt == LINKTYPE_RAW else w
        out.append(epb(iface, s, u, frame[:snap], wirelen))
    return b"".join(out)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sample, outdir = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) == 4 else 300
    pk = read_pcap(sample, n)
    if len(pk) < n:
        sys.exit("%s: fewer than %d packets" % (sample, n))
    os.makedirs(outdir, exist_ok=True)
    half = n // 2
    cases = []

    def write(name, data, good, expect, message, what):
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        cases.append((name, good, expect, message, what))

    head = pcap_header()
    write("good.pcap", head + records(pk), n, "ok", "-",
          "the undamaged packets")
    rest = records(pk[half:])
    write("cut_in_record_header.pcap", head + records(pk[:half]) + rest[:9], half, "ok",
          "damaged or cut short after %d packets: truncated dump file" % half,
          "cut in the middle of a record header")
    s, u, w, f = pk[half]
    write("cut_in_packet_data.pcap", head + records(pk[:half]) + record(s, u, f, w)[:16 + len(f) // 2],
          half, "ok", "damaged or cut short after %d packets: truncated dump file" % half,
          "cut in the middle of a packet's data")

    # caplen > len: the record holds more bytes than the wire carried.
    damaged = b"".join(record(s, u, f, w if i % 10 else max(0, w // 2))
                       for i, (s, u, w, f) in enumerate(pk))
    write("caplen_over_len.pcap", head + damaged, n, "ok", r"packet 1 claims [0-9]+ bytes captured but [0-9]+ on the wire",
          "captured length above the original length")

    # caplen > the file's snap length (but below libpcap's maximum): libpcap keeps
    # the first snaplen bytes.
    write("caplen_over_snaplen.pcap", pcap_header(snaplen=128) + records(pk), n, "ok",
          "-",
          "captured length above the file's snap length")

    # caplen over libpcap's maximum: reading must stop there.
    s, u, w, f = pk[half]
    huge = struct.pack("<IIII", s, u, MAX_SNAPLEN + 1000, MAX_SNAPLEN + 1000) + f
    write("caplen_over_max.pcap", head + records(pk[:half]) + huge + records(pk[half + 1:]), half, "ok",
          "damaged or cut short after %d packets: invalid packet capture length" % half,
          "captured length above libpcap's maximum (262144)")

    # zero-length records: caplen 0 with len 0, and caplen 0 with a real len.
    zero = []
    for i, (s, u, w, f) in enumerate(pk):
        zero.append(record(s, u, f, w))
        if i % 25 == 0:
            zero.append(record(s, u, b"", 0))
            zero.append(record(s, u, b"", w))
    nz = n + 2 * len(range(0, n, 25))
    write("zero_length.pcap", head + b"".join(zero), nz, "ok", "packet 2 is empty",
          "zero-length packets")

    write("linktype_user0.pcap", pcap_header(linktype=147) + records(pk), n, "ok",
          "link type 147 .* is not one the sensor decodes",
          "link type 147 (USER0), which the sensor does not decode")
    write("linktype_999.pcap", pcap_header(linktype=999) + records(pk), n, "ok",
          "link type 999 .* is not one the sensor decodes",
          "link type 999, which no one has defined")

    write("blocks_options.pcapng", pcapng([(LINKTYPE_ETHERNET, 65535)], pk), n, "ok",
          "-",
          "pcapng with custom and unknown blocks and unknown options")
    ng = pcapng([(LINKTYPE_ETHERNET, 65535)], pk[:half + 1])
    last = len(epb(0, *pk[half][:2], pk[half][3], pk[half][2]))
    write("cut_in_block.pcapng", ng[:len(ng) - last // 2], half, "ok",
          "damaged or cut short after %d packets: truncated" % half,
          "pcapng cut in the middle of a packet block")
    write("two_interfaces.pcapng", pcapng([(LINKTYPE_ETHERNET, 65535), (LINKTYPE_ETHERNET, 65535)], pk),
          n, "ok", "-",
          "pcapng with two Ethernet interfaces")
    # libpcap 1.10 reads one snap length and one link type per file: a second
    # interface that differs ends the reading there.
    write("two_snaplens.pcapng",
          pcapng([(LINKTYPE_ETHERNET, 65535), (LINKTYPE_ETHERNET, 256)], pk, split=half), half, "ok",
          "damaged or cut short after %d packets: .*snapshot length.*split the file" % half,
          "pcapng with two Ethernet interfaces of different snap lengths")
    write("two_linktypes.pcapng",
          pcapng([(LINKTYPE_ETHERNET, 65535), (LINKTYPE_RAW, 65535)], pk, split=half), half, "ok",
          "damaged or cut short after %d packets: .*type 101 different.*split the file" % half,
          "pcapng with an Ethernet and a raw IP interface")

    write("header_only.pcap", head, 0, "ok", "-",
          "a pcap header and no packet")
    write("empty.pcap", b"", 0, "unreadable", "the file is empty",
          "an empty file")
    garbage = bytes((i * 131 + 7) % 251 for i in range(4096))
    write("garbage.pcap", garbage, 0, "unreadable", "not a pcap or pcapng capture",
          "not a capture file")
    write("cut_in_file_header.pcap", head[:10], 0, "unreadable", "truncated dump file",
          "cut in the pcap file header")

    with open(os.path.join(outdir, "cases.tsv"), "w") as f:
        for c in cases:
            f.write("%s\t%d\t%s\t%s\t%s\n" % c)


if __name__ == "__main__":
    main()
