//! `DefaultAzureCredential`: the chain of credentials the Azure SDKs try when they are given none, in
//! azure-identity's order, reduced to the sources that make sense for this library:
//!
//! 1. Environment: a service principal with a client secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
//!    `AZURE_CLIENT_SECRET`, `AZURE_AUTHORITY_HOST`).
//! 2. Workload identity federation (`AZURE_FEDERATED_TOKEN_FILE` with `AZURE_CLIENT_ID` and `AZURE_TENANT_ID`).
//! 3. Managed identity ([`ManagedIdentityCredential`], selected by `AZURE_CLIENT_ID` when set). On IMDS a short
//!    probe comes first, as azure-identity sends one (a request without the `Metadata` header and a ~1 s
//!    timeout): any answer means IMDS is there; none means a laptop, and the chain moves on at once.
//! 4. The Azure CLI ([`AzureCliCredential`]).
//!
//! A source that is not configured or not there (`CredentialUnavailable`) moves the chain on; any other failure
//! of the first three (a wrong secret, say) stops it with that error, as in azure-identity. When no source
//! gives a token, the error lists every source's reason. The source that gave a token is used from then on.
//! Tokens of the first two are kept in the on-disk [`TokenCache`] when one is given.

use crate::azure_cli::AzureCliCredential;
use crate::credential::{
    AccessToken, BoxFuture, ClientSecretCredential, DEFAULT_AUTHORITY, Secret, SharedCredential,
    TokenCredential, TokenRequestOptions,
};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpClient, RetryOptions};
use crate::managed_identity::{
    IMDS_API_VERSION, IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource,
};
use crate::settings::env;
use crate::token_cache::{CachedCredential, TokenCache};
use crate::workload_identity::{FEDERATED_TOKEN_FILE_ENV, WorkloadIdentityCredential};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// How long the IMDS probe waits for any answer.
pub const DEFAULT_IMDS_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the chain is built from. [`DefaultCredentialOptions::from_env`] reads azure-identity's variables.
#[derive(Clone)]
pub struct DefaultCredentialOptions {
    /// Entra host; default: the public one.
    pub authority: Option<String>,
    pub tenant_id: Option<String>,
    /// The service principal's or workload's client ID, and the user-assigned managed identity to use.
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub federated_token_file: Option<PathBuf>,
    /// Where managed-identity tokens come from; `None`: chosen from the environment.
    pub managed_identity_source: Option<ManagedIdentitySource>,
    pub imds_probe_timeout: Duration,
    pub azure_cli_timeout: Duration,
    /// Retries of the Entra token requests; `None`: the default.
    pub retry: Option<RetryOptions>,
    /// Keep the service-principal and workload tokens on disk.
    pub token_cache: Option<TokenCache>,
    pub exclude_environment: bool,
    pub exclude_workload_identity: bool,
    pub exclude_managed_identity: bool,
    pub exclude_azure_cli: bool,
}

impl Default for DefaultCredentialOptions {
    fn default() -> Self {
        DefaultCredentialOptions {
            authority: None,
            tenant_id: None,
            client_id: None,
            client_secret: None,
            federated_token_file: None,
            managed_identity_source: None,
            imds_probe_timeout: DEFAULT_IMDS_PROBE_TIMEOUT,
            azure_cli_timeout: crate::azure_cli::DEFAULT_PROCESS_TIMEOUT,
            retry: None,
            token_cache: None,
            exclude_environment: false,
            exclude_workload_identity: false,
            exclude_managed_identity: false,
            exclude_azure_cli: false,
        }
    }
}

impl fmt::Debug for DefaultCredentialOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultCredentialOptions")
            .field("authority", &self.authority)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("federated_token_file", &self.federated_token_file)
            .field("managed_identity_source", &self.managed_identity_source)
            .finish_non_exhaustive()
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl DefaultCredentialOptions {
    /// azure-identity's variables: `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`,
    /// `AZURE_AUTHORITY_HOST`, `AZURE_FEDERATED_TOKEN_FILE` (and the managed-identity ones).
    pub fn from_env() -> DefaultCredentialOptions {
        DefaultCredentialOptions {
            authority: var(env::AUTHORITY),
            tenant_id: var(env::TENANT),
            client_id: var(env::CLIENT_ID),
            client_secret: var(env::CLIENT_SECRET).map(Secret::new),
            federated_token_file: var(FEDERATED_TOKEN_FILE_ENV).map(PathBuf::from),
            ..DefaultCredentialOptions::default()
        }
    }

    fn authority(&self) -> String {
        self.authority
            .clone()
            .unwrap_or_else(|| DEFAULT_AUTHORITY.to_string())
    }

    fn cached(&self, c: SharedCredential, tenant: &str, client: &str) -> SharedCredential {
        match &self.token_cache {
            Some(cache) => Arc::new(CachedCredential::new(
                c,
                cache.clone(),
                &self.authority(),
                tenant,
                client,
            )),
            None => c,
        }
    }
}

/// Why a link has no credential.
enum Missing {
    /// Not configured (or not there): the chain moves on.
    NotConfigured(String),
    /// Configured, but wrongly (a plain-HTTP authority, say): the chain stops with this error, as a wrong
    /// secret stops it, rather than fall through to another identity.
    Invalid(ErrorKind, String),
}

fn invalid(e: Error) -> Missing {
    Missing::Invalid(e.kind(), e.message().to_string())
}

/// One link of the chain: a credential, or why there is none.
struct Source {
    name: &'static str,
    credential: std::result::Result<SharedCredential, Missing>,
    /// IMDS's base URL, to probe before the first token request.
    probe: Option<String>,
    /// Whether any failure (not only an unavailable one) moves the chain on.
    any_failure_moves_on: bool,
}

/// The chain. Cheap to share (`Arc`); the probe runs once.
pub struct DefaultAzureCredential {
    sources: Vec<Source>,
    http: HttpClient,
    probe_timeout: Duration,
    probed: OnceCell<Option<String>>,
    chosen: std::sync::Mutex<Option<usize>>,
}

impl fmt::Debug for DefaultAzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.sources.iter().map(|s| s.name).collect();
        f.debug_struct("DefaultAzureCredential")
            .field("sources", &names)
            .finish_non_exhaustive()
    }
}

fn missing(names: &[(&str, bool)]) -> Option<String> {
    let absent: Vec<&str> = names
        .iter()
        .filter(|(_, set)| !set)
        .map(|(n, _)| *n)
        .collect();
    (!absent.is_empty()).then(|| format!("{} not set", absent.join(", ")))
}

impl DefaultAzureCredential {
    pub fn new(options: DefaultCredentialOptions, http: HttpClient) -> DefaultAzureCredential {
        let o = &options;
        let retry = o.retry.clone().unwrap_or_default();
        let mut sources = Vec::new();
        if !o.exclude_environment {
            let credential = match missing(&[
                (env::TENANT, o.tenant_id.is_some()),
                (env::CLIENT_ID, o.client_id.is_some()),
                (env::CLIENT_SECRET, o.client_secret.is_some()),
            ]) {
                Some(why) => Err(Missing::NotConfigured(format!(
                    "environment variables are not fully configured ({why})"
                ))),
                None => {
                    let (t, c) = (
                        o.tenant_id.as_deref().unwrap_or(""),
                        o.client_id.as_deref().unwrap_or(""),
                    );
                    ClientSecretCredential::new(
                        &o.authority(),
                        t,
                        c,
                        o.client_secret.clone().unwrap_or_else(|| Secret::new("")),
                        http.clone(),
                    )
                    .map(|cred| o.cached(Arc::new(cred.with_retry(retry.clone())), t, c))
                    .map_err(invalid)
                }
            };
            sources.push(Source {
                name: "EnvironmentCredential",
                credential,
                probe: None,
                any_failure_moves_on: false,
            });
        }
        if !o.exclude_workload_identity {
            let credential = match missing(&[
                (FEDERATED_TOKEN_FILE_ENV, o.federated_token_file.is_some()),
                (env::CLIENT_ID, o.client_id.is_some()),
                (env::TENANT, o.tenant_id.is_some()),
            ]) {
                Some(why) => Err(Missing::NotConfigured(format!(
                    "workload identity is not configured ({why})"
                ))),
                None => {
                    let (t, c) = (
                        o.tenant_id.as_deref().unwrap_or(""),
                        o.client_id.as_deref().unwrap_or(""),
                    );
                    let file = o.federated_token_file.clone().unwrap_or_default();
                    WorkloadIdentityCredential::new(&o.authority(), t, c, file, http.clone())
                        .map(|cred| o.cached(Arc::new(cred.with_retry(retry.clone())), t, c))
                        .map_err(invalid)
                }
            };
            sources.push(Source {
                name: "WorkloadIdentityCredential",
                credential,
                probe: None,
                any_failure_moves_on: false,
            });
        }
        if !o.exclude_managed_identity {
            let source = o
                .managed_identity_source
                .clone()
                .unwrap_or_else(ManagedIdentitySource::from_env);
            let probe = match &source {
                ManagedIdentitySource::Imds { base_url } => Some(base_url.clone()),
                _ => None,
            };
            let selector = o
                .client_id
                .clone()
                .map(IdentitySelector::ClientId)
                .unwrap_or_default();
            let credential = ManagedIdentityCredential::new(source, selector, http.clone())
                .map(|c| Arc::new(c) as SharedCredential)
                .map_err(invalid);
            sources.push(Source {
                name: "ManagedIdentityCredential",
                credential,
                probe,
                any_failure_moves_on: false,
            });
        }
        if !o.exclude_azure_cli {
            let cli =
                AzureCliCredential::new(o.tenant_id.clone()).with_timeout(o.azure_cli_timeout);
            sources.push(Source {
                name: "AzureCliCredential",
                credential: Ok(Arc::new(cli)),
                probe: None,
                any_failure_moves_on: true,
            });
        }
        DefaultAzureCredential {
            sources,
            http,
            probe_timeout: o.imds_probe_timeout,
            probed: OnceCell::new(),
            chosen: std::sync::Mutex::new(None),
        }
    }

    /// From azure-identity's environment variables.
    pub fn from_env(http: HttpClient) -> DefaultAzureCredential {
        DefaultAzureCredential::new(DefaultCredentialOptions::from_env(), http)
    }

    /// The source that gave the last token (`EnvironmentCredential`, ...), once one has.
    pub fn chosen(&self) -> Option<&'static str> {
        let i = (*self.chosen.lock().unwrap_or_else(|p| p.into_inner()))?;
        Some(self.sources[i].name)
    }

    /// `None` when IMDS answered anything at `base`; else why it is taken to be absent.
    async fn probe(&self, base: &str) -> Option<String> {
        self.probed
            .get_or_init(|| async {
                let url = format!("{}/metadata/identity/oauth2/token", base.trim_end_matches('/'));
                tracing::info!(
                    target: "msi_identity::credential",
                    "probing IMDS at {base} (timeout {} ms)",
                    self.probe_timeout.as_millis()
                );
                let sent = self
                    .http
                    .inner()
                    .get(&url)
                    .query(&[("api-version", IMDS_API_VERSION), ("resource", crate::client::ARM_AUDIENCE)])
                    .timeout(self.probe_timeout)
                    .send()
                    .await;
                match sent {
                    Ok(r) => {
                        tracing::info!(target: "msi_identity::credential", "IMDS answered the probe: {}", r.status());
                        None
                    }
                    Err(e) => Some(format!(
                        "no managed identity endpoint answered at {base} within {} ms ({})",
                        self.probe_timeout.as_millis(),
                        if e.is_timeout() { "timed out" } else { "connection failed" }
                    )),
                }
            })
            .await
            .clone()
    }

    async fn token(&self, scopes: &[&str], options: &TokenRequestOptions) -> Result<AccessToken> {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(Ok(c)) = chosen.map(|i| &self.sources[i].credential) {
            return c.get_token_with(scopes, options).await;
        }
        let mut reasons = Vec::new();
        for (i, s) in self.sources.iter().enumerate() {
            let c = match &s.credential {
                Ok(c) => c,
                Err(Missing::Invalid(kind, message)) => {
                    return Err(Error::new(*kind, format!("{}: {message}", s.name)));
                }
                Err(Missing::NotConfigured(why)) => {
                    tracing::info!(target: "msi_identity::credential", "{}: unavailable: {why}", s.name);
                    reasons.push(format!("{}: {why}", s.name));
                    continue;
                }
            };
            if let Some(base) = &s.probe
                && let Some(why) = self.probe(base).await
            {
                tracing::info!(target: "msi_identity::credential", "{}: unavailable: {why}", s.name);
                reasons.push(format!("{}: {why}", s.name));
                continue;
            }
            match c.get_token_with(scopes, options).await {
                Ok(t) => {
                    tracing::info!(target: "msi_identity::credential", "{} gave the token", s.name);
                    *self.chosen.lock().unwrap_or_else(|p| p.into_inner()) = Some(i);
                    return Ok(t);
                }
                Err(e)
                    if s.any_failure_moves_on || e.kind() == ErrorKind::CredentialUnavailable =>
                {
                    tracing::info!(target: "msi_identity::credential", "{}: unavailable: {e}", s.name);
                    reasons.push(format!("{}: {}", s.name, e.message()));
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::new(
            ErrorKind::CredentialUnavailable,
            format!(
                "DefaultAzureCredential found no credential; give one (--access-token, or a service principal: {}, {}, {}) or log in with `az login`. Tried: {}",
                env::TENANT,
                env::CLIENT_ID,
                env::CLIENT_SECRET,
                reasons.join("; ")
            ),
        )
        .with_code("CredentialUnavailable"))
    }
}

impl TokenCredential for DefaultAzureCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move { self.token(scopes, &TokenRequestOptions::default()).await })
    }

    /// The options go to the source that gives the token (which honours or refuses them).
    fn get_token_with<'a>(
        &'a self,
        scopes: &'a [&'a str],
        options: &'a TokenRequestOptions,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.token(scopes, options))
    }

    fn invalidate(&self, scopes: &[&str]) -> bool {
        let chosen = *self.chosen.lock().unwrap_or_else(|p| p.into_inner());
        match chosen.map(|i| &self.sources[i].credential) {
            Some(Ok(c)) => c.invalidate(scopes),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_cli_off() -> DefaultCredentialOptions {
        DefaultCredentialOptions {
            managed_identity_source: Some(ManagedIdentitySource::imds_at(Some(
                "http://127.0.0.1:9".into(),
            ))),
            exclude_azure_cli: true,
            ..DefaultCredentialOptions::default()
        }
    }

    #[tokio::test]
    async fn nothing_configured_lists_every_reason() {
        let c = DefaultAzureCredential::new(only_cli_off(), HttpClient::new(None).unwrap());
        let e = c
            .get_token(&["https://management.azure.com/.default"])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::CredentialUnavailable);
        for needle in [
            "EnvironmentCredential: environment variables are not fully configured (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET not set)",
            "WorkloadIdentityCredential: workload identity is not configured",
            "ManagedIdentityCredential: no managed identity endpoint answered at http://127.0.0.1:9",
        ] {
            assert!(e.message().contains(needle), "{needle}: {}", e.message());
        }
        assert!(c.chosen().is_none());
    }

    #[tokio::test]
    async fn a_wrongly_configured_source_stops_the_chain() {
        let o = DefaultCredentialOptions {
            authority: Some("http://127.0.0.1:9".into()),
            tenant_id: Some("t".into()),
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            ..only_cli_off()
        };
        let c = DefaultAzureCredential::new(o, HttpClient::new(None).unwrap());
        let e = c
            .get_token(&["https://management.azure.com/.default"])
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(
            e.message()
                .starts_with("EnvironmentCredential: invalid authority"),
            "{e}"
        );
    }

    #[test]
    fn a_partial_service_principal_names_what_is_missing_and_hides_the_secret() {
        let o = DefaultCredentialOptions {
            tenant_id: Some("t".into()),
            client_secret: Some(Secret::new("hunter2")),
            ..only_cli_off()
        };
        assert!(!format!("{o:?}").contains("hunter2"));
        let c = DefaultAzureCredential::new(o, HttpClient::new(None).unwrap());
        match &c.sources[0].credential {
            Err(Missing::NotConfigured(why)) => {
                assert!(why.contains("(AZURE_CLIENT_ID not set)"), "{why}")
            }
            _ => panic!("configured without a client id"),
        }
    }
}
