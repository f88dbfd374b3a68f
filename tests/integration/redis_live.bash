# shellcheck shell=bash
# Helpers for the Redis tests that run a live capture (redis_aof_restart.sh,
# redis_sentinel.sh); sourced after lib.sh.  As in live_capture.sh: two network
# namespaces made here, joined by a veth pair with no address and IPv6 off, so
# the only frames on the link are tcpreplay's; the sensor captures on one end.
# Also keeps every process the test starts (sensor, tcpreplay, redis-server,
# sentinels) in a list that the EXIT trap kills, whatever failed.
#
# Defines: live_setup (skips the test, status 0, without root, ip netns or
# tcpreplay), track PID, untrack PID, wait_for, alive, start_sensor, start_replay,
# log_count, flow_totals, report_totals.  LIVE_TEST_MBPS sets the replay rate.

TRACKED_PIDS=()
NSA=st-$$-a NSB=st-$$-b VA=stv$$a VB=stv$$b
NETNS_MADE=

live_cleanup() {
    local rc=$?
    set +e # to the end, whatever fails: a skipped step would leave Redis running
    local pid
    for pid in "${TRACKED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    for pid in "${TRACKED_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    if [ -n "$NETNS_MADE" ]; then
        ip netns del "$NSA" 2>/dev/null
        ip netns del "$NSB" 2>/dev/null
    fi
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup    # lib.sh's: its Redis, the test folder
}
trap live_cleanup EXIT

track() { TRACKED_PIDS+=("$1"); }
untrack() {
    local keep=() pid
    for pid in "${TRACKED_PIDS[@]}"; do [ "$pid" == "$1" ] || keep+=("$pid"); done
    TRACKED_PIDS=("${keep[@]}")
}

live_setup() {
    if [ "$(id -u)" -ne 0 ]; then
        say "skip: live capture needs root (network namespaces, capture)"
        exit 0
    fi
    command -v tcpreplay >/dev/null || fail "tcpreplay is not installed (apt-get install tcpreplay)"
    if ! ip netns add "$NSA" 2>"$T/netns.err"; then
        say "skip: cannot create a network namespace: $(cat "$T/netns.err")"
        exit 0
    fi
    NETNS_MADE=1
    ip netns add "$NSB" || fail "cannot create namespace $NSB"
    local ns
    for ns in "$NSA" "$NSB"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 || fail "cannot turn IPv6 off in $ns"
    done
    ip link add "$VA" netns "$NSA" type veth peer name "$VB" netns "$NSB" ||
        fail "cannot make the veth pair"
    ip -n "$NSA" link set "$VA" up
    ip -n "$NSB" link set "$VB" up
}

# wait_for SECONDS WHAT CMD...: polls CMD every 0.1 s, fails after SECONDS.
wait_for() {
    local seconds=$1 what=$2
    shift 2
    local _
    for _ in $(seq $((seconds * 10))); do
        "$@" && return 0
        sleep 0.1
    done
    fail "waited $seconds s for $what"
}

# alive PID LOG: fails, with the log's tail, when PID has exited.
alive() { kill -0 "$1" 2>/dev/null || fail "process $1 died: $(tail -5 "$2")"; }

# start_sensor LOG ARGS...: the sensor captures on the veth's far end (flush
# every second, statistics every second into $T/stats.json); sets SENSOR_PID.
start_sensor() {
    local log=$1
    shift
    ip netns exec "$NSB" "$SENSOR" -i "$VB" --rules "$RULES" \
        --set privacy.key_file="$T/device.key" --stats "$T/stats.json" \
        --set output.stats_interval=1 --set redis.flush_interval=1 \
        --set capture.buffer_size=128M "$@" >"$log" 2>&1 &
    SENSOR_PID=$!
    track "$SENSOR_PID"
    sensor_started() { alive "$SENSOR_PID" "$log" && [ -s "$T/stats.json" ]; }
    wait_for 60 "the sensor to start capturing" sensor_started
}

# received: packets the sensor has read so far (from its statistics file).
received() { jq -r '.packets.received' "$T/stats.json" 2>/dev/null || echo 0; }

# start_replay MBPS: sends $T/sample.pcap into the veth in the background;
# sets REPLAY_PID; the output goes to $T/replay.log.
start_replay() {
    ip netns exec "$NSA" tcpreplay -i "$VA" --mbps "$1" "$T/sample.pcap" >"$T/replay.log" 2>&1 &
    REPLAY_PID=$!
    track "$REPLAY_PID"
}

# finish_replay PACKETS: waits for tcpreplay, checks it sent PACKETS, then waits
# for the sensor to have read them all.
finish_replay() {
    local rc=0
    wait "$REPLAY_PID" || rc=$?
    untrack "$REPLAY_PID"
    [ $rc -eq 0 ] || { cat "$T/replay.log" >&2; fail "tcpreplay failed"; }
    expect_eq "packets sent by tcpreplay" "$(awk '/Successful packets:/ { print $3 }' "$T/replay.log")" "$1"
    say "replayed: $(grep -E '^Rated:' "$T/replay.log")"
    read_all() { [ "$(received)" == "$1" ]; }
    wait_for 120 "the sensor to read all $1 packets" read_all "$1"
}

# stop_sensor LOG: SIGTERM, and the exit status must be 0 (flushed to Redis).
stop_sensor() {
    kill -TERM "$SENSOR_PID"
    local rc=0
    wait "$SENSOR_PID" || rc=$?
    untrack "$SENSOR_PID"
    [ $rc -eq 0 ] || { tail -20 "$1" >&2; fail "the sensor exited $rc after SIGTERM"; }
}

# log_count LOG TEXT: how many lines of LOG hold TEXT.
log_count() { grep -cF -- "$2" "$1" || true; }

# flow_totals FLOWLOG: bytes up, bytes down, packets up, packets down and flows
# of the flows the flow log says were counted (not internal), tab-separated.
flow_totals() {
    jq -rs '[.[] | select(.shadowtap.internal == false)] |
        [(map(.source.bytes) | add // 0), (map(.destination.bytes) | add // 0),
         (map(.source.packets) | add // 0), (map(.destination.packets) | add // 0), length] | @tsv' "$1"
}

# report_totals URL MONTH: the same figures from the monthly report (run in
# the namespace REPORT_NETNS when set).
report_totals() {
    ${REPORT_NETNS:+ip netns exec "$REPORT_NETNS"} "$REPORT" --rules "$RULES" --redis "$1" monthly --month "$2" >"$T/report.json" ||
        fail "shadowtap-report monthly failed on $1"
    jq -r '.totals | [.bytes_up, .bytes_down, .packets_up, .packets_down, .flows] | @tsv' "$T/report.json"
}
