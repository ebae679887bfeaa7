# Shared by the Pester tests: import the module from this tree (the library from target/debug unless
# MSI_IDENTITY_LIBRARY names one) and start an in-memory emulator, signed in as its admin.
# MSI_IDENTITY_MODULE names a built module (build-module.sh: the compiled dll, lib/); else the source tree, where
# the module compiles MsiIdentity.Native.cs.
$moduleRoot = Join-Path $PSScriptRoot '..' | Join-Path -ChildPath 'MsiIdentity'
if ($env:MSI_IDENTITY_MODULE) { $moduleRoot = $env:MSI_IDENTITY_MODULE }
if (-not $env:MSI_IDENTITY_LIBRARY) {
    $repo = Join-Path $PSScriptRoot '..' | Join-Path -ChildPath '..' | Join-Path -ChildPath '..'
    $candidates = @('libmsi_identity.so', 'msi_identity.dll', 'libmsi_identity.dylib')
    foreach ($c in $candidates) {
        $path = Join-Path $repo 'target' | Join-Path -ChildPath 'debug' | Join-Path -ChildPath $c
        if (Test-Path -LiteralPath $path) { $env:MSI_IDENTITY_LIBRARY = (Resolve-Path -LiteralPath $path).Path }
    }
}
Import-Module (Join-Path $moduleRoot 'MsiIdentity.psd1') -Force
$script:Emulator = Start-MsiEmulator -Throttle off -Connect
$script:Rg = 'pester-rg'
New-MsiResourceGroup -Name $script:Rg -Location westus | Out-Null
