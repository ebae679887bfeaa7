//! Long-running operations (core's `operation`): what a `begin_*` method started, as the handle the azure-core
//! pollers of `msi_identity/_lro.py` drive (`LROPoller`, `AsyncLROPoller`).
//!
//! Conversion only: starting the write, polling it (status URL, `Retry-After`, backoff, timeout), reading the
//! result and the continuation token are core's (`ArmClient::begin_*`, `wait_operation`, `operation_result`,
//! `Operation::from_continuation_token`). The handle keeps the client's way to its `ArmClient` ([`ArmSource`]), so a
//! forked child polls with its own connections.

use crate::compute::IdentityUpdate;
use crate::error::ResultExt;
use crate::json::Json;
use crate::runtime::{block_on, run_async};
use msi_identity::{
    ArmClient, ComputeKind, Error, Operation as CoreOperation, OperationKind, OperationOutput,
    Result,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::{BoundObject, IntoPyObjectExt};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What a finished operation made, as the blocking method returns it.
struct Output(OperationOutput);

impl<'py> IntoPyObject<'py> for Output {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.0 {
            OperationOutput::Resource(v) => Json(v).into_bound_py_any(py),
            OperationOutput::Identity(o) => IdentityUpdate::from(*o).into_bound_py_any(py),
            OperationOutput::Deleted(b) => b.into_bound_py_any(py),
        }
    }
}

/// This process's `ArmClient` of the client that started (or resumed) an operation: its `ClientCore::arm`, so a
/// forked child polls with its own connections.
pub type ArmSource = Arc<dyn Fn() -> Result<ArmClient> + Send + Sync>;

struct Inner {
    arm: ArmSource,
    /// The operation as last seen (a snapshot: a wait works on a copy and stores it back).
    state: Mutex<CoreOperation>,
    /// Its result, once read.
    result: Mutex<Option<OperationOutput>>,
    /// Started by an `aio` client: its result is read by `wait_async`, never by a blocking call.
    aio: bool,
}

impl Inner {
    fn snapshot(&self) -> CoreOperation {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn cached(&self) -> Option<OperationOutput> {
        self.result
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Wait for the operation and read its result (once; later calls return it).
    async fn complete(self: Arc<Self>) -> Result<Output> {
        if let Some(out) = self.cached() {
            return Ok(Output(out));
        }
        let arm = (self.arm)()?;
        let mut op = self.snapshot();
        let waited = arm.wait_operation(&mut op).await;
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = op.clone();
        waited?;
        let out = arm.operation_result(&op).await?;
        *self.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(out.clone());
        Ok(Output(out))
    }
}

/// A long-running operation started by a `begin_*` method (or resumed from its continuation token).
#[pyclass(frozen, module = "msi_identity", name = "Operation")]
pub struct Operation {
    inner: Arc<Inner>,
}

impl Operation {
    fn new(arm: ArmSource, op: CoreOperation, aio: bool) -> Operation {
        Operation {
            inner: Arc::new(Inner {
                arm,
                state: Mutex::new(op),
                result: Mutex::new(None),
                aio,
            }),
        }
    }
}

impl Operation {
    /// The operation of `continuation_token`, polled with `arm`'s client.
    pub fn resume(py: Python<'_>, arm: ArmSource, aio: bool, token: &str) -> PyResult<Operation> {
        let op = CoreOperation::from_continuation_token(token).or_raise(py)?;
        Ok(Operation::new(arm, op, aio))
    }
}

#[pymethods]
impl Operation {
    /// `create`, `delete`, `update_identity`, `set_extension` or `delete_extension`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.snapshot().kind().as_str()
    }

    /// The VM or scale set written.
    #[getter]
    fn resource_id(&self, py: Python<'_>) -> PyResult<String> {
        let t = self.inner.snapshot().target().or_raise(py)?;
        Ok(t.path())
    }

    /// `InProgress`, then `Succeeded`, `Failed` or `Canceled`.
    fn status(&self) -> String {
        self.inner.snapshot().status().to_string()
    }

    /// Whether the operation has ended (successfully or not).
    fn done(&self) -> bool {
        self.inner.snapshot().done()
    }

    /// An opaque string that `begin_*(continuation_token=...)` resumes from, here or in another process.
    fn continuation_token(&self) -> String {
        self.inner.snapshot().continuation_token()
    }

    /// Wait (GIL released) until the operation ends and read its result; raises the service's error if it failed.
    fn wait(&self, py: Python<'_>) -> PyResult<()> {
        block_on(py, self.inner.clone().complete()).or_raise(py)?;
        Ok(())
    }

    /// `wait`, as a coroutine.
    fn wait_async(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let inner = self.inner.clone();
        run_async(py, async move { inner.complete().await.map(|_| ()) })
    }

    /// The result (what the blocking method returns). A sync operation waits for it first; an `aio` one must have
    /// been awaited (`wait_async`).
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        if let Some(out) = self.inner.cached() {
            return Output(out).into_py_any(py);
        }
        if self.inner.aio {
            return Err(PyRuntimeError::new_err(
                "await the operation (wait_async) before reading its result",
            ));
        }
        let out = block_on(py, self.inner.clone().complete()).or_raise(py)?;
        out.into_py_any(py)
    }

    fn __repr__(&self) -> String {
        let op = self.inner.snapshot();
        let id = op.target().map(|t| t.path()).unwrap_or_default();
        format!(
            "Operation(kind='{}', resource_id='{id}', status='{}')",
            op.kind().as_str(),
            op.status()
        )
    }
}

/// An operation just started or resumed, given to Python as an azure-core poller (`msi_identity._lro`).
pub struct Started {
    arm: ArmSource,
    op: CoreOperation,
    aio: bool,
}

impl<'py> IntoPyObject<'py> for Started {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let op = Bound::new(py, Operation::new(self.arm, self.op, self.aio))?;
        let make = if self.aio { "async_poller" } else { "poller" };
        py.import("msi_identity._lro")?
            .call_method1(make, (op,))
            .map(BoundObject::into_any)
    }
}

/// A `begin_*` method's body: resume from `token` (which must be of this kind of operation on this kind of
/// resource), or run `begin`.
pub async fn start(
    arm: ArmSource,
    aio: bool,
    token: Option<String>,
    kind: OperationKind,
    compute: Option<ComputeKind>,
    begin: impl Future<Output = Result<CoreOperation>>,
) -> Result<Started> {
    let op = match token {
        Some(t) => {
            let op = CoreOperation::from_continuation_token(&t)?;
            let on = op.target()?.kind;
            if op.kind() != kind || compute.is_some_and(|k| k != on) {
                return Err(Error::invalid_argument(format!(
                    "the continuation token is of a '{}' operation on a {}, not of this method's",
                    op.kind().as_str(),
                    on.short()
                )));
            }
            op
        }
        None => begin.await?,
    };
    Ok(Started { arm, op, aio })
}
