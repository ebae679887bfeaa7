//! Core's logs in Python's `logging`, under the `msi_identity` logger.
//!
//! Core emits `tracing` events with targets `msi_identity::http`, `::lro`, `::credential`, `::token_cache`
//! (what they say, and what they never say, is core's `logging`); its `tracing` has the `log` bridge on, so with
//! no `tracing` subscriber in the process they are `log` records, which pyo3-log hands to
//! `logging.getLogger("msi_identity.http")` and so on, `::` becoming `.`: children of `msi_identity`, so its level
//! and handlers apply. Only `msi_identity` targets are forwarded (not rustls', reqwest's or the emulator's).
//!
//! pyo3-log caches each logger's effective level so that a disabled record never takes the GIL; the cache is
//! cleared at the start of every call into this module ([`refresh`]), so a level changed between calls is
//! honoured. The bridge is installed at the first call, not at import (which stays free of `import logging`),
//! and goes quiet once the interpreter starts exiting (`drain`, registered with `atexit`), because a thread that
//! takes the GIL during finalization does not come back.

use log::{LevelFilter, Log, Metadata, Record};
use pyo3::prelude::*;
use pyo3_log::{Caching, Logger, ResetHandle};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// The loggers forwarded: `msi_identity` and its children.
pub const LOGGER: &str = "msi_identity";

static HANDLE: OnceLock<Option<ResetHandle>> = OnceLock::new();
static STOPPED: AtomicBool = AtomicBool::new(false);

struct Bridge(Logger);

impl Log for Bridge {
    fn enabled(&self, metadata: &Metadata) -> bool {
        !STOPPED.load(Ordering::Relaxed) && self.0.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !STOPPED.load(Ordering::Relaxed) {
            self.0.log(record)
        }
    }

    fn flush(&self) {}
}

fn install(py: Python<'_>) -> Option<ResetHandle> {
    let logger = Logger::new(py, Caching::LoggersAndLevels)
        .ok()?
        .filter(LevelFilter::Off)
        .filter_target(LOGGER.to_string(), LevelFilter::Trace);
    let handle = logger.reset_handle();
    log::set_boxed_logger(Box::new(Bridge(logger))).ok()?;
    log::set_max_level(LevelFilter::Trace);
    Some(handle)
}

/// At the start of a call: install the bridge if it is not yet, and forget the cached levels.
pub fn refresh(py: Python<'_>) {
    if let Some(h) = HANDLE.get_or_init(|| install(py)) {
        h.reset();
    }
}

/// Stop forwarding (the interpreter is exiting).
pub fn stop() {
    STOPPED.store(true, Ordering::Relaxed);
}
