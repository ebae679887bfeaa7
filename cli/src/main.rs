//! `msi`: az-style commands for Azure managed identities on VMs and scale sets. Thin over `msi_identity`:
//! this file parses flags, calls core and renders what comes back.

mod args;
mod args_compute;
mod args_portal;
mod bulk;
mod commands;
mod connection;
mod desired;
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
        .and_then(|m| Ok((args::Cli::from_arg_matches(&m)?, output_given(&m))))
    {
        Ok((mut c, given)) => {
            c.global.output_given = given;
            c
        }
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

/// Whether `-o/--output` was on the command line (at the top or after the subcommand).
fn output_given(m: &clap::ArgMatches) -> bool {
    let mut m = Some(m);
    while let Some(here) = m {
        if here.value_source("output") == Some(clap::parser::ValueSource::CommandLine) {
            return true;
        }
        m = here.subcommand().map(|(_, sub)| sub);
    }
    false
}
