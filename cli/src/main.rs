//! `msi`: az-style commands for Azure managed identities on VMs and scale sets. Thin over `msi_identity`:
//! this file parses flags, calls core and renders what comes back.

mod commands;
mod output;
mod quickstart;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("msi-cli")
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("msi: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(commands::run(cli));
    ExitCode::from(code as u8)
}
