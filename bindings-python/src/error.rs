//! Core's one error model rendered as Python exceptions that are azure-core's.
//!
//! Every `msi_identity::Error` becomes an exception through [`to_py_err`] (the only place that maps kinds to
//! classes), which gives it `kind`, `status_code`, `error_code`, `request_id`, `message` and `target`, and keeps
//! the Python exception a Python credential raised as `__cause__`. The classes are declared in
//! `msi_identity/exceptions.py`, as subclasses of `azure.core.exceptions`' (so `except
//! azure.core.exceptions.ResourceNotFoundError` catches ours); that module is imported at the first error.

use msi_identity::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::fmt;

/// `msi_identity.exceptions`, imported at the first error (it imports azure-core, which `import msi_identity`
/// does not pay for).
static EXCEPTIONS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn exceptions(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    EXCEPTIONS
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("msi_identity.exceptions")?.unbind())
        })
        .map(|m| m.bind(py))
}

/// Register what the native module itself carries: every `kind`, in core's order (`ErrorKind::ALL`), rendered
/// from core, never copied.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "ERROR_KINDS",
        PyTuple::new(m.py(), ErrorKind::ALL.map(ErrorKind::as_str))?,
    )?;
    Ok(())
}

/// A Python exception carried through core as an error source (raised by a Python credential), so that it comes
/// back as `__cause__`.
pub struct PyCause {
    pub err: PyErr,
    text: String,
}

impl PyCause {
    pub fn new(py: Python<'_>, err: PyErr) -> PyCause {
        let ty = err
            .get_type(py)
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "Exception".into());
        let text = format!("{ty}: {}", err.value(py));
        PyCause { err, text }
    }
}

impl fmt::Display for PyCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for PyCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PyCause({})", self.text)
    }
}

impl std::error::Error for PyCause {}

fn python_cause(py: Python<'_>, e: &Error) -> Option<PyErr> {
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(c) = s.downcast_ref::<PyCause>() {
            return Some(c.err.clone_ref(py));
        }
        src = s.source();
    }
    None
}

/// The name of the exception class for an error (in `msi_identity.exceptions`): by kind, and for conflicts by
/// status (409 exists, 412 modified).
fn class_name(e: &Error) -> &'static str {
    match e.kind() {
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::BadRequest => "BadRequestError",
        ErrorKind::NotFound => "ResourceNotFoundError",
        ErrorKind::Conflict if e.status() == Some(412) => "ResourceModifiedError",
        ErrorKind::Conflict => "ResourceExistsError",
        ErrorKind::Authentication => "ClientAuthenticationError",
        ErrorKind::Authorization => "ClientAuthorizationError",
        ErrorKind::CredentialUnavailable => "CredentialUnavailableError",
        ErrorKind::Throttled => "ThrottledError",
        ErrorKind::Service => "HttpResponseError",
        ErrorKind::Connection => "ServiceRequestError",
        ErrorKind::Timeout => "ServiceResponseTimeoutError",
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let class = exceptions(py)?
        .getattr(class_name(e))?
        .cast_into::<PyType>()?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", e.kind().as_str())?;
    kwargs.set_item("status_code", e.status())?;
    kwargs.set_item("error_code", e.code())?;
    kwargs.set_item("request_id", e.request_id())?;
    kwargs.set_item("detail", e.message())?;
    kwargs.set_item("target", e.target())?;
    let value = class.call((e.to_string(),), Some(&kwargs))?;
    let err = PyErr::from_value(value);
    if let Some(cause) = python_cause(py, e) {
        err.set_cause(py, Some(cause));
    }
    Ok(err)
}

/// The one mapping from core errors to Python exceptions.
pub fn to_py_err(py: Python<'_>, e: Error) -> PyErr {
    build(py, &e).unwrap_or_else(|failed| failed)
}

/// `.or_raise(py)` on core results: the extension-trait form of [`to_py_err`].
pub trait ResultExt<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> ResultExt<T> for Result<T, Error> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, e))
    }
}
