#!/usr/bin/env bash
# Sets up what is missing and runs every test level, or the levels named:
#   scripts/test.sh [native] [onnx] [browser] [e2e]
# native:  the layer and size checks (scripts/check-layers.sh, check-sizes.py), then cargo test over the workspace (engine,
#          protocol, nn on Burn's CPU backend, runner, UI model, CLI)
# onnx:    trained candidates exported as ONNX (cargo test -p efficientnas-nn --test onnx), checked with
#          onnx.checker and compared with Burn's logits by onnxruntime (tests/onnx/check.py, in .venv-onnx)
# browser: wasm-bindgen-test in headless Chromium with WebGPU (SwiftShader), in a worker
# e2e:     the built page in headless Chromium via playwright-core (screenshots in test-artifacts/)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

levels=("$@")
[ ${#levels[@]} -eq 0 ] && levels=(native onnx browser e2e)

run_level() {
  local started
  started=$(date +%s)
  echo "[test] === $1 ==="
  case "$1" in
    native)
      bash scripts/check-layers.sh
      python3 scripts/check-sizes.py
      cargo test --locked --workspace
      ;;
    onnx)
      ONNX_FIXTURES="$PWD/target/onnx-fixtures" cargo test --locked -p efficientnas-nn --test onnx
      .venv-onnx/bin/python tests/onnx/check.py target/onnx-fixtures
      ;;
    browser)
      CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=600 \
        cargo test --locked --target wasm32-unknown-unknown -p efficientnas-worker --features browser-tests --test browser_webgpu
      ;;
    e2e)
      bash scripts/build-page.sh
      node --test --test-concurrency=1 tests/e2e/
      ;;
    *)
      echo "unknown test level '$1': use native, onnx, browser or e2e" >&2
      exit 2
      ;;
  esac
  echo "[test] $1 passed in $(( $(date +%s) - started )) s"
}

for level in "${levels[@]}"; do
  run_level "$level"
done
