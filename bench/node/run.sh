#!/usr/bin/env bash
# The Node benchmark: msi-identity's addon vs @azure/arm-compute on one emulator (see bench.mjs).
#   MSI_NODE_PROFILE=debug ./run.sh   measures a debug addon (default: release, as users get it)
#   BENCH_ITER=200 BENCH_WARMUP=20 BENCH_LOADS=15   iterations per round (2 rounds), warm-up, fresh processes
#   ./run.sh bulk            the fleet bench instead (bulk.mjs; BENCH_VMS=500 BENCH_ROUNDS=6)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
addon="$here/../../bindings-node"
profile="${MSI_NODE_PROFILE:-release}"
release=()
[ "$profile" = release ] && release=(--release)

echo "== addon ($profile)"
(cd "$addon" && npm ci --no-audit --no-fund --loglevel=error &&
  CARGO="$addon/scripts/cargo-host.sh" npx napi build --platform "${release[@]}")
echo "== bench dependencies"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
echo "== bench (node $(node --version))"
cd "$here"
if [ "${1:-}" = bulk ]; then
  exec node bulk.mjs
fi
node bench.mjs
