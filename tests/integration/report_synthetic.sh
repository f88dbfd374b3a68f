#!/usr/bin/env bash
# A synthetic organisation written through the sensor's own flush path
# (tests/tools/seed_report.c: tallies, store.c, the flush script): 9
# departments (the rules' seven, one the rules do not know, "unassigned") x
# 40 services (including "unclassified") x 3 days, each service's traffic
# going to one country or none.  The reports against the tool's exact truth:
# cells with their devices, countries per service, reserved and unknown ids;
# the same figures read from day hashes as from the month hash; and the same
# reports as scripts/bench-report times, at a small scale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

SEED=$BUILD/tests/seed-report
with_redis
"$SEED" --redis "$REDIS_URL" --rules "$RULES" --month 2026-10 --days 3 --departments 9 --services 40 \
    --devices 20 --truth "$T/truth.json" || fail "seed-report"
TRUTH=$T/truth.json
M=$T/monthly.json
json_report "$M" monthly --month 2026-10

jq -r '.cells | to_entries[] | .key as $d | .value | to_entries[]
       | [$d, .key, .value.bytes_up, .value.bytes_down, .value.flows, .value.devices] | @tsv' "$TRUTH" \
    | sort >"$T/want.tsv"
expect_eq "cells" "$(wc -l <"$T/want.tsv")" 360
report_cells "$M" >"$T/got.tsv"
diff -u <(cut -f1-5 "$T/want.tsv") <(cut -f1-5 "$T/got.tsv") >&2 || fail "cells differ from the truth"
# Devices are HyperLogLog estimates: two pseudonyms that share a register
# count once.  Within one device (or 2%) of the truth, and mostly exact.
paste "$T/want.tsv" "$T/got.tsv" | awk -F'\t' '{ d = $12 - $6; if (d < 0) d = -d
        if (d > 1 + $6 / 50) { print $1 " " $2 ": " $12 " devices, truth " $6; bad = 1 }
        exact += (d == 0) }
    END { if (exact < NR * 0.8) { print exact " of " NR " exact"; bad = 1 }; exit bad }' >&2 \
    || fail "device counts too far from the truth"
pass "360 cells equal the truth (devices within the HyperLogLog's error)"

jq -r '[.cells[][] | .countries | to_entries[]] | group_by(.key)[]
       | [.[0].key, (map(.value.bytes_up) | add), (map(.value.bytes_down) | add)] | @tsv' "$TRUTH" \
    | sort >"$T/want-countries"
jq -r '[.services[].countries[]] | group_by(.code)[] | [.[0].code, (map(.bytes_up) | add),
       (map(.bytes_down) | add)] | @tsv' "$M" | sort | diff -u "$T/want-countries" - >&2 \
    || fail "countries differ"
expect_eq "services without a country" "$(jq '[.services[] | select(.countries == [])] | length' "$M")" 10
pass "destination countries"

expect_eq "reserved ids" "$(jq -r '[(.departments[] | select(.id == "unassigned") | .name),
    (.services[] | select(.id == "unclassified") | [.name, .status, .category] | join(" "))] | join(",")' "$M")" \
    "Unassigned,Unclassified unknown "
expect_eq "unknown department" "$(jq -r '.departments[] | select(.id == "dept-08") | .name' "$M")" "dept-08"
json_report "$T/unassigned.json" department unassigned --month 2026-10
expect_eq "unassigned services" "$(jq '.services | length' "$T/unassigned.json")" 40
pass "unassigned, unclassified and departments the rules do not know"

# Day hashes (a period of days) and the month hash give the same figures.
json_report "$T/days.json" new --since 2026-10-01 --until 2026-10-03
jq -r '.departments[] | .id as $d | .services[] | [$d, .id, .bytes_up, .bytes_down, .flows] | @tsv' \
    "$T/days.json" | sort | diff -u <(cut -f1-5 "$T/want.tsv") - >&2 \
    || fail "day hashes differ from the month hash"
json_report "$T/u-days.json" unsanctioned --since 2026-10-01 --until 2026-10-03
json_report "$T/u-month.json" unsanctioned --since 2026-10-01 --until 2026-10-31
expect_eq "days and month" "$(jq -c '[.totals, .services]' "$T/u-days.json")" \
    "$(jq -c '[.totals, .services]' "$T/u-month.json")"
pass "day hashes and month hash agree"

validate_reports
