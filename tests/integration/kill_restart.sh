#!/usr/bin/env bash
# A sensor killed with SIGKILL loses at most the counts since its last flush,
# and nothing else: what it had flushed stays, counted once, and a restart
# with the same sensor id goes on counting from there.
#
# Live, through a veth pair between two namespaces: day A of the sample office
# is replayed; once a flush has stored it, day B is replayed and the sensor is
# killed before its next flush (redis.flush_interval 5 s); a new sensor with
# the same id starts, and day C is replayed.  The kill loses B (counted since
# the last flush; less if a flush came between B and the kill) and the bytes
# of flows still undecided (the statistics' flows.undecided_bytes): Redis must
# hold at least A + B + C minus those, and never more than A + B + C.
# Docs: docs/operations.md, "A sensor killed".  Needs root and `ip netns`.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
    say "skip: live capture needs root"
    exit 0
fi
command -v tcpreplay >/dev/null || fail "tcpreplay is not installed (apt-get install tcpreplay)"
NSA=stk-$$-a NSB=stk-$$-b VA=stk$$a VB=stk$$b
pid=
kill_cleanup() {
    local rc=$?
    set +e
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    (exit $rc)
    cleanup
}
trap kill_cleanup EXIT
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

for d in a b c; do
    seed=$(( $(printf '%d' "'$d") - 96 ))
    "$GEN" -o "$T/$d.pcap" -t "$T/$d.json" --seed "$seed" || fail "gen-sample failed"
done
with_redis
DB=1
ID=killed
start() { # start NAME: the live sensor, flushing every 5 s
    ip netns exec "$NSB" "$SENSOR" -i "$VB" --rules "$RULES" --redis "$REDIS_URL?db=$DB" \
        --sensor-id "$ID" --set privacy.key_file="$T/device.key" --set log.level=warning \
        --spool "$T/spool" --stats "$T/$1.stats" --set output.stats_interval=1 \
        --set redis.flush_interval=5 --set capture.buffer_size=128M 2>"$T/$1.err" &
    pid=$!
    for _ in $(seq 600); do [ -s "$T/$1.stats" ] && return 0; kill -0 "$pid" || break; sleep 0.1; done
    fail "the sensor $1 did not start: $(cat "$T/$1.err")"
}
replay() { # replay DAY
    ip netns exec "$NSA" tcpreplay -i "$VA" --mbps 200 --no-flow-stats "$T/$1.pcap" \
        >"$T/replay-$1.log" 2>&1 || { cat "$T/replay-$1.log" >&2; fail "tcpreplay of $1 failed"; }
}
received() { jq -r .packets.received "$T/$1.stats"; }
wait_received() { # wait_received NAME PACKETS
    for _ in $(seq 600); do [ "$(received "$1")" = "$2" ] && return 0; sleep 0.1; done
    fail "$1: received $(received "$1") packets, waited for $2"
}
seq_in_redis() { rcli -n "$DB" HGET "shadowtap:sensor:$ID" seq; }
truth() { # truth FIELD DAY...: the sum of a counter over the days' cells
    local f=$1
    shift
    jq -s --arg f "$f" '[.[] | .cells[][] | .[$f]] | add' "${@/#/$T/}"
}
month_totals() { # bytes up, bytes down, flows in Redis, this month
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$DB" monthly --month "$(date -u +%Y-%m)" |
        jq -r '[.totals.bytes_up, .totals.bytes_down, .totals.flows] | @tsv'
}

month_before=$(date -u +%Y-%m)
start one
replay a
pa=$(jq .packets "$T/a.json")
wait_received one "$pa"
# A flush that holds all of A: a batch applied after A was all received.
applied=$(jq .redis.batches_applied "$T/one.stats")
for _ in $(seq 200); do
    [ "$(jq .redis.batches_applied "$T/one.stats")" -gt "$applied" ] && break
    sleep 0.1
done
[ "$(jq .redis.batches_applied "$T/one.stats")" -gt "$applied" ] || fail "no flush after day A"
sleep 1.2 # the stats file is written once a second: the flush is done
seq_after_a=$(seq_in_redis)
replay b
wait_received one $((pa + $(jq .packets "$T/b.json")))
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
pid=
flushed_b=$([ "$(seq_in_redis)" != "$seq_after_a" ] && echo yes || echo no)
start two
replay c
wait_received two "$(jq .packets "$T/c.json")"
kill -TERM "$pid"
wait "$pid" || fail "the restarted sensor exited $?"
pid=
[ "$(date -u +%Y-%m)" = "$month_before" ] || { say "note: the run crossed a month; not compared"; exit 0; }

read -r up down flows < <(month_totals)
a_c=$(($(truth bytes_up a.json c.json) + $(truth bytes_down a.json c.json)))
b=$(($(truth bytes_up b.json) + $(truth bytes_down b.json)))
# From the stats file that said B was all received, just before the kill.
undecided=$(jq '.flows.undecided_bytes' "$T/one.stats")
lost=$((a_c + b - up - down))
say "killed during day B: $b bytes of B since the last flush, $undecided bytes in undecided flows;" \
    "lost $lost bytes (a flush between B and the kill: $flushed_b)"
[ "$lost" -ge 0 ] || fail "Redis holds $((-lost)) bytes more than A + B + C: counted twice"
[ "$lost" -le $((b + undecided)) ] ||
    fail "lost $lost bytes, more than B ($b) and the undecided flows ($undecided) together"
if [ "$flushed_b" = no ]; then
    [ "$lost" -ge "$b" ] || fail "lost $lost bytes, less than B ($b), yet no flush came after B"
fi
pass "SIGKILL lost $lost bytes: the counts since the last flush (B, $b) and undecided flows' (at most $undecided), nothing counted twice; the restart counted C"
