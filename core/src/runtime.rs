//! The one tokio runtime each binding owns (toolchain notes, 9): core creates none and returns `Send` futures,
//! but every binding builds its runtime the same way, here. A reqwest connection pool stays on the runtime that
//! opened its connections, so a process must have exactly one.

use tokio::runtime::{Builder, Runtime};

/// Worker threads: every call is I/O bound, and the machines this targets have 2 cores.
pub const WORKER_THREADS: usize = 2;
/// Named so that a thread dump shows whose threads these are.
pub const THREAD_NAME: &str = "msi-identity-rt";

/// The builder every binding starts from (multi-thread, [`WORKER_THREADS`], [`THREAD_NAME`], all drivers); a
/// binding may add its own hooks (the C library blocks SIGPIPE in `on_thread_start`).
pub fn runtime_builder() -> Builder {
    let mut b = Builder::new_multi_thread();
    b.worker_threads(WORKER_THREADS)
        .thread_name(THREAD_NAME)
        .enable_all();
    b
}

/// A runtime from [`runtime_builder`].
pub fn build_runtime() -> std::io::Result<Runtime> {
    runtime_builder().build()
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_on_named_threads() {
        let rt = super::build_runtime().unwrap();
        let name = rt.block_on(async {
            tokio::spawn(async { std::thread::current().name().map(str::to_string) })
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some(super::THREAD_NAME));
    }
}
