//! The local Azure emulator (crate `msi-emulator`) linked into the addon, for tests of users' own automation:
//! start it in-process, point clients (ours, `@azure/*`, az) at it, stop it.

use crate::client::MsiClient;
use crate::error::{IntoNapi, emulator_error};
use msi_identity::{Secret, Settings};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// How to run an emulator. Default: in memory, any free port, no LRO delay, 100 items per page.
#[napi(object)]
#[derive(Default)]
pub struct EmulatorOptions {
    /// Keep state (SQLite), the CA and keys here; default: in memory.
    pub data_dir: Option<String>,
    /// TCP port on 127.0.0.1; 0 or unset picks a free one.
    pub port: Option<u32>,
    /// How long compute long-running operations stay in progress.
    pub lro_delay_ms: Option<u32>,
    /// Page size of list operations.
    pub page_size: Option<u32>,
    /// Port of the plain-HTTP listener serving the machines' token endpoints (IMDS, MSI extension, App
    /// Service style); 0 or unset picks a free one.
    pub imds_port: Option<u32>,
    /// Authorize every ARM request against the caller's role assignments (403 otherwise); default true.
    pub enforce_rbac: Option<bool>,
    /// ARM request throttling: `"arm"` (default: Azure's published budgets), `"off"`, or numbers such as
    /// `"reads=250/25,writes=200/10,global=15,compute=1"`.
    pub throttle: Option<String>,
}

/// `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` of a VM or scale set, as App Service sets them.
#[napi(object)]
pub struct AppServiceEnv {
    #[napi(js_name = "IDENTITY_ENDPOINT")]
    pub identity_endpoint: String,
    #[napi(js_name = "IDENTITY_HEADER")]
    pub identity_header: String,
}

fn port(what: &str, p: Option<u32>) -> Result<u16> {
    u16::try_from(p.unwrap_or(0))
        .map_err(|_| crate::error::invalid(format!("{what} must be at most 65535, not {p:?}")))
}

/// What to export so that clients use the emulator (`Object.assign(process.env, emulator.env())`).
#[napi(object)]
pub struct EmulatorEnv {
    #[napi(js_name = "MSI_ARM_ENDPOINT")]
    pub msi_arm_endpoint: String,
    #[napi(js_name = "MSI_CA_CERT")]
    pub msi_ca_cert: String,
    #[napi(js_name = "AZURE_SUBSCRIPTION_ID")]
    pub azure_subscription_id: String,
    #[napi(js_name = "AZURE_TENANT_ID")]
    pub azure_tenant_id: String,
    #[napi(js_name = "AZURE_CLIENT_ID")]
    pub azure_client_id: String,
    #[napi(js_name = "AZURE_CLIENT_SECRET")]
    pub azure_client_secret: String,
    /// Read by Node at start-up only: pass it to child processes.
    #[napi(js_name = "NODE_EXTRA_CA_CERTS")]
    pub node_extra_ca_certs: String,
}

/// A running emulator: ARM (compute, managed identity, resource groups), Entra ID tokens, over HTTPS on
/// 127.0.0.1. It does not keep Node alive; `stop()` it when done.
#[napi]
pub struct Emulator {
    inner: Mutex<Option<msi_emulator::Emulator>>,
    endpoint: String,
    ca_cert_pem: String,
    ca_cert_path: String,
    tenant_id: String,
    subscription_id: String,
    admin_client_id: String,
    admin_client_secret: String,
}

impl Emulator {
    fn with<T>(&self, f: impl FnOnce(&msi_emulator::Emulator) -> Result<T>) -> Result<T> {
        match self
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some(e) => f(e),
            None => Err(crate::error::invalid("the emulator is stopped")),
        }
    }
}

#[napi]
impl Emulator {
    /// Start an emulator (in memory unless `dataDir` is given).
    #[napi(writable = true, configurable = true)]
    pub async fn start(options: Option<EmulatorOptions>) -> Result<Emulator> {
        let o = options.unwrap_or_default();
        let mut config = msi_emulator::Config {
            data_dir: o.data_dir.map(PathBuf::from),
            port: port("port", o.port)?,
            imds_port: port("imdsPort", o.imds_port)?,
            lro_delay: Duration::from_millis(o.lro_delay_ms.unwrap_or(0).into()),
            ..Default::default()
        };
        if let Some(p) = o.page_size {
            config.page_size = p as usize;
        }
        if let Some(r) = o.enforce_rbac {
            config.enforce_rbac = r;
        }
        if let Some(t) = &o.throttle {
            config.throttle = t
                .parse()
                .map_err(|e| crate::error::invalid(format!("throttle: {e}")))?;
        }
        let e = msi_emulator::Emulator::start(config)
            .await
            .map_err(emulator_error)?;
        // `DIR/ca.pem`, or in memory mode a private temporary file the emulator removes when it stops.
        let ca_cert_path = e.ca_cert_file().to_string_lossy().into_owned();
        Ok(Emulator {
            endpoint: e.endpoint().to_string(),
            ca_cert_pem: e.ca_cert_pem().to_string(),
            ca_cert_path,
            tenant_id: e.tenant_id().to_string(),
            subscription_id: e.subscription_id().to_string(),
            admin_client_id: e.admin_client_id().to_string(),
            admin_client_secret: e.admin_client_secret().to_string(),
            inner: Mutex::new(Some(e)),
        })
    }

    /// `https://127.0.0.1:PORT`, no trailing slash.
    #[napi(getter)]
    pub fn endpoint(&self) -> String {
        self.endpoint.clone()
    }

    /// The PEM of the emulator's CA.
    #[napi(getter)]
    pub fn ca_cert_pem(&self) -> String {
        self.ca_cert_pem.clone()
    }

    /// A file holding the CA (`DIR/ca.pem`, or a temporary file in memory mode).
    #[napi(getter)]
    pub fn ca_cert_path(&self) -> String {
        self.ca_cert_path.clone()
    }

    #[napi(getter)]
    pub fn tenant_id(&self) -> String {
        self.tenant_id.clone()
    }

    #[napi(getter)]
    pub fn subscription_id(&self) -> String {
        self.subscription_id.clone()
    }

    /// Client ID of the seeded admin service principal.
    #[napi(getter)]
    pub fn admin_client_id(&self) -> String {
        self.admin_client_id.clone()
    }

    /// Client secret of the seeded admin service principal (an emulator-only credential).
    #[napi(getter)]
    pub fn admin_client_secret(&self) -> String {
        self.admin_client_secret.clone()
    }

    /// The environment that points clients at this emulator.
    #[napi]
    pub fn env(&self) -> EmulatorEnv {
        EmulatorEnv {
            msi_arm_endpoint: self.endpoint.clone(),
            msi_ca_cert: self.ca_cert_path.clone(),
            azure_subscription_id: self.subscription_id.clone(),
            azure_tenant_id: self.tenant_id.clone(),
            azure_client_id: self.admin_client_id.clone(),
            azure_client_secret: self.admin_client_secret.clone(),
            node_extra_ca_certs: self.ca_cert_path.clone(),
        }
    }

    /// A client signed in as the admin service principal.
    #[napi]
    pub fn client(&self) -> Result<MsiClient> {
        let s = Settings {
            endpoint: Some(self.endpoint.clone()),
            subscription_id: Some(self.subscription_id.clone()),
            tenant_id: Some(self.tenant_id.clone()),
            client_id: Some(self.admin_client_id.clone()),
            client_secret: Some(Secret::new(self.admin_client_secret.clone())),
            ca_cert_pem: Some(self.ca_cert_pem.clone()),
            ..Default::default()
        };
        Ok(MsiClient::from_core(s.client().napi()?))
    }

    /// `http://127.0.0.1:IMDS_PORT`: the plain-HTTP listener of every machine's token endpoints.
    #[napi(getter)]
    pub fn imds_endpoint(&self) -> Result<String> {
        self.with(|e| Ok(e.imds_endpoint().to_string()))
    }

    /// The base URL a process "running on" a VM (or scale-set instance, default 0) uses for IMDS and the MSI
    /// extension: give it to `new ManagedIdentityCredential({ source: 'imds', endpoint })` (or set
    /// `AZURE_POD_IDENTITY_AUTHORITY_HOST`).
    #[napi]
    pub fn imds_base_url(
        &self,
        compute_resource_id: String,
        instance: Option<u32>,
    ) -> Result<String> {
        self.with(|e| {
            e.imds_base_url(&compute_resource_id, instance)
                .map_err(emulator_error)
        })
    }

    /// The App Service style token endpoint of a VM or scale set (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`).
    #[napi]
    pub fn app_service_env(&self, compute_resource_id: String) -> Result<AppServiceEnv> {
        self.with(|e| {
            let (identity_endpoint, identity_header) = e
                .app_service_env(&compute_resource_id)
                .map_err(emulator_error)?;
            Ok(AppServiceEnv {
                identity_endpoint,
                identity_header,
            })
        })
    }

    /// Whether `stop()` has not been called yet.
    #[napi(getter)]
    pub fn running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Stop the listener and open connections and flush the database. Calling it again does nothing.
    #[napi]
    pub async fn stop(&self) -> Result<()> {
        let e = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(e) = e {
            e.shutdown().await;
        }
        Ok(())
    }
}
