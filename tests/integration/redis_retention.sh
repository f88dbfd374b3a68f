#!/usr/bin/env bash
# Retention: after a run, every day key (counters, device HyperLogLogs, geo)
# expires redis.retention_days days after the end of its day, every month key
# (and the month's sensor set) redis.month_retention_days days after the end of
# its month, and the keys that describe sensors and first sightings never
# expire.  0 keeps keys for ever.  A capture older than the day retention keeps
# its day keys for the retention counted from the run (the sensor says so,
# once, with the dates).
. "$(dirname "$0")/lib.sh"
with_redis
sample
date=$(jq -r .date "$T/truth.json")
month=${date:0:7}
day_start=$(date -u -d "$date" +%s)
month_end=$(date -u -d "$month-01 +1 month" +%s)
# Short retentions that still end in the future, whatever the sample's date.
age_days=$((($(date -u +%s) - day_start) / 86400))
[ "$age_days" -ge 0 ] || age_days=0
day_days=$((age_days + 3))
month_days=$((age_days + 40))

run() { # run DB RETENTION MONTH_RETENTION
    sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=$1" --sensor-id ret \
        --set redis.retention_days="$2" --set redis.month_retention_days="$3" 2>"$T/run-$1.err" ||
        fail "the sensor exited $? (db $1): $(cat "$T/run-$1.err")"
}
keys() { rcli -n "$1" --scan --pattern "$2"; }
# expect_expiry DB PATTERN WANT: every key matching PATTERN has EXPIRETIME WANT
# (-1: no expiry); prints how many keys it checked.
expect_expiry() {
    keys "$1" "$2" >"$T/keys"
    [ -s "$T/keys" ] || fail "db $1: no key matches $2"
    # One redis-cli for all the keys (names hold no spaces or quotes).
    sed 's/^/EXPIRETIME /' "$T/keys" | rcli -n "$1" >"$T/expiry"
    paste "$T/keys" "$T/expiry" | awk -F'\t' -v want="$3" -v db="$1" \
        '$2 != want { printf "db %s: %s expires at %s, expected %s\n", db, $1, $2, want; bad = 1 }
         END { exit bad }' >"$T/wrong" || fail "$(head -3 "$T/wrong")"
    wc -l <"$T/keys"
}
report() { "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$1" monthly --month "$month" |
    jq -S 'del(.generated, .sensors)'; }

day_keys=("shadowtap:day:$date" "shadowtap:devices:day:$date:*")
month_keys=("shadowtap:month:$month" "shadowtap:devices:month:$month:*" "shadowtap:sensors:$month")
kept_keys=(shadowtap:first_seen shadowtap:last_seen shadowtap:sensor:ret shadowtap:sensors)

# --- short retentions ------------------------------------------------------------
run 1 "$day_days" "$month_days"
want_day=$((day_start + 86400 * (1 + day_days)))
want_month=$((month_end + 86400 * month_days))
for p in "${day_keys[@]}"; do
    n=$(expect_expiry 1 "$p" "$want_day")
    say "  $n key(s) $p expire $day_days days after $date"
done
for p in "${month_keys[@]}"; do
    n=$(expect_expiry 1 "$p" "$want_month")
    say "  $n key(s) $p expire $month_days days after the end of $month"
done
for p in "${kept_keys[@]}"; do expect_expiry 1 "$p" -1 >/dev/null; done
pass "retention $day_days/$month_days days: day keys at $(date -u -d "@$want_day" +%F), month keys at $(date -u -d "@$want_month" +%F), sensor keys kept"

# --- the defaults: 400 and 1100 days ------------------------------------------------
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id ret ||
    fail "the sensor exited $? with the default retention"
for p in "${day_keys[@]}"; do expect_expiry 2 "$p" $((day_start + 86400 * 401)) >/dev/null; done
for p in "${month_keys[@]}"; do expect_expiry 2 "$p" $((month_end + 86400 * 1100)) >/dev/null; done
pass "default retention: day keys 400 days, month keys 1100 days"

# --- 0: kept for ever --------------------------------------------------------------
run 3 0 0
for p in "${day_keys[@]}" "${month_keys[@]}" "${kept_keys[@]}"; do expect_expiry 3 "$p" -1 >/dev/null; done
pass "retention 0: no day or month key expires"

# --- a capture older than the day retention -----------------------------------------
# Its day keys are kept for the retention from the run, not expired on arrival,
# and the sensor says so once, with the dates.
before=$(date -u +%s)
run 4 1 0
after=$(date -u +%s)
grep -q "counts of days from $date to $date were older than redis.retention_days (1 days)" \
    "$T/run-4.err" || fail "no word of the old days and their dates: $(cat "$T/run-4.err")"
expect_eq "such notes" "$(grep -c 'older than redis.retention_days' "$T/run-4.err")" 1
for p in "${day_keys[@]}"; do
    keys 4 "$p" >"$T/keys"
    [ -s "$T/keys" ] || fail "db 4: the day keys $p of an old capture were not kept"
    sed 's/^/EXPIRETIME /' "$T/keys" | rcli -n 4 >"$T/expiry"
    awk -v lo=$((before + 86400)) -v hi=$((after + 86400)) '$1 < lo || $1 > hi { bad = 1 }
        END { exit bad }' "$T/expiry" ||
        fail "db 4: $p expires at $(head -1 "$T/expiry"), not a day after the run ($((before + 86400)))"
done
for p in "${month_keys[@]}"; do expect_expiry 4 "$p" -1 >/dev/null; done
report 1 >"$T/report-1.json"
report 4 >"$T/report-4.json"
[ "$(jq '.totals.flows' "$T/report-4.json")" -gt 0 ] || fail "empty monthly report"
diff "$T/report-1.json" "$T/report-4.json" >"$T/diff.txt" ||
    { head "$T/diff.txt" >&2; fail "the monthly report of the old capture differs"; }
pass "a capture older than a 1-day retention: its day keys kept a day from the run, said once with the dates, the same monthly report"
