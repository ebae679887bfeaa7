//! `MsiClient`: core's `ArmClient` (construction from settings or the environment) and resource groups.

use crate::args::{
    Out, c_string, free_handle, handle, json_string, new_handle, opt_str_arg, str_arg,
};
use crate::error::{FfiResult, MsiError, MsiResult, guard};
use crate::runtime::block_on;
use crate::settings::MsiSettings;
use serde_json::json;
use std::ffi::c_char;

/// A client for the identity operations (core `ArmClient`). Safe to use from any number of threads at once;
/// calls from several threads share its connections.
pub struct MsiClient {
    pub(crate) inner: msi::ArmClient,
}

impl MsiClient {
    /// Core's `Settings::client` (endpoint, subscription, credential, retries: all from the settings).
    pub(crate) fn from_settings(s: &msi::Settings) -> FfiResult<MsiClient> {
        // The HTTP client is built inside the runtime: its connection pool belongs there.
        let inner = block_on(async { s.client() })?;
        Ok(MsiClient { inner })
    }
}

/// A client from exactly these settings (nothing is read from the environment). A service principal (tenant,
/// client id, client secret) or an access token, and a subscription, are required.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_new(
    settings: *const MsiSettings,
    client_out: *mut *mut MsiClient,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_client_new", error_out, || {
        // SAFETY: header contract.
        let s = unsafe { handle(settings, "settings") }?;
        let out = Out::required(client_out, "client_out")?;
        out.write(new_handle(MsiClient::from_settings(&s.inner)?));
        Ok(())
    })
}

/// A client from these settings with every unset field taken from the environment, as the `msi` command does:
/// MSI_ARM_ENDPOINT, AZURE_SUBSCRIPTION_ID, AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
/// AZURE_AUTHORITY_HOST, MSI_ACCESS_TOKEN, MSI_CA_CERT (a PEM file). Nullable: settings (everything from the
/// environment).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_new_from_env(
    settings: *const MsiSettings,
    client_out: *mut *mut MsiClient,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_client_new_from_env", error_out, || {
        // SAFETY: header contract.
        let s = unsafe { settings.as_ref() }
            .map(|s| s.inner.clone())
            .unwrap_or_default();
        let out = Out::required(client_out, "client_out")?;
        let s = s.with_env()?;
        out.write(new_handle(MsiClient::from_settings(&s)?));
        Ok(())
    })
}

/// A client signed in as the managed identity of the machine this runs on (`Connect-AzAccount -Identity
/// [-AccountId]`, `az login --identity [--client-id]`; core's `Settings::managed_identity_client`): the
/// identity's token endpoint is chosen from the environment as azure-identity does (IDENTITY_ENDPOINT +
/// IDENTITY_HEADER, else IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST or http://169.254.169.254), and the settings'
/// client id selects a user-assigned identity. Unset fields come from the environment as for
/// msi_client_new_from_env (so AZURE_CLIENT_ID, when set, selects one too, as for `msi --identity`); a client
/// secret or access token is not used. Nothing is sent until the first call.
/// Nullable: settings (everything from the environment).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_new_managed_identity(
    settings: *const MsiSettings,
    client_out: *mut *mut MsiClient,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_client_new_managed_identity", error_out, || {
        // SAFETY: header contract.
        let s = unsafe { settings.as_ref() }
            .map(|s| s.inner.clone())
            .unwrap_or_default();
        let out = Out::required(client_out, "client_out")?;
        let s = s.with_env()?;
        let inner = block_on(async { s.managed_identity_client() })?;
        out.write(new_handle(MsiClient { inner }));
        Ok(())
    })
}

/// A token of the client's own credential, the signed-in account (`Get-AzAccessToken`, `az account
/// get-access-token`), for `resource` (NULL: ARM, `https://management.azure.com`), asked for as
/// `{resource}/.default`. `*token_out` is the bearer token (a secret: free it with msi_string_free, which wipes
/// it); `*expires_on_out` its expiry in Unix seconds (INT64_MAX for a token given as is).
/// Nullable: resource, expires_on_out.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_get_token(
    client: *const MsiClient,
    resource: *const c_char,
    token_out: *mut *mut c_char,
    expires_on_out: *mut i64,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_client_get_token", error_out, || {
        // SAFETY: header contract.
        let (c, resource) = unsafe {
            (
                handle(client, "client")?,
                opt_str_arg(resource, "resource")?,
            )
        };
        let token_out = Out::required(token_out, "token_out")?;
        let expires_out = Out::optional(expires_on_out);
        let t = block_on(c.inner.get_token(resource))?;
        token_out.write(c_string(t.token.expose()));
        expires_out.write(t.expires_on);
        Ok(())
    })
}

/// Who a bearer token was issued to, read from its claims for display (core's `token_subject`;
/// `Get-AzAccessToken`'s TenantId, UserId and Type): `{"tenantId": ..., "userId": ..., "type": "Bearer"}`, each
/// null when the token does not say (an opaque token has neither). The claims are not verified; the token is
/// only read, never kept or echoed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_token_subject(
    token: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_token_subject", error_out, || {
        // SAFETY: header contract.
        let token = unsafe { str_arg(token, "token") }?;
        let out = Out::required(json_out, "json_out")?;
        let subject = serde_json::to_value(msi::token_subject(token)).expect("plain strings");
        out.write(json_string(&subject));
        Ok(())
    })
}

/// The resource URL of a `Get-AzAccessToken -ResourceTypeName` value (core's `resource_url_for_type`: Arm,
/// MSGraph, KeyVault, Storage, ...; case-insensitive), for msi_client_get_token and the managed-identity
/// credential. An unknown name is MSI_RESULT_INVALID_ARGUMENT listing the known ones.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_resource_url_for_type(
    name: *const c_char,
    url_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_resource_url_for_type", error_out, || {
        // SAFETY: header contract.
        let name = unsafe { str_arg(name, "name") }?;
        let out = Out::required(url_out, "url_out")?;
        out.write(c_string(msi::resource_url_for_type(name)?));
        Ok(())
    })
}

/// Free a client. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_free(client: *mut MsiClient) {
    // SAFETY: header contract.
    unsafe { free_handle(client) }
}

/// What the client connects to: `{"endpoint": ..., "subscriptionId": ...}`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_client_info(
    client: *const MsiClient,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_client_info", error_out, || {
        // SAFETY: header contract.
        let c = unsafe { handle(client, "client") }?;
        let out = Out::required(json_out, "json_out")?;
        out.write(json_string(&json!({
            "endpoint": c.inner.endpoint(),
            "subscriptionId": c.inner.subscription_id(),
        })));
        Ok(())
    })
}

/// Create or update a resource group (`az group create`, `New-AzResourceGroup`); the ARM JSON of the group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_group_create(
    client: *const MsiClient,
    name: *const c_char,
    location: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_group_create", error_out, || {
        // SAFETY: header contract.
        let (c, name, location) = unsafe {
            (
                handle(client, "client")?,
                str_arg(name, "name")?,
                str_arg(location, "location")?,
            )
        };
        let out = Out::required(json_out, "json_out")?;
        let v = block_on(c.inner.create_resource_group(name, location))?;
        out.write(json_string(&v));
        Ok(())
    })
}

/// Read a resource group; the ARM JSON of the group.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_group_get(
    client: *const MsiClient,
    name: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_group_get", error_out, || {
        // SAFETY: header contract.
        let (c, name) = unsafe { (handle(client, "client")?, str_arg(name, "name")?) };
        let out = Out::required(json_out, "json_out")?;
        let v = block_on(c.inner.get_resource_group(name))?;
        out.write(json_string(&v));
        Ok(())
    })
}
