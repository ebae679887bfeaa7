"""Client construction (client.rs): settings given or read from the environment by core's Settings::with_env,
resource groups, context managers."""

from __future__ import annotations

import asyncio

import pytest

import msi_identity
import msi_identity.aio
from msi_identity import ManagedIdentityClient
from msi_identity.exceptions import InvalidArgumentError

ENV = (
    "MSI_ARM_ENDPOINT", "MSI_CA_CERT", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST", "MSI_ACCESS_TOKEN", "REQUESTS_CA_BUNDLE",
)


@pytest.fixture
def clean_env(monkeypatch):
    for k in ENV:
        monkeypatch.delenv(k, raising=False)
    return monkeypatch


def test_everything_from_the_environment(emu, group, clean_env):
    for k, v in emu.env().items():
        clean_env.setenv(k, v)
    c = ManagedIdentityClient()
    assert (c.endpoint, c.subscription_id) == (emu.endpoint, emu.subscription_id)
    assert c.get_resource_group(group)["name"] == group
    assert repr(c) == f"ManagedIdentityClient(endpoint='{emu.endpoint}', subscription_id='{emu.subscription_id}')"

    async def aio():
        async with msi_identity.aio.ManagedIdentityClient() as a:
            return await a.get_resource_group(group)

    assert asyncio.run(aio())["name"] == group


def test_explicit_settings_win_over_the_environment(emu, group, clean_env):
    clean_env.setenv("AZURE_SUBSCRIPTION_ID", "11111111-1111-1111-1111-111111111111")
    clean_env.setenv("MSI_ARM_ENDPOINT", "https://127.0.0.1:1")
    c = ManagedIdentityClient(
        subscription_id=emu.subscription_id, endpoint=emu.endpoint, tenant_id=emu.tenant_id,
        client_id=emu.admin_client_id, client_secret=emu.admin_client_secret, ca_cert_path=emu.ca_cert_path,
    )
    assert c.subscription_id == emu.subscription_id
    assert c.get_resource_group(group)["name"] == group


def test_access_token_setting(emu, group, clean_env):
    token = emu.credential().get_token("https://management.azure.com/.default").token
    clean_env.setenv("MSI_ACCESS_TOKEN", token)
    c = ManagedIdentityClient(subscription_id=emu.subscription_id, endpoint=emu.endpoint, ca_cert_pem=emu.ca_cert_pem)
    assert c.get_resource_group(group)["name"] == group


def test_use_environment_false_ignores_it(emu, clean_env):
    for k, v in emu.env().items():
        clean_env.setenv(k, v)
    with pytest.raises(InvalidArgumentError, match="no subscription"):
        ManagedIdentityClient(use_environment=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "no subscription"),
        ({"subscription_id": "s"}, "no credential"),
        ({"subscription_id": "s", "access_token": "t", "endpoint": "ftp://x"}, "scheme"),
        ({"subscription_id": "s", "access_token": "t", "endpoint": "https://x/path"}, "only scheme, host and port"),
        ({"subscription_id": "s", "access_token": "t", "ca_cert_pem": "x", "ca_cert_path": "y"}, "not both"),
        ({"subscription_id": "s", "access_token": "t", "ca_cert_path": "/nonexistent/ca.pem"}, "cannot read"),
        ({"subscription_id": "s", "access_token": "t", "ca_cert_pem": "not a pem"}, "PEM|certificate"),
        ({"subscription_id": "s", "access_token": "t", "retry_backoff_factor": -1.0}, "seconds"),
    ],
)
def test_bad_settings_raise_at_construction(clean_env, kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        ManagedIdentityClient(**kwargs)


def test_ca_cert_environment_variable_is_core_s(clean_env):
    clean_env.setenv("MSI_CA_CERT", "/nonexistent/ca.pem")
    with pytest.raises(InvalidArgumentError, match="MSI_CA_CERT"):
        ManagedIdentityClient(subscription_id="s", access_token="t")


def test_resource_groups(client, group):
    g = client.get_resource_group(group)
    assert g["location"] == "westus" and g["properties"]["provisioningState"] == "Succeeded"
    again = client.create_resource_group(group, "westus")
    assert again["id"] == g["id"]


def test_context_managers(emu, group):
    with emu.client() as c:
        assert c.get_resource_group(group)["name"] == group
    c.close()

    async def go():
        async with emu.aio_client() as a:
            r = await a.create_resource_group(group + "x", "westus")
        await a.close()
        return r

    assert asyncio.run(go())["name"] == group + "x"


def test_aio_methods_return_coroutines(emu, group):
    a = emu.aio_client()
    coro = a.get_resource_group(group)
    assert asyncio.iscoroutine(coro)
    assert asyncio.run(coro)["name"] == group  # asyncio.run takes it as is

    async def tasks():
        t = asyncio.create_task(a.get_resource_group(group))
        return await t

    assert asyncio.run(tasks())["name"] == group
    unused = a.get_resource_group(group)
    unused.close()  # never awaited: nothing was sent
    reuse = a.get_resource_group(group)
    asyncio.run(_await(reuse))
    with pytest.raises(RuntimeError):
        asyncio.run(_await(reuse))


async def _await(c):
    return await c


def test_version():
    assert msi_identity.__version__.count(".") == 2
