"""The shared table of cases (tests/vectors/identity-cases.json, run by every face) through the C ABI: each op is
spelled with the exported functions a C program calls (msi_vm_* / msi_vmss_*, msi_user_identity_get), with the
case's args passed as the request JSON those functions take (core's request structs). Outcomes are compared as
the table writes them: the identity as {system, user: [names, lower case, sorted]}, or the error kind
(msi_error_kind, core's kind names), and after an error the identity must still be the starting one.

Setup as the reference runner (tests/tests/vectors.rs): an emulator of its own, groups rg and rg2, identities id1 and
id2 in rg, one resource per case named case<index>, made first (when the case has a start) by create with
assignIdentity [names..., "[system]"]."""

from __future__ import annotations

import json
from ctypes import byref, c_bool, c_void_p

import pytest
from conftest import LIB, ROOT, MsiFailure, call, call_json, s, take_string

TABLE = json.loads((ROOT / "tests" / "vectors" / "identity-cases.json").read_text(encoding="utf-8"))
CASES = TABLE["cases"]
FACE = "c"


def fill(v, sub: str):
    """`{sub}` in every string of `v`."""
    if isinstance(v, str):
        return v.replace("{sub}", sub)
    if isinstance(v, list):
        return [fill(x, sub) for x in v]
    if isinstance(v, dict):
        return {k: fill(x, sub) for k, x in v.items()}
    return v


def shape(identity) -> dict:
    """An ARM `identity` object (or None) as the table writes it."""
    if not identity:
        return {"system": False, "user": []}
    types = {t.strip().lower() for t in (identity.get("type") or "").split(",")}
    user = sorted(k.rsplit("/", 1)[-1].lower() for k in (identity.get("userAssignedIdentities") or {}))
    return {"system": "systemassigned" in types, "user": user}


def normalise(expect: dict) -> dict:
    e = dict(expect)
    if "user" in e:
        e["user"] = sorted(u.lower() for u in e["user"])
    return e


def text(v) -> bytes:
    return json.dumps(v).encode()


def identity_op(fn: str, client, group: str, name: str, args: dict, extra_outs: int = 0) -> dict:
    out, changed = c_void_p(), c_bool()
    extras = [c_void_p() for _ in range(extra_outs)]
    call(fn, client, s(group), s(name), s(text(args)), byref(out), byref(changed), *[byref(x) for x in extras])
    for x in extras:
        take_string(x.value)
    return shape(json.loads(take_string(out.value)).get("identity"))


def run(client, case: dict, name: str) -> dict:
    """The case's op through the C ABI; raises MsiFailure on an error."""
    k = case["kind"]  # "vm" or "vmss": the exported name's prefix
    group = case.get("group", "rg")
    a = case["args"]
    op = case["op"]
    if op == "assign":
        return identity_op(f"msi_{k}_identity_assign", client, group, name, a, extra_outs=1)
    if op == "remove":
        return identity_op(f"msi_{k}_identity_remove", client, group, name, a)
    if op == "set":
        return identity_op(f"msi_{k}_identity_set", client, group, name, a)
    if op == "show":
        return shape(call_json(f"msi_{k}_identity_show", client, s(group), s(name)))
    if op == "create":
        return shape(call_json(f"msi_{k}_create_basic", client, s(group), s(name), s(text(a))).get("identity"))
    if op == "extension_set":
        r = call_json(f"msi_{k}_extension_set", client, s(group), s(name), s(text(a)))
        return {"extension": {"name": r.get("name", "").rsplit("/", 1)[-1], "port": r["properties"]["settings"]["port"]}}
    if op == "extension_delete":
        deleted = c_bool()
        call(f"msi_{k}_extension_delete", client, s(group), s(name), s(a["name"]), byref(deleted))
        return {"deleted": deleted.value}
    if op == "identity_show":
        # The C spelling: group + name, or (group NULL) the ID in `name`.
        if "id" in a:
            u = call_json("msi_user_identity_get", client, None, s(a["id"]))
        else:
            u = call_json("msi_user_identity_get", client, s(a["resourceGroup"]), s(a["name"]))
        return {"identityName": u["name"]}
    raise AssertionError(f"unknown op {op}")


@pytest.fixture(scope="module")
def outcomes():
    """Every case run once, in table order, against an emulator of this module's own: index -> (outcome, problem)."""
    emu, client = c_void_p(), c_void_p()
    call("msi_emulator_start", None, 0, 0, True, None, byref(emu))
    try:
        call("msi_emulator_client_new", emu, byref(client))
        setup = TABLE["setup"]
        for g in setup["groups"]:
            call_json("msi_group_create", client, s(g), s(setup["location"]))
        for i in setup["identities"]:
            call_json("msi_user_identity_create", client, s(i["group"]), s(i["name"]), None, None)
        sub = call_json("msi_client_info", client)["subscriptionId"]
        results = {}
        for n, raw in enumerate(CASES):
            if FACE in raw.get("skip", {}):
                continue
            case = fill(raw, sub)
            name = f"case{n}"
            group = case.get("group", "rg")
            start = case.get("start")
            if start is not None:
                refs = list(start["user"]) + (["[system]"] if start["system"] else [])
                options = {"assignIdentity": refs} if refs else {}
                call_json(f"msi_{case['kind']}_create_basic", client, s(group), s(name), s(text(options)))
            expect = normalise(case["expect"])
            problem = None
            try:
                outcome = run(client, case, name)
            except MsiFailure as e:
                outcome = {"error": e.kind, "message": e.message}
                if start is not None:
                    now = shape(call_json(f"msi_{case['kind']}_identity_show", client, s(group), s(name)))
                    if now != normalise(start):
                        problem = f"failed with {e.kind} but changed the identity to {now}"
            if problem is None:
                agrees = outcome.get("error") == expect["error"] if "error" in expect else outcome == expect
                if not agrees:
                    problem = f"expected {expect}, got {outcome}"
            results[n] = (outcome, problem)
        yield results
    finally:
        LIB.msi_client_free(client)
        LIB.msi_emulator_free(emu)


def label(n: int) -> str:
    c = CASES[n]
    return f"{n} {c['name']} [{c['kind']}]"


@pytest.mark.parametrize(
    "n",
    [pytest.param(n, marks=pytest.mark.skip(reason=c["skip"][FACE])) if FACE in c.get("skip", {}) else n
     for n, c in enumerate(CASES)],
    ids=[f"{n}-{c['op']}-{c['kind']}" for n, c in enumerate(CASES)],
)
def test_case(outcomes, n):
    _, problem = outcomes[n]
    assert problem is None, f"{label(n)}: {problem}"


def test_every_case_agrees(outcomes):
    """The whole table at once: the list of every case that differs."""
    differing = [f"{label(n)}: {problem}" for n, (_, problem) in sorted(outcomes.items()) if problem]
    ran = len(outcomes)
    assert not differing, f"{len(differing)} of {ran} cases differ:\n" + "\n".join(differing)
    assert ran == len(CASES) - sum(FACE in c.get("skip", {}) for c in CASES) > 100
