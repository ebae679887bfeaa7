# Set-, Get-, Remove-MsiVMExtension and the scale-set forms, with the seeds' arguments.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    New-MsiVM -ResourceGroupName $script:Rg -Name myVM -AssignIdentity | Out-Null
    New-MsiVmss -ResourceGroupName $script:Rg -Name mySS -AssignIdentity | Out-Null
}
AfterAll { Stop-MsiEmulator }

Describe 'Set-MsiVMExtension' {
    It 'adds the MSI extension as the seed documents do' {
        $settings = @{ "port" = 50342 }
        $ext = Set-MsiVMExtension -ResourceGroupName $script:Rg -Location WestUS -VMName myVM -Name "ManagedIdentityExtensionForWindows" -Type "ManagedIdentityExtensionForWindows" -Publisher "Microsoft.ManagedIdentity" -TypeHandlerVersion "1.0" -Settings $settings
        $ext.properties.settings.port | Should -Be 50342
        (Get-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForWindows).properties.publisher | Should -Be 'Microsoft.ManagedIdentity'
    }
    It 'takes -Location only as the VM''s own' {
        (Set-MsiVMExtension -ResourceGroupName $script:Rg -Location 'West US' -VMName myVM -Name ManagedIdentityExtensionForWindows).name | Should -Be 'ManagedIdentityExtensionForWindows'
        Set-MsiVMExtension -ResourceGroupName $script:Rg -Location eastus -VMName myVM -Name ManagedIdentityExtensionForWindows -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match "'eastus'"
    }
    It 'accepts an empty -ProtectedSettings and refuses any other without showing it' {
        (Set-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForWindows -ProtectedSettings @{}).name | Should -Be 'ManagedIdentityExtensionForWindows'
        Set-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForWindows -ProtectedSettings @{ key = 'hunter2-pester' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'protected settings'
        $err[0].Exception.Message | Should -Not -Match 'hunter2'
    }
    It 'refuses another publisher as InvalidArgument' {
        Set-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name Other -Type ManagedIdentityExtensionForLinux -Publisher Contoso -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'Remove-MsiVMExtension' {
    It 'removes it (the seeds Remove-AzureRmVMExtension step)' {
        (Remove-MsiVMExtension -ResourceGroupName $script:Rg -Name "ManagedIdentityExtensionForWindows" -VMName myVM).Deleted | Should -BeTrue
        (Remove-MsiVMExtension -ResourceGroupName $script:Rg -Name "ManagedIdentityExtensionForWindows" -VMName myVM).Deleted | Should -BeFalse
    }
}

Describe 'Scale-set extensions' {
    It 'has no -Location; refuses non-empty -ProtectedSetting' {
        (Get-Command Set-MsiVmssExtension).Parameters.ContainsKey('Location') | Should -BeFalse
        Set-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux -ProtectedSetting @{ k = 'v' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'sets, gets and removes' {
        (Set-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux -Setting @{ port = 50343 }).name | Should -Be 'ManagedIdentityExtensionForLinux'
        (Get-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux).properties.type | Should -Be 'ManagedIdentityExtensionForLinux'
        (Remove-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux).Deleted | Should -BeTrue
    }
}
