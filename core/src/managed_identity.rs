//! `ManagedIdentityCredential`: tokens for a VM's or app's managed identity from the local token endpoint
//! (IMDS, the legacy MSI VM extension, or the App Service endpoint), chosen from the environment the way
//! azure-identity does or given explicitly.
//!
//! Tokens are cached per resource and renewed 5 minutes before they expire; concurrent first callers for one
//! resource share one request. Retries follow the IMDS guidance (see [`ImdsRetry`]).

use crate::credential::{
    AccessToken, BoxFuture, REFRESH_MARGIN_SECS, Secret, TokenCredential, now_secs,
};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpClient, error_from_response, header, transport_error};
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// The IMDS address on every Azure VM.
pub const IMDS_DEFAULT_BASE: &str = "http://169.254.169.254";
/// api-version sent to IMDS (the first with the identity category).
pub const IMDS_API_VERSION: &str = "2018-02-01";
/// api-version sent to the App Service endpoint.
pub const APP_SERVICE_API_VERSION: &str = "2019-08-01";

/// Environment variables read to choose the source (azure-identity's names).
pub mod env {
    pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
    pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
    pub const IMDS_AUTHORITY_HOST: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";
}

/// Where tokens come from.
#[derive(Clone, PartialEq, Eq)]
pub enum ManagedIdentitySource {
    /// Azure Instance Metadata Service: `{base}/metadata/identity/oauth2/token`.
    Imds { base_url: String },
    /// The legacy MSI VM extension: `{base}/oauth2/token` (`http://localhost:50342` by default).
    MsiExtension { base_url: String },
    /// App Service / Functions / Container Apps: `IDENTITY_ENDPOINT` with the `X-IDENTITY-HEADER` secret.
    AppService {
        endpoint: String,
        identity_header: Secret,
    },
}

impl fmt::Debug for ManagedIdentitySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManagedIdentitySource::Imds { base_url } => write!(f, "Imds({base_url})"),
            ManagedIdentitySource::MsiExtension { base_url } => {
                write!(f, "MsiExtension({base_url})")
            }
            ManagedIdentitySource::AppService { endpoint, .. } => {
                write!(f, "AppService({endpoint})")
            }
        }
    }
}

impl ManagedIdentitySource {
    /// Choose as azure-identity does: `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` is App Service; otherwise IMDS, at
    /// `AZURE_POD_IDENTITY_AUTHORITY_HOST` when set.
    pub fn from_env() -> ManagedIdentitySource {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        match (var(env::IDENTITY_ENDPOINT), var(env::IDENTITY_HEADER)) {
            (Some(endpoint), Some(h)) => ManagedIdentitySource::AppService {
                endpoint,
                identity_header: Secret::new(h),
            },
            _ => ManagedIdentitySource::Imds {
                base_url: var(env::IMDS_AUTHORITY_HOST)
                    .unwrap_or_else(|| IMDS_DEFAULT_BASE.to_string()),
            },
        }
    }

    /// The legacy extension on `localhost:{port}`.
    pub fn msi_extension(port: u16) -> ManagedIdentitySource {
        ManagedIdentitySource::MsiExtension {
            base_url: format!("http://localhost:{port}"),
        }
    }

    /// IMDS at `base_url`, or at [`IMDS_DEFAULT_BASE`] (every Azure VM's address) when none is given.
    pub fn imds_at(base_url: Option<String>) -> ManagedIdentitySource {
        ManagedIdentitySource::Imds {
            base_url: base_url.unwrap_or_else(|| IMDS_DEFAULT_BASE.to_string()),
        }
    }

    /// The legacy extension at `base_url`, or on localhost at its default port when none is given.
    pub fn msi_extension_at(base_url: Option<String>) -> ManagedIdentitySource {
        match base_url {
            Some(base_url) => ManagedIdentitySource::MsiExtension { base_url },
            None => {
                ManagedIdentitySource::msi_extension(crate::extension::MSI_EXTENSION_DEFAULT_PORT)
            }
        }
    }

    fn name(&self) -> &'static str {
        match self {
            ManagedIdentitySource::Imds { .. } => "IMDS",
            ManagedIdentitySource::MsiExtension { .. } => "the MSI VM extension",
            ManagedIdentitySource::AppService { .. } => "the App Service identity endpoint",
        }
    }
}

/// Which identity of the resource: the system-assigned one, or a user-assigned one by one of its ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IdentitySelector {
    #[default]
    SystemAssigned,
    ClientId(String),
    ObjectId(String),
    ResourceId(String),
}

impl IdentitySelector {
    /// At most one of the three may be given.
    pub fn from_options(
        client_id: Option<String>,
        object_id: Option<String>,
        resource_id: Option<String>,
    ) -> Result<IdentitySelector> {
        match (client_id, object_id, resource_id) {
            (None, None, None) => Ok(IdentitySelector::SystemAssigned),
            (Some(c), None, None) => Ok(IdentitySelector::ClientId(c)),
            (None, Some(o), None) => Ok(IdentitySelector::ObjectId(o)),
            (None, None, Some(r)) => {
                crate::ids::ResourceId::parse(&r)?;
                Ok(IdentitySelector::ResourceId(r))
            }
            _ => Err(Error::invalid_argument(
                "give at most one of client id, object id and resource id to select a user-assigned identity",
            )),
        }
    }

    /// The query parameter for `source`.
    fn param(&self, source: &ManagedIdentitySource) -> Option<(&'static str, &str)> {
        let app = matches!(source, ManagedIdentitySource::AppService { .. });
        match self {
            IdentitySelector::SystemAssigned => None,
            IdentitySelector::ClientId(c) => Some(("client_id", c)),
            IdentitySelector::ObjectId(o) if app => Some(("principal_id", o)),
            IdentitySelector::ObjectId(o) => Some(("object_id", o)),
            IdentitySelector::ResourceId(r) if app => Some(("mi_res_id", r)),
            IdentitySelector::ResourceId(r) => Some(("msi_res_id", r)),
        }
    }
}

/// Retry policy for managed-identity token endpoints, as the IMDS guidance gives it ("Error handling" of
/// how-to-use-vm-token; MSAL's imds_retry_based_on_errors): retry 404 (IMDS updating, or an identity assigned
/// moments ago), 408, 429 and 5xx with exponential backoff; 410 means IMDS is being updated and answers within
/// 70 s, so it is retried for up to `gone_window`; every other 4xx is a design-time error and never retried.
#[derive(Debug, Clone)]
pub struct ImdsRetry {
    pub max_retries: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    pub gone_delay: Duration,
    pub gone_window: Duration,
}

impl Default for ImdsRetry {
    fn default() -> Self {
        ImdsRetry {
            max_retries: 5,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
            gone_delay: Duration::from_secs(10),
            gone_window: Duration::from_secs(70),
        }
    }
}

impl ImdsRetry {
    fn retryable(status: u16) -> bool {
        matches!(status, 404 | 408 | 410 | 429) || (500..600).contains(&status)
    }
}

type Slot = Arc<Mutex<Option<AccessToken>>>;

/// A managed identity's tokens.
pub struct ManagedIdentityCredential {
    source: ManagedIdentitySource,
    selector: IdentitySelector,
    http: HttpClient,
    retry: ImdsRetry,
    /// Fast path: valid tokens by resource, read without waiting.
    cached: RwLock<HashMap<String, AccessToken>>,
    /// Slow path: one lock per resource so concurrent first callers share one request.
    slots: std::sync::Mutex<HashMap<String, Slot>>,
    requests: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManagedIdentityCredential")
            .field("source", &self.source)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

/// Scope -> resource: exactly one scope, `/.default` stripped (as azure-identity does).
pub fn scope_to_resource(scopes: &[&str]) -> Result<String> {
    match scopes {
        [s] => {
            let r = s.strip_suffix("/.default").unwrap_or(s);
            if r.is_empty() {
                return Err(Error::invalid_argument("the scope names no resource"));
            }
            Ok(r.to_string())
        }
        _ => Err(Error::invalid_argument(format!(
            "managed identities take exactly one scope, not {}",
            scopes.len()
        ))),
    }
}

impl ManagedIdentityCredential {
    pub fn new(
        source: ManagedIdentitySource,
        selector: IdentitySelector,
        http: HttpClient,
    ) -> Result<Self> {
        let url = match &source {
            ManagedIdentitySource::Imds { base_url }
            | ManagedIdentitySource::MsiExtension { base_url } => base_url,
            ManagedIdentitySource::AppService { endpoint, .. } => endpoint,
        };
        crate::http::require_local_unless_https(&format!("{} URL", source.name()), url)?;
        Ok(ManagedIdentityCredential {
            source,
            selector,
            http,
            retry: ImdsRetry::default(),
            cached: RwLock::new(HashMap::new()),
            slots: std::sync::Mutex::new(HashMap::new()),
            requests: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// From the environment (see [`ManagedIdentitySource::from_env`]).
    pub fn from_env(selector: IdentitySelector, http: HttpClient) -> Result<Self> {
        Self::new(ManagedIdentitySource::from_env(), selector, http)
    }

    pub fn with_retry(mut self, retry: ImdsRetry) -> Self {
        self.retry = retry;
        self
    }

    pub fn source(&self) -> &ManagedIdentitySource {
        &self.source
    }

    /// How many token requests this credential has sent (retries included).
    pub fn requests_sent(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A token for `resource` (e.g. `https://management.azure.com/`).
    pub async fn token_for(&self, resource: &str) -> Result<AccessToken> {
        if let Some(t) = self.fresh(resource) {
            return Ok(t);
        }
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(resource.to_string()).or_default().clone()
        };
        let mut guard = slot.lock().await;
        if let Some(t) = guard
            .as_ref()
            .filter(|t| !t.expires_within(REFRESH_MARGIN_SECS))
        {
            return Ok(t.clone());
        }
        let t = self.fetch(resource).await?;
        *guard = Some(t.clone());
        self.cached
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(resource.to_string(), t.clone());
        Ok(t)
    }

    fn fresh(&self, resource: &str) -> Option<AccessToken> {
        let cache = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cache
            .get(resource)
            .filter(|t| !t.expires_within(REFRESH_MARGIN_SECS))
            .cloned()
    }

    fn request(&self, resource: &str) -> reqwest::RequestBuilder {
        let c = self.http.inner();
        let mut query: Vec<(&str, &str)> = vec![("resource", resource)];
        if let Some(p) = self.selector.param(&self.source) {
            query.push(p);
        }
        match &self.source {
            ManagedIdentitySource::Imds { base_url } => {
                query.insert(0, ("api-version", IMDS_API_VERSION));
                c.get(format!(
                    "{}/metadata/identity/oauth2/token",
                    base_url.trim_end_matches('/')
                ))
                .query(&query)
                .header("Metadata", "true")
            }
            ManagedIdentitySource::MsiExtension { base_url } => c
                .get(format!("{}/oauth2/token", base_url.trim_end_matches('/')))
                .query(&query)
                .header("Metadata", "true"),
            ManagedIdentitySource::AppService {
                endpoint,
                identity_header,
            } => {
                query.insert(0, ("api-version", APP_SERVICE_API_VERSION));
                c.get(endpoint)
                    .query(&query)
                    .header("X-IDENTITY-HEADER", identity_header.expose())
            }
        }
    }

    async fn fetch(&self, resource: &str) -> Result<AccessToken> {
        let start = Instant::now();
        let mut attempt = 0u32;
        loop {
            self.requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let sent_at = now_secs();
            tracing::info!(
                target: "msi_identity::credential",
                "managed identity: token request to {} at {} for {resource}",
                self.source.name(),
                self.endpoint_shown()
            );
            let outcome = self.request(resource).send().await;
            let (status, err, retry_after) = match outcome {
                Err(e) => (None, transport_error(&self.endpoint_shown(), e), None),
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    tracing::info!(
                        target: "msi_identity::credential",
                        "managed identity: token response {status} from {}",
                        self.source.name()
                    );
                    let body: Value = resp.json().await.unwrap_or(Value::Null);
                    if status == 200 {
                        return parse_token(&body, sent_at, self.source.name());
                    }
                    let mut err = error_from_response(
                        status,
                        &headers,
                        &body,
                        &format!("token request to {}", self.source.name()),
                    );
                    if status == 400 {
                        // The identity asked for is not assigned here (or none is): its own kind, code kept.
                        err = err.with_kind(ErrorKind::CredentialUnavailable);
                    }
                    let ra =
                        header(&headers, "retry-after").and_then(|v| v.trim().parse::<u64>().ok());
                    (Some(status), err, ra.map(Duration::from_secs))
                }
            };
            let retry = match status {
                None => true,
                Some(s) => ImdsRetry::retryable(s),
            };
            let within_gone = status == Some(410)
                && start.elapsed() + self.retry.gone_delay <= self.retry.gone_window;
            if !retry || (attempt >= self.retry.max_retries && !within_gone) {
                return Err(err);
            }
            let delay = if status == Some(410) {
                self.retry.gone_delay
            } else {
                retry_after.unwrap_or_else(|| {
                    self.retry
                        .initial_delay
                        .saturating_mul(1 << attempt.min(16))
                        .min(self.retry.max_delay)
                })
            };
            attempt += 1;
            tracing::info!(
                target: "msi_identity::credential",
                "managed identity: retry {attempt} in {} ms after: {err}",
                delay.as_millis()
            );
            tokio::time::sleep(delay).await;
        }
    }

    fn endpoint_shown(&self) -> String {
        match &self.source {
            ManagedIdentitySource::Imds { base_url }
            | ManagedIdentitySource::MsiExtension { base_url } => base_url.clone(),
            ManagedIdentitySource::AppService { endpoint, .. } => endpoint.clone(),
        }
    }
}

/// Token endpoints answer every number as a string; accept numbers too.
fn num(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
    })
}

fn parse_token(body: &Value, sent_at: i64, source: &str) -> Result<AccessToken> {
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                format!("{source} answered without an access_token"),
            )
        })?;
    let expires_on = num(body, "expires_on")
        .or_else(|| num(body, "expires_in").map(|s| sent_at + s))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Service,
                format!("{source} answered without expires_on or expires_in"),
            )
        })?;
    Ok(AccessToken {
        token: Secret::new(token),
        expires_on,
    })
}

impl TokenCredential for ManagedIdentityCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let resource = scope_to_resource(scopes)?;
            self.token_for(&resource).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_become_resources() {
        assert_eq!(
            scope_to_resource(&["https://management.azure.com/.default"]).unwrap(),
            "https://management.azure.com"
        );
        assert_eq!(
            scope_to_resource(&["https://vault.azure.net"]).unwrap(),
            "https://vault.azure.net"
        );
        assert!(scope_to_resource(&["a", "b"]).is_err());
        assert!(scope_to_resource(&[]).is_err());
    }

    #[test]
    fn selectors_map_to_each_protocol() {
        let imds = ManagedIdentitySource::Imds {
            base_url: "http://x".into(),
        };
        let app = ManagedIdentitySource::AppService {
            endpoint: "http://x".into(),
            identity_header: Secret::new("s3cret"),
        };
        let o = IdentitySelector::ObjectId("o".into());
        assert_eq!(o.param(&imds), Some(("object_id", "o")));
        assert_eq!(o.param(&app), Some(("principal_id", "o")));
        let r = IdentitySelector::ResourceId("/r".into());
        assert_eq!(r.param(&imds), Some(("msi_res_id", "/r")));
        assert_eq!(r.param(&app), Some(("mi_res_id", "/r")));
        assert!(IdentitySelector::from_options(Some("c".into()), Some("o".into()), None).is_err());
        assert!(!format!("{app:?}").contains("s3cret"));
    }

    #[test]
    fn string_numbers_parse() {
        let b = serde_json::json!({"access_token": "t", "expires_in": "3599", "expires_on": "1700000000"});
        assert_eq!(
            parse_token(&b, 0, "IMDS").unwrap().expires_on,
            1_700_000_000
        );
        let b = serde_json::json!({"access_token": "t", "expires_in": "60"});
        assert_eq!(parse_token(&b, 100, "IMDS").unwrap().expires_on, 160);
        assert!(parse_token(&serde_json::json!({}), 0, "IMDS").is_err());
    }
}
