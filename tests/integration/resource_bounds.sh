#!/usr/bin/env bash
# Resource bounds under a flood: the flow table (flow.max_flows), the DNS answer
# cache (dns.max_entries), nDPI's memory (dpi.memory_cap) and the counts held
# for Redis while it is away (redis.max_pending_cells).  For each, the --stats
# file shows the peak within the cap and the evictions, refusals or spills
# counted, the sensor exits normally, and no count is lost: every flow of the
# flood reaches Redis (through the spool when Redis was away).
. "$(dirname "$0")/lib.sh"
FLOOD=$BUILD/tests/flow-flood
with_redis
"$FLOOD" -o "$T/flood.pcap" --flows 20000 >/dev/null || fail "flow-flood failed"
flows_in_redis() { # flows_in_redis URL-DB
    local db=$1 key sum=0 n
    for key in $(rcli -n "$db" --scan --pattern 'shadowtap:month:*'); do
        [ "$(rcli -n "$db" type "$key")" = hash ] || continue
        n=$(rcli -n "$db" hgetall "$key" | paste - - | awk -F'\t' '$1 ~ /\|flows$/ {s += $2} END {print s + 0}')
        sum=$((sum + n))
    done
    echo $sum
}
stat() { jq "$1" "$2"; }
le() { [ "$2" -le "$3" ] || fail "$1: $2 is above the cap $3"; }
gt0() { [ "$2" -gt 0 ] || fail "$1: expected some, got $2"; }

# ---- flows, DNS answers, nDPI memory ----
# nDPI's modules take a fixed amount before any flow: the cap leaves room for a
# few flows beyond it, so the flood must be refused DPI.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$T/none.pcap"
sensor -r "$T/none.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --workers 2 \
    --stats "$T/base.json" || fail "sensor exited $? on an empty capture"
dpi_cap=$(($(stat .dpi.memory_peak_bytes "$T/base.json") + 128 * 1024))
max_flows=1000
dns_max=500
sensor -r "$T/flood.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --workers 2 \
    --stats "$T/flood.json" --set flow.max_flows=$max_flows --set dns.max_entries=$dns_max \
    --set dpi.memory_cap=$dpi_cap 2>"$T/flood.err" || fail "sensor exited $?: $(cat "$T/flood.err")"
s=$T/flood.json
expect_eq "flows created" "$(stat .flows.created "$s")" 20000
le "flows.peak" "$(stat .flows.peak "$s")" $max_flows
gt0 "flows.evicted" "$(stat .flows.evicted "$s")"
le "dns.cache_entries_peak" "$(stat .dns.cache_entries_peak "$s")" $dns_max
gt0 "dns.cache_evicted" "$(stat .dns.cache_evicted "$s")"
gt0 "dns.answers" "$(stat .dns.answers "$s")"
le "dpi.memory_peak_bytes" "$(stat .dpi.memory_peak_bytes "$s")" $dpi_cap
gt0 "dpi.refused_memory_cap" "$(stat .dpi.refused_memory_cap "$s")"
expect_eq "flows in Redis" "$(flows_in_redis 2)" 20000
pass "flood of 20000 flows: flows peak $(stat .flows.peak "$s") <= $max_flows ($(stat .flows.evicted "$s") evicted), DNS cache peak $(stat .dns.cache_entries_peak "$s") <= $dns_max ($(stat .dns.cache_evicted "$s") evicted), nDPI peak $(stat .dpi.memory_peak_bytes "$s") <= $dpi_cap ($(stat .dpi.refused_memory_cap "$s") flows refused DPI); every flow in Redis"

# ---- counts held for Redis while it is away ----
# One flow a second over 5.5 hours: hundreds of (department, service, hour)
# cells, flushed every second, while Redis is not there.
"$FLOOD" -o "$T/hours.pcap" --flows 20000 --rate 1 >/dev/null || fail "flow-flood failed"
cap=100
set +e
sensor -r "$T/hours.pcap" --rules "$RULES" --redis "unix://$T/away.sock" --workers 2 \
    --sensor-id away --stats "$T/away.json" --set redis.max_pending_cells=$cap \
    --set redis.flush_interval=1 --set redis.final_flush_timeout=0 2>"$T/away.err"
rc=$?
set -e
expect_eq "exit status with Redis away (counts spooled)" $rc 75
s=$T/away.json
le "redis.pending_cells_peak" "$(stat .redis.pending_cells_peak "$s")" $cap
gt0 "redis.spills" "$(stat .redis.spills "$s")"
expect_eq "redis.spill_failures" "$(stat .redis.spill_failures "$s")" 0
cells=$(stat .redis.spilled_cells "$s")
[ "$cells" -gt $cap ] || fail "only $cells cells: the flood did not pass the cap"
grep -q "passed redis.max_pending_cells ($cap)" "$T/away.err" || fail "no warning: $(cat "$T/away.err")"
files=$(find "$T/spool" -name 'spool-away-*' | wc -l)
[ "$files" -ge 1 ] || fail "no spool file"
# The next start, with Redis there, stores them all.
sensor -r "$T/none.pcap" --rules "$RULES" --redis "$REDIS_URL?db=3" --sensor-id away \
    --stats "$T/replay.json" || fail "replay run exited $?"
expect_eq "spool files left" "$(find "$T/spool" -name 'spool-away-*' | wc -l)" 0
expect_eq "flows in Redis after the replay" "$(flows_in_redis 3)" 20000
pass "Redis away: $cells cells held at most $(stat .redis.pending_cells_peak "$s") <= $cap in memory, the rest in $files spool files, all stored at the next start"

# ---- Redis comes back while the sensor runs ----
# The capture comes through a pipe, slowly: Redis is away for the first part
# (the cap sends counts to the spool), then starts.  The spool files must reach
# Redis before the newer counts, or the flush script would take them for
# duplicates and drop them: all 20000 flows must be there.
stop_redis
mkdir -p "$T/late"
mkfifo "$T/feed"
python3 - "$T/hours.pcap" "$T/feed" "$T/half-sent" "$T/go" <<'EOF' &
import os, struct, sys, time
data = open(sys.argv[1], "rb").read()
offs, off = [], 24
while off < len(data):
    offs.append(off)
    off += 16 + struct.unpack("<I", data[off + 8:off + 12])[0]
offs.append(len(data))
out = open(sys.argv[2], "wb")
out.write(data[:24])
n = len(offs) - 1
chunks = 20
for c in range(chunks):
    if c == chunks // 2:
        open(sys.argv[3], "w").close()
        while not os.path.exists(sys.argv[4]):
            time.sleep(0.05)
    a, b = offs[c * n // chunks], offs[(c + 1) * n // chunks]
    out.write(data[a:b])
    out.flush()
    time.sleep(0.25)
out.close()
EOF
feeder=$!
sensor -r "$T/feed" --rules "$RULES" --redis "unix://$T/late/redis.sock" --workers 2 \
    --sensor-id late --stats "$T/late.json" --set redis.max_pending_cells=$cap \
    --set redis.flush_interval=1 --set output.stats_interval=1 2>"$T/late.err" &
sensor_pid=$!
for _ in $(seq 300); do [ -e "$T/half-sent" ] && break; sleep 0.1; done
[ -e "$T/half-sent" ] || fail "the feeder did not get half way"
sleep 1.5 # a flush round or two with Redis away
start_redis "$T/late"
touch "$T/go"
wait $sensor_pid || fail "sensor exited $?: $(cat "$T/late.err")"
wait $feeder || fail "the feeder failed"
s=$T/late.json
gt0 "redis.spills while Redis was away" "$(stat .redis.spills "$s")"
le "redis.pending_cells_peak" "$(stat .redis.pending_cells_peak "$s")" $cap
expect_eq "spool files left" "$(find "$T/spool" -name 'spool-late-*' | wc -l)" 0
expect_eq "batches Redis took for duplicates" "$(stat .redis.batches_duplicate "$s")" 0
expect_eq "flows in Redis" "$(flows_in_redis 0)" 20000
pass "Redis back mid-run: $(stat .redis.spilled_cells "$s") spooled cells stored first, then the rest; all 20000 flows in Redis"
