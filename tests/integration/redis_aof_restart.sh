#!/usr/bin/env bash
# Redis killed (SIGKILL) in the middle of a live capture and restarted from its
# append-only file (appendonly yes, appendfsync always): the sensor keeps
# capturing and counting in memory, logs the outage once when it begins and
# once when it ends, and stores what accumulated.  After the replay and SIGTERM,
# the monthly report's totals (bytes and packets up and down, flows) equal the
# flow log's exactly: nothing lost, nothing counted twice, although flushes
# were cut off by the kill at any point.  Needs root, ip netns and tcpreplay;
# skipped (status 0, with a message) without them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/redis_live.bash"
live_setup
sample
packets=$(jq .packets "$T/truth.json")

# The test's own Redis, durable: every write is fsync'd to the AOF before
# Redis replies, so whatever the sensor saw acknowledged survives the kill.
mkdir -p "$T/aof"
AOF_SOCK=$T/aof.sock
start_aof_redis() {
    redis-server --port 0 --unixsocket "$AOF_SOCK" --unixsocketperm 700 --dir "$T/aof" \
        --save '' --appendonly yes --appendfsync always --daemonize no \
        --logfile "$T/aof/redis.log" >/dev/null 2>&1 &
    AOF_PID=$!
    track "$AOF_PID"
    redis_up() { alive "$AOF_PID" "$T/aof/redis.log" && redis-cli -s "$AOF_SOCK" ping 2>/dev/null | grep -q PONG; }
    wait_for 30 "redis-server to answer" redis_up
}
acli() { redis-cli -s "$AOF_SOCK" "$@"; }
start_aof_redis

month=$(date -u +%Y-%m)
start_sensor "$T/sensor.log" --redis "unix://$AOF_SOCK" --sensor-id aof \
    --flow-log "$T/flows.json" --spool "$T/spool"
mbps=${LIVE_TEST_MBPS:-10}
start_replay "$mbps"

# Kill Redis once the sensor has stored some counts and a quarter of the
# capture has gone by.
flushed_some() {
    alive "$SENSOR_PID" "$T/sensor.log"
    [ "$(received)" -ge $((packets / 4)) ] && [ "$(acli exists "shadowtap:month:$month")" == 1 ]
}
wait_for 120 "a quarter of the capture read and stored" flushed_some
kill -KILL "$AOF_PID"
wait "$AOF_PID" 2>/dev/null || true
untrack "$AOF_PID"
at_kill=$(received)
say "Redis killed after $at_kill of $packets packets"

# The sensor notices at its next flush, and keeps counting.
outage_logged() { [ "$(log_count "$T/sensor.log" "cannot store counts in Redis")" -ge 1 ]; }
wait_for 60 "the sensor to log the outage" outage_logged
more_read() { alive "$SENSOR_PID" "$T/sensor.log" && [ "$(received)" -ge $((at_kill + packets / 10)) ]; }
wait_for 120 "the sensor to read on while Redis is down" more_read
at_restart=$(received)
[ "$at_restart" -lt "$packets" ] ||
    fail "the replay ended before Redis came back (slow machine? lower LIVE_TEST_MBPS)"

start_aof_redis
[ -n "$(acli hget shadowtap:sensor:aof seq)" ] || fail "Redis came back without the AOF's data"
say "Redis restarted from its AOF after $at_restart packets"
back_logged() { [ "$(log_count "$T/sensor.log" "Redis is reachable again")" -ge 1 ]; }
wait_for 90 "the sensor to log that Redis is back" back_logged
pass "Redis killed at $at_kill and restarted at $at_restart of $packets packets, mid-capture"

finish_replay "$packets"
stop_sensor "$T/sensor.log"
[ -z "$(ls -A "$T/spool" 2>/dev/null)" ] || fail "spool files left: $(ls "$T/spool")"
expect_eq "Redis batches left" "$(jq .redis.queued_batches "$T/stats.json")" 0
expect_eq "outage begun, logged" "$(log_count "$T/sensor.log" "cannot store counts in Redis")" 1
expect_eq "outage ended, logged" "$(log_count "$T/sensor.log" "Redis is reachable again")" 1
expect_eq "lost-batch warnings" "$(log_count "$T/sensor.log" "were lost by Redis")" 0
pass "SIGTERM: exit 0, nothing spooled; the outage logged once as it began and once as it ended"

if [ "$(date -u +%Y-%m)" != "$month" ]; then
    say "note: the capture crossed into a new month; totals not compared"
    exit 0
fi
flows=$(flow_totals "$T/flows.json")
counted=$(report_totals "unix://$AOF_SOCK" "$month")
say "flow log:  $flows (bytes up, down, packets up, down, flows)"
say "report:    $counted"
[ "$(cut -f5 <<<"$flows")" -gt 100 ] || fail "too few flows in the flow log"
expect_eq "report totals vs flow log" "$counted" "$flows"
pass "the monthly report's totals equal the flow log's exactly"
