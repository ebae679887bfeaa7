# Start-MsiEmulator, Stop-MsiEmulator, Get-MsiEmulatorIdentityEndpoint.
BeforeAll { . (Join-Path $PSScriptRoot 'TestSetup.ps1') }
AfterAll { Stop-MsiEmulator }

Describe 'Start-MsiEmulator' {
    It 'describes where it is' {
        $script:Emulator.Endpoint | Should -Match '^https://127\.0\.0\.1:\d+$'
        Test-Path -LiteralPath $script:Emulator.CaCertPath | Should -BeTrue
        $script:Emulator.Env['MSI_ARM_ENDPOINT'] | Should -Be $script:Emulator.Endpoint
    }
    It 'keeps state in a data directory across restarts' {
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ("msi-pester-" + [guid]::NewGuid())
        $e = Start-MsiEmulator -DataDir $dir -NoRbac -Connect
        New-MsiResourceGroup -Name kept -Location westus | Out-Null
        Stop-MsiEmulator $e
        $e = Start-MsiEmulator -DataDir $dir -Connect
        (Get-MsiResourceGroup -Name kept).name | Should -Be 'kept'
        Stop-MsiEmulator $e
        $script:Emulator | Connect-MsiAccount | Out-Null
    }
    It 'fails with ResourceUnavailable when the port is taken' {
        $port = [int]($script:Emulator.Endpoint -replace '.*:', '')
        { Start-MsiEmulator -Port $port -ErrorAction Stop } | Should -Throw
    }
    It 'refuses a bad -Throttle value, naming the part' {
        { Start-MsiEmulator -Throttle 'writes=5/1,wirtes=1/1' -ErrorAction Stop } | Should -Throw '*wirtes*'
    }
}

Describe 'Get-MsiEmulatorIdentityEndpoint' {
    It 'gives the IMDS base URL and the App Service pair of a VM' {
        $vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM -AssignIdentity SystemAssigned
        $ep = $vm | Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator
        $ep.ImdsBaseUrl | Should -Match '/vm/'
        $ep.IdentityHeader | Should -Not -BeNullOrEmpty
    }
    It 'reports an unknown VM as ObjectNotFound' {
        $id = "/subscriptions/$($script:Emulator.SubscriptionId)/resourceGroups/$($script:Rg)/providers/Microsoft.Compute/virtualMachines/nope"
        Get-MsiEmulatorIdentityEndpoint -Emulator $script:Emulator -ResourceId $id -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}
