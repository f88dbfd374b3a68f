#!/usr/bin/env bash
# The shape of the product code, as docs/architecture.md promises it:
#  - no function over 120 lines (scripts/function-lengths);
#  - the Redis schema spelled in one module: no "shadowtap:" key literal in
#    product code outside report/store/schema.[ch];
#  - the modules that hold what names a device (DHCP: MACs, host names,
#    client ids; issue 16) neither log nor print: classify/dhcp.c, leases.c;
#  - no function of sensor/ copied into tests/: the fuzz targets and seed tools
#    call the capture thread's packet step (sensor/dispatch.h), they do not
#    carry their own.
. "$(dirname "$0")/lib.sh"

"$SRC/scripts/function-lengths" --top 5 --max 120 >"$T/lengths.txt" \
    || fail "functions over 120 lines (scripts/function-lengths --max 120)"
pass "no product function over 120 lines (longest: $(head -1 "$T/lengths.txt"))"

# Key names are built by report/store/schema.c alone: a string literal that
# starts a key ("shadowtap:...") anywhere else in the product code is a second
# spelling of the schema.
spelled=$(cd "$SRC" && grep -rn --include='*.c' --include='*.h' --include='*.lua' '"shadowtap:' \
    common classify report sensor | grep -v '^report/store/schema\.[ch]:' || true)
[ -z "$spelled" ] || fail "Redis key literals outside report/store/schema.[ch]:
$spelled"
pass "the Redis schema is spelled in report/store/schema.[ch] only"

# MACs, DHCP host names and client identifiers never leave the sensor: the
# modules that read and keep them have no way to write them anywhere.
said=$(cd "$SRC" && grep -nE '#include "log\.h"|\blog_(msg|error|warning|info|debug)\b|printf|\bputs\b|fputs|fwrite|syslog' \
    classify/dhcp.c classify/dhcp.h classify/leases.c classify/leases.h || true)
[ -z "$said" ] || fail "DHCP modules that log or print (MACs and host names stay in memory):
$said"
pass "classify/dhcp and classify/leases neither log nor print"
