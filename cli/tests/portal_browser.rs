//! Every portal step of the seed documents (VM and scale set: System assigned On, Off; a user-assigned identity
//! created under Managed Identities, Added, Removed) clicked through in headless Chromium against `msi portal`,
//! each checked with `msi vm identity show` / `msi vmss identity show` against the same emulator; screenshots
//! under target/portal-screenshots/. Needs Debian's chromium and chromium-driver: run cli/tests/portal/run.sh.

#[path = "portal/browser.rs"]
mod browser;
mod common;
#[path = "portal/support.rs"]
mod support;

use browser::{Driver, Page};
use common::{Env, start};
use fantoccini::Locator;
use fantoccini::key::Key;
use serde_json::Value;
use support::Portal;

const G: &str = "myResourceGroup";

async fn msi_ok(env: &Env, args: &[&str]) -> Value {
    let r = env.msi(args).await;
    assert_eq!(r.code, 0, "msi {args:?}: {}", r.stderr);
    r.json_or_null()
}

/// `msi vm|vmss identity show`.
async fn shown(env: &Env, kind: &str, name: &str) -> Value {
    msi_ok(env, &[kind, "identity", "show", "-g", G, "-n", name]).await
}

fn user_ids(identity: &Value) -> Vec<String> {
    identity["userAssignedIdentities"]
        .as_object()
        .map(|m| m.keys().map(|k| k.to_ascii_lowercase()).collect())
        .unwrap_or_default()
}

async fn no_error(p: &Page, step: &str) {
    if let Some(e) = p.error().await {
        panic!("{step}: the page shows an error: {e}");
    }
}

/// From the resource list, open a resource's Identity blade.
async fn open_blade(p: &Page, portal: &Portal, name: &str) {
    p.c.goto(&format!("{}/#/", portal.base)).await.unwrap();
    p.idle().await;
    p.click(&format!("a[data-resource='{name}']")).await;
    p.until(&format!("document.querySelector('h1') && document.querySelector('h1').textContent === '{name} | Identity'")).await;
    p.idle().await;
    no_error(p, "open the blade").await;
}

/// Under Managed Identities, create a user-assigned identity; check it with `msi identity show` and its
/// properties page.
async fn create_identity(p: &mut Page, portal: &Portal, env: &Env, name: &str) -> Value {
    p.c.goto(&format!("{}/#/identities", portal.base))
        .await
        .unwrap();
    p.idle().await;
    p.wait_for_element("#new-group")
        .await
        .select_by_value(G)
        .await
        .unwrap();
    p.wait_for_element("#new-name")
        .await
        .send_keys(name)
        .await
        .unwrap();
    p.shot(&format!("{name}-create")).await;
    p.click("#create").await;
    p.idle().await;
    no_error(p, "create").await;
    assert_eq!(p.status().await, format!("Created: {name}"));
    let made = msi_ok(env, &["identity", "show", "-g", G, "-n", name]).await;
    p.click(&format!("a[data-identity='{name}']")).await;
    p.until(&format!(
        "document.querySelector('h1') && document.querySelector('h1').textContent === '{name}'"
    ))
    .await;
    p.idle().await;
    assert_eq!(
        p.text("#prop-client-id").await,
        made["properties"]["clientId"].as_str().unwrap()
    );
    assert_eq!(
        p.text("#prop-principal-id").await,
        made["properties"]["principalId"].as_str().unwrap()
    );
    assert_eq!(p.text("#prop-tenant-id").await, env.emu.tenant_id());
    p.shot(&format!("{name}-properties")).await;
    made
}

/// The seed's steps on one resource.
async fn steps(p: &mut Page, portal: &Portal, env: &Env, kind: &str, name: &str, uai: &str) {
    // System assigned: Status On, Save.
    open_blade(p, portal, name).await;
    assert_eq!(
        shown(env, kind, name).await,
        Value::Null,
        "{name} starts without an identity"
    );
    p.shot(&format!("{name}-identity-blade")).await;
    p.click("label[for=status-on]").await;
    assert!(
        p.wait_for_element("#save")
            .await
            .is_enabled()
            .await
            .unwrap()
    );
    p.click("#save").await;
    p.idle().await;
    no_error(p, "Status On").await;
    assert!(
        p.status().await.starts_with("Saved"),
        "{}",
        p.status().await
    );
    let i = shown(env, kind, name).await;
    assert_eq!(i["type"], "SystemAssigned", "{i}");
    assert_eq!(
        p.text("#principal-id").await,
        i["principalId"].as_str().unwrap()
    );
    p.until("!document.getElementById('role-assignments').textContent.startsWith('Loading')")
        .await;
    p.shot(&format!("{name}-system-on")).await;

    // System assigned: Status Off, Save.
    p.click("label[for=status-off]").await;
    p.click("#save").await;
    p.idle().await;
    no_error(p, "Status Off").await;
    assert_eq!(shown(env, kind, name).await, Value::Null);
    assert!(
        p.c.find(Locator::Css("#principal-id")).await.is_err(),
        "no principal ID once off"
    );
    p.shot(&format!("{name}-system-off")).await;

    // User assigned: create one under Managed Identities, then Identity, User assigned, + Add, pick it, Add.
    let made = create_identity(p, portal, env, uai).await;
    let uai_id = made["id"].as_str().unwrap().to_ascii_lowercase();
    open_blade(p, portal, name).await;
    // To the User assigned tab with the keyboard: the tab list is one stop, arrows move between tabs.
    p.wait_for_element("#tab-system")
        .await
        .send_keys(&Key::Right.to_string())
        .await
        .unwrap();
    p.until("document.activeElement.id === 'tab-user' && document.getElementById('tab-user').getAttribute('aria-selected') === 'true' && !document.getElementById('panel-user').hidden").await;
    // Add, then Cancel: nothing changes and focus returns to Add.
    p.click("#add-user").await;
    p.until("document.getElementById('dialog').open").await;
    p.click("#picker-cancel").await;
    p.until("!document.getElementById('dialog').open && document.activeElement.id === 'add-user'")
        .await;
    assert_eq!(shown(env, kind, name).await, Value::Null);
    // Add for real.
    p.click("#add-user").await;
    p.until("document.getElementById('dialog').open").await;
    assert!(
        !p.wait_for_element("#picker-add")
            .await
            .is_enabled()
            .await
            .unwrap(),
        "Add waits for a choice"
    );
    p.click(&format!("#dialog input[data-name='{uai}']")).await;
    p.shot(&format!("{name}-user-add-picker")).await;
    p.click("#picker-add").await;
    p.idle().await;
    no_error(p, "Add").await;
    let i = shown(env, kind, name).await;
    assert_eq!(i["type"], "UserAssigned", "{i}");
    assert_eq!(user_ids(&i), vec![uai_id.clone()]);
    let row = p.text("#panel-user tbody tr").await;
    assert!(row.contains(uai) && row.contains(G), "{row}");
    assert!(
        row.contains(made["properties"]["clientId"].as_str().unwrap()),
        "{row}"
    );
    p.shot(&format!("{name}-user-added")).await;

    // The identity's page lists the resource it is now attached to.
    p.c.goto(&format!(
        "{}/#/identity?id={}",
        portal.base,
        made["id"].as_str().unwrap().replace('/', "%2F")
    ))
    .await
    .unwrap();
    p.idle().await;
    p.until(&format!(
        "document.querySelector(\"a[data-resource='{name}']\") !== null"
    ))
    .await;

    // User assigned: select it, Remove, Yes.
    open_blade(p, portal, name).await;
    p.click("#tab-user").await;
    p.click(&format!("#panel-user tbody input[data-name='{uai}']"))
        .await;
    p.click("#remove-user").await;
    p.until("document.getElementById('dialog').open").await;
    assert!(p.text("#dialog-body").await.contains(uai));
    p.shot(&format!("{name}-user-remove-confirm")).await;
    p.click("#confirm-yes").await;
    p.idle().await;
    no_error(p, "Remove").await;
    assert_eq!(shown(env, kind, name).await, Value::Null);
    assert!(
        p.text("#panel-user")
            .await
            .contains("No user assigned managed identities")
    );
    p.shot(&format!("{name}-user-removed")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Debian's chromium and chromium-driver: run cli/tests/portal/run.sh"]
async fn every_portal_step_of_the_seeds_in_chromium() {
    let env = start().await;
    msi_ok(&env, &["group", "create", "-n", G, "-l", "westus"]).await;
    msi_ok(
        &env,
        &[
            "vm",
            "create",
            "-g",
            G,
            "-n",
            "myVM",
            "--image",
            "Win2016Datacenter",
        ],
    )
    .await;
    msi_ok(
        &env,
        &[
            "vmss",
            "create",
            "-g",
            G,
            "-n",
            "myVMSS",
            "--image",
            "UbuntuLTS",
        ],
    )
    .await;
    let cmd = env.command(&["portal", "--no-browser"]);
    let portal = tokio::task::spawn_blocking(move || Portal::spawn(cmd))
        .await
        .unwrap();
    let driver = tokio::task::spawn_blocking(Driver::start).await.unwrap();
    let mut p = Page::new(driver.session().await);

    // The printed URL opens the page (and leaves the token out of the address bar).
    p.c.goto(&portal.url).await.unwrap();
    p.idle().await;
    assert!(!p.c.current_url().await.unwrap().as_str().contains("token"));
    p.until("document.querySelector(\"a[data-resource='myVMSS']\") !== null")
        .await;
    p.shot("resources").await;

    steps(
        &mut p,
        &portal,
        &env,
        "vm",
        "myVM",
        "myUserAssignedIdentity",
    )
    .await;
    steps(
        &mut p,
        &portal,
        &env,
        "vmss",
        "myVMSS",
        "myUserAssignedIdentity2",
    )
    .await;

    // ARM's error, rendered: an unknown resource.
    let missing = format!(
        "/subscriptions/{}/resourceGroups/{G}/providers/Microsoft.Compute/virtualMachines/nope",
        env.emu.subscription_id()
    );
    p.c.goto(&format!(
        "{}/#/resource?id={}",
        portal.base,
        missing.replace('/', "%2F")
    ))
    .await
    .unwrap();
    p.idle().await;
    let e = p.error().await.expect("the error is shown");
    assert_eq!(e["code"], "ResourceNotFound", "{e}");
    assert_eq!(e["status"], "404", "{e}");
    assert!(
        e["requestId"].as_str().is_some_and(|r| !r.is_empty()),
        "{e}"
    );
    assert!(p.status().await.ends_with("failed"));
    p.shot("error-not-found").await;

    // Managed Identities: Delete, Yes.
    p.c.goto(&format!("{}/#/identities", portal.base))
        .await
        .unwrap();
    p.idle().await;
    p.click("a[data-identity='myUserAssignedIdentity2']").await;
    p.idle().await;
    p.click("#delete-identity").await;
    p.until("document.getElementById('dialog').open").await;
    p.click("#confirm-yes").await;
    p.until("location.hash === '#/identities'").await;
    p.idle().await;
    no_error(&p, "Delete").await;
    let r = env
        .msi(&["identity", "show", "-g", G, "-n", "myUserAssignedIdentity2"])
        .await;
    assert_eq!(r.code, 4, "deleted: {}", r.stderr);
    p.shot("identity-deleted").await;
    println!("screenshots in {}", p.shots.display());
    p.c.close().await.unwrap();
}
