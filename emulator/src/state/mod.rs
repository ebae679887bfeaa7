//! The bottom layer's state: what is stored per resource kind and the queries made of it (each takes
//! a transaction; no HTTP), and the runtime state every handler shares ([`shared::Shared`]).
//! Resource providers ask these modules, never each other.

pub mod access;
pub mod assignments;
pub mod deployments;
pub mod groups;
pub mod hooks;
pub mod identities;
pub mod identity;
pub mod limits;
pub mod machines;
pub mod network;
pub mod operations;
pub mod ports;
pub mod principals;
pub mod shared;
pub mod throttling;
pub mod token_cache;
