#!/usr/bin/env bash
# SIGHUP under replay: the sensor captures live on the loopback of a network
# namespace of the test's own while tcpreplay sends the sample there.
#  1. A SIGHUP every 0.1 s through the whole replay, the policy swapped each time
#     between two versions (Microsoft Teams sanctioned, then unsanctioned), and
#     every seventh time a policy with an error in it: many reloads done, the bad
#     ones refused and counted, and no count lost or doubled: the monthly report
#     (every department and service cell, and the totals) equals an offline run's.
#  2. A switch: Slack sanctioned while the sample is replayed once, then a policy
#     that makes it unsanctioned, then a broken policy that would have made it
#     sanctioned again (refused, the one in force kept), then the sample again.
#     Slack's unsanctioned-use events and its unsanctioned flows come only after
#     the switch, and the report lists it as unsanctioned.
# Needs root, iproute2 and tcpreplay.  RELOAD_TEST_MBPS sets the storm's replay
# rate (default 30: about 10 s of replay, some 80 reloads).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    say "skipped: needs root, iproute2 and tcpreplay"
    exit 0
fi
ns=st-reload-$$
pid='' hup_pid=''
reload_cleanup() {
    local rc=$?
    set +e # a failing step here must not skip lib.sh's cleanup (Redis, $T)
    [ -n "$hup_pid" ] && kill "$hup_pid" 2>/dev/null
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup
}
trap reload_cleanup EXIT
if ! ip netns add "$ns" 2>"$T/netns.err"; then
    say "skipped: cannot create a network namespace: $(cat "$T/netns.err")"
    exit 0
fi
ip netns exec "$ns" ip link set lo up
with_redis
sample
packets=$(jq .packets "$T/truth.json")

# policy FILE SERVICE STATUS [SERVICE STATUS...]: the shipped policy with the
# status of each SERVICE changed ("maybe" makes a policy with an error).
policy() {
    local out=$1 script=
    shift
    while [ $# -gt 0 ]; do
        script+="/^\\[$1\\]\$/,/^\\[/ s/^status *=.*/status = $2/;"
        shift 2
    done
    sed "$script" "$RULES/policy.conf" >"$out"
}
# install RULESDIR FILE: puts FILE in place as policy.conf at once (rename), so
# that a reload never reads half a file.
install_policy() {
    cp "$2" "$1/policy.conf.new"
    mv -f "$1/policy.conf.new" "$1/policy.conf"
}
# start_sensor NAME RULESDIR DB [ARGS...]: the sensor, live on the namespace's loopback.
start_sensor() {
    local name=$1 rules=$2 db=$3
    shift 3
    ip netns exec "$ns" "$SENSOR" -i lo --rules "$rules" --redis "$REDIS_URL?db=$db" --sensor-id "$name" \
        --set privacy.key_file="$T/device.key" --spool "$T/spool" --set log.level=warning \
        --stats "$T/$name.json" --events "$T/$name-events.json" --flow-log "$T/$name-flows.json" \
        --set output.stats_interval=1 --set redis.flush_interval=1 \
        --set capture.buffer_size=128M "$@" 2>"$T/$name.err" &
    pid=$!
    for _ in $(seq 100); do [ -s "$T/$name.json" ] && return 0; sleep 0.1; done
    fail "the sensor did not start: $(cat "$T/$name.err")"
}
stat_of() { jq -r "$2" "$T/$1.json"; }
# wait_stat NAME FIELD VALUE
wait_stat() {
    for _ in $(seq 600); do
        [ "$(stat_of "$1" "$2" 2>/dev/null)" = "$3" ] && return 0
        kill -0 "$pid" 2>/dev/null || fail "the sensor died: $(tail -5 "$T/$1.err")"
        sleep 0.1
    done
    fail "$1: $2 is $(stat_of "$1" "$2"), waited for $3"
}
stop_sensor() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    [ $rc -eq 0 ] || fail "the sensor exited $rc: $(tail -5 "$T/$1.err")"
}
replay() { # replay RATE: the sample once on the namespace's loopback
    ip netns exec "$ns" tcpreplay --intf1=lo --mbps "$1" "$T/sample.pcap" >"$T/replay.log" 2>&1 ||
        fail "tcpreplay failed: $(tail -3 "$T/replay.log")"
    expect_eq "packets sent" "$(awk '/Successful packets:/ {print $3}' "$T/replay.log")" "$packets"
}
cells() { # cells DB MONTH RULESDIR: the monthly report's cells and totals as sorted TSV
    "$REPORT" --rules "$3" --redis "$REDIS_URL?db=$1" monthly --month "$2" >"$T/report-$1.json" ||
        fail "shadowtap-report failed on db $1"
    jq -r '(.departments[] | .id as $d | .services[] |
            [$d, .id, .bytes_up, .bytes_down, .flows, .devices]),
           (.totals | ["total", "", .bytes_up, .bytes_down, .flows, .devices]) | @tsv' \
        "$T/report-$1.json" | sort
}

# The reference: the same file offline.
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id offline ||
    fail "the offline sensor exited $?"
cells 2 "$(jq -r '.date[0:7]' "$T/truth.json")" "$RULES" >"$T/offline.tsv"
[ "$(wc -l <"$T/offline.tsv")" -ge 60 ] || fail "the offline report has too few cells"
offline_bytes=$(jq '.totals.bytes_up + .totals.bytes_down' "$T/report-2.json")

# --- 1. a reload every 0.1 s while the sample is replayed -----------------------------
mkdir "$T/storm"
cp "$RULES"/*.conf "$T/storm/"
policy "$T/teams-sanctioned.conf" microsoft-teams sanctioned
policy "$T/teams-unsanctioned.conf" microsoft-teams unsanctioned
policy "$T/bad.conf" microsoft-teams sanctioned zoom maybe
start_sensor storm "$T/storm" 1
(
    set +e
    i=0
    while :; do
        i=$((i + 1))
        if [ $((i % 7)) -eq 0 ]; then
            install_policy "$T/storm" "$T/bad.conf"
        elif [ $((i % 2)) -eq 0 ]; then
            install_policy "$T/storm" "$T/teams-sanctioned.conf"
        else
            install_policy "$T/storm" "$T/teams-unsanctioned.conf"
        fi
        kill -HUP "$pid" || exit 0
        sleep 0.1
    done
) &
hup_pid=$!
month_before=$(date -u +%Y-%m)
replay "${RELOAD_TEST_MBPS:-30}"
kill "$hup_pid"
wait "$hup_pid" 2>/dev/null || true
hup_pid=
# The loop may have stopped with the bad policy in place; the report below reads
# this folder too (the sensor is not told: no HUP).
install_policy "$T/storm" "$T/teams-unsanctioned.conf"
month=$(date -u +%Y-%m)
wait_stat storm .packets.received "$packets"
stop_sensor storm
done=$(stat_of storm .reloads.done)
failed=$(stat_of storm .reloads.failed)
say "reloads during the replay: $done done, $failed refused"
[ "$done" -ge 20 ] || fail "only $done reloads were done during the replay"
[ "$failed" -ge 2 ] || fail "only $failed bad policies were refused"
grep -q "policy.conf:[0-9]*: .*maybe" "$T/storm.err" || fail "no file:line error for the bad policy: $(head -3 "$T/storm.err")"
grep -q "keeping the rules in use" "$T/storm.err" || fail "no word that the old rules are kept"
expect_eq "kernel drops" "$(stat_of storm '.packets.kernel_dropped + .packets.interface_dropped')" 0
expect_eq "flows at exit" "$(stat_of storm .flows.active)" 0
# The classification switched back and forth: while Teams was unsanctioned its
# traffic raised unsanctioned-use events (flows here end at exit, under the last policy).
teams=$(jq -r 'select(.event.action == "unsanctioned-use" and
                      .shadowtap.service.id == "microsoft-teams") | .shadowtap.service.status' \
    "$T/storm-events.json" | sort -u)
expect_eq "statuses of Microsoft Teams's unsanctioned-use events during the storm" "$teams" unsanctioned
if [ "$month_before" != "$month" ]; then
    say "note: the replay crossed into $month; reports not compared"
else
    cells 1 "$month" "$T/storm" >"$T/storm.tsv"
    diff "$T/offline.tsv" "$T/storm.tsv" >"$T/diff.txt" ||
        { cat "$T/diff.txt" >&2; fail "the report after the reloads differs from the offline run"; }
    pass "$done reloads ($failed refused) under replay: all $(($(wc -l <"$T/storm.tsv") - 1)) cells and the totals equal the offline run's"
fi

# --- 2. a service moved from sanctioned to unsanctioned --------------------------------
mkdir "$T/switch"
cp "$RULES"/*.conf "$T/switch/"
policy "$T/slack-sanctioned.conf" slack sanctioned
policy "$T/slack-unsanctioned.conf" slack unsanctioned
policy "$T/bad-switch.conf" slack sanctioned zoom maybe
for f in slack-sanctioned slack-unsanctioned bad-switch; do
    grep -A1 '^\[slack\]$' "$T/$f.conf" | tail -1
done | tr '\n' ' ' | grep -qx 'status = sanctioned status = unsanctioned status = sanctioned ' ||
    fail "the Slack policies were not made as meant"
install_policy "$T/switch" "$T/slack-sanctioned.conf"
# Replayed at 200 Mbit/s the office day takes two seconds: with idle timeouts of
# one second, its flows end, and are logged, before the switch.
start_sensor switch "$T/switch" 3 --set flow.tcp_timeout=1 --set flow.tcp_closing_timeout=1 \
    --set flow.udp_timeout=1 --set flow.other_timeout=1
replay 200
wait_stat switch .packets.received "$packets"
wait_stat switch .flows.active 0
# Every byte in Redis, so every event of the first replay is written, before the switch.
for _ in $(seq 100); do
    got=$("$REPORT" --rules "$T/switch" --redis "$REDIS_URL?db=3" monthly |
        jq '.totals.bytes_up + .totals.bytes_down')
    [ "$got" = "$offline_bytes" ] && break
    sleep 0.2
done
expect_eq "bytes in Redis after the first replay" "$got" "$offline_bytes"
events_before=$(wc -l <"$T/switch-events.json")
# The flow log is written at each flush interval: every line of the first
# replay's flows is in the file before the switch is counted from it.
for _ in $(seq 100); do
    [ "$(wc -l <"$T/switch-flows.json")" = "$(stat_of switch .flow_log.lines)" ] && break
    sleep 0.1
done
expect_eq "flow-log lines on disk after the first replay" "$(wc -l <"$T/switch-flows.json")" \
    "$(stat_of switch .flow_log.lines)"
flows_before=$(wc -l <"$T/switch-flows.json")

install_policy "$T/switch" "$T/slack-unsanctioned.conf"
kill -HUP "$pid"
wait_stat switch .reloads.done 1
install_policy "$T/switch" "$T/bad-switch.conf"
kill -HUP "$pid"
wait_stat switch .reloads.failed 1
expect_eq "reloads done after the bad policy" "$(stat_of switch .reloads.done)" 1
replay 200
wait_stat switch .packets.received $((2 * packets))
wait_stat switch .flows.active 0
stop_sensor switch
install_policy "$T/switch" "$T/slack-unsanctioned.conf"

slack_events() { # slack_events FROM TO: Slack's unsanctioned-use events in those lines
    sed -n "$1,$2p" "$T/switch-events.json" |
        jq -r 'select(.event.action == "unsanctioned-use" and .shadowtap.service.id == "slack") |
               .shadowtap.service.status'
}
expect_eq "Slack unsanctioned-use events before the switch" "$(slack_events 1 "$events_before")" ""
after=$(slack_events $((events_before + 1)) '$' | sort | uniq -c | awk '{print $2 " " $1}')
want_departments=$(jq '[.cells[] | select(has("slack"))] | length' "$T/truth.json")
expect_eq "Slack unsanctioned-use events after the switch" "$after" "unsanctioned $want_departments"
slack_flows() { # slack_flows FROM TO: the statuses of Slack's flows in those lines
    sed -n "$1,$2p" "$T/switch-flows.json" |
        jq -r 'select(.shadowtap.service.id == "slack") | .shadowtap.service.status' | sort | uniq -c |
        awk '{print $2 " " $1}'
}
before=$(slack_flows 1 "$flows_before")
after=$(slack_flows $((flows_before + 1)) '$')
[[ $before =~ ^sanctioned\ [0-9]+$ ]] || fail "Slack flows before the switch: $before"
[[ $after =~ ^unsanctioned\ [0-9]+$ ]] || fail "Slack flows after the switch (and the refused policy): $after"
"$REPORT" --rules "$T/switch" --redis "$REDIS_URL?db=3" unsanctioned --since 2d >"$T/unsanctioned.json" ||
    fail "the unsanctioned report failed"
grep -q '"slack"' "$T/unsanctioned.json" || fail "Slack is not in the unsanctioned report"
pass "Slack sanctioned, then unsanctioned after SIGHUP ($after flows, $want_departments events); a bad policy after it was refused and the new one kept"
