#!/usr/bin/env bash
# Regenerates docs/screenshots/: the popup's first screen (520×600) in the five header states,
# in Chromium and Firefox, plus the whole report of the org-cause state and the first screen of
# a page with two orgs' snippets (the org switch), as small PNGs.
# Runs tests/e2e/glance.test.mjs and one test of org-checks.test.mjs (built extension + org simulator; run scripts/build.sh first)
# with MD_SHOTS_DIR pointing at a scratch folder, copies the chosen pictures and shrinks them
# (pngquant, then optipng, when installed: apt-get install pngquant optipng).
#   scripts/screenshots.sh            both browsers
#   MD_BROWSERS=chromium scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/screenshots
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MD_SHOTS_DIR="$tmp" node --test --test-concurrency=1 tests/e2e/glance.test.mjs
# The org switch on a page with two orgs' snippets (both orgs simulated, both logged in).
MD_SHOTS_DIR="$tmp" node --test --test-concurrency=1 \
  --test-name-pattern='snippets of two orgs: the org whose deployment' tests/e2e/org-checks.test.mjs
mkdir -p "$out"
IFS=, read -r -a browsers <<< "${MD_BROWSERS:-chromium,firefox}"
for b in "${browsers[@]}"; do
  for s in healthy stalled org-cause duplicate-started not-logged-in; do
    cp "$tmp/$s-$b-first.png" "$out/"
  done
  cp "$tmp/org-cause-$b-full.png" "$tmp/two-orgs-$b-first.png" "$out/"
done
if command -v pngquant >/dev/null; then
  pngquant --force --skip-if-larger --ext .png --quality 60-90 --speed 1 "$out"/*.png || true
fi
if command -v optipng >/dev/null; then
  optipng -quiet -o2 -strip all "$out"/*.png
fi
du -ch "$out"/*.png | tail -1
