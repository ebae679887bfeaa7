//! Microsoft.Compute: virtual machines, scale sets and their extensions.
//!
//! Writes are long-running operations (see `lro`): PUT answers 201 `Creating` or 200 `Updating`,
//! PATCH 200 `Updating`, both with `Azure-AsyncOperation`; DELETE answers 202 with `Location` and
//! `Azure-AsyncOperation` and removes the resource at once. The caller's model is kept as sent, minus
//! read-only fields; the emulator adds `vmId`/`uniqueId`, `timeCreated`, `provisioningState` and an
//! etag. VM extensions are child resources listed under the VM's `resources`; scale-set extensions
//! are child resources shown in `virtualMachineProfile.extensionProfile.extensions`.

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::errors::ArmError;
use super::identity::{self, IdentityRequest, Mode, Shape, StoredIdentity};
use super::lro::{self, OpRef};
use super::resources::{self, RgDoc, rg_key};
use super::{ArmResponse, Ctx, api_version, check_preconditions, etag, msi, rbac};
use crate::store::{Principal, Row, Tx};
use crate::util;

pub const VM_KIND: &str = "virtualMachine";
pub const VMSS_KIND: &str = "virtualMachineScaleSet";
pub const VM_EXT_KIND: &str = "virtualMachineExtension";
pub const VMSS_EXT_KIND: &str = "virtualMachineScaleSetExtension";

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

    fn ext_store_kind(self) -> &'static str {
        match self {
            ComputeKind::Vm => VM_EXT_KIND,
            ComputeKind::Vmss => VMSS_EXT_KIND,
        }
    }

    /// Read-only properties dropped from requests.
    fn read_only_properties(self) -> &'static [&'static str] {
        match self {
            ComputeKind::Vm => &["vmId", "provisioningState", "timeCreated", "instanceView"],
            ComputeKind::Vmss => &["uniqueId", "provisioningState", "timeCreated"],
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

fn ext_key(parent_key: &str, ext: &str) -> String {
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

fn parse<T: for<'de> Deserialize<'de>>(row: &Row) -> Result<T, ArmError> {
    serde_json::from_value(row.doc.clone())
        .map_err(|e| ArmError::internal(format!("stored resource is unreadable: {e}")))
}

fn not_found(kind: ComputeKind, name: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{}/{name}", kind.full_type()), rg)
}

fn invalid(detail: &str) -> ArmError {
    ArmError::invalid_content(detail)
}

/// Mutable access to a key matched case-insensitively.
fn get_mut_ci<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Value> {
    let actual = map.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone();
    map.get_mut(&actual)
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
pub fn associated_with(tx: &Tx<'_>, ctx: &Ctx<'_>, uai_id: &str) -> Result<Vec<Value>, ArmError> {
    let sub = &ctx.app.seed.subscription_id;
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
                    "subscriptionDisplayName": crate::app::SUBSCRIPTION_NAME,
                }));
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Rendering

/// Extension properties with `provisioningState`, ordered as the api-version answers them
/// (alphabetical in recent versions, the model order in old ones).
fn ext_properties(props: &Map<String, Value>, state: Option<&str>, api: &str) -> Value {
    let mut all = props.clone();
    util::remove_ci(&mut all, "provisioningState");
    if let Some(s) = state {
        all.insert("provisioningState".into(), json!(s));
    }
    let mut entries: Vec<(String, Value)> = all.into_iter().collect();
    if api_version::at_least(api, "2022-03-01") {
        entries.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        const ORDER: [&str; 7] = [
            "forceUpdateTag",
            "publisher",
            "type",
            "typeHandlerVersion",
            "autoUpgradeMinorVersion",
            "enableAutomaticUpgrade",
            "settings",
        ];
        let rank = |k: &str| {
            if k == "provisioningState" {
                ORDER.len() + 1
            } else {
                ORDER.iter().position(|o| *o == k).unwrap_or(ORDER.len())
            }
        };
        entries.sort_by_key(|(k, _)| rank(k));
    }
    Value::Object(entries.into_iter().collect())
}

fn render_extension(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    parent_id: &str,
    doc: &ExtensionDoc,
    state: &str,
) -> Value {
    let mut o = Map::new();
    o.insert("name".into(), json!(doc.name));
    o.insert(
        "id".into(),
        json!(format!("{parent_id}/extensions/{}", doc.name)),
    );
    o.insert(
        "type".into(),
        json!(format!("{}/extensions", kind.full_type())),
    );
    if let Some(l) = &doc.location {
        o.insert("location".into(), json!(l));
    }
    if let Some(t) = &doc.tags {
        o.insert("tags".into(), t.clone());
    }
    o.insert(
        "properties".into(),
        ext_properties(&doc.properties, Some(state), &ctx.api_version),
    );
    Value::Object(o)
}

fn load_extensions(tx: &Tx<'_>, parent_key: &str) -> Result<Vec<ExtensionDoc>, ArmError> {
    tx.children(parent_key)?.iter().map(parse).collect()
}

/// Orders `props`: `first` keys, the `leading` keys, the caller's other keys, then `trailing`.
fn ordered(
    props: &Map<String, Value>,
    first: Vec<(&str, Value)>,
    leading: &[&str],
    middle: Vec<(&str, Value)>,
    after_middle: &[&str],
    trailing: Vec<(&str, Value)>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in first {
        out.insert(k.to_string(), v);
    }
    let mut rest = props.clone();
    for k in leading {
        if let Some(v) = rest.remove(*k) {
            out.insert(k.to_string(), v);
        }
    }
    for (k, v) in middle {
        out.insert(k.to_string(), v);
    }
    for k in after_middle {
        if let Some(v) = rest.remove(*k) {
            out.insert(k.to_string(), v);
        }
    }
    for (k, v) in rest {
        out.insert(k, v);
    }
    for (k, v) in trailing {
        out.insert(k.to_string(), v);
    }
    out
}

fn instance_view(name: &str, time_ms: i64) -> Value {
    json!({
        "computerName": name,
        "statuses": [
            {"code": "ProvisioningState/succeeded", "level": "Info",
             "displayStatus": "Provisioning succeeded", "time": util::compute_time(time_ms)},
            {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"},
        ],
    })
}

/// The resource as ARM answers it. `write_op`: the operation a write just started (its state and
/// new user-assigned identities are shown as in progress).
fn render(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    kind: ComputeKind,
    key: &str,
    doc: &ComputeDoc,
    write_op: Option<&OpRef>,
) -> Result<Value, ArmError> {
    let now = util::now_ms();
    let api = ctx.api_version.as_str();
    let sub = &ctx.app.seed.subscription_id;
    let (state, pending) = match write_op {
        Some(op) => (op.state.clone(), Some(op.id.as_str())),
        None => (
            lro::provisioning_state(doc.last_op.as_ref(), now),
            lro::running(doc.last_op.as_ref(), now),
        ),
    };
    let id = resource_id(sub, &doc.rg, kind, &doc.name);
    let extensions = load_extensions(tx, key)?;

    let mut o = Map::new();
    o.insert("name".into(), json!(doc.name));
    o.insert("id".into(), json!(id));
    o.insert("type".into(), json!(kind.full_type()));
    o.insert("location".into(), json!(doc.location));
    if let Some(t) = &doc.tags {
        o.insert("tags".into(), t.clone());
    }
    if api_version::at_least(api, "2023-09-01") {
        o.insert("etag".into(), json!(etag(doc.etag)));
    }
    if let Some(i) = identity::render(
        &doc.identity,
        Shape::for_api(api),
        &ctx.app.seed.tenant_id,
        pending,
    ) {
        o.insert("identity".into(), i);
    }
    for (k, v) in &doc.extra {
        o.insert(k.clone(), v.clone());
    }

    let time_created = api_version::at_least(api, "2021-11-01").then(|| {
        (
            "timeCreated",
            json!(util::compute_time(doc.time_created_ms)),
        )
    });
    let mut props = match kind {
        ComputeKind::Vm => ordered(
            &doc.properties,
            vec![("vmId", json!(doc.unique_id))],
            &[
                "availabilitySet",
                "hardwareProfile",
                "storageProfile",
                "additionalCapabilities",
                "osProfile",
                "securityProfile",
                "networkProfile",
                "diagnosticsProfile",
            ],
            vec![],
            &[],
            [Some(("provisioningState", json!(state))), time_created]
                .into_iter()
                .flatten()
                .collect(),
        ),
        ComputeKind::Vmss => {
            let mut with_exts = doc.properties.clone();
            inject_vmss_extensions(&mut with_exts, &extensions, api);
            ordered(
                &with_exts,
                vec![],
                &[
                    "singlePlacementGroup",
                    "orchestrationMode",
                    "upgradePolicy",
                    "scaleInPolicy",
                    "virtualMachineProfile",
                ],
                vec![("provisioningState", json!(state))],
                &["overprovision", "doNotRunExtensionsOnOverprovisionedVMs"],
                [Some(("uniqueId", json!(doc.unique_id))), time_created]
                    .into_iter()
                    .flatten()
                    .collect(),
            )
        }
    };
    // The admin password is write-only: Azure keeps it to provision machines but never returns it.
    let os_profile = match kind {
        ComputeKind::Vm => props.get_mut("osProfile"),
        ComputeKind::Vmss => props
            .get_mut("virtualMachineProfile")
            .and_then(|p| p.get_mut("osProfile")),
    };
    if let Some(Value::Object(os)) = os_profile {
        util::remove_ci(os, "adminPassword");
    }
    let expand = ctx.query("$expand").unwrap_or("");
    if kind == ComputeKind::Vm && expand.eq_ignore_ascii_case("instanceView") {
        props.insert(
            "instanceView".into(),
            instance_view(&doc.name, doc.time_created_ms),
        );
    }
    o.insert("properties".into(), Value::Object(props));

    if kind == ComputeKind::Vm && !extensions.is_empty() {
        let list: Vec<Value> = extensions
            .iter()
            .map(|e| {
                let s = lro::provisioning_state(e.last_op.as_ref(), now);
                render_extension(ctx, kind, &id, e, &s)
            })
            .collect();
        o.insert("resources".into(), Value::Array(list));
    }
    Ok(Value::Object(o))
}

/// Shows scale-set extensions in `virtualMachineProfile.extensionProfile.extensions`.
fn inject_vmss_extensions(props: &mut Map<String, Value>, exts: &[ExtensionDoc], api: &str) {
    if exts.is_empty() {
        if let Some(Value::Object(vmp)) = get_mut_ci(props, "virtualMachineProfile") {
            let empty = matches!(util::get_ci(vmp, "extensionProfile"), Some(Value::Object(m)) if m.is_empty());
            if empty {
                util::remove_ci(vmp, "extensionProfile");
            }
        }
        return;
    }
    let list: Vec<Value> = exts
        .iter()
        .map(|e| json!({"name": e.name, "properties": ext_properties(&e.properties, None, api)}))
        .collect();
    if !matches!(
        get_mut_ci(props, "virtualMachineProfile"),
        Some(Value::Object(_))
    ) {
        util::remove_ci(props, "virtualMachineProfile");
        props.insert("virtualMachineProfile".into(), json!({}));
    }
    let Some(Value::Object(vmp)) = get_mut_ci(props, "virtualMachineProfile") else {
        return;
    };
    if !matches!(get_mut_ci(vmp, "extensionProfile"), Some(Value::Object(_))) {
        util::remove_ci(vmp, "extensionProfile");
        vmp.insert("extensionProfile".into(), json!({}));
    }
    if let Some(Value::Object(ep)) = get_mut_ci(vmp, "extensionProfile") {
        ep.insert("extensions".into(), Value::Array(list));
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

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
    for k in kind.read_only_properties() {
        util::remove_ci(props, k);
    }
}

/// An extension from a request body (`properties` of a PUT, or an extension-profile entry).
fn extension_from(name: String, props: Option<&Value>) -> Result<ExtensionDoc, ArmError> {
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
        Some(Value::String(s)) => Some(util::normalize_location(s)),
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
    let sub = &ctx.app.seed.subscription_id;
    let id = resource_id(sub, doc_rg, kind, doc_name);
    // Linking a user-assigned identity needs `assign/action` on it (ARM checks before the RP runs).
    let mut refused = Vec::new();
    // Malformed ids are left to the resource provider (400 FailedIdentityOperation).
    for added in identity::requested_additions(current, req) {
        if msi::key_of_id(&added).is_some() && !ctx.permits(tx, rbac::ASSIGN_ACTION, &added)? {
            refused.push(added);
        }
    }
    if !refused.is_empty() {
        return Err(rbac::linked_authorization_failed(
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
        &mut |uai| msi::resolve(tx, uai),
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

fn put(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let req = parse_write(ctx, kind, Mode::Put)?;
    let sub = ctx.app.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.app.store.tx(|tx| {
        let group: RgDoc = resources::require_rg(tx, sub, rg)?;
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
        let op = lro::start(ctx, tx, &k, "write", state)?;
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

fn patch(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let req = parse_write(ctx, kind, Mode::Patch)?;
    let sub = ctx.app.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.app.store.tx(|tx| {
        resources::require_rg(tx, sub, rg)?;
        let mut doc: ComputeDoc = match tx.get(&k)? {
            Some(r) => parse(&r)?,
            None => return Err(not_found(kind, name, rg)),
        };
        check_preconditions(
            ctx,
            Some(doc.etag),
            &resource_id(sub, &doc.rg, kind, &doc.name),
        )?;
        let op = lro::start(ctx, tx, &k, "write", "Updating")?;
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

fn get(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.app.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.app.store.tx(|tx| {
        resources::require_rg(tx, sub, rg)?;
        let doc: ComputeDoc = match tx.get(&k)? {
            Some(r) => parse(&r)?,
            None => return Err(not_found(kind, name, rg)),
        };
        let body = render(ctx, tx, kind, &k, &doc, None)?;
        Ok(ArmResponse::ok(body).header("ETag", etag(doc.etag)))
    })
}

fn delete(ctx: &Ctx<'_>, kind: ComputeKind, rg: &str, name: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.app.seed.subscription_id.as_str();
    let k = key(sub, rg, kind, name);
    ctx.app.store.tx(|tx| {
        resources::require_rg(tx, sub, rg)?;
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
        let op = lro::start(ctx, tx, &k, "delete", "Deleting")?;
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
    let sub = ctx.app.seed.subscription_id.as_str();
    ctx.app.store.tx(|tx| {
        let group_key = match rg {
            Some(rg) => {
                resources::require_rg(tx, sub, rg)?;
                Some(rg_key(sub, rg))
            }
            None => None,
        };
        ctx.page_where(
            tx,
            kind.store_kind(),
            group_key.as_deref(),
            |row| match only_readable {
                Some(action) => ctx.permits(tx, action, &row.key),
                None => Ok(true),
            },
            |row| {
                let doc: ComputeDoc = parse(row)?;
                render(ctx, tx, kind, &row.key, &doc, None)
            },
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Extensions and sub-resources

/// The parent machine or scale set, or 404 `ParentResourceNotFound`.
fn require_parent(
    tx: &Tx<'_>,
    kind: ComputeKind,
    sub: &str,
    rg: &str,
    name: &str,
) -> Result<(String, ComputeDoc), ArmError> {
    resources::require_rg(tx, sub, rg)?;
    let k = key(sub, rg, kind, name);
    match tx.get(&k)? {
        Some(r) => Ok((k, parse(&r)?)),
        None => Err(ArmError::parent_not_found(name)),
    }
}

fn ext_not_found(kind: ComputeKind, name: &str, ext: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{}/{name}/extensions/{ext}", kind.full_type()), rg)
}

fn list_extensions(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.app.seed.subscription_id.as_str();
    ctx.app.store.tx(|tx| {
        let (pk, parent) = require_parent(tx, kind, sub, rg, name)?;
        let id = resource_id(sub, &parent.rg, kind, &parent.name);
        let now = util::now_ms();
        let value: Vec<Value> = load_extensions(tx, &pk)?
            .iter()
            .map(|e| {
                let s = lro::provisioning_state(e.last_op.as_ref(), now);
                render_extension(ctx, kind, &id, e, &s)
            })
            .collect();
        Ok(ArmResponse::ok(json!({ "value": value })))
    })
}

fn extension(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
    ext: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.app.seed.subscription_id.as_str();
    match ctx.method {
        Method::GET => ctx.app.store.tx(|tx| {
            let (pk, parent) = require_parent(tx, kind, sub, rg, name)?;
            let row = tx
                .get(&ext_key(&pk, ext))?
                .ok_or_else(|| ext_not_found(kind, name, ext, rg))?;
            let doc: ExtensionDoc = parse(&row)?;
            let state = lro::provisioning_state(doc.last_op.as_ref(), util::now_ms());
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
                .map(util::normalize_location);
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
            ctx.app.store.tx(|tx| {
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
                let op = lro::start(ctx, tx, &ek, "write", state)?;
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
        Method::DELETE => ctx.app.store.tx(|tx| {
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
            let op = lro::start(ctx, tx, &ek, "delete", "Deleting")?;
            Ok(lro::accepted(ctx, &parent.location, &op))
        }),
        ref m => Err(ArmError::method_not_allowed(m.as_str())),
    }
}

/// `GET .../{name}/providers/Microsoft.ManagedIdentity/identities/default`: the system-assigned
/// identity, with its client id.
fn system_identity(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    rg: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.app.seed.subscription_id.as_str();
    ctx.app.store.tx(|tx| {
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
                "tenantId": ctx.app.seed.tenant_id,
                "principalId": s.principal_id,
                "clientId": s.client_id,
                "clientSecretUrl": format!(
                    "{}{id}/credentials?tid={}&oid={}&aid={}",
                    ctx.app.endpoint, ctx.app.seed.tenant_id, s.principal_id, s.client_id
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
    let sub = ctx.app.seed.subscription_id.as_str();
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
            ctx.app.store.tx(|tx| {
                let (pk, doc) = require_parent(tx, kind, sub, rg, name)?;
                let op = lro::start(ctx, tx, &pk, "action", "Updating")?;
                Ok(lro::accepted(ctx, &doc.location, &op))
            })
        }
        (["virtualmachines"], ComputeKind::Vmss) => {
            only(Method::GET)?;
            ctx.app.store.tx(|tx| {
                require_parent(tx, kind, sub, rg, name)?;
                Ok(ArmResponse::ok(json!({"value": []})))
            })
        }
        (["instanceview"], _) => {
            only(Method::GET)?;
            ctx.app.store.tx(|tx| {
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

// ---------------------------------------------------------------------------------------------
// Lookups for the token endpoints (IMDS, the MSI VM extension, App Service style)

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
    for row in tx.all_of(kind.store_kind())? {
        let doc: ComputeDoc = parse(&row)?;
        if doc.unique_id.eq_ignore_ascii_case(id) {
            return Ok(Some(Machine {
                kind,
                key: row.key,
                doc,
            }));
        }
    }
    Ok(None)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_properties_follow_the_api_version() {
        let props: Map<String, Value> = serde_json::from_value(json!({
            "settings": {"port": 50342}, "typeHandlerVersion": "1.0",
            "autoUpgradeMinorVersion": true, "type": "ManagedIdentityExtensionForLinux",
            "publisher": "Microsoft.ManagedIdentity"}))
        .unwrap();
        let old = ext_properties(&props, Some("Creating"), "2017-12-01");
        let keys: Vec<&String> = old.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "publisher",
                "type",
                "typeHandlerVersion",
                "autoUpgradeMinorVersion",
                "settings",
                "provisioningState"
            ]
        );
        let new = ext_properties(&props, Some("Succeeded"), "2022-11-01");
        let keys: Vec<&String> = new.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "autoUpgradeMinorVersion",
                "provisioningState",
                "publisher",
                "settings",
                "type",
                "typeHandlerVersion"
            ]
        );
    }

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
