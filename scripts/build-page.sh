#!/usr/bin/env bash
# Builds the page into dist/ for the e2e tests and the browser benchmark: a dev build (it shares
# its compiled dependencies with the browser tests), then wasm-opt -Os as in the release build.
# Without wasm-opt a WebGPU step in Chromium took ten times as long and every page render
# became a long task, so tests and benchmarks would not see what visitors see. Optimised files
# are cached by the hash of their input, so an unchanged build skips it; entries this build
# does not use are removed. Expects scripts/setup.sh to have been sourced.
set -euo pipefail
cd "$(dirname "$0")/.."
trunk build
pids=() cache=target/wasm-opt-cache used=()
mkdir -p "$cache"
for wasm in dist/*.wasm; do
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
