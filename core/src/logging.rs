//! What core logs, through `tracing` (target `msi_identity::*`), and what it never logs.
//!
//! - INFO: every request (method, URL without secrets), its status, `x-ms-request-id` and time; every retry and
//!   how long it waits; every poll of a long-running operation; which credential of a chain gave the token.
//! - DEBUG: request and response headers, from an allow-list: any header not on it (`Authorization`, cookies,
//!   `X-IDENTITY-HEADER`, anything else) is shown as `REDACTED`, as azure-core's HTTP logging policy does.
//! - Never: bodies (token requests carry secrets and token answers carry tokens), tokens, client secrets,
//!   client assertions. Query strings keep `api-version` and the parameters named here; other values are redacted.
//!
//! Nothing is printed unless the application installs a subscriber (the `msi` CLI does for `--verbose` and
//! `--debug`); with the `log` bridge the same events reach `log`-based loggers.

use reqwest::header::HeaderMap;

/// Headers whose values are safe to show.
const SHOWN_HEADERS: &[&str] = &[
    "accept",
    "azure-asyncoperation",
    "cache-control",
    "content-length",
    "content-type",
    "date",
    "etag",
    "if-match",
    "if-none-match",
    "location",
    "metadata",
    "retry-after",
    "server",
    "user-agent",
    "x-ms-client-request-id",
    "x-ms-correlation-request-id",
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-subscription-writes",
    "x-ms-request-id",
    "x-ms-routing-request-id",
];

/// Query parameters whose values are safe to show (the rest may be signatures or tokens).
const SHOWN_QUERY: &[&str] = &[
    "api-version",
    "resource",
    "client_id",
    "object_id",
    "principal_id",
    "msi_res_id",
    "mi_res_id",
    "$filter",
];

pub(crate) const REDACTED: &str = "REDACTED";

/// A URL as it may be logged: the query's values redacted except for [`SHOWN_QUERY`], no user info.
pub(crate) fn url(raw: &str) -> String {
    let Ok(mut u) = url::Url::parse(raw) else {
        return raw.split('?').next().unwrap_or(raw).to_string();
    };
    let _ = u.set_username("");
    let _ = u.set_password(None);
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let shown = SHOWN_QUERY.iter().any(|s| s.eq_ignore_ascii_case(&k));
            let v = if shown {
                v.into_owned()
            } else {
                REDACTED.to_string()
            };
            (k.into_owned(), v)
        })
        .collect();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(pairs);
    }
    u.to_string()
}

/// Headers as they may be logged: `name: value` for the allow-list, `name: REDACTED` for every other one.
pub(crate) fn headers(h: &HeaderMap) -> String {
    h.iter()
        .map(|(k, v)| {
            let name = k.as_str();
            let shown = SHOWN_HEADERS.contains(&name);
            let value = match (shown, v.to_str()) {
                (true, Ok(s)) if matches!(name, "location" | "azure-asyncoperation") => url(s),
                (true, Ok(s)) => s.to_string(),
                _ => REDACTED.to_string(),
            };
            format!("{name}: {value}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    #[test]
    fn secrets_are_redacted() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer eyJ.secret"),
        );
        h.insert("x-identity-header", HeaderValue::from_static("hdr-secret"));
        h.insert("x-ms-request-id", HeaderValue::from_static("rid-1"));
        h.insert(
            HeaderName::from_static("location"),
            HeaderValue::from_static("https://h/op?api-version=1&sig=abc"),
        );
        let s = headers(&h);
        assert!(!s.contains("secret") && !s.contains("abc"), "{s}");
        assert!(s.contains("authorization: REDACTED") && s.contains("x-ms-request-id: rid-1"));
        assert!(s.contains("api-version=1"), "{s}");
        let u = url("https://user:pw@h/p?api-version=2&client_secret=s3&resource=r");
        assert!(
            !u.contains("s3") && !u.contains("pw") && u.contains("resource=r"),
            "{u}"
        );
    }
}
