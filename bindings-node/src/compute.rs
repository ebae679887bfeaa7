//! VM and scale set identity, creation with an identity, the legacy MSI extension: core's `requests`, `create`
//! and `extension` modules. Every decision is core's (what no identities means, `[system]`, name resolution,
//! role and scope, the create and extension defaults): this file converts JS options into core's request types
//! and core's results into JS objects. Each operation has one body, `kind` telling a VM from a scale set.

use crate::abort::{Abort, OperationOptions, abortable};
use crate::client::MsiClient;
use crate::error::IntoNapi;
use crate::identity::{Identity, IdentityUpdate};
use crate::roles::RoleAssignment;
use msi_identity::{
    ArmClient, AssignOutcome, AssignRequest, ComputeKind, ComputeTarget, CreateOptions,
    MsiExtension, MsiExtensionSpec, RemoveRequest, Secret, SetRequest,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// Add identities (`az vm identity assign`, the portal's Status On / Add). With nothing named, the
/// system-assigned identity (az's default).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct AssignIdentityOptions {
    /// az's `--identities`: user-assigned identities by name (looked up in the resource's group) or ARM ID, and
    /// `[system]` for the system-assigned one.
    pub identities: Option<Vec<String>>,
    /// The same list as `identities` (both may be given: they are joined).
    pub user_assigned: Option<Vec<String>>,
    /// `true`: enable the system-assigned identity; `false`: leave it as it is, whatever the list says.
    pub system_assigned: Option<bool>,
    /// A role to grant the system-assigned identity at `scope` (az's `--role`); give both or neither.
    pub role: Option<String>,
    /// Where `role` is granted (az's `--scope`): `/subscriptions/<id>[/resourceGroups/<group>[/...]]`.
    pub scope: Option<String>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// Remove identities (`az vm identity remove`, the portal's Status Off / Remove). With nothing named, the
/// system-assigned identity (az's default).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct RemoveIdentityOptions {
    /// User-assigned identities to detach (names or ARM IDs), and `[system]` for the system-assigned one.
    pub identities: Option<Vec<String>>,
    /// The same list as `identities` (both may be given: they are joined).
    pub user_assigned: Option<Vec<String>>,
    /// `true`: disable the system-assigned identity; `false`: keep it, whatever the list says.
    pub system_assigned: Option<bool>,
    /// Detach every user-assigned identity.
    pub all_user_assigned: Option<bool>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// Desired state (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType -IdentityId`).
#[napi(object, object_to_js = false)]
pub struct SetIdentityOptions {
    /// `None`, `SystemAssigned`, `UserAssigned` or `SystemAssigned, UserAssigned` (case and spaces do not matter).
    #[napi(js_name = "type")]
    pub identity_type: String,
    /// Exactly these user-assigned identities (names or IDs); omitted: keep the current ones when the type has
    /// them.
    pub identities: Option<Vec<String>>,
    /// The same list as `identities` (both may be given: they are joined).
    pub user_assigned: Option<Vec<String>>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// Create a VM or scale set (`az vm create` / `az vmss create`): a whole ARM `model`, or the az-style basic
/// options, and the identity to create it with.
#[napi(object, object_to_js = false)]
#[derive(Default)]
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
    /// az's `--ssh-key-value`: OpenSSH public key text, or the path of a file holding one.
    pub ssh_key_value: Option<String>,
    /// The same as `sshKeyValue` (give one of them).
    pub ssh_public_key: Option<String>,
    /// az's `--generate-ssh-keys`: use `~/.ssh/id_rsa.pub` when it exists.
    pub generate_ssh_keys: Option<bool>,
    /// Scale sets only.
    pub instance_count: Option<u32>,
    /// az's `--assign-identity`: names (in the resource's group), ARM IDs and `[system]`; an empty list is the
    /// system-assigned identity (az's bare `--assign-identity`).
    pub assign_identity: Option<Vec<String>>,
    /// User-assigned identities to attach (names or IDs); unlike `assignIdentity`, an empty list asks for
    /// nothing.
    pub user_assigned: Option<Vec<String>>,
    /// `true`: enable the system-assigned identity; `false`: do not, whatever the list says.
    pub system_assigned: Option<bool>,
    /// An explicit type (`New-AzVMConfig -IdentityType`) the identities must agree with.
    pub identity_type: Option<String>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// The legacy MSI extension (`az vm extension set`, `Set-AzVMExtension`).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct MsiExtensionOptions {
    /// `ManagedIdentityExtensionForWindows` or `ManagedIdentityExtensionForLinux`; default: the name.
    #[napi(js_name = "type")]
    pub extension_type: Option<String>,
    /// Extension resource name; default: the type.
    pub name: Option<String>,
    /// Default `Microsoft.ManagedIdentity`.
    pub publisher: Option<String>,
    /// `typeHandlerVersion`; default `1.0`.
    pub version: Option<String>,
    /// `{ port }` as az's `--settings` gives it.
    #[napi(ts_type = "Record<string, any>")]
    pub settings: Option<Value>,
    /// Token endpoint port; default 50342.
    pub port: Option<u32>,
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

/// The result of an assign: the identity change, and the role assignment `role`/`scope` asked for.
#[napi(object)]
pub struct AssignIdentityUpdate {
    /// False when the resource already was as asked (no write was sent).
    pub changed: bool,
    /// The identity after the change.
    pub identity: Identity,
    /// The whole resource as last read.
    #[napi(ts_type = "Record<string, any>")]
    pub resource: Value,
    /// The role granted to the system-assigned identity, when `role` and `scope` were given.
    pub role_assignment: Option<RoleAssignment>,
}

impl From<AssignOutcome> for AssignIdentityUpdate {
    fn from(o: AssignOutcome) -> Self {
        let u = IdentityUpdate::from(o.update);
        AssignIdentityUpdate {
            changed: u.changed,
            identity: u.identity,
            resource: u.resource,
            role_assignment: o.role_assignment.map(Into::into),
        }
    }
}

/// Two spellings of one list: both joined, in order.
fn joined(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
    }
}

impl From<AssignIdentityOptions> for AssignRequest {
    fn from(o: AssignIdentityOptions) -> Self {
        AssignRequest {
            identities: joined(o.identities, o.user_assigned).unwrap_or_default(),
            system_assigned: o.system_assigned,
            role: o.role,
            scope: o.scope,
        }
    }
}

impl From<RemoveIdentityOptions> for RemoveRequest {
    fn from(o: RemoveIdentityOptions) -> Self {
        RemoveRequest {
            identities: joined(o.identities, o.user_assigned).unwrap_or_default(),
            system_assigned: o.system_assigned,
            all_user_assigned: o.all_user_assigned.unwrap_or_default(),
        }
    }
}

impl From<SetIdentityOptions> for SetRequest {
    fn from(o: SetIdentityOptions) -> Self {
        SetRequest {
            identity_type: o.identity_type,
            identities: joined(o.identities, o.user_assigned),
        }
    }
}

impl From<CreateComputeOptions> for CreateOptions {
    fn from(o: CreateComputeOptions) -> Self {
        CreateOptions {
            model: o.model,
            image: o.image,
            size: o.size,
            location: o.location,
            admin_username: o.admin_username,
            admin_password: o.admin_password.map(Secret::new),
            ssh_key_value: o.ssh_key_value.or(o.ssh_public_key),
            generate_ssh_keys: o.generate_ssh_keys.unwrap_or_default(),
            instance_count: o.instance_count,
            assign_identity: o.assign_identity,
            user_assigned: o.user_assigned.unwrap_or_default(),
            system_assigned: o.system_assigned,
            identity_type: o.identity_type,
        }
    }
}

impl From<MsiExtensionOptions> for MsiExtensionSpec {
    fn from(o: MsiExtensionOptions) -> Self {
        MsiExtensionSpec {
            name: o.name,
            extension_type: o.extension_type,
            publisher: o.publisher,
            version: o.version,
            settings: o.settings,
            port: o.port.map(u64::from),
        }
    }
}

fn target(c: &ArmClient, kind: ComputeKind, rg: &str, name: &str) -> Result<ComputeTarget> {
    c.target(Some(kind), Some(rg), Some(name), None).napi()
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

async fn assign(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: Option<AssignIdentityOptions>,
) -> Result<AssignIdentityUpdate> {
    let t = target(&c, kind, &rg, &name)?;
    let request = AssignRequest::from(o.unwrap_or_default());
    Ok(c.assign_identity(&t, &request).await.napi()?.into())
}

async fn remove(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: Option<RemoveIdentityOptions>,
) -> Result<IdentityUpdate> {
    let t = target(&c, kind, &rg, &name)?;
    let request = RemoveRequest::from(o.unwrap_or_default());
    Ok(c.remove_identity(&t, &request).await.napi()?.into())
}

async fn set(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: SetIdentityOptions,
) -> Result<IdentityUpdate> {
    let t = target(&c, kind, &rg, &name)?;
    Ok(c.set_identity(&t, &o.into()).await.napi()?.into())
}

async fn create(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: Option<CreateComputeOptions>,
) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    let options = CreateOptions::from(o.unwrap_or_default());
    c.create(&t, &options).await.napi()
}

async fn set_extension(
    c: ArmClient,
    kind: ComputeKind,
    rg: String,
    name: String,
    o: MsiExtensionOptions,
) -> Result<Value> {
    let t = target(&c, kind, &rg, &name)?;
    let ext = MsiExtension::from_spec(&o.into()).napi()?;
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
    pub async fn show_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Identity> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            show(self.inner.clone(), VM, resource_group, name).await
        })
        .await
    }

    /// Enable the system-assigned identity and/or attach user-assigned ones, and optionally grant the
    /// system-assigned identity a role (`az vm identity assign`). No options: the system-assigned identity.
    #[napi]
    pub async fn assign_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<AssignIdentityOptions>,
    ) -> Result<AssignIdentityUpdate> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            assign(self.inner.clone(), VM, resource_group, name, options).await
        })
        .await
    }

    /// Disable the system-assigned identity and/or detach user-assigned ones (`az vm identity remove`). No
    /// options: the system-assigned identity.
    #[napi]
    pub async fn remove_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<RemoveIdentityOptions>,
    ) -> Result<IdentityUpdate> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            remove(self.inner.clone(), VM, resource_group, name, options).await
        })
        .await
    }

    /// Make the identity exactly this (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType`).
    #[napi]
    pub async fn set_vm_identity(
        &self,
        resource_group: String,
        name: String,
        options: SetIdentityOptions,
    ) -> Result<IdentityUpdate> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            set(self.inner.clone(), VM, resource_group, name, options).await
        })
        .await
    }

    /// Create a VM (never overwrites: an existing one is a conflict) with the given identity (`az vm create`).
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn create_vm(
        &self,
        resource_group: String,
        name: String,
        options: Option<CreateComputeOptions>,
    ) -> Result<Value> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            create(self.inner.clone(), VM, resource_group, name, options).await
        })
        .await
    }

    /// The whole VM resource.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vm(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get(self.inner.clone(), VM, resource_group, name).await
        })
        .await
    }

    /// Delete a VM; `false` when it did not exist.
    #[napi]
    pub async fn delete_vm(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete(self.inner.clone(), VM, resource_group, name).await
        })
        .await
    }

    /// Add (or update) the legacy MSI extension on a VM (`az vm extension set`, `Set-AzVMExtension`).
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn set_vm_msi_extension(
        &self,
        resource_group: String,
        vm_name: String,
        options: MsiExtensionOptions,
    ) -> Result<Value> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            set_extension(self.inner.clone(), VM, resource_group, vm_name, options).await
        })
        .await
    }

    /// Read an extension of a VM.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vm_extension(
        &self,
        resource_group: String,
        vm_name: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get_extension(self.inner.clone(), VM, resource_group, vm_name, name).await
        })
        .await
    }

    /// Remove an extension from a VM (`az vm extension delete`); `false` when it was not there.
    #[napi]
    pub async fn delete_vm_extension(
        &self,
        resource_group: String,
        vm_name: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete_extension(self.inner.clone(), VM, resource_group, vm_name, name).await
        })
        .await
    }

    /// The identity of a scale set (`az vmss identity show`).
    #[napi]
    pub async fn show_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Identity> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            show(self.inner.clone(), VMSS, resource_group, name).await
        })
        .await
    }

    /// `az vmss identity assign`: as `assignVmIdentity`.
    #[napi]
    pub async fn assign_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<AssignIdentityOptions>,
    ) -> Result<AssignIdentityUpdate> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            assign(self.inner.clone(), VMSS, resource_group, name, options).await
        })
        .await
    }

    /// `az vmss identity remove`: as `removeVmIdentity`.
    #[napi]
    pub async fn remove_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: Option<RemoveIdentityOptions>,
    ) -> Result<IdentityUpdate> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            remove(self.inner.clone(), VMSS, resource_group, name, options).await
        })
        .await
    }

    /// `az vmss update --set identity.type=...`, `Update-AzVmss -IdentityType`.
    #[napi]
    pub async fn set_vmss_identity(
        &self,
        resource_group: String,
        name: String,
        options: SetIdentityOptions,
    ) -> Result<IdentityUpdate> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            set(self.inner.clone(), VMSS, resource_group, name, options).await
        })
        .await
    }

    /// Create a scale set (never overwrites) with the given identity (`az vmss create`).
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn create_vmss(
        &self,
        resource_group: String,
        name: String,
        options: Option<CreateComputeOptions>,
    ) -> Result<Value> {
        let mut options = options;
        let signal = options.as_mut().and_then(|o| o.abort_signal.take());
        abortable(signal, async move {
            create(self.inner.clone(), VMSS, resource_group, name, options).await
        })
        .await
    }

    /// The whole scale set resource.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vmss(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get(self.inner.clone(), VMSS, resource_group, name).await
        })
        .await
    }

    /// Delete a scale set; `false` when it did not exist.
    #[napi]
    pub async fn delete_vmss(
        &self,
        resource_group: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete(self.inner.clone(), VMSS, resource_group, name).await
        })
        .await
    }

    /// Add (or update) the legacy MSI extension on a scale set.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn set_vmss_msi_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        options: MsiExtensionOptions,
    ) -> Result<Value> {
        let mut options = options;
        let signal = options.abort_signal.take();
        abortable(signal, async move {
            set_extension(self.inner.clone(), VMSS, resource_group, vmss_name, options).await
        })
        .await
    }

    /// Read an extension of a scale set.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_vmss_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            get_extension(self.inner.clone(), VMSS, resource_group, vmss_name, name).await
        })
        .await
    }

    /// Remove an extension from a scale set; `false` when it was not there.
    #[napi]
    pub async fn delete_vmss_extension(
        &self,
        resource_group: String,
        vmss_name: String,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<bool> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            delete_extension(self.inner.clone(), VMSS, resource_group, vmss_name, name).await
        })
        .await
    }
}
