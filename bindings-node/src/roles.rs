//! Role assignments: core's `roles` module.

use crate::abort::{Abort, OperationOptions, abortable};
use crate::client::MsiClient;
use crate::error::IntoNapi;
use msi_identity::RoleAssignment as CoreRoleAssignment;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// A role assignment as the service returns it.
#[napi(object)]
pub struct RoleAssignment {
    pub id: String,
    pub name: String,
    pub scope: String,
    pub role_definition_id: String,
    pub principal_id: String,
    pub principal_type: Option<String>,
    /// The ARM JSON.
    #[napi(ts_type = "Record<string, any>")]
    pub raw: Value,
}

impl From<CoreRoleAssignment> for RoleAssignment {
    fn from(a: CoreRoleAssignment) -> Self {
        RoleAssignment {
            id: a.id,
            name: a.name,
            scope: a.scope,
            role_definition_id: a.role_definition_id,
            principal_id: a.principal_id,
            principal_type: a.principal_type,
            raw: a.raw,
        }
    }
}

/// Grant a role (`az role assignment create --assignee-object-id`).
#[napi(object, object_to_js = false)]
pub struct CreateRoleAssignmentOptions {
    /// `/subscriptions/<id>[/resourceGroups/<group>[/providers/...]]`.
    pub scope: String,
    /// A role name (`Reader`), a role definition GUID or its full ID.
    pub role: String,
    /// Object ID of the principal (e.g. a system-assigned identity's `principalId`).
    pub principal_id: String,
    /// Default `ServicePrincipal`.
    pub principal_type: Option<String>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// Which assignments `deleteRoleAssignments` removes: those made exactly at `scope` (default: the client's
/// subscription, as az does) to `principalId` and/or of `role`.
#[napi(object, object_to_js = false)]
pub struct DeleteRoleAssignmentsOptions {
    pub scope: Option<String>,
    pub principal_id: Option<String>,
    pub role: Option<String>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

#[napi]
impl MsiClient {
    /// Grant `role` at `scope` to a principal.
    #[napi]
    pub async fn create_role_assignment(
        &self,
        options: CreateRoleAssignmentOptions,
    ) -> Result<RoleAssignment> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            let c = self.inner.clone();
            Ok(c.create_role_assignment(
                &options.scope,
                &options.role,
                &options.principal_id,
                options.principal_type.as_deref(),
            )
            .await
            .napi()?
            .into())
        })
        .await
    }

    /// Role assignments at and above `scope` (default: the client's subscription, as az does), optionally for one
    /// principal (`az role assignment list`).
    #[napi]
    pub async fn list_role_assignments(
        &self,
        scope: Option<String>,
        principal_id: Option<String>,
        options: Option<OperationOptions>,
    ) -> Result<Vec<RoleAssignment>> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            let c = self.inner.clone();
            Ok(
                c.list_role_assignments(scope.as_deref(), principal_id.as_deref())
                    .await
                    .napi()?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
            )
        })
        .await
    }

    /// Delete one role assignment by its ID; `false` when it did not exist.
    #[napi]
    pub async fn delete_role_assignment(
        &self,
        id: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            let c = self.inner.clone();
            c.delete_role_assignment(&id).await.napi()
        })
        .await
    }

    /// Delete the matching assignments (`az role assignment delete`); resolves to the IDs deleted.
    #[napi]
    pub async fn delete_role_assignments(
        &self,
        options: DeleteRoleAssignmentsOptions,
    ) -> Result<Vec<String>> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            let c = self.inner.clone();
            c.delete_role_assignments_matching(
                options.scope.as_deref(),
                options.principal_id.as_deref(),
                options.role.as_deref(),
            )
            .await
            .napi()
        })
        .await
    }
}
