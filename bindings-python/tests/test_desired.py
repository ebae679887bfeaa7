"""Desired state from a file (desired.rs over core's `desired`), sync and aio, against the in-process emulator:
a plan that reads only, an apply that creates, a second apply that writes nothing, drift seen by the plan, and a
bad file raising InvalidArgumentError (naming file, line and field) before any write."""

from __future__ import annotations

from typing import Any

import pytest

import msi_identity
from conftest import hook, maybe, run_both, uai_id
from msi_identity.exceptions import InvalidArgumentError

WRITES = ("PUT", "PATCH", "DELETE", "POST")


def desired(emu: Any, group: str) -> str:
    return f"""targets:
  - kind: vm
    resourceGroup: {group}
    identity:
      systemAssigned: true
      userAssigned:
        exactly: [id-web]
    roles:
      - role: Reader
        scope: /subscriptions/{emu.subscription_id}/resourceGroups/{group}
    msiExtension:
      type: ManagedIdentityExtensionForLinux
      port: 50342
"""


MODEL = {
    "location": "westus",
    "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}}},
}


def writes(emu: Any, group: str) -> int:
    counts = hook(emu, "GET", f"/_emulator/requests?path_contains=/{group}/")["counts"]
    return sum(counts.get(m, 0) for m in WRITES)


async def results(run: Any) -> list[dict[str, Any]]:
    """Every result of a sync run or an aio run."""
    if hasattr(run, "__aiter__"):
        return [r async for r in run]
    return list(run)


def by_name(plan_or_results: Any) -> dict[str, Any]:
    return {t["id"].rsplit("/", 1)[1]: t for t in plan_or_results}


def test_plan_apply_reapply_and_drift(emu, group):
    async def scenario(c: Any, g: str) -> None:
        for name in ("id-web", "id-old"):
            await maybe(c.create_user_identity(g, name))
        for vm in ("vm1", "vm2"):
            await maybe(c.create_vm(g, vm, MODEL))
        text = desired(emu, g)

        # The plan: core's JSON and its readable diff, with reads only.
        hook(emu, "DELETE", "/_emulator/requests")
        plan = await maybe(c.plan_desired(text, source="identities.yaml"))
        assert writes(emu, g) == 0
        assert plan["source"] == "identities.yaml" and plan["changes"] is True
        assert plan["summary"] == {"create": 2, "update": 0, "noChange": 0, "error": 0}
        t = by_name(plan["targets"])["vm1"]
        assert t["status"] == "create" and t["kind"] == "vm"
        assert t["changes"]["systemAssigned"] == {"before": False, "after": True}
        assert [a.lower() for a in t["changes"]["userAssigned"]["add"]] == [uai_id(emu, g, "id-web").lower()]
        assert t["changes"]["roles"]["add"][0]["identity"] == "system"
        assert "    + userAssigned id-web" in plan["text"]
        assert "2 to create, 0 to update, 0 unchanged, 0 error(s)" in plan["text"]

        # Apply: both VMs as the file says; progress up to done == total.
        seen: list[dict[str, Any]] = []
        run = c.apply_desired(text, source="identities.yaml", concurrency=2, on_progress=seen.append)
        got = by_name(await results(run))
        assert {n: r["status"] for n, r in got.items()} == {"vm1": "changed", "vm2": "changed"}
        assert got["vm1"]["identity"]["type"] == "SystemAssigned, UserAssigned"
        assert got["vm1"]["detail"]["status"] == "create"
        assert seen and seen[-1]["done"] == seen[-1]["total"] == 2
        shown = await maybe(c.vm_identity_show(g, "vm2"))
        assert shown.system_assigned and [u.id.rsplit("/", 1)[1] for u in shown.user_assigned_identities] == ["id-web"]
        roles = await maybe(c.list_role_assignments(f"/subscriptions/{emu.subscription_id}/resourceGroups/{g}",
                                                    principal_id=shown.principal_id))
        assert len(roles) == 1

        # A second apply writes nothing; the plan says so.
        hook(emu, "DELETE", "/_emulator/requests")
        again = by_name(await results(c.apply_desired(text)))
        assert {r["status"] for r in again.values()} == {"unchanged"}
        assert writes(emu, g) == 0
        plan = await maybe(c.plan_desired(text))
        assert plan["changes"] is False and plan["summary"]["noChange"] == 2
        assert "No changes" in plan["text"]

        # Drift: an identity added by hand is seen by the plan, and removed by the next apply.
        await maybe(c.vm_identity_assign(g, "vm1", identities=["id-old"]))
        plan = await maybe(c.plan_desired(text))
        assert plan["changes"] is True and plan["summary"]["update"] == 1
        drifted = by_name(plan["targets"])["vm1"]
        assert drifted["status"] == "update"
        assert [r.lower() for r in drifted["changes"]["userAssigned"]["remove"]] == [uai_id(emu, g, "id-old").lower()]
        assert f"~ {drifted['id']}" in plan["text"]
        fixed = by_name(await results(c.apply_desired(text)))
        assert fixed["vm1"]["status"] == "changed" and fixed["vm2"]["status"] == "unchanged"
        shown = await maybe(c.vm_identity_show(g, "vm1"))
        assert [u.id.rsplit("/", 1)[1] for u in shown.user_assigned_identities] == ["id-web"]

    run_both(emu, scenario, group)


def test_bad_file_raises_naming_line_and_field_before_any_write(emu, group):
    async def scenario(c: Any, g: str) -> None:
        await maybe(c.create_vm(g, "vm1", MODEL))
        bad = desired(emu, g).replace("systemAssigned: true", 'systemAssigned: "yes"')
        hook(emu, "DELETE", "/_emulator/requests")
        for call in (lambda: c.plan_desired(bad, source="fleet.yaml"), lambda: results(c.apply_desired(bad, source="fleet.yaml"))):
            with pytest.raises(InvalidArgumentError, match=r"fleet\.yaml:5:\d+: targets\[0\]\.identity\.systemAssigned") as e:
                await maybe(call())
            assert e.value.kind == "invalid_argument"
        unknown = desired(emu, g).replace("msiExtension:", "msiExtensions:")
        with pytest.raises(InvalidArgumentError, match=r"identities\.yaml:\d+:\d+: targets\[0\]: unknown field `msiExtensions`"):
            await maybe(results(c.apply_desired(unknown)))
        with pytest.raises(InvalidArgumentError, match="id-missing"):
            await maybe(results(c.apply_desired(desired(emu, g).replace("id-web", "id-missing"))))
        assert writes(emu, g) == 0
        assert not (await maybe(c.vm_identity_show(g, "vm1"))).system_assigned

    run_both(emu, scenario, group)


def test_sync_apply_returns_a_bulk_run(emu, client, group):
    run = client.apply_desired(f"targets:\n  - kind: vm\n    resourceGroup: {group}\n    identity: {{systemAssigned: true}}\n")
    assert isinstance(run, msi_identity.BulkRun) and run.total == 0
    assert list(run) == []
