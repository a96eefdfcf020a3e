#!/usr/bin/env bash
# Sets up what is missing, builds the page in release mode (wasm-opt applied) and serves it on
# 127.0.0.1. PORT=8080 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
started=$(date +%s)
trunk build --release
echo "[serve] release build took $(( $(date +%s) - started )) s"
for wasm in dist/*.wasm; do
  echo "[serve] $(basename "$wasm"): $(stat -c %s "$wasm") bytes raw, $(gzip -9c "$wasm" | wc -c) bytes gzip"
done
exec node scripts/static-server.mjs dist "${PORT:-8080}"
