#!/usr/bin/env bash
# Model servers inside the network, from a capture made here
# (ai_servers_capture.py: an internal Ollama server and an OpenAI-compatible
# one, a web server, a near-miss path, a 404, and cloud traffic) through the
# sensor into a real Redis, against what the capture sent:
#  - the monthly report's internal_ai_servers lists exactly the two servers,
#    with their API, the server's department, the client departments, bytes,
#    flows, requests and devices of the capture; the same with 1 and 3 workers;
#  - the flow log marks exactly the model-server flows, with the report's
#    server pseudonyms;
#  - no internal address anywhere in the reports (JSON, HTML, CSV) nor in
#    Redis (keys and values);
#  - every other figure of the report equals a run over the cloud traffic
#    alone: the model servers' flows are no cloud usage;
#  - privacy.min_devices folds small client departments and hides small
#    device counts;
#  - the keys expire with the month; HTML and CSV show the servers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
CAPTURE=$SRC/tests/integration/ai_servers_capture.py
"$PYTHON" "$CAPTURE" "$T/ai.pcap" "$T/truth.json" || fail "ai_servers_capture.py"
"$PYTHON" "$CAPTURE" "$T/cloud.pcap" "$T/cloud-truth.json" --without-ai ||
    fail "ai_servers_capture.py --without-ai"
TRUTH=$T/truth.json
month=$(jq -r .month "$TRUTH")
R1=$REDIS_URL?db=1 R2=$REDIS_URL?db=2 R3=$REDIS_URL?db=3
sensor -r "$T/ai.pcap" --rules "$RULES" --redis "$R1" --sensor-id ai --workers 1 \
    --flow-log "$T/flows.json" || fail "sensor on the capture"
sensor -r "$T/cloud.pcap" --rules "$RULES" --redis "$R2" --sensor-id ai --workers 1 ||
    fail "sensor on the cloud traffic alone"
sensor -r "$T/ai.pcap" --rules "$RULES" --redis "$R3" --sensor-id ai --workers 3 ||
    fail "sensor with 3 workers"
M=$T/monthly.json
json_report "$M" --redis "$R1" monthly --month "$month"
json_report "$T/cloud.json" --redis "$R2" monthly --month "$month"
json_report "$T/workers.json" --redis "$R3" monthly --month "$month"

# ---- the flow log: exactly the model servers' flows, and their pseudonyms ----
expect_eq "flow log: model-server flows" \
    "$(jq -s -S -c 'map(select(.shadowtap.model_api)) | map({client: .source.ip,
        server: .destination.ip, port: .destination.port, model: .shadowtap.model_api,
        bytes_up: .source.bytes, bytes_down: .destination.bytes,
        requests: .shadowtap.model_requests}) | sort_by(.client, .server, .bytes_up)' "$T/flows.json")" \
    "$(jq -S -c '.flows | map(select(.model)) | sort_by(.client, .server, .bytes_up)' "$TRUTH")"
# IP:PORT -> the pseudonym the flow log gives the server (one per server).
jq -s -c 'map(select(.shadowtap.model_api)) | group_by(.destination.ip)
    | map({key: "\(.[0].destination.ip):\(.[0].destination.port)",
           value: (map(.shadowtap.model_server) | unique)}) | from_entries' \
    "$T/flows.json" >"$T/pseudonyms.json"
expect_eq "one pseudonym per server" "$(jq -c '[.[] | length] | unique' "$T/pseudonyms.json")" "[1]"
expect_eq "pseudonyms are 16 hex digits" \
    "$(jq -r '[.[][0] | test("^[0-9a-f]{16}$")] | all' "$T/pseudonyms.json")" true
pass "flow log: the $(jq '[.flows[] | select(.model)] | length' "$TRUTH") model-server flows, each server one pseudonym"

# ---- the report: exactly the capture's servers and figures ----
# servers_of REPORT: internal_ai_servers in the truth's shape, by pseudonym:port.
servers_of() {
    jq -S '.internal_ai_servers | map({key: "\(.server):\(.port)", value: {api,
        department: .department.id, bytes_up, bytes_down, flows, requests,
        devices: .clients.devices, clients: (.clients.departments | map({key: .id,
            value: {devices, bytes_up, bytes_down, flows, requests}}) | from_entries)}})
        | from_entries' "$1"
}
servers_of "$M" >"$T/got-servers.json"
jq -S --slurpfile p "$T/pseudonyms.json" '.servers | to_entries | map({key: "\($p[0][.key][0]):\(.key | split(":")[1])",
        value: .value}) | from_entries' "$TRUTH" >"$T/want-servers.json"
diff -u "$T/want-servers.json" "$T/got-servers.json" >&2 || fail "internal_ai_servers differ from the capture"
expect_eq "two servers" "$(jq '.internal_ai_servers | length' "$M")" 2
expect_eq "apis" "$(jq -c '[.internal_ai_servers[] | [.api, .apis]]' "$M")" \
    '[["ollama",["ollama"]],["openai-compatible",["openai-compatible"]]]'
expect_eq "department names" "$(jq -c '[.internal_ai_servers[].department.name]' "$M")" \
    '["IT and infrastructure","Unassigned"]'
expect_eq "most bytes first" \
    "$(jq -c '[.internal_ai_servers[] | .bytes_up + .bytes_down]' "$M")" \
    "$(jq -c '[.internal_ai_servers[] | .bytes_up + .bytes_down] | sort | reverse' "$M")"
expect_eq "nothing folded" "$(jq -c '[.internal_ai_servers[].clients.other_departments]' "$M")" \
    '[null,null]'
expect_eq "3 workers" "$(servers_of "$T/workers.json")" "$(cat "$T/got-servers.json")"
pass "internal_ai_servers: the Ollama and OpenAI-compatible servers exactly as sent; nothing of the web server, the near miss or the 404"

# ---- no cloud usage ----
expect_eq "the rest of the report" \
    "$(jq -S -c 'del(.generated, .sensors, .internal_ai_servers)' "$M")" \
    "$(jq -S -c 'del(.generated, .sensors, .internal_ai_servers)' "$T/cloud.json")"
expect_eq "cloud alone: no server" "$(jq -c .internal_ai_servers "$T/cloud.json")" "[]"
expect_eq "totals are the cloud flows" \
    "$(jq -c '.totals | [.bytes_up, .bytes_down, .flows]' "$M")" \
    "$(jq -c '.flows | map(select(.server | startswith("10.") or startswith("172.") | not))
        | [(map(.bytes_up) | add), (map(.bytes_down) | add), length]' "$TRUTH")"
pass "every cloud figure equals the cloud traffic alone"

# ---- privacy.min_devices ----
for K in 2 3 4 7; do
    P=$T/private-$K.json
    json_report "$P" --redis "$R1" --set privacy.min_devices=$K monthly --month "$month"
    expect_eq "K=$K" \
        "$(jq -S -c '.internal_ai_servers | map({key: "\(.port)", value: {devices: .clients.devices,
            named: (.clients.departments | map(.id) | sort), other: .clients.other_departments,
            bytes: [.bytes_up, .bytes_down, .flows, .requests]}}) | from_entries' "$P")" \
        "$(jq -S -c --argjson k $K '.servers | to_entries | map({key: (.key | split(":")[1]), value: {
            devices: (if .value.devices < $k then null else .value.devices end),
            named: ([.value.clients | to_entries[] | select(.value.devices >= $k) | .key] | sort),
            other: ([.value.clients[] | select(.devices < $k)] | if length == 0 then null else
                {departments: length, bytes_up: (map(.bytes_up) | add), bytes_down: (map(.bytes_down) | add),
                 flows: (map(.flows) | add), requests: (map(.requests) | add)} end),
            bytes: [.value.bytes_up, .value.bytes_down, .value.flows, .value.requests]}}) | from_entries' "$TRUTH")"
done
expect_eq "K=3: Ollama names engineering only" \
    "$(jq -c '[.internal_ai_servers[0].clients | .departments[].id, .other_departments.departments]' "$T/private-3.json")" \
    '["engineering",2]'
pass "privacy.min_devices folds client departments and hides small device counts"

# ---- HTML and CSV ----
report --redis "$R1" monthly --month "$month" --format html -o "$T/monthly.html" || fail "html"
report --redis "$R1" --set privacy.min_devices=3 monthly --month "$month" --format html \
    -o "$T/private.html" || fail "html, private"
report --redis "$R1" monthly --month "$month" --format csv -o "$T/monthly.csv" || fail "csv"
grep -q '<section id="ai-servers">' "$T/monthly.html" || fail "no ai-servers section"
for s in $(jq -r '.internal_ai_servers[] | "\(.server)</code>:\(.port)"' "$M"); do
    grep -qF "$s" "$T/monthly.html" || fail "the HTML does not show $s"
done
grep -q '2 other departments' "$T/private.html" || fail "the HTML does not fold departments"
"$PYTHON" "$SRC/tests/integration/csv_to_tsv.py" "$T/monthly.csv" >"$T/monthly.tsv" || fail "csv shape"
expect_eq "csv ai-server rows" \
    "$(awk -F'\t' -v OFS='\t' '$19 == "ai-server" { print $5, $6, $3, $10, $11, $12, $13 }' "$T/monthly.tsv" | sort)" \
    "$(jq -r '.internal_ai_servers[] | "\(.server):\(.port)" as $s | .api as $a | .clients.departments[]
        | [$s, $a, .id, .devices, .bytes_up, .bytes_down, .flows] | @tsv' "$M" | sort)"
expect_eq "csv service rows: the cloud only" \
    "$(awk -F'\t' '$19 == "service" { s += $11 + $12 } END { print s }' "$T/monthly.tsv")" \
    "$(jq '.totals.bytes_up + .totals.bytes_down' "$M")"
pass "HTML section and CSV ai-server rows"

# ---- no internal address anywhere ----
jq -r '.addresses[]' "$TRUTH" >"$T/addresses.txt"
[ "$(wc -l <"$T/addresses.txt")" -ge 10 ] || fail "the capture lists too few addresses"
# redis_dump DB: every key and value of the database, as text.
redis_dump() {
    rcli -n "$1" --scan | sort | while IFS= read -r k; do
        printf 'KEY %s\n' "$k"
        case $(rcli -n "$1" type "$k") in
        hash) rcli -n "$1" hgetall "$k" ;;
        set) rcli -n "$1" smembers "$k" ;;
        zset) rcli -n "$1" zrange "$k" 0 -1 withscores ;;
        list) rcli -n "$1" lrange "$k" 0 -1 ;;
        stream) rcli -n "$1" xrange "$k" - + ;;
        string) rcli -n "$1" --no-raw get "$k" ;;
        *) printf 'unexpected type of %s\n' "$k" ;;
        esac
    done
}
redis_dump 1 >"$T/redis-dump.txt"
grep -q '^KEY shadowtap:aiservers:' "$T/redis-dump.txt" || fail "no aiservers key in Redis"
! grep -q 'unexpected type' "$T/redis-dump.txt" || fail "$(grep 'unexpected type' "$T/redis-dump.txt")"
hits=$(grep -F -w -o -f "$T/addresses.txt" "$M" "$T"/private-*.json "$T/monthly.html" \
    "$T/private.html" "$T/monthly.csv" "$T/redis-dump.txt" | sort -u | head -5 || true)
[ -z "$hits" ] || fail "internal addresses in reports or Redis: $hits"
# The flow log, the SIEM's, keeps them: the search itself works.
grep -F -w -q -f "$T/addresses.txt" "$T/flows.json" || fail "the address search finds nothing"
pass "no internal address in the reports (JSON, HTML, CSV) nor in Redis ($(grep -c '^KEY' "$T/redis-dump.txt") keys)"

# ---- expiry: with the month ----
want=$(rcli -n 1 expiretime "shadowtap:month:$month")
[ "$want" -gt 0 ] || fail "the month key does not expire"
n=0
while IFS= read -r k; do
    expect_eq "expiry of $k" "$(rcli -n 1 expiretime "$k")" "$want"
    n=$((n + 1))
done < <(rcli -n 1 --scan --pattern 'shadowtap:aiservers:*')
expect_eq "aiservers keys" "$n" 6 # the hash, and 5 (server, port, client department) HyperLogLogs
pass "the $n aiservers keys expire with the month"

validate_reports
