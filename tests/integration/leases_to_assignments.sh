#!/usr/bin/env bash
# scripts/leases-to-assignments, the worked example of the assignment feed: small
# ISC dhcpd.leases and Kea kea-leases4.csv files made here become a feed that maps
# what the mapping says (a MAC prefix before a name pattern, the first pattern in
# file order, the last record of an address, only leases active at --now), which
# --check-config accepts; a bad mapping is refused as file:line.
. "$(dirname "$0")/lib.sh"
SCRIPT=$SRC/scripts/leases-to-assignments
command -v python3 >/dev/null || { say "skipped: needs python3"; exit 0; }
NOW=1795000000 # 2026-11-18T11:06:40Z: between the leases' starts and ends below

cat >"$T/mapping" <<'MAP'
# which devices belong where (departments of the shipped rules/departments.conf)
mac   00:1b:63            finance      # the finance laptops' vendor
mac   00:1b:63:84:45:e6   engineering  # ... but this one is on loan
name  FIN-*               finance
name  *-acct-*            finance
name  *-sales             sales        # "bob-acct-sales" is finance's: the first match wins
name  eng-ws-??           engineering
MAP

cat >"$T/dhcpd.leases" <<'LEASES'
# The format of this file is documented in the dhcpd.leases(5) manual page.
# This lease file was written by isc-dhcp-4.4.3-P1

authoring-byte-order little-endian;

lease 10.40.0.10 {
  starts 3 2026/11/18 08:00:00;
  ends 3 2026/11/18 20:00:00;
  cltt 3 2026/11/18 08:00:00;
  binding state active;
  next binding state free;
  rewind binding state free;
  hardware ethernet 02:42:ac:11:00:10;
  uid "\001\002B\254\021\000\020";
  client-hostname "FIN-laptop-7";
}
lease 10.40.0.11 {
  starts 3 2026/11/18 08:00:00;
  ends epoch 1795032000; # Wed Nov 18 20:00:00 2026
  binding state active;
  hardware ethernet 00:1b:63:00:00:01;
  client-hostname "ANNA-MACBOOK";
}
lease 10.40.0.12 {
  starts 3 2026/11/18 08:00:00;
  ends 3 2026/11/18 20:00:00;
  binding state active;
  hardware ethernet 00:1b:63:84:45:e6;
  client-hostname "fin-on-loan";
}
lease 10.40.0.13 {
  starts 3 2026/11/18 08:00:00;
  ends 3 2026/11/18 20:00:00;
  binding state active;
  hardware ethernet 02:42:ac:11:00:13;
  client-hostname "bob-acct-sales";
}
lease 10.40.0.14 {
  starts 3 2026/11/18 07:00:00;
  ends 3 2026/11/18 08:00:00;
  binding state active;
  hardware ethernet 02:42:ac:11:00:14;
  client-hostname "fin-expired";
}
lease 10.40.0.15 {
  starts 3 2026/11/18 08:00:00;
  ends 3 2026/11/18 20:00:00;
  binding state free;
  hardware ethernet 02:42:ac:11:00:15;
  client-hostname "fin-released";
}
lease 10.40.0.16 {
  starts 3 2026/11/18 08:00:00;
  ends 3 2026/11/18 20:00:00;
  binding state active;
  hardware ethernet 02:42:ac:11:00:16;
  client-hostname "printer-3";
}
lease 10.40.0.17 {
  starts 3 2026/11/18 06:00:00;
  ends 3 2026/11/18 20:00:00;
  binding state active;
  hardware ethernet 02:42:ac:11:00:17;
  client-hostname "anna-sales";
}
lease 10.40.0.18 {
  starts 3 2026/11/18 08:00:00;
  ends never;
  binding state active;
  hardware ethernet 02:42:ac:11:00:18;
  client-hostname "eng-ws-07";
}
lease 10.40.0.17 {
  starts 3 2026/11/18 09:00:00;
  ends 3 2026/11/18 21:00:00;
  binding state active;
  hardware ethernet 02:42:ac:11:00:27;
  client-hostname "eng-ws-27";
}
LEASES

cat >"$T/kea-leases4.csv" <<'KEA'
address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state,user_context,pool_id
10.50.0.20,02:42:ac:11:00:20,01:02:42:ac:11:00:20,43200,1795032000,1,0,0,fin-desk-20.corp.example.,0,,0
10.50.0.21,00:1b:63:00:00:21,,43200,1795032000,1,0,0,,0,,0
10.50.0.22,02:42:ac:11:00:22,,43200,1795032000,1,0,0,eng-ws-22,1,,0
10.50.0.23,02:42:ac:11:00:23,,43200,1794990000,1,0,0,eng-ws-23,0,,0
10.50.0.24,02:42:ac:11:00:24,,43200,1795032000,1,0,0,eng-ws-24,0,,0
10.50.0.24,02:42:ac:11:00:24,,0,0,1,0,0,eng-ws-24,0,,0
10.50.0.25,02:42:ac:11:00:25,,43200,1795032000,1,0,0,x&#x2cy-acct-1,0,,0
KEA

"$SCRIPT" --now "$NOW" "$T/mapping" "$T/dhcpd.leases" "$T/kea-leases4.csv" >"$T/feed.txt" \
    2>"$T/script.err" || fail "the script failed: $(cat "$T/script.err")"
[ ! -s "$T/script.err" ] || fail "the script warned: $(cat "$T/script.err")"
# 10.40.0.10: its name; .11: the finance OUI before its name; .12: the whole MAC
# before the OUI and the name; .13: the first pattern in file order; .14 ended,
# .15 free, .16 nobody's; .17: its later record; .18: never ends.  Kea: .20 by the
# first label of its FQDN, .21 by the OUI; .22 declined, .23 ended, .24 deleted;
# .25 by its name with an escaped comma.
cat >"$T/want" <<'WANT'
10.40.0.10 finance 2026-11-18T20:00:00Z
10.40.0.11 finance 2026-11-18T20:00:00Z
10.40.0.12 engineering 2026-11-18T20:00:00Z
10.40.0.13 finance 2026-11-18T20:00:00Z
10.40.0.17 engineering 2026-11-18T21:00:00Z
10.40.0.18 engineering
10.50.0.20 finance 2026-11-18T20:00:00Z
10.50.0.21 finance 2026-11-18T20:00:00Z
10.50.0.25 finance 2026-11-18T20:00:00Z
WANT
grep -v '^#' "$T/feed.txt" >"$T/got"
diff "$T/want" "$T/got" >"$T/diff" || { cat "$T/diff" >&2; fail "the feed is not what the mapping says"; }
pass "ISC and Kea leases -> $(wc -l <"$T/got") feed lines, each as the mapping says"

out=$("$SENSOR" --check-config --rules "$RULES" --set departments.assignments="$T/feed.txt" \
    --redis "unix://$T/redis.sock" 2>&1) || fail "--check-config refused the feed: $out"
grep -qx "assignment feed $T/feed.txt: 9 addresses, 0 MACs" <<<"$out" || fail "no feed line: $out"
pass "--check-config accepts the feed: $(grep '^assignment feed' <<<"$out")"

# --all keeps the ended lease too; a later --now leaves only the lease that never ends.
"$SCRIPT" --all --now "$NOW" "$T/mapping" "$T/dhcpd.leases" >"$T/all.txt"
grep -q '^10.40.0.14 finance 2026-11-18T08:00:00Z$' "$T/all.txt" || fail "--all does not keep the ended lease"
expect_eq "lines at a later --now" \
    "$("$SCRIPT" --now 1900000000 "$T/mapping" "$T/dhcpd.leases" "$T/kea-leases4.csv" | grep -vc '^#')" 1
pass "--all keeps ended leases; a later --now drops them"

# A bad mapping: every error as file:line, exit 2.
printf 'mac 00:1b:6 finance\nname FIN/* finance\nname FIN-* Finance\nhost x finance\n' >"$T/bad-mapping"
set +e
out=$("$SCRIPT" "$T/bad-mapping" "$T/dhcpd.leases" 2>&1 >/dev/null)
rc=$?
set -e
expect_eq "exit status with a bad mapping" $rc 2
for n in 1 2 3 4; do
    grep -q "^$T/bad-mapping:$n: " <<<"$out" || fail "no error for line $n of the bad mapping: $out"
done
pass "a bad mapping: exit 2, every line as file:line"

# A lease it cannot read is named by file and line, never by its address or name.
printf 'lease 10.40.0.99 {\n  ends 3 2026/13/99 99:00:00;\n  client-hostname "fin-broken";\n}\n' >"$T/broken.leases"
"$SCRIPT" --now "$NOW" "$T/mapping" "$T/broken.leases" >/dev/null 2>"$T/script.err"
grep -q "$T/broken.leases:1: a lease that cannot be read; skipped" "$T/script.err" ||
    fail "no warning for the broken lease: $(cat "$T/script.err")"
if grep -q "10.40.0.99\|fin-broken" "$T/script.err"; then fail "the warning names the lease"; fi
pass "an unreadable lease: a warning with its file and line only"
