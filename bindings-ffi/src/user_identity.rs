//! User-assigned identities (core `user_identity`): create, get, list, delete. An identity is `resource_group` +
//! `name` in the client's subscription, or its full resource ID in `name` with `resource_group` NULL (kept in its
//! own subscription: core's `user_identity_ref`).

use crate::args::{Out, handle, json_string, opt_json_arg, opt_str_arg, str_arg};
use crate::client::MsiClient;
use crate::error::{FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use serde_json::Value;
use std::ffi::c_char;

/// The identity's full ID from the C spelling (group + name, or the ID in `name`); core checks and resolves it.
fn identity_id(c: &MsiClient, resource_group: Option<&str>, name: &str) -> FfiResult<String> {
    Ok(match resource_group {
        Some(group) => c.inner.user_identity_ref(Some(group), Some(name), None)?,
        None => c.inner.user_identity_ref(None, None, Some(name))?,
    })
}

/// Create a user-assigned identity, or update its tags (`New-AzUserAssignedIdentity`, `az identity create`).
/// `location` defaults to the resource group's; `tags_json` is a JSON object of strings. Out: its ARM JSON
/// (`properties.principalId` is the object id to grant roles to, `properties.clientId` selects it for tokens).
/// Nullable: location, tags_json.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_user_identity_create(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    location: *const c_char,
    tags_json: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_user_identity_create", error_out, || {
        // SAFETY: header contract.
        let (c, rg, name, location, tags) = unsafe {
            (
                handle(client, "client")?,
                str_arg(resource_group, "resource_group")?,
                str_arg(name, "name")?,
                opt_str_arg(location, "location")?,
                opt_json_arg(tags_json, "tags_json")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let u = block_on(c.inner.create_user_identity(rg, name, location, tags))?;
        out.write(json_string(&u.raw));
        Ok(())
    })
}

/// Read a user-assigned identity (`Get-AzUserAssignedIdentity`, `az identity show`): its ARM JSON.
/// Nullable: resource_group (then `name` is the identity's resource ID).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_user_identity_get(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_user_identity_get", error_out, || {
        // SAFETY: header contract.
        let (c, rg, name) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(resource_group, "resource_group")?,
                str_arg(name, "name")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let id = identity_id(c, rg, name)?;
        let u = block_on(c.inner.get_user_identity_by_id(&id))?;
        out.write(json_string(&u.raw));
        Ok(())
    })
}

/// List the user-assigned identities of a resource group, or of the subscription when `resource_group` is NULL
/// (`az identity list`), every page: a JSON array of ARM objects.
/// Nullable: resource_group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_user_identity_list(
    client: *const MsiClient,
    resource_group: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_user_identity_list", error_out, || {
        // SAFETY: header contract.
        let (c, rg) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(resource_group, "resource_group")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let list = block_on(c.inner.list_user_identities(rg))?;
        out.write(json_string(&Value::Array(
            list.into_iter().map(|u| u.raw).collect(),
        )));
        Ok(())
    })
}

/// Delete a user-assigned identity (`Remove-AzUserAssignedIdentity`, `az identity delete`); `*deleted_out` is
/// false when it did not exist.
/// Nullable: resource_group (then `name` is the identity's resource ID), deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_user_identity_delete(
    client: *const MsiClient,
    resource_group: *const c_char,
    name: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_user_identity_delete", error_out, || {
        // SAFETY: header contract.
        let (c, rg, name) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(resource_group, "resource_group")?,
                str_arg(name, "name")?,
            )
        };
        let out = Out::optional(deleted_out);
        let id = identity_id(c, rg, name)?;
        out.write(block_on(c.inner.delete_user_identity_by_id(&id))?);
        Ok(())
    })
}
