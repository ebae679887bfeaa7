//! The machines' token endpoints over real HTTP: IMDS, the legacy MSI extension (per-VM path and its
//! own port), the App Service style endpoint; tokens verified against the JWKS.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use msi_emulator::ErrorKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ARM: &str = "https://management.azure.com/";

fn token_url(base: &str, query: &str) -> String {
    format!("{base}/metadata/identity/oauth2/token?{query}")
}

async fn imds_get(base: &str, query: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
    let (s, _, b) = get_json(&plain_client(), &token_url(base, query), headers).await;
    (s, b)
}

const MD: &[(&str, &str)] = &[("Metadata", "true")];

fn q(extra: &str) -> String {
    let mut s = format!("api-version=2018-02-01&resource={}", urlencode(ARM));
    if !extra.is_empty() {
        s.push('&');
        s.push_str(extra);
    }
    s
}

/// A group with two user-assigned identities and a VM with a system identity and `id1`.
async fn setup() -> (Harness, Value, Value, Value) {
    let h = start().await;
    h.create_rg("rg").await;
    let id1 = h.create_uai("rg", "id1").await;
    let id2 = h.create_uai("rg", "id2").await;
    let vm = h
        .create_vm(
            "rg",
            "vm1",
            Some(json!({"type": "SystemAssigned, UserAssigned",
                "userAssignedIdentities": {h.uai_id("rg", "id1"): {}}})),
        )
        .await;
    (h, vm, id1, id2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_issues_tokens_for_the_machines_own_identities() {
    let (h, vm, id1, _) = setup().await;
    let vm_path = h.vm_path("rg", "vm1");
    let base = h.emu.imds_base_url(&vm_path, None).unwrap();
    let vm_id = vm["properties"]["vmId"].as_str().unwrap();
    assert_eq!(
        base,
        format!("http://127.0.0.1:{}/vm/{vm_id}", h.emu.imds_port())
    );
    assert_eq!(
        h.emu
            .imds_base_url(
                &vm_path
                    .to_ascii_uppercase()
                    .replace("SUBSCRIPTIONS", "subscriptions"),
                None
            )
            .unwrap(),
        base,
        "ids match case-insensitively"
    );
    let system_principal = vm["identity"]["principalId"].as_str().unwrap();
    let default = h
        .arm(
            Method::GET,
            &format!("{vm_path}/providers/Microsoft.ManagedIdentity/identities/default"),
            "2023-01-31",
            None,
        )
        .await;
    let system_client = default.body["properties"]["clientId"].as_str().unwrap();

    // System-assigned: no selector.
    let (status, t) = imds_get(&base, &q(""), MD).await;
    assert_eq!(status, 200, "{t}");
    for k in [
        "access_token",
        "client_id",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "refresh_token",
        "resource",
        "token_type",
    ] {
        assert!(t[k].is_string(), "{k} is a string: {t}");
    }
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["refresh_token"], "");
    assert_eq!(t["resource"], ARM);
    assert_eq!(t["expires_in"], "86399");
    assert_eq!(t["client_id"], system_client);
    let c = claims(t["access_token"].as_str().unwrap());
    assert_eq!(c["oid"], system_principal);
    assert_eq!(c["sub"], system_principal);
    assert_eq!(c["appid"], system_client);
    assert_eq!(c["appidacr"], "2");
    assert_eq!(c["idtyp"], "app");
    assert_eq!(c["ver"], "1.0");
    assert_eq!(c["aud"], ARM);
    assert_eq!(c["tid"], h.emu.tenant_id());
    assert_eq!(
        c["iss"],
        format!("https://sts.windows.net/{}/", h.emu.tenant_id())
    );
    assert_eq!(
        c["xms_mirid"],
        format!(
            "/subscriptions/{}/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
            h.sub()
        )
    );
    assert!(c["uti"].is_string());
    let exp = c["exp"].as_i64().unwrap();
    assert_eq!(t["expires_on"], exp.to_string());
    assert_eq!(t["not_before"], c["nbf"].as_i64().unwrap().to_string());
    assert_eq!(exp - c["iat"].as_i64().unwrap(), 86400);

    // User-assigned, by each selector.
    let uai_client = id1["properties"]["clientId"].as_str().unwrap();
    let uai_principal = id1["properties"]["principalId"].as_str().unwrap();
    let uai_id = h.uai_id("rg", "id1");
    for selector in [
        format!("client_id={uai_client}"),
        format!("object_id={uai_principal}"),
        format!("msi_res_id={}", urlencode(&uai_id)),
        format!("msi_res_id={}", urlencode(&uai_id.to_ascii_lowercase())),
    ] {
        let (status, t) = imds_get(&base, &q(&selector), MD).await;
        assert_eq!(status, 200, "{selector}: {t}");
        assert_eq!(t["client_id"], uai_client);
        let c = claims(t["access_token"].as_str().unwrap());
        assert_eq!(c["oid"], uai_principal);
        assert_eq!(c["appid"], uai_client);
        assert_eq!(
            c["xms_mirid"],
            format!(
                "/subscriptions/{}/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1",
                h.sub()
            )
        );
    }
    // The system identity by its own client id / object id.
    let (status, t) = imds_get(&base, &q(&format!("client_id={system_client}")), MD).await;
    assert_eq!(status, 200);
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["oid"],
        system_principal
    );

    // Another audience is issued as asked.
    let (status, t) = imds_get(
        &base,
        &format!(
            "api-version=2019-08-01&resource={}",
            urlencode("https://vault.azure.net")
        ),
        MD,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["aud"],
        "https://vault.azure.net"
    );

    // /metadata/identity/info
    let (status, _, info) = get_json(
        &plain_client(),
        &format!("{base}/metadata/identity/info?api-version=2018-02-01"),
        MD,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(info, json!({"tenantId": h.emu.tenant_id()}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_refuses_with_distinct_errors() {
    let (h, _, _, id2) = setup().await;
    let vm_path = h.vm_path("rg", "vm1");
    let base = h.emu.imds_base_url(&vm_path, None).unwrap();
    let invalid = |b: &Value| b["error"].as_str().unwrap_or("").to_string();
    let desc = |b: &Value| b["error_description"].as_str().unwrap_or("").to_string();

    let (s, b) = imds_get(&base, &q(""), &[]).await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    assert_eq!(desc(&b), "Required metadata header not specified");
    let (s, b) = imds_get(&base, &q(""), &[("Metadata", "false")]).await;
    assert_eq!(s, 400);
    assert_eq!(desc(&b), "Required metadata header not specified");

    let (s, b) = imds_get(
        &base,
        &q(""),
        &[("Metadata", "true"), ("X-Forwarded-For", "10.0.0.1")],
    )
    .await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    let xff = desc(&b);
    assert!(xff.contains("X-Forwarded-For"), "{xff}");

    for query in [
        format!("resource={}", urlencode(ARM)),
        format!("api-version=2017-12-01&resource={}", urlencode(ARM)),
        format!("api-version=latest&resource={}", urlencode(ARM)),
    ] {
        let (s, b) = imds_get(&base, &query, MD).await;
        assert_eq!(s, 400, "{query}");
        assert_eq!(
            b,
            json!({"error": "Bad request. api-version is invalid or was not specified in the request. For more information refer to aka.ms/azureimds",
                   "newest-versions": ["2025-04-07", "2024-07-17", "2024-03-15"]})
        );
    }

    let (s, b) = imds_get(&base, "api-version=2018-02-01", MD).await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    assert_eq!(desc(&b), "Required audience parameter not specified");

    let (s, b) = imds_get(&base, &q("client_id=a&object_id=b"), MD).await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    assert!(desc(&b).starts_with("Only one of client_id"), "{b}");

    let not_found = json!({"error": "invalid_request", "error_description": "Identity not found"});
    // Unknown ids, and an identity that exists but is not assigned to this VM.
    let id2_client = id2["properties"]["clientId"].as_str().unwrap();
    for selector in [
        format!("client_id={}", uuid::Uuid::new_v4()),
        format!("client_id={id2_client}"),
        format!(
            "object_id={}",
            id2["properties"]["principalId"].as_str().unwrap()
        ),
        format!("msi_res_id={}", urlencode(&h.uai_id("rg", "id2"))),
    ] {
        let (s, b) = imds_get(&base, &q(&selector), MD).await;
        assert_eq!((s.as_u16(), &b), (400, &not_found), "{selector}");
    }

    // No identity at all.
    h.create_vm("rg", "bare", None).await;
    let bare = h.emu.imds_base_url(&h.vm_path("rg", "bare"), None).unwrap();
    let (s, b) = imds_get(&bare, &q(""), MD).await;
    assert_eq!((s.as_u16(), &b), (400, &not_found));

    // One user-assigned identity and no system one: IMDS uses it.
    h.create_vm(
        "rg",
        "one",
        Some(
            json!({"type": "UserAssigned", "userAssignedIdentities": {h.uai_id("rg", "id2"): {}}}),
        ),
    )
    .await;
    let one = h.emu.imds_base_url(&h.vm_path("rg", "one"), None).unwrap();
    let (s, b) = imds_get(&one, &q(""), MD).await;
    assert_eq!(s, 200);
    assert_eq!(b["client_id"], id2_client);

    // Two user-assigned identities and no system one: ambiguous.
    h.create_vm(
        "rg",
        "two",
        Some(json!({"type": "UserAssigned", "userAssignedIdentities": {
            h.uai_id("rg", "id1"): {}, h.uai_id("rg", "id2"): {}}})),
    )
    .await;
    let two = h.emu.imds_base_url(&h.vm_path("rg", "two"), None).unwrap();
    let (s, b) = imds_get(&two, &q(""), MD).await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    assert_eq!(
        desc(&b),
        "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"
    );
    let (s, _) = imds_get(&two, &q(&format!("client_id={id2_client}")), MD).await;
    assert_eq!(s, 200);

    // Removing an identity from a VM makes it unusable there.
    let r = h
        .arm(
            Method::PATCH,
            &h.vm_path("rg", "two"),
            "2024-11-01",
            Some(&json!({"identity": {"type": "UserAssigned",
                "userAssignedIdentities": {h.uai_id("rg", "id2"): null}}})),
        )
        .await;
    assert_eq!(r.status, 200);
    let (s, b) = imds_get(&two, &q(&format!("client_id={id2_client}")), MD).await;
    assert_eq!((s.as_u16(), &b), (400, &not_found));

    // An identity deleted since it was assigned stays listed on the VM but yields no token.
    let r = h
        .arm(Method::DELETE, &h.uai_path("rg", "id2"), "2023-01-31", None)
        .await;
    assert_eq!(r.status, 200);
    let (s, b) = imds_get(&one, &q(""), MD).await;
    assert_eq!((s.as_u16(), &b), (400, &not_found));

    // A base URL of no machine.
    let ghost = format!("{}/vm/{}", h.emu.imds_endpoint(), uuid::Uuid::new_v4());
    let (s, b) = imds_get(&ghost, &q(""), MD).await;
    assert_eq!((s.as_u16(), invalid(&b)), (400, "invalid_request".into()));
    assert!(desc(&b).contains("no virtual machine"), "{b}");

    // After the VM is deleted its base URL answers the same.
    let r = h
        .arm(Method::DELETE, &h.vm_path("rg", "bare"), "2024-11-01", None)
        .await;
    assert_eq!(r.status, 202);
    let (s, b) = imds_get(&bare, &q(""), MD).await;
    assert_eq!(s, 400);
    assert!(desc(&b).contains("no virtual machine"), "{b}");
    let e = h
        .emu
        .imds_base_url(&h.vm_path("rg", "bare"), None)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = h.emu.imds_base_url("/not/an/id", None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = h
        .emu
        .imds_base_url(&h.vm_path("rg", "vm1"), Some(0))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dormant_identity_ids_of_the_2017_api_are_not_usable() {
    let h = start().await;
    h.create_rg("rg").await;
    h.create_uai("rg", "id1").await;
    let id1 = h.uai_id("rg", "id1");
    let vm = h.vm_path("rg", "vm1");
    let api = "2017-12-01";
    let r = h
        .arm(
            Method::PUT,
            &vm,
            api,
            Some(&json!({"location": "westus",
                "identity": {"type": "SystemAssigned, UserAssigned", "identityIds": [&id1]}})),
        )
        .await;
    assert!(r.status.is_success(), "{:?}", r.body);
    let base = h.emu.imds_base_url(&vm, None).unwrap();
    let (s, _) = imds_get(&base, &q(&format!("msi_res_id={}", urlencode(&id1))), MD).await;
    assert_eq!(s, 200);
    let r = h
        .arm(
            Method::PUT,
            &vm,
            api,
            Some(&json!({"location": "westus", "identity": {"type": "SystemAssigned"}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["identity"]["identityIds"], json!([id1]), "the quirk");
    let (s, b) = imds_get(&base, &q(&format!("msi_res_id={}", urlencode(&id1))), MD).await;
    assert_eq!(s, 400);
    assert_eq!(b["error_description"], "Identity not found");
    let (s, _) = imds_get(&base, &q(""), MD).await;
    assert_eq!(s, 200, "the system identity still works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_set_instances_have_the_scale_sets_identities() {
    let h = start().await;
    h.create_rg("rg").await;
    let vmss = h.vmss_path("rg", "ss");
    let r = h
        .arm(
            Method::PUT,
            &vmss,
            "2024-11-01",
            Some(
                &json!({"location": "westus", "sku": {"name": "Standard_B1s", "capacity": 2},
                "identity": {"type": "SystemAssigned"}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201);
    let unique = r.body["properties"]["uniqueId"]
        .as_str()
        .unwrap()
        .to_string();
    let principal = r.body["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let base0 = h.emu.imds_base_url(&vmss, None).unwrap();
    assert!(base0.ends_with(&format!("/vmss/{unique}/0")), "{base0}");
    let base1 = h.emu.imds_base_url(&vmss, Some(1)).unwrap();
    assert!(base1.ends_with(&format!("/vmss/{unique}/1")));
    assert_eq!(
        h.emu.imds_base_url(&vmss, Some(2)).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    for base in [&base0, &base1] {
        let (s, t) = imds_get(base, &q(""), MD).await;
        assert_eq!(s, 200);
        let c = claims(t["access_token"].as_str().unwrap());
        assert_eq!(c["oid"], principal);
        assert_eq!(
            c["xms_mirid"],
            format!(
                "/subscriptions/{}/resourcegroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/ss",
                h.sub()
            )
        );
    }
    let beyond = format!("{}/vmss/{unique}/7", h.emu.imds_endpoint());
    let (s, b) = imds_get(&beyond, &q(""), MD).await;
    assert_eq!(s, 400);
    assert!(
        b["error_description"]
            .as_str()
            .unwrap()
            .contains("instance 7")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_limits_requests_per_vm() {
    let (h, _, _, _) = setup().await;
    let base = h.emu.imds_base_url(&h.vm_path("rg", "vm1"), None).unwrap();
    let client = plain_client();
    let url = token_url(&base, &q(""));
    let requests = (0..30).map(|_| {
        let c = client.clone();
        let u = url.clone();
        async move {
            let r = c.get(u).header("Metadata", "true").send().await.unwrap();
            let retry = r
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap();
            (status, retry, body)
        }
    });
    let results = futures::future::join_all(requests).await;
    let ok = results.iter().filter(|(s, _, _)| *s == 200).count();
    let throttled: Vec<_> = results.iter().filter(|(s, _, _)| *s == 429).collect();
    assert!((5..=20).contains(&ok), "{ok} succeeded");
    assert_eq!(ok + throttled.len(), 30);
    let (_, retry, body) = throttled[0];
    assert_eq!(retry.as_deref(), Some("1"));
    assert_eq!(body["error"], "too_many_requests");

    // Another VM has its own budget.
    h.create_vm("rg", "vm2", Some(json!({"type": "SystemAssigned"})))
        .await;
    let other = h.emu.imds_base_url(&h.vm_path("rg", "vm2"), None).unwrap();
    let (s, _) = imds_get(&other, &q(""), MD).await;
    assert_eq!(s, 200);
    // The window is one second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, _) = imds_get(&base, &q(""), MD).await;
    assert_eq!(s, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_the_request_log_cover_the_token_endpoints() {
    let (h, vm, _, _) = setup().await;
    let vm_id = vm["properties"]["vmId"].as_str().unwrap();
    let base = h.emu.imds_base_url(&h.vm_path("rg", "vm1"), None).unwrap();
    let hook = |method: Method, path: &str, body: Option<Value>| {
        let mut req = h
            .http
            .request(method, format!("{}{path}", h.emu.endpoint()))
            .bearer_auth(&h.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    hook(Method::DELETE, "/_emulator/requests", None).await;
    for (status, error) in [
        (410, "service_unavailable"),
        (404, "not_found"),
        (500, "unknown"),
    ] {
        hook(
            Method::POST,
            "/_emulator/faults",
            Some(
                json!({"path_contains": format!("/vm/{vm_id}/metadata/identity/oauth2/token"),
                "status": status, "retry_after": 2}),
            ),
        )
        .await;
        let (s, hdrs, b) = get_json(&plain_client(), &token_url(&base, &q("")), MD).await;
        assert_eq!(s.as_u16(), status);
        assert_eq!(b["error"], error);
        assert_eq!(hdrs.get("retry-after").unwrap(), "2");
    }
    hook(
        Method::POST,
        "/_emulator/faults",
        Some(
            json!({"path_contains": "/metadata/identity/oauth2/token", "status": 429,
            "body": {"error": "too_many_requests", "error_description": "slow down"}}),
        ),
    )
    .await;
    let (s, b) = imds_get(&base, &q(""), MD).await;
    assert_eq!(
        (s.as_u16(), b["error_description"].as_str()),
        (429, Some("slow down"))
    );
    let (s, _) = imds_get(&base, &q(""), MD).await;
    assert_eq!(s, 200, "faults are consumed");
    let log = hook(
        Method::GET,
        &format!("/_emulator/requests?path_contains=/vm/{vm_id}/metadata"),
        None,
    )
    .await;
    assert_eq!(log["total"], 5);
    assert_eq!(log["counts"]["GET"], 5);

    let info = hook(Method::GET, "/_emulator/info", None).await;
    assert_eq!(info["imdsEndpoint"], h.emu.imds_endpoint());
    assert_eq!(info["enforceRbac"], true);
    let endpoints = hook(
        Method::GET,
        &format!(
            "/_emulator/identity-endpoints?resourceId={}",
            urlencode(&h.vm_path("rg", "vm1"))
        ),
        None,
    )
    .await;
    assert_eq!(endpoints["imdsBaseUrl"], base);
    assert!(
        endpoints["identityEndpoint"]
            .as_str()
            .unwrap()
            .ends_with("/msi/token")
    );
}

/// Checks an RS256 JWT against the JWKS found through OpenID discovery; returns its claims.
async fn verify_with_jwks(h: &Harness, token: &str) -> Value {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    use rsa::{BigUint, RsaPublicKey};

    let discovery = h
        .http
        .get(format!(
            "{}/{}/.well-known/openid-configuration",
            h.emu.endpoint(),
            h.emu.tenant_id()
        ))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let claims = claims(token);
    assert_eq!(discovery["issuer"], claims["iss"]);
    let jwks: Value = h
        .http
        .get(discovery["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the token's kid is in the JWKS");
    let b = |k: &str| {
        BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(key[k].as_str().unwrap()).unwrap())
    };
    let public = RsaPublicKey::new(b("n"), b("e")).unwrap();
    let verifier = VerifyingKey::<sha2::Sha256>::new(public);
    let signature =
        Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice()).unwrap();
    verifier
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies with the published key");
    let mut tampered = parts[1].to_string();
    tampered.push('A');
    assert!(
        verifier
            .verify(format!("{}.{tampered}", parts[0]).as_bytes(), &signature)
            .is_err()
    );
    claims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn machine_tokens_verify_against_the_jwks() {
    let (h, vm, _, _) = setup().await;
    let t = h.imds_token(&h.vm_path("rg", "vm1"), "", ARM).await;
    let c = verify_with_jwks(&h, t["access_token"].as_str().unwrap()).await;
    assert_eq!(c["oid"], vm["identity"]["principalId"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msi_extension_answers_while_the_extension_exists() {
    let (h, vm, id1, _) = setup().await;
    let vm_path = h.vm_path("rg", "vm1");
    let base = h.emu.imds_base_url(&vm_path, None).unwrap();
    let url = |query: &str| format!("{base}/oauth2/token?{query}");
    let resource = format!("resource={}", urlencode(ARM));

    let (s, _, b) = get_json(&plain_client(), &url(&resource), MD).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "unauthorized_client");

    // A free port for the extension's own listener.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ext = format!("{vm_path}/extensions/ManagedIdentityExtensionForLinux");
    let r = h
        .arm(
            Method::PUT,
            &ext,
            "2018-06-01",
            Some(&json!({"location": "westus", "properties": {
                "publisher": "Microsoft.ManagedIdentity", "type": "ManagedIdentityExtensionForLinux",
                "typeHandlerVersion": "1.0", "autoUpgradeMinorVersion": true,
                "settings": {"port": port}}})),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(
        h.emu.msi_extension_ports(),
        vec![(port, h.vm_path("rg", "vm1"))]
    );

    let system_client = {
        let t = h.imds_token(&vm_path, "", ARM).await;
        t["client_id"].as_str().unwrap().to_string()
    };
    let port_url = |query: &str| format!("http://127.0.0.1:{port}/oauth2/token?{query}");
    for u in [url(&resource), port_url(&resource)] {
        let (s, _, t) = get_json(&plain_client(), &u, MD).await;
        assert_eq!(s, 200, "{u}: {t}");
        for k in [
            "access_token",
            "refresh_token",
            "expires_in",
            "expires_on",
            "not_before",
            "resource",
            "token_type",
        ] {
            assert!(t[k].is_string(), "{k}: {t}");
        }
        assert_eq!(t["client_id"], system_client);
        assert_eq!(t["resource"], ARM);
        let c = claims(t["access_token"].as_str().unwrap());
        assert_eq!(c["oid"], vm["identity"]["principalId"]);
        // No Metadata header.
        let (s, _, b) = get_json(&plain_client(), &u, &[]).await;
        assert_eq!(s, 400);
        assert_eq!(b["error"], "bad_request_102");
        // A user-assigned identity by client id.
        let uai_client = id1["properties"]["clientId"].as_str().unwrap();
        let (s, _, t) = get_json(&plain_client(), &format!("{u}&client_id={uai_client}"), MD).await;
        assert_eq!(s, 200);
        assert_eq!(t["client_id"], uai_client);
    }
    let (s, _, b) = get_json(
        &plain_client(),
        &format!("http://127.0.0.1:{port}/metadata/identity/oauth2/token?{resource}"),
        MD,
    )
    .await;
    assert_eq!(s, 401);
    assert_eq!(b["error"], "unknown_source");

    let r = h.arm(Method::DELETE, &ext, "2018-06-01", None).await;
    assert_eq!(r.status, 202);
    let (s, _, b) = get_json(&plain_client(), &url(&resource), MD).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "unauthorized_client");
    // The port is closed by the time the DELETE is answered.
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "port {port} still accepts connections"
    );
    assert!(h.emu.msi_extension_ports().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msi_extension_ports_first_claim_wins_and_taken_ports_are_skipped() {
    let h = start().await;
    h.create_rg("rg").await;
    for vm in ["a", "b"] {
        h.create_vm("rg", vm, Some(json!({"type": "SystemAssigned"})))
            .await;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ext = |vm: &str| {
        format!(
            "{}/extensions/ManagedIdentityExtensionForWindows",
            h.vm_path("rg", vm)
        )
    };
    let body = json!({"location": "westus", "properties": {
        "publisher": "Microsoft.ManagedIdentity", "type": "ManagedIdentityExtensionForWindows",
        "typeHandlerVersion": "1.0", "settings": {"port": port}}});
    for vm in ["a", "b"] {
        let r = h
            .arm(Method::PUT, &ext(vm), "2024-11-01", Some(&body))
            .await;
        assert_eq!(r.status, 201);
    }
    let mirid = |vm: &str| {
        format!(
            "/subscriptions/{}/resourcegroups/rg/providers/Microsoft.Compute/virtualMachines/{vm}",
            h.sub()
        )
    };
    let via_port = || async {
        let (s, _, t) = get_json(
            &plain_client(),
            &format!(
                "http://127.0.0.1:{port}/oauth2/token?resource={}",
                urlencode(ARM)
            ),
            MD,
        )
        .await;
        assert_eq!(s, 200, "{t}");
        claims(t["access_token"].as_str().unwrap())["xms_mirid"].clone()
    };
    assert_eq!(via_port().await, mirid("a"));
    let r = h.arm(Method::DELETE, &ext("a"), "2024-11-01", None).await;
    assert_eq!(r.status, 202);
    assert_eq!(via_port().await, mirid("b"), "the next claimant takes over");

    // A port another process holds: the extension is created, the port is skipped.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_port = taken.local_addr().unwrap().port();
    let mut body2 = body.clone();
    body2["properties"]["settings"]["port"] = json!(taken_port);
    let r = h
        .arm(Method::PUT, &ext("a"), "2024-11-01", Some(&body2))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        h.emu.msi_extension_ports(),
        vec![(port, h.vm_path("rg", "b"))]
    );
    // The per-VM path still answers.
    let base = h.emu.imds_base_url(&h.vm_path("rg", "a"), None).unwrap();
    let (s, _, _) = get_json(
        &plain_client(),
        &format!("{base}/oauth2/token?resource={}", urlencode(ARM)),
        MD,
    )
    .await;
    assert_eq!(s, 200);
    drop(taken);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_service_endpoint_checks_its_secret() {
    let (h, vm, id1, _) = setup().await;
    let vm_path = h.vm_path("rg", "vm1");
    let (endpoint, secret) = h.emu.app_service_env(&vm_path).unwrap();
    let vm_id = vm["properties"]["vmId"].as_str().unwrap();
    assert_eq!(
        endpoint,
        format!("{}/vm/{vm_id}/msi/token", h.emu.imds_endpoint())
    );
    assert_eq!(h.emu.app_service_env(&vm_path).unwrap().1, secret, "stable");
    let url = |extra: &str| {
        format!(
            "{endpoint}?resource={}&api-version=2019-08-01{extra}",
            urlencode("https://vault.azure.net")
        )
    };
    let (s, _, t) = get_json(&plain_client(), &url(""), &[("X-IDENTITY-HEADER", &secret)]).await;
    assert_eq!(s, 200, "{t}");
    let keys: Vec<&String> = t.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_on",
            "resource",
            "token_type",
            "client_id"
        ]
    );
    assert!(t["expires_on"].is_string());
    assert_eq!(t["resource"], "https://vault.azure.net");
    let c = claims(t["access_token"].as_str().unwrap());
    assert_eq!(c["oid"], vm["identity"]["principalId"]);
    assert_eq!(c["aud"], "https://vault.azure.net");

    let uai_client = id1["properties"]["clientId"].as_str().unwrap();
    let uai_principal = id1["properties"]["principalId"].as_str().unwrap();
    for selector in [
        format!("&client_id={uai_client}"),
        format!("&principal_id={uai_principal}"),
        format!("&mi_res_id={}", urlencode(&h.uai_id("rg", "id1"))),
    ] {
        let (s, _, t) = get_json(
            &plain_client(),
            &url(&selector),
            &[("X-IDENTITY-HEADER", &secret)],
        )
        .await;
        assert_eq!(s, 200, "{selector}");
        assert_eq!(t["client_id"], uai_client);
    }

    for headers in [vec![], vec![("X-IDENTITY-HEADER", "wrong")]] {
        let (s, _, b) = get_json(&plain_client(), &url(""), &headers).await;
        assert_eq!(s, 401);
        assert_eq!(b["statusCode"], 401);
        assert!(!b.to_string().contains(&secret));
    }
    let (s, _, b) = get_json(
        &plain_client(),
        &format!("{endpoint}?resource=x&api-version=2017-09-01"),
        &[("X-IDENTITY-HEADER", &secret)],
    )
    .await;
    assert_eq!(s, 400, "{b}");

    // Only user-assigned identities and no selector: App Service does not guess.
    h.create_vm(
        "rg",
        "ua",
        Some(
            json!({"type": "UserAssigned", "userAssignedIdentities": {h.uai_id("rg", "id1"): {}}}),
        ),
    )
    .await;
    let (endpoint2, secret2) = h.emu.app_service_env(&h.vm_path("rg", "ua")).unwrap();
    assert_ne!(secret2, secret);
    let (s, _, b) = get_json(
        &plain_client(),
        &format!("{endpoint2}?resource=x&api-version=2019-08-01"),
        &[("X-IDENTITY-HEADER", &secret2)],
    )
    .await;
    assert_eq!(s, 400);
    assert_eq!(b["message"], "Unable to load the proper Managed Identity.");
    // One machine's secret does not open another's endpoint.
    let (s, _, _) = get_json(
        &plain_client(),
        &format!("{endpoint2}?resource=x&api-version=2019-08-01&client_id={uai_client}"),
        &[("X-IDENTITY-HEADER", &secret)],
    )
    .await;
    assert_eq!(s, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persisted_msi_extensions_reopen_their_ports() {
    let dir = tempfile::tempdir().unwrap();
    let config = || msi_emulator::Config {
        data_dir: Some(dir.path().to_path_buf()),
        ..msi_emulator::Config::default()
    };
    let h = start_with(config()).await;
    h.create_rg("rg").await;
    h.create_vm("rg", "vm1", Some(json!({"type": "SystemAssigned"})))
        .await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = h
        .arm(
            Method::PUT,
            &format!("{}/extensions/msi", h.vm_path("rg", "vm1")),
            "2024-11-01",
            Some(
                &json!({"properties": {"publisher": "Microsoft.ManagedIdentity",
                "type": "ManagedIdentityExtensionForLinux", "typeHandlerVersion": "1.0",
                "settings": {"port": port.to_string()}}}),
            ),
        )
        .await;
    assert_eq!(r.status, 201);
    let (endpoint, secret) = h.emu.app_service_env(&h.vm_path("rg", "vm1")).unwrap();
    h.emu.shutdown().await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "closed with the emulator"
    );

    let emu = msi_emulator::Emulator::start(config()).await.unwrap();
    assert_eq!(emu.msi_extension_ports().len(), 1);
    let (s, _, t) = get_json(
        &plain_client(),
        &format!(
            "http://127.0.0.1:{port}/oauth2/token?resource={}",
            urlencode(ARM)
        ),
        MD,
    )
    .await;
    assert_eq!(s, 200, "{t}");
    // The App Service secret persists too (the IMDS port itself may differ).
    let (endpoint2, secret2) = emu
        .app_service_env(&format!(
            "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
            emu.subscription_id()
        ))
        .unwrap();
    assert_eq!(secret2, secret);
    assert_eq!(
        endpoint2.split_once("/vm/").unwrap().1,
        endpoint.split_once("/vm/").unwrap().1
    );
    emu.shutdown().await;
}
