# New-, Get-, Remove-MsiRoleAssignment, and a managed identity that is refused until granted.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM -AssignIdentity SystemAssigned
    $script:Scope = "/subscriptions/$($script:Emulator.SubscriptionId)/resourceGroups/$($script:Rg)"
}
AfterAll { Stop-MsiEmulator }

Describe 'Role assignments' {
    It 'grants, lists and removes by object id, role name and scope' {
        $ra = New-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId -RoleDefinitionName Reader -Scope $script:Scope
        $ra.properties.roleDefinitionId | Should -Match 'acdd72a7-3385-48ef-bd42-f606fba81ae7'
        (Get-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId).id | Should -Contain $ra.id
        (Remove-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId -RoleDefinitionName Reader -Scope $script:Scope -Confirm:$false).deleted | Should -BeTrue
    }
    It 'without -Scope grants at the library default scope (the subscription)' {
        $ra = New-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId -RoleDefinitionName Reader
        $ra.properties.scope | Should -Be "/subscriptions/$($script:Emulator.SubscriptionId)"
        (Remove-MsiRoleAssignment -Id $ra.id -Confirm:$false).Deleted | Should -BeTrue
    }
    It 'removes by ID from the pipeline' {
        New-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId -RoleDefinitionName Reader -Scope $script:Scope | Out-Null
        (Get-MsiRoleAssignment -ObjectId $script:Vm.identity.principalId | Remove-MsiRoleAssignment -Confirm:$false).Deleted | Should -BeTrue
    }
    It 'PermissionDenied for the VM identity until it has a role' {
        $endpoints = $script:Vm | Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator
        $token = Get-MsiAccessToken -Identity -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $endpoints.ImdsBaseUrl -AsPlainText
        Connect-MsiAccount -AccessToken $token.Token -Subscription $script:Emulator.SubscriptionId -Endpoint $script:Emulator.Endpoint -CaCertPath $script:Emulator.CaCertPath | Out-Null
        Get-MsiResourceGroup -Name $script:Rg -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        $err[0].FullyQualifiedErrorId | Should -Match '^AuthorizationFailed'
        $script:Emulator | Connect-MsiAccount | Out-Null
    }
}
