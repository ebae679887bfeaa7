#!/usr/bin/env bash
# The Python benchmark in one command: uses bindings-python/.venv (made if missing), installs azure-mgmt-compute
# there, builds and installs an optimised msi_identity wheel, then runs bench.py (arguments go to it).
#   bench/python/run.sh bulk [--vms N]         the fleet bench instead (bulk.py)
#   MSI_PY_PROFILE=debug bench/python/run.sh   measures the debug wheel instead
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py_dir="$(cd "$here/../../bindings-python" && pwd)"
python="${PYTHON:-python3}"
profile="${MSI_PY_PROFILE:-release}"

[ -x "$py_dir/.venv/bin/python" ] || "$python" -m venv "$py_dir/.venv"
venv_py="$py_dir/.venv/bin/python"
"$venv_py" -m pip install -q --disable-pip-version-check \
  "maturin>=1.9.4,<2" "azure-identity>=1.19" "azure-core>=1.32" "azure-mgmt-compute>=34"

dist="$(mktemp -d)"
trap 'rm -rf "$dist"' EXIT
release=()
[ "$profile" = release ] && release=(--release)
(cd "$py_dir" && VIRTUAL_ENV="$py_dir/.venv" PATH="$py_dir/.venv/bin:$PATH" \
  "$py_dir/.venv/bin/maturin" build "${release[@]}" --interpreter "$venv_py" -o "$dist")
"$venv_py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$dist"/*.whl
echo "msi_identity wheel: $profile"
cd "$here"
if [ "${1:-}" = bulk ]; then
  shift
  exec "$venv_py" bulk.py "$@"
fi
exec "$venv_py" bench.py "$@"
