#!/usr/bin/env bash
# Renders an HTML report card in headless Chromium and writes a PNG, to check in a real
# browser what no parser can: that the page reads well (layout, colours, the grid, escaped
# bodies shown as text). Not part of `cargo test`: it needs Chromium (Debian package
# `chromium`: `apt-get install -y chromium`).
#
# Usage: tests/html_screenshot.sh [REPORT.html | SAMPLE] [OUT.png] [HEIGHT]
#   REPORT.html  a report written by `--report html`
#   SAMPLE       a sample run written by tests/reports.rs: `sample` (every outcome, the
#                default), `html-many` (500 failing fuzz trials), `stalled`, `passing`
# The page is loaded from file:// with networking off, as a person opening an artifact would.
set -euo pipefail
cd "$(dirname "$0")/.."

source=${1:-sample}
out=${2:-target/tmp/report-screenshot.png}
height=${3:-2400}

if [ -f "$source" ]; then
    report=$source
else
    # Writes every sample under target/tmp/reports/ (the trials are quick).
    cargo test --quiet --test reports >/dev/null
    report=target/tmp/reports/$source/report.html
    [ -f "$report" ] || { echo "error: failed to find sample report $report" >&2; exit 2; }
fi

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "error: failed to find chromium: install it (Debian: apt-get install -y chromium)" >&2
    exit 2
fi

mkdir -p "$(dirname "$out")"
# --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
# The proxy flags make any network request fail, so a page that needed one would show it.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --proxy-server=127.0.0.1:9 --proxy-bypass-list='<-loopback>' \
    --window-size="1280,$height" --screenshot="$out" \
    "file://$(realpath "$report")" 2>/dev/null
echo "$out"
