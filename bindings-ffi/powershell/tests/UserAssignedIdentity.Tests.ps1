# New-, Get-, Remove-MsiUserAssignedIdentity.
BeforeAll { . (Join-Path $PSScriptRoot 'TestSetup.ps1') }
AfterAll { Stop-MsiEmulator }

Describe 'User-assigned identities' {
    It 'creates with tags and reads back' {
        $u = New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name myUserAssignedIdentity -Tag @{ owner = 'Zoë ✓' }
        $u.tags.owner | Should -Be 'Zoë ✓'
        $u.properties.principalId | Should -Not -BeNullOrEmpty
        $u.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.UserAssignedIdentity'
        ($u | Get-MsiUserAssignedIdentity).name | Should -Be 'myUserAssignedIdentity'
        @(Get-MsiUserAssignedIdentity -ResourceGroupName $script:Rg).Count | Should -Be 1
        @(Get-MsiUserAssignedIdentity).name | Should -Contain 'myUserAssignedIdentity'
    }
    It 'removes from the pipeline' {
        (Get-MsiUserAssignedIdentity -ResourceGroupName $script:Rg | Remove-MsiUserAssignedIdentity -Confirm:$false).Deleted | Should -BeTrue
        Get-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name myUserAssignedIdentity -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
    It 'rejects a bad name before sending anything' {
        New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name 'ab' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Status | Should -Be 0
    }
}
