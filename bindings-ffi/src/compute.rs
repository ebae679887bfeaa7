//! VMs and scale sets (core `compute`): read, identity show/assign/remove/desired state, creation with an
//! identity (from a whole ARM model or from az-style basic options), deletion, and the legacy MSI extension.
//!
//! Each operation is exported twice, `msi_vm_*` and `msi_vmss_*`, over one generic body here. A target is
//! `resource_group` + `name` in the client's subscription, or a full resource ID in `name` with `resource_group`
//! NULL. Identity lists (`identities_json`) are JSON arrays of user-assigned identity names (looked up in the
//! target's resource group, as az does) or full IDs; `"[system]"` stands for the system-assigned identity.

use crate::args::{
    Out, handle, json_arg, json_string, opt_json_arg, opt_str_arg, opt_string_list_arg, str_arg,
};
use crate::client::MsiClient;
use crate::error::{FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use msi::compute::{BasicModel, MSI_EXTENSION_PUBLISHER, MSI_EXTENSION_VERSION};
use msi::ids::{resolve_identity_refs, resolve_user_identity};
use msi::{ComputeKind, ComputeTarget, Error, IdentityChange, IdentityType, MsiExtension, Secret};
use serde_json::Value;
use std::ffi::c_char;

use ComputeKind::{VirtualMachine as VM, VirtualMachineScaleSet as VMSS};

fn target(
    c: &MsiClient,
    kind: ComputeKind,
    rg: Option<&str>,
    name: &str,
) -> FfiResult<ComputeTarget> {
    Ok(match rg {
        Some(rg) => ComputeTarget::new(c.inner.subscription_id(), rg, name, kind)?,
        None => ComputeTarget::from_id(name, kind)?,
    })
}

/// The common head of every compute call: client, target, and the required `json_out`.
struct Call<'a> {
    client: &'a MsiClient,
    t: ComputeTarget,
}

unsafe fn call<'a>(
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
) -> FfiResult<(&'a MsiClient, Option<&'a str>, &'a str, ComputeKind)> {
    // SAFETY: header contract.
    unsafe {
        Ok((
            handle(client, "client")?,
            opt_str_arg(resource_group, "resource_group")?,
            str_arg(name, "name")?,
            kind,
        ))
    }
}

impl<'a> Call<'a> {
    fn resolve(
        (client, rg, name, kind): (&'a MsiClient, Option<&'a str>, &'a str, ComputeKind),
    ) -> FfiResult<Call<'a>> {
        let t = target(client, kind, rg, name)?;
        Ok(Call { client, t })
    }
}

unsafe fn get(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        let out = Out::required(json_out, "json_out")?;
        let c = Call::resolve(head)?;
        out.write(json_string(&block_on(c.client.inner.get_compute(&c.t))?));
        Ok(())
    })
}

unsafe fn delete(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        let out = Out::optional(deleted_out);
        let c = Call::resolve(head)?;
        out.write(block_on(c.client.inner.delete_compute(&c.t))?);
        Ok(())
    })
}

unsafe fn identity_show(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        let out = Out::required(json_out, "json_out")?;
        let c = Call::resolve(head)?;
        out.write(json_string(
            &block_on(c.client.inner.show_identity(&c.t))?.to_json(),
        ));
        Ok(())
    })
}

/// Apply `change(t)` and write the resource and whether it changed.
fn apply(
    c: Call<'_>,
    change: impl FnOnce(&ComputeTarget) -> FfiResult<IdentityChange>,
    json_out: Out<*mut c_char>,
    changed_out: Out<bool>,
) -> FfiResult<()> {
    let change = change(&c.t)?;
    let update = block_on(c.client.inner.update_identity(&c.t, &change))?;
    json_out.write(json_string(&update.resource));
    changed_out.write(update.changed);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_assign(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let ids = unsafe { opt_string_list_arg(identities_json, "identities_json") }?;
        let out = Out::required(json_out, "json_out")?;
        apply(
            Call::resolve(head)?,
            |t| {
                let (listed, user) = resolve_identity_refs(&ids.unwrap_or_default(), t)?;
                Ok(IdentityChange::Assign {
                    system: system_assigned || listed,
                    user,
                })
            },
            out,
            Out::optional(changed_out),
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_remove(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    all_user_assigned: bool,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let ids = unsafe { opt_string_list_arg(identities_json, "identities_json") }?;
        let out = Out::required(json_out, "json_out")?;
        apply(
            Call::resolve(head)?,
            |t| {
                let (listed, user) = resolve_identity_refs(&ids.unwrap_or_default(), t)?;
                Ok(IdentityChange::Remove {
                    system: system_assigned || listed,
                    user,
                    all_user: all_user_assigned,
                })
            },
            out,
            Out::optional(changed_out),
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_set(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let (ty, ids) = unsafe {
            (
                str_arg(identity_type, "identity_type")?,
                opt_string_list_arg(identities_json, "identities_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        apply(
            Call::resolve(head)?,
            |t| {
                let user = match ids {
                    Some(v) => Some(
                        v.iter()
                            .map(|r| resolve_user_identity(r, &t.subscription, &t.resource_group))
                            .collect::<msi::Result<Vec<String>>>()?,
                    ),
                    None => None,
                };
                Ok(IdentityChange::Set {
                    identity_type: IdentityType::parse(ty)?,
                    user,
                })
            },
            out,
            Out::optional(changed_out),
        )
    })
}

/// The identity to create a resource with: the az-style list, and when a type is given (`New-AzVMConfig
/// -IdentityType`), that type, checked against the list by core.
fn creation_identity(
    t: &ComputeTarget,
    identity_type: Option<&str>,
    ids: Option<Vec<String>>,
) -> FfiResult<(bool, Vec<String>)> {
    let (listed, user) = resolve_identity_refs(&ids.unwrap_or_default(), t)?;
    let Some(ty) = identity_type else {
        return Ok((listed, user));
    };
    Ok(msi::creation_identity(
        Some(IdentityType::parse(ty)?),
        listed,
        user,
    )?)
}

/// az-style basic options (`az vm create --image --size --admin-username ...`) to core's `BasicModel`.
fn basic_model(options: Option<Value>, t: &ComputeTarget) -> FfiResult<Value> {
    let mut m = BasicModel::default();
    let options = match options {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(o)) => o,
        Some(_) => {
            return Err(Error::invalid_argument("options_json must be a JSON object").into());
        }
    };
    for (k, v) in options {
        let text = || {
            v.as_str().map(str::to_string).ok_or_else(|| {
                Error::invalid_argument(format!("options_json: {k} must be a string"))
            })
        };
        match k.as_str() {
            "image" => m.image = text()?,
            "size" => m.size = text()?,
            "adminUsername" => m.admin_username = text()?,
            "adminPassword" => m.admin_password = Some(Secret::new(text()?)),
            "sshPublicKey" => m.ssh_public_key = Some(text()?),
            "location" => m.location = Some(text()?),
            "instanceCount" => {
                m.instance_count =
                    v.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or_else(|| {
                            Error::invalid_argument(
                                "options_json: instanceCount must be a whole number",
                            )
                        })?
            }
            other => {
                return Err(Error::invalid_argument(format!(
                    "options_json: unknown option '{other}' (image, size, adminUsername, adminPassword, sshPublicKey, location, instanceCount)"
                ))
                .into());
            }
        }
    }
    Ok(m.to_model(t)?)
}

#[allow(clippy::too_many_arguments)]
unsafe fn create(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: *const c_char,
    basic: bool,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let (model, ty, ids) = unsafe {
            (
                if basic {
                    opt_json_arg(model_json, "options_json")?
                } else {
                    Some(json_arg(model_json, "model_json")?)
                },
                opt_str_arg(identity_type, "identity_type")?,
                opt_string_list_arg(identities_json, "identities_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let c = Call::resolve(head)?;
        let model = if basic {
            basic_model(model, &c.t)?
        } else {
            model.unwrap_or(Value::Null)
        };
        let (system, user) = creation_identity(&c.t, ty, ids)?;
        let v = block_on(c.client.inner.create_compute(&c.t, model, system, &user))?;
        out.write(json_string(&v));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn extension_set(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    extension_type: *const c_char,
    publisher: *const c_char,
    type_handler_version: *const c_char,
    settings_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let (ext_name, ext_type, publisher, version, settings) = unsafe {
            (
                str_arg(extension_name, "extension_name")?,
                opt_str_arg(extension_type, "extension_type")?,
                opt_str_arg(publisher, "publisher")?,
                opt_str_arg(type_handler_version, "type_handler_version")?,
                opt_json_arg(settings_json, "settings_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let c = Call::resolve(head)?;
        let ext = MsiExtension::from_spec(
            ext_name,
            ext_type,
            publisher.unwrap_or(MSI_EXTENSION_PUBLISHER),
            version.unwrap_or(MSI_EXTENSION_VERSION),
            settings.as_ref(),
        )?;
        out.write(json_string(&block_on(
            c.client.inner.set_msi_extension(&c.t, &ext),
        )?));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn extension_get(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let ext_name = unsafe { str_arg(extension_name, "extension_name") }?;
        let out = Out::required(json_out, "json_out")?;
        let c = Call::resolve(head)?;
        out.write(json_string(&block_on(
            c.client.inner.get_extension(&c.t, ext_name),
        )?));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn extension_delete(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let head = unsafe { call(kind, client, resource_group, name) }?;
        // SAFETY: header contract.
        let ext_name = unsafe { str_arg(extension_name, "extension_name") }?;
        let out = Out::optional(deleted_out);
        let c = Call::resolve(head)?;
        out.write(block_on(c.client.inner.delete_extension(&c.t, ext_name))?);
        Ok(())
    })
}

/// Read a VM (`Get-AzVM`, `az vm show`): its ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_get(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        get(
            "msi_vm_get",
            VM,
            client,
            resource_group,
            name,
            json_out,
            error_out,
        )
    }
}

/// Delete a VM (`az vm delete`); `*deleted_out` is false when it did not exist.
/// Nullable: resource_group, deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_delete(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        delete(
            "msi_vm_delete",
            VM,
            client,
            resource_group,
            name,
            deleted_out,
            error_out,
        )
    }
}

/// The identity of a VM (`az vm identity show`): the ARM `identity` object, or JSON `null` when it has
/// none.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_identity_show(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_show(
            "msi_vm_identity_show",
            VM,
            client,
            resource_group,
            name,
            json_out,
            error_out,
        )
    }
}

/// Add identities to a VM (`az vm identity assign`; the portal's System assigned: On and User assigned: Add):
/// the system-assigned one when `system_assigned` is true or `"[system]"` is listed, and the user-assigned ones in
/// `identities_json`. Identities already there stay; when nothing changes no write is sent. Out: the VM's ARM
/// JSON after the change, and whether a write was sent.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_identity_assign(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_assign(
            "msi_vm_identity_assign",
            VM,
            client,
            resource_group,
            name,
            system_assigned,
            identities_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Remove identities from a VM (`az vm identity remove`; the portal's Off and Remove): the system-assigned
/// one when `system_assigned` is true or `"[system]"` is listed, the user-assigned ones in `identities_json`, or
/// all of them with `all_user_assigned`. Removing the last one switches the type. Out: as for assign.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_identity_remove(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    all_user_assigned: bool,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_remove(
            "msi_vm_identity_remove",
            VM,
            client,
            resource_group,
            name,
            system_assigned,
            identities_json,
            all_user_assigned,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Desired state of a VM's identity (`Update-AzVM -IdentityType -IdentityId`, `az vm update --set identity.type=...`):
/// `identity_type` is SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned" or None (case and spaces do not
/// matter); `identities_json` NULL keeps the current user-assigned identities when the type has them, an array
/// makes them exactly those. Out: as for assign.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_identity_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_set(
            "msi_vm_identity_set",
            VM,
            client,
            resource_group,
            name,
            identity_type,
            identities_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Create a VM from a whole ARM model (`model_json`, a JSON object) with an identity (`New-AzVMConfig -IdentityType
/// -IdentityId`, `az vm create --assign-identity`): `identity_type` and/or the `identities_json` list; with both
/// NULL the model's own identity is kept. The location defaults to the resource group's. Never overwrites: an
/// existing VM is MSI_RESULT_CONFLICT. Out: the VM's ARM JSON.
/// Nullable: resource_group, identity_type, identities_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_create(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        create(
            "msi_vm_create",
            VM,
            client,
            resource_group,
            name,
            model_json,
            false,
            identity_type,
            identities_json,
            json_out,
            error_out,
        )
    }
}

/// Create a minimal VM from az-style options, with an identity as for msi_vm_create. `options_json` is a
/// JSON object with any of `image` (an alias such as Win2016Datacenter or UbuntuLTS, or a URN; default
/// Ubuntu2204), `size`, `adminUsername`, `adminPassword`, `sshPublicKey`, `location`, `instanceCount` (scale sets).
/// Nullable: resource_group, options_json, identity_type, identities_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_create_basic(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    options_json: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        create(
            "msi_vm_create_basic",
            VM,
            client,
            resource_group,
            name,
            options_json,
            true,
            identity_type,
            identities_json,
            json_out,
            error_out,
        )
    }
}

/// Add or update the legacy MSI extension on a VM (`Set-AzVMExtension`, `az vm extension set`): `extension_type`
/// ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux (NULL: the extension name), `publisher`
/// Microsoft.ManagedIdentity and `type_handler_version` 1.0 (NULL: those), `settings_json` such as
/// `{"port": 50342}` (NULL: port 50342). The extension takes the VM's location. Out: the extension's ARM JSON.
/// Nullable: resource_group, extension_type, publisher, type_handler_version, settings_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_extension_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    extension_type: *const c_char,
    publisher: *const c_char,
    type_handler_version: *const c_char,
    settings_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_set(
            "msi_vm_extension_set",
            VM,
            client,
            resource_group,
            name,
            extension_name,
            extension_type,
            publisher,
            type_handler_version,
            settings_json,
            json_out,
            error_out,
        )
    }
}

/// Read an extension of a VM: its ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_extension_get(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_get(
            "msi_vm_extension_get",
            VM,
            client,
            resource_group,
            name,
            extension_name,
            json_out,
            error_out,
        )
    }
}

/// Remove an extension from a VM (`Remove-AzVMExtension`, `az vm extension delete`); `*deleted_out` is false when it
/// was not there.
/// Nullable: resource_group, deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_extension_delete(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_delete(
            "msi_vm_extension_delete",
            VM,
            client,
            resource_group,
            name,
            extension_name,
            deleted_out,
            error_out,
        )
    }
}

/// Read a scale set (`Get-AzVmss`, `az vmss show`): its ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_get(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        get(
            "msi_vmss_get",
            VMSS,
            client,
            resource_group,
            name,
            json_out,
            error_out,
        )
    }
}

/// Delete a scale set (`az vmss delete`); `*deleted_out` is false when it did not exist.
/// Nullable: resource_group, deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_delete(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        delete(
            "msi_vmss_delete",
            VMSS,
            client,
            resource_group,
            name,
            deleted_out,
            error_out,
        )
    }
}

/// The identity of a scale set (`az vmss identity show`): the ARM `identity` object, or JSON `null` when it has
/// none.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_identity_show(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_show(
            "msi_vmss_identity_show",
            VMSS,
            client,
            resource_group,
            name,
            json_out,
            error_out,
        )
    }
}

/// Add identities to a scale set (`az vmss identity assign`; the portal's System assigned: On and User assigned: Add):
/// the system-assigned one when `system_assigned` is true or `"[system]"` is listed, and the user-assigned ones in
/// `identities_json`. Identities already there stay; when nothing changes no write is sent. Out: the scale set's ARM
/// JSON after the change, and whether a write was sent.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_identity_assign(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_assign(
            "msi_vmss_identity_assign",
            VMSS,
            client,
            resource_group,
            name,
            system_assigned,
            identities_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Remove identities from a scale set (`az vmss identity remove`; the portal's Off and Remove): the system-assigned
/// one when `system_assigned` is true or `"[system]"` is listed, the user-assigned ones in `identities_json`, or
/// all of them with `all_user_assigned`. Removing the last one switches the type. Out: as for assign.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_identity_remove(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    system_assigned: bool,
    identities_json: *const c_char,
    all_user_assigned: bool,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_remove(
            "msi_vmss_identity_remove",
            VMSS,
            client,
            resource_group,
            name,
            system_assigned,
            identities_json,
            all_user_assigned,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Desired state of a scale set's identity (`Update-AzVmss -IdentityType -IdentityId`, `az vmss update --set identity.type=...`):
/// `identity_type` is SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned" or None (case and spaces do not
/// matter); `identities_json` NULL keeps the current user-assigned identities when the type has them, an array
/// makes them exactly those. Out: as for assign.
/// Nullable: resource_group, identities_json, changed_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_identity_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        identity_set(
            "msi_vmss_identity_set",
            VMSS,
            client,
            resource_group,
            name,
            identity_type,
            identities_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Create a scale set from a whole ARM model (`model_json`, a JSON object) with an identity (`New-AzVmssConfig -IdentityType
/// -IdentityId`, `az vmss create --assign-identity`): `identity_type` and/or the `identities_json` list; with both
/// NULL the model's own identity is kept. The location defaults to the resource group's. Never overwrites: an
/// existing scale set is MSI_RESULT_CONFLICT. Out: the scale set's ARM JSON.
/// Nullable: resource_group, identity_type, identities_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_create(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        create(
            "msi_vmss_create",
            VMSS,
            client,
            resource_group,
            name,
            model_json,
            false,
            identity_type,
            identities_json,
            json_out,
            error_out,
        )
    }
}

/// Create a minimal scale set from az-style options, with an identity as for msi_vmss_create. `options_json` is a
/// JSON object with any of `image` (an alias such as Win2016Datacenter or UbuntuLTS, or a URN; default
/// Ubuntu2204), `size`, `adminUsername`, `adminPassword`, `sshPublicKey`, `location`, `instanceCount` (scale sets).
/// Nullable: resource_group, options_json, identity_type, identities_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_create_basic(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    options_json: *const c_char,
    identity_type: *const c_char,
    identities_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        create(
            "msi_vmss_create_basic",
            VMSS,
            client,
            resource_group,
            name,
            options_json,
            true,
            identity_type,
            identities_json,
            json_out,
            error_out,
        )
    }
}

/// Add or update the legacy MSI extension on a scale set (`Add-AzVmssExtension`, `az vmss extension set`): `extension_type`
/// ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux (NULL: the extension name), `publisher`
/// Microsoft.ManagedIdentity and `type_handler_version` 1.0 (NULL: those), `settings_json` such as
/// `{"port": 50342}` (NULL: port 50342). The extension takes the scale set's location. Out: the extension's ARM JSON.
/// Nullable: resource_group, extension_type, publisher, type_handler_version, settings_json.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_extension_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    extension_type: *const c_char,
    publisher: *const c_char,
    type_handler_version: *const c_char,
    settings_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_set(
            "msi_vmss_extension_set",
            VMSS,
            client,
            resource_group,
            name,
            extension_name,
            extension_type,
            publisher,
            type_handler_version,
            settings_json,
            json_out,
            error_out,
        )
    }
}

/// Read an extension of a scale set: its ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_extension_get(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_get(
            "msi_vmss_extension_get",
            VMSS,
            client,
            resource_group,
            name,
            extension_name,
            json_out,
            error_out,
        )
    }
}

/// Remove an extension from a scale set (`Remove-AzVmssExtension`, `az vmss extension delete`); `*deleted_out` is false when it
/// was not there.
/// Nullable: resource_group, deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_extension_delete(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    extension_name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        extension_delete(
            "msi_vmss_extension_delete",
            VMSS,
            client,
            resource_group,
            name,
            extension_name,
            deleted_out,
            error_out,
        )
    }
}
