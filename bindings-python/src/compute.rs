//! VM and scale set operations (core's `compute`, `requests`, `create` and `extension`): identity
//! show/assign/remove/set, create with an identity, get/delete, and the MSI VM extension.
//!
//! One body per operation, with the kind as a parameter: client.rs generates the `vm_*` and `vmss_*` methods of
//! both client classes over these. Argument conversion only: which resource a name means, what a request contains
//! and every default are core's (`ArmClient::target`, `AssignRequest`, `CreateOptions`, `MsiExtension::from_spec`).

use crate::identity::Identity;
use crate::json::{Json, to_py};
use crate::roles::RoleAssignment;
use msi_identity::{
    ArmClient, AssignRequest, ComputeKind, ComputeTarget, CreateOptions, Error, MsiExtension,
    MsiExtensionSpec, Operation, RemoveRequest, Result, RoleAssignment as CoreRoleAssignment,
    SetRequest,
};
use pyo3::prelude::*;
use serde_json::Value;

/// The result of an identity change.
#[pyclass(frozen, module = "msi_identity", name = "IdentityUpdate")]
pub struct IdentityUpdate {
    changed: bool,
    identity: Identity,
    resource: Value,
    role_assignment: Option<CoreRoleAssignment>,
}

impl From<msi_identity::IdentityUpdate> for IdentityUpdate {
    fn from(u: msi_identity::IdentityUpdate) -> IdentityUpdate {
        IdentityUpdate {
            changed: u.changed,
            identity: Identity { inner: u.identity },
            resource: u.resource,
            role_assignment: None,
        }
    }
}

impl From<msi_identity::AssignOutcome> for IdentityUpdate {
    fn from(o: msi_identity::AssignOutcome) -> IdentityUpdate {
        IdentityUpdate {
            role_assignment: o.role_assignment,
            ..o.update.into()
        }
    }
}

#[pymethods]
impl IdentityUpdate {
    /// False when the resource already was as asked (no write was sent).
    #[getter]
    fn changed(&self) -> bool {
        self.changed
    }

    /// The identity after the change.
    #[getter]
    fn identity(&self) -> Identity {
        self.identity.clone()
    }

    /// The whole VM or scale set as last read (ARM JSON).
    #[getter]
    fn resource<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.resource)
    }

    /// The role assignment an assign with `role` and `scope` made (az's `--role --scope`), else `None`.
    #[getter]
    fn role_assignment(&self) -> Option<RoleAssignment> {
        self.role_assignment.clone().map(RoleAssignment::from)
    }

    /// The ARM JSON of the resource after the change (same as `resource`).
    fn as_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.resource)
    }

    fn __repr__(&self) -> String {
        let id = self
            .resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("?");
        format!(
            "IdentityUpdate(changed={}, identity={}, resource='{id}')",
            if self.changed { "True" } else { "False" },
            self.identity.repr_text()
        )
    }
}

/// How a call names a VM, scale set or user-assigned identity: `resource_group` + `name`, or `resource_id`. What
/// is enough and what is too much is core's (`ArmClient::target`, `ArmClient::user_identity_ref`).
pub struct Named {
    pub resource_group: Option<String>,
    pub name: Option<String>,
    pub resource_id: Option<String>,
}

impl Named {
    pub fn new(
        resource_group: Option<String>,
        name: Option<String>,
        resource_id: Option<String>,
    ) -> Named {
        Named {
            resource_group,
            name,
            resource_id,
        }
    }

    fn target(&self, c: &ArmClient, kind: Option<ComputeKind>) -> Result<ComputeTarget> {
        c.target(
            kind,
            self.resource_group.as_deref(),
            self.name.as_deref(),
            self.resource_id.as_deref(),
        )
    }

    /// The full ID of the user-assigned identity these name (core's `user_identity_ref`).
    pub fn identity_ref(&self, c: &ArmClient) -> Result<String> {
        c.user_identity_ref(
            self.resource_group.as_deref(),
            self.name.as_deref(),
            self.resource_id.as_deref(),
        )
    }
}

/// The parent of an extension: `resource_group` with `vm_name` or `vmss_name` (the keyword says the kind), or a
/// VM or scale set `resource_id` (of either kind).
pub struct Parent {
    kind: Option<ComputeKind>,
    named: Named,
}

impl Parent {
    pub fn new(
        resource_group: Option<String>,
        vm_name: Option<String>,
        vmss_name: Option<String>,
        resource_id: Option<String>,
    ) -> Result<Parent> {
        let (kind, name) = match (vm_name, vmss_name) {
            (Some(_), Some(_)) => {
                return Err(Error::invalid_argument(
                    "give vm_name or vmss_name, not both",
                ));
            }
            (Some(n), None) => (Some(ComputeKind::VirtualMachine), Some(n)),
            (None, Some(n)) => (Some(ComputeKind::VirtualMachineScaleSet), Some(n)),
            (None, None) => (None, None),
        };
        Ok(Parent {
            kind,
            named: Named::new(resource_group, name, resource_id),
        })
    }

    fn target(&self, c: &ArmClient) -> Result<ComputeTarget> {
        self.named.target(c, self.kind)
    }
}

pub async fn identity_show(c: ArmClient, kind: ComputeKind, n: Named) -> Result<Identity> {
    let t = n.target(&c, Some(kind))?;
    Ok(Identity {
        inner: c.show_identity(&t).await?,
    })
}

pub async fn identity_assign(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: AssignRequest,
) -> Result<IdentityUpdate> {
    let t = n.target(&c, Some(kind))?;
    Ok(c.assign_identity(&t, &request).await?.into())
}

pub async fn identity_remove(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: RemoveRequest,
) -> Result<IdentityUpdate> {
    let t = n.target(&c, Some(kind))?;
    Ok(c.remove_identity(&t, &request).await?.into())
}

pub async fn identity_set(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: SetRequest,
) -> Result<IdentityUpdate> {
    let t = n.target(&c, Some(kind))?;
    Ok(c.set_identity(&t, &request).await?.into())
}

pub async fn create(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    options: CreateOptions,
) -> Result<Json> {
    let t = n.target(&c, Some(kind))?;
    Ok(Json(c.create(&t, &options).await?))
}

pub async fn get(c: ArmClient, kind: ComputeKind, n: Named) -> Result<Json> {
    let t = n.target(&c, Some(kind))?;
    Ok(Json(c.get_compute(&t).await?))
}

pub async fn delete(c: ArmClient, kind: ComputeKind, n: Named) -> Result<bool> {
    let t = n.target(&c, Some(kind))?;
    c.delete_compute(&t).await
}

pub async fn set_msi_extension(c: ArmClient, p: Parent, spec: MsiExtensionSpec) -> Result<Json> {
    let t = p.target(&c)?;
    let ext = MsiExtension::from_spec(&spec)?;
    Ok(Json(c.set_msi_extension(&t, &ext).await?))
}

pub async fn get_extension(c: ArmClient, p: Parent, name: String) -> Result<Json> {
    let t = p.target(&c)?;
    Ok(Json(c.get_extension(&t, &name).await?))
}

pub async fn delete_extension(c: ArmClient, p: Parent, name: String) -> Result<bool> {
    let t = p.target(&c)?;
    c.delete_extension(&t, &name).await
}

// ---- the same writes, returning once accepted (core's `begin_*`; the `begin_*` methods' bodies)

pub async fn begin_create(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    options: CreateOptions,
) -> Result<Operation> {
    let t = n.target(&c, Some(kind))?;
    c.begin_create(&t, &options).await
}

pub async fn begin_delete(c: ArmClient, kind: ComputeKind, n: Named) -> Result<Operation> {
    let t = n.target(&c, Some(kind))?;
    c.begin_delete_compute(&t).await
}

pub async fn begin_identity_assign(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: AssignRequest,
) -> Result<Operation> {
    let t = n.target(&c, Some(kind))?;
    c.begin_assign_identity(&t, &request).await
}

pub async fn begin_identity_remove(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: RemoveRequest,
) -> Result<Operation> {
    let t = n.target(&c, Some(kind))?;
    c.begin_remove_identity(&t, &request).await
}

pub async fn begin_identity_set(
    c: ArmClient,
    kind: ComputeKind,
    n: Named,
    request: SetRequest,
) -> Result<Operation> {
    let t = n.target(&c, Some(kind))?;
    c.begin_set_identity(&t, &request).await
}

pub async fn begin_set_msi_extension(
    c: ArmClient,
    p: Parent,
    spec: MsiExtensionSpec,
) -> Result<Operation> {
    let t = p.target(&c)?;
    let ext = MsiExtension::from_spec(&spec)?;
    c.begin_set_msi_extension(&t, &ext).await
}

pub async fn begin_delete_extension(c: ArmClient, p: Parent, name: String) -> Result<Operation> {
    let t = p.target(&c)?;
    c.begin_delete_extension(&t, &name).await
}
