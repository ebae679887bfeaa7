//! Virtual machines, scale sets and their extensions as stored, and the lookups made of them: by
//! key, by `vmId`/`uniqueId` (the token endpoints), by user-assigned identity (listAssociatedResources)
//! and by MSI extension (the extension's ports).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::groups;
use super::identity::StoredIdentity;
use super::operations::OpRef;
use crate::catalog::errors::ArmError;
use crate::catalog::seed::SUBSCRIPTION_NAME;
use crate::store::{Row, Tx};
use crate::util;

pub const VM_KIND: &str = "virtualMachine";
pub const VMSS_KIND: &str = "virtualMachineScaleSet";
pub const VM_EXT_KIND: &str = "virtualMachineExtension";
pub const VMSS_EXT_KIND: &str = "virtualMachineScaleSetExtension";

/// Virtual machine or scale set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComputeKind {
    Vm,
    Vmss,
}

impl ComputeKind {
    pub fn from_type(ty: &str) -> Option<ComputeKind> {
        if ty.eq_ignore_ascii_case("virtualMachines") {
            Some(ComputeKind::Vm)
        } else if ty.eq_ignore_ascii_case("virtualMachineScaleSets") {
            Some(ComputeKind::Vmss)
        } else {
            None
        }
    }

    pub fn type_name(self) -> &'static str {
        match self {
            ComputeKind::Vm => "virtualMachines",
            ComputeKind::Vmss => "virtualMachineScaleSets",
        }
    }

    pub fn full_type(self) -> String {
        format!("Microsoft.Compute/{}", self.type_name())
    }

    pub fn store_kind(self) -> &'static str {
        match self {
            ComputeKind::Vm => VM_KIND,
            ComputeKind::Vmss => VMSS_KIND,
        }
    }

    pub fn ext_store_kind(self) -> &'static str {
        match self {
            ComputeKind::Vm => VM_EXT_KIND,
            ComputeKind::Vmss => VMSS_EXT_KIND,
        }
    }
}

/// A stored virtual machine or scale set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComputeDoc {
    /// Name as created.
    pub name: String,
    /// Resource group name as created.
    pub rg: String,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Value>,
    /// Other top-level members (`sku`, `plan`, `zones`, ...), as sent.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    #[serde(default)]
    pub identity: StoredIdentity,
    pub unique_id: String,
    pub time_created_ms: i64,
    pub etag: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_op: Option<OpRef>,
}

/// A stored extension.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExtensionDoc {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Value>,
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Write-only; never rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protected_settings: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_op: Option<OpRef>,
}

pub fn key(sub: &str, rg: &str, kind: ComputeKind, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.compute/{}/{name}",
        kind.type_name()
    )
    .to_ascii_lowercase()
}

pub fn ext_key(parent_key: &str, ext: &str) -> String {
    format!("{parent_key}/extensions/{}", ext.to_ascii_lowercase())
}

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/{type}/{name}`.
pub fn resource_id(sub: &str, rg: &str, kind: ComputeKind, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/{}/{name}",
        kind.full_type()
    )
}

/// The id managed-identity tokens carry in `xms_mirid` (lower-case `resourcegroups`).
pub fn mirid(sub: &str, rg: &str, kind: ComputeKind, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/{}/{name}",
        kind.full_type()
    )
}

/// A stored machine, scale set or extension document.
pub fn parse<T: for<'de> Deserialize<'de>>(row: &Row) -> Result<T, ArmError> {
    T::deserialize(&row.doc)
        .map_err(|e| ArmError::internal(format!("stored resource is unreadable: {e}")))
}

/// 404 `ResourceNotFound` for the machine or scale set `name`.
pub fn not_found(kind: ComputeKind, name: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{}/{name}", kind.full_type()), rg)
}

/// Drops the principal of a deleted machine's system identity.
pub fn forget_principal(tx: &Tx<'_>, row: &Row) -> Result<(), ArmError> {
    if row.kind == VM_KIND || row.kind == VMSS_KIND {
        let doc: ComputeDoc = parse(row)?;
        if let Some(s) = &doc.identity.system {
            tx.principal_delete(&s.principal_id)?;
        }
    }
    Ok(())
}

/// Machines and scale sets that have the user-assigned identity `uai_id` (listAssociatedResources).
pub fn associated_with(tx: &Tx<'_>, sub: &str, uai_id: &str) -> Result<Vec<Value>, ArmError> {
    let mut out = Vec::new();
    for kind in [ComputeKind::Vm, ComputeKind::Vmss] {
        for row in tx.all_of(kind.store_kind())? {
            let doc: ComputeDoc = parse(&row)?;
            if doc.identity.has_user(uai_id) {
                out.push(json!({
                    "id": resource_id(sub, &doc.rg, kind, &doc.name),
                    "name": doc.name,
                    "type": kind.full_type(),
                    "resourceGroup": doc.rg,
                    "subscriptionId": sub,
                    "subscriptionDisplayName": SUBSCRIPTION_NAME,
                }));
            }
        }
    }
    Ok(out)
}

/// The extensions of the machine or scale set stored under `parent_key`.
pub fn load_extensions(tx: &Tx<'_>, parent_key: &str) -> Result<Vec<ExtensionDoc>, ArmError> {
    tx.children(parent_key)?.iter().map(parse).collect()
}

/// The parent machine or scale set, or 404 `ParentResourceNotFound`.
pub fn require_parent(
    tx: &Tx<'_>,
    kind: ComputeKind,
    sub: &str,
    rg: &str,
    name: &str,
) -> Result<(String, ComputeDoc), ArmError> {
    groups::require_rg(tx, sub, rg)?;
    let k = key(sub, rg, kind, name);
    match tx.get(&k)? {
        Some(r) => Ok((k, parse(&r)?)),
        None => Err(ArmError::parent_not_found(name)),
    }
}

/// The port the legacy MSI extension listens on when its settings name none.
pub const MSI_EXTENSION_DEFAULT_PORT: u16 = 50342;

/// A machine or scale set as the token endpoints see it.
#[derive(Clone, Debug)]
pub struct Machine {
    pub kind: ComputeKind,
    pub key: String,
    pub doc: ComputeDoc,
}

impl Machine {
    /// The ARM id (`resourceGroups` as created).
    pub fn id(&self, sub: &str) -> String {
        resource_id(sub, &self.doc.rg, self.kind, &self.doc.name)
    }

    /// `sku.capacity` of a scale set.
    pub fn capacity(&self) -> Option<u64> {
        let sku = util::get_ci(&self.doc.extra, "sku")?.as_object()?;
        let c = util::get_ci(sku, "capacity")?;
        c.as_u64()
            .or_else(|| c.as_str().and_then(|s| s.trim().parse().ok()))
    }
}

/// The machine (or scale set) whose `vmId` (`uniqueId`) is `id`.
pub fn find_by_unique_id(
    tx: &Tx<'_>,
    kind: ComputeKind,
    id: &str,
) -> Result<Option<Machine>, ArmError> {
    let Some(row) = tx.by_unique_id(kind.store_kind(), id)? else {
        return Ok(None);
    };
    let doc: ComputeDoc = parse(&row)?;
    // The index compares with SQLite's ASCII `lower`, as ids are ASCII GUIDs; check once more.
    Ok(doc.unique_id.eq_ignore_ascii_case(id).then(|| Machine {
        kind,
        key: row.key,
        doc,
    }))
}

/// The machine or scale set stored under `key`.
pub fn find_by_key(tx: &Tx<'_>, key: &str) -> Result<Option<Machine>, ArmError> {
    let Some(row) = tx.get(key)? else {
        return Ok(None);
    };
    let kind = match row.kind.as_str() {
        VM_KIND => ComputeKind::Vm,
        VMSS_KIND => ComputeKind::Vmss,
        _ => return Ok(None),
    };
    Ok(Some(Machine {
        kind,
        doc: parse(&row)?,
        key: row.key,
    }))
}

/// The port of a `ManagedIdentityExtensionFor{Windows,Linux}` extension, `None` for other extensions.
fn msi_extension_port(doc: &ExtensionDoc) -> Option<Option<u16>> {
    let ty = util::get_ci(&doc.properties, "type").and_then(Value::as_str)?;
    if !ty.eq_ignore_ascii_case("ManagedIdentityExtensionForWindows")
        && !ty.eq_ignore_ascii_case("ManagedIdentityExtensionForLinux")
    {
        return None;
    }
    let port = util::get_ci(&doc.properties, "settings")
        .and_then(Value::as_object)
        .and_then(|s| util::get_ci(s, "port"))
        .and_then(|p| {
            p.as_u64()
                .or_else(|| p.as_str().and_then(|s| s.trim().parse().ok()))
        });
    Some(match port {
        None => Some(MSI_EXTENSION_DEFAULT_PORT),
        Some(p) => u16::try_from(p).ok().filter(|p| *p != 0),
    })
}

/// The machine has the legacy MSI extension.
pub fn has_msi_extension(tx: &Tx<'_>, key: &str) -> Result<bool, ArmError> {
    for row in tx.children(key)? {
        if msi_extension_port(&parse(&row)?).is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every `(port, machine key, machine id)` an MSI extension claims, oldest extension first.
pub fn msi_extension_claims(
    tx: &Tx<'_>,
    sub: &str,
) -> Result<Vec<(u16, String, String)>, ArmError> {
    let mut rows = tx.all_of(VM_EXT_KIND)?;
    rows.extend(tx.all_of(VMSS_EXT_KIND)?);
    rows.sort_by_key(|r| r.seq);
    let mut out = Vec::new();
    for row in rows {
        let Some(Some(port)) = msi_extension_port(&parse(&row)?) else {
            continue;
        };
        let Some(parent) = row.key.rfind("/extensions/").map(|i| &row.key[..i]) else {
            continue;
        };
        if let Some(m) = find_by_key(tx, parent)? {
            out.push((port, m.key.clone(), m.id(sub)));
        }
    }
    Ok(out)
}
