#!/usr/bin/env bash
# Candidate services and visibility, from the sensor over the sample into a
# real Redis, against the generator's ground truth:
#  - the monthly report's unknown_services are the truth's unknown domains
#    exactly (devices, bytes, flows, hosts, departments and their figures), and
#    nothing else; its visibility is the truth's and sums to the totals;
#    encrypted_dns_devices is the truth's;
#  - each department's report: its own traffic's visibility and candidates only;
#  - unsanctioned and new reports over days (day keys) and the month (month key);
#  - privacy.min_devices hides candidates and folds departments, and the sums
#    still hold;
#  - `unknown --month` and `unknown --since` give monthly's list; over two months
#    the counters add up and the devices are a union;
#  - each catalog_stanza pasted into a copy of rules/services.conf passes
#    --check-config, and a second run names that traffic as the new service,
#    with the candidate's bytes, and it is no candidate any more;
#  - HTML shows the coverage sentence and the candidates, CSV their rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
sample
TRUTH=$T/truth.json
month=$(jq -r '.date[0:7]' "$TRUTH")
day=$(jq -r .date "$TRUTH")
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id unk \
    || fail "sensor on the sample"
R1=$REDIS_URL?db=1
M=$T/monthly.json
json_report "$M" --redis "$R1" monthly --month "$month"
[ "$(jq '.unknown | length' "$TRUTH")" -ge 2 ] || fail "the truth has fewer than 2 unknown domains"

# ---- candidates: the truth exactly, and nothing else ----
# candidates_of FILE: the candidates of a report, in the truth's shape.
candidates_of() {
    jq -S '.unknown_services.services | map({key: .domain, value: {
        addresses: .devices, bytes_up, bytes_down, flows,
        hosts: (.hosts | map({key: .name, value: .bytes}) | from_entries),
        departments: (.by_department | map({key: .id, value: {addresses: .devices, bytes_up,
                                                                bytes_down, flows}}) | from_entries)}})
        | from_entries' "$1"
}
candidates_of "$M" >"$T/got-candidates.json"
jq -S .unknown "$TRUTH" >"$T/want-candidates.json"
diff -u "$T/want-candidates.json" "$T/got-candidates.json" >&2 || fail "candidates differ from the truth"
expect_eq "departments listed" "$(jq -c '[.unknown_services.services[] | .departments | sort]' "$M")" \
    "$(jq -c --slurpfile m "$M" '[$m[0].unknown_services.services[].domain as $d
        | .unknown[$d].departments | keys]' "$TRUTH")"
expect_eq "no other candidate" \
    "$(jq -c '.unknown_services | [.domains, .listed, .below_privacy.domains, .not_listed.domains]' "$M")" \
    "$(jq -c '.unknown | [length, length, 0, 0]' "$TRUTH")"
expect_eq "order: most devices first" \
    "$(jq -c '[.unknown_services.services[].devices]' "$M")" \
    "$(jq -c '[.unknown_services.services[].devices] | sort | reverse' "$M")"
# Everything adds up to the unclassified named traffic (nothing apart here).
expect_eq "candidates sum" \
    "$(jq -c '.unknown_services | [.bytes_up + .bytes_down, .flows]' "$M")" \
    "$(jq -c '[.visibility.not_in_catalog.bytes, .visibility.not_in_catalog.flows]' "$M")"
expect_eq "first and last seen" \
    "$(jq -r '.unknown_services.services[] | [.first_seen, .last_seen] | map(test("^'"$day"'T")) | all' "$M" | sort -u)" true
pass "unknown_services: $(jq '.unknown_services.listed' "$M") candidates equal the truth"

# ---- visibility: the truth exactly, summing to the totals ----
expect_eq "visibility" \
    "$(jq -S -c '.visibility | {by_evidence, unknown_named: .not_in_catalog, unnamed}' "$M")" \
    "$(jq -S -c '.visibility' "$TRUTH")"
expect_eq "visibility = totals" "$(jq -c '.visibility | [.bytes, .flows]' "$M")" \
    "$(jq -c '[.totals.bytes_up + .totals.bytes_down, .totals.flows]' "$M")"
expect_eq "by_evidence sums" "$(jq -c '.visibility | [([.by_evidence[].bytes] | add), ([.by_evidence[].flows] | add)]' "$M")" \
    "$(jq -c '.visibility | [.bytes, .flows]' "$M")"
expect_eq "none" "$(jq -c '.visibility | [.by_evidence.none.bytes, .by_evidence.none.flows]' "$M")" \
    "$(jq -c '.visibility | [.not_in_catalog.bytes + ([.unnamed[].bytes] | add),
                             .not_in_catalog.flows + ([.unnamed[].flows] | add)]' "$M")"
expect_eq "named and hidden" \
    "$(jq -c '.visibility | [.named.bytes, .named.flows, .hidden.bytes, .hidden.flows]' "$M")" \
    "$(jq -c '.visibility | [.bytes - .by_evidence.none.bytes, .flows - .by_evidence.none.flows,
        .unnamed.ech.bytes + .unnamed["encrypted-dns"].bytes,
        .unnamed.ech.flows + .unnamed["encrypted-dns"].flows]' "$M")"
expect_eq "percent" "$(jq '.visibility.named.bytes_percent' "$M")" \
    "$(jq '.visibility | (.named.bytes * 1000 / .bytes + 0.5 | floor) / 10' "$M")"
expect_eq "encrypted-DNS devices" "$(jq .visibility.encrypted_dns_devices "$M")" \
    "$(jq '[.encrypted_dns_devices[]] | add' "$TRUTH")"
expect_eq "encrypted-DNS per department" \
    "$(jq -c '[.visibility.encrypted_dns_by_department[] | {key: .id, value: .devices}] | from_entries' "$M")" \
    "$(jq -c .encrypted_dns_devices "$TRUTH")"
pass "visibility equals the truth and the totals"

# ---- each department's report: its own traffic and candidates ----
for dept in $(jq -r '.cells | keys[]' "$TRUTH"); do
    D=$T/dept-$dept.json
    json_report "$D" --redis "$R1" department "$dept" --month "$month"
    expect_eq "$dept visibility = totals" "$(jq -c '.visibility | [.bytes, .flows]' "$D")" \
        "$(jq -c '[.department.bytes_up + .department.bytes_down, .department.flows]' "$D")"
    expect_eq "$dept by_evidence sums" \
        "$(jq '[.visibility.by_evidence[].bytes] | add' "$D")" "$(jq .visibility.bytes "$D")"
    expect_eq "$dept candidates" \
        "$(jq -S -c '.unknown_services.services | map({key: .domain, value: {devices, bytes_up,
            bytes_down, flows, departments, by: [.by_department[].id]}}) | from_entries' "$D")" \
        "$(jq -S -c --arg d "$dept" '.unknown | to_entries | map(select(.value.departments[$d]))
            | map({key, value: (.value.departments[$d] | {devices: .addresses, bytes_up, bytes_down,
                  flows, departments: [$d], by: [$d]})}) | from_entries' "$TRUTH")"
    expect_eq "$dept hosts without bytes" \
        "$(jq '[.unknown_services.services[].hosts[].bytes] | all(. == null)' "$D")" true
    expect_eq "$dept candidate sum" \
        "$(jq -c '[.unknown_services.bytes_up + .unknown_services.bytes_down, .unknown_services.flows]' "$D")" \
        "$(jq -c '[.visibility.not_in_catalog.bytes, .visibility.not_in_catalog.flows]' "$D")"
    expect_eq "$dept encrypted-DNS devices" "$(jq .visibility.encrypted_dns_devices "$D")" \
        "$(jq --arg d "$dept" '.encrypted_dns_devices[$d] // 0' "$TRUTH")"
done
expect_eq "hr uses encrypted DNS" "$(jq .visibility.encrypted_dns_devices "$T/dept-hr.json")" 1
expect_eq "departments sum to the month" \
    "$(cat "$T"/dept-*.json | jq -s -c '[([.[].visibility.bytes] | add), ([.[].unknown_services.flows] | add)]')" \
    "$(jq -c '[.visibility.bytes, .unknown_services.flows]' "$M")"
pass "department reports: their own visibility and candidates"

# ---- unsanctioned and new: the organisation's visibility of the period ----
json_report "$T/unsanctioned-month.json" --redis "$R1" unsanctioned --since "$month-01" --until "$(jq -r .period.end "$M")"
json_report "$T/unsanctioned-days.json" --redis "$R1" unsanctioned --since "$day" --until "$day"
json_report "$T/new-days.json" --redis "$R1" new --since 3d --until "$day"
for f in unsanctioned-month unsanctioned-days new-days; do
    expect_eq "$f visibility" "$(jq -S -c 'del(.visibility.encrypted_dns_by_department) | .visibility' "$T/$f.json")" \
        "$(jq -S -c 'del(.visibility.encrypted_dns_by_department) | .visibility' "$M")"
done
pass "unsanctioned and new: the same visibility from day and month keys"

# ---- privacy.min_devices ----
# The departments of a domain with fewer than K devices are folded; a domain
# with fewer than K is not listed; the sums hold whatever K.
for K in 2 4 5 7 8 11; do
    P=$T/private-$K.json
    json_report "$P" --redis "$R1" --set privacy.min_devices=$K monthly --month "$month"
    expect_eq "K=$K listed" "$(jq -r '[.unknown_services.services[].domain] | sort | join(",")' "$P")" \
        "$(jq -r --argjson k $K '[.unknown | to_entries[] | select(.value.addresses >= $k) | .key] | sort | join(",")' "$TRUTH")"
    expect_eq "K=$K below privacy" \
        "$(jq -c '.unknown_services.below_privacy' "$P")" \
        "$(jq -c --argjson k $K '[.unknown[] | select(.addresses < $k)] | {domains: length,
            bytes_up: (map(.bytes_up) | add // 0), bytes_down: (map(.bytes_down) | add // 0),
            flows: (map(.flows) | add // 0)}' "$TRUTH")"
    expect_eq "K=$K shown departments" \
        "$(jq -S -c '[.unknown_services.services[] | {(.domain): [.by_department[] | select(.id) | .id] | sort}] | add // {}' "$P")" \
        "$(jq -S -c --argjson k $K '[.unknown | to_entries[] | select(.value.addresses >= $k)
            | {(.key): [.value.departments | to_entries[] | select(.value.addresses >= $k) | .key] | sort}] | add // {}' "$TRUTH")"
    expect_eq "K=$K other departments" \
        "$(jq -S -c '[.unknown_services.services[] | {(.domain): ([.by_department[] | select(.id == null)
            | [.devices, .bytes_up, .bytes_down, .flows]] | .[0])}] | add // {}' "$P")" \
        "$(jq -S -c --argjson k $K '[.unknown | to_entries[] | select(.value.addresses >= $k)
            | {(.key): ([.value.departments[] | select(.addresses < $k)]
                        | if length == 0 then null else [null, (map(.bytes_up) | add),
                          (map(.bytes_down) | add), (map(.flows) | add)] end)}] | add // {}' "$TRUTH")"
    expect_eq "K=$K listed domains keep their totals" \
        "$(jq -c '[.unknown_services.services[] | [.bytes_up, ([.by_department[].bytes_up] | add)]
                   | .[0] == .[1]] | all' "$P")" true
    expect_eq "K=$K sums" \
        "$(jq -c '.unknown_services | [.bytes_up, .flows]' "$P")" \
        "$(jq -c '.unknown_services | [([.services[].bytes_up] | add // 0) + .below_privacy.bytes_up
            + .not_listed.bytes_up + ([.apart[].bytes_up] | add),
            ([.services[].flows] | add // 0) + .below_privacy.flows + .not_listed.flows + ([.apart[].flows] | add)]' "$P")"
    expect_eq "K=$K total" "$(jq -c '.unknown_services | [.bytes_up, .bytes_down, .flows]' "$P")" \
        "$(jq -c '.unknown_services | [.bytes_up, .bytes_down, .flows]' "$M")"
    expect_eq "K=$K visibility unchanged" "$(jq -c '.visibility | del(.encrypted_dns_devices, .encrypted_dns_by_department)' "$P")" \
        "$(jq -c '.visibility | del(.encrypted_dns_devices, .encrypted_dns_by_department)' "$M")"
    expect_eq "K=$K encrypted-DNS devices hidden" "$(jq -c '.visibility | [.encrypted_dns_devices, .encrypted_dns_by_department[].devices]' "$P")" \
        '[null,null]'
done
# The unknown report says how many department uses it did not show.
json_report "$T/unknown-private.json" --redis "$R1" --set privacy.min_devices=5 unknown --month "$month"
expect_eq "hidden uses" "$(jq .privacy.hidden_cells "$T/unknown-private.json")" \
    "$(jq '[.unknown[] | if .addresses < 5 then (.departments | length)
           else ([.departments[] | select(.addresses < 5)] | length) end] | add' "$TRUTH")"
pass "privacy.min_devices: hidden and folded as specified, sums hold"

# ---- the unknown report ----
json_report "$T/unknown-month.json" --redis "$R1" unknown --month "$month"
json_report "$T/unknown-since.json" --redis "$R1" unknown --since "$day" --until "$day"
for f in unknown-month unknown-since; do
    expect_eq "$f months" "$(jq -c '[.months, .period.month]' "$T/$f.json")" "[[\"$month\"],\"$month\"]"
    expect_eq "$f = monthly" "$(jq -S -c .unknown_services "$T/$f.json")" "$(jq -S -c .unknown_services "$M")"
    expect_eq "$f visibility" "$(jq -S -c .visibility "$T/$f.json")" "$(jq -S -c .visibility "$M")"
done
# A second month: the counters add up, devices are a union, first and last
# seen span both.
next=$(date -u -d "$month-01 +1 month" +%Y-%m)
"$GEN" -o "$T/next.pcap" -t "$T/next.json" --date "$next-03" --seed 7 || fail "gen-sample $next"
sensor -r "$T/next.pcap" --rules "$RULES" --redis "$R1" --sensor-id unk || fail "sensor on $next"
json_report "$T/unknown-two.json" --redis "$R1" unknown --since "$day" --until "$next-03"
expect_eq "two months" "$(jq -c .months "$T/unknown-two.json")" "[\"$month\",\"$next\"]"
expect_eq "two months: figures add up" \
    "$(jq -S -c '.unknown_services.services | map({key: .domain, value: [.bytes_up, .bytes_down, .flows]}) | from_entries' "$T/unknown-two.json")" \
    "$(jq -S -c -n --slurpfile a "$TRUTH" --slurpfile b "$T/next.json" '$a[0].unknown * {} | keys
        | map({key: ., value: [$a[0].unknown[.].bytes_up + $b[0].unknown[.].bytes_up,
                               $a[0].unknown[.].bytes_down + $b[0].unknown[.].bytes_down,
                               $a[0].unknown[.].flows + $b[0].unknown[.].flows]}) | from_entries')"
jq -r --slurpfile a "$TRUTH" --slurpfile b "$T/next.json" '.unknown_services.services[]
    | [.domain, .devices, ([$a[0].unknown[.domain].addresses, $b[0].unknown[.domain].addresses] | max),
       ($a[0].unknown[.domain].addresses + $b[0].unknown[.domain].addresses),
       (.first_seen | startswith("'"$day"'")), (.last_seen | startswith("'"$next-03"'"))] | @tsv' \
    "$T/unknown-two.json" | awk -F'\t' '$2 < $3 || $2 > $4 || $5 != "true" || $6 != "true" {
        print "two months, " $1 ": devices " $2 " not in [" $3 ", " $4 "] or seen wrong"; bad = 1 }
        END { exit bad }' >&2 || fail "two months: devices and first/last seen"
expect_eq "two months: visibility" "$(jq .visibility.bytes "$T/unknown-two.json")" \
    "$(jq -n --slurpfile a "$M" --slurpfile b "$T/next.json" '$a[0].visibility.bytes +
        ([$b[0].cells[][] | .bytes_up + .bytes_down] | add)')"
pass "unknown --month and --since agree with monthly; two months add up"

# ---- the stanzas: pasted, checked, and naming the traffic on the next run ----
jq -c '.unknown_services.services[]' "$M" >"$T/services.jsonl"
cp -r "$RULES" "$T/rules-all"
i=0
while IFS= read -r svc; do
    i=$((i + 1))
    domain=$(jq -r .domain <<<"$svc")
    id=$(jq -r '.catalog_stanza | capture("\\[(?<id>[a-z0-9_.-]+)\\]").id' <<<"$svc")
    cp -r "$RULES" "$T/rules-$i"
    { printf '\n'; jq -r .catalog_stanza <<<"$svc"; } >>"$T/rules-$i/services.conf"
    "$SENSOR" --check-config --rules "$T/rules-$i" >"$T/check-$i.txt" 2>&1 \
        || { cat "$T/check-$i.txt" >&2; fail "the stanza of $domain does not pass --check-config"; }
    { printf '\n'; jq -r .catalog_stanza <<<"$svc"; } >>"$T/rules-all/services.conf"
    printf '%s\t%s\n' "$id" "$domain" >>"$T/ids.tsv"
done <"$T/services.jsonl"
"$SENSOR" --check-config --rules "$T/rules-all" >"$T/check-all.txt" 2>&1 \
    || { cat "$T/check-all.txt" >&2; fail "the stanzas together do not pass --check-config"; }
sensor -r "$T/sample.pcap" --rules "$T/rules-all" --redis "$REDIS_URL?db=2" --sensor-id unk2 \
    || fail "sensor with the stanzas"
json_report "$T/after.json" --rules "$T/rules-all" --redis "$REDIS_URL?db=2" monthly --month "$month"
while IFS=$'\t' read -r id domain; do
    expect_eq "$domain named as $id" \
        "$(jq -c --arg id "$id" '.services[] | select(.id == $id) | [.bytes_up, .bytes_down, .flows, .devices]' "$T/after.json")" \
        "$(jq -c --arg d "$domain" '.unknown_services.services[] | select(.domain == $d)
            | [.bytes_up, .bytes_down, .flows, .devices]' "$M")"
    expect_eq "$id: reason unreviewed" \
        "$(jq -c --arg id "$id" '.services[] | select(.id == $id) | [.category, .risk, .reasons]' "$T/after.json")" \
        '["other","medium",["unreviewed"]]'
done <"$T/ids.tsv"
expect_eq "no candidate left" "$(jq -c '.unknown_services | [.domains, .bytes_up, .flows]' "$T/after.json")" '[0,0,0]'
expect_eq "same traffic, named" "$(jq -c '.visibility | [.bytes, .flows, .not_in_catalog.bytes]' "$T/after.json")" \
    "$(jq -c '.visibility | [.bytes, .flows, 0]' "$M")"
# An id the rules already have gives way to the whole domain.
first_id=$(head -1 "$T/ids.tsv" | cut -f1)
first_domain=$(head -1 "$T/ids.tsv" | cut -f2)
cp -r "$RULES" "$T/rules-taken"
printf '\n[%s]\nname = Taken\nvendor = Taken\ncategory = other\nrisk = low\ndomains = taken-id.example\n' \
    "$first_id" >>"$T/rules-taken/services.conf"
json_report "$T/taken.json" --rules "$T/rules-taken" --redis "$R1" monthly --month "$month"
want_id=$(tr . - <<<"$first_domain")
expect_eq "taken id" "$(jq -r --arg d "$first_domain" '.unknown_services.services[] | select(.domain == $d)
    | .catalog_stanza | capture("\\[(?<id>[a-z0-9_.-]+)\\]").id' "$T/taken.json")" "$want_id"
{ printf '\n'; jq -r --arg d "$first_domain" '.unknown_services.services[] | select(.domain == $d) | .catalog_stanza' \
    "$T/taken.json"; } >>"$T/rules-taken/services.conf"
"$SENSOR" --check-config --rules "$T/rules-taken" >/dev/null 2>&1 || fail "the stanza with a taken id does not pass"
pass "$i stanzas pass --check-config and name their traffic on the next run"

# ---- HTML and CSV ----
report --redis "$R1" monthly --month "$month" -o "$T/monthly.html" || fail "monthly html"
report --redis "$R1" department hr --month "$month" -o "$T/hr.html" || fail "department html"
report --redis "$R1" unknown --month "$month" -o "$T/unknown.html" || fail "unknown html"
sentence=$(jq -r '.visibility | "\(.named.bytes_percent)% of bytes attributed to a named service; \(.hidden.bytes_percent)% hidden by ECH and encrypted DNS."
    | gsub("\\.0%"; "%")' "$M")
for f in monthly hr unknown; do
    grep -qF "$sentence" "$T/$f.html" || [ "$f" = hr ] || fail "$f.html: no \"$sentence\""
    grep -q '<section id="visibility">' "$T/$f.html" || fail "$f.html: no coverage section"
    grep -q '<svg class="chart"[^>]*aria-label="What named the bytes"' "$T/$f.html" || fail "$f.html: no coverage bar"
done
grep -q 'of bytes attributed to a named service' "$T/hr.html" || fail "hr.html: no coverage sentence"
grep -q '<section id="unknown">' "$T/monthly.html" || fail "monthly.html: no unknown section"
for domain in $(jq -r '.unknown | keys[]' "$TRUTH"); do
    grep -qF "<b>$domain</b>" "$T/monthly.html" || fail "monthly.html: no candidate $domain"
    grep -qF "<b>$domain</b>" "$T/unknown.html" || fail "unknown.html: no candidate $domain"
done
grep -q '<details><summary>[^<]*</summary><pre># candidate from shadowtap-report' "$T/monthly.html" \
    || fail "monthly.html: no stanza"
pass "html: coverage sentence and bar, candidates with their stanzas"

report --redis "$R1" monthly --month "$month" --format csv -o "$T/monthly.csv" || fail "monthly csv"
report --redis "$R1" unknown --month "$month" --format csv -o "$T/unknown.csv" || fail "unknown csv"
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/monthly.csv" >"$T/monthly.tsv" || fail "csv shape"
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/unknown.csv" >"$T/unknown.tsv" || fail "csv shape"
expect_eq "csv: last column" "$(head -1 "$T/monthly.tsv" | awk -F'\t' '{ print $NF }')" row
awk -F'\t' '$19 == "candidate" { print $3 "\t" $5 "\t" $6 "\t" $9 "\t" $10 "\t" $11 "\t" $12 "\t" $13 }' \
    "$T/monthly.tsv" | sort >"$T/csv-candidates.tsv"
jq -r '.unknown_services.services[] | .domain as $d | .name as $n | .by_department[]
       | [.id, $d, $n, "unknown", .devices, .bytes_up, .bytes_down, .flows] | @tsv' "$M" | sort \
    >"$T/want-csv-candidates.tsv"
diff -u "$T/want-csv-candidates.tsv" "$T/csv-candidates.tsv" >&2 || fail "csv candidate rows"
expect_eq "csv: service rows are the totals" \
    "$(awk -F'\t' '$19 == "service" { s += $11 } END { print s }' "$T/monthly.tsv")" "$(jq .totals.bytes_up "$M")"
expect_eq "csv: unknown report's rows" "$(tail -n +2 "$T/unknown.tsv" | sort)" \
    "$(awk -F'\t' '$19 == "candidate"' "$T/monthly.tsv" | sort)"
pass "csv: one candidate row per department and domain, apart from the totals"

no_client_identifiers "$TRUTH" "$M" "$T"/dept-*.json "$T"/unknown-*.json "$T"/*.html "$T"/*.csv
validate_reports
