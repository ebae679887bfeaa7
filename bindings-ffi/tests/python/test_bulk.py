"""msi_vm_bulk / msi_vmss_bulk through ctypes against the emulator: events through the callback (as C code gets
them), a failed target as a "failed" result with core's error fields, bad input failing the call (with the error
object) before anything is written, a nonzero callback return stopping the run."""

from __future__ import annotations

import ctypes
import json
import uuid
from ctypes import byref, c_void_p

import pytest
from conftest import BULK_CALLBACK, LIB, NO_CALLBACK, RESULTS, call, call_json, read_error, s, take_string

INVALID_ARGUMENT = RESULTS["MSI_RESULT_INVALID_ARGUMENT"]
ASSIGN = {"action": "assign"}


def bulk(client, selection, action, options=None, stop_after=0, fn="msi_vm_bulk"):
    """Run a bulk change; (results, progress events, summary). Raises MsiFailure when the call fails."""
    results, progress = [], []

    def on_event(_user_data, event_json):
        event = json.loads(ctypes.string_at(event_json).decode("utf-8"))
        kind = event.pop("type")
        (results if kind == "result" else progress).append(event)
        return 1 if stop_after and kind == "result" and len(results) >= stop_after else 0

    cb = BULK_CALLBACK(on_event)
    summary = c_void_p()
    call(fn, client, s(json.dumps(selection)), s(json.dumps(action)), s(json.dumps(options)) if options else None,
         cb, None, byref(summary))
    return results, progress, json.loads(take_string(summary.value))


@pytest.fixture
def fleet(client, emulator):
    """A group with vm0..vm5, the even ones tagged env=prod."""
    _, info = emulator
    rg = "ctypes-bulk-" + uuid.uuid4().hex[:8]
    call_json("msi_group_create", client, s(rg), s("westus"))
    for i in range(6):
        model = {
            "location": "westus",
            "tags": {"env": "prod" if i % 2 == 0 else "dev"},
            "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}}},
        }
        call_json("msi_vm_create", client, s(rg), s(f"vm{i}"), s(json.dumps(model)), None)
    base = f"/subscriptions/{info['subscriptionId']}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/"
    return rg, base


def by_name(results):
    return {r["id"].rsplit("/", 1)[1]: r for r in results}


def identity_type(client, rg, name):
    out = call_json("msi_vm_identity_show", client, s(rg), s(name))
    return out["type"] if out else "None"


def test_tag_then_group_then_again(client, fleet):
    rg, _ = fleet
    results, progress, summary = bulk(client, {"resourceGroup": rg, "tag": "env=prod"}, ASSIGN)
    assert {n: r["status"] for n, r in by_name(results).items()} == {"vm0": "changed", "vm2": "changed", "vm4": "changed"}
    assert all(r["identity"]["type"] == "SystemAssigned" for r in results)
    assert progress[-1]["done"] == progress[-1]["total"] == 3
    assert summary == {**progress[-1], "stopped": False}
    assert identity_type(client, rg, "vm1") == "None"

    results, _, _ = bulk(client, {"resourceGroup": rg}, ASSIGN, {"concurrency": 2})
    st = {n: r["status"] for n, r in by_name(results).items()}
    assert [st[f"vm{i}"] for i in range(6)] == ["unchanged", "changed"] * 3
    results, progress, summary = bulk(client, {"resourceGroup": rg}, ASSIGN)
    assert {r["status"] for r in results} == {"unchanged"} and summary["unchanged"] == 6
    assert progress[-1]["done"] == progress[-1]["total"] == 6


def test_ids_with_a_missing_vm(client, fleet):
    rg, base = fleet
    results, _, summary = bulk(client, {"ids": [base + "vm1", base + "missing", base + "vm3"]}, ASSIGN)
    got = by_name(results)
    assert {n: r["status"] for n, r in got.items()} == {"vm1": "changed", "missing": "failed", "vm3": "changed"}
    err = got["missing"]["error"]
    assert err["kind"] == "not_found" and err["code"] == "ResourceNotFound" and err["status"] == 404
    assert "missing" in err["message"] and err.get("requestId")
    assert summary["failed"] == 1 and summary["changed"] == 2
    assert identity_type(client, rg, "vm3") == "SystemAssigned"


@pytest.mark.parametrize(
    "selection,action,options,message",
    [
        ({"resourceGroup": "RG", "tag": "=x"}, ASSIGN, None, "invalid tag '=x'"),
        ({"resourceGroup": "RG", "ids": ["/x"]}, ASSIGN, None, "not both"),
        ({}, ASSIGN, None, "name the targets"),
        ({"group": "RG"}, ASSIGN, None, "selection_json"),
        ({"resourceGroup": "RG"}, {"action": "paint"}, None, "unknown bulk action 'paint'"),
        ({"resourceGroup": "RG"}, ASSIGN, {"parallel": 3}, "options_json"),
    ],
)
def test_bad_input_fails_before_any_write(client, fleet, selection, action, options, message):
    rg, _ = fleet
    selection = json.loads(json.dumps(selection).replace('"RG"', json.dumps(rg)))
    calls = []
    cb = BULK_CALLBACK(lambda _u, _e: calls.append(1) or 0)
    err, summary = c_void_p(), c_void_p(0x5EED)
    r = LIB.msi_vm_bulk(client, s(json.dumps(selection)), s(json.dumps(action)),
                        s(json.dumps(options)) if options else None, cb, None, byref(summary), byref(err))
    assert r == INVALID_ARGUMENT
    e = read_error(err.value)
    assert e.kind == "invalid_argument" and message in e.message, e.message
    assert summary.value == 0x5EED and calls == []
    assert all(identity_type(client, rg, f"vm{i}") == "None" for i in range(6))


def test_scale_sets_and_stopping_from_the_callback(client, fleet):
    rg, _ = fleet
    for i in range(3):
        call_json("msi_vmss_create_basic", client, s(rg), s(f"ss{i}"), s('{"image":"UbuntuLTS","instanceCount":1}'))
    action = {"action": "set", "type": "SystemAssigned"}
    results, _, summary = bulk(client, {"resourceGroup": rg}, action, {"concurrency": 1}, stop_after=1, fn="msi_vmss_bulk")
    assert len(results) == 1 and results[0]["status"] == "changed" and summary["stopped"] is True
    # No callback: the summary alone; the second run completes what the first did not.
    summary = c_void_p()
    call("msi_vmss_bulk", client, s(json.dumps({"resourceGroup": rg})), s(json.dumps(action)), None, NO_CALLBACK,
         None, byref(summary))
    got = json.loads(take_string(summary.value))
    assert got["done"] == got["total"] == 3 and got["unchanged"] >= 1 and got["stopped"] is False
