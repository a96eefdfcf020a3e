#!/usr/bin/env bash
# Sets up what is missing, builds the page (as for the e2e tests) and runs the browser benchmark:
# W1 training throughput in the worker on WebGPU and on the CPU fallback, and the wasm sizes.
# Arguments go to scripts/bench-browser.mjs (--batch, --warmup, --steps, --out).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
bash scripts/build-page.sh
node scripts/bench-browser.mjs "$@"
