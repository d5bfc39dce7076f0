#!/usr/bin/env bash
# Builds the extension into build/extension (load it unpacked) and store zips into dist/.
#
#   popup:   crates/popup-wasm → wasm32 → wasm-bindgen --target web → wasm-opt -Os (glue: esbuild
#            minify)
#   content: crates/page-wasm  → wasm32 (target-cpu=mvp) → strip target features → wasm-bindgen
#            --target bundler → wasm-opt -Os → wasm2js → esbuild IIFE (content/content.js)
#
# Why the content script is JavaScript, not Wasm: Chromium applies the page's CSP to
# WebAssembly compiled in content scripts, so on a customer page with a strict CSP a Wasm
# content script cannot start. The same Rust compiled through wasm2js runs everywhere.
# See ARCHITECTURE.md, "Why wasm2js in the content script".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/node_modules/.bin
GEN=$ROOT/build/gen
OUT=$ROOT/build/extension
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
FEATURES="--enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals"
log() { printf '\033[1;34m[build]\033[0m %s\n' "$*"; }

# The shipped Wasm is built for size (opt-level z, ~10 % smaller than s: the engines run once per
# diagnosis on small inputs); native release builds and benchmarks keep opt-level s.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
log "cargo build (wasm32, release): popup"
cargo build -q -p md-popup-wasm --target wasm32-unknown-unknown --release
log "cargo build (wasm32, target-cpu=mvp, release): content script"
RUSTFLAGS="-C target-cpu=mvp" cargo build -q -p md-page-wasm --target wasm32-unknown-unknown \
  --release --target-dir "$TARGET/mvp"

rm -rf "$GEN" "$OUT"
mkdir -p "$GEN/popup" "$GEN/page" "$OUT"

# Popup: a normal ES-module Wasm build (extension pages allow 'wasm-unsafe-eval').
wasm-bindgen --target web --no-typescript --out-dir "$GEN/popup" --out-name md_popup \
  "$TARGET/wasm32-unknown-unknown/release/md_popup_wasm.wasm"
"$BIN/wasm-opt" -Os $FEATURES --enable-reference-types --enable-multivalue \
  "$GEN/popup/md_popup_bg.wasm" -o "$GEN/popup/md_popup_bg.wasm"

# Content script: wasm2js needs a single-table MVP module. std ships compiled with
# reference-types, so the features section is stripped before wasm-bindgen reads it
# (workaround measured with wasm-bindgen 0.2.130 / binaryen 132: re-test when either changes).
"$BIN/wasm-opt" $FEATURES --strip-target-features \
  "$TARGET/mvp/wasm32-unknown-unknown/release/md_page_wasm.wasm" -o "$GEN/page/stripped.wasm"
wasm-bindgen --target bundler --no-typescript --out-dir "$GEN/page" --out-name md_page "$GEN/page/stripped.wasm"
"$BIN/wasm-opt" -Os $FEATURES "$GEN/page/md_page_bg.wasm" -o "$GEN/page/md_page_bg.wasm"
"$BIN/wasm2js" $FEATURES -O "$GEN/page/md_page_bg.wasm" -o "$GEN/page/md_page_bg.wasm.js"
sed -i 's|"./md_page_bg.wasm"|"./md_page_bg.wasm.js"|' "$GEN/page/md_page.js"
grep -q 'md_page_bg.wasm.js' "$GEN/page/md_page.js" || { echo "glue import not rewritten" >&2; exit 1; }

log "assemble build/extension"
cp manifest.json "$OUT/"
mkdir -p "$OUT/popup/pkg" "$OUT/content" "$OUT/background" "$OUT/icons"
cp extension/popup/*.html extension/popup/*.js extension/popup/*.css "$OUT/popup/"
node scripts/slds-tokens.mjs "$OUT/popup/slds-tokens.css" >/dev/null
cp "$GEN/popup/md_popup_bg.wasm" "$OUT/popup/pkg/"
# wasm-bindgen's generated glue, minified like the content script (22 KB -> 9 KB); it keeps its
# ES-module exports, which popup.js and background/capture.js import by name.
"$BIN/esbuild" "$GEN/popup/md_popup.js" --minify --format=esm --target=es2020 \
  --log-level=warning --legal-comments=none --outfile="$OUT/popup/pkg/md_popup.js"
cp extension/background/*.js "$OUT/background/"
cp extension/icons/*.png "$OUT/icons/"
# Watch mode's recorders (registered at document_start only on sites the admin watches).
cp extension/content/watch.js extension/content/watch-main.js "$OUT/content/"
"$BIN/esbuild" extension/content/entry.js --bundle --format=iife --minify --target=es2020 \
  --log-level=warning --legal-comments=none --outfile="$OUT/content/content.js"

log "package dist/"
python3 scripts/package.py "$OUT" dist

popup_wasm=$OUT/popup/pkg/md_popup_bg.wasm
content_js=$OUT/content/content.js
size() { stat -c %s "$1"; }
gz() { gzip -9c "$1" | wc -c; }
printf '%-34s %9s %9s\n' "artifact" "bytes" "gzip -9"
printf '%-34s %9s %9s\n' "popup wasm (md_popup_bg.wasm)" "$(size "$popup_wasm")" "$(gz "$popup_wasm")"
printf '%-34s %9s %9s\n' "popup glue (md_popup.js)" "$(size "$OUT/popup/pkg/md_popup.js")" "$(gz "$OUT/popup/pkg/md_popup.js")"
printf '%-34s %9s %9s\n' "content script wasm (pre-wasm2js)" "$(size "$GEN/page/md_page_bg.wasm")" "$(gz "$GEN/page/md_page_bg.wasm")"
printf '%-34s %9s %9s\n' "content script (content.js)" "$(size "$content_js")" "$(gz "$content_js")"
