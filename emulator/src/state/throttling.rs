//! The throttling state of a running emulator: ARM's token buckets per subscription + principal +
//! operation type and per subscription (global), and Compute's per-resource update windows
//! (the model and its numbers: [`crate::throttle`]). One short lock, no I/O under it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::throttle::buckets::{SlidingWindow, TokenBucket};
use crate::throttle::{BucketLimit, ThrottleLimits, WindowLimit};

/// ARM's operation types, each with its own buckets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Read,
    Write,
    Delete,
}

impl Op {
    /// GET and HEAD read, DELETE deletes, everything else writes.
    pub fn of_method(method: &str) -> Op {
        match method {
            "GET" | "HEAD" => Op::Read,
            "DELETE" => Op::Delete,
            _ => Op::Write,
        }
    }

    /// The suffix of `x-ms-ratelimit-remaining-subscription-{reads|writes|deletes}`.
    pub fn plural(self) -> &'static str {
        match self {
            Op::Read => "reads",
            Op::Write => "writes",
            Op::Delete => "deletes",
        }
    }
}

/// A Compute resource with a per-resource update policy, and whether this request counts against it.
pub struct ComputeTarget<'a> {
    /// The resource id, lower-case.
    pub key: &'a str,
    /// `VMUpdate1Min` or `VMScaleSetUpdate1Min`.
    pub policy: &'static str,
    /// PUT or PATCH of the resource itself.
    pub counts: bool,
}

/// The per-resource policy's state after a request.
#[derive(Clone, Debug)]
pub struct ResourceCount {
    pub policy: &'static str,
    pub remaining: u64,
}

/// Why a request was refused.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// An ARM bucket (the principal's or the subscription's global one) is empty.
    Arm { retry_after: u64 },
    /// The Compute per-resource policy is exhausted.
    Resource {
        policy: &'static str,
        retry_after: u64,
        allowed: u32,
        measured: u32,
        /// How long ago the window's oldest request was counted, and how long until it ends.
        started_ago: Duration,
        ends_in: Duration,
    },
}

/// What the throttle decided for one request.
#[derive(Clone, Debug)]
pub struct Decision {
    pub op: Op,
    /// Requests left in the principal's bucket.
    pub remaining: u64,
    /// Requests left in the subscription's global bucket.
    pub global_remaining: u64,
    pub resource: Option<ResourceCount>,
    pub refusal: Option<Refusal>,
}

/// Above this many per-resource windows, idle ones are forgotten (memory stays bounded by the
/// resources updated within one window).
const PRUNE_AT: usize = 4096;

struct Inner {
    principal: HashMap<(String, String, Op), TokenBucket>,
    global: HashMap<(String, Op), TokenBucket>,
    resources: HashMap<String, SlidingWindow>,
    prune_at: usize,
}

pub struct Throttler {
    limits: Option<ThrottleLimits>,
    inner: Mutex<Inner>,
}

impl Throttler {
    pub fn new(limits: Option<ThrottleLimits>) -> Throttler {
        Throttler {
            limits,
            inner: Mutex::new(Inner {
                principal: HashMap::new(),
                global: HashMap::new(),
                resources: HashMap::new(),
                prune_at: PRUNE_AT,
            }),
        }
    }

    /// Counts one request of `principal` in `subscription` (lower-case); refuses it, counting nothing,
    /// when a bucket is empty. `None` when throttling is off.
    pub fn check(
        &self,
        subscription: &str,
        principal: &str,
        op: Op,
        compute: Option<ComputeTarget<'_>>,
    ) -> Option<Decision> {
        let limits = self.limits?;
        let now = Instant::now();
        let per_principal = match op {
            Op::Read => limits.reads,
            Op::Write => limits.writes,
            Op::Delete => limits.deletes,
        };
        let global_limit = BucketLimit {
            capacity: per_principal.capacity.saturating_mul(limits.global_factor),
            refill_per_sec: per_principal.refill_per_sec * f64::from(limits.global_factor),
        };
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let mut own = inner
            .principal
            .remove(&(subscription.to_string(), principal.to_string(), op))
            .unwrap_or_else(|| TokenBucket::new(per_principal, now));
        let global = inner
            .global
            .entry((subscription.to_string(), op))
            .or_insert_with(|| TokenBucket::new(global_limit, now));
        let arm_ok = own.has_token(now) & global.has_token(now);
        let mut refusal = None;
        let mut resource = None;
        if !arm_ok {
            let wait = own.wait().max(global.wait());
            refusal = Some(Refusal::Arm {
                retry_after: crate::throttle::buckets::retry_after_secs(wait),
            });
        }
        if let Some(target) = &compute {
            let window = inner.resources.entry(target.key.to_string()).or_default();
            let vm = limits.vm_updates;
            if target.counts && refusal.is_none() && !window.has_room(&vm, now) {
                refusal = Some(Self::resource_refusal(target.policy, window, &vm, now));
            }
            if target.counts && refusal.is_none() {
                window.take(now);
            }
            resource = Some(ResourceCount {
                policy: target.policy,
                remaining: window.remaining(&vm, now),
            });
        }
        if refusal.is_none() {
            own.take();
            global.take();
        }
        let decision = Decision {
            op,
            remaining: own.remaining(),
            global_remaining: global.remaining(),
            resource,
            refusal,
        };
        inner
            .principal
            .insert((subscription.to_string(), principal.to_string(), op), own);
        if inner.resources.len() > inner.prune_at {
            let vm = limits.vm_updates;
            inner.resources.retain(|_, w| !w.is_idle(&vm, now));
            inner.principal.retain(|_, b| !b.is_full(now));
            inner.prune_at = (inner.resources.len() * 2).max(PRUNE_AT);
        }
        Some(decision)
    }

    fn resource_refusal(
        policy: &'static str,
        window: &SlidingWindow,
        limit: &WindowLimit,
        now: Instant,
    ) -> Refusal {
        let start = window.oldest().unwrap_or(now);
        let ends_in = window.wait(limit, now);
        Refusal::Resource {
            policy,
            retry_after: crate::throttle::buckets::retry_after_secs(ends_in),
            allowed: limit.count,
            measured: limit.count.saturating_add(1),
            started_ago: now.saturating_duration_since(start),
            ends_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throttle::Throttle;

    fn tight() -> Throttler {
        let Throttle::Custom(l) = "writes=2/0.001,global=1,vm-updates=1/60".parse().unwrap() else {
            unreachable!()
        };
        Throttler::new(Some(l))
    }

    #[test]
    fn off_decides_nothing() {
        assert!(
            Throttler::new(None)
                .check("s", "p", Op::Write, None)
                .is_none()
        );
    }

    #[test]
    fn principals_have_their_own_buckets_but_share_the_global_one() {
        let Throttle::Custom(l) = "writes=2/0.001,global=2".parse().unwrap() else {
            unreachable!()
        };
        let t = Throttler::new(Some(l));
        for left in [1, 0] {
            let d = t.check("s", "a", Op::Write, None).unwrap();
            assert!(d.refusal.is_none());
            assert_eq!(d.remaining, left);
        }
        assert!(
            t.check("s", "a", Op::Write, None)
                .unwrap()
                .refusal
                .is_some()
        );
        // Reads are another bucket; b has its own writes.
        assert!(t.check("s", "a", Op::Read, None).unwrap().refusal.is_none());
        let d = t.check("s", "b", Op::Write, None).unwrap();
        assert!(d.refusal.is_none());
        assert_eq!(d.global_remaining, 1);
        t.check("s", "b", Op::Write, None).unwrap();
        // The global bucket (2 x 2) is empty now, for a third principal too.
        assert!(matches!(
            t.check("s", "c", Op::Write, None).unwrap().refusal,
            Some(Refusal::Arm { .. })
        ));
        // Another subscription is not affected.
        assert!(
            t.check("t", "c", Op::Write, None)
                .unwrap()
                .refusal
                .is_none()
        );
    }

    #[test]
    fn per_resource_updates_and_refusals_count_nothing() {
        let t = tight();
        let vm = |counts| ComputeTarget {
            key: "/subscriptions/s/vm1",
            policy: "VMUpdate1Min",
            counts,
        };
        let d = t.check("s", "a", Op::Write, Some(vm(true))).unwrap();
        assert!(d.refusal.is_none());
        assert_eq!(d.resource.unwrap().remaining, 0);
        let d = t.check("s", "a", Op::Write, Some(vm(true))).unwrap();
        assert!(matches!(
            d.refusal,
            Some(Refusal::Resource {
                allowed: 1,
                measured: 2,
                retry_after: 60,
                ..
            })
        ));
        // The refused request took no ARM token: one write is left.
        assert_eq!(d.remaining, 1);
        // A read of the VM shows the policy without counting against it.
        let d = t.check("s", "a", Op::Read, Some(vm(false))).unwrap();
        assert!(d.refusal.is_none());
        assert_eq!(d.resource.unwrap().remaining, 0);
    }
}
