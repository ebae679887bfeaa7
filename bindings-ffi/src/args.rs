//! Argument conversion at the boundary: C strings to `&str`, `*_json` text to JSON (and JSON to core's request
//! structs), handles to references, and results to out-parameters. Every check runs before the call does
//! anything, so a bad argument never sends a request.

use crate::error::{FfiError, FfiResult};
use serde_json::Value;
use std::ffi::{CStr, CString, c_char};

/// A required string.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &'static str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(FfiError::Null(name));
    }
    // SAFETY: non-NULL and NUL-terminated (header contract); borrowed for the call only.
    unsafe { CStr::from_ptr(p) }
        .to_str()
        .map_err(|_| FfiError::Utf8(name))
}

/// A string that may be NULL.
pub(crate) unsafe fn opt_str_arg<'a>(
    p: *const c_char,
    name: &'static str,
) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: as for str_arg.
        unsafe { str_arg(p, name) }.map(Some)
    }
}

/// Owned form of [`opt_str_arg`].
pub(crate) unsafe fn opt_string_arg(
    p: *const c_char,
    name: &'static str,
) -> FfiResult<Option<String>> {
    // SAFETY: as for str_arg.
    Ok(unsafe { opt_str_arg(p, name) }?.map(str::to_string))
}

/// JSON text that may be NULL.
pub(crate) unsafe fn opt_json_arg(
    p: *const c_char,
    name: &'static str,
) -> FfiResult<Option<Value>> {
    // SAFETY: as for str_arg.
    match unsafe { opt_str_arg(p, name) }? {
        None => Ok(None),
        Some(s) => serde_json::from_str(s)
            .map(Some)
            .map_err(|e| FfiError::Json(name, e)),
    }
}

/// Required JSON text.
pub(crate) unsafe fn json_arg(p: *const c_char, name: &'static str) -> FfiResult<Value> {
    // SAFETY: as for str_arg.
    unsafe { opt_json_arg(p, name) }?.ok_or(FfiError::Null(name))
}

/// A request argument as core's request structs take it: parsed `*_json` text, NULL standing for `{}` (no field
/// given).
pub(crate) fn or_empty(v: Option<Value>) -> Value {
    v.unwrap_or_else(|| Value::Object(Default::default()))
}

/// A `*_json` argument that is JSON but not the shape core's request struct has (a wrong type, an unknown field):
/// an invalid argument naming it, with serde's reason. Use as `serde_json::from_value(v).map_err(shape_error(n))`.
pub(crate) fn shape_error(name: &'static str) -> impl FnOnce(serde_json::Error) -> FfiError {
    move |e| FfiError::Core(msi::Error::invalid_argument(format!("{name}: {e}")))
}

/// A live handle.
pub(crate) unsafe fn handle<'a, T>(p: *const T, name: &'static str) -> FfiResult<&'a T> {
    // SAFETY: NULL or a live handle of this type (header contract).
    unsafe { p.as_ref() }.ok_or(FfiError::Null(name))
}

/// A live handle to change.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T, name: &'static str) -> FfiResult<&'a mut T> {
    // SAFETY: NULL or a live handle of this type, used from one thread (header contract).
    unsafe { p.as_mut() }.ok_or(FfiError::Null(name))
}

/// A required out-parameter, checked first and written last (only on success).
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    pub(crate) fn required(p: *mut T, name: &'static str) -> FfiResult<Out<T>> {
        if p.is_null() {
            Err(FfiError::Null(name))
        } else {
            Ok(Out(p))
        }
    }

    /// An out-parameter the caller may leave NULL.
    pub(crate) fn optional(p: *mut T) -> Out<T> {
        Out(p)
    }

    pub(crate) fn write(self, value: T) {
        if !self.0.is_null() {
            // SAFETY: non-NULL out-parameters are writable (header contract). The old value is not dropped:
            // it is caller memory, possibly uninitialised.
            unsafe { self.0.write(value) };
        }
    }
}

/// A new C string for the caller (freed with msi_string_free).
pub(crate) fn c_string(s: &str) -> *mut c_char {
    CString::new(s.replace('\0', "\u{FFFD}"))
        .expect("NULs replaced")
        .into_raw()
}

/// JSON out as a new C string (serde_json escapes control characters, so there is no NUL inside).
pub(crate) fn json_string(v: &Value) -> *mut c_char {
    c_string(&v.to_string())
}

/// Hand a new handle to the caller.
pub(crate) fn new_handle<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Take back a handle for `_free`.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: `p` came from new_handle and is freed once (header contract).
        crate::error::guard_value((), || drop(unsafe { Box::from_raw(p) }));
    }
}
