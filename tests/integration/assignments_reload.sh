#!/usr/bin/env bash
# The assignment feed (departments.assignments) in a running sensor: read at start,
# read again when the file changes (checked at each flush interval) and on SIGHUP;
# a changed file with errors is logged once, as file:line, without repeating any
# address or MAC, and the entries in use are kept; so is a reload on SIGHUP while
# the feed is bad.  The statistics' assignments.* say which table is in use.
# Needs root and iproute2 (a live sensor on the loopback of a network namespace of
# the test's own).
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null; then
    say "skipped: needs root and iproute2"
    exit 0
fi
ns=st-feed-$$
pid=''
feed_cleanup() {
    local rc=$?
    set +e # a failing step here must not skip lib.sh's cleanup (Redis, $T)
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup
}
trap feed_cleanup EXIT
if ! ip netns add "$ns" 2>"$T/netns.err"; then
    say "skipped: cannot create a network namespace: $(cat "$T/netns.err")"
    exit 0
fi
ip netns exec "$ns" ip link set lo up
with_redis
F=$T/feed.txt
# feed TEXT: puts a new feed in place at once (rename), as the docs ask.
feed() {
    printf '%s\n' "$1" >"$F.new"
    mv -f "$F.new" "$F"
}
stat_of() { jq -r "$1" "$T/stats.json"; }
# wait_stat FIELD VALUE
wait_stat() {
    for _ in $(seq 100); do
        [ "$(stat_of "$1" 2>/dev/null)" = "$2" ] && return 0
        kill -0 "$pid" 2>/dev/null || fail "the sensor died: $(tail -5 "$T/sensor.err")"
        sleep 0.1
    done
    fail "$1 is $(stat_of "$1"), waited for $2"
}

feed "# two devices
10.20.30.40 finance 2030-01-01T00:00:00Z
02:42:ac:11:00:07 sales"
ip netns exec "$ns" "$SENSOR" -i lo --rules "$RULES" --redis "$REDIS_URL" --sensor-id feed \
    --set privacy.key_file="$T/device.key" --spool "$T/spool" --stats "$T/stats.json" \
    --set departments.assignments="$F" --set redis.flush_interval=1 \
    --set output.stats_interval=1 2>"$T/sensor.err" &
pid=$!
for _ in $(seq 100); do [ -s "$T/stats.json" ] && break; sleep 0.1; done
[ -s "$T/stats.json" ] || fail "the sensor did not start: $(cat "$T/sensor.err")"
wait_stat .assignments.entries 2
pass "at start: the feed's 2 entries in use"

# 1. The file changes: read again at the next flush interval.
feed "10.20.30.40 finance
10.20.30.41 sales 1790000000
fd00:20::17 engineering"
wait_stat .assignments.reloads 1
wait_stat .assignments.entries 3
grep -q "assignment feed $F read again: 3 entries" "$T/sensor.err" || fail "no log of the new feed"
pass "a changed feed is read again: 3 entries in use"

# 2. A changed file with errors: logged once, as file:line, the 3 entries kept.
feed "10.20.30.40 finance
10.20.30.300 sales
de:ad:be:ef:00:01 nope
10.20.30.40 sales"
wait_stat .assignments.failed 1
sleep 2.5 # two more flush intervals: not read (nor logged) again while unchanged
expect_eq "failed reads of the unchanged bad feed" "$(stat_of .assignments.failed)" 1
expect_eq "entries in use after the bad feed" "$(stat_of .assignments.entries)" 3
expect_eq "feed reads" "$(stat_of .assignments.reloads)" 1
expect_eq "errors logged for line 2" "$(grep -c "$F:2: the first field is not an IPv4" "$T/sensor.err")" 1
grep -q "$F:3: unknown department \"nope\"" "$T/sensor.err" || fail "no error for line 3"
grep -q "$F:4: the same address as line 1" "$T/sensor.err" || fail "no error for line 4"
grep -q "assignment feed $F has errors; keeping the 3 entries in use" "$T/sensor.err" ||
    fail "no word that the entries in use are kept: $(tail -5 "$T/sensor.err")"
pass "a bad feed is logged once and the 3 entries in use are kept"

# 3. SIGHUP while the feed is bad: the reload is refused as a whole.
kill -HUP "$pid"
wait_stat .reloads.failed 1
expect_eq "reloads done" "$(stat_of .reloads.done)" 0
expect_eq "entries in use after the refused reload" "$(stat_of .assignments.entries)" 3
grep -q "keeping the rules in use" "$T/sensor.err" || fail "no word that the rules are kept"
pass "SIGHUP with a bad feed: refused, the rules and 3 entries in use kept"

# 4. Fixed: read again; then a SIGHUP reads it with the rules.
feed "10.20.30.40 finance
10.20.30.42 sales
fd00:20::17 engineering
AA-BB-CC-DD-EE-FF it"
wait_stat .assignments.reloads 2
wait_stat .assignments.entries 4
kill -HUP "$pid"
wait_stat .reloads.done 1
expect_eq "entries in use after the reload" "$(stat_of .assignments.entries)" 4
pass "the fixed feed is read again (4 entries), and with the rules on SIGHUP"

# 5. The file goes away: logged, the entries in use kept.
rm -f "$F"
wait_stat .assignments.failed 2
expect_eq "entries in use without the file" "$(stat_of .assignments.entries)" 4
grep -q "^.*$F: cannot open: " "$T/sensor.err" || fail "no error for the missing feed"
pass "a removed feed: logged, the 4 entries in use kept"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
expect_eq "the sensor's exit status" $rc 0
# No address or MAC of any feed in the log.
for secret in 10.20.30 fd00:20 02:42:ac 42:ac de:ad aa-bb; do
    if grep -qiF -- "$secret" "$T/sensor.err"; then
        fail "the log repeats '$secret': $(grep -iF -- "$secret" "$T/sensor.err" | head -3)"
    fi
done
pass "no address or MAC of the feed in the log"
