//! A local, persistent emulation of the Azure APIs that managed-identity automation uses.
//!
//! One HTTPS listener on `127.0.0.1` serves the ARM subset (subscriptions, resource groups, virtual
//! machines, scale sets, their extensions, user-assigned identities), an Entra ID style v2 token
//! endpoint with OpenID discovery and JWKS, and a few test hooks under `/_emulator/`. The contract
//! is `docs/emulator.md`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), msi_emulator::Error> {
//! let emulator = msi_emulator::Emulator::start(msi_emulator::Config::default()).await?;
//! println!("{}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```

mod app;
mod arm;
mod auth;
mod entra;
mod error;
mod faults;
mod http;
mod server;
mod store;
mod util;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use error::{Error, ErrorKind};

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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: None,
            port: 0,
            lro_delay: Duration::ZERO,
            page_size: 100,
        }
    }
}

/// The default data directory: `msi-emulator` under the user's data directory
/// (`$XDG_DATA_HOME`, `~/.local/share`, `~/Library/Application Support` or `%LOCALAPPDATA%`).
pub fn default_data_dir() -> Option<PathBuf> {
    util::user_data_dir().map(|d| d.join("msi-emulator"))
}

/// A running emulator. Dropping it stops the listener; [`Emulator::shutdown`] also waits for the
/// server to stop and flushes the database.
pub struct Emulator {
    app: Arc<app::App>,
    server: Option<server::ServerHandle>,
}

impl Emulator {
    /// Opens (or creates) the state, binds `127.0.0.1:port` and starts serving.
    pub async fn start(config: Config) -> Result<Emulator, Error> {
        server::install_crypto_provider();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port))
            .await
            .map_err(|e| Error::io(format!("cannot bind 127.0.0.1:{}", config.port), e))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::io("cannot read the bound address", e))?
            .port();
        let endpoint = format!("https://127.0.0.1:{port}");
        let app = tokio::task::spawn_blocking(move || app::App::open(config, endpoint))
            .await
            .map_err(|e| Error::other(format!("startup task failed: {e}")))??;
        let app = Arc::new(app);
        let server = server::serve(listener, app.clone())?;
        Ok(Emulator {
            app,
            server: Some(server),
        })
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.app.endpoint
    }

    /// The PEM of the local CA that signed the server certificate.
    pub fn ca_cert_pem(&self) -> &str {
        &self.app.tls.ca_cert_pem
    }

    /// `DIR/ca.pem` when running with a data directory.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.app.ca_cert_path.as_deref()
    }

    /// The emulated tenant.
    pub fn tenant_id(&self) -> &str {
        &self.app.seed.tenant_id
    }

    /// The default subscription.
    pub fn subscription_id(&self) -> &str {
        &self.app.seed.subscription_id
    }

    /// Client (application) id of the seeded admin service principal.
    pub fn admin_client_id(&self) -> &str {
        &self.app.seed.admin_client_id
    }

    /// Client secret of the seeded admin service principal (an emulator-only credential).
    pub fn admin_client_secret(&self) -> &str {
        &self.app.seed.admin_client_secret
    }

    /// The text the binary prints when it starts.
    pub fn banner(&self) -> String {
        self.app.banner()
    }

    /// Stops the listener and open connections and flushes the database.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let app = self.app.clone();
        let _ = tokio::task::spawn_blocking(move || app.store.flush()).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.signal_stop();
        }
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint())
            .field("tenant_id", &self.tenant_id())
            .field("subscription_id", &self.subscription_id())
            .field("admin_client_id", &self.admin_client_id())
            .field("admin_client_secret", &"<redacted>")
            .field("data_dir", &self.app.config.data_dir)
            .finish()
    }
}

/// Starts an emulator, prints its banner and serves until Ctrl-C (what the binary and
/// `msi emulator start` run).
pub async fn run_forever(config: Config) -> Result<(), Error> {
    let emulator = Emulator::start(config).await?;
    println!("{}", emulator.banner());
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::io("cannot wait for Ctrl-C", e))?;
    println!("msi-emulator: stopping");
    emulator.shutdown().await;
    Ok(())
}
