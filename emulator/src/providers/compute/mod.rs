//! Microsoft.Compute: virtual machines, scale sets and their extensions.
//!
//! Writes are long-running operations (see `lro`): PUT answers 201 `Creating` or 200 `Updating`,
//! PATCH 200 `Updating`, both with `Azure-AsyncOperation`; DELETE answers 202 with `Location` and
//! `Azure-AsyncOperation` and removes the resource at once. The caller's model is kept as sent, minus
//! read-only fields; the emulator adds `vmId`/`uniqueId`, `timeCreated`, `provisioningState` and an
//! etag. VM extensions are child resources listed under the VM's `resources`; scale-set extensions
//! are child resources shown in `virtualMachineProfile.extensionProfile.extensions`.

mod extensions;
mod identity;
pub mod images;
mod render;
mod write;

use extensions::{extension, list_extensions};
use render::{instance_view, render, render_with};
use write::{patch, put};

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::arm::ctx::Ctx;
use crate::arm::lro;
use crate::arm::preconditions::{check_preconditions, etag};
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::state::groups;
use crate::state::machines::{
    self, ComputeDoc, ComputeKind, forget_principal, key, load_extensions, parse, require_parent,
    resource_id,
};

fn get(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    // Rendered after the read: the store's lock is held only while reading.
    let (doc, extensions) = ctx.shared.store.read(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let doc: ComputeDoc = match tx.get(&k)? {
            Some(r) => parse(&r)?,
            None => return Err(machines::not_found(kind, name, rg)),
        };
        Ok::<_, ArmError>((doc, load_extensions(tx, &k)?))
    })?;
    let body = render_with(ctx, kind, &doc, &extensions, None);
    Ok(ArmResponse::ok(body).header("ETag", etag(doc.etag)))
}

fn delete(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let Some(row) = tx.get(&k)? else {
            return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
        };
        let doc: ComputeDoc = parse(&row)?;
        check_preconditions(
            ctx,
            Some(doc.etag),
            &resource_id(sub, &doc.rg, kind, &doc.name),
        )?;
        forget_principal(tx, &row)?;
        tx.delete_children(&k)?;
        tx.delete(&k)?;
        let op = lro::start(ctx, tx, &k, "Deleting")?;
        Ok(lro::accepted(ctx, &doc.location, &op))
    })
}

/// Lists by resource group or subscription (paged); with `only_readable`, only the resources the
/// caller may perform that action on.
pub fn list(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: Option<&str>,
    only_readable: Option<&str>,
) -> Result<ArmResponse, ArmError> {
    ctx.list_kind(kind.store_kind(), rg, only_readable, |tx, row| {
        let doc: ComputeDoc = parse(row)?;
        render(ctx, tx, kind, &row.key, &doc, None)
    })
}

/// `GET .../{name}/providers/Microsoft.ManagedIdentity/identities/default`: the system-assigned
/// identity, with its client id.
fn system_identity(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    ctx.shared.store.tx(|tx| {
        let (_, doc) = require_parent(tx, kind, sub, rg, name)?;
        let Some(s) = &doc.identity.system else {
            return Err(ArmError::resource_not_found(
                &format!(
                    "{}/{name}/providers/Microsoft.ManagedIdentity/identities/default",
                    kind.full_type()
                ),
                rg,
            ));
        };
        let id = format!(
            "{}/providers/Microsoft.ManagedIdentity/identities/default",
            resource_id(sub, &doc.rg, kind, &doc.name)
        );
        Ok(ArmResponse::ok(json!({
            "id": id,
            "name": "default",
            "type": "Microsoft.ManagedIdentity/identities",
            "location": doc.location,
            "tags": {},
            "properties": {
                "tenantId": ctx.shared.seed.tenant_id,
                "principalId": s.principal_id,
                "clientId": s.client_id,
                "clientSecretUrl": format!(
                    "{}{id}/credentials?tid={}&oid={}&aid={}",
                    ctx.shared.endpoint, ctx.shared.seed.tenant_id, s.principal_id, s.client_id
                ),
            },
        })))
    })
}

/// `.../Microsoft.Compute/{virtualMachines|virtualMachineScaleSets}/{name}[/...]`.
pub fn handle(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
    rest: &[String],
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let only = |m: Method| -> Result<(), ArmError> {
        if ctx.method == m {
            Ok(())
        } else {
            Err(ArmError::method_not_allowed(ctx.method.as_str()))
        }
    };
    match (lower.as_slice(), kind) {
        ([], _) => match ctx.method {
            Method::GET => get(ctx, kind, rg, name),
            Method::PUT => put(ctx, kind, rg, name),
            Method::PATCH => patch(ctx, kind, rg, name),
            Method::DELETE => delete(ctx, kind, rg, name),
            ref m => Err(ArmError::method_not_allowed(m.as_str())),
        },
        (["extensions"], _) => {
            only(Method::GET)?;
            list_extensions(ctx, kind, rg, name)
        }
        (["extensions", _], _) => extension(ctx, kind, rg, name, &rest[1]),
        (["manualupgrade"], ComputeKind::Vmss) => {
            only(Method::POST)?;
            ctx.shared.store.tx(|tx| {
                let (pk, doc) = require_parent(tx, kind, sub, rg, name)?;
                let op = lro::start(ctx, tx, &pk, "Updating")?;
                Ok(lro::accepted(ctx, &doc.location, &op))
            })
        }
        (["virtualmachines"], ComputeKind::Vmss) => {
            only(Method::GET)?;
            ctx.shared.store.tx(|tx| {
                require_parent(tx, kind, sub, rg, name)?;
                Ok(ArmResponse::ok(json!({"value": []})))
            })
        }
        (["instanceview"], _) => {
            only(Method::GET)?;
            ctx.shared.store.tx(|tx| {
                let (_, doc) = require_parent(tx, kind, sub, rg, name)?;
                Ok(ArmResponse::ok(instance_view(
                    &doc.name,
                    doc.time_created_ms,
                )))
            })
        }
        (
            [
                "providers",
                "microsoft.managedidentity",
                "identities",
                "default",
            ],
            _,
        ) => {
            only(Method::GET)?;
            system_identity(ctx, kind, rg, name)
        }
        _ => Err(ArmError::invalid_resource_type(
            &format!("{}/{}", kind.type_name(), rest.join("/")),
            "Microsoft.Compute",
            &ctx.api_version,
        )),
    }
}
