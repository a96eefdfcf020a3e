#!/usr/bin/env bash
# Step-rate benchmark (not a test): GFLOP/s of a training step of the default space's three
# reference networks at batch 64 on Burn's CPU backend (cli bench step-rate, one thread), beside
# a 1024x1024 f32 matrix product through Burn and this machine's sgemm (numpy's OpenBLAS, one
# thread, from the project's .venv-onnx) measured in the same run. Writes
# target/bench/step-rate.json and target/bench/sgemm.json. The browser's figures come from
# scripts/bench-browser.sh (--only-step-rate).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo build --locked --quiet --workspace --bin cli
target/debug/cli bench step-rate "$@"
OPENBLAS_NUM_THREADS=1 .venv-onnx/bin/python - <<'PY'
import json, os, time
import numpy as np
size, runs = 1024, 10
a = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((size, size), dtype=np.float32)
a @ b
times = []
for _ in range(runs):
    started = time.perf_counter()
    a @ b
    times.append((time.perf_counter() - started) * 1e3)
times.sort()
median = times[len(times) // 2]
gflops = 2 * size ** 3 / (median * 1e6)
print(f"  numpy sgemm {size}x{size}, one thread (OpenBLAS): {median:.1f} ms, {gflops:.1f} GFLOP/s")
os.makedirs("target/bench", exist_ok=True)
with open("target/bench/sgemm.json", "w") as f:
    json.dump({"benchmark": "sgemm", "library": "numpy " + np.__version__, "threads": 1, "size": size, "median_ms": median, "gflops": gflops}, f, indent=2)
PY
