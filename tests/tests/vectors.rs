//! The shared table of cases (`tests/vectors/identity-cases.json`), run against core over real HTTPS. Every
//! face runs the same file; this is the reference runner.

mod common;

use msi_identity::{
    ArmClient, AssignRequest, ComputeKind, CreateOptions, Error, Identity, MsiExtension,
    MsiExtensionSpec, RemoveRequest, SetRequest,
};
use serde_json::{Value, json};

const VECTORS: &str = include_str!("../vectors/identity-cases.json");

fn kind_of(case: &Value) -> ComputeKind {
    match case["kind"].as_str() {
        Some("vmss") => ComputeKind::VirtualMachineScaleSet,
        _ => ComputeKind::VirtualMachine,
    }
}

/// `{sub}` in every string of `v`.
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

fn args<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, Error> {
    serde_json::from_value(v.clone()).map_err(|e| Error::invalid_argument(e.to_string()))
}

/// The identity as the table writes it: `{system, user: [names, lower case, sorted]}`.
fn shape(i: &Identity) -> Value {
    let mut user: Vec<String> = i
        .user_assigned
        .iter()
        .map(|u| u.id.rsplit('/').next().unwrap_or("").to_ascii_lowercase())
        .collect();
    user.sort();
    json!({ "system": i.has_system(), "user": user })
}

fn normalise(expect: &Value) -> Value {
    let mut e = expect.clone();
    if let Some(u) = e.get_mut("user").and_then(Value::as_array_mut) {
        u.sort_by_key(|x| x.as_str().unwrap_or("").to_ascii_lowercase());
    }
    e
}

async fn run(c: &ArmClient, case: &Value, name: &str) -> Result<Value, Error> {
    let kind = kind_of(case);
    let group = case["group"].as_str().unwrap_or("rg");
    let a = &case["args"];
    let t = c.target(Some(kind), Some(group), Some(name), None)?;
    match case["op"].as_str().unwrap() {
        "assign" => Ok(shape(
            &c.assign_identity(&t, &args::<AssignRequest>(a)?)
                .await?
                .update
                .identity,
        )),
        "remove" => Ok(shape(
            &c.remove_identity(&t, &args::<RemoveRequest>(a)?)
                .await?
                .identity,
        )),
        "set" => Ok(shape(
            &c.set_identity(&t, &args::<SetRequest>(a)?).await?.identity,
        )),
        "show" => Ok(shape(&c.show_identity(&t).await?)),
        "create" => {
            let r = c.create(&t, &args::<CreateOptions>(a)?).await?;
            Ok(shape(&Identity::from_resource(&r)?))
        }
        "extension_set" => {
            let ext = MsiExtension::from_spec(&args::<MsiExtensionSpec>(a)?)?;
            let r = c.set_msi_extension(&t, &ext).await?;
            Ok(json!({ "extension": {
                "name": r["name"].as_str().unwrap_or("").rsplit('/').next(),
                "port": r["properties"]["settings"]["port"],
            }}))
        }
        "extension_delete" => Ok(json!({
            "deleted": c.delete_extension(&t, a["name"].as_str().unwrap_or("")).await?
        })),
        "identity_show" => {
            let id = c.user_identity_ref(
                a["resourceGroup"].as_str(),
                a["name"].as_str(),
                a["id"].as_str(),
            )?;
            Ok(json!({ "identityName": c.get_user_identity_by_id(&id).await?.name }))
        }
        op => panic!("unknown op {op}"),
    }
}

#[tokio::test]
async fn every_case_of_the_shared_table() {
    let env = common::start().await;
    let c = &env.client;
    let doc: Value = serde_json::from_str(VECTORS).unwrap();
    let setup = &doc["setup"];
    let location = setup["location"].as_str().unwrap();
    for g in setup["groups"].as_array().unwrap() {
        c.create_resource_group(g.as_str().unwrap(), location)
            .await
            .unwrap();
    }
    for i in setup["identities"].as_array().unwrap() {
        c.create_user_identity(
            i["group"].as_str().unwrap(),
            i["name"].as_str().unwrap(),
            None,
            None,
        )
        .await
        .unwrap();
    }
    let sub = c.subscription_id().to_string();
    let mut failures = Vec::new();
    let cases = doc["cases"].as_array().unwrap();
    for (n, case) in cases.iter().enumerate() {
        let case = fill(case, &sub);
        let name = format!("case{n}");
        let kind = kind_of(&case);
        let group = case["group"].as_str().unwrap_or("rg");
        let t = c
            .target(Some(kind), Some(group), Some(&name), None)
            .unwrap();
        if let Some(start) = case["start"].as_object() {
            let mut refs: Vec<String> = start["user"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u.as_str().unwrap().to_string())
                .collect();
            if start["system"] == true {
                refs.push("[system]".into());
            }
            let options = CreateOptions {
                assign_identity: Some(refs).filter(|r| !r.is_empty()),
                ..CreateOptions::default()
            };
            c.create(&t, &options).await.unwrap();
        }
        let got = run(c, &case, &name).await;
        let expect = normalise(&case["expect"]);
        let outcome = match got {
            Ok(v) => v,
            Err(e) => {
                // An error changes nothing: the identity is still the starting one.
                if case["start"].is_object() {
                    let now = shape(&c.show_identity(&t).await.unwrap());
                    if now != normalise(&case["start"]) {
                        failures.push(format!(
                            "{n} {} [{}]: failed with {} but changed the identity to {now}",
                            case["name"],
                            case["kind"],
                            e.kind()
                        ));
                    }
                }
                json!({ "error": e.kind().as_str(), "message": e.message() })
            }
        };
        let matches = match expect.get("error") {
            Some(k) => outcome.get("error") == Some(k),
            None => outcome == expect,
        };
        if !matches {
            failures.push(format!(
                "{n} {} [{}]: expected {expect}, got {outcome}",
                case["name"], case["kind"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
