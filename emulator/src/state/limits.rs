//! IMDS's per-VM limits on the managed identity category (IMDSDOC): [`RATE_PER_SECOND`] requests in
//! any second and [`MAX_CONCURRENT`] at once.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// IMDS managed-identity limits per VM (IMDSDOC): requests per second and concurrent requests.
pub const RATE_PER_SECOND: usize = 20;
pub const MAX_CONCURRENT: usize = 5;

#[derive(Default)]
struct Window {
    recent: VecDeque<Instant>,
    in_flight: usize,
}

/// Per-VM IMDS limits: [`RATE_PER_SECOND`] requests in any second and [`MAX_CONCURRENT`] at once.
#[derive(Default)]
pub struct Limits {
    state: Mutex<HashMap<String, Window>>,
}

/// A request being served; releases its concurrency slot when dropped.
pub struct Permit<'a> {
    limits: &'a Limits,
    key: String,
}

impl Limits {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Window>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for one request counted under `key`, `None` when the limits are reached.
    pub fn acquire(&self, key: &str) -> Option<Permit<'_>> {
        let now = Instant::now();
        let mut state = self.lock();
        let w = state.entry(key.to_string()).or_default();
        while w
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            w.recent.pop_front();
        }
        if w.recent.len() >= RATE_PER_SECOND || w.in_flight >= MAX_CONCURRENT {
            return None;
        }
        w.recent.push_back(now);
        w.in_flight += 1;
        Some(Permit {
            limits: self,
            key: key.to_string(),
        })
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Some(w) = self.limits.lock().get_mut(&self.key) {
            w.in_flight = w.in_flight.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_count_per_second_and_in_flight() {
        let l = Limits::default();
        let held: Vec<Permit<'_>> = (0..MAX_CONCURRENT)
            .map(|_| l.acquire("a").unwrap())
            .collect();
        assert!(l.acquire("a").is_none());
        assert!(l.acquire("b").is_some());
        drop(held);
        for _ in MAX_CONCURRENT..RATE_PER_SECOND {
            assert!(l.acquire("a").is_some());
        }
        assert!(l.acquire("a").is_none());
    }
}
