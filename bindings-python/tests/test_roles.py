"""Role assignments (roles.rs): by role name or GUID, list at a scope or for a principal, delete by ID or by
match."""

from __future__ import annotations

import asyncio

from msi_identity import RoleAssignment

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def test_create_list_delete(client, group):
    uai = client.create_user_identity(group, "worker")
    scope = f"/subscriptions/{client.subscription_id}/resourceGroups/{group}"
    a = client.create_role_assignment(scope, "Reader", uai.principal_id)
    assert isinstance(a, RoleAssignment)
    assert a.role_definition_id.endswith(READER) and a.principal_type == "ServicePrincipal"
    assert a.as_dict()["properties"]["principalId"] == uai.principal_id and "Reader" not in repr(a)
    # Granting again returns the existing assignment.
    assert client.create_role_assignment(scope, READER, uai.principal_id).id == a.id
    b = client.create_role_assignment(scope, "Virtual Machine Contributor", uai.principal_id)
    mine = client.list_role_assignments(scope, principal_id=uai.principal_id)
    assert sorted(x.id for x in mine) == sorted([a.id, b.id])
    assert any(x.id == a.id for x in client.list_role_assignments(scope))
    assert client.delete_role_assignments(scope, principal_id=uai.principal_id, role="Reader") == [a.id]
    assert client.delete_role_assignment(b.id) is True
    assert client.delete_role_assignment(b.id) is False
    assert client.list_role_assignments(scope, principal_id=uai.principal_id) == []


def test_subscription_scope_by_default(client):
    assert any(a.scope == f"/subscriptions/{client.subscription_id}" for a in client.list_role_assignments())


def test_aio(emu, group):
    async def go():
        c = emu.aio_client()
        uai = await c.create_user_identity(group, "aioWorker")
        scope = f"/subscriptions/{emu.subscription_id}/resourceGroups/{group}"
        a = await c.create_role_assignment(scope, "Reader", uai.principal_id)
        return a, await c.delete_role_assignments(scope, principal_id=uai.principal_id)

    a, deleted = asyncio.run(go())
    assert deleted == [a.id]
