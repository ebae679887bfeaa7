# MsiIdentity.Bulk.ps1: bulk changes (msi_vm_bulk / msi_vmss_bulk through MsiClient.Bulk), dot-sourced by
# MsiIdentity.psm1 (same scope: it uses the module's helpers). Windows PowerShell 5.1 syntax only.
#
# Argument conversion and rendering only: the parameters become core's selection, action and options JSON; what
# they mean, every default and every check are core's. Events arrive on this thread, in order, through the
# P/Invoke callback: each result goes to the pipeline as it completes (a failed one also as a non-terminating
# ErrorRecord whose category follows its error kind), each progress event to Write-Progress.

function ConvertTo-MsiResultName {
    # Core's snake_case kind (not_found) -> the MsiResult name the ErrorCategories table is keyed by (NotFound).
    param([string]$Kind)
    (@($Kind -split '_') | ForEach-Object { if ($_) { $_.Substring(0, 1).ToUpperInvariant() + $_.Substring(1) } }) -join ''
}

function ConvertTo-MsiBulkErrorRecord {
    # The ErrorRecord of a failed target: the same fields and category as a failed single call's.
    param($Failure, [string]$TargetId)
    $name = ConvertTo-MsiResultName ([string]$Failure.kind)
    $result = [MsiIdentity.Native.MsiResult]::Service
    if ([enum]::IsDefined([MsiIdentity.Native.MsiResult], $name)) { $result = [MsiIdentity.Native.MsiResult]$name }
    $status = 0
    if ($Failure.PSObject.Properties['status']) { $status = [int]$Failure.status }
    $requestId = $null
    if ($Failure.PSObject.Properties['requestId']) { $requestId = [string]$Failure.requestId }
    $target = $null
    if ($Failure.PSObject.Properties['target']) { $target = [string]$Failure.target }
    $ex = New-Object MsiIdentity.Native.MsiException($result, [string]$Failure.kind, $status, [string]$Failure.code,
        [string]$Failure.message, $requestId, $target)
    New-MsiErrorRecord $ex $TargetId
}

function Get-MsiBulkEventHandler {
    # The callback of a run (MsiClient.Bulk, MsiClient.ApplyDesired): each result to the pipeline as an
    # MsiIdentity.BulkResult (a failed one also as a non-terminating error), each progress event to Write-Progress.
    # The native call invokes it synchronously, on this thread, while the calling cmdlet's scope is the current
    # one: it uses that scope's $cmdlet ($PSCmdlet) and $activity, which the caller sets before the call. (No
    # GetNewClosure: a closure's scope would not see this module's private functions.)
    [Func[string, bool]] {
        param([string]$EventJson)
        $e = ConvertFrom-Json $EventJson
        if ($e.type -eq 'progress') {
            $status = '{0} of {1} done: {2} changed, {3} unchanged, {4} failed, {5} in flight' -f $e.done, $e.total,
                $e.changed, $e.unchanged, $e.failed, $e.inFlight
            $record = New-Object System.Management.Automation.ProgressRecord(1, $activity, $status)
            if ($e.total -gt 0) { $record.PercentComplete = [int][Math]::Floor(100 * $e.done / $e.total) }
            if ($null -ne $e.etaSeconds) { $record.SecondsRemaining = [int][Math]::Ceiling($e.etaSeconds) }
            $cmdlet.WriteProgress($record)
            return $true
        }
        $result = [pscustomobject]@{
            PSTypeName = 'MsiIdentity.BulkResult'
            Id         = $e.id
            Status     = $e.status
            Identity   = $null
            Detail     = $null
            Error      = $null
        }
        if ($e.PSObject.Properties['identity']) { $result.Identity = $e.identity }
        if ($e.PSObject.Properties['detail']) { $result.Detail = $e.detail }
        if ($e.PSObject.Properties['error']) {
            $result.Error = $e.error
            $cmdlet.WriteError((ConvertTo-MsiBulkErrorRecord $e.error $e.id))
        }
        $cmdlet.WriteObject($result)
        return $true
    }
}

function Invoke-MsiBulkIdentityChange {
    <#
    .SYNOPSIS
    Applies one identity change, role grant or MSI extension to many VMs or scale sets (az vm identity assign --ids, at fleet scale).
    .DESCRIPTION
    -Action is the change, as a hashtable in the library's action form: @{ action = 'assign'; identities = @(...) }
    (also 'remove', 'set' with type, 'grantRole' with role and scope, 'msiExtension', 'removeExtension' with name;
    the other keys are those of the single-VM requests). The targets are -Id (full resource IDs, also from the
    pipeline: Get-MsiVM ... | Invoke-MsiBulkIdentityChange), or -ResourceGroupName, -Subscription and/or -Tag
    (NAME or NAME=VALUE); the library checks that one way is used. Requests are paced to the subscription's ARM
    throttling budget; -Concurrency caps the targets worked on at once (default 32). Each target's change is
    planned from its current state, so running the same command again writes nothing that is already done.
    Outputs one MsiIdentity.BulkResult per target as each completes (Id, Status changed/unchanged/failed,
    Identity, Detail, Error); a failed target is also a non-terminating error. Progress goes to Write-Progress.
    Bad input (the selection, the action) is an error before anything is written.
    .EXAMPLE
    Invoke-MsiBulkIdentityChange -Kind VM -ResourceGroupName myResourceGroup -Tag env=prod -Action @{ action = 'assign' }
    .EXAMPLE
    Get-MsiVM -ResourceGroupName myResourceGroup | Invoke-MsiBulkIdentityChange -Kind VM -Action @{ action = 'assign'; identities = @('myIdentity') }
    .EXAMPLE
    Invoke-MsiBulkIdentityChange -Kind VMSS -Subscription $sub -Action @{ action = 'set'; type = 'SystemAssigned' } -Concurrency 8
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.BulkResult')]
    param(
        [Parameter(Mandatory = $true)][ValidateSet('VM', 'VMSS')][string]$Kind,
        [Parameter(Mandatory = $true)][hashtable]$Action,
        [Parameter(ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string[]]$Id,
        [string]$ResourceGroupName,
        [string]$Tag,
        [string[]]$Subscription,
        [int]$Concurrency
    )
    begin {
        $ids = New-Object System.Collections.Generic.List[string]
    }
    process {
        foreach ($i in @($Id)) { if ($i) { $ids.Add($i) } }
    }
    end {
        $selection = @{}
        if ($ids.Count -gt 0) { $selection['ids'] = $ids.ToArray() }
        if ($PSBoundParameters.ContainsKey('ResourceGroupName')) { $selection['resourceGroup'] = $ResourceGroupName }
        if ($PSBoundParameters.ContainsKey('Tag')) { $selection['tag'] = $Tag }
        if ($PSBoundParameters.ContainsKey('Subscription')) { $selection['subscriptions'] = @($Subscription) }
        $options = @{}
        if ($PSBoundParameters.ContainsKey('Concurrency')) { $options['concurrency'] = $Concurrency }
        $described = @()
        foreach ($k in @('ids', 'resourceGroup', 'subscriptions', 'tag')) {
            if ($selection.ContainsKey($k)) { $described += ('{0}={1}' -f $k, (@($selection[$k]) -join ',')) }
        }
        $target = '{0}s ({1})' -f $Kind, ($described -join '; ')
        if (-not $PSCmdlet.ShouldProcess($target, ('Bulk {0}' -f $Action['action']))) { return }

        $cmdlet = $PSCmdlet
        $activity = 'Bulk {0} on {1}s' -f $Action['action'], $Kind
        $onEvent = Get-MsiBulkEventHandler
        $client = Get-MsiClient
        try {
            $summary = $client.Bulk((Get-MsiKind $Kind), (ConvertTo-MsiJson $selection), (ConvertTo-MsiJson $Action),
                (ConvertTo-MsiJson $options), $onEvent)
            Write-Verbose ('Bulk {0}: {1}' -f $Action['action'], $summary)
        } catch {
            $PSCmdlet.WriteError((New-MsiErrorRecord $_.Exception $target))
        } finally {
            $done = New-Object System.Management.Automation.ProgressRecord(1, $activity, 'done')
            $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
            $PSCmdlet.WriteProgress($done)
        }
    }
}
