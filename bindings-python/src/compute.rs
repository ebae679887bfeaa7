//! VM and scale set operations (core's `compute`): identity show/assign/remove/set, create with an identity,
//! get/delete, and the MSI VM extension. Argument conversion only; every decision is core's.

use crate::identity::Identity;
use crate::json::{Json, to_py};
use msi_identity::compute::{BasicModel, MsiExtension, MsiExtensionOs};
use msi_identity::ids::{resolve_identity_refs, resolve_user_identity};
use msi_identity::{
    ArmClient, ComputeKind, ComputeTarget, Error, IdentityChange, IdentityType, Result, Secret,
};
use pyo3::prelude::*;
use serde_json::Value;

/// The result of an identity change.
#[pyclass(frozen, module = "msi_identity", name = "IdentityUpdate")]
pub struct IdentityUpdate {
    changed: bool,
    identity: Identity,
    resource: Value,
}

impl From<msi_identity::IdentityUpdate> for IdentityUpdate {
    fn from(u: msi_identity::IdentityUpdate) -> IdentityUpdate {
        IdentityUpdate {
            changed: u.changed,
            identity: Identity { inner: u.identity },
            resource: u.resource,
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

/// A VM or scale set named by `resource_group` + `name`, or by `resource_id`.
pub struct Target {
    pub resource_group: Option<String>,
    pub name: Option<String>,
    pub resource_id: Option<String>,
}

impl Target {
    pub fn resolve(self, c: &ArmClient, kind: ComputeKind) -> Result<ComputeTarget> {
        match (self.resource_group, self.name, self.resource_id) {
            (None, None, Some(id)) => ComputeTarget::from_id(&id, kind),
            (Some(g), Some(n), None) => ComputeTarget::new(c.subscription_id(), g, n, kind),
            (_, _, Some(_)) => Err(Error::invalid_argument(
                "give either resource_id or resource_group and name, not both",
            )),
            _ => Err(Error::invalid_argument(format!(
                "name the {}: resource_group and name, or resource_id",
                kind.short()
            ))),
        }
    }
}

/// The parent of an extension: `resource_group` + `vm_name` or `vmss_name`, or a VM or scale set `resource_id`.
pub struct Parent {
    pub resource_group: Option<String>,
    pub vm_name: Option<String>,
    pub vmss_name: Option<String>,
    pub resource_id: Option<String>,
}

impl Parent {
    pub fn resolve(self, c: &ArmClient) -> Result<ComputeTarget> {
        match (self.vm_name, self.vmss_name, self.resource_id) {
            (Some(n), None, None) => Target {
                resource_group: self.resource_group,
                name: Some(n),
                resource_id: None,
            }
            .resolve(c, ComputeKind::VirtualMachine),
            (None, Some(n), None) => Target {
                resource_group: self.resource_group,
                name: Some(n),
                resource_id: None,
            }
            .resolve(c, ComputeKind::VirtualMachineScaleSet),
            (None, None, Some(id)) if self.resource_group.is_none() => ComputeTarget::parse(&id),
            _ => Err(Error::invalid_argument(
                "name the parent: resource_group with vm_name or vmss_name, or a resource_id",
            )),
        }
    }
}

fn resolve_all(values: &[String], t: &ComputeTarget) -> Result<Vec<String>> {
    values
        .iter()
        .map(|v| resolve_user_identity(v, &t.subscription, &t.resource_group))
        .collect()
}

pub async fn identity_show(c: ArmClient, kind: ComputeKind, t: Target) -> Result<Identity> {
    let t = t.resolve(&c, kind)?;
    Ok(Identity {
        inner: c.show_identity(&t).await?,
    })
}

/// `identity assign`: without `system_assigned`, the system identity is assigned when `[system]` is listed or
/// when no user-assigned identity is (as az does).
pub async fn identity_assign(
    c: ArmClient,
    kind: ComputeKind,
    t: Target,
    identities: Vec<String>,
    system_assigned: Option<bool>,
) -> Result<IdentityUpdate> {
    let t = t.resolve(&c, kind)?;
    let (system_listed, user) = resolve_identity_refs(&identities, &t)?;
    let system = system_assigned.unwrap_or(system_listed || user.is_empty());
    let change = IdentityChange::Assign { system, user };
    Ok(c.update_identity(&t, &change).await?.into())
}

/// `identity remove`: as assign, plus `all_user_assigned` to detach every user-assigned identity.
pub async fn identity_remove(
    c: ArmClient,
    kind: ComputeKind,
    t: Target,
    identities: Vec<String>,
    system_assigned: Option<bool>,
    all_user_assigned: bool,
) -> Result<IdentityUpdate> {
    let t = t.resolve(&c, kind)?;
    let (system_listed, user) = resolve_identity_refs(&identities, &t)?;
    let system =
        system_assigned.unwrap_or(system_listed || (user.is_empty() && !all_user_assigned));
    let change = IdentityChange::Remove {
        system,
        user,
        all_user: all_user_assigned,
    };
    Ok(c.update_identity(&t, &change).await?.into())
}

/// Desired state (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType -IdentityId`, the portal's
/// Identity blade).
pub async fn identity_set(
    c: ArmClient,
    kind: ComputeKind,
    t: Target,
    identity_type: String,
    identities: Option<Vec<String>>,
) -> Result<IdentityUpdate> {
    let t = t.resolve(&c, kind)?;
    let identity_type = IdentityType::parse(&identity_type)?;
    let user = match identities {
        Some(v) => Some(resolve_all(&v, &t)?),
        None => None,
    };
    let change = IdentityChange::Set {
        identity_type,
        user,
    };
    Ok(c.update_identity(&t, &change).await?.into())
}

/// `az vm create` flags; `None` keeps core's defaults ([`BasicModel::default`]).
#[derive(Default)]
pub struct BasicArgs {
    pub image: Option<String>,
    pub size: Option<String>,
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
    pub ssh_public_key: Option<String>,
    pub location: Option<String>,
    pub instance_count: Option<u32>,
}

impl BasicArgs {
    fn any(&self) -> bool {
        self.image.is_some()
            || self.size.is_some()
            || self.admin_username.is_some()
            || self.admin_password.is_some()
            || self.ssh_public_key.is_some()
            || self.location.is_some()
            || self.instance_count.is_some()
    }

    fn model(self, t: &ComputeTarget) -> Result<Value> {
        let d = BasicModel::default();
        BasicModel {
            image: self.image.unwrap_or(d.image),
            size: self.size.unwrap_or(d.size),
            admin_username: self.admin_username.unwrap_or(d.admin_username),
            admin_password: self.admin_password.map(Secret::new),
            ssh_public_key: self.ssh_public_key,
            location: self.location,
            instance_count: self.instance_count.unwrap_or(d.instance_count),
        }
        .to_model(t)
    }
}

pub async fn create(
    c: ArmClient,
    kind: ComputeKind,
    t: Target,
    model: Option<Value>,
    basic: BasicArgs,
    system_assigned: bool,
    assign_identity: Vec<String>,
) -> Result<Json> {
    let t = t.resolve(&c, kind)?;
    let model = match model {
        Some(_) if basic.any() => {
            return Err(Error::invalid_argument(
                "give either model or the image/size/admin/location/instance_count options, not both",
            ));
        }
        Some(m) => m,
        None => basic.model(&t)?,
    };
    let (system_listed, user) = resolve_identity_refs(&assign_identity, &t)?;
    Ok(Json(
        c.create_compute(&t, model, system_assigned || system_listed, &user)
            .await?,
    ))
}

pub async fn get(c: ArmClient, kind: ComputeKind, t: Target) -> Result<Json> {
    let t = t.resolve(&c, kind)?;
    Ok(Json(c.get_compute(&t).await?))
}

pub async fn delete(c: ArmClient, kind: ComputeKind, t: Target) -> Result<bool> {
    let t = t.resolve(&c, kind)?;
    c.delete_compute(&t).await
}

pub async fn set_msi_extension(
    c: ArmClient,
    parent: Parent,
    extension_type: String,
    name: Option<String>,
    port: Option<u16>,
) -> Result<Json> {
    let t = parent.resolve(&c)?;
    let mut ext = MsiExtension::new(MsiExtensionOs::from_type(&extension_type)?);
    if let Some(n) = name {
        ext.name = n;
    }
    if let Some(p) = port {
        ext.port = p;
    }
    Ok(Json(c.set_msi_extension(&t, &ext).await?))
}

pub async fn get_extension(c: ArmClient, parent: Parent, name: String) -> Result<Json> {
    let t = parent.resolve(&c)?;
    Ok(Json(c.get_extension(&t, &name).await?))
}

pub async fn delete_extension(c: ArmClient, parent: Parent, name: String) -> Result<bool> {
    let t = parent.resolve(&c)?;
    c.delete_extension(&t, &name).await
}
