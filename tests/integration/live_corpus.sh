#!/usr/bin/env bash
# Live equals offline on real traffic: the first 30 seconds of the merged
# reference corpus (two copies, a packet every 500 us, as determinism.sh makes
# it) replayed through a veth pair at its own pace (tcpreplay with no rate
# option) and captured live by the sensor with two workers, against the same
# slice read offline: the monthly reports agree cell by cell (department,
# service, bytes up and down, flows, devices) and in their totals.
# Needs root, `ip netns` and the corpus; skipped (status 0, with a message)
# without them.  Like live_capture.sh, nothing leaves the two namespaces.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
    say "skip: live capture needs root"
    exit 0
fi
[ -d "$CORPUS/pcap" ] || { say "skip: no reference corpus at $CORPUS"; exit 0; }
command -v tcpreplay >/dev/null || fail "tcpreplay is not installed (apt-get install tcpreplay)"

NSA=stc-$$-a NSB=stc-$$-b VA=stc$$a VB=stc$$b
pid=
live_cleanup() {
    local rc=$?
    set +e
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    (exit $rc)
    cleanup
}
trap live_cleanup EXIT
if ! ip netns add "$NSA" 2>"$T/netns.err"; then
    say "skip: cannot create a network namespace: $(cat "$T/netns.err")"
    exit 0
fi
ip netns add "$NSB" || fail "cannot create namespace $NSB"
for ns in "$NSA" "$NSB"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 || fail "cannot turn IPv6 off in $ns"
done
ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" || fail "cannot make the veth pair"
# Room for the corpus's largest frames; larger ones are left out of the slice.
ip -n "$NSA" link set "$VA" mtu 65535 up
ip -n "$NSB" link set "$VB" mtu 65535 up

shopt -s nullglob
"$BUILD/tests/pcap-multiply" -o "$T/slice.pcap" --copies 2 --spacing 0.0005 --duration 30 \
    --max-frame 65549 "$CORPUS"/pcap/*.pcap "$CORPUS"/pcap/*.pcapng "$CORPUS"/pcap/*.cap \
    >"$T/multiply.out" 2>"$T/multiply.err" || fail "pcap-multiply failed: $(tail -3 "$T/multiply.err")"
packets=$(awk '{print $2}' "$T/multiply.out")
[ "$packets" -gt 10000 ] || fail "the slice has $packets packets"

with_redis
stat_of() { jq -r "$1" "$T/live.stats" 2>/dev/null; }
ip netns exec "$NSB" "$SENSOR" -i "$VB" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id live \
    --workers 2 --set privacy.key_file="$T/device.key" --set log.level=warning --spool "$T/spool" \
    --stats "$T/live.stats" --set output.stats_interval=1 --set capture.buffer_size=256M \
    2>"$T/live.err" &
pid=$!
for _ in $(seq 600); do [ -s "$T/live.stats" ] && break; kill -0 "$pid" || fail "the sensor died: $(cat "$T/live.err")"; sleep 0.1; done
[ -s "$T/live.stats" ] || fail "the sensor did not start"

month_before=$(date -u +%Y-%m)
ip netns exec "$NSA" tcpreplay -i "$VA" --no-flow-stats "$T/slice.pcap" >"$T/replay.log" 2>&1 ||
    { cat "$T/replay.log" >&2; fail "tcpreplay failed"; }
month=$(date -u +%Y-%m)
sent=$(awk '/Successful packets:/ { print $3 }' "$T/replay.log")
expect_eq "packets sent by tcpreplay" "$sent" "$packets"
say "replayed at its own pace: $(grep -E '^Rated:|^Actual:' "$T/replay.log" | tr -s ' ' | tr '\n' ' ')"
for _ in $(seq 1200); do [ "$(stat_of .packets.received)" = "$packets" ] && break; sleep 0.1; done
expect_eq "packets received" "$(stat_of .packets.received)" "$packets"
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ $rc -eq 0 ] || fail "the live sensor exited $rc: $(tail -5 "$T/live.err")"
expect_eq "kernel and interface drops" "$(stat_of '.packets.kernel_dropped + .packets.interface_dropped')" 0

sensor -r "$T/slice.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id offline \
    --workers 2 || fail "the offline sensor exited $?"

cells() { # cells DB MONTH: the monthly report's cells and totals as sorted TSV
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$1" monthly --month "$2" >"$T/report-$1.json" ||
        fail "shadowtap-report failed on db $1"
    jq -r '(.departments[] | .id as $d | .services[] |
            [$d, .id, .bytes_up, .bytes_down, .flows, .devices]),
           (.totals | ["total", "", .bytes_up, .bytes_down, .flows, .devices]) | @tsv' \
        "$T/report-$1.json" | sort
}
if [ "$month_before" != "$month" ]; then
    say "note: the replay crossed into $month; live and offline reports not compared"
    exit 0
fi
cells 1 "$month" >"$T/live.tsv"
offline_month=$(rcli -n 2 --scan --pattern 'shadowtap:month:*' | sed 's/.*://')
[ "$(echo "$offline_month" | wc -l)" -eq 1 ] || fail "the offline slice spans months: $offline_month"
cells 2 "$offline_month" >"$T/offline.tsv"
[ "$(wc -l <"$T/offline.tsv")" -ge 20 ] || fail "the offline report has too few cells"
diff "$T/offline.tsv" "$T/live.tsv" >"$T/diff.txt" ||
    { cat "$T/diff.txt" >&2; fail "live and offline reports of the corpus slice differ"; }
pass "the corpus slice live at its own pace ($packets packets, 2 workers) gives the offline report: $(($(wc -l <"$T/live.tsv") - 1)) cells and totals"
