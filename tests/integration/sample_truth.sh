#!/usr/bin/env bash
# The sensor over the sample office day, into a real Redis: the monthly report's
# bytes, packets and flows per (department, service) equal the generator's ground
# truth exactly, and distinct devices equal the distinct client addresses (a
# device is a pseudonym of its address).  The same capture as pcapng, and with
# one worker instead of two, gives the same report.
. "$(dirname "$0")/lib.sh"
with_redis
sample

# cells of a monthly report as sorted TSV: dept service up down flows devices
cells_of_report() {
    jq -r '.departments[] | .id as $d | .services[] |
           [$d, .id, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$1" | sort
}
jq -r '.cells | to_entries[] | .key as $d | .value | to_entries[] |
       [$d, .key, .value.bytes_up, .value.bytes_down, .value.flows, .value.addresses] | @tsv' \
    "$T/truth.json" | sort >"$T/want.tsv"
[ "$(wc -l <"$T/want.tsv")" -ge 60 ] || fail "ground truth has too few cells"
month=$(jq -r '.date[0:7]' "$T/truth.json")

run() { # run NAME DB SENSOR-ARGS...
    local name=$1 db=$2
    shift 2
    sensor -r "$T/$name" --rules "$RULES" --redis "$REDIS_URL?db=$db" --sensor-id "t$db" \
        --flow-log "$T/flows-$db.json" --stats "$T/stats-$db.json" "$@" \
        || fail "sensor exited $? on $name"
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$db" monthly --month "$month" \
        >"$T/report-$db.json" || fail "report failed"
}

run sample.pcap 1 --workers 2
cells_of_report "$T/report-1.json" >"$T/got.tsv"
diff "$T/want.tsv" "$T/got.tsv" >"$T/diff.txt" || { cat "$T/diff.txt" >&2; fail "report differs from the ground truth"; }
pass "$(wc -l <"$T/want.tsv") cells equal the ground truth (bytes up/down, flows, devices)"

# Packets per cell, straight from the Redis month hash, against the truth.
jq -r '.cells | to_entries[] | .key as $d | .value | to_entries[] |
       "\($d)|\(.key)|packets_up \(.value.packets_up)",
       "\($d)|\(.key)|packets_down \(.value.packets_down)"' "$T/truth.json" | sort >"$T/want-packets.txt"
rcli -n 1 hgetall "shadowtap:month:$month" | paste - - | awk -F'\t' '$1 ~ /\|packets_/ {print $1" "$2}' |
    sort >"$T/got-packets.txt"
diff "$T/want-packets.txt" "$T/got-packets.txt" >/dev/null || fail "packets per cell differ from the truth"
pass "packets per cell equal the ground truth"

totals=$(jq -c '[.totals.bytes_up, .totals.bytes_down, .totals.flows]' "$T/report-1.json")
want_totals=$(jq -c '[([.cells[][] | .bytes_up] | add), ([.cells[][] | .bytes_down] | add),
                      ([.cells[][] | .flows] | add)]' "$T/truth.json")
expect_eq "totals" "$totals" "$want_totals"

# The sensor counted every packet it was given and decoded every IP packet.
expect_eq "packets read" "$(jq .packets.received "$T/stats-1.json")" "$(jq .packets "$T/truth.json")"
expect_eq "bytes accounted" "$(jq '[.cells[][] | .bytes_up + .bytes_down] | add' "$T/truth.json")" \
    "$(jq '.totals.bytes_up + .totals.bytes_down' "$T/report-1.json")"

# pcapng of the same day, one worker: the same report.
"$GEN" -o "$T/sample.pcapng" -t "$T/truth-ng.json" --pcapng
run sample.pcapng 2 --workers 1
cells_of_report "$T/report-2.json" >"$T/got-ng.tsv"
diff "$T/want.tsv" "$T/got-ng.tsv" >/dev/null || fail "pcapng with one worker gives a different report"
pass "pcapng, one worker: same report"

# Flow log and report tell one story: per service, bytes of non-internal flows.
jq -rs 'map(select(.shadowtap.internal == false)) | group_by(.shadowtap.service.id // "unclassified") |
        map([(.[0].shadowtap.service.id // "unclassified"), (map(.source.bytes) | add),
             (map(.destination.bytes) | add)] | @tsv) | .[]' "$T/flows-1.json" | sort >"$T/log.tsv"
jq -r '.services[] | [.id, .bytes_up, .bytes_down] | @tsv' "$T/report-1.json" | sort >"$T/rep.tsv"
diff "$T/log.tsv" "$T/rep.tsv" >/dev/null || fail "flow log and report disagree per service"
pass "flow log sums equal report per service"

# What gave the clients their department (issue 16): per source, the report's
# bytes, flows and devices equal the flow log's non-internal flows, and sum to
# the totals.
jq -rs 'map(select(.shadowtap.internal == false)) | group_by(.shadowtap.department_source) |
        map([.[0].shadowtap.department_source, (map(.source.bytes) | add), (map(.destination.bytes) | add),
             length, (map(.source.ip) | unique | length)] | @tsv) | .[]' "$T/flows-1.json" | sort >"$T/log-src.tsv"
jq -r '.totals.department_sources | to_entries[] | select(.value.flows > 0) |
       [.key, .value.bytes_up, .value.bytes_down, .value.flows, .value.devices] | @tsv' "$T/report-1.json" |
    sort >"$T/rep-src.tsv"
diff -u "$T/log-src.tsv" "$T/rep-src.tsv" >&2 || fail "department sources differ from the flow log"
expect_eq "department sources sum to the totals" \
    "$(jq -c '[.totals.department_sources[]] | [(map(.bytes_up) | add), (map(.flows) | add)]' "$T/report-1.json")" \
    "$(jq -c '[.totals.bytes_up, .totals.flows]' "$T/report-1.json")"
pass "department sources ($(cut -f1 "$T/rep-src.tsv" | paste -sd, -)) equal the flow log and sum to the totals"
