#!/usr/bin/env bash
# Own and other tenants of services whose host names carry one, from a capture
# made here (tests/tools/tenant_capture.py: TLS ClientHellos, the server name
# the only name, no DNS) of SharePoint/OneDrive, Slack, S3 and Box:
#  - the flow log names every flow's tenant class and tenant as sent;
#  - the monthly report splits each service's bytes, flows and devices into
#    own, other and none exactly as sent, in total and per department, names
#    the other tenants with their figures and counts them;
#  - "Uploads to other tenants of sanctioned services" lists exactly the
#    departments and sanctioned services with other-tenant traffic, status
#    other-tenant; the unsanctioned service keeps its status;
#  - privacy.min_devices hides names and departments seen from too few devices
#    and counts what it hid;
#  - the department report, the CSV and the HTML say the same;
#  - one other-tenant-upload event per department, sanctioned service and hour
#    past events.other_tenant_threshold, none for the own tenant's large upload.
. "$(dirname "$0")/lib.sh"
with_redis

python3 "$SRC/tests/tools/tenant_capture.py" "$T/t.pcap" "$T/truth.json" || fail "tenant_capture.py"
MONTH=2026-11
THRESHOLD=1000000

# The shipped rules with these own tenants (whatever the shipped policy names).
cp -r "$RULES" "$T/rules"
grep -v '^tenant[[:space:]]*=' "$RULES/policy.conf" |
    awk '{ print }
         /^\[microsoft-365\]/ { print "tenant = contoso" }
         /^\[slack\]/ { print "tenant = contoso" }
         /^\[aws\]/ { print "tenant = contoso-backups" }' >"$T/rules/policy.conf"
"$SENSOR" --check-config --rules "$T/rules" >/dev/null 2>&1 || fail "the test's rules do not load"

sensor -r "$T/t.pcap" --rules "$T/rules" --redis "$REDIS_URL" --sensor-id t1 \
    --flow-log "$T/flows.json" --events "$T/events.json" \
    --set events.other_tenant_threshold=$THRESHOLD || fail "sensor exited $?"
report() { "$REPORT" --redis "$REDIS_URL" --rules "$T/rules" "$@"; }
report --set privacy.min_devices=1 monthly --month $MONTH >"$T/m1.json" || fail "monthly"
report --set privacy.min_devices=2 monthly --month $MONTH >"$T/m2.json" || fail "monthly, k = 2"
report catalog >"$T/catalog.json" || fail "catalog"
python3 "$SRC/tests/integration/validate_report.py" "$SRC/docs/report.schema.json" \
    "$T/m1.json" "$T/m2.json" >&2 || fail "the reports do not match the schema"

# The flow log: every flow's class and tenant as sent.
jq -r '.[] | [.client, .server_name, .class, (.tenant // "-"), .bytes_up, .bytes_down] | @tsv' \
    "$T/truth.json" | sort >"$T/want-flows.tsv"
jq -r '[.source.ip, .destination.domain, .shadowtap.tenant.class, (.shadowtap.tenant.name // "-"),
        .source.bytes, .destination.bytes] | @tsv' "$T/flows.json" | sort >"$T/got-flows.tsv"
diff -u "$T/want-flows.tsv" "$T/got-flows.tsv" >&2 || fail "flow log tenants differ from what was sent"
pass "flow log: $(wc -l <"$T/want-flows.tsv") flows with the class and tenant sent"

# figures FILTER: service, class, department (* for all) -> up, down, flows, devices.
truth_figures() {
    jq -r '
        def figs: {up: (map(.bytes_up) | add), down: (map(.bytes_down) | add),
                   flows: length, devices: (map(.client) | unique | length)};
        (group_by([.service, .class]) | .[] |
            [.[0].service, .[0].class, "*"] + (figs | [.up, .down, .flows, .devices])),
        (group_by([.service, .class, .department]) | .[] |
            [.[0].service, .[0].class, .[0].department] + (figs | [.up, .down, .flows, .devices]))
        | @tsv' "$T/truth.json" | sort
}
report_figures() {
    jq -r '.services[] | select(.tenants) | .id as $s | .tenants |
        (["own", "other", "none"][] as $c | .[$c] | select(.flows > 0) |
            [$s, $c, "*", .bytes_up, .bytes_down, .flows, .devices]),
        (.departments[] | .id as $d | ["own", "other", "none"][] as $c | .[$c] |
            select(.flows > 0) | [$s, $c, $d, .bytes_up, .bytes_down, .flows, .devices])
        | @tsv' "$1" | sort
}
truth_figures >"$T/want.tsv"
report_figures "$T/m1.json" >"$T/got.tsv"
diff -u "$T/want.tsv" "$T/got.tsv" >&2 || fail "tenant figures differ from what was sent"
# own + other + none = the service's totals.
jq -r '.services[] | select(.tenants) | [.id, .bytes_up, .bytes_down, .flows,
        ([.tenants.own, .tenants.other, .tenants.none] | map(.bytes_up) | add),
        ([.tenants.own, .tenants.other, .tenants.none] | map(.bytes_down) | add),
        ([.tenants.own, .tenants.other, .tenants.none] | map(.flows) | add)] |
        select(.[1] != .[4] or .[2] != .[5] or .[3] != .[6]) | @tsv' "$T/m1.json" >"$T/bad.tsv"
[ ! -s "$T/bad.tsv" ] || fail "own + other + none differ from a service's totals: $(cat "$T/bad.tsv")"
pass "monthly: $(grep -c $'\t\\*\t' "$T/want.tsv") service classes and $(grep -vc $'\t\\*\t' "$T/want.tsv") department classes split exactly as sent"

# Other tenants' names, and how many there were.
jq -r '[.[] | select(.class == "other")] | group_by([.service, .tenant]) | .[] |
       [.[0].service, .[0].tenant, (map(.bytes_up) | add), (map(.bytes_down) | add), length,
        (map(.client) | unique | length)] | @tsv' "$T/truth.json" | sort >"$T/want-names.tsv"
jq -r '.services[] | select(.tenants) | .id as $s | .tenants.other.names[] |
       [$s, .tenant, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$T/m1.json" |
    sort >"$T/got-names.tsv"
diff -u "$T/want-names.tsv" "$T/got-names.tsv" >&2 || fail "other tenants' names differ"
jq -r '[.[] | select(.class == "other")] | group_by(.service) | .[] |
       [.[0].service, (map(.tenant) | unique | length)] | @tsv' "$T/truth.json" | sort >"$T/want-n.tsv"
jq -r '.services[] | select(.tenants.other.flows > 0) | [.id, .tenants.other.tenants] | @tsv' \
    "$T/m1.json" | sort | diff -u "$T/want-n.tsv" - >&2 || fail "distinct other tenants differ"
pass "monthly: $(wc -l <"$T/want-names.tsv") other tenants named with their bytes, flows and devices"

# Uploads to other tenants of sanctioned services: the departments and
# sanctioned services (the catalog report's status) with other traffic.
jq -r --slurpfile cat "$T/catalog.json" '
    ($cat[0].services | map({(.id): .status}) | add) as $status |
    [.[] | select(.class == "other" and $status[.service] == "sanctioned")] |
    group_by([.department, .service]) | .[] |
    [.[0].department, .[0].service, (map(.bytes_up) | add), (map(.bytes_down) | add), length,
     (map(.client) | unique | length), "other-tenant"] | @tsv' "$T/truth.json" |
    sort >"$T/want-up.tsv"
jq -r '.other_tenant_uploads.rows[] | [.department.id, .service.id, .bytes_up, .bytes_down,
       .flows, .devices, .status] | @tsv' "$T/m1.json" | sort >"$T/got-up.tsv"
diff -u "$T/want-up.tsv" "$T/got-up.tsv" >&2 || fail "uploads to other tenants differ"
expect_eq "uploads total" "$(jq '.other_tenant_uploads.bytes_up' "$T/m1.json")" \
    "$(awk -F'\t' '{ s += $3 } END { print s }' "$T/want-up.tsv")"
expect_eq "box keeps its status" "$(jq -r '.services[] | select(.id == "box") | .tenants.other.status' \
    "$T/m1.json")" "$(jq -r '.services[] | select(.id == "box") | .status' "$T/catalog.json")"
expect_eq "a sanctioned service's other tenants" "$(jq -r '.services[] |
    select(.id == "microsoft-365") | [.status, .tenants.other.status] | join(" ")' "$T/m1.json")" \
    "sanctioned other-tenant"
pass "uploads to other tenants of sanctioned services: $(wc -l <"$T/want-up.tsv") rows as sent"

# privacy.min_devices = 2: names and departments seen from one device are hidden, and counted.
jq -r '[.[] | select(.class == "other")] | group_by([.service, .tenant]) | .[] |
       select((map(.client) | unique | length) >= 2) | [.[0].service, .[0].tenant] | @tsv' \
    "$T/truth.json" | sort >"$T/want-shown.tsv"
jq -r '.services[] | select(.tenants) | .id as $s | .tenants.other.names[] | [$s, .tenant] | @tsv' \
    "$T/m2.json" | sort | diff -u "$T/want-shown.tsv" - >&2 || fail "k = 2: names shown"
expect_eq "k = 2: names hidden" "$(jq '[.services[] | select(.tenants) | .tenants.other.names_hidden.names] | add' \
    "$T/m2.json")" "$(($(wc -l <"$T/want-names.tsv") - $(wc -l <"$T/want-shown.tsv")))"
jq -r 'group_by([.service, .department]) | .[] |
       select(group_by(.class) | all((map(.client) | unique | length) >= 2)) |
       [.[0].service, .[0].department] | @tsv' "$T/truth.json" | sort >"$T/want-depts.tsv"
jq -r '.services[] | select(.tenants) | .id as $s | .tenants.departments[] | [$s, .id] | @tsv' \
    "$T/m2.json" | sort | diff -u "$T/want-depts.tsv" - >&2 || fail "k = 2: departments shown"
expect_eq "k = 2: nothing lost" "$(jq '[.services[] | select(.tenants) | .tenants |
    ((.departments | map(.own.bytes_up + .other.bytes_up + .none.bytes_up) | add // 0) +
     .other_departments.bytes_up)] | add' "$T/m2.json")" \
    "$(jq '[.services[] | select(.tenants) | .tenants | .own.bytes_up + .other.bytes_up + .none.bytes_up] | add' "$T/m2.json")"
pass "privacy.min_devices = 2: $(wc -l <"$T/want-shown.tsv") names and $(wc -l <"$T/want-depts.tsv") departments shown, the rest counted"

# The department report: finance alone.
report --set privacy.min_devices=1 department finance --month $MONTH >"$T/d.json" || fail "department"
python3 "$SRC/tests/integration/validate_report.py" "$SRC/docs/report.schema.json" "$T/d.json" >&2 ||
    fail "the department report does not match the schema"
grep -P '\tfinance\t' "$T/want.tsv" | sed 's/\tfinance\t/\t*\t/' >"$T/want-d.tsv"
jq -r '.services[] | select(.tenants) | .id as $s | .tenants |
       ["own", "other", "none"][] as $c | .[$c] | select(.flows > 0) |
       [$s, $c, "*", .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$T/d.json" | sort |
    diff -u "$T/want-d.tsv" - >&2 || fail "department report: tenant figures"
jq -r '.other_tenant_uploads.rows[] | [.department.id, .service.id, .bytes_up, .bytes_down, .flows,
       .devices, .status] | @tsv' "$T/d.json" | sort | diff -u <(grep '^finance' "$T/want-up.tsv") - >&2 ||
    fail "department report: uploads to other tenants"
pass "department report: finance's tenants as sent"

# CSV rows and HTML.
report --set privacy.min_devices=1 --format csv monthly --month $MONTH >"$T/m.csv" || fail "csv"
python3 "$SRC/tests/integration/csv_to_tsv.py" "$T/m.csv" |
    awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                $c["row"] == "other-tenant" { print $c["department"] "\t" $c["service"] "\t" \
                    $c["bytes_up"] "\t" $c["bytes_down"] "\t" $c["flows"] "\t" $c["devices"] "\t" $c["status"] }' |
    sort | diff -u "$T/want-up.tsv" - >&2 || fail "CSV other-tenant rows"
report --set privacy.min_devices=1 -o "$T/m.html" monthly --month $MONTH || fail "html"
grep -q 'id="tenants"' "$T/m.html" && grep -q '>fabrikam <' "$T/m.html" ||
    fail "the HTML has no tenants section naming fabrikam"
pass "CSV and HTML say the same"

# Events: one per department, sanctioned service and hour past the threshold.
jq -r '.[] | select(.class == "other") | [.department, .service, .bytes_up] | @tsv' "$T/truth.json" |
    awk -F'\t' -v t=$THRESHOLD '{ s[$1 "|" $2] += $3 } END { for (k in s) if (s[k] >= t) print k }' |
    sort >"$T/want-ev.tsv"
grep -q . "$T/want-ev.tsv" || fail "the capture has no upload past the threshold"
jq -r 'select(.event.action == "other-tenant-upload") |
       .shadowtap.department.id + "|" + .shadowtap.service.id' "$T/events.json" | sort >"$T/got-ev.tsv"
diff -u "$T/want-ev.tsv" "$T/got-ev.tsv" >&2 || fail "other-tenant-upload events differ"
jq -e 'select(.event.action == "other-tenant-upload") |
       .shadowtap.upload.bytes >= .shadowtap.upload.threshold and .shadowtap.service.status == "other-tenant"
       and .event.kind == "alert" and (.["@timestamp"] | test("Z$"))' "$T/events.json" >/dev/null ||
    fail "an other-tenant-upload event without its ECS fields"
pass "events: $(wc -l <"$T/want-ev.tsv") other-tenant-upload, none for the own tenant's $(jq '[.[] | select(.class == "own")] | max_by(.bytes_up) | .bytes_up' "$T/truth.json") bytes up"
