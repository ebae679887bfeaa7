"""msi_identity.emulator (emulator.rs, emulator.py): start/stop, ready clients, env(), persistence, IMDS URLs, and
testing an unchanged user script against it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from msi_identity import ManagedIdentityClient, emulator
from msi_identity.exceptions import ServiceRequestError

ENV_KEYS = {
    "MSI_ARM_ENDPOINT", "MSI_CA_CERT", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST", "REQUESTS_CA_BUNDLE",
}


def test_env_and_ca(emu):
    env = emu.env()
    assert set(env) == ENV_KEYS
    assert env["MSI_ARM_ENDPOINT"] == emu.endpoint and emu.endpoint.startswith("https://127.0.0.1:")
    assert env["MSI_CA_CERT"] == env["REQUESTS_CA_BUNDLE"] == emu.ca_cert_path
    with open(emu.ca_cert_path) as f:
        assert f.read() == emu.ca_cert_pem and emu.ca_cert_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert (env["AZURE_TENANT_ID"], env["AZURE_CLIENT_ID"]) == (emu.tenant_id, emu.admin_client_id)
    assert emu.admin_client_secret not in repr(emu) and emu.running


def test_environment_is_restored(emu, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", "before")
    monkeypatch.delenv("MSI_ARM_ENDPOINT", raising=False)
    with emulator.environment(emu) as values:
        assert os.environ["AZURE_TENANT_ID"] == emu.tenant_id == values["AZURE_TENANT_ID"]
    assert os.environ["AZURE_TENANT_ID"] == "before" and "MSI_ARM_ENDPOINT" not in os.environ


SCRIPT = textwrap.dedent(
    """
    # A user's script: knows nothing about the emulator, reads its settings from the environment.
    import msi_identity

    client = msi_identity.ManagedIdentityClient()
    client.create_resource_group("scriptGroup", "westus")
    client.create_vm("scriptGroup", "scriptVM", image="UbuntuLTS")
    identity = client.create_user_identity("scriptGroup", "scriptIdentity")
    update = client.vm_identity_assign("scriptGroup", "scriptVM", identities=["[system]", identity.name])
    print(update.identity.type)
    """
)


def test_a_user_script_runs_unchanged_against_it(tmp_path):
    script = tmp_path / "configure.py"
    script.write_text(SCRIPT)
    with emulator.Emulator() as emu:
        out = subprocess.run(
            [sys.executable, str(script)], env=dict(os.environ, **emu.env()), capture_output=True, text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "SystemAssigned, UserAssigned"
        identity = emu.client().vm_identity_show("scriptGroup", "scriptVM")
        assert [u.id.rsplit("/", 1)[1] for u in identity.user_assigned_identities] == ["scriptIdentity"]


def test_persistent_data_dir(tmp_path):
    with emulator.start(data_dir=tmp_path) as first:
        first.client().create_resource_group("kept", "westus")
        ids = (first.tenant_id, first.subscription_id, first.admin_client_id)
        assert first.ca_cert_path == str(tmp_path / "ca.pem")
    assert not first.running
    first.stop()  # idempotent
    with pytest.raises(RuntimeError, match="stopped"):
        first.imds_base_url("/subscriptions/x/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v")
    with emulator.Emulator(data_dir=str(tmp_path)) as second:
        assert (second.tenant_id, second.subscription_id, second.admin_client_id) == ids
        assert second.client().get_resource_group("kept")["name"] == "kept"


def test_clients_fail_cleanly_after_stop():
    e = emulator.start()
    c = e.client()
    c.create_resource_group("rg", "westus")
    e.stop()
    # Nothing listens any more: a connection error (after core's retries, none here).
    gone = ManagedIdentityClient(subscription_id=e.subscription_id, endpoint=e.endpoint, access_token="t",
                                 retry_total=0, use_environment=False)
    with pytest.raises(ServiceRequestError):
        gone.get_resource_group("rg")


def test_imds_base_urls(emu, client, group):
    vm = client.create_vm(group, "v", image="UbuntuLTS", system_assigned=True)
    ss = client.create_vmss(group, "s", image="UbuntuLTS", instance_count=2, system_assigned=True)
    assert emu.imds_base_url(vm["id"]).startswith(emu.imds_endpoint + "/vm/")
    assert emu.imds_base_url(ss["id"], 1).endswith("/1")
    with pytest.raises(ValueError):
        emu.imds_base_url(vm["id"], 0)  # a VM has no instances
    with pytest.raises(ValueError):
        emu.imds_base_url(ss["id"], 5)  # beyond the capacity
    with pytest.raises(LookupError):
        emu.imds_base_url(vm["id"][: -len("/v")] + "/absent")
    env = emu.app_service_env(vm["id"])
    assert set(env) == {"IDENTITY_ENDPOINT", "IDENTITY_HEADER"}


def _put_groups(e: emulator.Emulator, count: int) -> list[tuple[int, Any]]:
    """PUT `count` resource groups over plain urllib (no client-side pacing): (status, headers) of each."""
    import json
    import ssl
    import urllib.error
    import urllib.request

    token = e.credential().get_token("https://management.azure.com/.default").token
    tls = ssl.create_default_context(cadata=e.ca_cert_pem)
    answers = []
    for i in range(count):
        url = (f"{e.endpoint}/subscriptions/{e.subscription_id}/resourcegroups/rg-throttle-{i}"
               "?api-version=2021-04-01")
        req = urllib.request.Request(url, method="PUT", data=json.dumps({"location": "westus"}).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, context=tls) as r:
                answers.append((r.status, r.headers))
        except urllib.error.HTTPError as err:
            answers.append((err.code, err.headers))
    return answers


def test_throttle_tight_numbers_answer_429_with_retry_after():
    with emulator.start(throttle="writes=2/0.01") as e:
        answers = _put_groups(e, 3)
    assert [status for status, _ in answers[:2]] == [201, 201]
    status, headers = answers[2]
    assert status == 429
    assert int(headers["Retry-After"]) >= 1


def test_throttle_off_answers_every_write():
    with emulator.start(throttle="off") as e:
        answers = _put_groups(e, 5)
    assert [status for status, _ in answers] == [201] * 5


def test_throttle_value_is_checked():
    with pytest.raises(ValueError, match="wirtes"):
        emulator.start(throttle="writes=5/1,wirtes=1/1")
