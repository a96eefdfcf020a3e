#!/usr/bin/env bash
# Sets up what is missing and runs every test level, or the levels named:
#   scripts/test.sh [native] [browser] [e2e]
# native:  cargo test (engine, nn on Burn's CPU backend, protocol, UI model)
# browser: wasm-bindgen-test in headless Chromium with WebGPU (SwiftShader), in a worker
# e2e:     the built page in headless Chromium via playwright-core (screenshots in test-artifacts/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

levels=("$@")
[ ${#levels[@]} -eq 0 ] && levels=(native browser e2e)

run_level() {
  local started
  started=$(date +%s)
  echo "[test] === $1 ==="
  case "$1" in
    native)
      cargo test --locked
      ;;
    browser)
      CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=600 \
        cargo test --locked --target wasm32-unknown-unknown --features browser-tests --test browser_webgpu
      ;;
    e2e)
      # A dev build shares its compiled dependencies with the browser tests. wasm-opt is then
      # applied as in the release build: without it a WebGPU step in Chromium took ten times as
      # long and every page render became a long task, so the test would not see what visitors see.
      # Optimised files are cached by the hash of their input, so an unchanged build skips it;
      # entries this build does not use are removed.
      trunk build
      local pids=() cache=target/wasm-opt-cache used=()
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
      node --test --test-concurrency=1 tests/e2e/
      ;;
    *)
      echo "unknown test level '$1': use native, browser or e2e" >&2
      exit 2
      ;;
  esac
  echo "[test] $1 passed in $(( $(date +%s) - started )) s"
}

for level in "${levels[@]}"; do
  run_level "$level"
done
