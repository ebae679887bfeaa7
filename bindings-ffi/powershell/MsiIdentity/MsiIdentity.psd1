@{
    RootModule           = 'MsiIdentity.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0c1c1e-4a53-4d7e-9a55-2f1d8c3b7a10'
    Author               = 'msi-identity maintainers'
    Description          = 'Azure managed identities for VMs and VM scale sets (system- and user-assigned identities, the MSI VM extension, role assignments, managed-identity tokens) and a local Azure emulator, over libmsi_identity. Cmdlets mirror the AzureRM/Az steps of the managed-identity guides.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FileList             = @('MsiIdentity.psm1', 'MsiIdentity.Native.cs')
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
        'Start-MsiEmulator', 'Stop-MsiEmulator', 'Get-MsiEmulatorIdentityEndpoint'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @('Login-MsiAccount')
    PrivateData          = @{
        PSData = @{
            Tags       = @('Azure', 'ManagedIdentity', 'MSI', 'IMDS')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
