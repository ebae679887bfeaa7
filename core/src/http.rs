//! HTTP transport: one reqwest client (rustls with ring), an extra trusted CA, and the ARM pipeline
//! (bearer auth, request ids, retries, error envelopes, long-running operations, paging).

use crate::error::{Error, ErrorKind, Result};
use rand::Rng;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::sync::Once;
use std::time::Duration;

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

/// Secrets travel over TLS only: an ARM or Entra ID endpoint must be `https` (azure-core's bearer-token policy
/// refuses plain HTTP the same way).
pub(crate) fn require_https(what: &str, url: &str) -> Result<url::Url> {
    let u = url::Url::parse(url)
        .map_err(|e| Error::invalid_argument(format!("invalid {what} '{url}': {e}")))?;
    if u.scheme() != "https" {
        return Err(Error::invalid_argument(format!(
            "invalid {what} '{url}': the scheme must be https (credentials are never sent over plain HTTP)"
        )));
    }
    Ok(u)
}

/// Managed-identity token endpoints (IMDS, the MSI extension, App Service) are plain HTTP by design, but only on
/// this machine: loopback, or the link-local address IMDS has on every Azure VM. Anywhere else, `https`.
pub(crate) fn require_local_unless_https(what: &str, url: &str) -> Result<url::Url> {
    let u = url::Url::parse(url)
        .map_err(|e| Error::invalid_argument(format!("invalid {what} '{url}': {e}")))?;
    let local = match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_link_local(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || (ip.segments()[0] & 0xffc0) == 0xfe80,
        None => false,
    };
    match u.scheme() {
        "https" => Ok(u),
        "http" if local => Ok(u),
        "http" => Err(Error::invalid_argument(format!(
            "invalid {what} '{url}': plain HTTP is allowed only on loopback or link-local addresses; use https"
        ))),
        other => Err(Error::invalid_argument(format!(
            "invalid {what} '{url}': unsupported scheme '{other}'"
        ))),
    }
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

pub(crate) fn retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || (500..600).contains(&status) && !matches!(status, 501 | 505)
}

/// `Retry-After` as integer seconds (ARM's form) or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
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
    Error::from_service(status, code, message, request_id)
        .with_target(target)
        .with_response_headers(
            headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.to_str().ok()?))),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_need_tls_except_on_this_machine() {
        assert!(require_https("endpoint", "https://management.azure.com").is_ok());
        let e = require_https("endpoint", "http://management.azure.com").unwrap_err();
        assert!(e.message().contains("must be https"), "{e}");
        for ok in [
            "http://169.254.169.254",
            "http://127.0.0.1:50342",
            "http://localhost:50342",
            "http://[::1]:1",
            "http://[fe80::1]:1",
            "https://example.com",
        ] {
            assert!(require_local_unless_https("IMDS URL", ok).is_ok(), "{ok}");
        }
        for bad in ["http://10.0.0.4", "http://example.com", "ftp://127.0.0.1"] {
            assert!(
                require_local_unless_https("IMDS URL", bad).is_err(),
                "{bad}"
            );
        }
    }

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
