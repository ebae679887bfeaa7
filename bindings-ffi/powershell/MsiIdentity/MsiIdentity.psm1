# MsiIdentity: configure and use Azure managed identities from PowerShell, over libmsi_identity (the C ABI of
# msi-identity) through the C# native layer in MsiIdentity.Native.cs. The cmdlets mirror the AzureRM/Az steps of
# Microsoft's managed-identity guides (same parameter names) under the Msi noun prefix.
#
# Windows PowerShell 5.1 syntax only (no ternaries, ?., ??, classes), so the module loads in 5.1 and 7.
# Every cmdlet that changes something supports -WhatIf and -Confirm; resources come out as objects (the ARM JSON
# through ConvertFrom-Json, with a PSTypeName); failures are ErrorRecords whose category follows the error kind.

Set-StrictMode -Version 2.0

$script:Context = $null
$script:Emulators = New-Object System.Collections.ArrayList
$script:Credentials = @{}

# Error kind (the C MsiResult) -> PowerShell ErrorCategory. Every MsiResult has an entry (checked by the tests).
$script:ErrorCategories = @{
    NullArgument          = 'InvalidArgument'
    InvalidUtf8           = 'InvalidData'
    InvalidJson           = 'InvalidData'
    Panic                 = 'NotSpecified'
    InvalidArgument       = 'InvalidArgument'
    BadRequest            = 'InvalidArgument'
    NotFound              = 'ObjectNotFound'
    Conflict              = 'ResourceExists'
    Authentication        = 'AuthenticationError'
    Authorization         = 'PermissionDenied'
    CredentialUnavailable = 'ResourceUnavailable'
    Throttled             = 'LimitsExceeded'
    Service               = 'InvalidResult'
    Connection            = 'ConnectionError'
    Timeout               = 'OperationTimeout'
    Emulator              = 'ResourceUnavailable'
}

function Find-MsiLibrary {
    # MSI_IDENTITY_LIBRARY names the library; else the module folder (or its lib/ folder); else $null (the
    # platform's search path).
    if ($env:MSI_IDENTITY_LIBRARY) { return $env:MSI_IDENTITY_LIBRARY }
    foreach ($dir in @($PSScriptRoot, (Join-Path $PSScriptRoot 'lib'))) {
        foreach ($file in @('msi_identity.dll', 'libmsi_identity.so', 'libmsi_identity.dylib')) {
            $candidate = Join-Path $dir $file
            if (Test-Path -LiteralPath $candidate) { return $candidate }
        }
    }
    return $null
}

function Initialize-MsiNative {
    # The compiled layer, MsiIdentity.Native.dll, when the module build made it (bindings-ffi/powershell/build-module.sh):
    # nothing is compiled at import, which is fast and also works where Add-Type is refused (constrained language
    # mode). In a source checkout there is no dll: compile MsiIdentity.Native.cs instead.
    if (-not ('MsiIdentity.Native.MsiClient' -as [type])) {
        $dll = Join-Path $PSScriptRoot 'MsiIdentity.Native.dll'
        if (Test-Path -LiteralPath $dll) {
            Import-Module -Name $dll
        } else {
            $source = Get-Content -Raw -LiteralPath (Join-Path $PSScriptRoot 'MsiIdentity.Native.cs')
            Add-Type -TypeDefinition $source -Language CSharp
        }
    }
    [MsiIdentity.Native.Loader]::Load((Find-MsiLibrary))
}

Initialize-MsiNative

function New-MsiErrorRecord {
    param($Exception, $Target)
    $ex = $Exception
    while (($ex -is [System.Management.Automation.MethodInvocationException]) -and $ex.InnerException) {
        $ex = $ex.InnerException
    }
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    $errorId = 'MsiIdentityError'
    if ($ex -is [MsiIdentity.Native.MsiException]) {
        $category = [System.Management.Automation.ErrorCategory]($script:ErrorCategories[$ex.Result.ToString()])
        if ($ex.ErrorCode) { $errorId = $ex.ErrorCode } else { $errorId = $ex.Kind }
    }
    New-Object System.Management.Automation.ErrorRecord($ex, $errorId, $category, $Target)
}

function Invoke-MsiCall {
    # Run a native call; a failure becomes a non-terminating ErrorRecord of the calling cmdlet.
    # The parameter names are unusual on purpose: $MsiCall runs in a child scope and reads its caller's variables
    # ($Target, $Kind, ...), which must not be shadowed here.
    param([System.Management.Automation.PSCmdlet]$MsiCmdlet, [scriptblock]$MsiCall, $MsiErrorTarget)
    try {
        & $MsiCall
    } catch {
        $MsiCmdlet.WriteError((New-MsiErrorRecord $_.Exception $MsiErrorTarget))
    }
}

function ConvertTo-MsiObject {
    # ARM JSON -> objects with a PSTypeName; a JSON array becomes one object per item.
    param([string]$Json, [string]$TypeName)
    if (-not $Json -or $Json -eq 'null') { return }
    foreach ($item in @($Json | ConvertFrom-Json)) {
        if ($null -ne $item) {
            $item.PSObject.TypeNames.Insert(0, $TypeName)
            $item
        }
    }
}

function ConvertTo-MsiJson {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [string]) { return $Value }
    if ($Value -is [System.Collections.IDictionary] -and $Value.Count -eq 0) { return '{}' }
    ConvertTo-Json -InputObject $Value -Compress -Depth 32
}

function Get-MsiRequest {
    # Core's request object from the parameters a cmdlet was given: $Fields maps parameter names to core's field
    # names (AssignRequest, RemoveRequest, SetRequest, CreateOptions, MsiExtensionSpec). Only bound parameters go
    # in, as given (an empty -IdentityId @() stays an empty list); everything left out is core's to default. A
    # switch becomes a JSON boolean.
    param($Bound, [hashtable]$Fields)
    $request = @{}
    foreach ($parameter in $Fields.Keys) {
        if ($Bound.ContainsKey($parameter)) {
            $value = $Bound[$parameter]
            if ($value -is [System.Management.Automation.SwitchParameter]) { $value = $value.IsPresent }
            $request[$Fields[$parameter]] = $value
        }
    }
    $request
}

function Get-MsiClient {
    if ($null -eq $script:Context) {
        # Not connected: the environment names the account, as for the msi command.
        $client = [MsiIdentity.Native.MsiClient]::Connect($null, $null, $null, $null, $null, $null, $null, $null, -1, $true)
        $script:Context = [pscustomobject]@{ Client = $client; Emulator = $null }
    }
    $script:Context.Client
}

function Resolve-MsiTarget {
    # (resource group, name) or ($null, resource ID), as the C ABI takes them.
    param($ResourceGroupName, $Name, $Id, $InputObject)
    if ($null -ne $InputObject) { return @($null, [string]$InputObject.id) }
    if ($Id) { return @($null, [string]$Id) }
    return @($ResourceGroupName, $Name)
}

function Get-MsiKind {
    param([string]$Kind)
    if ($Kind -eq 'Vmss') { return [MsiIdentity.Native.ComputeKind]::VirtualMachineScaleSet }
    [MsiIdentity.Native.ComputeKind]::VirtualMachine
}

function Get-MsiTypeName {
    param([string]$Kind)
    if ($Kind -eq 'Vmss') { return 'MsiIdentity.VirtualMachineScaleSet' }
    'MsiIdentity.VirtualMachine'
}

# ---------------------------------------------------------------------------------------------------------------
# Accounts

function Connect-MsiAccount {
    <#
    .SYNOPSIS
    Signs in to Azure (or the emulator) for the other Msi cmdlets (Connect-AzureRmAccount / Login-AzureRmAccount).
    .DESCRIPTION
    With no parameters the environment names the account, as for the msi command: MSI_ARM_ENDPOINT,
    AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, MSI_ACCESS_TOKEN, MSI_CA_CERT.
    -ServicePrincipal -Credential -Tenant signs in as a service principal (the credential's user name is the client
    id, its password the secret); -AccessToken uses a bearer token as is; -Identity signs in as the managed identity
    of the VM, scale set or app this runs on (Connect-AzAccount -Identity), -AccountId selecting a user-assigned
    identity by its client id (else AZURE_CLIENT_ID when set, as for msi --identity; else the system-assigned one);
    -Emulator signs in to an emulator from Start-MsiEmulator as its admin. Values not given come from the
    environment.
    .PARAMETER Identity
    Sign in as this machine's managed identity. Its token endpoint is found as azure-identity finds it
    (IDENTITY_ENDPOINT and IDENTITY_HEADER, else IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST or 169.254.169.254).
    .PARAMETER AccountId
    With -Identity: the client id of a user-assigned identity.
    .PARAMETER Endpoint
    The ARM endpoint (default https://management.azure.com).
    .PARAMETER CaCertPath
    A PEM file of an extra CA certificate to trust (the emulator's).
    .PARAMETER MaxRetries
    How many times transient failures are retried (default 4; 0 fails fast).
    .EXAMPLE
    Connect-MsiAccount -ServicePrincipal -Credential (Get-Credential) -Tenant $tenantId -Subscription $subId
    .EXAMPLE
    Start-MsiEmulator | Connect-MsiAccount
    .EXAMPLE
    Connect-MsiAccount -Identity -AccountId $identity.properties.clientId -Subscription $subId
    #>
    [CmdletBinding(DefaultParameterSetName = 'Environment')]
    [OutputType('MsiIdentity.Context')]
    param(
        [Parameter(ParameterSetName = 'ServicePrincipal', Mandatory = $true)][switch]$ServicePrincipal,
        [Parameter(ParameterSetName = 'ServicePrincipal', Mandatory = $true)][pscredential]$Credential,
        [Parameter(ParameterSetName = 'ServicePrincipal')][Alias('TenantId')][string]$Tenant,
        [Parameter(ParameterSetName = 'AccessToken', Mandatory = $true)][string]$AccessToken,
        [Parameter(ParameterSetName = 'Identity', Mandatory = $true)][switch]$Identity,
        [Parameter(ParameterSetName = 'Identity')][string]$AccountId,
        [Parameter(ParameterSetName = 'Emulator', Mandatory = $true, ValueFromPipeline = $true)]$Emulator,
        [Parameter(ParameterSetName = 'Environment')][Parameter(ParameterSetName = 'ServicePrincipal')]
        [Parameter(ParameterSetName = 'AccessToken')][Parameter(ParameterSetName = 'Identity')]
        [Alias('SubscriptionId')][string]$Subscription,
        [Parameter(ParameterSetName = 'Environment')][Parameter(ParameterSetName = 'ServicePrincipal')]
        [Parameter(ParameterSetName = 'AccessToken')][Parameter(ParameterSetName = 'Identity')][string]$Endpoint,
        [Parameter(ParameterSetName = 'Environment')][Parameter(ParameterSetName = 'ServicePrincipal')]
        [Parameter(ParameterSetName = 'AccessToken')][Parameter(ParameterSetName = 'Identity')][string]$CaCertPath,
        [int]$MaxRetries = -1
    )
    process {
        try {
            if ($PSCmdlet.ParameterSetName -eq 'Emulator') {
                $info = $Emulator
                $pem = Get-Content -Raw -LiteralPath $info.CaCertPath
                $client = [MsiIdentity.Native.MsiClient]::Connect($info.Endpoint, $info.SubscriptionId, $info.TenantId,
                    $info.AdminClientId, $info.AdminClientSecret, $null, $pem, $null, $MaxRetries, $false)
            } elseif ($PSCmdlet.ParameterSetName -eq 'Identity') {
                $pem = $null
                if ($CaCertPath) { $pem = Get-Content -Raw -LiteralPath $CaCertPath }
                $client = [MsiIdentity.Native.MsiClient]::ConnectManagedIdentity((ConvertTo-MsiNullable $Endpoint),
                    (ConvertTo-MsiNullable $Subscription), (ConvertTo-MsiNullable $AccountId), $pem, $MaxRetries)
            } else {
                $pem = $null
                if ($CaCertPath) { $pem = Get-Content -Raw -LiteralPath $CaCertPath }
                $clientId = $null; $secret = $null
                if ($Credential) {
                    $clientId = $Credential.UserName
                    $secret = $Credential.GetNetworkCredential().Password
                }
                $token = $null
                if ($AccessToken) { $token = $AccessToken }
                $tenantValue = $null
                if ($Tenant) { $tenantValue = $Tenant }
                $client = [MsiIdentity.Native.MsiClient]::Connect((ConvertTo-MsiNullable $Endpoint),
                    (ConvertTo-MsiNullable $Subscription), $tenantValue, $clientId, $secret, $token, $pem, $null,
                    $MaxRetries, $true)
            }
        } catch {
            $PSCmdlet.ThrowTerminatingError((New-MsiErrorRecord $_.Exception $Endpoint))
        }
        if ($null -ne $script:Context) { $script:Context.Client.Dispose() }
        $script:Context = [pscustomobject]@{ Client = $client; Emulator = $Emulator }
        $ctx = $client.Info() | ConvertFrom-Json
        $ctx.PSObject.TypeNames.Insert(0, 'MsiIdentity.Context')
        $ctx
    }
}

function ConvertTo-MsiNullable {
    param([string]$Value)
    if ($Value) { return $Value }
    return $null
}

function Disconnect-MsiAccount {
    <#
    .SYNOPSIS
    Forgets the account of Connect-MsiAccount (the next cmdlet signs in from the environment again).
    .EXAMPLE
    Disconnect-MsiAccount
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([System.Void])]
    param()
    if ($null -ne $script:Context -and $PSCmdlet.ShouldProcess('current account', 'Disconnect')) {
        $script:Context.Client.Dispose()
        $script:Context = $null
    }
}

# ---------------------------------------------------------------------------------------------------------------
# Resource groups

function New-MsiResourceGroup {
    <#
    .SYNOPSIS
    Creates or updates a resource group (New-AzureRmResourceGroup, az group create).
    .EXAMPLE
    New-MsiResourceGroup -Name myResourceGroup -Location westus
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.ResourceGroup')]
    param(
        [Parameter(Mandatory = $true)][Alias('ResourceGroupName')][string]$Name,
        [Parameter(Mandatory = $true)][string]$Location
    )
    if ($PSCmdlet.ShouldProcess($Name, 'Create resource group')) {
        Invoke-MsiCall $PSCmdlet { ConvertTo-MsiObject ((Get-MsiClient).GroupCreate($Name, $Location)) 'MsiIdentity.ResourceGroup' } $Name
    }
}

function Get-MsiResourceGroup {
    <#
    .SYNOPSIS
    Gets a resource group (Get-AzureRmResourceGroup).
    .EXAMPLE
    Get-MsiResourceGroup -Name myResourceGroup
    #>
    [CmdletBinding()]
    [OutputType('MsiIdentity.ResourceGroup')]
    param([Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceGroupName')][string]$Name)
    process {
        Invoke-MsiCall $PSCmdlet { ConvertTo-MsiObject ((Get-MsiClient).GroupGet($Name)) 'MsiIdentity.ResourceGroup' } $Name
    }
}

# ---------------------------------------------------------------------------------------------------------------
# VMs and scale sets: shared bodies (Kind 'Vm' or 'Vmss') behind the public cmdlets below.

function Invoke-MsiComputeGet {
    param($Cmdlet, $Kind, $Target, [switch]$IdentityOnly)
    Invoke-MsiCall $Cmdlet {
        $client = Get-MsiClient
        if ($IdentityOnly) {
            ConvertTo-MsiObject ($client.IdentityShow((Get-MsiKind $Kind), $Target[0], $Target[1])) 'MsiIdentity.Identity'
        } else {
            ConvertTo-MsiObject ($client.ComputeGet((Get-MsiKind $Kind), $Target[0], $Target[1])) (Get-MsiTypeName $Kind)
        }
    } $Target[1]
}

function Invoke-MsiComputeIdentity {
    # The identity operations: Operation 'Assign', 'Remove' or 'Set' with core's request ($Request, a hashtable).
    # Outputs the resource; an assign that granted a role carries it as RoleAssignment.
    param($Cmdlet, $Kind, $Target, [string]$Operation, [hashtable]$Request, [string]$What)
    if (-not $Cmdlet.ShouldProcess($Target[1], $What)) { return }
    Invoke-MsiCall $Cmdlet {
        $client = Get-MsiClient
        $requestJson = ConvertTo-MsiJson $Request
        $changed = $false
        $granted = $null
        switch ($Operation) {
            'Assign' {
                $json = $client.IdentityAssign((Get-MsiKind $Kind), $Target[0], $Target[1], $requestJson, [ref]$changed, [ref]$granted)
            }
            'Remove' {
                $json = $client.IdentityRemove((Get-MsiKind $Kind), $Target[0], $Target[1], $requestJson, [ref]$changed)
            }
            default {
                $json = $client.IdentitySet((Get-MsiKind $Kind), $Target[0], $Target[1], $requestJson, [ref]$changed)
            }
        }
        $resource = ConvertTo-MsiObject $json (Get-MsiTypeName $Kind)
        if ($granted) {
            Add-Member -InputObject $resource -NotePropertyName RoleAssignment -NotePropertyValue (ConvertTo-MsiObject $granted 'MsiIdentity.RoleAssignment')
        }
        $resource
    } $Target[1]
}

function Test-MsiAssignIdentity {
    # -AssignIdentity as Az has it (a switch: -AssignIdentity, or -AssignIdentity:$false for no), or the AzureRM
    # form -AssignIdentity "SystemAssigned", whose value the hidden positional -AssignIdentityType takes.
    param($Bound)
    ($Bound.ContainsKey('AssignIdentity') -and $Bound['AssignIdentity'].IsPresent) -or $Bound.ContainsKey('AssignIdentityType')
}

function Invoke-MsiComputeUpdate {
    # Update-MsiVM / Update-MsiVmss: -IdentityType (desired state, Update-AzVM -IdentityType -IdentityId: core's
    # SetRequest, the type passed as given) or -AssignIdentity (Az's switch, or the 2017 form -AssignIdentity
    # SystemAssigned: an assign of the system-assigned identity, with -IdentityId's identities if given).
    param($Cmdlet, $Kind, $Target, $Bound)
    if (-not $Bound.ContainsKey('IdentityType') -and -not (Test-MsiAssignIdentity $Bound)) {
        $Cmdlet.WriteError((New-Object System.Management.Automation.ErrorRecord(
            (New-Object System.ArgumentException('Give -IdentityType (with -IdentityId for user-assigned identities) or -AssignIdentity.')),
            'MissingIdentityType', [System.Management.Automation.ErrorCategory]::InvalidArgument, $Target[1])))
        return
    }
    if ($Bound.ContainsKey('IdentityType')) {
        $request = Get-MsiRequest $Bound @{ IdentityType = 'type'; IdentityId = 'identities' }
        Invoke-MsiComputeIdentity $Cmdlet $Kind $Target 'Set' $request "identity type $($Bound['IdentityType'])"
    } else {
        $request = Get-MsiRequest $Bound @{ IdentityId = 'identities' }
        $request.systemAssigned = $true
        Invoke-MsiComputeIdentity $Cmdlet $Kind $Target 'Assign' $request 'assign the system-assigned identity'
    }
}

function Invoke-MsiComputeCreate {
    # New-MsiVM / New-MsiVmss: core's CreateOptions from the parameters given (-Model, when given, goes as the whole
    # model; core refuses it with the basic options). -IdentityId is az's --assign-identity list, passed as given.
    param($Cmdlet, $Kind, $ResourceGroupName, $Name, $Bound)
    if (-not $Cmdlet.ShouldProcess("$ResourceGroupName/$Name", 'Create')) { return }
    $options = Get-MsiRequest $Bound @{
        Location = 'location'; Image = 'image'; Size = 'size'; SshPublicKey = 'sshKeyValue'
        InstanceCount = 'instanceCount'; IdentityType = 'identityType'; IdentityId = 'assignIdentity'
    }
    if ($Bound.ContainsKey('Credential')) {
        $options.adminUsername = $Bound['Credential'].UserName
        $options.adminPassword = $Bound['Credential'].GetNetworkCredential().Password
    }
    if (Test-MsiAssignIdentity $Bound) { $options.systemAssigned = $true }
    Invoke-MsiCall $Cmdlet {
        $client = Get-MsiClient
        if ($Bound.ContainsKey('Model')) {
            $json = $client.Create((Get-MsiKind $Kind), $ResourceGroupName, $Name, (ConvertTo-MsiJson $Bound['Model']), (ConvertTo-MsiJson $options))
        } else {
            $json = $client.CreateBasic((Get-MsiKind $Kind), $ResourceGroupName, $Name, (ConvertTo-MsiJson $options))
        }
        ConvertTo-MsiObject $json (Get-MsiTypeName $Kind)
    } $Name
}

function Invoke-MsiComputeDelete {
    param($Cmdlet, $Kind, $Target)
    if (-not $Cmdlet.ShouldProcess($Target[1], 'Delete')) { return }
    Invoke-MsiCall $Cmdlet {
        $deleted = (Get-MsiClient).ComputeDelete((Get-MsiKind $Kind), $Target[0], $Target[1])
        [pscustomobject]@{ PSTypeName = 'MsiIdentity.DeleteResult'; Name = $Target[1]; Deleted = $deleted }
    } $Target[1]
}

function Invoke-MsiExtensionSet {
    # Set-MsiVMExtension / Set-MsiVmssExtension: core's MsiExtensionSpec from the parameters given.
    param($Cmdlet, $Kind, $Target, $Bound)
    # -ProtectedSettings and -Location go to the library too, which decides: the MSI extension takes no protected
    # settings (an empty one is fine), and a VM extension is in its VM's location.
    $spec = Get-MsiRequest $Bound @{
        Name = 'name'; Type = 'type'; Publisher = 'publisher'; TypeHandlerVersion = 'version'; Settings = 'settings'
        ProtectedSettings = 'protectedSettings'; Location = 'location'
    }
    if (-not $Cmdlet.ShouldProcess($Target[1], 'Set the MSI extension')) { return }
    Invoke-MsiCall $Cmdlet {
        $json = (Get-MsiClient).ExtensionSet((Get-MsiKind $Kind), $Target[0], $Target[1], (ConvertTo-MsiJson $spec))
        ConvertTo-MsiObject $json 'MsiIdentity.Extension'
    } $Target[1]
}

function Invoke-MsiExtensionGet {
    param($Cmdlet, $Kind, $Target, $Name)
    Invoke-MsiCall $Cmdlet { ConvertTo-MsiObject ((Get-MsiClient).ExtensionGet((Get-MsiKind $Kind), $Target[0], $Target[1], $Name)) 'MsiIdentity.Extension' } $Name
}

function Invoke-MsiExtensionRemove {
    param($Cmdlet, $Kind, $Target, $Name)
    if (-not $Cmdlet.ShouldProcess("$($Target[1])/$Name", 'Remove extension')) { return }
    Invoke-MsiCall $Cmdlet {
        $deleted = (Get-MsiClient).ExtensionDelete((Get-MsiKind $Kind), $Target[0], $Target[1], $Name)
        [pscustomobject]@{ PSTypeName = 'MsiIdentity.DeleteResult'; Name = $Name; Deleted = $deleted }
    } $Name
}

# ---------------------------------------------------------------------------------------------------------------
# VMs

function Get-MsiVM {
    <#
    .SYNOPSIS
    Gets a VM (Get-AzureRmVM): the ARM resource as an object.
    .DESCRIPTION
    Name it with -ResourceGroupName and -Name, or by resource ID (-Id, or from the pipeline by the Id property).
    .EXAMPLE
    $vm = Get-MsiVM -ResourceGroupName myResourceGroup -Name myVM
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachine')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 1)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeGet $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) }
}

function Get-MsiVMIdentity {
    <#
    .SYNOPSIS
    Gets the managed identity of a VM (az vm identity show): type, principalId, tenantId, userAssignedIdentities.
    .DESCRIPTION
    Outputs nothing when it has no identity.
    .EXAMPLE
    Get-MsiVMIdentity -ResourceGroupName myResourceGroup -Name myVM
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Identity')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 1)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeGet $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) -IdentityOnly }
}

function Update-MsiVM {
    <#
    .SYNOPSIS
    Sets the managed identity of a VM (Update-AzureRmVM -IdentityType -IdentityId, or -AssignIdentity).
    .DESCRIPTION
    -IdentityType is the desired state: SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned' or None
    (as the library parses it: case and spaces do not matter; anything else is an InvalidArgument error).
    With -IdentityId the user-assigned identities become exactly those (names in the resource group, or IDs);
    without it the current ones are kept when the type has them. -AssignIdentity (Az's switch; the 2017 form
    -AssignIdentity SystemAssigned still works) enables the system-assigned identity and keeps everything else. Nothing is written when the VM already is as
    asked. Outputs the VM.
    .EXAMPLE
    $vm = Get-MsiVM -ResourceGroupName myResourceGroup -Name myVM
    Update-MsiVM -ResourceGroupName myResourceGroup -VM $vm -AssignIdentity
    .EXAMPLE
    Update-MsiVM -ResourceGroupName myResourceGroup -Name myVM -IdentityType UserAssigned -IdentityId "/subscriptions/<SUB>/resourcegroups/myResourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
    .EXAMPLE
    Get-MsiVM -ResourceGroupName myResourceGroup -Name myVM | Update-MsiVM -IdentityType None
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachine')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ByObject')][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ByObject', Mandatory = $true)][Alias('VirtualMachine')]$VM,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [string]$IdentityType,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AssignIdentity,
        [Parameter(Position = 0, DontShow = $true)][ValidateSet('SystemAssigned')][string]$AssignIdentityType
    )
    process {
        Invoke-MsiComputeUpdate $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $VM) $PSBoundParameters
    }
}

function Add-MsiVMIdentity {
    <#
    .SYNOPSIS
    Adds managed identities to a VM (az vm identity assign; the portal's Status On and User assigned Add).
    .DESCRIPTION
    -IdentityId attaches user-assigned identities (names in the resource group, IDs, or '[system]' for the
    system-assigned one); -SystemAssigned enables the system-assigned identity too (-SystemAssigned:$false leaves it as
    it is). With neither, the system-assigned identity is meant (az's default). -Role and -Scope (together) grant a role
    to the system-assigned identity; the output then has the assignment as RoleAssignment. Identities already there
    stay. Outputs the VM. Every rule is the library's (msi-identity core), the same in every language.
    .EXAMPLE
    Add-MsiVMIdentity -ResourceGroupName myResourceGroup -Name myVM -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachine')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [switch]$SystemAssigned,
        [Alias('IdentityID')][string[]]$IdentityId,
        [string]$Role,
        [string]$Scope
    )
    process {
        $request = Get-MsiRequest $PSBoundParameters @{ IdentityId = 'identities'; SystemAssigned = 'systemAssigned'; Role = 'role'; Scope = 'scope' }
        Invoke-MsiComputeIdentity $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) 'Assign' $request 'Add identities'
    }
}

function Remove-MsiVMIdentity {
    <#
    .SYNOPSIS
    Removes managed identities from a VM (az vm identity remove; the portal's Status Off and User assigned Remove).
    .DESCRIPTION
    -IdentityId detaches user-assigned identities (or '[system]'); -SystemAssigned disables the system-assigned
    identity; -AllUserAssigned detaches every user-assigned one. With none of them, the system-assigned identity is
    meant (az's default). Removing the last one switches the identity type. Outputs the VM.
    .EXAMPLE
    Remove-MsiVMIdentity -ResourceGroupName myResourceGroup -Name myVM -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachine')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [switch]$SystemAssigned,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AllUserAssigned
    )
    process {
        $request = Get-MsiRequest $PSBoundParameters @{ IdentityId = 'identities'; SystemAssigned = 'systemAssigned'; AllUserAssigned = 'allUserAssigned' }
        Invoke-MsiComputeIdentity $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) 'Remove' $request 'Remove identities'
    }
}

function New-MsiVM {
    <#
    .SYNOPSIS
    Creates a VM with a managed identity (New-AzureRmVMConfig -AssignIdentity / -IdentityType -IdentityID, az vm create --assign-identity).
    .DESCRIPTION
    From -Model (the whole ARM model: a hashtable, an object or JSON text) or from az-style options (-Image, -Size,
    -Credential for the admin user, -SshPublicKey, -Location), not both. The identity: -IdentityId (az's
    --assign-identity: names, IDs, '[system]'; an empty list is the system-assigned identity), -IdentityType (checked
    against the list), -AssignIdentity (a switch as in Az; -AssignIdentity SystemAssigned also works). The location defaults to the resource group's. An existing VM
    is never overwritten (ResourceExists). The library (msi-identity core) checks and defaults every option.
    .EXAMPLE
    New-MsiVM -ResourceGroupName myResourceGroup -Name myVM -Image Win2016Datacenter -AssignIdentity
    .EXAMPLE
    New-MsiVM -ResourceGroupName myResourceGroup -Name myVM -IdentityType UserAssigned -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.VirtualMachine')]
    param(
        [Parameter(Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(Mandatory = $true)][Alias('VMName')][string]$Name,
        $Model,
        [string]$Location,
        [string]$Image,
        [Alias('VMSize')][string]$Size,
        [pscredential]$Credential,
        [Alias('SshKeyValue')][string]$SshPublicKey,
        [string]$IdentityType,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AssignIdentity,
        [Parameter(Position = 0, DontShow = $true)][ValidateSet('SystemAssigned')][string]$AssignIdentityType
    )
    Invoke-MsiComputeCreate $PSCmdlet 'Vm' $ResourceGroupName $Name $PSBoundParameters
}

function Remove-MsiVM {
    <#
    .SYNOPSIS
    Deletes a VM (Remove-AzureRmVM). Outputs whether it existed.
    .EXAMPLE
    Remove-MsiVM -ResourceGroupName myResourceGroup -Name myVM
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeDelete $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) }
}

function Set-MsiVMExtension {
    <#
    .SYNOPSIS
    Adds or updates the legacy MSI extension on a VM (Set-AzureRmVMExtension ... -Settings $settings).
    .DESCRIPTION
    -Type is ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux (default: -Name; -Name defaults to -Type),
    -Publisher Microsoft.ManagedIdentity, -TypeHandlerVersion 1.0, -Settings @{ port = 50342 } (the port of the
    extension's token endpoint). The extension is always in the VM's location: -Location (the AzureRM form passes
    it) must be that location, case and spaces aside, or the call is refused (InvalidArgument) before anything is
    written. -ProtectedSettings is accepted as in Set-AzVMExtension, but the MSI extension takes no protected
    settings: an empty one is ignored, anything else is refused (InvalidArgument) without being sent or shown.
    Outputs the extension.
    .EXAMPLE
    $settings = @{ "port" = 50342 }
    Set-MsiVMExtension -ResourceGroupName myResourceGroup -Location WestUS -VMName myVM -Name "ManagedIdentityExtensionForWindows" -Type "ManagedIdentityExtensionForWindows" -Publisher "Microsoft.ManagedIdentity" -TypeHandlerVersion "1.0" -Settings $settings
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Extension')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Alias('ExtensionName')][string]$Name,
        [Alias('ExtensionType')][string]$Type,
        [string]$Publisher,
        [string]$TypeHandlerVersion,
        [Alias('Setting')][hashtable]$Settings,
        [Alias('ProtectedSetting')][hashtable]$ProtectedSettings,
        [string]$Location
    )
    process {
        Invoke-MsiExtensionSet $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $VMName $Id $null) $PSBoundParameters
    }
}

function Get-MsiVMExtension {
    <#
    .SYNOPSIS
    Gets an extension of a VM (Get-AzureRmVMExtension).
    .EXAMPLE
    Get-MsiVMExtension -ResourceGroupName myResourceGroup -VMName myVM -Name ManagedIdentityExtensionForWindows
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Extension')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Parameter(Mandatory = $true)][Alias('ExtensionName')][string]$Name
    )
    process { Invoke-MsiExtensionGet $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $VMName $Id $null) $Name }
}

function Remove-MsiVMExtension {
    <#
    .SYNOPSIS
    Removes an extension from a VM (Remove-AzureRmVMExtension). Outputs whether it was there.
    .EXAMPLE
    Remove-MsiVMExtension -ResourceGroupName myResourceGroup -Name "ManagedIdentityExtensionForWindows" -VMName myVM
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Parameter(Mandatory = $true)][Alias('ExtensionName')][string]$Name
    )
    process { Invoke-MsiExtensionRemove $PSCmdlet 'Vm' (Resolve-MsiTarget $ResourceGroupName $VMName $Id $null) $Name }
}

# ---------------------------------------------------------------------------------------------------------------
# VM scale sets

function Get-MsiVmss {
    <#
    .SYNOPSIS
    Gets a VM scale set (Get-AzureRmVmss): the ARM resource as an object.
    .DESCRIPTION
    Name it with -ResourceGroupName and -Name, or by resource ID (-Id, or from the pipeline by the Id property).
    .EXAMPLE
    $vmss = Get-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachineScaleSet')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 1)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeGet $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) }
}

function Get-MsiVmssIdentity {
    <#
    .SYNOPSIS
    Gets the managed identity of a VM scale set (az vmss identity show): type, principalId, tenantId, userAssignedIdentities.
    .DESCRIPTION
    Outputs nothing when it has no identity.
    .EXAMPLE
    Get-MsiVmssIdentity -ResourceGroupName myResourceGroup -Name myVmss
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Identity')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 0)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true, Position = 1)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeGet $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) -IdentityOnly }
}

function Update-MsiVmss {
    <#
    .SYNOPSIS
    Sets the managed identity of a VM scale set (Update-AzureRmVmss -IdentityType -IdentityId, or -AssignIdentity).
    .DESCRIPTION
    -IdentityType is the desired state: SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned' or None
    (as the library parses it: case and spaces do not matter; anything else is an InvalidArgument error).
    With -IdentityId the user-assigned identities become exactly those (names in the resource group, or IDs);
    without it the current ones are kept when the type has them. -AssignIdentity (Az's switch; the 2017 form
    -AssignIdentity SystemAssigned still works) enables the system-assigned identity and keeps everything else. Nothing is written when the scale set already is as
    asked. Outputs the scale set.
    .EXAMPLE
    $vmss = Get-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss
    Update-MsiVmss -ResourceGroupName myResourceGroup -VirtualMachineScaleSet $vmss -AssignIdentity
    .EXAMPLE
    Update-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss -IdentityType UserAssigned -IdentityId "/subscriptions/<SUB>/resourcegroups/myResourceGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/myIdentity"
    .EXAMPLE
    Get-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss | Update-MsiVmss -IdentityType None
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachineScaleSet')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ByObject')][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ByObject', Mandatory = $true)][Alias('VMScaleSet')]$VirtualMachineScaleSet,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [string]$IdentityType,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AssignIdentity,
        [Parameter(Position = 0, DontShow = $true)][ValidateSet('SystemAssigned')][string]$AssignIdentityType
    )
    process {
        Invoke-MsiComputeUpdate $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $VirtualMachineScaleSet) $PSBoundParameters
    }
}

function Add-MsiVmssIdentity {
    <#
    .SYNOPSIS
    Adds managed identities to a VM scale set (az vmss identity assign; the portal's Status On and User assigned Add).
    .DESCRIPTION
    -IdentityId attaches user-assigned identities (names in the resource group, IDs, or '[system]' for the
    system-assigned one); -SystemAssigned enables the system-assigned identity too (-SystemAssigned:$false leaves it as
    it is). With neither, the system-assigned identity is meant (az's default). -Role and -Scope (together) grant a role
    to the system-assigned identity; the output then has the assignment as RoleAssignment. Identities already there
    stay. Outputs the scale set. Every rule is the library's (msi-identity core), the same in every language.
    .EXAMPLE
    Add-MsiVmssIdentity -ResourceGroupName myResourceGroup -Name myVmss -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachineScaleSet')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [switch]$SystemAssigned,
        [Alias('IdentityID')][string[]]$IdentityId,
        [string]$Role,
        [string]$Scope
    )
    process {
        $request = Get-MsiRequest $PSBoundParameters @{ IdentityId = 'identities'; SystemAssigned = 'systemAssigned'; Role = 'role'; Scope = 'scope' }
        Invoke-MsiComputeIdentity $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) 'Assign' $request 'Add identities'
    }
}

function Remove-MsiVmssIdentity {
    <#
    .SYNOPSIS
    Removes managed identities from a VM scale set (az vmss identity remove; the portal's Status Off and User assigned Remove).
    .DESCRIPTION
    -IdentityId detaches user-assigned identities (or '[system]'); -SystemAssigned disables the system-assigned
    identity; -AllUserAssigned detaches every user-assigned one. With none of them, the system-assigned identity is
    meant (az's default). Removing the last one switches the identity type. Outputs the scale set.
    .EXAMPLE
    Remove-MsiVmssIdentity -ResourceGroupName myResourceGroup -Name myVmss -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.VirtualMachineScaleSet')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [switch]$SystemAssigned,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AllUserAssigned
    )
    process {
        $request = Get-MsiRequest $PSBoundParameters @{ IdentityId = 'identities'; SystemAssigned = 'systemAssigned'; AllUserAssigned = 'allUserAssigned' }
        Invoke-MsiComputeIdentity $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) 'Remove' $request 'Remove identities'
    }
}

function New-MsiVmss {
    <#
    .SYNOPSIS
    Creates a VM scale set with a managed identity (New-AzureRmVmssConfig -AssignIdentity / -IdentityType -IdentityID, az vmss create --assign-identity).
    .DESCRIPTION
    From -Model (the whole ARM model: a hashtable, an object or JSON text) or from az-style options (-Image, -Size,
    -Credential for the admin user, -SshPublicKey, -Location, -InstanceCount), not both. The identity: -IdentityId
    (az's --assign-identity: names, IDs, '[system]'; an empty list is the system-assigned identity), -IdentityType
    (checked against the list), -AssignIdentity (a switch as in Az; -AssignIdentity SystemAssigned also works). The location defaults to the resource group's. An
    existing scale set is never overwritten (ResourceExists). The library (msi-identity core) checks and defaults
    every option.
    .EXAMPLE
    New-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss -Image Win2016Datacenter -AssignIdentity
    .EXAMPLE
    New-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss -IdentityType UserAssigned -IdentityId myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.VirtualMachineScaleSet')]
    param(
        [Parameter(Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(Mandatory = $true)][Alias('VMScaleSetName')][string]$Name,
        $Model,
        [string]$Location,
        [string]$Image,
        [Alias('SkuName')][string]$Size,
        [pscredential]$Credential,
        [Alias('SshKeyValue')][string]$SshPublicKey,
        [int]$InstanceCount,
        [string]$IdentityType,
        [Alias('IdentityID')][string[]]$IdentityId,
        [switch]$AssignIdentity,
        [Parameter(Position = 0, DontShow = $true)][ValidateSet('SystemAssigned')][string]$AssignIdentityType
    )
    Invoke-MsiComputeCreate $PSCmdlet 'Vmss' $ResourceGroupName $Name $PSBoundParameters
}

function Remove-MsiVmss {
    <#
    .SYNOPSIS
    Deletes a VM scale set (Remove-AzureRmVmss). Outputs whether it existed.
    .EXAMPLE
    Remove-MsiVmss -ResourceGroupName myResourceGroup -Name myVmss
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('VMScaleSetName')][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process { Invoke-MsiComputeDelete $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $Name $Id $null) }
}

function Set-MsiVmssExtension {
    <#
    .SYNOPSIS
    Adds or updates the legacy MSI extension on a VM scale set (Add-AzureRmVmssExtension + Update-AzureRmVmss, in one step).
    .DESCRIPTION
    -Type is ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux (default: -Name; -Name defaults to -Type),
    -Publisher Microsoft.ManagedIdentity, -TypeHandlerVersion 1.0, -Settings @{ port = 50342 } (the port of the
    extension's token endpoint). A scale set's extensions have no location of their own (Add-AzVmssExtension has
    no -Location). -ProtectedSettings is accepted as in Add-AzVmssExtension, but the MSI extension takes no
    protected settings: an empty one is ignored, anything else is refused (InvalidArgument) without being sent or
    shown. Outputs the extension.
    .EXAMPLE
    $settings = @{ "port" = 50342 }
    Set-MsiVmssExtension -ResourceGroupName myResourceGroup -VMScaleSetName myVmss -Name "ManagedIdentityExtensionForWindows" -Type "ManagedIdentityExtensionForWindows" -Publisher "Microsoft.ManagedIdentity" -TypeHandlerVersion "1.0" -Settings $settings
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Extension')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMScaleSetName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Alias('ExtensionName')][string]$Name,
        [Alias('ExtensionType')][string]$Type,
        [string]$Publisher,
        [string]$TypeHandlerVersion,
        [Alias('Setting')][hashtable]$Settings,
        [Alias('ProtectedSetting')][hashtable]$ProtectedSettings
    )
    process {
        Invoke-MsiExtensionSet $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $VMScaleSetName $Id $null) $PSBoundParameters
    }
}

function Get-MsiVmssExtension {
    <#
    .SYNOPSIS
    Gets an extension of a VM scale set (Get-AzureRmVmssExtension).
    .EXAMPLE
    Get-MsiVmssExtension -ResourceGroupName myResourceGroup -VMScaleSetName myVmss -Name ManagedIdentityExtensionForWindows
    #>
    [CmdletBinding(DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.Extension')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMScaleSetName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Parameter(Mandatory = $true)][Alias('ExtensionName')][string]$Name
    )
    process { Invoke-MsiExtensionGet $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $VMScaleSetName $Id $null) $Name }
}

function Remove-MsiVmssExtension {
    <#
    .SYNOPSIS
    Removes an extension from a VM scale set (Remove-AzureRmVmssExtension). Outputs whether it was there.
    .EXAMPLE
    Remove-MsiVmssExtension -ResourceGroupName myResourceGroup -Name "ManagedIdentityExtensionForWindows" -VMScaleSetName myVmss
    #>
    [CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][Alias('ResourceName')][string]$VMScaleSetName,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id,
        [Parameter(Mandatory = $true)][Alias('ExtensionName')][string]$Name
    )
    process { Invoke-MsiExtensionRemove $PSCmdlet 'Vmss' (Resolve-MsiTarget $ResourceGroupName $VMScaleSetName $Id $null) $Name }
}

# ---------------------------------------------------------------------------------------------------------------
# User-assigned identities

function New-MsiUserAssignedIdentity {
    <#
    .SYNOPSIS
    Creates a user-assigned identity, or updates its tags (New-AzUserAssignedIdentity, az identity create).
    .DESCRIPTION
    The location defaults to the resource group's. The output's Id is what -IdentityId takes; properties.principalId
    is the object id to grant roles to; properties.clientId selects it in Get-MsiAccessToken.
    .EXAMPLE
    $identity = New-MsiUserAssignedIdentity -ResourceGroupName myResourceGroup -Name myUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.UserAssignedIdentity')]
    param(
        [Parameter(Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(Mandatory = $true)][string]$Name,
        [string]$Location,
        [hashtable]$Tag
    )
    if ($PSCmdlet.ShouldProcess("$ResourceGroupName/$Name", 'Create user-assigned identity')) {
        Invoke-MsiCall $PSCmdlet {
            $json = (Get-MsiClient).UserIdentityCreate($ResourceGroupName, $Name, (ConvertTo-MsiNullable $Location), (ConvertTo-MsiJson $Tag))
            ConvertTo-MsiObject $json 'MsiIdentity.UserAssignedIdentity'
        } $Name
    }
}

function Get-MsiUserAssignedIdentity {
    <#
    .SYNOPSIS
    Gets a user-assigned identity, or lists those of a resource group or of the subscription (Get-AzUserAssignedIdentity).
    .EXAMPLE
    Get-MsiUserAssignedIdentity -ResourceGroupName myResourceGroup -Name myUserAssignedIdentity
    .EXAMPLE
    Get-MsiUserAssignedIdentity -ResourceGroupName myResourceGroup
    #>
    [CmdletBinding(DefaultParameterSetName = 'List')]
    [OutputType('MsiIdentity.UserAssignedIdentity')]
    param(
        [Parameter(ParameterSetName = 'List')][Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process {
        Invoke-MsiCall $PSCmdlet {
            $client = Get-MsiClient
            switch ($PSCmdlet.ParameterSetName) {
                'ByName' { $json = $client.UserIdentityGet($ResourceGroupName, $Name) }
                'ById' { $json = $client.UserIdentityGet($null, $Id) }
                default { $json = $client.UserIdentityList((ConvertTo-MsiNullable $ResourceGroupName)) }
            }
            ConvertTo-MsiObject $json 'MsiIdentity.UserAssignedIdentity'
        } $Name
    }
}

function Remove-MsiUserAssignedIdentity {
    <#
    .SYNOPSIS
    Deletes a user-assigned identity (Remove-AzUserAssignedIdentity, az identity delete). Outputs whether it existed.
    .EXAMPLE
    Get-MsiUserAssignedIdentity -ResourceGroupName myResourceGroup | Remove-MsiUserAssignedIdentity
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'ByName')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$ResourceGroupName,
        [Parameter(ParameterSetName = 'ByName', Mandatory = $true)][string]$Name,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('ResourceId')][string]$Id
    )
    process {
        $target = Resolve-MsiTarget $ResourceGroupName $Name $Id $null
        if ($PSCmdlet.ShouldProcess($target[1], 'Delete user-assigned identity')) {
            Invoke-MsiCall $PSCmdlet {
                $deleted = (Get-MsiClient).UserIdentityDelete($target[0], $target[1])
                [pscustomobject]@{ PSTypeName = 'MsiIdentity.DeleteResult'; Name = $target[1]; Deleted = $deleted }
            } $target[1]
        }
    }
}

# ---------------------------------------------------------------------------------------------------------------
# Role assignments

function New-MsiRoleAssignment {
    <#
    .SYNOPSIS
    Gives an identity a role at a scope (New-AzureRmRoleAssignment -ObjectId -RoleDefinitionName -Scope).
    .DESCRIPTION
    -ObjectId is the principal (a managed identity's principalId); -RoleDefinitionName a role name (Reader,
    Contributor, Virtual Machine Contributor, Managed Identity Operator...) or a role definition GUID or ID; -Scope a
    subscription, resource group or resource ID (default: the subscription). An identical assignment that exists is
    returned as is.
    .EXAMPLE
    $vm = Get-MsiVM -ResourceGroupName myResourceGroup -Name myVM
    New-MsiRoleAssignment -ObjectId $vm.identity.principalId -RoleDefinitionName Reader -Scope "/subscriptions/<SUB>/resourceGroups/myResourceGroup"
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.RoleAssignment')]
    param(
        [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('PrincipalId')][string]$ObjectId,
        [Parameter(Mandatory = $true)][Alias('RoleDefinitionId')][string]$RoleDefinitionName,
        [string]$Scope,
        [string]$ObjectType
    )
    process {
        $shown = $Scope
        if (-not $shown) { $shown = '(default scope)' }
        if ($PSCmdlet.ShouldProcess($shown, "Grant $RoleDefinitionName to $ObjectId")) {
            Invoke-MsiCall $PSCmdlet {
                $json = (Get-MsiClient).RoleAssignmentCreate((ConvertTo-MsiNullable $Scope), $RoleDefinitionName, $ObjectId, (ConvertTo-MsiNullable $ObjectType))
                ConvertTo-MsiObject $json 'MsiIdentity.RoleAssignment'
            } $Scope
        }
    }
}

function Get-MsiRoleAssignment {
    <#
    .SYNOPSIS
    Lists role assignments at and above a scope, or those of one principal (Get-AzureRmRoleAssignment).
    .EXAMPLE
    Get-MsiRoleAssignment -ObjectId $principalId
    .EXAMPLE
    Get-MsiRoleAssignment -Scope "/subscriptions/<SUB>/resourceGroups/myResourceGroup"
    #>
    [CmdletBinding()]
    [OutputType('MsiIdentity.RoleAssignment')]
    param(
        [Parameter(ValueFromPipelineByPropertyName = $true)][Alias('PrincipalId')][string]$ObjectId,
        [string]$Scope
    )
    process {
        Invoke-MsiCall $PSCmdlet {
            ConvertTo-MsiObject ((Get-MsiClient).RoleAssignmentList((ConvertTo-MsiNullable $Scope), (ConvertTo-MsiNullable $ObjectId))) 'MsiIdentity.RoleAssignment'
        } $Scope
    }
}

function Remove-MsiRoleAssignment {
    <#
    .SYNOPSIS
    Removes role assignments (Remove-AzureRmRoleAssignment -ObjectId -RoleDefinitionName -Scope), or one by its ID.
    .DESCRIPTION
    With -ObjectId and/or -RoleDefinitionName, removes the matching assignments made exactly at -Scope (default:
    the subscription). With -Id (or from the pipeline, e.g. Get-MsiRoleAssignment | Remove-MsiRoleAssignment) removes
    that one. Outputs what was deleted.
    .EXAMPLE
    Remove-MsiRoleAssignment -ObjectId $principalId -RoleDefinitionName Reader -Scope "/subscriptions/<SUB>/resourceGroups/myResourceGroup"
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High', DefaultParameterSetName = 'Match')]
    [OutputType('MsiIdentity.DeleteResult')]
    param(
        [Parameter(ParameterSetName = 'Match')][Alias('PrincipalId')][string]$ObjectId,
        [Parameter(ParameterSetName = 'Match')][Alias('RoleDefinitionId')][string]$RoleDefinitionName,
        [Parameter(ParameterSetName = 'Match')][string]$Scope,
        [Parameter(ParameterSetName = 'ById', Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('RoleAssignmentId')][string]$Id
    )
    process {
        if ($PSCmdlet.ParameterSetName -eq 'ById') {
            if ($PSCmdlet.ShouldProcess($Id, 'Remove role assignment')) {
                Invoke-MsiCall $PSCmdlet {
                    $deleted = (Get-MsiClient).RoleAssignmentDelete($Id)
                    [pscustomobject]@{ PSTypeName = 'MsiIdentity.DeleteResult'; Name = $Id; Deleted = $deleted }
                } $Id
            }
        } elseif ($PSCmdlet.ShouldProcess("$Scope", "Remove role assignments of $ObjectId $RoleDefinitionName")) {
            Invoke-MsiCall $PSCmdlet {
                $json = (Get-MsiClient).RoleAssignmentDeleteMatching((ConvertTo-MsiNullable $Scope), (ConvertTo-MsiNullable $ObjectId), (ConvertTo-MsiNullable $RoleDefinitionName))
                ConvertTo-MsiObject $json 'MsiIdentity.DeleteResult'
            } $Scope
        }
    }
}

# ---------------------------------------------------------------------------------------------------------------
# Tokens

function Get-MsiAccessToken {
    <#
    .SYNOPSIS
    Gets an access token: the signed-in account's (Get-AzAccessToken, Az 14), or with -Identity this machine's managed identity's.
    .DESCRIPTION
    As Get-AzAccessToken in Az 14, the token is a SecureString: the output has Token (SecureString), ExpiresOn,
    TenantId, UserId (who the token names: a user's UPN, an application's or identity's client id) and Type
    (Bearer). The resource is -ResourceUrl, or -ResourceTypeName (Arm, the default, MSGraph, KeyVault, Storage,
    Synapse, ...). -AsSecureString is accepted and changes nothing, as in Az 14. -AsPlainText returns Token as a
    plain string instead, for scripts written for the old output; prefer the SecureString.

    Without -Identity the token is the signed-in account's (Connect-MsiAccount; else the environment). -TenantId
    checks that it is for that tenant: a token for another tenant needs Connect-MsiAccount -Tenant.

    -Identity gets the managed identity token of the VM, scale set or app this runs on. Its source is chosen from
    the environment as azure-identity does (IDENTITY_ENDPOINT + IDENTITY_HEADER: App Service; else IMDS, at
    AZURE_POD_IDENTITY_AUTHORITY_HOST when set), or given with -Source Imds|MsiExtension|AppService and -Endpoint
    (the base URL; for AppService the IDENTITY_ENDPOINT, with -IdentityHeader). A user-assigned identity is selected
    by -ClientId, -ObjectId or -ResourceId. Tokens are cached per resource and renewed 5 minutes before they expire.
    .PARAMETER ResourceUrl
    The resource the token is for, e.g. https://management.azure.com/ or https://vault.azure.net.
    .PARAMETER ResourceTypeName
    A known resource instead of its URL (Get-AzAccessToken's names; default Arm).
    .PARAMETER Identity
    This machine's managed identity instead of the signed-in account.
    .EXAMPLE
    $token = (Get-MsiAccessToken).Token
    .EXAMPLE
    Get-MsiAccessToken -ResourceTypeName MSGraph
    .EXAMPLE
    Get-MsiAccessToken -Identity -ResourceUrl https://vault.azure.net -ClientId $identity.properties.clientId
    #>
    [CmdletBinding(DefaultParameterSetName = 'KnownResourceTypeName')]
    [OutputType('MsiIdentity.AccessToken')]
    param(
        [Parameter(ParameterSetName = 'KnownResourceTypeName')]
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][string]$ResourceTypeName,
        [Parameter(ParameterSetName = 'ResourceUrl', Mandatory = $true, Position = 0)]
        [Parameter(ParameterSetName = 'IdentityResourceUrl', Mandatory = $true, Position = 0)]
        [Alias('Resource', 'ResourceUri')][string]$ResourceUrl,
        [Parameter(ParameterSetName = 'KnownResourceTypeName')][Parameter(ParameterSetName = 'ResourceUrl')][string]$TenantId,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName', Mandatory = $true)]
        [Parameter(ParameterSetName = 'IdentityResourceUrl', Mandatory = $true)][switch]$Identity,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [string]$ClientId,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [string]$ObjectId,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [Alias('MsiResId')][string]$ResourceId,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [ValidateSet('Environment', 'Imds', 'MsiExtension', 'AppService')][string]$Source = 'Environment',
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [string]$Endpoint,
        [Parameter(ParameterSetName = 'IdentityKnownResourceTypeName')][Parameter(ParameterSetName = 'IdentityResourceUrl')]
        [string]$IdentityHeader,
        [switch]$AsSecureString,
        [switch]$AsPlainText
    )
    $null = $AsSecureString # accepted as in Az 14, where it no longer changes anything: Token is a SecureString
    try {
        $resource = $ResourceUrl
        if ($PSCmdlet.ParameterSetName -like '*KnownResourceTypeName') {
            $typeName = 'Arm'
            if ($ResourceTypeName) { $typeName = $ResourceTypeName }
            $resource = [MsiIdentity.Native.MsiClient]::ResourceUrlForType($typeName)
        }
        if ($Identity) {
            $cid = ConvertTo-MsiNullable $ClientId
            $oid = ConvertTo-MsiNullable $ObjectId
            $rid = ConvertTo-MsiNullable $ResourceId
            $url = ConvertTo-MsiNullable $Endpoint
            $key = ($Source, $Endpoint, $IdentityHeader, $ClientId, $ObjectId, $ResourceId) -join '|'
            $credential = $script:Credentials[$key]
            if ($null -eq $credential) {
                switch ($Source) {
                    'Imds' { $credential = [MsiIdentity.Native.MsiManagedIdentityCredential]::Imds($url, $cid, $oid, $rid) }
                    'MsiExtension' { $credential = [MsiIdentity.Native.MsiManagedIdentityCredential]::MsiExtension($url, $cid, $oid, $rid) }
                    'AppService' { $credential = [MsiIdentity.Native.MsiManagedIdentityCredential]::AppService($url, $IdentityHeader, $cid, $oid, $rid) }
                    default { $credential = [MsiIdentity.Native.MsiManagedIdentityCredential]::FromEnvironment($cid, $oid, $rid) }
                }
                $script:Credentials[$key] = $credential
            }
            $token = $credential.GetAccessToken($resource)
        } else {
            $token = (Get-MsiClient).GetAccessToken($resource)
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError((New-MsiErrorRecord $_.Exception $resource))
    }
    if ($TenantId -and $token.TenantId -and $token.TenantId -ne $TenantId) {
        $PSCmdlet.ThrowTerminatingError((New-Object System.Management.Automation.ErrorRecord(
            (New-Object System.ArgumentException("The signed-in account's token is for tenant $($token.TenantId), not $TenantId. Sign in to that tenant with Connect-MsiAccount -Tenant $TenantId.")),
            'TenantMismatch', [System.Management.Automation.ErrorCategory]::InvalidArgument, $TenantId)))
    }
    $value = $token.Token
    if ($AsPlainText) { $value = (New-Object System.Net.NetworkCredential('', $token.Token)).Password }
    [pscustomobject]@{
        PSTypeName  = 'MsiIdentity.AccessToken'
        Token       = $value
        ExpiresOn   = $token.ExpiresOn
        TenantId    = $token.TenantId
        UserId      = $token.UserId
        Type        = $token.Type
        ResourceUrl = $resource
    }
}

# ---------------------------------------------------------------------------------------------------------------
# The emulator

function Start-MsiEmulator {
    <#
    .SYNOPSIS
    Starts a local Azure (ARM, Entra ID tokens, every machine's token endpoints) in this process, for tests.
    .DESCRIPTION
    Listens on 127.0.0.1 (port 0 picks a free one). -DataDir keeps its state across restarts; without it everything
    is in memory. -NoRbac turns access control off. -Throttle sets ARM's request throttling: arm (the default,
    Azure's published budgets), off, or numbers such as writes=200/10,compute=1. The output has Endpoint, CaCertPath, TenantId, SubscriptionId,
    AdminClientId, AdminClientSecret (the seeded Owner), ImdsEndpoint and Env (variables that point msi, this module
    and the Azure SDKs at it). -Connect also signs in to it (Connect-MsiAccount -Emulator).
    .EXAMPLE
    $emulator = Start-MsiEmulator -Connect
    New-MsiResourceGroup -Name myResourceGroup -Location westus
    Stop-MsiEmulator $emulator
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType('MsiIdentity.Emulator')]
    param(
        [string]$DataDir,
        [ValidateRange(0, 65535)][int]$Port = 0,
        [ValidateRange(0, 65535)][int]$ImdsPort = 0,
        [switch]$NoRbac,
        [string]$Throttle = 'arm',
        [switch]$Connect
    )
    if (-not $PSCmdlet.ShouldProcess('127.0.0.1', 'Start the msi-identity emulator')) { return }
    try {
        $native = [MsiIdentity.Native.MsiEmulator]::Start((ConvertTo-MsiNullable $DataDir), [uint16]$Port, [uint16]$ImdsPort, (-not $NoRbac), $Throttle)
    } catch {
        $PSCmdlet.ThrowTerminatingError((New-MsiErrorRecord $_.Exception $DataDir))
    }
    $info = $native.Info() | ConvertFrom-Json
    $envVars = @{}
    foreach ($p in $info.env.PSObject.Properties) { $envVars[$p.Name] = $p.Value }
    $emulator = [pscustomobject]@{
        PSTypeName        = 'MsiIdentity.Emulator'
        Endpoint          = $info.endpoint
        CaCertPath        = $info.caCertPath
        TenantId          = $info.tenantId
        SubscriptionId    = $info.subscriptionId
        AdminClientId     = $info.adminClientId
        AdminClientSecret = $info.adminClientSecret
        ImdsEndpoint      = $info.imdsEndpoint
        DataDir           = $info.dataDir
        Env               = $envVars
        Native            = $native
    }
    [void]$script:Emulators.Add($emulator)
    if ($Connect) { [void](Connect-MsiAccount -Emulator $emulator) }
    $emulator
}

function Stop-MsiEmulator {
    <#
    .SYNOPSIS
    Stops an emulator from Start-MsiEmulator (all of them when none is given).
    .EXAMPLE
    Stop-MsiEmulator $emulator
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([System.Void])]
    param([Parameter(Position = 0, ValueFromPipeline = $true)]$Emulator)
    process {
        $targets = @($Emulator)
        if ($null -eq $Emulator) { $targets = @($script:Emulators.ToArray()) }
        foreach ($e in $targets) {
            if ($PSCmdlet.ShouldProcess($e.Endpoint, 'Stop the emulator')) {
                if ($null -ne $script:Context -and $script:Context.Emulator -eq $e) {
                    $script:Context.Client.Dispose()
                    $script:Context = $null
                }
                $e.Native.Dispose()
                $script:Emulators.Remove($e)
            }
        }
    }
}

function Get-MsiEmulatorIdentityEndpoint {
    <#
    .SYNOPSIS
    The token endpoints through which a process "runs on" an emulated VM or scale-set instance.
    .DESCRIPTION
    ImdsBaseUrl is for Get-MsiAccessToken -Source Imds -Endpoint (or AZURE_POD_IDENTITY_AUTHORITY_HOST);
    IdentityEndpoint and IdentityHeader are the App Service style pair (IDENTITY_ENDPOINT, IDENTITY_HEADER).
    .EXAMPLE
    $vm = Get-MsiVM -ResourceGroupName myResourceGroup -Name myVM
    $endpoints = $vm | Get-MsiEmulatorIdentityEndpoint -Emulator $emulator
    Get-MsiAccessToken -ResourceUrl https://management.azure.com/ -Source Imds -Endpoint $endpoints.ImdsBaseUrl
    #>
    [CmdletBinding()]
    [OutputType('MsiIdentity.EmulatorIdentityEndpoint')]
    param(
        [Parameter(Mandatory = $true)]$Emulator,
        [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][Alias('Id')][string]$ResourceId,
        [int]$Instance = -1
    )
    process {
        Invoke-MsiCall $PSCmdlet {
            $app = $Emulator.Native.AppServiceEnv($ResourceId) | ConvertFrom-Json
            [pscustomobject]@{
                PSTypeName       = 'MsiIdentity.EmulatorIdentityEndpoint'
                ResourceId       = $ResourceId
                ImdsBaseUrl      = $Emulator.Native.ImdsBaseUrl($ResourceId, $Instance)
                IdentityEndpoint = $app.IDENTITY_ENDPOINT
                IdentityHeader   = $app.IDENTITY_HEADER
            }
        } $ResourceId
    }
}

Set-Alias -Name Login-MsiAccount -Value Connect-MsiAccount

# Bulk changes (Invoke-MsiBulkIdentityChange) live in their own file, in this module's scope.
. (Join-Path $PSScriptRoot 'MsiIdentity.Bulk.ps1')
# Desired state from a file (Get-MsiDesiredStatePlan, Invoke-MsiDesiredState), over the bulk event handler.
. (Join-Path $PSScriptRoot 'MsiIdentity.Desired.ps1')

$MyInvocation.MyCommand.ScriptBlock.Module.OnRemove = {
    foreach ($e in @($script:Emulators.ToArray())) { $e.Native.Dispose() }
    if ($null -ne $script:Context) { $script:Context.Client.Dispose() }
    foreach ($c in $script:Credentials.Values) { $c.Dispose() }
}

Export-ModuleMember -Alias Login-MsiAccount -Function @(
    'Connect-MsiAccount', 'Disconnect-MsiAccount',
    'New-MsiResourceGroup', 'Get-MsiResourceGroup',
    'Get-MsiVM', 'Get-MsiVMIdentity', 'Update-MsiVM', 'Add-MsiVMIdentity', 'Remove-MsiVMIdentity', 'New-MsiVM', 'Remove-MsiVM',
    'Set-MsiVMExtension', 'Get-MsiVMExtension', 'Remove-MsiVMExtension',
    'Get-MsiVmss', 'Get-MsiVmssIdentity', 'Update-MsiVmss', 'Add-MsiVmssIdentity', 'Remove-MsiVmssIdentity', 'New-MsiVmss', 'Remove-MsiVmss',
    'Set-MsiVmssExtension', 'Get-MsiVmssExtension', 'Remove-MsiVmssExtension',
    'New-MsiUserAssignedIdentity', 'Get-MsiUserAssignedIdentity', 'Remove-MsiUserAssignedIdentity',
    'New-MsiRoleAssignment', 'Get-MsiRoleAssignment', 'Remove-MsiRoleAssignment',
    'Get-MsiAccessToken',
    'Start-MsiEmulator', 'Stop-MsiEmulator', 'Get-MsiEmulatorIdentityEndpoint',
    'Invoke-MsiBulkIdentityChange',
    'Get-MsiDesiredStatePlan', 'Invoke-MsiDesiredState'
)
