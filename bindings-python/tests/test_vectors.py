"""The shared table of cases (tests/vectors/identity-cases.json, read its "about"), spelled with the public Python API
(the sync client) against the in-process emulator. Every face runs the same table and must give the same outcomes;
the Rust reference runner is tests/tests/vectors.rs.

Arguments are core's camelCase request fields; here they become the snake_case keywords of the client methods
(plus the two keywords Python names differently: a set's "type" is ``identity_type``, an extension's "type" is
``extension_type``). An error is compared by its ``kind``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

from msi_identity import Identity, ManagedIdentityClient, emulator
from msi_identity.exceptions import ERROR_KINDS, MsiIdentityError

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "identity-cases.json"
FACE = "python"


def fill(v: Any, sub: str) -> Any:
    """``{sub}`` in every string of ``v``."""
    if isinstance(v, str):
        return v.replace("{sub}", sub)
    if isinstance(v, list):
        return [fill(x, sub) for x in v]
    if isinstance(v, dict):
        return {k: fill(x, sub) for k, x in v.items()}
    return v


def snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def kwargs(args: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    """The case's arguments as the method's keywords."""
    return {renamed.get(k, snake(k)): v for k, v in args.items()}


def shape(identity: Identity) -> dict[str, Any]:
    """The identity as the table writes it: ``{system, user: [names, lower case, sorted]}``."""
    users = sorted(u.id.rsplit("/", 1)[-1].lower() for u in identity.user_assigned_identities)
    return {"system": identity.system_assigned, "user": users}


def normalise(expect: dict[str, Any]) -> dict[str, Any]:
    e = dict(expect)
    if isinstance(e.get("user"), list):
        e["user"] = sorted(u.lower() for u in e["user"])
    return e


def methods(c: ManagedIdentityClient, kind: str) -> dict[str, Callable[..., Any]]:
    vm = kind == "vm"
    return {
        "assign": c.vm_identity_assign if vm else c.vmss_identity_assign,
        "remove": c.vm_identity_remove if vm else c.vmss_identity_remove,
        "set": c.vm_identity_set if vm else c.vmss_identity_set,
        "show": c.vm_identity_show if vm else c.vmss_identity_show,
        "create": c.create_vm if vm else c.create_vmss,
    }


def run(c: ManagedIdentityClient, case: dict[str, Any], name: str) -> dict[str, Any]:
    kind, group, a, op = case["kind"], case.get("group", "rg"), case["args"], case["op"]
    m = methods(c, kind)
    parent = {"vm_name" if kind == "vm" else "vmss_name": name}
    if op in ("assign", "remove"):
        return shape(m[op](group, name, **kwargs(a, {})).identity)
    if op == "set":
        return shape(m["set"](group, name, **kwargs(a, {"type": "identity_type"})).identity)
    if op == "show":
        return shape(m["show"](group, name))
    if op == "create":
        made = m["create"](group, name, **kwargs(a, {}))
        return shape(m["show"](resource_id=made["id"]))
    if op == "extension_set":
        r = c.set_msi_extension(group, **parent, **kwargs(a, {"type": "extension_type"}))
        return {"extension": {"name": r["name"].rsplit("/", 1)[-1], "port": r["properties"]["settings"]["port"]}}
    if op == "extension_delete":
        return {"deleted": c.delete_extension(group, **parent, name=a["name"])}
    if op == "identity_show":
        return {"identityName": c.get_user_identity(**kwargs(a, {"id": "resource_id"})).name}
    raise AssertionError(f"unknown op {op}")


def test_every_case_of_the_shared_table() -> None:
    doc = json.loads(VECTORS.read_text())
    with emulator.Emulator() as emu:
        c = emu.client()
        setup = doc["setup"]
        for g in setup["groups"]:
            c.create_resource_group(g, setup["location"])
        for i in setup["identities"]:
            c.create_user_identity(i["group"], i["name"])
        failures: list[str] = []
        skipped = 0
        for n, raw in enumerate(doc["cases"]):
            case = fill(raw, emu.subscription_id)
            if FACE in case.get("skip", {}):
                skipped += 1
                continue
            name, kind, group = f"case{n}", case["kind"], case.get("group", "rg")
            label = f"{n} {case['name']!r} [{kind}]"
            m = methods(c, kind)
            start = case.get("start")
            if start is not None:
                refs = list(start["user"]) + (["[system]"] if start["system"] else [])
                m["create"](group, name, assign_identity=refs or None)
            try:
                outcome = run(c, case, name)
            except MsiIdentityError as e:
                assert e.kind in ERROR_KINDS, e.kind
                outcome = {"error": e.kind, "message": e.message}
                if start is not None:
                    now = shape(m["show"](group, name))
                    if now != normalise(start):
                        failures.append(f"{label}: failed with {e.kind} but changed the identity to {now}")
            except Exception as e:  # noqa: BLE001 - a face error that is not core's (a TypeError, ...) is a difference
                outcome = {"raised": f"{type(e).__name__}: {e}"}
            expect = normalise(case["expect"])
            matches = outcome.get("error") == expect["error"] if "error" in expect else outcome == expect
            if not matches:
                failures.append(f"{label}: expected {expect}, got {outcome}")
        cases = len(doc["cases"])
        assert not failures, f"{len(failures)} of {cases} cases differ ({skipped} skipped):\n" + "\n".join(failures)
