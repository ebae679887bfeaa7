//! The request models of Network resources: read-only and computed fields dropped, references
//! checked (`InvalidResourceReference`), the addresses chosen once (a NIC's private IP, a static
//! public IP), and the in-use check of subnets.

use serde_json::{Map, Value, json};

use super::load;
use crate::catalog::errors::ArmError;
use crate::state::network::{
    self, NetDoc, NetKind, ip_configurations, name_of, props_of, ref_id, subnets,
};
use crate::store::Tx;
use crate::util;

pub(super) const HANDLED_TOP: [&str; 8] = [
    "id",
    "name",
    "type",
    "etag",
    "location",
    "tags",
    "properties",
    "sku",
];

/// Read-only or computed properties dropped from requests, per kind.
pub(super) fn computed(kind: NetKind) -> &'static [&'static str] {
    match kind {
        NetKind::Vnet => &["provisioningState", "resourceGuid"],
        NetKind::Nsg => &[
            "provisioningState",
            "resourceGuid",
            "defaultSecurityRules",
            "networkInterfaces",
            "subnets",
        ],
        NetKind::Pip => &["provisioningState", "resourceGuid", "ipConfiguration"],
        NetKind::Nic => &[
            "provisioningState",
            "resourceGuid",
            "virtualMachine",
            "macAddress",
        ],
        NetKind::Lb => &["provisioningState", "resourceGuid"],
    }
}

pub(super) fn strip(props: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        util::remove_ci(props, k);
    }
}

/// 400 `InvalidResourceReference`: `referenced` (named by `by`) does not exist.
pub(crate) fn invalid_reference(referenced: &str, by: &str) -> ArmError {
    ArmError::bad_request(
        "InvalidResourceReference",
        format!(
            "Resource {referenced} referenced by resource {by} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region."
        ),
    )
    .with_details(vec![json!({"code": "NotFound", "message": format!("Resource {referenced} not found.")})])
}

pub(super) fn check_ref(
    tx: &Tx<'_>,
    id: Option<&str>,
    kind: NetKind,
    child: Option<&str>,
    by: &str,
) -> Result<(), ArmError> {
    match id {
        Some(id) if !network::exists(tx, id, kind, child)? => Err(invalid_reference(id, by)),
        _ => Ok(()),
    }
}

/// Cleans and checks the subnets of a virtual network model.
pub(super) fn subnets_of(
    tx: &Tx<'_>,
    props: &mut Map<String, Value>,
    vnet_id: &str,
) -> Result<(), ArmError> {
    let Some(list) = util::get_mut_ci(props, "subnets") else {
        return Ok(());
    };
    let items = match list.take() {
        Value::Null => Vec::new(),
        Value::Array(a) => a,
        _ => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties.subnets'.",
            ));
        }
    };
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        let Value::Object(s) = item else {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties.subnets'.",
            ));
        };
        let name = name_of(&s).to_string();
        if name.is_empty() {
            return Err(ArmError::missing_parameter("properties.subnets.name"));
        }
        if out.iter().any(|o| {
            o.as_object()
                .is_some_and(|o| name_of(o).eq_ignore_ascii_case(&name))
        }) {
            return Err(ArmError::bad_request(
                "DuplicateResourceName",
                format!("Resource {vnet_id} has two child resources with the same name ({name})."),
            ));
        }
        let mut p = props_of(&s).cloned().unwrap_or_default();
        strip(&mut p, &["provisioningState", "ipConfigurations"]);
        let subnet_id = format!("{vnet_id}/subnets/{name}");
        check_ref(
            tx,
            ref_id(util::get_ci(&p, "networkSecurityGroup")),
            NetKind::Nsg,
            None,
            &subnet_id,
        )?;
        out.push(json!({"name": name, "properties": p}));
    }
    *list = Value::Array(out);
    Ok(())
}

/// 400 `InUseSubnetCannotBeDeleted` when a NIC uses the subnet.
pub(super) fn subnet_free(
    tx: &Tx<'_>,
    sub: &str,
    subnet_id: &str,
    name: &str,
) -> Result<(), ArmError> {
    let used = network::ip_configurations_using(tx, sub, "subnet", subnet_id)?;
    match used.first() {
        None => Ok(()),
        Some(by) => Err(ArmError::bad_request(
            "InUseSubnetCannotBeDeleted",
            format!(
                "Subnet {name} is in use by {by} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet."
            ),
        )),
    }
}

/// The `/n` network of a subnet prefix, as `(base, size)`.
fn ipv4_net(prefix: &str) -> Option<(u32, u32)> {
    let (addr, len) = prefix.split_once('/')?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 30)?;
    let ip: std::net::Ipv4Addr = addr.parse().ok()?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(ip) & mask, 1u32 << (32 - len)))
}

/// The first free address of a subnet (Azure keeps the first four and the last).
fn allocate_ip(
    tx: &Tx<'_>,
    sub: &str,
    subnet_id: &str,
    exclude: &str,
    taken: &[String],
) -> Result<Option<String>, ArmError> {
    let Some(r) = network::ref_of_id(subnet_id) else {
        return Ok(None);
    };
    let Some(vnet) = load(tx, &r.key)? else {
        return Ok(None);
    };
    let Some((_, sname)) = r.child else {
        return Ok(None);
    };
    let Some(subnet) = subnets(&vnet)
        .into_iter()
        .find(|s| name_of(s).eq_ignore_ascii_case(&sname))
    else {
        return Ok(None);
    };
    let p = props_of(&subnet).cloned().unwrap_or_default();
    let prefix = util::get_ci(&p, "addressPrefix")
        .and_then(Value::as_str)
        .or_else(|| {
            util::get_ci(&p, "addressPrefixes")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
        });
    let Some((base, size)) = prefix.and_then(ipv4_net) else {
        return Ok(None);
    };
    let used: Vec<String> = network::all_ip_configurations(tx, sub)?
        .into_iter()
        .filter(|(id, p)| {
            !id.to_ascii_lowercase()
                .starts_with(&exclude.to_ascii_lowercase())
                && ref_id(util::get_ci(p, "subnet")).is_some_and(|s| network::same_id(s, subnet_id))
        })
        .filter_map(|(_, p)| {
            util::get_ci(&p, "privateIPAddress")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    Ok((4..size.saturating_sub(1))
        .map(|i| std::net::Ipv4Addr::from(base + i).to_string())
        .find(|ip| !used.contains(ip) && !taken.contains(ip)))
}

/// Cleans and checks a NIC model; keeps the addresses chosen before.
pub(super) fn nic_props(
    tx: &Tx<'_>,
    sub: &str,
    props: &mut Map<String, Value>,
    nic_id: &str,
    old: Option<&NetDoc>,
) -> Result<(), ArmError> {
    check_ref(
        tx,
        ref_id(util::get_ci(props, "networkSecurityGroup")),
        NetKind::Nsg,
        None,
        nic_id,
    )?;
    let configs = match util::remove_ci(props, "ipConfigurations") {
        Some(Value::Array(a)) if !a.is_empty() => a,
        _ => {
            return Err(ArmError::bad_request(
                "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                format!("Network interface {nic_id} must have one or more IP configurations."),
            ));
        }
    };
    let old_configs = old.map(ip_configurations).unwrap_or_default();
    let mut out = Vec::new();
    for (i, c) in configs.into_iter().enumerate() {
        let Value::Object(c) = c else {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token. Path 'properties.ipConfigurations'.",
            ));
        };
        let name = name_of(&c).to_string();
        if name.is_empty() {
            return Err(ArmError::missing_parameter(
                "properties.ipConfigurations.name",
            ));
        }
        let mut p = props_of(&c).cloned().unwrap_or_default();
        strip(&mut p, &["provisioningState"]);
        let subnet = ref_id(util::get_ci(&p, "subnet")).map(str::to_string);
        check_ref(
            tx,
            subnet.as_deref(),
            NetKind::Vnet,
            Some("subnets"),
            nic_id,
        )?;
        check_ref(
            tx,
            ref_id(util::get_ci(&p, "publicIPAddress")),
            NetKind::Pip,
            None,
            nic_id,
        )?;
        for (field, child) in [
            ("loadBalancerBackendAddressPools", "backendAddressPools"),
            ("loadBalancerInboundNatRules", "inboundNatRules"),
        ] {
            for r in refs_in(&p, field, true) {
                check_ref(
                    tx,
                    Some(&r),
                    NetKind::Lb,
                    Some(&child.to_ascii_lowercase()),
                    nic_id,
                )?;
            }
        }
        let dynamic = !util::get_ci(&p, "privateIPAllocationMethod")
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("static"));
        if dynamic {
            let kept = old_configs
                .iter()
                .find(|o| name_of(o).eq_ignore_ascii_case(&name))
                .and_then(props_of)
                .filter(|op| {
                    ref_id(util::get_ci(op, "subnet"))
                        .zip(subnet.as_deref())
                        .is_some_and(|(a, b)| network::same_id(a, b))
                })
                .and_then(|op| util::get_ci(op, "privateIPAddress").cloned());
            let ip = match kept {
                Some(ip) => Some(ip),
                None => match &subnet {
                    Some(s) => allocate_ip(tx, sub, s, nic_id, &[])?.map(Value::String),
                    None => None,
                },
            };
            util::remove_ci(&mut p, "privateIPAddress");
            if let Some(ip) = ip {
                p.insert("privateIPAddress".into(), ip);
            }
            util::remove_ci(&mut p, "privateIPAllocationMethod");
            p.insert("privateIPAllocationMethod".into(), json!("Dynamic"));
        }
        if util::get_ci(&p, "primary").is_none() {
            p.insert("primary".into(), json!(i == 0));
        }
        if util::get_ci(&p, "privateIPAddressVersion").is_none() {
            p.insert("privateIPAddressVersion".into(), json!("IPv4"));
        }
        out.push(json!({"name": name, "properties": p}));
    }
    props.insert("ipConfigurations".into(), Value::Array(out));
    for (k, v) in [
        ("enableAcceleratedNetworking", json!(false)),
        ("enableIPForwarding", json!(false)),
        (
            "dnsSettings",
            json!({"dnsServers": [], "appliedDnsServers": []}),
        ),
        ("nicType", json!("Standard")),
    ] {
        if util::get_ci(props, k).is_none() {
            props.insert(k.into(), v);
        }
    }
    Ok(())
}

pub(super) fn pip_props(
    props: &mut Map<String, Value>,
    sku: &mut Option<Value>,
    old: Option<&NetDoc>,
) {
    let sku_name = sku
        .as_ref()
        .and_then(|s| s.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("Standard")
        .to_string();
    if sku.is_none() {
        *sku = Some(json!({"name": "Standard", "tier": "Regional"}));
    }
    if util::get_ci(props, "publicIPAllocationMethod").is_none() {
        let m = if sku_name.eq_ignore_ascii_case("basic") {
            "Dynamic"
        } else {
            "Static"
        };
        props.insert("publicIPAllocationMethod".into(), json!(m));
    }
    let is_static = util::get_ci(props, "publicIPAllocationMethod")
        .and_then(Value::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("static"));
    util::remove_ci(props, "ipAddress");
    if is_static {
        let kept = old
            .and_then(|o| util::get_ci(&o.properties, "ipAddress").cloned())
            .unwrap_or_else(|| {
                let b = uuid::Uuid::new_v4();
                let b = b.as_bytes();
                json!(format!("20.{}.{}.{}", b[0], b[1], 1 + b[2] % 254))
            });
        props.insert("ipAddress".into(), kept);
    }
    for (k, v) in [
        ("publicIPAddressVersion", json!("IPv4")),
        ("idleTimeoutInMinutes", json!(4)),
        ("ipTags", json!([])),
    ] {
        if util::get_ci(props, k).is_none() {
            props.insert(k.into(), v);
        }
    }
}

/// The back-references a load balancer child shows but never takes from a request.
fn lb_child_computed(child_type: &str) -> &'static [&'static str] {
    match child_type {
        "frontendIPConfigurations" => &[
            "provisioningState",
            "loadBalancingRules",
            "inboundNatRules",
            "inboundNatPools",
            "outboundRules",
        ],
        "backendAddressPools" => &[
            "provisioningState",
            "backendIPConfigurations",
            "loadBalancingRules",
            "outboundRule",
            "outboundRules",
            "inboundNatRules",
        ],
        "probes" => &["provisioningState", "loadBalancingRules"],
        _ => &["provisioningState"],
    }
}

/// The fields of rules, NAT pools and NAT rules that name another child of the same balancer:
/// `(field, child type, a list of references)`.
const LB_SELF_REFS: [(&str, &str, bool); 4] = [
    ("frontendIPConfiguration", "frontendIPConfigurations", false),
    ("backendAddressPool", "backendAddressPools", false),
    ("backendAddressPools", "backendAddressPools", true),
    ("probe", "probes", false),
];

/// The ids of `(field, list)` in a child's properties.
pub(super) fn refs_in(p: &Map<String, Value>, field: &str, list: bool) -> Vec<String> {
    if list {
        util::get_ci(p, field)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| ref_id(Some(r)).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        ref_id(util::get_ci(p, field))
            .map(|s| vec![s.to_string()])
            .unwrap_or_default()
    }
}

/// Cleans and checks a load balancer model: every child collection a list of `{name, properties}`
/// with unique names, frontends naming existing public IPs or subnets, and rules, NAT pools and
/// probes naming children of this same balancer.
pub(super) fn lb_props(
    tx: &Tx<'_>,
    sub: &str,
    props: &mut Map<String, Value>,
    lb_id: &str,
    old: Option<&NetDoc>,
) -> Result<(), ArmError> {
    let old_frontends = old
        .map(|o| network::children(o, "frontendIPConfigurations"))
        .unwrap_or_default();
    let mut taken: Vec<String> = Vec::new();
    let mut names: Vec<(&str, Vec<String>)> = Vec::new();
    for ty in network::LB_CHILDREN {
        let items = match util::remove_ci(props, ty) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a,
            Some(_) => {
                return Err(ArmError::invalid_content(&format!(
                    "Unexpected JSON token. Path 'properties.{ty}'."
                )));
            }
        };
        let mut out = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        for item in items {
            let Value::Object(c) = item else {
                return Err(ArmError::invalid_content(&format!(
                    "Unexpected JSON token. Path 'properties.{ty}'."
                )));
            };
            let name = name_of(&c).to_string();
            if name.is_empty() {
                return Err(ArmError::missing_parameter(&format!(
                    "properties.{ty}.name"
                )));
            }
            if seen.iter().any(|s| s.eq_ignore_ascii_case(&name)) {
                return Err(ArmError::bad_request(
                    "DuplicateResourceName",
                    format!(
                        "Resource {lb_id} has two child resources with the same name ({name})."
                    ),
                ));
            }
            seen.push(name.clone());
            let mut p = props_of(&c).cloned().unwrap_or_default();
            strip(&mut p, lb_child_computed(ty));
            let by = format!("{lb_id}/{ty}/{name}");
            if ty == "frontendIPConfigurations" {
                check_ref(
                    tx,
                    ref_id(util::get_ci(&p, "publicIPAddress")),
                    NetKind::Pip,
                    None,
                    &by,
                )?;
                check_ref(
                    tx,
                    ref_id(util::get_ci(&p, "subnet")),
                    NetKind::Vnet,
                    Some("subnets"),
                    &by,
                )?;
                if util::get_ci(&p, "privateIPAllocationMethod").is_none() {
                    p.insert("privateIPAllocationMethod".into(), json!("Dynamic"));
                }
                let dynamic = !util::get_ci(&p, "privateIPAllocationMethod")
                    .and_then(Value::as_str)
                    .is_some_and(|m| m.eq_ignore_ascii_case("static"));
                let subnet = ref_id(util::get_ci(&p, "subnet")).map(str::to_string);
                if let (true, Some(subnet)) = (dynamic, subnet) {
                    // An internal frontend keeps the address chosen before, else takes a free one.
                    let kept = old_frontends
                        .iter()
                        .find(|o| name_of(o).eq_ignore_ascii_case(&name))
                        .and_then(props_of)
                        .filter(|op| {
                            ref_id(util::get_ci(op, "subnet"))
                                .is_some_and(|s| network::same_id(s, &subnet))
                        })
                        .and_then(|op| util::get_ci(op, "privateIPAddress"))
                        .and_then(Value::as_str)
                        .map(str::to_string)
                        .filter(|ip| !taken.contains(ip));
                    let ip = match kept {
                        Some(ip) => Some(ip),
                        None => allocate_ip(tx, sub, &subnet, lb_id, &taken)?,
                    };
                    util::remove_ci(&mut p, "privateIPAddress");
                    if let Some(ip) = ip {
                        taken.push(ip.clone());
                        p.insert("privateIPAddress".into(), json!(ip));
                    }
                }
            }
            let mut entry = Map::new();
            entry.insert("name".into(), json!(name));
            entry.insert("properties".into(), Value::Object(p));
            if let Some(z) = util::get_ci(&c, "zones") {
                entry.insert("zones".into(), z.clone());
            }
            out.push(Value::Object(entry));
        }
        props.insert(ty.into(), Value::Array(out));
        names.push((ty, seen));
    }
    // References among the children, checked against this request.
    for ty in network::LB_CHILDREN {
        let items = util::get_ci(props, ty)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for c in items.iter().filter_map(Value::as_object) {
            let by = format!("{lb_id}/{ty}/{}", name_of(c));
            let Some(p) = props_of(c) else { continue };
            for (field, target, list) in LB_SELF_REFS {
                for r in refs_in(p, field, list) {
                    let prefix = format!("{lb_id}/{target}/");
                    let found = r.len() > prefix.len()
                        && r[..prefix.len()].eq_ignore_ascii_case(&prefix)
                        && names.iter().any(|(t, ns)| {
                            *t == target
                                && ns
                                    .iter()
                                    .any(|n| n.eq_ignore_ascii_case(&r[prefix.len()..]))
                        });
                    if !found {
                        return Err(invalid_reference(&r, &by));
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse() {
        assert_eq!(ipv4_net("10.0.0.0/24"), Some((0x0a00_0000, 256)));
        assert_eq!(ipv4_net("10.1.2.77/16"), Some((0x0a01_0000, 65536)));
        assert_eq!(ipv4_net("10.0.0.0/31"), None);
        assert_eq!(ipv4_net("nonsense"), None);
        assert_eq!(ipv4_net("10.0.0.0/x"), None);
    }
}
