//! The ARM request pipeline: bearer token, `x-ms-client-request-id`, retries, error parsing, long-running
//! operations and paging. Above both the HTTP client and the credentials, which depend on neither of it.

use crate::credential::SharedCredential;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{
    HttpClient, Response, RetryOptions, error_from_response, retry_after, retryable_status,
    transport_error,
};
use crate::logging;
use crate::pacing::{OperationType, Pacer};
use reqwest::Method;
use serde_json::Value;
use std::time::{Duration, Instant};

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
    /// Return once a long-running write is accepted, without polling it (az's `--no-wait`).
    pub no_wait: bool,
    /// The subscriptions' throttling budgets, shared by every clone of the client.
    pub pacer: std::sync::Arc<Pacer>,
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
        let mut renewed = false;
        let op = OperationType::of(&method);
        loop {
            let token = self.credential.get_token(&[self.scope.as_str()]).await?;
            let permit = self.pacer.acquire(&url, op).await;
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
            let started = Instant::now();
            let outcome = match req.build() {
                Ok(built) => {
                    let shown = logging::url(built.url().as_str());
                    tracing::info!(target: "msi_identity::http", "request: {method} {shown}");
                    tracing::debug!(
                        target: "msi_identity::http",
                        "request headers: {}",
                        logging::headers(built.headers())
                    );
                    self.http.inner().execute(built).await
                }
                Err(e) => Err(e),
            };
            let (delay, err) = match outcome {
                Err(e) => {
                    let err =
                        transport_error(&url, e).with_request(method.as_str(), logging::url(&url));
                    tracing::info!(target: "msi_identity::http", "no answer: {err}");
                    (self.retry.backoff(attempt), err)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    permit.answered(status, &headers);
                    let bytes = resp.bytes().await.map_err(|e| transport_error(&url, e))?;
                    tracing::info!(
                        target: "msi_identity::http",
                        "response: {status} to {what} in {} ms, request id {}",
                        started.elapsed().as_millis(),
                        crate::http::header(&headers, "x-ms-request-id").unwrap_or_default()
                    );
                    tracing::debug!(
                        target: "msi_identity::http",
                        "response headers: {}",
                        logging::headers(&headers)
                    );
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
                    let err = error_from_response(status, &headers, &body, &what)
                        .with_request(method.as_str(), logging::url(&url));
                    if status == 401
                        && !renewed
                        && self.credential.invalidate(&[self.scope.as_str()])
                    {
                        // A token kept from an earlier process was refused (the service's keys changed):
                        // once, with a new one.
                        renewed = true;
                        tracing::info!(
                            target: "msi_identity::http",
                            "the cached token was refused; asking for a new one"
                        );
                        continue;
                    }
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
                tracing::warn!(
                    target: "msi_identity::http",
                    "giving up on {what} after {} retries",
                    attempt
                );
                return Err(err);
            }
            attempt += 1;
            tracing::info!(
                target: "msi_identity::http",
                "retry {attempt} of {} for {what} in {} ms",
                self.retry.max_retries,
                delay.as_millis()
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// Wait for a long-running operation started by `resp`: `Azure-AsyncOperation` first, then `Location`,
    /// honouring `Retry-After` and otherwise backing off from a short first interval. No fixed sleeps.
    pub async fn wait(&self, resp: &Response, api_version: &str) -> Result<()> {
        let Some(status) = StatusUrl::of(resp) else {
            return Ok(());
        };
        if self.no_wait {
            tracing::info!(
                target: "msi_identity::lro",
                "accepted; not waiting for the operation (no-wait)"
            );
            return Ok(());
        }
        // The write itself may say it is already done.
        if let Some(state) = finished_with_write(resp, &status) {
            return check_terminal(&state, &resp.body);
        }
        let first = retry_after(&resp.headers).unwrap_or(Duration::ZERO);
        let (state, body) = self.wait_status(&status, first, api_version).await?;
        check_terminal(&state, &body)
    }

    /// Poll `status` until the operation is in a terminal state (first after `first_delay`), within the LRO
    /// timeout; the terminal state and the last status body.
    pub async fn wait_status(
        &self,
        status: &StatusUrl,
        first_delay: Duration,
        api_version: &str,
    ) -> Result<(String, Value)> {
        let start = Instant::now();
        let mut delay = first_delay;
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
            tracing::info!(
                target: "msi_identity::lro",
                "polling the operation (poll {}, after {} ms)",
                polls + 1,
                delay.as_millis()
            );
            let (state, body, next) = self.poll_once(status, api_version, polls).await?;
            polls += 1;
            if let Some(state) = state {
                return Ok((state, body));
            }
            delay = next;
        }
    }

    /// One look at an operation: its terminal state (`None` while it runs), the status body, and how long to
    /// wait before the next look (`Retry-After`, else a backoff from 250 ms doubling to 10 s).
    async fn poll_once(
        &self,
        status: &StatusUrl,
        api_version: &str,
        polls: u32,
    ) -> Result<(Option<String>, Value, Duration)> {
        // The status URLs carry their own api-version; add ours only when they do not.
        let query: &[(&str, &str)] = if status.url.contains("api-version=") {
            &[]
        } else {
            &[("api-version", api_version)]
        };
        let poll = self
            .send(Method::GET, &status.url, query, None, &[])
            .await?;
        let next = retry_after(&poll.headers).unwrap_or_else(|| {
            Duration::from_millis(250)
                .saturating_mul(1 << polls.min(5))
                .min(Duration::from_secs(10))
        });
        let state = if status.async_operation {
            let s = poll
                .body
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("InProgress");
            is_terminal(s).then(|| s.to_string())
        } else if poll.status != 202 {
            Some("Succeeded".to_string())
        } else {
            None
        };
        Ok((state, poll.body, next))
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

/// Where the status of a long-running operation is read: its `Azure-AsyncOperation` URL, else its `Location`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StatusUrl {
    pub url: String,
    /// `Azure-AsyncOperation` (a `status` field) rather than `Location` (202 until done).
    pub async_operation: bool,
}

impl StatusUrl {
    /// The status URL an accepted write gave, if it started a long-running operation.
    pub fn of(resp: &Response) -> Option<StatusUrl> {
        match (resp.header("azure-asyncoperation"), resp.header("location")) {
            (Some(url), _) => Some(StatusUrl {
                url,
                async_operation: true,
            }),
            (None, Some(url)) if resp.status == 202 || resp.status == 201 => Some(StatusUrl {
                url,
                async_operation: false,
            }),
            _ => None,
        }
    }
}

/// The terminal state the write's own answer already gives (a `provisioningState` of a non-202 answer with
/// `Azure-AsyncOperation`), if any.
pub(crate) fn finished_with_write(resp: &Response, status: &StatusUrl) -> Option<String> {
    if !status.async_operation || resp.status == 202 {
        return None;
    }
    resp.body
        .pointer("/properties/provisioningState")
        .and_then(Value::as_str)
        .filter(|s| is_terminal(s))
        .map(str::to_string)
}

pub(crate) fn is_terminal(state: &str) -> bool {
    ["succeeded", "failed", "canceled", "cancelled"].contains(&state.to_ascii_lowercase().as_str())
}

pub(crate) fn check_terminal(state: &str, body: &Value) -> Result<()> {
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
