//! The emulated services, one module per resource provider, side by side: each asks the state layer
//! (`state`) and uses the ARM toolkit (`arm`); none imports another.

pub mod compute;
pub mod deployments;
pub mod entra;
pub mod graph;
pub mod imds;
pub mod msi;
pub mod network;
pub mod operations;
pub mod resources;
pub mod roles;
