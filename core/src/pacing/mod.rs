//! Budget-aware pacing of ARM requests: never send faster than the subscription's throttling budget allows.
//!
//! ARM throttles each subscription + principal + operation type with a token bucket (reads 250 refilled at
//! 25 per s, writes and deletes 200 refilled at 10 per s; "Understand how Azure Resource Manager throttles
//! requests", learn.microsoft.com, azure-resource-manager/management/request-limits-and-throttling) and
//! reports what is left on every answer (`x-ms-ratelimit-remaining-subscription-reads`, `-writes`, `-deletes`).
//! A [`Pacer`] keeps a conservative mirror of each bucket the client draws from: a request takes a token before
//! it is sent; each answer resets the mirror to what the service says is left, less the requests still in
//! flight (which it may not have counted yet); between answers the mirror refills at the published rate. When
//! the mirror is empty, requests wait for the refill instead of drawing a 429, so a bulk change slows before
//! the bucket empties. A 429 pauses every request of that bucket for its `Retry-After`, not only the one that
//! drew it. Buckets are per subscription, so targets in several subscriptions each get their own budget.
//! Compute's own policies, reported in `x-ms-ratelimit-remaining-resource`, are mirrored the same way
//! ([`compute`]).

mod compute;

use reqwest::Method;
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// ARM's operation types, each with its own bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationType {
    Read,
    Write,
    Delete,
}

impl OperationType {
    pub fn of(method: &Method) -> OperationType {
        match *method {
            Method::GET | Method::HEAD => OperationType::Read,
            Method::DELETE => OperationType::Delete,
            _ => OperationType::Write,
        }
    }

    /// The header ARM reports this bucket's remaining requests in.
    pub fn remaining_header(self) -> &'static str {
        match self {
            OperationType::Read => "x-ms-ratelimit-remaining-subscription-reads",
            OperationType::Write => "x-ms-ratelimit-remaining-subscription-writes",
            OperationType::Delete => "x-ms-ratelimit-remaining-subscription-deletes",
        }
    }
}

/// One bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub capacity: f64,
    pub refill_per_sec: f64,
}

/// The budget the pacer assumes until the service's headers say otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacingOptions {
    pub reads: Bucket,
    pub writes: Bucket,
    pub deletes: Bucket,
    /// Pace at all (`false`: only honour `Retry-After` on the request that drew it).
    pub enabled: bool,
}

impl Default for PacingOptions {
    /// ARM's published per-principal buckets.
    fn default() -> Self {
        PacingOptions {
            reads: Bucket {
                capacity: 250.0,
                refill_per_sec: 25.0,
            },
            writes: Bucket {
                capacity: 200.0,
                refill_per_sec: 10.0,
            },
            deletes: Bucket {
                capacity: 200.0,
                refill_per_sec: 10.0,
            },
            enabled: true,
        }
    }
}

impl PacingOptions {
    fn bucket(&self, op: OperationType) -> Bucket {
        match op {
            OperationType::Read => self.reads,
            OperationType::Write => self.writes,
            OperationType::Delete => self.deletes,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Mirror {
    /// An answer has told what is left: until then one request at a time (the bucket may be nearly empty).
    known: bool,
    /// The service reports this bucket (`false` once a successful answer came without its header, e.g. an
    /// emulator with throttling off: then only `Retry-After` holds requests back).
    metered: bool,
    tokens: f64,
    refilled: Instant,
    in_flight: u32,
    /// Requests sent, and the latest of them whose answer set `tokens`: an answer to an earlier request
    /// (answers overtake each other) tells less than the one applied, and is not applied.
    sent: u64,
    applied: u64,
    paused_until: Option<Instant>,
    bucket: Bucket,
}

impl Mirror {
    fn new(bucket: Bucket, now: Instant) -> Mirror {
        Mirror {
            known: false,
            metered: true,
            tokens: bucket.capacity,
            refilled: now,
            in_flight: 0,
            sent: 0,
            applied: 0,
            paused_until: None,
            bucket,
        }
    }

    /// How long a 429's `Retry-After` still holds requests back.
    fn paused_for(&self, now: Instant) -> Duration {
        self.paused_until
            .map_or(Duration::ZERO, |until| until.saturating_duration_since(now))
    }

    /// How long until a token is there (zero: now); `refill` first.
    fn wait_for_token(&self, now: Instant) -> Duration {
        match self.paused_for(now) {
            p if !p.is_zero() => p,
            _ if !self.metered || self.tokens >= 1.0 => Duration::ZERO,
            _ => Duration::from_secs_f64(
                ((1.0 - self.tokens) / self.bucket.refill_per_sec.max(0.001)).max(0.001),
            ),
        }
    }

    /// What an answer says is left, less what may not have been counted yet (requests in flight). It lowers the
    /// mirror and never raises it (`trusted` aside: a first count, a bucket larger than assumed, a bucket metered
    /// again): answers overtake each other and the service may count a later request first, so a count above
    /// the mirror's is such a request's, not tokens to spend. The mirror regains tokens by its refill only.
    fn observe(&mut self, left: f64, trusted: bool) {
        let counted = (left - f64::from(self.in_flight)).min(self.bucket.capacity);
        self.tokens = if trusted {
            counted
        } else {
            self.tokens.min(counted)
        };
    }

    fn refill(&mut self, now: Instant) {
        let dt = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + dt * self.bucket.refill_per_sec).min(self.bucket.capacity);
        self.refilled = now;
    }
}

/// What the pacer has counted (for progress output and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PacingStats {
    /// Requests that waited for the budget before they were sent.
    pub waited: u64,
    /// Answers of 429.
    pub throttled: u64,
}

/// Mirrors of the buckets one client draws from, keyed by subscription and operation type.
#[derive(Debug)]
pub struct Pacer {
    options: PacingOptions,
    mirrors: Mutex<HashMap<(String, OperationType), Mirror>>,
    /// Compute's policies, per subscription.
    policies: Mutex<compute::Policies>,
    stats: Mutex<PacingStats>,
}

/// A request's place in its bucket. Dropped without an answer, it leaves the in-flight count but gives no
/// token back (the service may have counted the request).
#[derive(Debug)]
pub struct Permit<'a> {
    pacer: &'a Pacer,
    key: Option<(String, OperationType)>,
    /// The request's Compute shape and the policy tokens it took.
    shape: Option<compute::ShapeKey>,
    held: Vec<compute::Held>,
    seq: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut mirrors = self.pacer.mirrors.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(m) = mirrors.get_mut(&key) {
                m.in_flight = m.in_flight.saturating_sub(1);
            }
            drop(mirrors);
            self.pacer.lock_policies().release(&self.held);
        }
    }
}

impl Pacer {
    pub fn new(options: PacingOptions) -> Pacer {
        Pacer {
            options,
            mirrors: Mutex::new(HashMap::new()),
            policies: Mutex::new(compute::Policies::default()),
            stats: Mutex::new(PacingStats::default()),
        }
    }

    pub fn stats(&self) -> PacingStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_policies(&self) -> std::sync::MutexGuard<'_, compute::Policies> {
        self.policies.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request of `op` on `path_or_url` fits the budget (its subscription's bucket, and the
    /// Compute policies requests of its shape counted against), and takes its tokens.
    pub async fn acquire(&self, path_or_url: &str, op: OperationType) -> Permit<'_> {
        let subscription = subscription_of(path_or_url);
        let Some(sub) = subscription.filter(|_| self.options.enabled) else {
            return Permit {
                pacer: self,
                key: None,
                shape: None,
                held: Vec::new(),
                seq: 0,
            };
        };
        let sub = sub.to_ascii_lowercase();
        let shape = compute::shape_of(path_or_url).map(|s| (sub.clone(), op, s));
        let mut waited = false;
        let held = match &shape {
            Some(shape) => loop {
                let taken = self.lock_policies().try_take(shape, Instant::now());
                match taken {
                    Ok(held) => break held,
                    Err(wait) => {
                        if !waited {
                            waited = true;
                            self.stats.lock().unwrap_or_else(|e| e.into_inner()).waited += 1;
                        }
                        tokio::time::sleep(wait).await;
                    }
                }
            },
            None => Vec::new(),
        };
        let key = (sub, op);
        let mut waited = false;
        let seq = loop {
            let wait = {
                let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let bucket = self.options.bucket(op);
                let m = mirrors
                    .entry(key.clone())
                    .or_insert_with(|| Mirror::new(bucket, now));
                m.refill(now);
                match m.wait_for_token(now) {
                    w if !w.is_zero() => w,
                    _ if !m.known && m.in_flight > 0 => Duration::from_millis(2),
                    _ => {
                        m.tokens -= 1.0;
                        m.in_flight += 1;
                        m.sent += 1;
                        break m.sent;
                    }
                }
            };
            if !waited {
                waited = true;
                self.stats.lock().unwrap_or_else(|e| e.into_inner()).waited += 1;
            }
            tokio::time::sleep(wait).await;
        };
        Permit {
            pacer: self,
            key: Some(key),
            shape,
            held,
            seq,
        }
    }

    fn answered(
        &self,
        key: &(String, OperationType),
        permit: &Permit<'_>,
        status: u16,
        headers: &HeaderMap,
    ) {
        let seq = permit.seq;
        let now = Instant::now();
        let pause = (status == 429)
            .then(|| crate::http::retry_after(headers).unwrap_or(Duration::from_secs(1)));
        if let Some(shape) = &permit.shape {
            self.lock_policies()
                .answered(shape, &permit.held, headers, pause, now);
        }
        let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        let Some(m) = mirrors.get_mut(key) else {
            return;
        };
        m.in_flight = m.in_flight.saturating_sub(1);
        m.refill(now);
        let reported = headers
            .get(key.1.remaining_header())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok());
        if reported.is_none() && (200..300).contains(&status) && seq > m.applied {
            m.applied = seq;
            m.metered = false;
            m.known = true;
        }
        if let Some(left) = reported.filter(|_| seq > m.applied) {
            m.applied = seq;
            // A bucket larger than the one assumed (a subscription with raised limits) grows the mirror.
            let grew = left + 1.0 > m.bucket.capacity;
            if grew {
                m.bucket.capacity = left + 1.0;
            }
            m.observe(left, grew || !m.known || !m.metered);
            m.metered = true;
            m.known = true;
        }
        if let Some(pause) = pause {
            m.known = true;
            m.paused_until = Some(now + pause);
            m.tokens = m.tokens.min(0.0);
            drop(mirrors);
            self.stats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .throttled += 1;
        }
    }
}

impl Permit<'_> {
    /// Tells the pacer what the service answered.
    pub fn answered(mut self, status: u16, headers: &HeaderMap) {
        match self.key.take() {
            Some(key) => {
                self.pacer.answered(&key, &self, status, headers);
                self.held.clear();
            }
            None if status == 429 => {
                self.pacer
                    .stats
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .throttled += 1;
            }
            None => {}
        }
    }
}

/// The subscription an ARM path or URL is in, if any.
pub fn subscription_of(path_or_url: &str) -> Option<&str> {
    let i = path_or_url.to_ascii_lowercase().find("/subscriptions/")?;
    let rest = &path_or_url[i + "/subscriptions/".len()..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
