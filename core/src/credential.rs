//! Credentials: anything that can produce a bearer token for a scope.
//!
//! Tokens are [`Secret`]s: their `Debug` and `Display` never show the value.

use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpClient, RetryOptions};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A string that must not reach logs, `Debug` output or error messages.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value itself: for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// From a JSON string (a password in a create-options document); the value is never echoed in errors.
impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Secret, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

/// A bearer token and when it expires (Unix seconds).
#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_on: i64,
}

impl AccessToken {
    /// True when the token expires within `margin_secs`.
    pub fn expires_within(&self, margin_secs: i64) -> bool {
        self.expires_on - now_secs() <= margin_secs
    }
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// azure-core's token request options (`get_token(*scopes, claims=, tenant_id=, enable_cae=)`,
/// `get_token_info(*scopes, options=)`), for [`TokenCredential::get_token_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenRequestOptions {
    /// A claims challenge (from a `WWW-Authenticate` answer) to put in the token request.
    pub claims: Option<String>,
    /// The tenant to get the token from, when not the credential's own.
    pub tenant_id: Option<String>,
    /// Ask for a token of a CAE-capable client. Accepted and without effect: the tokens asked for here are
    /// ordinary ones, which every service accepts.
    pub enable_cae: bool,
}

impl TokenRequestOptions {
    /// No option that changes the token asked for.
    pub fn is_empty(&self) -> bool {
        self.claims.as_deref().is_none_or(str::is_empty)
            && self.tenant_id.as_deref().is_none_or(str::is_empty)
    }

    /// Refuse what `credential` cannot do, naming the option: a claims challenge (no credential of this crate
    /// sends claims to Entra ID), or a tenant other than `own_tenant` (none, for credentials whose tenant is not
    /// theirs to choose: managed identity, the Azure CLI's login).
    pub fn check(&self, credential: &str, own_tenant: Option<&str>) -> Result<()> {
        if self.claims.as_deref().is_some_and(|c| !c.is_empty()) {
            return Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "{credential} cannot answer a claims challenge: the `claims` option is not supported"
                ),
            ));
        }
        if let Some(t) = self.tenant_id.as_deref().filter(|t| !t.is_empty())
            && !own_tenant.is_some_and(|own| own.eq_ignore_ascii_case(t))
        {
            let own = match own_tenant {
                Some(own) => format!("tenant '{own}' only"),
                None => "its own tenant only".to_string(),
            };
            return Err(Error::new(
                ErrorKind::Authentication,
                format!(
                    "{credential} gets tokens from {own}: the `tenant_id` option asked for tenant '{t}'"
                ),
            ));
        }
        Ok(())
    }
}

/// The last segment of a type's name (`ManagedIdentityCredential`), for messages.
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Anything that gets tokens: the azure-core `TokenCredential` shape.
pub trait TokenCredential: Send + Sync + fmt::Debug {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>>;

    /// [`TokenCredential::get_token`] with azure-core's request options. By default a claims challenge and any
    /// `tenant_id` are refused with an authentication error naming the option; credentials with a tenant of
    /// their own accept it.
    fn get_token_with<'a>(
        &'a self,
        scopes: &'a [&'a str],
        options: &'a TokenRequestOptions,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            options.check(short_type_name::<Self>(), None)?;
            self.get_token(scopes).await
        })
    }

    /// The service refused the last token for `scopes` (401): forget it if it came from a cache that may be
    /// stale (a token kept on disk by an earlier process), and say whether a new one is worth asking for.
    fn invalidate(&self, _scopes: &[&str]) -> bool {
        false
    }
}

/// A fixed bearer token (for example from `az account get-access-token`).
#[derive(Debug, Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    pub fn new(token: impl Into<String>) -> StaticTokenCredential {
        StaticTokenCredential {
            // Unknown expiry: the service will say when it is no longer valid.
            token: AccessToken {
                token: Secret::new(token),
                expires_on: i64::MAX,
            },
        }
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token<'a>(&'a self, _scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        let t = self.token.clone();
        Box::pin(async move { Ok(t) })
    }
}

/// The refresh margin used by azure-identity: a token is renewed 5 minutes before it expires.
pub const REFRESH_MARGIN_SECS: i64 = 300;

/// A service principal with a client secret: Entra ID v2 client-credentials grant against an authority.
pub struct ClientSecretCredential {
    authority: String,
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    http: HttpClient,
    retry: RetryOptions,
    /// Cached tokens by scope; the lock also makes concurrent callers share one request.
    cache: TokensByScope,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("authority", &self.authority)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Entra ID's public authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

impl ClientSecretCredential {
    /// `authority` is the host (e.g. `https://login.microsoftonline.com`, or the emulator's endpoint).
    pub fn new(
        authority: &str,
        tenant_id: &str,
        client_id: &str,
        client_secret: Secret,
        http: HttpClient,
    ) -> Result<ClientSecretCredential> {
        crate::ids::validate_segment("tenant id", tenant_id)?;
        if client_id.is_empty() {
            return Err(Error::invalid_argument("client id must not be empty"));
        }
        if client_secret.expose().is_empty() {
            return Err(Error::invalid_argument("client secret must not be empty"));
        }
        crate::http::require_https("authority", authority)?;
        Ok(ClientSecretCredential {
            authority: authority.trim_end_matches('/').to_string(),
            tenant_id: tenant_id.to_string(),
            client_id: client_id.to_string(),
            client_secret,
            http,
            retry: RetryOptions::default(),
            cache: TokensByScope::default(),
        })
    }

    /// The retry policy of token requests (default: the same as ARM requests).
    pub fn with_retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// The token request, retried as azure-identity retries it: connection failures and transient statuses
    /// (408, 429, 5xx) with capped exponential backoff, honouring `Retry-After`; never another 4xx.
    async fn request(&self, scope: &str) -> Result<AccessToken> {
        let endpoint = crate::entra::TokenEndpoint {
            authority: &self.authority,
            tenant_id: &self.tenant_id,
            client_id: &self.client_id,
            http: &self.http,
            retry: &self.retry,
            what: "client secret credential",
        };
        let issued = endpoint
            .request(
                &crate::entra::ClientAuth::Secret(self.client_secret.expose()),
                scope,
            )
            .await?;
        Ok(AccessToken {
            token: Secret::new(issued.token),
            expires_on: issued.expires_on,
        })
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token_with<'a>(
        &'a self,
        scopes: &'a [&'a str],
        options: &'a TokenRequestOptions,
    ) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            options.check("ClientSecretCredential", Some(&self.tenant_id))?;
            self.get_token(scopes).await
        })
    }

    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(scopes, |scope| self.request(scope)))
    }
}

/// The tokens a confidential client holds, one per scope, renewed [`REFRESH_MARGIN_SECS`] before they expire;
/// the lock makes concurrent first callers share one request.
#[derive(Default)]
pub(crate) struct TokensByScope(Mutex<Vec<(String, AccessToken)>>);

impl TokensByScope {
    pub(crate) async fn get_or_fetch<'a, F, Fut>(
        &'a self,
        scopes: &'a [&'a str],
        fetch: F,
    ) -> Result<AccessToken>
    where
        F: FnOnce(&'a str) -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let scope = match scopes {
            [s] => *s,
            _ => return Err(Error::invalid_argument("exactly one scope is required")),
        };
        let mut cache = self.0.lock().await;
        if let Some((_, t)) = cache
            .iter()
            .find(|(s, t)| s == scope && !t.expires_within(REFRESH_MARGIN_SECS))
        {
            return Ok(t.clone());
        }
        let t = fetch(scope).await?;
        cache.retain(|(s, _)| s != scope);
        cache.push((scope.to_string(), t.clone()));
        Ok(t)
    }
}

/// Shared credential handle.
pub type SharedCredential = Arc<dyn TokenCredential>;

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn request_options_are_honoured_or_refused_by_name() {
        let o = |claims: Option<&str>, tenant: Option<&str>| TokenRequestOptions {
            claims: claims.map(str::to_string),
            tenant_id: tenant.map(str::to_string),
            enable_cae: true,
        };
        assert!(o(None, Some("")).is_empty() && !o(None, Some("t")).is_empty());
        assert!(o(None, Some("TENANT")).check("C", Some("tenant")).is_ok());
        let e = o(None, Some("other"))
            .check("C", Some("tenant"))
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Authentication);
        assert!(
            e.message().contains("`tenant_id`") && e.message().contains("'other'"),
            "{e}"
        );
        let e = o(Some("{}"), None).check("C", Some("tenant")).unwrap_err();
        assert!(e.message().contains("`claims`"), "{e}");
        let s = StaticTokenCredential::new("t");
        let e = s
            .get_token_with(&["x"], &o(None, Some("t2")))
            .await
            .unwrap_err();
        assert!(
            e.message()
                .starts_with("StaticTokenCredential gets tokens from its own tenant only"),
            "{e}"
        );
        assert!(s.get_token_with(&["x"], &o(None, None)).await.is_ok());
    }

    #[test]
    fn secrets_do_not_print() {
        let t = AccessToken {
            token: Secret::new("eyJhbGciOi.secret"),
            expires_on: 0,
        };
        assert!(!format!("{t:?}").contains("secret"));
        let c = ClientSecretCredential::new(
            "https://login.example",
            "tenant",
            "client",
            Secret::new("hunter2"),
            HttpClient::new(None).unwrap(),
        )
        .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2") && d.contains("client"), "{d}");
    }
}
