# Invoke-MsiBulkIdentityChange: selection by tag, group and IDs (also from the pipeline), idempotent re-runs, a
# missing VM failing alone (a result and an ObjectNotFound error), bad input failing before any write, progress.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')
    $script:BulkRg = 'pester-bulk-rg'
    New-MsiResourceGroup -Name $script:BulkRg -Location westus | Out-Null
    foreach ($i in 0..5) {
        $envTag = 'dev'
        if ($i % 2 -eq 0) { $envTag = 'prod' }
        $model = @{ tags = @{ env = $envTag }; properties = @{ hardwareProfile = @{ vmSize = 'Standard_B1s' } } }
        New-MsiVM -ResourceGroupName $script:BulkRg -Name "bulk$i" -Model $model | Out-Null
    }
    $script:Assign = @{ action = 'assign' }
}
AfterAll { Stop-MsiEmulator }

Describe 'Invoke-MsiBulkIdentityChange' {
    It 'assigns by tag: the three tagged VMs change' {
        $r = @(Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Tag env=prod -Action $script:Assign)
        $r.Count | Should -Be 3
        @($r | Where-Object Status -EQ 'changed').Count | Should -Be 3
        $r[0].PSObject.TypeNames[0] | Should -Be 'MsiIdentity.BulkResult'
        $r[0].Identity.type | Should -Be 'SystemAssigned'
        (Get-MsiVMIdentity -ResourceGroupName $script:BulkRg -Name bulk1) | Should -BeNullOrEmpty
    }
    It 'over the group: three changed, three unchanged; again: six unchanged' {
        $r = @(Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Action $script:Assign -Concurrency 2)
        @($r | Where-Object Status -EQ 'changed').Count | Should -Be 3
        @($r | Where-Object Status -EQ 'unchanged').Count | Should -Be 3
        $again = @(Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Action $script:Assign)
        @($again | Where-Object Status -EQ 'unchanged').Count | Should -Be 6
    }
    It 'takes IDs from the pipeline; a missing VM fails alone with ObjectNotFound' {
        $ids = @((Get-MsiVM -ResourceGroupName $script:BulkRg -Name bulk1).id)
        $missing = (Get-MsiVM -ResourceGroupName $script:BulkRg -Name bulk3).id -replace 'bulk3$', 'missing'
        $r = @([pscustomobject]@{ Id = $ids[0] }, [pscustomobject]@{ Id = $missing } |
            Invoke-MsiBulkIdentityChange -Kind VM -Action @{ action = 'remove' } -ErrorVariable err -ErrorAction SilentlyContinue)
        $r.Count | Should -Be 2
        ($r | Where-Object Id -EQ $ids[0]).Status | Should -Be 'changed'
        $failed = $r | Where-Object Id -EQ $missing
        $failed.Status | Should -Be 'failed'
        $failed.Error.code | Should -Be 'ResourceNotFound'
        $err.Count | Should -Be 1
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ResourceNotFound*'
    }
    It 'fails before any write on a bad selection' {
        Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Tag '=x' -Action @{ action = 'remove' } -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -BeLike "*invalid tag*"
        Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Id '/x' -Action @{ action = 'remove' } -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].Exception.Message | Should -BeLike '*not both*'
        (Get-MsiVMIdentity -ResourceGroupName $script:BulkRg -Name bulk0).type | Should -Be 'SystemAssigned'
    }
    It 'writes nothing with -WhatIf' {
        $r = @(Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Action @{ action = 'remove' } -WhatIf)
        $r.Count | Should -Be 0
        (Get-MsiVMIdentity -ResourceGroupName $script:BulkRg -Name bulk0).type | Should -Be 'SystemAssigned'
    }
    It 'reports progress up to done = total' {
        $r = @(Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName $script:BulkRg -Action $script:Assign -Verbose 4>&1)
        $summary = $r | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | Select-Object -Last 1
        $summary.Message | Should -Match '"done":6'
        $summary.Message | Should -Match '"total":6'
    }
}
