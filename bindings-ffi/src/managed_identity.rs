//! Managed-identity tokens (core `managed_identity`): a credential for the identity of the VM, scale set or app
//! the process runs on, from IMDS, the legacy MSI VM extension or the App Service endpoint, chosen from the
//! environment as azure-identity does or explicitly. Tokens are cached per resource and renewed 5 minutes before
//! they expire (core). The token is a secret: it leaves only through `token_out`, never in an error.
//!
//! A user-assigned identity is selected by at most one of `client_id`, `object_id`, `resource_id`; all NULL means
//! the system-assigned identity (or the only user-assigned one, as IMDS decides).

use crate::args::{Out, c_string, free_handle, handle, new_handle, opt_string_arg, str_arg};
use crate::error::{FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use msi::{HttpClient, IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource, Secret};
use std::ffi::c_char;

/// A managed identity's credential. Safe to use from any number of threads at once; concurrent first callers
/// for one resource share one request.
pub struct MsiManagedIdentityCredential {
    inner: ManagedIdentityCredential,
}

/// The three selector arguments, converted (the choice among them is core's, in [`make`]).
type Selector = (Option<String>, Option<String>, Option<String>);

unsafe fn selector(
    client_id: *const c_char,
    object_id: *const c_char,
    resource_id: *const c_char,
) -> FfiResult<Selector> {
    // SAFETY: header contract.
    unsafe {
        Ok((
            opt_string_arg(client_id, "client_id")?,
            opt_string_arg(object_id, "object_id")?,
            opt_string_arg(resource_id, "resource_id")?,
        ))
    }
}

fn make(
    source: Option<ManagedIdentitySource>,
    (client_id, object_id, resource_id): Selector,
    credential_out: Out<*mut MsiManagedIdentityCredential>,
) -> FfiResult<()> {
    let selector = IdentitySelector::from_options(client_id, object_id, resource_id)?;
    // `MSI_CA_CERT` is honoured as everywhere (core); token endpoints are usually plain HTTP.
    let inner = block_on(async {
        let http = HttpClient::from_env()?;
        match source {
            Some(s) => ManagedIdentityCredential::new(s, selector, http),
            None => ManagedIdentityCredential::from_env(selector, http),
        }
    })?;
    credential_out.write(new_handle(MsiManagedIdentityCredential { inner }));
    Ok(())
}

/// A credential whose source is chosen from the environment as azure-identity does: IDENTITY_ENDPOINT +
/// IDENTITY_HEADER is App Service; otherwise IMDS, at AZURE_POD_IDENTITY_AUTHORITY_HOST when set (the
/// emulator's per-VM base URL), else http://169.254.169.254.
/// Nullable: client_id, object_id, resource_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_new_from_env(
    client_id: *const c_char,
    object_id: *const c_char,
    resource_id: *const c_char,
    credential_out: *mut *mut MsiManagedIdentityCredential,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(
        "msi_managed_identity_credential_new_from_env",
        error_out,
        || {
            // SAFETY: header contract.
            let sel = unsafe { selector(client_id, object_id, resource_id) }?;
            make(None, sel, Out::required(credential_out, "credential_out")?)
        },
    )
}

/// A credential for IMDS at `base_url` (`{base_url}/metadata/identity/oauth2/token`; NULL: http://169.254.169.254).
/// Nullable: base_url, client_id, object_id, resource_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_new_imds(
    base_url: *const c_char,
    client_id: *const c_char,
    object_id: *const c_char,
    resource_id: *const c_char,
    credential_out: *mut *mut MsiManagedIdentityCredential,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(
        "msi_managed_identity_credential_new_imds",
        error_out,
        || {
            // SAFETY: header contract.
            let (base, sel) = unsafe {
                (
                    opt_string_arg(base_url, "base_url")?,
                    selector(client_id, object_id, resource_id)?,
                )
            };
            let source = ManagedIdentitySource::imds_at(base);
            make(
                Some(source),
                sel,
                Out::required(credential_out, "credential_out")?,
            )
        },
    )
}

/// A credential for the legacy MSI VM extension at `base_url` (`{base_url}/oauth2/token`; NULL:
/// http://localhost:50342, the extension's default `settings.port`).
/// Nullable: base_url, client_id, object_id, resource_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_new_msi_extension(
    base_url: *const c_char,
    client_id: *const c_char,
    object_id: *const c_char,
    resource_id: *const c_char,
    credential_out: *mut *mut MsiManagedIdentityCredential,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(
        "msi_managed_identity_credential_new_msi_extension",
        error_out,
        || {
            // SAFETY: header contract.
            let (base, sel) = unsafe {
                (
                    opt_string_arg(base_url, "base_url")?,
                    selector(client_id, object_id, resource_id)?,
                )
            };
            let source = ManagedIdentitySource::msi_extension_at(base);
            make(
                Some(source),
                sel,
                Out::required(credential_out, "credential_out")?,
            )
        },
    )
}

/// A credential for the App Service identity endpoint (`IDENTITY_ENDPOINT`) with its secret header
/// (`IDENTITY_HEADER`, a secret: never shown).
/// Nullable: client_id, object_id, resource_id.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_new_app_service(
    endpoint: *const c_char,
    identity_header: *const c_char,
    client_id: *const c_char,
    object_id: *const c_char,
    resource_id: *const c_char,
    credential_out: *mut *mut MsiManagedIdentityCredential,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(
        "msi_managed_identity_credential_new_app_service",
        error_out,
        || {
            // SAFETY: header contract.
            let (endpoint, header, sel) = unsafe {
                (
                    str_arg(endpoint, "endpoint")?,
                    str_arg(identity_header, "identity_header")?,
                    selector(client_id, object_id, resource_id)?,
                )
            };
            let source = ManagedIdentitySource::AppService {
                endpoint: endpoint.to_string(),
                identity_header: Secret::new(header),
            };
            make(
                Some(source),
                sel,
                Out::required(credential_out, "credential_out")?,
            )
        },
    )
}

/// A token for `resource` (e.g. `https://management.azure.com/`, sent to the endpoint as given). `*token_out`
/// is the bearer token (a secret: free it with msi_string_free, which wipes it); `*expires_on_out` its expiry in
/// Unix seconds. An identity that is not assigned here is MSI_RESULT_CREDENTIAL_UNAVAILABLE with the endpoint's
/// error code kept.
/// Nullable: expires_on_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_get_token(
    credential: *const MsiManagedIdentityCredential,
    resource: *const c_char,
    token_out: *mut *mut c_char,
    expires_on_out: *mut i64,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard(
        "msi_managed_identity_credential_get_token",
        error_out,
        || {
            // SAFETY: header contract.
            let (cred, resource) = unsafe {
                (
                    handle(credential, "credential")?,
                    str_arg(resource, "resource")?,
                )
            };
            let token_out = Out::required(token_out, "token_out")?;
            let expires_out = Out::optional(expires_on_out);
            let t = block_on(cred.inner.token_for(resource))?;
            token_out.write(c_string(t.token.expose()));
            expires_out.write(t.expires_on);
            Ok(())
        },
    )
}

/// Free a credential. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_managed_identity_credential_free(
    credential: *mut MsiManagedIdentityCredential,
) {
    // SAFETY: header contract.
    unsafe { free_handle(credential) }
}
