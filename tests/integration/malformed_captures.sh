#!/usr/bin/env bash
# Damaged and unusual capture files (tests/integration/bad_captures.py makes
# them from the sample): files cut in a record header or in packet data,
# captured length above the original length, the snap length or libpcap's
# maximum, empty packets, unknown link types, pcapng with unknown blocks and
# options and several interfaces, a header alone, an empty file, garbage.
#
# For each: no crash and no sanitizer report; a readable file exits 0 with
# exactly the packets before the damage received, every one of them decoded or
# not decoded for a reason, the damage named in one warning that starts with the
# file's name, and Redis holding exactly the packets of the decoded flows that
# are cloud usage; an unreadable file exits 1 with an error naming the file.
. "$(dirname "$0")/lib.sh"
with_redis
sample
python3 "$SRC/tests/integration/bad_captures.py" "$T/sample.pcap" "$T/bad" 300 ||
    fail "bad_captures.py failed"

sanitizer_report() { grep -E 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$1"; }

db=0
while IFS=$'\t' read -r file good expect message what; do
    db=$((db + 1))
    path=$T/bad/$file
    rm -f "$T/stats.json" "$T/flows.json"
    set +e
    sensor -r "$path" --rules "$RULES" --redis "$REDIS_URL?db=$db" --sensor-id bad --workers 1 \
        --stats "$T/stats.json" --flow-log "$T/flows.json" 2>"$T/err.txt"
    rc=$?
    set -e
    if sanitizer_report "$T/err.txt" >/dev/null; then
        cat "$T/err.txt" >&2
        fail "$file ($what): sanitizer report"
    fi
    if [ "$expect" = unreadable ]; then
        expect_eq "$file ($what): exit status" "$rc" 1
        grep -qE "error: $path: $message" "$T/err.txt" ||
            fail "$file ($what): no clear error: $(cat "$T/err.txt")"
        pass "$file: $what: exit 1, $(sed 's/^shadowtap-sensor: error: //' "$T/err.txt")"
        continue
    fi
    [ "$rc" -eq 0 ] || fail "$file ($what): exit status $rc: $(cat "$T/err.txt")"

    # Packets: those before the damage, each decoded or not for a reason.
    expect_eq "$file: packets received" "$(jq .packets.received "$T/stats.json")" "$good"
    expect_eq "$file: decoded + not decoded" \
        "$(jq '.packets.decoded + .packets.not_decoded' "$T/stats.json")" "$good"
    expect_eq "$file: reasons add up" \
        "$(jq '[.packets.not_decoded_by_reason[]] | add' "$T/stats.json")" \
        "$(jq .packets.not_decoded "$T/stats.json")"

    # The warning: one line per kind of damage, naming the file; none for a good file.
    if [ "$message" = - ]; then
        [ ! -s "$T/err.txt" ] || fail "$file ($what): unexpected output: $(cat "$T/err.txt")"
    else
        grep -qE "warning: $path: $message" "$T/err.txt" ||
            fail "$file ($what): no clear warning: $(cat "$T/err.txt")"
    fi

    # Decoded packets are all in flows; the flows that are cloud usage are in Redis.
    in_flows=$(jq -s '[.[].network.packets] | add // 0' "$T/flows.json")
    expect_eq "$file: decoded packets = packets of the flow log" \
        "$(jq .packets.decoded "$T/stats.json")" "$in_flows"
    external=$(jq -s '[.[] | select(.shadowtap.internal == false) | .network.packets] | add // 0' \
        "$T/flows.json")
    stored=0
    for key in $(rcli -n $db --scan --pattern 'shadowtap:month:*'); do
        [ "$(rcli -n $db type "$key")" = hash ] || continue
        n=$(rcli -n $db hgetall "$key" | paste - - | awk -F'\t' '$1 ~ /\|packets_(up|down)$/ {s += $2} END {print s + 0}')
        stored=$((stored + n))
    done
    expect_eq "$file: packets in Redis = packets of external flows" "$stored" "$external"
    [ "$good" -eq 0 ] || [ "$external" -gt 0 ] || [ "$(jq .packets.decoded "$T/stats.json")" -eq 0 ] ||
        fail "$file: no flow reached Redis"

    # What each kind of damage must show in the statistics.
    case $file in
    cut_in_* | caplen_over_max.pcap | two_snaplens.pcapng | two_linktypes.pcapng)
        expect_eq "$file: file_errors" "$(jq .packets.file_errors "$T/stats.json")" 1 ;;
    caplen_over_len.pcap)
        expect_eq "$file: caplen_over_len" "$(jq .packets.caplen_over_len "$T/stats.json")" \
            $(((good + 9) / 10)) ;;
    zero_length.pcap)
        [ "$(jq .packets.not_decoded_by_reason.truncated "$T/stats.json")" -ge $((good - 300)) ] ||
            fail "$file: empty packets not counted as truncated" ;;
    linktype_*)
        expect_eq "$file: not decoded for the link type" \
            "$(jq .packets.not_decoded_by_reason.unsupported_link "$T/stats.json")" "$good" ;;
    esac
    case $file in
    cut_in_* | caplen_over_max.pcap | two_*.pcapng | linktype_* | caplen_over_len.pcap | zero_length.pcap) ;;
    *) expect_eq "$file: file_errors" "$(jq .packets.file_errors "$T/stats.json")" 0 ;;
    esac
    pass "$file: $what: exit 0, $good packets ($(jq -r '"\(.packets.decoded) decoded, \(.packets.not_decoded) not"' \
        "$T/stats.json")), $stored in Redis"
done <"$T/bad/cases.tsv"
[ "$db" -ge 15 ] || fail "only $db cases"

# The same cases, through standard input: libpcap reads them from a pipe.
set +e
sensor -r - --rules "$RULES" --redis "$REDIS_URL?db=100" --sensor-id bad --workers 1 \
    --stats "$T/stats.json" <"$T/bad/cut_in_packet_data.pcap" 2>"$T/err.txt"
rc=$?
set -e
sanitizer_report "$T/err.txt" && fail "standard input: sanitizer report"
expect_eq "cut file on standard input: exit status" "$rc" 0
expect_eq "cut file on standard input: packets" "$(jq .packets.received "$T/stats.json")" 150
pass "a cut file on standard input: exit 0, the packets before the cut counted"
