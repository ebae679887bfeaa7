//! Cancellation: `abortSignal` on every operation, as `@azure/core-client`'s `OperationOptions` has it.
//!
//! A JS `AbortSignal` cannot be touched from the runtime's threads, so the two sides meet halfway: for each call
//! that is given a signal, `lib/index.js` makes an [`AbortHandle`], passes it in place of the signal, and calls
//! `abort()` on it from the signal's `abort` event (then removes its listener when the call settles). Here the
//! handle's receiver races the operation's future ([`abortable`]): on abort the future is dropped, so whatever it
//! was doing (a request, a retry's sleep, a long-running operation's polling) stops there, and the call rejects
//! with the [`ABORTED`] marker, which `lib/index.js` turns into `@azure/abort-controller`'s `AbortError`.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::future::Future;
use tokio::sync::watch;

/// The message of the rejection of an aborted call (read by `lib/errors.js`).
pub const ABORTED: &str = "MSI_IDENTITY_ABORTED";

/// @internal Made by `lib/index.js` for a call given an `abortSignal`; not part of the public API (the package's
/// entry does not export it).
#[napi]
pub struct AbortHandle {
    tx: watch::Sender<bool>,
}

impl Default for AbortHandle {
    fn default() -> Self {
        AbortHandle {
            tx: watch::channel(false).0,
        }
    }
}

#[napi]
impl AbortHandle {
    #[napi(constructor)]
    pub fn new() -> AbortHandle {
        AbortHandle::default()
    }

    /// Cancel the call(s) holding this handle. Idempotent.
    #[napi]
    pub fn abort(&self) {
        self.tx.send_replace(true);
    }
}

/// The `abortSignal` field of an operation's options, as the native layer receives it: an [`AbortHandle`]
/// (`lib/index.js` puts it there in place of the caller's `AbortSignal`).
pub struct Abort(watch::Receiver<bool>);

impl TypeName for Abort {
    fn type_name() -> &'static str {
        "AbortSignalLike"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for Abort {}

impl FromNapiValue for Abort {
    unsafe fn from_napi_value(env: sys::napi_env, napi_val: sys::napi_value) -> Result<Self> {
        // Type-tagged (napi8): anything that is not one of our handles is refused, never cast.
        let h = unsafe { <AbortHandle as FromNapiRef>::from_napi_ref(env, napi_val) }.map_err(|_| {
            crate::error::invalid(
                "abortSignal must be an AbortSignal (give it to the package's entry, not to the native addon)",
            )
        })?;
        Ok(Abort(h.tx.subscribe()))
    }
}

/// The rejection of an aborted call.
pub fn aborted() -> napi::Error {
    napi::Error::new(Status::Cancelled, ABORTED)
}

/// Run `fut` unless the handle aborts first; then `fut` is dropped (it sends nothing more).
pub async fn abortable<T>(abort: Option<Abort>, fut: impl Future<Output = Result<T>>) -> Result<T> {
    let Some(Abort(mut rx)) = abort else {
        return fut.await;
    };
    if *rx.borrow_and_update() {
        return Err(aborted());
    }
    tokio::select! {
        biased;
        // A handle collected without aborting (its signal is gone) never aborts.
        _ = async {
            if rx.wait_for(|a| *a).await.is_err() {
                std::future::pending::<()>().await
            }
        } => Err(aborted()),
        r = fut => r,
    }
}

/// The options every operation without options of its own takes.
#[napi(object, object_to_js = false)]
#[derive(Default)]
pub struct OperationOptions {
    /// Cancels the call: it rejects with an `AbortError` and sends nothing more.
    #[napi(ts_type = "AbortSignalLike")]
    pub abort_signal: Option<Abort>,
}

impl OperationOptions {
    pub fn signal(o: Option<OperationOptions>) -> Option<Abort> {
        o.and_then(|o| o.abort_signal)
    }
}
