//! Core errors to napi errors.
//!
//! A napi `async fn` can only reject with a plain `Error` whose `code` is napi's status, so the whole core error
//! travels in the message: `PAYLOAD_PREFIX` followed by a JSON object with the fields of core's error (kind,
//! status, service code, message, target, request id, the request's method and URL, the kept response
//! headers). `lib/errors.js` turns it back into a typed error class
//! (`ResourceNotFoundError`, ...) with a stable `code`; it builds its classes at load time from `errorKinds()`,
//! core's `ErrorKind::ALL`. The prefix and the field names are the contract between the two files: change them
//! together.

use msi_identity::{Error, ErrorKind};
use serde_json::{Map, Value};

/// Every error kind core has, by its stable name (`invalid_argument`, `not_found`, ...), in the order of the
/// CLI's exit codes: the `kind` field of every error, and one error class each in `lib/errors.js`.
#[napi_derive::napi(ts_return_type = "ErrorKind[]")]
// napi registers free functions only outside `cfg(test)`.
#[cfg_attr(test, allow(dead_code))]
pub fn error_kinds() -> Vec<&'static str> {
    ErrorKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Marks a message that carries an error payload (read by `lib/errors.js`).
pub const PAYLOAD_PREFIX: &str = "MSI_IDENTITY_ERROR ";

/// The JSON payload of a core error.
pub fn payload(e: &Error) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), e.kind().as_str().into());
    m.insert("message".into(), e.message().into());
    if let Some(s) = e.status() {
        m.insert("statusCode".into(), s.into());
    }
    if let Some(c) = e.code() {
        m.insert("errorCode".into(), c.into());
    }
    if let Some(t) = e.target() {
        m.insert("target".into(), t.into());
    }
    if let Some(r) = e.request_id() {
        m.insert("requestId".into(), r.into());
    }
    if let (Some(method), Some(url)) = (e.request_method(), e.request_url()) {
        m.insert("method".into(), method.into());
        m.insert("url".into(), url.into());
    }
    if !e.response_headers().is_empty() {
        let h: Map<String, Value> = e
            .response_headers()
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        m.insert("headers".into(), Value::Object(h));
    }
    Value::Object(m)
}

/// A napi error carrying the payload of `e`.
pub fn to_napi(e: Error) -> napi::Error {
    napi::Error::new(
        napi::Status::GenericFailure,
        format!("{PAYLOAD_PREFIX}{}", payload(&e)),
    )
}

/// `Result<T, core::Error>` -> `napi::Result<T>`.
pub trait IntoNapi<T> {
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for Result<T, Error> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

/// An invalid-argument error found while converting arguments (nothing was sent).
pub fn invalid(message: impl Into<String>) -> napi::Error {
    to_napi(Error::invalid_argument(message))
}

/// An emulator failure, in the same model (the emulator is a local test server: its errors are service errors).
pub fn emulator_error(e: msi_emulator::Error) -> napi::Error {
    let code = format!("Emulator{:?}", e.kind());
    to_napi(Error::new(ErrorKind::Service, format!("emulator: {e}")).with_code(code))
}
