"""Long-running operations (operation.rs, _lro.py): every begin_* method returns an azure-core LROPoller (sync) or
AsyncLROPoller (aio) over the core's operation handle, against an emulator whose operations stay in progress for
a while (lro_delay): result/done/wait/status/continuation_token, resuming from a token (another client, another
process, azure-core's from_continuation_token), failures, and timeouts."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest
from azure.core import exceptions as core_exceptions
from azure.core.polling import AsyncLROPoller, LROPoller

import msi_identity
from conftest import admin_token, hook, unique
from msi_identity import emulator
from msi_identity._lro import AsyncOperationPolling, OperationPolling
from msi_identity.exceptions import (
    HttpResponseError,
    InvalidArgumentError,
    ResourceNotFoundError,
    ServiceResponseTimeoutError,
)

DELAY = 0.2
LINUX_MSI = "ManagedIdentityExtensionForLinux"


@pytest.fixture(scope="module")
def slow():
    with emulator.Emulator(lro_delay=DELAY) as e:
        yield e


@pytest.fixture
def rg(slow):
    name = unique("rg-lro-")
    slow.client().create_resource_group(name, "westus")
    return name


def test_begin_create_vm_is_an_lro_poller(slow, rg):
    c = slow.client()
    p = c.begin_create_vm(rg, "vm", image="UbuntuLTS", system_assigned=True)
    # Returned once the write was accepted: the operation runs for DELAY more.
    assert isinstance(p, LROPoller) and isinstance(p.polling_method(), OperationPolling)
    assert p.status() == "InProgress" and not p.done()
    token = p.continuation_token()
    assert isinstance(token, str) and "virtualMachines/vm" in token
    p.wait(0.01)  # returns before the end
    assert not p.done()
    vm = p.result(timeout=30)
    assert p.done() and p.status() == "Succeeded"
    assert vm["name"] == "vm" and vm["identity"]["type"] == "SystemAssigned"
    assert vm["properties"]["provisioningState"] == "Succeeded"
    assert p.result() == vm  # read once
    assert c.get_vm(rg, "vm")["identity"]["principalId"] == vm["identity"]["principalId"]


@pytest.mark.parametrize("kind", ["vm", "vmss"])
def test_every_begin_method_of_a_kind(slow, rg, kind):
    c = slow.client()
    begin = lambda op: getattr(c, f"begin_{op}".replace("KIND", kind))  # noqa: E731
    uai = c.create_user_identity(rg, unique("uai"))
    created = begin("create_KIND")(rg, "res", image="UbuntuLTS").result()
    assert created["name"] == "res"

    p = begin("KIND_identity_assign")(rg, "res", identities=[uai.name], system_assigned=True)
    assert not p.done()
    update = p.result()
    assert isinstance(update, msi_identity.IdentityUpdate) and update.changed
    assert update.identity.type == "SystemAssigned, UserAssigned"
    # Nothing to change: done at once, nothing was written.
    again = begin("KIND_identity_assign")(rg, "res", identities=[uai.name])
    assert again.done() and again.status() == "Succeeded" and not again.result().changed

    removed = begin("KIND_identity_remove")(rg, "res", identities=[uai.name]).result()
    assert removed.changed and removed.identity.type == "SystemAssigned"
    set_none = begin("KIND_identity_set")(rg, "res", identity_type="None").result()
    assert set_none.changed and set_none.identity.type == "None"

    parent = {"vm_name": "res"} if kind == "vm" else {"vmss_name": "res"}
    ext = c.begin_set_msi_extension(rg, extension_type=LINUX_MSI, port=50400, **parent).result()
    assert ext["name"] == LINUX_MSI and ext["properties"]["settings"]["port"] == 50400
    assert c.begin_delete_extension(rg, name=LINUX_MSI, **parent).result() is True
    gone = c.begin_delete_extension(rg, name=LINUX_MSI, **parent)
    assert gone.done() and gone.result() is False

    assert begin("delete_KIND")(rg, "res").result() is True
    absent = begin("delete_KIND")(rg, "res")
    assert absent.done() and absent.result() is False


def test_assign_with_a_role_grants_it_when_done(slow, rg):
    c = slow.client()
    c.create_vm(rg, "vm", image="UbuntuLTS")
    scope = f"/subscriptions/{slow.subscription_id}/resourceGroups/{rg}"
    update = c.begin_vm_identity_assign(rg, "vm", role="Reader", scope=scope).result()
    ra = update.role_assignment
    assert ra is not None and ra.principal_id == update.identity.principal_id and ra.scope == scope


def test_resume_from_the_continuation_token(slow, rg):
    p = slow.client().begin_create_vmss(rg, "ss", image="UbuntuLTS", instance_count=1)
    token = p.continuation_token()
    other = slow.client()  # another client: nothing but the token is shared
    resumed = other.begin_create_vmss(continuation_token=token)
    assert isinstance(resumed, LROPoller)
    assert resumed.result()["name"] == "ss" and resumed.status() == "Succeeded"
    # azure-core's own way.
    again = LROPoller.from_continuation_token(OperationPolling(), token, client=other)
    assert again.result()["name"] == "ss"
    p.result()
    # A finished operation's token resumes as finished.
    done = other.begin_create_vmss(continuation_token=p.continuation_token())
    assert done.done() and done.result()["name"] == "ss"


def test_resume_in_another_process(slow, rg):
    p = slow.client().begin_delete_vm(rg, "absent-or-not")
    assert p.done() and p.result() is False
    slow.client().create_vm(rg, "vm", image="UbuntuLTS")
    token = slow.client().begin_delete_vm(rg, "vm").continuation_token()
    code = (
        "import sys, msi_identity\n"
        "p = msi_identity.ManagedIdentityClient().begin_delete_vm(continuation_token=sys.argv[1])\n"
        "print(p.result(), p.status())\n"
    )
    out = subprocess.run([sys.executable, "-c", code, token], env={**os.environ, **slow.env()},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "Succeeded"]
    with pytest.raises(ResourceNotFoundError):
        slow.client().get_vm(rg, "vm")


def test_tokens_are_checked(slow, rg):
    c = slow.client()
    c.create_vm(rg, "vm", image="UbuntuLTS")
    token = c.begin_vm_identity_assign(rg, "vm").continuation_token()
    for call in (
        lambda: c.begin_delete_vm(continuation_token=token),  # another kind of operation
        lambda: c.begin_vmss_identity_assign(continuation_token=token),  # another kind of resource
        lambda: c.begin_create_vm(continuation_token="not a token"),
        lambda: c.begin_create_vm(continuation_token=json.dumps({**json.loads(token), "v": 99})),
    ):
        with pytest.raises(InvalidArgumentError) as ei:
            call()
        assert isinstance(ei.value, ValueError) and "continuation token" in str(ei.value)
    with pytest.raises(ValueError, match="client="):
        LROPoller.from_continuation_token(OperationPolling(), token)


def test_polls_only_the_clients_endpoint(slow, rg):
    c = slow.client()
    c.create_vm(rg, "vm", image="UbuntuLTS")
    t = json.loads(c.begin_vm_identity_assign(rg, "vm").continuation_token())
    t["statusUrl"]["url"] = "https://attacker.example/op?api-version=1"
    p = c.begin_vm_identity_assign(continuation_token=json.dumps(t))
    with pytest.raises(HttpResponseError, match="not sending credentials there"):
        p.result()


def test_errors_of_the_write_raise_from_begin(slow, rg):
    c = slow.client()
    with pytest.raises(core_exceptions.ResourceNotFoundError):
        c.begin_vm_identity_assign(rg, "absent")
    with pytest.raises(ValueError):
        c.begin_vm_identity_set(rg, "absent")  # identity_type is required without a token
    with pytest.raises(ValueError):
        c.begin_delete_extension(rg, "absent")  # name is required without a token


def test_a_failed_operation_raises_with_its_token(slow, rg):
    admin_token(slow)  # fetched now, so that the fault below is in place before the operation's second poll
    c = slow.client()
    c.create_vm(rg, "vm", image="UbuntuLTS")
    p = c.begin_vm_identity_assign(rg, "vm")
    # This operation's status URL (other tests' pollers may still be polling theirs).
    url = json.loads(p.continuation_token())["statusUrl"]["url"]
    op_path = url.split("?")[0].split(slow.endpoint)[-1]
    body = {"status": "Failed", "error": {"code": "AllocationFailed", "message": "no capacity in westus"}}
    hook(slow, "POST", "/_emulator/faults", {"method": "GET", "path_contains": op_path, "status": 200,
                                             "count": 1, "body": body})
    try:
        with pytest.raises(core_exceptions.HttpResponseError) as ei:
            p.result()
    finally:
        hook(slow, "DELETE", "/_emulator/faults")
    e = ei.value
    assert isinstance(e, HttpResponseError) and e.error_code == "AllocationFailed" and e.kind == "service"
    assert e.error.code == "AllocationFailed" and e.message == "no capacity in westus"
    assert p.status() == "Failed" and p.done()
    assert e.continuation_token == p.continuation_token()  # set by azure-core's poller
    with pytest.raises(HttpResponseError, match="no capacity"):
        c.begin_vm_identity_assign(continuation_token=e.continuation_token).result()


def test_a_timeout_keeps_the_operation_resumable():
    with emulator.Emulator(lro_delay=0.6) as e:  # longer than the first two polls (0 and 250 ms)
        impatient = msi_identity.ManagedIdentityClient(
            e.credential(), e.subscription_id, endpoint=e.endpoint, ca_cert_pem=e.ca_cert_pem,
            polling_timeout=0.05, use_environment=False,
        )
        impatient.create_resource_group("rg", "westus")
        p = impatient.begin_create_vm("rg", "vm", image="UbuntuLTS")
        with pytest.raises(core_exceptions.ServiceResponseTimeoutError) as ei:
            p.result()
        assert isinstance(ei.value, ServiceResponseTimeoutError) and p.status() == "InProgress"
        vm = e.client().begin_create_vm(continuation_token=ei.value.continuation_token).result()
        assert vm["properties"]["provisioningState"] == "Succeeded"


def test_aio_begin_methods_are_async_lro_pollers(slow, rg):
    async def go():
        async with slow.aio_client() as c:
            uai = await c.create_user_identity(rg, unique("uai"))
            p = await c.begin_create_vm(rg, "vm", image="UbuntuLTS", assign_identity=[uai.name])
            assert isinstance(p, AsyncLROPoller) and isinstance(p.polling_method(), AsyncOperationPolling)
            assert p.status() == "InProgress" and not p.done()
            token = p.continuation_token()
            resumed = await c.begin_create_vm(continuation_token=token)
            vm, again = await asyncio.gather(p.result(), resumed.result())
            assert p.done() and p.status() == "Succeeded" and vm["name"] == again["name"] == "vm"
            assign = await c.begin_vm_identity_assign(rg, "vm")
            await assign.wait()
            assert assign.done() and (await assign).identity.type == "SystemAssigned, UserAssigned"
            removed = await (await c.begin_vm_identity_remove(rg, "vm", all_user_assigned=True)).result()
            set_ = await (await c.begin_vm_identity_set(rg, "vm", identity_type="None")).result()
            ext = await (await c.begin_set_msi_extension(rg, "vm", extension_type=LINUX_MSI)).result()
            deleted_ext = await (await c.begin_delete_extension(rg, "vm", name=LINUX_MSI)).result()
            polled = await AsyncLROPoller.from_continuation_token(AsyncOperationPolling(), token, client=c).result()
            ss = await (await c.begin_create_vmss(rg, "ss", image="UbuntuLTS", instance_count=1)).result()
            ss_id = await (await c.begin_vmss_identity_assign(rg, "ss")).result()
            ss_rm = await (await c.begin_vmss_identity_remove(rg, "ss")).result()
            ss_set = await (await c.begin_vmss_identity_set(rg, "ss", identity_type="SystemAssigned")).result()
            deleted = await asyncio.gather(
                *[(await b(rg, n)).result() for b, n in ((c.begin_delete_vm, "vm"), (c.begin_delete_vmss, "ss"))]
            )
            return (removed.identity.type, set_.identity.type, ext["name"], deleted_ext, ss["name"],
                    ss_id.identity.type, ss_rm.identity.type, ss_set.identity.type, deleted, polled)

    removed, set_, ext, deleted_ext, ss, ss_id, ss_rm, ss_set, deleted, polled = asyncio.run(go())
    assert (removed, set_, ext, deleted_ext) == ("SystemAssigned", "None", LINUX_MSI, True)
    assert (ss, ss_id, ss_rm, ss_set, deleted) == ("ss", "SystemAssigned", "None", "SystemAssigned", [True, True])
    assert polled["name"] == "vm"


def test_aio_errors(slow, rg):
    async def go():
        c = slow.aio_client()
        with pytest.raises(core_exceptions.ResourceNotFoundError):
            await c.begin_delete_extension(rg, "absent-vm", name=LINUX_MSI)
        with pytest.raises(InvalidArgumentError):
            await c.begin_create_vmss(continuation_token="{}")

    asyncio.run(go())
