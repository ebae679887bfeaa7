//! ARM deployments (`Microsoft.Resources/deployments`) as stored: the outcome of applying a
//! template, its operations (one per resource), outputs and errors. A deployment is applied when
//! it is PUT; it reads as `Running` until `complete_ms` (the emulator's LRO delay), then as its
//! outcome.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::groups::rg_key;
use crate::catalog::errors::ArmError;
use crate::store::Tx;

pub const DEPLOYMENT_KIND: &str = "deployment";

/// One resource the deployment wrote (or failed to write).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeploymentOp {
    pub operation_id: String,
    pub resource_id: String,
    pub resource_type: String,
    pub resource_name: String,
    /// `Succeeded` or `Failed`.
    pub state: String,
    /// `OK`, `Created`, `BadRequest`, ...
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    pub timestamp_ms: i64,
    pub duration_ms: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeploymentDoc {
    /// The names as the deployment was created.
    pub name: String,
    pub resource_group: String,
    pub mode: String,
    pub template_hash: String,
    pub template: Value,
    /// As echoed: secure values left out.
    pub parameters: Value,
    pub outputs: Value,
    /// `Succeeded` or `Failed`, once `complete_ms` has passed.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
    pub started_ms: i64,
    pub complete_ms: i64,
    pub correlation_id: String,
    /// The `Azure-AsyncOperation` id.
    pub operation_id: String,
    pub operations: Vec<DeploymentOp>,
    pub output_resources: Vec<String>,
    pub providers: Value,
    pub dependencies: Value,
}

/// `/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.resources/deployments/{name}`.
pub fn deployment_key(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "{}/providers/microsoft.resources/deployments/{name}",
        rg_key(sub, rg)
    )
    .to_ascii_lowercase()
}

fn parse(doc: Value) -> Result<DeploymentDoc, ArmError> {
    serde_json::from_value(doc)
        .map_err(|e| ArmError::internal(format!("stored deployment is unreadable: {e}")))
}

pub fn load(
    tx: &Tx<'_>,
    sub: &str,
    rg: &str,
    name: &str,
) -> Result<Option<DeploymentDoc>, ArmError> {
    match tx.get(&deployment_key(sub, rg, name))? {
        Some(row) => Ok(Some(parse(row.doc)?)),
        None => Ok(None),
    }
}

pub fn save(tx: &Tx<'_>, sub: &str, doc: &DeploymentDoc) -> Result<(), ArmError> {
    let value = serde_json::to_value(doc)
        .map_err(|e| ArmError::internal(format!("cannot store the deployment: {e}")))?;
    tx.put(
        &deployment_key(sub, &doc.resource_group, &doc.name),
        DEPLOYMENT_KIND,
        None,
        Some(&rg_key(sub, &doc.resource_group)),
        &value,
    )?;
    Ok(())
}

pub fn delete(tx: &Tx<'_>, sub: &str, rg: &str, name: &str) -> Result<bool, ArmError> {
    Ok(tx.delete(&deployment_key(sub, rg, name))?)
}

/// The group's deployments, in creation order.
pub fn list(tx: &Tx<'_>, sub: &str, rg: &str) -> Result<Vec<DeploymentDoc>, ArmError> {
    tx.in_group(&rg_key(sub, rg))?
        .into_iter()
        .filter(|r| r.kind == DEPLOYMENT_KIND)
        .map(|r| parse(r.doc))
        .collect()
}
