#!/usr/bin/env bash
# The monthly report over a generated office day, against the generator's
# ground truth: every (department, service) cell, every service and department,
# the totals, the new-service, adoption and generative-AI sections, in JSON
# (valid under docs/report.schema.json), CSV and HTML; and no client address
# or MAC in any of them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
feed_sample oct 2026-10-14 2
TRUTH=$T/oct.json
M=$T/monthly.json
json_report "$M" monthly --month 2026-10
report monthly --month 2026-10 --format csv -o "$T/monthly.csv" || fail "csv"
report monthly --month 2026-10 -o "$T/monthly.html" || fail "html"
json_report "$T/catalog.json" catalog

expect_eq "period" "$(jq -c .period "$M")" \
    '{"start":"2026-10-01","end":"2026-10-31","days":31,"month":"2026-10"}'
expect_eq "sensors" "$(jq -r '[.sensors[].id] | join(",")' "$M")" "sensor-oct"
expect_eq "privacy" "$(jq -c .privacy "$M")" '{"min_devices":0,"hidden_cells":0}'

# Every cell: bytes, flows and devices exactly as generated.
truth_cells "$TRUTH" >"$T/want.tsv"
report_cells "$M" >"$T/got.tsv"
diff -u "$T/want.tsv" "$T/got.tsv" >&2 || fail "cells differ from the truth"
pass "$(wc -l <"$T/want.tsv") cells equal the truth"

# Services: sums over their departments; the departments using them; devices
# (a HyperLogLog union) between the largest cell and the sum of the cells.
jq -r '.cells | [to_entries[] | .key as $d | .value | to_entries[] | {d: $d, s: .key, v: .value}]
       | group_by(.s)[] | [.[0].s, (map(.v.bytes_up) | add), (map(.v.bytes_down) | add),
         (map(.v.flows) | add), (map(.d) | sort | join(",")), (map(.v.addresses) | max),
         (map(.v.addresses) | add)] | @tsv' "$TRUTH" | sort >"$T/want-services.tsv"
jq -r '.services[] | [.id, .bytes_up, .bytes_down, .flows, (.departments | sort | join(",")),
       .devices, .devices] | @tsv' "$M" | sort >"$T/got-services.tsv"
cut -f1-5 "$T/want-services.tsv" >"$T/a"
cut -f1-5 "$T/got-services.tsv" >"$T/b"
diff -u "$T/a" "$T/b" >&2 || fail "services differ from the truth"
paste "$T/want-services.tsv" "$T/got-services.tsv" | awk -F'\t' '$13 < $6 || $13 > $7 {
    print "devices of " $1 ": " $13 " not in [" $6 ", " $7 "]"; bad = 1 } END { exit bad }' >&2 \
    || fail "service devices"
pass "services"

# Departments: sums of their cells; devices between the largest cell and the sum.
jq -r '.cells | to_entries[] | [.key, ([.value[].bytes_up] | add), ([.value[].bytes_down] | add),
       ([.value[].flows] | add), ([.value[].addresses] | max), ([.value[].addresses] | add)]
       | @tsv' "$TRUTH" | sort >"$T/want-depts.tsv"
jq -r '.departments[] | [.id, .bytes_up, .bytes_down, .flows, .devices, .other.cells] | @tsv' "$M" \
    | sort >"$T/got-depts.tsv"
diff -u <(cut -f1-4 "$T/want-depts.tsv") <(cut -f1-4 "$T/got-depts.tsv") >&2 \
    || fail "departments differ from the truth"
paste "$T/want-depts.tsv" "$T/got-depts.tsv" | awk -F'\t' '$11 < $5 || $11 > $6 || $12 != 0 {
    print "department " $1 ": devices " $11 ", other " $12; bad = 1 } END { exit bad }' >&2 \
    || fail "department devices"
pass "departments"

# Totals.
expect_eq "total bytes up" "$(jq .totals.bytes_up "$M")" "$(cut -f3 "$T/want.tsv" | sum_tsv 1)"
expect_eq "total bytes down" "$(jq .totals.bytes_down "$M")" "$(cut -f4 "$T/want.tsv" | sum_tsv 1)"
expect_eq "total flows" "$(jq .totals.flows "$M")" "$(cut -f5 "$T/want.tsv" | sum_tsv 1)"
expect_eq "services" "$(jq .totals.services "$M")" "$(wc -l <"$T/want-services.tsv")"
expect_eq "departments" "$(jq .totals.departments "$M")" "$(jq '.cells | length' "$TRUTH")"
devices=$(jq .totals.devices "$M")
[ "$devices" -le "$(jq '.client_addresses | length' "$TRUTH")" ] \
    && [ "$devices" -ge "$(jq '[.departments[].devices] | max' "$M")" ] \
    || fail "total devices $devices"
expect_eq "by status" "$(jq '[.totals.by_status[].bytes_up] | add' "$M")" "$(jq .totals.bytes_up "$M")"
expect_eq "other" "$(jq .other.cells "$M")" 0
pass "totals"

# The first month of data: everything is new, in the organisation and in each
# department, and everything started being used.
expect_eq "new services" "$(jq -r '[.new_services.services[].id] | sort | join(",")' "$M")" \
    "$(cut -f1 "$T/want-services.tsv" | paste -sd,)"
expect_eq "new count" "$(jq .totals.new_services "$M")" "$(wc -l <"$T/want-services.tsv")"
expect_eq "new in departments" \
    "$(jq -r '.new_services.departments[] | .id as $d | .services[] | "\($d) \(.id)"' "$M" | sort)" \
    "$(cut -f1,2 "$T/want.tsv" | tr '\t' ' ')"
expect_eq "all new in the organisation" \
    "$(jq '[.new_services.departments[].services[].new_in_organisation] | all' "$M")" true
expect_eq "no previous data" "$(jq .change.previous_has_data "$M")" false
expect_eq "started" "$(jq -r '[.change.new[].id] | sort | join(",")' "$M")" \
    "$(cut -f1 "$T/want-services.tsv" | paste -sd,)"
expect_eq "stopped" "$(jq '.change.dropped | length' "$M")" 0
pass "new services"

# Uploads to generative AI per department: the truth's bytes up to the
# catalog's genai services.
jq -r --slurpfile cat "$T/catalog.json" '
    ($cat[0].services | map(select(.category == "genai") | {key: .id, value: true}) | from_entries) as $ai
    | .cells | to_entries[] | [.key, ([.value | to_entries[] | select($ai[.key]) | .value.bytes_up] | add // 0)]
    | select(.[1] > 0) | @tsv' "$TRUTH" | sort >"$T/want-ai.tsv"
jq -r '.genai_uploads.departments[] | [.id, .bytes_up] | @tsv' "$M" | sort >"$T/got-ai.tsv"
diff -u "$T/want-ai.tsv" "$T/got-ai.tsv" >&2 || fail "generative-AI uploads differ"
expect_eq "genai total" "$(jq .genai_uploads.bytes_up "$M")" "$(sum_tsv 2 <"$T/want-ai.tsv")"
pass "generative-AI uploads"

# Adoption candidates: unsanctioned, low or medium risk, >= 5 devices, >= 2 departments.
expect_eq "candidates" "$(jq -r '[.adoption_candidates.services[].id] | sort | join(",")' "$M")" \
    "$(jq -r '[.services[] | select(.status == "unsanctioned" and (.risk == "low" or .risk == "medium")
              and .devices >= 5 and (.departments | length) >= 2) | .id] | sort | join(",")' "$M")"
[ "$(jq '.adoption_candidates.services | length' "$M")" -gt 0 ] || fail "no adoption candidate"
json_report "$T/strict.json" monthly --month 2026-10 --candidate-devices 1000
expect_eq "strict candidates" "$(jq '.adoption_candidates.services | length' "$T/strict.json")" 0
pass "adoption candidates"

# Alternatives come from the policy (the catalog report shows it).
expect_eq "alternatives" \
    "$(jq -r '.services[] | select(.alternative) | "\(.id) \(.alternative.id)"' "$M" | sort)" \
    "$(jq -r --slurpfile m "$M" '($m[0].services | map(.id)) as $used | .services[]
        | select(.alternative and (.id as $i | $used | index($i))) | "\(.id) \(.alternative)"' \
        "$T/catalog.json" | sort)"
pass "alternatives"

# CSV: one row per cell, the same figures.
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/monthly.csv" >"$T/csv.tsv" || fail "csv shape"
expect_eq "csv header" "$(head -1 "$T/csv.tsv" | tr '\t' ,)" \
    "period_start,period_end,department,department_name,service,service_name,category,risk,status,devices,bytes_up,bytes_down,flows,first_seen,last_seen,new,trend,alternative,row"
tail -n +2 "$T/csv.tsv" | awk -F'\t' -v OFS='\t' '$19 == "service" { print $3, $5, $11, $12, $13, $10 }' \
    | sort >"$T/csv-cells.tsv"
diff -u "$T/want.tsv" "$T/csv-cells.tsv" >&2 || fail "CSV cells differ from the truth"
# Then one candidate row per department of each candidate service.
expect_eq "csv candidate rows" "$(awk -F'\t' '$19 == "candidate" { print $3 " " $5 }' "$T/csv.tsv" | sort)" \
    "$(jq -r '.unknown | to_entries[] | .key as $d | .value.departments | keys[] | "\(.) \($d)"' "$TRUTH" | sort)"
pass "csv"

# HTML: every section, and nothing fetched from anywhere.
for id in summary services change new-services adoption genai departments visibility unknown privacy; do
    grep -q "<section id=\"$id\"\|<footer id=\"$id\"" "$T/monthly.html" || fail "html: no section $id"
done
grep -qi '<script\|https\?://' "$T/monthly.html" && fail "html loads or links something"
pass "html"

no_client_identifiers "$TRUTH" "$M" "$T/monthly.csv" "$T/monthly.html"
pass "no client address or MAC in the monthly report"

validate_reports
