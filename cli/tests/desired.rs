//! `msi plan -f` and `msi apply -f` against the emulator over HTTPS: creation, a second apply that changes
//! nothing, drift as an exit code, a partial failure, and bad files that change nothing.

mod common;

use common::{Env, start};
use serde_json::{Value, json};

/// Writes the emulator has seen under /subscriptions (token requests are elsewhere).
async fn writes(env: &Env, token: &str) -> u64 {
    let mut n = 0;
    for m in ["PUT", "PATCH", "DELETE", "POST"] {
        n += env.seen(token, m, "/subscriptions/").await;
    }
    n
}

async fn ok(env: &Env, args: &[&str]) -> Value {
    let r = env.msi(args).await;
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.json_or_null()
}

fn file(env: &Env, name: &str, text: &str) -> String {
    let p = env.dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// A group with `vms` VMs and the user-assigned identities `id-web` and `id-old`.
async fn fleet(env: &Env, vms: &[&str]) -> Vec<String> {
    ok(env, &["group", "create", "-n", "rg", "-l", "westus"]).await;
    for id in ["id-web", "id-old"] {
        ok(env, &["identity", "create", "-g", "rg", "-n", id]).await;
    }
    let mut ids = Vec::new();
    for vm in vms {
        let v = ok(env, &["vm", "create", "-g", "rg", "-n", vm]).await;
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_creates_a_second_apply_changes_nothing_and_drift_is_exit_2() {
    let env = start().await;
    let token = env.admin_token().await;
    let ids = fleet(&env, &["vm1", "vm2"]).await;
    let sub = env.emu.subscription_id().to_string();
    let desired = file(
        &env,
        "identities.yaml",
        &format!(
            "targets:
  - kind: vm
    resourceGroup: rg
    identity:
      systemAssigned: true
      userAssigned:
        exactly: [id-web]
    roles:
      - role: Reader
        scope: /subscriptions/{sub}/resourceGroups/rg
    msiExtension: present
"
        ),
    );

    // The plan: a readable diff per target, reads only.
    let before = writes(&env, &token).await;
    let r = env.msi(&["plan", "-f", &desired]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        format!("+ {}", ids[0]),
        format!("+ {}", ids[1]),
        "    + systemAssigned".into(),
        "    + userAssigned id-web".into(),
        format!("    + role Reader at /subscriptions/{sub}/resourceGroups/rg (system identity)"),
        "    + msiExtension ManagedIdentityExtensionForLinux (port 50342)".into(),
    ] {
        assert!(r.stdout.contains(&line), "{line}\n{}", r.stdout);
    }
    assert!(
        r.stdout
            .contains("2 to create, 0 to update, 0 unchanged, 0 error(s)"),
        "{}",
        r.stdout
    );
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode"])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let plan = ok(&env, &["plan", "-f", &desired, "-o", "json"]).await;
    assert_eq!(plan["changes"], true);
    assert_eq!(
        plan["summary"],
        json!({"create": 2, "update": 0, "noChange": 0, "error": 0})
    );
    let t = &plan["targets"][0];
    assert_eq!(t["id"], ids[0].as_str());
    assert_eq!(t["status"], "create");
    assert_eq!(
        t["changes"]["systemAssigned"],
        json!({"before": false, "after": true})
    );
    let web = format!(
        "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-web"
    );
    assert_eq!(t["changes"]["userAssigned"]["add"], json!([web]));
    assert_eq!(t["changes"]["roles"]["add"][0]["identity"], "system");
    assert_eq!(writes(&env, &token).await, before, "plan must not write");

    // Apply: every target as the file says.
    let r = env.msi(&["apply", "-f", &desired]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("2 target(s): 2 changed, 0 unchanged, 0 failed"),
        "{}",
        r.stderr
    );
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 2, "{out}");
    for id in &ids {
        let shown = ok(&env, &["vm", "identity", "show", "--ids", id]).await;
        assert_eq!(shown["type"], "SystemAssigned, UserAssigned", "{shown}");
        let ua: Vec<&String> = shown["userAssignedIdentities"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(ua.len(), 1);
        assert!(ua[0].eq_ignore_ascii_case(&web), "{ua:?}");
        let principal = shown["principalId"].as_str().unwrap();
        let roles = ok(
            &env,
            &[
                "role",
                "assignment",
                "list",
                "--assignee",
                principal,
                "--scope",
                &format!("/subscriptions/{sub}/resourceGroups/rg"),
            ],
        )
        .await;
        assert_eq!(roles.as_array().unwrap().len(), 1, "{roles}");
        let name = id.rsplit('/').next().unwrap();
        let ext = ok(
            &env,
            &["vm", "extension", "list", "-g", "rg", "--vm-name", name],
        )
        .await;
        assert!(
            ext.to_string().contains("ManagedIdentityExtensionForLinux"),
            "{ext}"
        );
    }

    // Again: nothing is written, and the plan says so (exit 0 with --detailed-exitcode).
    let before = writes(&env, &token).await;
    let r = env.msi(&["apply", "-f", &desired]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("2 target(s): 0 changed, 2 unchanged, 0 failed"),
        "{}",
        r.stderr
    );
    assert_eq!(
        writes(&env, &token).await,
        before,
        "a second apply must not write"
    );
    assert_eq!(env.seen(&token, "PATCH", "/virtualMachines/").await, 2);
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode"])
        .await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No changes"), "{}", r.stdout);

    // Drift, out of band: vm1 loses its system identity, vm2 gains id-old. The plan shows it and exits 2.
    ok(&env, &["vm", "identity", "remove", "-g", "rg", "-n", "vm1"]).await;
    ok(
        &env,
        &[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "-n",
            "vm2",
            "--identities",
            "id-old",
        ],
    )
    .await;
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode"])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.contains(&format!(
            "~ {}\n    + systemAssigned\n    + role Reader",
            ids[0]
        )),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("~ {}\n    - userAssigned id-old\n", ids[1])),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("0 to create, 2 to update"),
        "{}",
        r.stdout
    );
    let r = env.msi(&["apply", "-f", &desired]).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode", "-o", "table"])
        .await;
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("noChange"), "{}", r.stdout);
    assert!(r.stdout.contains(&ids[0]), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_fails_does_not_stop_the_others_and_the_exit_code_says_so() {
    let env = start().await;
    let token = env.admin_token().await;
    let ids = fleet(&env, &["vm1", "vm2", "vm3"]).await;
    let desired = file(
        &env,
        "identities.yaml",
        &format!(
            "targets:\n  - kind: vm\n    ids: [{}, {}, {}]\n    identity:\n      systemAssigned: true\n      userAssigned:\n        atLeast: [id-web]\n",
            ids[0], ids[1], ids[2]
        ),
    );
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode"])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);

    // Between plan and apply, vm3 is deleted; vm2's PATCH is refused.
    let r = env
        .msi(&["vm", "delete", "-g", "rg", "-n", "vm3", "--yes"])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fault = json!({"method": "PATCH", "path_contains": "/virtualMachines/vm2", "status": 403, "count": 1});
    let (s, body) = env
        .raw(&token, "POST", "/_emulator/faults", Some(fault))
        .await;
    assert_eq!(s, 201, "{body}");

    let r = env.msi(&["apply", "-f", &desired]).await;
    assert_eq!(
        r.code, 7,
        "the first failure (vm2, 403) gives the exit code: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("3 target(s): 1 changed, 0 unchanged, 2 failed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("/virtualMachines/vm3"), "{}", r.stderr);
    assert!(r.stderr.contains("\"status\": 404"), "{}", r.stderr);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 1, "{out}");
    assert_eq!(out[0]["id"], ids[0].as_str());
    assert_eq!(out[0]["status"], "changed");
    let shown = ok(&env, &["vm", "identity", "show", "-g", "rg", "-n", "vm1"]).await;
    assert_eq!(shown["type"], "SystemAssigned, UserAssigned");
    let shown = ok(&env, &["vm", "identity", "show", "-g", "rg", "-n", "vm2"]).await;
    assert!(shown.is_null() || shown["type"] == "None", "{shown}");

    // The plan now: vm1 done, vm2 still to change, vm3 an error (exit 1 with --detailed-exitcode).
    let r = env
        .msi(&["plan", "-f", &desired, "--detailed-exitcode"])
        .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .contains(&format!("! {}\n    error: ResourceNotFound", ids[2])),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!("+ {}", ids[1])), "{}", r.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_files_are_refused_with_the_line_and_field_and_nothing_changes() {
    let env = start().await;
    let token = env.admin_token().await;
    let ids = fleet(&env, &["vm1", "vm2"]).await;
    let second = format!("    ids: [{}]\n", ids[1]);
    let sub = env.emu.subscription_id().to_string();
    let good = format!(
        "  - kind: vm\n    ids: [{}]\n    identity:\n      systemAssigned: true\n",
        ids[0]
    );
    let cases: Vec<(&str, String, String)> = vec![
        ("syntax.yaml", format!("targets:\n{good}  - kind: vm\n    ids: [oops\n"), "syntax.yaml:".into()),
        (
            "unknown-field.yaml",
            format!("targets:\n{good}  - kind: vm\n{second}    identiti: {{}}\n"),
            "unknown-field.yaml:8:5: targets[1]: unknown field `identiti`".into(),
        ),
        (
            "wrong-type.yaml",
            format!("targets:\n{good}  - kind: vm\n{second}    identity:\n      systemAssigned: sometimes\n"),
            "wrong-type.yaml:9:23: targets[1].identity.systemAssigned: invalid type: string \\\"sometimes\\\", expected true or false".into(),
        ),
        (
            "unknown-role.yaml",
            format!("targets:\n{good}  - kind: vm\n{second}    roles:\n      - role: NoSuchRole\n        scope: /subscriptions/{sub}\n"),
            "unknown-role.yaml: targets[1].roles[0].role: no role named 'NoSuchRole'".into(),
        ),
        (
            "unknown-identity.yaml",
            format!("targets:\n{good}  - kind: vm\n{second}    identity:\n      userAssigned:\n        atLeast: [id-nope]\n"),
            "unknown-identity.yaml: targets[1].identity.userAssigned: user-assigned identity".into(),
        ),
        (
            "twice.yaml",
            format!("targets:\n{good}  - kind: vm\n    resourceGroup: rg\n    msiExtension: absent\n"),
            "targets[1]: ".into(),
        ),
    ];
    let before = writes(&env, &token).await;
    for (name, text, want) in &cases {
        let path = file(&env, name, text);
        for cmd in ["plan", "apply"] {
            let r = env.msi(&[cmd, "-f", &path]).await;
            assert_eq!(r.code, 2, "{cmd} {name}: {}", r.stderr);
            let e = r.err();
            let message = e["error"]["message"].as_str().unwrap();
            assert!(r.stderr.contains(want.as_str()), "{cmd} {name}: {message}");
            assert_eq!(e["error"]["kind"], "invalid_argument", "{e}");
        }
        let r = env.msi(&["plan", "-f", &path, "--detailed-exitcode"]).await;
        assert_eq!(r.code, 1, "{name}: {}", r.stderr);
    }
    let missing = env.dir.path().join("missing.yaml");
    let missing = missing.to_str().unwrap();
    for cmd in ["plan", "apply"] {
        let r = env.msi(&[cmd, "-f", missing]).await;
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("cannot read {missing}")),
            "{}",
            r.stderr
        );
    }
    assert_eq!(
        writes(&env, &token).await,
        before,
        "a bad file must change nothing"
    );
    let shown = env
        .msi(&["vm", "identity", "show", "-g", "rg", "-n", "vm1"])
        .await;
    assert!(
        shown.json_or_null().is_null() || shown.json()["type"] == "None",
        "{}",
        shown.stdout
    );
}
