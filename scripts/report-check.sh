#!/usr/bin/env bash
# The compliance report of the demo cohort, as CI checks it: built twice and compared byte for
# byte (it must not depend on the clock or on where the synth went), then opened in headless
# Chromium (Debian's `chromium` package, installed with apt-get when missing and this runs as
# root): it renders, logs no console error, and a screenshot is kept in artifacts/report/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "report-check: installing Debian's chromium (apt-get), once"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null ||
      { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
  else
    echo "report-check: Chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

out="artifacts/report"
again="$(mktemp -d)"
trap 'rm -rf "$again"' EXIT
mkdir -p "$out"
npx tsx bin/ops.ts report cohorts/demo.yaml --today 2026-11-29 --out "$out" 2>/dev/null | tail -1
npx tsx bin/ops.ts report cohorts/demo.yaml --today 2026-11-29 --out "$again" >/dev/null 2>&1
for f in report.md report.html; do
  if ! cmp -s "$out/$f" "$again/$f"; then
    echo "report-check: $f differs between two builds of the same cohort:" >&2
    diff "$out/$f" "$again/$f" | head -20 >&2
    exit 1
  fi
done
echo "report-check: report.md and report.html identical on two builds ($(wc -c <"$out/report.md") and $(wc -c <"$out/report.html") bytes)"
npx tsx scripts/report-browser-check.ts "$out/report.html" "$out/report.png"
