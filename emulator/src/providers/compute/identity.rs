//! The `identity` of virtual machines and scale sets on the wire: parsing a request, applying it to
//! the stored state (`state::identity`), rendering it for an api-version. It is rendered as the
//! `identityIds` list before 2018-06-01 and as the `userAssignedIdentities` map from then on.

use serde_json::{Map, Value, json};

use crate::catalog::api_version;
use crate::catalog::errors::ArmError;
use crate::state::identity::{IdentityType, StoredIdentity, SystemIdentity, UserIdentity};
use crate::util;

/// How user-assigned identities appear on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `identityIds: [..]` (api-versions before 2018-06-01).
    List,
    /// `userAssignedIdentities: {id: {principalId, clientId}}`.
    Map,
}

impl Shape {
    pub fn for_api(api: &str) -> Shape {
        if api_version::at_least(api, "2018-06-01") {
            Shape::Map
        } else {
            Shape::List
        }
    }
}

/// PUT replaces, PATCH merges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Put,
    Patch,
}

/// What happens to the user-assigned identities.
#[derive(Clone, Debug, PartialEq)]
pub enum UserChange {
    Keep,
    Clear,
    /// Map entries in request order: `true` adds, `false` removes.
    Merge(Vec<(String, bool)>),
    Replace(Vec<String>),
}

/// A parsed `identity` of a write.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentityRequest {
    pub kind: IdentityType,
    pub user: UserChange,
}

fn content_error(detail: &str) -> ArmError {
    ArmError::invalid_content(detail)
}

/// Parses the `identity` of a request. `Ok(None)`: leave the identity as it is.
pub fn parse_request(
    value: Option<&Value>,
    mode: Mode,
    shape: Shape,
) -> Result<Option<IdentityRequest>, ArmError> {
    let obj = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(content_error(
                "Unexpected JSON token when reading the identity. Path 'identity'.",
            ));
        }
    };
    let kind = match util::get_ci(obj, "type") {
        None | Some(Value::Null) => {
            return Err(content_error(
                "Required property 'type' not found in JSON. Path 'identity'.",
            ));
        }
        Some(Value::String(s)) => IdentityType::parse(s).ok_or_else(|| {
            ArmError::invalid_parameter(
                format!(
                    "The value '{s}' of parameter 'identity.type' is not valid. The allowed values are 'SystemAssigned', 'UserAssigned', 'SystemAssigned, UserAssigned', 'None'."
                ),
                "identity.type",
            )
        })?,
        Some(_) => {
            return Err(content_error(
                "Error converting value to type 'ResourceIdentityType'. Path 'identity.type'.",
            ));
        }
    };
    let user = match shape {
        Shape::Map => match util::get_ci(obj, "userAssignedIdentities") {
            None => UserChange::Keep,
            // In a PATCH, `null` for the map means "not given": the stored identities stay (az 2.91
            // removes only the system identity with `{"userAssignedIdentities":null,
            // "type":"UserAssigned"}`). A PUT replaces the model: `null` clears it.
            Some(Value::Null) if mode == Mode::Patch => UserChange::Keep,
            Some(Value::Null) => UserChange::Clear,
            Some(Value::Object(map)) => {
                let mut entries = Vec::new();
                for (id, v) in map {
                    match v {
                        Value::Null => entries.push((id.clone(), false)),
                        Value::Object(_) => entries.push((id.clone(), true)),
                        _ => {
                            return Err(content_error(&format!(
                                "Unexpected value for user assigned identity. Path 'identity.userAssignedIdentities['{id}']'."
                            )));
                        }
                    }
                }
                if !kind.user() && entries.iter().any(|(_, add)| *add) {
                    return Err(ArmError::invalid_parameter(
                        format!(
                            "ResourceIdentity userAssignedIdentities should not be provided if the type is \"{}\".",
                            kind.canonical()
                        ),
                        "resourceIdentity.userAssignedIdentities",
                    ));
                }
                match mode {
                    Mode::Patch => UserChange::Merge(entries),
                    Mode::Put => UserChange::Replace(
                        entries
                            .into_iter()
                            .filter(|(_, add)| *add)
                            .map(|(id, _)| id)
                            .collect(),
                    ),
                }
            }
            Some(_) => {
                return Err(content_error(
                    "Unexpected JSON token. Path 'identity.userAssignedIdentities'.",
                ));
            }
        },
        Shape::List => match util::get_ci(obj, "identityIds") {
            None => UserChange::Keep,
            Some(Value::Null) => UserChange::Clear,
            Some(Value::Array(ids)) => {
                let mut out: Vec<String> = Vec::new();
                for v in ids {
                    let Some(id) = v.as_str() else {
                        return Err(content_error(
                            "Unexpected JSON token. Path 'identity.identityIds'.",
                        ));
                    };
                    if !out.iter().any(|o| o.eq_ignore_ascii_case(id)) {
                        out.push(id.to_string());
                    }
                }
                if !kind.user() && !out.is_empty() {
                    return Err(ArmError::invalid_parameter(
                        format!(
                            "ResourceIdentity identityIds should not be provided if the type is \"{}\".",
                            kind.canonical()
                        ),
                        "resourceIdentity.identityIds",
                    ));
                }
                UserChange::Replace(out)
            }
            Some(_) => {
                return Err(content_error(
                    "Unexpected JSON token. Path 'identity.identityIds'.",
                ));
            }
        },
    };
    Ok(Some(IdentityRequest { kind, user }))
}

/// The user-assigned identities `req` would add to `current` (ids as sent, each once): linking each
/// needs `assign/action` on it. Removals need nothing more than the write.
pub fn requested_additions(current: &StoredIdentity, req: &IdentityRequest) -> Vec<String> {
    if !req.kind.user() {
        return Vec::new();
    }
    let candidates: Vec<&String> = match &req.user {
        UserChange::Keep | UserChange::Clear => Vec::new(),
        UserChange::Merge(entries) => entries
            .iter()
            .filter(|(_, adding)| *adding)
            .map(|(id, _)| id)
            .collect(),
        UserChange::Replace(ids) => ids.iter().collect(),
    };
    let mut out: Vec<String> = Vec::new();
    for id in candidates {
        if !current.has_user(id) && !out.iter().any(|o| o.eq_ignore_ascii_case(id)) {
            out.push(id.clone());
        }
    }
    out
}

/// The result of applying a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub identity: StoredIdentity,
    /// A system identity was enabled by this write.
    pub system_created: Option<SystemIdentity>,
    /// A system identity was disabled by this write.
    pub system_removed: Option<SystemIdentity>,
}

/// Resolves a user-assigned identity id to `(principalId, clientId)`, `None` when it does not exist.
pub type Resolver<'a> = dyn FnMut(&str) -> Result<Option<(String, String)>, ArmError> + 'a;

/// Applies `req` to `current`. Nothing is written; every added identity is resolved first, so a
/// failing request changes nothing.
pub fn apply(
    current: &StoredIdentity,
    req: &IdentityRequest,
    shape: Shape,
    resource_id: &str,
    op_id: &str,
    resolve: &mut Resolver<'_>,
) -> Result<Applied, ArmError> {
    let mut add = |id: &str| -> Result<UserIdentity, ArmError> {
        match resolve(id)? {
            Some((principal_id, client_id)) => Ok(UserIdentity {
                id: id.to_string(),
                principal_id,
                client_id,
                added_by: Some(op_id.to_string()),
            }),
            None => Err(ArmError::failed_identity_operation(resource_id, id)),
        }
    };
    let mut user = current.user.clone();
    match &req.user {
        UserChange::Keep => {}
        UserChange::Clear => user.clear(),
        UserChange::Merge(entries) => {
            for (id, adding) in entries {
                let pos = user.iter().position(|u| u.id.eq_ignore_ascii_case(id));
                match (adding, pos) {
                    (true, None) => user.push(add(id)?),
                    (false, Some(i)) => {
                        user.remove(i);
                    }
                    _ => {}
                }
            }
        }
        UserChange::Replace(ids) => {
            let mut next = Vec::new();
            for id in ids {
                match user.iter().find(|u| u.id.eq_ignore_ascii_case(id)) {
                    Some(existing) => {
                        let mut kept = existing.clone();
                        // The list shape echoes ids as sent; map keys keep their first casing.
                        if shape == Shape::List {
                            kept.id = id.clone();
                        }
                        next.push(kept);
                    }
                    None => next.push(add(id)?),
                }
            }
            user = next;
        }
    }
    if !req.kind.user() {
        user.clear();
    } else if user.is_empty() {
        let (name, target) = match shape {
            Shape::Map => ("userAssignedIdentities", "identity.userAssignedIdentities"),
            Shape::List => ("identityIds", "identity.identityIds"),
        };
        return Err(ArmError::invalid_parameter(
            format!(
                "The identity type '{}' requires at least one user assigned identity in '{name}'.",
                req.kind.canonical()
            ),
            target,
        ));
    }
    let (system, created, removed) = match (&current.system, req.kind.system()) {
        (Some(s), true) => (Some(s.clone()), None, None),
        (None, true) => {
            let s = SystemIdentity {
                principal_id: util::new_guid(),
                client_id: util::new_guid(),
            };
            (Some(s.clone()), Some(s), None)
        }
        (Some(s), false) => (None, None, Some(s.clone())),
        (None, false) => (None, None, None),
    };
    Ok(Applied {
        identity: StoredIdentity {
            system,
            user,
            legacy_ids: Vec::new(),
        },
        system_created: created,
        system_removed: removed,
    })
}

/// The `identity` object of a response; `None` when the resource has no identity.
/// `pending_op`: the operation still running (its new user-assigned identities show `{}`).
pub fn render(
    stored: &StoredIdentity,
    shape: Shape,
    tenant: &str,
    pending_op: Option<&str>,
) -> Option<Value> {
    let kind = stored.kind();
    if kind == IdentityType::None {
        return None;
    }
    let mut o = Map::new();
    o.insert("type".into(), json!(kind.canonical()));
    if let Some(s) = &stored.system {
        o.insert("principalId".into(), json!(s.principal_id));
        o.insert("tenantId".into(), json!(tenant));
    }
    if !stored.user.is_empty() {
        match shape {
            Shape::Map => {
                let mut m = Map::new();
                for u in &stored.user {
                    let pending = pending_op.is_some() && u.added_by.as_deref() == pending_op;
                    let v = if pending {
                        json!({})
                    } else {
                        json!({"principalId": u.principal_id, "clientId": u.client_id})
                    };
                    m.insert(u.id.clone(), v);
                }
                o.insert("userAssignedIdentities".into(), Value::Object(m));
            }
            Shape::List => {
                let ids: Vec<&str> = stored.user.iter().map(|u| u.id.as_str()).collect();
                o.insert("identityIds".into(), json!(ids));
            }
        }
    } else if shape == Shape::List && !stored.legacy_ids.is_empty() {
        o.insert("identityIds".into(), json!(stored.legacy_ids));
    }
    Some(Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID1: &str = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1";
    const ID2: &str = "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2";

    fn resolver(id: &str) -> Result<Option<(String, String)>, ArmError> {
        Ok(if id.to_ascii_lowercase().ends_with("/missing") {
            None
        } else {
            Some((format!("p-{}", id.len()), "c".into()))
        })
    }

    fn run(
        current: &StoredIdentity,
        body: Value,
        mode: Mode,
        shape: Shape,
    ) -> Result<Applied, ArmError> {
        let req = parse_request(Some(&body), mode, shape)?.expect("a request");
        apply(current, &req, shape, "/vm", "op", &mut resolver)
    }

    fn with(system: bool, ids: &[&str]) -> StoredIdentity {
        StoredIdentity {
            system: system.then(|| SystemIdentity {
                principal_id: "sys".into(),
                client_id: "sysc".into(),
            }),
            user: ids
                .iter()
                .map(|i| UserIdentity {
                    id: i.to_string(),
                    principal_id: "p".into(),
                    client_id: "c".into(),
                    added_by: None,
                })
                .collect(),
            legacy_ids: Vec::new(),
        }
    }

    #[test]
    fn patch_merges_and_removes_case_insensitively() {
        let cur = with(true, &[ID1]);
        let a = run(
            &cur,
            json!({"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {ID2: {}}}),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap();
        assert_eq!(a.identity.user.len(), 2);
        assert_eq!(a.identity.user[1].added_by.as_deref(), Some("op"));
        let rendered = render(&a.identity, Shape::Map, "t", Some("op")).unwrap();
        assert_eq!(rendered["type"], "SystemAssigned, UserAssigned");
        assert_eq!(rendered["userAssignedIdentities"][ID2], json!({}));
        assert_eq!(rendered["userAssignedIdentities"][ID1]["principalId"], "p");

        let b = run(
            &a.identity,
            json!({"type": "SystemAssigned, UserAssigned",
                   "userAssignedIdentities": {ID1.to_ascii_lowercase(): null}}),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap();
        assert_eq!(b.identity.user.len(), 1);
        assert_eq!(b.identity.user[0].id, ID2);
    }

    #[test]
    fn removing_the_last_user_identity() {
        let cur = with(true, &[ID1]);
        for body in [
            json!({"type": "SystemAssigned", "userAssignedIdentities": null}),
            json!({"type": "SystemAssigned"}),
        ] {
            let a = run(&cur, body, Mode::Patch, Shape::Map).unwrap();
            assert!(a.identity.user.is_empty());
            let r = render(&a.identity, Shape::Map, "t", None).unwrap();
            assert_eq!(
                r,
                json!({"type": "SystemAssigned", "principalId": "sys", "tenantId": "t"})
            );
        }
        let none = run(&cur, json!({"type": "None"}), Mode::Patch, Shape::Map).unwrap();
        assert!(render(&none.identity, Shape::Map, "t", None).is_none());
        assert!(none.system_removed.is_some());
    }

    #[test]
    fn patch_null_map_keeps_the_user_identities() {
        // az 2.91 `vm identity remove` (system only); the scale-set form sends `{}`.
        let cur = with(true, &[ID1, ID2]);
        let body = |m: Value| json!({"userAssignedIdentities": m, "type": "UserAssigned"});
        let a = run(&cur, body(Value::Null), Mode::Patch, Shape::Map).unwrap();
        assert!(a.identity.system.is_none() && a.system_removed.is_some());
        assert_eq!(a.identity.user.len(), 2);
        let b = run(&cur, body(json!({})), Mode::Patch, Shape::Map).unwrap();
        assert_eq!(b.identity, a.identity);
        // Nothing stored to keep: `UserAssigned` still needs one; a PUT's `null` clears the map.
        let e = run(&with(true, &[]), body(Value::Null), Mode::Patch, Shape::Map).unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
        let e = run(&cur, body(Value::Null), Mode::Put, Shape::Map).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("identity.userAssignedIdentities"));
    }

    #[test]
    fn invalid_combinations_are_rejected() {
        let cur = with(false, &[ID1]);
        let e = run(
            &cur,
            json!({"type": "None", "userAssignedIdentities": {ID2: {}}}),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
        let e = run(
            &cur,
            json!({"type": "UserAssigned", "userAssignedIdentities": {ID1: null}}),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidParameter");
        let e = run(&cur, json!({"type": "Bogus"}), Mode::Patch, Shape::Map).unwrap_err();
        assert_eq!(e.target.as_deref(), Some("identity.type"));
        let e = parse_request(
            Some(&json!({"userAssignedIdentities": {}})),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap_err();
        assert_eq!(e.code, "InvalidRequestContent");
        let missing = format!("{}/missing", &ID1[..ID1.rfind('/').unwrap()]);
        let e = run(
            &cur,
            json!({"type": "UserAssigned", "userAssignedIdentities": {missing.clone(): {}}}),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap_err();
        assert_eq!(e.code, "FailedIdentityOperation");
        assert!(e.message.contains(&missing));
    }

    #[test]
    fn list_shape_replaces_and_echoes_casing() {
        let cur = with(true, &[ID1, ID2]);
        let lower = ID2.to_ascii_lowercase();
        let a = run(
            &cur,
            json!({"type": "SystemAssigned, UserAssigned", "identityIds": [lower.clone()]}),
            Mode::Patch,
            Shape::List,
        )
        .unwrap();
        let r = render(&a.identity, Shape::List, "t", None).unwrap();
        assert_eq!(r["identityIds"], json!([lower]));
        let e = run(
            &cur,
            json!({"type": "SystemAssigned", "identityIds": [ID1]}),
            Mode::Patch,
            Shape::List,
        )
        .unwrap_err();
        assert_eq!(e.target.as_deref(), Some("resourceIdentity.identityIds"));
    }

    #[test]
    fn additions_are_new_ids_only() {
        let cur = with(true, &[ID1]);
        let req = parse_request(
            Some(&json!({"type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {ID1.to_ascii_lowercase(): {}, ID2: {}}})),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap()
        .unwrap();
        assert_eq!(requested_additions(&cur, &req), vec![ID2.to_string()]);
        let removal = parse_request(
            Some(&json!({"type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {ID1: null}})),
            Mode::Patch,
            Shape::Map,
        )
        .unwrap()
        .unwrap();
        assert!(requested_additions(&cur, &removal).is_empty());
        let list = parse_request(
            Some(&json!({"type": "UserAssigned", "identityIds": [ID1, ID2]})),
            Mode::Put,
            Shape::List,
        )
        .unwrap()
        .unwrap();
        assert_eq!(requested_additions(&cur, &list), vec![ID2.to_string()]);
    }

    #[test]
    fn put_replaces_the_map() {
        let cur = with(false, &[ID1]);
        let a = run(
            &cur,
            json!({"type": "UserAssigned", "userAssignedIdentities": {ID2: {}}}),
            Mode::Put,
            Shape::Map,
        )
        .unwrap();
        assert_eq!(a.identity.user.len(), 1);
        assert_eq!(a.identity.user[0].id, ID2);
        assert!(a.system_created.is_none());
        let b = run(
            &cur,
            json!({"type": "SystemAssigned, UserAssigned"}),
            Mode::Put,
            Shape::Map,
        )
        .unwrap();
        assert!(b.system_created.is_some());
        assert_eq!(b.identity.user.len(), 1);
    }
}
