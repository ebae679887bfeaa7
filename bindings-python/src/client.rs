//! `ManagedIdentityClient` (sync) and `msi_identity.aio.ManagedIdentityClient`: one set of methods over core's
//! `ArmClient`, generated twice by [`client_class!`]. A sync method releases the GIL and blocks on the runtime;
//! an aio method returns an awaitable. Resource groups (core's `client`) are here too.

use crate::compute::{self, BasicArgs, Parent, Target};
use crate::credential::{
    AsyncClientSecretCredential, ClientSecretCredential, CredentialSource, NativeCredential,
    PyTokenCredential, ca_pem,
};
use crate::error::ResultExt;
use crate::json::{Json, from_py};
use crate::managed_identity::{AsyncManagedIdentityCredential, ManagedIdentityCredential};
use crate::runtime::{PerProcess, run_async, run_sync};
use crate::{roles, user_identity};
use msi_identity::{ArmClient, ComputeKind, Error, Result, RetryOptions, Secret, Settings};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::Arc;
use std::time::Duration;

/// What a client is made from; kept so that a forked child can build its own.
#[derive(Clone)]
pub struct ClientRecipe {
    pub settings: Settings,
    pub credential: CredentialSource,
    pub retry: RetryOptions,
    /// Longest wait for a long-running operation; `None` keeps core's default.
    pub lro_timeout: Option<Duration>,
}

impl ClientRecipe {
    fn build(&self) -> Result<ArmClient> {
        let s = &self.settings;
        let mut options = s.client_options()?;
        let credential = match &self.credential {
            CredentialSource::Settings => {
                s.credential(options.http.as_ref().expect("set by client_options"))?
            }
            CredentialSource::Native(n) => n.get()?,
            CredentialSource::Python(p) => p.clone(),
        };
        options.retry = self.retry.clone();
        if let Some(t) = self.lro_timeout {
            options.lro_timeout = t;
        }
        ArmClient::new(credential, options)
    }
}

/// The state both client classes share: the recipe and this process's `ArmClient`.
pub struct ClientCore {
    recipe: ClientRecipe,
    built: PerProcess<ArmClient>,
}

impl ClientCore {
    /// Builds once now, so that bad settings raise at construction.
    pub fn new(recipe: ClientRecipe) -> Result<ClientCore> {
        let first = recipe.build()?;
        Ok(ClientCore {
            recipe,
            built: PerProcess::with(first),
        })
    }

    pub fn arm(&self) -> Result<ArmClient> {
        self.built.get_or_build(|| self.recipe.build())
    }
}

/// The native credential behind one of this package's credential objects, if `obj` is one.
fn native_credential(obj: &Bound<'_, PyAny>) -> Option<Arc<NativeCredential>> {
    if let Ok(c) = obj.cast::<ManagedIdentityCredential>() {
        return Some(c.get().native.clone());
    }
    if let Ok(c) = obj.cast::<AsyncManagedIdentityCredential>() {
        return Some(c.get().native.clone());
    }
    if let Ok(c) = obj.cast::<ClientSecretCredential>() {
        return Some(c.get().native.clone());
    }
    if let Ok(c) = obj.cast::<AsyncClientSecretCredential>() {
        return Some(c.get().native.clone());
    }
    None
}

pub(crate) fn credential_source(
    obj: Option<&Bound<'_, PyAny>>,
    is_aio: bool,
) -> PyResult<CredentialSource> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(CredentialSource::Settings);
    };
    if let Some(n) = native_credential(obj) {
        return Ok(CredentialSource::Native(n));
    }
    let bridge = PyTokenCredential::new(obj)?;
    if !is_aio && PyTokenCredential::is_async(obj)? {
        return Err(PyTypeError::new_err(
            "this credential's get_token is a coroutine function: use it with msi_identity.aio.ManagedIdentityClient",
        ));
    }
    Ok(CredentialSource::Python(Arc::new(bridge)))
}

fn secs(what: &str, v: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(v)
        .map_err(|_| Error::invalid_argument(format!("{what} must be a number of seconds >= 0")))
}

/// Options both constructors take.
pub struct ClientArgs {
    pub subscription_id: Option<String>,
    pub endpoint: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub authority: Option<String>,
    pub access_token: Option<String>,
    pub ca_cert_pem: Option<String>,
    pub ca_cert_path: Option<String>,
    pub retry_total: Option<u32>,
    pub retry_backoff_factor: Option<f64>,
    pub retry_backoff_max: Option<f64>,
    pub polling_timeout: Option<f64>,
    pub use_environment: bool,
}

impl ClientArgs {
    fn recipe(self, credential: CredentialSource) -> Result<ClientRecipe> {
        let mut settings = Settings {
            endpoint: self.endpoint,
            subscription_id: self.subscription_id,
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Secret::new),
            authority: self.authority,
            access_token: self.access_token.map(Secret::new),
            ca_cert_pem: ca_pem(self.ca_cert_pem, self.ca_cert_path)?,
        };
        if self.use_environment {
            settings = settings.with_env()?;
        }
        let mut retry = RetryOptions::default();
        if let Some(n) = self.retry_total {
            retry.max_retries = n;
        }
        if let Some(f) = self.retry_backoff_factor {
            retry.initial_delay = secs("retry_backoff_factor", f)?;
        }
        if let Some(m) = self.retry_backoff_max {
            retry.max_delay = secs("retry_backoff_max", m)?;
        }
        let mut lro_timeout = None;
        if let Some(t) = self.polling_timeout {
            lro_timeout = Some(secs("polling_timeout", t)?);
        }
        Ok(ClientRecipe {
            settings,
            credential,
            retry,
            lro_timeout,
        })
    }
}

pub fn new_core(
    py: Python<'_>,
    credential: Option<&Bound<'_, PyAny>>,
    args: ClientArgs,
    is_aio: bool,
) -> PyResult<ClientCore> {
    let source = credential_source(credential, is_aio)?;
    args.recipe(source).and_then(ClientCore::new).or_raise(py)
}

fn target(
    resource_group: Option<String>,
    name: Option<String>,
    resource_id: Option<String>,
) -> Target {
    Target {
        resource_group,
        name,
        resource_id,
    }
}

fn parent(
    resource_group: Option<String>,
    vm_name: Option<String>,
    vmss_name: Option<String>,
    resource_id: Option<String>,
) -> Parent {
    Parent {
        resource_group,
        vm_name,
        vmss_name,
        resource_id,
    }
}

fn model(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<serde_json::Value>> {
    obj.filter(|o| !o.is_none()).map(from_py).transpose()
}

/// Defines one client class. `$run` is [`run_sync`] or [`run_async`]; `$ctx` adds the context-manager methods.
macro_rules! client_class {
    ($ty:ident, $pyname:literal, $module:literal, $run:ident, $is_aio:literal, { $($ctx:tt)* }) => {
        #[pyclass(frozen, module = $module, name = $pyname)]
        pub struct $ty {
            core: ClientCore,
        }

        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = (credential=None, subscription_id=None, *, endpoint=None, tenant_id=None,
                client_id=None, client_secret=None, authority=None, access_token=None, ca_cert_pem=None,
                ca_cert_path=None, retry_total=None, retry_backoff_factor=None, retry_backoff_max=None,
                polling_timeout=None, use_environment=true))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                credential: Option<&Bound<'_, PyAny>>,
                subscription_id: Option<String>,
                endpoint: Option<String>,
                tenant_id: Option<String>,
                client_id: Option<String>,
                client_secret: Option<String>,
                authority: Option<String>,
                access_token: Option<String>,
                ca_cert_pem: Option<String>,
                ca_cert_path: Option<String>,
                retry_total: Option<u32>,
                retry_backoff_factor: Option<f64>,
                retry_backoff_max: Option<f64>,
                polling_timeout: Option<f64>,
                use_environment: bool,
            ) -> PyResult<Self> {
                let args = ClientArgs {
                    subscription_id,
                    endpoint,
                    tenant_id,
                    client_id,
                    client_secret,
                    authority,
                    access_token,
                    ca_cert_pem,
                    ca_cert_path,
                    retry_total,
                    retry_backoff_factor,
                    retry_backoff_max,
                    polling_timeout,
                    use_environment,
                };
                Ok($ty { core: new_core(py, credential, args, $is_aio)? })
            }

            /// The default subscription of this client.
            #[getter]
            fn subscription_id(&self, py: Python<'_>) -> PyResult<String> {
                Ok(self.core.arm().or_raise(py)?.subscription_id().to_string())
            }

            /// The ARM endpoint, e.g. `https://management.azure.com` or an emulator's.
            #[getter]
            fn endpoint(&self, py: Python<'_>) -> PyResult<String> {
                Ok(self.core.arm().or_raise(py)?.endpoint().to_string())
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let c = self.core.arm().or_raise(py)?;
                Ok(format!(
                    "{}(endpoint='{}', subscription_id='{}')",
                    $pyname,
                    c.endpoint(),
                    c.subscription_id()
                ))
            }

            $($ctx)*

            // ---- resource groups (core `client`)

            /// Create or update a resource group (`az group create`); the ARM JSON.
            fn create_resource_group(&self, py: Python<'_>, name: String, location: String) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, async move { Ok(Json(c.create_resource_group(&name, &location).await?)) })
            }

            /// Read a resource group; the ARM JSON.
            fn get_resource_group(&self, py: Python<'_>, name: String) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, async move { Ok(Json(c.get_resource_group(&name).await?)) })
            }

            // ---- VMs and scale sets (core `compute`)

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn vm_identity_show(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_show(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn vmss_identity_show(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_show(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vm_identity_assign(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identities: Option<Vec<String>>, system_assigned: Option<bool>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_assign(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id), identities.unwrap_or_default(), system_assigned))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vmss_identity_assign(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identities: Option<Vec<String>>, system_assigned: Option<bool>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_assign(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id), identities.unwrap_or_default(), system_assigned))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None, all_user_assigned=false, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vm_identity_remove(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identities: Option<Vec<String>>, system_assigned: Option<bool>, all_user_assigned: bool, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_remove(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id), identities.unwrap_or_default(), system_assigned, all_user_assigned))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None, all_user_assigned=false, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vmss_identity_remove(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identities: Option<Vec<String>>, system_assigned: Option<bool>, all_user_assigned: bool, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_remove(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id), identities.unwrap_or_default(), system_assigned, all_user_assigned))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identity_type, identities=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vm_identity_set(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identity_type: String, identities: Option<Vec<String>>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_set(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id), identity_type, identities))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, identity_type, identities=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn vmss_identity_set(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, identity_type: String, identities: Option<Vec<String>>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::identity_set(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id), identity_type, identities))
            }

            #[pyo3(signature = (resource_group=None, name=None, model=None, *, image=None, size=None, admin_username=None,
                admin_password=None, ssh_public_key=None, location=None, system_assigned=false, assign_identity=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn create_vm(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, model: Option<&Bound<'_, PyAny>>,
                image: Option<String>, size: Option<String>, admin_username: Option<String>, admin_password: Option<String>,
                ssh_public_key: Option<String>, location: Option<String>, system_assigned: bool, assign_identity: Option<Vec<String>>,
                resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let model = self::model(model)?;
                let basic = BasicArgs { image, size, admin_username, admin_password, ssh_public_key, location, instance_count: None };
                $run(py, compute::create(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id), model, basic, system_assigned, assign_identity.unwrap_or_default()))
            }

            #[pyo3(signature = (resource_group=None, name=None, model=None, *, image=None, size=None, admin_username=None,
                admin_password=None, ssh_public_key=None, location=None, instance_count=None, system_assigned=false,
                assign_identity=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn create_vmss(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, model: Option<&Bound<'_, PyAny>>,
                image: Option<String>, size: Option<String>, admin_username: Option<String>, admin_password: Option<String>,
                ssh_public_key: Option<String>, location: Option<String>, instance_count: Option<u32>, system_assigned: bool,
                assign_identity: Option<Vec<String>>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let model = self::model(model)?;
                let basic = BasicArgs { image, size, admin_username, admin_password, ssh_public_key, location, instance_count };
                $run(py, compute::create(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id), model, basic, system_assigned, assign_identity.unwrap_or_default()))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn get_vm(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::get(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn get_vmss(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::get(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn delete_vm(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::delete(c, ComputeKind::VirtualMachine, target(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn delete_vmss(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::delete(c, ComputeKind::VirtualMachineScaleSet, target(resource_group, name, resource_id)))
            }

            // ---- the MSI VM extension

            #[pyo3(signature = (resource_group=None, vm_name=None, *, extension_type, vmss_name=None, name=None, port=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn set_msi_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>, extension_type: String,
                vmss_name: Option<String>, name: Option<String>, port: Option<u16>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::set_msi_extension(c, parent(resource_group, vm_name, vmss_name, resource_id), extension_type, name, port))
            }

            #[pyo3(signature = (resource_group=None, vm_name=None, *, name, vmss_name=None, resource_id=None))]
            fn get_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>, name: String,
                vmss_name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::get_extension(c, parent(resource_group, vm_name, vmss_name, resource_id), name))
            }

            #[pyo3(signature = (resource_group=None, vm_name=None, *, name, vmss_name=None, resource_id=None))]
            fn delete_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>, name: String,
                vmss_name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, compute::delete_extension(c, parent(resource_group, vm_name, vmss_name, resource_id), name))
            }

            // ---- user-assigned identities (core `user_identity`)

            #[pyo3(signature = (resource_group, name, *, location=None, tags=None))]
            fn create_user_identity(&self, py: Python<'_>, resource_group: String, name: String, location: Option<String>,
                tags: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let tags = user_identity::tags(tags.filter(|t| !t.is_none()))?;
                $run(py, user_identity::create(c, resource_group, name, location, tags))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn get_user_identity(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::get(c, user_identity::Named { resource_group, name, resource_id }))
            }

            #[pyo3(signature = (resource_group=None))]
            fn list_user_identities(&self, py: Python<'_>, resource_group: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::list(c, resource_group))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn delete_user_identity(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::delete(c, user_identity::Named { resource_group, name, resource_id }))
            }

            // ---- role assignments (core `roles`)

            #[pyo3(signature = (scope, role, principal_id, *, principal_type=None))]
            fn create_role_assignment(&self, py: Python<'_>, scope: String, role: String, principal_id: String,
                principal_type: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, roles::create(c, scope, role, principal_id, principal_type))
            }

            #[pyo3(signature = (scope=None, *, principal_id=None))]
            fn list_role_assignments(&self, py: Python<'_>, scope: Option<String>, principal_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, roles::list(c, scope, principal_id))
            }

            fn delete_role_assignment(&self, py: Python<'_>, role_assignment_id: String) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, roles::delete(c, role_assignment_id))
            }

            #[pyo3(signature = (scope=None, *, principal_id=None, role=None))]
            fn delete_role_assignments(&self, py: Python<'_>, scope: Option<String>, principal_id: Option<String>,
                role: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, roles::delete_matching(c, scope, principal_id, role))
            }
        }
    };
}

client_class!(
    ManagedIdentityClient,
    "ManagedIdentityClient",
    "msi_identity",
    run_sync,
    false,
    {
        /// Nothing to release; for `with` blocks and the Azure SDK client shape.
        fn close(&self) {}

        fn __enter__(slf: Py<Self>) -> Py<Self> {
            slf
        }

        #[pyo3(signature = (*args))]
        fn __exit__(&self, args: &Bound<'_, PyTuple>) {
            let _ = args;
        }
    }
);

client_class!(
    AsyncManagedIdentityClient,
    "ManagedIdentityClient",
    "msi_identity.aio",
    run_async,
    true,
    {
        fn close(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
            run_async(py, async { Ok(()) })
        }

        fn __aenter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
            run_async(py, async move { Ok(slf) })
        }

        #[pyo3(signature = (*args))]
        fn __aexit__(&self, py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
            let _ = args;
            run_async(py, async { Ok(()) })
        }
    }
);

impl ManagedIdentityClient {
    pub fn from_core(core: ClientCore) -> ManagedIdentityClient {
        ManagedIdentityClient { core }
    }
}

impl AsyncManagedIdentityClient {
    pub fn from_core(core: ClientCore) -> AsyncManagedIdentityClient {
        AsyncManagedIdentityClient { core }
    }
}
