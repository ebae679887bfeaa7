"""Identity, UserAssignedIdentity and IdentityUpdate (identity.rs): attributes, equality, repr, as_dict (ARM JSON),
and plain-Python JSON for models and results (json.rs)."""

from __future__ import annotations

import pytest


def test_identity_objects(client, group):
    client.create_user_identity(group, "ua1")
    client.create_vm(group, "v", image="UbuntuLTS", system_assigned=True, assign_identity=["ua1"])
    i = client.vm_identity_show(group, "v")
    assert i == client.vm_identity_show(group, "v")
    assert repr(i).startswith("Identity(type='SystemAssigned, UserAssigned', principal_id='")
    d = i.as_dict()
    assert d["type"] == "SystemAssigned, UserAssigned" and d["principalId"] == i.principal_id
    (u,) = i.user_assigned_identities
    assert d["userAssignedIdentities"] == {u.id: u.as_dict()}
    assert set(u.as_dict()) == {"principalId", "clientId"}
    upd = client.vm_identity_remove(group, "v", all_user_assigned=True, system_assigned=False)
    assert upd.identity.type == "SystemAssigned"
    assert upd.as_dict() == upd.resource and upd.resource["name"] == "v"
    assert "changed=True" in repr(upd)
    none = client.vm_identity_set(group, "v", identity_type="None")
    assert none.identity.as_dict() == {"type": "None"}


def test_models_and_results_are_plain_python(client, group):
    model = {
        "location": "westus",
        "tags": {"n": 1, "f": 1.5, "b": True, "none": None, "big": 2**63 + 1, "list": [1, "a", (2, 3)]},
        "properties": {"storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "o", "sku": "s", "version": "latest"}}},
    }
    vm = client.create_vm(group, "plain", model)
    assert vm["tags"]["n"] == 1 and vm["tags"]["f"] == 1.5 and vm["tags"]["b"] is True
    assert vm["tags"]["big"] == 2**63 + 1 and vm["tags"]["list"] == [1, "a", [2, 3]]
    with pytest.raises(TypeError, match="JSON"):
        client.create_vm(group, "bad", {"location": "westus", "x": object()})
    with pytest.raises(TypeError, match="keys"):
        client.create_vm(group, "bad", {1: "x"})
    with pytest.raises(ValueError, match="NaN"):
        client.create_vm(group, "bad", {"location": "westus", "x": float("nan")})
