//! The C ABI of msi-identity: `libmsi_identity` and `include/msi_identity.h` (generated from this crate by
//! cbindgen), and the base of the PowerShell module in `powershell/`.
//!
//! Conventions are written at the top of the header and in `bindings-ffi/README.md`. In short: opaque handles
//! with `_new`/`_free` pairs, one numbered result enum ([`MsiResult`]), an optional error object filled on failure,
//! UTF-8 strings in, ARM JSON strings out (freed with [`msi_string_free`]), outputs written only on success, no
//! panic across the boundary.
//!
//! Safety contract of every exported function (stated once here instead of on each): every pointer argument is
//! NULL (where the header says it may be) or points to what its type says: a NUL-terminated string, a live handle
//! from this library, or writable memory for an out-parameter. NULL is always detected; a freed or foreign handle
//! is not.
//!
//! Each file wraps the core module of the same name; a binding file holds argument conversion, error mapping and
//! runtime bridging, nothing else.
#![allow(clippy::missing_safety_doc)]

// The header follows this order: results and errors, settings and the client, the operations, tokens, the
// emulator.
pub mod error;

mod args;
mod runtime;

pub mod settings;

pub mod client;

pub mod compute;

pub mod bulk;

pub mod desired;

pub mod user_identity;

pub mod roles;

pub mod managed_identity;

pub mod emulator;

pub use error::MsiResult;

use std::ffi::{CString, c_char};

/// The library's version (the workspace version), a static string: do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn msi_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// Free a string this library returned through a `char **..._out` parameter. The memory is overwritten first (a
/// string may hold an access token). NULL is a no-op.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn msi_string_free(s: *mut c_char) {
    if s.is_null() {
        return;
    }
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: `s` came from `CString::into_raw` in this library (the header's contract).
        let owned = unsafe { CString::from_raw(s) };
        let mut bytes = owned.into_bytes_with_nul();
        for b in bytes.iter_mut() {
            // SAFETY: `b` is a valid, aligned byte of a live buffer; volatile so the wipe is not optimised away.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    });
}
