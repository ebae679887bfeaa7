//! The az commands and flags issue 11 found missing: `--no-wait`, `--yes` on `vm delete`, `vm list`,
//! `vmss list`, `vm extension list`, `identity update --tags`.

mod common;

use common::{Run, run, start, start_with};
use std::time::{Duration, Instant};

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_wait_returns_once_accepted_without_polling() {
    let lro = Duration::from_secs(3);
    let env = start_with(msi_emulator::Config {
        lro_delay: lro,
        ..msi_emulator::Config::default()
    })
    .await;
    let admin = env.admin_token().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    // Status monitors: Azure-AsyncOperation (`.../operations/..`) and Location (`.../operationresults/..`).
    let polls = || async {
        env.seen(&admin, "GET", "/operations/").await
            + env.seen(&admin, "GET", "/operationresults/").await
    };
    let t = Instant::now();
    let r = env
        .msi(&["vm", "create", "-g", "rg", "-n", "vm", "--no-wait"])
        .await;
    ok(&r);
    assert!(t.elapsed() < lro, "returned in {:?}", t.elapsed());
    assert!(
        r.stdout.is_empty(),
        "az prints nothing for --no-wait: {}",
        r.stdout
    );
    assert_eq!(polls().await, 0, "the operation was not polled");
    let r = env.msi(&["vm", "show", "-g", "rg", "-n", "vm"]).await;
    ok(&r);
    assert_ne!(
        r.json()["properties"]["provisioningState"],
        "Succeeded",
        "{}",
        r.stdout
    );

    // Without it, the same command waits for the operation.
    let t = Instant::now();
    let r = env.msi(&["vm", "create", "-g", "rg", "-n", "vm2"]).await;
    ok(&r);
    assert!(t.elapsed() >= lro, "waited {:?}", t.elapsed());
    assert!(polls().await > 0);
    assert_eq!(r.json()["properties"]["provisioningState"], "Succeeded");

    // Identity changes, extensions and deletes take it too.
    let before = polls().await;
    for args in [
        &[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "-n",
            "vm2",
            "--no-wait",
        ][..],
        &[
            "vm",
            "update",
            "-g",
            "rg",
            "-n",
            "vm2",
            "--set",
            "identity.type=none",
            "--no-wait",
        ],
        &[
            "vm",
            "extension",
            "set",
            "-g",
            "rg",
            "--vm-name",
            "vm2",
            "-n",
            "ManagedIdentityExtensionForLinux",
            "--no-wait",
        ],
        &[
            "vm",
            "delete",
            "-g",
            "rg",
            "-n",
            "vm2",
            "--yes",
            "--no-wait",
        ],
    ] {
        let t = Instant::now();
        let r = env.msi(args).await;
        ok(&r);
        assert!(
            r.stdout.is_empty() && t.elapsed() < lro,
            "{args:?}: {:?} {}",
            t.elapsed(),
            r.stdout
        );
        // The next write waits for the resource's own pending operation in the emulator; give it time.
        tokio::time::sleep(lro).await;
    }
    assert_eq!(polls().await, before, "no --no-wait command polled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vm_delete_asks_for_confirmation_as_az_does() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    ok(&env.msi(&["vm", "create", "-g", "rg", "-n", "vm"]).await);
    // Standard input is not a terminal and there is no --yes: refused, 2, nothing deleted.
    let r = env.msi(&["vm", "delete", "-g", "rg", "-n", "vm"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--yes")
    );
    ok(&env.msi(&["vm", "show", "-g", "rg", "-n", "vm"]).await);
    for yes in ["--yes", "-y"] {
        let r = env
            .msi(&["vm", "delete", "-g", "rg", "-n", "vm", yes])
            .await;
        ok(&r);
        assert_eq!(r.json()["deleted"], yes == "--yes", "{yes}: {}", r.stdout);
    }
    // az asks only for VMs: a scale set, an extension and an identity go without a prompt.
    ok(&env.msi(&["vmss", "create", "-g", "rg", "-n", "ss"]).await);
    ok(&env.msi(&["vmss", "delete", "-g", "rg", "-n", "ss"]).await);
    ok(&env
        .msi(&["identity", "create", "-g", "rg", "-n", "uai"])
        .await);
    ok(&env
        .msi(&["identity", "delete", "-g", "rg", "-n", "uai"])
        .await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_commands_and_identity_tags() {
    let env = start().await;
    for g in ["rg1", "rg2"] {
        ok(&env.msi(&["group", "create", "-n", g, "-l", "westus"]).await);
    }
    ok(&env.msi(&["vm", "create", "-g", "rg1", "-n", "a"]).await);
    ok(&env.msi(&["vm", "create", "-g", "rg2", "-n", "b"]).await);
    ok(&env.msi(&["vmss", "create", "-g", "rg2", "-n", "ss"]).await);
    let names = |r: &Run| -> Vec<String> {
        let mut v: Vec<String> = r.stdout.lines().map(str::to_string).collect();
        v.sort();
        v
    };
    let r = env
        .msi(&["vm", "list", "--query", "[].name", "-o", "tsv"])
        .await;
    ok(&r);
    assert_eq!(names(&r), vec!["a", "b"]);
    let r = env
        .msi(&["vm", "list", "-g", "rg2", "--query", "[].name", "-o", "tsv"])
        .await;
    assert_eq!(names(&r), vec!["b"]);
    let r = env
        .msi(&["vmss", "list", "--query", "[].name", "-o", "tsv"])
        .await;
    assert_eq!(names(&r), vec!["ss"]);
    let r = env.msi(&["vm", "list", "-g", "rg1", "-o", "table"]).await;
    ok(&r);
    assert!(
        r.stdout.lines().next().unwrap().starts_with("Name"),
        "{}",
        r.stdout
    );

    // Extensions of a VM and of a scale set.
    for (kind, parent, g) in [("vm", "a", "rg1"), ("vmss", "ss", "rg2")] {
        let r = env
            .msi(&[kind, "extension", "list", "-g", g, "--vm-name", parent])
            .await;
        ok(&r);
        assert_eq!(r.json(), serde_json::json!([]));
        ok(&env
            .msi(&[
                kind,
                "extension",
                "set",
                "-g",
                g,
                "--vm-name",
                parent,
                "-n",
                "ManagedIdentityExtensionForLinux",
            ])
            .await);
        let r = env
            .msi(&[
                kind,
                "extension",
                "list",
                "-g",
                g,
                "--vmss-name",
                parent,
                "--query",
                "[].name",
                "-o",
                "tsv",
            ])
            .await;
        ok(&r);
        assert_eq!(
            r.stdout.trim(),
            "ManagedIdentityExtensionForLinux",
            "{kind}"
        );
    }

    // identity update --tags replaces the tags.
    ok(&env
        .msi(&[
            "identity", "create", "-g", "rg1", "-n", "uai", "--tags", "a=1",
        ])
        .await);
    let r = env
        .msi(&[
            "identity",
            "update",
            "-g",
            "rg1",
            "-n",
            "uai",
            "--tags",
            "team=payments",
            "env=prod",
        ])
        .await;
    ok(&r);
    assert_eq!(
        r.json()["tags"],
        serde_json::json!({"team": "payments", "env": "prod"})
    );
    let r = env
        .msi(&[
            "identity", "show", "-g", "rg1", "-n", "uai", "--query", "tags",
        ])
        .await;
    assert_eq!(
        r.json(),
        serde_json::json!({"team": "payments", "env": "prod"})
    );
    let r = run(env.command(&[
        "identity", "update", "-g", "rg1", "-n", "uai", "--tags", "=x",
    ]))
    .await;
    assert_eq!(r.code, 2);
}
