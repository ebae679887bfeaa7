#!/usr/bin/env bash
# The module build: lays out the MsiIdentity module, ready to ship or import, in OUT/MsiIdentity:
#   MsiIdentity.psd1, MsiIdentity.psm1, MsiIdentity.Bulk.ps1, MsiIdentity.Desired.ps1, MsiIdentity.Format.ps1xml, MsiIdentity.Native.cs (the fallback source),
#   MsiIdentity.Native.dll (the native layer compiled by Mono's mcs), lib/<this platform's libmsi_identity>.
# The dll targets the .NET Framework 4.x profile (mscorlib 4.0): Windows PowerShell 5.1 (.NET Framework 4.5+)
# loads it as is, PowerShell 7 (.NET 6+) through .NET's mscorlib compatibility facade; it uses only APIs both have
# (P/Invoke, SafeHandle, SecureString; NativeLibrary by reflection). With the dll present the module compiles
# nothing at import. Nothing built here is committed: OUT is a build directory (bindings-ffi/test.sh uses
# target/debug/ffi-tests/module). A release package holds lib/ for each platform (FileList names all three).
#
# Usage: build-module.sh OUT [LIBRARY]   (LIBRARY: the built libmsi_identity.so / .dylib / msi_identity.dll)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SRC="$HERE/MsiIdentity"
OUT="${1:?usage: build-module.sh OUT [LIBRARY]}"
LIBRARY="${2:-}"
DEST="$OUT/MsiIdentity"
rm -rf "$DEST"
mkdir -p "$DEST"
cp "$SRC/MsiIdentity.psd1" "$SRC/MsiIdentity.psm1" "$SRC/MsiIdentity.Bulk.ps1" "$SRC/MsiIdentity.Desired.ps1" "$SRC/MsiIdentity.Format.ps1xml" "$SRC/MsiIdentity.Native.cs" "$DEST/"
mcs -target:library -optimize+ -warnaserror -nologo -out:"$DEST/MsiIdentity.Native.dll" "$SRC/MsiIdentity.Native.cs"
if [ -n "$LIBRARY" ]; then
  mkdir -p "$DEST/lib"
  cp "$LIBRARY" "$DEST/lib/"
fi
echo "$DEST"
