//! Using the identity: a process acting on a VM gets tokens from IMDS, the MSI extension or the App Service
//! endpoint, and ARM authorizes what it may do with them.

mod common;

use common::Env;
use msi_identity::managed_identity::{
    IdentitySelector, ImdsRetry, ManagedIdentityCredential, ManagedIdentitySource,
};
use msi_identity::{
    ArmClient, ClientOptions, ComputeKind, ComputeTarget, ErrorKind, HttpClient, IdentityChange,
    MsiExtension, MsiExtensionSpec, TokenCredential,
};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

const ARM: &str = "https://management.azure.com/.default";

fn fast_imds_retry() -> ImdsRetry {
    ImdsRetry {
        max_retries: 4,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        gone_delay: Duration::from_millis(20),
        gone_window: Duration::from_millis(500),
    }
}

fn mi(source: ManagedIdentitySource, selector: IdentitySelector) -> ManagedIdentityCredential {
    ManagedIdentityCredential::new(source, selector, HttpClient::new(None).unwrap())
        .unwrap()
        .with_retry(fast_imds_retry())
}

/// An ARM client that authenticates as `cred` (the managed identity).
fn arm_as(env: &Env, cred: Arc<dyn TokenCredential>) -> ArmClient {
    let mut o = ClientOptions::new(env.emu.endpoint(), env.sub());
    o.http = Some(env.http.clone());
    o.retry = common::fast_retry();
    ArmClient::new(cred, o).unwrap()
}

async fn vm_with_system_identity(env: &Env, rg: &str, name: &str) -> (ComputeTarget, String) {
    let t = ComputeTarget::new(env.sub(), rg, name, ComputeKind::VirtualMachine).unwrap();
    let r = env
        .client
        .create_compute(&t, common::model(ComputeKind::VirtualMachine), true, &[])
        .await
        .unwrap();
    (
        t,
        r["identity"]["principalId"].as_str().unwrap().to_string(),
    )
}

fn rg_scope(env: &Env, rg: &str) -> String {
    format!("/subscriptions/{}/resourceGroups/{rg}", env.sub())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vm_identity_reads_what_it_was_granted_and_nothing_more() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let (vm, principal) = vm_with_system_identity(&env, "app", "vm1").await;
    let base = env.emu.imds_base_url(&vm.path(), None).unwrap();

    // Before any grant: the token works, but ARM refuses the read.
    let cred = Arc::new(mi(
        ManagedIdentitySource::Imds {
            base_url: base.clone(),
        },
        IdentitySelector::SystemAssigned,
    ));
    let as_vm = arm_as(&env, cred.clone());
    let e = as_vm.get_resource_group("app").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Authorization, Some("AuthorizationFailed")),
        "{e}"
    );
    assert!(e.message().contains(&principal), "{e}");

    // The admin grants Reader on the group: reads work, writes are refused.
    let a = env
        .client
        .create_role_assignment(&rg_scope(&env, "app"), "Reader", &principal, None)
        .await
        .unwrap();
    assert!(
        a.role_definition_id
            .ends_with("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
        "{}",
        a.role_definition_id
    );
    assert_eq!(
        as_vm.get_resource_group("app").await.unwrap()["name"],
        "app"
    );
    assert!(as_vm.show_identity(&vm).await.unwrap().has_system());
    let e = as_vm
        .create_user_identity("app", "sneaky", None, None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (
            ErrorKind::Authorization,
            Some(403),
            Some("AuthorizationFailed")
        )
    );
    assert!(
        e.message()
            .contains("Microsoft.ManagedIdentity/userAssignedIdentities/write"),
        "{e}"
    );
    let e = as_vm
        .update_identity(
            &vm,
            &IdentityChange::Remove {
                system: true,
                user: vec![],
                all_user: false,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AuthorizationFailed"));
    assert!(
        env.client.show_identity(&vm).await.unwrap().has_system(),
        "a refused write changes nothing"
    );

    // The role assignment is listed and can be removed; then reads are refused again.
    let listed = env
        .client
        .list_role_assignments(Some(&rg_scope(&env, "app")), Some(&principal))
        .await
        .unwrap();
    assert!(listed.iter().any(|x| x.id == a.id));
    assert!(env.client.delete_role_assignment(&a.id).await.unwrap());
    let e = as_vm.get_resource_group("app").await.unwrap_err();
    assert_eq!(e.code(), Some("AuthorizationFailed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_msi_extension_endpoint_serves_tokens_only_while_the_extension_exists() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let (vm, principal) = vm_with_system_identity(&env, "app", "vm1").await;
    env.client
        .create_role_assignment(&rg_scope(&env, "app"), "Reader", &principal, None)
        .await
        .unwrap();
    let base = env.emu.imds_base_url(&vm.path(), None).unwrap();
    let port = free_port();

    // No extension yet: both the per-VM path and the port refuse.
    let per_vm = mi(
        ManagedIdentitySource::MsiExtension {
            base_url: base.clone(),
        },
        IdentitySelector::SystemAssigned,
    );
    assert!(per_vm.get_token(&[ARM]).await.is_err());

    let ext = MsiExtension::from_spec(&MsiExtensionSpec {
        extension_type: Some("ManagedIdentityExtensionForLinux".into()),
        port: Some(port.into()),
        ..Default::default()
    })
    .unwrap();
    env.client.set_msi_extension(&vm, &ext).await.unwrap();
    for base_url in [format!("http://127.0.0.1:{port}"), base.clone()] {
        let cred = Arc::new(mi(
            ManagedIdentitySource::MsiExtension { base_url },
            IdentitySelector::SystemAssigned,
        ));
        let as_vm = arm_as(&env, cred);
        assert_eq!(
            as_vm.get_resource_group("app").await.unwrap()["name"],
            "app"
        );
        let e = as_vm
            .create_user_identity("app", "nope-not-allowed", None, None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("AuthorizationFailed"));
    }

    // Removed: refused on both.
    assert!(env.client.delete_extension(&vm, &ext.name).await.unwrap());
    let on_port = mi(
        ManagedIdentitySource::MsiExtension {
            base_url: format!("http://127.0.0.1:{port}"),
        },
        IdentitySelector::SystemAssigned,
    );
    let e = on_port.get_token(&[ARM]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connection, "{e}");
    let per_vm = mi(
        ManagedIdentitySource::MsiExtension { base_url: base },
        IdentitySelector::SystemAssigned,
    );
    let e = per_vm.get_token(&[ARM]).await.unwrap_err();
    assert!(e.status().is_some_and(|s| (400..500).contains(&s)), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assigning_needs_managed_identity_operator_removing_does_not() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let uai = env
        .client
        .create_user_identity("app", "shared-id", None, None)
        .await
        .unwrap();
    let (target, _) = vm_with_system_identity(&env, "app", "target").await;
    // The operator is another VM's identity with Virtual Machine Contributor on the group.
    let (ops, ops_principal) = vm_with_system_identity(&env, "app", "ops").await;
    env.client
        .create_role_assignment(
            &rg_scope(&env, "app"),
            "Virtual Machine Contributor",
            &ops_principal,
            None,
        )
        .await
        .unwrap();
    let base = env.emu.imds_base_url(&ops.path(), None).unwrap();
    let as_ops = arm_as(
        &env,
        Arc::new(mi(
            ManagedIdentitySource::Imds { base_url: base },
            IdentitySelector::SystemAssigned,
        )),
    );

    let assign = IdentityChange::Assign {
        system: false,
        user: vec![uai.id.clone()],
    };
    let e = as_ops.update_identity(&target, &assign).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::Authorization, Some("LinkedAuthorizationFailed")),
        "{e}"
    );
    assert!(
        e.message()
            .to_ascii_lowercase()
            .contains(&uai.id.to_ascii_lowercase()),
        "{e}"
    );
    assert!(
        e.message().contains("userAssignedIdentities/assign/action"),
        "{e}"
    );
    assert!(
        env.client
            .show_identity(&target)
            .await
            .unwrap()
            .user_assigned
            .is_empty()
    );

    // Granted Managed Identity Operator on the identity: it works.
    let grant = env
        .client
        .create_role_assignment(&uai.id, "Managed Identity Operator", &ops_principal, None)
        .await
        .unwrap();
    let u = as_ops.update_identity(&target, &assign).await.unwrap();
    assert_eq!(u.identity.user_assigned.len(), 1);

    // Without the grant, removing still works (VM Contributor is enough).
    env.client.delete_role_assignment(&grant.id).await.unwrap();
    let u = as_ops
        .update_identity(
            &target,
            &IdentityChange::Remove {
                system: false,
                user: vec![uai.id.clone()],
                all_user: false,
            },
        )
        .await
        .unwrap();
    assert!(u.identity.user_assigned.is_empty());
}

/// A raw IMDS request: (status, body).
async fn imds(base: &str, query: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req =
        reqwest::Client::new().get(format!("{base}/metadata/identity/oauth2/token?{query}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imds_answers_like_imds_and_refuses_each_bad_request_distinctly() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let mine = env
        .client
        .create_user_identity("app", "mine", None, None)
        .await
        .unwrap();
    let other = env
        .client
        .create_user_identity("app", "other", None, None)
        .await
        .unwrap();
    let t = ComputeTarget::new(env.sub(), "app", "vm", ComputeKind::VirtualMachine).unwrap();
    env.client
        .create_compute(
            &t,
            common::model(ComputeKind::VirtualMachine),
            true,
            std::slice::from_ref(&mine.id),
        )
        .await
        .unwrap();
    let base = env.emu.imds_base_url(&t.path(), None).unwrap();
    let md = [("Metadata", "true")];
    let q = "api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F";

    // Good: every field a string; selectors pick the identity.
    let (s, b) = imds(&base, q, &md).await;
    assert_eq!(s, 200, "{b}");
    for k in [
        "access_token",
        "expires_in",
        "expires_on",
        "not_before",
        "resource",
        "token_type",
    ] {
        assert!(b[k].is_string(), "{k} must be a string: {b}");
    }
    let cid = mine.client_id.clone().unwrap();
    for sel in [
        format!("client_id={cid}"),
        format!("object_id={}", mine.principal_id.clone().unwrap()),
        format!("msi_res_id={}", mine.id.replace('/', "%2F")),
    ] {
        let (s, b) = imds(&base, &format!("{q}&{sel}"), &md).await;
        assert_eq!(s, 200, "{sel}: {b}");
        let claims = common_claims(b["access_token"].as_str().unwrap());
        assert_eq!(
            claims["oid"].as_str(),
            mine.principal_id.as_deref(),
            "{sel}"
        );
        assert_eq!(claims["appid"].as_str(), Some(cid.as_str()));
    }

    // Each bad request: its own answer.
    let (s1, b1) = imds(&base, q, &[]).await;
    let (s2, b2) = imds(
        &base,
        q,
        &[("Metadata", "true"), ("X-Forwarded-For", "10.0.0.1")],
    )
    .await;
    let (s3, b3) = imds(
        &base,
        &format!("{q}&client_id={}", other.client_id.clone().unwrap()),
        &md,
    )
    .await;
    let (s4, b4) = imds(
        &base,
        &format!(
            "{q}&client_id={cid}&object_id={}",
            mine.principal_id.clone().unwrap()
        ),
        &md,
    )
    .await;
    let (s5, b5) = imds(&base, "api-version=2018-02-01", &md).await;
    let (s6, b6) = imds(&base, "resource=https%3A%2F%2Fmanagement.azure.com%2F", &md).await;
    for (s, b) in [
        (s1, &b1),
        (s2, &b2),
        (s3, &b3),
        (s4, &b4),
        (s5, &b5),
        (s6, &b6),
    ] {
        assert_eq!(s, 400, "{b}");
        assert!(b["error"].is_string(), "IMDS error shape: {b}");
    }
    let descriptions: std::collections::HashSet<String> = [&b1, &b2, &b3, &b4, &b5, &b6]
        .iter()
        .map(|b| format!("{}|{}", b["error"], b["error_description"]))
        .collect();
    assert_eq!(
        descriptions.len(),
        6,
        "six distinct errors: {descriptions:?}"
    );
    assert!(
        b1["error_description"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("metadata")
    );
    assert_eq!(b3["error_description"], "Identity not found");

    // Through core: an unassigned identity is CredentialUnavailable with IMDS's code kept, never retried.
    let cred = mi(
        ManagedIdentitySource::Imds {
            base_url: base.clone(),
        },
        IdentitySelector::ClientId(other.client_id.clone().unwrap()),
    );
    let e = cred.get_token(&[ARM]).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (
            ErrorKind::CredentialUnavailable,
            Some(400),
            Some("invalid_request")
        )
    );
    assert_eq!(cred.requests_sent(), 1);

    // The per-VM limit: 5 concurrent / 20 per second, then 429.
    let calls = (0..40).map(|_| {
        let base = base.clone();
        tokio::spawn(async move { imds(&base, q, &[("Metadata", "true")]).await.0 })
    });
    let statuses: Vec<u16> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(statuses.contains(&200), "{statuses:?}");
}

/// The claims of a JWT (no verification).
fn common_claims(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_verify_against_jwks_and_arm_refuses_forged_or_foreign_ones() {
    use base64::Engine;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let (vm, principal) = vm_with_system_identity(&env, "app", "vm").await;
    env.client
        .create_role_assignment(&rg_scope(&env, "app"), "Reader", &principal, None)
        .await
        .unwrap();
    let base = env.emu.imds_base_url(&vm.path(), None).unwrap();
    let cred = mi(
        ManagedIdentitySource::Imds {
            base_url: base.clone(),
        },
        IdentitySelector::SystemAssigned,
    );
    let token = cred
        .get_token(&[ARM])
        .await
        .unwrap()
        .token
        .expose()
        .to_string();

    // Discovery -> JWKS -> RS256 signature check.
    let disc: Value = env
        .http
        .inner()
        .get(format!(
            "{}/{}/v2.0/.well-known/openid-configuration",
            env.emu.endpoint(),
            env.emu.tenant_id()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwks: Value = env
        .http
        .inner()
        .get(disc["jwks_uri"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header: Value =
        serde_json::from_slice(&b64.decode(token.split('.').next().unwrap()).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("kid in JWKS");
    let n = rsa::BigUint::from_bytes_be(&b64.decode(key["n"].as_str().unwrap()).unwrap());
    let e = rsa::BigUint::from_bytes_be(&b64.decode(key["e"].as_str().unwrap()).unwrap());
    let vk = VerifyingKey::<sha2::Sha256>::new(rsa::RsaPublicKey::new(n, e).unwrap());
    let (signed, sig) = token.rsplit_once('.').unwrap();
    let sig = Signature::try_from(b64.decode(sig).unwrap().as_slice()).unwrap();
    vk.verify(signed.as_bytes(), &sig)
        .expect("the token verifies against the JWKS");
    let claims = common_claims(&token);
    assert_eq!(claims["oid"], principal.as_str());
    assert_eq!(claims["sub"], principal.as_str());
    assert_eq!(claims["tid"], env.emu.tenant_id());
    assert_eq!(claims["idtyp"], "app");
    assert!(
        claims["aud"]
            .as_str()
            .unwrap()
            .starts_with("https://management.azure.com")
    );
    assert!(
        claims["xms_mirid"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .ends_with("/providers/microsoft.compute/virtualmachines/vm")
    );
    for k in ["iss", "iat", "nbf", "exp", "appid"] {
        assert!(!claims[k].is_null(), "{k}");
    }

    let refused = |tok: String| {
        let env = &env;
        async move {
            let c = arm_as(env, Arc::new(msi_identity::StaticTokenCredential::new(tok)));
            c.get_resource_group("app").await.unwrap_err()
        }
    };
    // Forged: claims changed after signing.
    let mut forged_claims = claims.clone();
    forged_claims["oid"] = Value::String(env.emu.admin_client_id().to_string());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(forged_claims.to_string()),
        parts[2]
    );
    let e = refused(forged).await;
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Authentication, Some(401)),
        "{e}"
    );
    // Wrong audience: a Key Vault token.
    let vault = cred
        .get_token(&["https://vault.azure.net/.default"])
        .await
        .unwrap()
        .token
        .expose()
        .to_string();
    assert_eq!(common_claims(&vault)["aud"], "https://vault.azure.net");
    let e = refused(vault).await;
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Authentication, Some(401)),
        "{e}"
    );
    // Expired: the same claims with exp in the past, signed by the emulator (test hook).
    let expired = env
        .emu
        .mint_test_token(&principal, "https://management.azure.com/", -3600)
        .unwrap();
    let e = refused(expired).await;
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Authentication, Some(401)),
        "{e}"
    );
    assert_eq!(
        arm_as(&env, Arc::new(cred))
            .get_resource_group("app")
            .await
            .unwrap()["name"],
        "app"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_callers_share_one_imds_request() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let (vm, _) = vm_with_system_identity(&env, "app", "vm").await;
    let base = env.emu.imds_base_url(&vm.path(), None).unwrap();
    let cred = Arc::new(mi(
        ManagedIdentitySource::Imds { base_url: base },
        IdentitySelector::SystemAssigned,
    ));
    let before = env.seen("GET", "/metadata/identity/oauth2/token").await;
    let calls = (0..1000).map(|_| {
        let c = cred.clone();
        tokio::spawn(async move {
            c.get_token(&[ARM])
                .await
                .map(|t| t.token.expose().to_string())
        })
    });
    let tokens: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "everyone got the same token"
    );
    assert_eq!(cred.requests_sent(), 1);
    assert_eq!(
        env.seen("GET", "/metadata/identity/oauth2/token").await - before,
        1,
        "exactly one IMDS request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_retries_410_429_5xx_and_not_400() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let (vm, _) = vm_with_system_identity(&env, "app", "vm").await;
    let base = env.emu.imds_base_url(&vm.path(), None).unwrap();
    let path = "/metadata/identity/oauth2/token";
    for (status, count) in [(410u16, 3u32), (429, 2), (500, 2), (503, 1), (404, 2)] {
        env.fault("GET", path, status, count, Some(0)).await;
        let cred = mi(
            ManagedIdentitySource::Imds {
                base_url: base.clone(),
            },
            IdentitySelector::SystemAssigned,
        );
        cred.get_token(&[ARM])
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(cred.requests_sent(), count as u64 + 1, "{status}");
    }
    env.fault("GET", path, 400, 3, None).await;
    let cred = mi(
        ManagedIdentitySource::Imds {
            base_url: base.clone(),
        },
        IdentitySelector::SystemAssigned,
    );
    assert_eq!(
        cred.get_token(&[ARM]).await.unwrap_err().status(),
        Some(400)
    );
    assert_eq!(cred.requests_sent(), 1, "a 400 is never retried");
    env.raw("DELETE", "/_emulator/faults", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_service_endpoint_needs_its_header() {
    let env = common::start().await;
    env.client
        .create_resource_group("app", "westus")
        .await
        .unwrap();
    let uai = env
        .client
        .create_user_identity("app", "web-id", None, None)
        .await
        .unwrap();
    let t = ComputeTarget::new(env.sub(), "app", "web", ComputeKind::VirtualMachine).unwrap();
    env.client
        .create_compute(
            &t,
            common::model(ComputeKind::VirtualMachine),
            true,
            std::slice::from_ref(&uai.id),
        )
        .await
        .unwrap();
    let (endpoint, header) = env.emu.app_service_env(&t.path()).unwrap();
    let good = mi(
        ManagedIdentitySource::AppService {
            endpoint: endpoint.clone(),
            identity_header: msi_identity::Secret::new(header),
        },
        IdentitySelector::ClientId(uai.client_id.clone().unwrap()),
    );
    let tok = good.get_token(&[ARM]).await.unwrap();
    assert_eq!(
        common_claims(tok.token.expose())["oid"].as_str(),
        uai.principal_id.as_deref()
    );
    let bad = mi(
        ManagedIdentitySource::AppService {
            endpoint,
            identity_header: msi_identity::Secret::new("wrong"),
        },
        IdentitySelector::SystemAssigned,
    );
    let e = bad.get_token(&[ARM]).await.unwrap_err();
    assert!(e.status().is_some_and(|s| (400..500).contains(&s)), "{e}");
}
