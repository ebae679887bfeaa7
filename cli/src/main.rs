//! `msi`: az-style commands for Azure managed identities on VMs and scale sets. Thin over `msi_identity`:
//! this file parses flags, calls core and renders what comes back.

mod args;
mod args_compute;
mod args_portal;
mod bulk;
mod commands;
mod emulator_cmd;
mod examples;
mod logs;
mod output;
mod portal;
mod quickstart;
mod run;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::command()
        .try_get_matches()
        .and_then(|m| args::Cli::from_arg_matches(&m))
    {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    logs::init(&cli.global);
    let runtime = match msi_identity::runtime::build_runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("msi: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run::run(cli));
    ExitCode::from(code as u8)
}
