//! Resource groups as stored, and their lookups.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::errors::ArmError;
use crate::store::Tx;

pub const RG_KIND: &str = "resourceGroup";

/// A stored resource group.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RgDoc {
    /// The name as created.
    pub name: String,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_by: Option<String>,
}

/// `/subscriptions/{sub}/resourcegroups/{rg}`, lower-cased.
pub fn rg_key(sub: &str, rg: &str) -> String {
    format!("/subscriptions/{sub}/resourcegroups/{rg}").to_ascii_lowercase()
}

pub fn load_rg(tx: &Tx<'_>, sub: &str, rg: &str) -> Result<Option<RgDoc>, ArmError> {
    match tx.get(&rg_key(sub, rg))? {
        Some(row) => Ok(Some(serde_json::from_value(row.doc).map_err(|e| {
            ArmError::internal(format!("stored resource group is unreadable: {e}"))
        })?)),
        None => Ok(None),
    }
}

/// The resource group, or 404 `ResourceGroupNotFound` naming it as the request did.
pub fn require_rg(tx: &Tx<'_>, sub: &str, rg: &str) -> Result<RgDoc, ArmError> {
    load_rg(tx, sub, rg)?.ok_or_else(|| ArmError::resource_group_not_found(rg))
}
