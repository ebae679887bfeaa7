//! ARM over real HTTPS: resource groups, VMs, scale sets, identities, extensions, etags, paging.

mod common;

use std::time::Duration;

use common::*;
use msi_emulator::Config;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const API: &str = "2024-11-01";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resource_groups() {
    let h = start().await;
    let rg = h.rg_path("Group1");
    let created = h
        .arm(
            Method::PUT,
            &rg,
            "2022-09-01",
            Some(&json!({"location": "West US"})),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["name"], "Group1");
    assert_eq!(created.body["location"], "westus");
    assert_eq!(created.body["properties"]["provisioningState"], "Succeeded");
    // The first write of the admin principal: Azure's bucket of 200 writes, one spent.
    assert_eq!(
        created.header("x-ms-ratelimit-remaining-subscription-writes"),
        Some("199")
    );

    let again = h
        .arm(
            Method::PUT,
            &h.rg_path("group1"),
            "2022-09-01",
            Some(&json!({"location": "westus", "tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body["name"], "Group1",
        "the name keeps its first casing"
    );
    assert_eq!(again.body["tags"], json!({"a": "b"}));

    let moved = h
        .arm(
            Method::PUT,
            &rg,
            "2022-09-01",
            Some(&json!({"location": "eastus"})),
        )
        .await;
    assert_eq!(moved.status, 409);
    let no_loc = h
        .arm(
            Method::PUT,
            &h.rg_path("g2"),
            "2022-09-01",
            Some(&json!({})),
        )
        .await;
    assert_eq!(no_loc.code(), "LocationRequired");

    let lower = format!("/subscriptions/{}/resourcegroups/GROUP1", h.sub());
    let got = h.arm(Method::GET, &lower, "2022-09-01", None).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        got.body["id"],
        format!("/subscriptions/{}/resourceGroups/Group1", h.sub())
    );
    let head = h.arm(Method::HEAD, &rg, "2022-09-01", None).await;
    assert_eq!(head.status, 204);

    let missing = h
        .arm(Method::GET, &h.rg_path("nope"), "2022-09-01", None)
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "ResourceGroupNotFound");
    assert_eq!(
        missing.body["error"]["message"],
        "Resource group 'nope' could not be found."
    );
    let below = h
        .arm(Method::GET, &h.vm_path("nope", "vm1"), API, None)
        .await;
    assert_eq!(below.status, 404);
    assert_eq!(below.code(), "ResourceGroupNotFound");

    let bad_version = h.arm(Method::GET, &rg, "2099-01-01", None).await;
    assert_eq!(bad_version.status, 400);
    assert_eq!(bad_version.code(), "InvalidApiVersionParameter");

    h.create_uai("Group1", "gone-with-group").await;
    let list = h
        .arm(
            Method::GET,
            &format!("/subscriptions/{}/resourcegroups", h.sub()),
            "2022-09-01",
            None,
        )
        .await;
    assert_eq!(list.body["value"].as_array().unwrap().len(), 1);

    let deleted = h.arm(Method::DELETE, &rg, "2022-09-01", None).await;
    assert_eq!(deleted.status, 202);
    let location = deleted.header("location").unwrap().to_string();
    assert!(location.starts_with(h.emu.endpoint()), "{location}");
    let polled = h.send(Method::GET, &location, &[], None).await;
    assert_eq!(polled.status, 200);
    assert_eq!(
        h.arm(Method::GET, &rg, "2022-09-01", None).await.status,
        404
    );
    h.create_rg("Group1").await;
    let uai = h
        .arm(
            Method::GET,
            &h.uai_path("Group1", "gone-with-group"),
            "2023-01-31",
            None,
        )
        .await;
    assert_eq!(uai.status, 404, "deleting a group deletes its contents");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_create_is_a_long_running_operation() {
    let h = start_with(Config {
        lro_delay: Duration::from_millis(400),
        ..Config::default()
    })
    .await;
    h.create_rg("rg").await;
    let vm = h.vm_path("rg", "vm1");

    let no_location = h
        .arm(Method::PUT, &vm, API, Some(&json!({"properties": {}})))
        .await;
    assert_eq!(no_location.status, 400);
    assert_eq!(no_location.code(), "LocationRequired");

    let body = json!({"location": "westus", "tags": {},
        "properties": {"hardwareProfile": {"vmSize": "Standard_B1s"},
                       "storageProfile": {"imageReference": {"publisher": "Canonical", "sku": "22_04-lts"}}}});
    let created = h.arm(Method::PUT, &vm, API, Some(&body)).await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["properties"]["provisioningState"], "Creating");
    let keys: Vec<&String> = created.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "name",
            "id",
            "type",
            "location",
            "tags",
            "etag",
            "properties"
        ]
    );
    assert_eq!(
        created.body["id"],
        format!(
            "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
            h.sub()
        )
    );
    assert!(created.body["properties"]["vmId"].is_string());
    assert_eq!(created.header("azure-asyncnotification"), Some("Enabled"));
    let op_url = created.header("azure-asyncoperation").unwrap().to_string();
    assert!(op_url.starts_with(&format!(
        "{}/subscriptions/{}/providers/Microsoft.Compute/locations/westus/operations/",
        h.emu.endpoint(),
        h.sub()
    )));
    assert!(op_url.contains("api-version=2024-11-01"));

    let running = h.send(Method::GET, &op_url, &[], None).await;
    assert_eq!(running.status, 200);
    assert_eq!(running.body["status"], "InProgress");
    assert!(running.body.get("endTime").is_none());
    let during = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(during.body["properties"]["provisioningState"], "Creating");

    tokio::time::sleep(Duration::from_millis(450)).await;
    let done = h.send(Method::GET, &op_url, &[], None).await;
    assert_eq!(done.body["status"], "Succeeded");
    assert!(done.body["endTime"].is_string());
    assert_eq!(
        done.body["name"],
        op_url
            .split('/')
            .next_back()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
    );
    let after = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(after.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        after.body["properties"]["vmId"],
        created.body["properties"]["vmId"]
    );

    // A full PUT of the existing VM without imageReference (az vm update) keeps the image.
    let update = json!({"location": "westus", "properties": {"hardwareProfile": {"vmSize": "Standard_B2s"}, "storageProfile": {}}});
    let updated = h.arm(Method::PUT, &vm, API, Some(&update)).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["properties"]["provisioningState"], "Updating");
    assert_eq!(
        updated.body["properties"]["storageProfile"]["imageReference"]["sku"],
        "22_04-lts"
    );
    let moved = h
        .arm(Method::PUT, &vm, API, Some(&json!({"location": "eastus"})))
        .await;
    assert_eq!(moved.status, 409);
    assert_eq!(moved.code(), "InvalidResourceLocation");

    let deleted = h.arm(Method::DELETE, &vm, API, None).await;
    assert_eq!(deleted.status, 202);
    let monitor = deleted.header("location").unwrap().to_string();
    assert!(deleted.header("azure-asyncoperation").is_some());
    assert_eq!(h.arm(Method::GET, &vm, API, None).await.status, 404);
    assert_eq!(h.send(Method::GET, &monitor, &[], None).await.status, 202);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(h.send(Method::GET, &monitor, &[], None).await.status, 200);
    assert_eq!(h.arm(Method::DELETE, &vm, API, None).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_patch_follows_the_recordings() {
    let h = start().await;
    h.create_rg("rg").await;
    let uai1 = h.create_uai("rg", "id1").await;
    let uai2 = h.create_uai("rg", "id2").await;
    let (id1, id2) = (h.uai_id("rg", "id1"), h.uai_id("rg", "id2"));
    let vm = h.vm_path("rg", "vm1");
    let api = "2022-11-01";

    let created = h
        .arm(Method::PUT, &vm, api, Some(&json!({"location": "westus",
            "identity": {"type": "SystemAssigned,UserAssigned", "userAssignedIdentities": {&id1: {}}}})))
        .await;
    assert_eq!(created.status, 201);
    let principal = created.body["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(created.body["identity"]["tenantId"], h.emu.tenant_id());
    assert_eq!(
        created.body["identity"]["type"],
        "SystemAssigned, UserAssigned"
    );

    // Add id2: only the new key is sent; it shows {} in the write response.
    let added = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "SystemAssigned, UserAssigned",
            "userAssignedIdentities": {&id2: {}}}})),
        )
        .await;
    assert_eq!(added.status, 200);
    assert_eq!(added.body["properties"]["provisioningState"], "Updating");
    assert!(added.header("azure-asyncoperation").is_some());
    assert!(added.header("location").is_none());
    let map = &added.body["identity"]["userAssignedIdentities"];
    assert_eq!(
        map[&id1],
        json!({"principalId": uai1["properties"]["principalId"], "clientId": uai1["properties"]["clientId"]})
    );
    assert_eq!(map[&id2], json!({}));
    let got = h.arm(Method::GET, &vm, api, None).await;
    assert_eq!(got.body["properties"]["provisioningState"], "Succeeded");
    assert_eq!(
        got.body["identity"]["userAssignedIdentities"][&id2],
        json!({"principalId": uai2["properties"]["principalId"], "clientId": uai2["properties"]["clientId"]})
    );

    // Remove id1 with a lower-cased key: matched case-insensitively, id2 keeps its casing.
    let removed = h
        .arm(Method::PATCH, &vm, api, Some(&json!({"identity": {
            "userAssignedIdentities": {id1.to_lowercase(): null}, "type": "SystemAssigned, UserAssigned"}})))
        .await;
    assert_eq!(removed.status, 200);
    let keys: Vec<&String> = removed.body["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, [&id2]);

    // Remove the last one the way az does.
    let last = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "SystemAssigned", "userAssignedIdentities": null}})),
        )
        .await;
    assert_eq!(
        last.body["identity"],
        json!({"type": "SystemAssigned", "principalId": principal, "tenantId": h.emu.tenant_id()})
    );

    // Disable: no identity key at all, now and on later GETs.
    let none = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "None"}})),
        )
        .await;
    assert_eq!(none.status, 200);
    assert!(none.body.get("identity").is_none(), "{}", none.body);
    let got = h.arm(Method::GET, &vm, api, None).await;
    assert!(got.body.get("identity").is_none());
    let keys: Vec<&String> = got.body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["name", "id", "type", "location", "properties"]);

    // Re-enabling gives a new principal; lower-case type strings are accepted.
    let again = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "systemassigned"}})),
        )
        .await;
    assert_eq!(again.body["identity"]["type"], "SystemAssigned");
    assert_ne!(again.body["identity"]["principalId"], principal);

    // A UAI-only machine has no principalId/tenantId.
    let vm2 = h.vm_path("rg", "vm2");
    let ua = h
        .arm(
            Method::PUT,
            &vm2,
            API,
            Some(&json!({"location": "westus",
            "identity": {"type": "UserAssigned", "userAssignedIdentities": {&id1: {}}}})),
        )
        .await;
    assert_eq!(ua.status, 201);
    assert_eq!(
        ua.body["identity"],
        json!({"type": "UserAssigned", "userAssignedIdentities": {&id1: {}}})
    );

    // The associated resources of id1.
    let assoc = h
        .arm(
            Method::POST,
            &format!("{}/listAssociatedResources", h.uai_path("rg", "id1")),
            "2022-01-31-preview",
            None,
        )
        .await;
    assert_eq!(assoc.body["totalCount"], 1);
    assert_eq!(assoc.body["value"][0]["name"], "vm2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_ids_list_shape_of_2017_12_01() {
    let h = start().await;
    h.create_rg("rg").await;
    h.create_uai("rg", "id1").await;
    h.create_uai("rg", "id2").await;
    let (id1, id2) = (h.uai_id("rg", "id1"), h.uai_id("rg", "id2"));
    let vm = h.vm_path("rg", "vm1");
    let api = "2017-12-01";

    let created = h
        .arm(
            Method::PUT,
            &vm,
            api,
            Some(&json!({"location": "westcentralus", "tags": {},
            "identity": {"type": "SystemAssigned, UserAssigned", "identityIds": [&id2, &id1]}})),
        )
        .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.body["identity"]["identityIds"], json!([&id2, &id1]));
    assert!(created.body.get("etag").is_none());
    assert!(created.body["properties"].get("timeCreated").is_none());

    let lower = id2.to_lowercase();
    let replaced = h
        .arm(Method::PATCH, &vm, api, Some(&json!({"identity": {"type": "SystemAssigned, UserAssigned", "identityIds": [&lower]}})))
        .await;
    assert_eq!(
        replaced.body["identity"]["identityIds"],
        json!([&lower]),
        "echoed as sent"
    );

    let modern = h.arm(Method::GET, &vm, API, None).await;
    let keys: Vec<&String> = modern.body["identity"]["userAssignedIdentities"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(keys, [&lower]);

    let bad = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "SystemAssigned", "identityIds": [&id1]}})),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["target"], "resourceIdentity.identityIds");

    let system = h
        .arm(
            Method::PATCH,
            &vm,
            api,
            Some(&json!({"identity": {"type": "SystemAssigned"}})),
        )
        .await;
    assert!(system.body["identity"].get("identityIds").is_none());
    assert_eq!(system.body["identity"]["type"], "SystemAssigned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_identity_writes_change_nothing() {
    let h = start().await;
    h.create_rg("rg").await;
    h.create_uai("rg", "id1").await;
    let id1 = h.uai_id("rg", "id1");
    let vm = h.vm_path("rg", "vm1");
    h.arm(
        Method::PUT,
        &vm,
        API,
        Some(&json!({"location": "westus",
        "identity": {"type": "UserAssigned", "userAssignedIdentities": {&id1: {}}}})),
    )
    .await;
    let before = h.arm(Method::GET, &vm, API, None).await;

    let missing = h.uai_id("rg", "does-not-exist");
    let failed = h
        .arm(
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"identity": {"type": "SystemAssigned, UserAssigned",
            "userAssignedIdentities": {&missing: {}}}})),
        )
        .await;
    assert_eq!(failed.status, 400);
    assert_eq!(failed.code(), "FailedIdentityOperation");
    let vm_id = before.body["id"].as_str().unwrap();
    assert_eq!(
        failed.body["error"]["message"],
        format!(
            "Identity operation for resource '{vm_id}' failed with error 'Failed to perform resource identity operation. Status: 'BadRequest'. Response: '{{\"error\":{{\"code\":\"BadRequest\",\"message\":\"Resource '{missing}' was not found.\"}}}}'."
        )
    );
    let malformed = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {"not-an-id": {}}}})))
        .await;
    assert_eq!(malformed.code(), "FailedIdentityOperation");

    let none_with_map = h
        .arm(
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"identity": {"type": "None", "userAssignedIdentities": {&id1: {}}}})),
        )
        .await;
    assert_eq!(none_with_map.status, 400);
    assert_eq!(none_with_map.code(), "InvalidParameter");
    let emptied = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"identity": {"type": "UserAssigned", "userAssignedIdentities": {&id1: null}}})))
        .await;
    assert_eq!(emptied.code(), "InvalidParameter");
    let bad_type = h
        .arm(
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"identity": {"type": "Everything"}})),
        )
        .await;
    assert_eq!(bad_type.code(), "InvalidParameter");
    assert_eq!(bad_type.body["error"]["target"], "identity.type");
    let no_type = h
        .arm(Method::PATCH, &vm, API, Some(&json!({"identity": {}})))
        .await;
    assert_eq!(no_type.code(), "InvalidRequestContent");
    let url = format!("{}{vm}?api-version={API}", h.emu.endpoint());
    let garbage = h
        .http
        .patch(&url)
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    let body: Value = garbage.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidRequestContent");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The request content was invalid and could not be deserialized: ")
    );

    let after = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(after.body, before.body, "nothing changed");
    assert_eq!(after.header("etag"), before.header("etag"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn etags_and_preconditions() {
    // 40 concurrent PATCHes of one VM: past Compute's 12 updates per VM per minute.
    let h = start_with(Config {
        throttle: msi_emulator::Throttle::Off,
        ..Config::default()
    })
    .await;
    h.create_rg("rg").await;
    let vm = h.vm_path("rg", "vm1");
    let create = json!({"location": "westus"});
    let created = h
        .arm_with(
            Method::PUT,
            &vm,
            API,
            &[("if-none-match", "*")],
            Some(&create),
        )
        .await;
    assert_eq!(created.status, 201);
    let etag = created.header("etag").unwrap().to_string();
    assert_eq!(created.body["etag"], etag);
    let exists = h
        .arm_with(
            Method::PUT,
            &vm,
            API,
            &[("if-none-match", "*")],
            Some(&create),
        )
        .await;
    assert_eq!(exists.status, 412);
    assert_eq!(exists.code(), "PreconditionFailed");

    let tags = json!({"tags": {"k": "v"}});
    let stale = h
        .arm_with(
            Method::PATCH,
            &vm,
            API,
            &[("if-match", "\"999\"")],
            Some(&tags),
        )
        .await;
    assert_eq!(stale.status, 412);
    let unchanged = h.arm(Method::GET, &vm, API, None).await;
    assert_eq!(unchanged.header("etag"), Some(etag.as_str()));
    assert!(unchanged.body.get("tags").is_none());
    let fresh = h
        .arm_with(Method::PATCH, &vm, API, &[("if-match", &etag)], Some(&tags))
        .await;
    assert_eq!(fresh.status, 200);
    assert_ne!(fresh.header("etag"), Some(etag.as_str()));
    assert_eq!(fresh.body["tags"], json!({"k": "v"}));

    // Concurrent writers with the same If-Match: exactly one wins each round.
    for round in 0..2 {
        let current = h
            .arm(Method::GET, &vm, API, None)
            .await
            .header("etag")
            .unwrap()
            .to_string();
        let mut tasks = Vec::new();
        for i in 0..20 {
            let http = h.http.clone();
            let url = format!("{}{vm}?api-version={API}", h.emu.endpoint());
            let token = h.token.clone();
            let etag = current.clone();
            tasks.push(tokio::spawn(async move {
                http.patch(&url)
                    .bearer_auth(token)
                    .header("if-match", etag)
                    .json(&json!({"tags": {"round": round, "writer": i}}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
        let mut ok = 0;
        let mut failed = 0;
        for t in tasks {
            match t.await.unwrap() {
                StatusCode::OK => ok += 1,
                StatusCode::PRECONDITION_FAILED => failed += 1,
                other => panic!("unexpected {other}"),
            }
        }
        assert_eq!((ok, failed), (1, 19), "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_assigned_identities_and_paging() {
    let h = start_with(Config {
        page_size: 2,
        ..Config::default()
    })
    .await;
    h.create_rg("MyGroup").await;
    let first = h.create_uai("MyGroup", "id1").await;
    assert_eq!(
        first["id"],
        format!(
            "/subscriptions/{}/resourcegroups/MyGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
            h.sub()
        )
    );
    assert_eq!(
        first["type"],
        "Microsoft.ManagedIdentity/userAssignedIdentities"
    );
    assert_eq!(first["tags"], json!({}));
    assert_eq!(first["properties"]["tenantId"], h.emu.tenant_id());
    let put = h
        .arm(
            Method::PUT,
            &h.uai_path("mygroup", "id2"),
            "2023-01-31",
            Some(&json!({"location": "westus", "tags": {"t": "1"}})),
        )
        .await;
    assert_eq!(put.status, 201);
    assert_eq!(
        put.header("location"),
        Some(format!("/subscriptions/{}/resourcegroups/MyGroup/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2", h.sub()).as_str())
    );
    for n in 3..=5 {
        h.create_uai("MyGroup", &format!("id{n}")).await;
    }

    let replaced = h
        .arm(
            Method::PUT,
            &h.uai_path("MyGroup", "id1"),
            "2023-01-31",
            Some(&json!({"location": "westus", "tags": {"x": "y"}})),
        )
        .await;
    assert_eq!(replaced.status, 200);
    assert_eq!(
        replaced.body["properties"]["clientId"],
        first["properties"]["clientId"]
    );
    let patched = h
        .arm(
            Method::PATCH,
            &h.uai_path("MyGroup", "id1"),
            "2023-01-31",
            Some(&json!({"tags": {"p": "q"}})),
        )
        .await;
    assert_eq!(patched.body["tags"], json!({"p": "q"}));
    let old = h
        .arm(
            Method::GET,
            &h.uai_path("MyGroup", "id1"),
            "2015-08-31-preview",
            None,
        )
        .await;
    assert!(old.body["properties"]["clientSecretUrl"].is_string());
    let new = h
        .arm(
            Method::GET,
            &h.uai_path("MyGroup", "id1"),
            "2024-11-30",
            None,
        )
        .await;
    assert_eq!(new.body["properties"]["isolationScope"], "None");
    assert!(new.body["properties"].get("clientSecretUrl").is_none());

    let invalid = h
        .arm(
            Method::PUT,
            &h.uai_path("MyGroup", "x.y"),
            "2023-01-31",
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.code(), "InvalidResourceName");

    let list_path = format!(
        "{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
        h.rg_path("MyGroup")
    );
    let mut page = h.arm(Method::GET, &list_path, "2023-01-31", None).await;
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(page.body["value"].as_array().unwrap().len() <= 2);
        for v in page.body["value"].as_array().unwrap() {
            names.push(v["name"].as_str().unwrap().to_string());
        }
        let Some(next) = page.body["nextLink"].as_str() else {
            break;
        };
        assert!(next.starts_with(h.emu.endpoint()));
        page = h.send(Method::GET, next, &[], None).await;
    }
    assert_eq!(pages, 3);
    assert_eq!(names, ["id1", "id2", "id3", "id4", "id5"]);

    let by_sub = h
        .arm(
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
                h.sub()
            ),
            "2023-01-31",
            None,
        )
        .await;
    assert_eq!(by_sub.body["value"].as_array().unwrap().len(), 2);
    assert!(by_sub.body["nextLink"].is_string());

    let deleted = h
        .arm(
            Method::DELETE,
            &h.uai_path("MyGroup", "id5"),
            "2023-01-31",
            None,
        )
        .await;
    assert_eq!(deleted.status, 200);
    // The first delete: Azure's bucket of 200 deletes, one spent.
    assert_eq!(
        deleted.header("x-ms-ratelimit-remaining-subscription-deletes"),
        Some("199")
    );
    assert_eq!(
        h.arm(
            Method::DELETE,
            &h.uai_path("MyGroup", "id5"),
            "2023-01-31",
            None
        )
        .await
        .status,
        204
    );
    let gone = h
        .arm(
            Method::GET,
            &h.uai_path("MyGroup", "id5"),
            "2023-01-31",
            None,
        )
        .await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.body["error"]["message"],
        "The Resource 'Microsoft.ManagedIdentity/userAssignedIdentities/id5' under resource group 'MyGroup' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extensions_on_vms_and_scale_sets() {
    let h = start().await;
    h.create_rg("rg").await;
    let api = "2017-12-01";
    let msi_ext = json!({"location": "westus", "properties": {"publisher": "Microsoft.ManagedIdentity",
        "type": "ManagedIdentityExtensionForLinux", "typeHandlerVersion": "1.0",
        "autoUpgradeMinorVersion": true, "settings": {"port": 50342}, "protectedSettings": {"secret": "x"}}});

    let orphan = h
        .arm(
            Method::PUT,
            &format!(
                "{}/extensions/ManagedIdentityExtensionForLinux",
                h.vm_path("rg", "vm1")
            ),
            api,
            Some(&msi_ext),
        )
        .await;
    assert_eq!(orphan.status, 404);
    assert_eq!(orphan.code(), "ParentResourceNotFound");
    assert_eq!(
        orphan.body["error"]["message"],
        "Can not perform requested operation on nested resource. Parent resource 'vm1' not found."
    );

    let vm = h.vm_path("rg", "vm1");
    h.arm(
        Method::PUT,
        &vm,
        api,
        Some(&json!({"location": "westus", "identity": {"type": "SystemAssigned"}})),
    )
    .await;
    let ext = format!("{vm}/extensions/ManagedIdentityExtensionForLinux");
    let created = h.arm(Method::PUT, &ext, api, Some(&msi_ext)).await;
    assert_eq!(created.status, 201);
    assert!(created.header("azure-asyncoperation").is_some());
    assert_eq!(
        created.body["type"],
        "Microsoft.Compute/virtualMachines/extensions"
    );
    assert_eq!(created.body["properties"]["provisioningState"], "Creating");
    assert_eq!(
        created.body["properties"]["settings"],
        json!({"port": 50342})
    );
    assert!(
        created.body["properties"]
            .get("protectedSettings")
            .is_none()
    );
    let updated = h.arm(Method::PUT, &ext, api, Some(&msi_ext)).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["properties"]["provisioningState"], "Updating");
    let got = h.arm(Method::GET, &ext, api, None).await;
    assert_eq!(got.body["properties"]["provisioningState"], "Succeeded");
    let parent = h.arm(Method::GET, &vm, api, None).await;
    assert_eq!(
        parent.body["resources"][0]["name"],
        "ManagedIdentityExtensionForLinux"
    );
    assert_eq!(
        parent.body["resources"][0]["properties"]["publisher"],
        "Microsoft.ManagedIdentity"
    );
    let listed = h
        .arm(Method::GET, &format!("{vm}/extensions"), api, None)
        .await;
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 1);

    let removed = h.arm(Method::DELETE, &ext, api, None).await;
    assert_eq!(removed.status, 202);
    assert!(removed.header("location").is_some());
    assert_eq!(h.arm(Method::DELETE, &ext, api, None).await.status, 204);
    assert!(
        h.arm(Method::GET, &vm, api, None)
            .await
            .body
            .get("resources")
            .is_none()
    );

    // Deleting the VM deletes its extensions.
    h.arm(Method::PUT, &ext, api, Some(&msi_ext)).await;
    h.arm(Method::DELETE, &vm, api, None).await;
    h.arm(Method::PUT, &vm, api, Some(&json!({"location": "westus"})))
        .await;
    assert_eq!(h.arm(Method::GET, &ext, api, None).await.status, 404);

    // Scale sets: extensions live in the model.
    let vmss = h.vmss_path("rg", "vmss1");
    let model = json!({"location": "westus", "sku": {"name": "Standard_D1_v2", "tier": "Standard", "capacity": 1},
        "identity": {"type": "SystemAssigned"},
        "properties": {"upgradePolicy": {"mode": "Manual"}, "virtualMachineProfile": {"extensionProfile": {"extensions": [
            {"name": "ManagedIdentityExtensionForLinux", "properties": {"publisher": "Microsoft.ManagedIdentity",
             "type": "ManagedIdentityExtensionForLinux", "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": true,
             "settings": {"port": 50343}}}]}}}});
    let created = h.arm(Method::PUT, &vmss, api, Some(&model)).await;
    assert_eq!(created.status, 201);
    let keys: Vec<&String> = created.body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "name",
            "id",
            "type",
            "location",
            "identity",
            "sku",
            "properties"
        ]
    );
    assert!(created.body["properties"]["uniqueId"].is_string());
    let exts =
        &created.body["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"];
    assert_eq!(exts[0]["name"], "ManagedIdentityExtensionForLinux");
    assert_eq!(exts[0]["properties"]["settings"]["port"], 50343);

    let child = format!("{vmss}/extensions/GuestAttestation");
    let added = h
        .arm(Method::PUT, &child, "2022-11-01", Some(&json!({"properties": {"publisher": "Microsoft.Azure.Security.LinuxAttestation",
            "type": "GuestAttestation", "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": true}})))
        .await;
    assert_eq!(added.status, 201);
    assert_eq!(
        added.body["type"],
        "Microsoft.Compute/virtualMachineScaleSets/extensions"
    );
    let got = h.arm(Method::GET, &vmss, "2022-11-01", None).await;
    let names: Vec<&str> =
        got.body["properties"]["virtualMachineProfile"]["extensionProfile"]["extensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
    assert_eq!(
        names,
        ["ManagedIdentityExtensionForLinux", "GuestAttestation"]
    );
    let listed = h
        .arm(
            Method::GET,
            &format!("{vmss}/extensions"),
            "2022-11-01",
            None,
        )
        .await;
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 2);

    let upgrade = h
        .arm(
            Method::POST,
            &format!("{vmss}/manualupgrade"),
            "2022-11-01",
            Some(&json!({"instanceIds": ["*"]})),
        )
        .await;
    assert_eq!(upgrade.status, 202);
    let monitor = upgrade.header("location").unwrap().to_string();
    assert!(monitor.contains("monitor=true"));
    assert_eq!(h.send(Method::GET, &monitor, &[], None).await.status, 200);

    h.arm(Method::DELETE, &vmss, "2022-11-01", None).await;
    let orphan = h.arm(Method::GET, &child, "2022-11-01", None).await;
    assert_eq!(orphan.code(), "ParentResourceNotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_routes_and_versions() {
    let h = start().await;
    h.create_rg("rg").await;
    let vm = h.vm_path("rg", "vm1");
    let future = h.arm(Method::GET, &vm, "2099-01-01", None).await;
    assert_eq!(future.status, 400);
    assert_eq!(future.code(), "NoRegisteredProviderFound");
    let garbage = h.arm(Method::GET, &vm, "latest", None).await;
    assert_eq!(garbage.code(), "InvalidApiVersionParameter");
    let old_msi = h
        .arm(
            Method::GET,
            &h.uai_path("rg", "x"),
            "2015-08-31-preview",
            None,
        )
        .await;
    assert_eq!(old_msi.status, 404);

    let bad_type = h
        .arm(
            Method::GET,
            &format!("{}/providers/Microsoft.Compute/fooBars/x", h.rg_path("rg")),
            API,
            None,
        )
        .await;
    assert_eq!(bad_type.status, 404);
    assert_eq!(bad_type.code(), "InvalidResourceType");
    let bad_ns = h
        .arm(
            Method::GET,
            &format!("{}/providers/Microsoft.Foo/bars/x", h.rg_path("rg")),
            API,
            None,
        )
        .await;
    assert_eq!(bad_ns.status, 404);
    assert_eq!(bad_ns.code(), "NoRegisteredProviderFound");
    let post = h.arm(Method::POST, &vm, API, Some(&json!({}))).await;
    assert_eq!(post.status, 405);

    // Segments match case-insensitively.
    h.arm(Method::PUT, &vm, API, Some(&json!({"location": "westus"})))
        .await;
    let shouting = format!(
        "/SUBSCRIPTIONS/{}/RESOURCEGROUPS/RG/PROVIDERS/microsoft.compute/VIRTUALMACHINES/VM1",
        h.sub()
    );
    let got = h.arm(Method::GET, &shouting, API, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["name"], "vm1");

    let vms = h
        .arm(
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
                h.sub()
            ),
            API,
            None,
        )
        .await;
    assert_eq!(vms.body["value"].as_array().unwrap().len(), 1);
}
