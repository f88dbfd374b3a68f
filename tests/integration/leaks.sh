#!/usr/bin/env bash
# No leak and no memory error at the end of a run, offline or live: the
# AddressSanitizer build's sensor reads the sample from a file, then captures
# live on the loopback of a network namespace of the test's own while tcpreplay
# sends it packets, and stops on SIGTERM.  Both must exit 0 with nothing from
# LeakSanitizer or AddressSanitizer on standard error.  Only the sanitizer build
# can tell (ctest sets SHADOWTAP_SANITIZE there); the live part needs root,
# iproute2 and tcpreplay.
. "$(dirname "$0")/lib.sh"
if [ -z "${SHADOWTAP_SANITIZE:-}" ] && ! ldd "$SENSOR" 2>/dev/null | grep -q libasan; then
    say "skipped: $SENSOR is not the AddressSanitizer build"
    exit 0
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
case $ASAN_OPTIONS in *detect_leaks=0*) fail "ASAN_OPTIONS turns LeakSanitizer off: $ASAN_OPTIONS" ;; esac
with_redis
sample
sanitizer_report() { grep -E 'LeakSanitizer|ERROR: AddressSanitizer|runtime error:' "$1"; }

sensor -r "$T/sample.pcap" --rules "$RULES" --redis "$REDIS_URL" --sensor-id offline \
    --flow-log "$T/flows.json" --events "$T/events.json" --stats "$T/offline.json" \
    2>"$T/offline.err" || fail "offline run exited $?: $(tail -20 "$T/offline.err")"
! sanitizer_report "$T/offline.err" || fail "offline run: sanitizer report (above)"
pass "offline run over the sample: exit 0, no leak"

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! command -v tcpreplay >/dev/null; then
    say "live part skipped: needs root, iproute2 and tcpreplay"
    exit 0
fi
ns=st-leaks-$$
ip netns add "$ns" || fail "cannot create network namespace $ns"
pid=
leaks_cleanup() {
    local rc=$?
    set +e # a failing step here must not skip lib.sh's cleanup (Redis, $T)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    (exit $rc) # lib.sh's cleanup reads the status from $?
    cleanup
}
trap leaks_cleanup EXIT
ip netns exec "$ns" ip link set lo up
# The first 2000 packets of the sample are enough to fill flows, DNS answers and
# tallies that must all be freed at the stop.
python3 - "$T/sample.pcap" "$T/part.pcap" 2000 <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off < len(data) and n < int(sys.argv[3]):
    off += 16 + struct.unpack("<I", data[off + 8:off + 12])[0]
    n += 1
open(sys.argv[2], "wb").write(data[:off])
EOF
ip netns exec "$ns" "$SENSOR" -i lo --rules "$RULES" --redis "$REDIS_URL" --sensor-id live \
    --set privacy.key_file="$T/device.key" --set log.level=warning \
    --set output.spool_dir="$T/spool" --flow-log "$T/live-flows.json" \
    --stats "$T/live.json" --set output.stats_interval=1 2>"$T/live.err" &
pid=$!
for _ in $(seq 200); do [ -s "$T/live.json" ] && break; sleep 0.1; done
[ -s "$T/live.json" ] || fail "the sensor did not start: $(cat "$T/live.err")"
ip netns exec "$ns" tcpreplay --intf1=lo --mbps 100 "$T/part.pcap" >"$T/replay.log" 2>&1 ||
    fail "tcpreplay failed: $(tail -3 "$T/replay.log")"
for _ in $(seq 100); do
    [ "$(jq .packets.received "$T/live.json")" -ge 2000 ] && break
    sleep 0.1
done
kill -TERM $pid
rc=0
wait $pid || rc=$?
pid=
sanitizer_report "$T/live.err" && fail "live run: sanitizer report (above)"
expect_eq "live run exit status after SIGTERM" $rc 0
expect_eq "live packets received" "$(jq .packets.received "$T/live.json")" 2000
pass "live capture stopped by SIGTERM: exit 0, 2000 packets, no leak"
