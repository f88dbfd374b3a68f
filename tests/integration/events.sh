#!/usr/bin/env bash
# Events from the sample capture, in the --events file and the Redis stream:
# every service first seen in the organisation and in each department, use of
# unsanctioned and prohibited services (at most once per department, service and
# hour), and uploads above the configured volume in an hour.  A second run over
# the same traffic raises no "first seen" event again.
. "$(dirname "$0")/lib.sh"
with_redis
sample
threshold=204800

sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id ev \
    --events "$T/events.json" --flow-log "$T/flows.json" \
    --set events.upload_threshold=$threshold || fail "sensor exited $?"
lines=$(wc -l <"$T/events.json")
[ "$lines" -gt 0 ] || fail "no events"
jq -e 'select(.event.kind != "alert" or (.event.action | IN("service-first-seen",
        "service-first-seen-in-department", "unsanctioned-use", "upload-spike",
        "other-tenant-upload") | not))' \
    "$T/events.json" >/dev/null && fail "an event of unknown kind or action"
count() { jq -r --arg a "$1" 'select(.event.action == $a) | .shadowtap.department.id + "|" +
          .shadowtap.service.id + "|" + .shadowtap.hour' "$T/events.json" | sort; }

# First seen in the organisation: once per service of the truth.
got=$(jq -r 'select(.event.action == "service-first-seen") | .shadowtap.service.id' \
    "$T/events.json" | sort)
want=$(jq -r '[.cells[] | keys[]] | unique[] | select(. != "unclassified")' "$T/truth.json" | sort)
expect_eq "services first seen" "$got" "$want"
# First seen in a department: once per (department, service) cell of the truth.
got=$(jq -r 'select(.event.action == "service-first-seen-in-department") |
             .shadowtap.department.id + "|" + .shadowtap.service.id' "$T/events.json" | sort)
want=$(jq -r '.cells | to_entries[] | .key as $d | .value | keys[] | select(. != "unclassified") |
              $d + "|" + .' "$T/truth.json" | sort)
expect_eq "services first seen per department" "$got" "$want"
pass "first-seen events: $(echo "$want" | wc -l) department/service pairs"

# Unsanctioned use: unique per hour, and for exactly the (department, service)
# pairs whose flows the flow log marks unsanctioned or prohibited.
dups=$(count unsanctioned-use | uniq -d)
[ -z "$dups" ] || fail "more than one unsanctioned-use event for: $dups"
got=$(count unsanctioned-use | cut -d'|' -f1,2 | sort -u)
want=$(jq -r 'select(.shadowtap.internal == false and
                     (.shadowtap.service.status | IN("unsanctioned", "prohibited"))) |
              .shadowtap.department + "|" + .shadowtap.service.id' "$T/flows.json" | sort -u)
expect_eq "departments and services with unsanctioned use" "$got" "$want"
jq -e 'select(.event.action == "unsanctioned-use" and
              (.shadowtap.service.status | IN("unsanctioned", "prohibited") | not))' \
    "$T/events.json" >/dev/null && fail "unsanctioned-use event for a service in good standing"
pass "unsanctioned-use events: $(count unsanctioned-use | wc -l), once per department, service and hour"

# Upload spikes: at least one at this threshold, each once, each above it.
spikes=$(count upload-spike | wc -l)
[ "$spikes" -ge 1 ] || fail "no upload-spike event at threshold $threshold"
[ -z "$(count upload-spike | uniq -d)" ] || fail "duplicate upload-spike events"
jq -e --argjson t $threshold 'select(.event.action == "upload-spike" and
        (.shadowtap.upload.bytes < $t or .shadowtap.upload.threshold != $t))' \
    "$T/events.json" >/dev/null && fail "an upload-spike event below the threshold"
pass "upload-spike events: $spikes"

# The Redis stream holds the same events.
expect_eq "stream length" "$(rcli xlen shadowtap:events)" "$lines"
rcli xrange shadowtap:events - + | awk 'prev == "action" {print} {prev = $0}' | sort | uniq -c |
    awk '{print $2, $1}' | sort >"$T/stream.txt"
jq -r .event.action "$T/events.json" | sort | uniq -c | awk '{print $2, $1}' | sort >"$T/file.txt"
diff "$T/file.txt" "$T/stream.txt" >/dev/null || fail "stream and file disagree: $(cat "$T/stream.txt")"
pass "the Redis stream holds the same $lines events"

# The same traffic again: nothing is new any more, and the hours are alerted.
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id ev \
    --events "$T/events2.json" --set events.upload_threshold=$threshold || fail "second run exited $?"
again=$(jq -r 'select(.event.action | IN("service-first-seen", "service-first-seen-in-department",
                                         "unsanctioned-use")) | .event.action' "$T/events2.json" | wc -l)
expect_eq "first-seen or repeated unsanctioned events on the second run" "$again" 0
pass "a second run over the same traffic raises nothing new"
