//! `--verbose`, `--debug`, `--only-show-errors`: core's `tracing` events on stderr. Without a flag, warnings
//! and errors only. Core never logs a secret or a token (see `msi_identity`'s logging module); `msi` logs nothing
//! of its own arguments.

use crate::args::Global;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// The level the flags ask for.
pub fn level(g: &Global) -> LevelFilter {
    if g.debug {
        LevelFilter::DEBUG
    } else if g.verbose {
        LevelFilter::INFO
    } else if g.only_show_errors {
        LevelFilter::ERROR
    } else {
        LevelFilter::WARN
    }
}

pub fn init(g: &Global) {
    let level = level(g);
    let filter = Targets::new()
        .with_target("msi_identity", level)
        .with_target("msi_emulator", level)
        .with_target("msi", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_timer(tracing_subscriber::fmt::time::uptime());
    let _ = tracing_subscriber::registry()
        .with(layer)
        .with(filter)
        .try_init();
}
