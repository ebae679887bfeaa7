//! Microsoft.ManagedIdentity/userAssignedIdentities: synchronous CRUD, lists, associated resources.
//! Ids and `Location` use the lower-case `resourcegroups` segment, like the real service.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::api_version;
use crate::catalog::errors::ArmError;
use crate::catalog::regions;
use crate::state::groups::{self, rg_key};
use crate::state::identities::{
    TYPE, UAI_KIND, UaiDoc, forget_principal, key, parse_doc, resource_id,
};
use crate::state::machines;
use crate::store::Principal;
use crate::util;

fn render(ctx: &Ctx<'_>, doc: &UaiDoc) -> Value {
    let sub = &ctx.shared.seed.subscription_id;
    let id = resource_id(sub, &doc.rg, &doc.name);
    let api = &ctx.api_version;
    let mut props = Map::new();
    props.insert("tenantId".into(), json!(ctx.shared.seed.tenant_id));
    props.insert("principalId".into(), json!(doc.principal_id));
    props.insert("clientId".into(), json!(doc.client_id));
    // Only the preview `IdentityProperties` (2015-08-31-preview) carry `clientSecretUrl`; from
    // 2018-11-30 on the user-assigned identity answers `UserAssignedIdentityProperties` without it
    // (recordings: 2015-08-31-preview has it, 2023-01-31 does not).
    if !api_version::at_least(api, "2018-11-30") {
        props.insert(
            "clientSecretUrl".into(),
            json!(format!(
                "{}{id}/credentials?tid={}&oid={}&aid={}",
                ctx.shared.endpoint, ctx.shared.seed.tenant_id, doc.principal_id, doc.client_id
            )),
        );
    }
    if api_version::at_least(api, "2024-11-30") {
        props.insert(
            "isolationScope".into(),
            json!(doc.isolation_scope.as_deref().unwrap_or("None")),
        );
    }
    json!({
        "id": id,
        "name": doc.name,
        "type": TYPE,
        "location": doc.location,
        "tags": doc.tags,
        "properties": props,
    })
}

/// Names: 3-128 characters, `[A-Za-z0-9][A-Za-z0-9_-]*`.
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=128).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

fn tags_of(body: &Map<String, Value>) -> Result<Option<Map<String, Value>>, ArmError> {
    match util::get_ci(body, "tags") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Map::new())),
        Some(Value::Object(m)) => Ok(Some(m.clone())),
        Some(_) => Err(ArmError::invalid_content(
            "Unexpected JSON token when reading tags. Path 'tags'.",
        )),
    }
}

fn isolation_scope_of(body: &Map<String, Value>) -> Result<Option<String>, ArmError> {
    let Some(props) = util::get_ci(body, "properties").and_then(Value::as_object) else {
        return Ok(None);
    };
    match util::get_ci(props, "isolationScope") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("none") => Ok(Some("None".into())),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("regional") => Ok(Some("Regional".into())),
        Some(other) => Err(ArmError::invalid_parameter(
            format!(
                "The value '{other}' is not valid for 'isolationScope'. Allowed values are 'None' and 'Regional'."
            ),
            "properties.isolationScope",
        )),
    }
}

fn not_found(name: &str, rg: &str) -> ArmError {
    ArmError::resource_not_found(&format!("{TYPE}/{name}"), rg)
}

/// `.../resourceGroups/{rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}[/..]`.
pub fn handle(
    ctx: &Ctx<'_>,
    rg: &str,
    name: &str,
    rest: &[String],
) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    let k = key(sub, rg, name);
    let rest_l: Vec<String> = rest.iter().map(|s| s.to_ascii_lowercase()).collect();
    let rest_l: Vec<&str> = rest_l.iter().map(String::as_str).collect();
    match (rest_l.as_slice(), &ctx.method) {
        ([], &Method::GET) => ctx.shared.store.tx(|tx| {
            groups::require_rg(tx, sub, rg)?;
            let row = tx.get(&k)?.ok_or_else(|| not_found(name, rg))?;
            Ok(ArmResponse::ok(render(ctx, &parse_doc(&row)?)))
        }),
        ([], &Method::PUT) => put(ctx, rg, name, &k),
        ([], &Method::PATCH) => {
            let body = ctx.body_object()?;
            let tags = tags_of(&body)?;
            let scope = isolation_scope_of(&body)?;
            ctx.shared.store.tx(|tx| {
                groups::require_rg(tx, sub, rg)?;
                let row = tx.get(&k)?.ok_or_else(|| not_found(name, rg))?;
                let mut doc = parse_doc(&row)?;
                if let Some(t) = tags {
                    doc.tags = t;
                }
                if scope.is_some() {
                    doc.isolation_scope = scope;
                }
                tx.put(&k, UAI_KIND, None, Some(&rg_key(sub, rg)), &json!(doc))?;
                Ok(ArmResponse::ok(render(ctx, &doc)))
            })
        }
        ([], &Method::DELETE) => ctx.shared.store.tx(|tx| {
            groups::require_rg(tx, sub, rg)?;
            match tx.get(&k)? {
                Some(row) => {
                    forget_principal(tx, &row)?;
                    tx.delete(&k)?;
                    Ok(ArmResponse::empty(StatusCode::OK))
                }
                None => Ok(ArmResponse::empty(StatusCode::NO_CONTENT)),
            }
        }),
        ([], m) => Err(ArmError::method_not_allowed(m.as_str())),
        (["listassociatedresources"], &Method::POST) => ctx.shared.store.tx(|tx| {
            groups::require_rg(tx, sub, rg)?;
            let row = tx.get(&k)?.ok_or_else(|| not_found(name, rg))?;
            let doc = parse_doc(&row)?;
            let id = resource_id(sub, &doc.rg, &doc.name);
            let value = machines::associated_with(tx, sub, &id)?;
            Ok(ArmResponse::ok(
                json!({"totalCount": value.len(), "value": value}),
            ))
        }),
        (["listassociatedresources"], m) => Err(ArmError::method_not_allowed(m.as_str())),
        _ => Err(ArmError::invalid_resource_type(
            &format!("userAssignedIdentities/{}", rest.join("/")),
            "Microsoft.ManagedIdentity",
            &ctx.api_version,
        )),
    }
}

fn put(ctx: &Ctx<'_>, rg: &str, name: &str, k: &str) -> Result<ArmResponse, ArmError> {
    let sub = ctx.shared.seed.subscription_id.as_str();
    if !valid_name(name) {
        return Err(ArmError::bad_request(
            "InvalidResourceName",
            format!(
                "Resource name '{name}' is invalid. The name can be between 3 and 128 characters long, must start with a letter or number, and can contain only letters, numbers, hyphens and underscores."
            ),
        ));
    }
    let body = ctx.body_object()?;
    let location = match util::get_ci(&body, "location") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.trim().is_empty() => {
            Some(regions::for_resource_type(s, TYPE)?)
        }
        Some(Value::String(_)) => None,
        Some(_) => {
            return Err(ArmError::invalid_content(
                "Unexpected JSON token when reading location. Path 'location'.",
            ));
        }
    };
    let tags = tags_of(&body)?;
    let scope = isolation_scope_of(&body)?;
    ctx.shared.store.tx(|tx| {
        let group = groups::require_rg(tx, sub, rg)?;
        let existing = tx.get(k)?.map(|r| parse_doc(&r)).transpose()?;
        let location = match (&existing, location) {
            (_, None) => return Err(ArmError::location_required()),
            (Some(e), Some(l)) if e.location != l => {
                return Err(ArmError::invalid_location(&e.name, &e.location, &e.rg, &l));
            }
            (_, Some(l)) => l,
        };
        let created = existing.is_none();
        let doc = match existing {
            Some(e) => UaiDoc {
                tags: tags.unwrap_or_default(),
                isolation_scope: scope.or(e.isolation_scope.clone()),
                location,
                ..e
            },
            None => {
                let doc = UaiDoc {
                    name: name.to_string(),
                    rg: group.name.clone(),
                    location,
                    tags: tags.unwrap_or_default(),
                    principal_id: util::new_guid(),
                    client_id: util::new_guid(),
                    isolation_scope: scope,
                };
                tx.principal_put(&Principal {
                    object_id: doc.principal_id.clone(),
                    client_id: doc.client_id.clone(),
                    kind: "UserAssigned".into(),
                    resource: Some(resource_id(sub, &doc.rg, &doc.name)),
                    display_name: doc.name.clone(),
                })?;
                doc
            }
        };
        tx.put(k, UAI_KIND, None, Some(&rg_key(sub, rg)), &json!(doc))?;
        let body = render(ctx, &doc);
        Ok(if created {
            ArmResponse::new(StatusCode::CREATED, body)
                .header("Location", resource_id(sub, &doc.rg, &doc.name))
        } else {
            ArmResponse::ok(body)
        })
    })
}

/// Lists by resource group or subscription (paged); with `only_readable`, only the identities the
/// caller may perform that action on.
pub fn list(
    ctx: &Ctx<'_>,
    rg: Option<&str>,
    only_readable: Option<&str>,
) -> Result<ArmResponse, ArmError> {
    ctx.list_kind(UAI_KIND, rg, only_readable, |_, row| {
        Ok(render(ctx, &parse_doc(row)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(valid_name("id1"));
        assert!(valid_name("my_identity-2"));
        assert!(!valid_name("ab"));
        assert!(!valid_name("-abc"));
        assert!(!valid_name("a.bc"));
        assert!(!valid_name(&"a".repeat(129)));
    }
}
