# The scale-set cmdlets: New-, Get-, Get-...Identity, Update-, Add-/Remove-...Identity, Remove-MsiVmss.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Uai = New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name 'pester-uai'
}
AfterAll { Stop-MsiEmulator }

Describe 'Scale sets' {
    It 'creates with identities and reads them back' {
        $ss = New-MsiVmss -ResourceGroupName $script:Rg -Name mySS -InstanceCount 2 -IdentityType 'SystemAssigned, UserAssigned' -IdentityId pester-uai
        $ss.identity.type | Should -Be 'SystemAssigned, UserAssigned'
        $ss.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.VirtualMachineScaleSet'
        (Get-MsiVmss -ResourceGroupName $script:Rg -Name mySS | Get-MsiVmssIdentity).type | Should -Be 'SystemAssigned, UserAssigned'
    }
    It 'updates, adds and removes identities' {
        (Update-MsiVmss -ResourceGroupName $script:Rg -Name mySS -IdentityType SystemAssigned).identity.type | Should -Be 'SystemAssigned'
        (Add-MsiVmssIdentity -ResourceGroupName $script:Rg -Name mySS -IdentityId $script:Uai.id).identity.type | Should -Be 'SystemAssigned, UserAssigned'
        (Remove-MsiVmssIdentity -ResourceGroupName $script:Rg -Name mySS -AllUserAssigned).identity.type | Should -Be 'SystemAssigned'
        $ss = Get-MsiVmss -ResourceGroupName $script:Rg -Name mySS
        (Update-MsiVmss -VirtualMachineScaleSet $ss -IdentityType None).identity | Should -BeNullOrEmpty
    }
    It 'deletes' {
        (Remove-MsiVmss -ResourceGroupName $script:Rg -Name mySS -Confirm:$false).Deleted | Should -BeTrue
        Get-MsiVmss -ResourceGroupName $script:Rg -Name mySS -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
