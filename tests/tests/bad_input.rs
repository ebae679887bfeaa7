//! Bad input: each a clear error naming what was wrong, and the stored state unchanged.

mod common;

use common::Env;
use msi_identity::{ComputeKind, ComputeTarget, ErrorKind, IdentityChange, IdentityType};
use serde_json::Value;

async fn setup() -> (Env, ComputeTarget) {
    let env = common::start().await;
    env.client
        .create_resource_group("rg", "westus")
        .await
        .unwrap();
    env.client
        .create_user_identity("rg", "good-id", None, None)
        .await
        .unwrap();
    let t = ComputeTarget::new(env.sub(), "rg", "vm", ComputeKind::VirtualMachine).unwrap();
    env.client
        .create_compute(&t, common::model(ComputeKind::VirtualMachine), true, &[])
        .await
        .unwrap();
    (env, t)
}

/// Everything the emulator holds that a bad request could touch.
async fn snapshot(env: &Env, t: &ComputeTarget) -> (Value, Vec<msi_identity::UserIdentity>) {
    (
        env.client.get_compute(t).await.unwrap(),
        env.client.list_user_identities(None).await.unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_identity_names_are_refused_before_sending() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    let puts = env.seen("PUT", "userAssignedIdentities").await;
    for (name, why) in [
        ("ab", "3 to 128"),
        ("-abc", "start with"),
        ("a.bc", "'.'"),
        ("a b c", "' '"),
    ] {
        let e = env
            .client
            .create_user_identity("rg", name, None, None)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(
            e.message().contains(name) && e.message().contains(why),
            "{name}: {e}"
        );
    }
    let long = "x".repeat(129);
    assert!(
        env.client
            .create_user_identity("rg", &long, None, None)
            .await
            .unwrap_err()
            .message()
            .contains("129")
    );
    assert_eq!(
        env.seen("PUT", "userAssignedIdentities").await,
        puts,
        "nothing was sent"
    );
    // The emulator refuses them too, for clients that do not validate.
    let path = format!(
        "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/_bad?api-version=2023-01-31",
        env.sub()
    );
    let (status, body) = env
        .raw("PUT", &path, Some(r#"{"location":"westus"}"#))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "InvalidResourceName");
    assert_eq!(snapshot(&env, &t).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_resource_ids_are_refused() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    for id in [
        "vm",
        "/subscriptions/x/resourceGroups/rg",
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/vm",
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines",
    ] {
        let e = ComputeTarget::from_id(id, ComputeKind::VirtualMachine).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains(id), "{e}");
    }
    // A malformed user-assigned identity ID, and a VM ID where an identity ID belongs.
    for bad in [
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities",
        &t.path(),
    ] {
        let e = msi_identity::ids::resolve_user_identity(bad, env.sub(), "rg").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{bad}");
    }
    assert_eq!(snapshot(&env, &t).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_identity_fails_the_operation_and_changes_nothing() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    let ghost = env.uai_id("rg", "does-not-exist");
    let good = env.uai_id("rg", "good-id");
    // One good and one unknown: all or nothing.
    let e = env
        .client
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: false,
                user: vec![good, ghost],
            },
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.status(), e.code()),
        (
            ErrorKind::BadRequest,
            Some(400),
            Some("FailedIdentityOperation")
        )
    );
    assert!(e.message().contains("does-not-exist"), "{e}");
    assert!(e.request_id().is_some());
    assert_eq!(snapshot(&env, &t).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_resource_group_is_named() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    let e = env
        .client
        .create_user_identity("no-such-rg", "fine-name", Some("westus"), None)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::NotFound, Some("ResourceGroupNotFound"))
    );
    assert!(e.message().contains("no-such-rg"), "{e}");
    let missing =
        ComputeTarget::new(env.sub(), "no-such-rg", "vm", ComputeKind::VirtualMachine).unwrap();
    let e = env.client.show_identity(&missing).await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceGroupNotFound"));
    let e = env
        .client
        .create_compute(
            &missing,
            common::model(ComputeKind::VirtualMachine),
            true,
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ResourceGroupNotFound"), "{e}");
    assert_eq!(snapshot(&env, &t).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_type_string_is_refused_by_core_and_by_the_emulator() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    let e = IdentityType::parse("SystemAssigned;UserAssigned").unwrap_err();
    assert!(e.message().contains("'SystemAssigned;UserAssigned'"), "{e}");
    let path = format!("{}?api-version=2024-11-01", t.path());
    let (status, body) = env
        .raw("PATCH", &path, Some(r#"{"identity":{"type":"Both"}}"#))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "InvalidParameter");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("Both"),
        "{body}"
    );
    // Accepted spellings are answered canonically.
    let (status, body) = env
        .raw(
            "PATCH",
            &path,
            Some(r#"{"identity":{"type":"systemassigned"}}"#),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identity"]["type"], "SystemAssigned");
    let after = snapshot(&env, &t).await;
    assert_eq!(after.0["identity"], before.0["identity"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_bodies_are_refused() {
    let (env, t) = setup().await;
    let before = snapshot(&env, &t).await;
    let path = format!("{}?api-version=2024-11-01", t.path());
    for body in [
        r#"{"identity": {"type": "None"#,
        "not json",
        r#"{"identity": {"userAssignedIdentities": {}}}"#,
    ] {
        let (status, resp) = env.raw("PATCH", &path, Some(body)).await;
        assert_eq!(status, 400, "{body}: {resp}");
        assert_eq!(
            resp["error"]["code"], "InvalidRequestContent",
            "{body}: {resp}"
        );
    }
    // Also for identities and groups.
    let uai = format!(
        "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/good-id?api-version=2023-01-31",
        env.sub()
    );
    let (status, resp) = env.raw("PUT", &uai, Some("{")).await;
    assert_eq!(
        (status, resp["error"]["code"].as_str()),
        (400, Some("InvalidRequestContent"))
    );
    // A missing api-version.
    let (status, resp) = env.raw("GET", &t.path(), None).await;
    assert_eq!(
        (status, resp["error"]["code"].as_str()),
        (400, Some("MissingApiVersionParameter"))
    );
    assert_eq!(snapshot(&env, &t).await, before);
}
