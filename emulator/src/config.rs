//! How to run an emulator ([`Config`], re-exported at the crate root).

use std::path::PathBuf;
use std::time::Duration;

use crate::throttle::Throttle;

/// How acknowledged writes reach the disk (with a data directory; in memory nothing does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// A write is on disk (the write-ahead log `fsync`ed) before it is answered; concurrent
    /// writers share one `fsync` (group commit). Survives a crash of the machine.
    #[default]
    Synced,
    /// A write has reached the operating system before it is answered, not necessarily the disk:
    /// a crash of the emulator loses nothing, a crash of the machine or a power loss can lose the
    /// last writes. Faster (`msi-emulator --relaxed-durability`).
    Relaxed,
}

/// How to run an emulator.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the database, CA and keys live. `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    /// TCP port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// How long compute long-running operations stay in progress.
    pub lro_delay: Duration,
    /// Page size of list operations (`nextLink` paging).
    pub page_size: usize,
    /// TCP port on 127.0.0.1 of the plain-HTTP listener serving every machine's token endpoints
    /// (IMDS, MSI extension, App Service style); 0 picks a free port.
    pub imds_port: u16,
    /// Authorize every ARM request against the caller's role assignments (403 otherwise).
    pub enforce_rbac: bool,
    /// How acknowledged writes reach the disk.
    pub durability: Durability,
    /// Serve the test hooks under `/_emulator/` without a token. By default they need the admin
    /// service principal's bearer token (`msi-emulator --open-test-hooks` opens them).
    pub open_test_hooks: bool,
    /// How long a client may take to send a request's headers, and (HTTP/1.1) to start the next
    /// request on a kept-alive connection; also bounds the TLS handshake. On every listener.
    pub header_read_timeout: Duration,
    /// A connection with no request in flight for this long is closed (HTTP/1.1 and HTTP/2), on
    /// every listener.
    pub idle_timeout: Duration,
    /// Open connections served at once per listener; further clients wait to be accepted.
    pub max_connections: usize,
    /// ARM's request throttling: Azure's token buckets and Compute's per-VM update limit by default
    /// ([`Throttle::Arm`]); [`Throttle::Off`] for tests that send bulk volumes.
    pub throttle: Throttle,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: None,
            port: 0,
            lro_delay: Duration::ZERO,
            page_size: 100,
            imds_port: 0,
            enforce_rbac: true,
            durability: Durability::Synced,
            open_test_hooks: false,
            header_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(120),
            max_connections: 512,
            throttle: Throttle::Arm,
        }
    }
}
