#!/usr/bin/env bash
# Benchmark (not a test): the release wasm size of the page (`app`) or the engine worker
# (`worker`) under each build lever: Cargo's opt-level, LTO, codegen units and strip, each
# build then left as wasm-bindgen writes it or passed through wasm-opt -Os, -Oz or -O3. Prints a
# table and writes target/bench/wasm-levers-<bin>.json. Builds go to target/levers/ (one
# optimised build per lever set: minutes each for the app, far longer for the worker).
#
#   bash scripts/bench-wasm-levers.sh [app|worker]
#
# wasm32 is compiled with panic=abort already, so that lever does not apply. Step times of the
# worker under a lever come from scripts/bench-browser.sh on a build made with it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh >/dev/null

bin="${1:-app}"
case "$bin" in
  app) package=efficientnas-ui ;;
  worker) package=efficientnas-worker ;;
  *) echo "usage: bash scripts/bench-wasm-levers.sh [app|worker]" >&2; exit 2 ;;
esac
levers=("opt-level=3" "opt-level=s" "opt-level=z" "opt-level=3 lto=thin" "opt-level=3 lto=fat codegen-units=1"
  "opt-level=s lto=fat codegen-units=1" "opt-level=z lto=fat codegen-units=1" "opt-level=z lto=fat codegen-units=1 strip=true")
work=target/levers
rows="$work/rows.tsv"
mkdir -p "$work" target/bench
: > "$rows"
size() { printf '%s\t%s' "$(stat -c %s "$1")" "$(gzip -9c "$1" | wc -c)"; }
for lever in "${levers[@]}"; do
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
  rm -rf "$work/bindgen"
  wasm-bindgen --target web --out-dir "$work/bindgen" "$work/target/wasm32-unknown-unknown/release/$bin.wasm"
  plain="$work/bindgen/${bin}_bg.wasm"
  printf '%s\tnone\t%s\t%s\n' "$lever" "$(size "$plain")" "$built" >> "$rows"
  for level in Os Oz O3; do
    # The features rustc's wasm32 target uses, named: a stripped build lacks the section that says so.
    wasm-opt "-$level" --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue "$plain" -o "$work/opt.wasm"
    printf '%s\t%s\t%s\t%s\n' "$lever" "$level" "$(size "$work/opt.wasm")" "$built" >> "$rows"
  done
  echo "[levers] $lever: built in $built s"
done
node -e '
const fs = require("fs");
const [rows, bin, out] = process.argv.slice(1);
const results = fs.readFileSync(rows, "utf8").trim().split("\n").map((line) => {
  const [levers, wasm_opt, raw, gzip, build_s] = line.split("\t");
  return { levers, wasm_opt, raw: Number(raw), gzip: Number(gzip), build_s: Number(build_s) };
});
console.log(`release wasm of ${bin}: bytes raw / gzip -9`);
console.log("cargo levers".padEnd(42) + "wasm-opt".padEnd(10) + "raw".padStart(12) + "gzip".padStart(12));
for (const r of results) console.log(r.levers.padEnd(42) + r.wasm_opt.padEnd(10) + String(r.raw).padStart(12) + String(r.gzip).padStart(12));
fs.writeFileSync(out, JSON.stringify({ benchmark: "wasm_levers", bin, results }, null, 2));
console.log(`written ${out}`);
' "$rows" "$bin" "target/bench/wasm-levers-$bin.json"
