//! Microsoft.Authorization: role definitions (the built-in roles) and role assignments at any scope
//! (`{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`). Shapes follow the recorded
//! exchanges: a role assignment PUT is synchronous 201, `roleDefinitionId` is answered under the
//! scope's subscription, `principalType` from 2018-01-01-preview, `condition`/`description` members
//! from 2020-04-01-preview; role definition lists answer `{"value":[..]}` with `dataActions` from
//! 2018-01-01-preview.

use axum::http::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::arm::ctx::Ctx;
use crate::arm::response::ArmResponse;
use crate::catalog::api_version;
use crate::catalog::errors::ArmError;
use crate::catalog::roles::{self, Role};
use crate::catalog::seed::Seed;
use crate::state::assignments::{self, AssignmentDoc};
use crate::state::{groups, identities, machines};
use crate::store::Tx;
use crate::util;

const RA_TYPE: &str = "Microsoft.Authorization/roleAssignments";
const RD_TYPE: &str = "Microsoft.Authorization/roleDefinitions";

/// The scope a request names (`/` for the root), from its decoded segments.
pub fn scope_of(segs: &[String]) -> String {
    if segs.is_empty() {
        "/".to_string()
    } else {
        format!("/{}", segs.join("/"))
    }
}

/// The subscription of a scope, if it has one.
fn subscription_of(segs: &[String]) -> Option<&str> {
    match segs {
        [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") => Some(sub.as_str()),
        _ => None,
    }
}

fn definition_id(scope_segs: &[String], role: &str) -> String {
    match subscription_of(scope_segs) {
        Some(sub) => format!("/subscriptions/{sub}/providers/{RD_TYPE}/{role}"),
        None => format!("/providers/{RD_TYPE}/{role}"),
    }
}

fn render_definition(ctx: &Ctx<'_>, scope_segs: &[String], r: &Role) -> Value {
    let mut permission = Map::new();
    permission.insert("actions".into(), json!(r.actions));
    permission.insert("notActions".into(), json!(r.not_actions));
    if api_version::at_least(&ctx.api_version, "2018-01-01") {
        permission.insert("dataActions".into(), json!([]));
        permission.insert("notDataActions".into(), json!([]));
    }
    json!({
        "properties": {
            "roleName": r.name,
            "type": "BuiltInRole",
            "description": r.description,
            "assignableScopes": ["/"],
            "permissions": [permission],
            "createdOn": r.created_on,
            "updatedOn": r.updated_on,
            "createdBy": null,
            "updatedBy": null,
        },
        "id": definition_id(scope_segs, r.id),
        "type": RD_TYPE,
        "name": r.id,
    })
}

/// The value of `name eq 'value'` in a filter term, if the term has that form.
fn eq_value<'a>(term: &'a str, name: &str) -> Option<&'a str> {
    let (lhs, rhs) = term
        .split_once(" eq ")
        .or_else(|| term.split_once(" EQ "))?;
    if !lhs.trim().eq_ignore_ascii_case(name) {
        return None;
    }
    let v = rhs.trim();
    v.strip_prefix('\'')?.strip_suffix('\'')
}

/// A term of a `$filter` split on ` and `.
fn filter_terms(filter: &str) -> Vec<String> {
    let lower = filter.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut start = 0;
    while let Some(i) = lower[start..].find(" and ") {
        out.push(filter[start..start + i].trim().to_string());
        start += i + 5;
    }
    out.push(filter[start..].trim().to_string());
    out.retain(|t| !t.is_empty());
    out
}

fn unsupported_filter(filter: &str) -> ArmError {
    ArmError::bad_request(
        "UnsupportedQuery",
        format!("The filter '{filter}' is not supported."),
    )
}

/// `GET {scope}/providers/Microsoft.Authorization/roleDefinitions[/{id}]`.
pub fn definitions(
    ctx: &Ctx<'_>,
    scope_segs: &[String],
    id: Option<&str>,
) -> Result<ArmResponse, ArmError> {
    if ctx.method != Method::GET {
        return Err(ArmError::method_not_allowed(ctx.method.as_str()));
    }
    if let Some(id) = id {
        let r = roles::role(id).ok_or_else(|| role_not_found(StatusCode::NOT_FOUND, id))?;
        return Ok(ArmResponse::ok(render_definition(ctx, scope_segs, r)));
    }
    let mut keep: Vec<&Role> = roles::BUILT_IN.iter().collect();
    if let Some(filter) = ctx.query("$filter").filter(|f| !f.trim().is_empty()) {
        for term in filter_terms(filter) {
            if let Some(name) = eq_value(&term, "roleName") {
                keep.retain(|r| r.name.eq_ignore_ascii_case(name));
            } else if let Some(ty) = eq_value(&term, "type") {
                if !ty.eq_ignore_ascii_case("BuiltInRole") {
                    keep.clear();
                }
            } else {
                return Err(unsupported_filter(filter));
            }
        }
    }
    let value: Vec<Value> = keep
        .into_iter()
        .map(|r| render_definition(ctx, scope_segs, r))
        .collect();
    Ok(ArmResponse::ok(json!({ "value": value })))
}

fn role_not_found(status: StatusCode, id: &str) -> ArmError {
    ArmError::new(
        status,
        "RoleDefinitionDoesNotExist",
        format!("The specified role definition with ID '{id}' does not exist."),
    )
}

fn render_assignment(ctx: &Ctx<'_>, doc: &AssignmentDoc, created_now: bool) -> Value {
    let api = ctx.api_version.as_str();
    let scope_segs: Vec<String> = doc
        .scope
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let modern = api_version::at_least(api, "2020-04-01");
    let mut p = Map::new();
    p.insert(
        "roleDefinitionId".into(),
        json!(definition_id(&scope_segs, &doc.role)),
    );
    p.insert("principalId".into(), json!(doc.principal_id));
    // Recorded: 2018-01-01-preview already answers it (azcli_2018_test_vm_msi_with_msi_extension).
    if api_version::at_least(api, "2018-01-01") {
        p.insert("principalType".into(), json!(doc.principal_type));
    }
    p.insert("scope".into(), json!(doc.scope));
    if modern {
        p.insert("condition".into(), json!(doc.condition));
        p.insert("conditionVersion".into(), json!(doc.condition_version));
    }
    p.insert("createdOn".into(), json!(doc.created_on));
    p.insert("updatedOn".into(), json!(doc.updated_on));
    // The PUT answer shows `createdBy: null` (recorded); later reads show the creator.
    let created_by = if created_now {
        None
    } else {
        doc.created_by.clone()
    };
    p.insert("createdBy".into(), json!(created_by));
    p.insert("updatedBy".into(), json!(doc.updated_by));
    if modern {
        p.insert("delegatedManagedIdentityResourceId".into(), Value::Null);
        p.insert("description".into(), json!(doc.description));
    }
    let id = if doc.scope == "/" {
        format!("/providers/{RA_TYPE}/{}", doc.name)
    } else {
        format!("{}/providers/{RA_TYPE}/{}", doc.scope, doc.name)
    };
    json!({"properties": p, "id": id, "type": RA_TYPE, "name": doc.name})
}

/// `Principal 40d149c04e5749b1941ca70915dc9b3e does not exist in the directory {tenant}.`
fn principal_not_found(principal: &str, tenant: &str) -> ArmError {
    let compact: String = principal.chars().filter(|c| *c != '-').collect();
    ArmError::bad_request(
        "PrincipalNotFound",
        format!("Principal {compact} does not exist in the directory {tenant}."),
    )
}

/// Checks that the scope exists: the subscription, the group, and emulated resources.
fn require_scope(ctx: &Ctx<'_>, tx: &Tx<'_>, segs: &[String]) -> Result<(), ArmError> {
    let l: Vec<String> = segs.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = l.iter().map(String::as_str).collect();
    let sub = &ctx.shared.seed.subscription_id;
    match l.as_slice() {
        [] => Ok(()),
        ["subscriptions", _] => Ok(()),
        ["subscriptions", _, "resourcegroups", _] => {
            groups::require_rg(tx, sub, &segs[3]).map(|_| ())
        }
        [
            "subscriptions",
            _,
            "resourcegroups",
            _,
            "providers",
            ns,
            ty,
            _,
            rest @ ..,
        ] if rest.len() % 2 == 0 => {
            groups::require_rg(tx, sub, &segs[3])?;
            let (rg, name) = (&segs[3], &segs[7]);
            let key = match (*ns, *ty) {
                ("microsoft.compute", t) => {
                    machines::ComputeKind::from_type(t).map(|k| machines::key(sub, rg, k, name))
                }
                ("microsoft.managedidentity", "userassignedidentities") => {
                    Some(identities::key(sub, rg, name))
                }
                _ => None,
            };
            match key {
                Some(k) if tx.get(&k)?.is_none() => Err(ArmError::resource_not_found(
                    &format!("{}/{}/{name}", segs[5], segs[6]),
                    rg,
                )),
                _ => Ok(()),
            }
        }
        _ => Err(ArmError::bad_request(
            "InvalidRoleAssignmentScope",
            format!(
                "The scope '{}' is not valid for a role assignment.",
                scope_of(segs)
            ),
        )),
    }
}

/// How an assignment relates to the scope a list names.
fn listed(assignment_key: &str, scope_key: &str, at_scope_only: bool) -> bool {
    assignments::covers(assignment_key, scope_key)
        || (!at_scope_only && assignments::covers(scope_key, assignment_key))
}

/// `{scope}/providers/Microsoft.Authorization/roleAssignments[/{name}]`.
pub fn assignments(
    ctx: &Ctx<'_>,
    scope_segs: &[String],
    name: Option<&str>,
) -> Result<ArmResponse, ArmError> {
    let scope = scope_of(scope_segs);
    let scope_key = assignments::scope_key(&scope);
    let Some(name) = name else {
        if ctx.method != Method::GET {
            return Err(ArmError::method_not_allowed(ctx.method.as_str()));
        }
        return list(ctx, scope_segs, &scope_key);
    };
    match ctx.method {
        Method::GET => ctx.shared.store.tx(|tx| match tx.assignment(name)? {
            Some(row) if row.scope_key == scope_key => Ok(ArmResponse::ok(render_assignment(
                ctx,
                &assignments::parse_assignment(&row.doc)?,
                false,
            ))),
            _ => Err(assignment_not_found(name)),
        }),
        Method::DELETE => ctx.shared.store.tx(|tx| match tx.assignment(name)? {
            Some(row) if row.scope_key == scope_key => {
                let doc = assignments::parse_assignment(&row.doc)?;
                tx.assignment_delete(name)?;
                Ok(ArmResponse::ok(render_assignment(ctx, &doc, false)))
            }
            _ => Ok(ArmResponse::empty(StatusCode::NO_CONTENT)),
        }),
        Method::PUT => put(ctx, scope_segs, &scope, &scope_key, name),
        ref m => Err(ArmError::method_not_allowed(m.as_str())),
    }
}

fn assignment_not_found(name: &str) -> ArmError {
    ArmError::new(
        StatusCode::NOT_FOUND,
        "RoleAssignmentNotFound",
        format!("The role assignment '{name}' is not found."),
    )
}

fn list(ctx: &Ctx<'_>, scope_segs: &[String], scope_key: &str) -> Result<ArmResponse, ArmError> {
    let mut at_scope_only = false;
    let mut principal: Option<String> = None;
    if let Some(filter) = ctx.query("$filter").filter(|f| !f.trim().is_empty()) {
        for term in filter_terms(filter) {
            let compact: String = term.chars().filter(|c| !c.is_whitespace()).collect();
            if compact.eq_ignore_ascii_case("atScope()") {
                at_scope_only = true;
            } else if let Some(p) = eq_value(&term, "principalId") {
                principal = Some(p.to_string());
            } else if let Some(p) = compact
                .get(..12)
                .filter(|h| h.eq_ignore_ascii_case("assignedTo('"))
                .and_then(|_| compact[12..].strip_suffix("')"))
            {
                principal = Some(p.to_string());
            } else {
                return Err(unsupported_filter(filter));
            }
        }
    }
    ctx.shared.store.tx(|tx| {
        if !scope_segs.is_empty() {
            require_scope(ctx, tx, scope_segs)?;
        }
        let mut value = Vec::new();
        for row in tx.assignments()? {
            if !listed(&row.scope_key, scope_key, at_scope_only) {
                continue;
            }
            if principal
                .as_deref()
                .is_some_and(|p| !p.eq_ignore_ascii_case(&row.principal))
            {
                continue;
            }
            value.push(render_assignment(
                ctx,
                &assignments::parse_assignment(&row.doc)?,
                false,
            ));
        }
        Ok(ArmResponse::ok(json!({ "value": value })))
    })
}

/// The role GUID of a `roleDefinitionId` (a full id or a bare GUID).
fn role_guid(id: &str) -> &str {
    id.trim_end_matches('/').rsplit('/').next().unwrap_or(id)
}

fn put(
    ctx: &Ctx<'_>,
    scope_segs: &[String],
    scope: &str,
    scope_key: &str,
    name: &str,
) -> Result<ArmResponse, ArmError> {
    if uuid::Uuid::parse_str(name).is_err() {
        return Err(ArmError::bad_request(
            "InvalidRoleAssignmentId",
            format!(
                "The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID."
            ),
        ));
    }
    let body = ctx.body_object()?;
    let props = match util::get_ci(&body, "properties") {
        Some(Value::Object(p)) => p.clone(),
        _ => return Err(ArmError::missing_parameter("properties")),
    };
    let text = |k: &str| {
        util::get_ci(&props, k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let role_id =
        text("roleDefinitionId").ok_or_else(|| ArmError::missing_parameter("roleDefinitionId"))?;
    let principal_id =
        text("principalId").ok_or_else(|| ArmError::missing_parameter("principalId"))?;
    let wanted_type = text("principalType");
    let description = text("description");
    let condition = text("condition");
    let condition_version = text("conditionVersion");
    let guid = role_guid(&role_id);
    let role = roles::role(guid).ok_or_else(|| role_not_found(StatusCode::BAD_REQUEST, guid))?;
    let seed: &Seed = &ctx.shared.seed;
    ctx.shared.store.tx(|tx| {
        require_scope(ctx, tx, scope_segs)?;
        let principal = tx
            .principal(&principal_id)?
            .ok_or_else(|| principal_not_found(&principal_id, &seed.tenant_id))?;
        // Every principal the emulator knows is a service principal (the admin, managed identities).
        let actual_type = "ServicePrincipal";
        if let Some(t) = wanted_type.as_deref().filter(|t| !t.eq_ignore_ascii_case(actual_type)) {
            let compact: String = principal.object_id.chars().filter(|c| *c != '-').collect();
            return Err(ArmError::bad_request(
                "UnmatchedPrincipalType",
                format!(
                    "The PrincipalId '{compact}' has type '{actual_type}', which is different from specified PrincipalType '{t}'."
                ),
            ));
        }
        let same = |d: &AssignmentDoc, key: &str| {
            key == scope_key
                && d.role.eq_ignore_ascii_case(role.id)
                && d.principal_id.eq_ignore_ascii_case(&principal_id)
        };
        if let Some(row) = tx.assignment(name)? {
            let existing = assignments::parse_assignment(&row.doc)?;
            if same(&existing, &row.scope_key) {
                // Retrying a PUT with the same name (as az does after a 504) is harmless.
                return Ok(ArmResponse::new(
                    StatusCode::CREATED,
                    render_assignment(ctx, &existing, true),
                ));
            }
            return Err(ArmError::bad_request(
                "RoleAssignmentUpdateNotPermitted",
                "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
            ));
        }
        for row in tx.assignments_of(&principal_id)? {
            if same(&assignments::parse_assignment(&row.doc)?, &row.scope_key) {
                return Err(ArmError::new(
                    StatusCode::CONFLICT,
                    "RoleAssignmentExists",
                    "The role assignment already exists.",
                ));
            }
        }
        let now = util::authorization_time();
        let doc = AssignmentDoc {
            name: name.to_string(),
            scope: scope.to_string(),
            role: role.id.to_string(),
            principal_id: principal_id.clone(),
            principal_type: actual_type.to_string(),
            created_on: now.clone(),
            updated_on: now,
            created_by: Some(ctx.caller.object_id.clone()),
            updated_by: Some(ctx.caller.object_id.clone()),
            description,
            condition,
            condition_version,
        };
        tx.assignment_put(name, scope_key, &principal_id, &json!(doc))?;
        Ok(ArmResponse::new(
            StatusCode::CREATED,
            render_assignment(ctx, &doc, true),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_split_and_parse() {
        assert_eq!(
            filter_terms("atScope() and principalId eq 'x'"),
            vec!["atScope()".to_string(), "principalId eq 'x'".to_string()]
        );
        assert_eq!(eq_value("roleName eq 'reader'", "roleName"), Some("reader"));
        assert_eq!(eq_value("roleName eq reader", "roleName"), None);
        assert_eq!(
            role_guid("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/abc"),
            "abc"
        );
    }

    #[test]
    fn listing_includes_ancestors_and_descendants() {
        let rg = "/subscriptions/s/resourcegroups/rg";
        assert!(listed("/subscriptions/s", rg, true));
        assert!(listed(rg, rg, true));
        assert!(!listed(
            "/subscriptions/s/resourcegroups/rg/providers/x/y/z",
            rg,
            true
        ));
        assert!(listed(
            "/subscriptions/s/resourcegroups/rg/providers/x/y/z",
            rg,
            false
        ));
        assert!(!listed("/subscriptions/s/resourcegroups/rg2", rg, false));
    }
}
