# Get-MsiAccessToken from IMDS, the MSI extension and the App Service endpoint, with each selector.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Uai = New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name 'pester-uai'
    $script:Vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType 'SystemAssigned, UserAssigned' -IdentityId pester-uai
    $script:Endpoints = $script:Vm | Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator
}
AfterAll { Stop-MsiEmulator }

Describe 'Get-MsiAccessToken' {
    It 'gets the system-assigned identity token from IMDS' {
        $t = Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl
        $t.Token.Split('.').Count | Should -Be 3
        $t.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        $t.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.AccessToken'
    }
    It 'selects a user-assigned identity by client id, object id or resource id' {
        (Get-MsiAccessToken -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ClientId $script:Uai.properties.clientId).Token | Should -Not -BeNullOrEmpty
        (Get-MsiAccessToken -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ObjectId $script:Uai.properties.principalId).Token | Should -Not -BeNullOrEmpty
        (Get-MsiAccessToken -ResourceUrl https://vault.azure.net -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ResourceId $script:Uai.id).Token | Should -Not -BeNullOrEmpty
    }
    It 'uses the App Service endpoint and the environment' {
        (Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source AppService -Endpoint $script:Endpoints.IdentityEndpoint -IdentityHeader $script:Endpoints.IdentityHeader -AsSecureString).Token | Should -BeOfType [securestring]
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $script:Endpoints.ImdsBaseUrl
        (Get-MsiAccessToken -ResourceUrl https://management.azure.com/).Token | Should -Not -BeNullOrEmpty
        Remove-Item env:AZURE_POD_IDENTITY_AUTHORITY_HOST
    }
    It 'uses the MSI extension once the VM has it' {
        Set-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForLinux -Settings @{ port = 50345 } | Out-Null
        (Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source MsiExtension -Endpoint $script:Endpoints.ImdsBaseUrl).Token | Should -Not -BeNullOrEmpty
    }
    It 'an identity not assigned here is ResourceUnavailable with the IMDS code' {
        { Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $script:Endpoints.ImdsBaseUrl -ClientId '00000000-0000-0000-0000-000000000009' -ErrorAction Stop } |
            Should -Throw -ErrorId 'invalid_request,Get-MsiAccessToken'
    }
}
