#!/usr/bin/env bash
# shadowtap-report's command line: every report and format, options before or
# after the report's name, format from the output's extension, atomic output
# files; exit 2 and a clear message for each bad usage, exit 1 when Redis is
# unreachable or a write fails; empty months, departments without data, and
# Redis contents the report did not write (malformed fields, wrong types).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

# expect_exit STATUS PATTERN ARGS...: the report program exits STATUS and says PATTERN.
expect_exit() {
    local want=$1 pattern=$2 rc=0
    shift 2
    "$REPORT" "$@" >"$T/out" 2>"$T/err" || rc=$?
    [ "$rc" -eq "$want" ] || fail "shadowtap-report $*: exit $rc, expected $want ($(head -c 300 "$T/err"))"
    [ -z "$pattern" ] || grep -q -- "$pattern" "$T/err" "$T/out" \
        || fail "shadowtap-report $*: no \"$pattern\" in: $(head -c 300 "$T/err")"
}

expect_exit 0 "department NAME" --help
for r in monthly department unsanctioned new unknown catalog privacy.min_devices; do
    grep -q -- "$r" "$T/out" || fail "--help does not mention $r"
done
expect_exit 0 "shadowtap-report" -V
expect_exit 2 "usage" --rules "$RULES"
expect_exit 2 'unknown report "weekly" (expected monthly, department, unsanctioned, new, unknown or catalog)' \
    --rules "$RULES" weekly
expect_exit 2 'unknown takes --month or --since and --until, not both' --rules "$RULES" unknown \
    --month 2026-11 --since 7d
expect_exit 2 'is not YYYY-MM' --rules "$RULES" unknown --month 2026-13
expect_exit 2 'is not a number of days' --rules "$RULES" unknown --since 0d
expect_exit 2 'unknown format "xml"' --rules "$RULES" catalog --format xml
expect_exit 2 'is not YYYY-MM' --rules "$RULES" monthly --month 2026-13
expect_exit 2 'is not YYYY-MM' --rules "$RULES" monthly --month 26-11
expect_exit 2 'needs a NAME' --rules "$RULES" department
expect_exit 2 'no department "nope".*known, by id or name: it ("IT and infrastructure") engineering' \
    --rules "$RULES" department nope
grep -q 'unassigned ("Unassigned"))' "$T/err" || fail "the known departments do not end with unassigned"
expect_exit 2 'unexpected argument "extra"' --rules "$RULES" monthly extra
expect_exit 2 'is not a number of days' --rules "$RULES" unsanctioned --since 0d
expect_exit 2 'is not a number of days' --rules "$RULES" new --since 2026-02-30
expect_exit 2 'is not YYYY-MM-DD' --rules "$RULES" new --until tomorrow
expect_exit 2 'after the last day' --rules "$RULES" unsanctioned --since 2026-11-05 --until 2026-11-01
expect_exit 2 'not a count' --rules "$RULES" monthly --candidate-devices -1
expect_exit 2 'expected KEY=VALUE' --rules "$RULES" --set privacy.min_devices monthly
expect_exit 2 'min_devices' --rules "$RULES" --set privacy.min_devices=many monthly
expect_exit 2 'services.conf' --rules "$T/no-rules" catalog
expect_exit 1 'cannot connect' --rules "$RULES" --redis "unix://$T/no.sock" monthly --month 2026-11
pass "bad usage: exit 2; Redis unreachable: exit 1"

# The catalog needs no Redis; in every format.
expect_exit 0 "" --rules "$RULES" --redis "unix://$T/no.sock" catalog -o "$T/catalog.json"
printf '%s\n' "$T/catalog.json" >>"$T/reports-to-validate"
"$REPORT" --rules "$RULES" catalog --format csv >"$T/catalog.csv" || fail "catalog csv"
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/catalog.csv" >"$T/catalog.tsv" || fail "catalog csv shape"
expect_eq "catalog rows" "$(($(wc -l <"$T/catalog.tsv") - 1))" "$(jq .count "$T/catalog.json")"
"$REPORT" --rules "$RULES" catalog -o "$T/catalog.html" || fail "catalog html"
grep -q '<section id="catalog">' "$T/catalog.html" || fail "catalog html"
pass "catalog in json, csv and html"

with_redis
feed_sample nov 2026-11-02 1
# Options anywhere; the format from the extension unless --format says otherwise.
"$REPORT" monthly --redis "$REDIS_URL" --month 2026-11 --rules "$RULES" -o "$T/m.html" || fail "options after"
head -c 15 "$T/m.html" | grep -q '<!DOCTYPE html>' || fail "-o x.html is not HTML"
report monthly --month 2026-11 -o "$T/m.csv" || fail csv
head -1 "$T/m.csv" | grep -q '^period_start,' || fail "-o x.csv is not CSV"
report monthly --month 2026-11 --format json -o "$T/m-json.html" || fail json
jq -e .report "$T/m-json.html" >/dev/null || fail "--format json wins over the extension"
report monthly --month 2026-11 >"$T/stdout.json" || fail stdout
json_report "$T/m.json" monthly --month 2026-11
expect_eq "stdout and -o" "$(jq -c 'del(.generated)' "$T/stdout.json")" "$(jq -c 'del(.generated)' "$T/m.json")"
# A failed write leaves nothing behind.
expect_exit 1 "cannot write" --rules "$RULES" --redis "$REDIS_URL" monthly --month 2026-11 -o "$T/no/such/dir/m.json"
[ -z "$(ls "$T/no" 2>/dev/null)" ] || fail "a partial file was left"
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left"
pass "options, formats, output files"

# Periods without data, a department without data, "unassigned".
json_report "$T/empty.json" monthly --month 2030-01
expect_eq "empty month" "$(jq -c '[.totals.bytes_up, (.services | length), (.departments | length),
    .change.previous_has_data, (.new_services.services | length)]' "$T/empty.json")" '[0,0,0,false,0]'
report monthly --month 2030-01 -o "$T/empty.html" || fail "empty html"
report monthly --month 2030-01 -o "$T/empty.csv" || fail "empty csv"
expect_eq "empty csv" "$(wc -l <"$T/empty.csv")" 1
json_report "$T/unassigned.json" department unassigned --month 2026-11
expect_eq "unassigned" "$(jq -c '[.department.id, .department.name, (.services | length)]' "$T/unassigned.json")" \
    '["unassigned","Unassigned",0]'
report department unassigned --month 2026-11 -o "$T/unassigned.html" || fail "unassigned html"
# A department by its display name (what the monthly report prints) or its id,
# in any case: the same report.
for name in Unassigned UNASSIGNED; do
    json_report "$T/by-name.json" department "$name" --month 2026-11
    expect_eq "department $name" "$(jq -c '[.department.id, (.services | length)]' "$T/by-name.json")" \
        '["unassigned",0]'
done
for name in Finance FINANCE 'people and hr'; do
    json_report "$T/by-name.json" department "$name" --month 2026-11
    want=finance
    [ "$name" = 'people and hr' ] && want=hr
    expect_eq "department \"$name\"" "$(jq -r .department.id "$T/by-name.json")" "$want"
done
json_report "$T/fin-id.json" department finance --month 2026-11
json_report "$T/fin-name.json" department Finance --month 2026-11
expect_eq "Finance by name and by id" "$(jq -c 'del(.generated)' "$T/fin-name.json")" \
    "$(jq -c 'del(.generated)' "$T/fin-id.json")"
json_report "$T/none.json" unsanctioned --since 2030-01-01 --until 2030-01-31
json_report "$T/unknown-none.json" unknown --since 2030-01-30 --until 2030-02-02
expect_eq "unknown, empty" "$(jq -c '[.months, .period.start, .period.end, .unknown_services.domains,
    .visibility.bytes, .visibility.named.bytes_percent]' "$T/unknown-none.json")" \
    '[["2030-01","2030-02"],"2030-01-01","2030-02-28",0,0,null]'
report unknown --month 2030-01 -o "$T/unknown-none.html" || fail "unknown html, empty"
report unknown --month 2030-01 -o "$T/unknown-none.csv" || fail "unknown csv, empty"
expect_eq "unknown csv, empty" "$(wc -l <"$T/unknown-none.csv")" 1
json_report "$T/new-none.json" new --since 3d --until 2030-01-31
expect_eq "3d" "$(jq -c .period "$T/new-none.json")" '{"start":"2030-01-29","end":"2030-01-31","days":3}'
pass "empty periods and departments"

# What the report did not write: malformed fields are skipped, a key of the
# wrong type is an error (exit 1), never a crash.
rcli HSET shadowtap:month:2031-01 nonsense 1 "a|b" 2 "x|y|z|w|v|bytes_up" 3 "|svc|bytes_up" 4 \
    "dept||bytes_up" 5 "hr|dropbox|bytes_up" 77 "hr|dropbox|bytes_down" abc "hr|dropbox|flows" -3 \
    "hr|dropbox|colour" 9 >/dev/null
rcli HSET shadowtap:geo:month:2031-01 "hr|dropbox|USA|bytes_up" 5 "hr|dropbox|US|sideways" 5 \
    "hr|dropbox|US|bytes_up" 70 >/dev/null
json_report "$T/odd.json" monthly --month 2031-01
expect_eq "odd fields" "$(jq -c '[.services[] | [.id, .bytes_up, .bytes_down, .flows, .countries]]' "$T/odd.json")" \
    '[["dropbox",77,0,0,[{"code":"US","bytes_up":70,"bytes_down":0}]]]'
rcli SET shadowtap:month:2031-02 "not a hash" >/dev/null
expect_exit 1 "WRONGTYPE" --rules "$RULES" --redis "$REDIS_URL" monthly --month 2031-02
rcli SET "shadowtap:devices:month:2031-01:hr|dropbox" "not a hyperloglog" >/dev/null
expect_exit 1 "PFCOUNT" --rules "$RULES" --redis "$REDIS_URL" monthly --month 2031-01
# Candidate services and visibility: odd fields and names skipped, figures
# that are no numbers read as 0, a key of the wrong type an error.
rcli ZADD shadowtap:unknown:2031-03 5 "a:b" 7 ok.example 3 "x|y" 2 "Bad Name.example" >/dev/null
rcli HSET shadowtap:unknown:2031-03:ok.example "hr|bytes_up" 7 "hr|bytes_down" abc "hr|flows" -2 \
    "hr|colour" 3 "|bytes_up" 4 "hr|x|flows" 5 first_seen nonsense last_seen 1800000000 >/dev/null
rcli HSET "shadowtap:unknown:2031-03:Bad Name.example" "it|bytes_up" 2 "it|flows" 1 >/dev/null
rcli HSET shadowtap:unknown:apart:2031-03 "hr|ip-literal|bytes_up" 11 "hr|ip-literal|flows" 1 \
    "hr|telepathy|bytes_up" 99 "hr|bytes_up" 5 "hr|ip-literal|colour" 1 >/dev/null
rcli HSET shadowtap:visibility:month:2031-03 "hr|sni|bytes" 40 "hr|sni|flows" 2 "hr|unknown|bytes" 20 \
    "hr|unknown|flows" 3 "hr|telepathy|bytes" 9 "hr|sni" 1 "hr|sni|packets" 1 >/dev/null
json_report "$T/odd-unknown.json" unknown --month 2031-03
expect_eq "odd candidates" "$(jq -c '.unknown_services | [.domains, .listed, [.services[] | [.domain,
    .bytes_up, .bytes_down, .flows, .devices, .first_seen, .last_seen]], .not_listed, .apart["ip-literal"],
    .bytes_up]' "$T/odd-unknown.json")" \
    '[2,1,[["ok.example",7,0,0,0,null,"2027-01-15T08:00:00Z"]],{"domains":1,"bytes_up":2,"bytes_down":0,"flows":1},{"bytes_up":11,"bytes_down":0,"flows":1},20]'
expect_eq "odd visibility" "$(jq -c '.visibility | [.bytes, .flows, .by_evidence.sni.bytes, .not_in_catalog.flows,
    .named.bytes_percent]' "$T/odd-unknown.json")" '[60,5,40,3,66.7]'
rcli SET shadowtap:unknown:2031-04 "not a sorted set" >/dev/null
expect_exit 1 "WRONGTYPE" --rules "$RULES" --redis "$REDIS_URL" unknown --month 2031-04
rcli SET shadowtap:visibility:month:2031-05 "not a hash" >/dev/null
expect_exit 1 "WRONGTYPE" --rules "$RULES" --redis "$REDIS_URL" monthly --month 2031-05
pass "foreign and malformed Redis contents"

validate_reports
