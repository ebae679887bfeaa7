"""Every step of the seed documents (portal VM and VMSS, PowerShell VM, CLI VM) through the package against the
emulator, each scenario with the sync client and with the aio client."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import maybe, run_both, uai_id, unique
from msi_identity import Identity, IdentityUpdate
from msi_identity.exceptions import InvalidArgumentError, ResourceNotFoundError

WIN = "ManagedIdentityExtensionForWindows"
LINUX = "ManagedIdentityExtensionForLinux"


def users(identity: Identity) -> list[str]:
    return [u.id.lower() for u in identity.user_assigned_identities]


async def portal(c: Any, group: str, kind: str) -> None:
    """Portal, VM (seeds 000, 002) or scale set (001): Identity blade, System assigned On/Off, User assigned
    +Add/Remove, then "give the identity access to another resource"."""
    create = c.create_vm if kind == "vm" else c.create_vmss
    assign = c.vm_identity_assign if kind == "vm" else c.vmss_identity_assign
    remove = c.vm_identity_remove if kind == "vm" else c.vmss_identity_remove
    show = c.vm_identity_show if kind == "vm" else c.vmss_identity_show
    name = unique(kind)

    # The portal cannot enable identities at creation: the quickstart creates the machine first.
    resource = await maybe(create(group, name, image="Win2016Datacenter", admin_password="myPassword12!"))
    assert "identity" not in resource
    assert (await maybe(show(group, name))).type == "None"

    # System assigned, Status On, Save.
    on: IdentityUpdate = await maybe(assign(group, name))
    assert on.changed and on.identity.system_assigned and on.identity.type == "SystemAssigned"
    assert on.identity.principal_id and on.identity.tenant_id
    assert on.resource["identity"]["principalId"] == on.identity.principal_id
    # Saving again changes nothing (no write sent).
    assert not (await maybe(assign(group, name))).changed

    # Next steps: give the identity access to another resource.
    scope = f"/subscriptions/{c.subscription_id}/resourceGroups/{group}"
    ra = await maybe(c.create_role_assignment(scope, "Reader", on.identity.principal_id))
    assert ra.principal_id == on.identity.principal_id and ra.scope.lower() == scope.lower()
    listed = await maybe(c.list_role_assignments(scope, principal_id=on.identity.principal_id))
    assert [a.id for a in listed] == [ra.id]
    assert await maybe(c.delete_role_assignment(ra.id))

    # System assigned, Status Off, Save.
    off = await maybe(remove(group, name))
    assert off.changed and off.identity.type == "None" and off.identity.principal_id is None
    assert "identity" not in off.resource

    # User assigned, +Add: pick the identity, Add.
    uai = await maybe(c.create_user_identity(group, unique("id")))
    added = await maybe(assign(group, name, identities=[uai.name]))
    assert added.identity.type == "UserAssigned"
    assert users(added.identity) == [uai.id.lower()]
    entry = (await maybe(show(group, name))).user_assigned_identities[0]
    assert entry.principal_id == uai.principal_id and entry.client_id == uai.client_id

    # User assigned, the identity, Remove, Yes.
    removed = await maybe(remove(group, name, identities=[uai.name]))
    assert removed.identity.type == "None" and users(removed.identity) == []


async def powershell(c: Any, group: str) -> None:
    """PowerShell, VM (seed 003): New-AzureRmVMConfig -AssignIdentity / -IdentityType -IdentityID,
    Update-AzureRmVM, Set-AzureRmVMExtension, Remove-AzureRmVMExtension."""
    # $vmConfig = New-AzureRmVMConfig -VMName myVM -AssignIdentity "SystemAssigned" ...; New-AzureRmVM
    vm = unique("myVM")
    created = await maybe(c.create_vm(group, vm, image="Win2016Datacenter", system_assigned=True))
    assert created["identity"]["type"] == "SystemAssigned" and created["identity"]["principalId"]

    # Set-AzureRmVMExtension -Name ManagedIdentityExtensionForWindows -Type ManagedIdentityExtensionForWindows
    #   -Publisher Microsoft.ManagedIdentity -TypeHandlerVersion 1.0 -Settings @{"port" = 50342}
    ext = await maybe(c.set_msi_extension(group, vm, extension_type=WIN, name=WIN, port=50342))
    props = ext["properties"]
    assert (props["publisher"], props["type"], props["typeHandlerVersion"]) == (
        "Microsoft.ManagedIdentity",
        WIN,
        "1.0",
    )
    assert props["settings"] == {"port": 50342}
    assert (await maybe(c.get_extension(group, vm, name=WIN)))["name"] == WIN

    # Existing VM: $vm = Get-AzureRmVM ...; Update-AzureRmVM -VM $vm -AssignIdentity "SystemAssigned"
    existing = unique("myVM")
    await maybe(c.create_vm(group, existing, image="Win2016Datacenter"))
    got = await maybe(c.get_vm(group, existing))
    upd = await maybe(c.vm_identity_set(resource_id=got["id"], identity_type="SystemAssigned"))
    assert upd.changed and upd.identity.type == "SystemAssigned"
    await maybe(c.set_msi_extension(resource_id=got["id"], extension_type=WIN))

    # Remove-AzureRmVMExtension -ResourceGroupName myResourceGroup -Name "ManagedIdentityExtensionForWindows" -VMName myVM
    assert await maybe(c.delete_extension(group, existing, name=WIN)) is True
    with pytest.raises(ResourceNotFoundError):
        await maybe(c.get_extension(group, existing, name=WIN))
    assert await maybe(c.delete_extension(group, existing, name=WIN)) is False

    # User assigned at creation: New-AzureRmVMConfig -IdentityType UserAssigned -IdentityID "/subscriptions/..."
    uai = await maybe(c.create_user_identity(group, unique("msi")))
    full_id = f"/subscriptions/{c.subscription_id}/resourcegroups/{group}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{uai.name}"
    linux = unique("myVM")
    made = await maybe(c.create_vm(group, linux, image="UbuntuLTS", assign_identity=[full_id]))
    assert made["identity"]["type"] == "UserAssigned"
    # ... then the Linux extension (only needed for the extension endpoint, not IMDS).
    ext = await maybe(c.set_msi_extension(group, linux, extension_type=LINUX, port=50342))
    assert ext["properties"]["type"] == LINUX

    # Existing VM: Update-AzureRmVM -IdentityType UserAssigned -IdentityID "/subscriptions/..."
    upd = await maybe(c.vm_identity_set(group, existing, identity_type="UserAssigned", identities=[full_id]))
    assert upd.identity.type == "UserAssigned" and users(upd.identity) == [full_id.lower()]
    # Nothing to do the second time.
    assert not (await maybe(c.vm_identity_set(group, existing, identity_type="UserAssigned", identities=[full_id]))).changed


async def cli(c: Any, group: str) -> None:
    """Azure CLI, VM (seed 004)."""
    # az vm create --resource-group myResourceGroup --name myVM --image win2016datacenter --generate-ssh-keys
    #   --assign-identity --admin-username azureuser --admin-password myPassword12
    vm = unique("myVM")
    created = await maybe(
        c.create_vm(
            group,
            vm,
            image="win2016datacenter",
            admin_username="azureuser",
            admin_password="myPassword12",
            system_assigned=True,
        )
    )
    assert created["identity"]["type"] == "SystemAssigned"
    assert created["properties"]["osProfile"]["adminUsername"] == "azureuser"

    # az vm identity assign -g myResourceGroup -n myVm (on an existing VM)
    other = unique("myVm")
    await maybe(c.create_vm(group, other, image="UbuntuLTS"))
    assert (await maybe(c.vm_identity_assign(group, other))).identity.type == "SystemAssigned"

    # az identity create -g myResourceGroup -n myUserAssignedIdentity
    uai = await maybe(c.create_user_identity(group, "myUserAssignedIdentity"))
    d = uai.as_dict()
    assert d["name"] == "myUserAssignedIdentity" and d["type"] == "Microsoft.ManagedIdentity/userAssignedIdentities"
    assert uai.client_id and uai.principal_id and uai.tenant_id and uai.resource_group == group
    assert uai.location == "westus"

    # az vm update -n myVM -g myResourceGroup --set identity.type='UserAssigned' (system off, users kept)
    await maybe(c.vm_identity_assign(group, other, identities=["myUserAssignedIdentity"]))
    upd = await maybe(c.vm_identity_set(group, other, identity_type="UserAssigned"))
    assert upd.identity.type == "UserAssigned" and not upd.identity.system_assigned
    assert len(upd.identity.user_assigned_identities) == 1

    # az vm update -n myVM -g myResourceGroup --set identity.type="none"
    assert (await maybe(c.vm_identity_set(group, other, identity_type="none"))).identity.type == "None"

    # az vm create ... --image UbuntuLTS --admin-username <USER NAME> --admin-password <PASSWORD>
    #   --assign-identity <USER ASSIGNED IDENTITY NAME>
    vm2 = unique("vm")
    made = await maybe(
        c.create_vm(
            group,
            vm2,
            image="UbuntuLTS",
            admin_username="azureuser",
            admin_password="myPassword12!",
            assign_identity=["myUserAssignedIdentity"],
        )
    )
    assert made["identity"]["type"] == "UserAssigned"
    assert [k.lower() for k in made["identity"]["userAssignedIdentities"]] == [uai.id.lower()]

    # az vm identity assign -g <RESOURCE GROUP> -n <VM NAME> --identities <USER ASSIGNED IDENTITY>
    vm3 = unique("vm")
    await maybe(c.create_vm(group, vm3, image="UbuntuLTS"))
    a = await maybe(c.vm_identity_assign(group, vm3, identities=["myUserAssignedIdentity"]))
    assert a.identity.type == "UserAssigned"

    # az vm identity remove -g <RESOURCE GROUP> -n <VM NAME> --identities <USER ASSIGNED IDENTITY>
    r = await maybe(c.vm_identity_remove(group, vm3, identities=["myUserAssignedIdentity"]))
    assert r.identity.type == "None"

    # az vm update -n myVM -g myResourceGroup --set identity.type="none" identity.userAssignedIdentities=null
    n = await maybe(c.vm_identity_set(group, vm2, identity_type="none", identities=[]))
    assert n.identity.type == "None" and users(n.identity) == []

    # az vm update ... --set identity.type='SystemAssigned' identity.userAssignedIdentities=null
    await maybe(c.vm_identity_assign(group, vm2, identities=["[system]", "myUserAssignedIdentity"]))
    both = await maybe(c.vm_identity_show(group, vm2))
    assert both.type == "SystemAssigned, UserAssigned"
    s = await maybe(c.vm_identity_set(group, vm2, identity_type="SystemAssigned", identities=[]))
    assert s.identity.type == "SystemAssigned" and users(s.identity) == []
    assert s.identity.principal_id == both.principal_id


def test_portal_vm(emu, group):
    run_both(emu, lambda c, g: portal(c, g, "vm"), group)


def test_portal_vmss(emu, group):
    run_both(emu, lambda c, g: portal(c, g, "vmss"), group)


def test_powershell_vm(emu, group):
    run_both(emu, powershell, group)


def test_cli_vm(emu, group):
    run_both(emu, cli, group)


def test_vmss_extension_and_instance_count(client, group):
    made = client.create_vmss(group, "ss1", image="UbuntuLTS", instance_count=3, system_assigned=True)
    assert made["sku"]["capacity"] == 3 and made["identity"]["type"] == "SystemAssigned"
    ext = client.set_msi_extension(group, vmss_name="ss1", extension_type=LINUX)
    assert ext["properties"]["settings"] == {"port": 50342}
    ss = client.get_vmss(group, "ss1")
    names = [e["name"] for e in ss["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]]
    assert names == [LINUX]
    assert client.delete_extension(resource_id=ss["id"], name=LINUX)
    assert client.delete_vmss(group, "ss1") is True
    assert client.delete_vmss(group, "ss1") is False


def test_create_from_model_and_by_resource_id(emu, client, group):
    model = {
        "location": "eastus",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {
                "imageReference": {"publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "latest"}
            },
        },
    }
    rid = f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/m1"
    vm = client.create_vm(resource_id=rid, model=model, system_assigned=True)
    assert vm["location"] == "eastus" and vm["identity"]["type"] == "SystemAssigned"
    assert client.get_vm(resource_id=rid)["id"].lower() == rid.lower()
    with pytest.raises(InvalidArgumentError, match="not both"):
        client.create_vm(group, "m2", model, image="UbuntuLTS")
    with pytest.raises(InvalidArgumentError, match="not both"):
        client.get_vm(group, "m1", resource_id=rid)
    assert client.delete_vm(resource_id=rid) is True


async def new_keywords(c: Any, group: str) -> None:
    """The keywords that map to core's request fields: role/scope on assign, identity_type and system_assigned on
    create, the whole extension spec. The defaults and checks are core's (the shared table covers them)."""
    scope = f"/subscriptions/{c.subscription_id}/resourceGroups/{group}"
    vm = unique("vm")
    await maybe(c.create_vm(group, vm))
    # az vm identity assign --role Reader --scope <group>: the system-assigned identity, then the grant.
    a = await maybe(c.vm_identity_assign(group, vm, role="Reader", scope=scope))
    assert a.identity.system_assigned and a.role_assignment is not None
    assert a.role_assignment.principal_id == a.identity.principal_id and a.role_assignment.scope.lower() == scope.lower()
    assert (await maybe(c.vm_identity_assign(group, vm))).role_assignment is None
    with pytest.raises(InvalidArgumentError, match="no default role"):
        await maybe(c.vm_identity_assign(group, vm, scope=scope))

    # New-AzVMConfig -IdentityType: an explicit type the identities must agree with.
    uai = await maybe(c.create_user_identity(group, unique("id")))
    made = await maybe(c.create_vmss(group, unique("ss"), identity_type="SystemAssigned, UserAssigned",
                                     assign_identity=[uai.name], instance_count=1))
    assert made["identity"]["type"] == "SystemAssigned, UserAssigned" and made["sku"]["capacity"] == 1
    with pytest.raises(InvalidArgumentError):
        await maybe(c.create_vm(group, unique("vm"), identity_type="UserAssigned"))
    # The VM and scale-set create share one body: instance_count is the scale set's (core says so).
    with pytest.raises(InvalidArgumentError, match="scale sets only"):
        await maybe(c.create_vm(group, unique("vm"), instance_count=2))
    # az's bare --assign-identity is an empty list: the system-assigned identity.
    bare = await maybe(c.create_vm(group, unique("vm"), assign_identity=[]))
    assert bare["identity"]["type"] == "SystemAssigned"

    # Set-AzVMExtension -Name -Type -Publisher -TypeHandlerVersion -Settings: core's MsiExtensionSpec.
    ext = await maybe(c.set_msi_extension(group, vm, name="msi", extension_type=LINUX, publisher="Microsoft.ManagedIdentity",
                                          version="1.0", settings={"port": "50343"}))
    assert ext["name"] == "msi" and ext["properties"]["settings"] == {"port": 50343}
    assert (await maybe(c.set_msi_extension(group, vm, name=WIN)))["properties"]["type"] == WIN
    with pytest.raises(InvalidArgumentError, match="disagree"):
        await maybe(c.set_msi_extension(group, vm, extension_type=LINUX, port=1, settings={"port": 2}))
    with pytest.raises(InvalidArgumentError, match="not both"):
        await maybe(c.set_msi_extension(group, vm, vmss_name="x", extension_type=LINUX))


def test_new_keywords(emu, group):
    run_both(emu, new_keywords, group)
