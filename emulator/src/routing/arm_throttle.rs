//! ARM's throttle on the way in (after authentication, before routing: a throttled request changes
//! nothing) and its headers on the way out: `x-ms-ratelimit-remaining-subscription-{reads|writes|
//! deletes}` (the caller's bucket), `...-subscription-global-{..}` (the subscription's) and, on
//! virtual machines and scale sets, `x-ms-ratelimit-remaining-resource`. The model: crate::throttle.

use axum::http::HeaderMap;

use crate::catalog::errors::ArmError;
use crate::http;
use crate::state::shared::Shared;
use crate::state::throttling::{ComputeTarget, Decision, Op, Refusal};

/// Compute's per-resource update policies. Azure publishes the limit (12 update requests per VM
/// per minute, docs.azure.cn compute-throttling-limits) but not the policy's name in
/// `x-ms-ratelimit-remaining-resource` (recordings show only the subscription-wide
/// `PutVM3Min`/`PutVM30Min`, `LowCostGet3Min`, `GetOperation3Min`): these names are plainly ours.
const VM_POLICY: &str = "VMUpdate1Min";
const VMSS_POLICY: &str = "VMScaleSetUpdate1Min";

/// The subscription (lower-case) a path is in; the emulator's own for paths above subscriptions.
fn subscription_of(segs: &[&str], default: &str) -> String {
    match segs {
        [s, sub, ..] if s.eq_ignore_ascii_case("subscriptions") => sub.to_ascii_lowercase(),
        _ => default.to_ascii_lowercase(),
    }
}

/// A VM or scale set the path names itself (not a sub-resource): its id, lower-case, and policy.
fn compute_resource(segs: &[&str]) -> Option<(String, &'static str)> {
    let [s, _, rgs, _, p, ns, ty, _] = segs else {
        return None;
    };
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if !(is(s, "subscriptions")
        && is(rgs, "resourceGroups")
        && is(p, "providers")
        && is(ns, "Microsoft.Compute"))
    {
        return None;
    }
    let policy = if is(ty, "virtualMachines") {
        VM_POLICY
    } else if is(ty, "virtualMachineScaleSets") {
        VMSS_POLICY
    } else {
        return None;
    };
    Some((format!("/{}", segs.join("/")).to_ascii_lowercase(), policy))
}

/// Counts the request of `caller` against the buckets; `Err` (429) when one is empty.
pub(super) fn admit(
    shared: &Shared,
    method: &str,
    raw_path: &str,
    caller: &str,
) -> (Option<Decision>, Result<(), ArmError>) {
    let segs: Vec<&str> = raw_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let op = Op::of_method(method);
    let sub = subscription_of(&segs, &shared.seed.subscription_id);
    let compute = compute_resource(&segs);
    let target = compute.as_ref().map(|(key, policy)| ComputeTarget {
        key,
        policy,
        counts: matches!(method, "PUT" | "PATCH"),
    });
    let Some(decision) = shared.throttle.check(&sub, caller, op, target) else {
        return (None, Ok(()));
    };
    let refused = match &decision.refusal {
        None => Ok(()),
        Some(Refusal::Arm { retry_after }) => Err(ArmError::too_many_requests(*retry_after)),
        Some(Refusal::Resource {
            policy,
            retry_after,
            allowed,
            measured,
            started_ago,
            ends_in,
        }) => {
            let now = chrono::Utc::now();
            let at = |t: chrono::DateTime<chrono::Utc>| {
                t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
            };
            let ago = chrono::Duration::from_std(*started_ago).unwrap_or_default();
            let ahead = chrono::Duration::from_std(*ends_in).unwrap_or_default();
            Err(ArmError::compute_throttled(
                policy,
                *retry_after,
                (at(now - ago), at(now + ahead)),
                *allowed,
                *measured,
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
    if let Some(r) = &d.resource {
        http::set(
            h,
            "x-ms-ratelimit-remaining-resource",
            &format!("Microsoft.Compute/{};{}", r.policy, r.remaining),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_vms_and_scale_sets_themselves_have_a_resource_policy() {
        let segs = |p: &str| -> Vec<String> { p.split('/').map(str::to_string).collect() };
        let of = |p: &str| {
            let s = segs(p);
            let s: Vec<&str> = s.iter().map(String::as_str).collect();
            compute_resource(&s)
        };
        let (key, policy) =
            of("subscriptions/S/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/VM1")
                .unwrap();
        assert_eq!(
            key,
            "/subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"
        );
        assert_eq!(policy, VM_POLICY);
        assert_eq!(
            of("subscriptions/s/resourcegroups/rg/providers/microsoft.compute/virtualmachinescalesets/ss")
                .unwrap()
                .1,
            VMSS_POLICY
        );
        assert!(
            of("subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d").is_none()
        );
        assert!(
            of("subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/v/extensions")
                .is_none()
        );
        assert_eq!(subscription_of(&["subscriptions", "ABC"], "d"), "abc");
        assert_eq!(subscription_of(&["providers"], "D"), "d");
    }
}
