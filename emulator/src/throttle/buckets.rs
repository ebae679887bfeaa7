//! The token bucket of the throttling model (ARM's and Compute's alike), pure: the caller passes the
//! time.

use std::time::{Duration, Instant};

use super::BucketLimit;

/// Whole seconds until `wait` has passed, rounded up, at least 1 (`Retry-After`).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait
        .as_secs()
        .saturating_add(u64::from(wait.subsec_nanos() > 0));
    secs.max(1)
}

/// A token bucket: starts full, each request takes one token, tokens come back at a constant rate.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    limit: BucketLimit,
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    pub fn new(limit: BucketLimit, now: Instant) -> TokenBucket {
        TokenBucket {
            limit,
            tokens: f64::from(limit.capacity),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.limit.refill_per_sec).min(f64::from(self.limit.capacity));
        self.at = now;
    }

    /// Whether a request may pass now (refills first; takes nothing).
    pub fn has_token(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    /// Takes one token (after [`TokenBucket::has_token`] said yes).
    pub fn take(&mut self) {
        self.tokens = (self.tokens - 1.0).max(0.0);
    }

    /// Whole requests left.
    pub fn remaining(&self) -> u64 {
        self.tokens.floor() as u64
    }

    /// How long until the next token (`Duration::MAX` when the refill is too slow to say).
    pub fn wait(&self) -> Duration {
        let missing = (1.0 - self.tokens).max(0.0);
        Duration::try_from_secs_f64(missing / self.limit.refill_per_sec).unwrap_or(Duration::MAX)
    }

    /// The bucket's numbers.
    pub fn limit(&self) -> BucketLimit {
        self.limit
    }

    /// Whether the bucket is full again (so that forgetting it changes nothing).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= f64::from(self.limit.capacity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_drains_and_refills() {
        let t0 = Instant::now();
        let limit = BucketLimit {
            capacity: 3,
            refill_per_sec: 2.0,
        };
        let mut b = TokenBucket::new(limit, t0);
        for left in [2, 1, 0] {
            assert!(b.has_token(t0));
            b.take();
            assert_eq!(b.remaining(), left);
        }
        assert!(!b.has_token(t0));
        assert_eq!(b.wait(), Duration::from_millis(500));
        assert_eq!(retry_after_secs(b.wait()), 1);
        assert!(!b.has_token(t0 + Duration::from_millis(400)));
        assert!(b.has_token(t0 + Duration::from_millis(500)));
        // Never more than the capacity.
        assert!(b.is_full(t0 + Duration::from_secs(60)));
        assert_eq!(b.remaining(), 3);
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(5)), 5);
        assert_eq!(retry_after_secs(Duration::MAX), u64::MAX);
    }

    #[test]
    fn a_refill_too_slow_to_measure_waits_forever_without_panicking() {
        let t0 = Instant::now();
        let limit = BucketLimit {
            capacity: 1,
            refill_per_sec: 1e-300,
        };
        let mut b = TokenBucket::new(limit, t0);
        b.take();
        assert!(!b.has_token(t0 + Duration::from_secs(3600)));
        assert_eq!(b.wait(), Duration::MAX);
    }
}
