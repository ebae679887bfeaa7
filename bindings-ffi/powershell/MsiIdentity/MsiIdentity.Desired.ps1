# MsiIdentity.Desired.ps1: desired state from a file (msi_plan_desired / msi_apply_desired through
# MsiClient.PlanDesired / MsiClient.ApplyDesired), dot-sourced by MsiIdentity.psm1 after MsiIdentity.Bulk.ps1 (same
# scope: it uses the module's helpers and the bulk event handler). Windows PowerShell 5.1 syntax only.
#
# Argument conversion and rendering only: the file's text and its path go to the library as they are; parsing,
# every check and every decision are core's (docs/desired-state.md).

function Read-MsiDesiredFile {
    # The file's text; a file that cannot be read is a terminating error before anything is sent.
    param([string]$Path)
    Get-Content -LiteralPath $Path -Raw -ErrorAction Stop
}

function Get-MsiDesiredOption {
    # The library's options JSON: only -Concurrency, when given.
    param([hashtable]$Bound, $Concurrency)
    $options = @{}
    if ($Bound.ContainsKey('Concurrency')) { $options['concurrency'] = $Concurrency }
    ConvertTo-MsiJson $options
}

function ConvertTo-MsiDesiredTargetPlan {
    # One target of the library's plan JSON as an MsiIdentity.DesiredTargetPlan.
    param($Target)
    $plan = [pscustomobject]@{
        PSTypeName = 'MsiIdentity.DesiredTargetPlan'
        Id         = $Target.id
        Kind       = $Target.kind
        Entry      = $Target.entry
        Status     = $Target.status
        Changes    = $null
        Error      = $null
    }
    if ($Target.PSObject.Properties['changes']) { $plan.Changes = $Target.changes }
    if ($Target.PSObject.Properties['error']) { $plan.Error = $Target.error }
    $plan
}

function Get-MsiDesiredStatePlan {
    <#
    .SYNOPSIS
    Shows what applying a desired-state file would change (msi plan -f FILE), with reads only.
    .DESCRIPTION
    -Path is the desired-state file (YAML or JSON: targets by IDs, resource group, tag or subscriptions, the
    identity each must have, the role assignments it must hold, the MSI extension's presence; see
    docs/desired-state.md). Outputs one MsiIdentity.DesiredTargetPlan per target, in file order (Id, Kind, Entry,
    Status create/update/noChange/error, Changes, Error); the readable diff goes to Write-Verbose. -AsJson outputs
    the library's plan JSON instead (source, changes, summary, targets, text). A bad file is an InvalidArgument
    error naming the file, line, column and field; a target that cannot be read is that target's error status.
    .EXAMPLE
    Get-MsiDesiredStatePlan -Path ./identities.yaml
    .EXAMPLE
    Get-MsiDesiredStatePlan -Path ./identities.yaml | Where-Object Status -NE 'noChange'
    .EXAMPLE
    (Get-MsiDesiredStatePlan -Path ./identities.yaml -AsJson | ConvertFrom-Json).changes
    #>
    [CmdletBinding()]
    [OutputType('MsiIdentity.DesiredTargetPlan')]
    param(
        [Parameter(Mandatory = $true, Position = 0)][string]$Path,
        [int]$Concurrency,
        [switch]$AsJson
    )
    $text = Read-MsiDesiredFile $Path
    $options = Get-MsiDesiredOption $PSBoundParameters $Concurrency
    $client = Get-MsiClient
    try {
        $json = $client.PlanDesired($text, $Path, $options)
    } catch {
        $PSCmdlet.WriteError((New-MsiErrorRecord $_.Exception $Path))
        return
    }
    if ($AsJson) { return $json }
    $plan = ConvertFrom-Json $json
    Write-Verbose $plan.text
    foreach ($t in @($plan.targets)) { ConvertTo-MsiDesiredTargetPlan $t }
}

function Invoke-MsiDesiredState {
    <#
    .SYNOPSIS
    Makes the targets of a desired-state file as it says (msi apply -f FILE).
    .DESCRIPTION
    -Path is the desired-state file (see Get-MsiDesiredStatePlan). The file is checked as the plan checks it
    before anything is written (a bad file is an InvalidArgument error, and nothing changes), then every target
    is changed through the bulk engine (paced to the subscription's ARM throttling budget; -Concurrency caps the
    targets worked on at once, default 32), each planned from its current state, so running it again writes
    nothing. Outputs one MsiIdentity.BulkResult per target as each completes (Id, Status changed/unchanged/failed,
    Identity, Detail: that target's plan, Error); a failed target is also a non-terminating error. Progress goes
    to Write-Progress. -WhatIf shows the plan (each target's changes) and writes nothing.
    .EXAMPLE
    Invoke-MsiDesiredState -Path ./identities.yaml
    .EXAMPLE
    Invoke-MsiDesiredState -Path ./identities.yaml -WhatIf
    .EXAMPLE
    Invoke-MsiDesiredState -Path ./identities.yaml -Concurrency 8 | Where-Object Status -EQ 'changed'
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.BulkResult')]
    param(
        [Parameter(Mandatory = $true, Position = 0)][string]$Path,
        [int]$Concurrency
    )
    $text = Read-MsiDesiredFile $Path
    $options = Get-MsiDesiredOption $PSBoundParameters $Concurrency
    $client = Get-MsiClient
    if ($WhatIfPreference) {
        # The plan, one "What if" line per target that would change (reads only).
        try {
            $plan = ConvertFrom-Json ($client.PlanDesired($text, $Path, $options))
        } catch {
            $PSCmdlet.WriteError((New-MsiErrorRecord $_.Exception $Path))
            return
        }
        foreach ($t in @($plan.targets)) {
            if ($t.status -eq 'noChange') { continue }
            $null = $PSCmdlet.ShouldProcess($t.id, ('Desired state ({0}): {1}' -f $t.status, (ConvertTo-Json $t.changes -Compress -Depth 16)))
        }
        return
    }
    if (-not $PSCmdlet.ShouldProcess($Path, 'Apply desired state')) { return }

    $cmdlet = $PSCmdlet
    $activity = 'Desired state from {0}' -f $Path
    $onEvent = Get-MsiBulkEventHandler
    try {
        $summary = $client.ApplyDesired($text, $Path, $options, $onEvent)
        Write-Verbose ('Desired state from {0}: {1}' -f $Path, $summary)
    } catch {
        $PSCmdlet.WriteError((New-MsiErrorRecord $_.Exception $Path))
    } finally {
        $done = New-Object System.Management.Automation.ProgressRecord(1, $activity, 'done')
        $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
        $PSCmdlet.WriteProgress($done)
    }
}
