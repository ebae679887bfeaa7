//! The shapes ARM answers for deployments, their operations and their status.

use serde_json::{Map, Value, json};

use crate::state::deployments::{DeploymentDoc, DeploymentOp};
use crate::templates::plan::Plan;
use crate::util;

/// `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/{name}`.
pub fn deployment_id(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Resources/deployments/{name}"
    )
}

/// ARM's deployment timestamp: `2023-05-25T16:31:24.4849546Z`.
pub fn timestamp(ms: i64) -> String {
    let t = util::compute_time(ms);
    t.strip_suffix("+00:00")
        .map(|s| format!("{s}Z"))
        .unwrap_or(t)
}

/// An ISO 8601 duration: `PT1.5S`.
pub fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    format!("PT{}.{:03}S", ms / 1000, ms % 1000)
}

/// `providers`: the namespaces and types the template deploys, with their locations.
pub fn providers(plan: &Plan) -> Value {
    type Types = Vec<(String, Vec<Value>)>;
    let mut by_ns: Vec<(String, Types)> = Vec::new();
    for &k in &plan.order {
        let inst = &plan.instances[k];
        let (ns, ty) = inst.ty.split_once('/').unwrap_or((&inst.ty, ""));
        let copy = inst.copy.as_ref().map(|(n, i)| (n.as_str(), *i));
        let location = inst
            .raw
            .get("location")
            .and_then(|l| crate::templates::eval::eval_value(l, &plan.env(copy, None)).ok())
            .and_then(|l| l.as_str().map(util::normalize_location))
            .map(Value::String)
            .unwrap_or(Value::Null);
        let entry = match by_ns
            .iter_mut()
            .position(|(n, _)| n.eq_ignore_ascii_case(ns))
        {
            Some(p) => &mut by_ns[p].1,
            None => {
                by_ns.push((ns.to_string(), Vec::new()));
                let last = by_ns.len() - 1;
                &mut by_ns[last].1
            }
        };
        match entry.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(ty)) {
            Some((_, locs)) => {
                if !locs.contains(&location) {
                    locs.push(location);
                }
            }
            None => entry.push((ty.to_string(), vec![location])),
        }
    }
    Value::Array(
        by_ns
            .into_iter()
            .map(|(ns, types)| {
                json!({"namespace": ns, "resourceTypes": types.into_iter()
                    .map(|(t, l)| json!({"resourceType": t, "locations": l})).collect::<Vec<_>>()})
            })
            .collect(),
    )
}

/// `dependencies`: what each resource waited for.
pub fn dependencies(plan: &Plan) -> Value {
    let r = |k: usize| {
        let i = &plan.instances[k];
        json!({"id": i.id, "resourceType": i.ty, "resourceName": i.name})
    };
    Value::Array(
        plan.order
            .iter()
            .filter(|k| !plan.instances[**k].depends_on.is_empty())
            .map(|&k| {
                let mut v = r(k);
                v["dependsOn"] =
                    Value::Array(plan.instances[k].depends_on.iter().map(|d| r(*d)).collect());
                v
            })
            .collect(),
    )
}

/// The deployment as GET answers it at `now`.
pub fn deployment(sub: &str, doc: &DeploymentDoc, now: i64) -> Value {
    let running = now < doc.complete_ms;
    let mut p = Map::new();
    p.insert("templateHash".into(), json!(doc.template_hash));
    p.insert("parameters".into(), doc.parameters.clone());
    p.insert("mode".into(), json!(doc.mode));
    p.insert(
        "provisioningState".into(),
        json!(if running {
            "Running"
        } else {
            doc.outcome.as_str()
        }),
    );
    p.insert(
        "timestamp".into(),
        json!(timestamp(now.min(doc.complete_ms))),
    );
    p.insert(
        "duration".into(),
        json!(duration(now.min(doc.complete_ms) - doc.started_ms)),
    );
    p.insert("correlationId".into(), json!(doc.correlation_id));
    p.insert("providers".into(), doc.providers.clone());
    p.insert("dependencies".into(), doc.dependencies.clone());
    if !running {
        if doc.outcome == "Succeeded" {
            p.insert("outputs".into(), doc.outputs.clone());
        }
        p.insert(
            "outputResources".into(),
            Value::Array(
                doc.output_resources
                    .iter()
                    .map(|id| json!({"id": id}))
                    .collect(),
            ),
        );
        if let Some(e) = &doc.error {
            p.insert("error".into(), e.clone());
        }
    }
    json!({
        "id": deployment_id(sub, &doc.resource_group, &doc.name),
        "name": doc.name,
        "type": "Microsoft.Resources/deployments",
        "properties": p,
    })
}

/// One deployment operation.
pub fn operation(sub: &str, doc: &DeploymentDoc, op: &DeploymentOp) -> Value {
    let mut p = json!({
        "provisioningOperation": "Create",
        "provisioningState": op.state,
        "timestamp": timestamp(op.timestamp_ms + op.duration_ms),
        "duration": duration(op.duration_ms),
        "trackingId": util::new_guid(),
        "serviceRequestId": util::new_guid(),
        "statusCode": op.status_code,
        "targetResource": {"id": op.resource_id, "resourceType": op.resource_type, "resourceName": op.resource_name},
    });
    if let Some(e) = &op.error {
        p["statusMessage"] = json!({"status": "Failed", "error": e});
    }
    json!({
        "id": format!("{}/operations/{}", deployment_id(sub, &doc.resource_group, &doc.name), op.operation_id),
        "operationId": op.operation_id,
        "properties": p,
    })
}

/// `operationStatuses/{id}`: `Running`, then the outcome (with the error of a failure).
pub fn status(doc: &DeploymentDoc, now: i64) -> Value {
    if now < doc.complete_ms {
        return json!({"status": "Running"});
    }
    match &doc.error {
        Some(e) => json!({"status": doc.outcome, "error": e}),
        None => json!({"status": doc.outcome}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(duration(1500), "PT1.500S");
        assert_eq!(duration(-3), "PT0.000S");
        assert!(timestamp(0).starts_with("1970-01-01T00:00:00.0000000Z"));
    }
}
