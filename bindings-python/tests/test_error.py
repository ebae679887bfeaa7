"""Each error kind of core mapped to its exception class, with status_code, error_code, request_id, kind and
__cause__ (error.rs)."""

from __future__ import annotations

import asyncio
import socket

import pytest

import msi_identity
from conftest import hook, unique
from msi_identity import ManagedIdentityClient, ManagedIdentityCredential
from msi_identity.exceptions import (
    BadRequestError,
    ClientAuthenticationError,
    ClientAuthorizationError,
    HttpResponseError,
    InvalidArgumentError,
    MsiIdentityError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseTimeoutError,
    ThrottledError,
)


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_hierarchy():
    assert issubclass(InvalidArgumentError, ValueError) and issubclass(InvalidArgumentError, MsiIdentityError)
    for cls in (BadRequestError, ResourceNotFoundError, ResourceExistsError, ResourceModifiedError,
                ClientAuthenticationError, ClientAuthorizationError, ThrottledError):
        assert issubclass(cls, HttpResponseError) and issubclass(cls, MsiIdentityError)
    assert issubclass(msi_identity.exceptions.CredentialUnavailableError, ClientAuthenticationError)
    assert ResourceNotFoundError.__module__ == "msi_identity.exceptions"
    # Hand-made instances have the attributes too.
    e = HttpResponseError("x")
    assert (e.status_code, e.error_code, e.request_id, e.kind) == (None, None, None, None)


def test_not_found_404(client, group):
    with pytest.raises(ResourceNotFoundError) as ei:
        client.get_vm(group, "absent")
    e = ei.value
    assert (e.status_code, e.error_code, e.kind) == (404, "ResourceNotFound", "not_found")
    assert e.request_id and e.request_id in str(e)
    assert "absent" in e.message and e.message in str(e)
    with pytest.raises(ResourceNotFoundError) as ei:
        client.get_resource_group(unique("nogroup"))
    assert ei.value.error_code == "ResourceGroupNotFound"


def test_conflict_409(client, group):
    with pytest.raises(ResourceExistsError) as ei:
        client.create_resource_group(group, "eastus")
    assert (ei.value.status_code, ei.value.error_code, ei.value.kind) == (409, "InvalidResourceGroupLocation", "conflict")


def test_precondition_412(client, group):
    client.create_vm(group, "vm", image="UbuntuLTS")
    with pytest.raises(ResourceModifiedError) as ei:
        client.create_vm(group, "vm", image="UbuntuLTS")
    e = ei.value
    assert (e.status_code, e.error_code, e.kind) == (412, "PreconditionFailed", "conflict")
    assert "already exists" in e.message


def test_failed_identity_operation_400(emu, client, group):
    client.create_vm(group, "vm", image="UbuntuLTS")
    with pytest.raises(BadRequestError) as ei:
        client.vm_identity_assign(group, "vm", identities=["doesNotExist"])
    e = ei.value
    assert (e.status_code, e.error_code, e.kind) == (400, "FailedIdentityOperation", "bad_request")
    assert "doesNotExist" in e.message and e.request_id

    async def aio():
        await emu.aio_client().vm_identity_assign(group, "vm", identities=["doesNotExist"])

    with pytest.raises(BadRequestError) as ei:
        asyncio.run(aio())
    assert ei.value.error_code == "FailedIdentityOperation"


def test_bad_secret_401(emu):
    c = ManagedIdentityClient(
        subscription_id=emu.subscription_id,
        endpoint=emu.endpoint,
        tenant_id=emu.tenant_id,
        client_id=emu.admin_client_id,
        client_secret="not-the-secret",
        ca_cert_pem=emu.ca_cert_pem,
        use_environment=False,
    )
    with pytest.raises(ClientAuthenticationError) as ei:
        c.get_resource_group("anything")
    e = ei.value
    assert (e.status_code, e.error_code, e.kind) == (401, "invalid_client", "authentication")
    assert "AADSTS7000215" in e.message


def test_bad_token_401(emu):
    c = ManagedIdentityClient(
        subscription_id=emu.subscription_id, endpoint=emu.endpoint, access_token="not.a.jwt",
        ca_cert_pem=emu.ca_cert_pem, use_environment=False,
    )
    with pytest.raises(ClientAuthenticationError) as ei:
        c.get_resource_group("anything")
    assert (ei.value.status_code, ei.value.error_code) == (401, "InvalidAuthenticationToken")


@pytest.mark.parametrize(
    "call",
    [
        lambda c, g: c.vm_identity_assign(g, "vm", identities=["a"]),  # identity names are 3-128 characters
        lambda c, g: c.create_user_identity(g, "bad name!"),
        lambda c, g: c.create_resource_group("bad/group", "westus"),
        lambda c, g: c.vm_identity_set(g, "vm", identity_type="Bogus"),
        lambda c, g: c.vm_identity_show(g, "bad vm"),
        lambda c, g: c.vm_identity_show(resource_id="/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachineScaleSets/x"),
        lambda c, g: c.vm_identity_show(g),
        lambda c, g: c.set_msi_extension(g, "vm", extension_type="NotAnMsiExtension"),
        lambda c, g: c.set_msi_extension(g, "vm", extension_type="ManagedIdentityExtensionForLinux", port=0),
        lambda c, g: c.create_role_assignment(f"/subscriptions/{c.subscription_id}", "Reader", "not-a-guid"),
        lambda c, g: c.delete_role_assignment("not-an-id"),
    ],
)
def test_invalid_argument_is_value_error_and_sends_nothing(emu, client, group, call):
    hook(emu, "DELETE", "/_emulator/requests")
    with pytest.raises(ValueError) as ei:
        call(client, group)
    e = ei.value
    assert isinstance(e, InvalidArgumentError) and e.kind == "invalid_argument"
    assert e.status_code is None and e.request_id is None and e.message
    assert hook(emu, "GET", "/_emulator/requests?path_contains=/")["total"] == 0


def test_connection_error_closed_port():
    c = ManagedIdentityClient(
        subscription_id="00000000-0000-0000-0000-000000000000",
        endpoint=f"https://127.0.0.1:{closed_port()}",
        access_token="t",
        retry_total=0,
        use_environment=False,
    )
    with pytest.raises(ServiceRequestError) as ei:
        c.get_resource_group("rg")
    assert ei.value.kind == "connection" and ei.value.status_code is None
    # The aio client raises the same.
    import msi_identity.aio

    a = msi_identity.aio.ManagedIdentityClient(
        subscription_id="00000000-0000-0000-0000-000000000000",
        endpoint=f"https://127.0.0.1:{closed_port()}",
        access_token="t",
        retry_total=1,
        retry_backoff_factor=0.01,
        use_environment=False,
    )

    async def go():
        await a.get_resource_group("rg")

    with pytest.raises(ServiceRequestError):
        asyncio.run(go())


def test_throttled_429_and_retry(emu, client, group):
    hook(emu, "POST", "/_emulator/faults", {"path_contains": group, "status": 429, "count": 1})
    # One 429, then the retry succeeds (the retry policy is core's).
    assert client.get_resource_group(group)["name"] == group
    c = emu.client()
    fast = ManagedIdentityClient(
        emu.credential(), emu.subscription_id, endpoint=emu.endpoint, ca_cert_pem=emu.ca_cert_pem,
        retry_total=0, use_environment=False,
    )
    hook(emu, "POST", "/_emulator/faults", {"path_contains": group, "status": 429, "count": 1})
    with pytest.raises(ThrottledError) as ei:
        fast.get_resource_group(group)
    assert (ei.value.status_code, ei.value.kind) == (429, "throttled")
    hook(emu, "POST", "/_emulator/faults", {"path_contains": group, "status": 503, "count": 1})
    with pytest.raises(HttpResponseError) as ei:
        fast.get_resource_group(group)
    assert type(ei.value) is HttpResponseError and ei.value.status_code == 503 and ei.value.kind == "service"
    hook(emu, "DELETE", "/_emulator/faults")
    assert c.get_resource_group(group)["name"] == group


def test_timeout(emu, group):
    from msi_identity import emulator

    with emulator.Emulator(lro_delay=2.0) as slow:
        c = ManagedIdentityClient(
            slow.credential(), slow.subscription_id, endpoint=slow.endpoint, ca_cert_pem=slow.ca_cert_pem,
            polling_timeout=0.2, use_environment=False,
        )
        c.create_resource_group("rg", "westus")
        with pytest.raises(ServiceResponseTimeoutError) as ei:
            c.create_vm("rg", "vm", image="UbuntuLTS")
        assert ei.value.kind == "timeout"


class Boom(Exception):
    pass


class FailingCredential:
    def get_token(self, *scopes, **kwargs):
        raise Boom("no token for you")


def test_python_credential_error_is_authentication_with_cause(emu):
    c = emu.client(credential=FailingCredential())
    with pytest.raises(ClientAuthenticationError) as ei:
        c.get_resource_group("rg")
    e = ei.value
    assert isinstance(e.__cause__, Boom) and str(e.__cause__) == "no token for you"
    assert e.kind == "authentication" and "FailingCredential.get_token failed" in e.message
    assert "Boom: no token for you" in e.message


def _principal_client(emu, client, group, role=None):
    """A client acting as a VM's system-assigned identity (its token from the VM's IMDS), optionally granted
    `role` on the group."""
    vm = client.create_vm(group, unique("caller"), image="UbuntuLTS", system_assigned=True)
    if role:
        client.create_role_assignment(
            f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}", role, vm["identity"]["principalId"]
        )
    cred = ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(vm["id"]))
    return ManagedIdentityClient(cred, emu.subscription_id, endpoint=emu.endpoint, ca_cert_pem=emu.ca_cert_pem,
                                 use_environment=False)


def test_authorization_failed_403(emu, client, group):
    c = _principal_client(emu, client, group)
    with pytest.raises(ClientAuthorizationError) as ei:
        c.create_resource_group(unique("rg"), "westus")
    e = ei.value
    assert (e.status_code, e.error_code, e.kind) == (403, "AuthorizationFailed", "authorization")


def test_linked_authorization_failed_403(emu, client, group):
    client.create_vm(group, "target", image="UbuntuLTS")
    client.create_user_identity(group, "linked")
    c = _principal_client(emu, client, group, role="Virtual Machine Contributor")
    # The VM may be written, the identity may not be assigned by this caller.
    assert c.vm_identity_assign(group, "target").identity.system_assigned
    with pytest.raises(ClientAuthorizationError) as ei:
        c.vm_identity_assign(group, "target", identities=["linked"])
    e = ei.value
    assert (e.status_code, e.error_code) == (403, "LinkedAuthorizationFailed")


def test_error_kinds_come_from_core():
    from msi_identity.exceptions import ERROR_KINDS

    # core's ErrorKind::ALL, in the CLI's exit-code order (2, 3, ...).
    assert ERROR_KINDS[:3] == ("invalid_argument", "bad_request", "not_found")
    assert len(set(ERROR_KINDS)) == len(ERROR_KINDS) == 11


# ---- our exceptions are azure-core's (issue 11): `except azure.core.exceptions.X` catches them

import azure.core.exceptions as core  # noqa: E402

AZURE_CORE_BASES = {
    "MsiIdentityError": core.AzureError,
    "InvalidArgumentError": core.AzureError,
    "HttpResponseError": core.HttpResponseError,
    "BadRequestError": core.HttpResponseError,
    "ResourceNotFoundError": core.ResourceNotFoundError,
    "ResourceExistsError": core.ResourceExistsError,
    "ResourceModifiedError": core.ResourceModifiedError,
    "ClientAuthenticationError": core.ClientAuthenticationError,
    "CredentialUnavailableError": core.ClientAuthenticationError,
    "ClientAuthorizationError": core.HttpResponseError,
    "ThrottledError": core.HttpResponseError,
    "ServiceRequestError": core.ServiceRequestError,
    "ServiceResponseError": core.ServiceResponseError,
    "ServiceResponseTimeoutError": core.ServiceResponseTimeoutError,
}


def test_every_class_is_an_azure_core_subclass():
    import msi_identity.exceptions as ours

    for name, base in AZURE_CORE_BASES.items():
        cls = getattr(ours, name)
        assert issubclass(cls, base) and issubclass(cls, ours.MsiIdentityError), name
    assert set(AZURE_CORE_BASES) == {n for n in ours.__all__ if n != "ERROR_KINDS"}
    assert msi_identity.MsiIdentityError is ours.MsiIdentityError  # the lazy re-export


def _expect(cls, call):
    """`call()` raises, and `except cls` (an azure-core class) catches it; the exception."""
    try:
        call()
    except cls as e:
        return e
    raise AssertionError(f"{cls.__name__} was not raised")


def _bad_secret_client(emu):
    return ManagedIdentityClient(
        subscription_id=emu.subscription_id, endpoint=emu.endpoint, tenant_id=emu.tenant_id,
        client_id=emu.admin_client_id, client_secret="not-the-secret", authority=emu.endpoint,
        ca_cert_pem=emu.ca_cert_pem, use_environment=False,
    )


def test_azure_core_classes_catch_real_emulator_errors(emu, client, group):
    client.create_vm(group, "vm", image="UbuntuLTS")
    nf = _expect(core.ResourceNotFoundError, lambda: client.get_vm(group, "absent"))
    assert (nf.status_code, nf.reason, nf.error_code, nf.kind) == (404, "Not Found", "ResourceNotFound", "not_found")
    assert isinstance(nf.error, core.ODataV4Format)
    assert (nf.error.code, nf.error.message) == ("ResourceNotFound", nf.message) and "absent" in nf.message
    assert nf.request_id and nf.request_id in str(nf) and nf.response is None and nf.continuation_token is None

    ex = _expect(core.ResourceExistsError, lambda: client.create_resource_group(group, "eastus"))
    assert (ex.status_code, ex.reason, ex.error.code) == (409, "Conflict", "InvalidResourceGroupLocation")
    mod = _expect(core.ResourceModifiedError, lambda: client.create_vm(group, "vm", image="UbuntuLTS"))
    assert (mod.status_code, mod.reason) == (412, "Precondition Failed")
    bad = _expect(core.HttpResponseError, lambda: client.vm_identity_assign(group, "vm", identities=["nope1"]))
    assert isinstance(bad, BadRequestError) and bad.status_code == 400 and bad.error.code == "FailedIdentityOperation"
    auth = _expect(core.ClientAuthenticationError, lambda: _bad_secret_client(emu).get_resource_group(group))
    assert (auth.status_code, auth.reason, auth.error.code) == (401, "Unauthorized", "invalid_client")
    denied = _expect(core.HttpResponseError, lambda: _principal_client(emu, client, group).create_resource_group(
        unique("rg"), "westus"))
    assert isinstance(denied, ClientAuthorizationError) and (denied.status_code, denied.reason) == (403, "Forbidden")
    hook(emu, "POST", "/_emulator/faults", {"path_contains": group, "status": 429, "count": 1})
    fast = ManagedIdentityClient(emu.credential(), emu.subscription_id, endpoint=emu.endpoint,
                                 ca_cert_pem=emu.ca_cert_pem, retry_total=0, use_environment=False)
    throttled = _expect(core.HttpResponseError, lambda: fast.get_resource_group(group))
    assert isinstance(throttled, ThrottledError) and throttled.reason == "Too Many Requests"
    hook(emu, "DELETE", "/_emulator/faults")
    invalid = _expect(core.AzureError, lambda: client.vm_identity_show(group, "bad vm"))
    assert isinstance(invalid, ValueError) and invalid.status_code is None and invalid.error.code is None


def test_azure_core_classes_catch_transport_errors(emu, group):
    down = ManagedIdentityClient(subscription_id="00000000-0000-0000-0000-000000000000",
                                 endpoint=f"https://127.0.0.1:{closed_port()}", access_token="t", retry_total=0,
                                 use_environment=False)
    e = _expect(core.ServiceRequestError, lambda: down.get_resource_group("rg"))
    assert e.kind == "connection" and e.reason is None
    # (A real LRO timeout caught as azure-core's ServiceResponseTimeoutError: test_operation.py.)


def test_aio_errors_are_azure_cores_too(emu, group):
    async def go():
        await emu.aio_client().get_vm(group, "absent")

    e = _expect(core.ResourceNotFoundError, lambda: asyncio.run(go()))
    assert e.status_code == 404


def test_hand_made_instances_still_work():
    e = ResourceNotFoundError("gone")
    assert isinstance(e, core.ResourceNotFoundError) and str(e) == "gone" and e.message == "gone"
    assert (e.status_code, e.error, e.kind, e.reason) == (None, None, None, None)
    e2 = HttpResponseError("x", status_code=503, error_code="Busy", detail="try later", kind="service")
    assert (e2.status_code, e2.reason, e2.error.code, e2.error.message, e2.message) == (
        503, "Service Unavailable", "Busy", "try later", "try later")
