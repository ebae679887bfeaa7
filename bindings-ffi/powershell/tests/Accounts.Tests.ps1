# Connect-MsiAccount, Disconnect-MsiAccount, resource groups, and errors as ErrorRecords.
BeforeAll { . (Join-Path $PSScriptRoot 'TestSetup.ps1') }
AfterAll { Stop-MsiEmulator }

Describe 'Connect-MsiAccount' {
    It 'signs in to the emulator from its object' {
        $ctx = $script:Emulator | Connect-MsiAccount
        $ctx.subscriptionId | Should -Be $script:Emulator.SubscriptionId
        $ctx.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.Context'
    }
    It 'signs in as a service principal with a PSCredential' {
        $secret = ConvertTo-SecureString $script:Emulator.AdminClientSecret -AsPlainText -Force
        $cred = New-Object System.Management.Automation.PSCredential($script:Emulator.AdminClientId, $secret)
        $ctx = Connect-MsiAccount -ServicePrincipal -Credential $cred -Tenant $script:Emulator.TenantId `
            -Subscription $script:Emulator.SubscriptionId -Endpoint $script:Emulator.Endpoint -CaCertPath $script:Emulator.CaCertPath
        $ctx.endpoint | Should -Be $script:Emulator.Endpoint
        (Get-MsiResourceGroup -Name $script:Rg).name | Should -Be $script:Rg
    }
    It 'signs in from the environment' {
        foreach ($k in $script:Emulator.Env.Keys) { Set-Item -Path "env:$k" -Value $script:Emulator.Env[$k] }
        (Connect-MsiAccount).subscriptionId | Should -Be $script:Emulator.SubscriptionId
        Disconnect-MsiAccount
        (Get-MsiResourceGroup -Name $script:Rg).name | Should -Be $script:Rg
    }
    It 'signs in as the managed identity (-Identity), a user-assigned one with -AccountId' {
        $vm = New-MsiVM -ResourceGroupName $script:Rg -Name connect-vm -AssignIdentity
        New-MsiRoleAssignment -ObjectId $vm.identity.principalId -RoleDefinitionName Reader -Scope "/subscriptions/$($script:Emulator.SubscriptionId)/resourceGroups/$($script:Rg)" -ObjectType ServicePrincipal | Out-Null
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = ($vm | Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator).ImdsBaseUrl
        Remove-Item env:AZURE_CLIENT_ID -ErrorAction SilentlyContinue
        try {
            $ctx = Connect-MsiAccount -Identity -Subscription $script:Emulator.SubscriptionId -Endpoint $script:Emulator.Endpoint -CaCertPath $script:Emulator.CaCertPath
            $ctx.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.Context'
            (Get-MsiResourceGroup -Name $script:Rg).name | Should -Be $script:Rg
            (Get-MsiAccessToken).TenantId | Should -Be $script:Emulator.TenantId
            Connect-MsiAccount -Identity -AccountId '00000000-0000-0000-0000-00000000000c' -Subscription $script:Emulator.SubscriptionId -Endpoint $script:Emulator.Endpoint -CaCertPath $script:Emulator.CaCertPath | Out-Null
            Get-MsiResourceGroup -Name $script:Rg -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        } finally {
            Remove-Item env:AZURE_POD_IDENTITY_AUTHORITY_HOST
            $script:Emulator | Connect-MsiAccount | Out-Null
        }
    }
    It 'fails with an AuthenticationError record for a wrong secret' {
        $secret = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        $cred = New-Object System.Management.Automation.PSCredential($script:Emulator.AdminClientId, $secret)
        Connect-MsiAccount -ServicePrincipal -Credential $cred -Tenant $script:Emulator.TenantId -MaxRetries 0 `
            -Subscription $script:Emulator.SubscriptionId -Endpoint $script:Emulator.Endpoint -CaCertPath $script:Emulator.CaCertPath | Out-Null
        Get-MsiResourceGroup -Name $script:Rg -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $err[0].Exception.Message | Should -Not -Match 'wrong'
        $script:Emulator | Connect-MsiAccount | Out-Null
    }
}

Describe 'New-MsiResourceGroup and Get-MsiResourceGroup' {
    It 'creates a group with a non-ASCII name' {
        $g = New-MsiResourceGroup -Name 'grüße-日本' -Location 'West US'
        $g.location | Should -Be 'westus'
        (Get-MsiResourceGroup -Name 'grüße-日本').name | Should -Be 'grüße-日本'
    }
    It 'reports a missing group as ObjectNotFound with the service code' {
        Get-MsiResourceGroup -Name 'no-such-group' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -Match '^ResourceGroupNotFound'
        $err[0].Exception.Status | Should -Be 404
        $err[0].Exception.RequestId | Should -Not -BeNullOrEmpty
    }
    It 'reports a bad name as InvalidArgument' {
        Get-MsiResourceGroup -Name 'bad/name' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'does nothing with -WhatIf' {
        New-MsiResourceGroup -Name 'whatif-rg' -Location westus -WhatIf
        Get-MsiResourceGroup -Name 'whatif-rg' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
