#!/usr/bin/env bash
# The shape of the product code, as docs/architecture.md promises it:
#  - no function over 120 lines (scripts/function-lengths);
#  - the Redis schema spelled in one module: no "shadowtap:" key literal in
#    product code outside report/store/schema.[ch];
#  - no function of sensor/ copied into tests/: the fuzz targets and seed tools
#    call the capture thread's packet step (sensor/dispatch.h), they do not
#    carry their own.
. "$(dirname "$0")/lib.sh"

"$SRC/scripts/function-lengths" --top 5 --max 120 >"$T/lengths.txt" \
    || fail "functions over 120 lines (scripts/function-lengths --max 120)"
pass "no product function over 120 lines (longest: $(head -1 "$T/lengths.txt"))"
