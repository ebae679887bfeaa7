"""Credentials both ways (credential.rs): Python credentials (azure-identity, sync and async, or any object with
get_token) drive the client; this package's credentials drive azure-core."""

from __future__ import annotations

import asyncio
import time

import pytest
from azure.core.credentials import AccessToken as CoreAccessToken
from azure.core.pipeline import AsyncPipeline, Pipeline
from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy, BearerTokenCredentialPolicy
from azure.core.pipeline.transport import AsyncioRequestsTransport, RequestsTransport
from azure.core.rest import HttpRequest

import msi_identity
import msi_identity.aio
from msi_identity import AccessToken, ClientSecretCredential, ManagedIdentityClient
from msi_identity.exceptions import ClientAuthenticationError

ARM_SCOPE = "https://management.azure.com/.default"


def test_access_token_is_a_named_pair():
    t = AccessToken("secret-token", 1700000000)
    token, expires_on = t
    assert (token, expires_on) == ("secret-token", 1700000000)
    assert (t[0], t[1], t[-1], len(t)) == ("secret-token", 1700000000, 1700000000, 2)
    assert t == AccessToken("secret-token", 1700000000) and t != AccessToken("other", 1)
    assert "secret-token" not in repr(t)
    with pytest.raises(IndexError):
        t[2]


def test_client_secret_credential(emu):
    with ClientSecretCredential(
        emu.tenant_id, emu.admin_client_id, emu.admin_client_secret, authority=emu.endpoint, ca_cert_path=emu.ca_cert_path
    ) as cred:
        t = cred.get_token(ARM_SCOPE, claims=None, tenant_id=None)
        assert isinstance(t, AccessToken) and t.token.count(".") == 2
        assert t.expires_on > time.time() + 3000
        assert emu.admin_client_secret not in repr(cred)
    bad = ClientSecretCredential(emu.tenant_id, emu.admin_client_id, "wrong", authority=emu.endpoint, ca_cert_pem=emu.ca_cert_pem)
    with pytest.raises(ClientAuthenticationError) as ei:
        bad.get_token(ARM_SCOPE)
    assert ei.value.error_code == "invalid_client"


def _azure_identity_credential(emu):
    import azure.identity

    return azure.identity.ClientSecretCredential(
        emu.tenant_id,
        emu.admin_client_id,
        emu.admin_client_secret,
        authority=emu.endpoint,
        connection_verify=emu.ca_cert_path,
        disable_instance_discovery=True,
    )


def test_azure_identity_credential_drives_the_client(emu, group):
    c = ManagedIdentityClient(_azure_identity_credential(emu), emu.subscription_id, endpoint=emu.endpoint,
                              ca_cert_pem=emu.ca_cert_pem, use_environment=False)
    assert c.get_resource_group(group)["name"] == group
    assert c.create_user_identity(group, "fromAzureIdentity").name == "fromAzureIdentity"


def test_azure_identity_aio_credential_drives_the_aio_client(emu, group):
    import azure.identity.aio

    async def go():
        async with azure.identity.aio.ClientSecretCredential(
            emu.tenant_id,
            emu.admin_client_id,
            emu.admin_client_secret,
            authority=emu.endpoint,
            connection_verify=emu.ca_cert_path,
            disable_instance_discovery=True,
            transport=AsyncioRequestsTransport(connection_verify=emu.ca_cert_path),
        ) as cred:
            async with msi_identity.aio.ManagedIdentityClient(
                cred, emu.subscription_id, endpoint=emu.endpoint, ca_cert_pem=emu.ca_cert_pem, use_environment=False
            ) as c:
                g = await c.get_resource_group(group)
                vm = await c.create_vm(group, "vmAsyncCred", image="UbuntuLTS", system_assigned=True)
                return g, vm

    g, vm = asyncio.run(go())
    assert g["name"] == group and vm["identity"]["type"] == "SystemAssigned"


class CountingCredential:
    """The smallest azure-core TokenCredential: wraps a token from the emulator."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = 0

    def get_token(self, *scopes, **kwargs):
        self.calls += 1
        t = self.inner.get_token(*scopes)
        return CoreAccessToken(t.token, t.expires_on)


def test_python_credential_called_once_per_token(emu, group):
    cred = CountingCredential(emu.credential())
    c = emu.client(credential=cred)
    for _ in range(5):
        c.get_resource_group(group)
    assert cred.calls == 1


def test_sync_python_credential_in_the_aio_client(emu, group):
    cred = CountingCredential(emu.credential())

    async def go():
        c = emu.aio_client(credential=cred)
        return await asyncio.gather(*(c.get_resource_group(group) for _ in range(4)))

    assert [g["name"] for g in asyncio.run(go())] == [group] * 4
    assert 1 <= cred.calls <= 4


class AsyncCredential:
    def __init__(self, inner):
        self.inner = inner
        self.loop = None

    async def get_token(self, *scopes, **kwargs):
        self.loop = asyncio.get_running_loop()
        await asyncio.sleep(0.01)
        t = self.inner.get_token(*scopes)
        return CoreAccessToken(t.token, t.expires_on)


def test_async_credential_awaited_on_the_callers_loop(emu, group):
    cred = AsyncCredential(emu.credential())

    async def go():
        c = msi_identity.aio.ManagedIdentityClient(cred, emu.subscription_id, endpoint=emu.endpoint,
                                                   ca_cert_pem=emu.ca_cert_pem, use_environment=False)
        g = await c.get_resource_group(group)
        return g, asyncio.get_running_loop()

    g, loop = asyncio.run(go())
    assert g["name"] == group and cred.loop is loop


def test_async_credential_refused_by_the_sync_client(emu):
    with pytest.raises(TypeError, match="msi_identity.aio"):
        emu.client(credential=AsyncCredential(emu.credential()))
    with pytest.raises(TypeError, match="get_token"):
        emu.client(credential=object())


class BadShape:
    def get_token(self, *scopes, **kwargs):
        return "just a string"


def test_bad_token_shape(emu):
    with pytest.raises(ClientAuthenticationError) as ei:
        emu.client(credential=BadShape()).get_resource_group("rg")
    assert isinstance(ei.value.__cause__, TypeError)


class RaisingAsync:
    async def get_token(self, *scopes, **kwargs):
        raise PermissionError("async nope")


def test_async_credential_error_keeps_cause(emu):
    async def go():
        await emu.aio_client(credential=RaisingAsync()).get_resource_group("rg")

    with pytest.raises(ClientAuthenticationError) as ei:
        asyncio.run(go())
    assert isinstance(ei.value.__cause__, PermissionError)


def test_our_credential_in_azure_core_bearer_policy(emu, group):
    """Our credential handed to azure-core's BearerTokenCredentialPolicy: a real GET to the emulator's ARM."""
    pipeline = Pipeline(
        transport=RequestsTransport(connection_verify=emu.ca_cert_path),
        policies=[BearerTokenCredentialPolicy(emu.credential(), ARM_SCOPE)],
    )
    url = f"{emu.endpoint}/subscriptions/{emu.subscription_id}/resourcegroups/{group}?api-version=2022-09-01"
    resp = pipeline.run(HttpRequest("GET", url)).http_response
    assert resp.status_code == 200 and resp.json()["name"] == group


def test_our_aio_credential_in_azure_core_async_bearer_policy(emu, group):
    cred = msi_identity.aio.ClientSecretCredential(
        emu.tenant_id, emu.admin_client_id, emu.admin_client_secret, authority=emu.endpoint, ca_cert_pem=emu.ca_cert_pem
    )

    async def go():
        pipeline = AsyncPipeline(
            transport=AsyncioRequestsTransport(connection_verify=emu.ca_cert_path),
            policies=[AsyncBearerTokenCredentialPolicy(cred, ARM_SCOPE)],
        )
        url = f"{emu.endpoint}/subscriptions/{emu.subscription_id}?api-version=2022-09-01"
        async with pipeline:
            resp = (await pipeline.run(HttpRequest("GET", url))).http_response
            return resp.status_code, resp.json()

    status, body = asyncio.run(go())
    assert status == 200 and body["subscriptionId"] == emu.subscription_id


# ---- get_token_info / AccessTokenInfo (azure-core's SupportsTokenInfo), claims and tenant_id

from azure.core import exceptions as core_exceptions  # noqa: E402
from azure.core.credentials import AccessTokenInfo, SupportsTokenInfo  # noqa: E402


def _secret_credential(emu, aio=False):
    cls = msi_identity.aio.ClientSecretCredential if aio else ClientSecretCredential
    return cls(emu.tenant_id, emu.admin_client_id, emu.admin_client_secret, authority=emu.endpoint,
               ca_cert_pem=emu.ca_cert_pem)


def test_get_token_info_is_azure_cores(emu):
    cred = _secret_credential(emu)
    assert isinstance(cred, SupportsTokenInfo)
    info = cred.get_token_info(ARM_SCOPE)
    assert isinstance(info, AccessTokenInfo) and info.token_type == "Bearer"
    assert info.token == cred.get_token(ARM_SCOPE).token and info.expires_on > time.time() + 3000
    assert msi_identity.AccessTokenInfo is AccessTokenInfo
    # The credential's own tenant may be named; enable_cae is accepted.
    assert cred.get_token_info(ARM_SCOPE, options={"tenant_id": emu.tenant_id, "enable_cae": True}).token
    assert cred.get_token(ARM_SCOPE, tenant_id=emu.tenant_id.upper(), enable_cae=True).token == info.token


@pytest.mark.parametrize(
    "options, named",
    [({"tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47"}, "`tenant_id`"), ({"claims": '{"access_token": {}}'}, "`claims`")],
)
def test_unsupported_token_options_are_refused_by_name(emu, options, named):
    cred = _secret_credential(emu)
    for call in (lambda: cred.get_token_info(ARM_SCOPE, options=options), lambda: cred.get_token(ARM_SCOPE, **options)):
        with pytest.raises(core_exceptions.ClientAuthenticationError) as ei:
            call()
        assert named in str(ei.value) and ei.value.kind == "authentication"
    assert cred.get_token_info(ARM_SCOPE, options={"colour": "blue"}).token  # unknown keys: ignored, as azure-identity
    with pytest.raises(TypeError):
        cred.get_token_info(ARM_SCOPE, options=["tenant_id"])


def test_managed_identity_refuses_any_tenant(emu, client, group):
    vm = client.create_vm(group, "mi", image="UbuntuLTS", system_assigned=True)
    cred = msi_identity.ManagedIdentityCredential(imds_endpoint=emu.imds_base_url(vm["id"]))
    assert cred.get_token_info(ARM_SCOPE).token
    with pytest.raises(ClientAuthenticationError, match="ManagedIdentityCredential gets tokens from its own tenant"):
        cred.get_token_info(ARM_SCOPE, options={"tenant_id": emu.tenant_id})


def test_aio_get_token_info(emu):
    async def go():
        cred = _secret_credential(emu, aio=True)
        info = await cred.get_token_info(ARM_SCOPE)
        with pytest.raises(ClientAuthenticationError, match="`claims`"):
            await cred.get_token_info(ARM_SCOPE, options={"claims": "{}"})
        return info

    info = asyncio.run(go())
    assert isinstance(info, AccessTokenInfo) and info.token.count(".") == 2


# ---- DefaultAzureCredential (core's chain), its environment service-principal source against the emulator

def _env(monkeypatch, emu):
    for k, v in emu.env().items():
        monkeypatch.setenv(k, v)


def test_default_azure_credential_from_the_environment(emu, group, monkeypatch):
    _env(monkeypatch, emu)
    cred = msi_identity.DefaultAzureCredential(exclude_managed_identity_credential=True, exclude_cli_credential=True)
    assert repr(cred) == "DefaultAzureCredential(sources=[EnvironmentCredential, WorkloadIdentityCredential])"
    assert emu.admin_client_secret not in repr(cred)
    info = cred.get_token_info(ARM_SCOPE)
    assert isinstance(info, AccessTokenInfo) and cred.get_token(ARM_SCOPE).token == info.token
    # As a client credential (no Python in the loop) ...
    c = ManagedIdentityClient(cred, emu.subscription_id, use_environment=False, endpoint=emu.endpoint,
                              ca_cert_pem=emu.ca_cert_pem)
    assert c.get_resource_group(group)["name"] == group
    # ... and through azure-core's protocol.
    pipeline = Pipeline(transport=RequestsTransport(connection_verify=emu.ca_cert_path),
                        policies=[BearerTokenCredentialPolicy(cred, ARM_SCOPE)])
    url = f"{emu.endpoint}/subscriptions/{emu.subscription_id}/resourcegroups/{group}?api-version=2022-09-01"
    assert pipeline.run(HttpRequest("GET", url)).http_response.json()["name"] == group


def test_default_azure_credential_aio(emu, group, monkeypatch):
    _env(monkeypatch, emu)

    async def go():
        async with msi_identity.aio.DefaultAzureCredential(exclude_managed_identity_credential=True,
                                                           exclude_cli_credential=True) as cred:
            info = await cred.get_token_info(ARM_SCOPE)
            async with msi_identity.aio.ManagedIdentityClient(cred, emu.subscription_id) as c:
                g = await c.get_resource_group(group)
            pipeline = AsyncPipeline(transport=AsyncioRequestsTransport(connection_verify=emu.ca_cert_path),
                                     policies=[AsyncBearerTokenCredentialPolicy(cred, ARM_SCOPE)])
            url = f"{emu.endpoint}/subscriptions/{emu.subscription_id}?api-version=2022-09-01"
            async with pipeline:
                status = (await pipeline.run(HttpRequest("GET", url))).http_response.status_code
            return info, g, status

    info, g, status = asyncio.run(go())
    assert isinstance(info, AccessTokenInfo) and g["name"] == group and status == 200


def test_default_azure_credential_with_a_wrong_secret_stops_the_chain(emu, monkeypatch):
    _env(monkeypatch, emu)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-secret")
    cred = msi_identity.DefaultAzureCredential(exclude_cli_credential=True)
    with pytest.raises(ClientAuthenticationError) as ei:
        cred.get_token(ARM_SCOPE)
    assert ei.value.error_code == "invalid_client" and "not-the-secret" not in str(ei.value)


def test_default_azure_credential_with_nothing_configured(monkeypatch):
    for k in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE"):
        monkeypatch.delenv(k, raising=False)
    cred = msi_identity.DefaultAzureCredential(exclude_managed_identity_credential=True, exclude_cli_credential=True)
    with pytest.raises(core_exceptions.ClientAuthenticationError) as ei:
        cred.get_token_info(ARM_SCOPE)
    e = ei.value
    assert isinstance(e, msi_identity.exceptions.CredentialUnavailableError)
    assert "EnvironmentCredential: environment variables are not fully configured" in e.message
