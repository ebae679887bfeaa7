//! How to run an emulator ([`Config`], re-exported at the crate root).

use std::path::PathBuf;
use std::time::Duration;

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
        }
    }
}
