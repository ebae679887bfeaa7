//! The legacy MSI VM extension's own ports: which are open, for which machine, and the listeners
//! serving them. One port serves one machine: the first claimant keeps it while its extension exists;
//! then the next claimant (oldest extension first) takes over. A port that cannot be bound (taken by
//! another process) is logged once and skipped until its claims go away. `server::ports` opens the
//! listeners.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A running listener; stops it.
pub struct ServerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// `task` serves until `stop` turns `true`.
    pub fn new(stop: watch::Sender<bool>, task: JoinHandle<()>) -> ServerHandle {
        ServerHandle { stop, task }
    }

    pub fn signal_stop(&self) {
        let _ = self.stop.send(true);
    }

    pub async fn stop(self) {
        self.signal_stop();
        let _ = self.task.await;
    }
}

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
    /// The store's `layout_changes` the open ports were last matched against (`server::ports`).
    pub reconciled: tokio::sync::Mutex<Option<u64>>,
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

    /// Opens and closes ports to match `claims` (`(port, machine key, machine id)`, oldest extension
    /// first), opening a port with `open`; returns the listeners it signalled to stop.
    pub fn apply_claims(
        &self,
        claims: Vec<(u16, String, String)>,
        mut open: impl FnMut(u16) -> std::io::Result<ServerHandle>,
    ) -> Vec<ServerHandle> {
        let mut closed: Vec<ServerHandle> = Vec::new();
        let mut wanted: HashMap<u16, Vec<(String, String)>> = HashMap::new();
        let mut order: Vec<u16> = Vec::new();
        for (port, key, id) in claims {
            if !wanted.contains_key(&port) {
                order.push(port);
            }
            wanted.entry(port).or_default().push((key, id));
        }
        let mut state = self.lock();
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
            match open(port) {
                Ok(handle) => {
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
}
