#!/usr/bin/env bash
# Sentinel: one primary, one replica and three sentinels on the loopback of a
# network namespace of the test's own (so its fixed ports collide with
# nothing), and a sensor capturing live, flushing every second to
# sentinel://.../mymaster.  Mid-capture, the primary changes twice:
#
#  1. By hand, as an operator would: the replica is promoted (REPLICAOF NO
#     ONE), the old primary made its replica, and the sentinels repointed
#     (SENTINEL REMOVE, MONITOR).  The sensor's open connection now leads to a
#     replica, which answers its next flush with READONLY: the sensor must drop
#     that connection and ask Sentinel again.
#  2. By Sentinel: the new primary is killed (SIGKILL); the sentinels agree it
#     is down and promote the other server; the sensor follows.
#
# Then shadowtap-report, through the same sentinel:// URL, reads the promoted
# primary, and its totals must equal the flow log's exactly.  The bound on
# loss: Redis replication is asynchronous, so a batch acknowledged by a
# primary that dies before its replica has it is lost (the sensor warns when
# it finds Redis behind what it acknowledged).  Before each change the test
# holds the sensor (SIGSTOP; it keeps its counts and the kernel buffers the
# capture) until the replica has the sensor's last batch, so replication
# loses nothing here and the bound checked is zero: exact equality.
# Needs root, ip netns and tcpreplay; skipped (status 0) without them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/redis_live.bash"
live_setup
ip -n "$NSB" link set lo up
sample
packets=$(jq .packets "$T/truth.json")

P1=16379 P2=16380
SENTINELS=(26379 26380 26381)
URL="sentinel://127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381/mymaster"
ncli() { # ncli PORT ARGS...: redis-cli in the namespace
    local port=$1
    shift
    ip netns exec "$NSB" redis-cli -p "$port" "$@"
}
info_field() { ncli "$1" info replication 2>/dev/null | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }
seq_of() { ncli "$1" hget shadowtap:sensor:sent seq 2>/dev/null; }

start_redis_at() { # start_redis_at PORT [ARGS...]
    local port=$1
    shift
    mkdir -p "$T/r$port"
    ip netns exec "$NSB" redis-server --bind 127.0.0.1 --port "$port" --dir "$T/r$port" \
        --save '' --appendonly no --daemonize no --logfile "$T/r$port/redis.log" "$@" \
        >/dev/null 2>&1 &
    eval "PID_$port=$!"
    track $!
    answers() { ncli "$1" ping 2>/dev/null | grep -q PONG; }
    wait_for 30 "redis-server on port $port" answers "$port"
}

start_redis_at $P1
start_redis_at $P2 --replicaof 127.0.0.1 $P1
link_up() { [ "$(info_field "$1" master_link_status)" == up ]; }
wait_for 30 "the replica to sync" link_up $P2

for s in "${SENTINELS[@]}"; do
    mkdir -p "$T/s$s"
    cat >"$T/s$s/sentinel.conf" <<EOF
bind 127.0.0.1
port $s
dir $T/s$s
logfile $T/s$s/sentinel.log
sentinel monitor mymaster 127.0.0.1 $P1 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 4000
EOF
    ip netns exec "$NSB" redis-server "$T/s$s/sentinel.conf" --sentinel >/dev/null 2>&1 &
    track $!
done
# ready PRIMARY REPLICA: every sentinel names PRIMARY, knows REPLICA as a
# healthy replica of it and knows the two other sentinels (needed to agree on
# a failover).
ready() {
    local s
    for s in "${SENTINELS[@]}"; do
        [ "$(ncli "$s" sentinel get-master-addr-by-name mymaster 2>/dev/null | tail -1)" == "$1" ] || return 1
        ncli "$s" sentinel replicas mymaster 2>/dev/null | tr -d '\r' |
            awk -v p="$2" 'prev == "name" && $0 == "127.0.0.1:" p { found = 1 }
                           prev == "flags" && found == 1 { ok = ($0 == "slave"); found = 2 }
                           { prev = $0 } END { exit !ok }' || return 1
        [ "$(ncli "$s" sentinel sentinels mymaster 2>/dev/null | grep -c '^runid$')" == 2 ] || return 1
    done
}
wait_for 60 "the sentinels to see the replica and each other" ready $P1 $P2
pass "primary :$P1, replica :$P2, three sentinels (:${SENTINELS[*]}) ready"

month=$(date -u +%Y-%m)
start_sensor "$T/sensor.log" --redis "$URL" --sensor-id sent --flow-log "$T/flows.json" \
    --spool "$T/spool"
mbps=${LIVE_TEST_MBPS:-8}
start_replay "$mbps"

# hold PRIMARY REPLICA: stops the sensor once the replica has every batch the
# primary applied; release: lets it go on.
hold() {
    kill -STOP "$SENSOR_PID"
    in_step() { [ -n "$(seq_of "$1")" ] && [ "$(seq_of "$1")" == "$(seq_of "$2")" ]; }
    wait_for 30 "the replica :$2 to have the sensor's last batch" in_step "$1" "$2"
    held_seq=$(seq_of "$1")
}
release() { kill -CONT "$SENSOR_PID"; }
past() { alive "$SENSOR_PID" "$T/sensor.log" && [ "$(received)" -ge "$1" ] && [ -n "$(seq_of "$2")" ]; }
moved_on() { [ -n "$(seq_of "$1")" ] && [ "$(seq_of "$1")" -gt "$held_seq" ]; }

# --- 1. the primary moved by hand: READONLY on the open connection ---------------
wait_for 120 "a fifth of the capture stored on :$P1" past $((packets / 5)) $P1
hold $P1 $P2
for s in "${SENTINELS[@]}"; do ncli "$s" sentinel remove mymaster >/dev/null; done
ncli $P2 replicaof no one >/dev/null
ncli $P1 replicaof 127.0.0.1 $P2 >/dev/null
for s in "${SENTINELS[@]}"; do
    ncli "$s" sentinel monitor mymaster 127.0.0.1 $P2 2 >/dev/null
    ncli "$s" sentinel set mymaster down-after-milliseconds 1000 failover-timeout 4000 >/dev/null
done
expect_eq "role of :$P1 after the move" "$(ncli $P1 role | head -1)" slave
at=$(received)
release
wait_for 60 "the sensor to store on :$P2" moved_on $P2
# The sensor's first write after the move (a flush or its health figures,
# whichever came first) went to :$P1 on the open connection; :$P1 counts the
# READONLY errors it gave.
readonly_errors=$(ncli $P1 info errorstats | tr -d '\r' | sed -n 's/^errorstat_READONLY:count=//p')
[ "${readonly_errors:-0}" -ge 1 ] || fail "the sensor never met READONLY on :$P1"
pass "moved by hand at $at of $packets packets: READONLY from :$P1, the sensor asked Sentinel and stores on :$P2"

# --- 2. the primary killed: Sentinel promotes the replica ---------------------------
wait_for 60 "the sentinels to see :$P1 as the replica of :$P2" ready $P2 $P1
wait_for 30 "the replica :$P1 to sync" link_up $P1
wait_for 120 "half of the capture" past $((packets / 2)) $P2
hold $P2 $P1
kill -KILL "$PID_16380"
wait "$PID_16380" 2>/dev/null || true
untrack "$PID_16380"
at=$(received)
release
promoted() {
    local s
    for s in "${SENTINELS[@]}"; do
        [ "$(ncli "$s" sentinel get-master-addr-by-name mymaster 2>/dev/null | tail -1)" == $P1 ] || return 1
    done
}
wait_for 60 "Sentinel to promote :$P1" promoted
expect_eq "role of :$P1 after the failover" "$(ncli $P1 role | head -1)" master
# While the replay lasts the sensor has counts to store every second; if a
# slow machine let the replay end first, its final flush at SIGTERM (checked
# below) is the one that must reach :$P1.
replay_over() { ! kill -0 "$REPLAY_PID" 2>/dev/null; }
stored_or_over() { moved_on $P1 || replay_over; }
wait_for 60 "the sensor to store on :$P1" stored_or_over
if moved_on $P1; then
    pass "killed :$P2 at $at of $packets packets: Sentinel promoted :$P1 and the sensor stores there"
else
    say "note: the replay ended before the sensor stored on :$P1; its final flush must"
fi

finish_replay "$packets"
stop_sensor "$T/sensor.log"
moved_on $P1 || fail "the sensor never stored on the promoted :$P1"
[ -z "$(ls -A "$T/spool" 2>/dev/null)" ] || fail "spool files left: $(ls "$T/spool")"
expect_eq "Redis batches left" "$(jq .redis.queued_batches "$T/stats.json")" 0
# Each change is one outage if a flush met it first; a health write that met
# it first reconnects without one.  Either way each outage that began ended.
begun=$(log_count "$T/sensor.log" "cannot store counts in Redis")
[ "$begun" -ge 1 ] && [ "$begun" -le 2 ] || fail "$begun outages logged, expected 1 or 2"
expect_eq "outages ended, logged" "$(log_count "$T/sensor.log" "Redis is reachable again")" "$begun"
expect_eq "lost-batch warnings" "$(log_count "$T/sensor.log" "were lost by Redis")" 0
pass "SIGTERM: exit 0, nothing spooled; $begun outage(s), each logged as it began and as it ended"

if [ "$(date -u +%Y-%m)" != "$month" ]; then
    say "note: the capture crossed into a new month; totals not compared"
    exit 0
fi
flows=$(flow_totals "$T/flows.json")
REPORT_NETNS=$NSB # the sentinels answer on the namespace's loopback
counted=$(report_totals "$URL" "$month")
say "flow log:  $flows (bytes up, down, packets up, down, flows)"
say "report:    $counted"
[ "$(cut -f5 <<<"$flows")" -gt 100 ] || fail "too few flows in the flow log"
expect_eq "report totals through Sentinel vs flow log" "$counted" "$flows"
expect_eq "sensors in the report" "$(jq -r '[.sensors[].id] | join(",")' "$T/report.json")" sent
pass "shadowtap-report through Sentinel reads :$P1; its totals equal the flow log's exactly"
