#!/usr/bin/env bash
# Two sensors, each over half of the sample office (as on the mirror ports of
# two access switches: engineering and sales on one, the rest on the other),
# writing to one Redis, give the same report as one sensor over the whole
# capture; the report names both sensors and when each last flushed.
. "$(dirname "$0")/lib.sh"
with_redis
sample
month=$(jq -r '.date[0:7]' "$T/truth.json")
report() { "$REPORT" --rules "$RULES" --redis "$1" monthly --month "$month"; }

read -r a b < <("$BUILD/tests/pcap-split" "$T/sample.pcap" "$T/a.pcap" "$T/b.pcap" \
    10.10.0.0/16 fd00:10::/48 10.20.0.0/16 fd00:20::/48)
[ "$a" -gt 1000 ] && [ "$b" -gt 1000 ] || fail "uneven split: $a and $b packets"

sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id whole ||
    fail "whole run exited $?"
sensor -r "$T/a.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id port-a ||
    fail "sensor a exited $?"
sensor -r "$T/b.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id port-b ||
    fail "sensor b exited $?"

# Compared with every array sorted: the figures must agree, whatever the order
# of equal entries.
canon='del(.generated, .sensors) | walk(if type == "array" then sort else . end)'
report "$REDIS_URL?db=1" | jq -S "$canon" >"$T/one.json"
report "$REDIS_URL?db=2" >"$T/two-full.json"
jq -S "$canon" "$T/two-full.json" >"$T/two.json"
diff "$T/one.json" "$T/two.json" >"$T/diff.txt" || { head "$T/diff.txt" >&2; fail "two sensors differ from one"; }
sensors=$(jq -r '[.sensors[].id] | sort | join(",")' "$T/two-full.json")
expect_eq "sensors in the report" "$sensors" "port-a,port-b"
[ "$(jq '[.sensors[] | select(.last_flush != null)] | length' "$T/two-full.json")" = 2 ] ||
    fail "the report does not say when each sensor last flushed"
pass "two sensors over halves ($a + $b packets) = one sensor over the whole"
