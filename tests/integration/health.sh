#!/usr/bin/env bash
# Health: the statistics file, the sensor's hash in Redis and the Prometheus
# text carry the same figures (packets, drops, flows, evictions, flush latency,
# spool backlog, last flush).  The sensor captures live on the loopback of a
# network namespace of the test's own while tcpreplay sends the sample there, so
# it is running while the test looks at it.  Needs root and ip netns.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    say "skipped: needs root, iproute2 and tcpreplay"
    exit 0
fi
with_redis
sample
packets=$(jq .packets "$T/truth.json")
port=$((20000 + $$ % 20000))
ns=st-health-$$
ip netns add "$ns" || fail "cannot create network namespace $ns"
pid=
health_cleanup() {
    local rc=$?
    set +e # a failing step here must not skip lib.sh's cleanup (Redis, $T)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup
}
trap health_cleanup EXIT
ip netns exec "$ns" ip link set lo up

# The metrics port belongs to the namespace's own loopback; the scrapes are
# filtered out of the capture.
ip netns exec "$ns" "$SENSOR" -i lo -f "not tcp port $port" --rules "$RULES" \
    --redis "$REDIS_URL" --sensor-id health \
    --set privacy.key_file="$T/device.key" --set log.level=warning \
    --stats "$T/stats.json" --set output.stats_interval=1 \
    --set metrics.listen="127.0.0.1:$port" 2>"$T/sensor.err" &
pid=$!
for _ in $(seq 100); do [ -s "$T/stats.json" ] && break; sleep 0.1; done
[ -s "$T/stats.json" ] || fail "the sensor did not start: $(cat "$T/sensor.err")"
ip netns exec "$ns" tcpreplay --intf1=lo --mbps 200 "$T/sample.pcap" >"$T/replay.log" 2>&1 ||
    fail "tcpreplay failed: $(tail -3 "$T/replay.log")"
sent=$(awk '/Successful packets:/ {print $3}' "$T/replay.log")
# A frame sent on lo is seen once by a capture on lo.
expect_eq "packets sent" "$sent" "$packets"

scrape() { ip netns exec "$ns" python3 -c '
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s%s" % (sys.argv[1], sys.argv[2]), timeout=5).read().decode())' "$port" "$1"; }
metric() { scrape /metrics | awk -v m="$1" '$1 ~ "^"m"[{]" {print $2}'; }
seen=0
for _ in $(seq 50); do
    seen=$(metric shadowtap_packets_received_total 2>/dev/null || echo 0)
    [ "${seen:-0}" = "$packets" ] && break
    sleep 0.2
done
expect_eq "packets in the Prometheus text while running" "$seen" "$packets"
scrape /metrics >"$T/metrics.txt"
grep -q '^# TYPE shadowtap_packets_dropped_kernel_total counter' "$T/metrics.txt" || fail "no TYPE line"
grep -q '^shadowtap_flows_active{sensor="health"} ' "$T/metrics.txt" || fail "no flows_active gauge"
ip netns exec "$ns" python3 -c 'import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("http://127.0.0.1:%s/other" % sys.argv[1], timeout=5)
    sys.exit(1)
except urllib.error.HTTPError as e:
    sys.exit(0 if e.code == 404 else 1)' "$port" || fail "a path other than /metrics was served"
pass "Prometheus text on 127.0.0.1:$port while the sensor runs"

# The Redis hash is written at the stats interval while running.
for _ in $(seq 50); do
    [ "$(rcli hget shadowtap:sensor:health:health packets_received)" = "$packets" ] && break
    sleep 0.2
done
expect_eq "packets in the Redis health hash while running" \
    "$(rcli hget shadowtap:sensor:health:health packets_received)" "$packets"

kill -TERM $pid
wait $pid || fail "sensor exited $?: $(cat "$T/sensor.err")"
expect_eq "packets in the Redis health hash at exit" \
    "$(rcli hget shadowtap:sensor:health:health packets_received)" "$packets"
for f in packets_received packets_dropped_kernel packets_dropped_interface flows_created \
    flows_evicted flush_latency_microseconds spool_backlog_batches last_flush_unixtime updated; do
    [ -n "$(rcli hget shadowtap:sensor:health:health $f)" ] || fail "health hash has no $f"
done
expect_eq "spool backlog at exit" "$(rcli hget shadowtap:sensor:health:health spool_backlog_batches)" 0
[ "$(rcli hget shadowtap:sensor:health:health last_flush_unixtime)" -gt 0 ] || fail "no last flush"
expect_eq "stats file packets" "$(jq .packets.received "$T/stats.json")" "$packets"
expect_eq "stats file drops" "$(jq '.packets.kernel_dropped + .packets.interface_dropped' "$T/stats.json")" 0
expect_eq "flows created: file vs Redis" "$(jq .flows.created "$T/stats.json")" \
    "$(rcli hget shadowtap:sensor:health:health flows_created)"
pass "statistics file and Redis health hash agree at exit"

# Only loopback: any other address is a configuration error.
set +e
"$SENSOR" --check-config --rules "$RULES" --set metrics.listen=0.0.0.0:9560 >/dev/null 2>"$T/check.err"
rc=$?
set -e
expect_eq "check-config with a non-loopback metrics address" $rc 2
grep -q "only loopback" "$T/check.err" || fail "unclear error: $(cat "$T/check.err")"
pass "metrics refuse non-loopback addresses"
