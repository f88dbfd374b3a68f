#!/usr/bin/env bash
# privacy.min_devices = 5 on a generated office day: every (department,
# service) cell used by fewer than 5 devices is shown as "fewer than 5", its
# figures only in its department's "other" line, and no figure per service
# lets one work its figures out; the totals stay exact.  Checked against the
# ground truth in every report and format, with the threshold from a
# configuration file and from --set; and no report, in any format, holds a
# client's address or MAC.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
feed_sample oct 2026-10-14 2
TRUTH=$T/oct.json
K=5
printf '# the report reads privacy.* from the sensor configuration\n[privacy]\nmin_devices = %d\n' $K \
    >"$T/shadowtap.conf"
M=$T/monthly.json
json_report "$M" -c "$T/shadowtap.conf" monthly --month 2026-10

truth_cells "$TRUTH" >"$T/cells.tsv"
awk -F'\t' -v k=$K '$6 < k' "$T/cells.tsv" >"$T/hidden.tsv"
awk -F'\t' -v k=$K '$6 >= k' "$T/cells.tsv" >"$T/shown.tsv"
[ -s "$T/hidden.tsv" ] && [ -s "$T/shown.tsv" ] || fail "the sample has no cell on one side of $K"
expect_eq "min_devices" "$(jq .privacy.min_devices "$M")" $K
expect_eq "hidden cells" "$(jq .privacy.hidden_cells "$M")" "$(wc -l <"$T/hidden.tsv")"

# Cells: the visible ones exact, the hidden ones with no figure at all.
jq -r '.departments[] | .id as $d | .services[] | select(.hidden | not)
       | [$d, .id, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$M" | sort \
    | diff -u "$T/shown.tsv" - >&2 || fail "visible cells differ from the truth"
expect_eq "hidden cells listed" \
    "$(jq -r '.departments[] | .id as $d | .services[] | select(.hidden) | "\($d) \(.id)"' "$M" | sort)" \
    "$(cut -f1,2 "$T/hidden.tsv" | tr '\t' ' ')"
expect_eq "hidden cells have no figures" \
    "$(jq '[.departments[].services[] | select(.hidden) | [.bytes_up, .bytes_down, .flows, .devices]
            | all(. == null)] | all' "$M")" true
# Each department's "other" line is the sum of its hidden cells; its own
# figures stay exact.
awk -F'\t' '{ n[$1]++; up[$1] += $3; down[$1] += $4; fl[$1] += $5 }
    END { for (d in n) print d "\t" n[d] "\t" up[d] "\t" down[d] "\t" fl[d] }' "$T/hidden.tsv" \
    | sort >"$T/want-other"
jq -r '.departments[] | select(.other.cells > 0)
       | [.id, .other.cells, .other.bytes_up, .other.bytes_down, .other.flows] | @tsv' "$M" | sort \
    | diff -u "$T/want-other" - >&2 || fail "other lines differ"
awk -F'\t' '{ up[$1] += $3 } END { for (d in up) print d "\t" up[d] }' "$T/cells.tsv" | sort >"$T/want-dept"
jq -r '.departments[] | [.id, .bytes_up] | @tsv' "$M" | sort | diff -u "$T/want-dept" - >&2 \
    || fail "department figures differ"
pass "cells, other lines and departments"

# Services: sums over visible cells only, so nothing is learnt by subtraction;
# with only hidden cells, no device count.
awk -F'\t' '{ up[$2] += $3; down[$2] += $4 } END { for (s in up) print s "\t" up[s] "\t" down[s] }' \
    "$T/shown.tsv" | sort >"$T/want-services"
jq -r '.services[] | select(.bytes_up + .bytes_down > 0) | [.id, .bytes_up, .bytes_down] | @tsv' "$M" \
    | sort | diff -u "$T/want-services" - >&2 || fail "service figures include hidden cells"
expect_eq "services without visible cells" \
    "$(jq -r '.services[] | select(.devices == null) | .id' "$M" | sort)" \
    "$(comm -23 <(cut -f2 "$T/hidden.tsv" | sort -u) <(cut -f2 "$T/shown.tsv" | sort -u))"
expect_eq "services + other = totals" \
    "$(jq '([.services[].bytes_up] | add) + .other.bytes_up' "$M")" "$(jq .totals.bytes_up "$M")"
expect_eq "totals exact" "$(jq .totals.bytes_up "$M")" "$(sum_tsv 3 <"$T/cells.tsv")"
expect_eq "other" "$(jq .other.bytes_up "$M")" "$(sum_tsv 3 <"$T/hidden.tsv")"
json_report "$T/catalog.json" catalog
jq -r '.services[] | select(.category == "genai") | .id' "$T/catalog.json" | sort >"$T/genai"
expect_eq "genai from visible cells" \
    "$(jq -r '.genai_uploads.departments[] | [.id, .bytes_up] | @tsv' "$M" | sort)" \
    "$(awk -F'\t' 'NR == FNR { ai[$1] = 1; next } ai[$2] { up[$1] += $3 }
        END { for (d in up) print d "\t" up[d] }' "$T/genai" "$T/shown.tsv" | sort)"
expect_eq "new in departments: hidden without devices" \
    "$(jq '[.new_services.departments[].services[] | select(.hidden) | .devices == null] | all' "$M")" true
pass "services and totals"

# --set gives the same as the configuration file.
json_report "$T/set.json" --set privacy.min_devices=$K monthly --month 2026-10
expect_eq "--set" "$(jq -c 'del(.generated)' "$T/set.json")" "$(jq -c 'del(.generated)' "$M")"

# CSV: "fewer than 5" and no figure on hidden rows, one "other" row per
# department that has them.
report --set privacy.min_devices=$K monthly --month 2026-10 --format csv -o "$T/monthly.csv" || fail csv
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/monthly.csv" >"$T/csv.tsv" || fail "csv shape"
expect_eq "csv hidden rows" \
    "$(awk -F'\t' '$10 == "fewer than 5" && $11 == "" && $12 == "" && $13 == "" { print $3 " " $5 }' "$T/csv.tsv" | sort)" \
    "$(cut -f1,2 "$T/hidden.tsv" | tr '\t' ' ')"
expect_eq "csv other rows" \
    "$(awk -F'\t' '$5 == "other" { print $3 "\t" $11 }' "$T/csv.tsv" | sort)" \
    "$(cut -f1,3 "$T/want-other")"
pass "csv"

# The other reports under the same threshold.
D=$T/department.json
json_report "$D" --set privacy.min_devices=$K department engineering --month 2026-10
expect_eq "department hidden" "$(jq -r '.services[] | select(.hidden) | .id' "$D" | sort)" \
    "$(awk -F'\t' '$1 == "engineering" { print $2 }' "$T/hidden.tsv")"
expect_eq "department hidden fields" "$(jq '[.services[] | select(.hidden)
    | ([.bytes_up, .devices, .daily_bytes, .bytes_up_previous, .devices_previous] | all(. == null))
      and (.trend == null or .trend == "new")] | all' "$D")" true
U=$T/unsanctioned.json
json_report "$U" --set privacy.min_devices=$K unsanctioned --since 2026-10-01 --until 2026-10-31
expect_eq "unsanctioned hidden" "$(jq '[.departments[].services[] | select(.hidden)
    | .devices == null and .bytes_up == null] | all' "$U")" true
expect_eq "unsanctioned totals" "$(jq '([.services[].bytes_up] | add) + .other.bytes_up' "$U")" \
    "$(jq .totals.bytes_up "$U")"
json_report "$T/new.json" --set privacy.min_devices=$K new --since 2026-10-01 --until 2026-10-31
report --set privacy.min_devices=$K monthly --month 2026-10 --format html -o "$T/monthly.html" || fail html
grep -q "fewer than $K" "$T/monthly.html" || fail "html does not say \"fewer than $K\""
pass "department, unsanctioned, new and html reports"

# No client address or MAC anywhere: every report in every format (with the
# threshold off; the reports above had it on).
for format in json csv html; do
    report monthly --month 2026-10 --format $format -o "$T/all-m.$format" || fail "monthly $format"
    report department finance --month 2026-10 --format $format -o "$T/all-d.$format" || fail "department $format"
    report unsanctioned --since 2026-10-01 --until 2026-10-31 --format $format -o "$T/all-u.$format" \
        || fail "unsanctioned $format"
    report new --since 2026-10-01 --until 2026-10-31 --format $format -o "$T/all-n.$format" || fail "new $format"
done
report catalog --format csv -o "$T/all-c.csv" || fail "catalog csv"
report catalog --format html -o "$T/all-c.html" || fail "catalog html"
no_client_identifiers "$TRUTH" "$T"/all-* "$M" "$T/set.json" "$D" "$U" "$T/new.json" \
    "$T/catalog.json" "$T/monthly.csv" "$T/monthly.html"
pass "no client address or MAC in any report, format or threshold"
ls "$T"/all-*.json >>"$T/reports-to-validate"

validate_reports
