#!/usr/bin/env bash
# Sets up what is missing and runs every test level, or the levels named:
#   scripts/test.sh [native] [onnx] [browser] [e2e]
# native:  the layer, size and feature checks (scripts/check-layers.sh, check-sizes.py,
#          check-features.py), then cargo test over the workspace (engine, protocol, nn on Burn's
#          CPU backend, runner, UI model, CLI)
# onnx:    trained candidates exported as ONNX (cargo test -p efficientnas-nn --test onnx), checked with
#          onnx.checker and compared with Burn's logits by onnxruntime (tests/onnx/check.py, in .venv-onnx);
#          a genotype trained by `cli export-onnx` classifies the digits in onnxruntime as the CLI says
# browser: wasm-bindgen-test in headless Chromium with WebGPU (SwiftShader), in a worker
# e2e:     the built page in headless Chromium via playwright-core (screenshots in test-artifacts/)
#
# The levels form two lanes that share nothing but the machine: native then onnx (native builds in
# target/), and browser then e2e (wasm builds in $WASM_TARGET_DIR, see scripts/setup.sh). When
# levels of both lanes are asked for, the lanes run side by side, each line prefixed with its lane:
# each builds its levels, then tests them, without waiting for the other; the native lane runs at
# a lower priority, so it takes the cycles the wasm lane leaves idle.
# TEST_LANES=serial runs the levels one after another in the order given.
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
      python3 scripts/check-features.py
      cargo test --locked --workspace
      ;;
    onnx)
      # --workspace, not -p: features resolve as in the native level, so nothing is compiled again.
      ONNX_FIXTURES="$PWD/target/onnx-fixtures" cargo test --locked --workspace --test onnx
      .venv-onnx/bin/python tests/onnx/check.py target/onnx-fixtures
      # The CLI's route: a genotype trained by `cli export-onnx`, checked as a downloaded model is.
      cargo build --locked --quiet --workspace --bin cli
      target/debug/cli export-onnx --genotype "16:conv3x3,se_block+0|32:dwconv3x3,cbam|48:eca,avgpool3x3+0" \
        --steps 120 --out target/onnx-fixtures/cli.model.onnx | tee target/onnx-fixtures/cli.log
      accuracy=$(sed -n 's/.*validation accuracy \([0-9.]*\) %.*/\1/p' target/onnx-fixtures/cli.log)
      .venv-onnx/bin/python tests/onnx/check.py --model target/onnx-fixtures/cli.model.onnx \
        --digits www/digits/digits-images-idx3-ubyte.gz www/digits/digits-labels-idx1-ubyte.gz --accuracy "$(python3 -c "print($accuracy / 100)")"
      ;;
    browser)
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" CHROMEDRIVER="$(command -v chromedriver)" WASM_BINDGEN_TEST_TIMEOUT=600 \
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

# What a level compiles, and nothing more: in lane mode each lane first builds its levels, then tests them.
build_level() {
  local started
  started=$(date +%s)
  case "$1" in
    native | onnx)
      cargo test --locked --workspace --no-run
      # The CLI, which the onnx level and an e2e test run.
      cargo build --locked --quiet --workspace --bin cli
      ;;
    browser)
      CARGO_TARGET_DIR="$WASM_TARGET_DIR" cargo test --locked --target wasm32-unknown-unknown -p efficientnas-worker \
        --features browser-tests --test browser_webgpu --no-run
      ;;
    e2e) bash scripts/build-page.sh ;;
  esac
  echo "[test] $1 built in $(( $(date +%s) - started )) s"
}

native_lane=() wasm_lane=()
for level in "${levels[@]}"; do
  case "$level" in
    native | onnx) native_lane+=("$level") ;;
    browser | e2e) wasm_lane+=("$level") ;;
    *) run_level "$level" ;;
  esac
done

if [ "${TEST_LANES:-}" = serial ] || [ ${#native_lane[@]} -eq 0 ] || [ ${#wasm_lane[@]} -eq 0 ]; then
  for level in "${levels[@]}"; do
    if [ "${TEST_STEP:-}" = build ]; then build_level "$level"; else run_level "$level"; fi
  done
  exit 0
fi

# Both lanes at once, each a run of this script in serial mode that first builds its levels, then
# tests them. The wasm lane is the longer (its e2e tests alone take six minutes after the longer
# build), so it runs at normal priority and the native lane at a lower one: the native lane takes
# the cycles the wasm lane leaves (while it compiles, and while the page trains in one worker), and
# never delays it. (Measured cold: with both lanes at one priority and both waiting for each other's
# build before testing, the wasm lane ran its tests 250 s later.) A lane stops at its first failure
# and the other goes on, so one run reports both.
# Both target folders exist before the lanes start: on a fresh clone two cargos creating target/
# and target/wasm at once raced (cargo makes a folder as a temporary one renamed into place, and
# the wasm lane's vanished: "No such file or directory ... target/wasmYuBNiU").
mkdir -p target "$WASM_TARGET_DIR"
started=$(date +%s)
lane() {
  local name=$1 niceness=$2
  shift 2
  {
    TEST_STEP=build TEST_LANES=serial nice -n "$niceness" bash scripts/test.sh "$@" &&
      echo "[test] lane built at $(( $(date +%s) - started )) s" &&
      TEST_LANES=serial nice -n "$niceness" bash scripts/test.sh "$@"
  } 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}
native_status=0 wasm_status=0
lane wasm 0 "${wasm_lane[@]}" &
wasm_pid=$!
lane native 10 "${native_lane[@]}" || native_status=$?
wait "$wasm_pid" || wasm_status=$?
verdict() { if [ "$1" = 0 ]; then echo passed; else echo "FAILED (exit $1)"; fi; }
echo "[test] both lanes done in $(( $(date +%s) - started )) s: native lane $(verdict "$native_status"), wasm lane $(verdict "$wasm_status")"
passed=$(( (native_status == 0) + (wasm_status == 0) ))
echo "lanes: $passed passed, $(( 2 - passed )) failed"
[ "$native_status" = 0 ] && [ "$wasm_status" = 0 ]
