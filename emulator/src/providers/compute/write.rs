//! Writes of machines and scale sets (PUT replaces, PATCH merges): the request body, the identity
//! change (with the `assign/action` check on linked user-assigned identities), the scale set's
//! extensions given in its model.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::identity::{self, IdentityRequest, Mode, Shape};
use super::render::render;
use crate::arm::access::linked_authorization_failed;
use crate::arm::ctx::Ctx;
use crate::arm::lro;
use crate::arm::preconditions::{check_preconditions, etag};
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::catalog::regions;
use crate::catalog::roles::ASSIGN_ACTION;
use crate::state::groups::{self, RgDoc, rg_key};
use crate::state::identities;
use crate::state::identity::StoredIdentity;
use crate::state::machines::{
    self, ComputeDoc, ComputeKind, ExtensionDoc, VMSS_EXT_KIND, ext_key, key, mirid, parse,
    resource_id,
};
use crate::state::network::{self, NetKind};
use crate::state::operations::OpRef;
use crate::store::{Principal, Tx};
use crate::util::{self, get_mut_ci};

/// Top-level keys that are not kept in `extra` (read-only or handled separately).
const HANDLED_TOP: [&str; 9] = [
    "id",
    "name",
    "type",
    "etag",
    "resources",
    "location",
    "tags",
    "properties",
    "identity",
];

/// Read-only properties dropped from requests.
fn read_only_properties(kind: ComputeKind) -> &'static [&'static str] {
    match kind {
        ComputeKind::Vm => &["vmId", "provisioningState", "timeCreated", "instanceView"],
        ComputeKind::Vmss => &["uniqueId", "provisioningState", "timeCreated"],
    }
}

fn invalid(detail: &str) -> ArmError {
    ArmError::invalid_content(detail)
}

/// The parts of a PUT or PATCH body, validated before anything is read or written.
struct WriteRequest {
    location: Option<String>,
    /// `None`: absent; `Some(None)`: `null`.
    tags: Option<Option<Value>>,
    /// PUT: the new properties; PATCH: the merge patch.
    properties: Option<Map<String, Value>>,
    identity: Option<IdentityRequest>,
    extra: Map<String, Value>,
    /// Scale-set extensions given in the model.
    extensions: Option<Vec<ExtensionDoc>>,
}

fn strip_read_only(kind: ComputeKind, props: &mut Map<String, Value>) {
    for k in read_only_properties(kind) {
        util::remove_ci(props, k);
    }
}

/// An extension from a request body (`properties` of a PUT, or an extension-profile entry).
pub(super) fn extension_from(
    name: String,
    props: Option<&Value>,
) -> Result<ExtensionDoc, ArmError> {
    let mut properties = match props {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(invalid("Unexpected JSON token. Path 'properties'.")),
    };
    util::remove_ci(&mut properties, "provisioningState");
    util::remove_ci(&mut properties, "instanceView");
    let protected_settings = util::remove_ci(&mut properties, "protectedSettings");
    Ok(ExtensionDoc {
        name,
        location: None,
        tags: None,
        properties,
        protected_settings: protected_settings.filter(|v| !v.is_null()),
        last_op: None,
    })
}

/// Takes `virtualMachineProfile.extensionProfile.extensions` out of scale-set properties.
fn take_vmss_extensions(
    props: &mut Map<String, Value>,
) -> Result<Option<Vec<ExtensionDoc>>, ArmError> {
    let Some(Value::Object(vmp)) = get_mut_ci(props, "virtualMachineProfile") else {
        return Ok(None);
    };
    let Some(Value::Object(ep)) = get_mut_ci(vmp, "extensionProfile") else {
        return Ok(None);
    };
    let Some(exts) = util::remove_ci(ep, "extensions") else {
        return Ok(None);
    };
    let items = match exts {
        Value::Null => Vec::new(),
        Value::Array(a) => a,
        _ => {
            return Err(invalid(
                "Unexpected JSON token. Path 'properties.virtualMachineProfile.extensionProfile.extensions'.",
            ));
        }
    };
    let mut out: Vec<ExtensionDoc> = Vec::new();
    for item in items {
        let Value::Object(m) = item else {
            return Err(invalid(
                "Unexpected JSON token. Path 'properties.virtualMachineProfile.extensionProfile.extensions'.",
            ));
        };
        let name = util::get_ci(&m, "name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                ArmError::missing_parameter(
                    "virtualMachineProfile.extensionProfile.extensions.name",
                )
            })?
            .to_string();
        if out.iter().any(|e| e.name.eq_ignore_ascii_case(&name)) {
            return Err(ArmError::invalid_parameter(
                format!("The extension '{name}' appears more than once in the extension profile."),
                "virtualMachineProfile.extensionProfile.extensions",
            ));
        }
        out.push(extension_from(name, util::get_ci(&m, "properties"))?);
    }
    Ok(Some(out))
}

fn parse_write(ctx: &Ctx<'_>, kind: ComputeKind, mode: Mode) -> Result<WriteRequest, ArmError> {
    let body = ctx.body_object()?;
    let location = match util::get_ci(&body, "location") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(regions::for_resource_type(s, &kind.full_type())?),
        Some(_) => return Err(invalid("Unexpected JSON token. Path 'location'.")),
    };
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
    let mut properties = match util::get_ci(&body, "properties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err(invalid("Unexpected JSON token. Path 'properties'.")),
    };
    let mut extensions = None;
    if let Some(p) = properties.as_mut() {
        strip_read_only(kind, p);
        if kind == ComputeKind::Vmss {
            extensions = take_vmss_extensions(p)?;
        }
    }
    let identity = identity::parse_request(
        util::get_ci(&body, "identity"),
        mode,
        Shape::for_api(&ctx.api_version),
    )?;
    let extra: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| !HANDLED_TOP.iter().any(|h| h.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(WriteRequest {
        location,
        tags,
        properties,
        identity,
        extra,
        extensions,
    })
}

/// Applies an identity request, creating or dropping the system-assigned principal.
#[allow(clippy::too_many_arguments)]
fn apply_identity(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    kind: ComputeKind,
    current: &StoredIdentity,
    req: Option<&IdentityRequest>,
    doc_rg: &str,
    doc_name: &str,
    op: &OpRef,
) -> Result<StoredIdentity, ArmError> {
    let Some(req) = req else {
        return Ok(current.clone());
    };
    let sub = &ctx.shared.seed.subscription_id;
    let id = resource_id(sub, doc_rg, kind, doc_name);
    // Linking a user-assigned identity needs `assign/action` on it (ARM checks before the RP runs).
    let mut refused = Vec::new();
    // Malformed ids are left to the resource provider (400 FailedIdentityOperation).
    for added in identity::requested_additions(current, req) {
        if identities::key_of_id(&added).is_some() && !ctx.permits(tx, ASSIGN_ACTION, &added)? {
            refused.push(added);
        }
    }
    if !refused.is_empty() {
        return Err(linked_authorization_failed(
            &ctx.caller.object_id,
            &format!("{}/write", kind.full_type()),
            &ctx.scope,
            &refused,
        ));
    }
    let applied = identity::apply(
        current,
        req,
        Shape::for_api(&ctx.api_version),
        &id,
        &op.id,
        &mut |uai| identities::resolve(tx, uai),
    )?;
    if let Some(s) = &applied.system_created {
        tx.principal_put(&Principal {
            object_id: s.principal_id.clone(),
            client_id: s.client_id.clone(),
            kind: "SystemAssigned".into(),
            resource: Some(mirid(sub, doc_rg, kind, doc_name)),
            display_name: doc_name.to_string(),
        })?;
    }
    if let Some(s) = &applied.system_removed {
        tx.principal_delete(&s.principal_id)?;
    }
    Ok(applied.identity)
}

/// Replaces the extensions of a scale set with those of its model.
fn replace_vmss_extensions(
    tx: &Tx<'_>,
    parent_key: &str,
    rg_key: &str,
    exts: Vec<ExtensionDoc>,
    op: &OpRef,
) -> Result<(), ArmError> {
    let old = tx.delete_children(parent_key)?;
    let old: Vec<ExtensionDoc> = old.iter().map(parse).collect::<Result<_, _>>()?;
    for mut e in exts {
        if e.protected_settings.is_none() {
            e.protected_settings = old
                .iter()
                .find(|o| o.name.eq_ignore_ascii_case(&e.name))
                .and_then(|o| o.protected_settings.clone());
        }
        e.last_op = Some(OpRef {
            state: "Creating".into(),
            ..op.clone()
        });
        let k = ext_key(parent_key, &e.name);
        tx.put(&k, VMSS_EXT_KIND, Some(parent_key), Some(rg_key), &json!(e))?;
    }
    Ok(())
}

fn write_response(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    kind: ComputeKind,
    key: &str,
    doc: &ComputeDoc,
    op: &OpRef,
    status: StatusCode,
) -> Result<ArmResponse, ArmError> {
    let body = render(ctx, tx, kind, key, doc, Some(op))?;
    Ok(ArmResponse::new(status, body)
        .headers(lro::write_headers(ctx, &doc.location, op))
        .header("ETag", etag(doc.etag)))
}

pub(super) fn put(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let req = parse_write(ctx, kind, Mode::Put)?;
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        let group: RgDoc = groups::require_rg(tx, sub, rg)?;
        let existing: Option<ComputeDoc> = tx.get(&k)?.map(|r| parse(&r)).transpose()?;
        let what = resource_id(sub, &group.name, kind, name);
        check_preconditions(ctx, existing.as_ref().map(|d| d.etag), &what)?;
        let location = match (&existing, req.location.clone()) {
            (None, None) => return Err(ArmError::location_required()),
            (None, Some(l)) => l,
            (Some(d), Some(l)) if l != d.location => {
                return Err(ArmError::invalid_location(&d.name, &d.location, &d.rg, &l));
            }
            (Some(d), _) => d.location.clone(),
        };
        let (doc_name, doc_rg) = match &existing {
            Some(d) => (d.name.clone(), d.rg.clone()),
            None => (name.to_string(), group.name.clone()),
        };
        let state = if existing.is_some() {
            "Updating"
        } else {
            "Creating"
        };
        let op = lro::start(ctx, tx, &k, state)?;
        let current = existing
            .as_ref()
            .map(|d| d.identity.clone())
            .unwrap_or_default();
        let mut identity = apply_identity(
            ctx,
            tx,
            kind,
            &current,
            req.identity.as_ref(),
            &doc_rg,
            &doc_name,
            &op,
        )?;
        // Recorded 2017-12-01 quirk: a VM PUT to `SystemAssigned` that does not name the
        // identityIds still lists them afterwards (scale sets and PATCH drop them).
        let legacy_put = kind == ComputeKind::Vm
            && Shape::for_api(&ctx.api_version) == Shape::List
            && req
                .identity
                .as_ref()
                .is_some_and(|r| !r.kind.user() && r.user == identity::UserChange::Keep);
        if legacy_put {
            identity.legacy_ids = if current.user.is_empty() {
                current.legacy_ids.clone()
            } else {
                current.user.iter().map(|u| u.id.clone()).collect()
            };
        }
        let mut properties = req.properties.clone().unwrap_or_default();
        // The image of an existing machine cannot change; `az vm update` PUTs the model without it.
        if let Some(old) = existing.as_ref().filter(|_| kind == ComputeKind::Vm) {
            keep_image_reference(&mut properties, &old.properties);
        }
        if kind == ComputeKind::Vm {
            check_nics(tx, &properties)?;
        } else {
            check_pools(tx, &properties, &resource_id(sub, &doc_rg, kind, &doc_name))?;
        }
        let doc = ComputeDoc {
            name: doc_name,
            rg: doc_rg,
            location,
            tags: req.tags.clone().flatten(),
            extra: req.extra.clone(),
            properties,
            identity,
            unique_id: existing
                .as_ref()
                .map(|d| d.unique_id.clone())
                .unwrap_or_else(util::new_guid),
            time_created_ms: existing
                .as_ref()
                .map(|d| d.time_created_ms)
                .unwrap_or_else(util::now_ms),
            etag: existing.as_ref().map(|d| d.etag + 1).unwrap_or(1),
            last_op: Some(op.clone()),
        };
        let group_key = rg_key(sub, rg);
        tx.put(&k, kind.store_kind(), None, Some(&group_key), &json!(doc))?;
        if kind == ComputeKind::Vmss {
            let exts = req.extensions.clone().unwrap_or_default();
            replace_vmss_extensions(tx, &k, &group_key, exts, &op)?;
        }
        let status = if existing.is_some() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        write_response(ctx, tx, kind, &k, &doc, &op, status)
    })
}

/// Every network interface a machine names must exist (the compute service refuses the write).
fn check_nics(tx: &Tx<'_>, properties: &Map<String, Value>) -> Result<(), ArmError> {
    for id in network::nic_ids_of(properties) {
        if !network::exists(tx, &id, NetKind::Nic, None)? {
            return Err(ArmError::bad_request(
                "NotFound",
                format!("Resource {id} not found."),
            ));
        }
    }
    Ok(())
}

/// Every load balancer pool a scale set's ip configurations name must exist (the network service
/// refuses the reference with `InvalidResourceReference`).
fn check_pools(
    tx: &Tx<'_>,
    properties: &Map<String, Value>,
    vmss_id: &str,
) -> Result<(), ArmError> {
    for (field, child) in [
        ("loadBalancerBackendAddressPools", "backendaddresspools"),
        ("loadBalancerInboundNatPools", "inboundnatpools"),
    ] {
        for id in network::vmss_ip_configuration_refs(properties, field) {
            if !network::exists(tx, &id, NetKind::Lb, Some(child))? {
                return Err(crate::providers::network::invalid_reference(&id, vmss_id));
            }
        }
    }
    Ok(())
}

fn keep_image_reference(new: &mut Map<String, Value>, old: &Map<String, Value>) {
    let Some(old_image) = util::get_ci(old, "storageProfile")
        .and_then(Value::as_object)
        .and_then(|sp| util::get_ci(sp, "imageReference"))
        .cloned()
    else {
        return;
    };
    if !matches!(get_mut_ci(new, "storageProfile"), Some(Value::Object(_))) {
        util::remove_ci(new, "storageProfile");
        new.insert("storageProfile".into(), json!({}));
    }
    if let Some(sp) = get_mut_ci(new, "storageProfile")
        .and_then(Value::as_object_mut)
        .filter(|sp| util::get_ci(sp, "imageReference").is_none())
    {
        sp.insert("imageReference".into(), old_image);
    }
}

pub(super) fn patch(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let req = parse_write(ctx, kind, Mode::Patch)?;
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc: ComputeDoc = match tx.get(&k)? {
            Some(r) => parse(&r)?,
            None => return Err(machines::not_found(kind, name, rg)),
        };
        check_preconditions(
            ctx,
            Some(doc.etag),
            &resource_id(sub, &doc.rg, kind, &doc.name),
        )?;
        let op = lro::start(ctx, tx, &k, "Updating")?;
        doc.identity = apply_identity(
            ctx,
            tx,
            kind,
            &doc.identity,
            req.identity.as_ref(),
            &doc.rg.clone(),
            &doc.name.clone(),
            &op,
        )?;
        if let Some(patch) = &req.properties {
            let mut merged = Value::Object(std::mem::take(&mut doc.properties));
            util::merge_patch(&mut merged, &Value::Object(patch.clone()));
            doc.properties = match merged {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            strip_read_only(kind, &mut doc.properties);
            if kind == ComputeKind::Vm {
                check_nics(tx, &doc.properties)?;
            } else {
                let id = resource_id(sub, &doc.rg, kind, &doc.name);
                check_pools(tx, &doc.properties, &id)?;
            }
        }
        if !req.extra.is_empty() {
            let mut merged = Value::Object(std::mem::take(&mut doc.extra));
            util::merge_patch(&mut merged, &Value::Object(req.extra.clone()));
            doc.extra = match merged {
                Value::Object(m) => m,
                _ => Map::new(),
            };
        }
        if let Some(t) = &req.tags {
            doc.tags = t.clone();
        }
        doc.etag += 1;
        doc.last_op = Some(op.clone());
        let group_key = rg_key(sub, rg);
        tx.put(&k, kind.store_kind(), None, Some(&group_key), &json!(doc))?;
        if let Some(exts) = req.extensions.clone() {
            replace_vmss_extensions(tx, &k, &group_key, exts, &op)?;
        }
        write_response(ctx, tx, kind, &k, &doc, &op, StatusCode::OK)
    })
}

#[cfg(test)]
mod tests {
    use super::super::render::inject_vmss_extensions;
    use super::*;

    #[test]
    fn scale_set_extensions_move_between_model_and_children() {
        let mut props: Map<String, Value> = serde_json::from_value(json!({
            "virtualMachineProfile": {"extensionProfile": {"extensions": [
                {"name": "MSI", "properties": {"publisher": "Microsoft.ManagedIdentity",
                    "protectedSettings": {"s": 1}, "provisioningState": "Succeeded"}}]}}}))
        .unwrap();
        let exts = take_vmss_extensions(&mut props).unwrap().unwrap();
        assert_eq!(exts.len(), 1);
        assert_eq!(exts[0].protected_settings, Some(json!({"s": 1})));
        assert!(exts[0].properties.get("provisioningState").is_none());
        assert_eq!(
            props,
            serde_json::from_value::<Map<String, Value>>(
                json!({"virtualMachineProfile": {"extensionProfile": {}}})
            )
            .unwrap()
        );
        inject_vmss_extensions(&mut props, &exts, "2022-11-01");
        assert_eq!(
            props["virtualMachineProfile"]["extensionProfile"]["extensions"],
            json!([{"name": "MSI", "properties": {"publisher": "Microsoft.ManagedIdentity"}}])
        );
        let mut empty = props.clone();
        take_vmss_extensions(&mut empty).unwrap();
        inject_vmss_extensions(&mut empty, &[], "2022-11-01");
        assert_eq!(empty["virtualMachineProfile"], json!({}));
    }

    #[test]
    fn image_reference_is_kept_on_update() {
        let old: Map<String, Value> = serde_json::from_value(json!({
            "storageProfile": {"imageReference": {"sku": "8"}, "osDisk": {}}}))
        .unwrap();
        let mut new: Map<String, Value> =
            serde_json::from_value(json!({"storageProfile": {"osDisk": {"x": 1}}})).unwrap();
        keep_image_reference(&mut new, &old);
        assert_eq!(new["storageProfile"]["imageReference"], json!({"sku": "8"}));
        assert_eq!(new["storageProfile"]["osDisk"], json!({"x": 1}));
    }
}
