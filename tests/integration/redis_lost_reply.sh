#!/usr/bin/env bash
# A flush whose reply is lost (the connection is cut after Redis ran the flush
# script, before the sensor read the reply) is retried and counted once: the
# retried batches carry the same sequence numbers and the script skips them.
. "$(dirname "$0")/lib.sh"
with_redis
sample
month=$(jq -r '.date[0:7]' "$T/truth.json")
report() { "$REPORT" --rules "$RULES" --redis "$1" monthly --month "$month" |
    jq -S 'del(.generated, .sensors)'; }

sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id clean ||
    fail "clean run exited $?"
report "$REDIS_URL?db=1" >"$T/clean.json"

python3 "$(dirname "$0")/redis_reply_cutter.py" "$T/proxy.sock" "$REDIS_SOCK" 1 >"$T/cutter.log" &
cutter=$!
trap 'kill $cutter 2>/dev/null; cleanup' EXIT
for _ in $(seq 50); do [ -S "$T/proxy.sock" ] && break; sleep 0.1; done

# Small batches so that the cut catches a pipeline of several.
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "unix://$T/proxy.sock?db=2" --sensor-id cut \
    --set redis.cells_per_batch=10 --stats "$T/stats.json" 2>"$T/sensor.err" ||
    fail "sensor exited $?: $(cat "$T/sensor.err")"
grep -q '^cut$' "$T/cutter.log" || fail "the proxy never cut a flush"
dup=$(jq .redis.batches_duplicate "$T/stats.json")
[ "$dup" -ge 1 ] || fail "no batch was recognised as already applied (stats: $(jq -c .redis "$T/stats.json"))"
report "$REDIS_URL?db=2" >"$T/cut.json"
diff "$T/clean.json" "$T/cut.json" >"$T/diff.txt" || { head "$T/diff.txt" >&2; fail "a retried flush changed the counts"; }
pass "reply lost after EVALSHA: $dup batches retried and skipped, report equals the clean run"
