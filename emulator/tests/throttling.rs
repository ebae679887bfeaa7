//! ARM's throttling model over real HTTPS: token buckets per subscription + principal + operation
//! type drain and refill, 429 with `Retry-After` and Azure's bodies, Compute's per-VM update
//! limit, the remaining counts in the headers, and `Throttle::Off`.

mod common;

use std::time::Duration;

use common::*;
use msi_emulator::{Config, Throttle};
use reqwest::{Method, StatusCode};
use serde_json::json;

const API: &str = "2024-11-01";

fn tight(spec: &str) -> Config {
    Config {
        throttle: spec.parse::<Throttle>().unwrap(),
        enforce_rbac: false,
        ..Config::default()
    }
}

fn remaining(r: &Reply, name: &str) -> u64 {
    r.header(name)
        .unwrap_or_else(|| panic!("{name} missing: {:?}", r.headers))
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_is_azures_buckets_and_headers_count_down() {
    let h = start().await;
    let rg = h.rg_path("g");
    let mut last = None;
    for _ in 0..3 {
        let r = h
            .arm(
                Method::PUT,
                &rg,
                "2022-09-01",
                Some(&json!({"location": "westus"})),
            )
            .await;
        assert!(r.status.is_success(), "{:?}", r.body);
        let left = remaining(&r, "x-ms-ratelimit-remaining-subscription-writes");
        assert!(left < 200);
        if let Some(prev) = last {
            // Refills at 10 per second: the count goes down between two quick writes.
            assert!(left <= prev, "{left} after {prev}");
        }
        last = Some(left);
        assert!(remaining(&r, "x-ms-ratelimit-remaining-subscription-global-writes") < 3000);
    }
    let r = h.arm(Method::GET, &rg, "2022-09-01", None).await;
    assert_eq!(
        remaining(&r, "x-ms-ratelimit-remaining-subscription-reads"),
        249
    );
    assert!(
        r.header("x-ms-ratelimit-remaining-subscription-writes")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_drain_to_429_and_refill() {
    let h = start_with(tight("writes=5/1")).await;
    let rg = h.rg_path("g");
    let body = json!({"location": "westus"});
    for left in (0..5).rev() {
        let r = h.arm(Method::PUT, &rg, "2022-09-01", Some(&body)).await;
        assert!(r.status.is_success(), "{:?}", r.body);
        assert_eq!(
            remaining(&r, "x-ms-ratelimit-remaining-subscription-writes"),
            left
        );
    }
    let r = h.arm(Method::PUT, &rg, "2022-09-01", Some(&body)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        r.body,
        json!({"error": {"code": "TooManyRequests", "message": "The request is being throttled."}})
    );
    assert_eq!(
        remaining(&r, "x-ms-ratelimit-remaining-subscription-writes"),
        0
    );
    // Reads and deletes have their own buckets.
    let read = h.arm(Method::GET, &rg, "2022-09-01", None).await;
    assert_eq!(read.status, 200);
    // One token per second comes back.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = h.arm(Method::PUT, &rg, "2022-09-01", Some(&body)).await;
    assert!(r.status.is_success(), "{:?}", r.body);
    assert_eq!(
        remaining(&r, "x-ms-ratelimit-remaining-subscription-writes"),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_patch_changes_nothing() {
    let h = start_with(tight("writes=3/0.01")).await;
    h.create_rg("g").await;
    h.create_vm("g", "vm1", None).await;
    // Two writes spent (group, VM); the third empties the bucket.
    let vm = h.vm_path("g", "vm1");
    let patch = json!({"identity": {"type": "SystemAssigned"}});
    let ok = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"tags": {"a": "1"}})))
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    let refused = h.arm(Method::PATCH, &vm, API, Some(&patch)).await;
    assert_eq!(refused.status, 429);
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 99, "{retry}");
    let now = h.arm(Method::GET, &vm, API, None).await;
    assert!(now.body.get("identity").is_none(), "{:?}", now.body);
    assert_eq!(now.body["tags"], json!({"a": "1"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn principals_have_separate_buckets() {
    let h = start_with(tight("writes=2/0.01,global=3")).await;
    h.create_rg("g").await;
    let uai = h
        .arm(
            Method::PUT,
            &h.uai_path("g", "id1"),
            "2023-01-31",
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(uai.status, 201, "{:?}", uai.body);
    let oid = uai.body["properties"]["principalId"].as_str().unwrap();
    // The admin's two writes are spent.
    let again = h
        .arm(
            Method::PUT,
            &h.rg_path("g"),
            "2022-09-01",
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(again.status, 429);
    let other = h
        .emu
        .mint_test_token(oid, "https://management.azure.com/", 600)
        .unwrap();
    let r = h
        .arm_as(
            &other,
            Method::PUT,
            &h.rg_path("h"),
            "2022-09-01",
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        remaining(&r, "x-ms-ratelimit-remaining-subscription-writes"),
        1
    );
    // The subscription's global bucket (3 x 2) holds 3 more; the identity's own bucket has 1.
    assert_eq!(
        remaining(&r, "x-ms-ratelimit-remaining-subscription-global-writes"),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_vm_update_limit_answers_computes_body() {
    let h = start_with(tight("vm-updates=2/60")).await;
    h.create_rg("g").await;
    let vm = h.vm_path("g", "vm1");
    // The PUT that creates the VM is its first update.
    let created = h
        .arm(Method::PUT, &vm, API, Some(&json!({"location": "westus"})))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(
        created.header("x-ms-ratelimit-remaining-resource"),
        Some("Microsoft.Compute/VMUpdate1Min;1")
    );
    let patch = json!({"tags": {"n": "2"}});
    let second = h.arm(Method::PATCH, &vm, API, Some(&patch)).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.header("x-ms-ratelimit-remaining-resource"),
        Some("Microsoft.Compute/VMUpdate1Min;0")
    );
    let third = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"tags": {"n": "3"}})))
        .await;
    assert_eq!(third.status, 429);
    let retry: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((59..=60).contains(&retry), "{retry}");
    assert_eq!(third.code(), "OperationNotAllowed");
    let detail = &third.body["error"]["details"][0];
    assert_eq!(detail["code"], "TooManyRequests");
    assert_eq!(detail["target"], "VMUpdate1Min");
    let counts: serde_json::Value =
        serde_json::from_str(detail["message"].as_str().unwrap()).unwrap();
    assert_eq!(counts["allowedRequestCount"], 2);
    assert_eq!(counts["measuredRequestCount"], 3);
    assert_eq!(counts["operationGroup"], "VMUpdate1Min");
    // Nothing changed, and reads of the VM still pass and show the policy.
    let now = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(now.status, 200);
    assert_eq!(now.body["tags"], json!({"n": "2"}));
    assert_eq!(
        now.header("x-ms-ratelimit-remaining-resource"),
        Some("Microsoft.Compute/VMUpdate1Min;0")
    );
    // Another VM has its own limit.
    let other = h
        .arm(
            Method::PUT,
            &h.vm_path("g", "vm2"),
            API,
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(other.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_never_answers_429_and_sends_no_counts() {
    let h = start_with(Config {
        throttle: Throttle::Off,
        ..Config::default()
    })
    .await;
    h.create_rg("g").await;
    h.create_vm("g", "vm1", None).await;
    let vm = h.vm_path("g", "vm1");
    // Past Azure's per-VM limit (12 a minute) and its read burst (250).
    for i in 0..20 {
        let r = h
            .arm(
                Method::PATCH,
                &vm,
                API,
                Some(&json!({"tags": {"i": i.to_string()}})),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert!(
            r.header("x-ms-ratelimit-remaining-subscription-writes")
                .is_none()
        );
        assert!(r.header("x-ms-ratelimit-remaining-resource").is_none());
    }
    let gets = (0..300).map(|_| h.arm(Method::GET, &vm, API, None));
    for r in futures::future::join_all(gets).await {
        assert_eq!(r.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoints_and_test_hooks_are_not_throttled() {
    let h = start_with(tight("reads=1/0.01,writes=1/0.01")).await;
    for _ in 0..3 {
        let t = get_token(&h.http, &h.emu, h.emu.admin_client_secret()).await;
        assert!(!t.is_empty());
    }
    let url = format!("{}/_emulator/requests", h.emu.endpoint());
    for _ in 0..3 {
        let r = h.send(Method::GET, &url, &[], None).await;
        assert_ne!(r.status, 429, "{:?}", r.body);
    }
}
