#!/usr/bin/env bash
# Departments where subnets don't tell (issue 16), from a capture made here
# (tests/tools/dhcp_capture.py): devices of a Wi-Fi subnet no department lists,
# DHCP only from noon on, a device's address given to another, and an
# assignment-feed entry over a department network:
#  - each flow's department and shadowtap.department_source are the expected
#    ones: unassigned before the lease, the DHCP rule (host name, then MAC
#    prefix) after it, the new holder after the address moved, the assignment
#    feed before the network;
#  - the monthly report's totals.department_sources equal the flows';
#  - no MAC address or DHCP host name of the capture is in the flow log, the
#    reports or Redis;
#  - the feed's Redis hash (shadowtap:assignments), read when the sensor
#    starts, gives a department too, after the file's entries.
. "$(dirname "$0")/lib.sh"
with_redis

python3 "$SRC/tests/tools/dhcp_capture.py" "$T/d.pcap" "$T/truth.json" || fail "dhcp_capture.py"
cp -r "$RULES" "$T/rules"
awk '{ print } /^\[finance\]/ { print "dhcp_names = FIN-*" } /^\[sales\]/ { print "macs = 02:00:5e:aa" }' \
    "$RULES/departments.conf" >"$T/rules/departments.conf"
printf '# a laptop the asset inventory gives to HR\n10.30.0.50 hr\n' >"$T/feed.txt"
"$SENSOR" --check-config --rules "$T/rules" --set departments.assignments="$T/feed.txt" >/dev/null 2>&1 ||
    fail "the test's rules do not load"
sensor -r "$T/d.pcap" --rules "$T/rules" --redis "$REDIS_URL" --sensor-id d1 --flow-log "$T/flows.json" \
    --set departments.assignments="$T/feed.txt" --stats "$T/stats.json" || fail "sensor exited $?"

jq -r '.[] | [.client, (.start / 1000000 | floor), .department, .source, .bytes_up, .bytes_down] | @tsv' \
    "$T/truth.json" | sort >"$T/want.tsv"
jq -r 'select(.destination.port == 443) | [.source.ip, (.event.start | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601),
       .shadowtap.department, .shadowtap.department_source, .source.bytes, .destination.bytes] | @tsv' \
    "$T/flows.json" | sort >"$T/got.tsv"
diff -u "$T/want.tsv" "$T/got.tsv" >&2 || fail "departments of the flows differ from the expected ones"
pass "flow log: $(wc -l <"$T/want.tsv") flows with the department and source expected ($(cut -f4 "$T/want.tsv" | sort | uniq -c | tr -s ' ' | paste -sd, -))"
expect_eq "leases read" "$(jq '.dhcp.lease_changes > 0 and .dhcp.parse_errors == 0' "$T/stats.json")" true

"$REPORT" --rules "$T/rules" --redis "$REDIS_URL" monthly --month 2026-11 >"$T/m.json" || fail "monthly"
jq -r 'group_by(.source) | .[] | [.[0].source, (map(.bytes_up) | add), (map(.bytes_down) | add), length,
       (map(.client) | unique | length)] | @tsv' "$T/truth.json" | sort >"$T/want-src.tsv"
jq -r '.totals.department_sources | to_entries[] | select(.value.flows > 0) |
       [.key, .value.bytes_up, .value.bytes_down, .value.flows, .value.devices] | @tsv' "$T/m.json" |
    sort | diff -u "$T/want-src.tsv" - >&2 || fail "the report's department sources differ"
pass "monthly: department sources as expected ($(cut -f1 "$T/want-src.tsv" | paste -sd, -))"

# Nothing of what DHCP said leaves the sensor.
"$REPORT" --rules "$T/rules" --redis "$REDIS_URL" --format html monthly --month 2026-11 >"$T/m.html"
"$REPORT" --rules "$T/rules" --redis "$REDIS_URL" --format csv monthly --month 2026-11 >"$T/m.csv"
for k in $(rcli --scan); do
    echo "$k"
    case $(rcli type "$k") in
    hash) rcli hgetall "$k" ;;
    zset) rcli zrange "$k" 0 -1 ;;
    set) rcli smembers "$k" ;;
    esac
done >"$T/redis.txt"
for f in flows.json m.json m.html m.csv redis.txt stats.json; do
    if grep -qiE 'FIN-LAPTOP|fin-desk|02:00:5e|02-00-5e' "$T/$f"; then
        fail "$f holds a MAC address or DHCP host name"
    fi
done
pass "no MAC address or DHCP host name in the flow log, the reports, the statistics or Redis"

# The feed's Redis hash: another run into another database, the hash naming
# the network address 10.30.0.51 (finance by its network) for sales, and the
# file's address for marketing (the file comes first).
rcli -n 2 hset shadowtap:assignments 10.30.0.51 sales 10.30.0.50 marketing "not-an-address" sales >/dev/null
sensor -r "$T/d.pcap" --rules "$T/rules" --redis "$REDIS_URL?db=2" --sensor-id d2 --flow-log "$T/flows-2.json" \
    --set departments.assignments="$T/feed.txt" 2>"$T/sensor-2.err" || fail "sensor exited $?"
expect_eq "the hash's entry" "$(jq -r 'select(.source.ip == "10.30.0.51" and .destination.port == 443) |
    .shadowtap.department + " " + .shadowtap.department_source' "$T/flows-2.json")" "sales assignment"
expect_eq "the file before the hash" "$(jq -r 'select(.source.ip == "10.30.0.50" and .destination.port == 443) |
    .shadowtap.department + " " + .shadowtap.department_source' "$T/flows-2.json")" "hr assignment"
grep -q "1 of 3 entries skipped" "$T/sensor-2.err" || fail "the skipped field is not counted in the log: $(cat "$T/sensor-2.err")"
grep -q "not-an-address" "$T/sensor-2.err" && fail "the log names a skipped field"
pass "the feed's Redis hash: read at start, after the file, a bad field counted and not named"
