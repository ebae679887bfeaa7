//! HTTP transport: one reqwest client (rustls with ring), an extra trusted CA, and the ARM pipeline
//! (bearer auth, request ids, retries, error envelopes, long-running operations, paging).

use crate::credential::SharedCredential;
use crate::error::{Error, ErrorKind, Result};
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Environment variable naming a PEM file of extra CA certificates to trust (the emulator prints its path).
pub const CA_CERT_ENV: &str = "MSI_CA_CERT";

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A cheap-to-clone HTTP client shared by credentials and the ARM client.
#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    /// `extra_ca_pem`: PEM certificates to trust on top of the system roots (e.g. the emulator's CA).
    pub fn new(extra_ca_pem: Option<&str>) -> Result<HttpClient> {
        install_crypto_provider();
        let mut b = reqwest::Client::builder()
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("msi-identity/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = extra_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| Error::invalid_argument(format!("invalid CA certificate PEM: {e}")))?;
            if certs.is_empty() {
                return Err(Error::invalid_argument(
                    "the CA certificate PEM holds no certificate",
                ));
            }
            b = b.tls_certs_merge(certs);
        }
        let inner = b.build().map_err(|e| {
            Error::new(
                ErrorKind::Connection,
                format!("cannot build the HTTP client: {e}"),
            )
        })?;
        Ok(HttpClient { inner })
    }

    /// Trust the CA named by `MSI_CA_CERT`, if set.
    pub fn from_env() -> Result<HttpClient> {
        match std::env::var_os(CA_CERT_ENV) {
            Some(path) if !path.is_empty() => {
                let pem = std::fs::read_to_string(&path).map_err(|e| {
                    Error::invalid_argument(format!(
                        "cannot read {CA_CERT_ENV}={}: {e}",
                        path.to_string_lossy()
                    ))
                })?;
                HttpClient::new(Some(&pem))
            }
            _ => HttpClient::new(None),
        }
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.inner
    }
}

pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A transport failure (no HTTP answer). The URL is shown without its query.
pub(crate) fn transport_error(url: &str, e: reqwest::Error) -> Error {
    let shown = url.split('?').next().unwrap_or(url);
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Connection
    };
    let mut msg = format!("request to {shown} failed: {e}");
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        msg.push_str(&format!(": {s}"));
        src = s.source();
    }
    Error::new(kind, msg)
}

/// Retries for transient failures: 408, 429 (honouring `Retry-After`), 5xx and connection failures, with capped
/// exponential backoff and jitter. Other 4xx are never retried.
#[derive(Debug, Clone)]
pub struct RetryOptions {
    pub max_retries: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one is an error (the caller decides).
    pub max_retry_after: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            max_retries: 4,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl RetryOptions {
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let base = self.initial_delay.saturating_mul(1u32 << attempt.min(16));
        let capped = base.min(self.max_delay);
        let jitter = rand::rng().random_range(0.8..1.2);
        capped.mul_f64(jitter)
    }
}

fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..600).contains(&status) && !matches!(status, 501 | 505)
}

/// `Retry-After` as integer seconds (ARM's form) or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = header(headers, "retry-after")?;
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v.trim()).ok()?;
    let delta = when.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(delta.max(0) as u64))
}

/// An HTTP answer with a 2xx status.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Parse an error answer: ARM's `{"error":{code,message,target}}`, a bare `{code,message}`, or Entra/IMDS
/// `{"error": "...", "error_description": "..."}`.
pub(crate) fn error_from_response(
    status: u16,
    headers: &HeaderMap,
    body: &Value,
    what: &str,
) -> Error {
    let request_id = header(headers, "x-ms-request-id");
    let (code, message, target) = match body.get("error") {
        Some(Value::Object(e)) => (
            e.get("code").and_then(Value::as_str).map(str::to_string),
            e.get("message").and_then(Value::as_str).map(str::to_string),
            e.get("target").and_then(Value::as_str).map(str::to_string),
        ),
        Some(Value::String(code)) => (
            Some(code.clone()),
            body.get("error_description")
                .and_then(Value::as_str)
                .map(str::to_string),
            None,
        ),
        _ => (
            body.get("code").and_then(Value::as_str).map(str::to_string),
            body.get("message")
                .and_then(Value::as_str)
                .map(str::to_string),
            None,
        ),
    };
    let message = message.unwrap_or_else(|| {
        format!(
            "{what} failed with HTTP {status} {}",
            StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
        )
        .trim_end()
        .to_string()
    });
    Error::from_service(status, code, message, request_id).with_target(target)
}

/// Sends ARM requests: bearer token, `x-ms-client-request-id`, retries, error parsing.
#[derive(Debug, Clone)]
pub(crate) struct Pipeline {
    pub http: HttpClient,
    pub credential: SharedCredential,
    /// `https://host[:port]`, no trailing slash.
    pub endpoint: String,
    pub scope: String,
    pub retry: RetryOptions,
    pub lro_timeout: Duration,
}

impl Pipeline {
    /// An absolute URL for a path on the endpoint, or an absolute URL given by the service (then it must be on
    /// the same origin: tokens go nowhere else).
    fn url(&self, path_or_url: &str) -> Result<String> {
        if path_or_url.starts_with('/') {
            return Ok(format!("{}{}", self.endpoint, path_or_url));
        }
        let u = url::Url::parse(path_or_url).map_err(|e| {
            Error::new(
                ErrorKind::Service,
                format!("the service gave an invalid URL: {e}"),
            )
        })?;
        let ep = url::Url::parse(&self.endpoint)
            .map_err(|e| Error::invalid_argument(format!("invalid endpoint: {e}")))?;
        if u.origin() != ep.origin() {
            return Err(Error::new(
                ErrorKind::Service,
                format!(
                    "the service pointed to {}, which is not the endpoint {}; not sending credentials there",
                    u.origin().ascii_serialization(),
                    self.endpoint
                ),
            ));
        }
        Ok(path_or_url.to_string())
    }

    /// Send with retries; 2xx comes back as `Ok`, anything else as the parsed service error.
    pub async fn send(
        &self,
        method: Method,
        path_or_url: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, String)],
    ) -> Result<Response> {
        let url = self.url(path_or_url)?;
        let what = format!("{method} {}", url.split('?').next().unwrap_or(&url));
        let mut attempt = 0u32;
        loop {
            let token = self.credential.get_token(&[self.scope.as_str()]).await?;
            let mut req = self
                .http
                .inner()
                .request(method.clone(), &url)
                .query(query)
                .bearer_auth(token.token.expose())
                .header("x-ms-client-request-id", uuid::Uuid::new_v4().to_string())
                .header("accept", "application/json");
            for (k, v) in headers {
                req = req.header(*k, v);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let outcome = req.send().await;
            let (delay, err) = match outcome {
                Err(e) => {
                    let err = transport_error(&url, e);
                    (self.retry.backoff(attempt), err)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    let bytes = resp.bytes().await.map_err(|e| transport_error(&url, e))?;
                    let body: Value = if bytes.is_empty() {
                        Value::Null
                    } else {
                        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
                    };
                    if (200..300).contains(&status) {
                        return Ok(Response {
                            status,
                            headers,
                            body,
                        });
                    }
                    let err = error_from_response(status, &headers, &body, &what);
                    if !retryable_status(status) {
                        return Err(err);
                    }
                    let delay = match retry_after(&headers) {
                        Some(d) if d > self.retry.max_retry_after => return Err(err),
                        Some(d) => d,
                        None => self.retry.backoff(attempt),
                    };
                    (delay, err)
                }
            };
            if attempt >= self.retry.max_retries {
                return Err(err);
            }
            attempt += 1;
            tokio::time::sleep(delay).await;
        }
    }

    /// Wait for a long-running operation started by `resp`: `Azure-AsyncOperation` first, then `Location`,
    /// honouring `Retry-After` and otherwise backing off from a short first interval. No fixed sleeps.
    pub async fn wait(&self, resp: &Response, api_version: &str) -> Result<()> {
        let (url, async_op) = match (resp.header("azure-asyncoperation"), resp.header("location")) {
            (Some(u), _) => (u, true),
            (None, Some(u)) if resp.status == 202 || resp.status == 201 => (u, false),
            _ => return Ok(()),
        };
        // The write itself may say it is already done.
        if async_op
            && resp.status != 202
            && let Some(state) = resp
                .body
                .pointer("/properties/provisioningState")
                .and_then(Value::as_str)
            && is_terminal(state)
        {
            return check_terminal(state, &resp.body);
        }
        let start = Instant::now();
        let mut delay = retry_after(&resp.headers).unwrap_or(Duration::ZERO);
        let mut polls = 0u32;
        loop {
            if start.elapsed() > self.lro_timeout {
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the operation did not finish within {} s",
                        self.lro_timeout.as_secs()
                    ),
                ));
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            // The status URLs carry their own api-version; add ours only when they do not.
            let query: &[(&str, &str)] = if url.contains("api-version=") {
                &[]
            } else {
                &[("api-version", api_version)]
            };
            let poll = self.send(Method::GET, &url, query, None, &[]).await?;
            let next = retry_after(&poll.headers).unwrap_or_else(|| {
                Duration::from_millis(250)
                    .saturating_mul(1 << polls.min(5))
                    .min(Duration::from_secs(10))
            });
            polls += 1;
            if async_op {
                let status = poll
                    .body
                    .get("status")
                    .and_then(Value::as_str)
                    .unwrap_or("InProgress");
                if is_terminal(status) {
                    return check_terminal(status, &poll.body);
                }
            } else if poll.status != 202 {
                return Ok(());
            }
            delay = next;
        }
    }

    /// GET every page of a list, following `nextLink`.
    pub async fn list_all(&self, path: &str, api_version: &str) -> Result<Vec<Value>> {
        let mut out = Vec::new();
        let mut page = self
            .send(
                Method::GET,
                path,
                &[("api-version", api_version)],
                None,
                &[],
            )
            .await?;
        loop {
            if let Some(items) = page.body.get("value").and_then(Value::as_array) {
                out.extend(items.iter().cloned());
            }
            match page.body.get("nextLink").and_then(Value::as_str) {
                Some(next) if !next.is_empty() => {
                    let next = next.to_string();
                    page = self.send(Method::GET, &next, &[], None, &[]).await?;
                }
                _ => return Ok(out),
            }
        }
    }
}

fn is_terminal(state: &str) -> bool {
    ["succeeded", "failed", "canceled", "cancelled"].contains(&state.to_ascii_lowercase().as_str())
}

fn check_terminal(state: &str, body: &Value) -> Result<()> {
    if state.eq_ignore_ascii_case("succeeded") {
        return Ok(());
    }
    let code = body
        .pointer("/error/code")
        .and_then(Value::as_str)
        .map(str::to_string);
    let message = body
        .pointer("/error/message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("the operation ended {state}"));
    let mut e = Error::new(ErrorKind::Service, message);
    if let Some(c) = code {
        e = e.with_code(c);
    }
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_retry() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(retryable_status(s), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 412, 501, 505] {
            assert!(!retryable_status(s), "{s}");
        }
    }

    #[test]
    fn backoff_is_capped() {
        let r = RetryOptions::default();
        assert!(r.backoff(0) < Duration::from_millis(1000));
        assert!(r.backoff(30) <= Duration::from_secs(36));
    }

    #[test]
    fn parses_every_error_shape() {
        let h = HeaderMap::new();
        let arm = serde_json::json!({"error": {"code": "InvalidParameter", "message": "m", "target": "identity.type"}});
        let e = error_from_response(400, &h, &arm, "PATCH x");
        assert_eq!(
            (e.code(), e.message(), e.target()),
            (Some("InvalidParameter"), "m", Some("identity.type"))
        );
        let entra =
            serde_json::json!({"error": "invalid_client", "error_description": "AADSTS7000215"});
        assert_eq!(
            error_from_response(401, &h, &entra, "x").code(),
            Some("invalid_client")
        );
        let bare = serde_json::json!({"code": "OperationNotAllowed", "message": "too many"});
        assert_eq!(
            error_from_response(429, &h, &bare, "x").kind(),
            ErrorKind::Throttled
        );
        let none = error_from_response(503, &h, &Value::Null, "GET /x");
        assert_eq!(
            none.message(),
            "GET /x failed with HTTP 503 Service Unavailable"
        );
    }
}
