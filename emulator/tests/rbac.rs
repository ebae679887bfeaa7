//! Access control over real HTTPS: managed-identity tokens on ARM, role assignments and definitions,
//! AuthorizationFailed / LinkedAuthorizationFailed, persistence.

mod common;

use common::*;
use msi_emulator::{Config, Emulator};
use reqwest::Method;
use serde_json::{Value, json};

const API: &str = "2024-11-01";
const AUTHZ: &str = "2022-04-01";
const ARM: &str = "https://management.azure.com/";
const READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
const VM_CONTRIBUTOR: &str = "9980e02c-c2be-4d73-94e8-173b1dc7cf3c";
const MI_OPERATOR: &str = "f1a07417-d97a-45cb-824c-7a7467783830";

fn denied(oid: &str, action: &str, scope: &str) -> String {
    format!(
        "The client '{oid}' with object id '{oid}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
    )
}

/// A VM `caller` with a system identity; returns its principal id and an ARM token for it.
async fn machine_caller(h: &Harness, rg: &str, name: &str) -> (String, String) {
    let vm = h
        .create_vm(rg, name, Some(json!({"type": "SystemAssigned"})))
        .await;
    let principal = vm["identity"]["principalId"].as_str().unwrap().to_string();
    let t = h.imds_token(&h.vm_path(rg, name), "", ARM).await;
    (principal, t["access_token"].as_str().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_tokens_are_authorized_by_role_assignments() {
    let h = start().await;
    h.create_rg("rg").await;
    let (oid, token) = machine_caller(&h, "rg", "caller").await;
    let rg = h.rg_path("rg");
    let vm = h.vm_path("rg", "caller");

    let r = h.arm_as(&token, Method::GET, &rg, "2022-09-01", None).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "AuthorizationFailed");
    assert_eq!(
        r.body["error"]["message"],
        denied(
            &oid,
            "Microsoft.Resources/subscriptions/resourceGroups/read",
            &rg
        )
    );
    assert_eq!(r.header("x-ms-failure-cause"), Some("gateway"));
    let r = h.arm_as(&token, Method::GET, &vm, API, None).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body["error"]["message"],
        denied(&oid, "Microsoft.Compute/virtualMachines/read", &vm)
    );
    let subs = h
        .arm_as(&token, Method::GET, "/subscriptions", "2022-12-01", None)
        .await;
    assert_eq!(subs.status, 200);
    assert_eq!(subs.body["value"], json!([]), "no access, no subscription");
    let r = h
        .arm_as(
            &token,
            Method::GET,
            &format!(
                "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
                h.sub()
            ),
            API,
            None,
        )
        .await;
    assert_eq!(r.status, 403);

    h.grant(&rg, READER, &oid).await;
    let r = h.arm_as(&token, Method::GET, &rg, "2022-09-01", None).await;
    assert_eq!(r.status, 200);
    let r = h.arm_as(&token, Method::GET, &vm, API, None).await;
    assert_eq!(r.status, 200);
    let subs = h
        .arm_as(&token, Method::GET, "/subscriptions", "2022-12-01", None)
        .await;
    assert_eq!(subs.body["value"].as_array().unwrap().len(), 1);
    let groups = h
        .arm_as(
            &token,
            Method::GET,
            &format!("/subscriptions/{}/resourcegroups", h.sub()),
            "2022-09-01",
            None,
        )
        .await;
    assert_eq!(groups.status, 200);
    h.create_rg("other").await;
    let groups = h
        .arm_as(
            &token,
            Method::GET,
            &format!("/subscriptions/{}/resourcegroups", h.sub()),
            "2022-09-01",
            None,
        )
        .await;
    let names: Vec<&str> = groups.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["rg"], "only readable groups are listed");
    h.create_vm("other", "elsewhere", None).await;
    let vms = format!(
        "/subscriptions/{}/providers/Microsoft.Compute/virtualMachines",
        h.sub()
    );
    let listed = h.arm_as(&token, Method::GET, &vms, API, None).await;
    assert_eq!(listed.status, 200, "{:?}", listed.body);
    let names: Vec<&str> = listed.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["caller"],
        "a subscription list shows what the grants cover"
    );
    let all = h.arm(Method::GET, &vms, API, None).await;
    assert_eq!(all.body["value"].as_array().unwrap().len(), 2);
    let other_list = h
        .arm_as(
            &token,
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Compute/virtualMachines",
                h.rg_path("other")
            ),
            API,
            None,
        )
        .await;
    assert_eq!(other_list.status, 403, "no grant at or below the group");

    // Reading is not writing, and the 403 changes nothing.
    let r = h
        .arm_as(
            &token,
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body["error"]["message"],
        denied(&oid, "Microsoft.Compute/virtualMachines/write", &vm)
    );
    let after = h.arm(Method::GET, &vm, API, None).await;
    assert!(after.body.get("tags").is_none());
    let r = h
        .arm_as(
            &token,
            Method::PUT,
            &h.uai_path("rg", "nope"),
            "2023-01-31",
            Some(&json!({"location": "westus"})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'Microsoft.ManagedIdentity/userAssignedIdentities/write'")
    );
    let r = h
        .arm_as(&token, Method::GET, &h.rg_path("other"), "2022-09-01", None)
        .await;
    assert_eq!(r.status, 403, "the grant is scoped to its group");

    // Contributor writes, but cannot hand out roles.
    h.grant(&rg, CONTRIBUTOR, &oid).await;
    let r = h
        .arm_as(
            &token,
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let op = r.header("azure-asyncoperation").unwrap().to_string();
    let polled = h.send_as(&token, Method::GET, &op, &[], None).await;
    assert_eq!(polled.status, 200, "the caller may poll its operation");
    let name = uuid::Uuid::new_v4();
    let ra = format!("{rg}/providers/Microsoft.Authorization/roleAssignments/{name}");
    let r = h
        .arm_as(
            &token,
            Method::PUT,
            &ra,
            AUTHZ,
            Some(&json!({"properties": {"roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{READER}", h.sub()),
                "principalId": oid}})),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body["error"]["message"],
        denied(&oid, "Microsoft.Authorization/roleAssignments/write", &ra)
    );

    // Tokens for other audiences are issued but ARM refuses them.
    let vault = h.imds_token(&vm, "", "https://vault.azure.net").await;
    let r = h
        .arm_as(
            vault["access_token"].as_str().unwrap(),
            Method::GET,
            &rg,
            "2022-09-01",
            None,
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "InvalidAuthenticationToken");
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("audience")
    );

    // A deleted machine's principal is gone: its token no longer authenticates, its role
    // assignments stay (as in Azure) and are listed.
    let r = h.arm(Method::DELETE, &vm, API, None).await;
    assert_eq!(r.status, 202);
    let r = h.arm_as(&token, Method::GET, &rg, "2022-09-01", None).await;
    assert_eq!(r.status, 401);
    let list = h
        .arm(
            Method::GET,
            &format!("{rg}/providers/Microsoft.Authorization/roleAssignments"),
            AUTHZ,
            None,
        )
        .await;
    let mine = list.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["properties"]["principalId"] == oid)
        .count();
    assert_eq!(mine, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linking_user_identities_needs_assign_action() {
    let h = start().await;
    h.create_rg("rg").await;
    h.create_rg("ids").await;
    h.create_uai("ids", "id1").await;
    h.create_uai("ids", "id2").await;
    let (oid, token) = machine_caller(&h, "rg", "operator").await;
    h.create_vm("rg", "target", Some(json!({"type": "SystemAssigned"})))
        .await;
    let target = h.vm_path("rg", "target");
    h.grant(&h.rg_path("rg"), VM_CONTRIBUTOR, &oid).await;
    let id1 = h.uai_id("ids", "id1");
    let id2 = h.uai_id("ids", "id2");
    let add_both = json!({"identity": {"type": "SystemAssigned, UserAssigned",
        "userAssignedIdentities": {&id1: {}, &id2: {}}}});

    let before = h.arm(Method::GET, &target, API, None).await;
    let r = h
        .arm_as(&token, Method::PATCH, &target, API, Some(&add_both))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(r.code(), "LinkedAuthorizationFailed");
    assert_eq!(r.header("x-ms-failure-cause"), Some("gateway"));
    let lower = |id: &str| id.replace("/resourceGroups/", "/resourcegroups/");
    assert_eq!(
        r.body["error"]["message"],
        format!(
            "The client '{oid}' with object id '{oid}' has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope '{target}'; however, it does not have permission to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) '{},{}' or the linked scope(s) are invalid.",
            lower(&id1),
            lower(&id2)
        )
    );
    let unchanged = h.arm(Method::GET, &target, API, None).await;
    assert_eq!(unchanged.body, before.body, "a 403 changes nothing");

    // Operator on one identity: the other is still refused.
    let op1 = h.grant(&id1, MI_OPERATOR, &oid).await;
    let r = h
        .arm_as(&token, Method::PATCH, &target, API, Some(&add_both))
        .await;
    assert_eq!(r.status, 403);
    let message = r.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("linked scope(s) '{}'", lower(&id2))),
        "{message}"
    );

    // The same through a full PUT (any api-version, identityIds included).
    let r = h
        .arm_as(
            &token,
            Method::PUT,
            &target,
            "2017-12-01",
            Some(
                &json!({"location": "westus", "identity": {"type": "SystemAssigned, UserAssigned",
                "identityIds": [&id2]}}),
            ),
        )
        .await;
    assert_eq!(r.code(), "LinkedAuthorizationFailed");

    // With Operator on the group of identities, both link.
    h.grant(&h.rg_path("ids"), MI_OPERATOR, &oid).await;
    let r = h
        .arm_as(&token, Method::PATCH, &target, API, Some(&add_both))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Removing needs only the write permission.
    let list = h
        .arm(
            Method::GET,
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments",
                h.rg_path("ids")
            ),
            AUTHZ,
            None,
        )
        .await;
    for a in list.body["value"].as_array().unwrap() {
        if a["properties"]["principalId"] == oid {
            let r = h
                .arm(Method::DELETE, a["id"].as_str().unwrap(), AUTHZ, None)
                .await;
            assert_eq!(r.status, 200);
        }
    }
    let r = h
        .arm(
            Method::DELETE,
            op1.body["id"].as_str().unwrap(),
            AUTHZ,
            None,
        )
        .await;
    assert_eq!(
        r.status, 204,
        "already removed with the identity scope listing"
    );
    let r = h
        .arm_as(
            &token,
            Method::PATCH,
            &target,
            API,
            Some(&json!({"identity": {"type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {id1.to_ascii_lowercase(): null}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = h
        .arm_as(
            &token,
            Method::PATCH,
            &target,
            API,
            Some(&json!({"identity": {"type": "SystemAssigned"}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body["identity"].get("userAssignedIdentities").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignment_api() {
    let h = start().await;
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let principal = uai["properties"]["principalId"].as_str().unwrap();
    let rg = h.rg_path("rg");
    let name = "88888888-0000-0000-0000-000000000001";
    let path = format!("{rg}/providers/Microsoft.Authorization/roleAssignments/{name}");
    let body = json!({"properties": {
        "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{READER}", uuid::Uuid::new_v4()),
        "principalId": principal}});

    let r = h.arm(Method::PUT, &path, AUTHZ, Some(&body)).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let p = &r.body["properties"];
    assert_eq!(
        p["roleDefinitionId"],
        format!(
            "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            h.sub()
        ),
        "answered under the scope's subscription"
    );
    assert_eq!(p["principalId"], principal);
    assert_eq!(p["principalType"], "ServicePrincipal");
    assert_eq!(p["scope"], rg);
    assert_eq!(p["createdBy"], Value::Null);
    assert!(p["updatedBy"].is_string());
    assert!(p["createdOn"].as_str().unwrap().ends_with('Z'));
    let keys: Vec<&String> = p.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "roleDefinitionId",
            "principalId",
            "principalType",
            "scope",
            "condition",
            "conditionVersion",
            "createdOn",
            "updatedOn",
            "createdBy",
            "updatedBy",
            "delegatedManagedIdentityResourceId",
            "description"
        ]
    );
    assert_eq!(r.body["id"], path);
    assert_eq!(r.body["type"], "Microsoft.Authorization/roleAssignments");
    assert_eq!(r.body["name"], name);

    // The old shape.
    let old = h.arm(Method::GET, &path, "2015-07-01", None).await;
    assert_eq!(old.status, 200);
    let keys: Vec<&String> = old.body["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "roleDefinitionId",
            "principalId",
            "scope",
            "createdOn",
            "updatedOn",
            "createdBy",
            "updatedBy"
        ]
    );
    assert!(old.body["properties"]["createdBy"].is_string());

    // Retrying the same PUT is harmless; the same grant under another name conflicts.
    let again = h.arm(Method::PUT, &path, AUTHZ, Some(&body)).await;
    assert_eq!(again.status, 201);
    let other = format!(
        "{rg}/providers/Microsoft.Authorization/roleAssignments/{}",
        uuid::Uuid::new_v4()
    );
    let dup = h.arm(Method::PUT, &other, AUTHZ, Some(&body)).await;
    assert_eq!(dup.status, 409);
    assert_eq!(dup.code(), "RoleAssignmentExists");
    assert_eq!(
        dup.body["error"]["message"],
        "The role assignment already exists."
    );

    // Unknown principal, role, name.
    let ghost = "40d149c0-4e57-49b1-941c-a70915dc9b3e";
    let mut bad = body.clone();
    bad["properties"]["principalId"] = json!(ghost);
    let r = h.arm(Method::PUT, &other, AUTHZ, Some(&bad)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.code(), "PrincipalNotFound");
    assert_eq!(
        r.body["error"]["message"],
        format!(
            "Principal 40d149c04e5749b1941ca70915dc9b3e does not exist in the directory {}.",
            h.emu.tenant_id()
        )
    );
    let mut bad = body.clone();
    bad["properties"]["roleDefinitionId"] = json!(format!(
        "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{}",
        h.sub(),
        uuid::Uuid::new_v4()
    ));
    let r = h.arm(Method::PUT, &other, AUTHZ, Some(&bad)).await;
    assert_eq!(r.code(), "RoleDefinitionDoesNotExist");
    let r = h
        .arm(
            Method::PUT,
            &format!("{rg}/providers/Microsoft.Authorization/roleAssignments/not-a-guid"),
            AUTHZ,
            Some(&body),
        )
        .await;
    assert_eq!(r.status, 400);
    let mut bad = body.clone();
    bad["properties"]["principalType"] = json!("User");
    let r = h.arm(Method::PUT, &other, AUTHZ, Some(&bad)).await;
    assert_eq!(r.code(), "UnmatchedPrincipalType");
    let r = h
        .arm(
            Method::PUT,
            &format!(
                "{}/providers/Microsoft.Authorization/roleAssignments/{}",
                h.rg_path("missing"),
                uuid::Uuid::new_v4()
            ),
            AUTHZ,
            Some(&body),
        )
        .await;
    assert_eq!(r.code(), "ResourceGroupNotFound");

    // A grant on the identity itself (resource scope), for listing below the group.
    let uai_path = h.uai_path("rg", "id1");
    let below = h.grant(&uai_path, CONTRIBUTOR, principal).await;

    let list = |scope: String, filter: Option<String>| {
        let h = &h;
        async move {
            let mut url = format!(
                "{}{scope}/providers/Microsoft.Authorization/roleAssignments?api-version={AUTHZ}",
                h.emu.endpoint()
            );
            if let Some(f) = filter {
                url.push_str(&format!("&$filter={}", urlencode(&f)));
            }
            let r = h.send(Method::GET, &url, &[], None).await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            r.body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect::<Vec<String>>()
        }
    };
    let sub_scope = format!("/subscriptions/{}", h.sub());
    let owner_names = list(sub_scope.clone(), Some("atScope()".into())).await;
    assert_eq!(
        owner_names.len(),
        1,
        "only the admin's Owner assignment is at the subscription"
    );
    let below_name = below.body["name"].as_str().unwrap().to_string();
    // At the group: the subscription's (above), the group's, the identity's (below).
    let at_rg = list(rg.clone(), None).await;
    assert_eq!(
        at_rg,
        [owner_names[0].clone(), name.to_string(), below_name.clone()]
    );
    let at_rg_only = list(rg.clone(), Some("atScope()".into())).await;
    assert_eq!(at_rg_only, [owner_names[0].clone(), name.to_string()]);
    let for_principal = list(rg.clone(), Some(format!("principalId eq '{principal}'"))).await;
    assert_eq!(for_principal, [name.to_string(), below_name.clone()]);
    let both = list(
        rg.clone(),
        Some(format!("atScope() and principalId eq '{principal}'")),
    )
    .await;
    assert_eq!(both, [name.to_string()]);
    let at_uai = list(uai_path.clone(), Some("atScope()".into())).await;
    assert_eq!(at_uai.len(), 3);

    // GET and DELETE by name.
    let got = h.arm(Method::GET, &path, AUTHZ, None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["properties"]["principalId"], principal);
    let wrong_scope = h
        .arm(
            Method::GET,
            &format!("{sub_scope}/providers/Microsoft.Authorization/roleAssignments/{name}"),
            AUTHZ,
            None,
        )
        .await;
    assert_eq!(wrong_scope.status, 404);
    let deleted = h.arm(Method::DELETE, &path, AUTHZ, None).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["name"], name);
    assert_eq!(h.arm(Method::DELETE, &path, AUTHZ, None).await.status, 204);
    assert_eq!(h.arm(Method::GET, &path, AUTHZ, None).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_definitions() {
    let h = start().await;
    h.create_rg("rg").await;
    let defs = format!(
        "{}/providers/Microsoft.Authorization/roleDefinitions",
        h.rg_path("rg")
    );
    let url = |api: &str, filter: &str| {
        format!(
            "{}{defs}?api-version={api}&$filter={}",
            h.emu.endpoint(),
            urlencode(filter)
        )
    };
    let r = h
        .send(
            Method::GET,
            &url("2022-04-01", "roleName eq 'reader'"),
            &[],
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let value = r.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    let reader = &value[0];
    assert_eq!(
        reader["id"],
        format!(
            "/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
            h.sub()
        )
    );
    assert_eq!(reader["name"], READER);
    assert_eq!(reader["type"], "Microsoft.Authorization/roleDefinitions");
    assert_eq!(reader["properties"]["roleName"], "Reader");
    assert_eq!(reader["properties"]["type"], "BuiltInRole");
    assert_eq!(
        reader["properties"]["permissions"],
        json!([{"actions": ["*/read"], "notActions": [], "dataActions": [], "notDataActions": []}])
    );
    let old = h
        .send(
            Method::GET,
            &url("2015-07-01", "roleName eq 'Contributor'"),
            &[],
            None,
        )
        .await;
    let contributor = &old.body["value"][0];
    assert_eq!(contributor["name"], CONTRIBUTOR);
    assert!(
        contributor["properties"]["permissions"][0]
            .get("dataActions")
            .is_none()
    );
    let not_actions = contributor["properties"]["permissions"][0]["notActions"]
        .as_array()
        .unwrap();
    assert!(not_actions.contains(&json!("Microsoft.Authorization/*/Write")));

    let all = h.arm(Method::GET, &defs, "2022-04-01", None).await;
    let names: Vec<&str> = all.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["properties"]["roleName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Owner",
            "Contributor",
            "Reader",
            "Virtual Machine Contributor",
            "Managed Identity Operator",
            "Managed Identity Contributor"
        ]
    );
    let one = h
        .arm(
            Method::GET,
            &format!("{defs}/{MI_OPERATOR}"),
            "2022-04-01",
            None,
        )
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(
        one.body["properties"]["roleName"],
        "Managed Identity Operator"
    );
    let missing = h
        .arm(
            Method::GET,
            &format!("{defs}/{}", uuid::Uuid::new_v4()),
            "2022-04-01",
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "RoleDefinitionDoesNotExist");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn minted_test_tokens_expire() {
    let h = start().await;
    h.create_rg("rg").await;
    let (oid, _) = machine_caller(&h, "rg", "vm1").await;
    h.grant(&h.rg_path("rg"), READER, &oid).await;
    let fresh = h.emu.mint_test_token(&oid, ARM, 600).unwrap();
    let c = claims(&fresh);
    assert_eq!(
        (c["oid"].as_str(), c["appidacr"].as_str()),
        (Some(oid.as_str()), Some("2"))
    );
    let r = h
        .arm_as(&fresh, Method::GET, &h.rg_path("rg"), "2022-09-01", None)
        .await;
    assert_eq!(r.status, 200);
    let expired = h.emu.mint_test_token(&oid, ARM, -3600).unwrap();
    let r = h
        .arm_as(&expired, Method::GET, &h.rg_path("rg"), "2022-09-01", None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.code(), "ExpiredAuthenticationToken");
    let e = h
        .emu
        .mint_test_token(&uuid::Uuid::new_v4().to_string(), ARM, 600)
        .unwrap_err();
    assert_eq!(e.kind(), msi_emulator::ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforcement_can_be_turned_off() {
    let h = start_with(Config {
        enforce_rbac: false,
        ..Config::default()
    })
    .await;
    h.create_rg("rg").await;
    let (_, token) = machine_caller(&h, "rg", "vm1").await;
    let r = h
        .arm_as(
            &token,
            Method::PATCH,
            &h.vm_path("rg", "vm1"),
            API,
            Some(&json!({"tags": {"a": "b"}})),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignments_and_system_client_ids_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..Config::default()
    };
    let h = start_with(config()).await;
    h.create_rg("rg").await;
    let (oid, _) = machine_caller(&h, "rg", "vm1").await;
    let vm = h.vm_path("rg", "vm1");
    let granted = h.grant(&h.rg_path("rg"), READER, &oid).await;
    let client_before = h.imds_token(&vm, "", ARM).await["client_id"].clone();
    let default_path = format!("{vm}/providers/Microsoft.ManagedIdentity/identities/default");
    let default_before = h.arm(Method::GET, &default_path, "2023-01-31", None).await;
    assert_eq!(default_before.body["properties"]["clientId"], client_before);
    let sub = h.sub().to_string();
    h.emu.shutdown().await;

    let emu = Emulator::start(config()).await.unwrap();
    let http = client_for(&emu);
    let token = get_token(&http, &emu, emu.admin_client_secret()).await;
    let h = Harness { emu, http, token };
    assert_eq!(h.sub(), sub);
    let got = h
        .arm(
            Method::GET,
            granted.body["id"].as_str().unwrap(),
            AUTHZ,
            None,
        )
        .await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["properties"]["principalId"], oid);
    let at_sub = h
        .send(
            Method::GET,
            &format!(
                "{}/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments?api-version={AUTHZ}&$filter=atScope()",
                h.emu.endpoint()
            ),
            &[],
            None,
        )
        .await;
    assert_eq!(
        at_sub.body["value"].as_array().unwrap().len(),
        1,
        "the admin's Owner assignment is made once"
    );
    let t = h.imds_token(&vm, "", ARM).await;
    assert_eq!(t["client_id"], client_before);
    let default_after = h.arm(Method::GET, &default_path, "2023-01-31", None).await;
    assert_eq!(default_after.body["properties"]["clientId"], client_before);
    // The restored machine's token still works, with its grant.
    let r = h
        .arm_as(
            t["access_token"].as_str().unwrap(),
            Method::GET,
            &vm,
            API,
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    h.emu.shutdown().await;
}

/// Principals and role assignments are cached per caller (`state::access`): every grant, revocation
/// and deleted identity still counts from the next request on, however often the caller asked before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_follows_each_change_from_the_next_request() {
    let h = start().await;
    h.create_rg("rg").await;
    let (oid, token) = machine_caller(&h, "rg", "caller").await;
    let vm = h.vm_path("rg", "caller");
    let get = || h.arm_as(&token, Method::GET, &vm, API, None);
    for _ in 0..3 {
        assert_eq!(get().await.status, 403);
    }
    let granted = h.grant(&h.rg_path("rg"), READER, &oid).await;
    for _ in 0..3 {
        assert_eq!(get().await.status, 200);
    }
    let assignment = granted.body["id"].as_str().unwrap().to_string();
    let r = h.arm(Method::DELETE, &assignment, AUTHZ, None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = get().await;
    assert_eq!(r.status, 403, "a revoked role still counted: {:?}", r.body);

    h.grant(&h.rg_path("rg"), READER, &oid).await;
    assert_eq!(get().await.status, 200);
    // Turning the system identity off deletes its principal: its token no longer names anyone.
    let r = h
        .arm(
            Method::PATCH,
            &vm,
            API,
            Some(&json!({"identity": {"type": "None"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = get().await;
    assert_eq!(r.status, 401, "{:?}", r.body);
    assert_eq!(r.code(), "InvalidAuthenticationToken");
}
