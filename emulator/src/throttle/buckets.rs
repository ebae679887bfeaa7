//! The two counters of the throttling model, pure (the caller passes the time): ARM's token bucket
//! and Compute's "at most N per window" policy.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::{BucketLimit, WindowLimit};

/// Whole seconds until `wait` has passed, rounded up, at least 1 (`Retry-After`).
pub fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
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

    /// How long until the next token.
    pub fn wait(&self) -> Duration {
        let missing = (1.0 - self.tokens).max(0.0);
        Duration::from_secs_f64(missing / self.limit.refill_per_sec)
    }

    /// Whether the bucket is full again (so that forgetting it changes nothing).
    pub fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= f64::from(self.limit.capacity)
    }
}

/// At most `count` requests in any `window`: the times of the requests still inside the window.
#[derive(Clone, Debug, Default)]
pub struct SlidingWindow {
    times: VecDeque<Instant>,
}

impl SlidingWindow {
    fn expire(&mut self, limit: &WindowLimit, now: Instant) {
        while self
            .times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= limit.window)
        {
            self.times.pop_front();
        }
    }

    /// Whether a request may pass now (takes nothing).
    pub fn has_room(&mut self, limit: &WindowLimit, now: Instant) -> bool {
        self.expire(limit, now);
        self.times.len() < limit.count as usize
    }

    /// Counts a request (after [`SlidingWindow::has_room`] said yes).
    pub fn take(&mut self, now: Instant) {
        self.times.push_back(now);
    }

    /// Requests left in the current window.
    pub fn remaining(&mut self, limit: &WindowLimit, now: Instant) -> u64 {
        self.expire(limit, now);
        (limit.count as usize).saturating_sub(self.times.len()) as u64
    }

    /// How long until a request may pass again.
    pub fn wait(&self, limit: &WindowLimit, now: Instant) -> Duration {
        self.times
            .front()
            .map(|t| (*t + limit.window).saturating_duration_since(now))
            .unwrap_or_default()
    }

    /// The time of the oldest request counted (the window's start).
    pub fn oldest(&self) -> Option<Instant> {
        self.times.front().copied()
    }

    /// Whether nothing is counted any more.
    pub fn is_idle(&mut self, limit: &WindowLimit, now: Instant) -> bool {
        self.expire(limit, now);
        self.times.is_empty()
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
    fn window_allows_count_per_window() {
        let t0 = Instant::now();
        let limit = WindowLimit {
            count: 2,
            window: Duration::from_secs(60),
        };
        let mut w = SlidingWindow::default();
        for left in [1, 0] {
            assert!(w.has_room(&limit, t0));
            w.take(t0);
            assert_eq!(w.remaining(&limit, t0), left);
        }
        let later = t0 + Duration::from_millis(59_500);
        assert!(!w.has_room(&limit, later));
        assert_eq!(retry_after_secs(w.wait(&limit, later)), 1);
        assert_eq!(retry_after_secs(w.wait(&limit, t0)), 60);
        assert!(w.has_room(&limit, t0 + Duration::from_secs(60)));
        assert!(w.is_idle(&limit, t0 + Duration::from_secs(60)));
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(5)), 5);
    }
}
