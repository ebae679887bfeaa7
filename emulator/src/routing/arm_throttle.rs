//! The throttle on the way in (after authentication, before routing: a throttled request changes
//! nothing) and its headers on the way out: `x-ms-ratelimit-remaining-subscription-{reads|writes|
//! deletes}` (the caller's bucket), `...-subscription-global-{..}` (the subscription's) and, on
//! Compute's requests, `x-ms-ratelimit-remaining-resource` with each Compute bucket counted. The
//! model: crate::throttle.

use axum::http::HeaderMap;

use crate::catalog::errors::ArmError;
use crate::http;
use crate::state::shared::Shared;
use crate::state::throttling::{Decision, Op, Refusal};
use crate::throttle::classify;

/// The subscription (lower-case) a path is in; the emulator's own for paths above subscriptions.
fn subscription_of(segs: &[String], default: &str) -> String {
    match segs {
        [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") => sub.to_ascii_lowercase(),
        _ => default.to_ascii_lowercase(),
    }
}

/// Whether the VM or scale set stored under `key` (its lower-case id) exists; a store error counts
/// as "does not" (the handler will answer it).
fn exists(shared: &Shared, key: &str) -> bool {
    shared
        .store
        .read(|tx| tx.get(key))
        .is_ok_and(|row| row.is_some())
}

/// Counts the request of `caller` against the buckets; `Err` (429) when one is empty.
pub(super) fn admit(
    shared: &Shared,
    method: &str,
    segs: &[String],
    caller: &str,
) -> (Option<Decision>, Result<(), ArmError>) {
    if shared.config.throttle.limits().is_none() {
        return (None, Ok(()));
    }
    let seg_refs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let op = Op::of_method(method);
    let sub = subscription_of(segs, &shared.seed.subscription_id);
    let compute = classify::classify(method, &seg_refs, |key| exists(shared, key));
    let Some(decision) = shared.throttle.check(&sub, caller, op, compute.as_ref()) else {
        return (None, Ok(()));
    };
    let refused = match &decision.refusal {
        None => Ok(()),
        Some(Refusal::Arm { retry_after }) => Err(ArmError::too_many_requests(*retry_after)),
        Some(Refusal::Compute {
            policy,
            retry_after,
            allowed,
            span,
            ends_in,
        }) => {
            let now = chrono::Utc::now();
            let at = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            };
            let ago = chrono::Duration::from_std(*span).unwrap_or(chrono::Duration::MAX);
            let ahead = chrono::Duration::from_std(*ends_in).unwrap_or(chrono::Duration::MAX);
            let start = now.checked_sub_signed(ago).unwrap_or(now);
            let end = now.checked_add_signed(ahead).unwrap_or(now);
            Err(ArmError::compute_throttled(
                policy,
                *retry_after,
                (at(start), at(end)),
                *allowed,
                allowed.saturating_add(1),
            ))
        }
    };
    (Some(decision), refused)
}

/// The remaining counts of a decision, as ARM and Compute report them.
pub(super) fn add_headers(h: &mut HeaderMap, d: &Decision) {
    let op = d.op.plural();
    http::set(
        h,
        &format!("x-ms-ratelimit-remaining-subscription-{op}"),
        &d.remaining.to_string(),
    );
    http::set(
        h,
        &format!("x-ms-ratelimit-remaining-subscription-global-{op}"),
        &d.global_remaining.to_string(),
    );
    // The subscription's policies only: answers recorded from live Azure report those (their counts shared
    // by every VM of the subscription) and never a per-resource one, whose name Azure does not publish.
    let list: Vec<String> = d
        .compute
        .iter()
        .filter(|c| !c.per_resource)
        .map(|c| format!("Microsoft.Compute/{};{}", c.policy, c.remaining))
        .collect();
    if !list.is_empty() {
        http::set(h, "x-ms-ratelimit-remaining-resource", &list.join(","));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::throttling::PolicyCount;

    #[test]
    fn the_subscription_is_the_paths_or_the_emulators() {
        let s = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
        assert_eq!(subscription_of(&s(&["subscriptions", "ABC"]), "d"), "abc");
        assert_eq!(subscription_of(&s(&["providers"]), "D"), "d");
    }

    #[test]
    fn the_subscriptions_compute_buckets_are_listed_in_one_header() {
        let mut h = HeaderMap::new();
        let d = Decision {
            op: Op::Read,
            remaining: 3,
            global_remaining: 4,
            compute: vec![
                PolicyCount {
                    policy: "LowCostGet3Min",
                    remaining: 23999,
                    per_resource: false,
                },
                PolicyCount {
                    policy: "LowCostGetResource3Min",
                    remaining: 35,
                    per_resource: true,
                },
            ],
            refusal: None,
        };
        add_headers(&mut h, &d);
        assert_eq!(
            h["x-ms-ratelimit-remaining-resource"],
            "Microsoft.Compute/LowCostGet3Min;23999"
        );
        assert_eq!(h["x-ms-ratelimit-remaining-subscription-reads"], "3");
        let mut h = HeaderMap::new();
        add_headers(
            &mut h,
            &Decision {
                compute: vec![],
                ..d
            },
        );
        assert!(h.get("x-ms-ratelimit-remaining-resource").is_none());
    }
}
