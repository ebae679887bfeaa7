//! User-assigned identities (core's `user_identity`): create, get, list, delete.

use crate::identity::opt_repr;
use crate::json::{from_py, to_py};
use msi_identity::ids::{MSI_NAMESPACE, ResourceId, UAI_TYPE};
use msi_identity::{ArmClient, Error, Result, UserIdentity as CoreUserIdentity};
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

/// An identity named by `resource_group` + `name`, or by `resource_id` (in the client's subscription: core's
/// calls take the group and name).
pub struct Named {
    pub resource_group: Option<String>,
    pub name: Option<String>,
    pub resource_id: Option<String>,
}

impl Named {
    fn resolve(self, c: &ArmClient) -> Result<(String, String)> {
        match (self.resource_group, self.name, self.resource_id) {
            (Some(g), Some(n), None) => Ok((g, n)),
            (None, None, Some(id)) => {
                let rid = ResourceId::parse(&id)?;
                if !rid.is_type(MSI_NAMESPACE, UAI_TYPE) {
                    return Err(Error::invalid_argument(format!(
                        "'{id}' is not a user-assigned identity ID; expected .../providers/{MSI_NAMESPACE}/{UAI_TYPE}/<name>"
                    )));
                }
                if !rid.subscription.eq_ignore_ascii_case(c.subscription_id()) {
                    return Err(Error::invalid_argument(format!(
                        "'{id}' is in subscription '{}', not the client's '{}': use a client for that subscription",
                        rid.subscription,
                        c.subscription_id()
                    )));
                }
                Ok((rid.resource_group.clone(), rid.name().to_string()))
            }
            (_, _, Some(_)) => Err(Error::invalid_argument(
                "give either resource_id or resource_group and name, not both",
            )),
            _ => Err(Error::invalid_argument(
                "name the user-assigned identity: resource_group and name, or resource_id",
            )),
        }
    }
}

/// Tags as JSON (checked by core).
pub fn tags(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Value>> {
    obj.map(from_py).transpose()
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

pub async fn get(c: ArmClient, n: Named) -> Result<UserIdentity> {
    let (g, n) = n.resolve(&c)?;
    Ok(c.get_user_identity(&g, &n).await?.into())
}

pub async fn list(c: ArmClient, resource_group: Option<String>) -> Result<Vec<UserIdentity>> {
    Ok(c.list_user_identities(resource_group.as_deref())
        .await?
        .into_iter()
        .map(UserIdentity::from)
        .collect())
}

pub async fn delete(c: ArmClient, n: Named) -> Result<bool> {
    let (g, n) = n.resolve(&c)?;
    c.delete_user_identity(&g, &n).await
}
