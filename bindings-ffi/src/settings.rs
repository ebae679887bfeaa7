//! `MsiSettings`: where to connect and with which credential (core's `Settings`), filled field by field and
//! turned into a client by `msi_client_new` or, with the environment filling what is unset, by
//! `msi_client_new_from_env` (core's `Settings::with_env`).

use crate::args::{Out, free_handle, handle_mut, new_handle, opt_str_arg};
use crate::error::{MsiError, MsiResult, guard};
use msi::Secret;
use std::ffi::c_char;

/// Connection settings (core `Settings`). Not synchronised: fill it from one thread.
pub struct MsiSettings {
    pub(crate) inner: msi::Settings,
}

/// New, empty settings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_new(
    settings_out: *mut *mut MsiSettings,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_settings_new", error_out, || {
        let out = Out::required(settings_out, "settings_out")?;
        out.write(new_handle(MsiSettings {
            inner: msi::Settings::default(),
        }));
        Ok(())
    })
}

/// Free settings. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_free(settings: *mut MsiSettings) {
    // SAFETY: header contract.
    unsafe { free_handle(settings) }
}

/// Set one field; a NULL value unsets it.
unsafe fn set(
    name: &'static str,
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
    apply: fn(&mut msi::Settings, Option<String>),
) -> MsiResult {
    guard(name, error_out, || {
        // SAFETY: header contract.
        let s = unsafe { handle_mut(settings, "settings") }?;
        // SAFETY: header contract.
        let v = unsafe { opt_str_arg(value, "value") }?.map(str::to_string);
        apply(&mut s.inner, v);
        Ok(())
    })
}

/// ARM endpoint, e.g. `https://management.azure.com` (the default) or the emulator's. Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_endpoint(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_endpoint",
            settings,
            value,
            error_out,
            |s, v| s.endpoint = v,
        )
    }
}

/// Default subscription. Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_subscription_id(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_subscription_id",
            settings,
            value,
            error_out,
            |s, v| s.subscription_id = v,
        )
    }
}

/// Entra ID tenant of the service principal. Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_tenant_id(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_tenant_id",
            settings,
            value,
            error_out,
            |s, v| s.tenant_id = v,
        )
    }
}

/// Client (application) id of the service principal. Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_client_id(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_client_id",
            settings,
            value,
            error_out,
            |s, v| s.client_id = v,
        )
    }
}

/// Client secret of the service principal (a secret: never shown). Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_client_secret(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_client_secret",
            settings,
            value,
            error_out,
            |s, v| s.client_secret = v.map(Secret::new),
        )
    }
}

/// Entra ID host; default: the public one for the public ARM endpoint, else the ARM endpoint itself (the
/// emulator serves both). Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_authority(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_authority",
            settings,
            value,
            error_out,
            |s, v| s.authority = v,
        )
    }
}

/// A bearer token to use as is instead of a service principal (a secret: never shown). Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_access_token(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_access_token",
            settings,
            value,
            error_out,
            |s, v| s.access_token = v.map(Secret::new),
        )
    }
}

/// PEM text of an extra CA certificate to trust (the emulator's). Nullable: value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_ca_cert_pem(
    settings: *mut MsiSettings,
    value: *const c_char,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    // SAFETY: header contract.
    unsafe {
        set(
            "msi_settings_set_ca_cert_pem",
            settings,
            value,
            error_out,
            |s, v| s.ca_cert_pem = v,
        )
    }
}

/// How many times a transient failure (a connection failure, 408, 429, 5xx) is retried, with backoff, before
/// the call fails; core's default is 4. 0 fails fast (tests of failure paths).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_settings_set_max_retries(
    settings: *mut MsiSettings,
    max_retries: u32,
    error_out: *mut *mut MsiError,
) -> MsiResult {
    guard("msi_settings_set_max_retries", error_out, || {
        // SAFETY: header contract.
        let s = unsafe { handle_mut(settings, "settings") }?;
        // Core's retry options with this count; the delays stay core's.
        s.inner.retry = Some(msi::RetryOptions {
            max_retries,
            ..Default::default()
        });
        Ok(())
    })
}
