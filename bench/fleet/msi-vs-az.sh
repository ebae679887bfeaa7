#!/usr/bin/env bash
# `msi vm identity assign --ids` against `az vm identity assign --ids` on the same VMs of one emulator
# (throttling off, so both run as fast as they can), in one command:
#   bench/fleet/msi-vs-az.sh [VMS]        # default 1000
# Installs azure-cli into its own venv (AZ_VENV, default /tmp/msi-az-compat-venv, shared with
# scripts/az-compat), builds msi and msi-emulator in release, stores VMS VMs, then times, interleaved:
# msi assign, (reset), az assign, (reset), msi assign, (reset), msi assign. Prints the az run as the anchor,
# the median of the msi runs, and the ratio (target: msi >= 50x faster).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
vms=${1:-1000}
venv=${AZ_VENV:-/tmp/msi-az-compat-venv}
work=$(mktemp -d /tmp/msi-fleet-bench.XXXXXX)
emu_pid=
cleanup() {
    if [ -n "$emu_pid" ]; then kill "$emu_pid" 2>/dev/null || true; wait "$emu_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$venv/bin/az" ]; then
    echo "installing azure-cli into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check azure-cli
fi
az="$venv/bin/az"
(cd "$root" && cargo build -q --release -p msi-emulator --bin msi-emulator -p msi-cli --bin msi)
msi=$root/target/release/msi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port); imds=$(free_port)
"$root/target/release/msi-emulator" --data-dir "$work/data" --port "$port" --imds-port "$imds" \
    --relaxed-durability --throttle off >"$work/banner" 2>&1 &
emu_pid=$!
for _ in $(seq 1 100); do grep -q "lro delay" "$work/banner" 2>/dev/null && break; sleep 0.1; done
field() { sed -n "s/^  $1 *//p" "$work/banner" | awk '{print $1}'; }
ep=https://127.0.0.1:$port
export MSI_ARM_ENDPOINT=$ep MSI_CA_CERT=$work/data/ca.pem MSI_TOKEN_CACHE_DIR=$work/msi-cache
export AZURE_TENANT_ID=$(field tenant) AZURE_SUBSCRIPTION_ID=$(field subscription)
export AZURE_CLIENT_ID=$(field "admin client id") AZURE_CLIENT_SECRET=$(field "admin secret")
export AZURE_CONFIG_DIR=$work/az REQUESTS_CA_BUNDLE=$work/data/ca.pem
export AZURE_CORE_COLLECT_TELEMETRY=false AZURE_CORE_ONLY_SHOW_ERRORS=true
"$az" config set core.instance_discovery=false -o none 2>/dev/null
"$az" cloud register -n MsiEmulator --endpoint-resource-manager "$ep/" -o none
"$az" cloud set -n MsiEmulator -o none
"$az" login --service-principal -u "$AZURE_CLIENT_ID" -p "$AZURE_CLIENT_SECRET" --tenant "$AZURE_TENANT_ID" -o none

"$msi" group create -n fleet -l westus -o none
echo "storing $vms VMs"
seq 0 $((vms - 1)) | xargs -P 4 -I{} "$msi" vm create -g fleet -n vm{} -o none
mapfile -t ids < <("$msi" vm list -g fleet --query "[].id" -o tsv)
[ "${#ids[@]}" = "$vms" ] || { echo "expected $vms VMs, found ${#ids[@]}" >&2; exit 1; }

calc() { python3 -c "print($1)"; }
secs() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }; calc "$(date +%s.%N) - $s"; }
reset() { "$msi" vm identity remove --ids "${ids[@]}" -o none 2>/dev/null; }
msi_runs=()
msi_runs+=("$(secs "$msi" vm identity assign --ids "${ids[@]}" -o none)"); reset
az_run=$(secs "$az" vm identity assign --ids "${ids[@]}" -o none); reset
msi_runs+=("$(secs "$msi" vm identity assign --ids "${ids[@]}" -o none)"); reset
msi_runs+=("$(secs "$msi" vm identity assign --ids "${ids[@]}" -o none)")
msi_med=$(printf '%s\n' "${msi_runs[@]}" | sort -n | sed -n 2p)
echo "identity assign --ids on $vms VMs (emulator, throttling off)"
printf '  anchor: az %s       %8.2f s\n' "$("$az" version --query '"azure-cli"' -o tsv)" "$az_run"
printf '  msi (median of 3: %s)  %8.2f s   ratio %.4f  (%.0fx faster; target >= 50x)\n' \
    "$(printf '%.2f ' "${msi_runs[@]}")" "$msi_med" "$(calc "$msi_med / $az_run")" "$(calc "$az_run / $msi_med")"
