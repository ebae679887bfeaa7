//! The one tokio runtime of the process (toolchain notes, 9), built by core's `runtime::build_runtime` as every
//! binding builds it (2 workers, `msi-identity-rt` threads, all drivers).
//!
//! napi owns it: `module_init` hands it to `create_custom_tokio_runtime`, every `async fn` of the addon runs on
//! it, and napi drops it when the Node environment is torn down. Core creates no runtime of its own; a reqwest
//! connection pool stays on the runtime that opened its connections, so there must be exactly one.

#[napi_derive::module_init]
fn init() {
    let rt = msi_identity::runtime::build_runtime().expect("cannot start the tokio runtime");
    napi::bindgen_prelude::create_custom_tokio_runtime(rt);
}
