//! `Identity` and `UserAssignedIdentity`: core's `identity` types as read-only Python objects.

use crate::json::to_py;
use msi_identity::identity::{Identity as CoreIdentity, UserAssignedIdentity as CoreUai};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

pub(crate) fn opt_repr(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("'{s}'"),
        None => "None".into(),
    }
}

/// The identity of a VM or scale set.
#[pyclass(frozen, eq, module = "msi_identity", name = "Identity")]
#[derive(Clone, PartialEq)]
pub struct Identity {
    pub inner: CoreIdentity,
}

#[pymethods]
impl Identity {
    /// `None`, `SystemAssigned`, `UserAssigned` or `SystemAssigned, UserAssigned` (Azure's canonical form).
    #[getter(r#type)]
    fn identity_type(&self) -> &'static str {
        self.inner.identity_type.as_str()
    }

    /// True when the system-assigned identity is enabled.
    #[getter]
    fn system_assigned(&self) -> bool {
        self.inner.has_system()
    }

    /// Object id of the system-assigned identity.
    #[getter]
    fn principal_id(&self) -> Option<String> {
        self.inner.principal_id.clone()
    }

    #[getter]
    fn tenant_id(&self) -> Option<String> {
        self.inner.tenant_id.clone()
    }

    /// The user-assigned identities, in the order the service listed them.
    #[getter]
    fn user_assigned_identities(&self) -> Vec<UserAssignedIdentity> {
        self.inner
            .user_assigned
            .iter()
            .cloned()
            .map(|inner| UserAssignedIdentity { inner })
            .collect()
    }

    /// The ARM JSON (`{"type", "principalId"?, "tenantId"?, "userAssignedIdentities"?}`); `{"type": "None"}` when
    /// there is no identity (ARM then omits the key).
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.inner.to_json() {
            Value::Null => {
                let d = PyDict::new(py);
                d.set_item("type", self.inner.identity_type.as_str())?;
                Ok(d.into_any())
            }
            v => to_py(py, &v),
        }
    }

    fn __repr__(&self) -> String {
        self.repr_text()
    }
}

impl Identity {
    pub fn repr_text(&self) -> String {
        let users: Vec<String> = self
            .inner
            .user_assigned
            .iter()
            .map(|u| format!("'{}'", u.id))
            .collect();
        format!(
            "Identity(type='{}', principal_id={}, tenant_id={}, user_assigned_identities=[{}])",
            self.inner.identity_type.as_str(),
            opt_repr(&self.inner.principal_id),
            opt_repr(&self.inner.tenant_id),
            users.join(", ")
        )
    }
}

/// One user-assigned identity attached to a VM or scale set.
#[pyclass(frozen, eq, module = "msi_identity", name = "UserAssignedIdentity")]
#[derive(Clone, PartialEq)]
pub struct UserAssignedIdentity {
    pub inner: CoreUai,
}

#[pymethods]
impl UserAssignedIdentity {
    /// ARM ID of the identity, in the casing the service returned.
    #[getter]
    fn id(&self) -> String {
        self.inner.id.clone()
    }

    #[getter]
    fn principal_id(&self) -> Option<String> {
        self.inner.principal_id.clone()
    }

    #[getter]
    fn client_id(&self) -> Option<String> {
        self.inner.client_id.clone()
    }

    /// The ARM JSON of the entry (`{"principalId", "clientId"}`; its key in the map is `id`).
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        if let Some(p) = &self.inner.principal_id {
            d.set_item("principalId", p)?;
        }
        if let Some(c) = &self.inner.client_id {
            d.set_item("clientId", c)?;
        }
        Ok(d)
    }

    fn __repr__(&self) -> String {
        format!(
            "UserAssignedIdentity(id='{}', principal_id={}, client_id={})",
            self.inner.id,
            opt_repr(&self.inner.principal_id),
            opt_repr(&self.inner.client_id)
        )
    }
}
