#!/usr/bin/env bash
# The sample office day's truth for tenants, GenAI uses and internal model
# servers (issue 15), held against what the sensor and the shipped rules make of
# the same capture, before anything counts them:
#  - the names the truth gives a tenant are read the same by the catalog's
#    templates and the policy's own tenants (tests/tools/tenant_of.c), and the
#    truth covers exactly the day's services that have templates;
#  - from the flow log, the flows of those services split by the tenant of
#    their destination.domain (SNI, Host, or the name the client looked up) give
#    the truth's own, other and none, per department and per tenant name;
#  - the flow log's GenAI flows, by the catalog's vendor and the truth's use,
#    give the truth's genai_uses; the truth's GenAI services are the catalog's;
#  - the internal HTTP servers' flows are internal and give the truth's clients;
# and then what the reports say of the same run, against the truth alone:
#  - the monthly report's tenants (own, other, none; per department; other
#    tenants' names) equal the truth's exactly, and "Uploads to other tenants of
#    sanctioned services" lists the truth's other-tenant traffic of sanctioned
#    services, the leak to fabrikam among it;
#  - the monthly report's GenAI uploads by vendor and use equal the truth's;
#  - the department report of each department says the same for it.
# The same for another seed and a larger scale.
. "$(dirname "$0")/lib.sh"
with_redis
TENANT_OF=$BUILD/tests/tenant-of

"$REPORT" --rules "$RULES" catalog >"$T/catalog.json" || fail "report catalog"
"$TENANT_OF" --rules "$RULES" --templated | sort >"$T/templated.txt"
[ -s "$T/templated.txt" ] || fail "no service with tenant templates"

# check NAME TRUTH FLOWLOG
check() {
    local name=$1 truth=$2 flows=$3

    # Names: the generator's tenants are the rules' tenants.
    jq -r '.tenant_hosts | keys[]' "$truth" | "$TENANT_OF" --rules "$RULES" >"$T/$name-rules.tsv"
    jq -r '.tenant_hosts | to_entries[] | [.key, .value.service, (.value.tenant // "-"), .value.class]
           | @tsv' "$truth" | diff -u - "$T/$name-rules.tsv" >&2 \
        || fail "$name: the truth's tenants differ from the catalog's and the policy's"
    jq -r '.cells[] | keys[]' "$truth" | sort -u | comm -12 - "$T/templated.txt" >"$T/$name-want-svc"
    jq -r '.tenants | keys[]' "$truth" | diff -u "$T/$name-want-svc" - >&2 \
        || fail "$name: the truth's tenant services are not the day's services with templates"
    pass "$name: $(jq '.tenant_hosts | length' "$truth") names read as the rules read them"

    # Tenant classes from the flow log: service, class, department and tenant of
    # every flow of a templated service, through the rules.
    jq -r --rawfile tpl "$T/templated.txt" '
        select(.shadowtap.internal == false and .shadowtap.service.id != null) |
        select(.shadowtap.service.id as $s | $tpl | split("\n") | index($s)) |
        [.destination.domain // "-", .shadowtap.service.id, .shadowtap.department, .source.ip,
         .source.bytes, .destination.bytes] | @tsv' "$flows" >"$T/$name-tflows.tsv"
    cut -f1 "$T/$name-tflows.tsv" | sort -u | grep -vx -- - |
        "$TENANT_OF" --rules "$RULES" >"$T/$name-domains.tsv"
    # service class dept up down flows addresses, and the same per tenant name
    awk -F'\t' 'NR == FNR { svc[$1] = $2; tenant[$1] = $3; cls[$1] = $4; next }
        { c = ($1 in cls) ? cls[$1] : "none"
          if (($1 in svc) && svc[$1] != $2) { print "service of " $1 ": " svc[$1] " vs " $2 > "/dev/stderr"; exit 1 }
          k = $2 "\t" c "\t" $3; up[k] += $5; down[k] += $6; n[k]++
          if (!((k, $4) in seen)) { seen[k, $4] = 1; a[k]++ }
          k = $2 "\t" c "\t*"; up[k] += $5; down[k] += $6; n[k]++
          if (!((k, $4) in seen)) { seen[k, $4] = 1; a[k]++ }
          if (c != "none") { k = $2 "\t" c "\tname:" tenant[$1]; up[k] += $5; down[k] += $6; n[k]++
                             if (!((k, $4) in seen)) { seen[k, $4] = 1; a[k]++ } } }
        END { for (k in n) print k "\t" up[k] "\t" down[k] "\t" n[k] "\t" a[k] }' \
        "$T/$name-domains.tsv" "$T/$name-tflows.tsv" | sort >"$T/$name-got-tenants.tsv"
    jq -r '.tenants | to_entries[] | .key as $s | .value | to_entries[] | .key as $c | .value |
           select(.flows > 0) |
           ([$s, $c, "*", .bytes_up, .bytes_down, .flows, .addresses] | @tsv),
           (.departments | to_entries[] | [$s, $c, .key, .value.bytes_up, .value.bytes_down,
                                           .value.flows, .value.addresses] | @tsv),
           ((.names // {}) | to_entries[] | [$s, $c, "name:" + .key, .value.bytes_up,
                                             .value.bytes_down, .value.flows, .value.addresses] | @tsv)' \
        "$truth" | sort >"$T/$name-want-tenants.tsv"
    diff -u "$T/$name-want-tenants.tsv" "$T/$name-got-tenants.tsv" >&2 \
        || fail "$name: tenants from the flow log differ from the truth"
    # own + other + none = the service's cells
    jq -r '.tenants | to_entries[] | [.key, ([.value[].bytes_up] | add), ([.value[].bytes_down] | add),
           ([.value[].flows] | add)] | @tsv' "$truth" | sort >"$T/$name-classes.tsv"
    jq -r --rawfile tpl "$T/templated.txt" '.cells | [to_entries[] | .value | to_entries[]] |
           map(select(.key as $s | $tpl | split("\n") | index($s))) | group_by(.key)[] |
           [.[0].key, (map(.value.bytes_up) | add), (map(.value.bytes_down) | add),
            (map(.value.flows) | add)] | @tsv' "$truth" | sort |
        diff -u - "$T/$name-classes.tsv" >&2 || fail "$name: own + other + none differ from the cells"
    pass "$name: tenants of $(wc -l <"$T/$name-want-svc") services equal the flow log read through the rules ($(grep -c $'\tname:' "$T/$name-want-tenants.tsv") tenant names)"

    # GenAI: the truth's services are the day's genai services, with the catalog's vendors.
    jq -r '.genai_services | to_entries[] | [.key, .value.vendor] | @tsv' "$truth" | sort >"$T/$name-gsvc.tsv"
    jq -r --slurpfile t "$truth" '.services[] | select(.category == "genai") |
           select(.id as $id | $t[0].cells | [.[] | keys[]] | index($id)) | [.id, .vendor] | @tsv' \
        "$T/catalog.json" | sort | diff -u - "$T/$name-gsvc.tsv" >&2 \
        || fail "$name: the truth's GenAI services or vendors differ from the catalog"
    jq -r --slurpfile t "$truth" '
        select(.shadowtap.internal == false and .shadowtap.service.category == "genai") |
        $t[0].genai_services[.shadowtap.service.id] as $g |
        [.shadowtap.department, $g.vendor, $g.use, .source.ip, .source.bytes, .destination.bytes] | @tsv' \
        "$flows" | awk -F'\t' '{ k = $1 "\t" $2 "\t" $3; up[k] += $5; down[k] += $6; n[k]++
                                 if (!((k, $4) in seen)) { seen[k, $4] = 1; a[k]++ } }
                               END { for (k in n) print k "\t" up[k] "\t" down[k] "\t" n[k] "\t" a[k] }' |
        sort >"$T/$name-got-genai.tsv"
    jq -r '.genai_uses | to_entries[] | .key as $d | .value | to_entries[] | .key as $v | .value |
           to_entries[] | select(.value.flows > 0) |
           [$d, $v, .key, .value.bytes_up, .value.bytes_down, .value.flows, .value.addresses] | @tsv' \
        "$truth" | sort >"$T/$name-want-genai.tsv"
    diff -u "$T/$name-want-genai.tsv" "$T/$name-got-genai.tsv" >&2 \
        || fail "$name: GenAI uses from the flow log differ from the truth"
    for use in app api; do
        [ "$(awk -F'\t' -v u=$use '$3 == u' "$T/$name-want-genai.tsv" | cut -f1 | sort -u | wc -l)" -ge 2 ] \
            || fail "$name: fewer than two departments with GenAI $use use"
    done
    pass "$name: GenAI uses by department, vendor and use equal the flow log ($(wc -l <"$T/$name-want-genai.tsv") rows)"

    # Internal HTTP servers: internal flows, their clients as in the truth.
    jq -r '(.internal_ai_servers + .internal_not_ai) | to_entries[] | .key as $s | .value.clients |
           to_entries[] | [$s, .key, .value.bytes_up, .value.bytes_down, .value.flows,
                           .value.addresses] | @tsv' "$truth" | sort >"$T/$name-want-servers.tsv"
    jq -r --slurpfile t "$truth" '
        ("\(.destination.ip):\(.destination.port)") as $k |
        select(($t[0].internal_ai_servers + $t[0].internal_not_ai) | has($k)) |
        [$k, .shadowtap.department, .source.ip, .source.bytes, .destination.bytes,
         .shadowtap.internal, .shadowtap.service.id] | @tsv' "$flows" >"$T/$name-sflows.tsv"
    awk -F'\t' '$6 != "true" || $7 != "" { print "not internal or classified: " $0; bad = 1 }
                END { exit bad }' "$T/$name-sflows.tsv" >&2 || fail "$name: internal server flows counted"
    # Plain HTTP, named by its Host header: the server's name, or its address.
    jq -r --slurpfile t "$truth" '
        ("\(.destination.ip):\(.destination.port)") as $k |
        (($t[0].internal_ai_servers + $t[0].internal_not_ai)[$k]) as $s | select($s) |
        select(.shadowtap.ndpi.protocol != "HTTP" or .destination.domain != ($s.name // $s.address)) |
        [$k, .shadowtap.ndpi.protocol, .destination.domain] | @tsv' "$flows" >"$T/$name-nothttp.tsv"
    [ ! -s "$T/$name-nothttp.tsv" ] || { cat "$T/$name-nothttp.tsv" >&2
        fail "$name: internal server flows that are not HTTP with the server's name as Host"; }
    awk -F'\t' '{ k = $1 "\t" $2; up[k] += $4; down[k] += $5; n[k]++
                  if (!((k, $3) in seen)) { seen[k, $3] = 1; a[k]++ } }
                END { for (k in n) print k "\t" up[k] "\t" down[k] "\t" n[k] "\t" a[k] }' \
        "$T/$name-sflows.tsv" | sort | diff -u "$T/$name-want-servers.tsv" - >&2 \
        || fail "$name: internal servers' clients differ from the flow log"
    jq -e '[.internal_ai_servers[] | select((.clients | length) >= 2)] | length >= 2' "$truth" >/dev/null \
        || fail "$name: fewer than two model servers with clients in two departments"
    jq -e '.internal_ai_servers | to_entries | map(.value.api) | sort == ["ollama", "openai-compatible"]' \
        "$truth" >/dev/null || fail "$name: model server kinds"
    jq -e '[.internal_ai_servers[] | .department] | sort == ["engineering", "it"]' "$truth" >/dev/null \
        || fail "$name: model servers' departments"
    jq -e '[.internal_ai_servers[] | .requests | to_entries[] | select(.value > 0) | .key] | sort ==
           ["GET /api/tags", "GET /v1/models", "POST /api/chat", "POST /api/generate",
            "POST /v1/chat/completions", "POST /v1/completions", "POST /v1/embeddings"]' \
        "$truth" >/dev/null || fail "$name: not every model API request is in the day"
    jq -e '(.internal_ai_servers | [.[].requests[]] | add > 0) and
           (.internal_not_ai | length == 1) and ([.internal_not_ai[].flows] | add > 0)' "$truth" >/dev/null \
        || fail "$name: requests or the server that is no model server"
    pass "$name: internal HTTP servers' flows are internal, clients as in the truth ($(wc -l <"$T/$name-want-servers.tsv") rows)"
}

# check_reports NAME TRUTH REDIS_URL FLOWLOG
check_reports() {
    local name=$1 truth=$2 url=$3 flows=$4
    local month
    month=$(jq -r '.event.start[0:7]' "$flows" | sort -u | head -1)
    "$REPORT" --rules "$RULES" --redis "$url" --set privacy.min_devices=1 monthly --month "$month" \
        >"$T/$name-m.json" || fail "$name: monthly"
    python3 "$SRC/tests/integration/validate_report.py" "$SRC/docs/report.schema.json" \
        "$T/$name-m.json" >&2 || fail "$name: the monthly report does not match the schema"

    # Tenants: every figure of the truth (own and other names aside: the
    # report names other tenants only).
    grep -v $'\town\tname:' "$T/$name-want-tenants.tsv" >"$T/$name-want-rt.tsv"
    jq -r '.services[] | select(.tenants) | .id as $s | .tenants |
        (["own", "other", "none"][] as $c | .[$c] | select(.flows > 0) |
            [$s, $c, "*", .bytes_up, .bytes_down, .flows, .devices]),
        (.departments[] | .id as $d | ["own", "other", "none"][] as $c | .[$c] |
            select(.flows > 0) | [$s, $c, $d, .bytes_up, .bytes_down, .flows, .devices]),
        (.other.names[] | [$s, "other", "name:" + .tenant, .bytes_up, .bytes_down, .flows, .devices])
        | @tsv' "$T/$name-m.json" | sort >"$T/$name-got-rt.tsv"
    diff -u "$T/$name-want-rt.tsv" "$T/$name-got-rt.tsv" >&2 ||
        fail "$name: the monthly report's tenants differ from the truth"
    jq -r --slurpfile cat "$T/catalog.json" '
        ($cat[0].services | map({(.id): .status}) | add) as $status |
        .tenants | to_entries[] | select($status[.key] == "sanctioned") | .key as $s |
        .value.other.departments // {} | to_entries[] | select(.value.flows > 0) |
        [.key, $s, .value.bytes_up, .value.bytes_down, .value.flows, .value.addresses] | @tsv' \
        "$truth" | sort >"$T/$name-want-up.tsv"
    jq -r '.other_tenant_uploads.rows[] | select(.status == "other-tenant") |
           [.department.id, .service.id, .bytes_up, .bytes_down, .flows, .devices] | @tsv' \
        "$T/$name-m.json" | sort | diff -u "$T/$name-want-up.tsv" - >&2 ||
        fail "$name: uploads to other tenants of sanctioned services differ from the truth"
    jq -e '.other_tenant_uploads.rows[] | select(.department.id == "finance" and
           .service.id == "microsoft-365") | .bytes_up > 1000000 and
           any(.names[]; .tenant == "fabrikam")' "$T/$name-m.json" >/dev/null ||
        fail "$name: the leak to fabrikam is not among the uploads to other tenants"
    pass "$name: monthly tenants equal the truth ($(wc -l <"$T/$name-want-rt.tsv") figures), $(wc -l <"$T/$name-want-up.tsv") rows of uploads to other tenants of sanctioned services"

    # GenAI: uploads by department, vendor and use.
    jq -r '.genai_uses | to_entries[] | .key as $d | .value | to_entries[] | .key as $v | .value |
           to_entries[] | select(.value.flows > 0) |
           [$d, $v, .key, .value.bytes_up, .value.bytes_down, .value.flows] | @tsv' "$truth" |
        sort >"$T/$name-want-gu.tsv"
    jq -r '.genai_uploads.departments[] | .id as $d | .by_vendor_use[] |
           [$d, .vendor, .use, .bytes_up, .bytes_down, .flows] | @tsv' "$T/$name-m.json" |
        sort | diff -u "$T/$name-want-gu.tsv" - >&2 ||
        fail "$name: GenAI uploads by vendor and use differ from the truth"
    pass "$name: GenAI uploads by department, vendor and use equal the truth ($(wc -l <"$T/$name-want-gu.tsv") rows)"

    # Each department's report says the same for it.
    local d
    for d in $(jq -r '.departments[].id' "$T/$name-m.json"); do
        "$REPORT" --rules "$RULES" --redis "$url" --set privacy.min_devices=1 department "$d" \
            --month "$month" >"$T/$name-d.json" || fail "$name: department $d"
        jq -r --arg d "$d" '.services[] | select(.tenants) | .id as $s | .tenants |
            ["own", "other", "none"][] as $c | .[$c] | select(.flows > 0) |
            [$s, $c, $d, .bytes_up, .bytes_down, .flows, .devices] | @tsv' "$T/$name-d.json" |
            sort | diff -u <(awk -F'\t' -v d="$d" '$3 == d' "$T/$name-want-rt.tsv") - >&2 ||
            fail "$name: department $d: tenants differ from the truth"
        jq -r '.other_tenant_uploads.rows[] | [.department.id, .service.id, .bytes_up,
               .bytes_down, .flows, .devices] | @tsv' "$T/$name-d.json" | sort |
            diff -u <(awk -F'\t' -v d="$d" '$1 == d' "$T/$name-want-up.tsv") - >&2 ||
            fail "$name: department $d: uploads to other tenants differ from the truth"
    done
    pass "$name: every department's report has its tenants as in the truth"
}

sample
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL?db=1" --sensor-id t1 --workers 2 \
    --flow-log "$T/flows-1.json" || fail "sensor exited $?"
check "seed 1" "$T/truth.json" "$T/flows-1.json"
check_reports "seed 1" "$T/truth.json" "$REDIS_URL?db=1" "$T/flows-1.json"

# Somebody else's big upload to a sanctioned service: finance to fabrikam's OneDrive.
expect_eq "the leak" "$(jq '.tenants["microsoft-365"].other.departments.finance.bytes_up > 1000000' \
    "$T/truth.json")" true

"$GEN" -o "$T/s7.pcap" -t "$T/s7.json" --seed 7 --scale 2 || fail "gen-sample --seed 7 --scale 2"
sensor -r "$T/s7.pcap" --rules "$RULES" --redis "$REDIS_URL?db=2" --sensor-id t2 --workers 2 \
    --flow-log "$T/flows-2.json" || fail "sensor exited $?"
check "seed 7, scale 2" "$T/s7.json" "$T/flows-2.json"
check_reports "seed 7, scale 2" "$T/s7.json" "$REDIS_URL?db=2" "$T/flows-2.json"
