//! The `msi` binary against an in-process emulator over real HTTPS: flags, environment, output, exit codes.

mod common;

use common::{Run, start};
use serde_json::Value;
use std::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_cli_steps_work_with_the_same_flags() {
    let env = start().await;
    let ok = |r: &Run| assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);

    let r = env
        .msi(&[
            "group",
            "create",
            "--name",
            "myResourceGroup",
            "--location",
            "westus",
        ])
        .await;
    ok(&r);
    let r = env
        .msi(&[
            "vm",
            "create",
            "--resource-group",
            "myResourceGroup",
            "--name",
            "myVM",
            "--image",
            "win2016datacenter",
            "--generate-ssh-keys",
            "--assign-identity",
            "--admin-username",
            "azureuser",
            "--admin-password",
            "myPassword12",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["identity"]["type"], "SystemAssigned");
    assert!(
        !r.stdout.contains("myPassword12"),
        "the password is never echoed"
    );

    let r = env
        .msi(&[
            "identity",
            "create",
            "-g",
            "myResourceGroup",
            "-n",
            "myUserAssignedIdentity",
        ])
        .await;
    ok(&r);
    let uai_id = r.json()["id"].as_str().unwrap().to_string();

    let r = env
        .msi(&[
            "vm",
            "identity",
            "assign",
            "-g",
            "myResourceGroup",
            "-n",
            "myVM",
            "--identities",
            "myUserAssignedIdentity",
        ])
        .await;
    ok(&r);
    let out = r.json();
    assert!(
        out["systemAssignedIdentity"]
            .as_str()
            .is_some_and(|s| !s.is_empty()),
        "{out}"
    );
    let keys: Vec<String> = out["userAssignedIdentities"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    assert_eq!(keys, vec![uai_id.to_ascii_lowercase()]);

    let r = env
        .msi(&[
            "vm",
            "identity",
            "show",
            "-g",
            "myResourceGroup",
            "-n",
            "myVM",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["type"], "SystemAssigned, UserAssigned");

    let r = env
        .msi(&[
            "vm",
            "identity",
            "remove",
            "-g",
            "myResourceGroup",
            "-n",
            "myVM",
            "--identities",
            "myUserAssignedIdentity",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["type"], "SystemAssigned");

    let r = env
        .msi(&[
            "vm",
            "update",
            "-n",
            "myVM",
            "-g",
            "myResourceGroup",
            "--set",
            "identity.type=none",
        ])
        .await;
    ok(&r);
    assert!(r.json().get("identity").is_none());

    let r = env
        .msi(&[
            "vm",
            "extension",
            "set",
            "-g",
            "myResourceGroup",
            "--vm-name",
            "myVM",
            "-n",
            "ManagedIdentityExtensionForWindows",
            "--publisher",
            "Microsoft.ManagedIdentity",
            "--version",
            "1.0",
            "--settings",
            "{\"port\": 50342}",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["properties"]["settings"]["port"], 50342);
    let r = env
        .msi(&[
            "vm",
            "extension",
            "delete",
            "-g",
            "myResourceGroup",
            "--vm-name",
            "myVM",
            "-n",
            "ManagedIdentityExtensionForWindows",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["deleted"], true);

    // Scale sets take the same commands.
    let r = env
        .msi(&[
            "vmss",
            "create",
            "-g",
            "myResourceGroup",
            "-n",
            "myVMSS",
            "--assign-identity",
            "myUserAssignedIdentity",
            "[system]",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["identity"]["type"], "SystemAssigned, UserAssigned");
    let r = env
        .msi(&[
            "vmss",
            "update",
            "-n",
            "myVMSS",
            "-g",
            "myResourceGroup",
            "--set",
            "identity.type='SystemAssigned'",
            "identity.userAssignedIdentities=null",
        ])
        .await;
    ok(&r);
    assert_eq!(r.json()["identity"]["type"], "SystemAssigned");

    // Table output.
    let r = env
        .msi(&["identity", "list", "-g", "myResourceGroup", "-o", "table"])
        .await;
    ok(&r);
    let head = r.stdout.lines().next().unwrap();
    let cols: Vec<&str> = head.split_whitespace().collect();
    assert!(
        cols[0] == "Name" && cols.contains(&"ClientId") && !cols.contains(&"Id"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("myUserAssignedIdentity"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_run_many_resources_at_once() {
    let env = start().await;
    assert_eq!(
        env.msi(&["group", "create", "-n", "rg", "-l", "westus"])
            .await
            .code,
        0
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = env
            .msi(&["vm", "create", "-g", "rg", "-n", &format!("vm{i}")])
            .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    let mut args = vec!["vm", "identity", "assign", "--ids"];
    args.extend(ids.iter().map(String::as_str));
    let r = env.msi(&args).await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = r.json();
    assert_eq!(out.as_array().unwrap().len(), 5);
    assert!(out.as_array().unwrap().iter().all(|o| {
        o["systemAssignedIdentity"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    }));

    // A partial failure: what succeeded is printed in the format asked for, the error goes to stderr, and the
    // exit code is the error's.
    let missing = ids[0].replace("/vm0", "/nosuchvm");
    let r = env
        .msi(&[
            "vm", "show", "-o", "tsv", "--ids", &ids[1], &missing, &ids[2],
        ])
        .await;
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert!(
        serde_json::from_str::<Value>(&r.stdout).is_err(),
        "not JSON: {}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("vm1") && r.stdout.contains("vm2"),
        "{}",
        r.stdout
    );
    assert_eq!(r.err()["error"]["code"], "ResourceNotFound");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_arm_json_on_stderr_with_an_exit_code_per_kind() {
    let env = start().await;
    // Not found: 4, with the service's code and request id.
    assert_eq!(
        env.msi(&["group", "create", "-n", "rg", "-l", "westus"])
            .await
            .code,
        0
    );
    let r = env
        .msi(&["vm", "identity", "show", "-g", "rg", "-n", "nope"])
        .await;
    assert_eq!(r.code, 4, "{}", r.stderr);
    let e = r.err();
    assert_eq!(e["error"]["code"], "ResourceNotFound");
    assert_eq!(e["error"]["kind"], "not_found");
    assert_eq!(e["error"]["status"], 404);
    assert!(e["error"]["requestId"].as_str().is_some());
    assert!(r.stdout.is_empty());

    // Invalid argument: 2, nothing sent.
    let r = env
        .msi(&["identity", "create", "-g", "rg", "-n", "x"])
        .await;
    assert_eq!(r.code, 2);
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("3 to 128")
    );
    let r = env
        .msi(&[
            "vm",
            "update",
            "-g",
            "rg",
            "-n",
            "vm",
            "--set",
            "identity.type=Both",
        ])
        .await;
    assert_eq!(r.code, 2);
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'Both'")
    );

    // Missing group: 4 with ResourceGroupNotFound.
    let r = env
        .msi(&[
            "identity", "create", "-g", "nogroup", "-n", "abc", "-l", "westus",
        ])
        .await;
    assert_eq!(
        (r.code, r.err()["error"]["code"].as_str()),
        (4, Some("ResourceGroupNotFound"))
    );

    // Unknown identity: 3 (service 400) with FailedIdentityOperation.
    assert_eq!(
        env.msi(&["vm", "create", "-g", "rg", "-n", "vm"])
            .await
            .code,
        0
    );
    let r = env
        .msi(&[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "-n",
            "vm",
            "--identities",
            "ghost-identity",
        ])
        .await;
    assert_eq!(
        (r.code, r.err()["error"]["code"].as_str()),
        (3, Some("FailedIdentityOperation"))
    );

    // Bad credentials: 6, and the secret is not printed.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msi"));
    cmd.args([
        "group",
        "show",
        "-n",
        "rg",
        "--client-secret",
        "wrong-secret-value",
    ])
    .env("MSI_ARM_ENDPOINT", env.emu.endpoint())
    .env("AZURE_SUBSCRIPTION_ID", env.emu.subscription_id())
    .env("AZURE_TENANT_ID", env.emu.tenant_id())
    .env("AZURE_CLIENT_ID", env.emu.admin_client_id())
    .env("MSI_CA_CERT", &env.ca);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(6));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("wrong-secret-value"));

    // No credential at all: the default chain finds none (no service principal, no workload identity, no
    // managed-identity endpoint, no az on PATH): 12, with each source's reason and what to set.
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_msi"))
            .args([
                "group",
                "show",
                "-n",
                "rg",
                "--subscription",
                "00000000-0000-0000-0000-000000000001",
            ])
            .env_clear()
            .env("MSI_TOKEN_CACHE_DIR", dir.path())
            // Nothing listens there: the probe fails at once (never the real link-local IMDS address).
            .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(12), "{stderr}");
    for needle in [
        "AZURE_CLIENT_SECRET",
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        "AzureCliCredential: azure cli credential: Azure CLI not found on PATH",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_walks_through_every_step() {
    let out = tokio::task::spawn_blocking(|| {
        Command::new(env!("CARGO_BIN_EXE_msi"))
            .arg("quickstart")
            .env_clear()
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "$ msi vm create -g myResourceGroup -n myVM --image Win2016Datacenter --admin-username azureuser --assign-identity",
        "$ msi vm identity assign -g myResourceGroup -n myVM2",
        "$ msi identity create -g myResourceGroup -n myUserAssignedIdentity",
        "$ msi vm identity remove -g myResourceGroup -n myVM --identities myUserAssignedIdentity",
        "$ msi vm extension set -g myResourceGroup --vm-name myVM -n ManagedIdentityExtensionForWindows",
        "$ msi vmss identity assign -g myResourceGroup -n myVMSS --identities myUserAssignedIdentity",
        "\"type\":\"SystemAssigned, UserAssigned\"",
        "\"create identity\":\"AuthorizationFailed\"",
        "All 26 steps succeeded",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_assignments_and_a_token_from_imds() {
    let env = start().await;
    let ok = |r: &Run| assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    let r = env.msi(&["vm", "create", "-g", "rg", "-n", "vm"]).await;
    ok(&r);
    let vm_id = r.json()["id"].as_str().unwrap().to_string();
    let scope = format!(
        "/subscriptions/{}/resourceGroups/rg",
        env.emu.subscription_id()
    );
    // az's form: assign the system identity and grant it a role in one command.
    let r = env
        .msi(&[
            "vm", "identity", "assign", "-g", "rg", "-n", "vm", "--role", "Reader", "--scope",
            &scope,
        ])
        .await;
    ok(&r);
    let principal = r.json()["systemAssignedIdentity"]
        .as_str()
        .unwrap()
        .to_string();
    let r = env
        .msi(&[
            "role",
            "assignment",
            "list",
            "--scope",
            &scope,
            "--assignee",
            &principal,
        ])
        .await;
    ok(&r);
    let list = r.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(
        list[0]["properties"]["roleDefinitionId"]
            .as_str()
            .unwrap()
            .ends_with("acdd72a7-3385-48ef-bd42-f606fba81ae7")
    );
    let r = env
        .msi(&[
            "role",
            "assignment",
            "create",
            "--assignee-object-id",
            &principal,
            "--role",
            "Virtual Machine Contributor",
            "--scope",
            &vm_id,
        ])
        .await;
    ok(&r);

    // A process on the VM: get-access-token through IMDS, selected by the environment as azure-identity does.
    let base = env.emu.imds_base_url(&vm_id, None).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msi"));
    cmd.args([
        "account",
        "get-access-token",
        "--resource",
        "https://management.azure.com/",
    ])
    .env_clear()
    .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &base);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tok: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tok["tokenType"], "Bearer");
    assert!(tok["accessToken"].as_str().unwrap().split('.').count() == 3);
    // A user-assigned identity that is not on the VM: credential_unavailable, exit 12.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_msi"));
    cmd.args([
        "account",
        "get-access-token",
        "--client-id",
        "00000000-0000-0000-0000-000000000001",
    ])
    .env_clear()
    .env("AZURE_POD_IDENTITY_AUTHORITY_HOST", &base);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(12),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["error"]["code"], "invalid_request");

    // Delete by assignee and role; only that one goes.
    let r = env
        .msi(&[
            "role",
            "assignment",
            "delete",
            "--assignee",
            &principal,
            "--role",
            "Reader",
            "--scope",
            &scope,
        ])
        .await;
    ok(&r);
    assert_eq!(r.json().as_array().unwrap().len(), 1);
    let r = env
        .msi(&[
            "role",
            "assignment",
            "list",
            "--scope",
            &vm_id,
            "--assignee",
            &principal,
        ])
        .await;
    ok(&r);
    assert_eq!(
        r.json().as_array().unwrap().len(),
        1,
        "the VM-scope grant stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_endpoints_and_empty_resources_are_refused_before_anything_is_sent() {
    let env = start().await;
    // A plain-HTTP ARM endpoint would carry the client secret and bearer tokens in the clear.
    let r = env
        .msi(&[
            "--endpoint",
            "http://127.0.0.1:9",
            "group",
            "show",
            "-n",
            "rg",
        ])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("https")
    );
    // Nothing listens there: exit 2 (refused here), not 10 (tried to connect).
    let r = env
        .msi(&[
            "--authority",
            "http://127.0.0.1:9",
            "group",
            "show",
            "-n",
            "rg",
        ])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = env
        .msi(&["account", "get-access-token", "--resource", ""])
        .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
}
