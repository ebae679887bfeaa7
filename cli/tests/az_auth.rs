//! Reusing a login as az users expect: the DefaultAzureCredential chain (the environment's service principal,
//! workload identity, managed identity, the Azure CLI through a stub `az`), the on-disk token cache across
//! processes, and `--subscription` by name.

mod common;

use common::{Env, Run, run, start};
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
}

/// A stub `az` in its own directory: records its arguments, prints `stdout` (or `stderr` and exits 1).
fn stub_az(env: &Env, name: &str, stdout: &str, stderr: &str) -> std::path::PathBuf {
    let dir = env.dir.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let args = dir.join("args");
    // Builtins only: PATH holds nothing but this directory.
    let script = if stderr.is_empty() {
        let answer = dir.join("answer.json");
        std::fs::write(&answer, stdout.replace('\n', " ")).unwrap();
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\nIFS= read -r line < '{}'\nprintf '%s\\n' \"$line\"\n",
            args.display(),
            answer.display()
        )
    } else {
        format!(
            "#!/bin/sh\necho \"$@\" > '{}'\necho '{stderr}' >&2\nexit 1\n",
            args.display()
        )
    };
    let az = dir.join("az");
    std::fs::write(&az, script).unwrap();
    std::fs::set_permissions(&az, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// `msi args` with no service principal: the chain has to find a credential. The managed-identity probe goes to
/// a port where nothing listens unless `imds` is given (never to the real link-local IMDS address).
fn chain(
    env: &Env,
    args: &[&str],
    path: &std::path::Path,
    imds: Option<&str>,
) -> std::process::Command {
    let mut cmd = env.bare(args);
    cmd.env("PATH", path).env(
        "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        imds.unwrap_or("http://127.0.0.1:9"),
    );
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_uses_az_when_nothing_else_is_there() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    // What `az account get-access-token` prints: a token the test got from the emulator.
    let token = env.admin_token().await;
    let out = format!(
        r#"{{"accessToken": "{token}", "expiresOn": "2099-01-01 00:00:00.000000", "expires_on": {}, "subscription": "{}", "tenant": "{}", "tokenType": "Bearer"}}"#,
        chrono::Utc::now().timestamp() + 3000,
        env.emu.subscription_id(),
        env.emu.tenant_id()
    );
    let dir = stub_az(&env, "az-ok", &out, "");
    let r = run(chain(
        &env,
        &["--verbose", "group", "show", "-n", "rg"],
        &dir,
        None,
    ))
    .await;
    ok(&r);
    assert_eq!(r.json()["name"], "rg");
    let called = std::fs::read_to_string(dir.join("args")).unwrap();
    assert_eq!(
        called.trim(),
        "account get-access-token --output json --resource https://management.azure.com"
    );
    for needle in [
        "EnvironmentCredential: unavailable",
        "WorkloadIdentityCredential: unavailable",
        "ManagedIdentityCredential: unavailable: no managed identity endpoint answered at http://127.0.0.1:9",
        "AzureCliCredential gave the token",
    ] {
        assert!(r.stderr.contains(needle), "{needle}:\n{}", r.stderr);
    }
    assert!(!r.stderr.contains(&token), "the token is never logged");
    // With a tenant, az is asked for that tenant.
    let r = run({
        let mut c = chain(&env, &["group", "show", "-n", "rg"], &dir, None);
        c.env("AZURE_TENANT_ID", env.emu.tenant_id());
        c
    })
    .await;
    ok(&r);
    let called = std::fs::read_to_string(dir.join("args")).unwrap();
    assert!(
        called
            .trim()
            .ends_with(&format!("--tenant {}", env.emu.tenant_id())),
        "{called}"
    );

    // az there but not logged in: unavailable like the rest; 12 with every reason.
    let dir = stub_az(
        &env,
        "az-out",
        "",
        "ERROR: Please run 'az login' to setup account.",
    );
    let r = run(chain(&env, &["group", "show", "-n", "rg"], &dir, None)).await;
    assert_eq!(r.code, 12, "{}", r.stderr);
    let msg = r.err()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        msg.contains("AzureCliCredential: azure cli credential: please run 'az login'"),
        "{msg}"
    );
    assert!(
        msg.contains("EnvironmentCredential: environment variables are not fully configured"),
        "{msg}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chain_takes_the_environment_then_a_managed_identity() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    let empty = env.dir.path().join("no-az");
    std::fs::create_dir_all(&empty).unwrap();
    // The environment's service principal comes first (az is never asked).
    let dir = stub_az(&env, "az-unused", "{}", "");
    let mut cmd = chain(
        &env,
        &["--verbose", "group", "show", "-n", "rg"],
        &dir,
        None,
    );
    cmd.env("AZURE_TENANT_ID", env.emu.tenant_id())
        .env("AZURE_CLIENT_ID", env.emu.admin_client_id())
        .env("AZURE_CLIENT_SECRET", env.emu.admin_client_secret());
    let r = run(cmd).await;
    ok(&r);
    assert!(
        r.stderr.contains("EnvironmentCredential gave the token"),
        "{}",
        r.stderr
    );
    assert!(!dir.join("args").exists(), "az was not run");

    // On a VM: IMDS answers the probe, and the VM's identity (a Reader of the group) is used.
    let r = env
        .msi(&["vm", "create", "-g", "rg", "-n", "vm", "--assign-identity"])
        .await;
    ok(&r);
    let vm_id = r.json()["id"].as_str().unwrap().to_string();
    let principal = r.json()["identity"]["principalId"]
        .as_str()
        .unwrap()
        .to_string();
    let scope = format!(
        "/subscriptions/{}/resourceGroups/rg",
        env.emu.subscription_id()
    );
    ok(&env
        .msi(&[
            "role",
            "assignment",
            "create",
            "--assignee-object-id",
            &principal,
            "--role",
            "Reader",
            "--scope",
            &scope,
        ])
        .await);
    let base = env.emu.imds_base_url(&vm_id, None).unwrap();
    let r = run(chain(
        &env,
        &["--verbose", "group", "show", "-n", "rg"],
        &empty,
        Some(&base),
    ))
    .await;
    ok(&r);
    assert!(r.stderr.contains("IMDS answered the probe"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("ManagedIdentityCredential gave the token"),
        "{}",
        r.stderr
    );

    // Workload identity: the federated token is sent as a jwt-bearer client assertion. The emulator does not
    // take client assertions yet, so it refuses the client: the chain stops there (not unavailable), exit 6.
    let file = env.dir.path().join("federated-token");
    std::fs::write(
        &file,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2ln\n",
    )
    .unwrap();
    let mut cmd = chain(&env, &["group", "show", "-n", "rg"], &empty, None);
    cmd.env("AZURE_TENANT_ID", env.emu.tenant_id())
        .env("AZURE_CLIENT_ID", env.emu.admin_client_id())
        .env("AZURE_FEDERATED_TOKEN_FILE", &file)
        // The same app's tokens are cached under the same key: start from an empty cache.
        .env("MSI_TOKEN_CACHE_DIR", env.dir.path().join("empty-cache"));
    let r = run(cmd).await;
    assert_eq!(r.code, 6, "{}", r.stderr);
    let e = r.err();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("workload identity credential:"),
        "{e}"
    );
    assert!(!r.stderr.contains("c2ln"), "the assertion is never shown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_command_makes_no_token_request() {
    let env = start().await;
    let admin = env.admin_token().await;
    let posts = || env.seen(&admin, "POST", "/oauth2/");
    let before = posts().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    assert_eq!(
        posts().await,
        before + 1,
        "the first command asks for a token"
    );
    ok(&env.msi(&["group", "show", "-n", "rg"]).await);
    ok(&env.msi(&["identity", "list", "-g", "rg"]).await);
    assert_eq!(
        posts().await,
        before + 1,
        "later commands use the cached token"
    );

    // The file: user-only, in a user-only directory, the token never printed.
    let file = env.cache_dir.join("tokens.json");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&env.cache_dir), 0o700);
    let cache: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let keys: Vec<&String> = cache["tokens"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 1);
    let k = keys[0].to_ascii_lowercase();
    for part in [
        env.emu.endpoint(),
        env.emu.tenant_id(),
        env.emu.admin_client_id(),
        "https://management.azure.com/.default",
    ] {
        assert!(k.contains(&part.to_ascii_lowercase()), "{part} in {k}");
    }

    // A refused cached token (the emulator's keys changed, say) is dropped and renewed once.
    let key = keys[0].clone();
    let good = cache["tokens"][&key]["token"].as_str().unwrap().to_string();
    let (head, _sig) = good.rsplit_once('.').unwrap();
    let stale = format!("{head}.c2lnbmVkIGJ5IGFub3RoZXIga2V5");
    let mut c = cache.clone();
    c["tokens"][&key]["token"] = Value::String(stale);
    std::fs::write(&file, c.to_string()).unwrap();
    ok(&env.msi(&["group", "show", "-n", "rg"]).await);
    assert_eq!(posts().await, before + 2);

    // --access-token is used as given and never cached.
    let given = env.admin_token().await;
    let before = posts().await;
    let r = run({
        let mut c = env.bare(&["group", "show", "-n", "rg"]);
        c.env("MSI_ACCESS_TOKEN", &given);
        c
    })
    .await;
    ok(&r);
    assert_eq!(posts().await, before);
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&given));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_by_name_or_id() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    let (_, info) = {
        let t = env.admin_token().await;
        env.raw(
            &t,
            "GET",
            &format!(
                "/subscriptions/{}?api-version=2022-12-01",
                env.emu.subscription_id()
            ),
            None,
        )
        .await
    };
    let name = info["displayName"].as_str().unwrap().to_string();
    for s in [
        name.clone(),
        name.to_uppercase(),
        env.emu.subscription_id().to_string(),
    ] {
        let r = env
            .msi(&["--subscription", &s, "group", "show", "-n", "rg"])
            .await;
        ok(&r);
        assert!(
            r.json()["id"]
                .as_str()
                .unwrap()
                .contains(env.emu.subscription_id())
        );
    }
    let r = env
        .msi(&[
            "--subscription",
            "No Such Subscription",
            "group",
            "show",
            "-n",
            "rg",
        ])
        .await;
    assert_eq!(r.code, 4, "{}", r.stderr);
    assert_eq!(r.err()["error"]["code"], "SubscriptionNotFound");
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&name)
    );
}
