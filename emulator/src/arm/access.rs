//! Access control of ARM requests: the checks every request goes through (403 `AuthorizationFailed`
//! / `LinkedAuthorizationFailed`, azure-facts §4.2) against the caller's role assignments.

use std::sync::Arc;

use axum::http::StatusCode;

use super::ctx::Ctx;
use crate::catalog::errors::ArmError;
use crate::catalog::roles::ASSIGN_ACTION;
use crate::state::access::Access;
use crate::state::assignments::{self, scope_key};
use crate::store::Tx;

impl Ctx<'_> {
    /// Access control is on (`Config::enforce_rbac`).
    pub fn enforced(&self) -> bool {
        self.shared.config.enforce_rbac
    }

    /// The caller may perform `action` at `scope` (an id or path, any casing).
    pub fn permits(&self, tx: &Tx<'_>, action: &str, scope: &str) -> Result<bool, ArmError> {
        if !self.enforced() {
            return Ok(true);
        }
        assignments::permits(tx, &self.caller.object_id, action, &scope_key(scope))
    }

    /// 403 `AuthorizationFailed` unless the caller may perform `action` at `check_scope`; the error
    /// names `shown_scope`.
    pub fn authorize_at(
        &self,
        action: &str,
        check_scope: &str,
        shown_scope: &str,
    ) -> Result<(), ArmError> {
        if !self.enforced() {
            return Ok(());
        }
        if self.access()?.permits(action, &scope_key(check_scope)) {
            Ok(())
        } else {
            Err(authorization_failed(
                &self.caller.object_id,
                action,
                shown_scope,
            ))
        }
    }

    /// The caller's role assignments as of the last write to any (`state::access`); a caller
    /// deleted since it authenticated holds none. Not from inside a store transaction (a cache miss
    /// reads the store): checks there use [`Ctx::permits`].
    pub fn access(&self) -> Result<Arc<Access>, ArmError> {
        Ok(self
            .shared
            .access
            .get(&self.shared.store, &self.caller.object_id)?
            .unwrap_or_else(|| Arc::new(Access::none(self.caller.clone()))))
    }

    /// [`Ctx::authorize_at`] the request's own path.
    pub fn authorize(&self, action: &str) -> Result<(), ArmError> {
        self.authorize_at(action, &self.scope, &self.scope)
    }

    /// The caller has some role assignment in the subscription (what ARM requires to see it).
    pub fn sees_subscription(&self, sub: &str) -> Result<bool, ArmError> {
        Ok(!self.enforced()
            || self
                .access()?
                .within(&scope_key(&format!("/subscriptions/{sub}"))))
    }

    /// A keep-filter for lists: with `only_readable`, whether the caller may perform that action on
    /// a row's resource (the caller's access read once per list, not once per row).
    pub fn readable(
        &self,
        only_readable: Option<&str>,
    ) -> Result<impl Fn(&str) -> bool + use<>, ArmError> {
        let check = match only_readable {
            Some(action) if self.enforced() => Some((action.to_string(), self.access()?)),
            _ => None,
        };
        Ok(move |key: &str| {
            check
                .as_ref()
                .is_none_or(|(action, access)| access.permits(action, &scope_key(key)))
        })
    }

    /// 403 unless the caller has some access in the subscription.
    pub fn authorize_visible(&self, sub: &str, action: &str) -> Result<(), ArmError> {
        if self.sees_subscription(sub)? {
            Ok(())
        } else {
            Err(authorization_failed(
                &self.caller.object_id,
                action,
                &format!("/subscriptions/{sub}"),
            ))
        }
    }

    /// Access to the status of operation `op_id`: `action` on the resource it changed.
    pub fn authorize_operation(&self, op_id: &str, action: &str) -> Result<(), ArmError> {
        if !self.enforced() {
            return Ok(());
        }
        match self.shared.store.read(|t| t.op_get(op_id))? {
            Some(op) => match op.resource {
                Some(resource) => self.authorize_at(action, &resource, &self.scope),
                // The resource has gone since: the operation's own path decides.
                None => self.authorize(action),
            },
            None => Ok(()),
        }
    }
}

/// 403 `AuthorizationFailed` (§4.2).
pub fn authorization_failed(oid: &str, action: &str, scope: &str) -> ArmError {
    ArmError::new(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        format!(
            "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
    .with_header("x-ms-failure-cause", "gateway")
}

/// An id with the lower-case `resourcegroups` segment linked scopes are reported with.
pub fn lower_resourcegroups(id: &str) -> String {
    id.split('/')
        .map(|s| {
            if s.eq_ignore_ascii_case("resourcegroups") {
                "resourcegroups"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// 403 `LinkedAuthorizationFailed` (§4.2): `action` on `scope` is allowed, `assign/action` on the
/// `linked` identities is not.
pub fn linked_authorization_failed(
    oid: &str,
    action: &str,
    scope: &str,
    linked: &[String],
) -> ArmError {
    let linked: Vec<String> = linked.iter().map(|l| lower_resourcegroups(l)).collect();
    ArmError::new(
        StatusCode::FORBIDDEN,
        "LinkedAuthorizationFailed",
        format!(
            "The client '{oid}' with object id '{oid}' has permission to perform action '{action}' on scope '{scope}'; however, it does not have permission to perform action '{ASSIGN_ACTION}' on the linked scope(s) '{}' or the linked scope(s) are invalid.",
            linked.join(",")
        ),
    )
    .with_header("x-ms-failure-cause", "gateway")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linked_scopes_use_lower_case_resourcegroups() {
        let e = linked_authorization_failed(
            "o",
            "Microsoft.Compute/virtualMachines/write",
            "/vm",
            &["/subscriptions/s/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a".into(),
              "/subscriptions/s/resourceGroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b".into()],
        );
        assert!(e.message.contains("'/subscriptions/s/resourcegroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a,/subscriptions/s/resourcegroups/RG/providers/Microsoft.ManagedIdentity/userAssignedIdentities/b'"));
        assert_eq!(e.status, StatusCode::FORBIDDEN);
    }
}
