//! What every handler shares: configuration, endpoints, the store, the token signing key, the seed
//! and the runtime state (test hooks, IMDS limits, open MSI extension ports). `App` builds it.

use super::access::AccessCache;
use super::hooks::Hooks;
use super::limits::Limits;
use super::ports::ExtensionPorts;
use super::throttling::Throttler;
use super::token_cache::TokenCaches;
use crate::auth::SigningKeys;
use crate::catalog::seed::Seed;
use crate::config::Config;
use crate::store::Store;

/// See [`Shared::handlers`]: enough to keep 2 cores busy and to let concurrent durable writes
/// share one sync (group commit), few enough to bound the threads.
pub const MAX_BLOCKING_HANDLERS: usize = 32;

/// [`Shared::handlers`] of an in-memory store: nothing there waits for a disk, so more handlers than
/// a few per core only spread the same CPU work over more threads, each keeping allocator pages
/// of its own (~13 MB more resident after a 64-connection IMDS load with 32).
pub const MAX_IN_MEMORY_HANDLERS: usize = 8;

impl Shared {
    /// Runs a blocking handler (database, RSA signing) on a blocking thread, at most
    /// [`MAX_BLOCKING_HANDLERS`] at once; `Err` when it panicked.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        // The semaphore is never closed, so acquiring only waits.
        let _permit = self.handlers.acquire().await.ok();
        tokio::task::spawn_blocking(f).await
    }
}

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
    /// Principals and their role assignments, as of the last write to either.
    pub access: AccessCache,
    /// Handlers running at once on blocking threads ([`MAX_BLOCKING_HANDLERS`], or
    /// [`MAX_IN_MEMORY_HANDLERS`] when nothing waits for a disk): tokio's blocking
    /// pool adds a thread per waiting call (up to 512), and each thread that allocates costs memory
    /// of its own (malloc arenas, stacks): 100 threads under 64 connections held hundreds of MB.
    pub handlers: tokio::sync::Semaphore,
}
