//! The HTTPS listener: ARM, Entra ID, cloud metadata and the test hooks (`routing::dispatch`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::faults::Surface;
use super::listen::spawn;
use super::ports;
use super::tls::TlsMaterial;
use crate::error::Error;
use crate::http;
use crate::routing::dispatch;
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// Largest request body accepted.
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

/// Reads the body and routes the request; after an ARM write, opens or closes MSI extension ports.
async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return http::json(
                StatusCode::PAYLOAD_TOO_LARGE,
                &serde_json::json!({"error": {"code": "RequestTooLarge",
                    "message": "The request content is larger than the emulator accepts."}}),
            );
        }
    };
    let response = dispatch::handle(&shared, &parts, body);
    // An MSI extension may have appeared or gone: open or close its port.
    if dispatch::is_arm_write(&parts) {
        ports::reconcile_and_wait(&shared).await;
    }
    response
}
