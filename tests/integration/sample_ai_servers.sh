#!/usr/bin/env bash
# The sample office day's model servers inside (issue 15), against the
# generator's truth (gen-sample: internal_ai_servers, internal_not_ai):
#  - the monthly report's internal_ai_servers are the truth's servers exactly:
#    API, the server's department, bytes, flows, devices, requests (the
#    truth's request counts summed), and per client department bytes, flows
#    and devices; the server that only looks like one (internal_not_ai) is not
#    there;
#  - each server's pseudonym is the one the flow log gives the flows to its
#    address, and no report format holds a client's or a server's address;
#  - the same for another seed at a larger scale.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis

# check NAME DB GEN-ARGS...
check() {
    local name=$1 db=$2
    shift 2
    "$GEN" -o "$T/$name.pcap" -t "$T/$name.json" "$@" || fail "gen-sample $*"
    local truth=$T/$name.json month
    month=$(jq -r '.date[0:7]' "$truth")
    sensor -r "$T/$name.pcap" --rules "$RULES" --redis "$REDIS_URL?db=$db" --sensor-id "$name" \
        --flow-log "$T/$name-flows.json" || fail "$name: sensor"
    rm -f "$T/$name.pcap"
    json_report "$T/$name-monthly.json" --redis "$REDIS_URL?db=$db" monthly --month "$month"
    report --redis "$REDIS_URL?db=$db" monthly --month "$month" --format html \
        -o "$T/$name-monthly.html" || fail "$name: html"
    report --redis "$REDIS_URL?db=$db" monthly --month "$month" --format csv \
        -o "$T/$name-monthly.csv" || fail "$name: csv"

    # ADDRESS:PORT -> the pseudonym of the flow log's model-server flows there.
    jq -s -c 'map(select(.shadowtap.model_api)) | group_by(.destination.ip, .destination.port)
        | map({key: "\(.[0].destination.ip):\(.[0].destination.port)",
               value: (map(.shadowtap.model_server) | unique)}) | from_entries' \
        "$T/$name-flows.json" >"$T/$name-pseudonyms.json"
    expect_eq "$name: flow log's model servers" "$(jq -c 'keys' "$T/$name-pseudonyms.json")" \
        "$(jq -c '.internal_ai_servers | keys' "$truth")"
    expect_eq "$name: one pseudonym each" "$(jq -c '[.[] | length] | unique' "$T/$name-pseudonyms.json")" "[1]"

    jq -S '.internal_ai_servers | map({key: "\(.server):\(.port)", value: {api,
            department: .department.id, bytes_up, bytes_down, flows, requests,
            devices: .clients.devices, clients: (.clients.departments | map({key: .id,
                value: {devices, bytes_up, bytes_down, flows}}) | from_entries)}})
        | from_entries' "$T/$name-monthly.json" >"$T/$name-got.json"
    jq -S --slurpfile p "$T/$name-pseudonyms.json" '.internal_ai_servers | to_entries
        | map({key: "\($p[0][.key][0]):\(.value.port)", value: (.value | {api, department,
            bytes_up, bytes_down, flows, requests: ([.requests[]] | add), devices: .addresses,
            clients: (.clients | map_values({devices: .addresses, bytes_up, bytes_down, flows}))})})
        | from_entries' "$truth" >"$T/$name-want.json"
    diff -u "$T/$name-want.json" "$T/$name-got.json" >&2 ||
        fail "$name: internal_ai_servers differ from the truth"
    expect_eq "$name: requests per client department add up" \
        "$(jq -c '[.internal_ai_servers[] | .requests == ([.clients.departments[].requests] | add)] | all' \
            "$T/$name-monthly.json")" true

    # No address of a client or of an internal server, in any format.
    jq -r '.client_addresses[], .client_macs[], (.internal_ai_servers, .internal_not_ai)[].address' \
        "$truth" >"$T/$name-identifiers.txt"
    local hits
    hits=$(grep -F -w -o -f "$T/$name-identifiers.txt" "$T/$name-monthly.json" \
        "$T/$name-monthly.html" "$T/$name-monthly.csv" | sort -u | head -5 || true)
    [ -z "$hits" ] || fail "$name: addresses in the reports: $hits"
    pass "$name: $(jq '.internal_ai_servers | length' "$T/$name-monthly.json") model servers inside as the truth has them, $(jq '.internal_not_ai | length' "$truth") look-alike left out, no address"
}

check sample 1
check seed5 2 --seed 5 --scale 3
validate_reports
