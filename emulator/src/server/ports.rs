//! The legacy MSI VM extension's own listeners: `127.0.0.1:{settings.port}` is open while some
//! machine has a `ManagedIdentityExtensionFor{Windows,Linux}` extension claiming that port, and closed
//! (connection refused) otherwise.
//!
//! After every ARM write (and at start-up) [`reconcile`] compares the claims in the store with the open
//! listeners. One port serves one machine: the first claimant keeps it while its extension exists;
//! then the next claimant (oldest extension first) takes over. A port that cannot be bound (taken by
//! another process) is logged once and skipped until its claims go away.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use super::{ServerHandle, Surface, serve_plain};
use crate::app::App;
use crate::arm::compute;

struct Open {
    /// Store key of the machine the port serves.
    owner: String,
    /// Its ARM id (for logs and `/_emulator/info`).
    owner_id: String,
    handle: ServerHandle,
}

#[derive(Default)]
struct State {
    open: HashMap<u16, Open>,
    failed: HashSet<u16>,
    stopped: bool,
}

/// The open MSI extension ports.
#[derive(Default)]
pub struct ExtensionPorts {
    state: Mutex<State>,
}

impl ExtensionPorts {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The store key of the machine `port` serves.
    pub fn owner(&self, port: u16) -> Option<String> {
        self.lock().open.get(&port).map(|o| o.owner.clone())
    }

    /// `(port, machine id)` of every open port, by port.
    pub fn open_ports(&self) -> Vec<(u16, String)> {
        let mut v: Vec<(u16, String)> = self
            .lock()
            .open
            .iter()
            .map(|(p, o)| (*p, o.owner_id.clone()))
            .collect();
        v.sort();
        v
    }

    /// Closes every port; none opens again.
    pub fn stop_all(&self) {
        let mut s = self.lock();
        s.stopped = true;
        for (_, o) in s.open.drain() {
            o.handle.signal_stop();
        }
    }
}

/// [`reconcile`], then waits until the closed ports' listeners are gone, so that a port is refused
/// as soon as the request that removed its extension has been answered.
pub async fn reconcile_and_wait(app: &Arc<App>) {
    for handle in reconcile(app) {
        handle.stop().await;
    }
}

/// Opens and closes extension ports to match the extensions in the store; returns the listeners it
/// signalled to stop.
pub fn reconcile(app: &Arc<App>) -> Vec<ServerHandle> {
    let mut closed: Vec<ServerHandle> = Vec::new();
    let claims = match app
        .store
        .tx(|tx| compute::msi_extension_claims(tx, &app.seed.subscription_id))
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "msi-emulator: cannot read the MSI extensions: {}",
                e.message
            );
            return closed;
        }
    };
    let mut wanted: HashMap<u16, Vec<(String, String)>> = HashMap::new();
    let mut order: Vec<u16> = Vec::new();
    for (port, key, id) in claims {
        if !wanted.contains_key(&port) {
            order.push(port);
        }
        wanted.entry(port).or_default().push((key, id));
    }
    let mut state = app.ports.lock();
    if state.stopped {
        return closed;
    }
    state.failed.retain(|p| wanted.contains_key(p));
    let gone: Vec<u16> = state
        .open
        .keys()
        .filter(|p| !wanted.contains_key(p))
        .copied()
        .collect();
    for port in gone {
        if let Some(o) = state.open.remove(&port) {
            o.handle.signal_stop();
            closed.push(o.handle);
        }
    }
    for port in order {
        let claimants = &wanted[&port];
        if let Some(open) = state.open.get_mut(&port) {
            // The first claimant keeps the port; when it goes, the oldest remaining one takes over.
            if !claimants.iter().any(|(k, _)| *k == open.owner) {
                open.owner = claimants[0].0.clone();
                open.owner_id = claimants[0].1.clone();
            }
            continue;
        }
        if state.failed.contains(&port) {
            continue;
        }
        let (owner, owner_id) = claimants[0].clone();
        match bind(port) {
            Ok(listener) => {
                let handle = serve_plain(listener, app.clone(), Surface::ExtensionPort(port));
                state.open.insert(
                    port,
                    Open {
                        owner,
                        owner_id,
                        handle,
                    },
                );
            }
            Err(e) => {
                eprintln!(
                    "msi-emulator: cannot open the MSI extension port 127.0.0.1:{port} for {owner_id}: {e}; continuing without it"
                );
                state.failed.insert(port);
            }
        }
    }
    closed
}

fn bind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let std = std::net::TcpListener::bind(("127.0.0.1", port))?;
    std.set_nonblocking(true)?;
    tokio::net::TcpListener::from_std(std)
}
