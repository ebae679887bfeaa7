//! Test hooks (faults, request log) and persistence across restarts.

mod common;

use common::*;
use msi_emulator::{Config, Emulator};
use reqwest::Method;
use serde_json::{Value, json};

async fn hook(h: &Harness, method: Method, path: &str, body: Option<Value>) -> Value {
    let mut req = h
        .http
        .request(method, format!("{}{path}", h.emu.endpoint()))
        .bearer_auth(&h.token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults_and_request_log() {
    let h = start().await;
    h.create_rg("rg").await;
    let vm = h.vm_path("rg", "vm1");
    h.arm(
        Method::PUT,
        &vm,
        "2024-11-01",
        Some(&json!({"location": "westus"})),
    )
    .await;

    hook(&h, Method::POST, "/_emulator/faults", Some(json!({
        "method": "PATCH", "path_contains": "/virtualMachines/vm1", "status": 429, "count": 2, "retry_after": 1})))
    .await;
    let patch = json!({"tags": {"a": "b"}});
    for _ in 0..2 {
        let r = h.arm(Method::PATCH, &vm, "2024-11-01", Some(&patch)).await;
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), Some("1"));
        assert!(r.header("x-ms-request-id").is_some());
        assert_eq!(r.code(), "TooManyRequests");
    }
    let unchanged = h.arm(Method::GET, &vm, "2024-11-01", None).await;
    assert!(
        unchanged.body.get("tags").is_none(),
        "faulted requests change nothing"
    );
    assert_eq!(
        h.arm(Method::PATCH, &vm, "2024-11-01", Some(&patch))
            .await
            .status,
        200
    );

    hook(&h, Method::POST, "/_emulator/faults", Some(json!({
        "path_contains": "/resourceGroups/rg", "status": 503, "body": {"error": {"code": "Custom", "message": "m"}}})))
    .await;
    let custom = h.arm(Method::GET, &vm, "2024-11-01", None).await;
    assert_eq!(custom.status, 503);
    assert_eq!(custom.code(), "Custom");

    hook(
        &h,
        Method::POST,
        "/_emulator/faults",
        Some(json!({"path_contains": "/virtualMachines/", "drop_connection": true})),
    )
    .await;
    let dropped = h
        .http
        .get(format!("{}{vm}?api-version=2024-11-01", h.emu.endpoint()))
        .bearer_auth(&h.token)
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection is closed without a response"
    );
    assert_eq!(
        h.arm(Method::GET, &vm, "2024-11-01", None).await.status,
        200
    );

    hook(
        &h,
        Method::POST,
        "/_emulator/faults",
        Some(json!({"path_contains": "/never", "count": 5})),
    )
    .await;
    let listed = hook(&h, Method::GET, "/_emulator/faults", None).await;
    assert_eq!(listed["value"].as_array().unwrap().len(), 1);
    let cleared = hook(&h, Method::DELETE, "/_emulator/faults", None).await;
    assert_eq!(cleared["removed"], 1);

    let seen = hook(
        &h,
        Method::GET,
        "/_emulator/requests?path_contains=/virtualMachines/vm1",
        None,
    )
    .await;
    assert_eq!(seen["counts"]["PATCH"], 3);
    assert_eq!(seen["counts"]["PUT"], 1);
    assert_eq!(seen["counts"]["GET"], 4);
    let patches = hook(
        &h,
        Method::GET,
        "/_emulator/requests?path_contains=/virtualMachines/vm1&method=patch",
        None,
    )
    .await;
    assert_eq!(patches["total"], 3);
    hook(&h, Method::DELETE, "/_emulator/requests", None).await;
    let none = hook(
        &h,
        Method::GET,
        "/_emulator/requests?path_contains=/virtualMachines/vm1",
        None,
    )
    .await;
    assert_eq!(none["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: Some(dir.path().join("state")),
        ..Config::default()
    };
    let h = start_with(config.clone()).await;
    let ca_path = h.emu.ca_cert_path().unwrap().to_path_buf();
    assert_eq!(
        std::fs::read_to_string(&ca_path).unwrap(),
        h.emu.ca_cert_pem()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("state/emulator.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the database is private");
    }
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let vm = h.vm_path("rg", "vm1");
    let created = h
        .arm(Method::PUT, &vm, "2024-11-01", Some(&json!({"location": "westus",
            "identity": {"type": "SystemAssigned, UserAssigned", "userAssignedIdentities": {h.uai_id("rg", "id1"): {}}}})))
        .await;
    let ext = format!("{vm}/extensions/ManagedIdentityExtensionForLinux");
    h.arm(Method::PUT, &ext, "2024-11-01", Some(&json!({"properties": {"publisher": "Microsoft.ManagedIdentity",
        "type": "ManagedIdentityExtensionForLinux", "typeHandlerVersion": "1.0", "settings": {"port": 50342}}})))
        .await;
    let before = h.arm(Method::GET, &vm, "2024-11-01", None).await;
    let (tenant, sub, client, secret, ca) = (
        h.emu.tenant_id().to_string(),
        h.sub().to_string(),
        h.emu.admin_client_id().to_string(),
        h.emu.admin_client_secret().to_string(),
        h.emu.ca_cert_pem().to_string(),
    );
    let old_token = h.token.clone();
    let banner = h.emu.banner();
    assert!(
        banner.contains(&secret)
            && banner.contains(&tenant)
            && banner.contains(ca_path.to_str().unwrap())
    );
    assert!(
        !format!("{:?}", h.emu).contains(&secret),
        "Debug hides the secret"
    );
    h.emu.shutdown().await;

    let again = Emulator::start(config).await.unwrap();
    assert_eq!(again.tenant_id(), tenant);
    assert_eq!(again.subscription_id(), sub);
    assert_eq!(again.admin_client_id(), client);
    assert_eq!(again.admin_client_secret(), secret);
    assert_eq!(again.ca_cert_pem(), ca);
    let h2 = Harness {
        http: client_for(&again),
        emu: again,
        token: old_token,
    };
    let after = h2.arm(Method::GET, &vm, "2024-11-01", None).await;
    assert_eq!(
        after.status, 200,
        "a token from before the restart still works"
    );
    assert_eq!(after.body, before.body);
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(
        after.body["identity"]["principalId"],
        created.body["identity"]["principalId"]
    );
    assert_eq!(
        after.body["resources"][0]["name"],
        "ManagedIdentityExtensionForLinux"
    );
    let uai_after = h2
        .arm(Method::GET, &h2.uai_path("rg", "id1"), "2023-01-31", None)
        .await;
    assert_eq!(uai_after.body, uai);
    let fresh = get_token(&h2.http, &h2.emu, &secret).await;
    assert!(!fresh.is_empty());
    h2.emu.shutdown().await;
}
