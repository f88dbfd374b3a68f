#!/usr/bin/env bash
# --check-config reads the configuration and every rules file without starting
# capture: exit 0 when all is well; a bad line appended to each rules file, or to
# the configuration, is refused with exit 2 and its file:line.
. "$(dirname "$0")/lib.sh"
cp -r "$RULES" "$T/rules"
cat >"$T/shadowtap.conf" <<CONF
# a good configuration
rules = $T/rules
[redis]
url = unix://$T/redis.sock
flush_interval = 30s
[flow]
max_flows = 500000
CONF

check() { "$SENSOR" --check-config -c "$T/shadowtap.conf" "$@"; }
out=$(check 2>&1) || fail "good configuration refused: $out"
grep -q "configuration OK" <<<"$out" || fail "no OK line: $out"
pass "good configuration and rules: exit 0"

# expect_refused FILE LINE-TEXT [MESSAGE]: appends the line, expects exit 2 and
# FILE:N (followed by MESSAGE when given).
expect_refused() {
    local file=$1 text=$2 message=${3:-} lines rc out
    cp "$file" "$T/saved"
    printf '%s\n' "$text" >>"$file"
    lines=$(wc -l <"$file")
    set +e
    out=$(check 2>&1)
    rc=$?
    set -e
    cp "$T/saved" "$file"
    [ $rc -eq 2 ] || fail "$(basename "$file") + '$text': exit $rc, expected 2"
    grep -q "^$file:$lines: " <<<"$out" || fail "$(basename "$file") + '$text': no '$file:$lines:' in: $out"
    grep -qF "$file:$lines: $message" <<<"$out" ||
        fail "$(basename "$file") + '$text': no '$file:$lines: $message' in: $out"
    pass "$(basename "$file") + '$text' -> $(grep "^$file:$lines: " <<<"$out" | head -1)"
}
expect_refused "$T/rules/services.conf" "bogus line without equals"
expect_refused "$T/rules/services.conf" "category = no-such-category"
expect_refused "$T/rules/departments.conf" "networks = 10.0.0/8"
expect_refused "$T/rules/policy.conf" "status = maybe"
expect_refused "$T/shadowtap.conf" "max_flows = lots"
expect_refused "$T/shadowtap.conf" "no_such_setting = 1"

# Tenant patterns in the catalog and own tenants in the policy (issue 15).  The
# last section of the shipped services.conf is openstreetmap, of policy.conf
# huawei: neither has tenant patterns.
expect_refused "$T/rules/services.conf" "tenants = *.{tenant}.openstreetmap.org" \
    'tenant pattern "*.{tenant}.openstreetmap.org" has {tenant} after a '"'*'"
expect_refused "$T/rules/services.conf" "tenants = {tenant}.openstreetmap.org.example" \
    'tenant pattern "{tenant}.openstreetmap.org.example" is not under any domain of service "openstreetmap"'
expect_refused "$T/rules/services.conf" "tenants = {tenant}.{tenant}.openstreetmap.org" \
    'tenant pattern "{tenant}.{tenant}.openstreetmap.org" has more than one {tenant} or {tenant+}'
expect_refused "$T/rules/policy.conf" "tenant = contoso" \
    '"tenant" for "huawei", whose catalog entry has no "tenants" patterns'
# ... and accepts a good one: one more own SharePoint tenant (the shipped policy
# already names contoso, which the good configuration above passed with), but
# not the same one twice.
grep -q '^tenant *= *contoso\b' "$T/rules/policy.conf" || fail "no own tenant in the shipped policy.conf"
cp "$T/rules/policy.conf" "$T/saved"
sed -i 's/^\[microsoft-365\]$/&\ntenant = contoso-emea/' "$T/rules/policy.conf"
grep -q '^tenant = contoso-emea$' "$T/rules/policy.conf" || fail "no [microsoft-365] in policy.conf"
out=$(check 2>&1) || fail "policy with an own tenant refused: $out"
cp "$T/saved" "$T/rules/policy.conf"
pass "policy.conf + 'tenant = contoso-emea' under [microsoft-365]: accepted"
sed -i 's/^\[microsoft-365\]$/&\ntenant = Contoso/' "$T/rules/policy.conf"
set +e
out=$(check 2>&1)
rc=$?
set -e
cp "$T/saved" "$T/rules/policy.conf"
[ $rc -eq 2 ] || fail "policy with an own tenant given twice: exit $rc, expected 2: $out"
grep -qE "^$T/rules/policy.conf:[0-9]+: tenant \"contoso\" given twice for \"microsoft-365\"" <<<"$out" \
    || fail "policy with an own tenant given twice: $out"
pass "policy.conf + 'tenant = Contoso' under [microsoft-365] -> $(grep 'given twice' <<<"$out" | head -1)"

# Errors in several files are all reported in one run.
printf 'oops\n' >>"$T/rules/departments.conf"
printf 'oops\n' >>"$T/shadowtap.conf"
set +e
out=$(check 2>&1)
rc=$?
set -e
expect_eq "exit status with two bad files" $rc 2
[ "$(grep -c ': expected "key = value"' <<<"$out")" = 2 ] || fail "both errors not reported: $out"
pass "errors in two files reported together"
