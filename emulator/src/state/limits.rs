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

/// Windows kept before the first sweep of idle ones (see [`State::sweep_if_grown`]).
const SWEEP_FLOOR: usize = 1024;

impl Window {
    /// Nothing in flight and nothing in the last second: forgetting it changes no decision.
    fn idle(&self, now: Instant) -> bool {
        self.in_flight == 0
            && self
                .recent
                .back()
                .is_none_or(|t| now.duration_since(*t) >= Duration::from_secs(1))
    }
}

#[derive(Default)]
struct State {
    windows: HashMap<String, Window>,
    /// Windows left by the last sweep.
    kept: usize,
}

impl State {
    /// Forgets idle windows once the map has doubled since the last sweep (amortised O(1) per
    /// request): the key comes from the request path before the machine is looked up, so without
    /// this every vmId ever asked about stayed in memory.
    fn sweep_if_grown(&mut self, now: Instant) {
        if self.windows.len() < SWEEP_FLOOR.max(2 * self.kept) {
            return;
        }
        self.windows.retain(|_, w| !w.idle(now));
        self.windows.shrink_to_fit();
        self.kept = self.windows.len();
    }
}

/// Per-VM IMDS limits: [`RATE_PER_SECOND`] requests in any second and [`MAX_CONCURRENT`] at once.
#[derive(Default)]
pub struct Limits {
    state: Mutex<State>,
}

/// A request being served; releases its concurrency slot when dropped.
pub struct Permit<'a> {
    limits: &'a Limits,
    key: String,
}

impl Limits {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for one request counted under `key`, `None` when the limits are reached.
    pub fn acquire(&self, key: &str) -> Option<Permit<'_>> {
        let now = Instant::now();
        let mut state = self.lock();
        state.sweep_if_grown(now);
        let w = state.windows.entry(key.to_string()).or_default();
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
        if let Some(w) = self.limits.lock().windows.get_mut(&self.key) {
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

    #[test]
    fn idle_windows_are_forgotten_busy_ones_kept() {
        let l = Limits::default();
        let held = l.acquire("held").unwrap();
        // One short of a sweep: these are all recent, none could go yet.
        for i in 0..SWEEP_FLOOR - 1 {
            drop(l.acquire(&format!("vm/{i}")).unwrap());
        }
        assert_eq!(l.lock().windows.len(), SWEEP_FLOOR);
        std::thread::sleep(Duration::from_millis(1100));
        // The next request sweeps: only the window with a request in flight and the new one stay.
        drop(l.acquire("fresh").unwrap());
        assert_eq!(l.lock().windows.len(), 2);
        // A forgotten key starts afresh; the kept one still counts its request in flight.
        assert!(l.lock().windows.contains_key("held"));
        let more: Vec<Permit<'_>> = (1..MAX_CONCURRENT)
            .map(|_| l.acquire("held").unwrap())
            .collect();
        assert!(l.acquire("held").is_none());
        drop((held, more));
    }
}
