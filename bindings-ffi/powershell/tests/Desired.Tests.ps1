# Get-MsiDesiredStatePlan and Invoke-MsiDesiredState: a plan with reads only, an apply that creates, a second apply
# that changes nothing, drift seen by the plan, -WhatIf writing nothing, a bad file failing before any write.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:DesiredRg = 'pester-desired-rg'
    New-MsiResourceGroup -Name $script:DesiredRg -Location westus | Out-Null
    foreach ($id in @('id-web', 'id-old')) {
        New-MsiUserAssignedIdentity -ResourceGroupName $script:DesiredRg -Name $id | Out-Null
    }
    foreach ($vm in @('vm1', 'vm2')) {
        New-MsiVM -ResourceGroupName $script:DesiredRg -Name $vm -Model @{ properties = @{ hardwareProfile = @{ vmSize = 'Standard_B1s' } } } | Out-Null
    }
    $script:File = Join-Path ([System.IO.Path]::GetTempPath()) ('identities-{0}.yaml' -f [guid]::NewGuid())
    Set-Content -LiteralPath $script:File -Value @"
targets:
  - kind: vm
    resourceGroup: $($script:DesiredRg)
    identity:
      systemAssigned: true
      userAssigned:
        exactly: [id-web]
"@
    $script:Bad = Join-Path ([System.IO.Path]::GetTempPath()) ('bad-{0}.yaml' -f [guid]::NewGuid())
    Set-Content -LiteralPath $script:Bad -Value @"
targets:
  - kind: vm
    resourceGroup: $($script:DesiredRg)
    identity:
      systemAssigned: "yes"
"@
}
AfterAll {
    Remove-Item -LiteralPath $script:File, $script:Bad -ErrorAction SilentlyContinue
    Stop-MsiEmulator
}

Describe 'Get-MsiDesiredStatePlan' {
    It 'shows one object per target, with reads only' {
        $plan = @(Get-MsiDesiredStatePlan -Path $script:File)
        $plan.Count | Should -Be 2
        $plan[0].PSObject.TypeNames[0] | Should -Be 'MsiIdentity.DesiredTargetPlan'
        @($plan | Where-Object Status -EQ 'create').Count | Should -Be 2
        $plan[0].Changes.systemAssigned.after | Should -Be $true
        (Get-MsiVMIdentity -ResourceGroupName $script:DesiredRg -Name vm1) | Should -BeNullOrEmpty
    }
    It 'gives the library''s plan JSON with -AsJson' {
        $json = Get-MsiDesiredStatePlan -Path $script:File -AsJson | ConvertFrom-Json
        $json.changes | Should -Be $true
        $json.summary.create | Should -Be 2
        $json.text | Should -BeLike '*2 to create*'
    }
}

Describe 'Invoke-MsiDesiredState' {
    It 'writes nothing with -WhatIf' {
        $r = @(Invoke-MsiDesiredState -Path $script:File -WhatIf)
        $r.Count | Should -Be 0
        (Get-MsiVMIdentity -ResourceGroupName $script:DesiredRg -Name vm1) | Should -BeNullOrEmpty
    }
    It 'applies: one BulkResult per target, then a second apply changes nothing' {
        $r = @(Invoke-MsiDesiredState -Path $script:File -Concurrency 2)
        $r.Count | Should -Be 2
        $r[0].PSObject.TypeNames[0] | Should -Be 'MsiIdentity.BulkResult'
        @($r | Where-Object Status -EQ 'changed').Count | Should -Be 2
        (Get-MsiVMIdentity -ResourceGroupName $script:DesiredRg -Name vm2).type | Should -Be 'SystemAssigned, UserAssigned'
        $again = @(Invoke-MsiDesiredState -Path $script:File)
        @($again | Where-Object Status -EQ 'unchanged').Count | Should -Be 2
        @(Get-MsiDesiredStatePlan -Path $script:File | Where-Object Status -EQ 'noChange').Count | Should -Be 2
    }
    It 'sees drift in the plan and fixes it' {
        Add-MsiVMIdentity -ResourceGroupName $script:DesiredRg -Name vm1 -IdentityId id-old | Out-Null
        $plan = @(Get-MsiDesiredStatePlan -Path $script:File | Where-Object Status -EQ 'update')
        $plan.Count | Should -Be 1
        $plan[0].Id | Should -BeLike '*/vm1'
        $r = @(Invoke-MsiDesiredState -Path $script:File)
        ($r | Where-Object Id -Like '*/vm1').Status | Should -Be 'changed'
        ($r | Where-Object Id -Like '*/vm2').Status | Should -Be 'unchanged'
    }
    It 'fails before any write on a bad file, naming line and field' {
        Invoke-MsiDesiredState -Path $script:Bad -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -BeLike '*:5:*targets`[0`].identity.systemAssigned*'
        Get-MsiDesiredStatePlan -Path $script:Bad -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-MsiVMIdentity -ResourceGroupName $script:DesiredRg -Name vm1).type | Should -Be 'SystemAssigned, UserAssigned'
    }
}
