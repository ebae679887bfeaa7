//! User-assigned identities (core's `user_identity`): create, get, list, delete.

use crate::compute::Named;
use crate::identity::opt_repr;
use crate::json::to_py;
use msi_identity::{ArmClient, Result, UserIdentity as CoreUserIdentity};
use pyo3::prelude::*;
use serde_json::Value;

/// A user-assigned identity resource (Microsoft.ManagedIdentity/userAssignedIdentities).
#[pyclass(frozen, module = "msi_identity", name = "UserIdentity")]
pub struct UserIdentity {
    inner: CoreUserIdentity,
}

impl From<CoreUserIdentity> for UserIdentity {
    fn from(inner: CoreUserIdentity) -> UserIdentity {
        UserIdentity { inner }
    }
}

#[pymethods]
impl UserIdentity {
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }
    #[getter]
    fn location(&self) -> &str {
        &self.inner.location
    }
    #[getter]
    fn resource_group(&self) -> &str {
        &self.inner.resource_group
    }
    #[getter]
    fn tenant_id(&self) -> Option<String> {
        self.inner.tenant_id.clone()
    }
    /// Object id of the identity's service principal (what role assignments name).
    #[getter]
    fn principal_id(&self) -> Option<String> {
        self.inner.principal_id.clone()
    }
    /// Client (application) id: what `ManagedIdentityCredential(client_id=...)` selects.
    #[getter]
    fn client_id(&self) -> Option<String> {
        self.inner.client_id.clone()
    }
    /// The ARM JSON as the service returned it.
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.raw)
    }
    fn __repr__(&self) -> String {
        format!(
            "UserIdentity(name='{}', resource_group='{}', location='{}', principal_id={}, client_id={}, id='{}')",
            self.inner.name,
            self.inner.resource_group,
            self.inner.location,
            opt_repr(&self.inner.principal_id),
            opt_repr(&self.inner.client_id),
            self.inner.id
        )
    }
}

pub async fn create(
    c: ArmClient,
    resource_group: String,
    name: String,
    location: Option<String>,
    tags: Option<Value>,
) -> Result<UserIdentity> {
    Ok(
        c.create_user_identity(&resource_group, &name, location.as_deref(), tags)
            .await?
            .into(),
    )
}

/// An identity named by `resource_group` + `name`, or by `resource_id` (followed into its own subscription):
/// core's `user_identity_ref` decides.
pub async fn get(c: ArmClient, n: Named) -> Result<UserIdentity> {
    let id = n.identity_ref(&c)?;
    Ok(c.get_user_identity_by_id(&id).await?.into())
}

pub async fn list(c: ArmClient, resource_group: Option<String>) -> Result<Vec<UserIdentity>> {
    Ok(c.list_user_identities(resource_group.as_deref())
        .await?
        .into_iter()
        .map(UserIdentity::from)
        .collect())
}

pub async fn delete(c: ArmClient, n: Named) -> Result<bool> {
    let id = n.identity_ref(&c)?;
    c.delete_user_identity_by_id(&id).await
}
