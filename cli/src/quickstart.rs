//! `msi quickstart`: every step of the seed guides, run as real `msi` commands against an embedded emulator in
//! a temporary directory.

use crate::args::{Cli, QuickstartArgs};
use crate::commands::dispatch;
use crate::emulator_cmd::emulator_error;
use crate::output::Render;
use clap::Parser;
use msi_emulator::Emulator;
use msi_identity::Error;
use serde_json::Value;
use std::time::Instant;

/// Arguments as one would type them: quoted when they hold spaces or quotes.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if a.contains([' ', '"', '{']) {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The pseudo-command of the step that acts as a process on myVM2.
const USE_IDENTITY: &str = "account get-access-token --resource https://management.azure.com/";

/// Act as a process on `vm`: get a token from the emulator's IMDS for that VM, read the group with it, try a
/// write. Prints claims, never the token.
async fn use_identity(
    emulator: &Emulator,
    admin: &msi_identity::ArmClient,
    g: &str,
    vm: &str,
) -> Result<Value, Error> {
    use msi_identity::managed_identity::{
        IdentitySelector, ManagedIdentityCredential, ManagedIdentitySource,
    };
    let t = admin.vm(g, vm)?;
    let base = emulator
        .imds_base_url(&t.path(), None)
        .map_err(emulator_error)?;
    println!("  (as a process on {vm}: AZURE_POD_IDENTITY_AUTHORITY_HOST={base})");
    let cred = std::sync::Arc::new(ManagedIdentityCredential::new(
        ManagedIdentitySource::Imds { base_url: base },
        IdentitySelector::SystemAssigned,
        msi_identity::HttpClient::new(None)?,
    )?);
    let token = msi_identity::TokenCredential::get_token(
        cred.as_ref(),
        &["https://management.azure.com/.default"],
    )
    .await?;
    let claims = token
        .token
        .expose()
        .split('.')
        .nth(1)
        .and_then(|p| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    let mut options =
        msi_identity::ClientOptions::new(emulator.endpoint(), emulator.subscription_id());
    options.http = Some(msi_identity::HttpClient::new(Some(emulator.ca_cert_pem()))?);
    let as_vm = msi_identity::ArmClient::new(cred, options)?;
    let read = as_vm.get_resource_group(g).await.map(|r| r["name"].clone());
    let write = as_vm
        .create_user_identity(g, "not-allowed", None, None)
        .await;
    Ok(serde_json::json!({
        "token": { "oid": claims["oid"], "aud": claims["aud"], "xms_mirid": claims["xms_mirid"], "expires_on": token.expires_on },
        "read resource group": read.unwrap_or_else(|e| e.to_json()["error"]["code"].clone()),
        "create identity": match write { Ok(_) => Value::String("allowed?!".into()), Err(e) => e.to_json()["error"]["code"].clone() },
    }))
}

/// What to print of a step's result.
#[derive(Clone, Copy)]
enum Show {
    /// The `identity` of a resource (or the result itself when it is an identity).
    Identity,
    /// Selected top-level and `properties` fields.
    Fields(&'static [&'static str]),
}

struct Step {
    section: &'static str,
    args: Vec<String>,
    show: Show,
}

fn step(section: &'static str, cmd: &str, show: Show) -> Step {
    Step {
        section,
        args: split(cmd),
        show,
    }
}

/// Split a command line on spaces, keeping single-quoted parts together.
fn split(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in cmd.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn steps(g: &str, sub: &str) -> Vec<Step> {
    use Show::*;
    let uai = "myUserAssignedIdentity";
    let ext = "--publisher Microsoft.ManagedIdentity --version 1.0 --settings '{\"port\": 50342}'";
    vec![
        step(
            "Prerequisites: a resource group",
            &format!("group create -n {g} -l westus"),
            Fields(&["name", "location"]),
        ),
        // VM, system-assigned
        step(
            "VM: enable the system-assigned identity during creation",
            &format!(
                "vm create -g {g} -n myVM --image Win2016Datacenter --admin-username azureuser --assign-identity"
            ),
            Identity,
        ),
        step(
            "VM: enable the system-assigned identity on an existing VM",
            &format!("vm create -g {g} -n myVM2 --image UbuntuLTS --admin-username azureuser"),
            Identity,
        ),
        step(
            "",
            &format!(
                "vm identity assign -g {g} -n myVM2 --role Reader --scope /subscriptions/{sub}/resourceGroups/{g}"
            ),
            Identity,
        ),
        step(
            "Use the identity: on myVM2, a token from IMDS reads the group and is refused a write",
            USE_IDENTITY,
            Identity,
        ),
        step(
            "VM: disable the system-assigned identity",
            &format!("vm update -n myVM2 -g {g} --set identity.type='none'"),
            Identity,
        ),
        // User-assigned
        step(
            "User-assigned: create an identity",
            &format!("identity create -g {g} -n {uai}"),
            Fields(&["name", "id", "principalId", "clientId"]),
        ),
        step(
            "VM: assign a user-assigned identity during creation",
            &format!(
                "vm create -g {g} -n myVM3 --image UbuntuLTS --admin-username azureuser --assign-identity {uai}"
            ),
            Identity,
        ),
        step(
            "VM: assign a user-assigned identity to an existing VM",
            &format!("vm identity assign -g {g} -n myVM --identities {uai}"),
            Identity,
        ),
        step("", &format!("vm identity show -g {g} -n myVM"), Identity),
        step(
            "VM: remove a user-assigned identity",
            &format!("vm identity remove -g {g} -n myVM --identities {uai}"),
            Identity,
        ),
        step(
            "VM: keep only the system-assigned identity",
            &format!(
                "vm update -n myVM3 -g {g} --set identity.type='SystemAssigned' identity.userAssignedIdentities=null"
            ),
            Identity,
        ),
        step(
            "VM: remove every identity",
            &format!(
                "vm update -n myVM3 -g {g} --set identity.type=none identity.userAssignedIdentities=null"
            ),
            Identity,
        ),
        // Legacy MSI extension
        step(
            "VM: add the MSI VM extension (legacy, port 50342)",
            &format!(
                "vm extension set -g {g} --vm-name myVM -n ManagedIdentityExtensionForWindows {ext}"
            ),
            Fields(&[
                "name",
                "type",
                "typeHandlerVersion",
                "settings",
                "provisioningState",
            ]),
        ),
        step(
            "VM: remove the MSI VM extension",
            &format!(
                "vm extension delete -g {g} --vm-name myVM -n ManagedIdentityExtensionForWindows"
            ),
            Fields(&["deleted"]),
        ),
        // Scale sets
        step(
            "Scale set: enable the system-assigned identity during creation",
            &format!(
                "vmss create -g {g} -n myVMSS --image UbuntuLTS --admin-username azureuser --assign-identity"
            ),
            Identity,
        ),
        step(
            "Scale set: enable the system-assigned identity on an existing scale set",
            &format!("vmss create -g {g} -n myVMSS2 --image UbuntuLTS --admin-username azureuser"),
            Identity,
        ),
        step(
            "",
            &format!("vmss identity assign -g {g} -n myVMSS2"),
            Identity,
        ),
        step(
            "Scale set: disable the system-assigned identity",
            &format!("vmss identity remove -g {g} -n myVMSS2"),
            Identity,
        ),
        step(
            "Scale set: assign a user-assigned identity during creation",
            &format!(
                "vmss create -g {g} -n myVMSS3 --image UbuntuLTS --admin-username azureuser --assign-identity {uai}"
            ),
            Identity,
        ),
        step(
            "Scale set: assign a user-assigned identity to an existing scale set",
            &format!("vmss identity assign -g {g} -n myVMSS --identities {uai}"),
            Identity,
        ),
        step(
            "",
            &format!("vmss identity show -g {g} -n myVMSS"),
            Identity,
        ),
        step(
            "Scale set: remove a user-assigned identity",
            &format!("vmss identity remove -g {g} -n myVMSS --identities {uai}"),
            Identity,
        ),
        step(
            "Scale set: add the MSI extension (legacy)",
            &format!(
                "vmss extension set -g {g} --vmss-name myVMSS -n ManagedIdentityExtensionForLinux {ext}"
            ),
            Fields(&["name", "type", "settings"]),
        ),
        step(
            "Scale set: remove the MSI extension",
            &format!(
                "vmss extension delete -g {g} --vmss-name myVMSS -n ManagedIdentityExtensionForLinux"
            ),
            Fields(&["deleted"]),
        ),
        step(
            "Identities in the group",
            &format!("identity list -g {g}"),
            Fields(&["name", "clientId"]),
        ),
    ]
}

fn pick(v: &Value, show: Show) -> Value {
    match show {
        Show::Identity => match v.get("identity") {
            Some(i) => i.clone(),
            None if v.get("properties").is_some() => Value::Null, // a resource with no identity
            None => v.clone(),
        },
        Show::Fields(fields) => {
            let one = |item: &Value| {
                let mut m = serde_json::Map::new();
                for f in fields {
                    if let Some(x) = item
                        .get(*f)
                        .or_else(|| item.pointer(&format!("/properties/{f}")))
                    {
                        m.insert(f.to_string(), x.clone());
                    }
                }
                Value::Object(m)
            };
            match v {
                Value::Array(a) => Value::Array(a.iter().map(one).collect()),
                other => one(other),
            }
        }
    }
}

/// The walkthrough.
pub async fn run(args: QuickstartArgs) -> Result<(), Error> {
    let started = Instant::now();
    let (_dir, emulator) = crate::emulator_cmd::start_embedded("msi-quickstart-").await?;
    println!(
        "msi quickstart: the managed-identity guides (VM and scale set; CLI, PowerShell and portal steps),"
    );
    println!("run as msi commands against an embedded Azure emulator.\n");
    println!("{}\n", emulator.banner());
    let settings = crate::emulator_cmd::admin_settings(&emulator);
    let client = settings.client()?;
    let all = steps(&args.resource_group, emulator.subscription_id());
    let total = all.len();
    let mut result = Ok(());
    for (i, s) in all.into_iter().enumerate() {
        if !s.section.is_empty() {
            println!("== {}", s.section);
        }
        println!("$ msi {}", shell_words(&s.args));
        let argv = std::iter::once("msi".to_string()).chain(s.args.iter().cloned());
        let cli = Cli::try_parse_from(argv)
            .map_err(|e| Error::invalid_argument(format!("quickstart step {}: {e}", i + 1)))?;
        let t = Instant::now();
        let outcome = if s.args.join(" ") == USE_IDENTITY {
            use_identity(&emulator, &client, &args.resource_group, "myVM2").await
        } else {
            dispatch(&client, cli.cmd, &Render::default()).await
        };
        match outcome {
            Ok(v) => {
                let shown = pick(&v, s.show);
                println!(
                    "  -> {} ({} ms)\n",
                    if shown.is_null() {
                        "no identity".to_string()
                    } else {
                        shown.to_string()
                    },
                    t.elapsed().as_millis()
                );
            }
            Err(e) => {
                crate::output::print_error(&e);
                result = Err(e);
                break;
            }
        }
    }
    emulator.shutdown().await;
    if result.is_ok() {
        println!(
            "All {total} steps succeeded in {} ms. Next: `msi emulator start` and point your scripts at it.",
            started.elapsed().as_millis()
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_parses() {
        for s in steps("rg", "sub") {
            let argv = std::iter::once("msi".to_string()).chain(s.args.iter().cloned());
            Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{:?}: {e}", s.args));
        }
    }

    #[test]
    fn quotes_keep_json_together() {
        assert_eq!(
            split("a --settings '{\"port\": 1}' b"),
            vec!["a", "--settings", "{\"port\": 1}", "b"]
        );
    }
}
