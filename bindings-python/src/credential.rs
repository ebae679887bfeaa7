//! Credentials across the boundary, both ways:
//! - [`PyTokenCredential`]: any Python object with `get_token(*scopes)` (azure-identity's credentials, sync or
//!   async) as a core `TokenCredential`;
//! - `AccessToken`, `ClientSecretCredential` (and the `aio` one): core credentials as azure-core
//!   `TokenCredential`s, so they can be handed to Azure SDK clients.

use crate::error::{PyCause, ResultExt};
use crate::runtime::{PerProcess, current_task_locals};
use msi_identity::credential::{
    AccessToken as CoreAccessToken, BoxFuture, DEFAULT_AUTHORITY, REFRESH_MARGIN_SECS,
};
use msi_identity::{
    ClientSecretCredential as CoreClientSecretCredential,
    DefaultAzureCredential as CoreDefaultAzureCredential, DefaultCredentialOptions, Error,
    ErrorKind, HttpClient, Result, Secret, SharedCredential, TokenCredential, TokenRequestOptions,
};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// A bearer token and when it expires (Unix seconds): azure-core's `AccessToken` shape (a named pair).
#[pyclass(frozen, eq, module = "msi_identity", name = "AccessToken")]
#[derive(Clone, PartialEq)]
pub struct AccessToken {
    token: String,
    expires_on: i64,
}

impl From<CoreAccessToken> for AccessToken {
    fn from(t: CoreAccessToken) -> AccessToken {
        AccessToken {
            token: t.token.expose().to_string(),
            expires_on: t.expires_on,
        }
    }
}

#[pymethods]
impl AccessToken {
    #[new]
    fn new(token: String, expires_on: i64) -> AccessToken {
        AccessToken { token, expires_on }
    }
    #[getter]
    fn token(&self) -> &str {
        &self.token
    }
    #[getter]
    fn expires_on(&self) -> i64 {
        self.expires_on
    }
    fn __len__(&self) -> usize {
        2
    }
    fn __getitem__<'py>(&self, py: Python<'py>, i: isize) -> PyResult<Bound<'py, PyAny>> {
        match i {
            0 | -2 => Ok(self.token.clone().into_pyobject(py)?.into_any()),
            1 | -1 => Ok(self.expires_on.into_pyobject(py)?.into_any()),
            _ => Err(PyIndexError::new_err("AccessToken index out of range")),
        }
    }
    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        PyTuple::new(
            py,
            [
                self.token.clone().into_pyobject(py)?.into_any(),
                self.expires_on.into_pyobject(py)?.into_any(),
            ],
        )?
        .try_iter()
        .map(Bound::into_any)
    }
    /// Never shows the token.
    fn __repr__(&self) -> String {
        format!("AccessToken(token='***', expires_on={})", self.expires_on)
    }
}

/// A Python credential as a core credential. The GIL is taken only inside the call, on a blocking thread, and
/// never across an await. An async `get_token` is awaited on the event loop of the `aio` call being served.
/// Tokens are reused until 5 minutes before they expire, as azure-core's bearer policy does.
pub struct PyTokenCredential {
    obj: Arc<Py<PyAny>>,
    name: String,
    cache: Mutex<HashMap<String, CoreAccessToken>>,
}

impl fmt::Debug for PyTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyTokenCredential({})", self.name)
    }
}

impl PyTokenCredential {
    pub fn new(obj: &Bound<'_, PyAny>) -> PyResult<PyTokenCredential> {
        let name = obj.get_type().name()?.to_string();
        if !obj.hasattr("get_token")? {
            return Err(PyTypeError::new_err(format!(
                "credential must have get_token(*scopes) (azure-core TokenCredential); {name} has not"
            )));
        }
        Ok(PyTokenCredential {
            obj: Arc::new(obj.clone().unbind()),
            name,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// True when `get_token` is a coroutine function (an azure-core `AsyncTokenCredential`).
    pub fn is_async(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = obj.py();
        let f = obj.getattr("get_token")?;
        py.import("inspect")?
            .call_method1("iscoroutinefunction", (f,))?
            .extract()
    }

    async fn call(&self, scopes: Vec<String>) -> Result<CoreAccessToken> {
        let obj = self.obj.clone();
        let name = self.name.clone();
        let locals = current_task_locals();
        let first = on_blocking_thread(move || {
            Python::attach(|py| {
                let failed = |e| failed(py, &name, e);
                let args = PyTuple::new(py, &scopes).map_err(failed)?;
                let r = obj.bind(py).call_method1("get_token", args).map_err(failed)?;
                if !r.hasattr("__await__").unwrap_or(false) {
                    return read_token(&r, &name).map(Outcome::Ready);
                }
                match &locals {
                    Some(l) => pyo3_async_runtimes::into_future_with_locals(l, r)
                        .map(|f| Outcome::Awaiting(Box::pin(f), name.clone()))
                        .map_err(failed),
                    None => Err(failed(PyTypeError::new_err(
                        "get_token returned an awaitable: async credentials work with msi_identity.aio clients",
                    ))),
                }
            })
        })
        .await?;
        match first {
            Outcome::Ready(t) => Ok(t),
            Outcome::Awaiting(fut, name) => {
                // Awaited without the GIL; the coroutine runs on the caller's event loop.
                let value = fut.await;
                on_blocking_thread(move || {
                    Python::attach(|py| match value {
                        Ok(v) => read_token(v.bind(py), &name),
                        Err(e) => Err(failed(py, &name, e)),
                    })
                })
                .await
            }
        }
    }
}

type PyFuture = std::pin::Pin<Box<dyn Future<Output = PyResult<Py<PyAny>>> + Send>>;

enum Outcome {
    Ready(CoreAccessToken),
    Awaiting(PyFuture, String),
}

/// Run `f` (which takes the GIL) on a blocking thread, never on a runtime worker.
async fn on_blocking_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| {
        Err(Error::new(
            ErrorKind::Authentication,
            format!("the credential call did not complete: {e}"),
        ))
    })
}

/// A Python exception from a credential: an authentication error with the exception as its source.
fn failed(py: Python<'_>, name: &str, err: PyErr) -> Error {
    let cause = PyCause::new(py, err);
    Error::new(
        ErrorKind::Authentication,
        format!("{name}.get_token failed: {cause}"),
    )
    .with_source(cause)
}

fn read_token(t: &Bound<'_, PyAny>, name: &str) -> Result<CoreAccessToken> {
    let parse = || -> PyResult<CoreAccessToken> {
        let token: String = t.getattr("token")?.extract()?;
        let e = t.getattr("expires_on")?;
        let expires_on = match e.extract::<i64>() {
            Ok(v) => v,
            Err(_) => e.extract::<f64>()? as i64,
        };
        Ok(CoreAccessToken {
            token: Secret::new(token),
            expires_on,
        })
    };
    parse().map_err(|err| {
        failed(
            t.py(),
            name,
            PyTypeError::new_err(format!(
                "get_token must return an object with .token (str) and .expires_on (int): {err}"
            )),
        )
    })
}

impl TokenCredential for PyTokenCredential {
    fn get_token<'a>(&'a self, scopes: &'a [&'a str]) -> BoxFuture<'a, Result<CoreAccessToken>> {
        Box::pin(async move {
            let key = scopes.join(" ");
            if let Some(t) = self
                .cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .filter(|t| !t.expires_within(REFRESH_MARGIN_SECS))
            {
                return Ok(t.clone());
            }
            let t = self
                .call(scopes.iter().map(|s| s.to_string()).collect())
                .await?;
            self.cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key, t.clone());
            Ok(t)
        })
    }
}

/// A core credential owned by a Python object, rebuilt from its recipe in a forked child (its HTTP client's
/// connections belong to the parent's runtime).
pub struct NativeCredential {
    recipe: Box<dyn Fn() -> Result<SharedCredential> + Send + Sync>,
    built: PerProcess<SharedCredential>,
    pub repr: String,
}

impl NativeCredential {
    /// Builds once now, so that bad arguments raise at construction.
    pub fn new(
        repr: String,
        recipe: impl Fn() -> Result<SharedCredential> + Send + Sync + 'static,
    ) -> Result<Arc<NativeCredential>> {
        let first = recipe()?;
        Ok(Arc::new(NativeCredential {
            recipe: Box::new(recipe),
            built: PerProcess::with(first),
            repr,
        }))
    }

    pub fn get(&self) -> Result<SharedCredential> {
        self.built.get_or_build(|| (self.recipe)())
    }
}

/// Get a token from a native credential (GIL-free), with azure-core's request options (honoured or refused by
/// core, naming the option).
pub async fn native_token(
    cred: Arc<NativeCredential>,
    scopes: Vec<String>,
    options: TokenRequestOptions,
) -> Result<AccessToken> {
    Ok(core_token(cred, scopes, options).await?.into())
}

async fn core_token(
    cred: Arc<NativeCredential>,
    scopes: Vec<String>,
    options: TokenRequestOptions,
) -> Result<CoreAccessToken> {
    let c = cred.get()?;
    let refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    c.get_token_with(&refs, &options).await
}

/// A token as azure-core's `AccessTokenInfo` (`get_token_info`; azure-core is imported at the first call).
pub struct TokenInfo(CoreAccessToken);

impl<'py> IntoPyObject<'py> for TokenInfo {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let kwargs = PyDict::new(py);
        kwargs.set_item("token_type", "Bearer")?;
        py.import("azure.core.credentials")?
            .getattr("AccessTokenInfo")?
            .call((self.0.token.expose(), self.0.expires_on), Some(&kwargs))
    }
}

pub async fn native_token_info(
    cred: Arc<NativeCredential>,
    scopes: Vec<String>,
    options: TokenRequestOptions,
) -> Result<TokenInfo> {
    Ok(TokenInfo(core_token(cred, scopes, options).await?))
}

/// azure-core's `TokenRequestOptions` mapping (`get_token_info(*scopes, options=...)`): `claims`, `tenant_id`,
/// `enable_cae`; other keys are ignored, as azure-identity's credentials ignore them (a later azure-core may add
/// some: its policies send them only to credentials that ask for them).
pub fn request_options(options: Option<&Bound<'_, PyAny>>) -> PyResult<TokenRequestOptions> {
    let mut out = TokenRequestOptions::default();
    let Some(o) = options.filter(|o| !o.is_none()) else {
        return Ok(out);
    };
    let map = o.cast::<pyo3::types::PyMapping>().map_err(|_| {
        PyTypeError::new_err("options must be a mapping (azure-core's TokenRequestOptions)")
    })?;
    for item in map.items()?.iter() {
        let (k, v): (String, Bound<'_, PyAny>) = item.extract()?;
        match k.as_str() {
            "claims" => out.claims = v.extract()?,
            "tenant_id" => out.tenant_id = v.extract()?,
            "enable_cae" => out.enable_cae = v.extract::<Option<bool>>()?.unwrap_or(false),
            _ => {}
        }
    }
    Ok(out)
}

/// The HTTP client for a credential or client: an extra CA from PEM text or a file, else `MSI_CA_CERT`.
pub fn http_client(
    ca_cert_pem: Option<String>,
    ca_cert_path: Option<String>,
) -> Result<HttpClient> {
    match ca_pem(ca_cert_pem, ca_cert_path)? {
        Some(pem) => HttpClient::new(Some(&pem)),
        None => HttpClient::from_env(),
    }
}

/// PEM text from `ca_cert_pem` or the file `ca_cert_path` (at most one).
pub fn ca_pem(ca_cert_pem: Option<String>, ca_cert_path: Option<String>) -> Result<Option<String>> {
    match (ca_cert_pem, ca_cert_path) {
        (Some(_), Some(_)) => Err(Error::invalid_argument(
            "give ca_cert_pem or ca_cert_path, not both",
        )),
        (Some(p), None) => Ok(Some(p)),
        (None, Some(path)) => std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| Error::invalid_argument(format!("cannot read ca_cert_path {path}: {e}"))),
        (None, None) => Ok(None),
    }
}

pub fn client_secret_credential(
    py: Python<'_>,
    tenant_id: String,
    client_id: String,
    client_secret: String,
    authority: Option<String>,
    ca_cert_pem: Option<String>,
    ca_cert_path: Option<String>,
) -> PyResult<Arc<NativeCredential>> {
    let authority = authority.unwrap_or_else(|| DEFAULT_AUTHORITY.to_string());
    let pem = ca_pem(ca_cert_pem, ca_cert_path).or_raise(py)?;
    let repr = format!(
        "ClientSecretCredential(tenant_id='{tenant_id}', client_id='{client_id}', authority='{authority}')"
    );
    NativeCredential::new(repr, move || {
        let http = match &pem {
            Some(p) => HttpClient::new(Some(p))?,
            None => HttpClient::from_env()?,
        };
        Ok(Arc::new(CoreClientSecretCredential::new(
            &authority,
            &tenant_id,
            &client_id,
            Secret::new(client_secret.clone()),
            http,
        )?) as SharedCredential)
    })
    .or_raise(py)
}

/// Scopes as given to `get_token(*scopes)`.
pub fn scopes(args: &Bound<'_, PyTuple>) -> PyResult<Vec<String>> {
    args.iter().map(|s| s.extract::<String>()).collect()
}

/// Where an ARM client's tokens come from.
#[derive(Clone)]
pub enum CredentialSource {
    /// From the settings (a client secret or an access token, given or from the environment).
    Settings,
    /// One of this module's credential objects: used directly, no Python in the loop.
    Native(Arc<NativeCredential>),
    /// Any other Python object with `get_token`.
    Python(Arc<PyTokenCredential>),
}

/// Defines a credential class (sync or `aio`) over a [`NativeCredential`] built by `$ctor(py, args...)`:
/// `get_token(*scopes, **kwargs)`, `close()`, the context-manager methods and a secret-free repr.
macro_rules! credential_class {
    ($ty:ident, $pyname:literal, sync, [$($sig:tt)*], $ctor:path, ($($arg:ident : $argty:ty),*)) => {
        #[pyclass(frozen, module = "msi_identity", name = $pyname)]
        pub struct $ty {
            pub native: std::sync::Arc<$crate::credential::NativeCredential>,
        }

        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = ($($sig)*))]
            #[allow(clippy::too_many_arguments)]
            fn new(py: Python<'_>, $($arg: $argty),*) -> PyResult<Self> {
                Ok($ty { native: $ctor(py, $($arg),*)? })
            }

            /// A token for the scopes (azure-core `TokenCredential.get_token`). `claims` and `tenant_id` are
            /// honoured or refused (ClientAuthenticationError naming the option); other keywords are ignored.
            #[pyo3(signature = (*scopes, claims=None, tenant_id=None, enable_cae=false, **kwargs))]
            fn get_token(
                &self,
                py: Python<'_>,
                scopes: &Bound<'_, pyo3::types::PyTuple>,
                claims: Option<String>,
                tenant_id: Option<String>,
                enable_cae: bool,
                kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
            ) -> PyResult<Py<PyAny>> {
                let _ = kwargs;
                let scopes = $crate::credential::scopes(scopes)?;
                let options = msi_identity::TokenRequestOptions { claims, tenant_id, enable_cae };
                $crate::runtime::run_sync(py, $crate::credential::native_token(self.native.clone(), scopes, options))
            }

            /// azure-core's `SupportsTokenInfo.get_token_info`: an `azure.core.credentials.AccessTokenInfo`.
            #[pyo3(signature = (*scopes, options=None))]
            fn get_token_info(
                &self,
                py: Python<'_>,
                scopes: &Bound<'_, pyo3::types::PyTuple>,
                options: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let scopes = $crate::credential::scopes(scopes)?;
                let options = $crate::credential::request_options(options)?;
                $crate::runtime::run_sync(py, $crate::credential::native_token_info(self.native.clone(), scopes, options))
            }

            fn close(&self) {}

            fn __enter__(slf: Py<Self>) -> Py<Self> {
                slf
            }

            #[pyo3(signature = (*args))]
            fn __exit__(&self, args: &Bound<'_, pyo3::types::PyTuple>) {
                let _ = args;
            }

            fn __repr__(&self) -> String {
                self.native.repr.clone()
            }
        }
    };
    ($ty:ident, $pyname:literal, async, [$($sig:tt)*], $ctor:path, ($($arg:ident : $argty:ty),*)) => {
        #[pyclass(frozen, module = "msi_identity.aio", name = $pyname)]
        pub struct $ty {
            pub native: std::sync::Arc<$crate::credential::NativeCredential>,
        }

        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = ($($sig)*))]
            #[allow(clippy::too_many_arguments)]
            fn new(py: Python<'_>, $($arg: $argty),*) -> PyResult<Self> {
                Ok($ty { native: $ctor(py, $($arg),*)? })
            }

            /// Awaitable token for the scopes (azure-core `AsyncTokenCredential.get_token`); `claims` and
            /// `tenant_id` as in the sync class.
            #[pyo3(signature = (*scopes, claims=None, tenant_id=None, enable_cae=false, **kwargs))]
            fn get_token(
                &self,
                py: Python<'_>,
                scopes: &Bound<'_, pyo3::types::PyTuple>,
                claims: Option<String>,
                tenant_id: Option<String>,
                enable_cae: bool,
                kwargs: Option<&Bound<'_, pyo3::types::PyDict>>,
            ) -> PyResult<Py<PyAny>> {
                let _ = kwargs;
                let scopes = $crate::credential::scopes(scopes)?;
                let options = msi_identity::TokenRequestOptions { claims, tenant_id, enable_cae };
                $crate::runtime::run_async(py, $crate::credential::native_token(self.native.clone(), scopes, options))
            }

            /// azure-core's `AsyncSupportsTokenInfo.get_token_info`: an awaitable `AccessTokenInfo`.
            #[pyo3(signature = (*scopes, options=None))]
            fn get_token_info(
                &self,
                py: Python<'_>,
                scopes: &Bound<'_, pyo3::types::PyTuple>,
                options: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<Py<PyAny>> {
                let scopes = $crate::credential::scopes(scopes)?;
                let options = $crate::credential::request_options(options)?;
                $crate::runtime::run_async(py, $crate::credential::native_token_info(self.native.clone(), scopes, options))
            }

            fn close(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                $crate::runtime::run_async(py, async { Ok(()) })
            }

            fn __aenter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
                $crate::runtime::run_async(py, async move { Ok(slf) })
            }

            #[pyo3(signature = (*args))]
            fn __aexit__(&self, py: Python<'_>, args: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<Py<PyAny>> {
                let _ = args;
                $crate::runtime::run_async(py, async { Ok(()) })
            }

            fn __repr__(&self) -> String {
                self.native.repr.clone()
            }
        }
    };
}
pub(crate) use credential_class;

credential_class!(
    ClientSecretCredential,
    "ClientSecretCredential",
    sync,
    [tenant_id, client_id, client_secret, *, authority=None, ca_cert_pem=None, ca_cert_path=None],
    client_secret_credential,
    (tenant_id: String, client_id: String, client_secret: String, authority: Option<String>, ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);
credential_class!(
    AsyncClientSecretCredential,
    "ClientSecretCredential",
    async,
    [tenant_id, client_id, client_secret, *, authority=None, ca_cert_pem=None, ca_cert_path=None],
    client_secret_credential,
    (tenant_id: String, client_id: String, client_secret: String, authority: Option<String>, ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);

/// azure-identity's `DefaultAzureCredential`, as core chains it (environment service principal, workload
/// identity, managed identity, Azure CLI), configured from the environment when constructed plus these options.
#[allow(clippy::too_many_arguments)]
pub fn default_azure_credential(
    py: Python<'_>,
    authority: Option<String>,
    exclude_environment_credential: bool,
    exclude_workload_identity_credential: bool,
    exclude_managed_identity_credential: bool,
    exclude_cli_credential: bool,
    process_timeout: Option<f64>,
    ca_cert_pem: Option<String>,
    ca_cert_path: Option<String>,
) -> PyResult<Arc<NativeCredential>> {
    let mut options = DefaultCredentialOptions::from_env();
    if authority.is_some() {
        options.authority = authority;
    }
    options.exclude_environment = exclude_environment_credential;
    options.exclude_workload_identity = exclude_workload_identity_credential;
    options.exclude_managed_identity = exclude_managed_identity_credential;
    options.exclude_azure_cli = exclude_cli_credential;
    if let Some(t) = process_timeout {
        options.azure_cli_timeout = std::time::Duration::try_from_secs_f64(t)
            .map_err(|_| {
                Error::invalid_argument("process_timeout must be a number of seconds >= 0")
            })
            .or_raise(py)?;
    }
    let pem = ca_pem(ca_cert_pem, ca_cert_path).or_raise(py)?;
    let shown = |name: &str, excluded: bool| (!excluded).then(|| name.to_string());
    let sources: Vec<String> = [
        shown("EnvironmentCredential", options.exclude_environment),
        shown(
            "WorkloadIdentityCredential",
            options.exclude_workload_identity,
        ),
        shown(
            "ManagedIdentityCredential",
            options.exclude_managed_identity,
        ),
        shown("AzureCliCredential", options.exclude_azure_cli),
    ]
    .into_iter()
    .flatten()
    .collect();
    let repr = format!("DefaultAzureCredential(sources=[{}])", sources.join(", "));
    NativeCredential::new(repr, move || {
        let http = match &pem {
            Some(p) => HttpClient::new(Some(p))?,
            None => HttpClient::from_env()?,
        };
        Ok(Arc::new(CoreDefaultAzureCredential::new(options.clone(), http)) as SharedCredential)
    })
    .or_raise(py)
}

credential_class!(
    DefaultAzureCredential,
    "DefaultAzureCredential",
    sync,
    [*, authority=None, exclude_environment_credential=false, exclude_workload_identity_credential=false,
        exclude_managed_identity_credential=false, exclude_cli_credential=false, process_timeout=None,
        ca_cert_pem=None, ca_cert_path=None],
    default_azure_credential,
    (authority: Option<String>, exclude_environment_credential: bool, exclude_workload_identity_credential: bool,
        exclude_managed_identity_credential: bool, exclude_cli_credential: bool, process_timeout: Option<f64>,
        ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);
credential_class!(
    AsyncDefaultAzureCredential,
    "DefaultAzureCredential",
    async,
    [*, authority=None, exclude_environment_credential=false, exclude_workload_identity_credential=false,
        exclude_managed_identity_credential=false, exclude_cli_credential=false, process_timeout=None,
        ca_cert_pem=None, ca_cert_path=None],
    default_azure_credential,
    (authority: Option<String>, exclude_environment_credential: bool, exclude_workload_identity_credential: bool,
        exclude_managed_identity_credential: bool, exclude_cli_credential: bool, process_timeout: Option<f64>,
        ca_cert_pem: Option<String>, ca_cert_path: Option<String>)
);
