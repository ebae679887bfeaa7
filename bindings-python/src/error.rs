//! Core's one error model rendered as Python exceptions with azure-core's names.
//!
//! Every `msi_identity::Error` becomes an exception through [`to_py_err`] (the only place that maps kinds), which
//! sets `status_code`, `error_code`, `request_id`, `message`, `kind` and `target`, and keeps the Python exception a
//! Python credential raised as `__cause__`. The classes are declared here and re-exported by
//! `msi_identity/exceptions.py`.

use msi_identity::{Error, ErrorKind};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use std::fmt;

create_exception!(
    msi_identity.exceptions,
    MsiIdentityError,
    PyException,
    "Base of every msi_identity error. Attributes: kind, status_code, error_code, request_id, message, target."
);
create_exception!(
    msi_identity.exceptions,
    HttpResponseError,
    MsiIdentityError,
    "The service answered with an error status (5xx, or one without a narrower class)."
);
create_exception!(
    msi_identity.exceptions,
    BadRequestError,
    HttpResponseError,
    "HTTP 400: the service rejected the request (e.g. FailedIdentityOperation, InvalidParameter)."
);
create_exception!(
    msi_identity.exceptions,
    ResourceNotFoundError,
    HttpResponseError,
    "HTTP 404."
);
create_exception!(
    msi_identity.exceptions,
    ResourceExistsError,
    HttpResponseError,
    "HTTP 409: the resource exists, or conflicts with what exists."
);
create_exception!(
    msi_identity.exceptions,
    ResourceModifiedError,
    HttpResponseError,
    "HTTP 412: a precondition failed (the resource changed, or already exists when creating)."
);
create_exception!(
    msi_identity.exceptions,
    ClientAuthenticationError,
    HttpResponseError,
    "HTTP 401, or a credential could not get a token (the credential's own exception is __cause__)."
);
create_exception!(
    msi_identity.exceptions,
    CredentialUnavailableError,
    ClientAuthenticationError,
    "No managed identity is available here, or the one asked for is not assigned (IMDS 400)."
);
create_exception!(
    msi_identity.exceptions,
    ClientAuthorizationError,
    HttpResponseError,
    "HTTP 403: error_code tells AuthorizationFailed from LinkedAuthorizationFailed."
);
create_exception!(
    msi_identity.exceptions,
    ThrottledError,
    HttpResponseError,
    "HTTP 429 after the retries ran out."
);
create_exception!(
    msi_identity.exceptions,
    ServiceRequestError,
    MsiIdentityError,
    "No connection could be made, or it broke before an answer."
);
create_exception!(
    msi_identity.exceptions,
    ServiceResponseError,
    MsiIdentityError,
    "The service did not answer properly."
);
create_exception!(
    msi_identity.exceptions,
    ServiceResponseTimeoutError,
    ServiceResponseError,
    "The request or a long-running operation took too long."
);

/// `InvalidArgumentError(MsiIdentityError, ValueError)`: client-side validation failed, nothing was sent.
/// Two bases, so it is built with `type(...)` rather than `create_exception!`.
static INVALID_ARGUMENT: PyOnceLock<Py<PyType>> = PyOnceLock::new();

pub fn invalid_argument_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    INVALID_ARGUMENT
        .get_or_try_init(py, || {
            let bases = PyTuple::new(
                py,
                [
                    py.get_type::<MsiIdentityError>(),
                    py.get_type::<PyValueError>(),
                ],
            )?;
            let ns = PyDict::new(py);
            ns.set_item("__module__", "msi_identity.exceptions")?;
            ns.set_item(
                "__doc__",
                "Client-side validation failed (a bad name, ID or option); nothing was sent.",
            )?;
            let ty = py
                .get_type::<PyType>()
                .call1(("InvalidArgumentError", bases, ns))?;
            Ok(ty.cast_into::<PyType>()?.unbind())
        })
        .map(|t| t.bind(py))
}

/// The attributes every instance carries; `None` on the base class so hand-made instances have them too.
pub const ATTRIBUTES: [&str; 6] = [
    "kind",
    "status_code",
    "error_code",
    "request_id",
    "message",
    "target",
];

/// Register the classes in the native module and give the base class its attribute defaults.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<MsiIdentityError>();
    for a in ATTRIBUTES {
        base.setattr(a, py.None())?;
    }
    m.add("MsiIdentityError", base)?;
    // Every `kind` an error can carry, in core's order (`ErrorKind::ALL`): rendered from core, never copied.
    m.add(
        "ERROR_KINDS",
        PyTuple::new(py, ErrorKind::ALL.map(ErrorKind::as_str))?,
    )?;
    m.add("InvalidArgumentError", invalid_argument_type(py)?)?;
    m.add("HttpResponseError", py.get_type::<HttpResponseError>())?;
    m.add("BadRequestError", py.get_type::<BadRequestError>())?;
    m.add(
        "ResourceNotFoundError",
        py.get_type::<ResourceNotFoundError>(),
    )?;
    m.add("ResourceExistsError", py.get_type::<ResourceExistsError>())?;
    m.add(
        "ResourceModifiedError",
        py.get_type::<ResourceModifiedError>(),
    )?;
    m.add(
        "ClientAuthenticationError",
        py.get_type::<ClientAuthenticationError>(),
    )?;
    m.add(
        "CredentialUnavailableError",
        py.get_type::<CredentialUnavailableError>(),
    )?;
    m.add(
        "ClientAuthorizationError",
        py.get_type::<ClientAuthorizationError>(),
    )?;
    m.add("ThrottledError", py.get_type::<ThrottledError>())?;
    m.add("ServiceRequestError", py.get_type::<ServiceRequestError>())?;
    m.add(
        "ServiceResponseError",
        py.get_type::<ServiceResponseError>(),
    )?;
    m.add(
        "ServiceResponseTimeoutError",
        py.get_type::<ServiceResponseTimeoutError>(),
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

/// The exception class for an error: by kind, and for conflicts by status (409 exists, 412 modified).
fn class_for<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyType>> {
    Ok(match e.kind() {
        ErrorKind::InvalidArgument => invalid_argument_type(py)?.clone(),
        ErrorKind::BadRequest => py.get_type::<BadRequestError>(),
        ErrorKind::NotFound => py.get_type::<ResourceNotFoundError>(),
        ErrorKind::Conflict if e.status() == Some(412) => py.get_type::<ResourceModifiedError>(),
        ErrorKind::Conflict => py.get_type::<ResourceExistsError>(),
        ErrorKind::Authentication => py.get_type::<ClientAuthenticationError>(),
        ErrorKind::Authorization => py.get_type::<ClientAuthorizationError>(),
        ErrorKind::CredentialUnavailable => py.get_type::<CredentialUnavailableError>(),
        ErrorKind::Throttled => py.get_type::<ThrottledError>(),
        ErrorKind::Service => py.get_type::<HttpResponseError>(),
        ErrorKind::Connection => py.get_type::<ServiceRequestError>(),
        ErrorKind::Timeout => py.get_type::<ServiceResponseTimeoutError>(),
    })
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let value = class_for(py, e)?.call1((e.to_string(),))?;
    value.setattr("kind", e.kind().as_str())?;
    value.setattr("status_code", e.status())?;
    value.setattr("error_code", e.code())?;
    value.setattr("request_id", e.request_id())?;
    value.setattr("message", e.message())?;
    value.setattr("target", e.target())?;
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
