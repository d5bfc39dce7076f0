#!/usr/bin/env bash
# Every test, in order; stops at the first failing step and says which.
# Installs what is missing first (scripts/setup.sh test). Called by `scripts/md test` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test

export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
declare -a TIMES=()
step() {
  local name="$1"; shift
  printf '\n\033[1;34m==> %s\033[0m\n' "$name"
  local t0=$SECONDS
  if ! "$@"; then
    printf '\n\033[1;31mFAILED: %s\033[0m\n' "$name"
    exit 1
  fi
  TIMES+=("$(printf '%5ss  %s' $((SECONDS - t0)) "$name")")
}
lint_extension() {
  node_modules/.bin/web-ext lint --source-dir build/extension --output json --no-config-discovery \
    > build/web-ext-lint.json 2>/dev/null || true
  node -e '
    const r = JSON.parse(require("fs").readFileSync("build/web-ext-lint.json", "utf8"));
    for (const k of ["errors", "warnings"]) for (const m of r[k]) console.log(`${k}: ${m.code} ${m.message}`);
    console.log(`web-ext lint: ${r.summary.errors} errors, ${r.summary.warnings} warnings`);
    process.exit(r.summary.errors === 0 ? 0 : 1);'
}

step "rustfmt" cargo fmt --all --check
step "clippy (host)" cargo clippy -q --workspace --all-targets -- -D warnings
step "clippy (wasm32)" cargo clippy -q --target wasm32-unknown-unknown \
  -p messaging-doctor -p md-page-wasm -p md-popup-wasm --all-targets -- -D warnings
step "cargo test (native)" cargo test -q --workspace
step "wasm-bindgen-test (headless Chromium)" cargo test --target wasm32-unknown-unknown \
  -p md-page-wasm -p md-popup-wasm
step "build the extension" scripts/build.sh
step "build the org simulator" cargo build -q -p md-sim
step "web-ext lint" lint_extension
step "static checks + E2E in Chromium and Firefox" node --test --test-concurrency=1 \
  tests/static/ tests/e2e/

printf '\n\033[1;32mAll test steps passed.\033[0m Step times:\n'
printf '%s\n' "${TIMES[@]}"
