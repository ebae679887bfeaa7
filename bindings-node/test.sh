#!/usr/bin/env bash
# Build the Node addon, check that the committed index.js/index.d.ts match the Rust, type-check the public
# TypeScript API, and run the node:test suite against the in-process emulator.
#
# Needs only cargo, node 20.17+ and npm, and the npm registry / crates.io. Called by scripts/test-all.
#   MSI_NODE_PROFILE=release ./test.sh   builds an optimised addon (default: debug, which reuses the workspace's
#                                        `cargo build` tree: only this crate is relinked)
# Extra arguments go to `node --test` (e.g. `./test.sh --test-name-pattern=IMDS`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

step() { printf '\n== %s\n' "$*"; }
profile="${MSI_NODE_PROFILE:-debug}"

step "toolchain"
command -v node >/dev/null || { echo "test.sh: node (20.17+) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "test.sh: npm is required" >&2; exit 1; }
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=17)?0:1)' ||
  { echo "test.sh: node 20.17+ is required (found $(node --version))" >&2; exit 1; }
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "addon (napi build --platform, $profile)"
saved="$(mktemp -d)"
trap 'rm -rf "$saved"' EXIT
cp index.js index.d.ts "$saved/"
release=()
[ "$profile" = release ] && release=(--release)
start=$(date +%s)
# CARGO: build in the workspace's target/$profile rather than target/<host triple>/ (see scripts/cargo-host.sh).
CARGO="$here/scripts/cargo-host.sh" npx napi build --platform "${release[@]}"
echo "addon built in $(( $(date +%s) - start )) s: $(ls ./*.node)"

step "generated bindings match the committed index.js / index.d.ts"
drift=0
for f in index.js index.d.ts; do
  if ! diff -u "$saved/$f" "$f"; then
    drift=1
  fi
done
if [ "$drift" -ne 0 ]; then
  echo "test.sh: index.js/index.d.ts drifted from the Rust sources: the regenerated files are in place, commit them" >&2
  exit 1
fi
echo "index.js and index.d.ts are up to date"

step "types (tsc --noEmit on types/usage.ts and usage.mts: the require and import entries)"
npx tsc -p types
echo "tsc: no errors"

step "node --test"
node --test --test-reporter=spec "$@" __test__/
