//! Black-box fuzzing of the emulator over HTTPS (ARM, Entra ID, hooks) and the plain-HTTP token
//! listener (IMDS, MSI extension, App Service style): mutated JSON bodies (depth, size, invalid
//! UTF-8), odd ids and casing, api-versions, query and header injection, Entra form bodies.
//!
//! Each test runs a bounded number of requests from a seed (a fixed one, and a random one it
//! prints; `FUZZ_SEED=N` replays one) and fails on any 5xx, dropped connection, hang (10 s),
//! error that is not the surface's envelope, or state change after a rejected request.

mod common;

use std::time::{Duration, Instant};

use common::*;
use msi_emulator::Config;
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde_json::{Value, json};

#[path = "fuzz_support/generate.rs"]
mod generate;

const FIXED_SEED: u64 = 0x0010_f022;
const REQUESTS: usize = 1500;

struct Fuzz {
    h: Harness,
    rng: StdRng,
    /// A managed identity's ARM token (RBAC refusals).
    other_token: String,
    plain: reqwest::Client,
    vm_base: String,
    fingerprint: Option<String>,
    stats: Stats,
}

#[derive(Default, Debug)]
struct Stats {
    sent: usize,
    rejected: usize,
    state_checks: usize,
    not_sendable: usize,
}

/// One request to send.
struct Req {
    imds: bool,
    method: Method,
    /// Path and query, starting with `/`.
    target: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    /// Which token to present on HTTPS.
    auth: Auth,
}

#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Admin,
    Other,
    None,
    Garbage,
}

/// The error body of a refused request is its surface's envelope.
fn is_envelope(imds: bool, body: &Value) -> bool {
    let s = |v: &Value| v.is_string();
    let arm =
        body["error"].is_object() && s(&body["error"]["code"]) && s(&body["error"]["message"]);
    let oauth = s(&body["error"]) && s(&body["error_description"]);
    if !imds {
        return arm || oauth;
    }
    let api_version = s(&body["error"]) && body["newest-versions"].is_array();
    let app_service = body["statusCode"].is_number() && s(&body["message"]);
    oauth || api_version || app_service
}

impl Fuzz {
    async fn new(seed: u64) -> Fuzz {
        // Thousands of requests, many on the same few VMs: past Azure's throttle.
        let h = start_with(Config {
            page_size: 100_000,
            throttle: msi_emulator::Throttle::Off,
            ..Config::default()
        })
        .await;
        let mut f = Fuzz {
            other_token: String::new(),
            plain: plain_client(),
            vm_base: String::new(),
            fingerprint: None,
            stats: Stats::default(),
            rng: StdRng::seed_from_u64(seed),
            h,
        };
        f.reseed().await;
        let uai =
            f.h.arm(Method::GET, &f.h.uai_path("rg", "id1"), "2023-01-31", None)
                .await;
        let oid = uai.body["properties"]["principalId"]
            .as_str()
            .unwrap()
            .to_string();
        f.other_token =
            f.h.emu
                .mint_test_token(&oid, "https://management.azure.com/", 3600)
                .unwrap();
        f
    }

    /// (Re)creates the resources most requests aim at.
    async fn reseed(&mut self) {
        let h = &self.h;
        h.create_rg("rg").await;
        if h.arm(Method::GET, &h.uai_path("rg", "id1"), "2023-01-31", None)
            .await
            .status
            != 200
        {
            h.create_uai("rg", "id1").await;
        }
        let uai = h.uai_id("rg", "id1");
        h.create_vm(
            "rg",
            "vm1",
            Some(json!({"type": "SystemAssigned, UserAssigned",
            "userAssignedIdentities": {uai: {}}})),
        )
        .await;
        let r = h
            .arm(
                Method::PUT,
                &h.vmss_path("rg", "ss1"),
                "2024-11-01",
                Some(&json!({"location": "westus", "sku": {"capacity": 2}})),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        self.vm_base = h.emu.imds_base_url(&h.vm_path("rg", "vm1"), None).unwrap();
        self.fingerprint = None;
    }

    /// Everything a client can see of the state, as text.
    async fn state(&self) -> String {
        let h = &self.h;
        let sub = format!("/subscriptions/{}", h.sub());
        let mut out = String::new();
        for (path, api) in [
            (format!("{sub}/resourcegroups"), "2022-09-01"),
            (
                format!("{sub}/providers/Microsoft.Compute/virtualMachines"),
                "2024-11-01",
            ),
            (
                format!("{sub}/providers/Microsoft.Compute/virtualMachineScaleSets"),
                "2024-11-01",
            ),
            (
                format!("{sub}/providers/Microsoft.ManagedIdentity/userAssignedIdentities"),
                "2023-01-31",
            ),
            (
                format!("{sub}/providers/Microsoft.Authorization/roleAssignments"),
                "2022-04-01",
            ),
        ] {
            let r = h.arm(Method::GET, &path, api, None).await;
            assert_eq!(r.status, 200, "{path}: {:?}", r.body);
            out.push_str(&r.body.to_string());
        }
        out
    }

    async fn send(&mut self, req: &Req) -> Result<(u16, Vec<u8>), String> {
        let url = if req.imds {
            format!("{}{}", self.h.emu.imds_endpoint(), req.target)
        } else {
            format!("{}{}", self.h.emu.endpoint(), req.target)
        };
        let client = if req.imds { &self.plain } else { &self.h.http };
        let mut b = client.request(req.method.clone(), &url);
        match req.auth {
            Auth::Admin => b = b.bearer_auth(&self.h.token),
            Auth::Other => b = b.bearer_auth(&self.other_token),
            Auth::Garbage => b = b.header("authorization", "Bearer eyJhbGciOiJub25lIn0.e30."),
            Auth::None => {}
        }
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(body) = &req.body {
            if !req
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                b = b.header("content-type", "application/json");
            }
            b = b.body(body.clone());
        }
        let b = match b.build() {
            Ok(b) => b,
            Err(_) => return Err("not sendable".into()),
        };
        let started = Instant::now();
        let r = match tokio::time::timeout(Duration::from_secs(10), client.execute(b)).await {
            Err(_) => panic!("hang: {} {url}", req.method),
            Ok(Err(e)) if e.is_builder() => return Err("not sendable".into()),
            Ok(Err(e)) => panic!("dropped connection: {} {url}: {e:?}", req.method),
            Ok(Ok(r)) => r,
        };
        let status = r.status().as_u16();
        let bytes = r.bytes().await.map_err(|e| format!("body: {e}")).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "hang: {url}");
        Ok((status, bytes.to_vec()))
    }

    async fn run(&mut self, requests: usize) {
        for i in 0..requests {
            if i % 250 == 249 {
                self.reseed().await;
            }
            let req = self.next_request();
            let mutating = !matches!(req.method, Method::GET | Method::HEAD | Method::OPTIONS);
            if mutating && self.fingerprint.is_none() {
                self.fingerprint = Some(self.state().await);
            }
            let (status, body) = match self.send(&req).await {
                Ok(r) => r,
                Err(_) => {
                    self.stats.not_sendable += 1;
                    continue;
                }
            };
            self.stats.sent += 1;
            let what = format!(
                "{} {}{}",
                req.method,
                if req.imds { "(imds) " } else { "" },
                req.target.chars().take(300).collect::<String>()
            );
            assert!(
                status < 500,
                "{status} for {what}: {}",
                String::from_utf8_lossy(&body)
            );
            if status < 400 {
                if mutating {
                    self.fingerprint = None;
                }
                continue;
            }
            self.stats.rejected += 1;
            if req.method != Method::HEAD && !(status == 431 || status == 414) {
                let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                assert!(
                    is_envelope(req.imds, &parsed),
                    "{status} without an envelope for {what}: {}",
                    String::from_utf8_lossy(&body)
                );
            }
            if mutating {
                let now = self.state().await;
                self.stats.state_checks += 1;
                assert!(
                    self.fingerprint.as_deref() == Some(now.as_str()),
                    "{status} for {what} changed the state"
                );
            }
        }
    }
}

async fn fuzz(seed: u64, requests: usize) {
    let started = Instant::now();
    let mut f = Fuzz::new(seed).await;
    f.run(requests).await;
    println!(
        "fuzz seed {seed:#x}: {} requests sent ({} refused, {} state checks, {} not sendable) in {:.1}s",
        f.stats.sent,
        f.stats.rejected,
        f.stats.state_checks,
        f.stats.not_sendable,
        started.elapsed().as_secs_f64()
    );
    assert!(f.stats.sent >= requests * 9 / 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_from_the_fixed_seed() {
    fuzz(FIXED_SEED, REQUESTS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fuzz_from_a_random_seed() {
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    println!("fuzz: random seed {seed} (replay with FUZZ_SEED={seed})");
    fuzz(seed, REQUESTS).await;
}
