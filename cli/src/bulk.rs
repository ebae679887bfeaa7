//! Identity changes on many targets through core's bulk engine: converting the flags into a selection,
//! rendering progress (a bar on a terminal) and a summary on stderr, and the results in the format asked for.

use crate::args::{Fleet, Target};
use crate::output::{self, Render};
use msi_identity::bulk::{Status, TargetResult};
use msi_identity::{
    ArmClient, BulkAction, BulkEvent, BulkOptions, BulkRun, ComputeKind, Error, Selection,
};
use serde_json::Value;
use std::io::IsTerminal;

/// The selection `--ids` (several), `--all` or `--tag` name; `None` for one target (`-g/-n`, one ID), which
/// runs as a single change with az's output.
pub fn selection(client: &ArmClient, t: &Target, f: &Fleet) -> Option<Selection> {
    if f.all || f.tag.is_some() {
        let subscriptions = if t.resource_group.is_none() {
            vec![client.subscription_id().to_string()]
        } else {
            Vec::new()
        };
        return Some(Selection {
            ids: Vec::new(),
            resource_group: t.resource_group.clone(),
            subscriptions,
            tag: f.tag.clone(),
        });
    }
    (t.ids.len() > 1).then(|| Selection {
        ids: t.ids.clone(),
        ..Selection::default()
    })
}

/// Runs `action` on the selection; prints each failure, returns the results shaped by `shape` (in target order),
/// or the first failure once the results that did succeed are printed.
pub async fn run(
    client: &ArmClient,
    kind: ComputeKind,
    selection: Selection,
    action: BulkAction,
    fleet: &Fleet,
    render: &Render,
    shape: fn(&TargetResult) -> Value,
) -> Result<Value, Error> {
    let options = options(fleet.concurrency)?;
    let run = client
        .start_bulk(kind, &selection, &action, options)
        .await?;
    let mut results = drive(run, kind.short()).await;
    // In the order the targets were named (IDs as given; listed ones by ID).
    let order = |id: &str| {
        selection
            .ids
            .iter()
            .position(|i| i.eq_ignore_ascii_case(id))
            .unwrap_or(usize::MAX)
    };
    results.sort_by(|a, b| {
        order(&a.id)
            .cmp(&order(&b.id))
            .then_with(|| a.id.to_ascii_lowercase().cmp(&b.id.to_ascii_lowercase()))
    });
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match (r.status, r.error) {
            (Status::Failed, Some(e)) => errors.push(e),
            (_, err) => out.push(shape(&TargetResult { error: err, ..r })),
        }
    }
    output::values_or_first_error(out, errors, render)
}

/// `--concurrency N` as core's options.
pub fn options(concurrency: Option<usize>) -> Result<BulkOptions, Error> {
    let mut options = BulkOptions::default();
    if let Some(n) = concurrency {
        if n == 0 {
            return Err(Error::invalid_argument("--concurrency must be at least 1"));
        }
        options.concurrency = n;
    }
    Ok(options)
}

/// Runs a bulk change to the end: a progress bar on a terminal, the summary on stderr (`N what(s): ...`), and
/// every result (in completion order).
pub async fn drive(mut run: BulkRun, what: &str) -> Vec<TargetResult> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(run.total() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let mut results = Vec::new();
    let mut last = None;
    while let Some(event) = run.next().await {
        match event {
            BulkEvent::Target(r) => results.push(*r),
            BulkEvent::Progress(p) => {
                if let Some(b) = &bar {
                    b.set_position(p.done() as u64);
                    let eta = p
                        .eta
                        .map(|d| format!(", ETA {} s", d.as_secs()))
                        .unwrap_or_default();
                    b.set_message(format!(
                        "{} failed, {} in flight, {:.1}/s{eta}",
                        p.failed, p.in_flight, p.rate_per_sec
                    ));
                }
                last = Some(p);
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if let Some(p) = last {
        eprintln!(
            "{} {what}(s): {} changed, {} unchanged, {} failed in {:.1} s ({} answers of 429)",
            p.total,
            p.changed,
            p.unchanged,
            p.failed,
            p.elapsed.as_secs_f64(),
            p.throttled
        );
    }
    results
}
