//! Connection settings from JS: explicit values, or the environment through core's `Settings::with_env`.

use crate::error::{IntoNapi, invalid};
use msi_identity::{RetryOptions, Secret, Settings};
use napi_derive::napi;
use std::time::Duration;

/// Retries of transient failures (408, 429, 5xx, connection failures); every field defaults to core's.
#[napi(object)]
#[derive(Default, Clone)]
pub struct RetrySettings {
    /// Retries after the first attempt.
    pub max_retries: Option<u32>,
    /// First backoff delay, in milliseconds.
    pub initial_delay_ms: Option<u32>,
    /// Longest backoff delay, in milliseconds.
    pub max_delay_ms: Option<u32>,
    /// Longest `Retry-After` honoured, in milliseconds (a longer one is an error).
    pub max_retry_after_ms: Option<u32>,
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(v.into())
}

impl From<RetrySettings> for RetryOptions {
    fn from(r: RetrySettings) -> Self {
        let d = RetryOptions::default();
        RetryOptions {
            max_retries: r.max_retries.unwrap_or(d.max_retries),
            initial_delay: r.initial_delay_ms.map_or(d.initial_delay, ms),
            max_delay: r.max_delay_ms.map_or(d.max_delay, ms),
            max_retry_after: r.max_retry_after_ms.map_or(d.max_retry_after, ms),
        }
    }
}

/// Where to connect and as whom. Unset fields stay unset (see `MsiClient.fromEnv` for the environment).
#[napi(object)]
#[derive(Default)]
pub struct ClientSettings {
    /// ARM endpoint (default `https://management.azure.com`); `MSI_ARM_ENDPOINT` in the environment.
    pub endpoint: Option<String>,
    /// `AZURE_SUBSCRIPTION_ID`.
    pub subscription_id: Option<String>,
    /// `AZURE_TENANT_ID`.
    pub tenant_id: Option<String>,
    /// `AZURE_CLIENT_ID`.
    pub client_id: Option<String>,
    /// `AZURE_CLIENT_SECRET`.
    pub client_secret: Option<String>,
    /// Entra ID host (`AZURE_AUTHORITY_HOST`); default: public Entra ID for the public ARM endpoint, else the
    /// endpoint itself (the emulator serves both).
    pub authority_host: Option<String>,
    /// A bearer token used as is (`MSI_ACCESS_TOKEN`).
    pub access_token: Option<String>,
    /// An extra CA to trust: PEM text, or the path of a PEM file (`MSI_CA_CERT`).
    pub ca_cert: Option<String>,
    /// Retries of transient failures.
    pub retry: Option<RetrySettings>,
    /// Longest wait for a long-running operation, in milliseconds (default 30 minutes).
    pub lro_timeout_ms: Option<u32>,
    /// How often an identity change is re-read and re-planned after another writer won (412).
    pub max_conflict_retries: Option<u32>,
}

/// PEM text as is, else the contents of the file it names.
pub fn ca_pem(ca_cert: Option<String>) -> napi::Result<Option<String>> {
    match ca_cert {
        None => Ok(None),
        Some(s) if s.contains("-----BEGIN") => Ok(Some(s)),
        Some(path) => std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| invalid(format!("cannot read the CA certificate file '{path}': {e}"))),
    }
}

impl ClientSettings {
    pub fn into_core(self) -> napi::Result<Settings> {
        Ok(Settings {
            endpoint: self.endpoint,
            subscription_id: self.subscription_id,
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Secret::new),
            authority: self.authority_host,
            access_token: self.access_token.map(Secret::new),
            ca_cert_pem: ca_pem(self.ca_cert)?,
            retry: self.retry.map(Into::into),
            lro_timeout: self.lro_timeout_ms.map(ms),
            max_conflict_retries: self.max_conflict_retries,
        })
    }

    /// Explicit values first, then the environment, exactly as core fills them.
    pub fn into_core_with_env(self) -> napi::Result<Settings> {
        self.into_core()?.with_env().napi()
    }
}
