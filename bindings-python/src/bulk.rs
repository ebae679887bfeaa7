//! Bulk changes (core's `bulk`): `bulk_vm` / `bulk_vmss` on both clients, and the run they return (which
//! `apply_desired`, desired.rs, returns too).
//!
//! Argument conversion and runtime bridging only: the selection's keywords become core's `Selection` (its camelCase
//! JSON), the action dict core's `BulkAction::from_json`; what they mean, every default and every check are core's
//! (`ArmClient::start_bulk`). The sync client starts the run with the GIL released and returns a [`BulkRun`],
//! iterated with the GIL released while waiting; the aio client returns `msi_identity._bulk.AsyncBulkRun` (an async
//! iterator written in Python, so that progress callbacks run on the event loop as events arrive) over the same
//! native run.

use crate::error::{ResultExt, to_py_err};
use crate::json::{Json, from_py, to_py};
use crate::runtime::{block_on, run_async};
use msi_identity::{
    ArmClient, BulkAction, BulkEvent, BulkOptions, BulkRun as CoreRun, ComputeKind, Result,
    Selection, bulk::TargetResult,
};
use pyo3::prelude::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// What a bulk call was given, converted to core's types.
pub struct BulkArgs {
    kind: ComputeKind,
    selection: Selection,
    action: BulkAction,
    options: BulkOptions,
}

impl BulkArgs {
    /// The keywords as core's selection, the action dict as core's action JSON.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        py: Python<'_>,
        kind: ComputeKind,
        action: &Bound<'_, PyAny>,
        ids: Option<Vec<String>>,
        resource_group: Option<String>,
        subscriptions: Option<Vec<String>>,
        tag: Option<String>,
        concurrency: Option<usize>,
    ) -> PyResult<BulkArgs> {
        let selection = Selection {
            ids: ids.unwrap_or_default(),
            resource_group,
            subscriptions: subscriptions.unwrap_or_default(),
            tag,
        };
        let action = BulkAction::from_json(&from_py(action)?).or_raise(py)?;
        let mut options = BulkOptions::default();
        if let Some(n) = concurrency {
            options.concurrency = n;
        }
        Ok(BulkArgs {
            kind,
            selection,
            action,
            options,
        })
    }
}

/// What starts a run (a bulk change, or a desired-state apply): checks everything, then starts it on the runtime
/// (core spawns its task there).
pub trait StartRun: Send + 'static {
    fn start(self, c: ArmClient) -> impl std::future::Future<Output = Result<CoreRun>> + Send;
}

impl StartRun for BulkArgs {
    async fn start(self, c: ArmClient) -> Result<CoreRun> {
        c.start_bulk(self.kind, &self.selection, &self.action, self.options)
            .await
    }
}

type Shared = Arc<tokio::sync::Mutex<CoreRun>>;

/// One target's result as a dict: core's result JSON, with `error` the exception the face raises for that error
/// (`msi_identity.exceptions`, by kind), so that callers test it with `isinstance` or raise it.
pub struct ResultDict(Box<TargetResult>);

impl<'py> IntoPyObject<'py> for ResultDict {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut r = self.0;
        let dict = to_py(py, &r.to_json())?;
        if let Some(e) = r.error.take() {
            dict.set_item("error", to_py_err(py, e).into_value(py))?;
        }
        Ok(dict)
    }
}

/// An event for `AsyncBulkRun`: `("result", dict)` or `("progress", dict)`.
pub enum EventTuple {
    Result(ResultDict),
    Progress(Value),
}

impl<'py> IntoPyObject<'py> for EventTuple {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            EventTuple::Result(r) => ("result", r).into_pyobject(py)?.into_any(),
            EventTuple::Progress(p) => ("progress", Json(p)).into_pyobject(py)?.into_any(),
        })
    }
}

/// A running bulk change: iterate it for one result dict per target as each completes (`id`, `status`
/// `changed|unchanged|failed`, `identity`, `detail`, `error`). Dropping or closing it stops the change.
#[pyclass(frozen, module = "msi_identity", name = "BulkRun")]
pub struct BulkRun {
    run: Mutex<Option<Shared>>,
    total: usize,
    progress: Mutex<Option<Value>>,
    on_progress: Option<Py<PyAny>>,
}

impl BulkRun {
    pub fn new(run: CoreRun, on_progress: Option<Py<PyAny>>) -> BulkRun {
        BulkRun {
            total: run.total(),
            run: Mutex::new(Some(Arc::new(tokio::sync::Mutex::new(run)))),
            progress: Mutex::new(None),
            on_progress,
        }
    }

    fn shared(&self) -> Option<Shared> {
        self.run.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn end(&self) {
        self.run.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

/// The sync client's body: start with the GIL released; bad input raises here, before any write.
pub fn start_sync(
    py: Python<'_>,
    c: ArmClient,
    args: impl StartRun,
    on_progress: Option<Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    let run = block_on(py, args.start(c)).or_raise(py)?;
    let run = BulkRun::new(run, on_progress.filter(|f| !f.is_none(py)));
    Ok(Py::new(py, run)?.into_any())
}

/// The aio client's body: `msi_identity._bulk.AsyncBulkRun` over a coroutine that starts the run.
pub fn start_async(
    py: Python<'_>,
    c: ArmClient,
    args: impl StartRun,
    on_progress: Option<Py<PyAny>>,
) -> PyResult<Py<PyAny>> {
    let start = run_async(py, async move {
        let run = args.start(c).await?;
        Ok(BulkRun::new(run, None))
    })?;
    let on_progress = on_progress.unwrap_or_else(|| py.None());
    Ok(py
        .import("msi_identity._bulk")?
        .getattr("AsyncBulkRun")?
        .call1((start, on_progress))?
        .unbind())
}

#[pymethods]
impl BulkRun {
    /// How many targets the selection named.
    #[getter]
    fn total(&self) -> usize {
        self.total
    }

    /// The last progress dict (`total`, `done`, `changed`, `unchanged`, `failed`, `inFlight`, `elapsedSeconds`,
    /// `ratePerSecond`, `etaSeconds`, `waitedForBudget`, `throttled`), `None` before the first.
    #[getter]
    fn progress<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let p = self
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        to_py(py, &p.unwrap_or(Value::Null))
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// The next result, waiting with the GIL released; progress events in between go to `on_progress`.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        loop {
            let Some(run) = self.shared() else {
                return Ok(None);
            };
            let event = block_on(py, async move { run.lock().await.next().await });
            match event {
                None => {
                    self.end();
                    return Ok(None);
                }
                Some(BulkEvent::Progress(p)) => {
                    let p = p.to_json();
                    *self.progress.lock().unwrap_or_else(|e| e.into_inner()) = Some(p.clone());
                    if let Some(f) = &self.on_progress {
                        f.call1(py, (to_py(py, &p)?,))?;
                    }
                }
                Some(BulkEvent::Target(r)) => {
                    return Ok(Some(ResultDict(r).into_pyobject(py)?.unbind()));
                }
            }
            // Progress comes at least once a second: Ctrl-C is seen that often.
            py.check_signals()?;
        }
    }

    /// Stop the change (targets in flight may or may not finish; running it again completes the rest).
    fn close(&self) {
        self.end();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*args))]
    fn __exit__(&self, args: &Bound<'_, pyo3::types::PyTuple>) {
        let _ = args;
        self.end();
    }

    /// For `msi_identity._bulk.AsyncBulkRun`: a coroutine giving the next event as `("result" | "progress", dict)`,
    /// or `None` at the end.
    fn _next_event(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let run = self.shared();
        run_async(py, async move {
            let Some(run) = run else {
                return Ok(None);
            };
            let event = run.lock().await.next().await;
            Ok(event.map(|e| match e {
                BulkEvent::Progress(p) => EventTuple::Progress(p.to_json()),
                BulkEvent::Target(r) => EventTuple::Result(ResultDict(r)),
            }))
        })
    }

    fn __repr__(&self) -> String {
        let done = self
            .progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .and_then(|p| p.get("done").and_then(Value::as_u64))
            .unwrap_or(0);
        format!("BulkRun(total={}, done={done})", self.total)
    }
}
