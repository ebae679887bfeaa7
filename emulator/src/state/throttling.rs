//! The throttling state of a running emulator: ARM's token buckets per subscription + principal +
//! operation type and per subscription (global), and Compute's buckets per policy category, per
//! resource and per subscription (the model and its numbers: [`crate::throttle`]). One short lock,
//! no I/O under it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::throttle::buckets::{TokenBucket, retry_after_secs};
use crate::throttle::classify::ComputeRequest;
use crate::throttle::compute::ComputePolicy;
pub use crate::throttle::decision::{Decision, Op, PolicyCount, Refusal};
use crate::throttle::{BucketLimit, ThrottleLimits};

/// Above this many buckets, full ones are forgotten (forgetting a full bucket changes nothing, so
/// memory stays bounded by the buckets used within the time one takes to refill).
const PRUNE_AT: usize = 4096;

struct Inner {
    principal: HashMap<(String, String, Op), TokenBucket>,
    global: HashMap<(String, Op), TokenBucket>,
    /// Compute, per subscription and policy.
    compute_sub: HashMap<(String, ComputePolicy), TokenBucket>,
    /// Compute, per resource id (lower-case) and policy.
    compute_res: HashMap<(String, ComputePolicy), TokenBucket>,
    prune_at: usize,
}

impl Inner {
    fn len(&self) -> usize {
        self.principal.len() + self.global.len() + self.compute_sub.len() + self.compute_res.len()
    }

    fn prune(&mut self, now: Instant) {
        self.principal.retain(|_, b| !b.is_full(now));
        self.global.retain(|_, b| !b.is_full(now));
        self.compute_sub.retain(|_, b| !b.is_full(now));
        self.compute_res.retain(|_, b| !b.is_full(now));
        self.prune_at = (self.len() * 2).max(PRUNE_AT);
    }
}

pub struct Throttler {
    limits: Option<ThrottleLimits>,
    inner: Mutex<Inner>,
}

/// The bucket under `key`, taken out of `map` (a new, full one when there is none).
fn take_out<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, TokenBucket>,
    key: &K,
    limit: BucketLimit,
    now: Instant,
) -> TokenBucket {
    map.remove(key)
        .unwrap_or_else(|| TokenBucket::new(limit, now))
}

/// A bucket taken out of its map for one request, with its name.
struct Counted {
    policy: &'static str,
    bucket: TokenBucket,
}

impl Throttler {
    pub fn new(limits: Option<ThrottleLimits>) -> Throttler {
        Throttler {
            limits,
            inner: Mutex::new(Inner {
                principal: HashMap::new(),
                global: HashMap::new(),
                compute_sub: HashMap::new(),
                compute_res: HashMap::new(),
                prune_at: PRUNE_AT,
            }),
        }
    }

    /// Counts one request of `principal` in `subscription` (lower-case) against ARM's buckets and,
    /// for a Compute request, both buckets of its policy; refuses it, counting nothing anywhere,
    /// when one is empty. `None` when throttling is off.
    pub fn check(
        &self,
        subscription: &str,
        principal: &str,
        op: Op,
        compute: Option<&ComputeRequest>,
    ) -> Option<Decision> {
        self.check_at(subscription, principal, op, compute, Instant::now())
    }

    fn check_at(
        &self,
        subscription: &str,
        principal: &str,
        op: Op,
        compute: Option<&ComputeRequest>,
        now: Instant,
    ) -> Option<Decision> {
        let limits = self.limits?;
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
        let own_key = (subscription.to_string(), principal.to_string(), op);
        let global_key = (subscription.to_string(), op);
        let mut own = take_out(&mut inner.principal, &own_key, per_principal, now);
        let mut global = take_out(&mut inner.global, &global_key, global_limit, now);
        // Compute's buckets: subscription level first, then the resource's.
        let mut counted: Vec<(Counted, Option<String>)> = Vec::new();
        if let Some(req) = compute {
            let row = req.policy.row();
            let sub_key = (subscription.to_string(), req.policy);
            let bucket = take_out(
                &mut inner.compute_sub,
                &sub_key,
                row.subscription.scaled(limits.compute_factor),
                now,
            );
            counted.push((
                Counted {
                    policy: row.subscription_name,
                    bucket,
                },
                None,
            ));
            if let (Some(id), Some(per_resource)) = (&req.resource, row.resource) {
                let res_key = (id.clone(), req.policy);
                let bucket = take_out(
                    &mut inner.compute_res,
                    &res_key,
                    per_resource.scaled(limits.compute_factor),
                    now,
                );
                counted.push((
                    Counted {
                        policy: row.resource_name,
                        bucket,
                    },
                    Some(id.clone()),
                ));
            }
        }
        let refusal = Self::refusal(&mut own, &mut global, &mut counted, now);
        if refusal.is_none() {
            own.take();
            global.take();
            for (c, _) in &mut counted {
                c.bucket.take();
            }
        }
        let decision = Decision {
            op,
            remaining: own.remaining(),
            global_remaining: global.remaining(),
            compute: counted
                .iter()
                .map(|(c, id)| PolicyCount {
                    policy: c.policy,
                    remaining: c.bucket.remaining(),
                    per_resource: id.is_some(),
                })
                .collect(),
            refusal,
        };
        inner.principal.insert(own_key, own);
        inner.global.insert(global_key, global);
        if let Some(req) = compute {
            for (c, id) in counted {
                match id {
                    Some(id) => inner.compute_res.insert((id, req.policy), c.bucket),
                    None => inner
                        .compute_sub
                        .insert((subscription.to_string(), req.policy), c.bucket),
                };
            }
        }
        if inner.len() > inner.prune_at {
            inner.prune(now);
        }
        Some(decision)
    }

    /// The refusal when a bucket is empty: ARM's first (ARM answers before Compute sees the
    /// request), then Compute's, subscription level first.
    fn refusal(
        own: &mut TokenBucket,
        global: &mut TokenBucket,
        counted: &mut [(Counted, Option<String>)],
        now: Instant,
    ) -> Option<Refusal> {
        if !(own.has_token(now) & global.has_token(now)) {
            let wait = own.wait().max(global.wait());
            return Some(Refusal::Arm {
                retry_after: retry_after_secs(wait),
            });
        }
        let empty = counted
            .iter_mut()
            .filter_map(|(c, _)| (!c.bucket.has_token(now)).then_some(&*c))
            .collect::<Vec<_>>();
        let first = empty.first()?;
        // Retry when every empty bucket has a token again.
        let ends_in = empty
            .iter()
            .map(|c| c.bucket.wait())
            .max()
            .unwrap_or_default();
        let limit = first.bucket.limit();
        let span = Duration::try_from_secs_f64(f64::from(limit.capacity) / limit.refill_per_sec)
            .unwrap_or(Duration::MAX);
        let refusal = Refusal::Compute {
            policy: first.policy,
            retry_after: retry_after_secs(ends_in),
            allowed: limit.capacity,
            span,
            ends_in,
        };
        Some(refusal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throttle::Throttle;

    fn throttler(spec: &str) -> Throttler {
        let Throttle::Custom(l) = spec.parse().unwrap() else {
            unreachable!()
        };
        Throttler::new(Some(l))
    }

    fn update(vm: &str) -> ComputeRequest {
        ComputeRequest {
            policy: ComputePolicy::UpdateVm,
            resource: Some(format!("/subscriptions/s/vms/{vm}")),
        }
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
        let t = throttler("writes=2/0.001,global=2");
        for left in [1, 0] {
            let d = t.check("s", "a", Op::Write, None).unwrap();
            assert!(d.refusal.is_none());
            assert_eq!(d.remaining, left);
            assert!(d.compute.is_empty());
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
    fn the_resource_bucket_refuses_the_13th_update_and_refusals_count_nothing() {
        let t = throttler("writes=100/0.001");
        for left in (0..12).rev() {
            let d = t.check("s", "a", Op::Write, Some(&update("vm1"))).unwrap();
            assert!(d.refusal.is_none(), "{d:?}");
            assert_eq!(
                d.compute,
                vec![
                    PolicyCount {
                        policy: "UpdateVM3Min",
                        remaining: 1500 - 12 + left,
                        per_resource: false,
                    },
                    PolicyCount {
                        policy: "UpdateVMResource3Min",
                        remaining: left,
                        per_resource: true,
                    },
                ]
            );
        }
        let d = t.check("s", "a", Op::Write, Some(&update("vm1"))).unwrap();
        let Some(Refusal::Compute {
            policy,
            retry_after,
            allowed,
            span,
            ..
        }) = d.refusal
        else {
            panic!("{d:?}")
        };
        assert_eq!((policy, allowed), ("UpdateVMResource3Min", 12));
        // 4 a minute: one token in 15 s; the bucket holds 3 minutes.
        assert!((14..=15).contains(&retry_after), "{retry_after}");
        assert_eq!(span, Duration::from_secs(180));
        // Nothing taken: not the ARM writes, not the subscription's Compute bucket.
        assert_eq!(d.remaining, 100 - 12);
        assert_eq!(d.compute[0].remaining, 1500 - 12);
        // Another VM has its own bucket.
        let d = t.check("s", "a", Op::Write, Some(&update("vm2"))).unwrap();
        assert!(d.refusal.is_none());
        assert_eq!(d.compute[1].remaining, 11);
    }

    #[test]
    fn the_subscription_bucket_refuses_across_resources_and_lists_count_only_there() {
        // Update VM at 0.004: 6 per subscription, 1 per VM.
        let t = throttler("compute=0.004");
        for i in 0..6 {
            let d = t
                .check("s", "a", Op::Write, Some(&update(&i.to_string())))
                .unwrap();
            assert!(d.refusal.is_none(), "{d:?}");
        }
        let d = t.check("s", "a", Op::Write, Some(&update("7"))).unwrap();
        assert!(matches!(
            d.refusal,
            Some(Refusal::Compute {
                policy: "UpdateVM3Min",
                allowed: 6,
                ..
            })
        ));
        // Other policies and subscriptions have their own buckets.
        assert!(
            t.check("t", "a", Op::Write, Some(&update("7")))
                .unwrap()
                .refusal
                .is_none()
        );
        let list = ComputeRequest {
            policy: ComputePolicy::HighCostGetVm,
            resource: Some("/ignored".into()),
        };
        let d = t.check("s", "a", Op::Read, Some(&list)).unwrap();
        assert!(d.refusal.is_none());
        // No resource level for High Cost Get VM; 900 x 0.004 = 3.6, rounded to 4.
        assert_eq!(
            d.compute,
            vec![PolicyCount {
                policy: "HighCostGet3Min",
                remaining: 3,
                per_resource: false,
            }]
        );
    }

    #[test]
    fn full_buckets_are_forgotten_past_the_cap() {
        let t = throttler("writes=100000/1000,global=1,compute=10");
        let t0 = Instant::now();
        let count = |t: &Throttler| t.inner.lock().unwrap().compute_res.len();
        for i in 0..PRUNE_AT {
            t.check_at("s", "a", Op::Write, Some(&update(&i.to_string())), t0);
        }
        // Past the cap, nothing was full: all kept, the next prune further away.
        assert_eq!(count(&t), PRUNE_AT);
        let (len, prune_at) = {
            let inner = t.inner.lock().unwrap();
            (inner.len(), inner.prune_at)
        };
        assert!(prune_at > PRUNE_AT, "{prune_at}");
        // An hour later the old buckets are full again: the next prune forgets them.
        let t1 = t0 + Duration::from_secs(3600);
        let fresh = prune_at - len + 1;
        for i in 0..fresh {
            t.check_at("s", "a", Op::Write, Some(&update(&format!("n{i}"))), t1);
        }
        assert_eq!(count(&t), fresh);
    }
}
