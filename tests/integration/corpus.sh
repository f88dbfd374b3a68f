#!/usr/bin/env bash
# The sensor over every capture of ../shared/corpus/ndpi/pcap (real traffic from
# nDPI's regression suite), in whichever build ctest runs (scripts/test runs it
# in the AddressSanitizer + UBSan build, which aborts on any finding):
#  - exit status 0 for each capture, nothing on stderr but the sensor's own lines;
#  - every flow-log line is JSON with the documented fields;
#  - per service, the report's bytes equal the sum of the flow log's non-internal
#    flows (one truth, two views), month by month;
#  - every report's visibility sums to its totals: by evidence, and "none" as
#    the names no service claims plus the reasons nothing named the rest; the
#    flow log's shadowtap.visibility gives the same sums;
#  - the candidate services (listed, below privacy, not listed, counted apart)
#    sum to what visibility calls not in the catalog;
#  - encrypted_client_hello is seen (tls_ech.pcapng: visibility.unnamed.ech),
#    and so is a device using DNS over HTTPS (doh.pcapng: encrypted_dns_devices).
. "$(dirname "$0")/lib.sh"
[ -d "$CORPUS/pcap" ] || { say "skipped: no corpus at $CORPUS"; exit 0; }
with_redis

ls "$CORPUS"/pcap/* >"$T/captures.txt"
total=$(wc -l <"$T/captures.txt")

# one_capture INDEX PATH: runs the sensor into database INDEX; writes $T/r/INDEX.*
one_capture() {
    local i=$1 pcap=$2 out=$T/r/$1
    sensor -r "$pcap" --rules "$RULES" --redis "$REDIS_URL?db=$i" --sensor-id "c$i" \
        --flow-log "$out.flows" --workers 2 --set redis.retention_days=0 \
        --set redis.month_retention_days=0 2>"$out.err"
    echo $? >"$out.rc"
}
export -f one_capture sensor
export T RULES REDIS_URL SENSOR
mkdir -p "$T/r" "$T/m"
nl -w1 -s' ' "$T/captures.txt" | xargs -P "$JOBS" -n 2 bash -c 'one_capture "$0" "$1"'

failures=0
note() { say "  $*"; failures=$((failures + 1)); }
required='["@timestamp", "event.start", "event.end", "source.ip", "source.port",
  "source.bytes", "source.packets", "destination.ip", "destination.port",
  "destination.bytes", "destination.packets", "network.transport", "observer.name",
  "shadowtap.department", "shadowtap.device", "shadowtap.service.id",
  "shadowtap.service.name", "shadowtap.service.category", "shadowtap.service.status",
  "shadowtap.match", "shadowtap.visibility", "shadowtap.ndpi.protocol", "shadowtap.ndpi.category"]'

while read -r i pcap; do
    out=$T/r/$i
    name=$(basename "$pcap")
    rc=$(cat "$out.rc")
    [ "$rc" = 0 ] || { note "$name: exit status $rc: $(tail -3 "$out.err")"; continue; }
    if grep -v '^shadowtap-sensor: \(warning\|error\|info\):' "$out.err" | grep -q .; then
        note "$name: unexpected output on stderr: $(head -3 "$out.err")"
        continue
    fi
    [ -s "$out.flows" ] || continue # captures with no IP flow (ARP only, ...)
    # The report for every month the capture's flows touch.
    for m in $(head -c 200000000 "$out.flows" | grep -o '"start":"[0-9-]\{7\}\|"end":"[0-9-]\{7\}' |
        sed 's/.*"//' | sort -u); do
        "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$i" monthly --month "$m" \
            >"$T/m/$name.$m.json" || note "$name: report for $m failed"
    done
done < <(nl -w1 -s' ' "$T/captures.txt")

# One pass over every report: services per capture, and the visibility sums.
# shellcheck disable=SC2016
for f in "$T"/m/*.json; do
    jq -c --arg f "$(basename "$f" .json)" '.unknown_services as $u |
        def fig(o): [o.bytes_up, o.bytes_down, o.flows];
        def add3(l): reduce l[] as $x ([0, 0, 0]; [.[0] + $x[0], .[1] + $x[1], .[2] + $x[2]]);
        {f: $f, c: .sensors[0].id, services: [.services[] | [.id, .bytes_up, .bytes_down]],
         totals, visibility, candidates: fig($u),
         candidate_parts: add3([$u.services[] | fig(.)] + [fig($u.below_privacy), fig($u.not_listed)]
                               + [$u.apart[] | fig(.)])}' "$f"
done >"$T/reports.jsonl"
jq -r '.c as $c | .services[] | [$c] + . | @tsv' "$T/reports.jsonl" >"$T/all.rep"

# All flow logs at once: the sensor id of each is c<index>.
cat "$T"/r/*.flows >"$T/all.flows"
flows=$(wc -l <"$T/all.flows")
bad=$(jq -c --argjson req "$required" '
    . as $f | [$req[] | select(split(".") as $p | ($f | getpath($p[:-1]) | type) != "object"
               or ($f | getpath($p[:-1]) | has($p[-1]) | not))] |
    select(length > 0) | {capture: $f.observer.name, missing: .}' "$T/all.flows" 2>&1 | head -5)
[ -z "$bad" ] || note "flow log lines without documented fields: $bad"

awk -F'\t' '{k=$1"\t"$2; u[k]+=$3; d[k]+=$4} END {for (k in u) print k"\t"u[k]"\t"d[k]}' \
    "$T/all.rep" | sort >"$T/rep.sum"
jq -rs 'map(select(.shadowtap.internal == false)) |
        group_by([.observer.name, (.shadowtap.service.id // "unclassified")]) |
        map([.[0].observer.name, (.[0].shadowtap.service.id // "unclassified"),
             (map(.source.bytes) | add), (map(.destination.bytes) | add)] | @tsv) | .[]' \
    "$T/all.flows" | sort >"$T/log.sum"
if ! diff "$T/log.sum" "$T/rep.sum" >"$T/diff.txt"; then
    note "report and flow log disagree (capture, service, up, down): $(head -6 "$T/diff.txt" | tr '\n' ' ')"
fi

# Visibility: the kinds add up to the totals in every report.
bad=$(jq -c 'def s(o): [o[] | .bytes] | add; def n(o): [o[] | .flows] | add;
    .visibility as $v | (.totals.bytes_up + .totals.bytes_down) as $b | .totals.flows as $fl |
    select(s($v.by_evidence) != $b or n($v.by_evidence) != $fl or $v.bytes != $b or $v.flows != $fl
        or $v.by_evidence.none.bytes != $v.not_in_catalog.bytes + s($v.unnamed)
        or $v.by_evidence.none.flows != $v.not_in_catalog.flows + n($v.unnamed)
        or $v.named.bytes != $b - $v.by_evidence.none.bytes) | .f' "$T/reports.jsonl" | head -5)
[ -z "$bad" ] || note "visibility does not sum to the totals: $bad"
# Candidate services: listed, below privacy, not listed and apart make the
# whole, and the whole is what visibility calls not in the catalog.
bad=$(jq -c 'select(.candidate_parts != .candidates or
        [.candidates[0] + .candidates[1], .candidates[2]] != [.visibility.not_in_catalog.bytes,
                                                              .visibility.not_in_catalog.flows]) | .f' \
    "$T/reports.jsonl" | head -5)
[ -z "$bad" ] || note "candidate services do not sum to what is not in the catalog: $bad"
# ... and to the flow log's shadowtap.visibility, per capture and kind.
jq -r '.c as $c | .visibility | (.by_evidence | to_entries[] | select(.key != "none")),
        {key: "unknown", value: .not_in_catalog}, (.unnamed | to_entries[]) |
        select(.value.flows > 0) | [$c, .key, .value.bytes, .value.flows] | @tsv' \
    "$T/reports.jsonl" | awk -F'\t' '{k=$1"\t"$2; b[k]+=$3; f[k]+=$4} END {for (k in b) print k"\t"b[k]"\t"f[k]}' |
    sort >"$T/vis.rep"
jq -rs 'map(select(.shadowtap.internal == false)) | group_by([.observer.name, .shadowtap.visibility]) |
        map([.[0].observer.name, .[0].shadowtap.visibility, (map(.network.bytes) | add), length] | @tsv) | .[]' \
    "$T/all.flows" | sort >"$T/vis.log"
diff "$T/vis.log" "$T/vis.rep" >"$T/vis.diff" ||
    note "report visibility and flow log disagree (capture, kind, bytes, flows): $(head -6 "$T/vis.diff" | tr '\n' ' ')"
ech=$(jq -s '[.[] | select(.f | startswith("tls_ech.pcapng.")) | .visibility.unnamed.ech.flows] | add // 0' "$T/reports.jsonl")
[ "$ech" -gt 0 ] || note "tls_ech.pcapng: no flow hidden by encrypted_client_hello"
doh=$(jq -s '[.[] | select(.f | startswith("doh.pcapng.")) | .visibility.encrypted_dns_devices] | add // 0' "$T/reports.jsonl")
[ "$doh" -ge 1 ] || note "doh.pcapng: no device using encrypted DNS"
vis_kinds=$(cut -f2 "$T/vis.log" | sort -u | paste -sd' ')

[ $failures -eq 0 ] || fail "$failures problems over $total captures"
pass "$total captures, $flows flows: exit 0, flow log complete, report = flow log per service and per visibility kind ($vis_kinds); tls_ech: $ech ECH flows; doh: $doh encrypted-DNS devices"
