# shellcheck shell=bash
# Helpers for integration tests: each test sources this, gets a private temporary
# folder ($T), its own redis-server on a unix socket there ($REDIS_URL), the
# programs of the build under test, and a few assertions.  ctest sets
# SHADOWTAP_SOURCE_DIR and SHADOWTAP_BUILD_DIR.
set -euo pipefail

SRC=${SHADOWTAP_SOURCE_DIR:?run through ctest}
BUILD=${SHADOWTAP_BUILD_DIR:?run through ctest}
SENSOR=$BUILD/sensor/shadowtap-sensor
REPORT=$BUILD/report/shadowtap-report
GEN=$BUILD/tests/gen-sample
CORPUS=${SHADOWTAP_CORPUS:-$SRC/../shared/corpus/ndpi}
RULES=$SRC/rules

. "$SRC/scripts/lib.sh"

T=$(mktemp -d /tmp/shadowtap-test.XXXXXX)
# A fixed device key: devices are counted with Redis HyperLogLogs, which count a
# handful of devices exactly unless two pseudonyms share a register (about 1 in
# 5000 per pair); with a fresh random key per run, a test comparing device
# counts with the ground truth would fail now and then.  This key gives the
# same pseudonyms, so the same counts, on every run.
printf '5a4d0c1e9f3b27a6c8e1d0f2b3a49587\n' >"$T/device.key"
chmod 600 "$T/device.key"
cleanup() {
    local rc=$?
    stop_redis
    if [ $rc -eq 0 ] || [ -z "${KEEP_TEST_DIR:-}" ]; then rm -rf "$T"; else say "kept $T"; fi
}
trap cleanup EXIT

fail() {
    say "FAIL: $*"
    exit 1
}
pass() { say "ok: $*"; }

# with_redis: starts the test's Redis; REDIS_URL points at it.
with_redis() {
    start_redis "$T"
    REDIS_URL="unix://$REDIS_SOCK"
}

rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }

# sensor ARGS...: runs the sensor with the test's key file and quiet logs.
sensor() {
    "$SENSOR" --set privacy.key_file="$T/device.key" --set log.level=warning \
        --set output.spool_dir="$T/spool" "$@"
}

# sample [ARGS...]: generates the sample office day into $T/sample.pcap and $T/truth.json.
sample() {
    "$GEN" -o "$T/sample.pcap" -t "$T/truth.json" "$@"
}

# expect_eq NAME GOT WANT
expect_eq() {
    [ "$2" == "$3" ] || fail "$1: got '$2', expected '$3'"
}
