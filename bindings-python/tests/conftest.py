"""Shared set-up: one in-process emulator per session (real HTTPS on 127.0.0.1), a fresh resource group per test,
and helpers that run one scenario against the sync client and the aio client alike."""

from __future__ import annotations

import asyncio
import inspect
import json
import ssl
import urllib.parse
import urllib.request
import uuid
from typing import Any, Awaitable, Callable, Iterator, TypeVar, Union

import pytest

import msi_identity
import msi_identity.aio
from msi_identity import emulator

T = TypeVar("T")


@pytest.fixture(scope="session")
def emu() -> Iterator[emulator.Emulator]:
    # One emulator serves the whole session's writes: ARM's write budget (200, then 10 a second) would pace
    # the suite, so it is off here; tests/test_emulator.py checks the throttling itself.
    with emulator.Emulator(throttle="off") as e:
        yield e


@pytest.fixture
def client(emu: emulator.Emulator) -> msi_identity.ManagedIdentityClient:
    return emu.client()


@pytest.fixture
def group(client: msi_identity.ManagedIdentityClient) -> str:
    name = "rg-" + uuid.uuid4().hex[:10]
    client.create_resource_group(name, "westus")
    return name


async def maybe(value: Union[T, Awaitable[T]]) -> T:
    """The value of a sync call, or the awaited value of an aio call."""
    if inspect.isawaitable(value):
        return await value
    return value


def run_both(
    emu: emulator.Emulator, scenario: Callable[[Any, str], Awaitable[None]], group: str
) -> None:
    """Run `scenario(client, group)` with the sync client, then with the aio client (each in its own group)."""
    asyncio.run(scenario(emu.client(), group))

    async def aio() -> None:
        c = emu.aio_client()
        g = group + "-aio"
        await c.create_resource_group(g, "westus")
        await scenario(c, g)

    asyncio.run(aio())


_admin_tokens: dict = {}


def admin_token(emu: emulator.Emulator) -> str:
    """The emulator admin's bearer token (client credentials), which its test hooks require."""
    if emu.endpoint not in _admin_tokens:
        ctx = ssl.create_default_context(cadata=emu.ca_cert_pem)
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": emu.admin_client_id,
                "client_secret": emu.admin_client_secret,
                "scope": "https://management.azure.com/.default",
            }
        ).encode()
        url = f"{emu.endpoint}/{emu.tenant_id}/oauth2/v2.0/token"
        with urllib.request.urlopen(urllib.request.Request(url, data=form), context=ctx, timeout=10) as r:
            _admin_tokens[emu.endpoint] = json.loads(r.read())["access_token"]
    return _admin_tokens[emu.endpoint]


def hook(emu: emulator.Emulator, method: str, path: str, body: Any = None) -> Any:
    """Call one of the emulator's test hooks (`/_emulator/...`, with the admin's token)."""
    ctx = ssl.create_default_context(cadata=emu.ca_cert_pem)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(emu.endpoint + path, data=data, method=method)
    req.add_header("content-type", "application/json")
    req.add_header("authorization", f"Bearer {admin_token(emu)}")
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        text = r.read()
        return json.loads(text) if text else None


def uai_id(emu: emulator.Emulator, group: str, name: str) -> str:
    return (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}"
        f"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    )


def unique(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:8]
