//! Core's one error model in C: a numbered result ([`MsiResult`]) and an error object ([`MsiError`]) with the
//! same fields every surface renders (kind, HTTP status, service error code, message, request id, target).
//!
//! [`guard`] is the boundary every exported function goes through: it runs the body under `catch_unwind`, turns
//! a failure into its result code and, when the caller asked for it, an error object.

use msi::ErrorKind;
use std::ffi::{CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

/// The result of every call that can fail. The numbers are part of the ABI: a code is added with a new number
/// and never renumbered or reused. 1-9 are the binding's own failures, 10-29 one per core error kind, 30+ the
/// embedded emulator's.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsiResult {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A string argument was not UTF-8.
    InvalidUtf8 = 2,
    /// A `*_json` argument was not JSON.
    InvalidJson = 3,
    /// The library panicked (a bug); the call had no other effect on the caller's memory.
    Panic = 4,
    /// Client-side validation failed; nothing was sent (core `invalid_argument`).
    InvalidArgument = 10,
    /// The service rejected the request as invalid: HTTP 400 (core `bad_request`).
    BadRequest = 11,
    /// HTTP 404 (core `not_found`).
    NotFound = 12,
    /// HTTP 409 or 412: the resource exists, or changed under us (core `conflict`).
    Conflict = 13,
    /// HTTP 401, or a credential could not get a token (core `authentication`).
    Authentication = 14,
    /// HTTP 403: `AuthorizationFailed`, `LinkedAuthorizationFailed` (core `authorization`).
    Authorization = 15,
    /// The managed identity asked for is not available here (core `credential_unavailable`).
    CredentialUnavailable = 16,
    /// HTTP 429 after the retries ran out (core `throttled`).
    Throttled = 17,
    /// HTTP 5xx after the retries ran out, or an unexpected answer (core `service`).
    Service = 18,
    /// No connection could be made, or it broke (core `connection`).
    Connection = 19,
    /// The request or a long-running operation took too long (core `timeout`).
    Timeout = 20,
    /// The embedded emulator failed: I/O (a port in use, the data directory), storage or keys.
    Emulator = 30,
}

impl MsiResult {
    /// Every code, in number order.
    pub(crate) const ALL: [MsiResult; 17] = [
        MsiResult::Ok,
        MsiResult::NullArgument,
        MsiResult::InvalidUtf8,
        MsiResult::InvalidJson,
        MsiResult::Panic,
        MsiResult::InvalidArgument,
        MsiResult::BadRequest,
        MsiResult::NotFound,
        MsiResult::Conflict,
        MsiResult::Authentication,
        MsiResult::Authorization,
        MsiResult::CredentialUnavailable,
        MsiResult::Throttled,
        MsiResult::Service,
        MsiResult::Connection,
        MsiResult::Timeout,
        MsiResult::Emulator,
    ];

    /// The code for a core error kind (one code per kind).
    pub fn from_kind(kind: ErrorKind) -> MsiResult {
        match kind {
            ErrorKind::InvalidArgument => MsiResult::InvalidArgument,
            ErrorKind::BadRequest => MsiResult::BadRequest,
            ErrorKind::NotFound => MsiResult::NotFound,
            ErrorKind::Conflict => MsiResult::Conflict,
            ErrorKind::Authentication => MsiResult::Authentication,
            ErrorKind::Authorization => MsiResult::Authorization,
            ErrorKind::CredentialUnavailable => MsiResult::CredentialUnavailable,
            ErrorKind::Throttled => MsiResult::Throttled,
            ErrorKind::Service => MsiResult::Service,
            ErrorKind::Connection => MsiResult::Connection,
            ErrorKind::Timeout => MsiResult::Timeout,
        }
    }

    /// Stable snake_case name: core's kind name for core kinds (`not_found`), else the binding's own.
    pub fn name(self) -> &'static str {
        match self {
            MsiResult::Ok => "ok",
            MsiResult::NullArgument => "null_argument",
            MsiResult::InvalidUtf8 => "invalid_utf8",
            MsiResult::InvalidJson => "invalid_json",
            MsiResult::Panic => "panic",
            MsiResult::InvalidArgument => ErrorKind::InvalidArgument.as_str(),
            MsiResult::BadRequest => ErrorKind::BadRequest.as_str(),
            MsiResult::NotFound => ErrorKind::NotFound.as_str(),
            MsiResult::Conflict => ErrorKind::Conflict.as_str(),
            MsiResult::Authentication => ErrorKind::Authentication.as_str(),
            MsiResult::Authorization => ErrorKind::Authorization.as_str(),
            MsiResult::CredentialUnavailable => ErrorKind::CredentialUnavailable.as_str(),
            MsiResult::Throttled => ErrorKind::Throttled.as_str(),
            MsiResult::Service => ErrorKind::Service.as_str(),
            MsiResult::Connection => ErrorKind::Connection.as_str(),
            MsiResult::Timeout => ErrorKind::Timeout.as_str(),
            MsiResult::Emulator => "emulator",
        }
    }

    fn name_c(self) -> *const c_char {
        // The names are static; build their C forms once.
        static NAMES: std::sync::LazyLock<Vec<(MsiResult, CString)>> =
            std::sync::LazyLock::new(|| {
                MsiResult::ALL
                    .iter()
                    .map(|r| (*r, CString::new(r.name()).expect("no NUL in names")))
                    .collect()
            });
        NAMES
            .iter()
            .find(|(r, _)| *r == self)
            .map(|(_, c)| c.as_ptr())
            .unwrap_or(ptr::null())
    }
}

/// A failure inside the binding, before it is handed to C.
#[derive(Debug)]
pub(crate) enum FfiError {
    Core(msi::Error),
    Emulator(msi_emulator::Error),
    Null(&'static str),
    Utf8(&'static str),
    Json(&'static str, serde_json::Error),
    Panic(String),
}

impl From<msi::Error> for FfiError {
    fn from(e: msi::Error) -> Self {
        FfiError::Core(e)
    }
}

impl From<msi_emulator::Error> for FfiError {
    fn from(e: msi_emulator::Error) -> Self {
        FfiError::Emulator(e)
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

/// An error: what went wrong, with the fields of core's error model. Read it with the `msi_error_*` accessors;
/// free it with msi_error_free.
pub struct MsiError {
    result: MsiResult,
    status: i32,
    code: Option<CString>,
    message: CString,
    request_id: Option<CString>,
    target: Option<CString>,
}

fn cstring(s: &str) -> CString {
    // Interior NULs cannot cross as C strings: show them as U+FFFD.
    CString::new(s.replace('\0', "\u{FFFD}")).expect("NULs replaced")
}

impl MsiError {
    fn new(result: MsiResult, message: &str) -> MsiError {
        MsiError {
            result,
            status: 0,
            code: None,
            message: cstring(message),
            request_id: None,
            target: None,
        }
    }

    pub(crate) fn result(&self) -> MsiResult {
        self.result
    }
}

impl From<FfiError> for MsiError {
    fn from(e: FfiError) -> MsiError {
        match e {
            FfiError::Core(e) => MsiError {
                result: MsiResult::from_kind(e.kind()),
                status: e.status().map(i32::from).unwrap_or(0),
                code: e.code().map(cstring),
                message: cstring(e.message()),
                request_id: e.request_id().map(cstring),
                target: e.target().map(cstring),
            },
            FfiError::Emulator(e) => {
                let result = match e.kind() {
                    msi_emulator::ErrorKind::NotFound => MsiResult::NotFound,
                    msi_emulator::ErrorKind::InvalidInput => MsiResult::InvalidArgument,
                    _ => MsiResult::Emulator,
                };
                MsiError::new(result, &e.to_string())
            }
            FfiError::Null(arg) => {
                MsiError::new(MsiResult::NullArgument, &format!("{arg} must not be NULL"))
            }
            FfiError::Utf8(arg) => {
                MsiError::new(MsiResult::InvalidUtf8, &format!("{arg} is not valid UTF-8"))
            }
            FfiError::Json(arg, e) => MsiError::new(
                MsiResult::InvalidJson,
                &format!("{arg} is not valid JSON: {e}"),
            ),
            FfiError::Panic(msg) => MsiError::new(MsiResult::Panic, &msg),
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Run the body of exported function `name` at the boundary: catch panics, map failures to their code, and fill
/// `error_out` (when not NULL) on failure only.
pub(crate) fn guard<F>(name: &'static str, error_out: *mut *mut MsiError, body: F) -> MsiResult
where
    F: FnOnce() -> FfiResult<()>,
{
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|p| {
        Err(FfiError::Panic(format!(
            "{name} panicked (a bug in msi-identity): {}",
            panic_message(p.as_ref())
        )))
    });
    match outcome {
        Ok(()) => MsiResult::Ok,
        Err(e) => {
            let err = MsiError::from(e);
            let result = err.result();
            if !error_out.is_null() {
                // SAFETY: a non-NULL `error_out` is writable (header contract). Boxing cannot unwind here in any way
                // that matters: allocation failure aborts.
                unsafe { *error_out = Box::into_raw(Box::new(err)) };
            }
            result
        }
    }
}

/// Run an infallible accessor under `catch_unwind`, with `fallback` on a panic.
pub(crate) fn guard_value<T, F: FnOnce() -> T>(fallback: T, body: F) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map(|c| c.as_ptr()).unwrap_or(ptr::null())
}

/// The result code of the failed call (MSI_RESULT_NULL_ARGUMENT for a NULL error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_result(error: *const MsiError) -> MsiResult {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(MsiResult::Panic, || match unsafe { error.as_ref() } {
        Some(e) => e.result,
        None => MsiResult::NullArgument,
    })
}

/// The kind as a stable snake_case string: core's kind (`not_found`, `authorization`, ...) or the binding's own
/// (`null_argument`, `invalid_utf8`, `invalid_json`, `panic`, `emulator`). Static: do not free. NULL for a NULL
/// error.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_kind(error: *const MsiError) -> *const c_char {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(ptr::null(), || match unsafe { error.as_ref() } {
        Some(e) => e.result.name_c(),
        None => ptr::null(),
    })
}

/// The HTTP status the service answered with, or 0 when no service answered.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_status(error: *const MsiError) -> i32 {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(0, || {
        unsafe { error.as_ref() }.map(|e| e.status).unwrap_or(0)
    })
}

/// The service's error code (ARM `error.code` such as `ResourceNotFound` or `LinkedAuthorizationFailed`; Entra or
/// IMDS `error`), or NULL. Borrowed: valid until msi_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_code(error: *const MsiError) -> *const c_char {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(ptr::null(), || {
        unsafe { error.as_ref() }
            .map(|e| opt_ptr(&e.code))
            .unwrap_or(ptr::null())
    })
}

/// The message (never NULL for a non-NULL error). Borrowed: valid until msi_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_message(error: *const MsiError) -> *const c_char {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(ptr::null(), || {
        unsafe { error.as_ref() }
            .map(|e| e.message.as_ptr())
            .unwrap_or(ptr::null())
    })
}

/// The `x-ms-request-id` of the failed response, or NULL. Borrowed: valid until msi_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_request_id(error: *const MsiError) -> *const c_char {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(ptr::null(), || {
        unsafe { error.as_ref() }
            .map(|e| opt_ptr(&e.request_id))
            .unwrap_or(ptr::null())
    })
}

/// ARM's `error.target` when the service named one (e.g. `identity.type`), or NULL. Borrowed: valid until
/// msi_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_target(error: *const MsiError) -> *const c_char {
    // SAFETY: NULL or a live MsiError (header contract).
    guard_value(ptr::null(), || {
        unsafe { error.as_ref() }
            .map(|e| opt_ptr(&e.target))
            .unwrap_or(ptr::null())
    })
}

/// Free an error object. NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_error_free(error: *mut MsiError) {
    if !error.is_null() {
        // SAFETY: `error` came from this library's Box::into_raw (header contract).
        guard_value((), || drop(unsafe { Box::from_raw(error) }));
    }
}

/// The stable snake_case name of a result code (as msi_error_kind gives it; `ok` for 0), or NULL for a number
/// that is no MsiResult. Static: do not free.
#[unsafe(no_mangle)]
pub extern "C" fn msi_result_name(result: i32) -> *const c_char {
    guard_value(ptr::null(), || {
        MsiResult::ALL
            .iter()
            .find(|r| **r as i32 == result)
            .map(|r| r.name_c())
            .unwrap_or(ptr::null())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_core_kind_has_its_own_code_and_name() {
        let kinds = ErrorKind::ALL;
        let mut codes: Vec<i32> = kinds
            .iter()
            .map(|k| MsiResult::from_kind(*k) as i32)
            .collect();
        for k in kinds {
            assert_eq!(MsiResult::from_kind(k).name(), k.as_str());
            assert_eq!(ErrorKind::parse(MsiResult::from_kind(k).name()), Some(k));
        }
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), kinds.len());
    }

    #[test]
    fn numbers_are_fixed() {
        // The ABI: these never change.
        let fixed: Vec<(i32, &str)> = MsiResult::ALL
            .iter()
            .map(|r| (*r as i32, r.name()))
            .collect();
        assert_eq!(
            fixed,
            vec![
                (0, "ok"),
                (1, "null_argument"),
                (2, "invalid_utf8"),
                (3, "invalid_json"),
                (4, "panic"),
                (10, "invalid_argument"),
                (11, "bad_request"),
                (12, "not_found"),
                (13, "conflict"),
                (14, "authentication"),
                (15, "authorization"),
                (16, "credential_unavailable"),
                (17, "throttled"),
                (18, "service"),
                (19, "connection"),
                (20, "timeout"),
                (30, "emulator"),
            ]
        );
    }

    #[test]
    fn a_panic_becomes_a_result_and_an_error() {
        let mut err: *mut MsiError = ptr::null_mut();
        let r = guard("msi_test", &mut err, || panic!("boom"));
        assert_eq!(r, MsiResult::Panic);
        assert!(!err.is_null());
        unsafe {
            assert_eq!(msi_error_result(err), MsiResult::Panic);
            let msg = CStr::from_ptr(msi_error_message(err)).to_str().unwrap();
            assert!(
                msg.contains("msi_test panicked") && msg.contains("boom"),
                "{msg}"
            );
            assert_eq!(
                CStr::from_ptr(msi_error_kind(err)).to_str().unwrap(),
                "panic"
            );
            msi_error_free(err);
        }
        // Without an error object the code alone comes back.
        assert_eq!(
            guard("msi_test", ptr::null_mut(), || panic!("again")),
            MsiResult::Panic
        );
    }

    #[test]
    fn core_errors_keep_every_field() {
        let e = msi::Error::from_service(
            403,
            Some("LinkedAuthorizationFailed".into()),
            "no",
            Some("rid".into()),
        );
        let m = MsiError::from(FfiError::Core(e));
        assert_eq!(m.result, MsiResult::Authorization);
        assert_eq!(m.status, 403);
        assert_eq!(
            m.code.as_deref().unwrap().to_str().unwrap(),
            "LinkedAuthorizationFailed"
        );
        assert_eq!(m.request_id.as_deref().unwrap().to_str().unwrap(), "rid");
    }
}
