#!/usr/bin/env bash
# Opens a report.html in headless Chromium as a reader would, and checks that it is
# self-contained: Chromium's network log must show no request other than the file itself.
# Leaves a full-page screenshot next to the report to look at.
#
#   scripts/check-html.sh                       # runs hospital-tabletop into a temporary folder
#   scripts/check-html.sh reports/x/report.html # checks an existing report
#
# Needs chromium (apt-get install chromium) and python3. Exits 1 if the page asks for anything external or
# renders no chart.
set -euo pipefail
cd "$(dirname "$0")/.."

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check-html: chromium is not installed (apt-get install chromium)" >&2
    exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ $# -ge 1 ]; then
    html=$(realpath "$1")
else
    cargo build --release --quiet
    target/release/blastradius run hospital-tabletop --reps 5 --quiet --out "$work/report"
    html="$work/report/report.html"
fi
[ -f "$html" ] || { echo "check-html: no such file: $html" >&2; exit 2; }
shot="$(dirname "$html")/report-screenshot.png"

# Every request the page makes goes into the net log; external hosts would also fail to resolve.
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --disable-sync --disable-extensions \
    --host-resolver-rules="MAP * ~NOTFOUND" --log-net-log="$work/netlog.json" \
    --window-size=1280,4000 --hide-scrollbars --screenshot="$shot" "file://$html" \
    >"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; exit 1; }
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --dump-dom "file://$html" 2>/dev/null >"$work/dom.html"

# Requests the page made: Chromium's own background traffic (component updates, time, spelling
# dictionaries) has no initiator ("not an origin"); anything the page asks for has one.
external=$(python3 - "$work/netlog.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
try:
    log = json.loads(text)
except json.JSONDecodeError:  # a log cut short at exit lacks its closing brackets
    log = json.loads(text.rstrip().rstrip(",") + "]}")
start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for event in log["events"]:
    params = event.get("params", {})
    if event["type"] == start and "url" in params and params.get("initiator") != "not an origin":
        print(params.get("url"), "(initiator:", params.get("initiator"), ")")
PY
)
if [ -n "$external" ]; then
    echo "check-html: the report made requests other than its own file:" >&2
    echo "$external" >&2
    exit 1
fi
charts=$(grep -o '<svg' "$work/dom.html" | wc -l)
tables=$(grep -o '<table' "$work/dom.html" | wc -l)
if [ "$charts" -lt 4 ] || [ "$tables" -lt 1 ]; then
    echo "check-html: rendered page has $charts charts and $tables tables (want 4+ and 1+)" >&2
    exit 1
fi
echo "check-html: ok: $charts charts, $tables tables, no external request; screenshot: $shot"
