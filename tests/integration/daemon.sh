#!/usr/bin/env bash
# -D and --pidfile: the sensor goes to the background only once it captures, so
# that the command that started it returns with the status a foreground start
# would have had (0 running, 1 runtime failure, 2 bad configuration), with the
# start-up messages on its stderr; then it is a daemon (not the test's child, no
# session leader, standard input, output and error on /dev/null, logs to syslog).
# Its pidfile names it; a second start with the same pidfile is refused while it
# runs; SIGTERM flushes the counts to Redis (the monthly totals equal an offline
# run's) and removes the pidfile; a stale pidfile (its process gone) is replaced;
# a pidfile in a folder the sensor cannot write once it has dropped to -Z nobody
# is emptied at exit instead, and reads as stale to the next start.
# The sensor captures on the loopback of a network namespace of the test's own,
# where tcpreplay sends the sample.  Needs root, iproute2 and tcpreplay.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    say "skipped: needs root, iproute2 and tcpreplay"
    exit 0
fi
id nobody >/dev/null 2>&1 || fail "there is no user nobody to drop to"
ns=st-daemon-$$
PIDFILE=$T/run/sensor.pid
daemon_pids=()
daemon_cleanup() {
    local rc=$?
    set +e # a failing step here must not skip lib.sh's cleanup (Redis, $T)
    for p in "${daemon_pids[@]}" $(cat "$PIDFILE" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup
}
trap daemon_cleanup EXIT
if ! ip netns add "$ns" 2>"$T/netns.err"; then
    say "skipped: cannot create a network namespace: $(cat "$T/netns.err")"
    exit 0
fi
ip netns exec "$ns" ip link set lo up

# User nobody (the last part) must reach Redis and replace its statistics file.
chmod 755 "$T"
with_redis
chmod 777 "$REDIS_SOCK"
sample
packets=$(jq .packets "$T/truth.json")
mkdir -p "$T/run" "$T/out"
chown nobody "$T/out"

# In a sanitizer build, what the daemon's sanitizers say at exit would go to
# /dev/null: to files instead, checked at the end.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}log_path=$T/sanitizer"
# start_daemon ERRFILE ARGS...: the sensor with -D in the namespace; returns its status.
start_daemon() {
    local errfile=$1
    shift
    ip netns exec "$ns" "$SENSOR" -D -i lo --rules "$RULES" --redis "$REDIS_URL?db=1" \
        --set privacy.key_file="$T/device.key" --spool "$T/spool" \
        --set output.stats_interval=1 --set redis.flush_interval=1 "$@" 2>"$errfile"
}
# gone PID: the process has ended (a zombie not yet reaped by init counts as ended).
gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
wait_gone() {
    for _ in $(seq 300); do gone "$1" && return 0; sleep 0.1; done
    fail "pid $1 still runs 30 s after SIGTERM"
}

# --- start: returns 0 only once it captures -----------------------------------------
start_daemon "$T/start.err" --pidfile "$PIDFILE" --sensor-id daemon --stats "$T/stats.json" \
    --set log.level=info || fail "-D exited $?: $(cat "$T/start.err")"
# Statistics are written before the first packet is read, so before "ok".
[ -s "$T/stats.json" ] || fail "the start returned before the sensor was capturing"
grep -q "capturing from lo" "$T/start.err" || fail "start-up messages did not reach stderr: $(cat "$T/start.err")"
[ -s "$PIDFILE" ] || fail "no pidfile"
pid=$(cat "$PIDFILE")
daemon_pids+=("$pid")
[[ $pid =~ ^[0-9]+$ ]] || fail "pidfile holds '$pid'"
kill -0 "$pid" 2>/dev/null || fail "pid $pid of the pidfile does not run"
expect_eq "the pidfile's process" "$(readlink "/proc/$pid/exe")" "$(readlink -f "$SENSOR")"
read -r _ _ _ ppid _ sid _ < <(sed 's/^.*) //; s/^/x x /' "/proc/$pid/stat")
[ "$ppid" != "$$" ] || fail "the daemon is still the test's child"
[ "$sid" != "$pid" ] || fail "the daemon is a session leader (could gain a terminal)"
[ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || fail "the daemon kept the test's session"
for fd in 0 1 2; do
    expect_eq "the daemon's fd $fd" "$(readlink "/proc/$pid/fd/$fd")" /dev/null
done
expect_eq "the daemon's working directory" "$(readlink "/proc/$pid/cwd")" "$(pwd -P)"
pass "-D returned 0 once capturing; pid $pid (parent $ppid, session $sid) is the daemon, stdio on /dev/null"

# --- a second start with the same pidfile is refused -----------------------------
rc=0
start_daemon "$T/second.err" --pidfile "$PIDFILE" --sensor-id second || rc=$?
expect_eq "exit status of a second start" "$rc" 1
grep -q "$PIDFILE: a sensor is already running with this pidfile (pid $pid)" "$T/second.err" ||
    fail "unclear refusal: $(cat "$T/second.err")"
expect_eq "the pidfile after the refused start" "$(cat "$PIDFILE")" "$pid"
kill -0 "$pid" || fail "the refused start stopped the running daemon"
pass "a second start is refused: $(head -1 "$T/second.err")"

# --- packets, then SIGTERM -----------------------------------------------------------
month_before=$(date -u +%Y-%m)
ip netns exec "$ns" tcpreplay --intf1=lo --mbps 200 "$T/sample.pcap" >"$T/replay.log" 2>&1 ||
    fail "tcpreplay failed: $(tail -3 "$T/replay.log")"
month=$(date -u +%Y-%m)
for _ in $(seq 300); do
    [ "$(jq .packets.received "$T/stats.json" 2>/dev/null)" = "$packets" ] && break
    sleep 0.1
done
expect_eq "packets the daemon received" "$(jq .packets.received "$T/stats.json")" "$packets"
kill -TERM "$pid"
wait_gone "$pid"
[ ! -e "$PIDFILE" ] || fail "the pidfile is still there after SIGTERM"
expect_eq "flows at exit" "$(jq .flows.active "$T/stats.json")" 0
expect_eq "Redis batches left at exit" "$(jq .redis.queued_batches "$T/stats.json")" 0
# Once running, messages go to syslog, not to the terminal it was started from.
grep -q "packets $packets" "$T/start.err" && fail "a statistics line reached the old stderr"
pass "SIGTERM: the daemon flushed, exited and removed its pidfile"

totals() { # totals DB MONTH: the monthly report's totals
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$1" monthly --month "$2" |
        jq -c '.totals | {bytes_up, bytes_down, flows, devices}'
}
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id offline ||
    fail "the offline sensor exited $?"
offline=$(totals 2 "$(jq -r '.date[0:7]' "$T/truth.json")")
if [ "$month_before" != "$month" ]; then
    say "note: the replay crossed into $month; totals not compared"
else
    expect_eq "monthly totals, daemon and offline" "$(totals 1 "$month")" "$offline"
    pass "the daemon's counts are in Redis: $offline"
fi

# --- start-up failures reach the terminal with their status; no pidfile left -----------
rc=0
start_daemon "$T/bad.err" --pidfile "$PIDFILE" --set flow.max_flows=lots || rc=$?
expect_eq "exit status with a bad setting" "$rc" 2
grep -q 'flow.max_flows: "lots" is not a whole number' "$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
rc=0
start_daemon "$T/bad.err" --pidfile "$PIDFILE" --stats "$T/no/such/folder/stats.json" || rc=$?
expect_eq "exit status when the statistics cannot be written" "$rc" 1
grep -q "not starting without statistics" "$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
[ ! -e "$PIDFILE" ] || fail "a failed start left its pidfile"
rc=0
start_daemon "$T/bad.err" --pidfile "$T/run/no/such/folder/x.pid" || rc=$?
expect_eq "exit status when the pidfile cannot be made" "$rc" 1
grep -q "cannot create the pidfile: No such file or directory" "$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
ln -s "$T/elsewhere" "$T/run/link.pid"
rc=0
start_daemon "$T/bad.err" --pidfile "$T/run/link.pid" || rc=$?
expect_eq "exit status with a pidfile that is a symbolic link" "$rc" 1
grep -q "symbolic link" "$T/bad.err" || fail "unclear: $(cat "$T/bad.err")"
[ ! -e "$T/elsewhere" ] || fail "the pidfile's symbolic link was followed"
rc=0
start_daemon "$T/bad.err" --flow-log - || rc=$?
expect_eq "exit status with -D and the flow log on standard output" "$rc" 2
pass "failed starts: exit 2 and 1 with their reasons on stderr, no pidfile left"

# --- a stale pidfile is replaced; -Z nobody empties what it cannot remove ---------------
sleep 0.01 &
dead=$!
wait $dead
echo "$dead" >"$PIDFILE"
start_daemon "$T/stale.err" --pidfile "$PIDFILE" --sensor-id stale -Z nobody \
    --stats "$T/out/stats.json" --set log.level=info || fail "start over a stale pidfile: exit $?: $(cat "$T/stale.err")"
pid2=$(cat "$PIDFILE")
daemon_pids+=("$pid2")
[ "$pid2" != "$dead" ] && kill -0 "$pid2" || fail "the stale pidfile was not replaced ($pid2)"
grep -q "replaced a stale pidfile (pid $dead no longer holds it)" "$T/stale.err" ||
    fail "no word of the stale pidfile: $(cat "$T/stale.err")"
expect_eq "the daemon's user" "$(stat -c %U "/proc/$pid2")" nobody
pass "a stale pidfile (pid $dead) is replaced by $pid2"
kill -TERM "$pid2"
wait_gone "$pid2"
# $T/run is root's: nobody cannot remove the file, so it is emptied (and unlocked).
[ -e "$PIDFILE" ] && [ ! -s "$PIDFILE" ] || fail "pidfile after -Z nobody: $(ls -l "$PIDFILE" 2>&1)"
start_daemon "$T/again.err" --pidfile "$PIDFILE" --sensor-id again --stats "$T/again.json" ||
    fail "start over an emptied pidfile: exit $?: $(cat "$T/again.err")"
pid3=$(cat "$PIDFILE")
daemon_pids+=("$pid3")
kill -0 "$pid3" || fail "no daemon after a start over the emptied pidfile"
kill -TERM "$pid3"
wait_gone "$pid3"
[ ! -e "$PIDFILE" ] || fail "the pidfile is still there after SIGTERM"
pass "-Z nobody: the pidfile it could not remove was emptied, and the next start took it over"

reports=$(cat "$T"/sanitizer.* 2>/dev/null || true)
[ -z "$reports" ] || fail "sanitizer reports from the daemons: $(head -30 <<<"$reports")"
