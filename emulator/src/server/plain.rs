//! The plain-HTTP listeners: every machine's token endpoints, and an MSI extension's own port.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use tokio::net::TcpListener;

use super::faults::Surface;
use super::listen::spawn;
use crate::providers::imds;
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// Starts serving every machine's token endpoints (IMDS, MSI extension, App Service style).
pub fn serve_imds(listener: TcpListener, shared: Arc<Shared>) -> ServerHandle {
    let router = Router::new()
        .fallback(imds::dispatch)
        .with_state(shared.clone());
    spawn(listener, None, shared, router, Surface::Imds)
}

/// Starts serving the MSI extension on its own `port`.
pub fn serve_extension_port(listener: TcpListener, shared: Arc<Shared>, port: u16) -> ServerHandle {
    let router = Router::new()
        .fallback(move |State(shared): State<Arc<Shared>>, req: Request| {
            imds::extension_port(shared, port, req)
        })
        .with_state(shared.clone());
    spawn(listener, None, shared, router, Surface::ExtensionPort(port))
}
