"""ManagedIdentityCredential (managed_identity.rs) against the emulator's per-machine token endpoints: IMDS, the
legacy MSI extension and the App Service endpoint; and handed to azure-core as a TokenCredential."""

from __future__ import annotations

import asyncio
import base64
import json
import socket

import pytest
from azure.core.pipeline import Pipeline
from azure.core.pipeline.policies import BearerTokenCredentialPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.core.rest import HttpRequest

import msi_identity.aio
from conftest import unique
from msi_identity import AccessToken, ManagedIdentityCredential
from msi_identity.exceptions import CredentialUnavailableError, InvalidArgumentError

ARM = "https://management.azure.com/.default"


def claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


@pytest.fixture
def vm(client, group):
    """A VM with its system identity and one user-assigned identity."""
    uai = client.create_user_identity(group, "appIdentity")
    made = client.create_vm(group, unique("vm"), image="UbuntuLTS", system_assigned=True, assign_identity=[uai.id])
    return made, uai


def test_imds_system_assigned(emu, vm):
    made, _ = vm
    cred = ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(made["id"]))
    t = cred.get_token(ARM)
    assert isinstance(t, AccessToken)
    c = claims(t.token)
    assert c["oid"] == made["identity"]["principalId"] and c["tid"] == emu.tenant_id
    assert c["aud"].rstrip("/") == "https://management.azure.com"
    # Cached: the same token the second time.
    assert cred.get_token(ARM) == t


@pytest.mark.parametrize("how", ["client_id", "object_id", "resource_id"])
def test_imds_user_assigned_selected(emu, vm, how):
    made, uai = vm
    value = {"client_id": uai.client_id, "object_id": uai.principal_id, "resource_id": uai.id}[how]
    cred = ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(made["id"]), **{how: value})
    assert claims(cred.get_token(ARM).token)["oid"] == uai.principal_id


def test_identity_not_on_this_machine_is_unavailable(emu, client, group, vm):
    made, _ = vm
    other = client.create_user_identity(group, "notAssigned")
    cred = ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(made["id"]), client_id=other.client_id)
    with pytest.raises(CredentialUnavailableError) as ei:
        cred.get_token(ARM)
    e = ei.value
    assert e.kind == "credential_unavailable" and e.status_code == 400 and e.error_code


def test_selectors_are_exclusive():
    with pytest.raises(InvalidArgumentError):
        ManagedIdentityCredential(client_id="a", object_id="b")
    with pytest.raises(InvalidArgumentError):
        ManagedIdentityCredential(imds_endpoint="http://127.0.0.1:1", msi_extension_port=50342)


def test_msi_extension_endpoint(emu, client, vm):
    made, _ = vm
    port = free_port()
    client.set_msi_extension(resource_id=made["id"], extension_type="ManagedIdentityExtensionForLinux", port=port)
    cred = ManagedIdentityCredential(msi_extension_port=port)
    assert claims(cred.get_token(ARM).token)["oid"] == made["identity"]["principalId"]


def test_from_environment_imds_and_app_service(emu, vm, monkeypatch):
    made, uai = vm
    monkeypatch.delenv("IDENTITY_ENDPOINT", raising=False)
    monkeypatch.delenv("IDENTITY_HEADER", raising=False)
    monkeypatch.setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", emu.imds_base_url(made["id"]))
    assert claims(ManagedIdentityCredential().get_token(ARM).token)["oid"] == made["identity"]["principalId"]
    for k, v in emu.app_service_env(made["id"]).items():
        monkeypatch.setenv(k, v)
    cred = ManagedIdentityCredential(client_id=uai.client_id)
    assert "AppService" in repr(cred) or "environment" in repr(cred)
    assert claims(cred.get_token(ARM).token)["oid"] == uai.principal_id


def test_aio_credential(emu, vm):
    made, _ = vm

    async def go():
        async with msi_identity.aio.ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(made["id"])) as cred:
            return await cred.get_token(ARM)

    assert claims(asyncio.run(go()).token)["oid"] == made["identity"]["principalId"]


def test_handed_to_azure_core_as_the_vms_identity(emu, client, group, vm):
    """Code running on the VM uses its identity through azure-core: 403 until granted, then 200."""
    made, _ = vm
    cred = ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(made["id"]))
    pipeline = Pipeline(
        transport=RequestsTransport(connection_verify=emu.ca_cert_path),
        policies=[BearerTokenCredentialPolicy(cred, ARM)],
    )
    url = f"{emu.endpoint}/subscriptions/{emu.subscription_id}/resourcegroups/{group}?api-version=2022-09-01"
    assert pipeline.run(HttpRequest("GET", url)).http_response.status_code == 403
    client.create_role_assignment(f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}", "Reader",
                                  made["identity"]["principalId"])
    resp = pipeline.run(HttpRequest("GET", url)).http_response
    assert resp.status_code == 200 and resp.json()["name"] == group
