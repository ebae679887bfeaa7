//! The one tokio runtime of the process, owned by the binding, and the two bridges to Python: blocking with the
//! GIL released (sync API) and asyncio futures (`msi_identity.aio`).
//!
//! After `os.fork()` the child has none of the parent's threads, so the parent's runtime (and every connection
//! pool bound to it) is dead there. The runtime remembers the pid it was built in; a call from another pid builds
//! a new one and leaks the old one (dropping it would join threads that do not exist). [`PerProcess`] does the
//! same for clients and credentials, whose connection pools belong to the runtime that opened them.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, RwLock};
use tokio::runtime::Runtime;

/// Name of the runtime's worker threads (visible in `top -H`, py-spy, gdb): core's, as every binding names them.
pub use msi_identity::runtime::THREAD_NAME;

static RUNTIME: RwLock<Option<(u32, &'static Runtime)>> = RwLock::new(None);

/// The runtime as every binding builds it (core's `runtime_builder`).
fn build_runtime() -> Runtime {
    msi_identity::runtime::build_runtime().expect("msi_identity: cannot start the tokio runtime")
}

/// The runtime of this process, built on first use and again in a forked child.
pub fn runtime() -> &'static Runtime {
    let pid = std::process::id();
    if let Some((p, rt)) = *RUNTIME.read().unwrap_or_else(|e| e.into_inner())
        && p == pid
    {
        return rt;
    }
    let mut slot = RUNTIME.write().unwrap_or_else(|e| e.into_inner());
    match *slot {
        Some((p, rt)) if p == pid => rt,
        // First use, or first use in a forked child: the parent's runtime (if any) stays leaked.
        _ => {
            let rt: &'static Runtime = Box::leak(Box::new(build_runtime()));
            *slot = Some((pid, rt));
            rt
        }
    }
}

/// A value bound to the runtime of the process that built it (an HTTP client, a credential with a connection
/// pool): built on first use, and built again from its recipe in a forked child.
pub struct PerProcess<T: Clone> {
    cell: Mutex<Option<(u32, T)>>,
}

impl<T: Clone> PerProcess<T> {
    /// With an instance built already in this process.
    pub fn with(value: T) -> PerProcess<T> {
        PerProcess {
            cell: Mutex::new(Some((std::process::id(), value))),
        }
    }

    pub fn get_or_build<E>(&self, build: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let pid = std::process::id();
        let mut cell = self.cell.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((p, v)) = cell.as_ref()
            && *p == pid
        {
            return Ok(v.clone());
        }
        let v = build()?;
        if let Some(old) = cell.replace((pid, v.clone())) {
            // Built in the parent: its connections belong to a runtime with no threads here. Never drop it.
            std::mem::forget(old);
        }
        Ok(v)
    }
}

/// Run `fut` to completion on the runtime with the GIL released (the sync API).
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> T
where
    F: Future<Output = T> + Send,
    T: Send,
{
    crate::logging::refresh(py);
    py.detach(|| runtime().block_on(fut))
}

tokio::task_local! {
    /// The event loop (and contextvars) of the `aio` call a task serves.
    static TASK_LOCALS: TaskLocals;
}

/// The event loop of the `msi_identity.aio` call being served, if any: an async Python credential is awaited
/// there.
pub fn current_task_locals() -> Option<TaskLocals> {
    TASK_LOCALS.try_with(|l| l.clone()).ok()
}

/// A sync method's body: run `fut` with the GIL released, raise its error, return its value.
pub fn run_sync<F, T>(py: Python<'_>, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = msi_identity::Result<T>> + Send,
    T: for<'a> IntoPyObject<'a> + Send,
{
    use crate::error::ResultExt;
    use pyo3::IntoPyObjectExt;
    let value = block_on(py, fut).or_raise(py)?;
    value.into_py_any(py)
}

/// Converts a finished call's value to Python (run with the GIL, on the caller's thread).
type ToPython = Box<dyn FnOnce(Python<'_>) -> PyResult<Py<PyAny>> + Send>;
type CallFuture = Pin<Box<dyn Future<Output = msi_identity::Result<ToPython>> + Send>>;

/// The work of one `aio` call, waiting to be awaited.
#[pyclass(frozen)]
pub struct PendingCall {
    fut: Mutex<Option<CallFuture>>,
}

/// `aio` calls whose result is still being handed over. The hand-over wakes the awaiting coroutine from a
/// blocking thread, which takes the GIL; if the interpreter starts finalizing meanwhile, CPython aborts.
/// [`drain`] (registered with `atexit`) waits for them first.
static IN_FLIGHT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct InFlight;

impl InFlight {
    fn start() -> InFlight {
        IN_FLIGHT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        IN_FLIGHT.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Wait, with the GIL released, up to `timeout` seconds for results still being handed over; called at
/// interpreter exit. Returns how many were left.
#[pyfunction]
pub fn drain(py: Python<'_>, timeout: f64) -> usize {
    crate::logging::stop();
    let deadline =
        std::time::Instant::now() + std::time::Duration::from_secs_f64(timeout.clamp(0.0, 60.0));
    py.detach(|| {
        loop {
            let n = IN_FLIGHT.load(std::sync::atomic::Ordering::SeqCst);
            if n == 0 || std::time::Instant::now() >= deadline {
                return n;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    })
}

/// The receiving end of a call and its runtime task. Dropped before the result came (the coroutine was
/// cancelled, or collected unfinished), it lets go of the receiver first, so the aborted task's sender wakes no
/// asyncio future from a runtime thread, and then aborts the task. Once the result came, the task is left to
/// finish its hand-over: aborting it then would detach the blocking thread still inside the wake-up.
struct Pending<T> {
    rx: Option<tokio::sync::oneshot::Receiver<T>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        drop(self.rx.take());
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

/// The coroutine an `aio` method returns. Awaited, it runs the work on the runtime (never on the event loop's
/// thread), with the caller's loop in a task-local; the GIL is taken only to start and to convert the result, and
/// the coroutine is woken from a blocking thread, never from a runtime worker.
#[pyfunction]
async fn await_call(call: Py<PendingCall>) -> PyResult<Py<PyAny>> {
    let (fut, locals) = Python::attach(|py| -> PyResult<_> {
        let fut = call
            .get()
            .fut
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| PyRuntimeError::new_err("this msi_identity call was awaited already"))?;
        let locals = TaskLocals::with_running_loop(py)?.copy_context(py)?;
        Ok((fut, locals))
    })?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let task = runtime().spawn(TASK_LOCALS.scope(locals, async move {
        let result = fut.await;
        let in_flight = InFlight::start();
        let _ = tokio::task::spawn_blocking(move || {
            let _ = tx.send(result);
            // Only now is this thread out of the interpreter.
            drop(in_flight);
        })
        .await;
    }));
    let mut pending = Pending {
        rx: Some(rx),
        task: Some(task),
    };
    let result = pending
        .rx
        .as_mut()
        .expect("taken only on drop")
        .await
        .map_err(|_| PyRuntimeError::new_err("msi_identity: the call was dropped"));
    pending.task = None;
    let result = result?;
    Python::attach(|py| match result {
        Ok(to_python) => to_python(py),
        Err(e) => Err(crate::error::to_py_err(py, e)),
    })
}

/// An `aio` method's body: a coroutine for `fut` (so `await`, `asyncio.run` and `asyncio.create_task` all work).
pub fn run_async<F, T>(py: Python<'_>, fut: F) -> PyResult<Py<PyAny>>
where
    F: Future<Output = msi_identity::Result<T>> + Send + 'static,
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    use pyo3::IntoPyObjectExt;
    crate::logging::refresh(py);
    let fut: CallFuture = Box::pin(async move {
        let value = fut.await?;
        Ok(Box::new(move |py: Python<'_>| value.into_py_any(py)) as ToPython)
    });
    let call = Py::new(
        py,
        PendingCall {
            fut: Mutex::new(Some(fut)),
        },
    )?;
    Ok(wrap_pyfunction!(await_call, py)?.call1((call,))?.unbind())
}
