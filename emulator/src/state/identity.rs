//! The `identity` of virtual machines and scale sets as stored: one canonical representation (the
//! system identity if enabled, the user-assigned identity ids in the casing first sent), whatever
//! shape the api-version of the request used.

use serde::{Deserialize, Serialize};

/// `identity.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityType {
    None,
    SystemAssigned,
    UserAssigned,
    SystemAndUserAssigned,
}

impl IdentityType {
    /// Case- and space-insensitive (`systemassigned,userassigned`, `None`, ...).
    pub fn parse(s: &str) -> Option<IdentityType> {
        let n: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match n.as_str() {
            "none" => IdentityType::None,
            "systemassigned" => IdentityType::SystemAssigned,
            "userassigned" => IdentityType::UserAssigned,
            "systemassigned,userassigned" | "userassigned,systemassigned" => {
                IdentityType::SystemAndUserAssigned
            }
            _ => return None,
        })
    }

    pub fn from_parts(system: bool, user: bool) -> IdentityType {
        match (system, user) {
            (false, false) => IdentityType::None,
            (true, false) => IdentityType::SystemAssigned,
            (false, true) => IdentityType::UserAssigned,
            (true, true) => IdentityType::SystemAndUserAssigned,
        }
    }

    /// Compute's spelling: `SystemAssigned, UserAssigned` with one space.
    pub fn canonical(self) -> &'static str {
        match self {
            IdentityType::None => "None",
            IdentityType::SystemAssigned => "SystemAssigned",
            IdentityType::UserAssigned => "UserAssigned",
            IdentityType::SystemAndUserAssigned => "SystemAssigned, UserAssigned",
        }
    }

    pub fn system(self) -> bool {
        matches!(
            self,
            IdentityType::SystemAssigned | IdentityType::SystemAndUserAssigned
        )
    }

    pub fn user(self) -> bool {
        matches!(
            self,
            IdentityType::UserAssigned | IdentityType::SystemAndUserAssigned
        )
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredIdentity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemIdentity>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub user: Vec<UserIdentity>,
    /// Ids the 2017-12-01 VM API keeps listing in `identityIds` after a full PUT switched the type
    /// to `SystemAssigned` without naming them (recorded real behaviour); they are not assigned.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legacy_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SystemIdentity {
    pub principal_id: String,
    pub client_id: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserIdentity {
    /// The id in the casing it was first sent.
    pub id: String,
    pub principal_id: String,
    pub client_id: String,
    /// The operation that added it (shown as `{}` until that operation completes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<String>,
}

impl StoredIdentity {
    pub fn kind(&self) -> IdentityType {
        IdentityType::from_parts(self.system.is_some(), !self.user.is_empty())
    }

    pub fn has_user(&self, id: &str) -> bool {
        self.user.iter().any(|u| u.id.eq_ignore_ascii_case(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_parsing_is_tolerant() {
        assert_eq!(
            IdentityType::parse("systemassigned,userassigned"),
            Some(IdentityType::SystemAndUserAssigned)
        );
        assert_eq!(
            IdentityType::parse("SystemAssigned, UserAssigned"),
            Some(IdentityType::SystemAndUserAssigned)
        );
        assert_eq!(IdentityType::parse("none"), Some(IdentityType::None));
        assert_eq!(IdentityType::parse("Both"), None);
    }

    fn spaced(s: &str, spaces: &[bool], upper: &[bool]) -> String {
        s.chars()
            .enumerate()
            .map(|(i, c)| {
                let c = if upper[i % upper.len()] {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                if spaces[i % spaces.len()] {
                    format!(" {c}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn canonical_names_parse_in_any_casing_and_spacing(
            kind in 0usize..4,
            spaces in proptest::collection::vec(proptest::bool::weighted(0.2), 1..8),
            upper in proptest::collection::vec(proptest::bool::ANY, 1..8),
        ) {
            let t = [IdentityType::None, IdentityType::SystemAssigned, IdentityType::UserAssigned,
                IdentityType::SystemAndUserAssigned][kind];
            proptest::prop_assert_eq!(IdentityType::parse(&spaced(t.canonical(), &spaces, &upper)), Some(t));
            proptest::prop_assert_eq!(IdentityType::from_parts(t.system(), t.user()), t);
        }

        #[test]
        fn any_text_parses_without_panicking(s in "\\PC{0,40}") {
            if let Some(t) = IdentityType::parse(&s) {
                let n: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
                let canon = t.canonical().replace(' ', "").to_ascii_lowercase();
                proptest::prop_assert!(n == canon || n == "userassigned,systemassigned");
            }
        }
    }
}
