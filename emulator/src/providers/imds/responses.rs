//! The answers of the token endpoints that are not tokens: IMDS's and the MSI extension's
//! `{"error", "error_description"}`, App Service's error body.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::paths::Host;
use crate::state::limits::{MAX_CONCURRENT, RATE_PER_SECOND};
use crate::{http, util};

/// `{"error": .., "error_description": ..}`, the body IMDS and the extension answer errors with.
pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    http::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

pub(super) fn missing_metadata(error: &str) -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        error,
        "Required metadata header not specified",
    )
}

pub(super) fn unknown_machine(host: &Host) -> Response {
    let what = match host {
        Host::Vm(id) => format!("virtual machine with vmId '{id}'"),
        Host::VmssInstance(id, i) => {
            format!("instance {i} of a scale set with uniqueId '{id}'")
        }
        Host::Vmss(id) => format!("scale set with uniqueId '{id}'"),
    };
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &format!("The emulator has no {what} (it was deleted, or the base URL is wrong)."),
    )
}

pub(super) fn internal(e: impl std::fmt::Display) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &format!("The emulator failed: {e}"),
    )
}

/// The default body of an injected fault on these endpoints (IMDS's error shape).
pub fn fault_body(status: StatusCode) -> Value {
    let (error, description) = match status.as_u16() {
        404 => ("not_found", "IMDS is updating; try again."),
        410 => (
            "service_unavailable",
            "IMDS is going through updates, available within 70 seconds.",
        ),
        429 => ("too_many_requests", "Too many requests; try again later."),
        500 => (
            "unknown",
            "Failed to retrieve token from the Active directory",
        ),
        s if s >= 500 => (
            "service_unavailable",
            "The service is temporarily unavailable.",
        ),
        _ => (
            "invalid_request",
            "The emulator answered with an injected fault.",
        ),
    };
    json!({"error": error, "error_description": description})
}

pub(super) fn throttled() -> Response {
    let mut r = oauth_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        &format!(
            "Too many requests: the managed identity category of IMDS allows {RATE_PER_SECOND} requests per second and {MAX_CONCURRENT} concurrent requests per VM."
        ),
    );
    http::set(r.headers_mut(), "retry-after", "1");
    r
}

pub(super) fn identity_not_found() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "Identity not found",
    )
}

pub(super) fn not_configured() -> Response {
    oauth_error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        "The client is not authorized to request an access token using this method. The virtual machine has no ManagedIdentityExtensionForWindows or ManagedIdentityExtensionForLinux extension.",
    )
}

/// App Service's error body.
pub(super) fn app_service_error(status: StatusCode, message: &str) -> Response {
    http::json(
        status,
        &json!({"statusCode": status.as_u16(), "message": message, "correlationId": util::new_guid()}),
    )
}
