//! Microsoft.Network, minimal and stateful: virtual networks (with subnets, also as child
//! resources), network security groups, public IP addresses, network interfaces and load balancers
//! (frontends, backend pools, rules, NAT pools and probes kept inside). Writes are
//! synchronous (`provisioningState: Succeeded`, 201 on create, 200 on update); references are
//! checked as the service checks them (`InvalidResourceReference`), and resources in use cannot be
//! deleted (`InUseSubnetCannotBeDeleted`, `NicInUse`, `PublicIPAddressInUse`,
//! `InUseNetworkSecurityGroupCannotBeDeleted`, `LoadBalancerInUseByVirtualMachineScaleSet`).

mod models;
mod render;
mod write;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::state::groups;
use crate::state::network::{self, NetDoc, NetKind, key, parse, resource_id, subnets};
pub(crate) use models::invalid_reference;
use render::{render, render_subnet};

pub(crate) fn not_found(kind: NetKind, name: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{}/{name}", kind.full_type()), rg)
}

/// 404 `NotFound` of a missing child resource.
pub(crate) fn child_not_found(id: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        format!("Resource {id} not found."),
    )
    .with_details(vec![])
}

fn load(tx: &crate::store::Tx<'_>, k: &str) -> Result<Option<NetDoc>, ArmError> {
    tx.get(k)?.map(|r| parse(&r)).transpose()
}

/// `.../resourceGroups/{rg}/providers/Microsoft.Network/{type}/{name}[/subnets[/{subnet}]]`.
pub fn handle(
    ctx: &Ctx<'_>,
    kind: NetKind,
    rg: &str,
    name: &str,
    rest: &[String],
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    let lower: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match (lower.as_slice(), kind) {
        ([], _) => match ctx.method {
            Method::GET => ctx.shared.store.tx(|tx| {
                groups::require_rg(tx, sub, rg)?;
                let doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
                let body = render(tx, sub, kind, &doc)?;
                Ok(ArmResponse::ok(body).header("ETag", render::etag(&doc.etag)))
            }),
            Method::PUT => write::put(ctx, kind, rg, name),
            Method::PATCH => write::patch_tags(ctx, kind, rg, name),
            Method::DELETE => write::delete(ctx, kind, rg, name),
            ref m => Err(ArmError::method_not_allowed(m.as_str())),
        },
        (["subnets"], NetKind::Vnet) => {
            if ctx.method != Method::GET {
                return Err(ArmError::method_not_allowed(ctx.method.as_str()));
            }
            ctx.shared.store.tx(|tx| {
                groups::require_rg(tx, sub, rg)?;
                let doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
                let mut value = Vec::new();
                for s in subnets(&doc) {
                    value.push(render_subnet(tx, sub, &doc, &s)?);
                }
                Ok(ArmResponse::ok(json!({ "value": value })))
            })
        }
        (["subnets", _], NetKind::Vnet) => match ctx.method {
            Method::GET => ctx.shared.store.tx(|tx| {
                groups::require_rg(tx, sub, rg)?;
                let doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
                let s = subnets(&doc)
                    .into_iter()
                    .find(|s| network::name_of(s).eq_ignore_ascii_case(&rest[1]))
                    .ok_or_else(|| {
                        child_not_found(&format!(
                            "{}/subnets/{}",
                            resource_id(sub, &doc.rg, kind, &doc.name),
                            rest[1]
                        ))
                    })?;
                Ok(ArmResponse::ok(render_subnet(tx, sub, &doc, &s)?))
            }),
            Method::PUT => write::put_subnet(ctx, rg, name, &rest[1]),
            Method::DELETE => write::delete_subnet(ctx, rg, name, &rest[1]),
            ref m => Err(ArmError::method_not_allowed(m.as_str())),
        },
        ([child] | [child, _], NetKind::Lb)
            if network::LB_CHILDREN
                .iter()
                .any(|t| t.eq_ignore_ascii_case(child)) =>
        {
            let ty = network::LB_CHILDREN
                .into_iter()
                .find(|t| t.eq_ignore_ascii_case(child))
                .unwrap_or(child);
            let child_name = rest.get(1).map(String::as_str);
            match (&ctx.method, child_name) {
                (&Method::GET, None) => ctx.shared.store.tx(|tx| {
                    groups::require_rg(tx, sub, rg)?;
                    let doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
                    let body = render(tx, sub, kind, &doc)?;
                    let value = body["properties"][ty].clone();
                    Ok(ArmResponse::ok(json!({ "value": value })))
                }),
                (&Method::GET, Some(c)) => ctx.shared.store.tx(|tx| {
                    groups::require_rg(tx, sub, rg)?;
                    let doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
                    Ok(ArmResponse::ok(write::lb_child_of(tx, sub, &doc, ty, c)?))
                }),
                (&Method::PUT, Some(c)) => write::put_lb_child(ctx, rg, name, ty, c),
                (&Method::DELETE, Some(c)) => write::delete_lb_child(ctx, rg, name, ty, c),
                (m, _) => Err(ArmError::method_not_allowed(m.as_str())),
            }
        }
        _ => Err(ArmError::invalid_resource_type(
            &format!("{}/{}", kind.type_name(), rest.join("/")),
            network::NS,
            &ctx.api_version,
        )),
    }
}

/// Lists by resource group or subscription (paged); with `only_readable`, only what the caller may
/// perform that action on.
pub fn list(
    ctx: &Ctx<'_>,
    kind: NetKind,
    rg: Option<&str>,
    only_readable: Option<&str>,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    ctx.list_kind(kind.store_kind(), rg, only_readable, |tx, row| {
        render(tx, sub, kind, &parse(row)?)
    })
}
