//! Microsoft.Network resources as stored (virtual networks with their subnets inside, network
//! security groups, public IP addresses, network interfaces, load balancers with their frontends,
//! pools, rules and probes inside), and the reference queries ARM makes of
//! them: does a referenced id exist, and who uses a resource (back-references are computed, never
//! stored, so they cannot go stale).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::machines::{ComputeDoc, VM_KIND, VMSS_KIND};
use crate::catalog::errors::ArmError;
use crate::store::{Row, Tx};
use crate::util;

pub const NS: &str = "Microsoft.Network";

/// The Network resource types the emulator serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetKind {
    Vnet,
    Nsg,
    Pip,
    Nic,
    Lb,
}

impl NetKind {
    pub const ALL: [NetKind; 5] = [
        NetKind::Vnet,
        NetKind::Nsg,
        NetKind::Pip,
        NetKind::Nic,
        NetKind::Lb,
    ];

    pub fn from_type(ty: &str) -> Option<NetKind> {
        NetKind::ALL
            .into_iter()
            .find(|k| k.type_name().eq_ignore_ascii_case(ty))
    }

    pub fn type_name(self) -> &'static str {
        match self {
            NetKind::Vnet => "virtualNetworks",
            NetKind::Nsg => "networkSecurityGroups",
            NetKind::Pip => "publicIPAddresses",
            NetKind::Nic => "networkInterfaces",
            NetKind::Lb => "loadBalancers",
        }
    }

    pub fn full_type(self) -> String {
        format!("{NS}/{}", self.type_name())
    }

    pub fn store_kind(self) -> &'static str {
        match self {
            NetKind::Vnet => "networkVirtualNetwork",
            NetKind::Nsg => "networkSecurityGroup",
            NetKind::Pip => "networkPublicIp",
            NetKind::Nic => "networkInterface",
            NetKind::Lb => "networkLoadBalancer",
        }
    }
}

/// A stored Network resource. Subnets live in a virtual network's `properties.subnets` as
/// `{name, properties}`; a NIC's private addresses are chosen once and kept in its properties.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetDoc {
    pub name: String,
    pub rg: String,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Value>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<Value>,
    /// Other top-level fields as sent (`zones`, `extendedLocation`, ...).
    #[serde(default)]
    pub extra: Map<String, Value>,
    /// The etag's GUID, new on every write.
    pub etag: String,
    pub resource_guid: String,
    /// Subnet name (lower-cased) -> etag GUID.
    #[serde(default)]
    pub child_etags: Map<String, Value>,
}

pub fn key(sub: &str, rg: &str, kind: NetKind, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/{}/{name}",
        kind.type_name()
    )
    .to_ascii_lowercase()
}

pub fn resource_id(sub: &str, rg: &str, kind: NetKind, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/{NS}/{}/{name}",
        kind.type_name()
    )
}

pub fn parse(row: &Row) -> Result<NetDoc, ArmError> {
    NetDoc::deserialize(&row.doc)
        .map_err(|e| ArmError::internal(format!("stored network resource is unreadable: {e}")))
}

/// What a Network id names: a resource, or a child of one (`subnets/{name}`,
/// `ipConfigurations/{name}`).
#[derive(Clone, Debug, PartialEq)]
pub struct NetRef {
    pub kind: NetKind,
    pub key: String,
    pub child: Option<(String, String)>,
}

/// Parses `/subscriptions/../resourceGroups/../providers/Microsoft.Network/{type}/{name}[/{child}/{name}]`.
pub fn ref_of_id(id: &str) -> Option<NetRef> {
    let segs: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    let (head, child) = match segs.len() {
        9 => (&segs[..9], None),
        11 => (
            &segs[..9],
            Some((segs[9].to_string(), segs[10].to_string())),
        ),
        _ => return None,
    };
    let ok = head[0].is_empty()
        && head[1].eq_ignore_ascii_case("subscriptions")
        && head[3].eq_ignore_ascii_case("resourcegroups")
        && head[5].eq_ignore_ascii_case("providers")
        && head[6].eq_ignore_ascii_case(NS)
        && !head[2].is_empty()
        && !head[4].is_empty()
        && !head[8].is_empty()
        && child
            .as_ref()
            .is_none_or(|(t, n)| !t.is_empty() && !n.is_empty());
    let kind = NetKind::from_type(head[7])?;
    ok.then(|| NetRef {
        kind,
        key: key(head[2], head[4], kind, head[8]),
        child,
    })
}

/// The subnets of a stored virtual network, as stored (`{name, properties}`).
pub fn subnets(doc: &NetDoc) -> Vec<Map<String, Value>> {
    util::get_ci(&doc.properties, "subnets")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_object().cloned()).collect())
        .unwrap_or_default()
}

pub fn name_of(obj: &Map<String, Value>) -> &str {
    util::get_ci(obj, "name")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `id` names an existing resource of the expected kind (and child, for subnets).
pub fn exists(tx: &Tx<'_>, id: &str, kind: NetKind, child: Option<&str>) -> Result<bool, ArmError> {
    let Some(r) = ref_of_id(id) else {
        return Ok(false);
    };
    if r.kind != kind
        || r.child
            .as_ref()
            .map(|(t, _)| t.to_ascii_lowercase())
            .as_deref()
            != child
    {
        return Ok(false);
    }
    let Some(row) = tx.get(&r.key)? else {
        return Ok(false);
    };
    if row.kind != kind.store_kind() {
        return Ok(false);
    }
    match r.child {
        None => Ok(true),
        Some((ty, name)) => Ok(children(&parse(&row)?, &ty)
            .iter()
            .any(|s| name_of(s).eq_ignore_ascii_case(&name))),
    }
}

/// The children a stored resource keeps in `properties.{child_type}` (`subnets`,
/// `backendAddressPools`, ...), as stored (`{name, properties}`).
pub fn children(doc: &NetDoc, child_type: &str) -> Vec<Map<String, Value>> {
    util::get_ci(&doc.properties, child_type)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_object().cloned()).collect())
        .unwrap_or_default()
}

/// The child collections of a load balancer, as the service spells them.
pub const LB_CHILDREN: [&str; 6] = [
    "frontendIPConfigurations",
    "backendAddressPools",
    "loadBalancingRules",
    "probes",
    "inboundNatRules",
    "inboundNatPools",
];

/// The `id` of a `{"id": ..}` reference object.
pub fn ref_id(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_object)
        .and_then(|o| util::get_ci(o, "id"))
        .and_then(Value::as_str)
}

/// The ip configurations of a stored NIC, as stored.
pub fn ip_configurations(doc: &NetDoc) -> Vec<Map<String, Value>> {
    util::get_ci(&doc.properties, "ipConfigurations")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_object().cloned()).collect())
        .unwrap_or_default()
}

/// `properties` of a stored child object.
pub fn props_of(obj: &Map<String, Value>) -> Option<&Map<String, Value>> {
    util::get_ci(obj, "properties").and_then(Value::as_object)
}

/// A NIC ip configuration: `(its id, its properties)`.
pub type IpConfiguration = (String, Map<String, Value>);

/// Every NIC ip configuration and every load balancer frontend ip configuration.
pub fn all_ip_configurations(tx: &Tx<'_>, sub: &str) -> Result<Vec<IpConfiguration>, ArmError> {
    let mut out = Vec::new();
    for row in tx.all_of(NetKind::Nic.store_kind())? {
        let nic = parse(&row)?;
        let nic_id = resource_id(sub, &nic.rg, NetKind::Nic, &nic.name);
        for c in ip_configurations(&nic) {
            let id = format!("{nic_id}/ipConfigurations/{}", name_of(&c));
            out.push((id, props_of(&c).cloned().unwrap_or_default()));
        }
    }
    for row in tx.all_of(NetKind::Lb.store_kind())? {
        let lb = parse(&row)?;
        let lb_id = resource_id(sub, &lb.rg, NetKind::Lb, &lb.name);
        for c in children(&lb, "frontendIPConfigurations") {
            let id = format!("{lb_id}/frontendIPConfigurations/{}", name_of(&c));
            out.push((id, props_of(&c).cloned().unwrap_or_default()));
        }
    }
    Ok(out)
}

/// The ids of the ip configurations whose `field` (`subnet`, `publicIPAddress`) references `id`.
pub fn ip_configurations_using(
    tx: &Tx<'_>,
    sub: &str,
    field: &str,
    id: &str,
) -> Result<Vec<String>, ArmError> {
    Ok(all_ip_configurations(tx, sub)?
        .into_iter()
        .filter(|(_, p)| ref_id(util::get_ci(p, field)).is_some_and(|r| same_id(r, id)))
        .map(|(cid, _)| cid)
        .collect())
}

/// The ids of the NICs whose `networkSecurityGroup` is `nsg_id`.
pub fn nics_with_nsg(tx: &Tx<'_>, sub: &str, nsg_id: &str) -> Result<Vec<String>, ArmError> {
    let mut out = Vec::new();
    for row in tx.all_of(NetKind::Nic.store_kind())? {
        let nic = parse(&row)?;
        if ref_id(util::get_ci(&nic.properties, "networkSecurityGroup"))
            .is_some_and(|r| same_id(r, nsg_id))
        {
            out.push(resource_id(sub, &nic.rg, NetKind::Nic, &nic.name));
        }
    }
    Ok(out)
}

/// The ids of the subnets whose `networkSecurityGroup` is `nsg_id`.
pub fn subnets_with_nsg(tx: &Tx<'_>, sub: &str, nsg_id: &str) -> Result<Vec<String>, ArmError> {
    let mut out = Vec::new();
    for row in tx.all_of(NetKind::Vnet.store_kind())? {
        let vnet = parse(&row)?;
        for s in subnets(&vnet) {
            let uses = props_of(&s)
                .and_then(|p| ref_id(util::get_ci(p, "networkSecurityGroup")))
                .is_some_and(|r| same_id(r, nsg_id));
            if uses {
                out.push(format!(
                    "{}/subnets/{}",
                    resource_id(sub, &vnet.rg, NetKind::Vnet, &vnet.name),
                    name_of(&s)
                ));
            }
        }
    }
    Ok(out)
}

/// The NIC ids a compute model's `networkProfile.networkInterfaces` names.
pub fn nic_ids_of(properties: &Map<String, Value>) -> Vec<String> {
    util::get_ci(properties, "networkProfile")
        .and_then(Value::as_object)
        .and_then(|np| util::get_ci(np, "networkInterfaces"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|n| ref_id(Some(n)).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The id of the virtual machine that uses NIC `nic_id`, if any.
pub fn vm_using_nic(tx: &Tx<'_>, sub: &str, nic_id: &str) -> Result<Option<String>, ArmError> {
    for row in tx.all_of(VM_KIND)? {
        let vm: ComputeDoc = super::machines::parse(&row)?;
        if nic_ids_of(&vm.properties)
            .iter()
            .any(|n| same_id(n, nic_id))
        {
            return Ok(Some(format!(
                "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachines/{}",
                vm.rg, vm.name
            )));
        }
    }
    Ok(None)
}

/// The ids a scale set model's ip configurations name in `field`
/// (`loadBalancerBackendAddressPools`, `loadBalancerInboundNatPools`, `applicationGatewayBackendAddressPools`).
pub fn vmss_ip_configuration_refs(properties: &Map<String, Value>, field: &str) -> Vec<String> {
    let obj = |v: Option<&Value>| v.and_then(Value::as_object).cloned();
    let arr = |v: Option<&Value>| -> Vec<Map<String, Value>> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_object().cloned()).collect())
            .unwrap_or_default()
    };
    let Some(profile) = obj(util::get_ci(properties, "virtualMachineProfile")) else {
        return Vec::new();
    };
    let Some(np) = obj(util::get_ci(&profile, "networkProfile")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for nic in arr(util::get_ci(&np, "networkInterfaceConfigurations")) {
        let Some(np) = props_of(&nic) else { continue };
        for c in arr(util::get_ci(np, "ipConfigurations")) {
            let Some(cp) = props_of(&c) else { continue };
            for r in arr(util::get_ci(cp, field)) {
                if let Some(id) = util::get_ci(&r, "id").and_then(Value::as_str) {
                    out.push(id.to_string());
                }
            }
        }
    }
    out
}

/// A scale set that names `lb_id` (a load balancer, or one of its children), or a child of it, in
/// its ip configurations: `(its id, the names of the children it names)`.
pub fn vmss_using_lb(
    tx: &Tx<'_>,
    sub: &str,
    lb_id: &str,
) -> Result<Option<(String, Vec<String>)>, ArmError> {
    let prefix = format!("{}/", lb_id.trim_end_matches('/')).to_ascii_lowercase();
    for row in tx.all_of(VMSS_KIND)? {
        let ss: ComputeDoc = super::machines::parse(&row)?;
        let used: Vec<String> = [
            "loadBalancerBackendAddressPools",
            "loadBalancerInboundNatPools",
        ]
        .iter()
        .flat_map(|f| vmss_ip_configuration_refs(&ss.properties, f))
        .filter(|id| {
            format!("{}/", id.trim_end_matches('/'))
                .to_ascii_lowercase()
                .starts_with(&prefix)
        })
        .map(|id| {
            id.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_string()
        })
        .collect();
        if !used.is_empty() {
            let id = format!(
                "/subscriptions/{sub}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachineScaleSets/{}",
                ss.rg, ss.name
            );
            return Ok(Some((id, used)));
        }
    }
    Ok(None)
}

/// Two ARM ids name the same resource (ids compare case-insensitively).
pub fn same_id(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_case_insensitively() {
        let r = ref_of_id(
            "/subscriptions/S/resourceGroups/RG/providers/microsoft.network/VIRTUALNETWORKS/v1/subnets/Default",
        )
        .unwrap();
        assert_eq!(r.kind, NetKind::Vnet);
        assert_eq!(
            r.key,
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v1"
        );
        assert_eq!(r.child, Some(("subnets".into(), "Default".into())));
        assert!(
            ref_of_id(
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/applicationGateways/x"
            )
            .is_none()
        );
        assert!(ref_of_id("nonsense").is_none());
        assert!(
            ref_of_id(
                "/subscriptions//resourceGroups/RG/providers/Microsoft.Network/virtualNetworks/x"
            )
            .is_none()
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_without_panicking(id in "(/[\\PC&&[^/]]{0,12}){0,12}") {
            let _ = ref_of_id(&id);
        }
    }
}
