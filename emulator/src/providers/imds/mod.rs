//! The token endpoints a process on a VM (or a scale-set instance, or an app) uses to get its managed
//! identity's tokens: IMDS (azure-facts §6.1), the legacy MSI VM extension (§6.5) and the App Service
//! style endpoint (§6.3). They are plain HTTP on 127.0.0.1, one listener for every machine: a process
//! "runs on" machine X by using X's base URL,
//!
//! - `http://127.0.0.1:{port}/vm/{vmId}` for a VM,
//! - `http://127.0.0.1:{port}/vmss/{uniqueId}/{instanceId}` for a scale-set instance,
//!
//! below which IMDS (`/metadata/identity/oauth2/token`, `/metadata/identity/info`) and the MSI
//! extension (`/oauth2/token`) are served; the App Service endpoint is `/vm/{vmId}/msi/token` or
//! `/vmss/{uniqueId}/msi/token`. A machine only ever gets its own identities. The MSI extension is also
//! served on `127.0.0.1:{settings.port}` while the extension exists (see `server::ports`).

pub mod api;
mod paths;
pub mod responses;
mod select;
mod tokens;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::state::machines;
use crate::state::shared::Shared;
use paths::{Endpoint, arm_error, machine_of, parse_path};
use responses::{internal, not_configured, oauth_error, throttled, unknown_machine};
use tokens::{app_service, extension, imds};

/// Runs a blocking handler (database, RSA signing) off the async workers.
async fn blocking(shared: &Shared, f: impl FnOnce() -> Response + Send + 'static) -> Response {
    shared.blocking(f).await.unwrap_or_else(internal)
}

/// The listener of every machine's token endpoints.
pub async fn dispatch(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    let Some((host, endpoint)) = parse_path(parts.uri.path()) else {
        return oauth_error(
            StatusCode::NOT_FOUND,
            "not_found",
            "Unknown path. Machines are served below /vm/{vmId} and /vmss/{uniqueId}/{instanceId}.",
        );
    };
    match endpoint {
        Endpoint::ImdsToken | Endpoint::ImdsInfo => {
            let Some(permit) = shared.imds_limits.acquire(&host.limit_key()) else {
                return throttled();
            };
            let a = shared.clone();
            let r = blocking(&shared, move || imds(&a, &parts, &host, endpoint)).await;
            drop(permit);
            r
        }
        Endpoint::Extension => {
            let s = shared.clone();
            blocking(&s, move || {
                extension(
                    &shared,
                    &parts,
                    |tx| machine_of(tx, &host),
                    || unknown_machine(&host),
                )
            })
            .await
        }
        Endpoint::AppService => {
            let s = shared.clone();
            blocking(&s, move || app_service(&shared, &parts, &host)).await
        }
    }
}

/// The MSI extension on its own port: only `/oauth2/token`, for the machine holding the port.
pub async fn extension_port(shared: Arc<Shared>, port: u16, req: Request<Body>) -> Response {
    let (parts, _body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if !path
        .trim_end_matches('/')
        .eq_ignore_ascii_case("/oauth2/token")
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "unknown_source",
            &format!("Unknown Source {}", parts.uri),
        );
    }
    let s = shared.clone();
    blocking(&s, move || {
        let Some(owner) = shared.ports.owner(port) else {
            return not_configured();
        };
        extension(
            &shared,
            &parts,
            |tx| machines::find_by_key(tx, &owner).map_err(arm_error),
            not_configured,
        )
    })
    .await
}
