//! Extensions of machines and scale sets: `.../{name}/extensions[/{ext}]`.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::render::render_extension;
use super::write::extension_from;
use crate::arm::ctx::Ctx;
use crate::arm::lro;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::catalog::regions;
use crate::state::groups::rg_key;
use crate::state::machines::{
    ComputeKind, ExtensionDoc, ext_key, load_extensions, parse, require_parent, resource_id,
};
use crate::state::operations;
use crate::util;

fn invalid(detail: &str) -> ArmError {
    ArmError::invalid_content(detail)
}

fn ext_not_found(kind: ComputeKind, name: &str, ext: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{}/{name}/extensions/{ext}", kind.full_type()), rg)
}

pub(super) fn list_extensions(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    ctx.shared.store.tx(|tx| {
        let (pk, parent) = require_parent(tx, kind, sub, rg, name)?;
        let id = resource_id(sub, &parent.rg, kind, &parent.name);
        let now = util::now_ms();
        let value: Vec<Value> = load_extensions(tx, &pk)?
            .iter()
            .map(|e| {
                let s = operations::provisioning_state(e.last_op.as_ref(), now);
                render_extension(ctx, kind, &id, e, &s)
            })
            .collect();
        Ok(ArmResponse::ok(json!({ "value": value })))
    })
}

pub(super) fn extension(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
    ext: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    match ctx.method {
        Method::GET => ctx.shared.store.tx(|tx| {
            let (pk, parent) = require_parent(tx, kind, sub, rg, name)?;
            let row = tx
                .get(&ext_key(&pk, ext))?
                .ok_or_else(|| ext_not_found(kind, name, ext, rg))?;
            let doc: ExtensionDoc = parse(&row)?;
            let state = operations::provisioning_state(doc.last_op.as_ref(), util::now_ms());
            let id = resource_id(sub, &parent.rg, kind, &parent.name);
            Ok(ArmResponse::ok(render_extension(
                ctx, kind, &id, &doc, &state,
            )))
        }),
        Method::PUT | Method::PATCH => {
            let patching = ctx.method == Method::PATCH;
            let body = ctx.body_object()?;
            let incoming = extension_from(ext.to_string(), util::get_ci(&body, "properties"))?;
            let location = util::get_ci(&body, "location")
                .and_then(Value::as_str)
                .filter(|l| !l.trim().is_empty())
                .map(|l| regions::for_resource_type(l, &format!("{}/extensions", kind.full_type())))
                .transpose()?;
            let tags = match util::get_ci(&body, "tags") {
                None => None,
                Some(Value::Null) => Some(None),
                Some(v @ Value::Object(_)) => Some(Some(v.clone())),
                Some(_) => {
                    return Err(invalid(
                        "Unexpected JSON token when reading tags. Path 'tags'.",
                    ));
                }
            };
            if !patching {
                for required in ["publisher", "type", "typeHandlerVersion"] {
                    if !util::get_ci(&incoming.properties, required).is_some_and(Value::is_string) {
                        return Err(ArmError::missing_parameter(required));
                    }
                }
            }
            ctx.shared.store.tx(|tx| {
                let (pk, mut parent) = require_parent(tx, kind, sub, rg, name)?;
                let ek = ext_key(&pk, ext);
                let existing: Option<ExtensionDoc> = tx.get(&ek)?.map(|r| parse(&r)).transpose()?;
                if patching && existing.is_none() {
                    return Err(ext_not_found(kind, name, ext, rg));
                }
                let state = if existing.is_some() {
                    "Updating"
                } else {
                    "Creating"
                };
                let op = lro::start(ctx, tx, &ek, state)?;
                let mut doc = match (&existing, patching) {
                    (Some(old), true) => {
                        let mut merged = Value::Object(old.properties.clone());
                        util::merge_patch(&mut merged, &Value::Object(incoming.properties.clone()));
                        ExtensionDoc {
                            properties: merged.as_object().cloned().unwrap_or_default(),
                            protected_settings: incoming
                                .protected_settings
                                .clone()
                                .or_else(|| old.protected_settings.clone()),
                            ..old.clone()
                        }
                    }
                    _ => ExtensionDoc {
                        name: existing
                            .as_ref()
                            .map(|e| e.name.clone())
                            .unwrap_or_else(|| ext.to_string()),
                        ..incoming.clone()
                    },
                };
                if kind == ComputeKind::Vm {
                    doc.location = location
                        .clone()
                        .or_else(|| existing.as_ref().and_then(|e| e.location.clone()))
                        .or_else(|| Some(parent.location.clone()));
                }
                if let Some(t) = tags.clone() {
                    doc.tags = t;
                } else if !patching {
                    doc.tags = None;
                }
                doc.last_op = Some(op.clone());
                tx.put(
                    &ek,
                    kind.ext_store_kind(),
                    Some(&pk),
                    Some(&rg_key(sub, rg)),
                    &json!(doc),
                )?;
                if kind == ComputeKind::Vmss {
                    // The extension is part of the scale set's model.
                    parent.etag += 1;
                    tx.put(
                        &pk,
                        kind.store_kind(),
                        None,
                        Some(&rg_key(sub, rg)),
                        &json!(parent),
                    )?;
                }
                let id = resource_id(sub, &parent.rg, kind, &parent.name);
                let status = if existing.is_some() {
                    StatusCode::OK
                } else {
                    StatusCode::CREATED
                };
                Ok(
                    ArmResponse::new(status, render_extension(ctx, kind, &id, &doc, state))
                        .headers(lro::write_headers(ctx, &parent.location, &op)),
                )
            })
        }
        Method::DELETE => ctx.shared.store.tx(|tx| {
            let (pk, mut parent) = require_parent(tx, kind, sub, rg, name)?;
            let ek = ext_key(&pk, ext);
            if !tx.delete(&ek)? {
                return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
            }
            if kind == ComputeKind::Vmss {
                parent.etag += 1;
                tx.put(
                    &pk,
                    kind.store_kind(),
                    None,
                    Some(&rg_key(sub, rg)),
                    &json!(parent),
                )?;
            }
            let op = lro::start(ctx, tx, &ek, "Deleting")?;
            Ok(lro::accepted(ctx, &parent.location, &op))
        }),
        ref m => Err(ArmError::method_not_allowed(m.as_str())),
    }
}
