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
struct Mirror {
    /// An answer has told what is left: until then one request at a time (the bucket may be nearly empty).
    known: bool,
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
    /// Compute's per-resource policies, keyed by resource, operation type and policy name.
    policies: Mutex<HashMap<PolicyKey, Mirror>>,
    stats: Mutex<PacingStats>,
}

type PolicyKey = (String, OperationType, String);

/// Policy mirrors kept at most; full ones are forgotten first.
const MAX_POLICY_MIRRORS: usize = 4096;

/// A request's place in its bucket. Dropped without an answer, it leaves the in-flight count but gives no
/// token back (the service may have counted the request).
#[derive(Debug)]
pub struct Permit<'a> {
    pacer: &'a Pacer,
    key: Option<(String, OperationType)>,
    resource: Option<String>,
    seq: u64,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            let mut mirrors = self.pacer.mirrors.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(m) = mirrors.get_mut(&key) {
                m.in_flight = m.in_flight.saturating_sub(1);
            }
        }
    }
}

impl Pacer {
    pub fn new(options: PacingOptions) -> Pacer {
        Pacer {
            options,
            mirrors: Mutex::new(HashMap::new()),
            policies: Mutex::new(HashMap::new()),
            stats: Mutex::new(PacingStats::default()),
        }
    }

    pub fn stats(&self) -> PacingStats {
        *self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until a request of `op` on `path_or_url` fits the budget (its subscription's bucket, and the
    /// resource's Compute policies once they were reported), and takes its tokens.
    pub async fn acquire(&self, path_or_url: &str, op: OperationType) -> Permit<'_> {
        let subscription = subscription_of(path_or_url);
        let Some(sub) = subscription.filter(|_| self.options.enabled) else {
            return Permit {
                pacer: self,
                key: None,
                resource: None,
                seq: 0,
            };
        };
        let resource = resource_of(path_or_url);
        if let Some(r) = &resource {
            self.acquire_policies(r, op).await;
        }
        let key = (sub.to_ascii_lowercase(), op);
        let mut waited = false;
        let seq = loop {
            let wait = {
                let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let bucket = self.options.bucket(op);
                let m = mirrors.entry(key.clone()).or_insert_with(|| Mirror {
                    known: false,
                    tokens: bucket.capacity,
                    refilled: now,
                    in_flight: 0,
                    sent: 0,
                    applied: 0,
                    paused_until: None,
                    bucket,
                });
                m.refill(now);
                match m.paused_until {
                    Some(until) if until > now => until - now,
                    _ if !m.known && m.in_flight > 0 => Duration::from_millis(2),
                    _ if m.tokens >= 1.0 => {
                        m.tokens -= 1.0;
                        m.in_flight += 1;
                        m.sent += 1;
                        break m.sent;
                    }
                    _ => Duration::from_secs_f64(
                        ((1.0 - m.tokens) / m.bucket.refill_per_sec.max(0.001)).max(0.001),
                    ),
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
            resource,
            seq,
        }
    }

    /// Waits until every known policy of `resource` for `op` has a token, and takes them.
    async fn acquire_policies(&self, resource: &str, op: OperationType) {
        loop {
            let wait = {
                let mut policies = self.policies.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let mut wait = Duration::ZERO;
                for ((r, o, _), m) in policies.iter_mut() {
                    if r == resource && *o == op {
                        m.refill(now);
                        if m.tokens < 1.0 {
                            wait = wait.max(Duration::from_secs_f64(
                                (1.0 - m.tokens) / m.bucket.refill_per_sec.max(0.001),
                            ));
                        }
                    }
                }
                if wait.is_zero() {
                    for ((r, o, _), m) in policies.iter_mut() {
                        if r == resource && *o == op {
                            m.tokens -= 1.0;
                        }
                    }
                    return;
                }
                wait
            };
            self.stats.lock().unwrap_or_else(|e| e.into_inner()).waited += 1;
            tokio::time::sleep(wait).await;
        }
    }

    /// Records the remaining counts of `x-ms-ratelimit-remaining-resource`
    /// (`Microsoft.Compute/PutVM3Min;237,Microsoft.Compute/PutVM30Min;1190`) for `resource`.
    fn observe_policies(&self, resource: &str, op: OperationType, headers: &HeaderMap) {
        let mut policies = self.policies.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        for value in headers.get_all("x-ms-ratelimit-remaining-resource") {
            let Ok(value) = value.to_str() else { continue };
            for (name, left) in parse_policies(value) {
                let window = policy_window(&name);
                let m = policies
                    .entry((resource.to_string(), op, name))
                    .or_insert_with(|| Mirror {
                        known: true,
                        tokens: left,
                        refilled: now,
                        in_flight: 0,
                        sent: 0,
                        applied: 0,
                        paused_until: None,
                        bucket: Bucket {
                            capacity: left + 1.0,
                            refill_per_sec: (left + 1.0) / window.as_secs_f64(),
                        },
                    });
                if left + 1.0 > m.bucket.capacity {
                    m.bucket.capacity = left + 1.0;
                    m.bucket.refill_per_sec = m.bucket.capacity / window.as_secs_f64();
                }
                m.refilled = now;
                m.tokens = left;
            }
        }
        if policies.len() > MAX_POLICY_MIRRORS {
            policies.retain(|_, m| {
                m.refill(now);
                m.tokens < m.bucket.capacity
            });
        }
    }

    fn answered(
        &self,
        key: &(String, OperationType),
        resource: Option<&str>,
        seq: u64,
        status: u16,
        headers: &HeaderMap,
    ) {
        if let Some(r) = resource {
            self.observe_policies(r, key.1, headers);
        }
        let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        let Some(m) = mirrors.get_mut(key) else {
            return;
        };
        m.in_flight = m.in_flight.saturating_sub(1);
        let now = Instant::now();
        m.refill(now);
        if let Some(left) = headers
            .get(key.1.remaining_header())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|_| seq > m.applied)
        {
            m.applied = seq;
            // What the service says is left, less what it may not have counted yet. A bucket larger than the
            // one assumed (a subscription with raised limits) grows the mirror too.
            if left + 1.0 > m.bucket.capacity {
                m.bucket.capacity = left + 1.0;
            }
            m.tokens = (left - f64::from(m.in_flight)).min(m.bucket.capacity);
            m.known = true;
        }
        if status == 429 {
            m.known = true;
            let pause = crate::http::retry_after(headers).unwrap_or(Duration::from_secs(1));
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
                self.pacer
                    .answered(&key, self.resource.as_deref(), self.seq, status, headers)
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

/// `(name, remaining)` pairs of a `x-ms-ratelimit-remaining-resource` value.
fn parse_policies(value: &str) -> Vec<(String, f64)> {
    value
        .split(',')
        .filter_map(|p| {
            let (name, n) = p.trim().rsplit_once(';')?;
            Some((
                name.trim().to_ascii_lowercase(),
                n.trim().parse::<f64>().ok()?,
            ))
        })
        .collect()
}

/// The window a Compute policy counts over, from its name (`PutVM3Min`, `HighCostGet30Min`); a minute when the
/// name does not say.
fn policy_window(name: &str) -> Duration {
    let lower = name.to_ascii_lowercase();
    let Some(stem) = lower.strip_suffix("min") else {
        return Duration::from_secs(60);
    };
    let digits: String = stem
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    match digits.parse::<u64>() {
        Ok(m) if m > 0 => Duration::from_secs(60 * m),
        _ => Duration::from_secs(60),
    }
}

/// The Compute resource (VM or scale set) a path or URL is about, lower-cased: its policies are its own.
fn resource_of(path_or_url: &str) -> Option<String> {
    let lower = path_or_url.to_ascii_lowercase();
    let path = lower.split('?').next().unwrap_or(&lower);
    let i = path.find("/providers/microsoft.compute/")?;
    let start = path.find("/subscriptions/")?;
    let segs: Vec<&str> = path[i + 1..].split('/').collect();
    // providers / microsoft.compute / type / name
    (segs.len() >= 4 && !segs[3].is_empty())
        .then(|| format!("{}/{}", &path[start..i], segs[..4].join("/")))
}

/// The subscription an ARM path or URL is in, if any.
pub fn subscription_of(path_or_url: &str) -> Option<&str> {
    let i = path_or_url.to_ascii_lowercase().find("/subscriptions/")?;
    let rest = &path_or_url[i + "/subscriptions/".len()..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn tight() -> PacingOptions {
        let b = Bucket {
            capacity: 3.0,
            refill_per_sec: 20.0,
        };
        PacingOptions {
            reads: b,
            writes: b,
            deletes: b,
            enabled: true,
        }
    }

    #[test]
    fn subscriptions_are_found_in_paths_and_urls() {
        assert_eq!(
            subscription_of("/subscriptions/abc/resourceGroups/g"),
            Some("abc")
        );
        assert_eq!(
            subscription_of("https://h/subscriptions/abc?api-version=1"),
            Some("abc")
        );
        assert_eq!(
            subscription_of("/providers/Microsoft.Compute/operations"),
            None
        );
        assert_eq!(subscription_of("/subscriptions/"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_bucket_waits_for_its_refill() {
        let p = Pacer::new(tight());
        let start = Instant::now();
        for _ in 0..3 {
            p.acquire("/subscriptions/s/x", OperationType::Write).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // The fourth waits for one token: 1/20 s.
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
        assert!(start.elapsed() >= Duration::from_millis(45));
        assert_eq!(p.stats().waited, 1);
        // Other buckets (another type, another subscription) are untouched.
        let t = Instant::now();
        p.acquire("/subscriptions/s/x", OperationType::Read).await;
        p.acquire("/subscriptions/other/x", OperationType::Write)
            .await;
        assert_eq!(t.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_at_a_time_until_the_first_answer() {
        let p = Pacer::new(tight());
        let first = p.acquire("/subscriptions/s/x", OperationType::Write).await;
        let second = tokio::time::timeout(
            Duration::from_millis(50),
            p.acquire("/subscriptions/s/x", OperationType::Write),
        )
        .await;
        assert!(
            second.is_err(),
            "a second request went out before any answer"
        );
        let mut h = HeaderMap::new();
        h.insert(
            "x-ms-ratelimit-remaining-subscription-writes",
            HeaderValue::from_static("2"),
        );
        first.answered(200, &h);
        let start = Instant::now();
        let _a = p.acquire("/subscriptions/s/x", OperationType::Write).await;
        let _b = p.acquire("/subscriptions/s/x", OperationType::Write).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_service_remaining_count_resets_the_mirror() {
        let p = Pacer::new(tight());
        let permit = p.acquire("/subscriptions/s/x", OperationType::Write).await;
        let mut h = HeaderMap::new();
        h.insert(
            "x-ms-ratelimit-remaining-subscription-writes",
            HeaderValue::from_static("0"),
        );
        permit.answered(200, &h);
        let start = Instant::now();
        p.acquire("/subscriptions/s/x", OperationType::Write).await;
        assert!(start.elapsed() >= Duration::from_millis(45));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_the_whole_bucket() {
        let p = Pacer::new(tight());
        let permit = p.acquire("/subscriptions/s/x", OperationType::Read).await;
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("1"));
        permit.answered(429, &h);
        let start = Instant::now();
        p.acquire("/subscriptions/s/x", OperationType::Read).await;
        assert!(start.elapsed() >= Duration::from_millis(950));
        assert_eq!(p.stats().throttled, 1);
    }

    #[test]
    fn compute_policies_parse_with_their_windows() {
        assert_eq!(
            parse_policies("Microsoft.Compute/PutVM3Min;237,Microsoft.Compute/PutVM30Min;1190"),
            vec![
                ("microsoft.compute/putvm3min".to_string(), 237.0),
                ("microsoft.compute/putvm30min".to_string(), 1190.0)
            ]
        );
        assert_eq!(
            policy_window("microsoft.compute/putvm30min"),
            Duration::from_secs(1800)
        );
        assert_eq!(policy_window("x/unknown"), Duration::from_secs(60));
        assert_eq!(
            resource_of(
                "https://h/subscriptions/S/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v/extensions/e?x=1"
            ),
            Some(
                "/subscriptions/s/resourcegroups/g/providers/microsoft.compute/virtualmachines/v"
                    .into()
            )
        );
        assert_eq!(resource_of("/subscriptions/s/resourcegroups/g"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_resource_policy_at_zero_holds_that_resource_only() {
        let p = Pacer::new(tight());
        let vm = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v";
        let permit = p.acquire(vm, OperationType::Write).await;
        let mut h = HeaderMap::new();
        h.insert(
            "x-ms-ratelimit-remaining-resource",
            HeaderValue::from_static("Microsoft.Compute/VMUpdate1Min;0"),
        );
        permit.answered(200, &h);
        let start = Instant::now();
        p.acquire(
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/w",
            OperationType::Write,
        )
        .await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        p.acquire(vm, OperationType::Write).await;
        // One token of a 1-per-minute policy.
        assert!(
            start.elapsed() >= Duration::from_secs(59),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_pacing_never_waits() {
        let p = Pacer::new(PacingOptions {
            enabled: false,
            ..tight()
        });
        let start = Instant::now();
        for _ in 0..50 {
            p.acquire("/subscriptions/s/x", OperationType::Write).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
