//! What a bulk change reports as it runs: one result per target, and progress (done, failed, in flight, rate,
//! ETA) that each face renders its own way.

use crate::error::Error;
use crate::identity::Identity;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What happened to one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A write was sent and completed.
    Changed,
    /// The target already was as asked: nothing was written.
    Unchanged,
    /// The change failed; the error says why.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Changed => "changed",
            Status::Unchanged => "unchanged",
            Status::Failed => "failed",
        }
    }
}

/// The result of one target.
#[derive(Debug)]
pub struct TargetResult {
    /// The target's ARM ID.
    pub id: String,
    pub status: Status,
    /// The identity after the change (identity actions).
    pub identity: Option<Identity>,
    /// The whole resource after an identity change, as ARM answered it (not in [`TargetResult::to_json`]).
    pub resource: Option<Value>,
    /// The role assignment or extension the action produced.
    pub detail: Option<Value>,
    pub error: Option<Error>,
}

impl TargetResult {
    /// A target whose change failed with `error`.
    pub fn failed(id: String, error: Error) -> TargetResult {
        TargetResult {
            id,
            status: Status::Failed,
            identity: None,
            resource: None,
            detail: None,
            error: Some(error),
        }
    }

    /// `{"id", "status", "identity"?, "detail"?, "error"?}`: the same shape in every face.
    pub fn to_json(&self) -> Value {
        let mut o = json!({ "id": self.id, "status": self.status.as_str() });
        if let Some(i) = &self.identity {
            o["identity"] = i.to_json();
        }
        if let Some(d) = &self.detail {
            o["detail"] = d.clone();
        }
        if let Some(e) = &self.error {
            o["error"] = e.to_json()["error"].clone();
        }
        o
    }
}

/// Where a bulk change stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub total: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
    pub in_flight: usize,
    pub elapsed: Duration,
    /// Targets finished per second so far.
    pub rate_per_sec: f64,
    /// Time left at that rate; `None` before the first target finishes.
    pub eta: Option<Duration>,
    /// Requests that waited for the throttling budget, and answers of 429, so far.
    pub waited: u64,
    pub throttled: u64,
}

impl Progress {
    pub fn done(&self) -> usize {
        self.changed + self.unchanged + self.failed
    }

    pub fn to_json(&self) -> Value {
        json!({
            "total": self.total,
            "done": self.done(),
            "changed": self.changed,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "inFlight": self.in_flight,
            "elapsedSeconds": self.elapsed.as_secs_f64(),
            "ratePerSecond": self.rate_per_sec,
            "etaSeconds": self.eta.map(|d| d.as_secs_f64()),
            "waitedForBudget": self.waited,
            "throttled": self.throttled,
        })
    }
}

/// One thing a bulk change reports.
#[derive(Debug)]
pub enum Event {
    Target(Box<TargetResult>),
    Progress(Progress),
}

impl Event {
    /// `{"type": "result", ...}` or `{"type": "progress", ...}`.
    pub fn to_json(&self) -> Value {
        let (ty, mut v) = match self {
            Event::Target(r) => ("result", r.to_json()),
            Event::Progress(p) => ("progress", p.to_json()),
        };
        v["type"] = ty.into();
        v
    }
}

/// Counts as results come in.
#[derive(Debug)]
pub(crate) struct Tally {
    started: Instant,
    pub total: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub failed: usize,
}

impl Tally {
    pub fn new(total: usize) -> Tally {
        Tally {
            started: Instant::now(),
            total,
            changed: 0,
            unchanged: 0,
            failed: 0,
        }
    }

    pub fn count(&mut self, s: Status) {
        match s {
            Status::Changed => self.changed += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Failed => self.failed += 1,
        }
    }

    pub fn progress(&self, in_flight: usize, stats: crate::pacing::PacingStats) -> Progress {
        let elapsed = self.started.elapsed();
        let done = self.changed + self.unchanged + self.failed;
        let rate = if elapsed.as_secs_f64() > 0.0 {
            done as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        let eta = (done > 0 && rate > 0.0)
            .then(|| Duration::from_secs_f64((self.total - done) as f64 / rate));
        Progress {
            total: self.total,
            changed: self.changed,
            unchanged: self.unchanged,
            failed: self.failed,
            in_flight,
            elapsed,
            rate_per_sec: rate,
            eta,
            waited: stats.waited,
            throttled: stats.throttled,
        }
    }
}
