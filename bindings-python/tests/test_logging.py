"""Core's logs in Python's logging (logging.rs): requests, statuses, polls and credential choices reach the
`msi_identity` logger (`msi_identity.http`, `.lro`, `.credential`) at INFO and DEBUG, following its level, and
never carry a secret or a token."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest

import msi_identity
import msi_identity.aio
from msi_identity import emulator


def secret_client(emu):
    """A client that authenticates with the admin's client secret (core's ClientSecretCredential)."""
    return msi_identity.ManagedIdentityClient(
        subscription_id=emu.subscription_id, endpoint=emu.endpoint, tenant_id=emu.tenant_id,
        client_id=emu.admin_client_id, client_secret=emu.admin_client_secret, authority=emu.endpoint,
        ca_cert_pem=emu.ca_cert_pem, use_environment=False,
    )


def ours(caplog):
    return [r for r in caplog.records if r.name.startswith("msi_identity")]


def test_requests_and_statuses_at_info_and_debug_and_no_secret(emu, group, caplog):
    token = emu.credential().get_token("https://management.azure.com/.default").token
    caplog.set_level(logging.DEBUG, logger="msi_identity")
    c = secret_client(emu)
    c.create_vm(group, "logged", image="UbuntuLTS", system_assigned=True)
    c.vm_identity_remove(group, "logged")
    records = ours(caplog)
    text = "\n".join(r.getMessage() for r in records)
    info = [r.getMessage() for r in records if r.name == "msi_identity.http" and r.levelno == logging.INFO]
    debug = [r.getMessage() for r in records if r.name == "msi_identity.http" and r.levelno == logging.DEBUG]
    assert any(m.startswith("request: PUT https://") and "virtualMachines/logged" in m for m in info), info
    assert any(m.startswith("response: 201 to PUT") and "request id" in m for m in info), info
    assert any(m.startswith("response: 200 to PATCH") for m in info), info
    cred = [r.getMessage() for r in records if r.name == "msi_identity.credential" and r.levelno == logging.INFO]
    assert any("token request: POST https://" in m for m in cred), cred  # the client secret's token request
    assert any("token response: 200" in m for m in cred), cred
    assert any("authorization: REDACTED" in m for m in debug), debug
    assert any(r.name == "msi_identity.lro" and "polling the operation" in r.getMessage() for r in records)
    # Never a secret nor a token, at any level.
    assert emu.admin_client_secret not in text and token not in text
    assert token.split(".")[1] not in text and "Bearer " not in text


def test_the_loggers_level_is_followed_between_calls(emu, group, caplog):
    c = emu.client()
    caplog.set_level(logging.WARNING, logger="msi_identity")
    c.get_resource_group(group)
    assert ours(caplog) == []
    caplog.set_level(logging.INFO, logger="msi_identity")
    c.get_resource_group(group)
    levels = {r.levelno for r in ours(caplog)}
    assert levels == {logging.INFO}
    caplog.clear()
    caplog.handler.setLevel(logging.DEBUG)
    logging.getLogger("msi_identity.http").setLevel(logging.DEBUG)  # a child's own level
    try:
        c.get_resource_group(group)
    finally:
        logging.getLogger("msi_identity.http").setLevel(logging.NOTSET)
    assert logging.DEBUG in {r.levelno for r in ours(caplog)}


def test_aio_calls_and_credentials_log_too(emu, group, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="msi_identity")
    for k, v in emu.env().items():
        monkeypatch.setenv(k, v)
    cred = msi_identity.aio.DefaultAzureCredential(exclude_managed_identity_credential=True,
                                                   exclude_cli_credential=True)

    async def go():
        async with msi_identity.aio.ManagedIdentityClient(cred, emu.subscription_id) as c:
            return await c.get_resource_group(group)

    assert asyncio.run(go())["name"] == group
    messages = [(r.name, r.getMessage()) for r in ours(caplog)]
    assert ("msi_identity.credential", "EnvironmentCredential gave the token") in messages, messages
    assert any(n == "msi_identity.http" and m.startswith("response: 200 to GET") for n, m in messages)
    assert emu.admin_client_secret not in str(messages)


def test_other_crates_do_not_log_here(emu, group, caplog):
    caplog.set_level(logging.DEBUG)
    emu.client().get_resource_group(group)
    names = {r.name.split(".")[0] for r in caplog.records}
    assert "msi_identity" in names and not names & {"rustls", "reqwest", "hyper", "hyper_util", "msi_emulator"}


@pytest.mark.parametrize("module", ["msi_identity", "msi_identity.aio"])
def test_import_pulls_in_neither_logging_nor_azure_core(module):
    code = f"import sys, {module}; print(sorted(m for m in ('logging', 'azure.core', 'typing') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_exceptions_and_pollers_import_azure_core_when_needed():
    code = (
        "import sys, msi_identity\n"
        "from msi_identity import emulator\n"
        "assert 'azure.core' not in sys.modules\n"
        "with emulator.Emulator() as emu:\n"
        "    c = emu.client()\n"
        "    try:\n"
        "        c.get_resource_group('absent')\n"
        "    except msi_identity.MsiIdentityError as e:\n"
        "        import azure.core.exceptions as x\n"
        "        assert isinstance(e, x.ResourceNotFoundError), type(e).__mro__\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_emulator_is_unaffected(caplog):
    # An emulator of its own: its requests are served in this process, their logs are not ours.
    caplog.set_level(logging.DEBUG, logger="msi_identity")
    with emulator.Emulator() as e:
        e.client().create_resource_group("rg", "westus")
    assert all(r.name.startswith("msi_identity.") for r in ours(caplog))
