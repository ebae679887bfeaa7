//! Identity changes on many VMs at once: selection by group, tag and IDs, the summary, re-runs that change
//! nothing, partial failures and bad selections.

mod common;

use common::start;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleets_are_selected_by_group_tag_and_ids_and_a_rerun_changes_nothing() {
    let env = start().await;
    assert_eq!(
        env.msi(&["group", "create", "-n", "rg", "-l", "westus"])
            .await
            .code,
        0
    );
    let token = env.admin_token().await;
    let mut ids = Vec::new();
    for i in 0..6 {
        let r = env
            .msi(&["vm", "create", "-g", "rg", "-n", &format!("vm{i}")])
            .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let id = r.json()["id"].as_str().unwrap().to_string();
        if i % 2 == 0 {
            let (status, body) = env
                .raw(
                    &token,
                    "PATCH",
                    &format!("{id}?api-version=2024-11-01"),
                    Some(json!({"tags": {"Env": "Prod"}})),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }
        ids.push(id);
    }

    // By tag in the group: the three tagged ones, names and values compared as ARM does.
    let r = env
        .msi(&["vm", "identity", "assign", "-g", "rg", "--tag", "env=prod"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 3, "{out}");
    assert!(out.as_array().unwrap().iter().all(|o| {
        o["systemAssignedIdentity"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    }));
    assert!(
        r.stderr
            .contains("3 vm(s): 3 changed, 0 unchanged, 0 failed"),
        "{}",
        r.stderr
    );

    // The whole group: the other three change, the tagged ones already are as asked.
    let r = env
        .msi(&["vm", "identity", "assign", "-g", "rg", "--all"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json().as_array().unwrap().len(), 6);
    assert!(
        r.stderr
            .contains("6 vm(s): 3 changed, 3 unchanged, 0 failed"),
        "{}",
        r.stderr
    );

    // Again, over the whole subscription: nothing left to do, nothing written.
    let r = env.msi(&["vm", "identity", "assign", "--all"]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("6 vm(s): 0 changed, 6 unchanged, 0 failed"),
        "{}",
        r.stderr
    );
    for id in &ids {
        let shown = env
            .msi(&["vm", "identity", "show", "--ids", id])
            .await
            .json();
        assert_eq!(shown["type"], "SystemAssigned", "{shown}");
    }

    // --set on many: exactly this identity, the whole resource printed for each.
    let r = env
        .msi(&[
            "vm",
            "update",
            "-g",
            "rg",
            "--tag",
            "env",
            "--set",
            "identity.type=None",
        ])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 3);
    assert!(
        out.as_array()
            .unwrap()
            .iter()
            .all(|o| o["identity"].is_null() || o["identity"]["type"] == "None"),
        "{out}"
    );

    // A partial failure: every other target is done, the failure is reported and the exit code is its kind's.
    let missing = ids[0].replace("/vm0", "/nosuchvm");
    let mut args = vec!["vm", "identity", "remove", "--ids", &missing];
    args.extend(ids.iter().map(String::as_str));
    let r = env.msi(&args).await;
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("7 vm(s): 3 changed, 3 unchanged, 1 failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("ResourceNotFound"), "{}", r.stderr);
    let out: Value = r.json();
    assert_eq!(out.as_array().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_selections_are_refused_before_anything_is_written() {
    let env = start().await;
    assert_eq!(
        env.msi(&["group", "create", "-n", "rg", "-l", "westus"])
            .await
            .code,
        0
    );
    assert_eq!(
        env.msi(&["vm", "create", "-g", "rg", "-n", "vm0"])
            .await
            .code,
        0
    );

    let r = env
        .msi(&["vm", "identity", "assign", "-g", "rg", "--tag", "=prod"])
        .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("invalid tag '=prod'"), "{}", r.stderr);

    let r = env
        .msi(&["vm", "identity", "assign", "-g", "rg", "-n", "vm0", "--all"])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--all"), "{}", r.stderr);

    // --role without --scope is refused for the whole fleet before the first write.
    let r = env
        .msi(&[
            "vm", "identity", "assign", "-g", "rg", "--all", "--role", "Reader",
        ])
        .await;
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--role needs --scope"), "{}", r.stderr);
    let r = env
        .msi(&[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "--all",
            "--role",
            "NoSuchRole",
            "--scope",
            &format!("/subscriptions/{}", env.emu.subscription_id()),
        ])
        .await;
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("no role named 'NoSuchRole'"),
        "{}",
        r.stderr
    );
    let shown = env
        .msi(&["vm", "identity", "show", "-g", "rg", "-n", "vm0"])
        .await;
    assert!(
        shown.stdout.trim().is_empty() || shown.json()["type"] == "None",
        "{}",
        shown.stdout
    );

    let r = env
        .msi(&[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "--all",
            "--concurrency",
            "0",
        ])
        .await;
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("--concurrency must be at least 1"),
        "{}",
        r.stderr
    );
}
