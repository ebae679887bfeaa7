//! The Microsoft Graph subset over real HTTPS (issue 12 finding 3): what `az role assignment create
//! --assignee` and `az role assignment list --assignee` ask (`getByIds`, `servicePrincipals?$filter`),
//! Graph's own token audience and error envelope, and the cloud metadata that points az at it.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn token_for(h: &Harness, scope: &str) -> String {
    let r = token_request(
        &h.http,
        &h.emu,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", h.emu.admin_client_id()),
            ("client_secret", h.emu.admin_client_secret()),
            ("scope", scope),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

async fn graph(
    h: &Harness,
    token: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Reply {
    let url = format!("{}/v1.0{path}", h.emu.endpoint());
    h.send_as(token, method, &url, &[], body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_principals_of_the_admin_and_the_managed_identities() {
    let h = start().await;
    let token = token_for(&h, "https://graph.microsoft.com/.default").await;
    assert_eq!(claims(&token)["aud"], "https://graph.microsoft.com");
    h.create_rg("rg").await;
    let uai = h.create_uai("rg", "id1").await;
    let uai_id = uai["id"].as_str().unwrap().to_string();
    let vm = h
        .create_vm(
            "rg",
            "vm1",
            Some(json!({"type": "SystemAssigned, UserAssigned",
            "userAssignedIdentities": {uai_id.clone(): {}}})),
        )
        .await;
    let system = vm["identity"]["principalId"].as_str().unwrap().to_string();
    let user = uai["properties"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let admin_app = h.emu.admin_client_id().to_string();

    // az role assignment create --assignee <appId>: servicePrincipalNames/any(...).
    let filter = format!("servicePrincipalNames/any(c:c eq '{admin_app}')");
    let r = graph(
        &h,
        &token,
        Method::GET,
        &format!("/servicePrincipals?$filter={}", urlencode(&filter)),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let value = r.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 1);
    assert_eq!(value[0]["appId"], admin_app);
    assert_eq!(value[0]["servicePrincipalType"], "Application");
    let admin_oid = value[0]["id"].as_str().unwrap().to_string();

    // getByIds: the principal type of each id.
    let r = graph(
        &h,
        &token,
        Method::POST,
        "/directoryObjects/getByIds",
        Some(&json!({
        "ids": [system, user, admin_oid, "00000000-0000-0000-0000-000000000000"],
        "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]})),
    )
    .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let value = r.body["value"].as_array().unwrap();
    assert_eq!(value.len(), 3);
    assert!(
        value
            .iter()
            .all(|v| v["@odata.type"] == "#microsoft.graph.servicePrincipal")
    );
    assert_eq!(value[0]["servicePrincipalType"], "ManagedIdentity");
    assert_eq!(value[0]["alternativeNames"][0], "isExplicit=False");
    assert_eq!(
        value[1]["alternativeNames"],
        json!(["isExplicit=True", uai_id])
    );
    assert_eq!(value[1]["appId"], uai["properties"]["clientId"]);
    let none = graph(
        &h,
        &token,
        Method::POST,
        "/directoryObjects/getByIds",
        Some(&json!({
        "ids": [system], "types": ["user"]})),
    )
    .await;
    assert_eq!(none.body["value"], json!([]));

    // By id, by appId, and the alternate key.
    let one = graph(
        &h,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{system}"),
        None,
    )
    .await;
    assert_eq!(one.body["displayName"], "vm1");
    assert!(
        one.body["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("#servicePrincipals/$entity")
    );
    let client = uai["properties"]["clientId"].as_str().unwrap();
    let by_app = graph(
        &h,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals?$filter={}",
            urlencode(&format!("appId eq '{client}'"))
        ),
        None,
    )
    .await;
    assert_eq!(by_app.body["value"][0]["id"], user);
    let by_id = graph(
        &h,
        &token,
        Method::GET,
        &format!(
            "/servicePrincipals?$filter={}",
            urlencode(&format!("id eq '{user}'"))
        ),
        None,
    )
    .await;
    assert_eq!(by_id.body["value"].as_array().unwrap().len(), 1);
    let alt = graph(
        &h,
        &token,
        Method::GET,
        &format!("/servicePrincipals(appId='{client}')"),
        None,
    )
    .await;
    assert_eq!(alt.body["id"], user);

    // Graph's errors.
    let missing = graph(
        &h,
        &token,
        Method::GET,
        "/servicePrincipals/11111111-1111-1111-1111-111111111111",
        None,
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["code"], "Request_ResourceNotFound");
    assert!(missing.body["error"]["innerError"]["request-id"].is_string());
    let bad = graph(
        &h,
        &token,
        Method::GET,
        "/servicePrincipals?$filter=appId%20ne%20'x'",
        None,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error"]["code"], "Request_UnsupportedQuery");
    let junk = graph(
        &h,
        &token,
        Method::POST,
        "/directoryObjects/getByIds",
        Some(&json!({"ids": 3})),
    )
    .await;
    assert_eq!(junk.status, 400);

    // Deleting the identity removes its service principal.
    h.arm(Method::DELETE, &h.uai_path("rg", "id1"), "2023-01-31", None)
        .await;
    let gone = graph(
        &h,
        &token,
        Method::GET,
        &format!("/servicePrincipals/{user}"),
        None,
    )
    .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_has_its_own_audience_and_is_named_in_the_metadata() {
    let h = start().await;
    let graph_token = token_for(&h, "https://graph.microsoft.com/.default").await;
    // An ARM token is not a Graph token, and a Graph token is not an ARM token.
    let arm_token = token_for(&h, "https://management.azure.com/.default").await;
    let r = graph(&h, &arm_token, Method::GET, "/servicePrincipals", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"]["code"], "InvalidAuthenticationToken");
    let r = graph(&h, "", Method::GET, "/servicePrincipals", None).await;
    assert_eq!(r.status, 401);
    let arm = h
        .arm_as(
            &graph_token,
            Method::GET,
            &format!("/subscriptions/{}", h.sub()),
            "2022-12-01",
            None,
        )
        .await;
    assert_eq!(arm.status, 401);

    // The cloud metadata names the emulator as Microsoft Graph; az asks tokens for that resource.
    let meta: Value = h
        .http
        .get(format!(
            "{}/metadata/endpoints?api-version=2022-09-01",
            h.emu.endpoint()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let resource = meta["microsoftGraphResourceId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(resource, format!("{}/", h.emu.endpoint()));
    let az_token = token_for(&h, &format!("{resource}.default")).await;
    let list = graph(&h, &az_token, Method::GET, "/servicePrincipals", None).await;
    assert_eq!(list.status, 200);
    assert!(!list.body["value"].as_array().unwrap().is_empty());
}
