//! The test hooks' state (not Azure): the injected faults still to serve and a log of the requests
//! seen. `server::faults` applies them; `routing::hooks` manages them over `/_emulator/`.
//!
//! Both are bounded whatever clients send (issue 10 item 8): the log keeps the last [`LOG_LIMIT`]
//! requests with their paths cut to [`LOGGED_PATH_BYTES`], and at most [`MAX_FAULTS`] faults, each
//! of bounded size ([`Fault::check`]), wait at once.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util;

/// Requests kept in the log (oldest dropped first).
pub const LOG_LIMIT: usize = 20_000;
/// Bytes of a request's path (and method) kept in the log; what `path_contains` can match.
pub const LOGGED_PATH_BYTES: usize = 1024;
/// Faults that may wait at once.
pub const MAX_FAULTS: usize = 1000;
/// Largest `body` of a fault (JSON text) and longest `path_contains`.
pub const MAX_FAULT_BODY_BYTES: usize = 64 * 1024;

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
    /// Why the fault cannot be kept, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        if self.count == 0 || !(100..=599).contains(&self.status) {
            return Err("A fault needs count >= 1 and a status between 100 and 599.".into());
        }
        if self.path_contains.len() > LOGGED_PATH_BYTES
            || self.method.as_deref().is_some_and(|m| m.len() > 32)
        {
            return Err(format!(
                "A fault's path_contains may have at most {LOGGED_PATH_BYTES} bytes, its method 32."
            ));
        }
        if self
            .body
            .as_ref()
            .is_some_and(|b| b.to_string().len() > MAX_FAULT_BODY_BYTES)
        {
            return Err(format!(
                "A fault's body may have at most {MAX_FAULT_BODY_BYTES} bytes."
            ));
        }
        Ok(())
    }

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
    /// `METHOD path`, one allocation each (a method is an HTTP token: no space in it); two
    /// `String`s cost ~50 bytes more per request, ~1 MB at [`LOG_LIMIT`].
    log: VecDeque<Box<str>>,
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
        let method = util::truncate_utf8(method, 32);
        let path = util::truncate_utf8(path, LOGGED_PATH_BYTES);
        s.log.push_back(format!("{method} {path}").into_boxed_str());
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

    /// Keeps a checked fault; `Err` when [`MAX_FAULTS`] are already waiting.
    pub fn add(&self, mut fault: Fault) -> Result<Fault, String> {
        fault.check()?;
        fault.id = util::new_guid();
        let mut s = self.lock();
        if s.faults.len() >= MAX_FAULTS {
            return Err(format!(
                "{MAX_FAULTS} faults are waiting already; DELETE /_emulator/faults first."
            ));
        }
        s.faults.push(fault.clone());
        Ok(fault)
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
        for entry in self.lock().log.iter() {
            let (m, p) = entry.split_once(' ').unwrap_or((entry, ""));
            if p.to_ascii_lowercase().contains(needle)
                && method.is_none_or(|x| x.eq_ignore_ascii_case(m))
            {
                *by_method.entry(m.to_string()).or_default() += 1;
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
        })
        .unwrap();
        assert!(h.take_fault("GET", "/x/virtualmachines/vm1").is_none());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/VIRTUALMACHINES/vm1").is_some());
        assert!(h.take_fault("PATCH", "/x/virtualmachines/vm1").is_none());
    }

    fn fault(path: &str) -> Fault {
        Fault {
            id: String::new(),
            method: None,
            path_contains: path.into(),
            status: 500,
            count: 1,
            retry_after: None,
            body: None,
            drop_connection: false,
            drop_after_answer: false,
        }
    }

    #[test]
    fn the_log_and_the_faults_are_bounded() {
        let h = Hooks::default();
        let long = format!("/{}", "\u{e9}".repeat(40_000));
        for _ in 0..LOG_LIMIT + 10 {
            h.record("GET", &long);
        }
        let s = h.lock();
        assert_eq!(s.log.len(), LOG_LIMIT);
        assert!(
            s.log
                .iter()
                .all(|e| e.split_once(' ').unwrap().1.len() <= LOGGED_PATH_BYTES)
        );
        drop(s);
        for i in 0..MAX_FAULTS {
            h.add(fault(&format!("/p{i}"))).unwrap();
        }
        assert!(h.add(fault("/one-more")).is_err());
        assert_eq!(h.clear_faults(), MAX_FAULTS);
        assert!(h.add(fault(&"x".repeat(LOGGED_PATH_BYTES + 1))).is_err());
        let mut big = fault("/x");
        big.body = Some(serde_json::json!({"e": "b".repeat(MAX_FAULT_BODY_BYTES)}));
        assert!(h.add(big).is_err());
        let mut zero = fault("/x");
        zero.count = 0;
        assert!(h.add(zero).is_err());
    }
}
