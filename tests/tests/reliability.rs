//! Regression tests for what a flaky network and a careless endpoint do to core: token requests retried like
//! ARM requests, a retry that finds its own earlier effect counted as success, secrets never sent over plain
//! HTTP, and every argument (roles included) checked before anything is written.

mod common;

use msi_identity::{
    ArmClient, AssignRequest, ClientOptions, ClientSecretCredential, ErrorKind, HttpClient,
    IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource, RemoveRequest, Secret,
    StaticTokenCredential, TokenCredential,
};
use std::sync::Arc;

const SCOPE: &str = "https://management.azure.com/.default";

fn fresh_credential(env: &common::Env) -> ClientSecretCredential {
    ClientSecretCredential::new(
        env.emu.endpoint(),
        env.emu.tenant_id(),
        env.emu.admin_client_id(),
        Secret::new(env.emu.admin_client_secret()),
        env.http.clone(),
    )
    .unwrap()
    .with_retry(common::fast_retry())
}

#[tokio::test]
async fn token_requests_are_retried_like_arm_requests() {
    let env = common::start().await;
    env.token().await;
    let before = env.seen("POST", "/oauth2/").await;

    // A 503, a 429 with Retry-After and a dropped connection: the fourth attempt gets the token.
    env.fault("POST", "/oauth2/", 503, 1, None).await;
    env.fault("POST", "/oauth2/", 429, 1, Some(0)).await;
    env.drop_connections("POST", "/oauth2/", 1).await;
    let token = fresh_credential(&env).get_token(&[SCOPE]).await.unwrap();
    assert!(!token.token.expose().is_empty());
    assert_eq!(env.seen("POST", "/oauth2/").await - before, 4);

    // A transient failure that outlives the retries (1 + 3 attempts) keeps its kind.
    env.fault("POST", "/oauth2/", 503, 4, None).await;
    let e = fresh_credential(&env)
        .get_token(&[SCOPE])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Service, "{e}");
    assert_eq!(env.seen("POST", "/oauth2/").await - before, 8);
}

#[tokio::test]
async fn a_bad_secret_is_not_retried() {
    let env = common::start().await;
    env.token().await;
    let before = env.seen("POST", "/oauth2/").await;
    let cred = ClientSecretCredential::new(
        env.emu.endpoint(),
        env.emu.tenant_id(),
        env.emu.admin_client_id(),
        Secret::new("not-the-secret"),
        env.http.clone(),
    )
    .unwrap()
    .with_retry(common::fast_retry());
    let e = cred.get_token(&[SCOPE]).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication);
    assert_eq!(env.seen("POST", "/oauth2/").await - before, 1);
}

#[tokio::test]
async fn secrets_are_never_sent_over_plain_http() {
    let http = HttpClient::new(None).unwrap();
    let e = ArmClient::new(
        Arc::new(StaticTokenCredential::new("t")),
        ClientOptions::new("http://127.0.0.1:9", "s"),
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("https"), "{e}");
    let e = ClientSecretCredential::new(
        "http://login.example",
        "t",
        "c",
        Secret::new("s"),
        http.clone(),
    )
    .unwrap_err();
    assert!(e.message().contains("https"), "{e}");
    // Managed-identity endpoints are plain HTTP on this machine only.
    for (url, ok) in [
        ("http://169.254.169.254", true),
        ("http://127.0.0.1:50342", true),
        ("http://10.1.2.3:50342", false),
        ("http://imds.example", false),
    ] {
        let r = ManagedIdentityCredential::new(
            ManagedIdentitySource::Imds {
                base_url: url.into(),
            },
            IdentitySelector::SystemAssigned,
            http.clone(),
        );
        assert_eq!(r.is_ok(), ok, "{url}");
    }
}

#[tokio::test]
async fn a_removal_whose_answer_was_lost_succeeds() {
    let env = common::start().await;
    let c = &env.client;
    c.create_resource_group("rg", "westus").await.unwrap();
    c.create_user_identity("rg", "id1", None, None)
        .await
        .unwrap();
    let t = c
        .target(
            Some(msi_identity::ComputeKind::VirtualMachine),
            Some("rg"),
            Some("vm"),
            None,
        )
        .unwrap();
    c.create(
        &t,
        &msi_identity::CreateOptions {
            assign_identity: Some(vec!["[system]".into(), "id1".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The PATCH lands, its answer is lost; the pipeline resends it with the old If-Match and gets 412; the
    // re-plan finds id1 gone: that is the success it asked for, not "not assigned".
    let patches = env.seen("PATCH", "/virtualMachines/vm").await;
    env.lose_answers("PATCH", "/virtualMachines/vm", 1).await;
    let request = RemoveRequest {
        identities: vec!["id1".into()],
        ..Default::default()
    };
    let u = c
        .remove_identity(&t, &request)
        .await
        .expect("a retry that finds its removal done succeeds");
    assert!(u.identity.has_system() && u.identity.user_assigned.is_empty());
    assert_eq!(env.seen("PATCH", "/virtualMachines/vm").await - patches, 2);
}

#[tokio::test]
async fn an_unknown_role_is_refused_before_the_identity_is_touched() {
    let env = common::start().await;
    let c = &env.client;
    c.create_resource_group("rg", "westus").await.unwrap();
    let t = c
        .target(
            Some(msi_identity::ComputeKind::VirtualMachine),
            Some("rg"),
            Some("vm"),
            None,
        )
        .unwrap();
    c.create(&t, &Default::default()).await.unwrap();
    let before = env.seen("PATCH", "/virtualMachines/vm").await;
    let e = c
        .assign_identity(
            &t,
            &AssignRequest {
                role: Some("NoSuchRole".into()),
                scope: Some(format!("/subscriptions/{}/resourceGroups/rg", env.sub())),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    assert_eq!(env.seen("PATCH", "/virtualMachines/vm").await, before);
    assert!(!c.show_identity(&t).await.unwrap().has_system());
}
