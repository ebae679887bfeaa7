//! The legacy MSI VM extension's own listeners: `127.0.0.1:{settings.port}` is open while some
//! machine has a `ManagedIdentityExtensionFor{Windows,Linux}` extension claiming that port, and closed
//! (connection refused) otherwise.
//!
//! After every ARM write (and at start-up) [`reconcile`] compares the claims in the store with the open
//! listeners (`state::ports` keeps them and decides who owns a port).

use std::sync::Arc;

use super::plain::serve_extension_port;
use crate::state::machines;
use crate::state::ports::ServerHandle;
use crate::state::shared::Shared;

/// [`reconcile`], then waits until the closed ports' listeners are gone, so that a port is refused
/// as soon as the request that removed its extension has been answered. Skipped when no write
/// since the last one could have changed the claims ([`Store::layout_changes`]: an identity PATCH
/// cannot): reading every extension after each write was a twentieth of a PATCH's CPU.
///
/// [`Store::layout_changes`]: crate::store::Store::layout_changes
pub async fn reconcile_and_wait(shared: &Arc<Shared>) {
    // Held across the wait: a write that finds its change already reconciled by another request
    // still answers only once that request's closed ports are gone.
    let mut reconciled = shared.ports.reconciled.lock().await;
    let layout = shared.store.layout_changes();
    if *reconciled == Some(layout) {
        return;
    }
    for handle in reconcile(shared) {
        handle.stop().await;
    }
    *reconciled = Some(layout);
}

/// Opens and closes extension ports to match the extensions in the store; returns the listeners it
/// signalled to stop.
pub fn reconcile(shared: &Arc<Shared>) -> Vec<ServerHandle> {
    let claims = match shared
        .store
        .tx(|tx| machines::msi_extension_claims(tx, &shared.seed.subscription_id))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "msi-emulator: cannot read the MSI extensions: {}",
                e.message
            );
            return Vec::new();
        }
    };
    shared.ports.apply_claims(claims, |port| {
        bind(port).map(|listener| serve_extension_port(listener, shared.clone(), port))
    })
}

fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let std = std::net::TcpListener::bind(("127.0.0.1", port))?;
    std.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(std)
}
