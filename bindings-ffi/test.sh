#!/usr/bin/env bash
# Every test of the C ABI and the PowerShell module, from a fresh machine (as root): installs what it needs,
# builds the library, checks the header for drift, then runs the C tests (plain and under valgrind), the Python
# ctypes tests, the C# native layer under Mono, the PowerShell syntax check, the consistency test, and Pester
# when pwsh is there. Exits non-zero on the first failure. Called by scripts/test-all.
set -euo pipefail
FFI="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$FFI/.." && pwd)"
cd "$ROOT"

CBINDGEN_VERSION=0.29.4
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
if [ -n "${CARGO_BUILD_TARGET:-}" ]; then T="$TARGET_DIR/$CARGO_BUILD_TARGET/debug"; else T="$TARGET_DIR/debug"; fi
OUT="$T/ffi-tests"
SUMMARY=()
PASSED=0
FAILED=0
SKIPPED=0
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
step() { printf '\n== bindings-ffi: %s\n' "$*"; STEP_START=$(now_ms); }
done_step() {
  local ms=$(( $(now_ms) - STEP_START ))
  SUMMARY+=("$(printf '%-22s %-36s %4d.%01ds' "$1" "$2" $((ms / 1000)) $(((ms % 1000) / 100)))")
}
# Add the counts of a closing line ("N passed, M failed" or pytest's "N passed in ...").
count() {
  local line="$1" p f
  p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
}
last_line() { tail -n 1 "$1"; }

step "tools"
missing=()
command -v mcs >/dev/null || missing+=(mono-mcs)
command -v mono >/dev/null || missing+=(mono-runtime)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v gcc >/dev/null || missing+=(gcc)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
  echo "installing cbindgen $CBINDGEN_VERSION"
  cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --quiet
fi
VENV="$FFI/.venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check pytest tree-sitter tree-sitter-powershell
PY="$VENV/bin/python"
done_step "tools" "ok"

step "build (cargo build -p msi-identity-ffi)"
# Only this crate (and what it links: core and the emulator): the tests use the library alone, and a crate of
# another face mid-edit must not fail this face's tests. (Per-package feature resolution may rebuild part of the
# proc-macro stack once after a workspace build: toolchain notes, gotcha 15.)
nice -n 10 cargo build -p msi-identity-ffi --quiet
test -f "$T/libmsi_identity.so"
mkdir -p "$OUT"
done_step "build" "libmsi_identity.so"

step "header drift (cbindgen $CBINDGEN_VERSION)"
fresh="$(mktemp)"
cbindgen --quiet --config "$FFI/cbindgen.toml" --crate msi-identity-ffi -o "$fresh" 2>/dev/null
if ! diff -u "$FFI/include/msi_identity.h" "$fresh"; then
  echo "bindings-ffi/include/msi_identity.h is out of date: regenerate it (see bindings-ffi/README.md)" >&2
  exit 1
fi
rm -f "$fresh"
done_step "header drift" "none"

step "C tests (-std=c11 -Wall -Wextra -Werror)"
gcc -std=c11 -Wall -Wextra -Werror -pthread -I "$FFI/include" "$FFI"/tests/c/*.c -L "$T" -lmsi_identity \
  -Wl,-rpath,"$T" -o "$OUT/c_tests"
g++ -fsyntax-only -x c++ -I "$FFI/include" - <<<'#include "msi_identity.h"
int main() { return msi_result_name(MSI_RESULT_OK) == nullptr; }'
data="$(mktemp -d)"
"$OUT/c_tests" "$data/azure" | tee "$OUT/c.log"
count "$(last_line "$OUT/c.log")"
done_step "C tests" "$(last_line "$OUT/c.log")"

step "C tests under valgrind (leaks: definite, indirect)"
# The same data directory: the emulator's keys are made once, outside valgrind.
valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
  --suppressions="$FFI/tests/c/valgrind.supp" "$OUT/c_tests" "$data/azure" 2>"$OUT/valgrind.log" | tee "$OUT/vg.log" \
  || { grep -v '^test_' "$OUT/valgrind.log" | head -80; exit 1; }
rm -rf "$data"
count "$(last_line "$OUT/vg.log")"
done_step "C tests (valgrind)" "$(last_line "$OUT/vg.log"), no leaks"

step "Python ctypes tests (incl. the shared table tests/vectors/identity-cases.json)"
(cd "$FFI/tests/python" && MSI_FFI_LIB="$T/libmsi_identity.so" "$PY" -m pytest -q -p no:cacheprovider \
  test_marshalling.py test_bad_input.py test_vectors.py) | tee "$OUT/ctypes.log"
count "$(last_line "$OUT/ctypes.log")"
done_step "ctypes (pytest)" "$(last_line "$OUT/ctypes.log" | sed 's/ in .*//; s/=//g')"

step "C# native layer under Mono"
# As Add-Type compiles it (a library on its own), then with the test program.
mcs -target:library -warnaserror -nologo -out:"$OUT/MsiIdentity.Native.dll" "$FFI/powershell/MsiIdentity/MsiIdentity.Native.cs"
mcs -warnaserror -nologo -out:"$OUT/native_tests.exe" "$FFI/powershell/MsiIdentity/MsiIdentity.Native.cs" \
  "$FFI/tests/csharp/NativeTests.cs"
# The module's loader finds the library by path (no LD_LIBRARY_PATH).
mono "$OUT/native_tests.exe" "$T/libmsi_identity.so" | tee "$OUT/mono.log"
count "$(last_line "$OUT/mono.log")"
done_step "C# (Mono)" "$(last_line "$OUT/mono.log")"

step "PowerShell syntax (tree-sitter-powershell)"
"$PY" "$FFI/tests/pscheck/pscheck.py" "$FFI/powershell"
(cd "$FFI/tests/pscheck" && "$PY" -m pytest -q -p no:cacheprovider) | tee "$OUT/pscheck.log"
count "$(last_line "$OUT/pscheck.log")"
done_step "PowerShell syntax" "$(last_line "$OUT/pscheck.log" | sed 's/ in .*//; s/=//g')"

step "consistency (header <-> DllImports, results, cmdlets)"
(cd "$FFI/tests/python" && "$PY" -m pytest -q -p no:cacheprovider test_consistency.py) | tee "$OUT/consistency.log"
count "$(last_line "$OUT/consistency.log")"
done_step "consistency (pytest)" "$(last_line "$OUT/consistency.log" | sed 's/ in .*//; s/=//g')"

step "Pester"
if command -v pwsh >/dev/null; then
  MSI_IDENTITY_LIBRARY="$T/libmsi_identity.so" pwsh -NoProfile -NonInteractive -Command "
    if (-not (Get-Module -ListAvailable Pester | Where-Object { \$_.Version.Major -ge 5 })) {
      Install-Module Pester -MinimumVersion 5.0 -Force -Scope CurrentUser -SkipPublisherCheck }
    \$r = Invoke-Pester -Path '$FFI/powershell/tests' -Output Detailed -PassThru
    Write-Output (\"{0} passed, {1} failed\" -f \$r.PassedCount, \$r.FailedCount)
    if (\$r.FailedCount -gt 0) { exit 1 }" | tee "$OUT/pester.log"
  count "$(last_line "$OUT/pester.log")"
  done_step "Pester" "$(last_line "$OUT/pester.log")"
else
  echo "SKIPPED: Pester tests (bindings-ffi/powershell/tests) need pwsh, which is not installed and cannot be installed on this machine; their syntax was checked above"
  SKIPPED=$((SKIPPED + $(ls "$FFI"/powershell/tests/*.Tests.ps1 | wc -l)))
  done_step "Pester" "SKIPPED (no pwsh)"
fi

printf '\n== bindings-ffi: summary\n'
printf '%s\n' "${SUMMARY[@]}"
if [ "$SKIPPED" -gt 0 ]; then
  echo "bindings-ffi: $PASSED passed, $FAILED failed, $SKIPPED skipped"
else
  echo "bindings-ffi: $PASSED passed, $FAILED failed"
fi
