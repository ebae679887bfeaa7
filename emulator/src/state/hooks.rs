//! The test hooks' state (not Azure): the injected faults still to serve and a log of the requests
//! seen. `server::faults` applies them; `routing::hooks` manages them over `/_emulator/`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util;

/// Requests kept in the log (oldest dropped first).
const LOG_LIMIT: usize = 100_000;

fn default_status() -> u16 {
    500
}

fn default_count() -> u32 {
    1
}

/// One injected fault.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub id: String,
    /// HTTP method to match (any when absent).
    #[serde(default)]
    pub method: Option<String>,
    /// Case-insensitive substring of the request path to match (any when empty).
    #[serde(default)]
    pub path_contains: String,
    #[serde(default = "default_status")]
    pub status: u16,
    /// How many matching requests fail.
    #[serde(default = "default_count")]
    pub count: u32,
    /// `Retry-After` seconds.
    #[serde(default)]
    pub retry_after: Option<u64>,
    /// Response body; an ARM (or, on token endpoints, Entra) error envelope when absent.
    #[serde(default)]
    pub body: Option<Value>,
    /// Close the connection without answering.
    #[serde(default)]
    pub drop_connection: bool,
    /// Carry the request out, then close the connection without answering: an answer lost on the way back.
    #[serde(default)]
    pub drop_after_answer: bool,
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        method_ok
            && path
                .to_ascii_lowercase()
                .contains(&self.path_contains.to_ascii_lowercase())
    }
}

#[derive(Default)]
struct HookState {
    faults: Vec<Fault>,
    log: VecDeque<(String, String)>,
}

/// Faults and the request log.
#[derive(Default)]
pub struct Hooks {
    state: Mutex<HookState>,
}

impl Hooks {
    fn lock(&self) -> MutexGuard<'_, HookState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, method: &str, path: &str) {
        let mut s = self.lock();
        if s.log.len() >= LOG_LIMIT {
            s.log.pop_front();
        }
        s.log.push_back((method.to_string(), path.to_string()));
    }

    /// Consumes one use of the first fault matching the request.
    pub fn take_fault(&self, method: &str, path: &str) -> Option<Fault> {
        let mut s = self.lock();
        let i = s.faults.iter().position(|f| f.matches(method, path))?;
        let fault = s.faults[i].clone();
        s.faults[i].count -= 1;
        if s.faults[i].count == 0 {
            s.faults.remove(i);
        }
        Some(fault)
    }

    pub fn add(&self, mut fault: Fault) -> Fault {
        fault.id = util::new_guid();
        self.lock().faults.push(fault.clone());
        fault
    }

    /// The pending faults.
    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    /// Removes every pending fault; returns how many there were.
    pub fn clear_faults(&self) -> usize {
        std::mem::take(&mut self.lock().faults).len()
    }

    /// `(count per method, total)` of the logged requests whose path contains `needle` (lower-case)
    /// and, when given, whose method is `method`.
    pub fn count_requests(
        &self,
        needle: &str,
        method: Option<&str>,
    ) -> (BTreeMap<String, u64>, u64) {
        let mut by_method: BTreeMap<String, u64> = BTreeMap::new();
        let mut total = 0u64;
        for (m, p) in self.lock().log.iter() {
            if p.to_ascii_lowercase().contains(needle)
                && method.is_none_or(|x| x.eq_ignore_ascii_case(m))
            {
                *by_method.entry(m.clone()).or_default() += 1;
                total += 1;
            }
        }
        (by_method, total)
    }

    /// Clears the request log; returns how many requests it held.
    pub fn clear_log(&self) -> usize {
        std::mem::take(&mut self.lock().log).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_consumed_in_order() {
        let h = Hooks::default();
        h.add(Fault {
            id: String::new(),
            method: Some("patch".into()),
            path_contains: "/virtualMachines/".into(),
            status: 429,
            count: 2,
            retry_after: Some(1),
            body: None,
            drop_connection: false,
            drop_after_answer: false,
        });
        assert!(h.take_fault("GET", "/x/virtualmachines/vm1").is_none());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/VIRTUALMACHINES/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_none());
    }
}
