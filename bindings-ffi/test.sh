#!/usr/bin/env bash
# Every test of the C ABI and the PowerShell module, from a fresh machine (as root): installs what it needs,
# builds the library, checks the header for drift, then runs the C tests (plain and under valgrind), the Python
# ctypes tests, the module build and the C# native layer under Mono, the PowerShell syntax and analyzer checks,
# the consistency test, the cargo-c install with a C program built from its pkg-config file, and Pester when pwsh
# is there. Exits non-zero on the first failure. Called by scripts/test-all.
set -euo pipefail
FFI="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$FFI/.." && pwd)"
cd "$ROOT"

CBINDGEN_VERSION=0.29.4
# The newest cargo-c that builds with this toolchain (rustc 1.95; 0.10.25+ need 1.97).
CARGO_C_VERSION=0.10.24
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
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v readelf >/dev/null || missing+=(binutils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "$(cbindgen --version 2>/dev/null || true)" != "cbindgen $CBINDGEN_VERSION" ]; then
  echo "installing cbindgen $CBINDGEN_VERSION"
  cargo install cbindgen --version "=$CBINDGEN_VERSION" --locked --quiet
fi
# cargo-c took 29.5 minutes to build here (it compiles cargo itself): installed only when missing.
if ! cargo cinstall --version 2>/dev/null | grep -q "^cargo-c $CARGO_C_VERSION"; then
  echo "installing cargo-c $CARGO_C_VERSION (once; it took 29.5 minutes on 2 shared cores)"
  nice -n 10 cargo install cargo-c --version "=$CARGO_C_VERSION" --locked --quiet
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
  test_marshalling.py test_bad_input.py test_vectors.py test_bulk.py) | tee "$OUT/ctypes.log"
count "$(last_line "$OUT/ctypes.log")"
done_step "ctypes (pytest)" "$(last_line "$OUT/ctypes.log" | sed 's/ in .*//; s/=//g')"

step "module build + C# native layer under Mono"
# The module build lays out the shippable module (MsiIdentity.Native.dll compiled with mcs, lib/); the test
# program is compiled against that very dll and drives it (InternalsVisibleTo) with the library in the module's lib/.
MODULE="$("$FFI/powershell/build-module.sh" "$OUT/module" "$T/libmsi_identity.so")"
mcs -warnaserror -nologo -r:"$MODULE/MsiIdentity.Native.dll" -out:"$OUT/native_tests.exe" "$FFI/tests/csharp/NativeTests.cs"
cp "$MODULE/MsiIdentity.Native.dll" "$OUT/"
# The module's loader finds the library by path (no LD_LIBRARY_PATH).
mono "$OUT/native_tests.exe" "$MODULE/lib/libmsi_identity.so" | tee "$OUT/mono.log"
count "$(last_line "$OUT/mono.log")"
done_step "C# (Mono)" "$(last_line "$OUT/mono.log")"

step "PowerShell syntax and analyzer rules (tree-sitter-powershell)"
"$PY" "$FFI/tests/pscheck/pscheck.py" "$FFI/powershell"
(cd "$FFI/tests/pscheck" && "$PY" -m pytest -q -p no:cacheprovider) | tee "$OUT/pscheck.log"
count "$(last_line "$OUT/pscheck.log")"
done_step "PowerShell syntax+PSSA" "$(last_line "$OUT/pscheck.log" | sed 's/ in .*//; s/=//g')"

step "consistency (header <-> DllImports, results, cmdlets)"
(cd "$FFI/tests/python" && MSI_FFI_LIB="$T/libmsi_identity.so" "$PY" -m pytest -q -p no:cacheprovider test_consistency.py) | tee "$OUT/consistency.log"
count "$(last_line "$OUT/consistency.log")"
done_step "consistency (pytest)" "$(last_line "$OUT/consistency.log" | sed 's/ in .*//; s/=//g')"

step "cargo-c (cinstall into a temporary prefix; a C program from its pkg-config file)"
# The ABI as a distribution installs it: shared library with a versioned SONAME, static library, the committed
# header and msi_identity.pc, from [package.metadata.capi] in bindings-ffi/Cargo.toml. Debug profile: the
# install layout is what is tested, and the dependencies are the debug ones already built for the other faces.
prefix="$(mktemp -d)"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)"
nice -n 10 cargo cinstall -p msi-identity-ffi --debug --prefix "$prefix" --libdir "$prefix/lib" \
  --includedir "$prefix/include" >"$OUT/cinstall.log" 2>&1 || { cat "$OUT/cinstall.log"; exit 1; }
sover="${version%.*}"
for f in "lib/libmsi_identity.so.$version" "lib/libmsi_identity.a" "include/msi_identity.h" "lib/pkgconfig/msi_identity.pc"; do
  test -f "$prefix/$f" || { echo "cargo cinstall did not install $f" >&2; ls -lR "$prefix" >&2; exit 1; }
done
test "$(readlink "$prefix/lib/libmsi_identity.so")" = "libmsi_identity.so.$version"
test "$(readlink "$prefix/lib/libmsi_identity.so.$sover")" = "libmsi_identity.so.$version"
readelf -d "$prefix/lib/libmsi_identity.so.$version" | grep -q "(SONAME).*\[libmsi_identity.so.$sover\]" \
  || { echo "SONAME is not libmsi_identity.so.$sover:" >&2; readelf -d "$prefix/lib/libmsi_identity.so.$version" | grep SONAME >&2; exit 1; }
cmp "$prefix/include/msi_identity.h" "$FFI/include/msi_identity.h"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pkg-config --exists msi_identity
# Shared: only what pkg-config says, plus the rpath of the temporary prefix.
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror "$FFI/tests/capi/pc_test.c" $(pkg-config --cflags --libs msi_identity) \
  -Wl,-rpath,"$prefix/lib" -o "$OUT/pc_test_shared"
readelf -d "$OUT/pc_test_shared" | grep -q "(NEEDED).*\[libmsi_identity.so.$sover\]"
"$OUT/pc_test_shared" "$version" | tee "$OUT/capi.log"
count "$(last_line "$OUT/capi.log")"
# Static: libmsi_identity.a and the system libraries of `pkg-config --static` (Libs.private).
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror "$FFI/tests/capi/pc_test.c" $(pkg-config --cflags msi_identity) \
  "$prefix/lib/libmsi_identity.a" $(pkg-config --static --libs msi_identity | sed 's/-lmsi_identity//') -o "$OUT/pc_test_static"
if readelf -d "$OUT/pc_test_static" | grep -q "libmsi_identity"; then echo "static build links the shared library" >&2; exit 1; fi
"$OUT/pc_test_static" "$version" | tee "$OUT/capi-static.log"
count "$(last_line "$OUT/capi-static.log")"
rm -rf "$prefix"
done_step "cargo-c + pkg-config" "$(last_line "$OUT/capi.log") x2 (shared, static)"

step "Pester"
if command -v pwsh >/dev/null; then
  MSI_IDENTITY_MODULE="$MODULE" MSI_IDENTITY_LIBRARY="$T/libmsi_identity.so" pwsh -NoProfile -NonInteractive -Command "
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
