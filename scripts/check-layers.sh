#!/usr/bin/env bash
# Fails if a layer gains a dependency it must not have (README.md, "Layout"): the page (ui) and
# the IndexedDB glue carry no Burn or CubeCL, the engine and the protocol carry neither Burn nor
# browser crates, nothing below the worker and the page carries the browser's UI, and no layer
# depends on one above it. Read from `cargo tree` for the target each layer is built for.
set -euo pipefail
cd "$(dirname "$0")/.."

WASM=wasm32-unknown-unknown
HOST="$(rustc -vV | sed -n 's/^host: //p')"
BURN='^(burn|cubecl)'
WEB='^(web-sys|js-sys|wasm-bindgen|gloo|yew)'
failed=0

# forbid PACKAGE TARGET PATTERN WHAT: PACKAGE's normal dependencies on TARGET match no PATTERN.
forbid() {
  local tree found
  tree="$(cargo tree --locked --offline -p "efficientnas-$1" --target "$2" -e normal --prefix none --format '{p}')" || {
    echo "[layers] cargo tree failed for $1 ($2)" >&2
    exit 1
  }
  found="$(awk '{print $1}' <<<"$tree" | sort -u | grep -E "$3" | tr '\n' ' ' || true)"
  if [ -n "$found" ]; then
    echo "[layers] $1 ($2) must not depend on $4, but does: $found" >&2
    failed=1
  fi
}
above() { printf '^efficientnas-(%s)$' "$1"; }

forbid engine all "$BURN|$WEB|$(above 'protocol|nn|runner|storage|worker|ui|cli')" "Burn, browser crates or a higher layer"
forbid protocol all "$BURN|$WEB|$(above 'nn|runner|storage|worker|ui|cli')" "Burn, browser crates or a higher layer"
forbid nn "$HOST" "$WEB|$(above 'protocol|runner|storage|worker|ui|cli')" "browser crates or a higher layer"
forbid nn "$WASM" "^(gloo|yew)|$(above 'protocol|runner|storage|worker|ui|cli')" "the page's crates or a higher layer"
forbid runner "$HOST" "$WEB|$(above 'storage|worker|ui|cli')" "browser crates or a higher layer"
forbid storage "$WASM" "$BURN|^yew|$(above 'nn|runner|worker|ui|cli')" "Burn, Yew or a higher layer"
forbid ui "$WASM" "$BURN|$(above 'nn|runner|worker|cli')" "Burn, CubeCL or the engine's training layers"
forbid worker "$WASM" "^yew|$(above 'ui|cli')" "Yew or the page"
forbid cli "$HOST" "$WEB|$(above 'storage|worker|ui')" "browser crates or the page"

[ "$failed" = 0 ] && echo "[layers] every layer keeps to its dependencies"
exit "$failed"
