//! The token caches over real HTTP: a verified bearer token is not trusted past its expiry, managed
//! identities' tokens are reused (as IMDS does) with `expires_in` counting down, and a machine is
//! found by its vmId among many.

mod common;

use std::time::Duration;

use common::*;
use msi_emulator::Config;
use reqwest::Method;
use serde_json::json;

const API: &str = "2024-11-01";
const ARM: &str = "https://management.azure.com/";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_token_is_refused_once_it_expires() {
    let h = start_with(Config {
        enforce_rbac: false,
        ..Config::default()
    })
    .await;
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let oid = uai["properties"]["principalId"].as_str().unwrap();
    // Expired 298 s ago: inside the 5 minutes of clock skew ARM allows for 2 more seconds.
    let token = h.emu.mint_test_token(oid, ARM, -298).unwrap();
    let path = h.rg_path("rg");
    let ok = h
        .arm_as(&token, Method::GET, &path, "2022-09-01", None)
        .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    // Verified (and cached) once; the second use within the skew passes too.
    let again = h
        .arm_as(&token, Method::GET, &path, "2022-09-01", None)
        .await;
    assert_eq!(again.status, 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let late = h
        .arm_as(&token, Method::GET, &path, "2022-09-01", None)
        .await;
    assert_eq!(late.status, 401, "{:?}", late.body);
    assert_eq!(late.code(), "ExpiredAuthenticationToken");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_reuses_a_token_per_identity_and_resource() {
    let h = start().await;
    h.create_rg("rg").await;
    let mut vm_ids = Vec::new();
    for i in 0..30 {
        let vm = h
            .create_vm(
                "rg",
                &format!("vm{i}"),
                Some(json!({"type": "SystemAssigned"})),
            )
            .await;
        vm_ids.push(vm["properties"]["vmId"].as_str().unwrap().to_string());
    }
    let vm7 = h.vm_path("rg", "vm7");
    let first = h.imds_token(&vm7, "", ARM).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = h.imds_token(&vm7, "", ARM).await;
    assert_eq!(first["access_token"], second["access_token"]);
    assert_eq!(first["expires_on"], second["expires_on"]);
    let left = |t: &serde_json::Value| t["expires_in"].as_str().unwrap().parse::<i64>().unwrap();
    assert!(left(&second) < left(&first), "{first} {second}");
    // Another resource, another VM: other tokens, for the right identity.
    let vault = h.imds_token(&vm7, "", "https://vault.azure.net").await;
    assert_ne!(vault["access_token"], first["access_token"]);
    let vm8 = h.imds_token(&h.vm_path("rg", "vm8"), "", ARM).await;
    assert_ne!(vm8["access_token"], first["access_token"]);
    let oid7 = claims(first["access_token"].as_str().unwrap())["xms_mirid"].clone();
    assert!(
        oid7.as_str().unwrap().ends_with("/virtualMachines/vm7"),
        "{oid7}"
    );
    // The reused token still works on ARM (as the VM's identity: 403 without a role, not 401).
    let token = first["access_token"].as_str().unwrap();
    let r = h.arm_as(token, Method::GET, &vm7, API, None).await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    // A VM is found by its vmId, in any casing.
    let upper = vm_ids[29].to_ascii_uppercase();
    let url = format!(
        "http://127.0.0.1:{}/vm/{upper}/metadata/identity/oauth2/token?api-version=2018-02-01&resource={}",
        h.emu.imds_port(),
        urlencode(ARM)
    );
    let r = plain_client()
        .get(url)
        .header("Metadata", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
