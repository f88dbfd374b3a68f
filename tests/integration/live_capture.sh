#!/usr/bin/env bash
# Live capture, for real: two network namespaces made here and joined by a veth
# pair; tcpreplay sends the sample office day into one end, the sensor captures
# on the other with -Z nobody.  Checks that
#  - the sensor no longer runs as root once capturing (uid, gid, no groups, no
#    capabilities), yet created its device key and spool folder in a folder
#    nobody cannot write, and opened its flow log there before dropping;
#  - SIGHUP reloads the rules; SIGTERM flushes and exits 0;
#  - the statistics show every packet of the capture received, none dropped by
#    the kernel or the interface, VLAN-tagged frames included;
#  - the monthly report equals that of an offline run over the same file (cells
#    and totals: bytes up and down, flows, devices);
#  - started the way the systemd unit starts it (an unprivileged user holding
#    only CAP_NET_RAW and CAP_NET_ADMIN, no -Z), it captures, then clears those
#    capabilities, and SIGINT stops it with status 0.
# Needs root and `ip netns`; skipped (status 0, with a message) without them.
# No frame leaves the two namespaces: the veths have no address and IPv6 is off
# in both, so neither stack answers or sends anything, and the only frames on
# the link are the replay's.  LIVE_TEST_MBPS sets the replay rate (default 100).
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
    say "skip: live capture needs root (network namespaces, capture, -Z)"
    exit 0
fi
command -v tcpreplay >/dev/null || fail "tcpreplay is not installed (apt-get install tcpreplay)"
id nobody >/dev/null 2>&1 || fail "there is no user nobody to drop to"

NSA=st-$$-a NSB=st-$$-b VA=stv$$a VB=stv$$b
SENSOR_PIDS=()
live_cleanup() {
    local rc=$?
    set +e # to the end, whatever fails
    for pid in "${SENSOR_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$NSA" 2>/dev/null || true
    ip netns del "$NSB" 2>/dev/null || true
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup    # lib.sh's: Redis, the test folder
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
ip -n "$NSA" link set "$VA" up
ip -n "$NSB" link set "$VB" up

sample
packets=$(jq .packets "$T/truth.json")

# User nobody must reach Redis (the folder and the socket) and replace the
# statistics file in its folder; the device key and the spool live in a folder
# only root can write.  lib.sh's Redis socket is 0700: opened up here only.
chmod 755 "$T"
with_redis
chmod 777 "$REDIS_SOCK"
mkdir -p "$T/out" "$T/state"
chown nobody "$T/out"
chmod 755 "$T/state"
cp -r "$RULES" "$T/rules"
chmod -R a+rX "$T/rules"

# wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    fail "waited $seconds s for $what"
}
stat_of() { jq -r "$1" "$T/out/$2" 2>/dev/null; }
stat_is() { [ "$(stat_of "$1" "$2")" == "$3" ]; }
alive() { kill -0 "$1" 2>/dev/null || fail "the sensor died: $(tail -5 "$2")"; }
started() { alive "$1" "$2" && [ -s "$3" ]; }

# --- the sensor, -Z nobody ----------------------------------------------------
ip netns exec "$NSB" "$SENSOR" -i "$VB" -Z nobody --rules "$T/rules" --redis "$REDIS_URL?db=1" \
    --sensor-id live --stats "$T/out/stats.json" --flow-log "$T/state/flows-live.json" \
    --spool "$T/state/spool" --set privacy.key_file="$T/state/device.key" \
    --set output.stats_interval=1 --set capture.buffer_size=128M >"$T/live.log" 2>&1 &
pid=$!
SENSOR_PIDS+=("$pid")
wait_for 60 "the sensor to start capturing" started "$pid" "$T/live.log" "$T/out/stats.json"
grep -q "running as user nobody" "$T/live.log" || fail "no 'running as user nobody' in the log"

uid=$(id -u nobody) gid=$(id -g nobody)
status=$(cat "/proc/$pid/status")
expect_eq "Uid (real, effective, saved, fs)" "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' <<<"$status")" "$uid $uid $uid $uid"
expect_eq "Gid (real, effective, saved, fs)" "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' <<<"$status")" "$gid $gid $gid $gid"
expect_eq "supplementary groups" "$(awk '/^Groups:/ { print $2 }' <<<"$status")" ""
expect_eq "effective capabilities" "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "0000000000000000"
expect_eq "permitted capabilities" "$(awk '/^CapPrm:/ { print $2 }' <<<"$status")" "0000000000000000"
pass "capturing as nobody: uid $uid, gid $gid, no supplementary groups, no capabilities"

[ "$(stat -c %U "$T/state/device.key")" == root ] || fail "the device key was not made before the drop"
[ "$(stat -c %U:%a "$T/state/spool")" == nobody:700 ] || fail "spool folder: $(stat -c %U:%a "$T/state/spool"), expected nobody:700"
[ -f "$T/state/flows-live.json" ] || fail "the flow log was not opened before the drop"
pass "device key made and flow log opened before the drop; spool folder made for nobody"

kill -HUP "$pid"
wait_for 20 "the rules reload" stat_is .reloads.done stats.json 1
expect_eq "failed reloads" "$(stat_of .reloads.failed stats.json)" 0
pass "SIGHUP reloaded the rules"

mbps=${LIVE_TEST_MBPS:-100}
month_before=$(date -u +%Y-%m)
ip netns exec "$NSA" tcpreplay -i "$VA" --mbps "$mbps" "$T/sample.pcap" >"$T/replay.log" 2>&1 \
    || { cat "$T/replay.log" >&2; fail "tcpreplay failed"; }
month=$(date -u +%Y-%m)
sent=$(awk '/Successful packets:/ { print $3 }' "$T/replay.log")
expect_eq "packets sent by tcpreplay" "$sent" "$packets"
say "replayed: $(grep -E '^Rated:' "$T/replay.log")"
wait_for 120 "the sensor to read all $packets packets" stat_is .packets.received stats.json "$packets"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
SENSOR_PIDS=()
[ $rc -eq 0 ] || { tail -20 "$T/live.log" >&2; fail "the sensor exited $rc after SIGTERM"; }
pass "SIGTERM: the sensor flushed and exited 0"

S=stats.json
expect_eq "packets received" "$(stat_of .packets.received $S)" "$packets"
expect_eq "packets the kernel received" "$(stat_of .packets.kernel_received $S)" "$packets"
expect_eq "kernel drops" "$(stat_of .packets.kernel_dropped $S)" 0
expect_eq "interface drops" "$(stat_of .packets.interface_dropped $S)" 0
expect_eq "flows at exit" "$(stat_of .flows.active $S)" 0
expect_eq "Redis batches left" "$(stat_of .redis.queued_batches $S)" 0
pass "$packets packets received at $mbps Mbit/s, none dropped"

# --- the same file offline ----------------------------------------------------
sensor -r "$T/sample.pcap" --rules "$T/rules" --redis "$REDIS_URL?db=2" --sensor-id offline \
    --set privacy.key_file="$T/state/device.key" --stats "$T/out/offline.json" \
    --flow-log "$T/flows-offline.json" || fail "the offline sensor exited $?"
for k in bytes decoded not_decoded; do
    expect_eq "packets.$k, live and offline" "$(stat_of .packets.$k $S)" "$(stat_of .packets.$k offline.json)"
done
# Tagged frames came through the veth with their tags (the kernel takes a tag
# off into metadata; libpcap must put it back): packets in VLAN flows.
vlan_packets() { jq -s '[.[] | select(.network.vlan) | .network.packets] | add // 0' "$1"; }
vlan=$(vlan_packets "$T/state/flows-live.json")
[ "$vlan" -gt 0 ] || fail "no VLAN-tagged packet in the live flow log"
expect_eq "packets of VLAN flows, live and offline" "$vlan" "$(vlan_packets "$T/flows-offline.json")"
pass "live and offline agree on bytes, decoding and $vlan VLAN-tagged packets"

cells() { # cells DB MONTH: the monthly report's cells and totals as sorted TSV
    "$REPORT" --rules "$T/rules" --redis "$REDIS_URL?db=$1" monthly --month "$2" >"$T/report-$1.json" \
        || fail "shadowtap-report failed on db $1"
    jq -r '(.departments[] | .id as $d | .services[] |
            [$d, .id, .bytes_up, .bytes_down, .flows, .devices]),
           (.totals | ["total", "", .bytes_up, .bytes_down, .flows, .devices]) | @tsv' \
        "$T/report-$1.json" | sort
}
if [ "$month_before" != "$month" ]; then
    say "note: the replay crossed into $month; live and offline reports not compared"
else
    cells 1 "$month" >"$T/live.tsv"
    cells 2 "$(jq -r '.date[0:7]' "$T/truth.json")" >"$T/offline.tsv"
    [ "$(wc -l <"$T/offline.tsv")" -ge 60 ] || fail "the offline report has too few cells"
    diff "$T/offline.tsv" "$T/live.tsv" >"$T/diff.txt" \
        || { cat "$T/diff.txt" >&2; fail "live and offline reports differ"; }
    pass "live report equals offline: $(($(wc -l <"$T/live.tsv") - 1)) cells and totals"
fi

# --- as the systemd unit starts it: nobody with two capabilities, no -Z ------------
caps=+net_raw,+net_admin
ip netns exec "$NSB" setpriv --reuid=nobody --regid="$gid" --clear-groups --inh-caps="$caps" \
    --ambient-caps="$caps" -- "$SENSOR" -i "$VB" --rules "$T/rules" --redis "$REDIS_URL?db=3" \
    --sensor-id unit --stats "$T/out/unit.json" --spool "$T/out/spool" \
    --set privacy.key_file="$T/out/device.key" --set output.stats_interval=1 >"$T/unit.log" 2>&1 &
pid=$!
SENSOR_PIDS+=("$pid")
wait_for 60 "the capability-holding sensor to start" started "$pid" "$T/unit.log" "$T/out/unit.json"
status=$(cat "/proc/$pid/status")
expect_eq "Uid as unit" "$(awk '/^Uid:/ { print $2 }' <<<"$status")" "$uid"
expect_eq "effective capabilities as unit" "$(awk '/^CapEff:/ { print $2 }' <<<"$status")" "0000000000000000"
expect_eq "permitted capabilities as unit" "$(awk '/^CapPrm:/ { print $2 }' <<<"$status")" "0000000000000000"
expect_eq "ambient capabilities as unit" "$(awk '/^CapAmb:/ { print $2 }' <<<"$status")" "0000000000000000"
ip netns exec "$NSA" tcpreplay -i "$VA" --mbps "$mbps" --limit 2000 "$T/sample.pcap" >"$T/replay2.log" 2>&1 \
    || { cat "$T/replay2.log" >&2; fail "tcpreplay failed"; }
wait_for 60 "the capability-holding sensor to read 2000 packets" stat_is .packets.received unit.json 2000
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
SENSOR_PIDS=()
[ $rc -eq 0 ] || { tail -20 "$T/unit.log" >&2; fail "the sensor exited $rc after SIGINT"; }
expect_eq "kernel drops as unit" "$(stat_of .packets.kernel_dropped unit.json)" 0
pass "as nobody with CAP_NET_RAW and CAP_NET_ADMIN: captured 2000 packets, then held no capability; SIGINT exits 0"
