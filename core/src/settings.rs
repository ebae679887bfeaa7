//! Where to connect and with which credential, from explicit values or the environment, the same for every
//! surface (CLI flags, Python and Node options, the C ABI).

use crate::client::{ArmClient, ClientOptions, DEFAULT_ENDPOINT};
use crate::credential::{
    ClientSecretCredential, DEFAULT_AUTHORITY, Secret, SharedCredential, StaticTokenCredential,
};
use crate::error::{Error, Result};
use crate::http::{HttpClient, RetryOptions};
use crate::managed_identity::{IdentitySelector, ManagedIdentityCredential};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Environment variable names (azure-identity's where one exists).
pub mod env {
    pub const ENDPOINT: &str = "MSI_ARM_ENDPOINT";
    pub const SUBSCRIPTION: &str = "AZURE_SUBSCRIPTION_ID";
    pub const TENANT: &str = "AZURE_TENANT_ID";
    pub const CLIENT_ID: &str = "AZURE_CLIENT_ID";
    pub const CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
    pub const AUTHORITY: &str = "AZURE_AUTHORITY_HOST";
    pub const ACCESS_TOKEN: &str = "MSI_ACCESS_TOKEN";
    pub const CA_CERT: &str = crate::http::CA_CERT_ENV;
}

/// Connection settings. Empty fields are filled from the environment by [`Settings::with_env`].
#[derive(Clone, Default)]
pub struct Settings {
    pub endpoint: Option<String>,
    pub subscription_id: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    /// Entra ID host; default: the public one for the public ARM endpoint, else the ARM endpoint itself
    /// (the emulator serves both).
    pub authority: Option<String>,
    /// A bearer token to use as is.
    pub access_token: Option<Secret>,
    /// PEM text of an extra CA to trust.
    pub ca_cert_pem: Option<String>,
    /// Retries of transient failures; `None`: [`RetryOptions::default`].
    pub retry: Option<RetryOptions>,
    /// Longest wait for a long-running operation; `None`: 30 minutes.
    pub lro_timeout: Option<Duration>,
    /// How often an identity change is re-read and re-planned after another writer won (412); `None`: 40.
    pub max_conflict_retries: Option<u32>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("endpoint", &self.endpoint)
            .field("subscription_id", &self.subscription_id)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authority", &self.authority)
            .field("access_token", &self.access_token)
            .field("ca_cert_pem", &self.ca_cert_pem.as_ref().map(|_| "<pem>"))
            .field("retry", &self.retry)
            .field("lro_timeout", &self.lro_timeout)
            .field("max_conflict_retries", &self.max_conflict_retries)
            .finish()
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    /// Fill every unset field from its environment variable.
    pub fn with_env(mut self) -> Result<Settings> {
        self.endpoint = self.endpoint.or_else(|| var(env::ENDPOINT));
        self.subscription_id = self.subscription_id.or_else(|| var(env::SUBSCRIPTION));
        self.tenant_id = self.tenant_id.or_else(|| var(env::TENANT));
        self.client_id = self.client_id.or_else(|| var(env::CLIENT_ID));
        self.client_secret = self
            .client_secret
            .or_else(|| var(env::CLIENT_SECRET).map(Secret::new));
        self.authority = self.authority.or_else(|| var(env::AUTHORITY));
        self.access_token = self
            .access_token
            .or_else(|| var(env::ACCESS_TOKEN).map(Secret::new));
        if self.ca_cert_pem.is_none()
            && let Some(path) = var(env::CA_CERT)
        {
            self.ca_cert_pem = Some(std::fs::read_to_string(&path).map_err(|e| {
                Error::invalid_argument(format!("cannot read {}={path}: {e}", env::CA_CERT))
            })?);
        }
        Ok(self)
    }

    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT)
    }

    /// The Entra host these settings use: the one given, the public one for public ARM, else the ARM endpoint.
    pub fn authority_host(&self) -> String {
        self.authority()
    }

    fn authority(&self) -> String {
        match &self.authority {
            Some(a) => a.clone(),
            None if self.endpoint().trim_end_matches('/') == DEFAULT_ENDPOINT => {
                DEFAULT_AUTHORITY.to_string()
            }
            None => self.endpoint().trim_end_matches('/').to_string(),
        }
    }

    pub fn http_client(&self) -> Result<HttpClient> {
        HttpClient::new(self.ca_cert_pem.as_deref())
    }

    /// The credential these settings name: a static token, else a client secret.
    pub fn credential(&self, http: &HttpClient) -> Result<SharedCredential> {
        if let Some(t) = &self.access_token {
            return Ok(Arc::new(StaticTokenCredential::new(t.expose())));
        }
        match (&self.tenant_id, &self.client_id, &self.client_secret) {
            (Some(tenant), Some(client), Some(secret)) => Ok(Arc::new(
                ClientSecretCredential::new(
                    &self.authority(),
                    tenant,
                    client,
                    secret.clone(),
                    http.clone(),
                )?
                .with_retry(self.retry.clone().unwrap_or_default()),
            )),
            _ => Err(Error::invalid_argument(format!(
                "no credential: set an access token ({}) or a service principal (tenant, client id and client secret: {}, {}, {})",
                env::ACCESS_TOKEN,
                env::TENANT,
                env::CLIENT_ID,
                env::CLIENT_SECRET
            ))),
        }
    }

    /// The credential for a token request (`msi account get-access-token`): this machine's managed identity when
    /// asked for (`identity`), when a selector names one (`object_id`, `resource_id`), or when no credential is
    /// configured; then `client_id` selects a user-assigned identity (`az login --identity --client-id`, and
    /// azure-identity's use of `AZURE_CLIENT_ID`). Otherwise the configured credential, as for ARM.
    pub fn token_credential(
        &self,
        identity: bool,
        object_id: Option<String>,
        resource_id: Option<String>,
    ) -> Result<SharedCredential> {
        let http = self.http_client()?;
        let configured = self.access_token.is_some() || self.client_secret.is_some();
        if identity || object_id.is_some() || resource_id.is_some() || !configured {
            let selector =
                IdentitySelector::from_options(self.client_id.clone(), object_id, resource_id)?;
            return Ok(Arc::new(ManagedIdentityCredential::from_env(
                selector, http,
            )?));
        }
        self.credential(&http)
    }

    /// A token for `resource` (az's `--resource`; default: ARM) from [`Settings::token_credential`].
    pub async fn get_access_token(
        &self,
        resource: Option<&str>,
        identity: bool,
        object_id: Option<String>,
        resource_id: Option<String>,
    ) -> Result<crate::AccessToken> {
        let resource = resource.unwrap_or(crate::client::ARM_AUDIENCE);
        if resource.trim().is_empty() {
            return Err(Error::invalid_argument(
                "--resource must name a resource, e.g. https://management.azure.com/",
            ));
        }
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        let credential = self.token_credential(identity, object_id, resource_id)?;
        credential.get_token(&[scope.as_str()]).await
    }

    /// Client options for these settings (endpoint, subscription, an HTTP client trusting the CA), for callers
    /// that bring their own credential or adjust retries.
    pub fn client_options(&self) -> Result<ClientOptions> {
        let subscription = self.subscription_id.clone().ok_or_else(|| {
            Error::invalid_argument(format!(
                "no subscription: pass one or set {}",
                env::SUBSCRIPTION
            ))
        })?;
        let mut options = ClientOptions::new(self.endpoint(), subscription);
        options.http = Some(self.http_client()?);
        if let Some(r) = &self.retry {
            options.retry = r.clone();
        }
        if let Some(t) = self.lro_timeout {
            options.lro_timeout = t;
        }
        if let Some(n) = self.max_conflict_retries {
            options.max_conflict_retries = n;
        }
        Ok(options)
    }

    /// An ARM client for these settings with their credential.
    pub fn client(&self) -> Result<ArmClient> {
        let options = self.client_options()?;
        let http = options.http.clone().expect("client_options sets http");
        let credential = self.credential(&http)?;
        ArmClient::new(credential, options)
    }
}
