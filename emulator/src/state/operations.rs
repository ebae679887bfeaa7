//! Long-running operations as resources remember them. Nothing runs in the background: an operation
//! is a row with a start and a completion time (`start + lro_delay`); its state, and the
//! `provisioningState` of the resource it changed, are derived from the clock when read.

use serde::{Deserialize, Serialize};

/// The operation that last changed a resource, kept in the resource document.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OpRef {
    pub id: String,
    pub complete_ms: i64,
    /// The provisioning state while running: `Creating`, `Updating`, `Deleting`.
    pub state: String,
}

impl OpRef {
    pub fn done(&self, now_ms: i64) -> bool {
        now_ms >= self.complete_ms
    }
}

/// `provisioningState` of a resource last changed by `op`.
pub fn provisioning_state(op: Option<&OpRef>, now_ms: i64) -> String {
    match op {
        Some(o) if !o.done(now_ms) => o.state.clone(),
        _ => "Succeeded".to_string(),
    }
}

/// The id of the operation still running on a resource (its new user-assigned identities render as
/// `{}` until it completes).
pub fn running(op: Option<&OpRef>, now_ms: i64) -> Option<&str> {
    op.filter(|o| !o.done(now_ms)).map(|o| o.id.as_str())
}
