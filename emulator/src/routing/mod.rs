//! Routing: which handler answers a request. The HTTPS listener's requests go by their first path
//! segment ([`dispatch`]) to the test hooks, Entra ID, the cloud metadata or the ARM router.

pub mod arm;
mod arm_auth;
mod arm_target;
mod arm_throttle;
pub mod dispatch;
pub mod hooks;
