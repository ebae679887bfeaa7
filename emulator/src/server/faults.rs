//! The fault layer (test hooks, not Azure): every request is logged, and an injected fault matching
//! it is answered (or the connection dropped) before the router sees the request. The faults are
//! managed under `/_emulator/faults` (`routing::hooks`).

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hyper::body::Incoming;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::arm::response::add_common_headers;
use crate::http;
use crate::providers::imds::responses::fault_body;
use crate::routing::hooks::is_hook_path;
use crate::state::hooks::Fault;
use crate::state::shared::Shared;

/// Which listener a request arrived on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    /// HTTPS: ARM, Entra ID, test hooks.
    Arm,
    /// Plain HTTP: every machine's token endpoints.
    Imds,
    /// Plain HTTP: the MSI extension on its own port.
    ExtensionPort(u16),
}

/// The service refused to answer: hyper closes the connection without a response.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

/// Records the request and applies injected faults before anything else sees it.
pub async fn intercept(
    shared: Arc<Shared>,
    router: Router,
    surface: Surface,
    req: hyper::Request<Incoming>,
) -> Result<Response, DropConnection> {
    let path = req.uri().path().to_string();
    if surface != Surface::Arm || !is_hook_path(&path) {
        let method = req.method().as_str().to_string();
        shared.hooks.record(&method, &path);
        if let Some(fault) = shared.hooks.take_fault(&method, &path) {
            if fault.drop_after_answer {
                let _answered = router.oneshot(req.map(Body::new)).await;
                return Err(DropConnection);
            }
            if fault.drop_connection {
                return Err(DropConnection);
            }
            return Ok(response(&fault, &path, req.headers(), surface));
        }
    }
    let response = router.oneshot(req.map(Body::new)).await;
    Ok(response.unwrap_or_else(|e: Infallible| match e {}))
}

/// The injected response: ARM's (or on token paths Entra's) envelope on the HTTPS listener, IMDS's
/// `{"error","error_description"}` on the token endpoints of machines.
fn response(fault: &Fault, path: &str, request_headers: &HeaderMap, surface: Surface) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if surface != Surface::Arm {
        let body = fault.body.clone().unwrap_or_else(|| fault_body(status));
        let mut r = http::json(status, &body);
        if let Some(s) = fault.retry_after {
            http::set(r.headers_mut(), "retry-after", &s.to_string());
        }
        return r;
    }
    let entra = path.to_ascii_lowercase().contains("/oauth2/");
    let body = fault.body.clone().unwrap_or_else(|| {
        if entra {
            default_entra_body(status)
        } else {
            default_arm_body(status)
        }
    });
    let mut r = http::json(status, &body);
    if let Some(s) = fault.retry_after {
        http::set(r.headers_mut(), "retry-after", &s.to_string());
    }
    add_common_headers(r.headers_mut(), request_headers);
    r
}

fn default_arm_body(status: StatusCode) -> Value {
    let (code, message) = match status.as_u16() {
        429 => (
            "TooManyRequests",
            "The request is being throttled. Please try again after the interval in the Retry-After header.",
        ),
        500 => ("InternalServerError", "Encountered internal server error."),
        502 => ("BadGateway", "The gateway received an invalid response."),
        503 => (
            "ServiceUnavailable",
            "The service is temporarily unavailable.",
        ),
        504 => (
            "GatewayTimeout",
            "The gateway did not receive a response within the specified time period.",
        ),
        409 => (
            "Conflict",
            "The request failed due to conflict with a concurrent request.",
        ),
        _ => (
            "InjectedFault",
            "The emulator answered with an injected fault.",
        ),
    };
    json!({"error": {"code": code, "message": message}})
}

fn default_entra_body(status: StatusCode) -> Value {
    let (code, description) = match status.as_u16() {
        429 => (
            "temporarily_unavailable",
            "AADSTS50196: The server terminated an operation because it encountered a client request loop.",
        ),
        s if s >= 500 => (
            "temporarily_unavailable",
            "AADSTS90033: A transient error has occurred. Please try again.",
        ),
        _ => (
            "invalid_request",
            "AADSTS90000: The emulator answered with an injected fault.",
        ),
    };
    json!({"error": code, "error_description": description})
}
