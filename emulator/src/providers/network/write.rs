//! Writes of Network resources: PUT (create or replace), PATCH of tags, DELETE with the in-use
//! checks the service makes, and subnets as child resources.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::models::{
    HANDLED_TOP, check_ref, computed, lb_props, nic_props, pip_props, strip, subnet_free,
    subnets_of,
};
use super::render::{render, render_subnet};
use super::{load, not_found};
use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::errors::ArmError;
use crate::catalog::regions;
use crate::state::groups::{self, rg_key};
use crate::state::network::{self, NetDoc, NetKind, key, name_of, ref_id, resource_id, subnets};
use crate::util;

pub(super) fn put(
    ctx: &Ctx<'_>,
    kind: NetKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let body = ctx.body_object()?;
    let location = match util::get_ci(&body, "location") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(regions::for_resource_type(s, &kind.full_type())?),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'location'.",
            ));
        }
    };
    let tags = match util::get_ci(&body, "tags") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token when reading tags. Path 'tags'.",
            ));
        }
    };
    let mut props = match util::get_ci(&body, "properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties'.",
            ));
        }
    };
    strip(&mut props, computed(kind));
    let mut sku = util::get_ci(&body, "sku").filter(|v| !v.is_null()).cloned();
    let extra: Map<String, Value> = body
        .iter()
        .filter(|(k, _)| !HANDLED_TOP.iter().any(|h| h.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        let group = groups::require_rg(tx, sub, rg)?;
        let existing = load(tx, &k)?;
        let location = match (&existing, location) {
            (None, None) => return Err(ArmError::location_required()),
            (Some(e), Some(l)) if e.location != l => {
                return Err(ArmError::invalid_location(&e.name, &e.location, &e.rg, &l));
            }
            (Some(e), _) => e.location.clone(),
            (None, Some(l)) => l,
        };
        let (doc_name, doc_rg) = match &existing {
            Some(e) => (e.name.clone(), e.rg.clone()),
            None => (name.to_string(), group.name.clone()),
        };
        let id = resource_id(sub, &doc_rg, kind, &doc_name);
        let mut child_etags = Map::new();
        match kind {
            NetKind::Vnet => {
                subnets_of(tx, &mut props, &id)?;
                if let Some(old) = &existing {
                    let new_names: Vec<String> = util::get_ci(&props, "subnets")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| {
                                    s.as_object().map(|o| name_of(o).to_ascii_lowercase())
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    for s in subnets(old) {
                        let n = name_of(&s).to_string();
                        if !new_names.contains(&n.to_ascii_lowercase()) {
                            subnet_free(tx, sub, &format!("{id}/subnets/{n}"), &n)?;
                        }
                    }
                }
                for s in network::subnets(&NetDoc {
                    properties: props.clone(),
                    ..blank()
                }) {
                    child_etags.insert(name_of(&s).to_ascii_lowercase(), json!(util::new_guid()));
                }
            }
            NetKind::Nic => nic_props(tx, sub, &mut props, &id, existing.as_ref())?,
            NetKind::Pip => pip_props(&mut props, &mut sku, existing.as_ref()),
            NetKind::Lb => {
                lb_props(tx, sub, &mut props, &id, existing.as_ref())?;
                if let Some(old) = &existing {
                    let now = NetDoc {
                        properties: props.clone(),
                        ..blank()
                    };
                    for ty in network::LB_CHILDREN {
                        let kept = network::children(&now, ty);
                        for c in network::children(old, ty) {
                            let n = name_of(&c);
                            if !kept.iter().any(|k| name_of(k).eq_ignore_ascii_case(n)) {
                                lb_child_free(tx, sub, &id, ty, n)?;
                            }
                        }
                    }
                }
                if sku.is_none() {
                    sku = Some(json!({"name": "Standard", "tier": "Regional"}));
                }
            }
            NetKind::Nsg => {}
        }
        let doc = NetDoc {
            name: doc_name,
            rg: doc_rg,
            location,
            tags,
            properties: props,
            sku,
            extra,
            etag: util::new_guid(),
            resource_guid: existing
                .as_ref()
                .map(|e| e.resource_guid.clone())
                .unwrap_or_else(util::new_guid),
            child_etags,
        };
        tx.put(
            &k,
            kind.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        let body = render(tx, sub, kind, &doc)?;
        let status = if existing.is_some() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(ArmResponse::new(status, body))
    })
}

fn blank() -> NetDoc {
    NetDoc {
        name: String::new(),
        rg: String::new(),
        location: String::new(),
        tags: None,
        properties: Map::new(),
        sku: None,
        extra: Map::new(),
        etag: String::new(),
        resource_guid: String::new(),
        child_etags: Map::new(),
    }
}

/// PATCH: only `tags` change (the service's `UpdateTags`).
pub(super) fn patch_tags(
    ctx: &Ctx<'_>,
    kind: NetKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let body = ctx.body_object()?;
    let tags = match util::get_ci(&body, "tags") {
        None => None,
        Some(Value::Null) => Some(json!({})),
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token when reading tags. Path 'tags'.",
            ));
        }
    };
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc = load(tx, &k)?.ok_or_else(|| not_found(kind, name, rg))?;
        if let Some(t) = tags {
            doc.tags = Some(t);
        }
        doc.etag = util::new_guid();
        tx.put(
            &k,
            kind.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        Ok(ArmResponse::ok(render(tx, sub, kind, &doc)?))
    })
}

pub(super) fn delete(
    ctx: &Ctx<'_>,
    kind: NetKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let Some(doc) = load(tx, &k)? else {
            return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
        };
        let id = resource_id(sub, &doc.rg, kind, &doc.name);
        match kind {
            NetKind::Vnet => {
                for s in subnets(&doc) {
                    let n = name_of(&s).to_string();
                    subnet_free(tx, sub, &format!("{id}/subnets/{n}"), &n)?;
                }
            }
            NetKind::Nic => {
                if let Some(vm) = network::vm_using_nic(tx, sub, &id)? {
                    return Err(ArmError::bad_request(
                        "NicInUse",
                        format!(
                            "Network Interface {id} is used by existing resource {vm}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic."
                        ),
                    ));
                }
            }
            NetKind::Pip => {
                if let Some(by) = network::ip_configurations_using(tx, sub, "publicIPAddress", &id)?.first() {
                    return Err(ArmError::bad_request(
                        "PublicIPAddressInUse",
                        format!(
                            "Public IP address {id} can not be deleted since it is still allocated to resource {by}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip."
                        ),
                    ));
                }
            }
            NetKind::Lb => {
                if let Some((ss, children)) = network::vmss_using_lb(tx, sub, &id)? {
                    return Err(ArmError::bad_request(
                        "LoadBalancerInUseByVirtualMachineScaleSet",
                        format!(
                            "Cannot delete load balancer {id} since its child resources {} are in use by virtual machine scale set {ss}.",
                            children.join(", ")
                        ),
                    )
                    .with_details(vec![]));
                }
            }
            NetKind::Nsg => {
                let mut users = network::nics_with_nsg(tx, sub, &id)?;
                users.extend(network::subnets_with_nsg(tx, sub, &id)?);
                if !users.is_empty() {
                    return Err(ArmError::bad_request(
                        "InUseNetworkSecurityGroupCannotBeDeleted",
                        format!(
                            "Network security group {id} cannot be deleted because it is in use by the following resources: {}. In order to delete the Network security group, remove the association with the resource(s). To learn how to do this, see aka.ms/deletensg.",
                            users.join(", ")
                        ),
                    ));
                }
            }
        }
        tx.delete(&k)?;
        Ok(ArmResponse::empty(StatusCode::OK))
    })
}

pub(super) fn put_subnet(
    ctx: &Ctx<'_>,
    rg: &str,
    vnet: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let body = ctx.body_object()?;
    let mut props = match util::get_ci(&body, "properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties'.",
            ));
        }
    };
    strip(&mut props, &["provisioningState", "ipConfigurations"]);
    let k = key(sub, rg, NetKind::Vnet, vnet);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc = load(tx, &k)?.ok_or_else(|| not_found(NetKind::Vnet, vnet, rg))?;
        let vnet_id = resource_id(sub, &doc.rg, NetKind::Vnet, &doc.name);
        let mut list = subnets(&doc);
        let pos = list
            .iter()
            .position(|s| name_of(s).eq_ignore_ascii_case(name));
        let stored_name = pos
            .map(|i| name_of(&list[i]).to_string())
            .unwrap_or_else(|| name.to_string());
        check_ref(
            tx,
            ref_id(util::get_ci(&props, "networkSecurityGroup")),
            NetKind::Nsg,
            None,
            &format!("{vnet_id}/subnets/{stored_name}"),
        )?;
        let entry: Map<String, Value> = match json!({"name": stored_name, "properties": props}) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        match pos {
            Some(i) => list[i] = entry.clone(),
            None => list.push(entry.clone()),
        }
        util::remove_ci(&mut doc.properties, "subnets");
        doc.properties.insert(
            "subnets".into(),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
        let guid = util::new_guid();
        doc.child_etags
            .insert(stored_name.to_ascii_lowercase(), json!(guid));
        doc.etag = guid;
        tx.put(
            &k,
            NetKind::Vnet.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        let body = render_subnet(tx, sub, &doc, &entry)?;
        let status = if pos.is_some() {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(ArmResponse::new(status, body))
    })
}

pub(super) fn delete_subnet(
    ctx: &Ctx<'_>,
    rg: &str,
    vnet: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, NetKind::Vnet, vnet);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc = load(tx, &k)?.ok_or_else(|| not_found(NetKind::Vnet, vnet, rg))?;
        let vnet_id = resource_id(sub, &doc.rg, NetKind::Vnet, &doc.name);
        let mut list = subnets(&doc);
        let Some(pos) = list
            .iter()
            .position(|s| name_of(s).eq_ignore_ascii_case(name))
        else {
            return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
        };
        let stored = name_of(&list[pos]).to_string();
        subnet_free(tx, sub, &format!("{vnet_id}/subnets/{stored}"), &stored)?;
        list.remove(pos);
        util::remove_ci(&mut doc.properties, "subnets");
        doc.properties.insert(
            "subnets".into(),
            Value::Array(list.into_iter().map(Value::Object).collect()),
        );
        doc.child_etags.remove(&stored.to_ascii_lowercase());
        doc.etag = util::new_guid();
        tx.put(
            &k,
            NetKind::Vnet.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        Ok(ArmResponse::empty(StatusCode::OK))
    })
}

/// A load balancer child as the service shows it, or 404 `NotFound`.
pub(super) fn lb_child_of(
    tx: &crate::store::Tx<'_>,
    sub: &str,
    doc: &NetDoc,
    ty: &str,
    child: &str,
) -> Result<Value, ArmError> {
    let body = render(tx, sub, NetKind::Lb, doc)?;
    body["properties"][ty]
        .as_array()
        .and_then(|a| {
            a.iter().find(|c| {
                c["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(child))
            })
        })
        .cloned()
        .ok_or_else(|| {
            super::child_not_found(&format!(
                "{}/{ty}/{child}",
                resource_id(sub, &doc.rg, NetKind::Lb, &doc.name)
            ))
        })
}

/// Replaces (`Some`) or removes (`None`) child `child` of collection `ty` in a load balancer's
/// stored properties; `Some(true)` when it existed.
fn set_lb_child(
    props: &mut Map<String, Value>,
    ty: &str,
    child: &str,
    entry: Option<Map<String, Value>>,
) -> (bool, String) {
    let mut list = network::children(
        &NetDoc {
            properties: props.clone(),
            ..blank()
        },
        ty,
    );
    let pos = list
        .iter()
        .position(|c| name_of(c).eq_ignore_ascii_case(child));
    let stored = pos
        .map(|i| name_of(&list[i]).to_string())
        .unwrap_or_else(|| child.to_string());
    match (pos, entry) {
        (Some(i), Some(mut e)) => {
            e.insert("name".into(), json!(stored));
            list[i] = e;
        }
        (None, Some(mut e)) => {
            e.insert("name".into(), json!(stored));
            list.push(e);
        }
        (Some(i), None) => {
            list.remove(i);
        }
        (None, None) => {}
    }
    util::remove_ci(props, ty);
    props.insert(
        ty.into(),
        Value::Array(list.into_iter().map(Value::Object).collect()),
    );
    (pos.is_some(), stored)
}

/// PUT of a load balancer child (`inboundNatRules/{name}`, ...): the balancer is rewritten and
/// checked as a whole.
pub(super) fn put_lb_child(
    ctx: &Ctx<'_>,
    rg: &str,
    lb: &str,
    ty: &str,
    child: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let body = ctx.body_object()?;
    let props = match util::get_ci(&body, "properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties'.",
            ));
        }
    };
    let mut entry = Map::new();
    entry.insert("properties".into(), Value::Object(props));
    if let Some(z) = util::get_ci(&body, "zones") {
        entry.insert("zones".into(), z.clone());
    }
    let k = key(sub, rg, NetKind::Lb, lb);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc = load(tx, &k)?.ok_or_else(|| not_found(NetKind::Lb, lb, rg))?;
        let id = resource_id(sub, &doc.rg, NetKind::Lb, &doc.name);
        let old = doc.clone();
        let (existed, stored) = set_lb_child(&mut doc.properties, ty, child, Some(entry.clone()));
        lb_props(tx, sub, &mut doc.properties, &id, Some(&old))?;
        doc.etag = util::new_guid();
        tx.put(
            &k,
            NetKind::Lb.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        let body = lb_child_of(tx, sub, &doc, ty, &stored)?;
        let status = if existed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        };
        Ok(ArmResponse::new(status, body))
    })
}

pub(super) fn delete_lb_child(
    ctx: &Ctx<'_>,
    rg: &str,
    lb: &str,
    ty: &str,
    child: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, NetKind::Lb, lb);
    ctx.shared.store.tx(|tx| {
        groups::require_rg(tx, sub, rg)?;
        let mut doc = load(tx, &k)?.ok_or_else(|| not_found(NetKind::Lb, lb, rg))?;
        let id = resource_id(sub, &doc.rg, NetKind::Lb, &doc.name);
        let (existed, stored) = set_lb_child(&mut doc.properties, ty, child, None);
        if !existed {
            return Ok(ArmResponse::empty(StatusCode::NO_CONTENT));
        }
        lb_child_free(tx, sub, &id, ty, &stored)?;
        let old = load(tx, &k)?;
        lb_props(tx, sub, &mut doc.properties, &id, old.as_ref())?;
        doc.etag = util::new_guid();
        tx.put(
            &k,
            NetKind::Lb.store_kind(),
            None,
            Some(&rg_key(sub, rg)),
            &json!(doc),
        )?;
        Ok(ArmResponse::empty(StatusCode::OK))
    })
}

/// Refuses the removal of a load balancer child a scale set names.
fn lb_child_free(
    tx: &crate::store::Tx<'_>,
    sub: &str,
    lb_id: &str,
    ty: &str,
    name: &str,
) -> Result<(), ArmError> {
    match network::vmss_using_lb(tx, sub, &format!("{lb_id}/{ty}/{name}"))? {
        None => Ok(()),
        Some((ss, _)) => Err(ArmError::bad_request(
            "LoadBalancerInUseByVirtualMachineScaleSet",
            format!(
                "Cannot remove {} {name} from load balancer since it is in use by virtual machine scale set {ss}.",
                lb_child_label(ty)
            ),
        )
        .with_details(vec![])),
    }
}

/// `backend address pool`, `inbound nat pool`, ... as the service's messages name them.
fn lb_child_label(ty: &str) -> &'static str {
    match ty {
        "backendAddressPools" => "backend address pool",
        "inboundNatPools" => "inbound nat pool",
        "inboundNatRules" => "inbound nat rule",
        "loadBalancingRules" => "load balancing rule",
        "probes" => "probe",
        _ => "frontend ip configuration",
    }
}
