# shellcheck shell=bash
# Helpers of the report tests (tests/integration/report_*.sh), sourced after
# lib.sh.  Not a test itself: ctest runs *.sh files only.

SCHEMA=$SRC/docs/report.schema.json
PYTHON=/usr/bin/python3 # Debian's, with python3-jsonschema (scripts/lib.sh PKG_TEST)

# validate_report FILE...: every file is a valid report under docs/report.schema.json.
validate_report() {
    "$PYTHON" "$SRC/tests/integration/validate_report.py" "$SCHEMA" "$@" \
        || fail "not valid under docs/report.schema.json: $*"
}

# report ARGS...: the report program on the test's Redis and the shipped rules.
report() {
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL" "$@"
}

# json_report FILE ARGS...: writes a JSON report to FILE and notes it for
# validate_reports (one Python run for all is much faster than one each).
json_report() {
    local out=$1
    shift
    report "$@" -o "$out" || fail "shadowtap-report $* failed"
    printf '%s\n' "$out" >>"$T/reports-to-validate"
}

# validate_reports: validates every report json_report wrote.
validate_reports() {
    [ -s "$T/reports-to-validate" ] || return 0
    local files=()
    mapfile -t files <"$T/reports-to-validate"
    validate_report "${files[@]}"
    pass "${#files[@]} JSON reports valid under docs/report.schema.json"
    : >"$T/reports-to-validate"
}

# feed_sample NAME DATE SEED: generates that day of the sample office into
# $T/NAME.pcap and its truth into $T/NAME.json, and runs the sensor over it.
feed_sample() {
    local name=$1 date=$2 seed=$3
    "$GEN" -o "$T/$name.pcap" -t "$T/$name.json" --date "$date" --seed "$seed" \
        || fail "gen-sample $date $seed"
    sensor -r "$T/$name.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id "sensor-$name" \
        || fail "sensor on $name"
    rm -f "$T/$name.pcap"
}

# truth_cells TRUTH: "dept service bytes_up bytes_down flows devices" lines,
# sorted; devices are the client addresses (Redis counts per address).
truth_cells() {
    jq -r '.cells | to_entries[] | .key as $d | .value | to_entries[]
           | [$d, .key, .value.bytes_up, .value.bytes_down, .value.flows, .value.addresses]
           | @tsv' "$1" | sort
}

# report_cells REPORT: the same lines from a report's departments[].services[].
report_cells() {
    jq -r '.departments[] | .id as $d | .services[]
           | [$d, .id, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$1" | sort
}

# no_client_identifiers TRUTH FILE...: fails when any client address or MAC
# of the sample appears in any of the files (as a whole word: 10.0.0.1 is not
# found inside 10.0.0.10).
no_client_identifiers() {
    local truth=$1
    shift
    jq -r '.client_addresses[], .client_macs[]' "$truth" >"$T/identifiers.txt"
    [ -s "$T/identifiers.txt" ] || fail "the truth lists no client addresses"
    local hits
    hits=$(grep -F -w -o -f "$T/identifiers.txt" "$@" | head -5 || true)
    [ -z "$hits" ] || fail "client identifiers in reports: $hits"
}

# sum_tsv COLUMN: sums a column of tab-separated lines on stdin.
sum_tsv() {
    awk -F'\t' -v c="$1" '{ s += $c } END { printf "%d\n", s }'
}
