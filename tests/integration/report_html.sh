#!/usr/bin/env bash
# The HTML reports in headless Chromium (Debian's chromium): each is one
# self-contained file that loads nothing from the network, checked statically
# (no script, no remote URL, style sheet or font) and in the browser (the
# page's own network events, over the DevTools protocol), shows each of its
# sections, fits the width of the screen and of an A4 page, and prints.
# SHADOWTAP_UPDATE_DOCS=1 also copies the monthly screenshot to docs/.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/report_helpers.bash"

command -v chromium >/dev/null || fail "chromium is not installed (apt-get install chromium)"
with_redis
feed_sample nov 2026-11-02 1
mkdir -p "$T/html" "$T/shots" "$T/print"
report monthly --month 2026-11 -o "$T/html/monthly.html" || fail monthly
report department engineering --month 2026-11 -o "$T/html/department.html" || fail department
report unsanctioned --since 2026-11-01 --until 2026-11-30 -o "$T/html/unsanctioned.html" || fail unsanctioned
report new --since 2026-11-01 --until 2026-11-30 -o "$T/html/new.html" || fail new
report unknown --month 2026-11 -o "$T/html/unknown.html" || fail unknown
report catalog --format html -o "$T/html/catalog.html" || fail catalog
report monthly --month 2026-11 --set privacy.min_devices=5 --format html -o "$T/html/private.html" \
    || fail "monthly with privacy"

# Statically: nothing that could fetch anything, and a policy forbidding it.
for f in "$T"/html/*.html; do
    name=$(basename "$f")
    head -c 15 "$f" | grep -q '<!DOCTYPE html>' || fail "$name: not an HTML document"
    if grep -n -i -E 'https?://|<script|<link|<img|<iframe|<object|<embed|@import|url\(|src=' "$f" \
        | head -3 >&2; then
        fail "$name: refers to something outside the page"
    fi
    grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"" "$f" \
        || fail "$name: no Content-Security-Policy"
done
grep -q 'fewer than 5' "$T/html/private.html" || fail "privacy: no \"fewer than 5\""
pass "static: no script, no remote resource, a restrictive CSP"

# In the browser.  A control page with a remote image shows the watch works.
printf '<!DOCTYPE html><p>control</p><img src="http://example.invalid/x.png">\n' >"$T/control.html"
"$PYTHON" "$SRC/tests/integration/report_browser.py" --screenshots "$T/shots" --pdf "$T/print" --a4 \
    "$T/control.html" "$T"/html/*.html >"$T/pages.jsonl" || fail "could not drive chromium"
page() { jq -c --arg f "$T/html/$1.html" 'select(.file == $f)' "$T/pages.jsonl"; }
expect_eq "control request" "$(jq -r --arg f "$T/control.html" 'select(.file == $f) | .requests[]' \
    "$T/pages.jsonl")" "http://example.invalid/x.png"
sections() {
    local name=$1 want=$2 got
    got=$(page "$name" | jq -r '[.sections[][0]] | join(" ")')
    expect_eq "$name sections" "$got" "$want"
    expect_eq "$name requests" "$(page "$name" | jq -c .requests)" "[]"
    [ "$(page "$name" | jq .width)" -le 1280 ] || fail "$name: wider than the screen"
    [ "$(page "$name" | jq .pdf_pages)" -ge 1 ] || fail "$name: does not print"
    [ "$(stat -c %s "$T/shots/$name.png")" -gt 10000 ] || fail "$name: empty screenshot"
}
sections monthly "summary services change new-services adoption genai tenants departments visibility unknown ai-servers privacy"
sections private "summary services change new-services adoption genai tenants departments visibility unknown ai-servers privacy"
sections department "summary tools alternatives dropped genai tenants visibility unknown privacy"
sections unsanctioned "summary services tenants departments visibility privacy"
sections new "summary services departments visibility privacy"
sections unknown "summary unknown visibility privacy"
sections catalog "catalog privacy"
expect_eq "headings" "$(page monthly | jq -r '[.sections[][1]] | .[0:3] | join("|")')" \
    "At a glance|Services in use|Change from 2026-10"
pass "in Chromium: nothing requested, every section shown, each page prints"

# On A4: the print style sheet keeps every page within the paper's width.
jq -r 'select(.a4_width > 794) | "\(.file): \(.a4_width) px wide on A4"' "$T/pages.jsonl" | grep . >&2 \
    && fail "a page is wider than A4"
pass "fits the width of A4"

if [ -n "${SHADOWTAP_UPDATE_DOCS:-}" ]; then
    cp "$T/shots/monthly.png" "$SRC/docs/report-monthly.png"
    say "updated docs/report-monthly.png"
fi

no_client_identifiers "$T/nov.json" "$T"/html/*.html
pass "no client address or MAC in any HTML report"
