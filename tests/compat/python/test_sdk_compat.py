"""The official Azure Python SDKs, unmodified, against the msi emulator.

Runs every managed-identity step of the seed guides in order (one emulator, one resource group) and, after
each step, compares the SDK's view with `msi`'s view of the same resource. Started by scripts/sdk-compat,
which exports (from the emulator's banner):

  MSI_ARM_ENDPOINT, MSI_CA_CERT (= REQUESTS_CA_BUNDLE), AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID,
  AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, MSI_BIN (target/debug/msi)

The tests depend on each other's resources: they run in file order (pytest's default) and stop at the first
failure (-x), since a later step without its predecessor's resource tells nothing.
"""

import base64
import json
import os
import subprocess
import uuid

import pytest
import requests
from azure.identity import ClientSecretCredential, ManagedIdentityCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.authorization.models import RoleAssignmentCreateParameters
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.compute.models import (
    HardwareProfile,
    ImageReference,
    NetworkInterfaceReference,
    NetworkProfile,
    OSProfile,
    StorageProfile,
    UpgradePolicy,
    Sku,
    VirtualMachine,
    VirtualMachineIdentity,
    VirtualMachineScaleSetOSProfile,
    VirtualMachineScaleSetStorageProfile,
    VirtualMachineScaleSetVMProfile,
    VirtualMachineScaleSet,
    VirtualMachineScaleSetIdentity,
    VirtualMachineScaleSetUpdate,
    VirtualMachineUpdate,
)
from azure.mgmt.msi import ManagedServiceIdentityClient
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import (
    AddressSpace,
    NetworkInterface,
    NetworkInterfaceIPConfiguration,
    Subnet,
    VirtualNetwork,
)
from azure.mgmt.resource.resources import ResourceManagementClient  # azure-mgmt-resource >= 26

ENDPOINT = os.environ["MSI_ARM_ENDPOINT"].rstrip("/")
CA = os.environ["MSI_CA_CERT"]
TENANT = os.environ["AZURE_TENANT_ID"]
SUB = os.environ["AZURE_SUBSCRIPTION_ID"]
CLIENT = os.environ["AZURE_CLIENT_ID"]
SECRET = os.environ["AZURE_CLIENT_SECRET"]
MSI = os.environ["MSI_BIN"]
SCOPES = ["https://management.azure.com/.default"]
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
G = "sdkpy"
LOC = "westus"
PASSWORD = "Emulator-only-1!"  # a throwaway VM on a local emulator
RG_ID = f"/subscriptions/{SUB}/resourceGroups/{G}"
IMAGE = ImageReference(
    publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2", version="latest"
)
MI_ENV = (
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "IDENTITY_SERVER_THUMBPRINT",
)

state = {}


@pytest.fixture(scope="module")
def cred():
    return ClientSecretCredential(
        TENANT, CLIENT, SECRET, authority=ENDPOINT, disable_instance_discovery=True, connection_verify=CA
    )


def client(cls, cred):
    return cls(cred, SUB, base_url=ENDPOINT, credential_scopes=SCOPES, connection_verify=CA)


@pytest.fixture(scope="module")
def compute(cred):
    return client(ComputeManagementClient, cred)


@pytest.fixture(scope="module")
def network(cred):
    return client(NetworkManagementClient, cred)


def msi(*args):
    """`msi ARGS -o json` with the admin's credentials; the parsed answer (None for an empty one)."""
    env = dict(os.environ)
    out = subprocess.run(
        [MSI, *args, "-o", "json"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, f"msi {' '.join(args)}: {out.stderr}"
    return json.loads(out.stdout) if out.stdout.strip() else None


def msi_identity(kind, name):
    return msi(kind, "identity", "show", "-g", G, "-n", name) or {}


def identity_type(ident):
    return (ident or {}).get("type") or "None"


def norm_type(t):
    return str(getattr(t, "value", t) or "None").replace(" ", "").lower()


def jwt_claims(token):
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def hook(cred, path):
    token = cred.get_token(*SCOPES).token
    r = requests.get(
        f"{ENDPOINT}{path}", headers={"Authorization": f"Bearer {token}"}, verify=CA, timeout=30
    )
    assert r.status_code == 200, r.text
    return r.json()


def managed_identity_token(env, **kwargs):
    saved = {k: os.environ.pop(k) for k in MI_ENV if k in os.environ}
    saved_client = os.environ.pop("AZURE_CLIENT_ID", None)
    os.environ.update(env)
    try:
        with ManagedIdentityCredential(**kwargs) as mic:
            return mic.get_token(*SCOPES).token
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)
        if saved_client is not None:
            os.environ["AZURE_CLIENT_ID"] = saved_client


# --- the steps, in order -----------------------------------------------------------------------------


def test_resource_group(cred):
    rg = client(ResourceManagementClient, cred).resource_groups.create_or_update(G, {"location": LOC})
    assert rg.name == G and rg.properties.provisioning_state == "Succeeded"
    assert msi("group", "show", "-n", G)["id"].lower() == RG_ID.lower()


def test_network(network):
    vnet = network.virtual_networks.begin_create_or_update(
        G,
        "vnet",
        VirtualNetwork(
            location=LOC,
            address_space=AddressSpace(address_prefixes=["10.0.0.0/16"]),
            subnets=[Subnet(name="default", address_prefix="10.0.0.0/24")],
        ),
    ).result()
    nic = network.network_interfaces.begin_create_or_update(
        G,
        "nic",
        NetworkInterface(
            location=LOC,
            ip_configurations=[
                NetworkInterfaceIPConfiguration(name="ipconfig1", subnet=Subnet(id=vnet.subnets[0].id))
            ],
        ),
    ).result()
    assert nic.provisioning_state == "Succeeded"
    state["nic"] = nic.id
    assert network.network_interfaces.get(G, "nic").ip_configurations[0].private_ip_address == "10.0.0.4"


def test_vm_create_with_system_identity(compute):
    vm = compute.virtual_machines.begin_create_or_update(
        G,
        "vm1",
        VirtualMachine(
            location=LOC,
            identity=VirtualMachineIdentity(type="SystemAssigned"),
            hardware_profile=HardwareProfile(vm_size="Standard_B1s"),
            storage_profile=StorageProfile(image_reference=IMAGE),
            os_profile=OSProfile(computer_name="vm1", admin_username="azureuser", admin_password=PASSWORD),
            network_profile=NetworkProfile(network_interfaces=[NetworkInterfaceReference(id=state["nic"])]),
        ),
    ).result()
    assert norm_type(vm.identity.type) == "systemassigned"
    assert vm.identity.principal_id and vm.identity.tenant_id == TENANT
    seen = msi_identity("vm", "vm1")
    assert seen["type"] == "SystemAssigned" and seen["principalId"] == vm.identity.principal_id
    state["vm_id"] = vm.id
    state["vm_principal"] = vm.identity.principal_id


def test_vm_disable_system_identity(compute):
    vm = compute.virtual_machines.begin_update(
        G, "vm1", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="None"))
    ).result()
    assert vm.identity is None or norm_type(vm.identity.type) == "none"
    assert identity_type(msi_identity("vm", "vm1")) == "None"


def test_vm_enable_system_identity(compute):
    vm = compute.virtual_machines.begin_update(
        G, "vm1", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="SystemAssigned"))
    ).result()
    assert norm_type(vm.identity.type) == "systemassigned" and vm.identity.principal_id
    seen = msi_identity("vm", "vm1")
    assert seen["type"] == "SystemAssigned" and seen["principalId"] == vm.identity.principal_id
    state["vm_principal"] = vm.identity.principal_id


def test_user_assigned_identity_create(cred):
    ident = client(ManagedServiceIdentityClient, cred).user_assigned_identities.create_or_update(
        G, "id1", {"location": LOC}
    )
    assert ident.client_id and ident.principal_id and ident.tenant_id == TENANT
    seen = msi("identity", "show", "-g", G, "-n", "id1")["properties"]
    assert seen["clientId"] == ident.client_id and seen["principalId"] == ident.principal_id
    state["uai"] = ident


def test_vm_assign_user_assigned_identity(compute):
    uai = state["uai"]
    vm = compute.virtual_machines.begin_update(
        G,
        "vm1",
        VirtualMachineUpdate(
            identity=VirtualMachineIdentity(
                type="SystemAssigned, UserAssigned", user_assigned_identities={uai.id: {}}
            )
        ),
    ).result()
    assert norm_type(vm.identity.type) == "systemassigned,userassigned"
    assert vm.identity.principal_id == state["vm_principal"]
    (entry,) = [v for k, v in vm.identity.user_assigned_identities.items() if k.lower() == uai.id.lower()]
    assert entry.client_id == uai.client_id and entry.principal_id == uai.principal_id
    seen = msi_identity("vm", "vm1")
    assert seen["type"] == "SystemAssigned, UserAssigned"
    assert [v["clientId"] for v in seen["userAssignedIdentities"].values()] == [uai.client_id]


def test_role_assignment_for_vm_principal(cred):
    auth = client(AuthorizationManagementClient, cred)
    name = str(uuid.uuid4())
    ra = auth.role_assignments.create(
        RG_ID,
        name,
        RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            principal_id=state["vm_principal"],
            principal_type="ServicePrincipal",
        ),
    )
    assert ra.name == name and ra.principal_id == state["vm_principal"]
    listed = [a for a in auth.role_assignments.list_for_scope(RG_ID) if a.principal_id == state["vm_principal"]]
    assert [a.name for a in listed] == [name]
    seen = msi("role", "assignment", "list", "--scope", RG_ID, "--assignee", state["vm_principal"])
    assert [a["name"] for a in seen] == [name]
    assert seen[0].get("properties", seen[0])["roleDefinitionId"].lower().endswith(READER)
    state["ra"] = ra.id


def test_imds_token_system_identity(cred):
    urls = hook(cred, f"/_emulator/identity-endpoints?resourceId={state['vm_id']}")
    state["vm_urls"] = urls
    token = managed_identity_token({"AZURE_POD_IDENTITY_AUTHORITY_HOST": urls["imdsBaseUrl"]})
    claims = jwt_claims(token)
    assert claims["oid"] == state["vm_principal"] and claims["tid"] == TENANT
    assert claims["aud"] == "https://management.azure.com"
    # The token works: the VM's principal is a Reader of the group, so it may read the VM. (Not the group's
    # resource list: the emulator has no GET .../resourceGroups/{g}/resources, 404 InvalidResourceType.)
    r = requests.get(
        f"{ENDPOINT}{state['vm_id']}?api-version=2024-07-01",
        headers={"Authorization": f"Bearer {token}"},
        verify=CA,
        timeout=30,
    )
    assert r.status_code == 200, r.text


def test_imds_token_user_assigned_identity():
    uai = state["uai"]
    token = managed_identity_token(
        {"AZURE_POD_IDENTITY_AUTHORITY_HOST": state["vm_urls"]["imdsBaseUrl"]}, client_id=uai.client_id
    )
    claims = jwt_claims(token)
    assert claims["oid"] == uai.principal_id and claims["appid"] == uai.client_id


def test_app_service_token():
    urls = state["vm_urls"]
    env = {"IDENTITY_ENDPOINT": urls["identityEndpoint"], "IDENTITY_HEADER": urls["identityHeader"]}
    assert jwt_claims(managed_identity_token(env))["oid"] == state["vm_principal"]
    uai = state["uai"]
    assert jwt_claims(managed_identity_token(env, client_id=uai.client_id))["oid"] == uai.principal_id


def test_role_assignment_delete(cred):
    auth = client(AuthorizationManagementClient, cred)
    auth.role_assignments.delete_by_id(state["ra"])
    assert msi("role", "assignment", "list", "--scope", RG_ID, "--assignee", state["vm_principal"]) in ([], None)


def test_vm_remove_user_assigned_identity(compute):
    vm = compute.virtual_machines.begin_update(
        G,
        "vm1",
        # The documented way to drop the last user-assigned identity and keep the system one (the emulator
        # refuses "SystemAssigned, UserAssigned" with {id: null} for the only one: InvalidParameter).
        VirtualMachineUpdate(identity=VirtualMachineIdentity(type="SystemAssigned")),
    ).result()
    assert norm_type(vm.identity.type) == "systemassigned" and not vm.identity.user_assigned_identities
    seen = msi_identity("vm", "vm1")
    assert seen["type"] == "SystemAssigned" and not seen.get("userAssignedIdentities")


def test_vmss_create_with_system_identity(compute):
    ss = compute.virtual_machine_scale_sets.begin_create_or_update(
        G,
        "ss1",
        VirtualMachineScaleSet(
            location=LOC,
            sku=Sku(name="Standard_B1s", capacity=1),
            identity=VirtualMachineScaleSetIdentity(type="SystemAssigned"),
            upgrade_policy=UpgradePolicy(mode="Manual"),
            virtual_machine_profile=VirtualMachineScaleSetVMProfile(
                storage_profile=VirtualMachineScaleSetStorageProfile(image_reference=IMAGE),
                os_profile=VirtualMachineScaleSetOSProfile(
                    computer_name_prefix="ss1", admin_username="azureuser", admin_password=PASSWORD
                ),
            ),
        ),
    ).result()
    assert norm_type(ss.identity.type) == "systemassigned" and ss.identity.principal_id
    seen = msi_identity("vmss", "ss1")
    assert seen["type"] == "SystemAssigned" and seen["principalId"] == ss.identity.principal_id
    state["ss_id"] = ss.id
    state["ss_principal"] = ss.identity.principal_id


def test_vmss_assign_user_assigned_identity(compute):
    uai = state["uai"]
    ss = compute.virtual_machine_scale_sets.begin_update(
        G,
        "ss1",
        VirtualMachineScaleSetUpdate(
            identity=VirtualMachineScaleSetIdentity(
                type="SystemAssigned, UserAssigned", user_assigned_identities={uai.id: {}}
            )
        ),
    ).result()
    assert norm_type(ss.identity.type) == "systemassigned,userassigned"
    assert ss.identity.principal_id == state["ss_principal"]
    seen = msi_identity("vmss", "ss1")
    assert seen["type"] == "SystemAssigned, UserAssigned"
    assert [v["clientId"] for v in seen["userAssignedIdentities"].values()] == [uai.client_id]


def test_vmss_imds_token(cred):
    urls = hook(cred, f"/_emulator/identity-endpoints?resourceId={state['ss_id']}&instance=0")
    token = managed_identity_token(
        {"AZURE_POD_IDENTITY_AUTHORITY_HOST": urls["imdsBaseUrl"]}, client_id=state["uai"].client_id
    )
    assert jwt_claims(token)["oid"] == state["uai"].principal_id


def test_vmss_disable_system_identity(compute):
    ss = compute.virtual_machine_scale_sets.begin_update(
        G, "ss1", VirtualMachineScaleSetUpdate(identity=VirtualMachineScaleSetIdentity(type="UserAssigned"))
    ).result()
    assert norm_type(ss.identity.type) == "userassigned" and not ss.identity.principal_id
    assert msi_identity("vmss", "ss1")["type"] == "UserAssigned"


def test_vmss_remove_user_assigned_identity(compute):
    ss = compute.virtual_machine_scale_sets.begin_update(
        G, "ss1", VirtualMachineScaleSetUpdate(identity=VirtualMachineScaleSetIdentity(type="None"))
    ).result()
    assert ss.identity is None or norm_type(ss.identity.type) == "none"
    assert identity_type(msi_identity("vmss", "ss1")) == "None"


def test_vm_disable_all_identities(compute):
    vm = compute.virtual_machines.begin_update(
        G, "vm1", VirtualMachineUpdate(identity=VirtualMachineIdentity(type="None"))
    ).result()
    assert vm.identity is None or norm_type(vm.identity.type) == "none"
    assert identity_type(msi_identity("vm", "vm1")) == "None"
