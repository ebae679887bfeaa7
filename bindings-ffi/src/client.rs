//! `MsiClient`: core's `ArmClient` (construction from settings or the environment) and resource groups.

use crate::args::{Out, free_handle, handle, json_string, new_handle, str_arg};
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
