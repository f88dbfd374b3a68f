#!/usr/bin/env bash
# Captures older than the retention: their counts are kept for the retention
# counted from the run, so last year's capture gives last year's report, and
# the sensor says once which days those were.
#  - netflix.pcap (January 2017, past both default retentions): the monthly
#    report of its month lists Netflix with the flow log's bytes, and its keys
#    expire redis.month_retention_days after the run;
#  - dropbox.pcap (2016 and 2018): each month's report holds what the flow log
#    says is cloud use, which is nothing: every one of its flows is Dropbox's
#    LAN sync or a query to the local resolver, internal and never counted
#    (docs/redis-schema.md), so no report of it can list Dropbox.
# Needs the reference corpus; skipped without it.
. "$(dirname "$0")/lib.sh"
[ -f "$CORPUS/pcap/netflix.pcap" ] && [ -f "$CORPUS/pcap/dropbox.pcap" ] ||
    { say "skip: no reference corpus at $CORPUS"; exit 0; }
with_redis

# run NAME DB: the sensor over the corpus capture NAME with the default retention.
run() {
    sensor -r "$CORPUS/pcap/$1" --rules "$RULES" --redis "$REDIS_URL?db=$2" --sensor-id old \
        --flow-log "$T/$1.flows" 2>"$T/$1.err" || fail "the sensor exited $? on $1: $(cat "$T/$1.err")"
}
# months NAME: the months of the flows of NAME's flow log.
months() { jq -r '.event.start[0:7]' "$T/$1.flows" | sort -u; }
# log_sums NAME MONTH: "service bytes_up bytes_down" of the counted flows of MONTH.
log_sums() {
    jq -rs --arg m "$2" 'map(select(.shadowtap.internal == false and .event.start[0:7] == $m)) |
        group_by(.shadowtap.service.id // "unclassified") |
        map([(.[0].shadowtap.service.id // "unclassified"), (map(.source.bytes) | add),
             (map(.destination.bytes) | add)] | @tsv) | .[]' "$T/$1.flows" | sort
}
report_sums() {
    jq -r '.services[] | [.id, .bytes_up, .bytes_down] | @tsv' "$1" | sort
}

# --- netflix.pcap ----------------------------------------------------------------------
before=$(date -u +%s)
run netflix.pcap 1
after=$(date -u +%s)
month=$(months netflix.pcap)
[ "$(echo "$month" | wc -l)" -eq 1 ] || fail "netflix.pcap spans several months: $month"
grep -q "older than redis.retention_days (400 days)" "$T/netflix.pcap.err" ||
    fail "no word that the capture's days were older than the retention: $(cat "$T/netflix.pcap.err")"
expect_eq "notes of old days" "$(grep -c 'older than redis.retention_days' "$T/netflix.pcap.err")" 1
"$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=1" monthly --month "$month" >"$T/netflix.json" ||
    fail "the monthly report of $month failed"
log_sums netflix.pcap "$month" >"$T/want.tsv"
report_sums "$T/netflix.json" >"$T/got.tsv"
grep -q '^netflix	' "$T/want.tsv" || fail "no Netflix in the flow log of netflix.pcap"
diff "$T/want.tsv" "$T/got.tsv" >"$T/diff.txt" ||
    { cat "$T/diff.txt" >&2; fail "the $month report differs from the flow log per service"; }
expiry=$(rcli -n 1 EXPIRETIME "shadowtap:month:$month")
[ "$expiry" -ge $((before + 1100 * 86400)) ] && [ "$expiry" -le $((after + 1100 * 86400)) ] ||
    fail "shadowtap:month:$month expires at $expiry, not 1100 days after the run"
pass "netflix.pcap ($month): Netflix $(grep '^netflix' "$T/got.tsv" | cut -f2,3 | tr '\t' /) bytes up/down as in the flow log; kept 1100 days from the run"

# --- dropbox.pcap ----------------------------------------------------------------------
run dropbox.pcap 2
n=0
for m in $(months dropbox.pcap); do
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=2" monthly --month "$m" >"$T/dropbox-$m.json" ||
        fail "the monthly report of $m failed"
    log_sums dropbox.pcap "$m" >"$T/want.tsv"
    report_sums "$T/dropbox-$m.json" >"$T/got.tsv"
    diff "$T/want.tsv" "$T/got.tsv" >/dev/null || fail "$m: the report differs from the flow log"
    n=$((n + 1))
done
expect_eq "counted (non-internal) flows of dropbox.pcap" \
    "$(jq -s 'map(select(.shadowtap.internal == false)) | length' "$T/dropbox.pcap.flows")" 0
pass "dropbox.pcap: $n monthly reports equal to the flow log; its flows are all internal (LAN sync, local DNS), none is cloud use"
