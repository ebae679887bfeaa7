//! What durable writes cost: the same write load against an emulator with `Durability::Synced`
//! (every acknowledged write fsynced, group commit) and one with `Durability::Relaxed`, each on its
//! own data directory, measured in the same run, interleaved (rounds alternate which mode goes
//! first), medians of the rounds.
//!
//! `cargo bench -p msi-emulator --bench durability` (`ROUNDS=N`, `WRITES=N` to change the size).

use std::time::{Duration, Instant};

use msi_emulator::{Config, Durability, Emulator};
use serde_json::{Value, json};

struct Target {
    emu: Emulator,
    http: reqwest::Client,
    token: String,
    _dir: tempfile::TempDir,
}

async fn target(durability: Durability) -> Target {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start(Config {
        data_dir: Some(dir.path().join("state")),
        durability,
        ..Config::default()
    })
    .await
    .unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let ca = reqwest::Certificate::from_pem(emu.ca_cert_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r: Value = http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            emu.endpoint(),
            emu.tenant_id()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", emu.admin_client_id()),
            ("client_secret", emu.admin_client_secret()),
            ("scope", "https://management.azure.com/.default"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = r["access_token"].as_str().unwrap().to_string();
    Target {
        emu,
        http,
        token,
        _dir: dir,
    }
}

impl Target {
    async fn syncs(&self) -> u64 {
        let v: Value = self
            .http
            .get(format!("{}/_emulator/info", self.emu.endpoint()))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["logSyncs"].as_u64().unwrap_or(0)
    }

    /// `writes` resource-group PUTs from `clients` concurrent clients; the elapsed time.
    async fn load(&self, round: usize, clients: usize, writes: usize) -> Duration {
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..clients {
            let (http, token) = (self.http.clone(), self.token.clone());
            let base = format!(
                "{}/subscriptions/{}/resourcegroups",
                self.emu.endpoint(),
                self.emu.subscription_id()
            );
            let n = writes / clients + usize::from(c < writes % clients);
            tasks.push(tokio::spawn(async move {
                for i in 0..n {
                    let r = http
                        .put(format!("{base}/r{round}-c{c}-{i}?api-version=2022-09-01"))
                        .bearer_auth(&token)
                        .json(&json!({"location": "westus", "tags": {"i": i}}))
                        .send()
                        .await
                        .unwrap();
                    assert!(r.status().is_success(), "{}", r.status());
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        started.elapsed()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let rounds = env("ROUNDS", 7).max(1);
    let writes = env("WRITES", 400).max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let synced = target(Durability::Synced).await;
        let relaxed = target(Durability::Relaxed).await;
        // Warm both (connections, page cache).
        synced.load(usize::MAX, 4, 40).await;
        relaxed.load(usize::MAX, 4, 40).await;
        println!(
            "durability bench: {rounds} interleaved rounds of {writes} resource-group PUTs per mode and concurrency"
        );
        for clients in [1, 8] {
            let (mut s_times, mut r_times) = (Vec::new(), Vec::new());
            let syncs_before = synced.syncs().await;
            for round in 0..rounds {
                let tag = round + clients * 1000;
                let order = if round % 2 == 0 {
                    [true, false]
                } else {
                    [false, true]
                };
                for is_synced in order {
                    let t = if is_synced { &synced } else { &relaxed };
                    let d = t.load(tag, clients, writes).await.as_secs_f64();
                    if is_synced {
                        s_times.push(d);
                    } else {
                        r_times.push(d);
                    }
                }
            }
            let syncs = synced.syncs().await - syncs_before;
            let (s, r) = (median(s_times), median(r_times));
            let per_write = |t: f64| t * 1e6 / writes as f64;
            println!(
                "  {clients} client(s): synced median {:.0} us/write ({:.0} writes/s), relaxed median {:.0} us/write ({:.0} writes/s); synced/relaxed time ratio {:.2}; {:.1} writes per fsync (group commit)",
                per_write(s),
                writes as f64 / s,
                per_write(r),
                writes as f64 / r,
                s / r,
                (writes * rounds) as f64 / syncs.max(1) as f64,
            );
        }
        synced.emu.shutdown().await;
        relaxed.emu.shutdown().await;
    });
}
