//! VM and scale set identity, creation with an identity, the legacy MSI extension: core's `compute` module
//! (and the change types of `identity`). Every decision is core's: this file converts arguments and results.

use crate::client::MsiClient;
use crate::error::{IntoNapi, invalid};
use crate::identity::{Identity, IdentityUpdate};
use msi_identity::compute::{BasicModel, MsiExtension, MsiExtensionOs};
use msi_identity::ids::resolve_user_identity;
use msi_identity::{ArmClient, ComputeKind, ComputeTarget, IdentityChange, IdentityType, Secret};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// Add identities (`az vm identity assign`, the portal's Status On / Add).
#[napi(object)]
pub struct AssignIdentityOptions {
    /// Enable the system-assigned identity.
    pub system_assigned: Option<bool>,
    /// User-assigned identities to attach: names (looked up in the resource's group, as az does) or ARM IDs.
    pub user_assigned: Option<Vec<String>>,
}

/// Remove identities (`az vm identity remove`, the portal's Status Off / Remove).
#[napi(object)]
pub struct RemoveIdentityOptions {
    /// Disable the system-assigned identity.
    pub system_assigned: Option<bool>,
    /// User-assigned identities to detach: names or ARM IDs.
    pub user_assigned: Option<Vec<String>>,
    /// Detach every user-assigned identity.
    pub all_user_assigned: Option<bool>,
}

/// Desired state (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType`).
#[napi(object)]
pub struct SetIdentityOptions {
    /// `None`, `SystemAssigned`, `UserAssigned` or `SystemAssigned, UserAssigned` (case and spaces do not matter).
    #[napi(js_name = "type")]
    pub identity_type: String,
    /// Exactly these user-assigned identities (names or IDs); omitted: keep the current ones when the type has
    /// them.
    pub user_assigned: Option<Vec<String>>,
}

/// Create a VM or scale set with an identity: either a whole ARM `model`, or the az-style basic options.
#[napi(object)]
pub struct CreateComputeOptions {
    /// The whole ARM model (`az vm create --model`); excludes the basic options below.
    #[napi(ts_type = "Record<string, any>")]
    pub model: Option<Value>,
    /// Default: the resource group's.
    pub location: Option<String>,
    /// An az image alias (`Ubuntu2204`, `Win2016Datacenter`, ...) or a URN `publisher:offer:sku:version`.
    pub image: Option<String>,
    pub size: Option<String>,
    pub admin_username: Option<String>,
    pub admin_password: Option<String>,
    pub ssh_public_key: Option<String>,
    /// Scale sets only.
    pub instance_count: Option<u32>,
    /// Enable the system-assigned identity at creation.
    pub system_assigned: Option<bool>,
    /// Attach these user-assigned identities at creation (names or IDs).
    pub user_assigned: Option<Vec<String>>,
}

/// The legacy MSI extension as the seed documents set it.
#[napi(object)]
pub struct MsiExtensionOptions {
    /// `ManagedIdentityExtensionForWindows` or `ManagedIdentityExtensionForLinux`.
    #[napi(js_name = "type")]
    pub extension_type: String,
    /// Extension resource name; default: the type.
    pub name: Option<String>,
    /// Token endpoint port; default 50342.
    pub port: Option<u32>,
}

fn target(c: &ArmClient, kind: ComputeKind, rg: &str, name: &str) -> Result<ComputeTarget> {
    ComputeTarget::new(c.subscription_id(), rg, name, kind).napi()
}

fn resolve_all(ids: Option<Vec<String>>, t: &ComputeTarget) -> Result<Vec<String>> {
    ids.unwrap_or_default()
        .iter()
        .map(|r| resolve_user_identity(r, &t.subscription, &t.resource_group).napi())
        .collect()
}

async fn show(c: ArmClient, kind: ComputeKind, rg: String, name: String) -> Result<Identity> {
    let t = target(&c, kind, &rg, &name)?;
    Ok(c.show_identity(&t).await.napi()?.into())
}

async fn get(c: ArmClient, kind: ComputeKind, rg: String, name: String) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    c.get_compute(&t).await.napi()
}

async fn delete(c: ArmClient, kind: ComputeKind, rg: String, name: String) -> Result<bool> {
    let t = target(&c, kind, &rg, &name)?;
    c.delete_compute(&t).await.napi()
}

async fn change(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    change: impl FnOnce(&ComputeTarget) -> Result<IdentityChange>,
) -> Result<IdentityUpdate> {
    let t = target(&c, kind, &rg, &name)?;
    let change = change(&t)?;
    Ok(c.update_identity(&t, &change).await.napi()?.into())
}

async fn assign(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: AssignIdentityOptions,
) -> Result<IdentityUpdate> {
    change(c, kind, rg, name, |t| {
        Ok(IdentityChange::Assign {
            system: o.system_assigned.unwrap_or(false),
            user: resolve_all(o.user_assigned, t)?,
        })
    })
    .await
}

async fn remove(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: RemoveIdentityOptions,
) -> Result<IdentityUpdate> {
    change(c, kind, rg, name, |t| {
        Ok(IdentityChange::Remove {
            system: o.system_assigned.unwrap_or(false),
            user: resolve_all(o.user_assigned, t)?,
            all_user: o.all_user_assigned.unwrap_or(false),
        })
    })
    .await
}

async fn set(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: SetIdentityOptions,
) -> Result<IdentityUpdate> {
    change(c, kind, rg, name, |t| {
        let user = match o.user_assigned {
            Some(ids) => Some(resolve_all(Some(ids), t)?),
            None => None,
        };
        Ok(IdentityChange::Set {
            identity_type: IdentityType::parse(&o.identity_type).napi()?,
            user,
        })
    })
    .await
}

async fn create(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: CreateComputeOptions,
) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    let basic = o.location.is_some()
        || o.image.is_some()
        || o.size.is_some()
        || o.admin_username.is_some()
        || o.admin_password.is_some()
        || o.ssh_public_key.is_some()
        || o.instance_count.is_some();
    let model = match o.model {
        Some(m) if basic => {
            let _ = m;
            return Err(invalid(
                "give either a model or the basic options (location, image, size, adminUsername, ...), not both",
            ));
        }
        Some(m) => m,
        None => {
            let d = BasicModel::default();
            BasicModel {
                location: o.location,
                image: o.image.unwrap_or(d.image),
                size: o.size.unwrap_or(d.size),
                admin_username: o.admin_username.unwrap_or(d.admin_username),
                admin_password: o.admin_password.map(Secret::new),
                ssh_public_key: o.ssh_public_key,
                instance_count: o.instance_count.unwrap_or(d.instance_count),
            }
            .to_model(&t)
            .napi()?
        }
    };
    let user = resolve_all(o.user_assigned, &t)?;
    c.create_compute(&t, model, o.system_assigned.unwrap_or(false), &user)
        .await
        .napi()
}

async fn set_extension(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: MsiExtensionOptions,
) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    let mut ext = MsiExtension::new(MsiExtensionOs::from_type(&o.extension_type).napi()?);
    if let Some(n) = o.name {
        ext.name = n;
    }
    if let Some(p) = o.port {
        ext.port = u16::try_from(p)
            .map_err(|_| invalid(format!("port must be between 1 and 65535, not {p}")))?;
    }
    c.set_msi_extension(&t, &ext).await.napi()
}

async fn get_extension(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    ext: String,
) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    c.get_extension(&t, &ext).await.napi()
}

async fn delete_extension(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    ext: String,
) -> Result<bool> {
    let t = target(&c, kind, &rg, &name)?;
    c.delete_extension(&t, &ext).await.napi()
}

const VM: ComputeKind = ComputeKind::VirtualMachine;
const VMSS: ComputeKind = ComputeKind::VirtualMachineScaleSet;

#[napi]
impl MsiClient {
    /// The identity of a VM (`az vm identity show`).
    #[napi]
    pub async fn show_vm_identity(&self, resource_group: String, name: String) -> Result<Identity> {
        show(self.inner.clone(), VM, resource_group, name).await
    }

    /// Enable the system-assigned identity and/or attach user-assigned ones (`az vm identity assign`).
    #[napi]
    pub async fn assign_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: AssignIdentityOptions,
    ) -> Result<IdentityUpdate> {
        assign(self.inner.clone(), VM, resource_group, name, options).await
    }

    /// Disable the system-assigned identity and/or detach user-assigned ones (`az vm identity remove`).
    #[napi]
    pub async fn remove_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: RemoveIdentityOptions,
    ) -> Result<IdentityUpdate> {
        remove(self.inner.clone(), VM, resource_group, name, options).await
    }

    /// Make the identity exactly this (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType`).
    #[napi]
    pub async fn set_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: SetIdentityOptions,
    ) -> Result<IdentityUpdate> {
        set(self.inner.clone(), VM, resource_group, name, options).await
    }

    /// Create a VM (never overwrites: an existing one is a conflict) with the given identity.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn create_vm(
        &self,
        resource_group: String,
        name: String,
        options: CreateComputeOptions,
    ) -> Result<Value> {
        create(self.inner.clone(), VM, resource_group, name, options).await
    }

    /// The whole VM resource.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vm(&self, resource_group: String, name: String) -> Result<Value> {
        get(self.inner.clone(), VM, resource_group, name).await
    }

    /// Delete a VM; `false` when it did not exist.
    #[napi]
    pub async fn delete_vm(&self, resource_group: String, name: String) -> Result<bool> {
        delete(self.inner.clone(), VM, resource_group, name).await
    }

    /// Add (or update) the legacy MSI extension on a VM (`az vm extension set`, `Set-AzVMExtension`).
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn set_vm_msi_extension(
        &self,
        resource_group: String,
        vm_name: String,
        options: MsiExtensionOptions,
    ) -> Result<Value> {
        set_extension(self.inner.clone(), VM, resource_group, vm_name, options).await
    }

    /// Read an extension of a VM.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vm_extension(
        &self,
        resource_group: String,
        vm_name: String,
        name: String,
    ) -> Result<Value> {
        get_extension(self.inner.clone(), VM, resource_group, vm_name, name).await
    }

    /// Remove an extension from a VM (`az vm extension delete`); `false` when it was not there.
    #[napi]
    pub async fn delete_vm_extension(
        &self,
        resource_group: String,
        vm_name: String,
        name: String,
    ) -> Result<bool> {
        delete_extension(self.inner.clone(), VM, resource_group, vm_name, name).await
    }

    /// The identity of a scale set (`az vmss identity show`).
    #[napi]
    pub async fn show_vmss_identity(
        &self,
        resource_group: String,
        name: String,
    ) -> Result<Identity> {
        show(self.inner.clone(), VMSS, resource_group, name).await
    }

    /// `az vmss identity assign`.
    #[napi]
    pub async fn assign_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: AssignIdentityOptions,
    ) -> Result<IdentityUpdate> {
        assign(self.inner.clone(), VMSS, resource_group, name, options).await
    }

    /// `az vmss identity remove`.
    #[napi]
    pub async fn remove_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: RemoveIdentityOptions,
    ) -> Result<IdentityUpdate> {
        remove(self.inner.clone(), VMSS, resource_group, name, options).await
    }

    /// `az vmss update --set identity.type=...`.
    #[napi]
    pub async fn set_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: SetIdentityOptions,
    ) -> Result<IdentityUpdate> {
        set(self.inner.clone(), VMSS, resource_group, name, options).await
    }

    /// Create a scale set (never overwrites) with the given identity.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn create_vmss(
        &self,
        resource_group: String,
        name: String,
        options: CreateComputeOptions,
    ) -> Result<Value> {
        create(self.inner.clone(), VMSS, resource_group, name, options).await
    }

    /// The whole scale set resource.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vmss(&self, resource_group: String, name: String) -> Result<Value> {
        get(self.inner.clone(), VMSS, resource_group, name).await
    }

    /// Delete a scale set; `false` when it did not exist.
    #[napi]
    pub async fn delete_vmss(&self, resource_group: String, name: String) -> Result<bool> {
        delete(self.inner.clone(), VMSS, resource_group, name).await
    }

    /// Add (or update) the legacy MSI extension on a scale set.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn set_vmss_msi_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        options: MsiExtensionOptions,
    ) -> Result<Value> {
        set_extension(self.inner.clone(), VMSS, resource_group, vmss_name, options).await
    }

    /// Read an extension of a scale set.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vmss_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        name: String,
    ) -> Result<Value> {
        get_extension(self.inner.clone(), VMSS, resource_group, vmss_name, name).await
    }

    /// Remove an extension from a scale set; `false` when it was not there.
    #[napi]
    pub async fn delete_vmss_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        name: String,
    ) -> Result<bool> {
        delete_extension(self.inner.clone(), VMSS, resource_group, vmss_name, name).await
    }
}
