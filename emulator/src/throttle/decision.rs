//! What the throttle decides for one request: the ARM operation type, the buckets counted and what
//! is left in them, and why a request was refused. Pure data; the state is `state::throttling`.

use std::time::Duration;

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

/// A Compute bucket the request counted against, and what is left in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCount {
    pub policy: &'static str,
    pub remaining: u64,
    /// The resource's own bucket (enforced, named in a 429's body, but not reported in the header).
    pub per_resource: bool,
}

/// Why a request was refused.
#[derive(Clone, Debug)]
pub enum Refusal {
    /// An ARM bucket (the principal's or the subscription's global one) is empty.
    Arm { retry_after: u64 },
    /// A Compute bucket of the request's policy is empty.
    Compute {
        policy: &'static str,
        retry_after: u64,
        /// The bucket's capacity.
        allowed: u32,
        /// How long the bucket's capacity takes to refill (the span it measures), and how long
        /// until its next token.
        span: Duration,
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
    /// Compute's buckets counted (subscription level first), empty for other requests.
    pub compute: Vec<PolicyCount>,
    pub refusal: Option<Refusal>,
}
