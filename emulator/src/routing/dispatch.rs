//! The HTTPS listener's routes, by the first path segment: test hooks, ARM, cloud metadata,
//! Microsoft Graph (`v1.0`), and Entra ID for everything else.

use axum::body::Bytes;
use axum::http::Method;
use axum::http::request::Parts;
use axum::response::Response;

use super::{arm, hooks};
use crate::providers::{entra, graph};
use crate::state::shared::Shared;

/// Who answers a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Hooks,
    Arm,
    Metadata,
    Graph,
    Entra,
}

fn route_of(path: &str) -> Route {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    if is("_emulator") {
        Route::Hooks
    } else if is("subscriptions") || is("tenants") || is("providers") {
        Route::Arm
    } else if is("metadata") {
        Route::Metadata
    } else if is("v1.0") {
        Route::Graph
    } else {
        Route::Entra
    }
}

/// Answers one request of the HTTPS listener.
pub fn handle(shared: &Shared, parts: &Parts, body: Bytes) -> Response {
    match route_of(parts.uri.path()) {
        Route::Hooks => hooks::handle_hook(shared, parts, &body),
        Route::Arm => arm::handle(shared, parts, body),
        Route::Metadata => entra::metadata(shared, parts),
        Route::Graph => graph::handle(shared, parts, &body),
        Route::Entra => entra::handle(shared, parts, &body),
    }
}

/// The request takes microseconds and never waits: ARM reads, cloud metadata, and ARM writes
/// unless acknowledged writes wait for the disk. Token issuing (RSA signing, ~2 ms), Graph and the
/// test hooks are not.
pub fn is_short(shared: &Shared, parts: &Parts) -> bool {
    match route_of(parts.uri.path()) {
        Route::Metadata => true,
        Route::Arm => {
            matches!(parts.method, Method::GET | Method::HEAD) || !shared.store.waits_for_disk()
        }
        Route::Hooks | Route::Graph | Route::Entra => false,
    }
}

/// The request is an ARM write: an MSI extension may have appeared or gone.
pub fn is_arm_write(parts: &Parts) -> bool {
    route_of(parts.uri.path()) == Route::Arm && !matches!(parts.method, Method::GET | Method::HEAD)
}
