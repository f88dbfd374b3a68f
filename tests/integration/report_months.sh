#!/usr/bin/env bash
# Two generated months (2026-10-14 with seed 2, 2026-11-02 with seed 1: some
# services in only one of them) through the sensor into one Redis, and every
# report that compares or spans them, against the two ground truths: the
# monthly report's change and new-service sections, each department's report
# (trend, previous month, alternatives, day by day), the unsanctioned report
# over both months and over a week, and the new-services report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
feed_sample oct 2026-10-14 2
feed_sample nov 2026-11-02 1
OCT=$T/oct.json
NOV=$T/nov.json
json_report "$T/m10.json" monthly --month 2026-10
json_report "$T/m11.json" monthly --month 2026-11
json_report "$T/catalog.json" catalog
M=$T/m11.json

truth_cells "$OCT" >"$T/oct.tsv"
truth_cells "$NOV" >"$T/nov.tsv"
services() { jq -r '[.cells[] | keys[]] | unique[]' "$1"; }
services "$OCT" >"$T/oct-services"
services "$NOV" >"$T/nov-services"
cut -f1,2 "$T/oct.tsv" | tr '\t' ' ' >"$T/oct-cells"
cut -f1,2 "$T/nov.tsv" | tr '\t' ' ' >"$T/nov-cells"
# The seeds must differ in services, or this test shows nothing.
[ -n "$(comm -13 "$T/oct-services" "$T/nov-services")" ] || fail "no service new in November"
[ -n "$(comm -23 "$T/oct-services" "$T/nov-services")" ] || fail "no service dropped in November"

# ---- monthly: the month itself, and the change from October ----
report_cells "$M" | diff -u "$T/nov.tsv" - >&2 || fail "November cells differ from the truth"
expect_eq "previous" "$(jq -c '[.change.previous.month, .change.previous_has_data]' "$M")" '["2026-10",true]'
for f in bytes_up bytes_down flows; do
    col=$(case $f in bytes_up) echo 3 ;; bytes_down) echo 4 ;; flows) echo 5 ;; esac)
    expect_eq "previous $f" "$(jq ".change.previous_totals.$f" "$M")" "$(cut -f"$col" "$T/oct.tsv" | sum_tsv 1)"
    expect_eq "current $f" "$(jq ".change.current_totals.$f" "$M")" "$(cut -f"$col" "$T/nov.tsv" | sum_tsv 1)"
done
expect_eq "previous devices" "$(jq .change.previous_totals.devices "$M")" "$(jq .totals.devices "$T/m10.json")"
expect_eq "started" "$(jq -r '.change.new[].id' "$M" | sort)" "$(comm -13 "$T/oct-services" "$T/nov-services")"
expect_eq "stopped" "$(jq -r '.change.dropped[].id' "$M" | sort)" "$(comm -23 "$T/oct-services" "$T/nov-services")"
expect_eq "continued" "$(jq -r '.change.services[].id' "$M" | sort)" "$(comm -12 "$T/oct-services" "$T/nov-services")"
# Per service: this month and the previous one, bytes from the truths, devices
# as each month's own report counts them.
jq -r '.services[] | [.id, .bytes_up, .devices] | @tsv' "$T/m10.json" | sort >"$T/s10"
jq -r '.services[] | [.id, .bytes_up, .devices] | @tsv' "$M" | sort >"$T/s11"
jq -r '(.change.services + .change.new + .change.dropped)[]
       | [.id, .bytes_up_previous, .devices_previous, .bytes_up, .devices] | @tsv' "$M" | sort >"$T/got-change"
join -t $'\t' -a1 -a2 -e 0 -o 0,1.2,1.3,2.2,2.3 "$T/s10" "$T/s11" >"$T/want-change"
diff -u "$T/want-change" "$T/got-change" >&2 || fail "per-service change differs"
expect_eq "oct service bytes" "$(cut -f2 "$T/s10" | sum_tsv 1)" "$(cut -f3 "$T/oct.tsv" | sum_tsv 1)"
pass "monthly change from the previous month"

expect_eq "first seen in November" "$(jq -r '.new_services.services[].id' "$M" | sort)" \
    "$(comm -13 "$T/oct-services" "$T/nov-services")"
expect_eq "new flags" "$(jq -r '.services[] | select(.new) | .id' "$M" | sort)" \
    "$(comm -13 "$T/oct-services" "$T/nov-services")"
expect_eq "first seen in departments" \
    "$(jq -r '.new_services.departments[] | .id as $d | .services[] | "\($d) \(.id)"' "$M" | sort)" \
    "$(comm -13 "$T/oct-cells" "$T/nov-cells")"
expect_eq "cell new flags" \
    "$(jq -r '.departments[] | .id as $d | .services[] | select(.new) | "\($d) \(.id)"' "$M" | sort)" \
    "$(comm -13 "$T/oct-cells" "$T/nov-cells")"
first=$(jq -r '[.new_services.services[].first_seen[0:10]] | unique | join(",")' "$M")
expect_eq "first seen date" "$first" "2026-11-02"
pass "new services"

# ---- department: each department's month ----
for dept in $(jq -r '.cells | keys[]' "$NOV"); do
    D=$T/dept-$dept.json
    json_report "$D" department "$dept" --month 2026-11
    expect_eq "$dept id" "$(jq -r .department.id "$D")" "$dept"
    jq -r --arg d "$dept" '.services[] | [$d, .id, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$D" \
        | sort | diff -u <(grep "^$dept	" "$T/nov.tsv") - >&2 || fail "$dept: services differ"
    # The month before, the trend, and the first time in the department.
    awk -F'\t' -v d="$dept" 'NR == FNR { if ($1 == d) { up[$2] = $3; devs[$2] = $6 }; next }
        $1 == d { if ($2 in up) print $2 "\t" up[$2] "\t" devs[$2] "\tseen\tfalse"
                  else print $2 "\t0\t0\tnew\ttrue" }' "$T/oct.tsv" "$T/nov.tsv" | sort >"$T/want-prev"
    jq -r '.services[] | [.id, .bytes_up_previous, .devices_previous,
           (if .trend == "new" then "new" else "seen" end), .new] | @tsv' "$D" | sort \
        | diff -u "$T/want-prev" - >&2 || fail "$dept: the previous month, trend or new differ"
    expect_eq "$dept dropped" "$(jq -r '.dropped[].id' "$D" | sort)" \
        "$(comm -23 <(grep "^$dept " "$T/oct-cells") <(grep "^$dept " "$T/nov-cells") | cut -d' ' -f2)"
    # All traffic is on 2026-11-02: the second day of the series.
    expect_eq "$dept daily" "$(jq '[.services[] | (.daily_bytes | add) == .bytes_up + .bytes_down
                                   and (.daily_bytes | to_entries | map(select(.value > 0).key)) == [1]] | all' "$D")" true
    expect_eq "$dept devices" "$(jq .department.devices "$D")" \
        "$(jq --arg d "$dept" '.departments[] | select(.id == $d) | .devices' "$M")"
    # Status for the department, and the policy's alternative for what is not sanctioned.
    expect_eq "$dept status" "$(jq -r '.services[] | "\(.id) \(.status)"' "$D" | sort)" \
        "$(jq -r --arg d "$dept" '.departments[] | select(.id == $d) | .services[] | "\(.id) \(.status)"' "$M" | sort)"
    expect_eq "$dept alternatives" \
        "$(jq -r '.services[] | select(.alternative) | "\(.id) \(.alternative.id)"' "$D" | sort)" \
        "$(jq -r --slurpfile d "$D" '($d[0].services | map(select(.status != "sanctioned")) | map(.id)) as $ns
            | .services[] | select(.alternative and (.id as $i | $ns | index($i))) | "\(.id) \(.alternative)"' \
            "$T/catalog.json" | sort)"
done
json_report "$T/by-name.json" department "Research lab" --month 2026-11
expect_eq "by display name" "$(jq -c 'del(.generated)' "$T/by-name.json")" \
    "$(jq -c 'del(.generated)' "$T/dept-research.json")"
# A policy exception: LinkedIn is tolerated, but sanctioned for Sales.
expect_eq "exception" "$(jq -r '.services[] | select(.id == "linkedin") | .status' "$T/dept-sales.json")" sanctioned
expect_eq "default" "$(jq -r '.services[] | select(.id == "linkedin") | .status' "$T/catalog.json")" tolerated
pass "department reports"

# ---- unsanctioned: over both months, and over one week ----
# Which cells are unsanctioned or prohibited, as the monthly reports say.
jq -r '.departments[] | .id as $d | .services[] | select(.status == "unsanctioned" or .status == "prohibited")
       | "\($d)\t\(.id)"' "$T/m10.json" "$M" | sort -u >"$T/not-allowed"
awk -F'\t' 'NR == FNR { keep[$1 FS $2] = 1; next } keep[$1 FS $2] { up[$1 FS $2] += $3; down[$1 FS $2] += $4 }
    END { for (k in up) print k "\t" up[k] "\t" down[k] }' "$T/not-allowed" "$T/oct.tsv" "$T/nov.tsv" \
    | sort >"$T/want-unsanctioned"
U=$T/unsanctioned.json
json_report "$U" unsanctioned --since 2026-10-01 --until 2026-11-30
jq -r '.departments[] | .id as $d | .services[] | [$d, .id, .bytes_up, .bytes_down] | @tsv' "$U" | sort \
    | diff -u "$T/want-unsanctioned" - >&2 || fail "unsanctioned cells differ from the truths"
expect_eq "unsanctioned bytes up" "$(jq '[.services[].bytes_up] | add' "$U")" "$(sum_tsv 3 <"$T/want-unsanctioned")"
expect_eq "no sanctioned" "$(jq '[.services[].status] - ["unsanctioned", "prohibited"] | length' "$U")" 0
# First and last seen: the day each cell was first and last used.
awk -F'\t' 'NR == FNR { oct[$1 " " $2] = 1; next } { nov[$1 " " $2] = 1 }
    END { for (c in oct) print c " 2026-10-14 " (c in nov ? "2026-11-02" : "2026-10-14")
          for (c in nov) if (!(c in oct)) print c " 2026-11-02 2026-11-02" }' "$T/oct.tsv" "$T/nov.tsv" \
    | sort >"$T/seen"
jq -r '.departments[] | .id as $d | .services[] | "\($d) \(.id) \(.first_seen[0:10]) \(.last_seen[0:10])"' "$U" \
    | sort >"$T/got-seen"
[ -s "$T/got-seen" ] || fail "no unsanctioned cell"
comm -23 "$T/got-seen" "$T/seen" | head -3 | grep . >&2 && fail "first or last seen differ"
# A week: day keys only, November's day only.
json_report "$T/week.json" unsanctioned --since 7d --until 2026-11-02
expect_eq "week" "$(jq -c '.period' "$T/week.json")" '{"start":"2026-10-27","end":"2026-11-02","days":7}'
awk -F'\t' 'NR == FNR { keep[$1 FS $2] = 1; next } keep[$1 FS $2] { s += $3 } END { print s + 0 }' \
    "$T/not-allowed" "$T/nov.tsv" >"$T/want-week"
expect_eq "week bytes up" "$(jq .totals.bytes_up "$T/week.json")" "$(cat "$T/want-week")"
json_report "$T/day.json" unsanctioned --since 2026-10-14 --until 2026-10-14
awk -F'\t' 'NR == FNR { keep[$1 FS $2] = 1; next } keep[$1 FS $2] { s += $3 } END { print s + 0 }' \
    "$T/not-allowed" "$T/oct.tsv" >"$T/want-day"
expect_eq "day bytes up" "$(jq .totals.bytes_up "$T/day.json")" "$(cat "$T/want-day")"
pass "unsanctioned reports"

# ---- new: first seen in a period ----
json_report "$T/new11.json" new --since 2026-11-01 --until 2026-11-30
expect_eq "new in November" "$(jq -r '.services[].id' "$T/new11.json" | sort)" \
    "$(comm -13 "$T/oct-services" "$T/nov-services")"
expect_eq "new to departments in November" \
    "$(jq -r '.departments[] | .id as $d | .services[] | "\($d) \(.id)"' "$T/new11.json" | sort)" \
    "$(comm -13 "$T/oct-cells" "$T/nov-cells")"
json_report "$T/new10.json" new --since 2026-10-01 --until 2026-10-31
expect_eq "new in October" "$(jq -r '.services[].id' "$T/new10.json" | sort)" "$(cat "$T/oct-services")"
json_report "$T/none.json" new --since 2026-11-03 --until 2026-11-30
expect_eq "nothing new later" "$(jq '.totals.services + .totals.department_services' "$T/none.json")" 0
pass "new-services reports"

for f in "$T"/*.json; do
    case $f in "$OCT" | "$NOV") continue ;; esac
    no_client_identifiers "$OCT" "$f"
    no_client_identifiers "$NOV" "$f"
done
pass "no client address or MAC in any report"

validate_reports
