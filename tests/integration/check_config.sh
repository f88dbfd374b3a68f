#!/usr/bin/env bash
# --check-config reads the configuration, every rules file and the assignment
# feed without starting capture: exit 0 when all is well; a bad line appended to
# each rules file, to the feed, or to the configuration, is refused with exit 2
# and its file:line.  Lines naming a MAC, a DHCP host name or an address are
# refused without the message repeating it (issue 16).
. "$(dirname "$0")/lib.sh"
cp -r "$RULES" "$T/rules"
cat >"$T/feed.txt" <<FEED
# the assignment feed: address or MAC, department, until
10.20.30.40        finance      2026-11-30T18:00:00Z
fd00:20::17        sales
00:1b:63:84:45:e6  engineering  1790000000
FEED
cat >"$T/shadowtap.conf" <<CONF
# a good configuration
rules = $T/rules
departments.assignments = $T/feed.txt
[redis]
url = unix://$T/redis.sock
flush_interval = 30s
[flow]
max_flows = 500000
CONF

check() { "$SENSOR" --check-config -c "$T/shadowtap.conf" "$@"; }
out=$(check 2>&1) || fail "good configuration refused: $out"
grep -q "configuration OK" <<<"$out" || fail "no OK line: $out"
grep -qx "assignment feed $T/feed.txt: 2 addresses, 1 MACs" <<<"$out" || fail "no feed line: $out"
pass "good configuration, rules and assignment feed: exit 0"

# expect_refused FILE LINE-TEXT [MESSAGE [SECRET]]: appends the line, expects exit 2
# and FILE:N (followed by MESSAGE when given), and no SECRET anywhere in the output.
expect_refused() {
    local file=$1 text=$2 message=${3:-} secret=${4:-} lines rc out
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
    if [ -n "$secret" ] && grep -qiF -- "$secret" <<<"$out"; then
        fail "$(basename "$file") + '$text': the output repeats '$secret': $out"
    fi
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

# Device rules in departments.conf (issue 16).  The last section of the shipped
# departments.conf is research.
D=$T/rules/departments.conf
expect_refused "$D" "macs = 00:1b:63 de:ad:b" \
    'word 2 of "macs" is not a MAC or MAC prefix (expected like 00:1b:63:84:45:e6, or 1 to 5 octets such as the OUI 00-1B-63)' "de:ad"
expect_refused "$D" "macs = de:ad:be:ef:00:01:02" 'word 1 of "macs" is not a MAC or MAC prefix' "de:ad"
expect_refused "$D" "macs = dead.beef.0001" 'word 1 of "macs" is not a MAC or MAC prefix' "dead"
expect_refused "$D" "macs = de:ad-be" 'word 1 of "macs" is not a MAC or MAC prefix' "de:ad"
expect_refused "$D" "macs =" '"macs" is empty (expected MACs or prefixes like 00:1b:63:84:45:e6 or 00:1b:63)'
expect_refused "$D" "$(printf 'macs = de:ad:be\n[lab-2]\nmacs = 02 DE-AD-BE')" \
    'word 2 of "macs" is already given to "research" (line' "de:ad"
expect_refused "$D" "dhcp_names = RES-* bob/laptop" \
    "pattern 2 of \"dhcp_names\" has '/', which cannot be in a host name" "bob"
expect_refused "$D" "dhcp_names = j$(printf '\303\266')rg-*" \
    'pattern 1 of "dhcp_names" has byte 0xc3, which cannot be in a host name' "rg-"
expect_refused "$D" "dhcp_names = bob-$(printf 'x%.0s' $(seq 60))" \
    'pattern 1 of "dhcp_names" is longer than 63 characters' "bob"
expect_refused "$D" "dhcp_names = bob[a-" "pattern 1 of \"dhcp_names\" has a '[' without its ']'" "bob"
expect_refused "$D" "dhcp_names = bob[]" 'pattern 1 of "dhcp_names" has an empty [...]' "bob"
expect_refused "$D" "dhcp_names = bob[z-a]" 'pattern 1 of "dhcp_names" has a backwards range in a [...]' "bob"
expect_refused "$D" "dhcp_names =" '"dhcp_names" is empty (expected host-name patterns like FIN-* or *-acct-*)'
expect_refused "$D" "$(printf 'dhcp_names = BOB-*\n[lab-2]\ndhcp_names = x-* bob-*')" \
    'pattern 2 of "dhcp_names" is already given to "research" (line' "bob"
expect_refused "$D" "[lab-2]" \
    'department "lab-2" has none of "networks", "vlans", "macs" or "dhcp_names"'
expect_refused "$D" "colour = red" 'unknown key "colour" (expected name, networks, vlans, macs or dhcp_names)'
# ... and accepts good ones: a department of device rules alone, an OUI in one and a
# whole MAC of it in another.
cp "$D" "$T/saved"
printf 'macs = 00:1b:63\n[lab-2]\ndhcp_names = LAB2-* ws-[a-c]?\nmacs = 00-1B-63-84-45-E6\n' >>"$D"
out=$(check 2>&1) || fail "departments with device rules refused: $out"
cp "$T/saved" "$D"
pass "departments.conf + device rules (an OUI, a MAC in it elsewhere, patterns): accepted"

# The assignment feed (departments.assignments).
F=$T/feed.txt
expect_refused "$F" "10.1.1.300 sales" \
    "the first field is not an IPv4 or IPv6 address or a MAC (expected like 10.1.2.3, fd00::5 or 00:1b:63:84:45:e6; one device, no prefix)" \
    "10.1.1.300"
expect_refused "$F" "10.9.0.0/16 sales" "the first field is not an IPv4 or IPv6 address or a MAC" "10.9.0"
expect_refused "$F" "bob-laptop sales" "the first field is not an IPv4 or IPv6 address or a MAC" "bob"
expect_refused "$F" "de:ad:be:ef:00 sales" \
    "the first field is a MAC prefix: the feed names single devices (a MAC has 6 octets); prefixes belong in departments.conf's \"macs\"" \
    "de:ad"
expect_refused "$F" "10.1.1.1 finace" 'unknown department "finace" (not in departments.conf)' "10.1.1.1"
expect_refused "$F" "10.1.1.1 de-ad-be-ef-00-01" "the second field is not a department id of departments.conf" "de-ad"
expect_refused "$F" "10.1.1.1 unassigned" \
    '"unassigned" cannot be assigned: leave the device out of the feed instead' "10.1.1.1"
expect_refused "$F" "10.1.1.1 sales 2026-02-30T00:00:00Z" \
    "the expiry is not a time (expected YYYY-MM-DDTHH:MM:SSZ in UTC, like 2026-11-30T18:00:00Z, or unix seconds)" \
    "02-30"
expect_refused "$F" "10.1.1.1 sales bob" "the expiry is not a time" "bob"
expect_refused "$F" "10.1.1.1 sales 1790000000 bob" \
    "expected ADDRESS-or-MAC DEPARTMENT [UNTIL] (more than three fields; a comment starts with '#')" "bob"
expect_refused "$F" "10.1.1.1" "expected ADDRESS-or-MAC DEPARTMENT [UNTIL] (the department is missing)" "10.1.1.1"
expect_refused "$F" "::ffff:10.20.30.40 sales" "the same address as line 2: a device may be listed once" "10.20.30"
expect_refused "$F" "00-1B-63-84-45-E6 sales" "the same MAC as line 4: a device may be listed once" "1b-63"
expect_refused "$F" "$(printf '10.1.1.1 sales\001')" "control character in line (is this a text file?)" "10.1.1.1"
# A feed file that is not there; a feed naming a department the departments lose.
sed -i "s|^departments.assignments = .*|departments.assignments = $T/no-such-feed|" "$T/shadowtap.conf"
set +e
out=$(check 2>&1)
rc=$?
set -e
expect_eq "exit status with a missing feed" $rc 2
grep -q "^$T/no-such-feed: cannot open: " <<<"$out" || fail "missing feed: $out"
pass "a missing feed file -> $(grep "no-such-feed" <<<"$out" | head -1)"
sed -i "s|^departments.assignments = .*|departments.assignments = $F|" "$T/shadowtap.conf"
out=$(check 2>&1) || fail "the feed put back refused: $out"

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
