//! User-assigned identities as stored, and the lookups other resources make: resolving an identity
//! id to its store key and principal.
//! Ids use the lower-case `resourcegroups` segment, like the real service.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::errors::ArmError;
use crate::store::{Row, Tx};

pub const UAI_KIND: &str = "userAssignedIdentity";
pub const TYPE: &str = "Microsoft.ManagedIdentity/userAssignedIdentities";

/// A stored user-assigned identity.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UaiDoc {
    pub name: String,
    /// Resource group name as created.
    pub rg: String,
    pub location: String,
    #[serde(default)]
    pub tags: Map<String, Value>,
    pub principal_id: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolation_scope: Option<String>,
}

pub fn key(sub: &str, rg: &str, name: &str) -> String {
    format!(
        "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.managedidentity/userassignedidentities/{name}"
    )
    .to_ascii_lowercase()
}

pub fn resource_id(sub: &str, rg: &str, name: &str) -> String {
    format!("/subscriptions/{sub}/resourcegroups/{rg}/providers/{TYPE}/{name}")
}

pub fn parse_doc(row: &Row) -> Result<UaiDoc, ArmError> {
    UaiDoc::deserialize(&row.doc)
        .map_err(|e| ArmError::internal(format!("stored identity is unreadable: {e}")))
}

/// The lower-cased store key of a user-assigned identity id, `None` when `id` is not one.
pub fn key_of_id(id: &str) -> Option<String> {
    let segs: Vec<&str> = id.trim_end_matches('/').split('/').collect();
    match segs.as_slice() {
        ["", s, sub, r, rg, p, ns, t, name]
            if s.eq_ignore_ascii_case("subscriptions")
                && r.eq_ignore_ascii_case("resourcegroups")
                && p.eq_ignore_ascii_case("providers")
                && ns.eq_ignore_ascii_case("Microsoft.ManagedIdentity")
                && t.eq_ignore_ascii_case("userAssignedIdentities")
                && !sub.is_empty()
                && !rg.is_empty()
                && !name.is_empty() =>
        {
            Some(key(sub, rg, name))
        }
        _ => None,
    }
}

/// `(principalId, clientId)` of the identity `id`; `None` when it does not exist or is malformed.
pub fn resolve(tx: &Tx<'_>, id: &str) -> Result<Option<(String, String)>, ArmError> {
    let Some(k) = key_of_id(id) else {
        return Ok(None);
    };
    match tx.get(&k)? {
        Some(row) if row.kind == UAI_KIND => {
            let d = parse_doc(&row)?;
            Ok(Some((d.principal_id, d.client_id)))
        }
        _ => Ok(None),
    }
}

/// Drops the principal of a deleted identity.
pub fn forget_principal(tx: &Tx<'_>, row: &Row) -> Result<(), ArmError> {
    if row.kind == UAI_KIND {
        tx.principal_delete(&parse_doc(row)?.principal_id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_case_insensitively() {
        let k = key_of_id(
            "/subscriptions/S/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ID1",
        );
        assert_eq!(
            k.as_deref(),
            Some(
                "/subscriptions/s/resourcegroups/rg/providers/microsoft.managedidentity/userassignedidentities/id1"
            )
        );
        assert!(
            key_of_id(
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/virtualMachines/x"
            )
            .is_none()
        );
        assert!(key_of_id("not-an-id").is_none());
    }

    fn recase(s: &str, upper: &[bool]) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                if upper[i % upper.len()] {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn identity_ids_parse_in_any_casing(
            sub in "[A-Za-z0-9-]{1,36}", rg in "[A-Za-z0-9._()-]{1,40}", name in "[A-Za-z0-9_-]{1,40}",
            upper in proptest::collection::vec(proptest::bool::ANY, 1..16), slash in proptest::bool::ANY,
        ) {
            let id = format!(
                "/{}/{}/{}/{}/{}/{}/{}/{}{}",
                recase("subscriptions", &upper), sub, recase("resourceGroups", &upper), rg,
                recase("providers", &upper), recase("Microsoft.ManagedIdentity", &upper),
                recase("userAssignedIdentities", &upper), name, if slash { "/" } else { "" }
            );
            proptest::prop_assert_eq!(key_of_id(&id), Some(key(&sub, &rg, &name)));
        }

        #[test]
        fn any_text_is_an_id_or_not_without_panicking(id in "(/[\\PC&&[^/]]{0,12}){0,12}") {
            if let Some(k) = key_of_id(&id) {
                proptest::prop_assert_eq!(k.clone(), k.to_ascii_lowercase());
            }
        }
    }
}
