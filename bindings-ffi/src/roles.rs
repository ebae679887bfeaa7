//! Role assignments (core `roles`): give an identity access to another resource, list, remove. A NULL `scope`
//! is passed through: core's default (the client's subscription) applies.

use crate::args::{Out, handle, json_string, opt_str_arg, str_arg};
use crate::client::MsiClient;
use crate::error::{MsiError, MsiResult, guard};
use crate::runtime::block_on;
use serde_json::{Value, json};
use std::ffi::c_char;

/// Grant `role` (a name such as Reader, a role definition GUID or ID) at `scope` to the principal `principal_id`
/// (`New-AzRoleAssignment -ObjectId -RoleDefinitionName -Scope`, `az role assignment create`). A principal made
/// moments ago is retried as az does; an existing identical assignment is returned as is. `principal_type`
/// defaults to ServicePrincipal. Out: the assignment's ARM JSON.
/// Nullable: scope (core's default, the subscription), principal_type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_role_assignment_create(
    client: *const MsiClient,
    scope: *const c_char,
    role: *const c_char,
    principal_id: *const c_char,
    principal_type: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_role_assignment_create", error_out, || {
        // SAFETY: header contract.
        let (c, scope, role, principal, ptype) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(scope, "scope")?,
                str_arg(role, "role")?,
                str_arg(principal_id, "principal_id")?,
                opt_str_arg(principal_type, "principal_type")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let a = block_on(
            c.inner
                .create_role_assignment_at(scope, role, principal, ptype),
        )?;
        out.write(json_string(&a.raw));
        Ok(())
    })
}

/// Role assignments at and above `scope` (`Get-AzRoleAssignment`, `az role assignment list`), or those of one
/// principal at, above and below it: a JSON array of ARM objects.
/// Nullable: scope (core's default, the subscription), principal_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_role_assignment_list(
    client: *const MsiClient,
    scope: *const c_char,
    principal_id: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_role_assignment_list", error_out, || {
        // SAFETY: header contract.
        let (c, scope, principal) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(scope, "scope")?,
                opt_str_arg(principal_id, "principal_id")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let list = block_on(c.inner.list_role_assignments(scope, principal))?;
        out.write(json_string(&Value::Array(
            list.into_iter().map(|a| a.raw).collect(),
        )));
        Ok(())
    })
}

/// Delete one role assignment by its full ID; `*deleted_out` is false when it did not exist.
/// Nullable: deleted_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_role_assignment_delete(
    client: *const MsiClient,
    id: *const c_char,
    deleted_out: *mut bool,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_role_assignment_delete", error_out, || {
        // SAFETY: header contract.
        let (c, id) = unsafe { (handle(client, "client")?, str_arg(id, "id")?) };
        let out = Out::optional(deleted_out);
        out.write(block_on(c.inner.delete_role_assignment(id))?);
        Ok(())
    })
}

/// Delete the assignments made exactly at `scope` to `principal_id` and/or of `role`
/// (`Remove-AzRoleAssignment -ObjectId -RoleDefinitionName -Scope`, `az role assignment delete`). Out: a JSON
/// array of `{"id": ..., "deleted": true}`, one per assignment deleted.
/// Nullable: scope (core's default, the subscription), principal_id, role (at least one of the two is required).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_role_assignment_delete_matching(
    client: *const MsiClient,
    scope: *const c_char,
    principal_id: *const c_char,
    role: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_role_assignment_delete_matching", error_out, || {
        // SAFETY: header contract.
        let (c, scope, principal, role) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(scope, "scope")?,
                opt_str_arg(principal_id, "principal_id")?,
                opt_str_arg(role, "role")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let ids = block_on(
            c.inner
                .delete_role_assignments_matching(scope, principal, role),
        )?;
        out.write(json_string(&Value::Array(
            ids.into_iter()
                .map(|id| json!({ "id": id, "deleted": true }))
                .collect(),
        )));
        Ok(())
    })
}
