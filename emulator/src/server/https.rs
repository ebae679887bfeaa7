//! The HTTPS listener: ARM, Entra ID, cloud metadata and the test hooks (`routing::dispatch`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::faults::Surface;
use super::listen::spawn;
use super::ports;
use super::tls::TlsMaterial;
use crate::arm::response::add_common_headers;
use crate::error::Error;
use crate::http;
use crate::routing::dispatch;
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// Largest request body accepted: ARM's limit (`RequestContentTooLarge`).
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// Starts serving HTTPS (ARM, Entra ID, hooks) on `listener` in a background task.
pub fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    tls: &TlsMaterial,
) -> Result<ServerHandle, Error> {
    let acceptor = TlsAcceptor::from(tls.server_config()?);
    let router = Router::new().fallback(handle).with_state(shared.clone());
    Ok(spawn(
        listener,
        Some(acceptor),
        shared,
        router,
        Surface::Arm,
    ))
}

fn envelope(parts_headers: &HeaderMap, status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = http::json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    );
    add_common_headers(r.headers_mut(), parts_headers);
    r
}

/// Reads the body and routes the request: a short one on this async worker, others on a blocking
/// thread (the store may wait for a disk sync, Entra ID signs tokens); after an ARM write, opens
/// or closes MSI extension ports.
async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return envelope(
                &parts.headers,
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestContentTooLarge",
                "The request content size exceeds the maximum size of 4 MB.",
            );
        }
    };
    let write = dispatch::is_arm_write(&parts);
    let answered = if dispatch::is_short(&shared, &parts) {
        // On this worker: handing the request to a blocking thread and back cost more than
        // answering it (a third of a GET's CPU went to switching threads).
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            dispatch::handle(&shared, &parts, body)
        }))
        .map_err(|_| parts.headers)
    } else {
        let headers = parts.headers.clone();
        let routed = shared.clone();
        shared
            .blocking(move || dispatch::handle(&routed, &parts, body))
            .await
            .map_err(|_| headers)
    };
    let response = match answered {
        Ok(r) => r,
        // A handler panicked: still an answer, in ARM's envelope (the fuzz tests keep this
        // from ever happening).
        Err(headers) => envelope(
            &headers,
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            "Encountered internal server error.",
        ),
    };
    // An MSI extension may have appeared or gone: open or close its port.
    if write {
        ports::reconcile_and_wait(&shared).await;
    }
    response
}
