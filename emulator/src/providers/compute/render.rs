//! How machines, scale sets and their extensions are answered, per api-version.

use serde_json::{Map, Value, json};

use super::identity::{self, Shape};
use crate::arm::ctx::Ctx;
use crate::arm::preconditions::etag;
use crate::catalog::api_version;
use crate::catalog::errors::ArmError;
use crate::state::machines::{ComputeDoc, ComputeKind, ExtensionDoc, load_extensions, resource_id};
use crate::state::operations::{self, OpRef};
use crate::store::Tx;
use crate::util::{self, get_mut_ci};

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

pub(super) fn render_extension(
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

pub(super) fn instance_view(name: &str, time_ms: i64) -> Value {
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
pub(super) fn render(
    ctx: &Ctx<'_>,
    tx: &Tx<'_>,
    kind: ComputeKind,
    key: &str,
    doc: &ComputeDoc,
    write_op: Option<&OpRef>,
) -> Result<Value, ArmError> {
    Ok(render_with(
        ctx,
        kind,
        doc,
        &load_extensions(tx, key)?,
        write_op,
    ))
}

/// [`render`] with the resource's `extensions` already read (a GET renders after its read, outside
/// the store's lock).
pub(super) fn render_with(
    ctx: &Ctx<'_>,
    kind: ComputeKind,
    doc: &ComputeDoc,
    extensions: &[ExtensionDoc],
    write_op: Option<&OpRef>,
) -> Value {
    let now = util::now_ms();
    let api = ctx.api_version.as_str();
    let sub = &ctx.shared.seed.subscription_id;
    let (state, pending) = match write_op {
        Some(op) => (op.state.clone(), Some(op.id.as_str())),
        None => (
            operations::provisioning_state(doc.last_op.as_ref(), now),
            operations::running(doc.last_op.as_ref(), now),
        ),
    };
    let id = resource_id(sub, &doc.rg, kind, &doc.name);

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
        &ctx.shared.seed.tenant_id,
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
            inject_vmss_extensions(&mut with_exts, extensions, api);
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
                let s = operations::provisioning_state(e.last_op.as_ref(), now);
                render_extension(ctx, kind, &id, e, &s)
            })
            .collect();
        o.insert("resources".into(), Value::Array(list));
    }
    Value::Object(o)
}

/// Shows scale-set extensions in `virtualMachineProfile.extensionProfile.extensions`.
pub(super) fn inject_vmss_extensions(
    props: &mut Map<String, Value>,
    exts: &[ExtensionDoc],
    api: &str,
) {
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
}
