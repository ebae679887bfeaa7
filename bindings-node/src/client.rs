//! `MsiClient`: core's `ArmClient` (construction, resource groups). The identity operations are in the files
//! named after the core modules they wrap (`compute.rs`, `user_identity.rs`, `roles.rs`).

use crate::abort::{OperationOptions, abortable};
use crate::credential;
use crate::error::IntoNapi;
use crate::settings::{ClientSettings, RetrySettings};
use msi_identity::{ArmClient, ClientOptions, Settings};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

/// Where a client with its own credential connects.
#[napi(object)]
pub struct MsiClientOptions {
    /// ARM endpoint; default `https://management.azure.com`.
    pub endpoint: Option<String>,
    pub subscription_id: String,
    /// An extra CA to trust: PEM text or a path (default: `MSI_CA_CERT`, as core does).
    pub ca_cert: Option<String>,
    /// Token audience (the scope asked for is `{audience}/.default`); default `https://management.azure.com`.
    pub audience: Option<String>,
    /// Retries of transient failures.
    pub retry: Option<RetrySettings>,
    /// Longest wait for a long-running operation, in milliseconds (default 30 minutes).
    pub lro_timeout_ms: Option<u32>,
    /// How often an identity change is re-read and re-planned after another writer won (412).
    pub max_conflict_retries: Option<u32>,
}

/// Client for the managed-identity operations on VMs, scale sets, user-assigned identities, extensions, role
/// assignments and resource groups. Every method returns a Promise. Cheap to share: one client serves any
/// number of concurrent calls over one connection pool.
#[napi]
pub struct MsiClient {
    pub(crate) inner: ArmClient,
}

impl MsiClient {
    pub(crate) fn from_core(inner: ArmClient) -> MsiClient {
        MsiClient { inner }
    }
}

fn options_to_core(options: MsiClientOptions) -> Result<ClientOptions> {
    let mut settings = ClientSettings {
        endpoint: options.endpoint,
        subscription_id: Some(options.subscription_id),
        ca_cert: options.ca_cert,
        retry: options.retry,
        lro_timeout_ms: options.lro_timeout_ms,
        max_conflict_retries: options.max_conflict_retries,
        ..Default::default()
    }
    .into_core()?;
    // The CA given, else the one `MSI_CA_CERT` names, read by core; nothing else comes from the environment.
    if settings.ca_cert_pem.is_none() {
        settings.ca_cert_pem = Settings::default().with_env().napi()?.ca_cert_pem;
    }
    let mut o = settings.client_options().napi()?;
    if let Some(a) = options.audience {
        o.audience = a;
    }
    Ok(o)
}

#[napi]
impl MsiClient {
    /// A client with any `@azure/core-auth` `TokenCredential` (an `@azure/identity` credential, this package's
    /// `ManagedIdentityCredential`, or any object whose `getToken(scopes)` resolves to
    /// `{ token, expiresOnTimestamp }`).
    #[napi(
        constructor,
        ts_args_type = "credential: TokenCredential, options: MsiClientOptions"
    )]
    pub fn new(env: Env, credential: Unknown, options: MsiClientOptions) -> Result<MsiClient> {
        let cred = credential::shared(&env, credential)?;
        let inner = ArmClient::new(cred, options_to_core(options)?).napi()?;
        Ok(MsiClient { inner })
    }

    /// A client from explicit settings only (a service principal or an access token); nothing is read from the
    /// environment.
    #[napi(factory, writable = true, configurable = true)]
    pub fn from_settings(settings: ClientSettings) -> Result<MsiClient> {
        let inner = settings.into_core()?.client().napi()?;
        Ok(MsiClient { inner })
    }

    /// A client from the environment, exactly as core's `Settings::with_env` reads it (`MSI_ARM_ENDPOINT`,
    /// `AZURE_SUBSCRIPTION_ID`, `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`,
    /// `AZURE_AUTHORITY_HOST`, `MSI_ACCESS_TOKEN`, `MSI_CA_CERT`); fields given in `settings` win. With a
    /// `credential`, only the endpoint, subscription and CA come from there.
    #[napi(
        factory,
        writable = true,
        configurable = true,
        ts_args_type = "settings?: ClientSettings | undefined | null, credential?: TokenCredential | undefined | null"
    )]
    pub fn from_env(
        env: Env,
        settings: Option<ClientSettings>,
        credential: Option<Unknown>,
    ) -> Result<MsiClient> {
        let s = settings.unwrap_or_default().into_core_with_env()?;
        let inner = match credential {
            None => s.client().napi()?,
            Some(c) => {
                ArmClient::new(credential::shared(&env, c)?, s.client_options().napi()?).napi()?
            }
        };
        Ok(MsiClient { inner })
    }

    /// The default subscription of every call.
    #[napi(getter)]
    pub fn subscription_id(&self) -> String {
        self.inner.subscription_id().to_string()
    }

    /// The ARM endpoint, without a trailing slash.
    #[napi(getter)]
    pub fn endpoint(&self) -> String {
        self.inner.endpoint().to_string()
    }

    /// Create or update a resource group (`az group create`).
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn create_resource_group(
        &self,
        name: String,
        location: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            let c = self.inner.clone();
            c.create_resource_group(&name, &location).await.napi()
        })
        .await
    }

    /// Read a resource group.
    #[napi(ts_return_type = "Promise<Record<string, any>>")]
    pub async fn get_resource_group(
        &self,
        name: String,
        options: Option<OperationOptions>,
    ) -> Result<Value> {
        let signal = OperationOptions::signal(options);
        abortable(signal, async move {
            let c = self.inner.clone();
            c.get_resource_group(&name).await.napi()
        })
        .await
    }
}
