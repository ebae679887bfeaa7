//! Response shapes per api-version, checked against the recordings (tests/recordings) and, where
//! no recording has the version, the published specs: which members each version answers.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(k: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = k.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_assigned_identity_shape_per_api_version() {
    let h = start().await;
    h.create_rg("rg").await;
    h.create_uai("rg", "id1").await;
    let path = h.uai_path("rg", "id1");
    // The recordings: 2015-08-31-preview has clientSecretUrl, 2023-01-31 has not; the specs:
    // 2018-11-30 answers UserAssignedIdentityProperties (no clientSecretUrl), 2024-11-30 adds
    // isolationScope.
    for (api, props) in [
        (
            "2015-08-31-preview",
            vec!["clientId", "clientSecretUrl", "principalId", "tenantId"],
        ),
        ("2018-11-30", vec!["clientId", "principalId", "tenantId"]),
        (
            "2021-09-30-preview",
            vec!["clientId", "principalId", "tenantId"],
        ),
        ("2023-01-31", vec!["clientId", "principalId", "tenantId"]),
        (
            "2024-11-30",
            vec!["clientId", "isolationScope", "principalId", "tenantId"],
        ),
    ] {
        let r = h.arm(Method::GET, &path, api, None).await;
        assert_eq!(r.status, 200, "{api}");
        assert_eq!(
            keys(&r.body),
            vec!["id", "location", "name", "properties", "tags", "type"],
            "{api}"
        );
        assert_eq!(keys(&r.body["properties"]), props, "{api}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignment_shape_per_api_version() {
    let h = start().await;
    h.create_rg("rg").await;
    // Recorded PUT answers: 2015-07-01 without principalType; 2018-01-01-preview and
    // 2018-09-01-preview with it; 2022-04-01 adds condition, description and the delegated identity.
    let base = [
        "createdBy",
        "createdOn",
        "principalId",
        "roleDefinitionId",
        "scope",
        "updatedBy",
        "updatedOn",
    ];
    let modern = [
        "condition",
        "conditionVersion",
        "delegatedManagedIdentityResourceId",
        "description",
    ];
    for (i, (api, typed, newer)) in [
        ("2015-07-01", false, false),
        ("2018-01-01-preview", true, false),
        ("2018-09-01-preview", true, false),
        ("2022-04-01", true, true),
    ]
    .into_iter()
    .enumerate()
    {
        let uai = h.create_uai("rg", &format!("id{i}")).await;
        let name = uuid::Uuid::new_v4();
        let path = format!(
            "{}/providers/Microsoft.Authorization/roleAssignments/{name}",
            h.rg_path("rg")
        );
        let body = json!({"properties": {
            "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", h.sub()),
            "principalId": uai["properties"]["principalId"]}});
        let r = h.arm(Method::PUT, &path, api, Some(&body)).await;
        assert_eq!(r.status, 201, "{api} {:?}", r.body);
        assert_eq!(
            keys(&r.body),
            sorted(&["id", "name", "properties", "type"]),
            "{api}"
        );
        let mut want: Vec<&str> = base.to_vec();
        if typed {
            want.push("principalType");
        }
        if newer {
            want.extend(modern);
        }
        assert_eq!(keys(&r.body["properties"]), sorted(&want), "{api}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virtual_machine_shape_per_api_version() {
    let h = start().await;
    h.create_rg("rg").await;
    let vm = h.vm_path("rg", "vm");
    // az always sends `tags` (the recordings answer them); a VM created without them has none.
    let model = json!({"location": "westus", "tags": {}, "properties": {
        "hardwareProfile": {"vmSize": "Standard_B1s"},
        "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "0001-com-ubuntu-server-jammy", "sku": "22_04-lts-gen2", "version": "latest"}},
        "osProfile": {"computerName": "vm", "adminUsername": "azureuser"},
        "networkProfile": {"networkInterfaces": []}}, "identity": {"type": "SystemAssigned"}});
    assert_eq!(
        h.arm(Method::PUT, &vm, "2022-11-01", Some(&model))
            .await
            .status,
        201
    );
    // Recorded GETs: 2017-03-30, 2017-12-01 and 2020-06-01 have no timeCreated; 2022-11-01 has it.
    let base = [
        "hardwareProfile",
        "networkProfile",
        "osProfile",
        "provisioningState",
        "storageProfile",
        "vmId",
    ];
    for (api, created) in [
        ("2017-03-30", false),
        ("2017-12-01", false),
        ("2020-06-01", false),
        ("2022-11-01", true),
    ] {
        let r = h.arm(Method::GET, &vm, api, None).await;
        assert_eq!(r.status, 200, "{api}");
        assert_eq!(
            keys(&r.body),
            sorted(&[
                "id",
                "identity",
                "location",
                "name",
                "properties",
                "tags",
                "type"
            ]),
            "{api}"
        );
        let mut want = base.to_vec();
        if created {
            want.push("timeCreated");
        }
        assert_eq!(keys(&r.body["properties"]), sorted(&want), "{api}");
        assert_eq!(
            keys(&r.body["identity"]),
            sorted(&["principalId", "tenantId", "type"]),
            "{api}"
        );
    }
}
