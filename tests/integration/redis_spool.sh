#!/usr/bin/env bash
# Redis unreachable for a whole offline run: the sensor exits 75 and writes its
# counts to a spool file; the next run with Redis up replays it first and removes
# it; the monthly report then equals that of a clean run exactly.  A damaged
# spool file is moved aside, reported, and never partly applied.
. "$(dirname "$0")/lib.sh"
with_redis
sample
month=$(jq -r '.date[0:7]' "$T/truth.json")
report() { "$REPORT" --rules "$RULES" --redis "$1" monthly --month "$month" |
    jq -S 'del(.generated, .sensors)'; }

# The clean run, into database 1.
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id s1 ||
    fail "clean run exited $?"
report "$REDIS_URL?db=1" >"$T/clean.json"

# Redis away: a socket nobody listens on.  Short timeouts keep the test quick.
mkdir -p "$T/spool"
set +e
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "unix://$T/nowhere.sock" --sensor-id s2 \
    --spool "$T/spool" --set redis.final_flush_timeout=1 2>"$T/away.err"
rc=$?
set -e
expect_eq "exit status with Redis away" "$rc" 75
grep -q "written to $T/spool/" "$T/away.err" || fail "no spool message: $(cat "$T/away.err")"
grep -qi "cannot store counts in Redis" "$T/away.err" || fail "the outage was not logged"
[ "$(grep -ci "cannot store counts in Redis" "$T/away.err")" = 1 ] || fail "the outage was logged more than once"
ls "$T"/spool/spool-s2-*.stsp >/dev/null 2>&1 || fail "no spool file"
[ "$(ls "$T"/spool | wc -l)" = 1 ] || fail "expected one spool file: $(ls "$T/spool")"
pass "Redis away: exit 75, one spool file, the outage logged once"

# Keep a copy, damage it, and check it is refused whole.
cp "$T"/spool/spool-s2-*.stsp "$T/good.stsp"

# Redis back: the next start replays the spool before reading packets.  An
# empty capture shows the counts come from the spool alone.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
    >"$T/empty.pcap"
sensor -r "$T/empty.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id s2 \
    --spool "$T/spool" 2>"$T/replay.err" || fail "replay run exited $?: $(cat "$T/replay.err")"
[ -z "$(ls "$T/spool")" ] || fail "spool file not removed after replay: $(ls "$T/spool")"
report "$REDIS_URL?db=2" >"$T/replayed.json"
diff "$T/clean.json" "$T/replayed.json" >/dev/null || fail "report after replay differs from the clean run"
pass "replayed spool gives exactly the clean run's report"

# Replaying the same file again (as if the sensor died before removing it)
# counts nothing twice: its batches carry their sequence numbers.
cp "$T/good.stsp" "$T/spool/"
sensor -r "$T/empty.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id s2 \
    --spool "$T/spool" 2>/dev/null || fail "second replay exited $?"
report "$REDIS_URL?db=2" >"$T/replayed2.json"
diff "$T/clean.json" "$T/replayed2.json" >/dev/null || fail "replaying a spool twice changed the counts"
pass "a spool replayed twice counts once"

# A damaged spool (one byte changed) is moved aside and nothing of it applied.
cp "$T/good.stsp" "$T/spool/spool-s2-0000000000000000001-1.stsp"
f="$T/spool/spool-s2-0000000000000000001-1.stsp"
size=$(stat -c %s "$f")
printf 'X' | dd of="$f" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
sensor -r "$T/empty.pcap" --rules "$RULES" --redis "$REDIS_URL?db=3" --sensor-id s2 \
    --spool "$T/spool" 2>"$T/bad.err" || fail "run with a damaged spool exited $?"
grep -q "checksum mismatch" "$T/bad.err" || fail "no clear message for the damaged spool: $(cat "$T/bad.err")"
[ -f "$f.bad" ] || fail "damaged spool not moved aside"
[ "$(rcli -n 3 exists "shadowtap:month:$month")" = 0 ] || fail "a damaged spool was partly applied"
pass "a damaged spool is moved aside, nothing applied"
