#!/usr/bin/env bash
# Builds the page into dist/ for the e2e tests and the browser benchmark: a dev build (it shares
# its compiled dependencies with the browser tests), then wasm-opt -Os on the page's wasm as in
# the release build (20 s). The worker's wasm is left as built: on this dev profile wasm-opt -Os
# took 259 s on it and changed neither W1 step (CPU 81 ms, WebGPU 890 ms, README "Release
# sizes"). Optimised files are cached by the hash of their input, so an unchanged build skips
# it; entries this build does not use are removed. Expects scripts/setup.sh to have been sourced
# (it names the folder the wasm builds share, WASM_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR="$WASM_TARGET_DIR" trunk build
pids=() cache=target/wasm-opt-cache used=()
mkdir -p "$cache"
for wasm in dist/app-*_bg.wasm; do
  optimised="$cache/$(sha256sum "$wasm" | cut -c1-32).wasm"
  used+=("$(basename "$optimised")")
  if [ -f "$optimised" ]; then
    cp "$optimised" "$wasm"
  else
    (wasm-opt -Os "$wasm" -o "$optimised.partial" && mv "$optimised.partial" "$optimised" && cp "$optimised" "$wasm") &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
for entry in "$cache"/*; do
  [[ " ${used[*]} " == *" $(basename "$entry") "* ]] || rm -f "$entry"
done
