//! Role assignments: give an identity access to another resource (the seeds' next step), list, remove.

use crate::client::ArmClient;
use crate::error::{Error, ErrorKind, Result};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

pub const AUTHORIZATION_API_VERSION: &str = "2022-04-01";

/// A role assignment as the service returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleAssignment {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: Option<String>,
    /// The ARM JSON.
    pub raw: Value,
}

impl RoleAssignment {
    pub fn from_json(v: Value) -> RoleAssignment {
        let s = |p: &str| {
            v.pointer(p)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        RoleAssignment {
            id: s("/id"),
            name: s("/name"),
            scope: s("/properties/scope"),
            role_definition_id: s("/properties/roleDefinitionId"),
            principal_id: s("/properties/principalId"),
            principal_type: v
                .pointer("/properties/principalType")
                .and_then(Value::as_str)
                .map(str::to_string),
            raw: v,
        }
    }
}

fn is_guid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok()
}

/// A scope is `/`, a subscription, a resource group or a resource ID.
pub(crate) fn validate_scope(scope: &str) -> Result<String> {
    let scope = scope.trim_end_matches('/');
    if scope.is_empty() {
        return Ok(String::new());
    }
    let segs: Vec<&str> = scope.split('/').skip(1).collect();
    let ok = scope.starts_with('/')
        && segs.len() >= 2
        && segs[0].eq_ignore_ascii_case("subscriptions")
        && segs
            .iter()
            .all(|s| !s.is_empty() && !s.contains(['?', '#', '%']))
        && (segs.len() == 2
            || (segs.len() == 4 && segs[2].eq_ignore_ascii_case("resourceGroups"))
            || crate::ids::ResourceId::parse(scope).is_ok());
    if !ok {
        return Err(Error::invalid_argument(format!(
            "invalid scope '{scope}': expected /subscriptions/<id>[/resourceGroups/<group>[/providers/...]]"
        )));
    }
    Ok(scope.to_string())
}

impl ArmClient {
    /// The scope a caller named, or the client's subscription (az's default for role assignment commands).
    fn scope_or_subscription(&self, scope: Option<&str>) -> String {
        scope
            .map(str::to_string)
            .unwrap_or_else(|| format!("/subscriptions/{}", self.subscription))
    }

    /// A role definition ID from a role name (`Reader`) or a GUID or full ID.
    pub async fn resolve_role(&self, scope: &str, role: &str) -> Result<String> {
        let scope = validate_scope(scope)?;
        if role.starts_with('/') {
            return Ok(role.to_string());
        }
        if is_guid(role) {
            return Ok(format!(
                "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{role}",
                self.subscription
            ));
        }
        if role.contains('\'') {
            return Err(Error::invalid_argument(format!(
                "invalid role name '{role}'"
            )));
        }
        let filter = format!("roleName eq '{role}'");
        let r = self
            .p
            .send(
                Method::GET,
                &format!("{scope}/providers/Microsoft.Authorization/roleDefinitions"),
                &[
                    ("api-version", AUTHORIZATION_API_VERSION),
                    ("$filter", &filter),
                ],
                None,
                &[],
            )
            .await?;
        let found = r
            .body
            .get("value")
            .and_then(Value::as_array)
            .and_then(|v| v.first())
            .cloned();
        found
            .and_then(|d| d.get("id").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| {
                Error::invalid_argument(format!("no role named '{role}' at scope '{scope}'"))
            })
    }

    /// Grant `role` at `scope` to `principal_id` (`az role assignment create --assignee-object-id`). A principal
    /// created moments ago may not have replicated yet (400 `PrincipalNotFound`): that is retried with the same
    /// assignment name, as az does.
    pub async fn create_role_assignment(
        &self,
        scope: &str,
        role: &str,
        principal_id: &str,
        principal_type: Option<&str>,
    ) -> Result<RoleAssignment> {
        let scope = validate_scope(scope)?;
        if !is_guid(principal_id) {
            return Err(Error::invalid_argument(format!(
                "invalid principal id '{principal_id}': expected an object id (GUID)"
            )));
        }
        let role_id = self.resolve_role(&scope, role).await?;
        let path = assignment_path(&scope, &role_id, principal_id);
        let body = json!({ "properties": {
            "roleDefinitionId": role_id,
            "principalId": principal_id,
            "principalType": principal_type.unwrap_or("ServicePrincipal"),
        }});
        let mut attempt = 0u32;
        loop {
            match self
                .p
                .send(
                    Method::PUT,
                    &path,
                    &[("api-version", AUTHORIZATION_API_VERSION)],
                    Some(&body),
                    &[],
                )
                .await
            {
                Ok(r) => return Ok(RoleAssignment::from_json(r.body)),
                Err(e) if e.code() == Some("PrincipalNotFound") && attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(500 * (1 << attempt.min(4)))).await;
                }
                Err(e) if e.code() == Some("RoleAssignmentExists") => {
                    // Already granted: return the existing one.
                    let existing = self
                        .list_role_assignments(Some(&scope), Some(principal_id))
                        .await?;
                    return existing
                        .into_iter()
                        .find(|a| {
                            a.role_definition_id.eq_ignore_ascii_case(&role_id)
                                && a.scope.eq_ignore_ascii_case(&scope)
                        })
                        .ok_or(e);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Grant `role_id` (a full role definition ID) at `scope` unless it is granted already (a GET of the
    /// assignment's deterministic name first, so that a second run writes nothing): the assignment, and whether
    /// it was created now.
    pub async fn ensure_role_assignment(
        &self,
        scope: &str,
        role_id: &str,
        principal_id: &str,
    ) -> Result<(RoleAssignment, bool)> {
        let scope = validate_scope(scope)?;
        match self.named_assignment(&scope, role_id, principal_id).await? {
            Some(a) => Ok((a, false)),
            None => Ok((
                self.create_role_assignment(&scope, role_id, principal_id, None)
                    .await?,
                true,
            )),
        }
    }

    /// The assignment of the deterministic name ([`assignment_path`]) of `role_id` for `principal_id` at a
    /// checked `scope`, if there is one.
    async fn named_assignment(
        &self,
        scope: &str,
        role_id: &str,
        principal_id: &str,
    ) -> Result<Option<RoleAssignment>> {
        let path = assignment_path(scope, role_id, principal_id);
        match self
            .p
            .send(
                Method::GET,
                &path,
                &[("api-version", AUTHORIZATION_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(r) => Ok(Some(RoleAssignment::from_json(r.body))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Whether `principal_id` holds `role_id` (a full role definition ID) exactly at `scope`: the assignment of
    /// the name [`ArmClient::ensure_role_assignment`] gives it, or any other one (made by az or the portal) found
    /// in the principal's assignments there. Reads only.
    pub async fn role_assignment_held(
        &self,
        scope: &str,
        role_id: &str,
        principal_id: &str,
    ) -> Result<bool> {
        let scope = validate_scope(scope)?;
        if self
            .named_assignment(&scope, role_id, principal_id)
            .await?
            .is_some()
        {
            return Ok(true);
        }
        Ok(self
            .list_role_assignments(Some(&scope), Some(principal_id))
            .await?
            .iter()
            .any(|a| {
                a.role_definition_id.eq_ignore_ascii_case(role_id)
                    && a.scope.eq_ignore_ascii_case(&scope)
            }))
    }

    /// [`ArmClient::create_role_assignment`] at `scope`, or with no scope at the client's subscription (the default
    /// of `New-AzRoleAssignment` without `-Scope`, as for list and delete): faces pass the caller's scope through.
    pub async fn create_role_assignment_at(
        &self,
        scope: Option<&str>,
        role: &str,
        principal_id: &str,
        principal_type: Option<&str>,
    ) -> Result<RoleAssignment> {
        let scope = self.scope_or_subscription(scope);
        self.create_role_assignment(&scope, role, principal_id, principal_type)
            .await
    }

    /// Role assignments at and above `scope` (`az role assignment list --scope`; no scope: the client's
    /// subscription, az's default), optionally for one principal.
    pub async fn list_role_assignments(
        &self,
        scope: Option<&str>,
        principal_id: Option<&str>,
    ) -> Result<Vec<RoleAssignment>> {
        let scope = validate_scope(&self.scope_or_subscription(scope))?;
        let filter = match principal_id {
            Some(p) if is_guid(p) => format!("principalId eq '{p}'"),
            Some(p) => {
                return Err(Error::invalid_argument(format!(
                    "invalid principal id '{p}'"
                )));
            }
            None => "atScope()".to_string(),
        };
        let path = format!("{scope}/providers/Microsoft.Authorization/roleAssignments");
        let mut out = Vec::new();
        let mut page = self
            .p
            .send(
                Method::GET,
                &path,
                &[
                    ("api-version", AUTHORIZATION_API_VERSION),
                    ("$filter", &filter),
                ],
                None,
                &[],
            )
            .await?;
        loop {
            if let Some(items) = page.body.get("value").and_then(Value::as_array) {
                out.extend(items.iter().cloned().map(RoleAssignment::from_json));
            }
            match page.body.get("nextLink").and_then(Value::as_str) {
                Some(n) if !n.is_empty() => {
                    let n = n.to_string();
                    page = self.p.send(Method::GET, &n, &[], None, &[]).await?;
                }
                _ => return Ok(out),
            }
        }
    }

    /// Delete the assignments made exactly at `scope` to `principal_id` and/or of `role` (`az role assignment
    /// delete --assignee --role --scope`); returns the IDs deleted.
    pub async fn delete_role_assignments_matching(
        &self,
        scope: Option<&str>,
        principal_id: Option<&str>,
        role: Option<&str>,
    ) -> Result<Vec<String>> {
        let scope = validate_scope(&self.scope_or_subscription(scope))?;
        if principal_id.is_none() && role.is_none() {
            return Err(Error::invalid_argument(
                "name what to delete: an assignee and/or a role",
            ));
        }
        let role_id = match role {
            Some(r) => Some(self.resolve_role(&scope, r).await?),
            None => None,
        };
        let mut deleted = Vec::new();
        for a in self
            .list_role_assignments(Some(&scope), principal_id)
            .await?
        {
            let same_scope = a.scope.eq_ignore_ascii_case(&scope);
            let same_role = role_id
                .as_ref()
                .is_none_or(|r| a.role_definition_id.eq_ignore_ascii_case(r));
            if same_scope && same_role && self.delete_role_assignment(&a.id).await? {
                deleted.push(a.id);
            }
        }
        Ok(deleted)
    }

    /// Delete a role assignment by its full ID; `false` when it did not exist.
    pub async fn delete_role_assignment(&self, id: &str) -> Result<bool> {
        let ok = id.contains("/providers/Microsoft.Authorization/roleAssignments/")
            || id
                .to_ascii_lowercase()
                .contains("/providers/microsoft.authorization/roleassignments/");
        if !ok || !id.starts_with('/') {
            return Err(Error::invalid_argument(format!(
                "'{id}' is not a role assignment ID (.../providers/Microsoft.Authorization/roleAssignments/<guid>)"
            )));
        }
        match self
            .p
            .send(
                Method::DELETE,
                id,
                &[("api-version", AUTHORIZATION_API_VERSION)],
                None,
                &[],
            )
            .await
        {
            Ok(r) => Ok(r.status != 204),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// The path of the assignment of `role_id` at `scope` to `principal_id`. Its name is derived from what is
/// granted, so that a retry whose first answer was lost finds its own assignment (`RoleAssignmentExists`, or
/// the same PUT again) instead of making a second one.
fn assignment_path(scope: &str, role_id: &str, principal_id: &str) -> String {
    let name = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!(
            "{}|{}|{}",
            scope.to_ascii_lowercase(),
            role_id.to_ascii_lowercase(),
            principal_id.to_ascii_lowercase()
        )
        .as_bytes(),
    );
    format!("{scope}/providers/Microsoft.Authorization/roleAssignments/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_checked() {
        for ok in [
            "/subscriptions/s",
            "/subscriptions/s/resourceGroups/rg",
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm",
        ] {
            assert_eq!(validate_scope(ok).unwrap(), ok);
        }
        for bad in [
            "subscriptions/s",
            "/subscriptions",
            "/subscriptions/s/resourceGroups",
            "/x/y",
        ] {
            assert!(validate_scope(bad).is_err(), "{bad}");
        }
    }
}
