//! az's output and diagnostics conventions: `--query`, `-o yaml`, shell completion, help with examples and
//! "Global Arguments", and `--verbose` / `--debug` logs that never show a secret or a token.

mod common;

use common::{Run, run, start};
use serde_json::Value;

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_applies_after_the_shaping_and_yaml_is_json_in_yaml() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    for name in ["id-one", "id-two"] {
        ok(&env
            .msi(&["identity", "create", "-g", "rg", "-n", name])
            .await);
    }
    // A projection, as tsv: one name a line.
    let r = env
        .msi(&[
            "identity", "list", "-g", "rg", "--query", "[].name", "-o", "tsv",
        ])
        .await;
    ok(&r);
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        vec!["id-one", "id-two"]
    );
    // A filter and a multiselect hash, as JSON.
    let r = env
        .msi(&[
            "identity",
            "list",
            "-g",
            "rg",
            "--query",
            "[?name=='id-two'].{n: name, c: properties.clientId}",
        ])
        .await;
    ok(&r);
    let v = r.json();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["n"], "id-two");
    assert!(v[0]["c"].as_str().is_some_and(|c| !c.is_empty()));
    // The query sees az's shape of `identity assign` (systemAssignedIdentity), not the ARM resource.
    ok(&env.msi(&["vm", "create", "-g", "rg", "-n", "vm"]).await);
    let r = env
        .msi(&[
            "vm",
            "identity",
            "assign",
            "-g",
            "rg",
            "-n",
            "vm",
            "--query",
            "systemAssignedIdentity",
            "-o",
            "tsv",
        ])
        .await;
    ok(&r);
    assert_eq!(r.stdout.trim().len(), 36, "a principal id: {}", r.stdout);

    // YAML and yamlc: the same document as JSON.
    let json = env
        .msi(&["identity", "show", "-g", "rg", "-n", "id-one"])
        .await;
    ok(&json);
    for fmt in ["yaml", "yamlc"] {
        let y = env
            .msi(&["identity", "show", "-g", "rg", "-n", "id-one", "-o", fmt])
            .await;
        ok(&y);
        let parsed: Value = serde_yaml_ng::from_str(&y.stdout).unwrap();
        assert_eq!(parsed, json.json(), "{}", y.stdout);
        assert!(y.stdout.contains("name: id-one"), "{}", y.stdout);
    }
    // A bad query is refused before anything is sent: 2.
    let r = env.msi(&["identity", "list", "--query", "[?"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.err()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--query")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_scripts_and_help_as_az_users_expect() {
    let env = start().await;
    for (shell, marker) in [
        ("bash", "_msi()"),
        ("zsh", "#compdef msi"),
        ("fish", "complete -c msi"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let r = run(env.bare(&["completion", shell])).await;
        ok(&r);
        assert!(
            r.stdout.contains(marker),
            "{shell}: {}",
            &r.stdout[..200.min(r.stdout.len())]
        );
        for word in ["identity", "assign", "query", "no-wait"] {
            assert!(r.stdout.contains(word), "{shell} completes {word}");
        }
    }
    // The bash script is valid bash.
    if std::path::Path::new("/bin/bash").exists() {
        let script = env.dir.path().join("msi.bash");
        std::fs::write(&script, run(env.bare(&["completion", "bash"])).await.stdout).unwrap();
        let st = std::process::Command::new("/bin/bash")
            .arg("-n")
            .arg(&script)
            .status()
            .unwrap();
        assert!(st.success());
    }

    // Long help: every flag described, examples, global options apart.
    let r = run(env.bare(&["vm", "identity", "assign", "--help"])).await;
    ok(&r);
    let h = &r.stdout;
    let global = h
        .find("Global Arguments:")
        .expect("a Global Arguments heading");
    let own = h.find("--identities").unwrap();
    assert!(own < global, "the command's own flags come first:\n{h}");
    assert!(h[global..].contains("--query") && h[global..].contains("--subscription"));
    assert!(
        h.contains("Name of the resource group"),
        "-g is described:\n{h}"
    );
    assert!(
        h.contains("Examples:") && h.contains("msi vm identity assign -g myResourceGroup -n myVM")
    );
    let r = run(env.bare(&["vmss", "identity", "assign", "--help"])).await;
    assert!(
        r.stdout
            .contains("msi vmss identity assign -g myResourceGroup -n myVMSS"),
        "{}",
        r.stdout
    );
    // Every flag of every command has a description.
    let r = run(env.bare(&["vm", "create", "--help"])).await;
    let lines: Vec<&str> = r.stdout.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with('-') && !l.starts_with("    ") {
            let next = lines.get(i + 1).map(|n| n.trim()).unwrap_or("");
            assert!(!next.is_empty(), "{t} has no description:\n{}", r.stdout);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_and_debug_show_requests_and_retries_never_secrets() {
    let env = start().await;
    ok(&env
        .msi(&["group", "create", "-n", "rg", "-l", "westus"])
        .await);
    let admin = env.admin_token().await;
    // Two transient failures: each retry and its wait is logged.
    let fault = serde_json::json!({"method": "GET", "path_contains": "/resourcegroups/rg", "status": 503, "count": 2});
    let (s, b) = env
        .raw(&admin, "POST", "/_emulator/faults", Some(fault))
        .await;
    assert!((200..300).contains(&s), "{b}");
    let r = env.msi(&["--verbose", "group", "show", "-n", "rg"]).await;
    ok(&r);
    let e = &r.stderr;
    for needle in [
        "request: GET https://",
        "response: 503",
        "retry 1 of 4",
        "retry 2 of 4",
        "response: 200",
        "request id ",
        "EnvironmentCredential gave the token",
    ] {
        assert!(e.contains(needle), "{needle} missing from:\n{e}");
    }
    // --debug adds headers, redacted.
    let r = env.msi(&["--debug", "group", "show", "-n", "rg"]).await;
    ok(&r);
    assert!(r.stderr.contains("authorization: REDACTED"), "{}", r.stderr);
    assert!(
        r.stderr.contains("x-ms-client-request-id: "),
        "{}",
        r.stderr
    );

    // The tokens these processes used (kept in this test's cache) and the secret appear nowhere.
    let cache: Value =
        serde_json::from_str(&std::fs::read_to_string(env.cache_dir.join("tokens.json")).unwrap())
            .unwrap();
    let tokens: Vec<String> = cache["tokens"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["token"].as_str().unwrap().to_string())
        .collect();
    assert!(!tokens.is_empty());
    for out in [e, &r.stderr] {
        assert!(
            !out.contains(env.emu.admin_client_secret()),
            "the client secret leaked"
        );
        for t in &tokens {
            assert!(!out.contains(t.as_str()), "a token leaked");
            // Not even its signature.
            assert!(
                !out.contains(t.rsplit('.').next().unwrap()),
                "a token signature leaked"
            );
        }
        assert!(!out.contains(&admin));
    }
    // Without a flag: quiet; --only-show-errors: quiet too.
    for flags in [&[][..], &["--only-show-errors"][..]] {
        let mut args = flags.to_vec();
        args.extend(["group", "show", "-n", "rg"]);
        let r = env.msi(&args).await;
        ok(&r);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
    }
}
