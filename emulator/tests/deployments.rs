//! ARM deployments over real HTTPS: the template `az vm create` sends (from the recordings), copy
//! loops, `dependsOn` order, `DeploymentFailed` with nested errors, template errors, validate,
//! (access control and persistence: `deployments_access.rs`).

mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const API: &str = "2022-09-01";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

fn dep_path(h: &Harness, rg: &str, name: &str) -> String {
    format!(
        "{}/providers/Microsoft.Resources/deployments/{name}",
        h.rg_path(rg)
    )
}

/// PUTs a deployment and waits for it through its `Azure-AsyncOperation`, as az does.
async fn deploy(h: &Harness, rg: &str, name: &str, body: &Value) -> (Reply, Value) {
    let put = h
        .arm(Method::PUT, &dep_path(h, rg, name), API, Some(body))
        .await;
    assert!(put.status == 201 || put.status == 200, "{:?}", put.body);
    assert_eq!(put.body["properties"]["provisioningState"], "Accepted");
    let status_url = put.header("Azure-AsyncOperation").unwrap().to_string();
    assert!(status_url.contains("/operationStatuses/"), "{status_url}");
    for _ in 0..50 {
        let s = h.send(Method::GET, &status_url, &[], None).await;
        assert_eq!(s.status, 200, "{:?}", s.body);
        if s.body["status"] != "Running" {
            return (put, s.body);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the deployment never finished");
}

fn recorded_vm_create_template(sub: &str, rg: &str) -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/recordings/azcli_2023_test_vm_msi.json"
    );
    let rec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let ex = rec["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["via"] == "arm_deployment")
        .unwrap();
    let text = ex["request_body"]["properties"]["template"]
        .to_string()
        .replace("00000000-0000-0000-0000-000000000000", sub)
        .replace("cli_test_vm_msi000001", rg);
    let mut template: Value = serde_json::from_str(&text).unwrap();
    // The excerpt keeps only the Compute and role assignment resources: the network resources the
    // VM depends on were filtered out of it (and Microsoft.Network is not served here), so the
    // VM's dependency on its NIC and its network profile go too.
    for r in template["resources"].as_array_mut().unwrap() {
        if r["type"] == "Microsoft.Compute/virtualMachines" {
            r["dependsOn"] = json!([]);
            r["properties"]
                .as_object_mut()
                .unwrap()
                .remove("networkProfile");
        }
    }
    // As az sends it: the template declares the password it is given.
    template["$schema"] =
        json!("https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#");
    template["contentVersion"] = json!("1.0.0.0");
    template["parameters"] = json!({"adminPassword": {"type": "securestring"}});
    template
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_az_vm_create_sends_creates_the_vm_its_identity_and_role_assignment() {
    let h = start().await;
    h.create_rg("cli_test_vm_msi").await;
    let template = recorded_vm_create_template(h.sub(), "cli_test_vm_msi");
    let body = json!({"properties": {"mode": "incremental", "template": template,
        "parameters": {"adminPassword": {"value": "Secret-Pa55word!"}}}});
    let (put, status) = deploy(&h, "cli_test_vm_msi", "vm_deploy_1", &body).await;
    assert_eq!(status, json!({"status": "Succeeded"}));
    assert_eq!(put.status, 201);
    assert_eq!(
        put.body["properties"]["parameters"],
        json!({"adminPassword": {"type": "SecureString"}}),
        "a secure parameter is never echoed"
    );
    assert_eq!(put.body["type"], "Microsoft.Resources/deployments");

    let vm = h
        .arm(
            Method::GET,
            &h.vm_path("cli_test_vm_msi", "vm1"),
            "2022-11-01",
            None,
        )
        .await;
    assert_eq!(vm.status, 200, "{:?}", vm.body);
    assert_eq!(vm.body["identity"]["type"], "SystemAssigned");
    let principal = vm.body["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();

    let rg_id = h.rg_path("cli_test_vm_msi");
    let ra_path = format!(
        "{rg_id}/providers/Microsoft.Authorization/roleAssignments/70f9a2aa-16df-4bc6-b15f-1bd2cdd78d72"
    );
    let ra = h.arm(Method::GET, &ra_path, "2022-04-01", None).await;
    assert_eq!(ra.status, 200, "{:?}", ra.body);
    assert_eq!(ra.body["properties"]["principalId"], principal.as_str());
    assert!(
        ra.body["properties"]["roleDefinitionId"]
            .as_str()
            .unwrap()
            .ends_with(CONTRIBUTOR)
    );

    let got = h
        .arm(
            Method::GET,
            &dep_path(&h, "cli_test_vm_msi", "vm_deploy_1"),
            API,
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    let p = &got.body["properties"];
    assert_eq!(p["provisioningState"], "Succeeded");
    assert_eq!(p["mode"], "Incremental");
    assert_eq!(p["outputResources"].as_array().unwrap().len(), 2);
    let deps = p["dependencies"].as_array().unwrap();
    assert_eq!(deps.len(), 1);
    assert_eq!(
        deps[0]["resourceType"],
        "Microsoft.Authorization/roleAssignments"
    );
    assert_eq!(deps[0]["dependsOn"][0]["resourceName"], "vm1");
    assert!(!got.body.to_string().contains("Secret-Pa55word!"));

    let ops = h
        .arm(
            Method::GET,
            &format!(
                "{}/operations",
                dep_path(&h, "cli_test_vm_msi", "vm_deploy_1")
            ),
            API,
            None,
        )
        .await;
    let ops = ops.body["value"].as_array().unwrap().clone();
    let order: Vec<&str> = ops
        .iter()
        .map(|o| {
            o["properties"]["targetResource"]["resourceType"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        order,
        vec![
            "Microsoft.Compute/virtualMachines",
            "Microsoft.Authorization/roleAssignments"
        ],
        "the role assignment waits for the VM it references"
    );
    assert!(
        ops.iter()
            .all(|o| o["properties"]["provisioningState"] == "Succeeded")
    );
    assert_eq!(ops[0]["properties"]["statusCode"], "Created");

    // Deploying it again is incremental: the same resources, answered 200.
    let (again, status) = deploy(&h, "cli_test_vm_msi", "vm_deploy_1", &body).await;
    assert_eq!(again.status, 200);
    assert_eq!(status["status"], "Succeeded", "{status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_loops_depends_on_and_outputs() {
    let h = start().await;
    h.create_rg("rg").await;
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"count": {"type": "int", "defaultValue": 3},
                       "prefix": {"type": "string"}},
        "variables": {"reader": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"},
        "resources": [
            {"type": "Microsoft.Authorization/roleAssignments", "apiVersion": "2022-04-01",
             "name": "[guid(resourceGroup().id, parameters('prefix'), string(copyIndex()))]",
             "copy": {"name": "grants", "count": "[parameters('count')]"},
             "dependsOn": ["ids"],
             "properties": {"roleDefinitionId": "[variables('reader')]",
                "principalId": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{0}-{1}', parameters('prefix'), copyIndex())), '2023-01-31').principalId]",
                "principalType": "ServicePrincipal"}},
            {"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
             "name": "[format('{0}-{1}', parameters('prefix'), copyIndex())]",
             "location": "[resourceGroup().location]",
             "copy": {"name": "ids", "count": "[parameters('count')]"}}
        ],
        "outputs": {
            "principals": {"type": "array", "copy": {"count": "[parameters('count')]",
                "input": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', format('{0}-{1}', parameters('prefix'), copyIndex()))).principalId]"}},
            "first": {"type": "string", "value": "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', concat(parameters('prefix'), '-0')), '2023-01-31', 'Full').properties.clientId]"}
        }
    });
    // As `az deployment group create --parameters @p.json` sends a parameters file.
    let params = json!({"prefix": {"value": "app"}});
    let body =
        json!({"properties": {"mode": "Incremental", "template": template, "parameters": params}});
    let (_, status) = deploy(&h, "rg", "loops", &body).await;
    assert_eq!(status["status"], "Succeeded", "{status}");
    let got = h
        .arm(Method::GET, &dep_path(&h, "rg", "loops"), API, None)
        .await;
    let outputs = &got.body["properties"]["outputs"];
    let principals = outputs["principals"]["value"].as_array().unwrap();
    assert_eq!(outputs["principals"]["type"], "Array");
    assert_eq!(principals.len(), 3);
    for (i, p) in principals.iter().enumerate() {
        let id = h
            .arm(
                Method::GET,
                &h.uai_path("rg", &format!("app-{i}")),
                "2023-01-31",
                None,
            )
            .await;
        assert_eq!(id.status, 200);
        assert_eq!(&id.body["properties"]["principalId"], p);
        if i == 0 {
            assert_eq!(outputs["first"]["value"], id.body["properties"]["clientId"]);
        }
    }
    assert_eq!(
        got.body["properties"]["parameters"],
        json!({"count": {"type": "Int", "value": 3}, "prefix": {"type": "String", "value": "app"}})
    );
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments",
                h.rg_path("rg")
            ),
            "2022-04-01",
            None,
        )
        .await;
    let granted: Vec<&Value> = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["properties"]["roleDefinitionId"]
                .as_str()
                .unwrap()
                .ends_with(READER)
        })
        .collect();
    assert_eq!(granted.len(), 3);
    for p in principals {
        assert!(granted.iter().any(|a| &a["properties"]["principalId"] == p));
    }
    let ops = h
        .arm(
            Method::GET,
            &format!("{}/operations", dep_path(&h, "rg", "loops")),
            API,
            None,
        )
        .await;
    let kinds: Vec<&str> = ops.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["properties"]["targetResource"]["resourceType"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(kinds.len(), 6);
    assert!(
        kinds[..3]
            .iter()
            .all(|k| *k == "Microsoft.ManagedIdentity/userAssignedIdentities")
    );
    assert!(
        kinds[3..]
            .iter()
            .all(|k| *k == "Microsoft.Authorization/roleAssignments")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_resource_fails_the_deployment_with_its_error_nested() {
    let h = start().await;
    h.create_rg("rg").await;
    let uai = |name: &str, location: &str| {
        json!({"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
               "name": name, "location": location})
    };
    let mut dependent = uai("after-bad", "westus");
    dependent["dependsOn"] = json!(["bad"]);
    let template =
        json!({"resources": [uai("bad", "nowhere"), dependent, uai("independent", "westus")]});
    // What the provider answers the same PUT on its own.
    let direct = h
        .arm(
            Method::PUT,
            &h.uai_path("rg", "direct-bad"),
            "2023-01-31",
            Some(&json!({"location": "nowhere"})),
        )
        .await;
    assert!(direct.status.is_client_error());
    let (_, status) = deploy(
        &h,
        "rg",
        "failing",
        &json!({"properties": {"mode": "Incremental", "template": template}}),
    )
    .await;
    assert_eq!(status["status"], "Failed", "{status}");
    let e = &status["error"];
    assert_eq!(e["code"], "DeploymentFailed");
    assert_eq!(
        e["message"],
        "At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details."
    );
    assert_eq!(e["details"].as_array().unwrap().len(), 1);
    assert_eq!(e["details"][0]["code"], direct.body["error"]["code"]);
    assert_eq!(e["details"][0]["message"], direct.body["error"]["message"]);

    let got = h
        .arm(Method::GET, &dep_path(&h, "rg", "failing"), API, None)
        .await;
    assert_eq!(got.body["properties"]["provisioningState"], "Failed");
    assert_eq!(got.body["properties"]["error"], *e);
    let ops = h
        .arm(
            Method::GET,
            &format!("{}/operations", dep_path(&h, "rg", "failing")),
            API,
            None,
        )
        .await;
    let ops = ops.body["value"].as_array().unwrap().clone();
    assert_eq!(
        ops.len(),
        2,
        "the dependent resource is not attempted: {ops:?}"
    );
    let bad = ops
        .iter()
        .find(|o| o["properties"]["targetResource"]["resourceName"] == "bad")
        .unwrap();
    assert_eq!(bad["properties"]["provisioningState"], "Failed");
    assert_eq!(
        bad["properties"]["statusMessage"]["error"]["code"],
        direct.body["error"]["code"]
    );
    assert_eq!(
        h.arm(
            Method::GET,
            &h.uai_path("rg", "independent"),
            "2023-01-31",
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        h.arm(
            Method::GET,
            &h.uai_path("rg", "after-bad"),
            "2023-01-31",
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn template_errors_are_refused_and_change_nothing() {
    let h = start().await;
    h.create_rg("rg").await;
    let uai = |name: &str, deps: Value| {
        json!({"type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31",
               "name": name, "location": "westus", "dependsOn": deps})
    };
    let cases = [
        (
            json!({"resources": [uai("a", json!(["b"])), uai("b", json!(["a"]))]}),
            json!(null),
            "Deployment template validation failed: 'Circular dependency detected on resource: '",
        ),
        (
            json!({"resources": [uai("[nosuch('x')]", json!([]))]}),
            json!(null),
            "The template function 'nosuch' at position '0' of the expression '[nosuch('x')]' is not valid.",
        ),
        (
            json!({"resources": [uai("[concat('a',]", json!([]))]}),
            json!(null),
            "Unable to parse language expression 'concat('a','",
        ),
        (
            json!({"parameters": {"p": {"type": "string"}}, "resources": [uai("[parameters('p')]", json!([]))]}),
            json!({}),
            "The value for the template parameter 'p' is not provided.",
        ),
        (
            json!({"resources": [uai("a", json!(["Microsoft.Network/networkInterfaces/nic"]))]}),
            json!(null),
            "The resource 'Microsoft.Network/networkInterfaces/nic' is not defined in the template.",
        ),
    ];
    for (i, (template, params, want)) in cases.into_iter().enumerate() {
        let body = json!({"properties": {"mode": "Incremental", "template": template, "parameters": params}});
        let name = format!("bad{i}");
        let r = h
            .arm(Method::PUT, &dep_path(&h, "rg", &name), API, Some(&body))
            .await;
        assert_eq!(r.status, 400, "{:?}", r.body);
        assert_eq!(r.code(), "InvalidTemplate");
        let m = r.body["error"]["message"].as_str().unwrap();
        assert!(m.contains(want), "{m}");
        let v = h
            .arm(
                Method::POST,
                &format!("{}/validate", dep_path(&h, "rg", &name)),
                API,
                Some(&body),
            )
            .await;
        assert_eq!(v.status, 400);
        assert_eq!(v.body["error"], r.body["error"]);
        let got = h
            .arm(Method::GET, &dep_path(&h, "rg", &name), API, None)
            .await;
        assert_eq!(got.status, 404);
        assert_eq!(got.code(), "DeploymentNotFound");
    }
    for name in ["a", "b"] {
        assert_eq!(
            h.arm(Method::GET, &h.uai_path("rg", name), "2023-01-31", None)
                .await
                .status,
            404
        );
    }
    // Bad request shapes, in ARM's envelope.
    let no_props = h
        .arm(Method::PUT, &dep_path(&h, "rg", "x"), API, Some(&json!({})))
        .await;
    assert_eq!(no_props.code(), "InvalidRequestContent");
    let no_rg = h
        .arm(
            Method::PUT,
            &dep_path(&h, "nope", "x"),
            API,
            Some(&json!({"properties": {"mode": "Incremental", "template": {"resources": []}}})),
        )
        .await;
    assert_eq!(no_rg.code(), "ResourceGroupNotFound");
    let bad_api = h
        .arm(Method::GET, &dep_path(&h, "rg", "x"), "2099-01-01", None)
        .await;
    assert_eq!(bad_api.code(), "InvalidApiVersionParameter");

    // A valid template validates without being deployed.
    let body = json!({"properties": {"mode": "Incremental", "template": {"resources": [uai("v1", json!([]))]}}});
    let v = h
        .arm(
            Method::POST,
            &format!("{}/validate", dep_path(&h, "rg", "ok")),
            API,
            Some(&body),
        )
        .await;
    assert_eq!(v.status, 200, "{:?}", v.body);
    assert_eq!(v.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        v.body["properties"]["validatedResources"][0]["id"],
        format!(
            "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/v1",
            h.rg_path("rg")
        )
    );
    assert_eq!(
        h.arm(Method::GET, &h.uai_path("rg", "v1"), "2023-01-31", None)
            .await
            .status,
        404
    );
}
