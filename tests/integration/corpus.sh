#!/usr/bin/env bash
# The sensor over every capture of ../shared/corpus/ndpi/pcap (real traffic from
# nDPI's regression suite), in whichever build ctest runs (scripts/test runs it
# in the AddressSanitizer + UBSan build, which aborts on any finding):
#  - exit status 0 for each capture, nothing on stderr but the sensor's own lines;
#  - every flow-log line is JSON with the documented fields;
#  - per service, the report's bytes equal the sum of the flow log's non-internal
#    flows (one truth, two views), month by month;
#  - each month's visibility sums to the report's totals, and its candidate
#    services (listed, below privacy, not listed, counted apart) to the traffic
#    it calls not in the catalog.
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
mkdir -p "$T/r"
nl -w1 -s' ' "$T/captures.txt" | xargs -P "$JOBS" -n 2 bash -c 'one_capture "$0" "$1"'

failures=0
note() { say "  $*"; failures=$((failures + 1)); }
required='["@timestamp", "event.start", "event.end", "source.ip", "source.port",
  "source.bytes", "source.packets", "destination.ip", "destination.port",
  "destination.bytes", "destination.packets", "network.transport", "observer.name",
  "shadowtap.department", "shadowtap.device", "shadowtap.service.id",
  "shadowtap.service.name", "shadowtap.service.category", "shadowtap.service.status",
  "shadowtap.match", "shadowtap.ndpi.protocol", "shadowtap.ndpi.category"]'

: >"$T/all.rep"
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
        "$REPORT" --rules "$RULES" --redis "$REDIS_URL?db=$i" monthly --month "$m" >"$out.json" \
            || { note "$name: report for $m failed"; continue; }
        jq -r --arg c "c$i" '.services[] | [$c, .id, .bytes_up, .bytes_down] | @tsv' "$out.json" \
            >>"$T/all.rep"
        sums=$(jq -r '.visibility as $v | .unknown_services as $u
            | def fig(o): [o.bytes_up, o.bytes_down, o.flows];
              def add3(l): reduce l[] as $x ([0, 0, 0]; [.[0] + $x[0], .[1] + $x[1], .[2] + $x[2]]);
            [if [$v.bytes, $v.flows] != [.totals.bytes_up + .totals.bytes_down, .totals.flows]
             then "visibility != totals" else empty end,
             if [([$v.by_evidence[].bytes] | add), ([$v.by_evidence[].flows] | add)] != [$v.bytes, $v.flows]
             then "by_evidence does not sum" else empty end,
             if [$u.bytes_up + $u.bytes_down, $u.flows] != [$v.not_in_catalog.bytes, $v.not_in_catalog.flows]
             then "candidates != not_in_catalog" else empty end,
             if add3([$u.services[] | fig(.)] + [fig($u.below_privacy), fig($u.not_listed)]
                     + [$u.apart[] | fig(.)]) != fig($u)
             then "candidate parts do not sum" else empty end] | join("; ")' "$out.json")
        [ -z "$sums" ] || note "$name, $m: $sums"
    done
done < <(nl -w1 -s' ' "$T/captures.txt")

# What the sensor could not name, seen where it must be (each capture is one
# month): an encrypted ClientHello, a device using DNS over HTTPS.
expect_capture() { # NAME JQ-TEST
    local i
    i=$(grep -n "/$1\$" "$T/captures.txt" | cut -d: -f1)
    [ -n "$i" ] || return 0 # not in this corpus
    jq -e "$2" "$T/r/$i.json" >/dev/null 2>&1 || note "$1: not $2"
}
expect_capture tls_ech.pcapng '.visibility.unnamed.ech.bytes > 0'
expect_capture doh.pcapng '.visibility.encrypted_dns_devices >= 1'

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

[ $failures -eq 0 ] || fail "$failures problems over $total captures"
pass "$total captures, $flows flows: exit 0, flow log complete, report = flow log per service"
