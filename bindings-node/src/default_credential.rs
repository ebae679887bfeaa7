//! `DefaultAzureCredential`: core's `default_credential` module (the chain: environment service principal,
//! workload identity, managed identity, Azure CLI). Like `ManagedIdentityCredential` it has the
//! `@azure/core-auth` `TokenCredential` shape, so it serves `MsiClient` and any `@azure/*` client.

use crate::credential::{AccessToken, GetTokenOptions, token};
use crate::error::IntoNapi;
use crate::settings::ca_pem;
use msi_identity::{
    DefaultAzureCredential as CoreCredential, DefaultCredentialOptions, HttpClient, Settings,
    SharedCredential,
};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::sync::Arc;
use std::time::Duration;

/// What the chain is built from; unset fields come from azure-identity's environment variables, as core reads
/// them (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST`,
/// `AZURE_FEDERATED_TOKEN_FILE`, and the managed-identity ones).
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct DefaultAzureCredentialOptions {
    /// The tenant of the service principal or workload (`AZURE_TENANT_ID`).
    pub tenant_id: Option<String>,
    /// The user-assigned managed identity (and service principal / workload) client ID (`AZURE_CLIENT_ID`).
    pub managed_identity_client_id: Option<String>,
    /// The Entra ID host (`AZURE_AUTHORITY_HOST`); default: the public one.
    pub authority_host: Option<String>,
    /// An extra CA to trust: PEM text or a path (default: `MSI_CA_CERT`).
    pub ca_cert: Option<String>,
    /// How long `az account get-access-token` may take, in milliseconds.
    pub process_timeout_in_ms: Option<u32>,
    pub exclude_environment_credential: Option<bool>,
    pub exclude_workload_identity_credential: Option<bool>,
    pub exclude_managed_identity_credential: Option<bool>,
    pub exclude_azure_cli_credential: Option<bool>,
}

/// Tokens from the first source of the chain that has one, in azure-identity's order: environment (service
/// principal with a secret), workload identity, managed identity, Azure CLI. The source that gave a token is
/// kept (`chosen`).
#[napi]
pub struct DefaultAzureCredential {
    inner: Arc<CoreCredential>,
}

#[napi]
impl DefaultAzureCredential {
    #[napi(constructor)]
    pub fn new(options: Option<DefaultAzureCredentialOptions>) -> Result<DefaultAzureCredential> {
        let o = options.unwrap_or_default();
        let mut core = DefaultCredentialOptions::from_env();
        if let Some(t) = o.tenant_id {
            core.tenant_id = Some(t);
        }
        if let Some(c) = o.managed_identity_client_id {
            core.client_id = Some(c);
        }
        if let Some(a) = o.authority_host {
            core.authority = Some(a);
        }
        if let Some(ms) = o.process_timeout_in_ms {
            core.azure_cli_timeout = Duration::from_millis(ms.into());
        }
        core.exclude_environment = o.exclude_environment_credential.unwrap_or_default();
        core.exclude_workload_identity = o.exclude_workload_identity_credential.unwrap_or_default();
        core.exclude_managed_identity = o.exclude_managed_identity_credential.unwrap_or_default();
        core.exclude_azure_cli = o.exclude_azure_cli_credential.unwrap_or_default();
        // The CA given, else the one `MSI_CA_CERT` names (read by core).
        let pem = match ca_pem(o.ca_cert)? {
            Some(p) => Some(p),
            None => Settings::default().with_env().napi()?.ca_cert_pem,
        };
        let http = HttpClient::new(pem.as_deref()).napi()?;
        Ok(DefaultAzureCredential {
            inner: Arc::new(CoreCredential::new(core, http)),
        })
    }

    /// A token for the scopes, from the first source that has one.
    #[napi]
    pub async fn get_token(
        &self,
        scopes: Either<String, Vec<String>>,
        options: Option<GetTokenOptions>,
    ) -> Result<AccessToken> {
        let c: SharedCredential = self.inner.clone();
        token(c, scopes, options).await
    }

    /// The source that gave the last token (`EnvironmentCredential`, `WorkloadIdentityCredential`,
    /// `ManagedIdentityCredential`, `AzureCliCredential`), once one has.
    #[napi(getter)]
    pub fn chosen(&self) -> Option<String> {
        self.inner.chosen().map(str::to_string)
    }
}
