//! What every handler shares: configuration, endpoints, the store, the token signing key, the seed
//! and the runtime state (test hooks, IMDS limits, open MSI extension ports). `App` builds it.

use super::hooks::Hooks;
use super::limits::Limits;
use super::ports::ExtensionPorts;
use super::throttling::Throttler;
use super::token_cache::TokenCaches;
use crate::auth::SigningKeys;
use crate::catalog::seed::Seed;
use crate::config::Config;
use crate::store::Store;

pub struct Shared {
    pub config: Config,
    /// `https://127.0.0.1:PORT` of ARM and Entra ID.
    pub endpoint: String,
    /// `http://127.0.0.1:PORT` of the machines' token endpoints.
    pub imds_endpoint: String,
    pub store: Store,
    pub keys: SigningKeys,
    pub seed: Seed,
    /// Injected faults and the request log.
    pub hooks: Hooks,
    /// Per-VM IMDS rate limits.
    pub imds_limits: Limits,
    /// Open MSI extension ports.
    pub ports: ExtensionPorts,
    /// ARM's throttling buckets (`Config::throttle`).
    pub throttle: Throttler,
    /// Verified bearer tokens and issued managed-identity tokens.
    pub tokens: TokenCaches,
}
