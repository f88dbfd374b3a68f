#!/usr/bin/env bash
# `cmake --install` into a prefix of the test's own: the programs in bin/ and
# sbin/, the man pages in share/man/man1 and man8, the rules in
# etc/shadowtap/rules, the systemd unit in lib/systemd/system with its ExecStart
# naming the installed sensor.  The installed programs run; the man pages render
# without a warning (man, else groff, else mandoc, else a plain lint) and name
# every option of --help (and, the sensor's, every configuration key); the key
# table of docs/configuration.md is --help's (scripts/gen-config-doc).
. "$(dirname "$0")/lib.sh"
P=$T/prefix
cmake --install "$BUILD" --prefix "$P" >"$T/install.log" 2>&1 || fail "cmake --install failed: $(tail -5 "$T/install.log")"

for f in sbin/shadowtap-sensor bin/shadowtap-report; do
    [ -x "$P/$f" ] || fail "$f is not installed (or not executable)"
done
for f in share/man/man8/shadowtap-sensor.8 share/man/man1/shadowtap-report.1 \
    etc/shadowtap/rules/services.conf etc/shadowtap/rules/departments.conf \
    etc/shadowtap/rules/policy.conf lib/systemd/system/shadowtap-sensor.service; do
    [ -s "$P/$f" ] || fail "$f is not installed"
done
for f in services departments policy; do
    cmp -s "$SRC/rules/$f.conf" "$P/etc/shadowtap/rules/$f.conf" || fail "installed $f.conf differs from rules/"
done
pass "installed: $(cd "$P" && find . -type f | sort | tr '\n' ' ')"

expect_eq "installed sensor --version" "$("$P/sbin/shadowtap-sensor" --version)" \
    "$("$SENSOR" --version)"
"$P/bin/shadowtap-report" --version >/dev/null || fail "the installed report program does not run"
"$P/sbin/shadowtap-sensor" --check-config --rules "$P/etc/shadowtap/rules" >"$T/check.out" 2>&1 ||
    fail "the installed sensor refuses the installed rules: $(cat "$T/check.out")"
"$P/bin/shadowtap-report" --rules "$P/etc/shadowtap/rules" catalog >"$T/catalog.json" ||
    fail "the installed report program cannot read the installed rules"
pass "the installed programs run over the installed rules"

unit=$P/lib/systemd/system/shadowtap-sensor.service
grep -q "^Type=simple$" "$unit" || fail "the unit is not Type=simple"
exec_start=$(awk '/^ExecStart=/ { sub(/^ExecStart=/, ""); print $1 }' "$unit")
expect_eq "the unit's ExecStart" "$exec_start" "$P/sbin/shadowtap-sensor"
diff <(grep -v '^ExecStart=' "$SRC/scripts/shadowtap-sensor.service") <(grep -v '^ExecStart=' "$unit") \
    >/dev/null || fail "the installed unit differs from scripts/shadowtap-sensor.service beyond ExecStart"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$unit" >"$T/verify.out" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify.out")"
    verified=" (systemd-analyze verify: ok)"
fi
pass "the unit runs $exec_start${verified:-}"

# render FILE: the page as text; fails on any warning of the renderer.
render() {
    local page=$1 out=$T/render.out err=$T/render.err
    if command -v man >/dev/null; then
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -E UTF-8 -l "$page" >"$out" 2>"$err"
        renderer=man
    elif command -v groff >/dev/null; then
        groff -man -ww -Tutf8 "$page" >"$out" 2>"$err"
        renderer=groff
    elif command -v mandoc >/dev/null; then
        mandoc -T lint -W warning "$page" >"$err" 2>&1 && mandoc -T utf8 "$page" >"$out"
        renderer=mandoc
    else # a plain lint: the sections a man page has, no stray backslash escapes
        renderer="a plain lint"
        grep -q '^\.TH ' "$page" && grep -q '^\.SH NAME' "$page" && grep -q '^\.SH SYNOPSIS' "$page" ||
            echo "missing .TH, NAME or SYNOPSIS" >"$err"
        grep -nE '\\[^-efIBPR&%"(*ce|.^ ]' "$page" >>"$err"
        sed -e '/^\.\\"/d' -e 's/\\f[IBRP]//g' -e 's/\\-/-/g' -e 's/^\.[A-Z]* *//' "$page" >"$out"
    fi
    [ -s "$err" ] && fail "$(basename "$page"): $renderer warns: $(head -5 "$err")"
    [ -s "$out" ] || fail "$(basename "$page"): nothing rendered"
}
# options_of PROGRAM: every option its --help names.
options_of() { "$1" --help | grep -oE '(^|[ ,(])--?[a-zA-Z][a-z-]*' | sed 's/^[ ,(]//' | sort -u; }
for page in "$P/share/man/man8/shadowtap-sensor.8" "$P/share/man/man1/shadowtap-report.1"; do
    render "$page"
    name=$(basename "$page" | cut -d. -f1)
    program=$P/sbin/$name
    [ -x "$program" ] || program=$P/bin/$name
    for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
        grep -q "^$section\$" "$T/render.out" || fail "$name: no $section section"
    done
    missing=
    for opt in $(options_of "$program"); do
        grep -qF -- "$opt" "$T/render.out" || missing+=" $opt"
    done
    [ -z "$missing" ] || fail "$name's man page does not name:$missing (add them to docs/$(basename "$page"))"
    for status in 0 1 2; do
        sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/render.out" | grep -qE "^ +$status " ||
            fail "$name: exit status $status is not described"
    done
    pass "$name's man page renders with no warning ($renderer) and names all $(options_of "$program" | wc -l) options"
done
render "$P/share/man/man8/shadowtap-sensor.8"
sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/render.out" | grep -qE "^ +75 " || fail "sensor: exit status 75 is not described"
sed -n '/^SIGNALS/,/^[A-Z]/p' "$T/render.out" | grep -q SIGHUP || fail "sensor: SIGHUP is not described"
missing=
for key in $("$SENSOR" --help | awk '/^Configuration keys/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
    grep -qF -- "$key" "$T/render.out" || missing+=" $key"
done
[ -z "$missing" ] || fail "the sensor's man page does not name the keys:$missing (add them to the CONFIGURATION list of docs/shadowtap-sensor.8)"
for report in monthly department unsanctioned new catalog; do
    grep -q "^\.B.* $report\b\|^\.B $report$" "$P/share/man/man1/shadowtap-report.1" ||
        fail "the report's man page does not describe '$report'"
done
pass "the sensor's page names every configuration key, exit status 75 and SIGHUP; the report's every report"

"$SRC/scripts/gen-config-doc" --print "$BUILD" >"$T/keys.md"
grep '^| `' "$SRC/docs/configuration.md" | diff "$T/keys.md" - >"$T/keys.diff" ||
    fail "docs/configuration.md's key table is not --help's (run scripts/gen-config-doc): $(cat "$T/keys.diff")"
pass "docs/configuration.md lists the $(wc -l <"$T/keys.md") keys of --help"
