//! The Entra ID v2 token request (`{authority}/{tenant}/oauth2/v2.0/token`, client-credentials grant) shared by
//! the client-secret and the federated (client-assertion) credentials, retried as azure-identity retries it.
//!
//! The form carries the secret or the assertion: it is never logged, and neither is the answer.

use crate::error::{Error, ErrorKind, Result};
use crate::http::{HttpClient, RetryOptions};
use serde_json::Value;
use std::time::Duration;

/// How the client proves who it is.
pub(crate) enum ClientAuth<'a> {
    /// `client_secret`.
    Secret(&'a str),
    /// `client_assertion` (a JWT, e.g. a Kubernetes service-account token) with the jwt-bearer assertion type.
    Assertion(&'a str),
}

/// The `client_assertion_type` of a JWT assertion (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A token as Entra answered it: the value and when it expires (Unix seconds).
pub(crate) struct Issued {
    pub token: String,
    pub expires_on: i64,
}

/// One app registration at one authority and tenant.
pub(crate) struct TokenEndpoint<'a> {
    pub authority: &'a str,
    pub tenant_id: &'a str,
    pub client_id: &'a str,
    pub http: &'a HttpClient,
    pub retry: &'a RetryOptions,
    /// For messages and logs: `client secret credential`, `workload identity credential`.
    pub what: &'a str,
}

/// The form of a client-credentials request.
pub(crate) fn form<'a>(
    client_id: &'a str,
    auth: &ClientAuth<'a>,
    scope: &'a str,
) -> Vec<(&'static str, &'a str)> {
    let mut f = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
    ];
    match auth {
        ClientAuth::Secret(s) => f.push(("client_secret", s)),
        ClientAuth::Assertion(a) => {
            f.push(("client_assertion_type", JWT_BEARER));
            f.push(("client_assertion", a));
        }
    }
    f.push(("scope", scope));
    f
}

/// A failed attempt, and whether another may succeed.
struct Failed {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl TokenEndpoint<'_> {
    fn url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.authority, self.tenant_id)
    }

    /// The token request, retried on connection failures and transient statuses (408, 429, 5xx) with capped
    /// exponential backoff, honouring `Retry-After`; never another 4xx.
    pub async fn request(&self, auth: &ClientAuth<'_>, scope: &str) -> Result<Issued> {
        let mut attempt = 0u32;
        loop {
            match self.request_once(auth, scope).await {
                Ok(t) => return Ok(t),
                Err(Failed {
                    error,
                    retryable: true,
                    retry_after,
                }) if attempt < self.retry.max_retries => {
                    let delay = match retry_after {
                        Some(d) if d > self.retry.max_retry_after => return Err(error),
                        Some(d) => d,
                        None => self.retry.backoff(attempt),
                    };
                    attempt += 1;
                    tracing::info!(
                        target: "msi_identity::credential",
                        "{}: retry {attempt} of {} in {} ms after: {error}",
                        self.what,
                        self.retry.max_retries,
                        delay.as_millis()
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(f) => return Err(f.error),
            }
        }
    }

    async fn request_once(
        &self,
        auth: &ClientAuth<'_>,
        scope: &str,
    ) -> std::result::Result<Issued, Failed> {
        let url = self.url();
        tracing::info!(
            target: "msi_identity::credential",
            "{}: token request: POST {url} for {scope}",
            self.what
        );
        let started = std::time::Instant::now();
        let sent_at = chrono::Utc::now().timestamp();
        let resp = self
            .http
            .inner()
            .post(&url)
            .form(&form(self.client_id, auth, scope))
            .send()
            .await
            .map_err(|e| {
                let error = crate::http::transport_error(&url, e);
                tracing::info!(target: "msi_identity::credential", "no answer: {error}");
                Failed {
                    error,
                    retryable: true,
                    retry_after: None,
                }
            })?;
        let status = resp.status().as_u16();
        let request_id = crate::http::header(resp.headers(), "x-ms-request-id");
        tracing::info!(
            target: "msi_identity::credential",
            "{}: token response: {status} in {} ms, request id {}",
            self.what,
            started.elapsed().as_millis(),
            request_id.as_deref().unwrap_or("")
        );
        tracing::debug!(
            target: "msi_identity::credential",
            "token response headers: {}",
            crate::logging::headers(resp.headers())
        );
        let retry_after = crate::http::retry_after(resp.headers());
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        if status != 200 {
            let code = body
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string);
            let desc = body
                .get("error_description")
                .and_then(Value::as_str)
                .unwrap_or("the token request failed");
            let retryable = crate::http::retryable_status(status);
            let mut error =
                Error::from_service(status, code, format!("{}: {desc}", self.what), request_id);
            // Entra answers a bad client with 400 or 401: for callers both are authentication failures. A
            // transient failure that outlived the retries keeps its own kind (throttled, service).
            if !retryable {
                error = error.with_kind(ErrorKind::Authentication);
            }
            return Err(Failed {
                error,
                retryable,
                retry_after,
            });
        }
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| Failed {
                error: Error::new(
                    ErrorKind::Authentication,
                    "token response has no access_token",
                ),
                retryable: false,
                retry_after: None,
            })?;
        let expires_in = body
            .get("expires_in")
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .unwrap_or(3599);
        Ok(Issued {
            token: token.to_string(),
            expires_on: sent_at + expires_in,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forms_of_each_grant() {
        let s = form("c", &ClientAuth::Secret("hunter2"), "x/.default");
        assert_eq!(
            s,
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "c"),
                ("client_secret", "hunter2"),
                ("scope", "x/.default")
            ]
        );
        let a = form("c", &ClientAuth::Assertion("eyJ.a.b"), "x/.default");
        assert!(a.contains(&("client_assertion_type", JWT_BEARER)));
        assert!(a.contains(&("client_assertion", "eyJ.a.b")));
        assert!(!a.iter().any(|(k, _)| *k == "client_secret"));
    }
}
