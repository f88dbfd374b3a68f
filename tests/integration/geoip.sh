#!/usr/bin/env bash
# GeoIP and ASN over the sample office day, with the small MaxMind databases
# tests/tools/make_test_mmdb.pl writes (GeoLite2-Country and GeoLite2-ASN
# shapes, IPv4 and IPv6):
#  - the flow log carries destination.geo.country_iso_code and destination.as.*
#    exactly as the databases say, and nothing for internal flows or addresses
#    the databases do not hold;
#  - the monthly report's countries per service equal the flow log's bytes;
#  - unclassified traffic is counted where it is hosted ("unclassified:AS<n>",
#    named "Unclassified, hosted at <owner>" in JSON, CSV and HTML), and the
#    parts add up to the ground truth's unclassified traffic;
#  - the flush script keeps the host names an older sensor's batches carry
#    (shadowtap:unmatched:<month>, no longer read by the report) bounded and
#    applies them exactly once;
#  - absent databases are allowed and said once at start; a corrupt one is a
#    configuration error (exit 2) that names the setting and the file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

with_redis
sample
mkdir -p "$T/geo"
perl "$SRC/tests/tools/make_test_mmdb.pl" "$T/geo" || fail "make_test_mmdb.pl (libmaxmind-db-writer-perl installed?)"
COUNTRY=$T/geo/country.mmdb
ASN=$T/geo/asn.mmdb
month=$(jq -r '.date[0:7]' "$T/truth.json")
GEO=(--set geoip.country_db="$COUNTRY" --set geoip.asn_db="$ASN")

# run DB RULES LOG SENSOR-ARGS...: the sample into Redis database DB, info-level
# log in $T/LOG.
run() {
    local db=$1 rules=$2 log=$3
    shift 3
    sensor -r "$T/sample.pcap" --rules "$rules" --redis "$REDIS_URL?db=$db" --sensor-id "g$db" \
        --flow-log "$T/flows-$db.json" --set log.level=info "$@" 2>"$T/$log" \
        || { cat "$T/$log" >&2; fail "sensor exited $? (database $db)"; }
}

# ---- 1. both databases ----
run 1 "$RULES" log-1.txt "${GEO[@]}"
grep -q "GeoIP" "$T/log-1.txt" && fail "both databases open, yet: $(grep GeoIP "$T/log-1.txt")"
F=$T/flows-1.json

# The flow log against the databases' own table (networks.tsv), per address.
# Expected: country and ASN of the network holding the address, or none.
jq -r 'select(.shadowtap.internal == false) | [.destination.ip,
       (.destination.geo.country_iso_code // "-"), (.destination.as.number // "-"),
       (.destination.as.organization.name // "-")] | @tsv' "$F" | sort -u >"$T/geo-got.tsv"
[ "$(wc -l <"$T/geo-got.tsv")" -ge 40 ] || fail "too few external destinations in the flow log"
python3 - "$T/geo/networks.tsv" "$T/geo-got.tsv" <<'EOF' || fail "flow log geo fields differ from the databases"
import ipaddress, sys
nets = []
for line in open(sys.argv[1]):
    if line.startswith('#'):
        continue
    net, cc, asn, org = line.rstrip('\n').split('\t')
    nets.append((ipaddress.ip_network(net), cc, asn, org))
bad = 0
kinds = set()
for line in open(sys.argv[2]):
    ip, cc, asn, org = line.rstrip('\n').split('\t')
    a = ipaddress.ip_address(ip)
    want = next(((c, s, o) for n, c, s, o in nets if a in n), ('-', '-', '-'))
    kinds.add((a.version, want[0] != '-'))
    if (cc, asn, org) != want:
        print(f'{ip}: got {cc} {asn} {org!r}, expected {want}', file=sys.stderr)
        bad += 1
# IPv4 and IPv6 destinations in the databases, and IPv4 ones in neither
for k in ((4, True), (6, True), (4, False)):
    if k not in kinds:
        print(f'the sample has no destination of kind {k}', file=sys.stderr)
        bad += 1
sys.exit(1 if bad else 0)
EOF
[ "$(jq -c 'select(.shadowtap.internal == true) | select(.destination.geo or .destination.as)' "$F" | wc -l)" -eq 0 ] \
    || fail "an internal flow has geo fields"
pass "flow log: country and ASN of every destination as the databases say (IPv4, IPv6, unknown)"

# The report: countries per service equal the flow log's bytes per (service, country).
json_report "$T/monthly-1.json" --redis "$REDIS_URL?db=1" monthly --month "$month"
report --redis "$REDIS_URL?db=1" monthly --month "$month" --format csv -o "$T/monthly-1.csv" || fail "csv"
report --redis "$REDIS_URL?db=1" monthly --month "$month" -o "$T/monthly-1.html" || fail "html"
M=$T/monthly-1.json
svc_of_flow='(.shadowtap.service.id // (if .destination.as.number then "unclassified:AS\(.destination.as.number)" else "unclassified" end))'
jq -rs "map(select(.shadowtap.internal == false and .destination.geo.country_iso_code)) |
        group_by([$svc_of_flow, .destination.geo.country_iso_code])[] |
        [(.[0] | $svc_of_flow), .[0].destination.geo.country_iso_code,
         (map(.source.bytes) | add), (map(.destination.bytes) | add)] | @tsv" "$F" | sort >"$T/want-cc.tsv"
jq -r '.services[] | .id as $s | .countries[] | [$s, .code, .bytes_up, .bytes_down] | @tsv' "$M" |
    sort >"$T/got-cc.tsv"
[ "$(cut -f2 "$T/want-cc.tsv" | sort -u | tr '\n' ' ')" == "DE IE JP US " ] \
    || fail "expected flows to DE, IE, JP and US, got: $(cut -f2 "$T/want-cc.tsv" | sort -u | tr '\n' ' ')"
diff -u "$T/want-cc.tsv" "$T/got-cc.tsv" >&2 || fail "countries per service differ from the flow log"
pass "monthly report: bytes per service and destination country equal the flow log ($(wc -l <"$T/want-cc.tsv") pairs)"

# Unclassified traffic, where it is hosted.
jq -r '.services[] | select(.id | startswith("unclassified")) | [.id, .name, .status,
       (.category // "null")] | @tsv' "$M" | sort >"$T/hosted.tsv"
printf '%s\n' \
    $'unclassified\tUnclassified\tunknown\tnull' \
    $'unclassified:AS64500\tUnclassified, hosted at Example Cloud, Inc.\tunknown\tnull' \
    $'unclassified:AS64501\tUnclassified, hosted at Beispiel Hosting GmbH\tunknown\tnull' >"$T/want-hosted.tsv"
diff -u "$T/want-hosted.tsv" "$T/hosted.tsv" >&2 || fail "unclassified services differ"
# Each equals the flow log's unclassified flows to its system; together, the truth.
jq -rs "map(select(.shadowtap.internal == false and .shadowtap.service.id == null)) |
        group_by($svc_of_flow)[] | [(.[0] | $svc_of_flow), (map(.source.bytes) | add),
        (map(.destination.bytes) | add), length] | @tsv" "$F" | sort >"$T/want-uncl.tsv"
jq -r '.services[] | select(.id | startswith("unclassified")) | [.id, .bytes_up, .bytes_down, .flows]
       | @tsv' "$M" | sort >"$T/got-uncl.tsv"
diff -u "$T/want-uncl.tsv" "$T/got-uncl.tsv" >&2 || fail "unclassified bytes per system differ from the flow log"
expect_eq "unclassified bytes up, all systems" \
    "$(jq '[.services[] | select(.id | startswith("unclassified")) | .bytes_up] | add' "$M")" \
    "$(jq '[.cells[].unclassified.bytes_up // 0] | add' "$T/truth.json")"
expect_eq "unclassified flows, all systems" \
    "$(jq '[.services[] | select(.id | startswith("unclassified")) | .flows] | add' "$M")" \
    "$(jq '[.cells[].unclassified.flows // 0] | add' "$T/truth.json")"
expect_eq "owners in Redis" "$(rcli -n 1 hget shadowtap:asn AS64501)" "Beispiel Hosting GmbH"
grep -q "Unclassified, hosted at Example Cloud, Inc." "$T/monthly-1.html" || fail "HTML lacks the hosted name"
grep -q '^[^,]*,[^,]*,[^,]*,[^,]*,unclassified:AS64500,"Unclassified, hosted at Example Cloud, Inc.",' \
    "$T/monthly-1.csv" || fail "CSV lacks the hosted name"
# Neither events nor "first seen" for unclassified traffic, hosted or not.
[ "$(rcli -n 1 xrange shadowtap:events - + | grep -c '^unclassified')" -eq 0 ] \
    || fail "an event names unclassified traffic"
json_report "$T/department-1.json" --redis "$REDIS_URL?db=1" department marketing --month "$month"
jq -e '.services[] | select(.id == "unclassified:AS64500") | .name == "Unclassified, hosted at Example Cloud, Inc."' \
    "$T/department-1.json" >/dev/null || fail "department report lacks the hosted name"
pass "unclassified traffic counted per hosting system, named after its owner (JSON, CSV, HTML), summing to the truth"

# ---- 2. host names no catalog entry matches ----
# Candidate services and the names counted apart: tests/integration/unknown_services.sh.
# Batches spooled by sensors before them still carry host names, which the
# flush script keeps as it did.
# The flush script keeps the set of an older sensor's host names bounded (the
# highest scores) and applies a batch of notes once.  ARGV: sensor seq prev now threshold maxlen ncells(0),
# then nasn, AS, owner, nhosts, keep, then month, expiry, name, bytes per name.
script=$("$BUILD/tests/flush-script") # the schema's preamble, then store_script.lua
notes() { # SEQ PREV
    rcli -n 3 eval "$script" 0 bound "$1" "$2" 1700000000 0 1000 0 \
        1 AS64511 "Bound Test Networks" \
        4 2 2026-12 0 a.example 10 2026-12 0 b.example 30 2026-12 0 c.example 20 2026-12 0 d.example 5 >/dev/null
}
notes 1 0
notes 1 0 # a resent batch: applied once
expect_eq "bounded set" "$(rcli -n 3 zrevrange shadowtap:unmatched:2026-12 0 -1 withscores | paste -sd' ')" \
    "b.example 30 c.example 20"
notes 2 1
expect_eq "the next batch adds up" "$(rcli -n 3 zrevrange shadowtap:unmatched:2026-12 0 -1 withscores | paste -sd' ')" \
    "b.example 60 c.example 40"
expect_eq "owner noted" "$(rcli -n 3 hget shadowtap:asn AS64511)" "Bound Test Networks"
pass "the flush script keeps the most bytes per month and applies notes exactly once"

# ---- 3. absent and broken databases ----
run 4 "$RULES" log-4.txt --set geoip.country_db="$T/geo/missing.mmdb"
expect_eq "GeoIP lines at start" "$(grep -c 'GeoIP' "$T/log-4.txt")" 1
grep -q "warning: GeoIP: geoip.country_db $T/geo/missing.mmdb: no such file, destination countries are not reported; geoip.asn_db not set" \
    "$T/log-4.txt" || fail "unclear absent-database message: $(grep GeoIP "$T/log-4.txt")"
jq -e 'select(.destination.geo or .destination.as)' "$T/flows-4.json" >/dev/null && fail "geo fields without databases"
json_report "$T/monthly-4.json" --redis "$REDIS_URL?db=4" monthly --month "$month"
expect_eq "unclassified without an ASN database" \
    "$(jq -c '[.services[] | select(.id | startswith("unclassified")) | .id]' "$T/monthly-4.json")" '["unclassified"]'
expect_eq "no countries without a country database" "$(jq '[.services[].countries[]] | length' "$T/monthly-4.json")" 0
truth_cells "$T/truth.json" >"$T/want-cells.tsv"
report_cells "$T/monthly-4.json" >"$T/got-cells-4.tsv"
diff -u "$T/want-cells.tsv" "$T/got-cells-4.tsv" >&2 || fail "without databases the cells differ from the truth"
run 5 "$RULES" log-5.txt
expect_eq "GeoIP lines at start, none configured" "$(grep -c 'GeoIP' "$T/log-5.txt")" 1
grep -q "info: GeoIP: geoip.country_db not set, destination countries are not reported; geoip.asn_db not set" \
    "$T/log-5.txt" || fail "unclear message without databases: $(grep GeoIP "$T/log-5.txt")"
pass "absent databases: allowed, said once at start, reports as without GeoIP"

printf 'not a MaxMind database\n' >"$T/geo/corrupt.mmdb"
head -c 300 "$ASN" >"$T/geo/truncated.mmdb"
for setting in country_db asn_db; do
    for bad in corrupt truncated; do
        set +e
        sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=6" \
            --set "geoip.$setting=$T/geo/$bad.mmdb" >/dev/null 2>"$T/err.txt"
        rc=$?
        "$SENSOR" --check-config --rules "$RULES" --set "geoip.$setting=$T/geo/$bad.mmdb" \
            >/dev/null 2>"$T/check.txt"
        check_rc=$?
        set -e
        expect_eq "exit status, $bad $setting" "$rc" 2
        expect_eq "--check-config exit status, $bad $setting" "$check_rc" 2
        for f in "$T/err.txt" "$T/check.txt"; do
            grep -q "geoip.$setting: $T/geo/$bad.mmdb is not a usable MaxMind DB file" "$f" \
                || fail "unclear error for a $bad $setting: $(cat "$f")"
        done
    done
done
[ "$(rcli -n 6 dbsize)" -eq 0 ] || fail "a sensor with a corrupt database counted anyway"
pass "a corrupt or truncated database: exit 2 naming the setting and the file (also --check-config)"

validate_reports
