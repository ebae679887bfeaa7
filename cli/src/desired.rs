//! `msi plan -f FILE` and `msi apply -f FILE`: the file read, core's plan rendered (a readable diff, or the plan
//! as JSON/YAML/a table with -o), core's apply driven as every bulk change is. Exit codes: plan with
//! `--detailed-exitcode` 0 (no changes), 2 (changes pending), 1 (error), as Terraform's; otherwise, and for
//! apply, 0 or the exit code of the first failure's kind.

use crate::args::{ApplyArgs, Global, PlanArgs};
use crate::output::{self, Format, Render};
use msi_identity::bulk::Status;
use msi_identity::{ArmClient, DesiredPlan, Error};
use serde_json::{Value, json};
use std::path::Path;

/// The file's text; a file that cannot be read is refused before anything is sent.
pub fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::invalid_argument(format!("cannot read {}: {e}", path.display())))
}

/// `msi plan`: prints the plan, returns the exit code.
pub async fn plan(global: &Global, args: PlanArgs, render: &Render) -> i32 {
    let failed = |e: &Error| {
        output::print_error(e);
        if args.detailed_exitcode {
            1
        } else {
            output::exit_code(e.kind())
        }
    };
    let plan = match plan_of(global, &args).await {
        Ok(p) => p,
        Err(e) => return failed(&e),
    };
    let text = if global.output_given {
        let shown = match render.format {
            Format::Table => rows(&plan),
            _ => plan.to_json(),
        };
        match render.text(&shown) {
            Ok(t) => t,
            Err(e) => return failed(&e),
        }
    } else {
        plan.to_text()
    };
    if !text.is_empty() {
        println!("{text}");
    }
    match plan.first_error() {
        Some(e) => failed(e),
        None if args.detailed_exitcode && plan.has_changes() => 2,
        None => 0,
    }
}

async fn plan_of(global: &Global, args: &PlanArgs) -> Result<DesiredPlan, Error> {
    let text = read(&args.file)?;
    let options = crate::bulk::options(args.concurrency)?;
    let client = crate::connection::connect(global, false).await?;
    client
        .plan_desired(&text, Some(&args.file.display().to_string()), options)
        .await
}

/// `-o table`: one row per target (its status and its changes on one line).
fn rows(plan: &DesiredPlan) -> Value {
    Value::Array(
        plan.targets
            .iter()
            .map(|t| {
                let changes = match &t.error {
                    Some(e) => format!("error: {}", e.message()),
                    None => t.diff.lines().join("; "),
                };
                // `target`, not `id`: the table shows no `id` column, as az's does not.
                json!({"target": t.id, "status": t.status.as_str(), "changes": changes})
            })
            .collect(),
    )
}

/// `msi apply`: every target's result (id, status, identity, and in `detail` what was changed), in file order
/// of the targets' IDs; the summary on stderr; the first failure as the command's error.
pub async fn apply(
    client: &ArmClient,
    text: &str,
    args: &ApplyArgs,
    render: &Render,
) -> Result<Value, Error> {
    let options = crate::bulk::options(args.concurrency)?;
    let run = client
        .start_apply_desired(text, Some(&args.file.display().to_string()), options)
        .await?;
    let mut results = crate::bulk::drive(run, "target").await;
    results.sort_by_key(|r| r.id.to_ascii_lowercase());
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for mut r in results {
        match (r.status, r.error.take()) {
            (Status::Failed, Some(e)) => errors.push(e.in_context(&r.id)),
            _ => out.push(r.to_json()),
        }
    }
    output::values_or_first_error(out, errors, render)
}
