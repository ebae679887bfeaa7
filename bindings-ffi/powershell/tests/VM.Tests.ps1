# New-MsiVM, Get-MsiVM, Get-MsiVMIdentity, Update-MsiVM, Add-/Remove-MsiVMIdentity, Remove-MsiVM: the seeds'
# PowerShell steps against the emulator.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:Uai = New-MsiUserAssignedIdentity -ResourceGroupName $script:Rg -Name 'pester-uai'
}
AfterAll { Stop-MsiEmulator }

Describe 'New-MsiVM' {
    It 'creates a VM with the system-assigned identity (-AssignIdentity, a switch as in Az)' {
        $vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM -Image Win2016Datacenter -AssignIdentity
        $vm.identity.type | Should -Be 'SystemAssigned'
        $vm.PSObject.TypeNames[0] | Should -Be 'MsiIdentity.VirtualMachine'
    }
    It 'keeps the AzureRM form -AssignIdentity SystemAssigned, and -AssignIdentity:$false asks for nothing' {
        (New-MsiVM -ResourceGroupName $script:Rg -Name myVM-rm -AssignIdentity SystemAssigned).identity.type | Should -Be 'SystemAssigned'
        (Get-Command New-MsiVM).Parameters['AssignIdentity'].SwitchParameter | Should -BeTrue
        (New-MsiVM -ResourceGroupName $script:Rg -Name myVM-none -AssignIdentity:$false).identity | Should -BeNullOrEmpty
        { New-MsiVM -ResourceGroupName $script:Rg -Name myVM-bad -AssignIdentity UserAssigned } | Should -Throw
    }
    It 'creates a VM with a user-assigned identity (-IdentityType UserAssigned -IdentityID)' {
        $vm = New-MsiVM -ResourceGroupName $script:Rg -Name myVM2 -IdentityType UserAssigned -IdentityID $script:Uai.id
        $vm.identity.type | Should -Be 'UserAssigned'
    }
    It 'creates from a whole model' {
        $model = @{ properties = @{ hardwareProfile = @{ vmSize = 'Standard_B1s' } } }
        (New-MsiVM -ResourceGroupName $script:Rg -Name myVM3 -Model $model -IdentityType SystemAssigned).identity.type | Should -Be 'SystemAssigned'
    }
    It 'never overwrites: ResourceExists' {
        New-MsiVM -ResourceGroupName $script:Rg -Name myVM -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }
}

Describe 'Get-MsiVM and Get-MsiVMIdentity' {
    It 'gets by name and by ID from the pipeline' {
        $vm = Get-MsiVM -ResourceGroupName $script:Rg -Name myVM
        ($vm | Get-MsiVM).id | Should -Be $vm.id
        ($vm | Get-MsiVMIdentity).type | Should -Be 'SystemAssigned'
    }
}

Describe 'Update-MsiVM' {
    It 'enables the system-assigned identity the 2017 way' {
        $vm = Get-MsiVM -ResourceGroupName $script:Rg -Name myVM2
        (Update-MsiVM -ResourceGroupName $script:Rg -VM $vm -AssignIdentity SystemAssigned).identity.type | Should -Be 'SystemAssigned, UserAssigned'
    }
    It 'enables it with the Az switch, and -AssignIdentity:$false is no request at all' {
        New-MsiVM -ResourceGroupName $script:Rg -Name myVM4 | Out-Null
        (Update-MsiVM -ResourceGroupName $script:Rg -Name myVM4 -AssignIdentity).identity.type | Should -Be 'SystemAssigned'
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM4 -AssignIdentity:$false -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^MissingIdentityType'
    }
    It 'sets the desired state' {
        (Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType 'SystemAssigned, UserAssigned' -IdentityId @('pester-uai')).identity.type | Should -Be 'SystemAssigned, UserAssigned'
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType None | Out-Null
        Get-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM | Should -BeNullOrEmpty
    }
    It 'rejects UserAssigned without identities as InvalidArgument' {
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType UserAssigned -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
    It 'passes the identity type through: the library refuses an unknown one as InvalidArgument' {
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType Both -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Kind | Should -Be 'invalid_argument'
        (Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType 'systemassigned').identity.type | Should -Be 'SystemAssigned'
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType None | Out-Null
    }
    It 'changes nothing with -WhatIf' {
        Update-MsiVM -ResourceGroupName $script:Rg -Name myVM -IdentityType SystemAssigned -WhatIf
        Get-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM | Should -BeNullOrEmpty
    }
}

Describe 'Add-MsiVMIdentity and Remove-MsiVMIdentity' {
    It 'adds and removes identities' {
        (Add-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM -SystemAssigned -IdentityId pester-uai).identity.type | Should -Be 'SystemAssigned, UserAssigned'
        (Remove-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM -IdentityId pester-uai).identity.type | Should -Be 'SystemAssigned'
        (Get-MsiVM -ResourceGroupName $script:Rg -Name myVM | Remove-MsiVMIdentity -SystemAssigned).identity | Should -BeNullOrEmpty
    }
    It 'naming no identity means the system-assigned one (az vm identity assign), and -Role -Scope grant it a role' {
        $scope = "/subscriptions/$($script:Emulator.SubscriptionId)/resourceGroups/$($script:Rg)"
        $vm = Add-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM -Role Reader -Scope $scope
        $vm.identity.type | Should -Be 'SystemAssigned'
        $vm.RoleAssignment.properties.principalId | Should -Be $vm.identity.principalId
        Add-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM -Scope $scope -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Remove-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM).identity | Should -BeNullOrEmpty
    }
    It 'reports an identity that does not exist with the service code' {
        Add-MsiVMIdentity -ResourceGroupName $script:Rg -Name myVM -IdentityId no-such-uai -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Match '^FailedIdentityOperation'
    }
}

Describe 'Remove-MsiVM' {
    It 'deletes by pipeline' {
        (Get-MsiVM -ResourceGroupName $script:Rg -Name myVM3 | Remove-MsiVM -Confirm:$false).Deleted | Should -BeTrue
        (Remove-MsiVM -ResourceGroupName $script:Rg -Name myVM3 -Confirm:$false).Deleted | Should -BeFalse
    }
}
