#!/usr/bin/env bash
# Same traffic, same numbers.  The 387 Ethernet captures of the reference corpus
# merged into one capture at test time (two copies, addresses shifted, a packet
# every 500 us: flows of different captures overlap as on a busy link), run
# three times with two workers and once each with one and four: the flow logs
# are the same set of lines and every count in Redis is the same.  The sample
# office day the same way.  What may differ is named and left out: the sensor
# hash's wall-clock fields, the health hash, and event times.
# The corpus part is skipped without ../shared/corpus.
. "$(dirname "$0")/lib.sh"
with_redis

# dump DB: every count the sensor stored, one sorted line each, read inside
# Redis by one script (tens of thousands of keys).
DUMP_SCRIPT='
local out, cursor = {}, "0"
repeat
  local r = redis.call("SCAN", cursor, "MATCH", "shadowtap:*", "COUNT", 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    local t = redis.call("TYPE", k).ok
    if k:match(":health$") or k == "shadowtap:events" or
       (t == "hash" and k:match("^shadowtap:sensor:")) then
      -- wall-clock figures, event times, and when the sensor flushed
    elseif k:match("^shadowtap:alerted:") then
      out[#out + 1] = k -- its value is the time the event was raised
    elseif t == "hash" then
      local h = redis.call("HGETALL", k)
      for i = 1, #h, 2 do out[#out + 1] = k .. " " .. h[i] .. " " .. h[i + 1] end
    elseif t == "string" then
      local n = redis.pcall("PFCOUNT", k)
      out[#out + 1] = k .. " " .. (type(n) == "number" and n or redis.call("GET", k))
    elseif t == "set" then
      for _, m in ipairs(redis.call("SMEMBERS", k)) do out[#out + 1] = k .. " " .. m end
    elseif t == "zset" then
      local z = redis.call("ZRANGE", k, 0, -1, "WITHSCORES")
      for i = 1, #z, 2 do out[#out + 1] = k .. " " .. z[i] .. " " .. z[i + 1] end
    else
      out[#out + 1] = k .. " " .. t
    end
  end
until cursor == "0"
return out'
dump() { rcli -n "$1" EVAL "$DUMP_SCRIPT" 0 | LC_ALL=C sort; }

# runs NAME CAPTURE DB...: the sensor over CAPTURE with 2, 2, 2, 1 and 4 workers
# into the databases given; each run's flow log sorted, and its Redis dump.
runs() {
    local name=$1 capture=$2 i=0 workers
    shift 2
    for workers in 2 2 2 1 4; do
        local db=$1
        shift
        sensor -r "$capture" --rules "$RULES" --redis "$REDIS_URL?db=$db" --sensor-id det \
            --workers "$workers" --set redis.retention_days=0 --set redis.month_retention_days=0 \
            --flow-log "$T/$name-$i.flows" --stats "$T/$name-$i.stats" 2>"$T/$name-$i.err" ||
            fail "$name run $i ($workers workers): the sensor exited $?: $(tail -3 "$T/$name-$i.err")"
        sort "$T/$name-$i.flows" >"$T/$name-$i.sorted"
        dump "$db" >"$T/$name-$i.dump"
        expect_eq "$name run $i: DNS versions dropped" \
            "$(jq '.dns.cache_versions_dropped + .dns.stun_notes_dropped' "$T/$name-$i.stats")" 0
        i=$((i + 1))
    done
    [ "$(wc -l <"$T/$name-0.sorted")" -gt 0 ] || fail "$name: no flows"
    grep -q '|bytes_up ' "$T/$name-0.dump" || fail "$name: no counts in Redis"
    for i in 1 2 3 4; do
        local what="run $i ($(jq -r '.workers | length' "$T/$name-$i.stats") workers)"
        diff "$T/$name-0.sorted" "$T/$name-$i.sorted" >"$T/$name.diff" ||
            { head -c 2000 "$T/$name.diff" >&2; fail "$name: $what: the flow log differs from run 0's"; }
        diff "$T/$name-0.dump" "$T/$name-$i.dump" >"$T/$name.diff" ||
            { head -20 "$T/$name.diff" >&2; fail "$name: $what: Redis holds other counts than run 0's"; }
    done
    pass "$name: 5 runs (2, 2, 2, 1, 4 workers): $(wc -l <"$T/$name-0.sorted") flows, $(wc -l <"$T/$name-0.dump") Redis values, the same every time"
}

sample
runs sample "$T/sample.pcap" 1 2 3 4 5

if [ -d "$CORPUS/pcap" ]; then
    shopt -s nullglob
    "$BUILD/tests/pcap-multiply" -o "$T/corpus.pcap" --copies 2 --spacing 0.0005 \
        "$CORPUS"/pcap/*.pcap "$CORPUS"/pcap/*.pcapng "$CORPUS"/pcap/*.cap >"$T/multiply.out" \
        2>"$T/multiply.err" || fail "pcap-multiply failed: $(tail -3 "$T/multiply.err")"
    runs corpus "$T/corpus.pcap" 6 7 8 9 10
else
    say "skip: no reference corpus at $CORPUS (the corpus part)"
fi
