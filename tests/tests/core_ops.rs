//! Core against the emulator over real HTTPS: every identity operation, VM and scale set.

mod common;

use common::{Env, model, start, start_unthrottled, user_ids};
use msi_identity::{
    ComputeKind, ComputeTarget, ErrorKind, IdentityChange, IdentityType, MsiExtension,
    MsiExtensionSpec,
};
use serde_json::json;

async fn group(env: &Env, rg: &str) {
    let g = env
        .client
        .create_resource_group(rg, "westus")
        .await
        .unwrap();
    assert_eq!(g["location"], "westus");
    assert_eq!(env.client.get_resource_group(rg).await.unwrap()["name"], rg);
}

fn target(env: &Env, kind: ComputeKind, rg: &str, name: &str) -> ComputeTarget {
    ComputeTarget::new(env.sub(), rg, name, kind).unwrap()
}

/// Every identity operation on one kind of resource, in the order the seed guides take them.
async fn identity_story(kind: ComputeKind) {
    // The story updates one VM more often than Compute's 12-token bucket per VM allows (4 a minute after
    // that): it tests the operations, not the throttle.
    let env = start_unthrottled().await;
    let c = &env.client;
    let rg = "rg-story";
    group(&env, rg).await;
    let id1 = c.create_user_identity(rg, "id1", None, None).await.unwrap();
    let id2 = c
        .create_user_identity(rg, "id2", None, Some(json!({"team": "a"})))
        .await
        .unwrap();
    assert_eq!(id1.location, "westus", "location defaults to the group's");
    assert!(id1.client_id.is_some() && id1.principal_id.is_some() && id1.tenant_id.is_some());
    assert_eq!(id2.raw["tags"]["team"], "a");

    // Enable during creation: system-assigned.
    let t = target(&env, kind, rg, "sys");
    let r = c.create_compute(&t, model(kind), true, &[]).await.unwrap();
    assert_eq!(r["identity"]["type"], "SystemAssigned");
    assert_eq!(r["properties"]["provisioningState"], "Succeeded");
    let shown = c.show_identity(&t).await.unwrap();
    assert_eq!(shown.identity_type, IdentityType::SystemAssigned);
    let principal = shown.principal_id.clone().expect("a principal id");
    assert_eq!(shown.tenant_id.as_deref(), Some(env.emu.tenant_id()));

    // Creating again never overwrites.
    let e = c
        .create_compute(&t, model(kind), false, &[])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert_eq!(
        c.show_identity(&t).await.unwrap().principal_id.as_deref(),
        Some(principal.as_str())
    );

    // Enabling what is enabled sends no write.
    let patches = env.seen("PATCH", &t.path()).await;
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: true,
                user: vec![],
            },
        )
        .await
        .unwrap();
    assert!(!u.changed);
    assert_eq!(env.seen("PATCH", &t.path()).await, patches);

    // Assign a user-assigned identity by name, resolved in the resource's group; the system one stays.
    let id1_ref = msi_identity::ids::resolve_user_identity("id1", env.sub(), rg).unwrap();
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: false,
                user: vec![id1_ref.clone()],
            },
        )
        .await
        .unwrap();
    assert!(u.changed);
    assert_eq!(
        u.identity.identity_type,
        IdentityType::SystemAssignedUserAssigned
    );
    assert_eq!(
        u.identity.principal_id.as_deref(),
        Some(principal.as_str()),
        "system principal is stable"
    );
    assert_eq!(user_ids(&u.identity), vec![id1.id.to_ascii_lowercase()]);
    let ua = &u.identity.user_assigned[0];
    assert_eq!(
        ua.client_id, id1.client_id,
        "clientId of the identity resource"
    );
    assert_eq!(ua.principal_id, id1.principal_id);

    // Add a second by full ID in other casing; then remove the first by lower-cased ID.
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: false,
                user: vec![id2.id.to_uppercase()],
            },
        )
        .await
        .unwrap();
    assert_eq!(user_ids(&u.identity).len(), 2);
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Remove {
                system: false,
                user: vec![id1.id.to_lowercase()],
                all_user: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(user_ids(&u.identity), vec![id2.id.to_ascii_lowercase()]);
    assert_eq!(
        u.identity.identity_type,
        IdentityType::SystemAssignedUserAssigned
    );

    // Removing one that is not attached is a clear error and changes nothing.
    let before = c.get_compute(&t).await.unwrap();
    let e = c
        .update_identity(
            &t,
            &IdentityChange::Remove {
                system: false,
                user: vec![id1.id.clone()],
                all_user: false,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("id1"), "{e}");
    assert_eq!(c.get_compute(&t).await.unwrap(), before);

    // Disable the system-assigned identity: only the user-assigned one is left.
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Remove {
                system: true,
                user: vec![],
                all_user: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::UserAssigned);
    assert!(u.identity.principal_id.is_none());
    // Re-enable: a new principal, the user-assigned one kept.
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: true,
                user: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        u.identity.identity_type,
        IdentityType::SystemAssignedUserAssigned
    );
    assert_eq!(user_ids(&u.identity).len(), 1);

    // Remove all user-assigned identities.
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Remove {
                system: false,
                user: vec![],
                all_user: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::SystemAssigned);
    assert!(u.identity.user_assigned.is_empty());

    // Desired state: exactly both identities, then `--set identity.type=UserAssigned`, then None.
    let set = IdentityChange::Set {
        identity_type: IdentityType::SystemAssignedUserAssigned,
        user: Some(vec![id1.id.clone(), id2.id.clone()]),
    };
    let u = c.update_identity(&t, &set).await.unwrap();
    assert_eq!(user_ids(&u.identity).len(), 2);
    assert!(
        !c.update_identity(&t, &set).await.unwrap().changed,
        "same desired state: no write"
    );
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Set {
                identity_type: IdentityType::UserAssigned,
                user: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::UserAssigned);
    assert_eq!(user_ids(&u.identity).len(), 2);
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Set {
                identity_type: IdentityType::None,
                user: Some(vec![]),
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::None);
    assert!(
        u.resource.get("identity").is_none(),
        "type None leaves no identity key: {}",
        u.resource
    );

    // Removing the only user-assigned identity of a UserAssigned-only resource switches it to None.
    let t2 = target(&env, kind, rg, "uaonly");
    let r = c
        .create_compute(&t2, model(kind), false, std::slice::from_ref(&id1.id))
        .await
        .unwrap();
    assert_eq!(r["identity"]["type"], "UserAssigned");
    assert!(r["identity"].get("principalId").is_none());
    let u = c
        .update_identity(
            &t2,
            &IdentityChange::Remove {
                system: false,
                user: vec![id1.id.clone()],
                all_user: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::None);

    // The legacy MSI extension: add (custom port), read, remove; removing again reports it was not there.
    let ext = MsiExtension::from_spec(&MsiExtensionSpec {
        extension_type: Some("ManagedIdentityExtensionForLinux".into()),
        port: Some(50343),
        ..Default::default()
    })
    .unwrap();
    let e = c.set_msi_extension(&t, &ext).await.unwrap();
    assert_eq!(e["properties"]["publisher"], "Microsoft.ManagedIdentity");
    assert_eq!(e["properties"]["type"], "ManagedIdentityExtensionForLinux");
    assert_eq!(e["properties"]["typeHandlerVersion"], "1.0");
    assert_eq!(e["properties"]["settings"]["port"], 50343);
    assert_eq!(
        c.get_extension(&t, "ManagedIdentityExtensionForLinux")
            .await
            .unwrap()["properties"]["settings"]["port"],
        50343
    );
    assert!(
        c.delete_extension(&t, "ManagedIdentityExtensionForLinux")
            .await
            .unwrap()
    );
    assert!(
        !c.delete_extension(&t, "ManagedIdentityExtensionForLinux")
            .await
            .unwrap()
    );
    let e = c
        .get_extension(&t, "ManagedIdentityExtensionForLinux")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    // Delete the resource.
    assert!(c.delete_compute(&t2).await.unwrap());
    assert_eq!(
        c.show_identity(&t2).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    env.emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_identity_operations() {
    identity_story(ComputeKind::VirtualMachine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vmss_identity_operations() {
    identity_story(ComputeKind::VirtualMachineScaleSet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_identities_list_every_page_and_delete() {
    let env = common::start_with(msi_emulator::Config {
        page_size: 2,
        ..Default::default()
    })
    .await;
    let c = &env.client;
    group(&env, "rg-a").await;
    group(&env, "rg-b").await;
    for i in 0..5 {
        c.create_user_identity("rg-a", &format!("a-{i}"), Some("eastus"), None)
            .await
            .unwrap();
    }
    for i in 0..3 {
        c.create_user_identity("rg-b", &format!("b-{i}"), None, None)
            .await
            .unwrap();
    }
    let a = c.list_user_identities(Some("rg-a")).await.unwrap();
    assert_eq!(a.len(), 5, "all pages of the group");
    assert!(
        a.iter()
            .all(|u| u.location == "eastus" && u.resource_group.eq_ignore_ascii_case("rg-a"))
    );
    assert_eq!(
        c.list_user_identities(None).await.unwrap().len(),
        8,
        "all pages of the subscription"
    );
    let shown = c.get_user_identity("rg-a", "a-0").await.unwrap();
    assert!(
        shown.id.contains("/resourcegroups/"),
        "ManagedIdentity answers lower-case resourcegroups: {}",
        shown.id
    );
    // Re-creating keeps the generated ids.
    let again = c
        .create_user_identity("rg-a", "a-0", Some("eastus"), None)
        .await
        .unwrap();
    assert_eq!(again.client_id, shown.client_id);
    assert_eq!(again.principal_id, shown.principal_id);
    assert!(c.delete_user_identity("rg-a", "a-0").await.unwrap());
    assert!(!c.delete_user_identity("rg-a", "a-0").await.unwrap());
    assert_eq!(
        c.get_user_identity("rg-a", "a-0").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(c.list_user_identities(Some("rg-a")).await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_running_operations_are_followed_to_the_end() {
    let env = common::start_with(msi_emulator::Config {
        lro_delay: std::time::Duration::from_millis(400),
        ..Default::default()
    })
    .await;
    let c = &env.client;
    group(&env, "rg").await;
    let t = target(&env, ComputeKind::VirtualMachine, "rg", "slow");
    let started = std::time::Instant::now();
    let r = c
        .create_compute(&t, model(ComputeKind::VirtualMachine), true, &[])
        .await
        .unwrap();
    assert_eq!(r["properties"]["provisioningState"], "Succeeded");
    assert!(started.elapsed() >= std::time::Duration::from_millis(400));
    assert!(
        env.seen("GET", "/operations/").await >= 2,
        "the status resource was polled until done"
    );
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Remove {
                system: true,
                user: vec![],
                all_user: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(u.resource["properties"]["provisioningState"], "Succeeded");
    assert_eq!(u.identity.identity_type, IdentityType::None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_failures_are_retried_and_client_errors_are_not() {
    let env = start().await;
    let c = &env.client;
    group(&env, "rg").await;
    let t = target(&env, ComputeKind::VirtualMachine, "rg", "vm1");
    c.create_compute(&t, model(ComputeKind::VirtualMachine), false, &[])
        .await
        .unwrap();

    // 429 with Retry-After, twice, then success.
    let before = env.seen("GET", &t.path()).await;
    env.fault("GET", &t.path(), 429, 2, Some(0)).await;
    c.get_compute(&t).await.unwrap();
    assert_eq!(env.seen("GET", &t.path()).await - before, 3);

    // 500 and 503 on the write, then success.
    env.fault("PATCH", &t.path(), 503, 2, None).await;
    let u = c
        .update_identity(
            &t,
            &IdentityChange::Assign {
                system: true,
                user: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(u.identity.identity_type, IdentityType::SystemAssigned);

    // A dropped connection is retried.
    env.drop_connections("GET", &t.path(), 1).await;
    c.get_compute(&t).await.unwrap();

    // More failures than retries: the service error comes back with its status.
    env.fault("GET", &t.path(), 500, 10, None).await;
    let e = c.get_compute(&t).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Service, Some(500)));
    env.raw("DELETE", "/_emulator/faults", None).await;

    // A 400 is never retried.
    let before = env.seen("GET", &t.path()).await;
    env.fault("GET", &t.path(), 400, 3, None).await;
    let e = c.get_compute(&t).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::BadRequest, Some(400)));
    assert_eq!(env.seen("GET", &t.path()).await - before, 1);
    env.raw("DELETE", "/_emulator/faults", None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_static_token_and_bad_secret() {
    let env = start().await;
    // A static bearer token drives the client.
    let token = env.token().await;
    let mut options = msi_identity::ClientOptions::new(env.emu.endpoint(), env.sub());
    options.http = Some(env.http.clone());
    let c = msi_identity::ArmClient::new(
        std::sync::Arc::new(msi_identity::StaticTokenCredential::new(token)),
        options,
    )
    .unwrap();
    c.create_resource_group("rg", "westus").await.unwrap();

    // A wrong secret is an authentication error that does not show the secret.
    let cred = msi_identity::ClientSecretCredential::new(
        env.emu.endpoint(),
        env.emu.tenant_id(),
        env.emu.admin_client_id(),
        msi_identity::Secret::new("not-the-secret-123"),
        env.http.clone(),
    )
    .unwrap();
    let mut options = msi_identity::ClientOptions::new(env.emu.endpoint(), env.sub());
    options.http = Some(env.http.clone());
    let c = msi_identity::ArmClient::new(std::sync::Arc::new(cred), options).unwrap();
    let e = c.get_resource_group("rg").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Authentication, "{e}");
    assert!(e.code().is_some());
    assert!(!format!("{e} {e:?}").contains("not-the-secret-123"));

    // A bad token is refused by ARM with 401.
    let c = msi_identity::ArmClient::new(
        std::sync::Arc::new(msi_identity::StaticTokenCredential::new(
            "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
        )),
        {
            let mut o = msi_identity::ClientOptions::new(env.emu.endpoint(), env.sub());
            o.http = Some(env.http.clone());
            o
        },
    )
    .unwrap();
    let e = c.get_resource_group("rg").await.unwrap_err();
    assert_eq!(
        (e.kind(), e.status()),
        (ErrorKind::Authentication, Some(401))
    );
    assert!(e.request_id().is_some(), "x-ms-request-id is kept");
}
