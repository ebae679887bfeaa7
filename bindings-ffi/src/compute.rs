//! VMs and scale sets (core `compute`, `requests`, `create`, `extension`): read, identity show/assign/remove/set,
//! creation with an identity, deletion, and the legacy MSI extension.
//!
//! Each operation has one body here, with a kind parameter, exported twice (`msi_vm_*`, `msi_vmss_*`, the names of
//! az vm / az vmss). The requests are core's own structs deserialised from `*_json` (camelCase fields, unknown ones
//! refused): `AssignRequest`, `RemoveRequest`, `SetRequest`, `CreateOptions`, `MsiExtensionSpec`. Every default and
//! rule (no identities, `[system]`, names in the resource's group, role and scope, identity types) is core's.

use crate::args::{
    Out, handle, json_arg, json_string, opt_json_arg, opt_str_arg, or_empty, shape_error, str_arg,
};
use crate::client::MsiClient;
use crate::error::{FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use msi::{
    AssignRequest, ComputeKind, ComputeTarget, CreateOptions, Error, IdentityUpdate, MsiExtension,
    MsiExtensionSpec, RemoveRequest, SetRequest,
};
use std::ffi::c_char;

use ComputeKind::{VirtualMachine as VM, VirtualMachineScaleSet as VMSS};

/// The converted head of every compute call: the client and the target as C names it.
struct Head<'a> {
    client: &'a MsiClient,
    resource_group: Option<&'a str>,
    name: &'a str,
}

unsafe fn head<'a>(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
) -> FfiResult<Head<'a>> {
    // SAFETY: header contract.
    unsafe {
        Ok(Head {
            client: handle(client, "client")?,
            resource_group: opt_str_arg(resource_group, "resource_group")?,
            name: str_arg(name, "name")?,
        })
    }
}

impl Head<'_> {
    /// The C spelling of a target: `resource_group` + `name`, or (`resource_group` NULL) the ID in `name`. Core
    /// checks both forms.
    fn target(&self, kind: ComputeKind) -> FfiResult<ComputeTarget> {
        let c = &self.client.inner;
        Ok(match self.resource_group {
            Some(group) => c.target(Some(kind), Some(group), Some(self.name), None)?,
            None => c.target(Some(kind), None, None, Some(self.name))?,
        })
    }

    fn arm(&self) -> &msi::ArmClient {
        &self.client.inner
    }
}

fn write_update(u: IdentityUpdate, json_out: Out<*mut c_char>, changed_out: Out<bool>) {
    json_out.write(json_string(&u.resource));
    changed_out.write(u.changed);
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
        let h = unsafe { head(client, resource_group, name) }?;
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        out.write(json_string(&block_on(h.arm().get_compute(&t))?));
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
        let h = unsafe { head(client, resource_group, name) }?;
        let out = Out::optional(deleted_out);
        let t = h.target(kind)?;
        out.write(block_on(h.arm().delete_compute(&t))?);
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
        let h = unsafe { head(client, resource_group, name) }?;
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        out.write(json_string(&block_on(h.arm().show_identity(&t))?.to_json()));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_assign(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    role_assignment_json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (h, request) = unsafe {
            (
                head(client, resource_group, name)?,
                opt_json_arg(request_json, "request_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        let request: AssignRequest =
            serde_json::from_value(or_empty(request)).map_err(shape_error("request_json"))?;
        let outcome = block_on(h.arm().assign_identity(&t, &request))?;
        Out::optional(role_assignment_json_out).write(match &outcome.role_assignment {
            Some(a) => json_string(&a.raw),
            None => std::ptr::null_mut(),
        });
        write_update(outcome.update, out, Out::optional(changed_out));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_remove(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (h, request) = unsafe {
            (
                head(client, resource_group, name)?,
                opt_json_arg(request_json, "request_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        let request: RemoveRequest =
            serde_json::from_value(or_empty(request)).map_err(shape_error("request_json"))?;
        let update = block_on(h.arm().remove_identity(&t, &request))?;
        write_update(update, out, Out::optional(changed_out));
        Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn identity_set(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (h, request) = unsafe {
            (
                head(client, resource_group, name)?,
                json_arg(request_json, "request_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        let request: SetRequest =
            serde_json::from_value(request).map_err(shape_error("request_json"))?;
        let update = block_on(h.arm().set_identity(&t, &request))?;
        write_update(update, out, Out::optional(changed_out));
        Ok(())
    })
}

/// Both create calls: `model_json` is `Some` for msi_*_create (its required whole-model argument), `None` for
/// msi_*_create_basic. The model goes into core's `CreateOptions::model`; everything else is `options_json`.
#[allow(clippy::too_many_arguments)]
unsafe fn create(
    fname: &'static str,
    kind: ComputeKind,
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: Option<*const c_char>,
    options_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (h, model, options) = unsafe {
            (
                head(client, resource_group, name)?,
                model_json.map(|m| json_arg(m, "model_json")).transpose()?,
                opt_json_arg(options_json, "options_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        let mut options: CreateOptions =
            serde_json::from_value(or_empty(options)).map_err(shape_error("options_json"))?;
        if let Some(m) = model {
            if options.model.is_some() {
                return Err(Error::invalid_argument(
                    "options_json: model is given in model_json; leave it out of the options",
                )
                .into());
            }
            options.model = Some(m);
        }
        out.write(json_string(&block_on(h.arm().create(&t, &options))?));
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
    spec_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(fname, error_out, || {
        // SAFETY: header contract.
        let (h, spec) = unsafe {
            (
                head(client, resource_group, name)?,
                json_arg(spec_json, "spec_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        // `protectedSettings` (Set-AzVMExtension -ProtectedSettings) travels beside core's MsiExtensionSpec and is
        // core's to judge; it is taken out first so that no message about the rest can quote it.
        let mut spec = spec;
        let protected = spec
            .as_object_mut()
            .and_then(|o| o.remove("protectedSettings"));
        // `location` (Set-AzVMExtension -Location) likewise: core checks it against the VM's.
        let location = match spec.as_object_mut().and_then(|o| o.remove("location")) {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(l)) => Some(l),
            Some(_) => {
                return Err(
                    msi::Error::invalid_argument("spec_json: location must be a string").into(),
                );
            }
        };
        let spec: MsiExtensionSpec =
            serde_json::from_value(spec).map_err(shape_error("spec_json"))?;
        let ext = MsiExtension::from_spec_with_protected_settings(&spec, protected.as_ref())?;
        out.write(json_string(&block_on(h.arm().set_msi_extension_at(
            &t,
            &ext,
            location.as_deref(),
        ))?));
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
        let (h, ext_name) = unsafe {
            (
                head(client, resource_group, name)?,
                str_arg(extension_name, "extension_name")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let t = h.target(kind)?;
        out.write(json_string(&block_on(h.arm().get_extension(&t, ext_name))?));
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
        let (h, ext_name) = unsafe {
            (
                head(client, resource_group, name)?,
                str_arg(extension_name, "extension_name")?,
            )
        };
        let out = Out::optional(deleted_out);
        let t = h.target(kind)?;
        out.write(block_on(h.arm().delete_extension(&t, ext_name))?);
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

/// Add identities to a VM (`az vm identity assign`; the portal's System assigned: On and User assigned: Add).
/// `request_json` is core's AssignRequest: `{"identities": [...], "systemAssigned": bool, "role": ..., "scope": ...}`,
/// every field optional. `identities` holds user-assigned identity names (in the resource's group), IDs and
/// `"[system]"`; with none listed the system-assigned identity is meant (az's default). `role` and `scope` come
/// together and grant the role to the system-assigned identity. Identities already there stay; when nothing
/// changes no write is sent. Out: the VM's ARM JSON after the change, whether a write was sent, and the role
/// assignment's ARM JSON (NULL when no role was asked for).
/// Nullable: resource_group, request_json (`{}`), changed_out, role_assignment_json_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vm_identity_assign(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    role_assignment_json_out: *mut *mut c_char,
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
            request_json,
            json_out,
            changed_out,
            role_assignment_json_out,
            error_out,
        )
    }
}

/// Remove identities from a VM (`az vm identity remove`; the portal's Off and Remove). `request_json` is
/// core's RemoveRequest: `{"identities": [...], "systemAssigned": bool, "allUserAssigned": bool}`, every field
/// optional; with nothing listed the system-assigned identity is meant (az's default). Removing the last one
/// switches the type. Out: as for assign.
/// Nullable: resource_group, request_json (`{}`), changed_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_identity_remove(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
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
            request_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Desired state of a VM's identity (`Update-AzVM -IdentityType -IdentityId`, `az vm update --set identity.type=...`):
/// `request_json` is core's SetRequest: `{"type": ..., "identities": [...]}`, the type as the user gave it
/// (SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned", None; core parses it), `identities` absent keeps
/// the current user-assigned identities when the type has them, an array makes them exactly those. Out: as for
/// assign.
/// Nullable: resource_group, changed_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_identity_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
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
            request_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Create a VM from a whole ARM model (`model_json`, a JSON object) with an identity (`New-AzVMConfig -IdentityType
/// -IdentityId`, `az vm create --assign-identity`). `options_json` is core's CreateOptions without `model`:
/// `assignIdentity` (names, IDs, `[system]`; an empty list is the system-assigned identity), `systemAssigned`,
/// `identityType`, `location`. With no identity asked for, the model's own is kept. The location defaults to the
/// resource group's. Never overwrites: an existing VM is MSI_RESULT_CONFLICT. Out: its ARM JSON.
/// Nullable: resource_group, options_json.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_create(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: *const c_char,
    options_json: *const c_char,
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
            Some(model_json),
            options_json,
            json_out,
            error_out,
        )
    }
}

/// Create a minimal VM from az-style options (`az vm create --image --size --admin-username ...
/// --assign-identity`): `options_json` is core's CreateOptions (`image`, `size`, `location`, `adminUsername`,
/// `adminPassword`, `sshKeyValue`, `generateSshKeys`, `instanceCount`, `assignIdentity`, `systemAssigned`,
/// `identityType`, or `model`), with core's defaults for what is not given. Out: as for msi_vm_create.
/// Nullable: resource_group, options_json (`{}`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_create_basic(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    options_json: *const c_char,
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
            None,
            options_json,
            json_out,
            error_out,
        )
    }
}

/// Add or update the legacy MSI extension on a VM (`Set-AzVMExtension`, `az vm extension set`): `spec_json` is
/// core's MsiExtensionSpec: `{"name", "type", "publisher", "version", "settings": {"port": N}, "port"}`,
/// every field optional, with core's defaults, plus `"protectedSettings"` (`-ProtectedSettings`), which the MSI
/// extension does not take: null or `{}` is accepted and not sent, anything else is MSI_RESULT_INVALID_ARGUMENT
/// without its value in the message, and `"location"` (`-Location`), which must be the VM's (the extension
/// always takes the VM's location; another one is MSI_RESULT_INVALID_ARGUMENT). Out: the extension's ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vm_extension_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    spec_json: *const c_char,
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
            spec_json,
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

/// Add identities to a scale set (`az vmss identity assign`; the portal's System assigned: On and User assigned: Add).
/// `request_json` is core's AssignRequest: `{"identities": [...], "systemAssigned": bool, "role": ..., "scope": ...}`,
/// every field optional. `identities` holds user-assigned identity names (in the resource's group), IDs and
/// `"[system]"`; with none listed the system-assigned identity is meant (az's default). `role` and `scope` come
/// together and grant the role to the system-assigned identity. Identities already there stay; when nothing
/// changes no write is sent. Out: the scale set's ARM JSON after the change, whether a write was sent, and the role
/// assignment's ARM JSON (NULL when no role was asked for).
/// Nullable: resource_group, request_json (`{}`), changed_out, role_assignment_json_out.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn msi_vmss_identity_assign(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
    json_out: *mut *mut c_char,
    changed_out: *mut bool,
    role_assignment_json_out: *mut *mut c_char,
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
            request_json,
            json_out,
            changed_out,
            role_assignment_json_out,
            error_out,
        )
    }
}

/// Remove identities from a scale set (`az vmss identity remove`; the portal's Off and Remove). `request_json` is
/// core's RemoveRequest: `{"identities": [...], "systemAssigned": bool, "allUserAssigned": bool}`, every field
/// optional; with nothing listed the system-assigned identity is meant (az's default). Removing the last one
/// switches the type. Out: as for assign.
/// Nullable: resource_group, request_json (`{}`), changed_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_identity_remove(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
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
            request_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Desired state of a scale set's identity (`Update-AzVmss -IdentityType -IdentityId`, `az vmss update --set identity.type=...`):
/// `request_json` is core's SetRequest: `{"type": ..., "identities": [...]}`, the type as the user gave it
/// (SystemAssigned, UserAssigned, "SystemAssigned, UserAssigned", None; core parses it), `identities` absent keeps
/// the current user-assigned identities when the type has them, an array makes them exactly those. Out: as for
/// assign.
/// Nullable: resource_group, changed_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_identity_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    request_json: *const c_char,
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
            request_json,
            json_out,
            changed_out,
            error_out,
        )
    }
}

/// Create a scale set from a whole ARM model (`model_json`, a JSON object) with an identity (`New-AzVmssConfig -IdentityType
/// -IdentityId`, `az vmss create --assign-identity`). `options_json` is core's CreateOptions without `model`:
/// `assignIdentity` (names, IDs, `[system]`; an empty list is the system-assigned identity), `systemAssigned`,
/// `identityType`, `location`. With no identity asked for, the model's own is kept. The location defaults to the
/// resource group's. Never overwrites: an existing scale set is MSI_RESULT_CONFLICT. Out: its ARM JSON.
/// Nullable: resource_group, options_json.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_create(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    model_json: *const c_char,
    options_json: *const c_char,
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
            Some(model_json),
            options_json,
            json_out,
            error_out,
        )
    }
}

/// Create a minimal scale set from az-style options (`az vmss create --image --size --admin-username ...
/// --assign-identity`): `options_json` is core's CreateOptions (`image`, `size`, `location`, `adminUsername`,
/// `adminPassword`, `sshKeyValue`, `generateSshKeys`, `instanceCount`, `assignIdentity`, `systemAssigned`,
/// `identityType`, or `model`), with core's defaults for what is not given. Out: as for msi_vmss_create.
/// Nullable: resource_group, options_json (`{}`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_create_basic(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    options_json: *const c_char,
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
            None,
            options_json,
            json_out,
            error_out,
        )
    }
}

/// Add or update the legacy MSI extension on a scale set (`Add-AzVmssExtension`, `az vmss extension set`): `spec_json` is
/// core's MsiExtensionSpec: `{"name", "type", "publisher", "version", "settings": {"port": N}, "port"}`,
/// every field optional, with core's defaults, plus `"protectedSettings"` (`-ProtectedSettings`), which the MSI
/// extension does not take: null or `{}` is accepted and not sent, anything else is MSI_RESULT_INVALID_ARGUMENT
/// without its value in the message. A scale set's extensions have no location: a `"location"` is
/// MSI_RESULT_INVALID_ARGUMENT. Out: the extension's ARM JSON.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_vmss_extension_set(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    spec_json: *const c_char,
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
            spec_json,
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
