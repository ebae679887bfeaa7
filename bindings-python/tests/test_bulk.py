"""Bulk changes (bulk.rs over core's bulk engine), sync and aio, against the in-process emulator: selection by tag,
by group and by IDs, idempotent re-runs, a missing target failing alone, bad input failing before any write, and
progress up to done == total."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import msi_identity
from conftest import hook
from msi_identity.exceptions import InvalidArgumentError, MsiIdentityError, ResourceNotFoundError

ASSIGN = {"action": "assign"}  # the system-assigned identity


def vm_id(emu: Any, group: str, name: str) -> str:
    return f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/{name}"


def fleet(client: msi_identity.ManagedIdentityClient, group: str) -> list[str]:
    """Six VMs, vm0..vm5; vm0, vm2, vm4 tagged env=prod, the others env=dev."""
    names = []
    for i in range(6):
        model = {
            "location": "westus",
            "tags": {"env": "prod" if i % 2 == 0 else "dev"},
            "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}}},
        }
        client.create_vm(group, f"vm{i}", model)
        names.append(f"vm{i}")
    return names


def statuses(results: list[Any]) -> dict[str, str]:
    return {r["id"].rsplit("/", 1)[1]: r["status"] for r in results}


def test_bulk_assign_by_tag_group_and_ids(emu, client, group):
    fleet(client, group)
    seen: list[dict[str, Any]] = []
    run = client.bulk_vm(ASSIGN, tag="env=prod", resource_group=group, on_progress=seen.append)
    assert isinstance(run, msi_identity.BulkRun) and run.total == 3 and run.progress is None
    results = list(run)
    assert statuses(results) == {"vm0": "changed", "vm2": "changed", "vm4": "changed"}
    assert all(r["identity"]["type"] == "SystemAssigned" and r["identity"]["principalId"] for r in results)
    assert seen and seen[-1]["done"] == seen[-1]["total"] == 3 and seen[-1]["changed"] == 3
    assert run.progress == seen[-1] and run.progress["inFlight"] == 0
    assert client.vm_identity_show(group, "vm1").type == "None"

    results = list(client.bulk_vm(ASSIGN, resource_group=group))
    st = statuses(results)
    assert sorted(st) == [f"vm{i}" for i in range(6)]
    assert [st[f"vm{i}"] for i in range(6)] == ["unchanged", "changed"] * 3

    hook(emu, "DELETE", "/_emulator/requests")
    again = client.bulk_vm(ASSIGN, resource_group=group, concurrency=2)
    assert set(statuses(list(again)).values()) == {"unchanged"}
    assert hook(emu, "GET", f"/_emulator/requests?path_contains=/{group}/")["counts"].get("PATCH", 0) == 0
    assert again.progress["unchanged"] == 6 and again.progress["done"] == 6

    ids = [vm_id(emu, group, n) for n in ("vm1", "missing", "vm3")]
    results = list(client.bulk_vm({"action": "remove"}, ids=ids))
    st = statuses(results)
    assert st == {"vm1": "changed", "missing": "failed", "vm3": "changed"}
    failed = next(r for r in results if r["status"] == "failed")
    err = failed["error"]
    assert isinstance(err, ResourceNotFoundError) and isinstance(err, MsiIdentityError)
    assert err.kind == "not_found" and err.status_code == 404 and err.error_code == "ResourceNotFound"
    assert "missing" in str(err)
    assert client.vm_identity_show(group, "vm1").type == "None"
    assert client.vm_identity_show(group, "vm0").type == "SystemAssigned"


def test_bad_input_raises_before_any_write(emu, client, group):
    fleet(client, group)
    hook(emu, "DELETE", "/_emulator/requests")
    with pytest.raises(InvalidArgumentError, match="not both"):
        client.bulk_vm(ASSIGN, ids=[vm_id(emu, group, "vm0")], resource_group=group)
    with pytest.raises(InvalidArgumentError, match="invalid tag '=x'"):
        client.bulk_vm(ASSIGN, resource_group=group, tag="=x")
    with pytest.raises(InvalidArgumentError, match="name the targets"):
        client.bulk_vm(ASSIGN)
    with pytest.raises(InvalidArgumentError, match="unknown bulk action 'paint'"):
        client.bulk_vm({"action": "paint"}, resource_group=group)
    with pytest.raises(InvalidArgumentError, match="'assign' action"):
        client.bulk_vm({"action": "assign", "colour": "red"}, resource_group=group)
    with pytest.raises(TypeError):
        client.bulk_vm(ASSIGN, ids="not-a-list")  # type: ignore[arg-type]
    assert hook(emu, "GET", f"/_emulator/requests?path_contains=/{group}/")["counts"].get("PATCH", 0) == 0
    assert all(client.vm_identity_show(group, f"vm{i}").type == "None" for i in range(6))


def test_bulk_vmss_and_stopping_early(emu, client, group):
    for i in range(3):
        client.create_vmss(group, f"ss{i}", image="UbuntuLTS", instance_count=1)
    with client.bulk_vmss({"action": "set", "type": "SystemAssigned"}, resource_group=group, concurrency=1) as run:
        first = next(run)
        assert first["status"] == "changed" and run.total == 3
    assert list(run) == []  # closed: nothing more, and the rest is done by running it again
    results = list(client.bulk_vmss({"action": "set", "type": "SystemAssigned"}, resource_group=group))
    assert sorted(r["status"] for r in results).count("unchanged") >= 1
    assert all(client.vmss_identity_show(group, f"ss{i}").type == "SystemAssigned" for i in range(3))


def test_progress_callback_errors_propagate(client, group):
    fleet(client, group)

    def boom(p: Any) -> None:
        raise KeyError("from on_progress")

    with pytest.raises(KeyError, match="from on_progress"):
        list(client.bulk_vm(ASSIGN, resource_group=group, on_progress=boom))


def test_aio_bulk(emu, client, group):
    fleet(client, group)

    async def scenario() -> None:
        c = emu.aio_client()
        seen: list[Any] = []

        async def on_progress(p: Any) -> None:
            seen.append(p)

        run = c.bulk_vm(ASSIGN, resource_group=group, tag="env", on_progress=on_progress)
        assert isinstance(run, msi_identity.aio.BulkRun) and run.total is None
        results = [r async for r in run]
        assert run.total == 6 and len(results) == 6
        assert set(statuses(results).values()) == {"changed"}
        assert seen[-1]["done"] == seen[-1]["total"] == 6 and run.progress == seen[-1]

        started = await c.bulk_vm(ASSIGN, resource_group=group, on_progress=seen.append)
        assert started.total == 6
        assert {r["status"] async for r in started} == {"unchanged"}

        ids = [vm_id(emu, group, "vm0"), vm_id(emu, group, "nope")]
        results = [r async for r in c.bulk_vm({"action": "remove"}, ids=ids)]
        st = statuses(results)
        assert st == {"vm0": "changed", "nope": "failed"}
        err = next(r["error"] for r in results if r["status"] == "failed")
        assert isinstance(err, ResourceNotFoundError) and err.kind == "not_found"

        with pytest.raises(InvalidArgumentError, match="not both"):
            async for _ in c.bulk_vm(ASSIGN, ids=ids, resource_group=group):
                pass
        with pytest.raises(InvalidArgumentError, match="invalid tag"):
            await c.bulk_vm(ASSIGN, resource_group=group, tag="=x")

        async with c.bulk_vm({"action": "remove"}, resource_group=group, concurrency=1) as r:
            assert r.total == 6
            assert (await r.__anext__())["status"] in ("changed", "unchanged")  # vm0 was done above
        assert [x async for x in r] == []

    asyncio.run(scenario())
