# Set-, Get-, Remove-MsiVMExtension and the scale-set forms, with the seeds' arguments.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    New-MsiVM -ResourceGroupName $script:Rg -Name myVM -AssignIdentity SystemAssigned | Out-Null
    New-MsiVmss -ResourceGroupName $script:Rg -Name mySS -AssignIdentity SystemAssigned | Out-Null
}
AfterAll { Stop-MsiEmulator }

Describe 'Set-MsiVMExtension' {
    It 'adds the MSI extension as the seed documents do' {
        $settings = @{ "port" = 50342 }
        $ext = Set-MsiVMExtension -ResourceGroupName $script:Rg -Location WestUS -VMName myVM -Name "ManagedIdentityExtensionForWindows" -Type "ManagedIdentityExtensionForWindows" -Publisher "Microsoft.ManagedIdentity" -TypeHandlerVersion "1.0" -Settings $settings
        $ext.properties.settings.port | Should -Be 50342
        (Get-MsiVMExtension -ResourceGroupName $script:Rg -VMName myVM -Name ManagedIdentityExtensionForWindows).properties.publisher | Should -Be 'Microsoft.ManagedIdentity'
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
    It 'sets, gets and removes' {
        (Set-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux -Setting @{ port = 50343 }).name | Should -Be 'ManagedIdentityExtensionForLinux'
        (Get-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux).properties.type | Should -Be 'ManagedIdentityExtensionForLinux'
        (Remove-MsiVmssExtension -ResourceGroupName $script:Rg -VMScaleSetName mySS -Name ManagedIdentityExtensionForLinux).Deleted | Should -BeTrue
    }
}
