#!/usr/bin/python3
"""Prints a CSV file (RFC 4180, as shadowtap-report writes it) as tab-separated
lines, for the report tests to compare with jq output.  Fails if any row has a
different number of fields than the header."""
import csv
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
width = len(rows[0])
for n, row in enumerate(rows, 1):
    if len(row) != width:
        sys.exit(f"{sys.argv[1]}:{n}: {len(row)} fields, the header has {width}")
    print("\t".join(row))
