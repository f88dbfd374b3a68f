#!/usr/bin/env bash
# Candidate services and tenants over real traffic: the reference corpus's captures merged
# into one (pcap-multiply, one copy, a packet every 500 us, so that captures
# share one timeline and one Redis as on a busy link), one sensor run, then the
# `unknown` report of every month the flows touch:
#  - every candidate domain is its own registrable domain by the public suffix
#    list (psl, Debian's command-line libpsl, asked independently), and none
#    is an IP literal or a name that is not on the internet;
#  - every listed host of a candidate lies under its domain;
#  - the candidates plus what is counted apart equal, byte for byte and flow
#    for flow, the flow log's unclassified flows that carried a name (its
#    shadowtap.visibility "unknown"), month by month and per department;
#  - the monthly report's visibility sums to its totals, and says the same;
#  - tenants (issue 15): for every service with tenant templates, the monthly
#    report's own, other and none equal the flow log's flows of that class
#    (shadowtap.tenant.class), and sum to the service's totals; the other
#    tenants' names (listed and hidden by privacy) cover every byte of the other
#    class, and their number is the flow log's distinct tenant names;
#  - the names devices give themselves (DHCP, NetBIOS, mDNS, LLMNR), which
#    often name a person, are in no default flow-log line, and are there with
#    output.flow_log_device_names (issue 16).
# Skipped without ../shared/corpus.
. "$(dirname "$0")/lib.sh"
[ -d "$CORPUS/pcap" ] || { say "skipped: no corpus at $CORPUS"; exit 0; }
command -v psl >/dev/null || fail "psl (Debian package psl) is not installed"
with_redis

shopt -s nullglob
"$BUILD/tests/pcap-multiply" -o "$T/corpus.pcap" --copies 1 --spacing 0.0005 \
    "$CORPUS"/pcap/*.pcap "$CORPUS"/pcap/*.pcapng "$CORPUS"/pcap/*.cap >"$T/multiply.out" \
    2>"$T/multiply.err" || fail "pcap-multiply failed: $(tail -3 "$T/multiply.err")"
sensor -r "$T/corpus.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id merged \
    --set redis.retention_days=0 --set redis.month_retention_days=0 \
    --flow-log "$T/flows.json" 2>"$T/sensor.err" || fail "the sensor exited $?: $(tail -3 "$T/sensor.err")"

# The flow log's named unclassified flows, per month of their start and department.
jq -r 'select(.shadowtap.internal == false and .shadowtap.visibility == "unknown") |
       [.event.start[0:7], .shadowtap.department, .source.bytes,
        .destination.bytes] | @tsv' "$T/flows.json" |
    awk -F'\t' '{k=$1"\t"$2; u[k]+=$3; d[k]+=$4; f[k]++} END {for (k in u) print k"\t"u[k]"\t"d[k]"\t"f[k]}' |
    sort >"$T/want.tsv"
[ -s "$T/want.tsv" ] || fail "no unclassified named flow in the corpus: nothing to check"
months=$(cut -f1 "$T/want.tsv" | sort -u)

: >"$T/got.tsv"
: >"$T/domains.txt"
: >"$T/hosts.tsv"
for m in $months; do
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL" unknown --month "$m" >"$T/unknown-$m.json" ||
        fail "unknown --month $m failed"
    "$REPORT" --rules "$RULES" --redis "$REDIS_URL" monthly --month "$m" >"$T/monthly-$m.json" ||
        fail "monthly --month $m failed"
    u=$T/unknown-$m.json
    # Per department: the listed candidates' departments (privacy is off, so
    # nothing is folded) plus the counters kept apart, read from Redis.
    expect_eq "$m: nothing below privacy or unlisted" \
        "$(jq -c '[.unknown_services.below_privacy.domains, .unknown_services.not_listed.domains]' "$u")" '[0,0]'
    {
        jq -r '.unknown_services.services[].by_department[] | [.id, .bytes_up, .bytes_down, .flows] | @tsv' "$u"
        rcli hgetall "shadowtap:unknown:apart:$m" | paste - - |
            awk -F'\t' '{split($1, p, "|"); print p[1]"\t"(p[3] == "bytes_up" ? $2 : 0)"\t"(p[3] == "bytes_down" ? $2 : 0)"\t"(p[3] == "flows" ? $2 : 0)}'
    } | awk -F'\t' -v m="$m" '{k=m"\t"$1; u[k]+=$2; d[k]+=$3; f[k]+=$4} END {for (k in u) print k"\t"u[k]"\t"d[k]"\t"f[k]}' \
        >>"$T/got.tsv"
    # The totals: listed + apart = the whole, and the whole = the flow log's month.
    jq -e '.unknown_services | ([.services[].bytes_up] + [.apart[].bytes_up] | add // 0) == .bytes_up and
           ([.services[].bytes_down] + [.apart[].bytes_down] | add // 0) == .bytes_down and
           ([.services[].flows] + [.apart[].flows] | add // 0) == .flows' "$u" >/dev/null ||
        fail "$m: candidates and apart do not add up to unknown_services' totals"
    expect_eq "$m: totals = the flow log's" \
        "$(jq -r '.unknown_services | [.bytes_up, .bytes_down, .flows] | @tsv' "$u")" \
        "$(awk -F'\t' -v m="$m" '$1 == m {u+=$3; d+=$4; f+=$5} END {print u"\t"d"\t"f}' "$T/want.tsv")"
    jq -r '.unknown_services.services[].domain' "$u" >>"$T/domains.txt"
    jq -r '.unknown_services.services[] | .domain as $d | .hosts[] | [$d, .name] | @tsv' "$u" >>"$T/hosts.tsv"
    # The monthly report's visibility adds up to its totals and names as many
    # bytes "not in catalog" as the candidates and apart hold.
    jq -e '.visibility as $v | ([$v.by_evidence[].bytes] | add) == (.totals.bytes_up + .totals.bytes_down)
           and ([$v.by_evidence[].flows] | add) == .totals.flows' "$T/monthly-$m.json" >/dev/null ||
        fail "$m: visibility does not sum to the monthly totals"
    expect_eq "$m: not in catalog = candidates + apart" \
        "$(jq -c '.visibility.not_in_catalog | [.bytes, .flows]' "$T/monthly-$m.json")" \
        "$(jq -c '.unknown_services | [.bytes_up + .bytes_down, .flows]' "$u")"
done
sort -o "$T/got.tsv" "$T/got.tsv"
diff -u "$T/want.tsv" "$T/got.tsv" >"$T/diff.txt" ||
    { head -20 "$T/diff.txt" >&2; fail "candidates + apart differ from the flow log (month, department, up, down, flows)"; }

ndomains=$(wc -l <"$T/domains.txt")
[ "$ndomains" -gt 0 ] || fail "no candidate service in the corpus"
sort -u "$T/domains.txt" >"$T/domains.uniq"
psl --print-reg-domain $(cat "$T/domains.uniq") >"$T/psl.txt"
bad=$(awk -F': ' '$1 != $2' "$T/psl.txt" | head -5)
[ -z "$bad" ] || fail "candidates that are not their own registrable domain (name: psl's): $bad"
bad=$(grep -E '^[0-9.]+$|:' "$T/domains.uniq" | head -5 || true)
[ -z "$bad" ] || fail "IP literals among the candidates: $bad"
special='(^|\.)(local|localhost|localdomain|lan|home|home\.arpa|internal|corp|intranet|private|test|invalid|example|onion|alt|in-addr\.arpa|ip6\.arpa)$'
bad=$(grep -E "$special" "$T/domains.uniq" | head -5 || true)
[ -z "$bad" ] || fail "special-use names among the candidates: $bad"
bad=$(grep -v '\.' "$T/domains.uniq" | head -5 || true)
[ -z "$bad" ] || fail "single-label names among the candidates: $bad"
bad=$(awk -F'\t' '$2 != $1 && substr($2, length($2) - length($1)) != "." $1' "$T/hosts.tsv" | head -5)
[ -z "$bad" ] || fail "hosts not under their candidate domain: $bad"

bytes=$(awk -F'\t' '{s+=$3+$4} END {print s}' "$T/want.tsv")
apart=$(jq -s '[.[].unknown_services.apart | to_entries[] | .value.bytes_up + .value.bytes_down] | add' "$T"/unknown-*.json)
pass "merged corpus: $ndomains candidate domains, each its own registrable domain, none an IP literal or special-use name; candidates + apart (of which $apart bytes apart) = the flow log's $bytes unclassified named bytes, per month and department; visibility sums to the totals"


# Tenants: the flow log's classes per month, service and class.
jq -r 'select(.shadowtap.internal == false and .shadowtap.tenant.class != null) |
       [.event.start[0:7], .shadowtap.service.id, .shadowtap.tenant.class, .source.bytes,
        .destination.bytes] | @tsv' "$T/flows.json" |
    awk -F'\t' '{k=$1"\t"$2"\t"$3; u[k]+=$4; d[k]+=$5; f[k]++} END {for (k in u) print k"\t"u[k]"\t"d[k]"\t"f[k]}' |
    sort >"$T/want-tenants.tsv"
[ -s "$T/want-tenants.tsv" ] || fail "no flow of a service with tenant templates in the corpus"
jq -r 'select(.shadowtap.internal == false and .shadowtap.tenant.class == "other") |
       [.event.start[0:7], .shadowtap.service.id, .shadowtap.tenant.name] | @tsv' "$T/flows.json" |
    sort -u | cut -f1,2 | uniq -c | awk '{print $2"\t"$3"\t"$1}' >"$T/want-distinct.tsv"
: >"$T/got-tenants.tsv"
: >"$T/got-distinct.tsv"
for m in $months; do
    jq -r --arg m "$m" '.services[] | select(.tenants) | .id as $s | .tenants |
        ["own", "other", "none"][] as $c | .[$c] | select(.flows > 0) |
        [$m, $s, $c, .bytes_up, .bytes_down, .flows] | @tsv' "$T/monthly-$m.json" >>"$T/got-tenants.tsv"
    jq -r --arg m "$m" '.services[] | select(.tenants.other.flows > 0) | [$m, .id, .tenants.other.tenants] | @tsv' \
        "$T/monthly-$m.json" >>"$T/got-distinct.tsv"
    jq -e '[.services[] | select(.tenants) | . as $s | .tenants |
            select([.own, .other, .none] | map(.bytes_up) | add != $s.bytes_up) ] | length == 0' \
        "$T/monthly-$m.json" >/dev/null || fail "$m: own + other + none differ from a service's bytes up"
    jq -e '[.services[] | select(.tenants) | .tenants.other |
            select(([.names[].bytes_up] | add // 0) + .names_hidden.bytes_up != .bytes_up or .unnamed.flows != 0)]
           | length == 0' "$T/monthly-$m.json" >/dev/null ||
        fail "$m: other tenants' names do not cover the other class"
done
sort -o "$T/got-tenants.tsv" "$T/got-tenants.tsv"
diff -u "$T/want-tenants.tsv" "$T/got-tenants.tsv" >&2 || fail "tenant classes differ from the flow log"
sort -o "$T/got-distinct.tsv" "$T/got-distinct.tsv"
diff -u "$T/want-distinct.tsv" "$T/got-distinct.tsv" >&2 || fail "distinct other tenants differ from the flow log"
pass "merged corpus: tenants of $(cut -f2 "$T/want-tenants.tsv" | sort -u | wc -l) services by class ($(cut -f3 "$T/want-tenants.tsv" | sort | uniq -c | tr -s ' ' | paste -sd, -)) equal the flow log; $(awk -F'\t' '{s+=$3} END {print s+0}' "$T/want-distinct.tsv") other tenants named"

# Names devices give themselves stay out of the default flow log.
bad=$(jq -r 'select(.shadowtap.name_source | IN("dhcp", "netbios", "mdns", "llmnr")) |
             .shadowtap.name_source' "$T/flows.json" | sort | uniq -c | tr -s ' ' | paste -sd, -)
[ -z "$bad" ] || fail "device names in the default flow log: $bad"
sensor -r "$CORPUS/pcap/netbios.pcap" --rules "$RULES" --redis "$REDIS_URL?db=3" --flow-log "$T/names.json" \
    --set output.flow_log_device_names=yes 2>"$T/names.err" || fail "sensor on netbios.pcap: $(tail -2 "$T/names.err")"
n=$(jq -r 'select(.shadowtap.name_source == "netbios") | .shadowtap.name' "$T/names.json" | wc -l)
[ "$n" -gt 0 ] || fail "output.flow_log_device_names=yes puts no NetBIOS name in the flow log"
pass "merged corpus: no device name (DHCP, NetBIOS, mDNS, LLMNR) in the default flow log; $n NetBIOS names with output.flow_log_device_names"
