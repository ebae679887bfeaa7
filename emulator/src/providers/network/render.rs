//! The wire shapes of Microsoft.Network resources: what a stored document answers, with the
//! read-only fields (`provisioningState`, `resourceGuid`, etags, ids of children) and the computed
//! back-references (a subnet's `ipConfigurations`, a NIC's `virtualMachine`, ...).

use serde_json::{Map, Value, json};

use crate::catalog::errors::ArmError;
use crate::state::network::{
    self, NetDoc, NetKind, ip_configurations, name_of, props_of, resource_id, subnets,
};
use crate::store::Tx;
use crate::util;

pub fn etag(guid: &str) -> String {
    format!("W/\"{guid}\"")
}

fn refs(ids: Vec<String>) -> Value {
    Value::Array(ids.into_iter().map(|id| json!({"id": id})).collect())
}

/// The default rules every network security group has.
fn default_rules(nsg_id: &str, etag_value: &str) -> Value {
    let rules = [
        (
            "AllowVnetInBound",
            "Allow inbound traffic from all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Inbound",
        ),
        (
            "AllowAzureLoadBalancerInBound",
            "Allow inbound traffic from azure load balancer",
            "AzureLoadBalancer",
            "*",
            "Allow",
            65001,
            "Inbound",
        ),
        (
            "DenyAllInBound",
            "Deny all inbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Inbound",
        ),
        (
            "AllowVnetOutBound",
            "Allow outbound traffic from all VMs to all VMs in VNET",
            "VirtualNetwork",
            "VirtualNetwork",
            "Allow",
            65000,
            "Outbound",
        ),
        (
            "AllowInternetOutBound",
            "Allow outbound traffic from all VMs to Internet",
            "*",
            "Internet",
            "Allow",
            65001,
            "Outbound",
        ),
        (
            "DenyAllOutBound",
            "Deny all outbound traffic",
            "*",
            "*",
            "Deny",
            65500,
            "Outbound",
        ),
    ];
    Value::Array(
        rules
            .iter()
            .map(|(name, desc, src, dst, access, prio, dir)| {
                json!({
                    "name": name,
                    "id": format!("{nsg_id}/defaultSecurityRules/{name}"),
                    "etag": etag_value,
                    "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "description": desc,
                        "protocol": "*",
                        "sourcePortRange": "*",
                        "destinationPortRange": "*",
                        "sourceAddressPrefix": src,
                        "destinationAddressPrefix": dst,
                        "access": access,
                        "priority": prio,
                        "direction": dir,
                        "sourcePortRanges": [],
                        "destinationPortRanges": [],
                        "sourceAddressPrefixes": [],
                        "destinationAddressPrefixes": []
                    }
                })
            })
            .collect(),
    )
}

/// A subnet of `vnet` as the service shows it.
pub fn render_subnet(
    tx: &Tx<'_>,
    sub: &str,
    vnet: &NetDoc,
    subnet: &Map<String, Value>,
) -> Result<Value, ArmError> {
    let name = name_of(subnet);
    let id = format!(
        "{}/subnets/{name}",
        resource_id(sub, &vnet.rg, NetKind::Vnet, &vnet.name)
    );
    let guid = vnet
        .child_etags
        .get(&name.to_ascii_lowercase())
        .and_then(Value::as_str)
        .unwrap_or(&vnet.etag);
    let mut props = props_of(subnet).cloned().unwrap_or_default();
    props.insert("provisioningState".into(), json!("Succeeded"));
    let used = network::ip_configurations_using(tx, sub, "subnet", &id)?;
    util::remove_ci(&mut props, "ipConfigurations");
    if !used.is_empty() {
        props.insert("ipConfigurations".into(), refs(used));
    }
    for (k, v) in [
        ("delegations", json!([])),
        ("privateEndpointNetworkPolicies", json!("Disabled")),
        ("privateLinkServiceNetworkPolicies", json!("Enabled")),
    ] {
        if util::get_ci(&props, k).is_none() {
            props.insert(k.into(), v);
        }
    }
    Ok(json!({
        "name": name,
        "id": id,
        "etag": etag(guid),
        "properties": props,
        "type": "Microsoft.Network/virtualNetworks/subnets",
    }))
}

/// A load balancer's children with their ids, etags and types, and the back-references among
/// them (a frontend's, pool's or probe's `loadBalancingRules`, ...).
fn render_lb_children(props: &mut Map<String, Value>, lb_id: &str, tag: &str) {
    let stored: Vec<(&str, Vec<Map<String, Value>>)> = network::LB_CHILDREN
        .iter()
        .map(|ty| {
            let items = util::get_ci(props, ty)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|c| c.as_object().cloned()).collect())
                .unwrap_or_default();
            (*ty, items)
        })
        .collect();
    // Who names child `id`: `(collection, ids)` per referring collection.
    let users = |id: &str| -> Vec<(&str, Vec<String>)> {
        ["loadBalancingRules", "inboundNatRules", "inboundNatPools"]
            .iter()
            .map(|rty| {
                let ids: Vec<String> = stored
                    .iter()
                    .filter(|(t, _)| t == rty)
                    .flat_map(|(_, items)| items.iter())
                    .filter(|c| {
                        props_of(c).is_some_and(|p| {
                            [
                                ("frontendIPConfiguration", false),
                                ("backendAddressPool", false),
                                ("backendAddressPools", true),
                                ("probe", false),
                            ]
                            .iter()
                            .flat_map(|(f, l)| super::models::refs_in(p, f, *l))
                            .any(|r| network::same_id(&r, id))
                        })
                    })
                    .map(|c| format!("{lb_id}/{rty}/{}", name_of(c)))
                    .collect();
                (*rty, ids)
            })
            .filter(|(_, ids)| !ids.is_empty())
            .collect()
    };
    for (ty, items) in &stored {
        let rendered: Vec<Value> = items
            .iter()
            .map(|c| {
                let name = name_of(c);
                let id = format!("{lb_id}/{ty}/{name}");
                let mut p = props_of(c).cloned().unwrap_or_default();
                p.insert("provisioningState".into(), json!("Succeeded"));
                for (rty, ids) in users(&id) {
                    p.insert(rty.into(), refs(ids));
                }
                let mut o = Map::new();
                o.insert("name".into(), json!(name));
                o.insert("id".into(), json!(id));
                o.insert("etag".into(), json!(tag));
                o.insert(
                    "type".into(),
                    json!(format!("{}/{ty}", NetKind::Lb.full_type())),
                );
                o.insert("properties".into(), Value::Object(p));
                if let Some(z) = util::get_ci(c, "zones") {
                    o.insert("zones".into(), z.clone());
                }
                Value::Object(o)
            })
            .collect();
        util::remove_ci(props, ty);
        props.insert((*ty).into(), Value::Array(rendered));
    }
    if util::get_ci(props, "outboundRules").is_none() {
        props.insert("outboundRules".into(), json!([]));
    }
}

/// A resource as the service shows it.
pub fn render(tx: &Tx<'_>, sub: &str, kind: NetKind, doc: &NetDoc) -> Result<Value, ArmError> {
    let id = resource_id(sub, &doc.rg, kind, &doc.name);
    let tag = etag(&doc.etag);
    let mut props = doc.properties.clone();
    props.insert("provisioningState".into(), json!("Succeeded"));
    props.insert("resourceGuid".into(), json!(doc.resource_guid));
    match kind {
        NetKind::Vnet => {
            let mut rendered = Vec::new();
            for s in subnets(doc) {
                rendered.push(render_subnet(tx, sub, doc, &s)?);
            }
            util::remove_ci(&mut props, "subnets");
            props.insert("subnets".into(), Value::Array(rendered));
            if util::get_ci(&props, "virtualNetworkPeerings").is_none() {
                props.insert("virtualNetworkPeerings".into(), json!([]));
            }
            if util::get_ci(&props, "enableDdosProtection").is_none() {
                props.insert("enableDdosProtection".into(), json!(false));
            }
        }
        NetKind::Nsg => {
            if util::get_ci(&props, "securityRules").is_none() {
                props.insert("securityRules".into(), json!([]));
            }
            props.insert("defaultSecurityRules".into(), default_rules(&id, &tag));
            let nics = network::nics_with_nsg(tx, sub, &id)?;
            if !nics.is_empty() {
                props.insert("networkInterfaces".into(), refs(nics));
            }
            let subs = network::subnets_with_nsg(tx, sub, &id)?;
            if !subs.is_empty() {
                props.insert("subnets".into(), refs(subs));
            }
        }
        NetKind::Pip => {
            let used = network::ip_configurations_using(tx, sub, "publicIPAddress", &id)?;
            if let Some(c) = used.into_iter().next() {
                props.insert("ipConfiguration".into(), json!({"id": c}));
            }
        }
        NetKind::Lb => render_lb_children(&mut props, &id, &tag),
        NetKind::Nic => {
            let configs: Vec<Value> = ip_configurations(doc)
                .iter()
                .map(|c| {
                    let name = name_of(c);
                    let mut p = props_of(c).cloned().unwrap_or_default();
                    p.insert("provisioningState".into(), json!("Succeeded"));
                    json!({
                        "name": name,
                        "id": format!("{id}/ipConfigurations/{name}"),
                        "etag": tag,
                        "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                        "properties": p,
                    })
                })
                .collect();
            util::remove_ci(&mut props, "ipConfigurations");
            props.insert("ipConfigurations".into(), Value::Array(configs));
            util::remove_ci(&mut props, "virtualMachine");
            if let Some(vm) = network::vm_using_nic(tx, sub, &id)? {
                props.insert("virtualMachine".into(), json!({"id": vm}));
            }
        }
    }
    let mut o = Map::new();
    o.insert("name".into(), json!(doc.name));
    o.insert("id".into(), json!(id));
    o.insert("etag".into(), json!(tag));
    o.insert("type".into(), json!(kind.full_type()));
    o.insert("location".into(), json!(doc.location));
    if let Some(t) = doc.tags.as_ref().filter(|t| !t.is_null()) {
        o.insert("tags".into(), t.clone());
    }
    for (k, v) in &doc.extra {
        o.insert(k.clone(), v.clone());
    }
    if let Some(s) = &doc.sku {
        o.insert("sku".into(), s.clone());
    }
    o.insert("properties".into(), Value::Object(props));
    Ok(Value::Object(o))
}
