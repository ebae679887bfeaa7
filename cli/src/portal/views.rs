//! What the page is sent: core's types as flat JSON, with names and groups taken from IDs by core's parser.
//! Shapes only; nothing here decides anything about Azure.

use msi_identity::{
    ComputeKind, ComputeTarget, Identity, ResourceId, RoleAssignment, UserIdentity,
};
use serde_json::{Value, json};

fn group_of(id: &str) -> String {
    ResourceId::parse(id)
        .map(|r| r.resource_group)
        .unwrap_or_default()
}

fn name_of(id: &str) -> String {
    ResourceId::parse(id)
        .map(|r| r.name().to_string())
        .unwrap_or_else(|_| id.rsplit('/').next().unwrap_or(id).to_string())
}

pub fn kind_name(kind: ComputeKind) -> &'static str {
    kind.short()
}

/// A resource group from its ARM JSON.
pub fn group(v: &Value) -> Value {
    json!({ "id": v["id"], "name": v["name"], "location": v["location"] })
}

/// A VM or scale set from its ARM JSON (a list item).
pub fn compute(kind: ComputeKind, v: &Value) -> Value {
    let id = v["id"].as_str().unwrap_or_default();
    let identity = Identity::from_resource(v).ok();
    json!({
        "id": id,
        "name": v["name"],
        "resourceGroup": group_of(id),
        "location": v["location"],
        "kind": kind_name(kind),
        "identityType": identity.map(|i| i.identity_type.as_str()),
    })
}

/// A VM or scale set named by target (where a user-assigned identity is attached).
pub fn target(t: &ComputeTarget) -> Value {
    json!({
        "id": t.path(),
        "name": t.name,
        "resourceGroup": t.resource_group,
        "kind": kind_name(t.kind),
    })
}

/// The Identity blade of a resource: both tabs.
pub fn identity(t: &ComputeTarget, i: &Identity) -> Value {
    let user: Vec<Value> = i
        .user_assigned
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "name": name_of(&u.id),
                "resourceGroup": group_of(&u.id),
                "clientId": u.client_id,
                "principalId": u.principal_id,
            })
        })
        .collect();
    json!({
        "resource": target(t),
        "type": i.identity_type.as_str(),
        "systemAssigned": i.has_system(),
        "principalId": i.principal_id,
        "tenantId": i.tenant_id,
        "userAssigned": user,
    })
}

/// A user-assigned identity (the Managed Identities page).
pub fn user_identity(u: &UserIdentity) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "resourceGroup": u.resource_group,
        "location": u.location,
        "clientId": u.client_id,
        "principalId": u.principal_id,
        "tenantId": u.tenant_id,
    })
}

/// A role assignment, with its role's name.
pub fn role_assignment(a: &RoleAssignment, role_name: &str) -> Value {
    json!({
        "id": a.id,
        "role": role_name,
        "roleDefinitionId": a.role_definition_id,
        "scope": a.scope,
        "principalId": a.principal_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_assigned_rows_carry_name_and_group() {
        let id = "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
        let i = Identity::from_json(&json!({
            "type": "SystemAssigned, UserAssigned",
            "principalId": "p",
            "userAssignedIdentities": { id: { "clientId": "c", "principalId": "q" } }
        }))
        .unwrap();
        let t = ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap();
        let v = identity(&t, &i);
        assert_eq!(v["systemAssigned"], true);
        assert_eq!(v["userAssigned"][0]["name"], "id1");
        assert_eq!(v["userAssigned"][0]["resourceGroup"], "rg2");
        assert_eq!(v["userAssigned"][0]["clientId"], "c");
        assert_eq!(v["resource"]["kind"], "vm");
    }
}
