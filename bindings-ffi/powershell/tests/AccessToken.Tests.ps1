# Get-MsiAccessToken as Get-AzAccessToken (Az 14): the signed-in account's token as a SecureString with ExpiresOn,
# TenantId, UserId and Type; -ResourceTypeName; -AsPlainText; and with -Identity the managed identity's token from
# IMDS, the MSI extension and the App Service endpoint, with each selector.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Uai = New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name 'pester-uai'
    $script:Vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType 'SystemAssigned, UserAssigned' -IdentityId pester-uai
    $script:Endpoints = $script:Vm | Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator
    function Show-Secure([securestring]$s) { (New-Object System.Net.NetworkCredential('', $s)).Password }
}
AfterAll { Stop-MsiEmulator }

Describe 'Get-MsiAccessToken (the signed-in account)' {
    It 'returns the ARM token as a SecureString with Az''s properties' {
        $t = Get-MsiAccessToken
        $t.Token | Should -BeOfType [securestring]
        (Show-Secure $t.Token).Split('.').Count | Should -Be 3
        $t.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $t.TenantId | Should -Be $script:Emulator.TenantId
        $t.UserId | Should -Be $script:Emulator.AdminClientId
        $t.Type | Should -Be 'Bearer'
        $t.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.AccessToken'
        ($t | Out-String) | Should -Not -Match ([regex]::Escape((Show-Secure $t.Token).Substring(0, 20)))
    }
    It 'takes -ResourceTypeName and -ResourceUrl; -AsSecureString changes nothing' {
        (Get-MsiAccessToken -ResourceTypeName MSGraph).ResourceUrl | Should -Be 'https://graph.microsoft.com/'
        (Get-MsiAccessToken -ResourceUrl https://vault.azure.net -AsSecureString).Token | Should -BeOfType [securestring]
        { Get-MsiAccessToken -ResourceTypeName NoSuchType -ErrorAction Stop } | Should -Throw -ErrorId 'invalid_argument,Get-MsiAccessToken'
    }
    It 'returns plain text only when asked (-AsPlainText)' {
        (Get-MsiAccessToken -AsPlainText).Token | Should -BeOfType [string]
    }
    It 'refuses a -TenantId the account is not signed in to' {
        (Get-MsiAccessToken -TenantId $script:Emulator.TenantId).TenantId | Should -Be $script:Emulator.TenantId
        { Get-MsiAccessToken -TenantId '00000000-0000-0000-0000-0000000000aa' -ErrorAction Stop } | Should -Throw -ErrorId 'TenantMismatch,Get-MsiAccessToken'
    }
}

Describe 'Get-MsiAccessToken -Identity (this machine''s managed identity)' {
    It 'gets the system-assigned identity token from IMDS' {
        $t = Get-MsiAccessToken -Identity -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl
        $t.Token | Should -BeOfType [securestring]
        (Show-Secure $t.Token).Split('.').Count | Should -Be 3
        $t.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $t.TenantId | Should -Be $script:Emulator.TenantId
    }
    It 'needs -Identity for the managed-identity parameters' {
        { Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ErrorAction Stop } | Should -Throw
    }
    It 'selects a user-assigned identity by client id, object id or resource id' {
        $t = Get-MsiAccessToken -Identity -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ClientId $script:Uai.properties.clientId
        $t.UserId | Should -Be $script:Uai.properties.clientId
        (Get-MsiAccessToken -Identity -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ObjectId $script:Uai.properties.principalId).Token | Should -Not -BeNullOrEmpty
        (Get-MsiAccessToken -Identity -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ResourceId $script:Uai.id).Token | Should -Not -BeNullOrEmpty
        (Get-MsiAccessToken -Identity -ResourceTypeName KeyVault -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ClientId $script:Uai.properties.clientId).ResourceUrl | Should -Be 'https://vault.azure.net'
    }
    It 'uses the App Service endpoint and the environment' {
        (Get-MsiAccessToken -Identity -ResourceUrl https://management.azure.com/ -Source AppService -Endpoint $script:Endpoints.IdentityEndpoint -IdentityHeader $script:Endpoints.IdentityHeader).Token | Should -BeOfType [securestring]
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $script:Endpoints.ImdsBaseUrl
        (Get-MsiAccessToken -Identity -AsPlainText).Token | Should -BeOfType [string]
        Remove-Item env:AZURE_POD_IDENTITY_AUTHORITY_HOST
    }
    It 'uses the MSI extension once the VM has it' {
        Set-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForLinux -Settings @{ port = 50345 } | Out-Null
        (Get-MsiAccessToken -Identity -ResourceUrl https://management.azure.com/ -Source MsiExtension -Endpoint $script:Endpoints.ImdsBaseUrl).Token | Should -Not -BeNullOrEmpty
    }
    It 'an identity not assigned here is ResourceUnavailable with the IMDS code' {
        { Get-MsiAccessToken -Identity -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ClientId '00000000-0000-0000-0000-000000000009' -ErrorAction Stop } |
            Should -Throw -ErrorId 'invalid_request,Get-MsiAccessToken'
    }
}
