//! No lost updates: 20 clients each assign a different user-assigned identity to one VM at the same moment.

mod common;

use msi_identity::{ComputeKind, ComputeTarget, IdentityChange};
use std::sync::Arc;
use tokio::sync::Barrier;

const CLIENTS: usize = 20;

async fn all_writers_win(kind: ComputeKind) {
    // 20 updates of one VM at once: past Compute's 12 per VM per minute.
    let env = common::start_unthrottled().await;
    let c = &env.client;
    c.create_resource_group("rg", "westus").await.unwrap();
    let t = ComputeTarget::new(env.sub(), "rg", "shared", kind).unwrap();
    c.create_compute(&t, common::model(kind), true, &[])
        .await
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..CLIENTS {
        ids.push(
            c.create_user_identity("rg", &format!("uai-{i:02}"), None, None)
                .await
                .unwrap()
                .id,
        );
    }
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let mut tasks = Vec::new();
    for id in ids.clone() {
        // Separate clients, as separate scripts would be.
        let client = common::client_for(&env.emu, &env.http);
        let (t, barrier) = (t.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client
                .update_identity(
                    &t,
                    &IdentityChange::Assign {
                        system: false,
                        user: vec![id],
                    },
                )
                .await
        }));
    }
    for task in tasks {
        let u = task.await.unwrap().expect("every writer succeeds");
        assert!(u.changed);
    }
    let identity = c.show_identity(&t).await.unwrap();
    let mut want: Vec<String> = ids.iter().map(|s| s.to_ascii_lowercase()).collect();
    want.sort();
    assert_eq!(
        common::user_ids(&identity),
        want,
        "all {CLIENTS} identities are assigned"
    );
    assert!(
        identity.has_system(),
        "the system-assigned identity survived every write"
    );
    // Losers re-read and retried: more writes were tried than succeeded.
    let patches = env.seen("PATCH", &t.path()).await;
    assert!(patches >= CLIENTS as u64, "{patches} PATCHes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_assignments_to_one_vm_all_land() {
    all_writers_win(ComputeKind::VirtualMachine).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_assignments_to_one_scale_set_all_land() {
    all_writers_win(ComputeKind::VirtualMachineScaleSet).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_etag_is_refused_and_nothing_is_written() {
    let env = common::start().await;
    let c = &env.client;
    c.create_resource_group("rg", "westus").await.unwrap();
    let t = ComputeTarget::new(env.sub(), "rg", "vm", ComputeKind::VirtualMachine).unwrap();
    let created = c
        .create_compute(&t, common::model(ComputeKind::VirtualMachine), false, &[])
        .await
        .unwrap();
    let stale = created["etag"]
        .as_str()
        .expect("compute resources carry an etag")
        .to_string();
    c.update_identity(
        &t,
        &IdentityChange::Assign {
            system: true,
            user: vec![],
        },
    )
    .await
    .unwrap();
    let before = c.get_compute(&t).await.unwrap();
    let url = format!("{}{}?api-version=2024-11-01", env.emu.endpoint(), t.path());
    let resp = env
        .http
        .inner()
        .patch(&url)
        .bearer_auth(env.token().await)
        .header("if-match", stale)
        .json(&serde_json::json!({"identity": {"type": "None"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 412);
    assert_eq!(
        c.get_compute(&t).await.unwrap(),
        before,
        "a refused write changes nothing"
    );
}
