#!/usr/bin/env bash
# Benchmark (not a test): the release wasm size of the page (`app`) or the engine worker
# (`worker`) under each build lever (Cargo's opt-level, LTO, codegen units, strip), each build
# then left as wasm-bindgen writes it or passed through wasm-opt (-Os, -Oz, -O3; the worker -Os). For the worker
# it also times W1 training in the browser (scripts/bench-browser.mjs, WebGPU and the CPU
# backend) on each lever's -Os build, after all builds are done so that no build competes with
# the timing. Prints a table and writes target/bench/wasm-levers-<bin>.json. Builds go to
# target/levers/ (minutes each for the app, about ten for the worker).
#
#   bash scripts/bench-wasm-levers.sh [app|worker]
#
# wasm32 is compiled with panic=abort already, so that lever does not apply.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh >/dev/null

bin="${1:-app}"
case "$bin" in
  app)
    package=efficientnas-ui glue=web levels=(Os Oz O3)
    levers=("opt-level=3" "opt-level=s" "opt-level=z" "opt-level=3 lto=thin" "opt-level=3 lto=fat codegen-units=1"
      "opt-level=s lto=fat codegen-units=1" "opt-level=z lto=fat codegen-units=1" "opt-level=z lto=fat codegen-units=1 strip=true")
    ;;
  worker)
    # The worker's wasm is some forty times the page's (minutes per wasm-opt pass), so fewer
    # rows: wasm-opt -Os only (what ships; -Oz and -O3 stayed within 0.5 % of it on the page),
    # no thin LTO (it only grew the page), no strip (nothing left to strip after wasm-opt).
    package=efficientnas-worker glue=no-modules levels=(Os)
    levers=("opt-level=3" "opt-level=s" "opt-level=z" "opt-level=3 lto=fat codegen-units=1"
      "opt-level=s lto=fat codegen-units=1" "opt-level=z lto=fat codegen-units=1")
    ;;
  *) echo "usage: bash scripts/bench-wasm-levers.sh [app|worker]" >&2; exit 2 ;;
esac
work=target/levers
rows="$work/rows-$bin.tsv"
mkdir -p "$work" target/bench
: > "$rows"
size() { printf '%s\t%s' "$(stat -c %s "$1")" "$(gzip -9c "$1" | wc -c)"; }
for index in "${!levers[@]}"; do
  lever="${levers[$index]}"
  env_vars=(CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
    CARGO_PROFILE_RELEASE_STRIP=false)
  for setting in $lever; do
    key="$(tr 'a-z-' 'A-Z_' <<<"${setting%%=*}")"
    env_vars+=("CARGO_PROFILE_RELEASE_$key=${setting#*=}")
  done
  started=$(date +%s)
  env "${env_vars[@]}" CARGO_TARGET_DIR="$work/target" \
    cargo build --release --locked --offline --quiet --target wasm32-unknown-unknown -p "$package" --bin "$bin"
  built=$(( $(date +%s) - started ))
  out="$work/$bin-$index"
  rm -rf "$out"
  wasm-bindgen --target "$glue" --no-typescript --out-dir "$out" "$work/target/wasm32-unknown-unknown/release/$bin.wasm"
  plain="$out/${bin}_bg.wasm"
  printf '%s\t%s\tnone\t%s\t%s\n' "$index" "$lever" "$(size "$plain")" "$built" >> "$rows"
  for level in "${levels[@]}"; do
    # The features rustc's wasm32 target uses, named: a stripped build lacks the section that says so.
    wasm-opt "-$level" --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue "$plain" -o "$out/$level.wasm"
    printf '%s\t%s\t%s\t%s\t%s\n' "$index" "$lever" "$level" "$(size "$out/$level.wasm")" "$built" >> "$rows"
  done
  if [ "$bin" = worker ]; then
    mv "$out/Os.wasm" "$out/${bin}_bg.wasm" && rm -f "$out"/O*.wasm
  else
    rm -rf "$out"
  fi
  echo "[levers] $lever: built in $built s"
done

steps=()
if [ "$bin" = worker ]; then
  bash scripts/build-page.sh
  for index in "${!levers[@]}"; do
    dist="$work/dist"
    rm -rf "$dist" && cp -r dist "$dist"
    cp "$work/worker-$index/worker.js" "$work/worker-$index/worker_bg.wasm" "$dist/"
    E2E_DIST="$dist" node scripts/bench-browser.mjs --no-default-search --out "$work/w1-$index.json"
    steps+=("$work/w1-$index.json")
  done
fi

node -e '
const fs = require("fs");
const [rows, bin, out, ...steps] = process.argv.slice(1);
const w1 = steps.map((file) => JSON.parse(fs.readFileSync(file, "utf8")));
const results = fs.readFileSync(rows, "utf8").trim().split("\n").map((line) => {
  const [index, levers, wasm_opt, raw, gzip, build_s] = line.split("\t");
  const row = { levers, wasm_opt, raw: Number(raw), gzip: Number(gzip), build_s: Number(build_s) };
  const timed = w1[Number(index)];
  if (timed && wasm_opt === "Os") {
    for (const backend of ["webgpu", "cpu"]) {
      row[`${backend}_samples_per_s`] = timed[backend].result.samples_per_s;
      row[`${backend}_median_step_ms`] = timed[backend].result.median_step_ms;
    }
  }
  return row;
});
console.log(`release wasm of ${bin}: bytes raw / gzip -9` + (w1.length ? "; W1 median step ms (batch 32) on the -Os build" : ""));
console.log("cargo levers".padEnd(42) + "wasm-opt".padEnd(10) + "raw".padStart(12) + "gzip".padStart(12)
  + (w1.length ? "webgpu ms".padStart(12) + "cpu ms".padStart(10) : ""));
for (const r of results) {
  const timing = r.webgpu_median_step_ms === undefined ? ""
    : r.webgpu_median_step_ms.toFixed(1).padStart(12) + r.cpu_median_step_ms.toFixed(1).padStart(10);
  console.log(r.levers.padEnd(42) + r.wasm_opt.padEnd(10) + String(r.raw).padStart(12) + String(r.gzip).padStart(12) + timing);
}
fs.writeFileSync(out, JSON.stringify({ benchmark: "wasm_levers", bin, results, w1_browser: w1 }, null, 2));
console.log(`written ${out}`);
' "$rows" "$bin" "target/bench/wasm-levers-$bin.json" "${steps[@]}"
