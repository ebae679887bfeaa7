//! The throttling model over real HTTPS: ARM's token buckets per subscription + principal + operation
//! type drain and refill, 429 with `Retry-After` and Azure's bodies, Compute's per-resource and
//! per-subscription buckets by policy, the remaining counts in the headers, and `Throttle::Off`.

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

/// The `x-ms-ratelimit-remaining-resource` policies, `name;left` split.
fn policies(r: &Reply) -> Vec<(String, u64)> {
    let v = r
        .header("x-ms-ratelimit-remaining-resource")
        .unwrap_or_else(|| panic!("no resource policies: {:?}", r.headers));
    v.split(',')
        .map(|p| {
            let (name, left) = p.rsplit_once(';').unwrap();
            let name = name.strip_prefix("Microsoft.Compute/").unwrap();
            (name.to_string(), left.parse().unwrap())
        })
        .collect()
}

fn names(r: &Reply) -> Vec<String> {
    policies(r).into_iter().map(|(n, _)| n).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_13th_update_of_one_vm_in_a_burst_is_refused_with_computes_body() {
    let h = start_with(Config {
        enforce_rbac: false,
        ..Config::default()
    })
    .await;
    h.create_rg("g").await;
    let vm = h.vm_path("g", "vm1");
    let created = h
        .arm(Method::PUT, &vm, API, Some(&json!({"location": "westus"})))
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    // Creating is Put VM, not an update; only the subscription's count is reported, as live Azure does.
    assert_eq!(policies(&created), vec![("PutVM3Min".into(), 1499)]);
    h.create_vm("g", "vm2", None).await;
    for left in (0..12).rev() {
        let r = h
            .arm(
                Method::PATCH,
                &vm,
                API,
                Some(&json!({"tags": {"left": left.to_string()}})),
            )
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let p = policies(&r);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].0, "UpdateVM3Min");
        assert!(p[0].1 >= 1500 - 12, "{p:?}");
    }
    let refused = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"tags": {"n": "13"}})))
        .await;
    assert_eq!(refused.status, 429);
    // 4 tokens a minute: the next in 15 s.
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((14..=15).contains(&retry), "{retry}");
    assert_eq!(refused.code(), "OperationNotAllowed");
    let detail = &refused.body["error"]["details"][0];
    assert_eq!(detail["code"], "TooManyRequests");
    assert_eq!(detail["target"], "UpdateVMResource3Min");
    let counts: serde_json::Value =
        serde_json::from_str(detail["message"].as_str().unwrap()).unwrap();
    assert_eq!(counts["operationGroup"], "UpdateVMResource3Min");
    assert_eq!(counts["allowedRequestCount"], 12);
    assert_eq!(counts["measuredRequestCount"], 13);
    assert_eq!(names(&refused), vec!["UpdateVM3Min".to_string()]);
    // A PUT of the existing VM is an update too.
    let put = h
        .arm(Method::PUT, &vm, API, Some(&json!({"location": "westus"})))
        .await;
    assert_eq!(put.status, 429);
    assert_eq!(
        put.body["error"]["details"][0]["target"],
        "UpdateVMResource3Min"
    );
    // Nothing changed, and a read of the VM passes.
    let now = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(now.status, 200);
    assert_eq!(now.body["tags"], json!({"left": "0"}));
    // Another VM has its own bucket.
    let other = h
        .arm(
            Method::PATCH,
            &h.vm_path("g", "vm2"),
            API,
            Some(&json!({"tags": {"n": "1"}})),
        )
        .await;
    assert_eq!(other.status, 200, "{:?}", other.body);
    assert_eq!(names(&other), vec!["UpdateVM3Min".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subscription_bucket_refuses_after_its_capacity_across_vms() {
    // Put VM at 0.004: 6 per subscription refilled at 2 a minute, 1 per VM.
    let h = start_with(tight("compute=0.004")).await;
    h.create_rg("g").await;
    let body = json!({"location": "westus"});
    for i in 0..6 {
        let r = h
            .arm(
                Method::PUT,
                &h.vm_path("g", &format!("vm{i}")),
                API,
                Some(&body),
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        assert_eq!(policies(&r), vec![("PutVM3Min".into(), 5 - i)]);
    }
    let vm6 = h.vm_path("g", "vm6");
    let refused = h.arm(Method::PUT, &vm6, API, Some(&body)).await;
    assert_eq!(refused.status, 429, "{:?}", refused.body);
    assert_eq!(refused.body["error"]["details"][0]["target"], "PutVM3Min");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((29..=30).contains(&retry), "{retry}");
    // Not created; updates are another policy and still pass.
    assert_eq!(h.arm(Method::GET, &vm6, API, None).await.status, 404);
    let patch = h
        .arm(
            Method::PATCH,
            &h.vm_path("g", "vm0"),
            API,
            Some(&json!({"tags": {"a": "1"}})),
        )
        .await;
    assert_eq!(patch.status, 200, "{:?}", patch.body);
    assert_eq!(names(&patch), ["UpdateVM3Min"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gets_lists_scale_sets_and_operation_polls_count_against_their_policies() {
    let h = start_with(Config {
        enforce_rbac: false,
        ..Config::default()
    })
    .await;
    h.create_rg("g").await;
    let vm = h.vm_path("g", "vm1");
    let put = h
        .arm(Method::PUT, &vm, API, Some(&json!({"location": "westus"})))
        .await;
    let get = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(policies(&get), vec![("LowCostGet3Min".into(), 23999)]);
    let view = h
        .arm(Method::GET, &format!("{vm}/instanceView"), API, None)
        .await;
    assert_eq!(view.status, 200, "{:?}", view.body);
    // Low Cost Get too; the bucket regains a token every 7.5 ms, so the GET's may be back already.
    let p = policies(&view);
    assert_eq!(names(&view), ["LowCostGet3Min"]);
    assert!((23998..=23999).contains(&p[0].1), "{p:?}");
    // Lists: High Cost Get, subscription level only.
    let list = format!(
        "{}/providers/Microsoft.Compute/virtualMachines",
        h.rg_path("g")
    );
    let listed = h.arm(Method::GET, &list, API, None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    assert_eq!(policies(&listed), vec![("HighCostGet3Min".into(), 899)]);
    // The operation of the create: Get Operation, the operation being the resource.
    let poll = put.header("azure-asyncoperation").expect("an operation");
    let polled = h.send(Method::GET, poll, &[], None).await;
    assert_eq!(polled.status, 200, "{:?}", polled.body);
    assert_eq!(policies(&polled), vec![("GetOperation3Min".into(), 14999)]);
    // Scale sets have their own names.
    let ss = h.vmss_path("g", "ss1");
    let created = h
        .arm(Method::PUT, &ss, API, Some(&json!({"location": "westus"})))
        .await;
    assert!(created.status.is_success(), "{:?}", created.body);
    assert_eq!(
        policies(&created),
        vec![("CreateVMScaleSet3Min".into(), 374)]
    );
    let got = h.arm(Method::GET, &ss, API, None).await;
    assert_eq!(names(&got), ["GetVMScaleSet3Min"]);
    let patched = h
        .arm(Method::PATCH, &ss, API, Some(&json!({"tags": {"a": "1"}})))
        .await;
    assert_eq!(names(&patched), ["VMScaleSetActions3Min"]);
    // Not Compute: a resource group answers no resource policies.
    let rg = h
        .arm(Method::GET, &h.rg_path("g"), "2022-09-01", None)
        .await;
    assert!(rg.header("x-ms-ratelimit-remaining-resource").is_none());
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
    // Past Compute's per-VM update burst (12), its per-VM read burst (36) and ARM's (250).
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
