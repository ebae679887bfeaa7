//! Creating a VM or scale set with an identity: az's create options (`--image`, `--size`, `--admin-username`,
//! `--ssh-key-value`, `--assign-identity`, `--model`), the one schema every face fills, and the minimal model they
//! stand for.

use crate::client::ArmClient;
use crate::credential::Secret;
use crate::error::{Error, Result};
use crate::identity::{IdentityType, creation_identity};
use crate::ids::{ComputeKind, ComputeTarget, resolve_identity_refs};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Image aliases as az knows them (`--image UbuntuLTS`), or a URN `publisher:offer:sku:version`.
pub fn image_reference(image: &str) -> Result<Value> {
    const ALIASES: &[(&str, &str)] = &[
        ("UbuntuLTS", "Canonical:UbuntuServer:18.04-LTS:latest"),
        (
            "Ubuntu2204",
            "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest",
        ),
        ("Ubuntu2404", "Canonical:ubuntu-24_04-lts:server:latest"),
        ("Debian11", "Debian:debian-11:11-backports-gen2:latest"),
        ("Debian12", "Debian:debian-12:12-gen2:latest"),
        ("CentOS85Gen2", "OpenLogic:CentOS:8_5-gen2:latest"),
        (
            "Win2016Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2016-Datacenter:latest",
        ),
        (
            "Win2019Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2019-Datacenter:latest",
        ),
        (
            "Win2022Datacenter",
            "MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest",
        ),
    ];
    let urn = ALIASES
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(image))
        .map(|(_, u)| *u)
        .unwrap_or(image);
    let parts: Vec<&str> = urn.split(':').collect();
    match parts.as_slice() {
        [publisher, offer, sku, version] if parts.iter().all(|p| !p.is_empty()) => Ok(json!({
            "publisher": publisher, "offer": offer, "sku": sku, "version": version
        })),
        _ => Err(Error::invalid_argument(format!(
            "unknown image '{image}': give an alias ({}) or a URN publisher:offer:sku:version",
            ALIASES
                .iter()
                .map(|(a, _)| *a)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What a minimal VM or scale set needs, as `az vm create` / `az vmss create` flags give it.
#[derive(Debug, Clone)]
pub struct BasicModel {
    /// Linux or Windows admin password (a secret: never printed).
    pub admin_password: Option<Secret>,
    /// OpenSSH public key text for Linux images.
    pub ssh_public_key: Option<String>,
    pub location: Option<String>,
    pub image: String,
    pub size: String,
    pub admin_username: String,
    /// Scale sets only.
    pub instance_count: u32,
}

impl Default for BasicModel {
    fn default() -> Self {
        BasicModel {
            location: None,
            image: "Ubuntu2204".into(),
            size: "Standard_DS1_v2".into(),
            admin_username: "azureuser".into(),
            admin_password: None,
            ssh_public_key: None,
            instance_count: 2,
        }
    }
}

impl BasicModel {
    /// The ARM model for `t` (no credentials: the caller adds keys or passwords if it needs them).
    pub fn to_model(&self, t: &ComputeTarget) -> Result<Value> {
        let image = image_reference(&self.image)?;
        let windows = image["publisher"]
            .as_str()
            .unwrap_or("")
            .contains("Windows");
        let storage = json!({
            "imageReference": image,
            "osDisk": { "createOption": "FromImage", "caching": "ReadWrite",
                        "managedDisk": { "storageAccountType": "Premium_LRS" } }
        });
        let mut os_config = if windows {
            json!({ "windowsConfiguration": { "provisionVMAgent": true } })
        } else {
            json!({ "linuxConfiguration": {
                "disablePasswordAuthentication": self.admin_password.is_none()
            } })
        };
        if let Some(p) = &self.admin_password {
            os_config["adminPassword"] = p.expose().into();
        }
        if let Some(key) = &self.ssh_public_key {
            if windows {
                return Err(Error::invalid_argument(
                    "an SSH key is for Linux images only",
                ));
            }
            os_config["linuxConfiguration"]["ssh"] = json!({ "publicKeys": [{
                "path": format!("/home/{}/.ssh/authorized_keys", self.admin_username),
                "keyData": key.trim()
            }] });
        }
        let mut model = match t.kind {
            ComputeKind::VirtualMachine => {
                let mut os =
                    json!({ "computerName": t.name, "adminUsername": self.admin_username });
                merge(&mut os, os_config);
                json!({ "properties": {
                    "hardwareProfile": { "vmSize": self.size },
                    "storageProfile": storage,
                    "osProfile": os,
                    "networkProfile": { "networkInterfaces": [] }
                }})
            }
            ComputeKind::VirtualMachineScaleSet => {
                let prefix: String = t.name.chars().take(9).collect();
                let mut os =
                    json!({ "computerNamePrefix": prefix, "adminUsername": self.admin_username });
                merge(&mut os, os_config);
                json!({
                    "sku": { "name": self.size, "tier": "Standard", "capacity": self.instance_count },
                    "properties": {
                        "upgradePolicy": { "mode": "Manual" },
                        "virtualMachineProfile": { "storageProfile": storage, "osProfile": os }
                    }
                })
            }
        };
        if let Some(l) = &self.location {
            crate::ids::validate_location(l)?;
            model["location"] = l.clone().into();
        }
        Ok(model)
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

/// The options of `az vm create` / `az vmss create` (and `New-AzVM`, and every binding's create call), every one
/// optional. Deserialisable from JSON with camelCase keys (the C ABI's form); unknown keys are refused.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOptions {
    /// The whole ARM model (`--model`); excludes the basic options below.
    pub model: Option<Value>,
    /// Image alias (`Ubuntu2204`, `Win2016Datacenter`, ...) or URN `publisher:offer:sku:version`.
    pub image: Option<String>,
    #[serde(alias = "vmSku")]
    pub size: Option<String>,
    /// Default: the resource group's.
    pub location: Option<String>,
    pub admin_username: Option<String>,
    pub admin_password: Option<Secret>,
    /// OpenSSH public key text, or the path of a file holding one (az's `--ssh-key-value`).
    #[serde(alias = "sshPublicKey")]
    pub ssh_key_value: Option<String>,
    /// az's `--generate-ssh-keys`: use `~/.ssh/id_rsa.pub` when it exists.
    #[serde(default)]
    pub generate_ssh_keys: bool,
    /// Scale sets only.
    pub instance_count: Option<u32>,
    /// az's `--assign-identity`: given with no values, the system-assigned identity; else names (in the resource's
    /// group), IDs, and `[system]`.
    pub assign_identity: Option<Vec<String>>,
    /// User-assigned identities to attach (names or IDs), a plain list: unlike `assign_identity`, an empty one
    /// asks for nothing (the bindings' `user_assigned` / `userAssigned`).
    #[serde(default)]
    pub user_assigned: Vec<String>,
    /// Enable (or, `false`, do not enable) the system-assigned identity, whatever `assign_identity` says.
    pub system_assigned: Option<bool>,
    /// An explicit type (`New-AzVMConfig -IdentityType`) that the identities must agree with.
    pub identity_type: Option<String>,
}

impl CreateOptions {
    fn has_basic(&self) -> bool {
        self.image.is_some()
            || self.size.is_some()
            || self.admin_username.is_some()
            || self.admin_password.is_some()
            || self.ssh_key_value.is_some()
            || self.generate_ssh_keys
            || self.instance_count.is_some()
    }

    /// The ARM model to create: `model` as given, or the minimal one the basic options describe.
    pub fn model(&self, t: &ComputeTarget) -> Result<Value> {
        if let Some(m) = &self.model {
            if self.has_basic() {
                return Err(Error::invalid_argument(
                    "give either a model or the image/size/admin/ssh/instance-count options, not both",
                ));
            }
            let mut m = m.clone();
            if let (Some(l), Some(obj)) = (&self.location, m.as_object_mut()) {
                crate::ids::validate_location(l)?;
                obj.insert("location".into(), l.clone().into());
            }
            return Ok(m);
        }
        if self.instance_count.is_some() && t.kind == ComputeKind::VirtualMachine {
            return Err(Error::invalid_argument(
                "instance count is for scale sets only",
            ));
        }
        let d = BasicModel::default();
        BasicModel {
            location: self.location.clone(),
            image: self.image.clone().unwrap_or(d.image),
            size: self.size.clone().unwrap_or(d.size),
            admin_username: self.admin_username.clone().unwrap_or(d.admin_username),
            admin_password: self.admin_password.clone(),
            ssh_public_key: self.ssh_public_key()?,
            instance_count: self.instance_count.unwrap_or(d.instance_count),
        }
        .to_model(t)
    }

    /// az's rule: `--ssh-key-value` is key text or a path to a key file; `--generate-ssh-keys` uses the user's
    /// `~/.ssh/id_rsa.pub` when there is one.
    fn ssh_public_key(&self) -> Result<Option<String>> {
        match (&self.ssh_key_value, self.generate_ssh_keys) {
            (Some(v), _) if !v.trim_start().starts_with("ssh-") && Path::new(v).is_file() => {
                std::fs::read_to_string(v).map(Some).map_err(|e| {
                    Error::invalid_argument(format!("cannot read the SSH key file {v}: {e}"))
                })
            }
            (Some(v), _) => Ok(Some(v.clone())),
            (None, true) => Ok(std::env::var_os("HOME")
                .map(|h| PathBuf::from(h).join(".ssh/id_rsa.pub"))
                .and_then(|p| std::fs::read_to_string(p).ok())),
            (None, false) => Ok(None),
        }
    }

    /// The identity to create with: (system-assigned?, user-assigned IDs).
    pub fn identity(&self, t: &ComputeTarget) -> Result<(bool, Vec<String>)> {
        let mut refs = self.assign_identity.clone().unwrap_or_default();
        refs.extend(self.user_assigned.iter().cloned());
        let (listed_system, user) = resolve_identity_refs(&refs, t)?;
        // `--assign-identity` with no value means the system-assigned identity (az).
        let implied = listed_system || matches!(&self.assign_identity, Some(v) if v.is_empty());
        let system = match self.system_assigned {
            Some(false) if listed_system => {
                return Err(Error::invalid_argument(
                    "[system] is listed but the system-assigned identity is turned off",
                ));
            }
            Some(s) => s,
            None => implied,
        };
        let ty = self
            .identity_type
            .as_deref()
            .map(IdentityType::parse)
            .transpose()?;
        creation_identity(ty, system, user)
    }
}

impl ArmClient {
    /// Create a VM or scale set from az-style options (`az vm create ... --assign-identity`): everything is checked
    /// before a request is sent; creation never overwrites an existing resource.
    pub async fn create(&self, t: &ComputeTarget, options: &CreateOptions) -> Result<Value> {
        let model = options.model(t)?;
        let (system, user) = options.identity(t)?;
        self.create_compute(t, model, system, &user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(v: Value) -> CreateOptions {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn identity_at_creation_follows_az() {
        let t = ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap();
        let id1 = crate::ids::user_identity_id("s", "rg", "id1");
        for (o, want) in [
            (json!({}), Some((false, vec![]))),
            (json!({"assignIdentity": []}), Some((true, vec![]))),
            (
                json!({"assignIdentity": ["id1"]}),
                Some((false, vec![id1.clone()])),
            ),
            (
                json!({"assignIdentity": ["[system]", "id1"]}),
                Some((true, vec![id1.clone()])),
            ),
            (json!({"systemAssigned": true}), Some((true, vec![]))),
            (
                json!({"systemAssigned": false, "assignIdentity": ["[system]"]}),
                None,
            ),
            (
                json!({"identityType": "SystemAssigned, UserAssigned", "assignIdentity": ["id1"]}),
                Some((true, vec![id1.clone()])),
            ),
            (json!({"identityType": "UserAssigned"}), None),
            (json!({"identityType": "Both"}), None),
            (json!({"assignIdentity": ["x"]}), None),
        ] {
            let got = opts(o.clone()).identity(&t).ok();
            assert_eq!(got, want, "{o}");
        }
    }

    #[test]
    fn model_or_basic_options() {
        let t = ComputeTarget::new("s", "rg", "vm", ComputeKind::VirtualMachine).unwrap();
        let m = opts(json!({"image": "Win2016Datacenter", "adminUsername": "azureuser"}))
            .model(&t)
            .unwrap();
        assert_eq!(
            m["properties"]["storageProfile"]["imageReference"]["offer"],
            "WindowsServer"
        );
        assert!(opts(json!({"model": {}, "image": "x"})).model(&t).is_err());
        assert!(opts(json!({"instanceCount": 3})).model(&t).is_err());
        let with_location = opts(json!({"model": {"properties": {}}, "location": "westus"}))
            .model(&t)
            .unwrap();
        assert_eq!(with_location["location"], "westus");
        assert!(serde_json::from_value::<CreateOptions>(json!({"imag": "x"})).is_err());
        let secret: CreateOptions =
            serde_json::from_value(json!({"adminPassword": "p@ss"})).unwrap();
        assert!(!format!("{secret:?}").contains("p@ss"));
    }
}
