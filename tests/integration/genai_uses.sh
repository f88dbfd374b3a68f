#!/usr/bin/env bash
# GenAI, two uses: uploads to generative AI by vendor and use (services.conf
# "use": app or api), from the sensor over a capture into a real Redis,
# against the sensor's own flow log:
#  - the catalog (shadowtap-report catalog) gives every genai service a use and
#    no other service one, and at least one of OpenAI, Anthropic and Google
#    has both uses;
#  - the monthly report's genai_uploads.by_vendor_use, per department and at the
#    top, equals the flow log's genai flows (not internal) grouped by
#    department and the catalog's vendor and use: bytes up and down, flows and
#    service ids; sums to the section's bytes_up; most bytes up first;
#  - each department report's genai_uploads is the monthly report's entry of
#    that department;
#  - with privacy.min_devices hiding genai cells, the hidden cells are left out
#    of by_vendor_use exactly, and everything still adds up;
#  - HTML shows the table, and every report is valid under the schema.
# Nothing is hard-coded: vendors, uses and figures come from the catalog and
# the flow log, so this holds for any sample.  Then the same over the
# reference corpus merged into one capture, month by month (skipped without
# ../shared/corpus).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
CAT=$T/catalog.json
json_report "$CAT" catalog
jq -e '.services | all(if .category == "genai" then (.use == "app" or .use == "api")
                       else has("use") | not end)' "$CAT" >/dev/null ||
    fail "catalog: a genai service without a use, or another with one"
both=$(jq -r '[.services[] | select(.category == "genai") | {vendor, use}] | group_by(.vendor)
              | map(select(map(.use) | unique == ["api", "app"]) | .[0].vendor) | .[]' "$CAT")
grep -qx -e OpenAI -e Anthropic -e 'Google LLC' <<<"$both" ||
    fail "catalog: none of OpenAI, Anthropic, Google has both uses (vendors with both: $both)"
pass "catalog: $(wc -l <<<"$both") vendors have an app and an API service"

# want_vendor_use FLOWS MONTH HIDDEN: the flow log's genai flows of MONTH (its
# start's), not internal, outside the cells HIDDEN lists ("dept|service"
# lines), as {dept: by_vendor_use, "*": by_vendor_use over every department},
# each sorted by vendor and use.
want_vendor_use() {
    jq -n -S --slurpfile cat "$CAT" --arg month "$2" --rawfile hidden "$3" '
        def groups: group_by([.vendor, .use]) | map({vendor: .[0].vendor, use: .[0].use,
            bytes_up: (map(.up) | add), bytes_down: (map(.down) | add), flows: length,
            services: (map(.id) | unique)}) | sort_by([.vendor, .use]);
        ($cat[0].services | map({key: .id, value: {vendor, use}}) | from_entries) as $svc
        | ($hidden | split("\n") | map(select(. != "") | {key: ., value: true}) | from_entries)
            as $hide
        | [inputs | select(.shadowtap.internal == false and .shadowtap.service.category == "genai"
                           and .event.start[0:7] == $month)
           | {dept: .shadowtap.department, id: .shadowtap.service.id, up: .source.bytes,
              down: .destination.bytes} + $svc[.shadowtap.service.id]
           | select($hide[.dept + "|" + .id] | not)]
        | (group_by(.dept) | map({key: .[0].dept, value: groups}) | from_entries)
          + {"*": groups}' "$1"
}

# got_vendor_use MONTHLY: the same from the monthly report.
got_vendor_use() {
    jq -S '.genai_uploads | (.departments | map({key: .id, value: (.by_vendor_use
        | sort_by([.vendor, .use]))}) | from_entries) + {"*": (.by_vendor_use | sort_by([.vendor, .use]))}' "$1"
}

# hidden_cells MONTHLY: "dept|service" of each cell the report hides.
hidden_cells() {
    jq -r '.departments[] | .id as $d | .services[] | select(.hidden) | "\($d)|\(.id)"' "$1"
}

# check_sums WHAT MONTHLY: by_vendor_use adds up to the section and each
# department, holds the department's services, and is sorted.
check_sums() {
    jq -e '.genai_uploads | ([.by_vendor_use[].bytes_up] | add // 0) == .bytes_up
           and ([.departments[].bytes_up] | add // 0) == .bytes_up' "$2" >/dev/null ||
        fail "$1: by_vendor_use or departments do not sum to genai_uploads.bytes_up"
    jq -e '[.genai_uploads.departments[] | ([.by_vendor_use[].bytes_up] | add // 0) == .bytes_up
            and ([.by_vendor_use[].services[]] | sort) == ([.services[].id] | sort)] | all' "$2" \
        >/dev/null || fail "$1: a department's by_vendor_use does not hold its uploads and services"
    jq -e '[.genai_uploads | .by_vendor_use, .departments[].by_vendor_use | map(.bytes_up)
            | . == (sort | reverse)] | all' "$2" >/dev/null ||
        fail "$1: by_vendor_use is not sorted by bytes_up, largest first"
}

# check_month WHAT FLOWS MONTH MONTHLY: the monthly report against the flow log.
check_month() {
    hidden_cells "$4" >"$T/hidden.txt"
    want_vendor_use "$2" "$3" "$T/hidden.txt" >"$T/want.json"
    got_vendor_use "$4" >"$T/got.json"
    diff -u "$T/want.json" "$T/got.json" >"$T/diff.txt" ||
        { head -40 "$T/diff.txt" >&2; fail "$1: by_vendor_use differs from the flow log"; }
    check_sums "$1" "$4"
}

# check_departments WHAT MONTH MONTHLY ARGS...: each department's report (with
# ARGS) gives the monthly report's genai entry of that department.
check_departments() {
    local what=$1 month=$2 m=$3 d
    shift 3
    for d in $(jq -r '.departments[].id' "$m"); do
        json_report "$T/dept-$d.json" "$@" department "$d" --month "$month"
        expect_eq "$what: department $d" "$(jq -S -c .genai_uploads "$T/dept-$d.json")" \
            "$(jq -S -c --arg d "$d" '(.genai_uploads.departments[] | select(.id == $d) | del(.id, .name))
                // {bytes_up: 0, bytes_up_sanctioned: 0, services: [], by_vendor_use: []}' "$m")"
    done
}

# ---- the sample ----
sample
month=$(jq -r '.date[0:7]' "$T/truth.json")
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id genai \
    --flow-log "$T/flows.json" || fail "sensor on the sample"
jq -n -e 'any(inputs; .shadowtap.internal == false and .shadowtap.service.category == "genai")' \
    "$T/flows.json" >/dev/null || fail "the sample has no genai flow: nothing to check"
M=$T/monthly.json
json_report "$M" --set privacy.min_devices=0 monthly --month "$month"
check_month sample "$T/flows.json" "$month" "$M"
check_departments sample "$month" "$M" --set privacy.min_devices=0
pass "sample: by_vendor_use of $(jq '.genai_uploads.departments | length' "$M") departments and" \
    "$(jq '.genai_uploads.by_vendor_use | length' "$M") vendor uses equals the flow log;" \
    "vendors with both uses in the traffic: $(jq -c '[.genai_uploads.by_vendor_use | group_by(.vendor)[]
        | select(length == 2) | .[0].vendor]' "$M")"

# Privacy: a threshold that hides some genai cells (the most devices any genai
# cell has, or one more when every cell has as many).
K=$(jq -s 'map(select(.shadowtap.internal == false and .shadowtap.service.category == "genai"))
           | group_by([.shadowtap.department, .shadowtap.service.id])
           | map(map(.shadowtap.device) | unique | length) | if min < max then max else max + 1 end' \
    "$T/flows.json")
MK=$T/monthly-k.json
json_report "$MK" --set privacy.min_devices="$K" monthly --month "$month"
hidden_genai=$(jq --slurpfile cat "$CAT" '($cat[0].services | map(select(.category == "genai") | .id))
    as $g | [.departments[].services[] | select(.hidden and (.id as $i | $g | index($i)))] | length' "$MK")
[ "$hidden_genai" -gt 0 ] || fail "privacy.min_devices=$K hides no genai cell"
check_month "sample, min_devices $K" "$T/flows.json" "$month" "$MK"
check_departments "sample, min_devices $K" "$month" "$MK" --set privacy.min_devices="$K"
pass "sample, min_devices $K: $hidden_genai hidden genai cells left out, the rest equals the flow log"

# HTML: the table, with every vendor of the month.
report --set privacy.min_devices=0 monthly --month "$month" --format html -o "$T/monthly.html" ||
    fail "monthly html"
grep -q 'Uploads to generative AI by vendor and use' "$T/monthly.html" || fail "html: no vendor and use table"
while IFS= read -r v; do
    grep -qF -- "$v" "$T/monthly.html" || fail "html: vendor $v missing"
done < <(jq -r '.genai_uploads.by_vendor_use[].vendor | @html' "$M")
d=$(jq -r '.genai_uploads.departments[0].id' "$M")
report --set privacy.min_devices=0 department "$d" --month "$month" --format html -o "$T/dept.html" ||
    fail "department html"
grep -q 'Uploads to generative AI by vendor and use' "$T/dept.html" || fail "department html: no table"
pass "html: the vendor and use table in the monthly and department reports"
validate_reports

# ---- the reference corpus, merged ----
[ -d "$CORPUS/pcap" ] || { say "corpus skipped: no corpus at $CORPUS"; exit 0; }
rcli flushall >/dev/null
shopt -s nullglob
"$BUILD/tests/pcap-multiply" -o "$T/corpus.pcap" --copies 1 --spacing 0.0005 \
    "$CORPUS"/pcap/*.pcap "$CORPUS"/pcap/*.pcapng "$CORPUS"/pcap/*.cap >"$T/multiply.out" \
    2>"$T/multiply.err" || fail "pcap-multiply failed: $(tail -3 "$T/multiply.err")"
sensor -r "$T/corpus.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id merged \
    --set redis.retention_days=0 --set redis.month_retention_days=0 \
    --flow-log "$T/corpus-flows.json" 2>"$T/sensor.err" ||
    fail "the sensor exited $?: $(tail -3 "$T/sensor.err")"
rm -f "$T/corpus.pcap"
months=$(jq -r 'select(.shadowtap.internal == false and .shadowtap.service.category == "genai")
                | .event.start[0:7]' "$T/corpus-flows.json" | sort -u)
[ -n "$months" ] || { say "corpus: no genai flow"; exit 0; }
for m in $months; do
    json_report "$T/corpus-$m.json" --set privacy.min_devices=0 monthly --month "$m"
    check_month "corpus $m" "$T/corpus-flows.json" "$m" "$T/corpus-$m.json"
    check_departments "corpus $m" "$m" "$T/corpus-$m.json" --set privacy.min_devices=0
done
validate_reports
pass "corpus: by_vendor_use equals the flow log in $(wc -w <<<"$months") months" \
    "($(jq -r 'select(.shadowtap.internal == false and .shadowtap.service.category == "genai")
        | .shadowtap.service.id' "$T/corpus-flows.json" | sort -u | tr '\n' ' '))"
