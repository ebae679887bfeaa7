//! Which VMs or scale sets a bulk change applies to: IDs, a resource group, whole subscriptions, a tag.
//!
//! IDs are taken as given (each in its own subscription); where ten or more share a group, that group's list
//! gives their current state, else each is read when the change runs. Groups,
//! subscriptions and tags are resolved with list calls (one per page of 100 resources, az's `vm list`) whose
//! entries, etag included, are the current state the change is planned from: no GET per target.

use crate::client::ArmClient;
use crate::error::{Error, Result};
use crate::ids::{ComputeKind, ComputeTarget, validate_resource_group, validate_segment};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

/// The targets of a bulk change, as every face passes them (camelCase JSON keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selection {
    /// Full ARM IDs of the VMs or scale sets (az's `--ids`), in any subscriptions.
    #[serde(default)]
    pub ids: Vec<String>,
    /// Every VM or scale set of this resource group.
    pub resource_group: Option<String>,
    /// The subscriptions to list in; empty: the client's. Alone, every VM or scale set of them.
    #[serde(default)]
    pub subscriptions: Vec<String>,
    /// Only resources with this tag: `name` (any value) or `name=value` (the value compared as ARM does,
    /// case-insensitively).
    pub tag: Option<String>,
}

/// A target and, when a list gave it, its current resource and etag.
#[derive(Debug, Clone)]
pub struct Selected {
    pub target: ComputeTarget,
    pub known: Option<(Value, Option<String>)>,
}

/// `name` or `name=value`, checked.
fn parse_tag(tag: &str) -> Result<(String, Option<String>)> {
    let (name, value) = match tag.split_once('=') {
        Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
        None => (tag.trim(), None),
    };
    if name.is_empty() {
        return Err(Error::invalid_argument(format!(
            "invalid tag '{tag}': expected NAME or NAME=VALUE"
        )));
    }
    Ok((name.to_string(), value))
}

fn has_tag(resource: &Value, name: &str, value: Option<&str>) -> bool {
    let Some(tags) = resource.get("tags").and_then(Value::as_object) else {
        return false;
    };
    tags.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case(name)
            && value.is_none_or(|want| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(want)))
    })
}

impl Selection {
    /// Checks the selection before anything is read: one way of naming targets, and nothing implicit. A
    /// selection that names nothing is an error rather than "everything".
    pub fn validate(&self) -> Result<()> {
        let listed = self.resource_group.is_some() || self.tag.is_some();
        if !self.ids.is_empty() && (listed || !self.subscriptions.is_empty()) {
            return Err(Error::invalid_argument(
                "name the targets by IDs, or by resource group / subscriptions / tag, not both",
            ));
        }
        if self.ids.is_empty() && !listed && self.subscriptions.is_empty() {
            return Err(Error::invalid_argument(
                "name the targets: IDs, a resource group, a tag, or subscriptions",
            ));
        }
        if let Some(g) = &self.resource_group {
            validate_resource_group(g)?;
        }
        for s in &self.subscriptions {
            validate_segment("subscription id", s)?;
        }
        if let Some(t) = &self.tag {
            parse_tag(t)?;
        }
        Ok(())
    }
}

impl ArmClient {
    /// The targets a selection names, in a stable order (as given, or as listed).
    pub async fn select(&self, kind: ComputeKind, selection: &Selection) -> Result<Vec<Selected>> {
        selection.validate()?;
        if !selection.ids.is_empty() {
            let targets = selection
                .ids
                .iter()
                .map(|id| ComputeTarget::from_id(id, kind))
                .collect::<Result<Vec<_>>>()?;
            return Ok(self.read_by_group(kind, targets).await);
        }
        let tag = selection.tag.as_deref().map(parse_tag).transpose()?;
        let subscriptions = if selection.subscriptions.is_empty() {
            vec![self.subscription.clone()]
        } else {
            selection.subscriptions.clone()
        };
        let mut out = Vec::new();
        for sub in subscriptions {
            let client = self.with_subscription(&sub)?;
            let listed = client
                .list_compute(kind, selection.resource_group.as_deref())
                .await?;
            for resource in listed {
                if let Some((name, value)) = &tag
                    && !has_tag(&resource, name, value.as_deref())
                {
                    continue;
                }
                let Some(id) = resource.get("id").and_then(Value::as_str) else {
                    continue;
                };
                let target = ComputeTarget::from_id(id, kind)?;
                let etag = resource
                    .get("etag")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                out.push(Selected {
                    target,
                    known: Some((resource, etag)),
                });
            }
        }
        Ok(out)
    }

    /// Targets named by ID, with the current state of those whose group holds at least [`LIST_THRESHOLD`] of
    /// them read from the group's list (a page per 100 VMs instead of a GET each). A group that cannot be
    /// listed leaves its targets to be read one by one (each then fails or succeeds on its own).
    async fn read_by_group(&self, kind: ComputeKind, targets: Vec<ComputeTarget>) -> Vec<Selected> {
        let mut groups: HashMap<(String, String), usize> = HashMap::new();
        for t in &targets {
            *groups
                .entry((
                    t.subscription.to_ascii_lowercase(),
                    t.resource_group.to_ascii_lowercase(),
                ))
                .or_default() += 1;
        }
        let mut listed: HashMap<String, (Value, Option<String>)> = HashMap::new();
        for ((sub, rg), n) in groups {
            if n < LIST_THRESHOLD {
                continue;
            }
            let Ok(client) = self.with_subscription(&sub) else {
                continue;
            };
            let Ok(resources) = client.list_compute(kind, Some(&rg)).await else {
                continue;
            };
            for r in resources {
                if let Some(id) = r.get("id").and_then(Value::as_str) {
                    let etag = r.get("etag").and_then(Value::as_str).map(str::to_string);
                    listed.insert(id.to_ascii_lowercase(), (r.clone(), etag));
                }
            }
        }
        targets
            .into_iter()
            .map(|target| Selected {
                known: listed.remove(&target.path().to_ascii_lowercase()),
                target,
            })
            .collect()
    }
}

/// IDs in one group from which on the group is listed rather than each resource read.
const LIST_THRESHOLD: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selections_name_their_targets_one_way() {
        let ok = |v: Value| serde_json::from_value::<Selection>(v).unwrap().validate();
        assert!(ok(json!({"ids": ["/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v"]})).is_ok());
        assert!(ok(json!({"resourceGroup": "g"})).is_ok());
        assert!(ok(json!({"subscriptions": ["s"], "tag": "env=prod"})).is_ok());
        let err = ok(json!({})).unwrap_err();
        assert!(err.message().contains("name the targets"), "{err}");
        let err = ok(json!({"ids": ["x"], "resourceGroup": "g"})).unwrap_err();
        assert!(err.message().contains("not both"), "{err}");
        let err = ok(json!({"tag": "=x"})).unwrap_err();
        assert!(err.message().contains("invalid tag"), "{err}");
        assert!(serde_json::from_value::<Selection>(json!({"group": "g"})).is_err());
    }

    #[test]
    fn tags_match_by_name_and_value_case_insensitively() {
        let r = json!({"tags": {"Env": "Prod"}});
        assert!(has_tag(&r, "env", None));
        assert!(has_tag(&r, "env", Some("prod")));
        assert!(!has_tag(&r, "env", Some("dev")));
        assert!(!has_tag(&json!({}), "env", None));
    }
}
