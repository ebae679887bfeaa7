@{
    RootModule           = 'MsiIdentity.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c1c1e-4a53-4d7e-9a55-2f1d8c3b7a10'
    Author               = 'msi-identity maintainers'
    CompanyName          = 'msi-identity maintainers'
    Copyright            = '(c) msi-identity maintainers. MIT License.'
    Description          = 'Azure managed identities for VMs and VM scale sets (system- and user-assigned identities, the MSI VM extension, role assignments, managed-identity tokens) and a local Azure emulator, over libmsi_identity. Cmdlets mirror the AzureRM/Az steps of the managed-identity guides.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('MsiIdentity.Format.ps1xml')
    # What the module build (build-module.sh) lays out: the compiled native layer (the psm1 compiles the .cs when the
    # dll is absent, as in a source checkout) and libmsi_identity for each platform in lib/.
    FileList             = @(
        'MsiIdentity.psd1', 'MsiIdentity.psm1', 'MsiIdentity.Bulk.ps1', 'MsiIdentity.Desired.ps1', 'MsiIdentity.Format.ps1xml', 'MsiIdentity.Native.cs', 'MsiIdentity.Native.dll',
        'lib/msi_identity.dll', 'lib/libmsi_identity.so', 'lib/libmsi_identity.dylib'
    )
    FunctionsToExport    = @(
        'Connect-MsiAccount', 'Disconnect-MsiAccount',
        'New-MsiResourceGroup', 'Get-MsiResourceGroup',
        'Get-MsiVM', 'Get-MsiVMIdentity', 'Update-MsiVM', 'Add-MsiVMIdentity', 'Remove-MsiVMIdentity', 'New-MsiVM', 'Remove-MsiVM',
        'Set-MsiVMExtension', 'Get-MsiVMExtension', 'Remove-MsiVMExtension',
        'Get-MsiVmss', 'Get-MsiVmssIdentity', 'Update-MsiVmss', 'Add-MsiVmssIdentity', 'Remove-MsiVmssIdentity', 'New-MsiVmss', 'Remove-MsiVmss',
        'Set-MsiVmssExtension', 'Get-MsiVmssExtension', 'Remove-MsiVmssExtension',
        'New-MsiUserAssignedIdentity', 'Get-MsiUserAssignedIdentity', 'Remove-MsiUserAssignedIdentity',
        'New-MsiRoleAssignment', 'Get-MsiRoleAssignment', 'Remove-MsiRoleAssignment',
        'Get-MsiAccessToken',
        'Start-MsiEmulator', 'Stop-MsiEmulator', 'Get-MsiEmulatorIdentityEndpoint',
        'Invoke-MsiBulkIdentityChange',
        'Get-MsiDesiredStatePlan', 'Invoke-MsiDesiredState'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @('Login-MsiAccount')
    PrivateData          = @{
        PSData = @{
            Tags         = @('Azure', 'ManagedIdentity', 'MSI', 'IMDS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # The repository's address is not recorded in this workspace: set the real one before publishing.
            ProjectUri   = 'https://github.com/msi-identity/msi-identity'
            ReleaseNotes = @'
0.1.0
- Get-MsiDesiredStatePlan / Invoke-MsiDesiredState: msi plan / msi apply from a desired-state file.
- Get-MsiAccessToken follows Get-AzAccessToken (Az 14): the signed-in account's token, Token a SecureString,
  with ExpiresOn, TenantId, UserId and Type; -ResourceTypeName; -Identity for this machine's managed identity;
  -AsPlainText for scripts that need the old plain string.
- Connect-MsiAccount -Identity [-AccountId] signs in as the managed identity (Connect-AzAccount -Identity).
- -AssignIdentity is a switch as in Az (Update-MsiVM, Update-MsiVmss, New-MsiVM, New-MsiVmss); the AzureRM form
  -AssignIdentity SystemAssigned still works.
- Set-MsiVMExtension / Set-MsiVmssExtension -ProtectedSettings (the MSI extension takes none: refused unless
  empty); Set-MsiVMExtension -Location must be the VM's; Set-MsiVmssExtension has no -Location.
- Every function declares [OutputType()]; table views for the module's objects (MsiIdentity.Format.ps1xml).
- The native layer ships compiled (MsiIdentity.Native.dll); a source checkout compiles MsiIdentity.Native.cs.
'@
        }
    }
}
