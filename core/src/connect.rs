//! Connecting as the `msi` CLI does (and a binding may): a static token as given; otherwise the
//! [`DefaultAzureCredential`] chain, whose first link is the service principal these settings name, with its
//! tokens kept in the on-disk [`TokenCache`]; az's `--subscription` by name or ID; az's `--no-wait`.

use crate::client::ArmClient;
use crate::credential::{SharedCredential, StaticTokenCredential};
use crate::default_credential::{DefaultAzureCredential, DefaultCredentialOptions};
use crate::error::{Error, Result};
use crate::http::HttpClient;
use crate::settings::{Settings, env};
use crate::token_cache::TokenCache;
use crate::workload_identity::FEDERATED_TOKEN_FILE_ENV;
use std::path::PathBuf;
use std::sync::Arc;

/// How to connect beyond the [`Settings`] themselves.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// Keep Entra tokens on disk across processes (see [`TokenCache::default_location`]).
    pub token_cache: Option<TokenCache>,
    /// Return from long-running writes once they are accepted.
    pub no_wait: bool,
    /// Adjust the chain (probe timeout, exclusions); its credentials come from the settings.
    pub chain: Option<DefaultCredentialOptions>,
}

impl Settings {
    /// The chain's options for these settings: their tenant, client, secret and authority, and
    /// `AZURE_FEDERATED_TOKEN_FILE`.
    pub fn default_credential_options(&self) -> DefaultCredentialOptions {
        DefaultCredentialOptions {
            authority: Some(self.authority_host()),
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            federated_token_file: std::env::var_os(FEDERATED_TOKEN_FILE_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            retry: self.retry.clone(),
            ..DefaultCredentialOptions::default()
        }
    }

    /// A static token as given (never cached); otherwise the default chain over these settings.
    pub fn chain_credential(
        &self,
        http: &HttpClient,
        options: &ConnectOptions,
    ) -> Result<SharedCredential> {
        if let Some(t) = &self.access_token {
            return Ok(Arc::new(StaticTokenCredential::new(t.expose())));
        }
        let base = self.default_credential_options();
        let mut o = match &options.chain {
            Some(c) => DefaultCredentialOptions {
                authority: base.authority,
                tenant_id: base.tenant_id,
                client_id: base.client_id,
                client_secret: base.client_secret,
                federated_token_file: c.federated_token_file.clone().or(base.federated_token_file),
                retry: base.retry,
                ..c.clone()
            },
            None => base,
        };
        o.token_cache = options.token_cache.clone();
        Ok(Arc::new(DefaultAzureCredential::new(o, http.clone())))
    }

    /// An ARM client: the credential of [`Settings::chain_credential`], the subscription resolved by name or ID
    /// (a name costs one `GET /subscriptions`), and `no_wait`.
    pub async fn connect(&self, options: &ConnectOptions) -> Result<ArmClient> {
        let given = self.subscription_id.clone().ok_or_else(|| {
            Error::invalid_argument(format!(
                "no subscription: pass --subscription NAME_OR_ID or set {}",
                env::SUBSCRIPTION
            ))
        })?;
        let by_id = crate::subscriptions::looks_like_subscription_id(&given);
        let mut settings = self.clone();
        if !by_id {
            // A placeholder until the name is resolved: only `GET /subscriptions` is sent with it.
            settings.subscription_id = Some(uuid::Uuid::nil().to_string());
        }
        let mut client_options = settings.client_options()?;
        client_options.no_wait = options.no_wait;
        let http = client_options
            .http
            .clone()
            .expect("client_options sets http");
        let credential = self.chain_credential(&http, options)?;
        let client = ArmClient::new(credential, client_options)?;
        if by_id {
            return Ok(client);
        }
        let id = client.resolve_subscription(&given).await?;
        client.with_subscription(&id)
    }
}
