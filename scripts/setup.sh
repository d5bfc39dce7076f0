#!/usr/bin/env bash
# Installs whatever is missing for a task, idempotently, on a fresh Debian machine with Rust,
# Node 20 and npm (the project's machine image). Usage: scripts/setup.sh build|test|demo
#   build: the wasm32 target, wasm-bindgen CLI pinned to Cargo.lock's wasm-bindgen, npm packages
#   test:  build + Chromium, ChromeDriver, Firefox ESR (Debian packages) + geckodriver
#   demo:  build + Chromium (+ Firefox ESR when MD_BROWSER=firefox)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-build}"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

need_apt=()
want_pkg() { dpkg -s "$1" >/dev/null 2>&1 || need_apt+=("$1"); }
case "$mode" in
  test) want_pkg chromium; want_pkg chromium-driver; want_pkg firefox-esr ;;
  demo) want_pkg chromium; [ "${MD_BROWSER:-chromium}" = firefox ] && want_pkg firefox-esr ;;
esac
if [ ${#need_apt[@]} -gt 0 ]; then
  log "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
for comp in rustfmt clippy; do
  rustup component list --installed | grep -q "^$comp" || { log "rustup component add $comp"; rustup component add "$comp"; }
done

# The wasm-bindgen CLI must equal the wasm-bindgen crate version in Cargo.lock, or the JS glue
# and the .wasm disagree. Read it from the lock file (generate the lock if this is a fresh clone).
[ -f Cargo.lock ] || cargo generate-lockfile
wb_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wb_version" ]; then
  log "cargo install wasm-bindgen-cli $wb_version (have: ${have:-none})"
  # Without --locked: a locked dependency of the CLI is missing from the registry mirror here.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

if [ "$mode" = test ] && ! command -v geckodriver >/dev/null; then
  log "cargo install geckodriver"
  cargo install geckodriver --locked
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "ready for '$mode'"
