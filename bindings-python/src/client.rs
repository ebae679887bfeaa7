//! `ManagedIdentityClient` (sync) and `msi_identity.aio.ManagedIdentityClient`: one set of methods over core's
//! `ArmClient`, generated twice by [`client_class!`]. A sync method releases the GIL and blocks on the runtime;
//! an aio method returns an awaitable. The `vm_*` and `vmss_*` methods are generated from one template per
//! operation, over one body in compute.rs that takes the kind. Resource groups (core's `client`) are here too.

use crate::bulk::{self, BulkArgs};
use crate::compute::{self, Named, Parent};
use crate::credential::{
    AsyncClientSecretCredential, AsyncDefaultAzureCredential, ClientSecretCredential,
    CredentialSource, DefaultAzureCredential, NativeCredential, PyTokenCredential, ca_pem,
};
use crate::desired::DesiredArgs;
use crate::error::ResultExt;
use crate::json::{Json, from_py};
use crate::managed_identity::{AsyncManagedIdentityCredential, ManagedIdentityCredential};
use crate::operation::{ArmSource, Operation};
use crate::runtime::{PerProcess, run_async, run_sync};
use crate::{operation, roles, user_identity};
use msi_identity::{
    ArmClient, AssignRequest, ComputeKind, CreateOptions, Error, MsiExtensionSpec, OperationKind,
    RemoveRequest, Result, RetryOptions, Secret, SetRequest, Settings,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::sync::Arc;
use std::time::Duration;

/// What a client is made from; kept so that a forked child can build its own.
#[derive(Clone)]
pub struct ClientRecipe {
    /// Endpoint, subscription, CA, retries, LRO timeout (core's `Settings::client_options`).
    pub settings: Settings,
    pub credential: CredentialSource,
}

impl ClientRecipe {
    fn build(&self) -> Result<ArmClient> {
        let s = &self.settings;
        match &self.credential {
            CredentialSource::Settings => s.client(),
            CredentialSource::Native(n) => ArmClient::new(n.get()?, s.client_options()?),
            CredentialSource::Python(p) => ArmClient::new(p.clone(), s.client_options()?),
        }
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

/// How an operation started by a client reaches ARM: the client's `ArmClient` of the calling process.
fn arm_source(core: &Arc<ClientCore>) -> ArmSource {
    let core = core.clone();
    Arc::new(move || core.arm())
}

/// `Operation.from_continuation_token` of `_lro.py`: the operation of `continuation_token`, polled by `client` (a
/// `ManagedIdentityClient` of either module).
#[pyfunction]
pub fn resume_operation(
    client: &Bound<'_, PyAny>,
    continuation_token: &str,
) -> PyResult<Operation> {
    let py = client.py();
    let (core, aio) = if let Ok(c) = client.cast::<ManagedIdentityClient>() {
        (c.get().core.clone(), false)
    } else if let Ok(c) = client.cast::<AsyncManagedIdentityClient>() {
        (c.get().core.clone(), true)
    } else {
        return Err(PyTypeError::new_err(
            "client must be an msi_identity ManagedIdentityClient (sync or aio)",
        ));
    };
    Operation::resume(py, arm_source(&core), aio, continuation_token)
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
    if let Ok(c) = obj.cast::<DefaultAzureCredential>() {
        return Some(c.get().native.clone());
    }
    if let Ok(c) = obj.cast::<AsyncDefaultAzureCredential>() {
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
    pub max_conflict_retries: Option<u32>,
    pub use_environment: bool,
}

impl ClientArgs {
    /// azure-core's retry keywords as core's `RetryOptions` (the fields not given keep core's defaults).
    fn retry(&self) -> Result<Option<RetryOptions>> {
        if self.retry_total.is_none()
            && self.retry_backoff_factor.is_none()
            && self.retry_backoff_max.is_none()
        {
            return Ok(None);
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
        Ok(Some(retry))
    }

    fn recipe(self, credential: CredentialSource) -> Result<ClientRecipe> {
        let retry = self.retry()?;
        let lro_timeout = self
            .polling_timeout
            .map(|t| secs("polling_timeout", t))
            .transpose()?;
        let mut settings = Settings {
            endpoint: self.endpoint,
            subscription_id: self.subscription_id,
            tenant_id: self.tenant_id,
            client_id: self.client_id,
            client_secret: self.client_secret.map(Secret::new),
            authority: self.authority,
            access_token: self.access_token.map(Secret::new),
            ca_cert_pem: ca_pem(self.ca_cert_pem, self.ca_cert_path)?,
            retry,
            lro_timeout,
            max_conflict_retries: self.max_conflict_retries,
        };
        if self.use_environment {
            settings = settings.with_env()?;
        }
        Ok(ClientRecipe {
            settings,
            credential,
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

/// A JSON argument (`model`, `settings`) as given: `None` is absent.
fn json_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<serde_json::Value>> {
    obj.filter(|o| !o.is_none()).map(from_py).transpose()
}

/// Defines one client class. `$run` is [`run_sync`] or [`run_async`]; `$ctx` adds the context-manager methods.
/// The VM and scale-set methods come from one template per operation, repeated over the kinds below.
macro_rules! client_class {
    ($ty:ident, $pyname:literal, $module:literal, $run:ident, $bulk_start:path, $is_aio:literal, { $($ctx:tt)* }) => {
        client_class!(@kinds $ty, $pyname, $module, $run, $bulk_start, $is_aio, { $($ctx)* }, [
            (ComputeKind::VirtualMachine, bulk_vm, vm_identity_show, vm_identity_assign, vm_identity_remove,
                vm_identity_set, create_vm, get_vm, delete_vm, begin_vm_identity_assign,
                begin_vm_identity_remove, begin_vm_identity_set, begin_create_vm, begin_delete_vm),
            (ComputeKind::VirtualMachineScaleSet, bulk_vmss, vmss_identity_show, vmss_identity_assign, vmss_identity_remove,
                vmss_identity_set, create_vmss, get_vmss, delete_vmss, begin_vmss_identity_assign,
                begin_vmss_identity_remove, begin_vmss_identity_set, begin_create_vmss, begin_delete_vmss)
        ]);
    };
    (@kinds $ty:ident, $pyname:literal, $module:literal, $run:ident, $bulk_start:path, $is_aio:literal,
        { $($ctx:tt)* },
        [$(($kind:expr, $bulk:ident, $show:ident, $assign:ident, $remove:ident, $set:ident, $create:ident, $get:ident,
            $delete:ident, $bassign:ident, $bremove:ident, $bset:ident, $bcreate:ident, $bdelete:ident)),*]) => {
        #[pyclass(frozen, module = $module, name = $pyname)]
        pub struct $ty {
            core: Arc<ClientCore>,
        }

        #[pymethods]
        impl $ty {
            #[new]
            #[pyo3(signature = (credential=None, subscription_id=None, *, endpoint=None, tenant_id=None,
                client_id=None, client_secret=None, authority=None, access_token=None, ca_cert_pem=None,
                ca_cert_path=None, retry_total=None, retry_backoff_factor=None, retry_backoff_max=None,
                polling_timeout=None, max_conflict_retries=None, use_environment=true))]
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
                max_conflict_retries: Option<u32>,
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
                    max_conflict_retries,
                    use_environment,
                };
                Ok($ty { core: Arc::new(new_core(py, credential, args, $is_aio)?) })
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

            // ---- desired state from a file (core `desired`, desired.rs)

            /// What applying the desired-state file `text` would change, with reads only: core's plan JSON
            /// (`source`, `changes`, `summary`, `targets`) and `text`, the readable diff. `source` names the file
            /// in errors and in the plan (default: core's, `identities.yaml`). A bad file raises `InvalidArgumentError` naming line and field.
            #[pyo3(signature = (text, *, source=None, concurrency=None))]
            fn plan_desired(&self, py: Python<'_>, text: String, source: Option<String>, concurrency: Option<usize>)
                -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, DesiredArgs::new(text, source, concurrency).plan(c))
            }

            /// Apply the desired-state file `text` (checked as `plan_desired` checks it, before any write): a run
            /// like `bulk_vm`'s, one result dict per target (`detail`: what was changed).
            #[pyo3(signature = (text, *, source=None, concurrency=None, on_progress=None))]
            fn apply_desired(&self, py: Python<'_>, text: String, source: Option<String>, concurrency: Option<usize>,
                on_progress: Option<Py<PyAny>>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $bulk_start(py, c, DesiredArgs::new(text, source, concurrency), on_progress)
            }

            // ---- VMs and scale sets (core `requests`, `create`, `compute`): one template per operation

            $(
                /// One change applied to many VMs or scale sets (core's bulk engine): `action` is core's action
                /// JSON (`{"action": "assign", "identities": [...]}`, `remove`, `set`, `grantRole`,
                /// `msiExtension`, `removeExtension`), the keywords name the targets. Returns a run that yields
                /// one result dict per target as each completes; `on_progress` gets each progress dict.
                #[pyo3(signature = (action, *, ids=None, resource_group=None, subscriptions=None, tag=None,
                    concurrency=None, on_progress=None))]
                #[allow(clippy::too_many_arguments)]
                fn $bulk(&self, py: Python<'_>, action: &Bound<'_, PyAny>, ids: Option<Vec<String>>,
                    resource_group: Option<String>, subscriptions: Option<Vec<String>>, tag: Option<String>,
                    concurrency: Option<usize>, on_progress: Option<Py<PyAny>>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let args = BulkArgs::new(py, $kind, action, ids, resource_group, subscriptions, tag, concurrency)?;
                    $bulk_start(py, c, args, on_progress)
                }

                #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
                fn $show(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    $run(py, compute::identity_show(c, $kind, Named::new(resource_group, name, resource_id)))
                }

                /// az's `identity assign`: `identities` (names, IDs, `[system]`), `system_assigned`, and `role`
                /// with `scope` for the system-assigned identity; core's `AssignRequest`.
                #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None,
                    role=None, scope=None, resource_id=None))]
                #[allow(clippy::too_many_arguments)]
                fn $assign(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identities: Option<Vec<String>>, system_assigned: Option<bool>, role: Option<String>,
                    scope: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let request = AssignRequest { identities: identities.unwrap_or_default(), system_assigned, role, scope };
                    $run(py, compute::identity_assign(c, $kind, Named::new(resource_group, name, resource_id), request))
                }

                /// az's `identity remove`; core's `RemoveRequest`.
                #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None,
                    all_user_assigned=false, resource_id=None))]
                #[allow(clippy::too_many_arguments)]
                fn $remove(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identities: Option<Vec<String>>, system_assigned: Option<bool>, all_user_assigned: bool,
                    resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let request = RemoveRequest { identities: identities.unwrap_or_default(), system_assigned, all_user_assigned };
                    $run(py, compute::identity_remove(c, $kind, Named::new(resource_group, name, resource_id), request))
                }

                /// Exactly this identity (`az vm update --set identity.type=...`, `Update-AzVM -IdentityType
                /// -IdentityId`); core's `SetRequest`.
                #[pyo3(signature = (resource_group=None, name=None, *, identity_type, identities=None, resource_id=None))]
                fn $set(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identity_type: String, identities: Option<Vec<String>>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let request = SetRequest { identity_type, identities };
                    $run(py, compute::identity_set(c, $kind, Named::new(resource_group, name, resource_id), request))
                }

                /// az's `create`: an ARM `model`, or the basic options; core's `CreateOptions`.
                #[pyo3(signature = (resource_group=None, name=None, model=None, *, image=None, size=None,
                    admin_username=None, admin_password=None, ssh_public_key=None, generate_ssh_keys=false,
                    location=None, instance_count=None, system_assigned=None, assign_identity=None,
                    identity_type=None, resource_id=None))]
                #[allow(clippy::too_many_arguments)]
                fn $create(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    model: Option<&Bound<'_, PyAny>>, image: Option<String>, size: Option<String>,
                    admin_username: Option<String>, admin_password: Option<String>, ssh_public_key: Option<String>,
                    generate_ssh_keys: bool, location: Option<String>, instance_count: Option<u32>,
                    system_assigned: Option<bool>, assign_identity: Option<Vec<String>>,
                    identity_type: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let options = CreateOptions {
                        model: json_arg(model)?,
                        image,
                        size,
                        location,
                        admin_username,
                        admin_password: admin_password.map(Secret::new),
                        ssh_key_value: ssh_public_key,
                        generate_ssh_keys,
                        instance_count,
                        assign_identity,
                        user_assigned: Vec::new(),
                        system_assigned,
                        identity_type,
                    };
                    $run(py, compute::create(c, $kind, Named::new(resource_group, name, resource_id), options))
                }

                /// `$assign`, returning an azure-core poller once the write is accepted (or resuming
                /// `continuation_token`).
                #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None,
                    role=None, scope=None, resource_id=None, continuation_token=None))]
                #[allow(clippy::too_many_arguments)]
                fn $bassign(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identities: Option<Vec<String>>, system_assigned: Option<bool>, role: Option<String>,
                    scope: Option<String>, resource_id: Option<String>, continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let request = AssignRequest { identities: identities.unwrap_or_default(), system_assigned, role, scope };
                    let begin = compute::begin_identity_assign(c, $kind, Named::new(resource_group, name, resource_id), request);
                    $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::UpdateIdentity, Some($kind), begin))
                }

                /// `$remove`, returning an azure-core poller.
                #[pyo3(signature = (resource_group=None, name=None, *, identities=None, system_assigned=None,
                    all_user_assigned=false, resource_id=None, continuation_token=None))]
                #[allow(clippy::too_many_arguments)]
                fn $bremove(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identities: Option<Vec<String>>, system_assigned: Option<bool>, all_user_assigned: bool,
                    resource_id: Option<String>, continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let request = RemoveRequest { identities: identities.unwrap_or_default(), system_assigned, all_user_assigned };
                    let begin = compute::begin_identity_remove(c, $kind, Named::new(resource_group, name, resource_id), request);
                    $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::UpdateIdentity, Some($kind), begin))
                }

                /// `$set`, returning an azure-core poller (`identity_type` may be omitted only with
                /// `continuation_token`).
                #[pyo3(signature = (resource_group=None, name=None, *, identity_type=None, identities=None,
                    resource_id=None, continuation_token=None))]
                #[allow(clippy::too_many_arguments)]
                fn $bset(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    identity_type: Option<String>, identities: Option<Vec<String>>, resource_id: Option<String>,
                    continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let begin = async move {
                        let identity_type = identity_type.ok_or_else(|| Error::invalid_argument("identity_type is required"))?;
                        let request = SetRequest { identity_type, identities };
                        compute::begin_identity_set(c, $kind, Named::new(resource_group, name, resource_id), request).await
                    };
                    $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::UpdateIdentity, Some($kind), begin))
                }

                /// `$create`, returning an azure-core poller.
                #[pyo3(signature = (resource_group=None, name=None, model=None, *, image=None, size=None,
                    admin_username=None, admin_password=None, ssh_public_key=None, generate_ssh_keys=false,
                    location=None, instance_count=None, system_assigned=None, assign_identity=None,
                    identity_type=None, resource_id=None, continuation_token=None))]
                #[allow(clippy::too_many_arguments)]
                fn $bcreate(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    model: Option<&Bound<'_, PyAny>>, image: Option<String>, size: Option<String>,
                    admin_username: Option<String>, admin_password: Option<String>, ssh_public_key: Option<String>,
                    generate_ssh_keys: bool, location: Option<String>, instance_count: Option<u32>,
                    system_assigned: Option<bool>, assign_identity: Option<Vec<String>>,
                    identity_type: Option<String>, resource_id: Option<String>,
                    continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let options = CreateOptions {
                        model: json_arg(model)?,
                        image,
                        size,
                        location,
                        admin_username,
                        admin_password: admin_password.map(Secret::new),
                        ssh_key_value: ssh_public_key,
                        generate_ssh_keys,
                        instance_count,
                        assign_identity,
                        user_assigned: Vec::new(),
                        system_assigned,
                        identity_type,
                    };
                    let begin = compute::begin_create(c, $kind, Named::new(resource_group, name, resource_id), options);
                    $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::CreateCompute, Some($kind), begin))
                }

                /// `$delete`, returning an azure-core poller.
                #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None, continuation_token=None))]
                fn $bdelete(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    resource_id: Option<String>, continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    let begin = compute::begin_delete(c, $kind, Named::new(resource_group, name, resource_id));
                    $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::DeleteCompute, Some($kind), begin))
                }

                #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
                fn $get(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    $run(py, compute::get(c, $kind, Named::new(resource_group, name, resource_id)))
                }

                #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
                fn $delete(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>,
                    resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                    let c = self.core.arm().or_raise(py)?;
                    $run(py, compute::delete(c, $kind, Named::new(resource_group, name, resource_id)))
                }
            )*

            // ---- the MSI VM extension (core `extension`)

            /// `az vm extension set` / `Set-AzVMExtension`; core's `MsiExtensionSpec` (its defaults).
            #[pyo3(signature = (resource_group=None, vm_name=None, *, extension_type=None, vmss_name=None, name=None,
                publisher=None, version=None, settings=None, port=None, resource_id=None))]
            #[allow(clippy::too_many_arguments)]
            fn set_msi_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>,
                extension_type: Option<String>, vmss_name: Option<String>, name: Option<String>,
                publisher: Option<String>, version: Option<String>, settings: Option<&Bound<'_, PyAny>>,
                port: Option<u64>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let parent = Parent::new(resource_group, vm_name, vmss_name, resource_id).or_raise(py)?;
                let spec = MsiExtensionSpec { name, extension_type, publisher, version, settings: json_arg(settings)?, port };
                $run(py, compute::set_msi_extension(c, parent, spec))
            }

            /// `set_msi_extension`, returning an azure-core poller once the write is accepted (or resuming
            /// `continuation_token`).
            #[pyo3(signature = (resource_group=None, vm_name=None, *, extension_type=None, vmss_name=None, name=None,
                publisher=None, version=None, settings=None, port=None, resource_id=None, continuation_token=None))]
            #[allow(clippy::too_many_arguments)]
            fn begin_set_msi_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>,
                extension_type: Option<String>, vmss_name: Option<String>, name: Option<String>,
                publisher: Option<String>, version: Option<String>, settings: Option<&Bound<'_, PyAny>>,
                port: Option<u64>, resource_id: Option<String>, continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let spec = MsiExtensionSpec { name, extension_type, publisher, version, settings: json_arg(settings)?, port };
                let begin = async move {
                    let parent = Parent::new(resource_group, vm_name, vmss_name, resource_id)?;
                    compute::begin_set_msi_extension(c, parent, spec).await
                };
                $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::SetExtension, None, begin))
            }

            /// `delete_extension`, returning an azure-core poller (`name` may be omitted only with
            /// `continuation_token`).
            #[pyo3(signature = (resource_group=None, vm_name=None, *, name=None, vmss_name=None, resource_id=None,
                continuation_token=None))]
            #[allow(clippy::too_many_arguments)]
            fn begin_delete_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>,
                name: Option<String>, vmss_name: Option<String>, resource_id: Option<String>,
                continuation_token: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let begin = async move {
                    let parent = Parent::new(resource_group, vm_name, vmss_name, resource_id)?;
                    let name = name.ok_or_else(|| Error::invalid_argument("name (of the extension) is required"))?;
                    compute::begin_delete_extension(c, parent, name).await
                };
                $run(py, operation::start(arm_source(&self.core), $is_aio, continuation_token, OperationKind::DeleteExtension, None, begin))
            }

            #[pyo3(signature = (resource_group=None, vm_name=None, *, name, vmss_name=None, resource_id=None))]
            fn get_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>, name: String,
                vmss_name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let parent = Parent::new(resource_group, vm_name, vmss_name, resource_id).or_raise(py)?;
                $run(py, compute::get_extension(c, parent, name))
            }

            #[pyo3(signature = (resource_group=None, vm_name=None, *, name, vmss_name=None, resource_id=None))]
            fn delete_extension(&self, py: Python<'_>, resource_group: Option<String>, vm_name: Option<String>, name: String,
                vmss_name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let parent = Parent::new(resource_group, vm_name, vmss_name, resource_id).or_raise(py)?;
                $run(py, compute::delete_extension(c, parent, name))
            }

            // ---- user-assigned identities (core `user_identity`)

            #[pyo3(signature = (resource_group, name, *, location=None, tags=None))]
            fn create_user_identity(&self, py: Python<'_>, resource_group: String, name: String, location: Option<String>,
                tags: Option<&Bound<'_, PyAny>>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                let tags = json_arg(tags)?;
                $run(py, user_identity::create(c, resource_group, name, location, tags))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn get_user_identity(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::get(c, Named::new(resource_group, name, resource_id)))
            }

            #[pyo3(signature = (resource_group=None))]
            fn list_user_identities(&self, py: Python<'_>, resource_group: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::list(c, resource_group))
            }

            #[pyo3(signature = (resource_group=None, name=None, *, resource_id=None))]
            fn delete_user_identity(&self, py: Python<'_>, resource_group: Option<String>, name: Option<String>, resource_id: Option<String>) -> PyResult<Py<PyAny>> {
                let c = self.core.arm().or_raise(py)?;
                $run(py, user_identity::delete(c, Named::new(resource_group, name, resource_id)))
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
    bulk::start_sync,
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
    bulk::start_async,
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
        ManagedIdentityClient {
            core: Arc::new(core),
        }
    }
}

impl AsyncManagedIdentityClient {
    pub fn from_core(core: ClientCore) -> AsyncManagedIdentityClient {
        AsyncManagedIdentityClient {
            core: Arc::new(core),
        }
    }
}
