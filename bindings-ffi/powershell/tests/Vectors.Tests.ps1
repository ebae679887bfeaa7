# The shared table of cases (tests/vectors/identity-cases.json, run by every face) through the cmdlets users call:
# Add-/Remove-MsiVMIdentity, Update-MsiVM, Get-MsiVMIdentity, New-MsiVM, Set-/Remove-MsiVMExtension (and the
# Vmss forms), Get-MsiUserAssignedIdentity. Outcomes are compared as the table writes them: the identity as
# {system, user: names, lower case, sorted}, or the error kind (MsiException.Kind, core's kind names), and after an
# error the identity must still be the starting one. Setup as the reference runner (tests/tests/vectors.rs):
# groups rg and rg2, identities id1 and id2 in rg, one resource per case named case<index>, made first (when the
# case has a start) by New-MsiVM/-Vmss -IdentityId with the start's names and '[system]'.
BeforeDiscovery {
    $table = Join-Path $PSScriptRoot '..' | Join-Path -ChildPath '..' | Join-Path -ChildPath '..' |
        Join-Path -ChildPath 'tests' | Join-Path -ChildPath 'vectors' | Join-Path -ChildPath 'identity-cases.json'
    $raw = Get-Content -Raw -LiteralPath $table | ConvertFrom-Json
    $CaseList = @()
    $n = 0
    foreach ($c in $raw.cases) {
        $CaseList += @{ Index = $n; Title = $c.name; Kind = $c.kind; Op = $c.op }
        $n++
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSetup.ps1')

    function Test-Field {
        param($Object, [string]$Name)
        if ($null -eq $Object) { return $false }
        if ($Object -is [System.Collections.IDictionary]) { return $Object.Contains($Name) }
        return $null -ne $Object.PSObject.Properties[$Name]
    }

    function Get-Field {
        param($Object, [string]$Name)
        if (-not (Test-Field $Object $Name)) { return $null }
        if ($Object -is [System.Collections.IDictionary]) { return , $Object[$Name] }
        return , $Object.PSObject.Properties[$Name].Value
    }

    function Get-Shape {
        # An ARM identity object (or nothing) as the table writes it.
        param($Identity)
        $system = $false
        $user = @()
        if ($null -ne $Identity) {
            foreach ($t in ([string](Get-Field $Identity 'type')).Split(',')) {
                if ($t.Trim() -eq 'SystemAssigned') { $system = $true }
            }
            $uai = Get-Field $Identity 'userAssignedIdentities'
            if ($null -ne $uai) {
                $user = @($uai.PSObject.Properties | ForEach-Object { $_.Name.Split('/')[-1].ToLowerInvariant() })
            }
        }
        @{ system = $system; user = $user }
    }

    function Format-Outcome {
        # One comparable line for an outcome or an expectation.
        param($Outcome)
        if (Test-Field $Outcome 'error') { return "error $(Get-Field $Outcome 'error')" }
        if (Test-Field $Outcome 'system') {
            $users = @(Get-Field $Outcome 'user' | ForEach-Object { ([string]$_).ToLowerInvariant() } | Sort-Object)
            return "system=$([bool](Get-Field $Outcome 'system')) user=[$($users -join ',')]"
        }
        if (Test-Field $Outcome 'extension') {
            $e = Get-Field $Outcome 'extension'
            return "extension name=$(Get-Field $e 'name') port=$(Get-Field $e 'port')"
        }
        if (Test-Field $Outcome 'deleted') { return "deleted=$([bool](Get-Field $Outcome 'deleted'))" }
        if (Test-Field $Outcome 'identityName') { return "identityName=$(Get-Field $Outcome 'identityName')" }
        return "unknown outcome $(ConvertTo-Json -InputObject $Outcome -Compress -Depth 8)"
    }

    function Get-ErrorKind {
        # The library's error kind of a failed cmdlet (its ErrorRecord's MsiException), or what else it was.
        param($ErrorRecord)
        $ex = $ErrorRecord.Exception
        while ($null -ne $ex) {
            if ($ex -is [MsiIdentity.Native.MsiException]) { return $ex.Kind }
            $inner = $null
            if ($null -ne $ex.PSObject.Properties['ErrorRecord'] -and $null -ne $ex.ErrorRecord) {
                if ($ex.ErrorRecord.Exception -ne $ex) { $inner = $ex.ErrorRecord.Exception }
            }
            if ($null -eq $inner) { $inner = $ex.InnerException }
            $ex = $inner
        }
        "not a library error: $($ErrorRecord.Exception.GetType().FullName): $($ErrorRecord.Exception.Message)"
    }

    function ConvertTo-Hashtable {
        param($Object)
        $h = @{}
        foreach ($p in $Object.PSObject.Properties) { $h[$p.Name] = $p.Value }
        $h
    }

    function Get-CurrentShape {
        param($Kind, $Group, $Name)
        if ($Kind -eq 'vmss') {
            return Get-Shape (Get-MsiVmssIdentity -ResourceGroupName $Group -Name $Name -ErrorAction Stop)
        }
        Get-Shape (Get-MsiVMIdentity -ResourceGroupName $Group -Name $Name -ErrorAction Stop)
    }

    function Invoke-VectorOp {
        # The case's op, spelled with the module's cmdlets and their AzureRM/Az parameter names.
        param($Case, [string]$Name, [string]$Group)
        $a = $Case.args
        $vmss = $Case.kind -eq 'vmss'
        $p = @{ ResourceGroupName = $Group; ErrorAction = 'Stop'; Confirm = $false }
        switch ($Case.op) {
            'assign' {
                $p.Name = $Name
                if (Test-Field $a 'identities') { $p.IdentityId = [string[]]@($a.identities) }
                if (Test-Field $a 'systemAssigned') { $p.SystemAssigned = [bool]$a.systemAssigned }
                if (Test-Field $a 'role') { $p.Role = $a.role }
                if (Test-Field $a 'scope') { $p.Scope = $a.scope }
                if ($vmss) { $r = Add-MsiVmssIdentity @p } else { $r = Add-MsiVMIdentity @p }
                return Get-Shape (Get-Field $r 'identity')
            }
            'remove' {
                $p.Name = $Name
                if (Test-Field $a 'identities') { $p.IdentityId = [string[]]@($a.identities) }
                if (Test-Field $a 'systemAssigned') { $p.SystemAssigned = [bool]$a.systemAssigned }
                if (Test-Field $a 'allUserAssigned') { $p.AllUserAssigned = [bool]$a.allUserAssigned }
                if ($vmss) { $r = Remove-MsiVmssIdentity @p } else { $r = Remove-MsiVMIdentity @p }
                return Get-Shape (Get-Field $r 'identity')
            }
            'set' {
                $p.Name = $Name
                $p.IdentityType = $a.type
                if (Test-Field $a 'identities') { $p.IdentityId = [string[]]@($a.identities) }
                if ($vmss) { $r = Update-MsiVmss @p } else { $r = Update-MsiVM @p }
                return Get-Shape (Get-Field $r 'identity')
            }
            'show' {
                return Get-CurrentShape $Case.kind $Group $Name
            }
            'create' {
                $p.Name = $Name
                $spelling = @{
                    model = 'Model'; image = 'Image'; size = 'Size'; location = 'Location'; sshKeyValue = 'SshPublicKey'
                    instanceCount = 'InstanceCount'; assignIdentity = 'IdentityId'; identityType = 'IdentityType'
                }
                foreach ($field in $a.PSObject.Properties) {
                    if ($field.Name -eq 'systemAssigned' -and $field.Value -eq $true) {
                        $p.AssignIdentity = $true
                    } elseif ($spelling.ContainsKey($field.Name)) {
                        $value = $field.Value
                        if ($field.Name -eq 'assignIdentity') { $value = [string[]]@($value) }
                        $p[$spelling[$field.Name]] = $value
                    } else {
                        throw "no New-MsiVM spelling for the create option '$($field.Name)'"
                    }
                }
                if ($vmss) { $r = New-MsiVmss @p } else { $r = New-MsiVM @p }
                return Get-Shape (Get-Field $r 'identity')
            }
            'extension_set' {
                if ($vmss) { $p.VMScaleSetName = $Name } else { $p.VMName = $Name }
                if (Test-Field $a 'name') { $p.Name = $a.name }
                if (Test-Field $a 'type') { $p.Type = $a.type }
                if (Test-Field $a 'publisher') { $p.Publisher = $a.publisher }
                if (Test-Field $a 'version') { $p.TypeHandlerVersion = $a.version }
                if (Test-Field $a 'settings') { $p.Settings = ConvertTo-Hashtable $a.settings }
                if ($vmss) { $r = Set-MsiVmssExtension @p } else { $r = Set-MsiVMExtension @p }
                return @{ extension = @{ name = ([string]$r.name).Split('/')[-1]; port = $r.properties.settings.port } }
            }
            'extension_delete' {
                if ($vmss) { $p.VMScaleSetName = $Name } else { $p.VMName = $Name }
                $p.Name = $a.name
                if ($vmss) { $r = Remove-MsiVmssExtension @p } else { $r = Remove-MsiVMExtension @p }
                return @{ deleted = [bool]$r.Deleted }
            }
            'identity_show' {
                if (Test-Field $a 'id') {
                    $u = Get-MsiUserAssignedIdentity -Id $a.id -ErrorAction Stop
                } else {
                    $u = Get-MsiUserAssignedIdentity -ResourceGroupName $a.resourceGroup -Name $a.name -ErrorAction Stop
                }
                return @{ identityName = $u.name }
            }
        }
        throw "unknown op $($Case.op)"
    }

    $tablePath = Join-Path $PSScriptRoot '..' | Join-Path -ChildPath '..' | Join-Path -ChildPath '..' |
        Join-Path -ChildPath 'tests' | Join-Path -ChildPath 'vectors' | Join-Path -ChildPath 'identity-cases.json'
    # {sub} only ever stands inside strings: filled in the text.
    $script:Table = (Get-Content -Raw -LiteralPath $tablePath).Replace('{sub}', $script:Emulator.SubscriptionId) | ConvertFrom-Json
    foreach ($g in $script:Table.setup.groups) {
        New-MsiResourceGroup -Name $g -Location $script:Table.setup.location -ErrorAction Stop | Out-Null
    }
    foreach ($i in $script:Table.setup.identities) {
        New-MsiUserAssignedIdentity -ResourceGroupName $i.group -Name $i.name -ErrorAction Stop | Out-Null
    }
    $script:Differing = New-Object System.Collections.ArrayList
    $script:Ran = New-Object System.Collections.ArrayList
}
AfterAll { Stop-MsiEmulator }

Describe 'The shared table of cases (tests/vectors/identity-cases.json)' {
    It '<Index> <Title> [<Kind>]' -ForEach $CaseList {
        $case = $script:Table.cases[$Index]
        if ((Test-Field $case 'skip') -and (Test-Field $case.skip 'powershell')) {
            Set-ItResult -Skipped -Because $case.skip.powershell
            return
        }
        [void]$script:Ran.Add($Index)
        $name = "case$Index"
        $group = 'rg'
        if (Test-Field $case 'group') { $group = $case.group }
        $start = Get-Field $case 'start'
        if ($null -ne $start) {
            $refs = @($start.user)
            if ($start.system) { $refs += '[system]' }
            $new = @{ ResourceGroupName = $group; Name = $name; ErrorAction = 'Stop' }
            if ($refs.Count -gt 0) { $new.IdentityId = [string[]]$refs }
            if ($case.kind -eq 'vmss') { New-MsiVmss @new | Out-Null } else { New-MsiVM @new | Out-Null }
        }
        $problem = $null
        try {
            $outcome = Invoke-VectorOp $case $name $group
        } catch {
            $failure = $_
            $outcome = @{ error = (Get-ErrorKind $failure); message = $failure.Exception.Message }
            if ($null -ne $start) {
                $now = Format-Outcome (Get-CurrentShape $case.kind $group $name)
                if ($now -ne (Format-Outcome $start)) {
                    $problem = "failed with $($outcome.error) but changed the identity to $now"
                }
            }
        }
        if ($null -eq $problem) {
            $got = Format-Outcome $outcome
            $want = Format-Outcome $case.expect
            if ($got -ne $want) { $problem = "expected $want, got $got" }
            if ((Test-Field $outcome 'message') -and $got -ne $want) { $problem += " ($($outcome.message))" }
        }
        if ($null -ne $problem) {
            [void]$script:Differing.Add("$Index $($case.name) [$($case.kind)]: $problem")
        }
        $problem | Should -BeNullOrEmpty
    }

    It 'every case agrees (the list of every differing case)' {
        $script:Ran.Count | Should -BeGreaterThan 100
        ($script:Differing -join "`n") | Should -BeNullOrEmpty -Because "$($script:Differing.Count) of $($script:Ran.Count) cases differ"
    }
}
