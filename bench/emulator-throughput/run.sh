#!/usr/bin/env bash
# Emulator throughput in one command (issue 13 item 5, emulator half): installs wrk if absent, builds the
# emulator in release, stores 10,000 VMs (ARM API, throttling off), then measures with wrk GET of a VM,
# identity PATCH and IMDS token requests at 1, 8 and 64 connections, each interleaved with an anchor
# (the unauthenticated /metadata/endpoints GET of the same server), the emulator's RSS after 1 and 2
# million requests of the mixed load (GET, PATCH, IMDS) that follows them, and durable PATCH on disk.
# Arguments go to bench.py, e.g.
#   bench/emulator-throughput/run.sh --rss-millions 10   RSS after 1, 2, ... 10 million requests of mixed load
#   bench/emulator-throughput/run.sh --seconds 10 --vms 1000
#   MSI_EMULATOR_BIN=path/to/msi-emulator run.sh          measure that binary instead of building one
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v wrk >/dev/null; then
  echo "== installing wrk"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk
fi
if [ -z "${MSI_EMULATOR_BIN:-}" ]; then
  echo "== building msi-emulator (release)"
  target="${CARGO_TARGET_DIR:-$root/target}"
  lock=()
  [ -e /tmp/msi-build.lock ] && command -v flock >/dev/null && lock=(flock /tmp/msi-build.lock)
  (cd "$root" && "${lock[@]}" cargo build -q --release -p msi-emulator)
  MSI_EMULATOR_BIN="$target/release/msi-emulator"
fi
export MSI_EMULATOR_BIN
exec python3 "$here/bench.py" "$@"
