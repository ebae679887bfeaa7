//! The top of the CLI: run a parsed command line (the emulator, the walkthrough, tokens, completion, or an ARM
//! command) and turn its outcome into output and an exit code.

use crate::args::{AccountCmd, Cli, Cmd, EmulatorCmd, Global};
use crate::commands::{confirmation, dispatch, no_wait};
use crate::connection::{connect, settings};
use crate::output::{self, Render};
use msi_identity::Error;
use serde_json::{Value, json};
use std::io::{BufRead, IsTerminal, Write};

/// Run a parsed command line; returns the process exit code.
pub async fn run(cli: Cli) -> i32 {
    // A bad --query is refused before anything is sent.
    let render = match Render::new(cli.global.output, cli.global.query.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            output::print_error(&e);
            return output::exit_code(e.kind());
        }
    };
    if let Cli {
        global,
        cmd: Cmd::Plan(args),
    } = cli
    {
        return crate::desired::plan(&global, args, &render).await;
    }
    let outcome = match execute(cli, &render).await {
        Ok(v) => render.text(&v),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(text) => {
            if !text.is_empty() {
                println!("{text}");
            }
            0
        }
        Err(e) => {
            output::print_error(&e);
            output::exit_code(e.kind())
        }
    }
}

/// Execute a command; its result as JSON.
pub async fn execute(cli: Cli, render: &Render) -> Result<Value, Error> {
    match cli.cmd {
        Cmd::Emulator(EmulatorCmd::Start {
            data_dir,
            in_memory,
            port,
            lro_delay_ms,
            imds_port,
            no_rbac,
            throttle,
        }) => {
            let config = msi_emulator::Config {
                port,
                lro_delay: std::time::Duration::from_millis(lro_delay_ms),
                imds_port,
                enforce_rbac: !no_rbac,
                throttle,
                ..msi_emulator::Config::default()
            };
            crate::emulator_cmd::run_emulator(config, data_dir, in_memory).await?;
            Ok(Value::Null)
        }
        Cmd::Quickstart(args) => {
            crate::quickstart::run(args).await?;
            Ok(Value::Null)
        }
        Cmd::Portal(args) => {
            crate::portal::run(args, settings(&cli.global)?).await?;
            Ok(Value::Null)
        }
        Cmd::Completion { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut crate::args::command(), "msi", &mut script);
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = std::io::stdout().write_all(&script);
            Ok(Value::Null)
        }
        Cmd::Account(AccountCmd::GetAccessToken {
            resource,
            identity,
            object_id,
            msi_res_id,
        }) => {
            get_access_token(
                &cli.global,
                resource.as_deref(),
                identity,
                object_id,
                msi_res_id,
            )
            .await
        }
        Cmd::Apply(args) => {
            // The file is read (and a missing one refused) before anything is sent.
            let text = crate::desired::read(&args.file)?;
            let client = connect(&cli.global, false).await?;
            crate::desired::apply(&client, &text, &args, render).await
        }
        cmd => {
            if let Some(question) = confirmation(&cmd) {
                confirm(&question)?;
            }
            let no_wait = no_wait(&cmd);
            let client = connect(&cli.global, no_wait).await?;
            let v = dispatch(&client, cmd, render).await?;
            // az prints nothing for --no-wait.
            Ok(if no_wait { Value::Null } else { v })
        }
    }
}

/// az's prompt before a destructive command: asked on a terminal; refused (exit 2) when standard input is not
/// one, unless `--yes` was given.
fn confirm(question: &str) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::invalid_argument(format!(
            "{question} This command asks for confirmation and standard input is not a terminal: pass --yes (-y) to go ahead"
        )));
    }
    eprint!("{question} Are you sure you want to perform this operation? (y/n): ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Error::invalid_argument(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(Error::invalid_argument("operation cancelled")),
    }
}

async fn get_access_token(
    g: &Global,
    resource: Option<&str>,
    identity: bool,
    object_id: Option<String>,
    msi_res_id: Option<String>,
) -> Result<Value, Error> {
    let s = settings(g)?;
    let token = s
        .get_access_token(resource, identity, object_id, msi_res_id)
        .await?;
    let expires = chrono::DateTime::from_timestamp(token.expires_on, 0)
        .map(|d| d.naive_local().format("%Y-%m-%d %H:%M:%S%.6f").to_string())
        .unwrap_or_default();
    Ok(json!({
        "accessToken": token.token.expose(),
        "expiresOn": expires,
        "expires_on": token.expires_on,
        "subscription": s.subscription_id,
        "tenant": s.tenant_id,
        "tokenType": "Bearer",
    }))
}
