"""User-assigned identities (user_identity.rs): create, get, list, delete, by name and by resource ID."""

from __future__ import annotations

import asyncio

import pytest

from msi_identity import UserIdentity, emulator
from msi_identity.exceptions import InvalidArgumentError, ResourceNotFoundError


def test_create_get_list_delete(client, group):
    made = client.create_user_identity(group, "uai1", tags={"team": "ops"})
    assert isinstance(made, UserIdentity)
    assert made.as_dict()["tags"] == {"team": "ops"}
    assert made.location == "westus" and made.name == "uai1"
    got = client.get_user_identity(group, "uai1")
    assert (got.id, got.client_id, got.principal_id) == (made.id, made.client_id, made.principal_id)
    assert client.get_user_identity(resource_id=made.id).client_id == made.client_id
    assert "uai1" in repr(got)
    client.create_user_identity(group, "uai2", location="eastus")
    assert sorted(u.name for u in client.list_user_identities(group)) == ["uai1", "uai2"]
    assert {"uai1", "uai2"} <= {u.name for u in client.list_user_identities()}
    assert client.delete_user_identity(group, "uai1") is True
    assert client.delete_user_identity(resource_id=made.id) is False
    with pytest.raises(ResourceNotFoundError):
        client.get_user_identity(group, "uai1")


def test_resource_id_checks(client, group):
    vm_id = f"/subscriptions/{client.subscription_id}/resourceGroups/{group}/providers/Microsoft.Compute/virtualMachines/v"
    with pytest.raises(InvalidArgumentError, match="not a user-assigned identity"):
        client.get_user_identity(resource_id=vm_id)
    # An ID in another subscription is followed there (core's user_identity_ref), as az does: nothing is there.
    other = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/abc"
    with pytest.raises(ResourceNotFoundError):
        client.get_user_identity(resource_id=other)
    assert client.delete_user_identity(resource_id=other) is False
    with pytest.raises(InvalidArgumentError, match="resource group and name"):
        client.get_user_identity(group)
    with pytest.raises(InvalidArgumentError, match="not both"):
        client.get_user_identity(group, "abc", resource_id=other)
    with pytest.raises(InvalidArgumentError, match="tags"):
        client.create_user_identity(group, "abc", tags=["not", "a", "dict"])


def test_listing_follows_pages():
    with emulator.Emulator(page_size=2) as emu:
        c = emu.client()
        c.create_resource_group("rg", "westus")
        for i in range(5):
            c.create_user_identity("rg", f"id{i}")
        assert sorted(u.name for u in c.list_user_identities("rg")) == [f"id{i}" for i in range(5)]


def test_aio(emu, group):
    async def go():
        c = emu.aio_client()
        made = await c.create_user_identity(group, "aio1")
        listed = await c.list_user_identities(group)
        deleted = await c.delete_user_identity(group, "aio1")
        return made, listed, deleted

    made, listed, deleted = asyncio.run(go())
    assert [u.id for u in listed] == [made.id] and deleted is True
