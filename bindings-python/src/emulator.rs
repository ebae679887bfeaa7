//! The in-process emulator (the `msi_emulator` crate linked into the extension) for `msi_identity.emulator`:
//! start it on a free loopback port, hand out ready clients, stop it.

use crate::client::{AsyncManagedIdentityClient, ClientCore, ClientRecipe, ManagedIdentityClient};
use crate::credential::{ClientSecretCredential, client_secret_credential};
use crate::error::ResultExt;
use crate::runtime::block_on;
use msi_identity::{Secret, Settings};
use pyo3::exceptions::{PyLookupError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// What a running emulator tells its clients, kept after it stops.
struct Info {
    endpoint: String,
    ca_cert_pem: String,
    ca_cert_path: PathBuf,
    tenant_id: String,
    subscription_id: String,
    admin_client_id: String,
    admin_client_secret: String,
    persistent: bool,
}

/// A local Azure (ARM, Entra ID tokens) on `https://127.0.0.1:PORT`, in this process.
#[pyclass(frozen, module = "msi_identity.emulator", name = "Emulator")]
pub struct Emulator {
    inner: Mutex<Option<msi_emulator::Emulator>>,
    info: Info,
    pid: u32,
}

fn emulator_err(e: msi_emulator::Error) -> PyErr {
    match e.kind() {
        msi_emulator::ErrorKind::Io => PyOSError::new_err(e.to_string()),
        msi_emulator::ErrorKind::NotFound => PyLookupError::new_err(e.to_string()),
        msi_emulator::ErrorKind::InvalidInput => PyValueError::new_err(e.to_string()),
        _ => PyRuntimeError::new_err(e.to_string()),
    }
}

impl Emulator {
    /// Run `f` on the running emulator.
    fn with<T>(
        &self,
        _py: Python<'_>,
        f: impl FnOnce(&msi_emulator::Emulator) -> Result<T, msi_emulator::Error>,
    ) -> PyResult<T> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some(e) => f(e).map_err(emulator_err),
            None => Err(PyRuntimeError::new_err("the emulator is stopped")),
        }
    }

    fn settings(&self) -> Settings {
        Settings {
            endpoint: Some(self.info.endpoint.clone()),
            subscription_id: Some(self.info.subscription_id.clone()),
            tenant_id: Some(self.info.tenant_id.clone()),
            client_id: Some(self.info.admin_client_id.clone()),
            client_secret: Some(Secret::new(self.info.admin_client_secret.clone())),
            authority: Some(self.info.endpoint.clone()),
            access_token: None,
            ca_cert_pem: Some(self.info.ca_cert_pem.clone()),
            ..Settings::default()
        }
    }

    fn core(
        &self,
        py: Python<'_>,
        credential: Option<&Bound<'_, PyAny>>,
        is_aio: bool,
    ) -> PyResult<ClientCore> {
        let source = crate::client::credential_source(credential, is_aio)?;
        ClientCore::new(ClientRecipe {
            settings: self.settings(),
            credential: source,
        })
        .or_raise(py)
    }
}

#[pymethods]
impl Emulator {
    /// Start an emulator. `data_dir=None` keeps everything in memory; `port=0` (and `imds_port=0`, the plain-HTTP
    /// token endpoints of the machines) pick free ports; `lro_delay` (seconds) keeps compute operations in
    /// progress that long; `page_size` pages lists; `enforce_rbac` checks every ARM call against role assignments;
    /// `throttle` is ARM's request throttling: `"arm"` (Azure's published budgets), `"off"`, or numbers such as
    /// `"reads=250/25,writes=200/10,global=15,compute=1"`.
    #[new]
    #[pyo3(signature = (*, data_dir=None, port=0, lro_delay=0.0, page_size=100, imds_port=0, enforce_rbac=true, throttle="arm"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        data_dir: Option<PathBuf>,
        port: u16,
        lro_delay: f64,
        page_size: usize,
        imds_port: u16,
        enforce_rbac: bool,
        throttle: &str,
    ) -> PyResult<Emulator> {
        let lro_delay = Duration::try_from_secs_f64(lro_delay)
            .map_err(|_| PyValueError::new_err("lro_delay must be seconds >= 0"))?;
        let throttle: msi_emulator::Throttle = throttle
            .parse()
            .map_err(|e| PyValueError::new_err(format!("throttle: {e}")))?;
        let config = msi_emulator::Config {
            data_dir,
            port,
            lro_delay,
            page_size,
            imds_port,
            enforce_rbac,
            throttle,
            ..msi_emulator::Config::default()
        };
        let emu = block_on(py, msi_emulator::Emulator::start(config)).map_err(emulator_err)?;
        // The emulator keeps its CA in a file in memory mode too (removed when it stops).
        let ca_cert_path = emu.ca_cert_file().to_path_buf();
        let info = Info {
            endpoint: emu.endpoint().to_string(),
            ca_cert_pem: emu.ca_cert_pem().to_string(),
            ca_cert_path,
            tenant_id: emu.tenant_id().to_string(),
            subscription_id: emu.subscription_id().to_string(),
            admin_client_id: emu.admin_client_id().to_string(),
            admin_client_secret: emu.admin_client_secret().to_string(),
            persistent: emu.ca_cert_path().is_some(),
        };
        Ok(Emulator {
            inner: Mutex::new(Some(emu)),
            info,
            pid: std::process::id(),
        })
    }

    /// `https://127.0.0.1:PORT` (ARM and the Entra ID token endpoint).
    #[getter]
    fn endpoint(&self) -> &str {
        &self.info.endpoint
    }

    /// PEM of the emulator's CA.
    #[getter]
    fn ca_cert_pem(&self) -> &str {
        &self.info.ca_cert_pem
    }

    /// A file holding the CA (`DATA_DIR/ca.pem`, or a temporary file for an in-memory emulator).
    #[getter]
    fn ca_cert_path(&self) -> String {
        self.info.ca_cert_path.to_string_lossy().into_owned()
    }

    #[getter]
    fn tenant_id(&self) -> &str {
        &self.info.tenant_id
    }

    #[getter]
    fn subscription_id(&self) -> &str {
        &self.info.subscription_id
    }

    /// Client id of the seeded admin service principal.
    #[getter]
    fn admin_client_id(&self) -> &str {
        &self.info.admin_client_id
    }

    /// Its client secret (an emulator-only credential).
    #[getter]
    fn admin_client_secret(&self) -> &str {
        &self.info.admin_client_secret
    }

    /// True until `stop()`.
    #[getter]
    fn running(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// Variables that point `msi`, this package, azure-identity and the Azure SDKs at the emulator (for
    /// `os.environ.update(...)` or a subprocess's `env=`).
    fn env<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let ca = self.ca_cert_path();
        d.set_item("MSI_ARM_ENDPOINT", &self.info.endpoint)?;
        d.set_item("MSI_CA_CERT", &ca)?;
        d.set_item("AZURE_SUBSCRIPTION_ID", &self.info.subscription_id)?;
        d.set_item("AZURE_TENANT_ID", &self.info.tenant_id)?;
        d.set_item("AZURE_CLIENT_ID", &self.info.admin_client_id)?;
        d.set_item("AZURE_CLIENT_SECRET", &self.info.admin_client_secret)?;
        d.set_item("AZURE_AUTHORITY_HOST", &self.info.endpoint)?;
        d.set_item("REQUESTS_CA_BUNDLE", &ca)?;
        Ok(d)
    }

    /// A client for the emulator as its admin (or with `credential`).
    #[pyo3(signature = (credential=None))]
    fn client(
        &self,
        py: Python<'_>,
        credential: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ManagedIdentityClient> {
        Ok(ManagedIdentityClient::from_core(
            self.core(py, credential, false)?,
        ))
    }

    /// An `msi_identity.aio` client for the emulator as its admin (or with `credential`).
    #[pyo3(signature = (credential=None))]
    fn aio_client(
        &self,
        py: Python<'_>,
        credential: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<AsyncManagedIdentityClient> {
        Ok(AsyncManagedIdentityClient::from_core(
            self.core(py, credential, true)?,
        ))
    }

    /// `http://127.0.0.1:PORT`: the plain-HTTP listener of the machines' token endpoints.
    #[getter]
    fn imds_endpoint(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |e| Ok(e.imds_endpoint().to_string()))
    }

    /// The IMDS base URL of a VM (or of instance `instance` of a scale set), for
    /// `ManagedIdentityCredential(imds_endpoint=...)` or `AZURE_POD_IDENTITY_AUTHORITY_HOST`: code "running on"
    /// that machine gets its managed identities' tokens there.
    #[pyo3(signature = (compute_resource_id, instance=None))]
    fn imds_base_url(
        &self,
        py: Python<'_>,
        compute_resource_id: &str,
        instance: Option<u32>,
    ) -> PyResult<String> {
        self.with(py, |e| e.imds_base_url(compute_resource_id, instance))
    }

    /// `{"IDENTITY_ENDPOINT": ..., "IDENTITY_HEADER": ...}` of a VM or scale set, as App Service sets them.
    fn app_service_env<'py>(
        &self,
        py: Python<'py>,
        compute_resource_id: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let (endpoint, header) = self.with(py, |e| e.app_service_env(compute_resource_id))?;
        let d = PyDict::new(py);
        d.set_item("IDENTITY_ENDPOINT", endpoint)?;
        d.set_item("IDENTITY_HEADER", header)?;
        Ok(d)
    }

    /// The admin service principal as a credential (azure-core `TokenCredential`).
    fn credential(&self, py: Python<'_>) -> PyResult<ClientSecretCredential> {
        let native = client_secret_credential(
            py,
            self.info.tenant_id.clone(),
            self.info.admin_client_id.clone(),
            self.info.admin_client_secret.clone(),
            Some(self.info.endpoint.clone()),
            Some(self.info.ca_cert_pem.clone()),
            None,
        )?;
        Ok(ClientSecretCredential { native })
    }

    /// Stop serving (and flush the database when persistent). Idempotent.
    fn stop(&self, py: Python<'_>) {
        let emu = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(emu) = emu {
            if self.pid == std::process::id() {
                block_on(py, emu.shutdown());
            } else {
                // A forked child: the server runs in the parent; leave its state alone.
                std::mem::forget(emu);
            }
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) {
        let _ = args;
        self.stop(py);
    }

    fn __repr__(&self) -> String {
        format!(
            "Emulator(endpoint='{}', subscription_id='{}', tenant_id='{}', persistent={}, running={})",
            self.info.endpoint,
            self.info.subscription_id,
            self.info.tenant_id,
            if self.info.persistent {
                "True"
            } else {
                "False"
            },
            if self.running() { "True" } else { "False" }
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if self.pid != std::process::id()
            && let Some(emu) = self
                .inner
                .get_mut()
                .unwrap_or_else(|e| e.into_inner())
                .take()
        {
            std::mem::forget(emu);
        }
    }
}
