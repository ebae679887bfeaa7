//! A local, persistent emulation of the Azure APIs that managed-identity automation uses.
//!
//! One HTTPS listener on `127.0.0.1` serves the ARM subset (subscriptions, resource groups, virtual
//! machines, scale sets, their extensions, user-assigned identities, role assignments and
//! definitions, with access control), an Entra ID style v2 token endpoint with OpenID discovery and
//! JWKS, and a few test hooks under `/_emulator/`. A plain-HTTP listener serves every machine's token
//! endpoints (IMDS, the legacy MSI extension, App Service style) below a per-machine base URL
//! ([`Emulator::imds_base_url`]). The contract is `docs/emulator.md`.
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
mod imds;
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
    imds_server: Option<server::ServerHandle>,
    imds_port: u16,
}

impl Emulator {
    /// Opens (or creates) the state, binds `127.0.0.1:port` (HTTPS) and `127.0.0.1:imds_port` (plain
    /// HTTP) and starts serving; opens the ports of persisted MSI extensions.
    pub async fn start(config: Config) -> Result<Emulator, Error> {
        server::install_crypto_provider();
        let bind = |port: u16| async move {
            let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|e| Error::io(format!("cannot bind 127.0.0.1:{port}"), e))?;
            let bound = l
                .local_addr()
                .map_err(|e| Error::io("cannot read the bound address", e))?
                .port();
            Ok::<_, Error>((l, bound))
        };
        let (listener, port) = bind(config.port).await?;
        let (imds_listener, imds_port) = bind(config.imds_port).await?;
        let endpoint = format!("https://127.0.0.1:{port}");
        let imds_endpoint = format!("http://127.0.0.1:{imds_port}");
        let app =
            tokio::task::spawn_blocking(move || app::App::open(config, endpoint, imds_endpoint))
                .await
                .map_err(|e| Error::other(format!("startup task failed: {e}")))??;
        let app = Arc::new(app);
        let server = server::serve(listener, app.clone())?;
        let imds_server = server::serve_plain(imds_listener, app.clone(), server::Surface::Imds);
        server::ports::reconcile_and_wait(&app).await;
        Ok(Emulator {
            app,
            server: Some(server),
            imds_server: Some(imds_server),
            imds_port,
        })
    }

    /// Port of the plain-HTTP listener serving every machine's token endpoints.
    pub fn imds_port(&self) -> u16 {
        self.imds_port
    }

    /// `http://127.0.0.1:IMDS_PORT`, without a trailing slash.
    pub fn imds_endpoint(&self) -> &str {
        &self.app.imds_endpoint
    }

    /// The base URL a process "running on" a VM (or a scale-set instance) uses for IMDS and the MSI
    /// extension: `http://127.0.0.1:{port}/vm/{vmId}` or `.../vmss/{uniqueId}/{instance}` (`instance`
    /// defaults to 0 for a scale set; a VM takes none). Clients append
    /// `/metadata/identity/oauth2/token` (as with `AZURE_POD_IDENTITY_AUTHORITY_HOST`) or
    /// `/oauth2/token`. The id is an ARM id, matched case-insensitively.
    pub fn imds_base_url(
        &self,
        compute_resource_id: &str,
        instance: Option<u32>,
    ) -> Result<String, Error> {
        imds::base_url_for(&self.app, compute_resource_id, instance)
    }

    /// `(IDENTITY_ENDPOINT, IDENTITY_HEADER)` of a VM or scale set, as App Service sets them: the App
    /// Service style token endpoint and its per-resource secret (made on first use, persisted).
    pub fn app_service_env(&self, compute_resource_id: &str) -> Result<(String, String), Error> {
        imds::app_service_env_for(&self.app, compute_resource_id)
    }

    /// Test hook: a token signed by the emulator for the principal `object_id` (the admin, a live
    /// system- or user-assigned identity) with audience `audience`, expiring `expires_in_secs` from
    /// now (negative: already expired, issued an hour before it expired). Not an Azure API; for tests
    /// of expiry and audience handling.
    pub fn mint_test_token(
        &self,
        object_id: &str,
        audience: &str,
        expires_in_secs: i64,
    ) -> Result<String, Error> {
        let principal = self
            .app
            .store
            .tx(|t| t.principal(object_id))?
            .ok_or_else(|| {
                Error::not_found(format!("no principal with object id '{object_id}'"))
            })?;
        let now = chrono::Utc::now().timestamp();
        let exp = now + expires_in_secs;
        let iat = if expires_in_secs > 0 { now } else { exp - 3600 };
        let client_auth = if principal.kind == "ServicePrincipal" {
            auth::ClientAuth::Secret
        } else {
            auth::ClientAuth::Certificate
        };
        Ok(auth::sign_token(
            &self.app.keys,
            &self.app.seed.tenant_id,
            &principal,
            audience,
            client_auth,
            iat,
            exp,
        ))
    }

    /// `(port, VM or scale set id)` of every open MSI extension port.
    pub fn msi_extension_ports(&self) -> Vec<(u16, String)> {
        self.app.ports.open_ports()
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

    /// Stops the listeners and open connections and flushes the database.
    pub async fn shutdown(mut self) {
        self.app.ports.stop_all();
        if let Some(server) = self.imds_server.take() {
            server.stop().await;
        }
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let app = self.app.clone();
        let _ = tokio::task::spawn_blocking(move || app.store.flush()).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.app.ports.stop_all();
        for server in [self.server.take(), self.imds_server.take()]
            .into_iter()
            .flatten()
        {
            server.signal_stop();
        }
    }
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("endpoint", &self.endpoint())
            .field("imds_endpoint", &self.imds_endpoint())
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
