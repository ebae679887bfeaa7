//! `ManagedIdentityCredential`: core's `managed_identity` module. It has the `@azure/core-auth`
//! `TokenCredential` shape, so it can be handed to `@azure/*` SDK clients as well as to `MsiClient`.

use crate::credential::{AccessToken, GetTokenOptions, token};
use crate::error::{IntoNapi, invalid};
use crate::settings::ca_pem;
use msi_identity::{
    HttpClient, IdentitySelector, ManagedIdentityCredential as CoreCredential,
    ManagedIdentitySource, Secret, SharedCredential,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;

/// Where tokens come from and for which identity. With no `source`, the source is chosen from the
/// environment the way azure-identity does (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`: App Service; otherwise
/// IMDS, at `AZURE_POD_IDENTITY_AUTHORITY_HOST` when set).
#[napi(object)]
pub struct ManagedIdentityCredentialOptions {
    #[napi(ts_type = "'imds' | 'msiExtension' | 'appService'")]
    pub source: Option<String>,
    /// IMDS base URL (default `http://169.254.169.254`), MSI extension base URL (default
    /// `http://localhost:{port}`), or the App Service `IDENTITY_ENDPOINT`.
    pub endpoint: Option<String>,
    /// MSI extension port (default 50342) when no `endpoint` is given.
    pub port: Option<u32>,
    /// App Service `IDENTITY_HEADER`.
    pub identity_header: Option<String>,
    /// Select a user-assigned identity by client ID ...
    pub client_id: Option<String>,
    /// ... or by object (principal) ID ...
    pub object_id: Option<String>,
    /// ... or by ARM resource ID. None of them: the system-assigned identity.
    pub resource_id: Option<String>,
    /// An extra CA to trust: PEM text or a path.
    pub ca_cert: Option<String>,
}

fn source(o: &ManagedIdentityCredentialOptions) -> Result<Option<ManagedIdentitySource>> {
    let endpoint = o.endpoint.clone();
    Ok(match o.source.as_deref() {
        None if endpoint.is_some() || o.identity_header.is_some() || o.port.is_some() => {
            return Err(invalid(
                "endpoint, port and identityHeader need a source: 'imds', 'msiExtension' or 'appService'",
            ));
        }
        None => None,
        Some("imds") => Some(ManagedIdentitySource::imds_at(endpoint)),
        Some("msiExtension") => Some(match (endpoint, o.port) {
            (None, Some(port)) => {
                ManagedIdentitySource::msi_extension(u16::try_from(port).map_err(|_| {
                    invalid(format!("port must be between 1 and 65535, not {port}"))
                })?)
            }
            (endpoint, _) => ManagedIdentitySource::msi_extension_at(endpoint),
        }),
        Some("appService") => match (endpoint, o.identity_header.clone()) {
            (Some(endpoint), Some(h)) => Some(ManagedIdentitySource::AppService {
                endpoint,
                identity_header: Secret::new(h),
            }),
            _ => {
                return Err(invalid(
                    "source 'appService' needs endpoint (IDENTITY_ENDPOINT) and identityHeader (IDENTITY_HEADER)",
                ));
            }
        },
        Some(other) => {
            return Err(invalid(format!(
                "unknown source '{other}': expected 'imds', 'msiExtension' or 'appService'"
            )));
        }
    })
}

/// Tokens for a VM's or app's managed identity from the local token endpoint (IMDS, the legacy MSI VM
/// extension, or App Service), cached per resource and renewed 5 minutes before expiry.
#[napi]
pub struct ManagedIdentityCredential {
    inner: Arc<CoreCredential>,
}

#[napi]
impl ManagedIdentityCredential {
    /// `new ManagedIdentityCredential()` (system-assigned, source from the environment),
    /// `new ManagedIdentityCredential(clientId)` (as `@azure/identity` takes it), or with options.
    #[napi(constructor)]
    pub fn new(
        options: Option<Either<String, ManagedIdentityCredentialOptions>>,
    ) -> Result<ManagedIdentityCredential> {
        let o = match options {
            None => None,
            Some(Either::A(client_id)) => Some(ManagedIdentityCredentialOptions {
                source: None,
                endpoint: None,
                port: None,
                identity_header: None,
                client_id: Some(client_id),
                object_id: None,
                resource_id: None,
                ca_cert: None,
            }),
            Some(Either::B(o)) => Some(o),
        };
        let (src, selector, pem) = match o {
            None => (None, IdentitySelector::SystemAssigned, None),
            Some(o) => (
                source(&o)?,
                IdentitySelector::from_options(o.client_id, o.object_id, o.resource_id).napi()?,
                ca_pem(o.ca_cert)?,
            ),
        };
        let http = HttpClient::new(pem.as_deref()).napi()?;
        let inner = match src {
            Some(s) => CoreCredential::new(s, selector, http),
            None => CoreCredential::from_env(selector, http),
        }
        .napi()?;
        Ok(ManagedIdentityCredential {
            inner: Arc::new(inner),
        })
    }

    /// A token for one scope (`https://management.azure.com/.default`), as `@azure/core-auth` asks for it.
    #[napi]
    pub async fn get_token(
        &self,
        scopes: Either<String, Vec<String>>,
        options: Option<GetTokenOptions>,
    ) -> Result<AccessToken> {
        let c: SharedCredential = self.inner.clone();
        token(c, scopes, options).await
    }

    /// `imds`, `msiExtension` or `appService`.
    #[napi(getter, ts_return_type = "'imds' | 'msiExtension' | 'appService'")]
    pub fn source(&self) -> String {
        match self.inner.source() {
            ManagedIdentitySource::Imds { .. } => "imds",
            ManagedIdentitySource::MsiExtension { .. } => "msiExtension",
            ManagedIdentitySource::AppService { .. } => "appService",
        }
        .to_string()
    }

    /// How many token requests this credential has sent (retries included): shows the cache at work.
    #[napi(getter)]
    pub fn requests_sent(&self) -> f64 {
        self.inner.requests_sent() as f64
    }
}
