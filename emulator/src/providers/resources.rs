//! Microsoft.Resources: subscriptions, tenants, providers, resource groups.

use axum::http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::lro;
use crate::arm::response::ArmResponse;
use crate::catalog::api_version::{self, Provider};
use crate::catalog::errors::ArmError;
use crate::catalog::regions;
use crate::catalog::seed::SUBSCRIPTION_NAME;
use crate::state::groups::{RG_KIND, RgDoc, load_rg, require_rg, rg_key};
use crate::state::principals::forget_principals;
use crate::util;

fn subscription_body(ctx: &Ctx<'_>) -> Value {
    let seed = &ctx.shared.seed;
    json!({
        "id": format!("/subscriptions/{}", seed.subscription_id),
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": seed.subscription_id,
        "tenantId": seed.tenant_id,
        "displayName": SUBSCRIPTION_NAME,
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    })
}

fn only_get(ctx: &Ctx<'_>) -> Result<(), ArmError> {
    if ctx.method == Method::GET {
        Ok(())
    } else {
        Err(ArmError::method_not_allowed(ctx.method.as_str()))
    }
}

pub fn list_subscriptions(ctx: &Ctx<'_>) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    // Only the subscriptions the caller has some access in are listed.
    let visible = ctx.sees_subscription(&ctx.shared.seed.subscription_id)?;
    let value: Vec<Value> = if visible {
        vec![subscription_body(ctx)]
    } else {
        Vec::new()
    };
    let count = value.len();
    Ok(ArmResponse::ok(json!({
        "value": value,
        "count": {"type": "Total", "value": count},
    })))
}

pub fn get_subscription(ctx: &Ctx<'_>) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    Ok(ArmResponse::ok(subscription_body(ctx)))
}

pub fn list_tenants(ctx: &Ctx<'_>) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    let tid = &ctx.shared.seed.tenant_id;
    Ok(ArmResponse::ok(json!({
        "value": [{
            "id": format!("/tenants/{tid}"),
            "tenantId": tid,
            "countryCode": "US",
            "displayName": "Emulator Tenant",
            "domains": ["emulator.local"],
            "tenantCategory": "Home",
            "defaultDomain": "emulator.local",
            "tenantType": "AAD",
        }],
        "count": {"type": "Total", "value": 1},
    })))
}

fn provider_body(ctx: &Ctx<'_>, provider: Provider) -> Value {
    let versions = |p: Provider| -> Vec<String> {
        p.known_versions()
            .split(',')
            .map(|v| v.trim().to_string())
            .rev()
            .collect()
    };
    let locations: Vec<&str> = api_version::LOCATIONS.split(", ").collect();
    let (ns, types): (&str, Vec<(&str, &str)>) = match provider {
        Provider::Compute => (
            "Microsoft.Compute",
            vec![
                ("virtualMachines", "SupportsTags, SupportsLocation"),
                ("virtualMachineScaleSets", "SupportsTags, SupportsLocation"),
                (
                    "virtualMachines/extensions",
                    "SupportsTags, SupportsLocation",
                ),
                ("virtualMachineScaleSets/extensions", "None"),
                ("locations/operations", "None"),
            ],
        ),
        Provider::ManagedIdentity => (
            "Microsoft.ManagedIdentity",
            vec![
                ("userAssignedIdentities", "SupportsTags, SupportsLocation"),
                ("Identities", "SupportsExtension"),
                ("operations", "None"),
            ],
        ),
        Provider::Resources => ("Microsoft.Resources", vec![("resourceGroups", "None")]),
        Provider::Network => (
            "Microsoft.Network",
            vec![
                ("virtualNetworks", "SupportsTags, SupportsLocation"),
                ("virtualNetworks/subnets", "None"),
                ("networkSecurityGroups", "SupportsTags, SupportsLocation"),
                ("publicIPAddresses", "SupportsTags, SupportsLocation"),
                ("networkInterfaces", "SupportsTags, SupportsLocation"),
                ("loadBalancers", "SupportsTags, SupportsLocation"),
            ],
        ),
        Provider::Authorization => (
            "Microsoft.Authorization",
            vec![
                ("roleAssignments", "SupportsExtension"),
                ("roleDefinitions", "SupportsExtension"),
            ],
        ),
    };
    let resource_types: Vec<Value> = types
        .into_iter()
        .map(|(t, caps)| {
            json!({"resourceType": t, "locations": locations, "apiVersions": versions(provider),
                   "capabilities": caps})
        })
        .collect();
    json!({
        "id": format!("/subscriptions/{}/providers/{ns}", ctx.shared.seed.subscription_id),
        "namespace": ns,
        "resourceTypes": resource_types,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationRequired",
    })
}

pub fn list_providers(ctx: &Ctx<'_>) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    Ok(ArmResponse::ok(json!({"value": [
        provider_body(ctx, Provider::Compute),
        provider_body(ctx, Provider::ManagedIdentity),
        provider_body(ctx, Provider::Resources),
        provider_body(ctx, Provider::Authorization),
        provider_body(ctx, Provider::Network),
    ]})))
}

/// `GET /subscriptions/{sub}/providers/{ns}` and `POST .../register`.
pub fn provider(ctx: &Ctx<'_>, ns: &str, register: bool) -> Result<ArmResponse, ArmError> {
    let expected = if register { Method::POST } else { Method::GET };
    if ctx.method != expected {
        return Err(ArmError::method_not_allowed(ctx.method.as_str()));
    }
    let provider = api_version::provider_of(ns).ok_or_else(|| {
        ArmError::new(
            StatusCode::NOT_FOUND,
            "InvalidResourceNamespace",
            format!("The resource namespace '{ns}' is invalid."),
        )
    })?;
    Ok(ArmResponse::ok(provider_body(ctx, provider)))
}

/// `GET /providers/{ns}/operations`.
pub fn provider_operations(ctx: &Ctx<'_>, provider: Provider) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    let (display, ops): (&str, &[(&str, &str, &str)]) = match provider {
        Provider::ManagedIdentity => (
            "Microsoft Managed Identity",
            &[
                (
                    "Microsoft.ManagedIdentity/identities/read",
                    "System Assigned Identities",
                    "Get System Assigned Identity",
                ),
                (
                    "Microsoft.ManagedIdentity/operations/read",
                    "Managed Identity operations",
                    "List Managed Identity operations",
                ),
                (
                    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
                    "User Assigned Identities",
                    "Assign User Assigned Identity",
                ),
                (
                    "Microsoft.ManagedIdentity/userAssignedIdentities/delete",
                    "User Assigned Identities",
                    "Delete User Assigned Identity",
                ),
                (
                    "Microsoft.ManagedIdentity/userAssignedIdentities/listAssociatedResources/action",
                    "User Assigned Identities",
                    "List associated resources for User Assigned Identity",
                ),
                (
                    "Microsoft.ManagedIdentity/userAssignedIdentities/read",
                    "User Assigned Identities",
                    "Get User Assigned Identity",
                ),
                (
                    "Microsoft.ManagedIdentity/userAssignedIdentities/write",
                    "User Assigned Identities",
                    "Create/Update User Assigned Identity",
                ),
            ],
        ),
        Provider::Compute => (
            "Microsoft Compute",
            &[
                (
                    "Microsoft.Compute/virtualMachines/read",
                    "Virtual Machines",
                    "Get Virtual Machine",
                ),
                (
                    "Microsoft.Compute/virtualMachines/write",
                    "Virtual Machines",
                    "Create or Update Virtual Machine",
                ),
                (
                    "Microsoft.Compute/virtualMachines/delete",
                    "Virtual Machines",
                    "Delete Virtual Machine",
                ),
                (
                    "Microsoft.Compute/virtualMachineScaleSets/read",
                    "Virtual Machine Scale Sets",
                    "Get Virtual Machine Scale Set",
                ),
                (
                    "Microsoft.Compute/virtualMachineScaleSets/write",
                    "Virtual Machine Scale Sets",
                    "Create or Update Virtual Machine Scale Set",
                ),
                (
                    "Microsoft.Compute/virtualMachineScaleSets/delete",
                    "Virtual Machine Scale Sets",
                    "Delete Virtual Machine Scale Set",
                ),
            ],
        ),
        Provider::Authorization => (
            "Microsoft Authorization",
            &[
                (
                    "Microsoft.Authorization/roleAssignments/read",
                    "roleAssignments",
                    "Get role assignment",
                ),
                (
                    "Microsoft.Authorization/roleAssignments/write",
                    "roleAssignments",
                    "Create role assignment",
                ),
                (
                    "Microsoft.Authorization/roleAssignments/delete",
                    "roleAssignments",
                    "Delete role assignment",
                ),
                (
                    "Microsoft.Authorization/roleDefinitions/read",
                    "roleDefinitions",
                    "Get role definition",
                ),
            ],
        ),
        Provider::Network => (
            "Microsoft Network",
            &[
                (
                    "Microsoft.Network/virtualNetworks/read",
                    "Virtual Network",
                    "Get Virtual Network",
                ),
                (
                    "Microsoft.Network/virtualNetworks/write",
                    "Virtual Network",
                    "Create or Update Virtual Network",
                ),
                (
                    "Microsoft.Network/virtualNetworks/delete",
                    "Virtual Network",
                    "Delete Virtual Network",
                ),
                (
                    "Microsoft.Network/virtualNetworks/subnets/read",
                    "Virtual Network Subnet",
                    "Get Virtual Network Subnet",
                ),
                (
                    "Microsoft.Network/virtualNetworks/subnets/write",
                    "Virtual Network Subnet",
                    "Create or Update Virtual Network Subnet",
                ),
                (
                    "Microsoft.Network/virtualNetworks/subnets/delete",
                    "Virtual Network Subnet",
                    "Delete Virtual Network Subnet",
                ),
                (
                    "Microsoft.Network/virtualNetworks/subnets/join/action",
                    "Virtual Network Subnet",
                    "Join Virtual Network",
                ),
                (
                    "Microsoft.Network/networkSecurityGroups/read",
                    "Network Security Group",
                    "Get Network Security Group",
                ),
                (
                    "Microsoft.Network/networkSecurityGroups/write",
                    "Network Security Group",
                    "Create or Update Network Security Group",
                ),
                (
                    "Microsoft.Network/networkSecurityGroups/delete",
                    "Network Security Group",
                    "Delete Network Security Group",
                ),
                (
                    "Microsoft.Network/networkSecurityGroups/join/action",
                    "Network Security Group",
                    "Join Network Security Group",
                ),
                (
                    "Microsoft.Network/publicIPAddresses/read",
                    "Public IP Address",
                    "Get Public IP Address",
                ),
                (
                    "Microsoft.Network/publicIPAddresses/write",
                    "Public IP Address",
                    "Create or Update Public IP Address",
                ),
                (
                    "Microsoft.Network/publicIPAddresses/delete",
                    "Public IP Address",
                    "Delete Public IP Address",
                ),
                (
                    "Microsoft.Network/publicIPAddresses/join/action",
                    "Public IP Address",
                    "Join Public IP Address",
                ),
                (
                    "Microsoft.Network/networkInterfaces/read",
                    "Network Interface",
                    "Get Network Interface",
                ),
                (
                    "Microsoft.Network/networkInterfaces/write",
                    "Network Interface",
                    "Create or Update Network Interface",
                ),
                (
                    "Microsoft.Network/networkInterfaces/delete",
                    "Network Interface",
                    "Delete Network Interface",
                ),
                (
                    "Microsoft.Network/networkInterfaces/join/action",
                    "Network Interface",
                    "Join a Virtual Machine to a Network Interface",
                ),
                (
                    "Microsoft.Network/loadBalancers/read",
                    "Load Balancer",
                    "Get Load Balancer",
                ),
                (
                    "Microsoft.Network/loadBalancers/write",
                    "Load Balancer",
                    "Create or Update Load Balancer",
                ),
                (
                    "Microsoft.Network/loadBalancers/delete",
                    "Load Balancer",
                    "Delete Load Balancer",
                ),
                (
                    "Microsoft.Network/loadBalancers/backendAddressPools/join/action",
                    "Load Balancer Backend Address Pool",
                    "Join Load Balancer Backend Address Pool",
                ),
                (
                    "Microsoft.Network/loadBalancers/inboundNatPools/join/action",
                    "Load Balancer Inbound Nat Pool",
                    "Join Load Balancer Inbound NAT Pool",
                ),
            ],
        ),
        Provider::Resources => (
            "Microsoft Resources",
            &[
                (
                    "Microsoft.Resources/subscriptions/resourceGroups/read",
                    "Resource Groups",
                    "Get Resource Group",
                ),
                (
                    "Microsoft.Resources/subscriptions/resourceGroups/write",
                    "Resource Groups",
                    "Create or Update Resource Group",
                ),
                (
                    "Microsoft.Resources/subscriptions/resourceGroups/delete",
                    "Resource Groups",
                    "Delete Resource Group",
                ),
            ],
        ),
    };
    let value: Vec<Value> = ops
        .iter()
        .map(|(name, resource, operation)| {
            json!({"name": name, "display": {"provider": display, "resource": resource,
                   "operation": operation, "description": operation}})
        })
        .collect();
    Ok(ArmResponse::ok(json!({ "value": value })))
}

fn render_group(ctx: &Ctx<'_>, doc: &RgDoc) -> Value {
    let mut o = Map::new();
    o.insert(
        "id".into(),
        json!(format!(
            "/subscriptions/{}/resourceGroups/{}",
            ctx.shared.seed.subscription_id, doc.name
        )),
    );
    o.insert("name".into(), json!(doc.name));
    o.insert("type".into(), json!("Microsoft.Resources/resourceGroups"));
    o.insert("location".into(), json!(doc.location));
    if let Some(t) = &doc.tags {
        o.insert("tags".into(), t.clone());
    }
    if let Some(m) = &doc.managed_by {
        o.insert("managedBy".into(), json!(m));
    }
    o.insert(
        "properties".into(),
        json!({"provisioningState": "Succeeded"}),
    );
    Value::Object(o)
}

pub fn list_groups(ctx: &Ctx<'_>) -> Result<ArmResponse, ArmError> {
    only_get(ctx)?;
    // ARM lists the groups the caller may read.
    let readable = ctx.readable(Some(
        "Microsoft.Resources/subscriptions/resourceGroups/read",
    ))?;
    ctx.shared.store.read(|tx| {
        ctx.page_where(
            tx,
            RG_KIND,
            None,
            |row| Ok(readable(&row.key)),
            |row| {
                let doc =
                    RgDoc::deserialize(&row.doc).map_err(|e| ArmError::internal(e.to_string()))?;
                Ok(render_group(ctx, &doc))
            },
        )
    })
}

fn tags_of(body: &Map<String, Value>) -> Result<Option<Option<Value>>, ArmError> {
    match util::get_ci(body, "tags") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v @ Value::Object(_)) => Ok(Some(Some(v.clone()))),
        Some(_) => Err(ArmError::invalid_content(
            "Unexpected JSON token when reading tags. Path 'tags'.",
        )),
    }
}

/// `PUT|GET|HEAD|PATCH|DELETE /subscriptions/{sub}/resourcegroups/{rg}`.
pub fn group(ctx: &Ctx<'_>, rg: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let key = rg_key(sub, rg);
    match ctx.method {
        Method::GET => ctx.shared.store.tx(|tx| {
            let doc = require_rg(tx, sub, rg)?;
            Ok(ArmResponse::ok(render_group(ctx, &doc)))
        }),
        Method::PUT => {
            let body = ctx.body_object()?;
            let location = match util::get_ci(&body, "location") {
                Some(Value::String(s)) if !s.trim().is_empty() => regions::for_resource_group(s)?,
                None | Some(Value::Null) | Some(Value::String(_)) => {
                    return Err(ArmError::location_required());
                }
                Some(_) => {
                    return Err(ArmError::invalid_content(
                        "Unexpected JSON token when reading location. Path 'location'.",
                    ));
                }
            };
            let tags = tags_of(&body)?.flatten();
            let managed_by = util::get_ci(&body, "managedBy")
                .and_then(Value::as_str)
                .map(str::to_string);
            if rg.is_empty() || rg.len() > 90 || rg.ends_with('.') {
                return Err(ArmError::bad_request(
                    "InvalidResourceGroupName",
                    format!(
                        "The resource group name '{rg}' is invalid. It must be 1-90 characters long and cannot end with a period."
                    ),
                ));
            }
            ctx.shared.store.tx(|tx| {
                let existing = load_rg(tx, sub, rg)?;
                if let Some(e) = existing.as_ref().filter(|e| e.location != location) {
                    return Err(ArmError::new(
                        StatusCode::CONFLICT,
                        "InvalidResourceGroupLocation",
                        format!(
                            "Invalid resource group location '{location}'. The Resource group already exists in location '{}'.",
                            e.location
                        ),
                    ));
                }
                let status = if existing.is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                let doc = RgDoc {
                    name: existing.map(|e| e.name).unwrap_or_else(|| rg.to_string()),
                    location,
                    tags,
                    managed_by,
                };
                tx.put(&key, RG_KIND, None, None, &json!(doc))?;
                Ok(ArmResponse::new(status, render_group(ctx, &doc)))
            })
        }
        Method::PATCH => {
            let body = ctx.body_object()?;
            let tags = tags_of(&body)?;
            ctx.shared.store.tx(|tx| {
                let mut doc = require_rg(tx, sub, rg)?;
                if let Some(t) = tags {
                    doc.tags = t;
                }
                if let Some(m) = util::get_ci(&body, "managedBy") {
                    doc.managed_by = m.as_str().map(str::to_string);
                }
                tx.put(&key, RG_KIND, None, None, &json!(doc))?;
                Ok(ArmResponse::ok(render_group(ctx, &doc)))
            })
        }
        Method::DELETE => ctx.shared.store.tx(|tx| {
            require_rg(tx, sub, rg)?;
            let removed = tx.delete_group_contents(&key)?;
            forget_principals(tx, &removed)?;
            tx.delete(&key)?;
            let op = lro::start(ctx, tx, &key, "Deleting")?;
            Ok(ArmResponse::empty(StatusCode::ACCEPTED)
                .header("Location", lro::operation_result_url(ctx, &op.id)))
        }),
        _ => Err(ArmError::method_not_allowed(ctx.method.as_str())),
    }
}
