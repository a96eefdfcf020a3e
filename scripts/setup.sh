#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing or the wrong version, then puts
# the tools on PATH. Idempotent: a second run only checks versions. Sourced by serve.sh and
# test.sh; can also be run alone.
#
#   EFFICIENTNAS_TOOLS  where cargo-installed tools go (default: ~/.cargo); point it at an empty
#                       folder to rehearse a fresh machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TRUNK_VERSION="0.21.14"
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$ROOT/Cargo.lock")"
TOOLS="${EFFICIENTNAS_TOOLS:-$HOME/.cargo}"
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

# The dev wasm builds (browser tests, the e2e page, the browser benchmark) have a target folder of
# their own, so they can build while a native cargo holds target/ (scripts/test.sh runs both lanes
# at once). Release builds (scripts/serve.sh) stay in target/.
export WASM_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target/wasm}"

say() { printf '[setup] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Rust's wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Trunk, pinned (0.22 needs a newer rustc than this toolchain).
if [ "$("$TOOLS/bin/trunk" --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION into $TOOLS (several minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked --root "$TOOLS"
fi

# wasm-bindgen-cli, equal to the crate (its own lockfile wants crates the registry lacks, so no --locked).
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ] \
  || [ ! -x "$TOOLS/bin/wasm-bindgen-test-runner" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION into $TOOLS (several minutes, once)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --root "$TOOLS" --force
fi

# Chromium and its driver, from Debian (never a browser download).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing chromium and chromium-driver"
  apt_install chromium chromium-driver
fi

# Python for the size check of the test command.
if ! command -v python3 >/dev/null; then
  say "installing python3"
  apt_install python3
fi

# onnx and onnxruntime (pinned in tests/onnx/requirements.txt, wheels from PyPI) in a
# project-local virtual environment, for the ONNX export checks; reinstalled when the pins change.
VENV="$ROOT/.venv-onnx"
if ! cmp -s "$ROOT/tests/onnx/requirements.txt" "$VENV/.efficientnas-requirements" 2>/dev/null; then
  say "installing onnx and onnxruntime into .venv-onnx"
  python3 -c "import ensurepip" >/dev/null 2>&1 || apt_install python3-venv
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: -r "$ROOT/tests/onnx/requirements.txt"
  cp "$ROOT/tests/onnx/requirements.txt" "$VENV/.efficientnas-requirements"
fi

# Node.js for wasm-opt (binaryen) and the end-to-end tests.
if ! command -v npm >/dev/null; then
  say "installing nodejs and npm"
  apt_install nodejs npm
fi

# Node packages, reinstalled when package-lock.json changed.
STAMP="$ROOT/node_modules/.efficientnas-lock"
if ! cmp -s "$ROOT/package-lock.json" "$STAMP" 2>/dev/null; then
  say "installing node packages (binaryen's wasm-opt, playwright-core)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ROOT/package-lock.json" "$STAMP"
fi
if ! wasm-opt --version 2>/dev/null | grep -q "version 132"; then
  say "wasm-opt on PATH is not binaryen 132: $(command -v wasm-opt || echo none)" >&2
  exit 1
fi

# Crates, so that Trunk's offline cargo builds find everything.
(cd "$ROOT" && cargo fetch --locked --quiet)

say "ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version | cut -d' ' -f1-3), $(chromium --version 2>/dev/null | head -1)"
