//! Deployments as the caller (each resource PUT is checked against the caller's own rights), and
//! what persists across a restart, the `Running` window of the LRO delay, and deletion.

mod common;

use std::time::Duration;

use common::*;
use msi_emulator::Config;
use reqwest::Method;
use serde_json::json;

const API: &str = "2022-09-01";

fn dep_path(h: &Harness, rg: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Resources/deployments/{name}",
        h.rg_path(rg)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resources_are_deployed_with_the_callers_rights() {
    let h = start().await;
    h.create_rg("rg").await;
    let me = h.create_uai("rg", "deployer").await;
    let principal = me["properties"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let vm = h
        .create_vm(
            "rg",
            "vm1",
            Some(json!({"type": "UserAssigned",
        "userAssignedIdentities": {h.uai_id("rg", "deployer"): {}}})),
        )
        .await;
    let vm_id = vm["id"].as_str().unwrap().to_string();
    let token = h
        .imds_token(&vm_id, "", "https://management.azure.com/")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let body = json!({"properties": {"mode": "Incremental", "template": {"resources": [
        {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
         "name": "made", "location": "westus"}]}}});
    let path = dep_path(&h, "rg", "as-uai");
    let denied = h.arm_as(&token, Method::PUT, &path, API, Some(&body)).await;
    assert_eq!(denied.status, 403, "{:?}", denied.body);
    // A grant on deployments alone is not enough: the identity PUT is checked as the caller's.
    let operator = "f1a07417-d97a-45cb-824c-7a7467783830"; // Managed Identity Operator: deployments/*
    h.grant(&h.rg_path("rg"), operator, &principal).await;
    let put = h.arm_as(&token, Method::PUT, &path, API, Some(&body)).await;
    assert_eq!(put.status, 201, "{:?}", put.body);
    let status_url = put.header("Azure-AsyncOperation").unwrap().to_string();
    let s = h.send_as(&token, Method::GET, &status_url, &[], None).await;
    assert_eq!(s.body["status"], "Failed", "{:?}", s.body);
    assert_eq!(s.body["error"]["details"][0]["code"], "AuthorizationFailed");
    assert_eq!(
        h.arm(Method::GET, &h.uai_path("rg", "made"), "2023-01-31", None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_persist_run_for_the_lro_delay_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: Some(dir.path().join("state")),
        lro_delay: Duration::from_millis(300),
        ..Config::default()
    };
    let body = json!({"properties": {"mode": "Incremental", "template": {"resources": [
        {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
         "name": "kept", "location": "westus"}],
        "outputs": {"loc": {"type": "string", "value": "[resourceGroup().location]"}}}}});
    {
        let h = start_with(config.clone()).await;
        h.create_rg("rg").await;
        let path = dep_path(&h, "rg", "d1");
        let put = h.arm(Method::PUT, &path, API, Some(&body)).await;
        assert_eq!(put.status, 201);
        let running = h.arm(Method::GET, &path, API, None).await;
        assert_eq!(running.body["properties"]["provisioningState"], "Running");
        let again = h.arm(Method::PUT, &path, API, Some(&body)).await;
        assert_eq!(again.status, 409);
        assert_eq!(again.code(), "DeploymentActive");
        let (_, status) = {
            tokio::time::sleep(Duration::from_millis(350)).await;
            let s = h
                .send(
                    Method::GET,
                    put.header("Azure-AsyncOperation").unwrap(),
                    &[],
                    None,
                )
                .await;
            (s.status, s.body)
        };
        assert_eq!(status["status"], "Succeeded");
        h.emu.shutdown().await;
    }
    let h = start_with(config).await;
    let path = dep_path(&h, "rg", "d1");
    let got = h.arm(Method::GET, &path, API, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(got.body["properties"]["outputs"]["loc"]["value"], "westus");
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Resources/deployments",
                h.rg_path("rg")
            ),
            API,
            None,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);
    let del = h.arm(Method::DELETE, &path, API, None).await;
    assert_eq!(del.status, 202);
    assert!(del.header("Location").is_some());
    assert_eq!(h.arm(Method::GET, &path, API, None).await.status, 404);
    assert_eq!(h.arm(Method::DELETE, &path, API, None).await.status, 204);
    // Deleting the deployment leaves what it deployed.
    assert_eq!(
        h.arm(Method::GET, &h.uai_path("rg", "kept"), "2023-01-31", None)
            .await
            .status,
        200
    );
}
