//! `msi portal`'s server over real HTTP against an in-process emulator: who may drive it (token, Host, Origin),
//! bad input answered in the error model with nothing changed, and every API call checked with `msi` itself.

mod common;
#[path = "portal/support.rs"]
mod support;

use common::{Env, start};
use serde_json::{Value, json};
use support::{Portal, http, send};

async fn portal(env: &Env) -> Portal {
    let cmd = env.command(&["portal", "--no-browser"]);
    tokio::task::spawn_blocking(move || Portal::spawn(cmd))
        .await
        .unwrap()
}

async fn ok(env: &Env, args: &[&str]) -> Value {
    let r = env.msi(args).await;
    assert_eq!(r.code, 0, "msi {args:?}: {}", r.stderr);
    r.json_or_null()
}

/// A group with a VM (no identity) and a user-assigned identity, made with `msi`.
async fn seed(env: &Env) -> (String, String) {
    ok(env, &["group", "create", "-n", "rg", "-l", "westus"]).await;
    let vm = ok(
        env,
        &[
            "vm",
            "create",
            "-g",
            "rg",
            "-n",
            "vm1",
            "--image",
            "UbuntuLTS",
        ],
    )
    .await;
    let uai = ok(env, &["identity", "create", "-g", "rg", "-n", "uai1"]).await;
    (
        vm["id"].as_str().unwrap().to_string(),
        uai["id"].as_str().unwrap().to_string(),
    )
}

async fn vm_identity(env: &Env) -> Value {
    ok(env, &["vm", "identity", "show", "-g", "rg", "-n", "vm1"]).await
}

fn enc(s: &str) -> String {
    s.replace('/', "%2F")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_printed_url_opens_it_and_only_the_page_writes() {
    let env = start().await;
    let (vm, _) = seed(&env).await;
    let p = portal(&env).await;
    assert!(p.banner.contains(env.emu.subscription_id()), "{}", p.banner);
    assert!(p.base.starts_with("http://127.0.0.1:"), "{}", p.base);

    // No token, a wrong token: 403 in the error model.
    for path in ["/", "/api/vms", "/app.js", "/?token=0123"] {
        let (s, body) = send(http().get(format!("{}{path}", p.base))).await;
        assert_eq!(s, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "PortalTokenMissing", "{path}");
        assert_eq!(body["error"]["kind"], "authorization");
    }
    let (s, _) = send(
        http()
            .get(format!("{}/api/vms", p.base))
            .header("cookie", format!("msi_portal_{}=nope", p.port())),
    )
    .await;
    assert_eq!(s, 403);

    // The printed URL: a cookie (HttpOnly, SameSite=Strict) and the token out of the address bar.
    let resp = http().get(&p.url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/");
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with(&p.cookie()), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let page = http()
        .get(format!("{}/", p.base))
        .header("cookie", p.cookie())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"));
    assert!(page.text().await.unwrap().contains("Managed Identities"));

    // Another name for this server (DNS rebinding) is refused, even with the cookie.
    let (s, body) = send(
        p.request("GET", "/api/vms")
            .header("host", "attacker.example:80"),
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (403, Some("PortalHostRefused"))
    );

    // A write from another origin, or with no origin, changes nothing.
    let assign = format!("/api/identity/assign?id={}", enc(&vm));
    let body = json!({ "systemAssigned": true });
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut r = http()
            .post(format!("{}{assign}", p.base))
            .header("cookie", p.cookie())
            .header("content-type", "application/json")
            .json(&body);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        let (s, e) = send(r).await;
        assert_eq!(s, 403, "{origin:?}: {e}");
        assert_eq!(e["error"]["code"], "PortalOriginRefused");
    }
    let (s, e) = send(
        p.request("POST", &assign)
            .header("sec-fetch-site", "cross-site")
            .json(&body),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (403, Some("PortalOriginRefused"))
    );
    assert_eq!(vm_identity(&env).await, Value::Null, "nothing was changed");

    // The page itself may.
    let (s, v) = send(p.request("POST", &assign).json(&body)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["systemAssigned"], true);
    assert_eq!(vm_identity(&env).await["type"], "SystemAssigned");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_answered_in_the_error_model_and_changes_nothing() {
    let env = start().await;
    let (vm, uai) = seed(&env).await;
    let p = portal(&env).await;
    let assign = format!("/api/identity/assign?id={}", enc(&vm));

    // An unknown resource: ARM's 404, its code and request id.
    let missing = vm.replace("/vm1", "/nope");
    let (s, e) = send(p.request("GET", &format!("/api/identity?id={}", enc(&missing)))).await;
    assert_eq!(s, 404, "{e}");
    assert_eq!(e["error"]["code"], "ResourceNotFound");
    assert_eq!(e["error"]["kind"], "not_found");
    assert!(
        e["error"]["requestId"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{e}"
    );
    let (s, e) = send(
        p.request(
            "POST",
            &format!("/api/identity/assign?id={}", enc(&missing)),
        )
        .json(&json!({})),
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (404, Some("ResourceNotFound")),
        "{e}"
    );

    // Input refused before anything is sent: 400 invalid_argument with a message naming what was wrong.
    let cases: Vec<(String, reqwest::RequestBuilder, &str)> = vec![
        ("no id".into(), p.request("GET", "/api/identity"), "'id'"),
        (
            "not an ID".into(),
            p.request("GET", "/api/identity?id=vm1"),
            "invalid resource ID",
        ),
        (
            "not JSON".into(),
            p.request("POST", &assign).body("{"),
            "invalid request body",
        ),
        (
            "unknown field".into(),
            p.request("POST", &assign).json(&json!({"bogus": true})),
            "unknown field",
        ),
        (
            "not JSON content".into(),
            p.request("POST", &assign)
                .header("content-type", "text/plain")
                .body("{}"),
            "application/json",
        ),
        (
            "an identity that is not one".into(),
            p.request("POST", &assign)
                .json(&json!({"identities": [vm]})),
            "user-assigned",
        ),
        (
            "role without scope".into(),
            p.request("POST", &assign).json(&json!({"role": "Reader"})),
            "--scope",
        ),
        (
            "bad identity name".into(),
            p.request("POST", "/api/identities")
                .json(&json!({"resourceGroup": "rg", "name": "a"})),
            "name",
        ),
        (
            "no principal".into(),
            p.request("GET", "/api/role-assignments"),
            "'principal'",
        ),
        (
            "bad principal".into(),
            p.request("GET", "/api/role-assignments?principal=x'y"),
            "principal",
        ),
        (
            "attachments of a VM".into(),
            p.request(
                "GET",
                &format!("/api/identities/attachments?id={}", enc(&vm)),
            ),
            "not a user-assigned identity",
        ),
    ];
    for (what, r, needle) in cases {
        let (s, e) = send(r).await;
        assert_eq!(s, 400, "{what}: {e}");
        assert_eq!(e["error"]["kind"], "invalid_argument", "{what}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(needle),
            "{what}: {e}"
        );
    }
    // Removing an identity that is not attached: core's refusal, nothing sent.
    let (s, e) = send(
        p.request("POST", &format!("/api/identity/remove?id={}", enc(&vm)))
            .json(&json!({"identities": [uai]})),
    )
    .await;
    assert_eq!(s, 400, "{e}");
    assert_eq!(vm_identity(&env).await, Value::Null, "nothing was changed");
    let (s, e) = send(p.request("GET", "/api/nothing-here")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("NotFound")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_goes_through_core_and_msi_sees_it() {
    let env = start().await;
    let (vm, uai) = seed(&env).await;
    let p = portal(&env).await;
    let q = |path: &str, id: &str| format!("{path}?id={}", enc(id));

    let (s, groups) = send(p.request("GET", "/api/groups")).await;
    assert_eq!(s, 200);
    assert!(
        groups.as_array().unwrap().iter().any(|g| g["name"] == "rg"),
        "{groups}"
    );
    let (_, vms) = send(p.request("GET", "/api/vms?group=rg")).await;
    assert_eq!(vms[0]["name"], "vm1");
    assert_eq!(vms[0]["identityType"], "None");
    let (_, sets) = send(p.request("GET", "/api/vmss")).await;
    assert_eq!(sets, json!([]));

    // Status On, Add, Remove, Status Off: each as `msi vm identity show` then reports it.
    let (s, v) = send(
        p.request("POST", &q("/api/identity/assign", &vm))
            .json(&json!({"systemAssigned": true})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let principal = v["principalId"].as_str().unwrap().to_string();
    assert_eq!(vm_identity(&env).await["principalId"], principal.as_str());
    ok(
        &env,
        &[
            "role",
            "assignment",
            "create",
            "--assignee-object-id",
            &principal,
            "--role",
            "Reader",
            "--scope",
            &format!(
                "/subscriptions/{}/resourceGroups/rg",
                env.emu.subscription_id()
            ),
        ],
    )
    .await;
    let (s, roles) = send(p.request(
        "GET",
        &format!("/api/role-assignments?principal={principal}"),
    ))
    .await;
    assert_eq!(s, 200, "{roles}");
    assert_eq!(roles[0]["role"], "Reader", "{roles}");
    assert!(
        roles[0]["scope"]
            .as_str()
            .unwrap()
            .ends_with("/resourceGroups/rg")
    );

    let (s, v) = send(
        p.request("POST", &q("/api/identity/assign", &vm))
            .json(&json!({"identities": [uai]})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["userAssigned"][0]["name"], "uai1");
    assert_eq!(v["userAssigned"][0]["resourceGroup"], "rg");
    let shown = vm_identity(&env).await;
    assert_eq!(shown["type"], "SystemAssigned, UserAssigned");
    let (_, attached) = send(p.request("GET", &q("/api/identities/attachments", &uai))).await;
    assert_eq!(attached[0]["name"], "vm1", "{attached}");
    // The same Add again: no write (the change plan's no-op).
    let (_, v) = send(
        p.request("POST", &q("/api/identity/assign", &vm))
            .json(&json!({"identities": [uai]})),
    )
    .await;
    assert_eq!(v["changed"], false);

    let (_, v) = send(
        p.request("POST", &q("/api/identity/remove", &vm))
            .json(&json!({"identities": [uai]})),
    )
    .await;
    assert_eq!(v["userAssigned"], json!([]));
    assert_eq!(vm_identity(&env).await["type"], "SystemAssigned");
    let (_, v) = send(
        p.request("POST", &q("/api/identity/remove", &vm))
            .json(&json!({"systemAssigned": true})),
    )
    .await;
    assert_eq!(v["systemAssigned"], false);
    assert_eq!(vm_identity(&env).await, Value::Null);

    // Managed Identities: create, show, delete.
    let (s, made) = send(
        p.request("POST", "/api/identities")
            .json(&json!({"resourceGroup": "rg", "name": "uai2"})),
    )
    .await;
    assert_eq!(s, 200, "{made}");
    assert_eq!(made["location"], "westus");
    let shown = ok(&env, &["identity", "show", "-g", "rg", "-n", "uai2"]).await;
    assert_eq!(shown["properties"]["clientId"], made["clientId"]);
    let id = made["id"].as_str().unwrap();
    let (_, one) = send(p.request("GET", &q("/api/identities/one", id))).await;
    assert_eq!(one["principalId"], shown["properties"]["principalId"]);
    assert_eq!(one["tenantId"], env.emu.tenant_id());
    let (_, gone) = send(p.request("DELETE", &q("/api/identities", id))).await;
    assert_eq!(gone["deleted"], true);
    let r = env
        .msi(&["identity", "show", "-g", "rg", "-n", "uai2"])
        .await;
    assert_eq!(r.code, 4, "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_nothing_configured_it_starts_a_seeded_emulator() {
    let env = start().await;
    // No endpoint, subscription or credential in the environment.
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_msi"));
    cmd.args(["portal", "--no-browser"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("MSI_TOKEN_CACHE_DIR", &env.cache_dir);
    let mut p = tokio::task::spawn_blocking(move || Portal::spawn(cmd))
        .await
        .unwrap();
    assert!(p.banner.contains("embedded emulator"), "{}", p.banner);
    let (_, ctx) = send(p.request("GET", "/api/context")).await;
    assert_eq!(ctx["embedded"], true);
    let (_, vms) = send(p.request("GET", "/api/vms")).await;
    let (_, sets) = send(p.request("GET", "/api/vmss")).await;
    let (_, uais) = send(p.request("GET", "/api/identities")).await;
    assert_eq!(vms[0]["name"], "myVM", "{vms}");
    assert_eq!(sets[0]["name"], "myVMSS", "{sets}");
    assert_eq!(uais[0]["name"], "myUserAssignedIdentity", "{uais}");
    let status = tokio::task::spawn_blocking(move || p.stop()).await.unwrap();
    assert!(status.success(), "{status:?}");
}
