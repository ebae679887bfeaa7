//! A local, persistent emulation of the Azure APIs that managed-identity automation uses.
//!
//! One HTTPS listener on `127.0.0.1` serves the ARM subset (subscriptions, resource groups, virtual
//! machines, scale sets, their extensions, user-assigned identities, role assignments and
//! definitions, with access control), an Entra ID style v2 token endpoint with OpenID discovery and
//! JWKS, and a few test hooks under `/_emulator/` (they need the admin service principal's bearer
//! token unless [`Config::open_test_hooks`] is set). A plain-HTTP listener serves every machine's token
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

//!
//! The modules are layered, each importing only those below it:
//!
//! 1. `config`, `error`, `util`, `http`, `store`, `auth`, `throttle` (the model, its buckets), `catalog` (errors, api-versions, built-in
//!    roles, seed) and `state` (what is stored per resource kind, its queries, and [`Shared`]);
//! 2. `arm`: the ARM request context and response helpers;
//! 3. `providers`: one module per emulated service, side by side;
//! 4. `routing`, then `server` (listeners, the fault layer);
//! 5. `app` (built from the [`Config`]) and this file's [`Emulator`].
//!
//! [`Shared`]: state::shared::Shared

mod app;
mod arm;
mod auth;
mod catalog;
mod config;
mod error;
mod http;
mod providers;
mod routing;
mod server;
mod state;
mod store;
mod templates;
mod throttle;
mod util;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::server::{https, plain, ports};
use crate::state::ports::ServerHandle;

pub use config::{Config, Durability};
pub use error::{Error, ErrorKind};
pub use state::shared::MAX_BLOCKING_HANDLERS;
pub use throttle::{BucketLimit, Throttle, ThrottleLimits, ThrottleParseError};

/// The default data directory: `msi-emulator` under the user's data directory
/// (`$XDG_DATA_HOME`, `~/.local/share`, `~/Library/Application Support` or `%LOCALAPPDATA%`).
pub fn default_data_dir() -> Option<PathBuf> {
    util::user_data_dir().map(|d| d.join("msi-emulator"))
}

/// A running emulator. Dropping it stops the listener; [`Emulator::shutdown`] also waits for the
/// server to stop and flushes the database.
pub struct Emulator {
    app: app::App,
    server: Option<ServerHandle>,
    imds_server: Option<ServerHandle>,
    imds_port: u16,
}

impl Emulator {
    /// Opens (or creates) the state, binds `127.0.0.1:port` (HTTPS) and `127.0.0.1:imds_port` (plain
    /// HTTP) and starts serving; opens the ports of persisted MSI extensions.
    pub async fn start(config: Config) -> Result<Emulator, Error> {
        server::tls::install_crypto_provider();
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
        let shared = app.shared.clone();
        let server = https::serve(listener, shared.clone(), &app.tls)?;
        let imds_server = plain::serve_imds(imds_listener, shared.clone());
        ports::reconcile_and_wait(&shared).await;
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
        &self.app.shared.imds_endpoint
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
        providers::imds::api::base_url_for(&self.app.shared, compute_resource_id, instance)
    }

    /// `(IDENTITY_ENDPOINT, IDENTITY_HEADER)` of a VM or scale set, as App Service sets them: the App
    /// Service style token endpoint and its per-resource secret (made on first use, persisted).
    pub fn app_service_env(&self, compute_resource_id: &str) -> Result<(String, String), Error> {
        providers::imds::api::app_service_env_for(&self.app.shared, compute_resource_id)
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
            .shared
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
            &self.app.shared.keys,
            &self.app.shared.seed.tenant_id,
            &principal,
            audience,
            client_auth,
            iat,
            exp,
        ))
    }

    /// `(port, VM or scale set id)` of every open MSI extension port.
    pub fn msi_extension_ports(&self) -> Vec<(u16, String)> {
        self.app.shared.ports.open_ports()
    }

    /// `https://127.0.0.1:PORT`, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.app.shared.endpoint
    }

    /// The PEM of the local CA that signed the server certificate.
    pub fn ca_cert_pem(&self) -> &str {
        &self.app.tls.ca_cert_pem
    }

    /// `DIR/ca.pem` when running with a data directory.
    pub fn ca_cert_path(&self) -> Option<&Path> {
        self.app.ca_cert_path.as_deref()
    }

    /// A file holding [`Emulator::ca_cert_pem`]: `DIR/ca.pem` with a data directory; in memory,
    /// `ca.pem` (mode 0600, created new, never through a link) in a private temporary directory
    /// (mode 0700, unpredictable name) that is removed when the emulator is dropped or shut down.
    /// For clients that take the CA as a path (`REQUESTS_CA_BUNDLE`, `NODE_EXTRA_CA_CERTS`).
    pub fn ca_cert_file(&self) -> &Path {
        self.app.ca_cert_file()
    }

    /// The emulated tenant.
    pub fn tenant_id(&self) -> &str {
        &self.app.shared.seed.tenant_id
    }

    /// The default subscription.
    pub fn subscription_id(&self) -> &str {
        &self.app.shared.seed.subscription_id
    }

    /// Client (application) id of the seeded admin service principal.
    pub fn admin_client_id(&self) -> &str {
        &self.app.shared.seed.admin_client_id
    }

    /// Client secret of the seeded admin service principal (an emulator-only credential).
    pub fn admin_client_secret(&self) -> &str {
        &self.app.shared.seed.admin_client_secret
    }

    /// The text the binary prints when it starts.
    pub fn banner(&self) -> String {
        self.app.banner()
    }

    /// Stops the listeners and open connections and flushes the database.
    pub async fn shutdown(mut self) {
        self.app.shared.ports.stop_all();
        if let Some(server) = self.imds_server.take() {
            server.stop().await;
        }
        if let Some(server) = self.server.take() {
            server.stop().await;
        }
        let shared = self.app.shared.clone();
        let _ = tokio::task::spawn_blocking(move || shared.store.flush()).await;
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.app.shared.ports.stop_all();
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
            .field("data_dir", &self.app.shared.config.data_dir)
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
