#!/usr/bin/env bash
# AUTH and ACL users: a Redis on a free loopback port whose default user is
# off, with two ACL users: "sensor" (the keys shadowtap:*, reads, writes and
# scripts, nothing else) and "reader" (reads only).  The sensor stores through
# user and password in the URL, and through a user in the URL with the
# password in the configuration file (kept off the command line); the report
# reads as the read-only user, with its totals equal to the flow log's.  A
# wrong password is an outage like any other: exit 75 and a spool file, with
# Redis's own reason in the log; the report exits 1 and says why.
. "$(dirname "$0")/lib.sh"
sample
month=$(jq -r '.date[0:7]' "$T/truth.json")

port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
cat >"$T/users.acl" <<'EOF'
user default off
user admin on >adminpw ~* &* +@all
user sensor on >sensorpw ~shadowtap:* -@all +@read +@write +@scripting +@connection +select +role
user reader on >readerpw ~shadowtap:* -@all +@read +@connection +select +role
EOF
redis-server --bind 127.0.0.1 --port "$port" --aclfile "$T/users.acl" --save '' --appendonly no \
    --databases 16 --daemonize no --logfile "$T/redis.log" >/dev/null 2>&1 &
REDIS_PID=$! # lib.sh's cleanup stops it
admin() { REDISCLI_AUTH=adminpw redis-cli -h 127.0.0.1 -p "$port" --user admin "$@"; }
for _ in $(seq 100); do
    [ "$(admin ping 2>/dev/null)" == PONG ] && break
    kill -0 "$REDIS_PID" 2>/dev/null || fail "redis-server did not start: $(tail -3 "$T/redis.log")"
    sleep 0.1
done
[ "$(admin ping)" == PONG ] || fail "redis-server does not answer on port $port"
[ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>&1)" != PONG ] || fail "the default user is not off"

# User and password in the URL.
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "redis://sensor:sensorpw@127.0.0.1:$port/2" \
    --sensor-id acl --flow-log "$T/flows.json" 2>"$T/url.err" ||
    fail "the sensor with user and password in the URL exited $?: $(cat "$T/url.err")"
[ "$(admin -n 2 exists "shadowtap:month:$month")" == 1 ] || fail "nothing stored in database 2"
pass "ACL user and password in the URL: stored in database 2"

# The user in the URL, the password in the configuration file.
cat >"$T/shadowtap.conf" <<EOF
[redis]
url      = redis://sensor:@127.0.0.1:$port/3
password = sensorpw
EOF
chmod 600 "$T/shadowtap.conf"
sensor -c "$T/shadowtap.conf" -r "$T/sample.pcap" --rules "$RULES" --sensor-id acl \
    2>"$T/conf.err" || fail "the sensor with the password in its configuration exited $?: $(cat "$T/conf.err")"
[ "$(admin -n 3 exists "shadowtap:month:$month")" == 1 ] || fail "nothing stored in database 3"
pass "password from the configuration file, ACL user from the URL: stored in database 3"

# The report as the read-only user, both ways.
totals() { jq -r '.totals | [.bytes_up, .bytes_down, .packets_up, .packets_down, .flows] | @tsv'; }
from_log=$(jq -rs '[.[] | select(.shadowtap.internal == false)] |
    [(map(.source.bytes) | add), (map(.destination.bytes) | add),
     (map(.source.packets) | add), (map(.destination.packets) | add), length] | @tsv' "$T/flows.json")
got=$("$REPORT" --rules "$RULES" --redis "redis://reader:readerpw@127.0.0.1:$port/2" monthly \
    --month "$month" | totals) || fail "the report as user reader failed"
expect_eq "report totals (database 2) vs flow log" "$got" "$from_log"
cat >"$T/report.conf" <<EOF
[redis]
url      = redis://reader:@127.0.0.1:$port/3
password = readerpw
EOF
got=$("$REPORT" -c "$T/report.conf" --rules "$RULES" monthly --month "$month" | totals) ||
    fail "the report with the password in its configuration failed"
expect_eq "report totals (database 3) vs flow log" "$got" "$from_log"
pass "the report reads as a read-only ACL user; totals equal the flow log's"

# A wrong password: an outage, spooled.
mkdir -p "$T/spool"
set +e
sensor -r "$T/sample.pcap" --rules "$RULES" --redis "redis://sensor:wrong@127.0.0.1:$port/4" \
    --sensor-id acl --spool "$T/spool" --set redis.final_flush_timeout=1 2>"$T/wrong.err"
rc=$?
"$REPORT" --rules "$RULES" --redis "redis://reader:wrong@127.0.0.1:$port/2" monthly \
    --month "$month" >/dev/null 2>"$T/report-wrong.err"
report_rc=$?
set -e
expect_eq "sensor exit status with a wrong password" "$rc" 75
grep -q "AUTH: WRONGPASS" "$T/wrong.err" || fail "Redis's reason is not in the log: $(cat "$T/wrong.err")"
ls "$T"/spool/spool-acl-*.stsp >/dev/null 2>&1 || fail "no spool file"
[ "$(admin -n 4 dbsize)" == 0 ] || fail "something was stored with a wrong password"
expect_eq "report exit status with a wrong password" "$report_rc" 1
grep -q "WRONGPASS" "$T/report-wrong.err" || fail "the report does not say why: $(cat "$T/report-wrong.err")"
pass "a wrong password: the sensor spools and exits 75, the report exits 1, both naming WRONGPASS"
