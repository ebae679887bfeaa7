//! The shared table of cases (`tests/vectors/identity-cases.json`) spelled as `msi` command lines: the CLI must
//! give every outcome core gives. Errors are compared by exit code (one per error kind).

mod common;

use common::{Env, Run, start};
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../../tests/vectors/identity-cases.json");

fn fill(v: &Value, sub: &str) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("{sub}", sub)),
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, sub)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), fill(x, sub))).collect())
        }
        other => other.clone(),
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The identity as the table writes it, from `vm identity show` output (ARM's identity JSON, or null).
fn shape(identity: &Value) -> Value {
    let system = identity["type"]
        .as_str()
        .is_some_and(|t| t.contains("SystemAssigned"));
    let mut user: Vec<String> = identity["userAssignedIdentities"]
        .as_object()
        .map(|m| {
            m.keys()
                .map(|k| k.rsplit('/').next().unwrap_or("").to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default();
    user.sort();
    json!({ "system": system, "user": user })
}

fn normalise(expect: &Value) -> Value {
    let mut e = expect.clone();
    if let Some(u) = e.get_mut("user").and_then(Value::as_array_mut) {
        u.sort_by_key(|x| x.as_str().unwrap_or("").to_ascii_lowercase());
    }
    e
}

/// The command line for a case, as an az user types it.
fn argv(case: &Value, kind: &str, group: &str, name: &str) -> Vec<String> {
    let a = &case["args"];
    let mut v: Vec<String> = Vec::new();
    let mut push = |s: &str| v.push(s.to_string());
    let target = ["-g", group, "-n", name];
    match case["op"].as_str().unwrap() {
        "assign" | "remove" => {
            let op = case["op"].as_str().unwrap();
            [kind, "identity", op].iter().for_each(|s| push(s));
            target.iter().for_each(|s| push(s));
            let mut ids = strs(&a["identities"]);
            if a["systemAssigned"] == true
                && !ids.iter().any(|i| i.eq_ignore_ascii_case("[system]"))
            {
                ids.push("[system]".into());
            }
            if !ids.is_empty() {
                push("--identities");
                ids.iter().for_each(|s| push(s));
            }
            for (k, flag) in [("role", "--role"), ("scope", "--scope")] {
                if let Some(s) = a[k].as_str() {
                    push(flag);
                    push(s);
                }
            }
        }
        "set" => {
            [kind, "update"].iter().for_each(|s| push(s));
            target.iter().for_each(|s| push(s));
            push("--set");
            push(&format!("identity.type={}", a["type"].as_str().unwrap()));
            if a["identities"].as_array().is_some_and(|l| l.is_empty()) {
                push("identity.userAssignedIdentities=null");
            }
        }
        "show" => {
            [kind, "identity", "show"].iter().for_each(|s| push(s));
            target.iter().for_each(|s| push(s));
        }
        "create" => {
            [kind, "create"].iter().for_each(|s| push(s));
            target.iter().for_each(|s| push(s));
            if let Some(image) = a["image"].as_str() {
                push("--image");
                push(image);
            }
            if let Some(ids) = a["assignIdentity"].as_array() {
                push("--assign-identity");
                ids.iter().for_each(|s| push(s.as_str().unwrap()));
            }
        }
        "extension_set" => {
            let parent = if kind == "vm" {
                "--vm-name"
            } else {
                "--vmss-name"
            };
            [kind, "extension", "set", "-g", group, parent, name, "-n"]
                .iter()
                .for_each(|s| push(s));
            push(a["name"].as_str().unwrap());
            for (k, flag) in [
                ("type", "--extension-type"),
                ("publisher", "--publisher"),
                ("version", "--version"),
            ] {
                if let Some(s) = a[k].as_str() {
                    push(flag);
                    push(s);
                }
            }
            if !a["settings"].is_null() {
                push("--settings");
                push(&a["settings"].to_string());
            }
        }
        "extension_delete" => {
            let parent = if kind == "vm" {
                "--vm-name"
            } else {
                "--vmss-name"
            };
            [kind, "extension", "delete", "-g", group, parent, name, "-n"]
                .iter()
                .for_each(|s| push(s));
            push(a["name"].as_str().unwrap());
        }
        "identity_show" => {
            ["identity", "show"].iter().for_each(|s| push(s));
            match a["id"].as_str() {
                Some(id) => {
                    push("--ids");
                    push(id);
                }
                None => {
                    push("-g");
                    push(a["resourceGroup"].as_str().unwrap());
                    push("-n");
                    push(a["name"].as_str().unwrap());
                }
            }
        }
        op => panic!("unknown op {op}"),
    }
    v
}

/// What the command's answer says, in the table's terms.
fn outcome(case: &Value, r: &Run) -> Value {
    if r.code != 0 {
        // Exit codes are 2, 3, ... in the order of core's list of kinds (the README's table).
        let kind = usize::try_from(r.code - 2)
            .ok()
            .and_then(|i| msi_identity::ErrorKind::ALL.get(i))
            .map_or("?", |k| k.as_str());
        return json!({ "error": kind, "stderr": r.stderr.trim() });
    }
    let out = r.json_or_null();
    match case["op"].as_str().unwrap() {
        "extension_set" => json!({ "extension": {
            "name": out["name"].as_str().unwrap_or("").rsplit('/').next(),
            "port": out["properties"]["settings"]["port"],
        }}),
        "extension_delete" => json!({ "deleted": out["deleted"] }),
        "identity_show" => json!({ "identityName": out["name"] }),
        // `update` and `create` answer the whole resource.
        "create" | "set" => shape(&out["identity"]),
        "assign" => {
            // az's assign output: the system principal and the user-assigned map.
            let system = out["systemAssignedIdentity"]
                .as_str()
                .is_some_and(|p| !p.is_empty());
            let mut s = shape(&json!({ "userAssignedIdentities": out["userAssignedIdentities"] }));
            s["system"] = system.into();
            s
        }
        _ => shape(&out),
    }
}

async fn show(env: &Env, kind: &str, group: &str, name: &str) -> Value {
    let r = env
        .msi(&[kind, "identity", "show", "-g", group, "-n", name])
        .await;
    assert_eq!(r.code, 0, "{}", r.stderr);
    shape(&r.json_or_null())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_case_of_the_shared_table() {
    let env = start().await;
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let setup = &doc["setup"];
    let location = setup["location"].as_str().unwrap();
    for g in strs(&setup["groups"]) {
        let r = env
            .msi(&["group", "create", "-n", &g, "-l", location])
            .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    for i in setup["identities"].as_array().unwrap() {
        let (g, n) = (i["group"].as_str().unwrap(), i["name"].as_str().unwrap());
        let r = env.msi(&["identity", "create", "-g", g, "-n", n]).await;
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let sub = env.emu.subscription_id().to_string();
    let cases = doc["cases"].as_array().unwrap();
    let (mut failures, mut skipped) = (Vec::new(), 0);
    for (n, case) in cases.iter().enumerate() {
        if case["skip"].get("cli").is_some() {
            skipped += 1;
            continue;
        }
        let case = fill(case, &sub);
        let name = format!("case{n}");
        let kind = case["kind"].as_str().unwrap();
        let group = case["group"].as_str().unwrap_or("rg");
        if let Some(start) = case["start"].as_object() {
            let mut args: Vec<String> = ["create", "-g", group, "-n", &name]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.insert(0, kind.to_string());
            let mut refs = strs(&start["user"]);
            if start["system"] == true {
                refs.push("[system]".into());
            }
            if !refs.is_empty() {
                args.push("--assign-identity".into());
                args.extend(refs);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = env.msi(&args).await;
            assert_eq!(r.code, 0, "case {n} set-up: {}", r.stderr);
        }
        let line = argv(&case, kind, group, &name);
        let r = env
            .msi(&line.iter().map(String::as_str).collect::<Vec<_>>())
            .await;
        let got = outcome(&case, &r);
        let expect = normalise(&case["expect"]);
        let matches = match expect.get("error") {
            Some(k) => got.get("error") == Some(k),
            None => got == expect,
        };
        if !matches {
            failures.push(format!(
                "{n} {} [{kind}] `msi {}`: expected {expect}, got {got}",
                case["name"],
                line.join(" ")
            ));
        }
        if got.get("error").is_some() && case["start"].is_object() {
            let now = show(&env, kind, group, &name).await;
            if now != normalise(&case["start"]) {
                failures.push(format!(
                    "{n} {} [{kind}]: failed but changed the identity to {now}",
                    case["name"]
                ));
            }
        }
    }
    println!(
        "vectors: {} passed, {} failed, {skipped} skipped",
        cases.len() - skipped - failures.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
