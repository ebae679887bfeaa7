#!/usr/bin/env bash
# Build the `msi_identity` wheel, install it into bindings-python/.venv, check the stubs against the compiled module
# (mypy.stubtest) and run the pytest suite against the in-process emulator.
#
# Needs only cargo and python3 (3.10+, with venv and pip) and PyPI/crates.io. Called by scripts/test-all.
#   MSI_PY_PROFILE=release ./test.sh   builds an optimised wheel (the default is a debug build, which reuses the
#                                      workspace's `cargo build` tree: only pyo3 and this crate are rebuilt)
#   PYTHON=python3.12 ./test.sh        picks the interpreter that creates the venv
# Extra arguments go to pytest (e.g. `./test.sh -k fork -x`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

step() { printf '\n== %s\n' "$*"; }
python="${PYTHON:-python3}"
profile="${MSI_PY_PROFILE:-debug}"

step "python venv ($here/.venv)"
command -v "$python" >/dev/null || { echo "test.sh: $python is required" >&2; exit 1; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "test.sh: Python 3.10+ is required" >&2; exit 1; }
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
venv_py="$here/.venv/bin/python"
"$venv_py" -m pip install -q --disable-pip-version-check \
  "maturin>=1.9.4,<2" "pytest>=8" "mypy>=1.15" "typing_extensions>=4.10" "azure-identity>=1.19" "azure-core>=1.32"
"$venv_py" --version

step "wheel (maturin build, $profile)"
dist="$here/dist"
rm -rf "$dist"
start=$(date +%s)
release=()
[ "$profile" = release ] && release=(--release)
# No --target: maturin then shares the workspace's target/ tree with `cargo build` (toolchain notes, gotcha 3).
VIRTUAL_ENV="$here/.venv" PATH="$here/.venv/bin:$PATH" \
  "$here/.venv/bin/maturin" build "${release[@]}" --interpreter "$venv_py" -o "$dist"
echo "wheel built in $(( $(date +%s) - start )) s: $(ls "$dist")"
"$venv_py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$dist"/*.whl

step "stubs match the compiled module (mypy.stubtest)"
# From outside the source tree, so the installed wheel is what is checked.
(cd "$here/tests" && "$venv_py" -m mypy.stubtest msi_identity)

step "pytest"
cd "$here"
exec "$venv_py" -m pytest tests -p no:cacheprovider "$@"
