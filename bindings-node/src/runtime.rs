//! The one tokio runtime of the process (toolchain notes, 9).
//!
//! napi owns it: `module_init` hands it to `create_custom_tokio_runtime`, every `async fn` of the addon runs on
//! it, and napi drops it when the Node environment is torn down. Core creates no runtime of its own; a reqwest
//! connection pool stays on the runtime that opened its connections, so there must be exactly one.

use tokio::runtime::{Builder, Runtime};

/// Worker threads: the machine this targets has 2 cores, and every call is I/O bound.
const WORKERS: usize = 2;
/// Named so that a thread dump shows whose threads these are (the same name as the other bindings').
pub const THREAD_NAME: &str = "msi-identity-rt";

/// Builds the runtime the way every binding does: multi-thread, 2 workers, `msi-identity-rt`, all drivers.
///
/// Core has no `build_runtime()` yet (the toolchain notes assume one); this is the stand-in until it does.
pub fn build_runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
        .expect("cannot start the tokio runtime")
}

#[napi_derive::module_init]
fn init() {
    napi::bindgen_prelude::create_custom_tokio_runtime(build_runtime());
}
