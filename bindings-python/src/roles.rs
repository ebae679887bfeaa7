//! Role assignments (core's `roles`): give an identity access to a scope, list, delete.

use crate::identity::opt_repr;
use crate::json::to_py;
use msi_identity::{ArmClient, Result, RoleAssignment as CoreRoleAssignment};
use pyo3::prelude::*;

/// A role assignment (Microsoft.Authorization/roleAssignments).
#[pyclass(frozen, module = "msi_identity", name = "RoleAssignment")]
pub struct RoleAssignment {
    inner: CoreRoleAssignment,
}

impl From<CoreRoleAssignment> for RoleAssignment {
    fn from(inner: CoreRoleAssignment) -> RoleAssignment {
        RoleAssignment { inner }
    }
}

#[pymethods]
impl RoleAssignment {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn scope(&self) -> &str {
        &self.inner.scope
    }
    #[getter]
    fn role_definition_id(&self) -> &str {
        &self.inner.role_definition_id
    }
    #[getter]
    fn principal_id(&self) -> &str {
        &self.inner.principal_id
    }
    #[getter]
    fn principal_type(&self) -> Option<String> {
        self.inner.principal_type.clone()
    }
    /// The ARM JSON as the service returned it.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.raw)
    }
    fn __repr__(&self) -> String {
        format!(
            "RoleAssignment(principal_id='{}', role_definition_id='{}', scope='{}', principal_type={}, id='{}')",
            self.inner.principal_id,
            self.inner.role_definition_id,
            self.inner.scope,
            opt_repr(&self.inner.principal_type),
            self.inner.id
        )
    }
}

pub async fn create(
    c: ArmClient,
    scope: String,
    role: String,
    principal_id: String,
    principal_type: Option<String>,
) -> Result<RoleAssignment> {
    Ok(
        c.create_role_assignment(&scope, &role, &principal_id, principal_type.as_deref())
            .await?
            .into(),
    )
}

/// No scope: core's default (the client's subscription).
pub async fn list(
    c: ArmClient,
    scope: Option<String>,
    principal_id: Option<String>,
) -> Result<Vec<RoleAssignment>> {
    Ok(
        c.list_role_assignments(scope.as_deref(), principal_id.as_deref())
            .await?
            .into_iter()
            .map(RoleAssignment::from)
            .collect(),
    )
}

pub async fn delete(c: ArmClient, id: String) -> Result<bool> {
    c.delete_role_assignment(&id).await
}

pub async fn delete_matching(
    c: ArmClient,
    scope: Option<String>,
    principal_id: Option<String>,
    role: Option<String>,
) -> Result<Vec<String>> {
    c.delete_role_assignments_matching(scope.as_deref(), principal_id.as_deref(), role.as_deref())
        .await
}
