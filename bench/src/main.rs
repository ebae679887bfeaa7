//! `cargo run --release -p msi-bench`: the managed-identity credential against the emulator's IMDS.
//!
//! Figures (medians of several rounds, printed with the anchor measured in the same run):
//! - cached `get_token` per call, against one uncached token request to IMDS over loopback HTTP;
//! - IMDS requests made by N concurrent first callers for one resource, against N (what a cache-less client sends).

use msi_bench::median;
use msi_emulator::{Config, Emulator};
use msi_identity::managed_identity::{
    IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource,
};
use msi_identity::{ComputeKind, ComputeTarget, HttpClient, TokenCredential};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 7;
const CACHED_CALLS: u32 = 100_000;
const FIRST_CALLERS: usize = 1_000;
const SCOPE: &str = "https://management.azure.com/.default";

fn credential(base_url: &str, http: &HttpClient) -> ManagedIdentityCredential {
    ManagedIdentityCredential::new(
        ManagedIdentitySource::Imds {
            base_url: base_url.to_string(),
        },
        IdentitySelector::SystemAssigned,
        http.clone(),
    )
    .expect("credential")
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // Generous IMDS limits do not apply to the emulator's per-VM limiter between rounds: pace the rounds.
    let emu = Emulator::start(Config::default()).await.expect("emulator");
    let http = msi_bench::http_for(&emu);
    let arm = msi_bench::admin_client(&emu, &http);
    arm.create_resource_group("bench", "westus")
        .await
        .expect("group");
    let vm = ComputeTarget::new(
        emu.subscription_id(),
        "bench",
        "vm",
        ComputeKind::VirtualMachine,
    )
    .unwrap();
    let model = msi_identity::BasicModel::default().to_model(&vm).unwrap();
    arm.create_compute(&vm, model, true, &[]).await.expect("vm");
    let base = emu.imds_base_url(&vm.path(), None).expect("imds url");
    let plain = HttpClient::new(None).expect("http");

    let mut uncached_us = Vec::new();
    let mut cached_ns = Vec::new();
    let mut first_callers = Vec::new();
    for _ in 0..ROUNDS {
        // Anchor: one token request that misses the cache (a new credential each time).
        let c = credential(&base, &plain);
        let t = Instant::now();
        c.get_token(&[SCOPE]).await.expect("token");
        uncached_us.push(t.elapsed().as_secs_f64() * 1e6);
        // Cached calls on the same credential.
        let t = Instant::now();
        for _ in 0..CACHED_CALLS {
            std::hint::black_box(c.get_token(&[SCOPE]).await.expect("token"));
        }
        cached_ns.push(t.elapsed().as_secs_f64() * 1e9 / CACHED_CALLS as f64);
        // N concurrent first callers on a fresh credential.
        let c = Arc::new(credential(&base, &plain));
        let calls = (0..FIRST_CALLERS).map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get_token(&[SCOPE]).await.map(|_| ()) })
        });
        for r in futures::future::join_all(calls).await {
            r.expect("task").expect("token");
        }
        first_callers.push(c.requests_sent() as f64);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let (u, c, f) = (
        median(uncached_us),
        median(cached_ns),
        median(first_callers),
    );
    println!("managed-identity credential against the emulator's IMDS (median of {ROUNDS} rounds)");
    println!("  anchor: uncached token request          {u:>10.1} us");
    println!(
        "  cached get_token                          {c:>10.1} ns   ratio to anchor {:.6}  ({:.0}x faster)",
        c / 1e3 / u,
        u * 1e3 / c
    );
    println!(
        "  IMDS requests for {FIRST_CALLERS} concurrent first callers {f:>4.0}      ratio to {FIRST_CALLERS} (no sharing) {:.4}",
        f / FIRST_CALLERS as f64
    );
    emu.shutdown().await;
}
