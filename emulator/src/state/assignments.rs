//! Role assignments as stored: scopes, the assignment document, and the queries access control
//! makes (a principal may perform an action at a scope when one of its role assignments at that
//! scope or an ancestor has a role that grants it).

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::catalog::errors::ArmError;
use crate::catalog::roles::{self, role};
use crate::catalog::seed::Seed;
use crate::store::Tx;
use crate::util;

/// The comparison key of a scope: lower-cased, no trailing `/`, `/` for the root.
pub fn scope_key(scope: &str) -> String {
    let t = scope.trim().trim_end_matches('/').to_ascii_lowercase();
    if t.is_empty() { "/".to_string() } else { t }
}

/// `ancestor` is `scope` or one of its parents (both keys).
pub fn covers(ancestor: &str, scope: &str) -> bool {
    ancestor == "/"
        || ancestor == scope
        || (scope.len() > ancestor.len()
            && scope.starts_with(ancestor)
            && scope.as_bytes()[ancestor.len()] == b'/')
}

/// A stored role assignment (`providers::roles` renders it).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AssignmentDoc {
    /// The name as sent (a GUID).
    pub name: String,
    /// The scope as sent, `/` for the root.
    pub scope: String,
    /// GUID of the role definition.
    pub role: String,
    pub principal_id: String,
    pub principal_type: String,
    pub created_on: String,
    pub updated_on: String,
    #[serde(default)]
    pub created_by: Option<String>,
    #[serde(default)]
    pub updated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_version: Option<String>,
}

pub fn parse_assignment(doc: &serde_json::Value) -> Result<AssignmentDoc, ArmError> {
    AssignmentDoc::deserialize(doc)
        .map_err(|e| ArmError::internal(format!("stored role assignment is unreadable: {e}")))
}

/// The principal `oid` may perform `action` at `scope_key` (a [`scope_key`]).
pub fn permits(tx: &Tx<'_>, oid: &str, action: &str, scope_key: &str) -> Result<bool, ArmError> {
    for row in tx.assignments_of(oid)? {
        if !covers(&row.scope_key, scope_key) {
            continue;
        }
        let doc = parse_assignment(&row.doc)?;
        if role(&doc.role).is_some_and(|r| r.allows(action)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The seeded admin principal's Owner assignment on the default subscription (first start).
pub fn seed_owner(tx: &Tx<'_>, seed: &Seed) -> Result<(), rusqlite::Error> {
    let scope = format!("/subscriptions/{}", seed.subscription_id);
    let name = util::new_guid();
    let now = util::authorization_time();
    let doc = AssignmentDoc {
        name: name.clone(),
        scope: scope.clone(),
        role: roles::OWNER.to_string(),
        principal_id: seed.admin_object_id.clone(),
        principal_type: "ServicePrincipal".into(),
        created_on: now.clone(),
        updated_on: now,
        created_by: None,
        updated_by: None,
        description: Some(
            "Seeded by msi-emulator: the admin service principal owns the subscription.".into(),
        ),
        condition: None,
        condition_version: None,
    };
    tx.assignment_put(
        &name,
        &scope_key(&scope),
        &seed.admin_object_id,
        &json!(doc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest() {
        assert!(covers("/", "/subscriptions/s"));
        assert!(covers(
            "/subscriptions/s",
            "/subscriptions/s/resourcegroups/rg"
        ));
        assert!(covers("/subscriptions/s", "/subscriptions/s"));
        assert!(!covers("/subscriptions/s", "/subscriptions/s2"));
        assert!(!covers(
            "/subscriptions/s/resourcegroups/rg",
            "/subscriptions/s"
        ));
        assert_eq!(scope_key("/Subscriptions/S/"), "/subscriptions/s");
        assert_eq!(scope_key(""), "/");
    }
}
