//! Bulk changes: one identity change, role grant or MSI extension applied to many VMs or scale sets.
//!
//! [`ArmClient::start_bulk`] checks everything (the selection, the action, the role) before anything is written,
//! resolves the targets (list calls where a group, subscription or tag names them), then runs the change on
//! every target, several at a time, paced to the subscription's throttling budget by the client's
//! [`crate::pacing::Pacer`]. Results stream as they complete ([`Event::Target`]), with progress after each
//! ([`Event::Progress`]) and at least once a second while waiting. Each target's change is planned from its
//! current state, so a second run after an interruption writes nothing that is already done.

mod action;
mod progress;
mod select;

pub use action::Action;
pub use progress::{Event, Progress, Status, TargetResult};
pub use select::{Selected, Selection};

use crate::client::ArmClient;
use crate::error::Result;
use crate::ids::ComputeKind;
use futures::StreamExt;
use progress::Tally;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// How a bulk change runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    /// Targets worked on at once (the pacer decides how fast requests go out).
    pub concurrency: usize,
    /// Progress is reported at least this often.
    pub progress_interval: Duration,
}

impl Default for BulkOptions {
    fn default() -> Self {
        BulkOptions {
            concurrency: 32,
            progress_interval: Duration::from_secs(1),
        }
    }
}

/// A running bulk change: its events, in the order they happen. Dropping it stops the change (targets in
/// flight may or may not finish; a second run completes the rest).
#[derive(Debug)]
pub struct BulkRun {
    total: usize,
    rx: mpsc::Receiver<Event>,
    task: tokio::task::JoinHandle<()>,
}

impl BulkRun {
    /// How many targets the selection named.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The next event; `None` once every target is done (the last event is the final [`Event::Progress`]).
    pub async fn next(&mut self) -> Option<Event> {
        self.rx.recv().await
    }

    /// Runs to the end: every result (in completion order) and the final progress.
    pub async fn collect(mut self) -> (Vec<TargetResult>, Option<Progress>) {
        let mut results = Vec::new();
        let mut last = None;
        while let Some(e) = self.next().await {
            match e {
                Event::Target(r) => results.push(*r),
                Event::Progress(p) => last = Some(p),
            }
        }
        (results, last)
    }
}

impl Drop for BulkRun {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ArmClient {
    /// Checks `action` and `selection`, resolves the targets, and starts the change on them (on the current
    /// tokio runtime). Bad input fails here, before any write.
    pub async fn start_bulk(
        &self,
        kind: ComputeKind,
        selection: &Selection,
        action: &Action,
        options: BulkOptions,
    ) -> Result<BulkRun> {
        action.validate(kind)?;
        let prepared = Arc::new(action.prepare(self, selection).await?);
        let selected = self.select(kind, selection).await?;
        Ok(self.spawn_run(selected, options, move |client, s| {
            let prepared = prepared.clone();
            async move { prepared.apply(&client, s).await }
        }))
    }

    /// Runs `work` on every item, [`BulkOptions::concurrency`] at a time, on the current tokio runtime: the engine
    /// of every bulk change (and of `msi apply -f`), whose items say what each target gets.
    pub(crate) fn spawn_run<W, F, Fut>(
        &self,
        items: Vec<W>,
        options: BulkOptions,
        work: F,
    ) -> BulkRun
    where
        W: Send + 'static,
        F: Fn(ArmClient, W) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = TargetResult> + Send + 'static,
    {
        let total = items.len();
        let (tx, rx) = mpsc::channel(256);
        let client = self.clone();
        let task = tokio::spawn(run(client, items, work, options, tx));
        BulkRun { total, rx, task }
    }

    /// [`ArmClient::start_bulk`] run to the end, every event given to `on_event` as it happens.
    pub async fn run_bulk(
        &self,
        kind: ComputeKind,
        selection: &Selection,
        action: &Action,
        options: BulkOptions,
        mut on_event: impl FnMut(&Event),
    ) -> Result<Progress> {
        let mut run = self.start_bulk(kind, selection, action, options).await?;
        let mut last = None;
        while let Some(e) = run.next().await {
            on_event(&e);
            if let Event::Progress(p) = e {
                last = Some(p);
            }
        }
        Ok(last.unwrap_or_else(|| Tally::new(0).progress(0, self.pacing_stats())))
    }

    /// What the client's pacer has counted so far.
    pub fn pacing_stats(&self) -> crate::pacing::PacingStats {
        self.p.pacer.stats()
    }
}

async fn run<W, F, Fut>(
    client: ArmClient,
    items: Vec<W>,
    work: F,
    options: BulkOptions,
    tx: mpsc::Sender<Event>,
) where
    F: Fn(ArmClient, W) -> Fut,
    Fut: std::future::Future<Output = TargetResult>,
{
    let mut tally = Tally::new(items.len());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let mut results = futures::stream::iter(items)
        .map(|s| {
            let job = work(client.clone(), s);
            let in_flight = in_flight.clone();
            async move {
                in_flight.fetch_add(1, Ordering::Relaxed);
                let r = job.await;
                in_flight.fetch_sub(1, Ordering::Relaxed);
                r
            }
        })
        .buffer_unordered(options.concurrency.max(1));
    let mut tick = tokio::time::interval(options.progress_interval);
    tick.tick().await;
    loop {
        tokio::select! {
            r = results.next() => match r {
                Some(r) => {
                    tally.count(r.status);
                    let p = tally.progress(in_flight.load(Ordering::Relaxed), client.pacing_stats());
                    if tx.send(Event::Target(Box::new(r))).await.is_err()
                        || tx.send(Event::Progress(p)).await.is_err()
                    {
                        return;
                    }
                }
                None => break,
            },
            _ = tick.tick() => {
                let p = tally.progress(in_flight.load(Ordering::Relaxed), client.pacing_stats());
                if tx.send(Event::Progress(p)).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = tx
        .send(Event::Progress(tally.progress(0, client.pacing_stats())))
        .await;
}
