//! The identity of a VM or scale set, the changes callers ask for, and the change plan: the one pure function
//! that decides what an identity PATCH contains.

use crate::error::{Error, Result};
use crate::ids::ids_equal;
use serde_json::{Map, Value, json};
use std::fmt;

/// `identity.type` of a VM or scale set (Compute's closed enum; note the space in the combined form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentityType {
    None,
    SystemAssigned,
    UserAssigned,
    SystemAssignedUserAssigned,
}

impl IdentityType {
    pub fn from_parts(system: bool, user: bool) -> IdentityType {
        match (system, user) {
            (false, false) => IdentityType::None,
            (true, false) => IdentityType::SystemAssigned,
            (false, true) => IdentityType::UserAssigned,
            (true, true) => IdentityType::SystemAssignedUserAssigned,
        }
    }

    /// Parse as Azure does: case- and space-insensitive (`systemassigned,userassigned`, `none`).
    pub fn parse(s: &str) -> Result<IdentityType> {
        let norm: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        match norm.as_str() {
            "none" => Ok(IdentityType::None),
            "systemassigned" => Ok(IdentityType::SystemAssigned),
            "userassigned" => Ok(IdentityType::UserAssigned),
            "systemassigned,userassigned" | "userassigned,systemassigned" => {
                Ok(IdentityType::SystemAssignedUserAssigned)
            }
            _ => Err(Error::invalid_argument(format!(
                "invalid identity type '{s}': expected one of SystemAssigned, UserAssigned, 'SystemAssigned, UserAssigned', None"
            ))),
        }
    }

    /// Canonical form, as Azure answers it.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityType::None => "None",
            IdentityType::SystemAssigned => "SystemAssigned",
            IdentityType::UserAssigned => "UserAssigned",
            IdentityType::SystemAssignedUserAssigned => "SystemAssigned, UserAssigned",
        }
    }

    pub fn has_system(self) -> bool {
        matches!(
            self,
            IdentityType::SystemAssigned | IdentityType::SystemAssignedUserAssigned
        )
    }

    pub fn has_user(self) -> bool {
        matches!(
            self,
            IdentityType::UserAssigned | IdentityType::SystemAssignedUserAssigned
        )
    }
}

impl fmt::Display for IdentityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One user-assigned identity attached to a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAssignedIdentity {
    /// ARM ID, in the casing the service returned.
    pub id: String,
    pub principal_id: Option<String>,
    pub client_id: Option<String>,
}

/// The identity of a VM or scale set as the service reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub identity_type: IdentityType,
    /// Object ID of the system-assigned identity.
    pub principal_id: Option<String>,
    pub tenant_id: Option<String>,
    pub user_assigned: Vec<UserAssignedIdentity>,
}

impl Identity {
    /// No identity at all (what a resource without an `identity` key has).
    pub fn none() -> Identity {
        Identity {
            identity_type: IdentityType::None,
            principal_id: None,
            tenant_id: None,
            user_assigned: Vec::new(),
        }
    }

    /// From a resource body (its `identity` key, absent meaning none). Accepts the map shape (2018-06-01+) and the
    /// old `identityIds` list.
    pub fn from_resource(resource: &Value) -> Result<Identity> {
        match resource.get("identity") {
            None | Some(Value::Null) => Ok(Identity::none()),
            Some(v) => Identity::from_json(v),
        }
    }

    pub fn from_json(v: &Value) -> Result<Identity> {
        let bad = |why: &str| {
            Error::new(
                crate::ErrorKind::Service,
                format!("unexpected identity in response: {why}"),
            )
        };
        let ty = match v.get("type").and_then(Value::as_str) {
            Some(t) => IdentityType::parse(t).map_err(|_| bad(&format!("unknown type '{t}'")))?,
            None => return Err(bad("no type")),
        };
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let mut user_assigned = Vec::new();
        if let Some(map) = v.get("userAssignedIdentities").and_then(Value::as_object) {
            for (id, val) in map {
                user_assigned.push(UserAssignedIdentity {
                    id: id.clone(),
                    principal_id: val
                        .get("principalId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    client_id: val
                        .get("clientId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                });
            }
        } else if let Some(list) = v.get("identityIds").and_then(Value::as_array) {
            for id in list.iter().filter_map(Value::as_str) {
                user_assigned.push(UserAssignedIdentity {
                    id: id.to_string(),
                    principal_id: None,
                    client_id: None,
                });
            }
        }
        Ok(Identity {
            identity_type: ty,
            principal_id: s("principalId"),
            tenant_id: s("tenantId"),
            user_assigned,
        })
    }

    pub fn has_system(&self) -> bool {
        self.identity_type.has_system()
    }

    pub fn has_user_identity(&self, id: &str) -> bool {
        self.user_assigned.iter().any(|u| ids_equal(&u.id, id))
    }

    /// The ARM JSON shape (`{"type", "principalId"?, "tenantId"?, "userAssignedIdentities"?}`); `None` when there
    /// is no identity, as Azure omits the key.
    pub fn to_json(&self) -> Value {
        if self.identity_type == IdentityType::None && self.user_assigned.is_empty() {
            return Value::Null;
        }
        let mut m = Map::new();
        m.insert("type".into(), self.identity_type.as_str().into());
        if let Some(p) = &self.principal_id {
            m.insert("principalId".into(), p.clone().into());
        }
        if let Some(t) = &self.tenant_id {
            m.insert("tenantId".into(), t.clone().into());
        }
        if !self.user_assigned.is_empty() {
            let mut ua = Map::new();
            for u in &self.user_assigned {
                let mut v = Map::new();
                if let Some(p) = &u.principal_id {
                    v.insert("principalId".into(), p.clone().into());
                }
                if let Some(c) = &u.client_id {
                    v.insert("clientId".into(), c.clone().into());
                }
                ua.insert(u.id.clone(), Value::Object(v));
            }
            m.insert("userAssignedIdentities".into(), Value::Object(ua));
        }
        Value::Object(m)
    }
}

/// A change a caller asks for. User-assigned identities are full ARM IDs (resolve names first with
/// [`crate::ids::resolve_user_identity`]); they are compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityChange {
    /// Add: enable the system-assigned identity and/or attach user-assigned ones (`az vm identity assign`,
    /// the portal's Status On / Add).
    Assign { system: bool, user: Vec<String> },
    /// Remove: the system-assigned identity and/or the given user-assigned ones, or all of them
    /// (`az vm identity remove`, the portal's Status Off / Remove). Removing a user-assigned identity that is not
    /// attached is an error; removing a system identity that is not there is nothing to do.
    Remove {
        system: bool,
        user: Vec<String>,
        all_user: bool,
    },
    /// Desired state (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType`): exactly this type.
    /// `user: None` keeps the current user-assigned identities when the type has them; `Some(ids)` makes them
    /// exactly `ids`.
    Set {
        identity_type: IdentityType,
        user: Option<Vec<String>>,
    },
    /// Desired state from a file (`msi apply -f`): the system-assigned identity on, off, or (`None`) left as it
    /// is, and the user-assigned identities as [`UserWant`] says. Nothing asked is nothing to do, not an error.
    Desired {
        system: Option<bool>,
        user: UserWant,
    },
}

/// The user-assigned identities a desired state asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserWant {
    /// Left as they are.
    Keep,
    /// Exactly these (the missing ones added, the others removed).
    Exactly(Vec<String>),
    /// At least these (the missing ones added, none removed).
    AtLeast(Vec<String>),
}

/// What to send for a change.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// The resource already is as asked: send no write.
    NoChange,
    /// PATCH this body (`{"identity": {...}}`).
    Patch(Value),
}

fn dedup_ci(ids: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.iter().any(|o| ids_equal(o, id)) {
            out.push(id.clone());
        }
    }
    out
}

/// The change plan: current identity + requested change -> the PATCH body, or nothing to do.
///
/// Shapes follow what Azure accepts (see the conformance recordings): adding sends only the new keys (`{}`),
/// the service merges them with the existing ones; removing some sends `{"<id>": null}`; removing the last one
/// switches `type` (to `SystemAssigned` or `None`) without a map.
pub fn plan(current: &Identity, change: &IdentityChange) -> Result<Plan> {
    let cur_sys = current.has_system();
    let cur_user = current.user_assigned.len();
    let (want_sys, add, remove) = intent(current, change)?;
    let remaining_user = cur_user - remove.len() + add.len();
    if want_sys == cur_sys && add.is_empty() && remove.is_empty() {
        // Also covers a resource reported with a type that disagrees with its map: nothing we were asked to do.
        return Ok(Plan::NoChange);
    }
    let new_type = IdentityType::from_parts(want_sys, remaining_user > 0);
    let mut identity = Map::new();
    identity.insert("type".into(), new_type.as_str().into());
    if remaining_user > 0 && (!add.is_empty() || !remove.is_empty()) {
        let mut ua = Map::new();
        for id in &add {
            ua.insert(id.clone(), json!({}));
        }
        for id in &remove {
            ua.insert(id.clone(), Value::Null);
        }
        identity.insert("userAssignedIdentities".into(), Value::Object(ua));
    }
    Ok(Plan::Patch(json!({ "identity": identity })))
}

/// What a change means for `current`: whether the system-assigned identity is wanted, and the user-assigned
/// identities to add and to remove (IDs as the change or the resource spell them). The plan's first half; a
/// field-level diff (`msi plan`) is read from it too.
pub(crate) fn intent(
    current: &Identity,
    change: &IdentityChange,
) -> Result<(bool, Vec<String>, Vec<String>)> {
    let cur_sys = current.has_system();
    let cur_user: Vec<String> = current.user_assigned.iter().map(|u| u.id.clone()).collect();
    let (want_sys, add, remove): (bool, Vec<String>, Vec<String>) = match change {
        IdentityChange::Assign { system, user } => {
            if !system && user.is_empty() {
                return Err(Error::invalid_argument(
                    "nothing to assign: ask for the system-assigned identity or name at least one user-assigned identity",
                ));
            }
            let add = dedup_ci(user)
                .into_iter()
                .filter(|id| !current.has_user_identity(id))
                .collect();
            (cur_sys || *system, add, Vec::new())
        }
        IdentityChange::Remove {
            system,
            user,
            all_user,
        } => {
            if !system && user.is_empty() && !all_user {
                return Err(Error::invalid_argument(
                    "nothing to remove: ask for the system-assigned identity, name user-assigned identities, or all of them",
                ));
            }
            let remove: Vec<String> = if *all_user {
                cur_user.clone()
            } else {
                let wanted = dedup_ci(user);
                let missing: Vec<&String> = wanted
                    .iter()
                    .filter(|id| !current.has_user_identity(id))
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::invalid_argument(format!(
                        "user-assigned identit{} not assigned to this resource: {}",
                        if missing.len() == 1 {
                            "y is"
                        } else {
                            "ies are"
                        },
                        missing
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
                wanted
            };
            (cur_sys && !system, Vec::new(), remove)
        }
        IdentityChange::Set {
            identity_type,
            user,
        } => {
            let want_user: Vec<String> = match (identity_type.has_user(), user) {
                (false, Some(ids)) if !ids.is_empty() => {
                    return Err(Error::invalid_argument(format!(
                        "identity type '{identity_type}' has no user-assigned identities, but {} were given",
                        ids.len()
                    )));
                }
                (false, _) => Vec::new(),
                (true, None) => cur_user.clone(),
                (true, Some(ids)) => dedup_ci(ids),
            };
            if identity_type.has_user() && want_user.is_empty() {
                return Err(Error::invalid_argument(format!(
                    "identity type '{identity_type}' needs at least one user-assigned identity; none {}",
                    if user.is_some() {
                        "was given"
                    } else {
                        "is assigned"
                    }
                )));
            }
            let add = want_user
                .iter()
                .filter(|id| !current.has_user_identity(id))
                .cloned()
                .collect();
            let remove = cur_user
                .iter()
                .filter(|id| !want_user.iter().any(|w| ids_equal(w, id)))
                .cloned()
                .collect();
            (identity_type.has_system(), add, remove)
        }
        IdentityChange::Desired { system, user } => {
            let (add, remove) = match user {
                UserWant::Keep => (Vec::new(), Vec::new()),
                UserWant::Exactly(ids) | UserWant::AtLeast(ids) => {
                    let want = dedup_ci(ids);
                    let remove = match user {
                        UserWant::Exactly(_) => cur_user
                            .iter()
                            .filter(|id| !want.iter().any(|w| ids_equal(w, id)))
                            .cloned()
                            .collect(),
                        _ => Vec::new(),
                    };
                    let add = want
                        .into_iter()
                        .filter(|id| !current.has_user_identity(id))
                        .collect();
                    (add, remove)
                }
            };
            (system.unwrap_or(cur_sys), add, remove)
        }
    };
    Ok((want_sys, add, remove))
}

/// The plan for a retry after another write got in first (412): that write may have been this change itself,
/// sent by an attempt whose answer was lost. A state the change asked for is then success, not an error: the
/// user-assigned identities a removal names that are gone already count as removed.
pub fn replan(current: &Identity, change: &IdentityChange) -> Result<Plan> {
    if let IdentityChange::Remove {
        system,
        user,
        all_user,
    } = change
    {
        let user: Vec<String> = user
            .iter()
            .filter(|id| current.has_user_identity(id))
            .cloned()
            .collect();
        if !system && !all_user && user.is_empty() {
            return Ok(Plan::NoChange);
        }
        return plan(
            current,
            &IdentityChange::Remove {
                system: *system,
                user,
                all_user: *all_user,
            },
        );
    }
    plan(current, change)
}

/// The identity to create a resource with: the system-assigned one and/or user-assigned IDs, and optionally an
/// explicit type (`New-AzVMConfig -IdentityType`), which must agree with them as a desired state would (a type
/// with user-assigned identities needs at least one; a type without them takes none). Returns (system, user).
pub fn creation_identity(
    identity_type: Option<IdentityType>,
    system: bool,
    user: Vec<String>,
) -> Result<(bool, Vec<String>)> {
    let Some(ty) = identity_type else {
        return Ok((system, user));
    };
    let change = IdentityChange::Set {
        identity_type: ty,
        user: Some(user),
    };
    plan(&Identity::none(), &change)?;
    let IdentityChange::Set {
        user: Some(user), ..
    } = change
    else {
        unreachable!("built above")
    };
    Ok((system || ty.has_system(), dedup_ci(&user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a";
    const B: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b";
    const C: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c";

    fn ident(system: bool, user: &[&str]) -> Identity {
        Identity {
            identity_type: IdentityType::from_parts(system, !user.is_empty()),
            principal_id: system.then(|| "p".to_string()),
            tenant_id: system.then(|| "t".to_string()),
            user_assigned: user
                .iter()
                .map(|id| UserAssignedIdentity {
                    id: id.to_string(),
                    principal_id: None,
                    client_id: None,
                })
                .collect(),
        }
    }

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn patch(ty: &str, ua: Option<Value>) -> Plan {
        let mut id = json!({ "type": ty });
        if let Some(ua) = ua {
            id["userAssignedIdentities"] = ua;
        }
        Plan::Patch(json!({ "identity": id }))
    }

    /// Every current shape: none, system only, user (one, many), both (one, many).
    fn currents() -> Vec<(&'static str, Identity)> {
        vec![
            ("none", ident(false, &[])),
            ("system", ident(true, &[])),
            ("user1", ident(false, &[A])),
            ("user2", ident(false, &[A, B])),
            ("both1", ident(true, &[A])),
            ("both2", ident(true, &[A, B])),
        ]
    }

    /// The table: (current, change) -> expected plan (or error substring), for every current shape and operation.
    #[test]
    fn change_plan_table() {
        use IdentityChange::*;
        let sa = "SystemAssigned";
        let ua = "UserAssigned";
        let both = "SystemAssigned, UserAssigned";
        let assign_sys = Assign {
            system: true,
            user: vec![],
        };
        let assign_c = Assign {
            system: false,
            user: v(&[C]),
        };
        let assign_a_upper = Assign {
            system: false,
            user: v(&[&A.to_uppercase()]),
        };
        let assign_sys_c = Assign {
            system: true,
            user: v(&[C, C]),
        };
        let remove_sys = Remove {
            system: true,
            user: vec![],
            all_user: false,
        };
        let remove_a = Remove {
            system: false,
            user: v(&[&A.to_lowercase()]),
            all_user: false,
        };
        let remove_all = Remove {
            system: false,
            user: vec![],
            all_user: true,
        };
        let remove_everything = Remove {
            system: true,
            user: vec![],
            all_user: true,
        };
        let set_none = Set {
            identity_type: IdentityType::None,
            user: None,
        };
        let set_sys = Set {
            identity_type: IdentityType::SystemAssigned,
            user: None,
        };
        let set_user_keep = Set {
            identity_type: IdentityType::UserAssigned,
            user: None,
        };
        let set_both_ac = Set {
            identity_type: IdentityType::SystemAssignedUserAssigned,
            user: Some(v(&[A, C])),
        };

        type Expect = std::result::Result<Plan, &'static str>;
        let no = || -> Expect { Ok(Plan::NoChange) };
        let p = |ty: &str, ua: Option<Value>| -> Expect { Ok(patch(ty, ua)) };
        let e = |m: &'static str| -> Expect { Err(m) };

        #[rustfmt::skip]
        let table: Vec<(&str, &IdentityChange, Expect)> = vec![
            // enable the system-assigned identity
            ("none", &assign_sys, p(sa, None)),
            ("system", &assign_sys, no()),
            ("user1", &assign_sys, p(both, None)),
            ("user2", &assign_sys, p(both, None)),
            ("both1", &assign_sys, no()),
            ("both2", &assign_sys, no()),
            // attach a user-assigned identity: only the new key is sent
            ("none", &assign_c, p(ua, Some(json!({ C: {} })))),
            ("system", &assign_c, p(both, Some(json!({ C: {} })))),
            ("user1", &assign_c, p(ua, Some(json!({ C: {} })))),
            ("user2", &assign_c, p(ua, Some(json!({ C: {} })))),
            ("both1", &assign_c, p(both, Some(json!({ C: {} })))),
            ("both2", &assign_c, p(both, Some(json!({ C: {} })))),
            // attach one that is already there, named in other casing: nothing to do
            ("none", &assign_a_upper, p(ua, Some(json!({ A.to_uppercase(): {} })))),
            ("user1", &assign_a_upper, no()),
            ("both2", &assign_a_upper, no()),
            // both at once, with a duplicate in the request
            ("none", &assign_sys_c, p(both, Some(json!({ C: {} })))),
            ("user2", &assign_sys_c, p(both, Some(json!({ C: {} })))),
            ("both1", &assign_sys_c, p(both, Some(json!({ C: {} })))),
            // disable the system-assigned identity
            ("none", &remove_sys, no()),
            ("system", &remove_sys, p("None", None)),
            ("user1", &remove_sys, no()),
            ("user2", &remove_sys, no()),
            ("both1", &remove_sys, p(ua, None)),
            ("both2", &remove_sys, p(ua, None)),
            // detach one user-assigned identity (named lower-case): {id: null}, or switch type when it is the last
            ("none", &remove_a, e("not assigned")),
            ("system", &remove_a, e("not assigned")),
            ("user1", &remove_a, p("None", None)),
            ("user2", &remove_a, p(ua, Some(json!({ A.to_lowercase(): null })))),
            ("both1", &remove_a, p(sa, None)),
            ("both2", &remove_a, p(both, Some(json!({ A.to_lowercase(): null })))),
            // detach all user-assigned identities
            ("none", &remove_all, no()),
            ("system", &remove_all, no()),
            ("user1", &remove_all, p("None", None)),
            ("user2", &remove_all, p("None", None)),
            ("both1", &remove_all, p(sa, None)),
            ("both2", &remove_all, p(sa, None)),
            // remove everything
            ("none", &remove_everything, no()),
            ("system", &remove_everything, p("None", None)),
            ("user2", &remove_everything, p("None", None)),
            ("both2", &remove_everything, p("None", None)),
            // desired state: None
            ("none", &set_none, no()),
            ("system", &set_none, p("None", None)),
            ("user1", &set_none, p("None", None)),
            ("user2", &set_none, p("None", None)),
            ("both1", &set_none, p("None", None)),
            ("both2", &set_none, p("None", None)),
            // desired state: SystemAssigned (identity.userAssignedIdentities=null implied)
            ("none", &set_sys, p(sa, None)),
            ("system", &set_sys, no()),
            ("user1", &set_sys, p(sa, None)),
            ("user2", &set_sys, p(sa, None)),
            ("both1", &set_sys, p(sa, None)),
            ("both2", &set_sys, p(sa, None)),
            // desired state: UserAssigned keeping the current ones
            ("none", &set_user_keep, e("needs at least one")),
            ("system", &set_user_keep, e("needs at least one")),
            ("user1", &set_user_keep, no()),
            ("user2", &set_user_keep, no()),
            ("both1", &set_user_keep, p(ua, None)),
            ("both2", &set_user_keep, p(ua, None)),
            // desired state: both, exactly {A, C}
            ("none", &set_both_ac, p(both, Some(json!({ A: {}, C: {} })))),
            ("system", &set_both_ac, p(both, Some(json!({ A: {}, C: {} })))),
            ("user1", &set_both_ac, p(both, Some(json!({ C: {} })))),
            ("user2", &set_both_ac, p(both, Some(json!({ C: {}, B: null })))),
            ("both1", &set_both_ac, p(both, Some(json!({ C: {} })))),
            ("both2", &set_both_ac, p(both, Some(json!({ C: {}, B: null })))),
        ];

        let currents = currents();
        let mut covered = std::collections::HashSet::new();
        for (cur_name, change, expected) in &table {
            let cur = &currents.iter().find(|(n, _)| n == cur_name).unwrap().1;
            covered.insert(*cur_name);
            let got = plan(cur, change);
            match (expected, got) {
                (Ok(want), Ok(got)) => assert_eq!(&got, want, "{cur_name} + {change:?}"),
                (Err(msg), Err(err)) => {
                    assert_eq!(err.kind(), crate::ErrorKind::InvalidArgument);
                    assert!(
                        err.message().contains(msg),
                        "{cur_name} + {change:?}: {}",
                        err.message()
                    );
                }
                (want, got) => panic!("{cur_name} + {change:?}: wanted {want:?}, got {got:?}"),
            }
        }
        assert_eq!(
            covered.len(),
            currents.len(),
            "every current shape is in the table"
        );
    }

    #[test]
    fn a_retry_that_finds_its_removal_done_succeeds() {
        let remove_a = IdentityChange::Remove {
            system: false,
            user: v(&[A]),
            all_user: false,
        };
        assert!(plan(&ident(true, &[]), &remove_a).is_err());
        assert_eq!(
            replan(&ident(true, &[]), &remove_a).unwrap(),
            Plan::NoChange
        );
        let remove_ab = IdentityChange::Remove {
            system: false,
            user: v(&[A, B]),
            all_user: false,
        };
        assert_eq!(
            replan(&ident(false, &[B]), &remove_ab).unwrap(),
            patch("None", None)
        );
        let remove_sys_a = IdentityChange::Remove {
            system: true,
            user: v(&[A]),
            all_user: false,
        };
        assert_eq!(
            replan(&ident(true, &[]), &remove_sys_a).unwrap(),
            patch("None", None)
        );
    }

    #[test]
    fn empty_requests_and_contradictions_are_errors() {
        let cur = ident(true, &[A]);
        for (change, msg) in [
            (
                IdentityChange::Assign {
                    system: false,
                    user: vec![],
                },
                "nothing to assign",
            ),
            (
                IdentityChange::Remove {
                    system: false,
                    user: vec![],
                    all_user: false,
                },
                "nothing to remove",
            ),
            (
                IdentityChange::Set {
                    identity_type: IdentityType::SystemAssigned,
                    user: Some(v(&[A])),
                },
                "has no user-assigned",
            ),
            (
                IdentityChange::Set {
                    identity_type: IdentityType::UserAssigned,
                    user: Some(vec![]),
                },
                "needs at least one",
            ),
        ] {
            let e = plan(&cur, &change).unwrap_err();
            assert!(e.message().contains(msg), "{change:?}: {}", e.message());
        }
    }

    #[test]
    fn creation_identity_checks_an_explicit_type() {
        assert_eq!(
            creation_identity(None, true, vec![]).unwrap(),
            (true, vec![])
        );
        assert_eq!(
            creation_identity(
                Some(IdentityType::SystemAssignedUserAssigned),
                false,
                v(&[A, A])
            )
            .unwrap(),
            (true, v(&[A]))
        );
        assert!(creation_identity(Some(IdentityType::UserAssigned), false, vec![]).is_err());
        assert!(creation_identity(Some(IdentityType::SystemAssigned), false, v(&[A])).is_err());
    }

    #[test]
    fn type_strings_parse_like_azure() {
        for (s, t) in [
            (
                "SystemAssigned, UserAssigned",
                IdentityType::SystemAssignedUserAssigned,
            ),
            (
                "systemassigned,userassigned",
                IdentityType::SystemAssignedUserAssigned,
            ),
            (
                " SystemAssigned ,  UserAssigned",
                IdentityType::SystemAssignedUserAssigned,
            ),
            ("none", IdentityType::None),
            ("userAssigned", IdentityType::UserAssigned),
        ] {
            assert_eq!(IdentityType::parse(s).unwrap(), t);
        }
        assert!(
            IdentityType::parse("System")
                .unwrap_err()
                .message()
                .contains("'System'")
        );
    }

    #[test]
    fn identity_reads_both_shapes_and_renders_back() {
        let r = json!({"identity": {"type": "SystemAssigned, UserAssigned", "principalId": "p", "tenantId": "t",
            "userAssignedIdentities": {A: {"principalId": "pa", "clientId": "ca"}}}});
        let i = Identity::from_resource(&r).unwrap();
        assert_eq!(i.identity_type, IdentityType::SystemAssignedUserAssigned);
        assert_eq!(i.user_assigned[0].client_id.as_deref(), Some("ca"));
        assert_eq!(i.to_json(), r["identity"]);
        let old = json!({"identity": {"type": "UserAssigned", "identityIds": [A, B]}});
        assert_eq!(
            Identity::from_resource(&old).unwrap().user_assigned.len(),
            2
        );
        assert_eq!(
            Identity::from_resource(&json!({})).unwrap(),
            Identity::none()
        );
        assert_eq!(Identity::none().to_json(), Value::Null);
    }
}
