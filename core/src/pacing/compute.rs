//! Compute's own throttling policies, as the pacer mirrors them.
//!
//! Compute (the `Microsoft.Compute` resource provider) throttles on top of ARM, with policies per subscription
//! and region ("Compute throttling limits", learn.microsoft.com, virtual-machines/compute-throttling-limits) and
//! reports what is left of the ones a request counted against in `x-ms-ratelimit-remaining-resource`
//! (`Microsoft.Compute/UpdateVM3Min;239,Microsoft.Compute/UpdateVM30Min;1197` in the recordings of live
//! Azure). The counts are the subscription's, shared by every VM: a fleet of updates draws them down one by one.
//! So a policy is mirrored per subscription and name, and which policies a request will draw from is learned
//! per request shape (operation type and path with the names left out: one VM's PATCH, a list, an extension,
//! an operation poll) from the answers to earlier requests of that shape.
//!
//! A bucket holds what its name's window says (`3Min`: 3 minutes of refill), refilled evenly: the pacer takes
//! the largest count it has seen plus one as the size, refilled over the window.

use super::{Bucket, Mirror, OperationType};
use reqwest::header::HeaderMap;
use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// A policy: subscription and policy name, lower-case.
pub(super) type PolicyKey = (String, String);

/// A request shape: subscription, operation type, and the Compute path with its names left out.
pub(super) type ShapeKey = (String, OperationType, String);

/// A policy token a request holds, with its place in sending order (an answer to an earlier request tells less
/// than one already applied).
#[derive(Debug)]
pub(super) struct Held {
    key: PolicyKey,
    seq: u64,
}

/// Mirrors of the Compute policies one client draws from, and what each request shape counts against.
#[derive(Debug, Default)]
pub(super) struct Policies {
    mirrors: HashMap<PolicyKey, Mirror>,
    shapes: HashMap<ShapeKey, Vec<String>>,
}

impl Policies {
    /// Takes a token of every policy that requests of `shape` counted against, or says how long to wait until
    /// they all have one (nothing is taken then).
    pub(super) fn try_take(
        &mut self,
        shape: &ShapeKey,
        now: Instant,
    ) -> Result<Vec<Held>, Duration> {
        let Some(names) = self.shapes.get(shape) else {
            return Ok(Vec::new());
        };
        let keys: Vec<PolicyKey> = names.iter().map(|n| (shape.0.clone(), n.clone())).collect();
        let mut wait = Duration::ZERO;
        for key in &keys {
            if let Some(m) = self.mirrors.get_mut(key) {
                m.refill(now);
                wait = wait.max(m.wait_for_token(now));
            }
        }
        if !wait.is_zero() {
            return Err(wait);
        }
        let mut held = Vec::with_capacity(keys.len());
        for key in keys {
            if let Some(m) = self.mirrors.get_mut(&key) {
                m.tokens -= 1.0;
                m.in_flight += 1;
                m.sent += 1;
                held.push(Held { key, seq: m.sent });
            }
        }
        Ok(held)
    }

    /// A request ended without an answer: it leaves the in-flight counts, giving no token back.
    pub(super) fn release(&mut self, held: &[Held]) {
        for h in held {
            if let Some(m) = self.mirrors.get_mut(&h.key) {
                m.in_flight = m.in_flight.saturating_sub(1);
            }
        }
    }

    /// Records what an answer to a request of `shape` says is left (`x-ms-ratelimit-remaining-resource`), and
    /// which policies that shape counts against. A 429 pauses those policies for its `Retry-After`.
    pub(super) fn answered(
        &mut self,
        shape: &ShapeKey,
        held: &[Held],
        headers: &HeaderMap,
        pause: Option<Duration>,
        now: Instant,
    ) {
        self.release(held);
        let reported: Vec<(String, f64)> = headers
            .get_all("x-ms-ratelimit-remaining-resource")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(parse_policies)
            .collect();
        if reported.is_empty() {
            return;
        }
        let mut names = Vec::with_capacity(reported.len());
        for (name, left) in reported {
            let key = (shape.0.clone(), name.clone());
            let window = policy_window(&name).as_secs_f64();
            let m = self.mirrors.entry(key.clone()).or_insert_with(|| {
                Mirror::new(
                    Bucket {
                        capacity: left + 1.0,
                        refill_per_sec: (left + 1.0) / window,
                    },
                    now,
                )
            });
            let grew = left + 1.0 > m.bucket.capacity;
            if grew {
                m.bucket.capacity = left + 1.0;
                m.bucket.refill_per_sec = m.bucket.capacity / window;
            }
            m.refill(now);
            let first = !m.known;
            match held.iter().find(|h| h.key == key) {
                Some(h) if h.seq > m.applied => {
                    m.applied = h.seq;
                    m.observe(left, grew || first);
                }
                Some(_) => {}
                // Not taken before sending (the shape was new).
                None => m.observe(left, first),
            }
            m.known = true;
            if let Some(p) = pause {
                m.paused_until = Some(now + p);
            }
            names.push(name);
        }
        self.shapes.insert(shape.clone(), names);
    }
}

/// The shape of a Compute request path: what follows `providers/Microsoft.Compute/`, with every name left out
/// (`virtualmachines/*`, `virtualmachines` for a list, `virtualmachines/*/extensions/*`,
/// `locations/*/operations/*`), lower-case. `None` outside Compute.
pub(super) fn shape_of(path_or_url: &str) -> Option<String> {
    let lower = path_or_url.to_ascii_lowercase();
    let path = lower.split('?').next().unwrap_or(&lower);
    let marker = "/providers/microsoft.compute/";
    let i = path.find(marker)?;
    let shape: Vec<&str> = path[i + marker.len()..]
        .split('/')
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(n, s)| if n % 2 == 1 { "*" } else { s })
        .collect();
    (!shape.is_empty()).then(|| shape.join("/"))
}

/// `(name, remaining)` pairs of a `x-ms-ratelimit-remaining-resource` value, names lower-case.
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
    let digits = stem.len() - stem.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    match stem[stem.len() - digits..].parse::<u64>() {
        Ok(m) if m > 0 => Duration::from_secs(60 * m),
        _ => Duration::from_secs(60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_with_their_windows() {
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
        assert_eq!(
            policy_window("Microsoft.Compute/UpdateVM3Min"),
            Duration::from_secs(180)
        );
        assert_eq!(policy_window("x/unknown"), Duration::from_secs(60));
        assert_eq!(policy_window("x/min"), Duration::from_secs(60));
    }

    #[test]
    fn shapes_leave_the_names_out() {
        assert_eq!(
            shape_of(
                "https://h/subscriptions/S/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v/extensions/e?x=1"
            )
            .as_deref(),
            Some("virtualmachines/*/extensions/*")
        );
        assert_eq!(
            shape_of(
                "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/virtualMachines/v"
            )
            .as_deref(),
            Some("virtualmachines/*")
        );
        assert_eq!(
            shape_of("/subscriptions/s/providers/Microsoft.Compute/virtualMachines?api-version=1")
                .as_deref(),
            Some("virtualmachines")
        );
        assert_eq!(shape_of("/subscriptions/s/resourcegroups/g"), None);
    }
}
